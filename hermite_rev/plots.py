"""Figures: kernels, activations, families, and the paper-style set.

Index
-----
plot_kernel        K(c) on [-1, 1] (closed form and/or truncated Taylor series)
plot_activation    an activation next to ReLU
plot_family        several members of a sign family
paper_figures      the figure set of the paper (kernel, mimic activation, family, training curves)

Every function takes an optional matplotlib ``ax`` and returns it; ``paper_figures`` saves
files and returns their paths.  matplotlib is imported on first use, with the Agg backend when
no display is configured.
"""

from __future__ import annotations

import os

import mpmath
import numpy as np
import sympy

from ._validate import as_expr, c

__all__ = ["plot_kernel", "plot_activation", "plot_family", "paper_figures"]


def _plt():
    """pyplot, with the backend the user has (matplotlib itself falls back to Agg headless).

    Never forces a backend: that would switch off inline plots in Jupyter.
    """
    import matplotlib.pyplot as plt

    return plt


def _safe_sqrt(x):
    x = np.asarray(x, dtype=float)
    return np.where(x > -1e-12, np.sqrt(np.maximum(x, 0.0)), np.nan)


def _safe_arc(f):
    def g(x):
        x = np.asarray(x, dtype=float)
        return np.where(np.abs(x) <= 1 + 1e-12, f(np.clip(x, -1.0, 1.0)), np.nan)
    return g


_SAFE = {"sqrt": _safe_sqrt, "acos": _safe_arc(np.arccos), "asin": _safe_arc(np.arcsin)}


def _kernel_values(K, cs, dps=20):
    """K at each c: float64 with common sub-expressions shared (rounding just outside acos's
    domain at c = +-1 is clipped); points that still fail are redone in mpmath."""
    import warnings

    expr = as_expr(K, c, name="kernel")
    cs = np.asarray(cs, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = sympy.lambdify(c, expr, modules=[_SAFE, "numpy", {"erf": _erf}], cse=True)
        out = np.broadcast_to(np.asarray(f(cs), dtype=float), cs.shape).copy()
    # float64 loses digits where nested sqrt(1 - rho^2) / acos(rho) approach their branch points
    # (|c| near 1): redo those points in mpmath, and c = +-1 exactly (acos(1) = 0 symbolically)
    bad = ~np.isfinite(out) | (np.abs(cs) > 0.999)
    if bad.any():
        from .series import evaluate_at

        g = sympy.lambdify(c, expr, modules="mpmath")
        with mpmath.workdps(dps):
            for i in np.flatnonzero(bad):
                x = float(cs[i])
                out[i] = (float(evaluate_at(expr, int(x), dps)[0]) if abs(x) == 1
                          else float(mpmath.re(g(mpmath.mpf(x)))))
    return out


def _erf(x):
    from scipy.special import erf

    return erf(x)


def _series_values(coeffs, cs):
    """sum_k a_k c^k by Horner in float64."""
    a = np.array([float(x) for x in coeffs])
    out = np.zeros_like(cs, dtype=float)
    for ak in a[::-1]:
        out = out * cs + ak
    return out


def plot_kernel(K=None, coeffs=None, ax=None, label=None, points=201, **kwargs):
    """Plot a kernel on c in [-1, 1]: its closed form ``K`` and/or a coefficient list ``coeffs``."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots()
    cs = np.linspace(-1, 1, points)
    if K is not None:
        ax.plot(cs, _kernel_values(K, cs), label=label or "K(c)", **kwargs)
    if coeffs is not None:
        ax.plot(cs, _series_values(coeffs, cs), "--", label=f"series, {len(coeffs)} terms", **kwargs)
    ax.set_xlabel("c (cosine between inputs)")
    ax.set_ylabel("kernel")
    ax.legend()
    return ax


def plot_activation(act, ax=None, xlim=(-3, 3), relu=True, label="phi", **kwargs):
    """Plot an :class:`~hermite_rev.family.Activation` (and ReLU for reference)."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots()
    act.plot(ax=ax, xlim=xlim, label=label, **kwargs)
    if relu:
        xs = np.linspace(*xlim, 201)
        ax.plot(xs, np.maximum(xs, 0), color="gray", lw=1, ls=":", label="ReLU")
    ax.legend()
    return ax


def plot_family(fam, ax=None, xlim=(-3, 3), limit=16):
    """Plot up to ``limit`` members of a family on one Axes."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots()
    return fam.plot(ax=ax, xlim=xlim, limit=limit)


def paper_figures(out="out/figures", formats=("png",), fast=False):
    """Save the paper-style figures to ``out`` and return their paths.

    1. ``kernel``: the 4-hidden-layer ReLU NTK (sigma_w^2 = 2, sigma_b = 0.1) against c, with
       the NTKs of its truncated one-hidden-layer mimics (like the paper's Fig. 2).
    2. ``mimic_activation``: the reverse-engineered activation next to ReLU.
    3. ``family``: members of the sign family of a short truncation.
    4. ``training``: train/test curves of 1HL ReLU, 4HL ReLU and the 1HL mimic (the ``mimic``
       experiment, its fast variant when ``fast``; first format only).
    """
    from . import kernels
    from .family import reverse

    plt = _plt()
    os.makedirs(out, exist_ok=True)
    paths = []

    def save(fig, name):
        fig.tight_layout()
        for fmt in formats:
            path = os.path.join(out, f"{name}.{fmt}")
            fig.savefig(path, dpi=120)
            paths.append(path)
        plt.close(fig)

    K = kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    ns = (5, 20) if fast else (5, 20, 100)
    fig, ax = plt.subplots(figsize=(5, 4))
    cs = np.linspace(-1, 1, 101 if fast else 201)
    ax.plot(cs, _kernel_values(K, cs), "k", lw=2, label="4HL ReLU NTK")
    fam = None
    for n in ns:
        fam = reverse(K, "ntk", n=n, dps=20)
        ax.plot(cs, _series_values(fam.taylor, cs), "--",
                label=f"1HL NTK, n={n} (sup err <= {float(fam.tail().bound):.2g})")
    ax.set_xlabel("c")
    ax.set_ylabel("NTK")
    ax.set_title("deep ReLU NTK and its one-hidden-layer mimics")
    ax.legend(fontsize=8)
    save(fig, "kernel")

    fig, ax = plt.subplots(figsize=(5, 4))
    plot_activation(reverse(K, "ntk", n=40, dps=20).activation(), ax=ax, label="mimic phi (n=40, signs +)")
    ax.set_title("activation whose 1HL NTK is the 4HL ReLU NTK")
    save(fig, "mimic_activation")

    fig, ax = plt.subplots(figsize=(5, 4))
    small = reverse(K, "ntk", n=5, dps=20)
    small.plot(ax=ax, limit=small.count())
    save(fig, "family")

    from . import experiments

    # the mimic experiment draws its own figure (train/test MSE of 1HL ReLU, 4HL ReLU, 1HL mimic)
    path = os.path.join(out, f"training.{formats[0]}")
    experiments.mimic(fast=fast, out=path)
    paths.append(path)
    return paths
