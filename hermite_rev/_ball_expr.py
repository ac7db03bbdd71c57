r"""Activation expressions compiled to ball arithmetic, their proven ranges and growth envelopes.

Index
-----
BallProgram       phi compiled to python-flint balls: real balls (a fixed branch at every kink, or
                  the enclosure over all branches), complex boxes (NaN unless analytic: poles and
                  branch cuts are caught), and (value, derivative) pairs; the kinks and the branch
                  each one takes at a point
ball_program      the cached BallProgram of an expression at a precision
constant          a constant sympy expression as a ball
ipow              integer powers of balls (python-flint's ``**`` is NaN on balls that contain 0)
Envelope          a proven bound :math:`|\phi(z)| \le \sum_i c_i |z|^{p_i} e^{a_i |z|}` (a value)
growth_envelope   that bound read off the expression tree
round_up, upper_float   float bookkeeping of upper bounds
BallRefusal       the one-line :class:`HermiteRevError` raised when no proof can be built

A kink is a node that is not analytic: Max, Min, Abs, sign, Heaviside, Piecewise.  Between the
zeros of its arguments (a Piecewise: of the differences in its conditions) it is one of its
branches, an analytic expression; :mod:`hermite_rev._hermite_balls` isolates those zeros and
fixes the branches.  Every function the parser accepts is supported.

Place: hermite stage, below :mod:`hermite_rev._hermite_balls` (its only user); imports only
:mod:`hermite_rev._core`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import flint
import sympy
from flint import acb, arb

from ._core.errors import HermiteRevError
from ._core.exprs import FUNCTION_NAMES, z
from ._core.precision import acb_analytic, flint_ctx
from ._core.text import short

__all__ = [
    "BallProgram",
    "ball_program",
    "constant",
    "ipow",
    "Envelope",
    "growth_envelope",
    "round_up",
    "upper_float",
    "BallRefusal",
]


class BallRefusal(HermiteRevError):
    """No proof of the Hermite coefficients could be built (the message says why)."""


class _Unsupported(Exception):
    pass


def _nan() -> arb:
    return arb.nan()


def ipow(x: Any, m: int) -> Any:
    """x^m for an integer m by repeated multiplication (python-flint's ``**`` gives NaN on a
    ball that contains 0)."""
    if m < 0:
        return 1 / ipow(x, -m)
    out, base = None, x
    while m:
        if m & 1:
            out = base if out is None else out * base
        m >>= 1
        if m:
            base = base * base
    return out if out is not None else x * 0 + 1


# --------------------------------------------------------------------------------------------
# the expression compiled to ball arithmetic
# --------------------------------------------------------------------------------------------


def _dual_add(u: tuple, v: tuple) -> tuple:
    return (u[0] + v[0], u[1] + v[1])


def _dual_mul(u: tuple, v: tuple) -> tuple:
    return (u[0] * v[0], u[0] * v[1] + u[1] * v[0])


def _dual_fn(name: str) -> Callable[[tuple], tuple]:
    """f and f' of a unary function on a (value, derivative) pair of arb balls."""

    def d(v: arb) -> arb:  # f'(v)
        if name == "exp":
            return v.exp()
        if name == "log":
            return 1 / v
        if name == "sin":
            return v.cos()
        if name == "cos":
            return -v.sin()
        if name == "tan":
            return 1 + v.tan() * v.tan()
        if name == "sinh":
            return v.cosh()
        if name == "cosh":
            return v.sinh()
        if name == "tanh":
            return 1 - v.tanh() * v.tanh()
        if name in ("asin", "acos"):
            r = 1 / (1 - v * v).sqrt()
            return r if name == "asin" else -r
        if name == "atan":
            return 1 / (1 + v * v)
        if name == "asinh":
            return 1 / (1 + v * v).sqrt()
        if name == "atanh":
            return 1 / (1 - v * v)
        g = 2 / arb.pi().sqrt() * (-v * v).exp()
        return g if name == "erf" else -g

    f = getattr(arb, name)
    return lambda u: (f(u[0]), d(u[0]) * u[1])


