"""The layout: docs/architecture.md, the import-linter contracts in pyproject.toml and the tree
agree; no import cycle (imports inside functions counted); every module under 900 lines."""

import ast
import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hermite_rev"


# outside the layers: the package facade, `python -m hermite_rev`, and the public face of the
# one limits table (each imports from below and nothing imports them)
FACADES = {"hermite_rev", "hermite_rev.__main__", "hermite_rev.limits"}


def _modules():
    """{dotted name: path} of every module of the package (a package by its __init__)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _pipeline_layers():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (main,) = [c for c in contracts if c["name"] == "the pipeline imports downward only"]
    return main["layers"]


def test_the_page_lists_the_contract_layers():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n(.*?)```", text, re.S).group(1)
    assert block.split("\n")[:-1] == _pipeline_layers()


def test_every_module_sits_in_a_layer():
    assert not any(_imports(name, path) & FACADES - {"hermite_rev"} for name, path in _modules().items())
    layers = {name.strip() for line in _pipeline_layers() for name in line.split("|")}
    for name in _modules():
        if name in FACADES:
            continue
        top = ".".join(name.split(".")[:2])
        assert top in layers, f"{name} is in no layer of the pipeline contract"


def _imports(name, path):
    """Modules of the package that ``name`` imports, at the top or inside functions (imports
    under ``if TYPE_CHECKING:`` excluded, as import-linter does)."""
    modules = _modules()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            subs = [f"{module}.{alias.name}" for alias in node.names]
            # `from pkg import sub` loads the submodule; `from pkg import name` loads pkg itself
            targets = [t for t in subs if t in modules]
            if len(targets) < len(subs):
                targets.append(module)
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def test_no_import_cycle_function_local_imports_included():
    modules = _modules()
    graph = {name: _imports(name, path) for name, path in modules.items()}
    state = {}
    stack = []

    def visit(v):
        state[v] = "open"
        stack.append(v)
        for w in graph[v]:
            if state.get(w) == "open":
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(w) :] + [w]))
            if w not in state:
                visit(w)
        stack.pop()
        state[v] = "done"

    for v in graph:
        if v not in state:
            visit(v)


def test_every_module_under_900_lines():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()}
    assert max(sizes.values()) < 900, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
