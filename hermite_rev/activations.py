r"""Activations: one vocabulary of names, and ONE numeric type every stage evaluates them with.

Index
-----
NAMES                  the known names (and the pattern ``sinA``)
ActivationFunction     an activation resolved for evaluation: phi and phi' (fused numpy, reference
                       numpy and mpmath), kinks, polynomial degree, jump, sympy expression, name
resolve                anything that names an activation -> :class:`ActivationFunction`
lookup                 a name of the table -> :class:`ActivationFunction` (cached)
is_name                True for a string that names an activation of the table
activation_expr        a name or anything :func:`hermite_rev._core.validate.as_expr` takes -> exact
                       sympy expression in z
pieces                 phi split into ``(expr, lo, hi)`` on intervals covering the real line
NotPiecewise           raised by :func:`pieces` for a split it cannot make
kinks                  THE breakpoints of phi: where phi or phi' is not smooth (exact)
has_jump               True when phi jumps (phi' has a Dirac delta)
hermite_norm_eval_np   ``sum_k b_k h_k(x)`` in float64 (numpy three-term recurrence)

Place in the pipeline: the ``kernels | activations`` layer.  Imports only :mod:`hermite_rev._core`
(scipy and the numba kernels of :mod:`hermite_rev._numba.train` on first use).  Objects of higher
stages are recognised by what they offer, never imported: a Hermite series
(:class:`hermite_rev.family.Activation`: ``expr_form == "hermite"``, ``coeffs``, ``derivative()``,
``compile()``), a compiled activation (:class:`hermite_rev.lower.CompiledActivation`:
``value_and_grad``, ``grad``), or anything with ``compile()`` returning one.

A name works wherever an activation is taken: :func:`hermite_rev.hermite_coeffs`,
:func:`hermite_rev.kernel_of`, :mod:`hermite_rev.verify` and :mod:`hermite_rev.nets`.

========  ============================================  ==============================
name      exact expression phi(z)                       numpy / numba evaluation
========  ============================================  ==============================
relu      Max(0, z)                                     numba
tanh      tanh(z)                                       numba
erf       erf(z)                                        numba
gelu      z (1 + erf(z / sqrt 2)) / 2                   numpy (scipy.special.erf)
swish     z / (1 + exp(-z))  (alias ``silu``)           numpy (scipy.special.expit)
sigmoid   1 / (1 + exp(-z))                             numpy (scipy.special.expit)
softplus  log(1 + exp(z))                               numba
sin, cos  sin(z), cos(z)                                numba
abs       Abs(z)                                        numba
step      Heaviside(z, 1/2)                             numba
linear    z  (alias ``identity``)                       numba
sinA      sin(A z) / 2, e.g. ``sin6`` (paper, parity)   numba
========  ============================================  ==============================

Names are case-insensitive; surrounding blanks are ignored.

Examples
--------
>>> act = resolve("relu")
>>> act.value_and_grad(np.array([-1.0, 2.0]))
(array([0., 2.]), array([0., 1.]))
>>> act.kinks, act.degree, resolve(z**3 - z).degree
((0.0,), None, 3)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeGuard

import mpmath
import numpy as np
import sympy

from ._core.errors import HermiteRevError
from ._core.exprs import z
from ._core.text import short
from ._core.validate import as_expr

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from ._core.typing import ActivationLike, ArrayLike, FloatArray

__all__ = [
    "NAMES",
    "ActivationFunction",
    "NotPiecewise",
    "activation_expr",
    "has_jump",
    "hermite_norm_eval_np",
    "is_name",
    "kinks",
    "lookup",
    "pieces",
    "resolve",
]

Form: TypeAlias = Literal["name", "expr", "hermite", "pair", "compiled", "compile"]
Pair: TypeAlias = tuple[Callable[[Any], Any], Callable[[Any], Any]]


# --------------------------------------------------------------------------------------------
# the shape of phi: pieces, kinks, jumps
# --------------------------------------------------------------------------------------------


class NotPiecewise(Exception):
    """:func:`pieces` cannot split phi into pieces on intervals."""


_PIECEWISE = (sympy.Max, sympy.Min, sympy.Abs, sympy.Heaviside, sympy.sign, sympy.Piecewise)


def pieces(phi: sympy.Expr) -> list[tuple[sympy.Expr, sympy.Expr, sympy.Expr]]:
    """``[(expr, lo, hi)]``: phi restricted to (lo, hi), the intervals covering the real line.

    Raises :class:`NotPiecewise` when a region is not an interval (and sympy's own errors
    where it cannot solve the conditions).

    Examples
    --------
    >>> pieces(sympy.Max(0, z))
    [(0, -oo, 0), (z, 0, oo)]
    """
    if phi.has(*_PIECEWISE):
        pw = sympy.piecewise_fold(phi.rewrite(sympy.Piecewise))
        if isinstance(pw, sympy.Piecewise):
            out = []
            for expr, region in pw.as_expr_set_pairs(sympy.Reals):
                for iv in region.args if isinstance(region, sympy.Union) else (region,):
                    if iv.is_empty or isinstance(iv, sympy.FiniteSet):
                        continue
                    if not isinstance(iv, sympy.Interval):
                        raise NotPiecewise
                    out.append((expr, iv.start, iv.end))
            return out
        phi = pw
    return [(phi, -sympy.oo, sympy.oo)]


def kinks(phi: sympy.Expr, *, strict: bool = True) -> tuple[sympy.Expr, ...]:
    """The points where phi or phi' is not smooth, exact and sorted.

    The finite ends of the :func:`pieces` of phi; a piecewise phi (Max, Min, Abs, Heaviside,
    sign, Piecewise) whose split shows no finite end gets 0.  Where sympy cannot solve the
    conditions of the split (``Max(0, sin(z))``: periodic), ``strict=True`` lets its error
    through -- the Hermite quadrature would otherwise report error estimates that miss the
    unseen kinks -- and ``strict=False`` treats it as no end found (the quadrature of
    :mod:`hermite_rev.verify`, whose refinement reports what it could not reach).  Every stage
    that splits an integral at the kinks uses this one function.

    Examples
    --------
    >>> kinks(sympy.Abs(z - 1) + sympy.Heaviside(z + 2))
    (-2, 1)
    >>> kinks(sympy.tanh(z)), kinks(sympy.Max(0, sympy.sin(z)), strict=False)
    ((), (0,))
    """
    try:
        pts = sorted({p for _, lo, hi in pieces(phi) for p in (lo, hi) if p.is_finite}, key=float)
    except NotPiecewise:
        pts = []
    except Exception:
        if strict:
            raise
        pts = []
    if not pts and phi.has(*_PIECEWISE):
        pts = [sympy.Integer(0)]
    return tuple(pts)


def has_jump(phi: sympy.Expr) -> bool:
    """True when phi has a jump on the real line (its derivative has a Dirac delta)."""
    if not phi.has(sympy.Heaviside, sympy.sign, sympy.Piecewise, sympy.floor, sympy.ceiling):
        return False
    return bool(sympy.diff(phi, z).has(sympy.DiracDelta))


# --------------------------------------------------------------------------------------------
# Hermite series in float64 and mpmath
# --------------------------------------------------------------------------------------------


def hermite_norm_eval_np(b: Sequence[Any], x: ArrayLike) -> FloatArray:
    """``sum_k b[k] h_k(x)`` in float64 for a numpy array ``x`` (the three-term recurrence
    h_{k+1} = (x h_k - sqrt(k) h_{k-1}) / sqrt(k+1); for plots and checks -- the compiled path is
    :meth:`hermite_rev.family.Activation.compile`)."""
    x = np.asarray(x, dtype=float)
    h_prev, h = np.zeros_like(x), np.ones_like(x)
    total = np.zeros_like(x)
    for k, bk in enumerate(b):
        total += float(bk) * h
        h_prev, h = h, (x * h - np.sqrt(k) * h_prev) / np.sqrt(k + 1)
    return total


def _hermite_mp(coeffs: Sequence[Any]) -> Callable[[Any], mpmath.mpf]:
    """``x -> sum_k b_k h_k(x)`` at the current mpmath precision, the square roots tabulated once
    per precision (a quadrature evaluates phi at up to 2 * 180^2 points per cosine)."""
    table: dict[int, tuple[list[Any], list[Any]]] = {}

    def f(x: Any) -> mpmath.mpf:
        prec = mpmath.mp.prec
        if prec not in table:
            table[prec] = ([mpmath.sqrt(k) for k in range(len(coeffs) + 1)], [+cf for cf in coeffs])
        sq, cf = table[prec]
        h_prev, h = mpmath.mpf(0), mpmath.mpf(1)
        total = cf[0]
        for k in range(1, len(cf)):
            h_prev, h = h, (x * h - sq[k - 1] * h_prev) / sq[k]
            total += cf[k] * h
        return total

    return f


# --------------------------------------------------------------------------------------------
# the one activation type
# --------------------------------------------------------------------------------------------


def _float_input(x: Any) -> NDArray[Any]:
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    return x


@dataclass(frozen=True, eq=False)
class ActivationFunction:
    r"""An activation resolved for evaluation (build with :func:`resolve`).

    Every stage that evaluates an activation numerically uses this type: the finite networks
    of :mod:`hermite_rev.nets` train with :meth:`value_and_grad`; the quadrature of
    :mod:`hermite_rev.verify` integrates :attr:`np_pair` or :attr:`mp_pair` between the
    :attr:`kinks`.  What depends on the form is computed on first use and kept.

    Attributes
    ----------
    name : str
        Display name: the table name, ``str(expr)``, ``"hermite(deg=D)"``, a callable's name.
    form : {"name", "expr", "hermite", "pair", "compiled", "compile"}
        What it was built from: a name of the table, a sympy expression in z, a Hermite series
        (:class:`~hermite_rev.family.Activation`), a pair ``(phi, dphi)`` of numpy callables, a
        compiled activation, or an object with ``compile()``.
    source : object
        That object (for a name: the normalised name).
    expr : sympy.Expr or None
        phi as a sympy expression in z where known.
    code : str or None
        The :data:`hermite_rev._numba.train.ACT_CODES` key that evaluates a named activation
        compiled, as ``s * code(a x)`` with ``a``, ``s``.
    kinks : tuple of float
        Points where phi or phi' is not smooth (:func:`kinks`).
    degree : int or None
        Polynomial degree, None if phi is not a polynomial.
    jump : bool
        phi jumps (phi' has a Dirac delta, taken as 0 off the jump, as backpropagation does).
    np_pair, mp_pair : (phi, phi') callables
        Reference evaluators: float64 numpy, and mpmath at the current precision (None where
        phi is known only numerically).
    fused : tuple or None
        How the compiled training step evaluates it: ``("named", code, a, s)`` or
        ``("series", b, b')`` (float64 Hermite coefficients of phi and phi'), else None.
    """

    name: str
    form: Form
    source: object
    expr: sympy.Expr | None = None
    code: str | None = None
    a: float = 1.0
    s: float = 1.0
    plain: Pair | None = field(default=None, repr=False)  # numpy phi, phi' of a name without code

    # --- evaluation (the fused path of the networks) -------------------------------------------

    def value_and_grad(self, x: ArrayLike) -> tuple[NDArray[Any], NDArray[Any]]:
        """``(phi(x), phi'(x))`` for a float array of any shape (float32 stays float32)."""
        if self.code is not None:
            from ._numba import train as nb

            x = _float_input(x)
            flat = np.ascontiguousarray(x).reshape(-1)
            val = np.empty_like(flat)
            der = np.empty_like(flat)
            nb.act_value_grad(nb.ACT_CODES[self.code], x.dtype.type(self.a), x.dtype.type(self.s), flat, val, der)
            return val.reshape(x.shape), der.reshape(x.shape)
        if self.plain is not None:
            x = _float_input(x)
            f, df = self.plain
            return np.asarray(f(x), dtype=x.dtype), np.asarray(df(x), dtype=x.dtype)
        x = np.asarray(x)
        if self.form == "pair":
            pair: Pair = self.source  # type: ignore[assignment]  # a pair of callables (see resolve)
            phi, dphi = pair
            return np.asarray(phi(x), dtype=x.dtype), np.asarray(dphi(x), dtype=x.dtype)
        if self.form == "expr":
            ff, dff = self._lambdified
            v = np.broadcast_to(np.asarray(ff(x), dtype=x.dtype), x.shape).copy()
            d = np.broadcast_to(np.asarray(dff(x), dtype=x.dtype), x.shape).copy()
            nan = np.isnan(x)
            if nan.any():  # NaN in, NaN out (a lambdified Heaviside or constant derivative drops it)
                v[nan] = d[nan] = np.nan
            return v, d
        f = self.compiled
        if hasattr(f, "value_and_grad"):
            v, d = f.value_and_grad(np.asarray(x, dtype=np.float64))
            return np.asarray(v), np.asarray(d)
        x = np.asarray(x, dtype=np.float64)
        return np.asarray(f(x)), np.asarray(f.grad(x))

    def __call__(self, x: ArrayLike) -> NDArray[Any]:
        return self.value_and_grad(np.asarray(x, dtype=float))[0]

    def grad(self, x: ArrayLike) -> NDArray[Any]:
        return self.value_and_grad(np.asarray(x, dtype=float))[1]

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from what it was made of: the evaluators are closures of sympy and numba
        return (resolve, (self.source,))

    # --- what the form gives (computed on first use) -------------------------------------------

    @functools.cached_property
    def compiled(self) -> Any:
        """The compiled evaluator of a Hermite series, compiled activation or ``compile()`` object."""
        if self.form in ("hermite", "compile"):
            return self.source.compile()  # type: ignore[attr-defined]
        if self.form == "compiled":
            return self.source
        return None

    @functools.cached_property
    def fused(self) -> tuple[Any, ...] | None:
        if self.code is not None:
            from ._numba import train as nb

            return ("named", nb.ACT_CODES[self.code], self.a, self.s)
        if self.form in ("hermite", "compiled"):
            f = self.compiled
            if hasattr(f, "grad_coeffs") and getattr(f, "overflow", "inf") == "inf":
                return ("series", f.coeffs, f.grad_coeffs)
        return None

    @functools.cached_property
    def _lambdified(self) -> Pair:
        """phi and phi' of :attr:`expr` by ``sympy.lambdify`` (scipy, numpy); phi' of a jump is 0 off it."""
        expr = self.expr
        assert expr is not None
        d = sympy.diff(expr, z).replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
        return sympy.lambdify(z, expr, ["scipy", "numpy"]), sympy.lambdify(z, d, ["scipy", "numpy"])

    @functools.cached_property
    def _hermite(self) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """The Hermite coefficients b_k of phi and of phi' (a Hermite series)."""
        src: Any = self.source
        return tuple(src.coeffs), tuple(src.derivative().coeffs)

    @functools.cached_property
    def np_pair(self) -> Pair:
        """Reference float64 evaluators ``(phi, phi')`` (values broadcast to the input's shape)."""
        if self.form == "hermite":
            b, db = ([float(v) for v in c] for c in self._hermite)
            return (lambda x: hermite_norm_eval_np(b, x)), (lambda x: hermite_norm_eval_np(db, x))
        if self.form == "pair":
            return self.source  # type: ignore[return-value]
        if self.expr is not None:

            def vec(f: Callable[[Any], Any]) -> Callable[[Any], FloatArray]:
                def g(x: Any) -> FloatArray:
                    return np.broadcast_to(np.asarray(f(x), dtype=np.float64), np.shape(x))

                return g

            ff, dff = self._lambdified
            return vec(ff), vec(dff)
        return self.__call__, self.grad

    @functools.cached_property
    def mp_pair(self) -> Pair | None:
        """Evaluators ``(phi, phi')`` at the current mpmath precision; None where phi is numeric only."""
        if self.form == "hermite":
            b, db = self._hermite
            return _hermite_mp(b), _hermite_mp(db)
        if self.expr is None:
            return None
        d = sympy.diff(self.expr, z).replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
        f_mp, df_mp = sympy.lambdify(z, self.expr, "mpmath"), sympy.lambdify(z, d, "mpmath")
        return (lambda x: mpmath.mpf(f_mp(x))), (lambda x: mpmath.mpf(df_mp(x)))

    @functools.cached_property
    def kinks(self) -> tuple[float, ...]:
        if self.form == "hermite" or self.expr is None:
            return ()
        return tuple(float(p) for p in kinks(self.expr, strict=False))

    @functools.cached_property
    def degree(self) -> int | None:
        if self.form == "hermite":
            nz = [k for k, b in enumerate(self._hermite[0]) if b != 0]
            return nz[-1] if nz else 0
        expr = self.expr
        if expr is None or not expr.is_polynomial(z):
            return None
        return int(sympy.degree(expr, z)) if expr.has(z) else 0

    @functools.cached_property
    def jump(self) -> bool:
        return self.form != "hermite" and self.expr is not None and has_jump(self.expr)


# --------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------


def _erf(x: ArrayLike) -> Any:
    from scipy.special import erf  # scipy loads on first use: import hermite_rev does not need it

    return erf(x)


def _expit(x: ArrayLike) -> Any:
    from scipy.special import expit

    return expit(x)


_SQRT2 = np.sqrt(2.0)
_SQRT2PI = np.sqrt(2.0 * np.pi)


def _table() -> dict[str, tuple[sympy.Expr, str | None, Pair | None]]:
    """name -> (exact phi, numba code or None, numpy (phi, phi') for a name without code)."""
    return {
        "relu": (sympy.Max(0, z), "relu", None),
        "tanh": (sympy.tanh(z), "tanh", None),
        "erf": (sympy.erf(z), "erf", None),
        "gelu": (
            z * (1 + sympy.erf(z / sympy.sqrt(2))) / 2,
            None,
            (
                lambda x: 0.5 * x * (1.0 + _erf(x / _SQRT2)),
                lambda x: 0.5 * (1.0 + _erf(x / _SQRT2)) + x * np.exp(-0.5 * x * x) / _SQRT2PI,
            ),
        ),
        "swish": (
            z / (1 + sympy.exp(-z)),
            None,
            (lambda x: x * _expit(x), lambda x: _expit(x) * (1.0 + x * (1.0 - _expit(x)))),
        ),
        "sigmoid": (1 / (1 + sympy.exp(-z)), None, (_expit, lambda x: _expit(x) * (1.0 - _expit(x)))),
        "softplus": (sympy.log(1 + sympy.exp(z)), "softplus", None),
        "sin": (sympy.sin(z), "sin", None),
        "cos": (sympy.cos(z), "cos", None),
        "abs": (sympy.Abs(z), "abs", None),
        "step": (sympy.Heaviside(z, sympy.Rational(1, 2)), "step", None),
        "linear": (z, "linear", None),
    }


_ALIASES = {"identity": "linear", "silu": "swish"}
_EXPRESSION = re.compile(r"[()*/+\-^]|\Az\Z")  # a string with these is an expression in z, not a name
_SIN_A = re.compile(r"sin(\d+(?:\.\d+)?)")
_CACHE: dict[str, ActivationFunction] = {}

#: the known names (``sinA`` stands for sin(A z)/2 with a number A, e.g. ``sin6``)
NAMES = (
    "abs",
    "cos",
    "erf",
    "gelu",
    "identity",
    "linear",
    "relu",
    "sigmoid",
    "silu",
    "sin",
    "softplus",
    "step",
    "swish",
    "tanh",
    "sinA",
)


def _key(name: str) -> str:
    key = name.strip().lower()
    return _ALIASES.get(key, key)


def lookup(name: str) -> ActivationFunction:
    """The :class:`ActivationFunction` called ``name``; unknown names raise with the list of names.

    Examples
    --------
    >>> lookup("gelu").expr
    z*(erf(sqrt(2)*z/2) + 1)/2
    >>> lookup("sin6").expr
    sin(6*z)/2
    """
    if not isinstance(name, str):
        raise HermiteRevError(f"activation name must be a string, got {short(repr(name), 60)}")
    key = _key(name)
    if key in _CACHE:
        return _CACHE[key]
    table = _table()
    m = _SIN_A.fullmatch(key)
    if m:
        entry = ActivationFunction(
            key, "name", key, sympy.sin(sympy.Rational(m.group(1)) * z) / 2, "sin", float(m.group(1)), 0.5
        )
    elif key in table:
        expr, code, plain = table[key]
        entry = ActivationFunction(key, "name", key, expr, code, plain=plain)
    else:
        raise HermiteRevError(f"unknown activation name {short(repr(name), 60)}; known names: {', '.join(NAMES)}")
    _CACHE[key] = entry
    return entry


def is_name(spec: object) -> TypeGuard[str]:
    """True when ``spec`` is a string naming an activation of the table."""
    if not isinstance(spec, str):
        return False
    key = _key(spec)
    return key in _table() or _SIN_A.fullmatch(key) is not None


def activation_expr(spec: ActivationLike) -> sympy.Expr:
    """An activation as an exact sympy expression in z: a name of the table, or anything
    :func:`hermite_rev._core.validate.as_expr` accepts (sympy expression, number, string expression).

    Examples
    --------
    >>> activation_expr("relu")
    Max(0, z)
    >>> activation_expr("Max(0, z) + z/10")
    z/10 + Max(0, z)
    """
    if is_name(spec):
        expr = lookup(spec).expr
        assert expr is not None  # every name has an expression
        return expr
    if isinstance(spec, str):
        return _parse_text(spec)
    return as_expr(spec, z, name="activation")


def _parse_text(text: str) -> sympy.Expr:
    """An activation written as an expression in z, read by the allow-list parser; its errors
    quote the activation's text (a parse error deep inside, "depth must be at most 1000" for
    ``relu_ntk(depth=10**9)``, would not say whose it is)."""
    try:
        return as_expr(text, z, name="activation")
    except HermiteRevError as exc:
        raise HermiteRevError(f"activation {short(repr(text), 60)}: {exc}") from None


# --------------------------------------------------------------------------------------------
# resolution
# --------------------------------------------------------------------------------------------


def _is_hermite_series(spec: object) -> bool:
    """A :class:`hermite_rev.family.Activation` or anything shaped like it."""
    return (
        getattr(spec, "expr_form", None) == "hermite"
        and hasattr(spec, "coeffs")
        and callable(getattr(spec, "derivative", None))
    )


def _sympy_attr(spec: object) -> sympy.Expr | None:
    expr = getattr(spec, "expr", None)
    return expr if isinstance(expr, sympy.Expr) else None


@functools.lru_cache(maxsize=64)
def _from_expr(expr: sympy.Expr) -> ActivationFunction:
    return ActivationFunction(str(expr), "expr", expr, expr)


def resolve(spec: object) -> ActivationFunction:
    """Turn anything that names an activation into the one :class:`ActivationFunction`.

    In order: an :class:`ActivationFunction` (returned as is); a name of the table (a string);
    an expression in z as a string (``"tanh(z)"``, ``"z**2"``: any string with brackets or an
    operator, read by the allow-list parser); a Hermite series
    (:class:`~hermite_rev.family.Activation`, evaluated compiled by
    :mod:`hermite_rev.lower` and by the three-term recurrence); a pair ``(phi, dphi)`` of numpy
    callables; a compiled activation (``value_and_grad`` or ``__call__`` and ``grad``); an object
    with ``compile()`` returning one (e.g. a fitted bounded form); else a sympy expression in z
    (or a number).  The derivative of an expression with a jump (Heaviside, sign) is taken as 0
    off the jump, as for the named ``"step"``.

    Examples
    --------
    >>> resolve("sin6").name, resolve(sympy.Max(0, z) + z / 10).name
    ('sin6', 'z/10 + Max(0, z)')
    >>> resolve("relu(z) + z/10").name
    'z/10 + Max(0, z)'
    """
    if isinstance(spec, ActivationFunction):
        return spec
    if isinstance(spec, str):
        if not _EXPRESSION.search(spec.strip()):
            return lookup(spec)
        return _from_expr(_parse_text(spec))  # "tanh(z)", "z**2"
    if _is_hermite_series(spec):
        deg = getattr(spec, "degree", None)
        return ActivationFunction(f"hermite(deg={deg})", "hermite", spec, _sympy_attr(spec))
    if isinstance(spec, tuple) and len(spec) == 2 and all(callable(f) for f in spec):
        return ActivationFunction(getattr(spec[0], "__name__", "callable"), "pair", spec)
    if callable(getattr(spec, "value_and_grad", None)) or (callable(spec) and callable(getattr(spec, "grad", None))):
        return ActivationFunction(type(spec).__name__, "compiled", spec, _sympy_attr(spec))
    if callable(getattr(spec, "compile", None)):
        return ActivationFunction(type(spec).__name__, "compile", spec, _sympy_attr(spec))
    try:
        expr = as_expr(spec, z)
    except HermiteRevError:
        raise HermiteRevError(
            f"activation must be a name, an Activation, a compiled activation, an object with compile(), "
            f"a sympy expression in z or a pair (phi, dphi) of callables; got {short(repr(spec), 60)}"
        ) from None
    return _from_expr(expr)
