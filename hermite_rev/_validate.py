"""Input checks shared by every public entry point.

Every check raises :class:`HermiteRevError` (a ``ValueError``) whose message names the
constraint and the offending value, so bad input never surfaces as a traceback from deep
inside sympy, flint or numba.
"""

from __future__ import annotations

import numbers

import sympy

__all__ = [
    "HermiteRevError",
    "NotAKernelError",
    "NotAnalyticError",
    "DivergentSeriesError",
    "c",
    "z",
    "check_positive_int",
    "check_kind",
    "as_expr",
]

#: The cosine between two inputs on the sphere.
c = sympy.Symbol("c", real=True)
#: A pre-activation.
z = sympy.Symbol("z", real=True)


class HermiteRevError(ValueError):
    """Bad input to hermite_rev (a ``ValueError``)."""


class NotAKernelError(HermiteRevError):
    """A Taylor coefficient is negative: not a positive-definite dot-product kernel on all spheres."""


class NotAnalyticError(HermiteRevError):
    """The expression is not real-analytic at the expansion point."""


class DivergentSeriesError(HermiteRevError):
    """The Taylor series does not converge at c = 1."""


KINDS = ("nngp", "ntk")


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer() and not isinstance(value, bool):
            value = int(value)
        else:
            raise HermiteRevError(f"{name} must be a positive integer, got {name}={value!r}")
    if value <= 0:
        raise HermiteRevError(f"{name} must be a positive integer, got {name}={value!r}")
    return int(value)


def check_nonneg_int(value, name: str) -> int:
    """Return ``value`` as an ``int`` if it is a non-negative integer, else raise."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and value == 0:
        return 0
    try:
        return check_positive_int(value, name)
    except HermiteRevError:
        raise HermiteRevError(f"{name} must be a non-negative integer, got {name}={value!r}") from None


def check_kind(kind) -> str:
    """Return the kernel kind, ``"nngp"`` or ``"ntk"``."""
    if not isinstance(kind, str) or kind.lower() not in KINDS:
        raise HermiteRevError(f"kind must be one of {KINDS}, got kind={kind!r}")
    return kind.lower()


_PARSE_NAMES = None


def _parse_namespace():
    global _PARSE_NAMES
    if _PARSE_NAMES is None:
        from . import kernels

        ns = {name: getattr(sympy, name) for name in (
            "sqrt", "exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos",
            "atan", "erf", "erfc", "pi", "E", "Max", "Min", "Abs", "Heaviside", "sign",
            "Rational", "Integer", "Float", "I", "oo")}
        ns.update({name: getattr(kernels, name) for name in kernels.__all__})
        ns["relu"] = lambda x: sympy.Max(0, x)
        ns["Symbol"] = sympy.Symbol
        ns["c"] = c
        ns["z"] = z
        _PARSE_NAMES = ns
    return _PARSE_NAMES


def parse(text: str, symbol: sympy.Symbol) -> sympy.Expr:
    """Parse ``text`` safely into a sympy expression in ``symbol``.

    Only arithmetic, the elementary functions, sympy constants and the named kernel
    constructors of :mod:`hermite_rev.kernels` are visible; attribute access and dunder
    names are refused, so no arbitrary Python runs.
    """
    from sympy.parsing.sympy_parser import parse_expr, standard_transformations

    if not isinstance(text, str) or "__" in text or "lambda" in text or _has_attribute(text):
        raise HermiteRevError(f"expression may not use attribute access or dunder names, got {text!r}")
    try:
        expr = parse_expr(text, local_dict=dict(_parse_namespace()),
                          global_dict={"__builtins__": {}, "Symbol": sympy.Symbol, "Integer": sympy.Integer,
                                       "Float": sympy.Float, "Rational": sympy.Rational},
                          transformations=standard_transformations, evaluate=True)
    except HermiteRevError:
        raise
    except Exception as exc:  # sympy raises many kinds here
        raise HermiteRevError(f"cannot parse expression {text!r}: {exc}") from None
    return as_expr(expr, symbol)


def _has_attribute(text: str) -> bool:
    import re

    return re.search(r"[A-Za-z_\)\]]\s*\.\s*[A-Za-z_]", text) is not None


def as_expr(expr, symbol: sympy.Symbol, *, name: str | None = None) -> sympy.Expr:
    """Return ``expr`` as a sympy expression whose only free symbol is ``symbol``.

    Accepts sympy expressions, Python/mpmath numbers and strings (parsed safely).  A symbol
    named like ``symbol`` but created without assumptions is identified with it.
    """
    what = name or ("kernel" if symbol is c else "activation")
    if isinstance(expr, str):
        return parse(expr, symbol)
    try:
        expr = sympy.sympify(expr, strict=True)
    except (sympy.SympifyError, TypeError):
        raise HermiteRevError(f"{what} must be a sympy expression in {symbol}, got {expr!r}") from None
    if not isinstance(expr, sympy.Expr):
        raise HermiteRevError(f"{what} must be a sympy expression in {symbol}, got {expr!r}")
    free = expr.free_symbols
    renames = {s: symbol for s in free if s.name == symbol.name and s != symbol}
    if renames:
        expr = expr.xreplace(renames)
        free = expr.free_symbols
    other = free - {symbol}
    if other:
        names = ", ".join(sorted(s.name for s in other))
        raise HermiteRevError(
            f"{what} may only depend on the symbol {symbol}; found free symbol(s) {names} in {expr}")
    if expr.has(sympy.I) or expr.has(sympy.zoo) or expr.has(sympy.nan):
        raise HermiteRevError(f"{what} must be real and finite, got {expr}")
    return expr
