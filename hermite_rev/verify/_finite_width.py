r"""Finite-width checks: empirical kernels of real networks, width scaling, the kernel regime.

Place: the verify stage, above :mod:`._analytic` (the reference values); imports
:mod:`hermite_rev._core`, :mod:`hermite_rev.nets` (the networks) and :mod:`hermite_rev.sweep`
(each (width, seed) is one pure task, run serially, on local processes or on Dask).

Index
-----
empirical_kernel    NNGP / NTK of a real finite-width FCN at initialization
width_scaling       fit err(width) ~ width^p of the empirical kernel (p should be -1/2)
kernel_regime_gap   trained net vs kernel gradient descent with the analytic NTK (Jacot et al.)
regime_gap_task     one (width, seed) of kernel_regime_gap: a pure task for hermite_rev.sweep
DEFAULT_WIDTHS      width_scaling's default widths: 64, 256, ..., 16384
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from .._core.errors import HermiteRevError, HermiteRevWarning
from .._core.limits import LIMITS, check_size
from .._core.text import short
from .._core.validate import check_kind, check_positive_int, exact_number
from ..nets import FCN, train
from ..sweep import run_tasks
from ._analytic import analytic_kernel
from ._checks import DEFAULT_CS, bounded_list, check_cs, seed_list

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from numpy.typing import DTypeLike

    from .._core.typing import ActivationLike, ArrayLike, FloatArray, Kind, RealLike
    from ..activations import ActivationFunction
    from ..family import Activation

__all__ = ["empirical_kernel", "width_scaling", "kernel_regime_gap", "regime_gap_task", "DEFAULT_WIDTHS"]

DEFAULT_WIDTHS = tuple(2**k for k in range(6, 15, 2))  # width_scaling: 64 .. 16384


def _loglog_fit(lw: Any, values: Any, who: str, what: str) -> tuple[float, float]:
    """(slope, intercept) of log(values) against lw; NaN, said by a HermiteRevWarning, when the fit
    is degenerate (one distinct width, or a zero or non-finite value: no power law to fit)."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(values)
    if len(set(np.asarray(lw).tolist())) < 2 or not np.all(np.isfinite(logs)):
        why = "one distinct width" if len(set(np.asarray(lw).tolist())) < 2 else f"some {what} are 0 or not finite"
        warnings.warn(
            f"{who}: the exponent is NaN: a power law needs two or more distinct widths and positive, "
            f"finite {what} ({why})",
            HermiteRevWarning,
            stacklevel=3,
        )
        return float("nan"), float("nan")
    p, logc = np.polyfit(lw, logs, 1)
    return float(p), float(logc)


def _pair_inputs(cs: ArrayLike, d_in: int = 2) -> FloatArray:
    """x_0 = sqrt(d) e_1 and x_c = sqrt(d)(c e_1 + sqrt(1-c^2) e_2): |x|^2/d = 1, cosine c."""
    cs = np.asarray(cs, dtype=np.float64)
    X = np.zeros((cs.size + 1, d_in))
    X[0, 0] = 1.0
    X[1:, 0] = cs
    if d_in > 1:
        X[1:, 1] = np.sqrt(np.clip(1 - cs * cs, 0, None))
    return X * math.sqrt(d_in)


@overload
def empirical_kernel(
    act_or_name: ActivationLike | Activation | ActivationFunction,
    kind: Kind = "ntk",
    width: int = 2**14,
    cs: RealLike | Iterable[RealLike] = DEFAULT_CS,
    seed: int = 0,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    *,
    sigma_w_last: RealLike = 1,
    sigma_b_last: RealLike = 0,
    d_in: int = 2,
    dtype: DTypeLike = np.float64,
    trials: int = 1,
    return_std: Literal[False] = False,
) -> FloatArray: ...


