"""Fail fast and clearly (issue 22): the package surface says what it is and writes nothing unasked.

The checks of single modules live beside them (test_sweep, test_export, test_interop_sklearn,
test_series, test_cli, test_trust); here are those that span the package.
"""

import importlib
import inspect

import pytest

import hermite_rev as hr


def test_dir_lists_only_public_names():
    names = dir(hr)
    assert "ModuleType" not in names and "importlib" not in names and "TYPE_CHECKING" not in names
    assert not [n for n in names if n.startswith("_") and not n.startswith("__")]
    for name in hr.__all__:
        assert name in names
    assert "__version__" in names


# modules whose public callables may write files (before: verify.theorem_report wrote theorem_report.png)
WRITERS = [
    "hermite_rev.experiments",
    "hermite_rev.plots",
    "hermite_rev.spectrum",
    "hermite_rev.sweep",
    "hermite_rev.verify",
]
PATH_PARAMS = {"out", "path", "filename", "fname", "file", "output"}


@pytest.mark.parametrize("module_name", WRITERS)
def test_library_calls_write_no_file_unless_given_a_path(module_name):
    # before: experiments.parity / mimic / figure1 wrote parity.png ... into the current folder by
    # default, plots.paper_figures wrote out/figures, spectrum.plot_compare spectrum_deep_vs_shallow.png
    module = importlib.import_module(module_name)
    writing_defaults = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if not callable(obj):
            continue
        try:
            params = inspect.signature(obj).parameters
        except (TypeError, ValueError):
            continue
        for p in params.values():
            if p.name in PATH_PARAMS and isinstance(p.default, str):
                writing_defaults.append(f"{name}({p.name}={p.default!r})")
    assert not writing_defaults, f"{module_name}: default output paths {writing_defaults}"


def _docs_conf():
    import pathlib
    import runpy

    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("mathjax", reason="django-static-mathjax (docs extra) is not installed")
    return runpy.run_path(str(pathlib.Path(__file__).resolve().parents[1] / "docs" / "conf.py"))


def test_docs_serve_mathjax_from_the_built_site():
    # before: Sphinx's default mathjax_path, a CDN: offline every formula showed as raw LaTeX
    conf = _docs_conf()
    assert not conf["mathjax_path"].startswith(("http:", "https:", "//"))
    assert (conf["MATHJAX_ES5"] / conf["mathjax_path"].split("/", 1)[1]).exists()
    for part in conf["MATHJAX_PARTS"]:
        assert (conf["MATHJAX_ES5"] / part).exists(), part
    # the gallery's execution-times pages load jQuery/DataTables from CDNs: not written
    assert conf["sphinx_gallery_conf"]["write_computation_times"] is False


def test_docs_gallery_hides_the_build_paths():
    conf = _docs_conf()
    out = conf["GALLERY_OUT"]
    source = [f"saved {out}/check_theorem/check_theorem.png\nfrom {conf['ROOT']}/examples/x.py"]
    conf["_scrub_build_paths"](None, "auto_examples/check_theorem", source)
    assert "saved out/check_theorem/check_theorem.png" in source[0] and "/work/" not in source[0]
    assert str(conf["ROOT"]) not in source[0]
    assert conf["html_copy_source"] is False


# --- reprs: a REPL echo of a result is one short line --------------------------------------


def _deep_results():
    import sympy

    from hermite_rev._core.text import REPR_LIMIT

    K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    assert len(str(K)) > 9000  # the kernel's own text (a plain sympy expression)
    long_kernel = sum(sympy.exp(hr.c / (k + 2)) / (k + 1) ** 2 for k in range(60))  # no label
    return REPR_LIMIT, {
        "taylor at 400 digits": hr.taylor(K, 40, dps=400),
        "exact taylor": hr.taylor(long_kernel, 6, exact=True),
        "tail": hr.taylor(K, 5).tail,
        "family": hr.reverse(K, n=5),
        "activation": hr.reverse(long_kernel, n=30, dps=15).activation(),
        "hermite 40": hr.hermite_coeffs("relu", 40),
        "spectrum": hr.spectrum.spectrum(long_kernel, d=3, kmax=3, dps=15),
        "sklearn": hr.interop.SklearnKernel(long_kernel),
    }


def test_reprs_of_results_are_bounded():
    # before: hr.hermite_coeffs("relu", 40) echoed 2447 characters, six exact Taylor coefficients
    # 961; a deep kernel's own text has ~9400 (a plain sympy expression: the results name it by
    # its label)
    limit, results = _deep_results()
    for name, value in results.items():
        text = repr(value)
        assert len(text) <= limit, (name, len(text))
        assert "\n" not in text, name
    assert "relu_ntk(depth=4" in repr(results["family"])  # the label, not the expression


