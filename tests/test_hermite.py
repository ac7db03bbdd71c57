import math

import mpmath
import numpy as np
import pytest
import sympy
from numpy.polynomial import hermite_e

import hermite_rev as hr
from hermite_rev import c, kernels, z
from hermite_rev.hermite import (
    check_kernel_coefficients,
    gaussian_expectation,
    hermite_from_kernel,
    hermite_norm,
    hermite_norm_eval,
    kernel_from_hermite,
    magnitudes_from_taylor,
)


def test_hermite_norm_table_against_numpy():
    for k in range(10):
        coeffs = sympy.Poly(hermite_norm(k), z).all_coeffs()[::-1]
        ref = hermite_e.herme2poly([0] * k + [1]) / math.sqrt(math.factorial(k))
        assert np.allclose([float(x) for x in coeffs], ref, rtol=0, atol=1e-12)


def test_orthonormality_exact():
    for j in range(6):
        b = hr.hermite_coeffs(hermite_norm(j), 8, dps=20)
        assert b.method == "exact"
        assert list(b.exact) == [1 if k == j else 0 for k in range(8)]


def test_hermite_norm_eval_matches_sympy():
    expr = sum(sympy.Rational(1, k + 1) * hermite_norm(k) for k in range(12))
    with mpmath.workdps(30):
        b = [mpmath.mpf(1) / (k + 1) for k in range(12)]
        for x in ["-3.5", "0", "1.25", "7"]:
            assert hermite_norm_eval(b, mpmath.mpf(x)).ae(mpmath.mpf(sympy.N(expr.subs(z, sympy.Rational(x)), 40)))


def test_relu_coefficients_closed_form():
    # b_k = phi(0) He_{k-2}(0)/sqrt(k!) for k >= 2 (Stein's lemma twice: relu'' = delta)
    b = hr.hermite_coeffs(sympy.Max(0, z), 12, dps=30)
    assert b.exact[0] == 1 / sympy.sqrt(2 * sympy.pi) and b.exact[1] == sympy.Rational(1, 2)
    for k in range(2, 12):
        he0 = sympy.hermite_prob(k - 2, 0)
        want = he0 / sympy.sqrt(2 * sympy.pi) / sympy.sqrt(sympy.factorial(k))
        assert sympy.simplify(b.exact[k] - want) == 0


@pytest.mark.parametrize(
    "phi",
    [
        sympy.Max(0, z),
        sympy.Abs(z),
        sympy.Max(0, z - sympy.Rational(1, 2)),
        sympy.sin(6 * z) / 2,
        sympy.exp(z / 2),
        z**3 - z,
        sympy.Heaviside(z),
        sympy.Max(z, z / 10),
        sympy.cos(z) * z**2,
    ],
    ids=str,
)
def test_exact_matches_quadrature(phi):
    n, dps = 10, 25
    ex = hr.hermite_coeffs(phi, n, dps)
    qu = hr.hermite_coeffs(phi, n, dps, exact=False)
    assert ex.method == "exact" and ex.rigorous
    assert qu.method == "ball quadrature" and qu.rigorous
    with mpmath.workdps(dps):
        for k, (x, y, e) in enumerate(zip(ex, qu, qu.errors)):
            assert abs(x - y) <= max(e, mpmath.mpf(10) ** (-dps + 3)), (k, x, y)
            assert abs(x - y) <= e + ex.errors[k], (k, x, y, e)  # both bounds proven: they must overlap


def test_sin_coefficients_generating_function():
    # E[e^{i w Z} h_k(Z)] = e^{-w^2/2} (i w)^k / sqrt(k!)
    b = hr.hermite_coeffs(sympy.sin(6 * z) / 2, 9, dps=30)
    with mpmath.workdps(30):
        for k in range(9):
            want = (mpmath.exp(-18) * (6j) ** k / mpmath.sqrt(mpmath.factorial(k))).imag / 2
            assert mpmath.mpf(b[k]).ae(want, 1e-25) or abs(b[k] - want) < mpmath.mpf(10) ** -35


def test_tanh_uses_ball_quadrature_with_proven_error():
    b = hr.hermite_coeffs(sympy.tanh(z), 6, dps=20)
    assert b.method == "ball quadrature" and b.rigorous and "Gauss-Legendre" in b.detail
    assert all(e < 1e-15 for e in b.errors)
    assert abs(b[0]) < 1e-18 and abs(b[2]) < 1e-18  # odd function
    assert b[0] == 0 and b.errors[0] == 0  # zero by symmetry: exact
    with mpmath.workdps(20):
        want = mpmath.quad(lambda x: mpmath.tanh(x) * x * mpmath.npdf(x), [-mpmath.inf, mpmath.inf])
        assert b[1].ae(want)


def test_gaussian_expectation_exact():
    val, err, exact = gaussian_expectation(sympy.Max(0, z) ** 2)
    assert exact == sympy.Rational(1, 2)


