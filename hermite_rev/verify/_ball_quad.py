r"""The proven quadrature route: E[phi(u) phi(v)] and deep kernels by Gauss-Legendre panels with
Bernstein-ellipse error bounds, no series involved.

Place: the verify stage, between :mod:`._quadrature` (its user) and :mod:`._checks`.  Imports
:mod:`hermite_rev._core`, :mod:`hermite_rev._ball_expr` (phi compiled to balls, its growth
envelope) and :func:`hermite_rev._hermite_balls.tail_bound` (a Gaussian tail of an envelope) --
never a Taylor series (``series``, ``hermite``, ``family``: import-linter forbids it), so its values
check the series route independently.

Index
-----
ball_kernel        NNGP / NTK at cosines, depth 1-4, any sigma_w / sigma_b, every layer proven (balls)
BallLayer          one layer's expectations E[g(u) g(v)] (g = phi or phi'), q and rho balls
ball_expectation   E[f(u) f(v)] for (u, v) centred Gaussian, Var u = Var v = q, corr rho, as a ball
gauss_legendre     Gauss-Legendre nodes and weights as balls (cached)
choose_L           the window [-L, L] (standard units) whose Gaussian tail is proven below a target
BallQuadRefusal    no proof could be built (one line; the caller reports it)

How.  With :math:`u \sim N(0, q)` and :math:`v \mid u \sim N(\rho u, \sigma^2)`,
:math:`\sigma^2 = q (1 - \rho^2)`,

.. math:: E[f(u) f(v)] = \int f(u)\, N(u; 0, q)\, G(u)\, du, \qquad
          G(u) = \int_{-W}^{W} f(v)\, N(v; \rho u, \sigma^2)\, dv,

the outer integral also cut to [-W, W], W >= L sqrt(q).  Both integrals are composite
Gauss-Legendre rules on *one* grid of panels over [-W, W] (cut at the kinks), so f at the nodes is
computed once per layer and shared by the outer and inner rules and by every cosine; the inner
rule at an outer node u uses the panels within rho u +- L' sigma, the Gaussian mass outside them
times S >= sup |f| is added to the radius.  **Error bounds** (Trefethen, ATAP Thm 19.3): an
m-point panel of half-width h errs by at most (64/15) h M rho^(2-2m) / (rho^2 - 1), M the maximum
of the integrand on the Bernstein ellipse of half-height H.  |f| there is bounded by complex ball
evaluation on boxes covering the rectangle [a - H, b + H] x [0, H] around the piece (branch cuts
checked, NaN unless analytic; the lower half by Schwarz reflection); the Gaussians are bounded
analytically: |N(v; m, sigma^2)| <= e^(H^2 / (2 sigma^2)) / (sqrt(2 pi) sigma) for the inner rule, and,
G being entire in u, |G(u + i b)| <= S e^(rho^2 b^2 / (2 sigma^2)), so the outer integrand is at most
|f| S e^(H^2 / (2 sigma^2)) / sqrt(2 pi q).  H, the panel width and m are chosen (in floats) to
meet 10^-(dps+3) at the least cost; the bounds themselves are computed in ball arithmetic.
Kinks of f (Max, Abs, Heaviside, ...) cut the grid; on each piece every kink's argument is proven
of one sign and f is one analytic branch there.  **Tail**: the region outside {|u| <= W, |v| <= W}
has probability at most 2 erfc(L / sqrt 2); a bounded envelope |f| <= C gives C^2 times that,
otherwise Cauchy--Schwarz with a proven envelope :math:`|f(\sqrt q z)| \le E(|z|)` gives
:math:`2 T(L) (E(L)^2 + T(L)^2)^{1/2}`, :math:`T(L) = (\int_{|z|>L} E^2 \varphi)^{1/2}`.  At rho = +-1
the expectation is the 1-D integral of f(u) f(+-u) (same rules, tail C^2 erfc or T^2).
**Depth**: the layer recursion of :mod:`hermite_rev.kernels` (neural-tangents conventions) with
q, rho as balls: the rules applied with ball parameters enclose the rule of every parameter in
them, and the bounds are taken over the balls (lower bounds of q and sigma^2), so every layer's
value encloses the truth.  Cosines exactly +-1 stay +-1 exactly (odd / even phi, sigma_b = 0).
"""

