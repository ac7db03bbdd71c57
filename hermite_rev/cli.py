"""The ``hermite-rev`` command line.

Index
-----
taylor EXPR        Taylor coefficients of a kernel
reverse EXPR       reverse-engineer a kernel into an activation (optionally export it)
forward PHI        NNGP/NTK Taylor coefficients of a deep FCN with activation PHI
family EXPR        the sign family, and its best member for a criterion
verify EXPR        series vs quadrature vs finite-width kernels, with a figure
experiment NAME    the paper's experiments (parity, mimic, figure1)
spectrum EXPR      Mercer eigenvalues on the sphere S^{d-1} and their decay
figures            the paper-style figures, saved as PNG/SVG

``python -m hermite_rev.spectrum [PATH]`` runs :func:`spectrum_figure` (the deep-vs-shallow
spectrum figure and its decay table).

Expressions are parsed safely with sympy (no ``eval``): the elementary functions, ``pi``, ``E``
and the kernel constructors (``relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=1/10)``...) are
visible, nothing else.  Output is a human-readable table by default and JSON with ``--json``;
all of it is made here (the experiments, like every stage, return values and print no table).
Bad input (and an output path that cannot be written) exits with status 2 and a one-line message.

Sweeping commands (``family --best``, ``verify``, ``experiment``) take ``--scheduler
tcp://host:port`` (run the tasks on a Dask cluster) or ``--workers N`` (N local processes;
default: in-process numba threads for ``family``, one process per core for the others).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import mpmath
import sympy

from ._core.errors import HermiteRevError
from ._core.exprs import c, z
from ._core.text import exact_str, format_bound, format_value, json_ready, short
from ._core.validate import parse
from .sweep import SweepTaskError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .experiments import ExperimentResult
    from .family import ActivationFamily
    from .lower import BestMember
    from .spectrum import Spectrum

__all__ = ["main", "build_parser", "spectrum_figure"]


def _num_arg(option: str) -> Callable[[str], sympy.Expr]:
    """Parser of a numeric option such as ``--sigma-w``: ``1``, ``0.1``, ``sqrt(2)`` or ``1/10``
    (an exact sympy number); a bad value is reported with the option's name and the value."""

    def convert(text: str) -> sympy.Expr:
        hint = f"{option} must be a real number such as 1, 0.1, sqrt(2) or 1/10, got {option} {text!r}"
        try:
            value = parse(text, c)
        except HermiteRevError as exc:
            detail = str(exc)
            if "free symbol" in detail:
                detail = "it is not a number"
            raise argparse.ArgumentTypeError(f"{hint} ({detail})") from None
        if value.free_symbols:
            names = ", ".join(sorted(map(str, value.free_symbols)))
            raise argparse.ArgumentTypeError(f"{hint} (it depends on {names})")
        if not value.is_real or not value.is_finite:
            raise argparse.ArgumentTypeError(f"{hint} (it is {value})")
        return value

    convert.__name__ = option.lstrip("-").replace("-", "_")
    return convert


def _size_arg(option: str, key: str, low: int = 1) -> Callable[[str], int]:
    """Parser of an integer size option (``--n``, ``--dps``, ``--kmax`` ...): an integer in
    [low, LIMITS[key]] (:mod:`hermite_rev.limits`), else exit status 2 with a one-line message."""
    from ._core.limits import check_size

    def convert(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} must be an integer, got {short(repr(text), 60)}") from None
        try:
            return check_size(value, option, key, low=low)
        except HermiteRevError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = option.lstrip("-").replace("-", "_")
    return convert


def _out_arg(text: str) -> str | os.PathLike[str]:
    """Parser of an output file path: refused at once when it is a directory or cannot be written
    (missing parent folders are created), so nothing is computed for a path that fails at the end."""
    from ._core.validate import check_writable

    try:
        return check_writable(text)
    except HermiteRevError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _signs_arg(text: str) -> list[int] | dict[int, int]:
    """``+-+-``, ``1,-1,1`` or ``k:-1,k:-1`` (dict form)."""
    text = text.strip()
    if text and set(text) <= {"+", "-"}:
        return [1 if ch == "+" else -1 for ch in text]
    try:
        if ":" in text:
            return {int(k): int(v) for k, v in (item.split(":") for item in text.split(","))}
        return [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"signs must look like '+-+', '1,-1,1' or '3:-1,5:-1', got {text!r}") from None