_KINKS = (sympy.Abs, sympy.sign, sympy.Heaviside, sympy.Max, sympy.Min, sympy.Piecewise)


@dataclass
class _Kink:
    """A non-analytic node: its branches (analytic alternatives) and the arguments whose sign picks one."""

    node: sympy.Basic
    branches: list  # sympy expressions
    args: list  # sympy expressions whose zeros are the breakpoints
    kind: str


def _kink(node: sympy.Basic) -> _Kink:
    a = node.args
    if isinstance(node, sympy.Abs):
        return _Kink(node, [a[0], -a[0]], [a[0]], "abs")
    if isinstance(node, sympy.sign):
        return _Kink(node, [sympy.Integer(1), sympy.Integer(-1)], [a[0]], "sign")
    if isinstance(node, sympy.Heaviside):
        return _Kink(node, [sympy.Integer(1), sympy.Integer(0)], [a[0]], "heaviside")
    if isinstance(node, (sympy.Max, sympy.Min)):
        diffs = [a[i] - a[j] for i in range(len(a)) for j in range(i + 1, len(a))]
        return _Kink(node, list(a), diffs, "max" if isinstance(node, sympy.Max) else "min")
    atoms: list = []
    for _, cond in node.args:
        for rel in _relationals(cond):
            if (rel.lhs - rel.rhs).has(z):
                atoms.append(rel.lhs - rel.rhs)
    return _Kink(node, [e for e, _ in node.args], atoms, "piecewise")


def _relationals(cond: Any) -> list:
    if cond in (sympy.true, sympy.false):
        return []
    if isinstance(cond, (sympy.StrictLessThan, sympy.LessThan, sympy.StrictGreaterThan, sympy.GreaterThan)):
        return [cond]
    if isinstance(cond, (sympy.And, sympy.Or, sympy.Not)):
        return [r for c in cond.args for r in _relationals(c)]
    raise _Unsupported(f"condition {short(cond, 60)}")


def _truth(cond: Any, val: Callable[[Any], arb]) -> bool | None:
    """The truth of a Piecewise condition from the signs of its relationals (None: undecided)."""
    if cond == sympy.true:
        return True
    if cond == sympy.false:
        return False
    if isinstance(cond, sympy.Not):
        t = _truth(cond.args[0], val)
        return None if t is None else not t
    if isinstance(cond, (sympy.And, sympy.Or)):
        ts = [_truth(c, val) for c in cond.args]
        want = isinstance(cond, sympy.Or)
        if want in ts:
            return want
        return None if None in ts else not want
    d = val(cond)
    if d > 0:
        return isinstance(cond, (sympy.StrictGreaterThan, sympy.GreaterThan))
    if d < 0:
        return isinstance(cond, (sympy.StrictLessThan, sympy.LessThan))
    return None


