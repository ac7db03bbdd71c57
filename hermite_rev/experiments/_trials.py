r"""The task runner of the experiments: every (trial, network) a pure task for :mod:`hermite_rev.sweep`.

Place in the pipeline: experiments stage, above :mod:`._result`; imports the training of
:mod:`hermite_rev.nets`, the kernel-regime prediction of :mod:`hermite_rev.predict`, the
execution layer :mod:`hermite_rev.sweep` and :mod:`hermite_rev._core`, never a figure.

Index
-----
PAPER_LR          the paper's learning rate (on its loss mean |f - y|^2)
LR                the same gradient-descent steps on this package's loss: 2 * PAPER_LR
train_net         train one network of an experiment on one trial's data: (final metrics, curves)
net_task          one network of one trial: the pure, picklable unit of ``run_tasks``
calibrate         seconds per epoch of each network of a trial, from a short run
estimate_seconds  trials x sum of (epoch cap x calibrated seconds per epoch)
makespan          wall time of tasks of known lengths on N workers, each taking the next task
run_trials        every (trial, network) of an experiment through ``run_tasks``, with the
                  estimated time and one progress bar (on stderr)
collect           per-network final metrics and curves over trials
summarise         means and standard deviations over trials of a network's metrics
infinite_width    ``"NAME (infinite width)"`` rows: each network's kernel-regime prediction
say               a line for the user on stderr (stdout is for the table or the JSON)
format_seconds    a duration as the time estimates show it (s, min or h)

A task's seed is ``seed + trial``: the experiment's ``seed`` is the first trial's, and each
trial's data split and initialization follow from its seed alone, so a local process pool or a
Dask cluster gives the numbers of a serial run (``seconds`` aside).

Training is :func:`hermite_rev.nets.train`: full-batch GD on
:math:`L = \frac{1}{2n}\sum_i \lVert f(x_i) - y_i\rVert^2` with the output centred at
initialization, early stop at train MSE ``stop_mse``.  The paper's code (neural-tangents
``stax`` nets trained by ``jax.grad`` of ``utils.mse`` in the authors' ``eigenlearning``
package) descends :math:`\frac{1}{n}\sum_i \lVert f(x_i) - y_i\rVert^2`, twice our loss, at
lr 0.1: the same steps are lr :data:`LR` = 0.2 here.  Titles and tables quote the paper's lr.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from ..nets import FCN, accuracy, train
from ..predict import gradient_descent_mse
from ..sweep import local_workers, run_tasks
from ._result import METRICS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from numpy.typing import DTypeLike

__all__ = [
    "PAPER_LR",
    "LR",
    "train_net",
    "net_task",
    "calibrate",
    "makespan",
    "estimate_seconds",
    "run_trials",
    "collect",
    "summarise",
    "infinite_width",
    "say",
    "format_seconds",
]

#: The paper's learning rate (0.1 on the loss mean |f - y|^2) in this package's convention
#: (loss 1/(2n) sum |f - y|^2): the same gradient-descent steps.
PAPER_LR = 0.1
LR = 2 * PAPER_LR


def say(msg: str) -> None:
    """A line for the user on stderr (kept apart from the table / JSON on stdout)."""
    print(msg, file=sys.stderr, flush=True)


def format_seconds(t: float) -> str:
    """``t`` seconds in s, min or h, as the time estimates show it.

    >>> format_seconds(42), format_seconds(600), format_seconds(9000)
    ('42 s', '10.0 min', '2.5 h')
    """
    if t < 90:
        return f"{t:.0f} s"
    if t < 5400:
        return f"{t / 60:.1f} min"
    return f"{t / 3600:.1f} h"


def summarise(runs: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Mean and standard deviation over trials of each metric, the number of trials and the mean epochs."""
    out = {}
    for key in METRICS:
        vals = np.array([r[key] for r in runs], dtype=float)
        out[key] = float(vals.mean())
        out[key + "_std"] = float(vals.std())
    out["trials"] = len(runs)
    out["epochs"] = float(np.mean([r["epochs"] for r in runs]))
    return out


def _final(hist: Mapping[str, Any], seconds: float) -> dict[str, Any]:
    return {
        "train_mse": hist["train_mse"][-1],
        "test_mse": hist["test_mse"][-1],
        "train_acc": hist["train_acc"][-1],
        "test_acc": hist["test_acc"][-1],
        "seconds": seconds,
        "epochs": hist["stopped_at"],
    }


