r"""Hermite coefficients of any activation, proven by ball arithmetic.

Index
-----
ball_hermite      :math:`b_k = E[\phi(\sqrt q\, Z) h_k(Z)]`, k < n, Z ~ N(0, 1), as proven balls
BallHermite       the result: midpoints, radii, which are proven to ``dps`` digits, and how
growth_envelope   a proven bound :math:`|\phi(z)| \le \sum_j c_j |z|^{p_j} e^{a_j |z|}` read off the tree
Envelope          that bound (a value)
BallRefusal       the one-line :class:`HermiteRevError` raised when no proof can be built

How the proof goes.  The real line is cut at :math:`\pm L`.  **Tail**: a growth envelope
:math:`|\phi(\sqrt q z)| \le E(|z|)` is proven structurally (|tanh|, |erf|, |sin|, |cos|, sigmoid
<= 1, |relu(x)| <= |x|, |log(1 + e^x)| <= |x| + log 2, sums and products of envelopes, ...), and
Cauchy--Schwarz with :math:`E[h_k^2] = 1` gives, for every k,
:math:`|\int_{|z|>L} \phi h_k \varphi| \le (\int_{|z|>L} E^2 \varphi)^{1/2}`, bounded in closed form.
**Kinks**: the zeros of the arguments of Max, Min, Abs, sign, Heaviside and of Piecewise
conditions are enclosed in tiny gaps by interval bisection; between gaps every branch is fixed
(proven by the sign of each argument over the interval) and phi is one analytic expression; a
gap contributes at most its width times a ball bound of :math:`|\phi| \varphi |h_k|` over it.
**Pieces**: Gauss--Legendre panels.  For a panel [a, b] and a Bernstein ellipse
:math:`E_\rho` around it, Trefethen (ATAP, Thm 19.3) bounds the m-point error by
:math:`\tfrac{64}{15}\, \tfrac{b-a}{2}\, M_k \rho^{-2m} / (\rho^2 - 1)`, M_k = max of
:math:`|\phi h_k \varphi|` on :math:`E_\rho`.  The ellipse is covered by boxes on which phi is
evaluated in complex ball arithmetic with branch cuts checked (``analytic=True``), which proves
that phi has no pole or cut inside; on the boxes :math:`|h_k(x + iy)| \le K e^{x^2/4}
e^{\sqrt k |y|}` (Cramér's inequality, K = 1.086435, with :math:`He_k(x + u) = \sum_j \binom kj
He_{k-j}(x) u^j`) and :math:`|h_k(\zeta)| \le |He_k(i|\zeta|)|/\sqrt{k!}`.  All h_k come from one
three-term recurrence at each node, so the work is nodes x n.  Bookkeeping of bound *magnitudes*
(logarithms of M_k, node counts) runs in floating point with a margin of 1e-6 in the logarithm,
far above any rounding there; every value and radius is a ball.  Precision and targets rise
until every coefficient is proven to ``dps`` significant digits; a coefficient that is zero by
symmetry (phi(z) -+ phi(-z) a polynomial, shown by sympy) is an exact 0; any other coefficient
whose ball still contains 0 is reported with its radius.

Place: hermite stage, below :mod:`hermite_rev.hermite` (which wires it into ``hermite_coeffs``
and ``kernel_of``); imports only :mod:`hermite_rev._core`.

References: L. N. Trefethen, *Approximation Theory and Approximation Practice*, Thm 19.3;
Abramowitz & Stegun 22.14.17 (Cramér's inequality); F. Johansson, "Numerical integration in
arbitrary-precision ball arithmetic", arXiv:1802.07942.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable

import flint
import mpmath
import numpy as np
import sympy
from flint import acb, arb

from ._core.errors import HermiteRevError
from ._core.exprs import z
from ._core.precision import flint_ctx
from ._core.text import short

__all__ = ["ball_hermite", "BallHermite", "growth_envelope", "Envelope", "BallRefusal"]


class BallRefusal(HermiteRevError):
    """No proof of the Hermite coefficients could be built (the message says why)."""


class _Unsupported(Exception):
    pass


#: Cramér's constant: |He_k(x)| <= K sqrt(k!) e^{x^2/4} for real x (A&S 22.14.17: 1.086435)
_CRAMER = 1.0865
#: safety margin added to every logarithm of a bound computed in floating point
_LOG_MARGIN = 1e-6
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _nan() -> arb:
    return arb.nan()


def _ipow(x: Any, m: int) -> Any:
    """x^m for an integer m by repeated multiplication (python-flint's ``**`` gives NaN on a
    ball that contains 0)."""
    if m < 0:
        return 1 / _ipow(x, -m)
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


_REAL_CUT = ("asin", "acos", "atanh")  # branch cuts on the real axis, |x| >= 1
_IMAG_CUT = ("atan", "asinh")  # branch cuts on the imaginary axis, |y| >= 1


def _acb_fn(name: str) -> Callable[[acb], acb]:
    """A unary function on complex balls that returns NaN unless it is analytic on the box."""
    f = getattr(acb, name)
    if name == "log":
        return lambda v: v.log(analytic=True)
    if name in _REAL_CUT:

        def real_cut(v: acb) -> acb:
            if v.imag.contains(0) and not abs(v.real) < 1:
                return acb(_nan(), _nan())
            return f(v)

        return real_cut
    if name in _IMAG_CUT:

        def imag_cut(v: acb) -> acb:
            if v.real.contains(0) and not abs(v.imag) < 1:
                return acb(_nan(), _nan())
            return f(v)

        return imag_cut
    return f


_UNARY = {
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


class _Program:
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
        if type(e) in _UNARY:
            name = _UNARY[type(e)]
            g = self._build(e.args[0], mode)
            f = _dual_fn(name) if mode == "dual" else (_acb_fn(name) if mode == "acb" else getattr(arb, name))
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
                return lambda x, br: (lambda u: (_ipow(u[0], m), m * _ipow(u[0], m - 1) * u[1]))(g(x, br))
            return lambda x, br: _ipow(g(x, br), m)
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
            out = _ipow(base, int(ex))
        elif ex == sympy.Rational(1, 2):
            out = base.sqrt()
        else:
            out = base ** _const_ball(ex) if base >= 0 else _nan()
    elif type(e) in _UNARY:
        out = getattr(arb, _UNARY[type(e)])(_const_ball(e.args[0]))
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
def _program(expr: sympy.Expr, prec: int) -> _Program:
    with flint_ctx(prec, flint.ctx.cap):
        try:
            return _Program(expr)
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
    if None not in u and None not in v:
        return _span(arb(u[0]).union(u[1]) * arb(v[0]).union(v[1]))
    for a, b in ((u, v), (v, u)):
        if a[0] is not None and a[1] is not None and a[0] == 0 and a[1] == 0:
            return (arb(0), arb(0))
        if a[0] is not None and a[0] >= 0 and b[0] is not None and b[0] >= 0:  # both non-negative
            hi = None if a[1] is None or b[1] is None else _hi(a[1] * b[1])
            return (_lo(a[0] * b[0]), hi)
    return (None, None)


def _monotone(f: Callable[[arb], arb], r: _Range, at_lo: arb | None, at_hi: arb | None) -> _Range:
    """The range of an increasing f over r; ``at_lo``/``at_hi`` are its limits at -oo/+oo."""
    lo = at_lo if r[0] is None else _lo(f(r[0]))
    hi = at_hi if r[1] is None else _hi(f(r[1]))
    return (lo, hi)


def _range_pow(r: _Range, ex: sympy.Expr) -> _Range:
    if ex.is_Integer:
        m = int(ex)
        if m > 0 and m % 2 == 1:
            return _monotone(lambda v: _ipow(v, m), r, None, None)
        if m > 0:
            mag = _abs_range(r)
            return (None if mag[0] is None else _lo(_ipow(mag[0], m)), None if mag[1] is None else _hi(_ipow(mag[1], m)))
    if r[0] is not None and r[0] > 0:  # positive base: x^c monotone
        c = _constant(ex)
        if c > 0:
            return _monotone(lambda v: v**c, r, None, None)
        return (arb(0) if r[1] is None else _lo(r[1] ** c), _hi(r[0] ** c))
    if ex.is_Integer and r[1] is not None and r[1] < 0:
        return _range_pow((_lo(-r[1]), None if r[0] is None else _hi(-r[0])), ex) if int(ex) % 2 == 0 else (None, None)
    if ex.is_positive and r[0] is not None and r[0] >= 0:
        c = _constant(ex)
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


def _constant(e: sympy.Expr) -> arb:
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
        out = _span(_constant(e))
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
    elif type(e) in _UNARY:
        out = _range_unary(_UNARY[type(e)], _range(e.args[0], memo))
    elif isinstance(e, sympy.Abs):
        out = _abs_range(_range(e.args[0], memo))
    elif isinstance(e, sympy.sign):
        out = (arb(-1), arb(1))
    elif isinstance(e, sympy.Heaviside):
        h0 = _constant(e.args[1]) if len(e.args) > 1 else arb(0.5)
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
        return Envelope(tuple((_up(cf * s**p), p, _up(a * s)) for cf, p, a in self.terms))


def _up(x: float) -> float:
    """x rounded up with a relative margin (x >= 0): float bookkeeping of upper bounds."""
    return math.nextafter(x * (1 + 1e-12), math.inf) if x > 0 else 0.0


def _upper_float(v: arb) -> float:
    return _up(float(v.upper()))


def _env_add(u: tuple, v: tuple) -> tuple:
    out: dict = {}
    for cf, p, a in u + v:
        out[(p, a)] = _up(out.get((p, a), 0.0) + cf)
    return tuple((cf, p, a) for (p, a), cf in sorted(out.items()))


def _env_mul(u: tuple, v: tuple) -> tuple:
    out: tuple = ()
    for cf, p, a in u:
        out = _env_add(out, tuple((_up(cf * c2), p + p2, _up(a + a2)) for c2, p2, a2 in v))
    if len(out) > 64:
        raise BallRefusal("the growth envelope has too many terms")
    return out


def _env_const(c: float) -> tuple:
    return ((_up(c), 0, 0.0),) if c > 0 else ()


def _mag(r: _Range) -> float | None:
    """An upper bound of |e| from its range, or None when unbounded."""
    if None in r:
        return None
    return _upper_float(abs(r[0]).union(abs(r[1])))


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
        m = int(ex) if ex.is_Integer else math.ceil(_upper_float(_constant(ex)))
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
    return ((_up(math.exp(_up(c0))), 0, _up(c1)),)


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
    return _env_add(_env_const(_up(c0)), ((_up(p + a), 1, 0.0),) if p + a else ())


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
    0.6931|z|^0 + 1|z|^1
    """
    with flint_ctx(64, flint.ctx.cap):
        return Envelope(_envelope(phi, {}, {}))


