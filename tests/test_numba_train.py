"""Tests of the training kernels (hermite_rev._numba.train) against independent references.

mpmath is the oracle for the Hermite series, float64 numpy for float32 sin/cos, plain numpy
(GEMM + the unfused pass) for the fused ReLU and readout kernels; the training runs compare the
fused float32 kernels with the float64 evaluation of the same activation.
"""

import math

import mpmath
import numpy as np
import pytest

import hermite_rev as hr
from hermite_rev._numba import train as nb
from hermite_rev.nets import FCN, sphere_inputs, train

# --- Hermite series ---------------------------------------------------------------------------


def _engineered_coeffs(beta=36, kappa=4.6, n=80):
    """The parity experiment's activation, by mpmath: b_k = (-1)^((k-1)/2) sqrt(a_k / (k+1)) for odd k.

    a_k are the Taylor coefficients of the NTK kappa sinh(beta c)/sinh(beta); the signs are the
    bounded member's (:func:`hermite_rev.experiments.parity_kernel`).
    """
    with mpmath.workdps(30):
        a = [kappa * mpmath.mpf(beta) ** k / mpmath.factorial(k) / mpmath.sinh(beta) if k % 2 else 0 for k in range(n)]
        return np.array([(-1) ** ((k - 1) // 2) * float(mpmath.sqrt(ak / (k + 1))) for k, ak in enumerate(a)])


def _deriv(b):
    """phi' = sum_k sqrt(k+1) b_{k+1} h_k."""
    d = np.zeros_like(b)
    d[:-1] = np.sqrt(np.arange(1, b.size)) * b[1:]
    return d


def _mp_series(b, x, dps=40):
    """(phi(x), phi'(x), sum_k |b_k h_k(x)|) by the recurrence in mpmath."""
    with mpmath.workdps(dps):
        x = mpmath.mpf(float(x))
        hp, h = mpmath.mpf(0), mpmath.mpf(1)
        v = d = s = mpmath.mpf(0)
        for k in range(b.size):
            v += b[k] * h
            s += abs(b[k] * h)
            if k + 1 < b.size:
                d += mpmath.sqrt(k + 1) * b[k + 1] * h
            hp, h = h, (x * h - mpmath.sqrt(k) * hp) / mpmath.sqrt(k + 1)
        return float(v), float(d), float(s)


def _run_series(b, z, dtype):
    """The kernel on one row z (float dtype), scale 1, bias 0; returns phi, phi', stats."""
    P = np.asarray(z, dtype)[None, :]
    A, D = np.empty_like(P), np.empty_like(P)
    W = np.empty(5 * nb.SERIES_BLOCK, dtype)
    stats = np.zeros(3, np.int64)
    nb.dense_series(P, dtype(1), np.zeros(P.shape[1], dtype), *nb.series_tables(b, _deriv(b), dtype), A, D, W, stats)
    return A[0], D[0], stats


# the largest |pre-activation| the parity nets reach (measured: 4.25 at init and after 4000 epochs
# of the engineered net, width 128, seed 0), with a margin
PARITY_RANGE = 4.5


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_series_kernel_against_mpmath_over_the_parity_range(dtype):
    # the engineered parity activation (80 terms, odd): float64 to 1e-13 relative to the
    # terms' size, float32 within the stated absolute errors over |z| <= 4.5
    b = _engineered_coeffs()
    z = np.concatenate([np.linspace(-PARITY_RANGE, PARITY_RANGE, 151), [0.0, 1e-3, -2.2]]).astype(dtype)
    v, d, stats = _run_series(b, z, dtype)
    assert stats[2] == 0  # no term may be dropped: the tail bound never allows it here
    assert nb.series_tables(b, _deriv(b), dtype)[8] == 1  # odd phi: the 3-operation loop
    ref = np.array([_mp_series(b, x) for x in z.astype(np.float64)])
    ev, ed = np.abs(v - ref[:, 0]), np.abs(d - ref[:, 1])
    if dtype == np.float64:
        assert np.all(ev <= 1e-13 * ref[:, 2]) and np.all(ed <= 1e-12 * (1 + np.abs(ref[:, 1])))
    else:
        # stated in docs/guide/training.md: |phi error| <= 5e-6 (max |phi| = 0.51),
        # |phi' error| <= 3e-5 (max |phi'| = 3.0) for |z| <= 4.5
        assert ev.max() <= 5e-6, f"{np.sum(ev > 5e-6)} of {ev.size} bad, worst {ev.max():.3g}"
        assert ed.max() <= 3e-5, f"{np.sum(ed > 3e-5)} of {ed.size} bad, worst {ed.max():.3g}"


def test_series_kernel_mimic_activation_float32():
    # the 40-term mimic of the 4HL ReLU NTK (both parities), |z| <= 5.1 (reached: 5.06):
    # float32 error relative to max |phi| over the range below 1e-6
    import sympy

    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    b = np.array(hr.reverse(K, "ntk", n=40, dps=30).activation().compile().coeffs)
    z = np.linspace(-5.1, 5.1, 129)
    v, d, _ = _run_series(b, z.astype(np.float32), np.float32)
    ref = np.array([_mp_series(b, x) for x in z.astype(np.float32).astype(np.float64)])
    assert np.abs(v - ref[:, 0]).max() <= 1e-6 * np.abs(ref[:, 0]).max()
    assert np.abs(d - ref[:, 1]).max() <= 1e-6 * np.abs(ref[:, 1]).max()


def test_series_kernel_drops_terms_only_under_the_bound():
    # fast-decaying coefficients: blocks of small |z| drop their tail, and the result stays
    # within rounding + the dropped tail's bound of mpmath; a block holding a large |z| or a
    # NaN keeps every term
    b = 0.5 ** np.arange(48) / np.sqrt([float(math.factorial(k)) for k in range(48)])
    tables = nb.series_tables(b, _deriv(b), np.float64)
    assert tables[7] > 0 and tables[8] == 0  # some R admits dropping; both parities present
    B = nb.SERIES_BLOCK
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.uniform(-1, 1, B), rng.uniform(-1, 1, B - 1), [30.0]])
    v, d, stats = _run_series(b, z, np.float64)
    assert stats[0] == 2 and stats[2] == 1  # the first block dropped terms, the second did not
    assert stats[1] < 2 * tables[1].size
    ref = np.array([_mp_series(b, x) for x in z])
    assert np.all(np.abs(v - ref[:, 0]) <= 2 * tables[5] + 1e-15 * ref[:, 2])
    assert np.all(np.abs(d - ref[:, 1]) <= 2 * tables[6] + 1e-14 * (1 + np.abs(ref[:, 1])))
    z[3] = np.nan
    v, d, stats = _run_series(b, z[:B], np.float64)
    assert stats[2] == 0 and np.isnan(v[3]) and np.isnan(d[3]) and np.all(np.isfinite(np.delete(v, 3)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_series_kernel_with_a_parity(dtype):
    # an even phi (odd phi') and an odd phi take the 3-operation loops; same values as mpmath
    k = np.arange(30)
    base = 0.9**k / np.sqrt([float(math.factorial(j)) for j in k]) * np.cos(k)
    z = np.linspace(-4, 4, 61).astype(dtype)
    for par, b in ((2, np.where(k % 2 == 0, base, 0.0)), (1, np.where(k % 2 == 1, base, 0.0))):
        assert nb.series_tables(b, _deriv(b), dtype)[8] == par
        v, d, _ = _run_series(b, z, dtype)
        ref = np.array([_mp_series(b, x) for x in z.astype(np.float64)])
        tol = 1e-14 if dtype == np.float64 else 1e-6
        assert np.all(np.abs(v - ref[:, 0]) <= tol * ref[:, 2] + tol)
        assert np.all(np.abs(d - ref[:, 1]) <= 30 * tol * (1 + np.abs(ref[:, 1])))


def test_series_tables_bound_is_cramers():
    # |h_k(x)| <= 1.086435 exp(x^2/4) (Cramér), the inequality the tail bound rests on, at a few k, x
    with mpmath.workdps(30):
        for k in (0, 1, 5, 20, 60):
            for x in (0.0, 1.3, 3.0, 6.0, 11.0):
                h = mpmath.hermite(k, x / mpmath.sqrt(2)) / mpmath.sqrt(2**k * mpmath.factorial(k))
                assert abs(h) <= 1.086435 * mpmath.exp(mpmath.mpf(x) ** 2 / 4)


# --- float32 sin / cos ------------------------------------------------------------------------


def _ulps(got, ref):
    return np.abs(got.astype(np.float64) - ref) / np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)


def _check_sincos32(t):
    s, c = np.empty_like(t), np.empty_like(t)
    bad = nb.sincos32_fast(t, s, c)
    assert bad == np.sum(~(np.abs(t) <= nb.SINCOS32_MAX))
    ok = np.abs(t) <= nb.SINCOS32_MAX
    t64 = t[ok].astype(np.float64)
    es, ec = _ulps(s[ok], np.sin(t64)), _ulps(c[ok], np.cos(t64))
    assert es.max() <= 2.0, f"sin: {np.sum(es > 2)} of {es.size} bad, worst {es.max():.2f} ulp"
    assert ec.max() <= 2.0, f"cos: {np.sum(ec > 2)} of {ec.size} bad, worst {ec.max():.2f} ulp"


def test_float32_sincos_within_2_ulp_of_numpy():
    # random arguments over the fast range, the parity net's t = 6 z, and the floats nearest
    # to k pi/2 (where the reduction cancels most)
    rng = np.random.default_rng(3)
    k = np.arange(-652, 653)
    near = (k * (np.pi / 2)).astype(np.float32)
    t = np.concatenate(
        [
            rng.uniform(-nb.SINCOS32_MAX, nb.SINCOS32_MAX, 300_000),
            6 * rng.standard_normal(300_000),
            near,
            np.nextafter(near, np.float32(np.inf)),
            np.nextafter(near, np.float32(-np.inf)),
            [0.0, -0.0, 1e-30, nb.SINCOS32_MAX, -nb.SINCOS32_MAX],
        ]
    ).astype(np.float32)
    _check_sincos32(t)


@pytest.mark.slow
def test_float32_sincos_exhaustive():
    # every float32 with 2**-12 <= |t| <= SINCOS32_MAX (both signs): 3.7e8 arguments
    lo = np.float32(2.0**-12).view(np.int32)
    hi = np.float32(nb.SINCOS32_MAX).view(np.int32)
    step = 1 << 24
    for start in range(int(lo), int(hi) + 1, step):
        bits = np.arange(start, min(start + step, int(hi) + 1), dtype=np.int32)
        t = bits.view(np.float32)
        _check_sincos32(t)
        _check_sincos32(-t)


def test_dense_sincos32_rows_out_of_range_use_the_float64_path():
    # a row with one |t| > SINCOS32_MAX is redone in float64 (within 1 ulp there); rows
    # without stay on the float32 path (<= 2 ulp); inf/NaN give NaN
    rng = np.random.default_rng(4)
    P = rng.standard_normal((3, 40)).astype(np.float32)
    P[1, 5] = 3000.0
    P[2, 7] = np.inf
    A, D = np.empty_like(P), np.empty_like(P)
    with np.errstate(invalid="ignore"):
        nb.dense_sincos32(False, np.float32(1), np.float32(1), P, np.float32(1), np.zeros(40, np.float32), A, D)
    ok = np.isfinite(P)
    t = P.astype(np.float64)
    es = np.where(ok, _ulps(A, np.sin(np.where(ok, t, 0))), 0)
    ec = np.where(ok, _ulps(D, np.cos(np.where(ok, t, 0))), 0)
    assert es[0].max() <= 2 and ec[0].max() <= 2
    assert es[1:].max() <= 1 and ec[1:].max() <= 1
    assert np.isnan(A[2, 7]) and np.isnan(D[2, 7])


# --- ReLU and readout fusions -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_relu_inplace_and_mask_equal_dense_act(dtype):
    rng = np.random.default_rng(5)
    P = rng.standard_normal((7, 33)).astype(dtype)
    P[0, 0], P[1, 1] = np.nan, 0.0
    bias = rng.standard_normal(33).astype(dtype)
    sc = dtype(0.7)
    A, D = np.empty_like(P), np.empty_like(P)
    nb.dense_act(0, dtype(1), dtype(1), P, sc, bias, A, D)
    Z = P.copy()
    nb.relu_inplace(Z, sc, bias, dtype(1))
    D2 = np.empty_like(P)
    nb.relu_grad(Z, dtype(1), D2)
    np.testing.assert_array_equal(Z, A)
    np.testing.assert_array_equal(D2, D)
    G1 = rng.standard_normal((7, 33)).astype(dtype)
    G2 = G1.copy()
    c1, c2 = np.empty(33, dtype), np.empty(33, dtype)
    nb.backprop_scale(G1, sc, D, c1)
    nb.backprop_relu(G2, sc, Z, dtype(1), c2)
    np.testing.assert_array_equal(G1, G2)
    np.testing.assert_array_equal(c1, c2)


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("d_out", [1, 2, 3, 5])
def test_backprop_readout_equals_gemm_and_scale(relu, d_out):
    rng = np.random.default_rng(6)
    n, m = 9, 50
    Gout = rng.standard_normal((n, d_out))
    W = rng.standard_normal((m, d_out))
    D = np.abs(rng.standard_normal((n, m))) * (rng.random((n, m)) > 0.4)
    ref = (Gout @ W.T * 0.3) * ((D > 0) * 1.0 if relu else D)
    G = np.empty((n, m))
    cs = np.empty(m)
    nb.backprop_readout(Gout, np.ascontiguousarray(W.T), 0.3, D, 1.0, relu, cs, G)
    np.testing.assert_allclose(G, ref, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(cs, ref.sum(axis=0), rtol=1e-13, atol=1e-14)


# --- training with the fused float32 kernels --------------------------------------------------


def _float64_pair(act):
    """The activation evaluated in float64 and rounded to the input's dtype (the pre-change float32 path)."""
    f = act.compile()

    def phi(x):
        return f.value_and_grad(np.asarray(x, np.float64))[0].astype(x.dtype)

    def dphi(x):
        return f.value_and_grad(np.asarray(x, np.float64))[1].astype(x.dtype)

    return phi, dphi


def test_float32_series_net_trains_like_the_float64_evaluation():
    # same seeds: the float32 recurrence changes the trajectory only at float32 noise level
    act = hr.family.Activation(tuple(_engineered_coeffs(n=40)))
    rng = np.random.default_rng(7)
    X = sphere_inputs(rng.standard_normal((64, 6)))
    y = np.sign(X[:, 0] * X[:, 1])
    kw = dict(seed=3, dtype=np.float32)
    fast, ref = FCN(6, [40], act, **kw), FCN(6, [40], _float64_pair(act), **kw)
    h1 = train(fast, X, y, lr=0.1, epochs=30, progress=False)
    h2 = train(ref, X, y, lr=0.1, epochs=30, progress=False)
    assert h1["train_mse"][-1] < h1["train_mse"][0]
    np.testing.assert_allclose(h1["train_mse"], h2["train_mse"], rtol=1e-4)
    for a, c in zip(fast.W, ref.W):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-5)


def test_sin6_net_trains_like_numpy_sin():
    # the float32 sin/cos kernel against numpy's float32 sin/cos through 30 GD steps
    rng = np.random.default_rng(8)
    X = sphere_inputs(rng.standard_normal((64, 7)))
    y = np.sign(X[:, 0])

    def phi(x):
        return (np.sin(6 * x.astype(np.float64)) / 2).astype(x.dtype)

    def dphi(x):
        return (3 * np.cos(6 * x.astype(np.float64))).astype(x.dtype)

    kw = dict(seed=1, dtype=np.float32)
    fast, ref = FCN(7, [64], "sin6", **kw), FCN(7, [64], (phi, dphi), **kw)
    h1 = train(fast, X, y, lr=0.1, epochs=30, progress=False)
    h2 = train(ref, X, y, lr=0.1, epochs=30, progress=False)
    np.testing.assert_allclose(h1["train_mse"], h2["train_mse"], rtol=1e-5)
    for a, c in zip(fast.W, ref.W):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


def test_train_limits_blas_before_its_first_product(monkeypatch):
    # the centring forward pass runs under the BLAS limit too: a multi-threaded GEMM there left
    # OpenBLAS's workers spinning through the training that followed
    from threadpoolctl import threadpool_info

    import hermite_rev.nets as nets

    seen = []
    forward = nets._Plan.forward

    def spy(self, X):
        seen.append(max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"))
        return forward(self, X)

    monkeypatch.setattr(nets._Plan, "forward", spy)
    X = sphere_inputs(np.random.default_rng(0).standard_normal((8, 3)))
    train(FCN(3, [4]), X, np.ones(8), 0.1, 2, X_test=X, Y_test=np.ones(8), progress=False)
    assert len(seen) >= 4 and seen == [1] * len(seen)
