"""hr.network_kernel: the infinite-width NNGP/NTK of a fully-connected net on raw rows.

The oracle is the neural-tangents recursion written here again, independently, in mpmath at 30
digits (Dense layers, the ReLU and erf duals with unequal variances), on standardized
scikit-learn wine rows (|x|^2/d from ~0.2 to ~3.5, the data the issue measured on).
"""

import copy
import pickle
import warnings

import mpmath
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev._core.errors import HermiteRevWarning

SQ2, TENTH = sympy.sqrt(2), sympy.Rational(1, 10)
SETTINGS = [(1, 0), (SQ2, TENTH), (sympy.Rational(3, 2), sympy.Rational(1, 2)), (sympy.Rational(1, 2), 1)]


@pytest.fixture(scope="module")
def wine():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X = sklearn_datasets.load_wine().data
    X = (X - X.mean(0)) / X.std(0)
    rng = np.random.default_rng(0)
    return X[rng.permutation(len(X))[:24]]


def _oracle(act, depth, sw, sb, X1, X2):
    """(NNGP, NTK) matrices by the NT recursion in mpmath, 30 digits, readout Dense(1, 0)."""
    with mpmath.workdps(30):
        sw2, sb2 = mpmath.mpf(sympy.N(sw**2, 40)), mpmath.mpf(sympy.N(sb**2, 40))
        d = X1.shape[1]

        def dot(a, b):
            return mpmath.fsum(mpmath.mpf(float(u)) * mpmath.mpf(float(v)) for u, v in zip(a, b)) / d

        def dual(s, qa, qb):
            if act == "relu":
                r = mpmath.sqrt(qa * qb)
                rho = max(min(s / r, mpmath.mpf(1)), mpmath.mpf(-1))
                t = mpmath.acos(rho)
                return r * (mpmath.sin(t) + (mpmath.pi - t) * mpmath.cos(t)) / (2 * mpmath.pi), (mpmath.pi - t) / (
                    2 * mpmath.pi
                )
            ga, gb = 1 + 2 * qa, 1 + 2 * qb
            return (2 / mpmath.pi) * mpmath.asin(2 * s / mpmath.sqrt(ga * gb)), (4 / mpmath.pi) / mpmath.sqrt(
                ga * gb - 4 * s**2
            )

        n1, n2 = len(X1), len(X2)
        S, T = np.empty((n1, n2)), np.empty((n1, n2))
        q1 = [dot(a, a) for a in X1]
        q2 = [dot(b, b) for b in X2]
        for i in range(n1):
            for j in range(n2):
                s, th, qa, qb = dot(X1[i], X2[j]), mpmath.mpf(0), q1[i], q2[j]
                for _ in range(depth):
                    s, qa, qb = sw2 * s + sb2, sw2 * qa + sb2, sw2 * qb + sb2
                    th = s + sw2 * th
                    s_new, sdot = dual(s, qa, qb)
                    qa, qb = dual(qa, qa, qa)[0], dual(qb, qb, qb)[0]
                    th, s = th * sdot, s_new
                th = s + th
                S[i, j], T[i, j] = float(s), float(th)
    return S, T


def _rel(got, ref):
    """Largest error relative to each entry, with entries below 1e-3 of the largest taken at that scale."""
    scale = np.maximum(np.abs(ref), 1e-3 * np.max(np.abs(ref)))
    return float(np.max(np.abs(got - ref) / scale))


@pytest.mark.parametrize("act", ["relu", "erf"])
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_network_kernel_matches_mpmath_recursion_on_wine(wine, act, depth):
    X = wine
    for sw, sb in SETTINGS:
        S, T = _oracle(act, depth, sw, sb, X, X)
        for kind, ref in (("nngp", S), ("ntk", T)):
            N = hr.network_kernel(act, depth, sw, sb, kind=kind)
            G = hr.gram(N, X)
            assert _rel(G, ref) < 1e-12, (kind, sw, sb, _rel(G, ref))
            assert np.max(np.abs(G - ref)) <= 1e-12 * np.max(np.abs(ref))
            np.testing.assert_array_equal(G, G.T)
            np.testing.assert_allclose(N.diag(X), np.diag(ref), rtol=1e-13)
            G2 = hr.gram(N, X[:7], X)  # the two-input path: no symmetry used
            assert _rel(G2, ref[:7]) < 1e-12, (kind, sw, sb, _rel(G2, ref[:7]))


