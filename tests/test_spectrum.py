"""Tests for hermite_rev.spectrum: Funk-Hecke eigenvalues, their error bounds, decay analysis.

Oracles: exact rationals from sympy integration, mpmath.quad with mpmath's own Gegenbauer
polynomials, the Bessel closed form of exp(c)'s spectrum, and Mercer's trace identity.
"""

import math

import mpmath
import pytest
import sympy

import hermite_rev as hr
from hermite_rev import spectrum as S
from hermite_rev._core.precision import arb_exact, to_mpf
from hermite_rev.spectrum._funk_hecke import _fh_arb, _fh_max_beyond

c = hr.c


# --------------------------------------------------------------------------------------------
# exact building blocks
# --------------------------------------------------------------------------------------------


def test_multiplicity_known_tables():
    assert [S.multiplicity(2, k) for k in range(6)] == [1, 2, 2, 2, 2, 2]
    assert [S.multiplicity(3, k) for k in range(6)] == [2 * k + 1 for k in range(6)]
    assert [S.multiplicity(4, k) for k in range(6)] == [(k + 1) ** 2 for k in range(6)]
    # N(d, k) = binom(k+d-1, d-1) - binom(k+d-3, d-1): harmonic polynomials of degree k
    for d in range(2, 9):
        for k in range(12):
            assert S.multiplicity(d, k) == math.comb(k + d - 1, d - 1) - (math.comb(k + d - 3, d - 1) if k >= 2 else 0)


def _moment(m, d):
    # E[t^m] for t = <x, e> with x uniform on S^{d-1}: the Beta integral of (1-t^2)^((d-3)/2)
    if m % 2:
        return sympy.Integer(0)
    return (
        sympy.gamma(sympy.Rational(d, 2))
        * sympy.gamma(sympy.Rational(m + 1, 2))
        / (sympy.sqrt(sympy.pi) * sympy.gamma(sympy.Rational(m + d, 2)))
    )


@pytest.mark.parametrize("d", [2, 3, 4, 5, 7])
def test_funk_hecke_power_matches_gegenbauer_moments(d):
    # second route: expand sympy's Gegenbauer polynomial in monomials, integrate term by term
    t = sympy.Symbol("t", real=True)
    lam = sympy.Rational(d - 2, 2)
    for k in range(6):
        P = sympy.chebyshevt(k, t) if d == 2 else sympy.gegenbauer(k, lam, t) / sympy.gegenbauer(k, lam, 1)
        poly = sympy.Poly(sympy.expand(P), t)
        for j in range(10):
            direct = sympy.nsimplify(
                sympy.simplify(sum(coef * _moment(j + mon[0], d) for mon, coef in zip(poly.monoms(), poly.coeffs())))
            )
            assert S.funk_hecke_power(j, k, d) == direct, (j, k, d)


def test_funk_hecke_power_sympy_integral_d3():
    t = sympy.Symbol("t", real=True)
    for k in range(3):
        for j in range(5):
            direct = sympy.integrate(t**j * sympy.legendre(k, t), (t, -1, 1)) / 2
            assert S.funk_hecke_power(j, k, 3) == direct


def test_funk_hecke_power_is_a_probability_split():
    # sum_k N(d,k) mu_k(c^j) = 1 (Mercer at c = 1), and every term is non-negative
    for d in (2, 3, 4, 6):
        for j in range(15):
            parts = [S.multiplicity(d, k) * S.funk_hecke_power(j, k, d) for k in range(j + 1)]
            assert all(p >= 0 for p in parts)
            assert sum(parts) == 1


def test_funk_hecke_arb_agrees_with_exact_for_large_degrees():
    for j, k, d in [(300, 100, 3), (301, 201, 5), (500, 0, 2), (250, 250, 10)]:
        exact = S.funk_hecke_power(j, k, d)
        ball = _fh_arb(j, k, d)
        assert ball.overlaps(arb_exact(mpmath.mpf(sympy.N(exact, 30))))


def _fh_mpmath(j, k, d):
    m = (j - k) // 2
    return (
        mpmath.factorial(j)
        * mpmath.gamma(mpmath.mpf(d) / 2)
        * mpmath.gamma(m + mpmath.mpf(1) / 2)
        / (2**k * mpmath.factorial(j - k) * mpmath.sqrt(mpmath.pi) * mpmath.gamma(m + k + mpmath.mpf(d) / 2))
    )


