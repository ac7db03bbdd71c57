r"""Exact finite-width fluctuations of a one-hidden-layer net, and the member that fluctuates least.

Index
-----
finite_width          Activation, width -> FiniteWidth: the exact variance of the width-m empirical
                      NNGP / NTK at each cosine, its integral over [-1, 1], and the share of
                      E[phi^2], E[phi'^2] within |z| <= sqrt(2 ln m) (proven balls)
FiniteWidth           what it returns (a value: immutable, picklable, equal by value)
hermite_product       h-coefficients of f * g from those of f and g (exact linearization, balls)
fluctuation_search    the sign search behind ``fam.best("fluctuation", width=m)``: exhaustive or
                      local search, in this process, on local processes or on Dask
fluctuation_block     pure task: the best of a contiguous range of sign codes
fluctuation_starts    pure task: steepest single-flip descent from some starts
DEFAULT_COSINES       the default grid of cosines: -1, -0.9, ..., 1

The net.  As :mod:`hermite_rev.nets` (NTK parameterization, sigma_w = 1, sigma_b = 0, readout
Dense(1, 0)): on two inputs with |x|^2/d = 1 and cosine c the hidden pre-activations of unit i
are (u_i, v_i), standard normals with correlation c, and its readout weight a_i ~ N(0, 1) is
independent of them.  The empirical kernels of width m are means of m i.i.d. terms,

.. math:: \hat K_{\mathrm{NNGP}} = \frac1m\sum_i \phi(u_i)\phi(v_i), \qquad
          \hat K_{\mathrm{NTK}} = \frac1m\sum_i \big[\phi(u_i)\phi(v_i) + a_i^2\, c\, \phi'(u_i)\phi'(v_i)\big]

(the readout weights' gradients give the first term, the hidden weights' the second: their
gradient is m^{-1/2} a_i phi'(u_i) x / sqrt(d)), so :math:`\mathrm{Var}\,\hat K = (E[T^2] - K^2)/m`
exactly, with, by E[a^2] = 1, E[a^4] = 3 and Mehler's formula
:math:`E[f(u) g(v)] = \sum_l f_l g_l c^l` (f_l, g_l the h-coefficients),

.. math:: E[T^2] = \sum_l P_l^2 c^l \;(+\; 2c \sum_l Q_l^2 c^l + 3c^2 \sum_l R_l^2 c^l \text{ for the NTK}),

where P, Q, R are the h-coefficients of phi^2, phi phi' and phi'^2 (:func:`hermite_product`, the
linearization formula :math:`h_j h_k = \sum_r \frac{\sqrt{j!\,k!\,l!}}{r!\,(j-r)!\,(k-r)!} h_l`,
l = j + k - 2r).  The truncated second moment is exact too: for even l >= 2,
:math:`E[h_l(Z) 1\{|Z| \le L\}] = -2\varphi(L) h_{l-1}(L)/\sqrt l` (and erf(L/sqrt 2) for l = 0,
0 for odd l), since :math:`\mathrm{He}_l \varphi = -(\mathrm{He}_{l-1}\varphi)'`.

Arithmetic: python-flint balls.  Each b_k enters as the ball b_k +- its error bound, every constant
is exact (square roots of integers as balls), so every number of a :class:`FiniteWidth` is a proven
enclosure: the value and an error bound that holds.  The sign search is float64 (it only ranks
members); the winner's criterion is then recomputed in balls.

Place: lower -> **_fluctuation** -> hermite; imports :mod:`hermite_rev._core` and
:mod:`hermite_rev.sweep` (the tasks of a split search).  :mod:`hermite_rev.family`
(``Activation.finite_width``) and :mod:`hermite_rev.lower` (``best_member(..., "fluctuation")``)
use it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flint
import mpmath
import numpy as np
import sympy

from ._core.errors import HermiteRevError
from ._core.limits import LIMITS, check_size
from ._core.precision import arb_exact, flint_ctx, rad, to_mpf
from ._core.text import format_bound, format_value
from ._core.validate import check_kind, exact_number
from ._core.values import Value
from .sweep import run_tasks

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ._core.typing import FloatArray, Kind, RealLike

__all__ = [
    "finite_width",
    "FiniteWidth",
    "hermite_product",
    "fluctuation_search",
    "fluctuation_block",
    "fluctuation_starts",
    "DEFAULT_COSINES",
]

#: the default cosines of :func:`finite_width`: -1, -0.9, ..., 1 (exact decimals)
DEFAULT_COSINES = tuple(sympy.Rational(k, 10) for k in range(-10, 11))

#: a member is flagged when less than this share of E[phi^2] (or E[phi'^2]) lies within sqrt(2 ln m)
MASS_FLAG = 0.5


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------


def check_cosines(cs: RealLike | Iterable[RealLike] | None, name: str = "cs") -> tuple[sympy.Expr, ...]:
    """Cosines as exact sympy numbers in [-1, 1] (None: :data:`DEFAULT_COSINES`)."""
    if cs is None:
        return DEFAULT_COSINES
    if isinstance(cs, (str, bytes)) or not hasattr(cs, "__iter__"):
        items: list[Any] = [cs]
    else:
        items = list(np.asarray(cs, dtype=object).reshape(-1)) if isinstance(cs, np.ndarray) else list(cs)
    if not items:
        raise HermiteRevError(f"{name} must contain at least one cosine, got {name}=[]")
    if len(items) > LIMITS["cosines"]:
        raise HermiteRevError(
            f"{name} has {len(items)} cosines: at most {LIMITS['cosines']} are supported (see docs/guide/limits.md)"
        )
    out = []
    for v in items:
        x = exact_number(v, name)
        if bool(x < -1) or bool(x > 1):
            raise HermiteRevError(f"cosines must lie in [-1, 1], got {name} entry {sympy.sstr(x)[:40]}")
        out.append(x)
    return tuple(out)


def _arb_of(x: sympy.Expr, prec: int) -> flint.arb:
    """An exact sympy number as a ball (rationals exactly; constants to ``prec`` bits, proven by sympy's
    own error control, widened by one more ulp)."""
    if x.is_Rational:
        return flint.arb(flint.fmpq(int(x.p), int(x.q)))
    digits = int(prec / 3.3) + 10
    mid = mpmath.mpf(sympy.N(x, digits)._to_mpmath(prec + 40))
    return arb_exact(mid) + flint.arb(0, flint.arb(2) ** (-prec))


def _coefficient_balls(coeffs: Sequence[Any], errors: Sequence[Any]) -> list[flint.arb]:
    """b_k +- err_k as balls (the midpoints exact)."""
    return [arb_exact(b) + arb_exact(e) * flint.arb(0, 1) for b, e in zip(coeffs, errors)]


# ---------------------------------------------------------------------------------------------
# the linearization formula
# ---------------------------------------------------------------------------------------------


def hermite_product(f: Sequence[flint.arb], g: Sequence[flint.arb]) -> list[flint.arb]:
    r"""h-coefficients of the product f g (length ``len(f) + len(g) - 1``), in balls.

    With :math:`F_j = f_j \sqrt{j!}` the linearization formula becomes a sum of convolutions,
    :math:`(fg)_l = \sqrt{l!} \sum_r \frac1{r!} \sum_{i + i' = l} \frac{F_{i+r}}{i!} \frac{G_{i'+r}}{i'!}`,
    one ``arb_poly`` product per r: O(n) products of length n.

    >>> import flint
    >>> [str(x) for x in hermite_product([flint.arb(0), flint.arb(1)], [flint.arb(0), flint.arb(1)])]
    ['1.00000000000000', '0', '[1.41421356237310 +/- 4.96e-16]']
    """
    n1, n2 = len(f), len(g)
    if n1 == 0 or n2 == 0:
        return []
    top = max(n1, n2)
    fact = [math.factorial(j) for j in range(n1 + n2)]
    sq = [flint.arb(fact[j]).sqrt() for j in range(top)]
    inv = [flint.arb(1) / fact[i] for i in range(top)]
    F = [f[j] * sq[j] for j in range(n1)]
    G = [g[j] * sq[j] for j in range(n2)]
    total = flint.arb_poly([])
    for r in range(min(n1, n2)):
        x = flint.arb_poly([F[i + r] * inv[i] for i in range(n1 - r)])
        y = flint.arb_poly([G[i + r] * inv[i] for i in range(n2 - r)])
        total += (x * y) * inv[r]
    co = total.coeffs()
    co += [flint.arb(0)] * (n1 + n2 - 1 - len(co))
    return [co[l] * flint.arb(fact[l]).sqrt() for l in range(n1 + n2 - 1)]


def _derivative(b: Sequence[flint.arb]) -> list[flint.arb]:
    """h-coefficients of phi': sqrt(k+1) b_{k+1}."""
    return [flint.arb(k + 1).sqrt() * b[k + 1] for k in range(len(b) - 1)] or [flint.arb(0)]


