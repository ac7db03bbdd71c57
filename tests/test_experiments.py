"""Tests of hermite_rev.experiments (fast variants; the full runs are slow-marked)."""

import copy
import json
import pickle

import numpy as np
import pytest

from hermite_rev import cli, experiments
from hermite_rev.cli._format import experiment_table as _experiment_table
from hermite_rev.cli._format import figure1_table as _figure1_table
from hermite_rev.experiments import _run
from hermite_rev.experiments._data import parity_data
from hermite_rev.experiments._figures import mimic_figure, parity_figure
from hermite_rev.experiments._result import ExperimentRun
from hermite_rev.experiments._trials import calibrate, infinite_width, run_trials

KEYS = {"train_mse", "test_mse", "train_acc", "test_acc", "seconds", "train_mse_std", "test_acc_std"}


def test_parity_kernel_is_odd_high_degree_and_bounded():
    K, fam, act = experiments.parity_kernel()
    a = [float(v) for v in fam.taylor]
    assert all(v == 0 for v in a[0::2])  # odd kernel
    mass = np.array(a) / sum(a)
    assert mass[:11].sum() < 1e-6 and abs(np.argmax(mass) - 36) <= 1
    assert float(fam.tail().bound) < 1e-6
    # the chosen member oscillates with amplitude ~0.5 on the pre-activations' range; the
    # all-plus member is ~e^{6z - 18}: negligible there and exploding beyond
    x = np.linspace(-3, 3, 61)
    assert 0.3 < np.max(np.abs(act.compile()(x))) < 1.0
    plus = fam.activation().compile()
    assert np.max(np.abs(plus(x))) < 1e-4 and plus(np.array([8.0]))[0] > 1e4


def test_parity_fast():
    r = experiments.parity(fast=True, out=None)
    assert isinstance(r, experiments.ExperimentResult) and isinstance(r, dict)
    trained = {"4HL ReLU", "1HL sin(6z)/2", "1HL engineered"}
    assert set(r) == trained | {f"{n} (infinite width)" for n in trained}  # only networks
    assert r.distance is None and r.info is None
    for v in r.values():
        assert KEYS <= set(v)
    assert r["1HL engineered"]["test_acc"] > 0.9
    assert r["1HL sin(6z)/2"]["test_acc"] > 0.9
    assert r["4HL ReLU"]["test_acc"] < 0.6
    # a value: it crosses process boundaries and JSON unchanged, and cannot be changed
    assert pickle.loads(pickle.dumps(r)) == r and copy.deepcopy(r) == r
    assert json.loads(json.dumps(r)) == r
    with pytest.raises(TypeError, match="immutable"):
        r["4HL ReLU"]["test_acc"] = 1.0


def test_mimic_fast_and_cli_helper(tmp_path, capsys, monkeypatch):
    out = tmp_path / "mimic.png"
    returned = []
    run = experiments.run_experiment
    monkeypatch.setattr(experiments, "run_experiment", lambda *a, **k: returned.append(run(*a, **k)))
    assert cli.main(["experiment", "mimic", "--fast", "--json", "--out", str(out)]) == 0
    (r,) = returned
    printed = json.loads(capsys.readouterr().out)
    assert out.exists()
    names = {"1HL ReLU", "4HL ReLU", "1HL mimic (Hermite, 24 terms)", "1HL mimic (finite-width member, 24 terms)"}
    names |= {f"{n} (infinite width)" for n in names}
    # the API.md contract: every key is a network (fast mode has no fitted mimic)
    assert set(r) == names
    assert set(printed) == {"networks", "distance", "info"} and set(printed["networks"]) == names
    for name in names:
        assert KEYS <= set(r[name])
        assert r[name]["test_acc"] > 0.85
    d = r.distance["1HL mimic (Hermite, 24 terms)"]
    assert d["test_mse vs 4HL ReLU"] < 0.2
    assert printed["distance"] == r.distance  # JSON floats round-trip exactly
    assert r.info["series_terms"] == 24 and printed["info"] == r.info


