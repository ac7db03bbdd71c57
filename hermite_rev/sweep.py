r"""Execution layer for sweeps: run independent tasks serially, in local processes, or on Dask.

Index
-----
run_tasks         ``[fn(*task) for task in tasks]``, in task order, on one of three engines
SweepTaskError    a task raised: which task (index, arguments) and why
SchedulerError    a malformed scheduler address, or no Dask scheduler answering at it
check_scheduler   validate a scheduler address (scheme, host, port) without connecting
connect           a ``dask.distributed.Client`` to a scheduler, or a one-line ``SchedulerError``
connect_timeout   scope the seconds :func:`connect` waits (default :data:`CONNECT_TIMEOUT`, 5 s)
local_workers     the cores this process may use (the cap of local workers)
shutdown          stop the local worker processes kept between sweeps
worker_threads    limit numba / BLAS / OpenMP threads in the current process (used in workers)
dask_available    whether ``dask.distributed`` can be imported

Every sweep of the package (``experiments.parity`` / ``mimic``, ``verify.width_scaling`` /
``kernel_regime_gap``, ``lower.best_member`` in exhaustive mode, ``spectrum`` sweeps) is a list
of *pure tasks*: a top-level (picklable) function and its arguments, the seeds included.  So a
task computes the same numbers wherever it runs, and ``run_tasks`` returns them in task order:
the result of a sweep does not depend on the engine.

Engines
-------
- ``client=`` a :class:`dask.distributed.Client`: tasks are submitted to its cluster with
  ``retries`` (a task whose worker dies is rescheduled by the scheduler on another worker; a
  task that raises is retried ``retries`` times).  Each result is taken once, from its own
  future, so none is lost or counted twice.
- ``scheduler="tcp://host:port"``: connect a Client to that scheduler for this call
  (:func:`connect`: the address is checked first, then a scheduler must answer within
  ``connect_timeout`` seconds, default 5, or the call fails with one line
  ``no Dask scheduler at tcp://host:port: <reason>``).
- otherwise local: ``workers=1`` runs in this process (the serial reference); ``workers=N``
  (default: one per core, at most one per task; more than the cores is capped to the cores,
  with a :class:`~hermite_rev.HermiteRevWarning`) runs a pool of ``N`` fresh processes
  (``spawn``), each limited to one numba / BLAS / OpenMP thread so that ``N`` workers on ``N``
  cores do not oversubscribe them.  The processes are kept for the next sweep (``shutdown()``
  stops them).  If a worker process dies, the pool is rebuilt and the unfinished tasks are run
  again (``retries`` times at most).

``client`` and ``scheduler`` need the optional extra: ``pip install "hermite_rev[dask]"``.

Examples
--------
>>> from hermite_rev.sweep import run_tasks
>>> run_tasks(pow, [(2, 10), (3, 3)], workers=1, progress=False)
[1024, 27]
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import contextvars
import ipaddress
import math
import numbers
import os
import re
import socket
import sys
import threading
import time
import types
import uuid
import warnings
from typing import TYPE_CHECKING, Any, NoReturn

from ._core.errors import HermiteRevError, HermiteRevWarning, SchedulerError
from ._core.limits import LIMITS, check_size
from ._core.text import short

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from concurrent.futures import ProcessPoolExecutor

__all__ = [
    "CONNECT_TIMEOUT",
    "DASK_HINT",
    "SCHEDULER_SCHEMES",
    "SchedulerError",
    "SweepTaskError",
    "check_scheduler",
    "connect",
    "connect_timeout",
    "dask_available",
    "local_workers",
    "run_tasks",
    "shutdown",
    "worker_threads",
]

DASK_HINT = 'pip install "hermite_rev[dask]"'

#: environment variables that size the thread pools of numba, OpenMP and the BLAS libraries
THREAD_ENV = (
    "NUMBA_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


class SweepTaskError(RuntimeError):
    """A task of a sweep raised.  The message names the task (index, function, arguments) and the
    error; ``index`` and ``task`` hold them, ``__cause__`` is the original exception."""

    def __init__(self, message: str, index: int | None = None, task: object = None) -> None:
        super().__init__(message)
        self.index = index
        self.task = task

    def __reduce__(self) -> tuple[type[SweepTaskError], tuple[str, int | None, object]]:
        return (SweepTaskError, (self.args[0], self.index, self.task))


def dask_available() -> bool:
    """True when ``dask.distributed`` can be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def local_workers() -> int:
    """Cores this process may use (``os.sched_getaffinity`` where it exists)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS / Windows
        return max(1, os.cpu_count() or 1)


def worker_threads(n: int = 1) -> None:
    """Limit this process to ``n`` numba / BLAS / OpenMP threads.

    Environment variables cover libraries not yet imported; numba (``set_num_threads``) and,
    when threadpoolctl is installed, the loaded BLAS / OpenMP pools are limited at run time.
    Called in every worker process of a local pool and before every task on a Dask worker.
    """
    for key in THREAD_ENV:
        os.environ[key] = str(n)
    if "numba" in sys.modules:
        import numba

        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    if "numpy" in sys.modules:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # optional; the environment variables cover fresh processes
            return
        threadpool_limits(n)


def _init_local_worker() -> None:
    worker_threads(1)


def _call(fn: Callable[..., Any], task: Any) -> Any:
    if isinstance(task, dict):
        return fn(**task)
    if isinstance(task, tuple):
        return fn(*task)
    return fn(task)


def _call_on_dask_worker(fn: Callable[..., Any], task: Any) -> Any:
    # Dask workers are long-lived and run tasks in threads: limit numba / BLAS per task
    worker_threads(1)
    return _call(fn, task)


def _summary(fn: Callable[..., Any], task: Any, limit: int = 160) -> str:
    name = getattr(fn, "__qualname__", None) or repr(fn)
    if isinstance(task, dict):
        args = ", ".join(f"{k}={_short(v)}" for k, v in task.items())
    elif isinstance(task, tuple):
        args = ", ".join(_short(v) for v in task)
    else:
        args = _short(task)
    text = f"{name}({args})"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(v: object, limit: int = 40) -> str:
    try:
        shape = getattr(v, "shape", None)
        if shape is not None and hasattr(v, "dtype"):
            return f"<array {tuple(shape)} {v.dtype}>"
        text = repr(v)
    except Exception:  # pragma: no cover - a repr that raises
        text = f"<{type(v).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fail(fn: Callable[..., Any], tasks: Sequence[Any], i: int, exc: BaseException) -> NoReturn:
    msg = (
        f"task {i} of {len(tasks)} failed: {_summary(fn, tasks[i])} raised "
        f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    )
    raise SweepTaskError(msg, index=i, task=tasks[i]) from exc


def _need_dask(what: str) -> Any:
    try:
        import distributed
    except ImportError:
        raise HermiteRevError(f"{what} needs dask.distributed, which is not installed: {DASK_HINT}") from None
    return distributed


#: the address schemes of ``distributed`` that :func:`check_scheduler` accepts: ``tcp`` and
#: ``tls`` (``tls`` needs the TLS settings of the dask config, ``distributed.comm.tls``),
#: ``ucx`` (when a UCX backend of distributed is installed) with ``host:port``, and ``inproc``
#: (``inproc://host/pid/n``: a scheduler running in this process, e.g. ``LocalCluster(processes=False)``).
SCHEDULER_SCHEMES = ("tcp", "tls", "ucx", "inproc")

#: seconds :func:`connect` waits for a scheduler to answer, unless scoped by :func:`connect_timeout`
CONNECT_TIMEOUT = 5.0

_TIMEOUT: contextvars.ContextVar[float] = contextvars.ContextVar("connect_timeout", default=CONNECT_TIMEOUT)
_HOSTNAME = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?\Z")


def _bad_address(scheduler: object, reason: str) -> NoReturn:
    raise SchedulerError(
        f"scheduler must be an address like 'tcp://host:8786' (schemes {', '.join(SCHEDULER_SCHEMES)}): "
        f"{reason}, got scheduler={short(repr(scheduler), 120)}"
    )


def check_scheduler(scheduler: object) -> str:
    """``scheduler`` if it is a Dask scheduler address this module can connect to, else a
    one-line :class:`SchedulerError` that names the parameter (nothing is contacted).

    Accepted: ``SCHEME://HOST:PORT`` with SCHEME one of :data:`SCHEDULER_SCHEMES` except
    ``inproc``, HOST a host name, an IPv4 address or a bracketed IPv6 address (``[::1]``), PORT an
    integer in 1..65535; and ``inproc://HOST/PID/N`` for a scheduler in this process.

    Examples
    --------
    >>> check_scheduler("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> check_scheduler("http://head:8787")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hermite_rev._core.errors.SchedulerError: scheduler must be an address like ... scheme 'http' is not ...
    """
    if not isinstance(scheduler, str):
        _bad_address(scheduler, f"a string is needed, not {type(scheduler).__name__}")
    if not scheduler or any(ch.isspace() or not ch.isprintable() for ch in scheduler):
        _bad_address(scheduler, "it is empty or contains whitespace")
    if "://" not in scheduler:
        _bad_address(scheduler, "the scheme (tcp://) is missing")
    scheme, rest = scheduler.split("://", 1)
    if scheme.lower() not in SCHEDULER_SCHEMES:
        _bad_address(scheduler, f"scheme {short(scheme, 20)!r} is not one of them")
    scheme = scheme.lower()
    if scheme == "inproc":
        parts = rest.split("/")
        if len(parts) != 3 or not parts[0] or not parts[1].isdigit() or not parts[2].isdigit():
            _bad_address(scheduler, "an inproc address reads inproc://HOST/PID/N")
        if int(parts[1]) != os.getpid():
            _bad_address(scheduler, f"inproc addresses reach this process only (pid {os.getpid()}, not {parts[1]})")
        return scheduler
    if any(ch in rest for ch in "/?#@"):
        _bad_address(scheduler, "HOST:PORT may not contain a path, query or user name")
    host, port = _split_host_port(scheduler, rest)
    if scheme == "ucx":
        try:
            from distributed.comm import registry

            registry.get_backend("ucx")
        except Exception as exc:  # ImportError (no ucx-py / distributed-ucxx), ValueError
            _bad_address(scheduler, f"scheme 'ucx' needs a UCX backend of distributed ({type(exc).__name__})")
    return f"{scheme}://{'[' + host + ']' if ':' in host else host}:{port}"


def _split_host_port(scheduler: str, rest: str) -> tuple[str, int]:
    if rest.startswith("["):
        end = rest.find("]")
        host, tail = rest[1:end], rest[end + 1 :]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            _bad_address(scheduler, f"[{short(host, 40)}] is not an IPv6 address")
        if not tail.startswith(":"):
            _bad_address(scheduler, "the port is missing (HOST:PORT)")
        text = tail[1:]
    else:
        if ":" not in rest:
            _bad_address(scheduler, "the port is missing (HOST:PORT)")
        host, text = rest.rsplit(":", 1)
        if ":" in host:
            _bad_address(scheduler, "an IPv6 host goes in brackets: tcp://[::1]:8786")
        if not host or len(host) > 253 or not _HOSTNAME.match(host):
            _bad_address(scheduler, f"host {short(host, 40)!r} is not a host name or IP address")
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        _bad_address(scheduler, f"port {short(text, 20)!r} is not an integer in 1..65535")
    return host, int(text)


def _check_timeout(value: object, name: str = "connect_timeout") -> float:
    limit = LIMITS["connect_seconds"]
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or not 0 < float(value) <= limit:  # type: ignore[arg-type]
        raise HermiteRevError(f"{name} must be a number of seconds in (0, {limit}], got {name}={value!r}")
    return float(value)  # type: ignore[arg-type]


@contextlib.contextmanager
def connect_timeout(seconds: float) -> Iterator[float]:
    """Scope the seconds :func:`connect` (and ``run_tasks(scheduler=...)``) waits for a scheduler.

    Like ``mpmath.workdps``: the previous value is restored on exit; the value is per thread
    and per asyncio task (a :class:`contextvars.ContextVar`).

    Examples
    --------
    >>> with connect_timeout(2):
    ...     _TIMEOUT.get()
    2.0
    >>> _TIMEOUT.get() == CONNECT_TIMEOUT
    True
    """
    token = _TIMEOUT.set(_check_timeout(seconds, "seconds"))
    try:
        yield _TIMEOUT.get()
    finally:
        _TIMEOUT.reset(token)


def _probe(address: str, timeout: float) -> str | None:
    """Why no Dask scheduler answers at ``address`` within ``timeout`` seconds, or None when one does.

    Runs in its own thread (with its own event loop), so it works under a running loop (Jupyter)
    and its time is bounded even where a step ignores its own timeout: the name is resolved,
    a TCP connection opened, then distributed's handshake and an ``identity`` call must answer
    as a scheduler.  A service that is not Dask fails the handshake (its bytes are no Dask
    frames, or it says nothing).
    """
    deadline = time.monotonic() + timeout
    box: dict[str, str | None] = {}

    def left() -> float:
        return max(0.05, deadline - time.monotonic())

    def work() -> None:
        box["reason"] = _probe_steps(address, left, timeout)

    thread = threading.Thread(target=work, name="hermite_rev-probe", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if thread.is_alive():  # a step that ignored its timeout (e.g. a resolver): the thread is left behind
        return f"no answer within {timeout:g} s"
    return box.get("reason", "the check failed")


def _probe_steps(address: str, left: Callable[[], float], timeout: float) -> str | None:
    scheme, rest = address.split("://", 1)
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    try:
        socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"cannot resolve host {host!r} ({exc.strerror or exc})"
    if scheme in ("tcp", "tls"):
        try:
            socket.create_connection((host, int(port)), timeout=left()).close()
        except TimeoutError:
            return f"no answer within {timeout:g} s (TCP connect)"
        except OSError as exc:
            return f"cannot connect ({exc.strerror or exc})"
    try:
        return asyncio.run(asyncio.wait_for(_handshake(address), left()))
    except TimeoutError:
        return f"no Dask handshake within {timeout:g} s (the service accepted the connection but said nothing Dask)"
    except MemoryError:  # the first bytes read as an absurd frame length
        return "the service does not speak the Dask protocol (its reply is no Dask frame)"
    except Exception as exc:  # a comm error, TLS misconfiguration, a garbled frame
        text = str(exc).splitlines()[0] if str(exc) else ""
        if "TLS" in text or "ssl" in text.lower():
            return f"TLS needs the dask config distributed.comm.tls (ca-file, client cert, key): {short(text, 120)}"
        return f"the service does not speak the Dask protocol ({type(exc).__name__}: {short(text, 120)})"


async def _handshake(address: str) -> str | None:
    from distributed.comm import connect as comm_connect
    from distributed.security import Security

    args = Security().get_connection_args("client")
    comm = await comm_connect(address, **args)
    try:
        await comm.write({"op": "identity"})
        reply = await comm.read()
    finally:
        await comm.close()
    kind = reply.get("type") if isinstance(reply, dict) else None
    if kind != "Scheduler":
        return f"it is a Dask {kind} (connect to the scheduler)" if kind else "it answered, but not as a Dask scheduler"
    return None


def connect(scheduler: str, timeout: float | None = None) -> Any:
    """A :class:`dask.distributed.Client` connected to the scheduler at ``scheduler``.

    The address is checked first (:func:`check_scheduler`); then a Dask scheduler must answer
    within ``timeout`` seconds (default: :data:`CONNECT_TIMEOUT`, or the value scoped by
    :func:`connect_timeout`).  Otherwise one line, as a :class:`SchedulerError`:
    ``no Dask scheduler at tcp://host:port: <reason>`` (the host does not resolve, the port
    is closed, or the service there is not a Dask scheduler).  The caller closes the client
    (``with connect(addr) as client: ...``).
    """
    distributed = _need_dask("scheduler=")
    address = check_scheduler(scheduler)
    seconds = _TIMEOUT.get() if timeout is None else _check_timeout(timeout, "timeout")
    if not address.startswith("inproc://"):
        reason = _probe(address, seconds)
        if reason is not None:
            raise SchedulerError(f"no Dask scheduler at {address}: {reason}")
    try:
        return distributed.Client(address, timeout=seconds)
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SchedulerError(f"no Dask scheduler at {address}: {short(text, 200)}") from None


class _Progress:
    """tqdm over tasks (ETA included), or nothing; with ``weights``, over their work units: a
    finished task ``i`` advances the bar by ``weights[i]``, so the bar and its ETA follow the
    work when the tasks are unequal."""

    def __init__(self, enabled: bool, total: int, desc: str | None, weights: Sequence[float] | None = None) -> None:
        self.bar = None
        self.weights = weights
        if enabled:
            from tqdm.auto import tqdm

            if weights is None:
                self.bar = tqdm(total=total, desc=desc, unit="task", file=sys.stderr, dynamic_ncols=True)
            else:
                fmt = "{l_bar}{bar}| {n:.3g}/{total:.3g} units [{elapsed}<{remaining}]"
                self.bar = tqdm(total=sum(weights), desc=desc, file=sys.stderr, dynamic_ncols=True, bar_format=fmt)

    def update(self, i: int) -> None:
        """Task ``i`` finished."""
        if self.bar is not None:
            self.bar.update(1 if self.weights is None else self.weights[i])

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[Any],
    *,
    client: Any | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    desc: str | None = None,
    retries: int = 2,
    seconds_per_task: float | None = None,
    connect_timeout: float | None = None,
    weights: Sequence[float] | None = None,
) -> list[Any]:
    r"""Run ``fn`` on every task and return the results in task order.

    Parameters
    ----------
    fn : callable
        A top-level function (picklable by reference): a pure function of its arguments, seeds
        included, so that every engine gives the same results.
    tasks : sequence
        One entry per task: a tuple (``fn(*task)``), a dict (``fn(**task)``) or a single
        argument (``fn(task)``).
    client : dask.distributed.Client or None
        Run on this Dask cluster.
    scheduler : str or None
        Address of a Dask scheduler (``"tcp://host:8786"``; see :func:`check_scheduler`):
        connect a Client for this call (:func:`connect`).
    workers : int or None
        Local engine only: ``1`` runs serially in this process; ``N`` runs ``N`` worker
        processes; None: one per core (never more than the tasks; serial for one task).
        More than the cores or the tasks is capped, with a ``HermiteRevWarning``.
    progress : bool
        A line with the size of the run (tasks, workers, and the estimated time when
        ``seconds_per_task`` is given), then a tqdm bar over tasks with ETA (on stderr).
    desc : str or None
        Label of the bar and of the error messages (default: the function's name).
    retries : int
        Dask: times a failing task is retried (``Client.submit(retries=...)``); local pool:
        times the pool is rebuilt after a worker process died.
    seconds_per_task : float or None
        Estimated run time of one task on one worker, for the size line.
    connect_timeout : float or None
        Seconds a ``scheduler`` has to answer (None: :data:`CONNECT_TIMEOUT`, 5 s, or the
        value scoped by :func:`connect_timeout`).
    weights : sequence of float or None
        The work of each task in any unit (e.g. its estimated seconds): the bar counts these
        units instead of tasks, so it moves with the work when tasks are unequal (one
        positive finite number per task).

    Returns
    -------
    list
        ``[fn(*tasks[0]), fn(*tasks[1]), ...]``.

    Raises
    ------
    SweepTaskError
        A task raised (after its retries): the message says which task and why.
    SchedulerError
        A malformed ``scheduler`` address, or no Dask scheduler answering there in time.
    HermiteRevError
        Bad arguments, or ``client`` / ``scheduler`` without dask installed.

    Examples
    --------
    >>> import math
    >>> run_tasks(math.comb, [(10, k) for k in range(4)], workers=1, progress=False)
    [1, 10, 45, 120]
    """
    if not callable(fn):
        raise HermiteRevError(f"fn must be callable, got {fn!r}")
    if isinstance(tasks, (str, bytes, bytearray)):  # list("abc") made three tasks that failed inside fn
        raise HermiteRevError(
            f"tasks must be a sequence of argument tuples, not a string: got tasks={short(repr(tasks), 60)}"
        )
    try:
        try:
            size = len(tasks) if hasattr(tasks, "__len__") else None
        except OverflowError:  # range(10**20)
            size = LIMITS["tasks"] + 1
        if size is not None and size > LIMITS["tasks"]:  # before list(): range(10**12) was a MemoryError
            raise HermiteRevError(f"at most {LIMITS['tasks']} tasks per sweep, got tasks with {size} entries")
        tasks = list(tasks)
    except TypeError:
        raise HermiteRevError(f"tasks must be a sequence of argument tuples, got {tasks!r}") from None
    if len(tasks) > LIMITS["tasks"]:
        raise HermiteRevError(f"at most {LIMITS['tasks']} tasks per sweep, got {len(tasks)}")
    retries = check_size(retries, "retries", low=0)
    if workers is not None:
        workers = check_size(workers, "workers")
    if connect_timeout is not None:
        connect_timeout = _check_timeout(connect_timeout)
    if scheduler is not None:
        scheduler = check_scheduler(scheduler)  # before anything runs
    if client is not None and scheduler is not None:
        raise HermiteRevError("give client= or scheduler=, not both")
    if (client is not None or scheduler is not None) and workers is not None:
        raise HermiteRevError(
            f"workers= is for the local engine; with a Dask client or scheduler the cluster "
            f"decides, got workers={workers}"
        )
    desc = desc or getattr(fn, "__name__", "tasks")
    if weights is not None:
        weights = _check_weights(weights, len(tasks))
    if not tasks:
        return []
    if scheduler is not None:
        with connect(scheduler, connect_timeout) as own:
            return _run_dask(fn, tasks, own, progress, desc, retries, seconds_per_task, weights)
    if client is not None:
        distributed = _need_dask("client=")
        if not isinstance(client, distributed.Client):
            raise HermiteRevError(f"client must be a dask.distributed.Client, got {client!r}")
        return _run_dask(fn, tasks, client, progress, desc, retries, seconds_per_task, weights)
    cores = local_workers()
    n = cores if workers is None else min(workers, cores)
    busy = min(n, len(tasks))
    if workers is not None and workers > busy:
        why = f"this process may use {cores} core(s)" if workers > cores else ""
        if workers > len(tasks):
            why += (" and " if why else "") + f"the sweep has {len(tasks)} task(s)"
        warnings.warn(f"{desc}: workers={workers} capped to {busy}: {why}", HermiteRevWarning, stacklevel=2)
    _announce(progress, desc, len(tasks), busy, "in this process" if busy == 1 else "local processes", seconds_per_task)
    if busy == 1:
        return _run_serial(fn, tasks, progress, desc, weights)
    return _run_pool(fn, tasks, n, progress, desc, retries, weights)


def _check_weights(weights: Any, ntasks: int) -> list[float]:
    """One positive finite float per task, or a one-line HermiteRevError naming ``weights``."""
    try:
        values = [float(w) for w in weights]
    except (TypeError, ValueError):
        raise HermiteRevError(
            f"weights must be a sequence of numbers, got weights={short(repr(weights), 80)}"
        ) from None
    if len(values) != ntasks:
        raise HermiteRevError(f"weights must have one number per task ({ntasks}), got {len(values)}")
    bad = [w for w in values if not (math.isfinite(w) and w > 0)]
    if bad:
        raise HermiteRevError(f"weights must be positive and finite, got {bad[0]!r} in weights")
    return values


def _announce(
    progress: bool, desc: str | None, ntasks: int, nworkers: int, where: str, seconds_per_task: float | None
) -> None:
    """The size line: tasks, workers, and the estimated time when known."""
    if not progress:
        return
    est = ""
    if seconds_per_task is not None:
        waves = -(-ntasks // max(nworkers, 1))
        est = f", estimated {_fmt_seconds(waves * float(seconds_per_task))}"
    print(f"{desc}: {ntasks} tasks on {nworkers} worker(s) ({where}){est}", file=sys.stderr, flush=True)


def _fmt_seconds(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def _run_serial(
    fn: Callable[..., Any], tasks: Sequence[Any], progress: bool, desc: str | None, weights: list[float] | None = None
) -> list[Any]:
    bar = _Progress(progress, len(tasks), desc, weights)
    out = []
    try:
        for i, task in enumerate(tasks):
            try:
                out.append(_call(fn, task))
            except Exception as exc:
                _fail(fn, tasks, i, exc)
            bar.update(i)
    finally:
        bar.close()
    return out


@contextlib.contextmanager
def _skip_main_reimport(fn: Callable[..., Any]) -> Iterator[None]:
    """Keep ``spawn`` from re-running the user's ``__main__`` script in each worker.

    ``spawn`` re-imports a script's main module in every child (so that functions defined there
    unpickle), which re-runs an unguarded script's top level.  Package tasks do not need it: while
    the pool starts, ``__main__.__spec__`` names ``"__main__"``, which multiprocessing skips.
    A task function defined in ``__main__`` keeps the usual behaviour (the script needs the
    ``if __name__ == "__main__":`` guard, as with any process pool).
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(fn, "__module__", None) == "__main__" or getattr(main, "__spec__", None) is not None:
        yield
        return
    main.__spec__ = types.SimpleNamespace(name="__main__")  # type: ignore[assignment]  # all spawn reads is .name
    try:
        yield
    finally:
        main.__spec__ = None