@overload
def empirical_kernel(
    act_or_name: ActivationLike | Activation | ActivationFunction,
    kind: Kind = "ntk",
    width: int = 2**14,
    cs: RealLike | Iterable[RealLike] = DEFAULT_CS,
    seed: int = 0,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    *,
    sigma_w_last: RealLike = 1,
    sigma_b_last: RealLike = 0,
    d_in: int = 2,
    dtype: DTypeLike = np.float64,
    trials: int = 1,
    return_std: Literal[True],
) -> tuple[FloatArray, FloatArray]: ...


def empirical_kernel(
    act_or_name: ActivationLike | Activation | ActivationFunction,
    kind: Kind = "ntk",
    width: int = 2**14,
    cs: RealLike | Iterable[RealLike] = DEFAULT_CS,
    seed: int = 0,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    *,
    sigma_w_last: RealLike = 1,
    sigma_b_last: RealLike = 0,
    d_in: int = 2,
    dtype: DTypeLike = np.float64,
    trials: int = 1,
    return_std: bool = False,
) -> FloatArray | tuple[FloatArray, FloatArray]:
    r"""NNGP or NTK of a finite-width FCN at initialization, at each cosine in ``cs``.

    The network is :class:`hermite_rev.nets.FCN` (NTK parameterization, ``depth`` hidden
    layers of ``width`` units, readout Dense(sigma_w_last, sigma_b_last)), evaluated on
    x_0 and x_c with |x|^2/d = 1 and cosine c.  NTK: the inner product of the gradients of
    output 0 with respect to all weights and biases of all layers; NNGP: the readout's
    conditional covariance sigma_w_last^2/n a_L(x_0) . a_L(x_c) + sigma_b_last^2.  Both
    converge to the analytic kernels as width -> oo with fluctuations ~ width^(-1/2)
    (:func:`width_scaling`).  One hidden layer of width 2^16 takes about a tenth of a second.

    Parameters
    ----------
    trials : int
        Independent networks (seeds ``seed, seed + 1, ..., seed + trials - 1``; an integer
        ``seed`` when ``trials > 1``); the values returned are their mean.
    return_std : bool
        Also return the standard deviation across the ``trials`` networks (``ddof=1``: the
        spread of one network's kernel around the infinite-width one; the standard error of
        the returned mean is ``std / sqrt(trials)``).  Needs ``trials >= 2``.

    Returns
    -------
    numpy.ndarray of float64, one value per cosine; with ``return_std``, the pair
    ``(mean, std)`` of such arrays.

    Examples
    --------
    >>> import numpy as np
    >>> k = empirical_kernel("relu", "ntk", width=2**16, cs=[0.0, 1.0], seed=0)
    >>> np.round(k, 2)                       # analytic: 1/(2 pi) = 0.16 and 1.0
    array([0.16, 1.  ])
    >>> mean, std = empirical_kernel("relu", width=256, cs=[0.5], trials=8, return_std=True)
    >>> bool(0.005 < std[0] < 0.1)         # about width^(-1/2) / 3 for one network
    True
    """

    kind = check_kind(kind)
    width = check_size(width, "width")
    depth = check_size(depth, "depth", "kernel_depth")
    cosines = [float(v) for v in check_cs(cs)]
    d_in = check_positive_int(d_in, "d_in")
    inner = [v for v in cosines if abs(v) < 1]
    if d_in < 2 and inner:
        raise HermiteRevError(
            f"d_in must be >= 2 to realise a cosine strictly inside (-1, 1) (only +-1 "
            f"need d_in = 1), got d_in={d_in} with {inner[0]!r} in cs"
        )
    trials = check_size(trials, "trials", "seeds")
    if not isinstance(return_std, (bool, np.bool_)):
        raise HermiteRevError(f"return_std must be True or False, got return_std={return_std!r}")
    if return_std and trials < 2:
        raise HermiteRevError(f"return_std=True needs trials >= 2 networks to measure a spread, got trials={trials}")
    if trials > 1 and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)):
        raise HermiteRevError(
            f"trials={trials} networks take the seeds seed, seed + 1, ...: seed must be an integer, got seed={seed!r}"
        )
    entries = (len(cosines) + 1) * width * depth
    if entries > LIMITS["activation_entries"]:
        # before: numpy's MemoryError ("Unable to allocate 3.05 TiB") at width 2^22 with 10^5 cosines
        raise HermiteRevError(
            f"empirical_kernel with {len(cosines)} cosines at width={width}, depth={depth} holds "
            f"{entries:.3g} activations (more than {LIMITS['activation_entries']}, "
            f"{LIMITS['activation_entries'] * 8 / 2**30:.0f} GiB of float64): use fewer cosines or a smaller width"
        )
    X = _pair_inputs(cosines, d_in)
    rows = []
    for t in range(trials):
        net = FCN(
            d_in,
            [width] * depth,
            act_or_name,
            sigma_w,
            sigma_b,
            seed if trials == 1 else int(seed) + t,
            sigma_w_last=sigma_w_last,
            sigma_b_last=sigma_b_last,
            dtype=dtype,
        )
        rows.append(np.asarray(net.kernel(X[:1], X[1:], kind)[0], dtype=np.float64))
    values = np.asarray(rows)
    if not np.all(np.isfinite(values)):
        raise HermiteRevError(
            f"empirical_kernel: the finite net's kernel of act_or_name={short(repr(act_or_name), 40)} overflows "
            f"float64 (sigma_w={short(repr(sigma_w), 30)}, "
            f"sigma_b={short(repr(sigma_b), 30)}, width={width}, depth={depth}): use smaller layer scales"
        )
    mean = values[0] if trials == 1 else values.mean(axis=0)
    if return_std:
        return mean, values.std(axis=0, ddof=1)
    return mean


