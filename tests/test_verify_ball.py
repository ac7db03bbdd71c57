"""verify.quadrature_kernel(method="ball"): proven NNGP / NTK values, checked two independent ways.

The proven quadrature (Gauss-Legendre panels with Bernstein-ellipse error bounds, no series)
must contain the closed forms (relu: arc-cosine kernel; erf: Williams' arcsine kernel) evaluated by mpmath at higher
precision, and agree with the series route (``hr.kernel_of``, proven Hermite coefficients and a
tail bound) within both bounds.
"""

import copy
import functools
import pickle
from fractions import Fraction

import mpmath
import pytest
import sympy

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


@functools.cache
def series(name, kind, dps, depth, sw, sb):
    return hr.kernel_of(name, kind, depth=depth, n=30 if depth == 1 else 60, dps=dps, sigma_w=sw, sigma_b=sb)


def series_value(name, kind, c, dps, depth=1, sigma_w=1, sigma_b=0):
    a = series(name, kind, dps, depth, sigma_w, sigma_b)
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
    with pytest.raises(ValueError, match="pass dps"):
        verify.quadrature_kernel("relu", cs=[0.5], method="ball", dps=None)


SW, SB = sympy.sqrt(2), sympy.Rational(1, 10)
CLOSED = {
    ("relu", "nngp"): hr.kernels.relu_nngp,
    ("relu", "ntk"): hr.kernels.relu_ntk,
    ("erf", "nngp"): hr.kernels.erf_nngp,
    ("erf", "ntk"): hr.kernels.erf_ntk,
}


def check_deep(name, kind, cs, dps, depth):
    """Deep kernels with sigma_w = sqrt 2, sigma_b = 1/10: inside the closed form's ball (relu,
    erf), or within both bounds of the series route (tanh, gelu)."""
    kv = verify.quadrature_kernel(name, kind, cs, dps=dps, method="ball", depth=depth, sigma_w=SW, sigma_b=SB)
    assert kv.rigorous and f"depth={depth}" in kv.method
    with mpmath.workdps(dps + 20):
        for x, v, e in zip(cs, kv.values, kv.errors):
            assert e < mpmath.mpf(10) ** (4 - dps)
            if (name, kind) in CLOSED:
                expr = CLOSED[(name, kind)](depth=depth, sigma_w=SW, sigma_b=SB)
                ref, rerr = hr.series.evaluate_at(expr, sympy.nsimplify(repr(x)), dps=dps + 10)
                assert abs(v - ref) <= e + rerr, (name, kind, depth, x)
            else:
                s, serr, _ = series_value(name, kind, x, dps, depth, sigma_w=SW, sigma_b=SB)
                assert abs(v - s) <= e + serr, (name, kind, depth, x)


@pytest.mark.parametrize(("name", "kind"), [("relu", "ntk"), ("erf", "nngp")])
def test_deep_ball_quadrature_contains_closed_forms_fast(name, kind):
    check_deep(name, kind, [-1, 0.4, 1], 12, 2)


def test_deep_tanh_ball_quadrature_agrees_with_series_fast():
    check_deep("tanh", "ntk", [-0.3, 1], 10, 2)


@pytest.mark.slow
@pytest.mark.parametrize("depth", [2, 3])
@pytest.mark.parametrize(("name", "kind"), [("relu", "ntk"), ("erf", "ntk"), ("tanh", "ntk"), ("gelu", "nngp")])
def test_deep_ball_quadrature_at_seven_cosines(name, kind, depth):
    check_deep(name, kind, CS7, 30, depth)


def test_ball_expectations_match_closed_forms_with_ball_parameters():
    """E[relu(u) relu(v)] and E[phi^2] with q, rho as balls enclose the arc-cosine values."""
    from flint import arb

    from hermite_rev._core.exprs import z
    from hermite_rev._core.precision import flint_ctx
    from hermite_rev.verify._ball_quad import ball_expectation

    with flint_ctx(120, 16):
        q, rho = arb(3) / 2, arb(1) / 3
        v = ball_expectation(sympy.Max(z, 0), [0.0], rho, q, 20)
        r = rho.mid()
        exact = q * ((1 - r * r).sqrt() + (arb.pi() - r.acos()) * r) / (2 * arb.pi())
        assert v.overlaps(exact) and v.rad() < 1e-18
        assert ball_expectation(sympy.Max(z, 0), [0.0], arb(1), q, 20, rho_exact=1).overlaps(q / 2)
