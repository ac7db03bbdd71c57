"""Taylor coefficients of kernels given as sympy expressions in ``c``.

Index
-----
taylor          a_0 .. a_{n-1} of K(c) = sum_k a_k c^k, rigorous to ``dps`` digits, or exact
TaylorCoeffs    the list returned by :func:`taylor`, with error bounds and the tail bound
Tail            rigorous bound on K(1) - sum_{k<n} a_k (what truncation drops)
evaluate_at     a rigorous value of an expression at a point (ball arithmetic)

The expression DAG is evaluated bottom-up as truncated (Laurent) power series, each distinct
sub-expression once and without recursion, so the kernel of a 1000-layer network costs its
number of distinct nodes.  The numeric engine is python-flint's ``arb_series`` (ball arithmetic:
every coefficient carries a proven error radius); the working precision is raised until each
coefficient is proven correct to ``dps`` significant digits.  ``exact=True`` runs the same walk
with exact sympy coefficients; ``engine="mpmath"`` runs it with plain mpmath numbers (an
independent implementation of every recurrence, used as the oracle in the tests).

Removable singularities (``sin(c)/c``, ``(exp(c) - 1)/c``, ``c/erf(c)``) are supported: a division
by a series whose leading coefficients are *proven* zero (exactly zero balls, or exact sympy
arithmetic) shifts it and carries a Laurent valuation, and the result must come back to a power
series.  ``tanh(log(c))`` and similar are rewritten in exponentials and cancelled first.

Coefficients are ordered from lowest degree to highest.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import flint
import mpmath
import sympy

from . import _powerseries as ps
from ._validate import (
    DivergentSeriesError,
    HermiteRevError,
    NotAnalyticError,
    as_expr,
    c,
    check_dps,
    check_n,
    public,
    short,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from ._typing import KernelLike, RealLike

__all__ = ["taylor", "TaylorCoeffs", "Tail", "evaluate_at", "to_mpf"]

_LOG2_10 = math.log2(10)

#: Most work one call of :func:`taylor` may ask for: n * dps (coefficients times digits).
WORK_LIMIT = 20_000_000
#: Seconds the exact path may spend before it refuses (``exact=True``).
EXACT_SECONDS = 10.0

# sympy function class -> name understood by the backends
_FUNCS = {
    sympy.exp: "exp",
    sympy.log: "log",
    sympy.sin: "sin",
    sympy.cos: "cos",
    sympy.tan: "tan",
    sympy.sinh: "sinh",
    sympy.cosh: "cosh",
    sympy.tanh: "tanh",
    sympy.asin: "asin",
    sympy.acos: "acos",
    sympy.atan: "atan",
    sympy.asinh: "asinh",
    sympy.atanh: "atanh",
    sympy.erf: "erf",
    sympy.erfc: "erfc",
}
_NOT_ANALYTIC = (
    sympy.Abs,
    sympy.Max,
    sympy.Min,
    sympy.Heaviside,
    sympy.sign,
    sympy.Piecewise,
    sympy.floor,
    sympy.ceiling,
)


class _Undecided(Exception):
    """A sign could not be decided at the current precision."""


class _NeedTerms(Exception):
    """Leading zeros were cancelled: ``extra`` more working terms are needed."""

    def __init__(self, extra: int) -> None:
        super().__init__(extra)
        self.extra = extra


_Timeout = ps.Timeout


# --------------------------------------------------------------------------------------------
# backends
# --------------------------------------------------------------------------------------------


def coeff0(s: flint.arb_series) -> flint.arb:
    """Constant term of an arb_series (flint drops trailing zeros, so a zero series has none)."""
    cs = s.coeffs()
    return cs[0] if cs else flint.arb(0)


class _ArbBackend:
    """python-flint balls; series are ``arb_series`` of length n."""

    def __init__(self, n: int) -> None:
        self.n = n

    def number(self, e: sympy.Basic) -> flint.arb:
        if e.is_Integer:
            return flint.arb(int(e))
        if e.is_Rational:
            return flint.arb(int(e.p)) / int(e.q)
        if e.is_Float:  # not reached from the public functions (Floats are made exact first)
            sign, man, exp, _ = e._mpf_
            x = flint.arb(int(man)) * flint.arb(2) ** int(exp)
            return -x if sign else x
        if e is sympy.pi:
            return flint.arb.pi()
        if e is sympy.E:
            return flint.arb(1).exp()
        if e is sympy.EulerGamma:
            return flint.arb.const_euler()
        if e is sympy.Catalan:
            return flint.arb.const_catalan()
        raise HermiteRevError(f"unsupported constant {short(e, 60)} (not a real number)")

    def var(self, x0: Any = None) -> flint.arb_series:
        return flint.arb_series([0 if x0 is None else x0, 1], prec=self.n)

    def lift(self, x: Any) -> flint.arb_series:
        return flint.arb_series([x], prec=self.n)

    def coeffs(self, s: flint.arb_series) -> list[flint.arb]:
        cs = list(s.coeffs())
        return cs + [flint.arb(0)] * (self.n - len(cs))

    def series(self, cs: Sequence[Any]) -> flint.arb_series:
        return flint.arb_series(cs, prec=self.n)

    def zero(self, x: flint.arb) -> bool | None:
        """True: exactly 0; False: proven nonzero; None: undecided."""
        if x.is_zero():
            return True
        if x.contains(0):
            return None
        return False

    def add(self, s: Any, t: Any) -> Any:
        return s + t

    def mul(self, s: Any, t: Any) -> Any:
        return s * t

    def inv(self, s: Any) -> Any:
        return 1 / s

    def powi(self, s: Any, m: int) -> Any:
        return s**m

    def pow(self, s: Any, alpha: Any) -> Any:
        if alpha == sympy.Rational(1, 2):
            return s.sqrt()
        if alpha == sympy.Rational(-1, 2):
            return s.rsqrt()
        return s ** self.number_or_const(alpha)

    def spow(self, x: Any, alpha: Any) -> Any:
        if alpha.is_Integer:
            return x ** int(alpha)
        if alpha == sympy.Rational(1, 2):
            return x.sqrt()
        return x ** self.number_or_const(alpha)

    def number_or_const(self, alpha: Any) -> Any:
        return _Walker(self, None).scalar(alpha)

    def const0(self, s: flint.arb_series) -> flint.arb:
        return coeff0(s)

    def sign(self, x: flint.arb) -> int | None:
        if x.is_zero():
            return 0
        if not x.is_finite():
            raise _Undecided
        if x > 0:
            return 1
        if x < 0:
            return -1
        raise _Undecided

    def sfunc(self, name: str, x: Any) -> Any:
        return getattr(x, name)()

    def func(self, name: str, s: Any) -> Any:
        if name in ("exp", "log", "sin", "cos", "tan", "atan", "asin", "acos", "erf", "erfc"):
            return getattr(s, name)()
        if name in ("sinh", "cosh"):
            e, em = s.exp(), (-s).exp()
            return (e - em) / 2 if name == "sinh" else (e + em) / 2
        if name == "tanh":
            return 1 - 2 / ((2 * s).exp() + 1)
        if name == "asinh":
            return (s + (s * s + 1).sqrt()).log()
        if name == "atanh":
            return ((1 + s) / (1 - s)).log() / 2
        raise AssertionError(name)


class _ListBackend:
    """Dense coefficient lists over a field from :mod:`hermite_rev._powerseries`."""

    def __init__(self, n: int, field: Any) -> None:
        self.n = n
        self.F = field

    def number(self, e: sympy.Basic) -> Any:
        return self.F.coerce(e)

    def var(self, x0: Any = None) -> list[Any]:
        return ps.ps_var(self.F, self.n, x0)

    def lift(self, x: Any) -> list[Any]:
        return ps.ps_const(self.F, x, self.n)

    def coeffs(self, s: Sequence[Any]) -> list[Any]:
        return list(s)

    def series(self, cs: Sequence[Any]) -> list[Any]:
        return list(cs)

    def zero(self, x: Any) -> bool | None:
        sgn = self.F.sign(x)
        return None if sgn is None else sgn == 0

    def add(self, s: Any, t: Any) -> Any:
        return ps.ps_add(self.F, s, t)

    def mul(self, s: Any, t: Any) -> Any:
        if not isinstance(s, list):
            return ps.ps_scale(self.F, t, s)
        if not isinstance(t, list):
            return ps.ps_scale(self.F, s, t)
        return ps.ps_mul(self.F, s, t, self.n)

    def inv(self, s: Any) -> Any:
        return ps.ps_inv(self.F, s, self.n)

    def powi(self, s: Any, m: int) -> Any:
        return ps.ps_powi(self.F, s, m, self.n)

    def pow(self, s: Any, alpha: Any) -> Any:
        return ps.ps_pow(self.F, s, self.F.coerce(alpha), self.n)

    def spow(self, x: Any, alpha: Any) -> Any:
        return self.F.simp(self.F.pow(x, self.F.coerce(alpha)))

    def const0(self, s: Sequence[Any]) -> Any:
        return s[0]

    def sign(self, x: Any) -> int | None:
        sgn = self.F.sign(x)
        if sgn is None:
            raise _Undecided
        return sgn

    def sfunc(self, name: str, x: Any) -> Any:
        F = self.F
        if name in ("sinh", "cosh", "tanh", "asinh", "atanh", "erfc", "tan"):
            if isinstance(F, ps.SympyField):
                return getattr(sympy, name)(x)
            return getattr(mpmath, name)(x)
        return F.simp(getattr(F, name)(x))

    def func(self, name: str, s: Any) -> Any:
        F, n = self.F, self.n
        if name == "exp":
            return ps.ps_exp(F, s, n)
        if name == "log":
            return ps.ps_log(F, s, n)
        if name in ("sin", "cos", "tan"):
            sn, cs = ps.ps_sincos(F, s, n)
            return {"sin": sn, "cos": cs}.get(name) or ps.ps_div(F, sn, cs, n)
        if name in ("sinh", "cosh", "tanh"):
            sn, cs = ps.ps_sinhcosh(F, s, n)
            return {"sinh": sn, "cosh": cs}.get(name) or ps.ps_div(F, sn, cs, n)
        if name == "atan":
            return ps.ps_atan(F, s, n)
        if name == "asin":
            return ps.ps_asin(F, s, n)
        if name == "acos":
            return ps.ps_acos(F, s, n)
        if name == "erf":
            return ps.ps_erf(F, s, n)
        if name == "erfc":  # the constant term from erfc itself: 1 - erf(x) cancels for large x
            erf = ps.ps_erf(F, s, n)
            head = sympy.erfc(s[0]) if isinstance(F, ps.SympyField) else mpmath.erfc(s[0])
            return [F.simp(head)] + [F.simp(-x) for x in erf[1:]]
        if name == "asinh":
            root = ps.ps_pow(F, ps.ps_add(F, ps.ps_mul(F, s, s, n), self.lift(F.one)), F.num(1, 2), n)
            return ps.ps_log(F, ps.ps_add(F, s, root), n)
        if name == "atanh":
            one = self.lift(F.one)
            num = ps.ps_add(F, one, s)
            den = ps.ps_add(F, one, [F.simp(-x) for x in s])
            return ps.ps_scale(F, ps.ps_log(F, ps.ps_div(F, num, den, n), n), F.num(1, 2))
        raise AssertionError(name)


# --------------------------------------------------------------------------------------------
# the DAG walk, in truncated Laurent series
# --------------------------------------------------------------------------------------------


class _Lau:
    """``t^v * (s_0 + s_1 t + ... + s_{L-1} t^{L-1}) + O(t^{v+L})``: a truncated Laurent series."""

    __slots__ = ("L", "s", "v")

    def __init__(self, v: int, s: Any, L: int) -> None:
        self.v, self.s, self.L = v, s, L


class _Walker(ps.MemoWalker):
    """Evaluate a sympy expression DAG as truncated (Laurent) power series in ``var``.

    ``walker(e)`` returns ``(is_series, value)`` with ``value`` a power series of the backend
    (for ``is_series``) or a scalar; sub-expressions free of ``var`` stay scalars.  Each distinct
    sub-expression is evaluated once.  ``prove_zero(node, power)`` (optional) proves exactly that
    a coefficient whose ball contains 0 is 0, so that it can be cancelled.
    """

    def __init__(
        self, backend: Any, var: sympy.Symbol, point: Any = None, prove_zero: Any = None, want: Any = None
    ) -> None:
        self.be = backend
        self.want = backend.n if want is None else want
        self.var = var
        self.point = point
        self.memo: dict[int, Any] = {}
        self.prove_zero = prove_zero

    def __call__(self, e: sympy.Basic) -> tuple[bool, Any]:
        is_series, value = self.value(e)
        if is_series:
            value = self.power_series(e, value)
        return is_series, value

    def value(self, e: sympy.Basic) -> tuple[bool, Any]:
        return super().__call__(e)

    def scalar(self, e: sympy.Basic) -> Any:
        is_series, value = self.value(e)
        assert not is_series
        return value

    def descend(self, e: sympy.Basic) -> bool:
        return (
            e.is_Add
            or e.is_Mul
            or e.is_Pow
            or (isinstance(e, sympy.Function) and type(e) in _FUNCS and len(e.args) == 1)
        )

    # -- Laurent bookkeeping ------------------------------------------------------------------
    def _std(self, s: Any) -> _Lau:
        return _Lau(0, s, self.be.n)

    def _shift(self, a: _Lau, d: int) -> _Lau:
        """``a`` written with valuation ``a.v - d`` (d >= 0 leading zeros added)."""
        if d == 0:
            return a
        N = self.be.n
        cs = self.be.coeffs(a.s)
        zero = cs[0] * 0 if cs else 0
        return _Lau(a.v - d, self.be.series([zero] * d + cs[: N - d]), min(a.L + d, N))

    def strip(self, e: sympy.Basic, a: _Lau) -> _Lau:
        """Drop proven-zero leading coefficients of ``a`` (the series of node ``e``)."""
        cs = None
        m = 0
        while True:
            if m >= a.L:
                raise _NeedTerms(a.L + 1)
            if cs is None:
                cs = self.be.coeffs(a.s)
            state = self.be.zero(cs[m])
            if state is None:
                if self.prove_zero is not None and self.prove_zero(e, a.v + m):
                    state = True
                else:
                    raise _Undecided
            if not state:
                break
            m += 1
        if m == 0:
            return a
        zero = cs[0] * 0
        return _Lau(a.v + m, self.be.series(cs[m:] + [zero] * m), a.L - m)

    def regular(self, e: sympy.Basic, a: _Lau, why: str) -> _Lau:
        """``a`` as a power series (valuation >= 0), cancelling proven-zero negative powers."""
        if a.v < 0:
            a = self.strip(e, a)
            if a.v < 0:
                raise NotAnalyticError(f"{short(e)} is not analytic {self._where()}: {why} (a pole of order {-a.v})")
        return self._shift(a, a.v) if a.v > 0 else a

    def power_series(self, e: sympy.Basic, a: _Lau) -> Any:
        a = self.regular(e, a, "the expression has a pole")
        if a.L < self.want:
            raise _NeedTerms(self.want - a.L)
        return a.s

    # -- nodes -------------------------------------------------------------------------------
    def _eval(self, e: sympy.Basic) -> tuple[bool, Any]:
        be = self.be
        if self.var is not None and e == self.var:
            return True, self._std(be.var(self.point))
        if e.is_Number or e.is_NumberSymbol:
            return False, be.number(e)
        if e is sympy.I:
            raise HermiteRevError(f"the value is not real (it contains I) {self._where()}")
        if e.is_Add or e.is_Mul:
            parts = [self.value(a) for a in e.args]
            scalars = [v for s, v in parts if not s]
            series = [v for s, v in parts if s]
            if e.is_Add:
                acc_s = sum(scalars[1:], scalars[0]) if scalars else None
                if not series:
                    return False, acc_s
                if acc_s is not None:
                    series.append(self._std(be.lift(acc_s)))
                v = min(x.v for x in series)
                series = [self._shift(x, x.v - v) for x in series]
                acc = series[0].s
                for t in series[1:]:
                    acc = be.add(acc, t.s)
                return True, _Lau(v, acc, min(x.L for x in series))
            acc_s = None
            for v in scalars:
                acc_s = v if acc_s is None else acc_s * v
            if not series:
                return False, acc_s
            acc = series[0].s
            for t in series[1:]:
                acc = be.mul(acc, t.s)
            if acc_s is not None:
                acc = be.mul(acc, acc_s)
            return True, _Lau(sum(x.v for x in series), acc, min(x.L for x in series))
        if e.is_Pow:
            base, expo = e.args
            if self.var is not None and expo.has(self.var):
                return self.value(sympy.exp(expo * sympy.log(base), evaluate=False))
            is_series, b = self.value(base)
            if not is_series:
                return False, self._scalar_pow(e, b, expo)
            if expo.is_Integer:
                m = int(expo)
                if m >= 0:
                    return True, _Lau(b.v * m, be.powi(b.s, m), b.L)
                b = self.strip(base, b)
                return True, _Lau(b.v * m, be.powi(be.inv(b.s), -m), b.L)
            if not (expo.is_real and expo.is_number):
                raise HermiteRevError(f"unsupported exponent {short(expo, 60)} in {short(e)}")
            b = self.regular(base, b, "a non-integer power of a series with a pole")
            if b.v > 0:
                raise NotAnalyticError(
                    f"{short(e)} is not analytic {self._where()}: a non-integer power of a "
                    f"series that is not positive there"
                )
            self._require(e, be.const0(b.s), "positive", "a non-integer power of a series that is not positive there")
            return True, _Lau(0, be.pow(b.s, expo), b.L)
        if isinstance(e, sympy.Function) and type(e) in _FUNCS and len(e.args) == 1:
            name = _FUNCS[type(e)]
            is_series, x = self.value(e.args[0])
            if not is_series:
                return False, self._scalar_func(e, name, x)
            x = self.regular(e.args[0], x, f"{name} of a series with a pole")
            x0 = be.const0(x.s)
            if name == "log":
                self._require(e, x0, "positive", "the logarithm of a series that is not positive there")
            elif name in ("asin", "acos", "atanh"):
                self._require(e, 1 - x0, "positive", f"{name} at an argument with |x| >= 1")
                self._require(e, 1 + x0, "positive", f"{name} at an argument with |x| >= 1")
            elif name == "tan":
                self._require(e, be.sfunc("cos", x0), "nonzero", "tan at a pole")
            return True, _Lau(0, be.func(name, x.s), x.L)
        if isinstance(e, _NOT_ANALYTIC):
            raise NotAnalyticError(
                f"{short(e)} is not analytic (piecewise / non-smooth function {type(e).__name__}); "
                f"a kernel must be a power series in {self.var}"
            )
        raise HermiteRevError(f"unsupported function or node {type(e).__name__} in {short(e)}")

    def _where(self) -> str:
        if self.var is None:
            return "as a constant"
        return f"at {self.var} = {self.point if self.point is not None else 0}"

    def _require(self, e: sympy.Basic, x: Any, what: str, explain: str) -> None:
        sgn = self.be.sign(x)
        ok = sgn == 1 if what == "positive" else sgn != 0
        if not ok:
            raise NotAnalyticError(f"{short(e)} is not analytic {self._where()}: {explain}")

    def _scalar_pow(self, e: sympy.Basic, b: Any, expo: Any) -> Any:
        be = self.be
        if expo.is_Integer:
            if int(expo) < 0 and be.sign(b) == 0:
                raise DivergentSeriesError(f"{short(e)} is infinite {self._where()} (division by zero)")
            return be.spow(b, expo)
        sgn = be.sign(b)
        if sgn < 0:
            raise HermiteRevError(f"{short(e)} is not real {self._where()} (non-integer power of a negative number)")
        if sgn == 0 and not expo.is_positive:
            raise DivergentSeriesError(f"{short(e)} is infinite {self._where()}")
        return be.spow(b, expo)

    def _scalar_func(self, e: sympy.Basic, name: str, x: Any) -> Any:
        be = self.be
        if name == "log":
            sgn = be.sign(x)
            if sgn == 0:
                raise DivergentSeriesError(f"{short(e)} is infinite {self._where()}")
            if sgn < 0:
                raise HermiteRevError(f"{short(e)} is not real {self._where()}")
        elif name in ("asin", "acos") and (be.sign(1 - x) < 0 or be.sign(1 + x) < 0):
            raise HermiteRevError(f"{short(e)} is not real {self._where()} (argument outside [-1, 1])")
        elif name == "atanh" and (be.sign(1 - x) <= 0 or be.sign(1 + x) <= 0):
            raise DivergentSeriesError(f"{short(e)} is not finite {self._where()}")
        return be.sfunc(name, x)


# --------------------------------------------------------------------------------------------
# precision context and conversions
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _flint_ctx(prec_bits: int, cap: int) -> Iterator[None]:
    old_prec, old_cap = flint.ctx.prec, flint.ctx.cap
    flint.ctx.prec, flint.ctx.cap = prec_bits, cap
    try:
        yield
    finally:
        flint.ctx.prec, flint.ctx.cap = old_prec, old_cap


def to_mpf(x: flint.arb) -> mpmath.mpf:
    """The midpoint of an arb ball as an mpmath number (rounded to mpmath's precision)."""
    man, exp = x.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


def _rad(x: flint.arb) -> mpmath.mpf:
    man, exp = x.rad().man_exp()
    with mpmath.workprec(64):
        return mpmath.mpf((int(man), int(exp)), rounding="u")


def _abs_lower(x: flint.arb) -> mpmath.mpf:
    """A lower bound of |y| over the ball (0 when it contains 0)."""
    if x.contains(0):
        return mpmath.mpf(0)
    man, exp = x.abs_lower().man_exp()
    with mpmath.workprec(64):
        return mpmath.mpf((int(man), int(exp)), rounding="d")


def _rel_bits(x: flint.arb) -> float:
    """Relative accuracy of a ball in bits (inf for exact, -inf when it contains 0 and isn't 0)."""
    if x.is_exact():
        return math.inf
    if x.contains(0):
        return -math.inf
    return x.rel_accuracy_bits()


# --------------------------------------------------------------------------------------------
# the numeric engine: balls at rising precision
# --------------------------------------------------------------------------------------------


class _ZeroProver:
    """Exact proofs that a coefficient whose ball contains 0 is 0 (cached per node and power)."""

    def __init__(self, var: sympy.Symbol = c, seconds: float = 2.0) -> None:
        self.var, self.seconds = var, seconds
        self.cache: dict[tuple[int, int], tuple[sympy.Basic, bool]] = {}

    def __call__(self, node: sympy.Basic, power: int) -> bool:
        key = (id(node), power)
        if key not in self.cache:
            self.cache[key] = (node, self._prove(node, power))
        return self.cache[key][1]

    def _prove(self, node: sympy.Basic, power: int) -> bool:
        F = ps.SympyField(deadline=time.monotonic() + self.seconds)
        N = max(power + 2, 2)
        for _ in range(4):
            try:
                walker = _Walker(_ListBackend(N, F), self.var)
                is_series, a = walker.value(node)
            except _NeedTerms as more:
                N += more.extra
                continue
            except (_Timeout, _Undecided, HermiteRevError):
                return False
            if not is_series:
                return False
            k = power - a.v
            if k < 0:
                return True
            if k >= a.L:
                N += k - a.L + 1
                continue
            return F.sign(a.s[k]) == 0
        return False


def _eval_arb(
    expr: sympy.Expr, n: int, prec: int, var: sympy.Symbol = c, point: Any = None, prover: Any = None
) -> list[flint.arb]:
    """Coefficients 0..n-1 of ``expr`` as balls (working with more terms where leading zeros cancel)."""
    N = n
    for _ in range(8):
        with _flint_ctx(prec, N):
            backend = _ArbBackend(N)
            try:
                is_series, value = _Walker(backend, var, point, prove_zero=prover, want=n)(expr)
            except _NeedTerms as more:
                N += max(more.extra, 1)
                continue
            if not is_series:
                value = backend.lift(value)
            coeffs = backend.coeffs(value)
        return coeffs[:n]
    raise HermiteRevError(f"could not cancel the leading zeros of {short(expr)} (working with {N} terms)")


def _required_bits(dps: int) -> int:
    return int(math.ceil(dps * _LOG2_10)) + 4


def _shortfall(coeffs: Sequence[flint.arb], need: int) -> int | None:
    """Bits still missing for every coefficient to be correct to ``need`` bits (0 when done).

    A ball away from 0 must have ``need`` bits of relative accuracy.  A ball containing 0 must be
    small against the largest coefficient *proven* nonzero (a lower bound of its magnitude, never
    a midpoint), or absolutely below 2^-need when no coefficient is proven nonzero yet.
    """
    scale = max((_abs_lower(x) for x in coeffs), default=mpmath.mpf(0))
    short_bits = 0
    for x in coeffs:
        bits = _rel_bits(x)
        if bits == math.inf:
            continue
        if bits == -math.inf:
            if not x.is_finite():
                return None
            r = _rad(x)
            if r == 0:
                continue
            ref = scale if scale > 0 else mpmath.mpf(1)
            absbits = -mpmath.log(r / ref, 2)
            if absbits < need:
                short_bits = max(short_bits, int(need - absbits) + 1)
        elif bits < need:
            short_bits = max(short_bits, need - int(bits))  # bits is a finite int here
    return short_bits


def _taylor_arb(expr: sympy.Expr, n: int, dps: int, var: sympy.Symbol = c) -> tuple[list[flint.arb], int]:
    need = _required_bits(dps)
    prec = need + 32 + int(10 * math.log2(n + 1))
    cap = 64 * need + 20_000
    prover = _ZeroProver(var)
    if n > 16:
        # the precision lost in deep compositions hardly depends on n: find it with a few terms first
        _, probe = _taylor_arb(expr, 8, dps, var)
        prec = max(prec, probe + int(10 * math.log2(n / 8)))
    while prec <= cap:
        try:
            coeffs = _eval_arb(expr, n, prec, var=var, prover=prover)
        except _Undecided:
            prec *= 2
            continue
        missing = _shortfall(coeffs, need)
        if missing is None:  # a non-finite ball: cancellation blew up at this precision
            prec *= 2
            continue
        if missing == 0:
            return coeffs, prec
        prec += max(missing + 32, prec // 4)
    raise HermiteRevError(
        f"could not prove {dps} digits of the Taylor coefficients of {short(expr)} "
        f"(working precision reached {cap} bits); a sign or a cancellation could not be decided"
    )


# --------------------------------------------------------------------------------------------
# public
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tail:
    """Bound on what truncation drops: ``K(1) - sum_{k<n} a_k``.

    For a kernel with non-negative coefficients this is the largest error of the truncated
    series on [-1, 1].  ``bound`` is an upper bound (rigorous when ``rigorous``), ``estimate``
    the midpoint value, ``k1`` the value K(1).
    """

    bound: mpmath.mpf
    estimate: mpmath.mpf
    k1: mpmath.mpf
    rigorous: bool

    def __float__(self) -> float:
        return float(self.bound)

    def __repr__(self) -> str:
        tag = "" if self.rigorous else ", not rigorous"
        from ._text import format_bound, format_value

        return f"Tail(<= {format_bound(self.bound, 5)}{tag}; K(1) = {format_value(self.k1, digits=12)})"


class TaylorCoeffs(list):
    """Taylor coefficients ``a_0 .. a_{n-1}`` (a list) that also say how they were obtained.

    Attributes
    ----------
    expr : sympy.Expr
        The kernel.
    dps : int or None
        Digits each coefficient is correct to (None when exact).
    errors : list of mpmath.mpf
        Absolute error bound of each coefficient (zeros when exact).
    exact : bool
        Whether the entries are exact sympy numbers.
    rigorous : bool
        Whether the error bounds are proven (ball arithmetic) rather than estimated.
    tail : Tail
        Bound on K(1) - sum of the coefficients (computed on first access).
    label : str or None
        What figures call the kernel (see :func:`taylor`).
    """

    _work_expr: sympy.Expr  # the expression actually expanded (set where a rewritten one was)
    _balls: Sequence[Any]  # the proven balls behind the coefficients (arb engine)

    def __init__(
        self,
        values: Iterable[Any],
        *,
        expr: sympy.Expr,
        dps: int | None,
        errors: Sequence[Any],
        exact: bool,
        rigorous: bool,
        engine: str,
        label: str | None = None,
    ) -> None:
        super().__init__(values)
        self.label = label
        self.expr = expr
        self.dps = dps
        self.errors = errors
        self.exact = exact
        self.rigorous = rigorous
        self.engine = engine
        self._tail: Tail | None = None

    @property
    def n(self) -> int:
        return len(self)

    @property
    def tail(self) -> Tail:
        if self._tail is None:
            self._tail = _tail_bound(self)
        return self._tail

    @property
    def max_error(self) -> mpmath.mpf:
        return max(self.errors) if self.errors else mpmath.mpf(0)

    def __repr__(self) -> str:
        if len(self) <= 12:
            return super().__repr__()
        from ._text import format_bound, format_value

        errs = list(self.errors) if self.errors else [None] * self.n

        def fmt(i: int) -> str:  # the digits each coefficient's error allows, at most 8
            return str(self[i]) if self.exact else format_value(self[i], errs[i], digits=8)

        head = ", ".join(fmt(i) for i in range(6))
        tail = ", ".join(fmt(i) for i in range(self.n - 2, self.n))
        how = "exact" if self.exact else f"dps={self.dps}, max abs error {format_bound(self.max_error, 3)}"
        return f"[{head}, ..., {tail}]  # TaylorCoeffs n={self.n}, {how}"

    def plot(self, ax: Any = None, closed_form: bool = True, label: str | None = None, **kwargs: Any) -> Any:
        """Plot the truncated series on [-1, 1], and the kernel itself with the residual near c = 1
        and the tail bound when it is an expression in c (see :func:`hermite_rev.plots.plot_kernel`)."""
        from .plots import plot_kernel

        K = self.expr if closed_form and self.expr.has(c) else None
        return plot_kernel(K, coeffs=self, ax=ax, label=label or self.label, **kwargs)

    def summary(self) -> str:
        how = "exact" if self.exact else f"{self.dps} digits, max abs error {mpmath.nstr(self.max_error, 3)}"
        return f"TaylorCoeffs(n={self.n}, {how}, engine={self.engine}, tail={self.tail!r})"


def _work_check(n: int, dps: int) -> None:
    if n * dps > WORK_LIMIT:
        raise HermiteRevError(f"n * dps must be at most {WORK_LIMIT} (coefficients times digits), got n={n}, dps={dps}")


def _rewritten(expr: sympy.Expr) -> sympy.Expr | None:
    """``expr`` with hyperbolic functions in exponentials and rational functions cancelled (or None).

    Makes ``tanh(log(c))`` the rational function ``(c**2 - 1)/(c**2 + 1)``; used only when the
    expression as written is not analytic at 0.
    """
    from ._validate import _count_nodes

    if _count_nodes(expr, 400) >= 400 or not expr.has(sympy.log):
        return None
    alt = expr.rewrite([sympy.sinh, sympy.cosh, sympy.tanh], sympy.exp)
    if alt.is_rational_function(c):
        alt = sympy.cancel(alt)
    return None if alt == expr else alt


def _taylor_balls(expr: sympy.Expr, n: int, dps: int) -> tuple[list[flint.arb], int, sympy.Expr]:
    """(balls, prec, expression actually expanded) — a rewritten one when the original has a removable log."""
    try:
        balls, prec = _taylor_arb(expr, n, dps)
        return balls, prec, expr
    except NotAnalyticError:
        alt = _rewritten(expr)
        if alt is None:
            raise
        try:
            balls, prec = _taylor_arb(alt, n, dps)
        except HermiteRevError:
            alt = None
        if alt is None:
            raise
        return balls, prec, alt


@public
def taylor(
    K: KernelLike | Sequence[Any],
    n: int,
    dps: int = 30,
    *,
    exact: bool = False,
    engine: Literal["arb", "mpmath"] = "arb",
    label: str | None = None,
) -> TaylorCoeffs:
    r"""Taylor coefficients of a kernel at c = 0.

    .. math:: K(c) = \sum_{k \ge 0} a_k c^k

    Parameters
    ----------
    K : sympy.Expr or str
        Expression in :data:`hermite_rev.c` (strings are parsed by an allow-list parser and never
        executed; floats become exact rationals, see :func:`hermite_rev._validate.exact_float`).
    n : int
        Number of coefficients, a_0 .. a_{n-1} (at most 100000; n * dps at most 2e7).
    dps : int
        Decimal digits each coefficient is proven correct to (at most 10000; ignored when
        ``exact``).  A coefficient whose ball contains 0 is correct to ``dps`` digits of the
        largest coefficient proven nonzero.
    exact : bool
        Return exact sympy numbers (rationals, pi, radicals) instead of mpmath numbers.  Refused
        after 10 s when the exact expressions grow too fast (use ``dps``); the exact values are
        checked against the ball values.
    engine : {"arb", "mpmath"}
        "arb" (default): python-flint ball arithmetic, proven error bounds.  "mpmath": the
        same recurrences in plain mpmath at ``dps`` + 20 digits (no proof; an oracle).
    label : str, optional
        What figures and reprs call the kernel (``.label`` of the result); default: ``K``
        itself when it is a string, else the constructor call that built it
        (:func:`hermite_rev.kernels.label_of`).

    Returns
    -------
    TaylorCoeffs
        A list of ``n`` numbers with ``.errors``, ``.tail`` and ``.dps``.

    Raises
    ------
    ValueError
        ``n <= 0``, ``dps <= 0``, sizes over the limits, a free symbol other than ``c``, or an
        expression not analytic at c = 0 (e.g. ``sqrt(c)``).

    Examples
    --------
    >>> import hermite_rev as hr, sympy
    >>> [mpmath.nstr(a, 10) for a in hr.taylor(sympy.exp(hr.c), 4, dps=10)]
    ['1.0', '1.0', '0.5', '0.1666666667']
    >>> hr.taylor(hr.kernels.arccos(1), 4, exact=True)
    [1/pi, 1/2, 1/(2*pi), 0]
    >>> hr.taylor("sin(c)/c", 4, exact=True)
    [1, 0, -1/6, 0]
    """
    n = check_n(n)
    expr = as_expr(K, c, name="kernel")
    out = _taylor(expr, n, dps, exact, engine)
    from .kernels import _label_for

    out.label = _label_for(K, expr, label)
    return out


def _taylor(expr: sympy.Expr, n: int, dps: int, exact: bool, engine: str) -> TaylorCoeffs:
    if exact:
        try:
            return _taylor_exact(expr, n)
        except NotAnalyticError:
            alt = _rewritten(expr)
            if alt is None:
                raise
            out = _taylor_exact(alt, n)
            out.expr, out._work_expr = expr, alt
            return out
    dps = check_dps(dps)
    _work_check(n, dps)
    if engine == "mpmath":
        return _taylor_mpmath(expr, n, dps)
    if engine != "arb":
        raise HermiteRevError(f"engine must be 'arb' or 'mpmath', got engine={engine!r}")
    balls, prec, work = _taylor_balls(expr, n, dps)
    out = _from_balls(balls, expr=expr, dps=dps)
    out._work_expr = work
    return out


def _taylor_mpmath(expr: sympy.Expr, n: int, dps: int) -> TaylorCoeffs:
    with mpmath.workdps(dps + 20):
        N = n
        for _ in range(8):
            try:
                is_series, value = _Walker(_ListBackend(N, ps.MpField()), c, want=n)(expr)
                break
            except _NeedTerms as more:
                N += more.extra
        values = value[:n] if is_series else ps.ps_const(ps.MpField(), value, n)
    with mpmath.workdps(dps):
        values = [+v for v in values]
    return TaylorCoeffs(
        values, expr=expr, dps=dps, errors=[mpmath.mpf(0)] * n, exact=False, rigorous=False, engine="mpmath"
    )


def _taylor_exact(expr: sympy.Expr, n: int, seconds: float | None = None) -> TaylorCoeffs:
    seconds = EXACT_SECONDS if seconds is None else seconds
    F = ps.SympyField(deadline=time.monotonic() + seconds)
    refusal = HermiteRevError(
        f"exact Taylor coefficients of {short(expr, 80)} not found within {seconds:g} s (the exact "
        f"expressions grow too fast for sympy); use dps= instead, e.g. hr.taylor(K, {n}, dps=50), "
        f"for coefficients proven correct to that many digits"
    )
    out: dict[str, Any] = {}

    def work() -> None:
        N = n
        try:
            for _ in range(8):
                try:
                    out["value"] = _Walker(_ListBackend(N, F), c, want=n)(expr)
                    return
                except _NeedTerms as more:
                    N += more.extra
            out["error"] = HermiteRevError(f"could not cancel the leading zeros of {short(expr)} exactly")
        except BaseException as exc:
            out["error"] = exc

    # one sympy expansion can outlast the deadline checked between operations: the walk runs in a
    # thread that is abandoned at the deadline (it stops at its next operation, which then times out)
    worker = threading.Thread(target=work, daemon=True, name="hermite_rev exact taylor")
    worker.start()
    worker.join(seconds + 0.5)
    if worker.is_alive():
        F.deadline = -math.inf
        raise refusal
    if "error" in out:
        exc = out["error"]
        if isinstance(exc, _Timeout):
            raise refusal from None
        if isinstance(exc, _Undecided):
            raise HermiteRevError(f"cannot decide the sign of a constant term of {short(expr)} exactly") from None
        raise exc
    is_series, value = out["value"]
    values = list(value[:n]) if is_series else ps.ps_const(F, value, n)
    _check_exact_against_balls(expr, values)
    return TaylorCoeffs(
        values, expr=expr, dps=None, errors=[mpmath.mpf(0)] * len(values), exact=True, rigorous=True, engine="sympy"
    )


def _check_exact_against_balls(expr: sympy.Expr, values: Sequence[sympy.Expr]) -> None:
    """The exact coefficients must lie in the proven balls (an independent check of the exact walk)."""
    try:
        balls, _, _ = _taylor_balls(expr, len(values), 15)
    except HermiteRevError:
        return  # the ball engine cannot do this one (e.g. a sign it cannot decide): nothing to compare
    for k, (v, ball) in enumerate(zip(values, balls)):
        with _flint_ctx(128, 1):
            try:
                exact_ball = _Walker(_ArbBackend(1), None).scalar(sympy.sympify(v))
            except (HermiteRevError, _Undecided):
                continue
            if not exact_ball.overlaps(ball):
                raise HermiteRevError(
                    f"internal check failed: exact coefficient a_{k} = {short(v, 60)} is not in "
                    f"its proven ball {ball.str(10)}; please report this expression: {short(expr)}"
                )


def _from_balls(balls: Sequence[flint.arb], *, expr: sympy.Expr, dps: int) -> TaylorCoeffs:
    with mpmath.workdps(dps):
        values = [to_mpf(x) for x in balls]
        ulp = mpmath.mpf(2) ** (-mpmath.mp.prec)
        errors = [_rad(x) + abs(v) * ulp for x, v in zip(balls, values)]
    out = TaylorCoeffs(values, expr=expr, dps=dps, errors=errors, exact=False, rigorous=True, engine="arb")
    out._balls = balls
    return out


def _substitute(expr: sympy.Expr, point: Any) -> sympy.Expr:
    """``expr`` with c = point, rebuilt bottom-up with evaluation (each distinct node once)."""
    from ._validate import _postorder

    new: dict[int, Any] = {}
    for e in _postorder(expr):
        if e.is_Symbol and e == c:
            new[id(e)] = point
        elif not e.args:
            new[id(e)] = e
        else:
            args = tuple(new[id(a)] for a in e.args)
            new[id(e)] = e if all(x is a for x, a in zip(args, e.args)) else e.func(*args)
    return new[id(expr)]


@public
def evaluate_at(expr: KernelLike, point: RealLike, dps: int = 30) -> tuple[mpmath.mpf, mpmath.mpf]:
    """Rigorous value of ``expr`` (in c) at ``c = point`` as ``(value, error_bound)``.

    The substitution is first done exactly in sympy (so boundary values such as ``acos(1)``
    simplify; each distinct sub-expression once), then the constant is evaluated in ball
    arithmetic at increasing precision.  Raises :class:`DivergentSeriesError` when the value is
    infinite.
    """
    expr = as_expr(expr, c, name="kernel")
    const = _substitute(expr, sympy.sympify(point))
    if const.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan):
        raise DivergentSeriesError(f"{short(expr)} is infinite at c = {point}")
    need = _required_bits(dps)
    prec = need + 32
    for _ in range(8):
        try:
            with _flint_ctx(prec, 1):
                value = _Walker(_ArbBackend(1), None).scalar(const)
        except _Undecided:
            prec *= 2
            continue
        except HermiteRevError as exc:
            if "not real" in str(exc):
                raise DivergentSeriesError(
                    f"{short(expr)} is not real at c = {point}: a branch point lies in [0, {point}], so its "
                    f"Taylor series at 0 does not converge to it there"
                ) from None
            raise
        if value.is_finite() and (
            value.is_exact() or (value.contains(0) and _rad(value) < mpmath.mpf(2) ** -need) or _rel_bits(value) >= need
        ):
            with mpmath.workdps(dps):
                return to_mpf(value), _rad(value)
        prec *= 2
    raise HermiteRevError(
        f"could not evaluate {short(expr)} at c = {point} to {dps} digits "
        f"(the value is on the boundary of a function's domain)"
    )


# --------------------------------------------------------------------------------------------
# the tail bound and its certificate
# --------------------------------------------------------------------------------------------

#: Sub-expressions that are kernels by construction (id -> (node, reason)): deep kernels of
#: activations with a Mehler dual (ReLU, erf) and their layer correlations.  Each has non-negative
#: Taylor coefficients and converges at c = 1 (Mehler's formula, proofs/01 and proofs/06).
_KNOWN_KERNELS: dict = {}
_KNOWN_LIMIT = 20_000


def register_kernel(expr: sympy.Expr, reason: str) -> None:
    """Record that ``expr`` is a kernel by construction (non-negative coefficients, convergent at 1).

    A product of positive numbers and one other factor registers that factor too (it is the
    kernel divided by a positive constant), since sympy flattens such products into larger ones.
    """
    while True:
        if len(_KNOWN_KERNELS) >= _KNOWN_LIMIT:
            _KNOWN_KERNELS.pop(next(iter(_KNOWN_KERNELS)))
        _KNOWN_KERNELS[id(expr)] = (expr, reason)
        if not expr.is_Mul:
            return
        rest = [a for a in expr.args if not _small_positive_constant(a)]
        if len(rest) != 1 or rest[0] is expr:
            return
        expr = rest[0]


def _small_positive_constant(a: sympy.Basic) -> bool:
    from ._validate import _count_nodes

    return _count_nodes(a, 16) < 16 and a.is_number and a.is_positive is True


def _known(e: sympy.Basic) -> bool:
    hit = _KNOWN_KERNELS.get(id(e))
    return hit is not None and hit[0] is e


@public
def _tail_bound(tc: TaylorCoeffs) -> Tail:
    dps = tc.dps or 30
    expr = getattr(tc, "_work_expr", tc.expr)
    k1, k1_err = evaluate_at(expr, 1, dps + 10)
    with mpmath.workdps(dps + 10):
        values = [_exact_to_mpf(a, dps + 10) for a in tc] if tc.exact else list(tc)
        partial = mpmath.fsum(values)
        err = k1_err + mpmath.fsum(tc.errors) + (abs(k1) + abs(partial)) * mpmath.mpf(2) ** (-mpmath.mp.prec + 2)
        if tc.exact:
            err += len(values) * max((abs(v) for v in values), default=0) * mpmath.mpf(2) ** (-mpmath.mp.prec + 2)
        estimate = k1 - partial
        bound = estimate + err
        nonneg = all(a >= -e for a, e in zip(values, tc.errors))
    if not nonneg:
        # not a kernel: K(1) - partial sum is only a number, not what truncation drops
        return Tail(bound=bound, estimate=estimate, k1=k1, rigorous=False)
    if bound < 0:
        raise DivergentSeriesError(
            f"the first {len(tc)} Taylor coefficients of {short(tc.expr)} are non-negative and sum to more than "
            f"K(1) = {mpmath.nstr(k1, 10)} (by {mpmath.nstr(-estimate, 5)}): its series diverges at c = 1 "
            f"or has negative coefficients beyond those computed"
        )
    certify_convergence(expr)
    return Tail(bound=bound, estimate=estimate, k1=k1, rigorous=tc.rigorous)


def _exact_to_mpf(a: sympy.Expr, dps: int) -> mpmath.mpf:
    with _flint_ctx(int(dps * _LOG2_10) + 64, 1):
        ball = _Walker(_ArbBackend(1), None).scalar(sympy.sympify(a))
        return to_mpf(ball)


class _Singular(Exception):
    """A domain condition fails at a point of [0, 1)."""


class _Enc:
    """Enclosure of a node over an interval: a ball, and a strict monotonicity (+1, -1, 0 unknown, None constant)."""

    __slots__ = ("ball", "mono")

    def __init__(self, ball: Any, mono: Any) -> None:  # mono: +1, -1, 0 or None
        self.ball, self.mono = ball, mono


_INCREASING = {
    "exp": 1,
    "log": 1,
    "atan": 1,
    "asinh": 1,
    "erf": 1,
    "erfc": -1,
    "tanh": 1,
    "sinh": 1,
    "asin": 1,
    "acos": -1,
    "atanh": 1,
}


class _IntervalWalker(ps.MemoWalker):
    """Prove every node of ``expr`` real-analytic on [lo, hi] (on [lo, 1) when hi = 1, continuous at 1).

    Each node gets a ball enclosing its values over the interval (monotone functions of a
    bounded argument from their values at the argument's end points).  Conditions: a divisor excludes
    0, a logarithm's / non-integer power's argument is positive, asin/acos/atanh arguments lie in
    (-1, 1), tan's cosine excludes 0.  At c = 1 an argument may reach the boundary of asin, acos or a
    positive power exactly if it is strictly monotone towards it (so it stays inside on [lo, 1)).
    Kernels by construction (:func:`register_kernel`) are increasing and analytic on [0, 1): their
    enclosure is [K(lo), K(hi)] from two point values.  Raises :class:`_Undecided` when the interval
    must be split and :class:`_Singular` when a condition provably fails.
    """

    def __init__(self, lo: Any, hi: Any, prec: int, at_one: Any) -> None:
        self.lo, self.hi, self.prec, self.at_one = lo, hi, prec, at_one
        self.X = flint.arb(lo).union(flint.arb(hi))
        self.memo: dict[int, Any] = {}
        self.be = _ArbBackend(1)
        self.consts = _Walker(self.be, None)

    def descend(self, e: sympy.Basic) -> bool:
        if _known(e):
            return False
        if e.is_Mul and self.lo == 0 and self._removable_factor(e) is not None:
            return False
        return e.is_Add or e.is_Mul or e.is_Pow or (isinstance(e, sympy.Function) and type(e) in _FUNCS)

    def point(self, e: sympy.Basic, x: Any) -> Any:
        """Ball of e at the point x (< 1), with strict conditions."""
        try:
            is_series, v = _Walker(_ArbBackend(1), c, flint.arb(x))(e)
        except (NotAnalyticError, DivergentSeriesError, _NeedTerms):
            raise _Singular(x) from None
        except HermiteRevError as exc:
            if "not real" in str(exc):
                raise _Singular(x) from None
            raise
        return coeff0(v) if is_series else v

    def _eval(self, e: sympy.Basic) -> _Enc:
        if e.is_Symbol and e == c:
            return _Enc(self.X, 1)
        if _known(e):
            lo_v = self.point(e, self.lo)
            hi_v = self.at_one[id(e)][1] if self.hi == 1 else self.point(e, self.hi)
            if not (lo_v.is_finite() and hi_v.is_finite()):
                raise _Undecided
            return _Enc(lo_v.union(hi_v), 1)
        if not e.args:
            return _Enc(self.consts.scalar(e), None)
        if e.is_Mul and self.lo == 0 and self._removable_factor(e) is not None:
            return self._removable(e)
        if not self.descend(e):
            raise _Singular(self.lo)
        parts = [self(a) for a in e.args]
        if all(p.mono is None for p in parts):
            return _Enc(self.consts.scalar(e), None)
        if e.is_Add:
            ball = parts[0].ball
            for p in parts[1:]:
                ball = ball + p.ball
            monos = {p.mono for p in parts if p.mono is not None}
            mono = monos.pop() if len(monos) == 1 else 0
            return _Enc(ball, mono)
        if e.is_Mul:
            return self._mul(e, parts)
        if e.is_Pow:
            return self._pow(e)
        name = _FUNCS[type(e)]
        a = parts[0]
        B = a.ball
        if name in ("asin", "acos"):
            lo_end, hi_end = self._bounded(e.args[0], a, -1, 1)
            ends = [getattr(flint.arb(x), name)() for x in (lo_end, hi_end)]
            value = ends[0].union(ends[1])
            if not value.is_finite():
                raise _Undecided
            return _Enc(value, a.mono * _INCREASING[name] if a.mono else 0)
        if name == "atanh":
            if not (B > -1 and B < 1):
                raise _Undecided
        elif name == "log":
            if not B > 0:
                raise _Undecided
        elif name == "tan":
            if B.cos().contains(0):
                raise _Undecided
        value = self.be.sfunc(name, B)
        if not value.is_finite():
            raise _Undecided
        mono = 0
        if name in _INCREASING and a.mono:
            mono = a.mono * _INCREASING[name]
        elif name == "cosh" and a.mono:
            mono = a.mono if B >= 0 else (-a.mono if B <= 0 else 0)
        return _Enc(value, mono)

    # -- removable singularities at c = 0: P / D^k with D(0) = 0 --------------------------------
    def _removable_factor(self, e: sympy.Basic) -> Any:
        hits = [
            f
            for f in e.args
            if f.is_Pow
            and f.exp.is_Integer
            and f.exp < 0
            and f.base.has(c)
            and _substitute(f.base, sympy.Integer(0)) == 0
        ]
        return hits[0] if len(hits) == 1 else None

    def _removable(self, e: sympy.Basic) -> _Enc:
        f = self._removable_factor(e)
        D, k = f.base, -int(f.exp)
        others = [a for a in e.args if a is not f]
        P = sympy.Mul(*others, evaluate=False) if len(others) > 1 else (others[0] if others else sympy.Integer(1))
        m = _valuation(D)
        if _valuation(P) < k * m:
            raise _Singular(self.lo)
        try:
            with _flint_ctx(self.prec, 1):
                WD = _eval_arb(D, m + 1, self.prec, point=self.X)[m]
                WP = _eval_arb(P, k * m + 1, self.prec, point=self.X)[k * m]
        except (HermiteRevError, _NeedTerms):
            raise _Undecided from None
        if WD.contains(0) or not (WD.is_finite() and WP.is_finite()):
            raise _Undecided
        return _Enc(WP / WD**k, 0)

    def _bounded(self, node: sympy.Basic, a: _Enc, low: Any, high: Any) -> tuple[Any, Any]:
        """Argument ball of asin/acos, allowed to touch -1 or 1 only at c = 1 (monotonically)."""
        B = a.ball
        if B > low and B < high:
            return B.lower(), B.upper()
        if self.hi != 1 or not a.mono:
            raise _Undecided
        v1 = self.at_one[id(node)][0]
        ok_high = B < high or (v1 == high and a.mono == 1)
        ok_low = B > low or (v1 == low and a.mono == -1)
        if not (ok_high and ok_low):
            raise _Undecided
        lo_end = B.lower() if B > low else flint.arb(low)
        hi_end = B.upper() if B < high else flint.arb(high)
        return lo_end, hi_end

    def _mul(self, e: sympy.Basic, parts: Sequence[_Enc]) -> _Enc:
        ball = parts[0].ball
        for p in parts[1:]:
            ball = ball * p.ball
        varying = [p for p in parts if p.mono is not None]
        consts = [p for p in parts if p.mono is None]
        mono = None if not varying else 0
        if len(varying) == 1:
            s = flint.arb(1)
            for p in consts:
                s = s * p.ball
            if s > 0:
                mono = varying[0].mono
            elif s < 0:
                mono = -varying[0].mono
        elif varying and all(p.ball > 0 for p in parts):
            monos = {p.mono for p in varying}
            mono = monos.pop() if len(monos) == 1 else 0
        return _Enc(ball, mono)

    def _pow(self, e: sympy.Basic) -> _Enc:
        base, expo = e.args
        if expo.has(c):
            return self(sympy.exp(expo * sympy.log(base), evaluate=False))
        a = self(base)
        B = a.ball
        if expo.is_Integer:
            m = int(expo)
            if m < 0 and B.contains(0):
                raise _Undecided
            value = B**m
            mono = a.mono
            if mono:
                if m < 0:
                    mono = -mono if (m == -1 and (B > 0 or B < 0)) else 0
                elif B >= 0:
                    mono = mono
                elif B <= 0:
                    mono = mono if m % 2 else -mono
                else:
                    mono = 0
            return _Enc(value, mono)
        if B > 0:
            value = self.be.spow(B, expo)
        else:
            # may reach 0 only at c = 1, decreasingly, with a positive exponent (continuous there)
            if self.hi != 1 or a.mono != -1 or not expo.is_positive:
                raise _Undecided
            if self.at_one[id(base)][0] != 0:
                raise _Undecided
            upper = B.upper()
            if not upper > 0:
                raise _Undecided
            value = flint.arb(0).union(self.be.spow(flint.arb(upper), expo))
        mono = a.mono if a.mono is None or expo.is_positive else -a.mono
        return _Enc(value, mono)


def _values_at_one(expr: sympy.Expr, prec: int) -> dict[int, tuple[sympy.Expr, flint.arb]]:
    """Exact value at c = 1 (sympy) and its ball, for every distinct node of ``expr``."""
    from ._validate import _postorder

    out = {}
    new: dict[int, Any] = {}
    with _flint_ctx(prec, 1):
        consts = _Walker(_ArbBackend(1), None)
        for e in _postorder(expr):
            if e.is_Symbol and e == c:
                v = sympy.Integer(1)
            elif not e.args:
                v = e
            else:
                args = tuple(new[id(a)] for a in e.args)
                v = e if all(x is a for x, a in zip(args, e.args)) else e.func(*args)
            new[id(e)] = v
            if v.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan):
                ball = flint.arb("nan")
            else:
                try:
                    ball = consts.scalar(v)
                except (HermiteRevError, _Undecided):
                    ball = flint.arb("nan")
            out[id(e)] = (v, ball)
    return out