def test_deep_report_repr_is_bounded():
    fam = hr.deep_reverse(hr.kernels.relu_nngp(depth=2), 2, n=5, dps=15, sigma_w=1e150)
    assert len(repr(fam.report)) <= 400 and repr(fam.report).startswith("DeepReport(method=")
    assert len(repr(fam)) <= 400


# --- long work says how long it will take ----------------------------------------------------


def test_long_taylor_expansion_announces_its_time(capsys, monkeypatch):
    # before: hr.taylor("relu_ntk(depth=1000)", 1000) ran for minutes without a word (issue 22)
    from hermite_rev._core import limits
    from hermite_rev.series import _taylor

    hr.taylor("relu_ntk(depth=3)", 400)
    assert capsys.readouterr().err == ""  # a short expansion stays silent
    monkeypatch.setitem(limits.LIMITS, "announce_seconds", 0)
    monkeypatch.setattr(_taylor, "_ANNOUNCE_WORK", 0)
    a = hr.taylor("relu_ntk(depth=3)", 400)
    err = capsys.readouterr().err
    assert err.startswith("hermite_rev: taylor: 400 coefficients of relu_ntk(depth=3) at 30 digits: about ")
    assert "timed at 50 coefficients" in err and len(err.strip().splitlines()) == 1
    assert a == hr.taylor("relu_ntk(depth=3)", 400)  # the timing run changes nothing


def test_kmax_limit_says_what_finishes_and_why():
    # before: kmax=5000 was allowed and spectrum(relu_ntk(depth=4), d=3, kmax=5000) ran for over 2 minutes
    for call in (
        lambda: hr.spectrum.spectrum(hr.kernels.relu_ntk(depth=4), d=3, kmax=5000),
        lambda: hr.spectrum.decay("exp(c)", d=3, kmax=2001),
    ):
        with pytest.raises(hr.HermiteRevError, match=r"at most 2000 is supported: spectrum/decay time grows") as info:
            call()
        assert "\n" not in str(info.value)


# --- found by the API-wide fuzzer (tests/fuzz_api.py): each failed before its fix ---------------


def _refused(call, *words, seconds=5.0):
    """``call()`` raises a one-line ValueError naming each of ``words``, within ``seconds``."""
    import time

    t0 = time.perf_counter()
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message, message
    for word in words:
        assert word in message, message
    assert time.perf_counter() - t0 < seconds
    return message


ARRAY_2D = __import__("numpy").ones((3, 2))


@pytest.mark.parametrize(
    "call, word",
    [
        # before: the array's multi-line repr went into the message
        (lambda: hr.family.reverse("relu_ntk(1)", n=3).activation().export("numpy", name=ARRAY_2D), "name"),
        (lambda: hr.activations.lookup(ARRAY_2D), "activation"),
        (lambda: hr.activations.resolve(ARRAY_2D), "activation"),
        (lambda: hr.verify.width_scaling("relu", widths=[ARRAY_2D], seeds=range(1), cs=[0.5]), "width"),
    ],
)
def test_messages_that_show_an_array_stay_on_one_line(call, word):
    _refused(call, word)


@pytest.mark.parametrize("k", [float("inf"), float("nan"), set(), 49193524310305.0, -1, "3"])
def test_hermite_norm_checks_its_degree(k):
    # before: OverflowError, TypeError, an unnamed "cannot convert float NaN", or a hang (k=4.9e13)
    _refused(lambda: hr.hermite_norm(k), "k")


def test_hermite_norm_still_takes_integers():
    assert hr.hermite_norm(2) == hr.hermite_norm(2.0) == hr.hermite_norm(__import__("numpy").int8(2))


def test_network_kernel_methods_check_their_rows():
    import numpy as np

    N = hr.network_kernel("relu")
    _refused(lambda: N.gram(float("nan")), "A")  # before: AttributeError
    _refused(lambda: N.gram(np.ones((2, 3)), np.ones((2, 4))), "B")
    assert N.gram(np.ones((2, 3))).shape == (2, 2)


def test_network_kernel_reads_activation_expressions():
    # before: "closed forms for activation 'relu' (Max(0, z)) and 'erf' (erf(z)) only, got erf(z)"
    assert hr.network_kernel("erf(z)") == hr.network_kernel("erf")
    assert hr.network_kernel("relu(z)") == hr.network_kernel("relu")


def test_accuracy_checks_its_arrays():
    import numpy as np

    _refused(lambda: hr.nets.accuracy(float("nan"), np.ones((4, 1))), "F")  # before: AttributeError
    _refused(lambda: hr.nets.accuracy(np.ones((4, 1)), np.False_), "Y")  # before: IndexError
    _refused(lambda: hr.nets.accuracy(np.ones((4, 1)), np.ones((3, 1))), "shape")
    assert hr.nets.accuracy(np.array([1.0, -1.0]), np.array([1.0, 1.0])) == 0.5


