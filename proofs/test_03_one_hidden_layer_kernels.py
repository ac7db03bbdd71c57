"""Executable check of proofs/03_one_hidden_layer_kernels.md."""

import mpmath
import sympy

import hermite_rev as hr
from hermite_rev.hermite import hermite_norm
from hermite_rev.kernels import deep_kernels

from ._gauss import moment

c = hr.c
u = sympy.Symbol("u", real=True)
D = 6
b = sympy.symbols(f"b0:{D + 1}", real=True)


def _gauss_pair(p, q):
    """E[p(u) q(v)] for polynomials p, q with corr(u, v) = c (moments; r^2 = 1 - c^2)."""
    P = sympy.Poly(p, u).all_coeffs()[::-1]
    Q = sympy.Poly(q, u).all_coeffs()[::-1]
    total = 0
    for a, x in enumerate(P):
        for bb, y in enumerate(Q):
            for i in range(bb + 1):
                if (bb - i) % 2 or (a + i) % 2:
                    continue
                total += (
                    x
                    * y
                    * sympy.binomial(bb, i)
                    * c**i
                    * (1 - c**2) ** ((bb - i) // 2)
                    * moment(a + i)
                    * moment(bb - i)
                )
    return sympy.expand(total)


def test_nngp_and_ntk_symbolic_coefficients():
    phi = sum(bk * hermite_norm(k, u) for k, bk in enumerate(b))
    nngp = _gauss_pair(phi, phi)
    dphi = sympy.diff(phi, u)
    deriv = _gauss_pair(dphi, dphi)
    assert sympy.expand(nngp - sum(bk**2 * c**k for k, bk in enumerate(b))) == 0
    ntk_direct = sympy.expand(nngp + c * deriv)
    assert sympy.expand(ntk_direct - sum((k + 1) * bk**2 * c**k for k, bk in enumerate(b))) == 0

    # the same through the toolkit's neural-tangents layer maps
    def dual(rho, q):
        assert q == 1
        return nngp.subs(c, rho), deriv.subs(c, rho)

    nngp_nt, ntk_nt = deep_kernels(dual, 1)
    assert sympy.expand(nngp_nt - nngp) == 0
    assert sympy.expand(ntk_nt - ntk_direct) == 0


def test_relu_closed_form_vs_hermite_squares():
    n = 24
    hc = hr.hermite_coeffs(sympy.Max(0, hr.z), n, dps=30)
    ntk = hr.kernel_of(sympy.Max(0, hr.z), "ntk", n=n, dps=30)
    nngp = hr.kernel_of(sympy.Max(0, hr.z), "nngp", n=n, dps=30)
    with mpmath.workdps(30):
        for k in range(n):
            assert mpmath.almosteq(nngp[k], hc[k] ** 2, 1e-25, 1e-28), k
            assert mpmath.almosteq(ntk[k], (k + 1) * hc[k] ** 2, 1e-25, 1e-28), k
