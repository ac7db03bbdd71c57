"""Deep reverse engineering: formal compositional roots, refusals, fits, forward checks."""

import re

import mpmath
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev.deep import NotRealizableError, numpy_forward

c = hr.c
half = sympy.Rational(1, 2)


def compose(f, g):
    return sympy.expand(f.subs(c, g))


def ntk_of_dual(kappa, L, s=1):
    """NTK of a stationary depth-L net with dual kappa (sigma_b = 0), written out in sympy."""
    dk = sympy.diff(kappa, c)
    S, T = c, sympy.Integer(0)
    for _ in range(L):
        T = sympy.expand((S + T) * dk.subs(c, S))
        S = compose(kappa, S)
    return sympy.expand(s * (S + T))


def sympy_root(K, L, n, kind="nngp"):
    """Independent oracle: solve kappa^(oL) = K (or NTK_L[kappa] = K) order by order with sympy.solve."""
    ks = sympy.symbols(f"k1:{n}")
    a = sympy.Poly(sympy.series(K, c, 0, n).removeO(), c)
    kappa = sympy.Integer(0)
    vals = {}
    for m in range(1, n):
        kappa = kappa + ks[m - 1] * c**m
        cur = kappa.subs(vals)
        F = cur
        if kind == "nngp":
            for _ in range(L - 1):
                F = sympy.expand(cur.subs(c, F))
        else:
            F = ntk_of_dual(cur, L)
        eq = sympy.expand(F).coeff(c, m) - a.coeff_monomial(c**m)
        sols = [v for v in sympy.solve(eq, ks[m - 1]) if v.is_real and (m > 1 or v > 0)]
        vals[ks[m - 1]] = sols[0]
    return [sympy.Integer(0)] + [sympy.nsimplify(vals[k]) for k in ks]


# --- exact roots: round trips -------------------------------------------------------------


@pytest.mark.parametrize(
    "kappa, L", [((c + c**2) / 2, 2), ((c + c**3) / 2, 3), ((c + c**2) / 2, 1), (c**2, 2), ((c**2 + c**3) / 2, 2)]
)
def test_exact_root_round_trip(kappa, L):
    K = kappa
    for _ in range(L - 1):
        K = compose(kappa, K)
    deg = sympy.degree(kappa, c)
    fam = hr.deep_reverse(K, L, n=deg + 2)
    rep = fam.report
    assert rep.method == "exact root"
    want = [sympy.Poly(kappa, c).coeff_monomial(c**k) for k in range(deg + 2)]
    assert list(rep.dual_exact) == want
    assert rep.reached and rep.sup_error < 1e-25
    assert rep.root_tail == 0


def test_exact_ntk_root_round_trip():
    kappa = (c + c**2) / 2
    K = ntk_of_dual(kappa, 2)  # independent sympy NTK recursion
    fam = hr.deep_reverse(K, 2, "ntk", n=4, sigma_w_last=1)
    assert fam.report.method == "exact root"
    assert list(fam.report.dual_exact) == [0, half, half, 0]


def test_ball_root_matches_sympy_oracle_and_closed_form():
    # c/(2 - c) = f o f with the Moebius map f(c) = l c / (1 - (1 - l) c), l = 2^(-1/2)
    K = c / (2 - c)
    fam = hr.deep_reverse(K, 2, n=8)
    assert fam.report.method == "ball root"
    mpmath.mp.dps = 40
    lam = 1 / mpmath.sqrt(2)
    closed = [0] + [lam * (1 - lam) ** (k - 1) for k in range(1, 8)]
    oracle = sympy_root(K, 2, 5)
    for k in range(8):
        assert abs(fam.report.root[k] - closed[k]) < 1e-28
    for k in range(5):
        assert abs(fam.report.root[k] - mpmath.mpf(sympy.N(oracle[k], 40))) < 1e-25
    # the truncated root's dropped mass is the closed form's tail
    assert abs(fam.report.root_tail - (1 - mpmath.fsum(closed))) < 1e-25


