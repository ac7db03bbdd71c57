import itertools

import mpmath
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import hermite_rev as hr
from hermite_rev import c, kernels, z

SQRT2 = sympy.sqrt(2)
TENTH = sympy.Rational(1, 10)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.one_of(st.just(0), st.fractions(min_value=0, max_value=3, max_denominator=40)), min_size=1, max_size=9),
    st.sampled_from(["nngp", "ntk"]),
)
def test_round_trip_reverse_then_forward_is_identity(coeffs, kind):
    a = [sympy.Rational(f.numerator, f.denominator) for f in coeffs]
    fam = hr.reverse(kernels.polynomial(a), kind=kind, n=len(a) + 2, dps=25)
    assert fam.count() == 2 ** sum(1 for x in a if x != 0)
    # every member (at most 8 checked) has the same kernel, equal to a
    for act in itertools.islice(fam.members(), 8):
        back = act.kernel(kind)
        with mpmath.workdps(25):
            for k, x in enumerate(back):
                want = mpmath.mpf(int(a[k].p)) / int(a[k].q) if k < len(a) else 0
                assert abs(x - want) <= back.errors[k] + mpmath.mpf(10) ** -23, (k, x, want)
    assert fam.tail().bound <= mpmath.mpf(10) ** -20


def test_theorem_relu_ntk_and_nngp_give_back_relu():
    # the 1HL ReLU net's kernels reverse-engineer to |b_k| of ReLU itself: the theorem, two ways
    b = hr.hermite_coeffs(sympy.Max(0, z), 12, exact=True)
    for kind, K in (("ntk", kernels.relu_ntk(1)), ("nngp", kernels.relu_nngp(1))):
        fam = hr.reverse(K, kind=kind, n=12, exact=True)
        for k in range(12):
            assert sympy.simplify(fam.exact[k] - sympy.Abs(b.exact[k])) == 0
        relu = fam.activation(signs={k: (1 if b.exact[k] > 0 else -1) for k in fam.nonzero})
        with mpmath.workdps(30):
            assert all(x.ae(y) for x, y in zip(relu.coeffs, b.values))


def test_deep_relu_ntk_family():
    K = kernels.relu_ntk(depth=4, sigma_w=SQRT2, sigma_b=TENTH)
    fam = hr.reverse(K, "ntk", n=40, dps=30)
    assert fam.count() == 2**40 and len(fam.nonzero) == 40
    act = fam.activation()
    assert all(b > 0 for b in act.coeffs)
    back = act.kernel("ntk")
    with mpmath.workdps(30):
        for x, y in zip(back, fam.taylor):
            assert abs(x - y) <= abs(y) * mpmath.mpf(10) ** -28
    # tail: K(1) - sum of the NTK coefficients, and a bound on every member's sup kernel error
    with mpmath.workdps(30):
        assert fam.tail().k1.ae(mpmath.mpf("5.07"))
        assert fam.tail().bound >= mpmath.mpf("5.07") - mpmath.fsum(back)
    more = hr.reverse(K, "ntk", n=200, dps=30)
    assert more.tail().bound < fam.tail().bound


def test_members_are_lazy_and_distinct():
    fam = hr.reverse(kernels.relu_ntk(depth=3), "ntk", n=60, dps=20)
    it = fam.members()
    first = [next(it) for _ in range(3)]
    assert [fam.signs_of(a) for a in first] == [[1] * 59 + [1], [1] * 59 + [-1], [1] * 58 + [-1, 1]]


def test_small_family_enumerates_count_members():
    fam = hr.reverse(1 + c + c**3, "nngp", n=5, dps=20)
    members = list(fam.members())
    assert len(members) == fam.count() == 8
    assert len({tuple(fam.signs_of(a)) for a in members}) == 8
    assert fam.nonzero == (0, 1, 3)


def test_activation_expr_and_derivative_exact():
    fam = hr.reverse(sympy.exp(c), "nngp", n=6, exact=True)
    act = fam.activation(signs=[1, -1, 1, 1, 1, 1])
    # nngp of exp(c): b_k = 1/sqrt(k!) -> phi = sum h_k/sqrt(k!)
    assert act.exact[1] == -1 and act.exact[3] == 1 / sympy.sqrt(6)
    assert sympy.expand(sympy.diff(act.expr, z) - act.derivative().expr) == 0
    with mpmath.workdps(30):
        assert act(mpmath.mpf("0.7")).ae(mpmath.mpf(sympy.N(act.expr.subs(z, sympy.Rational(7, 10)), 40)))


def test_activation_from_expr_kernel_matches_kernel_of():
    act = hr.Activation.from_expr(sympy.sin(6 * z) / 2, 20)
    a = act.kernel("ntk")
    b = hr.kernel_of(sympy.sin(6 * z) / 2, "ntk", n=20)
    with mpmath.workdps(30):
        assert all(abs(x - y) <= mpmath.mpf(10) ** -28 * max(abs(y), 1e-30) for x, y in zip(a, b))


def test_repr_is_informative():
    fam = hr.reverse(kernels.relu_ntk(2), "ntk", n=10)
    assert "count=2**" in repr(fam) and "ntk" in repr(fam)
    assert "degree=" in repr(fam.activation())


@pytest.mark.parametrize(
    "K,exc,needle",
    [
        (sympy.cos(c), hr.NotAKernelError, "a_2 = -0.5"),
        (1 - c, hr.NotAKernelError, "a_1 = -1"),
        (1 / (1 - c), hr.DivergentSeriesError, "infinite at c = 1"),
        (1 / (1 - 2 * c), hr.DivergentSeriesError, "diverges at c = 1"),
        (sympy.sqrt(c), hr.NotAnalyticError, "not analytic at c = 0"),
        (c + sympy.Symbol("x"), ValueError, "free symbol"),
    ],
)
def test_reverse_bad_kernels(K, exc, needle):
    with pytest.raises(exc, match=needle):
        hr.reverse(K, n=12)


def test_bad_signs_and_sizes():
    fam = hr.reverse(1 + c + c**3, "nngp", n=5)
    with pytest.raises(ValueError, match="one entry per nonzero"):
        fam.activation([1, 1])
    with pytest.raises(ValueError, match="signs\\[1\\]=0"):
        fam.activation([1, 0, 1])
    with pytest.raises(ValueError, match="zero there"):
        fam.activation({2: -1})
    with pytest.raises(ValueError, match="n=0"):
        hr.reverse(sympy.exp(c), n=0)
    with pytest.raises(ValueError, match="kind"):
        hr.reverse(sympy.exp(c), kind="gp")
