r"""Named dot-product kernels as sympy expressions in ``c``.

Index
-----
arccos             Cho & Saul arc-cosine kernel of order n, k_n(c) = J_n(acos c) / pi
relu_nngp          NNGP of a depth-L ReLU network (neural-tangents conventions)
relu_ntk           NTK of a depth-L ReLU network
erf_nngp, erf_ntk  the same for a*erf(b z)
deep_kernels       (NNGP, NTK) for any activation with a closed-form dual
exponential        exp(beta c)
gaussian           Gaussian kernel on the sphere, exp((c - 1) / l^2)
polynomial         sum_k a_k c^k from a coefficient list
inhomogeneous_polynomial   (c + offset)^degree
label_of           the display label of a kernel built here: the call as the user wrote it

Conventions (neural-tangents ``stax``, NTK parameterization): inputs have |x|^2/d = 1, so the
input kernel is ``c`` itself.  A Dense layer maps

.. math:: \Sigma \mapsto \sigma_w^2 \Sigma + \sigma_b^2, \qquad
          \Theta \mapsto \sigma_w^2 \Sigma + \sigma_b^2 + \sigma_w^2 \Theta,

and an activation maps :math:`\Sigma \mapsto E[\phi(u)\phi(v)]`,
:math:`\Theta \mapsto \Theta \, E[\phi'(u)\phi'(v)]`.  A network of ``depth`` hidden layers is
``depth`` times (Dense(sigma_w, sigma_b), activation) followed by a readout
Dense(sigma_w_last, sigma_b_last) (default 1, 0).

Every constructor records a display label for the expression it returns, the call as it was
written (``relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=0.1)``; the parser records the text the
user typed), which figures, reprs and tables use in place of the sympy tree
(:func:`label_of`).

Examples
--------
>>> import sympy, hermite_rev as hr
>>> K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
>>> sympy.N(K.subs(hr.c, 1), 6)
5.07000
>>> hr.kernels.label_of(K)
'relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=1/10)'
"""

from __future__ import annotations

import functools
import math
import numbers
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import mpmath
import sympy

from ._text import short_expr
from ._validate import LIMITS, HermiteRevError, _count_nodes, as_number, c, check_nonneg_int, short

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ._typing import RealLike

__all__ = [
    "arccos",
    "relu_nngp",
    "relu_ntk",
    "erf_nngp",
    "erf_ntk",
    "deep_kernels",
    "exponential",
    "gaussian",
    "polynomial",
    "inhomogeneous_polynomial",
    "label_of",
]

_pi = sympy.pi


# --------------------------------------------------------------------------------------------
# display labels: what figures and reprs call a kernel built here
# --------------------------------------------------------------------------------------------

#: Most labels kept (least recently used dropped first).
LABELS_MAX = 1024
#: Longest label kept (longer ones are abbreviated by :func:`hermite_rev._text.short_expr`).
LABEL_LENGTH = 160

# id(expr) -> (expr, label).  The entry holds the expression, so its id cannot be reused by
# another object while the entry lives (sympy objects take no weak references).  Identity
# only: hashing or comparing a deep kernel structurally would walk its DAG as a tree.
_LABELS: OrderedDict[int, tuple[Any, str]] = OrderedDict()
_LABELS_LOCK = threading.Lock()


def _remember(expr: Any, text: str) -> Any:
    """Record ``text`` as the display label of ``expr`` (by identity) and return ``expr``.

    Atoms (``c``, numbers) are never labelled: they are shared by every expression that
    contains them, and their own text is already short.
    """
    if isinstance(expr, sympy.Basic) and not expr.is_Atom and text:
        text = short_expr(text, LABEL_LENGTH)
        with _LABELS_LOCK:
            _LABELS[id(expr)] = (expr, text)
            _LABELS.move_to_end(id(expr))
            while len(_LABELS) > LABELS_MAX:
                _LABELS.popitem(last=False)
    return expr


