"""Tests of hermite_rev.verify: quadrature kernels (float64 and mpmath) against closed forms and
the series path, finite-width kernels, width scaling, the kernel-regime check, the report."""

import math

import mpmath
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev import verify
from hermite_rev.family import Activation

CS = [-1.0, -0.5, 0.0, 0.3, 0.9, 1.0]


def _closed(expr, cs, dps=30):
    f = sympy.lambdify(hr.c, expr, "mpmath")
    with mpmath.workdps(dps):
        return [mpmath.re(f(mpmath.mpf(v))) for v in cs]


def test_gauss_hermite_mp_matches_golub_welsch():
    # Newton nodes vs the eigenvalues of the Jacobi matrix (Golub-Welsch), weights vs first components^2
    n, dps = 8, 30
    x, w = verify.gauss_hermite(n, dps)
    with mpmath.workdps(dps + 10):
        J = mpmath.zeros(n)
        for k in range(1, n):
            J[k - 1, k] = J[k, k - 1] = mpmath.sqrt(k)
        E, Q = mpmath.eigsy(J)
        order = sorted(range(n), key=lambda i: E[i])
        for i, j in enumerate(order):
            assert abs(x[i] - E[j]) < mpmath.mpf(10) ** -28
            assert abs(w[i] - Q[0, j] ** 2) < mpmath.mpf(10) ** -28
    # moments of N(0, 1): E[Z^2m] = (2m-1)!!
    with mpmath.workdps(dps):
        for m in range(n):
            mom = mpmath.fsum(wi * xi ** (2 * m) for xi, wi in zip(x, w))
            assert mpmath.almosteq(mom, mpmath.fac2(2 * m - 1), rel_eps=mpmath.mpf(10) ** -25)


def test_float_rule_matches_numpy():
    x, w = verify.gauss_hermite(5)
    assert math.isclose(float(np.sum(w)), 1.0, rel_tol=1e-14)
    assert math.isclose(float(np.sum(w * x**4)), 3.0, rel_tol=1e-13)


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_relu_split_float64_matches_closed_form(kind):
    kv = verify.quadrature_kernel("relu", kind, CS, dps=None)
    ref = _closed(hr.kernels.relu_ntk(1) if kind == "ntk" else hr.kernels.relu_nngp(1), CS)
    assert kv.method.startswith("split")
    for v, r, e in zip(np.asarray(kv), ref, kv.errors):
        assert abs(v - float(r)) < 1e-13
        assert e < 1e-12


def test_relu_gauss_hermite_is_slow_and_says_so():
    ref = np.array([float(v) for v in _closed(hr.kernels.relu_ntk(1), CS)])
    errs = []
    for n in (20, 80):
        kv = verify.quadrature_kernel("relu", "ntk", CS, dps=None, method="gauss-hermite", nodes=n)
        err = np.max(np.abs(np.asarray(kv) - ref))
        errs.append(err)
        assert kv.max_error > err / 20  # the reported estimate is of the right size
    assert 1e-4 < errs[1] < errs[0] < 2e-2


def test_relu_mp_split_to_high_precision():
    kv = verify.quadrature_kernel("relu", "ntk", [0.5], dps=20)
    ref = _closed(hr.kernels.relu_ntk(1), [sympy.Rational(1, 2)], dps=40)[0]
    with mpmath.workdps(20):
        assert abs(kv.values[0] - ref) < mpmath.mpf(10) ** -18
        assert kv.errors[0] < mpmath.mpf(10) ** -15


def test_deep_relu_quadrature_matches_kernels_module():
    K4 = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    cs = [-0.5, 0.0, 0.5, 1.0]
    kv = verify.quadrature_kernel("relu", "ntk", cs, dps=None, depth=4, sigma_w=math.sqrt(2), sigma_b=0.1)
    ref = [float(v) for v in _closed(K4, cs)]
    assert np.allclose(np.asarray(kv), ref, atol=1e-12)
    assert math.isclose(float(kv[-1]), 5.07, rel_tol=1e-12)


def test_erf_gauss_hermite_matches_closed_form():
    kv = verify.quadrature_kernel("erf", "ntk", CS, dps=None)
    ref = [float(v) for v in _closed(hr.kernels.erf_ntk(1), CS)]
    assert kv.method.startswith("gauss-hermite")
    assert np.allclose(np.asarray(kv), ref, atol=1e-13)