def test_forward_and_reverse_coefficient_maps_are_inverse():
    b = [mpmath.mpf(k + 1) / 7 for k in range(6)]
    for kind in ("nngp", "ntk"):
        a = kernel_from_hermite(b, kind)
        assert [x.ae(y) for x, y in zip(hermite_from_kernel(a, kind), b)] == [True] * 6
    with pytest.raises(hr.NotAKernelError, match="a_2 = -1"):  # (was a plain HermiteRevError)
        hermite_from_kernel([1, 1, -1], "ntk")


def test_the_reverse_map_with_error_bounds_against_mpmath():
    # a_k with error bounds: zeros within their bound, magnitudes sqrt(a_k / w_k), bounds that hold
    a = [mpmath.mpf(2), mpmath.mpf("1e-40"), mpmath.mpf(3), mpmath.mpf(0), mpmath.mpf("0.5"), mpmath.mpf("3e-30")]
    e = [mpmath.mpf("1e-30")] * 5 + [mpmath.mpf("2e-30")]  # the last: a_k close to its error
    for kind, w in (("nngp", lambda k: 1), ("ntk", lambda k: k + 1)):
        with mpmath.workdps(30):
            m = magnitudes_from_taylor(a, kind, e)
        assert m.nonzero == (0, 2, 4, 5)
        with mpmath.workdps(60):  # oracle: every a' within the bounds maps within the magnitude's bound
            for k in range(6):
                for shift in (-1, 1):
                    true = max(a[k] + shift * e[k], 0)
                    assert abs(mpmath.sqrt(true / w(k)) - m.values[k]) <= m.errors[k]
    exact = [sympy.Integer(2), sympy.Integer(0), sympy.Rational(1, 3)]
    m = magnitudes_from_taylor([sympy.N(x, 40) for x in exact], "ntk", exact=exact)
    assert m.exact == (sympy.sqrt(2), 0, sympy.Rational(1, 3)) and m.nonzero == (0, 2)
    assert abs(m.values[2] - mpmath.mpf(1) / 3) <= m.errors[2] < 1e-14 and m.errors[1] == 0  # rounding only


def test_the_one_not_a_kernel_check():
    # proven negative: a_k < -error, or the exact value is negative; the message names k and a_k
    with pytest.raises(hr.NotAKernelError, match=r"a_1 = -0\.25 is negative: -c \+ exp\(c\) is not"):
        magnitudes_from_taylor([1, mpmath.mpf("-0.25")], "nngp", [0, mpmath.mpf("0.1")], kernel=sympy.exp(c) - c)
    magnitudes_from_taylor([1, mpmath.mpf("-0.25")], "nngp", [0, mpmath.mpf("0.3")])  # not proven: a zero
    with pytest.raises(hr.NotAKernelError, match=r"a_0 = -1/3 is negative: .* so no activation has it as NTK"):
        magnitudes_from_taylor([0], "ntk", [1], exact=[sympy.Rational(-1, 3)])
    with pytest.raises(hr.NotAKernelError, match=r"beta_2\^2 = -2 is negative: why"):
        check_kernel_coefficients([1, 0, -2], name="beta_{k}^2", why="why")


def test_magnitudes_are_values():
    import copy
    import pickle

    m = magnitudes_from_taylor([1, 2, 0], "ntk", exact=[1, 2, 0])
    for other in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        assert other == m and hash(other) == hash(m)


def test_kernel_of_relu_uses_closed_form_and_matches_kernels():
    K = kernels.relu_ntk(3, sympy.sqrt(2), sympy.Rational(1, 10))
    a = hr.kernel_of(sympy.Max(0, z), "ntk", depth=3, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10), n=20)
    b = hr.taylor(K, 20)
    assert a.rigorous
    assert all(x == y for x, y in zip(a, b))


def _sin_dual(rho, q):
    # u, v ~ N(0, q) with correlation rho: E[sin u sin v] = e^{-q} sinh(q rho), E[cos u cos v] = e^{-q} cosh(q rho)
    return sympy.exp(-q) * sympy.sinh(q * rho), sympy.exp(-q) * sympy.cosh(q * rho)


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_kernel_of_generic_path_matches_closed_form_dual(kind):
    # sin has no built-in dual in kernel_of: the Hermite-series path is checked against the closed form
    depth, sw, sb = 3, sympy.Rational(6, 5), sympy.Rational(3, 10)
    nngp, ntk = kernels.deep_kernels(_sin_dual, depth, sw, sb)
    want = hr.taylor(nngp if kind == "nngp" else ntk, 12, dps=25)
    got = hr.kernel_of(sympy.sin(z), kind, depth=depth, sigma_w=sw, sigma_b=sb, n=12, dps=25)
    assert got.rigorous and got.tail.rigorous  # every layer's variance E[sin^2] is exact, every b_k proven
    with mpmath.workdps(25):
        for k, (x, y, e) in enumerate(zip(got, want, got.errors)):
            assert abs(x - y) <= e + want.errors[k], (k, x, y, e)
            assert e < mpmath.mpf(10) ** -18
        assert got.tail.k1.ae(want.tail.k1)