def width_scaling(
    act: ActivationLike | Activation | ActivationFunction = "relu",
    kind: Kind = "ntk",
    widths: Sequence[int] = DEFAULT_WIDTHS,
    seeds: Iterable[int] = range(4),
    cs: Iterable[RealLike] = DEFAULT_CS,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    *,
    reference: ArrayLike | None = None,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    r"""Fit the finite-width error of the empirical kernel to ``C * width^p``; p should be -1/2.

    For each width the error is the root-mean-square of (empirical - analytic) over ``cs``
    and ``seeds``; p is the least-squares slope of log(error) against log(width), with a
    standard error from the per-seed slopes.

    Parameters
    ----------
    act : activation spec (see :func:`hermite_rev.nets.net_activation`)
    reference : array or None
        Analytic kernel at ``cs``; default :func:`analytic_kernel`.
    client, scheduler, workers, progress :
        Each (width, seed) is one pure task (:func:`empirical_kernel`), run by
        :func:`hermite_rev.sweep.run_tasks`: on a Dask ``client`` / ``scheduler`` address, or
        locally on ``workers`` processes (None: one per core; 1: serially here).  The result does
        not depend on where the tasks run.

    Returns
    -------
    dict
        ``exponent``, ``exponent_stderr``, ``prefactor``, ``widths``, ``rms_error`` (one per
        width), ``per_seed_exponents``, ``reference``.  ``exponent_stderr`` is NaN, with a
        ``HermiteRevWarning``, for a single seed.

    Examples
    --------
    >>> r = width_scaling("relu", widths=[64, 256, 1024, 4096], seeds=range(3))
    >>> -0.7 < r["exponent"] < -0.3
    True
    """

    kind = check_kind(kind)
    widths = [check_size(w, "width") for w in bounded_list(widths, "widths", LIMITS["seeds"])]
    seeds = seed_list(seeds)
    if len(widths) < 2 or not seeds:
        raise HermiteRevError(f"need at least two widths and one seed, got widths={widths}, seeds={seeds}")
    cs = [float(v) for v in check_cs(cs)]
    ref = np.asarray(
        reference
        if reference is not None
        else analytic_kernel(act, kind, cs, depth=depth, sigma_w=sigma_w, sigma_b=sigma_b),
        dtype=float,
    )
    tasks = [(act, kind, w, cs, s, depth, sigma_w, sigma_b) for w in widths for s in seeds]
    emps = run_tasks(
        empirical_kernel,
        tasks,
        client=client,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc=f"width scaling: {len(widths)} widths x {len(seeds)} seeds",
    )
    err = np.array([math.sqrt(float(np.mean((emp - ref) ** 2))) for emp in emps]).reshape(len(widths), len(seeds))
    lw = np.log(widths)
    rms = np.sqrt(np.mean(err**2, axis=1))
    p, logc = _loglog_fit(lw, rms, "width_scaling", "rms kernel errors")
    per_seed = [_loglog_fit(lw, err[:, j], "width_scaling", "errors of one seed")[0] for j in range(len(seeds))]
    if len(seeds) > 1:
        se = float(np.std(per_seed, ddof=1) / math.sqrt(len(seeds)))
    else:  # announced: the fuzzer found this NaN returned without a word
        se = float("nan")
        warnings.warn(
            f"width_scaling: exponent_stderr is NaN: a standard error needs two or more seeds, got seeds={seeds}",
            HermiteRevWarning,
            stacklevel=2,
        )
    return {
        "exponent": float(p),
        "exponent_stderr": se,
        "prefactor": float(math.exp(logc)),
        "widths": widths,
        "rms_error": rms.tolist(),
        "errors": err.tolist(),
        "per_seed_exponents": per_seed,
        "reference": ref.tolist(),
        "cs": cs,
        "kind": kind,
    }


# --------------------------------------------------------------------------------------------
# function-space check (Jacot et al.)
# --------------------------------------------------------------------------------------------


def kernel_regime_gap(
    act: ActivationLike | Activation | ActivationFunction = "relu",
    widths: Sequence[int] = (256, 1024, 4096, 16384),
    *,
    n_train: int = 16,
    d_in: int = 8,
    lr: float = 0.5,
    epochs: int = 200,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    seed: int = 0,
    seeds: Iterable[int] = range(3),
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    r"""Trained finite nets vs kernel gradient descent with the analytic NTK.

    With :func:`hermite_rev.nets.train`'s loss :math:`L = \frac1{2n}\sum_i (f(x_i) - y_i)^2`
    and the output centred at initialization, an infinitely wide net's training outputs obey
    :math:`f_{t+1} = f_t - \frac{\eta}{n}\Theta(f_t - y)`, i.e.

    .. math:: f_t = \big(I - (I - \tfrac{\eta}{n}\Theta)^t\big) y
              \;\approx\; \big(I - e^{-\eta \Theta t / n}\big) y ,

    the discrete form of Jacot et al.'s :math:`(I - e^{-\eta K t}) y` (whose loss is the
    un-normalized sum).  For each width this trains a net on random inputs with |x|^2/d = 1 and
    targets y = sign of a random linear function, and reports the largest deviation over the
    training set and all epochs, relative to max |y|, as the root-mean-square over the network
    initializations ``seeds`` (the data set is drawn from ``seed``).  Fits gap ~ width^p
    (expected p ~ -1/2).

    Each (width, seed) is one pure task (:func:`regime_gap_task`), run by
    :func:`hermite_rev.sweep.run_tasks` on a Dask ``client`` / ``scheduler`` address, or locally
    on ``workers`` processes (None: one per core; 1: serially here), with the same result.

    Returns
    -------
    dict
        ``widths``, ``gap`` (one per width), ``exponent``, ``final_gap`` (at the last epoch),
        ``kernel_train_mse`` (of the kernel prediction at the last epoch), ``lr``, ``epochs``.
        ``exponent`` is NaN, with a ``HermiteRevWarning`` that says why, for one distinct width
        or a gap of 0 (no power law to fit).
    """

    widths = [check_size(w, "width") for w in bounded_list(widths, "widths", LIMITS["seeds"])]
    if not widths:
        raise HermiteRevError("widths must name at least one hidden width, got widths=[]")
    n_train = check_size(n_train, "n_train", "examples")
    d_in = check_size(d_in, "d_in", "width")
    epochs = check_size(epochs, "epochs")
    seeds = seed_list(seeds)
    seed = check_size(seed, "seed", low=0)
    lr = float(exact_number(lr, "lr", positive=True))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_train, d_in))
    X = X / np.linalg.norm(X, axis=1, keepdims=True) * math.sqrt(d_in)
    y = np.sign(X @ rng.standard_normal(d_in))
    C = np.clip(X @ X.T / d_in, -1, 1)
    cs = np.unique(np.round(C.ravel(), 15))
    kv = analytic_kernel(act, "ntk", cs, depth=depth, sigma_w=sigma_w, sigma_b=sigma_b)
    Theta = np.interp(C.ravel(), cs, kv).reshape(C.shape)
    lam, U = np.linalg.eigh(Theta)
    if lr * lam.max() / n_train >= 2:
        raise HermiteRevError(  # names act too: a huge activation (act=10**20) makes any lr unstable
            f"lr={lr} is unstable for the NTK of act={short(repr(act), 40)} (largest eigenvalue "
            f"{lam.max():.3g}: needs lr < {2 * n_train / lam.max():.3g})"
        )
    uy = U.T @ y
    decay = 1 - lr * lam / n_train

    def kernel_f(t: float) -> FloatArray:
        return U @ ((1 - decay**t) * uy)

    if not seeds:
        raise HermiteRevError("seeds must name at least one network initialization, got seeds=[]")
    tasks = [
        (act, X, y, U, uy, decay, w, 1000 + int(s), depth, sigma_w, sigma_b, lr, epochs) for w in widths for s in seeds
    ]
    outs = run_tasks(
        regime_gap_task,
        tasks,
        client=client,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc=f"kernel regime: {len(widths)} widths x {len(seeds)} seeds",
    )
    ymax = float(np.max(np.abs(y)))
    gaps, finals = [], []
    for i in range(len(widths)):
        mine = outs[i * len(seeds) : (i + 1) * len(seeds)]
        gaps.append(float(np.sqrt(np.mean(np.square([g / ymax for g, _ in mine])))))
        finals.append(float(np.sqrt(np.mean(np.square([f / ymax for _, f in mine])))))
    p = _loglog_fit(np.log(widths), np.asarray(gaps), "kernel_regime_gap", "gaps")[0]
    kf = kernel_f(epochs)
    return {
        "widths": widths,
        "gap": gaps,
        "final_gap": finals,
        "exponent": p,
        "lr": lr,
        "epochs": epochs,
        "kernel_train_mse": float(np.mean((kf - y) ** 2)),
        "n_train": n_train,
        "d_in": d_in,
    }


def regime_gap_task(
    act: Any,
    X: FloatArray,
    y: FloatArray,
    U: FloatArray,
    uy: FloatArray,
    decay: FloatArray,
    width: int,
    net_seed: int,
    depth: int,
    sigma_w: RealLike,
    sigma_b: RealLike,
    lr: float,
    epochs: int,
) -> tuple[float, float]:
    """One (width, seed) of :func:`kernel_regime_gap`: train the net, compare with kernel GD.

    Returns ``(largest deviation over epochs, deviation at the last epoch)`` (absolute).
    """
    net = FCN(X.shape[1], [width] * depth, act, sigma_w, sigma_b, net_seed)
    worst = [0.0, 0.0]

    def cb(t: int, F: FloatArray) -> None:
        g = float(np.max(np.abs(F[:, 0] - U @ ((1 - decay**t) * uy))))
        worst[0] = max(worst[0], g)
        worst[1] = g

    train(net, X, y, lr, epochs, progress=False, callback=cb)
    return worst[0], worst[1]
