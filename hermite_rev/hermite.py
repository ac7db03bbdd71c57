r"""Hermite coefficient maps in both directions.

Index
-----
hermite_norm          h_k(z) = He_k(z) / sqrt(k!) as a sympy expression (expanded polynomial)
HermiteNorm           h_k(x) as an unexpanded sympy function (stable to evaluate, lambdify-able)
hermite_norm_eval     sum_k b_k h_k(x) at arbitrary precision (three-term recurrence)
hermite_norm_eval_np  the same in float64 (numpy; lives in :mod:`hermite_rev.activations`)
kernel_from_hermite   b_k -> a_k: NNGP a_k = b_k^2, NTK a_k = (k+1) b_k^2
magnitudes_from_taylor  the reverse map a_k (with error bounds) -> |b_k|: NNGP sqrt(a_k),
                      NTK sqrt(a_k / (k+1)); every reverse path of the package uses it
Magnitudes            what it returns: |b_k|, their error bounds, exact values, the nonzero k
check_kernel_coefficients  the one "not a kernel" check: NotAKernelError for a_k proven negative
not_a_kernel          that error, its message naming k and a_k
hermite_from_kernel   magnitudes_from_taylor for plain lists (exact in, exact out)
rescale_matrix        h_m(s z) in the basis h_j(z) (the multiplication theorem)
hermite_rescale       the coefficients of phi(z) = psi(z / sqrt(q)) from those of psi
hermite_coeffs        forward: b_k = E[phi(Z) h_k(Z)] of an activation given as a sympy expr
gaussian_expectation  E[f(Z)], Z ~ N(0, 1), exact where possible
kernel_of             NNGP/NTK Taylor coefficients of a deep FCN with activation phi
closed_form_kernel    the kernel expression of s * ReLU or a * erf(b z) (else None)

Activations are named and split at their kinks by :mod:`hermite_rev.activations`
(``activation_expr``, ``pieces``, ``kinks``, ``has_jump``).

Place: kernels -> series -> **hermite** -> family; imports :mod:`hermite_rev._core`,
:mod:`hermite_rev.series`, :mod:`hermite_rev.activations` and (lazily) :mod:`hermite_rev.kernels`.

Conventions: ``h_k`` are the *normalized probabilists'* Hermite polynomials, orthonormal
under N(0, 1); an activation is ``phi(z) = sum_k b_k h_k(z)``; coefficients are ordered from
lowest degree to highest.  A one-hidden-layer net (sigma_w = 1, sigma_b = 0) has
NNGP(c) = sum_k b_k^2 c^k and NTK(c) = sum_k (k+1) b_k^2 c^k (Mehler's formula
E[h_j(u) h_k(v)] = delta_jk c^k and h_k' = sqrt(k) h_{k-1}).

References: J. Simon, S. Anand, M. DeWeese, "Reverse engineering the neural tangent kernel",
ICML 2022, arXiv:2106.03186.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flint
import mpmath
import sympy

from . import kernels
from ._core.errors import HermiteRevError, NotAKernelError
from ._core.exprs import z
from ._core.limits import LIMITS, REASONS, check_size
from ._core.precision import coeff0, flint_ctx, rad, sqrt_err, to_mpf
from ._core.text import REPR_LIMIT, short
from ._core.validate import check_kind, coefficient_list, exact_number, public
from ._core.values import Value
from ._hermite_balls import BallRefusal, ball_hermite
from ._hermite_paths import (
    NoClosedForm,
    check_gaussian_integrable,
    exact_hermite,
    hermite_values,
    quad_hermite,
    real_number,
)
from .activations import activation_expr, has_jump, hermite_norm_eval_np
from .series import Tail, TaylorCoeffs, taylor

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import flint

    from ._core.typing import ActivationLike, Kind, RealLike

__all__ = [
    "HermiteNorm",
    "hermite_norm",
    "hermite_norm_eval",
    "hermite_norm_eval_np",
    "kernel_from_hermite",
    "magnitudes_from_taylor",
    "Magnitudes",
    "check_kernel_coefficients",
    "not_a_kernel",
    "hermite_from_kernel",
    "rescale_matrix",
    "hermite_rescale",
    "hermite_coeffs",
    "HermiteCoeffs",
    "gaussian_expectation",
    "kernel_of",
]


def hermite_norm(k: int, x: sympy.Symbol = z) -> sympy.Expr:
    """``h_k(x) = He_k(x) / sqrt(k!)``, the normalized probabilists' Hermite polynomial."""
    k = check_size(k, "k", key="hermite_n", low=0)
    return sympy.expand(sympy.hermite_prob(k, x) / sympy.sqrt(sympy.factorial(k)))


