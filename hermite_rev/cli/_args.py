"""Argument types and the argparse classes of the ``hermite-rev`` command line.

Place: the bottom of :mod:`hermite_rev.cli` (imports :mod:`hermite_rev._core`, and
:mod:`hermite_rev.sweep` for the scheduler options).

Index
-----
OUT_DIR                           ``"out"``: every command writes under it by default
experiment_figure                 ``out/NAME.png``: the default figure of ``experiment NAME``
num_arg, size_arg, seconds_arg    parsers of numeric option values (one-line errors, status 2)
out_arg, figure_arg, signs_arg    parsers of output paths (figures get .png when they have no
                                  extension) and of sign patterns
dir_arg                           parser of an output folder (``figures --out``)
sweep_args                                        ``--scheduler`` / ``--workers`` / ``--connect-timeout``
Parser, HelpFormatter                             argparse with one-line errors; help without ``None``
expression_help                                   the expression language, read from the parser's allow-list
"""

from __future__ import annotations

import argparse
import math
import os
from typing import TYPE_CHECKING, NoReturn

import sympy

from .._core.errors import HermiteRevError
from .._core.exprs import c
from .._core.text import short
from .._core.validate import parse

if TYPE_CHECKING:
    from collections.abc import Callable


#: the folder the commands write their files into by default (docs/guide/cli.md)
OUT_DIR = "out"


def experiment_figure(name: str, fast: bool = False) -> str:
    """Where ``hermite-rev experiment NAME`` writes its figure by default.

    >>> experiment_figure("parity"), experiment_figure("mimic", fast=True)
    ('out/parity.png', 'out/mimic_fast.png')
    """
    return f"{OUT_DIR}/{name}{'_fast' if fast else ''}.png"


def num_arg(option: str) -> Callable[[str], sympy.Expr]:
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


def size_arg(option: str, key: str, low: int = 1) -> Callable[[str], int]:
    """Parser of an integer size option (``--n``, ``--dps``, ``--kmax`` ...): an integer in
    [low, LIMITS[key]] (:mod:`hermite_rev.limits`), else exit status 2 with a one-line message."""
    from .._core.limits import check_size

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


def out_arg(text: str) -> str | os.PathLike[str]:
    """Parser of an output file path: refused at once when it is a directory or cannot be written
    (missing parent folders are created), so nothing is computed for a path that fails at the end."""
    from .._core.validate import check_writable

    try:
        return check_writable(text)
    except HermiteRevError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def figure_arg(option: str) -> Callable[[str], str | os.PathLike[str]]:
    """Parser of a figure path (``--plot``, ``--out``): not empty; without an extension it gets
    ``.png`` (the path printed is the file written); an extension matplotlib cannot write is
    refused; then checked as :func:`out_arg` (before anything is computed)."""

    def convert(text: str) -> str | os.PathLike[str]:
        if not text.strip():
            raise argparse.ArgumentTypeError(
                f"{option} needs a file path such as out/figure.png, got {option} {text!r}"
            )
        ext = os.path.splitext(text)[1].lower().lstrip(".")
        if os.path.isdir(text) or text.endswith(("/", os.sep)):
            return out_arg(text)  # a folder is refused as one (no figure written beside it)
        if not ext:
            text += ".png"
        else:
            from matplotlib.backend_bases import FigureCanvasBase

            known = sorted(FigureCanvasBase.get_supported_filetypes())
            if ext not in known:
                raise argparse.ArgumentTypeError(
                    f"{option} {short(text, 100)}: matplotlib cannot write .{short(ext, 20)} files "
                    f"(use one of {', '.join('.' + k for k in known)}, or no extension for .png)"
                )
        return out_arg(text)

    convert.__name__ = option.lstrip("-").replace("-", "_")
    return convert


def dir_arg(option: str) -> Callable[[str], str]:
    """Parser of an output folder (``figures --out``): not empty, and a folder that exists or can
    be created and written, else exit status 2 with one line naming the option and the value
    (before: ``--out ''`` failed as "cannot write : No such file or directory")."""
    from .._core.validate import check_writable_dir

    def convert(text: str) -> str:
        try:
            return check_writable_dir(text, option)
        except HermiteRevError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = option.lstrip("-").replace("-", "_")
    return convert


def signs_arg(text: str) -> list[int] | dict[int, int]:
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


def seconds_arg(option: str) -> Callable[[str], float]:
    """Parser of a duration option such as ``--connect-timeout``: seconds in (0, LIMITS["connect_seconds"]]."""
    from .._core.limits import LIMITS

    def convert(text: str) -> float:
        limit = LIMITS["connect_seconds"]
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not 0 < value <= limit:
            raise argparse.ArgumentTypeError(
                f"{option} must be a number of seconds in (0, {limit}], got {option} {short(repr(text), 40)}"
            )
        return value

    convert.__name__ = option.lstrip("-").replace("-", "_")
    return convert


def sweep_args(sp: argparse.ArgumentParser) -> None:
    """--scheduler / --workers / --connect-timeout on every command that runs a sweep (hermite_rev.sweep)."""
    from ..sweep import CONNECT_TIMEOUT, SCHEDULER_SCHEMES

    sp.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDR",
        help="run the sweep on a Dask cluster: scheduler address tcp://host:port "
        f"(schemes {', '.join(SCHEDULER_SCHEMES)}; checked before anything runs; "
        'needs pip install "hermite_rev[dask]"); without it the sweep runs locally',
    )
    sp.add_argument(
        "--workers",
        type=size_arg("--workers", "workers"),
        default=None,
        metavar="N",
        help="without --scheduler: N local worker processes (1: serial in this process; capped by the "
        "cores and the tasks); without it: one per core",
    )
    sp.add_argument(
        "--connect-timeout",
        type=seconds_arg("--connect-timeout"),
        default=CONNECT_TIMEOUT,
        metavar="SECONDS",
        help="seconds the --scheduler has to answer before the command fails",
    )


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``hermite-rev CMD: error: ...`` and exit status 2 (no usage
    block; ``--help`` shows it).  Subcommand parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {short(message, 400)} (see {self.prog} --help)\n")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after every option's help; descriptions and epilogs keep their layout.

    Off switches (default False) and options whose help already says what their absence means
    (default None, explained in the text) get no "(default: ...)" suffix."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default is None or action.default is False or "default" in text:
            return text
        return super()._get_help_string(action)


def expression_help(width: int = 96) -> str:
    """What an expression may use: the parser's allow-list (functions, constants, kernel constructors
    with their signatures), read from the parser itself so the list cannot go stale."""
    import inspect
    import textwrap

    from .. import kernels
    from .._core.registry import CONSTRUCTORS
    from .._core.validate import CONSTANTS, FUNCTIONS

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
