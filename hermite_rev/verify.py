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
c in [-1, 1]: max error 7.6e-3 at N = 20, 4.7e-3 at N = 40, 2.8e-3 at N = 80); ``"split"`` therefore integrates z1 and z2 piecewise
between the kinks (the inner kink sits at z2 = (t - c z1)/sqrt(1 - c^2)) with composite
Gauss-Legendre on [-L, L] (L = 12 in float64, L = sqrt(2 ln 10 (dps + 5)) + 1 at ``dps``
digits, so the dropped Gaussian tail is below the working precision), which is
exponentially accurate (ReLU NTK: 1e-14 in float64 with 40 nodes per piece; 1e-41 at dps 30
with 70).  ``"auto"`` picks split for activations with
known kinks.  Every result carries an error estimate: the difference to a rule with about
1.5x the nodes (plus the tanh-sinh estimate at arbitrary precision).

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

import mpmath
import numpy as np

from ._validate import HermiteRevError, check_kind, check_positive_int

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
    """

    cs: tuple
    values: object
    errors: object
    kind: str
    method: str
    dps: int | None = None

    def __array__(self, dtype=None, copy=None):
        arr = np.array([float(v) for v in self.values], dtype=np.float64)
        return arr if dtype is None else arr.astype(dtype)

    def __len__(self):
        return len(self.values)

    def __getitem__(self, i):
        return self.values[i]

    def __iter__(self):
        return iter(self.values)

    @property
    def max_error(self):
        return max(float(e) for e in self.errors)


# --------------------------------------------------------------------------------------------
# activation resolution (value, derivative, kinks; numpy and mpmath)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fn:
    name: str
    f_np: object          # numpy callable phi
    df_np: object         # numpy callable phi'
    f_mp: object          # mpmath callable phi (or None)
    df_mp: object
    kinks: tuple          # points where phi or phi' is not smooth
    degree: int | None    # polynomial degree, None if not a polynomial


def _smooth_kinks(expr):
    from .hermite import _breakpoints

    try:
        return tuple(float(p) for p in _breakpoints(expr))
    except Exception:
        return ()


@functools.lru_cache(maxsize=64)
def _fn_from_expr(expr):
    import sympy

    from ._validate import z

    d = sympy.diff(expr, z)
    f_np = sympy.lambdify(z, expr, "numpy")
    df_np = sympy.lambdify(z, d, "numpy")
    f_mp = sympy.lambdify(z, expr, "mpmath")
    df_mp = sympy.lambdify(z, d, "mpmath")
    kinks = _smooth_kinks(expr)
    if expr.has(sympy.Max, sympy.Min, sympy.Abs, sympy.Heaviside, sympy.Piecewise, sympy.sign) and not kinks:
        kinks = (0.0,)
    deg = None
    if expr.is_polynomial(z):
        deg = int(sympy.degree(expr, z)) if expr.has(z) else 0

    def vec(f):
        def g(x):
            return np.broadcast_to(np.asarray(f(x), dtype=np.float64), np.shape(x))
        return g

    def mp_heaviside_safe(f):
        def g(x):
            return mpmath.mpf(f(x))
        return g

    return _Fn(str(expr), vec(f_np), vec(df_np), mp_heaviside_safe(f_mp), mp_heaviside_safe(df_mp), kinks, deg)


def _fn_from_activation(act):
    b = [float(v) for v in act.coeffs]
    dact = act.derivative()
    db = [float(v) for v in dact.coeffs]

    def herm_np(coeffs):
        cf = np.asarray(coeffs)

        def f(x):
            x = np.asarray(x, dtype=np.float64)
            h_prev, h = np.zeros_like(x), np.ones_like(x)
            total = cf[0] * h
            for k in range(1, len(cf)):
                h_prev, h = h, (x * h - math.sqrt(k - 1) * h_prev) / math.sqrt(k)
                total = total + cf[k] * h
            return total
        return f

    def herm_mp(coeffs):
        # three-term recurrence with the square roots tabulated once per precision
        table = {}

        def f(x):
            prec = mpmath.mp.prec
            if prec not in table:
                table[prec] = ([mpmath.sqrt(k) for k in range(len(coeffs) + 1)], [+cf for cf in coeffs])
            sq, cf = table[prec]
            h_prev, h = mpmath.mpf(0), mpmath.mpf(1)
            total = cf[0]
            for k in range(1, len(cf)):
                h_prev, h = h, (x * h - sq[k - 1] * h_prev) / sq[k]
                total += cf[k] * h
            return total
        return f

    return _Fn(f"hermite(deg={act.degree})", herm_np(b), herm_np(db), herm_mp(act.coeffs), herm_mp(dact.coeffs),
               (), max(act.degree, 0))


def _resolve(act) -> _Fn:
    """Activation spec -> numpy and mpmath evaluators (value and derivative) and kinks."""
    from .family import Activation

    if isinstance(act, _Fn):
        return act
    if isinstance(act, Activation):
        return _fn_from_activation(act)
    from .nets import NetActivation, net_activation

    if isinstance(act, str):
        na = net_activation(act)
        return _fn_from_expr(na.expr)
    if isinstance(act, NetActivation):
        if act.expr is not None:
            return _fn_from_expr(act.expr)
        if isinstance(act.source, Activation):
            return _fn_from_activation(act.source)
        act = act.source
    if isinstance(act, tuple) and len(act) == 2 and all(callable(f) for f in act):
        f, df = act
        return _Fn(getattr(f, "__name__", "callable"), f, df, None, None, (), None)
    from ._validate import as_expr, z

    try:
        expr = as_expr(act, z)
    except HermiteRevError:
        raise HermiteRevError(
            f"activation must be a name, an Activation, a sympy expression in z or a pair of numpy "
            f"callables (phi, dphi); got {act!r}") from None
    return _fn_from_expr(expr)


# --------------------------------------------------------------------------------------------
# Gauss-Hermite rules
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=128)
def _gh_float(n):
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / math.sqrt(2 * math.pi)


@functools.lru_cache(maxsize=64)
def _gh_mp(n, dps):
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


def gauss_hermite(n, dps=None):
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
    if n > 180:
        raise HermiteRevError(f"Gauss-Hermite rules are supported up to n=180 nodes, got n={n}")
    if dps is None:
        return _gh_float(n)
    return _gh_mp(n, check_positive_int(dps, "dps"))


# --------------------------------------------------------------------------------------------
# 2-D Gaussian expectations E[f(u) g(v)]
# --------------------------------------------------------------------------------------------


def _expect_gh_float(f, g, rho, q, n):
    x, w = _gh_float(n)
    sq = math.sqrt(q)
    s = math.sqrt(max(0.0, 1.0 - rho * rho))
    F = f(sq * x)
    G = g(sq * (rho * x[:, None] + s * x[None, :]))
    return float(w @ (F * (G @ w)))


@functools.lru_cache(maxsize=64)
def _gl(m):
    return np.polynomial.legendre.leggauss(m)


_L = 12.0  # P(|Z| > 12) = 3.6e-33: the truncation of the split rule


def _pieces_nodes(lo, hi, m):
    """Gauss-Legendre nodes/weights on [lo, hi] per row (lo, hi of shape (r,)) -> (r, m)."""
    t, wt = _gl(m)
    mid, half = (hi + lo) / 2, (hi - lo) / 2
    return mid[:, None] + half[:, None] * t[None, :], half[:, None] * wt[None, :]


def _split_axis(points, m):
    """Composite GL nodes and N(0,1)-weights on [-L, L] split at ``points`` (1-D arrays)."""
    edges = np.concatenate([[-_L], np.clip(np.sort(np.asarray(points, dtype=float)), -_L, _L), [_L]])
    lo, hi = edges[:-1], edges[1:]
    xs, ws = _pieces_nodes(lo, hi, m)
    ws = ws * np.exp(-xs * xs / 2) / math.sqrt(2 * math.pi)
    return xs.ravel(), ws.ravel()


def _expect_split_float(f, g, rho, q, kinks_f, kinks_g, m):
    sq = math.sqrt(q)
    s = math.sqrt(max(0.0, 1.0 - rho * rho))
    x1, w1 = _split_axis([t / sq for t in kinks_f] + ([t / (sq * rho) for t in kinks_g] if s < 1e-12 and rho != 0 else []), m)
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
    x2 = mid[..., None] + half[..., None] * t           # (r, pieces, m)
    w2 = half[..., None] * wt * np.exp(-x2 * x2 / 2) / math.sqrt(2 * math.pi)
    G = g(sq * (rho * x1[:, None, None] + s * x2))
    inner = np.sum(w2 * G, axis=(1, 2))
    return float(np.sum(w1 * F * inner))


def _expect_gh_mp(f, g, rho, q, n, dps):
    x, w = gauss_hermite(n, dps)
    sq = mpmath.sqrt(q)
    s = mpmath.sqrt(max(mpmath.mpf(0), 1 - rho * rho))
    total = mpmath.mpf(0)
    for xi, wi in zip(x, w):
        Fi = f(sq * xi)
        if Fi == 0:
            continue
        inner = mpmath.fsum(wj * g(sq * (rho * xi + s * xj)) for xj, wj in zip(x, w))
        total += wi * Fi * inner
    return total


@functools.lru_cache(maxsize=64)
def _gl_mp(m, dps):
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


def _split_axis_mp(points, m, L):
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


def _expect_split_mp(f, g, rho, q, kinks_f, kinks_g, m):
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


def _deep(expect, c, kind, depth, sw2, sb2, swl2, sbl2, zero):
    """The layer recursion of hermite_rev.kernels with E[.] supplied by ``expect(which, rho, q)``."""
    nngp, ntk, q = c, zero, zero + 1
    for _ in range(depth):
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
        q = expect("f", zero + 1, q)
        nngp = new_nngp
    nngp = swl2 * nngp + sbl2
    ntk = nngp + swl2 * ntk
    return ntk if kind == "ntk" else nngp


def _check_cs(cs):
    try:
        arr = [float(v) for v in np.atleast_1d(np.asarray(cs, dtype=object))]
    except (TypeError, ValueError):
        raise HermiteRevError(f"cs must be a sequence of cosines in [-1, 1], got cs={cs!r}") from None
    if not arr:
        raise HermiteRevError("cs must contain at least one cosine, got cs=[]")
    bad = [v for v in arr if not (-1 <= v <= 1)]
    if bad:
        raise HermiteRevError(f"cosines must lie in [-1, 1], got {bad[0]!r} in cs")
    return cs if not isinstance(cs, np.ndarray) else list(cs)


def quadrature_kernel(act, kind="ntk", cs=DEFAULT_CS, dps=30, *, method="auto", nodes=None, depth=1,
                      sigma_w=1, sigma_b=0, sigma_w_last=1, sigma_b_last=0) -> KernelValues:
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
    cs : sequence of float
        Cosines in [-1, 1].
    dps : int or None
        Digits (mpmath); None for float64 (numpy).
    method : {"auto", "gauss-hermite", "split"}
        See the module docstring; auto = split when the activation has kinks.
    nodes : int or None
        Nodes per dimension (Gauss-Hermite) or per piece (split).  Default: degree + 2 for
        polynomials, else 96 (float64 GH), 48 (mp GH), 40 (float64 split) or 1.5 dps + 25
        (mp split).

    Returns
    -------
    KernelValues
        Values, error estimates (difference to a ~1.5x finer rule; for polynomial activations
        with N > degree the rule is exact and the estimate is rounding only), method.

    Examples
    --------
    >>> kv = quadrature_kernel("relu", "nngp", cs=[0.0, 1.0], dps=None)
    >>> np.round(np.asarray(kv), 12)      # (sqrt(1-c^2) + (pi - acos c) c) / (2 pi)
    array([0.15915494, 0.5       ])
    """
    kind = check_kind(kind)
    cs = _check_cs(cs)
    depth = check_positive_int(depth, "depth")
    fn = _resolve(act)
    if method not in ("auto", "gauss-hermite", "split"):
        raise HermiteRevError(f"method must be 'auto', 'gauss-hermite' or 'split', got method={method!r}")
    if method == "auto":
        method = "split" if fn.kinks else "gauss-hermite"
    if dps is not None:
        dps = check_positive_int(dps, "dps")
        if fn.f_mp is None:
            raise HermiteRevError("arbitrary precision needs an activation mpmath can evaluate; "
                                  "pass dps=None for a pair of numpy callables")
    if nodes is None:
        if fn.degree is not None and method == "gauss-hermite":
            nodes = fn.degree * depth + 2 if depth == 1 else min(180, 2 * fn.degree + 8)
        elif method == "gauss-hermite":
            nodes = 96 if dps is None else 48
        else:
            nodes = 40 if dps is None else max(40, int(1.5 * dps) + 25)
    nodes = check_positive_int(nodes, "nodes")
    finer = min(180, nodes + max(4, nodes // 2))
    sw2, sb2 = float(sigma_w) ** 2, float(sigma_b) ** 2
    swl2, sbl2 = float(sigma_w_last) ** 2, float(sigma_b_last) ** 2
    kf = fn.kinks
    kdf = fn.kinks

    if dps is None:
        def run(N):
            def expect(which, rho, q):
                f = fn.f_np if which == "f" else fn.df_np
                k = kf if which == "f" else kdf
                if method == "split":
                    return _expect_split_float(f, f, float(rho), float(q), k, k, N)
                return _expect_gh_float(f, f, float(rho), float(q), N)
            return np.array([_deep(expect, float(c), kind, depth, sw2, sb2, swl2, sbl2, 0.0) for c in cs])

        v1 = run(nodes)
        v2 = run(finer)
        errs = np.abs(v1 - v2) + 4e-16 * np.maximum(1.0, np.abs(v1)) * (nodes if fn.degree is None else 1)
        return KernelValues(tuple(float(c) for c in cs), v1, errs, kind,
                            f"{method}({nodes} vs {finer} nodes, float64)", None)

    with mpmath.workdps(dps + 10):
        to = mpmath.mpf
        if method == "split":
            def run(N):
                def expect(which, rho, q):
                    f = fn.f_mp if which == "f" else fn.df_mp
                    k = kf if which == "f" else kdf
                    return _expect_split_mp(f, f, rho, q, k, k, N)
                return [_deep(expect, to(cval), kind, depth, to(sw2), to(sb2), to(swl2), to(sbl2), to(0))
                        for cval in cs]

            vals = run(nodes)
            v2 = run(finer)
            errs = [abs(a - b) + abs(a) * to(10) ** (-dps) for a, b in zip(vals, v2)]
            label = f"split(Gauss-Legendre {nodes} vs {finer} nodes per piece, dps={dps})"
        else:
            def run(N):
                def expect(which, rho, q):
                    f = fn.f_mp if which == "f" else fn.df_mp
                    return _expect_gh_mp(f, f, rho, q, N, dps + 10)
                return [_deep(expect, to(cval), kind, depth, to(sw2), to(sb2), to(swl2), to(sbl2), to(0))
                        for cval in cs]

            vals = run(nodes)
            exact_rule = fn.degree is not None and depth == 1 and nodes > fn.degree
            if exact_rule:
                errs = [abs(v) * to(10) ** (-dps) for v in vals]
            else:
                v2 = run(finer)
                errs = [abs(a - b) + abs(a) * to(10) ** (-dps) for a, b in zip(vals, v2)]
            label = f"gauss-hermite({nodes} nodes{', exact for this polynomial' if exact_rule else f' vs {finer}'}, dps={dps})"
    with mpmath.workdps(dps):
        return KernelValues(tuple(float(c) for c in cs), tuple(+v for v in vals), tuple(+e for e in errs),
                            kind, label, dps)
