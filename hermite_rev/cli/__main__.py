"""``python -m hermite_rev.cli``: the ``hermite-rev`` command line (:func:`hermite_rev.cli.main`)."""

import sys

from ._main import main

if __name__ == "__main__":
    sys.exit(main())
