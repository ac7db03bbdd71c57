"""The tail bound: what truncating a kernel's Taylor series drops, and its certificate.

Place: series stage, above :mod:`._walk` (uses its engine and ``evaluate_at``); imports only
:mod:`hermite_rev._core` and ``._walk``.

Index
-----
Tail                  ``K(1) - sum_{k<n} a_k`` with its bound (rigorous when certified)
tail_bound            the Tail of a coefficient list
certify_convergence   Pringsheim's certificate that the series converges at c = 1 (an interval
                      walk of the expression on [0, 1])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flint
import mpmath
import sympy

from .._core import powerseries as ps
from .._core.errors import DivergentSeriesError, HermiteRevError, NotAnalyticError
from .._core.exprs import FUNCTION_NAMES, c, postorder
from .._core.precision import coeff0, flint_ctx, to_mpf
from .._core.registry import is_known_kernel
from .._core.text import REPR_LIMIT, format_bound, format_value, short
from .._core.validate import as_expr, public
from ._cauchy import cauchy_tail
from ._sign import sign_certificate
from ._walk import (
    _LOG2_10,
    ArbBackend,
    Undecided,
    Walker,
    _eval_arb,
    _NeedTerms,
    _substitute,
    _ZeroProver,
    evaluate_at,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._taylor import TaylorCoeffs


@dataclass(frozen=True)
class Tail:
    """Bound on what truncation drops: ``K(1) - sum_{k<n} a_k``.

    For a kernel with non-negative coefficients this is the largest error of the truncated
    series on [-1, 1]; for a polynomial the bound is ``sum_{k>=n} |a_k|`` whatever the signs.
    ``bound`` is an upper bound, ``estimate`` the midpoint value of ``K(1) - sum_{k<n} a_k``,
    ``k1`` the value K(1).  ``rigorous`` is True only when the bound is proven: the coefficients
    are proven, every coefficient beyond ``n`` is proven non-negative (``sign``: how) and the
    series is proven to converge at c = 1.  Otherwise ``sign`` says what was checked and what is
    assumed; ``negative`` is a coefficient ``(k, a_k)`` proven negative, if one was seen.
    ``method`` says how a rigorous bound is proven: ``"pringsheim"`` (signs proven, convergence at
    c = 1 certified), ``"polynomial"`` or ``"cauchy r=R"`` (K proven analytic on |c| <= R > 1:
    sign-free, ``sup |K - K_n| <= sum_{n<=k<N} |a_k| + M R^-N / (1 - 1/R)``, where the bound can
    exceed ``estimate``).
    """

    bound: mpmath.mpf
    estimate: mpmath.mpf
    k1: mpmath.mpf
    rigorous: bool
    sign: str = ""
    negative: tuple[int, Any] | None = None
    method: str = ""

    def __float__(self) -> float:
        return float(self.bound)

    def __repr__(self) -> str:
        tag = "" if self.rigorous else ", not rigorous" + (f": {self.sign}" if self.sign else "")
        if self.rigorous and self.method.startswith("cauchy"):
            tag = f", {self.method}" + (f": {self.sign}" if self.negative else "")
        return short(
            f"Tail(<= {format_bound(self.bound, 5)}{tag}; K(1) = {format_value(self.k1, digits=12)})", REPR_LIMIT
        )


# --------------------------------------------------------------------------------------------
# the tail bound and its certificate
# --------------------------------------------------------------------------------------------


#: how far beyond n the signs of an unproven target's coefficients are checked
SIGN_CHECK_EXTRA = 32


@public
def tail_bound(tc: TaylorCoeffs, *, convergence: str | None = None) -> Tail:
    """The Tail of ``tc``: ``K(1) - sum_{k<n} a_k`` with a bound, rigorous only when proven.

    The bound bounds ``sup |K - K_n|`` on [-1, 1] when every coefficient beyond n is non-negative:
    that is proven (:func:`sign_certificate`: polynomials, kernels by construction, Schoenberg's
    closure rules; ``method="pringsheim"``).  Where it is not, and K is proven analytic on a disk
    |c| <= r with r > 1, the sign-free Cauchy bound ``sum_{n<=k<N} |a_k| + M r^-N / (1 - 1/r)``
    holds instead (``method="cauchy r=..."``, :func:`hermite_rev.series._cauchy.cauchy_tail`),
    also for a target with negative coefficients (``negative`` still names one: no kernel).
    Otherwise the Tail says that non-negativity is assumed (``rigorous=False``) after checking
    the next ``SIGN_CHECK_EXTRA + n`` coefficients.  A polynomial's bound is ``sum_{k>=n} |a_k|``,
    exact whatever the signs.

    ``convergence``: a proof, given by the caller, that the series converges at c = 1 to K(1) (e.g.
    a re-expansion of a kernel whose own series is certified); :func:`certify_convergence` is
    then not run.  The signs are proven or checked all the same.
    """
    dps = tc.dps or 30
    expr = tc._work_expr
    n = len(tc)
    k1, k1_err = evaluate_at(expr, 1, dps + 10)
    with mpmath.workdps(dps + 10):
        values = [_exact_to_mpf(a, dps + 10) for a in tc] if tc.exact else list(tc)
        partial = mpmath.fsum(values)
        coeff_err = mpmath.fsum(tc.errors)
        err = k1_err + coeff_err + (abs(k1) + abs(partial)) * mpmath.mpf(2) ** (-mpmath.mp.prec + 2)
        if tc.exact:
            err += len(values) * max((abs(v) for v in values), default=0) * mpmath.mpf(2) ** (-mpmath.mp.prec + 2)
        estimate = k1 - partial
        bound = estimate + err
        seen = [(k, a) for k, (a, e) in enumerate(zip(values, tc.errors)) if a < -e]
    upto = n + max(n, SIGN_CHECK_EXTRA)

    def cauchy(balls: Sequence[flint.arb] | None) -> tuple[mpmath.mpf, str] | None:
        got = cauchy_tail(expr, n, balls) if balls is not None else None
        if got is None:
            return None
        total, disk = got
        with mpmath.workdps(dps + 10):
            b = mpmath.fadd(total, coeff_err, rounding="u")
        return b, f"cauchy r={disk.r:g}"

    if seen:
        # not a kernel: K(1) - partial sum is only a number, not what truncation drops
        k, a = seen[0]
        sign = f"a_{k} < 0"
        got = cauchy(_coefficient_balls(expr, upto))
        if got is None:
            return Tail(bound=bound, estimate=estimate, k1=k1, rigorous=False, sign=sign, negative=(k, a))
        return Tail(got[0], estimate, k1, tc.rigorous, sign + ": not a kernel", (k, a), got[1])
    cert = sign_certificate(expr)
    if cert.degree is not None:  # a polynomial: what truncation drops is known exactly
        rest = sympy.Poly(expr, c).all_coeffs()[::-1][n:]
        with mpmath.workdps(dps + 10):
            drop = mpmath.fsum(_upper(abs(a), dps + 20) for a in rest)
            bound = max(bound, drop + err)
        negative = cert.negative
        sign = "polynomial: the bound is the sum of |a_k| beyond n" + (
            f" (a_{negative[0]} = {short(negative[1], 40)} < 0: not a kernel)" if negative else ""
        )
        return Tail(bound, estimate, k1, tc.rigorous, sign, negative, "polynomial")
    negative = None
    if not cert.proven:
        balls = _coefficient_balls(expr, upto)
        negative = _first_negative(balls, n)
        got = cauchy(balls)
        if got is not None:
            if negative is not None:
                sign = f"a_{negative[0]} = {mpmath.nstr(negative[1], 5)} < 0 beyond the {n} computed: not a kernel"
            else:
                sign = f"signs not proven (none negative up to k = {upto - 1}); the bound needs none"
            return Tail(got[0], estimate, k1, tc.rigorous, sign, negative, got[1])
    if bound < 0:
        raise DivergentSeriesError(
            f"the first {len(tc)} Taylor coefficients of {short(tc.expr)} are non-negative and sum to more than "
            f"K(1) = {mpmath.nstr(k1, 10)} (by {mpmath.nstr(-estimate, 5)}): its series diverges at c = 1 "
            f"or has negative coefficients beyond those computed"
        )
    if not cert.proven and negative is not None:
        k, a = negative
        sign = f"a_{k} = {mpmath.nstr(a, 5)} < 0 beyond the {n} computed: not a kernel"
        return Tail(bound=bound, estimate=estimate, k1=k1, rigorous=False, sign=sign, negative=negative)
    if convergence is None:
        certify_convergence(expr)
    if not cert.proven:
        sign = f"no negative coefficient up to k = {upto - 1}; non-negativity beyond is assumed, not proven"
        return Tail(bound=bound, estimate=estimate, k1=k1, rigorous=False, sign=sign)
    return Tail(bound, estimate, k1, tc.rigorous, cert.reason, None, "pringsheim")


def _upper(a: sympy.Expr, dps: int) -> mpmath.mpf:
    """An upper bound of the exact non-negative number ``a`` as an mpmath number."""
    if a.is_Rational:
        return mpmath.fdiv(int(a.p), int(a.q), rounding="u")
    v, r = evaluate_at(a, 0, dps)
    return v + r


def _coefficient_balls(expr: sympy.Expr, upto: int) -> list[flint.arb] | None:
    """Proven balls of a_0 .. a_{upto-1}, at rising precision until every one away from 0 is
    separated from it (or exact); None if they cannot be computed."""
    prec, balls = 128, None
    for _ in range(4):
        try:
            with flint_ctx(prec, upto):
                balls = _eval_arb(expr, upto, prec)
        except (Undecided, HermiteRevError, ZeroDivisionError, ValueError):
            prec *= 2
            continue
        if all(b.is_finite() for b in balls) and all(
            not b.contains(0) or b.is_exact() or b.rad() < 2.0**-60 for b in balls
        ):
            return balls
        prec *= 2
    return balls if balls is not None and all(b.is_finite() for b in balls) else None


def _first_negative(balls: Sequence[flint.arb] | None, n: int) -> tuple[int, mpmath.mpf] | None:
    """The first coefficient a_k, k >= n, proven negative by its ball (None if none)."""
    for k in range(n, len(balls or ())):
        assert balls is not None
        if balls[k] < 0:
            return k, to_mpf(balls[k])
    return None


def _exact_to_mpf(a: sympy.Expr, dps: int) -> mpmath.mpf:
    with flint_ctx(int(dps * _LOG2_10) + 64, 1):
        ball = Walker(ArbBackend(1), None).scalar(sympy.sympify(a))
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
    enclosure is [K(lo), K(hi)] from two point values.  Raises :class:`Undecided` when the interval
    must be split and :class:`_Singular` when a condition provably fails.
    """

    def __init__(self, lo: Any, hi: Any, prec: int, at_one: Any) -> None:
        self.lo, self.hi, self.prec, self.at_one = lo, hi, prec, at_one
        self.X = flint.arb(lo).union(flint.arb(hi))
        self.memo: dict[int, Any] = {}
        self.be = ArbBackend(1)
        self.consts = Walker(self.be, None)

    def descend(self, e: sympy.Basic) -> bool:
        if is_known_kernel(e):
            return False
        if e.is_Mul and self.lo == 0 and self._removable_factor(e) is not None:
            return False
        return e.is_Add or e.is_Mul or e.is_Pow or (isinstance(e, sympy.Function) and type(e) in FUNCTION_NAMES)

    def point(self, e: sympy.Basic, x: Any) -> Any:
        """Ball of e at the point x (< 1), with strict conditions."""
        try:
            is_series, v = Walker(ArbBackend(1), c, flint.arb(x))(e)
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
        if is_known_kernel(e):
            lo_v = self.point(e, self.lo)
            hi_v = self.at_one[id(e)][1] if self.hi == 1 else self.point(e, self.hi)
            if not (lo_v.is_finite() and hi_v.is_finite()):
                raise Undecided
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
        name = FUNCTION_NAMES[type(e)]
        a = parts[0]
        B = a.ball
        if name in ("asin", "acos"):
            lo_end, hi_end = self._bounded(e.args[0], a, -1, 1)
            ends = [getattr(flint.arb(x), name)() for x in (lo_end, hi_end)]
            value = ends[0].union(ends[1])
            if not value.is_finite():
                raise Undecided
            return _Enc(value, a.mono * _INCREASING[name] if a.mono else 0)
        if name == "atanh":
            if not (B > -1 and B < 1):
                raise Undecided
        elif name == "log":
            if not B > 0:
                raise Undecided
        elif name == "tan":
            if B.cos().contains(0):
                raise Undecided
        value = self.be.sfunc(name, B)
        if not value.is_finite():
            raise Undecided
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
            with flint_ctx(self.prec, 1):
                WD = _eval_arb(D, m + 1, self.prec, point=self.X)[m]
                WP = _eval_arb(P, k * m + 1, self.prec, point=self.X)[k * m]
        except (HermiteRevError, _NeedTerms):
            raise Undecided from None
        if WD.contains(0) or not (WD.is_finite() and WP.is_finite()):
            raise Undecided
        return _Enc(WP / WD**k, 0)

    def _bounded(self, node: sympy.Basic, a: _Enc, low: Any, high: Any) -> tuple[Any, Any]:
        """Argument ball of asin/acos, allowed to touch -1 or 1 only at c = 1 (monotonically)."""
        B = a.ball
        if B > low and B < high:
            return B.lower(), B.upper()
        if self.hi != 1 or not a.mono:
            raise Undecided
        v1 = self.at_one[id(node)][0]
        ok_high = B < high or (v1 == high and a.mono == 1)
        ok_low = B > low or (v1 == low and a.mono == -1)
        if not (ok_high and ok_low):
            raise Undecided
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
                raise Undecided
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
                raise Undecided
            if self.at_one[id(base)][0] != 0:
                raise Undecided
            upper = B.upper()
            if not upper > 0:
                raise Undecided
            value = flint.arb(0).union(self.be.spow(flint.arb(upper), expo))
        mono = a.mono if a.mono is None or expo.is_positive else -a.mono
        return _Enc(value, mono)


