"""The theorem report: reverse-engineer a kernel, then check it series vs quadrature vs finite width.

Place: the top of the verify stage (uses :mod:`._quadrature` and :mod:`._finite_width`); imports
:mod:`hermite_rev.family` (``reverse``), the grid values of :mod:`hermite_rev.series` and the
drawing leaf :mod:`hermite_rev._figures` (matplotlib itself loads only when a figure is drawn).

Index
-----
theorem_report   the numbers (dict) and the figure of the three-way check of one kernel
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np
import sympy

from .. import _figures
from .._core.exprs import c as csym
from .._core.limits import LIMITS, check_size
from .._core.text import format_bound
from .._core.validate import check_kind, check_writable
from ..family import ActivationFamily, reverse
from ..series._values import kernel_values, residual_values, series_values
from ..sweep import run_tasks
from ._checks import bounded_list, check_cs
from ._finite_width import empirical_kernel
from ._quadrature import quadrature_kernel

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping, Sequence

    from .._core.typing import FloatArray, KernelLike, Kind, Signs

__all__ = ["theorem_report"]


def theorem_report(
    K: KernelLike | ActivationFamily,
    kind: Kind = "ntk",
    n: int = 40,
    cs: Sequence[float] = tuple(np.round(np.linspace(-1, 1, 21), 10)),
    widths: Sequence[int] = (2**8, 2**12, 2**16),
    seeds: Iterable[int] = range(3),
    out: str | os.PathLike[str] | None = None,
    dps: int = 30,
    signs: Signs | None = None,
    *,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    r"""Reverse-engineer ``K``, then compare series, quadrature and finite-width kernels.

    ``K`` may also be an :class:`~hermite_rev.family.ActivationFamily` already computed by
    ``reverse``; its kernel, kind, n and dps are then used and ``kind``, ``n``, ``dps`` ignored.

    Steps: ``fam = reverse(K, kind, n, dps)``; ``act = fam.activation(signs)``; on the grid
    ``cs`` evaluate (1) K itself (sympy, mpmath), (2) the truncated series sum_{k<n} a_k c^k
    (its tail bound ``fam.tail()`` bounds |K - series| on [-1, 1]), (3) the kernel of ``act``
    by Gauss-Hermite quadrature (float64, exact for the polynomial ``act``: this checks the
    theorem, not the series), (4) the empirical kernel of 1HL nets of each width (mean and std
    over ``seeds``).  Draws the curves (like Fig. 2 of Simon et al.) and the finite-width
    error against width, and saves the figure to ``out`` (default None: no figure and no file
    written; before, ``theorem_report.png`` was written into the current folder; the CLI's
    ``hermite-rev verify`` writes ``out/verify.png``).  The (width, seed)
    empirical kernels are pure tasks run by :func:`hermite_rev.sweep.run_tasks` (``client``,
    ``scheduler``, ``workers`` as in :func:`width_scaling`).

    Returns
    -------
    dict
        ``cs``, ``target``, ``series``, ``quadrature``, ``quadrature_error`` (estimate),
        ``empirical`` {width: (mean, std)}, ``tail_bound``, ``max_series_vs_quadrature``,
        ``max_target_vs_series``, ``empirical_rms`` {width: rms error vs quadrature},
        ``width_exponent``, ``activation`` (the Activation), ``figure`` (path or None).
    """
    cs = [float(v) for v in check_cs(cs)]  # every size is checked before the reverse step
    widths = [check_size(w, "width") for w in bounded_list(widths, "widths", LIMITS["seeds"])]
    seeds = bounded_list(seeds, "seeds", LIMITS["seeds"])
    if out is not None:
        check_writable(out)
    if isinstance(K, ActivationFamily):
        fam, kind, n, dps = K, K.kind, K.n, K.dps
    else:
        kind = check_kind(kind)
        fam = reverse(K, kind, n, dps)
    act = fam.activation(signs)
    Kf = sympy.lambdify(csym, fam.kernel, "mpmath")
    with mpmath.workdps(dps):
        target = np.array([float(mpmath.re(Kf(mpmath.mpf(v)))) for v in cs])
        a = list(fam.taylor)
        series = np.array([float(mpmath.polyval(a[::-1], mpmath.mpf(v))) for v in cs])
    quad = quadrature_kernel(act, kind, cs, dps=None)
    qv = np.asarray(quad)

    emps = run_tasks(
        empirical_kernel,
        [(act, kind, w, cs, s) for w in widths for s in seeds],
        client=client,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc=f"empirical kernels: {len(widths)} widths x {len(seeds)} seeds",
    )
    emp, rms = {}, {}
    for i, w in enumerate(widths):
        vals = np.array(emps[i * len(seeds) : (i + 1) * len(seeds)])
        emp[w] = (vals.mean(axis=0), vals.std(axis=0))
        rms[w] = float(np.sqrt(np.mean((vals - qv) ** 2)))
    expo = float(np.polyfit(np.log(widths), np.log([rms[w] for w in widths]), 1)[0]) if len(widths) > 1 else None
    result = {
        "cs": cs,
        "target": target.tolist(),
        "series": series.tolist(),
        "quadrature": qv.tolist(),
        "quadrature_error": float(quad.max_error),
        "empirical": {w: (m.tolist(), s.tolist()) for w, (m, s) in emp.items()},
        "tail_bound": float(fam.tail().bound),
        "max_series_vs_quadrature": float(np.max(np.abs(series - qv))),
        "max_target_vs_series": float(np.max(np.abs(target - series))),
        "empirical_rms": rms,
        "width_exponent": expo,
        "activation": act,
        "figure": None,
        "kind": kind,
        "n": n,
    }
    if out is not None:
        _draw_report(fam, a, cs, target, qv, emp, rms, widths, len(seeds), kind, n, dps, out)
        result["figure"] = str(out)
    return result


def _draw_report(
    fam: ActivationFamily,
    a: Sequence[Any],
    cs: Sequence[float],
    target: FloatArray,
    qv: FloatArray,
    emp: Mapping[int, tuple[FloatArray, FloatArray]],
    rms: Mapping[int, float],
    widths: Sequence[int],
    n_seeds: int,
    kind: str,
    n: int,
    dps: int,
    out: str | os.PathLike[str],
) -> None:
    """The report's figure: target, series, quadrature and finite width; the truncation error
    near c = 1 with the proven tail bound; the finite-width error against width."""
    plt = _figures.pyplot()  # Agg only without a display, so inline notebook backends survive
    fig, (ax1, ax3, ax2) = plt.subplots(1, 3, figsize=(15, 4.2), gridspec_kw={"width_ratios": [1.15, 1, 1]})
    dense = np.linspace(-1, 1, 201)
    ax1.plot(dense, kernel_values(fam.kernel, dense), "k--", lw=2, label="target K(c)")
    ax1.plot(dense, series_values(a, dense), "C0-", lw=1, label=f"series, {n} terms")
    ax1.plot(cs, qv, "C1o", ms=4, label="quadrature of the activation")
    wmax = widths[-1]
    m, s = emp[wmax]
    ax1.errorbar(cs, m, yerr=s, fmt="C3.", capsize=2, label=f"empirical, width {wmax} (mean ± std)")
    ax1.set_xlabel("c (cosine between the two inputs)")
    ax1.set_ylabel(f"{kind.upper()} K(c)")
    ax1.set_xlim(-1.02, 1.02)
    ax1.legend(fontsize=7.5, loc="upper left")
    ax1.set_title("target, series, quadrature and finite width", fontsize=9)
    # the truncation error lives at c = 1: target minus series there, with the proven tail bound
    c0 = 0.8
    near = 1 - (1 - c0) * np.linspace(0, 1, 61) ** 2
    near = np.sort(near)
    tail = float(fam.tail().bound)
    ax3.plot(near, residual_values(fam.kernel, a, near, dps=min(dps, 30)), "C0-", lw=1.5, label="K(c) − series")
    ax3.axhline(tail, color="C0", ls=":", lw=1.2, label=f"proven tail bound K(1) − Σ a_k ≤ {format_bound(tail, 2)}")
    sel = np.asarray(cs, dtype=float) >= c0
    if sel.any():
        ax3.errorbar(
            np.asarray(cs, dtype=float)[sel],
            (target - m)[sel],
            yerr=s[sel],
            fmt="C3.",
            capsize=2,
            label=f"K(c) − empirical, width {wmax}",
        )
    ax3.set_xlim(c0 - 0.01, 1.01)
    ax3.set_xlabel("c (cosine between the two inputs)")
    ax3.set_ylabel(f"{kind.upper()} difference")
    ax3.legend(fontsize=7.5, loc="center left")  # the residual hugs 0 there; the bound runs along the top
    ax3.set_title(f"truncation error near c = 1 (n = {n})", fontsize=9)

    _figures.plot_width_scaling(
        widths, [rms[w] for w in widths], ax=ax2, label=f"rms(empirical − quadrature), {n_seeds} seeds"
    )
    ax2.set_ylabel(f"rms error of the finite-width {kind.upper()}")
    fig.suptitle(
        f"target {_figures.kernel_label(fam.kernel, fam.label)}\nvs the 1HL {kind.upper()} of its "
        f"reverse-engineered activation (n = {n} Hermite terms, σ_w = 1, σ_b = 0)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
