r"""The quadrature route: NNGP / NTK of an activation by 2-D Gaussian quadrature, no series involved.

Place: the verify stage, above :mod:`._checks`.  Imports :mod:`hermite_rev._core` and
:mod:`hermite_rev.activations` only -- never the Taylor-series stages (``series``, ``hermite``,
``family``; an import-linter contract forbids it), so that comparing its values with a series
checks the theorem two independent ways.  Activations are evaluated through
:class:`hermite_rev.activations.ActivationFunction` (Hermite series by their three-term
recurrence, expressions by ``lambdify``).

Index
-----
quadrature_kernel     NNGP / NTK by Gauss-Hermite or split Gauss-Legendre quadrature, float64
                      or arbitrary precision, with error estimates; ``method="ball"``: proven
                      values at depth 1-4 (opt-in; :mod:`._ball_quad`)
KernelValues          kernel values on a grid of cosines with their error estimates (a value)
gauss_hermite         nodes and weights of the N(0, 1) Gauss-Hermite rule, float64 or mpmath (cached)
expect_gh_float       E[f(u) g(v)] by the tensor Gauss-Hermite rule (float64); ``expect_gh_mp``
expect_split_float    E[f(u) g(v)] by composite Gauss-Legendre split at the kinks; ``expect_split_mp``
deep_recursion        the layer recursion of :mod:`hermite_rev.kernels` with E[.] supplied

The methods, node counts and error estimates are described in :mod:`hermite_rev.verify`.
"""

from __future__ import annotations

import functools
import math
import sys
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import flint
import mpmath
import numpy as np
import sympy

from .._core.errors import HermiteRevError, HermiteRevWarning
from .._core.limits import LIMITS, check_size
from .._core.precision import flint_ctx, rad, to_mpf
from .._core.text import short
from .._core.validate import check_kind, check_positive_int, exact_number, public
from ..activations import resolve
from ._ball_quad import BallQuadRefusal, ball_kernel
from ._checks import DEFAULT_CS, check_cs, check_finite_kernel, check_quadrature_work

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from numpy.typing import DTypeLike, NDArray

    from .._core.typing import ActivationLike, FloatArray, Kind, RealLike
    from ..activations import ActivationFunction
    from ..family import Activation

__all__ = [
    "KernelValues",
    "quadrature_kernel",
    "gauss_hermite",
    "expect_gh_float",
    "expect_gh_mp",
    "expect_split_float",
    "expect_split_mp",
    "deep_recursion",
]


@dataclass(frozen=True, eq=False)
class KernelValues:
    """Kernel values on a grid of cosines, with error estimates.

    Behaves like a 1-D array of the values (``np.asarray``, ``len``, indexing).  A value:
    immutable (a float64 ``values`` / ``errors`` array is a read-only copy), picklable,
    deep-copyable, equal to another with the same fields and numbers.

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
    rigorous : bool
        True when ``errors`` are proven bounds (``method="ball"``), not estimates.
    """

    cs: tuple[float, ...]
    values: Any
    errors: Any
    kind: str
    method: str
    dps: int | None = None
    converged: bool = True
    rigorous: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "cs", tuple(self.cs))
        for name in ("values", "errors"):
            v = getattr(self, name)
            if isinstance(v, np.ndarray):
                v = np.array(v, dtype=np.float64)  # a private copy nobody can write to
                v.setflags(write=False)
            else:
                v = tuple(v)
            object.__setattr__(self, name, v)

    def _key(self) -> tuple[Any, ...]:
        def numbers(v: Any) -> tuple[Any, ...]:
            return ("float64", *v.tolist()) if isinstance(v, np.ndarray) else ("mpmath", *v)

        vals, errs = numbers(self.values), numbers(self.errors)
        return (self.cs, vals, errs, self.kind, self.method, self.dps, self.converged, self.rigorous)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KernelValues):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self) -> tuple[Any, ...]:
        # through __init__, so a copy's arrays are read-only again
        fields = (self.cs, self.values, self.errors, self.kind, self.method, self.dps, self.converged, self.rigorous)
        return (type(self), fields)

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
    >>> import mpmath
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
    return _gh_mp(n, check_size(dps, "dps"))


