"""The series engine: a kernel's expression DAG walked bottom-up in truncated power series.

Place: the first module of the series stage; imports only :mod:`hermite_rev._core`.

Index
-----
ArbBackend, _ListBackend   series arithmetic over python-flint balls, or over a field (exact
                           sympy numbers, plain mpmath numbers: the test oracle)
Walker                     the memoised DAG walk (each distinct node once, no recursion), with
                           Laurent valuations for removable singularities
Undecided                  raised where a sign cannot be decided at the working precision
_taylor_arb                the coefficients as balls, at rising precision until each is proven
evaluate_at                a rigorous value of an expression at a point
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import flint
import mpmath
import sympy

from .._core import powerseries as ps
from .._core.errors import DivergentSeriesError, HermiteRevError, NotAnalyticError
from .._core.exprs import FUNCTION_NAMES, c, postorder
from .._core.precision import abs_lower, coeff0, flint_ctx, rad, rel_bits, to_mpf
from .._core.text import short
from .._core.validate import as_expr, as_number, check_dps, public

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._core.typing import KernelLike, RealLike


_LOG2_10 = math.log2(10)


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


class Undecided(Exception):
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


class ArbBackend:
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
        return Walker(self, None).scalar(alpha)

    def const0(self, s: flint.arb_series) -> flint.arb:
        return coeff0(s)

    def sign(self, x: flint.arb) -> int | None:
        if x.is_zero():
            return 0
        if not x.is_finite():
            raise Undecided
        if x > 0:
            return 1
        if x < 0:
            return -1
        raise Undecided

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
    """Dense coefficient lists over a field from :mod:`hermite_rev._core.powerseries`."""

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
            raise Undecided
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


class Walker(ps.MemoWalker):
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
            or (isinstance(e, sympy.Function) and type(e) in FUNCTION_NAMES and len(e.args) == 1)
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
                    raise Undecided
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
        if isinstance(e, sympy.Function) and type(e) in FUNCTION_NAMES and len(e.args) == 1:
            name = FUNCTION_NAMES[type(e)]
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
                walker = Walker(_ListBackend(N, F), self.var)
                is_series, a = walker.value(node)
            except _NeedTerms as more:
                N += more.extra
                continue
            except (_Timeout, Undecided, HermiteRevError):
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
        with flint_ctx(prec, N):
            backend = ArbBackend(N)
            try:
                is_series, value = Walker(backend, var, point, prove_zero=prover, want=n)(expr)
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
    scale = max((abs_lower(x) for x in coeffs), default=mpmath.mpf(0))
    short_bits = 0
    for x in coeffs:
        bits = rel_bits(x)
        if bits == math.inf:
            continue
        if bits == -math.inf:
            if not x.is_finite():
                return None
            r = rad(x)
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
        except Undecided:
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


def _substitute(expr: sympy.Expr, point: Any) -> sympy.Expr:
    """``expr`` with c = point, rebuilt bottom-up with evaluation (each distinct node once)."""

    new: dict[int, Any] = {}
    for e in postorder(expr):
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
    dps = check_dps(dps)
    point = as_number(point, "point")
    const = _substitute(expr, point)
    if const.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan):
        raise DivergentSeriesError(f"{short(expr)} is infinite at c = {point}")
    need = _required_bits(dps)
    prec = need + 32
    for _ in range(8):
        try:
            with flint_ctx(prec, 1):
                value = Walker(ArbBackend(1), None).scalar(const)
        except Undecided:
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
            value.is_exact() or (value.contains(0) and rad(value) < mpmath.mpf(2) ** -need) or rel_bits(value) >= need
        ):
            with mpmath.workdps(dps):
                return to_mpf(value), rad(value)
        prec *= 2
    raise HermiteRevError(
        f"could not evaluate {short(expr)} at c = {point} to {dps} digits "
        f"(the value is on the boundary of a function's domain)"
    )
