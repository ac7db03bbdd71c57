r"""The proven quadrature route: E[phi(u) phi(v)] by nested rigorous integrals, no series involved.

Place: the verify stage, between :mod:`._quadrature` (its user) and :mod:`._checks`.  Imports
:mod:`hermite_rev._core`, :mod:`hermite_rev._ball_expr` (phi compiled to balls, its growth
envelope) and :func:`hermite_rev._hermite_balls.tail_bound` (a Gaussian tail of an envelope) --
never a Taylor series (``series``, ``hermite``, ``family``: import-linter forbids it), so its values
check the series route independently.

Index
-----
ball_expectation   E[f(u) f(v)] for (u, v) centred Gaussian, Var u = Var v = q, corr rho, as a ball
BallQuadRefusal    no proof could be built (one line; the caller falls back or reports it)

How.  With :math:`u \sim N(0, q)` and :math:`v \mid u \sim N(\rho u, q s^2)`, :math:`s^2 = 1 - \rho^2`,

.. math:: E[f(u) f(v)] = \int f(u)\, N(u; 0, q)\, G(u)\, du, \qquad
          G(u) = \int f(v)\, N(v; \rho u, q s^2)\, dv,

both cut to [-W, W] with W >= L sqrt(q), and computed by python-flint's ``acb.integral``
(Petras / Gauss-Legendre with error bounds from complex evaluations, Johansson
arXiv:1802.07942).  G is entire in u (u enters only the Gaussian), so the outer integrand is
analytic wherever f is; f is evaluated on complex boxes with its branch cuts checked (NaN
unless analytic).  Kinks of f (Max, Abs, Heaviside, ...) split both integrals at their points;
on each piece every kink's argument is proven of one sign (zero allowed only where two branches
meet, a set of measure zero) and f is one analytic branch there.  **Tail**: the region outside
{|u| <= W, |v| <= W} has probability at most that of {|x| > L} plus {|w| > L} for standard x, w,
so by Cauchy--Schwarz with a proven envelope :math:`|f(\sqrt q z)| \le E(|z|)`,
:math:`|E - E_W| \le 2 T(L) (E(L)^2 + T(L)^2)^{1/2}`, :math:`T(L) = (\int_{|z|>L} E^2 \varphi)^{1/2}`.
At rho = +-1 (s = 0) the expectation is the 1-D integral of f(u) f(+-u).
"""

from __future__ import annotations

import math
from typing import Any

import flint
import sympy
from flint import acb, arb

from .._ball_expr import BallProgram, BallRefusal, ball_program, growth_envelope, upper_float
from .._core.errors import HermiteRevError
from .._core.exprs import z
from .._core.precision import flint_ctx
from .._hermite_balls import tail_bound

__all__ = ["ball_expectation", "BallQuadRefusal", "choose_L"]

_LS = (6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0, 24.0, 28.0, 32.0, 40.0, 48.0, 64.0)


class BallQuadRefusal(HermiteRevError):
    """The proven quadrature could not be built for this activation (the message says why)."""


def choose_L(f: sympy.Expr, q_hi: float, target: float) -> tuple[float, arb]:
    """The smallest tabulated L whose tail bound 2 T (E(L)^2 + T^2)^(1/2) is below ``target``
    for f(sqrt(q) z), q <= q_hi; returns L and the bound (a ball)."""
    try:
        env = growth_envelope(f).scaled(math.sqrt(q_hi) * (1 + 1e-12))
    except BallRefusal as exc:
        raise BallQuadRefusal(f"no growth bound: {exc}") from None
    for L in _LS:
        T = tail_bound(env, L)
        if not T.is_finite():
            continue
        EL = arb(env.at(L))
        bound = 2 * T * (EL * EL + T * T).sqrt()
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


def ball_expectation(
    f: sympy.Expr, kinks: list[float], rho: arb, q: arb, dps: int, *, rho_exact: int | None = None
) -> arb:
    """E[f(u) f(v)], Var u = Var v = q, corr rho (balls), proven to about ``dps`` digits (a ball).

    ``rho_exact``: +1 or -1 when rho is exactly that (then s = 0 and the expectation is 1-D).
    Raises :class:`BallQuadRefusal` where no proof can be built.
    """
    prec = int(dps * 3.33) + 30
    with flint_ctx(prec, flint.ctx.cap):
        prog = ball_program(sympy.sympify(f), prec)
        q_hi = upper_float(q)
        L, tail = choose_L(f, q_hi, 10.0 ** -(dps + 8))
        W = math.ceil(L * math.sqrt(q_hi) * (1 + 1e-9) * 8) / 8  # a dyadic window >= L sqrt(q)
        pieces = _pieces(prog, kinks, W)
        tol = arb(10) ** -(dps + 8)
        two_pi = 2 * arb.pi()
        if rho_exact is not None:
            sgn = rho_exact

            def one_d(br: tuple, br2: tuple) -> Any:
                def F(x: acb, analytic: bool) -> acb:
                    w = (-x * x / (2 * q)).exp() / (two_pi * q).sqrt()
                    return prog.box(x, br) * prog.box(sgn * x, br2) * w

                return F

            total = acb(0)
            for a, b, br in pieces:
                for a2, b2 in _overlap(a, b, pieces, sgn):
                    m = sgn * (a2 + b2) / 2
                    br2 = next(bb for aa, ee, bb in pieces if aa <= m <= ee)
                    total += acb.integral(one_d(br, br2), a2, b2, abs_tol=tol)
            return _real(total, tail)
        s2 = 1 - rho * rho
        if not s2 > 0:
            raise BallQuadRefusal("the correlation ball reaches +-1: pass an exact cosine of +-1")
        var = q * s2
        norm_in = 1 / (two_pi * var).sqrt()
        norm_out = 1 / (two_pi * q).sqrt()

        def G(u: acb, point: bool) -> acb:
            mean = rho * u
            opts: dict[str, Any] = {"abs_tol": tol} if point else {"rel_tol": arb(2) ** -30, "eval_limit": 4000}
            total = acb(0)
            for a, b, br in pieces:

                def inner(v: acb, analytic: bool, br: tuple = br) -> acb:
                    d = v - mean
                    return prog.box(v, br) * (-d * d / (2 * var)).exp()

                total += acb.integral(inner, a, b, **opts)
            return total * norm_in

        def outer(br: tuple) -> Any:
            def F(u: acb, analytic: bool) -> acb:
                val = prog.box(u, br)
                if not val.is_finite():
                    return val
                # a point of the rule: the inner integral to full accuracy; a box (analytic=True, for
                # the outer error bound): an enclosure is enough
                return val * (-u * u / (2 * q)).exp() * G(u, not analytic)

            return F

        total = acb(0)
        for a, b, br in pieces:
            total += acb.integral(outer(br), a, b, abs_tol=tol)
        return _real(total * norm_out, tail)


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
