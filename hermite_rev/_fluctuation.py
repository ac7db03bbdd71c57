r"""Exact finite-width fluctuations of a one-hidden-layer net, and the member that fluctuates least.

Index
-----
finite_width          Activation, width -> FiniteWidth: the exact variance of the width-m empirical
                      NNGP / NTK at each cosine, its integral over [-1, 1], and the share of
                      E[phi^2], E[phi'^2] within |z| <= sqrt(2 ln m) (proven balls)
FiniteWidth           what it returns (a value: immutable, picklable, equal by value)
hermite_product       h-coefficients of f * g from those of f and g (exact linearization, balls)
fluctuation_problem   the search's criterion as arrays (the bulk fluctuation, float64)
criterion_values      that criterion for a batch of sign vectors
fluctuation_search    the sign search behind ``fam.best("fluctuation", width=m)``: exhaustive or
                      local search, in this process, on local processes or on Dask
fluctuation_block     pure task: the best of a contiguous range of sign codes
fluctuation_starts    pure task: steepest single-flip descent from some starts
DEFAULT_COSINES       the default grid of cosines: -1, -0.9, ..., 1
check_width, check_cosines   the checks of the public boundary (one-line ValueErrors naming the parameter)
MASS_FLAG, SEARCH_NODES, SEARCH_COSINES   the flag threshold and the search's quadrature sizes

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
enclosure: the value and an error bound that holds.  The sign search scores members by a
float64 criterion of the bulk (:func:`fluctuation_problem` says why not by the exact variance); the
winner's exact fluctuations are then computed in balls.

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
    "fluctuation_problem",
    "criterion_values",
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
    >>> [round(float(x.mid()), 12) for x in hermite_product([flint.arb(0), flint.arb(1)], [flint.arb(0), flint.arb(1)])]
    [1.0, 0.0, 1.414213562373]
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
    E[phi^2] (NTK: or of E[phi'^2]) lies within |z| <= L, so the empirical kernel of a width-m net
    misses most of it; ``diagnosis`` says which.  (The variance of a truncated Hermite series is
    exact but can be dominated by |z| far beyond L, which m samples almost never reach:
    ``relative_std`` is then large although the typical error is small; see
    :func:`fluctuation_problem`.)

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


#: Gauss-Legendre nodes per axis of the search's quadrature on [-L, L]^2, and in c on [-1, 1]
SEARCH_NODES = 64
SEARCH_COSINES = 8


def _basis_values(magnitudes: Sequence[Any], nonzero: Sequence[int], x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Rows |b_k| h_k(x) and |b_k| h_k'(x) = |b_k| sqrt(k) h_{k-1}(x) for the nonzero k (float64 recurrence)."""
    n = max(nonzero) + 1
    H = np.zeros((n + 1, x.size))
    H[0] = 1.0
    if n > 0:
        H[1] = x
    for k in range(2, n + 1):
        H[k] = (x * H[k - 1] - math.sqrt(k - 1) * H[k - 2]) / math.sqrt(k)
    ks = np.array(list(nonzero))
    mags = np.array([float(magnitudes[k]) for k in ks])
    B0 = mags[:, None] * H[ks]
    B1 = (mags * np.sqrt(ks))[:, None] * H[np.maximum(ks - 1, 0)]
    return np.ascontiguousarray(B0), np.ascontiguousarray(B1)