def _s(x: Any, digits: int) -> str:
    return mpmath.nstr(x, digits, strip_zeros=False) if isinstance(x, mpmath.mpf) else str(x)


def _bound(e: Any) -> str | None:
    """An error bound as a decimal string of 3 significant digits, rounded up (so it still bounds);
    ``"inf"`` when infinite.  Strings, because a float64 writes 1e-400 as 0.0 (see docs/guide/limits.md)."""
    if e is None:
        return None
    with mpmath.workdps(30):
        e = mpmath.mpf(e)
        if mpmath.isinf(e) or mpmath.isnan(e):
            return "inf"
        text = mpmath.nstr(e, 3, min_fixed=0, max_fixed=0)
        if mpmath.mpf(text) < e:
            text = mpmath.nstr(e * (1 + mpmath.mpf(10) ** -2), 3, min_fixed=0, max_fixed=0)
        return text


def _print_table(header: Sequence[Any], rows: Sequence[Sequence[Any]], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(header)]
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths)), file=out)
    for r in rows:
        print("  ".join(str(v).rjust(w) for v, w in zip(r, widths)), file=out)


def _show(expr: object, text: str) -> str:
    """What to print for an expression: sympy's form when short, else what the user typed
    (abbreviated to 400 characters: one readable line)."""
    shown = str(expr)
    return shown if len(shown) <= 100 else short(text, 400)


def _emit(args: argparse.Namespace, payload: Any, table: Callable[[], None]) -> None:
    if args.json:
        print(json.dumps(json_ready(payload), indent=2, allow_nan=False))
    else:
        table()


# --------------------------------------------------------------------------------------------
# subcommands
# --------------------------------------------------------------------------------------------


def cmd_taylor(args: argparse.Namespace) -> None:
    from .series import taylor

    K = parse(args.expr, c)
    a = taylor(K, args.n, args.dps, exact=args.exact)
    digits = min(args.dps, 25)
    payload = {
        "kernel": _show(K, args.expr),
        "n": args.n,
        "dps": None if args.exact else args.dps,
        "coefficients": [str(x) if args.exact else exact_str(x, args.dps) for x in a],
        "errors": [_bound(e) for e in a.errors],
    }
    try:
        tail = a.tail
        payload["tail_bound"] = _bound(tail.bound)
        payload["k1"] = exact_str(tail.k1, args.dps)
    except HermiteRevError as exc:
        tail = None
        payload["tail_bound"] = None
        payload["tail_note"] = short(exc, 400)

    def table() -> None:
        print(f"K(c) = {_show(K, args.expr)}")
        rows = [
            (k, str(x) if args.exact else format_value(x, e, digits=digits), format_bound(e, 2))
            for k, (x, e) in enumerate(zip(a, a.errors))
        ]
        _print_table(("k", "a_k", "error"), rows)
        if tail is not None:
            print(f"K(1) = {format_value(tail.k1, digits=digits)}; K(1) - sum_k a_k <= {format_bound(tail.bound, 6)}")
        else:
            print(payload["tail_note"])

    _emit(args, payload, table)


def _family(args: argparse.Namespace) -> ActivationFamily:
    from .family import reverse

    return reverse(parse(args.expr, c), kind=args.kind, n=args.n, dps=args.dps, label=args.expr)


