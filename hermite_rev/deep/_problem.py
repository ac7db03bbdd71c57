"""What :func:`hermite_rev.deep.deep_reverse` was asked, checked, and what a route returns.

Place: :mod:`hermite_rev.deep`, above ``_forward``; imports :mod:`hermite_rev._core`,
:mod:`hermite_rev.series`, :mod:`hermite_rev.hermite` (the one "not a kernel" check) and
:mod:`hermite_rev.family` (kernel input).

Index
-----
DeepProblem    the checked request (kernel, depth, kind, sizes, hyperparameters, K(1), readout)
make_problem   deep_reverse's arguments -> DeepProblem, or a one-line error
Dual           what a route (formal root or fit) returns: the members' dual kernel g and readout s
k_at_zero      K(0), decided exactly when it is 0
is_exact       whether a dual kernel is in exact rationals
METHODS        the routes deep_reverse accepts
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flint
import mpmath
import sympy

from .._core.errors import HermiteRevError, NotRealizableError
from .._core.exprs import c
from .._core.limits import LIMITS, REASONS
from .._core.registry import label_for
from .._core.validate import check_kind, check_positive_int, exact_number
from ..family import as_kernel
from ..hermite import check_kernel_coefficients
from ..series import TaylorCoeffs, evaluate_at, taylor
from ._forward import ball_mpf, fmpq_of, sigmas

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._core.typing import KernelLike, Kind, RealLike

__all__ = ["DeepProblem", "make_problem", "Dual", "k_at_zero", "is_exact", "METHODS"]

METHODS = ("auto", "series", "fit")


@dataclass(frozen=True)
class DeepProblem:
    """The request of :func:`~hermite_rev.deep.deep_reverse`, checked.

    ``sw2, sb2`` are sigma_w^2 and sigma_b^2 (exact sympy numbers), ``k1 +- k1_err`` the value
    K(1), ``s_user`` the readout variance sigma_w_last^2 when the user gave it, ``s_nngp`` the
    NNGP's readout variance (``s_user``, else K(1) as a rational), ``label`` what reprs call K.
    """

    expr: sympy.Expr
    depth: int
    kind: Kind
    n: int
    dps: int
    sw2: sympy.Expr
    sb2: sympy.Expr
    k1: mpmath.mpf
    k1_err: mpmath.mpf
    s_user: sympy.Expr | None
    s_nngp: sympy.Expr
    label: str | None

    @property
    def qs(self) -> sympy.Expr:
        """q* = sigma_w^2 + sigma_b^2, the stationary pre-activation variance."""
        return self.sw2 + self.sb2

    @property
    def sigma_w(self) -> sympy.Expr:
        return sympy.sqrt(self.sw2)

    @property
    def sigma_b(self) -> sympy.Expr:
        return sympy.sqrt(self.sb2)

    @functools.cached_property
    def poly(self) -> sympy.Poly | None:
        """K's rational coefficients when K is a polynomial with rational coefficients, else None."""
        try:
            poly = sympy.Poly(self.expr, c)
        except sympy.PolynomialError:
            return None
        return poly if all(co.is_Rational for co in poly.all_coeffs()) else None

    def kernel_taylor(self, N: int, dps: int) -> TaylorCoeffs:
        """K's first N Taylor coefficients at ``dps`` digits, none of them proven negative (the
        one check of :func:`hermite_rev.hermite.check_kernel_coefficients`)."""
        tc = taylor(self.expr, N, dps)
        self.check(tc, tc.errors)
        return tc

    def kernel_coeffs(self, N: int, dps: int, exact: bool) -> list[Any]:
        """K's first N Taylor coefficients as fmpq (``exact``) or arb balls, checked likewise."""
        if exact:
            vals = list(taylor(self.expr, N, exact=True))
            self.check(vals, exact=vals)
            return [fmpq_of(v) for v in vals]
        tc = self.kernel_taylor(N, dps)
        with mpmath.workdps(dps + 5):
            return [ball_mpf(v, e) for v, e in zip(tc, tc.errors)]

    def check(self, a: Sequence[Any], errors: Sequence[Any] | None = None, exact: Sequence[Any] | None = None) -> None:
        """NotAKernelError for the first Taylor coefficient of K proven negative: the kernel of a
        network of any depth is a positive-definite dot-product kernel on every sphere."""
        who = f"depth-{self.depth} network"
        check_kernel_coefficients(a, errors, exact=exact, kernel=self.expr, kind=self.kind, who=who)


