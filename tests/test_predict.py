"""hr.gram and hr.predict: Gram matrices against an independent mpmath oracle, predictions
against direct formulas, explicit GD iterations and trained wide networks."""

import mpmath
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev import predict
from hermite_rev.limits import LIMITS
from hermite_rev.nets import FCN, sphere_inputs, train

SQ2, TENTH = sympy.sqrt(2), sympy.Rational(1, 10)


def relu_ntk_mp(c, depth, sw2, sb2, kind="ntk"):
    """The deep ReLU NTK (or NNGP) by its layer recursion, written out independently in mpmath."""
    nngp, ntk, q = mpmath.mpf(c), mpmath.mpf(0), mpmath.mpf(1)
    for _ in range(depth):
        nngp = sw2 * nngp + sb2
        ntk = nngp + sw2 * ntk
        q = sw2 * q + sb2
        rho = min(nngp / q, mpmath.mpf(1))
        th = mpmath.acos(rho)
        nngp = q / (2 * mpmath.pi) * (mpmath.sin(th) + (mpmath.pi - th) * rho)
        ntk = ntk * (mpmath.pi - th) / (2 * mpmath.pi)
        q = q / 2
    return nngp + ntk if kind == "ntk" else nngp


@pytest.fixture(scope="module")
def ntk4():
    return hr.kernels.relu_ntk(depth=4, sigma_w=SQ2, sigma_b=TENTH)


def test_gram_matches_mpmath_oracle_near_both_ends(ntk4):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    X2 = np.concatenate(
        [X[:10] * 3.0, -X[10:15], X[15:20] + 1e-9 * rng.standard_normal((5, 5)), rng.standard_normal((10, 5))]
    )
    G, info = hr.gram(ntk4, X, X2, info=True)
    U1 = X / np.linalg.norm(X, axis=1, keepdims=True)
    U2 = X2 / np.linalg.norm(X2, axis=1, keepdims=True)
    C = np.clip(U1 @ U2.T, -1, 1)
    bad = 0
    with mpmath.workdps(40):
        worst = 0.0
        for i in range(0, 40, 3):
            for j in range(X2.shape[0]):
                ref = float(relu_ntk_mp(mpmath.mpf(C[i, j]), 4, 2, mpmath.mpf(1) / 100))
                d = abs(G[i, j] - ref)
                worst = max(worst, d)
                bad += d > 1e-12
    assert bad == 0, f"{bad} entries off, worst {worst}"
    assert info.method == "theta" and info.error_kind == "measured" and info.error < 1e-12
    assert worst <= 10 * info.error + 1e-15
    assert np.all(np.isfinite(G))


def test_gram_symmetric_diagonal_exact(ntk4):
    X = np.random.default_rng(1).standard_normal((30, 7)) * np.arange(1, 31)[:, None]
    G = hr.gram(ntk4, X)
    assert np.array_equal(np.diag(G), np.full(30, 5.07))
    np.testing.assert_allclose(G, G.T, rtol=0, atol=1e-13)
    assert np.linalg.eigvalsh(G).min() > 0


def test_compiled_path_is_dag_code_and_agrees(ntk4):
    f = predict.compile_kernel(ntk4, method="compiled")
    g = predict.compile_kernel(ntk4)
    assert f.method == "compiled" and "DAG nodes" in f.detail
    cs = np.linspace(-1, 0.999, 501)
    np.testing.assert_allclose(f(cs), g(cs), rtol=0, atol=1e-12)
    # near c = 1 nested arccos amplify rounding in floating point; the stated error says so
    assert f.error > g.error


def test_deep_kernel_compiles_as_dag():
    K = hr.kernels.relu_nngp(depth=10, sigma_w=SQ2, sigma_b=TENTH)  # ~10^5 tree nodes
    f = predict.compile_kernel(K)
    cs = [-1.0, -0.3, 0.3, 0.999999, 1.0]
    with mpmath.workdps(40):
        ref = [float(relu_ntk_mp(mpmath.mpf(x), 10, 2, mpmath.mpf(1) / 100, "nngp")) for x in cs]
    np.testing.assert_allclose(f(cs), ref, rtol=1e-13)