def cmd_reverse(args: argparse.Namespace) -> None:
    fam = _family(args)
    act = fam.activation(args.signs)
    tail = fam.tail()
    digits = min(args.dps, 25)
    code = act.export(args.export) if args.export else None
    payload = {
        "kernel": _show(fam.kernel, args.expr),
        "kind": fam.kind,
        "n": fam.n,
        "dps": fam.dps,
        "coefficients": [exact_str(b, args.dps) for b in act.coeffs],
        "errors": [_bound(e) for e in act.errors],
        "tail_bound": _bound(tail.bound),
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
        print(f"{fam.kind.upper()} {_show(fam.kernel, args.expr)}")
        print("phi(z) = sum_k b_k h_k(z), h_k = He_k/sqrt(k!)")
        _print_table(
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

    _emit(args, payload, table)  # the table first: a figure that fails to save loses nothing
    if args.plot:
        from ._figures import plot_activation

        signs = "all signs +" if args.signs is None else "chosen signs"
        ax = plot_activation(act, label=f"φ, n = {fam.n} Hermite terms, {signs}")
        ax.set_title(f"1HL activation (σ_w = 1, σ_b = 0) whose {fam.kind.upper()} is\n{fam.label}", fontsize=10)
        _save_plot(ax, args.plot)


def cmd_forward(args: argparse.Namespace) -> None:
    from .hermite import kernel_of

    phi = parse(args.phi, z)
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
        "errors": [_bound(e) for e in a.errors],
        "rigorous": a.rigorous,
        "k1": exact_str(tail.k1, args.dps),
        "tail_bound": _bound(tail.bound),
    }

    def table() -> None:
        print(
            f"{args.kind.upper()} of a depth-{args.depth} FCN with phi(z) = {short(phi)}, "
            f"sigma_w = {args.sigma_w}, sigma_b = {args.sigma_b}"
        )
        _print_table(
            ("k", "a_k", "error"),
            [(k, format_value(x, e, digits=digits), format_bound(e, 2)) for k, (x, e) in enumerate(zip(a, a.errors))],
        )
        print(
            f"K(1) = {format_value(tail.k1, digits=digits)}; K(1) - sum_k a_k <= {format_bound(tail.bound, 6)}"
            f"{'' if a.rigorous else ' (error bounds from quadrature estimates)'}"
        )

    _emit(args, payload, table)


def _sweep_args(sp: argparse.ArgumentParser) -> None:
    """--scheduler / --workers on every command that runs a sweep (hermite_rev.sweep)."""
    sp.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDR",
        help="run the sweep on a Dask cluster: scheduler address tcp://host:port "
        '(needs pip install "hermite_rev[dask]")',
    )
    sp.add_argument(
        "--workers",
        type=_size_arg("--workers", "seeds"),
        default=None,
        metavar="N",
        help="without --scheduler: N local worker processes (1: serial in this process)",
    )


def _sweep_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.scheduler is not None and args.workers is not None:
        raise HermiteRevError(
            f"--workers is for local runs; with --scheduler the cluster decides, got --workers {args.workers}"
        )
    out = {}
    if args.scheduler is not None:
        out["scheduler"] = args.scheduler
    if args.workers is not None:
        out["workers"] = args.workers  # checked while parsing
    return out


def cmd_family(args: argparse.Namespace) -> None:
    fam = _family(args)
    payload: dict[str, Any] = {
        "kernel": _show(fam.kernel, args.expr),
        "kind": fam.kind,
        "n": fam.n,
        "family_size": str(fam.count()),
        "nonzero": list(fam.nonzero),
        "magnitudes": [exact_str(b, fam.dps) for b in fam.magnitudes],
        "tail_bound": _bound(fam.tail().bound),
    }
    best = None
    if args.best:
        best = fam.best(args.best, interval=tuple(args.interval), **_sweep_options(args))
        payload["best"] = _best_payload(fam, best)
    if args.plot:
        payload["figure"] = args.plot

    def table() -> None:
        print(
            f"{fam.kind.upper()} {_show(fam.kernel, args.expr)}: {fam.count()} = 2**{len(fam.nonzero)} "
            f"activations, truncation <= {format_bound(fam.tail().bound, 4)}"
        )
        if best is not None:
            p = payload["best"]
            print(
                f"best member for '{args.best}' on {tuple(args.interval)}: value {p['value']:.6g}, "
                f"method {p['method']}, {p['examined']} members examined ({p['members_per_second']:.3g}/s)"
            )
            print("signs: " + "".join("+" if s > 0 else "-" for s in p["signs"]))
        if args.plot:
            print(f"figure: {args.plot}")

    _emit(args, payload, table)  # the table first: a figure that fails to save loses nothing
    if args.plot:
        from ._figures import plot_family

        highlight = [(best.activation, f"best member ({args.best})")] if best is not None else []
        ax = plot_family(fam, xlim=tuple(args.interval), highlight=highlight)
        _save_plot(ax, args.plot)


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
    from . import verify

    K = parse(args.expr, c)
    if len(set(args.widths)) != len(args.widths):
        raise HermiteRevError(
            f"--widths must be distinct (one point per width in the width-exponent fit), "
            f"got --widths {' '.join(map(str, args.widths))}"
        )
    dps = 30
    from .family import reverse

    fam = reverse(K, args.kind, n=args.n, dps=dps, label=args.expr)  # the figure names K as typed
    signs = None
    if args.bounded:  # the member with the smallest sup norm: smallest finite-width fluctuations
        signs = dict(zip(fam.nonzero, fam.signs_of(fam.best("sup", **_sweep_options(args)).activation)))
    rep = verify.theorem_report(fam, widths=args.widths, out=args.out, signs=signs, **_sweep_options(args))
    if args.json:
        print(json.dumps(json_ready({k: v for k, v in rep.items() if k != "activation"}), indent=2, allow_nan=False))
        return
    print(f"{args.kind.upper()} {_show(K, args.expr)}, reverse-engineered with n = {args.n} Hermite terms")
    print(
        f"  |K - truncated series|     max {rep['max_target_vs_series']:.3e}  "
        f"(tail bound {format_bound(rep['tail_bound'], 4)})"
    )
    print(f"  |series - quadrature|      max {rep['max_series_vs_quadrature']:.3e}  (no series in the quadrature)")
    for w, rms in rep["empirical_rms"].items():
        print(f"  width {w:6d}: rms |empirical - quadrature| = {rms:.3e}")
    expo = rep["width_exponent"]
    shown = "n/a (needs >= 2 widths)" if expo is None else f"{expo:.3f}"
    print(f"  fitted width exponent {shown} (theory -0.5)")
    if rep.get("figure"):
        print(f"figure: {rep['figure']}")


