"""Type information: every public callable is annotated, and the PEP 561 marker ships.

"Public" is every name in ``hermite_rev.__all__`` and every name without a leading underscore that
a public module defines (functions, classes and their methods and properties); of the CLI only
its entry point.  mypy (``[tool.mypy]`` in pyproject.toml, run by ``.ci/run``) checks that the
annotations are consistent; this test checks that they are there, so that a new public function
without them fails here even where mypy would be switched off.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import tomllib
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import hermite_rev as hr

ROOT = pathlib.Path(__file__).resolve().parent.parent

PUBLIC_MODULES = (
    "series",
    "kernels",
    "hermite",
    "family",
    "fit",
    "lower",
    "spectrum",
    "verify",
    "nets",
    "experiments",
    "deep",
    "predict",
    "interop",
    "sweep",
    "export",
    "plots",
    "activations",
    "limits",
)
ENTRY_POINTS = {"cli": ("main",)}


def _is_ours(obj: object, module: str) -> bool:
    return getattr(obj, "__module__", None) == module


def _members(cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Public methods, classmethods, staticmethods and property getters defined on ``cls``.

    ``__init__`` counts when written by hand (a dataclass's generated one is annotated from its
    fields); ``__call__`` counts because it is how instances are used.
    """
    for name, attr in vars(cls).items():
        if name.startswith("_") and name not in ("__init__", "__call__"):
            continue
        if isinstance(attr, property):
            if attr.fget is not None:
                yield f"{name} (property)", attr.fget
        elif isinstance(attr, (classmethod, staticmethod)):
            yield name, attr.__func__
        elif inspect.isfunction(attr):
            if name == "__init__" and "dataclass" in str(getattr(attr, "__qualname__", "")):
                continue
            if name == "__init__" and getattr(cls, "__dataclass_fields__", None) is not None:
                continue
            yield name, attr


