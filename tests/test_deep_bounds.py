"""Deep generic kernels keep bounds that mean something (kernel_of at depth 4).

The truncation bounds of each layer's dual series, fed through the next layers' power series,
used to outgrow the mass they bound (softplus NTK depth 4: a coefficient error of 3e16 for a
kernel whose K(1) is 7.9; GELU at n = 160: 1e67).  Each coefficient is now also capped by
non-negativity and K(1).  The oracle here is independent of the series: the layer recursion
of the NNGP/NTK at one cosine by 2D Gauss-Hermite quadrature in float64.
"""

import math

import mpmath
import numpy as np
import pytest
import sympy
from scipy.special import erf, expit, roots_hermitenorm

import hermite_rev as hr

SW, SB = sympy.Rational(3, 2), sympy.Rational(1, 10)

ACTS = {
    "softplus": (lambda x: np.logaddexp(0.0, x), expit),
    "gelu": (
        lambda x: x * (1 + erf(x / math.sqrt(2))) / 2,
        lambda x: (1 + erf(x / math.sqrt(2))) / 2 + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi),
    ),
}


def _oracle(phi, dphi, depth, c, sw2=2.25, sb2=0.01, nodes=160):
    """NNGP and NTK at cosine c of the depth-`depth` net (kernels' conventions, readout 1, 0)."""
    x, w = roots_hermitenorm(nodes)
    w = w / w.sum()
    X, Y = np.meshgrid(x, x, indexing="ij")
    W = np.outer(w, w)
    q, q12 = sw2 + sb2, sw2 * c + sb2
    theta = q12  # pre-activation NTK of layer 1
    for layer in range(depth):
        rho = q12 / q
        u = math.sqrt(q) * X
        v = math.sqrt(q) * (rho * X + math.sqrt(max(0.0, 1 - rho * rho)) * Y)
        e12 = float(np.sum(W * phi(u) * phi(v)))
        d12 = float(np.sum(W * dphi(u) * dphi(v)))
        e11 = float(np.sum(w * phi(math.sqrt(q) * x) ** 2))
        post_theta = theta * d12
        if layer == depth - 1:
            return e12, e12 + post_theta
        q, q12 = sw2 * e11 + sb2, sw2 * e12 + sb2
        theta = q12 + sw2 * post_theta


@pytest.mark.parametrize("name", sorted(ACTS))
def test_depth4_bounds_are_tight_and_hold(name):
    phi, dphi = ACTS[name]
    cval = 0.5
    nngp_ref, ntk_ref = _oracle(phi, dphi, 4, cval)
    for kind, ref in (("nngp", nngp_ref), ("ntk", ntk_ref)):
        tc = hr.kernel_of(name, kind, depth=4, sigma_w=SW, sigma_b=SB, n=40, dps=20)
        assert tc.rigorous
        assert tc.max_error < 1e-10, (name, kind, tc.max_error)
        assert tc.tail.bound < 1e-2 * tc.tail.k1, (name, kind, tc.tail)
        with mpmath.workdps(30):
            value = mpmath.fsum(a * mpmath.mpf(cval) ** k for k, a in enumerate(tc))
            radius = mpmath.fsum(e * mpmath.mpf(cval) ** k for k, e in enumerate(tc.errors))
            radius += tc.tail.bound * mpmath.mpf(cval) ** tc.n  # a_k >= 0: the tail at c is <= c^n * tail(1)
        assert abs(float(value) - ref) <= float(radius) + 1e-11 * abs(ref), (name, kind, value, ref, radius)


def test_coefficient_intervals_of_two_truncations_overlap():
    """n = 24 and n = 48 come from different truncations; their proven intervals must overlap."""
    a = hr.kernel_of("softplus", "ntk", depth=3, sigma_w=SW, sigma_b=SB, n=24, dps=20)
    b = hr.kernel_of("softplus", "ntk", depth=3, sigma_w=SW, sigma_b=SB, n=48, dps=20)
    for k in range(24):
        assert abs(a[k] - b[k]) <= a.errors[k] + b.errors[k], k


def test_polynomial_member_at_depth_3_keeps_its_variance_recursion():
    """A Hermite-series member has exact E[phi^2] at every layer; the next layer's variance must
    follow it even after a layer whose variance was carried as a ball (a stale ball gave
    K(1) = 3.7e7 instead of 5.3e49 and a negative tail bound)."""
    from numpy.polynomial.hermite_e import hermegauss

    fam = hr.reverse(hr.kernels.relu_ntk(depth=2), kind="ntk", n=10, dps=20)
    act = fam.activation([(-1) ** k for k in range(len(fam.nonzero))])
    sw2, sb2 = 1.69, 0.04
    x, w = hermegauss(40)  # exact for the degree-18 integrands
    w = w / w.sum()
    phi = np.vectorize(lambda t: float(act(t)))
    q = sw2 + sb2
    for _layer in range(3):
        second = float(np.sum(w * phi(np.sqrt(q) * x) ** 2))
        q = sw2 * second + sb2
    tc = hr.kernel_of(
        act.expr, "nngp", depth=3, sigma_w=sympy.Rational("1.3"), sigma_b=sympy.Rational("0.2"), n=60, dps=20
    )
    assert abs(float(tc.tail.k1) - second) <= 1e-10 * second
    assert tc.tail.bound >= 0
