"""Hermite coefficients proven by ball arithmetic (``hermite_rev._hermite_balls``).

Every ball is checked against an independent oracle: mpmath's tanh-sinh quadrature at 60 digits
on the pieces between the kinks (a different rule, a different evaluator: sympy's lambdify to
mpmath), and must hold the oracle value with a radius of at most 10^-dps relative.  A fuzz over
random activation expressions (small trees of the allowed functions, kinks at known points) runs
the same check; a refusal must be a one-line ``ValueError``.
"""

import copy
import pickle
import signal

import mpmath
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hermite_rev as hr
from hermite_rev import z
from hermite_rev._ball_expr import BallRefusal, Envelope, growth_envelope
from hermite_rev._hermite_balls import BallHermite, ball_hermite, parity_zeros, tail_bound
from hermite_rev.activations import activation_expr
from hermite_rev.hermite import HermiteCoeffs, check_gaussian_integrable


def oracle(phi, n, kinks=(), dps=60):
    """b_k, k < n, by mpmath.quad (tanh-sinh) at ``dps`` digits on unit pieces of [-30, 30] cut
    at the kinks, plus the two tails (every k from the same nodes, cached)."""
    f = sympy.lambdify(z, phi, modules="mpmath")
    cache = {}

    def values(x):
        if x not in cache:
            h = [mpmath.mpf(1), x]
            for j in range(1, n - 1):
                h.append((x * h[j] - mpmath.sqrt(j) * h[j - 1]) / mpmath.sqrt(j + 1))
            w = f(x) * mpmath.npdf(x)
            cache[x] = [w * hk for hk in h[:n]]
        return cache[x]

    with mpmath.workdps(dps):
        cuts = {mpmath.mpf(j) for j in range(-30, 31)} | {mpmath.mpf(sympy.N(k, dps + 5)) for k in kinks}
        pts = [-mpmath.inf] + sorted(cuts) + [mpmath.inf]
        return [mpmath.quad(lambda x, k=k: values(x)[k], pts) for k in range(n)]


def check_against(b, want, dps):
    """Each ball holds the oracle value; each proven radius is <= 10^-dps relative."""
    slack = mpmath.mpf(10) ** -55
    with mpmath.workdps(max(dps, 30) + 30):
        for k, (v, e, w) in enumerate(zip(b.values, b.errors, want)):
            assert abs(v - w) <= e + slack, (k, v, w, e)
            if b.zero[k]:
                assert v == 0 and e == 0 and abs(w) < mpmath.mpf(10) ** -40, (k, w)
            else:
                assert b.proven[k], (k, v, e)
                assert e <= mpmath.mpf(10) ** -dps * abs(w), (k, v, w, e)


LISTED = {
    "tanh": (),
    "gelu": (),
    "swish": (),
    "softplus": (),
    "sigmoid": (),
    "erf": (),
    "sin": (),
    "z*tanh(softplus(z))": (),  # Mish
    "Max(z, 0) + Min(exp(z) - 1, 0)": (0,),  # ELU
}


@pytest.mark.parametrize("name", list(LISTED))
def test_listed_activations_proven_to_30_digits(name):
    phi = activation_expr(name)
    b = ball_hermite(phi, 24, 30)
    assert all(b.proven), b.method
    check_against(b, oracle(phi, 24, LISTED[name]), 30)


@pytest.mark.parametrize("name", ["tanh", "gelu", "z*tanh(softplus(z))"])
def test_hermite_coeffs_is_rigorous_where_no_closed_form(name):
    b = hr.hermite_coeffs(name, 12, dps=20)
    assert b.method == "ball quadrature" and b.rigorous and "Gauss-Legendre" in b.detail
    assert b.exact is None
    want = oracle(activation_expr(name), 12)
    for v, e, w in zip(b, b.errors, want):
        assert abs(v - w) <= e + mpmath.mpf(10) ** -40