def test_signs_of_needs_a_member():
    fam = hr.reverse("relu_ntk(2)", n=6, dps=15)
    _refused(lambda: fam.signs_of(float("nan")), "act")  # before: AttributeError
    _refused(lambda: fam.signs_of(hr.reverse("exp(c)", n=3).activation()), "act")
    act = fam.activation()
    assert fam.activation(fam.signs_of(act)) == act


def test_series_helpers_check_their_input():
    from hermite_rev.series import certify_convergence, evaluate_at, sign_certificate

    _refused(lambda: sign_certificate(float("nan")), "expr")  # before: AttributeError
    _refused(lambda: certify_convergence(float("nan")), "expr")
    _refused(lambda: evaluate_at("exp(c)", 0.5, dps="z**2"), "dps")  # before: TypeError
    _refused(lambda: evaluate_at("exp(c)", "__import__('os')"), "point")  # text never reaches sympify
    assert sign_certificate("exp(c)").proven


def test_experiments_check_name_seed_and_fraction():
    import numpy as np

    _refused(lambda: hr.experiments.run_experiment(np.array(179, dtype=np.uint8)), "179")  # before: TypeError
    for run in (hr.experiments.parity, hr.experiments.mimic):
        # before: numpy's "expected non-negative integer" (no name), after the kernel work
        _refused(lambda run=run: run(seed=-1, fast=True, progress=False), "seed", seconds=2)
    _refused(lambda: hr.experiments.wine_data(seed=float("nan")), "seed")  # before: TypeError from numpy
    X, y = np.ones((8, 3)) + np.arange(8)[:, None], np.array([0, 1] * 4)
    _refused(lambda: hr.experiments.classification_data(X, y, train_fraction="x"), "train_fraction")


def test_power_eigenvalue_refuses_nan():
    _refused(lambda: hr.spectrum.power_eigenvalue(float("nan"), 1, 3), "nu")  # before: returned nan
    # before: 2**(1e308) in gmpy2 killed the interpreter ("Fatal Python error: Floating point exception")
    _refused(lambda: hr.spectrum.power_eigenvalue(1e308, 1, 3), "nu")
    assert hr.spectrum.power_eigenvalue(0.5, 0, 3) > 0


def test_compile_activation_checks_its_coefficients():
    import sympy

    _refused(lambda: hr.lower.compile_activation("{0.__globals__}"), "act")  # before: "could not convert string"
    _refused(lambda: hr.lower.compile_activation([1, sympy.Symbol("x")]), "b_1")  # before: TypeError
    _refused(lambda: hr.lower.compile_activation(range(10**12)), "at most", seconds=2)  # before: a hang


def test_kernel_regime_gap_checks_lr_and_seed():
    import numpy as np

    kw = dict(widths=(16,), n_train=4, d_in=2, epochs=2, seeds=range(1), progress=False, workers=1)
    # before: numpy's "truth value of an empty array is ambiguous"
    _refused(lambda: hr.verify.kernel_regime_gap("relu", lr=np.array([]), **kw), "lr")
    _refused(lambda: hr.verify.kernel_regime_gap("relu", lr=-1, **kw), "lr")
    _refused(lambda: hr.verify.kernel_regime_gap("relu", seed=-3, **kw), "seed")


def test_fit_spectrum_and_decay_results_pickle_equal():
    import pickle

    # before: FitResult == raised on its params array (and its bases compared by identity);
    # Spectrum and DecayReport came back from pickle with a rebuilt kernel and compared unequal
    fit = hr.fit.fit_kernel("exp(c)", grid=18, restarts=1, max_nfev=8, check_grid=51)
    spec = hr.spectrum.spectrum(hr.kernels.relu_ntk(3), 3, 8, dps=15)
    rep = hr.spectrum.decay("relu_nngp(2)", 2, kmax=14, dps=13)
    for value in (fit, spec, rep, hr.fit.paper_form()):
        back = pickle.loads(pickle.dumps(value))
        assert back == value and hash(back) == hash(value)
    assert hr.fit.Poly(2) == hr.fit.Poly(2) != hr.fit.Poly(3)


def test_flags_kinds_and_numpy_times_are_checked():
    import numpy as np

    # before: numpy's "truth value of an empty array is ambiguous"
    _refused(lambda: hr.taylor("exp(c)", 3, exact=np.array([], dtype=">f4")), "exact")
    assert hr.taylor("exp(c)", 3, exact=np.True_) == hr.taylor("exp(c)", 3, exact=True)
    # before: TypeError from int(NaT) (timedelta64 is a numbers.Integral)
    _refused(lambda: hr.network_kernel("relu", sigma_b=np.timedelta64("NaT", "ms")), "sigma_b")
    # before: the array's truth value; "NTK" was refused here and accepted everywhere else
    _refused(lambda: hr.network_kernel("relu", kind=np.ones(3, dtype=np.float16)), "kind")
    assert hr.network_kernel("relu", kind="NTK") == hr.network_kernel("relu", kind="ntk")


