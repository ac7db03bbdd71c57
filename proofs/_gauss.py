"""Exact Gaussian expectations of polynomials, shared by the proof checks.

E[u^a w^b] for independent standard normals u, w is (a-1)!! (b-1)!! when a, b are even and 0
otherwise; a correlated pair is written v = c u + sqrt(1 - c^2) w.
"""

import sympy


def moment(a):
    """E[Z^a] for Z ~ N(0, 1): (a-1)!! for even a, else 0."""
    return sympy.factorial2(a - 1) if a % 2 == 0 else sympy.Integer(0)


def expect(poly_expr, gens):
    """E[p(g_1, ..., g_m)] for independent standard normals g_i (p a polynomial)."""
    p = sympy.Poly(sympy.expand(poly_expr), *gens)
    total = sympy.Integer(0)
    for monom, coef in p.terms():
        term = coef
        for a in monom:
            term *= moment(a)
        total += term
    return sympy.expand(total)