def _public_callables() -> Iterator[tuple[str, Callable[..., Any]]]:
    seen: set[int] = set()

    def emit(label: str, fn: Callable[..., Any]) -> Iterator[tuple[str, Callable[..., Any]]]:
        if id(fn) not in seen:
            seen.add(id(fn))
            yield label, fn

    def walk_class(label: str, cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
        for name, fn in _members(cls):
            yield from emit(f"{label}.{name}", fn)
        for name, inner in vars(cls).items():
            if not name.startswith("_") and inspect.isclass(inner) and inner.__qualname__.startswith(cls.__qualname__):
                yield from walk_class(f"{label}.{name}", inner)

    def walk(label: str, obj: object, module: str) -> Iterator[tuple[str, Callable[..., Any]]]:
        if inspect.isclass(obj):
            if _is_ours(obj, module):
                yield from walk_class(label, obj)
        elif callable(obj) and _is_ours(obj, module) and not isinstance(obj, types.ModuleType):
            yield from emit(label, obj)

    for name in hr.__all__:
        obj = getattr(hr, name)
        if not isinstance(obj, types.ModuleType):
            yield from walk(f"hermite_rev.{name}", obj, getattr(obj, "__module__", ""))
    for short in PUBLIC_MODULES:
        mod = importlib.import_module(f"hermite_rev.{short}")
        for name, obj in vars(mod).items():
            if not name.startswith("_"):
                yield from walk(f"hermite_rev.{short}.{name}", obj, mod.__name__)
    for short, names in ENTRY_POINTS.items():
        mod = importlib.import_module(f"hermite_rev.{short}")
        for name in names:
            yield from emit(f"hermite_rev.{short}.{name}", getattr(mod, name))


def _missing(fn: Callable[..., Any]) -> list[str]:
    """Names of the parameters without annotation (the first of a method excepted), and
    ``return`` when the return annotation is missing."""
    sig = inspect.signature(fn, follow_wrapped=True)
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls") and "." in fn.__qualname__:
        params = params[1:]
    out = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    if sig.return_annotation is inspect.Signature.empty:
        out.append("return")
    return out


def test_walk_finds_the_public_api() -> None:
    labels = {label for label, _ in _public_callables()}
    # a walk that silently found nothing would pass the next test: check it sees the contract
    for name in (
        "hermite_rev.taylor",
        "hermite_rev.reverse",
        "hermite_rev.deep_reverse",
        "hermite_rev.kernels.relu_ntk",
        "hermite_rev.verify.empirical_kernel",
        "hermite_rev.verify.quadrature_kernel",
        "hermite_rev.nets.FCN.__init__",
        "hermite_rev.nets.train",
        "hermite_rev.experiments.parity",
        "hermite_rev.predict.gp_inference",
        "hermite_rev.ActivationFamily.best",
        "hermite_rev.ActivationFamily.n (property)",
        "hermite_rev.Activation.compile",
        "hermite_rev.lower.best_member",
        "hermite_rev.cli.main",
    ):
        assert name in labels, name
    assert len(labels) > 150


def test_every_public_callable_is_annotated() -> None:
    bad = []
    for label, fn in _public_callables():
        missing = _missing(fn)
        if missing:
            bad.append(f"{label}: {', '.join(missing)}")
    assert not bad, f"{len(bad)} public callables lack annotations:\n" + "\n".join(bad)


def test_the_check_catches_an_unannotated_function() -> None:
    def documented_but_untyped(n, dps=30):  # type: ignore[no-untyped-def]
        return n

    def typed(n: int, dps: int = 30) -> int:
        return n

    assert _missing(documented_but_untyped) == ["n", "dps", "return"]
    assert _missing(typed) == []


def test_py_typed_ships_in_the_wheel() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert (ROOT / "hermite_rev" / "py.typed").is_file()
    assert "py.typed" in meta["tool"]["setuptools"]["package-data"]["hermite_rev"]
    assert any(p.startswith("hermite_rev") for p in meta["tool"]["setuptools"]["packages"]["find"]["include"])


@pytest.mark.parametrize("module", ["__init__", *PUBLIC_MODULES])
def test_mypy_is_strict_on_public_modules(module: str) -> None:
    """mypy (run by .ci/run) requires annotations on every def of the public modules, and no
    override switches error codes off."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    name = "hermite_rev" if module == "__init__" else f"hermite_rev.{module}"
    strict = {"disallow_untyped_defs": cfg.get("disallow_untyped_defs", False)}
    strict["disallow_incomplete_defs"] = cfg.get("disallow_incomplete_defs", False)
    for override in cfg.get("overrides", []):
        assert not override.get("disable_error_code"), f"an override hides errors: {override}"
        mods = override["module"]
        if name in ([mods] if isinstance(mods, str) else mods):
            strict.update({k: override[k] for k in strict if k in override})
    assert all(strict.values()), (name, strict)


USER_SCRIPT = """
from typing import assert_type

import numpy as np
from numpy.typing import NDArray

import hermite_rev as hr

K = hr.kernels.relu_ntk(depth=2)
assert_type(hr.gram(K, np.eye(3)), NDArray[np.float64])
G, info = hr.gram(K, np.eye(3), info=True)
assert_type(hr.reverse("exp(c)", kind="ntk", n=8), hr.ActivationFamily)
assert_type(hr.taylor(K, 5, dps=20), hr.TaylorCoeffs)
assert_type(hr.verify.empirical_kernel("relu", "ntk", width=64, cs=[0.0, 1.0]), NDArray[np.float64])
f_train, f_test = hr.predict.gradient_descent_mse(K, np.eye(3), np.ones(3), np.eye(3))
f_train, f_test, cov = hr.predict.gradient_descent_mse(K, np.eye(3), np.ones(3), np.eye(3), K_nngp=K)
hr.reverse(K, kind="nttk")
"""


def test_a_users_script_type_checks(tmp_path: pathlib.Path) -> None:
    """What a user's mypy sees: precise types through the facade, the lazy modules and the
    overloads, and an error for a misspelt kind (and only there)."""
    api = pytest.importorskip("mypy.api")
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT)
    config = tmp_path / "mypy.ini"
    config.write_text(f"[mypy]\nmypy_path = {ROOT}\nignore_missing_imports = true\n")
    out, err, status = api.run([str(script), "--config-file", str(config), "--cache-dir", str(tmp_path / "cache")])
    errors = [line for line in out.splitlines() if ": error:" in line]
    bad_line = 1 + USER_SCRIPT.splitlines().index('hr.reverse(K, kind="nttk")')
    assert len(errors) == 1, out + err
    assert f"user.py:{bad_line}:" in errors[0] and 'Argument "kind" to "reverse"' in errors[0], out + err
    assert status == 1
