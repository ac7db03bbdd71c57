"""numba kernels for training and empirical kernels: plain typed loops, nothing else.

Index
-----
ACT_CODES          name -> integer code understood by :func:`act_value_grad`
act_value_grad     fused phi(x), phi'(x) for a named activation or a Hermite series (in place)
hermite_value_grad fused sum_k b_k h_k(x) and its derivative (three-term recurrence)
mul_inplace        g *= d elementwise (the backward pass through an activation)

The Python layer (:mod:`hermite_rev.nets`) validates every input and reshapes arrays to
contiguous 1-D views before calling these; the rest of the package never sees numba types.
Kernels are compiled lazily on first call and cached on disk (pure functions of their
arguments, so caching is safe).  ``parallel=True`` splits the element loop over the cores.

Hermite convention: ``h_k = He_k / sqrt(k!)`` (normalized probabilists'),
``h_{k+1} = (x h_k - sqrt(k) h_{k-1}) / sqrt(k+1)`` and ``h_k' = sqrt(k) h_{k-1}``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["ACT_CODES", "act_value_grad", "hermite_value_grad", "mul_inplace"]

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


@numba.njit(parallel=True, cache=True, fastmath=False)
def act_value_grad(code, a, s, x, val, der):
    """val[i] = s f(a x[i]), der[i] = s a f'(a x[i]) for the named activation ``code``."""
    n = x.shape[0]
    for i in numba.prange(n):
        t = a * x[i]
        if code == 0:
            if t > 0.0:
                v = t
                d = 1.0
            else:
                v = 0.0
                d = 0.0
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
            d = 0.0
        else:
            # softplus, stable on both sides
            if t > 0.0:
                v = t + math.log1p(math.exp(-t))
            else:
                v = math.log1p(math.exp(t))
            d = 1.0 / (1.0 + math.exp(-t))
        val[i] = s * v
        der[i] = s * a * d


@numba.njit(parallel=True, cache=True, fastmath=False)
def hermite_value_grad(b, sqrt_k, x, val, der):
    """val[i] = sum_k b[k] h_k(x[i]), der[i] = sum_k b[k] sqrt(k) h_{k-1}(x[i]).

    ``sqrt_k[k] = sqrt(k)`` is passed in so the loop does no square roots.
    """
    n = x.shape[0]
    m = b.shape[0]
    for i in numba.prange(n):
        xi = x[i]
        h_prev = 0.0
        h = 1.0
        v = b[0]
        d = 0.0
        for k in range(1, m):
            # h_k from h_{k-1} (= h) and h_{k-2} (= h_prev)
            h_new = (xi * h - sqrt_k[k - 1] * h_prev) / sqrt_k[k]
            d += b[k] * sqrt_k[k] * h
            v += b[k] * h_new
            h_prev = h
            h = h_new
        val[i] = v
        der[i] = d


@numba.njit(parallel=True, cache=True)
def mul_inplace(g, d):
    """g[i] *= d[i] (1-D)."""
    for i in numba.prange(g.shape[0]):
        g[i] *= d[i]


def sqrt_table(m, dtype=np.float64):
    """[sqrt(0), ..., sqrt(m-1)] as ``dtype``."""
    return np.sqrt(np.arange(max(m, 2), dtype=np.float64)).astype(dtype)