def train_net(
    name: str, cfg: Mapping[str, Any], data: Sequence[Any], seed: int, dtype: DTypeLike, epochs: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train one network of an experiment on one trial's data; returns (final metrics, curves).

    ``cfg``: widths, activation, sigma_w, sigma_b, lr, epochs, stop_mse, eval_every;
    ``epochs`` overrides the cap (the calibration's short runs).
    """
    Xtr, Ytr, Xte, Yte = data
    d_out = 1 if np.ndim(Ytr) == 1 else Ytr.shape[1]
    net = FCN(
        Xtr.shape[1],
        cfg["widths"],
        cfg["activation"],
        cfg["sigma_w"],
        cfg["sigma_b"],
        seed=seed,
        d_out=d_out,
        dtype=dtype,
    )
    t0 = time.perf_counter()
    hist = train(
        net,
        Xtr,
        Ytr,
        cfg["lr"],
        cfg["epochs"] if epochs is None else epochs,
        stop_mse=cfg["stop_mse"],
        X_test=Xte,
        Y_test=Yte,
        progress=False,
        eval_every=cfg["eval_every"],
    )
    curves = {k: hist[k] for k in ("epoch", "train_mse", "test_mse", "train_acc", "test_acc")}
    return _final(hist, time.perf_counter() - t0), curves


def net_task(
    data: Sequence[Any], seed: int, dtype: DTypeLike, name: str, cfg: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One network of one trial -> (final metrics, curves): the unit of :func:`hermite_rev.sweep.run_tasks`.

    A pure, picklable top-level function of its arguments (seeds included), so a local process
    pool or a Dask cluster gives the same numbers as a serial run (``seconds`` aside).
    """
    return train_net(name, cfg, data, seed, dtype)


def calibrate(task: Mapping[str, Any], epochs: int) -> dict[str, float]:
    """Seconds per epoch of each network of ``task`` from a ``epochs``-epoch run (after a warm-up)."""
    per_epoch = {}
    for name, cfg in task["nets"].items():
        train_net(name, cfg, task["data"], task["seed"], task["dtype"], epochs=1)  # compile, caches
        final, _ = train_net(name, cfg, task["data"], task["seed"], task["dtype"], epochs=epochs)
        per_epoch[name] = final["seconds"] / epochs
    return per_epoch


def estimate_seconds(per_epoch: Mapping[str, float], nets: Mapping[str, Mapping[str, Any]], trials: int) -> float:
    """Upper estimate of a run: trials x sum over networks of (epoch cap x seconds per epoch).

    An upper estimate because a network stops early once its train MSE reaches ``stop_mse``.

    >>> estimate_seconds({"a": 0.01, "b": 0.002}, {"a": {"epochs": 1000}, "b": {"epochs": 500}}, 3)
    33.0
    """
    return float(trials * sum(per_epoch[name] * cfg["epochs"] for name, cfg in nets.items()))


def makespan(seconds: Sequence[float], workers: int) -> float:
    """Wall time of tasks of the given lengths, in this order, on ``workers`` workers that each
    take the next task when free (a process pool's first-in first-out queue).

    The sum divided by the workers understates it when a few long tasks dominate: three
    10-minute tasks on two workers take 20 minutes, not 15.

    >>> makespan([600, 600, 600], 2), makespan([600, 600, 600, 1, 1, 1], 2)
    (1200.0, 1200.0)
    """
    free = [0.0] * max(int(workers), 1)
    for t in seconds:
        k = free.index(min(free))
        free[k] += float(t)
    return max(free)


def run_trials(
    tasks: Sequence[Mapping[str, Any]],
    progress: bool,
    what: str,
    calibrate_epochs: int,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> list[dict[str, Any]]:
    """Run every (trial, network) of ``tasks`` with :func:`hermite_rev.sweep.run_tasks`.

    ``tasks``: one ``{"data": (Xtr, Ytr, Xte, Yte), "seed", "dtype", "nets": {name: cfg}}`` per
    trial.  Before (when ``progress`` and ``calibrate_epochs`` > 0): a calibration of every
    network on the first trial's data in this process and the estimated time of the whole run
    on stderr: the first-in first-out schedule of the calibrated tasks on the workers
    (:func:`makespan`; the tasks go longest first).  During (when ``progress``): a tqdm bar over
    the calibrated work (each task weighs its estimated seconds, so the bar moves with the work
    rather than jumping through the short networks and then standing still on the long ones).
    The tasks are pure (:func:`net_task`), so local processes (``workers``; None: one per
    core) or a Dask ``client`` / ``scheduler`` give the serial numbers.  Returns one
    ``{name: (final metrics, curves)}`` per trial.
    """
    nets = tasks[0]["nets"]
    keys = [(t, name) for t in range(len(tasks)) for name in nets]
    weights = None
    if progress and calibrate_epochs:
        per_epoch = calibrate(tasks[0], calibrate_epochs)
        est = estimate_seconds(per_epoch, nets, len(tasks))
        # each task's estimated seconds: the longest go first (shorter wall time) and weigh the bar
        task_seconds = [max(per_epoch[name] * nets[name]["epochs"], 1e-6) for _, name in keys]
        order = sorted(range(len(keys)), key=lambda i: -task_seconds[i])
        keys = [keys[i] for i in order]
        weights = [task_seconds[i] for i in order]
        if client is None and scheduler is None:
            n_workers = min(workers or local_workers(), len(keys))
            where = f"{n_workers} local process(es)"
            est_wall = makespan(weights, n_workers)
        else:
            where, est_wall = "a Dask cluster (time on one worker shown)", est
        rates = ", ".join(f"{name} {1e3 * t:.2f} ms/epoch" for name, t in per_epoch.items())
        say(
            f"{what}: {len(tasks)} trial(s) x {len(nets)} networks on {where}; estimated time about "
            f"{format_seconds(est_wall)} if the cores are free ({format_seconds(est)} of compute; from a "
            f"{calibrate_epochs}-epoch calibration on this machine now: {rates}; networks that reach their "
            f"train-MSE target stop early; the bar counts estimated seconds of work)"
        )
    args = [
        {
            "data": tasks[t]["data"],
            "seed": tasks[t]["seed"],
            "dtype": tasks[t]["dtype"],
            "name": name,
            "cfg": nets[name],
        }
        for t, name in keys
    ]
    outs = run_tasks(
        net_task,
        args,
        client=client,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc=what.split(" (")[0],
        weights=weights,
    )
    results: list[dict[str, Any]] = [{} for _ in tasks]
    for (t, name), out in zip(keys, outs):
        results[t][name] = out
    return results


def collect(
    results: Sequence[Mapping[str, Any]], names: Iterable[str]
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """``({name: [final metrics per trial]}, {name: [curves per trial]})`` from :func:`run_trials`' output."""
    runs = {name: [r[name][0] for r in results] for name in names}
    curves = {name: [r[name][1] for r in results] for name in names}
    return runs, curves


def infinite_width(
    kernels: Mapping[str, Any],
    tasks: Sequence[Mapping[str, Any]],
    results: Sequence[Mapping[str, Any]],
    nets: Mapping[str, Mapping[str, Any]],
) -> dict[str, dict[str, float]]:
    r"""``"NAME (infinite width)"`` rows: each network's kernel-regime prediction from its exact NTK.

    For every trial, :func:`hermite_rev.predict.gradient_descent_mse` with the network's NTK,
    its learning rate and the number of epochs the finite net actually trained (centred output,
    the same loss), scored with the same metrics.  ``kernels``: ``{name: NTK}`` (an expression,
    or Taylor coefficients for a truncated Hermite-series activation, whose NTK is exactly
    that polynomial).  ``seconds`` is the time of the prediction.
    """
    rows = {}
    for name, K in kernels.items():
        runs = []
        for task, res in zip(tasks, results):
            Xtr, Ytr, Xte, Yte = task["data"]
            Ytr2 = np.asarray(Ytr, dtype=float).reshape(len(Xtr), -1)
            Yte2 = np.asarray(Yte, dtype=float).reshape(len(Xte), -1)
            epochs = int(res[name][0]["epochs"])
            t0 = time.perf_counter()
            f_tr, f_te = gradient_descent_mse(K, Xtr, Ytr2, Xte, t=epochs, lr=nets[name]["lr"])
            f_tr, f_te = np.asarray(f_tr).reshape(Ytr2.shape), np.asarray(f_te).reshape(Yte2.shape)
            runs.append(
                {
                    "train_mse": float(np.mean((f_tr - Ytr2) ** 2)),
                    "test_mse": float(np.mean((f_te - Yte2) ** 2)),
                    "train_acc": accuracy(f_tr, Ytr2),
                    "test_acc": accuracy(f_te, Yte2),
                    "seconds": time.perf_counter() - t0,
                    "epochs": epochs,
                }
            )
        rows[f"{name} (infinite width)"] = summarise(runs)
    return rows
