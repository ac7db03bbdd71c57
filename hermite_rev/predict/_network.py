r"""Network kernels: the infinite-width NNGP/NTK of a fully-connected net on raw rows.

Index
-----
network_kernel   the NNGP or NTK of a fully-connected network (activation, depth, sigma_w, sigma_b)
NetworkKernel    the value it returns: ``gram`` on raw rows (norms included), ``diag``, ``on_sphere``
ACTIVATIONS      the activations with a closed-form dual (``"relu"``, ``"erf"``); any other goes
                 through Hermite coefficients and Mehler's formula

Conventions: neural-tangents ``stax`` (NTK parameterization) with ``kernel_fn`` applied to the
rows as they are.  The input covariance is :math:`x \cdot x'/d`; per hidden layer a Dense
layer maps :math:`\Sigma \mapsto \sigma_w^2\Sigma + \sigma_b^2`,
:math:`\Theta \mapsto \Sigma + \sigma_w^2\Theta`, and the activation maps
:math:`\Sigma \mapsto E[\phi(u)\phi(v)]`, :math:`\Theta \mapsto \Theta\,E[\phi'(u)\phi'(v)]`
for :math:`(u, v)` Gaussian with the covariance :math:`\begin{pmatrix} q_i & \Sigma_{ij} \\
\Sigma_{ij} & q_j \end{pmatrix}` (unequal variances: each row keeps its own norm); a readout
Dense(``sigma_w_last``, ``sigma_b_last``) ends the network.  These are the conventions of
:func:`hermite_rev.kernels.relu_ntk` & co., which are the same kernels restricted to rows with
:math:`|x|^2/d = 1` (:attr:`NetworkKernel.on_sphere`).

Closed forms (unequal variances), :math:`\rho = \Sigma_{ij}/\sqrt{q_i q_j}`, :math:`\theta = \arccos\rho`:

- ReLU (Cho & Saul 2009): :math:`E[\phi\phi] = \frac{\sqrt{q_i q_j}}{2\pi}(\sin\theta + (\pi - \theta)\cos\theta)`,
  :math:`E[\phi'\phi'] = \frac{\pi - \theta}{2\pi}`;
- erf (Williams 1997): :math:`E[\phi\phi] = \frac{2}{\pi}\arcsin\frac{2\Sigma_{ij}}{\sqrt{(1 + 2q_i)(1 + 2q_j)}}`,
  :math:`E[\phi'\phi'] = \frac{4}{\pi}\big((1 + 2q_i)(1 + 2q_j) - 4\Sigma_{ij}^2\big)^{-1/2}`.

Other activations (names such as tanh and gelu, expressions in z, reverse-engineered
``Activation`` objects) go through Hermite coefficients at each row's pre-activation variance
and Mehler's formula (:mod:`hermite_rev.predict._mehler`), with a stated error estimate
(:meth:`NetworkKernel.gram_info`); their :attr:`~NetworkKernel.on_sphere` is
:func:`hermite_rev.kernel_of`'s Taylor coefficients.

Place in the pipeline: :mod:`hermite_rev.predict` ``_codegen`` -> ``_compile`` -> ``_rows``,
``_mehler`` -> **_network** -> ``_gram`` -> ``_inference``.  Imports :mod:`hermite_rev._core`,
:mod:`hermite_rev.activations` (names and expressions), :mod:`hermite_rev.hermite`
(``kernel_of``), :mod:`hermite_rev.kernels` (the sphere kernels), ``_rows``, ``_mehler`` and,
lazily, the numba loop :func:`hermite_rev._numba.gram.network_relu_erf`.

References
----------
R. Novak et al., "Neural Tangents", ICLR 2020, arXiv:1912.02803.  Y. Cho, L. Saul, "Kernel
methods for deep learning", NeurIPS 2009.  C. Williams, "Computing with infinite networks",
NeurIPS 1996.  A. Jacot, F. Gabriel, C. Hongler, "Neural tangent kernel", arXiv:1806.07572.

Examples
--------
>>> import numpy as np, sympy, hermite_rev as hr
>>> N = hr.network_kernel("relu", depth=2, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
>>> N
network_kernel('relu', depth=2, sigma_w=sqrt(2), sigma_b=1/10, kind='ntk', readout=(1, 0))
>>> X = np.array([[3.0, 0.0], [1.0, 1.0]])
>>> np.round(hr.gram(N, X), 6)
array([[13.525  ,  3.80933],
       [ 3.80933,  3.025  ]])
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from .._core.errors import HermiteRevError, HermiteRevWarning
from .._core.exprs import z
from .._core.limits import LIMITS
from .._core.text import short
from .._core.validate import check_nonneg_int, exact_number, exact_sign
from .._core.values import Value
from ..activations import activation_expr, is_name, lookup, resolve
from ..hermite import kernel_of
from ..kernels import erf_nngp, erf_ntk, relu_nngp, relu_ntk
from ._mehler import GenericLayers
from ._rows import as_rows

if TYPE_CHECKING:
    from .._core.typing import FloatArray, RealLike
    from ..series import TaylorCoeffs

__all__ = ["network_kernel", "NetworkKernel", "ACTIVATIONS"]

#: the activations whose dual has a closed form here, with the expressions in z that name them
ACTIVATIONS = {"relu": sympy.Max(0, z), "erf": sympy.erf(z)}
_CODES = {"relu": 0, "erf": 1}
_KINDS = ("ntk", "nngp")


@dataclass(frozen=True, eq=False)
class NetworkKernel(Value):
    r"""The infinite-width NNGP or NTK of a fully-connected network (see :func:`network_kernel`).

    Attributes
    ----------
    activation : str, sympy expression in z, or Activation
        A name of :mod:`hermite_rev.activations` (``"relu"``, ``"erf"``, ``"tanh"``, ...; an
        expression equal to a named one becomes its name), another expression in z, or a
        Hermite series (:class:`~hermite_rev.family.Activation`).
    depth : int
        Number of hidden layers (Dense + activation).
    sigma_w, sigma_b : sympy numbers
        Weight and bias standard deviations of the hidden Dense layers (exact).
    kind : {"ntk", "nngp"}
    readout : (sigma_w_last, sigma_b_last)
        The readout Dense layer (exact numbers).

    A value: immutable, picklable, equal by value.  Evaluate it with :func:`hermite_rev.gram`
    (raw rows, norms included) or :meth:`gram`.
    """

    activation: Any
    depth: int
    sigma_w: sympy.Expr
    sigma_b: sympy.Expr
    kind: str
    readout: tuple[sympy.Expr, sympy.Expr]

    def __repr__(self) -> str:
        sw, sb = (short(v, 40) for v in (self.sigma_w, self.sigma_b))
        ro = ", ".join(short(v, 40) for v in self.readout)
        act = self.activation
        what = (
            repr(act)
            if isinstance(act, str)
            else (short(act, 60) if isinstance(act, sympy.Basic) else _series_name(act))
        )
        return (
            f"network_kernel({what}, depth={self.depth}, sigma_w={sw}, sigma_b={sb}, "
            f"kind={self.kind!r}, readout=({ro}))"
        )

    @property
    def closed_form(self) -> bool:
        """True for ReLU and erf (closed-form duals); else Hermite coefficients + Mehler."""
        return isinstance(self.activation, str) and self.activation in ACTIVATIONS

    @property
    def on_sphere(self) -> sympy.Expr | TaylorCoeffs:
        """The same kernel on rows with :math:`|x|^2/d = 1`: a dot-product kernel K(c).

        ReLU and erf: the sympy expression :mod:`hermite_rev.kernels` builds
        (``relu_ntk(depth, sigma_w, ...)`` & co.).  Other activations: its Taylor coefficients
        (:func:`hermite_rev.kernel_of`, 256 coefficients to 20 digits with their stated
        errors; :meth:`sphere_kernel` takes other sizes).  Either way ``taylor``, ``reverse``,
        ``gram`` and the other stages take it.
        """
        if not self.closed_form:
            return self.sphere_kernel()
        make = {
            ("relu", "ntk"): relu_ntk,
            ("relu", "nngp"): relu_nngp,
            ("erf", "ntk"): erf_ntk,
            ("erf", "nngp"): erf_nngp,
        }[self.activation, self.kind]
        return make(self.depth, self.sigma_w, self.sigma_b, *self.readout)

    def sphere_kernel(self, n: int = 256, dps: int = 20) -> TaylorCoeffs:
        """The dot-product kernel on the sphere as ``n`` Taylor coefficients (:func:`hermite_rev.kernel_of`)."""
        return _sphere_kernel(self, n, dps)

    def _layers(self) -> GenericLayers:
        return _generic_layers(self.activation, self.kind == "ntk")

    def _floats(self) -> tuple[float, float, float, float]:
        return (
            float(self.sigma_w) ** 2,
            float(self.sigma_b) ** 2,
            float(self.readout[0]) ** 2,
            float(self.readout[1]) ** 2,
        )

    def _variances(self, q0: FloatArray) -> FloatArray:
        """Pre-activation variances of every hidden layer, shape (depth, n), from :math:`|x|^2/d`."""
        if not self.closed_form:
            return self._layers().variances(q0, self._floats(), self.depth)
        sw2, sb2, _, _ = self._floats()
        out = np.empty((self.depth, q0.shape[0]))
        q = q0
        for layer in range(self.depth):
            q = sw2 * q + sb2
            out[layer] = q
            if self.activation == "relu":
                q = q / 2
            else:
                q = (2 / math.pi) * np.arcsin(2 * q / (1 + 2 * q))
        return out

    def diag(self, X: Any) -> FloatArray:
        """The kernel of each row with itself, :math:`k(x_i, x_i)` (float64, shape (n,))."""
        A = as_rows(X, "X")
        return self._diag(np.einsum("ij,ij->i", A, A) / A.shape[1], A)

    def _diag(self, q0: FloatArray, A: FloatArray) -> FloatArray:
        if not self.closed_form:
            out = self._layers().diag(q0, self._floats(), self.depth)
            _check_finite(out, A)
            return out
        sw2, sb2, swl2, sbl2 = self._floats()
        s, th = q0, np.zeros_like(q0)
        for q in self._variances(q0):
            s = q
            th = s + sw2 * th
            if self.activation == "relu":
                s, th = q / 2, th / 2
            else:
                s = (2 / math.pi) * np.arcsin(2 * q / (1 + 2 * q))
                th = th * (4 / math.pi) / np.sqrt(1 + 4 * q)
        s = swl2 * s + sbl2
        th = s + swl2 * th
        out = th if self.kind == "ntk" else s
        _check_finite(out, A)
        return out

    def gram(self, A: FloatArray, B: FloatArray | None = None) -> FloatArray:
        """The Gram matrix on checked float64 rows ``A`` (n1, d) and ``B`` (n2, d) (None: A)."""
        return self.gram_info(A, B)[0]

    def gram_info(self, A: FloatArray, B: FloatArray | None = None) -> tuple[FloatArray, float, str]:
        """``(G, error, detail)``: the Gram matrix, an estimate of its largest error and how it was computed."""
        A = as_rows(A, "A")
        B = None if B is None else as_rows(B, "B", A.shape[1])
        if self.closed_form:
            G = self._closed_gram(A, B)
            err = 64 * (self.depth + 1) * float(np.finfo(np.float64).eps) * float(np.max(np.abs(G), initial=0.0))
            return G, err, f"closed form ({self.activation}), {self.depth} hidden layers, raw rows"
        d = A.shape[1]
        with np.errstate(over="ignore", invalid="ignore"):
            S = np.ascontiguousarray(A @ (A if B is None else B).T) / d
            q1 = np.einsum("ij,ij->i", A, A) / d
            q2 = q1 if B is None else np.einsum("ij,ij->i", B, B) / d
        if not (np.all(np.isfinite(S)) and np.all(np.isfinite(q1)) and np.all(np.isfinite(q2))):
            raise HermiteRevError("the network kernel is not finite: |x|^2/d overflows float64; rescale the inputs")
        G, err, how = self._layers().gram(S, q1, q2, B is None, self._floats(), self.depth)
        if not np.all(np.isfinite(G)):
            i, j = np.argwhere(~np.isfinite(G))[0]
            raise HermiteRevError(
                f"the network kernel is not finite at rows ({i}, {j}) (|x|^2/d = {q1[i]:.3g}, {q2[j]:.3g}): "
                f"it overflows float64; rescale the inputs"
            )
        top = float(np.max(np.abs(G), initial=0.0))
        if err > 1e-6 * top:
            warnings.warn(
                f"the network kernel's estimated error is {err:.2g} ({err / top:.2g} of its largest entry): "
                f"the activation's Hermite series at these row variances (|x|^2/d up to {float(np.max(q1)):.3g}) "
                f"converges slowly; standardize the inputs",
                HermiteRevWarning,
                stacklevel=4,
            )
        return G, err, f"{how}, {self.depth} hidden layers, raw rows"

    def _closed_gram(self, A: FloatArray, B: FloatArray | None) -> FloatArray:
        from .._numba.gram import network_relu_erf

        A = as_rows(A, "A")
        B = None if B is None else as_rows(B, "B", A.shape[1])
        d = A.shape[1]
        sw2, sb2, swl2, sbl2 = self._floats()
        with np.errstate(over="ignore", invalid="ignore"):
            G = np.ascontiguousarray(A @ (A if B is None else B).T) / d
            q1 = np.einsum("ij,ij->i", A, A) / d
            q2 = q1 if B is None else np.einsum("ij,ij->i", B, B) / d
            if B is None:
                # the diagonal as the per-row variance itself: correlation exactly 1
                np.fill_diagonal(G, q1)
            P1, P2 = self._variances(q1), self._variances(q2)
            if self.activation == "relu":
                P1, P2 = np.sqrt(P1), np.sqrt(P2)
            else:
                P1, P2 = np.sqrt(1 + 2 * P1), np.sqrt(1 + 2 * P2)
        network_relu_erf(
            G,
            np.ascontiguousarray(P1),
            np.ascontiguousarray(P2),
            _CODES[self.activation],
            sw2,
            sb2,
            swl2,
            sbl2,
            self.kind == "ntk",
            B is None,
        )
        if not np.all(np.isfinite(G)):
            i, j = np.argwhere(~np.isfinite(G))[0]
            raise HermiteRevError(
                f"the network kernel is not finite at rows ({i}, {j}) (|x|^2/d = {q1[i]:.3g}, {q2[j]:.3g}): "
                f"it overflows float64; rescale the inputs"
            )
        return G


def _check_finite(out: FloatArray, A: FloatArray) -> None:
    if not np.all(np.isfinite(out)):
        i = int(np.argmin(np.isfinite(out)))
        raise HermiteRevError(f"the network kernel is not finite at row {i}: it overflows float64; rescale the inputs")


def _series_name(act: object) -> str:
    return f"hermite(deg={getattr(act, 'degree', '?')})"


@functools.lru_cache(maxsize=32)
def _generic_layers(activation: Any, ntk: bool) -> GenericLayers:
    return GenericLayers(resolve(activation), ntk)


@functools.lru_cache(maxsize=16)
def _sphere_kernel(N: NetworkKernel, n: int, dps: int) -> TaylorCoeffs:
    act = N.activation
    phi = act if isinstance(act, (str, sympy.Basic)) else act.expr
    swl, sbl = N.readout
    return kernel_of(phi, N.kind, N.depth, N.sigma_w, N.sigma_b, n, dps, sigma_w_last=swl, sigma_b_last=sbl)


def _activation_key(activation: object) -> Any:
    """The activation as the network kernel holds it: a table name, an expression in z, or a Hermite series."""
    if isinstance(activation, str) and is_name(activation):
        name = lookup(activation).name
        return name
    if getattr(activation, "expr_form", None) == "hermite":
        return activation
    try:
        expr = activation_expr(activation)
    except HermiteRevError:
        what = short(activation if isinstance(activation, (str, sympy.Basic)) else type(activation).__name__, 60)
        raise HermiteRevError(
            f"activation must be a name (relu, erf, tanh, gelu, ...), an expression in z or an Activation "
            f"(Hermite series), got {what}"
        ) from None
    for key, e in ACTIVATIONS.items():
        if expr == e:
            return key
    if isinstance(activation, sympy.Basic):
        for key in _NAMED:
            if lookup(key).expr == expr:
                return key
    return expr


#: names whose expression an equal sympy expression is mapped back to (tanh(z) -> "tanh")
_NAMED = ("tanh", "gelu", "swish", "sigmoid", "softplus", "sin", "cos", "abs", "linear")


def network_kernel(
    activation: object,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    kind: str = "ntk",
    readout: tuple[RealLike, RealLike] = (1, 0),
) -> NetworkKernel:
    r"""The infinite-width NNGP or NTK of a fully-connected network, as a value.

    ``depth`` hidden layers Dense(``sigma_w``, ``sigma_b``) + ``activation``, then a readout
    Dense(``readout[0]``, ``readout[1]``); NTK parameterization.  Evaluated on raw rows with
    their norms by :func:`hermite_rev.gram` (what neural-tangents' ``kernel_fn`` computes); on
    rows with :math:`|x|^2/d = 1` it equals ``hr.kernels.relu_ntk(depth, sigma_w, sigma_b,
    *readout)`` (and ``relu_nngp``, ``erf_ntk``, ``erf_nngp``), its :attr:`~NetworkKernel.on_sphere`.

    Parameters
    ----------
    activation : str, sympy expression in z, or Activation
        A name of :mod:`hermite_rev.activations` (``"relu"``, ``"erf"``, ``"tanh"``, ``"gelu"``,
        ...), an expression in z, or a Hermite series from :func:`hermite_rev.reverse`.  ReLU
        and erf have closed forms; the others go through Hermite coefficients at each row's
        variance and Mehler's formula (an error estimate in ``hr.gram(N, X, info=True)``).
    depth : int
        Number of hidden layers, 0 to ``LIMITS["constructor_depth"]``.
    sigma_w, sigma_b : real
        Standard deviations of the hidden layers' weights and biases (not both 0).
    kind : {"ntk", "nngp"}
    readout : (sigma_w_last, sigma_b_last)
        The readout layer's standard deviations (default (1, 0), as ``relu_ntk``).

    Returns
    -------
    NetworkKernel

    Raises
    ------
    HermiteRevError
        Something that is not an activation, the NTK of an activation with a jump (infinite),
        a bad ``kind``, depth or standard deviation.

    Examples
    --------
    >>> import numpy as np, hermite_rev as hr
    >>> N = hr.network_kernel("relu", depth=3, kind="nngp")
    >>> X = np.array([[2.0, 0.0], [0.0, 1.0]])
    >>> np.round(hr.gram(N, X), 6)  # |x|^2/d = 2 and 1/2: the diagonal is |x|^2/d / 2^3
    array([[0.25    , 0.075603],
           [0.075603, 0.0625  ]])

    Any other activation (Hermite coefficients at each row's variance, Mehler's formula), with
    its stated error:

    >>> X = np.array([[2.0, 0.0], [1.0, 1.0]])
    >>> G, info = hr.gram(hr.network_kernel("tanh", kind="nngp"), X, info=True)
    >>> np.round(G, 6)
    array([[0.519976, 0.302825],
           [0.302825, 0.394294]])
    >>> info.method, info.error < 1e-13
    ('network', True)
    """
    name = _activation_key(activation)
    depth = check_nonneg_int(depth, "depth", LIMITS["constructor_depth"])
    sw = exact_number(sigma_w, "sigma_w", nonneg=True)
    sb = exact_number(sigma_b, "sigma_b", nonneg=True)
    if exact_sign(sw**2 + sb**2) != 1:
        raise HermiteRevError(f"sigma_w and sigma_b cannot both be 0, got sigma_w={sigma_w!r}, sigma_b={sigma_b!r}")
    if not isinstance(kind, str) or kind.lower() not in _KINDS:  # "NTK" as everywhere else
        raise HermiteRevError(f"kind must be 'ntk' or 'nngp', got kind={short(repr(kind), 60)}")
    kind = kind.lower()
    if kind == "ntk" and name not in ACTIVATIONS and resolve(name).jump:
        raise HermiteRevError(
            f"the NTK of an activation with a jump is infinite (phi' has a Dirac delta): "
            f"{short(name, 60) if not isinstance(name, str) else name}; use kind='nngp'"
        )
    try:
        swl, sbl = readout
    except (TypeError, ValueError):
        raise HermiteRevError(f"readout must be a pair (sigma_w_last, sigma_b_last), got readout={readout!r}") from None
    ro = (exact_number(swl, "readout[0]", nonneg=True), exact_number(sbl, "readout[1]", nonneg=True))
    return NetworkKernel(name, depth, sw, sb, kind, ro)