def test_theorem_two_ways_reverse_then_quadrature_mp():
    # the theorem: the NTK of the reverse-engineered activation equals the target's series,
    # checked by quadrature (no series) at 25 digits
    K = hr.kernels.exponential(1)
    fam = hr.reverse(K, "ntk", n=10, dps=30)
    act = fam.activation([1, -1, 1, 1, -1, 1, -1, 1, 1, -1])
    cs = [-0.7, 0.2, 1.0]
    kv = verify.quadrature_kernel(act, "ntk", cs, dps=30)
    assert "exact" in kv.method
    with mpmath.workdps(30):
        for cval, v in zip(cs, kv.values):
            series = mpmath.fsum(a * mpmath.mpf(cval) ** k for k, a in enumerate(fam.taylor))
            assert abs(v - series) < mpmath.mpf(10) ** -25


def test_nngp_of_sympy_expression_mp():
    # E[sin(u) sin(v)] = e^{-1} sinh(c)
    kv = verify.quadrature_kernel(sympy.sin(hr.z), "nngp", [0.375], dps=25)
    with mpmath.workdps(25):
        assert mpmath.almosteq(kv.values[0], mpmath.exp(-1) * mpmath.sinh(mpmath.mpf("0.375")), rel_eps=1e-20)


def test_numpy_callable_pair_float_only():
    kv = verify.quadrature_kernel((np.tanh, lambda x: 1 - np.tanh(x) ** 2), "ntk", [0.5], dps=None)
    ref = verify.quadrature_kernel("tanh", "ntk", [0.5], dps=None)
    assert abs(kv[0] - ref[0]) < 1e-13
    with pytest.raises(ValueError, match="dps=None"):
        verify.quadrature_kernel((np.tanh, np.tanh), "ntk", [0.5], dps=20)


@pytest.mark.parametrize(
    "bad, match",
    [
        (dict(cs=[1.5]), "cosines must lie in"),
        (dict(kind="foo"), "kind must be one of"),
        (dict(method="simpson"), "method must be"),
        (dict(dps=0), "dps must be a positive integer"),
    ],
)
def test_quadrature_bad_input(bad, match):
    args = dict(act="relu", kind="ntk", cs=[0.5], dps=None)
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        verify.quadrature_kernel(**args)


def test_unknown_activation_name():
    with pytest.raises(ValueError, match="unknown activation name 'swishy'"):
        verify.quadrature_kernel("swishy", "ntk", [0.5], dps=None)


def test_empirical_kernel_close_to_analytic_wide():
    k = verify.empirical_kernel("relu", "ntk", width=2**16, cs=[0.0, 0.5, 1.0], seed=0)
    ref = [float(v) for v in _closed(hr.kernels.relu_ntk(1), [0.0, 0.5, 1.0])]
    assert np.max(np.abs(k - ref)) < 0.02
    k2 = verify.empirical_kernel("relu", "nngp", width=2**16, cs=[1.0], seed=1)
    assert abs(k2[0] - 0.5) < 0.01


def test_empirical_kernel_standard_deviation_across_networks():
    # before: one network's values only, no spread (issue 22)
    cs = [0.0, 0.5, 1.0]
    mean, std = verify.empirical_kernel("relu", "ntk", width=512, cs=cs, seed=3, trials=16, return_std=True)
    runs = np.array([verify.empirical_kernel("relu", "ntk", width=512, cs=cs, seed=3 + t) for t in range(16)])
    np.testing.assert_allclose(mean, runs.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std, runs.std(axis=0, ddof=1), rtol=1e-12)
    ref = np.array([float(v) for v in _closed(hr.kernels.relu_ntk(1), cs)])
    assert np.all(np.abs(mean - ref) < 5 * std / 4 + 1e-12)  # within 5 standard errors (sqrt(16) = 4)
    assert np.all((std > 0.002) & (std < 0.2))  # O(width^-1/2)
    assert np.array_equal(verify.empirical_kernel("relu", width=512, cs=cs, seed=3), runs[0])  # trials=1 unchanged
    with pytest.raises(hr.HermiteRevError, match="return_std=True needs trials >= 2"):
        verify.empirical_kernel("relu", width=512, cs=cs, return_std=True)
    with pytest.raises(hr.HermiteRevError, match="trials"):
        verify.empirical_kernel("relu", width=512, cs=cs, trials=0)


