"""Executable check of proofs/07_funk_hecke.md."""

import sympy

from hermite_rev.spectrum import funk_hecke_power, multiplicity

j, k, d = sympy.symbols("j k d", positive=True, integer=True)


def closed(j, k, d):
    return (
        sympy.factorial(j)
        * sympy.gamma(d / sympy.Integer(2))
        * sympy.gamma((j - k + 1) / sympy.Integer(2))
        / (2**k * sympy.factorial(j - k) * sympy.sqrt(sympy.pi) * sympy.gamma((j + k + d) / sympy.Integer(2)))
    )


def test_recurrences_symbolic():
    ratio = sympy.gammasimp(closed(j + 2, k, d) / closed(j, k, d))
    assert sympy.simplify(ratio - (j + 2) * (j + 1) / ((j - k + 2) * (j + k + d))) == 0
    diag_step = sympy.gammasimp(closed(k + 1, k + 1, d) / closed(k, k, d))
    assert sympy.simplify(diag_step - (k + 1) / (2 * k + d)) == 0
    assert sympy.simplify(closed(0, 0, d)) == 1


def _moment(m, dd):
    if m % 2:
        return sympy.Integer(0)
    return (
        sympy.gamma(sympy.Rational(dd, 2))
        * sympy.gamma(sympy.Rational(m + 1, 2))
        / (sympy.sqrt(sympy.pi) * sympy.gamma(sympy.Rational(m + dd, 2)))
    )


def test_exhaustive_against_gegenbauer_moments():
    t = sympy.Symbol("t")
    for dd in range(2, 8):
        lam = sympy.Rational(dd - 2, 2)
        for kk in range(10):
            P = sympy.chebyshevt(kk, t) if dd == 2 else sympy.gegenbauer(kk, lam, t) / sympy.gegenbauer(kk, lam, 1)
            poly = sympy.Poly(sympy.expand(P), t)
            for jj in range(10):
                direct = sympy.nsimplify(sum(coef * _moment(jj + mon[0], dd) for mon, coef in poly.terms()))
                got = funk_hecke_power(jj, kk, dd)
                assert got == direct, (jj, kk, dd)
                if jj >= kk and (jj - kk) % 2 == 0:
                    assert got == sympy.nsimplify(closed(jj, kk, dd))


def test_mercer_sum_is_one():
    for dd in range(2, 8):
        for jj in range(10):
            assert sum(multiplicity(dd, kk) * funk_hecke_power(jj, kk, dd) for kk in range(jj + 1)) == 1
