r"""One vocabulary of named activations, shared by every function that takes an activation.

Index
-----
NAMES              the known names (and the pattern ``sinA``)
activation_expr    a name or anything :func:`hermite_rev._core.validate.as_expr` takes -> exact sympy expr in z
lookup             a name -> :class:`NamedActivation` (exact expression, numpy value and derivative)
NamedActivation    name, expr, numpy ``f`` and ``df``, numba code (or None), kinks

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np
import sympy

from ._core.errors import HermiteRevError
from ._core.exprs import z

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._core.typing import ActivationLike, ArrayLike

__all__ = ["NAMES", "NamedActivation", "activation_expr", "lookup"]


@dataclass(frozen=True)
class NamedActivation:
    """A named activation: its exact expression and float evaluators.

    Attributes
    ----------
    name : str
    expr : sympy.Expr
        Exact phi(z).
    f, df : callable
        numpy ``phi`` and ``phi'`` on float arrays.
    code : str or None
        The :data:`hermite_rev._numba.train.ACT_CODES` key that evaluates it compiled, if any.
    a, s : float
        Parameters of the compiled form ``s * code(a x)``.
    kinks : tuple of float
        Points where phi or phi' is not smooth.
    """

    name: str
    expr: sympy.Expr
    f: Callable[[Any], Any]
    df: Callable[[Any], Any]
    code: str | None = None
    a: float = 1.0
    s: float = 1.0
    kinks: tuple = ()


def _erf(x: ArrayLike) -> Any:
    from scipy.special import erf

    return erf(x)


def _expit(x: ArrayLike) -> Any:
    from scipy.special import expit

    return expit(x)


_SQRT2 = np.sqrt(2.0)
_SQRT2PI = np.sqrt(2.0 * np.pi)


def _table() -> dict[str, tuple[sympy.Expr, Callable[[Any], Any], Callable[[Any], Any], str | None, tuple[float, ...]]]:
    half = sympy.Rational(1, 2)
    return {
        "relu": (sympy.Max(0, z), lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(float), "relu", (0.0,)),
        "tanh": (sympy.tanh(z), np.tanh, lambda x: 1.0 - np.tanh(x) ** 2, "tanh", ()),
        "erf": (sympy.erf(z), _erf, lambda x: 2.0 / np.sqrt(np.pi) * np.exp(-x * x), "erf", ()),
        "gelu": (
            z * (1 + sympy.erf(z / sympy.sqrt(2))) / 2,
            lambda x: 0.5 * x * (1.0 + _erf(x / _SQRT2)),
            lambda x: 0.5 * (1.0 + _erf(x / _SQRT2)) + x * np.exp(-0.5 * x * x) / _SQRT2PI,
            None,
            (),
        ),
        "swish": (
            z / (1 + sympy.exp(-z)),
            lambda x: x * _expit(x),
            lambda x: _expit(x) * (1.0 + x * (1.0 - _expit(x))),
            None,
            (),
        ),
        "sigmoid": (1 / (1 + sympy.exp(-z)), _expit, lambda x: _expit(x) * (1.0 - _expit(x)), None, ()),
        "softplus": (sympy.log(1 + sympy.exp(z)), lambda x: np.logaddexp(0.0, x), _expit, "softplus", ()),
        "sin": (sympy.sin(z), np.sin, np.cos, "sin", ()),
        "cos": (sympy.cos(z), np.cos, lambda x: -np.sin(x), "cos", ()),
        "abs": (sympy.Abs(z), np.abs, np.sign, "abs", (0.0,)),
        "step": (
            sympy.Heaviside(z, half),
            lambda x: np.where(x > 0, 1.0, np.where(x < 0, 0.0, 0.5)),
            lambda x: np.zeros_like(x),
            "step",
            (0.0,),
        ),
        "linear": (z, lambda x: np.array(x, dtype=float), lambda x: np.ones_like(x), "linear", ()),
    }


_ALIASES = {"identity": "linear", "silu": "swish"}
_CACHE: dict = {}

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


def lookup(name: str) -> NamedActivation:
    """The :class:`NamedActivation` called ``name``; unknown names raise with the list of names.

    Examples
    --------
    >>> lookup("gelu").expr
    z*(erf(sqrt(2)*z/2) + 1)/2
    >>> lookup("sin6").expr
    sin(6*z)/2
    """
    if not isinstance(name, str):
        raise HermiteRevError(f"activation name must be a string, got {name!r}")
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key in _CACHE:
        return _CACHE[key]
    table = _table()
    m = re.fullmatch(r"sin(\d+(?:\.\d+)?)", key)
    if m:
        a = float(m.group(1))
        a_sym = sympy.Rational(m.group(1))
        entry = NamedActivation(
            key,
            sympy.sin(a_sym * z) / 2,
            lambda x: 0.5 * np.sin(a * x),
            lambda x: 0.5 * a * np.cos(a * x),
            "sin",
            a,
            0.5,
            (),
        )
    elif key in table:
        expr, f, df, code, kinks = table[key]
        entry = NamedActivation(key, expr, f, df, code, 1.0, 1.0, kinks)
    else:
        from ._core.text import short

        raise HermiteRevError(f"unknown activation name {short(repr(name), 60)}; known names: {', '.join(NAMES)}")
    _CACHE[key] = entry
    return entry


def is_name(spec: object) -> TypeGuard[str]:
    """True when ``spec`` is a string naming an activation of the table."""
    if not isinstance(spec, str):
        return False
    key = _ALIASES.get(spec.strip().lower(), spec.strip().lower())
    return key in _table() or re.fullmatch(r"sin(\d+(?:\.\d+)?)", key) is not None


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
    from ._core.validate import as_expr

    if is_name(spec):
        return lookup(spec).expr
    return as_expr(spec, z, name="activation")
