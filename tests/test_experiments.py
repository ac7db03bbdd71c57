"""Tests of hermite_rev.experiments (fast variants; the full runs are slow-marked)."""

import json

import numpy as np
import pytest

import hermite_rev as hr
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
    assert set(r) == {"4HL ReLU", "1HL sin(6z)/2", "1HL engineered"}
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
    assert names <= set(r) and names <= set(printed)
    for name in names:
        assert KEYS <= set(r[name])
        assert r[name]["test_acc"] > 0.85
    d = r["distance"]["1HL mimic (Hermite, 24 terms)"]
    assert d["test_mse vs 4HL ReLU"] < 0.2


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