@dataclass(frozen=True)
class Dual:
    """A route's result: the members' dual kernel ``g`` (fmpq or arb, sum exactly 1), the readout
    variance ``s`` (sympy), and for a formal root its lowest exponent ``p``, its coefficients
    ``root`` and the mass ``root_tail`` that truncation moved to g_{n-1}."""

    method: str
    g: tuple
    s: Any
    p: int | None = None
    root: tuple | None = None
    root_tail: Any = None


def make_problem(
    K: KernelLike | Sequence[RealLike],
    depth: int,
    kind: str,
    n: int,
    dps: int,
    sigma_w: RealLike,
    sigma_b: RealLike,
    sigma_w_last: RealLike | None,
    method: str,
    label: str | None,
) -> DeepProblem:
    """deep_reverse's arguments, checked, as a :class:`DeepProblem`."""
    kind = check_kind(kind)
    depth = check_positive_int(depth, "depth")
    n = check_positive_int(n, "n")
    dps = check_positive_int(dps, "dps")
    for name, value, key in (("depth", depth, "deep_depth"), ("n", n, "deep_n"), ("dps", dps, "deep_dps")):
        if value > LIMITS[key]:
            why = f": {REASONS[key]}" if key in REASONS else ""
            raise HermiteRevError(f"{name} must be at most {LIMITS[key]}, got {name}={value}{why}")
    if depth * n * n > LIMITS["deep_work"]:
        raise HermiteRevError(
            f"depth x n^2 = {depth * n * n} (depth={depth}, n={n}) is too large: at most {LIMITS['deep_work']} "
            f"is supported: {REASONS['deep_work']}; lower n or depth (see docs/guide/limits.md)"
        )
    if method not in METHODS:
        raise HermiteRevError(f"method must be one of {', '.join(METHODS)}, got method={method!r}")
    sw2, sb2, _ = sigmas(sigma_w, sigma_b)
    expr = as_kernel(K)
    k1, k1_err = evaluate_at(expr, 1, dps + 10)
    if not k1 > k1_err:
        raise NotRealizableError(f"K(1) = {mpmath.nstr(k1, 10)} is not positive: no network kernel has it")
    s_user = None
    if sigma_w_last is not None:
        s_user = sympy.nsimplify(exact_number(sigma_w_last, "sigma_w_last") ** 2)
        if not s_user.is_positive:
            raise HermiteRevError(f"sigma_w_last must be nonzero, got sigma_w_last={sigma_w_last!r}")
    s_nngp = s_user if s_user is not None else _rational_k1(expr, k1, dps)
    return DeepProblem(expr, depth, kind, n, dps, sw2, sb2, k1, k1_err, s_user, s_nngp, label_for(K, expr, label))


def k_at_zero(expr: sympy.Expr, dps: int) -> Any:
    """K(0), exactly 0 or a number that provably is not 0."""
    a0 = taylor(expr, 1, dps)
    val, err = a0[0], a0.errors[0]
    if abs(val) > err:
        return val
    v = sympy.simplify(expr.subs(c, 0))
    if v == 0:
        return v
    raise HermiteRevError(
        f"cannot decide whether K(0) = {v} is 0 (it is {mpmath.nstr(val, 5)} +- "
        f"{mpmath.nstr(err, 3)}); use method='fit'"
    )


def _rational_k1(expr: sympy.Expr, k1: Any, dps: int) -> sympy.Expr:
    """K(1) as the readout variance: exact when rational, else a rational with dps + 10 digits."""
    v = sympy.nsimplify(expr.subs(c, 1)) if expr.is_polynomial(c) else None
    if v is not None and v.is_Rational:
        return v
    with mpmath.workdps(dps + 12):
        return sympy.Rational(mpmath.nstr(k1, dps + 10, strip_zeros=False))


def is_exact(g: Sequence[Any]) -> bool:
    """Whether a dual kernel is in exact rationals (fmpq) rather than balls."""
    return all(isinstance(x, flint.fmpq) for x in g)
