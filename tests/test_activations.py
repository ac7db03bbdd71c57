"""Tests of hermite_rev.activations: the one numeric activation type every stage evaluates with,
the one kinks function, and how each kind of activation spec resolves."""

import pickle

import mpmath
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev import activations as A
from hermite_rev import verify
from hermite_rev.activations import ActivationFunction, kinks, lookup, resolve
from hermite_rev.family import Activation

z = hr.z


@pytest.mark.parametrize(
    "phi, points",
    [
        (sympy.Max(0, z), (0,)),
        (sympy.Abs(z - 1) + sympy.Heaviside(z + 2), (-2, 1)),
        (sympy.Max(0, z**2 - 1), (-1, 1)),
        (sympy.Max(0, sympy.sin(z)), (0,)),  # sympy cannot split periodic conditions: 0 as before
        (sympy.tanh(z), ()),
        (z**3, ()),
    ],
)
def test_kinks_is_the_one_breakpoint_function(phi, points):
    assert kinks(phi, strict=False) == tuple(sympy.Integer(p) for p in points)
    assert resolve(phi).kinks == tuple(float(p) for p in points)


def test_strict_kinks_let_sympy_say_it_cannot_split():
    # the Hermite quadrature must not integrate Max(0, sin z) split at 0 alone: its error
    # estimate would miss the kinks at k pi (as it did before kinks moved here)
    with pytest.raises(NotImplementedError):
        kinks(sympy.Max(0, sympy.sin(z)))
    # the ball quadrature does not need the kink list: it encloses every kink in a gap by interval
    # bisection, and its balls contain the values (checked against mpmath split at every k pi)
    hc = hr.hermite_coeffs(sympy.Max(0, sympy.sin(z)), 2, dps=15)
    assert hc.method == "ball quadrature" and hc.rigorous
    with mpmath.workdps(30):
        f = lambda x: max(0, mpmath.sin(x)) * mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)
        pts = [-40] + [k * mpmath.pi for k in range(-12, 13)] + [40]
        truth = [mpmath.quad(f, pts), mpmath.quad(lambda x: f(x) * x, pts)]
        for v, e, t in zip(hc.values, hc.errors, truth):
            assert abs(v - t) <= e


def test_every_stage_gets_the_same_type():
    for spec in ("relu", "GELU ", z**3 - z, (np.sin, np.cos), Activation((0.5, 1.0, 0.25), dps=20)):
        act = resolve(spec)
        assert isinstance(act, ActivationFunction)
        assert hr.nets.net_activation(spec).name == act.name
        assert resolve(act) is act
    assert resolve("relu") is lookup("relu") is hr.nets.FCN(2, [4], "relu").activation


def test_forms_and_what_they_give():
    relu = resolve("relu")
    assert (relu.form, relu.name, relu.expr, relu.kinks, relu.degree, relu.jump) == (
        "name",
        "relu",
        sympy.Max(0, z),
        (0.0,),
        None,
        False,
    )
    assert resolve("step").jump and resolve("linear").degree == 1
    cubic = resolve(z**3 - z)
    assert (cubic.form, cubic.degree, cubic.kinks) == ("expr", 3, ())
    act = Activation((0.5, 1.0, 0.25, 0.0), dps=20)
    herm = resolve(act)
    assert (herm.form, herm.name, herm.degree, herm.kinks, herm.jump) == ("hermite", "hermite(deg=2)", 2, (), False)
    assert herm.expr == act.expr
    x = np.array([-1.5, 0.2, 2.0])
    with mpmath.workdps(30):
        ref = [float(act(mpmath.mpf(float(t)))) for t in x]
    assert np.allclose(herm.np_pair[0](x), ref, rtol=1e-14)
    assert np.allclose(herm(x), ref, rtol=1e-14)  # the compiled path
    with mpmath.workdps(30):
        assert mpmath.almosteq(herm.mp_pair[0](mpmath.mpf("0.2")), act(mpmath.mpf("0.2")), 1e-18)
    pair = resolve((np.tanh, np.cos))
    assert (pair.form, pair.name, pair.mp_pair, pair.degree) == ("pair", "tanh", None, None)


def test_a_compiled_activation_is_an_activation_too():
    act = hr.reverse(hr.kernels.exponential(1), "nngp", n=8).activation()
    f = act.compile()
    comp = resolve(f)
    assert comp.form == "compiled" and comp.fused[0] == "series"
    x = np.linspace(-2, 2, 9)
    assert np.array_equal(comp(x), resolve(act)(x))
    kv = verify.quadrature_kernel(f, "nngp", [0.0, 0.5], dps=None)
    ref = verify.quadrature_kernel(act, "nngp", [0.0, 0.5], dps=None)
    assert np.allclose(np.asarray(kv), np.asarray(ref), rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="dps=None"):
        verify.quadrature_kernel(f, "nngp", [0.5], dps=20)


def test_activation_functions_pickle_by_what_they_were_built_from():
    assert pickle.loads(pickle.dumps(resolve("sin6"))) is lookup("sin6")
    expr = sympy.Max(0, z) + z / 10
    back = pickle.loads(pickle.dumps(resolve(expr)))
    assert back.expr == expr and np.array_equal(back(np.array([-1.0, 2.0])), [-0.1, 2.2])


def test_bad_specs_name_the_problem():
    with pytest.raises(ValueError, match="unknown activation name 'swishy'"):
        resolve("swishy")
    with pytest.raises(ValueError, match="activation must be a name"):
        resolve(3j)
    with pytest.raises(ValueError, match="activation name must be a string"):
        lookup(3)


def test_hermite_re_exports_the_float64_evaluator():
    assert hr.hermite.hermite_norm_eval_np is A.hermite_norm_eval_np
    assert np.allclose(A.hermite_norm_eval_np([0, 0, 1], [0.0, 1.0]), [-1 / np.sqrt(2), 0.0])