def test_empirical_kernel_refuses_what_does_not_fit_in_memory():
    # before: MemoryError "Unable to allocate 3.05 TiB" (width 2^22, 10^5 cosines, both within their limits)
    with pytest.raises(hr.HermiteRevError, match=r"100000 cosines at width=4194304, depth=1 .* smaller width"):
        verify.empirical_kernel("relu", width=2**22, cs=np.linspace(-1, 1, 100000))


def test_empirical_kernel_deep_matches_closed_form():
    K3 = hr.kernels.relu_ntk(3, sympy.sqrt(2), sympy.Rational(1, 10))
    cs = [0.0, 1.0]
    vals = np.mean(
        [verify.empirical_kernel("relu", "ntk", 2048, cs, s, 3, math.sqrt(2), 0.1) for s in range(4)], axis=0
    )
    ref = [float(v) for v in _closed(K3, cs)]
    assert np.allclose(vals, ref, rtol=0.08)


def test_width_scaling_exponent_is_minus_half():
    r = verify.width_scaling("relu", "ntk", widths=[64, 256, 1024, 4096, 16384], seeds=range(4))
    assert -0.7 < r["exponent"] < -0.3
    assert len(r["rms_error"]) == 5 and r["rms_error"][0] > r["rms_error"][-1]


def test_kernel_regime_gap_shrinks_with_width():
    r = verify.kernel_regime_gap("relu", widths=(256, 4096), epochs=60, seeds=range(2))
    assert r["gap"][1] < r["gap"][0]
    assert r["gap"][1] < 0.06
    assert r["exponent"] < -0.2


def test_kernel_regime_gap_rejects_unstable_lr():
    with pytest.raises(ValueError, match="unstable"):
        verify.kernel_regime_gap("relu", widths=(64,), lr=1e4, epochs=2)


def test_theorem_report(tmp_path, monkeypatch):
    # the figure goes through _figures.pyplot (Agg only without a display), not a forced Agg backend
    import matplotlib

    from hermite_rev import _figures

    matplotlib.use("Agg")
    used = []
    real = _figures.pyplot
    monkeypatch.setattr(_figures, "pyplot", lambda: used.append(1) or real())
    monkeypatch.setattr(matplotlib, "use", lambda *a, **k: pytest.fail("verify switched the matplotlib backend"))
    monkeypatch.setenv("DISPLAY", ":0")
    out = tmp_path / "report.png"
    r = verify.theorem_report(
        hr.kernels.exponential(1), "ntk", n=12, cs=[-1, 0, 0.5, 1], widths=(256, 4096), seeds=range(2), out=str(out)
    )
    assert out.exists() and out.stat().st_size > 1000
    assert r["max_series_vs_quadrature"] < 1e-12
    assert r["max_target_vs_series"] <= r["tail_bound"] + 1e-12
    assert r["empirical_rms"][4096] < r["empirical_rms"][256]
    assert isinstance(r["activation"], Activation)
    assert used


def test_analytic_kernel_series_for_activation():
    act = Activation((0.5, 1.0, 0.25), dps=20)
    # NTK = sum (k+1) b_k^2 c^k
    v = verify.analytic_kernel(act, "ntk", [0.5])
    assert math.isclose(v[0], 0.25 + 2 * 0.5 + 3 * 0.0625 * 0.25, rel_tol=1e-14)


@pytest.mark.parametrize("module", ["verify", "nets"])
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"hermite_rev.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def _sin6_ntk(c):
    # phi = sin(6z)/2: E[sin(au) sin(av)] = e^{-a^2} sinh(a^2 c), E[cos cos] = e^{-a^2} cosh(a^2 c)
    c = mpmath.mpf(c)
    return mpmath.exp(-36) * (mpmath.sinh(36 * c) / 4 + 9 * c * mpmath.cosh(36 * c))