class BallProgram:
    """phi compiled to ball arithmetic at one precision (build it inside ``flint_ctx``).

    ``real(x, br)`` evaluates phi on a real ball; ``br`` fixes the branch of every kink (a
    tuple, one entry per kink), or is None for the enclosure over all branches (for gaps).
    ``box(x, br)`` evaluates the fixed-branch analytic expression on a complex box (NaN unless
    analytic there); ``dual(x, br)`` returns (value, derivative) on a real ball.
    """

    def __init__(self, expr: sympy.Expr):
        self.expr = expr
        self.kinks: list[_Kink] = []
        self._index: dict = {}
        for node in sympy.postorder_traversal(expr):
            if isinstance(node, _KINKS) and node.has(z) and node not in self._index:
                self._index[node] = len(self.kinks)
                self.kinks.append(_kink(node))
        self.real = self._build(expr, "arb")
        self.box = self._build(expr, "acb")
        self.dual = self._build(expr, "dual")
        self.args = [[(self._build(g, "arb"), self._build(g, "dual")) for g in k.args] for k in self.kinks]
        self._select = [self._selector(k) for k in self.kinks]

    def decide(self, x: arb, upto: int | None = None) -> tuple | None:
        """The branch of each kink (the first ``upto``) at the real point x; None if undecided."""
        br: list = [None] * len(self.kinks)
        for i in range(len(self.kinks) if upto is None else upto):
            choice = self._select[i](x, tuple(br))
            if choice is None:
                return None
            br[i] = choice
        return tuple(0 if b is None else b for b in br)

    def _selector(self, kink: _Kink) -> Callable:
        """(x, br) -> the index of the branch of ``kink`` at the real point x, or None."""
        if kink.kind == "piecewise":
            rel = {r: self._build(r.lhs - r.rhs, "arb") for _, c in kink.node.args for r in _relationals(c)}

            def piecewise(x: arb, br: tuple) -> int | None:
                for i, (_, cond) in enumerate(kink.node.args):
                    t = _truth(cond, lambda r: rel[r](x, br))
                    if t is None:
                        return None
                    if t:
                        return i
                raise BallRefusal(f"Piecewise {short(kink.node, 60)} is undefined at z = {x.mid().str(5)}")

            return piecewise
        if kink.kind in ("max", "min"):
            fs = [self._build(a, "arb") for a in kink.branches]
            wins = (lambda v, w: v > w) if kink.kind == "max" else (lambda v, w: v < w)

            def extreme(x: arb, br: tuple) -> int | None:
                vals = [f(x, br) for f in fs]
                for i, v in enumerate(vals):
                    if all(wins(v, w) for j, w in enumerate(vals) if j != i):
                        return i
                return None

            return extreme
        f = self._build(kink.args[0], "arb")

        def signed(x: arb, br: tuple) -> int | None:
            v = f(x, br)
            return 0 if v > 0 else (1 if v < 0 else None)

        return signed

    # -- the compiler -----------------------------------------------------------------------
    def _const(self, e: sympy.Expr) -> arb:
        return _const_ball(e)

    def _build(self, e: sympy.Expr, mode: str) -> Callable:
        if e == z:
            if mode == "dual":
                return lambda x, br: (x, arb(1))
            return lambda x, br: x
        if not e.has(z):
            c = self._const(e)
            cv = (c, arb(0)) if mode == "dual" else (acb(c) if mode == "acb" else c)
            return lambda x, br: cv
        if isinstance(e, (sympy.Add, sympy.Mul)):
            fs = [self._build(a, mode) for a in e.args]
            add = e.is_Add
            op = (_dual_add if add else _dual_mul) if mode == "dual" else None

            def nary(x: Any, br: Any) -> Any:
                v = fs[0](x, br)
                for g in fs[1:]:
                    w = g(x, br)
                    v = op(v, w) if op else (v + w if add else v * w)
                return v

            return nary
        if isinstance(e, sympy.Pow):
            return self._pow(e, mode)
        if type(e) in FUNCTION_NAMES:
            name = FUNCTION_NAMES[type(e)]
            g = self._build(e.args[0], mode)
            f = _dual_fn(name) if mode == "dual" else (acb_analytic(name) if mode == "acb" else getattr(arb, name))
            return lambda x, br: f(g(x, br))
        if isinstance(e, _KINKS):
            return self._kinked(e, mode)
        raise _Unsupported(f"function {type(e).__name__}")

    def _pow(self, e: sympy.Pow, mode: str) -> Callable:
        base, ex = e.args
        if ex.has(z):
            return self._build(sympy.exp(ex * sympy.log(base), evaluate=False), mode)
        g = self._build(base, mode)
        if ex.is_Integer:
            m = int(ex)
            if mode == "dual":
                return lambda x, br: (lambda u: (ipow(u[0], m), m * ipow(u[0], m - 1) * u[1]))(g(x, br))
            return lambda x, br: ipow(g(x, br), m)
        c = self._const(ex)
        if mode == "acb":
            ca = acb(c)
            if ex == sympy.Rational(1, 2):
                return lambda x, br: g(x, br).sqrt(analytic=True)
            return lambda x, br: g(x, br).pow(ca, analytic=True)
        if mode == "dual":

            def dpow(x: Any, br: Any) -> tuple:
                u = g(x, br)
                if not u[0] > 0:
                    return (_nan(), _nan())
                p = u[0] ** c
                return (p, c * p / u[0] * u[1])

            return dpow
        if ex == sympy.Rational(1, 2):
            return lambda x, br: g(x, br).sqrt()
        return lambda x, br: (lambda u: u**c if u >= 0 else _nan())(g(x, br))

    def _kinked(self, e: sympy.Basic, mode: str) -> Callable:
        i = self._index[e]
        kink = self.kinks[i]
        fs = [self._build(b, mode) for b in kink.branches]
        whole = self._unbranched(kink) if mode == "arb" else None

        def fixed(x: Any, br: Any) -> Any:
            if br is None or br[i] is None:
                if whole is None:
                    raise BallRefusal("internal: a branch was not fixed")  # pragma: no cover
                return whole(x, br)
            return fs[br[i]](x, br)

        return fixed

    def _unbranched(self, kink: _Kink) -> Callable:
        """The enclosure of a kink over every branch, on a real ball (for gaps)."""
        fa = [self._build(a, "arb") for a in kink.node.args if isinstance(a, sympy.Expr)]
        if kink.kind == "abs":
            return lambda x, br: abs(fa[0](x, br))
        if kink.kind == "sign":
            return lambda x, br: fa[0](x, br).sgn()
        if kink.kind == "heaviside":
            h0 = self._const(kink.node.args[1]) if len(kink.node.args) > 1 else arb(0.5)

            def heaviside(x: Any, br: Any) -> arb:
                v = fa[0](x, br)
                if v > 0:
                    return arb(1)
                if v < 0:
                    return arb(0)
                return arb(0).union(arb(1)).union(h0)

            return heaviside
        if kink.kind in ("max", "min"):
            pick = arb.max if kink.kind == "max" else arb.min

            def extreme(x: Any, br: Any) -> arb:
                v = fa[0](x, br)
                for g in fa[1:]:
                    v = pick(v, g(x, br))
                return v

            return extreme
        fb = [self._build(b, "arb") for b in kink.branches]

        def union(x: Any, br: Any) -> arb:
            v = fb[0](x, br)
            for g in fb[1:]:
                v = v.union(g(x, br))
            return v

        return union


