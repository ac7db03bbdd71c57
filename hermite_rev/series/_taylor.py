"""The public Taylor API: ``taylor`` and the ``TaylorCoeffs`` it returns.

Place: series stage, top module (uses ``._walk`` for the coefficients and ``._tail`` for the
tail bound); imports only :mod:`hermite_rev._core` and the modules beside it.

Index
-----
taylor          a_0 .. a_{n-1} of K(c), proven to ``dps`` digits, exact, or by the mpmath oracle
TaylorCoeffs    the coefficients (an immutable sequence) with error bounds and the tail bound
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import flint
import mpmath
import sympy

from .._core import powerseries as ps
from .._core.errors import HermiteRevError, NotAnalyticError
from .._core.exprs import as_built, c, count_nodes
from .._core.limits import LIMITS
from .._core.precision import flint_ctx, rad, to_mpf
from .._core.registry import kernel_name, label_for
from .._core.text import REPR_LIMIT, format_bound, format_value, short
from .._core.validate import as_expr, check_dps, check_flag, check_n, exact_number, public
from .._core.values import same
from ._tail import Tail, tail_bound
from ._walk import (
    ArbBackend,
    Undecided,
    Walker,
    _ListBackend,
    _NeedTerms,
    _taylor_arb,
    _Timeout,
)

if TYPE_CHECKING:
    from .._core.typing import KernelLike


class TaylorCoeffs(Sequence):
    """Taylor coefficients ``a_0 .. a_{n-1}`` (an immutable sequence) that also say how they were
    obtained.

    A value: ``a[k]``, ``len(a)``, iteration, slicing and ``list(a)`` work as on a tuple; it cannot
    be changed after it is made (:meth:`replace` returns a changed copy); it pickles and deep-copies,
    so it crosses process and Dask boundaries; two are equal when their coefficients, error bounds
    and provenance are, and a ``TaylorCoeffs`` equals a list of the same coefficients.

    Attributes
    ----------
    expr : sympy.Expr
        The kernel.
    dps : int or None
        Digits each coefficient is correct to (None when exact).
    errors : tuple of mpmath.mpf
        Absolute error bound of each coefficient (zeros when exact).
    exact : bool
        Whether the entries are exact sympy numbers.
    rigorous : bool
        Whether the error bounds are proven (ball arithmetic) rather than estimated.
    engine : str
        What computed them: ``"arb"``, ``"exact"``, ``"mpmath"``, ``"hermite"``, ...
    tail : Tail
        Bound on K(1) - sum of the coefficients (computed on first access, then kept).
    label : str or None
        What figures call the kernel (see :func:`taylor`).
    """

    __slots__ = ("_memo", "_values", "_work_expr", "dps", "engine", "errors", "exact", "expr", "label", "rigorous")

    _values: tuple[Any, ...]
    expr: sympy.Expr
    dps: int | None
    errors: tuple[Any, ...]
    exact: bool
    rigorous: bool
    engine: str
    label: str | None
    _work_expr: sympy.Expr  # the expression actually expanded (a rewritten form where one was needed)
    _memo: dict[str, Any]  # caches that are not part of the value: the tail, the proven balls

    def __init__(
        self,
        values: Iterable[Any],
        *,
        expr: sympy.Expr,
        dps: int | None,
        errors: Iterable[Any],
        exact: bool,
        rigorous: bool,
        engine: str,
        label: str | None = None,
        work_expr: sympy.Expr | None = None,
        tail: Tail | None = None,
        balls: Sequence[Any] | None = None,
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "_values", tuple(values))
        setattr_(self, "expr", expr)
        setattr_(self, "dps", dps)
        setattr_(self, "errors", tuple(errors))
        setattr_(self, "exact", exact)
        setattr_(self, "rigorous", rigorous)
        setattr_(self, "engine", engine)
        setattr_(self, "label", label)
        setattr_(self, "_work_expr", expr if work_expr is None else work_expr)
        memo: dict[str, Any] = {}
        if tail is not None:
            memo["tail"] = tail
        if balls is not None:
            memo["balls"] = tuple(balls)
        setattr_(self, "_memo", memo)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"TaylorCoeffs is immutable: use .replace({name}=...) for a changed copy")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("TaylorCoeffs is immutable")

    def replace(self, **changes: Any) -> TaylorCoeffs:
        """A copy with some fields changed (``values``, ``expr``, ``dps``, ``errors``, ``exact``,
        ``rigorous``, ``engine``, ``label``, ``work_expr``, ``tail``); the tail is recomputed unless
        given or only the label changes."""
        fields = {
            "values": self._values,
            "expr": self.expr,
            "dps": self.dps,
            "errors": self.errors,
            "exact": self.exact,
            "rigorous": self.rigorous,
            "engine": self.engine,
            "label": self.label,
            "work_expr": self._work_expr,
        }
        unknown = set(changes) - set(fields) - {"tail", "balls"}
        if unknown:
            raise TypeError(f"TaylorCoeffs has no field(s) {sorted(unknown)}")
        keep = set(changes) <= {"label"}
        if keep:
            fields["tail"] = self._memo.get("tail")
            fields["balls"] = self._memo.get("balls")
        fields.update(changes)
        return TaylorCoeffs(fields.pop("values"), **fields)

    # -- the sequence protocol
    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, k: Any) -> Any:
        return self._values[k] if not isinstance(k, slice) else list(self._values[k])

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    # -- a value: equality, hashing, pickling, copying
    def _key(self) -> tuple[Any, ...]:
        return (self._values, self.errors, self.dps, self.exact, self.rigorous, self.engine, self.expr, self.label)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TaylorCoeffs):
            return same(self._key(), other._key())  # a deep kernel's DAG in linear time
        if isinstance(other, list):
            return list(self._values) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self) -> tuple[Any, ...]:
        # the proven balls (python-flint objects, which do not pickle) stay behind: a cache only
        # expressions pickle as built: an unevaluated kernel comes back == (not flattened by sympy)
        state = {
            "expr": as_built(self.expr),
            "dps": self.dps,
            "errors": self.errors,
            "exact": self.exact,
            "rigorous": self.rigorous,
            "engine": self.engine,
            "label": self.label,
            "work_expr": None if self._work_expr is self.expr else as_built(self._work_expr),
            "tail": self._memo.get("tail"),
        }
        return (_rebuild_taylor, (self._values, state))

    def __copy__(self) -> TaylorCoeffs:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> TaylorCoeffs:
        return self  # immutable: a copy is the object itself

    @property
    def n(self) -> int:
        return len(self._values)

    @property
    def tail(self) -> Tail:
        if "tail" not in self._memo:
            self._memo["tail"] = tail_bound(self)
        return self._memo["tail"]

    @property
    def balls(self) -> tuple[Any, ...] | None:
        """The proven python-flint balls behind the coefficients (the arb engine), or None (other
        engines, or after unpickling: the balls are a cache and do not pickle)."""
        return self._memo.get("balls")

    @property
    def max_error(self) -> mpmath.mpf:
        return max(self.errors) if self.errors else mpmath.mpf(0)

    def __repr__(self) -> str:
        if len(self) <= 12:  # a short list as a list, unless its digits make it long
            text = repr(list(self._values))
            if len(text) <= REPR_LIMIT:
                return text

        errs = list(self.errors) if self.errors else [None] * self.n

        def fmt(i: int) -> str:  # the digits each coefficient's error allows, at most 8
            if self.exact:  # a long exact rational as its leading digits, marked "~"
                text = str(self[i])
                return text if len(text) <= 24 else f"~{sympy.N(self[i], 8)}"
            return format_value(self[i], errs[i], digits=8)

        shown = [fmt(i) for i in range(min(self.n, 6))]
        if self.n > 8:
            shown += ["..."] + [fmt(i) for i in range(self.n - 2, self.n)]
        else:
            shown += [fmt(i) for i in range(6, self.n)]
        how = "exact" if self.exact else f"dps={self.dps}, max abs error {format_bound(self.max_error, 3)}"
        text = f"[{', '.join(shown)}]  # TaylorCoeffs n={self.n}, {how}"
        return text if len(text) <= REPR_LIMIT else short(text, REPR_LIMIT)

    def plot(self, ax: Any = None, closed_form: bool = True, label: str | None = None, **kwargs: Any) -> Any:
        """Plot the truncated series on [-1, 1], and the kernel itself with the residual near c = 1
        and the tail bound when it is an expression in c (see :func:`hermite_rev.plots.plot_kernel`)."""
        from ._values import plot_kernel

        K = self.expr if closed_form and self.expr.has(c) else None
        return plot_kernel(K, coeffs=self, ax=ax, label=label or self.label, **kwargs)

    def summary(self) -> str:
        # the bound rounded up (format_bound), so the printed number still bounds every error
        how = "exact" if self.exact else f"{self.dps} digits, max abs error {format_bound(self.max_error, 3)}"
        return f"TaylorCoeffs(n={self.n}, {how}, engine={self.engine}, tail={self.tail!r})"


def _work_check(n: int, dps: int) -> None:
    if n * dps > LIMITS["taylor_work"]:
        raise HermiteRevError(
            f"n * dps must be at most {LIMITS['taylor_work']} (coefficients times digits), got n={n}, dps={dps}"
        )


def _rewritten(expr: sympy.Expr) -> sympy.Expr | None:
    """``expr`` with hyperbolic functions in exponentials and rational functions cancelled (or None).

    Makes ``tanh(log(c))`` the rational function ``(c**2 - 1)/(c**2 + 1)``; used only when the
    expression as written is not analytic at 0.
    """

    if count_nodes(expr, 400) >= 400 or not expr.has(sympy.log):
        return None
    alt = expr.rewrite([sympy.sinh, sympy.cosh, sympy.tanh], sympy.exp)
    if alt.is_rational_function(c):
        alt = sympy.cancel(alt)
    return None if alt == expr else alt


def _taylor_balls(expr: sympy.Expr, n: int, dps: int) -> tuple[list[flint.arb], int, sympy.Expr]:
    """(balls, prec, expression actually expanded) — a rewritten one when the original has a removable log."""
    try:
        balls, prec = _taylor_arb(expr, n, dps)
        return balls, prec, expr
    except NotAnalyticError:
        alt = _rewritten(expr)
        if alt is None:
            raise
        try:
            balls, prec = _taylor_arb(alt, n, dps)
        except HermiteRevError:
            alt = None
        if alt is None:
            raise
        return balls, prec, alt


@public
def taylor(
    K: KernelLike | Sequence[Any],
    n: int,
    dps: int = 30,
    *,
    exact: bool = False,
    engine: Literal["arb", "mpmath"] = "arb",
    label: str | None = None,
) -> TaylorCoeffs:
    r"""Taylor coefficients of a kernel at c = 0.

    .. math:: K(c) = \sum_{k \ge 0} a_k c^k

    Parameters
    ----------
    K : sympy.Expr, str or sequence of numbers
        Expression in :data:`hermite_rev.c` (strings are parsed by an allow-list parser and never
        executed; floats become exact rationals, see :func:`hermite_rev._core.validate.exact_float`),
        or coefficients ``[a_0, a_1, ...]`` of a polynomial kernel (as :func:`hermite_rev.reverse`
        accepts them).
    n : int
        Number of coefficients, a_0 .. a_{n-1} (at most 100000; n * dps at most 2e7).
    dps : int
        Decimal digits each coefficient is proven correct to (at most 10000; ignored when
        ``exact``).  A coefficient whose ball contains 0 is correct to ``dps`` digits of the
        largest coefficient proven nonzero.
    exact : bool
        Return exact sympy numbers (rationals, pi, radicals) instead of mpmath numbers.  Refused
        after 10 s when the exact expressions grow too fast (use ``dps``); the exact values are
        checked against the ball values.
    engine : {"arb", "mpmath"}
        "arb" (default): python-flint ball arithmetic, proven error bounds.  "mpmath": the
        same recurrences in plain mpmath at ``dps`` + 20 digits (no proof; an oracle).
    label : str, optional
        What figures and reprs call the kernel (``.label`` of the result); default: ``K``
        itself when it is a string, else the constructor call that built it
        (:func:`hermite_rev.kernels.label_of`).

    Returns
    -------
    TaylorCoeffs
        A list of ``n`` numbers with ``.errors``, ``.tail`` and ``.dps``.

    Raises
    ------
    ValueError
        ``n <= 0``, ``dps <= 0``, sizes over the limits, a free symbol other than ``c``, or an
        expression not analytic at c = 0 (e.g. ``sqrt(c)``).

    Examples
    --------
    >>> import hermite_rev as hr, mpmath, sympy
    >>> [mpmath.nstr(a, 10) for a in hr.taylor(sympy.exp(hr.c), 4, dps=10)]
    ['1.0', '1.0', '0.5', '0.1666666667']
    >>> hr.taylor(hr.kernels.arccos(1), 4, exact=True)
    [1/pi, 1/2, 1/(2*pi), 0]
    >>> hr.taylor("sin(c)/c", 4, exact=True)
    [1, 0, -1/6, 0]
    >>> hr.taylor([1, 0.5], 3, exact=True)  # a coefficient list is a polynomial kernel
    [1, 1/2, 0]
    """
    n = check_n(n)
    exact = check_flag(exact, "exact")
    expr = _as_kernel(K)
    out = _taylor(expr, n, dps, exact, engine)

    return out.replace(label=label_for(K, expr, label))


def _as_kernel(K: Any) -> sympy.Expr:
    """The kernel as an expression in c: a list, tuple or 1-d array of numbers is the polynomial
    ``sum_k K[k] c^k`` (as in :func:`hermite_rev.reverse` and ``kernels.polynomial``; floats
    become exact rationals); anything else goes through :func:`~hermite_rev._core.validate.as_expr`."""
    if type(K).__module__ == "numpy" and hasattr(K, "ndim"):  # a numpy array (numpy is not imported here)
        if K.ndim != 1:
            raise HermiteRevError(f"kernel coefficients must be a 1-d array, got shape {K.shape}")
        K = K.tolist()
    if isinstance(K, (list, tuple)):
        if not K:
            raise HermiteRevError("kernel coefficients must not be empty, got kernel=[]")
        if len(K) > LIMITS["taylor_n"]:
            raise HermiteRevError(f"at most {LIMITS['taylor_n']} kernel coefficients, got {len(K)}")
        return sympy.Add(*[exact_number(a, f"kernel[{k}]") * c**k for k, a in enumerate(K)])
    return as_expr(K, c, name="kernel")


def _taylor(expr: sympy.Expr, n: int, dps: int, exact: bool, engine: str) -> TaylorCoeffs:
    if exact:
        try:
            return _taylor_exact(expr, n)
        except NotAnalyticError:
            alt = _rewritten(expr)
            if alt is None:
                raise
            return _taylor_exact(alt, n).replace(expr=expr, work_expr=alt)
    dps = check_dps(dps)
    _work_check(n, dps)
    if engine == "mpmath":
        return _taylor_mpmath(expr, n, dps)
    if engine != "arb":
        raise HermiteRevError(f"engine must be 'arb' or 'mpmath', got engine={engine!r}")
    announce_long(expr, n, dps)
    balls, prec, work = _taylor_balls(expr, n, dps)
    return _from_balls(balls, expr=expr, dps=dps, work_expr=work)


#: announce_long: a walk smaller than this (distinct nodes x coefficients) is never timed
_ANNOUNCE_WORK = 200_000
#: announce_long: the time of a walk grows about like n^1.5 (measured: n^1.37 for relu_ntk(depth=4)
#: from 2000 to 5000 terms; composition of series is super-linear)
_ANNOUNCE_POWER = 1.5


def announce_long(expr: sympy.Expr, n: int, dps: int) -> float | None:
    """Before a large expansion: time the same expansion at n/8 coefficients, project the full
    one (x 8^1.5) and, when that exceeds ``LIMITS["announce_seconds"]`` (10 s), say so in one line
    on stderr.  Returns the projected seconds (None when the walk is too small to time).

    The timed run costs about 1/8^1.5 = 4% of the full one; walks with fewer than
    ``_ANNOUNCE_WORK`` (distinct nodes x coefficients) are not timed.
    """
    nodes = count_nodes(expr, LIMITS["nodes"])
    if n < 256 or nodes * n < _ANNOUNCE_WORK:
        return None
    n0 = n // 8
    t0 = time.perf_counter()
    _taylor_balls(expr, n0, dps)
    small = time.perf_counter() - t0
    projected = small * (n / n0) ** _ANNOUNCE_POWER
    if projected > LIMITS["announce_seconds"]:
        print(
            f"hermite_rev: taylor: {n} coefficients of {kernel_name(expr, None, 60)} at {dps} digits: about "
            f"{_duration(projected)} (timed at {n0} coefficients: {small:.1f} s; limits: docs/guide/limits.md)",
            file=sys.stderr,
            flush=True,
        )
    return projected


def _duration(t: float) -> str:
    if t < 90:
        return f"{t:.0f} s"
    if t < 5400:
        return f"{t / 60:.1f} min"
    return f"{t / 3600:.1f} h"


def _taylor_mpmath(expr: sympy.Expr, n: int, dps: int) -> TaylorCoeffs:
    with mpmath.workdps(dps + 20):
        N = n
        for _ in range(8):
            try:
                is_series, value = Walker(_ListBackend(N, ps.MpField()), c, want=n)(expr)
                break
            except _NeedTerms as more:
                N += more.extra
        values = value[:n] if is_series else ps.ps_const(ps.MpField(), value, n)
    with mpmath.workdps(dps):
        values = [+v for v in values]
    return TaylorCoeffs(
        values, expr=expr, dps=dps, errors=[mpmath.mpf(0)] * n, exact=False, rigorous=False, engine="mpmath"
    )


def _taylor_exact(expr: sympy.Expr, n: int, seconds: float | None = None) -> TaylorCoeffs:
    seconds = LIMITS["exact_seconds"] if seconds is None else seconds
    F = ps.SympyField(deadline=time.monotonic() + seconds)
    refusal = HermiteRevError(
        f"exact Taylor coefficients of {short(expr, 80)} not found within {seconds:g} s (the exact "
        f"expressions grow too fast for sympy); use dps= instead, e.g. hr.taylor(K, {n}, dps=50), "
        f"for coefficients proven correct to that many digits"
    )
    out: dict[str, Any] = {}

    def work() -> None:
        N = n
        try:
            for _ in range(8):
                try:
                    out["value"] = Walker(_ListBackend(N, F), c, want=n)(expr)
                    return
                except _NeedTerms as more:
                    N += more.extra
            out["error"] = HermiteRevError(f"could not cancel the leading zeros of {short(expr)} exactly")
        except BaseException as exc:
            out["error"] = exc

    # one sympy expansion can outlast the deadline checked between operations: the walk runs in a
    # thread that is abandoned at the deadline (it stops at its next operation, which then times out)
    worker = threading.Thread(target=work, daemon=True, name="hermite_rev exact taylor")
    worker.start()
    worker.join(seconds + 0.5)
    if worker.is_alive():
        F.deadline = -math.inf
        raise refusal
    if "error" in out:
        exc = out["error"]
        if isinstance(exc, _Timeout):
            raise refusal from None
        if isinstance(exc, Undecided):
            raise HermiteRevError(f"cannot decide the sign of a constant term of {short(expr)} exactly") from None
        raise exc
    is_series, value = out["value"]
    values = list(value[:n]) if is_series else ps.ps_const(F, value, n)
    _check_exact_against_balls(expr, values)
    return TaylorCoeffs(
        values, expr=expr, dps=None, errors=[mpmath.mpf(0)] * len(values), exact=True, rigorous=True, engine="sympy"
    )


def _check_exact_against_balls(expr: sympy.Expr, values: Sequence[sympy.Expr]) -> None:
    """The exact coefficients must lie in the proven balls (an independent check of the exact walk)."""
    try:
        balls, _, _ = _taylor_balls(expr, len(values), 15)
    except HermiteRevError:
        return  # the ball engine cannot do this one (e.g. a sign it cannot decide): nothing to compare
    for k, (v, ball) in enumerate(zip(values, balls)):
        with flint_ctx(128, 1):
            try:
                exact_ball = Walker(ArbBackend(1), None).scalar(sympy.sympify(v))
            except (HermiteRevError, Undecided):
                continue
            if not exact_ball.overlaps(ball):
                raise HermiteRevError(
                    f"internal check failed: exact coefficient a_{k} = {short(v, 60)} is not in "
                    f"its proven ball {ball.str(10)}; please report this expression: {short(expr)}"
                )


def _from_balls(
    balls: Sequence[flint.arb], *, expr: sympy.Expr, dps: int, work_expr: sympy.Expr | None = None
) -> TaylorCoeffs:
    with mpmath.workdps(dps):
        values = [to_mpf(x) for x in balls]
        ulp = mpmath.mpf(2) ** (-mpmath.mp.prec)
        errors = [rad(x) + abs(v) * ulp for x, v in zip(balls, values)]
    return TaylorCoeffs(
        values,
        expr=expr,
        dps=dps,
        errors=errors,
        exact=False,
        rigorous=True,
        engine="arb",
        work_expr=work_expr,
        balls=balls,
    )


def _rebuild_taylor(values: tuple[Any, ...], state: dict[str, Any]) -> TaylorCoeffs:
    return TaylorCoeffs(values, **state)
