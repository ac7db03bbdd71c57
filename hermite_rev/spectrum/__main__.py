"""``python -m hermite_rev.spectrum [PATH]``: the deep-vs-shallow figure and its decay table.

The command line lives in :mod:`hermite_rev.cli` (the one module that prints):
:func:`hermite_rev.cli.spectrum_figure`.
"""

import sys

from ..cli import spectrum_figure

if __name__ == "__main__":
    sys.exit(spectrum_figure())
