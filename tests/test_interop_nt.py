"""hermite_rev against neural-tangents (run where it imports: its own venv, pyproject's ``nt`` extra).

Skips cleanly when neural_tangents cannot be imported (it needs jax 0.4.30)."""

import numpy as np
import pytest
import sympy

import hermite_rev as hr

try:
    import jax

    jax.config.update("jax_enable_x64", True)
    from neural_tangents import predict as nt_predict
    from neural_tangents import stax
except Exception as exc:
    pytest.skip(f"neural_tangents does not import here ({type(exc).__name__})", allow_module_level=True)

SQ2, TENTH = sympy.sqrt(2), sympy.Rational(1, 10)


def _inputs(n, d=5, seed=0):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True) * np.sqrt(d)  # |x|^2/d = 1


def _cos(X1, X2):
    return np.clip(X1 @ X2.T / X1.shape[1], -1, 1)


@pytest.fixture(scope="module")
def member():
    fam = hr.reverse(hr.kernels.relu_ntk(depth=2), kind="ntk", n=10, dps=20)
    return fam.activation([(-1) ** k for k in range(len(fam.nonzero))])


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_exported_layer_kernel_fn_matches_kernel_of(member, depth):
    ns = {}
    exec(member.export("neural_tangents"), ns)
    sw, sb = 1.3, 0.2
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(1, W_std=sw, b_std=sb), ns["phi_layer"]()]
    _, _, kernel_fn = stax.serial(*layers, stax.Dense(1))
    X1, X2 = _inputs(6), _inputs(5, seed=1)
    C = _cos(X1, X2)
    for kind in ("nngp", "ntk"):
        got = np.asarray(kernel_fn(X1, X2, kind))
        tc = hr.kernel_of(
            member.expr,
            kind,
            depth=depth,
            sigma_w=sympy.Rational("1.3"),
            sigma_b=sympy.Rational("0.2"),
            n=10 * 3 ** (depth - 1) if depth < 3 else 60,
            dps=20,
        )
        ref = sum(float(a) * C**k for k, a in enumerate(tc))
        err = float(tc.tail.bound) + 1e-9 * np.max(np.abs(ref))
        assert np.max(np.abs(got - ref)) <= err, (kind, np.max(np.abs(got - ref)), err)


def test_relu_kernels_and_gram_match(depth=3):
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(1, W_std=2**0.5, b_std=0.1), stax.Relu()]
    _, _, kernel_fn = stax.serial(*layers, stax.Dense(1))
    X1, X2 = _inputs(30), _inputs(20, seed=1)
    for kind, K in (("ntk", hr.kernels.relu_ntk), ("nngp", hr.kernels.relu_nngp)):
        np.testing.assert_allclose(
            np.asarray(kernel_fn(X1, X2, kind)), hr.gram(K(depth, SQ2, TENTH), X1, X2), rtol=1e-10, atol=1e-12
        )


def test_predictions_match_neural_tangents():
    layers = [stax.Dense(1, W_std=2**0.5, b_std=0.1), stax.Relu()] * 2
    _, _, kernel_fn = stax.serial(*layers, stax.Dense(1))
    X, Xt = _inputs(20), _inputs(8, seed=1)
    y = np.sign(X[:, 0])[:, None]
    K_ntk, K_nngp = hr.kernels.relu_ntk(2, SQ2, TENTH), hr.kernels.relu_nngp(2, SQ2, TENTH)
    k_dd, k_td = kernel_fn(X, None, "ntk"), kernel_fn(Xt, X, "ntk")
    lr = 0.5
    fn = nt_predict.gradient_descent_mse(k_dd, y, learning_rate=lr)
    for t in (3.0, 40.0, None):
        nt_tr, nt_te = fn(t, np.zeros_like(y), np.zeros((8, 1)), k_td)
        ours = hr.predict.gradient_descent_mse(K_ntk, X, y, Xt, t=None if t is None else lr * t)
        np.testing.assert_allclose(ours[0], np.asarray(nt_tr), atol=1e-8)
        np.testing.assert_allclose(ours[1], np.asarray(nt_te), atol=1e-8)
    s_dd, s_td, s_tt = kernel_fn(X, None, "nngp"), kernel_fn(Xt, X, "nngp"), kernel_fn(Xt, None, "nngp")
    mean, cov = nt_predict.gp_inference(s_dd, y, diag_reg=1e-3)("nngp", s_td, s_tt)
    m2, c2 = hr.predict.gp_inference(K_nngp, X, y, Xt, diag_reg=1e-3)
    np.testing.assert_allclose(m2, np.asarray(mean), atol=1e-8)
    np.testing.assert_allclose(c2, np.asarray(cov), atol=1e-8)


def test_standard_parameterization_matches_neural_tangents():
    N, d = 64, 5
    K = 80 * sympy.exp(hr.c / 2) + 10 * hr.c
    fam = hr.reverse(
        K, "ntk", n=16, dps=20, sigma_w=1, sigma_b=sympy.Rational(1, 2), parameterization="standard", width=N, d_in=d
    )
    ns = {}
    exec(fam.activation().export("neural_tangents"), ns)
    _, _, kernel_fn = stax.serial(
        stax.Dense(N, W_std=1.0, b_std=0.5, parameterization="standard"),
        ns["phi_layer"](),
        stax.Dense(1, W_std=1.0, b_std=0.0, parameterization="standard"),
    )
    X1, X2 = _inputs(6, d), _inputs(4, d, seed=1)
    got = np.asarray(kernel_fn(X1, X2, "ntk"))
    f = sympy.lambdify(hr.c, K)
    np.testing.assert_allclose(got, f(_cos(X1, X2)), rtol=1e-9)