def test_kernel_of_depth1_exact_hermite():
    a = hr.kernel_of(sympy.sin(6 * z) / 2, "ntk", depth=1, n=10, dps=30)
    b = hr.hermite_coeffs(sympy.sin(6 * z) / 2, 10, dps=30)
    with mpmath.workdps(30):
        for k in range(10):
            assert abs(a[k] - (k + 1) * b[k] ** 2) <= a.errors[k] + mpmath.mpf(10) ** -40


def test_kernel_of_generic_relu_reports_honest_error():
    # forcing the series path for relu (slowly decaying b_k): the reported error must cover the truth
    from hermite_rev.hermite import _generic_kernel_of

    got = _generic_kernel_of(sympy.Max(0, z), "ntk", 2, sympy.sqrt(2), sympy.Rational(1, 10), 1, 0, 8, 15)
    want = hr.taylor(kernels.relu_ntk(2, sympy.sqrt(2), sympy.Rational(1, 10)), 8, 15)
    for x, y, e in zip(got, want, got.errors):
        assert abs(x - y) <= e


@pytest.mark.parametrize(
    "call,needle",
    [
        (lambda: hr.hermite_coeffs(sympy.Max(0, z), 0), "n=0"),
        (lambda: hr.hermite_coeffs(sympy.Max(0, c), 3), "free symbol"),
        (lambda: hr.hermite_coeffs(sympy.tanh(z), 3, exact=True), "no closed form"),
        (lambda: hr.kernel_of(sympy.Max(0, z), "xyz"), "kind"),
        (lambda: hr.kernel_of(sympy.Max(0, z), depth=-1), "depth"),
    ],
)
def test_bad_input(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()


def test_kernel_of_needs_a_hidden_layer():
    with pytest.raises(ValueError, match="depth must be a positive integer, got depth=0"):
        hr.kernel_of(sympy.Max(0, hr.z), depth=0)


@pytest.mark.parametrize(
    "phi, n, match",
    [
        ("log(z)", 3, "not real at z = -20"),
        ("1/z", 3, "not integrable against the Gaussian.*z = 0"),
        ("exp(z**2)", 2, "grows too fast as z -> \\+oo"),
        ("exp(-z**3)", 2, "grows too fast as z -> -oo"),
        ("exp(z**2/2)/(1 + z**2)", 3, "grows too fast"),  # b_0 exists, b_2 does not
        ("tan(z)", 3, "infinitely many real singular points"),
    ],
)
def test_hermite_coeffs_refuses_what_has_no_coefficients(phi, n, match):
    with pytest.raises(ValueError, match=match):
        hr.hermite_coeffs(phi, n, dps=15)


def test_integrability_checks_accept_borderline_activations():
    # b_0 = E[1/(1+Z^2)] e^{Z^2/2}-weighted: pi / sqrt(2 pi)
    b = hr.hermite_coeffs("exp(z**2/2)/(1 + z**2)", 1, dps=15)
    assert abs(b[0] - mpmath.pi / mpmath.sqrt(2 * mpmath.pi)) < 1e-10
    # integrable singularity and a removable one
    assert (
        abs(hr.hermite_coeffs("1/sqrt(Abs(z))", 1, dps=15)[0] - mpmath.gamma(0.25) / (2**0.25 * mpmath.sqrt(mpmath.pi)))
        < 1e-8
    )
    hr.hermite_coeffs("sin(z)/z", 3, dps=15)
    # ... but the NNGP of 1/sqrt|z| needs E[1/|Z|] = oo, and of exp(z^2/4) needs E[exp(Z^2/2)] = oo
    for phi in ("1/sqrt(Abs(z))", "exp(z**2/4)"):
        with pytest.raises(ValueError, match="not integrable|grows too fast"):
            hr.kernel_of(phi, "nngp", n=3, dps=15)


def test_hermite_series_member_takes_the_exact_path():
    """act.expr keeps HermiteNorm(k, z) terms; hermite_coeffs expands them (k <= 64) and returns
    the member's own coefficients exactly (before, mpmath quadrature: 6 s per call)."""
    fam = hr.reverse(hr.c**3 / 5 + hr.c / 2 + sympy.Rational(1, 4), "nngp", n=4, exact=True)
    act = fam.activation([1, -1, 1])
    h = hr.hermite_coeffs(act.expr, 6)
    assert h.exact is not None
    assert [sympy.simplify(x - y) for x, y in zip(h.exact, list(act.exact) + [0, 0])] == [0] * 6
