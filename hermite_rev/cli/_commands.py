"""The subcommands of ``hermite-rev``: each reads its parsed arguments, computes, prints.

Place: :mod:`hermite_rev.cli`, above :mod:`._args` and :mod:`._format`; reaches every stage of the
package (imported inside the commands, so ``hermite-rev --help`` stays fast).

Index
-----
cmd_taylor, cmd_reverse, cmd_forward, cmd_family, cmd_verify, cmd_experiment, cmd_spectrum,
cmd_figures          one per subcommand
spectrum_figure      ``python -m hermite_rev.spectrum [PATH]``
FULL_RUN_NOTE        what the full (not ``--fast``) runs cost
DECAY_MIN_KMAX       the smallest ``--kmax`` that ``spectrum --decay`` fits a slope over
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from .._core.errors import HermiteRevError
from .._core.exprs import c
from .._core.text import exact_str, format_bound, format_value, json_ready, short
from .._core.validate import parse
from ._args import OUT_DIR, experiment_figure
from ._format import bound, emit, experiment_table, figure1_table, print_table, save_plot, show

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..experiments import ExperimentResult
    from ..family import ActivationFamily
    from ..lower import BestMember

#: ``spectrum --decay`` fits over the degrees kmax/4 .. kmax (spectrum.decay's default range):
#: below 8 a parity has fewer than 3 points there
DECAY_MIN_KMAX = 8

# measured on 2 shared cores (README / docs: verification): the full mimic experiment trains the
# 4-hidden-layer ReLU net at width 4096 for 1000 epochs, about 42 minutes per trial
FULL_RUN_NOTE = {
    "figures": "about 10 to 20 minutes: the training figure runs the full wine mimic experiment (3 trials, width "
    "4096, 1000 epochs; about 6.5 CPU-minutes per trial, one trial per core, more on a busy machine). "
    "--fast draws the same figures in about 20 seconds.",
    "mimic": "the full run at the paper's scale (3 trials, width 4096, 1000 epochs); its estimated time, from a "
    "short calibration on this machine, follows. --fast runs a small variant in under a minute.",
    "parity": "the full run at the paper's scale (30 trials, 11 bits, width 128, up to 10000 epochs); its estimated "
    "time, from a short calibration on this machine, follows. --fast runs a small variant in under a "
    "minute.",
}


def cmd_taylor(args: argparse.Namespace) -> None:
    from ..series import taylor

    K = parse(args.expr, c)
    a = taylor(K, args.n, args.dps, exact=args.exact)
    digits = min(args.dps, 25)
    payload = {
        "kernel": show(K, args.expr),
        "n": args.n,
        "dps": None if args.exact else args.dps,
        "coefficients": [str(x) if args.exact else exact_str(x, args.dps) for x in a],
        "errors": [bound(e) for e in a.errors],
    }
    try:
        tail = a.tail
        payload["tail_bound"] = bound(tail.bound)
        payload["k1"] = exact_str(tail.k1, args.dps)
    except HermiteRevError as exc:
        tail = None
        payload["tail_bound"] = None
        payload["tail_note"] = short(exc, 400)

    def table() -> None:
        print(f"K(c) = {show(K, args.expr)}")
        rows = [
            (k, str(x) if args.exact else format_value(x, e, digits=digits), format_bound(e, 2))
            for k, (x, e) in enumerate(zip(a, a.errors))
        ]
        print_table(("k", "a_k", "error"), rows)
        if tail is not None:
            print(f"K(1) = {format_value(tail.k1, digits=digits)}; K(1) - sum_k a_k <= {format_bound(tail.bound, 6)}")
        else:
            print(payload["tail_note"])

    emit(args, payload, table)


def _family(args: argparse.Namespace) -> ActivationFamily:
    from ..family import reverse

    return reverse(parse(args.expr, c), kind=args.kind, n=args.n, dps=args.dps, label=args.expr)


def cmd_reverse(args: argparse.Namespace) -> None:
    fam = _family(args)
    act = fam.activation(args.signs)
    tail = fam.tail()
    digits = min(args.dps, 25)
    code = act.export(args.export) if args.export else None
    payload = {
        "kernel": show(fam.kernel, args.expr),
        "kind": fam.kind,
        "n": fam.n,
        "dps": fam.dps,
        "coefficients": [exact_str(b, args.dps) for b in act.coeffs],
        "errors": [bound(e) for e in act.errors],
        "tail_bound": bound(tail.bound),
        "k1": exact_str(tail.k1, args.dps),
        "family_size": str(fam.count()),
        "nonzero": list(fam.nonzero),
    }
    if code is not None:
        payload["export"] = {"target": args.export, "source": code}
    if args.plot:
        payload["figure"] = args.plot

    def table() -> None:
        if code is not None and args.quiet_export:
            print(code)
            return
        print(f"{fam.kind.upper()} {show(fam.kernel, args.expr)}")
        print("phi(z) = sum_k b_k h_k(z), h_k = He_k/sqrt(k!)")
        print_table(
            ("k", "a_k", "b_k", "error of b_k"),
            [
                (k, format_value(a, ea, digits=digits), format_value(b, e, digits=digits), format_bound(e, 2))
                for k, (a, ea, b, e) in enumerate(zip(fam.taylor, fam.taylor.errors, act.coeffs, act.errors))
            ],
        )
        print(
            f"truncation: K(1) - sum_k a_k <= {format_bound(tail.bound, 6)} "
            f"(K(1) = {format_value(tail.k1, digits=digits)})"
        )
        print(f"family: {fam.count()} = 2**{len(fam.nonzero)} members")
        if code is not None:
            print(f"\n# --- export: {args.export} ---\n{code}")
        if args.plot:
            print(f"figure: {args.plot}")

    emit(args, payload, table)  # the table first: a figure that fails to save loses nothing
    if args.plot:
        from .._figures import plot_activation

        signs = "all signs +" if args.signs is None else "chosen signs"
        ax = plot_activation(act, label=f"φ, n = {fam.n} Hermite terms, {signs}")
        ax.set_title(f"1HL activation (σ_w = 1, σ_b = 0) whose {fam.kind.upper()} is\n{fam.label}", fontsize=10)
        save_plot(ax, args.plot)


def cmd_forward(args: argparse.Namespace) -> None:
    from ..activations import activation_expr
    from ..hermite import kernel_of

    phi = activation_expr(args.phi)  # a name (relu, erf, sin6, ...) or an expression in z
    try:
        a = kernel_of(
            phi, kind=args.kind, depth=args.depth, sigma_w=args.sigma_w, sigma_b=args.sigma_b, n=args.n, dps=args.dps
        )
    except (ArithmeticError, TypeError) as exc:  # e.g. sqrt(Max(0, z)), log(z): not a usable activation
        raise HermiteRevError(
            f"cannot compute the Hermite coefficients of phi(z) = {short(phi)} "
            f"({type(exc).__name__}: {short(str(exc) or 'no message')})"
        ) from exc
    digits = min(args.dps, 25)
    tail = a.tail
    payload = {
        "activation": short(phi, 400),
        "kind": args.kind,
        "depth": args.depth,
        "sigma_w": str(args.sigma_w),
        "sigma_b": str(args.sigma_b),
        "coefficients": [exact_str(x, args.dps) for x in a],
        "errors": [bound(e) for e in a.errors],
        "rigorous": a.rigorous,
        "k1": exact_str(tail.k1, args.dps),
        "tail_bound": bound(tail.bound),
    }

    def table() -> None:
        print(
            f"{args.kind.upper()} of a depth-{args.depth} FCN with phi(z) = {short(phi)}, "
            f"sigma_w = {args.sigma_w}, sigma_b = {args.sigma_b}"
        )
        print_table(
            ("k", "a_k", "error"),
            [(k, format_value(x, e, digits=digits), format_bound(e, 2)) for k, (x, e) in enumerate(zip(a, a.errors))],
        )
        print(
            f"K(1) = {format_value(tail.k1, digits=digits)}; K(1) - sum_k a_k <= {format_bound(tail.bound, 6)}"
            f"{'' if a.rigorous else ' (error bounds from quadrature estimates)'}"
        )

    emit(args, payload, table)


def check_sweep_args(args: argparse.Namespace) -> None:
    """Refuse bad ``--scheduler`` / ``--workers`` before anything is computed (no network contact:
    the scheduler is reached when the sweep starts, within ``--connect-timeout`` seconds)."""
    scheduler = getattr(args, "scheduler", None)
    if scheduler is not None and getattr(args, "workers", None) is not None:
        raise HermiteRevError(
            f"--workers is for local runs; with --scheduler the cluster decides, got --workers {args.workers}"
        )
    if scheduler is not None:
        from ..sweep import SchedulerError, check_scheduler

        try:
            check_scheduler(scheduler)
        except SchedulerError as exc:
            text = str(exc).replace("scheduler must be", "--scheduler must be", 1)
            raise SchedulerError(text.replace("got scheduler=", "got --scheduler ")) from None


def _sweep_options(args: argparse.Namespace) -> dict[str, Any]:
    check_sweep_args(args)
    out = {}
    if args.scheduler is not None:
        out["scheduler"] = args.scheduler
    if args.workers is not None:
        out["workers"] = args.workers  # checked while parsing
    return out


def cmd_family(args: argparse.Namespace) -> None:
    fam = _family(args)
    payload: dict[str, Any] = {
        "kernel": show(fam.kernel, args.expr),
        "kind": fam.kind,
        "n": fam.n,
        "family_size": str(fam.count()),
        "nonzero": list(fam.nonzero),
        "magnitudes": [exact_str(b, fam.dps) for b in fam.magnitudes],
        "tail_bound": bound(fam.tail().bound),
    }
    best = None
    if args.best:
        if args.best == "fluctuation":
            if args.width is None:
                raise HermiteRevError("--best fluctuation needs the hidden width: --width M")
            best = fam.best("fluctuation", width=args.width, progress=True, **_sweep_options(args))
        elif args.width is not None:
            raise HermiteRevError(f"--width applies to --best fluctuation only, got --best {args.best}")
        else:
            best = fam.best(args.best, interval=tuple(args.interval), **_sweep_options(args))
        payload["best"] = _best_payload(fam, best)
    if args.plot:
        payload["figure"] = args.plot

    def table() -> None:
        print(
            f"{fam.kind.upper()} {show(fam.kernel, args.expr)}: {fam.count()} = 2**{len(fam.nonzero)} "
            f"activations, truncation <= {format_bound(fam.tail().bound, 4)}"
        )
        if best is not None:
            p = payload["best"]
            where = f"at width {args.width}" if args.best == "fluctuation" else f"on {tuple(args.interval)}"
            print(
                f"best member for '{args.best}' {where}: value {p['value']:.6g}, "
                f"method {p['method']}, {p['examined']} members examined ({p['members_per_second']:.3g}/s)"
            )
            print("signs: " + "".join("+" if s > 0 else "-" for s in p["signs"]))
        if args.plot:
            print(f"figure: {args.plot}")

    emit(args, payload, table)  # the table first: a figure that fails to save loses nothing
    if args.plot:
        from .._figures import plot_family

        highlight = [(best.activation, f"best member ({args.best})")] if best is not None else []
        ax = plot_family(fam, xlim=tuple(args.interval), highlight=highlight)
        save_plot(ax, args.plot)


def _best_payload(fam: ActivationFamily, best: BestMember) -> dict[str, Any]:
    return {
        "value": float(best.value),
        "method": best.method,
        "examined": int(best.examined),
        "members_per_second": float(best.members_per_second),
        "signs": fam.signs_of(best.activation),
        "coefficients": [exact_str(b, fam.dps) for b in best.activation.coeffs],
    }


def cmd_verify(args: argparse.Namespace) -> None:
    from .. import verify

    K = parse(args.expr, c)
    if len(set(args.widths)) != len(args.widths):
        raise HermiteRevError(
            f"--widths must be distinct (one point per width in the width-exponent fit), "
            f"got --widths {' '.join(map(str, args.widths))}"
        )
    dps = 30
    from ..family import reverse

    fam = reverse(K, args.kind, n=args.n, dps=dps, label=args.expr)  # the figure names K as typed
    if not args.json:
        what = {
            "fluctuation": f"searching the 2**{len(fam.nonzero)} sign members for the one a width-{min(args.widths)} "
            "net realises best",
            "sup": f"searching the 2**{len(fam.nonzero)} sign members for the smallest sup |phi| on [-3, 3]",
            "all-plus": "member: all signs +",
        }[args.member]
        print(f"hermite-rev verify: {what}", file=sys.stderr, flush=True)
    rep = verify.theorem_report(
        fam, widths=args.widths, out=args.out, member=args.member, progress=True, **_sweep_options(args)
    )
    if args.json:
        print(json.dumps(json_ready({k: v for k, v in rep.items() if k != "activation"}), indent=2, allow_nan=False))
        return
    member = rep["member"]
    print(f"{args.kind.upper()} {show(K, args.expr)}, reverse-engineered with n = {args.n} Hermite terms")
    print(f"  member: {member['description']} (--member {member['member']}), signs {short(member['signs'], 80)}")
    print(
        f"  |K - truncated series|     max {rep['max_target_vs_series']:.3e}  "
        f"(tail bound {format_bound(rep['tail_bound'], 4)})"
    )
    print(f"  |series - quadrature|      max {rep['max_series_vs_quadrature']:.3e}  (no series in the quadrature)")
    for w, rms in rep["empirical_rms"].items():
        p = rep["predicted"][w]
        print(
            f"  width {w:6d}: rms |empirical - quadrature| = {rms:.3e}; predicted: "
            f"{_share(p['mass_within'])} of E[phi^2] within |z| <= {p['radius']:.3g}"
            + (f", {_share(p['mass_within_grad'])} of E[phi'^2]" if args.kind == "ntk" else "")
        )
    expo = rep["width_exponent"]
    shown = "n/a (needs >= 2 widths)" if expo is None else f"{expo:.3f}"
    print(f"  fitted width exponent {shown} (theory -0.5)")
    for line in rep["diagnosis"]:
        print(f"  {line}")
    if any(p["flagged"] for p in rep["predicted"].values()) and args.member != "fluctuation":
        print("  try --member fluctuation: the member a net of this width realises best")
    if rep.get("figure"):
        print(f"figure: {rep['figure']}")


def _share(x: float) -> str:
    """A share in [0, 1] as text: 4 decimals, or 2 significant digits when tiny (1.4e-07)."""
    return f"{x:.2g}" if x < 1e-3 else f"{x:.4f}"


def cmd_experiment(args: argparse.Namespace) -> None:
    from .. import experiments

    options = {"seed": args.seed, **_sweep_options(args)}
    if not args.fast and args.name in FULL_RUN_NOTE:
        print(f"hermite-rev experiment {args.name}: {FULL_RUN_NOTE[args.name]}", file=sys.stderr, flush=True)
    if args.trials is not None:
        options["trials"] = args.trials
    figures = []

    def report(result: ExperimentResult, path: str | os.PathLike[str] | None) -> None:
        """The table (or JSON) as soon as the numbers are in, before the figure is written."""
        table = figure1_table if args.name == "figure1" else experiment_table
        emit(args, result.to_json(), lambda: print(table(result), flush=True))
        if path is not None:
            figures.append(path)

    out = args.out if args.out is not None else experiment_figure(args.name, args.fast)  # under out/
    experiments.run_experiment(args.name, fast=args.fast, out=out, report=report, **options)
    if not args.json:
        for path in figures:  # once the figure is written
            print(f"figure: {path}")


def cmd_spectrum(args: argparse.Namespace) -> None:
    from .. import spectrum as spectrum_mod

    K = parse(args.expr, c)
    kmax = args.kmax
    if args.decay and kmax < DECAY_MIN_KMAX:
        raise HermiteRevError(
            f"--decay fits the slope of log mu_k over the degrees kmax/4 .. kmax: it needs "
            f"--kmax >= {DECAY_MIN_KMAX}, got --kmax {kmax}"
        )
    # one spectrum, to --kmax: the table shows it and --decay fits over its top three quarters
    sp = spectrum_mod.spectrum(K, d=args.d, kmax=kmax, dps=args.dps)
    name = short(args.expr, 400)  # the decay table names the kernel as typed (before: cut to 40 characters)
    eig = list(sp.eigenvalues)
    payload = {
        "kernel": show(K, args.expr),
        "d": args.d,
        "eigenvalues": [exact_str(mu, args.dps) for mu in eig],
        "multiplicities": [int(m) for m in sp.multiplicities],
        "errors": [float(e) for e in sp.errors],
        "rigorous": sp.rigorous,
    }
    report = None
    if args.decay:
        report = spectrum_mod.decay(K, d=args.d, spectrum=sp, dps=args.dps)
        num = lambda v: None if v is None else float(v)
        payload["decay"] = {
            parity: {
                "predicted_exponent": num(report.predicted[p]),
                "measured_exponent": num(report.measured[p]),
                "ratio_to_asymptotic": num(report.ratios[p]),
            }
            for p, parity in ((0, "even"), (1, "odd"))
        }
        payload["decay"]["fit_range"] = list(report.fit_range)
    if args.plot:
        payload["figure"] = args.plot

    def table() -> None:
        print(f"Mercer spectrum of {show(K, args.expr)} on S^{args.d - 1} (uniform measure)")
        print_table(
            ("k", "mu_k", "N(d,k)", "error"),
            [
                (k, format_value(mu, e, digits=10), m, format_bound(e, 2))
                for k, (mu, m, e) in enumerate(zip(eig, sp.multiplicities, sp.errors))
            ],
        )
        if report is not None:
            print(f"decay (Bietti-Bach), fit over k in {tuple(report.fit_range)}:")
            print("| kernel | d | parity | predicted exponent | measured exponent | mu_k / asymptotic |")
            print("|---|---|---|---|---|---|")
            print(report.table(name))
        if args.plot:
            print(f"figure: {args.plot}")

    emit(args, payload, table)  # the table first: a figure that fails to save loses nothing
    if args.plot:
        save_plot(sp.plot(label=f"{args.expr}, d = {args.d}"), args.plot)


def spectrum_figure(argv: Sequence[str] | None = None) -> int:
    """``python -m hermite_rev.spectrum [PATH]``: draw the deep-vs-shallow figure
    (:func:`hermite_rev.spectrum.plot_compare`, saved to PATH, default
    ``out/spectrum_deep_vs_shallow.png``) and print its numbers and the decay table; returns 0."""
    from .. import spectrum as spectrum_mod
    from .._core.validate import check_writable

    argv = sys.argv[1:] if argv is None else argv
    path = check_writable(argv[0] if argv else f"{OUT_DIR}/spectrum_deep_vs_shallow.png")
    out, info = spectrum_mod.plot_compare(path)
    print(f"saved {out}")
    print(info["deep"].summary())
    for m, gap in info["gaps"].items():
        shown = ", ".join(f"k={k}: {g:.2e}" for k, g in gap.items())
        print(
            f"mimic with {m} Hermite terms: relative gap {shown}; first k with gap > 1%: "
            f"{info['first_k_gap_over_1pct'][m]}"
        )
    print("| kernel | d | parity | predicted exponent | measured exponent | mu_k / asymptotic at kmax |")
    print("|---|---|---|---|---|---|")
    print(info["decay"].table())  # the kernel named by its constructor call (hermite_rev.kernels.label_of)
    return 0


def cmd_figures(args: argparse.Namespace) -> None:
    from .. import plots

    if not args.fast:
        print(f"hermite-rev figures: this takes {FULL_RUN_NOTE['figures']}", file=sys.stderr, flush=True)

    paths = plots.paper_figures(args.out, formats=tuple(args.format), fast=args.fast)
    if args.json:
        print(json.dumps({"figures": paths}, indent=2))
    else:
        for p in paths:
            print(p)