class HermiteNorm(sympy.Function):
    r"""``HermiteNorm(k, x)`` :math:`= h_k(x) = He_k(x)/\sqrt{k!}`, kept unexpanded.

    The numerically stable form of a Hermite series (:attr:`hermite_rev.family.Activation.expr`):
    expanding :math:`\sum_k b_k h_k(z)` into monomials makes huge alternating coefficients that
    float64 evaluation cancels (degree 100 at |z| = 6: -5.5e4 for 1.9e3).  This function stays
    a function of ``x``: ``diff`` uses :math:`h_k' = \sqrt{k}\, h_{k-1}`; ``evalf`` runs the
    three-term recurrence at the requested precision; ``lambdify`` prints numpy's
    ``hermite_e.hermeval`` (Clenshaw) for the numpy/scipy modules and ``mpmath.hermite`` for
    mpmath; ``.rewrite(sympy.Poly)`` / :meth:`polynomial` give the expanded polynomial.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> HermiteNorm(2, x).polynomial()
    sqrt(2)*x**2/2 - sqrt(2)/2
    >>> sympy.diff(HermiteNorm(3, x), x)
    sqrt(3)*HermiteNorm(2, x)
    """

    nargs = 2

    @classmethod
    def eval(cls, k: sympy.Expr, x: sympy.Expr) -> sympy.Expr | None:
        if not (k.is_Integer and k >= 0):
            raise HermiteRevError(f"HermiteNorm degree must be an integer >= 0, got k={k}")
        if k == 0:
            return sympy.Integer(1)
        return None

    def fdiff(self, argindex: int = 2) -> sympy.Expr:
        if argindex != 2:
            raise sympy.ArgumentIndexError(self, argindex)
        k, x = self.args
        return sympy.sqrt(k) * HermiteNorm(k - 1, x)

    def polynomial(self) -> sympy.Expr:
        """The expanded polynomial He_k(x) / sqrt(k!)."""
        k, x = self.args
        return sympy.expand(sympy.hermite_prob(int(k), x) / sympy.sqrt(sympy.factorial(k)))

    def _eval_rewrite_as_Poly(self, k: sympy.Expr, x: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return self.polynomial()

    def _eval_evalf(self, prec: int) -> sympy.Float | None:
        k, x = self.args
        xv = x.evalf(prec + 20)
        if not xv.is_Number:
            return None
        with mpmath.workprec(prec + 20):
            v = hermite_values(mpmath.mpf(xv), int(k) + 1)[-1]
        return sympy.Float(v, precision=prec)

    def _pythoncode(self, printer: Any) -> str:
        k, x = self.args
        herm = printer._module_format("numpy.polynomial.hermite_e.hermeval")
        scale = float(1 / mpmath.sqrt(mpmath.factorial(int(k))))  # 1/sqrt(k!) as a float literal
        return f"({herm}({printer._print(x)}, [0] * {int(k)} + [1]) * {scale!r})"

    _numpycode = _scipycode = _cupycode = _jaxcode = _pythoncode

    def _mpmathcode(self, printer: Any) -> str:
        k, x = self.args
        herm, sqrt, mpf, fact = (printer._module_format(f"mpmath.{f}") for f in ("hermite", "sqrt", "mpf", "factorial"))
        return f"({herm}({int(k)}, {printer._print(x)} / {sqrt}(2)) / {sqrt}({mpf}(2) ** {int(k)} * {fact}({int(k)})))"

    def _latex(self, printer: Any) -> str:
        k, x = self.args
        return rf"h_{{{printer._print(k)}}}\left({printer._print(x)}\right)"


def hermite_norm_eval(b: Sequence[Any], x: Any) -> mpmath.mpf:
    """``sum_k b[k] h_k(x)`` by the three-term recurrence (mpmath, current precision).

    h_0 = 1, h_1 = x, h_{k+1} = (x h_k - sqrt(k) h_{k-1}) / sqrt(k+1).
    """
    x = mpmath.mpf(x)
    h_prev, h = mpmath.mpf(0), mpmath.mpf(1)
    total = mpmath.mpf(0)
    for k, bk in enumerate(b):
        total += bk * h
        h_prev, h = h, (x * h - mpmath.sqrt(k) * h_prev) / mpmath.sqrt(k + 1)
    return total


def kernel_from_hermite(b: Sequence[Any], kind: Kind = "ntk") -> list[Any]:
    """Taylor coefficients of the 1HL kernel: ``b_k^2`` (NNGP) or ``(k+1) b_k^2`` (NTK)."""
    kind = check_kind(kind)
    b = coefficient_list(b, "b")
    if kind == "nngp":
        return [bk * bk for bk in b]
    return [(k + 1) * bk * bk for k, bk in enumerate(b)]


def hermite_from_kernel(a: Sequence[Any], kind: Kind = "ntk") -> list[Any]:
    """Magnitudes |b_k| of every activation whose 1HL kernel has Taylor coefficients ``a``.

    :func:`magnitudes_from_taylor` without error bounds: exact sympy numbers in, exact square roots
    out; anything else gives mpmath numbers.  A negative entry raises NotAKernelError.
    """
    a = coefficient_list(a, "a")
    exact = a if a and all(isinstance(x, sympy.Basic) for x in a) else None
    m = magnitudes_from_taylor(a, kind, exact=exact)
    return list(m.exact if m.exact is not None else m.values)


# --------------------------------------------------------------------------------------------
# the reverse map: Taylor coefficients -> Hermite magnitudes (the one place, with the one check)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Magnitudes:
    """The |b_k| that :func:`magnitudes_from_taylor` returns: ``values`` (mpmath), ``errors``
    (absolute bounds), ``exact`` (sympy, or None) and ``nonzero``, the k with b_k proven nonzero
    (where the signs of a family apply)."""

    values: tuple
    errors: tuple
    exact: tuple | None
    nonzero: tuple


def not_a_kernel(
    k: int,
    value: Any,
    *,
    exact: Any = None,
    kernel: object = None,
    kind: str | None = None,
    who: str = "activation",
    name: str = "Taylor coefficient a_{k}",
    why: str | None = None,
) -> NotAKernelError:
    """The one NotAKernelError of the package: coefficient ``k`` is negative (named with its value).

    ``name`` is the coefficient (``{k}`` is replaced by k); ``why`` replaces the default reason,
    Schoenberg's theorem for ``kernel`` (a positive-definite dot-product kernel on every sphere has
    a_k >= 0), followed by "so no ``who`` has it as ``kind``".
    """
    shown = mpmath.nstr(value, 8) if isinstance(value, mpmath.mpf) else str(value)
    if exact is not None:
        exact = sympy.sympify(exact)
        shown = str(exact) if exact.is_Rational else f"{short(exact, 60)} (= {shown})"
    if why is None:
        subject = f"{short(kernel)} is not" if kernel is not None else "not"
        why = f"{subject} a positive-definite dot-product kernel on all spheres (Schoenberg)"
        if kind is not None:
            why += f", so no {who} has it as {kind.upper()}"
    return NotAKernelError(f"{name.format(k=k)} = {shown} is negative: {why}")


def check_kernel_coefficients(
    a: Sequence[Any], errors: Sequence[Any] | None = None, *, exact: Sequence[Any] | None = None, **message: Any
) -> None:
    """Raise :func:`not_a_kernel` for the first coefficient proven negative.

    a_k is proven negative when its exact value is negative (``exact``; sympy decides), else when
    ``a_k < -errors[k]`` (``errors`` default to 0: the values are exact).  ``message``: the words
    of :func:`not_a_kernel`.
    """
    for k, ak in enumerate(a):
        ek = 0 if errors is None else errors[k]
        negative = None if exact is None else sympy.sympify(exact[k]).is_negative
        if negative is None:
            negative = ak < -ek
        if negative:
            raise not_a_kernel(k, ak, exact=None if exact is None else exact[k], **message)


def magnitudes_from_taylor(
    a: Sequence[Any],
    kind: Kind = "ntk",
    errors: Sequence[Any] | None = None,
    *,
    exact: Sequence[Any] | None = None,
    **message: Any,
) -> Magnitudes:
    r"""The reverse map: |b_k| of every activation whose 1HL kernel has Taylor coefficients a_k.

    .. math:: |b_k| = \sqrt{a_k} \;(\mathrm{NNGP}), \qquad |b_k| = \sqrt{a_k / (k+1)} \;(\mathrm{NTK})

    ``errors`` bound |a_k - true a_k| (default 0); ``exact`` (sympy) decides signs and zeros and
    gives exact magnitudes.  a_k counts as zero when ``exact[k] == 0``, else when
    ``|a_k| <= errors[k]``; its magnitude is then 0 with error :math:`\sqrt{(|a_k| + e_k) / w_k}`,
    otherwise the error is :func:`hermite_rev._core.precision.sqrt_err` (w_k = 1 or k + 1) plus
    the rounding of the root (an ulp).  Runs at mpmath's working precision (``with
    mpmath.workdps(dps):``).  ``message``: the words of the NotAKernelError (:func:`not_a_kernel`)
    raised, before anything else, for the first a_k proven negative
    (:func:`check_kernel_coefficients`).

    Examples
    --------
    >>> m = magnitudes_from_taylor([1, 1, 0, 3], "ntk", exact=[1, 1, 0, 3])
    >>> m.exact, m.nonzero
    ((1, sqrt(2)/2, 0, sqrt(3)/2), (0, 1, 3))
    >>> magnitudes_from_taylor([1, -1], "nngp")
    Traceback (most recent call last):
    ...
    hermite_rev._core.errors.NotAKernelError: Taylor coefficient a_1 = -1 is negative: not a positive-definite ...
    """
    kind = check_kind(kind)
    errs = [0] * len(a) if errors is None else list(errors)
    check_kernel_coefficients(a, errs, exact=exact, kind=kind, **message)
    values, bounds, nonzero = [], [], []
    for k, (ak, ek) in enumerate(zip(a, errs)):
        w = 1 if kind == "nngp" else k + 1
        ak = mpmath.mpf(sympy.N(ak, mpmath.mp.dps + 10)) if isinstance(ak, sympy.Basic) else mpmath.mpf(ak)
        if (exact[k] == 0) if exact is not None else abs(ak) <= ek:
            values.append(mpmath.mpf(0))
            bounds.append(mpmath.sqrt((abs(ak) + ek) / w))  # 0 <= true a_k <= |a_k| + e_k
        else:  # the bound of what a_k's error moves, plus the rounding of a_k / w and its root
            nonzero.append(k)
            values.append(mpmath.sqrt(ak / w))
            bounds.append(sqrt_err(ak, ek, w) + abs(values[-1]) * mpmath.mpf(2) ** (1 - mpmath.mp.prec))
    ex = None
    if exact is not None:
        ex = tuple(sympy.sqrt(sympy.sympify(x) / (1 if kind == "nngp" else k + 1)) for k, x in enumerate(exact))
    return Magnitudes(tuple(values), tuple(bounds), ex, tuple(nonzero))


def rescale_matrix(n: int, s: Any, exact: bool = False) -> list[list[Any]]:
    r"""R with :math:`h_m(s z) = \sum_j R_{m j} h_j(z)` for m < n (the multiplication theorem).

    .. math:: h_m(s z) = \sum_{i \le m/2} \frac{s^{m-2i} (s^2-1)^i}{i!\, 2^i}
              \sqrt{\frac{m!}{(m-2i)!}}\; h_{m-2i}(z)
    """
    one, sq, fact = (
        (sympy.Integer(1), sympy.sqrt, sympy.factorial) if exact else (mpmath.mpf(1), mpmath.sqrt, mpmath.factorial)
    )
    R = [[0 * one] * n for _ in range(n)]
    for m in range(n):
        for i in range(m // 2 + 1):
            j = m - 2 * i
            R[m][j] = s**j * (s * s - 1) ** i / (fact(i) * 2**i) * sq(fact(m) / fact(j))
    return R


def hermite_rescale(
    b: Sequence[Any], errors: Sequence[Any], q: Any, exact: Sequence[Any] | None = None
) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...] | None]:
    r"""Hermite coefficients, error bounds and exact values of :math:`\phi(z) = \psi(z/\sqrt q)`,
    :math:`\psi = \sum_k b_k h_k` (mpmath at the working precision; ``q`` a sympy number)."""
    n = len(b)
    R = rescale_matrix(n, 1 / mpmath.sqrt(mpmath.mpf(sympy.N(q, mpmath.mp.dps + 10))))
    coeffs = tuple(mpmath.fsum(b[m] * R[m][j] for m in range(n)) for j in range(n))
    errs = tuple(mpmath.fsum(errors[m] * abs(R[m][j]) for m in range(n)) for j in range(n))
    out = None
    if exact is not None:
        Rx = rescale_matrix(n, 1 / sympy.sqrt(q), exact=True)
        out = tuple(sympy.expand(sum(exact[m] * Rx[m][j] for m in range(n))) for j in range(n))
    return coeffs, errs, out


