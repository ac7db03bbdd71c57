"""Every Python code block of README.md and docs/ runs, so the documentation cannot drift.

The blocks of one file run in order in one namespace (like a notebook), in a temporary folder.
A block whose fence reads ```` ```python notest ```` is an illustration that cannot run here (a
cluster, a full-scale run of many minutes): it is only compiled, so it still has to be Python.
"""

import pathlib
import re

import matplotlib
import matplotlib.pyplot as plt
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "docs" / "guide").glob("*.md"))]
FENCE = re.compile(r"^```python([^\n]*)\n(.*?)^```", re.S | re.M)


def blocks(path):
    text = path.read_text()
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 2
        yield line, m.group(1).strip(), m.group(2)


def test_every_documentation_file_is_checked():
    with_code = [p.name for p in FILES if list(blocks(p))]
    assert "README.md" in with_code and len(with_code) >= 10


@pytest.mark.parametrize("path", [p for p in FILES if list(blocks(p))], ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    matplotlib.use("Agg")
    namespace = {"__name__": "__markdown__"}
    ran = 0
    for line, info, source in blocks(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        code = compile(source, where, "exec")  # every block must at least be Python
        if "notest" in info.split():
            continue
        exec(code, namespace)
        ran += 1
    plt.close("all")
    assert ran > 0 or all("notest" in info.split() for _, info, _ in blocks(path))