def test_series_kernel_error_bound_holds():
    tc = hr.taylor(sympy.exp(hr.c), 12, dps=20)
    X = np.random.default_rng(2).standard_normal((25, 3))
    G, info = hr.gram(tc, X, info=True)
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    exact = np.exp(np.clip(U @ U.T, -1, 1))
    assert info.method == "series" and info.error_kind == "bound"
    err = np.max(np.abs(G - exact))
    assert err <= info.error
    assert info.error < 1e-7  # tail of exp after 12 terms is ~ 2e-9 and the bound is not loose by much


def test_series_from_kernel_of_has_stated_error():
    tc = hr.kernel_of(sympy.sin(hr.z), "nngp", depth=2, n=16, dps=15)
    f = predict.compile_kernel(tc)
    assert f.method == "series" and 0 < f.error < 1e-6
    assert abs(f(1.0) - f.k1) <= f.error


@pytest.mark.parametrize(
    "bad, msg",
    [
        (np.zeros((2, 3)), "zero vector"),
        (np.array([[1.0, np.nan]]), "finite"),
        (np.ones(3), "2-D"),
        (np.array([["a", "b"]]), "real numbers"),
    ],
)
def test_gram_bad_inputs(bad, msg):
    with pytest.raises(ValueError, match=msg):
        hr.gram(hr.kernels.relu_nngp(), bad)


def test_gram_refuses_mismatch_and_size(monkeypatch):
    with pytest.raises(ValueError, match="features"):
        hr.gram(hr.c, np.ones((2, 3)), np.ones((2, 4)))
    monkeypatch.setitem(LIMITS, "gram_entries", 10)
    with pytest.raises(ValueError, match="entries"):
        hr.gram(hr.c, np.ones((4, 3)))


def test_gram_refuses_kernel_not_real_on_sphere():
    with pytest.raises(ValueError, match="not finite"):
        hr.gram(sympy.sqrt(hr.c - sympy.Rational(1, 2)), np.eye(2))
    with pytest.raises(ValueError, match="free symbol"):
        hr.gram(sympy.Symbol("x") * hr.c, np.eye(2))


# --------------------------------------------------------------------------------------------
# predictions
# --------------------------------------------------------------------------------------------


def _problem(n=12, m=7, d=5, seed=3):
    rng = np.random.default_rng(seed)
    X, Xt = rng.standard_normal((n, d)), rng.standard_normal((m, d))
    y = np.sign(X @ rng.standard_normal(d))
    return X, y, Xt


def test_gp_inference_direct_formula():
    X, y, Xt = _problem()
    K = hr.kernels.relu_nngp(depth=2, sigma_w=SQ2, sigma_b=TENTH)
    mean, cov = hr.predict.gp_inference(K, X, y, Xt, diag_reg=0.01)
    Kdd, Ktd, Ktt = hr.gram(K, X), hr.gram(K, Xt, X), hr.gram(K, Xt)
    A = Kdd + 0.01 * np.trace(Kdd) / len(X) * np.eye(len(X))
    np.testing.assert_allclose(mean, Ktd @ np.linalg.solve(A, y), atol=1e-10)
    np.testing.assert_allclose(cov, Ktt - Ktd @ np.linalg.solve(A, Ktd.T), atol=1e-10)
    m2, _ = hr.predict.gp_inference(K, X, np.stack([y, -y], 1), Xt, diag_reg=0.01)
    np.testing.assert_allclose(m2[:, 1], -mean, atol=1e-12)


def test_training_set_size_is_bounded(monkeypatch):
    X, y, Xt = _problem()
    monkeypatch.setitem(LIMITS, "train_examples", 5)
    with pytest.raises(ValueError, match="train_examples"):
        hr.predict.gradient_descent_mse(hr.kernels.relu_ntk(), X, y, Xt)
    with pytest.raises(ValueError, match="train_examples"):
        hr.predict.gp_inference(hr.kernels.relu_nngp(), X, y, Xt)


