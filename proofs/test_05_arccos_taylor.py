"""Executable check of proofs/05_arccos_taylor.md."""

import sympy

import hermite_rev as hr

c = hr.c
m = sympy.Symbol("m", integer=True, nonnegative=True)


def k0_coeff(k):
    if k == 0:
        return sympy.Rational(1, 2)
    if k % 2 == 0:
        return sympy.Integer(0)
    mm = (k - 1) // 2
    return sympy.binomial(2 * mm, mm) / (4**mm * (2 * mm + 1) * sympy.pi)


def k1_coeff(k):
    if k == 0:
        return 1 / sympy.pi
    if k == 1:
        return sympy.Rational(1, 2)
    if k % 2:
        return sympy.Integer(0)
    mm = (k - 2) // 2
    return sympy.binomial(2 * mm, mm) / (4**mm * (2 * mm + 1) * (2 * mm + 2) * sympy.pi)


def test_binomial_series_coefficient_general_m():
    lhs = sympy.binomial(-sympy.Rational(1, 2), m) * (-1) ** m
    rhs = sympy.binomial(2 * m, m) / 4**m
    ratio = sympy.combsimp(sympy.gammasimp((lhs / rhs).rewrite(sympy.gamma)))
    assert sympy.simplify(sympy.powsimp(sympy.expand_power_exp(ratio), force=True)) == 1


def _acos_to_asin(e):
    return e.subs(sympy.acos(c), sympy.pi / 2 - sympy.asin(c))


def test_k1_derivative_identity():
    F = sympy.sqrt(1 - c**2) + c * sympy.asin(c)
    assert sympy.simplify(sympy.diff(F, c) - sympy.asin(c)) == 0
    assert F.subs(c, 0) == 1
    # the kernel as built by the toolkit is this closed form
    assert sympy.expand(_acos_to_asin(hr.kernels.arccos(1)) - (F + sympy.pi / 2 * c) / sympy.pi) == 0
    assert sympy.expand(_acos_to_asin(hr.kernels.arccos(0)) - (sympy.Rational(1, 2) + sympy.asin(c) / sympy.pi)) == 0


def test_closed_forms_against_exact_taylor_to_degree_60():
    n = 60
    a0 = hr.taylor(hr.kernels.arccos(0), n, exact=True)
    a1 = hr.taylor(hr.kernels.arccos(1), n, exact=True)
    for k in range(n):
        assert sympy.simplify(a0[k] - k0_coeff(k)) == 0, k
        assert sympy.simplify(a1[k] - k1_coeff(k)) == 0, k
        assert k0_coeff(k) >= 0 and k1_coeff(k) >= 0


def test_closed_forms_against_sympy_series():
    for K, coeff in ((hr.kernels.arccos(0), k0_coeff), (hr.kernels.arccos(1), k1_coeff)):
        ser = sympy.series(K, c, 0, 12).removeO()
        for k in range(12):
            assert sympy.simplify(ser.coeff(c, k) - coeff(k)) == 0