from __future__ import annotations

import bisect
import math
from functools import lru_cache
from typing import Any

import flint
import sympy
from flint import acb, arb

from .._ball_expr import BallProgram, BallRefusal, ball_program, growth_envelope, upper_float
from .._core.errors import HermiteRevError
from .._core.exprs import z
from .._core.precision import flint_ctx
from .._core.text import short
from .._hermite_balls import tail_bound

__all__ = ["ball_expectation", "BallQuadRefusal", "choose_L"]

_LS = tuple(x / 4 for x in range(16, 257))


class BallQuadRefusal(HermiteRevError):
    """The proven quadrature could not be built for this activation (the message says why)."""


def choose_L(f: sympy.Expr, q_hi: float, target: float, *, diag: bool = False) -> tuple[float, arb]:
    """The smallest tabulated L whose tail bound is below ``target`` for f(sqrt(q) z), q <= q_hi;
    returns L and the bound (a ball).

    The region left out, {|x| > L} or {|w| > L} (x, w standard), has probability at most
    2 erfc(L / sqrt 2); a bounded envelope |f| <= C gives C^2 times that; otherwise
    Cauchy--Schwarz gives 2 T (E(L)^2 + T^2)^(1/2).  ``diag``: the 1-D E[f(u) f(+-u)], whose
    tail is at most C^2 erfc(L / sqrt 2), or T^2.
    """
    try:
        env = growth_envelope(f).scaled(math.sqrt(q_hi) * (1 + 1e-12))
    except BallRefusal as exc:
        raise BallQuadRefusal(f"no growth bound: {exc}") from None
    bounded = all(p == 0 and a == 0 for _, p, a in env.terms)
    C = arb(sum(cf for cf, _, _ in env.terms))
    for L in _LS:
        if bounded:
            bound = C * C * (arb(L) / arb(2).sqrt()).erfc() * (1 if diag else 2)
        else:
            T = tail_bound(env, L)
            if not T.is_finite():
                continue
            EL = arb(env.at(L))
            bound = T * T if diag else 2 * T * (EL * EL + T * T).sqrt()
        if bound < target:
            return L, bound
    raise BallQuadRefusal(f"the Gaussian tail of {f} cannot be bounded below {target:.3g} (|f| <= {env})")


def _pieces(prog: BallProgram, kinks: list[float], W: float) -> list[tuple[float, float, tuple]]:
    """[-W, W] cut at the kinks, each piece with the branch of every kink proven on it."""
    cuts = sorted({k for k in kinks if -W < k < W})
    ends = [-W, *cuts, W]
    out = []
    for a, b in zip(ends, ends[1:]):
        br = _branch(prog, a, b)
        if br is None:
            raise BallQuadRefusal(
                f"could not prove one branch of every kink of {prog.expr} on ({a:g}, {b:g}) (kinks at {cuts})"
            )
        out.append((a, b, br))
    return out


def _open_sign(g: Any, dg: Any, a: float, b: float, br: tuple) -> int | None:
    """The sign (+1 / -1) of g on the open interval (a, b), proven, or None.

    Inside, g is evaluated on sub-intervals (strict signs); at each end point e, g(e) is a ball
    (zero allowed: a kink exactly there) and g' over [e, e +- h] has a strict sign, so g keeps
    one strict sign on the half-open end cell.
    """
    h = (b - a) / 64
    signs = set()
    for lo, hi in ((a + h * i, a + h * (i + 1)) for i in range(1, 63)):
        v = g(arb(lo).union(arb(hi)), br)
        if v > 0:
            signs.add(1)
        elif v < 0:
            signs.add(-1)
        else:
            return None
    for e, cell, towards in ((a, (a, a + h), 1), (b, (b - h, b), -1)):
        v = g(arb(e), br)
        d = dg(arb(cell[0]).union(arb(cell[1])), br)[1]
        if v > 0 and (towards * d >= 0 or v - abs(d) * h > 0):
            signs.add(1)
        elif v < 0 and (towards * d <= 0 or v + abs(d) * h < 0):
            signs.add(-1)
        elif v.contains(0) and v.is_zero() and d > 0:
            signs.add(towards)
        elif v.contains(0) and v.is_zero() and d < 0:
            signs.add(-towards)
        else:
            return None
    return signs.pop() if len(signs) == 1 else None