def test_experiment_result_is_a_dict_of_networks(capsys):
    r = experiments.ExperimentResult(
        {"1HL ReLU": {"test_acc": 0.5}}, distance={"1HL ReLU": {"x": 1.0}}, info={"series_terms": 3}
    )
    assert dict(r) == {"1HL ReLU": {"test_acc": 0.5}} and list(r.items()) == [("1HL ReLU", {"test_acc": 0.5})]
    assert r.distance == {"1HL ReLU": {"x": 1.0}} and r.info == {"series_terms": 3}
    assert json.loads(json.dumps(r)) == {"1HL ReLU": {"test_acc": 0.5}}
    assert r.to_json() == {"networks": dict(r), "distance": r.distance, "info": r.info}
    assert "distance=" in repr(r)
    metrics = {k: 0.5 for k in experiments.METRICS} | {k + "_std": 0.0 for k in experiments.METRICS}
    table = _experiment_table(experiments.ExperimentResult({"1HL ReLU": metrics}, distance=r.distance))
    assert table.count("\n") == 3 and "1HL ReLU" in table and "curve distance" in table and "x 1.000" in table
    assert "curve distance" not in _experiment_table(experiments.ExperimentResult({"1HL ReLU": metrics}))
    for r2 in (copy.deepcopy(r), pickle.loads(pickle.dumps(r))):
        assert r2 == r and r2.distance == r.distance and r2.info == r.info


def test_experiment_result_is_an_immutable_value():
    rows = {"net": {"test_acc": 0.5, "b": [0.5, 0.25]}, "net (infinite width)": {"test_acc": 0.75}}
    r = experiments.ExperimentResult(rows, distance={"net": {"test_mse vs ref": 0.1}}, info={"data": "wine"})
    # still a dict for users, nested rows too; lists are frozen into tuples
    assert isinstance(r, dict) and isinstance(r["net"], dict) and isinstance(r.distance["net"], dict)
    assert r["net"]["b"] == (0.5, 0.25) and dict(r["net (infinite width)"]) == {"test_acc": 0.75}
    # every mutation is refused, at every level; a copy is a plain dict to change
    for target in (r, r["net"], r.distance, r.distance["net"], r.info):
        with pytest.raises(TypeError, match="immutable"):
            target["x"] = 1
        for mutate in (
            lambda d: d.__delitem__(next(iter(d))),
            lambda d: d.update(x=1),
            lambda d: d.setdefault("x", 1),
            lambda d: d.pop(next(iter(d))),
            lambda d: d.popitem(),
            lambda d: d.clear(),
            lambda d: d.__ior__({"x": 1}),
        ):
            with pytest.raises(TypeError, match="immutable"):
                mutate(target)
    with pytest.raises(AttributeError, match="immutable"):
        r.distance = None
    with pytest.raises(AttributeError, match="immutable"):
        r.extra = 1
    assert r == experiments.ExperimentResult(rows, distance={"net": {"test_mse vs ref": 0.1}}, info={"data": "wine"})
    changed = dict(r)
    changed["new"] = {}
    assert "new" not in r
    # equality by value, attributes included; hashable like any immutable value
    same = experiments.ExperimentResult(rows, distance={"net": {"test_mse vs ref": 0.1}}, info={"data": "wine"})
    assert r == same and hash(r) == hash(same) and not (r != same)
    assert r != experiments.ExperimentResult(rows, distance={"net": {"test_mse vs ref": 0.2}}, info={"data": "wine"})
    assert r != experiments.ExperimentResult(rows, distance={"net": {"test_mse vs ref": 0.1}})
    assert r == {"net": {"test_acc": 0.5, "b": (0.5, 0.25)}, "net (infinite width)": {"test_acc": 0.75}}
    # pickle and deepcopy round trips: equal values of the same types, still immutable
    for r2 in (pickle.loads(pickle.dumps(r)), copy.deepcopy(r), copy.copy(r)):
        assert r2 == r and type(r2) is experiments.ExperimentResult and type(r2["net"]) is experiments.FrozenDict
        assert r2.distance == r.distance and r2.info == r.info and type(r2.info) is experiments.FrozenDict
        with pytest.raises(TypeError):
            r2["net"]["test_acc"] = 1.0
    assert pickle.loads(pickle.dumps(r["net"])) == r["net"]
    # JSON round trips: the dict of networks, and to_json (what --json prints)
    assert json.loads(json.dumps(r)) == {
        "net": {"test_acc": 0.5, "b": [0.5, 0.25]},
        "net (infinite width)": {"test_acc": 0.75},
    }
    back = json.loads(json.dumps(r.to_json()))
    assert experiments.ExperimentResult(back["networks"], distance=back["distance"], info=back["info"]) == r


def _fake_curves():
    h = {
        "epoch": [0, 10, 20],
        "train_mse": [1.0, 0.5, 0.2],
        "test_mse": [1.0, 0.6, 0.4],
        "test_acc": [0.5, 0.6, 0.7],
        "train_acc": [0.5, 0.7, 0.9],
    }
    return {"1HL ReLU": [h], "4HL ReLU": [h]}