def test_sin6_mp_refines_to_the_requested_digits():
    # used to return the 48-node value (4 digits: 3.616838e-8) while the 72-node one was computed
    kv = verify.quadrature_kernel("sin6", "ntk", [0.5], dps=30)
    with mpmath.workdps(40):
        exact = _sin6_ntk("0.5")
        assert abs(kv.values[0] - exact) < mpmath.mpf(10) ** -30 * exact
    assert kv.converged and kv.errors[0] < 2e-30 * 3.7e-8  # quadrature + 10^-dps rounding
    assert kv.method.startswith("gauss-hermite(180 nodes, error vs 96")


def test_sin6_float64_error_estimate_is_honest():
    cs = [-1.0, 0.0, 0.5, 1.0]
    kv = verify.quadrature_kernel("sin6", "ntk", cs, dps=None)
    with mpmath.workdps(30):
        exact = [float(_sin6_ntk(c)) for c in cs]
    assert np.all(np.abs(np.asarray(kv) - exact) <= kv.errors)
    assert np.all(np.abs(np.asarray(kv) - exact) <= 1e-12 * np.abs(exact) + 1e-13)


def test_explicit_nodes_give_that_rule_and_unreached_tolerance_is_reported():
    kv = verify.quadrature_kernel("sin6", "ntk", [0.5], dps=None, nodes=20)
    assert kv.method.startswith("gauss-hermite(20 nodes, error vs 14")
    exact = float(_sin6_ntk("0.5"))
    assert abs(kv[0] - exact) <= kv.errors[0]
    # tanh (poles at +-i pi/2): Gauss-Hermite stalls above 1e-13 even at 180 nodes
    kv = verify.quadrature_kernel("tanh", "ntk", [0.3, 0.9], dps=None)
    assert not kv.converged and "tolerance 1e-13 not reached" in kv.method
    assert np.all(kv.errors > 1e-13 * np.abs(np.asarray(kv)))


def test_polynomial_degree_limit_and_exact_rule():
    rng = np.random.default_rng(0)
    # degree 179: the exact 180-node rule, no comparison with a coarser one
    act = Activation(tuple(rng.standard_normal(180) * 0.9 ** np.arange(180)), dps=20)
    kv = verify.quadrature_kernel(act, "ntk", [0.5, 1.0], dps=None)
    assert kv.method == "gauss-hermite(180 nodes, exact for this polynomial, float64)"
    ref = verify.analytic_kernel(act, "ntk", [0.5, 1.0])  # the series sum (k+1) b_k^2 c^k
    assert np.all(np.abs(np.asarray(kv) - ref) <= kv.errors)
    assert kv.max_error < 1e-12
    # degree 200: used to compare 201 with 180 nodes ("error" 1e-2) or name an internal n=201
    big = Activation(tuple(rng.standard_normal(201) * 0.9 ** np.arange(201)), dps=20)
    for dps in (None, 20):
        with pytest.raises(ValueError, match="degree <= 179.*got activation degree 200"):
            verify.quadrature_kernel(big, "ntk", [0.5], dps=dps)
    with pytest.raises(ValueError, match="at most 180 nodes, got nodes=181"):
        verify.quadrature_kernel("erf", "ntk", [0.5], dps=None, nodes=181)


def test_polynomial_rule_is_exact_at_every_depth():
    act = Activation((0.3, 0.5, -0.2, 0.1, 0.05), dps=30)
    args = dict(kind="ntk", cs=[-0.4, 0.7, 1.0], dps=30, depth=3, sigma_w=1.2, sigma_b=0.3)
    kv = verify.quadrature_kernel(act, **args)
    assert kv.method.startswith("gauss-hermite(5 nodes, exact")
    ref = verify.quadrature_kernel(act, nodes=12, **args)
    with mpmath.workdps(30):
        for v, r, e in zip(kv.values, ref.values, kv.errors):
            assert abs(v - r) < mpmath.mpf(10) ** -28 * abs(r) and e < mpmath.mpf(10) ** -28 * abs(r)


def test_step_activation_nngp_and_ntk():
    # the derivative DiracDelta used to raise NameError
    cs = [-0.5, 0.0, 0.5]
    ref = [0.25 + math.asin(c) / (2 * math.pi) for c in cs]
    for act in ("step", sympy.Heaviside(hr.z)):
        kv = verify.quadrature_kernel(act, "nngp", cs, dps=None)
        assert np.allclose(np.asarray(kv), ref, atol=1e-13)
        with pytest.raises(hr.HermiteRevError, match="NTK of an activation with a jump is infinite"):
            verify.quadrature_kernel(act, "ntk", cs, dps=None)
    with pytest.raises(hr.HermiteRevError, match="jump"):
        verify.analytic_kernel("step", "ntk", [0.5])
    with mpmath.workdps(20):
        kv = verify.quadrature_kernel("step", "nngp", [0.5], dps=20)
        assert abs(kv.values[0] - mpmath.mpf(1) / 3) < mpmath.mpf(10) ** -19


