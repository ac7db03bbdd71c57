"""The ``hermite-rev`` parser and entry point.

Place: the top of :mod:`hermite_rev.cli` (imports its other modules).

Index
-----
build_parser   the argparse parser of every subcommand
main           entry point of the console script; returns the exit status
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import sympy

from .._core.errors import HermiteRevError
from .._core.text import short
from ..sweep import CONNECT_TIMEOUT, SweepTaskError, connect_timeout
from ._args import (
    OUT_DIR,
    HelpFormatter,
    Parser,
    dir_arg,
    expression_help,
    figure_arg,
    num_arg,
    signs_arg,
    size_arg,
    sweep_args,
)
from ._commands import (
    FULL_RUN_NOTE,
    check_sweep_args,
    cmd_experiment,
    cmd_family,
    cmd_figures,
    cmd_forward,
    cmd_reverse,
    cmd_spectrum,
    cmd_taylor,
    cmd_verify,
)


def build_parser() -> argparse.ArgumentParser:
    from .._core.version import __version__

    p = Parser(
        prog="hermite-rev",
        formatter_class=HelpFormatter,
        description="Reverse-engineer dot-product kernels into one-hidden-layer activations (Hermite expansions).\n"
        "A kernel K(c) = sum_k a_k c^k with a_k >= 0 is the NNGP of a 1-hidden-layer net with\n"
        "phi = sum_k +-sqrt(a_k) h_k and its NTK with phi = sum_k +-sqrt(a_k/(k+1)) h_k,\n"
        "h_k = He_k/sqrt(k!) (Simon, Anand & DeWeese 2022, arXiv:2106.03186).",
        epilog=expression_help() + "\n\nRun 'hermite-rev COMMAND --help' for the options of a command.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, **kw: Any) -> argparse.ArgumentParser:
        return sub.add_parser(
            name, help=help, description=help[0].upper() + help[1:] + ".", formatter_class=HelpFormatter, **kw
        )

    def common(sp: argparse.ArgumentParser, kind: bool = True, n: int = 40) -> None:
        sp.add_argument(
            "--n", type=size_arg("--n", "n"), default=n, help="number of Taylor / Hermite coefficients (k = 0 .. n-1)"
        )
        sp.add_argument(
            "--dps", type=size_arg("--dps", "dps"), default=30, help="decimal digits every coefficient is proven to"
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
        type=signs_arg,
        default=None,
        help="signs of the nonzero b_k: '+-+...', '1,-1,...' or 'k:-1,...' (default: all +)",
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
        type=figure_arg("--plot"),
        default=None,
        metavar="PATH",
        help="save a plot of the activation (PNG/SVG/PDF; folders are created, checked before computing)",
    )
    sp.set_defaults(func=cmd_reverse)

    sp = command("forward", "activation -> Taylor coefficients of the deep NNGP/NTK")
    sp.add_argument(
        "phi",
        help="activation: a name (relu, erf, tanh, sin6, ...) or an expression in z, e.g. 'Max(0, z)', 'sin(6*z)/2'",
    )
    common(sp, n=20)
    sp.add_argument("--depth", type=size_arg("--depth", "kernel_depth"), default=1, help="number of hidden layers")
    sp.add_argument(
        "--sigma-w",
        type=num_arg("--sigma-w"),
        default=sympy.Integer(1),
        help="weight scale of every hidden Dense layer (NTK parameterization), e.g. 'sqrt(2)'",
    )
    sp.add_argument(
        "--sigma-b",
        type=num_arg("--sigma-b"),
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
        choices=["sup", "nonmonotone", "lipschitz", "fluctuation"],
        help="search the family for the member minimising this on --interval (fluctuation: the "
        "finite-width fluctuation of a width---width net's kernel, the member such a net realises best)",
    )
    sp.add_argument(
        "--width",
        type=size_arg("--width", "width"),
        default=None,
        help="hidden width of --best fluctuation (required there)",
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
        type=figure_arg("--plot"),
        default=None,
        metavar="PATH",
        help="save a plot of some members (PNG/SVG/PDF; folders are created)",
    )
    sweep_args(sp)
    sp.set_defaults(func=cmd_family)

    sp = command("verify", "series vs quadrature vs finite-width kernel, with a figure")
    sp.add_argument("expr", help=expr_help)
    sp.add_argument("--kind", default="ntk", choices=["ntk", "nngp"], help="which kernel of the 1HL net EXPR is")
    sp.add_argument(
        "--n", type=size_arg("--n", "n"), default=30, help="number of Hermite coefficients of the activation"
    )
    sp.add_argument(
        "--widths",
        type=size_arg("--widths", "width"),
        nargs="+",
        default=[256, 1024, 4096, 16384],
        help="hidden widths of the finite networks (distinct; two or more for the exponent fit)",
    )
    sp.add_argument(
        "--member",
        default="fluctuation",
        choices=["fluctuation", "sup", "all-plus"],
        help="which member of the sign family the nets use (all share the kernel): fluctuation (default) "
        "the member a net of the smallest --widths realises best; sup the smallest sup |phi| on [-3, 3]; "
        "all-plus all signs +",
    )
    sp.add_argument(
        "--bounded",
        action="store_const",
        const="sup",
        dest="member",
        help="the same as --member sup",
    )
    sp.add_argument(
        "--out",
        type=figure_arg("--out"),
        default=f"{OUT_DIR}/verify.png",
        metavar="PATH",
        help="figure path (folders are created; checked before computing)",
    )
    sp.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a report")
    sweep_args(sp)
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
        type=size_arg("--trials", "seeds"),
        default=None,
        help="independent runs (seeds S, S+1, ...); default: 30 for parity (at most 2 with --fast), "
        "3 for mimic (1 with --fast)",
    )
    sp.add_argument("--seed", type=size_arg("--seed", "seed", low=0), default=0, help="first seed S")
    sp.add_argument(
        "--out",
        type=figure_arg("--out"),
        default=None,
        metavar="PATH",
        help="figure path (default: out/NAME.png, out/NAME_fast.png with --fast; no extension: .png; "
        "folders are created; checked before training)",
    )
    sp.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")
    sweep_args(sp)
    sp.set_defaults(func=cmd_experiment)

    sp = command("spectrum", "Mercer eigenvalues of a kernel on the sphere S^{d-1}")
    sp.add_argument("expr", help=expr_help)
    sp.add_argument(
        "--d", type=size_arg("--d", "d", low=2), default=10, help="ambient dimension d (the sphere is S^{d-1})"
    )
    sp.add_argument("--kmax", type=size_arg("--kmax", "kmax", low=0), default=30, help="largest degree k")
    sp.add_argument("--dps", type=size_arg("--dps", "dps"), default=30, help="decimal digits of the computation")
    sp.add_argument("--decay", action="store_true", help="predicted (Bietti-Bach) vs measured decay exponents")
    sp.add_argument(
        "--plot",
        type=figure_arg("--plot"),
        default=None,
        metavar="PATH",
        help="save a plot of mu_k against k (PNG/SVG/PDF; no extension: .png; folders are created)",
    )
    sp.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")
    sp.set_defaults(func=cmd_spectrum)

    sp = command("figures", "the paper-style figure set, saved to a folder")
    sp.add_argument(
        "--out", default=f"{OUT_DIR}/figures", type=dir_arg("--out"), metavar="DIR", help="folder for the figures"
    )
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
        check_sweep_args(args)  # a bad --scheduler fails before anything is computed
        with connect_timeout(getattr(args, "connect_timeout", CONNECT_TIMEOUT)):
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
