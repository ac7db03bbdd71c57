"""Results are values: every result type is immutable, picklable and deep-copyable, with equality
by value, so it crosses process and Dask boundaries (API.md) and a sweep equals its serial run.

Round trips (pickle at every protocol, copy, deepcopy) must give an object ``==`` to the original
(and with the same hash), while a different value must compare unequal, so equality is not trivially
true.  Kernels built by ``hr.kernels`` are unevaluated sympy DAGs: their round trips exercise the
node-by-node pickling of ``_core.exprs.as_built`` and the linear-time ``same_expr``.

The sweep tests run the same tasks serially, on 2 local worker processes and on a
``LocalCluster(processes=True, n_workers=2, threads_per_worker=1)``.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import pickle
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev import kernels, predict, series, spectrum
from hermite_rev._core.exprs import RAW_ASSOC, as_built, c, same_expr, z
from hermite_rev._core.values import FrozenDict
from hermite_rev.sweep import run_tasks

TENTH = sympy.Rational(1, 10)


# --- the objects --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fam():
    return hr.reverse(kernels.relu_ntk(depth=3, sigma_w=sympy.sqrt(2), sigma_b=TENTH), "ntk", n=8, dps=20)


@pytest.fixture(scope="module")
def values(fam):
    """name -> (a result, a different result of the same type)."""
    exp_fam = hr.reverse("exp(c)", "ntk", n=5)
    act = fam.activation()
    flipped = fam.activation([-1] + [1] * (len(fam.nonzero) - 1))
    f = act.compile()
    best = hr.reverse("exp(c)", "nngp", n=8).best("sup")
    return {
        "TaylorCoeffs (taylor)": (hr.taylor(kernels.relu_nngp(depth=2), 6, dps=20), hr.taylor("exp(c)", 6)),
        "TaylorCoeffs (taylor, exact)": (hr.taylor("exp(c)", 5, exact=True), hr.taylor("exp(c)", 4, exact=True)),
        "TaylorCoeffs (kernel_of)": (hr.kernel_of(sympy.tanh(z), n=5), hr.kernel_of(sympy.erf(z), n=5)),
        "Tail": (fam.tail(), exp_fam.tail()),
        "HermiteCoeffs (exact)": (hr.hermite_coeffs(sympy.Max(0, z), 5), hr.hermite_coeffs(sympy.Abs(z), 5)),
        "HermiteCoeffs (quadrature)": (hr.hermite_coeffs(sympy.tanh(z), 4, dps=15), hr.hermite_coeffs(z, 4, dps=15)),
        "Activation": (act, flipped),
        "ActivationFamily": (fam, exp_fam),
        "ActivationFamily (sigma_w, sigma_b)": (
            hr.reverse("exp(c)", "nngp", n=5, sigma_w=2, sigma_b=TENTH),
            hr.reverse("exp(c)", "nngp", n=5, sigma_w=3, sigma_b=TENTH),
        ),
        "CompiledActivation": (f, flipped.compile()),
        "BestMember": (best, hr.reverse("exp(c)", "nngp", n=8).best("lipschitz")),
        "KernelFunction (theta)": (predict.compile_kernel(kernels.relu_ntk(depth=2)), predict.compile_kernel("exp(c)")),
        "KernelFunction (compiled)": (
            predict.compile_kernel(kernels.relu_ntk(depth=2), method="compiled"),
            predict.compile_kernel("exp(c)", method="compiled"),
        ),
        "KernelFunction (series)": (
            predict.compile_kernel(hr.kernel_of(sympy.tanh(z), n=12)),
            predict.compile_kernel(hr.kernel_of(sympy.erf(z), n=12)),
        ),
        "GramInfo": (
            hr.gram(kernels.relu_nngp(), np.eye(2), info=True)[1],
            hr.gram(kernels.relu_nngp(), np.eye(3), info=True)[1],
        ),
    }


NAMES = [
    "TaylorCoeffs (taylor)",
    "TaylorCoeffs (taylor, exact)",
    "TaylorCoeffs (kernel_of)",
    "Tail",
    "HermiteCoeffs (exact)",
    "HermiteCoeffs (quadrature)",
    "Activation",
    "ActivationFamily",
    "ActivationFamily (sigma_w, sigma_b)",
    "CompiledActivation",
    "BestMember",
    "KernelFunction (theta)",
    "KernelFunction (compiled)",
    "KernelFunction (series)",
    "GramInfo",
]

COPIES = {
    **{f"pickle protocol {p}": (lambda o, p=p: pickle.loads(pickle.dumps(o, protocol=p))) for p in (2, 4, 5)},
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}


def _round_trips(obj, other):
    assert obj == obj and not (obj != obj)
    assert obj != other and other != obj  # equality is by value, not trivially true
    for how, f in COPIES.items():
        back = f(obj)
        assert type(back) is type(obj), how
        assert back == obj and obj == back, how
        assert hash(back) == hash(obj), how
        assert back != other, how


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_round_trips_give_equal_values(values, name):
    obj, other = values[name]
    _round_trips(obj, other)


def test_deep_activation_family_round_trips():
    deep = hr.deep_reverse(kernels.relu_nngp(depth=2), 2, kind="nngp", n=6, dps=15)
    other = hr.deep_reverse(kernels.relu_nngp(depth=3), 3, kind="nngp", n=6, dps=15)
    assert deep != other
    for how, f in COPIES.items():
        back = f(deep)
        assert type(back) is type(deep) and back == deep, how
        assert back.activation() == deep.activation(), how


def test_spectrum_round_trips():
    s = spectrum.spectrum(sympy.exp(c), 3, 6, dps=20)
    for how, f in COPIES.items():
        assert f(s) == s, how


def test_pickled_values_keep_what_they_say(values, fam):
    back = pickle.loads(pickle.dumps(fam))
    assert [mpmath.nstr(b, 15) for b in back.magnitudes] == [mpmath.nstr(b, 15) for b in fam.magnitudes]
    assert back.count() == fam.count() and back.tail() == fam.tail()
    assert back.label == fam.label and repr(back) == repr(fam)
    assert list(back.members()) == list(fam.members())
    act = pickle.loads(pickle.dumps(fam.activation()))
    assert act.expr == fam.activation().expr and act(0.5) == fam.activation()(0.5)
    assert act.kernel("ntk") == fam.activation().kernel("ntk")
    best = values["BestMember"][0]
    again = pickle.loads(pickle.dumps(best))
    assert again.signs == best.signs and again.activation == best.activation and again.seconds == best.seconds


def test_compiled_activation_evaluates_the_same_after_unpickling(values):
    f = values["CompiledActivation"][0]
    g = pickle.loads(pickle.dumps(f))
    xs = np.linspace(-6, 6, 101)
    np.testing.assert_array_equal(g(xs), f(xs))
    np.testing.assert_array_equal(g.grad(xs), f.grad(xs))
    np.testing.assert_array_equal(g.hess(xs), f.hess(xs))
    assert g(0.25) == f(0.25)


def test_compiled_activation_pickles_by_its_coefficients_and_compiles_on_first_call(values):
    f = values["CompiledActivation"][0]
    code = (
        "import pickle, sys\n"
        f"g = pickle.loads({pickle.dumps(f)!r})\n"
        "assert 'numba' not in sys.modules, 'unpickling compiled'\n"
        "print(repr(float(g(0.25))))\n"
        "assert 'numba' in sys.modules\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(hr.__file__)))  # this checkout's hermite_rev
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, *sys.path]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert float(out.stdout) == f(0.25)


def test_kernel_functions_evaluate_the_same_after_unpickling(values):
    cs = np.linspace(-1, 1, 41)
    for name in NAMES:
        if name.startswith("KernelFunction"):
            f = values[name][0]
            np.testing.assert_array_equal(pickle.loads(pickle.dumps(f))(cs), f(cs))


# --- nothing changes after creation --------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_results_are_immutable(values, name):
    obj, _ = values[name]
    field = dataclasses.fields(obj)[0].name if dataclasses.is_dataclass(obj) else "expr"
    with pytest.raises((dataclasses.FrozenInstanceError, AttributeError)):
        setattr(obj, field, None)


def test_sequences_and_mappings_of_results_are_immutable(values, fam):
    assert isinstance(fam.magnitudes, tuple) and isinstance(fam.errors, tuple) and isinstance(fam.nonzero, tuple)
    hyper = values["ActivationFamily (sigma_w, sigma_b)"][0].hyper
    assert hyper["sigma_b"] == TENTH and hyper == dict(hyper)
    with pytest.raises(TypeError, match="immutable"):
        hyper["sigma_b"] = 0
    with pytest.raises(TypeError, match="immutable"):
        hyper.update(width=3)
    f = values["CompiledActivation"][0]
    with pytest.raises(ValueError, match="read-only"):
        f.coeffs[0] = 1.0
    hc = values["HermiteCoeffs (exact)"][0]
    assert isinstance(hc.values, tuple) and isinstance(hc.errors, tuple)


def test_frozen_dict():
    d = FrozenDict(a=1, b=sympy.Rational(1, 3))
    assert d == {"a": 1, "b": sympy.Rational(1, 3)} and hash(d) == hash(FrozenDict(dict(d)))
    for how, f in COPIES.items():
        back = f(d)
        assert type(back) is FrozenDict and back == d, how
    for mutate in (lambda: d.pop("a"), d.clear, lambda: d.setdefault("c", 1), d.popitem):
        with pytest.raises(TypeError):
            mutate()
    assert d == {"a": 1, "b": sympy.Rational(1, 3)}


# --- expressions pickle as built --------------------------------------------------------------------


def test_unevaluated_kernels_pickle_as_built():
    raw = RAW_ASSOC(sympy.Mul, RAW_ASSOC(sympy.Mul, 2, c, evaluate=False), c, evaluate=False)
    assert pickle.loads(pickle.dumps(raw)) != raw  # what sympy's own pickling does: it evaluates
    assert pickle.loads(pickle.dumps(as_built(raw))) == raw
    for K in (
        kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=TENTH),
        kernels.relu_nngp(depth=2),
        sympy.Piecewise((c**2, c < 0), (sympy.exp(c), True)),
        sympy.Max(c, TENTH) + sympy.erf(c) / 3,
    ):
        back = pickle.loads(pickle.dumps(as_built(K)))
        assert back == K and hash(back) == hash(K) and sympy.srepr(back) == sympy.srepr(K)
    assert as_built(c) is c and as_built(3) == 3


def test_deep_kernel_round_trip_is_linear():
    K = kernels.relu_ntk(depth=40)  # ~10^20 nodes as a tree: only a DAG walk compares it
    back = pickle.loads(pickle.dumps(as_built(K)))
    assert back is not K and same_expr(back, K)
    assert not same_expr(back, kernels.relu_ntk(depth=39))
    tc = series.TaylorCoeffs([1, 2], expr=K, dps=None, errors=[0, 0], exact=False, rigorous=False, engine="test")
    assert pickle.loads(pickle.dumps(tc)) == tc


# --- sweeps: results from worker processes equal the serial run -------------------------------------


def taylor_task(depth, n):
    """A TaylorCoeffs of a deep (unevaluated) kernel and a kernel_of result."""
    return hr.taylor(kernels.relu_nngp(depth=depth, sigma_w=sympy.sqrt(2), sigma_b=TENTH), n, dps=20)


def kernel_of_task(name, n):
    return hr.kernel_of(name, "ntk", depth=2, n=n, dps=20)


def family_task(depth, kind, n):
    return hr.reverse(kernels.relu_ntk(depth=depth), kind, n=n, dps=20)


def evaluate_task(f, kf, x):
    """Values arriving in a worker evaluate there (numba compiles on first use)."""
    return f, kf, f(x).tolist(), kf(x).tolist()


SWEEP = [
    (taylor_task, [(1, 6), (2, 6), (3, 5)]),
    (kernel_of_task, [("tanh(z)", 5), ("erf(z)", 5)]),
    (family_task, [(1, "ntk", 6), (2, "nngp", 6), (3, "ntk", 5)]),
]


@pytest.fixture(scope="module")
def serial():
    return [run_tasks(fn, tasks, workers=1, progress=False) for fn, tasks in SWEEP]


def test_sweep_on_two_local_workers_equals_serial(serial):
    for (fn, tasks), want in zip(SWEEP, serial):
        got = run_tasks(fn, tasks, workers=2, progress=False)
        assert [type(g) for g in got] == [type(w) for w in want]
        assert got == want, fn.__name__
    assert isinstance(serial[0][0], hr.TaylorCoeffs) and isinstance(serial[2][0], hr.ActivationFamily)


def test_sweep_on_dask_local_cluster_equals_serial(serial):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        for (fn, tasks), want in zip(SWEEP, serial):
            got = run_tasks(fn, tasks, client=client, progress=False)
            assert got == want, fn.__name__


def test_compiled_values_cross_to_workers_and_back(values):
    f = values["CompiledActivation"][0]
    kf = values["KernelFunction (compiled)"][0]
    x = np.linspace(-1, 1, 9)
    out = run_tasks(evaluate_task, [(f, kf, x), (f, kf, x / 2)], workers=2, progress=False)
    for (g, kg, fx, kx), xs in zip(out, (x, x / 2)):
        assert g == f and kg == kf
        assert fx == f(xs).tolist() and kx == kf(xs).tolist()