def test_zero_dimensional_arrays_and_array_options():
    import numpy as np

    X, Y = np.ones((4, 3)), np.ones((4, 1))
    # before: TypeError "iteration over a 0-d array" / "'int' object is not iterable"
    _refused(lambda: hr.predict.gradient_descent_mse(np.array(False), X, Y, X), "K")
    _refused(lambda: hr.verify.width_scaling("relu", widths=(16, 32), seeds=range(1), cs=-482, workers=1), "-482")
    K = hr.kernels.inhomogeneous_polynomial(2, offset=np.array(3, dtype=np.uint16))
    assert K == hr.kernels.inhomogeneous_polynomial(2, offset=3)
    # before: numpy's truth-value error
    act = hr.reverse("exp(c)", n=3).activation()
    _refused(lambda: hr.lower.compile_activation(act, overflow=np.ones(2)), "overflow")
    # before: int(NaT) raised TypeError inside the size check
    _refused(lambda: hr.verify.width_scaling("relu", widths=np.array(["NaT"] * 4, dtype="timedelta64[M]")), "width")


def test_gegenbauer_checks_t_and_k():
    _refused(lambda: hr.spectrum.gegenbauer(2, 3, "nan"), "t")  # before: TypeError from str + int
    _refused(lambda: hr.spectrum.gegenbauer(165540769729, 3, 0.5), "k")  # before: a hang
    assert hr.spectrum.gegenbauer(2, 3, 0.5) == -0.125


def test_ball_hermite_beyond_300_digits_has_no_cliff():
    # the targets 10^-dps were floats (0.0 beyond ~308 digits) and every panel was halved to
    # depth 24 looking for < 160 nodes that no ellipse gives beyond ~340 digits: > 100 s
    import time

    import mpmath

    t = time.perf_counter()
    b = hr.hermite_coeffs("tanh", 12, dps=400)
    assert time.perf_counter() - t < 20
    lo = hr.hermite_coeffs("tanh", 12, dps=60)
    with mpmath.workdps(60):
        assert abs(b[1] - lo[1]) < mpmath.mpf(10) ** -58


@pytest.mark.parametrize(("depth", "n", "word"), [(2, 200, "n must be at most 140"), (6, 100, "depth x n^2")])
def test_deep_reverse_limits_say_what_finishes(depth, n, word):
    # depth 2 at n=200 and depth 6 at n=100 ran for minutes inside the old limits (n <= 200)
    with pytest.raises(ValueError, match=r"(?s)^" + ".*" + word.replace("^", r"\^")) as info:
        hr.deep_reverse(hr.kernels.relu_nngp(2), depth=depth, n=n)
    assert "\n" not in str(info.value) and "s at" in str(info.value)


def test_quadrature_kernel_work_limit_and_fraction_cosines():
    from fractions import Fraction

    from hermite_rev import verify

    # 10^5 cosines at 30 digits (0.15-0.5 s each) were allowed: hours
    with pytest.raises(ValueError, match=r"cosines x max\(dps, 30\) must be at most") as info:
        verify.quadrature_kernel("tanh", "nngp", cs=[0.5] * 1000, dps=30)
    assert "\n" not in str(info.value)
    verify.quadrature_kernel("relu", "nngp", cs=[0.5] * 1000, dps=None)  # float64 stays unlimited
    # a Fraction was a TypeError inside mpmath: now an exact rational
    kv = verify.quadrature_kernel("relu", "nngp", cs=[Fraction(1, 2)], dps=20)
    ref = verify.quadrature_kernel("relu", "nngp", cs=[0.5], dps=20)
    assert abs(kv.values[0] - ref.values[0]) < 1e-15


@pytest.mark.parametrize("name", ["sigma_w", "sigma_b"])
def test_kernel_of_bounds_the_layer_variances(name):
    # kernel_of("tanh(z)", sigma_b=1e12) took 88 s (the proven coefficients of a saturated layer)
    with pytest.raises(ValueError, match=rf"^\|{name}\| must be at most 1e\+08.*88 s") as info:
        hr.kernel_of("tanh(z)", **{name: 1e12})
    assert "\n" not in str(info.value)


