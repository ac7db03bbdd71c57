"""The torch and JAX exports on the training path (issue 23): phi and phi' from one pass, the
derivative autograd uses equal to phi', higher derivatives still right, the compiled torch
kernel's fallback.  Fast; the real ``torch.compile`` run is marked slow."""

import warnings

import numpy as np
import pytest
import sympy

import hermite_rev as hr


@pytest.fixture(scope="module")
def act():
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    return hr.reverse(K, "ntk", n=24, dps=30).activation({3: -1, 5: -1})


def _run(src):
    ns = {"__name__": "exported"}
    exec(compile(src, "<exported>", "exec"), ns)
    return ns


def _second_derivative(act, x):
    """phi'' by numpy's Hermite-series derivative: phi = sum_k b_k He_k / sqrt(k!)."""
    from math import factorial, sqrt

    from numpy.polynomial import hermite_e as He

    c = np.array([float(b) / sqrt(factorial(k)) for k, b in enumerate(act.coeffs)])
    return He.hermeval(x, He.hermeder(c, 2))


# --------------------------------------------------------------------------------------- torch


def test_torch_gradient_is_phi_prime_and_gradcheck_passes(act):
    torch = pytest.importorskip("torch")
    ns = _run(act.export("torch"))
    f = act.compile()
    x = torch.tensor([-3.1, -1.0, -0.2, 0.0, 0.7, 2.5, 3.9], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(ns["phi"], (x,))
    assert torch.autograd.gradgradcheck(ns["phi"], (x,))
    y = ns["phi"](x)
    assert type(y.grad_fn).__name__ == "_phi_autogradBackward"  # the fused Function, not a chain of ops
    np.testing.assert_allclose(y.detach().numpy(), f(x.detach().numpy()), rtol=1e-13, atol=1e-13)
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), f.grad(x.detach().numpy()), rtol=1e-12, atol=1e-12)
    (g2,) = torch.autograd.grad(g.sum(), x)  # higher derivatives differentiate phi'
    np.testing.assert_allclose(g2.numpy(), _second_derivative(act, x.detach().numpy()), rtol=1e-10, atol=1e-10)


def test_torch_module_trains_in_float32_and_float64(act):
    torch = pytest.importorskip("torch")
    ns = _run(act.export("torch", class_name="Mimic"))
    f = act.compile()
    module = ns["Mimic"]()
    coeffs = torch.tensor([float(b) for b in act.coeffs], dtype=torch.float64)
    assert torch.equal(module.state_dict()["coeffs"], coeffs)
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), module, torch.nn.Linear(16, 1))
    for dtype, tol in ((torch.float32, 1e-5), (torch.float64, 1e-13)):
        net = net.to(dtype)
        h = torch.randn(8, 3, dtype=dtype) @ net[0].weight.T + net[0].bias
        np.testing.assert_allclose(module(h).detach().numpy(), f(h.detach().double().numpy()), rtol=tol, atol=tol)
        loss = net(torch.randn(8, 3, dtype=dtype)).square().mean()
        loss.backward()
        assert all(p.grad is not None and p.grad.dtype == dtype for p in net.parameters())