# --------------------------------------------------------------------------------------------
# zeros by symmetry, float estimates, tail
# --------------------------------------------------------------------------------------------


def _looks_polynomial(d: sympy.Expr) -> bool:
    """A cheap screen: the 4th finite differences of d at six points vanish (degree <= 3?)."""
    try:
        prog = _program(d, 96)
        with flint_ctx(96, flint.ctx.cap):
            vals = [prog.real(arb(0.5 + 0.375 * j), None) for j in range(6)]
    except HermiteRevError:
        return False
    if not all(v.is_finite() for v in vals):
        return False
    scale = max(abs(float(v.mid())) for v in vals) + 1e-300
    for j in range(2):
        d4 = vals[j] - 4 * vals[j + 1] + 6 * vals[j + 2] - 4 * vals[j + 3] + vals[j + 4]
        if abs(float(d4.mid())) > 1e-15 * scale:
            return False
    return True


def _poly_degree(d: sympy.Expr) -> int | None:
    """The degree of d(z) if sympy shows it is a polynomial (-1 for 0), else None."""
    try:
        e = sympy.expand(d)
        if e == 0:
            return -1
        if e.is_polynomial(z):
            return int(sympy.degree(e, z))
        if not _looks_polynomial(d):
            return None
        d1 = sympy.cancel(sympy.expand(sympy.diff(d, z).rewrite(sympy.exp)))
        if d1 == 0:
            return 0
        if d1.is_polynomial(z):
            return int(sympy.degree(d1, z)) + 1
    except Exception:  # sympy could not decide: no claim
        return None
    return None


