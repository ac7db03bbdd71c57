"""Executable check of proofs/04_reverse_engineering.md."""

import itertools

import pytest
import sympy

import hermite_rev as hr
from hermite_rev.hermite import kernel_from_hermite

c = hr.c
A = [sympy.Rational(3, 2), 0, sympy.Rational(1, 3), sympy.Rational(2, 7), 0, sympy.Rational(1, 11)]


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_solutions_of_the_coefficient_equations_are_the_sign_family(kind):
    b = sympy.symbols(f"b0:{len(A)}", real=True)
    weight = (lambda k: 1) if kind == "nngp" else (lambda k: k + 1)
    lhs = sympy.Poly(sum(weight(k) * bk**2 * c**k for k, bk in enumerate(b)), c)
    rhs = sympy.Poly(sum(a * c**k for k, a in enumerate(A)), c)
    eqs = [lhs.coeff_monomial(c**k) - rhs.coeff_monomial(c**k) for k in range(len(A))]
    sols = sympy.solve(eqs, b, dict=True)
    m = sum(1 for a in A if a != 0)
    assert len(sols) == 2**m
    mags = [sympy.sqrt(a / weight(k)) for k, a in enumerate(A)]
    want = {tuple(s * g for s, g in zip(signs, mags)) for signs in itertools.product((1, -1), repeat=len(A))}
    got = {tuple(sympy.nsimplify(sol[bk]) for bk in b) for sol in sols}
    assert got == {tuple(sympy.nsimplify(x) for x in w) for w in want}


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_reverse_family_is_complete_and_exact(kind):
    K = sum(a * c**k for k, a in enumerate(A))
    fam = hr.reverse(K, kind=kind, n=len(A), exact=True)
    m = sum(1 for a in A if a != 0)
    assert fam.count() == 2**m and fam.nonzero == (0, 2, 3, 5)
    members = list(fam.members())
    assert len({tuple(act.exact) for act in members}) == 2**m
    for act in members:
        back = kernel_from_hermite(list(act.exact), kind)
        assert [sympy.nsimplify(sympy.expand(x)) for x in back] == A


def test_negative_coefficient_is_not_a_kernel():
    with pytest.raises(hr.NotAKernelError, match="a_1"):
        hr.reverse(1 - c / 3, kind="nngp", n=3)