def _branch(prog: BallProgram, a: float, b: float) -> tuple | None:
    """The branch of each kink on the open interval (a, b), proven (a kink's argument may vanish
    only at the end points, where the piece is cut)."""
    br: list = [None] * len(prog.kinks)
    for i, kink in enumerate(prog.kinks):
        cur = tuple(0 if x is None else x for x in br)
        got = [_open_sign(g, dg, a, b, cur) for g, dg in prog.args[i]]
        signs = [x for x in got if x is not None]
        if len(signs) != len(got):
            return None
        if kink.kind in ("abs", "sign", "heaviside"):
            br[i] = 0 if signs[0] > 0 else 1
        elif kink.kind in ("max", "min"):
            m = len(kink.branches)
            diffs, d = {}, 0
            for p in range(m):
                for r in range(p + 1, m):
                    diffs[(p, r)], diffs[(r, p)] = signs[d], -signs[d]
                    d += 1
            want = 1 if kink.kind == "max" else -1
            pick = [p for p in range(m) if all(diffs[(p, r)] == want for r in range(m) if r != p)]
            if not pick:
                return None
            br[i] = pick[0]
        else:
            mid = arb((a + b) / 2)
            choice = prog.decide(arb(a + (b - a) / 4).union(arb(b - (b - a) / 4)), i + 1)
            if choice is None or prog.decide(mid, i + 1) != choice:
                return None
            return None  # Piecewise: its conditions near the end points are not proven here
    return tuple(br)


#: Gauss-Legendre sizes (cached rules), ellipse half-heights and largest panel half-widths tried
_SIZES = (
    4,
    6,
    8,
    10,
    12,
    14,
    16,
    20,
    24,
    28,
    32,
    40,
    48,
    56,
    64,
    80,
    96,
    112,
    128,
    160,
    192,
    224,
    256,
    320,
    384,
    448,
    512,
)
_HEIGHTS = tuple(2.0 ** (k / 8) / 64 for k in range(90))
_HALVES = tuple(2.0 ** (k / 2) / 16 for k in range(19))