def test_tiny_values_pointwise(wine):
    # entries near zero (cancellation in the NTK at depth 1) are accurate to 1e-12 of the largest
    S, T = _oracle("erf", 1, SQ2, TENTH, wine, wine)
    G = hr.gram(hr.network_kernel("erf", 1, SQ2, TENTH), wine)
    assert np.max(np.abs(G - T)) <= 1e-13 * np.max(np.abs(T)) * 10


def _sphere_rows(n=40, d=9, seed=1):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X / np.sqrt(np.einsum("ij,ij->i", X, X) / d)[:, None]


@pytest.mark.parametrize("act", ["relu", "erf"])
@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_equals_dot_product_kernel_on_sphere_rows(act, kind):
    X = _sphere_rows()
    for depth in (1, 2, 3, 4):
        for sw, sb in SETTINGS:
            N = hr.network_kernel(act, depth, sw, sb, kind=kind)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # rows with |x|^2/d = 1: no warning
                G_dot = hr.gram(N.on_sphere, X)
            G = hr.gram(N, X)
            assert np.max(np.abs(G - G_dot)) <= 1e-13 * np.max(np.abs(G_dot)), (depth, sw, sb)


def test_on_sphere_is_the_kernels_constructor():
    N = hr.network_kernel("relu", 3, SQ2, TENTH, kind="ntk", readout=(2, TENTH))
    assert hr.kernels.label_of(N.on_sphere) == "relu_ntk(3, sqrt(2), 1/10, 2, 1/10)"
    K = hr.kernels.relu_ntk(3, SQ2, TENTH, 2, TENTH)
    assert sympy.N(N.on_sphere.subs(hr.c, sympy.Rational(1, 3)) - K.subs(hr.c, sympy.Rational(1, 3)), 30) == 0


def test_readout_and_kind():
    X = _sphere_rows(8)
    for act in ("relu", "erf"):
        N = hr.network_kernel(act, 2, SQ2, TENTH, kind="nngp", readout=(3, TENTH))
        K = (hr.kernels.relu_nngp if act == "relu" else hr.kernels.erf_nngp)(2, SQ2, TENTH, 3, TENTH)
        np.testing.assert_allclose(hr.gram(N, X), hr.gram(K, X), rtol=1e-12)


def test_not_the_sphere_kernel_off_the_sphere(wine):
    N = hr.network_kernel("relu", 3, SQ2, TENTH)
    with pytest.warns(HermiteRevWarning, match=r"\|x\|\^2/d = .*network_kernel"):
        G_dot = hr.gram(N.on_sphere, wine)
    q = np.einsum("ij,ij->i", wine, wine) / wine.shape[1]
    G = hr.gram(N, wine)
    assert np.max(np.abs(G - G_dot) / np.abs(G)) > 0.1  # the point: 16-27% apart on wine
    np.testing.assert_allclose(np.diag(G_dot), G_dot[0, 0])  # directions only: a constant diagonal
    assert np.ptp(q) > 1


