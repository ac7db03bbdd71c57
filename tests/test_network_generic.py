"""hr.network_kernel for any activation (Hermite coefficients per row variance + Mehler) and
hr.nets.FCN.network_kernel.

Oracles, each independent of the Hermite/Mehler route: closed forms with unequal variances where
they exist (sin: E[sin u sin v] = exp(-(q1 + q2)/2) sinh(Sigma); leaky ReLU: the arc-cosine
dual plus linear terms), in mpmath at 30 digits; mpmath.quad over the bivariate Gaussian (tanh,
20 digits); the multiplication theorem of Hermite polynomials for a Hermite-series activation
(exact rescaling of its coefficients); the dot-product kernel (kernel_of) on sphere rows; wide
finite nets (Monte Carlo).
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
from hermite_rev.hermite import rescale_matrix

SQ2, TENTH = sympy.sqrt(2), sympy.Rational(1, 10)


@pytest.fixture(scope="module")
def wine():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X = sklearn_datasets.load_wine().data
    return (X - X.mean(0)) / X.std(0)


def _mp_rows(X):
    return [[mpmath.mpf(float(v)) for v in row] for row in X]


def _dot(a, b):
    return mpmath.fsum(u * v for u, v in zip(a, b)) / len(a)


def _recursion(X1, X2, depth, sw, sb, dual, var):
    """(NNGP, NTK) by the NT recursion with a closed-form dual(S, qa, qb) -> (E[phi phi], E[phi' phi'])."""
    with mpmath.workdps(30):
        sw2, sb2 = mpmath.mpf(sympy.N(sw**2, 40)), mpmath.mpf(sympy.N(sb**2, 40))
        R1, R2 = _mp_rows(X1), _mp_rows(X2)
        S, T = np.empty((len(R1), len(R2))), np.empty((len(R1), len(R2)))
        for i, a in enumerate(R1):
            for j, b in enumerate(R2):
                s, th, qa, qb = _dot(a, b), mpmath.mpf(0), _dot(a, a), _dot(b, b)
                for _ in range(depth):
                    s, qa, qb = sw2 * s + sb2, sw2 * qa + sb2, sw2 * qb + sb2
                    th = s + sw2 * th
                    s, sdot = dual(s, qa, qb)
                    th = th * sdot
                    qa, qb = var(qa), var(qb)
                S[i, j], T[i, j] = float(s), float(s + th)
    return S, T


def _sin_dual(s, qa, qb):
    e = mpmath.exp(-(qa + qb) / 2)
    return e * mpmath.sinh(s), e * mpmath.cosh(s)


def _sin_var(q):
    return (1 - mpmath.exp(-2 * q)) / 2


def _rel(got, ref):
    return float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))


@pytest.mark.parametrize("depth", [1, 2])
def test_sin_equals_its_closed_form_on_wine(wine, depth):
    X = wine[::8]
    for sw, sb in ((1, 0), (SQ2, TENTH)):
        S, T = _recursion(X, X, depth, sw, sb, _sin_dual, _sin_var)
        for kind, ref in (("nngp", S), ("ntk", T)):
            N = hr.network_kernel("sin", depth, sw, sb, kind=kind)
            G, info = hr.gram(N, X, info=True)
            assert _rel(G, ref) < 1e-13, (kind, sw, sb, _rel(G, ref))
            assert np.max(np.abs(G - ref)) <= info.error
            assert info.method == "network" and "Mehler" in info.detail
            np.testing.assert_allclose(N.diag(X), np.diag(ref), rtol=1e-13)
            G2 = hr.gram(N, X[:5], X)  # the two-input path
            assert _rel(G2, ref[:5]) < 1e-13


def test_leaky_relu_expression_equals_its_closed_form(wine):
    # phi = z/10 + Max(0, z) (a kink at 0): E[phi(u) phi(v)] = relu dual + (a^2 + a) Sigma,
    # E[phi'(u) phi'(v)] = (pi - theta)/(2 pi) + a^2 + a
    a = mpmath.mpf(1) / 10

    def dual(s, qa, qb):
        r = mpmath.sqrt(qa * qb)
        t = mpmath.acos(max(min(s / r, mpmath.mpf(1)), mpmath.mpf(-1)))
        nngp = r * (mpmath.sin(t) + (mpmath.pi - t) * mpmath.cos(t)) / (2 * mpmath.pi)
        return nngp + (a * a + a) * s, (mpmath.pi - t) / (2 * mpmath.pi) + a * a + a

    X = wine[::8]
    S, T = _recursion(X, X, 2, SQ2, TENTH, dual, lambda q: q / 2 + (a * a + a) * q)
    phi = hr.z / 10 + sympy.Max(0, hr.z)
    for kind, ref in (("nngp", S), ("ntk", T)):
        G = hr.gram(hr.network_kernel(phi, 2, SQ2, TENTH, kind=kind), X)
        assert _rel(G, ref) < 1e-12, (kind, _rel(G, ref))


def _bivariate(q1, q2, s12, f, g):
    """E[f(u) g(v)], (u, v) ~ N(0, [[q1, s12], [s12, q2]]), by mpmath.quad over the plane (20 digits)."""
    with mpmath.workdps(20):
        a, b = mpmath.sqrt(q1), mpmath.sqrt(q2)
        rho = s12 / (a * b)
        c = mpmath.sqrt(1 - rho**2)
        k = 1 / (2 * mpmath.pi)

        def h(x, y):
            return f(a * x) * g(b * (rho * x + c * y)) * mpmath.exp(-(x * x + y * y) / 2) * k

        pts = mpmath.linspace(-9, 9, 7)
        return mpmath.quad(h, pts, pts, method="gauss-legendre")


def _tanh_oracle(X, pairs, sw, sb, ntk):
    sw2, sb2 = mpmath.mpf(sympy.N(sw**2, 40)), mpmath.mpf(sympy.N(sb**2, 40))
    rows = _mp_rows(X)
    out = []
    for i, j in pairs:
        q1, q2 = sw2 * _dot(rows[i], rows[i]) + sb2, sw2 * _dot(rows[j], rows[j]) + sb2
        s = sw2 * _dot(rows[i], rows[j]) + sb2
        K = _bivariate(q1, q2, s, mpmath.tanh, mpmath.tanh)
        if ntk:
            Kd = _bivariate(q1, q2, s, lambda u: 1 / mpmath.cosh(u) ** 2, lambda u: 1 / mpmath.cosh(u) ** 2)
            out.append((float(K), float(K + s * Kd)))
        else:
            out.append((float(K), None))
    return out


def _check_tanh(wine, pairs, ntk=True):
    ref = _tanh_oracle(wine, pairs, SQ2, TENTH, ntk)
    Gn = hr.gram(hr.network_kernel("tanh", 1, SQ2, TENTH, kind="nngp"), wine)
    Gt = hr.gram(hr.network_kernel(sympy.tanh(hr.z), 1, SQ2, TENTH, kind="ntk"), wine)
    for (i, j), (k, t) in zip(pairs, ref):
        assert abs(Gn[i, j] - k) <= 1e-10 * abs(k), (i, j, Gn[i, j], k)
        if t is not None:
            assert abs(Gt[i, j] - t) <= 1e-10 * abs(t), (i, j, Gt[i, j], t)


def test_tanh_depth1_equals_bivariate_quadrature_on_wine(wine):
    _check_tanh(wine, [(3, 150)], ntk=False)  # rows with |x|^2/d = 1.8 and 1.5, correlation -0.17


@pytest.mark.slow
def test_tanh_depth1_equals_bivariate_quadrature_on_wine_more_pairs(wine):
    _check_tanh(wine, [(3, 150), (0, 1), (10, 11), (40, 120), (77, 170), (5, 5)])


@pytest.mark.parametrize(
    "act, cases",
    [
        ("tanh", ((1, "ntk"), (2, "ntk"))),
        pytest.param("tanh", ((1, "nngp"), (2, "nngp")), marks=pytest.mark.slow),
        pytest.param("gelu", ((1, "nngp"), (1, "ntk"), (2, "ntk")), marks=pytest.mark.slow),
    ],
)
def test_equals_dot_product_kernel_on_sphere_rows(act, cases):
    X = np.random.default_rng(1).standard_normal((30, 9))
    X /= np.sqrt(np.einsum("ij,ij->i", X, X) / 9)[:, None]
    for depth, kind in cases:
        N = hr.network_kernel(act, depth, SQ2, TENTH, kind=kind)
        K = N.sphere_kernel(256, 20)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # rows with |x|^2/d = 1: no warning
            G_dot, info_dot = hr.gram(K, X, info=True)
        G, info = hr.gram(N, X, info=True)
        gap = float(np.max(np.abs(G - G_dot)))
        assert gap <= 1e-13 * np.max(np.abs(G)), (act, depth, kind, gap, info_dot.error)
        assert gap <= info.error + info_dot.error


def test_hermite_series_activation_is_exact(wine):
    fam = hr.reverse(hr.kernels.relu_ntk(2), kind="ntk", n=10, dps=30)
    act = fam.activation()
    X = wine[::20]
    N = hr.network_kernel(act, 1, 1, TENTH, kind="nngp")
    assert repr(N) == "network_kernel(hermite(deg=9), depth=1, sigma_w=1, sigma_b=1/10, kind='nngp', readout=(1, 0))"
    G = hr.gram(N, X)
    b = [mpmath.mpf(v) for v in act.coeffs]
    rows = _mp_rows(X)
    with mpmath.workdps(30):

        def coeffs(q):  # phi(sqrt(q) z) = sum_j (sum_m b_m R_mj) h_j(z): the multiplication theorem
            R = rescale_matrix(len(b), mpmath.sqrt(q))
            return [mpmath.fsum(b[m] * R[m][j] for m in range(len(b))) for j in range(len(b))]

        sb2 = mpmath.mpf(1) / 100
        ref = np.empty(G.shape)
        for i, u in enumerate(rows):
            for j, v in enumerate(rows):
                qi, qj, s = _dot(u, u) + sb2, _dot(v, v) + sb2, _dot(u, v) + sb2
                bi, bj, rho = coeffs(qi), coeffs(qj), s / mpmath.sqrt(qi * qj)
                ref[i, j] = float(mpmath.fsum(x * y * rho**k for k, (x, y) in enumerate(zip(bi, bj))))
    assert _rel(G, ref) < 1e-13
    assert "10 terms" in hr.gram(N, X, info=True)[1].detail  # a polynomial: its whole expansion, no tail


def test_wide_fcn_approaches_its_network_kernel(wine):
    X = wine[:6]
    for kind in ("nngp", "ntk"):
        nets = [hr.nets.FCN(13, [2048, 2048], "tanh", sigma_w=1.5, sigma_b=0.1, seed=s) for s in range(4)]
        N = nets[0].network_kernel(kind)
        assert N == hr.network_kernel("tanh", 2, sympy.Rational(3, 2), TENTH, kind=kind)
        G = hr.gram(N, X)
        E = np.mean([net.kernel(X, kind=kind) for net in nets], axis=0)
        # Monte Carlo: the empirical kernel of width 2048 fluctuates by ~2% (measured 2.0-2.5%
        # for the mean of 4 seeds); 6% is 2.5 times that
        assert np.max(np.abs(E - G)) < 0.06 * np.max(G), (kind, np.max(np.abs(E - G)) / np.max(G))


def test_fcn_network_kernel_refuses_a_numeric_activation():
    net = hr.nets.FCN(3, 16, (np.tanh, lambda x: 1 - np.tanh(x) ** 2))
    with pytest.raises(ValueError, match="known only numerically"):
        net.network_kernel()
    net = hr.nets.FCN(3, [16, 16], "gelu", sigma_w=2, sigma_b=0.5, sigma_w_last=3, sigma_b_last=0.25)
    assert net.network_kernel("nngp") == hr.network_kernel("gelu", 2, 2, 0.5, "nngp", readout=(3, 0.25))


def test_predictions_and_sklearn_take_a_generic_network_kernel(wine):
    X, Xt = wine[:20], wine[20:30]
    y = np.sin(X[:, 0]) + X[:, 1]
    Nn = hr.network_kernel("gelu", 2, SQ2, TENTH, kind="nngp")
    Nt = hr.network_kernel("tanh", 2, SQ2, TENTH, kind="ntk")
    Kdd, Ktd, Ktt = hr.gram(Nn, X), hr.gram(Nn, Xt, X), hr.gram(Nn, Xt)
    A = Kdd + 0.01 * np.trace(Kdd) / len(X) * np.eye(len(X))
    mean, cov = hr.predict.gp_inference(Nn, X, y, Xt, diag_reg=0.01)
    np.testing.assert_allclose(mean, Ktd @ np.linalg.solve(A, y), atol=1e-10)
    np.testing.assert_allclose(cov, Ktt - Ktd @ np.linalg.solve(A, Ktd.T), atol=1e-10)
    T, Ttd = hr.gram(Nt, X), hr.gram(Nt, Xt, X)
    _, f_te = hr.predict.gradient_descent_mse(Nt, X, y, Xt)
    np.testing.assert_allclose(f_te, Ttd @ np.linalg.solve(T, y), atol=1e-8)
    pytest.importorskip("sklearn")
    k = hr.interop.SklearnKernel(Nt, amplitude=2.0)
    np.testing.assert_allclose(k(X), 2 * T, rtol=1e-15)
    np.testing.assert_allclose(k.diag(X), np.diag(k(X)), rtol=1e-13)


def test_on_sphere_feeds_taylor_and_reverse():
    N = hr.network_kernel("tanh", 1, kind="nngp")
    K = N.on_sphere
    assert isinstance(K, hr.series.TaylorCoeffs) and len(K) == 256
    b = hr.hermite_coeffs(sympy.tanh(hr.z), 8, dps=20).values
    for k in range(8):  # depth 1, sigma_w = 1, sigma_b = 0: a_k = b_k^2
        assert abs(K[k] - b[k] ** 2) < 1e-16
    fam = hr.reverse(list(N.sphere_kernel(24, 20)), kind="nngp", n=12, dps=20)  # reverse takes a list
    assert abs(fam.magnitudes[1] - abs(b[1])) < 1e-15


def test_value_semantics_of_generic_kernels():
    fam = hr.reverse(hr.kernels.relu_nngp(1), kind="nngp", n=6, dps=20)
    for act in ("tanh", hr.z**3 / 6 + hr.z, fam.activation()):
        N = hr.network_kernel(act, 2, SQ2, 0.1, kind="ntk")
        for proto in (2, 5):
            M = pickle.loads(pickle.dumps(N, protocol=proto))
            assert M == N and hash(M) == hash(N)
        assert copy.deepcopy(N) is N
    assert hr.network_kernel(sympy.tanh(hr.z)) == hr.network_kernel("TANH")  # an expression of a name is the name
    assert hr.network_kernel("silu").activation == "swish"
    assert repr(hr.network_kernel(hr.z**3)) == (
        "network_kernel(z**3, depth=1, sigma_w=1, sigma_b=0, kind='ntk', readout=(1, 0))"
    )


def test_slow_convergence_is_stated_and_warned(wine):
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    raw = sklearn_datasets.load_wine().data[:8]  # raw features: |x|^2/d up to ~1e5
    N = hr.network_kernel("tanh", 1, kind="nngp")
    with pytest.warns(HermiteRevWarning, match=r"estimated error is .* standardize the inputs"):
        G, info = hr.gram(N, raw, info=True)
    assert info.error > 1e-6 * np.max(G)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, info = hr.gram(N, wine[:8], info=True)
    assert info.error < 1e-12
