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

The package: :mod:`._main` (``build_parser``, ``main``) > :mod:`._commands` (one function per
subcommand) > :mod:`._args` (option types, argparse classes) | :mod:`._format` (tables, bounds,
figures).  ``python -m hermite_rev.cli`` runs ``main``.
"""

from ._commands import spectrum_figure
from ._main import build_parser, main

__all__ = ["main", "build_parser", "spectrum_figure"]

for _f in (main, build_parser, spectrum_figure):  # docs, reprs and pickles use the public path
    _f.__module__ = __name__
del _f
