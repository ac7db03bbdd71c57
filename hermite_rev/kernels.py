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
import inspect
import math
import numbers
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import mpmath
import sympy

from ._core.errors import HermiteRevError
from ._core.exprs import RAW_APPLY, RAW_ASSOC, RAW_POW, c, fresh
from ._core.limits import LIMITS, check_size
from ._core.registry import constructor, label_of, register_kernel, remember
from ._core.text import short
from ._core.validate import check_nonneg_int, exact_number, exact_sign

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ._core.typing import RealLike

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
        return short(str(int(value)), 60)
    if isinstance(value, (float, sympy.Float)) or (
        isinstance(value, numbers.Real) and type(value).__module__ == "numpy"  # numpy float32, ...
    ):
        return _float_text(value)
    if isinstance(value, sympy.Basic):
        return short(value, 60)  # sqrt(2), 1/10 (a large expression is elided without printing it)
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        if not isinstance(items, (list, tuple)):  # a 0-d array is one number
            return _arg_text(items)
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


def _labelled(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Constructor decorator: label the expression it returns with the call as written.

    Evaluated results (interned by sympy) are returned as a fresh object (:func:`fresh`); the
    deep kernels are built outside the cache already, and keep their identity (the tail
    certificate registers them by identity).
    """
    new_identity = fn.__name__ in ("arccos", "exponential", "gaussian", "polynomial", "inhomogeneous_polynomial")

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        out = fn(*args, **kwargs)
        if new_identity:
            out = fresh(out)
        if fn.__name__ == "arccos":
            register_kernel(out, "arc-cosine kernel: the dual of the ReLU power (Cho & Saul 2009)")
        text = _call_text(fn.__name__, args, kwargs)
        if isinstance(out, tuple):  # deep_kernels: (NNGP, NTK)
            for what, K in zip(("NNGP", "NTK"), out):
                remember(K, f"{what} of {text}")
        else:
            remember(out, text)
        return out

    return wrapper


@constructor
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
    # With 1/sin(theta) d/dtheta = -d/dc, J_n = (1 - c^2)^(n + 1/2) f^(n)(c) for
    # f = (pi - acos c)/sqrt(1 - c^2); f^(m) = (P_m g + Q_m s) / s^(2m+1) (g = pi - acos c,
    # s = sqrt(1 - c^2)) with P_0 = 1, Q_0 = 0 and, differentiating once,
    # P_{m+1} = (1 - c^2) P_m' + (2m + 1) c P_m,  Q_{m+1} = P_m + (1 - c^2) Q_m' + 2m c Q_m.
    # Polynomial arithmetic only (sympy's simplify of the theta form took 14 s at order 6).
    P, Q = sympy.Poly(1, c), sympy.Poly(0, c)
    one_minus = sympy.Poly(1 - c**2, c)
    for m in range(n):
        P, Q = (
            one_minus * P.diff(c) + sympy.Poly((2 * m + 1) * c, c) * P,
            P + one_minus * Q.diff(c) + sympy.Poly(2 * m * c, c) * Q,
        )
    J = P.as_expr() * (_pi - sympy.acos(c)) + Q.as_expr() * sympy.sqrt(1 - c**2)
    return sympy.expand(J / _pi)


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
        return RAW_ASSOC(sympy.Add, *terms, evaluate=False)

    def mul(self, *a: Any) -> Any:
        if self.ev:
            return sympy.Mul(*a)
        factors = [x for x in map(sympy.sympify, a) if x is not sympy.S.One]
        if any(x is sympy.S.Zero for x in factors):
            return sympy.S.Zero
        if len(factors) <= 1:
            return factors[0] if factors else sympy.S.One
        return RAW_ASSOC(sympy.Mul, *factors, evaluate=False)

    def pow(self, b: Any, e: Any) -> Any:
        if self.ev:
            return sympy.Pow(b, e)
        b, e = sympy.sympify(b), sympy.sympify(e)
        if e is sympy.S.One or b is sympy.S.One:
            return b
        return RAW_POW(sympy.Pow, b, e, evaluate=False)

    def div(self, a: Any, b: Any) -> Any:
        return self.mul(a, self.pow(b, -1))

    def sub(self, a: Any, b: Any) -> Any:
        return self.add(a, self.mul(-1, b))

    def sqrt(self, x: Any) -> Any:
        return self.pow(x, sympy.S.Half)

    def fn(self, f: Callable[..., Any], x: Any) -> Any:
        return f(x) if self.ev else RAW_APPLY(f, x, evaluate=False)

    def acos(self, x: Any) -> Any:
        return self.fn(sympy.acos, x)

    def asin(self, x: Any) -> Any:
        return self.fn(sympy.asin, x)


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
    sw2 = exact_number(sigma_w, "sigma_w") ** 2
    sb2 = exact_number(sigma_b, "sigma_b") ** 2
    swl2 = exact_number(sigma_w_last, "sigma_w_last") ** 2
    sbl2 = exact_number(sigma_b_last, "sigma_b_last") ** 2
    if exact_sign(sw2 + sb2) != 1:
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

        why = "deep kernel of an activation with a Mehler dual"
        for K in (nngp, ntk, *(ntk.args if ntk.is_Add else ())):  # the NTK is the NNGP plus the Theta term
            register_kernel(K, why)
    return nngp, ntk


@constructor
@_labelled
def relu_nngp(
    depth: int = 1, sigma_w: RealLike = 1, sigma_b: RealLike = 0, sigma_w_last: RealLike = 1, sigma_b_last: RealLike = 0
) -> sympy.Expr:
    """NNGP kernel of a ReLU network with ``depth`` hidden layers (see module docstring)."""
    return _deep_kernels(_relu_dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[0]


@constructor
@_labelled
def relu_ntk(
    depth: int = 1, sigma_w: RealLike = 1, sigma_b: RealLike = 0, sigma_w_last: RealLike = 1, sigma_b_last: RealLike = 0
) -> sympy.Expr:
    """NTK of a ReLU network with ``depth`` hidden layers (see module docstring).

    With ``sigma_w = sqrt(2)``, ``sigma_b = 0.1`` and depth 4 its value at c = 1 is 5.07.
    """
    return _deep_kernels(_relu_dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[1]


@constructor
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
    check_size(depth, "depth", "erf_depth", low=0)
    dual = _erf_dual(exact_number(a, "a"), exact_number(b, "b", positive=True))
    return _deep_kernels(dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[0]


@constructor
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
    check_size(depth, "depth", "erf_depth", low=0)
    dual = _erf_dual(exact_number(a, "a"), exact_number(b, "b", positive=True))
    return _deep_kernels(dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[1]


@constructor
@_labelled
def exponential(beta: RealLike = 1) -> sympy.Expr:
    """``exp(beta * c)``: all Taylor coefficients beta^k / k! are positive."""
    return sympy.exp(exact_number(beta, "beta", positive=True) * c)


@constructor
@_labelled
def gaussian(lengthscale: RealLike = 1) -> sympy.Expr:
    """Gaussian (RBF) kernel restricted to the unit sphere: exp(-|x-y|^2 / (2 l^2)) = exp((c-1)/l^2)."""
    ell = exact_number(lengthscale, "lengthscale", positive=True)
    return sympy.exp((c - 1) / ell**2)


@constructor
@_labelled
def polynomial(coeffs: Sequence[RealLike]) -> sympy.Expr:
    """``sum_k coeffs[k] c^k`` (coefficients lowest degree first)."""
    if isinstance(coeffs, (str, bytes)) or not hasattr(coeffs, "__iter__") or getattr(coeffs, "ndim", 1) == 0:
        raise HermiteRevError(f"coeffs must be a sequence of numbers, got coeffs={short(repr(coeffs), 60)}")
    terms = [exact_number(a, f"coeffs[{k}]") * c**k for k, a in enumerate(coeffs)]
    if not terms:
        raise HermiteRevError("coeffs must not be empty, got coeffs=[]")
    return sympy.Add(*terms)


@constructor
@_labelled
def inhomogeneous_polynomial(degree: int, offset: RealLike = 1) -> sympy.Expr:
    """``(c + offset)^degree``, the polynomial kernel."""
    d = check_nonneg_int(degree, "degree", LIMITS["symbolic_exponent"])
    return (c + exact_number(offset, "offset", nonneg=True)) ** d
