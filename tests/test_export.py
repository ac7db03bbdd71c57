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
