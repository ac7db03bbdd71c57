"""Input rows: the one check of the arrays that Gram matrices and predictions take.

Index
-----
as_rows   the rows of an input array as float64, checked (non-empty, 2-D, real, finite, d features)

Place in the pipeline: :mod:`hermite_rev.predict` ``_codegen`` -> ``_compile`` -> **_rows**
-> ``_network`` -> ``_gram`` -> ``_inference``.  Imports :mod:`hermite_rev._core` and numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._core.errors import HermiteRevError

if TYPE_CHECKING:
    from .._core.typing import ArrayLike, FloatArray

__all__ = ["as_rows"]


def as_rows(X: ArrayLike, name: str, d: int | None = None) -> FloatArray:
    """The rows of ``X`` as a float64 array, checked (non-empty, 2-D, real, finite, ``d`` features).

    Examples
    --------
    >>> from hermite_rev.predict import as_rows
    >>> as_rows([[1, 2]], "X")
    array([[1., 2.]])
    """
    try:
        A = np.asarray(X)
    except Exception:
        raise HermiteRevError(f"{name} must be a 2-D array of real numbers, got {type(X).__name__}") from None
    if A.ndim == 1 and d is None:
        raise HermiteRevError(f"{name} must be a 2-D array (examples x features), got shape {A.shape}")
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise HermiteRevError(f"{name} must be a non-empty 2-D array (examples x features), got shape {A.shape}")
    if A.dtype.kind not in "biuf":
        raise HermiteRevError(f"{name} must hold real numbers, got dtype {A.dtype}")
    if d is not None and A.shape[1] != d:
        raise HermiteRevError(f"{name} must have {d} features like the first input, got shape {A.shape}")
    A = np.asarray(A, dtype=np.float64)
    bad = ~np.isfinite(A)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise HermiteRevError(f"{name} must be finite, got {name}[{i}, {j}]={A[i, j]}")
    return A