@lru_cache(maxsize=256)
def _parity_zeros(phi: sympy.Expr) -> tuple[int | None, int | None]:
    """(D_even, D_odd): b_k = 0 for even k > D_even and for odd k > D_odd (None: no claim).

    The even part (phi(z) + phi(-z))/2 of a polynomial degree D has no even Hermite
    coefficient beyond D (likewise the odd part), whatever the rest of phi is.
    """
    if len(phi.atoms(sympy.Function)) + len(phi.args) > 60:
        return (None, None)
    m = phi.subs(z, -z)
    return (_poly_degree(phi + m), _poly_degree(phi - m))


def _estimate(prog: _Program, s: float, n: int) -> tuple[np.ndarray, float]:
    """Float estimates of |b_k| (Gauss-Hermite, 160 nodes; NaN where unreliable) and of E[phi^2]^(1/2)."""
    from numpy.polynomial.hermite_e import hermegauss

    x, w = hermegauss(160)
    vals = np.empty_like(x)
    with flint_ctx(64, flint.ctx.cap):
        for i, xi in enumerate(x):
            v = prog.real(arb(float(xi * s)), None)
            if not v.is_finite():
                raise BallRefusal(f"activation {short(prog.expr, 60)} is not real at z = {xi * s:.5g}")
            vals[i] = float(v.mid())
    w = w / math.sqrt(2 * math.pi)
    norm = math.sqrt(float(np.sum(w * vals * vals)))
    est = np.full(n, np.nan)
    h_prev, h = np.zeros_like(x), np.ones_like(x)
    for k in range(min(n, 70)):
        est[k] = abs(float(np.sum(w * vals * h)))
        h_prev, h = h, (x * h - math.sqrt(k) * h_prev) / math.sqrt(k + 1)
    return est, norm


