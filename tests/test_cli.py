import json
import subprocess
import sys

import mpmath
import pytest
import sympy

import hermite_rev as hr
from hermite_rev.cli import main


def run(capsys, *argv):
    try:
        rc = main(list(argv))
    except SystemExit as exc:  # usage errors caught while parsing (sizes, output paths): status 2
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def test_taylor_json_matches_library(capsys):
    rc, out, _ = run(capsys, "taylor", "relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=1/10)", "--n", "6", "--json")
    assert rc == 0
    data = json.loads(out)
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    want = hr.taylor(K, 6, dps=30)
    with mpmath.workdps(30):
        assert all(mpmath.mpf(x).ae(y) for x, y in zip(data["coefficients"], want))
        assert mpmath.mpf(data["k1"]).ae(mpmath.mpf("5.07"))


def test_taylor_exact_table(capsys):
    rc, out, _ = run(capsys, "taylor", "arccos(1)", "--n", "5", "--exact")
    assert rc == 0
    assert "1/(24*pi)" in out and "1/(2*pi)" in out


def test_reverse_with_signs_json(capsys):
    rc, out, _ = run(capsys, "reverse", "exp(c)", "--kind", "nngp", "--n", "4", "--signs", "+-++", "--json")
    assert rc == 0
    data = json.loads(out)
    with mpmath.workdps(30):
        b = [mpmath.mpf(x) for x in data["coefficients"]]
        assert b[1] == -1 and b[3].ae(1 / mpmath.sqrt(6))
    assert data["family_size"] == "16"


def test_reverse_table_for_humans(capsys):
    rc, out, _ = run(capsys, "reverse", "relu_ntk(depth=2)", "--n", "8")
    assert rc == 0
    assert "family: 256 = 2**8 members" in out or "2**" in out
    assert "truncation: K(1) - sum_k a_k <=" in out


