import mpmath
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import hermite_rev as hr
from hermite_rev import c, kernels

SQRT2 = sympy.sqrt(2)
TENTH = sympy.Rational(1, 10)

# expressions covering every supported node, each with a nonzero constant term where needed
EXPRESSIONS = [
    sympy.exp(c),
    sympy.log(2 + c),
    sympy.sin(c + 1),
    sympy.cos(3 * c),
    sympy.sinh(c / 2),
    sympy.cosh(c),
    sympy.tanh(c + sympy.Rational(1, 3)),
    sympy.asin(c / 2),
    sympy.acos(c / 3 + sympy.Rational(1, 4)),
    sympy.atan(2 * c - 1),
    sympy.erf(c + 1),
    sympy.erfc(c),
    sympy.sqrt(4 - c**2),
    (1 + c) ** sympy.Rational(1, 3),
    1 / (3 - c) ** 2,
    sympy.exp(sympy.sin(c)) / (2 + c),
    (2 + c) ** c,
    sympy.asinh(c),
    sympy.atanh(c / 2),
    sympy.tan(c),
    sympy.pi * c**3 + sympy.E,
    sympy.Float("0.25") * c,
]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
def test_arb_engine_matches_independent_mpmath_engine(expr):
    n, dps = 25, 40
    a = hr.taylor(expr, n, dps=dps)
    b = hr.taylor(expr, n, dps=dps, engine="mpmath")
    assert a.rigorous and not b.rigorous
    scale = max(abs(x) for x in a)
    with mpmath.workdps(dps):
        for k, (x, y, e) in enumerate(zip(a, b, a.errors)):
            assert abs(x - y) <= max(abs(x), scale * mpmath.mpf(10) ** -5) * mpmath.mpf(10) ** (-dps + 1), (k, x, y)
            assert e <= max(abs(x), scale) * mpmath.mpf(10) ** (-dps + 1)


@pytest.mark.parametrize("expr", EXPRESSIONS[:12], ids=str)
def test_exact_engine_matches_sympy_series(expr):
    n = 6
    exact = hr.taylor(expr, n, exact=True)
    ser = sympy.series(expr, c, 0, n).removeO()
    for k in range(n):
        assert abs(sympy.N(exact[k] - ser.coeff(c, k), 50)) < 1e-45, k


def test_exp_coefficients_and_tail_against_mpmath():
    a = hr.taylor(sympy.exp(c), 30, dps=50)
    with mpmath.workdps(50):
        for k, ak in enumerate(a):
            assert ak.ae(1 / mpmath.factorial(k))
        true_tail = mpmath.e - mpmath.fsum(1 / mpmath.factorial(k) for k in range(30))
        assert a.tail.rigorous
        assert true_tail <= a.tail.bound <= true_tail + mpmath.mpf(10) ** -48
        assert a.tail.k1.ae(mpmath.e)


def test_arccos_exact_coefficients_are_rational_and_one_over_pi():
    a = hr.taylor(kernels.arccos(1), 10, exact=True)
    # k_1(c) = 1/pi + c/2 + sum_{k>=1} (2k-3)!! / ((2k-2)!! (2k-1) 2k pi)... checked against the closed series of
    # sqrt(1-c^2) + c asin(c) = 1 + sum_{m>=1} ((2m-2)! / (4^(m-1) ((m-1)!)^2)) c^(2m) / ((2m-1) 2m)
    expected = [1 / sympy.pi, sympy.Rational(1, 2)] + [0] * 8
    for m in range(1, 5):
        coef = sympy.factorial(2 * m - 2) / (4 ** (m - 1) * sympy.factorial(m - 1) ** 2) / ((2 * m - 1) * 2 * m)
        expected[2 * m] = coef / sympy.pi
    assert [sympy.simplify(x - y) for x, y in zip(a, expected)] == [0] * 10


def test_deep_relu_ntk_arb_vs_mpmath_and_positive():
    K = kernels.relu_ntk(depth=4, sigma_w=SQRT2, sigma_b=TENTH)
    a = hr.taylor(K, 60, dps=30)
    b = hr.taylor(K, 60, dps=30, engine="mpmath")
    with mpmath.workdps(30):
        for x, y in zip(a, b):
            assert x > 0
            assert abs(x - y) <= abs(x) * mpmath.mpf(10) ** -28
        assert a.tail.k1.ae(mpmath.mpf("5.07"))
        assert mpmath.fsum(a) < a.tail.k1
        # the tail bound is an upper bound and shrinks with more terms
        a2 = hr.taylor(K, 200, dps=30)
        true_tail_lower = mpmath.fsum(a2[60:])
        assert true_tail_lower <= a.tail.bound
        assert a2.tail.bound < a.tail.bound


def test_1000_terms_at_100_digits_deep_relu():
    K = kernels.relu_ntk(depth=4, sigma_w=SQRT2, sigma_b=TENTH)
    a = hr.taylor(K, 1000, dps=100)
    with mpmath.workdps(100):
        for x, e in zip(a, a.errors):
            assert e <= abs(x) * mpmath.mpf(10) ** -99
    # spot-check a far coefficient against the independent engine at n = 300
    b = hr.taylor(K, 150, dps=100, engine="mpmath")
    with mpmath.workdps(100):
        assert abs(a[149] - b[149]) <= abs(a[149]) * mpmath.mpf(10) ** -98


