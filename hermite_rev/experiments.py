r"""The paper's experiments (Simon, Anand & DeWeese 2022, arXiv:2106.03186), reproduced with this toolkit.

Index
-----
parity_kernel        the kernel designed for parity, and its reverse-engineered activation
parity               11-bit parity: 4HL ReLU vs 1HL sin(6z)/2 vs 1HL engineered activation
parity_task          one (trial, network) of parity as a pure function
mimic                wine (or any (X, y)): 1HL ReLU vs 4HL ReLU vs 1HL activations with the 4HL ReLU NTK
mimic_task           one (trial, network) of mimic on the wine data as a pure function
classification_data  any (X, labels) -> split, standardized, on the sphere, one-hot
wine_data            scikit-learn's bundled wine through classification_data
figure1              the paper's Figure 1: targets, Hermite coefficients, empirical kernel checks
estimate_seconds     trials x sum of (epoch cap x calibrated seconds per epoch)
run_experiment       run one by name, print a table, write the figure (``hermite-rev experiment``)

Full runs first calibrate every network for a few epochs and print the estimated time of the
whole run (stderr), then show one tqdm bar over trials x networks; each (trial, network) is a
pure task for :func:`hermite_rev.sweep.run_tasks` (local processes or Dask, same numbers).

Every experiment returns an :class:`ExperimentResult`: a dict ``{network_name: {"train_mse",
"test_mse", "train_acc", "test_acc", "seconds", and "*_std"}}`` (means and standard deviations
over trials) whose only keys are the networks; what an experiment reports beyond them is in
attributes (``mimic``: ``.distance`` and ``.info``).  It also writes a figure.
``fast=True`` is a small variant that runs in CI in well under a minute; the numbers of the
full runs are in the README section "training" and ``docs/guide/training.md``.

Training is :func:`hermite_rev.nets.train`: full-batch GD on
:math:`L = \frac{1}{2n}\sum_i \lVert f(x_i) - y_i\rVert^2` with the output centred at
initialization, early stop at train MSE ``stop_mse``.  The paper's code (neural-tangents
``stax`` nets trained by ``jax.grad`` of ``utils.mse`` in the authors' ``eigenlearning``
package) descends :math:`\frac{1}{n}\sum_i \lVert f(x_i) - y_i\rVert^2`, twice our loss, at
lr 0.1: the same steps are lr :data:`LR` = 0.2 here.  Titles and tables quote the paper's lr.

Parity design.  Parity on {±1}^11 is odd (11 is odd) and is the degree-11 Walsh character.
On the cube every dot-product kernel with non-negative Taylor coefficients has per-character
eigenvalues that *decrease* with the character's degree (checked numerically for c^k), so no
such kernel prefers parity; what a kernel can do is be odd (K(-c) = -K(c): f(-x) = -f(x) for
free) and put its Taylor mass at high degree (a nearly flat spectrum, no bias towards the
low-degree characters that a ReLU kernel fits first).  We take the NTK
:math:`K(c) = \kappa \sinh(\beta c)/\sinh\beta` (odd, Taylor mass ~ Poisson(beta) on odd
degrees, centred at beta = 36 >> 11, kappa = 4.6 ~ the sin(6z)/2 NTK at c = 1), reverse
engineer it with ``n`` Hermite terms, and pick the member with signs :math:`(-1)^{(k-1)/2}`:
an oscillation of amplitude ~0.5 on |z| < 3 (close to sin(6z)/6-like shapes).  The all-plus
member behaves like :math:`e^{6z - 18}`: below 1e-5 on |z| < 3, so it barely moves at
init, and 7e4 at z = 8.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from . import kernels
from ._core.errors import HermiteRevError
from ._core.text import format_bound
from ._core.validate import check_positive_int
from .family import reverse
from .nets import FCN, sphere_inputs, train

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable, Mapping, Sequence

    import sympy
    from numpy.typing import DTypeLike, NDArray

    from ._core.typing import ArrayLike, FloatArray, KernelLike, Kind, RealLike
    from .family import Activation, ActivationFamily

#: The paper's learning rate (0.1 on the loss mean |f - y|^2) in this package's convention
#: (loss 1/(2n) sum |f - y|^2): the same gradient-descent steps.
PAPER_LR = 0.1
LR = 2 * PAPER_LR

__all__ = [
    "parity_kernel",
    "parity",
    "parity_task",
    "mimic",
    "mimic_task",
    "run_experiment",
    "wine_data",
    "classification_data",
    "estimate_seconds",
    "figure1",
    "ExperimentResult",
]

METRICS = ("train_mse", "test_mse", "train_acc", "test_acc", "seconds")


class ExperimentResult(dict):
    """The result of an experiment: a dict ``{network_name: metrics}`` and nothing else.

    Every key is a network (so ``for name, r in result.items()`` sees only networks); what an
    experiment reports beyond the networks is in attributes.

    Attributes
    ----------
    distance : dict or None
        ``mimic``: ``{network: {"<train|test>_mse vs <reference>": RMS log10 distance}}``;
        None for ``parity``.
    info : dict or None
        ``mimic``: how the mimic activations were built (``series_terms``, ``tail_bound``,
        ``K1``, and ``fit_sup_error``, ``fit_seconds`` when a fitted form was used); None for
        ``parity``.

    :meth:`to_json` is what ``hermite-rev experiment NAME --json`` prints:
    ``{"networks": {...}, "distance": ..., "info": ...}``.

    >>> r = ExperimentResult({"1HL ReLU": {"test_acc": 0.9}}, distance={"1HL ReLU": {}})
    >>> list(r), r.distance, r.info
    (['1HL ReLU'], {'1HL ReLU': {}}, None)
    >>> sorted(r.to_json())
    ['distance', 'info', 'networks']
    """

    def __init__(
        self, networks: Any = (), *, distance: dict[str, Any] | None = None, info: dict[str, Any] | None = None
    ) -> None:
        super().__init__(networks)
        self.distance = distance
        self.info = info

    #: draws the experiment's figure to a path (set by the experiment that made this result)
    _draw: Callable[[str | os.PathLike[str]], None]

    def to_json(self) -> dict[str, Any]:
        """A plain dict for JSON: ``{"networks": {...}, "distance": ..., "info": ...}``."""
        return {"networks": dict(self), "distance": self.distance, "info": self.info}

    def __repr__(self) -> str:
        return f"ExperimentResult({dict.__repr__(self)}, distance={self.distance!r}, info={self.info!r})"


def _summarise(runs: Sequence[Mapping[str, Any]]) -> dict[str, float]:
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


# --------------------------------------------------------------------------------------------
# parity
# --------------------------------------------------------------------------------------------


def parity_kernel(
    beta: RealLike = 36, kappa: RealLike = 4.6, n: int = 80, dps: int = 30
) -> tuple[sympy.Expr, ActivationFamily, Activation]:
    """The parity NTK ``kappa sinh(beta c)/sinh(beta)``, its family, and the bounded member.

    Returns ``(K, family, activation)``; the activation has signs (-1)^((k-1)/2) on its odd
    Hermite coefficients (see the module docstring).
    """
    import sympy

    from ._core.exprs import c
    from .family import reverse

    K = sympy.nsimplify(kappa) * sympy.sinh(sympy.nsimplify(beta) * c) / sympy.sinh(sympy.nsimplify(beta))
    fam = reverse(K, "ntk", n=n, dps=dps)
    act = fam.activation({k: (-1) ** ((k - 1) // 2) for k in fam.nonzero})
    return K, fam, act


def _parity_data(bits: int, seed: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    X = np.array(list(itertools.product([-1.0, 1.0], repeat=bits)))
    y = np.prod(X, axis=1)
    perm = np.random.default_rng(seed).permutation(len(X))
    half = len(X) // 2
    tr, te = perm[:half], perm[half:]
    return X[tr], y[tr], X[te], y[te]


# --------------------------------------------------------------------------------------------
# trials, progress and time estimates (shared by parity and mimic)
# --------------------------------------------------------------------------------------------


def _say(msg: str) -> None:
    """A line for the user on stderr (kept apart from the table / JSON on stdout)."""
    import sys

    print(msg, file=sys.stderr, flush=True)


def _fmt_seconds(t: float) -> str:
    if t < 90:
        return f"{t:.0f} s"
    if t < 5400:
        return f"{t / 60:.1f} min"
    return f"{t / 3600:.1f} h"


def _train_net(
    name: str, cfg: Mapping[str, Any], data: Sequence[Any], seed: int, dtype: DTypeLike, epochs: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train one network of an experiment on one trial's data; returns (final metrics, curves)."""
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


