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

from ._validate import LIMITS, HermiteRevError

__all__ = ["LIMITS", "check_size"]

#: largest allowed value of each user-controlled size: the one table lives next to the parser
#: (``hermite_rev._validate.LIMITS``), which checks the expression sizes itself


def _what(low: int) -> str:
    return {0: "a non-negative integer", 1: "a positive integer"}.get(low, f"an integer >= {low}")


def check_size(value: object, name: str, key: str | None = None, low: int = 1) -> int:
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
            value = int(float(value))
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