def _const_ball(e: sympy.Expr) -> arb:
    """A constant expression (no z) as a ball at the current precision."""
    if e.is_Integer:
        return arb(int(e))
    if e.is_Rational:
        return arb(int(e.p)) / int(e.q)
    if isinstance(e, sympy.Float):
        sign, man, exp, _ = e._mpf_
        v = arb(int(man)) * arb(2) ** int(exp)
        return -v if sign else v
    if e is sympy.pi:
        return arb.pi()
    if e is sympy.E:
        return arb(1).exp()
    if isinstance(e, (sympy.Add, sympy.Mul)):
        vs = [_const_ball(x) for x in e.args]
        out = vs[0]
        for v in vs[1:]:
            out = out + v if e.is_Add else out * v
        return out
    if isinstance(e, sympy.Pow):
        base = _const_ball(e.args[0])
        ex = e.args[1]
        if ex.is_Integer:
            out = ipow(base, int(ex))
        elif ex == sympy.Rational(1, 2):
            out = base.sqrt()
        else:
            out = base ** _const_ball(ex) if base >= 0 else _nan()
    elif type(e) in FUNCTION_NAMES:
        out = getattr(arb, FUNCTION_NAMES[type(e)])(_const_ball(e.args[0]))
    elif isinstance(e, (sympy.Abs, sympy.sign, sympy.Heaviside, sympy.Max, sympy.Min)):
        vs = [_const_ball(x) for x in e.args]
        if isinstance(e, sympy.Abs):
            out = abs(vs[0])
        elif isinstance(e, sympy.sign):
            out = vs[0].sgn()
        elif isinstance(e, sympy.Heaviside):
            out = arb(1) if vs[0] > 0 else (arb(0) if vs[0] < 0 else (vs[1] if len(vs) > 1 else arb(0.5)))
        else:
            out = vs[0]
            for v in vs[1:]:
                out = arb.max(out, v) if isinstance(e, sympy.Max) else arb.min(out, v)
    else:
        raise _Unsupported(f"constant {short(e, 40)}")
    if not out.is_finite():
        raise BallRefusal(f"the constant {short(e, 60)} is not a finite real number")
    return out


