"""Tests of hermite_rev.nets: activations, the FCN's forward/backward and empirical NTK, GD."""

import math

import mpmath
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev.family import Activation
from hermite_rev.nets import FCN, net_activation, sphere_inputs, train


@pytest.mark.parametrize(
    "name, f, df",
    [
        ("relu", lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0),
        ("erf", lambda x: np.vectorize(math.erf)(x), lambda x: 2 / math.sqrt(math.pi) * np.exp(-x * x)),
        ("tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
        ("sin6", lambda x: np.sin(6 * x) / 2, lambda x: 3 * np.cos(6 * x)),
        ("softplus", lambda x: np.log1p(np.exp(x)), lambda x: 1 / (1 + np.exp(-x))),
    ],
)
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
        out, acts, ders = net.forward(X[i : i + 1], keep=True)
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
    h = train(
        net,
        X,
        y,
        lr=2.0,
        epochs=2000,
        stop_mse=1e-2,
        X_test=X[:8],
        Y_test=y[:8],
        progress=False,
        callback=lambda t, F: seen.append(F.copy()) if t == 0 else None,
    )
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


# --- the fused training step (hermite_rev.nets._Plan, hermite_rev._numba.train) -------------


def _reference_step(net, X, Y, lr, f0):
    """One GD step the plain way: forward(keep), backward, theta -= lr * grad (numpy only)."""
    out, acts, ders = net.forward(X, keep=True)
    G = ((out.astype(np.float64) - f0 - Y) / X.shape[0]).astype(net.dtype)
    dW, db = net.backward(acts, ders, G)
    for l in range(len(net.W)):
        net.W[l] -= net.dtype.type(lr) * dW[l]
        net.b[l] -= net.dtype.type(lr) * db[l]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("act", ["relu", "sin6", "erf", "hermite", "sympy"])
def test_fused_training_steps_equal_the_plain_steps(dtype, act):
    # the preallocated, fused, in-place-GEMM step must change nothing beyond float rounding
    widths, sw = [19, 11, 13], 1.3
    if act == "hermite":  # a degree-11 polynomial: one hidden layer keeps it in range
        act = hr.reverse(hr.kernels.relu_ntk(2, sympy.sqrt(2), sympy.Rational(1, 10)), "ntk", n=12).activation()
        widths, sw = [19], 1.0
    elif act == "sympy":
        act = sympy.tanh(hr.z) + hr.z / 5
    rng = np.random.default_rng(0)
    X = sphere_inputs(rng.standard_normal((37, 5)))
    Y = rng.standard_normal((37, 2))
    kw = dict(sigma_w=sw, sigma_b=0.2, seed=4, d_out=2, sigma_b_last=0.3, dtype=dtype)
    fused, plain = FCN(5, widths, act, **kw), FCN(5, widths, act, **kw)
    h = train(fused, X, Y, lr=0.05, epochs=5, progress=False)
    assert not h["diverged"] and h["train_mse"][-1] < h["train_mse"][0]
    Xc = X.astype(dtype)
    f0 = plain.forward(Xc).astype(np.float64)
    for _ in range(5):
        _reference_step(plain, Xc, Y, 0.05, f0)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for a, b in zip(fused.W + fused.b, plain.W + plain.b):
        assert a.dtype == dtype and np.allclose(a, b, rtol=tol, atol=tol)
    assert h["train_mse"][-1] == pytest.approx(np.mean((plain(Xc) - f0 - Y) ** 2), rel=1e3 * tol)


def test_dense_act_equals_the_activation_for_every_named_code():
    from hermite_rev._numba import train as nb

    rng = np.random.default_rng(1)
    P = rng.standard_normal((9, 7)) * 3
    P[0, 0], P[1, 1], P[2, 2] = np.nan, np.inf, -np.inf
    bias = rng.standard_normal(7)
    for name in ["relu", "erf", "tanh", "sin", "cos", "linear", "abs", "step", "softplus", "sin6"]:
        act = net_activation(name)
        A, D = np.empty_like(P), np.empty_like(P)
        with np.errstate(invalid="ignore", over="ignore"):
            z = 0.7 * P + bias
            nb.dense_act(*act.fused[1:], P, 0.7, bias, A, D)
            v, d = act.value_and_grad(z)
        assert np.allclose(A, v, rtol=1e-15, equal_nan=True), name
        assert np.allclose(D, d, rtol=1e-15, equal_nan=True), name


@pytest.mark.parametrize("cosine", [False, True])
def test_float32_sincos_kernel_is_correctly_rounded(cosine):
    # the vectorizable sin/cos of float32 nets against mpmath, |t| up to 2e4
    from hermite_rev._numba import train as nb

    rng = np.random.default_rng(2)
    P = np.concatenate(
        [
            rng.standard_normal(3000) * 4,
            rng.uniform(-2e4, 2e4, 200),
            [0.0, 1e-30, np.pi / 4, 3 * np.pi / 4, np.nan, np.inf],
        ]
    ).astype(np.float32)[None, :]
    A, D = np.empty_like(P), np.empty_like(P)
    zero = np.zeros(P.shape[1], np.float32)
    with np.errstate(invalid="ignore"):
        nb.dense_sincos32(cosine, np.float32(6), np.float32(0.5), P, np.float32(1), zero, A, D)
    t = (np.float32(6) * P[0]).astype(np.float64)
    ok = np.isfinite(t)
    assert np.all(np.isnan(A[0, ~ok])) and np.all(np.isnan(D[0, ~ok]))
    with mpmath.workdps(40):
        sin = np.array([float(mpmath.sin(mpmath.mpf(float(x)))) for x in t[ok]])
        cos = np.array([float(mpmath.cos(mpmath.mpf(float(x)))) for x in t[ok]])
    val, der = (0.5 * cos, -3.0 * sin) if cosine else (0.5 * sin, 3.0 * cos)
    for got, ref in ((A[0, ok], val), (D[0, ok], der)):
        ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
        err = np.abs(got.astype(np.float64) - ref) / ulp
        assert err.max() <= 1.0, f"{np.sum(err > 1)} of {err.size} bad, worst {err.max():.2f} ulp"


def test_accuracy_at_initialization_is_chance():
    from hermite_rev.nets import accuracy

    assert accuracy(np.zeros((4, 1)), np.array([[1.0], [-1.0], [1.0], [1.0]])) == 0.5
    assert accuracy(np.array([[0.3], [0.0], [-2.0]]), np.array([[1.0], [1.0], [1.0]])) == pytest.approx(0.5)
    Y = np.eye(3)[[0, 1, 2, 2]]
    assert accuracy(np.zeros((4, 3)), Y) == pytest.approx(1 / 3)  # a 3-way tie: 1/3 each
    F = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [5.0, 0.0, 0.0], [np.nan] * 3])
    assert accuracy(F, Y) == pytest.approx((0.5 + 0.5 + 0.0 + 0.0) / 4)  # ties 0|1 and 1|2, wrong, NaN
    rng = np.random.default_rng(0)
    X = sphere_inputs(rng.standard_normal((20, 3)))
    h = train(
        FCN(3, [16], "relu"), X, np.sign(X[:, 0]), lr=0.1, epochs=1, X_test=X, Y_test=np.sign(X[:, 1]), progress=False
    )
    assert h["train_acc"][0] == 0.5 and h["test_acc"][0] == 0.5  # the centred net outputs 0