def label_of(expr: Any) -> str | None:
    """The display label of a kernel built by a constructor of this module or by the parser.

    The label is the call as it was written: parameters print exactly as given (``sqrt(2)``,
    ``1/10``; a float as the decimal that was typed, ``0.1``); a kernel parsed from text is
    labelled with that text.  Expressions are matched by identity, never structurally (a
    depth-1000 kernel is looked up in constant time): an expression derived from a labelled
    one (``2 * K``, ``K.subs(...)``) has no label.  The most recent :data:`LABELS_MAX`
    (1024) labels are kept.  Figures and reprs name a kernel by an explicit ``label=`` first,
    then by this label, then by the short text of the expression.

    Parameters
    ----------
    expr : object
        Usually a sympy expression returned by a constructor.

    Returns
    -------
    str or None
        None when ``expr`` was not built here (or its label was dropped).

    Examples
    --------
    >>> import hermite_rev as hr
    >>> hr.kernels.label_of(hr.kernels.relu_ntk(depth=4, sigma_w=2**0.5, sigma_b=0.1))
    'relu_ntk(depth=4, sigma_w=1.4142135623730951, sigma_b=0.1)'
    >>> hr.kernels.label_of(hr.kernels.arccos(2))
    'arccos(2)'
    >>> hr.kernels.label_of(hr.c**2) is None
    True
    """
    with _LABELS_LOCK:
        entry = _LABELS.get(id(expr))
        if entry is None or entry[0] is not expr:
            return None
        _LABELS.move_to_end(id(expr))
        return entry[1]


def kernel_name(K: Any, label: str | None = None, limit: int = 60) -> str:
    """What a figure, table or repr calls the kernel ``K``.

    An explicit ``label`` first, then the text of a kernel given as a string, then
    :func:`label_of`, then the expression's own text when it is short enough to read (at
    most ``limit`` characters), else ``"K(c)"``.  Never prints a large expression: a deep
    kernel's DAG would be exponentially long as a tree.
    """
    if label:
        return str(label)
    if K is None:
        return "K(c)"
    if isinstance(K, str):
        return short_expr(K, max(limit, LABEL_LENGTH))
    named = label_of(K)
    if named:
        return named
    if isinstance(K, sympy.Basic) and _count_nodes(K, 400) >= 400:
        return "K(c)"
    text = " ".join(str(K).split())
    return text if len(text) <= limit else "K(c)"


def _label_for(K: Any, expr: Any, label: Any) -> str | None:
    """The display label a result keeps for its kernel: ``label=`` if given, the text of a
    string kernel, or the constructor call that built ``K`` (or ``expr``, what ``K`` became
    at the boundary), else None."""
    if label is not None:
        return str(label)
    if isinstance(K, str):
        return " ".join(K.split())
    return label_of(K) or label_of(expr)


def _float_text(x: Any) -> str:
    """A float as the decimal that was typed: the shortest that reads back as the same float."""
    if isinstance(x, sympy.Float):
        mpf_, prec = x._mpf_, x._prec
        for d in range(1, max(1, int(prec * math.log10(2)) + 2) + 1):
            text = mpmath.libmp.to_str(mpf_, d)
            if mpmath.libmp.from_str(text, prec, mpmath.libmp.round_nearest) == mpf_:
                return text
        return str(x)  # pragma: no cover - to_str always round-trips
    return repr(float(x))


def _arg_text(value: Any) -> str:
    """One argument of a constructor call, as it was given (abbreviated when long)."""
    if isinstance(value, (bool, str)):
        return repr(value)
    if isinstance(value, numbers.Integral):
        return short_expr(str(int(value)), 60)
    if isinstance(value, (float, sympy.Float)) or (
        isinstance(value, numbers.Real) and type(value).__module__ == "numpy"  # numpy float32, ...
    ):
        return _float_text(value)
    if isinstance(value, sympy.Basic):
        return short(value, 60)  # sqrt(2), 1/10 (a large expression is elided without printing it)
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = list(value.tolist() if hasattr(value, "tolist") else value)
        shown = ", ".join(_arg_text(v) for v in items[:8])
        more = f", ... ({len(items)} numbers)" if len(items) > 8 else ""
        return f"[{shown}{more}]"
    if callable(value):
        return str(getattr(value, "__name__", type(value).__name__))
    return short(str(value), 60)  # Fraction 1/10, Decimal 0.1, mpmath numbers


