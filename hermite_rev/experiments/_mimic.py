"""The mimic experiment: 1HL ReLU vs 4HL ReLU vs 1HL activations whose NTK is the 4HL ReLU NTK.

Place in the pipeline: experiments stage, one of the three experiments (beside :mod:`._parity`
and :mod:`._figure1`); uses :mod:`._data`, :mod:`._trials` and :mod:`._figures` below it,
:func:`hermite_rev.reverse`, :func:`hermite_rev.fit.fit_kernel` and the kernels.  It computes
and draws; it prints nothing but the time estimate and progress bar of a run (stderr).

Index
-----
mimic_activations  the mimics of the 4HL ReLU NTK (truncated Hermite series: all signs + and the
                   member realizable at the simulated width; fitted bounded form)
mimic_task         one (trial, network) of mimic on the wine data as a pure function
curve_distance     RMS over epochs of the log10 difference of two MSE curves
mimic_run          the experiment, returned with the function that draws its figure
mimic              wine (or any (X, y)): the result, and the figure written to ``out``
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from .. import fit, kernels
from .._core.errors import HermiteRevError
from .._core.exprs import c
from .._core.limits import check_size
from ..family import reverse
from ._data import classification_data, wine_data
from ._figures import mimic_figure
from ._result import ExperimentResult, ExperimentRun
from ._trials import LR, collect, infinite_width, run_trials, summarise, train_net

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Mapping, Sequence

    from numpy.typing import DTypeLike

    from .._core.typing import ArrayLike, FloatArray, RealLike

__all__ = ["mimic_activations", "mimic_task", "curve_distance", "mimic_run", "mimic"]


def mimic_task(
    trial_seed: int,
    widths: Sequence[int],
    act: Any,
    sigma_w: RealLike,
    sigma_b: RealLike,
    epochs: int,
    progress: bool = False,
    dtype: DTypeLike = np.float32,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One (trial, network) of :func:`mimic` on the wine data as a pure function: ``(final metrics, curves)``."""
    cfg = {
        "widths": widths,
        "activation": act,
        "sigma_w": sigma_w,
        "sigma_b": sigma_b,
        "lr": LR,
        "epochs": epochs,
        "stop_mse": None,
        "eval_every": 1,
    }
    return train_net("", cfg, wine_data(trial_seed), trial_seed, dtype)


