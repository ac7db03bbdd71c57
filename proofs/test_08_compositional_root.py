"""Executable check of proofs/08_compositional_root.md."""

import mpmath
import pytest
import sympy

import hermite_rev as hr

c = hr.c


def truncate(expr, order):
    if order is None:
        return sympy.expand(expr)
    poly = sympy.Poly(sympy.expand(expr), c)
    return sum(co * c**k for (k,), co in poly.terms() if k <= order)


def iterate(f, L, order=None):
    """f o ... o f (L times), coefficients of c^k for k <= order (all when None)."""
    g = c
    for _ in range(L):
        g = truncate(f.subs(c, g), order)
    return g


def ntk(f, L, order=None):
    """N_L[f] = Sigma_L + Theta_L of the proof (readout 1), to c^order."""
    df = sympy.diff(f, c)
    S, T = c, sympy.Integer(0)
    for _ in range(L):
        T = truncate((S + T) * df.subs(c, S), order)
        S = truncate(f.subs(c, S), order)
    return truncate(S + T, order)


@pytest.mark.parametrize("p, L", [(1, 2), (1, 3), (2, 2), (2, 3), (3, 2)])
def test_lemma2_lowest_exponent_and_leading_coefficient(p, L):
    k = sympy.Symbol("k", positive=True)
    k2 = sympy.Symbol("k2", positive=True)
    f = k * c**p + k2 * c ** (p + 1)
    e = L if p == 1 else sum(p**i for i in range(L))
    F = iterate(f, L)
    assert min(sympy.Poly(F, c).monoms())[0] == p**L
    assert sympy.simplify(F.coeff(c, p**L) - k**e) == 0
    N = ntk(f, L)
    lead = sympy.factor(N.coeff(c, p**L))
    assert min(sympy.Poly(N, c).monoms())[0] == p**L
    C = sympy.simplify(lead / k**e)
    assert C.is_number and C > 0


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
@pytest.mark.parametrize("p, L, J", [(1, 2, 4), (1, 3, 3), (2, 2, 3)])
def test_lemma3_triangular_affine_positive_slope(kind, p, L, J):
    ks = sympy.symbols(f"k{p}:{p + J + 1}", positive=True)
    f = sum(kk * c ** (p + i) for i, kk in enumerate(ks))
    order = p**L + J
    F = iterate(f, L, order) if kind == "nngp" else ntk(f, L, order)
    for j in range(1, J + 1):
        coeff = sympy.expand(F.coeff(c, p**L + j))
        later = set(ks[j + 1 :])
        assert not (coeff.free_symbols & later)  # no kappa_{p+i}, i > j
        assert sympy.degree(coeff, ks[j]) == 1  # affine in kappa_{p+j}
        D = sympy.expand(coeff.coeff(ks[j], 1))
        assert D != 0 and all(t.could_extract_minus_sign() is False for t in sympy.Add.make_args(D))
        if kind == "nngp" and p == 1:
            lam = ks[0]
            want = sum(lam ** (L - 1 - i) * lam ** ((j + 1) * i) for i in range(L))
            assert sympy.expand(D - want) == 0


def all_solutions(eqs, ks):
    """Every real solution of the coefficient equations, unknown by unknown (all branches kept)."""
    sols = [{}]
    for eq, k in zip(eqs, ks):
        nxt = []
        for sol in sols:
            e = sympy.expand(eq.subs(sol))
            assert e.free_symbols <= {k}, "equation m involves a later unknown"
            for v in sympy.solve(e, k):
                if v.is_real:
                    nxt.append({**sol, k: sympy.radsimp(v)})
        sols = nxt
    return sols


def test_uniqueness_and_moebius_root():
    # c/(2 - c) at depth 2: the coefficient equations have exactly one solution with kappa_1 > 0
    n = 5
    ks = sympy.symbols(f"k1:{n}", real=True)
    f = sum(kk * c ** (i + 1) for i, kk in enumerate(ks))
    K = sympy.series(c / (2 - c), c, 0, n).removeO()
    F = iterate(f, 2, n - 1)
    eqs = [F.coeff(c, m) - K.coeff(c, m) for m in range(1, n)]
    sols = [s for s in all_solutions(eqs, ks) if s[ks[0]].is_positive]
    assert len(sols) == 1
    lam = 1 / sympy.sqrt(2)
    moebius = lam * c / (1 - (1 - lam) * c)
    want = sympy.series(moebius, c, 0, n).removeO()
    for i in range(n - 1):
        assert sympy.simplify(sols[0][ks[i]] - want.coeff(c, i + 1)) == 0
    # Lemma 4: the root has kappa(1) = 1 (and it is non-negative)
    assert sympy.simplify(moebius.subs(c, 1) - 1) == 0
    # the same root from hermite_rev's ball arithmetic (an independent computation)
    fam = hr.deep_reverse(c / (2 - c), 2, n=n + 1)
    mpmath.mp.dps = 40
    for i in range(n - 1):
        assert abs(fam.report.root[i + 1] - mpmath.mpf(sympy.N(want.coeff(c, i + 1), 30))) < 1e-25


def test_exact_root_equals_sympy_solution():
    kappa = (c + 2 * c**2 + c**4) / 4
    K = iterate(kappa, 2)
    n = 6
    ks = sympy.symbols(f"k1:{n}", real=True)
    f = sum(kk * c ** (i + 1) for i, kk in enumerate(ks))
    F = iterate(f, 2, n - 1)
    eqs = [F.coeff(c, m) - K.coeff(c, m) for m in range(1, n)]
    sols = [s for s in all_solutions(eqs, ks) if s[ks[0]].is_positive]
    assert len(sols) == 1
    fam = hr.deep_reverse(K, 2, n=n + 1)
    assert fam.report.method == "exact root"
    assert list(fam.report.dual_exact[1:n]) == [sols[0][kk] for kk in ks]


def test_odd_kernel_has_odd_root():
    fam = hr.deep_reverse(sympy.tan(c), 2, n=10, dps=20)
    assert fam.report.method == "ball root"
    assert all(k % 2 == 1 for k in fam.nonzero)
    assert all(abs(fam.report.root[k]) < 1e-25 for k in range(0, 10, 2))