@lru_cache(maxsize=64)
def ball_program(expr: sympy.Expr, prec: int) -> BallProgram:
    with flint_ctx(prec, flint.ctx.cap):
        try:
            return BallProgram(expr)
        except _Unsupported as exc:
            raise BallRefusal(f"{exc} is not supported by the ball quadrature") from None
        except RecursionError:
            raise BallRefusal("the expression is too deeply nested for the ball quadrature") from None


# --------------------------------------------------------------------------------------------
# proven ranges and growth envelopes, read off the expression tree
# --------------------------------------------------------------------------------------------

_Range = tuple  # (lo, hi): exact arb lower / upper bounds over all real z, None when unbounded


def _lo(x: arb) -> arb:
    return arb(x.lower())


def _hi(x: arb) -> arb:
    return arb(x.upper())


def _span(v: arb) -> _Range:
    return (_lo(v), _hi(v)) if v.is_finite() else (None, None)


def _range_add(u: _Range, v: _Range) -> _Range:
    lo = None if u[0] is None or v[0] is None else _lo(u[0] + v[0])
    hi = None if u[1] is None or v[1] is None else _hi(u[1] + v[1])
    return (lo, hi)


def _range_mul(u: _Range, v: _Range) -> _Range:
    """Interval product over the extended reals (0 times an infinite end is 0: the ends are limits)."""
    if None not in u and None not in v:
        return _span(arb(u[0]).union(u[1]) * arb(v[0]).union(v[1]))
    ends_u = [(u[0], -1), (u[1], 1)]  # (finite end or None, the sign of the infinity it stands for)
    ends_v = [(v[0], -1), (v[1], 1)]
    lows: list = []
    highs: list = []
    for x, sx in ends_u:
        for y, sy in ends_v:
            if x is not None and y is not None:
                lows.append(x * y)
                highs.append(x * y)
                continue
            finite = x if x is not None else y
            sign = sx if x is None else sy
            if x is None and y is None:
                sign = sx * sy
            elif finite == 0:
                lows.append(arb(0))
                highs.append(arb(0))
                continue
            elif finite > 0:
                pass
            elif finite < 0:
                sign = -sign
            else:  # an end that straddles 0 times an infinity: either sign
                return (None, None)
            (highs if sign > 0 else lows).append(None)
    lo = None if None in lows else _lo(_fold(arb.min, lows))
    hi = None if None in highs else _hi(_fold(arb.max, highs))
    return (lo, hi)


def _monotone(f: Callable[[arb], arb], r: _Range, at_lo: arb | None, at_hi: arb | None) -> _Range:
    """The range of an increasing f over r; ``at_lo``/``at_hi`` are its limits at -oo/+oo."""
    lo = at_lo if r[0] is None else _lo(f(r[0]))
    hi = at_hi if r[1] is None else _hi(f(r[1]))
    return (lo, hi)


def _range_pow(r: _Range, ex: sympy.Expr) -> _Range:
    if ex.is_Integer:
        m = int(ex)
        if m > 0 and m % 2 == 1:
            return _monotone(lambda v: ipow(v, m), r, None, None)
        if m > 0:
            mag = _abs_range(r)
            return (
                None if mag[0] is None else _lo(ipow(mag[0], m)),
                None if mag[1] is None else _hi(ipow(mag[1], m)),
            )
    if r[0] is not None and r[0] > 0:  # positive base: x^c monotone
        c = constant(ex)
        if c > 0:
            return _monotone(lambda v: v**c, r, None, None)
        return (arb(0) if r[1] is None else _lo(r[1] ** c), _hi(r[0] ** c))
    if ex.is_Integer and r[1] is not None and r[1] < 0:
        return _range_pow((_lo(-r[1]), None if r[0] is None else _hi(-r[0])), ex) if int(ex) % 2 == 0 else (None, None)
    if ex.is_positive and r[0] is not None and r[0] >= 0:
        c = constant(ex)
        return (_lo(r[0] ** c), None if r[1] is None else _hi(r[1] ** c))
    return (None, None)


