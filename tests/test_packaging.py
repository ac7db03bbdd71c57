"""Packaging: one version, ``--version``, ``python -m hermite_rev``, PEP 561 marker, license, citation."""

import pathlib
import re
import subprocess
import sys
import tomllib

import pytest

import hermite_rev as hr
from hermite_rev.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_version_is_read_from_one_place():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in meta["project"] and "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "hermite_rev._core.version.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]\d+|rc\d+|\.dev\d+)?", hr.__version__)


def test_cli_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"hermite-rev {hr.__version__}"


def test_python_dash_m_is_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "hermite_rev", "taylor", "exp(c)", "--n", "3", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert '"coefficients"' in out.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "hermite_rev", "taylor", "sqrt(c)"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_typed_package_and_license_and_citation():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert (ROOT / "hermite_rev" / "py.typed").exists()
    assert "py.typed" in meta["tool"]["setuptools"]["package-data"]["hermite_rev"]
    assert meta["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    cff = (ROOT / "CITATION.cff").read_text()
    assert "arXiv:2106.03186" in cff and "Reverse Engineering the Neural Tangent Kernel" in cff
    assert f"version: {hr.__version__}" in cff
    assert any(req.startswith("scikit-learn") for req in meta["project"]["dependencies"])


def test_public_api_is_annotated():
    import inspect

    from hermite_rev import export, family, plots, spectrum

    public = [
        hr.reverse,
        hr.hermite_coeffs,
        hr.kernel_of,
        hr.hermite_norm,
        export.export_activation,
        spectrum.spectrum,
        spectrum.decay,
        plots.plot_kernel,
        plots.plot_family,
        plots.paper_figures,
        family.ActivationFamily.activation,
        family.ActivationFamily.members,
        family.ActivationFamily.count,
        family.ActivationFamily.best,
        family.Activation.kernel,
        family.Activation.compile,
        family.Activation.export,
    ]
    for f in public:
        sig = inspect.signature(f)
        assert sig.return_annotation is not inspect.Signature.empty, f.__qualname__
        for name, p in sig.parameters.items():
            if name != "self" and p.kind not in (p.VAR_KEYWORD,):
                assert p.annotation is not inspect.Parameter.empty, f"{f.__qualname__}({name})"