def test_max_beyond_is_the_maximum():
    for d in (2, 3, 6):
        for k in (0, 3, 10, 25):
            for n in (k, k + 7, 40):
                with mpmath.workdps(30):
                    brute = max(_fh_mpmath(j, k, d) for j in range(max(n, k), 1000) if (j - k) % 2 == 0)
                    got = _fh_max_beyond(n, k, d)
                    assert mpmath.almosteq(to_mpf(got), brute, 1e-12), (d, k, n)


def test_gegenbauer_matches_mpmath():
    with mpmath.workdps(30):
        for t in (mpmath.mpf("0.3"), mpmath.mpf("-0.77")):
            for k in range(8):
                assert S.gegenbauer(k, 2, t).ae(mpmath.chebyt(k, t))
                assert S.gegenbauer(k, 3, t).ae(mpmath.legendre(k, t))
                assert S.gegenbauer(k, 6, t).ae(mpmath.gegenbauer(k, 2, t) / mpmath.gegenbauer(k, 2, 1))


@pytest.mark.parametrize("nu", ["1/2", "3/2", "1/3"])
@pytest.mark.parametrize("d", [3, 4])
def test_power_eigenvalue_against_quadrature(nu, d):
    nu = sympy.Rational(nu)
    K = (1 - c) ** nu
    for k in range(5):
        got = S.power_eigenvalue(nu, k, d, dps=20)
        ref, err = S.eigenvalue_quad(K, d, k, dps=20)
        assert mpmath.almosteq(got, ref, 1e-15, 1e-15), (nu, d, k, got, ref)


# --------------------------------------------------------------------------------------------
# spectra
# --------------------------------------------------------------------------------------------


def _bessel_exp(d, k):
    # exp(c) on S^{d-1}: mu_k = Gamma(d/2) 2^{d/2-1} I_{k+d/2-1}(1)
    h = mpmath.mpf(d) / 2
    return mpmath.gamma(h) * mpmath.mpf(2) ** (h - 1) * mpmath.besseli(k + h - 1, 1)


@pytest.mark.parametrize("d", [2, 3, 4, 7])
def test_exp_spectrum_series_is_the_bessel_closed_form(d):
    s = S.spectrum(sympy.exp(c), d, 60, dps=30)
    assert s.rigorous and set(s.sources) == {"series"}
    with mpmath.workdps(40):
        for k in range(61):
            ref = _bessel_exp(d, k)
            assert abs(s[k] - ref) <= s.errors[k] + abs(ref) * mpmath.mpf(10) ** -29, (d, k)
            assert s.errors[k] < abs(ref) * mpmath.mpf(10) ** -25


def test_eigenvalue_quad_at_an_exact_zero_of_the_gegenbauer_polynomial():
    # the fuzzer: eigenvalue_quad("c**2 + exp(c)/3", d=5, k=3, dps=19) raised mpmath's multi-line
    # "hypsum() failed to converge": at that precision the middle piece is exactly symmetric, its
    # centre node is t = 0, and P_3(0) = 0 is a complete cancellation of mpmath's 2F1 sum
    got, err = S.eigenvalue_quad("c**2 + exp(c)/3", d=5, k=3, dps=19)
    with mpmath.workdps(40):
        ref = _bessel_exp(5, 3) / 3  # c^2 has no degree-3 part
    assert abs(got - ref) <= 1e-18 * abs(ref), (got, ref)
    assert err < 1e-18 * abs(ref)
    # the same cancellation at every precision and odd degree (t = 0), and d = 4, k = 5 (t = 1/2)
    for dps in range(15, 31):
        for d, k in ((3, 1), (5, 3), (4, 5)):
            got, _ = S.eigenvalue_quad(sympy.exp(c), d, k, dps=dps)
            with mpmath.workdps(dps + 10):
                ref = _bessel_exp(d, k)
            assert abs(got - ref) <= mpmath.mpf(10) ** (3 - dps) * abs(ref), (dps, d, k, got, ref)
    with mpmath.workdps(19):
        assert mpmath.gegenbauer(5, 1, mpmath.mpf(1) / 2, zeroprec=200) == 0  # U_5(1/2) = 0 exactly


def test_eigenvalue_quad_turns_an_mpmath_failure_into_one_line(monkeypatch):
    def fail(*args, **kwargs):
        raise ValueError("hypsum() failed to converge to the requested 140 bits\nof accuracy")

    monkeypatch.setattr(mpmath, "quad", fail)
    with pytest.raises(hr.HermiteRevError) as info:
        S.eigenvalue_quad("exp(c)", 5, 3, dps=19)
    msg = str(info.value)
    assert "\n" not in msg and "k=3" in msg and "d=5" in msg and "hypsum() failed" in msg, msg


