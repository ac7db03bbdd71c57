r"""Numerical checks of the reverse-engineering theorem, independent of the series path.

Index
-----
quadrature_kernel     NNGP / NTK of an activation by Gauss-Hermite (or split Gauss-Legendre)
                      quadrature, float64 or arbitrary precision; no Taylor series involved
gauss_hermite         nodes and weights of the N(0, 1) Gauss-Hermite rule, float64 or mpmath (cached)
analytic_kernel       the infinite-width kernel of an activation spec (closed form or quadrature)
empirical_kernel      NNGP / NTK of a real finite-width FCN at initialization
width_scaling         fit err(width) ~ width^p of the empirical kernel (p should be -1/2)
kernel_regime_gap     trained net vs kernel gradient descent with the analytic NTK (Jacot et al.)
theorem_report        reverse-engineer K, then series vs quadrature vs finite width, with a figure
regime_gap_task       one (width, seed) of kernel_regime_gap: a pure task for hermite_rev.sweep
KernelValues          kernel values on a grid of cosines with their error estimates

Conventions.  For an activation phi and standard normal (u, v) with correlation c,

.. math:: \mathrm{NNGP}(c) = E[\phi(u)\phi(v)], \qquad
          \mathrm{NTK}(c) = \mathrm{NNGP}(c) + c\, E[\phi'(u)\phi'(v)]

(one hidden layer, sigma_w = 1, sigma_b = 0, readout Dense(1, 0)); ``depth``, ``sigma_w``,
``sigma_b`` give the deep recursion of :mod:`hermite_rev.kernels` with the same quadrature
at every layer.  The 2-D Gaussian integral is written u = z1, v = c z1 + sqrt(1 - c^2) z2.

Quadrature methods.  ``"gauss-hermite"``: the tensor-product N-node rule, exact for
polynomial activations of degree < N (so for every truncated Hermite series, with N chosen
from the degree) and spectrally accurate for entire activations.  For activations with kinks
(ReLU, abs, step) Gauss-Hermite converges only algebraically (1-hidden-layer ReLU NTK on
c in [-1, 1]: max error 7.6e-3 at N = 20, 4.7e-3 at N = 40, 2.8e-3 at N = 80); ``"split"``
therefore integrates z1 and z2 piecewise between the kinks (the inner kink sits at
z2 = (t - c z1)/sqrt(1 - c^2)) with composite
Gauss-Legendre on [-L, L] (L = 12 in float64, L = sqrt(2 ln 10 (dps + 5)) + 1 at ``dps``
digits, so the dropped Gaussian tail is below the working precision), which is
exponentially accurate (ReLU NTK: 1e-14 in float64 with 40 nodes per piece; 1e-41 at dps 30
with 70 at c = 0.3, more nodes towards c = 1).  ``"auto"`` picks split for activations with known kinks.

Nodes and errors.  A polynomial activation of degree D gets the D + 1 node Gauss-Hermite rule,
exact at every layer (degree <= 179; the error estimate is rounding only).  Otherwise the
number of nodes doubles from a default start (up to 180 for Gauss-Hermite) until the
difference to the previous rule is below 10^-dps relative (1e-13 in float64); the finest rule
is returned, with that difference plus a rounding estimate as its error, and
``KernelValues.converged`` is False where the tolerance could not be reached.  The NTK of an
activation with a jump (step, sign) is infinite at c = +-1 and is refused.

References
----------
A. Jacot, F. Gabriel, C. Hongler, "Neural tangent kernel", NeurIPS 2018, arXiv:1806.07572.
J. Simon, S. Anand, M. DeWeese, "Reverse engineering the neural tangent kernel", ICML 2022,
arXiv:2106.03186.  G. Golub, J. Welsch, "Calculation of Gauss quadrature rules", 1969.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import mpmath
import numpy as np

from ._core.errors import HermiteRevError
from ._core.limits import LIMITS
from ._core.validate import check_kind, check_positive_int, check_writable, public
from .activations import resolve

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable, Iterator, Sequence

    import sympy
    from numpy.typing import DTypeLike, NDArray

    from ._core.typing import ActivationLike, ArrayLike, FloatArray, KernelLike, Kind, RealLike, Signs
    from .activations import ActivationFunction
    from .family import Activation, ActivationFamily

__all__ = [
    "KernelValues",
    "quadrature_kernel",
    "gauss_hermite",
    "analytic_kernel",
    "empirical_kernel",
    "width_scaling",
    "kernel_regime_gap",
    "theorem_report",
]

DEFAULT_CS = tuple(np.round(np.linspace(-1, 1, 11), 10))
_DEFAULT_WIDTHS = tuple(2**k for k in range(6, 15, 2))  # width_scaling: 64 .. 16384


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KernelValues:
    """Kernel values on a grid of cosines, with error estimates.

    Behaves like a 1-D array of the values (``np.asarray``, ``len``, indexing).

    Attributes
    ----------
    cs : tuple of float
    values : numpy array (float64) or tuple of mpmath.mpf (``dps`` set)
    errors : same type, absolute error estimates
    kind : "nngp" or "ntk"
    method : str
        ``"gauss-hermite"`` or ``"split"`` and the node counts used.
    dps : int or None
        None for float64.
    converged : bool
        False when the adaptive refinement stopped at the largest rule before every error
        estimate met the tolerance (the values are then the best available, with their
        estimates).
    """

    cs: tuple
    values: Any
    errors: Any
    kind: str
    method: str
    dps: int | None = None
    converged: bool = True

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> NDArray[Any]:
        arr = np.array([float(v) for v in self.values], dtype=np.float64)
        return arr if dtype is None else arr.astype(dtype)

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: int) -> Any:
        return self.values[i]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    @property
    def max_error(self) -> float:
        return max(float(e) for e in self.errors)


# --------------------------------------------------------------------------------------------
# Gauss-Hermite rules
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=128)
def _gh_float(n: int) -> tuple[FloatArray, FloatArray]:
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / math.sqrt(2 * math.pi)


@functools.lru_cache(maxsize=64)
def _gh_mp(n: int, dps: int) -> tuple[tuple[mpmath.mpf, ...], tuple[mpmath.mpf, ...]]:
    """Newton on h_n(x) = 0 from the float64 nodes; Christoffel weights 1 / sum_k h_k(x)^2."""
    x0, _ = np.polynomial.hermite_e.hermegauss(n)
    with mpmath.workdps(dps + 10):
        tol = mpmath.mpf(10) ** (-dps - 5)
        sq = [mpmath.sqrt(k) for k in range(n + 1)]
        nodes, weights = [], []
        for xi in x0:
            x = mpmath.mpf(float(xi))
            for _ in range(60):
                h_prev, h, s = mpmath.mpf(0), mpmath.mpf(1), mpmath.mpf(1)
                for k in range(1, n + 1):
                    h_prev, h = h, (x * h - sq[k - 1] * h_prev) / sq[k]
                    if k < n:
                        s += h * h
                # h = h_n, h_prev = h_{n-1}; h_n' = sqrt(n) h_{n-1}
                step = h / (sq[n] * h_prev)
                x -= step
                if abs(step) <= tol * max(1, abs(x)):
                    break
            else:
                raise HermiteRevError(f"Gauss-Hermite Newton iteration did not converge for n={n}")
            h_prev, h, s = mpmath.mpf(0), mpmath.mpf(1), mpmath.mpf(1)
            for k in range(1, n):
                h_prev, h = h, (x * h - sq[k - 1] * h_prev) / sq[k]
                s += h * h
            nodes.append(x)
            weights.append(1 / s)
    with mpmath.workdps(dps):
        return tuple(+x for x in nodes), tuple(+w for w in weights)


@public
def gauss_hermite(
    n: int, dps: int | None = None
) -> tuple[FloatArray, FloatArray] | tuple[tuple[mpmath.mpf, ...], tuple[mpmath.mpf, ...]]:
    r"""Nodes and weights of the n-point Gauss rule for the N(0, 1) measure (weights sum to 1).

    ``dps=None``: float64 from :func:`numpy.polynomial.hermite_e.hermegauss` (n <= 180).
    Otherwise mpmath numbers correct to ``dps`` digits: Newton's method on the three-term
    recurrence of h_n started from the float64 nodes, Christoffel weights
    :math:`w_i = 1/\sum_{k<n} h_k(x_i)^2`; cached per (n, dps).

    Examples
    --------
    >>> x, w = gauss_hermite(3, dps=20)
    >>> [mpmath.nstr(v, 10) for v in x], [mpmath.nstr(v, 10) for v in w]
    (['-1.732050808', '0.0', '1.732050808'], ['0.1666666667', '0.6666666667', '0.1666666667'])
    """
    n = check_positive_int(n, "n")
    if n > LIMITS["gauss_hermite_nodes"]:
        raise HermiteRevError(
            f"Gauss-Hermite rules are supported up to n={LIMITS['gauss_hermite_nodes']} nodes, got n={n}"
        )
    if dps is None:
        return _gh_float(n)
    return _gh_mp(n, check_positive_int(dps, "dps"))


# --------------------------------------------------------------------------------------------
# 2-D Gaussian expectations E[f(u) g(v)]
# --------------------------------------------------------------------------------------------


def _expect_gh_float(f: Callable[[Any], Any], g: Callable[[Any], Any], rho: float, q: float, n: int) -> float:
    x, w = _gh_float(n)
    sq = math.sqrt(q)
    s = math.sqrt(max(0.0, 1.0 - rho * rho))
    F = f(sq * x)
    G = g(sq * (rho * x[:, None] + s * x[None, :]))
    return float(w @ (F * (G @ w)))


@functools.lru_cache(maxsize=64)
def _gl(m: int) -> tuple[FloatArray, FloatArray]:
    return np.polynomial.legendre.leggauss(m)


_L = 12.0  # P(|Z| > 12) = 3.6e-33: the truncation of the split rule


def _pieces_nodes(lo: FloatArray, hi: FloatArray, m: int) -> tuple[FloatArray, FloatArray]:
    """Gauss-Legendre nodes/weights on [lo, hi] per row (lo, hi of shape (r,)) -> (r, m)."""
    t, wt = _gl(m)
    mid, half = (hi + lo) / 2, (hi - lo) / 2
    return mid[:, None] + half[:, None] * t[None, :], half[:, None] * wt[None, :]


def _split_axis(points: Sequence[float], m: int) -> tuple[FloatArray, FloatArray]:
    """Composite GL nodes and N(0,1)-weights on [-L, L] split at ``points`` (1-D arrays)."""
    edges = np.concatenate([[-_L], np.clip(np.sort(np.asarray(points, dtype=float)), -_L, _L), [_L]])
    lo, hi = edges[:-1], edges[1:]
    xs, ws = _pieces_nodes(lo, hi, m)
    ws = ws * np.exp(-xs * xs / 2) / math.sqrt(2 * math.pi)
    return xs.ravel(), ws.ravel()


def _expect_split_float(
    f: Callable[[Any], Any],
    g: Callable[[Any], Any],
    rho: float,
    q: float,
    kinks_f: Sequence[float],
    kinks_g: Sequence[float],
    m: int,
) -> float:
    sq = math.sqrt(q)
    s = math.sqrt(max(0.0, 1.0 - rho * rho))
    inner = [t / (sq * rho) for t in kinks_g] if s < 1e-12 and rho != 0 else []
    x1, w1 = _split_axis([t / sq for t in kinks_f] + inner, m)
    F = f(sq * x1)
    if s < 1e-12:
        return float(np.sum(w1 * F * g(sq * rho * x1)))
    # inner breakpoints per outer node: z2 = (t/sq - rho z1) / s
    if kinks_g:
        bps = np.stack([(t / sq - rho * x1) / s for t in kinks_g], axis=1)
        bps = np.sort(np.clip(bps, -_L, _L), axis=1)
    else:
        bps = np.zeros((x1.size, 0))
    r = x1.size
    edges = np.concatenate([np.full((r, 1), -_L), bps, np.full((r, 1), _L)], axis=1)
    t, wt = _gl(m)
    lo, hi = edges[:, :-1], edges[:, 1:]
    mid, half = (hi + lo) / 2, (hi - lo) / 2
    x2 = mid[..., None] + half[..., None] * t  # (r, pieces, m)
    w2 = half[..., None] * wt * np.exp(-x2 * x2 / 2) / math.sqrt(2 * math.pi)
    G = g(sq * (rho * x1[:, None, None] + s * x2))
    inner = np.sum(w2 * G, axis=(1, 2))
    return float(np.sum(w1 * F * inner))


def _expect_gh_mp(f: Callable[[Any], Any], g: Callable[[Any], Any], rho: Any, q: Any, n: int, dps: int) -> mpmath.mpf:
    x, w = gauss_hermite(n, dps)
    sq = mpmath.sqrt(q)
    s = mpmath.sqrt(max(mpmath.mpf(0), 1 - rho * rho))
    if s == 0:  # v = rho u: a 1-D rule (the inner weights sum to 1)
        return mpmath.fsum(wi * f(sq * xi) * g(sq * rho * xi) for xi, wi in zip(x, w))
    total = mpmath.mpf(0)
    for xi, wi in zip(x, w):
        Fi = f(sq * xi)
        if Fi == 0:
            continue
        inner = mpmath.fsum(wj * g(sq * (rho * xi + s * xj)) for xj, wj in zip(x, w))
        total += wi * Fi * inner
    return total


@functools.lru_cache(maxsize=64)
def _gl_mp(m: int, dps: int) -> tuple[tuple[mpmath.mpf, ...], tuple[mpmath.mpf, ...]]:
    """Gauss-Legendre nodes/weights on [-1, 1] to ``dps`` digits (Newton from numpy's nodes)."""
    t0, _ = np.polynomial.legendre.leggauss(m)
    with mpmath.workdps(dps + 10):
        tol = mpmath.mpf(10) ** (-dps - 5)
        nodes, weights = [], []
        for ti in t0:
            x = mpmath.mpf(float(ti))
            for _ in range(60):
                p_prev, p = mpmath.mpf(1), x
                for k in range(2, m + 1):
                    p_prev, p = p, ((2 * k - 1) * x * p - (k - 1) * p_prev) / k
                dp = m * (x * p - p_prev) / (x * x - 1)
                step = p / dp
                x -= step
                if abs(step) <= tol:
                    break
            p_prev, p = mpmath.mpf(1), x
            for k in range(2, m + 1):
                p_prev, p = p, ((2 * k - 1) * x * p - (k - 1) * p_prev) / k
            dp = m * (x * p - p_prev) / (x * x - 1)
            nodes.append(x)
            weights.append(2 / ((1 - x * x) * dp * dp))
    return tuple(nodes), tuple(weights)


def _split_axis_mp(points: Sequence[Any], m: int, L: Any) -> tuple[list[mpmath.mpf], list[mpmath.mpf]]:
    t, wt = _gl_mp(m, mpmath.mp.dps)
    pts = sorted(min(max(p, -L), L) for p in points)
    edges = [-L, *pts, L]
    xs, ws = [], []
    c0 = 1 / mpmath.sqrt(2 * mpmath.pi)
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi <= lo:
            continue
        mid, half = (hi + lo) / 2, (hi - lo) / 2
        for ti, wi in zip(t, wt):
            x = mid + half * ti
            xs.append(x)
            ws.append(half * wi * c0 * mpmath.exp(-x * x / 2))
    return xs, ws


def _expect_split_mp(
    f: Callable[[Any], Any],
    g: Callable[[Any], Any],
    rho: Any,
    q: Any,
    kinks_f: Sequence[Any],
    kinks_g: Sequence[Any],
    m: int,
) -> mpmath.mpf:
    """E[f(u) g(v)] by composite Gauss-Legendre at the current mpmath precision, split at kinks."""
    L = mpmath.sqrt(2 * mpmath.log(10) * (mpmath.mp.dps + 5)) + 1  # Gaussian tail below 10^-dps
    sq = mpmath.sqrt(q)
    s = mpmath.sqrt(max(mpmath.mpf(0), 1 - rho * rho))
    pts1 = [mpmath.mpf(t) / sq for t in kinks_f]
    if s == 0:
        if rho != 0:
            pts1 += [mpmath.mpf(t) / (sq * rho) for t in kinks_g]
        x1, w1 = _split_axis_mp(pts1, m, L)
        return mpmath.fsum(w * f(sq * x) * g(sq * rho * x) for x, w in zip(x1, w1))
    x1, w1 = _split_axis_mp(pts1, m, L)
    total = []
    for x, w in zip(x1, w1):
        Fx = f(sq * x)
        if Fx == 0:
            continue
        x2, w2 = _split_axis_mp([(mpmath.mpf(t) / sq - rho * x) / s for t in kinks_g], m, L)
        total.append(w * Fx * mpmath.fsum(wj * g(sq * (rho * x + s * xj)) for xj, wj in zip(x2, w2)))
    return mpmath.fsum(total)


def _deep(
    expect: Callable[[str, Any, Any], Any],
    c: Any,
    kind: str,
    depth: int,
    sw2: Any,
    sb2: Any,
    swl2: Any,
    sbl2: Any,
    zero: Any,
) -> Any:
    """The layer recursion of hermite_rev.kernels with E[.] supplied by ``expect(which, rho, q)``."""
    nngp, ntk, q = c, zero, zero + 1
    for layer in range(depth):
        nngp = sw2 * nngp + sb2
        ntk = nngp + sw2 * ntk
        q = sw2 * q + sb2
        rho = nngp / q
        if rho > 1:
            rho = zero + 1
        if rho < -1:
            rho = zero - 1
        new_nngp = expect("f", rho, q)
        deriv = expect("df", rho, q) if kind == "ntk" else zero
        ntk = ntk * deriv
        if layer < depth - 1:  # the next layer's variance
            q = expect("f", zero + 1, q)
        nngp = new_nngp
    nngp = swl2 * nngp + sbl2
    ntk = nngp + swl2 * ntk
    return ntk if kind == "ntk" else nngp


def _check_cs(cs: RealLike | Iterable[RealLike]) -> list[Any] | NDArray[Any]:
    """The cosines as a list (a scalar is one cosine); entries keep their type (mpf precision).

    The range check compares each cosine exactly in its own type (mpmath, sympy, Fraction,
    float), so ``mpf(1) + 1e-30`` at 40 digits is refused although it rounds to 1.0.
    """
    from ._core.limits import LIMITS
    from ._core.text import short

    try:
        items: Any = np.asarray(cs, dtype=object)
        if items.ndim > 1:
            raise ValueError
        items = list(items.reshape(-1))
        if len(items) > LIMITS["cosines"]:
            raise HermiteRevError(
                f"cs has {len(items)} cosines: at most {LIMITS['cosines']} are supported (see docs/guide/limits.md)"
            )
        arr = [float(v) for v in items]
    except (TypeError, ValueError) as exc:
        if isinstance(exc, HermiteRevError):
            raise
        raise HermiteRevError(
            f"cs must be a cosine or a sequence of cosines in [-1, 1], got cs={short(repr(cs), 80)}"
        ) from None
    if not arr:
        raise HermiteRevError("cs must contain at least one cosine, got cs=[]")
    for v, f in zip(items, arr):
        if isinstance(v, np.generic):
            v = v.item()
        if f != f or bool(v < -1) or bool(v > 1):
            shown = mpmath.nstr(v, 40) if isinstance(v, mpmath.mpf) else repr(v)
            raise HermiteRevError(f"cosines must lie in [-1, 1], got {shown} in cs")
    return items


def _bounded_list(items: Any, name: str, limit: int) -> list[Any]:
    """``list(items)`` for a sized collection of at most ``limit`` entries (a range of 10**12 seeds
    is refused before it is expanded)."""
    try:
        size = len(items)
    except TypeError:
        raise HermiteRevError(f"{name} must be a sequence, got {name}={items!r}") from None
    if size > limit:
        raise HermiteRevError(f"{name} has {size} entries: at most {limit} are supported (see docs/guide/limits.md)")
    return list(items)


def _refine(
    run: Callable[[int, Sequence[int]], list[Any]],
    n_cs: int,
    start: int,
    cap: int,
    adaptive: bool,
    converged: Callable[[Any, Any, int], bool],
) -> list[tuple[Any, Any, int, int | None, bool]]:
    """Run a quadrature rule family and pick, per cosine, the value and its error reference.

    ``run(N, idx)`` gives the values at the cosines ``idx`` with the N-node rule;
    ``converged(diff, value, N)`` says whether ``|value - coarser value|`` meets the tolerance.
    Fixed (``adaptive=False``): the ``start``-node rule, compared with the rule of ~2/3 the nodes.
    Adaptive: start, 2 start, 4 start, ... (capped at ``cap``) until the difference to the
    previous rule meets the tolerance; at the cap a rule with ~2/3 of the cap nodes sharpens the
    estimate.  The finest rule computed is returned.  Returns per cosine
    (value, coarser value or None, N, coarser N or None, converged).
    """
    idx = list(range(n_cs))
    out: list[Any] = [None] * n_cs
    vals = run(start, idx)
    if not adaptive or start >= cap:
        coarse = min(start - 1, math.ceil(2 * start / 3))
        ref: Any = run(coarse, idx) if coarse >= 1 else [None] * n_cs
        for i in idx:
            ok = ref[i] is not None and converged(abs(vals[i] - ref[i]), vals[i], start)
            out[i] = (vals[i], ref[i], start, coarse if coarse >= 1 else None, ok)
        return out
    prev_n, prev = start, dict(zip(idx, vals))
    pending = idx
    while pending:
        N = min(2 * prev_n, cap)
        cur = dict(zip(pending, run(N, pending)))
        still = []
        for i in pending:
            if converged(abs(cur[i] - prev[i]), cur[i], N):
                out[i] = (cur[i], prev[i], N, prev_n, True)
            else:
                still.append(i)
        if N == cap:
            mid = math.ceil(2 * cap / 3)
            if still and mid > prev_n:
                ref = dict(zip(still, run(mid, still)))
                for i in still:
                    out[i] = (cur[i], ref[i], N, mid, converged(abs(cur[i] - ref[i]), cur[i], N))
            else:
                for i in still:
                    out[i] = (cur[i], prev[i], N, prev_n, False)
            break
        pending, prev_n, prev = still, N, cur
    return out


def _quad_diff(p: tuple[Any, Any, int, int | None, bool], exact: bool, inf: Any) -> Any:
    """Quadrature part of the error estimate: 0 for an exact rule, else |value - coarser value|."""
    if exact:
        return 0 * p[0]
    return abs(p[0] - p[1]) if p[1] is not None else inf


def _nodes_label(picked: Sequence[tuple[Any, Any, int, int | None, bool]], per: str = "") -> str:
    used = sorted({p[2] for p in picked})
    refs = sorted({p[3] for p in picked if p[3] is not None})
    text = "/".join(map(str, used)) + " nodes" + per
    if refs:
        text += ", error vs " + "/".join(map(str, refs))
    return text


@public
def quadrature_kernel(
    act: ActivationLike | Activation | ActivationFunction,
    kind: Kind = "ntk",
    cs: RealLike | Iterable[RealLike] = DEFAULT_CS,
    dps: int | None = 30,
    *,
    method: Literal["auto", "gauss-hermite", "split"] = "auto",
    nodes: int | None = None,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    sigma_w_last: RealLike = 1,
    sigma_b_last: RealLike = 0,
) -> KernelValues:
    r"""NNGP or NTK of an activation by 2-D Gaussian quadrature (no series involved).

    .. math:: \mathrm{NNGP}(c) = E[\phi(u)\phi(v)], \quad
              \mathrm{NTK}(c) = \mathrm{NNGP}(c) + c\,E[\phi'(u)\phi'(v)]

    for one hidden layer with sigma_w = 1, sigma_b = 0; the general ``depth`` / ``sigma_w`` /
    ``sigma_b`` recursion of :mod:`hermite_rev.kernels` otherwise.

    Parameters
    ----------
    act : Activation, sympy expression in z, name ("relu", "erf", "tanh", "sin6", ...) or
        (phi, dphi) numpy callables (float64 only)
    kind : {"ntk", "nngp"}
    cs : float or sequence of float
        Cosines in [-1, 1].
    dps : int or None
        Digits (mpmath); None for float64 (numpy).
    method : {"auto", "gauss-hermite", "split"}
        See the module docstring; auto = split when the activation has kinks.
    nodes : int or None
        Nodes per dimension (Gauss-Hermite, at most 180) or per piece (split).  None
        (default): a polynomial of degree D gets the exact D + 1 node Gauss-Hermite rule
        (degree <= 179); otherwise the rule starts at 96 (float64 GH), 48 (mp GH), 40
        (float64 split) or max(40, 1.5 dps + 25) (mp split) nodes and the nodes double (up
        to 180 for GH, at least one doubling for split) until the difference to the previous
        rule is below the tolerance: 10^-dps relative at ``dps`` digits, 1e-13 relative (or
        the float64 rounding estimate) in float64.  An int: that rule exactly, with the
        error estimated against the rule with ~2/3 the nodes.

    Returns
    -------
    KernelValues
        Values of the finest rule computed; error estimates (difference to the next coarser
        rule computed plus rounding; for polynomial activations with N > degree the rule is
        exact and the estimate is rounding only); method; ``converged`` is False (and the
        method says so) where the tolerance was not reached, the value then being the best
        one available with its error estimate.

    Examples
    --------
    >>> kv = quadrature_kernel("relu", "nngp", cs=[0.0, 1.0], dps=None)
    >>> np.round(np.asarray(kv), 12)      # (sqrt(1-c^2) + (pi - acos c) c) / (2 pi)
    array([0.15915494, 0.5       ])
    """
    from ._core.limits import check_size
    from ._core.text import short

    kind = check_kind(kind)
    cs = _check_cs(cs)
    depth = check_size(depth, "depth", "kernel_depth")
    if nodes is not None:
        nodes = check_size(nodes, "nodes", "nodes_quadrature")
    fn = resolve(act)
    if method not in ("auto", "gauss-hermite", "split"):
        raise HermiteRevError(f"method must be 'auto', 'gauss-hermite' or 'split', got method={method!r}")
    if kind == "ntk" and fn.jump:
        raise HermiteRevError(
            f"the NTK of an activation with a jump is infinite: phi = {short(fn.name)} has phi' containing a "
            f"Dirac delta, and c E[phi'(u) phi'(v)] (1/(2 pi sqrt(1 - c^2)) for a unit step at 0) "
            f"diverges at c = +-1; use kind='nngp', or empirical_kernel for finite nets (phi' = 0 "
            f"almost everywhere)"
        )
    if method == "auto":
        method = "split" if fn.kinks else "gauss-hermite"
    if dps is not None:
        dps = check_size(dps, "dps")
        if fn.mp_pair is None:
            raise HermiteRevError(
                "arbitrary precision needs an activation mpmath can evaluate; "
                "pass dps=None for a pair of numpy callables"
            )
    poly = fn.degree is not None and method == "gauss-hermite"
    degree = fn.degree if fn.degree is not None else -1  # read only where poly holds
    most = LIMITS["gauss_hermite_nodes"]
    if poly and nodes is None and degree + 1 > most:
        raise HermiteRevError(
            f"exact Gauss-Hermite quadrature of a polynomial activation of degree D needs D + 1 nodes; "
            f"at most {most} nodes are supported (degree <= {most - 1}), got activation degree "
            f"{fn.degree}"
        )
    adaptive = nodes is None
    if nodes is None:
        if poly:
            nodes = degree + 1  # ceil((2D + 1)/2): exact for the degree-2D integrand at every layer
        elif method == "gauss-hermite":
            nodes = 96 if dps is None else 48
        else:
            nodes = 40 if dps is None else max(40, int(1.5 * dps) + 25)
    nodes = check_positive_int(nodes, "nodes")
    if method == "gauss-hermite" and nodes > LIMITS["gauss_hermite_nodes"]:
        raise HermiteRevError(
            f"Gauss-Hermite quadrature supports at most {LIMITS['gauss_hermite_nodes']} nodes, got nodes={nodes}"
        )
    exact = poly and nodes > degree
    cap = LIMITS["gauss_hermite_nodes"] if method == "gauss-hermite" else max(LIMITS["gauss_hermite_nodes"], 2 * nodes)
    sw2, sb2 = float(sigma_w) ** 2, float(sigma_b) ** 2
    swl2, sbl2 = float(sigma_w_last) ** 2, float(sigma_b_last) ** 2
    kf = fn.kinks
    kdf = fn.kinks
    picked: list[tuple[Any, Any, int, int | None, bool]]
    vals: Any  # float64 arrays, or lists of mpf at dps digits
    errs: Any

    if dps is None:
        f_np, df_np = fn.np_pair

        def run(N: int, idx: Sequence[int]) -> list[Any]:
            def expect(which: str, rho: Any, q: Any) -> Any:
                f = f_np if which == "f" else df_np
                k = kf if which == "f" else kdf
                if method == "split":
                    return _expect_split_float(f, f, float(rho), float(q), k, k, N)
                return _expect_gh_float(f, f, float(rho), float(q), N)

            return [_deep(expect, float(cs[i]), kind, depth, sw2, sb2, swl2, sbl2, 0.0) for i in idx]

        def rounding(v: float, N: int) -> float:  # exact rules: random-walk growth sqrt(N) of the rounding errors
            return 4e-16 * max(1.0, abs(v)) * (math.sqrt(N) if exact else N)

        if exact:
            picked = [(v, None, nodes, None, True) for v in run(nodes, range(len(cs)))]
        else:
            picked = _refine(
                run, len(cs), nodes, cap, adaptive, lambda d, v, N: d <= max(1e-13 * abs(v), rounding(v, N))
            )
        vals = np.array([p[0] for p in picked])
        errs = np.array([_quad_diff(p, exact, math.inf) + rounding(p[0], p[2]) for p in picked])
        where = "float64"
        tol_text = "1e-13"
    else:
        assert fn.mp_pair is not None  # checked above: dps needs mpmath evaluators
        f_mp, df_mp = fn.mp_pair
        with mpmath.workdps(dps + 10):
            to = mpmath.mpf
            if method == "split":

                def expect_at(N: int) -> Callable[[str, Any, Any], Any]:
                    def expect(which: str, rho: Any, q: Any) -> Any:
                        f = f_mp if which == "f" else df_mp
                        k = kf if which == "f" else kdf
                        return _expect_split_mp(f, f, rho, q, k, k, N)

                    return expect
            else:

                def expect_at(N: int) -> Callable[[str, Any, Any], Any]:
                    def expect(which: str, rho: Any, q: Any) -> Any:
                        f = f_mp if which == "f" else df_mp
                        return _expect_gh_mp(f, f, rho, q, N, dps + 10)

                    return expect

            def run(N: int, idx: Sequence[int]) -> list[Any]:
                return [
                    _deep(expect_at(N), to(cs[i]), kind, depth, to(sw2), to(sb2), to(swl2), to(sbl2), to(0))
                    for i in idx
                ]

            eps = to(10) ** (-dps)
            if exact:
                picked = [(v, None, nodes, None, True) for v in run(nodes, range(len(cs)))]
            else:
                scale: list[Any] = []

                def converged(d: Any, v: Any, N: int) -> bool:
                    # relative 10^-dps, with a floor far below it for values that vanish
                    # (odd activations at c = 0)
                    return d <= eps * max(abs(v), scale[0] * to(10) ** -8)

                first = run(nodes, range(len(cs)))
                scale.append(max(abs(v) for v in first))
                cache = {nodes: dict(enumerate(first))}

                def run_cached(N: int, idx: Sequence[int]) -> list[Any]:
                    got = cache.setdefault(N, {})
                    missing = [i for i in idx if i not in got]
                    got.update(zip(missing, run(N, missing)))
                    return [got[i] for i in idx]

                picked = _refine(run_cached, len(cs), nodes, cap, adaptive, converged)
            vals = [p[0] for p in picked]
            errs = [_quad_diff(p, exact, mpmath.inf) + abs(p[0]) * eps for p in picked]
        where = f"dps={dps}"
        tol_text = f"1e-{dps}"
    if exact:
        label = f"gauss-hermite({nodes} nodes, exact for this polynomial, {where})"
    else:
        what = "split(Gauss-Legendre, " if method == "split" else "gauss-hermite("
        per = " per piece" if method == "split" else ""
        label = f"{what}{_nodes_label(picked, per)}, {where})"
    missed = sum(1 for p in picked if not p[4])
    if adaptive and missed:
        import warnings

        from ._core.errors import HermiteRevWarning

        label += f"; tolerance {tol_text} not reached at {missed} of {len(cs)} cosines"
        worst = max(float(e) for e, p in zip(errs, picked) if not p[4])
        warnings.warn(
            f"quadrature_kernel({short(fn.name, 80)}, {kind}): the {tol_text} tolerance was not "
            f"reached at {missed} "
            f"of {len(cs)} cosines (largest error estimate {worst:.2g}); the values carry those "
            f"estimates (KernelValues.converged is False)",
            HermiteRevWarning,
            stacklevel=2,
        )
    cs_out = tuple(float(c) for c in cs)
    if dps is None:
        return KernelValues(cs_out, vals, errs, kind, label, None, not (adaptive and missed))
    with mpmath.workdps(dps):
        return KernelValues(
            cs_out, tuple(+v for v in vals), tuple(+e for e in errs), kind, label, dps, not (adaptive and missed)
        )


# --------------------------------------------------------------------------------------------
# infinite-width reference kernels
# --------------------------------------------------------------------------------------------


def _closed_form(
    name: str,
    kind: str,
    depth: int,
    sigma_w: RealLike,
    sigma_b: RealLike,
    sigma_w_last: RealLike,
    sigma_b_last: RealLike,
) -> sympy.Expr | None:
    """The exact kernel of the named activation "relu" or "erf" (``kernel_of``'s closed form); else None."""
    if name not in ("relu", "erf"):
        return None
    from .activations import activation_expr
    from .hermite import closed_form_kernel

    return closed_form_kernel(activation_expr(name), kind, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)


@public
def analytic_kernel(
    act: ActivationLike | Activation | ActivationFunction,
    kind: Kind = "ntk",
    cs: RealLike | Iterable[RealLike] = DEFAULT_CS,
    *,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    sigma_w_last: RealLike = 1,
    sigma_b_last: RealLike = 0,
) -> FloatArray:
    """Infinite-width NNGP/NTK of an activation at the cosines ``cs`` (float64 array).

    Closed forms of :mod:`hermite_rev.kernels` for ``"relu"`` and ``"erf"``; the Hermite
    series sum_k a_k c^k for an :class:`~hermite_rev.family.Activation` (depth 1, sigma_w = 1,
    sigma_b = 0); float64 quadrature (:func:`quadrature_kernel`) for everything else.
    """
    import sympy

    from ._core.exprs import c as csym
    from .family import Activation

    kind = check_kind(kind)
    cs = np.asarray([float(v) for v in _check_cs(cs)])
    if isinstance(act, str):
        key = act.strip().lower()
        expr = _closed_form(key, kind, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)
        if expr is not None:
            f = sympy.lambdify(csym, expr, "mpmath")
            with mpmath.workdps(30):
                return np.array([float(mpmath.re(f(mpmath.mpf(v)))) for v in cs])
    if (
        isinstance(act, Activation)
        and depth == 1
        and float(sigma_w) == 1
        and float(sigma_b) == 0
        and float(sigma_w_last) == 1
        and float(sigma_b_last) == 0
    ):
        a = [float(v) for v in act.kernel(kind)]
        return np.polynomial.polynomial.polyval(cs, a)
    return np.asarray(
        quadrature_kernel(
            act,
            kind,
            list(cs),
            dps=None,
            depth=depth,
            sigma_w=sigma_w,
            sigma_b=sigma_b,
            sigma_w_last=sigma_w_last,
            sigma_b_last=sigma_b_last,
        )
    )


# --------------------------------------------------------------------------------------------
# finite-width kernels
# --------------------------------------------------------------------------------------------


def _pair_inputs(cs: ArrayLike, d_in: int = 2) -> FloatArray:
    """x_0 = sqrt(d) e_1 and x_c = sqrt(d)(c e_1 + sqrt(1-c^2) e_2): |x|^2/d = 1, cosine c."""
    cs = np.asarray(cs, dtype=np.float64)
    X = np.zeros((cs.size + 1, d_in))
    X[0, 0] = 1.0
    X[1:, 0] = cs
    if d_in > 1:
        X[1:, 1] = np.sqrt(np.clip(1 - cs * cs, 0, None))
    return X * math.sqrt(d_in)


def empirical_kernel(
    act_or_name: ActivationLike | Activation | ActivationFunction,
    kind: Kind = "ntk",
    width: int = 2**14,
    cs: RealLike | Iterable[RealLike] = DEFAULT_CS,
    seed: int = 0,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    *,
    sigma_w_last: RealLike = 1,
    sigma_b_last: RealLike = 0,
    d_in: int = 2,
    dtype: DTypeLike = np.float64,
) -> FloatArray:
    r"""NNGP or NTK of a finite-width FCN at initialization, at each cosine in ``cs``.

    The network is :class:`hermite_rev.nets.FCN` (NTK parameterization, ``depth`` hidden
    layers of ``width`` units, readout Dense(sigma_w_last, sigma_b_last)), evaluated on
    x_0 and x_c with |x|^2/d = 1 and cosine c.  NTK: the inner product of the gradients of
    output 0 with respect to all weights and biases of all layers; NNGP: the readout's
    conditional covariance sigma_w_last^2/n a_L(x_0) . a_L(x_c) + sigma_b_last^2.  Both
    converge to the analytic kernels as width -> oo with fluctuations ~ width^(-1/2)
    (:func:`width_scaling`).  One hidden layer of width 2^16 takes about a tenth of a second.

    Returns
    -------
    numpy.ndarray of float64, one value per cosine.

    Examples
    --------
    >>> k = empirical_kernel("relu", "ntk", width=2**16, cs=[0.0, 1.0], seed=0)
    >>> np.round(k, 2)                       # analytic: 1/(2 pi) = 0.16 and 1.0
    array([0.16, 1.  ])
    """
    from ._core.limits import check_size
    from .nets import FCN

    kind = check_kind(kind)
    width = check_size(width, "width")
    depth = check_size(depth, "depth", "kernel_depth")
    cosines = [float(v) for v in _check_cs(cs)]
    d_in = check_positive_int(d_in, "d_in")
    inner = [v for v in cosines if abs(v) < 1]
    if d_in < 2 and inner:
        raise HermiteRevError(
            f"d_in must be >= 2 to realise a cosine strictly inside (-1, 1) (only +-1 "
            f"need d_in = 1), got d_in={d_in} with {inner[0]!r} in cs"
        )
    X = _pair_inputs(cosines, d_in)
    net = FCN(
        d_in,
        [width] * depth,
        act_or_name,
        sigma_w,
        sigma_b,
        seed,
        sigma_w_last=sigma_w_last,
        sigma_b_last=sigma_b_last,
        dtype=dtype,
    )
    K = net.kernel(X[:1], X[1:], kind)
    return np.asarray(K[0], dtype=np.float64)


def width_scaling(
    act: ActivationLike | Activation | ActivationFunction = "relu",
    kind: Kind = "ntk",
    widths: Sequence[int] = _DEFAULT_WIDTHS,
    seeds: Iterable[int] = range(4),
    cs: Iterable[RealLike] = DEFAULT_CS,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    *,
    reference: ArrayLike | None = None,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    r"""Fit the finite-width error of the empirical kernel to ``C * width^p``; p should be -1/2.

    For each width the error is the root-mean-square of (empirical - analytic) over ``cs``
    and ``seeds``; p is the least-squares slope of log(error) against log(width), with a
    standard error from the per-seed slopes.

    Parameters
    ----------
    act : activation spec (see :func:`hermite_rev.nets.net_activation`)
    reference : array or None
        Analytic kernel at ``cs``; default :func:`analytic_kernel`.
    client, scheduler, workers, progress :
        Each (width, seed) is one pure task (:func:`empirical_kernel`), run by
        :func:`hermite_rev.sweep.run_tasks`: on a Dask ``client`` / ``scheduler`` address, or
        locally on ``workers`` processes (None: one per core; 1: serially here).  The result does
        not depend on where the tasks run.

    Returns
    -------
    dict
        ``exponent``, ``exponent_stderr``, ``prefactor``, ``widths``, ``rms_error`` (one per
        width), ``per_seed_exponents``, ``reference``.

    Examples
    --------
    >>> r = width_scaling("relu", widths=[64, 256, 1024, 4096], seeds=range(3))
    >>> -0.7 < r["exponent"] < -0.3
    True
    """
    from ._core.limits import LIMITS, check_size

    kind = check_kind(kind)
    widths = [check_size(w, "width") for w in _bounded_list(widths, "widths", LIMITS["seeds"])]
    seeds = _bounded_list(seeds, "seeds", LIMITS["seeds"])
    if len(widths) < 2 or not seeds:
        raise HermiteRevError(f"need at least two widths and one seed, got widths={widths}, seeds={seeds}")
    cs = [float(v) for v in cs]
    ref = np.asarray(
        reference
        if reference is not None
        else analytic_kernel(act, kind, cs, depth=depth, sigma_w=sigma_w, sigma_b=sigma_b),
        dtype=float,
    )
    from .sweep import run_tasks

    tasks = [(act, kind, w, cs, s, depth, sigma_w, sigma_b) for w in widths for s in seeds]
    emps = run_tasks(
        empirical_kernel,
        tasks,
        client=client,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc=f"width scaling: {len(widths)} widths x {len(seeds)} seeds",
    )
    err = np.array([math.sqrt(float(np.mean((emp - ref) ** 2))) for emp in emps]).reshape(len(widths), len(seeds))
    lw = np.log(widths)
    rms = np.sqrt(np.mean(err**2, axis=1))
    p, logc = np.polyfit(lw, np.log(rms), 1)
    per_seed = [float(np.polyfit(lw, np.log(err[:, j]), 1)[0]) for j in range(len(seeds))]
    se = float(np.std(per_seed, ddof=1) / math.sqrt(len(seeds))) if len(seeds) > 1 else float("nan")
    return {
        "exponent": float(p),
        "exponent_stderr": se,
        "prefactor": float(math.exp(logc)),
        "widths": widths,
        "rms_error": rms.tolist(),
        "errors": err.tolist(),
        "per_seed_exponents": per_seed,
        "reference": ref.tolist(),
        "cs": cs,
        "kind": kind,
    }


# --------------------------------------------------------------------------------------------
# function-space check (Jacot et al.)
# --------------------------------------------------------------------------------------------


def kernel_regime_gap(
    act: ActivationLike | Activation | ActivationFunction = "relu",
    widths: Sequence[int] = (256, 1024, 4096, 16384),
    *,
    n_train: int = 16,
    d_in: int = 8,
    lr: float = 0.5,
    epochs: int = 200,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    seed: int = 0,
    seeds: Iterable[int] = range(3),
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    r"""Trained finite nets vs kernel gradient descent with the analytic NTK.

    With :func:`hermite_rev.nets.train`'s loss :math:`L = \frac1{2n}\sum_i (f(x_i) - y_i)^2`
    and the output centred at initialization, an infinitely wide net's training outputs obey
    :math:`f_{t+1} = f_t - \frac{\eta}{n}\Theta(f_t - y)`, i.e.

    .. math:: f_t = \big(I - (I - \tfrac{\eta}{n}\Theta)^t\big) y
              \;\approx\; \big(I - e^{-\eta \Theta t / n}\big) y ,

    the discrete form of Jacot et al.'s :math:`(I - e^{-\eta K t}) y` (whose loss is the
    un-normalized sum).  For each width this trains a net on random inputs with |x|^2/d = 1 and
    targets y = sign of a random linear function, and reports the largest deviation over the
    training set and all epochs, relative to max |y|, as the root-mean-square over the network
    initializations ``seeds`` (the data set is drawn from ``seed``).  Fits gap ~ width^p
    (expected p ~ -1/2).

    Each (width, seed) is one pure task (:func:`regime_gap_task`), run by
    :func:`hermite_rev.sweep.run_tasks` on a Dask ``client`` / ``scheduler`` address, or locally
    on ``workers`` processes (None: one per core; 1: serially here), with the same result.

    Returns
    -------
    dict
        ``widths``, ``gap`` (one per width), ``exponent``, ``final_gap`` (at the last epoch),
        ``kernel_train_mse`` (of the kernel prediction at the last epoch), ``lr``, ``epochs``.
    """
    from ._core.limits import LIMITS, check_size

    widths = [check_size(w, "width") for w in _bounded_list(widths, "widths", LIMITS["seeds"])]
    n_train = check_size(n_train, "n_train", "examples")
    d_in = check_size(d_in, "d_in", "width")
    epochs = check_size(epochs, "epochs")
    seeds = _bounded_list(seeds, "seeds", LIMITS["seeds"])
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_train, d_in))
    X = X / np.linalg.norm(X, axis=1, keepdims=True) * math.sqrt(d_in)
    y = np.sign(X @ rng.standard_normal(d_in))
    C = np.clip(X @ X.T / d_in, -1, 1)
    cs = np.unique(np.round(C.ravel(), 15))
    kv = analytic_kernel(act, "ntk", cs, depth=depth, sigma_w=sigma_w, sigma_b=sigma_b)
    Theta = np.interp(C.ravel(), cs, kv).reshape(C.shape)
    lam, U = np.linalg.eigh(Theta)
    if lr * lam.max() / n_train >= 2:
        raise HermiteRevError(f"lr={lr} is unstable for this NTK (needs lr < {2 * n_train / lam.max():.3g})")
    uy = U.T @ y
    decay = 1 - lr * lam / n_train

    def kernel_f(t: float) -> FloatArray:
        return U @ ((1 - decay**t) * uy)

    if not seeds:
        raise HermiteRevError("seeds must name at least one network initialization, got seeds=[]")
    from .sweep import run_tasks

    tasks = [
        (act, X, y, U, uy, decay, w, 1000 + int(s), depth, sigma_w, sigma_b, lr, epochs) for w in widths for s in seeds
    ]
    outs = run_tasks(
        regime_gap_task,
        tasks,
        client=client,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc=f"kernel regime: {len(widths)} widths x {len(seeds)} seeds",
    )
    ymax = float(np.max(np.abs(y)))
    gaps, finals = [], []
    for i in range(len(widths)):
        mine = outs[i * len(seeds) : (i + 1) * len(seeds)]
        gaps.append(float(np.sqrt(np.mean(np.square([g / ymax for g, _ in mine])))))
        finals.append(float(np.sqrt(np.mean(np.square([f / ymax for _, f in mine])))))
    p = float(np.polyfit(np.log(widths), np.log(gaps), 1)[0]) if len(widths) > 1 else float("nan")
    kf = kernel_f(epochs)
    return {
        "widths": widths,
        "gap": gaps,
        "final_gap": finals,
        "exponent": p,
        "lr": lr,
        "epochs": epochs,
        "kernel_train_mse": float(np.mean((kf - y) ** 2)),
        "n_train": n_train,
        "d_in": d_in,
    }


def regime_gap_task(
    act: Any,
    X: FloatArray,
    y: FloatArray,
    U: FloatArray,
    uy: FloatArray,
    decay: FloatArray,
    width: int,
    net_seed: int,
    depth: int,
    sigma_w: RealLike,
    sigma_b: RealLike,
    lr: float,
    epochs: int,
) -> tuple[float, float]:
    """One (width, seed) of :func:`kernel_regime_gap`: train the net, compare with kernel GD.

    Returns ``(largest deviation over epochs, deviation at the last epoch)`` (absolute).
    """
    from .nets import FCN, train

    net = FCN(X.shape[1], [width] * depth, act, sigma_w, sigma_b, net_seed)
    worst = [0.0, 0.0]

    def cb(t: int, F: FloatArray) -> None:
        g = float(np.max(np.abs(F[:, 0] - U @ ((1 - decay**t) * uy))))
        worst[0] = max(worst[0], g)
        worst[1] = g

    train(net, X, y, lr, epochs, progress=False, callback=cb)
    return worst[0], worst[1]


# --------------------------------------------------------------------------------------------
# the theorem report
# --------------------------------------------------------------------------------------------


def theorem_report(
    K: KernelLike | ActivationFamily,
    kind: Kind = "ntk",
    n: int = 40,
    cs: Sequence[float] = tuple(np.round(np.linspace(-1, 1, 21), 10)),
    widths: Sequence[int] = (2**8, 2**12, 2**16),
    seeds: Iterable[int] = range(3),
    out: str | os.PathLike[str] | None = "theorem_report.png",
    dps: int = 30,
    signs: Signs | None = None,
    *,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    r"""Reverse-engineer ``K``, then compare series, quadrature and finite-width kernels.

    ``K`` may also be an :class:`~hermite_rev.family.ActivationFamily` already computed by
    ``reverse``; its kernel, kind, n and dps are then used and ``kind``, ``n``, ``dps`` ignored.

    Steps: ``fam = reverse(K, kind, n, dps)``; ``act = fam.activation(signs)``; on the grid
    ``cs`` evaluate (1) K itself (sympy, mpmath), (2) the truncated series sum_{k<n} a_k c^k
    (its tail bound ``fam.tail()`` bounds |K - series| on [-1, 1]), (3) the kernel of ``act``
    by Gauss-Hermite quadrature (float64, exact for the polynomial ``act``: this checks the
    theorem, not the series), (4) the empirical kernel of 1HL nets of each width (mean and std
    over ``seeds``).  Draws the curves (like Fig. 2 of Simon et al.) and the finite-width
    error against width, and saves the figure to ``out`` (None: no figure).  The (width, seed)
    empirical kernels are pure tasks run by :func:`hermite_rev.sweep.run_tasks` (``client``,
    ``scheduler``, ``workers`` as in :func:`width_scaling`).

    Returns
    -------
    dict
        ``cs``, ``target``, ``series``, ``quadrature``, ``quadrature_error`` (estimate),
        ``empirical`` {width: (mean, std)}, ``tail_bound``, ``max_series_vs_quadrature``,
        ``max_target_vs_series``, ``empirical_rms`` {width: rms error vs quadrature},
        ``width_exponent``, ``activation`` (the Activation), ``figure`` (path or None).
    """
    import sympy

    from ._core.exprs import c as csym
    from ._core.limits import LIMITS, check_size
    from .family import ActivationFamily, reverse

    cs = [float(v) for v in _check_cs(cs)]  # every size is checked before the reverse step
    widths = [check_size(w, "width") for w in _bounded_list(widths, "widths", LIMITS["seeds"])]
    seeds = _bounded_list(seeds, "seeds", LIMITS["seeds"])
    if out is not None:
        check_writable(out)
    if isinstance(K, ActivationFamily):
        fam, kind, n, dps = K, K.kind, K.n, K.dps
    else:
        kind = check_kind(kind)
        fam = reverse(K, kind, n, dps)
    act = fam.activation(signs)
    Kf = sympy.lambdify(csym, fam.kernel, "mpmath")
    with mpmath.workdps(dps):
        target = np.array([float(mpmath.re(Kf(mpmath.mpf(v)))) for v in cs])
        a = list(fam.taylor)
        series = np.array([float(mpmath.polyval(a[::-1], mpmath.mpf(v))) for v in cs])
    quad = quadrature_kernel(act, kind, cs, dps=None)
    qv = np.asarray(quad)
    from .sweep import run_tasks

    emps = run_tasks(
        empirical_kernel,
        [(act, kind, w, cs, s) for w in widths for s in seeds],
        client=client,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc=f"empirical kernels: {len(widths)} widths x {len(seeds)} seeds",
    )
    emp, rms = {}, {}
    for i, w in enumerate(widths):
        vals = np.array(emps[i * len(seeds) : (i + 1) * len(seeds)])
        emp[w] = (vals.mean(axis=0), vals.std(axis=0))
        rms[w] = float(np.sqrt(np.mean((vals - qv) ** 2)))
    expo = float(np.polyfit(np.log(widths), np.log([rms[w] for w in widths]), 1)[0]) if len(widths) > 1 else None
    result = {
        "cs": cs,
        "target": target.tolist(),
        "series": series.tolist(),
        "quadrature": qv.tolist(),
        "quadrature_error": float(quad.max_error),
        "empirical": {w: (m.tolist(), s.tolist()) for w, (m, s) in emp.items()},
        "tail_bound": float(fam.tail().bound),
        "max_series_vs_quadrature": float(np.max(np.abs(series - qv))),
        "max_target_vs_series": float(np.max(np.abs(target - series))),
        "empirical_rms": rms,
        "width_exponent": expo,
        "activation": act,
        "figure": None,
        "kind": kind,
        "n": n,
    }
    if out is not None:
        from ._figures import pyplot as _plt

        plt = _plt()  # Agg only without a display, so inline notebook backends survive

        from ._core.text import format_bound
        from ._figures import kernel_label, plot_width_scaling
        from .series._values import kernel_values as _kernel_values
        from .series._values import residual_values as _residual_values
        from .series._values import series_values as _series_values

        fig, (ax1, ax3, ax2) = plt.subplots(1, 3, figsize=(15, 4.2), gridspec_kw={"width_ratios": [1.15, 1, 1]})
        dense = np.linspace(-1, 1, 201)
        ax1.plot(dense, _kernel_values(fam.kernel, dense), "k--", lw=2, label="target K(c)")
        ax1.plot(dense, _series_values(a, dense), "C0-", lw=1, label=f"series, {n} terms")
        ax1.plot(cs, qv, "C1o", ms=4, label="quadrature of the activation")
        wmax = widths[-1]
        m, s = emp[wmax]
        ax1.errorbar(cs, m, yerr=s, fmt="C3.", capsize=2, label=f"empirical, width {wmax} (mean ± std)")
        ax1.set_xlabel("c (cosine between the two inputs)")
        ax1.set_ylabel(f"{kind.upper()} K(c)")
        ax1.set_xlim(-1.02, 1.02)
        ax1.legend(fontsize=7.5, loc="upper left")
        ax1.set_title("target, series, quadrature and finite width", fontsize=9)
        # the truncation error lives at c = 1: target minus series there, with the proven tail bound
        c0 = 0.8
        near = 1 - (1 - c0) * np.linspace(0, 1, 61) ** 2
        near = np.sort(near)
        tail = float(fam.tail().bound)
        ax3.plot(near, _residual_values(fam.kernel, a, near, dps=min(dps, 30)), "C0-", lw=1.5, label="K(c) − series")
        ax3.axhline(tail, color="C0", ls=":", lw=1.2, label=f"proven tail bound K(1) − Σ a_k ≤ {format_bound(tail, 2)}")
        sel = np.asarray(cs, dtype=float) >= c0
        if sel.any():
            ax3.errorbar(
                np.asarray(cs, dtype=float)[sel],
                (target - m)[sel],
                yerr=s[sel],
                fmt="C3.",
                capsize=2,
                label=f"K(c) − empirical, width {wmax}",
            )
        ax3.set_xlim(c0 - 0.01, 1.01)
        ax3.set_xlabel("c (cosine between the two inputs)")
        ax3.set_ylabel(f"{kind.upper()} difference")
        ax3.legend(fontsize=7.5, loc="center left")  # the residual hugs 0 there; the bound runs along the top
        ax3.set_title(f"truncation error near c = 1 (n = {n})", fontsize=9)

        plot_width_scaling(
            widths, [rms[w] for w in widths], ax=ax2, label=f"rms(empirical − quadrature), {len(seeds)} seeds"
        )
        ax2.set_ylabel(f"rms error of the finite-width {kind.upper()}")
        fig.suptitle(
            f"target {kernel_label(fam.kernel, fam.label)}\nvs the 1HL {kind.upper()} of its "
            f"reverse-engineered activation (n = {n} Hermite terms, σ_w = 1, σ_b = 0)",
            fontsize=10,
        )
        fig.tight_layout()
        fig.savefig(out, dpi=120)
        plt.close(fig)
        result["figure"] = str(out)
    return result