def _abs_range(r: _Range) -> _Range:
    if r[0] is not None and r[0] >= 0:
        return r
    if r[1] is not None and r[1] <= 0:
        return (_lo(-r[1]), None if r[0] is None else _hi(-r[0]))
    hi = None if None in r else _hi(abs(r[0]).union(abs(r[1])))
    return (arb(0), hi)


def _union(u: _Range, v: _Range) -> _Range:
    lo = None if u[0] is None or v[0] is None else _lo(arb(u[0]).union(v[0]))
    hi = None if u[1] is None or v[1] is None else _hi(arb(u[1]).union(v[1]))
    return (lo, hi)


def constant(e: sympy.Expr) -> arb:
    try:
        return _const_ball(e)
    except _Unsupported as exc:
        raise BallRefusal(f"{exc} is not supported by the ball quadrature") from None


def _range(e: sympy.Expr, memo: dict) -> _Range:
    """Proven bounds of e(z) over all real z where it is defined (None: unbounded)."""
    if e in memo:
        return memo[e]
    if e == z:
        out: _Range = (None, None)
    elif not e.has(z):
        out = _span(constant(e))
    elif isinstance(e, sympy.Add):
        out = (arb(0), arb(0))
        for a in e.args:
            out = _range_add(out, _range(a, memo))
    elif isinstance(e, sympy.Mul):
        out = (arb(1), arb(1))
        for a in e.args:
            out = _range_mul(out, _range(a, memo))
    elif isinstance(e, sympy.Pow):
        out = _range_pow(_range(e.args[0], memo), e.args[1]) if not e.args[1].has(z) else (None, None)
    elif type(e) in FUNCTION_NAMES:
        out = _range_unary(FUNCTION_NAMES[type(e)], _range(e.args[0], memo))
    elif isinstance(e, sympy.Abs):
        out = _abs_range(_range(e.args[0], memo))
    elif isinstance(e, sympy.sign):
        out = (arb(-1), arb(1))
    elif isinstance(e, sympy.Heaviside):
        h0 = constant(e.args[1]) if len(e.args) > 1 else arb(0.5)
        out = _span(arb(0).union(arb(1)).union(h0))
    elif isinstance(e, (sympy.Max, sympy.Min)):
        rs = [_range(a, memo) for a in e.args]
        lows, highs = [r[0] for r in rs], [r[1] for r in rs]
        if isinstance(e, sympy.Min):  # Min(x, y) = -Max(-x, -y)
            lows, highs = [None if h is None else -h for h in highs], [None if lo is None else -lo for lo in lows]
        finite = [v for v in lows if v is not None]
        lo = _lo(_fold(arb.max, finite)) if finite else None
        hi = None if None in highs else _hi(_fold(arb.max, highs))
        out = (lo, hi) if isinstance(e, sympy.Max) else (None if hi is None else -hi, None if lo is None else -lo)
    elif isinstance(e, sympy.Piecewise):
        rs = [_range(b, memo) for b, _ in e.args]
        out = rs[0]
        for r in rs[1:]:
            out = _union(out, r)
    else:
        raise BallRefusal(f"function {type(e).__name__} is not supported by the ball quadrature")
    memo[e] = out
    return out


def _fold(f: Callable, vals: list) -> arb:
    out = vals[0]
    for v in vals[1:]:
        out = f(out, v)
    return out


