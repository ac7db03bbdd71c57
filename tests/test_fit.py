"""Tests of hermite_rev.fit: closed-form Hermite coefficients (against hr.hermite_coeffs), the exact
kernel of a form (closed form vs. series vs. Monte Carlo), Jacobians (vs. finite differences),
and the kernel-space fit."""

import math

import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev import fit

BASES = [
    (fit.ReLU(), (1.3, 0.4)),
    (fit.ReLU(), (-0.7, -1.2)),
    (fit.Cos(), (0.7, 2.1, 0.3)),
    (fit.Sin(), (0.5, 1.5, 0.2)),
    (fit.Erf(), (0.8, 1.2, 0.3)),
    (fit.Poly(3), (0.1, -0.3, 0.25, 0.05)),
]


@pytest.mark.parametrize("basis,p", BASES, ids=lambda v: repr(v))
def test_hermite_coeffs_match_core(basis, p):
    b = basis.coeffs(np.array(p, dtype=float), 14)
    ref = hr.hermite_coeffs(basis.expr(p), 14, dps=20)
    np.testing.assert_allclose(b, [float(v) for v in ref.values], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("basis,p", BASES, ids=lambda v: repr(v))
def test_jacobian_matches_finite_differences(basis, p):
    p = np.array(p, dtype=float)
    J = basis.jacobian(p, 20)
    for j in range(p.size):
        h = 1e-6
        e = np.zeros_like(p)
        e[j] = h
        fd = (basis.coeffs(p + e, 20) - basis.coeffs(p - e, 20)) / (2 * h)
        np.testing.assert_allclose(J[:, j], fd, rtol=1e-6, atol=1e-8)


def test_relu_closed_form_kernel_two_ways():
    # closed form vs. the Hermite series (|c| <= 0.9, where 3000 terms converge) ...
    t = 0.4
    cs = np.array([-0.9, -0.3, 0.0, 0.5, 0.9])
    I, L, dI, dL = fit._relu_pair(t, cs)
    r = fit.ReLU().coeffs((1.0, t), 3000)
    k = np.arange(3000)
    np.testing.assert_allclose(I, [np.sum(r * r * c**k) for c in cs], atol=1e-14)
    dr = np.sqrt(k + 1.0) * np.r_[r[1:], 0.0]
    np.testing.assert_allclose(L, [np.sum(dr * dr * c**k) for c in cs], atol=1e-14)
    # ... and the ends: c = 1 gives E[(Z-t)_+^2] = (1+t^2) Phi(-t) - t phi(t); c = -1 gives 0 for t > 0
    I1, L1, _, _ = fit._relu_pair(t, np.array([1.0, -1.0]))
    phi, Phi = math.exp(-t * t / 2) / math.sqrt(2 * math.pi), 0.5 * math.erfc(t / math.sqrt(2))
    assert abs(I1[0] - ((1 + t * t) * Phi - t * phi)) < 1e-15 and abs(L1[0] - Phi) < 1e-15
    assert abs(I1[1]) < 1e-15 and abs(L1[1]) < 1e-15
    # t = 0 is the arc-cosine kernel of order 1 / 2 (2 E[u_+ v_+] = k_1)
    c0 = np.array([-0.6, 0.2, 0.7])
    I0, _, _, _ = fit._relu_pair(0.0, c0)
    arc = hr.kernels.arccos(1)
    np.testing.assert_allclose(2 * I0, [float(arc.subs(hr.c, v)) for v in c0], atol=1e-15)
    # t-derivatives vs. finite differences
    h = 1e-6
    Ip, Lp, _, _ = fit._relu_pair(t + h, cs)
    Im, Lm, _, _ = fit._relu_pair(t - h, cs)
    np.testing.assert_allclose(dI, (Ip - Im) / (2 * h), atol=1e-8)
    np.testing.assert_allclose(dL, (Lp - Lm) / (2 * h), atol=1e-8)


def test_form_kernel_monte_carlo_and_jacobian():
    form = fit.paper_form()
    p = np.array([1.5, 0.3, 0.2, 0.4, 0.6, 1.7, 0.5])
    cs = np.array([-1.0, -0.5, 0.0, 0.4, 0.95, 1.0])
    K, J = form.kernel(p, cs, "ntk", jacobian=True)
    # Monte Carlo: E[phi(u)phi(v)] + c E[phi'(u)phi'(v)]
    rng = np.random.default_rng(0)
    u = rng.standard_normal(400_000)
    w = rng.standard_normal(400_000)
    a, t, c0, c1, e, f, g = p
    phi = lambda x: a * np.maximum(x - t, 0) + c0 + c1 * x + e * np.cos(f * x + g)
    dphi = lambda x: a * (x > t) + c1 - e * f * np.sin(f * x + g)
    for c, k in zip(cs, K):
        v = c * u + math.sqrt(1 - c * c) * w
        mc = np.mean(phi(u) * phi(v) + c * dphi(u) * dphi(v))
        assert abs(mc - k) < 0.03 * abs(k) + 0.02, (c, mc, k)
    # at c = 1 the NTK is E[phi^2] + E[phi'^2]; the Hermite series sums to it (two independent ways)
    b = form.hermite(p, 4000)
    series1 = np.sum((np.arange(4000) + 1.0) * b * b)
    assert abs(series1 - K[-1]) < 2e-2 * K[-1]  # the series converges like n^{-1/2}
    from scipy.integrate import quad

    g2 = lambda x: (phi(x) ** 2 + dphi(x) ** 2) * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    total = sum(quad(g2, lo, hi, epsabs=1e-13, epsrel=1e-13, limit=200)[0] for lo, hi in ((-14, t), (t, 14)))
    assert abs(total - K[-1]) < 1e-10
    # Jacobian vs finite differences
    for j in range(p.size):
        h = 1e-6
        dp = np.zeros_like(p)
        dp[j] = h
        fd = (form.kernel(p + dp, cs, "ntk") - form.kernel(p - dp, cs, "ntk")) / (2 * h)
        np.testing.assert_allclose(J[:, j], fd, rtol=1e-5, atol=1e-6)


def test_nngp_kernel_is_series_of_squares():
    form = fit.Form((fit.Cos(), fit.Erf(), fit.Poly(2)))
    p = np.array([0.8, 1.1, 0.3, 0.5, 0.9, -0.2, 0.1, 0.2, -0.1])
    cs = np.linspace(-1, 1, 9)
    b = form.hermite(p, 200)
    np.testing.assert_allclose(
        form.kernel(p, cs, "nngp"), [np.sum(b * b * c ** np.arange(200)) for c in cs], rtol=1e-12, atol=1e-12
    )


def test_fit_recovers_a_form_kernel():
    # a target that a form realises exactly: arccos_1 = 2 E[u_+ v_+], so 2 arccos_1 is the NNGP of 2 ReLU
    res = fit.fit_kernel(hr.kernels.arccos(1) * 2, fit.Form((fit.ReLU(),)), "nngp", restarts=2)
    assert res.sup_error < 1e-10
    a, t = res.params
    assert abs(abs(a) - 2) < 1e-6 and abs(t) < 1e-6


def test_fit_relu_ntk_4_layers_and_activation():
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    res = fit.fit_kernel(K, restarts=2, seed=1, x0=[6.04, 1.13, -4.15, -4.73, -8.32, -0.467, -1.92])
    assert res.rel_error < 3e-3  # measured 1.9e-3 (sup 0.0095 on K(1) = 5.07)
    act = res.activation(n=400)
    assert isinstance(act, hr.Activation) and act.kind == "ntk"
    # the ReLU kink: the series converges like n^{-1/2}; the bound adds the fit's own error
    assert 0 < act.truncation.estimate < 0.5
    assert res.sup_error < act.truncation.bound < 0.5 and not act.truncation.rigorous
    # the Activation's Hermite series approaches the form (slowly: the kink at t ~ 1.13)
    f = act.compile()
    xs = np.linspace(-1.5, 0.5, 5)
    assert np.max(np.abs(f(xs) - res.form(res.params, xs))) < 0.01  # measured 2e-3
    # and its NTK coefficients are the form's series coefficients
    b = res.form.hermite(res.params, 48)
    np.testing.assert_allclose([float(v) for v in act.kernel("ntk", 5)], (np.arange(5) + 1) * b[:5] ** 2, rtol=1e-13)


def test_bad_input():
    with pytest.raises(ValueError, match="at most one ReLU"):
        fit.Form((fit.ReLU(), fit.ReLU()))
    with pytest.raises(ValueError, match="sequence of bases"):
        fit.Form(("relu",))
    form = fit.paper_form()
    with pytest.raises(ValueError, match="7 parameters"):
        form.hermite(np.zeros(3), 5)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        form.kernel(np.ones(7), [1.5])
    with pytest.raises(ValueError, match="kind must be"):
        fit.fit_kernel(hr.kernels.arccos(1), kind="gp")
    with pytest.raises(ValueError, match="degree must be"):
        fit.Poly(-1)


def test_fitted_activation_does_not_pose_as_the_target_kernel():
    # a cubic cannot realise exp(c) as its NNGP: the activation must say it is a fit, and its
    # truncation bound must cover the fit's sup error (it said "nngp of exp(c)", "truncation <= 0.0")
    K = sympy.exp(hr.c)
    res = fit.fit_kernel(K, fit.Form((fit.Poly(3),)), "nngp", restarts=2)
    assert res.sup_error > 1e-3
    act = res.activation(n=16)
    assert act.degree == 3  # the form is a cubic: 16 Hermite terms drop nothing from its own kernel
    assert str(act.source).startswith("fit (kernel sup error") and "to exp(c)" in str(act.source)
    assert act.source != K
    assert float(act.truncation.bound) >= res.sup_error and not act.truncation.rigorous
    assert float(act.truncation.k1) == pytest.approx(np.e)
    text = repr(act)
    assert "nngp of fit (kernel sup error" in text and "nngp of exp(c)" not in text
    assert "truncation <= 0.0," not in text
    # the bound holds: |K(c) - sum_k b_k^2 c^k| <= bound on [-1, 1]
    cs = np.linspace(-1, 1, 201)
    a = [float(v) for v in act.kernel("nngp")]
    series = np.polynomial.polynomial.polyval(cs, a)
    assert np.max(np.abs(np.exp(cs) - series)) <= float(act.truncation.bound) * (1 + 1e-9)


def test_x0_is_checked_against_the_form():
    K = hr.kernels.arccos(1)
    with pytest.raises(ValueError, match=r"x0 must have one entry per parameter of the form \(7: .*got 3 entries"):
        fit.fit_kernel(K, x0=[1, 2, 3], restarts=1)
    with pytest.raises(ValueError, match="x0 must be finite"):
        fit.fit_kernel(K, fit.Form((fit.ReLU(),)), x0=[1.0, float("nan")], restarts=1)
    with pytest.raises(ValueError, match="x0 must be a sequence of 2 numbers"):
        fit.fit_kernel(K, fit.Form((fit.ReLU(),)), x0="ab", restarts=1)
    with pytest.raises(ValueError, match="check_grid=0"):
        fit.fit_kernel(K, check_grid=0)
    with pytest.raises(ValueError, match="max_nfev=-1"):
        fit.fit_kernel(K, max_nfev=-1)
    res = fit.fit_kernel(2 * K, fit.Form((fit.ReLU(),)), "nngp", restarts=1, x0=(2.0, 0.0))
    assert res.sup_error < 1e-10


def test_docstring_examples():
    import doctest

    result = doctest.testmod(fit, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
