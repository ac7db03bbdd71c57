r"""Gram matrices of dot-product kernels: :func:`gram`, and the rows it puts on the sphere.

Index
-----
gram        K(c_ij) for the rows of X1, X2 (put on the sphere), float64
GramInfo    how a Gram matrix was computed and its error
unit_rows   the rows of an input array, checked and divided by their norms

Place in the pipeline: :mod:`hermite_rev.predict` ``_codegen`` -> ``_compile`` -> **_gram**
-> ``_inference``.  Imports :mod:`hermite_rev._core`, :mod:`hermite_rev.series` (for types)
and ``_compile``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from .._core.errors import HermiteRevError, HermiteRevWarning
from .._core.limits import LIMITS
from ._compile import KernelFunction, compile_kernel

if TYPE_CHECKING:
    from .._core.typing import ArrayLike, FloatArray, KernelLike
    from ..series import TaylorCoeffs

__all__ = ["gram", "GramInfo", "unit_rows"]


@dataclass(frozen=True)
class GramInfo:
    """How :func:`gram` computed its matrix: ``method``, ``error`` (per entry), ``error_kind``."""

    method: str
    error: float
    error_kind: str
    detail: str
    shape: tuple


def unit_rows(X: ArrayLike, name: str, d: int | None = None) -> FloatArray:
    """The rows of ``X`` divided by their norms (points on the unit sphere), float64.

    Parameters
    ----------
    X : array (n, d)
        Non-empty, real, finite, no zero row.
    name : str
        What error messages call ``X`` (``"X_train"``, ...).
    d : int or None
        The number of features ``X`` must have (that of the first input).

    Raises
    ------
    HermiteRevError
        ``X`` is not a non-empty 2-D real array, has a non-finite entry (named by its index)
        or a zero row, or its feature count is not ``d``.

    Examples
    --------
    >>> import numpy as np
    >>> from hermite_rev.predict import unit_rows
    >>> unit_rows(np.array([[3.0, 4.0]]), "X")
    array([[0.6, 0.8]])
    """
    A = as_rows(X, name, d)
    # scale each row by a power of 2 (exact) before taking its norm: no overflow of the
    # squared norm for rows ~1e200, no underflow for rows ~1e-200
    B = np.ldexp(A, -_row_exponents(A, name)[:, None])
    norms = np.sqrt(np.einsum("ij,ij->i", B, B))
    return B / norms[:, None]


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


def _row_exponents(A: FloatArray, name: str) -> FloatArray:
    """Per row, the exponent e with max |x_k| in [2^(e-1), 2^e); refuses an exact zero row."""
    top = np.max(np.abs(A), axis=1)
    if np.any(top == 0):
        i = int(np.argmin(top))
        raise HermiteRevError(f"{name}[{i}] is the zero vector: it has no direction on the sphere")
    return np.frexp(top)[1]


def off_sphere(A: FloatArray, tol: float = 0.01) -> tuple[int, float] | None:
    """The first row of ``A`` whose :math:`|x|^2/d` is off 1 by more than ``tol`` (relative), or None.

    Returns ``(index, |x|^2/d)`` (the value may be ``inf`` or 0 when it does not fit a float).
    """
    e = np.frexp(np.max(np.abs(A), axis=1))[1]
    B = np.ldexp(A, -e[:, None])
    log2_r2 = np.log2(np.einsum("ij,ij->i", B, B) / A.shape[1]) + 2.0 * e
    far = np.abs(log2_r2) > math.log2(1 + tol)
    if not far.any():
        return None
    i = int(np.argmax(far))
    with np.errstate(over="ignore", under="ignore"):
        return i, float(np.exp2(log2_r2[i]))


def warn_off_sphere(arrays: tuple[tuple[FloatArray, str], ...], stacklevel: int = 3) -> None:
    """Warn (:class:`HermiteRevWarning`) when a dot-product kernel gets rows far from :math:`|x|^2/d = 1`."""
    for A, name in arrays:
        hit = off_sphere(A)
        if hit is not None:
            i, r2 = hit
            warnings.warn(
                f"{name}[{i}] has |x|^2/d = {r2:.4g}, not 1: a dot-product kernel K(c) sees only directions "
                f"and is the kernel of a network only for rows with |x|^2/d = 1; for the kernel of a network "
                f"on these rows, norms included, use hr.network_kernel(...)",
                HermiteRevWarning,
                stacklevel=stacklevel,
            )
            return


def _check_size(n1: int, n2: int) -> None:
    if n1 * n2 > LIMITS["gram_entries"]:
        raise HermiteRevError(
            f"a {n1} x {n2} Gram matrix has {n1 * n2} entries, more than the limit "
            f"{LIMITS['gram_entries']} (16 GiB of float64); compute it in blocks of rows"
        )


@overload
def gram(
    K: KernelLike | TaylorCoeffs | KernelFunction,
    X1: ArrayLike,
    X2: ArrayLike | None = None,
    *,
    info: Literal[False] = False,
    method: Literal["auto", "theta", "compiled", "series"] = "auto",
) -> FloatArray: ...


@overload
def gram(
    K: KernelLike | TaylorCoeffs | KernelFunction,
    X1: ArrayLike,
    X2: ArrayLike | None = None,
    *,
    info: Literal[True],
    method: Literal["auto", "theta", "compiled", "series"] = "auto",
) -> tuple[FloatArray, GramInfo]: ...


def gram(
    K: KernelLike | TaylorCoeffs | KernelFunction,
    X1: ArrayLike,
    X2: ArrayLike | None = None,
    *,
    info: bool = False,
    method: Literal["auto", "theta", "compiled", "series"] = "auto",
) -> FloatArray | tuple[FloatArray, GramInfo]:
    r"""Gram matrix :math:`G_{ij} = K(c_{ij})` of a dot-product kernel, float64.

    .. math:: c_{ij} = \frac{x_i \cdot x'_j}{|x_i|\,|x'_j|} \in [-1, 1]

    Rows of any norm are put on the unit sphere (the kernel sees only directions; for inputs
    with :math:`|x|^2/d = 1`, the neural-tangents convention of :mod:`hermite_rev.kernels`,
    this is exactly the network's kernel).  Cosines are clipped to [-1, 1]; the diagonal of
    ``gram(K, X)`` is exactly K(1).

    Parameters
    ----------
    K : kernel
        Anything :func:`compile_kernel` accepts (compiled once per kernel and cached).
    X1 : array (n1, d)
    X2 : array (n2, d) or None
        None means X1 (a symmetric matrix).
    info : bool
        Also return a :class:`GramInfo` with the method and the per-entry error.
    method : {"auto", "theta", "compiled", "series"}

    Returns
    -------
    G : ndarray (n1, n2)
    info : GramInfo (only when ``info=True``)

    Raises
    ------
    HermiteRevError
        A row is zero or not finite, the feature counts differ, the matrix would exceed
        :data:`LIMITS["gram_entries"]` entries, or K is not finite on [-1, 1].

    Examples
    --------
    >>> import numpy as np, hermite_rev as hr
    >>> G, how = hr.gram(hr.kernels.relu_nngp(depth=1), np.array([[1.0, 0.0], [1.0, 1.0]]), info=True)
    >>> np.round(G, 6)
    array([[0.5     , 0.377705],
           [0.377705, 0.5     ]])
    >>> how.method, how.error < 1e-13
    ('theta', True)
    """
    U1 = unit_rows(X1, "X1")
    U2 = U1 if X2 is None else unit_rows(X2, "X2", U1.shape[1])
    _check_size(U1.shape[0], U2.shape[0])
    f = compile_kernel(K, method=method)
    G = np.ascontiguousarray(U1 @ U2.T)
    if X2 is None:
        np.fill_diagonal(G, 1.0)
    f.apply_(G)
    if X2 is None:
        np.fill_diagonal(G, f.k1)
    if not np.all(np.isfinite(G)):
        i, j = np.argwhere(~np.isfinite(G))[0]
        raise HermiteRevError(f"the kernel is not finite at c = {float(np.clip(U1[i] @ U2[j], -1, 1))!r}")
    if info:
        return G, GramInfo(f.method, f.error, f.error_kind, f.detail, G.shape)
    return G
