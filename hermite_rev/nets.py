r"""Finite fully-connected networks in the NTK parameterization, trained by full-batch GD.

Index
-----
net_activation   any activation spec -> :class:`~hermite_rev.activations.ActivationFunction`
                 (fused phi, phi' on float arrays; :func:`hermite_rev.activations.resolve`)
FCN              fully-connected net of any depth; forward, backward, empirical kernels, and
                 ``network_kernel()``: the infinite-width kernel of its own architecture
train            full-batch gradient descent on MSE with the output centred at initialization
sphere_inputs    rows scaled to |x|^2/d = 1

Conventions (neural-tangents ``stax``, NTK parameterization).  Every parameter is drawn
N(0, 1) and a Dense layer with fan-in ``n`` computes

.. math:: z = \frac{\sigma_w}{\sqrt{n}} x W + \sigma_b b .

``widths`` are the hidden widths; the readout is Dense(sigma_w_last, sigma_b_last) with
default 1, 0, as in :mod:`hermite_rev.kernels`.  The dot-product kernels of
:mod:`hermite_rev.kernels` are the net's kernels for inputs with |x|^2/d = 1; on any other rows
:meth:`FCN.network_kernel` (:func:`hermite_rev.network_kernel` of the same architecture) is.

Loss and time scale.  :func:`train` minimises :math:`L = \frac{1}{2n}\sum_i \lVert f(x_i) -
y_i\rVert^2` (mean over examples, sum over outputs) with plain GD ``theta -= lr * grad L``.
In the kernel regime the training outputs then follow
:math:`f_{t+1} = f_t - \frac{\eta}{n}\Theta (f_t - y)`, i.e. the NTK time scale is
``lr * t / n`` (see :func:`hermite_rev.verify.kernel_regime_gap`).  The reported MSE is the
mean over all entries of :math:`(f - y)^2`; for scalar outputs that is ``2 L``.

Activation specs: a name of :mod:`hermite_rev.activations` (``"relu"``, ``"erf"``, ``"tanh"``,
``"gelu"``, ``"swish"``, ``"sigmoid"``, ``"softplus"``, ``"sin"``, ``"cos"``, ``"abs"``, ``"step"``,
``"linear"``, and ``"sinA"`` = sin(A z)/2, e.g. ``"sin6"`` = sin(6z)/2 from the paper's parity
experiment), an
:class:`~hermite_rev.family.Activation` (its Hermite series, compiled by
:mod:`hermite_rev.lower`), a compiled activation, anything with a ``compile()`` method returning
``f`` with ``f(x)`` and ``f.grad(x)`` (e.g. a fitted bounded form), a sympy expression in
``z``, or a pair ``(phi, dphi)`` of numpy callables.  Each becomes the one numeric activation
type, :class:`hermite_rev.activations.ActivationFunction` (:func:`net_activation` is
:func:`hermite_rev.activations.resolve`); the compiled training step evaluates it through its
``fused`` description (a named numba kernel or a Hermite series).

Hermite-series activations are polynomials: with pre-activations ~N(0, 1) at init they are
well behaved, but they grow like |z|^degree, so a learning rate that pushes pre-activations
far out (|z| > 6 say) makes training blow up; :func:`train` stops with ``diverged=True``
in the history when the loss becomes non-finite.

Place in the pipeline: the ``nets`` stage, above :mod:`hermite_rev.predict` (whose
:func:`~hermite_rev.network_kernel` gives a net's infinite-width kernel).  Imports
:mod:`hermite_rev._core`, :mod:`hermite_rev.activations`, :mod:`hermite_rev.predict` and, on
first use, the numba kernels of :mod:`hermite_rev._numba.train` and scipy's BLAS.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import sympy

from ._core.errors import HermiteRevError
from ._core.limits import check_size
from ._core.text import short
from ._core.validate import as_number, check_kind, check_nonneg_int, check_positive_int
from .activations import ActivationFunction, resolve
from .predict import NetworkKernel, network_kernel

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from numpy.typing import DTypeLike, NDArray

    from ._core.typing import ArrayLike, FloatArray, Kind, RealLike

__all__ = ["net_activation", "FCN", "train", "sphere_inputs", "accuracy"]

#: any activation spec -> the one numeric activation type (see the module docstring)
net_activation = resolve


# --------------------------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------------------------


def sphere_inputs(X: ArrayLike) -> FloatArray:
    """Scale each row of X to |x|^2/d = 1 (norm sqrt(d))."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError, OverflowError, MemoryError):  # MemoryError: X=range(10**12)
        raise HermiteRevError(f"X must be a 2-D array of real numbers, got X={short(repr(X), 60)}") from None
    if X.ndim != 2:
        raise HermiteRevError(f"inputs must be a 2-D array (examples x features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise HermiteRevError(f"X must be finite, got X={short(repr(X), 60)}")
    peak = np.max(np.abs(X), axis=1, keepdims=True) if X.size else np.ones((X.shape[0], 1))
    if np.any(peak == 0):
        raise HermiteRevError("cannot scale a zero input row to the sphere")
    X = X / peak  # first to max |x_i| = 1: the norm of a row of 1e200s would overflow
    return X / np.linalg.norm(X, axis=1, keepdims=True) * math.sqrt(X.shape[1])


def _real(value: RealLike, name: str, *, positive: bool = False, nonneg: bool = False) -> float:
    if isinstance(value, (str, sympy.Basic)):  # "sqrt(2)", as the kernels accept it
        value = as_number(value, name)
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise HermiteRevError(f"{name} must be a real number, got {name}={value!r}") from None
    if not math.isfinite(v) or (positive and v <= 0) or (nonneg and v < 0):
        req = "positive" if positive else ("non-negative" if nonneg else "finite")
        raise HermiteRevError(f"{name} must be {req}, got {name}={value!r}")
    return v


class FCN:
    r"""Fully-connected network in the NTK parameterization (numpy BLAS + numba activation).

    Parameters
    ----------
    d_in : int
        Input dimension.
    widths : int or sequence of int
        Hidden widths (one entry per hidden layer; an int means one hidden layer).
    activation : activation spec
        See :func:`net_activation`.
    sigma_w, sigma_b : float
        Weight and bias scales of the hidden Dense layers.
    seed : int
        Seed of numpy's default generator for all parameters.
    d_out : int
        Number of outputs.
    sigma_w_last, sigma_b_last : float
        Readout Dense layer scales (default 1, 0 as in :mod:`hermite_rev.kernels`).
    dtype : numpy float dtype
        float64 (default) or float32.

    Attributes
    ----------
    W, b : lists of arrays
        Standard-normal parameters; layer l computes ``sw/sqrt(fan_in) * a @ W[l] + sb * b[l]``.

    Examples
    --------
    >>> net = FCN(3, [64, 64], "relu", sigma_w=2 ** 0.5, sigma_b=0.1, seed=0)
    >>> net(sphere_inputs(np.ones((2, 3)))).shape
    (2, 1)
    """

    def __init__(
        self,
        d_in: int,
        widths: int | Sequence[int],
        activation: Any = "relu",
        sigma_w: RealLike = 1.0,
        sigma_b: RealLike = 0.0,
        seed: int = 0,
        *,
        d_out: int = 1,
        sigma_w_last: RealLike = 1.0,
        sigma_b_last: RealLike = 0.0,
        dtype: DTypeLike = np.float64,
    ) -> None:
        self.d_in = check_size(d_in, "d_in", "width")
        if isinstance(widths, (str, bytes)):
            raise HermiteRevError(
                f"widths must be a positive integer or a sequence of positive integers, got widths={widths!r}"
            )
        if isinstance(widths, (int, np.integer)):
            widths = [widths]
        try:
            widths = [check_size(w, "widths", "width") for w in widths]
        except TypeError:
            raise HermiteRevError(f"widths must be a sequence of positive integers, got widths={widths!r}") from None
        if not widths:
            raise HermiteRevError("widths must name at least one hidden layer, got widths=[]")
        self.widths = widths
        self.d_out = check_size(d_out, "d_out", "width")
        self.sigma_w = _real(sigma_w, "sigma_w")
        self.sigma_b = _real(sigma_b, "sigma_b")
        self.sigma_w_last = _real(sigma_w_last, "sigma_w_last")
        self.sigma_b_last = _real(sigma_b_last, "sigma_b_last")
        self.dtype: np.dtype[Any] = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise HermiteRevError(f"dtype must be float32 or float64, got dtype={dtype!r}")
        self.activation = net_activation(activation)
        try:
            rng = np.random.default_rng(seed)
        except (TypeError, ValueError):
            raise HermiteRevError(
                f"seed must be a non-negative integer (or None, a sequence of them, a numpy SeedSequence or "
                f"Generator), got seed={seed!r}"
            ) from None
        self.seed = seed
        dims = [self.d_in] + widths + [self.d_out]
        need = sum(a * b for a, b in zip(dims[:-1], dims[1:])) * self.dtype.itemsize
        if need > 16 * 2**30:
            raise HermiteRevError(
                f"the weights of d_in={self.d_in}, widths={short(repr(widths), 60)}, d_out={self.d_out} "
                f"need {need / 2**30:.1f} GiB (at most 16); use smaller sizes"
            )
        self.W, self.b = [], []
        for a, b in zip(dims[:-1], dims[1:]):
            self.W.append(rng.standard_normal((a, b), dtype=np.float64).astype(self.dtype, copy=False))
            self.b.append(rng.standard_normal(b, dtype=np.float64).astype(self.dtype, copy=False))
        self.scales = [self.sigma_w / math.sqrt(a) for a in dims[:-2]] + [self.sigma_w_last / math.sqrt(dims[-2])]
        self.bias_scales = [self.sigma_b] * len(widths) + [self.sigma_b_last]

    @property
    def depth(self) -> int:
        return len(self.widths)

    def n_params(self) -> int:
        return sum(W.size + b.size for W, b in zip(self.W, self.b))

    def __repr__(self) -> str:
        return (
            f"FCN(d_in={self.d_in}, widths={self.widths}, activation={self.activation.name}, "
            f"sigma_w={self.sigma_w:g}, sigma_b={self.sigma_b:g}, d_out={self.d_out}, seed={self.seed})"
        )

    def _check_X(self, X: ArrayLike) -> NDArray[Any]:
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.d_in:
            raise HermiteRevError(f"inputs must have shape (n, {self.d_in}), got {X.shape}")
        if X.dtype.kind not in "biuf":
            raise HermiteRevError(f"inputs must be real numbers, got dtype {X.dtype}")
        with np.errstate(over="ignore"):  # a value beyond float32 becomes inf and is reported below
            X = np.ascontiguousarray(X, dtype=self.dtype)
        bad = ~np.isfinite(X)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise HermiteRevError(f"inputs must be finite (as {self.dtype}), got X[{i}, {j}]={float(X[i, j])}")
        return X

    @overload
    def forward(self, X: ArrayLike, *, keep: Literal[False] = False) -> NDArray[Any]: ...

    @overload
    def forward(
        self, X: ArrayLike, *, keep: Literal[True]
    ) -> tuple[NDArray[Any], list[NDArray[Any]], list[NDArray[Any]]]: ...

    def forward(
        self, X: ArrayLike, *, keep: bool = False
    ) -> NDArray[Any] | tuple[NDArray[Any], list[NDArray[Any]], list[NDArray[Any]]]:
        """Outputs (n, d_out); with ``keep=True`` also the layer inputs and phi' for backprop."""
        X = self._check_X(X)
        plan = _Plan(self, X.shape[0])
        out = plan.forward(X)
        if keep:
            return out, [X] + plan.H, plan.derivatives()
        return out

    __call__ = forward

    def backward(
        self, acts: Sequence[NDArray[Any]], ders: Sequence[NDArray[Any]], G: NDArray[Any]
    ) -> tuple[list[Any], list[Any]]:
        """Gradients (dW, db) of sum(G * f) given the kept forward state; G is (n, d_out)."""
        from ._numba import train as nb

        L = len(self.W)
        dW, db = [None] * L, [None] * L
        G = np.ascontiguousarray(G, dtype=self.dtype)
        for l in range(L - 1, -1, -1):
            s = self.dtype.type(self.scales[l])
            dW[l] = acts[l].T @ G
            dW[l] *= s
            db[l] = G.sum(axis=0) * self.dtype.type(self.bias_scales[l])
            if l > 0:
                G = G @ self.W[l].T
                nb.backprop_scale(G, s, ders[l - 1], np.empty(G.shape[1], self.dtype))
        return dW, db

    def deltas(self, X: ArrayLike) -> tuple[NDArray[Any], list[NDArray[Any]], list[Any]]:
        """Per-example backprop signals: layer inputs A_l and d f_0 / d z_l for output 0."""
        out, acts, ders = self.forward(X, keep=True)
        L = len(self.W)
        G = np.zeros((acts[0].shape[0], 1), dtype=self.dtype)
        G[:, 0] = 1
        deltas: list[Any] = [None] * L
        deltas[L - 1] = G
        W0 = [W for W in self.W]
        W0[-1] = self.W[-1][:, :1]
        for l in range(L - 1, 0, -1):
            G = (G @ W0[l].T) * self.dtype.type(self.scales[l])
            G *= ders[l - 1]
            deltas[l - 1] = G
        return out, acts, deltas

    def network_kernel(self, kind: Kind = "ntk") -> NetworkKernel:
        r"""The infinite-width NNGP or NTK of this net's architecture, on raw rows.

        :func:`hermite_rev.network_kernel` with this net's activation, depth, ``sigma_w``,
        ``sigma_b`` and readout (``sigma_w_last``, ``sigma_b_last``), in the same NTK
        parameterization: as the widths grow, :meth:`kernel` (the empirical kernel of output 0)
        approaches ``hr.gram(net.network_kernel(kind), X)`` on any rows ``X``.

        Raises
        ------
        HermiteRevError
            The activation is known only numerically (a pair of callables, a compiled function
            without an expression): its Gaussian expectations need phi as a name, expression or
            Hermite series.

        Examples
        --------
        >>> import hermite_rev as hr
        >>> net = FCN(3, [512, 512], "tanh", sigma_w=1.5, sigma_b=0.1, seed=0)
        >>> net.network_kernel("nngp")
        network_kernel('tanh', depth=2, sigma_w=3/2, sigma_b=1/10, kind='nngp', readout=(1, 0))
        >>> X = np.array([[1.0, -2.0, 0.5], [0.3, 0.3, 3.0]])
        >>> bool(np.allclose(net.kernel(X, kind="nngp"), hr.gram(net.network_kernel("nngp"), X), atol=0.1))
        True
        """
        kind = check_kind(kind)
        act = self.activation
        if act.form in ("name", "expr", "hermite"):
            spec = act.source
        elif act.expr is not None:
            spec = act.expr
        else:
            raise HermiteRevError(
                f"the network kernel needs the activation as a name, an expression in z or a Hermite series; "
                f"{act.name} ({act.form}) is known only numerically"
            )
        readout = (self.sigma_w_last, self.sigma_b_last)
        return network_kernel(spec, self.depth, self.sigma_w, self.sigma_b, kind=kind, readout=readout)

    def kernel(self, X: ArrayLike, X2: ArrayLike | None = None, kind: Kind = "ntk") -> FloatArray:
        r"""Empirical NNGP or NTK Gram matrix of output 0 (float64).

        NTK: :math:`\sum_l (\sigma_w^2/n_{l-1}) (A_{l-1} A_{l-1}'^T) \circ (\Delta_l \Delta_l'^T)
        + \sigma_b^2 \Delta_l \Delta_l'^T` (gradients of all weights and biases).
        NNGP: the readout's conditional covariance
        :math:`\sigma_{w,last}^2 / n_L\, a_L \cdot a_L' + \sigma_{b,last}^2`.
        """

        kind = check_kind(kind)
        n1 = np.asarray(X).shape[0]
        XX = X if X2 is None else np.concatenate([np.asarray(X), np.asarray(X2)], axis=0)
        _, acts, deltas = self.deltas(XX)
        i1, i2 = slice(0, n1), slice(n1 if X2 is not None else 0, None)
        L = len(self.W)
        if kind == "nngp":
            A = acts[-1].astype(np.float64)
            return self.scales[-1] ** 2 * (A[i1] @ A[i2].T) + self.sigma_b_last**2
        K: Any = 0.0
        for l in range(L):
            A = acts[l].astype(np.float64)
            D = deltas[l].astype(np.float64)
            DD = D[i1] @ D[i2].T
            K = K + self.scales[l] ** 2 * (A[i1] @ A[i2].T) * DD + self.bias_scales[l] ** 2 * DD
        return K


class _Plan:
    """The hot loop of one net on one input size: preallocated buffers and fused kernels.

    Forward: per hidden layer one GEMM, then one serial numba pass that scales, adds the bias
    and writes phi and phi'.  ReLU (slope ``s >= 1``) runs in place on the GEMM's output and
    stores no phi' (it is ``s`` where the output is > 0: the backward pass reads the mask off
    the output, one array less to write and read per layer); the other activations read a
    reused scratch buffer and write ``H[l]`` and ``D[l]`` (separate arrays, so LLVM vectorizes
    the pass).  Backward: ``G_{l-1} = G_l W_l^T`` by GEMM into ``G[l-1]`` and one pass for
    ``G *= s phi'`` with the bias gradient's column sums -- for the readout of a net with at
    most 8 outputs both in one numba pass (:func:`~hermite_rev._numba.train.backprop_readout`:
    the (n, width) signal is written once, not written by a GEMM and rewritten) -- and the
    weight update ``W_l -= lr s A_{l-1}^T G_l`` as a single in-place GEMM (``beta = 1`` into
    ``W_l``, via :mod:`scipy.linalg.blas`), after ``W_l`` was used for ``G_{l-1}``.  No other
    temporaries larger than a row of biases.
    """

    def __init__(self, net: FCN, n: int) -> None:
        from scipy.linalg import blas

        dt = net.dtype
        self.net = net
        self.n = n
        self.H = [np.empty((n, w), dt) for w in net.widths]
        # None where the layout does not need them (ReLU: no phi', no scratch; G until the first update)
        self.D: Any = None
        self._z: Any = None
        self.G: Any = None
        self.scale = [dt.type(s) for s in net.scales]
        self.bscale = [dt.type(b) for b in net.bias_scales]
        self.gemm = blas.sgemm if dt == np.float32 else blas.dgemm
        kern = net.activation.fused
        # ReLU with slope s >= 1: s * z > 0 exactly when z > 0, so the output carries the mask
        self.relu = kern is not None and kern[:2] == ("named", 0) and kern[2] == 1.0 and kern[3] >= 1.0
        if self.relu:
            self.slope = dt.type(kern[3])  # type: ignore[index]
            self.D = None
            self._z = None
        else:
            self.D = [np.empty((n, w), dt) for w in net.widths]
            self._z = np.empty(n * max(net.widths), dt)  # raw products, consumed by the epilogue at once
            self.epilogue = _epilogue(net.activation, dt)
        self.G = None  # backprop buffers, made on the first update
        self.out = np.empty((n, net.d_out), dt)
        self.small_out = net.d_out <= 8 and len(net.widths) >= 1

    def _bias(self, l: int) -> NDArray[Any]:
        net = self.net
        if self.bscale[l] != 0.0:
            return self.bscale[l] * net.b[l]
        return np.zeros(net.b[l].shape, net.dtype)

    def derivatives(self) -> list[NDArray[Any]]:
        """phi' of every hidden layer after :meth:`forward` (computed from the output for ReLU)."""
        if not self.relu:
            return self.D
        from ._numba import train as nb

        D = [np.empty_like(H) for H in self.H]
        for H, Dl in zip(self.H, D):
            nb.relu_grad(H, self.slope, Dl)
        return D

    def forward(self, X: NDArray[Any]) -> NDArray[Any]:
        """Outputs (n, d_out) in a reused buffer; ``H`` (and ``D``) hold phi (and phi') after."""
        from ._numba import train as nb

        net = self.net
        A = X
        for l in range(len(net.widths)):
            H = self.H[l]
            if self.relu:
                np.matmul(A, net.W[l], out=H)
                nb.relu_inplace(H, self.scale[l], self._bias(l), self.slope)
            else:
                Z = self._z[: H.size].reshape(H.shape)
                np.matmul(A, net.W[l], out=Z)
                self.epilogue(Z, self.scale[l], self._bias(l), H, self.D[l])
            A = H
        out = self.out
        np.matmul(A, net.W[-1], out=out)
        out *= self.scale[-1]
        if self.bscale[-1] != 0.0:
            out += self.bscale[-1] * net.b[-1]
        return out

    def update(self, X: NDArray[Any], G: NDArray[Any], lr: float) -> None:
        """One GD step ``theta -= lr * grad`` from ``G = dL/d out`` (n, d_out) after :meth:`forward`."""
        from ._numba import train as nb

        net = self.net
        dt = net.dtype
        L = len(net.W)
        if self.G is None:
            self.G = [np.empty((self.n, w), dt) for w in net.widths]
            self.colsum = [np.empty(w, dt) for w in net.widths]
            self.Wt: Any = np.empty((net.d_out, net.widths[-1]), dt) if self.small_out else None
        lr_t = dt.type(lr)
        for l in range(L - 1, -1, -1):
            A = X if l == 0 else self.H[l - 1]
            if l > 0:  # signal of the layer below, with the weights before this step's update
                Gp = self.G[l - 1]
                Dl = self.H[l - 1] if self.relu else self.D[l - 1]
                if l == L - 1 and self.small_out:
                    np.copyto(self.Wt, net.W[l].T)
                    s = self.slope if self.relu else dt.type(1)
                    nb.backprop_readout(G, self.Wt, self.scale[l], Dl, s, self.relu, self.colsum[l - 1], Gp)
                else:
                    np.matmul(G, net.W[l].T, out=Gp)
                    if self.relu:
                        nb.backprop_relu(Gp, self.scale[l], Dl, self.slope, self.colsum[l - 1])
                    else:
                        nb.backprop_scale(Gp, self.scale[l], Dl, self.colsum[l - 1])
            if self.bscale[l] != 0.0:
                gsum = G.sum(axis=0) if l == L - 1 else self.colsum[l]
                net.b[l] -= lr_t * (gsum * self.bscale[l])
            W = net.W[l]
            r = self.gemm(-lr * float(self.scale[l]), G.T, A.T, beta=1.0, c=W.T, trans_b=1, overwrite_c=1)
            if r.ctypes.data != W.ctypes.data:  # pragma: no cover - BLAS wrapper made a copy
                W[...] = r.T
            if l > 0:
                G = Gp


def _epilogue(act: ActivationFunction, dt: Any) -> Callable[..., None]:
    """``f(P, scale, bias, A, D)``: z = scale P + bias, A = phi(z), D = phi'(z), one pass where compiled."""
    from ._numba import train as nb

    kern = act.fused
    if kern is not None and kern[0] == "named":
        _, code, a, s = kern
        a_t, s_t = dt.type(a), dt.type(s)
        if dt == np.float32 and code in (nb.ACT_CODES["sin"], nb.ACT_CODES["cos"]):
            cosine = code == nb.ACT_CODES["cos"]

            def sincos(P: NDArray[Any], scale: Any, bias: NDArray[Any], A: NDArray[Any], D: NDArray[Any]) -> None:
                nb.dense_sincos32(cosine, a_t, s_t, P, scale, bias, A, D)

            return sincos

        def named(P: NDArray[Any], scale: Any, bias: NDArray[Any], A: NDArray[Any], D: NDArray[Any]) -> None:
            nb.dense_act(code, a_t, s_t, P, scale, bias, A, D)

        return named
    if kern is not None and kern[0] == "series":
        c0, c1 = kern[1], kern[2]
        tables = nb.series_tables(c0, c1, dt)
        W = np.empty(5 * nb.SERIES_BLOCK, dt)
        stats = np.zeros(3, np.int64)  # blocks, terms evaluated, blocks with terms dropped

        def series(P: NDArray[Any], scale: Any, bias: NDArray[Any], A: NDArray[Any], D: NDArray[Any]) -> None:
            nb.dense_series(P, scale, bias, *tables, A, D, W, stats)  # type: ignore[call-arg]

        series.stats = stats  # type: ignore[attr-defined]
        return series

    def generic(P: NDArray[Any], scale: Any, bias: NDArray[Any], A: NDArray[Any], D: NDArray[Any]) -> None:
        P *= scale
        P += bias
        v, d = act.value_and_grad(P)
        A[...] = v
        D[...] = d

    return generic


# --------------------------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------------------------


def _outputs(X: object, name: str) -> NDArray[Any]:
    """Outputs or targets as a float64 array of shape (rows, outputs); a 1-D array is one output."""
    A = np.asarray(X) if isinstance(X, (np.ndarray, list, tuple)) else None
    if A is None or A.dtype.kind not in "biuf":
        raise HermiteRevError(f"{name} must be an array of real numbers, got {name}={short(repr(X), 60)}")
    A = A.astype(np.float64).reshape(-1, 1) if A.ndim == 1 else A.astype(np.float64)
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise HermiteRevError(f"{name} must be a non-empty 2-D array (rows, outputs), got {name}.shape={A.shape}")
    return A


def accuracy(F: NDArray[Any], Y: NDArray[Any]) -> float:
    """Fraction classified right, a tie scored as a fair coin flip among the tied classes.

    One output: sign agreement, an output of exactly 0 counts 1/2 (the centred net starts at
    f = 0, i.e. at chance 0.5, not at 0).  Several outputs: argmax, a row whose maximum is
    shared by ``m`` classes counts 1/m if the true class is among them.
    """
    F, Y = _outputs(F, "F"), _outputs(Y, "Y")
    if F.shape != Y.shape:
        raise HermiteRevError(f"F and Y must have the same shape, got F.shape={F.shape}, Y.shape={Y.shape}")
    if F.shape[1] == 1:
        f, y = np.sign(F[:, 0]), np.sign(Y[:, 0])
        return float(np.mean(np.where(f == 0, 0.5, f == y)))
    top = F == F.max(axis=1, keepdims=True)
    true = np.argmax(Y, axis=1)
    m = top.sum(axis=1)  # 0 only for a row of NaN (a diverged net): scored wrong
    return float(np.mean(np.where(m > 0, top[np.arange(len(true)), true] / np.maximum(m, 1), 0.0)))


def _as_targets(Y: ArrayLike, n: int, d_out: int, what: str) -> NDArray[Any]:
    raw = np.asarray(Y)
    if np.iscomplexobj(raw):
        raise HermiteRevError(
            f"{what} must be real, got a complex array (dtype {raw.dtype}); "
            f"pass the real and imaginary parts as two outputs if both matter"
        )
    try:
        Y = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise HermiteRevError(f"{what} must be an array of real numbers, got dtype {raw.dtype}") from None
    if not np.all(np.isfinite(Y)):
        bad = np.argwhere(~np.isfinite(Y))[0]
        raise HermiteRevError(f"{what} must be finite: {what}[{', '.join(map(str, bad))}] = {Y[tuple(bad)]}")
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.shape != (n, d_out):
        raise HermiteRevError(f"{what} must have shape ({n}, {d_out}) (or ({n},) for one output), got {Y.shape}")
    return Y


def train(
    net: FCN,
    X: ArrayLike,
    Y: ArrayLike,
    lr: RealLike,
    epochs: int,
    stop_mse: RealLike | None = None,
    X_test: ArrayLike | None = None,
    Y_test: ArrayLike | None = None,
    progress: bool = True,
    *,
    centre: bool = True,
    callback: Callable[[int, NDArray[Any]], Any] | None = None,
    eval_every: int = 1,
    blas_threads: int | Literal["auto"] | None = "auto",
) -> dict[str, Any]:
    r"""Full-batch gradient descent on MSE; returns the history.

    Minimises :math:`L = \frac{1}{2n}\sum_i \lVert f(x_i) - y_i\rVert^2` with
    ``theta -= lr * grad L``, where ``f = net - net_0`` is the output centred at initialization
    (``centre=True``, as in the paper's code: the function starts at exactly 0).

    Parameters
    ----------
    net : FCN
        Trained in place.
    X, Y : arrays
        Training inputs (n, d_in) and targets (n, d_out) or (n,).
    lr : float
    epochs : int
        Maximum number of GD steps.
    stop_mse : float or None
        Stop once the training MSE (mean over entries of (f - y)^2) is <= this.
    X_test, Y_test : arrays or None
    progress : bool
        tqdm progress bar.
    callback : callable or None
        ``callback(epoch, f_train)`` after every step (f_train before the step's update is
        applied is passed for epoch 0, then the outputs after each step).
    eval_every : int
        Evaluate the test set every this many epochs (and at the last one).
    blas_threads : "auto", int or None
        BLAS threads during training (via threadpoolctl when installed); "auto" uses one
        thread (run independent trials in parallel processes instead), None leaves the
        setting alone.

    Returns
    -------
    dict of lists
        ``epoch, train_mse, test_mse, train_acc, test_acc, seconds`` (one entry per recorded
        epoch, epoch 0 = initialization; ``seconds`` is wall time since the start) and the
        scalars ``stopped_at``, ``diverged``, ``loss`` (a description of the objective).
    """
    if not isinstance(net, FCN):
        raise HermiteRevError(f"net must be an FCN, got {type(net).__name__}")

    lr = _real(lr, "lr", positive=True)
    try:
        epochs = check_nonneg_int(epochs, "epochs")
    except HermiteRevError:
        raise HermiteRevError(f"epochs must be a non-negative integer, got epochs={epochs!r}") from None
    epochs = check_size(epochs, "epochs", low=0)
    if stop_mse is not None:
        stop_mse = _real(stop_mse, "stop_mse", nonneg=True)
    eval_every = check_positive_int(eval_every, "eval_every")
    X = net._check_X(X)
    n = X.shape[0]
    if n == 0:
        raise HermiteRevError(f"train needs at least one training example, got X with shape {X.shape}")
    check_size(n, "number of training examples", "examples")
    Y = _as_targets(Y, n, net.d_out, "Y")
    has_test = X_test is not None
    if X_test is not None:  # = has_test
        if Y_test is None:
            raise HermiteRevError("X_test given without Y_test")
        X_test = net._check_X(X_test)
        Y_test = _as_targets(Y_test, X_test.shape[0], net.d_out, "Y_test")
    # limit BLAS before the first product: a multi-threaded GEMM leaves OpenBLAS's worker
    # threads spinning for about 0.1 s after it (measured: 60 % of a second core during a short
    # training run), CPU a parallel trial on the other core needs
    limiter = _blas_limiter(net, n, blas_threads)
    try:
        f0 = net.forward(X).astype(np.float64) if centre else np.zeros_like(Y)
        f0_test = (
            (net.forward(X_test).astype(np.float64) if centre else np.zeros_like(Y_test))
            if X_test is not None
            else None
        )
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported in the history
            return _train_loop(
                net,
                X,
                Y,
                lr,
                epochs,
                stop_mse,
                X_test,
                Y_test,
                progress,
                callback,
                eval_every,
                f0,
                f0_test,
                has_test,
                n,
            )
    finally:
        if limiter is not None:
            limiter.restore_original_limits()


def _blas_limiter(net: FCN, n: int, blas_threads: Any) -> Any:
    """Limit BLAS threads (threadpoolctl) during training.

    ``"auto"``: one thread.  Parallelism comes from independent trials in separate processes
    (one per core); and on a shared machine a multi-threaded GEMM whose threads are preempted
    waits at its barriers: the 4HL width-4096 mimic net ran at 6 GFLOP/s with two OpenBLAS
    threads on 2 loaded cores.  Pass ``blas_threads=None`` to keep the current setting, or an int.
    """
    if blas_threads is None:
        return None
    threads = 1 if blas_threads == "auto" else int(blas_threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: only a speed-up
        return None
    # load scipy's BLAS (the in-place weight update) before limiting: threadpoolctl limits only
    # the libraries loaded when it is called, and scipy ships its own OpenBLAS (train() has
    # loaded it already through its first forward pass; this keeps the limiter right alone)
    import scipy.linalg.blas  # noqa: F401

    return threadpool_limits(threads, user_api="blas")


def _train_loop(
    net: FCN,
    X: NDArray[Any],
    Y: NDArray[Any],
    lr: float,
    epochs: int,
    stop_mse: float | None,
    X_test: Any,  # arrays when has_test, else None
    Y_test: Any,
    progress: bool,
    callback: Callable[[int, NDArray[Any]], Any] | None,
    eval_every: int,
    f0: Any,
    f0_test: Any,
    has_test: bool,
    n: int,
) -> dict[str, Any]:
    hist: dict[str, Any] = {
        "epoch": [],
        "train_mse": [],
        "test_mse": [],
        "train_acc": [],
        "test_acc": [],
        "seconds": [],
        "stopped_at": None,
        "diverged": False,
        "loss": "L = 1/(2n) sum_i |f(x_i) - y_i|^2, f = net - net_at_init; mse = mean (f - y)^2",
    }
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc=f"train {net.activation.name} L={net.depth}", leave=False)
    t0 = time.perf_counter()
    scale = net.dtype.type(1.0 / n)
    plan = _Plan(net, n)
    plan_test: Any = _Plan(net, X_test.shape[0]) if has_test else None
    for epoch in range(epochs + 1):
        out = plan.forward(X)
        F = out.astype(np.float64) - f0
        R = F - Y
        mse = float(np.mean(R * R))
        if callback is not None:
            callback(epoch, F)
        last = epoch == epochs or not math.isfinite(mse) or (stop_mse is not None and mse <= stop_mse)
        if epoch % eval_every == 0 or last:
            hist["epoch"].append(epoch)
            hist["train_mse"].append(mse)
            hist["train_acc"].append(accuracy(F, Y))
            if has_test:
                Ft = plan_test.forward(X_test).astype(np.float64) - f0_test
                hist["test_mse"].append(float(np.mean((Ft - Y_test) ** 2)))
                hist["test_acc"].append(accuracy(Ft, Y_test))
            hist["seconds"].append(time.perf_counter() - t0)
        if not math.isfinite(mse):
            hist["diverged"] = True
            hist["stopped_at"] = epoch
            break
        if last:
            hist["stopped_at"] = epoch
            break
        G = np.multiply(R, scale, out=plan.out, casting="unsafe")  # dL/d out; plan.out is free now
        plan.update(X, G, lr)
        if bar is not None:
            bar.update(1)
            if epoch % 50 == 0:
                bar.set_postfix(mse=f"{mse:.3g}")
    if bar is not None:
        bar.close()
    return hist
