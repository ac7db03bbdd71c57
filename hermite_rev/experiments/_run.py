"""Experiments by name, and the paper's figure set: what the command line and the plots facade call.

Place in the pipeline: the top of the experiments stage, above the three experiments
(:mod:`._parity`, :mod:`._mimic`, :mod:`._figure1`) and :mod:`._figures`; imports nothing
above the experiments.  It prints nothing: :mod:`hermite_rev.cli` prints the tables and the
JSON, through the ``report`` hook of :func:`run_experiment`.

Index
-----
RUNNERS         ``{name: run}``: each experiment without its figure (``parity_run``, ...)
run_experiment  run one by name, hand the result to ``report``, write the figure; the result
paper_figures   the figure set of the paper (kernel, mimic activation, family, training curves)
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .._core.errors import HermiteRevError
from .._core.text import short
from .._core.validate import check_writable, check_writable_dir
from ._figure1 import figure1_run
from ._figures import paper_panels
from ._mimic import mimic, mimic_run
from ._parity import parity_run

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ._result import ExperimentResult, ExperimentRun

__all__ = ["RUNNERS", "run_experiment", "paper_figures"]

RUNNERS: dict[str, Callable[..., ExperimentRun]] = {"parity": parity_run, "mimic": mimic_run, "figure1": figure1_run}


def run_experiment(
    name: str,
    fast: bool = False,
    out: str | os.PathLike[str] | None = None,
    *,
    report: Callable[[ExperimentResult, str | os.PathLike[str] | None], None] | None = None,
    **options: Any,
) -> ExperimentResult:
    """Run ``parity``, ``mimic`` or ``figure1`` by name and write its figure to ``out``; returns the result.

    The figure path ``out`` is checked before the run (hours of training are not lost to a path
    that cannot be written); None writes no figure (``hermite-rev experiment`` writes to
    ``out/NAME.png`` by default).  When the numbers are in, ``report(result, out)`` is
    called (``hermite-rev experiment`` prints the table or the JSON there), then the figure is
    written: a figure that fails to save loses nothing.  ``options`` go to the experiment
    (``trials``, ``seed``, ``client``, ...); ``figure1`` ignores the sweep options and, with
    ``fast``, defaults to width 2^10.
    """
    if not isinstance(name, str) or name not in RUNNERS:
        raise HermiteRevError(f"unknown experiment {short(repr(name), 60)}: name must be one of {sorted(RUNNERS)}")
    if "as_json" in options:
        raise TypeError(
            "run_experiment prints nothing: hand it report=... (the command line's "
            "`hermite-rev experiment NAME --json` prints json.dumps(result.to_json()))"
        )
    path = None if out is None else check_writable(out)  # before hours of training
    if name == "figure1":
        for key in ("trials", "client", "scheduler", "workers"):
            options.pop(key, None)
        if fast:
            options.setdefault("width", 2**10)
        run = RUNNERS[name](**options)
    else:
        run = RUNNERS[name](fast=fast, **options)
    if report is not None:
        report(run.result, path)
    if path is not None:
        run.draw(path)  # the report first: a figure that fails to save loses nothing
    return run.result


def paper_figures(out: str, formats: Sequence[str] = ("png",), fast: bool = False) -> list[str]:
    """Save the paper-style figures to the folder ``out`` and return their paths
    (``hermite-rev figures`` writes to ``out/figures``).

    1. ``kernel``: the 4-hidden-layer ReLU NTK (sigma_w^2 = 2, sigma_b = 0.1) against c, with
       the NTKs of its truncated one-hidden-layer mimics (like the paper's Fig. 2) and an inset
       of K minus each truncation near c = 1 with its rigorous tail bound.
    2. ``mimic_activation``: the reverse-engineered activation (40 terms) next to ReLU.
    3. ``family``: 16 of the 2^8 members of the sign family of an 8-term truncation, differing
       in their low-order signs (:func:`hermite_rev.plots.family_signs`).
    4. ``training``: train/test curves of 1HL ReLU, 4HL ReLU and the 1HL mimic (the ``mimic``
       experiment, its fast variant when ``fast``; first format only).
    """
    out = check_writable_dir(out, "out")  # before the work: out="" was a FileNotFoundError at the end
    paths = paper_panels(out, formats, fast)
    # the mimic experiment draws its own figure (train/test MSE of 1HL ReLU, 4HL ReLU, 1HL mimic)
    path = os.path.join(out, f"training.{formats[0]}")
    mimic(fast=fast, out=path)
    paths.append(path)
    return paths