@dataclass(frozen=True, eq=False)
class HermiteCoeffs(Value):
    """Forward Hermite coefficients b_k = E[phi(Z) h_k(Z)].

    ``values`` (mpmath, correct to ``dps`` digits unless ``errors`` says otherwise),
    ``errors`` absolute error bounds (proven when ``rigorous``; estimates when
    ``method == "quadrature"``), ``exact`` exact sympy numbers or None, ``method`` "exact",
    "ball quadrature" (proven by ball arithmetic, :mod:`hermite_rev._hermite_balls`) or
    "quadrature" (mpmath's tanh-sinh, error estimates), ``rigorous`` True when every error is
    proven, ``detail`` how the balls were proven (or why they could not be).

    A value (:class:`hermite_rev._core.values.Value`): immutable (sequences are stored as
    tuples), equal by its fields, picklable and deep-copyable.
    """

    expr: sympy.Expr
    values: tuple
    errors: tuple
    exact: tuple | None
    dps: int
    method: str
    rigorous: bool = False
    detail: str = ""

    def __post_init__(self) -> None:
        for name in ("values", "errors"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.exact is not None:
            object.__setattr__(self, "exact", tuple(self.exact))

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, k: int) -> Any:
        return self.values[k]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    def __repr__(self) -> str:
        """One line of at most ``REPR_LIMIT`` characters: sizes, the largest error, the first values."""
        b = ", ".join(mpmath.nstr(v, 4) for v in self.values[:4]) + (", ..." if len(self.values) > 4 else "")
        err = mpmath.nstr(max(self.errors), 3) if self.errors else "0"
        text = (
            f"HermiteCoeffs(n={len(self.values)}, dps={self.dps}, method={self.method!r}, rigorous={self.rigorous}, "
            f"max error {err}, b=[{b}], phi={short(self.expr, 80)})"
        )
        return short(text, REPR_LIMIT)