def _tail_bound(env: Envelope, L: float) -> arb:
    r"""An upper bound of :math:`(\int_{|z|>L} E(|z|)^2 \varphi(z) dz)^{1/2}` (a ball).

    :math:`E^2 = \sum C z^J e^{A z}`; with u = z - A,
    :math:`z^J e^{Az - z^2/2} \le e^{A^2/2} \sum_i \binom Ji A^{J-i} u^i e^{-u^2/2}` and
    :math:`\int_{L'}^\infty u^i e^{-u^2/2} du \le L'^{i-1} e^{-L'^2/2} / (1 - (i-1)/L'^2)`
    (i >= 1, by parts; :math:`e^{-L'^2/2}/L'` for i = 0).
    """
    sq = _env_mul(env.terms, env.terms)
    total = arb(0)
    Lb = arb(L)
    for cf, J, A in sq:
        Lp = Lb - A
        if not (Lp > 0 and Lp * Lp > J + 1):
            return arb.pos_inf()
        g = (-Lp * Lp / 2).exp()
        part = arb(0)
        for i in range(J + 1):
            qi = g / Lp if i == 0 else _ipow(Lp, i - 1) * g / (1 - arb(i - 1) / (Lp * Lp))
            part += arb.bin_uiui(J, i) * _ipow(arb(A), J - i) * qi
        total += arb(cf) * (arb(A) * arb(A) / 2).exp() * part
    return (2 * total / (2 * arb.pi()).sqrt()).sqrt()


# --------------------------------------------------------------------------------------------
# kinks: gaps around every possible sign change of a kink's argument
# --------------------------------------------------------------------------------------------


def _ball(q: Fraction) -> arb:
    """An exact rational as a ball at the current precision."""
    return arb(flint.fmpq(q.numerator, q.denominator))


def _interval(lo: Fraction, hi: Fraction) -> arb:
    """A ball containing [lo, hi]."""
    return _ball(lo).union(_ball(hi))


def _sign_gaps(fn: tuple, lo: Fraction, hi: Fraction, br: tuple, s: arb, eps: Fraction, budget: list) -> list:
    """Intervals of width <= eps covering every zero of the argument g in [lo, hi].

    Bisection with interval evaluation: an interval on which g excludes 0 holds no zero; one
    on which g' excludes 0 and g has the same strict sign at both ends holds none either.
    """
    g, dg = fn
    out: list = []
    stack = [(lo, hi)]
    while stack:
        a, b = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise BallRefusal("the kinks of the activation could not be isolated (too many evaluations)")
        J = _interval(a, b)
        v = g(s * J, br)
        if v.is_finite() and not v.contains(0):
            continue
        if b - a <= eps:
            out.append((a, b))
            continue
        d = dg(s * J, br)[1]
        if d.is_finite() and not d.contains(0):
            ga, gb = g(s * _ball(a), br), g(s * _ball(b), br)
            if (ga > 0 and gb > 0) or (ga < 0 and gb < 0):
                continue
        m = (a + b) / 2
        stack.extend([(m, b), (a, m)])
    return out


def _merge(gaps: list) -> list:
    out: list = []
    for a, b in sorted(gaps):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _pieces(prog: _Program, s: arb, L: Fraction, eps: Fraction) -> tuple[list, list]:
    """(pieces, gaps): [-L, L] cut into pieces where every kink keeps one branch, and gaps."""
    gaps: list = []
    pieces = [(-L, L)]
    budget = [200_000]
    for i, kink in enumerate(prog.kinks):
        new: list = []
        for a, b in pieces:
            br = prog.decide(s * _ball((a + b) / 2), upto=i)
            if br is None:
                raise BallRefusal(f"the branch of {short(kink.node, 60)} could not be decided")
            for fn in prog.args[i]:
                new.extend(_sign_gaps(fn, a, b, br, s, eps, budget))
        gaps = _merge(gaps + new)
        pieces = []
        start = -L
        for a, b in gaps:
            if a > start:
                pieces.append((start, a))
            start = max(start, b)
        if start < L:
            pieces.append((start, L))
    return pieces, gaps


