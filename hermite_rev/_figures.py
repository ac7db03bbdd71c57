"""Drawing: numbers in, matplotlib figures out (a leaf: imports only :mod:`hermite_rev._core`).

Index
-----
pyplot              matplotlib's pyplot, imported on first use, with the user's backend
kernel_label        what a figure calls a kernel: the user's label or text, never a long sympy tree
draw_kernel         a kernel's values and its truncated series on [-1, 1], with a residual inset
residual_inset      K - K_n near c = 1 with the tail bound
plot_activation     an activation next to ReLU
family_signs        which members plot_family draws, and a sentence saying how they were chosen
net_text            the network a family's members live in, with its hyperparameters
plot_family         members of a sign family that differ in their low-order signs (seeded)
plot_width_scaling  finite-width error against width, with the fitted exponent and its uncertainty

Objects (activations, families) are used through their methods (``act.plot``,
``fam.activation``), never imported: every stage may draw through this module, and it imports no
stage.  Every function takes an optional matplotlib ``ax`` and returns it.  matplotlib's backend is
never forced (headless matplotlib falls back to Agg by itself), so inline plots in Jupyter keep
working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from ._core.registry import kernel_name
from ._core.text import format_bound

if TYPE_CHECKING:
    from ._core.typing import FloatArray

__all__ = [
    "pyplot",
    "kernel_label",
    "draw_kernel",
    "residual_inset",
    "plot_activation",
    "family_signs",
    "net_text",
    "plot_family",
    "plot_width_scaling",
]


def pyplot() -> Any:
    """pyplot, with the backend the user has (matplotlib itself falls back to Agg headless).

    Never forces a backend: that would switch off inline plots in Jupyter.
    """
    import matplotlib.pyplot as plt

    return plt


def kernel_label(K: Any = None, label: str | None = None, max_len: int = 48) -> str:
    """The name a figure gives a kernel: ``label`` if given, else the text the user typed (a
    string kernel), else the constructor call that built it
    (:func:`hermite_rev.kernels.label_of`, e.g. ``relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=0.1)``),
    else the sympy form when it is at most ``max_len`` characters, else ``"K(c)"``.

    Examples
    --------
    >>> import hermite_rev as hr
    >>> kernel_label(hr.kernels.relu_ntk(depth=2, sigma_b=0.1))
    'relu_ntk(depth=2, sigma_b=0.1)'
    >>> kernel_label(hr.kernels.relu_ntk(depth=2), label="my kernel"), kernel_label(hr.c**2 / 2)
    ('my kernel', 'c**2/2')
    """

    return kernel_name(K, label, max_len)


def residual_inset(
    ax: Any,
    cs: FloatArray,
    curves: Sequence[tuple[FloatArray, float | None, str]],
    c0: float = 0.8,
    loc: Sequence[float] = (0.1, 0.44, 0.42, 0.4),
) -> Any:
    """Inset on ``ax``: K(c) - K_n(c) at the cosines ``cs`` in [c0, 1], one curve per truncation in
    ``curves`` (residuals, tail bound or None, color), each bound as a dotted line."""
    inset = ax.inset_axes(list(loc))
    drawn = False
    for res, bound, color in curves:
        inset.plot(cs, res, color=color, lw=1.2)
        if bound is not None:
            inset.axhline(bound, color=color, ls=":", lw=1)
        drawn = True
    if not drawn:
        inset.remove()
        return None
    inset.set_xlim(c0, 1)
    inset.set_ylim(bottom=0)
    inset.set_xticks(np.linspace(c0, 1, 3))
    inset.set_title("K(c) − truncated series near c = 1;\ndotted: rigorous tail bound K(1) − Σ a_k", fontsize=6.5)
    inset.set_xlabel("c", fontsize=7, labelpad=1)
    inset.tick_params(labelsize=6)
    return inset


def draw_kernel(
    cs: FloatArray,
    values: FloatArray | None,
    series: FloatArray | None,
    *,
    name: str,
    n_terms: int = 0,
    bound: float | None = None,
    residuals: tuple[FloatArray, FloatArray] | None = None,
    ax: Any = None,
    kind: str | None = None,
    **kwargs: Any,
) -> Any:
    """Draw a kernel on c in [-1, 1] from its values: the closed form (``values``) and/or the
    truncated series (``series``, ``n_terms`` terms, tail ``bound``), and an inset of the
    residuals ``(cosines, K - K_n)`` near c = 1 with the bound.  Numbers in, Axes out: the values
    come from :func:`hermite_rev.series.plot_kernel`.
    """
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.2))
    if values is not None:
        ax.plot(cs, values, color=kwargs.pop("color", "k"), lw=2, label=name, **kwargs)
    if series is not None:
        extra = f", tail ≤ {format_bound(bound, 3)}" if bound is not None else ""
        ax.plot(cs, series, "--", color="C1", label=f"Taylor series, {n_terms} terms{extra}")
    ax.set_xlabel("c (cosine between the two inputs)")
    ax.set_ylabel(f"{kind.upper()} K(c)" if kind else "K(c)")
    ax.set_xlim(-1, 1)
    if residuals is not None:
        residual_inset(ax, residuals[0], [(residuals[1], bound, "C1")])
    # below the axes: an increasing kernel runs through every corner the inset leaves free
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), fontsize=8)
    ax.set_title(name if values is not None else f"truncated series of {name}", fontsize=10)
    return ax


def plot_activation(
    act: Any, ax: Any = None, xlim: tuple[float, float] = (-3, 3), relu: bool = True, label: str = "phi", **kwargs: Any
) -> Any:
    """Plot an :class:`~hermite_rev.family.Activation` (and ReLU for reference)."""
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots()
    act.plot(ax=ax, xlim=xlim, label=label, **kwargs)
    if relu:
        xs = np.linspace(*xlim, 201)
        ax.plot(xs, np.maximum(xs, 0), color="gray", lw=1, ls=":", label="ReLU")
    ax.set_xlabel("z (pre-activation)")
    ax.set_ylabel(r"$\phi(z)$")
    ax.legend()
    return ax


def family_signs(fam: Any, limit: int = 16, seed: int = 0, low: int | None = None) -> tuple[list[list[int]], str, int]:
    """Sign vectors of up to ``limit`` members of ``fam`` that differ in their low-order signs.

    phi and -phi have the same kernel, so the sign of the lowest nonzero term is fixed to +.
    The signs of the next ``low`` nonzero terms (the low-order ones, which set the shape on
    [-3, 3]; default: just enough for ``limit`` patterns) are varied: all patterns when there
    are at most ``limit``, else ``limit`` distinct ones drawn with ``numpy.random.default_rng(seed)``;
    higher-order signs stay +.

    Returns
    -------
    (list of list of int, str, int)
        The sign vectors (one entry per nonzero term), a sentence saying how they were chosen,
        and the number of varied terms.
    """
    m = len(fam.nonzero)
    if m == 0:
        return [], "the family has no nonzero term", 0
    free = m - 1
    if low is None:
        low = min(free, max(1, int(np.ceil(np.log2(max(limit, 2))))))
    low = min(low, free)
    patterns = 2**low
    if patterns <= limit:
        picks = list(range(patterns))
        how = "all patterns"
    else:
        rng = np.random.default_rng(seed)
        picks = sorted(int(i) for i in rng.choice(patterns, size=limit, replace=False))
        how = f"{limit} patterns drawn at random (seed {seed})"
    signs = []
    for i in picks:
        vec = [1] * m
        for j in range(low):
            if (i >> (low - 1 - j)) & 1:
                vec[1 + j] = -1
        signs.append(vec)
    ks = list(fam.nonzero)
    if low == 0:
        text = f"b_{ks[0]} > 0 (−φ has the same kernel)"
    else:
        text = f"signs of b_{ks[1]}..b_{ks[low]}: {how}; b_{ks[0]} > 0 (−φ has the same kernel)" + (
            f", b_{ks[low + 1]}.. > 0" if low + 1 < m else ""
        )
    return signs, text, low


def _sym(x: Any) -> str:
    """A hyperparameter as text: exact numbers as they are (sqrt(2), 1/10)."""
    x = sympy.sympify(x)
    return str(sympy.nsimplify(x)) if x.is_Float else str(x)


def net_text(fam: Any) -> str:
    """The network a family's members live in, with its hyperparameters: ``1HL net (σ_w = 1, σ_b = 0)``,
    ``4HL net (σ_w = sqrt(2), σ_b = 0)`` for a deep family."""
    depth = getattr(fam, "depth", 1)
    report = getattr(fam, "report", None)
    hyper = getattr(fam, "hyper", None) or {}
    if report is not None:
        sw, sb = report.sigma_w, report.sigma_b
    else:
        sw, sb = hyper.get("sigma_w", 1), hyper.get("sigma_b", 0)
    extra = ""
    if hyper.get("parameterization", "ntk") != "ntk":
        extra = f", {hyper['parameterization']} parameterization"
    return f"{depth}HL net (σ_w = {_sym(sw)}, σ_b = {_sym(sb)}{extra})"


def plot_family(
    fam: Any,
    ax: Any = None,
    xlim: tuple[float, float] = (-3, 3),
    limit: int = 16,
    seed: int = 0,
    low: int | None = None,
    label: str | None = None,
    highlight: Sequence[tuple[Any, str]] = (),
) -> Any:
    """Plot members of a sign family that differ in their low-order signs (see
    :func:`family_signs`), with the sign patterns in the legend and how they were chosen below.
    ``highlight``: (activation, legend text) pairs drawn on top in thick black (e.g. a best member)."""
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.8))
    signs, how, varied = family_signs(fam, limit=limit, seed=seed, low=low)
    for i, vec in enumerate(signs):
        pattern = "".join("+" if v > 0 else "−" for v in vec[: 1 + varied])
        style = {"color": f"C{i % 10}", "ls": ("-", "--", ":")[(i // 10) % 3]}  # no two curves alike
        fam.activation(vec).plot(ax=ax, xlim=xlim, lw=1.1, alpha=0.9, label=pattern, **style)
    for act, text in highlight:
        act.plot(ax=ax, xlim=xlim, color="k", lw=2.5, label=text)
    name = kernel_label(fam.kernel, label if label is not None else getattr(fam, "label", None))
    ax.set_title(
        f"{len(signs)} of {fam.count()} activations φ: a {net_text(fam)} with φ has {fam.kind.upper()}\n"
        f"{name} (n = {fam.n} Hermite terms)",
        fontsize=9,
    )
    ax.set_xlabel("z (pre-activation)")
    ax.set_ylabel(r"$\phi(z)$")
    ks = list(fam.nonzero)
    ax.legend(
        fontsize=6,
        ncol=2,
        title=f"signs of b_{ks[0]}..b_{ks[varied]}" if signs else None,
        title_fontsize=6,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
    )
    ax.annotate(how, xy=(0, -0.16), xycoords="axes fraction", fontsize=6.5, va="top", wrap=True)
    return ax


def plot_width_scaling(
    widths: Sequence[float],
    rms: Sequence[float],
    ax: Any = None,
    per_seed: Sequence[float] | None = None,
    expected: float | None = -0.5,
    label: str = "rms(empirical − exact)",
) -> tuple[Any, dict[str, Any]]:
    """Finite-width error against width on log-log axes, with the fitted power law.

    The exponent p of ``rms ~ C width^p`` is fitted by least squares in log-log; its standard
    error comes from the residuals (from the spread of ``per_seed`` exponents when given, the
    larger of the two).  When fewer than 3 widths are given, the error does not decrease, or the
    standard error exceeds |p|/3, the panel says the points are too noisy for a fit instead of
    printing an exponent.

    Returns
    -------
    (Axes, dict)
        The axes and ``{"exponent", "stderr", "fit": bool, "reason"}``.
    """
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    w = np.asarray(widths, dtype=float)
    r = np.asarray(rms, dtype=float)
    ax.loglog(w, r, "C3o", label=label)
    info: dict[str, Any] = {"exponent": None, "stderr": None, "fit": False, "reason": ""}
    ok = np.isfinite(r) & (r > 0)
    if ok.sum() >= 3:
        lw, lr = np.log(w[ok]), np.log(r[ok])
        A = np.vstack([lw, np.ones_like(lw)]).T
        (p, logc), res, *_ = np.linalg.lstsq(A, lr, rcond=None)
        dof = len(lw) - 2
        s2 = float(res[0]) / dof if dof > 0 and len(res) else 0.0
        se = float(np.sqrt(s2 / np.sum((lw - lw.mean()) ** 2)))
        if per_seed is not None and len(per_seed) > 1:
            se = max(se, float(np.std(per_seed, ddof=1) / np.sqrt(len(per_seed))))
        info.update(exponent=float(p), stderr=se)
        if p >= 0:
            info["reason"] = "error does not decrease with width"
        elif se > abs(p) / 3:
            info["reason"] = f"fit uncertainty ±{se:.2g} too large"
        else:
            info["fit"] = True
            xs = np.geomspace(w[ok].min(), w[ok].max(), 50)
            ax.loglog(xs, np.exp(logc) * xs**p, "C3-", lw=1, label=f"fit: exponent {p:.2f} ± {se:.2f}")
    else:
        info["reason"] = f"{int(ok.sum())} usable widths (a fit needs 3)"
    if expected is not None and ok.any():
        w0, r0 = w[ok][0], r[ok][0]
        ax.loglog(w[ok], r0 * (w[ok] / w0) ** expected, "k:", lw=1, label=f"width$^{{{expected:g}}}$ (theory)")
    ax.set_xlabel("hidden width")
    ax.xaxis.set_minor_formatter(plt.NullFormatter())  # a narrow width range labels every minor tick, overlapping
    ax.set_ylabel("finite-width error")
    if info["fit"]:
        ax.set_title(f"fitted exponent {info['exponent']:.2f} ± {info['stderr']:.2f} (theory {expected:g})", fontsize=9)
    elif "usable widths" in info["reason"]:
        ax.set_title(f"no fit: {info['reason']}", fontsize=9)
    else:
        ax.set_title(f"too noisy for a fit: {info['reason']}", fontsize=9)
    ax.legend(fontsize=7)
    return ax, info
