"""The theorem report: reverse-engineer a kernel, then check it series vs quadrature vs finite width.

Place: the top of the verify stage (uses :mod:`._quadrature` and :mod:`._finite_width`); imports
:mod:`hermite_rev.family` (``reverse``), the grid values of :mod:`hermite_rev.series` and the
drawing leaf :mod:`hermite_rev._figures` (matplotlib itself loads only when a figure is drawn).

Index
-----
theorem_report   the numbers (dict) and the figure of the three-way check of one kernel
choose_member    the sign-family member a report simulates: fluctuation-best, min-sup or all +
width_diagnosis  what the exact finite-width fluctuations predict at each simulated width
MEMBERS          the names ``member=`` accepts
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np
import sympy

from .. import _figures
from .._core.errors import HermiteRevError
from .._core.exprs import c as csym
from .._core.limits import LIMITS, check_size
from .._core.text import format_bound, short
from .._core.validate import check_kind, check_writable
from ..family import ActivationFamily, reverse
from ..series._values import kernel_values, residual_values, series_values
from ..sweep import run_tasks
from ._checks import bounded_list, check_cs, seed_list
from ._finite_width import empirical_kernel
from ._quadrature import quadrature_kernel

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping, Sequence

    from .._core.typing import FloatArray, KernelLike, Kind, Signs
    from ..family import Activation

__all__ = ["theorem_report", "choose_member", "width_diagnosis", "MEMBERS"]

#: the members a report can simulate: the one a net of the smallest simulated width realises best
#: (``fam.best("fluctuation", width=...)``), the smallest sup norm on [-3, 3], or all signs +
MEMBERS = ("fluctuation", "sup", "all-plus")


def choose_member(
    fam: ActivationFamily,
    member: str,
    width: int,
    signs: Signs | None = None,
    **run: Any,
) -> tuple[Activation, dict[str, Any]]:
    """The member of ``fam`` a report simulates, and what it is: ``(activation, info)``.

    ``signs`` (a dict ``{k: +-1}`` or a sequence, as :meth:`ActivationFamily.activation`) wins;
    else ``member``: ``"fluctuation"``, the member a width-``width`` net realises best
    (:func:`hermite_rev.lower.best_member` with ``width=``), ``"sup"`` (smallest sup norm on
    [-3, 3]) or ``"all-plus"``.  ``run``: ``client``, ``scheduler``, ``workers``, ``progress`` of
    the search.  ``info``: ``{"member", "description", "signs"}`` (signs as a string of + and -,
    one per nonzero term).

    >>> import hermite_rev as hr
    >>> fam = hr.reverse("exp(c)", "nngp", n=4, dps=20)
    >>> act, info = choose_member(fam, "all-plus", 64)
    >>> info["description"], info["signs"]
    ('all signs +', '++++')
    """
    if signs is not None:
        act, name, what = fam.activation(signs), "given", "the signs given"
    elif member == "all-plus":
        act, name, what = fam.activation(), member, "all signs +"
    elif member == "sup":
        act, name, what = fam.best("sup", **run).activation, member, "smallest sup |phi| on [-3, 3]"
    elif member == "fluctuation":
        act = fam.best("fluctuation", width=width, **run).activation
        name, what = member, f"fluctuation-best at width {width}"
    else:
        raise HermiteRevError(f"member must be one of {MEMBERS}, got member={member!r}")
    text = "".join("+" if s > 0 else "-" for s in fam.signs_of(act)) if fam.nonzero else ""
    return act, {"member": name, "description": what, "signs": text}


def width_diagnosis(act: Activation, kind: Kind, widths: Sequence[int]) -> dict[int, dict[str, Any]]:
    """What the exact fluctuations (:meth:`~hermite_rev.family.Activation.finite_width`) predict
    for the width-m empirical kernel at c = 1, for each m in ``widths``.

    Returns ``{m: {"variance", "relative_std", "mass_within", "mass_within_grad", "radius",
    "flagged", "diagnosis", "message"}}``: the variance of the empirical kernel at c = 1, its
    standard deviation relative to K(1), the share of E[phi^2] (E[phi'^2]) within
    |z| <= sqrt(2 ln m), whether a width-m net cannot realise the member, and one line saying so
    ('' when the predicted fluctuation is below the kernel's scale and nothing is flagged).
    """
    out = {}
    for m in widths:
        fw = act.finite_width(m, kind, cs=[1])
        var, rel = float(fw.variance[0]), float(fw.relative_std)
        if fw.flagged:
            msg = (
                f"width {m}: this member is not realisable: predicted variance of the empirical kernel "
                f"{var:.2e} at c = 1 (std {rel:.2g} x K(1)), and {fw.diagnosis}: a width-{m} net "
                "samples almost none of it, so its empirical kernel misses most of K"
            )
        elif rel > 1:
            msg = (
                f"width {m}: predicted variance of the empirical kernel {var:.2e} at c = 1 (std {rel:.2g} x K(1)) "
                f"comes from |z| > {float(fw.radius):.3g}, which a width-{m} net rarely samples "
                f"({float(fw.mass_within):.4g} of E[phi^2] lies within): expect rare large outliers over seeds"
            )
        else:
            msg = ""
        out[m] = {
            "variance": var,
            "relative_std": rel,
            "mass_within": float(fw.mass_within),
            "mass_within_grad": float(fw.mass_within_grad),
            "radius": float(fw.radius),
            "flagged": fw.flagged,
            "diagnosis": fw.diagnosis,
            "message": msg,
        }
    return out


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
    member: str = "fluctuation",
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    r"""Reverse-engineer ``K``, then compare series, quadrature and finite-width kernels.

    ``K`` may also be an :class:`~hermite_rev.family.ActivationFamily` already computed by
    ``reverse``; its kernel, kind, n and dps are then used and ``kind``, ``n``, ``dps`` ignored.

    Steps: ``fam = reverse(K, kind, n, dps)``; ``act``: the member ``member`` of the family
    (:func:`choose_member`): by default ``"fluctuation"``, the member a net of the smallest
    simulated width realises best (all members share the kernel; at finite width the all-+
    member of e.g. ``sinh(20c)/sinh(20)`` puts almost all of E[phi^2] where no net samples),
    ``"sup"``, ``"all-plus"``, or ``signs`` when given; on the grid
    ``cs`` evaluate (1) K itself (sympy, mpmath), (2) the truncated series sum_{k<n} a_k c^k
    (its tail bound ``fam.tail()`` bounds |K - series| on [-1, 1]), (3) the kernel of ``act``
    by Gauss-Hermite quadrature (float64, exact for the polynomial ``act``: this checks the
    theorem, not the series), (4) the empirical kernel of 1HL nets of each width (mean and std
    over ``seeds``).  Draws the curves (like Fig. 2 of Simon et al.) and the finite-width
    error against width, and saves the figure to ``out`` (default None: no figure and no file
    written; before, ``theorem_report.png`` was written into the current folder; the CLI's
    ``hermite-rev verify`` writes ``out/verify.png``); the figure's title names the member.
    For each width, :func:`width_diagnosis` says what the exact fluctuations predict
    (``finite_width``), and when a width cannot realise the member the width panel says so with
    the predicted variance.  The (width, seed)
    empirical kernels are pure tasks run by :func:`hermite_rev.sweep.run_tasks` (``client``,
    ``scheduler``, ``workers`` as in :func:`width_scaling`).

    Returns
    -------
    dict
        ``cs``, ``target``, ``series``, ``quadrature``, ``quadrature_error`` (estimate),
        ``empirical`` {width: (mean, std)}, ``tail_bound``, ``max_series_vs_quadrature``,
        ``max_target_vs_series``, ``empirical_rms`` {width: rms error vs quadrature},
        ``width_exponent``, ``activation`` (the Activation), ``member`` (:func:`choose_member`'s
        info), ``predicted`` (:func:`width_diagnosis`), ``diagnosis`` (the non-empty messages of
        ``predicted`` for the widths that cannot realise the member, and, when the error does not
        fall with width (fitted exponent above -0.25), for those whose predicted standard
        deviation exceeds K(1)), ``figure`` (path or None).
    """
    cs = [float(v) for v in check_cs(cs)]  # every size is checked before the reverse step
    widths = [check_size(w, "width") for w in bounded_list(widths, "widths", LIMITS["seeds"])]
    seeds = seed_list(seeds)
    if not widths or not seeds:
        raise HermiteRevError(f"need at least one width and one seed, got widths={widths}, seeds={seeds}")
    if out is not None:
        check_writable(out)
    if isinstance(K, ActivationFamily):
        fam, kind, n, dps = K, K.kind, K.n, K.dps
    else:
        kind = check_kind(kind)
        fam = reverse(K, kind, n, dps)
    if fam.kernel == 0:
        raise HermiteRevError(
            f"K is the zero kernel ({short(repr(K), 60)}): its activation is 0 and there is no width scaling to check"
        )
    if signs is None and member not in MEMBERS:
        raise HermiteRevError(f"member must be one of {MEMBERS}, got member={member!r}")
    run = dict(client=client, scheduler=scheduler, workers=workers, progress=progress)
    act, minfo = choose_member(fam, member, min(widths), signs, **run)
    predicted = width_diagnosis(act, kind, widths)
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
        "member": minfo,
        "predicted": predicted,
        # a flagged width always; a large but tail-dominated variance only when the error is not falling
        "diagnosis": [
            p["message"]
            for p in predicted.values()
            if p["flagged"] or (p["message"] and (expo is None or expo > -0.25))
        ],
        "figure": None,
        "kind": kind,
        "n": n,
    }
    if out is not None:
        _draw_report(fam, a, cs, target, qv, emp, rms, widths, len(seeds), kind, n, dps, out, minfo, predicted)
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
    minfo: Mapping[str, Any],
    predicted: Mapping[int, Mapping[str, Any]],
) -> None:
    """The report's figure: target, series, quadrature and finite width; the truncation error
    near c = 1 with the proven tail bound (log scale, so that the finite-width spread, often
    orders of magnitude larger, does not hide it); the finite-width error against width."""
    plt = _figures.pyplot()  # Agg only without a display, so inline notebook backends survive
    fig, (ax1, ax3, ax2) = plt.subplots(1, 3, figsize=(15, 4.6), gridspec_kw={"width_ratios": [1.15, 1, 1]})
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
    # the truncation error lives at c = 1: |target - series| there, with the proven tail bound, on a
    # log scale next to the finite-width error (|K - empirical mean| and the spread over seeds)
    c0 = 0.8
    near = np.sort(1 - (1 - c0) * np.linspace(0, 1, 61) ** 2)
    tail = float(fam.tail().bound)
    resid = np.abs(np.asarray(residual_values(fam.kernel, a, near, dps=min(dps, 30)), dtype=float))
    floor = 1e-30
    ax3.semilogy(near, np.maximum(resid, floor), "C0-", lw=1.5, label="|K(c) − series| (truncation)")
    if tail > 0:
        ax3.axhline(tail, color="C0", ls=":", lw=1.2, label=f"proven tail bound K(1) − Σ a_k ≤ {format_bound(tail, 2)}")
    cc = np.asarray(cs, dtype=float)
    sel = cc >= c0
    if sel.any():
        ax3.semilogy(
            cc[sel],
            np.maximum(np.abs(target - m)[sel], floor),
            "C3o",
            ms=4,
            label=f"|K(c) − empirical mean|, width {wmax}",
        )
        ax3.semilogy(cc[sel], np.maximum(s[sel], floor), "C3x", ms=5, label=f"std over {n_seeds} seeds, width {wmax}")
    ax3.set_xlim(c0 - 0.01, 1.01)
    ax3.set_xlabel("c (cosine between the two inputs)")
    ax3.set_ylabel(f"{kind.upper()} difference (log scale)")
    ax3.legend(fontsize=7, loc="best", framealpha=0.6)
    ax3.set_title(f"truncation error near c = 1 (n = {n}) vs finite-width error", fontsize=9)

    _, info = _figures.plot_width_scaling(
        widths, [rms[w] for w in widths], ax=ax2, label=f"rms(empirical − quadrature), {n_seeds} seeds"
    )
    ax2.set_ylabel(f"rms error of the finite-width {kind.upper()}")
    flagged = [w for w in widths if predicted[w]["flagged"]]
    if flagged:  # not noise: the member is not realisable at these widths, and the exact variance says so
        w0 = flagged[0]
        p = predicted[w0]
        first = p["diagnosis"].split(";")[0].replace(" lies within", " within")
        ax2.set_title(
            f"member not realisable at width {w0}{' and up' if len(flagged) > 1 else ''}:\n"
            f"predicted variance {p['variance']:.1e} at c = 1,\n{first}",
            fontsize=8,
        )
    elif not info["fit"]:
        big = [w for w in widths if predicted[w]["relative_std"] > 1]
        if big:
            p = predicted[big[0]]
            ax2.set_title(
                f"no fit: predicted variance at width {big[0]} is {p['variance']:.1e} at c = 1\n"
                f"(std {p['relative_std']:.2g} x K(1), from |z| > {p['radius']:.3g}: rare large outliers)",
                fontsize=8,
            )
    member = minfo["description"]
    signs = minfo["signs"]
    shown = signs if len(signs) <= 40 else signs[:40] + "…"
    fig.suptitle(
        f"target {_figures.kernel_label(fam.kernel, fam.label)}\nvs the 1HL {kind.upper()} of its "
        f"reverse-engineered activation (n = {n} Hermite terms, σ_w = 1, σ_b = 0); "
        f"member: {member}, signs {shown}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
