r"""Gram matrices of dot-product kernels: :func:`gram`, and the rows it puts on the sphere.

Index
-----
gram        K(c_ij) for the rows of X1, X2 (put on the sphere), float64; a NetworkKernel on raw rows
GramInfo    how a Gram matrix was computed and its error
unit_rows   the rows of an input array, checked and divided by their norms (no overflow)
off_sphere  the first row far from |x|^2/d = 1, if any
warn_off_sphere  the warning a dot-product kernel gives on such rows
prepare     a kernel and the rows it is evaluated on (on the sphere, or raw for a NetworkKernel)
matrix      the Gram matrix of a prepared kernel

Place in the pipeline: :mod:`hermite_rev.predict` ``_codegen`` -> ``_compile`` -> **_gram**
-> ``_inference``.  Imports :mod:`hermite_rev._core`, :mod:`hermite_rev.series` (for types),
``_compile``, ``_rows`` and ``_network``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from .._core.errors import HermiteRevError, HermiteRevWarning
from .._core.limits import LIMITS
from .._core.text import REPR_LIMIT, short
from ._compile import KernelFunction, compile_kernel
from ._network import NetworkKernel
from ._rows import as_rows

if TYPE_CHECKING:
    from .._core.typing import ArrayLike, FloatArray, KernelLike
    from ..series import TaylorCoeffs

__all__ = ["gram", "GramInfo", "unit_rows", "off_sphere", "warn_off_sphere", "prepare", "matrix"]


@dataclass(frozen=True)
class GramInfo:
    """How :func:`gram` computed its matrix: ``method``, ``error`` (per entry), ``error_kind``."""

    method: str
    error: float
    error_kind: str
    detail: str
    shape: tuple

    def __repr__(self) -> str:
        return short(
            f"GramInfo(method={self.method!r}, error={self.error:.3g} ({self.error_kind}), shape={self.shape}, "
            f"{self.detail})",
            REPR_LIMIT,
        )


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
    K: KernelLike | TaylorCoeffs | KernelFunction | NetworkKernel,
    X1: ArrayLike,
    X2: ArrayLike | None = None,
    *,
    info: Literal[False] = False,
    method: Literal["auto", "theta", "compiled", "series"] = "auto",
) -> FloatArray: ...


@overload
def gram(
    K: KernelLike | TaylorCoeffs | KernelFunction | NetworkKernel,
    X1: ArrayLike,
    X2: ArrayLike | None = None,
    *,
    info: Literal[True],
    method: Literal["auto", "theta", "compiled", "series"] = "auto",
) -> tuple[FloatArray, GramInfo]: ...


def gram(
    K: KernelLike | TaylorCoeffs | KernelFunction | NetworkKernel,
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
    this is exactly the network's kernel).  When a row is off :math:`|x|^2/d = 1` by more than
    1%, a :class:`~hermite_rev.HermiteRevWarning` says so and points to
    :func:`~hermite_rev.network_kernel`.  Rows are scaled by a power of 2 before their norms
    are taken (no overflow or underflow); only exact zero rows are refused.  Cosines are
    clipped to [-1, 1]; the diagonal of ``gram(K, X)`` is exactly K(1).

    A :class:`~hermite_rev.predict.NetworkKernel` (from :func:`~hermite_rev.network_kernel`)
    is evaluated on the raw rows, norms included (what neural-tangents' ``kernel_fn``
    computes); its ``info`` has ``method="network"`` and an error estimate.

    Parameters
    ----------
    K : kernel or NetworkKernel
        Anything :func:`compile_kernel` accepts (compiled once per kernel and cached), or a
        network kernel.
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
    >>> X = np.array([[np.sqrt(2), 0.0], [1.0, 1.0]])  # |x|^2/d = 1
    >>> G, how = hr.gram(hr.kernels.relu_nngp(depth=1), X, info=True)
    >>> np.round(G, 6)
    array([[0.5     , 0.377705],
           [0.377705, 0.5     ]])
    >>> how.method, how.error < 1e-13
    ('theta', True)
    """
    if isinstance(K, NetworkKernel):
        A = as_rows(X1, "X1")
        B = None if X2 is None else as_rows(X2, "X2", A.shape[1])
        _check_size(A.shape[0], A.shape[0] if B is None else B.shape[0])
        G, err, detail = K.gram_info(A, B)
        if info:
            return G, GramInfo("network", err, "estimate", detail, G.shape)
        return G
    A = as_rows(X1, "X1")
    B = None if X2 is None else as_rows(X2, "X2", A.shape[1])
    warn_off_sphere(((A, "X1"),) if B is None else ((A, "X1"), (B, "X2")))
    U1 = unit_rows(A, "X1")
    U2 = U1 if B is None else unit_rows(B, "X2")
    _check_size(U1.shape[0], U2.shape[0])
    f = compile_kernel(K, method=method)
    G = _dot_gram(f, U1, None if B is None else U2)
    if info:
        return G, GramInfo(f.method, f.error, f.error_kind, f.detail, G.shape)
    return G


