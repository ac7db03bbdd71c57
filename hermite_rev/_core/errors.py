"""The exception and warning classes of hermite_rev (a leaf: imports nothing of the package).

Every error a user sees is a :class:`HermiteRevError` (a ``ValueError``) whose one-line message
names the problem and the offending value; the subclasses say which mathematical condition failed.
"""

from __future__ import annotations

__all__ = [
    "HermiteRevError",
    "NotAKernelError",
    "NotAnalyticError",
    "DivergentSeriesError",
    "NotRealizableError",
    "SchedulerError",
    "HermiteRevWarning",
]


class HermiteRevError(ValueError):
    """Bad input to hermite_rev (a ``ValueError``).

    The message is one line: line breaks in it (a multi-line ``repr`` of an array quoted as
    the offending value, say) become single spaces.

    >>> str(HermiteRevError("x must be a vector, got x=[[1]\\n [2]]"))
    'x must be a vector, got x=[[1] [2]]'
    """

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str) and len(args[0].splitlines()) > 1:
            args = (" ".join(args[0].split()),)
        super().__init__(*args)


class NotAKernelError(HermiteRevError):
    """A Taylor coefficient is negative: not a positive-definite dot-product kernel on all spheres."""


class NotAnalyticError(HermiteRevError):
    """The expression is not real-analytic at the expansion point."""


class DivergentSeriesError(HermiteRevError):
    """The Taylor series does not converge at c = 1."""


class NotRealizableError(HermiteRevError):
    """No activation realises the kernel at this depth (the message says why)."""


class SchedulerError(HermiteRevError):
    """A Dask scheduler address that is malformed, or no Dask scheduler answering at it."""


class HermiteRevWarning(UserWarning):
    """A result is returned, but not quite as asked: it did not reach the precision that was asked
    for, or a request was capped (more local workers than cores)."""