def test_ntk_ball_root_matches_sympy_oracle():
    K = ntk_of_dual((c + c**2 + c**3) / 3, 2)
    fam = hr.deep_reverse(K, 2, "ntk", n=5, sigma_w_last=1)
    oracle = sympy_root(K, 2, 5, "ntk")
    mpmath.mp.dps = 40
    for k in range(5):
        assert abs(fam.report.root[k] - mpmath.mpf(sympy.N(oracle[k], 40))) < 1e-25


# --- refusals with the reason -------------------------------------------------------------


def test_lowest_exponent_not_an_lth_power():
    with pytest.raises(NotRealizableError, match=r"lowest exponent .* m = 3, which is not an L-th power"):
        hr.deep_reverse(c**3, 2)
    hr.deep_reverse(c**9, 2, n=4)  # 9 = 3^2: kappa = c^3
    with pytest.raises(NotRealizableError, match="m = 9"):
        hr.deep_reverse(c**9, 3)


def test_negative_root_coefficient_named_and_confirmed_by_oracle():
    with pytest.raises(NotRealizableError, match=r"kappa_5 = -0\.0066") as exc:
        hr.deep_reverse(sympy.sinh(c), 2, n=8)
    assert "negative coefficient" in str(exc.value)
    oracle = sympy_root(sympy.sinh(c) / sympy.sinh(1), 2, 6)
    assert all(sympy.N(v) >= 0 for v in oracle[:5]) and sympy.N(oracle[5]) < 0
    assert abs(sympy.N(oracle[5]) + 0.0066157601) < 1e-9


def test_refusals_and_bad_input():
    with pytest.raises(hr.NotAKernelError, match="a_2"):
        hr.deep_reverse(c - c**2 / 2, 2)
    with pytest.raises(hr.HermiteRevError, match="depth"):
        hr.deep_reverse(c, 0)
    with pytest.raises(hr.HermiteRevError, match="depth must be at most"):
        hr.deep_reverse(c, 100)
    with pytest.raises(hr.HermiteRevError, match="n must be at most"):
        hr.deep_reverse(c, 2, n=10**6)
    with pytest.raises(hr.HermiteRevError, match="method"):
        hr.deep_reverse(c, 2, method="magic")
    with pytest.raises(hr.HermiteRevError, match="sigma_w must be nonzero"):
        hr.deep_reverse(c, 2, sigma_w=0)
    with pytest.raises(hr.HermiteRevError, match="K\\(0\\) = .* != 0"):
        hr.deep_reverse(sympy.exp(c), 2, method="series")
    with pytest.raises(NotRealizableError, match="K\\(1\\) = 2"):
        hr.deep_reverse(2 * c**2, 1, sigma_w_last=1)


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"sigma_w": 1e300}, r"sigma_w=1e\+300 is too large: sigma_w\*\*2 overflows float64"),
        ({"sigma_w": 1e-300}, r"sigma_w=1e-300 is too small: sigma_w\*\*2 underflows float64"),
        ({"sigma_b": -1e200}, r"sigma_b=-1e\+200 is too large"),
    ],
)
def test_sigmas_out_of_float_range_are_named(kw, message):
    # before: sigma_w=1e300 with sigma_b=0.1 ended in scipy's "Residuals are not finite in the
    # initial point", sigma_w=1e-300 was called zero ("must be nonzero")
    with pytest.raises(hr.HermiteRevError, match=message) as info:
        hr.deep_reverse(hr.kernels.relu_nngp(depth=2), 2, n=6, dps=15, **{"sigma_b": 0.1, **kw})
    assert "\n" not in str(info.value) and "1e-150 <= |sigma_w| <= 1e150" in str(info.value)


def test_tiny_sigma_w_within_the_range_is_not_zero():
    # nsimplify rounded sigma_w^2 = 1e-300 to 0 ("must be nonzero")
    fam = hr.deep_reverse(hr.kernels.relu_nngp(depth=2), 2, n=6, dps=15, sigma_w=1e-150)
    assert fam.report.sigma_w == sympy.Rational(1, 10**150)


# --- forward map: members give K ---------------------------------------------------------


