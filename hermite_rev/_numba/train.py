"""numba kernels for training and empirical kernels: plain typed loops, nothing else.

Index
-----
ACT_CODES          name -> integer code understood by :func:`act_value_grad`
act_value_grad     fused phi(x), phi'(x) for a named activation (in place); NaN gives NaN
dense_act          one Dense layer's epilogue: z = scale * P + bias, A = phi(z), D = phi'(z)
relu_inplace       the same for ReLU in place (A = P), phi' not stored (it is the mask A > 0)
relu_grad          phi' of ReLU from its value (for a caller that asks for phi')
dense_sincos32     the same for s sin(a z) / s cos(a z) in float32 (vectorizable float32 sin/cos,
                   one shared argument reduction; float64 path for |a z| > SINCOS32_MAX)
sincos32_fast      the float32 sin/cos core on a flat array (for tests and timing)
SERIES_BLOCK       points per block of :func:`dense_series`
dense_series       the same for a Hermite-series activation, in the arrays' dtype, scaled
                   recurrence unrolled by 4, trailing terms dropped only under a bound
series_tables      the coefficient tables :func:`dense_series` takes (numpy, no numba)
backprop_scale     G *= scale * D in place, and the column sums of the result (bias gradient)
backprop_relu      the same with D = the ReLU mask of the layer's output A
backprop_readout   G = (G_out W^T) scale D (or ReLU mask) with column sums, for few outputs
fma_rate_kernel    16 dependent FMAs per entry, SIMD across entries (measures the FMA rate)

The Python layer (:mod:`hermite_rev.nets`) validates every input and reshapes arrays to
contiguous 1-D views before calling these; the rest of the package never sees numba types.
Kernels are compiled lazily on first call and cached on disk (pure functions of their
arguments, so caching is safe).  Every kernel is serial: the element-wise work of a training
step is small next to its matrix products, and a thread pool for it fights BLAS (and other
processes) for the cores -- on a shared 2-core machine a ``parallel=True`` loop here took
two thirds of the step.  One pass over the data computes value, derivative and scaling.
The Hermite-series kernel is :mod:`hermite_rev._numba.hermite`'s block recurrence rescaled (one
multiply and one FMA per degree), unrolled by 4 and run in the net's dtype.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = [
    "ACT_CODES",
    "act_value_grad",
    "dense_act",
    "relu_inplace",
    "relu_grad",
    "dense_sincos32",
    "sincos32_fast",
    "SINCOS32_MAX",
    "SERIES_BLOCK",
    "dense_series",
    "series_tables",
    "backprop_scale",
    "backprop_relu",
    "backprop_readout",
    "fma_rate_kernel",
]

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


@numba.njit(inline="always", fastmath=False)
def _sincos64(t):
    """(sin t, cos t) of a float64 t: Cody-Waite by pi/2 (two-part), fdlibm's polynomials.

    Within 1 ulp of float64 for |t| < 2**20 (so correctly rounded to float32 but in rare
    double-rounding cases); inf and NaN give NaN.
    """
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
    return sin_t, cos_t


@intrinsic
def _fma(typingctx, a, b, c):
    """Fused multiply-add ``a * b + c`` with one rounding (``llvm.fma``; vectorizable)."""
    if not (isinstance(a, types.Float) and a == b and b == c):
        return None

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(args[0].type, [args[0].type] * 3)
        name = "llvm.fma.f32" if args[0].type == ir.FloatType() else "llvm.fma.f64"
        fn = cgutils.get_or_insert_function(builder.module, fnty, name)
        return builder.call(fn, args)

    return a(a, b, c), codegen


# float32 sin/cos: pi/2 = _P1 + _P2 + _P3 (float32 parts, error 1.1e-23) for a three-step FMA
# reduction, and minimax polynomials on |r| <= pi/4 (Cephes sinf/cosf)
_F32 = np.float32
_P1, _P2, _P3 = _F32(1.5707963705062866), _F32(-4.371138828673793e-08), _F32(-1.7151245100058819e-15)
_TWO_OVER_PI32 = _F32(0.6366197723675814)
_SF1, _SF2, _SF3 = _F32(-1.6666654611e-1), _F32(8.3321608736e-3), _F32(-1.9515295891e-4)
_CF1, _CF2, _CF3 = _F32(4.166664568298827e-2), _F32(-1.388731625493765e-3), _F32(2.443315711809948e-5)
_ZERO32, _QUARTER32, _HALF32, _ONE32 = _F32(0.0), _F32(0.25), _F32(0.5), _F32(1.0)
_TWO32, _THREE32, _FOUR32 = _F32(2.0), _F32(3.0), _F32(4.0)
#: |t| up to which :func:`dense_sincos32` uses the float32 path (beyond: the float64 path)
SINCOS32_MAX = 1024.0
_SINCOS32_MAX = _F32(SINCOS32_MAX)


@numba.njit(inline="always", fastmath=False)
def _sincos32(t):
    """(sin t, cos t) of a float32 t with |t| <= SINCOS32_MAX: one reduction, both values.

    ``k = rint(2 t / pi)``, ``r = t - k pi/2`` by three FMAs (exact products), sin r and cos r
    by the degree-7 / degree-8 minimax polynomials, then the quadrant ``k mod 4`` picks and
    signs them.  Branch-free, so LLVM vectorizes a loop over it.  Error <= 2 ulp of float32
    (tested exhaustively on |t| in [2**-12, SINCOS32_MAX] in the slow tests).
    """
    k = np.floor(t * _TWO_OVER_PI32 + _HALF32)
    r = _fma(-k, _P1, t)
    r = _fma(-k, _P2, r)
    r = _fma(-k, _P3, r)
    q = k - _FOUR32 * np.floor(k * _QUARTER32)  # k mod 4, exact (in float: no int64 lanes)
    r2 = r * r
    sr = _fma(r * r2, _fma(_fma(_SF3, r2, _SF2), r2, _SF1), r)
    cr = _fma(r2 * r2, _fma(_fma(_CF3, r2, _CF2), r2, _CF1), _fma(-_HALF32, r2, _ONE32))
    odd = (q == _ONE32) | (q == _THREE32)
    sv = cr if odd else sr
    cv = sr if odd else cr
    sin_t = -sv if q >= _TWO32 else sv
    cos_t = -cv if (q == _ONE32) | (q == _TWO32) else cv
    return sin_t, cos_t


@numba.njit(cache=True, fastmath={"reassoc"})
def _row_outside(a, scale, P, i, bias):
    """Nonzero (or NaN) when some ``t = a (scale P[i, j] + bias[j])`` has |t| > SINCOS32_MAX or is not finite.

    A float32 sum (``reassoc`` only, so it vectorizes; ``t - t`` is NaN exactly for inf/NaN t).
    """
    acc = np.float32(0.0)
    for j in range(P.shape[1]):
        t = a * (scale * P[i, j] + bias[j])
        acc += (t - t) + (_ONE32 if abs(t) > _SINCOS32_MAX else _ZERO32)
    return acc


@numba.njit(cache=True, fastmath=False)
def sincos32_fast(t, sin_out, cos_out):
    """``sin_out[i], cos_out[i] = sin t[i], cos t[i]`` by the float32 path (|t| <= SINCOS32_MAX only).

    Returns the number of entries outside that range (their outputs are meaningless).
    """
    for i in range(t.shape[0]):
        sv, cv = _sincos32(t[i])
        sin_out[i] = sv
        cos_out[i] = cv
    bad = 0
    for i in range(t.shape[0]):
        bad += not abs(t[i]) <= _SINCOS32_MAX
    return bad


@numba.njit(cache=True, fastmath=False)
def dense_sincos32(cosine, a, s, P, scale, bias, A, D):
    """:func:`dense_act` for ``s sin(a z)`` (or ``s cos(a z)``) on float32 arrays, vectorizable.

    ``t = a (scale P + bias)`` is formed in float32 exactly as :func:`dense_act` does.  Rows
    whose every ``|t| <= SINCOS32_MAX`` use :func:`_sincos32` (float32 throughout, one shared
    argument reduction for sin and cos, <= 2 ulp); a row with a larger, infinite or NaN ``t``
    is redone by the float64 path (within 1 ulp for |t| < 2**20; inf and NaN give NaN).
    ``A`` must not be ``P``.
    """
    n, m = P.shape
    sa = s * a
    for i in range(n):
        if _row_outside(a, scale, P, i, bias) == 0.0:
            for j in range(m):
                t = a * (scale * P[i, j] + bias[j])
                sin_t, cos_t = _sincos32(t)
                if cosine:
                    A[i, j] = s * cos_t
                    D[i, j] = -sa * sin_t
                else:
                    A[i, j] = s * sin_t
                    D[i, j] = sa * cos_t
        else:
            for j in range(m):
                t = np.float64(a * (scale * P[i, j] + bias[j]))
                sin_t, cos_t = _sincos64(t)
                if cosine:
                    A[i, j] = s * cos_t
                    D[i, j] = -sa * sin_t
                else:
                    A[i, j] = s * sin_t
                    D[i, j] = sa * cos_t


@numba.njit(cache=True, fastmath=False)
def relu_inplace(Z, scale, bias, s):
    """``Z[i, j] = s relu(scale Z[i, j] + bias[j])`` in place (s > 0; NaN stays NaN), one pass.

    One array read and written: no aliasing for LLVM to guard, so the loop vectorizes.  phi'
    is not stored: it is ``s`` where the result is > 0, 0 where it is 0 (see :func:`relu_grad`).
    """
    n, m = Z.shape
    for i in range(n):
        for j in range(m):
            z = scale * Z[i, j] + bias[j]
            Z[i, j] = s * z if z > 0.0 else (z if z != z else 0.0)


@numba.njit(cache=True, fastmath=False)
def relu_grad(A, s, D):
    """``D = s`` where ``A > 0``, 0 where ``A == 0``, NaN where ``A`` is NaN (A from :func:`relu_inplace`)."""
    n, m = A.shape
    for i in range(n):
        for j in range(m):
            v = A[i, j]
            D[i, j] = s if v > 0.0 else (v if v != v else 0.0)


#: points per block of the series kernel (the loop over the points of a block is the SIMD loop)
SERIES_BLOCK = 128
# Cramér's inequality: |h_k(x)| <= 1.086435 exp(x^2 / 4) for every k and real x
_CRAMER = 1.0865


@numba.njit(cache=True, fastmath={"contract"})
def dense_series(P, scale, bias, alpha, e0, e1, tail0, tail1, tol0, tol1, rdrop, parity, A, D, W, stats):
    """Epilogue of a Dense layer with phi = sum_k c0[k] h_k, phi' = sum_k c1[k] h_k, one pass.

    ``z = scale * P[i, j] + bias[j]``, then phi(z) -> ``A``, phi'(z) -> ``D``, all in the arrays'
    dtype (float32 nets: float32 arithmetic, twice the SIMD width of float64).  The tables
    come from :func:`series_tables`: the recurrence runs on ``g_k = h_k / p_k``,
    ``g_{k+1} = alpha_k z g_k - g_{k-1}`` (one multiply and one FMA per step), with
    ``e0[k] = c0[k] p_k`` and ``e1[k] = c1[k] p_k``; phi' = sum_k sqrt(k+1) b_{k+1} h_k uses the
    same g_k (h_k' = sqrt(k) h_{k-1}).

    Points go in blocks of up to SERIES_BLOCK along a row; the loop over degrees is outside,
    unrolled by 4 (one store per state value per 4 degrees), the loop over the block's points
    inside (SIMD).  Trailing terms are dropped per block only under a bound: with R = max |z|
    over the block and Cramér's inequality |h_k(z)| <= 1.086435 exp(z^2/4), terms k >= q are
    left out when ``1.0865 exp(R^2/4) tail0[q] <= tol0`` and the same for ``tail1``, ``tol1``
    (tail = sum of |c_k| over k >= q); a NaN in the block keeps every term.  ``rdrop`` is the
    largest R at which any term could be dropped (< 0: never; then R is not computed).
    ``parity`` 1 (phi odd, so phi' even) or 2 (phi even) skips the accumulations of the terms
    that are zero: three operations per point and degree instead of four.
    ``stats[0] += blocks``, ``stats[1] += terms evaluated``, ``stats[2] += blocks with terms
    dropped``.  ``W`` is a scratch array of 5 * SERIES_BLOCK entries of the dtype.  ``A`` may
    be ``P``.
    """
    n, m = P.shape
    B = SERIES_BLOCK
    K = e0.size  # 2 + 4 q
    for i in range(n):
        for j0 in range(0, m, B):
            mm = min(B, m - j0)
            for j in range(mm):
                W[j] = scale * P[i, j0 + j] + bias[j0 + j]
            kk = K
            if rdrop >= 0.0:
                R = 0.0
                nan = False
                for j in range(mm):
                    ax = abs(np.float64(W[j]))
                    if ax > R:
                        R = ax
                    elif ax != ax:
                        nan = True
                if not nan and R <= rdrop:
                    M = _CRAMER * math.exp(0.25 * R * R)
                    q = 2
                    while q < K:
                        ok0 = tail0[q] == 0.0 or M * tail0[q] <= tol0
                        ok1 = tail1[q] == 0.0 or M * tail1[q] <= tol1
                        if ok0 and ok1:
                            break
                        q += 4
                    kk = min(q, K)
            stats[0] += 1
            stats[1] += kk
            stats[2] += kk < K
            c00, c01, c10, c11 = e0[0], e0[1], e1[0], e1[1]
            for j in range(mm):
                x = W[j]
                W[B + j] = 1.0
                W[2 * B + j] = x
                W[3 * B + j] = c00 + c01 * x
                W[4 * B + j] = c10 + c11 * x
            for k in range(1, kk - 1, 4):
                a1, a2, a3, a4 = alpha[k], alpha[k + 1], alpha[k + 2], alpha[k + 3]
                u1, u2, u3, u4 = e0[k + 1], e0[k + 2], e0[k + 3], e0[k + 4]
                v1, v2, v3, v4 = e1[k + 1], e1[k + 2], e1[k + 3], e1[k + 4]
                if parity == 0:
                    for j in range(mm):
                        x = W[j]
                        gp = W[B + j]
                        g = W[2 * B + j]
                        g1 = (a1 * x) * g - gp
                        g2 = (a2 * x) * g1 - g
                        g3 = (a3 * x) * g2 - g1
                        g4 = (a4 * x) * g3 - g2
                        W[3 * B + j] = (((W[3 * B + j] + u1 * g1) + u2 * g2) + u3 * g3) + u4 * g4
                        W[4 * B + j] = (((W[4 * B + j] + v1 * g1) + v2 * g2) + v3 * g3) + v4 * g4
                        W[B + j] = g3
                        W[2 * B + j] = g4
                elif parity == 1:  # phi odd (terms k + 2, k + 4), phi' even (k + 1, k + 3)
                    for j in range(mm):
                        x = W[j]
                        gp = W[B + j]
                        g = W[2 * B + j]
                        g1 = (a1 * x) * g - gp
                        g2 = (a2 * x) * g1 - g
                        g3 = (a3 * x) * g2 - g1
                        g4 = (a4 * x) * g3 - g2
                        W[3 * B + j] = (W[3 * B + j] + u2 * g2) + u4 * g4
                        W[4 * B + j] = (W[4 * B + j] + v1 * g1) + v3 * g3
                        W[B + j] = g3
                        W[2 * B + j] = g4
                else:  # phi even, phi' odd
                    for j in range(mm):
                        x = W[j]
                        gp = W[B + j]
                        g = W[2 * B + j]
                        g1 = (a1 * x) * g - gp
                        g2 = (a2 * x) * g1 - g
                        g3 = (a3 * x) * g2 - g1
                        g4 = (a4 * x) * g3 - g2
                        W[3 * B + j] = (W[3 * B + j] + u1 * g1) + u3 * g3
                        W[4 * B + j] = (W[4 * B + j] + v2 * g2) + v4 * g4
                        W[B + j] = g3
                        W[2 * B + j] = g4
            for j in range(mm):
                A[i, j0 + j] = W[3 * B + j]
                D[i, j0 + j] = W[4 * B + j]


def series_tables(c0, c1, dtype):
    """Tables for :func:`dense_series` from the coefficients of phi and phi' (float64 arrays).

    Returns ``(alpha, e0, e1, tail0, tail1, tol0, tol1, rdrop, parity)``: the scaled recurrence
    ``g_{k+1} = alpha_k x g_k - g_{k-1}`` with ``h_k = p_k g_k`` (``p_0 = p_1 = 1``,
    ``p_{k+1} = sqrt(k/(k+1)) p_{k-1}``, so ``alpha_k = p_k / (sqrt(k+1) p_{k+1})``), the
    coefficients ``e = c p`` in ``dtype`` padded with zeros to ``2 + 4q`` terms, the tails
    ``tail[q] = sum_{k >= q} |c_k|`` (float64) and the tolerances ``tol = u/2 * sum_k |c_k|``
    with u the unit roundoff of ``dtype`` (2**-24 or 2**-53): a dropped tail is below half a
    unit of the dtype's resolution relative to the series' size; ``rdrop`` is the largest block
    maximum R = max |z| at which the bound lets any term go (-1 if none can ever go), and
    ``parity`` 1 if phi has only odd terms and phi' only even ones, 2 for the reverse, else 0.
    Plain numpy.
    """
    c0 = np.asarray(c0, dtype=np.float64)
    c1 = np.asarray(c1, dtype=np.float64)
    n = max(c0.size, c1.size, 2)
    K = 2 + 4 * -(-(n - 2) // 4)
    p = np.ones(K + 1)
    for k in range(1, K):
        p[k + 1] = math.sqrt(k / (k + 1)) * p[k - 1]
    alpha = np.zeros(K)
    for k in range(1, K - 1):
        alpha[k] = p[k] / (math.sqrt(k + 1) * p[k + 1])
    e0 = np.zeros(K)
    e1 = np.zeros(K)
    e0[: c0.size] = c0 * p[: c0.size]
    e1[: c1.size] = c1 * p[: c1.size]
    tails = []
    for c in (c0, c1):
        t = np.zeros(K + 1)
        a = np.zeros(K)
        a[: c.size] = np.abs(c)
        t[:K] = np.cumsum(a[::-1])[::-1]
        tails.append(t)
    u = 2.0**-24 if np.dtype(dtype) == np.float32 else 2.0**-53
    tol0 = 0.5 * u * float(np.sum(np.abs(c0)))
    tol1 = 0.5 * u * float(np.sum(np.abs(c1)))
    # largest R with 1.0865 exp(R^2/4) tail[q] <= tol for both series at some q < K
    rdrop = -1.0
    for q in range(2, K, 4):
        lim = math.inf
        for t, tol in ((tails[0][q], tol0), (tails[1][q], tol1)):
            if t > 0.0:
                lim = min(lim, tol / (_CRAMER * t))
        if lim >= 1.0:
            rdrop = max(rdrop, 2.0 * math.sqrt(math.log(lim)) if lim < math.inf else math.inf)
    parity = 0
    odd0, even0 = not np.any(e0[0::2]), not np.any(e0[1::2])
    odd1, even1 = not np.any(e1[0::2]), not np.any(e1[1::2])
    if odd0 and even1:
        parity = 1
    elif even0 and odd1:
        parity = 2
    dt = np.dtype(dtype)
    return alpha.astype(dt), e0.astype(dt), e1.astype(dt), tails[0], tails[1], tol0, tol1, rdrop, parity


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


@numba.njit(cache=True, fastmath=False)
def backprop_relu(G, scale, A, s, colsum):
    """:func:`backprop_scale` with D the ReLU derivative read off the layer output ``A``.

    ``D = s`` where ``A > 0``, 0 where ``A == 0``, NaN where ``A`` is NaN: the values
    :func:`dense_act` stores, so the result is the same to the bit.
    """
    n, m = G.shape
    for j in range(m):
        colsum[j] = 0.0
    for i in range(n):
        for j in range(m):
            v = A[i, j]
            d = s if v > 0.0 else (v if v != v else 0.0)
            g = (G[i, j] * scale) * d
            G[i, j] = g
            colsum[j] += g


@numba.njit(cache=True, fastmath=False)
def backprop_readout(Gout, Wt, scale, D, s, relu, colsum, G):
    """``G = ((Gout Wt) * scale) * D`` and its column sums, for a layer with few outputs.

    ``Gout`` (n, o), ``Wt`` (o, m) the transposed weights, ``G`` and ``D`` (n, m).  With
    ``relu`` true, ``D`` holds the layer's ReLU output and the derivative is read off it as in
    :func:`backprop_relu` (``s`` the slope).  Replaces a GEMM with inner dimension o plus the
    scaling pass: the (n, m) signal is written once and read once.
    """
    n, m = G.shape
    o = Gout.shape[1]
    for j in range(m):
        colsum[j] = 0.0
    for i in range(n):
        if o <= 3:  # one pass per row: the products, the scaling and the column sums together
            g0 = Gout[i, 0]
            g1 = Gout[i, 1] if o > 1 else g0 * 0.0
            g2 = Gout[i, 2] if o > 2 else g0 * 0.0
            r1 = 1 if o > 1 else 0
            r2 = 2 if o > 2 else 0
            for j in range(m):
                acc = g0 * Wt[0, j]
                if o > 1:
                    acc += g1 * Wt[r1, j]
                if o > 2:
                    acc += g2 * Wt[r2, j]
                if relu:
                    v = D[i, j]
                    d = s if v > 0.0 else (v if v != v else 0.0)
                else:
                    d = D[i, j]
                g = (acc * scale) * d
                G[i, j] = g
                colsum[j] += g
            continue
        g0 = Gout[i, 0]
        for j in range(m):
            G[i, j] = g0 * Wt[0, j]
        for c in range(1, o):
            gc = Gout[i, c]
            for j in range(m):
                G[i, j] += gc * Wt[c, j]
        if relu:
            for j in range(m):
                v = D[i, j]
                d = s if v > 0.0 else (v if v != v else 0.0)
                g = (G[i, j] * scale) * d
                G[i, j] = g
                colsum[j] += g
        else:
            for j in range(m):
                g = (G[i, j] * scale) * D[i, j]
                G[i, j] = g
                colsum[j] += g


@numba.njit(cache=True, fastmath={"contract"})
def fma_rate_kernel(W, a, b, rounds):
    """``rounds`` passes of 16 dependent FMAs ``x = a x + b`` on every entry of ``W`` (L1-resident).

    The vectorized FMA throughput of this machine for the dtype of ``W``, in the loop shape of
    :func:`dense_series` (points inside, SIMD; a dependent chain per point): 16 * W.size * rounds
    FMAs.  For the benchmark's element-wise floor.
    """
    for _ in range(rounds):
        for j in range(W.shape[0]):
            x = W[j]
            for _k in range(16):
                x = a * x + b
            W[j] = x
