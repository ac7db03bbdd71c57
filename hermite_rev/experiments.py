r"""The paper's two experiments (Simon, Anand & DeWeese 2022), reproduced with this toolkit.

Index
-----
parity_kernel    the kernel designed for parity, and its reverse-engineered activation
parity           11-bit parity: 4HL ReLU vs 1HL sin(6z)/2 vs 1HL engineered activation
mimic            wine data: 1HL ReLU vs 4HL ReLU vs 1HL activations whose NTK is the 4HL ReLU NTK
run_experiment   run one by name, print a table, write the figure (``hermite-rev experiment``)
parity_task      one (trial, network) of parity: a pure task for hermite_rev.sweep
mimic_task       one (trial, network) of mimic: a pure task for hermite_rev.sweep

Every experiment returns an :class:`ExperimentResult`: a dict ``{network_name: {"train_mse",
"test_mse", "train_acc", "test_acc", "seconds", and "*_std"}}`` (means and standard deviations
over trials) whose only keys are the networks; what an experiment reports beyond them is in
attributes (``mimic``: ``.distance`` and ``.info``).  It also writes a figure.
``fast=True`` is a small variant that runs in CI in well under a minute; the numbers of the
full runs are in the README section "verify".

Training is :func:`hermite_rev.nets.train`: full-batch GD on
:math:`L = \frac{1}{2n}\sum_i \lVert f(x_i) - y_i\rVert^2` with the output centred at
initialization, early stop at train MSE ``stop_mse``.

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
import time

import numpy as np

from ._validate import HermiteRevError, check_positive_int
from .nets import FCN, sphere_inputs, train

__all__ = ["parity_kernel", "parity", "mimic", "run_experiment", "wine_data", "ExperimentResult"]

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

    def __init__(self, networks=(), *, distance=None, info=None):
        super().__init__(networks)
        self.distance = distance
        self.info = info

    def to_json(self):
        """A plain dict for JSON: ``{"networks": {...}, "distance": ..., "info": ...}``."""
        return {"networks": dict(self), "distance": self.distance, "info": self.info}

    def __repr__(self):
        return f"ExperimentResult({dict.__repr__(self)}, distance={self.distance!r}, info={self.info!r})"


def _summarise(runs):
    out = {}
    for key in METRICS:
        vals = np.array([r[key] for r in runs], dtype=float)
        out[key] = float(vals.mean())
        out[key + "_std"] = float(vals.std())
    out["trials"] = len(runs)
    out["epochs"] = float(np.mean([r["epochs"] for r in runs]))
    return out


def _final(hist, seconds):
    return {"train_mse": hist["train_mse"][-1], "test_mse": hist["test_mse"][-1], "train_acc": hist["train_acc"][-1],
            "test_acc": hist["test_acc"][-1], "seconds": seconds, "epochs": hist["stopped_at"]}


# --------------------------------------------------------------------------------------------
# parity
# --------------------------------------------------------------------------------------------


def parity_kernel(beta=36, kappa=4.6, n=80, dps=30):
    """The parity NTK ``kappa sinh(beta c)/sinh(beta)``, its family, and the bounded member.

    Returns ``(K, family, activation)``; the activation has signs (-1)^((k-1)/2) on its odd
    Hermite coefficients (see the module docstring).
    """
    import sympy

    from ._validate import c
    from .family import reverse

    K = sympy.nsimplify(kappa) * sympy.sinh(sympy.nsimplify(beta) * c) / sympy.sinh(sympy.nsimplify(beta))
    fam = reverse(K, "ntk", n=n, dps=dps)
    act = fam.activation({k: (-1) ** ((k - 1) // 2) for k in fam.nonzero})
    return K, fam, act


def _parity_data(bits, seed):
    X = np.array(list(itertools.product([-1.0, 1.0], repeat=bits)))
    y = np.prod(X, axis=1)
    perm = np.random.default_rng(seed).permutation(len(X))
    half = len(X) // 2
    tr, te = perm[:half], perm[half:]
    return X[tr], y[tr], X[te], y[te]


def parity(trials=30, seed=0, fast=False, *, out="parity.png", progress=False, dtype=np.float32, client=None,
           scheduler=None, workers=None):
    r"""The paper's parity experiment.

    Full: n = 11 bits, all 2048 points shuffled (``seed + trial``), 1024 train / 1024 test,
    label = parity (±1), width 128, full-batch GD, stop at train MSE 1e-3.  Networks:

    - ``4HL ReLU``: sigma_w^2 = 2, sigma_b = 0.1, lr 0.1, up to 10000 epochs;
    - ``1HL sin(6z)/2``: sigma_w = 1, sigma_b = 0, lr 0.1, up to 4000 epochs;
    - ``1HL engineered``: :func:`parity_kernel`'s activation, sigma_w = 1, sigma_b = 0,
      lr 0.1, up to 4000 epochs.

    Fast: 7 bits (64 / 64), width 64, 400 / 300 / 300 epochs, ``min(trials, 2)`` trials.

    Every (trial, network) pair is one pure task (:func:`parity_task`, seeded by ``seed +
    trial``), run by :func:`hermite_rev.sweep.run_tasks` on a Dask ``client`` / ``scheduler``
    address, or locally on ``workers`` processes (None: one per core; 1: serially in this
    process).  The numbers do not depend on where the tasks run (``seconds`` aside).

    Returns
    -------
    ExperimentResult
        ``{network_name: {"train_mse", "test_mse", "train_acc", "test_acc", "seconds", "*_std", ...}}``
        (``.distance`` and ``.info`` are None).
    """
    from .sweep import run_tasks

    trials = check_positive_int(trials, "trials")
    bits, width, epochs = (7, 64, (400, 300, 300)) if fast else (11, 128, (10000, 4000, 4000))
    if fast:
        trials = min(trials, 2)
    _, fam, eng = parity_kernel()
    nets = {
        "4HL ReLU": dict(widths=[width] * 4, activation="relu", sigma_w=math.sqrt(2), sigma_b=0.1, lr=0.1,
                         epochs=epochs[0]),
        "1HL sin(6z)/2": dict(widths=[width], activation="sin6", sigma_w=1.0, sigma_b=0.0, lr=0.1, epochs=epochs[1]),
        "1HL engineered": dict(widths=[width], activation=eng, sigma_w=1.0, sigma_b=0.0, lr=0.1, epochs=epochs[2]),
    }
    epoch_progress = bool(progress) and workers == 1 and client is None and scheduler is None
    keys = [(trial, name) for trial in range(trials) for name in nets]
    tasks = [(bits, seed + trial, nets[name], dtype, epoch_progress) for trial, name in keys]
    outs = run_tasks(parity_task, tasks, client=client, scheduler=scheduler, workers=workers,
                     progress=bool(progress) and not epoch_progress, desc=f"parity: {trials} trials x {len(nets)} nets")
    runs = {name: [] for name in nets}
    curves = {name: [] for name in nets}
    for (_, name), (final, hist) in zip(keys, outs):
        runs[name].append(final)
        curves[name].append(hist)
    result = ExperimentResult({name: _summarise(r) for name, r in runs.items()})
    result._draw = lambda path: _parity_figure(result, curves, path, bits)
    if out is not None:
        _parity_figure(result, curves, out, bits)
    return result


def parity_task(bits, trial_seed, cfg, dtype=np.float32, progress=False):
    """One (trial, network) of :func:`parity`: a pure function of its arguments.

    Returns ``(final metrics, training history)``.
    """
    Xtr, ytr, Xte, yte = _parity_data(bits, trial_seed)
    net = FCN(bits, cfg["widths"], cfg["activation"], cfg["sigma_w"], cfg["sigma_b"], seed=trial_seed, dtype=dtype)
    t0 = time.perf_counter()
    hist = train(net, Xtr, ytr, cfg["lr"], cfg["epochs"], stop_mse=1e-3, X_test=Xte, Y_test=yte,
                 progress=progress, eval_every=10)
    return _final(hist, time.perf_counter() - t0), hist


def _parity_figure(result, curves, out, bits):
    from .plots import _plt

    plt = _plt()  # Agg only when no display is configured (keeps notebooks' inline backend)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for i, (name, hists) in enumerate(curves.items()):
        for j, h in enumerate(hists[:5]):
            ax1.semilogy(h["epoch"], h["train_mse"], color=f"C{i}", alpha=0.6, lw=1, label=name if j == 0 else None)
            ax2.plot(h["epoch"], h["test_acc"], color=f"C{i}", alpha=0.6, lw=1, label=name if j == 0 else None)
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("train MSE")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("test accuracy")
    ax2.axhline(0.5, color="k", lw=0.5, ls=":", label="chance")
    ax1.legend(fontsize=8)
    ax2.legend(handles=ax2.get_lines()[-1:], fontsize=8, loc="center right")
    ax2.set_title("mean final test accuracy: " + ", ".join(f"{k.split()[-1]} {v['test_acc']:.2f}"
                                                          for k, v in result.items()), fontsize=8)
    fig.suptitle(f"{bits}-bit parity, full-batch GD: train MSE and test accuracy (up to 5 trials per network)\n"
                 "4HL ReLU (σ_w² = 2, σ_b = 0.1) vs 1HL sin(6z)/2 vs 1HL with the designed odd NTK", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# mimic
# --------------------------------------------------------------------------------------------


def wine_data(seed=0, train_fraction=0.5):
    """scikit-learn's bundled wine data (178 x 13, 3 classes; no download).

    Standardized with the training statistics, rows scaled to |x|^2/d = 1, targets one-hot
    (3 outputs); a stratified random split.
    """
    try:
        from sklearn.datasets import load_wine
    except ImportError as exc:  # scikit-learn is a dev extra
        raise HermiteRevError("the mimic experiment needs scikit-learn (pip install scikit-learn)") from exc
    data = load_wine()
    X, labels = data.data.astype(np.float64), data.target
    rng = np.random.default_rng(seed)
    tr, te = [], []
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        k = int(round(train_fraction * len(idx)))
        tr.extend(idx[:k])
        te.extend(idx[k:])
    tr, te = np.array(sorted(tr)), np.array(sorted(te))
    mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
    Xs = sphere_inputs((X - mu) / sd)
    Y = np.eye(3)[labels]
    return Xs[tr], Y[tr], Xs[te], Y[te]


def _mimic_activations(fast, use_fit):
    import sympy

    from . import kernels
    from .family import reverse

    K = kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    n = 24 if fast else 40
    fam = reverse(K, "ntk", n=n, dps=30)
    acts = {f"1HL mimic (Hermite, {n} terms)": fam.activation()}
    from ._validate import c

    info = {"series_terms": n, "tail_bound": float(fam.tail().bound), "K1": float(K.subs(c, 1).evalf())}
    if use_fit:
        try:
            from . import fit
        except ImportError:
            fit = None
        if fit is not None:
            res = fit.fit_kernel(K, restarts=2 if fast else 8)
            acts["1HL mimic (fitted bounded form)"] = res.expr()
            info["fit_sup_error"] = float(res.sup_error)
            info["fit_seconds"] = float(res.seconds)
    return acts, info


def _curve_distance(h1, h2, key):
    a, b = np.asarray(h1[key]), np.asarray(h2[key])
    m = min(len(a), len(b))
    return float(np.sqrt(np.mean((np.log10(a[:m]) - np.log10(b[:m])) ** 2)))


def mimic(dataset="wine", seed=0, fast=False, *, trials=None, out="mimic.png", progress=False, use_fit=None,
          client=None, scheduler=None, workers=None):
    r"""1HL ReLU vs 4HL ReLU vs 1HL "mimic" whose NTK is the 4HL ReLU NTK.

    Data: :func:`wine_data` (50/50 stratified split, standardized, |x|^2/d = 1, one-hot
    targets).  Networks: ReLU with sigma_w^2 = 2, sigma_b = 0.1 and 1 or 4 hidden layers; the
    mimic has sigma_w = 1, sigma_b = 0 and the activation reverse-engineered from
    ``relu_ntk(4, sqrt(2), 1/10)`` (truncated Hermite series, and in full mode also
    :func:`hermite_rev.fit.fit_kernel`'s bounded form).  Width 4096, lr 0.1, 1000 epochs
    (fast: width 256, 150 epochs, a 24-term series, no fit).

    Every (trial, network) pair is one pure task (:func:`mimic_task`, data split and
    initialization seeded by ``seed + trial``), run by :func:`hermite_rev.sweep.run_tasks`
    on a Dask ``client`` / ``scheduler`` address, or locally on ``workers`` processes (None:
    one per core; 1: serially in this process), with the same numbers (``seconds`` aside).

    Returns
    -------
    ExperimentResult
        ``{network_name: metrics}`` (only networks as keys), with attributes ``.distance``:
        for each mimic, the RMS over epochs of the log10-difference of its train / test MSE
        curves to the 4HL ReLU curves and to the 1HL ReLU curves (the mimic should be much
        closer to the former), and for 1HL ReLU its distance to 4HL ReLU; and ``.info``: how
        the mimic activations were built (series terms, tail bound, K(1), fit error and time).
    """
    if dataset != "wine":
        raise HermiteRevError(f"only the bundled 'wine' data set is supported, got dataset={dataset!r}")
    width, epochs = (256, 150) if fast else (4096, 1000)
    trials = check_positive_int(trials if trials is not None else (1 if fast else 3), "trials")
    use_fit = (not fast) if use_fit is None else bool(use_fit)
    acts, info = _mimic_activations(fast, use_fit)
    nets = {"1HL ReLU": ([width], "relu", math.sqrt(2), 0.1), "4HL ReLU": ([width] * 4, "relu", math.sqrt(2), 0.1)}
    for name, act in acts.items():
        nets[name] = ([width], act, 1.0, 0.0)
    from .sweep import run_tasks

    epoch_progress = bool(progress) and workers == 1 and client is None and scheduler is None
    keys = [(trial, name) for trial in range(trials) for name in nets]
    tasks = [(seed + trial, *nets[name], epochs, epoch_progress) for trial, name in keys]
    outs = run_tasks(mimic_task, tasks, client=client, scheduler=scheduler, workers=workers,
                     progress=bool(progress) and not epoch_progress, desc=f"mimic: {trials} trials x {len(nets)} nets")
    runs = {name: [] for name in nets}
    curves = {name: [] for name in nets}
    for (_, name), (final, hist) in zip(keys, outs):
        runs[name].append(final)
        curves[name].append(hist)
    dist = {}
    for name in acts:
        d = {}
        for ref in ("4HL ReLU", "1HL ReLU"):
            for key in ("train_mse", "test_mse"):
                d[f"{key} vs {ref}"] = float(np.mean([_curve_distance(a, b, key)
                                                      for a, b in zip(curves[name], curves[ref])]))
        dist[name] = d
    d = {}
    for key in ("train_mse", "test_mse"):
        d[f"{key} vs 4HL ReLU"] = float(np.mean([_curve_distance(a, b, key)
                                                 for a, b in zip(curves["1HL ReLU"], curves["4HL ReLU"])]))
    dist["1HL ReLU"] = d
    result = ExperimentResult({name: _summarise(r) for name, r in runs.items()}, distance=dist, info=info)
    result._draw = lambda path: _mimic_figure(curves, path, width)
    if out is not None:
        _mimic_figure(curves, out, width)
    return result


def mimic_task(trial_seed, widths, act, sigma_w, sigma_b, epochs, progress=False):
    """One (trial, network) of :func:`mimic`: a pure function of its arguments.

    Returns ``(final metrics, training history)``.
    """
    Xtr, Ytr, Xte, Yte = wine_data(trial_seed)
    net = FCN(Xtr.shape[1], widths, act, sigma_w, sigma_b, seed=trial_seed, d_out=3)
    t0 = time.perf_counter()
    hist = train(net, Xtr, Ytr, 0.1, epochs, X_test=Xte, Y_test=Yte, progress=progress)
    return _final(hist, time.perf_counter() - t0), hist


def _mimic_figure(curves, out, width):
    from .plots import _plt

    plt = _plt()  # Agg only when no display is configured (keeps notebooks' inline backend)

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    styles = {"1HL ReLU": ("C0", "-"), "4HL ReLU": ("C3", "-")}
    mimic_colors = iter(["C2", "C4", "C1", "C5", "C6"])  # never the references' blue and red
    for name, hists in curves.items():
        color, ls = styles[name] if name in styles else (next(mimic_colors, "k"), "--")
        h = hists[0]
        axes[0].loglog(np.array(h["epoch"]) + 1, h["train_mse"], color=color, ls=ls, label=name)
        axes[1].loglog(np.array(h["epoch"]) + 1, h["test_mse"], color=color, ls=ls, label=name)
    for ax, t in zip(axes, ("train MSE", "test MSE")):
        ax.set_xlabel("epoch + 1")
        ax.set_ylabel(t)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"wine (sklearn), width {width}, full-batch GD, lr 0.1: MSE of the first trial\n"
                 "ReLU nets with σ_w² = 2, σ_b = 0.1; the 1HL mimics (σ_w = 1, σ_b = 0) have the 4HL ReLU NTK",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------------


def _table(result):
    rows = [f"{'network':34s} {'train MSE':>20s} {'test MSE':>20s} {'train acc':>14s} {'test acc':>14s} {'s':>7s}"]
    for name, r in result.items():
        rows.append(f"{name:34s} {r['train_mse']:9.3g} ± {r['train_mse_std']:<8.2g} {r['test_mse']:9.3g} ± "
                    f"{r['test_mse_std']:<8.2g} {r['train_acc']:6.3f} ± {r['train_acc_std']:<5.3f} "
                    f"{r['test_acc']:6.3f} ± {r['test_acc_std']:<5.3f} {r['seconds']:7.1f}")
    distance = getattr(result, "distance", None)
    if distance:
        rows.append("curve distance (RMS of log10 MSE difference over epochs):")
        for name, d in distance.items():
            rows.append(f"  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in d.items()))
    return "\n".join(rows)


def run_experiment(name, fast=False, as_json=False, out=None, **options):
    """Run ``parity`` or ``mimic``, print a table (or JSON), write the figure; returns the result.

    The JSON is :meth:`ExperimentResult.to_json`: ``{"networks": {...}, "distance": ...,
    "info": ...}`` (``distance`` and ``info`` are null for parity).
    """
    table = {"parity": parity, "mimic": mimic}
    if name not in table:
        raise HermiteRevError(f"unknown experiment {name!r}; choose one of {sorted(table)}")
    from .verify import _check_writable

    out = _check_writable(out or f"{name}{'_fast' if fast else ''}.png")  # before hours of training
    result = table[name](fast=fast, out=None, **options)
    if as_json:
        from .cli import _json_ready

        print(json.dumps(_json_ready(result.to_json()), indent=2, allow_nan=False))
    else:
        print(_table(result), flush=True)  # the table first: a figure that fails to save loses nothing
    result._draw(out)
    if not as_json:
        print(f"figure: {out}")
    return result