def _values_match(K, fam, cs, extra=0.0):
    """|forward kernel of a member - K| at cs <= reported sup error + what the forward series drops."""
    act = fam.activation()
    F = fam.check(act)
    for x in cs:
        series = mpmath.fsum(f * mpmath.mpf(x) ** k for k, f in enumerate(F))
        target = mpmath.mpf(sympy.N(K.subs(c, sympy.Rational(x)), 30))
        slack = fam.report.sup_error + F.tail.bound + mpmath.fsum(F.errors) + extra
        assert abs(series - target) <= slack, (x, series, target, slack)


def test_forward_map_exact_root_through_kernel_of():
    kappa = (c + c**2) / 2
    K = 3 * compose(kappa, kappa)  # K(1) = 3: the readout variance
    fam = hr.deep_reverse(K, 2, n=4)
    assert fam.report.readout_variance == 3 and fam.report.dual_exact == (0, half, half, 0)
    want = sympy.Poly(K, c).all_coeffs()[::-1]
    for act in fam.members():  # every sign member, through kernel_of at depth 2 with sigma_w_last = sqrt(3)
        F = fam.check(act)
        for k in range(4):
            assert abs(F[k] - want[k]) <= F.errors[k] + 1e-25


def test_forward_map_ball_root_with_sigma_w():
    # sigma_b = 0, sigma_w^2 = 2: the member is psi(z / sqrt 2); the dual (and K) do not change
    K = c / (2 - c)
    fam = hr.deep_reverse(K, 2, n=10, sigma_w=sympy.sqrt(2), dps=20)
    assert fam.qstar == 2
    _values_match(K, fam, [-0.7, 0.0, 0.4, 0.9])