def test_scalar_cosine_accepted():
    # a scalar cs gave TypeError in quadrature_kernel / empirical_kernel
    kv = verify.quadrature_kernel("relu", "nngp", 0.5, dps=None)
    assert kv.cs == (0.5,) and len(kv) == 1
    assert verify.empirical_kernel("relu", "ntk", width=64, cs=0.5).shape == (1,)
    assert np.allclose(verify.analytic_kernel("relu", "nngp", 0.5), kv[0], atol=1e-13)
    with pytest.raises(ValueError, match="cs must be a cosine or a sequence"):
        verify.quadrature_kernel("relu", "nngp", [[0.5]], dps=None)
    with pytest.raises(ValueError, match="cosines must lie in"):
        verify.analytic_kernel("relu", "nngp", [1.5])


def test_empirical_kernel_d_in():
    # d_in=1 raised IndexError
    with pytest.raises(ValueError, match="d_in must be >= 2 .*got d_in=1 with 0.5"):
        verify.empirical_kernel("relu", "ntk", width=64, cs=[1.0, 0.5], d_in=1)
    with pytest.raises(ValueError, match="d_in must be a positive integer"):
        verify.empirical_kernel("relu", "ntk", width=64, cs=[0.5], d_in=0)
    k = verify.empirical_kernel("relu", "nngp", width=4096, cs=[1.0, -1.0], d_in=1)
    assert abs(k[0] - 0.5) < 0.05 and k[1] == 0.0


def test_theorem_report_takes_a_computed_family():
    import sympy

    fam = hr.reverse(sympy.exp(hr.c), "nngp", n=6, dps=20)
    rep = hr.verify.theorem_report(fam, widths=(64, 256), seeds=range(1), out=None, member="all-plus")
    assert list(rep["activation"].coeffs) == list(fam.activation().coeffs)
    assert rep["max_series_vs_quadrature"] < 1e-12
    assert abs(float(rep["tail_bound"]) - float(fam.tail().bound)) == 0


def test_public_names_stay_under_the_package():
    # verify became a package: every public name is still hr.verify.X, printed and pickled there
    for name in (
        "KernelValues",
        "quadrature_kernel",
        "gauss_hermite",
        "analytic_kernel",
        "empirical_kernel",
        "width_scaling",
        "kernel_regime_gap",
        "regime_gap_task",
        "theorem_report",
    ):
        assert getattr(hr.verify, name).__module__ == "hermite_rev.verify", name
    assert hr.verify.DEFAULT_CS == tuple(np.round(np.linspace(-1, 1, 11), 10))


@pytest.mark.parametrize("dps", [None, 20])
def test_kernel_values_is_a_value(dps):
    import copy
    import dataclasses
    import pickle

    kv = verify.quadrature_kernel("relu", "ntk", [0.0, 0.5], dps=dps)
    for other in (pickle.loads(pickle.dumps(kv)), copy.deepcopy(kv), copy.copy(kv)):
        assert other == kv and hash(other) == hash(kv) and other is not kv
        assert type(other) is verify.KernelValues and other.method == kv.method
    assert b"hermite_rev.verify\n" in pickle.dumps(kv, protocol=0)
    assert kv != dataclasses.replace(kv, converged=not kv.converged)
    assert kv != verify.quadrature_kernel("relu", "ntk", [0.0, 0.6], dps=dps)
    with pytest.raises(dataclasses.FrozenInstanceError):
        kv.kind = "nngp"
    if dps is None:
        for arr in (kv.values, kv.errors, pickle.loads(pickle.dumps(kv)).values, copy.deepcopy(kv).errors):
            with pytest.raises(ValueError, match="read-only"):
                arr[0] = 1.0
    else:
        assert isinstance(kv.values, tuple) and isinstance(kv.errors, tuple)
