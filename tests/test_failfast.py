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
