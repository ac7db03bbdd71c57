"""Text for people: numbers printed with the digits their error allows.

Index
-----
format_value    a value with its error bound: ``0.8861294742(8)``, ``0 ± 3e-31``, exact ``0`` as ``0``
format_bound    an upper bound rounded *up* to a few digits (a printed bound never understates)
short           any object (a deep kernel too) as one line of at most ``limit`` characters
REPR_LIMIT      the longest ``repr`` of a result object (400 characters: a REPL echo stays readable)
exact_str       an mpmath number as a decimal string that reads back to the same binary value
json_ready      a payload in plain JSON types, losing nothing

Error messages are one readable line: an embedded expression is printed with :func:`short`,
which collapses whitespace and keeps the first and last characters of a long text around a
marker that says how long it was.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from numbers import Integral
from typing import Any

import mpmath
import numpy as np
import sympy

from .exprs import count_nodes

__all__ = ["format_bound", "format_value", "short", "exact_str", "json_ready", "REPR_LIMIT"]

#: The longest ``repr`` of a result object: every result type's ``__repr__`` ends in
#: ``short(text, REPR_LIMIT)``, and names its kernel by its label (a depth-4 kernel's own text has
#: about 9400 characters).
REPR_LIMIT = 400


def _to_fraction(x: Any, digits: int = 40) -> Fraction:
    """``x`` as an exact Fraction: mpf exactly (binary), a float as its shortest round-trip
    decimal (the package's convention for floats), sympy rationals exactly, other sympy numbers
    to ``digits`` digits."""
    if isinstance(x, bool):
        raise TypeError(f"expected a number, got {x!r}")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, Integral):
        return Fraction(int(x))
    if isinstance(x, float):
        return Fraction(Decimal(repr(x)))
    if isinstance(x, mpmath.mpf):
        sign, man, exp, _ = x._mpf_
        man = -int(man) if sign else int(man)
        return Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2 ** (-exp))

    if isinstance(x, sympy.Basic):
        if x.is_Rational:
            return Fraction(int(x.p), int(x.q))
        return Fraction(Decimal(str(sympy.N(x, digits))))
    return Fraction(Decimal(repr(float(x))))


def _finite(x: Any) -> bool:
    return not isinstance(x, (float, mpmath.mpf)) or (not math.isnan(float(x)) and not math.isinf(float(x)))


def _floor_log10(x: Fraction) -> int:
    """floor(log10(x)) for a Fraction x > 0, exactly (from the bit lengths: no decimal string of
    a huge integer, which Python refuses beyond 4300 digits)."""
    bits = x.numerator.bit_length() - x.denominator.bit_length()
    e = math.floor(bits * 0.3010299956639812)  # log10(2); within one decade of the answer
    while Fraction(10) ** e > x:
        e -= 1
    while Fraction(10) ** (e + 1) <= x:
        e += 1
    return e


def _ceil(q: Fraction) -> int:
    return -((-q.numerator) // q.denominator)


def _round_half_even(q: Fraction) -> int:
    f = q.numerator // q.denominator
    r = q - f
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and f % 2):
        f += 1
    return f


def _is_exact_zero(x: Any) -> bool:
    if isinstance(x, (Integral, float, Fraction, mpmath.mpf)) and not isinstance(x, bool):
        return x == 0
    return getattr(x, "is_zero", False) is True


def _digits_string(m: int, p: int, sci: bool) -> tuple[str, str]:
    """The decimal text of the integer ``m`` >= 0 times 10**p, fixed or scientific."""
    s = str(m)
    if sci:
        e10 = len(s) - 1 + p
        mant = s[0] + ("." + s[1:] if len(s) > 1 else "")
        return mant, f"e{e10:+d}" if e10 else ""
    if p >= 0:
        return s + "0" * p, ""
    s = s.rjust(-p + 1, "0")
    return s[:p] + "." + s[p:], ""


def format_value(value: Any, error: Any = None, *, digits: int = 16, style: str = "paren") -> str:
    r"""``value`` with only the digits its absolute error bound ``error`` allows.

    The printed number ``x`` and uncertainty ``u`` (in units of the last digit) satisfy
    :math:`|\mathrm{true} - x| \le u \cdot 10^{p}` whenever
    :math:`|\mathrm{true} - \mathrm{value}| \le \mathrm{error}` (the rounding of ``value`` to
    the last printed digit is included in ``u``).

    Parameters
    ----------
    value : int, float, mpmath.mpf or sympy number
    error : number or None
        Absolute error bound; ``None`` or 0 for an exact value.
    digits : int
        At most this many significant digits (an exact or very precise value is rounded to
        ``digits``, with no uncertainty shown: every printed digit is then correct up to the
        usual half unit of rounding).
    style : {"paren", "pm"}
        ``0.8861294742(8)`` or ``0.8861294742 ± 8e-10``.

    Returns
    -------
    str
        ``"0"`` for an exact zero (error 0 or None); ``"0 ± 3e-31"`` for a value that its error
        does not distinguish from 0.

    Examples
    --------
    >>> import mpmath
    >>> format_value(mpmath.mpf("0.886129474280213427"), 3e-11)
    '0.88612947428(4)'
    >>> format_value(mpmath.mpf("0.886129474280213427"), 3e-11, style="pm")
    '0.88612947428 ± 4e-11'
    >>> format_value(mpmath.mpf("-5.8e-54"), 1e-50)
    '0 ± 1e-50'
    >>> format_value(0), format_value(mpmath.mpf(0), 0), format_value(mpmath.mpf(0), 1e-30)
    ('0', '0', '0 ± 1e-30')
    >>> format_value(mpmath.mpf(2) / 3, 0, digits=6)
    '0.666667'
    >>> format_value(mpmath.mpf("9.9207513586e-1287"), mpmath.mpf("3e-1297"))
    '9.9207513586(4)e-1287'
    """
    if style not in ("paren", "pm"):
        raise ValueError(f"style must be 'paren' or 'pm', got style={style!r}")
    if not isinstance(digits, Integral) or isinstance(digits, bool) or digits < 1:
        raise ValueError(f"digits must be a positive integer, got digits={digits!r}")
    if _is_exact_zero(value) and (error is None or _is_exact_zero(error)):
        return "0"
    if not _finite(value):
        return str(float(value))
    if error is not None and not _finite(error):
        return f"{format_value(value, None, digits=3)} ± {float(error)}"
    v = _to_fraction(value, int(digits) + 10)
    err = Fraction(0) if error is None else abs(_to_fraction(error))
    if err:  # round the bound up to 2 significant digits: binary noise (9.99..e-25 for 1e-24) never shifts a digit
        q = Fraction(10) ** (_floor_log10(err) - 1)
        err = _ceil(err / q) * q
    if abs(v) <= err:
        return "0 ± " + format_bound(err, 1)
    e10 = _floor_log10(abs(v))
    p_cap = e10 - int(digits) + 1  # last digit allowed by ``digits``
    p_err = _floor_log10(err) if err > 0 else None
    p = p_cap if p_err is None or p_err < p_cap else p_err
    scaled = v / Fraction(10) ** p
    m = _round_half_even(scaled)
    if p == p_cap and len(str(abs(m))) > int(digits):  # 9.99.. rounded up to 10.0..: one digit too many
        p += 1
        scaled = v / Fraction(10) ** p
        m = _round_half_even(scaled)
    if m == 0:  # |v| < 10^p / 2: nothing significant survives the error
        return "0 ± " + format_bound(err, 1)
    # the printed digits miss the true value by at most err + |rounding|, in units of 10^p
    u = _ceil(err / Fraction(10) ** p + abs(scaled - m))
    sign = "-" if m < 0 else ""
    m = abs(m)
    lead = len(str(m)) - 1 + p  # exponent of the leading printed digit (after any carry 9.99 -> 10.0)
    # scientific when the last digit sits left of the point (100(1) would be ambiguous)
    body, expo = _digits_string(m, p, not (-5 <= lead < 15) or p > 0)
    if p_err is None or p_err < p:  # precise beyond ``digits`` (after any carry): plain rounded digits
        if err == 0 and "." in body:  # exact: trailing zeros say nothing
            body = body.rstrip("0").rstrip(".")
        return f"{sign}{body}{expo}"
    if style == "paren":
        return f"{sign}{body}({u}){expo}"
    return f"{sign}{body}{expo} ± {format_bound(Fraction(u) * Fraction(10) ** p, 1)}"


def format_bound(bound: Any, digits: int = 3) -> str:
    """An upper bound with ``digits`` significant digits, rounded up (never below ``bound``).

    Examples
    --------
    >>> import mpmath
    >>> format_bound(mpmath.mpf("0.41341"), 3), format_bound(1.234170001, 6), format_bound(0)
    ('0.414', '1.23418', '0')
    >>> format_bound(mpmath.mpf("2.9e-31"), 1)
    '3e-31'
    """
    if not _finite(bound):
        return str(float(bound))
    b = _to_fraction(bound)
    if b == 0:
        return "0"
    neg = b < 0
    b = abs(b)
    p = _floor_log10(b) - int(digits) + 1
    scaled = b / Fraction(10) ** p
    # round away from the bound's side: up for a positive bound, towards 0 for a negative one
    m = scaled.numerator // scaled.denominator if neg else _ceil(scaled)
    s = str(m)
    e10 = len(s) - 1 + p
    if -5 <= e10 < 15:
        body, _ = _digits_string(m, p, False)
        if "." in body:
            body = body.rstrip("0").rstrip(".")
        return ("-" if neg else "") + body
    mant = s[0] + ("." + s[1:] if len(s) > 1 else "")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return ("-" if neg else "") + f"{mant}e{e10:+d}"


def short(expr: object, limit: int = 120) -> str:
    """``str(expr)`` on one line, abbreviated to at most ``limit`` characters.

    Whitespace runs (newlines included) become one space; a text longer than ``limit`` keeps
    its first and last characters around ``" ... [N chars] ... "``.

    Parameters
    ----------
    expr : object
        A sympy expression, a string, or anything with a ``str``.  A sympy DAG with more than 400
        distinct nodes is never printed (its tree form can be astronomically long): it shows as
        ``<expression with more than 400 distinct nodes, head Add>``.
    limit : int
        Largest length of the result (at least 40).

    Examples
    --------
    >>> short("exp(c)")
    'exp(c)'
    >>> s = short("+".join(["c"] * 200), limit=60)
    >>> len(s) <= 60, s[:10]
    (True, 'c+c+c+c+c+')
    """
    limit = max(int(limit), 40)
    text = " ".join((expr if isinstance(expr, str) else _safe_str(expr)).split())
    if len(text) <= limit:
        return text
    marker = f" ... [{len(text)} chars] ... "
    keep = limit - len(marker)
    head = (keep + 1) // 2
    tail = keep - head
    return text[:head] + marker + (text[-tail:] if tail > 0 else "")


def _safe_str(obj: object) -> str:
    if isinstance(obj, sympy.Basic):
        n = count_nodes(obj, 400)
        if n >= 400:  # printing a large DAG as a tree can be astronomically long
            return f"<expression with more than 400 distinct nodes, head {type(obj).__name__}>"
    try:
        return str(obj)
    except Exception:  # pragma: no cover - a broken __str__
        return f"<{type(obj).__name__}>"


def exact_str(x: Any, dps: int = 15) -> str:
    """An mpmath number as a decimal string that loses nothing: at least ``dps + 3`` significant
    digits and enough for all bits of its mantissa (``ceil(bits log10 2) + 1``), so it reads back
    to the same binary value at the precision it was computed at; trailing zeros are dropped
    (``0.3515625`` stays exact).  Other values as ``str``."""
    if not isinstance(x, mpmath.mpf):
        return str(x)
    if not mpmath.isfinite(x):
        return "nan" if mpmath.isnan(x) else ("inf" if x > 0 else "-inf")
    bits = max(int(x._mpf_[1]).bit_length(), 1)
    digits = max(int(bits * 0.30103) + 2, int(dps) + 3)
    with mpmath.workdps(digits + 5):
        return mpmath.nstr(x, digits, min_fixed=-5, max_fixed=0)


def json_ready(obj: Any) -> Any:
    """The payload in plain JSON types, losing nothing: mpmath numbers become decimal strings at
    their full precision, non-finite floats the strings ``"inf"``, ``"-inf"``, ``"nan"`` (JSON has no
    Infinity/NaN), numpy values Python values, sympy objects their text."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_ready(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, mpmath.mpf):
        if not mpmath.isfinite(obj):
            return "nan" if mpmath.isnan(obj) else ("inf" if obj > 0 else "-inf")
        return exact_str(obj)
    return str(obj)