def cmd_experiment(args: argparse.Namespace) -> None:
    from . import experiments

    options = {"seed": args.seed, **_sweep_options(args)}
    if not args.fast and args.name in FULL_RUN_NOTE:
        print(f"hermite-rev experiment {args.name}: {FULL_RUN_NOTE[args.name]}", file=sys.stderr, flush=True)
    if args.trials is not None:
        options["trials"] = args.trials
    figures = []

    def report(result: ExperimentResult, path: str | os.PathLike[str]) -> None:
        """The table (or JSON) as soon as the numbers are in, before the figure is written."""
        table = _figure1_table if args.name == "figure1" else _experiment_table
        _emit(args, result.to_json(), lambda: print(table(result), flush=True))
        figures.append(path)

    experiments.run_experiment(args.name, fast=args.fast, out=args.out, report=report, **options)
    if not args.json:
        for path in figures:  # once the figure is written
            print(f"figure: {path}")


def _experiment_table(result: ExperimentResult) -> str:
    """The table of ``parity`` / ``mimic``: mean ± std over trials per network, then the curve distances."""
    rows = [f"{'network':34s} {'train MSE':>20s} {'test MSE':>20s} {'train acc':>14s} {'test acc':>14s} {'s':>7s}"]
    for name, r in result.items():
        rows.append(
            f"{name:34s} {r['train_mse']:9.3g} ± {r['train_mse_std']:<8.2g} {r['test_mse']:9.3g} ± "
            f"{r['test_mse_std']:<8.2g} {r['train_acc']:6.3f} ± {r['train_acc_std']:<5.3f} "
            f"{r['test_acc']:6.3f} ± {r['test_acc_std']:<5.3f} {r['seconds']:7.1f}"
        )
    if result.distance:
        rows.append("curve distance (RMS of log10 MSE difference over epochs):")
        for name, d in result.distance.items():
            rows.append(f"  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in d.items()))
    return "\n".join(rows)


def _figure1_table(result: ExperimentResult) -> str:
    """The table of ``figure1``: b_0..b_5, tail bound, kernel errors, least-squares b_k per target."""
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


def cmd_spectrum(args: argparse.Namespace) -> None:
    from . import spectrum as spectrum_mod

    K = parse(args.expr, c)
    kmax = args.kmax
    # one spectrum: --decay needs degrees up to 100 for its fit; the table shows those <= --kmax
    full = spectrum_mod.spectrum(K, d=args.d, kmax=max(kmax, 100) if args.decay else kmax, dps=args.dps)
    sp = _first_degrees(full, kmax)
    eig = list(sp.eigenvalues)
    payload = {
        "kernel": _show(K, args.expr),
        "d": args.d,
        "eigenvalues": [exact_str(mu, args.dps) for mu in eig],
        "multiplicities": [int(m) for m in sp.multiplicities],
        "errors": [float(e) for e in sp.errors],
        "rigorous": sp.rigorous,
    }
    report = None
    if args.decay:
        report = spectrum_mod.decay(K, d=args.d, spectrum=full, dps=args.dps)
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
        print(f"Mercer spectrum of {_show(K, args.expr)} on S^{args.d - 1} (uniform measure)")
        _print_table(
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
            print(report.table(short(args.expr, 40)))
        if args.plot:
            print(f"figure: {args.plot}")

    _emit(args, payload, table)  # the table first: a figure that fails to save loses nothing
    if args.plot:
        _save_plot(sp.plot(label=f"{args.expr}, d = {args.d}"), args.plot)


def spectrum_figure(argv: Sequence[str] | None = None) -> int:
    """``python -m hermite_rev.spectrum [PATH]``: draw the deep-vs-shallow figure
    (:func:`hermite_rev.spectrum.plot_compare`, saved to PATH, default
    ``spectrum_deep_vs_shallow.png``) and print its numbers and the decay table; returns 0."""
    from . import spectrum as spectrum_mod

    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else "spectrum_deep_vs_shallow.png"
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


def _first_degrees(sp: Spectrum, kmax: int) -> Spectrum:
    """The Spectrum ``sp`` restricted to the degrees 0 .. kmax (``rigorous`` stays that of the
    whole computation: never more than was proven)."""
    import dataclasses

    if sp.kmax == kmax:
        return sp
    cut = slice(0, kmax + 1)
    return dataclasses.replace(
        sp,
        eigenvalues=sp.eigenvalues[cut],
        errors=sp.errors[cut],
        multiplicities=sp.multiplicities[cut],
        sources=sp.sources[cut],
        exact=None if sp.exact is None else sp.exact[cut],
    )


def cmd_figures(args: argparse.Namespace) -> None:
    from . import plots

    if not args.fast:
        print(f"hermite-rev figures: this takes {FULL_RUN_NOTE['figures']}", file=sys.stderr, flush=True)

    paths = plots.paper_figures(args.out, formats=tuple(args.format), fast=args.fast)
    if args.json:
        print(json.dumps({"figures": paths}, indent=2))
    else:
        for p in paths:
            print(p)


def _save_plot(ax: Any, path: str) -> None:
    fig = ax.figure
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


# --------------------------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``hermite-rev CMD: error: ...`` and exit status 2 (no usage
    block; ``--help`` shows it).  Subcommand parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {short(message, 400)} (see {self.prog} --help)\n")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after every option's help; descriptions and epilogs keep their layout.

    Off switches (default False) and options whose help already says what their absence means
    (default None, explained in the text) get no "(default: ...)" suffix."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default is None or action.default is False or "default" in text:
            return text
        return super()._get_help_string(action)


def _expression_help(width: int = 96) -> str:
    """What an expression may use: the parser's allow-list (functions, constants, kernel constructors
    with their signatures), read from the parser itself so the list cannot go stale."""
    import inspect
    import textwrap

    from . import kernels
    from ._core.registry import CONSTRUCTORS
    from ._core.validate import CONSTANTS, FUNCTIONS

    lines = ["expressions (EXPR is a kernel in c, PHI an activation in z; parsed by an allow-list, never eval'd):"]

    def wrap(text: str) -> str:
        return textwrap.fill(text, width, initial_indent="  ", subsequent_indent="    ")

    lines.append(wrap("functions: " + ", ".join(sorted(FUNCTIONS, key=str.lower))))
    lines.append(wrap("constants: " + ", ".join(CONSTANTS) + "; numbers such as 1/10, 0.1 (exact), 2**-3"))
    lines.append("  kernel constructors (numbers and keyword arguments):")
    for name in CONSTRUCTORS:
        sig = inspect.signature(getattr(kernels, name))
        plain = [p.replace(annotation=p.empty) for p in sig.parameters.values()]  # names and defaults only
        sig = sig.replace(parameters=plain, return_annotation=sig.empty)
        lines.append(textwrap.fill(f"{name}{sig}", width, initial_indent="    ", subsequent_indent="      "))
    lines.append("  example: 'relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=1/10) + exp(c)/10'")
    return "\n".join(lines)


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


def build_parser() -> argparse.ArgumentParser:
    from ._core.version import __version__

    p = _Parser(
        prog="hermite-rev",
        formatter_class=_HelpFormatter,
        description="Reverse-engineer dot-product kernels into one-hidden-layer activations (Hermite expansions).\n"
        "A kernel K(c) = sum_k a_k c^k with a_k >= 0 is the NNGP of a 1-hidden-layer net with\n"
        "phi = sum_k +-sqrt(a_k) h_k and its NTK with phi = sum_k +-sqrt(a_k/(k+1)) h_k,\n"
        "h_k = He_k/sqrt(k!) (Simon, Anand & DeWeese 2022, arXiv:2106.03186).",
        epilog=_expression_help() + "\n\nRun 'hermite-rev COMMAND --help' for the options of a command.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, **kw: Any) -> argparse.ArgumentParser:
        return sub.add_parser(
            name, help=help, description=help[0].upper() + help[1:] + ".", formatter_class=_HelpFormatter, **kw
        )

    def common(sp: argparse.ArgumentParser, kind: bool = True, n: int = 40) -> None:
        sp.add_argument(
            "--n", type=_size_arg("--n", "n"), default=n, help="number of Taylor / Hermite coefficients (k = 0 .. n-1)"
        )
        sp.add_argument(
            "--dps", type=_size_arg("--dps", "dps"), default=30, help="decimal digits every coefficient is proven to"
        )
        if kind:
            sp.add_argument(
                "--kind",
                default="ntk",
                choices=["ntk", "nngp"],
                help="which kernel of the one-hidden-layer net EXPR is",
            )
        sp.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")

    expr_help = "kernel in c, e.g. 'relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=1/10)' (see hermite-rev --help)"

    sp = command("taylor", "Taylor coefficients of a kernel K(c), with error bounds and the tail bound")
    sp.add_argument("expr", help=expr_help)
    common(sp, kind=False, n=10)
    sp.add_argument("--exact", action="store_true", help="exact sympy coefficients instead of --dps digits")
    sp.set_defaults(func=cmd_taylor)

    sp = command("reverse", "kernel -> one-hidden-layer activation (and its exported code)")
    sp.add_argument("expr", help=expr_help)
    common(sp)
    sp.add_argument(
        "--signs",
        type=_signs_arg,
        default=None,
        help="signs of the nonzero b_k: '+-+...', '1,-1,...' or 'k:-1,...'; None: all +",
    )
    sp.add_argument(
        "--export",
        choices=["numpy", "torch", "jax", "c", "latex"],
        default=None,
        help="also print the activation as source code for this target",
    )
    sp.add_argument("--quiet-export", action="store_true", help="print only the exported code")
    sp.add_argument(
        "--plot",
        type=_out_arg,
        default=None,
        metavar="PATH",
        help="save a plot of the activation (PNG/SVG/PDF; folders are created, checked before computing)",
    )
    sp.set_defaults(func=cmd_reverse)

    sp = command("forward", "activation -> Taylor coefficients of the deep NNGP/NTK")
    sp.add_argument("phi", help="activation in z, e.g. 'Max(0, z)', 'sin(6*z)/2', 'erf(z)'")
    common(sp, n=20)
    sp.add_argument("--depth", type=_size_arg("--depth", "kernel_depth"), default=1, help="number of hidden layers")
    sp.add_argument(
        "--sigma-w",
        type=_num_arg("--sigma-w"),
        default=sympy.Integer(1),
        help="weight scale of every hidden Dense layer (NTK parameterization), e.g. 'sqrt(2)'",
    )
    sp.add_argument(
        "--sigma-b",
        type=_num_arg("--sigma-b"),
        default=sympy.Integer(0),
        help="bias scale of every hidden Dense layer, e.g. 1/10",
    )
    sp.set_defaults(func=cmd_forward)

    sp = command("family", "the sign family of a kernel and its best member")
    sp.add_argument("expr", help=expr_help)
    common(sp, n=20)
    sp.add_argument(
        "--best",
        default=None,
        choices=["sup", "nonmonotone", "lipschitz"],
        help="search the family for the member minimising this on --interval",
    )
    sp.add_argument(
        "--interval",
        type=float,
        nargs=2,
        default=[-3.0, 3.0],
        metavar=("LO", "HI"),
        help="z interval of the --best criterion and of the plot",
    )
    sp.add_argument(
        "--plot",
        type=_out_arg,
        default=None,
        metavar="PATH",
        help="save a plot of some members (PNG/SVG/PDF; folders are created)",
    )
    _sweep_args(sp)
    sp.set_defaults(func=cmd_family)

    sp = command("verify", "series vs quadrature vs finite-width kernel, with a figure")
    sp.add_argument("expr", help=expr_help)
    sp.add_argument("--kind", default="ntk", choices=["ntk", "nngp"], help="which kernel of the 1HL net EXPR is")
    sp.add_argument(
        "--n", type=_size_arg("--n", "n"), default=30, help="number of Hermite coefficients of the activation"
    )
    sp.add_argument(
        "--widths",
        type=_size_arg("--widths", "width"),
        nargs="+",
        default=[256, 1024, 4096, 16384],
        help="hidden widths of the finite networks (distinct; two or more for the exponent fit)",
    )
    sp.add_argument(
        "--bounded",
        action="store_true",
        help="use the family member with the smallest sup norm on [-3, 3] instead of all signs +",
    )
    sp.add_argument(
        "--out",
        type=_out_arg,
        default="out/verify.png",
        metavar="PATH",
        help="figure path (folders are created; checked before computing)",
    )
    sp.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a report")
    _sweep_args(sp)
    sp.set_defaults(func=cmd_verify)

    sp = command("experiment", "run one of the paper's experiments: parity | mimic | figure1")
    sp.add_argument(
        "name",
        choices=["parity", "mimic", "figure1"],
        help="parity: 11-bit parity, 4HL ReLU vs 1HL sin(6z)/2 vs a designed 1HL net; "
        "mimic: wine, 1HL ReLU vs 4HL ReLU vs 1HL mimics of the 4HL ReLU NTK; "
        "figure1: the paper's Figure 1 targets, their activations and kernel checks",
    )
    sp.add_argument("--fast", action="store_true", help="small fast variant (under a minute)")
    sp.add_argument(
        "--trials",
        type=_size_arg("--trials", "seeds"),
        default=None,
        help="independent runs (seeds S, S+1, ...); None: 30 for parity (at most 2 with --fast), "
        "3 for mimic (1 with --fast)",
    )
    sp.add_argument("--seed", type=_size_arg("--seed", "seed", low=0), default=0, help="first seed S")
    sp.add_argument(
        "--out",
        type=_out_arg,
        default=None,
        metavar="PATH",
        help="figure path (None: NAME.png; folders are created; checked before training)",
    )
    sp.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")
    _sweep_args(sp)
    sp.set_defaults(func=cmd_experiment)

    sp = command("spectrum", "Mercer eigenvalues of a kernel on the sphere S^{d-1}")
    sp.add_argument("expr", help=expr_help)
    sp.add_argument(
        "--d", type=_size_arg("--d", "d", low=2), default=10, help="ambient dimension d (the sphere is S^{d-1})"
    )
    sp.add_argument("--kmax", type=_size_arg("--kmax", "kmax", low=0), default=30, help="largest degree k")
    sp.add_argument("--dps", type=_size_arg("--dps", "dps"), default=30, help="decimal digits of the computation")
    sp.add_argument("--decay", action="store_true", help="predicted (Bietti-Bach) vs measured decay exponents")
    sp.add_argument("--plot", type=_out_arg, default=None, metavar="PATH", help="save a plot of mu_k against k")
    sp.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")
    sp.set_defaults(func=cmd_spectrum)

    sp = command("figures", "the paper-style figure set, saved to a folder")
    sp.add_argument("--out", default="out/figures", metavar="DIR", help="folder for the figures")
    sp.add_argument(
        "--format",
        nargs="+",
        default=["png"],
        choices=["png", "svg", "pdf"],
        help="file formats (the training figure uses the first)",
    )
    sp.add_argument(
        "--fast",
        action="store_true",
        help="fast variant (about 20 s); without it: " + FULL_RUN_NOTE["figures"].split(":")[0],
    )
    sp.add_argument("--json", action="store_true", help="print the paths as JSON")
    sp.set_defaults(func=cmd_figures)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hermite-rev`` console script; returns the exit status."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors: SystemExit(2) after one line on stderr
    try:
        args.func(args)
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except (HermiteRevError, ValueError, OSError, SweepTaskError, ArithmeticError, RecursionError, MemoryError) as exc:
        # bad input, an unwritable path, a failed task, or a size the machine cannot hold
        if isinstance(exc, OSError) and exc.filename is not None:
            msg = f"cannot write {exc.filename}: {exc.strerror or exc}"
        elif isinstance(exc, (HermiteRevError, ValueError, OSError, SweepTaskError)):
            msg = str(exc)
        else:
            msg = f"{type(exc).__name__}: {exc or 'no message'} (the input is too large or too deep)"
        print(f"hermite-rev {args.command}: error: {short(msg, 400)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
