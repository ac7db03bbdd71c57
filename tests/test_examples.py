"""Each example runs in a fast mode (the same code path newcomers run first)."""

import importlib.util
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shallowify(tmp_path, capsys):
    out = tmp_path / "fig.png"
    fam = load("shallowify").main(["--n", "12", "--dps", "20", "--out", str(out)])
    text = capsys.readouterr().out
    assert "2**12" in text and "K(1) = 5.07" in text
    assert fam.count() == 2**12
    assert out.stat().st_size > 10_000


def test_export_torch_trains(tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    res = load("export_torch").main(["--fast", "--out", str(tmp_path / "phi.py")])
    assert res["grad_gap"] < 1e-10
    first, last = res["history"][0], res["history"][-1]
    assert last[1] < 0.5 * first[1]  # train MSE at least halves
    assert last[3] > 0.8  # test accuracy


def test_check_theorem_fast(tmp_path, capsys):
    rep = load("check_theorem").main(["--fast", "--out", str(tmp_path / "t.png")])
    assert rep["max_series_vs_quadrature"] < 1e-12  # the theorem, independent of the series
    assert rep["max_target_vs_series"] <= float(rep["tail_bound"]) * (1 + 1e-9)
    assert -0.75 < rep["width_exponent"] < -0.3  # finite-width error ~ width^(-1/2)
    assert (tmp_path / "t.png").stat().st_size > 10_000


def test_design_parity_fast(tmp_path, capsys):
    res = load("design_parity").main(["--fast", "--out", str(tmp_path / "p.png")])
    assert res["1HL engineered"]["test_acc"] > 0.9
    assert res["4HL ReLU"]["test_acc"] < 0.7
    assert (tmp_path / "p.png").exists()


def test_deep_reverse_fast(tmp_path, capsys):
    out = load("deep_reverse").main(["--fast", "--out", str(tmp_path / "d.png")])
    text = capsys.readouterr().out
    assert "NOT reached" in text  # fits say they miss dps digits
    assert out["sin_exact"] is not None  # no exact depth-2 root for sin(6z)/2
    assert out["sin_fit"].report.sup_error < 5e-3
    assert out["exp"].report.method == "fit" and out["exp"].report.sup_error < 1e-2
    table = out["table"]
    assert table[("c^3", "nngp", 2)][0] == "no" and "L-th power" in table[("c^3", "nngp", 2)][1]
    assert table[("c^3", "nngp", 3)][0] == "no"
    assert table[("sinh(2c)", "nngp", 2)][1] == "root coefficient kappa_5 < 0"
    assert table[("cosh(2c)", "nngp", 2)][0] == "fit"
    assert (tmp_path / "d.png").stat().st_size > 10_000


def test_kernel_regression_wine(capsys):
    pytest.importorskip("sklearn")
    res = load("kernel_regression_wine").main(["--n", "12", "--seeds", "0"])
    deep = res["4HL ReLU NTK, hr.predict (t = inf)"]
    assert deep["test_acc"] > 0.9 and deep["test_mse"] < 0.06
    # scikit-learn on hr.gram agrees with hr.predict (tiny ridge), and the mimic is close to the deep kernel
    assert abs(res["4HL ReLU NTK, sklearn KernelRidge (precomputed)"]["test_mse"] - deep["test_mse"]) < 1e-3
    assert abs(res["1HL mimic NTK, hr.predict (t = inf)"]["test_acc"] - deep["test_acc"]) < 0.05


def test_finite_vs_infinite_width_fast(tmp_path, capsys):
    pytest.importorskip("sklearn")
    dist, mse, mse_inf = load("finite_vs_infinite_width").main(["--fast", "--out", str(tmp_path / "w.png")])
    d = dist.mean(axis=1)
    assert d[-1] < d[0] / 2  # widths 64 -> 1024: the trained nets approach the network kernel's prediction
    assert abs(mse.mean(axis=1)[-1] - mse_inf) < 0.05
    assert (tmp_path / "w.png").exists()