@public
def hermite_coeffs(phi: sympy.Expr | str, n: int, dps: int = 30, *, exact: bool | None = None) -> HermiteCoeffs:
    r"""Hermite coefficients of an activation: :math:`b_k = E[\phi(Z) h_k(Z)]`, Z ~ N(0, 1).

    Exact (sympy) for piecewise functions whose pieces are polynomials times exponentials of
    linear functions (this covers polynomials, ReLU / shifted ReLU / leaky ReLU / step / abs
    via ``Max``, ``Heaviside``, ``Abs``, and exp, sin, cos, sinh, cosh of linear arguments on
    the whole line).  Anything else (tanh, erf, sigmoid, GELU, swish, softplus, Mish, ...) is
    integrated in ball arithmetic with proven error bounds (``method == "ball quadrature"``:
    Gauss--Legendre panels split at the kinks, Bernstein-ellipse bounds, a Gaussian tail bound
    from a proven growth envelope; see :mod:`hermite_rev._hermite_balls`), every coefficient
    proven to ``dps`` digits (a coefficient zero by symmetry is an exact 0).  Where no proof can
    be built (no growth envelope, a singularity on the line, ...) mpmath's tanh-sinh quadrature
    reports its error *estimate* (``method == "quadrature"``, ``rigorous`` False, ``detail``
    says why).

    Parameters
    ----------
    phi : sympy.Expr or str
        Activation in :data:`hermite_rev.z`.
    n : int
        Number of coefficients.
    dps : int
        Digits.
    exact : bool or None
        True: require a closed form (raise if none); False: always use quadrature; None:
        closed form when available.

    Returns
    -------
    HermiteCoeffs
        Sequence of n mpmath numbers with ``.errors``, ``.exact``, ``.method`` and
        ``.rigorous``.

    Examples
    --------
    >>> import sympy, hermite_rev as hr
    >>> hr.hermite_coeffs(sympy.Max(0, hr.z), 4).exact
    (sqrt(2)/(2*sqrt(pi)), 1/2, 1/(2*sqrt(pi)), 0)
    """
    n = check_size(n, "n", "hermite_n")
    dps = check_size(dps, "dps")
    phi = activation_expr(phi)
    exact_vals = None
    if exact is not False:
        try:
            exact_vals = exact_hermite(_hermite_norm_expanded(phi), n)
        except NoClosedForm:
            if exact:
                raise HermiteRevError(f"no closed form for the Hermite coefficients of {short(phi)}") from None
        except (TypeError, ValueError, NotImplementedError) as exc:
            if exact:
                raise HermiteRevError(
                    f"no closed form for the Hermite coefficients of {short(phi)}: {short(exc)}"
                ) from None
    if exact_vals is not None:
        with mpmath.workdps(dps):
            values = tuple(real_number(v, dps) for v in exact_vals)
            errors = tuple(abs(v) * mpmath.mpf(10) ** (-dps) for v in values)
        return HermiteCoeffs(phi, values, errors, tuple(exact_vals), dps, "exact", rigorous=True)
    try:
        balls = ball_hermite(phi, n, dps)
    except BallRefusal as why:
        check_gaussian_integrable(phi, n)
        qvalues, qerrors = quad_hermite(phi, n, dps)
        return HermiteCoeffs(phi, tuple(qvalues), tuple(qerrors), None, dps, "quadrature", detail=f"not proven: {why}")
    return HermiteCoeffs(
        phi, balls.values, balls.errors, None, dps, "ball quadrature", rigorous=True, detail=balls.method
    )