def certify_convergence(expr: sympy.Expr, *, max_intervals: int = 4000) -> str:
    """Prove that the Taylor series of ``expr`` at 0 converges at c = 1 to ``expr(1)``, or raise.

    Assumes what the tail bound is for: every Taylor coefficient is non-negative (a kernel on all
    spheres, Schoenberg).  Then the radius of convergence R is a singular point of the sum
    (Pringsheim), so if ``expr`` is real-analytic at every point of [0, 1) then R >= 1 and the
    series equals ``expr`` on [0, 1); by monotone convergence its sum at 1 is the limit of
    ``expr`` at 1 from the left, which is ``expr(1)`` when ``expr`` is continuous there.  Both are
    proven by ball arithmetic on a covering of [0, 1] by intervals (bisected where undecided), see
    :class:`_IntervalWalker`.

    Raises
    ------
    DivergentSeriesError
        A domain condition fails at a point of [0, 1) (a pole or branch point before c = 1).
    HermiteRevError
        The covering could not be completed within ``max_intervals`` intervals.
    """
    if _known(expr):
        return "kernel by construction"
    prec = 128
    at_one = _values_at_one(expr, prec)
    todo = [(mpmath.mpf(k) / 8, mpmath.mpf(k + 1) / 8) for k in range(8)]
    done = 0
    while todo:
        lo, hi = todo.pop()
        done += 1
        if done > max_intervals:
            raise HermiteRevError(
                f"could not prove that the series of {short(expr)} converges at c = 1 (no certificate after "
                f"{max_intervals} intervals; stuck near c = {mpmath.nstr(lo, 8)}): its tail bound is not available"
            )
        try:
            with _flint_ctx(prec, 1):
                _IntervalWalker(_arb_of_mpf(lo), _arb_of_mpf(hi) if hi < 1 else 1, prec, at_one)(expr)
        except _Singular as bad:
            raise _divergent(expr, f"c = {_show(bad.args[0])}") from None
        except (_Undecided, ZeroDivisionError, ValueError):
            if hi - lo < mpmath.mpf(2) ** -40 and hi < 1:
                _probe(expr, lo, hi)
            if hi - lo < mpmath.mpf(2) ** -60:
                raise HermiteRevError(
                    f"could not prove that {short(expr)} is analytic near c = {mpmath.nstr(lo, 12)} (interval of "
                    f"width 2^-60 undecided): its tail bound is not available"
                ) from None
            mid = (lo + hi) / 2
            todo.extend([(lo, mid), (mid, hi)])
    return f"{done} intervals"


