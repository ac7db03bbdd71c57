"""Defaults that work at finite width (issue 23): the CLI, verify, theorem_report, the examples,
figure1 and the mimic simulate a member a net of the simulated width realises, and say which."""

import json

import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev import cli, experiments
from hermite_rev.cli._format import figure1_table
from hermite_rev.experiments._mimic import mimic_activations
from hermite_rev.verify import MEMBERS, choose_member, width_diagnosis

SINH20 = "sinh(20*c)/sinh(20)"


def run(capsys, *argv):
    rc = cli.main(list(argv))
    got = capsys.readouterr()
    return rc, got.out, got.err


def test_verify_default_member_is_the_fluctuation_member_and_says_so(capsys, tmp_path):
    argv = ["verify", "exp(c)", "--n", "6", "--widths", "64", "256", "--out", str(tmp_path / "v.png")]
    rc, out, err = run(capsys, *argv)
    assert rc == 0, err
    assert "member: fluctuation-best at width 64 (--member fluctuation), signs " in out
    assert "of E[phi^2] within |z| <= 2.88" in out and "of E[phi'^2]" in out  # NTK: both shares
    assert "searching the 2**6 sign members" in err  # progress before the search
    rc, out, _ = run(capsys, *argv, "--json")
    data = json.loads(out)
    assert data["member"]["member"] == "fluctuation" and len(data["member"]["signs"]) == 6
    assert set(data["predicted"]["64"]) >= {"variance", "mass_within", "flagged", "diagnosis", "message"}


def test_bounded_is_member_sup():
    parser = hr.cli.build_parser()
    assert parser.parse_args(["verify", "exp(c)", "--bounded"]).member == "sup"
    assert parser.parse_args(["verify", "exp(c)"]).member == "fluctuation"
    assert parser.parse_args(["verify", "exp(c)", "--member", "all-plus"]).member == "all-plus"


def test_all_plus_member_of_sinh20_is_flagged_with_its_predicted_variance(capsys, tmp_path):
    # the issue: "the same error at every width, exponent 0.000, too noisy"; it is not noise
    out = tmp_path / "plus.png"
    argv = ["verify", SINH20, "--kind", "nngp", "--n", "60", "--member", "all-plus", "--widths", "64", "256"]
    rc, text, err = run(capsys, *argv, "--out", str(out))
    assert rc == 0, err
    assert "member: all signs + (--member all-plus)" in text
    assert "width 256: this member is not realisable: predicted variance of the empirical kernel" in text
    assert "of E[phi^2] lies within |z| <= 3.33" in text and "too noisy" not in text
    assert "try --member fluctuation" in text
    assert out.stat().st_size > 10_000


def test_theorem_report_members(tmp_path):
    fam = hr.reverse(SINH20, "nngp", n=60, dps=30)
    plus = hr.verify.theorem_report(fam, widths=(64, 256), seeds=range(1), out=None, member="all-plus")
    assert plus["member"] == {"member": "all-plus", "description": "all signs +", "signs": "+" * 30}
    assert all(p["flagged"] for p in plus["predicted"].values())
    assert plus["predicted"][256]["mass_within"] < 1e-6 and plus["predicted"][256]["variance"] > 1
    assert len(plus["diagnosis"]) == 2
    best = hr.verify.theorem_report(fam, widths=(256, 1024, 4096), seeds=range(3), out=str(tmp_path / "b.png"))
    assert best["member"]["member"] == "fluctuation" and best["member"]["description"].endswith("width 256")
    assert not any(p["flagged"] for p in best["predicted"].values()) and best["diagnosis"] == []
    # the chosen member's error falls with width; the all-+ member's does not
    assert best["width_exponent"] < -0.3
    assert best["empirical_rms"][4096] < 0.2 * plus["empirical_rms"][256]
    with pytest.raises(ValueError, match="member must be one of"):
        hr.verify.theorem_report(fam, widths=(64, 256), out=None, member="best")
    assert MEMBERS == ("fluctuation", "sup", "all-plus")
    assert choose_member.__module__ == width_diagnosis.__module__ == "hermite_rev.verify"


def test_choose_member_and_width_diagnosis():
    fam = hr.reverse(sympy.exp(hr.c), "nngp", n=5, dps=20)
    act, info = choose_member(fam, "fluctuation", 64)
    assert info["member"] == "fluctuation"
    assert info["signs"] == "".join("+" if s > 0 else "-" for s in fam.signs_of(act))
    act2, info2 = choose_member(fam, "fluctuation", 64, signs=[1, -1, 1, -1, 1])
    assert info2 == {"member": "given", "description": "the signs given", "signs": "+-+-+"}
    sup, info3 = choose_member(fam, "sup", 64)
    assert info3["member"] == "sup" and sup == fam.best("sup").activation
    d = width_diagnosis(act, "nngp", [64, 4096])
    assert set(d) == {64, 4096} and not d[64]["flagged"] and d[64]["message"] == ""
    assert d[4096]["variance"] < d[64]["variance"]  # exactly 1/m
    assert d[64]["variance"] == pytest.approx(d[4096]["variance"] * 4096 / 64, rel=1e-12)


