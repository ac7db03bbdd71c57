"""Tests of hermite_rev.nets: activations, the FCN's forward/backward and empirical NTK, GD."""

import math

import mpmath
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev.family import Activation
from hermite_rev.nets import FCN, net_activation, sphere_inputs, train


@pytest.mark.parametrize("name, f, df", [
    ("relu", lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0),
    ("erf", lambda x: np.vectorize(math.erf)(x), lambda x: 2 / math.sqrt(math.pi) * np.exp(-x * x)),
    ("tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    ("sin6", lambda x: np.sin(6 * x) / 2, lambda x: 3 * np.cos(6 * x)),
    ("softplus", lambda x: np.log1p(np.exp(x)), lambda x: 1 / (1 + np.exp(-x))),
])
def test_named_activations(name, f, df):
    x = np.linspace(-3, 3, 13).reshape(13, 1) + 0.01
    v, d = net_activation(name).value_and_grad(x)
    assert v.shape == x.shape
    assert np.allclose(v, f(x), atol=1e-14) and np.allclose(d, df(x), atol=1e-13)
    v32, _ = net_activation(name).value_and_grad(x.astype(np.float32))
    assert v32.dtype == np.float32 and np.allclose(v32, f(x), atol=1e-6)


def test_hermite_activation_matches_mpmath():
    fam = hr.reverse(hr.kernels.exponential(1), "nngp", n=12)
    act = fam.activation()
    x = np.array([-2.5, -0.3, 0.0, 1.7])
    v, d = net_activation(act).value_and_grad(x)  # compiled path (hermite_rev.lower)
    dact = act.derivative()
    with mpmath.workdps(30):
        ref_v = [float(act(mpmath.mpf(float(t)))) for t in x]
        ref_d = [float(dact(mpmath.mpf(float(t)))) for t in x]
    assert np.allclose(v, ref_v, rtol=1e-13) and np.allclose(d, ref_d, rtol=1e-13)


@pytest.mark.parametrize("name", ["relu", "step", "abs", "linear", "erf", "tanh", "sin6", "softplus"])
def test_named_activations_propagate_nan(name):
    # relu / step / abs compared t > 0 and mapped NaN to 0
    v, d = net_activation(name).value_and_grad(np.array([np.nan, 0.7]))
    assert np.isnan(v[0]) and np.isnan(d[0]) and np.isfinite(v[1])
    assert np.isnan(net_activation(name)([np.nan])[0])


def test_sympy_heaviside_activation():
    # the derivative DiracDelta(z) used to be lambdified into a NameError
    act = net_activation(sympy.Heaviside(hr.z))
    x = np.array([0.5, -1.0, np.nan])
    v, d = act.value_and_grad(x)
    assert np.array_equal(v[:2], [1.0, 0.0]) and np.array_equal(d[:2], [0.0, 0.0])
    assert np.isnan(v[2]) and np.isnan(d[2])
    assert np.array_equal(net_activation(sympy.sign(hr.z)).grad(np.array([2.0, -3.0])), [0.0, 0.0])


def test_sympy_and_callable_activations():
    x = np.array([0.5, -1.0])
    v, d = net_activation(hr.z**3 - hr.z).value_and_grad(x)
    assert np.allclose(v, x**3 - x) and np.allclose(d, 3 * x**2 - 1)
    v, d = net_activation((np.sin, np.cos)).value_and_grad(x)
    assert np.allclose(d, np.cos(x))


def test_bad_activation():
    with pytest.raises(ValueError, match="unknown activation name 'nope'"):
        net_activation("nope")
    with pytest.raises(ValueError, match="activation must be"):
        net_activation(3j)


def _loss(net, X, Y):
    return 0.5 * np.sum((net(X) - Y) ** 2)


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    X = sphere_inputs(rng.standard_normal((5, 3)))
    Y = rng.standard_normal((5, 2))
    net = FCN(3, [7, 6], "tanh", sigma_w=1.3, sigma_b=0.4, seed=2, d_out=2, sigma_b_last=0.2)
    out, acts, ders = net.forward(X, keep=True)
    dW, db = net.backward(acts, ders, out - Y)
    eps = 1e-6
    for l in range(3):
        for P, G in ((net.W[l], dW[l]), (net.b[l], db[l])):
            idx = tuple(rng.integers(0, s) for s in P.shape)
            old = P[idx]
            P[idx] = old + eps
            lp = _loss(net, X, Y)
            P[idx] = old - eps
            lm = _loss(net, X, Y)
            P[idx] = old
            assert math.isclose((lp - lm) / (2 * eps), G[idx], rel_tol=1e-5, abs_tol=1e-8)


def test_empirical_ntk_equals_gradient_inner_products():
    # kernel(): layer-wise formula; here: explicit per-example gradients flattened
    rng = np.random.default_rng(0)
    X = sphere_inputs(rng.standard_normal((4, 3)))
    net = FCN(3, [5, 4], "erf", sigma_w=1.1, sigma_b=0.3, seed=3)
    grads = []
    for i in range(4):
        out, acts, ders = net.forward(X[i:i + 1], keep=True)
        dW, db = net.backward(acts, ders, np.ones((1, 1)))
        grads.append(np.concatenate([g.ravel() for g in dW + db]))
    G = np.array(grads)
    assert np.allclose(net.kernel(X), G @ G.T, rtol=1e-12)
    # NNGP: readout features
    A = net.forward(X, keep=True)[1][-1]
    assert np.allclose(net.kernel(X, kind="nngp"), A @ A.T / 4)


def test_fcn_validation():
    with pytest.raises(ValueError, match="d_in must be a positive integer"):
        FCN(0, [4])
    with pytest.raises(ValueError, match="widths must name at least one"):
        FCN(3, [])
    with pytest.raises(ValueError, match="need .* GiB"):
        FCN(3, [2**18, 2**18])
    net = FCN(3, 4)
    with pytest.raises(ValueError, match=r"inputs must have shape \(n, 3\)"):
        net(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="seed must be a non-negative integer.*seed='abc'"):
        FCN(3, [4], seed="abc")
    with pytest.raises(ValueError, match="seed must be.*seed=-1"):
        FCN(3, [4], seed=-1)
    with pytest.raises(ValueError, match="widths must be a positive integer or a sequence.*widths='12'"):
        FCN(3, "12")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fcn_rejects_non_finite_inputs(bad):
    # NaN inputs used to give 0 outputs through relu
    net = FCN(3, [8], "relu", seed=0)
    X = np.ones((2, 3))
    X[1, 2] = bad
    with pytest.raises(ValueError, match=r"inputs must be finite .*X\[1, 2\]"):
        net(X)
    with pytest.raises(ValueError, match="inputs must be finite"):
        net.kernel(X)
    with pytest.raises(ValueError, match="inputs must be finite"):
        train(net, X, np.ones(2), lr=0.1, epochs=1, progress=False)
    with pytest.raises(ValueError, match="inputs must be finite"):
        FCN(3, [8], "relu", dtype=np.float32)(np.full((1, 3), 1e39))  # overflows float32


def test_train_decreases_loss_and_centres_output():
    rng = np.random.default_rng(0)
    X = sphere_inputs(rng.standard_normal((32, 5)))
    y = np.sign(X[:, 0])
    net = FCN(5, [256], "relu", seed=0)
    seen = []
    h = train(net, X, y, lr=2.0, epochs=2000, stop_mse=1e-2, X_test=X[:8], Y_test=y[:8], progress=False,
              callback=lambda t, F: seen.append(F.copy()) if t == 0 else None)
    assert np.all(seen[0] == 0)  # f - f_0 starts at exactly 0
    assert h["train_mse"][0] == pytest.approx(1.0)
    assert h["train_mse"][-1] <= 1e-2 and h["stopped_at"] < 2000
    assert h["train_acc"][-1] == 1.0 and set(h) >= {"epoch", "test_mse", "test_acc", "seconds"}
    assert len(h["epoch"]) == len(h["train_mse"]) == len(h["seconds"])


def test_train_reports_divergence():
    rng = np.random.default_rng(0)
    X = sphere_inputs(rng.standard_normal((16, 4)))
    net = FCN(4, [64], Activation((0, 0, 0, 0, 0, 1.0), dps=20), seed=0)
    h = train(net, X, np.ones(16), lr=1e3, epochs=50, progress=False)
    assert h["diverged"]


def test_train_input_checks():
    net = FCN(3, [4])
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match="lr must be positive"):
        train(net, X, np.ones(2), lr=-1, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"Y must have shape \(2, 1\)"):
        train(net, X, np.ones(3), lr=0.1, epochs=1, progress=False)


@pytest.mark.parametrize("epochs", [None, 2.7, -1, "3"])
def test_train_rejects_bad_epochs(epochs):
    # None gave a TypeError, 2.7 was silently truncated to 2
    net = FCN(3, [4])
    with pytest.raises(ValueError, match=f"epochs must be a non-negative integer, got epochs={epochs!r}"):
        train(net, np.ones((2, 3)), np.ones(2), lr=0.1, epochs=epochs, progress=False)


def test_train_zero_epochs_and_integral_float():
    net = FCN(3, [4])
    X = sphere_inputs(np.arange(6.0).reshape(2, 3) + 1)
    assert train(net, X, np.ones(2), lr=0.1, epochs=0, progress=False)["stopped_at"] == 0
    assert train(net, X, np.ones(2), lr=0.1, epochs=2.0, progress=False)["stopped_at"] == 2