@public
def gaussian_expectation(f: ActivationLike, dps: int = 30) -> tuple[mpmath.mpf, mpmath.mpf, sympy.Expr | None]:
    """``E[f(Z)]`` for Z ~ N(0, 1) as ``(value, error, exact_or_None)`` (f in z)."""
    hc = hermite_coeffs(f, 1, dps)
    return hc.values[0], hc.errors[0], (hc.exact[0] if hc.exact else None)


# --------------------------------------------------------------------------------------------
# forward kernels of deep networks
# --------------------------------------------------------------------------------------------


def closed_form_kernel(
    phi: sympy.Expr,
    kind: str,
    depth: int,
    sigma_w: RealLike,
    sigma_b: RealLike,
    sigma_w_last: RealLike,
    sigma_b_last: RealLike,
) -> sympy.Expr | None:
    """The kernel expression when phi = s * ReLU or a * erf(b z); else None."""
    s = sympy.Wild("s", exclude=[z])
    b = sympy.Wild("b", exclude=[z])
    m = phi.match(s * sympy.Max(0, z))
    if m and m[s].is_positive:
        scale = m[s]

        def dual(rho: Any, q: Any, ops: Any = kernels._EVAL) -> tuple[Any, Any]:
            nngp, deriv = kernels._relu_dual(rho, q, ops=ops)
            return ops.mul(scale**2, nngp), ops.mul(scale**2, deriv)

        dual._mehler = True  # type: ignore[attr-defined]  # the dual of s * ReLU
    else:
        m = phi.match(s * sympy.erf(b * z))
        if not (m and m[s] != 0 and m[b].is_positive):
            return None
        dual = kernels._erf_dual(m[s], m[b])
    nngp, ntk = kernels._deep_kernels(dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)  # unlabelled: internal
    return nngp if kind == "nngp" else ntk


#: the largest h_k expanded into monomials for the exact path (exact arithmetic: no cancellation)
_EXPAND_HERMITE_NORM = 64


def _hermite_norm_expanded(phi: sympy.Expr) -> sympy.Expr:
    """``phi`` with each ``HermiteNorm(k, x)`` (k <= 64) written as its polynomial, for the exact path
    (a Hermite series member ``act.expr`` has exact coefficients: the closed form applies)."""
    if not phi.has(HermiteNorm):
        return phi
    found = phi.atoms(HermiteNorm)
    if any(int(h.args[0]) > _EXPAND_HERMITE_NORM for h in found):
        return phi
    return phi.xreplace({h: h.polynomial() for h in found})


@public
def kernel_of(
    phi: sympy.Expr | str,
    kind: str = "ntk",
    depth: int = 1,
    sigma_w: Any = 1,
    sigma_b: Any = 0,
    n: int = 40,
    dps: int = 30,
    *,
    sigma_w_last: Any = 1,
    sigma_b_last: Any = 0,
) -> TaylorCoeffs:
    r"""Taylor coefficients of the NNGP or NTK of a deep FCN with activation ``phi``.

    Layers follow :mod:`hermite_rev.kernels` (neural-tangents conventions).  For
    ``phi = s * Max(0, z)`` and ``phi = a * erf(b z)`` the closed-form kernel is expanded
    (rigorous).  Otherwise each layer rescales phi to the current pre-activation variance
    q, takes its Hermite coefficients b_k(q) and composes the dual series
    :math:`\sum_k b_k(q)^2 \rho^k` with the correlation series :math:`\rho(c)`.  When
    :math:`\rho(0) \neq 0` the dual series is truncated after M terms.  Every series involved
    has non-negative coefficients, so for any :math:`0 < r \le 1` the coefficient of
    :math:`c^j` in the dropped part :math:`\sum_{k \ge M} b_k^2 \rho(c)^k` is at most
    (Cauchy's estimate for series with non-negative coefficients)

    .. math:: r^{-j}\, \rho(r)^M \Big(E[\phi_q^2] - \sum_{k<M} b_k^2\Big),

    with :math:`\rho(r)` bounded above from the computed coefficients of :math:`\rho` and
    :math:`\rho(1) = 1`; the bound minimised over a grid of r is added to each coefficient's
    error (the NTK's derivative series likewise with :math:`\rho(r)^{M-1}` and
    :math:`E[\phi_q'^2]`).  At r = 1 this is the plain bound :math:`E[\phi_q^2] - \sum_{k<M}
    b_k^2`, which for kinked activations (b_k^2 ~ k^{-5/2}) is 1e9 times the truth; the
    factor :math:`\rho(r)^M < 1` makes it tight.  M doubles (up to max(8n, 128)) until the bound is
    below 10^-dps; coefficients b_k(q) known to fewer than 3 bits (a variance carried as a
    ball limits their digits) join the dropped part instead.  Composed over several layers these
    per-coefficient bounds can outgrow the mass they bound, so each final coefficient is also
    kept in :math:`[L_j, L_j + K(1) - \sum_{i<n} L_i]`, :math:`L_j` the proven lower end of the
    same recursion without the dropped parts (all of them are non-negative) and K(1) from the
    variance recursion: softplus's NTK at depth 4 is proven to 6e-16.

    Names of :mod:`hermite_rev.activations` (``"relu"``, ``"tanh"``, ``"gelu"``, ...) are
    accepted.  An activation with a jump (Heaviside, sign) has an NNGP but an infinite NTK
    (its derivative is a Dirac delta): ``kind="ntk"`` is refused for it.  A layer variance that
    is not a rational number (after a layer whose :math:`E[\phi_q^2]` has no closed form, or an
    irrational one) is carried as a ball, and that layer's coefficients and moments are balls
    for every variance in it (:func:`hermite_rev._hermite_balls.ball_hermite`).

    Returns
    -------
    TaylorCoeffs
        n numbers with ``.errors``.  ``.rigorous`` is True when every layer's Hermite
        coefficients and Gaussian moments are proven (closed forms or ball quadrature, at any
        depth, ``sigma_w`` and ``sigma_b``); False only where an activation has no proof (its
        ``hermite_coeffs`` fall back to estimates).
    """
    kind = check_kind(kind)
    n = check_size(n, "n", "hermite_n")
    dps = check_size(dps, "dps")
    depth = check_size(depth, "depth", "kernel_depth")
    phi = activation_expr(phi)
    if kind == "ntk" and has_jump(phi):
        raise HermiteRevError(
            f"the NTK of an activation with a jump is infinite (phi' has a Dirac delta, E[phi'(Z)^2] = oo): "
            f"phi(z) = {short(phi)}; use kind='nngp'"
        )
    closed = closed_form_kernel(phi, kind, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)
    if closed is not None:
        return taylor(closed, n, dps)
    return _generic_kernel_of(phi, kind, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last, n, dps)


