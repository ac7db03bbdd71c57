r"""Numeric lowering: compiled activations and the best member of a sign family.

Index
-----
compile_activation   Activation -> CompiledActivation (numba, float64 arrays of any shape)
CompiledActivation   f(x) = phi(x), f.grad(x) = phi'(x), f.hess(x) = phi''(x), f.value_and_grad(x)
best_member          the member of an ActivationFamily minimising a shape criterion
BestMember           result of best_member: activation, value, examined, members_per_second, method
CRITERIA             the built-in criteria: "sup", "lipschitz", "nonmonotone", "fluctuation"
gray_blocks          pure task: a range of Gray-code blocks (best_member split over hermite_rev.sweep)
local_starts         pure task: the local search from some of the starts

Convention: ``phi(z) = sum_k b_k h_k(z)`` with ``h_k = He_k / sqrt(k!)``; ``h_k' = sqrt(k) h_{k-1}``,
so ``phi' = sum_k sqrt(k+1) b_{k+1} h_k`` and ``phi'' = sum_k sqrt((k+1)(k+2)) b_{k+2} h_k``.

Floating point.  Values are computed in float64 by the forward three-term recurrence
(:mod:`hermite_rev._numba.hermite`).  Against mpmath the error is below 1e-12 relative (or 1e-14
absolute) on |z| <= 8 up to degree 200 for coefficients with the decay of reverse-engineered
kernels; for arbitrary coefficients the error is ~1e-16 times ``sum_k |b_k h_k(z)|``
(the condition number of the sum).  Where float64 overflows (an h_k(z) or the sum beyond
1.8e308, e.g. degree 200 at |z| > ~300) the result is ``±inf`` with the sign of the leading
term ``b_deg h_deg(z)`` (``overflow="raise"`` raises ``FloatingPointError`` instead).  NaN
inputs give NaN.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._core.errors import HermiteRevError
from ._core.limits import check_size
from ._core.text import short
from ._core.validate import check_positive_int, coefficient_list
from ._core.values import Value
from ._fluctuation import FiniteWidth, check_cosines, check_width, finite_width, fluctuation_problem, fluctuation_search
from .sweep import run_tasks

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from ._core.typing import ArrayLike, FloatArray
    from .family import Activation, ActivationFamily

__all__ = ["compile_activation", "CompiledActivation", "best_member", "BestMember", "CRITERIA"]

#: below this many points the serial kernel is used (thread launch costs more than it saves)
_PARALLEL_MIN = 4096

CRITERIA = ("sup", "lipschitz", "nonmonotone", "fluctuation")

#: ``exhaustive_limit`` of the "fluctuation" criterion when none is given (its members cost O(n m^2))
FLUCTUATION_EXHAUSTIVE = 16


def _float_coeffs(coeffs: Sequence[Any], what: str = "coefficient") -> FloatArray:
    out = np.empty(len(coeffs))
    for k, b in enumerate(coeffs):
        try:
            v = float(b)
        except (TypeError, ValueError):
            raise HermiteRevError(f"Hermite {what} b_{k} must be a real number, got {short(repr(b), 60)}") from None
        if not math.isfinite(v):
            raise HermiteRevError(f"Hermite {what} b_{k} = {b} does not fit in float64")
        out[k] = v
    return out


def _as_float_array(x: ArrayLike) -> FloatArray:
    if isinstance(x, (str, bytes)):
        raise HermiteRevError(f"x must be a float or an array of floats, got {x!r}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy raises many kinds
        raise HermiteRevError(f"x must be a float or an array of floats, got {x!r}: {exc}") from None
    if arr.dtype.kind == "c":
        raise HermiteRevError(f"x must be real, got a complex array (dtype {arr.dtype})")
    if arr.dtype.kind not in "biuf":
        raise HermiteRevError(f"x must be a float or an array of floats, got dtype {arr.dtype}")
    return arr


@dataclass(frozen=True, eq=False)
class CompiledActivation(Value):
    r"""A numba-compiled activation :math:`\phi(x) = \sum_k b_k h_k(x)` on float64 arrays.

    Create with :func:`compile_activation` or ``Activation.compile()``.  Calls take a float
    or an array of any shape and return a new float64 array of the same shape (a float for
    scalar input).  The compiled kernels are shared by all activations (the coefficients
    are arguments), so a new activation costs no compilation.

    Attributes
    ----------
    coeffs : numpy.ndarray
        float64 b_0 .. b_degree (trailing zeros dropped).
    degree : int
        Highest k with b_k != 0 (0 for the zero activation).
    overflow : {"inf", "raise"}
        What happens where float64 overflows (see the module docstring).

    A value: immutable (``coeffs`` is read-only), equal when the coefficients and ``overflow``
    are, and picklable by its coefficients: the tables of the recurrence are built (and the
    numba kernels compiled) on the first evaluation in each process.
    """

    coeffs: np.ndarray
    overflow: str = "inf"
    _tables: dict = field(default_factory=dict, init=False, repr=False, compare=False, metadata={"transient": True})

    def __post_init__(self) -> None:
        b = np.array(self.coeffs, dtype=np.float64).ravel()
        if b.size == 0:
            raise HermiteRevError("a compiled activation needs at least one coefficient, got none")
        if not np.all(np.isfinite(b)):
            bad = int(np.flatnonzero(~np.isfinite(b))[0])
            raise HermiteRevError(f"Hermite coefficient b_{bad} = {b[bad]} is not finite")
        if not isinstance(self.overflow, str) or self.overflow not in ("inf", "raise"):
            raise HermiteRevError(f"overflow must be 'inf' or 'raise', got overflow={short(repr(self.overflow), 60)}")
        nz = np.flatnonzero(b)
        b = b[: (nz[-1] + 1 if nz.size else 1)].copy()
        b.setflags(write=False)
        object.__setattr__(self, "coeffs", b)

    def __reduce__(self) -> tuple[Any, ...]:
        return (CompiledActivation, (self.coeffs, self.overflow))

    @property
    def degree(self) -> int:
        return int(self.coeffs.size - 1)

    def tables(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """``(d1, d2, r, s)``: the Hermite coefficients of phi' and phi'' (``sqrt(k+1) b_{k+1}``,
        ``sqrt((k+1)(k+2)) b_{k+2}``) and the recurrence tables ``r_k, s_k`` of
        :mod:`hermite_rev._numba.hermite`; read-only, built on first use."""
        t = self._tables.get("dr")
        if t is None:
            from ._numba import hermite as _numba  # numba loads on first evaluation

            b = self.coeffs
            n = b.size
            k = np.arange(n, dtype=np.float64)
            d1 = np.zeros(n)
            d1[: n - 1] = np.sqrt(k[1:]) * b[1:]
            d2 = np.zeros(n)
            d2[: max(n - 2, 0)] = np.sqrt(k[1 : n - 1] * k[2:]) * b[2:]
            r, s = _numba.recurrence_tables(n)
            for val in (d1, d2, r, s):
                val.setflags(write=False)
            t = self._tables.setdefault("dr", (d1, d2, r, s))
        return t

    @property
    def grad_coeffs(self) -> FloatArray:
        """float64 Hermite coefficients of phi': ``sqrt(k+1) b_{k+1}`` (read-only)."""
        return self.tables()[0]

    # --- evaluation -------------------------------------------------------------------------

    def _run(self, x: ArrayLike, which: tuple[int, ...]) -> tuple[Any, ...]:
        from ._numba import hermite as _numba  # numba loads on first evaluation

        d1, d2, r, s = self.tables()
        arr = _as_float_array(x)
        shape = arr.shape
        flat = np.ascontiguousarray(arr, dtype=np.float64).ravel()
        outs = [np.empty(flat.size) for _ in which]
        coefs = [(self.coeffs, d1, d2)[w] for w in which]
        kern: Any  # a numba dispatcher
        if flat.size >= _PARALLEL_MIN:
            kern = (_numba.series1_par, _numba.series2_par, _numba.series3_par)[len(which) - 1]
        else:
            kern = (_numba.series1_ser, _numba.series2_ser, _numba.series3_ser)[len(which) - 1]
        kern(flat, *coefs, r, s, *outs)
        self._check_overflow(flat, outs, which)
        if arr.ndim == 0:
            return tuple(float(o[0]) for o in outs)
        return tuple(o.reshape(shape) for o in outs)

    def _check_overflow(self, flat: FloatArray, outs: Sequence[FloatArray], which: tuple[int, ...]) -> None:
        for w, o in zip(which, outs):
            bad = ~np.isfinite(o)
            if not bad.any():
                continue
            bad &= np.isfinite(flat)
            if not bad.any():
                continue  # NaN / inf inputs propagate
            idx = np.flatnonzero(bad)
            what = ("phi", "phi'", "phi''")[w]
            if self.overflow == "raise":
                raise FloatingPointError(
                    f"{what}(x) overflows float64 at {idx.size} point(s), first at x={flat[idx[0]]!r} "
                    f"(degree {self.degree}); evaluate with mpmath (Activation.__call__) there"
                )
            # sign of the leading term c_top * h_top(x) ~ c_top * x**top
            c = (self.coeffs, *self.tables()[:2])[w]
            top = max(self.degree - w, 0)
            xs = flat[idx]
            sign = np.sign(c[top]) * np.where((xs < 0) & (top % 2 == 1), -1.0, 1.0)
            o[idx] = sign * np.inf

    def __call__(self, x: ArrayLike) -> FloatArray | float:
        """phi(x)."""
        return self._run(x, (0,))[0]

    def grad(self, x: ArrayLike) -> FloatArray | float:
        """phi'(x)."""
        return self._run(x, (1,))[0]

    def hess(self, x: ArrayLike) -> FloatArray | float:
        """phi''(x)."""
        return self._run(x, (2,))[0]

    def value_and_grad(self, x: ArrayLike) -> tuple[FloatArray, FloatArray] | tuple[float, float]:
        """(phi(x), phi'(x)) in one pass over the recurrence."""
        return self._run(x, (0, 1))

    def value_grad_hess(self, x: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray] | tuple[float, float, float]:
        """(phi(x), phi'(x), phi''(x)) in one pass over the recurrence."""
        return self._run(x, (0, 1, 2))

    def __repr__(self) -> str:
        shown = ", ".join(f"{v:.4g}" for v in self.coeffs[:4])
        more = ", ..." if self.coeffs.size > 4 else ""
        return f"CompiledActivation(degree={self.degree}, coeffs=[{shown}{more}])"


