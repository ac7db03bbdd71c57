"""Input checks shared by the checks of :mod:`hermite_rev.verify`: cosines and bounded lists.

Place: the bottom of the verify stage; imports only :mod:`hermite_rev._core`.

Index
-----
DEFAULT_CS     the default grid of cosines: -1, -0.8, ..., 1
check_cs       cosines as a list, each checked in [-1, 1] exactly in its own type
bounded_list   ``list(items)`` for a sized collection of at most ``limit`` entries
check_finite_kernel  float64 kernel values, or a one-line error naming ``act`` when they overflow
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np
import sympy

from .._core.errors import HermiteRevError
from .._core.limits import LIMITS, REASONS
from .._core.text import short
from .._core.validate import check_nonneg_int

if TYPE_CHECKING:
    from collections.abc import Iterable

    from numpy.typing import NDArray

    from .._core.typing import RealLike

__all__ = ["DEFAULT_CS", "bounded_list", "check_cs", "check_finite_kernel"]

#: the default grid of cosines (11 points from -1 to 1)
DEFAULT_CS = tuple(np.round(np.linspace(-1, 1, 11), 10))


def check_cs(cs: RealLike | Iterable[RealLike]) -> list[Any] | NDArray[Any]:
    """The cosines as a list (a scalar is one cosine); entries keep their type (mpf precision).

    The range check compares each cosine exactly in its own type (mpmath, sympy, Fraction,
    float), so ``mpf(1) + 1e-30`` at 40 digits is refused although it rounds to 1.0.
    """
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
    out = []
    for v, f in zip(items, arr):
        if isinstance(v, np.generic):  # np.int8(0), np.float32(0.5): mpmath reads only Python numbers
            v = v.item()
            if isinstance(v, np.generic):  # long double: its exact value
                v = Fraction(*np.longdouble(v).as_integer_ratio())
        if isinstance(v, (str, bytes)):
            raise HermiteRevError(f"cs must be numbers (cosines in [-1, 1]), got the string {v!r} in cs")
        if isinstance(v, (complex, mpmath.mpc)):
            raise HermiteRevError(f"cs must be real numbers (cosines in [-1, 1]), got the complex {v!r} in cs")
        if f != f or bool(v < -1) or bool(v > 1):
            shown = mpmath.nstr(v, 40) if isinstance(v, mpmath.mpf) else repr(v)
            raise HermiteRevError(f"cosines must lie in [-1, 1], got {shown} in cs")
        # a Fraction is an exact rational at the boundary (API.md): sympy's Rational, which mpmath reads
        out.append(sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v)
    return out


def check_quadrature_work(n_cs: int, dps: int | None) -> None:
    """cosines x digits of an arbitrary-precision quadrature_kernel call (LIMITS["quadrature_work"])."""
    if dps is not None and n_cs * max(dps, 30) > LIMITS["quadrature_work"]:
        raise HermiteRevError(
            f"{n_cs} cosines at dps={dps} is too much work: cosines x max(dps, 30) must be at most "
            f"{LIMITS['quadrature_work']}: {REASONS['quadrature_work']}; pass fewer cosines, a lower dps, "
            f"or dps=None for float64 (see docs/guide/limits.md)"
        )


def bounded_list(items: Any, name: str, limit: int) -> list[Any]:
    """``list(items)`` for a sized collection of at most ``limit`` entries (a range of 10**12 seeds
    is refused before it is expanded)."""
    try:
        size = len(items)
    except TypeError:
        raise HermiteRevError(f"{name} must be a sequence, got {name}={items!r}") from None
    if size > limit:
        raise HermiteRevError(f"{name} has {size} entries: at most {limit} are supported (see docs/guide/limits.md)")
    return list(items)


def seed_list(seeds: Any) -> list[int]:
    """The seeds as non-negative ints, checked before any task starts (a bad seed inside a task
    came back as a SweepTaskError about its task, not as an error naming ``seeds``)."""
    if isinstance(seeds, (str, bytes)):
        raise HermiteRevError(f"seeds must be a sequence of non-negative integers, got seeds={short(repr(seeds), 40)}")
    return [check_nonneg_int(s, "seeds") for s in bounded_list(seeds, "seeds", LIMITS["seeds"])]


def check_finite_kernel(values: Any, act_name: str, kind: str, who: str) -> Any:
    """``values`` (float64 kernel values) when all are finite; else a one-line HermiteRevError
    naming ``act``: an activation too large for float64 (a constant 10**400, phi = 1e300 z)
    gave inf or NaN that used to come back unannounced, or from inside a sweep's task."""
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise HermiteRevError(
            f"{who}: the float64 {kind} kernel of act={short(act_name, 60)} overflows (inf or NaN): its "
            f"values are too large for float64; scale the activation or the layer variances down"
        )
    return values