def _range_unary(name: str, r: _Range) -> _Range:
    one = arb(1)
    if name in ("tanh", "erf"):
        return _monotone(getattr(arb, name), r, -one, one)
    if name == "atan":
        h = arb.pi() / 2
        return _monotone(arb.atan, r, _lo(-h), _hi(h))
    if name in ("sinh", "asinh"):
        return _monotone(getattr(arb, name), r, None, None)
    if name == "exp":
        return _monotone(arb.exp, r, arb(0), None)
    if name == "erfc":
        lo = arb(0) if r[1] is None else _lo(r[1].erfc())
        hi = arb(2) if r[0] is None else _hi(r[0].erfc())
        return (lo, hi)
    if name in ("sin", "cos"):
        return (-one, one)
    if name == "cosh":
        mag = _abs_range(r)
        return (_lo(mag[0].cosh()), None if mag[1] is None else _hi(mag[1].cosh()))
    if name == "log":
        if r[0] is not None and r[0] > 0:
            return _monotone(arb.log, r, None, None)
        return (None, None)
    if name == "asin":
        h = arb.pi() / 2
        return (_lo(-h), _hi(h))
    if name == "acos":
        return (arb(0), _hi(arb.pi()))
    if name == "atanh":
        if None not in r and r[0] > -1 and r[1] < 1:
            return _monotone(arb.atanh, r, None, None)
        return (None, None)
    return (None, None)  # tan


@dataclass(frozen=True)
class Envelope:
    r"""A proven growth bound :math:`|\phi(z)| \le \sum_i c_i |z|^{p_i} e^{a_i |z|}` for all real z.

    ``terms`` are triples ``(c_i, p_i, a_i)`` of floats (upper bounds) and ints; the empty
    tuple means phi = 0.
    """

    terms: tuple

    def __str__(self) -> str:
        parts = []
        for cf, p, a in self.terms:
            s = f"{cf:.4g}" + (f"|z|^{p}" if p else "") + (f"e^({a:.4g}|z|)" if a else "")
            parts.append(s)
        return " + ".join(parts) or "0"

    def scaled(self, s: float) -> Envelope:
        """The envelope of phi(s z), s > 0."""
        return Envelope(tuple((round_up(cf * s**p), p, round_up(a * s)) for cf, p, a in self.terms))

    def squared(self) -> Envelope:
        """The envelope of phi^2."""
        return Envelope(_env_mul(self.terms, self.terms))

    def at(self, x: float) -> float:
        """The bound at |z| = x (a float, rounded up)."""
        return round_up(sum(round_up(cf * x**p * math.exp(a * x)) for cf, p, a in self.terms))


def round_up(x: float) -> float:
    """x rounded up with a relative margin (x >= 0): float bookkeeping of upper bounds."""
    return math.nextafter(x * (1 + 1e-12), math.inf) if x > 0 else 0.0


def upper_float(v: arb) -> float:
    return round_up(float(v.upper()))


def _env_add(u: tuple, v: tuple) -> tuple:
    out: dict = {}
    for cf, p, a in u + v:
        out[(p, a)] = round_up(out.get((p, a), 0.0) + cf)
    return tuple((cf, p, a) for (p, a), cf in sorted(out.items()))


def _env_mul(u: tuple, v: tuple) -> tuple:
    out: tuple = ()
    for cf, p, a in u:
        out = _env_add(out, tuple((round_up(cf * c2), p + p2, round_up(a + a2)) for c2, p2, a2 in v))
    if len(out) > 64:
        raise BallRefusal("the growth envelope has too many terms")
    return out


def _env_const(c: float) -> tuple:
    return ((round_up(c), 0, 0.0),) if c > 0 else ()


def _mag(r: _Range) -> float | None:
    """An upper bound of |e| from its range, or None when unbounded."""
    if None in r:
        return None
    return upper_float(abs(r[0]).union(abs(r[1])))