def test_figures_keep_the_users_matplotlib_backend(tmp_path, monkeypatch):
    # library code must never force a backend (it broke inline plots in notebooks); headless,
    # matplotlib's own backend resolution falls back to Agg
    import matplotlib

    calls = []
    monkeypatch.setattr(matplotlib, "use", lambda *a, **k: calls.append(a))
    monkeypatch.setenv("DISPLAY", ":0")
    curves = _fake_curves()
    result = experiments.ExperimentResult({name: {"test_acc": 0.7} for name in curves})
    parity_figure(result, curves, str(tmp_path / "p.png"), 3)
    mimic_figure(curves, str(tmp_path / "m.png"), 16)
    assert calls == []
    assert (tmp_path / "p.png").stat().st_size > 1000 and (tmp_path / "m.png").stat().st_size > 1000
    monkeypatch.delenv("DISPLAY")
    mimic_figure(curves, str(tmp_path / "m2.png"), 16)
    assert calls == []
    assert (tmp_path / "m2.png").stat().st_size > 1000


def test_wine_data_on_sphere():
    Xtr, Ytr, Xte, Yte = experiments.wine_data(0)
    assert np.allclose(np.sum(Xtr**2, axis=1) / Xtr.shape[1], 1)
    assert Xtr.shape[0] + Xte.shape[0] == 178 and Ytr.shape[1] == 3


def test_bad_experiment_name():
    with pytest.raises(ValueError, match="unknown experiment 'xor'"):
        experiments.run_experiment("xor")
    with pytest.raises(ValueError, match="dataset='iris'"):
        experiments.mimic(dataset="iris")


@pytest.mark.slow
def test_parity_full():
    r = experiments.parity(trials=3, out=None)
    assert r["1HL engineered"]["test_acc"] > 0.95
    assert r["4HL ReLU"]["test_acc"] < 0.6


@pytest.mark.slow
def test_mimic_full():
    r = experiments.mimic(trials=1, out=None)
    assert r["4HL ReLU"]["test_acc"] > 0.9


def _tiny_tasks(trials):
    nets = {
        "1HL ReLU": dict(
            widths=[16], activation="relu", sigma_w=1.4, sigma_b=0.1, lr=0.1, epochs=30, stop_mse=None, eval_every=5
        ),
        "1HL sin(6z)/2": dict(
            widths=[16], activation="sin6", sigma_w=1.0, sigma_b=0.0, lr=0.1, epochs=20, stop_mse=None, eval_every=5
        ),
    }
    return [{"data": parity_data(4, t), "seed": t, "dtype": np.float32, "nets": nets} for t in range(trials)]


def test_estimate_and_progress_are_printed(capsys):
    tasks = _tiny_tasks(3)
    results = run_trials(tasks, True, "tiny (full run: test)", 5, workers=1)
    err = capsys.readouterr().err
    assert "tiny (full run: test): 3 trial(s) x 2 networks on 1 local process(es); estimated time about" in err
    assert "5-epoch calibration" in err and "1HL ReLU" in err and "ms/epoch" in err
    assert "units" in err  # the bar counts the estimated seconds of work (test below)
    assert len(results) == 3 and set(results[0]) == {"1HL ReLU", "1HL sin(6z)/2"}
    # silent without progress; the results do not depend on it
    again = run_trials(tasks, False, "tiny", 5, workers=1)
    assert capsys.readouterr().err == ""
    for r1, r2 in zip(results, again):
        for name in r1:
            assert r1[name][1]["train_mse"] == r2[name][1]["train_mse"]


