"""The tail bound proves the sign condition it rests on (issue: every bound proven).

``K(1) - sum_{k<n} a_k`` bounds ``sup |K - K_n|`` on [-1, 1] only when every coefficient beyond n
is non-negative.  A tail labelled rigorous must hold; a target with a negative coefficient that
can be seen is refused by ``reverse``.
"""

import mpmath
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hermite_rev as hr
from hermite_rev.series import sign_certificate

c = hr.c


def sup_error(K, a, points=201, dps=30):
    """max over a grid of [-1, 1] of |K(c) - sum_{k<n} a_k c^k| at ``dps`` digits (mpmath oracle)."""
    f = sympy.lambdify(c, K, modules="mpmath")
    with mpmath.workdps(dps):
        coeffs = [mpmath.mpf(x) for x in a]
        worst = mpmath.mpf(0)
        for i in range(points):
            x = -1 + mpmath.mpf(2 * i) / (points - 1)
            worst = max(worst, abs(f(x) - mpmath.polyval(coeffs[::-1], x)))
    return worst


@pytest.mark.parametrize(
    ("K", "k"),
    [("1 + c + c**5/10 - 9*c**6/100", 6), ("exp(c) - c**7/1000", 7)],
)
def test_reverse_refuses_a_negative_coefficient_beyond_n(K, k):
    with pytest.raises(hr.NotAKernelError, match=f"a_{k} = "):
        hr.reverse(K, "ntk", n=5)


def test_the_polynomial_tail_holds_whatever_the_signs():
    K = 1 + c + c**5 / 10 - sympy.Rational(9, 100) * c**6
    a = hr.taylor(K, 5, dps=20)
    t = a.tail
    assert t.rigorous and t.negative == (6, sympy.Rational(-9, 100))
    truth = sup_error(K, a)  # 0.19 at c = -1: the old bound K(1) - sum said 0.010001
    assert truth <= t.bound and truth > 0.18


def test_unproven_signs_are_labelled():
    t = hr.taylor("(sqrt(1-c**2) + (pi - acos(c))*c)/pi", 10, dps=20).tail
    assert not t.rigorous and "assumed" in t.sign and "assumed" in repr(t)
    assert hr.taylor(hr.kernels.arccos(1), 10, dps=20).tail.rigorous  # the same kernel, by construction


def test_certificates_of_kernels_by_the_closure_rules():
    proven = [
        sympy.exp(3 * c) + c / (2 - c),
        sympy.sinh(20 * c) / sympy.sinh(20),
        -sympy.log(1 - c / 2),
        sympy.asin(c / 2) * sympy.exp(c),
        1 / sympy.sqrt(1 - c / 2),
        (sympy.exp(c) - 1) / c,
        sympy.tan(c) + sympy.atanh(c / 3) + sympy.cosh(c) ** 2,
    ]
    for K in proven:
        assert sign_certificate(K).proven, K
        a = hr.taylor(K, 40, dps=20)  # an independent look: the first 40 are non-negative
        assert all(x >= -e for x, e in zip(a, a.errors)), K
    for K in (sympy.cos(c), sympy.exp(c) - c**7 / 1000, sympy.log(1 + c), sympy.atan(c)):
        assert not sign_certificate(K).proven, K


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    beta=st.integers(min_value=1, max_value=4),
    n=st.integers(min_value=2, max_value=8),
    extra=st.lists(st.integers(min_value=-20, max_value=20), min_size=1, max_size=6),
    shift=st.integers(min_value=0, max_value=6),
)
def test_a_tail_labelled_rigorous_holds_on_random_non_kernels(beta, n, extra, shift):
    """exp(beta c) plus a small signed polynomial whose terms start at degree n + shift."""
    K = sympy.exp(beta * c) + sum(sympy.Rational(e, 200) * c ** (n + shift + j) for j, e in enumerate(extra))
    a = hr.taylor(K, n, dps=20)
    try:
        t = a.tail
    except hr.DivergentSeriesError:
        return  # the head already sums past K(1): refused, fine
    if t.rigorous:
        assert sup_error(K, a) <= t.bound * (1 + mpmath.mpf(10) ** -15)
    exact = [sympy.Integer(beta) ** k / sympy.factorial(k) for k in range(n + shift + len(extra))]
    for j, e in enumerate(extra):
        exact[n + shift + j] += sympy.Rational(e, 200)
    first = next((k for k, x in enumerate(exact) if k >= n and x < 0), None)
    if first is not None:
        # a negative coefficient beyond n (all are within the checked range) is named; the tail
        # may still be rigorous: the sign-free Cauchy bound needs no signs
        assert t.negative is not None and t.negative[0] == first
        assert t.method.startswith("cauchy") or not t.rigorous
    elif t.rigorous:
        assert t.method.startswith("cauchy") or t.method == "pringsheim"


def test_convergence_by_construction_for_closure_of_known_kernels():
    """Sums, products and powers of kernels known by construction need no interval covering."""
    from hermite_rev.series import certify_convergence

    # parameters no other test uses: a fresh construction is registered as known (the registry
    # keeps the most recent ones; a long test session may have evicted a cached constructor's)
    K0 = hr.kernels.relu_ntk(3, sympy.Rational(13, 10), sympy.Rational(7, 1000))
    K1 = hr.kernels.relu_nngp(2, sympy.Rational(11, 10), sympy.Rational(3, 1000))
    assert certify_convergence(hr.c * K0 + K1**2) == "kernel by construction"
    assert certify_convergence(hr.c * K0 - hr.c**3) != "kernel by construction"


def test_a_positive_rational_multiple_of_a_known_sum_is_known():
    """sympy distributes ``2*K`` over the sum K = a + b into the new sum 2*a + 2*b: the registry
    recognises it as 2 times K (before: reverse failed, "could not prove ... analytic near c = 1")."""
    from hermite_rev._core.registry import is_known_kernel
    from hermite_rev.series import certify_convergence

    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    assert K.is_Add and (2 * K).is_Add and (2 * K).args[0] not in K.args  # distributed: new terms
    for lam in (2, sympy.Rational(1, 3), 7):
        assert is_known_kernel(lam * K)
        assert certify_convergence(lam * K) == "kernel by construction"
        assert sign_certificate(lam * K).reason == "kernel by construction"
    two, one = hr.reverse(2 * K, n=5).tail(), hr.reverse(K, n=5).tail()
    assert two.rigorous and abs(two.bound - 2 * one.bound) < 1e-12 * two.bound
    # not a positive multiple: nothing is assumed
    assert not is_known_kernel(-2 * K) and not is_known_kernel(2 * K + c**3 - c)
    assert not sign_certificate(-2 * K).proven
