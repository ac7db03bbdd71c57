"""verify.quadrature_kernel(method="ball"): proven NNGP / NTK values, checked two independent ways.

The proven quadrature (nested python-flint ``acb.integral``, no series) must contain the closed
forms (relu: arc-cosine kernel; erf: Williams' arcsine kernel) evaluated by mpmath at higher
precision, and agree with the series route (``hr.kernel_of``, proven Hermite coefficients and a
tail bound) within both bounds.
"""

import copy
import pickle
from fractions import Fraction

import mpmath
import pytest

import hermite_rev as hr
from hermite_rev import verify

CS7 = [-1, -0.75, -0.3, 0, 0.4, 0.8, 1]
CS_FAST = [-1, 0.4, 1]


def exact(c):
    """The cosine as quadrature_kernel reads it: the decimal typed, exactly (0.4 is 2/5)."""
    f = Fraction(repr(c))
    return mpmath.mpf(f.numerator) / f.denominator


def closed_form(name, kind, c):
    c = exact(c)
    if name == "relu":
        nngp = (mpmath.sqrt(1 - c * c) + (mpmath.pi - mpmath.acos(c)) * c) / (2 * mpmath.pi)
        dot = (mpmath.pi - mpmath.acos(c)) / (2 * mpmath.pi)
    else:  # erf, q = 1
        nngp = 2 / mpmath.pi * mpmath.asin(2 * c / 3)
        dot = 4 / (mpmath.pi * mpmath.sqrt(9 - 4 * c * c))
    return nngp + (c * dot if kind == "ntk" else 0)


def series_value(name, kind, c, dps):
    a = hr.kernel_of(name, kind, depth=1, n=30, dps=dps)
    with mpmath.workdps(dps + 10):
        v = mpmath.fsum(x * exact(c) ** k for k, x in enumerate(a))
        err = mpmath.fsum(a.errors) + a.tail.bound
    return v, err, a.tail.rigorous


def check(name, kind, cs, dps):
    kv = verify.quadrature_kernel(name, kind, cs, dps=dps, method="ball")
    assert kv.rigorous and kv.method.startswith("ball(") and len(kv) == len(cs)
    with mpmath.workdps(dps + 20):
        for x, v, e in zip(cs, kv.values, kv.errors):
            assert e < mpmath.mpf(10) ** (3 - dps)  # proven to about dps digits
            if name in ("relu", "erf"):
                assert abs(v - closed_form(name, kind, x)) <= e, (name, kind, x)
            s, serr, _ = series_value(name, kind, x, dps)
            assert abs(v - s) <= e + serr, (name, kind, x)
    return kv


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
@pytest.mark.parametrize("name", ["relu", "tanh"])
def test_ball_quadrature_is_proven_and_agrees_fast(name, kind):
    check(name, kind, CS_FAST, 12)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["nngp", "ntk"])
@pytest.mark.parametrize("name", ["relu", "tanh", "erf"])
def test_ball_quadrature_at_seven_cosines(name, kind):
    check(name, kind, CS7, 30)


def test_ball_kernel_values_are_values():
    kv = verify.quadrature_kernel("relu", "nngp", [0.5], dps=10, method="ball")
    assert pickle.loads(pickle.dumps(kv)) == kv and copy.deepcopy(kv) == kv and kv.rigorous


def test_cs_strings_and_ball_limits_are_one_line_errors():
    with pytest.raises(ValueError, match="cs must be numbers.*'0.5'"):
        verify.quadrature_kernel("relu", cs="0.5")
    with pytest.raises(ValueError, match="depth=1 only"):
        verify.quadrature_kernel("relu", cs=[0.5], method="ball", depth=2)
    with pytest.raises(ValueError, match="pass dps"):
        verify.quadrature_kernel("relu", cs=[0.5], method="ball", dps=None)