def test_quadrature_agrees_with_series_and_mpmath_quad():
    K = hr.kernels.erf_nngp(1)
    ser = S.spectrum(K, 3, 12, dps=25, method="series")
    quad = S.spectrum(K, 3, 12, dps=25, method="quadrature")
    with mpmath.workdps(25):
        for k in range(13):
            assert abs(ser[k] - quad[k]) <= ser.errors[k] + quad.errors[k] + abs(ser[k]) * 1e-22
    for k in (0, 1, 4, 7):
        ref, _ = S.eigenvalue_quad(K, 3, k, dps=20)
        assert mpmath.almosteq(quad[k], ref, 1e-15, 1e-18)


def test_series_error_bound_contains_true_value_for_relu_ntk():
    # slowly converging series (a_j ~ j^-3/2): the truncation bound must still hold
    K = hr.kernels.relu_ntk(3)
    ser = S.spectrum(K, 3, 15, n_taylor=60, dps=20, method="series")
    quad = S.spectrum(K, 3, 15, dps=20, method="quadrature")
    assert ser.rigorous and not quad.rigorous
    for k in range(16):
        assert abs(ser[k] - quad[k]) <= ser.errors[k], k
        assert ser.errors[k] > 1e-6  # the bound is honest: 60 terms do not give many digits


def test_auto_switches_to_quadrature_where_the_series_is_poor():
    K = hr.kernels.arccos(0)
    s = S.spectrum(K, 3, 30, dps=20)
    assert "quadrature" in s.sources and not s.rigorous
    # arccos(0) = 1/2 + asin(c)/pi: even mu_k (k >= 2) vanish, odd ones are power_eigenvalue sums
    for k in range(2, 31, 2):
        assert abs(s[k]) <= s.errors[k] + 1e-25
    for k in range(1, 31, 2):
        assert s.resolved(k) and s.errors[k] < 1e-15 * abs(s[k])


def test_polynomial_kernel_is_exact():
    s = S.spectrum([1, 2, 3], 3, 5, n_taylor=3, exact=True)
    # 1 + 2c + 3c^2 on S^2: mu_0 = 1 + 3 * 1/3, mu_1 = 2/3, mu_2 = 3 * 2/15
    assert s.exact == (2, sympy.Rational(2, 3), sympy.Rational(2, 5), 0, 0, 0)
    with mpmath.workdps(30):
        for k, ex in enumerate(s.exact):
            assert abs(s[k] - mpmath.mpf(sympy.N(ex, 40))) <= s.errors[k]
    assert all(e < 1e-25 for e in s.errors)


def test_mercer_trace_recovers_K_at_1():
    s = S.spectrum(hr.kernels.erf_ntk(2), 4, 50, dps=25)
    k1 = hr.taylor(hr.kernels.erf_ntk(2), 2).tail.k1
    assert mpmath.almosteq(s.trace(), k1, 1e-12)


def test_spectrum_rejects_bad_input():
    with pytest.raises(ValueError, match="d=1"):
        S.spectrum(sympy.exp(c), 1, 5)
    with pytest.raises(ValueError, match="kmax"):
        S.spectrum(sympy.exp(c), 3, -1)
    with pytest.raises(ValueError, match="method"):
        S.spectrum(sympy.exp(c), 3, 5, method="fourier")
    with pytest.raises(ValueError, match="free symbol"):
        S.spectrum(sympy.exp(c * sympy.Symbol("x")), 3, 5)
    with pytest.raises(hr.NotAKernelError, match="a_1"):
        S.spectrum(1 - c / 2, 3, 5, method="series")
    with pytest.raises(ValueError, match="exact=True"):
        S.spectrum(sympy.exp(c), 3, 5, method="quadrature", exact=True)
    # a kernel that is not positive definite still has a spectrum by quadrature
    q = S.spectrum(1 - c / 2, 3, 2, method="quadrature")
    assert q[1].ae(-mpmath.mpf(1) / 6)


# --------------------------------------------------------------------------------------------
# endpoint expansions and decay
# --------------------------------------------------------------------------------------------


def test_endpoint_expansion_arccos_exact():
    e0 = S.endpoint_expansion(hr.kernels.arccos(0), 1, order=2, exact=True)
    assert e0.nu == sympy.Rational(1, 2)
    assert sympy.simplify(e0.coefficient + sympy.sqrt(2) / sympy.pi) == 0
    e1 = S.endpoint_expansion(hr.kernels.arccos(1), 1, order=3, exact=True)
    assert e1.nu == sympy.Rational(3, 2)
    assert sympy.simplify(e1.coefficient - 2 * sympy.sqrt(2) / (3 * sympy.pi)) == 0
    em = S.endpoint_expansion(hr.kernels.arccos(1), -1, order=3, exact=True)
    assert sympy.simplify(em.coefficient - e1.coefficient) == 0