def _show(x: Any) -> str:
    return x.str(15, radius=False) if isinstance(x, flint.arb) else mpmath.nstr(x, 15)


def _arb_of_mpf(x: mpmath.mpf) -> flint.arb:
    man, exp = mpmath.mpf(x).man_exp
    return flint.arb(int(man)) * flint.arb(2) ** int(exp) if man else flint.arb(0)


def _probe(expr: sympy.Expr, lo: Any, hi: Any) -> None:
    """Raise DivergentSeriesError when a singularity in [lo, hi] is proven.

    A condition failing at the midpoint, or the base of a negative or non-integer power taking
    values of opposite signs at lo and hi (a zero in between, by continuity), is a proof.
    """
    from ._validate import _postorder

    where = f"c in [{mpmath.nstr(lo, 15)}, {mpmath.nstr(hi, 15)}]"
    with _flint_ctx(256, 1):
        walker = _IntervalWalker(_arb_of_mpf(lo), _arb_of_mpf(hi), 256, {})
        try:
            walker.point(expr, _arb_of_mpf((lo + hi) / 2))
        except _Singular:
            raise _divergent(expr, where) from None
        except (_Undecided, HermiteRevError):
            pass
        for e in _postorder(expr):
            if not (e.is_Pow and e.exp.is_number and not (e.exp.is_Integer and e.exp >= 0)) or _known(e.base):
                continue
            try:
                a = walker.point(e.base, _arb_of_mpf(lo))
                b = walker.point(e.base, _arb_of_mpf(hi))
            except (_Singular, _Undecided, HermiteRevError):
                continue
            if (a > 0 and b < 0) or (a < 0 and b > 0):
                raise _divergent(expr, where)


def _divergent(expr: sympy.Expr, where: object) -> DivergentSeriesError:
    return DivergentSeriesError(
        f"{short(expr)} has a singularity at {where} (a pole or branch point before c = 1): its Taylor series "
        f"at 0 (non-negative coefficients) diverges there (Pringsheim), so it has no tail bound"
    )


def _valuation(D: sympy.Expr, terms: int = 12) -> int:
    """Order of the zero of ``D`` at c = 0 (leading zeros proven exactly), or refuse."""
    prover = _ZeroProver()
    balls = _eval_arb(D, terms, 128, prover=prover)
    for k, x in enumerate(balls):
        if x.is_zero() or (x.contains(0) and prover(D, k)):
            continue
        if x.contains(0):
            raise _Undecided
        return k
    raise _Undecided
