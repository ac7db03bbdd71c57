"""Input checks shared by every public entry point: the trust boundary of hermite_rev.

Index
-----
parse            text -> sympy expression, by an allow-list walk of Python's ``ast`` (no eval)
as_expr          any accepted input -> sympy expression in one symbol (exact, DAG-aware, bounded)
as_number        any accepted number -> exact sympy number (floats become exact rationals)
exact_number     a kernel or layer parameter as an exact real (optionally positive / non-negative)
exact_float      the float policy: a float becomes the shortest decimal that round-trips, exactly
public           decorator: serialise a public call and restore the precision contexts
check_*          positive/non-negative integers, dps, kind, flags, writable output paths and folders
coefficient_list a sequence of coefficients (list, tuple, 1-D array) as a list of numbers
FUNCTIONS, CONSTANTS   what an expression string may call and name

Every check raises :class:`HermiteRevError` (a ``ValueError``) whose one-line message names the
constraint and the offending value, so bad input never surfaces as a traceback from deep inside
sympy, flint or numba.

Float policy
------------
At the public boundary every Python float, numpy float and sympy Float becomes an exact rational
once, as the shortest decimal that round-trips at its own precision: ``0.1`` is exactly 1/10 (as the
user typed it) and ``numpy.sqrt(2)`` is exactly 1.4142135623730951.  Decimal literals in strings are
exact decimals (``"0.1"`` is 1/10).  An mpmath ``mpf`` is a binary number with no precision of its
own: it becomes its exact binary value.  Nothing downstream sees a float.

Thread safety
-------------
Every public call holds one process-wide re-entrant lock while it runs and restores mpmath's and
python-flint's precision contexts when it returns, so calls from many threads give the same results
as serial calls and leave the caller's precision as it was.
"""

from __future__ import annotations

import ast
import decimal
import difflib
import fractions
import functools
import inspect
import itertools
import math
import numbers
import os
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import flint
import mpmath
import numpy as np
import sympy

from .errors import HermiteRevError
from .exprs import c, fresh, postorder, z
from .limits import LIMITS
from .registry import CONSTRUCTORS, label_of, remember
from .text import short

if TYPE_CHECKING:
    from .typing import Kind, RealLike

__all__ = [
    "KINDS",
    "parse",
    "as_expr",
    "as_number",
    "exact_number",
    "exact_float",
    "public",
    "check_positive_int",
    "check_nonneg_int",
    "check_dps",
    "check_n",
    "check_kind",
    "check_flag",
    "check_writable",
    "check_writable_dir",
    "coefficient_list",
    "FUNCTIONS",
    "CONSTANTS",
]

KINDS = ("nngp", "ntk")


# --------------------------------------------------------------------------------------------
# thread safety
# --------------------------------------------------------------------------------------------

_LOCK = threading.RLock()
_F = TypeVar("_F", bound=Callable[..., Any])


def public(fn: _F) -> _F:
    """Serialise a public call and restore mpmath's and python-flint's precision on return."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            prec, fprec, fcap = mpmath.mp.prec, flint.ctx.prec, flint.ctx.cap
            try:
                return fn(*args, **kwargs)
            finally:
                mpmath.mp.prec = prec
                flint.ctx.prec, flint.ctx.cap = fprec, fcap

    return cast("_F", wrapper)


# --------------------------------------------------------------------------------------------
# integers, dps, kind
# --------------------------------------------------------------------------------------------


def _as_int(value: object, name: str, what: str) -> int:
    if isinstance(value, (bool, np.timedelta64, np.datetime64)):  # numpy registers timedelta64 as Integral
        raise HermiteRevError(f"{name} must be {what}, got {name}={short(repr(value), 60)}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, sympy.Integer):
        return int(value)
    if isinstance(value, numbers.Real):
        try:
            f = float(value)
        except (OverflowError, ValueError):
            f = math.nan
        if math.isfinite(f) and f.is_integer():
            return int(f)
    raise HermiteRevError(f"{name} must be {what}, got {name}={short(repr(value), 60)}")


def check_positive_int(value: object, name: str, limit: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer (at most ``limit``), else raise."""
    v = _as_int(value, name, "a positive integer")
    if v <= 0:
        raise HermiteRevError(f"{name} must be a positive integer, got {name}={v}")
    if limit is not None and v > limit:
        raise HermiteRevError(f"{name} must be at most {limit}, got {name}={v}")
    return v


