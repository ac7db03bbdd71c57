r"""Infinite-width predictions: NNGP inference and NTK gradient descent on MSE, in closed form.

Index
-----
gp_inference          NNGP posterior mean and covariance (exact Bayesian inference)
gradient_descent_mse  outputs of an infinitely wide net trained on MSE at time t (NTK)

Both follow neural-tangents' ``predict`` module (closed forms through an eigendecomposition of
the training Gram matrix) with the time scale of :func:`hermite_rev.nets.train`; see
:mod:`hermite_rev.predict`.

Place in the pipeline: :mod:`hermite_rev.predict` ``_codegen`` -> ``_compile`` -> ``_gram``
-> **_inference**.  Imports :mod:`hermite_rev._core` and ``_gram``.

The kernels may be dot-product kernels (rows put on the sphere, with a warning for rows far
from :math:`|x|^2/d = 1`) or :class:`~hermite_rev.predict.NetworkKernel` values (raw rows).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, overload

import numpy as np

from .._core.errors import HermiteRevError
from .._core.limits import LIMITS
from ._gram import matrix, prepare

if TYPE_CHECKING:
    from .._core.typing import ArrayLike, FloatArray, KernelLike, RealLike
    from ..series import TaylorCoeffs
    from ._compile import KernelFunction
    from ._network import NetworkKernel

__all__ = ["gp_inference", "gradient_descent_mse"]


def _check_train(n: int) -> None:
    if n > LIMITS["train_examples"]:
        raise HermiteRevError(
            f"X_train has {n} rows, more than LIMITS['train_examples'] = {LIMITS['train_examples']}: the closed "
            f"form needs a dense {n} x {n} eigendecomposition; subsample the training set"
        )


def _targets(Y: ArrayLike, n: int) -> tuple[FloatArray, bool, int]:
    """``Y_train`` as an (n, k) float64 array scaled by a power of 2 (exact), whether it was a
    vector, and the scale (so that labels ~1e308 do not overflow on the way)."""
    try:
        Yarr = np.asarray(Y)
    except Exception:
        raise HermiteRevError(f"Y_train must be an array of real numbers, got {type(Y).__name__}") from None
    if Yarr.dtype.kind == "c":
        raise HermiteRevError(
            f"Y_train must be real, got dtype {Yarr.dtype}: fit the real and imaginary parts separately "
            f"(as two columns)"
        )
    if Yarr.dtype.kind not in "biuf":
        raise HermiteRevError(f"Y_train must hold real numbers, got dtype {Yarr.dtype}")
    Yarr = np.asarray(Yarr, dtype=np.float64)
    vector = Yarr.ndim == 1
    if vector:
        Yarr = Yarr[:, None]
    if Yarr.ndim != 2 or Yarr.shape[0] != n:
        raise HermiteRevError(f"Y_train must have shape ({n},) or ({n}, k), got {np.shape(Y)}")
    if not np.all(np.isfinite(Yarr)):
        i = tuple(np.argwhere(~np.isfinite(Yarr))[0])
        raise HermiteRevError(f"Y_train must be finite, got Y_train{list(i[: 1 if vector else 2])}={Yarr[i]}")
    top = float(np.max(np.abs(Yarr))) if Yarr.size else 0.0
    e = math.frexp(top)[1] - 1 if top > 0 else 0
    return np.ldexp(Yarr, -e), vector, e


def _finite_out(out: FloatArray, e: int, what: str) -> FloatArray:
    """``out * 2**e`` (undoing the label scale), refused when it does not fit a float64."""
    with np.errstate(over="ignore", invalid="ignore"):
        res = np.ldexp(out, e)
    if not np.all(np.isfinite(res)):
        raise HermiteRevError(
            f"the {what} overflow float64: Y_train reaches |y| = {math.ldexp(1.0, e):.3g} or more and the "
            f"predictions are {float(np.max(np.abs(out))):.3g} times that; rescale Y_train"
        )
    return res


def _reg(value: RealLike, name: str = "diag_reg") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise HermiteRevError(f"{name} must be a non-negative number, got {name}={value!r}") from None
    if not math.isfinite(v) or v < 0:
        raise HermiteRevError(f"{name} must be a non-negative number, got {name}={value!r}")
    return v


def _eigh(Kdd: FloatArray, diag_reg: float, what: str) -> tuple[FloatArray, FloatArray, float]:
    n = Kdd.shape[0]
    A = Kdd.copy()
    if diag_reg:
        with np.errstate(over="ignore"):
            ridge = diag_reg * (np.trace(Kdd) / n)
        if not math.isfinite(ridge) or ridge > np.finfo(np.float64).max / (4 * n):
            raise HermiteRevError(
                f"diag_reg={diag_reg!r} is too large: the ridge diag_reg * tr(K)/n = {ridge:.3g} overflows "
                f"the {what} solve in float64"
            )
        A[np.diag_indices(n)] += ridge
    lam, U = np.linalg.eigh(A)
    tol = n * np.finfo(np.float64).eps * max(float(np.max(np.abs(lam))), 1e-300)
    if lam[0] < -tol:
        raise HermiteRevError(
            f"the training {what} Gram matrix is indefinite (smallest eigenvalue {lam[0]:.3g} < -{tol:.3g}, "
            f"n * eps * largest): the kernel is not positive semi-definite on these inputs, so the "
            f"predictions are undefined; use a positive-definite kernel"
        )
    return lam, U, tol


def _singular(lam: FloatArray, tol: float, what: str) -> HermiteRevError:
    return HermiteRevError(
        f"the training {what} Gram matrix is singular (smallest eigenvalue {lam[0]:.3g} <= {tol:.3g}, "
        f"n * eps * largest): duplicate or antipodal-equivalent training inputs, or a kernel of low rank; "
        f"pass diag_reg > 0"
    )


def gp_inference(
    K_nngp: KernelLike | TaylorCoeffs | KernelFunction | NetworkKernel,
    X_train: ArrayLike,
    Y_train: ArrayLike,
    X_test: ArrayLike,
    diag_reg: RealLike = 0.0,
) -> tuple[FloatArray, FloatArray]:
    r"""Exact Bayesian inference with the NNGP: posterior mean and covariance on ``X_test``.

    .. math:: \mu = K_{*d} (K_{dd} + \lambda I)^{-1} Y, \qquad
              \Sigma = K_{**} - K_{*d} (K_{dd} + \lambda I)^{-1} K_{d*},
              \qquad \lambda = \mathtt{diag\_reg}\cdot \mathrm{tr}(K_{dd})/n

    (``diag_reg`` is relative to the mean diagonal, as in neural-tangents' ``predict``.)
    Solved through the eigendecomposition of the symmetric :math:`K_{dd} + \lambda I`.

    Parameters
    ----------
    K_nngp : kernel
        Anything :func:`gram` accepts (usually an NNGP).
    X_train : array (n, d)
    Y_train : array (n,) or (n, k)
    X_test : array (m, d)
    diag_reg : float
        Non-negative; observation noise variance relative to the mean diagonal.

    Returns
    -------
    mean : ndarray (m,) or (m, k)
    cov : ndarray (m, m)

    Raises
    ------
    HermiteRevError
        The regularized training Gram matrix is singular (e.g. duplicate inputs with
        ``diag_reg=0``) or indefinite (not a kernel on these inputs); ``diag_reg`` so large
        that the ridge overflows; complex or non-finite labels, or labels so large that the
        mean overflows.

    Examples
    --------
    >>> import numpy as np, hermite_rev as hr
    >>> X = np.sqrt(2) * np.eye(2); y = np.array([1.0, -1.0])
    >>> mean, cov = hr.predict.gp_inference(hr.kernels.relu_nngp(), X, y, X)
    >>> np.allclose(mean, y), np.allclose(cov, 0, atol=1e-12)
    (True, True)
    """
    K, U, T = prepare(K_nngp, X_train, X_test)
    _check_train(U.shape[0])
    Y, vector, yscale = _targets(Y_train, U.shape[0])
    reg = _reg(diag_reg)
    Kdd = matrix(K, U)
    Ktd = matrix(K, T, U)
    Ktt = matrix(K, T)
    lam, V, tol = _eigh(Kdd, reg, "NNGP")
    if lam[0] <= tol:
        raise _singular(lam, tol, "NNGP")
    W = (Ktd @ V) / lam  # K_*d V Lambda^{-1}
    mean = W @ (V.T @ Y)
    cov = Ktt - W @ (V.T @ Ktd.T)
    cov = (cov + cov.T) / 2
    mean = _finite_out(mean, yscale, "posterior means")
    return (mean[:, 0] if vector else mean), cov


def _time_factor(lam: FloatArray, n: int, t: float, lr: float | None) -> tuple[FloatArray, FloatArray]:
    r"""Diagonal of :math:`\Theta^{-1}(I - M_t)` in the eigenbasis (finite even where lam = 0)."""
    if lr is None:  # gradient flow: M_t = exp(-Theta t / n)
        x = lam * (t / n)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(np.abs(x) > 1e-300, -np.expm1(-x) / lam, t / n)
        return out, -np.expm1(-x)
    # gradient descent: M_t = (I - lr Theta / n)^t
    x = lr * lam / n
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if np.all(x < 1):
            one_minus = -np.expm1(t * np.log1p(-x))
        else:  # some modes oscillate (1 <= x < 2): t is a whole number of epochs (checked)
            one_minus = 1 - np.power(1 - x, t)
        out = np.where(np.abs(lam) > 1e-300, one_minus / lam, t * lr / n)
    return out, one_minus


def _check_lr(lr: float, t: float | None, lam: FloatArray, n: int) -> None:
    """Refuse a learning rate for which GD diverges, and a fractional t where modes oscillate."""
    with np.errstate(over="ignore"):
        x_max = lr * float(lam[-1]) / n
    bound = 2 * n / float(lam[-1])
    if x_max >= 2:
        what = "the infinite-time limit does not exist" if t is None else "the outputs blow up like |1 - lr lambda/n|^t"
        raise HermiteRevError(
            f"lr={lr!r} makes gradient descent diverge for this NTK (stable only for lr < 2/lambda_max(Theta/n) "
            f"= 2n/lambda_max = {bound:.6g}): {what}"
        )
    if t is not None and x_max > 1 and t != math.floor(t):
        raise HermiteRevError(
            f"t={t!r} is not a whole number of epochs, and with lr={lr!r} > n/lambda_max = {bound / 2:.6g} "
            f"some modes change sign every epoch, so gradient descent has no value between epochs; pass a "
            f"whole t, a smaller lr, or lr=None (gradient flow)"
        )


@overload
def gradient_descent_mse(
    K_ntk: KernelLike | TaylorCoeffs | KernelFunction | NetworkKernel,
    X_train: ArrayLike,
    Y_train: ArrayLike,
    X_test: ArrayLike,
    t: RealLike | None = None,
    lr: RealLike | None = None,
    *,
    diag_reg: RealLike = 0.0,
    K_nngp: None = None,
) -> tuple[FloatArray, FloatArray]: ...


@overload
def gradient_descent_mse(
    K_ntk: KernelLike | TaylorCoeffs | KernelFunction | NetworkKernel,
    X_train: ArrayLike,
    Y_train: ArrayLike,
    X_test: ArrayLike,
    t: RealLike | None = None,
    lr: RealLike | None = None,
    *,
    diag_reg: RealLike = 0.0,
    K_nngp: KernelLike | TaylorCoeffs | KernelFunction | NetworkKernel,
) -> tuple[FloatArray, FloatArray, FloatArray]: ...


def gradient_descent_mse(
    K_ntk: KernelLike | TaylorCoeffs | KernelFunction | NetworkKernel,
    X_train: ArrayLike,
    Y_train: ArrayLike,
    X_test: ArrayLike,
    t: RealLike | None = None,
    lr: RealLike | None = None,
    *,
    diag_reg: RealLike = 0.0,
    K_nngp: KernelLike | TaylorCoeffs | KernelFunction | NetworkKernel | None = None,
) -> tuple[FloatArray, FloatArray] | tuple[FloatArray, FloatArray, FloatArray]:
    r"""Outputs of an infinitely wide network trained on MSE, on the training and test inputs.

    With :func:`hermite_rev.nets.train`'s loss :math:`L = \frac{1}{2n}\sum_i |f(x_i) - y_i|^2`,
    learning rate :math:`\eta` and the output centred at initialization (:math:`f_0 = 0`),
    the infinitely wide net moves in function space by kernel gradient descent with the NTK
    :math:`\Theta`:

    .. math:: f_t(X) = (I - M_t)\, Y, \qquad
              f_t(x_*) = \Theta_{*d}\, \Theta_{dd}^{-1} (I - M_t)\, Y,

    .. math:: M_t = (I - \tfrac{\eta}{n}\Theta_{dd})^t \;(\text{GD, } t \text{ epochs, given } \eta),
              \qquad M_t = e^{-\Theta_{dd} t / n} \;(\text{gradient flow, } \eta = \text{None}),

    so ``t`` epochs of ``train(net, X, Y, lr, epochs=t)`` correspond to ``t=t, lr=lr`` here
    and gradient-flow time is ``lr * epochs``.  ``t=None`` is the infinite-time limit
    :math:`f_\infty(x_*) = \Theta_{*d}\Theta_{dd}^{-1} Y` (kernel regression with the NTK).
    :math:`\Theta_{dd}^{-1}(I - M_t)` is evaluated in the eigenbasis of :math:`\Theta_{dd}`
    with ``expm1``/``log1p``; for finite t it is finite even where :math:`\Theta_{dd}` is
    singular.

    Parameters
    ----------
    K_ntk : kernel
        The NTK (anything :func:`gram` accepts).
    X_train, Y_train, X_test : arrays
        (n, d), (n,) or (n, k), (m, d).
    t : float or None
        Training time in epochs (GD) or in gradient-flow units (``lr=None``); None = infinity.
    lr : float or None
        Learning rate of the GD run being predicted; None = gradient flow.
    diag_reg : float
        Adds ``diag_reg * tr(Theta)/n`` to the diagonal of :math:`\Theta_{dd}` (ridge).
    K_nngp : kernel or None
        The NNGP.  When given, the function also returns the covariance of the test outputs
        over random initializations of a net trained *without* centring (Lee et al. 2019,
        eq. 16): with :math:`A = \Theta_{*d}\Theta_{dd}^{-1}(I - M_t)`,
        :math:`\Sigma = K_{**} - A K_{d*} - K_{*d} A^T + A K_{dd} A^T`.

    Returns
    -------
    f_train : ndarray (n,) or (n, k)
    f_test : ndarray (m,) or (m, k)
    cov_test : ndarray (m, m), only when ``K_nngp`` is given

    Raises
    ------
    HermiteRevError
        ``t=None`` with a singular NTK Gram matrix; a learning rate for which GD diverges
        (:math:`\eta \lambda_{max}/n \ge 2`), at any t; a fractional t where some modes
        oscillate (:math:`\eta \lambda_{max}/n > 1`); an indefinite NTK Gram matrix; a
        ``diag_reg`` whose ridge overflows; complex or non-finite labels, or labels so large
        that the outputs overflow; negative t or lr.

    Examples
    --------
    >>> import numpy as np, hermite_rev as hr
    >>> X = np.array([[2**0.5, 0.0], [0.0, 2**0.5], [1.0, 1.0]]); y = np.array([1.0, -1.0, 0.5])
    >>> f_tr, f_te = hr.predict.gradient_descent_mse(hr.kernels.relu_ntk(), X, y, X)
    >>> np.allclose(f_tr, y), np.allclose(f_te, y)
    (True, True)
    """
    K, U, T = prepare(K_ntk, X_train, X_test)
    n = U.shape[0]
    _check_train(n)
    Y, vector, yscale = _targets(Y_train, n)
    reg = _reg(diag_reg)
    if t is not None:
        t = _reg(t, "t")
    if lr is not None:
        lr = _reg(lr, "lr")
        if lr == 0:
            raise HermiteRevError(f"lr must be positive, got lr={lr!r}")
    Kdd = matrix(K, U)
    Ktd = matrix(K, T, U)
    lam, V, tol = _eigh(Kdd, reg, "NTK")
    if lr is not None:
        _check_lr(lr, t, lam, n)
    if t is None:
        if lam[0] <= tol:
            raise _singular(lam, tol, "NTK")
        factor, one_minus = 1.0 / lam, np.ones_like(lam)
    else:
        factor, one_minus = _time_factor(lam, n, t, lr)
    VY = V.T @ Y
    f_train = V @ (one_minus[:, None] * VY)
    if reg:
        # with a ridge the training outputs follow the regularized kernel too
        f_train = Kdd @ (V @ (factor[:, None] * VY))
    A = (Ktd @ V) * factor  # Theta_*d V diag(factor)
    f_test = A @ VY
    f_train = _finite_out(f_train, yscale, "training outputs")
    f_test = _finite_out(f_test, yscale, "test outputs")
    out_train = f_train[:, 0] if vector else f_train
    out_test = f_test[:, 0] if vector else f_test
    if K_nngp is None:
        return out_train, out_test
    S, U, T = prepare(K_nngp, X_train, X_test)
    Sdd = matrix(S, U)
    Std = matrix(S, T, U)
    Stt = matrix(S, T)
    Afull = A @ V.T  # Theta_*d Theta^{-1} (I - M_t), (m, n)
    cov = Stt - Afull @ Std.T - Std @ Afull.T + Afull @ Sdd @ Afull.T
    return out_train, out_test, (cov + cov.T) / 2
