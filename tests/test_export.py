"""Tests of hermite_rev.export: every target is executed and compared with the compiled activation."""

import ctypes
import shutil
import subprocess

import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev.export import TARGETS, export_activation


@pytest.fixture(scope="module")
def act():
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    fam = hr.reverse(K, "ntk", n=24, dps=30)
    return fam.activation({3: -1, 5: -1})


def _grid():
    return np.linspace(-4, 4, 57)


def _run_python(src):
    ns = {"__name__": "exported"}
    exec(compile(src, "<exported>", "exec"), ns)
    return ns


def test_numpy_export_runs_standalone(act):
    src = act.export("numpy")
    assert "hermite_rev" in src.splitlines()[0] and "import hermite_rev" not in src
    ns = _run_python(src)
    f = act.compile()
    x = _grid()
    np.testing.assert_allclose(ns["phi"](x), f(x), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(ns["phi_grad"](x), f.grad(x), rtol=1e-13, atol=1e-13)
    # coefficients round-trip exactly through the source text
    np.testing.assert_array_equal(ns["PHI_COEFFS"], f.coeffs)


def test_custom_name(act):
    ns = _run_python(export_activation(act, "numpy", name="mimic"))
    assert abs(ns["mimic"](0.3) - act.compile()(0.3)) < 1e-13


def test_torch_export_autograd(act):
    torch = pytest.importorskip("torch")
    ns = _run_python(act.export("torch"))
    f = act.compile()
    x = torch.tensor(_grid(), dtype=torch.float64, requires_grad=True)
    y = ns["phi"](x)
    np.testing.assert_allclose(y.detach().numpy(), f(_grid()), rtol=1e-13, atol=1e-13)
    (g,) = torch.autograd.grad(y.sum(), x)
    np.testing.assert_allclose(g.numpy(), f.grad(_grid()), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ns["phi_grad"](x).detach().numpy(), f.grad(_grid()), rtol=1e-13, atol=1e-13)
    module = ns["HermiteActivation"]()
    assert isinstance(module, torch.nn.Module)
    out = module(x)
    np.testing.assert_allclose(out.detach().numpy(), f(_grid()), rtol=1e-13, atol=1e-13)
    out32 = module(x.detach().float())
    assert out32.dtype == torch.float32
    np.testing.assert_allclose(out32.numpy(), f(_grid()), rtol=1e-5, atol=1e-5)
    assert "coeffs" in dict(module.named_buffers())


def test_jax_export_jit(act):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    ns = _run_python(act.export("jax"))
    f = act.compile()
    x = jax.numpy.asarray(_grid())
    np.testing.assert_allclose(np.asarray(ns["phi"](x)), f(_grid()), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(ns["phi_grad"](x)), f.grad(_grid()), rtol=1e-12, atol=1e-12)
    g = jax.vmap(jax.grad(lambda t: ns["phi"](t)))(x)
    np.testing.assert_allclose(np.asarray(g), f.grad(_grid()), rtol=1e-12, atol=1e-12)


def test_c_export_compiles_and_matches(act, tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    src = act.export("c")
    (tmp_path / "phi.c").write_text(src)
    lib = tmp_path / "libphi.so"
    subprocess.run(
        [cc, "-std=c99", "-O2", "-Wall", "-Werror", "-shared", "-fPIC", "-o", str(lib), str(tmp_path / "phi.c")],
        check=True,
    )
    so = ctypes.CDLL(str(lib))
    for fn in (so.phi, so.phi_grad):
        fn.restype = ctypes.c_double
        fn.argtypes = [ctypes.c_double]
    so.phi_value_grad.argtypes = [ctypes.c_double, ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_double)]
    f = act.compile()
    x = _grid()
    v = np.array([so.phi(t) for t in x])
    g = np.array([so.phi_grad(t) for t in x])
    np.testing.assert_allclose(v, f(x), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(g, f.grad(x), rtol=1e-13, atol=1e-13)
    pv, pg = ctypes.c_double(), ctypes.c_double()
    so.phi_value_grad(0.25, ctypes.byref(pv), ctypes.byref(pg))
    assert pv.value == so.phi(0.25) and pg.value == so.phi_grad(0.25)


def test_latex(act):
    text = export_activation(act, "latex", digits=3, terms=4)
    assert text.startswith(r"\phi(z) = 1.21\, h_{0}(z) + 0.666\, h_{1}(z)")
    assert r"- 0.306\, h_{3}(z)" in text
    assert r"\text{24 nonzero terms}" in text
    assert act._repr_latex_().startswith("$") and "h_{7}" in act._repr_latex_()
    assert export_activation([0.0], "latex") == r"\phi(z) = 0"
    assert "10^{-7}" in export_activation([1e-7, 1.0], "latex")
    full = export_activation([0.5, -0.25, 0.125], "latex", terms=3)
    assert full == r"\phi(z) = 0.5\, h_{0}(z) - 0.25\, h_{1}(z) + 0.125\, h_{2}(z)"


def test_bad_input(act):
    with pytest.raises(ValueError, match="target must be one of"):
        act.export("fortran")
    with pytest.raises(ValueError, match="valid identifier"):
        act.export("numpy", name="my phi")
    with pytest.raises(ValueError, match="unknown option"):
        act.export("numpy", digits=3)
    with pytest.raises(ValueError, match="finite"):
        export_activation([1.0, float("nan")], "c")
    assert set(TARGETS) == {"numpy", "torch", "jax", "c", "latex", "neural_tangents"}


@pytest.mark.parametrize(
    "target,name",
    [
        ("numpy", "np"),
        ("numpy", "range"),
        ("numpy", "float"),
        ("torch", "torch"),
        ("torch", "math"),
        ("torch", "super"),
        ("jax", "jax"),
        ("jax", "jnp"),
    ],
)
def test_python_names_that_shadow_the_generated_code_are_rejected(target, name):
    # name="np" exported `def np(x)`, which shadowed numpy: "'function' object has no attribute 'asarray'"
    with pytest.raises(ValueError, match=rf"name='{name}' collides with a name the generated {target} code uses"):
        export_activation([0.5, 1.0], target, name=name)


@pytest.mark.parametrize(
    "name,why",
    [
        ("double", "C keyword"),
        ("int", "C keyword"),
        ("size_t", "C keyword"),
        ("NULL", "C keyword"),
        ("main", "C keyword"),
        ("abs", "standard library"),
        ("printf", "standard library"),
        ("sqrtf", "standard library"),
        ("_phi", "C identifier"),
        ("φ", "C identifier"),
    ],
)
def test_c_names_that_do_not_compile_are_rejected(name, why):
    # name="double" generated `double double(double x)`, which no C compiler accepts
    with pytest.raises(ValueError, match=why) as exc:
        export_activation([0.5, 1.0], "c", name=name)
    assert repr(name) in str(exc.value)


def test_names_are_checked_per_target():
    # what collides in one target is a fine name in another
    assert "def np(x):" in export_activation([0.5, 1.0], "torch", name="np")  # torch code does not use np
    ns = _run_python(export_activation([0.5, 1.0], "numpy", name="torch"))
    assert float(ns["torch"](2.0)) == 2.5
    assert export_activation([0.5, 1.0], "latex", name="double").startswith(r"\mathrm{double}(z)")
    assert export_activation([0.5, 1.0], "numpy", name="double")
    with pytest.raises(ValueError, match="class_name='phi_grad' collides"):
        export_activation([0.5, 1.0], "torch", class_name="phi_grad")
    with pytest.raises(ValueError, match="class_name='torch' collides"):
        export_activation([0.5, 1.0], "torch", class_name="torch")


def test_c_export_with_a_custom_name_compiles(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    (tmp_path / "m.c").write_text(export_activation([0.5, 1.0, 0.25], "c", name="mimic2"))
    lib = tmp_path / "libm.so"
    subprocess.run(
        [cc, "-std=c99", "-O2", "-Wall", "-Werror", "-shared", "-fPIC", "-o", str(lib), str(tmp_path / "m.c")],
        check=True,
    )
    so = ctypes.CDLL(str(lib))
    so.mimic2.restype = ctypes.c_double
    so.mimic2.argtypes = [ctypes.c_double]
    assert abs(so.mimic2(2.0) - (0.5 + 2.0 + 0.25 * (4 - 1) / np.sqrt(2))) < 1e-15


def test_docstring_examples():
    import doctest

    from hermite_rev import export

    result = doctest.testmod(export, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# --- every name that validates gives code that runs / compiles (issue 22) ----------------------------

B = [0.5, 1.0, 0.25]  # phi(x) = 0.5 + x + 0.25 h_2(x), h_2 = (x^2 - 1)/sqrt(2)


def _phi(x):
    return 0.5 + x + 0.25 * (x * x - 1) / np.sqrt(2)


def _stubs():
    """numpy stand-ins for torch, jax and neural_tangents: enough to import and run the exports
    where the real packages are not installed (name clashes and mangling are pure Python)."""
    import types

    class Tensor(np.ndarray):
        def to(self, dtype):
            return np.asarray(self, dtype=dtype)

        # the in-place methods of the torch export's fused pass
        def mul_(self, a):
            self *= a
            return self

        def add_(self, other, alpha=1.0):
            self += alpha * other
            return self

        def addcmul_(self, a, b, value=1.0):
            self += value * a * b
            return self

        def clone(self):
            return self.copy()

    def tensor_like(fn):
        return lambda x, *args: fn(np.asarray(x), *args).view(Tensor)

    class Function:  # torch.autograd.Function, forward only
        @classmethod
        def apply(cls, x):
            ctx = types.SimpleNamespace(save_for_backward=lambda *saved: None)
            return cls.forward(ctx, np.asarray(x).view(Tensor))

    class Module:
        def register_buffer(self, key, value):
            setattr(self, key, value)

        def __call__(self, x):
            return self.forward(x)

    torch = types.ModuleType("torch")
    torch.nn = types.SimpleNamespace(Module=Module)
    torch.tensor = lambda v, dtype=None: np.asarray(v, dtype=dtype).view(Tensor)
    torch.zeros_like, torch.ones_like, torch.float64 = np.zeros_like, np.ones_like, np.float64
    torch.zeros_like, torch.ones_like, torch.full_like = map(tensor_like, (np.zeros_like, np.ones_like, np.full_like))
    torch.autograd = types.SimpleNamespace(Function=Function)

    class custom_jvp:  # jax.custom_jvp: the primal function, the rule only recorded
        def __init__(self, fun):
            self.fun = fun

        def __call__(self, x):
            return self.fun(x)

        def defjvp(self, rule):
            self.rule = rule
            return rule

    jax = types.ModuleType("jax")
    jax.jit = lambda f: f
    jax.custom_jvp = custom_jvp
    jax.numpy = np
    nt = types.ModuleType("neural_tangents")
    nt.stax = types.SimpleNamespace(Elementwise=lambda fn, nngp_fn, d_nngp_fn: (fn, nngp_fn, d_nngp_fn))
    return {"torch": torch, "jax": jax, "jax.numpy": np, "neural_tangents": nt}


def _import_module(src, path):
    """Write the export to ``path`` and import it as a module (what a user does with it)."""
    import importlib.util

    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"exported_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_runs(module, target, name, class_name="HermiteActivation"):
    x = np.array([-1.5, 0.0, 2.0])
    f = getattr(module, name)
    assert np.allclose(np.asarray(f(x)), _phi(x), atol=1e-13)
    if target != "neural_tangents":  # the layer's derivative is its d_nngp_fn
        assert np.allclose(np.asarray(getattr(module, name + "_grad")(x)), 1 + 0.25 * 2 * x / np.sqrt(2), atol=1e-13)
    if target == "torch":
        assert np.allclose(np.asarray(getattr(module, class_name)()(x)), _phi(x), atol=1e-13)
    if target == "neural_tangents":
        k = getattr(module, name + "_nngp_fn")(np.array(0.3), np.array(1.0), np.array(1.0))
        assert np.allclose(k, 0.25 + 0.3 + 0.0625 * 0.09)
        assert len(getattr(module, name + "_layer")()) == 3


HOSTILE_NAMES = sorted(
    set(dir(__import__("builtins")))
    | {"_x", "__x", "_", "__", "___", "_phi_series", "__phi", "x", "coeffs", "out", "h", "h_prev", "k", "s", "m"}
    | {"var", "var1", "var2", "cov12", "rho", "total", "power", "b1", "b2", "bm", "i", "j", "self", "c", "p", "p_prev"}
    | {"__builtins__", "__name__", "__doc__", "__spec__", "__file__", "__all__", "math", "np", "jnp", "stax"}
    | {"PHI", "PHI_COEFFS", "HermiteActivation", "Module", "ｐｈｉ", "φ", "ﬁ", "ß", "ǅ"}
)


@pytest.mark.parametrize("target", ["numpy", "torch", "jax", "neural_tangents"])
def test_every_accepted_python_name_imports_and_runs(target, tmp_path, monkeypatch):
    # before: name="_x" in torch (``__x_series`` mangled in the class body), name="enumerate" in
    # neural_tangents and "__builtins__" in torch / neural_tangents validated but did not run
    for key, module in _stubs().items():
        monkeypatch.setitem(__import__("sys").modules, key, module)
    accepted = 0
    for i, name in enumerate(HOSTILE_NAMES):
        try:
            src = export_activation(B, target, name=name)
        except ValueError:
            continue
        accepted += 1
        module = _import_module(src, tmp_path / f"m{i}.py")
        norm = __import__("unicodedata").normalize("NFKC", name)
        try:
            _check_runs(module, target, norm)
        except Exception as exc:
            raise AssertionError(f"name={name!r}: the {target} export does not run: {exc!r}") from exc
    assert accepted > 50
    for bad in ("__builtins__", "__name__", "enumerate" if target == "neural_tangents" else "range"):
        with pytest.raises(ValueError, match="name="):
            export_activation(B, target, name=bad)


@pytest.mark.parametrize("class_name", ["__A", "_A", "__", "A_", "__builtins__", "tensor"])
def test_torch_class_names_import_and_run(class_name, tmp_path, monkeypatch):
    for key, module in _stubs().items():
        monkeypatch.setitem(__import__("sys").modules, key, module)
    for name in ("phi", "_x", "__x"):
        try:
            src = export_activation(B, "torch", name=name, class_name=class_name)
        except ValueError as exc:
            assert class_name == "__builtins__" and "special name" in str(exc)
            continue
        _check_runs(_import_module(src, tmp_path / f"t{name}.py"), "torch", name, class_name)


@pytest.mark.parametrize("target", ["torch", "jax", "neural_tangents"])
def test_hostile_names_run_with_the_real_package(target, tmp_path):
    pytest.importorskip(target)
    if target != "torch":
        import jax

        jax.config.update("jax_enable_x64", True)
    for i, name in enumerate(["_x", "__x", "_", "enumerate", "tuple", "coeffs", "var1"]):
        try:
            src = export_activation(B, target, name=name)
        except ValueError:
            continue
        module = _import_module(src, tmp_path / f"r{i}.py")
        f = getattr(module, name)
        if target == "torch":
            import torch

            x = torch.tensor([-1.5, 0.0, 2.0], dtype=torch.float64)
            assert np.allclose(f(x).numpy(), _phi(x.numpy()))
            assert np.allclose(module.HermiteActivation()(x).numpy(), _phi(x.numpy()))
        else:
            assert np.allclose(np.asarray(f(np.array([-1.5, 0.0, 2.0]))), _phi(np.array([-1.5, 0.0, 2.0])))


def _gcc_builtin_names():
    """The names gcc knows as built-ins (``__builtin_NAME`` in its cc1), where they can be read."""
    import re

    gcc = shutil.which("gcc")
    try:
        cc1 = subprocess.run([gcc, "-print-prog-name=cc1"], capture_output=True, text=True, check=True).stdout.strip()
        data = open(cc1, "rb").read()
    except (OSError, subprocess.CalledProcessError, TypeError):
        return []
    return sorted({m.decode() for m in re.findall(rb"__builtin_([a-z][a-z0-9_]*)\x00", data)})


def test_every_accepted_c_name_compiles_with_gcc_werror(tmp_path):
    # before: name="lgammaf_r" validated, and gcc -Wall -Werror failed (a conflicting built-in)
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    base = _gcc_builtin_names() + ["lgammaf_r", "gammaf_r", "sqrtf128", "fabsd64", "roundeven", "phi", "mimic"]
    suffixes = ("_grad", "_value_grad", "_coeffs", "_grad_coeffs", "_r", "_s", "_N")
    names = set(base) | {n[: -len(s)] for n in base for s in suffixes if n.endswith(s) and len(n) > len(s)}
    accepted = []
    for name in sorted(names):
        try:
            accepted.append((name, export_activation(B, "c", name=name)))
        except ValueError:
            continue
    for bad in ("lgammaf_r", "gammal_r", "sqrtf128", "roundevenf", "towlower"):
        with pytest.raises(ValueError, match="gcc built-in"):
            export_activation(B, "c", name=bad)

    def compiles(batch):
        path = tmp_path / "batch.c"
        path.write_text("\n".join(src for _, src in batch))
        cmd = [gcc, "-Wall", "-Werror", "-c", str(path), "-o", str(tmp_path / "batch.o")]
        return subprocess.run(cmd, capture_output=True).returncode == 0

    failing = []

    def bisect(batch):
        if compiles(batch):
            return
        if len(batch) == 1:
            failing.append(batch[0][0])
            return
        bisect(batch[: len(batch) // 2])
        bisect(batch[len(batch) // 2 :])

    for i in range(0, len(accepted), 400):
        bisect(accepted[i : i + 400])
    assert not failing, f"accepted C names that fail gcc -Wall -Werror -c: {failing}"


def test_header_names_the_kernel_by_its_label():
    K = hr.kernels.relu_ntk(depth=30, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    act = hr.reverse(K, "ntk", n=6, dps=20).activation()
    for target in ("numpy", "c", "torch"):
        src = act.export(target)
        head = src[: src.index("Runs without hermite_rev")]
        assert "ntk of relu_ntk(depth=30, sigma_w=sqrt(2), sigma_b=1/10)" in head, head
        assert len(head) < 600
