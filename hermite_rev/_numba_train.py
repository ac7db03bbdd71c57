"""numba kernels for training and empirical kernels: plain typed loops, nothing else.

Index
-----
ACT_CODES          name -> integer code understood by :func:`act_value_grad`
act_value_grad     fused phi(x), phi'(x) for a named activation (in place); NaN gives NaN

The Python layer (:mod:`hermite_rev.nets`) validates every input and reshapes arrays to
contiguous 1-D views before calling these; the rest of the package never sees numba types.
Kernels are compiled lazily on first call and cached on disk (pure functions of their
arguments, so caching is safe).  ``parallel=True`` splits the element loop over the cores.
Hermite-series activations are evaluated by :mod:`hermite_rev._numba` (via
:mod:`hermite_rev.lower`).
"""

from __future__ import annotations

import math

import numba

__all__ = ["ACT_CODES", "act_value_grad"]

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
    """val[i] = s f(a x[i]), der[i] = s a f'(a x[i]) for the named activation ``code``.

    NaN inputs give NaN value and derivative (the comparisons of relu, abs and step would
    otherwise map NaN to 0).
    """
    n = x.shape[0]
    for i in numba.prange(n):
        t = a * x[i]
        if t != t:
            val[i] = t
            der[i] = t
            continue
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