def test_warning_only_off_the_sphere():
    X = _sphere_rows(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hr.gram(hr.kernels.relu_ntk(), X * 1.004)  # |x|^2/d = 1.008: within 1%
        hr.predict.gp_inference(hr.kernels.relu_nngp(), X, X[:, 0], X)
    with pytest.warns(HermiteRevWarning, match=r"X1\[0\] has \|x\|\^2/d = 1.021"):
        hr.gram(hr.kernels.relu_ntk(), X * 1.0104)
    with pytest.warns(HermiteRevWarning, match=r"X_train\[0\]"):
        hr.predict.gp_inference(hr.kernels.relu_nngp(), 2 * X, X[:, 0], X)


def test_gp_and_gd_predictions_equal_explicit_formulas(wine):
    X, Xt = wine[:16], wine[16:]
    y = np.sin(X[:, 0]) + X[:, 1]
    Nn = hr.network_kernel("erf", 2, SQ2, TENTH, kind="nngp")
    Nt = hr.network_kernel("relu", 3, SQ2, TENTH, kind="ntk")
    Kdd, Ktd, Ktt = hr.gram(Nn, X), hr.gram(Nn, Xt, X), hr.gram(Nn, Xt)
    A = Kdd + 0.01 * np.trace(Kdd) / len(X) * np.eye(len(X))
    mean, cov = hr.predict.gp_inference(Nn, X, y, Xt, diag_reg=0.01)
    np.testing.assert_allclose(mean, Ktd @ np.linalg.solve(A, y), atol=1e-10)
    np.testing.assert_allclose(cov, Ktt - Ktd @ np.linalg.solve(A, Ktd.T), atol=1e-10)
    T, Ttd = hr.gram(Nt, X), hr.gram(Nt, Xt, X)
    f_tr, f_te = hr.predict.gradient_descent_mse(Nt, X, y, Xt)
    np.testing.assert_allclose(f_tr, y, atol=1e-10)
    np.testing.assert_allclose(f_te, Ttd @ np.linalg.solve(T, y), atol=1e-10)
    n, lr, steps = len(X), 0.5 * len(X) / np.linalg.eigvalsh(T)[-1], 25
    f, ft = np.zeros(n), np.zeros(len(Xt))
    for _ in range(steps):
        r = f - y
        f, ft = f - lr / n * T @ r, ft - lr / n * Ttd @ r
    g_tr, g_te = hr.predict.gradient_descent_mse(Nt, X, y, Xt, t=steps, lr=lr)
    np.testing.assert_allclose(g_tr, f, atol=1e-10)
    np.testing.assert_allclose(g_te, ft, atol=1e-10)
    # the NNGP covariance over initializations takes a network kernel too
    _, _, cov0 = hr.predict.gradient_descent_mse(Nt, X, y, Xt, t=0.0, K_nngp=Nn)
    np.testing.assert_allclose(cov0, Ktt, atol=1e-12)


def test_sklearn_kernel_takes_a_network_kernel(wine):
    pytest.importorskip("sklearn")
    N = hr.network_kernel("relu", 2, SQ2, TENTH)
    k = hr.interop.SklearnKernel(N, amplitude=2.0)
    np.testing.assert_allclose(k(wine), 2 * hr.gram(N, wine), rtol=1e-15)
    np.testing.assert_allclose(k.diag(wine), np.diag(k(wine)), rtol=1e-14)
    assert "network_kernel('relu'" in repr(k)


def test_value_semantics():
    N = hr.network_kernel("relu", 3, SQ2, 0.1, kind="nngp")
    for proto in (2, 4, 5):
        M = pickle.loads(pickle.dumps(N, protocol=proto))
        assert M == N and hash(M) == hash(N)
    assert copy.deepcopy(N) is N and copy.copy(N) is N
    assert N != hr.network_kernel("relu", 3, SQ2, 0.1, kind="ntk")
    assert N == hr.network_kernel(sympy.Max(0, hr.z), 3, SQ2, 0.1, kind="nngp")
    with pytest.raises(AttributeError):
        N.depth = 4  # type: ignore[misc]
    assert repr(N) == "network_kernel('relu', depth=3, sigma_w=sqrt(2), sigma_b=1/10, kind='nngp', readout=(1, 0))"


@pytest.mark.parametrize(
    "args, msg",
    [
        (("tanh(z) + c",), r"^activation must be a name .* got tanh\(z\) \+ c"),
        ((object(),), r"^activation must be a name .* got object"),
        (("step", 1, 1, 0, "ntk"), r"^the NTK of an activation with a jump is infinite .* step; use kind='nngp'"),
        (("relu", -1), "depth"),
        (("relu", 1, 0, 0), "cannot both be 0"),
        (("relu", 1, 1, 0, "gp"), r"kind must be 'ntk' or 'nngp', got kind='gp'"),
    ],
)
def test_refusals(args, msg):
    with pytest.raises(ValueError, match=msg):
        hr.network_kernel(*args)
    with pytest.raises(ValueError, match="readout must be a pair"):
        hr.network_kernel("relu", readout=1)


def test_overflow_is_refused_and_zero_rows_are_fine():
    N = hr.network_kernel("relu", 2, SQ2, TENTH)
    with pytest.raises(ValueError, match=r"^the network kernel is not finite at rows \(0, 0\).*overflows"):
        hr.gram(N, np.array([[1e200, 0.0], [1.0, 1.0]]))
    G = hr.gram(N, np.array([[0.0, 0.0], [1.0, 1.0]]))  # a zero row is an input like any other here
    assert np.all(np.isfinite(G)) and G[0, 0] > 0