@pytest.mark.parametrize("shift", ["7/4", "-1/3", "5/2", "0"])
def test_kinked_pieces_against_the_exact_path(shift):
    # a second rigorous route: piecewise polynomials have exact coefficients (integration by parts)
    t = sympy.Rational(shift)
    for phi in (sympy.Max(0, z + t), sympy.Abs(z - t) * z, sympy.Heaviside(z - t) + sympy.Min(z, t)):
        ex = hr.hermite_coeffs(phi, 12, dps=60)
        b = ball_hermite(phi, 12, 25)
        with mpmath.workdps(60):
            for k in range(12):
                assert abs(b.values[k] - ex[k]) <= b.errors[k] + ex.errors[k], (str(phi), k)
                assert b.zero[k] or b.errors[k] <= abs(ex[k]) * mpmath.mpf(10) ** -25, (str(phi), k)


def test_variance_scales_the_argument():
    # b_k(q) of phi is b_k of phi(sqrt(q) z)
    q = sympy.Rational(7, 4)
    b = ball_hermite(sympy.tanh(z), 8, 25, q=q)
    check_against(b, oracle(sympy.tanh(sympy.sqrt(q) * z), 8), 25)


def test_variance_as_a_ball():
    # a deep layer's variance is a ball: every b_k(q), q in it, is held; the rounds stop when the
    # width of q dominates
    from flint import arb

    q = sympy.Rational(7, 4)
    b = ball_hermite(activation_expr("gelu"), 6, 25, q=arb("1.75", 1e-20))
    want = oracle(activation_expr("gelu").subs(z, sympy.sqrt(q) * z), 6)
    for k, (v, e, w) in enumerate(zip(b.values, b.errors, want)):
        assert abs(v - w) <= e + mpmath.mpf(10) ** -55 and e < 1e-18, (k, v, w, e)
    assert not all(b.proven)


def test_kinks_inside_functions_and_piecewise():
    phi = sympy.tanh(sympy.Max(0, z - sympy.Rational(1, 3))) + sympy.Abs(z + 1) / 4
    b = ball_hermite(phi, 10, 25)
    check_against(b, oracle(phi, 10, (sympy.Rational(1, 3), -1)), 25)
    pw = sympy.Piecewise((sympy.sin(z), z < 1), (sympy.cos(z - 1) * sympy.sin(1), True))
    bp = ball_hermite(pw, 6, 20)
    check_against(bp, oracle(pw, 6, (1,)), 20)


def test_irrational_kink_is_isolated():
    # the kink of ELU-like exp(z) - 2 sits at log 2: found by interval bisection, not by sympy
    phi = sympy.Max(sympy.exp(z) - 2, 0) / 4
    b = ball_hermite(phi, 6, 25)
    assert "1 kink gaps" in b.method
    check_against(b, oracle(phi, 6, (sympy.log(2),)), 25)


def test_zero_by_symmetry_is_exact_and_other_zeros_keep_their_radius():
    b = ball_hermite(sympy.tanh(z), 6, 20)
    assert b.zero == (True, False, True, False, True, False)
    assert b.values[0] == 0 and b.errors[0] == 0
    assert parity_zeros(activation_expr("softplus")) == (None, 1)  # softplus(z) - softplus(-z) = z
    assert parity_zeros(activation_expr("sigmoid")) == (0, None)
    # b_1 of erf(z) - 2z/sqrt(3 pi) is exactly 0, but no symmetry says so: a ball around 0
    phi = sympy.erf(z) - 2 * z / sympy.sqrt(3 * sympy.pi)
    got = hr.hermite_coeffs(phi, 4, dps=15)
    assert got.rigorous and got.errors[1] > 0 and abs(got[1]) <= got.errors[1] < 1e-60
    assert "not proven to 15 digits" in got.detail and "k = 1" in got.detail
    assert got[3] != 0 and got.errors[3] <= abs(got[3]) * 1e-15