def compile_activation(act: Any, overflow: str = "inf") -> CompiledActivation:
    """Compile an activation to float64 numba kernels.

    Parameters
    ----------
    act : Activation or sequence of float
        The activation (or its Hermite coefficients b_0, b_1, ...).
    overflow : {"inf", "raise"}
        Where float64 overflows: return ``±inf`` (sign of the leading term) or raise
        ``FloatingPointError``.

    Returns
    -------
    CompiledActivation

    Examples
    --------
    >>> import hermite_rev as hr, sympy, numpy as np
    >>> act = hr.Activation.from_expr(sympy.sin(hr.z), 30, dps=20)
    >>> f = hr.lower.compile_activation(act)
    >>> bool(abs(f(0.5) - np.sin(0.5)) < 1e-12), bool(abs(f.grad(0.5) - np.cos(0.5)) < 1e-12)
    (True, True)
    """
    coeffs = getattr(act, "coeffs", act)
    if isinstance(coeffs, (str, bytes)) or not hasattr(coeffs, "__iter__"):
        raise HermiteRevError(
            f"compile_activation needs an Activation or a sequence of coefficients, got act={short(repr(act), 60)}"
        )
    coeffs = coefficient_list(coeffs, "act.coeffs")
    return CompiledActivation(_float_coeffs(coeffs), overflow=overflow)