def test_singular_systems_are_refused():
    X, y, Xt = _problem()
    X[1] = 2 * X[0]  # same direction: two equal rows of the Gram matrix
    K = hr.kernels.relu_ntk()
    with pytest.raises(ValueError, match="singular"):
        hr.predict.gp_inference(K, X, y, Xt)
    with pytest.raises(ValueError, match="singular"):
        hr.predict.gradient_descent_mse(K, X, y, Xt)
    # finite time is well defined even for a singular kernel, and diag_reg repairs infinite time
    f_tr, f_te = hr.predict.gradient_descent_mse(K, X, y, Xt, t=10.0)
    assert np.all(np.isfinite(f_tr)) and np.all(np.isfinite(f_te))
    hr.predict.gradient_descent_mse(K, X, y, Xt, diag_reg=1e-6)


def test_gd_matches_explicit_iteration_and_flow():
    X, y, Xt = _problem()
    K = hr.kernels.relu_ntk(depth=2, sigma_w=SQ2, sigma_b=TENTH)
    T, Ttd = hr.gram(K, X), hr.gram(K, Xt, X)
    n, lr, steps = len(X), 0.7, 37
    f, ft = np.zeros(n), np.zeros(len(Xt))
    for _ in range(steps):
        r = f - y
        f, ft = f - lr / n * T @ r, ft - lr / n * Ttd @ r
    f_tr, f_te = hr.predict.gradient_descent_mse(K, X, y, Xt, t=steps, lr=lr)
    np.testing.assert_allclose(f_tr, f, atol=1e-11)
    np.testing.assert_allclose(f_te, ft, atol=1e-11)
    from scipy.linalg import expm

    tau = 3.3
    E = expm(-T * tau / n)
    g_tr, g_te = hr.predict.gradient_descent_mse(K, X, y, Xt, t=tau)
    np.testing.assert_allclose(g_tr, (np.eye(n) - E) @ y, atol=1e-10)
    np.testing.assert_allclose(g_te, Ttd @ np.linalg.solve(T, (np.eye(n) - E) @ y), atol=1e-9)
    h_tr, h_te = hr.predict.gradient_descent_mse(K, X, y, Xt)
    np.testing.assert_allclose(h_tr, y, atol=1e-10)
    np.testing.assert_allclose(h_te, Ttd @ np.linalg.solve(T, y), atol=1e-9)
    with pytest.raises(ValueError, match="diverge"):
        hr.predict.gradient_descent_mse(K, X, y, Xt, lr=1e3)


def test_nngp_covariance_over_initializations():
    X, y, Xt = _problem()
    Kt, Kn = hr.kernels.relu_ntk(depth=1), hr.kernels.relu_nngp(depth=1)
    _, _, cov0 = hr.predict.gradient_descent_mse(Kt, X, y, Xt, t=0.0, K_nngp=Kn)
    np.testing.assert_allclose(cov0, hr.gram(Kn, Xt), atol=1e-12)  # nothing learned yet: the prior
    _, _, cov = hr.predict.gradient_descent_mse(Kt, X, y, Xt, K_nngp=Kn)
    A = hr.gram(Kt, Xt, X) @ np.linalg.inv(hr.gram(Kt, X))
    S, Std, Stt = hr.gram(Kn, X), hr.gram(Kn, Xt, X), hr.gram(Kn, Xt)
    np.testing.assert_allclose(cov, Stt - A @ Std.T - Std @ A.T + A @ S @ A.T, atol=1e-8)


def _width_gap(width, seeds, epochs=40, lr=0.5):
    rng = np.random.default_rng(7)
    X = sphere_inputs(rng.standard_normal((8, 4)))
    Xt = sphere_inputs(rng.standard_normal((5, 4)))
    y = np.sign(X @ rng.standard_normal(4))
    f_tr, f_te = hr.predict.gradient_descent_mse(hr.kernels.relu_ntk(depth=2), X, y, Xt, t=epochs, lr=lr)
    gaps = []
    for s in seeds:
        net = FCN(4, [width, width], "relu", 1.0, 0.0, seed=s)
        f0, f0t = net(X)[:, 0], net(Xt)[:, 0]
        train(net, X, y, lr, epochs, progress=False)
        gaps.append(max(np.max(np.abs(net(X)[:, 0] - f0 - f_tr)), np.max(np.abs(net(Xt)[:, 0] - f0t - f_te))))
    return float(np.sqrt(np.mean(np.square(gaps))))


