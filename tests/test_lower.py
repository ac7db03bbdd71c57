"""Tests of hermite_rev.lower and hermite_rev._numba.hermite: compiled activations and best members.

mpmath (``Activation.__call__``, 40 digits) is the oracle for values; derivatives are checked
two ways (against the derivative's own series, and against numpy's hermite_e).
"""

import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy
from numpy.polynomial import hermite_e as He

import hermite_rev as hr
from hermite_rev._numba import hermite as _numba
from hermite_rev.lower import CompiledActivation, best_member, compile_activation


def _mp_series(b, x, dps=40):
    with mpmath.workdps(dps):
        return hr.hermite.hermite_norm_eval([mpmath.mpf(v) for v in b], mpmath.mpf(x))


def _mp_derivative_coeffs(b, order):
    with mpmath.workdps(40):
        c = [mpmath.mpf(v) for v in b]
        for _ in range(order):
            c = [mpmath.sqrt(k + 1) * c[k + 1] for k in range(len(c) - 1)] or [mpmath.mpf(0)]
    return c


def _assert_close_mp(got, b, xs, order=0, rel=1e-12, abs_=1e-14):
    """'k out of n bad, worst rdiff' style comparison with the mpmath oracle."""
    coeffs = _mp_derivative_coeffs(b, order)
    bad, worst = 0, 0.0
    for g, x in zip(np.ravel(got), np.ravel(xs)):
        ref = _mp_series(coeffs, x)
        err = abs(mpmath.mpf(float(g)) - ref)
        ok = err <= rel * abs(ref) or err <= abs_
        if not ok:
            bad += 1
            worst = max(worst, float(err / abs(ref)))
    assert bad == 0, f"{bad} out of {np.size(xs)} bad, worst rdiff {worst:.3g} (derivative order {order})"


def _reverse_relu_ntk(n):
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    return hr.reverse(K, "ntk", n=n, dps=30)