@lru_cache(maxsize=256)
def gauss_legendre(m: int, prec: int) -> tuple[tuple[arb, arb], ...]:
    """Nodes and weights of the m-point Gauss-Legendre rule on [-1, 1] (balls, flint's roots)."""
    with flint_ctx(prec, flint.ctx.cap):
        half = [arb.legendre_p_root(m, i, weight=True) for i in range((m + 1) // 2)]
    return tuple([(t, w) for t, w in half] + [(-t, w) for t, w in reversed(half[: m // 2])])


def _lower(x: arb) -> float:
    """A float lower bound of a positive ball."""
    v = float(x.lower())
    return math.nextafter(v * (1 - 1e-12), 0.0) if v > 0 else 0.0


class _Fn:
    """One integrand factor g (phi, phi', or phi(u) phi(+-u)) on [-W, W]: its pieces (kinks cut,
    each with its branch proven), S >= sup |g| on [-W, W], bounds of |g| on rectangles around
    the pieces (complex boxes, analytic checked), and Gauss-Legendre grids with g at the nodes."""

    def __init__(self, g: sympy.Expr, cuts: list[float], W: float, prec: int):
        self.prog = ball_program(g, prec)
        self.W, self.prec = W, prec
        self.pieces = _pieces(self.prog, cuts, W)
        self._rect: dict = {}
        self._grids: dict = {}
        n = max(16, int(8 * W))
        edges = [-W + 2 * W * i / n for i in range(n)] + [W]
        top = 0.0
        for a, b in zip(edges, edges[1:]):
            v = self.prog.real(arb(a).union(arb(b)), None)
            if not v.is_finite():
                raise BallQuadRefusal(f"{short(g, 60)} is not bounded on [{a:g}, {b:g}]")
            top = max(top, upper_float(v.abs_upper()))
        self.S = top

    def rect(self, i: int, H: float) -> float:
        """An upper bound of |g| (the branch of piece i) on [a - H, b + H] x [-H, H] (inf: not
        proven analytic there).  The upper half suffices: g is real on the piece, so
        g(conj zeta) = conj g(zeta) (Schwarz reflection)."""
        key = (i, H)
        if key not in self._rect:
            a, b, br = self.pieces[i]
            lo, hi = a - H * (1 + 1e-9), b + H * (1 + 1e-9)
            w = min(max(H / 2, (hi - lo) / 48), hi - lo)
            cols, rows = math.ceil((hi - lo) / w), max(1, math.ceil(H / w))
            xs = [lo + (hi - lo) * j / cols for j in range(cols)] + [hi]
            ys = [H * (1 + 1e-9) * j / rows for j in range(rows)] + [H * (1 + 1e-9)]
            top = 0.0
            for y0, y1 in reversed(list(zip(ys, ys[1:]))):  # the top row first: poles show there
                im = arb(y0).union(arb(y1))
                for x0, x1 in zip(xs, xs[1:]):
                    v = self.prog.box(acb(arb(x0).union(arb(x1)), im), br)
                    if not v.is_finite():
                        top = math.inf
                        break
                    top = max(top, upper_float(v.abs_upper()))
                if top == math.inf:
                    break
            self._rect[key] = top
        return self._rect[key]

    def panels(self, hmax: float, i: int) -> list[tuple[float, float]]:
        """Piece i cut into equal panels of half-width <= hmax (float ends, shared exactly)."""
        a, b, _ = self.pieces[i]
        k = max(1, math.ceil((b - a) / (2 * hmax) - 1e-9))
        ends = [a] + [a + (b - a) * j / k for j in range(1, k)] + [b]
        return list(zip(ends, ends[1:]))

    def grid(self, hmax: float, ms: tuple[int, ...]) -> list[tuple[float, float, list[tuple[arb, arb]]]]:
        """Panels with their nodes x and h w g(x) (balls), cached."""
        key = (hmax, ms)
        if key not in self._grids:
            out = []
            for i, m in enumerate(ms):
                br = self.pieces[i][2]
                for pa, pb in self.panels(hmax, i):
                    c, h = (arb(pa) + arb(pb)) / 2, (arb(pb) - arb(pa)) / 2
                    nodes = []
                    for t, w in gauss_legendre(m, self.prec):
                        x = c + h * t
                        gx = self.prog.real(x, br)
                        if not gx.is_finite():
                            raise BallQuadRefusal(f"{short(self.prog.expr, 60)} is not finite at z = {x.mid().str(8)}")
                        nodes.append((x, h * w * gx))
                    out.append((pa, pb, nodes))
            self._grids[key] = out
        return self._grids[key]

    def plan(self, log_extra: float, K_hi: float, tau: float, cost: Any) -> tuple[float, tuple, tuple]:
        """(hmax, m per piece, H per piece) of least ``cost(hmax, ms)`` whose Gauss-Legendre
        error bound (Bernstein ellipse of half-height H, |integrand| <= rect(H) e^(log_extra +
        K H^2)) is below tau in all (panel shares by length)."""
        best: tuple | None = None
        for hmax in _HALVES:
            ms, Hs = [], []
            for i, (a, b, _) in enumerate(self.pieces):
                k = max(1, math.ceil((b - a) / (2 * hmax) - 1e-9))
                h = (b - a) / (2 * k)
                pick = None
                for H in _HEIGHTS:
                    if K_hi * H * H > 300:
                        break
                    r = self.rect(i, H)
                    if r == math.inf:
                        break
                    rho = H / h + math.sqrt(1 + (H / h) ** 2)
                    if r == 0:
                        need = 2.0
                    else:
                        lead = math.log(64 / 15) + math.log(r) + log_extra + K_hi * H * H
                        lead += 2 * math.log(rho) - math.log(rho * rho - 1) + math.log(self.W / tau)
                        need = max(2.0, lead / (2 * math.log(rho)) + 1e-6)
                    m = next((s for s in _SIZES if s >= need), None)
                    if m is not None and (pick is None or m < pick[0]):
                        pick = (m, H)
                if pick is None:
                    break
                ms.append(pick[0])
                Hs.append(pick[1])
            if len(ms) < len(self.pieces):
                continue
            c = cost(hmax, tuple(ms))
            if best is None or c < best[0]:
                best = (c, hmax, tuple(ms), tuple(Hs))
            if 2 * hmax > max(b - a for a, b, _ in self.pieces):
                break
        if best is None:
            raise BallQuadRefusal(
                f"no Gauss-Legendre rule of <= {_SIZES[-1]} nodes per panel is proven for {short(self.prog.expr, 60)}"
            )
        return best[1], best[2], best[3]

    def error(self, hmax: float, ms: tuple, Hs: tuple, K: arb, extra: arb) -> arb:
        """The proven Gauss-Legendre error of the plan: per panel (64/15) h M rho^(2-2m) / (rho^2 - 1)
        (Trefethen, ATAP Thm 19.3; the m-point rule is exact to degree 2m - 1), M = rect(H) e^(K H^2) extra."""
        total = arb(0)
        for i, (m, H) in enumerate(zip(ms, Hs)):
            r = self.rect(i, H)
            for pa, pb in self.panels(hmax, i):
                h = (arb(pb) - arb(pa)) / 2
                Hb = arb(H)
                rho = Hb / h + (1 + (Hb / h) ** 2).sqrt()
                M = arb(r) * (K * Hb * Hb).exp() * extra
                total += arb(64) / 15 * h * M * rho ** (2 - 2 * m) / (rho * rho - 1)
        return arb(0, total.upper())


class BallLayer:
    """The Gaussian expectations of one layer, pre-activation variance q (a ball), proven.

    ``pair(which, rho)``: E[g(u) g(v)], corr(u, v) = rho (a ball inside (-1, 1)); ``diag(which,
    sgn)``: E[g(u) g(sgn u)] (rho exactly +-1); ``which`` is "f" (phi) or "df" (phi').  Nodes,
    values of g at the nodes and bounds are shared by every cosine of the layer.
    """

    def __init__(self, f: sympy.Expr, kinks: list[float], q: arb, dps: int):
        self.prec = int(dps * 3.33) + 30
        self.q, self.dps, self.kinks = q, dps, kinks
        self.tol = 10.0 ** -(dps + 3)
        self.exprs = {"f": f, "df": derivative(f)}
        self._fns: dict = {}
        self._diag: dict = {}
        self.qf_hi, self.qf_lo = upper_float(q), _lower(q)

    def _fn(self, key: tuple) -> tuple[_Fn, arb]:
        """(the factor, its tail bound) for ("pair", which) or ("diag", which, sgn)."""
        if key not in self._fns:
            g = self.exprs[key[1]]
            L, tail = choose_L(g, self.qf_hi, self.tol, diag=key[0] == "diag")
            W = math.ceil(L * math.sqrt(self.qf_hi) * (1 + 1e-9) * 8) / 8  # dyadic, >= L sqrt(q)
            if key[0] == "pair":
                fn = _Fn(g, self.kinks, W, self.prec)
            else:
                cuts = sorted({*self.kinks, *(-k for k in self.kinks)})
                fn = _Fn(sympy.expand(g * g.subs(z, key[2] * z)), cuts, W, self.prec)
            self._fns[key] = (fn, tail)
        return self._fns[key]

    def diag(self, which: str, sgn: int) -> arb:
        """E[g(u) g(sgn u)], u ~ N(0, q): one panel rule, bound M = rect e^(H^2/(2q)) / sqrt(2 pi q)."""
        if (which, sgn) in self._diag:
            return self._diag[(which, sgn)]
        with flint_ctx(self.prec, flint.ctx.cap):
            fn, tail = self._fn(("diag", which, sgn))
            q = self.q
            K_hi = 1 / (2 * self.qf_lo)
            log_extra = -0.5 * math.log(2 * math.pi * self.qf_lo)
            hmax, ms, Hs = fn.plan(
                log_extra, K_hi, self.tol, lambda h, ms: sum(len(fn.panels(h, i)) * m for i, m in enumerate(ms))
            )
            norm = 1 / (2 * arb.pi() * q).sqrt()
            total = arb(0)
            for _, _, nodes in fn.grid(hmax, ms):
                for x, c in nodes:
                    total += c * (-x * x / (2 * q)).exp()
            err = fn.error(hmax, ms, Hs, 1 / (2 * q), norm)
            out = total * norm + err + arb(0, tail.upper())
        self._diag[(which, sgn)] = out
        return out

    def pair(self, which: str, rho: arb) -> arb:
        r"""E[g(u) g(v)] at correlation rho: outer rule in u over the nodes of one grid, inner
        G(u) = \int_{-W}^{W} g(v) N(v; rho u, q s^2) dv by a second grid (panels within
        rho u +- L' sigma; the rest bounded by S times the Gaussian mass outside)."""
        with flint_ctx(self.prec, flint.ctx.cap):
            fn, tail = self._fn(("pair", which))
            q = self.q
            s2 = 1 - rho * rho
            if not s2 > 0:
                raise BallQuadRefusal(
                    "the correlation ball reaches +-1 (the layer's cosine is not proven inside (-1, 1))"
                )
            sig2 = q * s2
            sig = sig2.sqrt()
            sig_lo, sig_hi = math.sqrt(_lower(sig2)), math.sqrt(upper_float(sig2))
            K = 1 / (2 * sig2)
            K_hi = 1 / (2 * sig_lo * sig_lo)
            S = fn.S
            tol = self.tol
            Lp = next((x / 4 for x in range(4, 200) if S * math.erfc(x / 4 / math.sqrt(2)) <= tol), 50.0)
            span = 2 * Lp * sig_hi

            def inner_cost(h: float, ms: tuple) -> float:
                return sum(min(len(fn.panels(h, i)), span / (2 * h) + 1) * m for i, m in enumerate(ms))

            log_in = -0.5 * math.log(2 * math.pi) - math.log(sig_lo)
            hin, msin, Hsin = fn.plan(log_in, K_hi, tol, inner_cost)
            log_out = math.log(max(S, 1e-300)) - 0.5 * math.log(2 * math.pi * self.qf_lo)
            hout, msout, Hsout = fn.plan(
                log_out, K_hi, tol, lambda h, ms: sum(len(fn.panels(h, i)) * m for i, m in enumerate(ms))
            )
            norm_in = 1 / ((2 * arb.pi()).sqrt() * sig)
            norm_out = 1 / (2 * arb.pi() * q).sqrt()
            err_in = fn.error(hin, msin, Hsin, K, norm_in)
            err_out = fn.error(hout, msout, Hsout, K, arb(S) * norm_out)
            # the inner grid, flattened: per panel its ends and node range; a_j = c_j e^(-K v^2), b_j = 2 K v
            ends, starts, first, a_j, b_j = [], [], [0], [], []
            for pa, pb, nodes in fn.grid(hin, msin):
                starts.append(pa)
                ends.append(pb)
                for v, c in nodes:
                    a_j.append(c * (-K * v * v).exp())
                    b_j.append(2 * K * v)
                first.append(len(a_j))
            outer = fn.grid(hout, msout)
            n_out = sum(len(nodes) for _, _, nodes in outer)
            sqrt2sig = sig * arb(2).sqrt()
            W = fn.W
            total = arb(0)
            rho_f = float(rho.mid())
            for _, _, nodes in outer:
                for u, c in nodes:
                    d = c * (-u * u / (2 * q)).exp() * norm_out
                    if upper_float(d.abs_upper()) * S * n_out < tol:
                        total += arb(0, (d.abs_upper() * S).upper())  # |G| <= S on the real line
                        continue
                    m = rho * u
                    mf = rho_f * float(u.mid())
                    j0 = bisect.bisect_right(ends, mf - Lp * sig_hi)
                    j1 = max(j0 + 1, bisect.bisect_left(starts, mf + Lp * sig_hi))
                    j1 = min(j1, len(starts))
                    j0 = min(j0, j1 - 1)
                    acc = arb(0)
                    for j in range(first[j0], first[j1]):
                        acc += a_j[j] * (b_j[j] * m).exp()
                    mass = arb(0)
                    if starts[j0] > -W:
                        mass += ((m - starts[j0]) / sqrt2sig).erfc() / 2
                    if ends[j1 - 1] < W:
                        mass += ((ends[j1 - 1] - m) / sqrt2sig).erfc() / 2
                    G = acc * (-K * m * m).exp() * norm_in + err_in + arb(0, (mass * S).upper())
                    total += d * G
            return total + err_out + arb(0, tail.upper())


def ball_kernel(
    f: sympy.Expr,
    kinks: list[float],
    cs: list[tuple[arb, int | None]],
    kind: str,
    depth: int,
    hyper: tuple[arb, arb, arb, arb],
    sb_zero: bool,
    dps: int,
) -> list[arb]:
    """NNGP / NTK values (balls) at the cosines, the layer recursion of :mod:`hermite_rev.kernels`
    (neural-tangents conventions) with every expectation proven by :class:`BallLayer`.

    ``cs``: (the cosine as an exact ball, +1 / -1 when it is exactly that, else None);
    ``hyper``: sigma_w^2, sigma_b^2, sigma_w_last^2, sigma_b_last^2 as balls; ``sb_zero``:
    sigma_b is exactly 0 (then cos = -1 stays -1 through odd activations).
    """
    sw2, sb2, swl2, sbl2 = hyper
    prec = int(dps * 3.33) + 30
    odd = sympy.simplify(f.subs(z, -z) + f) == 0
    even = not odd and sympy.simplify(f.subs(z, -z) - f) == 0
    with flint_ctx(prec, flint.ctx.cap):
        layers: list[BallLayer] = []
        q_post = arb(1)
        for layer in range(depth):
            bl = BallLayer(f, kinks, sw2 * q_post + sb2, dps)
            layers.append(bl)
            if layer < depth - 1:
                q_post = bl.diag("f", 1)
        out = []
        for c, exact in cs:
            nngp, ntk, state = c, arb(0), exact
            for bl in layers:
                nngp = sw2 * nngp + sb2
                ntk = nngp + sw2 * ntk
                if state == -1 and not sb_zero:
                    state = None
                if state is None:
                    rho = nngp / bl.q
                    new = bl.pair("f", rho)
                    deriv = bl.pair("df", rho) if kind == "ntk" else arb(0)
                else:
                    new = bl.diag("f", state)
                    deriv = bl.diag("df", state) if kind == "ntk" else arb(0)
                    state = 1 if (state == 1 or even) else (-1 if odd else None)
                ntk = ntk * deriv
                nngp = new
            nngp = swl2 * nngp + sbl2
            out.append(nngp + swl2 * ntk if kind == "ntk" else nngp)
        return out


def ball_expectation(
    f: sympy.Expr, kinks: list[float], rho: arb, q: arb, dps: int, *, rho_exact: int | None = None
) -> arb:
    """E[f(u) f(v)], Var u = Var v = q, corr rho (balls), proven to about ``dps`` digits (a ball).

    ``rho_exact``: +1 or -1 when rho is exactly that (then the expectation is 1-D).  Raises
    :class:`BallQuadRefusal` where no proof can be built.
    """
    bl = BallLayer(sympy.sympify(f), kinks, q, dps)
    return bl.diag("f", rho_exact) if rho_exact is not None else bl.pair("f", rho)


def _overlap(a: float, b: float, pieces: list, sgn: int) -> list[tuple[float, float]]:
    """[a, b] cut where x -> sgn x crosses a piece boundary (for f(x) f(sgn x))."""
    cuts = {a, b}
    for a2, b2, _ in pieces:
        for e in (sgn * a2, sgn * b2):
            if a < e < b:
                cuts.add(e)
    ends = sorted(cuts)
    return list(zip(ends, ends[1:]))


def _real(total: acb, tail: arb) -> arb:
    """The real part of an integral with the tail bound added to its radius."""
    if not total.real.is_finite():
        raise BallQuadRefusal("the rigorous integral did not converge (non-finite enclosure)")
    return total.real + arb(0, tail.upper())


def derivative(f: sympy.Expr) -> sympy.Expr:
    """phi' of an expression in z (Heaviside for the kinks of Max / Abs)."""
    return sympy.diff(f, z)
