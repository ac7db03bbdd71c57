"""Tests of hermite_rev.experiments (fast variants; the full runs are slow-marked)."""

import json

import numpy as np
import pytest

from hermite_rev import experiments

KEYS = {"train_mse", "test_mse", "train_acc", "test_acc", "seconds", "train_mse_std", "test_acc_std"}


def test_parity_kernel_is_odd_high_degree_and_bounded():
    K, fam, act = experiments.parity_kernel()
    a = [float(v) for v in fam.taylor]
    assert all(v == 0 for v in a[0::2])                     # odd kernel
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
    assert set(r) == {"4HL ReLU", "1HL sin(6z)/2", "1HL engineered"}  # only networks
    assert r.distance is None and r.info is None
    for v in r.values():
        assert KEYS <= set(v)
    assert r["1HL engineered"]["test_acc"] > 0.9
    assert r["1HL sin(6z)/2"]["test_acc"] > 0.9
    assert r["4HL ReLU"]["test_acc"] < 0.6


def test_mimic_fast_and_cli_helper(tmp_path, capsys):
    out = tmp_path / "mimic.png"
    r = experiments.run_experiment("mimic", fast=True, as_json=True, out=str(out))
    printed = json.loads(capsys.readouterr().out)
    assert out.exists()
    names = {"1HL ReLU", "4HL ReLU", "1HL mimic (Hermite, 24 terms)"}
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
    r = experiments.ExperimentResult({"1HL ReLU": {"test_acc": 0.5}}, distance={"1HL ReLU": {"x": 1.0}},
                                     info={"series_terms": 3})
    assert dict(r) == {"1HL ReLU": {"test_acc": 0.5}} and list(r.items()) == [("1HL ReLU", {"test_acc": 0.5})]
    assert r.distance == {"1HL ReLU": {"x": 1.0}} and r.info == {"series_terms": 3}
    assert json.loads(json.dumps(r)) == {"1HL ReLU": {"test_acc": 0.5}}
    assert r.to_json() == {"networks": dict(r), "distance": r.distance, "info": r.info}
    assert "distance=" in repr(r)
    metrics = {k: 0.5 for k in experiments.METRICS} | {k + "_std": 0.0 for k in experiments.METRICS}
    table = experiments._table(experiments.ExperimentResult({"1HL ReLU": metrics}, distance=r.distance))
    assert table.count("\n") == 3 and "1HL ReLU" in table and "curve distance" in table and "x 1.000" in table
    assert "curve distance" not in experiments._table(experiments.ExperimentResult({"1HL ReLU": metrics}))
    import copy
    import pickle
    for r2 in (copy.deepcopy(r), pickle.loads(pickle.dumps(r))):
        assert r2 == r and r2.distance == r.distance and r2.info == r.info


def _fake_curves():
    h = {"epoch": [0, 10, 20], "train_mse": [1.0, 0.5, 0.2], "test_mse": [1.0, 0.6, 0.4],
         "test_acc": [0.5, 0.6, 0.7], "train_acc": [0.5, 0.7, 0.9]}
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
    experiments._parity_figure(result, curves, str(tmp_path / "p.png"), 3)
    experiments._mimic_figure(curves, str(tmp_path / "m.png"), 16)
    assert calls == []
    assert (tmp_path / "p.png").stat().st_size > 1000 and (tmp_path / "m.png").stat().st_size > 1000
    monkeypatch.delenv("DISPLAY")
    experiments._mimic_figure(curves, str(tmp_path / "m2.png"), 16)
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
