r"""Interoperability: hermite_rev kernels in scikit-learn (and neural-tangents, via export).

Index
-----
SklearnKernel   any hr kernel as a ``sklearn.gaussian_process.kernels.Kernel`` with an
                amplitude hyperparameter (GaussianProcessRegressor / Classifier; for
                ``KernelRidge(kernel="precomputed")`` pass ``hr.gram(K, X1, X2)``)

neural-tangents: ``act.export("neural_tangents")`` (see :mod:`hermite_rev.export`) writes a
``stax.Elementwise`` layer with the exact dual kernel of a reverse-engineered activation.

.. math:: k(x, x') = A \, K\!\left(\frac{x \cdot x'}{|x|\,|x'|}\right)

Rows are put on the sphere as in :func:`hermite_rev.gram`, so ``k`` depends only on
directions (not stationary); a :func:`hermite_rev.network_kernel` sees the raw rows.
The amplitude A > 0 is the only hyperparameter, optimized in
log space like scikit-learn's ``ConstantKernel``; ``k(X, eval_gradient=True)`` returns the
gradient with respect to log A, which is ``k`` itself.

References
----------
F. Pedregosa et al., "Scikit-learn: machine learning in Python", JMLR 2011, arXiv:1201.0490.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import TYPE_CHECKING

import numpy as np
import sympy

from ._core.errors import HermiteRevError
from ._core.registry import kernel_name
from ._core.text import REPR_LIMIT, short
from .predict import KernelFunction, NetworkKernel, compile_kernel, gram, unit_rows
from .series import TaylorCoeffs

if TYPE_CHECKING:
    from typing import Any

    from ._core.typing import ArrayLike, FloatArray, KernelLike

__all__ = ["SklearnKernel"]

try:
    from sklearn.gaussian_process.kernels import Hyperparameter, Kernel
except ImportError:  # pragma: no cover - scikit-learn is the dev extra
    Kernel = object
    Hyperparameter = None


class SklearnKernel(Kernel):
    r"""A hermite_rev dot-product kernel as a scikit-learn GP kernel.

    Parameters
    ----------
    K : kernel
        Anything :func:`hermite_rev.gram` accepts (sympy expression in c, string, Taylor
        coefficients, TaylorCoeffs; compiled once and cached), or a network kernel from
        :func:`hermite_rev.network_kernel` (evaluated on the raw rows, norms included).
    amplitude : float
        Positive multiplier A.
    amplitude_bounds : pair of floats or "fixed"
        Bounds for A during hyperparameter optimization.

    Examples
    --------
    >>> import numpy as np, hermite_rev as hr
    >>> from sklearn.gaussian_process import GaussianProcessRegressor
    >>> k = hr.interop.SklearnKernel(hr.kernels.relu_ntk(depth=2))
    >>> X = np.array([[2**0.5, 0.0], [0.0, 2**0.5], [1.0, 1.0]]); y = np.array([1.0, -1.0, 0.2])
    >>> gp = GaussianProcessRegressor(kernel=k, alpha=1e-8, optimizer=None).fit(X, y)
    >>> np.allclose(gp.predict(X), y, atol=1e-6)
    True
    """

    def __init__(
        self,
        K: KernelLike | KernelFunction | NetworkKernel,
        amplitude: float = 1.0,
        amplitude_bounds: tuple[float, float] | str = (1e-5, 1e5),
    ) -> None:
        if Hyperparameter is None:  # pragma: no cover
            raise HermiteRevError("SklearnKernel needs scikit-learn (pip install scikit-learn)")
        self.K = K
        self.amplitude = amplitude
        self.amplitude_bounds = amplitude_bounds

    @property
    def hyperparameter_amplitude(self) -> Any:
        return Hyperparameter("amplitude", "numeric", self._bounds())

    def _bounds(self) -> tuple[float, float] | str:
        """``amplitude_bounds`` checked (scikit-learn's convention: ``__init__`` stores, use checks)."""
        b = self.amplitude_bounds
        hint = (
            "amplitude_bounds must be 'fixed' or a pair (low, high) with 0 < low <= high < inf, "
            f"got amplitude_bounds={b!r}"
        )
        if isinstance(b, str):
            if b == "fixed":
                return b
            raise HermiteRevError(hint)
        try:
            lo, hi = (float(v) for v in b)
        except (TypeError, ValueError):
            raise HermiteRevError(hint) from None
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
            raise HermiteRevError(hint)
        return (lo, hi)

    def __sklearn_clone__(self) -> SklearnKernel:
        """``sklearn.base.clone``: the same parameters, the kernel ``K`` shared when it is
        immutable (a sympy expression, a string, Taylor coefficients, a frozen result), so the
        clone keeps its label and compares equal; a mutable ``K`` is deep-copied, as by default."""
        from sklearn.base import clone

        params = {
            key: value if key == "K" and _immutable(value) else clone(value, safe=False)
            for key, value in self.get_params(deep=False).items()
        }
        return type(self)(**params)

    def _function(self) -> tuple[KernelFunction | NetworkKernel, float]:
        self._bounds()
        a = self.amplitude
        try:
            a = float(a)
        except (TypeError, ValueError):
            raise HermiteRevError(f"amplitude must be a positive number, got amplitude={self.amplitude!r}") from None
        if not np.isfinite(a) or a <= 0:
            raise HermiteRevError(f"amplitude must be a positive number, got amplitude={self.amplitude!r}")
        if isinstance(self.K, NetworkKernel):
            return self.K, a
        return compile_kernel(self.K), a

    def __call__(
        self, X: ArrayLike, Y: ArrayLike | None = None, eval_gradient: bool = False
    ) -> FloatArray | tuple[FloatArray, FloatArray]:
        f, a = self._function()
        if Y is not None and eval_gradient:
            raise ValueError("gradient can only be evaluated when Y is None")
        G = a * gram(f, X, Y)
        if not eval_gradient:
            return G
        if self.hyperparameter_amplitude.fixed:
            return G, np.empty((G.shape[0], G.shape[1], 0))
        return G, G[:, :, None].copy()  # d k / d log A = k

    def diag(self, X: ArrayLike) -> FloatArray:
        f, a = self._function()
        if isinstance(f, NetworkKernel):
            return a * f.diag(X)
        U = unit_rows(X, "X")
        return np.full(U.shape[0], a * f.k1)

    def is_stationary(self) -> bool:
        return False

    @property
    def requires_vector_input(self) -> bool:
        return True

    def __repr__(self) -> str:
        # never raises: a bad parameter is reported when the kernel is used, not when it is shown
        try:
            amp = f"{float(self.amplitude):.3g}"
        except (TypeError, ValueError):
            amp = short(repr(self.amplitude), 60)
        try:
            # the constructor call that built K (kernels.label_of), else its short text
            if isinstance(self.K, NetworkKernel):
                what = repr(self.K)
            elif isinstance(self.K, (sympy.Basic, str)):
                what = kernel_name(self.K, None, 80)
            else:
                what = type(self.K).__name__
        except Exception:
            what = type(self.K).__name__
        return short(f"{amp} * SklearnKernel({what})", REPR_LIMIT)


def _immutable(value: object) -> bool:
    """True for values that cannot change after they are made (safe to share between clones)."""
    if isinstance(value, (sympy.Basic, str, bytes, numbers.Number, TaylorCoeffs)) or value is None:
        return True
    if isinstance(value, tuple):
        return all(_immutable(v) for v in value)
    params = getattr(type(value), "__dataclass_params__", None)
    return dataclasses.is_dataclass(value) and bool(getattr(params, "frozen", False))