def _rational_variance(q: sympy.Expr, digits: int) -> sympy.Expr:
    """q as is when it is rational, else a Rational with ``digits`` correct digits (keeps the
    next layer's closed forms small: an erfc inside a square root slows sympy down to hours)."""
    if isinstance(q, sympy.Rational):
        return q
    return sympy.Rational(mpmath.nstr(mpmath.mpf(sympy.N(q, digits + 5)), digits + 5))


def _upper(x: flint.arb) -> mpmath.mpf:
    """An upper bound (mpmath) of an arb ball."""
    with mpmath.workprec(mpmath.mp.prec + 10):
        return to_mpf(x) + rad(x)


def _lower(x: flint.arb) -> mpmath.mpf:
    with mpmath.workprec(mpmath.mp.prec + 10):
        return to_mpf(x) - rad(x)


#: radii of the Cauchy estimate of the truncated dual series
_RADII = tuple(mpmath.mpf(2) ** (-e / 4) for e in range(1, 64))


def _truncation_bounds(rho: flint.arb_series, n: int, M: int, total: Any, shift: int = 0) -> list[mpmath.mpf]:
    r"""Per-coefficient bounds of :math:`[c^j] \sum_{k \ge M} w_k \rho(c)^{k - shift}`, j < n.

    ``w_k >= 0`` with :math:`\sum_{k \ge M} w_k \le` ``total``; ``rho`` an arb_series of
    the correlation (non-negative coefficients, :math:`\rho(1) = 1`).  For 0 < r <= 1,
    :math:`[c^j] \rho^m \le \rho(r)^m / r^j` and :math:`\rho(r)^{k - shift} \le
    \rho(r)^{M - shift}`; :math:`\rho(r)` is bounded above by the upper ends of the computed
    coefficients plus :math:`r^n (1 - \sum_{j<n} \rho_j)` for the uncomputed ones.
    """
    if total <= 0:
        return [mpmath.mpf(0)] * n
    co: list[Any] = list(rho.coeffs()) + [0] * (n - len(rho.coeffs()))
    up = [max(mpmath.mpf(0), _upper(x)) if x != 0 else mpmath.mpf(0) for x in co[:n]]
    lo_sum = mpmath.fsum(max(mpmath.mpf(0), _lower(x)) if x != 0 else 0 for x in co[:n])
    rest = max(mpmath.mpf(0), 1 - lo_sum) + mpmath.mpf(10) ** (-mpmath.mp.dps + 5)
    out = [total] * n
    for r in _RADII:
        rho_r = min(mpmath.mpf(1), mpmath.polyval(up[::-1], r) + r**n * rest)
        base = total * rho_r ** max(M - shift, 0)
        for j in range(n):
            out[j] = min(out[j], base / r**j)
    return out