def test_low_degree_table():
    # phi = 0.1 h0 + 0.2 h1 + 0.3 h2, h2 = (x^2 - 1)/sqrt 2
    f = compile_activation([0.1, 0.2, 0.3])
    x = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(f(x), 0.1 + 0.2 * x + 0.3 * (x * x - 1) / math.sqrt(2), rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(f.grad(x), 0.2 + 0.6 * x / math.sqrt(2), rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(f.hess(x), np.full_like(x, 0.6 / math.sqrt(2)), rtol=1e-15)
    assert f.degree == 2


@pytest.mark.parametrize("which", ["relu_ntk", "decaying", "gaussian"])
def test_degree_200_against_mpmath(which):
    rng = np.random.default_rng(1)
    if which == "relu_ntk":
        b = [float(v) for v in _reverse_relu_ntk(201).activation().coeffs]
    elif which == "decaying":
        b = list(rng.choice([-1.0, 1.0], 201) / np.arange(1, 202))
    else:
        b = list(rng.standard_normal(201) * 0.8 ** np.arange(201))
    f = compile_activation(b)
    xs = np.concatenate([np.linspace(-8, 8, 33), rng.uniform(-8, 8, 8)])
    v, g, h = f.value_grad_hess(xs)
    _assert_close_mp(v, b, xs, 0)
    _assert_close_mp(g, b, xs, 1)
    _assert_close_mp(h, b, xs, 2)


def test_parallel_path_matches_numpy_hermite_e():
    rng = np.random.default_rng(2)
    b = rng.standard_normal(41) / np.arange(1, 42)
    f = compile_activation(b)
    x = rng.uniform(-4, 4, 50_000)  # above the parallel threshold
    v, g = f.value_and_grad(x)
    he = b / np.sqrt([float(math.factorial(k)) for k in range(41)])
    np.testing.assert_allclose(v, He.hermeval(x, he), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(g, He.hermeval(x, He.hermeder(he)), rtol=1e-11, atol=1e-12)
    # the serial kernel and the fused calls agree bit for bit with the single ones
    np.testing.assert_array_equal(v, f(x))
    np.testing.assert_array_equal(g, f.grad(x))
    small = x[:100]
    np.testing.assert_array_equal(f(small), v[:100])


def test_shapes_and_scalars():
    f = compile_activation([0.0, 1.0, 0.5])
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 10
    out = f(x)
    assert out.shape == (2, 3, 4) and out.dtype == np.float64
    assert out is not x
    assert isinstance(f(0.3), float)
    v, g = f.value_and_grad([[0.3]])
    assert v.shape == g.shape == (1, 1)
    nonc = np.linspace(0, 1, 20)[::2]  # non-contiguous input
    np.testing.assert_array_equal(f(nonc), f(nonc.copy()))
    assert f(np.array([])).shape == (0,)


def test_activation_compile_caches_and_matches_sin():
    act = hr.Activation.from_expr(sympy.sin(hr.z), 30, dps=20)
    f = act.compile()
    assert act.compile() is f
    x = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(f(x), np.sin(x), atol=1e-13)
    np.testing.assert_allclose(f.grad(x), np.cos(x), atol=1e-13)
    np.testing.assert_allclose(f.hess(x), -np.sin(x), atol=1e-12)


def test_numba_callable_kernel():
    b = np.array([0.3, -0.2, 0.1, 0.05])
    x = np.linspace(-2, 2, 300)
    v = np.empty_like(x)
    g = np.empty_like(x)
    _numba.hermite_series_value_grad(x, b, v, g)
    f = compile_activation(b)
    np.testing.assert_allclose(v, f(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(g, f.grad(x), rtol=1e-14, atol=1e-15)
    s_v, s_g = _numba.hermite_series_scalar(0.7, b)
    assert abs(s_v - f(0.7)) < 1e-15 and abs(s_g - f.grad(0.7)) < 1e-15


def test_overflow_is_inf_or_raises():
    b = np.zeros(201)
    b[200] = -1.0
    f = compile_activation(b)
    x = np.array([1e3, -1e3, 2.0, np.nan])
    v = f(x)
    assert v[0] == -np.inf and v[1] == -np.inf  # -h_200(x), even degree
    assert np.isfinite(v[2]) and np.isnan(v[3])
    b[199] = 0.0
    g = f.grad(np.array([-1e3]))  # phi' = -sqrt(200) h_199: odd degree, negative x -> +inf
    assert g[0] == np.inf
    strict = CompiledActivation(b, overflow="raise")
    with pytest.raises(FloatingPointError, match="overflows float64"):
        strict(np.array([0.0, 1e3]))


def test_bad_input():
    with pytest.raises(ValueError, match="not finite"):
        CompiledActivation(np.array([1.0, np.inf]))
    with pytest.raises(ValueError, match="overflow must be"):
        CompiledActivation(np.array([1.0]), overflow="wrap")
    f = compile_activation([1.0, 2.0])
    with pytest.raises(ValueError, match="complex"):
        f(np.array([1j]))
    with pytest.raises(ValueError, match="array of floats"):
        f("1.0")
    with pytest.raises(ValueError, match="Activation or a sequence"):
        compile_activation(3.0)


# --- best member ---------------------------------------------------------------------------


def _brute_force(fam, name, x):
    w = np.zeros_like(x)
    w[:-1] += np.diff(x) / 2
    w[1:] += np.diff(x) / 2
    best = (math.inf, None)
    for signs in itertools.product((1, -1), repeat=len(fam.nonzero)):
        f = compile_activation(fam.activation(signs))
        y, dy = f.value_and_grad(x)
        if name == "sup":
            val = np.abs(y).max()
        elif name == "lipschitz":
            val = np.abs(dy).max()
        else:
            t = dy * w
            val = min(t[t > 0].sum(), -t[t < 0].sum())
        if val < best[0] - 1e-12:
            best = (val, signs)
    return best


@pytest.mark.parametrize("name", ["sup", "lipschitz", "nonmonotone"])
def test_gray_code_equals_brute_force(name):
    fam = _reverse_relu_ntk(9)
    res = best_member(fam, name, interval=(-3, 3), grid=101)
    val, _ = _brute_force(fam, name, np.linspace(-3, 3, 101))
    assert res.method == "gray-code"
    assert res.covered == fam.count() and res.examined == fam.count() // 2
    assert abs(res.value - val) <= 1e-12 * max(1.0, val)
    # the returned member really has that value
    f = res.activation.compile()
    y, dy = f.value_and_grad(np.linspace(-3, 3, 101))
    if name == "sup":
        assert abs(np.abs(y).max() - res.value) < 1e-12
    assert res.activation.kernel("ntk", 9)[3] == fam.activation().kernel("ntk", 9)[3]
    assert res.members_per_second > 0


def test_user_callable_and_unpacking():
    fam = _reverse_relu_ntk(7)
    x_seen = []

    def at_two(x, y, dy):
        x_seen.append(len(x))
        return abs(float(np.interp(2.0, x, y)))

    act, rep = best_member(fam, at_two, grid=61)  # 2.0 is a grid point
    assert rep.method == "gray-code" and rep.examined == fam.count()
    vals = [abs(float(m(mpmath.mpf(2)))) for m in fam.members()]
    assert abs(rep.value - min(vals)) < 1e-9
    assert x_seen[0] == 61


def test_local_search_beyond_limit():
    fam = _reverse_relu_ntk(14)
    exact = best_member(fam, "sup", grid=81)
    heur = best_member(fam, "sup", grid=81, exhaustive_limit=5, restarts=16)
    assert heur.method == "local-search"
    assert heur.value >= exact.value - 1e-12  # a heuristic never beats the exact minimum
    assert heur.value <= 1.2 * exact.value
    assert heur.examined > 16


def test_best_member_bad_input():
    fam = _reverse_relu_ntk(4)
    with pytest.raises(ValueError, match="criterion must be one of"):
        best_member(fam, "smoothest")
    with pytest.raises(ValueError, match="lo < hi"):
        best_member(fam, "sup", interval=(3, -3))
    with pytest.raises(ValueError, match="grid must be"):
        best_member(fam, "sup", grid=1)
    with pytest.raises(ValueError, match="ActivationFamily"):
        best_member([1, 2], "sup")


def test_family_best_method():
    fam = hr.reverse(sympy.exp(hr.c), kind="nngp", n=6, dps=20)
    res = fam.best("lipschitz", grid=51)
    assert res.method == "gray-code" and res.covered == 64
