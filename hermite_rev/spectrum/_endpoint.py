r"""Puiseux expansions of a kernel at the endpoints c = +-1 (the input of Bietti-Bach decay).

Place: spectrum stage, beside ``._funk_hecke``; imports :mod:`hermite_rev._core` (its power
series arithmetic) and ``._checks``.

Index
-----
endpoint_expansion   ``K(+-1 -+ t) = p(t) + c_1 t^nu + ...`` from the expression tree
EndpointExpansion    its result (frozen): coefficients of the powers t^(i/q), the first
                     non-integer power ``nu`` and its coefficient

The expression DAG is evaluated as a truncated power series in :math:`s = t^{1/q}`; a branch
point (a square root, or ``acos`` at +-1) splits off its leading power, which is where the
fractional powers come from.  A branch that needs a finer grid restarts with a larger q.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import mpmath
import numpy as np
import sympy

from .._core import powerseries as ps
from .._core.errors import HermiteRevError, NotAnalyticError
from .._core.exprs import c
from .._core.limits import check_size
from .._core.text import REPR_LIMIT, short
from ._checks import check_kernel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._core.typing import KernelLike, RealLike

__all__ = ["endpoint_expansion", "EndpointExpansion"]


class _Finer(Exception):
    """A branch needs a finer grid t = s^q (q times ``factor``)."""

    def __init__(self, factor: int) -> None:
        super().__init__(factor)
        self.factor = factor


# sympy function class -> name understood by the walker (what the expansion supports)
_FUNCS = {
    sympy.exp: "exp",
    sympy.log: "log",
    sympy.sin: "sin",
    sympy.cos: "cos",
    sympy.atan: "atan",
    sympy.asin: "asin",
    sympy.acos: "acos",
    sympy.erf: "erf",
    sympy.sinh: "sinh",
    sympy.cosh: "cosh",
    sympy.tanh: "tanh",
}


class _PuiseuxWalker(ps.MemoWalker):
    """Evaluate an expression in c at c = x0 + sgn * s^q as a truncated power series in s.

    Series are coefficient lists whose length is the number of *known* coefficients.  At a
    branch point (sqrt of a series vanishing at s = 0, acos at +-1) the leading power is
    split off, which is where fractional powers of t = s^q appear.
    """

    def __init__(self, F: Any, N: int, q: int, x0: Any, sgn: int, tol: Any) -> None:
        self.F, self.N, self.q, self.tol = F, N, q, tol
        self.var = [F.zero] * N
        self.var[0] = F.coerce(x0)
        if q < N:
            self.var[q] = F.coerce(sgn)
        self.memo: dict[int, Any] = {}

    # -- helpers ---------------------------------------------------------------------------
    def _is_zero(self, x: Any, scale: Any = 1) -> bool:
        if isinstance(self.F, ps.SympyField):
            sgn = self.F.sign(x)
            if sgn is None:
                return abs(sympy.N(x, 50)) < 1e-40
            return sgn == 0
        return abs(x) <= self.tol * max(1, scale)

    def order(self, a: Sequence[Any]) -> int:
        scale = max((abs(x) for x in a), default=0) if not isinstance(self.F, ps.SympyField) else 1
        for i, x in enumerate(a):
            if not self._is_zero(x, scale):
                return i
        return len(a)

    def snap(self, a: list[Any]) -> list[Any]:
        if isinstance(self.F, ps.SympyField):
            return a
        scale = max((abs(x) for x in a), default=0)
        return [self.F.zero if self._is_zero(x, scale) else x for x in a]

    def positive(self, x: Any) -> bool:
        if isinstance(self.F, ps.SympyField):
            sgn = self.F.sign(x)
            return sgn == 1 if sgn is not None else sympy.N(x, 50) > 0
        return x > 0

    def const(self, v: Any, n: int | None = None) -> list[Any]:
        return ps.ps_const(self.F, v, n or self.N)

    # -- arithmetic ------------------------------------------------------------------------
    def add(self, a: list[Any], b: list[Any]) -> list[Any]:
        n = min(len(a), len(b))
        return self.snap(ps.ps_add(self.F, a[:n], b[:n]))

    def mul(self, a: list[Any], b: list[Any]) -> list[Any]:
        oa, ob = self.order(a), self.order(b)
        n = min(len(a) + ob, len(b) + oa, self.N)
        a2 = (a + [self.F.zero] * n)[:n]
        b2 = (b + [self.F.zero] * n)[:n]
        return self.snap(ps.ps_mul(self.F, a2, b2, n))

    def scale(self, a: list[Any], s: Any) -> list[Any]:
        return self.snap(ps.ps_scale(self.F, a, s))

    def inv(self, a: list[Any], e: sympy.Basic) -> list[Any]:
        if self.order(a) > 0:
            raise NotAnalyticError(f"{e} has a pole at the endpoint")
        return self.snap(ps.ps_inv(self.F, a, len(a)))

    def fpow(self, a: list[Any], alpha: Any, e: sympy.Basic) -> list[Any]:
        alpha = sympy.Rational(alpha) if isinstance(alpha, (int, sympy.Integer, sympy.Rational)) else alpha
        if alpha.is_Integer:
            m = int(alpha)
            if m < 0:
                return self.fpow(self.inv(a, e), -m, e)
            out = self.const(self.F.one, len(a))
            for _ in range(m):
                out = self.mul(out, a)
            return out
        m = self.order(a)
        if m >= len(a):
            raise NotAnalyticError(f"{e}: the base vanishes to every computed order at the endpoint")
        w = a[m:]
        if not self.positive(w[0]):
            raise HermiteRevError(f"{e} is not real near the endpoint (non-integer power of a negative number)")
        shift = alpha * m
        if not shift.is_Integer:
            raise _Finer(sympy.Rational(shift).q)
        if shift < 0:
            raise NotAnalyticError(f"{e} is infinite at the endpoint")
        body = ps.ps_pow(self.F, w, self.F.coerce(alpha), len(w))
        return self.snap([self.F.zero] * int(shift) + body)

    def acos(self, a: list[Any], e: sympy.Basic) -> list[Any]:
        F = self.F
        x0 = a[0]
        one_minus = F.simp(F.one - x0)
        one_plus = F.simp(F.one + x0)
        if self._is_zero(one_minus):
            u = self.snap([F.zero] + [F.simp(-x) for x in a[1:]])  # 1 - a
            return self._acos_one_minus(u, e)
        if self._is_zero(one_plus):
            u = self.snap([F.zero] + [x for x in a[1:]])  # 1 + a = 1 - (-a)
            r = self._acos_one_minus(u, e)
            return self.snap([F.simp((F.pi if k == 0 else F.zero) - x) for k, x in enumerate(r)])
        if not (self.positive(one_minus) and self.positive(one_plus)):
            raise HermiteRevError(f"{e} is not real near the endpoint (acos/asin of |x| > 1)")
        return self.snap(ps.ps_acos(F, a, len(a)))

    def _acos_one_minus(self, u: list[Any], e: sympy.Basic) -> list[Any]:
        """acos(1 - u) = sqrt(2u) * sum_n (1/2)_n^2 / ((3/2)_n n!) (u/2)^n for u(0) = 0."""
        F = self.F
        root = self.fpow(self.scale(u, F.num(2)), sympy.Rational(1, 2), e)
        n = len(u)
        coeffs, term = [], sympy.Integer(1)
        for i in range(n):
            coeffs.append(F.coerce(term / sympy.Integer(2) ** i))
            term = term * sympy.Rational(2 * i + 1, 2) ** 2 / (sympy.Rational(2 * i + 3, 2) * (i + 1))
        series = ps.ps_compose(F, coeffs, u, n)
        return self.mul(root, series)

    # -- the walk --------------------------------------------------------------------------

    def _eval(self, e: sympy.Basic) -> list[Any]:
        F = self.F
        if e == c:
            return list(self.var)
        if not e.has(c):
            return self.const(F.coerce(e))
        if e.is_Add:
            parts = [self(a) for a in e.args]
            acc = parts[0]
            for p in parts[1:]:
                acc = self.add(acc, p)
            return acc
        if e.is_Mul:
            acc = None
            for a in e.args:
                if not a.has(c):
                    continue
                p = self(a)
                acc = p if acc is None else self.mul(acc, p)
            coeff = sympy.Mul(*[a for a in e.args if not a.has(c)])
            return self.scale(acc, F.coerce(coeff)) if coeff != 1 else acc
        if e.is_Pow:
            base, expo = e.args
            if expo.has(c):
                return self(sympy.exp(expo * sympy.log(base), evaluate=False))
            return self.fpow(self(base), expo, e)
        if isinstance(e, sympy.Function) and type(e) in _FUNCS and len(e.args) == 1:
            name = _FUNCS[type(e)]
            a = self(e.args[0])
            n = len(a)
            if name == "acos":
                return self.acos(a, e)
            if name == "asin":
                r = self.acos(a, e)
                return self.snap([F.simp((F.pi / 2 if k == 0 else F.zero) - x) for k, x in enumerate(r)])
            if name == "log":
                if self.order(a) > 0 or not self.positive(a[0]):
                    raise NotAnalyticError(f"{e}: logarithm of a series not positive at the endpoint")
                return self.snap(ps.ps_log(F, a, n))
            if name == "exp":
                return self.snap(ps.ps_exp(F, a, n))
            if name in ("sin", "cos"):
                return self.snap(ps.ps_sincos(F, a, n)[0 if name == "sin" else 1])
            if name in ("sinh", "cosh", "tanh"):
                sh, ch = ps.ps_sinhcosh(F, a, n)
                return self.snap({"sinh": sh, "cosh": ch}.get(name) or ps.ps_div(F, sh, ch, n))
            if name == "atan":
                return self.snap(ps.ps_atan(F, a, n))
            if name == "erf":
                return self.snap(ps.ps_erf(F, a, n))
        raise NotAnalyticError(
            f"cannot expand {type(e).__name__} in {e} at the endpoint "
            f"(supported: + * powers exp log sin cos sinh cosh tanh atan asin acos erf)"
        )


@dataclass(frozen=True)
class EndpointExpansion:
    r"""``K(point - sign * t) = sum_i coeffs[i] * t^(i/q)`` near t = 0 (point = +1: c = 1 - t).

    Attributes
    ----------
    point : int
        +1 or -1.
    q : int
        Denominator of the powers of t.
    coeffs : tuple
        Coefficients of t^(i/q), i = 0 .. len - 1 (mpmath, or sympy when exact).
    nu : sympy.Rational or None
        The smallest non-integer power with a nonzero coefficient (None: none up to ``order``).
    coefficient
        Its coefficient (c_1 at +1, c_{-1} at -1 in Bietti-Bach's notation).
    order : sympy.Rational
        Powers of t below this are all known.
    """

    point: int
    q: int
    coeffs: tuple
    nu: sympy.Rational | None
    coefficient: object
    order: sympy.Rational

    def fractional_terms(self) -> list[tuple[sympy.Rational, Any]]:
        """[(nu, coefficient)] for every non-integer power with a nonzero coefficient."""
        out = []
        for i, a in enumerate(self.coeffs):
            if i % self.q and a != 0:
                out.append((sympy.Rational(i, self.q), a))
        return out

    def expr(self, t: sympy.Expr | None = None) -> sympy.Expr:
        """The truncated expansion as a sympy expression in ``t``."""
        t = t if t is not None else sympy.Symbol("t", positive=True)
        terms = []
        for i, a in enumerate(self.coeffs):
            if a != 0:
                coef = a if isinstance(a, sympy.Basic) else sympy.Float(a, 30)
                terms.append(coef * t ** sympy.Rational(i, self.q))
        return sympy.Add(*terms)

    def __repr__(self) -> str:
        where = "K(1 - t)" if self.point == 1 else "K(-1 + t)"
        return short(
            f"EndpointExpansion({where} = {short(sympy.N(self.expr(), 6), 200)} + O(t^{self.order}))", REPR_LIMIT
        )


def endpoint_expansion(
    K: KernelLike | Sequence[RealLike],
    point: Literal[1, -1] = 1,
    order: RealLike = 4,
    *,
    exact: bool = False,
    dps: int = 50,
) -> EndpointExpansion:
    r"""Puiseux expansion of K at c = +1 (``K(1 - t)``) or c = -1 (``K(-1 + t)``).

    The expression tree is evaluated as a power series in :math:`s = t^{1/q}` (q = 2 first;
    a branch that needs a finer grid restarts with a larger q).  Square roots and ``acos``
    at +-1 split off their leading power, which is where the fractional powers come from:
    :math:`\arccos(1 - u) = \sqrt{2u}\, {}_2F_1(\tfrac12, \tfrac12; \tfrac32; u/2)`.  sympy's
    own ``series`` takes minutes on a 2-layer ReLU NTK; this takes milliseconds.

    Parameters
    ----------
    K : sympy.Expr or str
    point : {1, -1}
    order : int
        Keep powers of t below ``order``.
    exact : bool
        Exact sympy coefficients (slow for deep kernels); default mpmath at ``dps`` digits
        with coefficients below ``10^-(dps-15)`` (relative) taken as zero.

    Returns
    -------
    EndpointExpansion

    Examples
    --------
    >>> import hermite_rev as hr
    >>> e = endpoint_expansion(hr.kernels.arccos(0), 1, order=2, exact=True)
    >>> e.nu, e.coefficient
    (1/2, -sqrt(2)/pi)
    """
    expr = check_kernel(K)
    if (
        isinstance(point, (bool, np.bool_))
        or not isinstance(point, (int, float, np.integer, np.floating))
        or point not in (1, -1)
    ):
        raise HermiteRevError(f"point must be 1 or -1, got point={short(repr(point), 60)}")
    point = 1 if point == 1 else -1
    order = check_size(order, "order", "endpoint_order")
    dps = check_size(dps, "dps")
    q = 2
    for _ in range(6):
        N = q * order + 2 * q + 2
        try:
            with mpmath.workdps(dps):
                F = ps.SympyField() if exact else ps.MpField()
                tol = 0 if exact else mpmath.mpf(10) ** (-(dps - 15))
                walker = _PuiseuxWalker(F, N, q, point, -point, tol)
                series = walker(expr)
                if not exact:
                    series = [+x for x in series]
        except _Finer as need:
            q = q * int(need.factor)
            continue
        known = min(len(series), q * order)
        coeffs = tuple(
            sympy.nsimplify(x) if exact and isinstance(x, sympy.Basic) and x.is_Float else x for x in series[:known]
        )
        nu = coef = None
        for i, a in enumerate(coeffs):
            if i % q and a != 0:
                nu, coef = sympy.Rational(i, q), a
                break
        return EndpointExpansion(point, q, coeffs, nu, coef, sympy.Rational(known, q))
    raise NotAnalyticError(f"{expr}: no Puiseux expansion in powers of t^(1/q) found up to q={q}")
