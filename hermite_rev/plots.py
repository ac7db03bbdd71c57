"""Figures: kernels, activations, families, width scaling, and the paper-style set.

Index
-----
kernel_label        what a figure calls a kernel: the user's label or text, never a long sympy tree
plot_kernel         K(c) on [-1, 1] and/or its truncated Taylor series, with a residual inset near
                    c = 1 (target minus truncated kernel, and the rigorous tail bound)
plot_activation     an activation next to ReLU
family_signs        which members plot_family draws, and a sentence saying how they were chosen
plot_family         members of a sign family that differ in their low-order signs (seeded)
plot_width_scaling  finite-width error against width, with the fitted exponent and its uncertainty
paper_figures       the figure set of the paper (kernel, mimic activation, family, training curves)

Every function takes an optional matplotlib ``ax`` and returns it; ``paper_figures`` saves
files and returns their paths.  matplotlib's backend is never forced (headless matplotlib falls
back to Agg by itself), so inline plots in Jupyter keep working.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np
import sympy

from ._text import format_bound
from ._validate import as_expr, c

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._typing import FloatArray

__all__ = [
    "kernel_label",
    "plot_kernel",
    "plot_activation",
    "family_signs",
    "plot_family",
    "plot_width_scaling",
    "paper_figures",
]


def _plt() -> Any:
    """pyplot, with the backend the user has (matplotlib itself falls back to Agg headless).

    Never forces a backend: that would switch off inline plots in Jupyter.
    """
    import matplotlib.pyplot as plt

    return plt


def _safe_sqrt(x: FloatArray) -> FloatArray:
    x = np.asarray(x, dtype=float)
    return np.where(x > -1e-12, np.sqrt(np.maximum(x, 0.0)), np.nan)


def _safe_arc(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def g(x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        return np.where(np.abs(x) <= 1 + 1e-12, f(np.clip(x, -1.0, 1.0)), np.nan)

    return g


_SAFE = {"sqrt": _safe_sqrt, "acos": _safe_arc(np.arccos), "asin": _safe_arc(np.arcsin)}


def _kernel_values(K: sympy.Expr, cs: FloatArray, dps: int = 20) -> FloatArray:
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
                out[i] = float(evaluate_at(expr, int(x), dps)[0]) if abs(x) == 1 else float(mpmath.re(g(mpmath.mpf(x))))
    return out


def _erf(x: Any) -> Any:
    from scipy.special import erf

    return erf(x)


def _series_values(coeffs: Sequence[Any], cs: FloatArray) -> FloatArray:
    """sum_k a_k c^k by Horner in float64."""
    a = np.array([float(x) for x in coeffs])
    out = np.zeros_like(cs, dtype=float)
    for ak in a[::-1]:
        out = out * cs + ak
    return out


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
    from .kernels import kernel_name

    return kernel_name(K, label, max_len)


def _residual_values(K: sympy.Expr, coeffs: Sequence[Any], cs: FloatArray, dps: int = 30) -> FloatArray:
    """K(c) - sum_k a_k c^k at each c, in mpmath at ``dps`` digits (float64 would lose a small
    residual to cancellation)."""
    expr = as_expr(K, c, name="kernel")
    f = sympy.lambdify(c, expr, modules="mpmath")
    out = []
    with mpmath.workdps(dps):
        a = [mpmath.mpf(x) if not isinstance(x, sympy.Basic) else mpmath.mpf(sympy.N(x, dps + 5)) for x in coeffs]
        for x in cs:
            xm = mpmath.mpf(float(x))
            out.append(float(mpmath.re(f(xm)) - mpmath.polyval(a[::-1], xm)))
    return np.array(out)


def _tail_bound(coeffs: Any) -> float | None:
    """The rigorous tail bound of a TaylorCoeffs list, or None (a plain list, or a series whose
    tail could not be certified)."""
    from ._validate import HermiteRevError

    try:
        return float(coeffs.tail.bound)
    except (AttributeError, HermiteRevError):
        return None


def _residual_inset(
    ax: Any,
    K: sympy.Expr,
    series: Sequence[tuple[Any, Any, int]],
    c0: float = 0.8,
    loc: Sequence[float] = (0.1, 0.44, 0.42, 0.4),
) -> Any:
    """Inset on ``ax``: K(c) - K_n(c) for c in [c0, 1] per truncation in ``series`` (a list of
    (coeffs, color, n)), each with its tail bound K(1) - sum a_k as a dotted line."""
    cs = 1 - (1 - c0) * np.linspace(0, 1, 61) ** 2  # denser near c = 1, where the error lives
    cs = np.sort(cs)
    inset = ax.inset_axes(list(loc))
    drawn = False
    for coeffs, color, _n in series:
        res = _residual_values(K, coeffs, cs)
        inset.plot(cs, res, color=color, lw=1.2)
        bound = _tail_bound(coeffs)
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


def plot_kernel(
    K: Any = None,
    coeffs: Sequence[Any] | None = None,
    ax: Any = None,
    label: str | None = None,
    points: int = 201,
    residual: bool = True,
    kind: str | None = None,
    **kwargs: Any,
) -> Any:
    """Plot a kernel on c in [-1, 1]: its closed form ``K`` and/or a coefficient list ``coeffs``.

    With both, an inset near c = 1 shows the residual K(c) - sum_{k<n} a_k c^k (computed in
    mpmath) and, for a :class:`~hermite_rev.series.TaylorCoeffs`, the rigorous tail bound
    K(1) - sum a_k that bounds it on the whole interval: the truncation error is concentrated at
    c = 1, where the main panel cannot show it.

    Parameters
    ----------
    K : sympy.Expr or str, optional
        The kernel in c.
    coeffs : sequence of numbers, optional
        Taylor coefficients a_0, a_1, ... (a ``TaylorCoeffs`` carries its tail bound).
    ax : matplotlib Axes, optional
    label : str, optional
        Name of the kernel in the legend and title (default: :func:`kernel_label`).
    residual : bool
        Draw the residual inset (needs both ``K`` and ``coeffs``).
    kind : {"ntk", "nngp"}, optional
        Only for the y-axis label.

    Returns
    -------
    matplotlib Axes
    """
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.2))
    name = kernel_label(K if K is not None else getattr(coeffs, "expr", None), label)
    cs = np.linspace(-1, 1, points)
    if K is not None:
        ax.plot(cs, _kernel_values(K, cs), color=kwargs.pop("color", "k"), lw=2, label=name, **kwargs)
    if coeffs is not None:
        bound = _tail_bound(coeffs)
        extra = f", tail ≤ {format_bound(bound, 3)}" if bound is not None else ""
        ax.plot(cs, _series_values(coeffs, cs), "--", color="C1", label=f"Taylor series, {len(coeffs)} terms{extra}")
    ax.set_xlabel("c (cosine between the two inputs)")
    ax.set_ylabel(f"{kind.upper()} K(c)" if kind else "K(c)")
    ax.set_xlim(-1, 1)
    if residual and K is not None and coeffs is not None:
        _residual_inset(ax, K, [(coeffs, "C1", len(coeffs))])
    # below the axes: an increasing kernel runs through every corner the inset leaves free
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), fontsize=8)
    ax.set_title(name if K is not None else f"truncated series of {name}", fontsize=10)
    return ax


def plot_activation(
    act: Any, ax: Any = None, xlim: tuple[float, float] = (-3, 3), relu: bool = True, label: str = "phi", **kwargs: Any
) -> Any:
    """Plot an :class:`~hermite_rev.family.Activation` (and ReLU for reference)."""
    plt = _plt()
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
    plt = _plt()
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
    plt = _plt()
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
    ax.set_ylabel("finite-width error")
    if info["fit"]:
        ax.set_title(f"fitted exponent {info['exponent']:.2f} ± {info['stderr']:.2f} (theory {expected:g})", fontsize=9)
    elif "usable widths" in info["reason"]:
        ax.set_title(f"no fit: {info['reason']}", fontsize=9)
    else:
        ax.set_title(f"too noisy for a fit: {info['reason']}", fontsize=9)
    ax.legend(fontsize=7)
    return ax, info


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
    from . import kernels
    from .family import reverse

    plt = _plt()
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
    ax.plot(cs, _kernel_values(K, cs), "k", lw=2, label=name)
    series = []
    for i, n in enumerate(ns):
        fam = reverse(K, "ntk", n=n, dps=20)
        color = f"C{i}"
        ax.plot(
            cs,
            _series_values(fam.taylor, cs),
            "--",
            color=color,
            label=f"1HL mimic, n = {n} Hermite terms (sup error ≤ {format_bound(fam.tail().bound, 2)})",
        )
        series.append((fam.taylor, color, n))
    _residual_inset(ax, K, series)
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
    mimic = reverse(K, "ntk", n=n_act, dps=20)
    plot_activation(
        mimic.activation(),
        ax=ax,
        label=f"mimic φ, n = {n_act} Hermite terms, all signs + (NTK error ≤ {format_bound(mimic.tail().bound, 2)})",
    )
    ax.set_title(f"a 1-hidden-layer activation (σ_w = 1, σ_b = 0) whose NTK\nis the {name}", fontsize=10)
    ax.legend(fontsize=7)
    save(fig, "mimic_activation")

    fig, ax = plt.subplots(figsize=(7, 4.6))
    small = reverse(K, "ntk", n=8, dps=20)
    plot_family(small, ax=ax, limit=16, seed=0, label=name)
    save(fig, "family")

    from . import experiments

    # the mimic experiment draws its own figure (train/test MSE of 1HL ReLU, 4HL ReLU, 1HL mimic)
    path = os.path.join(out, f"training.{formats[0]}")
    experiments.mimic(fast=fast, out=path)
    paths.append(path)
    return paths
