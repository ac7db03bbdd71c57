r"""Kernel machines from exact kernels: Gram matrices and infinite-width predictions.

Index
-----
gram                  K(c_ij) for the rows of X1, X2 (put on the sphere), float64
compile_kernel        a kernel -> KernelFunction (compiled once per kernel, cached)
KernelFunction        the compiled evaluator: method, stated error, __call__ on cosines
GramInfo              how a Gram matrix was computed and its error
gp_inference          NNGP posterior mean and covariance (exact Bayesian inference)
gradient_descent_mse  outputs of an infinitely wide net trained on MSE at time t (NTK)

Conventions.  Rows of any norm are put on the sphere: the kernel depends only on the cosine
:math:`c_{ij} = x_i \cdot x'_j / (|x_i| |x'_j|)` (as for inputs with :math:`|x|^2/d = 1`, the
neural-tangents convention that :mod:`hermite_rev.kernels` uses).  Cosines are formed with
one matrix product (BLAS) and clipped to [-1, 1] (rounding), so ``acos(1 + 1e-16)`` never
makes a NaN; the cosine of a row with itself is exactly 1.

How a kernel is evaluated (:func:`compile_kernel`), in order of preference:

``"theta"``
    Deep arc-cosine (ReLU) kernels, erf kernels, exp(c), ... are analytic functions of
    :math:`\theta = \arccos c` on :math:`[0, \pi]` (the square-root branch point of
    :math:`\arccos` at c = 1 becomes :math:`\theta`, and each layer's
    :math:`1 - \rho = \theta^2 g(\theta)` keeps it so).  One ``arccos`` per entry, then a
    piecewise polynomial in :math:`\theta` (16 pieces, Chebyshev interpolation at 30-digit
    values of the exact expression).  This is also more accurate than evaluating the
    expression in floating point: near c = 1 a deep ReLU kernel's nested ``acos`` amplify
    rounding to ~1e-8, while :math:`\theta \mapsto K` is well conditioned.
``"compiled"``
    The expression compiled once into straight-line numba code by a walk over its DAG (each
    shared sub-expression once: ``relu_ntk(depth=12)`` is small as a DAG and astronomically
    large as a tree), used when the interpolation does not reach 1e-13 relative accuracy.
``"series"``
    A kernel known only by its Taylor coefficients (a :class:`~hermite_rev.series.TaylorCoeffs`,
    e.g. ``kernel_of(tanh(z), depth=3)``) is evaluated by Horner.  For non-negative
    coefficients :math:`|K(c) - \sum_{k<n} a_k c^k| \le K(1) - \sum_{k<n} a_k` on [-1, 1];
    the stated error adds the coefficients' error bounds and the Horner rounding bound
    :math:`\gamma_{2n+1}\sum_k |a_k|` (Higham, Accuracy and Stability, eq. 5.3).

The first two state a *measured* maximum error (``error_kind="measured"``): the largest
deviation from the exact expression (mpmath, 30 digits) over a dense grid of 1537 cosines
(float64 cosines, so the arccos step is included) — a measurement, not a proof.

Predictions follow neural-tangents' ``predict`` module (closed forms through an
eigendecomposition of the training Gram matrix) with the time scale of
:func:`hermite_rev.nets.train` (loss :math:`\frac{1}{2n}\sum_i |f(x_i) - y_i|^2`, plain GD
with learning rate ``lr``, output centred at initialization).

References
----------
A. Jacot, F. Gabriel, C. Hongler, "Neural tangent kernel", NeurIPS 2018, arXiv:1806.07572.
J. Lee et al., "Wide neural networks of any depth evolve as linear models under gradient
descent", NeurIPS 2019, arXiv:1902.06720.  R. Novak et al., "Neural Tangents", ICLR 2020,
arXiv:1912.02803.

Examples
--------
>>> import numpy as np, sympy, hermite_rev as hr
>>> K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
>>> X = np.eye(3)
>>> G = hr.gram(K, X)
>>> round(float(G[0, 0]), 10), round(float(G[0, 1]), 6)
(5.07, 1.474731)
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

import mpmath
import numpy as np
import sympy

from ._core.errors import HermiteRevError, NotAKernelError
from ._core.exprs import c
from ._core.limits import LIMITS
from ._core.text import short as _short
from ._core.validate import as_expr, public

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ._core.typing import ArrayLike, FloatArray, KernelLike, RealLike
    from .series import TaylorCoeffs

__all__ = [
    "gram",
    "compile_kernel",
    "KernelFunction",
    "GramInfo",
    "gp_inference",
    "gradient_descent_mse",
]

#: pieces of the piecewise polynomial in theta
PIECES = 16
#: relative accuracy the theta interpolation must reach (measured) to be used
THETA_TOL = 1e-13
#: number of cosines of the dense check grid
CHECK_POINTS = 1537
_METHODS = ("auto", "theta", "compiled", "series")

_LOCK = threading.RLock()


# --------------------------------------------------------------------------------------------
# the compiled kernel
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KernelFunction:
    r"""A kernel compiled to a float64 function of the cosine.

    Attributes
    ----------
    kernel : sympy.Expr or TaylorCoeffs
        What was compiled.
    method : {"theta", "compiled", "series"}
        How it is evaluated (see the module docstring).
    error : float
        Largest absolute error of an evaluation at a float64 cosine in [-1, 1].
    error_kind : {"bound", "measured"}
        ``"bound"``: a proven upper bound (series path with rigorous coefficients);
        ``"measured"``: the largest deviation seen on a dense grid against 30-digit values.
    k1 : float
        K(1), the diagonal of every Gram matrix of this kernel.
    detail : str
        The degree / number of terms used.
    """

    kernel: object = field(repr=False)
    method: str
    error: float
    error_kind: str
    k1: float
    detail: str
    _apply: Callable[[FloatArray], Any] = field(repr=False, compare=False)

    def __repr__(self) -> str:
        return (
            f"KernelFunction(method={self.method!r}, error={self.error:.3g} ({self.error_kind}), "
            f"K(1)={self.k1!r}, {self.detail})"
        )

    def __deepcopy__(
        self, memo: dict[int, Any]
    ) -> KernelFunction:  # immutable: scikit-learn's clone shares it instead of recompiling
        return self

    def __copy__(self) -> KernelFunction:
        return self

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


@dataclass(frozen=True)
class GramInfo:
    """How :func:`gram` computed its matrix: ``method``, ``error`` (per entry), ``error_kind``."""

    method: str
    error: float
    error_kind: str
    detail: str
    shape: tuple


_FUNCS = {
    "acos": "_acos",
    "asin": "_asin",
    "atan": "math.atan",
    "exp": "math.exp",
    "log": "math.log",
    "sin": "math.sin",
    "cos": "math.cos",
    "tan": "math.tan",
    "sinh": "math.sinh",
    "cosh": "math.cosh",
    "tanh": "math.tanh",
    "erf": "math.erf",
    "erfc": "math.erfc",
    "Abs": "abs",
    "Heaviside": "_heaviside",
    "sign": "_sign",
    "asinh": "math.asinh",
    "atanh": "math.atanh",
}


class _Unsupported(Exception):
    pass


class _CodeGen:
    """Straight-line Python code for an expression in c, one statement per distinct DAG node.

    Every walk is memoised on the node (never a tree walk): ``relu_ntk(depth=12)`` has ~100
    distinct nodes but ~10^6 as a tree.  ``const`` formats a constant (float64 literal for
    numba, a 40-digit mpf for the mpmath oracle).
    """

    def __init__(self, const: Callable[[Any], str]) -> None:
        self.memo: dict[sympy.Basic, tuple[str, bool]] = {}
        self.lines: list[str] = []
        self.const = const

    def __call__(self, e: sympy.Basic) -> tuple[str, bool]:
        try:
            return self.memo[e]
        except KeyError:
            pass
        out = self._eval(e)
        self.memo[e] = out
        return out

    def _emit(self, code: str) -> tuple[str, bool]:
        name = f"t{len(self.lines)}"
        self.lines.append(f"{name} = {code}")
        return name, True

    def _eval(self, e: sympy.Basic) -> tuple[str, bool]:
        if e == c:
            return "x", True
        if e.is_Symbol:
            raise _Unsupported(f"the kernel has a free symbol {e} other than c")
        if e is sympy.true or e is sympy.false:
            return ("True" if e is sympy.true else "False"), False
        if isinstance(e, sympy.Piecewise):  # (e1 if c1 else (e2 if c2 else ... nan))
            acc = "math.nan"
            for piece, cond in reversed(e.args):
                acc = f"({self(piece)[0]} if {self(cond)[0]} else {acc})"
            return self._emit(acc)
        if e.is_Number or e is sympy.pi or e is sympy.E or not e.args:
            return self._constant(e), False
        kids = [self(a) for a in e.args]
        if not any(has for _, has in kids):
            return self._constant(e), False
        code = [k for k, _ in kids]
        if e.is_Add:
            return self._emit(" + ".join(code))
        if e.is_Mul:
            return self._emit(" * ".join(code))
        if e.is_Pow:
            base, p = code[0], e.args[1]
            if p == sympy.Rational(1, 2):
                return self._emit(f"_sqrt({base})")
            if p == -sympy.Rational(1, 2):
                return self._emit(f"1.0 / _sqrt({base})")
            if p.is_Integer:
                k = int(p)
                return self._emit(f"{base} ** {k}" if k > 0 else f"1.0 / {base} ** {-k}")
            if p.is_Rational and p.q == 2:
                return self._emit(f"_sqrt({base}) ** {int(p.p)}")
            return self._emit(f"_pow({base}, {code[1]})")
        if e.is_Relational and e.rel_op in ("<", "<=", ">", ">=", "==", "!="):
            return self._emit(f"{code[0]} {e.rel_op} {code[1]}")
        if isinstance(e, (sympy.And, sympy.Or)):
            return self._emit(f" {'and' if isinstance(e, sympy.And) else 'or'} ".join(f"({k})" for k in code))
        if isinstance(e, sympy.Not):
            return self._emit(f"not ({code[0]})")
        name = type(e).__name__
        if name in ("Max", "Min"):
            acc = code[0]
            for a in code[1:]:
                acc, _ = self._emit(f"{name.lower()}({acc}, {a})")
            return acc, True
        if name in _FUNCS and len(code) == 1:
            return self._emit(f"{_FUNCS[name]}({code[0]})")
        raise _Unsupported(f"{name} has no compiled counterpart")

    def _constant(self, e: sympy.Basic) -> str:
        if isinstance(e, sympy.Float):  # a float is the shortest decimal that round-trips (API.md)
            e = sympy.Rational(repr(float(e)))
        v = sympy.N(e, 45)
        if not (v.is_real and v.is_finite):
            raise _Unsupported(f"the constant {e} is not a finite real number")
        return self.const(v)


def _generate(expr: sympy.Expr, const: Callable[[Any], str] = lambda v: repr(float(v))) -> tuple[str, int]:
    gen = _CodeGen(const)
    out, _ = gen(expr)
    return "\n".join(gen.lines + [f"return {out}"]), len(gen.lines)


def _numpy_fallback(expr: sympy.Expr) -> Callable[[FloatArray], None]:
    f = sympy.lambdify(c, expr, modules=["scipy", "numpy"], cse=True)

    def apply(C: FloatArray) -> None:
        np.clip(C, -1.0, 1.0, out=C)
        with np.errstate(all="ignore"):
            C[...] = np.asarray(f(C), dtype=np.float64)

    return apply


def _mp_clip(lo: Any, hi: Any, f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    tol = mpmath.mpf(10) ** -25

    def g(v: Any) -> Any:
        if v > hi:
            v = hi if v < hi + tol else mpmath.nan
        elif v < lo:
            v = lo if v > lo - tol else mpmath.nan
        return f(v) if mpmath.isfinite(v) else mpmath.nan

    return g


_MP_NS = {
    "_acos": _mp_clip(-1, 1, mpmath.acos),
    "_asin": _mp_clip(-1, 1, mpmath.asin),
    "_sqrt": _mp_clip(0, mpmath.inf, mpmath.sqrt),
    "_pow": mpmath.power,
    "abs": abs,
    "max": max,
    "min": min,
    "_heaviside": lambda v: mpmath.mpf(1) if v > 0 else (mpmath.mpf(0) if v < 0 else mpmath.mpf(0.5)),
    "_sign": mpmath.sign,
    "mpf": mpmath.mpf,
}


class _MathShim:
    """``math.f`` in generated code -> mpmath.f for the oracle."""

    def __getattr__(self, name: str) -> Any:
        return getattr(mpmath, name)


def _oracle(expr: sympy.Expr) -> Callable[[Iterable[float]], list[mpmath.mpf]]:
    """40-digit values of the exact expression at given cosines (a generated mpmath program).

    Domain checks clip arguments that leave [-1, 1] (acos, asin) or [0, oo) (sqrt) by less
    than 1e-25, i.e. by rounding, so K(1) of a deep ReLU kernel is accurate (nested arccos
    at correlation 1 +- rounding would otherwise lose half the digits per layer).
    """
    consts: dict[Any, str] = {}

    def const(v: Any) -> str:  # constants are bound once in the namespace, not parsed on every call
        name = f"_k{len(consts)}"
        with mpmath.workdps(40):
            consts[name] = mpmath.mpf(sympy.sstr(v, full_prec=True))
        return name

    body, _ = _generate(expr, const=const)
    ns = dict(_MP_NS, math=_MathShim(), **consts)
    src = "def _k(x):\n" + "".join(f"    {line}\n" for line in body.splitlines())
    with mpmath.workdps(40):
        exec(compile(src, "<hermite_rev generated oracle>", "exec"), ns)  # generated by _generate above
    prog = ns["_k"]

    def values(xs: Iterable[float]) -> list[mpmath.mpf]:
        with mpmath.workdps(40):
            out = []
            for x in xs:
                try:
                    v = prog(mpmath.mpf(x))
                except (ValueError, ZeroDivisionError, OverflowError):
                    v = mpmath.nan
                if isinstance(v, mpmath.mpc):
                    v = v.real if abs(v.imag) <= 1e-30 * (1 + abs(v.real)) else mpmath.nan
                out.append(mpmath.mpf(v))
            return out

    return values


def _check_grid() -> FloatArray:
    """Float64 cosines of a dense grid: uniform in theta plus points clustered at both ends."""
    th = np.linspace(0.0, math.pi, CHECK_POINTS - 64)
    ends = np.concatenate([10.0 ** -np.linspace(1, 8, 32)])
    th = np.concatenate([th, ends, math.pi - ends])
    return np.unique(np.clip(np.cos(th), -1.0, 1.0))


def _fit_theta(values_fn: Callable[[Any], Any], degree: int) -> tuple[FloatArray, float]:
    """Piecewise Chebyshev interpolants in theta, returned in the local monomial basis."""
    from numpy.polynomial import chebyshev

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
        for k, (a, e) in enumerate(zip(vals, errs)):
            if a < -e:
                raise NotAKernelError(
                    f"Taylor coefficient a_{k} = {mpmath.nstr(a, 8)} is negative: the truncation error of a series "
                    f"kernel is bounded only for non-negative coefficients"
                )
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
    from ._numba import gram as ng

    ng.horner_c(C, a)


def _apply_theta(C: FloatArray, P: FloatArray) -> None:
    from ._numba import gram as ng

    ng.theta_piecewise(C, P, float(PIECES))


@functools.lru_cache(maxsize=64)
def _compile_expr(expr: sympy.Expr, method: str) -> KernelFunction:
    values = _oracle(expr)
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
        body, nodes = _generate(expr)
        from ._numba import gram as ng

        apply = ng.compile_elementwise(body)
        detail = f"straight-line numba code, {nodes} DAG nodes"
    except _Unsupported as exc:
        apply = _numpy_fallback(expr)
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
    from .series import TaylorCoeffs

    if not isinstance(method, str) or method not in _METHODS:
        raise HermiteRevError(f"method must be one of {_METHODS}, got method={method!r}")
    if isinstance(K, KernelFunction):
        return K
    with _LOCK:
        if (isinstance(K, TaylorCoeffs) and not K.exact) or method == "series":
            if not isinstance(K, TaylorCoeffs):
                from .series import taylor

                raise HermiteRevError(
                    "method='series' needs a TaylorCoeffs kernel (e.g. hr.taylor(K, n)); "
                    f"got {type(K).__name__}; pass the coefficients from {taylor.__name__}"
                )
            return _compile_series(K)
        if isinstance(K, TaylorCoeffs):
            K = list(K)
        if isinstance(K, (list, tuple, np.ndarray)):
            from .kernels import polynomial

            expr = polynomial(list(K))
        else:
            expr = _as_kernel_expr(K)
        try:
            return _compile_expr(expr, method)
        except _Unsupported as exc:
            raise HermiteRevError(f"cannot evaluate the kernel {_short(expr)}: {exc}") from None


# --------------------------------------------------------------------------------------------
# Gram matrices
# --------------------------------------------------------------------------------------------


def _as_inputs(X: ArrayLike, name: str, d: int | None = None) -> FloatArray:
    try:
        A = np.asarray(X)
    except Exception:
        raise HermiteRevError(f"{name} must be a 2-D array of real numbers, got {type(X).__name__}") from None
    if A.ndim == 1 and d is None:
        raise HermiteRevError(f"{name} must be a 2-D array (examples x features), got shape {A.shape}")
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise HermiteRevError(f"{name} must be a non-empty 2-D array (examples x features), got shape {A.shape}")
    if A.dtype.kind not in "biuf":
        raise HermiteRevError(f"{name} must hold real numbers, got dtype {A.dtype}")
    if d is not None and A.shape[1] != d:
        raise HermiteRevError(f"{name} must have {d} features like the first input, got shape {A.shape}")
    A = np.asarray(A, dtype=np.float64)
    bad = ~np.isfinite(A)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise HermiteRevError(f"{name} must be finite, got {name}[{i}, {j}]={A[i, j]}")
    norms = np.sqrt(np.einsum("ij,ij->i", A, A))
    if np.any(norms == 0):
        i = int(np.argmin(norms))
        raise HermiteRevError(f"{name}[{i}] is the zero vector: it has no direction on the sphere")
    return A / norms[:, None]


def _check_size(n1: int, n2: int) -> None:
    if n1 * n2 > LIMITS["gram_entries"]:
        raise HermiteRevError(
            f"a {n1} x {n2} Gram matrix has {n1 * n2} entries, more than the limit "
            f"{LIMITS['gram_entries']} (16 GiB of float64); compute it in blocks of rows"
        )


@overload
def gram(
    K: KernelLike | TaylorCoeffs | KernelFunction,
    X1: ArrayLike,
    X2: ArrayLike | None = None,
    *,
    info: Literal[False] = False,
    method: Literal["auto", "theta", "compiled", "series"] = "auto",
) -> FloatArray: ...


@overload
def gram(
    K: KernelLike | TaylorCoeffs | KernelFunction,
    X1: ArrayLike,
    X2: ArrayLike | None = None,
    *,
    info: Literal[True],
    method: Literal["auto", "theta", "compiled", "series"] = "auto",
) -> tuple[FloatArray, GramInfo]: ...


def gram(
    K: KernelLike | TaylorCoeffs | KernelFunction,
    X1: ArrayLike,
    X2: ArrayLike | None = None,
    *,
    info: bool = False,
    method: Literal["auto", "theta", "compiled", "series"] = "auto",
) -> FloatArray | tuple[FloatArray, GramInfo]:
    r"""Gram matrix :math:`G_{ij} = K(c_{ij})` of a dot-product kernel, float64.

    .. math:: c_{ij} = \frac{x_i \cdot x'_j}{|x_i|\,|x'_j|} \in [-1, 1]

    Rows of any norm are put on the unit sphere (the kernel sees only directions; for inputs
    with :math:`|x|^2/d = 1`, the neural-tangents convention of :mod:`hermite_rev.kernels`,
    this is exactly the network's kernel).  Cosines are clipped to [-1, 1]; the diagonal of
    ``gram(K, X)`` is exactly K(1).

    Parameters
    ----------
    K : kernel
        Anything :func:`compile_kernel` accepts (compiled once per kernel and cached).
    X1 : array (n1, d)
    X2 : array (n2, d) or None
        None means X1 (a symmetric matrix).
    info : bool
        Also return a :class:`GramInfo` with the method and the per-entry error.
    method : {"auto", "theta", "compiled", "series"}

    Returns
    -------
    G : ndarray (n1, n2)
    info : GramInfo (only when ``info=True``)

    Raises
    ------
    HermiteRevError
        A row is zero or not finite, the feature counts differ, the matrix would exceed
        :data:`LIMITS["gram_entries"]` entries, or K is not finite on [-1, 1].

    Examples
    --------
    >>> import numpy as np, hermite_rev as hr
    >>> G, how = hr.gram(hr.kernels.relu_nngp(depth=1), np.array([[1.0, 0.0], [1.0, 1.0]]), info=True)
    >>> np.round(G, 6)
    array([[0.5     , 0.377705],
           [0.377705, 0.5     ]])
    >>> how.method, how.error < 1e-13
    ('theta', True)
    """
    U1 = _as_inputs(X1, "X1")
    U2 = U1 if X2 is None else _as_inputs(X2, "X2", U1.shape[1])
    _check_size(U1.shape[0], U2.shape[0])
    f = compile_kernel(K, method=method)
    G = np.ascontiguousarray(U1 @ U2.T)
    if X2 is None:
        np.fill_diagonal(G, 1.0)
    f.apply_(G)
    if X2 is None:
        np.fill_diagonal(G, f.k1)
    if not np.all(np.isfinite(G)):
        i, j = np.argwhere(~np.isfinite(G))[0]
        raise HermiteRevError(f"the kernel is not finite at c = {float(np.clip(U1[i] @ U2[j], -1, 1))!r}")
    if info:
        return G, GramInfo(f.method, f.error, f.error_kind, f.detail, G.shape)
    return G


# --------------------------------------------------------------------------------------------
# predictions
# --------------------------------------------------------------------------------------------


def _check_train(n: int) -> None:
    if n > LIMITS["train_examples"]:
        raise HermiteRevError(
            f"X_train has {n} rows, more than LIMITS['train_examples'] = {LIMITS['train_examples']}: the closed "
            f"form needs a dense {n} x {n} eigendecomposition; subsample the training set"
        )


def _targets(Y: ArrayLike, n: int) -> tuple[FloatArray, bool]:
    Yarr = np.asarray(Y, dtype=np.float64)
    vector = Yarr.ndim == 1
    if vector:
        Yarr = Yarr[:, None]
    if Yarr.ndim != 2 or Yarr.shape[0] != n:
        raise HermiteRevError(f"Y_train must have shape ({n},) or ({n}, k), got {np.shape(Y)}")
    if not np.all(np.isfinite(Yarr)):
        raise HermiteRevError("Y_train must be finite")
    return Yarr, vector


def _reg(value: RealLike, name: str = "diag_reg") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise HermiteRevError(f"{name} must be a non-negative number, got {name}={value!r}") from None
    if not math.isfinite(v) or v < 0:
        raise HermiteRevError(f"{name} must be a non-negative number, got {name}={value!r}")
    return v


def _eigh(Kdd: FloatArray, diag_reg: float, what: str) -> tuple[FloatArray, FloatArray, float]:
    n = Kdd.shape[0]
    A = Kdd.copy()
    if diag_reg:
        A[np.diag_indices(n)] += diag_reg * np.trace(Kdd) / n
    lam, U = np.linalg.eigh(A)
    tol = n * np.finfo(np.float64).eps * max(float(np.max(np.abs(lam))), 1e-300)
    return lam, U, tol


def _singular(lam: FloatArray, tol: float, what: str) -> HermiteRevError:
    return HermiteRevError(
        f"the training {what} Gram matrix is singular (smallest eigenvalue {lam[0]:.3g} <= {tol:.3g}, "
        f"n * eps * largest): duplicate or antipodal-equivalent training inputs, or a kernel of low rank; "
        f"pass diag_reg > 0"
    )


def gp_inference(
    K_nngp: KernelLike | TaylorCoeffs | KernelFunction,
    X_train: ArrayLike,
    Y_train: ArrayLike,
    X_test: ArrayLike,
    diag_reg: RealLike = 0.0,
) -> tuple[FloatArray, FloatArray]:
    r"""Exact Bayesian inference with the NNGP: posterior mean and covariance on ``X_test``.

    .. math:: \mu = K_{*d} (K_{dd} + \lambda I)^{-1} Y, \qquad
              \Sigma = K_{**} - K_{*d} (K_{dd} + \lambda I)^{-1} K_{d*},
              \qquad \lambda = \mathtt{diag\_reg}\cdot \mathrm{tr}(K_{dd})/n

    (``diag_reg`` is relative to the mean diagonal, as in neural-tangents' ``predict``.)
    Solved through the eigendecomposition of the symmetric :math:`K_{dd} + \lambda I`.

    Parameters
    ----------
    K_nngp : kernel
        Anything :func:`gram` accepts (usually an NNGP).
    X_train : array (n, d)
    Y_train : array (n,) or (n, k)
    X_test : array (m, d)
    diag_reg : float
        Non-negative; observation noise variance relative to the mean diagonal.

    Returns
    -------
    mean : ndarray (m,) or (m, k)
    cov : ndarray (m, m)

    Raises
    ------
    HermiteRevError
        The regularized training Gram matrix is singular (e.g. duplicate inputs with
        ``diag_reg=0``).

    Examples
    --------
    >>> import numpy as np, hermite_rev as hr
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([1.0, -1.0])
    >>> mean, cov = hr.predict.gp_inference(hr.kernels.relu_nngp(), X, y, X)
    >>> np.allclose(mean, y), np.allclose(cov, 0, atol=1e-12)
    (True, True)
    """
    U = _as_inputs(X_train, "X_train")
    _check_train(U.shape[0])
    Y, vector = _targets(Y_train, U.shape[0])
    T = _as_inputs(X_test, "X_test", U.shape[1])
    reg = _reg(diag_reg)
    Kdd = gram(K_nngp, U)
    Ktd = gram(K_nngp, T, U)
    Ktt = gram(K_nngp, T)
    lam, V, tol = _eigh(Kdd, reg, "NNGP")
    if lam[0] <= tol:
        raise _singular(lam, tol, "NNGP")
    W = (Ktd @ V) / lam  # K_*d V Lambda^{-1}
    mean = W @ (V.T @ Y)
    cov = Ktt - W @ (V.T @ Ktd.T)
    cov = (cov + cov.T) / 2
    return (mean[:, 0] if vector else mean), cov


def _time_factor(lam: FloatArray, n: int, t: float, lr: float | None) -> tuple[FloatArray, FloatArray]:
    r"""Diagonal of :math:`\Theta^{-1}(I - M_t)` in the eigenbasis (finite even where lam = 0)."""
    if lr is None:  # gradient flow: M_t = exp(-Theta t / n)
        x = lam * (t / n)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(np.abs(x) > 1e-300, -np.expm1(-x) / lam, t / n)
        return out, -np.expm1(-x)
    # gradient descent: M_t = (I - lr Theta / n)^t
    x = lr * lam / n
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        one_minus = -np.expm1(t * np.log1p(-x)) if np.all(x < 1) else 1 - np.power(1 - x, t)
        out = np.where(np.abs(lam) > 1e-300, one_minus / lam, t * lr / n)
    return out, one_minus


@overload
def gradient_descent_mse(
    K_ntk: KernelLike | TaylorCoeffs | KernelFunction,
    X_train: ArrayLike,
    Y_train: ArrayLike,
    X_test: ArrayLike,
    t: RealLike | None = None,
    lr: RealLike | None = None,
    *,
    diag_reg: RealLike = 0.0,
    K_nngp: None = None,
) -> tuple[FloatArray, FloatArray]: ...


@overload
def gradient_descent_mse(
    K_ntk: KernelLike | TaylorCoeffs | KernelFunction,
    X_train: ArrayLike,
    Y_train: ArrayLike,
    X_test: ArrayLike,
    t: RealLike | None = None,
    lr: RealLike | None = None,
    *,
    diag_reg: RealLike = 0.0,
    K_nngp: KernelLike | TaylorCoeffs | KernelFunction,
) -> tuple[FloatArray, FloatArray, FloatArray]: ...


def gradient_descent_mse(
    K_ntk: KernelLike | TaylorCoeffs | KernelFunction,
    X_train: ArrayLike,
    Y_train: ArrayLike,
    X_test: ArrayLike,
    t: RealLike | None = None,
    lr: RealLike | None = None,
    *,
    diag_reg: RealLike = 0.0,
    K_nngp: KernelLike | TaylorCoeffs | KernelFunction | None = None,
) -> tuple[FloatArray, FloatArray] | tuple[FloatArray, FloatArray, FloatArray]:
    r"""Outputs of an infinitely wide network trained on MSE, on the training and test inputs.

    With :func:`hermite_rev.nets.train`'s loss :math:`L = \frac{1}{2n}\sum_i |f(x_i) - y_i|^2`,
    learning rate :math:`\eta` and the output centred at initialization (:math:`f_0 = 0`),
    the infinitely wide net moves in function space by kernel gradient descent with the NTK
    :math:`\Theta`:

    .. math:: f_t(X) = (I - M_t)\, Y, \qquad
              f_t(x_*) = \Theta_{*d}\, \Theta_{dd}^{-1} (I - M_t)\, Y,

    .. math:: M_t = (I - \tfrac{\eta}{n}\Theta_{dd})^t \;(\text{GD, } t \text{ epochs, given } \eta),
              \qquad M_t = e^{-\Theta_{dd} t / n} \;(\text{gradient flow, } \eta = \text{None}),

    so ``t`` epochs of ``train(net, X, Y, lr, epochs=t)`` correspond to ``t=t, lr=lr`` here
    and gradient-flow time is ``lr * epochs``.  ``t=None`` is the infinite-time limit
    :math:`f_\infty(x_*) = \Theta_{*d}\Theta_{dd}^{-1} Y` (kernel regression with the NTK).
    :math:`\Theta_{dd}^{-1}(I - M_t)` is evaluated in the eigenbasis of :math:`\Theta_{dd}`
    with ``expm1``/``log1p``; for finite t it is finite even where :math:`\Theta_{dd}` is
    singular.

    Parameters
    ----------
    K_ntk : kernel
        The NTK (anything :func:`gram` accepts).
    X_train, Y_train, X_test : arrays
        (n, d), (n,) or (n, k), (m, d).
    t : float or None
        Training time in epochs (GD) or in gradient-flow units (``lr=None``); None = infinity.
    lr : float or None
        Learning rate of the GD run being predicted; None = gradient flow.
    diag_reg : float
        Adds ``diag_reg * tr(Theta)/n`` to the diagonal of :math:`\Theta_{dd}` (ridge).
    K_nngp : kernel or None
        The NNGP.  When given, the function also returns the covariance of the test outputs
        over random initializations of a net trained *without* centring (Lee et al. 2019,
        eq. 16): with :math:`A = \Theta_{*d}\Theta_{dd}^{-1}(I - M_t)`,
        :math:`\Sigma = K_{**} - A K_{d*} - K_{*d} A^T + A K_{dd} A^T`.

    Returns
    -------
    f_train : ndarray (n,) or (n, k)
    f_test : ndarray (m,) or (m, k)
    cov_test : ndarray (m, m), only when ``K_nngp`` is given

    Raises
    ------
    HermiteRevError
        ``t=None`` with a singular NTK Gram matrix; ``t=None`` with a learning rate for
        which GD diverges (:math:`\eta \lambda_{max}/n \ge 2`); negative t or lr.

    Examples
    --------
    >>> import numpy as np, hermite_rev as hr
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]); y = np.array([1.0, -1.0, 0.5])
    >>> f_tr, f_te = hr.predict.gradient_descent_mse(hr.kernels.relu_ntk(), X, y, X)
    >>> np.allclose(f_tr, y), np.allclose(f_te, y)
    (True, True)
    """
    U = _as_inputs(X_train, "X_train")
    n = U.shape[0]
    _check_train(n)
    Y, vector = _targets(Y_train, n)
    T = _as_inputs(X_test, "X_test", U.shape[1])
    reg = _reg(diag_reg)
    if t is not None:
        t = _reg(t, "t")
    if lr is not None:
        lr = _reg(lr, "lr")
        if lr == 0:
            raise HermiteRevError(f"lr must be positive, got lr={lr!r}")
    Kdd = gram(K_ntk, U)
    Ktd = gram(K_ntk, T, U)
    lam, V, tol = _eigh(Kdd, reg, "NTK")
    if t is None:
        if lam[0] <= tol:
            raise _singular(lam, tol, "NTK")
        if lr is not None and lr * lam[-1] / n >= 2:
            raise HermiteRevError(
                f"lr={lr} makes gradient descent diverge for this NTK (it needs lr < 2n/lambda_max = "
                f"{2 * n / lam[-1]:.4g}): the infinite-time limit does not exist"
            )
        factor, one_minus = 1.0 / lam, np.ones_like(lam)
    else:
        factor, one_minus = _time_factor(lam, n, t, lr)
    VY = V.T @ Y
    f_train = V @ (one_minus[:, None] * VY)
    if reg:
        # with a ridge the training outputs follow the regularized kernel too
        f_train = Kdd @ (V @ (factor[:, None] * VY))
    A = (Ktd @ V) * factor  # Theta_*d V diag(factor)
    f_test = A @ VY
    out_train = f_train[:, 0] if vector else f_train
    out_test = f_test[:, 0] if vector else f_test
    if K_nngp is None:
        return out_train, out_test
    Sdd = gram(K_nngp, U)
    Std = gram(K_nngp, T, U)
    Stt = gram(K_nngp, T)
    Afull = A @ V.T  # Theta_*d Theta^{-1} (I - M_t), (m, n)
    cov = Stt - Afull @ Std.T - Std @ Afull.T + Afull @ Sdd @ Afull.T
    return out_train, out_test, (cov + cov.T) / 2
