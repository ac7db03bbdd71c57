r"""Kernel machines from exact kernels: Gram matrices and infinite-width predictions.

Index
-----
gram                  K(c_ij) for the rows of X1, X2 (put on the sphere), float64; network kernels on raw rows
network_kernel        the infinite-width NNGP/NTK of a fully-connected net, on raw rows (norms included)
NetworkKernel         the value network_kernel returns
as_rows               the rows of an input array, checked
compile_kernel        a kernel -> KernelFunction (compiled once per kernel, cached)
KernelFunction        the compiled evaluator: method, stated error, __call__ on cosines
GramInfo              how a Gram matrix was computed and its error
unit_rows             the rows of an input array, checked and put on the sphere
gp_inference          NNGP posterior mean and covariance (exact Bayesian inference)
gradient_descent_mse  outputs of an infinitely wide net trained on MSE at time t (NTK)

Conventions.  Rows of any norm are put on the sphere: the kernel depends only on the cosine
:math:`c_{ij} = x_i \cdot x'_j / (|x_i| |x'_j|)` (as for inputs with :math:`|x|^2/d = 1`, the
neural-tangents convention that :mod:`hermite_rev.kernels` uses).  Cosines are formed with
one matrix product (BLAS) and clipped to [-1, 1] (rounding), so ``acos(1 + 1e-16)`` never
makes a NaN; the cosine of a row with itself is exactly 1.

How a kernel is evaluated (:func:`compile_kernel`), in order of preference:

``"theta"``
    Deep arc-cosine (ReLU) kernels, erf kernels, exp(c), ... are analytic functions of
    :math:`\theta = \arccos c` on :math:`[0, \pi]` (the square-root branch point of
    :math:`\arccos` at c = 1 becomes :math:`\theta`, and each layer's
    :math:`1 - \rho = \theta^2 g(\theta)` keeps it so).  One ``arccos`` per entry, then a
    piecewise polynomial in :math:`\theta` (16 pieces, Chebyshev interpolation at 30-digit
    values of the exact expression).  This is also more accurate than evaluating the
    expression in floating point: near c = 1 a deep ReLU kernel's nested ``acos`` amplify
    rounding to ~1e-8, while :math:`\theta \mapsto K` is well conditioned.
``"compiled"``
    The expression compiled once into straight-line numba code by a walk over its DAG (each
    shared sub-expression once: ``relu_ntk(depth=12)`` is small as a DAG and astronomically
    large as a tree), used when the interpolation does not reach 1e-13 relative accuracy.
``"series"``
    A kernel known only by its Taylor coefficients (a :class:`~hermite_rev.series.TaylorCoeffs`,
    e.g. ``kernel_of(tanh(z), depth=3)``) is evaluated by Horner.  For non-negative
    coefficients :math:`|K(c) - \sum_{k<n} a_k c^k| \le K(1) - \sum_{k<n} a_k` on [-1, 1];
    the stated error adds the coefficients' error bounds and the Horner rounding bound
    :math:`\gamma_{2n+1}\sum_k |a_k|` (Higham, Accuracy and Stability, eq. 5.3).

The first two state a *measured* maximum error (``error_kind="measured"``): the largest
deviation from the exact expression (mpmath, 30 digits) over a dense grid of 1537 cosines
(float64 cosines, so the arccos step is included) — a measurement, not a proof.

Predictions follow neural-tangents' ``predict`` module (closed forms through an
eigendecomposition of the training Gram matrix) with the time scale of
:func:`hermite_rev.nets.train` (loss :math:`\frac{1}{2n}\sum_i |f(x_i) - y_i|^2`, plain GD
with learning rate ``lr``, output centred at initialization).

Place in the pipeline: kernels / series -> **predict** -> interop, experiments.  This package
imports :mod:`hermite_rev._core`, :mod:`hermite_rev.kernels`, :mod:`hermite_rev.series` and
(lazily, on first evaluation) the numba kernels of :mod:`hermite_rev._numba.gram`.

Modules
-------
_codegen     an expression as straight-line code (float64 program, 40-digit mpmath oracle)
_compile     ``compile_kernel`` and ``KernelFunction``
_rows        ``as_rows``
_mehler      any activation on raw rows: Hermite coefficients per row variance + Mehler's formula
_network     ``network_kernel``, ``NetworkKernel`` (closed forms: ReLU, erf; else ``_mehler``)
_gram        ``gram``, ``GramInfo``, ``unit_rows``
_inference   ``gp_inference``, ``gradient_descent_mse``

References
----------
A. Jacot, F. Gabriel, C. Hongler, "Neural tangent kernel", NeurIPS 2018, arXiv:1806.07572.
J. Lee et al., "Wide neural networks of any depth evolve as linear models under gradient
descent", NeurIPS 2019, arXiv:1902.06720.  R. Novak et al., "Neural Tangents", ICLR 2020,
arXiv:1912.02803.

Examples
--------
>>> import numpy as np, sympy, hermite_rev as hr
>>> K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
>>> X = np.sqrt(3) * np.eye(3)  # rows with |x|^2/d = 1
>>> G = hr.gram(K, X)
>>> round(float(G[0, 0]), 10), round(float(G[0, 1]), 6)
(5.07, 1.474731)
"""

from ._compile import CHECK_POINTS, METHODS, PIECES, THETA_TOL, KernelFunction, compile_kernel
from ._gram import GramInfo, gram, unit_rows
from ._inference import gp_inference, gradient_descent_mse
from ._network import ACTIVATIONS, NetworkKernel, network_kernel
from ._rows import as_rows

__all__ = [
    "gram",
    "compile_kernel",
    "KernelFunction",
    "GramInfo",
    "unit_rows",
    "as_rows",
    "network_kernel",
    "NetworkKernel",
    "ACTIVATIONS",
    "gp_inference",
    "gradient_descent_mse",
    "PIECES",
    "THETA_TOL",
    "CHECK_POINTS",
    "METHODS",
]

# the public names print and pickle under the package, where users import them from
for _obj in (
    gram,
    compile_kernel,
    KernelFunction,
    GramInfo,
    unit_rows,
    as_rows,
    network_kernel,
    NetworkKernel,
    gp_inference,
    gradient_descent_mse,
):
    _obj.__module__ = __name__
del _obj