def mimic_activations(
    fast: bool, use_fit: bool | None, width: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``({network name: activation}, info)``: the mimics of ``relu_ntk(4, sqrt(2), 1/10)``.

    The truncated Hermite series (24 terms when ``fast``, else 40) with all signs +; with
    ``width``, also the member of the same sign family a width-``width`` net realises best
    (``fam.best("fluctuation", width=width)``: same kernel, other signs); with ``use_fit``,
    :func:`hermite_rev.fit.fit_kernel`'s bounded form.  ``info`` says how they were built (the
    finite-width member's signs as a string of + and -, and its share of E[phi^2], E[phi'^2]
    within sqrt(2 ln width), next to the all-+ member's).
    """
    K = kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    n = 24 if fast else 40
    fam = reverse(K, "ntk", n=n, dps=30)
    plus = fam.activation()
    acts = {f"1HL mimic (Hermite, {n} terms)": plus}
    info: dict[str, Any] = {
        "series_terms": n,
        "tail_bound": float(fam.tail().bound),
        "K1": float(K.subs(c, 1).evalf()),
    }
    if width is not None:
        best = fam.best("fluctuation", width=width)
        assert best.finite_width is not None  # the fluctuation criterion always reports it
        acts[f"1HL mimic (finite-width member, {n} terms)"] = best.activation
        fw_plus = plus.finite_width(width, "ntk", cs=[1])
        info["finite_width_member"] = {
            "criterion": f"fluctuation, width {width}",
            "signs": "".join("+" if s > 0 else "-" for s in best.signs),
            "mass_within": float(best.finite_width.mass_within),
            "mass_within_grad": float(best.finite_width.mass_within_grad),
            "all_plus_mass_within": float(fw_plus.mass_within),
            "all_plus_mass_within_grad": float(fw_plus.mass_within_grad),
        }
    if use_fit:
        res = fit.fit_kernel(K, restarts=2 if fast else 8)
        acts["1HL mimic (fitted bounded form)"] = res.expr()
        info["fit_sup_error"] = float(res.sup_error)
        info["fit_seconds"] = float(res.seconds)
    return acts, info


def curve_distance(h1: Mapping[str, Any], h2: Mapping[str, Any], key: str) -> float:
    """RMS over the epochs both reached of ``log10 h1[key] - log10 h2[key]``.

    >>> curve_distance({"mse": [1.0, 0.1]}, {"mse": [10.0, 0.01, 5.0]}, "mse")
    1.0
    """
    a, b = np.asarray(h1[key]), np.asarray(h2[key])
    m = min(len(a), len(b))
    return float(np.sqrt(np.mean((np.log10(a[:m]) - np.log10(b[:m])) ** 2)))


def mimic_run(
    dataset: str | tuple[ArrayLike, ArrayLike] = "wine",
    seed: int = 0,
    fast: bool = False,
    *,
    trials: int | None = None,
    progress: bool = True,
    use_fit: bool | None = None,
    dtype: DTypeLike = np.float32,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> ExperimentRun:
    """:func:`mimic` without the figure: its result, and the function that draws the figure to a path."""
    load: Callable[[int], tuple[FloatArray, FloatArray, FloatArray, FloatArray]]
    if isinstance(dataset, str):
        if dataset != "wine":
            raise HermiteRevError(
                f"dataset must be 'wine' or a pair (X, y) of features and class labels, got dataset={dataset!r}"
            )
        load, data_name = wine_data, "wine (scikit-learn, 178 x 13)"
    else:
        try:
            Xd, yd = dataset
        except (TypeError, ValueError):
            raise HermiteRevError(f"dataset must be 'wine' or a pair (X, y), got {type(dataset).__name__}") from None
        classification_data(Xd, yd)  # validate once, up front

        def load_given(s: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
            return classification_data(Xd, yd, s)

        load = load_given

        data_name = f"user data ({np.shape(Xd)[0]} x {np.shape(Xd)[1]})"
    width, epochs = (256, 150) if fast else (4096, 1000)
    trials = check_size(trials if trials is not None else (1 if fast else 3), "trials", "seeds")
    seed = check_size(seed, "seed", low=0)
    use_fit = (not fast) if use_fit is None else bool(use_fit)
    acts, info = mimic_activations(fast, use_fit, width)
    info["data"] = data_name
    common = dict(lr=LR, epochs=epochs, stop_mse=None, eval_every=1)
    nets = {
        "1HL ReLU": dict(widths=[width], activation="relu", sigma_w=math.sqrt(2), sigma_b=0.1, **common),
        "4HL ReLU": dict(widths=[width] * 4, activation="relu", sigma_w=math.sqrt(2), sigma_b=0.1, **common),
    }
    for name, act in acts.items():
        nets[name] = dict(widths=[width], activation=act, sigma_w=1.0, sigma_b=0.0, **common)
    tasks = [{"data": load(seed + t), "seed": seed + t, "dtype": dtype, "nets": nets} for t in range(trials)]
    what = (
        f"mimic ({'fast' if fast else 'full'} run: {data_name}, width {width}, {epochs} epochs, "
        f"{trials} trial(s), seeds {seed}..{seed + trials - 1})"
    )
    results = run_trials(tasks, progress, what, 0 if fast else 3, client, scheduler, workers)
    runs, curves = collect(results, nets)
    dist = {}
    for name in acts:
        d = {}
        for ref in ("4HL ReLU", "1HL ReLU"):
            for key in ("train_mse", "test_mse"):
                d[f"{key} vs {ref}"] = float(
                    np.mean([curve_distance(a, b, key) for a, b in zip(curves[name], curves[ref])])
                )
        dist[name] = d
    d = {}
    for key in ("train_mse", "test_mse"):
        d[f"{key} vs 4HL ReLU"] = float(
            np.mean([curve_distance(a, b, key) for a, b in zip(curves["1HL ReLU"], curves["4HL ReLU"])])
        )
    dist["1HL ReLU"] = d
    ntks = {
        "1HL ReLU": kernels.relu_ntk(1, sympy.sqrt(2), sympy.Rational(1, 10)),
        "4HL ReLU": kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10)),
    }
    for name, act in acts.items():
        if hasattr(act, "coeffs"):  # a truncated Hermite series: its NTK is exactly sum_k (k+1) b_k^2 c^k
            ntks[name] = [float((k + 1) * b * b) for k, b in enumerate(act.coeffs)]
    rows = {name: summarise(r) for name, r in runs.items()}
    rows.update(infinite_width(ntks, tasks, results, nets))
    result = ExperimentResult(rows, distance=dist, info=info)

    def draw(path: str | os.PathLike[str]) -> None:
        mimic_figure(curves, path, width, data=data_name, trials=trials, dtype=np.dtype(dtype).name)

    return ExperimentRun(result, draw)


def mimic(
    dataset: str | tuple[ArrayLike, ArrayLike] = "wine",
    seed: int = 0,
    fast: bool = False,
    *,
    trials: int | None = None,
    out: str | os.PathLike[str] | None = None,
    progress: bool = True,
    use_fit: bool | None = None,
    dtype: DTypeLike = np.float32,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> ExperimentResult:
    r"""1HL ReLU vs 4HL ReLU vs 1HL "mimic" whose NTK is the 4HL ReLU NTK.

    Data: ``dataset="wine"`` is :func:`wine_data` (scikit-learn's bundled wine, 178 x 13; the
    paper used UCI wine-quality-red, 1599 x 11, which no package ships); or pass any
    ``dataset=(X, y)`` (features, class labels), prepared by :func:`classification_data`
    (50/50 stratified split by ``seed + trial``, standardized, |x|^2/d = 1, one-hot targets).
    Networks: ReLU with sigma_w^2 = 2, sigma_b = 0.1 and 1 or 4 hidden layers; the mimic has
    sigma_w = 1, sigma_b = 0 and the activation reverse-engineered from
    ``relu_ntk(4, sqrt(2), 1/10)``: the truncated Hermite series with all signs +, the member of
    its sign family a net of this width realises best (``fam.best("fluctuation", width=...)``,
    same kernel), and in full mode also :func:`hermite_rev.fit.fit_kernel`'s bounded form.
    Width 4096, the paper's lr 0.1 (:data:`LR` here), 1000 epochs, float32 as the paper's JAX code
    (fast: width 256, 150 epochs, a 24-term series, no fit).

    With ``progress=True`` (default) the full run first prints (stderr) the estimated time
    from a short calibration, then shows a tqdm bar over the estimated work of trials x networks.
    Every (trial, network) pair is one pure task run by :func:`hermite_rev.sweep.run_tasks`
    (``client`` / ``scheduler`` / ``workers`` as in :func:`parity`), with the same numbers
    wherever it runs (``seconds`` aside).  The figure (training curves) is written to ``out``
    when a path is given (by default nothing is written).

    Returns
    -------
    ExperimentResult
        ``{network_name: metrics}`` (only networks as keys, with a row ``"NAME (infinite
        width)"`` per network), with attributes ``.distance``: for each mimic, the RMS over
        epochs of the log10-difference of its train / test MSE curves to the 4HL ReLU curves
        and to the 1HL ReLU curves (the mimic should be much closer to the former), and for
        1HL ReLU its distance to 4HL ReLU; and ``.info``: how the mimic activations were built
        (series terms, tail bound, K(1), fit error and time) and the data set used.
    """
    run = mimic_run(
        dataset,
        seed,
        fast,
        trials=trials,
        progress=progress,
        use_fit=use_fit,
        dtype=dtype,
        client=client,
        scheduler=scheduler,
        workers=workers,
    )
    if out is not None:
        run.draw(out)
    return run.result