def _mass_within(P: Sequence[flint.arb], L: flint.arb) -> flint.arb:
    """E[p(Z) 1{|Z| <= L}] for p = sum_l P_l h_l (the module docstring's closed form)."""
    total = P[0] * (L / flint.arb(2).sqrt()).erf()
    phi_L = (-(L * L) / 2).exp() / (2 * flint.arb.pi()).sqrt()
    h_prev, h = flint.arb(0), flint.arb(1)  # h_{-1}, h_0 at L
    acc = flint.arb(0)
    for l in range(1, len(P)):
        # h is h_{l-1}(L); the even l take -2 phi(L) h_{l-1}(L) / sqrt(l)
        if l % 2 == 0:
            acc += P[l] * h / flint.arb(l).sqrt()
        h_prev, h = h, (L * h - flint.arb(l - 1).sqrt() * h_prev) / flint.arb(l).sqrt()
    return total - 2 * phi_L * acc


# ---------------------------------------------------------------------------------------------
# the value
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FiniteWidth(Value):
    r"""Exact fluctuations of the width-m empirical kernel of one activation (:func:`finite_width`).

    Attributes
    ----------
    width : int
        The hidden width m.
    kind : "nngp" or "ntk"
    cs : tuple of sympy numbers
        The cosines (exact).
    kernel : tuple of mpmath.mpf
        K(c) of the activation (the mean of the empirical kernel) at each cosine.
    variance : tuple of mpmath.mpf
        Var of the width-m empirical kernel at each cosine: (E[T^2] - K^2) / m.
    variance_errors : tuple of mpmath.mpf
        Proven bounds on the error of each variance.
    integrated_variance, integrated_variance_error : mpmath.mpf
        :math:`\int_{-1}^{1} \mathrm{Var}(c)\, dc` and its error bound (independent of ``cs``).
    radius : mpmath.mpf
        L = sqrt(2 ln m): a width-m layer's pre-activations rarely leave |z| <= L.
    mass_within, mass_within_grad : mpmath.mpf
        Share of E[phi^2] (of E[phi'^2]) within |z| <= L.
    mass_errors : tuple of two mpmath.mpf
        Their error bounds.

    ``flagged`` is True when a width-m net cannot realise the kernel: less than half of
    E[phi^2] (NTK: or of E[phi'^2]) lies within |z| <= L, or the standard deviation of the empirical
    kernel exceeds the kernel's scale K(1) somewhere in ``cs``; ``diagnosis`` says which.

    A value: immutable, picklable, deep-copyable, equal by value.
    """

    width: int
    kind: Kind
    cs: tuple
    kernel: tuple
    variance: tuple
    variance_errors: tuple
    integrated_variance: Any
    integrated_variance_error: Any
    radius: Any
    mass_within: Any
    mass_within_grad: Any
    mass_errors: tuple
    scale: Any  # K(1), the kernel's scale on [-1, 1]

    @property
    def std(self) -> tuple[Any, ...]:
        """Standard deviation of the empirical kernel at each cosine."""
        return tuple(mpmath.sqrt(max(v, 0)) for v in self.variance)

    @property
    def relative_std(self) -> Any:
        """The largest standard deviation over ``cs``, relative to the kernel's scale K(1)."""
        return max(self.std) / self.scale if self.scale > 0 else mpmath.inf

    @property
    def diagnosis(self) -> str:
        """Why a width-m net cannot realise this member's kernel ('' when it can)."""
        why = []
        if self.mass_within < MASS_FLAG:
            why.append(
                f"only {mpmath.nstr(self.mass_within, 2)} of E[phi^2] lies within |z| <= {mpmath.nstr(self.radius, 3)}"
            )
        if self.kind == "ntk" and self.mass_within_grad < MASS_FLAG:
            why.append(f"only {mpmath.nstr(self.mass_within_grad, 2)} of E[phi'^2] does")
        if self.relative_std > 1:
            why.append(f"its fluctuation (std) is {mpmath.nstr(self.relative_std, 3)} x the kernel's scale K(1)")
        return "; ".join(why)

    @property
    def flagged(self) -> bool:
        """True when the width is too small for this member (see :attr:`diagnosis`)."""
        return bool(self.diagnosis)

    def to_numpy(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(cs, kernel, variance)`` as float64 arrays (for plots and comparisons)."""
        return (
            np.array([float(c) for c in self.cs]),
            np.array([float(k) for k in self.kernel]),
            np.array([float(v) for v in self.variance]),
        )

    def __repr__(self) -> str:
        flag = f", FLAGGED: {self.diagnosis}" if self.flagged else ""
        return (
            f"FiniteWidth({self.kind}, width={self.width}, {len(self.cs)} cosines, "
            f"max var {format_value(max(self.variance), None, digits=4)}, "
            f"integrated var {format_value(self.integrated_variance, self.integrated_variance_error, digits=4)}, "
            f"mass within |z|<={mpmath.nstr(self.radius, 4)}: phi^2 {mpmath.nstr(self.mass_within, 4)}, "
            f"phi'^2 {mpmath.nstr(self.mass_within_grad, 4)}, max error {format_bound(max(self.variance_errors), 2)}"
            f"{flag})"
        )


def check_width(width: object) -> int:
    """The hidden width: a positive integer up to ``LIMITS["width"]``."""
    return check_size(width, "width")


def _second_moment(b: list[flint.arb], kind: str) -> flint.arb_poly:
    """E[T^2] as a polynomial in c (the module docstring)."""
    P = hermite_product(b, b)
    M = flint.arb_poly([p * p for p in P])
    if kind == "ntk":
        d = _derivative(b)
        Q = hermite_product(b, d)
        R = hermite_product(d, d)
        cpoly = flint.arb_poly([0, 1])
        M = M + 2 * cpoly * flint.arb_poly([q * q for q in Q]) + 3 * cpoly * cpoly * flint.arb_poly([r * r for r in R])
    return M


def _kernel_poly(b: list[flint.arb], kind: str) -> flint.arb_poly:
    return flint.arb_poly([(1 if kind == "nngp" else k + 1) * x * x for k, x in enumerate(b)])


def _integral(p: flint.arb_poly) -> flint.arb:
    """The integral of p over [-1, 1]: sum over even l of 2 p_l / (l + 1)."""
    return sum((2 * x / (l + 1) for l, x in enumerate(p.coeffs()) if l % 2 == 0), flint.arb(0))


def finite_width(
    coeffs: Sequence[Any],
    errors: Sequence[Any],
    width: object,
    kind: object = "ntk",
    cs: RealLike | Iterable[RealLike] | None = None,
    dps: int = 30,
) -> FiniteWidth:
    r"""Exact fluctuations of the width-m empirical NNGP / NTK of phi = sum_k b_k h_k.

    ``coeffs`` (b_k) and ``errors`` (their bounds) are an activation's; see the module docstring
    for the net and the formulas.  Every number is computed in balls (python-flint), so each
    value comes with a proven error bound.  ``Activation.finite_width`` is the public face.
    """
    width = check_width(width)
    kind = check_kind(kind)
    cosines = check_cosines(cs)
    n = len(coeffs)
    check_size(n, "number of Hermite coefficients", "fluctuation_n")
    prec = int(3.33 * dps) + 3 * n + 64
    with flint_ctx(prec, max(2 * n + 4, 8)), mpmath.workprec(prec):
        b = _coefficient_balls(coeffs, errors)
        M = _second_moment(b, kind)
        Kp = _kernel_poly(b, kind)
        V = (M - Kp * Kp) * (flint.arb(1) / width)
        kern, var, verr = [], [], []
        for x in cosines:
            c = _arb_of(x, prec)
            k, v = Kp(c), V(c)
            kern.append(to_mpf(k))
            var.append(to_mpf(v))
            verr.append(rad(v))
        iv = _integral(V)
        L = (2 * flint.arb(width).log()).sqrt()
        P0 = sum((x * x for x in b), flint.arb(0))
        P = hermite_product(b, b)
        within = _mass_within(P, L) / P0 if not P0.contains(0) else flint.arb(1)
        d = _derivative(b)
        R0 = sum((x * x for x in d), flint.arb(0))
        within_g = _mass_within(hermite_product(d, d), L) / R0 if not R0.contains(0) else flint.arb(1)
        return FiniteWidth(
            width,
            kind,
            cosines,
            tuple(kern),
            tuple(var),
            tuple(verr),
            to_mpf(iv),
            rad(iv),
            to_mpf(L),
            to_mpf(within),
            to_mpf(within_g),
            (rad(within), rad(within_g)),
            to_mpf(Kp(flint.arb(1))),
        )


# ---------------------------------------------------------------------------------------------
# the sign search (float64: it only ranks members)
# ---------------------------------------------------------------------------------------------


def _log_fact(n: int) -> FloatArray:
    return np.array([math.lgamma(k + 1) for k in range(n)])


def _product_tensor(f: FloatArray, g: FloatArray, lf: FloatArray) -> FloatArray:
    """T[l, j, k] = f_j g_k C(j, k, l): (fg)_l = sum_{j,k} T[l, j, k] (float64, log-gamma constants)."""
    n1, n2 = f.size, g.size
    L = n1 + n2 - 1
    T = np.zeros((L, n1, n2))
    j = np.arange(n1)[:, None]
    k = np.arange(n2)[None, :]
    for r in range(min(n1, n2)):
        ok = (j >= r) & (k >= r)
        l = j + k - 2 * r
        jj, kk = np.broadcast_arrays(j, k)
        jj, kk, ll = jj[ok], kk[ok], l[ok]
        logc = 0.5 * (lf[jj] + lf[kk] + lf[ll]) - lf[r] - lf[jj - r] - lf[kk - r]
        T[ll, jj, kk] += np.exp(logc) * f[jj] * g[kk]
    return T


def fluctuation_problem(
    magnitudes: Sequence[Any], nonzero: Sequence[int], kind: str, cs: Sequence[Any] | None
) -> tuple[FloatArray, FloatArray]:
    r"""``(A, w)``: the criterion of a sign vector s (one sign per nonzero term) is
    :math:`F(s) = \sum_l w_l (s^T A_l s)^2`, the integral over [-1, 1] of E[T^2] (or its mean over
    ``cs``); the variance criterion is (F(s) - const) / m.  A is symmetric in its last two axes."""
    ks = list(nonzero)
    n = max(ks) + 1
    lf = _log_fact(2 * n + 2)
    b = np.zeros(n)
    for k in ks:
        b[k] = float(magnitudes[k])
    idx = np.array(ks)
    blocks, weights = [], []
    if cs is None:
        moments = None
    else:
        cf = np.array([float(x) for x in cs])
        moments = np.array([np.mean(cf**p) for p in range(2 * n + 2)])

    def weight(shift: int, factor: float, L: int) -> FloatArray:
        p = np.arange(L) + shift
        if moments is None:
            return factor * np.where(p % 2 == 0, 2.0 / (p + 1), 0.0)
        return factor * moments[p]

    TP = _product_tensor(b, b, lf)[:, idx][:, :, idx]
    blocks.append(TP)
    weights.append(weight(0, 1.0, TP.shape[0]))
    if kind == "ntk" and n > 1:
        sq = np.sqrt(np.arange(1, n))
        d = sq * b[1:]  # phi' coefficients with all signs +: d_k = sqrt(k+1) b_{k+1}
        # sign of d_k is the sign of b_{k+1}: shift the derivative's index by one
        TQ_full = _product_tensor(b, d, lf)  # [l, j, k] pairs (j, k+1)
        TQ = np.zeros((TQ_full.shape[0], n, n))
        TQ[:, :, 1:] = TQ_full
        TQ = 0.5 * (TQ + TQ.transpose(0, 2, 1))[:, idx][:, :, idx]
        TR_full = _product_tensor(d, d, lf)
        TR = np.zeros((TR_full.shape[0], n, n))
        TR[:, 1:, 1:] = TR_full
        TR = TR[:, idx][:, :, idx]
        blocks += [TQ, TR]
        weights += [weight(1, 2.0, TQ.shape[0]), weight(2, 3.0, TR.shape[0])]
    A = np.concatenate(blocks)
    w = np.concatenate(weights)
    keep = (w != 0) & np.any(A != 0, axis=(1, 2))
    return np.ascontiguousarray(A[keep]), np.ascontiguousarray(w[keep])


def _values(A: FloatArray, w: FloatArray, S: FloatArray) -> FloatArray:
    """F(s) for each row s of S."""
    L, m, _ = A.shape
    Y = (S @ A.transpose(1, 0, 2).reshape(m, L * m)).reshape(S.shape[0], L, m)
    P = np.einsum("blm,bm->bl", Y, S)
    return (P * P) @ w


def _signs_of_codes(codes: FloatArray, m: int) -> FloatArray:
    """Sign vectors of integer codes: bit t set -> s_t = -1 (the last sign stays +1)."""
    bits = (codes[:, None] >> np.arange(m)[None, :]) & 1
    return 1.0 - 2.0 * bits


#: members evaluated per numpy batch of the exhaustive search
_BATCH = 2048


def fluctuation_block(A: FloatArray, w: FloatArray, m: int, first: int, count: int) -> tuple[float, int, float]:
    """Pure task: the best of the sign codes ``first .. first + count - 1``; returns (value, code, seconds)."""
    t0 = time.perf_counter()
    best_v, best_c = math.inf, first
    for a in range(first, first + count, _BATCH):
        codes = np.arange(a, min(a + _BATCH, first + count), dtype=np.int64)
        vals = _values(A, w, _signs_of_codes(codes, m))
        i = int(np.argmin(vals))
        if vals[i] < best_v:
            best_v, best_c = float(vals[i]), int(codes[i])
    return best_v, best_c, time.perf_counter() - t0


def fluctuation_starts(A: FloatArray, w: FloatArray, starts: FloatArray, rounds: int) -> tuple[Any, ...]:
    """Pure task: steepest single-flip descent from each row of ``starts``.

    Returns (signs, values, evals, seconds).  All starts move together (one batched product per
    round); a start stops when no single flip lowers its value.
    """
    t0 = time.perf_counter()
    S = np.array(starts, dtype=np.float64)
    R, m = S.shape
    L = A.shape[0]
    A2 = A.transpose(1, 0, 2).reshape(m, L * m)
    diag = np.einsum("ltt->lt", A)  # (L, m)
    active = np.ones(R, dtype=bool)
    evals = np.ones(R, dtype=np.int64)
    cur = np.zeros(R)
    for _ in range(max(rounds, 1)):
        G = (S @ A2).reshape(R, L, m)  # G[r, l, t] = sum_u A[l, t, u] s_u
        P = np.einsum("rlt,rt->rl", G, S)
        cur = (P * P) @ w
        # flipping s_t: P_l -> P_l - 4 s_t (G_lt - A_ltt s_t)
        Pf = P[:, :, None] - 4 * S[:, None, :] * (G - diag[None] * S[:, None, :])
        Ff = np.einsum("rlt,l->rt", Pf * Pf, w)
        evals += np.where(active, m, 0)
        t = np.argmin(Ff, axis=1)
        better = active & (Ff[np.arange(R), t] < cur * (1 - 1e-12))
        if not better.any():
            break
        S[better, t[better]] *= -1
        active = better
    G = (S @ A2).reshape(R, L, m)
    P = np.einsum("rlt,rt->rl", G, S)
    cur = (P * P) @ w
    return S.astype(np.int64), cur, evals, time.perf_counter() - t0


def _ranges(total: int, parts: int) -> list[tuple[int, int]]:
    q, r = divmod(total, parts)
    out, first = [], 0
    for j in range(parts):
        count = q + (1 if j < r else 0)
        if count:
            out.append((first, count))
        first += count
    return out


def fluctuation_search(
    A: FloatArray,
    w: FloatArray,
    exhaustive_limit: int,
    restarts: int,
    seed: int,
    max_rounds: int | None,
    run: dict[str, Any],
) -> tuple[list[int], float, int, int, float, str]:
    """The sign vector minimising F(s) = sum_l w_l (s^T A_l s)^2: ``(signs, F, examined, covered,
    seconds, method)``.

    F is even in s (phi -> -phi), so the exhaustive search fixes the last sign and enumerates
    2**(m-1) codes in batches; beyond ``exhaustive_limit`` signs it runs steepest single flips
    from ``restarts`` seeded random starts plus the all-plus member.  Either way the work is cut
    into pure tasks (:func:`fluctuation_block`, :func:`fluctuation_starts`) run by
    :func:`hermite_rev.sweep.run_tasks` (``run``: client, scheduler, workers, progress); the
    answer does not depend on where they run.
    """
    m = A.shape[1]
    t0 = time.perf_counter()
    where = {k: run.get(k) for k in ("client", "scheduler", "workers")}
    if all(v is None for v in where.values()):
        where["workers"] = 1
    if m <= exhaustive_limit:
        total = 1 << (m - 1)
        pieces = _ranges(total, min(64, max(1, total // _BATCH)))
        progress = run.get("progress")
        progress = total >= 2**16 if progress is None else bool(progress)
        outs = run_tasks(
            fluctuation_block,
            [(A, w, m, a, k) for a, k in pieces],
            progress=progress,
            desc=f"fluctuation: exhaustive 2**{m - 1}",
            **where,
        )
        vals = [o[0] for o in outs]
        i = int(np.argmin(vals))  # the first minimum in code order: the serial answer
        code = int(outs[i][1])
        signs = [-1 if (code >> t) & 1 else 1 for t in range(m)]
        return signs, float(vals[i]), total, 2 * total, time.perf_counter() - t0, "exhaustive"
    rng = np.random.default_rng(seed)
    starts = rng.choice(np.array([-1.0, 1.0]), size=(restarts, m))
    starts[0] = 1.0
    rounds = max_rounds if max_rounds is not None else 4 * m
    pieces = _ranges(restarts, min(restarts, 8))
    progress = run.get("progress")
    progress = m >= 24 if progress is None else bool(progress)
    outs = run_tasks(
        fluctuation_starts,
        [(A, w, starts[a : a + k], rounds) for a, k in pieces],
        progress=progress,
        desc=f"fluctuation: local search, {restarts} starts, 2**{m} members",
        **where,
    )
    out_signs = np.concatenate([o[0] for o in outs])
    out_val = np.concatenate([o[1] for o in outs])
    evals = sum(int(o[2].sum()) for o in outs)
    i = int(np.argmin(out_val))
    return [int(s) for s in out_signs[i]], float(out_val[i]), evals, evals, time.perf_counter() - t0, "local-search"