# ---------------------------------------------------------------------------------------------
# best member of a sign family
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BestMember(Value):
    """Result of :func:`best_member`.

    Attributes
    ----------
    activation : Activation
        The winning member.
    signs : tuple of int
        Its sign vector (one ±1 per nonzero term, in ``fam.nonzero`` order).
    value : float
        Its criterion on the search grid (the quantity minimised).
    refined_value : float
        Its criterion on a 10x finer grid of the same interval.
    examined : int
        Members whose criterion was evaluated.
    covered : int
        Members the answer is exact for (``2**m`` for the Gray-code search: the built-in
        criteria are invariant under phi -> -phi, so half of them are examined).
    seconds : float
    members_per_second : float
        examined / seconds (compilation excluded).
    method : {"gray-code", "exhaustive", "local-search"}
    criterion : str
    interval : tuple of float
    grid : int
        Grid points (``"fluctuation"``: the number of cosines ``cs``, 0 for the integral over [-1, 1]).
    width : int or None
        ``"fluctuation"``: the hidden width the variance is for.
    finite_width : FiniteWidth or None
        ``"fluctuation"``: the winner's exact fluctuations (``activation.finite_width(width, kind, cs)``).

    For ``"fluctuation"`` ``value`` is the search criterion (the bulk fluctuation plus m times what
    the bulk misses: :func:`hermite_rev._fluctuation.fluctuation_problem`) and ``refined_value`` the
    winner's exact integrated variance (or its mean over ``cs``), ``finite_width.integrated_variance``.

    A value: immutable, picklable, deep-copyable; equal when the answer is (the timings
    ``seconds`` and ``members_per_second`` are not compared).
    """

    activation: Activation
    signs: tuple
    value: float
    refined_value: float
    examined: int
    covered: int
    seconds: float = field(compare=False)
    members_per_second: float = field(compare=False)
    method: str
    criterion: str
    interval: tuple
    grid: int
    width: int | None = None
    finite_width: FiniteWidth | None = None

    def __iter__(self) -> Iterator[Any]:  # (activation, report) unpacking
        yield self.activation
        yield self