def fluctuation_problem(
    magnitudes: Sequence[Any], nonzero: Sequence[int], kind: str, width: int, cs: Sequence[Any] | None
) -> dict[str, Any]:
    r"""The search criterion of ``best("fluctuation", width=m)`` as arrays (float64).

    The exact variance of a truncated Hermite series is dominated by |z| far beyond what m
    samples reach (phi grows like |z|^degree), so it ranks members by a tail no finite net sees
    (for sinh(20 c)/sinh(20), n = 60, it picks a member with 17% of E[phi^2] beyond sqrt(2 ln 256)
    whose empirical error stops falling with width).  The search therefore scores each member by
    the fluctuation of the width-m empirical kernel *of the bulk*, pre-activations within
    |u|, |v| <= L = sqrt(2 ln m), and what the bulk misses of the kernel:

    .. math:: J = \int_{-1}^{1} \frac{E[T^2 1_L] - K_L(c)^2}{m} + m\,(K(c) - K_L(c))^2 \, dc,
              \quad K_L(c) = E[T\, 1\{|u| \le L, |v| \le L\}].

    The miss is counted m-fold: it never averages away, so a member whose kernel lies beyond the
    bulk of a width-m layer cannot win on a small variance (with weight 1 it does, and its error
    stops falling with width).  The integral
    by Gauss-Legendre in c (or the mean over ``cs``), the expectations by a Gauss-Legendre tensor
    grid on [-L, L]^2 against the bivariate normal density.  Float64: it only ranks members; the
    winner's exact fluctuations are :func:`finite_width`'s.
    """
    L = math.sqrt(2 * math.log(width)) if width > 1 else 1.0
    t, wt = np.polynomial.legendre.leggauss(SEARCH_NODES)
    x, wx = L * t, L * wt
    B0, B1 = _basis_values(magnitudes, nonzero, x)
    if cs is None:
        cq, wq = np.polynomial.legendre.leggauss(SEARCH_COSINES)
    else:
        cq = np.array([float(c) for c in cs])
        wq = np.full(cq.size, 1.0 / cq.size)
    Ms = np.empty((cq.size, x.size, x.size))
    gauss = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    for q, c in enumerate(cq):
        if abs(c) >= 1:  # v = +-u: a diagonal (or anti-diagonal: the nodes are symmetric) form
            Ms[q] = np.diag(wx * gauss)
            if c < 0:
                Ms[q] = Ms[q][:, ::-1]
            continue
        s2 = 1 - c * c
        e = -(x[:, None] ** 2 - 2 * c * x[:, None] * x[None, :] + x[None, :] ** 2) / (2 * s2)
        Ms[q] = wx[:, None] * wx[None, :] * np.exp(e) / (2 * math.pi * math.sqrt(s2))
    a = np.array([float(magnitudes[k]) ** 2 * (1 if kind == "nngp" else k + 1) for k in nonzero])
    ks = np.array(list(nonzero))
    Kq = (cq[:, None] ** ks[None, :]) @ a
    return {"B0": B0, "B1": B1, "M": Ms, "c": cq, "w": wq, "K": Kq, "width": width, "ntk": kind == "ntk"}


def criterion_values(prob: dict[str, Any], S: FloatArray) -> FloatArray:
    """The criterion J of each sign vector (row) of S."""
    F = S @ prob["B0"]
    D = S @ prob["B1"] if prob["ntk"] else None
    out = np.zeros(S.shape[0])
    m = prob["width"]

    def form(u: FloatArray, M: FloatArray, v: FloatArray | None = None) -> FloatArray:
        return np.einsum("bi,bi->b", u @ M, u if v is None else v)

    for M, c, w, K in zip(prob["M"], prob["c"], prob["w"], prob["K"]):
        FF = F * F
        KL = form(F, M)
        E2 = form(FF, M)
        if D is not None:
            FD, DD = F * D, D * D
            KL = KL + c * form(D, M)
            E2 = E2 + 2 * c * form(FD, M) + 3 * c * c * form(DD, M)
        out += w * (m * (K - KL) ** 2 + (E2 - KL * KL) / m)
    return out


def _signs_of_codes(codes: np.ndarray, m: int) -> FloatArray:
    """Sign vectors of integer codes: bit t set -> s_t = -1 (the last sign stays +1)."""
    bits = (codes[:, None] >> np.arange(m)[None, :]) & 1
    return np.asarray(1.0 - 2.0 * bits, dtype=np.float64)


#: members evaluated per numpy batch of the exhaustive search
_BATCH = 1024


