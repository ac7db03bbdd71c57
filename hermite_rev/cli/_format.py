"""Text output of the ``hermite-rev`` command line: tables, error bounds, JSON, figures.

Place: the bottom of :mod:`hermite_rev.cli` beside :mod:`._args` (imports :mod:`hermite_rev._core`).

Index
-----
bound                              an error bound as a decimal string rounded up
print_table, show, emit            tables, expressions as typed, table-or-JSON
experiment_table, figure1_table    the tables of the paper's experiments
save_plot                          save a figure to its path (its folder created)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

import mpmath

from .._core.text import json_ready, short

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..experiments import ExperimentResult


def bound(e: Any) -> str | None:
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


def print_table(header: Sequence[Any], rows: Sequence[Sequence[Any]], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(header)]
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths)), file=out)
    for r in rows:
        print("  ".join(str(v).rjust(w) for v, w in zip(r, widths)), file=out)


def show(expr: object, text: str) -> str:
    """What to print for an expression: sympy's form when short, else what the user typed
    (abbreviated to 400 characters: one readable line)."""
    shown = str(expr)
    return shown if len(shown) <= 100 else short(text, 400)


def emit(args: argparse.Namespace, payload: Any, table: Callable[[], None]) -> None:
    if args.json:
        print(json.dumps(json_ready(payload), indent=2, allow_nan=False))
    else:
        table()


def experiment_table(result: ExperimentResult) -> str:
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


def figure1_table(result: ExperimentResult) -> str:
    """The table of ``figure1``: |b_0|..|b_5|, the simulated member's signs of b_0..b_5, tail bound, kernel
    errors, least-squares b_k per target; a first line says which member the nets use."""
    member = str(result.info["signs"]) if result.info and "signs" in result.info else ""
    rows = [f"member simulated: {member}"] if member else []
    rows.append(
        f"{'target':15s} {'kind':5s} "
        + " ".join(f"{'|b_' + str(k) + '|':>8s}" for k in range(6))
        + f" {'signs':8s} {'tail bound':>10s} {'|emp - K|':>9s} {'|emp - K_n|':>11s}"
        + "  b_k of a degree-5 least-squares fit"
    )
    for name, r in result.items():
        rows.append(
            f"{name:15s} {r['kind']:5s} "
            + " ".join(f"{v:8.4f}" for v in r["b"])
            + f" {r.get('signs', '')[:6]:8s}"
            + f" {r['tail_bound']:10.2e} {r['max_abs_error']:9.2e} {r['max_abs_error_vs_truncated']:11.2e}  "
            + " ".join(f"{v:.4f}" for v in r["b_lsq5"])
        )
    return "\n".join(rows)


def save_plot(ax: Any, path: str) -> None:
    fig = ax.figure
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