def _envelope(e: sympy.Expr, memo: dict, rmemo: dict) -> tuple:
    if e in memo:
        return memo[e]
    mag = _mag(_range(e, rmemo))
    if mag is not None:
        out = _env_const(mag)
    elif e == z:
        out = ((1.0, 1, 0.0),)
    elif isinstance(e, sympy.Add) or isinstance(e, (sympy.Max, sympy.Min)):
        out = ()
        for a in e.args:
            out = _env_add(out, _envelope(a, memo, rmemo))
    elif isinstance(e, sympy.Piecewise):
        out = ()
        for b, _ in e.args:
            out = _env_add(out, _envelope(b, memo, rmemo))
    elif isinstance(e, sympy.Mul):
        out = ((1.0, 0, 0.0),)
        for a in e.args:
            out = _env_mul(out, _envelope(a, memo, rmemo))
    elif isinstance(e, sympy.Abs):
        out = _envelope(e.args[0], memo, rmemo)
    elif isinstance(e, sympy.Pow) and not e.args[1].has(z) and e.args[1].is_positive:
        base = _envelope(e.args[0], memo, rmemo)
        ex = e.args[1]
        m = int(ex) if ex.is_Integer else math.ceil(upper_float(constant(ex)))
        out = ((1.0, 0, 0.0),) if not ex.is_Integer else ()  # |x|^r <= 1 + |x|^ceil(r)
        power: tuple = ((1.0, 0, 0.0),)
        for _ in range(m):
            power = _env_mul(power, base)
        out = _env_add(out, power)
    elif isinstance(e, (sympy.exp, sympy.sinh, sympy.cosh)):
        out = _exp_envelope(e.args[0], memo, rmemo)
    elif isinstance(e, sympy.log):
        out = _log_envelope(e.args[0], memo, rmemo)
    elif isinstance(e, sympy.asinh):
        out = _envelope(e.args[0], memo, rmemo)  # |asinh x| <= |x|
    else:
        raise BallRefusal(f"no proven growth bound for {short(e, 60)}")
    memo[e] = out
    return out


def _exp_envelope(u: sympy.Expr, memo: dict, rmemo: dict) -> tuple:
    """|exp(u)|, |sinh u|, |cosh u| <= e^{|u|} <= e^{c0} e^{c1 |z|} when |u| <= c0 + c1 |z|."""
    eu = _envelope(u, memo, rmemo)
    if any(p > 1 or a for _, p, a in eu):
        raise BallRefusal(f"no proven growth bound for exp({short(u, 60)}): it may grow faster than e^(c|z|)")
    c0 = sum(cf for cf, p, _ in eu if p == 0)
    c1 = sum(cf for cf, p, _ in eu if p == 1)
    return ((round_up(math.exp(round_up(c0))), 0, round_up(c1)),)


def _log_envelope(u: sympy.Expr, memo: dict, rmemo: dict) -> tuple:
    r"""|log u| <= max(|log m|, |log C|) + (P + A)|z| when m <= u <= C max(1, |z|)^P e^{A|z|}."""
    lo = _range(u, rmemo)[0]
    if lo is None or not lo > 0:
        raise BallRefusal(f"no proven growth bound for log({short(u, 60)}): its argument is not bounded away from 0")
    eu = _envelope(u, memo, rmemo)
    big_c = sum(cf for cf, _, _ in eu)
    p = max(p for _, p, _ in eu)
    a = max(a for _, _, a in eu)
    c0 = max(abs(math.log(float(lo.lower()))), abs(math.log(big_c)))
    return _env_add(_env_const(round_up(c0)), ((round_up(p + a), 1, 0.0),) if p + a else ())


def growth_envelope(phi: sympy.Expr) -> Envelope:
    r"""A proven bound :math:`|\phi(z)| \le \sum_i c_i |z|^{p_i} e^{a_i |z|}` for every real z.

    Read off the expression tree: bounded functions through proven ranges (tanh, erf, sin,
    cos, sigmoid, atan, ...), :math:`|x + y| \le |x| + |y|`, :math:`|xy| = |x||y|`,
    :math:`|\mathrm{Max}(x, y)| \le |x| + |y|`, :math:`|e^u| \le e^{|u|}` for linearly bounded u,
    :math:`|\log u| \le \max(|\log m|, |\log C|) + (P + A)|z|` for
    :math:`m \le u \le C \max(1, |z|)^P e^{A|z|}`.  Raises :class:`BallRefusal` when no bound of
    that form can be proven (exp(z^2), 1/z, log|z|, ...).

    Examples
    --------
    >>> import sympy
    >>> print(growth_envelope(sympy.tanh(z)))
    1
    >>> print(growth_envelope(sympy.log(1 + sympy.exp(z))))
    0.6931 + 1|z|^1
    """
    with flint_ctx(64, flint.ctx.cap):
        return Envelope(_envelope(phi, {}, {}))