def test_growth_envelope_rules():
    def close(env, want):  # terms are rounded up by a relative 1e-12 at each step
        assert [p for _, p, _ in env.terms] == [p for _, p, _ in want], env
        for (c, _, a), (c0, _, a0) in zip(env.terms, want):
            assert c0 <= c <= c0 * (1 + 1e-9) and a0 <= a <= a0 * (1 + 1e-9) + 1e-300, env

    assert str(growth_envelope(sympy.tanh(z))) == "1"
    close(growth_envelope(activation_expr("softplus")), [(0.6931471805599453, 0, 0.0), (1.0, 1, 0.0)])
    close(growth_envelope(sympy.exp(z / 2)), [(1.0, 0, 0.5)])
    close(growth_envelope(sympy.Max(0, z) * sympy.cos(z)), [(1.0, 1, 0.0)])
    close(growth_envelope(activation_expr("gelu")), [(1.0, 1, 0.0)])
    for bad in (sympy.exp(z**2), 1 / z, sympy.log(sympy.Abs(z)), sympy.tan(z)):
        with pytest.raises(BallRefusal, match="no proven growth bound") as err:
            growth_envelope(bad)
        assert "\n" not in str(err.value)
    # the tail bound falls like exp(-L^2/4)
    e = growth_envelope(sympy.tanh(z))
    assert tail_bound(e, 8) < 1e-6 and tail_bound(e, 20) < 1e-42


def test_tanh_at_1500_is_not_refused():
    # the growth check refused it ("tanh grows too fast") though 1500 is inside the limit of 2000
    b = hr.hermite_coeffs("tanh", 1500, dps=15)
    assert b.method == "ball quadrature" and b.rigorous and len(b) == 1500
    assert b[1499] != 0 and b.errors[1499] <= abs(b[1499]) * 1e-15
    # and the fallback's check accepts bounded and linearly growing phi at every n within the limits
    for phi in ("tanh(z)", "z", "Max(0, z) + 1", "sin(z)", "z*erf(z)"):
        check_gaussian_integrable(activation_expr(phi), 2000)


def test_cos_times_relu_works():
    # a TypeError from mpmath before (the exact value had a 0.e-47*I residue)
    ex = hr.hermite_coeffs("cos(z)*relu(z)", 10)
    assert ex.method == "exact" and ex.rigorous and all(isinstance(v, mpmath.mpf) for v in ex)
    ball = hr.hermite_coeffs("cos(z)*relu(z)", 10, exact=False)
    assert ball.method == "ball quadrature"
    for x, y, e in zip(ex, ball, ball.errors):
        assert abs(x - y) <= e + ex.errors[0] + mpmath.mpf(10) ** -28


def test_unprovable_activations_fall_back_to_estimates_with_a_reason():
    b = hr.hermite_coeffs("exp(z**2/2)/(1 + z**2)", 1, dps=15)
    assert b.method == "quadrature" and not b.rigorous
    assert b.detail.startswith("not proven: no proven growth bound")
    with pytest.raises(BallRefusal) as err:
        ball_hermite(1 / sympy.sqrt(sympy.Abs(z)), 2, 15)
    assert "\n" not in str(err.value)


def test_kernel_of_depth1_is_rigorous_and_agrees_with_the_balls():
    a = hr.kernel_of("tanh", "ntk", depth=1, n=20, dps=30)
    assert a.rigorous and a.tail.rigorous and "by construction" in a.tail.sign
    b = hr.hermite_coeffs("tanh", 20, dps=40)
    with mpmath.workdps(40):
        for k in range(20):
            assert abs(a[k] - (k + 1) * b[k] ** 2) <= a.errors[k] + mpmath.mpf(10) ** -38
    g = hr.kernel_of("gelu", "nngp", depth=1, sigma_w=sympy.Rational(3, 2), sigma_b=sympy.Rational(1, 10), n=8)
    assert g.rigorous
    # deeper layers carry their variance as a ball: proven too
    deep = hr.kernel_of("tanh", "nngp", depth=2, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10), n=6, dps=15)
    assert deep.rigorous and deep.tail.rigorous


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_deep_generic_path_against_the_erf_closed_form(kind):
    # a second rigorous route: erf's deep kernels are arcsin compositions; the generic path
    # carries the variances E[erf(sqrt(q) Z)^2] (no closed form in hermite_coeffs) as balls
    from hermite_rev import kernels
    from hermite_rev.hermite import _generic_kernel_of

    sw, sb = sympy.sqrt(2), sympy.Rational(1, 10)
    got = _generic_kernel_of(sympy.erf(z), kind, 3, sw, sb, 1, 0, 10, 20)
    assert got.rigorous and got.tail.rigorous
    want = hr.taylor((kernels.erf_nngp if kind == "nngp" else kernels.erf_ntk)(3, sw, sb), 10, 20)
    for k, (x, y, e, f) in enumerate(zip(got, want, got.errors, want.errors)):
        assert abs(x - y) <= e + f, (k, x, y, e)
        assert e <= abs(y) * 1e-19, (k, y, e)


