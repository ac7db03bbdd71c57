"""CLI help (every option documented, defaults shown, the expression language listed), run-time
notes before long runs, and tables that print only the digits the error allows."""

import re

import pytest

from hermite_rev._core.validate import parse
from hermite_rev.cli import build_parser, main

COMMANDS = ["taylor", "reverse", "forward", "family", "verify", "experiment", "spectrum", "figures"]


def help_text(capsys, *argv):
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_lists_the_expression_language(capsys):
    out = help_text(capsys)
    from hermite_rev._core.registry import CONSTRUCTORS

    for name in CONSTRUCTORS:  # every constructor an expression may call, with its signature
        assert re.search(rf"^\s+{name}\(", out, re.M), name
    assert "relu_ntk(depth=1, sigma_w=1, sigma_b=0" in out
    listed = re.search(r"functions: (.*?)\n\s+constants", out, re.S).group(1)
    functions = [f.strip() for f in listed.replace("\n", " ").split(",")]
    assert {"sqrt", "exp", "acos", "erf", "Max", "tanh"} <= set(functions)
    calls = {
        "Max": "Max(c, 0)",
        "Min": "Min(c, 0)",
        "max": "max(c, 0)",
        "min": "min(c, 0)",
        "Rational": "Rational(1, 2)",
        "Integer": "Integer(3)",
    }
    for f in functions:  # each listed name really parses
        parse(calls.get(f, f"{f}(c/2)"), __import__("hermite_rev").c)
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help_and_shows_its_default(capsys, command):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    for action in sub._actions:
        if action.dest == "help":
            continue
        assert action.help, f"{command} {action.option_strings or action.dest} has no help"
    out = help_text(capsys, command)
    for action in sub._actions:
        if action.default not in (None, False) and action.dest != "help" and action.option_strings:
            opt = action.option_strings[0]
            options = out[out.index("options:") :]
            block = options[re.search(rf"^  {re.escape(opt)}\b", options, re.M).start() :]
            nxt = re.search(r"\n  -", block[3:])
            block = block[: nxt.start() + 3] if nxt else block
            assert "default" in block, f"{command} {opt}: default not shown"


def test_figures_without_fast_says_how_long_first(capsys, monkeypatch, tmp_path):
    import hermite_rev.plots

    order = []

    def fake(out, formats, fast):
        order.append(("run", capsys.readouterr().err))
        return []

    monkeypatch.setattr(hermite_rev.plots, "paper_figures", fake)
    assert main(["figures", "--out", str(tmp_path)]) == 0
    assert order and "minutes" in order[0][1] and "--fast" in order[0][1]
    monkeypatch.setattr(hermite_rev.plots, "paper_figures", lambda out, formats, fast: [])
    capsys.readouterr()
    assert main(["figures", "--fast", "--out", str(tmp_path)]) == 0
    assert "this takes" not in capsys.readouterr().err  # --fast: no run-time warning


def test_tables_print_only_correct_digits_and_exact_zeros(capsys):
    # tanh(z): quadrature coefficients with errors ~1e-21, even ones vanish
    assert main(["forward", "tanh(z)", "--n", "4", "--dps", "20"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if re.match(r"^\d\s", line)]
    assert rows[0][1] == "0"  # a_0 = 0 up to its error
    a1 = rows[1][1]
    digits = len(re.sub(r"\(.*", "", a1).split(".")[1])
    error = float(rows[1][-1])
    assert 10.0**-digits <= 10 * error or "(" not in a1  # no digit below the error's order
    # arccos(1): a_3 is exactly 0 and prints as 0
    assert main(["taylor", "arccos(1)", "--n", "5"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if re.match(r"^\d\s", line)]
    assert rows[3][1] == "0" and rows[1][1].startswith("0.5")