def test_forward_depth_and_sigmas(capsys):
    rc, out, _ = run(
        capsys,
        "forward",
        "Max(0, z)",
        "--depth",
        "4",
        "--sigma-w",
        "sqrt(2)",
        "--sigma-b",
        "1/10",
        "--n",
        "3",
        "--json",
    )
    assert rc == 0
    data = json.loads(out)
    with mpmath.workdps(30):
        assert mpmath.mpf(data["k1"]).ae(mpmath.mpf("5.07"))
        assert mpmath.mpf(data["coefficients"][0]).ae(
            hr.taylor(hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10)), 1)[0]
        )


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["taylor", "sqrt(c)"], "not analytic"),
        (["taylor", "c + x"], "free symbol"),
        (["reverse", "cos(c)"], "a_2 = -0.5"),
        (["reverse", "1/(1-c)"], "infinite at c = 1"),
        (["taylor", "exp(c)", "--n", "0"], "n=0"),
        (["taylor", "__import__('os').system('true')"], "only calls of named functions"),
        (["reverse", "exp(c)", "--n", "3", "--signs", "++"], "one entry per nonzero"),
        (["forward", "sqrt(Max(0, z))", "--n", "4"], "singular points"),  # phi'^2 ~ 1/(4z): infinite NTK
        (["forward", "log(z)", "--n", "4"], "not real at z = -20"),
        (["verify", "exp(c)", "--n", "4", "--widths", "64", "64"], "--widths must be distinct"),
        (["spectrum", "exp(c)", "--d", "3", "--kmax", "-1"], "kmax=-1"),
    ],
)
def test_bad_input_exit_code_2_one_line(capsys, argv, needle):
    rc, out, err = run(capsys, *argv)
    assert rc == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_console_script_usage_error_exit_2():
    proc = subprocess.run(
        [sys.executable, "-m", "hermite_rev.cli", "reverse", "exp(c)", "--kind", "gp"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


def test_family_best_member_json(capsys):
    rc, out, _ = run(capsys, "family", "relu_ntk(depth=2)", "--n", "8", "--best", "sup", "--json")
    assert rc == 0
    data = json.loads(out)
    best = data["best"]
    assert data["family_size"] == "256"
    assert best["method"] == "gray-code" and best["examined"] >= 128
    # the reported value is the sup norm of the reported member on [-3, 3]
    import numpy as np

    from hermite_rev.hermite import hermite_norm_eval_np

    xs = np.linspace(-3, 3, 2001)
    sup = np.abs(hermite_norm_eval_np([float(b) for b in best["coefficients"]], xs)).max()
    assert abs(sup - best["value"]) <= 1e-2 * sup


def test_spectrum_with_decay(capsys):
    rc, out, _ = run(capsys, "spectrum", "arccos(1)", "--d", "5", "--kmax", "100", "--decay", "--json")
    assert rc == 0
    data = json.loads(out)
    assert data["decay"]["fit_range"] == [25, 100]
    assert data["decay"]["even"]["predicted_exponent"] == -7.0
    assert abs(data["decay"]["even"]["measured_exponent"] + 7) < 0.5
    assert data["multiplicities"][:3] == [1, 5, 14]


def test_figures_command(capsys, tmp_path, monkeypatch):
    # the training figure (a real fast mimic run) is covered by tests/test_plots.py; here only the wiring
    from hermite_rev.experiments import _run

    monkeypatch.setattr(_run, "mimic", lambda fast, out: open(out, "wb").write(b"png"))
    rc, out, _ = run(capsys, "figures", "--out", str(tmp_path), "--fast", "--format", "png")
    assert rc == 0
    assert (tmp_path / "kernel.png").stat().st_size > 5_000
    assert str(tmp_path / "training.png") in out


def test_verify_command(capsys, tmp_path):
    rc, out, _ = run(
        capsys,
        "verify",
        "relu_ntk(depth=2)",
        "--n",
        "8",
        "--bounded",
        "--widths",
        "256",
        "4096",
        "--out",
        str(tmp_path / "v.png"),
        "--json",
    )
    assert rc == 0
    data = json.loads(out)
    assert data["max_series_vs_quadrature"] < 1e-12
    assert data["empirical_rms"]["4096"] < data["empirical_rms"]["256"]
    assert (tmp_path / "v.png").exists()


@pytest.mark.parametrize("option", ["--sigma-w", "--sigma-b"])
@pytest.mark.parametrize(
    "value,why", [("x", "not a number"), ("c", "depends on c"), ("oo", "not a number"), ("1+", "cannot parse")]
)
def test_numeric_option_errors_name_the_option_and_value(capsys, option, value, why):
    # it said "kernel may only depend on the symbol c"
    with pytest.raises(SystemExit) as exc:
        main(["forward", "z", option, value])
    assert exc.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1  # one line, no usage block
    err = lines[0]
    assert f"{option} must be a real number" in err and f"got {option} {value!r}" in err and why in err
    assert "kernel" not in err


def test_output_path_that_cannot_be_written_exits_2(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    rc, _, err = run(capsys, "spectrum", "exp(c)", "--d", "3", "--kmax", "3", "--plot", str(blocker / "s.png"))
    assert rc == 2
    assert err.startswith("hermite-rev spectrum: error: ") and "cannot write" in err
    assert len(err.strip().splitlines()) == 1


def test_verify_single_width(capsys, tmp_path):
    # one width has no fitted width exponent (it crashed with a TypeError formatting None)
    rc, out, err = run(capsys, "verify", "exp(c)", "--n", "6", "--widths", "64", "--out", str(tmp_path / "v.png"))
    assert rc == 0, err
    assert "fitted width exponent n/a (needs >= 2 widths)" in out
    assert "width     64: rms" in out


def test_verify_bounded_reverse_engineers_once(capsys, tmp_path, monkeypatch):
    import hermite_rev.family as family_mod

    calls = []
    original = family_mod.reverse

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(family_mod, "reverse", counting)
    rc, out, _ = run(
        capsys,
        "verify",
        "exp(c)",
        "--n",
        "4",
        "--bounded",
        "--widths",
        "64",
        "256",
        "--out",
        str(tmp_path / "v.png"),
        "--json",
    )
    assert rc == 0
    assert len(calls) == 1
    assert family_mod.reverse is counting  # restored after the command
    data = json.loads(out)
    assert data["max_series_vs_quadrature"] < 1e-12 and data["width_exponent"] is not None


def test_spectrum_decay_computes_the_spectrum_once_and_fits_within_kmax(capsys, monkeypatch):
    from hermite_rev import spectrum as S

    kmaxes = []
    original = S.spectrum

    def counting(K, d, kmax, *args, **kwargs):
        kmaxes.append(kmax)
        return original(K, d, kmax, *args, **kwargs)

    monkeypatch.setattr(S, "spectrum", counting)
    rc, out, _ = run(capsys, "spectrum", "arccos(1)", "--d", "5", "--kmax", "12", "--decay", "--json")
    assert rc == 0
    assert kmaxes == [12]
    data = json.loads(out)
    # before: the fit ran over (25, 100) whatever --kmax said
    assert len(data["eigenvalues"]) == len(data["multiplicities"]) == len(data["errors"]) == 13
    assert data["decay"]["fit_range"] == [3, 12]
    direct = original(hr.kernels.arccos(1), 5, 12)
    with mpmath.workdps(30):
        assert all(mpmath.mpf(x).ae(y, 1e-18) for x, y in zip(data["eigenvalues"], direct.eigenvalues))


def test_spectrum_decay_names_the_kernel_as_typed(capsys):
    # before: the table cut the name to 40 characters ("relu_ntk(dep ... [48 chars] ... 1/10)")
    expr = "relu_ntk(depth=2, sigma_w=sqrt(2), sigma_b=1/10)"
    rc, out, _ = run(capsys, "spectrum", expr, "--kmax", "8", "--decay", "--dps", "15")
    assert rc == 0
    rows = [line for line in out.splitlines() if line.startswith(f"| {expr} |")]
    assert len(rows) == 2, out


def test_spectrum_decay_needs_a_kmax_to_fit_over(capsys):
    rc, _, err = run(capsys, "spectrum", "arccos(1)", "--kmax", "3", "--decay")
    assert rc == 2
    assert "--kmax >= 8, got --kmax 3" in err and len(err.strip().splitlines()) == 1


def test_experiment_trials_and_seed(capsys, tmp_path):
    rc, out, _ = run(
        capsys,
        "experiment",
        "parity",
        "--fast",
        "--trials",
        "1",
        "--seed",
        "3",
        "--json",
        "--out",
        str(tmp_path / "p.png"),
    )
    assert rc == 0
    nets = json.loads(out)["networks"]
    assert all(r["trials"] == 1 for r in nets.values())
    rc, _, err = run(capsys, "experiment", "parity", "--fast", "--trials", "0")
    assert rc == 2 and "--trials" in err


# --- fail fast and clearly (issue 22) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["reverse", "exp(c)", "--n", "4"],
        ["family", "exp(c)", "--n", "4"],
        ["spectrum", "exp(c)", "--kmax", "4", "--d", "3"],
    ],
)
def test_plot_without_extension_writes_png_and_says_so(argv, capsys, tmp_path):
    # before: matplotlib wrote PATH.png but the command printed PATH
    target = tmp_path / "sub" / "fig"
    rc, out, err = run(capsys, *argv, "--plot", str(target))
    assert rc == 0, err
    assert (tmp_path / "sub" / "fig.png").exists() and not target.exists()
    assert f"figure: {target}.png" in out
    rc, out, err = run(capsys, *argv, "--plot", str(target), "--json")
    assert rc == 0 and json.loads(out)["figure"] == f"{target}.png"


@pytest.mark.parametrize("value, why", [("", "needs a file path"), ("  ", "needs a file path"), ("f.xyz", ".xyz")])
def test_bad_plot_paths_are_usage_errors(value, why, capsys, tmp_path, monkeypatch):
    # before: --plot "" was silently ignored
    monkeypatch.chdir(tmp_path)
    rc, out, err = run(capsys, "reverse", "exp(c)", "--n", "4", "--plot", value)
    assert rc == 2 and why in err and "--plot" in err and len(err.strip().splitlines()) == 1
    assert out == ""


@pytest.mark.parametrize("value, why", [("", "folder path"), ("  ", "folder path"), ("FILE", "is a file")])
def test_bad_figures_folders_are_usage_errors(value, why, capsys, tmp_path, monkeypatch):
    # before: figures --out '' ended in "cannot write : No such file or directory" (no --out named)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("x")
    rc, out, err = run(capsys, "figures", "--fast", "--out", value)
    assert rc == 2 and why in err and "--out='" + value.strip() in err, err  # the option and its value
    assert len(err.strip().splitlines()) == 1 and out == ""


def test_a_long_flat_sum_is_not_too_deep(capsys):
    rc, out, err = run(capsys, "taylor", "+".join(["c"] * 500), "--n", "3", "--json")
    assert rc == 0, err
    assert [float(x) for x in json.loads(out)["coefficients"]] == [0.0, 500.0, 0.0]


def test_forward_takes_an_activation_name(capsys):
    # before: "relu is a function: call it, e.g. relu(...)"
    rc, by_name, err = run(capsys, "forward", "relu", "--n", "4", "--json")
    assert rc == 0, err
    rc, by_expr, _ = run(capsys, "forward", "Max(0, z)", "--n", "4", "--json")
    assert json.loads(by_name)["coefficients"] == json.loads(by_expr)["coefficients"]
    rc, out, _ = run(capsys, "forward", "sin6", "--n", "3", "--json")
    assert rc == 0 and json.loads(out)["activation"] == "sin(6*z)/2"


@pytest.mark.parametrize(
    "command",
    [[], ["taylor"], ["reverse"], ["forward"], ["family"], ["verify"], ["experiment"], ["spectrum"], ["figures"]],
)
def test_help_never_shows_python_none(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "None" not in text.split(), text
    assert " None" not in text and "None:" not in text and "(None" not in text


def test_commands_write_under_out_by_default(capsys, tmp_path, monkeypatch):
    from hermite_rev import experiments, spectrum
    from hermite_rev.cli import spectrum_figure

    monkeypatch.chdir(tmp_path)
    seen = {}

    def fake_run(name, fast, out, report, **options):
        seen["out"] = out

    monkeypatch.setattr(experiments, "run_experiment", fake_run)
    assert main(["experiment", "parity", "--fast"]) == 0
    assert seen["out"] == "out/parity_fast.png"  # before: parity_fast.png in the current folder
    assert main(["experiment", "mimic"]) == 0
    assert seen["out"] == "out/mimic.png"

    def fake_compare(path, **kw):
        seen["compare"] = path
        raise RuntimeError("stop")

    monkeypatch.setattr(spectrum, "plot_compare", fake_compare)
    with pytest.raises(RuntimeError):
        spectrum_figure([])
    assert seen["compare"] == "out/spectrum_deep_vs_shallow.png"
    parser_defaults = {
        a.dest: a.default for a in hr.cli.build_parser()._subparsers._group_actions[0].choices["verify"]._actions
    }
    assert parser_defaults["out"] == "out/verify.png"
