r"""Compiling a kernel to a float64 function of the cosine: :func:`compile_kernel`.

Index
-----
compile_kernel   a kernel -> KernelFunction (compiled once per kernel, cached)
KernelFunction   the compiled evaluator: method, stated error, ``__call__`` on cosines, ``apply_``
ElementwiseKernel  apply(C) of generated straight-line code, numba-compiled on first call
PIECES, THETA_TOL, CHECK_POINTS
                 the theta interpolation's pieces and accuracy, the size of the check grid
METHODS          the accepted ``method=`` values

The three ways of evaluating a kernel (``"theta"``, ``"compiled"``, ``"series"``) and what
their stated errors mean are described in :mod:`hermite_rev.predict`.  A ``KernelFunction``
is a value: immutable, equal by value, and picklable; what it evaluates with (a piecewise
polynomial, generated code, Taylor coefficients) pickles as data and the numba kernels
compile again on first use in the receiving process.

Place in the pipeline: :mod:`hermite_rev.predict` ``_codegen`` -> **_compile** -> ``_gram``
-> ``_inference``.  Imports :mod:`hermite_rev._core`, :mod:`hermite_rev.series`,
:mod:`hermite_rev.kernels`, ``_codegen``, and the numba kernels of
:mod:`hermite_rev._numba.gram` lazily (on first evaluation).
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import mpmath
import numpy as np
import sympy
from numpy.polynomial import chebyshev

from .._core.errors import HermiteRevError
from .._core.exprs import c
from .._core.text import REPR_LIMIT
from .._core.text import short as _short
from .._core.validate import as_expr, public
from .._core.values import Value
from ..hermite import check_kernel_coefficients
from ..kernels import polynomial
from ..series import TaylorCoeffs, taylor
from ._codegen import NumpyKernel, Unsupported, generate, oracle

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._core.typing import ArrayLike, FloatArray, KernelLike

__all__ = [
    "compile_kernel",
    "KernelFunction",
    "ElementwiseKernel",
    "PIECES",
    "THETA_TOL",
    "CHECK_POINTS",
    "METHODS",
]

#: pieces of the piecewise polynomial in theta
PIECES = 16
#: relative accuracy the theta interpolation must reach (measured) to be used
THETA_TOL = 1e-13
#: number of cosines of the dense check grid
CHECK_POINTS = 1537
#: the accepted ``method=`` values of :func:`compile_kernel` and :func:`~hermite_rev.predict.gram`
METHODS = ("auto", "theta", "compiled", "series")

_LOCK = threading.RLock()


# --------------------------------------------------------------------------------------------
# the compiled kernel
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class KernelFunction(Value):
    r"""A kernel compiled to a float64 function of the cosine.

    Attributes
    ----------
    kernel : sympy.Expr or TaylorCoeffs
        What was compiled.
    method : {"theta", "compiled", "series"}
        How it is evaluated (see :mod:`hermite_rev.predict`).
    error : float
        Largest absolute error of an evaluation at a float64 cosine in [-1, 1].
    error_kind : {"bound", "measured", "estimate"}
        ``"bound"``: a proven upper bound (series path with rigorous coefficients);
        ``"measured"``: the largest deviation seen on a dense grid against 30-digit values;
        ``"estimate"``: the series path with coefficients that are not proven.
    k1 : float
        K(1), the diagonal of every Gram matrix of this kernel.
    detail : str
        The degree / number of terms used.

    A value (:class:`hermite_rev._core.values.Value`): immutable, equal when the kernel,
    method, error and detail are, and picklable (the evaluator travels as data and its numba
    code compiles again on first use); ``copy.deepcopy`` returns the object itself, so
    scikit-learn's ``clone`` shares it instead of recompiling.
    """

    kernel: object = field(repr=False)
    method: str
    error: float
    error_kind: str
    k1: float
    detail: str
    _apply: Callable[[FloatArray], Any] = field(repr=False, compare=False)

    def __repr__(self) -> str:
        return _short(
            f"KernelFunction(method={self.method!r}, error={self.error:.3g} ({self.error_kind}), "
            f"K(1)={self.k1!r}, {self.detail})",
            REPR_LIMIT,
        )

    def apply_(self, C: FloatArray) -> FloatArray:
        """Replace the cosines in the C-contiguous float64 2-D array ``C`` by K(c), in place."""
        self._apply(C)
        return C

    def __call__(self, cs: ArrayLike) -> FloatArray:
        """K at the cosines ``cs`` (any shape; clipped to [-1, 1]); returns a new float64 array."""
        a = np.array(cs, dtype=np.float64, copy=True)
        shape = a.shape
        a = np.ascontiguousarray(a.reshape(1, -1))
        self._apply(a)
        return a.reshape(shape)


# --------------------------------------------------------------------------------------------
# compiling
# --------------------------------------------------------------------------------------------


def _check_grid() -> FloatArray:
    """Float64 cosines of a dense grid: uniform in theta plus points clustered at both ends."""
    th = np.linspace(0.0, math.pi, CHECK_POINTS - 64)
    ends = np.concatenate([10.0 ** -np.linspace(1, 8, 32)])
    th = np.concatenate([th, ends, math.pi - ends])
    return np.unique(np.clip(np.cos(th), -1.0, 1.0))


def _fit_theta(values_fn: Callable[[Any], Any], degree: int) -> tuple[FloatArray, float]:
    """Piecewise Chebyshev interpolants in theta, returned in the local monomial basis."""
    m = degree + 1
    with mpmath.workdps(30):
        nodes = [mpmath.cos((2 * j + 1) * mpmath.pi / (2 * m)) for j in range(m)]  # first kind, interior
        h = mpmath.pi / PIECES
        thetas = [(i + (1 + t) / 2) * h for i in range(PIECES) for t in nodes]
        vals = values_fn([mpmath.cos(t) for t in thetas])
    vals = np.array([float(v) for v in vals]).reshape(PIECES, m)
    tnodes = np.array([float(t) for t in nodes])
    P = np.empty((PIECES, m))
    tail = 0.0
    for i in range(PIECES):
        ch = chebyshev.chebfit(tnodes, vals[i], degree)
        tail = max(tail, float(np.max(np.abs(ch[-3:]))))
        P[i] = chebyshev.cheb2poly(ch)
    return np.ascontiguousarray(P), tail


def _measure(apply: Callable[[FloatArray], Any], ref_grid: FloatArray, ref_vals: FloatArray) -> float:
    C = np.ascontiguousarray(ref_grid.reshape(1, -1).copy())
    apply(C)
    got = C.ravel()
    if not np.all(np.isfinite(got)):
        i = int(np.argmin(np.isfinite(got)))
        raise HermiteRevError(f"the kernel is not finite at c = {ref_grid[i]!r} (compiled value {got[i]})")
    return float(np.max(np.abs(got - ref_vals)))


def _compile_series(tc: TaylorCoeffs) -> KernelFunction:
    n = len(tc)
    with mpmath.workdps(30):
        vals = [mpmath.mpf(sympy.N(v, 30)) if tc.exact else mpmath.mpf(v) for v in tc]
        errs = [mpmath.mpf(e) for e in tc.errors] if tc.errors is not None else [mpmath.mpf(0)] * n
        why = "the truncation error of a series kernel is bounded only for non-negative coefficients"
        check_kernel_coefficients(vals, errs, why=why)
        tail = tc.tail
        u = mpmath.mpf(2) ** -53
        g = (2 * n + 1) * u / (1 - (2 * n + 1) * u)
        total = mpmath.fsum(abs(a) for a in vals)
        bound = max(tail.bound, 0) + mpmath.fsum(errs) + g * (total + mpmath.fsum(errs)) + total * u
    a = np.array([float(v) for v in vals])
    rigorous = bool(getattr(tc, "rigorous", False)) and tail.rigorous
    return KernelFunction(
        tc,
        "series",
        float(bound) * (1 + 1e-12),
        "bound" if rigorous else "estimate",
        float(tail.k1),
        f"Horner on {n} Taylor coefficients",
        functools.partial(_apply_horner, a=a),
    )


def _apply_horner(C: FloatArray, a: FloatArray) -> None:
    from .._numba import gram as ng  # numba loads on first evaluation

    ng.horner_c(C, a)


def _apply_theta(C: FloatArray, P: FloatArray) -> None:
    from .._numba import gram as ng  # numba loads on first evaluation

    ng.theta_piecewise(C, P, float(PIECES))


@functools.lru_cache(maxsize=64)
def _elementwise(body: str) -> Callable[[FloatArray], None]:
    from .._numba import gram as ng  # numba loads on first evaluation

    return ng.compile_elementwise(body)


class ElementwiseKernel:
    """``apply(C)`` of straight-line code from :func:`~hermite_rev.predict._codegen.generate`.

    numba-compiles the code on first call (once per code and process) and pickles by its
    source, so a :class:`KernelFunction` crosses process boundaries as text.
    """

    __slots__ = ("body",)

    def __init__(self, body: str) -> None:
        self.body = body

    def __call__(self, C: FloatArray) -> None:
        _elementwise(self.body)(C)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ElementwiseKernel, (self.body,))


@functools.lru_cache(maxsize=64)
def _compile_expr(expr: sympy.Expr, method: str) -> KernelFunction:
    values = oracle(expr)
    grid = _check_grid()
    ref = np.array([float(v) for v in values(grid)])
    if not np.all(np.isfinite(ref)):
        i = int(np.argmin(np.isfinite(ref)))
        raise HermiteRevError(f"the kernel is not finite (or not real) at c = {float(grid[i])!r}: {_short(expr)}")
    scale = float(np.max(np.abs(ref)))
    k1 = float(values([1])[0])
    tried = []
    apply: Callable[[FloatArray], Any]
    if method in ("auto", "theta"):
        for degree in (12, 16, 24, 32):
            try:
                P, tail = _fit_theta(values, degree)
            except (ZeroDivisionError, ValueError, OverflowError) as exc:  # pragma: no cover - odd kernels
                tried.append(f"theta: {exc}")
                break
            if not np.all(np.isfinite(P)):
                break
            apply = functools.partial(_apply_theta, P=P)
            err = _measure(apply, grid, ref)
            tried.append(f"theta degree {degree}: {err:.2e}")
            if err <= THETA_TOL * max(scale, 1.0) or (method == "theta" and degree == 32):
                return KernelFunction(
                    expr, "theta", err, "measured", k1, f"arccos + {PIECES} pieces of degree {degree} in theta", apply
                )
    try:
        body, nodes = generate(expr)
        apply = ElementwiseKernel(body)
        detail = f"straight-line numba code, {nodes} DAG nodes"
    except Unsupported as exc:
        apply = NumpyKernel(expr)
        detail = f"numpy (lambdify with cse; {exc})"
    err = _measure(apply, grid, ref)
    if tried:
        detail += f"; tried {', '.join(tried)}"
    return KernelFunction(expr, "compiled", err, "measured", k1, detail, apply)


def _as_kernel_expr(K: KernelLike) -> sympy.Expr:
    """as_expr for kernels, with a DAG walk for sympy input (deep kernels are huge as trees)."""
    if not isinstance(K, sympy.Expr):
        return as_expr(K, c, name="kernel")
    seen, stack, symbols = set(), [K], set()
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if e.is_Symbol:
            symbols.add(e)
        elif e in (sympy.I, sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise HermiteRevError(f"kernel must be real and finite, got {_short(K)}")
        stack.extend(e.args)
    renames = {s: c for s in symbols if s.name == c.name and s != c}
    if renames:
        K = K.xreplace(renames)
        symbols = (symbols - set(renames)) | {c}
    other = symbols - {c}
    if other:
        names = ", ".join(sorted(s.name for s in other))
        raise HermiteRevError(f"kernel may only depend on the symbol c; found free symbol(s) {names} in {_short(K)}")
    return K


@public
def compile_kernel(
    K: KernelLike | TaylorCoeffs | KernelFunction, *, method: Literal["auto", "theta", "compiled", "series"] = "auto"
) -> KernelFunction:
    r"""Compile a kernel into a float64 function of the cosine (once per kernel, cached).

    Parameters
    ----------
    K : sympy.Expr, str, sequence of numbers or TaylorCoeffs
        A kernel expression in ``c``; a sequence of numbers is the polynomial
        :math:`\sum_k a_k c^k`; a :class:`~hermite_rev.series.TaylorCoeffs` (e.g. from
        :func:`hermite_rev.kernel_of`) is evaluated as its truncated series with the tail
        bound as the stated error.
    method : {"auto", "theta", "compiled", "series"}
        See the module docstring.  ``"auto"`` tries ``"theta"`` then ``"compiled"``.

    Returns
    -------
    KernelFunction

    Examples
    --------
    >>> import hermite_rev as hr
    >>> f = hr.predict.compile_kernel(hr.kernels.relu_ntk(depth=2))
    >>> f.method, f.error_kind, f.error < 1e-13
    ('theta', 'measured', True)
    """
    if not isinstance(method, str) or method not in METHODS:
        raise HermiteRevError(f"method must be one of {METHODS}, got method={method!r}")
    if isinstance(K, KernelFunction):
        return K
    with _LOCK:
        if (isinstance(K, TaylorCoeffs) and not K.exact) or method == "series":
            if not isinstance(K, TaylorCoeffs):
                raise HermiteRevError(
                    "method='series' needs a TaylorCoeffs kernel (e.g. hr.taylor(K, n)); "
                    f"got {type(K).__name__}; pass the coefficients from {taylor.__name__}"
                )
            return _compile_series(K)
        if isinstance(K, TaylorCoeffs):
            K = list(K)
        if isinstance(K, np.ndarray) and K.ndim != 1:
            raise HermiteRevError(f"K as coefficients must be a 1-d array, got an array of shape {K.shape}")
        if isinstance(K, (list, tuple, np.ndarray)):
            expr = polynomial(list(K))
        else:
            expr = _as_kernel_expr(K)
        try:
            return _compile_expr(expr, method)
        except Unsupported as exc:
            raise HermiteRevError(f"cannot evaluate the kernel {_short(expr)}: {exc}") from None