def _criterion_numpy(name: str, y: FloatArray, w: FloatArray) -> float:
    if name == "nonmonotone":
        t = y * w
        return float(min(t[t > 0].sum(), -t[t < 0].sum()))
    return float(np.max(np.abs(y)))


def _trapezoid_weights(x: FloatArray) -> FloatArray:
    w = np.zeros_like(x)
    dx = np.diff(x)
    w[:-1] += dx / 2
    w[1:] += dx / 2
    return w


def _basis(fam: ActivationFamily, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Rows |b_k| h_k(x) and |b_k| h_k'(x) for the nonzero k of the family (float64)."""
    from ._numba import hermite as _numba

    ks = list(fam.nonzero)
    n = max(ks) + 1 if ks else 1
    vals = np.empty((len(ks), x.size))
    ders = np.empty((len(ks), x.size))
    for t, k in enumerate(ks):
        e = np.zeros(n)
        e[k] = float(fam.magnitudes[k])
        _numba.hermite_series_value_grad(x, e, vals[t], ders[t])
    return vals, ders


def best_member(
    fam: ActivationFamily,
    criterion: str | Callable[..., Any] = "sup",
    interval: tuple[float, float] = (-3, 3),
    grid: int = 201,
    exhaustive_limit: int | None = None,
    *,
    width: int | None = None,
    cs: Any = None,
    restarts: int = 64,
    seed: int = 0,
    max_rounds: int | None = None,
    resync: int = 4096,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool | None = None,
) -> BestMember:
    r"""The member of a sign family that minimises a shape criterion.

    All ``2**m`` members of ``fam`` have the same kernel; they differ in shape.  Built-in
    criteria on ``interval`` (evaluated on ``grid`` equally spaced points):

    - ``"sup"``: :math:`\max |\phi|`,
    - ``"lipschitz"``: :math:`\max |\phi'|`,
    - ``"nonmonotone"``: :math:`\min(\int \phi'_+, \int \phi'_-)`, zero iff phi is monotone
      (half the total variation minus the net change),
    - ``"fluctuation"`` (needs ``width=``): the variance of the width-m empirical kernel of the
      family's kind, integrated over c in [-1, 1] (or its mean over the cosines ``cs``): the member a
      finite net realises best (:meth:`~hermite_rev.family.Activation.finite_width`).  The criterion is
      quartic in the signs; ``interval`` and ``grid`` do not apply.  Exhaustive up to
      ``exhaustive_limit`` (default 16) nonzero terms, else local search; always cut into tasks
      (run here unless ``client``, ``scheduler`` or ``workers`` say otherwise), with a progress bar
      when large.

    A user callable ``criterion(x, phi, dphi) -> float`` (float64 arrays on the grid) is
    also accepted (evaluated from Python, with O(grid) numpy updates per member).

    Parameters
    ----------
    fam : ActivationFamily
    criterion : str or callable
    interval : (float, float)
    grid : int
        Number of grid points (>= 2).
    exhaustive_limit : int or None
        Exact Gray-code enumeration when the number of nonzero terms m is at most this
        (None: 30; 16 for ``"fluctuation"``);
        local search (steepest single flips from ``restarts`` random starts plus the
        all-plus member) beyond it.
    restarts, seed, max_rounds : local-search options.
    resync : int
        The Gray-code running sum is recomputed from scratch every ``resync`` flips.
    client, scheduler, workers :
        Where the search runs (:func:`hermite_rev.sweep.run_tasks`).  All None (default):
        in this process, numba threads over the cores.  Otherwise the search is split into
        pure tasks -- the Gray-code space by its high sign bits (each task returns the best of
        its blocks; the blocks are reduced in order), the local search by its starts -- and run
        on a Dask ``client`` / ``scheduler`` address, or on ``workers`` local processes
        (``workers=1``: serially here).  The result is identical to the default run.  Built-in
        criteria only.
    progress : bool or None
        Progress bar over the tasks of a split search (None: when it has >= 2**30 members;
        ``"fluctuation"``: >= 2**16 members or a local search of >= 24 signs).
    width, cs :
        ``"fluctuation"`` only: the hidden width (required) and optional cosines in [-1, 1].

    Returns
    -------
    BestMember
        Unpacks as ``(activation, report)``.

    Examples
    --------
    >>> import sympy, hermite_rev as hr
    >>> fam = hr.reverse(sympy.exp(hr.c), kind="nngp", n=8, dps=20)
    >>> res = hr.lower.best_member(fam, "sup", interval=(-3, 3))
    >>> res.method, res.covered
    ('gray-code', 256)
    >>> hr.lower.best_member(fam, "sup", workers=1).signs == res.signs   # split into tasks, run serially
    True
    """
    from ._numba import hermite as _numba

    if not hasattr(fam, "nonzero") or not hasattr(fam, "activation"):
        raise HermiteRevError(f"best_member needs an ActivationFamily, got {fam!r}")
    try:
        lo, hi = (float(v) for v in interval)
    except (TypeError, ValueError):
        raise HermiteRevError(f"interval must be a pair of floats (lo, hi), got interval={interval!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise HermiteRevError(f"interval must satisfy lo < hi (finite), got interval={interval!r}")
    grid = check_size(grid, "grid", "best_grid")
    if grid < 2:
        raise HermiteRevError(f"grid must be at least 2 points, got grid={grid}")
    restarts = check_positive_int(restarts, "restarts")
    resync = check_positive_int(resync, "resync")
    if isinstance(criterion, str) and criterion.lower() == "fluctuation":
        limit = FLUCTUATION_EXHAUSTIVE if exhaustive_limit is None else int(exhaustive_limit)
        run = dict(client=client, scheduler=scheduler, workers=workers, progress=progress)
        return _best_fluctuation(fam, width, cs, limit, restarts, seed, max_rounds, run)
    if width is not None or cs is not None:
        raise HermiteRevError(f"width= and cs= apply to the 'fluctuation' criterion only, got criterion={criterion!r}")
    exhaustive_limit = 30 if exhaustive_limit is None else int(exhaustive_limit)
    user = None
    if callable(criterion):
        user, name = criterion, getattr(criterion, "__name__", "callable")
    elif isinstance(criterion, str) and criterion.lower() in CRITERIA:
        name = criterion.lower()
    else:
        raise HermiteRevError(f"criterion must be one of {CRITERIA} or a callable(x, phi, dphi), got {criterion!r}")

    m = len(fam.nonzero)
    x = np.linspace(lo, hi, grid)
    w = _trapezoid_weights(x)
    vals, ders = _basis(fam, x)

    if m == 0:
        act = fam.activation([])
        return BestMember(act, (), 0.0, 0.0, 1, 1, 0.0, float("inf"), "gray-code", name, (lo, hi), grid)

    split = client is not None or scheduler is not None or workers is not None
    if user is not None:
        if split:
            raise HermiteRevError(
                f"client= / scheduler= / workers= split the search of the built-in criteria "
                f"{CRITERIA}; a callable criterion ({name}) runs in this process"
            )
        res = _search_callable(user, x, vals, ders, m, exhaustive_limit, restarts, seed, max_rounds)
    else:
        crit = {"sup": _numba.CRIT_SUP, "lipschitz": _numba.CRIT_LIPSCHITZ, "nonmonotone": _numba.CRIT_NONMONOTONE}[
            name
        ]
        basis = np.ascontiguousarray(vals if name == "sup" else ders)
        if split:
            run = dict(client=client, scheduler=scheduler, workers=workers, progress=progress)
            res = _search_builtin_split(basis, w, crit, m, exhaustive_limit, restarts, seed, max_rounds, resync, run)
        else:
            res = _search_builtin(basis, w, crit, m, exhaustive_limit, restarts, seed, max_rounds, resync)
    signs, value, examined, covered, seconds, method = res
    act = fam.activation(list(signs))

    # the winner on a 10x finer grid (guards against grid aliasing)
    xf = np.linspace(lo, hi, 10 * (grid - 1) + 1)
    f = compile_activation(act)
    yf, df = f.value_and_grad(xf)
    if user is not None:
        refined = float(user(xf, yf, df))
    else:
        refined = _criterion_numpy(name, np.asarray(yf if name == "sup" else df), _trapezoid_weights(xf))
    rate = examined / seconds if seconds > 0 else float("inf")
    return BestMember(
        act,
        tuple(int(s) for s in signs),
        float(value) + 0.0,
        refined + 0.0,
        int(examined),
        int(covered),
        seconds,
        rate,
        method,
        name,
        (lo, hi),
        grid,
    )


def _best_fluctuation(
    fam: ActivationFamily,
    width: Any,
    cs: Any,
    exhaustive_limit: int,
    restarts: int,
    seed: int,
    max_rounds: int | None,
    run: dict[str, Any],
) -> BestMember:
    """best_member(fam, "fluctuation", width=...): the sign search of :mod:`hermite_rev._fluctuation`,
    the winner's criterion recomputed in balls."""
    if width is None:
        raise HermiteRevError("the 'fluctuation' criterion needs the hidden width: best('fluctuation', width=m)")
    width = check_width(width)
    cosines = None if cs is None else check_cosines(cs)
    m = len(fam.nonzero)
    check_size(fam.n, "number of Hermite coefficients", "fluctuation_n")
    if m == 0:
        act = fam.activation([])
        fw = act.finite_width(width, fam.kind, cosines)
        value = float(fw.integrated_variance)
        return BestMember(
            act, (), value, value, 1, 1, 0.0, math.inf, "exhaustive", "fluctuation", (-1.0, 1.0), 0, width, fw
        )
    prob = fluctuation_problem(fam.magnitudes, fam.nonzero, fam.kind, width, cosines)
    signs, value, examined, covered, seconds, method = fluctuation_search(
        prob, exhaustive_limit, restarts, seed, max_rounds, run
    )
    act = fam.activation(list(signs))
    fw = finite_width(act.coeffs, act.errors, width, fam.kind, cosines, act.dps)
    refined = float(fw.integrated_variance) if cosines is None else float(sum(fw.variance) / len(fw.variance))
    rate = examined / seconds if seconds > 0 else float("inf")
    return BestMember(
        act,
        tuple(int(s) for s in signs),
        value,
        refined,
        int(examined),
        int(covered),
        seconds,
        rate,
        method,
        "fluctuation",
        (-1.0, 1.0),
        0 if cosines is None else len(cosines),
        width,
        fw,
    )


def _random_starts(m: int, restarts: int, seed: int) -> FloatArray:
    rng = np.random.default_rng(seed)
    starts = rng.choice(np.array([-1.0, 1.0]), size=(restarts, m))
    starts[0] = 1.0
    return np.ascontiguousarray(starts)


def _high_bits(free: int) -> int:
    """Sign bits fixed per Gray-code block: 2**high blocks of at most 2**24 members (64 blocks
    up to 2**30).  A function of ``free`` only, so every engine enumerates the same blocks."""
    return min(free, max(6, free - 24))


def _search_builtin(
    basis: FloatArray,
    w: FloatArray,
    crit: int,
    m: int,
    exhaustive_limit: int,
    restarts: int,
    seed: int,
    max_rounds: int | None,
    resync: int,
) -> tuple[list[int], float, int, int, float, str]:
    from ._numba import hermite as _numba

    if m <= exhaustive_limit:
        free = m - 1  # phi -> -phi leaves every built-in criterion unchanged: fix the last sign
        high = _high_bits(free)
        _numba.gray_search(basis[:, :2].copy(), w[:2].copy(), crit, min(free, 1), 0, resync)  # compile
        t0 = time.perf_counter()
        bv, bc = _numba.gray_search(basis, w, crit, free, high, resync)
        seconds = time.perf_counter() - t0
        i = int(np.argmin(bv))
        code = int(bc[i])
        signs = [-1 if (code >> t) & 1 else 1 for t in range(m)]
        return signs, float(bv[i]), 1 << free, 1 << m, seconds, "gray-code"
    starts = _random_starts(m, restarts, seed)
    rounds = max_rounds if max_rounds is not None else 4 * m
    _numba.local_search(basis[:2, :2].copy(), w[:2].copy(), crit, starts[:1, :2].copy(), 1)  # compile
    t0 = time.perf_counter()
    out_signs, out_val, evals = _numba.local_search(basis, w, crit, starts, rounds)
    seconds = time.perf_counter() - t0
    i = int(np.argmin(out_val))
    n_eval = int(evals.sum())
    return [int(s) for s in out_signs[i]], float(out_val[i]), n_eval, n_eval, seconds, "local-search"


def _search_callable(
    user: Callable[..., Any],
    x: FloatArray,
    vals: FloatArray,
    ders: FloatArray,
    m: int,
    exhaustive_limit: int,
    restarts: int,
    seed: int,
    max_rounds: int | None,
) -> tuple[Any, float, int, int, float, str]:
    """Gray code / local search with a Python criterion (numpy O(G) updates per member)."""
    t0 = time.perf_counter()
    if m <= exhaustive_limit:
        signs = np.ones(m)
        y = vals.sum(axis=0)
        dy = ders.sum(axis=0)
        best_v = float(user(x, y, dy))
        best_s: Any = signs.copy()
        total = 1 << m
        for step in range(1, total):
            t = (step & -step).bit_length() - 1
            s = signs[t]
            y -= 2 * s * vals[t]
            dy -= 2 * s * ders[t]
            signs[t] = -s
            if step % 4096 == 0:
                y = signs @ vals
                dy = signs @ ders
            v = float(user(x, y, dy))
            if v < best_v:
                best_v, best_s = v, signs.copy()
        return best_s.astype(int), best_v, total, total, time.perf_counter() - t0, "gray-code"
    starts = _random_starts(m, restarts, seed)
    rounds = max_rounds if max_rounds is not None else 4 * m
    best_v, best_s, evals = math.inf, None, 0
    for signs in starts:
        signs = signs.copy()
        cur = float(user(x, signs @ vals, signs @ ders))
        evals += 1
        for _ in range(rounds):
            y, dy = signs @ vals, signs @ ders
            cand = []
            for t in range(m):
                s = signs[t]
                cand.append(float(user(x, y - 2 * s * vals[t], dy - 2 * s * ders[t])))
            evals += m
            t = int(np.argmin(cand))
            if cand[t] >= cur:
                break
            signs[t] = -signs[t]
            cur = cand[t]
        if cur < best_v:
            best_v, best_s = cur, signs.copy()
    return best_s.astype(int), best_v, evals, evals, time.perf_counter() - t0, "local-search"


# ---------------------------------------------------------------------------------------------
# the search split into pure tasks (hermite_rev.sweep)
# ---------------------------------------------------------------------------------------------


def gray_blocks(
    basis: FloatArray, w: FloatArray, crit: int, free: int, high: int, resync: int, first: int, count: int
) -> tuple[Any, Any, float]:
    """Pure task: Gray-code blocks ``first .. first + count - 1`` (see :func:`best_member`).

    Returns ``(values, codes, seconds)``: per block its best criterion and sign code, and the
    search time (compilation excluded).
    """
    from ._numba import hermite as _numba

    _numba.gray_search_range(basis[:, :2].copy(), w[:2].copy(), crit, min(free, 1), 0, resync, 0, 1)  # compile
    t0 = time.perf_counter()
    values, codes = _numba.gray_search_range(basis, w, crit, free, high, resync, first, count)
    return values, codes, time.perf_counter() - t0


def local_starts(basis: FloatArray, w: FloatArray, crit: int, starts: FloatArray, rounds: int) -> tuple[Any, ...]:
    """Pure task: the local search from the rows of ``starts``; returns (signs, values, evals, seconds)."""
    from ._numba import hermite as _numba

    _numba.local_search(basis[:2, :2].copy(), w[:2].copy(), crit, starts[:1, :2].copy(), 1)  # compile
    t0 = time.perf_counter()
    out = _numba.local_search(basis, w, crit, starts, rounds)
    return (*out, time.perf_counter() - t0)


#: tasks a split search is cut into (at least; more on a cluster with more workers)
SPLIT_TASKS = 64


def _split_count(total: int, run: dict[str, Any]) -> int:
    """Number of tasks: SPLIT_TASKS, or 4 per Dask worker when that is more, at most ``total``."""
    want = SPLIT_TASKS
    client = run.get("client")
    if client is not None:
        try:
            want = max(want, 4 * len(client.scheduler_info().get("workers", {})))
        except Exception:  # pragma: no cover - only sizes the split
            pass
    return max(1, min(total, want))


def _ranges(total: int, parts: int) -> list[tuple[int, int]]:
    """Split range(total) into ``parts`` contiguous (first, count) pieces, in order."""
    q, r = divmod(total, parts)
    out, first = [], 0
    for j in range(parts):
        count = q + (1 if j < r else 0)
        out.append((first, count))
        first += count
    return out


def _search_builtin_split(
    basis: FloatArray,
    w: FloatArray,
    crit: int,
    m: int,
    exhaustive_limit: int,
    restarts: int,
    seed: int,
    max_rounds: int | None,
    resync: int,
    run: dict[str, Any],
) -> tuple[list[int], float, int, int, float, str]:
    from ._numba import hermite as _numba

    t0 = time.perf_counter()
    if m <= exhaustive_limit:
        free = m - 1
        high = _high_bits(free)
        nblocks = 1 << high
        pieces = _ranges(nblocks, _split_count(nblocks, run))
        progress = run["progress"] if run["progress"] is not None else free >= 30
        # calibrate the size line on 2**14 members of this very problem (milliseconds)
        probe_low = min(free - high, 14)
        _numba.gray_search_range(basis, w, crit, high + probe_low, high, resync, 0, 1)  # compile
        tp = time.perf_counter()
        _numba.gray_search_range(basis, w, crit, high + probe_low, high, resync, 0, 1)
        rate = (1 << probe_low) / max(time.perf_counter() - tp, 1e-9)
        per_task = (1 << (free - high)) * (nblocks / len(pieces)) / rate
        tasks: list[tuple[Any, ...]] = [(basis, w, crit, free, high, resync, first, count) for first, count in pieces]
        outs = run_tasks(
            gray_blocks,
            tasks,
            client=run["client"],
            scheduler=run["scheduler"],
            workers=run["workers"],
            progress=progress,
            desc=f"gray-code search 2**{free}",
            seconds_per_task=per_task,
        )
        bv = np.concatenate([o[0] for o in outs])
        bc = np.concatenate([o[1] for o in outs])
        i = int(np.argmin(bv))  # the first minimum in block order: the serial answer
        code = int(bc[i])
        signs = [-1 if (code >> t) & 1 else 1 for t in range(m)]
        seconds = time.perf_counter() - t0
        return signs, float(bv[i]), 1 << free, 1 << m, seconds, "gray-code"
    starts = _random_starts(m, restarts, seed)
    rounds = max_rounds if max_rounds is not None else 4 * m
    pieces = _ranges(len(starts), _split_count(len(starts), run))
    tasks = [(basis, w, crit, np.ascontiguousarray(starts[a : a + k]), rounds) for a, k in pieces]
    outs = run_tasks(
        local_starts,
        tasks,
        client=run["client"],
        scheduler=run["scheduler"],
        workers=run["workers"],
        progress=bool(run["progress"]),
        desc=f"local search, {len(starts)} starts",
    )
    out_signs = np.concatenate([o[0] for o in outs])
    out_val = np.concatenate([o[1] for o in outs])
    evals = sum(int(o[2].sum()) for o in outs)
    i = int(np.argmin(out_val))
    return ([int(s) for s in out_signs[i]], float(out_val[i]), evals, evals, time.perf_counter() - t0, "local-search")
