"""An API-wide fuzzer: every public callable of ``shared/API.md`` and every CLI subcommand.

Each entry of :data:`API` names one public call, says how to make it (``call``) and gives one
hypothesis strategy per parameter for *valid* values.  A draw takes a valid value for every
parameter and then, most of the time, replaces ONE parameter by a *hostile* value (NaN, inf, huge
and tiny floats, numpy scalars and arrays of every dtype, wrong shapes, strings and injection
attempts, None, negative and enormous sizes, non-kernels, non-analytic expressions, ...).  So when
the call refuses, the parameter the message has to name is known.

Properties checked per call (:func:`run_one`):

1. it returns, or raises a ``ValueError`` (``HermiteRevError`` and subclasses) with a one-line
   message that names the mutated parameter (or shows its value); any other exception type is a
   *crash*, a multi-line message or one that names neither is *wrong*;
2. no NaN/inf in a numeric result unless announced (a ``HermiteRevWarning``, or a field of an object
   that says ``rigorous=False`` / ``converged=False``);
3. it answers within ``budget`` seconds (``signal.setitimer``; a call that overruns is a *hang*);
4. global state unchanged: mpmath precision, python-flint precision, numba threads, numpy's error
   state, BLAS threads (threadpoolctl), the working directory, the recursion limit;
5. the result pickles, and the round trip compares equal.

Outcomes are tallied per call by :class:`Recorder` (tried / correct / clear error / wrong / crash /
hang) and rendered as a Markdown table.  ``tests/test_fuzz_api.py`` runs a few derandomized
examples per call in CI and a long ``slow`` run that writes ``out/fuzz_api_table.md``.

To cover a new public call, add one ``Entry`` to ``fuzz.table.API`` (or a ``CliEntry`` to
``fuzz.table.CLI``).

"""

from .runner import KNOWN, OUTCOMES, Drawn, Recorder, Result, draw_call, run_one
from .table import ALL, API, CLI, CliEntry, Entry

__all__ = [
    "ALL",
    "API",
    "CLI",
    "KNOWN",
    "OUTCOMES",
    "CliEntry",
    "Drawn",
    "Entry",
    "Recorder",
    "Result",
    "draw_call",
    "run_one",
]
