"""The sizes a user controls, and their limits (checked before any work starts).

Index
-----
LIMITS        name -> largest allowed value (documented in ``docs/guide/limits.md``)
check_size    an int in [low, LIMITS[key]] or a one-line ``HermiteRevError``

Every size that sets how long a call runs or how much memory it takes (widths, epochs,
numbers of coefficients, cosines, quadrature nodes, spectrum degrees, trials ...) is checked
against this table at the public boundary, so a typo such as ``kmax=10**12`` is refused at once
instead of hanging.  The limits are far above what the paper's experiments need; raise one
by changing the table if you really need more.
"""

from __future__ import annotations

import numbers

from ._validate import HermiteRevError

__all__ = ["LIMITS", "check_size"]

#: largest allowed value of each user-controlled size
LIMITS = {
    "hermite_n": 2000,        # hermite_coeffs / kernel_of: number of coefficients
    "kernel_depth": 100,      # kernel_of, quadrature_kernel, empirical_kernel: hidden layers
    "dps": 2000,              # digits of hermite_coeffs, kernel_of, quadrature_kernel, spectrum
    "width": 2**22,           # hidden width of a finite net (empirical_kernel, width_scaling, FCN)
    "epochs": 10**7,          # train, kernel_regime_gap
    "examples": 10**7,        # rows of X in train / kernel_regime_gap n_train
    "cosines": 10**5,         # len(cs) of quadrature_kernel / empirical_kernel / analytic_kernel
    "nodes": 5000,            # quadrature nodes per dimension or piece (split rule)
    "seeds": 10**4,           # seeds / trials of a sweep
    "kmax": 5000,             # spectrum / decay: highest degree
    "n_taylor": 20000,        # spectrum: Taylor coefficients of the series path
    "d": 10**6,               # spectrum: ambient dimension
    "arccos_order": 50,       # kernels.arccos(order)
    "n": 10000,               # the CLI's --n (Taylor / Hermite coefficients)
    "seed": 2**63 - 1,        # the CLI's --seed
}


def _what(low):
    return {0: "a non-negative integer", 1: "a positive integer"}.get(low, f"an integer >= {low}")


def check_size(value, name, key=None, low=1):
    """``value`` as an int with ``low <= value <= LIMITS[key]``; else a one-line error naming
    ``name``, the value and the limit.

    Examples
    --------
    >>> check_size(30, "kmax")
    30
    >>> try:
    ...     check_size(10**12, "kmax")
    ... except ValueError as exc:
    ...     print(str(exc)[:48])
    kmax=1000000000000 is too large: at most 5000 is
    """
    key = key or name
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
            value = int(value)
        else:
            raise HermiteRevError(f"{name} must be {_what(low)}, got {name}={value!r}")
    value = int(value)
    if value < low:
        raise HermiteRevError(f"{name} must be {_what(low)}, got {name}={value}")
    hi = LIMITS[key]
    if value > hi:
        shown = str(value) if len(str(value)) <= 30 else f"{str(value)[:12]}...({len(str(value))} digits)"
        raise HermiteRevError(f"{name}={shown} is too large: at most {hi} is supported (see docs/guide/limits.md)")
    return value
