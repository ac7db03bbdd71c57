"""hr.reverse with sigma_w, sigma_b, readout and the standard parameterization."""

import mpmath
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev.hermite import hermite_norm_eval_np

SQ2, TENTH = sympy.sqrt(2), sympy.Rational(1, 10)
CS = [-0.9, -0.4, 0.0, 0.3, 0.7, 0.95, 1.0]


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_relu_kernel_at_its_own_hyperparameters(kind):
    K = (hr.kernels.relu_ntk if kind == "ntk" else hr.kernels.relu_nngp)(1, SQ2, TENTH)
    fam = hr.reverse(K, kind, n=24, dps=20, sigma_w=SQ2, sigma_b=TENTH)
    assert fam.hyper["parameterization"] == "ntk" and fam.scale == 2 + TENTH**2
    bound = float(fam.tail().bound)
    for act in [fam.activation(), fam.activation([-1] * len(fam.nonzero))]:
        got = hr.kernel_of(act.expr, kind, depth=1, sigma_w=SQ2, sigma_b=TENTH, n=24, dps=20)
        for x in CS:
            val = float(sum(a * mpmath.mpf(x) ** k for k, a in enumerate(got)))
            ref = float(K.subs(hr.c, sympy.Rational(str(x))).evalf(20))
            assert abs(val - ref) <= bound + 1e-12, (x, val, ref, bound)
    # signs_of inverts activation() through the rescaling
    signs = [(-1) ** i for i in range(len(fam.nonzero))]
    assert fam.signs_of(fam.activation(signs)) == signs


def test_floats_are_exact_rationals_and_defaults_unchanged():
    K = hr.kernels.relu_ntk(1, SQ2, TENTH)
    f1 = hr.reverse(K, "ntk", n=8, dps=20, sigma_w=2**0.5, sigma_b=0.1)
    assert f1.hyper["sigma_b"] == TENTH and f1.hyper["sigma_w"] == sympy.Rational("1.4142135623730951")
    f0 = hr.reverse(sympy.exp(hr.c), "ntk", n=6)
    assert f0.scale is None and f0.hyper is None


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="parameterization"):
        hr.reverse(sympy.exp(hr.c), "ntk", n=4, parameterization="mup")
    with pytest.raises(ValueError, match="width"):
        hr.reverse(sympy.exp(hr.c), "ntk", n=4, parameterization="standard")
    with pytest.raises(ValueError, match="sigma_w"):
        hr.reverse(sympy.exp(hr.c), "ntk", n=4, sigma_w=0)


def _sp_empirical_ntk(act, cs, N, d, sw, sb, seed):
    """Empirical NTK of a finite 1HL net in the standard parameterization (all parameters' gradients)."""
    rng = np.random.default_rng(seed)
    X = np.zeros((len(cs) + 1, d))
    X[0, 0] = np.sqrt(d)
    for i, x in enumerate(cs):
        X[i + 1, 0], X[i + 1, 1] = x * np.sqrt(d), np.sqrt(max(0.0, 1 - x * x)) * np.sqrt(d)
    W = rng.standard_normal((d, N)) * sw / np.sqrt(d)
    b = rng.standard_normal(N) * sb
    v = rng.standard_normal(N) / np.sqrt(N)  # readout sigma_w_last = 1, bias 0 (but trained)
    Z = X @ W + b
    bs = [float(x) for x in act.coeffs]
    dbs = [float(x) for x in act.derivative().coeffs]
    A, D = hermite_norm_eval_np(bs, Z), hermite_norm_eval_np(dbs, Z)
    theta = A @ A[0] + ((X @ X[0]) + 1) * ((D * v**2) @ D[0]) + 1
    return theta[1:]


def test_standard_parameterization_against_finite_width():
    N, d, sw, sb = 512, 3, sympy.Integer(1), sympy.Rational(1, 2)
    K = 600 * sympy.exp(hr.c / 2) + 40 * hr.c
    fam = hr.reverse(K, "ntk", n=14, dps=20, sigma_w=sw, sigma_b=sb, parameterization="standard", width=N, d_in=d)
    act = fam.activation()
    emp = np.mean([_sp_empirical_ntk(act, CS, N, d, 1.0, 0.5, s) for s in range(400)], axis=0)
    ref = np.array([float(K.subs(hr.c, sympy.Rational(str(x))).evalf(20)) for x in CS])
    np.testing.assert_allclose(emp, ref, rtol=0.03)  # E over initializations = the formula; MC error ~1%
    with pytest.raises(hr.NotAKernelError, match="beta_"):  # too small for N E[phi^2] >= 0 to fit
        hr.reverse(sympy.exp(hr.c) * 0 + 0.5, "ntk", n=4, parameterization="standard", width=N, d_in=d)