# --------------------------------------------------------------------------------------------
# 2-D Gaussian expectations E[f(u) g(v)]
# --------------------------------------------------------------------------------------------


def expect_gh_float(f: Callable[[Any], Any], g: Callable[[Any], Any], rho: float, q: float, n: int) -> float:
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


def expect_split_float(
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


def expect_gh_mp(f: Callable[[Any], Any], g: Callable[[Any], Any], rho: Any, q: Any, n: int, dps: int) -> mpmath.mpf:
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


def expect_split_mp(
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


def deep_recursion(
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
    method: Literal["auto", "gauss-hermite", "split", "ball"] = "auto",
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
    method : {"auto", "gauss-hermite", "split", "ball"}
        See the module docstring; auto = split when the activation has kinks.  ``"ball"``: the
        proven route (:mod:`hermite_rev.verify._ball_quad`: Gauss-Legendre panels whose
        errors are bounded on Bernstein ellipses by complex ball arithmetic, nodes shared by
        every cosine, kinks split, Gaussian tails bounded from a proven growth envelope), at
        depth 1-4 with any sigma_w, sigma_b (each layer's variance and correlation are balls),
        an activation given as an expression or name; ``errors`` are then proven radii and
        ``rigorous`` is True.  Opt-in: about 3 s for tanh's NTK at 7 cosines, dps=30, depth 1
        (2 shared cores), 13 s at depth 3.
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
    >>> import numpy as np
    >>> kv = quadrature_kernel("relu", "nngp", cs=[0.0, 1.0], dps=None)
    >>> np.round(np.asarray(kv), 12)      # (sqrt(1-c^2) + (pi - acos c) c) / (2 pi)
    array([0.15915494, 0.5       ])
    """
    kind = check_kind(kind)
    cs = check_cs(cs)
    depth = check_size(depth, "depth", "kernel_depth")
    if nodes is not None:
        nodes = check_size(nodes, "nodes", "nodes_quadrature")
    fn = resolve(act)
    if method not in ("auto", "gauss-hermite", "split", "ball"):
        raise HermiteRevError(f"method must be 'auto', 'gauss-hermite', 'split' or 'ball', got method={method!r}")
    if kind == "ntk" and fn.jump:
        raise HermiteRevError(
            f"the NTK of an activation with a jump is infinite: phi = {short(fn.name)} has phi' containing a "
            f"Dirac delta, and c E[phi'(u) phi'(v)] (1/(2 pi sqrt(1 - c^2)) for a unit step at 0) "
            f"diverges at c = +-1; use kind='nngp', or empirical_kernel for finite nets (phi' = 0 "
            f"almost everywhere)"
        )
    check_quadrature_work(len(cs), None if dps is None else check_size(dps, "dps"))
    if method == "ball":
        return _ball_kernel(fn, kind, list(cs), dps, depth, (sigma_w, sigma_b, sigma_w_last, sigma_b_last))
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
                    return expect_split_float(f, f, float(rho), float(q), k, k, N)
                return expect_gh_float(f, f, float(rho), float(q), N)

            return [deep_recursion(expect, float(cs[i]), kind, depth, sw2, sb2, swl2, sbl2, 0.0) for i in idx]

        def rounding(v: float, N: int) -> float:  # exact rules: random-walk growth sqrt(N) of the rounding errors
            return 4e-16 * max(1.0, abs(v)) * (math.sqrt(N) if exact else N)

        try:
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
                if exact:
                    picked = [(v, None, nodes, None, True) for v in run(nodes, range(len(cs)))]
                else:
                    picked = _refine(
                        run, len(cs), nodes, cap, adaptive, lambda d, v, N: d <= max(1e-13 * abs(v), rounding(v, N))
                    )
        except OverflowError:  # an int constant beyond float64 (act=10**400)
            picked = [(math.inf, None, nodes, None, False)]
        vals = check_finite_kernel(np.array([p[0] for p in picked]), fn.name, kind, "quadrature_kernel")
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
                        return expect_split_mp(f, f, rho, q, k, k, N)

                    return expect
            else:

                def expect_at(N: int) -> Callable[[str, Any, Any], Any]:
                    def expect(which: str, rho: Any, q: Any) -> Any:
                        f = f_mp if which == "f" else df_mp
                        return expect_gh_mp(f, f, rho, q, N, dps + 10)

                    return expect

            def run(N: int, idx: Sequence[int]) -> list[Any]:
                return [
                    deep_recursion(expect_at(N), to(cs[i]), kind, depth, to(sw2), to(sb2), to(swl2), to(sbl2), to(0))
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


#: seconds after which the ball route reports its time (to stderr)
ESTIMATE_AFTER_S = 10.0


def _ball_kernel(
    fn: ActivationFunction, kind: str, cs: Sequence[Any], dps: int | None, depth: int, hyper: tuple[Any, ...]
) -> KernelValues:
    """quadrature_kernel(method="ball"): proven values at depth 1-4 (see :mod:`._ball_quad`)."""
    if dps is None:
        raise HermiteRevError("method='ball' works at dps digits (balls): pass dps, e.g. dps=30")
    dps = check_size(dps, "dps")
    if fn.expr is None:
        raise HermiteRevError("method='ball' needs phi as an expression in z or a name, not numeric callables")
    sw, sb, swl, sbl = (
        exact_number(v, name) for v, name in zip(hyper, ("sigma_w", "sigma_b", "sigma_w_last", "sigma_b_last"))
    )
    sw2, sb2, swl2, sbl2 = sw**2, sb**2, swl**2, sbl**2
    if not sw2.is_positive:
        raise HermiteRevError(f"sigma_w must be nonzero, got sigma_w={hyper[0]!r}")
    kinks = [float(k) for k in fn.kinks]
    start = time.perf_counter()
    with flint_ctx(int(dps * 3.33) + 30, flint.ctx.cap):
        points = []
        for x in cs:
            cx = exact_number(x, "cs")
            points.append((_ball_of(cx), 1 if cx == 1 else (-1 if cx == -1 else None)))
        hyper_b = (_ball_of(sw2), _ball_of(sb2), _ball_of(swl2), _ball_of(sbl2))
        try:
            values = ball_kernel(fn.expr, kinks, points, kind, depth, hyper_b, sb2 == 0, dps)
        except BallQuadRefusal as exc:
            raise HermiteRevError(f"quadrature_kernel(method='ball') of {short(fn.name, 60)}: {exc}") from None
        took = time.perf_counter() - start
        if took > ESTIMATE_AFTER_S:
            print(f"quadrature_kernel(method='ball'): {len(cs)} cosines took {took:.0f} s", file=sys.stderr)
        with mpmath.workprec(flint.ctx.prec + 10):
            mids = [to_mpf(v) for v in values]
        with mpmath.workdps(dps):
            vals = tuple(+m for m in mids)  # rounded to dps digits: the rounding is added
        with mpmath.workprec(flint.ctx.prec + 10):
            errs = tuple(mpmath.fadd(rad(v), abs(m - r), rounding="u") for v, m, r in zip(values, mids, vals))
    label = f"ball(Gauss-Legendre panels, Bernstein-ellipse bounds, proven, depth={depth}, dps={dps})"
    return KernelValues(tuple(float(x) for x in cs), vals, errs, kind, label, dps, True, True)


def _ball_of(e: Any) -> Any:
    """An exact sympy number as a ball at the current precision."""
    e = sympy.nsimplify(e) if isinstance(e, sympy.Float) else sympy.sympify(e)
    if e.is_Rational:
        return flint.arb(int(e.p)) / int(e.q)
    digits = int(flint.ctx.prec / 3.3) + 10  # an irrational number: 10 digits beyond the precision
    approx = sympy.N(e, digits)
    return flint.arb(str(approx)) + flint.arb(0, 10.0 ** (3 - digits)) * (1 + abs(flint.arb(str(approx))))
