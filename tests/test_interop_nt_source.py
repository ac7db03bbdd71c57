"""The neural-tangents export without neural-tangents: its exact duals against Gauss-Hermite quadrature.

A stub ``neural_tangents.stax`` records what the generated layer passes to ``stax.Elementwise``;
jax (the main venv's) evaluates the duals.  tests/test_interop_nt.py checks the real library.
"""

import sys
import types

import numpy as np
import pytest

import hermite_rev as hr
from hermite_rev.hermite import hermite_norm_eval_np

jax = pytest.importorskip("jax")


@pytest.fixture
def exported(monkeypatch):
    jax.config.update("jax_enable_x64", True)
    stax = types.ModuleType("neural_tangents.stax")
    stax.Elementwise = lambda fn, nngp_fn, d_nngp_fn: {"fn": fn, "nngp_fn": nngp_fn, "d_nngp_fn": d_nngp_fn}
    pkg = types.ModuleType("neural_tangents")
    pkg.stax = stax
    monkeypatch.setitem(sys.modules, "neural_tangents", pkg)
    monkeypatch.setitem(sys.modules, "neural_tangents.stax", stax)
    fam = hr.reverse(hr.kernels.relu_ntk(depth=2), kind="ntk", n=9, dps=20)
    act = fam.activation([(-1) ** k for k in range(len(fam.nonzero))])
    ns = {}
    exec(act.export("neural_tangents"), ns)
    return act, ns["phi_layer"]()


def _quad(f, g, cov12, var1, var2, m=60):
    x, w = np.polynomial.hermite_e.hermegauss(m)
    w = w / w.sum()
    rho = cov12 / np.sqrt(var1 * var2)
    u = np.sqrt(var1) * x[:, None]
    v = np.sqrt(var2) * (rho * x[:, None] + np.sqrt(1 - rho**2) * x[None, :])
    return float(np.sum(w[:, None] * w[None, :] * f(np.broadcast_to(u, v.shape)) * g(v)))


def test_duals_match_quadrature_for_any_variances(exported):
    act, layer = exported
    b = [float(x) for x in act.coeffs]
    db = [float(x) for x in act.derivative().coeffs]

    def phi(x):
        return hermite_norm_eval_np(b, x)

    def dphi(x):
        return hermite_norm_eval_np(db, x)

    for cov12, var1, var2 in [(0.3, 1.0, 1.0), (0.9, 2.1, 0.7), (-0.5, 1.3, 2.4), (1.2, 1.2, 1.2)]:
        got = float(layer["nngp_fn"](cov12, var1, var2))
        assert abs(got - _quad(phi, phi, cov12, var1, var2)) < 1e-9 * (1 + abs(got))
        got = float(layer["d_nngp_fn"](cov12, var1, var2))
        assert abs(got - _quad(dphi, dphi, cov12, var1, var2)) < 1e-9 * (1 + abs(got))
    xs = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(np.asarray(layer["fn"](xs)), phi(xs), rtol=1e-12, atol=1e-12)