def _generic_kernel_of(
    phi: sympy.Expr,
    kind: str,
    depth: int,
    sigma_w: RealLike,
    sigma_b: RealLike,
    sigma_w_last: RealLike,
    sigma_b_last: RealLike,
    n: int,
    dps: int,
) -> TaylorCoeffs:
    sws = {}
    for name, value in (
        ("sigma_w", sigma_w),
        ("sigma_b", sigma_b),
        ("sigma_w_last", sigma_w_last),
        ("sigma_b_last", sigma_b_last),
    ):
        sws[name] = exact_number(value, name)
        if abs(sws[name]) > LIMITS["kernel_sigma"]:
            raise HermiteRevError(
                f"|{name}| must be at most {LIMITS['kernel_sigma']:.0e} for an activation without a closed-form "
                f"kernel, got {name}={short(repr(value), 40)}: {REASONS['kernel_sigma']} (see docs/guide/limits.md)"
            )
    sw2, sb2 = sws["sigma_w"] ** 2, sws["sigma_b"] ** 2
    swl2, sbl2 = sws["sigma_w_last"] ** 2, sws["sigma_b_last"] ** 2
    ntk = kind == "ntk"
    dphi = sympy.diff(phi, z) if ntk else None
    wdps = dps + 10

    def ball(value: Any, err: Any = 0) -> flint.arb:
        x = flint.arb(mpmath.mpf(sympy.N(value, wdps + 5)) if isinstance(value, sympy.Basic) else value)
        if isinstance(value, sympy.Basic) and not value.is_Integer:  # evalf's rounding at wdps + 5 digits
            err = abs(mpmath.mpf(sympy.N(value, 15))) * mpmath.mpf(10) ** -(wdps + 3) + err
        return flint.arb(x, flint.arb(err) + x.rad()) if err else x

    with flint_ctx(int((wdps + 5) * 3.33), n), mpmath.workdps(wdps):
        S, T = flint.arb_series([0, 1], prec=n), flint.arb_series([0], prec=n)
        q = sympy.Integer(1)  # pre-activation variance (exact when possible)
        q_ball, exact_q = ball(q), True  # ... and a ball that holds it (exact_q: q is exact)
        S1, T1 = mpmath.mpf(1), mpmath.mpf(0)  # the kernels at c = 1
        # the same recursion without the truncation bounds: every dropped term is >= 0, so its
        # balls' lower ends bound the true coefficients from below; with K(1) (balls S1b, T1b)
        # that caps each coefficient's error by the unaccounted mass (see _mass_intervals)
        S_lo, T_lo = S, T
        S1b, T1b = flint.arb(1), flint.arb(0)
        proven = True  # every input of every layer proven (balls or exact)

        def layer_coeffs(f: sympy.Expr, m: int, scale: Any = 1) -> tuple[list, list, Any, bool]:
            """(values, errors, exact, proven) of b_k of scale * f(sqrt(q) z), k < m: hermite_coeffs
            at an exact q; at a q known as a ball, balls for every q in it (a refusal: estimates)."""
            if not exact_q:
                try:
                    bh = ball_hermite(f, m, wdps, q=q_ball, max_rounds=1)  # q's width bounds the digits
                    vs = [flint.arb(x, e) * (q_ball if scale != 1 else 1) for x, e in zip(bh.values, bh.errors)]
                    return [to_mpf(v) for v in vs], [rad(v) for v in vs], None, True
                except BallRefusal:
                    pass
            h = hermite_coeffs(scale * f.subs(z, sympy.sqrt(q) * z), m, wdps)
            return list(h.values), list(h.errors), h.exact, h.rigorous and exact_q

        for _ in range(depth):
            S = S * ball(sw2) + ball(sb2)
            T = S + T * ball(sw2)
            S_lo = S_lo * ball(sw2) + ball(sb2)
            T_lo = S_lo + T_lo * ball(sw2)
            if exact_q:
                q_new = sw2 * q + sb2
                exact_q = isinstance(q_new, sympy.Rational)
                q, q_ball = _rational_variance(q_new, wdps + 15), ball(q_new)
            else:  # the variance after a layer whose E[phi^2] has no closed form: a ball
                q_ball = ball(sw2) * q_ball + ball(sb2)
                q = sympy.Rational(mpmath.nstr(to_mpf(q_ball), wdps + 5))
            qm = to_mpf(q_ball)
            S1, T1 = qm, qm + mpmath.mpf(sympy.N(sw2, wdps)) * T1
            S1b, T1b = q_ball, q_ball + ball(sw2) * T1b
            rho, rho_lo = S / q_ball, S_lo / q_ball
            centred = coeff0(rho).is_zero()
            mv, me, mx, ok = layer_coeffs(phi**2, 1)
            second, second_err, second_exact = mv[0], me[0], (mx or (None,))[0]
            proven = proven and ok
            if ntk:
                assert dphi is not None
                dv, de, _, ok = layer_coeffs(dphi**2, 1, scale=q)  # E[phi_q'^2] = q E[phi'(sqrt(q) Z)^2]
                dsecond, dsecond_err, proven = dv[0], de[0], proven and ok
            M = n if centred else max(2 * n, 60)
            while True:
                hv, he, _, hc_proven = layer_coeffs(phi, M)
                sq = [v * v for v in hv]
                sq_err = [2 * abs(v) * e + e * e for v, e in zip(hv, he)]
                # coefficients known to fewer than 3 bits go to the truncated part (their balls,
                # fed through the next powers of rho, would outgrow the mass they carry)
                tol = mpmath.mpf(10) ** (-dps - 2) * max(second, 1)
                cut = next((k for k, (s, e) in enumerate(zip(sq, sq_err)) if e > max(s / 8, tol)), len(sq))
                limited = cut < len(sq)
                sq, sq_err = sq[:cut], sq_err[:cut]
                if centred and not limited:  # rho(c) has no constant term: terms k >= n cannot reach c^(n-1)
                    trunc = dtrunc = [mpmath.mpf(0)] * n
                    break
                tail = max(mpmath.mpf(0), second - mpmath.fsum(sq)) + second_err + mpmath.fsum(sq_err)
                trunc = _truncation_bounds(rho, n, cut, tail)
                dtrunc = [mpmath.mpf(0)] * n
                if ntk:
                    dtail = max(mpmath.mpf(0), dsecond - mpmath.fsum(k * s for k, s in enumerate(sq))) + dsecond_err
                    dtail += mpmath.fsum(k * e for k, e in enumerate(sq_err))
                    q_lo = to_mpf(q_ball) - rad(q_ball)
                    dtrunc = [t / q_lo for t in _truncation_bounds(rho, n, cut, dtail, shift=1)]
                worst = max(max(trunc), max(dtrunc) * qm)
                if limited or M >= max(8 * n, 128) or worst < mpmath.mpf(10) ** (-dps - 2) * max(second, 1):
                    break
                M *= 2
            proven = proven and hc_proven
            sq_balls = [ball(s, e) for s, e in zip(sq, sq_err)]
            S = _fuzz(_horner(sq_balls, rho, n), trunc, n)
            S_lo = _horner(sq_balls, rho_lo, n)
            S1b = flint.arb(second, second_err)
            if ntk:
                dsq = [ball(k * s, k * e) for k, (s, e) in enumerate(zip(sq, sq_err))][1:] + [flint.arb(0)]
                T = T * _fuzz(_horner(dsq, rho, n) / q_ball, dtrunc, n)
                T_lo = T_lo * (_horner(dsq, rho_lo, n) / q_ball)
                T1 = T1 * dsecond / qm
                T1b = T1b * flint.arb(dsecond, dsecond_err) / q_ball
            if second_exact is not None:  # the next variance is exact again (after a ball layer too)
                q, exact_q = second_exact, True
            else:  # the next variance is carried as a ball
                exact_q, q_ball = False, flint.arb(second, second_err)
            S1 = second
        S = S * ball(swl2) + ball(sbl2)
        T = S + T * ball(swl2)
        S_lo = S_lo * ball(swl2) + ball(sbl2)
        T_lo = S_lo + T_lo * ball(swl2)
        S1b = ball(swl2) * S1b + ball(sbl2)
        T1b = S1b + ball(swl2) * T1b
        S1 = mpmath.mpf(sympy.N(swl2, wdps)) * S1 + mpmath.mpf(sympy.N(sbl2, wdps))
        T1 = S1 + mpmath.mpf(sympy.N(swl2, wdps)) * T1
        out = (S if kind == "nngp" else T).coeffs()
        out = list(out) + [flint.arb(0)] * (n - len(out))
        K1 = S1 if kind == "nngp" else T1
        out = _mass_intervals(out, (S_lo if kind == "nngp" else T_lo).coeffs(), S1b if kind == "nngp" else T1b, n)
    with mpmath.workdps(dps):
        values = [to_mpf(x) for x in out]
        errors = [rad(x) + abs(v) * mpmath.mpf(10) ** (-dps) for x, v in zip(out, values)]
        estimate = +(K1 - mpmath.fsum(values))
        bound = estimate + mpmath.fsum(errors) + abs(K1) * mpmath.mpf(10) ** (-dps)
        K1 = +K1
    expr = sympy.Symbol(f"{kind.upper()}[{short(phi, 80)}; depth={depth}]")
    sign = "by construction: the NNGP/NTK of an activation has non-negative Taylor coefficients"
    tail = Tail(bound=bound, estimate=estimate, k1=K1, rigorous=proven, sign=sign if proven else "")
    return TaylorCoeffs(
        values, expr=expr, dps=dps, errors=errors, exact=False, rigorous=proven, engine="hermite", tail=tail
    )