@pytest.mark.parametrize(
    "K", [hr.kernels.relu_ntk(3), hr.kernels.relu_nngp(2, sympy.sqrt(2), sympy.Rational(1, 10)), hr.kernels.arccos(2)]
)
@pytest.mark.parametrize("point", [1, -1])
def test_endpoint_expansion_approximates_the_kernel(K, point):
    e = S.endpoint_expansion(K, point, order=4)
    f = sympy.lambdify(c, K, "mpmath")
    t_sym = sympy.Symbol("t", positive=True)
    g = sympy.lambdify(t_sym, e.expr(t_sym), "mpmath")
    with mpmath.workdps(30):
        # with a bias the kernel is analytic at -1 but only in a disc of radius ~0.005 in t
        for t in (mpmath.mpf("1e-5"), mpmath.mpf("1e-6")):
            val = mpmath.re(f(point - point * t))
            assert abs(val - g(t)) < 1000 * t**e.order * max(1, abs(val)), (point, t)


def test_sympy_series_agrees_with_the_walker_on_a_shallow_kernel():
    s = sympy.Symbol("s", positive=True)
    K = hr.kernels.arccos(1)
    ref = sympy.series(K.subs(c, 1 - s**2), s, 0, 6).removeO()
    e = S.endpoint_expansion(K, 1, order=3)
    with mpmath.workdps(30):
        for i in range(6):
            assert mpmath.almosteq(mpmath.mpf(sympy.N(ref.coeff(s, i), 40)), e.coeffs[i], 1e-25, 1e-25)


def test_decay_arccos_parities():
    r0 = S.decay(hr.kernels.arccos(0), 3, kmax=60, dps=20)
    assert r0.predicted == {0: None, 1: -3}
    assert r0.measured[0] is None and abs(r0.measured[1] + 3) < 0.1
    assert abs(r0.ratios[1] - 1) < 1e-6
    r1 = S.decay(hr.kernels.arccos(1), 4, kmax=60, dps=20)
    assert r1.predicted == {0: -6, 1: None}
    # the finite-range fit is pre-asymptotic; the exact asymptotic series is much closer
    assert abs(r1.measured[0] + 6) < 0.25 and r1.measured[1] is None
    assert abs(r1.ratios[0] - 1) < 1e-6


def test_decay_relu_ntk_depth_counting():
    # one hidden layer (Bietti-Bach L = 2): odd k >= 3 vanish; two hidden layers (L = 3): both ~ k^-d
    one = S.decay(hr.kernels.relu_ntk(1), 3, kmax=50, dps=20)
    assert one.predicted == {0: -3, 1: None} and one.measured[1] is None
    two = S.decay(hr.kernels.relu_ntk(2), 3, kmax=50, dps=20)
    assert two.predicted == {0: -3, 1: -3}
    for par in (0, 1):
        assert abs(two.measured[par] + 3) < 0.1
        assert abs(two.ratios[par] - 1) < 1e-6
    # the leading constant C(d, 1/2)(c_1 +- c_{-1}) differs between parities
    assert not mpmath.almosteq(two.leading[0][1], two.leading[1][1], 1e-3)


def test_decay_smooth_kernel_faster_than_any_power():
    r = S.decay(sympy.exp(c), 3, kmax=40, dps=20)
    assert r.predicted == {0: None, 1: None}
    assert r.measured[0] < -20 and r.measured[1] < -20


def test_plots_write_files(tmp_path):
    s = S.spectrum(hr.kernels.relu_ntk(2), 3, 20, dps=15)
    p = tmp_path / "s.png"
    s.plot(path=str(p))
    assert p.stat().st_size > 1000
    path, info = S.plot_compare(str(tmp_path / "cmp.png"), depth=2, kmax=20, n=(12,), dps=15)
    assert (tmp_path / "cmp.png").stat().st_size > 1000
    mimic = info["mimics"][12]
    for k in range(21):
        # the mimic's kernel is a truncation with non-negative terms: never above the deep one
        assert mimic[k] <= info["deep"][k] + info["deep"].errors[k] + mimic.errors[k]
        if k >= 12:  # exactly 0 up to the (rigorous) rounding-level truncation bound
            assert abs(mimic[k]) <= mimic.errors[k] < 1e-15