def test_figure1_records_and_prints_its_member():
    fast = dict(width=2**10, n=8, dps=20, progress=False, targets=["4HL ReLU NTK", "c^3"])
    r = experiments.figure1(**fast)
    assert r.info["member"] == "fluctuation" and "width-1024" in r.info["signs"]
    row = r["4HL ReLU NTK"]
    assert len(row["signs"]) == 8 and set(row["signs"]) <= {"+", "-"} and row["mass_within_grad"] > 0.9
    assert r["c^3"]["signs"][:3] == "000" and r["c^3"]["b"] == pytest.approx([0, 0, 0, 0.5, 0, 0], abs=1e-15)
    table = figure1_table(r)
    assert table.splitlines()[0] == f"member simulated: {r.info['signs']}" and "signs" in table.splitlines()[1]
    plus = experiments.figure1(**{**fast, "targets": ["c^4 + c"]}, member="all-plus")
    assert plus.info["signs"] == "all signs +" and plus["c^4 + c"]["signs"] == "0+00+"
    assert plus["c^4 + c"]["b"] == pytest.approx([0, 0.5**0.5, 0, 0, 0.2**0.5, 0], abs=1e-15)  # |b_k|
    with pytest.raises(ValueError, match="member must be one of"):
        experiments.figure1(**fast, member="sup")


def test_mimic_activations_include_the_finite_width_member():
    acts, info = mimic_activations(True, False, 256)
    assert list(acts) == ["1HL mimic (Hermite, 24 terms)", "1HL mimic (finite-width member, 24 terms)"]
    series, member = acts.values()
    assert [abs(float(b)) for b in member.coeffs] == pytest.approx([float(b) for b in series.coeffs], rel=1e-15)
    fw = info["finite_width_member"]
    assert fw["criterion"] == "fluctuation, width 256" and len(fw["signs"]) == 24 and "-" in fw["signs"]
    assert fw["mass_within_grad"] > fw["all_plus_mass_within_grad"]
    assert mimic_activations(True, False)[1].get("finite_width_member") is None


def test_shallowify_names_its_member(tmp_path, capsys):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "shallowify.py"
    spec = importlib.util.spec_from_file_location("shallowify", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--n", "10", "--dps", "20", "--width", "1024", "--out", ""])
    text = capsys.readouterr().out
    assert "member for width 1024" in text and "all signs +:" in text


@pytest.mark.slow
def test_verify_sinh20_cli_default_member_exponent(capsys, tmp_path):
    # the command: with the default member the fitted exponent is near -1/2 (measured -0.494)
    rc, out, err = run(capsys, "verify", SINH20, "--n", "60", "--out", str(tmp_path / "v.png"), "--json")
    assert rc == 0, err
    data = json.loads(out)
    assert abs(data["width_exponent"] + 0.5) < 0.15 and data["member"]["member"] == "fluctuation"


@pytest.mark.slow
def test_relu_ntk_4hl_width_exponent_with_the_chosen_member():
    K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    fam = hr.reverse(K, "ntk", n=40, dps=30)
    rep = hr.verify.theorem_report(fam, widths=(256, 1024, 4096, 16384), seeds=range(4), out=None)
    assert rep["diagnosis"] == [] and -0.65 < rep["width_exponent"] < -0.35


def test_relu_ntk_4hl_width_exponent_fast():
    # the fast variant of the test above: 12 terms, 3 widths, 3 seeds
    K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    fam = hr.reverse(K, "ntk", n=12, dps=20)
    rep = hr.verify.theorem_report(fam, widths=(256, 1024, 4096), seeds=range(3), out=None)
    assert rep["member"]["member"] == "fluctuation" and rep["diagnosis"] == []
    assert -0.8 < rep["width_exponent"] < -0.3
    assert np.isfinite(rep["predicted"][256]["variance"])


def test_family_best_fluctuation(capsys):
    rc, out, err = run(capsys, "family", "exp(c)", "--n", "6", "--best", "fluctuation", "--width", "256")
    assert rc == 0, err
    assert "best member for 'fluctuation' at width 256" in out and "signs: " in out
    rc, _, err = run(capsys, "family", "exp(c)", "--n", "6", "--best", "fluctuation")
    assert rc == 2 and "--best fluctuation needs the hidden width: --width M" in err
    rc, _, err = run(capsys, "family", "exp(c)", "--n", "6", "--best", "sup", "--width", "256")
    assert rc == 2 and "--width applies to --best fluctuation only" in err