def test_smaller_fail_fast_cases():
    from hermite_rev import experiments, nets, spectrum, verify

    # scipy's "Residuals are not finite in the initial point" leaked
    _refused(lambda: hr.deep_reverse("exp(exp(10*c))", depth=1, n=6), "exp(exp(10*c))")
    _refused(lambda: nets.sphere_inputs({}), "X")  # was a TypeError
    _refused(lambda: experiments.parity_kernel(beta=None), "beta")  # was an AttributeError
    _refused(lambda: spectrum.endpoint_expansion("relu_ntk(depth=2)", order=4e15), "order")  # MemoryError
    # sigma_w as the kernels take it (was "must be a real number")
    assert nets.FCN(3, [8], sigma_w="sqrt(2)").sigma_w == pytest.approx(2**0.5)
    a = verify.empirical_kernel("relu", "nngp", cs=[0.5], width=64, sigma_w="sqrt(2)")
    b = verify.empirical_kernel("relu", "nngp", cs=[0.5], width=64, sigma_w=2**0.5)
    assert a == pytest.approx(b)


def test_degenerate_power_laws_say_why_the_exponent_is_nan():
    import math

    from hermite_rev import verify

    kw = dict(progress=False, workers=1)
    with pytest.warns(hr.HermiteRevWarning, match="exponent is NaN"):
        r = verify.width_scaling("relu", "nngp", widths=[8, 8], seeds=[0, 1], cs=[0.5], **kw)
    assert math.isnan(r["exponent"])
    with pytest.warns(hr.HermiteRevWarning, match="exponent is NaN"):
        g = verify.kernel_regime_gap("relu", widths=(16,), n_train=4, d_in=2, epochs=2, seeds=range(1), **kw)
    assert math.isnan(g["exponent"])


def test_empirical_kernel_refuses_an_overflowing_net():
    # a huge sigma_b returned inf unannounced (the fuzzer: sigma_b=-1.07e13)
    _refused(lambda: hr.verify.empirical_kernel("relu", "nngp", cs=[0.5], width=16, sigma_b=1e200), "sigma_b")


def test_more_hostile_inputs_found_by_the_long_fuzzer_run():
    import numpy as np

    from hermite_rev import spectrum, verify

    _refused(lambda: hr.kernels.polynomial(np.array(0, dtype=np.int32)), "coeffs")  # TypeError (0-d iteration)
    _refused(lambda: spectrum.eigenvalue_quad("relu_ntk(depth=2)", 3, 1, dps=2**63), "dps")  # TypeError in gmpy
    _refused(lambda: verify.analytic_kernel("relu", "nngp", cs=[0.5 + 1j]), "cs")  # '<' on a complex


def test_run_tasks_counts_a_huge_range_before_listing_it():
    from hermite_rev import sweep

    _refused(lambda: sweep.run_tasks(abs, range(10**12), workers=1, progress=False), "tasks")  # MemoryError
    _refused(lambda: sweep.run_tasks(abs, range(10**20), workers=1, progress=False), "tasks")


def test_sizes_without_a_limit_found_by_the_long_fuzzer_run():
    from hermite_rev import experiments, fit, verify

    # each ran past 10 s (or into a MemoryError)
    _refused(lambda: verify.gauss_hermite(20, dps=18877794195490), "dps")
    _refused(lambda: fit.fit_kernel("exp(c)", kind="nngp", restarts=10**30), "restarts")
    _refused(lambda: experiments.mimic(trials=10**9), "trials")
    fam = hr.reverse("exp(c - 1)", "nngp", n=4, dps=15)
    _refused(lambda: fam.best("sup", grid=10**9, workers=1, progress=False), "grid")


def test_power_eigenvalue_and_endpoint_bound_their_digits():
    # power_eigenvalue(dps=huge) killed the interpreter (SIGFPE inside gmpy2's square root)
    _refused(lambda: hr.spectrum.power_eigenvalue(0.5, 2, 3, dps=10**15), "dps")
    _refused(lambda: hr.spectrum.endpoint_expansion("relu_ntk(depth=2)", dps=10**15), "dps")


def test_round_end_fuzz_findings():
    """The long API fuzz run on the merged tree: these raised TypeError, 'truth value of an
    array', or a SweepTaskError about a task instead of naming the parameter."""
    import numpy as np

    assert list(hr.kernel_of(0, "nngp", n=3)) == [0, 0, 0]  # the zero activation (degree -oo)
    with pytest.raises(hr.HermiteRevError, match="sigma_w"):
        hr.reverse("exp(c)", "ntk", n=3, sigma_w=np.array([[1, 2], [3, 4]]))
    with pytest.raises(hr.HermiteRevError, match="dps"):
        hr.reverse("exp(c)", "ntk", n=3, dps=np.timedelta64(-13, "D"))
    for seeds in ("None", [1, "a"], [-1]):
        with pytest.raises(hr.HermiteRevError, match="seeds"):
            hr.verify.width_scaling("tanh", seeds=seeds)
    with pytest.raises(hr.HermiteRevError, match="seeds"):
        hr.verify.kernel_regime_gap(seeds="3\x89")