def test_results_are_values():
    b = ball_hermite(sympy.tanh(z), 5, 15)
    hc = hr.hermite_coeffs("tanh", 5, dps=15)
    env = growth_envelope(activation_expr("gelu"))
    for obj in (b, hc, env):
        assert pickle.loads(pickle.dumps(obj)) == obj
        assert copy.deepcopy(obj) == obj
    assert isinstance(b, BallHermite) and isinstance(hc, HermiteCoeffs) and isinstance(env, Envelope)
    with pytest.raises(AttributeError):
        b.dps = 3


# --------------------------------------------------------------------------------------------
# fuzz: random activations with kinks at known points
# --------------------------------------------------------------------------------------------

_BOUNDED = [sympy.tanh, sympy.erf, sympy.sin, sympy.cos, sympy.atan, lambda x: 1 / (1 + sympy.exp(-x))]
_GROWING = [lambda x: sympy.log(1 + sympy.exp(x)), lambda x: x * sympy.tanh(x), lambda x: sympy.sqrt(1 + x**2)]


def _kink_leaf():
    # relu / Abs of a shifted z: the oracle splits at the shift
    t = st.fractions(min_value=-2, max_value=2, max_denominator=4).map(
        lambda f: sympy.Rational(f.numerator, f.denominator)
    )
    return st.tuples(st.sampled_from(["relu", "abs"]), t).map(
        lambda p: (sympy.Max(0, z - p[1]) if p[0] == "relu" else sympy.Abs(z - p[1]), (p[1],))
    )


def _leaf():
    coef = st.fractions(min_value=-3, max_value=3, max_denominator=4).map(
        lambda f: sympy.Rational(f.numerator, f.denominator)
    )
    return st.one_of(
        st.just((z, ())),
        coef.map(lambda c: (c * z, ())),
        coef.map(lambda c: (c, ())),
        _kink_leaf(),
    )


def _extend(children):
    unary = st.tuples(st.sampled_from(_BOUNDED + _GROWING), children).map(lambda p: (p[0](p[1][0]), p[1][1]))
    binary = st.tuples(st.sampled_from(["+", "*"]), children, children).map(
        lambda p: (p[1][0] + p[2][0] if p[0] == "+" else p[1][0] * p[2][0], p[1][1] + p[2][1])
    )
    return st.one_of(unary, binary)


ACTIVATIONS = st.recursive(_leaf(), _extend, max_leaves=4).filter(lambda p: p[0].has(z))


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def _fuzz_one(phi, kinks, n, dps):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(120)
    try:
        try:
            b = ball_hermite(phi, n, dps)
        except ValueError as exc:  # a refusal: one line, says why
            assert "\n" not in str(exc)
            return "refused"
        want = oracle(phi, n, kinks, dps=40)
    except _Timeout:
        pytest.fail(f"ball_hermite({phi}, {n}, {dps}) ran for more than 120 s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    with mpmath.workdps(40):
        for k, (v, e, w) in enumerate(zip(b.values, b.errors, want)):
            assert abs(v - w) <= e + mpmath.mpf(10) ** -32, (str(phi), k, v, w, e)
            if b.proven[k] and not b.zero[k]:
                assert e <= abs(v) * mpmath.mpf(10) ** -dps, (str(phi), k, v, e)
    return "proven" if all(b.proven) else "balls"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(ACTIVATIONS)
def test_fuzz_random_activations_against_the_oracle(case):
    _fuzz_one(*case, n=6, dps=15)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(ACTIVATIONS)
def test_fuzz_random_activations_against_the_oracle_slow(case):
    _fuzz_one(*case, n=12, dps=25)