@settings(max_examples=25, deadline=None)
@given(st.lists(st.fractions(min_value=-5, max_value=5, max_denominator=50), min_size=1, max_size=8))
def test_polynomials_are_reproduced_exactly(coeffs):
    expr = kernels.polynomial([sympy.Rational(f.numerator, f.denominator) for f in coeffs])
    n = len(coeffs) + 2
    exact = hr.taylor(expr, n, exact=True)
    num = hr.taylor(expr, n, dps=20)
    for k in range(n):
        want = sympy.Rational(coeffs[k].numerator, coeffs[k].denominator) if k < len(coeffs) else 0
        assert exact[k] == want
        with mpmath.workdps(20):
            want_mp = mpmath.mpf(int(sympy.numer(want))) / int(sympy.denom(want))
            assert abs(num[k] - want_mp) <= num.errors[k] + abs(want_mp) * mpmath.mpf(10) ** -19


def test_constant_kernel():
    a = hr.taylor(sympy.Integer(3), 3, dps=10)
    assert list(a) == [3, 0, 0]


def test_string_input_is_parsed_safely():
    a = hr.taylor("exp(2*c)", 3, dps=20)
    assert a[2] == 2
    assert hr.taylor("relu_ntk(depth=2)", 3)[0] > 0


@pytest.mark.parametrize(
    "expr,exc,needle",
    [
        ("sqrt(c)", hr.NotAnalyticError, "not analytic at c = 0"),
        ("log(c)", hr.NotAnalyticError, "log"),
        ("1/c", hr.NotAnalyticError, "not analytic"),
        ("acos(c + 1)", hr.NotAnalyticError, "acos"),
        ("Abs(c)", hr.NotAnalyticError, "Abs"),
        ("c + x", ValueError, "free symbol"),
        ("c.func", ValueError, "attribute"),
        ("__import__('os')", ValueError, "unknown function '__import__'"),
        ("sqrt(-1 + c)", hr.NotAnalyticError, "not positive"),
    ],
)
def test_bad_expressions(expr, exc, needle):
    with pytest.raises(exc, match=needle):
        hr.taylor(expr, 5)


@pytest.mark.parametrize(
    "kw,needle",
    [
        ({"n": 0}, "n=0"),
        ({"n": -3}, "n=-3"),
        ({"n": 2.5}, "n=2.5"),
        ({"n": 3, "dps": 0}, "dps=0"),
        ({"n": 3, "engine": "x"}, "engine"),
    ],
)
def test_bad_sizes(kw, needle):
    with pytest.raises(ValueError, match=needle):
        hr.taylor(sympy.exp(c), **kw)


def test_divergent_at_one_is_reported_by_tail():
    a = hr.taylor(1 / (1 - c), 5)
    assert list(a) == [1] * 5  # the coefficients themselves exist
    with pytest.raises(hr.DivergentSeriesError, match="infinite at c = 1"):
        a.tail


def test_global_precision_restored():
    import flint

    before = (flint.ctx.prec, flint.ctx.cap, mpmath.mp.dps)
    hr.taylor(sympy.exp(c), 50, dps=80)
    assert (flint.ctx.prec, flint.ctx.cap, mpmath.mp.dps) == before


@pytest.mark.parametrize(
    "K, n, match",
    [
        (1 / (1 - 2 * c), 20, "sum to more than K\\(1\\)"),  # partial sums pass K(1) = -1
        (1 / (1 - 2 * c) ** 2, 20, "sum to more than K\\(1\\)"),
        (1 / (1 - 2 * c) ** 2, 1, r"singularity at c (=|in \[)0.5"),  # one term: the pole is found
        (1 / (1 - sympy.Rational(101, 100) * c) ** 2, 20, r"singularity at c in \[0.990099"),  # sums still < K(1)
        (1 / (1 - sympy.Rational(100001, 100000) * c) ** 2, 20, r"singularity at c in \[0.99999"),  # 1 - 1e-5
        (2 - sympy.sqrt(1 - sympy.Rational(101, 100) * c), 20, "not real"),  # branch point at 0.990
    ],
)
def test_tail_refuses_series_that_do_not_converge_to_K_on_0_1(K, n, match):
    # the coefficients themselves are fine; only the tail bound would be meaningless
    a = hr.taylor(K, n, dps=20)
    assert all(x >= 0 for x in a)
    with pytest.raises(hr.DivergentSeriesError, match=match):
        a.tail
    with pytest.raises(hr.DivergentSeriesError):
        hr.reverse(K, "nngp", n=1)