def test_fuzz_findings_of_the_final_run():
    """The open problems of the final API fuzz run (docs/guide/trust.md): each raised an error that
    did not name the parameter, came back as a SweepTaskError from inside a task, or ran past 10 s."""
    import numpy as np

    from hermite_rev import experiments, fit, spectrum, sweep, verify

    # the message said "unknown experiment array([...])" without naming name
    when = np.array(["2020-01-01"], dtype="datetime64[D]")
    _refused(lambda: experiments.run_experiment(name=when), "name", "2020-01-01")
    _refused(lambda: experiments.paper_figures(""), "out", "''")  # before: FileNotFoundError: ''
    # a huge constant activation: an OverflowError (10**400), an error naming lr (10**20), or inf
    # returned (1e300) / failing inside a task (1.79e308) instead of naming act
    gap = dict(widths=(16,), n_train=4, d_in=2, epochs=5, seeds=range(1), progress=False, workers=1)
    _refused(lambda: verify.kernel_regime_gap(act=10**400, **gap), "act", "1000000000")
    _refused(lambda: verify.kernel_regime_gap(act=10**20, **gap), "act", "lr=0.5")
    scaling = dict(widths=(16, 32), seeds=range(1), cs=[0.5], workers=1)
    for act in (1e300, 1.79e308, 10**400):
        _refused(lambda act=act: verify.analytic_kernel(act, "nngp", [0.5]), "act", "overflows")
        _refused(lambda act=act: verify.quadrature_kernel(act, "ntk", [0.5], dps=None), "act", "overflows")
        _refused(lambda act=act: verify.width_scaling(act, **scaling), "act", "overflows")
    # a string as tasks: list("abc") made three tasks, each failing inside fn (a SweepTaskError)
    _refused(lambda: sweep.run_tasks(abs, "abc", workers=1, progress=False), "tasks", "'abc'")
    _refused(lambda: sweep.run_tasks(abs, b"ab", workers=1, progress=False), "tasks")
    # sizes that ran past 10 s: restarts=512 (and grid=10**6) of fit_kernel, j=4e11 of funk_hecke_power
    msg = _refused(lambda: fit.fit_kernel("exp(c)", restarts=512, grid=31, max_nfev=20), "restarts=512", "64")
    assert "s at grid=31" in msg  # the limit says what it costs (LIMITS / REASONS)
    _refused(lambda: fit.fit_kernel("exp(c)", grid=10**6), "grid=1000000")
    _refused(lambda: fit.fit_kernel("exp(c)", check_grid=10**9), "check_grid")
    _refused(lambda: fit.fit_kernel("exp(c)", max_nfev=10**9), "max_nfev")
    _refused(lambda: spectrum.funk_hecke_power(4e11, 0, 3), "j=400000000000", "20000")
    _refused(lambda: spectrum.funk_hecke_power(10**400, 2, 3), "j=")


def test_funk_hecke_power_at_its_limit_is_exact_and_quick():
    """The product-tree evaluation agrees with the step-by-step ratios, and j = 20000 (the limit)
    takes well under a second."""
    import time
    from fractions import Fraction

    import sympy

    from hermite_rev.spectrum import funk_hecke_power

    def by_ratios(j, k, d):  # mu_k(c^k) = prod (i+1)/(2i+d), then the ratio mu_k(c^{i+2}) / mu_k(c^i)
        if j < k or (j - k) % 2:
            return 0
        v = Fraction(1)
        for i in range(k):
            v *= Fraction(i + 1, 2 * i + d)
        for i in range(k, j, 2):
            v *= Fraction((i + 2) * (i + 1), (i - k + 2) * (i + k + d))
        return sympy.Rational(v.numerator, v.denominator)

    for j, k, d in [(0, 0, 2), (2, 0, 3), (2, 2, 3), (7, 3, 5), (40, 6, 4), (301, 11, 9), (12, 5, 3)]:
        assert funk_hecke_power(j, k, d) == by_ratios(j, k, d), (j, k, d)
    assert funk_hecke_power(20000, 0, 3) == sympy.Rational(1, 20001)  # mu_0(c^j) = 1/(j+1) on S^2
    t0 = time.perf_counter()
    funk_hecke_power(20000, 20000, 10**6)
    assert time.perf_counter() - t0 < 2


def test_sign_certificate_of_the_zero_kernel_has_a_finite_degree():
    # before: degree=-oo (sympy's degree of the zero polynomial)
    import sympy

    from hermite_rev.series import sign_certificate

    for zero in (0, "0", sympy.S.Zero, 0 * hr.c):
        cert = sign_certificate(zero)
        assert cert.proven and cert.reason == "polynomial" and cert.degree == 0 and type(cert.degree) is int
    assert sign_certificate(1 + hr.c**3).degree == 3