def test_fit_with_bias_is_honest_and_checked_forward():
    K = sympy.exp(c)
    fam = hr.deep_reverse(K, 2, "nngp", n=8, dps=20, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    rep = fam.report
    assert rep.method == "fit" and not rep.reached
    assert sum(rep.dual_exact) == 1 and all(v >= 0 for v in rep.dual_exact)
    assert rep.grid_error <= rep.sup_error < 1e-2
    _values_match(K, fam, [-1.0, -0.3, 0.5, 1.0])


def test_fit_ntk_readout_free():
    fam = hr.deep_reverse(sympy.exp(c), 2, "ntk", n=8, dps=20)
    rep = fam.report
    assert rep.method == "fit" and rep.sup_error < 1e-2
    # the reported bound is at least the error measured independently on a grid
    g = [float(v) for v in rep.dual]
    cs = np.linspace(-1, 1, 41)
    F = numpy_forward(g, cs, 2, "ntk", 1.0, 0.0, 1.0, float(rep.readout_variance))
    assert np.abs(F - np.exp(cs)).max() <= float(rep.sup_error)


def test_depth_one_is_the_shallow_theorem():
    K = sympy.tan(c)
    deep_fam = hr.deep_reverse(K, 1, n=10, dps=20)
    shallow = hr.reverse(K, "nngp", n=10, dps=20)
    k1 = mpmath.tan(1)
    for k in range(9):
        assert abs(deep_fam.magnitudes[k] ** 2 * k1 - shallow.magnitudes[k] ** 2) < 1e-15


def test_family_interface():
    fam = hr.deep_reverse((c + c**3) / 2, 1, n=4)
    assert fam.count() == 2 ** len(fam.nonzero) == 4
    assert len(list(fam.members())) == 4
    assert fam.tail().bound == fam.report.sup_error
    assert "exact root" in str(fam.report) and "DeepActivationFamily" in repr(fam)


def test_empirical_nngp_of_finite_net():
    kappa = (c + c**2) / 2
    K = compose(kappa, kappa)
    fam = hr.deep_reverse(K, 2, n=3)
    cs = [0.0, 0.5, 1.0]
    emp = np.mean(
        [hr.verify.empirical_kernel(fam.activation(), "nngp", width=2**11, cs=cs, seed=s, depth=2) for s in range(2)],
        axis=0,
    )
    want = np.array([float(K.subs(c, x)) for x in cs])
    assert np.abs(emp - want).max() < 0.12


@pytest.mark.slow
def test_empirical_nngp_of_finite_net_wide():
    K = c / (2 - c)
    fam = hr.deep_reverse(K, 2, n=10, dps=20)
    cs = [-0.5, 0.0, 0.5, 0.9]
    emp = np.mean(
        [hr.verify.empirical_kernel(fam.activation(), "nngp", width=2**14, cs=cs, seed=s, depth=2) for s in range(4)],
        axis=0,
    )
    want = np.array([x / (2 - x) for x in cs])
    assert np.abs(emp - want).max() < 0.03


# --- reverse o forward = identity on random non-negative rational duals ------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=2), st.integers(1, 5), st.integers(2, 3))
def test_round_trip_random_rational_duals(weights, w1, L):
    # kappa = (w1 c + sum_k w_k c^(k+2)) / total: rational, kappa(0) = 0, kappa(1) = 1, kappa'(0) > 0
    ws = [0, w1, *weights]
    total = sum(ws)
    kappa = sum(sympy.Rational(w, total) * c**k for k, w in enumerate(ws))
    K = c
    for _ in range(L):
        K = compose(kappa, K)
    n = len(ws) + 1
    fam = hr.deep_reverse(K, L, n=n, dps=20)
    root = [sympy.Rational(w, total) for w in ws] + [0]
    if fam.report.method == "exact root":
        assert list(fam.report.dual_exact) == root
    else:  # kappa'(0)^L rational but its L-th root is not: balls
        assert all(abs(fam.report.root[k] - mpmath.mpf(sympy.N(root[k], 30))) < 1e-18 for k in range(n))
    assert fam.report.sup_error < 1e-18


def test_empirical_nngp_with_bias_and_readout():
    # fit route, sigma_w^2 = 2, sigma_b = 0.1 (member rescaled to q* = 2.01), readout variance e:
    # a finite net of that activation, built by hr.nets, reproduces exp(c)
    fam = hr.deep_reverse(sympy.exp(c), 2, n=6, dps=15, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    rep = fam.report
    cs = [-0.5, 0.0, 0.5, 1.0]
    emp = np.mean(
        [
            hr.verify.empirical_kernel(
                fam.activation(),
                "nngp",
                width=2**11,
                cs=cs,
                seed=s,
                depth=2,
                sigma_w=rep.sigma_w,
                sigma_b=rep.sigma_b,
                sigma_w_last=float(rep.sigma_w_last),
            )
            for s in range(2)
        ],
        axis=0,
    )
    want = np.exp(cs)
    assert float(rep.sup_error) < 0.01
    assert np.abs(emp - want).max() < 0.07  # measured 0.048; sigma_b = 0 in the net gives 0.088, sigma_w = 1 gives 2.4


# --- a kernel with a negative Taylor coefficient is refused on every route ---------------


@pytest.mark.parametrize("text, k", [("cos(c)", 2), ("2 - c", 1), ("1 + c - c**2/4", 2)])
def test_negative_coefficient_refused_on_the_fit_route(text, k):
    # K(0) != 0 sends these to the fit route, which used to clip a_k < 0 to 0 and return a fitted family;
    # no network of any depth has such a kernel (Schoenberg), so NotAKernelError names k and a_k.
    # The coefficient from sympy's own series, independently of hr.taylor:
    ak = sympy.series(sympy.sympify(text, locals={"c": c}), c, 0, k + 1).removeO().coeff(c, k)
    assert ak < 0
    for kind in ("nngp", "ntk"):
        with pytest.raises(hr.NotAKernelError, match=rf"a_{k} = {re.escape(str(float(ak)))} is negative") as exc:
            hr.deep_reverse(text, 2, kind)
        assert f"depth-2 network has it as {kind.upper()}" in str(exc.value)


def test_negative_coefficient_refused_on_the_root_route_and_beyond_n():
    with pytest.raises(hr.NotAKernelError, match=r"a_3 = -1/8"):  # exact root route (a polynomial)
        hr.deep_reverse(c + c**2 / 2 - c**3 / 8, 2, n=5)
    # a_5 < 0 lies beyond the n = 3 coefficients the fit uses: the certificate's check refuses it
    with pytest.raises(hr.NotAKernelError, match=r"a_5 = -0\.1"):
        hr.deep_reverse(1 + c / 2 + c**2 / 4 - c**5 / 10, 2, n=3, dps=15)


# --- results are values ------------------------------------------------------------------


@pytest.mark.parametrize(
    "K, kw", [(compose((c + c**2) / 2, (c + c**2) / 2), {"n": 4}), (c / (2 - c), {"sigma_w": sympy.sqrt(2), "n": 6})]
)
def test_family_and_report_are_values(K, kw):
    import copy
    import dataclasses
    import pickle

    fam = hr.deep_reverse(K, 2, **kw)
    for other in (pickle.loads(pickle.dumps(fam)), copy.deepcopy(fam), copy.copy(fam)):
        assert other == fam and hash(other) == hash(fam) and type(other) is hr.DeepActivationFamily
        assert other.report == fam.report and hash(other.report) == hash(fam.report)
        assert [x.coeffs for x in other.members()] == [x.coeffs for x in fam.members()]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fam.depth = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        fam.report.method = "fit"
    assert fam != hr.deep_reverse(K, 1, **kw)
    assert type(fam).__module__ == "hermite_rev.deep" and type(fam.report).__module__ == "hermite_rev.deep"


# --- the layer recursion is one function over every number type --------------------------


def test_forward_recursion_agrees_on_every_number_type():
    import flint

    from hermite_rev.deep._forward import PointOps, forward_at_one, layer_recursion, mpmath_forward

    g = [sympy.Rational(1, 8), sympy.Rational(1, 4), sympy.Rational(1, 2), sympy.Rational(1, 8)]
    L, sw, sb, s = 3, 1, sympy.Rational(1, 2), sympy.Rational(3, 2)
    sw2, sb2, qs = 1, sympy.Rational(1, 4), sympy.Rational(5, 4)
    x = sympy.Rational(3, 10)
    # independent oracle: the recursion written out in sympy, as a polynomial in c
    dg = [k * g[k] for k in range(1, 4)]
    S, T = c, sympy.Integer(0)
    for _ in range(L):
        pre = sw2 * S + sb2
        rho = pre / qs
        T = sympy.expand((pre + sw2 * T) * sum(d * rho**k for k, d in enumerate(dg)) / qs)
        S = sympy.expand(sum(gk * rho**k for k, gk in enumerate(g)))
    for kind in ("nngp", "ntk"):
        want = sympy.Poly(s * (S if kind == "nngp" else S + T), c)
        N = want.degree() + 1
        series = hr.deep.deep_forward(g, L, kind, N, sigma_w=sw, sigma_b=sb, readout=s, exact=True)
        assert [sympy.Rational(int(v.p), int(v.q)) for v in series] == want.all_coeffs()[::-1]
        q = [flint.fmpq(int(v.p), int(v.q)) for v in g]
        fq = [flint.fmpq(1), flint.fmpq(1, 4), flint.fmpq(5, 4), flint.fmpq(3, 2)]
        assert layer_recursion(PointOps(q), flint.fmpq(3, 10), L, kind, *fq) == want.eval(x)
        assert forward_at_one(q, L, kind, *fq) == want.eval(1)
        with mpmath.workdps(40):
            gm = [mpmath.mpf(int(v.p)) / int(v.q) for v in g]
            val = mpmath_forward(gm, mpmath.mpf(3) / 10, L, kind, 1, 0.25, 1.25, 1.5)
            assert abs(val - mpmath.mpf(sympy.N(want.eval(x), 50))) < mpmath.mpf(10) ** -35
        cs = np.linspace(-1, 1, 7)
        gf = [float(v) for v in g]
        F, J = numpy_forward(gf, cs, L, kind, 1.0, 0.25, 1.25, 1.5, jac=True)
        assert np.allclose(F, numpy_forward(gf, cs, L, kind, 1.0, 0.25, 1.25, 1.5), rtol=0, atol=1e-14)
        assert np.allclose(F, [float(want.eval(sympy.Rational(str(t)))) for t in cs], rtol=1e-13)
        for k in range(4):  # the Jacobian against central differences
            h = 1e-6
            up = numpy_forward([v + h * (i == k) for i, v in enumerate(gf)], cs, L, kind, 1.0, 0.25, 1.25, 1.5)
            dn = numpy_forward([v - h * (i == k) for i, v in enumerate(gf)], cs, L, kind, 1.0, 0.25, 1.25, 1.5)
            assert np.allclose(J[:, k], (up - dn) / (2 * h), rtol=1e-6, atol=1e-6)