def test_progress_bar_counts_the_work_done(monkeypatch):
    # before: the bar counted tasks, so the short networks ran it to 75% with "00:12" left while
    # the long 4HL network trained for 8 more minutes; now each task weighs its estimated seconds
    import tqdm.auto

    bars = []
    real = tqdm.auto.tqdm

    class Recording(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bars.append(self)

        def close(self):
            self.final = self.n
            super().close()

    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    tasks = _tiny_tasks(2)
    tasks[0]["nets"]["1HL ReLU"]["widths"] = [16, 16, 16, 16]  # one network much longer than the other
    tasks[1]["nets"] = tasks[0]["nets"]
    run_trials(tasks, True, "tiny", 3, workers=1)
    (bar,) = [b for b in bars if b.desc.startswith("tiny")]
    assert bar.total == pytest.approx(bar.final) and bar.total > 0
    assert bar.final != 4  # work units (estimated seconds), not the count of tasks


def test_makespan_schedules_long_tasks_on_the_workers():
    from hermite_rev.experiments._trials import makespan

    # three equal long tasks on two workers: two rounds, not 1.5 (the old estimate: sum / workers)
    assert makespan([300.0, 300.0, 300.0, 1.0, 1.0, 1.0], 2) == 600.0
    assert makespan([5.0, 4.0, 3.0], 1) == 12.0 and makespan([5.0], 8) == 5.0


def test_estimate_is_calibration_times_epoch_caps():
    tasks = _tiny_tasks(2)
    per_epoch = calibrate(tasks[0], 5)
    assert set(per_epoch) == set(tasks[0]["nets"]) and all(0 < t < 1 for t in per_epoch.values())
    est = experiments.estimate_seconds(per_epoch, tasks[0]["nets"], 2)
    assert est == pytest.approx(2 * (30 * per_epoch["1HL ReLU"] + 20 * per_epoch["1HL sin(6z)/2"]))


def test_cli_says_full_run(capsys, monkeypatch):
    from hermite_rev import cli

    seen = {}

    def fake(fast, **kw):
        seen.update(fast=fast, **kw)
        return ExperimentRun(experiments.ExperimentResult({}), lambda path: None)

    monkeypatch.setitem(_run.RUNNERS, "parity", fake)
    assert cli.main(["experiment", "parity", "--trials", "3"]) in (0, None)
    err = capsys.readouterr().err
    assert "the full run at the paper's scale" in err and "estimated time" in err
    assert seen["fast"] is False and seen["trials"] == 3
    cli.main(["experiment", "parity", "--fast"])
    assert "full run" not in capsys.readouterr().err


def test_classification_data_takes_any_X_y():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    X[:, 3] = 2.0  # a constant feature is left at 0, not divided by 0
    y = np.array(["b", "a", "c", "a"] * 10)
    Xtr, Ytr, Xte, Yte = experiments.classification_data(X, y, seed=1)
    assert Xtr.shape == (20, 5) and Ytr.shape == (20, 3) and Xte.shape[0] == 20
    assert np.allclose(np.sum(Xtr**2, axis=1) / 5, 1) and np.all(Ytr.sum(axis=1) == 1)
    assert Ytr[:, 0].sum() == 10 and Ytr[:, 1].sum() == 5  # stratified: half of the 20 "a"s, 10 "b"s
    with pytest.raises(ValueError, match="one label per row"):
        experiments.classification_data(X, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        experiments.classification_data(X, np.zeros(40))


def test_mimic_on_user_data(tmp_path):
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    r = experiments.mimic(dataset=(X, y), fast=True, out=str(tmp_path / "m.png"), progress=False)
    assert r.info["data"] == "user data (150 x 4)"
    assert r["4HL ReLU"]["test_acc"] > 0.8 and (tmp_path / "m.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="dataset must be 'wine' or a pair"):
        experiments.mimic(dataset=3, fast=True)


def test_figure1_small(tmp_path, capsys):
    names = ["4HL ReLU NTK", "c^3", "c^4 + c", "cosh(2c)"]
    r = experiments.run_experiment(
        "figure1",
        out=str(tmp_path / "f1.png"),
        report=lambda result, path: print(_figure1_table(result)),
        width=2**12,
        n=12,
        dps=20,
        progress=False,
        targets=names,
    )
    printed = capsys.readouterr().out
    assert list(r) == names
    assert "b_0" in printed and "least-squares" in printed and (tmp_path / "f1.png").stat().st_size > 1000
    # exact rows: c^3 as an NTK is b_3 = sqrt(1/4); c^4 + c: b_1 = sqrt(1/2), b_4 = sqrt(1/5)
    assert r["c^3"]["b"] == pytest.approx([0, 0, 0, 0.5, 0, 0], abs=1e-15)
    assert r["c^4 + c"]["b"] == pytest.approx([0, 0.5**0.5, 0, 0, 0.2**0.5, 0], abs=1e-15)
    # cosh(2c) = sum 4^j c^(2j) / (2j)!: b_2 = sqrt(2 / 3) as an NTK
    assert r["cosh(2c)"]["b"][2] == pytest.approx((2 / 3) ** 0.5, rel=1e-12)
    # a degree-5 least-squares fit reproduces a polynomial target and differs on the deep ReLU kernel
    assert r["c^4 + c"]["b_lsq5"] == pytest.approx(r["c^4 + c"]["b"], abs=1e-6)
    assert max(abs(x - y) for x, y in zip(r["4HL ReLU NTK"]["b"], r["4HL ReLU NTK"]["b_lsq5"])) > 0.05
    # the finite-width kernel of a low-degree activation is close to its target at width 2^12
    for name in ("c^3", "c^4 + c"):
        assert r[name]["max_abs_error"] < 0.3 * max(abs(v) for v in r[name]["K"])
    with pytest.raises(ValueError, match="unknown figure1 target 'c\\^5'"):
        experiments.figure1(targets=["c^5"], out=None)


@pytest.mark.slow
def test_figure1_full(tmp_path):
    r = experiments.figure1(out=str(tmp_path / "f1.png"), progress=False)
    assert len(r) == 7 and all(v["max_abs_error_vs_truncated"] < 2.0 for v in r.values())


def test_parallel_trials_equal_serial_and_show_progress(capsys):
    # trials x networks on 2 local worker processes: the serial numbers, and one bar over all tasks
    ref = experiments.parity(trials=2, seed=3, fast=True, out=None, workers=1, progress=False)
    assert capsys.readouterr().err == ""
    got = experiments.parity(trials=2, seed=3, fast=True, out=None, workers=2, progress=True)
    err = capsys.readouterr().err
    assert "6/6" in err  # 2 trials x 3 networks, counted as the worker processes finish them
    assert list(got) == list(ref)
    for name in ref:
        a = {k: v for k, v in got[name].items() if not k.startswith("seconds")}
        b = {k: v for k, v in ref[name].items() if not k.startswith("seconds")}
        assert a == b, name


def test_infinite_width_rows_follow_the_kernel_regime_formula():
    # independent oracle: f_t = (I - (I - lr/n Theta)^t) y on the training set, Theta_*d Theta^-1 f_t off it
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    X /= np.linalg.norm(X, axis=1, keepdims=True) / 2.0  # |x|^2 / d = 1
    y = np.sign(X[:, 0] + 0.3 * X[:, 1])
    Xtr, ytr, Xte, yte = X[:20], y[:20], X[20:], y[20:]
    tasks = [{"data": (Xtr, ytr, Xte, yte)}]
    results = [{"net": ({"epochs": 50}, None)}]
    rows = infinite_width({"net": [0.0, 1.0, 1.0]}, tasks, results, {"net": {"lr": 0.3}})
    row = rows["net (infinite width)"]

    def theta(A, B):
        C = (A / np.linalg.norm(A, axis=1, keepdims=True)) @ (B / np.linalg.norm(B, axis=1, keepdims=True)).T
        return C + C**2

    T = theta(Xtr, Xtr)
    M = np.linalg.matrix_power(np.eye(20) - 0.3 / 20 * T, 50)
    f_tr = (np.eye(20) - M) @ ytr
    f_te = theta(Xte, Xtr) @ np.linalg.solve(T, f_tr)
    assert row["train_mse"] == pytest.approx(np.mean((f_tr - ytr) ** 2), rel=1e-8)
    assert row["test_mse"] == pytest.approx(np.mean((f_te - yte) ** 2), rel=1e-6)
    assert row["test_acc"] == pytest.approx(np.mean(np.sign(f_te) == yte))
    assert row["trials"] == 1 and row["epochs"] == 50


def test_lr_is_the_papers_step_on_the_papers_loss():
    """One step of ``train`` at ``experiments.LR`` equals one step of lr ``PAPER_LR`` on the paper's
    loss mean |f - y|^2, the gradient taken by an independent implementation (torch autograd)."""
    torch = pytest.importorskip("torch")
    from hermite_rev.nets import FCN, train

    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, 5))
    X *= np.sqrt(5) / np.linalg.norm(X, axis=1, keepdims=True)
    Y = np.sign(rng.standard_normal(12))
    kw = dict(d_in=5, widths=[7, 6], activation="relu", sigma_w=2**0.5, sigma_b=0.1, seed=4, dtype=np.float64)
    ref, net = FCN(**kw), FCN(**kw)
    train(net, X, Y, experiments.LR, 1, stop_mse=None, progress=False)

    params = [torch.tensor(a, requires_grad=True) for pair in zip(ref.W, ref.b) for a in pair]
    Xt = torch.tensor(X)

    def out(ps):
        h = Xt
        for layer in range(len(ref.W)):
            W, b = ps[2 * layer], ps[2 * layer + 1]
            h = ref.scales[layer] * h @ W + ref.bias_scales[layer] * b
            if layer < len(ref.W) - 1:
                h = torch.relu(h)
        return h[:, 0]

    f0 = out(params).detach()  # centred output, as in the paper's code
    loss = ((out(params) - f0 - torch.tensor(Y)) ** 2).mean()
    loss.backward()
    stepped = [(p - experiments.PAPER_LR * p.grad).detach().numpy() for p in params]
    ours = [a for pair in zip(net.W, net.b) for a in pair]
    for a, b in zip(ours, stepped):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
