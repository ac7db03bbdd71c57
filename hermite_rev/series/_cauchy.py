r"""The sign-free tail bound: Cauchy's estimate on a disk where the kernel is proven analytic.

Place: series stage, beside :mod:`._sign`, above :mod:`._walk` (its constants as balls); imports
only :mod:`hermite_rev._core` and ``._walk``.

Index
-----
CauchyBound    a proven disk of analyticity |c| <= r, M >= max |K| on its circle, and the tail bound
cauchy_bound   prove K analytic on |c| <= r by complex ball arithmetic and bound M(r)
cauchy_tail    the best sign-free bound of sup_{[-1, 1]} |K - K_n| over a few radii
ipow           integer powers of complex or real balls by repeated multiplication
RADII          the radii tried

If K is analytic on the closed disk |c| <= r with r > 1 and :math:`|K| \le M` on its circle,
Cauchy's estimate gives :math:`|a_k| \le M r^{-k}`, so for every c in [-1, 1]

.. math:: |K(c) - \sum_{k<n} a_k c^k| \le \sum_{n \le k < N} |a_k| + M \frac{r^{-N}}{1 - 1/r},

whatever the signs of the coefficients (the first sum from proven coefficient balls, N >= n).

Analyticity is proven, not assumed: the expression is evaluated in complex ball arithmetic
(python-flint ``acb``) on boxes covering the closed disk (polar sectors, bisected where a box
fails).  Every node must be analytic on the enclosure of its argument: a division or a pole
(tan, tanh, a negative power) gives a non-finite enclosure, and branch cuts, which a finite
enclosure does not reveal, are checked per function (:func:`hermite_rev._core.precision.acb_analytic`:
``log`` / non-integer powers on (-inf, 0], asin / acos / atanh on the real axis outside (-1, 1), atan /
asinh on the imaginary axis outside (-i, i)).  The composition of functions analytic on the
enclosures of their arguments is analytic on the box, and it is the principal-branch expression,
which on [-1, 1] is the real kernel.  Non-analytic nodes (Abs, Max, Piecewise, ...) and removable
singularities (``sin(c)/c``) give no bound.  M is the largest upper bound of ``|K|`` over arcs
covering the circle, the arcs of the largest bound bisected until it is within 1 % of a proven
lower bound of the maximum.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flint
import mpmath
import sympy
from flint import acb, arb

from .._core.errors import HermiteRevError
from .._core.exprs import FUNCTION_NAMES, c, postorder
from .._core.precision import acb_analytic, arb_exact, flint_ctx, to_mpf
from ._walk import ArbBackend, Undecided, Walker

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["CauchyBound", "cauchy_bound", "cauchy_tail", "ipow", "RADII"]

#: the radii tried, largest first (a disk proven for one radius holds for every smaller one)
RADII = (8.0, 4.0, 2.0, 1.5, 1.25, 1.125, 1.0625)
#: boxes tried to cover one disk before giving up on that radius
_MAX_BOXES = 1500
_PREC = 128


@dataclass(frozen=True)
class CauchyBound:
    """K analytic on the closed disk |c| <= ``r`` and ``|K| <= M`` on its circle (both proven)."""

    r: float
    M: mpmath.mpf  # an upper bound (exact: the upper end point of a ball)

    def tail(self, N: int) -> arb:
        """A ball containing ``sum_{k>=N} M r^-k`` (use its upper end)."""
        r = arb(self.r)
        return arb_exact(self.M) / ipow(r, N) / (1 - 1 / r)


def _upper(x: arb) -> mpmath.mpf:
    """The upper end point of a ball as an exact mpmath number (never rounded down)."""
    man, exp = x.upper().mid().man_exp()
    with mpmath.workprec(max(53, int(man).bit_length() + 2)):
        return mpmath.mpf((int(man), int(exp)))


class _NoProof(Exception):
    pass


class _Program:
    """An expression in c compiled to complex ball arithmetic (each distinct node once)."""

    def __init__(self, expr: sympy.Expr) -> None:
        consts = Walker(ArbBackend(1), None)
        self.ops: list[tuple[int, str, Any]] = []
        index: dict[int, int] = {}
        for e in postorder(expr):
            i = len(self.ops)
            index[id(e)] = i
            if e.is_Symbol:
                if e != c:
                    raise _NoProof
                self.ops.append((i, "c", None))
            elif not e.has(c):
                try:
                    v = consts.scalar(e)
                except (HermiteRevError, Undecided, ValueError, ZeroDivisionError):
                    raise _NoProof from None
                if not v.is_finite():
                    raise _NoProof
                self.ops.append((i, "k", acb(v)))
            elif e.is_Add or e.is_Mul:
                self.ops.append((i, "+" if e.is_Add else "*", [index[id(a)] for a in e.args]))
            elif e.is_Pow:
                base, ex = e.args
                if ex.has(c):
                    raise _NoProof  # b**g(c): not met by the parser's kernels
                if ex.is_Integer:
                    self.ops.append((i, "^", (index[id(base)], int(ex))))
                else:
                    try:
                        p = consts.scalar(ex)
                    except (HermiteRevError, Undecided):
                        raise _NoProof from None
                    self.ops.append((i, "r", (index[id(base)], acb(p))))
            elif type(e) in FUNCTION_NAMES and len(e.args) == 1:
                self.ops.append((i, "f", (index[id(e.args[0])], acb_analytic(FUNCTION_NAMES[type(e)]))))
            else:
                raise _NoProof  # Abs, Max, Piecewise, ...: not analytic
        self.out = len(self.ops) - 1

    def __call__(self, X: acb) -> acb | None:
        """K on the box X, or None unless every node is proven analytic (and finite) on it."""
        vals: list[Any] = [None] * len(self.ops)
        for i, op, arg in self.ops:
            if op == "c":
                v = X
            elif op == "k":
                v = arg
            elif op == "+":
                v = vals[arg[0]]
                for j in arg[1:]:
                    v = v + vals[j]
            elif op == "*":
                v = vals[arg[0]]
                for j in arg[1:]:
                    v = v * vals[j]
            elif op == "^":
                v = ipow(vals[arg[0]], arg[1])
            elif op == "r":
                v = vals[arg[0]].pow(arg[1], analytic=True)
            else:
                v = arg[1](vals[arg[0]])
            if not v.is_finite():
                return None
            vals[i] = v
        return vals[self.out]


def ipow(x: Any, m: int) -> Any:
    """x^m (acb or arb) by repeated multiplication."""
    if m < 0:
        return 1 / ipow(x, -m)
    out, base = x * 0 + 1, x
    while m:
        if m & 1:
            out = out * base
        m >>= 1
        if m:
            base = base * base
    return out


def _interval(lo: float, hi: float) -> arb:
    return arb(lo).union(arb(hi))


def _sector(r0: float, r1: float, t0: float, t1: float) -> acb:
    """A box containing {rho e^(i pi t): r0 <= rho <= r1, t0 <= t <= t1}."""
    return acb(_interval(r0, r1)) * acb(_interval(t0, t1)).exp_pi_i()


def _disk_analytic(prog: Callable[[acb], acb | None], r: float) -> bool:
    """Prove ``prog`` analytic on |c| <= r by covering the disk with polar sectors."""
    todo = [(0.0, r, k / 8, (k + 1) / 8) for k in range(16)]
    boxes = 0
    while todo:
        r0, r1, t0, t1 = todo.pop()
        boxes += 1
        if boxes > _MAX_BOXES:
            return False
        if prog(_sector(r0, r1, t0, t1)) is not None:
            continue
        radial, arc = r1 - r0, r1 * math.pi * (t1 - t0)
        if max(radial, arc) < r * 2.0**-12:
            return False
        if radial >= arc:
            mid = (r0 + r1) / 2
            todo += [(r0, mid, t0, t1), (mid, r1, t0, t1)]
        else:
            mid = (t0 + t1) / 2
            todo += [(r0, r1, t0, mid), (r0, r1, mid, t1)]
    return True


def _circle_max(prog: Callable[[acb], acb | None], r: float) -> mpmath.mpf | None:
    """An upper bound of max |K| on |c| = r (None if some arc fails)."""
    heap: list[tuple[mpmath.mpf, float, float]] = []
    lower = mpmath.mpf(0)
    with mpmath.workprec(_PREC):
        for k in range(64):
            t0, t1 = k / 32, (k + 1) / 32
            v = prog(_sector(r, r, t0, t1))
            if v is None:
                return None
            heapq.heappush(heap, (-_upper(abs(v)), t0, t1))
        for _ in range(400):
            top, t0, t1 = heap[0]
            mid = (t0 + t1) / 2
            w = prog(acb(r) * acb(mid).exp_pi_i())
            if w is not None:
                lower = max(lower, to_mpf(abs(w).lower()) * (1 - mpmath.mpf(2) ** -100))
            if -top <= lower * mpmath.mpf(1.01) or t1 - t0 < 2.0**-20:
                break
            heapq.heappop(heap)
            for a, b in ((t0, mid), (mid, t1)):
                v = prog(_sector(r, r, a, b))
                if v is None:
                    return None
                heapq.heappush(heap, (-_upper(abs(v)), a, b))
        return -heap[0][0]


def cauchy_bound(expr: sympy.Expr, r: float) -> CauchyBound | None:
    """A proven :class:`CauchyBound` of ``expr`` on the disk |c| <= r, or None."""
    with flint_ctx(_PREC, flint.ctx.cap):
        try:
            prog = _Program(expr)
        except (_NoProof, RecursionError):
            return None
        if not _disk_analytic(prog, r):
            return None
        M = _circle_max(prog, r)
    return None if M is None or not mpmath.isfinite(M) else CauchyBound(r, M)


def cauchy_tail(expr: sympy.Expr, n: int, balls: Sequence[arb]) -> tuple[mpmath.mpf, CauchyBound] | None:
    """The best sign-free bound of ``sup_{[-1,1]} |K - K_n|`` over :data:`RADII`, with its disk.

    ``balls``: proven balls of a_0 .. a_{N-1} (N >= n); the bound is ``sum_{n<=k<N} |a_k| +
    M r^-N / (1 - 1/r)`` (an upper end point, exact).  Radii are tried largest first; once a
    disk is proven, the smaller radii need only their circles.  None when no disk of radius > 1
    is proven.
    """
    N = len(balls)
    with flint_ctx(_PREC, flint.ctx.cap):
        head = arb(0)
        for b in balls[n:]:
            head += abs(b)
        if not head.is_finite():
            return None
        try:
            prog = _Program(expr)
        except (_NoProof, RecursionError):
            return None
        best: tuple[mpmath.mpf, CauchyBound] | None = None
        proven = False
        for r in RADII:
            if not proven:
                proven = _disk_analytic(prog, r)
                if not proven:
                    continue
            M = _circle_max(prog, r)
            if M is None or not mpmath.isfinite(M):
                continue
            cb = CauchyBound(r, M)
            total = _upper(head + cb.tail(N))
            if best is not None and total >= best[0]:
                break  # the bound grows again as r shrinks
            best = (total, cb)
    return best
