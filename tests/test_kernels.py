import mpmath
import pytest
import sympy

import hermite_rev as hr
from hermite_rev import c, kernels

SQRT2 = sympy.sqrt(2)
TENTH = sympy.Rational(1, 10)


def test_relu_ntk_depth4_value_at_one_is_5_07():
    K = kernels.relu_ntk(depth=4, sigma_w=SQRT2, sigma_b=TENTH)
    assert sympy.nsimplify(K.subs(c, 1)) == sympy.Rational(507, 100)


def _layer_values_at_one(depth, sw2, sb2):
    """The NT layer maps at c = 1 by hand: relu halves the variance, relu' contributes 1/2."""
    nngp, ntk = 1.0, 0.0
    for _ in range(depth):
        nngp = sw2 * nngp + sb2
        ntk = nngp + sw2 * ntk
        nngp, ntk = nngp / 2, ntk / 2
    nngp_out = nngp
    return nngp_out, nngp_out + ntk


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
@pytest.mark.parametrize("sw2,sb2", [(2, 0.01), (1, 0), (1.5, 0.3)])
def test_relu_kernels_at_one_follow_layer_maps(depth, sw2, sb2):
    nngp1, ntk1 = _layer_values_at_one(depth, sw2, sb2)
    kw = dict(depth=depth, sigma_w=sympy.sqrt(sympy.nsimplify(sw2)), sigma_b=sympy.sqrt(sympy.nsimplify(sb2)))
    assert float(kernels.relu_nngp(**kw).subs(c, 1)) == pytest.approx(nngp1, rel=1e-14)
    assert float(kernels.relu_ntk(**kw).subs(c, 1)) == pytest.approx(ntk1, rel=1e-14)


def test_relu_depth1_is_arccos_kernels():
    # E[relu(u) relu(v)] = k_1/2 and E[relu'(u) relu'(v)] = k_0/2 (Cho & Saul)
    assert sympy.simplify(kernels.relu_nngp(1) - kernels.arccos(1) / 2) == 0
    assert sympy.simplify(kernels.relu_ntk(1) - kernels.arccos(1) / 2 - c * kernels.arccos(0) / 2) == 0


def test_arccos_order2_closed_form():
    th = sympy.acos(c)
    J2 = 3 * sympy.sin(th) * sympy.cos(th) + (sympy.pi - th) * (1 + 2 * sympy.cos(th) ** 2)
    assert sympy.simplify(kernels.arccos(2) - J2 / sympy.pi) == 0


def test_arccos_matches_gaussian_integral():
    # k_1(c) = 2 E[relu(u) relu(v)], v = c u + s w: the w-integral in closed form, u by quadrature
    cc = mpmath.mpf("0.3")
    s = mpmath.sqrt(1 - cc**2)

    def inner(x):
        t = -cc * x / s  # relu(c x + s w) > 0 iff w > t
        return x * (cc * x * (1 - mpmath.ncdf(t)) + s * mpmath.npdf(t)) * mpmath.npdf(x)

    integral = 2 * mpmath.quad(inner, [0, mpmath.inf])
    closed = sympy.N(kernels.arccos(1).subs(c, sympy.Rational(3, 10)), 20)
    assert mpmath.mpf(closed).ae(integral, 1e-15)


def test_erf_nngp_matches_hermite_series():
    # 1HL erf NNGP = sum_k b_k^2 c^k with b_k the Hermite coefficients of erf(z)
    a = hr.taylor(kernels.erf_nngp(1), 8, dps=20)
    b = hr.hermite_coeffs(sympy.erf(hr.z), 8, dps=20)
    for ak, bk in zip(a, b):
        assert mpmath.mpf(ak).ae(bk**2, 1e-15)


def test_simple_kernels():
    assert kernels.exponential(2) == sympy.exp(2 * c)
    assert sympy.simplify(kernels.gaussian(1) - sympy.exp(c - 1)) == 0
    assert kernels.polynomial([1, 0, 3]) == 1 + 3 * c**2
    assert kernels.inhomogeneous_polynomial(3, 1) == (c + 1) ** 3


@pytest.mark.parametrize(
    "call,needle",
    [
        (lambda: kernels.relu_ntk(depth=-1), "depth"),
        (lambda: kernels.relu_ntk(depth=2.5), "depth"),
        (lambda: kernels.relu_ntk(sigma_w="x"), "sigma_w"),
        (lambda: kernels.relu_ntk(sigma_w=0, sigma_b=0), "sigma_w"),
        (lambda: kernels.exponential(-1), "beta"),
        (lambda: kernels.polynomial([]), "coeffs"),
        (lambda: kernels.polynomial("abc"), "coeffs"),
        (lambda: kernels.arccos(-1), "order"),
    ],
)
def test_bad_input(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()


@pytest.mark.parametrize("order", range(5))
def test_arccos_equals_the_theta_derivative_definition(order):
    """arccos(n) is built by a polynomial recursion in c; the definition (Cho & Saul) is
    (-1)^n sin^(2n+1) (1/sin d/dtheta)^n ((pi - theta)/sin) / pi, evaluated here at 40 digits
    (orders 0-4: the definition's own evaluation takes 70 s at order 6)."""
    th = sympy.Symbol("theta", positive=True)
    s = sympy.sin(th)
    f = (sympy.pi - th) / s
    for _ in range(order):
        f = sympy.diff(f, th) / s
    J = (-1) ** order * s ** (2 * order + 1) * f
    k = hr.kernels.arccos(order)
    for x in ("-9/10", "-3/10", "1/5", "7/10"):
        xv = sympy.Rational(x)
        want = (J.subs(th, sympy.acos(xv)) / sympy.pi).evalf(40)
        assert abs(k.subs(c, xv).evalf(40) - want) < sympy.Float("1e-35"), (order, x)