def test_prediction_matches_trained_wide_nets():
    small, big = _width_gap(64, range(3)), _width_gap(1024, range(3))
    assert big < small / 2, (small, big)  # ~ width^(-1/2): 4x narrower gap expected
    assert big < 0.1


@pytest.mark.slow
def test_prediction_matches_trained_very_wide_nets():
    gaps = [_width_gap(w, range(4), epochs=100) for w in (256, 1024, 4096)]
    # measured 0.26, 0.12, 0.055: the gap halves for each 4x in width (~ width^(-1/2))
    assert gaps[0] > gaps[1] > gaps[2] and gaps[0] / gaps[2] > 3 and gaps[2] < 0.08, gaps


def test_docstring_examples():
    import doctest

    from hermite_rev import interop

    for module in (predict, interop):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_piecewise_and_kinks_fall_back_to_compiled_code():
    c = hr.c
    K = sympy.Piecewise((1 / c, c > sympy.Rational(1, 2)), (2 * c + 1, True))  # 1/c is never taken at c = 0
    f = predict.compile_kernel(K)
    assert f.method == "compiled" and f.error < 1e-15
    np.testing.assert_allclose(f([-1.0, 0.0, 0.5, 0.8, 1.0]), [-1.0, 1.0, 2.0, 1.25, 1.0], rtol=1e-15)
    g = predict.compile_kernel(sympy.Max(c, sympy.Rational(3, 10)))  # a kink inside a theta piece
    assert g.method == "compiled" and "tried theta" in g.detail


# --------------------------------------------------------------------------------------------
# nothing silent (issue 21): overflow, divergence, indefinite kernels, bad labels
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e200, 1e-200, 1e300, 1e-300])
def test_gram_rows_of_extreme_norm(scale):
    K = hr.kernels.relu_ntk()
    G = hr.gram(K, np.array([[1.0, 0.0], [1.0, 1.0]]) * scale)
    ref = hr.gram(K, np.array([[1.0, 0.0], [1.0, 1.0]]))
    np.testing.assert_allclose(G, ref, rtol=1e-15)
    assert abs(G[0, 1] - 0.6428696254095) < 1e-12  # was K(0) = 1/(2 pi) + ... = 0.159 at 1e200
    f = hr.interop.SklearnKernel(K)
    np.testing.assert_allclose(f(np.array([[1.0, 0.0], [1.0, 1.0]]) * scale), ref, rtol=1e-15)


def test_only_exact_zero_rows_are_refused():
    assert np.isfinite(hr.gram(hr.c, np.array([[5e-324, 0.0], [0.0, 1e-310]]))).all()
    with pytest.raises(ValueError, match=r"X2\[1\] is the zero vector"):
        hr.gram(hr.c, np.eye(2), np.array([[1.0, 0.0], [0.0, 0.0]]))


def test_predictions_with_rows_of_extreme_norm():
    X, y, Xt = _problem()
    K = hr.kernels.relu_ntk(depth=2)
    ref = hr.predict.gradient_descent_mse(K, X, y, Xt)[1]
    for s in (1e200, 1e-200):
        np.testing.assert_allclose(hr.predict.gradient_descent_mse(K, s * X, y, s * Xt)[1], ref, rtol=1e-9)


def test_diverging_lr_at_finite_t_is_refused():
    X, y, Xt = _problem()
    K = hr.kernels.relu_ntk()
    bound = 2 * len(X) / np.linalg.eigvalsh(hr.gram(K, X))[-1]
    with pytest.raises(
        ValueError, match=r"^lr=1000.0 makes gradient descent diverge .*2n/lambda_max = " + f"{bound:.6g}"
    ):
        hr.predict.gradient_descent_mse(K, X, y, Xt, t=10, lr=1e3)
    with pytest.raises(ValueError, match=r"lr=.* diverge"):
        hr.predict.gradient_descent_mse(K, X, y, Xt, t=1e6, lr=1.001 * bound)
    f_tr, _ = hr.predict.gradient_descent_mse(K, X, y, Xt, t=1e6, lr=0.999 * bound)  # oscillates, converges
    np.testing.assert_allclose(f_tr, y, atol=1e-6)


