r"""Funk-Hecke: the Mercer eigenvalues of a dot-product kernel on the sphere, two ways.

Place: spectrum stage, below ``._spectrum`` (which wraps these paths in :class:`Spectrum`);
imports :mod:`hermite_rev._core`, :mod:`hermite_rev.series` (Taylor coefficients, the ball
engine) and ``._checks``.

Index
-----
multiplicity       N(d, k), the dimension of the degree-k spherical harmonics on S^{d-1}
funk_hecke_power   exact projection of c^j onto degree-k harmonics (a rational number)
power_eigenvalue   exact eigenvalue of (1 - c)^nu (a Gamma-function ratio), the Bietti-Bach atom
gegenbauer         normalised Gegenbauer polynomial P_k(d; t), P_k(d; 1) = 1
eigenvalue_quad    one mu_k by mpmath.quad against the Gegenbauer weight (the cross-check)
series_path        mu_0 .. mu_kmax from Taylor coefficients, with rigorous truncation bounds
quadrature_path    mu_0 .. mu_kmax by Gauss-Legendre in theta = acos t at two resolutions

The conventions (``d``, the uniform probability measure, the formulas) are those of
:mod:`hermite_rev.spectrum`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import flint
import mpmath
import sympy

from .._core.errors import HermiteRevError
from .._core.exprs import c
from .._core.limits import LIMITS, check_size
from .._core.precision import arb_exact, flint_ctx, rad, to_mpf
from .._core.text import short
from .._core.validate import as_number, check_nonneg_int
from ..hermite import check_kernel_coefficients
from ..series import Tail, taylor
from ..series._walk import ArbBackend, Undecided, Walker
from ._checks import check_dimension, check_kernel

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from .._core.typing import KernelLike, RealLike

__all__ = [
    "multiplicity",
    "funk_hecke_power",
    "power_eigenvalue",
    "gegenbauer",
    "eigenvalue_quad",
    "series_path",
    "quadrature_path",
]


# --------------------------------------------------------------------------------------------
# exact building blocks
# --------------------------------------------------------------------------------------------


def multiplicity(d: int, k: int) -> int:
    """N(d, k): dimension of the space of degree-k spherical harmonics on S^{d-1}.

    ``N(d, 0) = 1`` and ``N(d, k) = (2k + d - 2)/k * binom(k + d - 3, k - 1)``; 2 for d = 2
    and ``2k + 1`` for d = 3.

    >>> [multiplicity(3, k) for k in range(4)]
    [1, 3, 5, 7]
    """
    d = check_dimension(d)
    k = check_nonneg_int(k, "k")
    if k == 0:
        return 1
    return (2 * k + d - 2) * math.comb(k + d - 3, k - 1) // k


def _product(factors: Iterable[int]) -> int:
    """The product of integers by a balanced tree (big factors meet late: j = 20000 in 0.1 s)."""
    xs = list(factors)
    while len(xs) > 1:
        xs = [xs[i] * xs[i + 1] if i + 1 < len(xs) else xs[i] for i in range(0, len(xs), 2)]
    return xs[0] if xs else 1


def funk_hecke_power(j: int, k: int, d: int) -> sympy.Expr:
    r"""Exact eigenvalue :math:`\mu_k(c^j)` of the kernel :math:`c^j` on S^{d-1} (a Rational).

    Zero unless j >= k and j - k is even.  Always rational: for even d the Gammas are
    integers and :math:`\Gamma(m + 1/2)/\sqrt\pi` is rational; for odd d the half-integer
    Gammas pair up.

    >>> funk_hecke_power(2, 0, 3), funk_hecke_power(2, 2, 3)
    (1/3, 2/15)
    """
    j = check_size(check_nonneg_int(j, "j"), "j", "funk_hecke_j", low=0)  # j=4e11 ran for hours (~j bits)
    k = check_nonneg_int(k, "k")
    d = check_dimension(d)
    if j < k or (j - k) % 2:
        return sympy.Integer(0)
    # mu_k(c^k) = prod_{i<k} (i+1)/(2i+d), and mu_k(c^{i+2}) / mu_k(c^i) = (i+2)(i+1) / ((i-k+2)(i+k+d));
    # numerator and denominator multiplied out, reduced once
    num = _product(range(1, k + 1)) * _product((i + 2) * (i + 1) for i in range(k, j, 2))
    den = _product(2 * i + d for i in range(k)) * _product((i - k + 2) * (i + k + d) for i in range(k, j, 2))
    return sympy.Rational(num, den)


def _fh_arb(j: int, k: int, d: int) -> flint.arb:
    """mu_k(c^j) as an arb ball via log-Gamma (any size j, k)."""
    if j < k or (j - k) % 2:
        return flint.arb(0)
    m = (j - k) // 2
    A = flint.arb
    lg = (
        (A(d) / 2).lgamma()
        + A(j + 1).lgamma()
        + (A(m) + A(1) / 2).lgamma()
        - A(j - k + 1).lgamma()
        - (A(m + k) + A(d) / 2).lgamma()
        - A(k) * A(2).log()
        - A.pi().log() / 2
    )
    return lg.exp()


def _fh_max_beyond(n: int, k: int, d: int) -> flint.arb:
    """max_{j >= n, j = k mod 2} mu_k(c^j) as an arb ball (closed form: the sequence is unimodal).

    mu_k(c^{j+2}) >= mu_k(c^j)  iff  j (d - 1) <= k^2 + k (d - 2) - 2 d + 2.
    """
    j0 = max(n, k)
    if (j0 - k) % 2:
        j0 += 1
    R = k * k + k * (d - 2) - 2 * d + 2
    # first j >= j0 (same parity) with j (d-1) > R: the sequence decreases from there on
    jstar = j0
    if jstar * (d - 1) <= R:
        jstar = R // (d - 1) + 1
        if (jstar - k) % 2:
            jstar += 1
    return _fh_arb(jstar, k, d)


def power_eigenvalue(nu: RealLike, k: int, d: int, dps: int = 30) -> mpmath.mpf:
    r"""Exact eigenvalue of the kernel :math:`(1 - c)^\nu` on S^{d-1}, :math:`\nu > -(d-1)/2`.

    .. math:: \mu_k = \frac{2^{\nu+d-2}\,\Gamma(d/2)\,\Gamma(\nu + \frac{d-1}{2})}{\sqrt{\pi}}
              \,\frac{(-\nu)_k}{\Gamma(\nu + k + d - 1)}
              \;\sim\; C(d,\nu)\, k^{-d-2\nu+1},\quad
              C(d, \nu) = \frac{2^{\nu+d-2}\,\Gamma(d/2)\,\Gamma(\nu+\frac{d-1}{2})}{\sqrt\pi\,\Gamma(-\nu)}

    (Rodrigues' formula and k integrations by parts).  The kernel :math:`(1 + c)^\nu` has
    :math:`(-1)^k` times this.  Zero for integer nu < k.
    """
    k = check_nonneg_int(k, "k")
    d = check_dimension(d)
    dps = check_size(dps, "dps")
    nu = as_number(nu, "nu")
    if abs(nu) > LIMITS["symbolic_exponent"]:  # 2**(1e308) killed the interpreter (SIGFPE in gmpy2)
        raise HermiteRevError(
            f"nu={short(nu, 30)} is too large: |nu| <= {LIMITS['symbolic_exponent']} is supported "
            "(see docs/guide/limits.md)"
        )
    with mpmath.workdps(dps + 10):
        nu = mpmath.mpf(sympy.N(nu, dps + 15))
        if nu <= -mpmath.mpf(d - 1) / 2:
            raise HermiteRevError(f"nu must be > -(d-1)/2 for (1-c)^nu to be integrable, got nu={nu}")
        out = (
            mpmath.mpf(2) ** (nu + d - 2)
            * mpmath.gamma(mpmath.mpf(d) / 2)
            * mpmath.gamma(nu + mpmath.mpf(d - 1) / 2)
            / mpmath.sqrt(mpmath.pi)
            * mpmath.rf(-nu, k)
            / mpmath.gamma(nu + k + d - 1)
        )
    with mpmath.workdps(dps):
        return +out


def gegenbauer(k: int, d: int, t: Any) -> Any:
    """Normalised Gegenbauer (Legendre in dimension d) polynomial P_k(d; t), P_k(d; 1) = 1.

    Three-term recurrence ``P_{k+1} = ((2k + d - 2) t P_k - k P_{k-1}) / (k + d - 2)``;
    Chebyshev T_k for d = 2, Legendre for d = 3.  Works for mpmath numbers, floats, arb.
    """
    k = check_nonneg_int(k, "k", LIMITS["kmax"])  # k = 1.6e11 ran for ever
    d = check_dimension(d)
    if t is None or isinstance(t, (str, bytes, bool)) or not hasattr(t, "__mul__"):
        raise HermiteRevError(f"t must be a number (float, mpmath, arb), got t={short(repr(t), 60)}")
    return _gegenbauer_all(k, d, t)[k]


def _gegenbauer_all(kmax: int, d: int, t: Any) -> list[Any]:
    out = [t * 0 + 1]
    if kmax >= 1:
        out.append(t)
    for k in range(1, kmax):
        out.append(((2 * k + d - 2) * t * out[k] - k * out[k - 1]) / (k + d - 2))
    return out


def _fh_const(d: int) -> mpmath.mpf:
    """Gamma(d/2) / (sqrt(pi) Gamma((d-1)/2)) at the current mpmath precision."""
    return mpmath.gamma(mpmath.mpf(d) / 2) / (mpmath.sqrt(mpmath.pi) * mpmath.gamma(mpmath.mpf(d - 1) / 2))


def eigenvalue_quad(K: KernelLike, d: int, k: int, dps: int = 20) -> tuple[mpmath.mpf, mpmath.mpf]:
    """One Mercer eigenvalue by ``mpmath.quad`` with the Gegenbauer weight (independent check).

    Integrates ``K(t) P_k(d; t) (1 - t^2)^((d-3)/2)`` over [-1, 1] in the variable t, split
    into ``k + 2`` pieces at equally spaced angles, using mpmath's own ``gegenbauer`` (or
    ``chebyt`` for d = 2).  Returns ``(value, error_estimate)``.
    """
    K = check_kernel(K)
    d = check_dimension(d)
    k = check_size(k, "k", "quad_k", low=0)
    dps = check_size(dps, "dps")
    with mpmath.workdps(dps + 10):
        f = sympy.lambdify(c, K, modules=["mpmath"])
        lam = mpmath.mpf(d - 2) / 2
        # mpmath sums P_k(t) as a 2F1 whose terms reach ~2^(3k): at an exact zero of P_k (t = 0 for
        # odd k, the centre node of the middle piece; t = 1/2 for d = 4, k = 5) the sum cancels
        # completely and hypsum raises unless told when to call it zero.  A value below
        # 2^-zeroprec times the largest term is below 2^-(prec + 40): zero at this precision.
        zeroprec = mpmath.mp.prec + 3 * k + 40
        opts = {"zeroprec": zeroprec, "maxprec": max(4 * zeroprec, 1000 * int(mpmath.mp.prec**0.25))}
        if d == 2:
            P = lambda t: mpmath.chebyt(k, t, **opts)
        else:
            norm = mpmath.gegenbauer(k, lam, 1)
            P = lambda t: mpmath.gegenbauer(k, lam, t, **opts) / norm
        w = mpmath.mpf(d - 3) / 2

        def integrand(t: Any) -> Any:
            return mpmath.re(f(t)) * P(t) * (1 - t * t) ** w

        pieces = k + 2
        pts = sorted(mpmath.cos(mpmath.pi * i / pieces) for i in range(pieces + 1))
        pts[0], pts[-1] = mpmath.mpf(-1), mpmath.mpf(1)
        try:
            val, err = mpmath.quad(integrand, pts, error=True)
        except HermiteRevError:
            raise
        except (ValueError, ZeroDivisionError, OverflowError) as exc:  # mpmath's multi-line messages
            raise HermiteRevError(
                f"eigenvalue_quad could not integrate kernel={short(K)} at d={d}, k={k}, dps={dps}: "
                f"{short(str(exc), 120)}"
            ) from None
        const = _fh_const(d)
        val, err = val * const, abs(err) * const
    with mpmath.workdps(dps):
        return +val, +err


# --------------------------------------------------------------------------------------------
# the two paths: Taylor coefficients (rigorous), quadrature (an estimate)
# --------------------------------------------------------------------------------------------


def series_path(
    K: sympy.Expr, d: int, kmax: int, n: int, dps: int, exact: bool
) -> tuple[list[mpmath.mpf], list[mpmath.mpf], Tail | None, tuple[sympy.Expr, ...] | None, bool]:
    """mu_k from Taylor coefficients with rigorous truncation bounds (arb).

    Returns ``(values, errors, tail, exact partial sums or None, rigorous)``; raises
    :class:`NotAKernelError` at a negative coefficient (the truncation bound needs them >= 0).
    """
    tc = taylor(K, n, dps + 5)
    with mpmath.workdps(dps + 5):
        why = (
            f"{short(K)} is not a positive-definite dot-product kernel, so the series path cannot bound its "
            f"truncation (use method='quadrature')"
        )
        check_kernel_coefficients(list(tc), list(tc.errors), why=why)
        tail = tc.tail
    prec = int((dps + 20) * 3.33) + 2 * int(math.log2(n + 2))
    values, errors = [], []
    with flint_ctx(prec, n):
        # the proven balls where taylor kept them (TaylorCoeffs.balls),
        # else balls rebuilt from the values and their error bounds (wider by a rounding)
        balls = tc.balls or [flint.arb(arb_exact(a), arb_exact(e)) for a, e in zip(tc, tc.errors)]
        tail_ball = arb_exact(max(tail.bound, mpmath.mpf(0)))
        # sum_{j>=n} a_j <= K(r) r^-n / (1 - r^-2) on one parity class (Cauchy; Pringsheim)
        for r, Kr in _cauchy_radii(K):
            geo = Kr * flint.arb(r) ** (-n) / (1 - flint.arb(r) ** (-2))
            if geo.upper() < tail_ball.upper():
                tail_ball = geo
        for k in range(kmax + 1):
            acc = flint.arb(0)
            if k < n:
                p = _fh_arb(k, k, d)
                for j in range(k, n, 2):
                    acc += balls[j] * p
                    p = p * (j + 2) * (j + 1) / ((j - k + 2) * (j + k + d))
            trunc = tail_ball * _fh_max_beyond(n, k, d)
            # the true mu_k lies in [acc, acc + trunc]: report the midpoint of that interval
            total = acc + trunc / 2
            with mpmath.workdps(dps + 5):
                values.append(to_mpf(total))
                errors.append(rad(total) + _rad_upper(trunc) / 2)
    exact_vals = None
    if exact:
        a = taylor(K, n, exact=True)
        exact_list = []
        for k in range(kmax + 1):
            terms = [a[j] * funk_hecke_power(j, k, d) for j in range(k, n, 2)]
            exact_list.append(sympy.nsimplify(sympy.Add(*terms)) if terms else sympy.Integer(0))
        exact_vals = tuple(exact_list)
    return values, errors, tail, exact_vals, tc.rigorous


def _cauchy_radii(
    K: sympy.Expr, radii: Sequence[float] = (256, 64, 16, 8, 4, 2, 1.5, 1.25, 1.1)
) -> list[tuple[Any, mpmath.mpf]]:
    """[(r, upper bound of K(r))] for the r with K provably analytic on a neighbourhood of [0, r].

    K is evaluated in ball arithmetic on the ball [0, r]; every operation checks its
    argument (log / non-integer powers of positive balls only, acos / asin inside (-1, 1)),
    so success proves K real-analytic near [0, r].  With non-negative Taylor coefficients
    the radius of convergence R is a singular point (Pringsheim), hence R > r and
    a_j <= max_{|c|=r} |K| r^-j = K(r) r^-j (Cauchy).
    """
    out = []
    with flint_ctx(128, 1):
        for r in radii:
            rr = flint.arb(r)
            ball = flint.arb(rr / 2, rr / 2)
            try:
                is_series, v = Walker(ArbBackend(1), c, ball)(K)
            except (Undecided, HermiteRevError, ZeroDivisionError, ValueError):
                continue
            v = v.coeffs()[0] if is_series else v
            if v.is_finite():
                out.append((r, flint.arb(v.upper())))
    return out


def _rad_upper(x: flint.arb) -> mpmath.mpf:
    """Upper bound of |x| for an arb ball."""
    return rad(x) + abs(to_mpf(x))


def _gl_theta_nodes(N: int, prec: int) -> list[tuple[flint.arb, flint.arb]]:
    """Gauss-Legendre nodes/weights mapped to theta in [0, pi] (arb)."""
    with flint_ctx(prec, 1):
        half = flint.arb.pi() / 2
        nodes = []
        for i in range((N + 1) // 2):
            x, w = flint.arb.legendre_p_root(N, i, weight=True)
            nodes.append((half * (1 + x), half * w))
            if 2 * i + 1 != N:
                nodes.append((half * (1 - x), half * w))
    return nodes


def _quad_once(f: Callable[[Any], Any], d: int, kmax: int, N: int, wp: int) -> list[mpmath.mpf]:
    prec = int(wp * 3.33) + 16
    nodes = _gl_theta_nodes(N, prec)
    acc = [flint.arb(0)] * (kmax + 1)
    with flint_ctx(prec, 1), mpmath.workdps(wp):
        for theta, w in nodes:
            t, s = theta.cos(), theta.sin()
            Kt = arb_exact(mpmath.re(f(to_mpf(t))))
            g = Kt * w * s ** (d - 2) if d > 2 else Kt * w
            P = _gegenbauer_all(kmax, d, t)
            acc = [a + g * p for a, p in zip(acc, P)]
        const = arb_exact(_fh_const(d))
        return [to_mpf(a * const) for a in acc]


def quadrature_path(
    K: sympy.Expr, d: int, kmax: int, dps: int, nodes: int | None = None
) -> tuple[list[mpmath.mpf], list[mpmath.mpf]]:
    """mu_k by Gauss-Legendre in theta at two resolutions; error = their difference.

    Returns ``(values, errors)``; the errors are estimates, not bounds.
    """
    wp = dps + 20
    with mpmath.workdps(wp):
        f = sympy.lambdify(c, K, modules=["mpmath"], cse=True)
    N1 = nodes or (kmax + 48 + kmax // 4)
    N2 = N1 + N1 // 2 + 8
    q1 = _quad_once(f, d, kmax, N1, wp)
    q2 = _quad_once(f, d, kmax, N2, wp)
    with mpmath.workdps(wp):
        scale = max(abs(v) for v in q2)
        values = [+v for v in q2]
        errors = [abs(a - b) + scale * mpmath.mpf(10) ** (-(wp - 5)) for a, b in zip(q1, q2)]
    return values, errors
