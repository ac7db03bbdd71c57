"""numba kernels for training and empirical kernels: plain typed loops, nothing else.

Index
-----
ACT_CODES          name -> integer code understood by :func:`act_value_grad`
act_value_grad     fused phi(x), phi'(x) for a named activation (in place); NaN gives NaN
dense_act          one Dense layer's epilogue: z = scale * P + bias, A = phi(z), D = phi'(z)
dense_sincos32     the same for s sin(a z) / s cos(a z) in float32 (vectorizable float64 sin/cos)
dense_series       the same for a Hermite-series activation (float64 recurrence inside)
backprop_scale     G *= scale * D in place, and the column sums of the result (bias gradient)

The Python layer (:mod:`hermite_rev.nets`) validates every input and reshapes arrays to
contiguous 1-D views before calling these; the rest of the package never sees numba types.
Kernels are compiled lazily on first call and cached on disk (pure functions of their
arguments, so caching is safe).  Every kernel is serial: the element-wise work of a training
step is small next to its matrix products, and a thread pool for it fights BLAS (and other
processes) for the cores -- on a shared 2-core machine a ``parallel=True`` loop here took
two thirds of the step.  One pass over the data computes value, derivative and scaling.
The Hermite-series recurrence is :mod:`hermite_rev._numba`'s block kernel.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ._numba import BLOCK, _block2

__all__ = ["ACT_CODES", "act_value_grad", "dense_act", "dense_sincos32", "dense_series", "backprop_scale"]

#: integer codes of the named activations; parameters ``(a, s)`` give ``s * f(a x)``.
ACT_CODES = {
    "relu": 0,
    "erf": 1,
    "tanh": 2,
    "sin": 3,
    "linear": 4,
    "abs": 5,
    "cos": 6,
    "step": 7,
    "softplus": 8,
}

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@numba.njit(cache=True, fastmath=False)
def act_value_grad(code, a, s, x, val, der):
    """val[i] = s f(a x[i]), der[i] = s a f'(a x[i]) for the named activation ``code``.

    NaN inputs give NaN value and derivative (the comparisons of relu, abs and step would
    otherwise map NaN to 0).
    """
    n = x.shape[0]
    for i in range(n):
        v, d = _value_grad(code, a * x[i])
        val[i] = s * v
        der[i] = s * a * d


@numba.njit(inline="always", fastmath=False)
def _value_grad(code, t):
    """(f(t), f'(t)) of the named activation ``code``; NaN gives (NaN, NaN)."""
    v = 0.0
    d = 0.0
    if t != t:
        v = t
        d = t
    elif code == 0:
        if t > 0.0:
            v = t
            d = 1.0
    elif code == 1:
        v = math.erf(t)
        d = _TWO_OVER_SQRT_PI * math.exp(-t * t)
    elif code == 2:
        v = math.tanh(t)
        d = 1.0 - v * v
    elif code == 3:
        v = math.sin(t)
        d = math.cos(t)
    elif code == 4:
        v = t
        d = 1.0
    elif code == 5:
        v = abs(t)
        d = 1.0 if t > 0.0 else (-1.0 if t < 0.0 else 0.0)
    elif code == 6:
        v = math.cos(t)
        d = -math.sin(t)
    elif code == 7:
        v = 1.0 if t > 0.0 else 0.0
    else:
        # softplus, stable on both sides
        if t > 0.0:
            v = t + math.log1p(math.exp(-t))
        else:
            v = math.log1p(math.exp(t))
        d = 1.0 / (1.0 + math.exp(-t))
    return v, d


@numba.njit(cache=True, fastmath=False)
def dense_act(code, a, s, P, scale, bias, A, D):
    """Epilogue of a Dense layer with a named activation, in one pass.

    ``z = scale * P[i, j] + bias[j]``; ``A[i, j] = s f(a z)``, ``D[i, j] = s a f'(a z)``.
    ``A`` may be ``P`` itself, but then LLVM cannot vectorize the pass.  All arrays share
    one float dtype; ``scale``, ``a``, ``s`` are scalars of that dtype and ``bias`` already
    holds ``sigma_b * b``.
    """
    n, m = P.shape
    sa = s * a
    if code == 0 and a > 0:  # ReLU (s relu(a z) = s a relu(z)): branch-free, vectorizes
        for i in range(n):
            for j in range(m):
                z = scale * P[i, j] + bias[j]
                pos = z > 0.0
                A[i, j] = s * (a * z) if pos else (z if z != z else 0.0)
                D[i, j] = sa if pos else (z if z != z else 0.0)
        return
    for i in range(n):
        for j in range(m):
            v, d = _value_grad(code, a * (scale * P[i, j] + bias[j]))
            A[i, j] = s * v
            D[i, j] = sa * d


# fdlibm's kernel polynomials for sin and cos on |r| <= pi/4 (error < 1 ulp of float64)
_S1, _S2, _S3 = -1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04
_S4, _S5, _S6 = 2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10
_C1, _C2, _C3 = 4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05
_C4, _C5, _C6 = -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11
_TWO_OVER_PI = 6.36619772367581382433e-01
_PIO2_HI = 1.57079632673412561417e00  # 33 bits: k * _PIO2_HI is exact for |k| < 2**20
_PIO2_LO = 6.07710050650619224932e-11


@numba.njit(cache=True, fastmath=False)
def dense_sincos32(cosine, a, s, P, scale, bias, A, D):
    """:func:`dense_act` for ``s sin(a z)`` (or ``s cos(a z)``) on float32 arrays, vectorizable.

    ``t = a (scale P + bias)`` is formed in float32 exactly as :func:`dense_act` does; sin t and
    cos t are then computed in float64 (Cody-Waite reduction by pi/2 with a two-part pi/2,
    fdlibm's polynomials) and rounded once to float32: within 1 ulp of float32 for
    |t| < 2**20 (beyond that the reduction loses bits; NaN and inf give NaN).  libm's
    ``sinf``/``cosf`` are scalar calls and were 90 % of a sin(6z)/2 training step.
    """
    n, m = P.shape
    sa = s * a
    for i in range(n):
        for j in range(m):
            t = np.float64(a * (scale * P[i, j] + bias[j]))
            k = math.floor(t * _TWO_OVER_PI + 0.5)
            r = (t - k * _PIO2_HI) - k * _PIO2_LO
            q = np.int64(k) & 3
            r2 = r * r
            sr = r + r * r2 * (_S1 + r2 * (_S2 + r2 * (_S3 + r2 * (_S4 + r2 * (_S5 + r2 * _S6)))))
            cr = 1.0 - 0.5 * r2 + r2 * r2 * (_C1 + r2 * (_C2 + r2 * (_C3 + r2 * (_C4 + r2 * (_C5 + r2 * _C6)))))
            odd = (q & 1) == 1
            sv = cr if odd else sr
            cv = sr if odd else cr
            sin_t = -sv if (q & 2) == 2 else sv
            cos_t = -cv if (q == 1 or q == 2) else cv
            if not abs(t) <= 1e300:  # inf and NaN give NaN, as libm does
                sin_t = t - t
                cos_t = sin_t
            if cosine:
                A[i, j] = s * cos_t
                D[i, j] = -sa * sin_t
            else:
                A[i, j] = s * sin_t
                D[i, j] = sa * cos_t


@numba.njit(cache=True, fastmath=False)
def dense_series(P, scale, bias, c0, c1, r, sr, A, D):
    """Epilogue of a Dense layer with phi = sum_k c0[k] h_k (phi' = sum_k c1[k] h_k), one pass.

    ``z = scale * P[i, j] + bias[j]`` in P's dtype (as the unfused layer computed it), then
    phi(z), phi'(z) by the float64 three-term recurrence of :mod:`hermite_rev._numba` and
    stored in A's dtype.
    """
    n, m = P.shape
    N = n * m
    T = np.empty(BLOCK)
    V = np.empty(BLOCK)
    G = np.empty(BLOCK)
    W = np.empty(6 * BLOCK)
    Pf = P.reshape(N)
    Af = A.reshape(N)
    Df = D.reshape(N)
    for i0 in range(0, N, BLOCK):
        mm = min(BLOCK, N - i0)
        for k in range(mm):
            T[k] = np.float64(scale * Pf[i0 + k] + bias[(i0 + k) % m])
        _block2(T, 0, mm, c0, c1, r, sr, V, G, W)
        for k in range(mm):
            Af[i0 + k] = V[k]
            Df[i0 + k] = G[k]


@numba.njit(cache=True, fastmath=False)
def backprop_scale(G, scale, D, colsum):
    """``G[i, j] = (G[i, j] * scale) * D[i, j]`` in place; ``colsum[j] = sum_i G[i, j]`` after."""
    n, m = G.shape
    for j in range(m):
        colsum[j] = 0.0
    for i in range(n):
        for j in range(m):
            g = (G[i, j] * scale) * D[i, j]
            G[i, j] = g
            colsum[j] += g