def test_width_scaling_with_one_seed_announces_its_nan_stderr():
    # the fuzzer: a NaN exponent_stderr returned without a warning (one seed has no spread)
    with pytest.warns(hr.HermiteRevWarning, match="exponent_stderr is NaN"):
        r = hr.verify.width_scaling("relu", widths=(16, 32), seeds=range(1), cs=[0.5], workers=1)
    assert r["exponent_stderr"] != r["exponent_stderr"] and r["exponent"] == r["exponent"]


def test_messages_stay_one_line_when_they_quote_a_multiline_repr():
    # the fuzzer: a 3-D array or a NaT array quoted in the message broke it over lines
    import numpy as np

    fam = hr.reverse("exp(c)", n=4)
    with pytest.raises(hr.HermiteRevError, match="interval") as err:
        fam.best("sup", interval=np.array([[[6746], [554]]]))
    assert "\n" not in str(err.value) and "[[[6746],[554]]]" in str(err.value).replace(" ", "")
    nat = np.array([[["NaT", "NaT"]]], dtype="datetime64[ns]")
    with pytest.raises(hr.HermiteRevError, match="method") as err:
        hr.predict.compile_kernel("exp(c)", method=nat)
    assert "\n" not in str(err.value)


def test_parity_kernel_takes_numpy_scalars_and_tiny_beta():
    # before: kappa=array(5.) raised AttributeError (nsimplify of an array), and beta=2e-274
    # became 0 under nsimplify, so K = 0/0 ("kernel must be real and finite, got nan")
    import numpy as np
    import sympy

    from hermite_rev.experiments import parity_kernel

    K, fam, _ = parity_kernel(beta=np.array(5.0), kappa=np.array(5.0), n=8)
    assert K == 5 * sympy.sinh(5 * hr.c) / sympy.sinh(5)
    K, fam, _ = parity_kernel(beta=1.9914884367676022e-274, n=8)
    assert K.has(sympy.sinh) and abs(float(fam.taylor[1]) - 4.6) < 1e-12  # K ~ 4.6 c for tiny beta
    assert parity_kernel(n=8)[0] == sympy.Rational(23, 5) * sympy.sinh(36 * hr.c) / sympy.sinh(36)
    with pytest.raises(hr.HermiteRevError, match="beta must be nonzero"):
        parity_kernel(beta=0.0)


def test_sphere_inputs_refuses_non_finite_rows_and_scales_huge_ones():
    import numpy as np

    from hermite_rev.nets import sphere_inputs

    with pytest.raises(hr.HermiteRevError, match="X must be finite.*inf"):
        sphere_inputs([[np.inf, np.inf], [np.inf, np.inf]])
    X = sphere_inputs([[1e200, 2e200], [3.0, 4.0]])  # before: the norm overflowed, the row became 0
    np.testing.assert_allclose(X, np.sqrt(2) * np.array([[1, 2] / np.sqrt(5), [0.6, 0.8]]), rtol=1e-15)


def test_endpoint_expansion_names_a_bad_point():
    import numpy as np

    from hermite_rev.spectrum import endpoint_expansion

    for bad in (np.zeros((0, 4, 0), dtype=np.uint8), True, 2, "1"):
        with pytest.raises(hr.HermiteRevError, match="point must be 1 or -1, got point="):
            endpoint_expansion("exp(c)", bad, order=2)
    assert endpoint_expansion("exp(c)", np.int64(-1), order=2).point == -1


def test_later_fuzz_run_findings_in_verify_and_nets():
    import numpy as np

    from hermite_rev.nets import FCN, sphere_inputs

    # theorem_report with no widths or no seeds (before: numpy's broadcast error, "min() arg is empty")
    with pytest.raises(hr.HermiteRevError, match=r"widths=\[\]"):
        hr.verify.theorem_report("exp(c)", n=4, cs=[0.5], widths=np.zeros((0, 3)), out=None)
    with pytest.raises(hr.HermiteRevError, match=r"seeds=\[\]"):
        hr.verify.theorem_report("exp(c)", n=4, cs=[0.5], seeds=np.array([]), out=None)
    with pytest.raises(hr.HermiteRevError, match=r"widths=\[\]"):
        hr.verify.kernel_regime_gap("relu", widths=[], epochs=10)
    # numpy scalar cosines (before: TypeError "cannot create mpf from np.int8(0)")
    for v in (np.int8(0), np.float32(0.5), np.longdouble(0.25)):
        got = hr.verify.quadrature_kernel("relu", "nngp", cs=v)
        ref = hr.verify.quadrature_kernel("relu", "nngp", cs=float(v))
        assert got.cs == ref.cs and got.values == ref.values
    # FCN sizes (before: a 4.7e16 GiB message naming widths for a huge d_in)
    with pytest.raises(hr.HermiteRevError, match="d_in=1588872234062850897739776 is too large"):
        FCN(1588872234062850897739776, [4, 4])
    with pytest.raises(hr.HermiteRevError, match=r"GiB \(at most 16\)") as err:
        FCN(4096, [4096] * 2000)
    assert len(str(err.value)) < 200
    # X = range(10**12) (before: MemoryError)
    with pytest.raises(hr.HermiteRevError, match="X must be a 2-D array"):
        sphere_inputs(range(10**12))


