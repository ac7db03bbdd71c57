"""The experiments' figures: numbers in, PNG/SVG files out.

Place in the pipeline: experiments stage, above :mod:`._trials` (the learning rate in the
titles); draws through the leaf :mod:`hermite_rev._figures` (matplotlib is imported there, on
first use, never at import) and reads kernels on grids from :mod:`hermite_rev.series`.  No
training here: the experiments hand over their curves and results.

Index
-----
mean_curve      epochs and the mean over trials of one curve (over the epochs all trials reached)
parity_figure   train MSE, test MSE and test accuracy of the parity networks over epochs
mimic_figure    train and test MSE of 1HL ReLU, 4HL ReLU and the mimics over epochs (log-log)
figure1_figure  the Figure 1 activations, and their target kernels against the empirical ones
paper_panels    the static panels of the paper's figure set: kernel, mimic activation, family

matplotlib's backend is never forced (headless matplotlib falls back to Agg by itself), so
inline plots in Jupyter keep working.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from .. import kernels
from .._core.exprs import c
from .._core.text import format_bound
from .._figures import plot_activation, plot_family, pyplot, residual_inset
from ..family import reverse
from ..series._values import kernel_values, residual_values, series_values
from ._trials import PAPER_LR

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from numpy.typing import NDArray

    from .._core.typing import FloatArray
    from ..family import Activation

__all__ = ["mean_curve", "parity_figure", "mimic_figure", "figure1_figure", "paper_panels"]


def mean_curve(hists: Sequence[Mapping[str, Any]], key: str) -> tuple[NDArray[Any], FloatArray]:
    """Epochs and the mean over trials of ``key`` (over the epochs all trials reached).

    >>> mean_curve([{"epoch": [0, 1, 2], "mse": [3.0, 2.0, 1.0]}, {"epoch": [0, 1], "mse": [1.0, 0.0]}], "mse")
    (array([0, 1]), array([2., 1.]))
    """
    m = min(len(h[key]) for h in hists)
    return np.asarray(hists[0]["epoch"][:m]), np.mean([np.asarray(h[key][:m], dtype=float) for h in hists], axis=0)


def parity_figure(
    result: Mapping[str, Any],
    curves: Mapping[str, Any],
    out: str | os.PathLike[str],
    bits: int,
    width: int | None = None,
    trials: int | None = None,
) -> None:
    """Train MSE, test MSE and test accuracy over epochs of each parity network: every trial
    (thin) and their mean (bold); the legend of the last panel gives ``result``'s test accuracy."""
    plt = pyplot()

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    panels = (("train_mse", "train MSE", True), ("test_mse", "test MSE", True), ("test_acc", "test accuracy", False))
    dashes = ["-", "--", ":", "-."]  # curves that coincide (sin(6z)/2 and the engineered net) stay visible
    for i, (name, hists) in enumerate(curves.items()):
        color, ls = f"C{i}", dashes[i % len(dashes)]
        for ax, (key, _, logy) in zip(axes, panels):
            plot = ax.semilogy if logy else ax.plot
            for h in hists:
                plot(h["epoch"], h[key], color=color, alpha=0.25, lw=0.6)
            ep, mean = mean_curve(hists, key)
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


def mimic_figure(
    curves: Mapping[str, Any],
    out: str | os.PathLike[str],
    width: int,
    data: str = "wine",
    trials: int | None = None,
    dtype: str = "float32",
) -> None:
    """Train and test MSE over epochs (log-log) of 1HL ReLU, 4HL ReLU and the mimics: every
    trial (thin) and their mean (bold)."""
    plt = pyplot()

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    styles = {"1HL ReLU": ("C0", "-"), "4HL ReLU": ("C3", "-")}
    mimic_styles = iter([("C2", "--"), ("k", "-"), ("C4", "-."), ("C1", ":")])  # never the references' colours
    for name, hists in curves.items():
        color, ls = styles[name] if name in styles else next(mimic_styles, ("C5", "--"))
        for ax, key in zip(axes, ("train_mse", "test_mse")):
            for h in hists:
                ax.loglog(np.array(h["epoch"]) + 1, h[key], color=color, ls=ls, alpha=0.25, lw=0.6)
            ep, mean = mean_curve(hists, key)
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


def figure1_figure(
    result: Mapping[str, Any],
    acts: Mapping[str, Activation],
    targets: Mapping[str, sympy.Expr],
    out: str | os.PathLike[str],
    width: int,
    member: str = "all signs +",
) -> None:
    """Left: the activation of each target (``acts``, the sign-family member ``member`` names);
    right: each target kernel K(c)/K(1) (``targets``: ``{name: K}``) against the empirical kernel
    at ``result``'s cosines."""
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.6))
    z = np.linspace(-3, 3, 301)
    cc = np.linspace(-1, 1, 201)
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
    ax1.set_title(f"activations reverse-engineered from each target\nmember: {member}", fontsize=9)
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


def paper_panels(out: str, formats: Sequence[str] = ("png",), fast: bool = False) -> list[str]:
    """Save the static panels of :func:`hermite_rev.experiments.paper_figures` to ``out``; their paths.

    ``kernel``, ``mimic_activation`` and ``family`` (see there), each in every format.
    """
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
        series.append((fam.taylor, float(fam.tail().bound), color))
    near = np.sort(1 - 0.2 * np.linspace(0, 1, 61) ** 2)  # denser near c = 1, where the error lives
    residual_inset(ax, near, [(residual_values(K, a, near), bound, color) for a, bound, color in series])
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
    return paths
