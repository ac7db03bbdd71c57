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
import threading
import time
from typing import TYPE_CHECKING, Any, Literal

import flint
import mpmath
import sympy

from .._core import powerseries as ps
from .._core.errors import HermiteRevError, NotAnalyticError
from .._core.exprs import c
from .._core.precision import flint_ctx, rad, to_mpf
from .._core.text import short
from .._core.validate import as_expr, check_dps, check_n, public

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .._core.typing import KernelLike
from .._core.exprs import count_nodes
from .._core.registry import label_for
from .._core.text import format_bound, format_value
from ._tail import Tail, tail_bound
from ._walk import (
    EXACT_SECONDS,
    WORK_LIMIT,
    _ArbBackend,
    _ListBackend,
    _NeedTerms,
    _taylor_arb,
    _Timeout,
    _Undecided,
    _Walker,
)


class TaylorCoeffs(list):
    """Taylor coefficients ``a_0 .. a_{n-1}`` (a list) that also say how they were obtained.

    Attributes
    ----------
    expr : sympy.Expr
        The kernel.
    dps : int or None
        Digits each coefficient is correct to (None when exact).
    errors : list of mpmath.mpf
        Absolute error bound of each coefficient (zeros when exact).
    exact : bool
        Whether the entries are exact sympy numbers.
    rigorous : bool
        Whether the error bounds are proven (ball arithmetic) rather than estimated.
    tail : Tail
        Bound on K(1) - sum of the coefficients (computed on first access).
    label : str or None
        What figures call the kernel (see :func:`taylor`).
    """

    _work_expr: sympy.Expr  # the expression actually expanded (set where a rewritten one was)
    _balls: Sequence[Any]  # the proven balls behind the coefficients (arb engine)

    def __init__(
        self,
        values: Iterable[Any],
        *,
        expr: sympy.Expr,
        dps: int | None,
        errors: Sequence[Any],
        exact: bool,
        rigorous: bool,
        engine: str,
        label: str | None = None,
    ) -> None:
        super().__init__(values)
        self.label = label
        self.expr = expr
        self.dps = dps
        self.errors = errors
        self.exact = exact
        self.rigorous = rigorous
        self.engine = engine
        self._tail: Tail | None = None

    @property
    def n(self) -> int:
        return len(self)

    @property
    def tail(self) -> Tail:
        if self._tail is None:
            self._tail = tail_bound(self)
        return self._tail

    @property
    def max_error(self) -> mpmath.mpf:
        return max(self.errors) if self.errors else mpmath.mpf(0)

    def __repr__(self) -> str:
        if len(self) <= 12:
            return super().__repr__()

        errs = list(self.errors) if self.errors else [None] * self.n

        def fmt(i: int) -> str:  # the digits each coefficient's error allows, at most 8
            return str(self[i]) if self.exact else format_value(self[i], errs[i], digits=8)

        head = ", ".join(fmt(i) for i in range(6))
        tail = ", ".join(fmt(i) for i in range(self.n - 2, self.n))
        how = "exact" if self.exact else f"dps={self.dps}, max abs error {format_bound(self.max_error, 3)}"
        return f"[{head}, ..., {tail}]  # TaylorCoeffs n={self.n}, {how}"

    def plot(self, ax: Any = None, closed_form: bool = True, label: str | None = None, **kwargs: Any) -> Any:
        """Plot the truncated series on [-1, 1], and the kernel itself with the residual near c = 1
        and the tail bound when it is an expression in c (see :func:`hermite_rev.plots.plot_kernel`)."""
        from ._values import plot_kernel

        K = self.expr if closed_form and self.expr.has(c) else None
        return plot_kernel(K, coeffs=self, ax=ax, label=label or self.label, **kwargs)

    def summary(self) -> str:
        how = "exact" if self.exact else f"{self.dps} digits, max abs error {mpmath.nstr(self.max_error, 3)}"
        return f"TaylorCoeffs(n={self.n}, {how}, engine={self.engine}, tail={self.tail!r})"


def _work_check(n: int, dps: int) -> None:
    if n * dps > WORK_LIMIT:
        raise HermiteRevError(f"n * dps must be at most {WORK_LIMIT} (coefficients times digits), got n={n}, dps={dps}")


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
    K : sympy.Expr or str
        Expression in :data:`hermite_rev.c` (strings are parsed by an allow-list parser and never
        executed; floats become exact rationals, see :func:`hermite_rev._core.validate.exact_float`).
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
    >>> import hermite_rev as hr, sympy
    >>> [mpmath.nstr(a, 10) for a in hr.taylor(sympy.exp(hr.c), 4, dps=10)]
    ['1.0', '1.0', '0.5', '0.1666666667']
    >>> hr.taylor(hr.kernels.arccos(1), 4, exact=True)
    [1/pi, 1/2, 1/(2*pi), 0]
    >>> hr.taylor("sin(c)/c", 4, exact=True)
    [1, 0, -1/6, 0]
    """
    n = check_n(n)
    expr = as_expr(K, c, name="kernel")
    out = _taylor(expr, n, dps, exact, engine)

    out.label = label_for(K, expr, label)
    return out


def _taylor(expr: sympy.Expr, n: int, dps: int, exact: bool, engine: str) -> TaylorCoeffs:
    if exact:
        try:
            return _taylor_exact(expr, n)
        except NotAnalyticError:
            alt = _rewritten(expr)
            if alt is None:
                raise
            out = _taylor_exact(alt, n)
            out.expr, out._work_expr = expr, alt
            return out
    dps = check_dps(dps)
    _work_check(n, dps)
    if engine == "mpmath":
        return _taylor_mpmath(expr, n, dps)
    if engine != "arb":
        raise HermiteRevError(f"engine must be 'arb' or 'mpmath', got engine={engine!r}")
    balls, prec, work = _taylor_balls(expr, n, dps)
    out = _from_balls(balls, expr=expr, dps=dps)
    out._work_expr = work
    return out


def _taylor_mpmath(expr: sympy.Expr, n: int, dps: int) -> TaylorCoeffs:
    with mpmath.workdps(dps + 20):
        N = n
        for _ in range(8):
            try:
                is_series, value = _Walker(_ListBackend(N, ps.MpField()), c, want=n)(expr)
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
    seconds = EXACT_SECONDS if seconds is None else seconds
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
                    out["value"] = _Walker(_ListBackend(N, F), c, want=n)(expr)
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
        if isinstance(exc, _Undecided):
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
                exact_ball = _Walker(_ArbBackend(1), None).scalar(sympy.sympify(v))
            except (HermiteRevError, _Undecided):
                continue
            if not exact_ball.overlaps(ball):
                raise HermiteRevError(
                    f"internal check failed: exact coefficient a_{k} = {short(v, 60)} is not in "
                    f"its proven ball {ball.str(10)}; please report this expression: {short(expr)}"
                )


def _from_balls(balls: Sequence[flint.arb], *, expr: sympy.Expr, dps: int) -> TaylorCoeffs:
    with mpmath.workdps(dps):
        values = [to_mpf(x) for x in balls]
        ulp = mpmath.mpf(2) ** (-mpmath.mp.prec)
        errors = [rad(x) + abs(v) * ulp for x, v in zip(balls, values)]
    out = TaylorCoeffs(values, expr=expr, dps=dps, errors=errors, exact=False, rigorous=True, engine="arb")
    out._balls = balls
    return out
