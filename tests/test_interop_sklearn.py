"""hr.interop.SklearnKernel inside scikit-learn's estimators and against its kernel protocol."""

import numpy as np
import pytest
import sympy

import hermite_rev as hr

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor  # noqa: E402
from sklearn.kernel_ridge import KernelRidge  # noqa: E402

K4 = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))


def _data(n=30, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.sin(2 * X[:, 0]) + 0.3 * X[:, 1]
    return X, y


def test_kernel_protocol():
    k = hr.interop.SklearnKernel(K4, amplitude=2.0)
    X, _ = _data()
    k2 = clone(k)
    assert k2.get_params().keys() == k.get_params().keys() and k2.amplitude == 2.0
    np.testing.assert_allclose(k2(X), k(X), rtol=1e-13)  # a deep copy of K: the same kernel
    assert k.n_dims == 1 and np.allclose(np.exp(k.theta), 2.0)
    assert [h.name for h in k.hyperparameters] == ["amplitude"]
    G, dG = k(X, eval_gradient=True)
    np.testing.assert_allclose(G, 2.0 * hr.gram(K4, X), rtol=1e-15)
    np.testing.assert_allclose(np.diag(G), k.diag(X))
    # gradient with respect to log(amplitude), checked by a finite difference
    eps = 1e-6
    kp = k.clone_with_theta(k.theta + eps)
    np.testing.assert_allclose(dG[:, :, 0], (kp(X) - G) / eps, rtol=1e-5)
    f = hr.predict.compile_kernel(K4)  # a compiled kernel is shared by clones, not recompiled
    assert clone(hr.interop.SklearnKernel(f)).K is f
    kf = hr.interop.SklearnKernel(K4, amplitude_bounds="fixed")
    assert kf(X, eval_gradient=True)[1].shape == (30, 30, 0)
    # composes with scikit-learn's own kernels
    from sklearn.gaussian_process.kernels import WhiteKernel

    s = k + WhiteKernel(0.1)
    np.testing.assert_allclose(s(X) - G, 0.1 * np.eye(30), atol=1e-12)


def test_bad_amplitude():
    with pytest.raises(ValueError, match="amplitude"):
        hr.interop.SklearnKernel(K4, amplitude=-1.0)(np.eye(2))


def test_gp_regressor_and_kernel_ridge_agree_with_hr_predict():
    X, y = _data()
    Xt, _ = _data(10, seed=1)
    gp = GaussianProcessRegressor(kernel=hr.interop.SklearnKernel(K4), alpha=1e-3, optimizer=None).fit(X, y)
    kr = KernelRidge(alpha=1e-3, kernel="precomputed").fit(hr.gram(K4, X), y)
    lam = 1e-3 / np.trace(hr.gram(K4, X)) * len(X)  # hr's diag_reg is relative to the mean diagonal
    mean, cov = hr.predict.gp_inference(K4, X, y, Xt, diag_reg=lam)
    np.testing.assert_allclose(gp.predict(Xt), mean, atol=1e-8)
    np.testing.assert_allclose(kr.predict(hr.gram(K4, Xt, X)), mean, atol=1e-8)
    _, std = gp.predict(Xt, return_std=True)
    np.testing.assert_allclose(std**2, np.diag(cov), atol=1e-8)
    # the amplitude is fitted by maximum likelihood and moves from its start
    gp2 = GaussianProcessRegressor(kernel=hr.interop.SklearnKernel(K4, amplitude=1e-3), alpha=1e-3).fit(X, y)
    assert gp2.kernel_.amplitude > 1e-3


def test_gp_classifier():
    X, _ = _data(60)
    labels = (X @ np.array([1.0, -2.0, 0.5, 1.0]) > 0).astype(int)  # depends on directions only
    clf = GaussianProcessClassifier(kernel=hr.interop.SklearnKernel(hr.kernels.relu_nngp(depth=2)))
    clf.fit(X[:40], labels[:40])
    assert clf.score(X[:40], labels[:40]) >= 0.95
    assert clf.score(X[40:], labels[40:]) >= 0.8
    assert clf.kernel_.amplitude != 1.0


def test_clone_keeps_the_label_and_equality():
    # before: clone deep-copied K (a new expression: no label, not equal), so k != clone(k)
    k = hr.interop.SklearnKernel(K4, amplitude=2.0)
    k2 = clone(k)
    assert k == k2 and k2.K is K4
    assert repr(k2) == repr(k) == "2 * SklearnKernel(relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=1/10))"
    k3 = k.clone_with_theta(np.log([3.0]))
    assert repr(k3).startswith("3 * SklearnKernel(relu_ntk(depth=4") and k3.K is K4
    coeffs = [1.0, 0.5]  # a mutable K is still copied, as sklearn does by default
    kc = clone(hr.interop.SklearnKernel(coeffs))
    assert kc.K == coeffs and kc.K is not coeffs
    X, _ = _data()
    np.testing.assert_allclose(kc(X), hr.interop.SklearnKernel(coeffs)(X))


def test_repr_never_raises_and_bounds_are_checked():
    k = hr.interop.SklearnKernel("exp(c)", amplitude="abc")
    assert repr(k) == "'abc' * SklearnKernel(exp(c))"  # before: ValueError from the format code
    with pytest.raises(ValueError, match="amplitude must be a positive number, got amplitude='abc'"):
        k(np.eye(2))
    for bad in [(5, 1), (0, 1), (-1, 1), (1, float("inf")), "free", (1, 2, 3), 3, ("a", "b"), None]:
        kb = hr.interop.SklearnKernel("exp(c)", amplitude_bounds=bad)
        with pytest.raises(ValueError, match=r"^amplitude_bounds must be 'fixed' or a pair \(low, high\)") as err:
            kb(np.eye(2), eval_gradient=True)
        assert "\n" not in str(err.value)
        with pytest.raises(ValueError, match="amplitude_bounds"):
            kb.bounds
    assert hr.interop.SklearnKernel("exp(c)", amplitude_bounds="fixed").hyperparameter_amplitude.fixed
    np.testing.assert_allclose(
        hr.interop.SklearnKernel("exp(c)", amplitude_bounds=(1e-3, 1e3)).bounds, np.log([[1e-3, 1e3]])
    )
