"""Precision contexts and conversions between python-flint balls and mpmath (a leaf).

Index
-----
flint_ctx       python-flint's precision and series cap in a ``with`` block, restored on exit
to_mpf          the midpoint of a ball as an mpmath number
rad             the radius of a ball, rounded up (a bound stays a bound)
abs_lower       a lower bound of |x| over a ball
rel_bits        relative accuracy of a ball in bits
coeff0          the constant term of an ``arb_series``
sqrt_err        error bound of sqrt(a / k1) from an error bound of a
arb_exact       an mpmath number as an exact ball
acb_analytic    a function of FUNCTION_NAMES on complex boxes, NaN unless analytic on the box
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import flint
import mpmath

__all__ = ["flint_ctx", "to_mpf", "rad", "abs_lower", "rel_bits", "coeff0", "sqrt_err", "arb_exact", "acb_analytic"]


@contextlib.contextmanager
def flint_ctx(prec_bits: int, cap: int) -> Iterator[None]:
    """python-flint's working precision (bits) and series cap, restored on exit."""
    old_prec, old_cap = flint.ctx.prec, flint.ctx.cap
    flint.ctx.prec, flint.ctx.cap = prec_bits, cap
    try:
        yield
    finally:
        flint.ctx.prec, flint.ctx.cap = old_prec, old_cap


def to_mpf(x: flint.arb) -> mpmath.mpf:
    """The midpoint of an arb ball as an mpmath number (rounded to mpmath's precision)."""
    man, exp = x.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


def rad(x: flint.arb) -> mpmath.mpf:
    """The radius of an arb ball, rounded up to a 64-bit mpmath number (so it still bounds)."""
    man, exp = x.rad().man_exp()
    with mpmath.workprec(64):
        return mpmath.mpf((int(man), int(exp)), rounding="u")


def abs_lower(x: flint.arb) -> mpmath.mpf:
    """A lower bound of |y| over the ball (0 when it contains 0)."""
    if x.contains(0):
        return mpmath.mpf(0)
    man, exp = x.abs_lower().man_exp()
    with mpmath.workprec(64):
        return mpmath.mpf((int(man), int(exp)), rounding="d")


def rel_bits(x: flint.arb) -> float:
    """Relative accuracy of a ball in bits (inf for exact, -inf when it contains 0 and isn't 0)."""
    if x.is_exact():
        return math.inf
    if x.contains(0):
        return -math.inf
    return x.rel_accuracy_bits()


def coeff0(s: flint.arb_series) -> flint.arb:
    """Constant term of an arb_series (flint drops trailing zeros, so a zero series has none)."""
    cs = s.coeffs()
    return cs[0] if cs else flint.arb(0)


def sqrt_err(a: Any, err: Any, k1: Any) -> mpmath.mpf:
    """Error bound of sqrt(a / k1) given |a - a_true| <= err, a_true >= 0 (rounding not included).

    ``|sqrt(x) - sqrt(y)| = |x - y| / (sqrt(x) + sqrt(y))`` with ``a_true >= a - err``, and
    ``|sqrt(x) - sqrt(y)| <= sqrt(|x - y|)``.
    """
    if err == 0:
        return mpmath.mpf(0)
    lin = err / (mpmath.sqrt(k1) * (mpmath.sqrt(a) + mpmath.sqrt(a - err))) if a > err else mpmath.inf
    return min(lin, mpmath.sqrt(err / k1))


def arb_exact(x: Any) -> flint.arb:
    """An mpmath number (or anything ``mpmath.mpf`` accepts exactly) as an exact arb ball."""
    sign, man, exp, _ = mpmath.mpf(x)._mpf_
    if not man:
        return flint.arb(0)
    out = flint.arb(int(man)) * flint.arb(2) ** int(exp)
    return -out if sign else out


#: branch cuts on the real axis, |x| >= 1
_REAL_CUT = ("asin", "acos", "atanh")
#: branch cuts on the imaginary axis, |y| >= 1
_IMAG_CUT = ("atan", "asinh")


def acb_analytic(name: str) -> Any:
    """The function ``name`` (a value of :data:`hermite_rev._core.exprs.FUNCTION_NAMES`) on
    complex boxes, returning NaN unless it is analytic on the whole box.

    Entire functions (exp, sin, cos, sinh, cosh, erf, erfc) are python-flint's; meromorphic ones
    (tan, tanh) are too, since a rigorous enclosure over a box that contains a pole cannot be
    finite.  A branch cut is not visible in a finite enclosure (the values on both sides are
    bounded), so it is checked: ``log`` with python-flint's ``analytic=True`` (NaN where the box
    touches (-inf, 0]), asin / acos / atanh where the box meets the real axis outside (-1, 1),
    atan / asinh where it meets the imaginary axis outside (-i, i).
    """
    f = getattr(flint.acb, name)
    if name == "log":
        return lambda v: v.log(analytic=True)
    if name in _REAL_CUT:

        def real_cut(v: Any) -> Any:
            if v.imag.contains(0) and not abs(v.real) < 1:
                return flint.acb(flint.arb.nan(), flint.arb.nan())
            return f(v)

        return real_cut
    if name in _IMAG_CUT:

        def imag_cut(v: Any) -> Any:
            if v.real.contains(0) and not abs(v.imag) < 1:
                return flint.acb(flint.arb.nan(), flint.arb.nan())
            return f(v)

        return imag_cut
    return f