def test_torch_compiled_path_falls_back_to_torch_ops(act, monkeypatch):
    # tensors of at least PHI_COMPILE_MIN_SIZE elements go through torch.compile; where that
    # fails (no C++ compiler, an unsupported Python) the export warns once and runs plain torch ops
    torch = pytest.importorskip("torch")
    ns = _run(act.export("torch"))
    f = act.compile()

    def broken_compile(fn, **kw):
        def run(x):
            raise RuntimeError("no C++ compiler")

        return run

    monkeypatch.setattr(torch, "compile", broken_compile)
    x = torch.linspace(-4, 4, ns["PHI_COMPILE_MIN_SIZE"], dtype=torch.float64).reshape(64, -1).requires_grad_()
    with pytest.warns(UserWarning, match="torch.compile failed.*no C.. compiler"):
        y = ns["phi"](x)
    np.testing.assert_allclose(y.detach().numpy(), f(x.detach().numpy()), rtol=1e-13, atol=1e-13)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), f.grad(x.detach().numpy()), rtol=1e-12, atol=1e-12)
    assert ns["_phi_compiled"] == [None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once: the next large call goes straight to torch ops
        ns["phi"](x.detach())
    ns2 = _run(act.export("torch"))
    ns2["PHI_COMPILE_MIN_SIZE"] = None  # never compile
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(ns2["phi"](x.detach()).numpy(), f(x.detach().numpy()), rtol=1e-13, atol=1e-13)
    assert ns2["_phi_compiled"] == []


@pytest.mark.slow
def test_torch_compiled_kernel_matches(act):
    # the real torch.compile (a C++ compiler; tens of seconds on a shared machine)
    torch = pytest.importorskip("torch")
    ns = _run(act.export("torch"))
    f = act.compile()
    x = torch.linspace(-4, 4, 2 * ns["PHI_COMPILE_MIN_SIZE"], dtype=torch.float64).reshape(2, 8, -1)
    x.requires_grad_()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = ns["phi"](x)
    assert not [w for w in caught if "torch.compile failed" in str(w.message)]
    assert ns["_phi_compiled"] and ns["_phi_compiled"][0] is not None
    np.testing.assert_allclose(y.detach().numpy(), f(x.detach().numpy()), rtol=1e-13, atol=1e-13)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), f.grad(x.detach().numpy()), rtol=1e-12, atol=1e-12)
    y32 = ns["phi"](x.detach().float()[:, :4])  # another dtype and shape
    np.testing.assert_allclose(y32.numpy(), f(x.detach()[:, :4].numpy()), rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------------------- jax


def test_jax_custom_jvp_gradients_match(act):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax.test_util import check_grads

    ns = _run(act.export("jax"))
    f = act.compile()
    x = np.array([-3.1, -1.0, -0.2, 0.0, 0.7, 2.5, 3.9])
    np.testing.assert_allclose(np.asarray(ns["phi"](x)), f(x), rtol=1e-12, atol=1e-12)
    g = jax.vmap(jax.grad(ns["phi"]))(x)
    np.testing.assert_allclose(np.asarray(g), f.grad(x), rtol=1e-12, atol=1e-12)
    _, tangent = jax.jvp(ns["phi"], (x,), (np.ones_like(x),))
    np.testing.assert_allclose(np.asarray(tangent), f.grad(x), rtol=1e-12, atol=1e-12)
    g2 = jax.vmap(jax.grad(jax.grad(ns["phi"])))(x)  # the jvp rule is itself differentiable
    np.testing.assert_allclose(np.asarray(g2), _second_derivative(act, x), rtol=1e-10, atol=1e-10)
    check_grads(ns["phi"], (x,), order=2, modes=["fwd", "rev"])
    # inside a jitted training step
    loss = jax.jit(jax.grad(lambda w: (ns["phi"](w * x) ** 2).sum()))
    expected = (2 * f(2 * x) * f.grad(2 * x) * x).sum()
    assert abs(float(loss(2.0)) - expected) <= 1e-10 * abs(expected)


@pytest.mark.slow
def test_torch_export_inside_a_compiled_model(act, tmp_path, monkeypatch):
    # torch.compile(model) traces the Function; the export then leaves the fusing to it
    torch = pytest.importorskip("torch")
    (tmp_path / "mimic_act.py").write_text(act.export("torch"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import mimic_act

    net = torch.nn.Sequential(torch.nn.Linear(13, 4096), mimic_act.HermiteActivation(), torch.nn.Linear(4096, 3))
    X = torch.randn(89, 13)
    y = torch.compile(net)(X)
    y.sum().backward()
    g = net[0].weight.grad.clone()
    net.zero_grad()
    ref = net(X)
    ref.sum().backward()
    torch.testing.assert_close(y, ref)
    torch.testing.assert_close(g, net[0].weight.grad)


# ------------------------------------------------------------------- the rescaled recurrence


def _long_series(n):
    k = np.arange(n)
    return (-1.0) ** (k // 2) / (k + 1) ** 1.25


def _reference(b, x):
    """phi, phi' in float64 by the normalized recurrence, and the scales sum_k |b_k h_k(x)| (and
    phi''s) that rounding errors are relative to."""
    h = np.zeros((b.size, x.size))
    h[0] = 1
    h[1] = x
    for j in range(2, b.size):
        h[j] = (x * h[j - 1] - np.sqrt(j - 1) * h[j - 2]) / np.sqrt(j)
    d = np.sqrt(np.arange(1, b.size)) * b[1:]
    return b @ h, d @ h[:-1], np.abs(b) @ np.abs(h), np.abs(d) @ np.abs(h[:-1])


@pytest.mark.parametrize("n", [40, 600])  # 600: past the torch compile cap and jax's unrolling (lax.scan)
@pytest.mark.parametrize("target", ["torch", "jax"])
def test_rescaled_pass_accurate_and_in_range(target, n):
    # P_k = He_k 2^(-E_k) in float32 must stay as accurate as the normalized h_k (errors of a
    # few float32 roundings of sum |b_k h_k|) and finite on [-12, 12], where h_599(12) ~ 1e-60
    # and He_599(12) ~ 1e640 would each leave float32's range without the rescaling
    from hermite_rev.export import export_activation

    b = _long_series(n)
    x = np.linspace(-12, 12, 1201)
    v64, g64, scale, gscale = _reference(b, x)
    ns = _run(export_activation(b, target))
    if target == "torch":
        torch = pytest.importorskip("torch")
        ns["PHI_COMPILE_MIN_SIZE"] = None

        def run(dtype):
            return [t.numpy() for t in ns["_phi_value_grad"](torch.tensor(x, dtype=dtype))]
    else:
        jax = pytest.importorskip("jax")
        jax.config.update("jax_enable_x64", True)
        assert (n > ns["PHI_UNROLL_MAX_TERMS"]) == (n == 600)

        def run(dtype):
            return [np.asarray(t) for t in jax.jit(ns["_phi_value_grad"])(jax.numpy.asarray(x, dtype=dtype))]

    for dtype_name, tol in (("float32", 2e-6 * np.sqrt(n)), ("float64", 1e-14 * np.sqrt(n))):
        import importlib

        dtype = getattr(importlib.import_module("torch" if target == "torch" else "jax.numpy"), dtype_name)
        v, g = run(dtype)
        assert np.all(np.isfinite(v)) and np.all(np.isfinite(g))
        assert np.max(np.abs(v - v64) / scale) < tol, dtype_name
        assert np.max(np.abs(g - g64) / gscale) < tol, dtype_name
    if target == "jax":  # the scan path differentiates like the unrolled one
        xs = np.array([-2.0, 0.3, 1.7])
        grads = jax.vmap(jax.grad(ns["phi"]))(xs)
        np.testing.assert_allclose(np.asarray(grads), _reference(b, xs)[1], rtol=1e-12, atol=1e-12)
