"""Input checks shared by the spectrum stage: the ambient dimension and the kernel.

Place: the lowest module of :mod:`hermite_rev.spectrum`; imports :mod:`hermite_rev._core` and
:mod:`hermite_rev.kernels` (a kernel given as Taylor coefficients becomes a polynomial).

Index
-----
check_dimension   ``d`` as an int with ``2 <= d <= LIMITS["d"]`` (the sphere is S^{d-1})
check_kernel      a kernel (expression, string or sequence of Taylor coefficients) as a sympy
                  expression in ``c``
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy

from .._core.errors import HermiteRevError
from .._core.exprs import c
from .._core.limits import check_size
from .._core.validate import as_expr
from ..kernels import polynomial

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._core.typing import KernelLike, RealLike

__all__ = ["check_dimension", "check_kernel"]


def check_dimension(d: int) -> int:
    """The ambient dimension ``d`` as an int, ``d >= 2`` (within ``LIMITS["d"]``)."""
    d = check_size(d, "d")
    if d < 2:
        raise HermiteRevError(f"d (the ambient dimension, sphere S^(d-1)) must be >= 2, got d={d}")
    return d


def check_kernel(K: KernelLike | Sequence[RealLike]) -> sympy.Expr:
    """The kernel as a sympy expression in ``c``; a list or tuple is taken as Taylor coefficients."""
    if isinstance(K, (list, tuple)):
        return polynomial(K)
    return as_expr(K, c, name="kernel")
