"""format_value / format_bound: printed digits are correct, bounds never understate."""

import re
from fractions import Fraction

import mpmath
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from hermite_rev._core import text as _text
from hermite_rev._core.text import format_bound, format_value

PAREN = re.compile(r"^(-?)(\d+(?:\.\d+)?)(?:\((\d+)\))?(?:e([+-]\d+))?$")


def parse_paren(text):
    """(x, u) as exact Fractions: the printed number and its uncertainty (0 when none shown)."""
    m = PAREN.match(text)
    assert m, text
    sign, body, u, e = m.groups()
    exp = int(e) if e else 0
    decimals = len(body.split(".")[1]) if "." in body else 0
    x = Fraction(body.replace(".", "")) * Fraction(10) ** (exp - decimals)
    ulp = Fraction(10) ** (exp - decimals)
    return (-x if sign else x), (int(u) * ulp if u else Fraction(0)), ulp


def exact(x):
    sign, man, e, _ = x._mpf_
    return (-1) ** sign * Fraction(int(man)) * Fraction(2) ** e


@settings(max_examples=300, deadline=None)
@given(
    mant=st.integers(-(10**25), 10**25).filter(lambda m: m != 0),
    e=st.integers(-60, 40),
    err_mant=st.integers(1, 999),
    err_e=st.integers(-70, 30),
)
def test_printed_interval_contains_every_value_the_error_allows(mant, e, err_mant, err_e):
    with mpmath.workdps(40):
        v = mpmath.mpf(mant) * mpmath.mpf(10) ** (e - 25)
        err = mpmath.mpf(err_mant) * mpmath.mpf(10) ** (err_e - 3)
    text = format_value(v, err)
    if text.startswith("0 ± "):
        assert abs(exact(v)) <= Fraction(text[4:]) or abs(exact(v)) <= exact(err)
        assert Fraction(text[4:]) >= exact(err)
        return
    x, u, ulp = parse_paren(text)
    if u == 0:  # more precise than 16 digits: plain digits, off by at most half a unit plus err < ulp
        assert exact(err) < ulp
        assert abs(exact(v) - x) <= ulp / 2
        assert len(PAREN.match(text).group(2).replace(".", "").lstrip("0")) <= 16
        return
    assert exact(err) + abs(exact(v) - x) <= u  # [v - err, v + err] inside [x - u, x + u]
    assert u <= exact(err) + ulp * Fraction(3, 2)  # and no wider than the error plus rounding
    assert ulp <= exact(err) * Fraction(11, 10)  # no digit printed below the error (rounded up to 2 digits)


def test_exact_zero_and_indistinguishable_from_zero():
    assert format_value(0) == "0"
    assert format_value(sympy.Integer(0)) == "0"
    assert format_value(mpmath.mpf(0), 0) == "0"
    assert format_value(mpmath.mpf(0), 1e-30) == "0 ± 1e-30"  # a zero midpoint is not an exact zero
    assert format_value(mpmath.mpf("-5.8e-54"), 1e-50) == "0 ± 1e-50"  # floats are their shortest decimal
    assert format_value(mpmath.mpf("-5.8e-54"), mpmath.mpf("1e-50")) == "0 ± 2e-50"  # binary 1e-50 is above 1e-50
    assert format_value(-5.8e-54) == "-5.8e-54"  # not zero and exact: printed as it is


def test_examples_from_the_issue():
    with mpmath.workdps(30):
        a1 = mpmath.mpf("0.88612947428021342706428")
    assert format_value(a1, 8e-11) == "0.88612947428(9)"
    assert format_value(a1, 3e-12, style="pm") == "0.886129474280 ± 4e-12"
    assert format_value(a1, 6e-32) == "0.8861294742802134"  # digits cap: all shown are correct
    assert format_value(a1, 6e-32, digits=25) == "0.8861294742802134270642800"


def test_exact_numbers_and_scientific_notation():
    assert format_value(sympy.Rational(1, 3), digits=5) == "0.33333"
    assert format_value(sympy.sqrt(2), digits=8) == "1.4142136"
    assert format_value(1.2345e-20, 1e-24) == "1.2345(1)e-20"
    assert format_value(mpmath.mpf("-123456789012345678"), 1000) == "-1.23456789012346(2)e+17"
    assert format_value(mpmath.mpf("9.9996"), mpmath.mpf("0.001")) == "10.000(2)"


@settings(max_examples=200, deadline=None)
@given(mant=st.integers(1, 10**20), e=st.integers(-40, 40), digits=st.integers(1, 6))
def test_format_bound_rounds_up(mant, e, digits):
    b = Fraction(mant) * Fraction(10) ** e
    text = format_bound(mpmath.mpf(mant) * mpmath.mpf(10) ** e if False else b, digits)
    shown = Fraction(text)
    assert shown >= b
    assert shown <= b * (1 + Fraction(10) ** (1 - digits))


def test_bad_arguments():
    with pytest.raises(ValueError, match="style"):
        format_value(1.0, 0.1, style="latex")
    with pytest.raises(ValueError, match="digits"):
        format_value(1.0, 0.1, digits=0)


def test_docstring_examples():
    import doctest

    result = doctest.testmod(_text)
    assert result.attempted > 0 and result.failed == 0


def test_bounds_beyond_4300_digits_format():
    # before: _floor_log10 wrote the integers as decimal strings (Python refuses more than 4300 digits)
    tiny = Fraction(1, 3 * 10**5000)
    assert format_bound(tiny, 3) == "3.34e-5001"
    assert format_bound(Fraction(7 * 10**6000, 3), 2) == "2.4e+6000"
    assert format_bound(mpmath.mpf("1.5e-4400"), 2) == "1.5e-4400"