def check_nonneg_int(value: object, name: str, limit: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is a non-negative integer (at most ``limit``), else raise."""
    v = _as_int(value, name, "a non-negative integer")
    if v < 0:
        raise HermiteRevError(f"{name} must be a non-negative integer, got {name}={v}")
    if limit is not None and v > limit:
        raise HermiteRevError(f"{name} must be at most {limit}, got {name}={v}")
    return v


def check_n(value: object, name: str = "n") -> int:
    """Number of Taylor coefficients: a positive integer at most ``LIMITS["taylor_n"]``."""
    return check_positive_int(value, name, LIMITS["taylor_n"])


def check_dps(value: object, name: str = "dps") -> int:
    """Decimal digits of a Taylor expansion: a positive integer at most ``LIMITS["taylor_dps"]``."""
    return check_positive_int(value, name, LIMITS["taylor_dps"])


def check_flag(value: object, name: str) -> bool:
    """Return ``value`` as a ``bool`` if it is ``True``/``False`` (numpy bools and 0/1 too), else raise."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral) and int(value) in (0, 1)):
        return bool(value)
    raise HermiteRevError(f"{name} must be True or False, got {name}={short(repr(value), 60)}")


def check_kind(kind: object) -> Kind:
    """Return the kernel kind, ``"nngp"`` or ``"ntk"``."""
    if not isinstance(kind, str) or kind.lower() not in KINDS:
        raise HermiteRevError(f"kind must be one of {KINDS}, got kind={short(repr(kind), 60)}")
    return cast("Kind", kind.lower())


# --------------------------------------------------------------------------------------------
# numbers: the float policy
# --------------------------------------------------------------------------------------------


def _decimal_rational(mantissa: str, exponent: int, what: object) -> sympy.Rational:
    """``mantissa`` (digits with an optional point) times 10**exponent, exactly."""
    if "." in mantissa:
        whole, frac = mantissa.split(".")
    else:
        whole, frac = mantissa, ""
    digits = (whole + frac).lstrip("0") or "0"
    if len(digits) > LIMITS["int_digits"]:
        raise HermiteRevError(f"number has more than {LIMITS['int_digits']} digits: {short(what, 60)}")
    e = exponent - len(frac)
    if digits != "0" and abs(exponent) > LIMITS["decimal_exponent"]:
        raise HermiteRevError(
            f"number exponent out of range (|exponent| <= {LIMITS['decimal_exponent']}): {short(what, 60)}"
        )
    m = int(digits)
    return sympy.Rational(m * 10**e) if e >= 0 else sympy.Rational(m, 10**-e)


_DECIMAL = re.compile(r"^\s*([+-]?)(\d*\.?\d*)(?:[eE]([+-]?\d+))?\s*$")


def _rational_from_decimal_text(text: str, what: object) -> sympy.Rational:
    m = _DECIMAL.match(text.replace("_", ""))
    if not m or not any(ch.isdigit() for ch in m.group(2)):
        raise HermiteRevError(f"not a decimal number: {short(what, 60)}")
    exponent = m.group(3)
    if exponent is not None and len(exponent.lstrip("+-0")) > 9:
        raise HermiteRevError(
            f"number exponent out of range (|exponent| <= {LIMITS['decimal_exponent']}): {short(what, 60)}"
        )
    value = _decimal_rational(m.group(2), int(exponent or 0), what)
    return -value if m.group(1) == "-" else value


def exact_float(x: Any) -> sympy.Rational:
    """A float as the exact rational of its shortest round-trip decimal.

    Python floats and numpy floats (any width): the shortest decimal that reads back as the
    same float (``repr``); sympy ``Float``: the shortest decimal that reads back at the Float's own
    precision; mpmath ``mpf``: its exact binary value.  NaN and infinities are refused.

    >>> exact_float(0.1)
    1/10
    >>> exact_float(2.0 ** -3)
    1/8
    """
    if isinstance(x, sympy.Float):
        if not x.is_finite:
            raise HermiteRevError(f"number must be finite, got {x}")
        mpf_, prec = x._mpf_, x._prec
        if mpf_ == mpmath.libmp.fzero:
            return sympy.Integer(0)
        _check_binary_exponent(mpf_, x)
        digits = max(1, int(prec * math.log10(2)) + 2)
        for d in range(1, digits + 1):
            text = mpmath.libmp.to_str(mpf_, d)
            if mpmath.libmp.from_str(text, prec, mpmath.libmp.round_nearest) == mpf_:
                return _rational_from_decimal_text(text, x)
        return sympy.Rational(*_binary_ratio(mpf_))  # pragma: no cover - to_str always round-trips
    if isinstance(x, mpmath.mpf):
        if not mpmath.isfinite(x):
            raise HermiteRevError(f"number must be finite, got {x}")
        _check_binary_exponent(x._mpf_, x)
        return sympy.Rational(*_binary_ratio(x._mpf_))
    if isinstance(x, np.floating):
        if not np.isfinite(x):
            raise HermiteRevError(f"number must be finite, got {x}")
        text = np.format_float_scientific(x, unique=True)
        return _rational_from_decimal_text(text, x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise HermiteRevError(f"number must be finite, got {x!r}")
        return _rational_from_decimal_text(repr(x), x)
    raise HermiteRevError(f"not a float: {short(repr(x), 60)}")


def _check_binary_exponent(mpf_: tuple[int, int, int, int], what: object) -> None:
    sign, man, exp, bc = mpf_
    if abs(exp + bc) > LIMITS["decimal_exponent"] * 4:
        raise HermiteRevError(
            f"number out of range (|exponent| <= {LIMITS['decimal_exponent']} decimal digits): {short(str(what), 60)}"
        )


def _binary_ratio(mpf_: tuple[int, int, int, int]) -> tuple[int, int]:
    sign, man, exp, _ = mpf_
    man, exp = int(man), int(exp)  # mpmath's gmpy2 backend gives mpz, which sympy.Rational refuses
    man = -man if sign else man
    return (man * 2**exp, 1) if exp >= 0 else (man, 2**-exp)


def _check_int_size(v: int, what: object) -> int:
    if v.bit_length() > LIMITS["int_digits"] * 3.33 + 4:
        raise HermiteRevError(f"integer has more than {LIMITS['int_digits']} digits: {short(str(what), 60)}")
    return v


def as_number(value: object, name: str = "value") -> sympy.Expr:
    """An exact, real, finite sympy number from any accepted input.

    Accepts Python ints, floats, Fractions and Decimals, numpy scalars, mpmath ``mpf``, sympy numbers
    and constant expressions (``sqrt(2)``), and strings (parsed by :func:`parse`).  Floats follow the
    float policy of :func:`exact_float`.
    """
    if isinstance(value, str):
        try:
            expr = parse(value, None)
        except HermiteRevError as exc:
            raise HermiteRevError(f"{name} must be a real number, got {name}={short(value, 60)!r} ({exc})") from None
    elif isinstance(value, bool):
        raise HermiteRevError(f"{name} must be a real number, got {name}={value!r}")
    elif isinstance(value, sympy.Basic):
        expr = _prepare(value, None, name)
    else:
        expr = _exact_scalar(value, name)
    if not isinstance(expr, sympy.Expr) or expr.free_symbols:
        raise HermiteRevError(f"{name} must be a real number, got {name}={short(value, 60)}")
    if not _is_real_finite_number(expr):
        raise HermiteRevError(f"{name} must be a real, finite number, got {name}={short(expr, 60)}")
    return expr


def _is_real_finite_number(expr: sympy.Expr) -> bool:
    if expr.is_Rational:
        return True
    try:
        with mpmath.workprec(64):
            v = sympy.N(expr, 15)
    except Exception:
        return False
    return bool(v.is_real and v.is_finite) if v.is_Number else False


def _exact_scalar(value: object, name: str) -> sympy.Rational:
    """A Python/numpy/mpmath scalar as an exact sympy number (or raise)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_, np.datetime64, np.timedelta64)):  # timedelta64 is an Integral
        raise HermiteRevError(f"{name} must be a real number, got {name}={value!r}")
    if isinstance(value, numbers.Integral):
        return sympy.Integer(_check_int_size(int(value), value))
    if isinstance(value, (float, mpmath.mpf)) or isinstance(value, np.floating):
        if not math.isfinite(float(value)) if not isinstance(value, mpmath.mpf) else not mpmath.isfinite(value):
            raise HermiteRevError(f"{name} must be finite, got {name}={value!r}")
        return exact_float(value)
    if isinstance(value, fractions.Fraction):
        _check_int_size(value.numerator, value)
        _check_int_size(value.denominator, value)
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise HermiteRevError(f"{name} must be finite, got {name}={value!r}")
        return _rational_from_decimal_text(str(value), value)
    if isinstance(value, (complex, mpmath.mpc)) or isinstance(value, np.complexfloating):
        raise HermiteRevError(f"{name} must be a real number, got complex {name}={value!r}")
    raise HermiteRevError(f"{name} must be a real number, got {name}={short(repr(value), 60)}")


# --------------------------------------------------------------------------------------------
# the allow-list parser
# --------------------------------------------------------------------------------------------


def _relu(x: sympy.Expr) -> sympy.Expr:
    return sympy.Max(0, x)


def _sigmoid(x: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-x))


def _softplus(x: sympy.Expr) -> sympy.Expr:
    return sympy.log(1 + sympy.exp(x))


def _gelu(x: sympy.Expr) -> sympy.Expr:
    return x * (1 + sympy.erf(x / sympy.sqrt(2))) / 2


def _swish(x: sympy.Expr) -> sympy.Expr:
    return x / (1 + sympy.exp(-x))


#: Functions an expression may call: name -> (sympy callable, number of arguments).
FUNCTIONS = {
    **{
        name: (getattr(sympy, name), 1)
        for name in (
            "sqrt",
            "exp",
            "log",
            "sin",
            "cos",
            "tan",
            "sinh",
            "cosh",
            "tanh",
            "asin",
            "acos",
            "atan",
            "asinh",
            "atanh",
            "erf",
            "erfc",
            "Abs",
            "sign",
            "Heaviside",
        )
    },
    "abs": (sympy.Abs, 1),
    "Max": (sympy.Max, 2),
    "Min": (sympy.Min, 2),
    "max": (sympy.Max, 2),
    "min": (sympy.Min, 2),
    "relu": (_relu, 1),
    "sigmoid": (_sigmoid, 1),
    "softplus": (_softplus, 1),
    "gelu": (_gelu, 1),
    "swish": (_swish, 1),
    "Rational": (sympy.Rational, 2),
    "Integer": (sympy.Integer, 1),
}

#: Named constants.
CONSTANTS = {"pi": sympy.pi, "E": sympy.E}

_DISALLOWED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "conditional expressions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.Starred: "starred arguments",
    ast.Dict: "dictionaries",
    ast.Set: "sets",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}


#: the operators that chain flat: a sum (+ -) or a product (* /) of any length is one level deep
_CHAIN: dict[type, str] = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}


class _Builder:
    """Turn an allow-listed Python ``ast`` into a sympy expression, bounding every size first."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.symbols = {"c": c, "z": z}
        self.constructors = 0  # kernel constructor calls seen

    def fail(self, message: str) -> NoReturn:
        raise HermiteRevError(f"{message} in expression {short(self.text, 80)!r}")

    def build(self, node: Any, depth: int = 0) -> sympy.Expr:  # dispatches on the ast node type
        if depth > LIMITS["nesting"]:
            self.fail(f"expression nested deeper than {LIMITS['nesting']} levels")
        kind = type(node)
        if kind is ast.Constant:
            return self.constant(node)
        if kind is ast.Name:
            return self.name(node)
        if kind is ast.UnaryOp:
            if isinstance(node.op, ast.USub):
                return -self.build(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand, depth + 1)
            self.fail(f"operator {type(node.op).__name__} is not allowed")
        if kind is ast.BinOp:
            return self.binop(node, depth)
        if kind is ast.Call:
            return self.call(node, depth)
        if kind in (ast.List, ast.Tuple):
            self.fail("lists and tuples are allowed only as the coefficients of polynomial([...])")
        what = _DISALLOWED.get(kind, type(node).__name__)
        self.fail(f"{what} not allowed")

    def constant(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            self.fail(f"constant {value!r} not allowed")
        if isinstance(value, (str, bytes)):
            self.fail("string literals not allowed")
        if isinstance(value, complex):
            self.fail("complex numbers not allowed")
        segment = ast.get_source_segment(self.text, node) or repr(value)
        if isinstance(value, int):
            digits = len(segment.replace("_", ""))
            if digits > LIMITS["int_digits"]:
                self.fail(f"integer literal with more than {LIMITS['int_digits']} digits")
            return sympy.Integer(value)
        if isinstance(value, float):
            return _rational_from_decimal_text(segment, segment)
        self.fail(f"constant {short(repr(value), 40)} not allowed")  # pragma: no cover

    def name(self, node: ast.Name) -> sympy.Expr:
        ident = node.id
        if ident in self.symbols:
            return self.symbols[ident]
        if ident in CONSTANTS:
            return CONSTANTS[ident]
        if ident in FUNCTIONS or ident in CONSTRUCTORS:
            self.fail(f"{ident} is a function: call it, e.g. {ident}(...)")
        self.unknown(ident, "name", " (a free symbol: only c, z, pi and E are names)")

    def unknown(self, ident: str, what: str, note: str = "") -> NoReturn:
        known = list(self.symbols) + list(CONSTANTS) + list(FUNCTIONS) + list(CONSTRUCTORS)
        close = difflib.get_close_matches(ident, known, n=1) if len(ident) > 1 else []
        hint = f"; did you mean {close[0]}?" if close else note
        raise HermiteRevError(f"unknown {what} {ident!r}{hint} (in expression {short(self.text, 80)!r})")

    def binop(self, node: ast.BinOp, depth: int) -> sympy.Expr:
        op = type(node.op)
        if op not in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow):
            self.fail(f"operator {op.__name__} not allowed (use + - * / **)")
        if op is ast.Pow:
            base = self.build(node.left, depth + 1)
            expo = self.build(node.right, depth + 1)
            self.check_power(base, expo)
            out = base**expo
            self.check_size(out)
            return out
        # A written-out sum a + b - c + ... is a left-associated chain in the ast, one level deeper
        # per term; it is flat, not deep: its operands count one level, however many there are
        # (walked in a loop, not by recursion).  Likewise a product a * b / c * ...
        group = _CHAIN[op]
        chain = []
        head: ast.expr = node
        while isinstance(head, ast.BinOp) and _CHAIN.get(type(head.op)) == group:
            chain.append((type(head.op), head.right))
            head = head.left
        out = self.build(head, depth + 1)
        if group == "sum":  # rational terms summed as they come (sizes checked), the rest added once
            number, terms = sympy.Integer(0), []
            for step, operand in [(ast.Add, None), *reversed(chain)]:
                term = out if operand is None else self.build(operand, depth + 1)
                term = -term if step is ast.Sub else term
                if term.is_Rational:
                    number += term
                    self.check_size(number)
                else:
                    terms.append(term)
            out = sympy.Add(number, *terms)
            self.check_size(out)
            return out
        for step, operand in reversed(chain):
            right = self.build(operand, depth + 1)
            if step is ast.Mult:
                out = out * right
            else:
                if right == 0:
                    self.fail("division by zero")
                out = out / right
            self.check_size(out)
        return out

    def check_power(self, base: sympy.Expr, expo: sympy.Expr) -> None:
        if base.free_symbols:
            if expo.free_symbols:
                return
            if expo.is_Rational:
                if max(abs(expo.p), abs(expo.q)) > LIMITS["symbolic_exponent"]:
                    self.fail(
                        f"exponent {short(expo, 40)} too large (numerator and denominator at most "
                        f"{LIMITS['symbolic_exponent']})"
                    )
            return
        if expo.free_symbols or not (base.is_Rational and expo.is_Rational):
            if expo.is_Rational and abs(expo) > LIMITS["number_digits"]:
                self.fail(f"exponent {short(expo, 40)} too large (at most {LIMITS['number_digits']})")
            return
        size = max(abs(base.p), abs(base.q))
        if size <= 1:
            return
        digits = abs(expo) * math.log10(size)
        if digits > LIMITS["number_digits"]:
            self.fail(
                f"power {short(base, 30)}**{short(expo, 30)} would have about {float(digits):.3g} digits "
                f"(at most {LIMITS['number_digits']})"
            )

    def check_size(self, value: sympy.Expr) -> None:
        if (value.is_Rational and not value.is_Integer) or value.is_Integer:
            bits = max(abs(value.p).bit_length(), abs(value.q).bit_length())
            if bits > LIMITS["number_digits"] * 3.33:
                self.fail(f"number with more than {LIMITS['number_digits']} digits")

    def call(self, node: ast.Call, depth: int) -> sympy.Expr:
        if not isinstance(node.func, ast.Name):
            self.fail("only calls of named functions are allowed")
        ident = node.func.id
        if ident in CONSTRUCTORS:
            return self.constructor(ident, node, depth)
        if ident not in FUNCTIONS:
            if ident in self.symbols or ident in CONSTANTS:
                self.fail(f"{ident} is not a function")
            self.unknown(ident, "function")
        fn, nargs = FUNCTIONS[ident]
        if node.keywords:
            self.fail(f"{ident}() takes no keyword arguments")
        if len(node.args) != nargs:
            self.fail(f"{ident}() takes {nargs} argument{'s' if nargs > 1 else ''}, got {len(node.args)}")
        args = [self.build(a, depth + 1) for a in node.args]
        if ident in ("Rational", "Integer"):
            if not all(a.is_Integer for a in args):
                self.fail(f"{ident}() takes integer arguments")
            if ident == "Rational" and args[1] == 0:
                self.fail("division by zero")
        out = fn(*args)
        self.check_size(out) if out.is_Number else None
        return out

    def constructor(self, ident: str, node: ast.Call, depth: int) -> sympy.Expr:
        fn = CONSTRUCTORS[ident]
        params = inspect.signature(fn).parameters
        args = [self.constructor_arg(ident, a, depth) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                self.fail("**keyword arguments not allowed")
            if kw.arg not in params:
                close = difflib.get_close_matches(kw.arg, list(params), n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                self.fail(f"{ident}() has no argument {kw.arg!r}{hint}")
            kwargs[kw.arg] = self.constructor_arg(ident, kw.value, depth)
        if len(args) > len(params):
            self.fail(f"{ident}() takes at most {len(params)} arguments, got {len(args)}")
        try:
            out = fn(*args, **kwargs)
        except TypeError as exc:
            self.fail(f"bad arguments for {ident}(): {exc}")
        self.constructors += 1
        # the display label is the call as the user typed it (0.1 stays 0.1, not 1/10)
        return remember(out, " ".join((ast.get_source_segment(self.text, node) or ident).split()))

    def constructor_arg(self, ident: str, node: ast.expr, depth: int) -> Any:
        if isinstance(node, (ast.List, ast.Tuple)):
            if ident != "polynomial":
                self.fail(f"{ident}() takes numbers, not lists")
            if len(node.elts) > LIMITS["taylor_n"]:
                self.fail(f"more than {LIMITS['taylor_n']} coefficients")
            return [self.number_arg(ident, e, depth + 1) for e in node.elts]
        return self.number_arg(ident, node, depth + 1)

    def number_arg(self, ident: str, node: ast.expr, depth: int) -> sympy.Expr:
        value = self.build(node, depth)
        if value.free_symbols:
            self.fail(f"the arguments of {ident}() must be numbers, got {short(value, 40)}")
        return value


def parse(text: str, symbol: sympy.Symbol | None) -> sympy.Expr:
    """Parse ``text`` into a sympy expression in ``symbol`` without executing any of it.

    The text is read by Python's ``ast`` and walked with an allow-list: numbers (decimal literals are
    exact decimals), the names ``c`` and ``z``, ``pi`` and ``E``, ``+ - * / **``, calls of the
    functions in :data:`FUNCTIONS` and of the kernel constructors in :data:`CONSTRUCTORS` (these take
    numbers and keyword arguments; ``polynomial`` a list of numbers).  No string literal, attribute,
    subscript, comprehension, lambda or anything else is accepted, and nothing reaches ``eval`` or
    ``sympify``.  Sizes are bounded before anything is computed (:data:`LIMITS`): ``9**9**9`` is
    refused from the sizes of its operands.  ``symbol=None`` parses a constant.

    Examples
    --------
    >>> parse("relu_ntk(depth=1) + 0.5*exp(c)", c).subs(c, 0)
    1/(2*pi) + 1/2
    >>> parse("relu_nkt(2)", c)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hermite_rev._core.errors.HermiteRevError: unknown function 'relu_nkt'; did you mean relu_ntk? ...
    """
    if not isinstance(text, str):
        raise HermiteRevError(f"expression must be a string or a sympy expression, got {short(repr(text), 60)}")
    if len(text) > LIMITS["text_length"]:
        raise HermiteRevError(f"expression longer than {LIMITS['text_length']} characters ({len(text)})")
    source = text.strip()
    if not source:
        raise HermiteRevError("expression is empty")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise HermiteRevError(f"cannot parse expression {short(source, 80)!r}: {exc.msg}{where}") from None
    except RecursionError:  # Python's own parser: a chain of about 2900 operators is its limit
        raise HermiteRevError(
            f"cannot parse expression {short(source, 80)!r}: too long a chain of operators for Python's "
            f"parser (about 2500 terms of a sum are fine); give a polynomial by its coefficients, "
            f"polynomial([a_0, a_1, ...])"
        ) from None
    except (MemoryError, ValueError) as exc:
        raise HermiteRevError(f"cannot parse expression {short(source, 80)!r}: {type(exc).__name__}") from None
    builder = _Builder(source)
    try:
        expr = builder.build(tree.body)
    except RecursionError:
        raise HermiteRevError(f"expression nested too deeply: {short(source, 80)!r}") from None
    if builder.constructors:  # a kernel built from named ones is labelled with the text as typed
        if label_of(expr) is None:  # a new (sympy-interned) sum or product of them: its own identity
            expr = fresh(expr)
        remember(expr, " ".join(source.split()))
    if symbol is None:
        return expr
    return as_expr(expr, symbol)


# --------------------------------------------------------------------------------------------
# sympy input: exact, DAG-aware, bounded
# --------------------------------------------------------------------------------------------

_NOT_REAL = (sympy.I, sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


def _prepare(expr: sympy.Basic, symbol: sympy.Symbol | None, what: str) -> sympy.Expr:
    """Floats -> exact rationals, same-named symbols identified, non-real atoms and other symbols refused.

    One pass over the distinct nodes (shared sub-expressions once); nodes are rebuilt only where a
    child changed.
    """
    new = {}
    others = set()
    for e in postorder(expr):
        if e.is_Atom:
            if isinstance(e, sympy.Float):
                new[id(e)] = exact_float(e)
            elif e.is_Symbol:
                if symbol is not None and e.name == symbol.name:
                    new[id(e)] = symbol
                else:
                    others.add(e.name)
                    new[id(e)] = e
            elif e in _NOT_REAL or e.is_infinite or (e.is_number and e.is_extended_real is False):
                raise HermiteRevError(f"{what} must be real and finite, got {short(expr, 80)}")
            else:
                new[id(e)] = e
            continue
        args = e.args
        rebuilt = tuple(new[id(a)] for a in args)
        if any(r is not a for r, a in zip(rebuilt, args)):
            try:
                new[id(e)] = e.func(*rebuilt)
            except (TypeError, ValueError) as exc:
                raise HermiteRevError(f"{what} cannot be rebuilt with exact numbers: {exc}") from None
        else:
            new[id(e)] = e
    if others:
        names = ", ".join(sorted(others))
        target = f"the symbol {symbol}" if symbol is not None else "no symbol (a number)"
        raise HermiteRevError(f"{what} may only depend on {target}; found free symbol(s) {names} in {short(expr, 80)}")
    return new[id(expr)]


def as_expr(expr: object, symbol: sympy.Symbol, *, name: str | None = None) -> sympy.Expr:
    """Return ``expr`` as a sympy expression whose only free symbol is ``symbol``.

    Accepts sympy expressions, Python/numpy/mpmath numbers (exact, see :func:`exact_float`) and
    strings (parsed by :func:`parse`, never executed).  A symbol named like ``symbol`` but created
    without assumptions is identified with it.  The work is linear in the number of *distinct* nodes,
    so deep kernels with shared sub-expressions are cheap.
    """
    what = name or ("kernel" if symbol is c else "activation")
    if isinstance(expr, str):
        return parse(expr, symbol)
    if not isinstance(expr, sympy.Basic):
        return _exact_scalar(expr, what)
    if not isinstance(expr, sympy.Expr):
        raise HermiteRevError(f"{what} must be a sympy expression in {symbol}, got {short(expr, 80)}")
    return _prepare(expr, symbol, what)


def exact_number(value: RealLike, name: str, *, positive: bool = False, nonneg: bool = False) -> sympy.Expr:
    """An exact real number (floats become exact rationals, see :func:`as_number`)."""
    x = as_number(value, name)
    sign = exact_sign(x)
    if positive and sign != 1:
        raise HermiteRevError(f"{name} must be positive, got {name}={short(x, 60)}")
    if nonneg and sign == -1:
        raise HermiteRevError(f"{name} must be non-negative, got {name}={short(x, 60)}")
    return x


def exact_sign(x: sympy.Expr) -> int:
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


def coefficient_list(seq: object, name: str = "coefficients") -> list[Any]:
    """A sequence of coefficients (list, tuple, 1-D numpy array, ...) as a list of numbers.

    numpy scalars become Python numbers; floats (Python and numpy) become mpmath numbers from
    their shortest round-trip decimal (``0.1`` is 1/10 to the working precision, the float policy
    of the package); ints, sympy and mpmath numbers are kept.  Anything else raises.
    """
    if isinstance(seq, np.ndarray):
        if seq.ndim != 1:
            raise HermiteRevError(f"{name} must be a 1-D sequence, got an array of shape {seq.shape}")
        seq = seq.tolist()
    if isinstance(seq, (str, bytes, dict)) or not hasattr(seq, "__iter__"):
        raise HermiteRevError(f"{name} must be a sequence of numbers, got {short(repr(seq), 80)}")
    limit = LIMITS["taylor_n"]
    items = list(itertools.islice(cast("Any", seq), limit + 1))  # range(10**12) is not walked
    if len(items) > limit:
        raise HermiteRevError(f"{name} has more than {limit} coefficients: at most {limit} are supported")
    out = []
    for i, v in enumerate(items):
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, bool) or isinstance(v, complex) or not isinstance(v, (numbers.Real, sympy.Basic, mpmath.mpf)):
            raise HermiteRevError(f"{name}[{i}] must be a real number, got {short(repr(v), 80)}")
        if isinstance(v, float):
            if not np.isfinite(v):
                raise HermiteRevError(f"{name}[{i}] must be finite, got {v!r}")
            v = mpmath.mpf(repr(v))
        out.append(v)
    return out


def check_writable(path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """Refuse, before any work, an output file path that cannot be written: a directory, or a
    folder that cannot be created or written.  Missing parent folders are created."""
    path = os.fspath(path)
    shown = short(path, 100)
    if os.path.isdir(path) or path.endswith(("/", os.sep)):
        raise HermiteRevError(
            f"cannot write {shown}: it is a directory; give a file name such as "
            f"{short(os.path.join(path, 'figure.png'), 100)}"
        )
    parent = os.path.dirname(path) or "."
    probe = parent
    while probe and not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if probe and not os.path.isdir(probe):
        raise HermiteRevError(f"cannot write {shown}: {short(probe, 100)} is a file, not a folder")
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise HermiteRevError(f"cannot write {shown}: cannot create its folder ({exc.strerror or exc})") from None
    if not os.access(parent, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise HermiteRevError(f"cannot write {shown}: permission denied")
    return path


def check_writable_dir(path: object, name: str = "out") -> str:
    """Refuse, before any work, an output folder that is empty, not a path, or cannot be created
    or written, with a one-line error naming ``name`` and the value (``paper_figures(out="")``
    was a FileNotFoundError about ``''`` once the work was done).  The folder is created."""
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path).strip():
        raise HermiteRevError(f"{name} must be a folder path such as out/figures, got {name}={short(repr(path), 60)}")
    text = os.fspath(path)
    if isinstance(text, bytes):
        raise HermiteRevError(f"{name} must be a folder path such as out/figures, got {name}={short(repr(path), 60)}")
    if "\x00" in text:
        raise HermiteRevError(f"{name} must not contain a NUL character, got {name}={short(repr(path), 60)}")
    if os.path.exists(text) and not os.path.isdir(text):
        raise HermiteRevError(f"{name}={short(repr(text), 100)} is a file, not a folder")
    try:
        os.makedirs(text, exist_ok=True)
    except OSError as exc:
        raise HermiteRevError(
            f"cannot write {name}={short(repr(text), 100)}: cannot create the folder ({exc.strerror or exc})"
        ) from None
    if not os.access(text, os.W_OK):
        raise HermiteRevError(f"cannot write {name}={short(repr(text), 100)}: permission denied")
    return text
