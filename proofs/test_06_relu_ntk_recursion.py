"""Executable check of proofs/06_relu_ntk_recursion.md."""

from fractions import Fraction

import mpmath
import sympy

import hermite_rev as hr

c = hr.c


def _recursion_at_one(depth, sw2, sb2):
    S, T = Fraction(1), Fraction(0)
    for _ in range(depth):
        S = sw2 * S + sb2
        T = S + sw2 * T
        S, T = S / 2, T / 2  # relu at rho = 1: E[relu^2] = q/2, E[relu'^2] = 1/2
    return S, S + T  # readout Dense(1, 0)


def test_value_507_exact():
    S, T = _recursion_at_one(4, Fraction(2), Fraction(1, 100))
    assert T == Fraction(507, 100) and S == Fraction(102, 100)
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    assert sympy.nsimplify(sympy.simplify(K.subs(c, 1))) == sympy.Rational(507, 100)
    assert sympy.nsimplify(
        sympy.simplify(hr.kernels.relu_nngp(4, sympy.sqrt(2), sympy.Rational(1, 10)).subs(c, 1))
    ) == sympy.Rational(102, 100)


def _recursion(x, depth, sw2, sb2):
    S, T, q = x, mpmath.mpf(0), mpmath.mpf(1)
    for _ in range(depth):
        S, q = sw2 * S + sb2, sw2 * q + sb2
        T = S + sw2 * T
        rho = S / q
        th = mpmath.acos(rho)
        S = q / (2 * mpmath.pi) * (mpmath.sqrt(1 - rho**2) + (mpmath.pi - th) * rho)
        T = T * (mpmath.pi - th) / (2 * mpmath.pi)
        q = q / 2
    return S, S + T


def test_recursion_against_toolkit_kernels():
    with mpmath.workdps(30):
        for depth in (1, 2, 3, 4):
            for sw2, sb2 in ((mpmath.mpf(2), mpmath.mpf("0.01")), (mpmath.mpf(1), mpmath.mpf(0))):
                sw = sympy.sqrt(sympy.nsimplify(str(sw2)))
                sb = sympy.sqrt(sympy.nsimplify(str(sb2)))
                Kn = sympy.lambdify(c, hr.kernels.relu_nngp(depth, sw, sb), "mpmath")
                Kt = sympy.lambdify(c, hr.kernels.relu_ntk(depth, sw, sb), "mpmath")
                for x in ("-0.9", "-0.5", "0", "0.3", "0.8"):
                    S, T = _recursion(mpmath.mpf(x), depth, sw2, sb2)
                    assert mpmath.almosteq(Kn(mpmath.mpf(x)), S, 1e-25)
                    assert mpmath.almosteq(Kt(mpmath.mpf(x)), T, 1e-25)


def test_relu_duals_are_mehler_series():
    n = 400
    relu = hr.hermite_coeffs(sympy.Max(0, hr.z), n, dps=30)
    step = hr.hermite_coeffs(sympy.Heaviside(hr.z), n, dps=30)
    with mpmath.workdps(30):
        for rho in (mpmath.mpf("-0.6"), mpmath.mpf("0.25"), mpmath.mpf("0.6")):
            th = mpmath.acos(rho)
            nngp = (mpmath.sqrt(1 - rho**2) + (mpmath.pi - th) * rho) / (2 * mpmath.pi)
            deriv = (mpmath.pi - th) / (2 * mpmath.pi)
            assert mpmath.almosteq(mpmath.fsum(b**2 * rho**k for k, b in enumerate(relu)), nngp, 1e-25)
            assert mpmath.almosteq(mpmath.fsum(b**2 * rho**k for k, b in enumerate(step)), deriv, 1e-25)