# --------------------------------------------------------------------------------------------
# Gauss-Legendre panels with Bernstein-ellipse error bounds
# --------------------------------------------------------------------------------------------

_RHOS = (12.0, 7.0, 4.5, 3.0, 2.2, 1.7, 1.4, 1.22, 1.1)
_SIZES = tuple(sorted({max(2, round(2 ** (j / 4))) for j in range(4, 45)}))
_STRIPS = 12
_MAX_NODES = 1200


@lru_cache(maxsize=128)
def _gauss_legendre(m: int, prec: int) -> tuple:
    """Nodes and weights of the m-point Gauss-Legendre rule on [-1, 1] (balls)."""
    with flint_ctx(prec, flint.ctx.cap):
        half = [arb.legendre_p_root(m, i, weight=True) for i in range((m + 1) // 2)]
    nodes = [(t, w) for t, w in half] + [(-t, w) for t, w in reversed(half[: m // 2])]
    return tuple(nodes)


class _HermiteBounds:
    """log |h_k(zeta)| <= log R_k(|zeta|), R_k(r) = |He_k(i r)| / sqrt(k!), on a grid of r
    (k < kmax; +inf beyond, where Cramér's bound is the better one)."""

    def __init__(self, n: int, kmax: int, rmax: float):
        self.grid = 2.0 ** (np.arange(-8, 8 * math.log2(max(rmax, 1.0)) + 9) / 8)
        self.n = n
        lr = np.full((len(self.grid), n), np.inf)
        lr[:, 0] = 0.0
        q = self.grid.copy()
        if min(n, kmax) > 1:
            lr[:, 1] = np.log(self.grid)
        for k in range(1, min(n, kmax) - 1):
            q = (self.grid + math.sqrt(k) / q) / math.sqrt(k + 1)
            lr[:, k + 1] = lr[:, k] + np.log(q)
        self.table = lr

    def at(self, r: np.ndarray) -> np.ndarray:
        """Rows of the table at grid points >= r (R_k grows with r): shape (len(r), n)."""
        idx = np.minimum(np.searchsorted(self.grid, r * (1 + 1e-12)), len(self.grid) - 1)
        out = self.table[idx].copy()
        out[self.grid[idx] < r] = np.inf
        return out


def _ellipse_log_bounds(
    prog: _Program, br: tuple, s: arb, c: float, h: float, rho: float, n: int, hb: _HermiteBounds
) -> np.ndarray | None:
    """log M_k (k < n) of |phi(s zeta) h_k(zeta) e^{-zeta^2/2}/sqrt(2 pi)| on the rho-ellipse
    of the panel [c - h, c + h], or None when phi is not proven analytic there."""
    A = _up(h * (rho + 1 / rho) / 2) * (1 + 1e-9) + 1e-12
    B = _up(h * (rho - 1 / rho) / 2) * (1 + 1e-9) + 1e-12
    edges = np.linspace(c - A, c + A, _STRIPS + 1)
    edges[0], edges[-1] = c - A * (1 + 1e-9), c + A * (1 + 1e-9)
    lgP, X, Y, R = (np.empty(_STRIPS) for _ in range(4))
    for j in range(_STRIPS):
        x0, x1 = float(edges[j]), float(edges[j + 1])
        d = 0.0 if x0 <= c <= x1 else min(abs(x0 - c), abs(x1 - c))
        y = _up(B * math.sqrt(max(0.0, 1 - (d / A) ** 2)))
        box = acb(arb((x0 + x1) / 2, _up((x1 - x0) / 2)), arb(y / 2, _up(y / 2))) * s
        v = prog.box(box, br)
        if not v.is_finite():
            return None
        p = _upper_float(v.abs_upper())
        lgP[j] = math.log(p) if p > 0 else -math.inf
        X[j] = 0.0 if x0 <= 0 <= x1 else min(abs(x0), abs(x1)) * (1 - 1e-12)
        Y[j] = y
        R[j] = _up(math.hypot(max(abs(x0), abs(x1)), y))
    sk = np.sqrt(np.arange(n))
    cramer = (lgP - X * X / 4 + Y * Y / 2 + math.log(_CRAMER / math.sqrt(2 * math.pi)))[:, None] + Y[:, None] * sk
    direct = (lgP - X * X / 2 + Y * Y / 2 - 0.5 * math.log(2 * math.pi))[:, None] + hb.at(R)
    with np.errstate(invalid="ignore"):
        out = np.max(np.minimum(cramer, direct), axis=0)
        return np.where(np.isfinite(out), out + _LOG_MARGIN * (1 + np.abs(out)), out)


@dataclass
class _Panel:
    c: Fraction
    h: Fraction
    br: tuple
    m: int
    log_err: np.ndarray  # log of the quadrature error bound per k


def _plan(prog: _Program, br: tuple, s: arb, a: Fraction, b: Fraction, log_tau: np.ndarray, hb: _HermiteBounds, depth: int = 0) -> list:
    """Panels covering [a, b] whose Gauss-Legendre errors are below exp(log_tau) * share."""
    c, h = (a + b) / 2, (b - a) / 2
    hf = float(h)
    share = log_tau + math.log(hf)  # the panel's share of the target, by length (per unit of L)
    best = None
    for rho in _RHOS:
        lm = _ellipse_log_bounds(prog, br, s, float(c), hf, rho, len(log_tau), hb)
        if lm is None:
            continue
        lead = math.log(64 / 15) + math.log(hf) - math.log(rho * rho - 1) + lm
        with np.errstate(invalid="ignore"):
            need = np.where(np.isfinite(log_tau), (lead - share) / (2 * math.log(rho)), -np.inf)
        m = max(2, math.ceil(float(np.max(need)))) if np.any(np.isfinite(need)) else 2
        if m > _MAX_NODES:
            continue
        if best is not None and m >= best[0]:
            break
        best = (m, rho, lead)
    if best is None or best[0] > 160 and depth < 24 and hf > 1e-3:
        if depth >= 24:
            raise BallRefusal(f"no Bernstein ellipse around [{float(a):.6g}, {float(b):.6g}] avoids the singularities of phi")
        mid = (a + b) / 2
        return _plan(prog, br, s, a, mid, log_tau, hb, depth + 1) + _plan(prog, br, s, mid, b, log_tau, hb, depth + 1)
    m, rho, lead = best
    m = next(k for k in _SIZES + (m,) if k >= m)
    return [_Panel(c, h, br, m, lead - 2 * m * math.log(rho))]


def _sum_panels(prog: _Program, s: arb, panels: list, n: int, prec: int) -> list:
    r""":math:`\sum_i w_i \phi(s x_i) e^{-x_i^2/2} He_k(x_i)` over every node of every panel (balls)."""
    acc = [arb(0)] * n
    with flint_ctx(prec, flint.ctx.cap):
        for p in panels:
            c, h = _ball(p.c), _ball(p.h)
            for t, w in _gauss_legendre(p.m, prec):
                x = c + h * t
                f = prog.real(s * x, p.br)
                if not f.is_finite():
                    raise BallRefusal(f"activation {short(prog.expr, 60)} is not real and finite at z = {x.mid().str(8)}")
                u0 = h * w * f * (-x * x / 2).exp()
                acc[0] += u0
                if n == 1:
                    continue
                u1 = u0 * x
                acc[1] += u1
                for k in range(1, n - 1):
                    u0, u1 = u1, x * u1 - k * u0
                    acc[k + 1] += u1
    return acc


def _growth_bits(n: int, L: float, env: Envelope) -> float:
    """log2 of max over |x| <= L of R_{n-1}(x) e^{-x^2/2} E(x): how far the recurrence's
    radii can grow beyond the integrand (ball arithmetic drops the signs of the recurrence)."""
    x = np.linspace(0.25, L, 64)
    lr = np.zeros_like(x)
    q = x.copy()
    if n > 1:
        lr = np.log(x)
    for k in range(1, n - 1):
        q = (x + math.sqrt(k) / q) / math.sqrt(k + 1)
        lr = lr + np.log(q)
    e = sum(cf * x**p * np.exp(a * x) for cf, p, a in env.terms) if env.terms else np.zeros_like(x)
    with np.errstate(divide="ignore"):
        g = lr - x * x / 2 + np.log(np.maximum(e, 1e-300))
    return max(0.0, float(np.max(g)) / _LN2)


@dataclass(frozen=True)
class BallHermite:
    r"""Hermite coefficients proven by ball arithmetic.

    ``values[k]`` (mpmath, rounded to ``dps`` digits) and ``errors[k]`` (an upper bound of
    :math:`|b_k - \mathrm{values}[k]|`: quadrature bound + Gaussian tail + kink gaps + rounding);
    ``proven[k]`` is True when the error is at most :math:`10^{-dps} |b_k|` (or b_k is an exact
    zero); ``zero[k]`` when b_k = 0 by symmetry; ``method`` says how.
    """

    values: tuple
    errors: tuple
    proven: tuple
    zero: tuple
    dps: int
    method: str

    def __len__(self) -> int:
        return len(self.values)


def _log_sum(logs: list) -> np.ndarray:
    """log sum_i exp(logs[i]) per k (float bookkeeping with a margin)."""
    a = np.vstack(logs)
    top = np.max(a, axis=0)
    with np.errstate(invalid="ignore"):
        out = top + np.log(np.sum(np.exp(a - np.where(np.isfinite(top), top, 0)), axis=0))
    return np.where(np.isfinite(top), out + _LOG_MARGIN * (1 + np.abs(out)), top)


def _radius(log_value: float) -> arb:
    """exp(log_value) as a ball's radius (an exact upper bound)."""
    if log_value == -math.inf:
        return arb(0)
    return arb(arb(log_value).exp().upper())


def ball_hermite(phi: sympy.Expr, n: int, dps: int, q: Any = 1, *, max_rounds: int = 6) -> BallHermite:
    r"""Proven balls for :math:`b_k = E[\phi(\sqrt q\, Z) h_k(Z)]`, k < n, to ``dps`` digits.

    Raises :class:`BallRefusal` (one line) when phi has no proven growth envelope, is not
    real, has a kink whose sign cannot be isolated, a function the compiler does not know, or
    a singularity on the real line.

    Examples
    --------
    >>> import sympy
    >>> b = ball_hermite(sympy.tanh(z), 4, 20)
    >>> b.values[1], b.zero[2], all(b.proven)
    (mpf('0.60570550960215887102'), True, True)
    """
    phi = sympy.sympify(phi)
    if phi.free_symbols - {z}:
        raise BallRefusal(f"activation {short(phi, 60)} has free symbols other than z")
    q = sympy.sympify(q)
    with flint_ctx(128, flint.ctx.cap):
        qb = _constant(q)
        if not qb > 0:
            raise BallRefusal(f"the pre-activation variance must be positive, got q = {short(q, 40)}")
        s_up = _upper_float(qb.sqrt())
    env = growth_envelope(phi).scaled(s_up)
    prog64 = _program(phi, 64)
    d_even, d_odd = _parity_zeros(phi)
    zero = tuple(
        (d_even is not None and k % 2 == 0 and k > d_even) or (d_odd is not None and k % 2 == 1 and k > d_odd)
        for k in range(n)
    )
    est, norm = _estimate(prog64, float(qb.sqrt().mid()), n)
    scale = max(norm, 1e-300)
    floor = scale * 10.0 ** -(4 * dps + 50)
    tau = np.where(np.isnan(est) | (est < 1e-13 * scale), 1e-13 * scale, est) * 10.0 ** -(dps + 1)
    tau = np.maximum(tau, floor)
    extra_bits = 0.0
    mids: list = []
    rads: list = []
    proven = [False] * n
    how = ""
    for _ in range(max_rounds):
        need = np.array([not (zero[k] or proven[k]) for k in range(n)])
        if not need.any():
            break
        at_floor = all(tau[k] <= floor for k in range(n) if need[k])
        mids, rads, how, worst = _round(phi, q, env, n, tau, need, scale, extra_bits)
        extra_bits += worst
        for k in np.flatnonzero(need):
            m, r = mids[k], rads[k]
            if abs(m) > r and r * arb(10) ** dps <= abs(m):
                proven[k] = True
            elif abs(m) > 2 * r:
                tau[k] = max(floor, float(abs(m)) * 10.0 ** -(dps + 1) / 2)
            else:
                tau[k] = max(floor, min(tau[k], float(r)) * 10.0 ** -(dps + 2))
        if at_floor and not worst:
            break
    return _result(mids, rads, proven, zero, dps, how)


def _round(phi: sympy.Expr, q: sympy.Expr, env: Envelope, n: int, tau: np.ndarray, need: np.ndarray, scale: float, extra_bits: float) -> tuple:
    """One pass at the targets ``tau``: (midpoints, radii, method text, missing precision bits)."""
    tau_min = float(np.min(tau[need]))
    L = _choose_L(env, tau_min / 8)
    g = max(_growth_bits(n, L, env), math.log2(scale))
    prec = int(g - math.log2(tau_min) + math.log2(16 * L) + 40 + extra_bits)
    prog = _program(phi, prec + 20)
    with flint_ctx(prec + 20, flint.ctx.cap):
        s = _constant(q).sqrt()
        eps = Fraction(2) ** -int(-math.log2(tau_min / 64) + math.log2(1 + _env_at(env, L)) + 8)
        pieces, gaps = _pieces(prog, s, Fraction(L), eps)
        gap = _gap_bound(prog, s, gaps)
        tail = _tail_bound(env, L)
        hb = _HermiteBounds(n, max(64, math.ceil(L * L / 4) + 2), L * 1.5 + 4)
        log_tau = np.where(need, np.log(tau) - math.log(4 * L), -np.inf)
        panels: list = []
        for a, b in pieces:
            br = prog.decide(s * _ball((a + b) / 2))
            if br is None:
                raise BallRefusal("the branches of the activation could not be decided")
            steps = max(1, math.ceil(float(b - a) / 2))
            for j in range(steps):
                panels.extend(_plan(prog, br, s, a + (b - a) * j / steps, a + (b - a) * (j + 1) / steps, log_tau, hb))
    quad = _log_sum([p.log_err for p in panels])
    acc = _sum_panels(prog, s, panels, n, prec + 20)
    with flint_ctx(prec + 20, flint.ctx.cap):
        norm_k = 1 / (2 * arb.pi()).sqrt()
        mids, rads = [], []
        worst = 0.0
        for k in range(n):
            if k:
                norm_k = norm_k / arb(k).sqrt()
            v = acc[k] * norm_k
            rnd = float(v.rad()) if v.rad() < 1e300 else math.inf
            if need[k] and rnd > tau[k] / 4:
                worst = max(worst, math.log2(rnd / tau[k]) + 4)
            v = arb(v.mid(), v.rad() + _radius(float(quad[k])) + tail + gap)
            mids.append(v.mid())
            rads.append(arb(v.rad()))
    how = (
        f"ball quadrature: {len(panels)} Gauss-Legendre panels, {sum(p.m for p in panels)} nodes on "
        f"[-{L:g}, {L:g}], {len(gaps)} kink gaps, {prec} bits; tail by Cauchy-Schwarz from |phi| <= {env}"
    )
    return mids, rads, how, worst


def _env_at(env: Envelope, x: float) -> float:
    return sum(cf * x**p * math.exp(a * x) for cf, p, a in env.terms)


_LS = (4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 32, 36, 40, 48, 56, 64, 80, 96, 128, 192, 256)


def _choose_L(env: Envelope, target: float) -> float:
    """The smallest tabulated L whose tail bound is below ``target``."""
    with flint_ctx(128, flint.ctx.cap):
        for L in _LS:
            t = _tail_bound(env, L)
            if t.is_finite() and t < target:
                return float(L)
    raise BallRefusal(f"the Gaussian tail of phi cannot be bounded below {target:.3g} (|phi| <= {env})")


def _gap_bound(prog: _Program, s: arb, gaps: list) -> arb:
    r"""Upper bound of :math:`\int |\phi h_k \varphi|` over the kink gaps (every k; Cramér)."""
    total = arb(0)
    for a, b in gaps:
        J = _interval(a, b)
        p = abs(prog.real(s * J, None))
        if not p.is_finite():
            raise BallRefusal(f"activation {short(prog.expr, 60)} is not bounded near z = {float(a):.6g}")
        x = abs(J).lower()
        total += _ball(b - a) * p.upper() * _CRAMER * (-arb(x) * arb(x) / 4).exp() / (2 * arb.pi()).sqrt()
    return arb(total.upper())


def _result(mids: list, rads: list, proven: list, zero: tuple, dps: int, how: str) -> BallHermite:
    """Midpoints rounded to ``dps`` digits; errors = radius + that rounding, rounded up."""
    values, errors = [], []
    for k, (m, r) in enumerate(zip(mids, rads)):
        if zero[k]:
            values.append(mpmath.mpf(0))
            errors.append(mpmath.mpf(0))
            continue
        man, ex = m.man_exp()
        with mpmath.workprec(max(64, int(man).bit_length() + 8)):
            exact = mpmath.mpf((int(man), int(ex)))
        with mpmath.workdps(dps):
            v = +exact
        with mpmath.workprec(max(64, int(man).bit_length() + 8 + abs(mpmath.mag(exact) - mpmath.mag(v)))):
            diff = abs(exact - v)
        if not r.is_finite():
            raise BallRefusal(f"no finite error bound for b_{k}")
        rm, rexp = r.man_exp()
        with mpmath.workprec(64):
            err = mpmath.mpf((int(rm), int(rexp)), rounding="u") + mpmath.mpf(diff, rounding="u")
            err = mpmath.mpf(err, rounding="u")
        values.append(v)
        errors.append(err)
    return BallHermite(tuple(values), tuple(errors), tuple(p or zk for p, zk in zip(proven, zero)), zero, dps, how)
