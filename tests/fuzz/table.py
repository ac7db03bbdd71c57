"""The table of public calls the fuzzer drives: one :class:`Entry` per call of ``shared/API.md``
(and the public helpers of the stages), one :class:`CliEntry` per CLI subcommand.

To cover a new public call, add one entry: its name, how to call it, and a strategy of valid
values per parameter (hostile values come from :mod:`fuzz.values` unless the entry gives its own).
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import hermite_rev as hr

from .values import (
    ACTS,
    COSINES,
    DEPTH,
    DPS,
    FINITE,
    GRAM_KERNELS,
    HOSTILE,
    KERNELS,
    KINDS,
    NK_ACTS,
    PHIS,
    SIGMA_B,
    SIGMA_W,
    SMALL_N,
    UNIT_FLOATS,
    activation,
    compiled,
    family,
    lazy,
    net_kernel,
    rows,
    train_data,
)

# --------------------------------------------------------------------------------------------
# the table of public calls
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Entry:
    """One public call: ``call(**kwargs)`` with one strategy of valid values per parameter."""

    name: str
    call: Callable[..., Any]
    params: Mapping[str, st.SearchStrategy[Any]]
    #: parameters never mutated (the receiver of a method call, callables)
    fixed: tuple[str, ...] = ()
    #: words a message may use for a parameter instead of its name
    aliases: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    budget: float = 10.0
    #: expensive calls: every draw mutates one parameter (only the refusal path is fuzzed)
    always_mutate: bool = False
    #: hostile values per parameter (default: :data:`HOSTILE`)
    hostile: Mapping[str, st.SearchStrategy[Any]] = dataclasses.field(default_factory=dict)
    #: parameters whose hostile values may be slow-but-valid sizes in the long run
    sizes: tuple[str, ...] = ()
    available: Callable[[], bool] = lambda: True
    #: NaN/inf in the result is documented (a float function of float arrays: NaN in, NaN out)
    nonfinite_ok: bool = False


def _method(attr: str, receiver: str = "self") -> Callable[..., Any]:
    def call(**kw: Any) -> Any:
        return getattr(kw.pop(receiver), attr)(**kw)

    return call


def _members(fam: Any, k: int) -> list[Any]:
    return list(itertools.islice(fam.members(), k))


def _sklearn(K: Any, amplitude: Any, amplitude_bounds: Any, X: Any) -> Any:
    k = hr.interop.SklearnKernel(K, amplitude=amplitude, amplitude_bounds=amplitude_bounds)
    repr(k)
    return k(X)


def _compiled_call(x: Any, grad: bool) -> Any:
    f = compiled()
    return f.grad(x) if grad else f(x)


def _fcn_forward(d_in: Any, widths: Any, activation: Any, sigma_w: Any, sigma_b: Any, seed: Any) -> Any:
    net = hr.nets.FCN(d_in, widths, activation, sigma_w, sigma_b, seed)
    return net.forward(np.ones((2, int(d_in)))) if hasattr(net, "forward") else net


def _train(X: Any, Y: Any, lr: Any, epochs: Any, stop_mse: Any) -> Any:
    net = hr.nets.FCN(3, [8], "relu", seed=0)
    return hr.nets.train(net, X, Y, lr, epochs, stop_mse=stop_mse, progress=False)


def _nk(method: str) -> Callable[..., Any]:
    def call(A: Any, B: Any = None) -> Any:
        return net_kernel().gram(A, B) if method == "gram" else net_kernel().diag(A)

    return call


K_ALIASES = ("kernel", "expression", "K", "coefficient", "coeffs", "series", "a_", "c =", "c ")
ACT_ALIASES = ("activation", "phi", "expression", "z")
ARRAY_ALIASES = ("rows", "row", "X", "array", "shape")

FAM = lazy(family)
ACT = lazy(activation)

API: list[Entry] = [
    Entry(
        "hr.taylor",
        hr.taylor,
        {"K": KERNELS, "n": SMALL_N, "dps": DPS, "exact": st.booleans()},
        aliases={"K": K_ALIASES},
        sizes=("n", "dps"),
    ),
    Entry(
        "hr.reverse",
        hr.reverse,
        {
            "K": KERNELS,
            "kind": KINDS,
            "n": SMALL_N,
            "dps": DPS,
            "sigma_w": SIGMA_W,
            "sigma_b": SIGMA_B,
            "parameterization": st.just("ntk"),
        },
        aliases={"K": K_ALIASES},
        sizes=("n", "dps"),
    ),
    Entry(
        "hr.deep_reverse",
        hr.deep_reverse,
        {
            "K": st.sampled_from([hr.kernels.relu_nngp(2), hr.kernels.erf_nngp(2), "exp(c)"]),
            "depth": st.integers(1, 2),
            "kind": st.just("nngp"),
            "n": st.integers(2, 6),
            "dps": st.integers(10, 20),
            "sigma_w": st.sampled_from([1, 2]),
            "sigma_b": st.sampled_from([0, 0.1]),
        },
        aliases={"K": K_ALIASES},
        sizes=("n", "dps", "depth"),
    ),
    Entry(
        "hr.hermite_coeffs",
        hr.hermite_coeffs,
        {"phi": PHIS, "n": SMALL_N, "dps": DPS},
        aliases={"phi": ACT_ALIASES},
        sizes=("n", "dps"),
    ),
    Entry("hr.hermite_norm", hr.hermite_norm, {"k": st.integers(0, 12)}),
    Entry(
        "hr.kernel_of",
        hr.kernel_of,
        {"phi": PHIS, "kind": KINDS, "depth": DEPTH, "sigma_w": SIGMA_W, "sigma_b": SIGMA_B, "n": SMALL_N, "dps": DPS},
        aliases={"phi": ACT_ALIASES},
        sizes=("n", "dps", "depth"),
    ),
    Entry(
        "hr.gram",
        hr.gram,
        {"K": GRAM_KERNELS, "X1": rows(), "X2": st.none()},
        aliases={"K": K_ALIASES, "X1": ARRAY_ALIASES},
    ),
    Entry(
        "hr.network_kernel",
        hr.network_kernel,
        {"activation": NK_ACTS, "depth": DEPTH, "sigma_w": SIGMA_W, "sigma_b": SIGMA_B, "kind": KINDS},
        aliases={"activation": ACT_ALIASES},
        sizes=("depth",),
    ),
    Entry(
        "NetworkKernel.gram",
        _nk("gram"),
        {"A": rows(d=3), "B": st.one_of(st.none(), rows(d=3))},
        aliases={"A": ARRAY_ALIASES, "B": ARRAY_ALIASES},
    ),
    Entry("NetworkKernel.diag", _nk("diag"), {"A": rows(d=3)}, aliases={"A": ARRAY_ALIASES}),
    Entry(
        "predict.gp_inference",
        lambda **kw: hr.predict.gp_inference(**kw),
        {
            "K_nngp": GRAM_KERNELS,
            "X_train": train_data(),
            "Y_train": hnp.arrays(np.float64, (4, 1), elements=FINITE),
            "X_test": train_data(m=2),
            "diag_reg": st.sampled_from([0.0, 1e-6, 0.1]),
        },
        aliases={
            "K_nngp": K_ALIASES,
            "X_train": ARRAY_ALIASES,
            "X_test": ARRAY_ALIASES,
            "Y_train": ("Y", "rows", "shape"),
        },
    ),
    Entry(
        "predict.gradient_descent_mse",
        lambda **kw: hr.predict.gradient_descent_mse(**kw),
        {
            "K_ntk": GRAM_KERNELS,
            "X_train": train_data(),
            "Y_train": hnp.arrays(np.float64, (4, 1), elements=FINITE),
            "X_test": train_data(m=2),
            "t": st.sampled_from([None, 1.0, 100]),
            "lr": st.sampled_from([None, 0.1, 1]),
        },
        aliases={
            "K_ntk": K_ALIASES,
            "X_train": ARRAY_ALIASES,
            "X_test": ARRAY_ALIASES,
            "Y_train": ("Y", "rows", "shape"),
        },
    ),
    Entry(
        "predict.compile_kernel",
        lambda **kw: hr.predict.compile_kernel(**kw),
        {"K": KERNELS, "method": st.sampled_from(["auto", "theta", "compiled", "series"])},
        aliases={"K": K_ALIASES},
    ),
    Entry(
        "interop.SklearnKernel",
        _sklearn,
        {
            "K": GRAM_KERNELS,
            "amplitude": st.sampled_from([1.0, 2, 0.5]),
            "amplitude_bounds": st.sampled_from([(1e-5, 1e5), "fixed", (0.1, 10)]),
            "X": rows(d=3),
        },
        aliases={"K": K_ALIASES, "X": ARRAY_ALIASES},
    ),
    Entry(
        "spectrum.spectrum",
        lambda **kw: hr.spectrum.spectrum(**kw),
        {"K": KERNELS, "d": st.integers(2, 6), "kmax": st.integers(1, 10), "dps": st.integers(10, 30)},
        aliases={"K": K_ALIASES},
        sizes=("kmax", "d", "dps"),
    ),
    Entry(
        "spectrum.decay",
        lambda **kw: hr.spectrum.decay(**kw),
        {
            "K": st.sampled_from(["relu_ntk(1)", "relu_nngp(2)", "arccos(0)"]),
            "d": st.integers(2, 5),
            "kmax": st.integers(12, 30),
            "dps": st.integers(10, 20),
        },
        aliases={"K": K_ALIASES},
        sizes=("kmax",),
    ),
    Entry(
        "spectrum.endpoint_expansion",
        lambda **kw: hr.spectrum.endpoint_expansion(**kw),
        {"K": KERNELS, "point": st.sampled_from([1, -1]), "order": st.integers(1, 5)},
        aliases={"K": K_ALIASES},
    ),
    Entry(
        "spectrum.multiplicity",
        lambda **kw: hr.spectrum.multiplicity(**kw),
        {"d": st.integers(2, 10), "k": st.integers(0, 10)},
    ),
    Entry(
        "spectrum.funk_hecke_power",
        lambda **kw: hr.spectrum.funk_hecke_power(**kw),
        {"j": st.integers(0, 8), "k": st.integers(0, 8), "d": st.integers(2, 6)},
    ),
    Entry(
        "spectrum.power_eigenvalue",
        lambda **kw: hr.spectrum.power_eigenvalue(**kw),
        {
            "nu": st.sampled_from([0.5, 1.5, 2, "1/2"]),
            "k": st.integers(0, 8),
            "d": st.integers(2, 6),
            "dps": st.integers(10, 30),
        },
    ),
    Entry(
        "spectrum.gegenbauer",
        lambda **kw: hr.spectrum.gegenbauer(**kw),
        {"k": st.integers(0, 8), "d": st.integers(2, 6), "t": UNIT_FLOATS},
    ),
    Entry(
        "spectrum.eigenvalue_quad",
        lambda **kw: hr.spectrum.eigenvalue_quad(**kw),
        {"K": KERNELS, "d": st.integers(2, 5), "k": st.integers(0, 5), "dps": st.integers(10, 20)},
        aliases={"K": K_ALIASES},
    ),
    Entry(
        "verify.empirical_kernel",
        lambda **kw: hr.verify.empirical_kernel(**kw),
        {
            "act_or_name": ACTS,
            "kind": KINDS,
            "width": st.integers(8, 64),
            "cs": COSINES,
            "seed": st.integers(0, 3),
            "depth": st.integers(1, 2),
            "sigma_w": SIGMA_W,
            "sigma_b": SIGMA_B,
        },
        aliases={"act_or_name": ACT_ALIASES, "cs": ("cosine",)},
        sizes=("width",),
    ),
    Entry(
        "verify.quadrature_kernel",
        lambda **kw: hr.verify.quadrature_kernel(**kw),
        # polynomials and closed forms: a transcendental activation takes 2-10 s per call (gelu, tanh)
        {
            "act": st.one_of(st.sampled_from(["relu", hr.z**2, hr.z**3 - hr.z]), lazy(activation)),
            "kind": KINDS,
            "cs": COSINES,
            "dps": st.integers(10, 20),
        },
        aliases={"act": ACT_ALIASES, "cs": ("cosine",)},
        sizes=("dps",),
    ),
    Entry(
        "verify.analytic_kernel",
        lambda **kw: hr.verify.analytic_kernel(**kw),
        {"act": st.sampled_from(["relu", "erf", "sin(z)", "relu(z)"]), "kind": KINDS, "cs": COSINES},
        aliases={"act": ACT_ALIASES, "cs": ("cosine",)},
    ),
    Entry(
        "verify.gauss_hermite",
        lambda **kw: hr.verify.gauss_hermite(**kw),
        {"n": st.integers(1, 40), "dps": st.one_of(st.none(), st.integers(10, 30))},
        sizes=("n",),
    ),
    Entry(
        "verify.width_scaling",
        lambda **kw: hr.verify.width_scaling(**kw, progress=False, workers=1),
        {
            "act": st.sampled_from(["relu", "tanh"]),
            "widths": st.just((16, 32)),
            "seeds": st.just(range(1)),
            "cs": st.just([0.5]),
        },
        aliases={"act": ACT_ALIASES, "widths": ("width",), "seeds": ("seed",), "cs": ("cosine",)},
        always_mutate=True,
    ),
    Entry(
        "verify.kernel_regime_gap",
        lambda **kw: hr.verify.kernel_regime_gap(**kw, progress=False, workers=1),
        {
            "act": st.sampled_from(["relu", "tanh"]),
            "widths": st.just((16,)),
            "n_train": st.just(4),
            "d_in": st.just(2),
            "epochs": st.just(5),
            "seeds": st.just(range(1)),
            "lr": st.just(0.5),
        },
        aliases={"act": ACT_ALIASES, "widths": ("width",), "seeds": ("seed",)},
        always_mutate=True,
    ),
    Entry(
        "verify.theorem_report",
        lambda **kw: hr.verify.theorem_report(**kw, out=None, progress=False, workers=1),
        {
            "K": st.sampled_from(["relu_ntk(1)", "exp(c)"]),
            "n": st.integers(3, 6),
            "widths": st.just((16,)),
            "seeds": st.just(range(1)),
            "dps": st.just(15),
        },
        aliases={"K": K_ALIASES, "widths": ("width",)},
        always_mutate=True,
    ),
    Entry(
        "nets.FCN",
        _fcn_forward,
        {
            "d_in": st.integers(1, 4),
            "widths": st.sampled_from([[8], [4, 4], 5]),
            "activation": st.sampled_from(["relu", "tanh", "erf"]),
            "sigma_w": SIGMA_W,
            "sigma_b": SIGMA_B,
            "seed": st.integers(0, 5),
        },
        aliases={"activation": ACT_ALIASES},
        sizes=("widths",),
    ),
    Entry(
        "nets.train",
        _train,
        {
            "X": train_data(),
            "Y": hnp.arrays(np.float64, (4, 1), elements=FINITE),
            "lr": st.sampled_from([0.1, 0.5]),
            "epochs": st.integers(1, 5),
            "stop_mse": st.sampled_from([None, 1e-3]),
        },
        aliases={"X": ARRAY_ALIASES, "Y": ARRAY_ALIASES},
        sizes=("epochs",),
    ),
    Entry("nets.sphere_inputs", lambda **kw: hr.nets.sphere_inputs(**kw), {"X": rows()}, aliases={"X": ARRAY_ALIASES}),
    Entry(
        "nets.accuracy",
        lambda **kw: hr.nets.accuracy(**kw),
        {
            "F": hnp.arrays(np.float64, (4, 1), elements=FINITE),
            "Y": hnp.arrays(np.float64, (4, 1), elements=st.sampled_from([-1.0, 1.0])),
        },
        aliases={"F": ("shape",), "Y": ("shape",)},
    ),
    Entry(
        "nets.net_activation", lambda **kw: hr.nets.net_activation(**kw), {"spec": PHIS}, aliases={"spec": ACT_ALIASES}
    ),
    Entry(
        "fit.fit_kernel",
        lambda **kw: hr.fit.fit_kernel(**kw, check_grid=51),
        {
            "K": st.sampled_from(["relu_ntk(1)", "exp(c)"]),
            "kind": KINDS,
            "grid": st.integers(11, 31),
            "restarts": st.integers(1, 2),
            "max_nfev": st.integers(5, 20),
        },
        aliases={"K": K_ALIASES},
    ),
    Entry(
        "sweep.run_tasks",
        lambda **kw: hr.sweep.run_tasks(**kw, progress=False),
        {
            "fn": st.sampled_from([abs, operator.neg]),
            "tasks": st.lists(st.integers(-5, 5), max_size=4),
            "workers": st.sampled_from([None, 1, 2]),
            "retries": st.integers(0, 2),
            "scheduler": st.none(),
        },
        fixed=("fn",),
        hostile={
            "scheduler": st.sampled_from(
                [
                    "notaport",
                    "http://x",
                    "inproc://",
                    "tls://",
                    "",
                    "tcp://",
                    "tcp://:99999",
                    "tcp://host:-1",
                    "tcp://[::1",
                    5,
                    "a" * 500,
                    "tcp://h:0x10",
                ]
            )
        },
        nonfinite_ok=True,  # the results are fn's values: abs(nan) is nan, faithfully
    ),
    Entry(
        "sweep.check_scheduler",
        lambda **kw: hr.sweep.check_scheduler(**kw),
        {"scheduler": st.sampled_from(["tcp://127.0.0.1:8786", "tcp://localhost:1"])},
    ),
    Entry("kernels.arccos", hr.kernels.arccos, {"order": st.integers(0, 4)}, sizes=("order",)),
    *[
        Entry(
            f"kernels.{name}",
            getattr(hr.kernels, name),
            {"depth": DEPTH, "sigma_w": SIGMA_W, "sigma_b": SIGMA_B, "sigma_w_last": SIGMA_W, "sigma_b_last": SIGMA_B},
            sizes=("depth",),
        )
        for name in ("relu_nngp", "relu_ntk")
    ],
    *[
        Entry(
            f"kernels.{name}",
            getattr(hr.kernels, name),
            {
                "depth": DEPTH,
                "sigma_w": SIGMA_W,
                "sigma_b": SIGMA_B,
                "a": st.sampled_from([1, 2, 0.5]),
                "b": st.sampled_from([1, 0.5]),
            },
            sizes=("depth",),
        )
        for name in ("erf_nngp", "erf_ntk")
    ],
    Entry("kernels.exponential", hr.kernels.exponential, {"beta": st.sampled_from([1, 0.5, 3, "1/3"])}),
    Entry("kernels.gaussian", hr.kernels.gaussian, {"lengthscale": st.sampled_from([1, 0.5, 3, "2"])}),
    Entry(
        "kernels.polynomial",
        hr.kernels.polynomial,
        {"coeffs": st.lists(st.integers(0, 5), min_size=1, max_size=5)},
        aliases={"coeffs": ("coefficient",)},
    ),
    Entry(
        "kernels.inhomogeneous_polynomial",
        hr.kernels.inhomogeneous_polynomial,
        {"degree": st.integers(0, 6), "offset": st.sampled_from([1, 0.5, 0])},
        sizes=("degree",),
    ),
    Entry(
        "ActivationFamily.activation",
        _method("activation"),
        {"self": FAM, "signs": st.one_of(st.none(), st.lists(st.sampled_from([1, -1]), min_size=4, max_size=4))},
        fixed=("self",),
        aliases={"signs": ("sign",)},
    ),
    Entry("ActivationFamily.count", _method("count"), {"self": FAM}, fixed=("self",)),
    Entry(
        "ActivationFamily.members",
        lambda self, k: _members(self, k),
        {"self": FAM, "k": st.integers(0, 3)},
        fixed=("self", "k"),
    ),
    Entry("ActivationFamily.tail", _method("tail"), {"self": FAM}, fixed=("self",)),
    Entry(
        "ActivationFamily.signs_of",
        _method("signs_of"),
        {"self": FAM, "act": ACT},
        fixed=("self",),
        aliases={"act": ("activation",)},
    ),
    Entry(
        "ActivationFamily.best",
        _method("best"),
        {
            "self": FAM,
            "criterion": st.sampled_from(["sup", "lipschitz"]),
            "grid": st.integers(11, 41),
            "interval": st.sampled_from([(-3, 3), (-1, 2)]),
            "workers": st.just(1),
            "progress": st.just(False),
        },
        fixed=("self", "progress"),
        sizes=("grid",),
    ),
    Entry(
        "Activation.finite_width",
        _method("finite_width"),
        {"self": ACT, "width": st.integers(16, 4096), "kind": KINDS},
        fixed=("self",),
        available=lambda: hasattr(hr.Activation, "finite_width"),
    ),
    Entry(
        "Activation.kernel",
        _method("kernel"),
        {"self": ACT, "kind": KINDS, "n": st.one_of(st.none(), SMALL_N)},
        fixed=("self",),
        sizes=("n",),
    ),
    Entry("Activation.compile", _method("compile"), {"self": ACT}, fixed=("self",)),
    Entry(
        "CompiledActivation.__call__",
        _compiled_call,
        {
            "x": hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), elements=FINITE),
            "grad": st.booleans(),
        },
        fixed=("grad",),
        aliases={"x": ("array", "float64", "input")},
        nonfinite_ok=True,
    ),
    Entry(
        "Activation.export",
        _method("export"),
        {
            "self": ACT,
            "target": st.sampled_from(["numpy", "torch", "jax", "c", "latex", "neural_tangents"]),
            "name": st.sampled_from(["phi", "my_act", "Phi2"]),
        },
        fixed=("self",),
        hostile={
            "name": st.one_of(
                st.sampled_from(
                    [
                        "_x",
                        "__x",
                        "enumerate",
                        "__builtins__",
                        "lgammaf_r",
                        "class",
                        "1x",
                        "a-b",
                        "",
                        "x" * 300,
                        "sin",
                        "np",
                        "torch",
                        "math",
                        "exp",
                        "é",
                    ]
                ),
                HOSTILE,
            )
        },
    ),
    Entry("Activation.derivative", _method("derivative"), {"self": ACT}, fixed=("self",)),
    Entry(
        "Activation.from_expr",
        lambda **kw: hr.Activation.from_expr(**kw),
        {"phi": PHIS, "n": SMALL_N, "dps": DPS},
        aliases={"phi": ACT_ALIASES},
        sizes=("n", "dps"),
    ),
    Entry(
        "TaylorCoeffs.summary",
        lambda K, n: hr.taylor(K, n, 15).summary(),
        {"K": KERNELS, "n": SMALL_N},
        aliases={"K": K_ALIASES},
    ),
    Entry(
        "series.evaluate_at",
        lambda **kw: hr.series.evaluate_at(**kw),
        {"expr": KERNELS.filter(lambda k: not isinstance(k, (list, tuple))), "point": st.floats(-0.9, 0.9), "dps": DPS},
        aliases={"expr": K_ALIASES},
    ),
    Entry(
        "series.sign_certificate",
        lambda **kw: hr.series.sign_certificate(**kw),
        {"expr": st.sampled_from([hr.kernels.relu_ntk(2), sympy.exp(hr.c), 1 + hr.c**2])},
        aliases={"expr": K_ALIASES},
    ),
    Entry(
        "series.certify_convergence",
        lambda **kw: hr.series.certify_convergence(**kw),
        {"expr": st.sampled_from([hr.kernels.relu_ntk(2), sympy.exp(hr.c), 1 / (2 - hr.c)])},
        aliases={"expr": K_ALIASES},
    ),
    Entry(
        "experiments.parity_kernel",
        lambda **kw: hr.experiments.parity_kernel(**kw),
        {
            "beta": st.sampled_from([36, 10, 4.5]),
            "kappa": st.sampled_from([4.6, 2, 1]),
            "n": st.integers(4, 20),
            "dps": st.integers(10, 20),
        },
        sizes=("n",),
    ),
    Entry(
        "experiments.wine_data",
        lambda **kw: hr.experiments.wine_data(**kw),
        {"seed": st.integers(0, 10), "train_fraction": st.sampled_from([0.5, 0.25, 0.9])},
    ),
    Entry(
        "experiments.classification_data",
        lambda **kw: hr.experiments.classification_data(**kw),
        {
            "X": rows(m=8, d=3),
            "y": st.just(np.array([0, 1] * 4)),
            "seed": st.integers(0, 3),
            "train_fraction": st.sampled_from([0.5, 0.75]),
        },
        aliases={"X": ARRAY_ALIASES, "y": ("labels", "shape")},
    ),
    *[
        Entry(
            f"experiments.{name}",
            lambda name=name, **kw: getattr(hr.experiments, name)(**kw, fast=True, progress=False),
            {"seed": st.just(0), "trials": st.just(1), "workers": st.just(1)},
            always_mutate=True,
            hostile={
                "seed": st.sampled_from([-1, 2**64, 1.5, "x", None, np.nan]),
                "trials": st.sampled_from([0, -1, 10**9, 1.5, "3", np.nan, True]),
                "workers": st.sampled_from([0, -2, 10**18, "x", 1.5]),
            },
        )
        for name in ("parity", "mimic")
    ],
    Entry(
        "experiments.run_experiment",
        lambda **kw: hr.experiments.run_experiment(**kw, fast=True),
        {"name": st.just("parity")},
        always_mutate=True,
        hostile={
            "name": st.one_of(
                st.sampled_from(["", "PARITY ", "../x", "figure2", "__init__"]),
                HOSTILE.filter(lambda v: not (isinstance(v, str) and v in ("parity", "mimic", "figure1"))),
            )
        },
    ),
    Entry(
        "lower.compile_activation",
        lambda **kw: hr.lower.compile_activation(**kw),
        {"act": ACT, "overflow": st.sampled_from(["inf", "raise"])},
        aliases={"act": ACT_ALIASES},
    ),
    Entry(
        "export.export_activation",
        lambda **kw: hr.export.export_activation(**kw),
        {
            "act": ACT,
            "target": st.sampled_from(["numpy", "torch", "jax", "c", "latex", "neural_tangents"]),
            "name": st.sampled_from(["phi", "act"]),
        },
        aliases={"act": ACT_ALIASES},
    ),
    Entry(
        "activations.resolve", lambda **kw: hr.activations.resolve(**kw), {"spec": PHIS}, aliases={"spec": ACT_ALIASES}
    ),
    Entry(
        "activations.lookup",
        lambda **kw: hr.activations.lookup(**kw),
        {"name": st.sampled_from(["relu", "tanh", "erf", "sin", "gelu"])},
        aliases={"name": ("activation",)},
    ),
]

# --------------------------------------------------------------------------------------------
# the CLI: argv lists for hermite_rev.cli.main, called in-process
# --------------------------------------------------------------------------------------------

BAD_TOKENS = st.one_of(
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "-1",
            "0",
            "1e999",
            "10**100",
            "99999999999999999999",
            "",
            " ",
            "-",
            "--",
            "abc",
            "1.5",
            "é",
            "0x10",
            "1_000",
            "None",
            "__import__('os').system('true')",
            "-exp(c)",
            "abs(c)",
            "1/c",
            "c" * 30_000,
            "\x00",
        ]
    ),
    st.text(max_size=10),
    st.integers().map(str),
    st.floats().map(repr),
)


@dataclasses.dataclass(frozen=True)
class CliEntry:
    """One subcommand: a valid value per option (``None``: flag present, ``False``: left out)."""

    name: str
    command: str
    options: Mapping[str, st.SearchStrategy[Any]]
    budget: float = 10.0
    always_mutate: bool = False
    hostile: Mapping[str, st.SearchStrategy[Any]] = dataclasses.field(default_factory=dict)
    sizes: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    aliases: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    available: Callable[[], bool] = lambda: True


def _flag() -> st.SearchStrategy[Any]:
    return st.sampled_from([None, False])


CLI_KERNELS = st.sampled_from(
    ["relu_ntk(2)", "exp(c)", "relu_nngp(depth=2, sigma_w=sqrt(2), sigma_b=0.1)", "1 + c**2", "exponential(2)"]
)
CLI_NUMS = {"--n": st.integers(1, 8).map(str), "--dps": st.integers(8, 25).map(str)}

CLI: list[CliEntry] = [
    CliEntry(
        "cli taylor",
        "taylor",
        {"expr": CLI_KERNELS, **CLI_NUMS, "--json": _flag(), "--exact": _flag()},
        sizes=("--n", "--dps"),
    ),
    CliEntry(
        "cli reverse",
        "reverse",
        {
            "expr": CLI_KERNELS,
            **CLI_NUMS,
            "--kind": st.sampled_from(["ntk", "nngp"]),
            "--json": _flag(),
            "--export": st.sampled_from([False, "numpy", "c", "latex", "torch"]),
            "--quiet-export": _flag(),
        },
        sizes=("--n", "--dps"),
    ),
    CliEntry(
        "cli forward",
        "forward",
        {
            "phi": st.sampled_from(["tanh(z)", "relu(z)", "sin(z)", "relu", "z**2"]),
            **CLI_NUMS,
            "--kind": st.sampled_from(["ntk", "nngp"]),
            "--json": _flag(),
            "--depth": st.sampled_from(["1", "2"]),
            "--sigma-w": st.sampled_from(["1", "sqrt(2)", "1.5"]),
            "--sigma-b": st.sampled_from(["0", "0.1"]),
        },
        sizes=("--n", "--dps", "--depth"),
    ),
    CliEntry(
        "cli family",
        "family",
        {
            "expr": CLI_KERNELS,
            "--n": st.integers(2, 6).map(str),
            "--dps": st.just("15"),
            "--json": _flag(),
            "--workers": st.sampled_from([False, "1"]),
        },
    ),
    CliEntry(
        "cli spectrum",
        "spectrum",
        {
            "expr": CLI_KERNELS,
            "--d": st.integers(2, 5).map(str),
            "--kmax": st.integers(2, 10).map(str),
            "--dps": st.just("15"),
            "--json": _flag(),
        },
        sizes=("--kmax", "--d"),
    ),
    CliEntry(
        "cli verify",
        "verify",
        {
            "expr": st.just("relu_ntk(1)"),
            "--n": st.just("6"),
            "--widths": st.just("16"),
            "--workers": st.just("1"),
            "--json": st.just(None),
        },
        always_mutate=True,
        hostile={
            "--widths": st.sampled_from(["", "0", "-5", "a,b", "16,,32", "1e99", "nan", "16 32"]),
            "--workers": st.sampled_from(["0", "-1", "10**18", "x", "1.5", ""]),
            "--scheduler": st.sampled_from(["notaport", "http://x", "inproc://", "", "tcp://:1"]),
        },
    ),
    CliEntry(
        "cli experiment",
        "experiment",
        {
            "name": st.just("parity"),
            "--fast": st.just(None),
            "--trials": st.just("1"),
            "--workers": st.just("1"),
            "--json": st.just(None),
        },
        always_mutate=True,
        hostile={
            "name": st.sampled_from(["", "nope", "../x", "PARITY", "__import__('os')"]),
            "--trials": st.sampled_from(["0", "-1", "10**9", "1.5", "x", "nan", "99999999999"]),
            "--workers": st.sampled_from(["0", "-1", "10**18", "x", ""]),
            "--seed": st.sampled_from(["-1", "x", "1.5", "99999999999999999999999"]),
            "--scheduler": st.sampled_from(["notaport", "http://x", "inproc://"]),
        },
    ),
    CliEntry(
        "cli figures",
        "figures",
        {"--fast": st.just(None), "--format": st.just("png"), "--json": st.just(None)},
        always_mutate=True,
        hostile={
            "--format": st.sampled_from(["", "exe", "png,", "../x", "nan", "PNG.", "svg;rm"]),
            "--out": st.sampled_from(["", "/proc/forbidden/x", "\x00"]),
        },
    ),
]

ALL: list[Entry | CliEntry] = [*API, *CLI]