def test_decay_rejects_a_bad_fit_range():
    sp = S.spectrum(sympy.exp(c), 3, 40, dps=20)
    with pytest.raises(ValueError, match=r"fit_range must be a pair \(lo, hi\) of degrees, got fit_range=\(5,\)"):
        S.decay(sympy.exp(c), 3, fit_range=(5,), spectrum=sp)
    with pytest.raises(ValueError, match=r"hi <= kmax = 40 .*fit_range=\(5, 60\)"):
        S.decay(sympy.exp(c), 3, fit_range=(5, 60), spectrum=sp)
    with pytest.raises(ValueError, match=r"lo < hi .*fit_range=\(10, 5\)"):
        S.decay(sympy.exp(c), 3, fit_range=(10, 5), spectrum=sp)
    with pytest.raises(ValueError, match=r"fit_range\[0\]=0"):
        S.decay(sympy.exp(c), 3, fit_range=(0, 10), spectrum=sp)
    with pytest.raises(ValueError, match="fit_range=7"):
        S.decay(sympy.exp(c), 3, fit_range=7, spectrum=sp)
    with pytest.raises(ValueError, match="computed for d=3, but decay was asked for d=4"):
        S.decay(sympy.exp(c), 4, spectrum=sp)
    with pytest.raises(ValueError, match="spectrum must be a Spectrum"):
        S.decay(sympy.exp(c), 3, spectrum=[1.0, 0.5])
    r = S.decay(sympy.exp(c), 3, fit_range=(5, 40), spectrum=sp)
    assert r.fit_range == (5, 40) and r.measured[0] < -20


def test_plots_keep_the_users_matplotlib_backend(tmp_path, monkeypatch):
    # no matplotlib.use("Agg") where a display is configured (it broke inline plots in notebooks)
    import matplotlib

    calls = []
    monkeypatch.setattr(matplotlib, "use", lambda *a, **k: calls.append(a))
    monkeypatch.setenv("DISPLAY", ":0")
    s = S.spectrum(sympy.exp(c), 3, 6, dps=15)
    s.plot(path=str(tmp_path / "s.png"))
    S.plot_compare(str(tmp_path / "cmp.png"), depth=2, kmax=20, n=(12,), dps=15)
    assert calls == []
    assert (tmp_path / "s.png").stat().st_size > 1000 and (tmp_path / "cmp.png").stat().st_size > 1000


# --------------------------------------------------------------------------------------------
# results are values: frozen, picklable, deep-copyable, equal by value
# --------------------------------------------------------------------------------------------


def test_spectrum_and_decay_report_are_values():
    import copy
    import dataclasses
    import pickle

    K = hr.kernels.arccos(1)
    sp = S.spectrum(K, 3, 30, dps=15)
    rep = S.decay(K, 3, spectrum=sp)
    exact = S.spectrum([1, 2, 3], 3, 4, dps=15, exact=True)
    for value in (sp, rep, exact, rep.plus, rep.minus, rep.predicted):
        for copied in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value), copy.copy(value)):
            assert copied == value and hash(copied) == hash(value)
            assert type(copied) is type(value)
    back = pickle.loads(pickle.dumps(rep))
    assert back.spectrum == sp and back.table() == rep.table() and repr(back) == repr(rep)
    assert pickle.loads(pickle.dumps(sp)).label == "arccos(1)"
    # equality by value: an equal computation is equal, a different one is not
    assert S.spectrum(hr.kernels.arccos(1), 3, 30, dps=15) == sp
    assert S.spectrum(K, 3, 29, dps=15) != sp and S.spectrum(K, 4, 30, dps=15) != sp
    # frozen: change a copy
    with pytest.raises(dataclasses.FrozenInstanceError):
        sp.d = 4
    with pytest.raises(dataclasses.FrozenInstanceError):
        rep.d = 4
    with pytest.raises(TypeError):
        rep.predicted[0] = 1
    with pytest.raises(AttributeError):
        rep.predicted._items = ()
    cut = dataclasses.replace(sp, eigenvalues=sp.eigenvalues[:3], errors=sp.errors[:3])
    assert cut.kmax == 2 and sp.kmax == 30 and cut != sp
    # the per-parity fields read like the dicts they were
    assert rep.predicted == {0: rep.predicted[0], 1: rep.predicted[1]} and list(rep.measured) == [0, 1]
    assert S.ByParity({0: 1.5, 1: None}) == {0: 1.5, 1: None} != S.ByParity({0: 1.5, 1: 2.0})
    assert repr(S.ByParity({0: 1.5, 1: None})) == "{0: 1.5, 1: None}"


def test_public_names_live_under_the_package():
    import pickle

    for name in S.__all__:
        obj = getattr(S, name)
        assert obj.__module__ == "hermite_rev.spectrum", name
    assert b"hermite_rev.spectrum._" not in pickle.dumps(S.spectrum(sympy.exp(c), 3, 4, dps=15))