def test_fractional_t():
    X, y, Xt = _problem()
    K = hr.kernels.relu_ntk()
    T = hr.gram(K, X)
    n = len(X)
    # a stable lr below n/lambda_max: fractional epochs interpolate (I - lr T/n)^t
    lr = 0.7
    f_tr, _ = hr.predict.gradient_descent_mse(K, X, y, Xt, t=2.5, lr=lr)
    lam, V = np.linalg.eigh(T)
    np.testing.assert_allclose(f_tr, V @ ((1 - (1 - lr * lam / n) ** 2.5) * (V.T @ y)), atol=1e-12)
    assert np.all(np.isfinite(hr.predict.gradient_descent_mse(K, X, y, Xt, t=2.5)[1]))
    lr = 1.5 * n / lam[-1]  # top mode flips sign every epoch: no value between epochs
    with pytest.raises(ValueError, match=r"^t=2.5 is not a whole number of epochs.*lr="):
        hr.predict.gradient_descent_mse(K, X, y, Xt, t=2.5, lr=lr)
    f3, _ = hr.predict.gradient_descent_mse(K, X, y, Xt, t=3, lr=lr)
    np.testing.assert_allclose(f3, V @ ((1 - (1 - lr * lam / n) ** 3) * (V.T @ y)), atol=1e-12)


def test_indefinite_kernel_is_called_indefinite():
    X, y, Xt = _problem()
    K = sympy.cos(hr.c)
    with pytest.raises(ValueError, match=r"^the training NNGP Gram matrix is indefinite"):
        hr.predict.gp_inference(K, X, y, Xt)
    for kw in ({}, {"t": 1e3}, {"t": 50, "lr": 0.5}):
        with pytest.raises(ValueError, match=r"^the training NTK Gram matrix is indefinite"):
            hr.predict.gradient_descent_mse(K, X, y, Xt, **kw)


def test_huge_diag_reg_is_refused():
    X, y, Xt = _problem()
    with pytest.raises(ValueError, match=r"^diag_reg=1e\+308 is too large"):
        hr.predict.gp_inference(hr.kernels.relu_nngp(), X, y, Xt, diag_reg=1e308)
    with pytest.raises(ValueError, match=r"^diag_reg=1e\+308 is too large"):
        hr.predict.gradient_descent_mse(hr.kernels.relu_ntk(), X, y, Xt, diag_reg=1e308)


def test_huge_labels_scale_or_are_refused():
    X, y, Xt = _problem()
    Kn, Kt = hr.kernels.relu_nngp(), hr.kernels.relu_ntk()
    m1, _ = hr.predict.gp_inference(Kn, X, y, Xt)
    m, _ = hr.predict.gp_inference(Kn, X, 1e308 * y, Xt)
    assert np.all(np.isfinite(m)) and np.max(np.abs(m1)) < 1.7
    np.testing.assert_allclose(m, 1e308 * m1, rtol=1e-12)
    v = np.linalg.eigh(hr.gram(Kt, X))[1][:, 0]  # labels along the weakest mode: large extrapolation
    v /= np.max(np.abs(v))
    f1 = hr.predict.gradient_descent_mse(Kt, X, v, Xt)[1]
    assert np.max(np.abs(f1)) > 1.06  # the test outputs overshoot the labels: 1.7e308 * f1 is not a float
    with pytest.raises(ValueError, match=r"^the test outputs overflow float64: Y_train"):
        hr.predict.gradient_descent_mse(Kt, X, 1.7e308 * v, Xt)


@pytest.mark.parametrize("Y", [lambda y: y + 1j, lambda y: (1j * y).astype(np.complex64)])
def test_complex_labels_are_refused(Y):
    X, y, Xt = _problem()
    with pytest.raises(ValueError, match=r"^Y_train must be real, got dtype complex"):
        hr.predict.gp_inference(hr.kernels.relu_nngp(), X, Y(y), Xt)
    with pytest.raises(ValueError, match=r"^Y_train must be real, got dtype complex"):
        hr.predict.gradient_descent_mse(hr.kernels.relu_ntk(), X, Y(y), Xt)