def _mass_intervals(balls: Sequence[Any], lower: Sequence[Any], k1: flint.arb, n: int) -> list[flint.arb]:
    r"""Intersect each coefficient's ball with what non-negativity and K(1) allow.

    ``lower``: balls whose lower ends are below the true coefficients a_j >= 0 (the recursion
    without its truncation bounds drops only non-negative terms); ``k1`` a ball holding
    :math:`K(1) = \sum_j a_j`.  With :math:`L_j = \max(0, \text{lower end})`, every
    :math:`a_j \in [L_j, L_j + m]` with :math:`m = K(1) - \sum_{j<n} L_j`: the truncation
    bounds composed over several layers can grow past the mass they bound (each layer's
    balls feed the next layer's power series), this cap cannot.
    """
    lows = [max(mpmath.mpf(0), _lower(x)) for x in list(lower)[:n]]
    lows += [mpmath.mpf(0)] * (n - len(lows))
    with mpmath.workprec(mpmath.mp.prec + 20):
        mass = max(mpmath.mpf(0), _upper(k1) - mpmath.fsum(lows))
    out = []
    for x, lo in zip(balls, lows):
        a, b = max(_lower(x), lo), min(_upper(x), lo + mass)
        if a >= b:  # cannot happen for valid enclosures; keep the original ball
            out.append(x)
            continue
        mid = (a + b) / 2
        m = flint.arb(mid)
        out.append(flint.arb(m.mid(), flint.arb(abs(b - mid)).mid() * (1 + mpmath.mpf(2) ** -40) + m.rad()))
    return out


def _fuzz(series: flint.arb_series, err: Sequence[Any], n: int) -> flint.arb_series:
    """Widen coefficient j of an arb_series by ``err[j]`` (truncation bounds, one per j < n)."""
    if not any(err):
        return series
    co = list(series.coeffs()) + [flint.arb(0)] * (n - len(series.coeffs()))
    out = []
    for x, ej in zip(co, err):
        e = flint.arb(mpmath.nstr(mpmath.mpf(ej), 20, strip_zeros=False))
        out.append(flint.arb(x, x.rad() + e.mid() + e.rad()))
    return flint.arb_series(out, prec=n)


def _horner(coeffs: Sequence[Any], series: flint.arb_series, n: int) -> flint.arb_series:
    """sum_k coeffs[k] series^k for arb coefficients and an arb_series (Horner)."""
    acc = flint.arb_series([coeffs[-1]], prec=n)
    for ck in reversed(coeffs[:-1]):
        acc = acc * series + ck
    return acc