def test_tail_check_accepts_deep_kernels_and_signed_series():
    for K in (
        hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10)),
        hr.kernels.erf_nngp(3),
        hr.kernels.arccos(0),
        sympy.exp(c) * sympy.cosh(c),
    ):
        t = hr.taylor(K, 10, dps=20).tail
        assert 0 <= t.bound < t.k1
    # signed coefficients: the tail is just K(1) - partial sum, possibly negative, never refused
    t = hr.taylor(1 - 2 * c, 2, exact=True).tail
    assert t.estimate == 0 and hr.taylor(c - 2 * c**2, 3, exact=True).tail.estimate == 0
    # with only the non-negative head computed, the tail of a polynomial is still exact: sum |a_k|
    # beyond n bounds the truncation error whatever the signs, and the negative one is named
    t = hr.taylor(1 - 2 * c, 1, exact=True).tail
    assert t.bound >= 2 and t.negative == (1, -2) and "not a kernel" in t.sign
    # an analytic non-polynomial whose head sums past K(1) and that has no proven disk of analyticity
    # beyond the unit disk (a branch point at c = 1.01) still proves the series diverges or is signed
    K = sympy.exp(c) - 3 * c * sympy.exp(c) / 2 + sympy.sqrt(sympy.Rational(101, 100) - c) / 100
    with pytest.raises(hr.DivergentSeriesError, match="negative coefficients beyond"):
        hr.taylor(K, 1, dps=20).tail
    # entire: the sign-free Cauchy bound holds, and a_1 = -1/2 is named
    t = hr.taylor(sympy.exp(c) - 3 * c * sympy.exp(c) / 2, 1, dps=20).tail
    assert t.rigorous and t.method == "cauchy r=8" and t.negative[0] == 1
    assert 1 + mpmath.e / 2 <= t.bound <= 1 + mpmath.e / 2 + 1e-3  # sup |K - 1| on [-1, 1]: 1 + e/2 at c = 1


def test_one_term_series_of_a_function_of_c():
    # flint drops trailing zeros: the series of c truncated to one term has no coefficients
    assert hr.taylor(sympy.exp(c), 1, dps=20) == [1]
    assert hr.taylor(sympy.exp(c), 1, dps=20).tail.bound > 1.71


def test_tail_of_a_polynomial_with_float_coefficients_is_not_rounded():
    # Floats are the decimals they print as (the float policy); K(1) must be their exact sum
    text = (
        "0.171427159070736",
        "0.239528266062657",
        "0.153889218044980",
        "0.0459982329006793",
        "0.0286615684903166",
        "0.0121703840724920",
    )
    coeffs = [sympy.Float(x, 15) for x in text]
    K = sum(a * c**k for k, a in enumerate(coeffs))
    t = hr.taylor(K, len(coeffs), dps=20).tail
    assert 0 <= t.bound < 1e-20
    exact = sum(sympy.Rational(x) for x in text)
    with mpmath.workdps(40):
        assert abs(t.k1 - mpmath.mpf(exact.p) / exact.q) < mpmath.mpf(10) ** -29


# --- fail fast and clearly (issue 22) ----------------------------------------------------------------


def test_tail_of_a_kernel_with_tiny_coefficients_prints():
    # before: repr(tail) raised "ValueError: Exceeds the limit (4300 digits) for integer string conversion"
    a = hr.taylor("erfc(c+201/2)", 3)
    tail = a.tail
    text = repr(tail)
    # a_1 < 0: the sign-free Cauchy bound holds (the true sup error, at c = -1, is 1.35e-4302)
    assert text.startswith("Tail(<= 7.0171e-4297, cauchy r=") and "K(1) = 3.42461503116e-4477" in text
    assert "e-4" in a.summary() and repr(a)


def test_coefficient_lists_are_polynomial_kernels():
    # before: hr.taylor([1, 2], 2) -> "kernel must be a real number", although reverse accepts lists
    import numpy as np

    assert hr.taylor([1, 2], 2, exact=True) == [1, 2]
    assert hr.taylor((1, 0.5), 3, exact=True) == [1, sympy.Rational(1, 2), 0]
    assert hr.taylor(np.array([0.1, 0.2]), 2, exact=True) == [sympy.Rational(1, 10), sympy.Rational(1, 5)]
    assert [float(x) for x in hr.taylor([1, 2], 3, dps=20)] == [1.0, 2.0, 0.0]
    assert list(hr.taylor([1, 2], 3, dps=20)) == list(hr.reverse([1, 2], "nngp", n=3, dps=20).taylor)
    for bad, match in [
        ([], "must not be empty"),
        ([[1, 2]], r"kernel\[0\] must be a real number"),
        ([float("nan")], r"kernel\[0\] must be finite, got kernel\[0\]=nan"),
        (np.zeros((2, 2)), "1-d array"),
    ]:
        with pytest.raises(ValueError, match=match):
            hr.taylor(bad, 2)


def test_summary_rounds_the_error_bound_up():
    import mpmath

    a = hr.taylor("exp(c)", 5, dps=20)
    shown = a.summary().split("max abs error ")[1].split(",")[0]
    assert mpmath.mpf(shown) >= a.max_error  # before: mpmath.nstr rounded to nearest (8.47e-22 < 8.4703e-22)