def _values_at_one(expr: sympy.Expr, prec: int) -> dict[int, tuple[sympy.Expr, flint.arb]]:
    """Exact value at c = 1 (sympy) and its ball, for every distinct node of ``expr``."""

    out = {}
    new: dict[int, Any] = {}
    with flint_ctx(prec, 1):
        consts = Walker(ArbBackend(1), None)
        for e in postorder(expr):
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
                except (HermiteRevError, Undecided):
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
    if not isinstance(expr, sympy.Expr):
        expr = as_expr(expr, c, name="expr")
    if _converges_by_construction(expr):
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
            with flint_ctx(prec, 1):
                _IntervalWalker(_arb_of_mpf(lo), _arb_of_mpf(hi) if hi < 1 else 1, prec, at_one)(expr)
        except _Singular as bad:
            raise _divergent(expr, f"c = {_show(bad.args[0])}") from None
        except (Undecided, ZeroDivisionError, ValueError):
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


def _converges_by_construction(expr: sympy.Expr) -> bool:
    """True when ``expr`` is built from kernels known by construction, ``c`` and non-negative
    constants by sums, products and non-negative integer powers.  Each piece's series has
    non-negative coefficients and converges at c = 1 to its value there, and so do sums and
    (Cauchy) products of such series: ``2*relu_ntk(4)`` needs no interval covering, which
    cannot decide the arc-cosine's branch point at c = 1."""
    if expr == c or is_known_kernel(expr):
        return True
    if expr.is_number:
        return bool(expr.is_extended_nonnegative) and bool(expr.is_finite)
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        return all(_converges_by_construction(a) for a in expr.args)
    if isinstance(expr, sympy.Pow):
        e = expr.exp
        return bool(e.is_Integer and e >= 0) and _converges_by_construction(expr.base)
    return False


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

    where = f"c in [{mpmath.nstr(lo, 15)}, {mpmath.nstr(hi, 15)}]"
    with flint_ctx(256, 1):
        walker = _IntervalWalker(_arb_of_mpf(lo), _arb_of_mpf(hi), 256, {})
        try:
            walker.point(expr, _arb_of_mpf((lo + hi) / 2))
        except _Singular:
            raise _divergent(expr, where) from None
        except (Undecided, HermiteRevError):
            pass
        for e in postorder(expr):
            if not (e.is_Pow and e.exp.is_number and not (e.exp.is_Integer and e.exp >= 0)) or is_known_kernel(e.base):
                continue
            try:
                a = walker.point(e.base, _arb_of_mpf(lo))
                b = walker.point(e.base, _arb_of_mpf(hi))
            except (_Singular, Undecided, HermiteRevError):
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
            raise Undecided
        return k
    raise Undecided
