"""Executable check of proofs/09_reverse_hyperparameters.md."""

import pytest
import sympy

import hermite_rev as hr
from hermite_rev.hermite import rescale_matrix

z, c = hr.z, hr.c
g1, g2, r, rho = sympy.symbols("g1 g2 r rho", real=True)
SW, SB, SWL, SBL = sympy.Rational(3, 2), sympy.Rational(1, 2), sympy.Integer(2), sympy.Rational(1, 3)
PHI = z**3 / 5 - z**2 / 2 + z + sympy.Rational(1, 4)


def _pair_exact(f, g, q):
    u = sympy.sqrt(q) * g1
    v = sympy.sqrt(q) * (rho * g1 + r * g2)
    poly = sympy.Poly(sympy.expand(f.subs(z, u) * g.subs(z, v)), g1, g2)
    from proofs._gauss import moment

    total = sum(coef * moment(a) * moment(b) for (a, b), coef in poly.terms())
    return sympy.expand(sympy.expand(total).subs(r, sympy.sqrt(1 - rho**2)))


def _betas(phi, q, n):
    psi = sympy.expand(phi.subs(z, sympy.sqrt(q) * z))
    return [sympy.simplify(x) for x in hr.hermite_coeffs(psi, n, exact=True).exact]


def test_kernel_formulas_against_exact_gaussian_expectations():
    q = SW**2 + SB**2
    b = _betas(PHI, q, 6)
    dphi = sympy.diff(PHI, z)
    Ephi, Edphi = _pair_exact(PHI, PHI, q), _pair_exact(dphi, dphi, q)
    # Lemma
    assert sympy.expand(Ephi - sum(bk**2 * rho**k for k, bk in enumerate(b))) == 0
    assert sympy.expand(q * Edphi - sum((k + 1) * b[k + 1] ** 2 * rho**k for k in range(5))) == 0
    # NTK parameterization
    nngp = SBL**2 + SWL**2 * Ephi
    ntk = nngp + SWL**2 * q * rho * Edphi
    assert sympy.expand(ntk - SBL**2 - SWL**2 * sum((k + 1) * bk**2 * rho**k for k, bk in enumerate(b))) == 0
    # standard parameterization: N E[phi phi] + swl^2 (d c + 1) E[phi' phi'] + 1, c = (q rho - sb^2)/sw^2
    N, d = 7, 3
    cc = (q * rho - SB**2) / SW**2
    std = 1 + N * Ephi + SWL**2 * (d * cc + 1) * Edphi
    s = [bk**2 for bk in b] + [0]
    alpha = [N + SWL**2 * d * j / SW**2 for j in range(6)]
    gamma = [SWL**2 * (1 - d * SB**2 / SW**2) * (j + 1) / q for j in range(6)]
    coeffs = sympy.Poly(std, rho).all_coeffs()[::-1] + [0] * 7
    for j in range(6):
        assert sympy.simplify(coeffs[j] - (1 if j == 0 else 0) - alpha[j] * s[j] - gamma[j] * s[j + 1]) == 0


def test_multiplication_theorem():
    s = sympy.Symbol("s", positive=True)
    R = rescale_matrix(9, s, exact=True)
    for m in range(9):
        lhs = hr.hermite_norm(m).subs(z, s * z)
        rhs = sum(R[m][j] * hr.hermite_norm(j) for j in range(9))
        assert sympy.expand(lhs - rhs) == 0


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_exact_family_contains_the_activation(kind):
    q = SW**2 + SB**2
    b = _betas(PHI, q, 4)
    rho_c = (SW**2 * c + SB**2) / q
    weight = (lambda k: 1) if kind == "nngp" else (lambda k: k + 1)
    K = sympy.expand(SBL**2 + SWL**2 * sum(weight(k) * bk**2 * rho_c**k for k, bk in enumerate(b)))
    fam = hr.reverse(K, kind, n=4, dps=30, exact=True, sigma_w=SW, sigma_b=SB, sigma_w_last=SWL, sigma_b_last=SBL)
    assert fam.count() == 16
    exprs = [sympy.expand(act.expr_monomial) for act in fam.members()]
    assert any(sympy.simplify(e - PHI) == 0 for e in exprs)
    want = hr.taylor(K, 4, dps=25)
    for act in fam.members():  # every member has kernel K with these hyperparameters
        got = hr.kernel_of(
            act.expr, kind, depth=1, sigma_w=SW, sigma_b=SB, sigma_w_last=SWL, sigma_b_last=SBL, n=4, dps=25
        )
        assert all(abs(x - y) < 1e-18 for x, y in zip(got, want))


def test_unreachable_kernels_name_the_coefficient():
    with pytest.raises(hr.NotAKernelError, match="beta_0"):  # c re-expanded has a negative constant
        hr.reverse(c, "nngp", n=3, sigma_w=1, sigma_b=sympy.Rational(1, 2))
    with pytest.raises(hr.NotAKernelError, match="beta_0"):  # the readout bias alone exceeds K(0)
        hr.reverse(c + sympy.Rational(1, 10), "ntk", n=3, sigma_b_last=1)