def fluctuation_block(prob: dict[str, Any], m: int, first: int, count: int) -> tuple[float, int, float]:
    """Pure task: the best of the sign codes ``first .. first + count - 1``; returns (value, code, seconds)."""
    t0 = time.perf_counter()
    best_v, best_c = math.inf, first
    for a in range(first, first + count, _BATCH):
        codes = np.arange(a, min(a + _BATCH, first + count), dtype=np.int64)
        vals = criterion_values(prob, _signs_of_codes(codes, m))
        i = int(np.argmin(vals))
        if vals[i] < best_v:
            best_v, best_c = float(vals[i]), int(codes[i])
    return best_v, best_c, time.perf_counter() - t0


def fluctuation_starts(prob: dict[str, Any], starts: FloatArray, rounds: int) -> tuple[Any, ...]:
    """Pure task: steepest single-flip descent from each row of ``starts``.

    Returns (signs, values, evals, seconds).  Each round scores every single flip of every start
    still moving (one batch); a start stops when no flip lowers its value.
    """
    t0 = time.perf_counter()
    S = np.array(starts, dtype=np.float64)
    R, m = S.shape
    cur = criterion_values(prob, S)
    evals = np.ones(R, dtype=np.int64)
    active = np.ones(R, dtype=bool)
    flip = 1.0 - 2.0 * np.eye(m)
    for _ in range(max(rounds, 1)):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        N = (S[idx, None, :] * flip[None]).reshape(-1, m)
        vals = criterion_values(prob, N).reshape(idx.size, m)
        evals[idx] += m
        t = np.argmin(vals, axis=1)
        best = vals[np.arange(idx.size), t]
        better = best < cur[idx] * (1 - 1e-12)
        moved = idx[better]
        S[moved, t[better]] *= -1
        cur[moved] = best[better]
        active[:] = False
        active[moved] = True
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
    prob: dict[str, Any],
    exhaustive_limit: int,
    restarts: int,
    seed: int,
    max_rounds: int | None,
    run: dict[str, Any],
) -> tuple[list[int], float, int, int, float, str]:
    """The sign vector minimising the criterion of :func:`fluctuation_problem`: ``(signs, value,
    examined, covered, seconds, method)``.

    The criterion is even in s (phi -> -phi), so the exhaustive search fixes the last sign and enumerates
    2**(m-1) codes in batches; beyond ``exhaustive_limit`` signs it runs steepest single flips
    from ``restarts`` seeded random starts plus the all-plus member.  Either way the work is cut
    into pure tasks (:func:`fluctuation_block`, :func:`fluctuation_starts`) run by
    :func:`hermite_rev.sweep.run_tasks` (``run``: client, scheduler, workers, progress); the
    answer does not depend on where they run.
    """
    m = prob["B0"].shape[0]
    t0 = time.perf_counter()
    where: dict[str, Any] = {k: run.get(k) for k in ("client", "scheduler", "workers")}
    if all(v is None for v in where.values()):
        where["workers"] = 1
    if m <= exhaustive_limit:
        total = 1 << (m - 1)
        pieces = _ranges(total, min(64, max(1, total // _BATCH)))
        progress = run.get("progress")
        progress = total >= 2**16 if progress is None else bool(progress)
        outs = run_tasks(
            fluctuation_block,
            [(prob, m, a, k) for a, k in pieces],
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
        [(prob, starts[a : a + k], rounds) for a, k in pieces],
        progress=progress,
        desc=f"fluctuation: local search, {restarts} starts, 2**{m} members",
        **where,
    )
    out_signs = np.concatenate([o[0] for o in outs])
    out_val = np.concatenate([o[1] for o in outs])
    evals = sum(int(o[2].sum()) for o in outs)
    i = int(np.argmin(out_val))
    return [int(s) for s in out_signs[i]], float(out_val[i]), evals, evals, time.perf_counter() - t0, "local-search"
