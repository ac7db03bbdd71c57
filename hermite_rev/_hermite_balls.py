r"""Hermite coefficients of any activation, proven by ball arithmetic.

Index
-----
ball_hermite      :math:`b_k = E[\phi(\sqrt q\, Z) h_k(Z)]`, k < n, Z ~ N(0, 1), as proven balls
BallHermite       the result: midpoints, radii, which are proven to ``dps`` digits, and how
parity_zeros      which b_k vanish by symmetry (sympy shows phi(z) -+ phi(-z) is a polynomial)
tail_bound        the Cauchy--Schwarz bound of the Gaussian tail from a growth envelope
BallRefusal       (from :mod:`hermite_rev._ball_expr`) raised, one line, when no proof can be built

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
:math:`E_\rho` around it, the m-point error is at most
:math:`\tfrac{64}{15}\, \tfrac{b-a}{2}\, M_k \rho^{2-2m} / (\rho^2 - 1)`, m >= 2, M_k = max of
:math:`|\phi h_k \varphi|` on :math:`E_\rho` (Trefethen, ATAP Thm 19.3, whose :math:`I_n` has
n + 1 points: the rule is exact to degree 2m - 1, the Chebyshev coefficients of degree k >= 2m
are at most :math:`2M\rho^{-k}` and each costs at most :math:`2 + 2/(k^2 - 1) \le 32/15` of it).
The ellipse is covered by boxes on which phi is evaluated in complex ball arithmetic with branch
cuts checked (``analytic=True``), which proves that phi has no pole or cut inside (the upper
half suffices: phi is real on the line, so :math:`\phi(\bar\zeta) = \overline{\phi(\zeta)}`).
On the boxes :math:`|h_k(x + iy)| \le K e^{x^2/4} e^{\sqrt k |y|}` (Cramér's inequality,
K = 1.086435, with :math:`He_k(x + u) = \sum_j \binom kj He_{k-j}(x) u^j`) and
:math:`|h_k(\zeta)| \le |He_k(i|\zeta|)|/\sqrt{k!}`.  All h_k come from one
three-term recurrence at each node, so the work is nodes x n.  Bookkeeping of bound *magnitudes*
(logarithms of M_k, node counts) runs in floating point with a margin of 1e-6 in the logarithm,
far above any rounding there; every value and radius is a ball.  Precision and targets rise
until every coefficient is proven to ``dps`` significant digits; a coefficient that is zero by
symmetry (phi(z) -+ phi(-z) a polynomial, shown by sympy) is an exact 0; any other coefficient
whose ball still contains 0 is reported with its radius.

Place: hermite stage, below :mod:`hermite_rev.hermite` (which wires it into ``hermite_coeffs``
and ``kernel_of``); imports :mod:`hermite_rev._ball_expr` (the expression compiled to balls, its
ranges and growth envelope) and :mod:`hermite_rev._core`.

References: L. N. Trefethen, *Approximation Theory and Approximation Practice*, Thm 19.3;
Abramowitz & Stegun 22.14.17 (Cramér's inequality); F. Johansson, "Numerical integration in
arbitrary-precision ball arithmetic", arXiv:1802.07942.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import flint
import mpmath
import numpy as np
import sympy
from flint import acb, arb

from ._ball_expr import (
    BallProgram,
    BallRefusal,
    Envelope,
    ball_program,
    constant,
    growth_envelope,
    ipow,
    round_up,
    upper_float,
)
from ._core.errors import HermiteRevError
from ._core.exprs import z
from ._core.precision import flint_ctx
from ._core.text import short

__all__ = ["ball_hermite", "BallHermite", "parity_zeros", "tail_bound", "BallRefusal"]

#: Cramér's constant: |He_k(x)| <= K sqrt(k!) e^{x^2/4} for real x (A&S 22.14.17: 1.086435)
_CRAMER = 1.0865
#: safety margin added to every logarithm of a bound computed in floating point
_LOG_MARGIN = 1e-6
_LN2 = math.log(2.0)


# --------------------------------------------------------------------------------------------
# zeros by symmetry, float estimates, tail
# --------------------------------------------------------------------------------------------


def _looks_polynomial(d: sympy.Expr) -> bool:
    """A cheap screen: the 4th finite differences of d at six points vanish (degree <= 3?)."""
    try:
        prog = ball_program(d, 96)
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
def parity_zeros(phi: sympy.Expr) -> tuple[int | None, int | None]:
    """(D_even, D_odd): b_k = 0 for even k > D_even and for odd k > D_odd (None: no claim).

    The even part (phi(z) + phi(-z))/2 of a polynomial degree D has no even Hermite
    coefficient beyond D (likewise the odd part), whatever the rest of phi is.
    """
    if len(phi.atoms(sympy.Function)) + len(phi.args) > 60:
        return (None, None)
    if phi.has(sympy.Max, sympy.Min):  # Max(a, b) = (a + b + |a - b|)/2: the parts separate
        phi = phi.rewrite(sympy.Abs)
    m = phi.subs(z, -z)
    return (_poly_degree(phi + m), _poly_degree(phi - m))


def _extrapolate(est: np.ndarray, zero: tuple, scale: float) -> np.ndarray:
    """Guesses of log|b_k| where the float estimate is unreliable: log|b_k| linear in sqrt(k)
    through the reliable tail (a guess only sets the first target; the proof does not use it)."""
    ks = [k for k in range(35, min(len(est), 70)) if not zero[k] and est[k] > 1e-13 * scale]
    out = np.full(len(est), math.log(1e-13 * scale))
    if len(ks) >= 4:
        beta, alpha = np.polyfit(np.sqrt(ks), np.log(est[ks]), 1)
        if beta < 0:
            out = np.minimum(out, alpha + beta * np.sqrt(np.arange(len(est))) - math.log(1e3))
    return out


def _log(x: arb) -> float:
    """The natural logarithm of a positive ball's midpoint magnitude as a float (-inf for 0);
    the targets are logarithms so that 10^-dps never underflows a float (dps > 300)."""
    if x == 0:
        return -math.inf
    if not x.is_finite():
        return math.inf
    return float(abs(arb(x.mid())).log().mid())


@lru_cache(maxsize=1)
def _hermegauss() -> tuple[np.ndarray, np.ndarray]:
    from numpy.polynomial.hermite_e import hermegauss

    return hermegauss(160)


def _estimate(prog: BallProgram, s: float, n: int) -> tuple[np.ndarray, float]:
    """Float estimates of |b_k| (Gauss-Hermite, 160 nodes; NaN where unreliable) and of E[phi^2]^(1/2)."""
    x, w = _hermegauss()
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


def tail_bound(env: Envelope, L: float) -> arb:
    r"""An upper bound of :math:`(\int_{|z|>L} E(|z|)^2 \varphi(z) dz)^{1/2}` (a ball).

    :math:`E^2 = \sum C z^J e^{A z}`; with u = z - A,
    :math:`z^J e^{Az - z^2/2} \le e^{A^2/2} \sum_i \binom Ji A^{J-i} u^i e^{-u^2/2}` and
    :math:`\int_{L'}^\infty u^i e^{-u^2/2} du \le L'^{i-1} e^{-L'^2/2} / (1 - (i-1)/L'^2)`
    (i >= 1, by parts; :math:`e^{-L'^2/2}/L'` for i = 0).
    """
    sq = env.squared().terms
    total = arb(0)
    Lb = arb(L)
    for cf, J, A in sq:
        Lp = Lb - A
        if not (Lp > 0 and Lp * Lp > J + 1):
            return arb.pos_inf()
        g = (-Lp * Lp / 2).exp()
        part = arb(0)
        for i in range(J + 1):
            qi = g / Lp if i == 0 else ipow(Lp, i - 1) * g / (1 - arb(i - 1) / (Lp * Lp))
            part += arb.bin_uiui(J, i) * ipow(arb(A), J - i) * qi
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


def _pieces(prog: BallProgram, s: arb, L: Fraction, eps: Fraction) -> tuple[list, list]:
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
_WIDTH = 4.0
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
    prog: BallProgram, br: tuple, s: arb, c: float, h: float, rho: float, n: int, hb: _HermiteBounds
) -> np.ndarray | None:
    """log M_k (k < n) of |phi(s zeta) h_k(zeta) e^{-zeta^2/2}/sqrt(2 pi)| on the rho-ellipse
    of the panel [c - h, c + h], or None when phi is not proven analytic there."""
    A = round_up(h * (rho + 1 / rho) / 2) * (1 + 1e-9) + 1e-12
    B = round_up(h * (rho - 1 / rho) / 2) * (1 + 1e-9) + 1e-12
    edges = np.linspace(c - A, c + A, _STRIPS + 1)
    edges[0], edges[-1] = c - A * (1 + 1e-9), c + A * (1 + 1e-9)
    lgP, X, Y, R = (np.empty(_STRIPS) for _ in range(4))
    for j in range(_STRIPS):
        x0, x1 = float(edges[j]), float(edges[j + 1])
        d = 0.0 if x0 <= c <= x1 else min(abs(x0 - c), abs(x1 - c))
        y = round_up(B * math.sqrt(max(0.0, 1 - (d / A) ** 2)))
        box = acb(arb((x0 + x1) / 2, round_up((x1 - x0) / 2)), arb(y / 2, round_up(y / 2))) * s
        v = prog.box(box, br)
        if not v.is_finite():
            return None
        p = upper_float(v.abs_upper())
        lgP[j] = math.log(p) if p > 0 else -math.inf
        X[j] = 0.0 if x0 <= 0 <= x1 else min(abs(x0), abs(x1)) * (1 - 1e-12)
        Y[j] = y
        R[j] = round_up(math.hypot(max(abs(x0), abs(x1)), y))
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


def _plan(
    prog: BallProgram,
    br: tuple,
    s: arb,
    a: Fraction,
    b: Fraction,
    log_tau: np.ndarray,
    hb: _HermiteBounds,
    hint: list,
    depth: int = 0,
) -> list:
    """Panels covering [a, b] whose Gauss-Legendre errors are below their share of exp(log_tau).

    The ellipse parameter rho is searched from ``hint[0]`` (the last panel's choice): up
    while the node count falls, else down; a panel that needs more than 160 nodes, or has no
    ellipse free of singularities, is halved.
    """
    c, h = (a + b) / 2, (b - a) / 2
    hf = float(h)
    share = log_tau + math.log(hf)  # the panel's share of the target, by length (per unit of L)
    tried: dict = {}

    def cost(i: int) -> float:
        if i not in tried:
            rho = _RHOS[i]
            lm = _ellipse_log_bounds(prog, br, s, float(c), hf, rho, len(log_tau), hb)
            tried[i] = (math.inf, None)
            if lm is not None:
                # (64/15) h M rho^(2 - 2m) / (rho^2 - 1): the m-point rule (ATAP 19.3 with n = m - 1)
                lead = math.log(64 / 15) + math.log(hf) + 2 * math.log(rho) - math.log(rho * rho - 1) + lm
                with np.errstate(invalid="ignore"):
                    need = np.where(np.isfinite(log_tau), (lead - share) / (2 * math.log(rho)), -np.inf)
                m = max(2, math.ceil(float(np.max(need)))) if np.any(np.isfinite(need)) else 2
                if m <= _MAX_NODES:
                    tried[i] = (m, lead)
        return tried[i][0]

    i = min(hint[0], len(_RHOS) - 1)
    while i < len(_RHOS) - 1 and cost(i) == math.inf:
        i += 1
    for step in (-1, 1):
        while 0 <= i + step < len(_RHOS) and cost(i + step) < cost(i):
            i += step
    m = cost(i)
    # halving helps only while a larger ellipse becomes free of singularities: at the largest
    # rho (i == 0) a half panel needs as many nodes (beyond ~340 digits every panel needs > 160)
    if m == math.inf or (m > 160 and i > 0 and depth < 24 and hf > 1e-3):
        if m == math.inf and depth >= 24:
            raise BallRefusal(
                f"no Bernstein ellipse around [{float(a):.6g}, {float(b):.6g}] avoids the singularities of phi"
            )
        mid = (a + b) / 2
        return _plan(prog, br, s, a, mid, log_tau, hb, hint, depth + 1) + _plan(
            prog, br, s, mid, b, log_tau, hb, hint, depth + 1
        )
    hint[0] = i
    rho, lead = _RHOS[i], tried[i][1]
    m = next(k for k in _SIZES + (int(m),) if k >= m)
    return [_Panel(c, h, br, m, lead - 2 * m * math.log(rho))]


def _sum_panels(prog: BallProgram, s: arb, panels: list, n: int, precs: list) -> list:
    r""":math:`\sum_i w_i \phi(s x_i) e^{-x_i^2/2} He_k(x_i)` over every node of every panel (balls;
    each panel at its own precision)."""
    acc = [arb(0)] * n
    for p, prec in zip(panels, precs):
        with flint_ctx(prec, flint.ctx.cap):
            c, h = _ball(p.c), _ball(p.h)
            for t, w in _gauss_legendre(p.m, prec):
                x = c + h * t
                f = prog.real(s * x, p.br)
                if not f.is_finite():
                    raise BallRefusal(
                        f"activation {short(prog.expr, 60)} is not real and finite at z = {x.mid().str(8)}"
                    )
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


def _growth_bits(n: int, L: float, env: Envelope) -> tuple[np.ndarray, np.ndarray]:
    """(x, log2 of R_{n-1}(x) e^{-x^2/2} E(x)) on a grid of [0, L]: how far the recurrence's
    radii grow at x (ball arithmetic drops the signs of the recurrence; R_k(x) = |He_k(ix)|/sqrt(k!))."""
    x = np.linspace(0.0, L, 97)[1:]
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
    return x, np.maximum(0.0, g / _LN2)


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

    ``q`` is a positive number (a sympy number, int, or an exact constant expression) or a
    python-flint ``arb`` ball: then every ball holds :math:`b_k(q)` for every q in it (the
    variance of a deep layer), and the rounds stop when the width of q dominates.

    Raises :class:`BallRefusal` (one line) when phi has no proven growth envelope, is not
    real, has a kink whose sign cannot be isolated, a function the compiler does not know, or
    a singularity on the real line.

    Examples
    --------
    >>> import sympy
    >>> import mpmath
    >>> b = ball_hermite(sympy.tanh(z), 4, 20)
    >>> mpmath.nstr(b.values[1], 20), b.errors[1] < 1e-20, b.zero[2], all(b.proven)
    ('0.60570550960215882558', True, True, True)
    """
    phi = sympy.sympify(phi)
    if phi.free_symbols - {z}:
        raise BallRefusal(f"activation {short(phi, 60)} has free symbols other than z")
    if not isinstance(q, arb):
        q = sympy.sympify(q)
    with flint_ctx(128, flint.ctx.cap):
        qb = q if isinstance(q, arb) else constant(q)
        if not qb > 0:
            raise BallRefusal(f"the pre-activation variance must be positive, got q = {short(q, 40)}")
        s_up = upper_float(qb.sqrt())
    env = growth_envelope(phi).scaled(s_up)
    prog64 = ball_program(phi, 64)
    d_even, d_odd = parity_zeros(phi)
    zero = tuple(
        (d_even is not None and k % 2 == 0 and k > d_even) or (d_odd is not None and k % 2 == 1 and k > d_odd)
        for k in range(n)
    )
    est, norm = _estimate(prog64, float(qb.sqrt().mid()), n)
    scale = max(norm, 1e-300)
    # targets as natural logarithms: 10^-dps underflows a float beyond dps ~ 300
    ln10 = math.log(10.0)
    floor = math.log(scale) - (4 * dps + 50) * ln10
    with np.errstate(divide="ignore", invalid="ignore"):
        good = ~np.isnan(est) & (est >= 1e-13 * scale)
        tau = np.where(good, np.log(np.where(good, est, 1.0)), _extrapolate(est, zero, scale)) - (dps + 1) * ln10
    tau = np.maximum(tau, floor)
    extra_bits = 0.0
    mids: list = [arb(0)] * n
    rads: list = [arb.pos_inf()] * n
    proven = [False] * n
    how = ""
    for _ in range(max_rounds):
        need = np.array([not (zero[k] or proven[k]) for k in range(n)])
        if not need.any():
            break
        at_floor = all(tau[k] <= floor for k in range(n) if need[k])
        new_mids, new_rads, how, worst = _round(phi, q, env, n, tau, need, scale, extra_bits)
        extra_bits += worst
        before = max((rads[k] for k in range(n) if need[k]), default=arb(0))
        for k in range(n):  # every round's balls hold b_k: keep the tightest
            if new_rads[k] < rads[k]:
                mids[k], rads[k] = new_mids[k], new_rads[k]
        stalled = not 4 * max((rads[k] for k in range(n) if need[k]), default=arb(0)) < before
        for k in np.flatnonzero(need).tolist():
            m, r = mids[k], rads[k]
            if abs(m) > r and r * arb(10) ** dps <= abs(m):
                proven[k] = True
            elif abs(m) > 2 * r:
                tau[k] = max(floor, _log(m) - (dps + 1) * ln10 - _LN2)
            else:
                tau[k] = max(floor, min(tau[k], _log(r)) - (dps + 2) * ln10)
        if stalled or (at_floor and not worst):  # stalled: the width of a ball q dominates
            break
    open_ks = [k for k in range(n) if not (zero[k] or proven[k])]
    if open_ks:
        ks = ", ".join(map(str, open_ks[:8])) + (", ..." if len(open_ks) > 8 else "")
        how += f"; not proven to {dps} digits (balls reported with their radius): b_k for k = {ks}"
    return _result(mids, rads, proven, zero, dps, how)


def _round(
    phi: sympy.Expr,
    q: sympy.Expr,
    env: Envelope,
    n: int,
    tau: np.ndarray,
    need: np.ndarray,
    scale: float,
    extra_bits: float,
) -> tuple:
    """One pass at the targets ``tau`` (natural logarithms): (midpoints, radii, method text,
    missing precision bits)."""
    tau_min = float(np.min(tau[need]))
    L = _choose_L(env, tau_min - math.log(8))
    gx, gbits = _growth_bits(n, L, env)
    base = int(max(0.0, math.log2(scale)) - tau_min / _LN2 + math.log2(16 * L) + 40 + extra_bits)
    prec = base + int(np.max(gbits))
    prog = ball_program(phi, prec + 20)
    with flint_ctx(prec + 20, flint.ctx.cap):
        s = (q if isinstance(q, arb) else constant(q)).sqrt()
        eps = Fraction(2) ** -int(-(tau_min - math.log(64)) / _LN2 + math.log2(1 + env.at(L)) + 8)
        pieces, gaps = _pieces(prog, s, Fraction(L), eps)
        gap = _gap_bound(prog, s, gaps)
        tail = tail_bound(env, L)
        hb = _HermiteBounds(n, max(64, math.ceil(L * L / 4) + 2), L * 1.5 + 4)
        log_tau = np.where(need, tau - math.log(4 * L), -np.inf)
        panels: list = []
        hint = [0]
        for a, b in pieces:
            br = prog.decide(s * _ball((a + b) / 2))
            if br is None:
                raise BallRefusal("the branches of the activation could not be decided")
            steps = max(1, math.ceil(float(b - a) / _WIDTH))
            for j in range(steps):
                lo, hi = a + (b - a) * j / steps, a + (b - a) * (j + 1) / steps
                panels.extend(_plan(prog, br, s, lo, hi, log_tau, hb, hint))
    quad = _log_sum([p.log_err for p in panels])
    precs = []
    for p in panels:  # the growth bits over the panel (the grid point beyond each end included)
        lo, hi = abs(float(p.c)) - float(p.h), abs(float(p.c)) + float(p.h)
        i0, i1 = np.searchsorted(gx, max(lo, 0.0)) - 1, np.searchsorted(gx, hi) + 1
        precs.append(base + 20 + 64 * math.ceil(float(np.max(gbits[max(i0, 0) : i1 + 1])) / 64))
    acc = _sum_panels(prog, s, panels, n, precs)
    with flint_ctx(prec + 20, flint.ctx.cap):
        norm_k = 1 / (2 * arb.pi()).sqrt()
        mids, rads = [], []
        worst = 0.0
        for k in range(n):
            if k:
                norm_k = norm_k / arb(k).sqrt()
            v = acc[k] * norm_k
            rnd = _log(arb(v.rad()))
            if need[k] and rnd > tau[k] - math.log(4):
                worst = max(worst, (rnd - tau[k]) / _LN2 + 4)
            v = arb(v.mid(), v.rad() + _radius(float(quad[k])) + tail + gap)
            mids.append(v.mid())
            rads.append(arb(v.rad()))
    how = (
        f"ball quadrature: {len(panels)} Gauss-Legendre panels, {sum(p.m for p in panels)} nodes on "
        f"[-{L:g}, {L:g}], {len(gaps)} kink gaps, {prec} bits; tail by Cauchy-Schwarz from |phi| <= {env}"
    )
    return mids, rads, how, worst


_LS = (4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 32, 36, 40, 48, 56, 64, 80, 96, 128, 192, 256)


def _choose_L(env: Envelope, log_target: float) -> float:
    """The smallest tabulated L whose tail bound is below ``exp(log_target)``."""
    with flint_ctx(128, flint.ctx.cap):
        target = arb(log_target).exp()
        for L in _LS:
            t = tail_bound(env, L)
            if t.is_finite() and t < target:
                return float(L)
    shown = f"1e{log_target / math.log(10.0):.0f}"
    raise BallRefusal(f"the Gaussian tail of phi cannot be bounded below {shown} (|phi| <= {env})")


def _gap_bound(prog: BallProgram, s: arb, gaps: list) -> arb:
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