def test_activation_strings_may_be_expressions_in_z():
    # network_kernel read "tanh(z)"; verify's calls only knew names (the fuzzer drew "relu(z)")
    np = pytest.importorskip("numpy")
    for expr, name in (("tanh(z)", "tanh"), ("relu(z)", "relu"), ("z", "linear")):
        a = hr.verify.analytic_kernel(expr, "nngp", [0.0, 0.5, 1.0])
        b = hr.verify.analytic_kernel(name, "nngp", [0.0, 0.5, 1.0])
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    with pytest.raises(hr.HermiteRevError, match=r"activation '__import__\(\"os\"\)': unknown function '__import__'"):
        hr.verify.analytic_kernel('__import__("os")', "nngp", [0.5])
    with pytest.raises(hr.HermiteRevError, match="unknown activation name 'tanhh'; known names"):
        hr.verify.analytic_kernel("tanhh", "nngp", [0.5])


def test_third_fuzz_run_findings():
    import numpy as np

    # a parse error inside an activation's text quotes the text (it said only "depth must be ...")
    with pytest.raises(hr.HermiteRevError, match=r"activation 'relu_ntk\(depth=10\*\*9\)': depth must be at most"):
        hr.kernel_of("relu_ntk(depth=10**9)", "nngp", n=4)
    # a kernel too large for float64 squares (before: grid_rms = inf)
    with pytest.raises(hr.HermiteRevError, match="too large for a float64 least-squares fit"):
        hr.fit.fit_kernel(-1.6617351281792257e305, restarts=1, grid=11, max_nfev=5)
    # the zero kernel (before: relative_std = 0/0 = nan in the report)
    with pytest.raises(hr.HermiteRevError, match="K is the zero kernel"):
        hr.verify.theorem_report(np.array([0, 0], dtype=np.uint8), n=4, cs=[0.5], out=None)


def test_eigenvalue_quad_bounds_its_degree():
    # the fuzzer: eigenvalue_quad(k=1.12e28) ran past 10 s (time ~ k^2; LIMITS["quad_k"])
    from hermite_rev import spectrum
    from hermite_rev._core.limits import LIMITS

    msg = _refused(lambda: spectrum.eigenvalue_quad("exp(c)", 3, 1.1220778123552603e28), "k=")
    assert msg.startswith("k=11220778123") and f"at most {LIMITS['quad_k']}" in msg
    _refused(lambda: spectrum.eigenvalue_quad("exp(c)", 3, LIMITS["quad_k"] + 1), f"k={LIMITS['quad_k'] + 1}")
    _refused(lambda: spectrum.eigenvalue_quad("exp(c)", 3, -1), "k=-1")


def test_erf_kernels_bound_their_depth():
    # the fuzzer: erf_nngp(depth=92) ran past 10 s (building it grows ~8x a layer: depth 8 took 82 s)
    import time

    t0 = time.perf_counter()
    for fn in (hr.kernels.erf_nngp, hr.kernels.erf_ntk):
        with pytest.raises(hr.HermiteRevError, match="depth=92 is too large: at most 5"):
            fn(depth=92)
    assert time.perf_counter() - t0 < 1
    assert hr.kernels.erf_ntk(5).has(__import__("sympy").asin)


def test_last_fuzz_run_findings():
    # Activation.kernel(n=10**9) filled 24 GiB with zero coefficients (the fuzz run was OOM-killed);
    # FitResult.activation(n) likewise; fit_kernel(0) divided by zero
    act = hr.reverse("exp(c)", n=4).activation()
    with pytest.raises(hr.HermiteRevError, match="n=1000000000 is too large"):
        act.kernel("ntk", n=10**9)
    assert len(act.kernel("ntk", n=6)) == 6
    with pytest.raises(hr.HermiteRevError, match="is 0 on"):
        hr.fit.fit_kernel(0, restarts=1, grid=11, max_nfev=5)
    res = hr.fit.fit_kernel(hr.kernels.arccos(1) * 2, hr.fit.Form((hr.fit.ReLU(),)), "nngp", restarts=1)
    with pytest.raises(hr.HermiteRevError, match="n=1000000000 is too large"):
        res.activation(n=10**9)