def _net_task(
    data: Sequence[Any], seed: int, dtype: DTypeLike, name: str, cfg: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One network of one trial -> (final metrics, curves): the unit of :func:`hermite_rev.sweep.run_tasks`.

    A pure, picklable top-level function of its arguments (seeds included), so a local process
    pool or a Dask cluster gives the same numbers as a serial run (``seconds`` aside).
    """
    return _train_net(name, cfg, data, seed, dtype)


def _trial(
    task: Mapping[str, Any], on_net: Callable[[str], Any] | None = None
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """One trial of an experiment in this process: every network on the trial's data.

    ``task``: ``{"data": (Xtr, Ytr, Xte, Yte), "seed", "dtype", "nets": {name: cfg}}``; returns
    ``{name: (final metrics, curves)}``.  ``on_net(name)`` is called after each network.
    """
    out = {}
    for name, cfg in task["nets"].items():
        out[name] = _net_task(task["data"], task["seed"], task["dtype"], name, cfg)
        if on_net is not None:
            on_net(name)
    return out


def parity_task(
    bits: int, trial_seed: int, cfg: Mapping[str, Any], dtype: DTypeLike = np.float32, progress: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One (trial, network) of :func:`parity` as a pure function: ``(final metrics, curves)``.

    ``cfg``: widths, activation, sigma_w, sigma_b, lr, epochs (and optionally stop_mse,
    default 1e-3, and eval_every, default 10).  ``progress`` is accepted for compatibility.
    """
    cfg = {"stop_mse": 1e-3, "eval_every": 10, **cfg}
    return _train_net("", cfg, _parity_data(bits, trial_seed), trial_seed, dtype)


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
    return _train_net("", cfg, wine_data(trial_seed), trial_seed, dtype)


def _calibrate(task: Mapping[str, Any], epochs: int) -> dict[str, float]:
    """Seconds per epoch of each network of ``task`` from a ``epochs``-epoch run (after a warm-up)."""
    per_epoch = {}
    for name, cfg in task["nets"].items():
        _train_net(name, cfg, task["data"], task["seed"], task["dtype"], epochs=1)  # compile, caches
        final, _ = _train_net(name, cfg, task["data"], task["seed"], task["dtype"], epochs=epochs)
        per_epoch[name] = final["seconds"] / epochs
    return per_epoch


def estimate_seconds(per_epoch: Mapping[str, float], nets: Mapping[str, Mapping[str, Any]], trials: int) -> float:
    """Upper estimate of a run: trials x sum over networks of (epoch cap x seconds per epoch).

    An upper estimate because a network stops early once its train MSE reaches ``stop_mse``.

    >>> estimate_seconds({"a": 0.01, "b": 0.002}, {"a": {"epochs": 1000}, "b": {"epochs": 500}}, 3)
    33.0
    """
    return float(trials * sum(per_epoch[name] * cfg["epochs"] for name, cfg in nets.items()))


def _run_trials(
    tasks: Sequence[Mapping[str, Any]],
    progress: bool,
    what: str,
    calibrate_epochs: int,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> list[dict[str, Any]]:
    """Run every (trial, network) of ``tasks`` with :func:`hermite_rev.sweep.run_tasks`.

    Before (when ``progress`` and ``calibrate_epochs`` > 0): a calibration of every network
    on the first trial's data in this process and the estimated time of the whole run on
    stderr.  During (when ``progress``): a tqdm bar over trials x networks with its ETA.  The
    tasks are pure (:func:`_net_task`), so local processes (``workers``; None: one per
    core) or a Dask ``client`` / ``scheduler`` give the serial numbers.  Returns one
    ``{name: (final metrics, curves)}`` per trial.
    """
    from .sweep import local_workers, run_tasks

    nets = tasks[0]["nets"]
    keys = [(t, name) for t in range(len(tasks)) for name in nets]
    if progress and calibrate_epochs:
        per_epoch = _calibrate(tasks[0], calibrate_epochs)
        est = estimate_seconds(per_epoch, nets, len(tasks))
        if client is None and scheduler is None:
            n_workers = min(workers or local_workers(), len(keys))
            where = f"{n_workers} local process(es)"
            est_wall = est / n_workers
        else:
            where, est_wall = "a Dask cluster (time on one worker shown)", est
        rates = ", ".join(f"{name} {1e3 * t:.2f} ms/epoch" for name, t in per_epoch.items())
        _say(
            f"{what}: {len(tasks)} trial(s) x {len(nets)} networks on {where}; estimated time at most "
            f"{_fmt_seconds(est_wall)} ({_fmt_seconds(est)} of compute; from a {calibrate_epochs}-epoch calibration "
            f"on this machine now: {rates}; networks stop early at their train-MSE target)"
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
        _net_task,
        args,
        client=client,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc=what.split(" (")[0],
    )
    results: list[dict[str, Any]] = [{} for _ in tasks]
    for (t, name), out in zip(keys, outs):
        results[t][name] = out
    return results


def _collect(
    results: Sequence[Mapping[str, Any]], names: Iterable[str]
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    runs = {name: [r[name][0] for r in results] for name in names}
    curves = {name: [r[name][1] for r in results] for name in names}
    return runs, curves


def _infinite_width(
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
    from .nets import _accuracy
    from .predict import gradient_descent_mse

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
                    "train_acc": _accuracy(f_tr, Ytr2),
                    "test_acc": _accuracy(f_te, Yte2),
                    "seconds": time.perf_counter() - t0,
                    "epochs": epochs,
                }
            )
        rows[f"{name} (infinite width)"] = _summarise(runs)
    return rows


# --------------------------------------------------------------------------------------------
# parity
# --------------------------------------------------------------------------------------------


def parity(
    trials: int = 30,
    seed: int = 0,
    fast: bool = False,
    *,
    out: str | os.PathLike[str] | None = "parity.png",
    progress: bool = True,
    dtype: DTypeLike = np.float32,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> ExperimentResult:
    r"""The paper's parity experiment.

    Full: n = 11 bits, all 2048 points shuffled (``seed + trial``), 1024 train / 1024 test,
    label = parity (±1), width 128, full-batch GD, stop at train MSE 1e-3.  Networks:

    - ``4HL ReLU``: sigma_w^2 = 2, sigma_b = 0.1, up to 10000 epochs;
    - ``1HL sin(6z)/2``: sigma_w = 1, sigma_b = 0, up to 4000 epochs;
    - ``1HL engineered``: :func:`parity_kernel`'s activation, sigma_w = 1, sigma_b = 0,
      up to 4000 epochs.

    All at the paper's lr 0.1 on its loss mean |f - y|^2, i.e. :data:`LR` = 0.2 here.

    Fast: 7 bits (64 / 64), width 64, 400 / 300 / 300 epochs, ``min(trials, 2)`` trials.

    With ``progress=True`` (default) the full run first prints (stderr) the estimated time
    from a short calibration, then shows a tqdm bar over trials x networks with its ETA.

    Every (trial, network) pair is one pure task (:func:`_net_task`, seeded by ``seed +
    trial``), run by :func:`hermite_rev.sweep.run_tasks` on a Dask ``client`` / ``scheduler``
    address, or locally on ``workers`` processes (None: one per core; 1: serially in this
    process).  The numbers do not depend on where the tasks run (``seconds`` aside).

    Returns
    -------
    ExperimentResult
        ``{network_name: {"train_mse", "test_mse", "train_acc", "test_acc", "seconds", "*_std", ...}}``
        (``.distance`` and ``.info`` are None).
    """
    trials = check_positive_int(trials, "trials")
    bits, width, epochs = (7, 64, (400, 300, 300)) if fast else (11, 128, (10000, 4000, 4000))
    if fast:
        trials = min(trials, 2)
    _, fam, eng = parity_kernel()
    common = dict(lr=LR, stop_mse=1e-3, eval_every=10)
    nets = {
        "4HL ReLU": dict(
            widths=[width] * 4, activation="relu", sigma_w=math.sqrt(2), sigma_b=0.1, epochs=epochs[0], **common
        ),
        "1HL sin(6z)/2": dict(widths=[width], activation="sin6", sigma_w=1.0, sigma_b=0.0, epochs=epochs[1], **common),
        "1HL engineered": dict(widths=[width], activation=eng, sigma_w=1.0, sigma_b=0.0, epochs=epochs[2], **common),
    }
    tasks = [
        {"data": _parity_data(bits, seed + t), "seed": seed + t, "dtype": dtype, "nets": nets} for t in range(trials)
    ]
    what = (
        f"parity ({'fast' if fast else 'full'} run: {bits} bits, width {width}, {trials} trial(s), "
        f"seeds {seed}..{seed + trials - 1})"
    )
    results = _run_trials(tasks, progress, what, 0 if fast else 20, client, scheduler, workers)
    runs, curves = _collect(results, nets)
    import sympy

    from . import kernels as _k
    from ._core.exprs import c

    ntks = {
        "4HL ReLU": _k.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10)),
        # sin(6z)/2, sigma_w = 1, sigma_b = 0: E[phi phi] + c E[phi' phi'] in closed form
        "1HL sin(6z)/2": (sympy.sinh(36 * c) / 4 + 9 * c * sympy.cosh(36 * c)) * sympy.exp(-36),
        "1HL engineered": [float(a) for a in fam.taylor],
    }  # the truncated series' exact NTK
    rows = {name: _summarise(r) for name, r in runs.items()}
    rows.update(_infinite_width(ntks, tasks, results, nets))
    result = ExperimentResult(rows)
    result._draw = lambda path: _parity_figure(result, curves, path, bits, width=width, trials=trials)
    if out is not None:
        _parity_figure(result, curves, out, bits, width=width, trials=trials)
    return result


def _mean_curve(hists: Sequence[Mapping[str, Any]], key: str) -> tuple[NDArray[Any], FloatArray]:
    """Epochs and the mean over trials of ``key`` (over the epochs all trials reached)."""
    m = min(len(h[key]) for h in hists)
    return np.asarray(hists[0]["epoch"][:m]), np.mean([np.asarray(h[key][:m], dtype=float) for h in hists], axis=0)


def _parity_figure(
    result: Mapping[str, Any],
    curves: Mapping[str, Any],
    out: str | os.PathLike[str],
    bits: int,
    width: int | None = None,
    trials: int | None = None,
) -> None:
    from ._figures import pyplot as _plt

    plt = _plt()  # Agg only when no display is configured (keeps notebooks' inline backend)

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    panels = (("train_mse", "train MSE", True), ("test_mse", "test MSE", True), ("test_acc", "test accuracy", False))
    dashes = ["-", "--", ":", "-."]  # curves that coincide (sin(6z)/2 and the engineered net) stay visible
    for i, (name, hists) in enumerate(curves.items()):
        color, ls = f"C{i}", dashes[i % len(dashes)]
        for ax, (key, _, logy) in zip(axes, panels):
            plot = ax.semilogy if logy else ax.plot
            for h in hists:
                plot(h["epoch"], h[key], color=color, alpha=0.25, lw=0.6)
            ep, mean = _mean_curve(hists, key)
            label = f"{name}, " + ("σ_w² = 2, σ_b = 0.1" if name == "4HL ReLU" else "σ_w = 1, σ_b = 0")
            if key == "test_acc" and name in result:
                label = f"{name}: {result[name]['test_acc']:.3f}"
            plot(ep, mean, color=color, ls=ls, lw=2.2, label=label)
    for ax, (_, ylabel, _) in zip(axes, panels):
        ax.set_xlabel("epoch (full-batch GD step)")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[2].axhline(0.5, color="k", lw=0.8, ls=":")
    axes[2].text(0.5, 0.51, "chance", transform=axes[2].get_yaxis_transform(), ha="center", va="bottom", fontsize=8)
    axes[2].set_ylim(-0.02, 1.02)
    axes[0].legend(fontsize=8, loc="best")  # where it covers the fewest curve points (shapes differ per run)
    axes[2].legend(
        fontsize=8, title="final test accuracy (mean)", title_fontsize=8, loc="center right", bbox_to_anchor=(1.0, 0.72)
    )
    n_tr = 2 ** (bits - 1)
    wtxt = f", width {width}" if width else ""
    ttxt = f"{trials} trials (thin) and their mean (bold)" if trials else "trials (thin) and mean (bold)"
    fig.suptitle(
        f"{bits}-bit parity, {n_tr} train / {n_tr} test points{wtxt}, lr {PAPER_LR} on mean (f-y)², float32, "
        f"NTK parameterization: {ttxt}"
    )
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# mimic
# --------------------------------------------------------------------------------------------


def classification_data(
    X: ArrayLike, y: ArrayLike, seed: int = 0, train_fraction: float = 0.5
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Any (X, labels) as the mimic experiment uses it: split, standardize, sphere, one-hot.

    A stratified random split (``seed``), features standardized with the training statistics,
    rows scaled to |x|^2/d = 1, targets one-hot over the sorted distinct labels.  E.g. the
    paper's UCI wine-quality-red CSV: ``classification_data(df.iloc[:, :-1], df.quality)``.

    Returns
    -------
    (X_train, Y_train, X_test, Y_test)
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[0] != labels.shape[0]:
        raise HermiteRevError(f"X must be (n, d) with one label per row, got X {X.shape} and y {labels.shape}")
    if not np.all(np.isfinite(X)):
        raise HermiteRevError("X must be finite")
    if not 0 < float(train_fraction) < 1:
        raise HermiteRevError(f"train_fraction must be in (0, 1), got train_fraction={train_fraction!r}")
    classes, idx_of = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise HermiteRevError(f"y must have at least 2 classes, got {len(classes)}")
    rng = np.random.default_rng(seed)
    tr_list: list[int] = []
    te_list: list[int] = []
    for k in range(len(classes)):
        idx = rng.permutation(np.flatnonzero(idx_of == k))
        n_tr = int(round(train_fraction * len(idx)))
        tr_list.extend(idx[:n_tr])
        te_list.extend(idx[n_tr:])
    tr, te = np.array(sorted(tr_list)), np.array(sorted(te_list))
    mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
    sd[sd == 0] = 1.0
    Xs = sphere_inputs((X - mu) / sd)
    Y = np.eye(len(classes))[idx_of]
    return Xs[tr], Y[tr], Xs[te], Y[te]


def wine_data(seed: int = 0, train_fraction: float = 0.5) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """scikit-learn's bundled wine data (178 x 13, 3 classes; no download) via :func:`classification_data`.

    The paper used UCI wine-quality-red (1599 x 11), which no installable package ships;
    pass that CSV to :func:`mimic` as ``dataset=(X, y)`` to run the paper's setting.
    """
    try:
        from sklearn.datasets import load_wine
    except ImportError as exc:  # scikit-learn is a dev extra
        raise HermiteRevError("the mimic experiment needs scikit-learn (pip install scikit-learn)") from exc
    data = load_wine()
    return classification_data(data.data, data.target, seed, train_fraction)


def _mimic_activations(fast: bool, use_fit: bool | None) -> tuple[dict[str, Any], dict[str, Any]]:
    import sympy

    from . import kernels
    from .family import reverse

    K = kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    n = 24 if fast else 40
    fam = reverse(K, "ntk", n=n, dps=30)
    acts = {f"1HL mimic (Hermite, {n} terms)": fam.activation()}
    from ._core.exprs import c

    info = {"series_terms": n, "tail_bound": float(fam.tail().bound), "K1": float(K.subs(c, 1).evalf())}
    if use_fit:
        try:
            from . import fit
        except ImportError:
            fit = None  # type: ignore[assignment]  # (scipy missing): the Hermite mimic only
        if fit is not None:
            res = fit.fit_kernel(K, restarts=2 if fast else 8)
            acts["1HL mimic (fitted bounded form)"] = res.expr()
            info["fit_sup_error"] = float(res.sup_error)
            info["fit_seconds"] = float(res.seconds)
    return acts, info


def _curve_distance(h1: Mapping[str, Any], h2: Mapping[str, Any], key: str) -> float:
    a, b = np.asarray(h1[key]), np.asarray(h2[key])
    m = min(len(a), len(b))
    return float(np.sqrt(np.mean((np.log10(a[:m]) - np.log10(b[:m])) ** 2)))


def mimic(
    dataset: str | tuple[ArrayLike, ArrayLike] = "wine",
    seed: int = 0,
    fast: bool = False,
    *,
    trials: int | None = None,
    out: str | os.PathLike[str] | None = "mimic.png",
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
    ``relu_ntk(4, sqrt(2), 1/10)`` (truncated Hermite series, and in full mode also
    :func:`hermite_rev.fit.fit_kernel`'s bounded form).  Width 4096, the paper's lr 0.1 (:data:`LR` here), 1000 epochs,
    float32 as the paper's JAX code (fast: width 256, 150 epochs, a 24-term series, no fit).

    With ``progress=True`` (default) the full run first prints (stderr) the estimated time
    from a short calibration, then shows a tqdm bar over trials x networks with its ETA.
    Every (trial, network) pair is one pure task run by :func:`hermite_rev.sweep.run_tasks`
    (``client`` / ``scheduler`` / ``workers`` as in :func:`parity`), with the same numbers
    wherever it runs (``seconds`` aside).

    Returns
    -------
    ExperimentResult
        ``{network_name: metrics}`` (only networks as keys), with attributes ``.distance``:
        for each mimic, the RMS over epochs of the log10-difference of its train / test MSE
        curves to the 4HL ReLU curves and to the 1HL ReLU curves (the mimic should be much
        closer to the former), and for 1HL ReLU its distance to 4HL ReLU; and ``.info``: how
        the mimic activations were built (series terms, tail bound, K(1), fit error and time)
        and the data set used.
    """
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
    trials = check_positive_int(trials if trials is not None else (1 if fast else 3), "trials")
    use_fit = (not fast) if use_fit is None else bool(use_fit)
    acts, info = _mimic_activations(fast, use_fit)
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
    results = _run_trials(tasks, progress, what, 0 if fast else 3, client, scheduler, workers)
    runs, curves = _collect(results, nets)
    dist = {}
    for name in acts:
        d = {}
        for ref in ("4HL ReLU", "1HL ReLU"):
            for key in ("train_mse", "test_mse"):
                d[f"{key} vs {ref}"] = float(
                    np.mean([_curve_distance(a, b, key) for a, b in zip(curves[name], curves[ref])])
                )
        dist[name] = d
    d = {}
    for key in ("train_mse", "test_mse"):
        d[f"{key} vs 4HL ReLU"] = float(
            np.mean([_curve_distance(a, b, key) for a, b in zip(curves["1HL ReLU"], curves["4HL ReLU"])])
        )
    dist["1HL ReLU"] = d
    import sympy

    from . import kernels as _k

    ntks = {
        "1HL ReLU": _k.relu_ntk(1, sympy.sqrt(2), sympy.Rational(1, 10)),
        "4HL ReLU": _k.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10)),
    }
    for name, act in acts.items():
        if hasattr(act, "coeffs"):  # a truncated Hermite series: its NTK is exactly sum_k (k+1) b_k^2 c^k
            ntks[name] = [float((k + 1) * b * b) for k, b in enumerate(act.coeffs)]
    rows = {name: _summarise(r) for name, r in runs.items()}
    rows.update(_infinite_width(ntks, tasks, results, nets))
    result = ExperimentResult(rows, distance=dist, info=info)
    result._draw = lambda path: _mimic_figure(
        curves, path, width, data=data_name, trials=trials, dtype=np.dtype(dtype).name
    )
    if out is not None:
        _mimic_figure(curves, out, width, data=data_name, trials=trials, dtype=np.dtype(dtype).name)
    return result


def _mimic_figure(
    curves: Mapping[str, Any],
    out: str | os.PathLike[str],
    width: int,
    data: str = "wine",
    trials: int | None = None,
    dtype: str = "float32",
) -> None:
    from ._figures import pyplot as _plt

    plt = _plt()  # Agg only when no display is configured (keeps notebooks' inline backend)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    styles = {"1HL ReLU": ("C0", "-"), "4HL ReLU": ("C3", "-")}
    mimic_styles = iter([("C2", "--"), ("k", "-"), ("C4", "-."), ("C1", ":")])  # never the references' colours
    for name, hists in curves.items():
        color, ls = styles[name] if name in styles else next(mimic_styles, ("C5", "--"))
        for ax, key in zip(axes, ("train_mse", "test_mse")):
            for h in hists:
                ax.loglog(np.array(h["epoch"]) + 1, h[key], color=color, ls=ls, alpha=0.25, lw=0.6)
            ep, mean = _mean_curve(hists, key)
            hyper = "σ_w² = 2, σ_b = 0.1" if name in styles else "σ_w = 1, σ_b = 0"
            ax.loglog(
                ep + 1, mean, color=color, ls=ls, lw=2.0 if "fitted" not in name else 1.6, label=f"{name}, {hyper}"
            )
    for ax, t in zip(axes, ("train MSE", "test MSE")):
        ax.set_xlabel("epoch + 1 (full-batch GD step)")
        ax.set_ylabel(t + r" (mean of $(f - y)^2$ over entries)")
        ax.grid(alpha=0.3, which="both", lw=0.4)
    axes[0].legend(fontsize=8, loc="best")  # where it covers the fewest curve points (shapes differ per run)
    if trials is None:
        ttxt = "trials (thin) and their mean (bold)"
    else:
        ttxt = "one trial" if trials == 1 else f"{trials} trials (thin) and their mean (bold)"
    fig.suptitle(
        "mimic: 1HL nets whose NTK is the 4HL ReLU NTK (relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=0.1)) vs "
        f"1HL and 4HL ReLU nets\n{data}, width {width}, lr {PAPER_LR} on mean |f-y|², {dtype}, NTK parameterization; "
        f"{ttxt}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# the paper's Figure 1
# --------------------------------------------------------------------------------------------


def _figure1_targets() -> list[tuple[str, sympy.Expr, Kind]]:
    import sympy

    from . import kernels
    from ._core.exprs import c

    sw, sb = sympy.sqrt(2), sympy.Rational(1, 10)
    return [
        ("4HL ReLU NNGP", kernels.relu_nngp(4, sw, sb), "nngp"),
        ("4HL ReLU NTK", kernels.relu_ntk(4, sw, sb), "ntk"),
        ("4HL erf NTK", kernels.erf_ntk(4, sw, sb), "ntk"),
        ("c^3", c**3, "ntk"),
        ("c^4 + c", c**4 + c, "ntk"),
        ("sinh(2c)", sympy.sinh(2 * c), "ntk"),
        ("cosh(2c)", sympy.cosh(2 * c), "ntk"),
    ]


def _lsq5_coefficients(K: sympy.Expr, kind: str, grid: int = 2001) -> tuple[FloatArray, FloatArray]:
    """b_0..b_5 from a degree-5 least-squares fit of K on [-1, 1] (how a printed table may have been made)."""
    import sympy

    from ._core.exprs import c

    cs = np.linspace(-1.0, 1.0, grid)
    f = sympy.lambdify(c, K, "numpy")
    vals = np.broadcast_to(np.asarray(f(cs), dtype=float), cs.shape)
    a = np.polynomial.polynomial.polyfit(cs, vals, 5)
    k = np.arange(6)
    div = k + 1.0 if kind == "ntk" else np.ones(6)
    return np.sqrt(np.maximum(a, 0.0) / div), a


def figure1(
    width: int = 2**14,
    seed: int = 0,
    n: int = 40,
    dps: int = 30,
    *,
    cs: Sequence[float] = (-0.9, -0.6, -0.3, 0.0, 0.3, 0.6, 0.9, 1.0),
    targets: Sequence[tuple[str, KernelLike, Kind]] | None = None,
    out: str | os.PathLike[str] | None = "figure1.png",
    progress: bool = True,
) -> ExperimentResult:
    r"""The paper's Figure 1: seven target kernels, their activations' Hermite coefficients, and checks.

    Targets: the 4HL ReLU NNGP and NTK and the 4HL erf NTK (sigma_w^2 = 2, sigma_b = 0.1),
    and c^3, c^4 + c, sinh(2c), cosh(2c) (as NTKs).  For each: :func:`hermite_rev.reverse`
    with ``n`` Taylor terms (exact for the polynomials), the member with all signs + (the
    Hermite coefficients b_k = sqrt(a_k) for an NNGP, sqrt(a_k/(k+1)) for an NTK), its first six
    coefficients, the certified tail bound of the dropped Taylor mass, the coefficients a
    degree-5 least-squares fit of K on [-1, 1] would give instead (the paper printed fitted
    values: for the deep ReLU kernels, whose Taylor series converge slowly at c = 1, the fit
    folds the tail into the low coefficients), and the empirical NTK/NNGP of the 1HL net with
    that activation at ``width`` against K at the cosines ``cs``.  ``targets``: a subset of the
    names (default all seven).

    Returns
    -------
    ExperimentResult
        ``{target: {"kind", "b" (b_0..b_5), "b_lsq5", "a" (a_0..a_5), "tail_bound", "terms", "cs",
        "K", "empirical", "max_abs_error", "max_rel_error", "max_abs_error_vs_truncated"}}``;
        the last is against the exact kernel of the truncated activation, sum_{k < terms} a_k c^k,
        i.e. the finite-width error alone (high-degree Hermite terms fluctuate strongly at
        finite width: h_k(z)^2 has heavy tails).

    References
    ----------
    J. B. Simon, S. Anand, M. R. DeWeese, "Reverse Engineering the Neural Tangent Kernel",
    ICML 2022, arXiv:2106.03186, Figure 1.
    """
    import sympy

    from ._core.exprs import c
    from .family import reverse
    from .series import evaluate_at
    from .verify import empirical_kernel

    width = check_positive_int(width, "width")
    n = check_positive_int(n, "n")
    known = _figure1_targets()
    if targets is not None:
        names = [t[0] for t in known]
        bad = [t for t in targets if t not in names]
        if bad:
            raise HermiteRevError(f"unknown figure1 target {bad[0]!r}; choose from {names}")
        known = [t for t in known if t[0] in targets]
    targets = known
    rows = {}
    acts = {}
    from tqdm.auto import tqdm

    for name, K, kind in tqdm(targets, desc="figure1", unit="target", disable=not progress):
        poly = K.is_polynomial(c)
        nn = int(sympy.degree(K, c)) + 1 if poly else n
        fam = reverse(K, kind, n=nn, dps=dps)
        act = fam.activation()
        b = [float(v) for v in act.coeffs[:6]] + [0.0] * max(0, 6 - len(act.coeffs))
        a = [float(v) for v in fam.taylor[:6]] + [0.0] * max(0, 6 - len(fam.taylor))
        b_lsq, _ = _lsq5_coefficients(K, kind)
        emp = empirical_kernel(act, kind, width=width, cs=list(cs), seed=seed)
        Kc = np.array([float(evaluate_at(K, sympy.Rational(str(v)), dps=20)[0]) for v in cs])  # rigorous values
        err = np.abs(emp - Kc)
        taylor = np.array([float(v) for v in fam.taylor], dtype=float)
        Kn = np.polynomial.polynomial.polyval(np.asarray(cs, dtype=float), taylor)  # the activation's exact kernel
        rows[name] = {
            "kind": kind,
            "b": b,
            "b_lsq5": [float(v) for v in b_lsq],
            "a": a,
            "tail_bound": float(fam.tail().bound),
            "terms": nn,
            "cs": [float(v) for v in cs],
            "K": Kc.tolist(),
            "empirical": emp.tolist(),
            "max_abs_error": float(err.max()),
            "max_rel_error": float(np.max(err / np.maximum(np.abs(Kc), 1e-300))),
            "max_abs_error_vs_truncated": float(np.max(np.abs(emp - Kn))),
        }
        acts[name] = act
    result = ExperimentResult(rows, info={"width": width, "seed": seed, "series_terms": n, "signs": "all + (b_k >= 0)"})
    if out is not None:
        _figure1_figure(result, acts, out, width)
    return result


def _figure1_figure(
    result: Mapping[str, Any], acts: Mapping[str, Activation], out: str | os.PathLike[str], width: int
) -> None:
    import sympy

    from ._core.exprs import c
    from ._figures import pyplot as _plt

    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.6))
    z = np.linspace(-3, 3, 301)
    cc = np.linspace(-1, 1, 201)
    targets = {name: K for name, K, _ in _figure1_targets()}
    for i, (name, r) in enumerate(result.items()):
        color = f"C{i}"
        ax1.plot(z, acts[name].compile()(z), color=color, lw=1.6, label=f"{name} ({r['kind'].upper()})")
        f = sympy.lambdify(c, targets[name], "numpy")
        K1 = r["K"][-1] if r["cs"][-1] == 1.0 else float(f(1.0))
        kc = np.broadcast_to(np.asarray(f(cc), dtype=float), cc.shape)
        ax2.plot(cc, kc / K1, color=color, lw=1.4)
        ax2.plot(r["cs"], np.array(r["empirical"]) / K1, "o", color=color, ms=4, mfc="none")
    ax1.set_xlabel("pre-activation z")
    ax1.set_ylabel(r"$\phi(z) = \sum_k b_k h_k(z)$")
    ax1.set_ylim(-4, 8)
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=7, loc="upper left")
    ax1.set_title("activations reverse-engineered from each target (all signs +)", fontsize=9)
    ax2.plot([], [], "k-", label="target K(c) (exact)")
    ax2.plot([], [], "ko", mfc="none", label=f"1HL net at width {width}, one seed")
    ax2.set_xlabel("cosine c between inputs")
    ax2.set_ylabel("K(c) / K(1)")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8, loc="upper left")
    ax2.set_title("target kernels vs the empirical NTK/NNGP of the 1HL nets", fontsize=9)
    fig.suptitle("The paper's Figure 1 targets: activations and their kernels (Simon, Anand & DeWeese 2022)")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def _figure1_table(result: Mapping[str, Any]) -> str:
    rows = [
        f"{'target':15s} {'kind':5s} "
        + " ".join(f"{'b_' + str(k):>8s}" for k in range(6))
        + f" {'tail bound':>10s} {'|emp - K|':>9s} {'|emp - K_n|':>11s}  b_k of a degree-5 least-squares fit"
    ]
    for name, r in result.items():
        rows.append(
            f"{name:15s} {r['kind']:5s} "
            + " ".join(f"{v:8.4f}" for v in r["b"])
            + f" {r['tail_bound']:10.2e} {r['max_abs_error']:9.2e} {r['max_abs_error_vs_truncated']:11.2e}  "
            + " ".join(f"{v:.4f}" for v in r["b_lsq5"])
        )
    return "\n".join(rows)


# --------------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------------


def _table(result: Mapping[str, Any]) -> str:
    rows = [f"{'network':34s} {'train MSE':>20s} {'test MSE':>20s} {'train acc':>14s} {'test acc':>14s} {'s':>7s}"]
    for name, r in result.items():
        rows.append(
            f"{name:34s} {r['train_mse']:9.3g} ± {r['train_mse_std']:<8.2g} {r['test_mse']:9.3g} ± "
            f"{r['test_mse_std']:<8.2g} {r['train_acc']:6.3f} ± {r['train_acc_std']:<5.3f} "
            f"{r['test_acc']:6.3f} ± {r['test_acc_std']:<5.3f} {r['seconds']:7.1f}"
        )
    distance = getattr(result, "distance", None)
    if distance:
        rows.append("curve distance (RMS of log10 MSE difference over epochs):")
        for name, d in distance.items():
            rows.append(f"  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in d.items()))
    return "\n".join(rows)


def run_experiment(
    name: str, fast: bool = False, as_json: bool = False, out: str | os.PathLike[str] | None = None, **options: Any
) -> ExperimentResult:
    """Run ``parity``, ``mimic`` or ``figure1``, print a table (or JSON), write the figure; returns the result.

    The JSON is :meth:`ExperimentResult.to_json`: ``{"networks": {...}, "distance": ...,
    "info": ...}`` (``distance`` and ``info`` are null for parity).
    """
    table: dict[str, Callable[..., ExperimentResult]] = {"parity": parity, "mimic": mimic, "figure1": figure1}
    if name not in table:
        raise HermiteRevError(f"unknown experiment {name!r}; choose one of {sorted(table)}")
    from ._core.validate import check_writable

    out = check_writable(out or f"{name}{'_fast' if fast else ''}.png")  # before hours of training
    if name == "figure1":
        options.pop("trials", None)
        for key in ("client", "scheduler", "workers"):
            options.pop(key, None)
        if fast:
            options.setdefault("width", 2**10)
        result = figure1(out=out, **options)
    else:
        result = table[name](fast=fast, out=None, **options)
    if as_json:
        from ._core.text import json_ready

        print(json.dumps(json_ready(result.to_json()), indent=2, allow_nan=False))
    else:
        print(_figure1_table(result) if name == "figure1" else _table(result), flush=True)
    if name != "figure1":
        result._draw(out)  # the table first: a figure that fails to save loses nothing
    if not as_json:
        print(f"figure: {out}")
    return result


def paper_figures(out: str = "out/figures", formats: Sequence[str] = ("png",), fast: bool = False) -> list[str]:
    """Save the paper-style figures to ``out`` and return their paths.

    1. ``kernel``: the 4-hidden-layer ReLU NTK (sigma_w^2 = 2, sigma_b = 0.1) against c, with
       the NTKs of its truncated one-hidden-layer mimics (like the paper's Fig. 2) and an inset
       of K minus each truncation near c = 1 with its rigorous tail bound.
    2. ``mimic_activation``: the reverse-engineered activation (40 terms) next to ReLU.
    3. ``family``: 16 of the 2^8 members of the sign family of an 8-term truncation, differing
       in their low-order signs (:func:`family_signs`).
    4. ``training``: train/test curves of 1HL ReLU, 4HL ReLU and the 1HL mimic (the ``mimic``
       experiment, its fast variant when ``fast``; first format only).
    """
    from ._figures import plot_activation, plot_family, pyplot, residual_inset
    from .series._values import _tail_bound, kernel_values, residual_values, series_values

    plt = pyplot()
    os.makedirs(out, exist_ok=True)
    paths = []

    def save(fig: Any, name: str) -> None:
        fig.tight_layout()
        for fmt in formats:
            path = os.path.join(out, f"{name}.{fmt}")
            fig.savefig(path, dpi=120)
            paths.append(path)
        plt.close(fig)

    K = kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    name = "4HL ReLU NTK (σ_w² = 2, σ_b = 0.1)"
    ns = (5, 20) if fast else (5, 20, 100)
    fig, ax = plt.subplots(figsize=(6, 5.4))
    cs = np.linspace(-1, 1, 101 if fast else 201)
    ax.plot(cs, kernel_values(K, cs), "k", lw=2, label=name)
    series = []
    for i, n in enumerate(ns):
        fam = reverse(K, "ntk", n=n, dps=20)
        color = f"C{i}"
        ax.plot(
            cs,
            series_values(fam.taylor, cs),
            "--",
            color=color,
            label=f"1HL mimic, n = {n} Hermite terms (sup error ≤ {format_bound(fam.tail().bound, 2)})",
        )
        series.append((fam.taylor, color, n))
    near = np.sort(1 - 0.2 * np.linspace(0, 1, 61) ** 2)  # denser near c = 1, where the error lives
    residual_inset(ax, near, [(residual_values(K, a, near), _tail_bound(a), color) for a, color, _ in series])
    ax.set_xlabel("c (cosine between the two inputs)")
    ax.set_ylabel("NTK K(c)")
    ax.set_xlim(-1, 1)
    ax.set_title(
        "the NTK of a 4-hidden-layer ReLU net (σ_w² = 2, σ_b = 0.1) and of its\n"
        "one-hidden-layer mimics (σ_w = 1, σ_b = 0), NTK parameterization",
        fontsize=10,
    )
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.13))  # below the axes: covers no curve
    save(fig, "kernel")

    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    n_act = 40
    mim = reverse(K, "ntk", n=n_act, dps=20)
    plot_activation(
        mim.activation(),
        ax=ax,
        label=f"mimic φ, n = {n_act} Hermite terms, all signs + (NTK error ≤ {format_bound(mim.tail().bound, 2)})",
    )
    ax.set_title(f"a 1-hidden-layer activation (σ_w = 1, σ_b = 0) whose NTK\nis the {name}", fontsize=10)
    ax.legend(fontsize=7)
    save(fig, "mimic_activation")

    fig, ax = plt.subplots(figsize=(7, 4.6))
    small = reverse(K, "ntk", n=8, dps=20)
    plot_family(small, ax=ax, limit=16, seed=0, label=name)
    save(fig, "family")

    # the mimic experiment draws its own figure (train/test MSE of 1HL ReLU, 4HL ReLU, 1HL mimic)
    path = os.path.join(out, f"training.{formats[0]}")
    mimic(fast=fast, out=path)
    paths.append(path)
    return paths