def _call_text(name: str, args: tuple, kwargs: dict) -> str:
    parts = [_arg_text(a) for a in args] + [f"{k}={_arg_text(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _fresh(expr: Any) -> Any:
    """A new object equal to ``expr`` whose top node is outside sympy's constructor cache.

    sympy interns evaluated expressions: ``exponential()`` and a later ``sympy.exp(c)`` would be
    one object, and a label given to one would name the other.  A fresh top node gives the
    constructor's result an identity of its own (equal, same hash, same arguments).
    """
    if not isinstance(expr, sympy.Basic) or expr.is_Atom:
        return expr
    if isinstance(expr, sympy.core.operations.AssocOp):
        return _RAW_ASSOC(type(expr), *expr.args, evaluate=False)
    if isinstance(expr, sympy.Pow):
        return _RAW_POW(sympy.Pow, *expr.args, evaluate=False)
    if isinstance(expr, sympy.core.function.Application):
        return _RAW_APPLY(expr.func, *expr.args, evaluate=False)
    return expr  # pragma: no cover - constructors return sums, products, powers or functions


def _labelled(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Constructor decorator: label the expression it returns with the call as written.

    Evaluated results (interned by sympy) are returned as a fresh object (:func:`_fresh`); the
    deep kernels are built outside the cache already, and keep their identity (the tail
    certificate registers them by identity).
    """
    fresh = fn.__name__ in ("arccos", "exponential", "gaussian", "polynomial", "inhomogeneous_polynomial")

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        out = fn(*args, **kwargs)
        if fresh:
            out = _fresh(out)
        text = _call_text(fn.__name__, args, kwargs)
        if isinstance(out, tuple):  # deep_kernels: (NNGP, NTK)
            for what, K in zip(("NNGP", "NTK"), out):
                _remember(K, f"{what} of {text}")
        else:
            _remember(out, text)
        return out

    return wrapper


def _num(value: RealLike, name: str, *, positive: bool = False, nonneg: bool = False) -> sympy.Expr:
    """An exact real number (floats become exact rationals, see :func:`hermite_rev._validate.as_number`)."""
    x = as_number(value, name)
    sign = _sign(x)
    if positive and sign != 1:
        raise HermiteRevError(f"{name} must be positive, got {name}={short(x, 60)}")
    if nonneg and sign == -1:
        raise HermiteRevError(f"{name} must be non-negative, got {name}={short(x, 60)}")
    return x


def _sign(x: sympy.Expr) -> int:
    if x.is_Rational:
        return int(x.p > 0) - int(x.p < 0)
    if x.is_positive:
        return 1
    if x.is_negative:
        return -1
    if x.is_zero:
        return 0
    v = sympy.N(x, 60)
    if abs(v) > sympy.Float(10) ** -50:
        return 1 if v > 0 else -1
    raise HermiteRevError(f"cannot decide the sign of {short(x, 60)}")


@_labelled
def arccos(order: int = 1) -> sympy.Expr:
    r"""Arc-cosine kernel of Cho & Saul (2009) on unit vectors.

    .. math:: k_n(c) = \frac{1}{\pi} J_n(\theta), \quad \theta = \arccos c, \quad
              J_n(\theta) = (-1)^n (\sin\theta)^{2n+1}
              \Big(\frac{1}{\sin\theta}\frac{\partial}{\partial\theta}\Big)^n
              \frac{\pi - \theta}{\sin\theta}

    ``k_0 = 1 - theta/pi`` (step function), ``k_1 = (sin theta + (pi - theta) cos theta)/pi``
    (ReLU: E[relu(u) relu(v)] = k_1(c)/2 for standard normal u, v with correlation c).

    References: Y. Cho, L. Saul, "Kernel methods for deep learning", NeurIPS 2009.
    """
    n = check_nonneg_int(order, "order", LIMITS["arccos_order"])
    th = sympy.Symbol("theta", positive=True)
    s = sympy.sin(th)
    f = (_pi - th) / s
    for _ in range(n):
        f = sympy.diff(f, th) / s
    J = sympy.expand_trig(sympy.simplify((-1) ** n * s ** (2 * n + 1) * f))
    sin_c = sympy.sqrt(1 - c**2)
    expr = J.subs(sympy.sin(th), sin_c).subs(sympy.cos(th), c).subs(th, sympy.acos(c))
    expr = sympy.expand(expr.subs(sympy.sin(sympy.acos(c)), sin_c)) / _pi
    return sympy.expand(expr)


class _Ops:
    """Arithmetic for building deep kernels.

    ``evaluate=False`` builds unevaluated sympy nodes without sympy's constructor cache: sympy's
    automatic simplification walks down the whole expression at every new node (quadratic time and
    recursion as deep as the network), and its cache compares a new node's arguments with earlier
    ones structurally, which on a DAG is a walk of the whole tree.  The unevaluated DAG is built in
    time linear in the depth and shares every layer's sub-expressions.  The layer variances, which
    are numbers, are built evaluated, so that substituting c = 1 and evaluating gives the
    correlation exactly 1.
    """

    def __init__(self, evaluate: bool) -> None:
        self.ev = evaluate

    def add(self, *a: Any) -> Any:
        if self.ev:
            return sympy.Add(*a)
        terms = [x for x in map(sympy.sympify, a) if x is not sympy.S.Zero]
        if len(terms) <= 1:
            return terms[0] if terms else sympy.S.Zero
        return _RAW_ASSOC(sympy.Add, *terms, evaluate=False)

    def mul(self, *a: Any) -> Any:
        if self.ev:
            return sympy.Mul(*a)
        factors = [x for x in map(sympy.sympify, a) if x is not sympy.S.One]
        if any(x is sympy.S.Zero for x in factors):
            return sympy.S.Zero
        if len(factors) <= 1:
            return factors[0] if factors else sympy.S.One
        return _RAW_ASSOC(sympy.Mul, *factors, evaluate=False)

    def pow(self, b: Any, e: Any) -> Any:
        if self.ev:
            return sympy.Pow(b, e)
        b, e = sympy.sympify(b), sympy.sympify(e)
        if e is sympy.S.One or b is sympy.S.One:
            return b
        return _RAW_POW(sympy.Pow, b, e, evaluate=False)

    def div(self, a: Any, b: Any) -> Any:
        return self.mul(a, self.pow(b, -1))

    def sub(self, a: Any, b: Any) -> Any:
        return self.add(a, self.mul(-1, b))

    def sqrt(self, x: Any) -> Any:
        return self.pow(x, sympy.S.Half)

    def fn(self, f: Callable[..., Any], x: Any) -> Any:
        return f(x) if self.ev else _RAW_APPLY(f, x, evaluate=False)

    def acos(self, x: Any) -> Any:
        return self.fn(sympy.acos, x)

    def asin(self, x: Any) -> Any:
        return self.fn(sympy.asin, x)


def _uncached(constructor: Callable[..., Any]) -> Callable[..., Any]:
    # sympy's constructors are wrapped by its cache (functools.lru_cache keeps ``__wrapped__``)
    raw = getattr(constructor, "__wrapped__", None)
    if raw is None:  # pragma: no cover - a sympy without the cache wrapper
        return lambda cls, *args, evaluate=False: cls(*args, evaluate=evaluate)
    return raw


_RAW_ASSOC = _uncached(sympy.core.operations.AssocOp.__new__)
_RAW_POW = _uncached(sympy.Pow.__new__)
_RAW_APPLY = _uncached(sympy.core.function.Application.__new__)
_EVAL, _LAZY = _Ops(True), _Ops(False)


def _relu_dual(rho: Any, q: Any, ops: _Ops = _EVAL) -> tuple[Any, Any]:
    # E[relu(u) relu(v)], u, v ~ N(0, q) with correlation rho; and E[relu'(u) relu'(v)]
    angle = ops.sub(_pi, ops.acos(rho))
    nngp = ops.mul(q / (2 * _pi), ops.add(ops.sqrt(ops.sub(1, ops.pow(rho, 2))), ops.mul(angle, rho)))
    return nngp, ops.mul(angle, 1 / (2 * _pi))


_relu_dual._mehler = True  # type: ignore[attr-defined]


def _erf_dual(a: sympy.Expr, b: sympy.Expr) -> Callable[..., tuple[Any, Any]]:
    def dual(rho: Any, q: Any, ops: _Ops = _EVAL) -> tuple[Any, Any]:
        g = 2 * b**2 * q
        nngp = ops.mul(a**2 * 2 / _pi, ops.asin(ops.mul(g / (1 + g), rho)))
        deriv = ops.mul(
            a**2 * 4 * b**2 / _pi, ops.pow(ops.sub((1 + g) ** 2, ops.mul(g**2, ops.pow(rho, 2))), -sympy.S.Half)
        )
        return nngp, deriv

    dual._mehler = True  # type: ignore[attr-defined]
    return dual


def _takes_ops(dual: Callable[..., Any]) -> bool:
    import inspect

    try:
        return "ops" in inspect.signature(dual).parameters
    except (TypeError, ValueError):
        return False


@_labelled
def deep_kernels(
    dual: Callable[..., tuple[Any, Any]],
    depth: int,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    sigma_w_last: RealLike = 1,
    sigma_b_last: RealLike = 0,
) -> tuple[sympy.Expr, sympy.Expr]:
    """(NNGP, NTK) of a fully-connected network whose activation has the dual ``dual``.

    ``dual(rho, q) -> (E[phi(u)phi(v)], E[phi'(u)phi'(v)])`` for u, v ~ N(0, q) with
    correlation ``rho`` (sympy expressions).  Layers as in the module docstring.  A dual that
    takes a keyword ``ops`` gets the node builder (see ``_relu_dual``), so that deep networks are
    built in linear time as a DAG of unevaluated nodes.  ``depth`` is at most
    ``LIMITS["constructor_depth"]`` (1000).  The layer variances are exact, so the correlation of every layer
    is exactly 1 at c = 1 (float hyperparameters are made exact first).
    """
    return _deep_kernels(dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)


def _deep_kernels(
    dual: Callable[..., tuple[Any, Any]],
    depth: int,
    sigma_w: RealLike,
    sigma_b: RealLike,
    sigma_w_last: RealLike,
    sigma_b_last: RealLike,
) -> tuple[sympy.Expr, sympy.Expr]:
    """:func:`deep_kernels` without its display label (the named constructors label their own result)."""
    depth = check_nonneg_int(depth, "depth", LIMITS["constructor_depth"])
    sw2 = _num(sigma_w, "sigma_w") ** 2
    sb2 = _num(sigma_b, "sigma_b") ** 2
    swl2 = _num(sigma_w_last, "sigma_w_last") ** 2
    sbl2 = _num(sigma_b_last, "sigma_b_last") ** 2
    if _sign(sw2 + sb2) != 1:
        raise HermiteRevError(f"sigma_w and sigma_b cannot both be 0, got sigma_w={sigma_w!r}, sigma_b={sigma_b!r}")
    lazy = _takes_ops(dual)
    ops = _LAZY if lazy else _EVAL
    mehler = getattr(dual, "_mehler", False)
    nngp, ntk, q = c, sympy.Integer(0), sympy.Integer(1)
    for _ in range(depth):
        nngp = ops.add(ops.mul(sw2, nngp), sb2)
        ntk = ops.add(nngp, ops.mul(sw2, ntk))
        q = sw2 * q + sb2
        rho = ops.div(nngp, q)
        new_nngp, deriv = dual(rho, q, ops=ops) if lazy else dual(rho, q)
        ntk = ops.mul(ntk, deriv)
        q = dual(sympy.Integer(1), q, ops=_EVAL)[0] if lazy else dual(sympy.Integer(1), q)[0]
        nngp = new_nngp
    nngp = ops.add(ops.mul(swl2, nngp), sbl2)
    ntk = ops.add(nngp, ops.mul(swl2, ntk))
    if mehler:
        # the dual of an activation is a power series in rho with non-negative coefficients that
        # converges at rho = 1 (Mehler's formula, proofs/01 and proofs/06); so is every layer's
        # kernel, and the tail certificate may take them as kernels by construction
        from .series import register_kernel

        why = "deep kernel of an activation with a Mehler dual"
        for K in (nngp, ntk, *(ntk.args if ntk.is_Add else ())):  # the NTK is the NNGP plus the Theta term
            register_kernel(K, why)
    return nngp, ntk


@_labelled
def relu_nngp(
    depth: int = 1, sigma_w: RealLike = 1, sigma_b: RealLike = 0, sigma_w_last: RealLike = 1, sigma_b_last: RealLike = 0
) -> sympy.Expr:
    """NNGP kernel of a ReLU network with ``depth`` hidden layers (see module docstring)."""
    return _deep_kernels(_relu_dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[0]


@_labelled
def relu_ntk(
    depth: int = 1, sigma_w: RealLike = 1, sigma_b: RealLike = 0, sigma_w_last: RealLike = 1, sigma_b_last: RealLike = 0
) -> sympy.Expr:
    """NTK of a ReLU network with ``depth`` hidden layers (see module docstring).

    With ``sigma_w = sqrt(2)``, ``sigma_b = 0.1`` and depth 4 its value at c = 1 is 5.07.
    """
    return _deep_kernels(_relu_dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[1]


@_labelled
def erf_nngp(
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    sigma_w_last: RealLike = 1,
    sigma_b_last: RealLike = 0,
    a: RealLike = 1,
    b: RealLike = 1,
) -> sympy.Expr:
    """NNGP kernel of a network with activation ``a * erf(b z)`` (Williams 1997)."""
    dual = _erf_dual(_num(a, "a"), _num(b, "b", positive=True))
    return _deep_kernels(dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[0]


@_labelled
def erf_ntk(
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    sigma_w_last: RealLike = 1,
    sigma_b_last: RealLike = 0,
    a: RealLike = 1,
    b: RealLike = 1,
) -> sympy.Expr:
    """NTK of a network with activation ``a * erf(b z)``."""
    dual = _erf_dual(_num(a, "a"), _num(b, "b", positive=True))
    return _deep_kernels(dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[1]


@_labelled
def exponential(beta: RealLike = 1) -> sympy.Expr:
    """``exp(beta * c)``: all Taylor coefficients beta^k / k! are positive."""
    return sympy.exp(_num(beta, "beta", positive=True) * c)


@_labelled
def gaussian(lengthscale: RealLike = 1) -> sympy.Expr:
    """Gaussian (RBF) kernel restricted to the unit sphere: exp(-|x-y|^2 / (2 l^2)) = exp((c-1)/l^2)."""
    ell = _num(lengthscale, "lengthscale", positive=True)
    return sympy.exp((c - 1) / ell**2)


@_labelled
def polynomial(coeffs: Sequence[RealLike]) -> sympy.Expr:
    """``sum_k coeffs[k] c^k`` (coefficients lowest degree first)."""
    if isinstance(coeffs, (str, bytes)) or not hasattr(coeffs, "__iter__"):
        raise HermiteRevError(f"coeffs must be a sequence of numbers, got coeffs={coeffs!r}")
    terms = [_num(a, f"coeffs[{k}]") * c**k for k, a in enumerate(coeffs)]
    if not terms:
        raise HermiteRevError("coeffs must not be empty, got coeffs=[]")
    return sympy.Add(*terms)


@_labelled
def inhomogeneous_polynomial(degree: int, offset: RealLike = 1) -> sympy.Expr:
    """``(c + offset)^degree``, the polynomial kernel."""
    d = check_nonneg_int(degree, "degree", LIMITS["symbolic_exponent"])
    return (c + _num(offset, "offset", nonneg=True)) ** d