def _cauchy_taylor(f, n, r, N):
    """Taylor coefficients of f at 0 by the trapezoidal rule on the circle |c| = r (an mpmath
    oracle that shares no code with hermite_rev's series engine; aliasing error ~ r^N)."""
    vals = [f(r * mpmath.expjpi(2 * mpmath.mpf(j) / N)) for j in range(N)]
    out = []
    for k in range(n):
        s = mpmath.fsum(v * mpmath.expjpi(-2 * mpmath.mpf(j * k) / N) for j, v in enumerate(vals))
        out.append(mpmath.re(s) / N / r**k)
    return out


def test_documented_example_deep_relu_ntk_at_its_own_hyperparameters():
    # README and docs/guide/kernel_machines.md: hr.reverse(K, "ntk", n=40, sigma_w=sqrt(2), sigma_b=0.1) with
    # K the 4HL ReLU NTK.  It raised "could not prove ... analytic near c = 1" (the interval walk of the
    # re-expanded expression cannot decide near rho = 1); the re-expanded series converges at rho = 1 because
    # K's own series does (K is a kernel by construction) and rho -> c maps [0, 1] into (-1, 1].
    K = hr.kernels.relu_ntk(4, SQ2, TENTH)
    fam = hr.reverse(K, "ntk", n=40, sigma_w=SQ2, sigma_b=TENTH)
    assert fam.count() == 2**40 and fam.scale == 2 + TENTH**2
    tail = fam.tail()
    assert tail.bound >= tail.estimate > 0
    # the re-expanded series' convergence is proven through K's; its signs beyond n are not proven
    # by the closure rules (K re-expanded in rho is no longer the registered DAG), so the tail says
    # what it checked and that the rest is assumed, instead of claiming a proof it does not have
    assert tail.rigorous or ("assumed" in tail.sign and tail.negative is None)
    # oracle: the coefficients of K((q rho - sigma_b^2) / sigma_w^2) by a Cauchy integral at 50 digits
    f = sympy.lambdify(hr.c, K, "mpmath")
    with mpmath.workdps(50):
        q, sb2 = mpmath.mpf(201) / 100, mpmath.mpf(1) / 100
        a = _cauchy_taylor(lambda r: f((q * r - sb2) / 2), 40, mpmath.mpf(1) / 2, 256)
        with mpmath.workdps(120):  # the branch point at c = 1 costs half the digits there
            k1 = +mpmath.re(f(mpmath.mpf(1)))
        assert all(x > 0 for x in a)  # every beta_k^2 = a_k / (k+1) > 0: the activation exists
        assert mpmath.fsum(a) < k1  # and the partial sums stay below K(1) = 5.07
        assert abs(k1 - mpmath.mpf("5.07")) < mpmath.mpf(10) ** -45
        for k in range(40):
            assert abs(fam.taylor[k] - a[k]) <= fam.taylor.errors[k] + mpmath.mpf(10) ** -40
            assert abs(fam.magnitudes[k] - mpmath.sqrt(a[k] / (k + 1))) <= fam.errors[k] + mpmath.mpf(10) ** -28
        assert abs(tail.estimate - (k1 - mpmath.fsum(a))) < mpmath.mpf(10) ** -25


def test_reexpanded_tail_is_the_sign_free_cauchy_bound_where_the_disk_is_free():
    # K re-expanded in rho: exp(2(5 rho/4 - 1/4)) + cosh(5 rho/4 - 1/4); the closure rules cannot
    # prove its signs (cosh of an argument starting below 0) but it is entire: Cauchy, rigorous
    K = sympy.exp(2 * hr.c) + sympy.cosh(hr.c)
    fam = hr.reverse(K, "nngp", n=10, sigma_w=1, sigma_b=sympy.Rational(1, 2))
    tail = fam.tail()
    assert tail.rigorous and tail.method.startswith("cauchy") and tail.negative is None
    target = K.subs(hr.c, (sympy.Rational(5, 4) * hr.c - sympy.Rational(1, 4)))
    f = sympy.lambdify(hr.c, target, "mpmath")
    with mpmath.workdps(40):
        a = [mpmath.mpf(x) for x in fam.taylor][::-1]
        worst = max(abs(f(x) - mpmath.polyval(a, x)) for x in mpmath.linspace(-1, 1, 201))
    assert worst <= tail.bound <= 2 * worst + mpmath.mpf(10) ** -20


def test_a_negative_reexpanded_coefficient_beyond_n_is_refused():
    with pytest.raises(hr.NotAKernelError, match=r"beta_13\^2 \(re-expanded a_13 beyond n\) = -0.000104857"):
        hr.reverse("exp(2*c) + cosh(c) - c**15/10**6", "nngp", n=10, sigma_w=1, sigma_b=0.5)