def _same_rows(U1: FloatArray, U2: FloatArray) -> tuple[list[int], list[int]]:
    """The pairs (i, j) with ``U1[i]`` and ``U2[j]`` equal bit for bit."""
    where: dict[bytes, list[int]] = {}
    for j, row in enumerate(U2):
        where.setdefault(row.tobytes(), []).append(j)
    ii: list[int] = []
    jj: list[int] = []
    for i, row in enumerate(U1):
        for j in where.get(row.tobytes(), ()):
            ii.append(i)
            jj.append(j)
    return ii, jj


def _dot_gram(f: KernelFunction, U1: FloatArray, U2: FloatArray | None) -> FloatArray:
    G = np.ascontiguousarray(U1 @ (U1 if U2 is None else U2).T)
    # rows with the same direction (equal unit rows) have cosine exactly 1, not BLAS's 1 - eps:
    # acos(1 - eps) = 1.5e-8 would move a kernel with a kink at 1 (the ReLU NTK) by ~1e-9
    ii, jj = _same_rows(U1, U1 if U2 is None else U2)
    G[ii, jj] = 1.0
    if U2 is None:
        np.fill_diagonal(G, 1.0)
    f.apply_(G)
    if U2 is None:
        np.fill_diagonal(G, f.k1)
    if not np.all(np.isfinite(G)):
        i, j = np.argwhere(~np.isfinite(G))[0]
        c = float(np.clip(U1[i] @ (U1 if U2 is None else U2)[j], -1, 1))
        raise HermiteRevError(f"the kernel is not finite at c = {c!r}")
    return G


def prepare(
    K: KernelLike | TaylorCoeffs | KernelFunction | NetworkKernel,
    X_train: ArrayLike,
    X_test: ArrayLike,
    stacklevel: int = 4,
) -> tuple[KernelFunction | NetworkKernel, FloatArray, FloatArray]:
    """``K`` ready to evaluate and the training and test rows it takes.

    A :class:`NetworkKernel` takes the raw rows; a dot-product kernel is compiled and takes the
    rows put on the sphere (with :func:`warn_off_sphere` when they are far from
    :math:`|x|^2/d = 1`).
    """
    A = as_rows(X_train, "X_train")
    B = as_rows(X_test, "X_test", A.shape[1])
    if isinstance(K, NetworkKernel):
        return K, A, B
    warn_off_sphere(((A, "X_train"), (B, "X_test")), stacklevel=stacklevel)
    return compile_kernel(K), unit_rows(A, "X_train"), unit_rows(B, "X_test")


def matrix(K: KernelFunction | NetworkKernel, A: FloatArray, B: FloatArray | None = None) -> FloatArray:
    """The Gram matrix of a kernel from :func:`prepare` on its rows (``B=None``: symmetric)."""
    _check_size(A.shape[0], A.shape[0] if B is None else B.shape[0])
    if isinstance(K, NetworkKernel):
        return K.gram(A, B)
    return _dot_gram(K, A, B)
