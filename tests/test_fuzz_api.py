"""The API-wide fuzzer (issue 22): every public call and CLI subcommand, valid, edge and hostile input.

The table of calls and the properties checked live in the package ``tests/fuzz/`` (values, table,
runner).  The fast variant runs a few derandomized examples of every call in CI; the slow one runs
many, writes the per-call table to ``out/fuzz_api_table.md`` and prints it.
"""

import os
import pathlib
import time

import pytest
from fuzz import ALL, Recorder, draw_call, run_one
from hypothesis import HealthCheck, Phase, given, settings

FAST_EXAMPLES = 5
SLOW_EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", "60"))
SLOW_SECONDS = float(os.environ.get("FUZZ_API_SECONDS_PER_CALL", "30"))  # wall time per public call


def fuzz_entry(entry, recorder, examples, *, long=False, derandomize=True, seconds=None):
    """Run ``examples`` draws of one call through :func:`fuzz.run_one`, recording every outcome
    (the draws after ``seconds`` are skipped)."""
    stop = None if seconds is None else time.monotonic() + seconds

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(draw_call(entry, long))
    def probe(drawn):
        if stop is None or time.monotonic() < stop:
            recorder.add(entry.name, drawn, run_one(entry, drawn))

    probe()


@pytest.mark.parametrize("entry", ALL, ids=[e.name for e in ALL])
def test_fuzz_api_fast(entry, tmp_path, monkeypatch):
    if not entry.available():
        pytest.skip(f"{entry.name} is not in this version")
    monkeypatch.chdir(tmp_path)
    recorder = Recorder()
    fuzz_entry(entry, recorder, FAST_EXAMPLES)
    assert recorder.counts[entry.name]["tried"] > 0
    failures = recorder.failures(include_known=False)
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_fuzz_api_long(tmp_path, monkeypatch):
    out = pathlib.Path.cwd() / "out"
    out.mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path)
    recorder = Recorder()
    t0 = time.time()
    for entry in ALL:
        if entry.available():
            fuzz_entry(entry, recorder, SLOW_EXAMPLES, long=True, derandomize=False, seconds=SLOW_SECONDS)
            text = (  # written after every call: an interrupted run keeps its table
                f"{sum(r['tried'] for r in recorder.counts.values())} calls in {time.time() - t0:.0f} s, "
                f"at most {SLOW_EXAMPLES} examples and {SLOW_SECONDS:.0f} s per public call\n\n{recorder.table()}\n"
                + "".join(f"- {line}\n" for line in recorder.failures())
            )
            (out / "fuzz_api_table.md").write_text(text)
    print(text)