_POOL: dict[str, Any] = {"pool": None, "workers": 0}
_POOL_LOCK = threading.Lock()
_AT_EXIT = False


def _new_pool(n: int) -> ProcessPoolExecutor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no forked numba / BLAS thread state
    return ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_local_worker)


def _shared_pool(n: int) -> ProcessPoolExecutor:
    """The local pool of ``n`` processes kept between calls (started lazily, replaced when broken)."""
    global _AT_EXIT
    with _POOL_LOCK:
        if not _AT_EXIT:  # stop the workers before the interpreter tears its modules down
            atexit.register(shutdown)
            _AT_EXIT = True
        pool = _POOL["pool"]
        if pool is not None and (_POOL["workers"] != n or getattr(pool, "_broken", False)):
            _retire(pool)
            pool = None
        if pool is None:
            pool = _new_pool(n)
            _POOL.update(pool=pool, workers=n)
        return pool


#: pools replaced or dropped (a broken pool, another worker count): stopped without waiting,
#: and joined by :func:`shutdown` (at exit at the latest), so that no executor is left for the
#: garbage collector during interpreter teardown ("Exception ignored in ... weakref_cb").
_RETIRED: list[ProcessPoolExecutor] = []


def _retire(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` without waiting; :func:`shutdown` joins it.  Call with ``_POOL_LOCK`` held."""
    pool.shutdown(wait=False, cancel_futures=True)
    _RETIRED.append(pool)


def _drop_pool(pool: ProcessPoolExecutor) -> None:
    with _POOL_LOCK:
        if _POOL["pool"] is pool:
            _POOL.update(pool=None, workers=0)
        _retire(pool)


def shutdown() -> None:
    """Stop the local worker processes that :func:`run_tasks` keeps for the next sweep.

    They start on the first local parallel sweep (a few seconds: fresh interpreters import
    numpy / numba) and are reused after; they also stop when Python exits.  Call this to free
    their memory, or after editing the package's source (they keep the code they imported).
    """
    with _POOL_LOCK:
        pools = [_POOL["pool"], *_RETIRED]
        _POOL.update(pool=None, workers=0)
        _RETIRED.clear()
    for pool in pools:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _run_pool(
    fn: Callable[..., Any],
    tasks: Sequence[Any],
    n: int,
    progress: bool,
    desc: str | None,
    retries: int,
    weights: list[float] | None = None,
) -> list[Any]:
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    # a task function defined in a script's __main__ needs workers that import that script: own pool
    shared = getattr(fn, "__module__", None) != "__main__"
    results: dict[int, Any] = {}
    bar = _Progress(progress, len(tasks), desc, weights)
    rebuilt = 0
    try:
        while len(results) < len(tasks):
            todo = [i for i in range(len(tasks)) if i not in results]
            pool = _shared_pool(n) if shared else _new_pool(min(n, len(todo)))  # processes start on demand
            broken = False
            pending = {}
            try:
                with _skip_main_reimport(fn):  # worker processes start in submit()
                    for i in todo:
                        pending[pool.submit(_call, fn, tasks[i])] = i
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        i = pending.pop(fut)
                        try:
                            results[i] = fut.result()
                        except BrokenProcessPool:
                            broken = True
                            continue
                        except Exception as exc:
                            for f in pending:
                                f.cancel()
                            _fail(fn, tasks, i, exc)
                        bar.update(i)
                    if broken:
                        break
            except BrokenProcessPool:  # submit() on a pool that broke meanwhile
                broken = True
            finally:
                if not shared:
                    pool.shutdown(wait=not broken, cancel_futures=True)
            if broken:
                if shared:
                    _drop_pool(pool)
                rebuilt += 1
                if rebuilt > retries:
                    lost = [i for i in range(len(tasks)) if i not in results]
                    raise SweepTaskError(
                        f"a worker process died {rebuilt} times (more than retries={retries}); "
                        f"{len(lost)} task(s) unfinished, first {_summary(fn, tasks[lost[0]])}",
                        index=lost[0],
                        task=tasks[lost[0]],
                    )
    finally:
        bar.close()
    return [results[i] for i in range(len(tasks))]


def _run_dask(
    fn: Callable[..., Any],
    tasks: Sequence[Any],
    client: Any,
    progress: bool,
    desc: str | None,
    retries: int,
    seconds_per_task: float | None,
    weights: list[float] | None = None,
) -> list[Any]:
    import distributed

    try:
        nworkers = len(client.scheduler_info().get("workers", {})) or 1
    except Exception:  # pragma: no cover - an old scheduler
        nworkers = 1
    _announce(progress, desc, len(tasks), nworkers, f"Dask {client.scheduler.address}", seconds_per_task)
    run = uuid.uuid4().hex[:12]
    futures = [
        client.submit(_call_on_dask_worker, fn, task, key=f"{desc}-{run}-{i}", retries=retries, pure=False)
        for i, task in enumerate(tasks)
    ]
    index = {f.key: i for i, f in enumerate(futures)}
    results = [None] * len(tasks)
    bar = _Progress(progress, len(tasks), desc, weights)
    try:
        for fut in distributed.as_completed(futures):
            i = index[fut.key]
            if fut.status == "error":
                exc = fut.exception()
                client.cancel(futures)
                _fail(fn, tasks, i, exc)
            results[i] = fut.result()
            bar.update(i)
            fut.release()
    finally:
        bar.close()
    return results
