"""Executable check of proofs/01_mehler.md."""

import sympy

from hermite_rev.hermite import hermite_norm

from ._gauss import expect, moment

c = sympy.Symbol("c", real=True)
u, w = sympy.symbols("u w", real=True)


def test_generating_function_identity_symbolic():
    s, t = sympy.symbols("s t", real=True)
    cc = sympy.Symbol("cc", positive=True)  # correlation in (0, 1); the identity is polynomial in c
    v = cc * u + sympy.sqrt(1 - cc**2) * w
    density = sympy.exp(-(u**2 + w**2) / 2) / (2 * sympy.pi)
    integrand = sympy.exp(s * u - s**2 / 2 + t * v - t**2 / 2) * density
    inner = sympy.integrate(integrand, (w, -sympy.oo, sympy.oo), conds="none")
    outer = sympy.integrate(sympy.simplify(inner), (u, -sympy.oo, sympy.oo), conds="none")
    assert sympy.simplify(outer - sympy.exp(cc * s * t)) == 0


def _moment_table(D):
    """M[a][b] = E[u^a v^b] as a polynomial in c (v = c u + r w, r^2 = 1 - c^2, w independent)."""
    one_minus = sympy.Poly(1 - c**2, c)
    M = [[None] * (D + 1) for _ in range(D + 1)]
    for a in range(D + 1):
        for b in range(D + 1):
            total = sympy.Poly(0, c)
            for i in range(b + 1):  # v^b = sum_i binom(b, i) (c u)^i (r w)^(b-i)
                if (b - i) % 2 or (a + i) % 2:
                    continue
                term = sympy.binomial(b, i) * moment(a + i) * moment(b - i)
                total += sympy.Poly(term * c**i, c) * one_minus ** ((b - i) // 2)
            M[a][b] = total
    return M


def test_mehler_exhaustive_to_degree_10():
    D = 10
    M = _moment_table(D)
    # h_k = He_k / sqrt(k!): check the normalization, then work with integer coefficients
    for k in range(D + 1):
        assert sympy.expand(hermite_norm(k, u) * sympy.sqrt(sympy.factorial(k)) - sympy.hermite_prob(k, u)) == 0
    coeffs = [sympy.Poly(sympy.hermite_prob(k, u), u).all_coeffs()[::-1] for k in range(D + 1)]
    for j in range(D + 1):
        for k in range(D + 1):
            got = sympy.Poly(0, c)
            for a, x in enumerate(coeffs[j]):
                for b, y in enumerate(coeffs[k]):
                    if x != 0 and y != 0:
                        got += M[a][b] * (x * y)
            want = sympy.Poly(sympy.factorial(k) * c**k if j == k else 0, c)  # = sqrt(j! k!) delta c^k
            assert got == want, (j, k, got)


def test_mehler_fails_for_unnormalized_hermite():
    # the check can fail: He_k without 1/sqrt(k!) gives k! c^k, not c^k
    v = c * u + sympy.sqrt(1 - c**2) * w
    He3u, He3v = sympy.hermite_prob(3, u), sympy.expand(sympy.hermite_prob(3, v))
    assert sympy.expand(expect(He3u * He3v, (u, w))) == 6 * c**3
