"""Executable check of proofs/02_hermite_derivative.md."""

import random

import mpmath
import sympy

from hermite_rev import Activation
from hermite_rev.hermite import hermite_norm

z, s = sympy.symbols("z s", real=True)


def test_generating_function_derivative_symbolic():
    G = sympy.exp(s * z - s**2 / 2)
    assert sympy.simplify(sympy.diff(G, z) - s * G) == 0
    # and G really generates He_k: its Taylor coefficients in s are He_k / k! (to degree 12)
    ser = sympy.series(G, s, 0, 13).removeO()
    for k in range(13):
        assert sympy.expand(ser.coeff(s, k) * sympy.factorial(k) - sympy.hermite_prob(k, z)) == 0


def test_derivative_exhaustive_to_degree_30():
    for k in range(1, 31):
        assert (
            sympy.expand(
                sympy.diff(hermite_norm(k), sympy.Symbol("z", real=True)) - sympy.sqrt(k) * hermite_norm(k - 1)
            )
            == 0
        ), k


def test_activation_derivative_matches_sympy():
    rng = random.Random(5)
    b = [sympy.Rational(rng.randint(-9, 9), rng.randint(1, 9)) for _ in range(8)]
    act = Activation(coeffs=[mpmath.mpf(x.p) / x.q for x in b], dps=30, exact=tuple(b))
    dphi = sympy.diff(act.expr, act.expr.free_symbols.pop())
    assert sympy.expand(act.derivative().expr - dphi) == 0
