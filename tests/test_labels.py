"""Display labels of kernels: constructors and the parser record them, results keep them,
figures show them (explicit label= > label_of(K) > the expression's short text)."""

import threading
import time
from fractions import Fraction

import matplotlib
import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev import kernels, plots
from hermite_rev._core import registry
from hermite_rev._core.validate import parse

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _texts(ax):
    """The title and every legend entry of an Axes."""
    legend = ax.get_legend()
    entries = [t.get_text() for t in legend.get_texts()] if legend is not None else []
    return ax.get_title(), entries


# --------------------------------------------------------------------------------------------
# constructors and parser
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "want"),
    [
        (
            lambda: kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10)),
            "relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=1/10)",
        ),
        (
            lambda: kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=0.1),
            "relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=0.1)",
        ),
        (lambda: kernels.relu_nngp(3, 2**0.5, 0.1), "relu_nngp(3, 1.4142135623730951, 0.1)"),
        (lambda: kernels.relu_nngp(2, np.float32(0.5), Fraction(1, 10)), "relu_nngp(2, 0.5, 1/10)"),
        (lambda: kernels.erf_ntk(2, sigma_b=sympy.Float(0.1), a=2, b=0.5), "erf_ntk(2, sigma_b=0.1, a=2, b=0.5)"),
        (lambda: kernels.erf_nngp(), "erf_nngp()"),
        (lambda: kernels.arccos(2), "arccos(2)"),
        (lambda: kernels.exponential(beta=0.25), "exponential(beta=0.25)"),
        (lambda: kernels.gaussian(2), "gaussian(2)"),
        (lambda: kernels.polynomial([1, 0.5, Fraction(1, 3)]), "polynomial([1, 0.5, 1/3])"),
        (lambda: kernels.inhomogeneous_polynomial(3, offset=0.5), "inhomogeneous_polynomial(3, offset=0.5)"),
    ],
)
def test_constructors_label_their_result_as_called(build, want):
    assert kernels.label_of(build()) == want


def test_deep_kernels_labels_both_kernels():
    nngp, ntk = kernels.deep_kernels(kernels._relu_dual, 2, sigma_b=0.1)
    assert kernels.label_of(nngp) == "NNGP of deep_kernels(_relu_dual, 2, sigma_b=0.1)"
    assert kernels.label_of(ntk) == "NTK of deep_kernels(_relu_dual, 2, sigma_b=0.1)"


def test_long_arguments_are_abbreviated():
    label = kernels.label_of(kernels.polynomial(list(range(1, 501))))
    assert label.startswith("polynomial([1, 2, 3, 4, 5, 6, 7, 8, ... (500 numbers)")
    assert len(label) <= registry.LABEL_LENGTH


def test_unlabelled_expressions():
    K = kernels.relu_ntk(depth=2)
    assert kernels.label_of(2 * K) is None  # derived: a new object
    assert kernels.label_of(hr.c**7 / 13 + 1) is None
    assert kernels.label_of(kernels.relu_nngp(depth=0)) is None  # that is the atom c: never labelled
    assert kernels.label_of(hr.c) is None
    assert kernels.label_of("relu_ntk(2)") is None and kernels.label_of(None) is None


def test_a_constructor_label_never_names_an_equal_expression_built_elsewhere():
    K = kernels.exponential()
    assert kernels.label_of(K) == "exponential()"
    E = sympy.exp(hr.c)  # equal, but sympy would have handed back the same interned object
    assert E == K and E is not K and hash(E) == hash(K)
    assert kernels.label_of(E) is None and plots.kernel_label(E) == "exp(c)"
    P = kernels.polynomial([1, 0, 1])
    assert kernels.label_of(hr.c**2 + 1) is None and kernels.label_of(P) == "polynomial([1, 0, 1])"
    assert hr.taylor(K, 3, exact=True) == [1, 1, sympy.Rational(1, 2)]  # a fresh object works as any other
    S = parse("exponential() + arccos(1)", hr.c)
    assert kernels.label_of(S) == "exponential() + arccos(1)"
    assert kernels.label_of(sympy.exp(hr.c) + kernels.arccos.__wrapped__(1)) is None


def test_labels_go_by_identity_not_structure():
    K1 = kernels.relu_ntk(depth=2, sigma_b=0.1)
    K2 = kernels.relu_ntk(2, sigma_b=sympy.Rational(1, 10))
    assert K1 is not K2
    assert kernels.label_of(K1) == "relu_ntk(depth=2, sigma_b=0.1)"
    assert kernels.label_of(K2) == "relu_ntk(2, sigma_b=1/10)"


def test_parser_labels_with_the_typed_text():
    K = parse("relu_ntk(depth=4,   sigma_w=sqrt(2), sigma_b=0.1)", hr.c)
    assert kernels.label_of(K) == "relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=0.1)"
    K = parse("0.5*arccos(1) + relu_nngp(2, sigma_b=0.1)", hr.c)
    assert kernels.label_of(K) == "0.5*arccos(1) + relu_nngp(2, sigma_b=0.1)"
    assert hr.plots.kernel_label(K) == "0.5*arccos(1) + relu_nngp(2, sigma_b=0.1)"
    assert kernels.label_of(parse("exp(c) + c", hr.c)) is None  # no constructor: its own text is the name


# --------------------------------------------------------------------------------------------
# results keep the label
# --------------------------------------------------------------------------------------------

NAME = "relu_ntk(depth=3, sigma_w=sqrt(2), sigma_b=0.1)"


def _K():
    return kernels.relu_ntk(depth=3, sigma_w=sympy.sqrt(2), sigma_b=0.1)


def test_label_survives_reverse_and_its_activations():
    fam = hr.reverse(_K(), "ntk", n=6, dps=15)
    assert fam.label == NAME
    assert NAME in repr(fam)
    assert NAME in repr(fam.activation())
    assert hr.reverse(_K(), "ntk", n=6, dps=15, label="my kernel").label == "my kernel"
    assert hr.reverse(NAME, "ntk", n=6, dps=15).label == NAME  # a string: its text
    assert hr.reverse([1, 2, 0.5], "nngp", n=3).label == "polynomial([1, 2, 0.5])"
    assert hr.reverse(hr.c**2 + hr.c, "nngp", n=3).label is None  # figures then print c**2 + c


def test_label_survives_reverse_with_hyperparameters():
    fam = hr.reverse(kernels.exponential(beta=0.5), "nngp", n=6, dps=15, sigma_w=2, sigma_b=0.5)
    assert fam.label == "exponential(beta=0.5)"
    title, _ = _texts(fam.plot(limit=4))
    assert "exponential(beta=0.5)" in title
    assert "σ_w = 2, σ_b = 1/2" in title and "n = 6" in title


def test_label_survives_taylor():
    assert hr.taylor(_K(), 4, dps=15).label == NAME
    assert hr.taylor(kernels.arccos(1), 4, exact=True).label == "arccos(1)"
    assert hr.taylor(_K(), 4, dps=15, label="K").label == "K"
    assert hr.taylor(" exp(c)  ", 3).label == "exp(c)"


def test_label_survives_spectrum_and_decay():
    sp = hr.spectrum.spectrum(kernels.exponential(beta=2), d=3, kmax=6, dps=15)
    assert sp.label == "exponential(beta=2)"
    title, legend = _texts(sp.plot())
    assert legend and all(t.startswith("exponential(beta=2), d = 3") for t in legend)
    assert title.startswith("Mercer spectrum of exponential(beta=2)") and "k = 0..6" in title
    rep = hr.spectrum.decay(kernels.arccos(1), d=3, kmax=30, dps=15)
    assert rep.table().splitlines()[0].startswith("| arccos(1) | 3 |")


def test_label_survives_deep_reverse():
    fam = hr.deep_reverse(kernels.polynomial([0, 0.5, 0.5]), depth=1, n=3)
    assert fam.label == "polynomial([0, 0.5, 0.5])"
    assert "polynomial([0, 0.5, 0.5])" in repr(fam)
    title, _ = _texts(fam.plot(limit=2))
    assert "polynomial([0, 0.5, 0.5])" in title and "1HL net (σ_w = 1, σ_b = 0)" in title


# --------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------


def test_plot_kernel_title_and_legend_name_the_kernel():
    K = _K()
    title, legend = _texts(plots.plot_kernel(K, coeffs=hr.taylor(K, 6, dps=15), kind="ntk"))
    assert title == NAME and legend[0] == NAME
    title, legend = _texts(plots.plot_kernel(K, label="the 3HL ReLU NTK"))
    assert title == "the 3HL ReLU NTK" and legend == ["the 3HL ReLU NTK"]
    title, _ = _texts(hr.taylor(K, 6, dps=15).plot())  # TaylorCoeffs.plot keeps taylor's label
    assert title == NAME


def test_family_plot_title_names_kernel_net_and_n():
    fam = hr.reverse(_K(), "ntk", n=6, dps=15)
    title, _ = _texts(fam.plot(limit=4))
    assert NAME in title and "1HL net (σ_w = 1, σ_b = 0)" in title and "n = 6 Hermite terms" in title
    title, _ = _texts(fam.plot(limit=4, label="target"))
    assert "target" in title and NAME not in title


def test_kernel_label_fallbacks():
    assert plots.kernel_label(hr.c**2 / 2) == "c**2/2"
    long = sum(hr.c**k / (k + 1) for k in range(40))
    assert plots.kernel_label(long) == "K(c)"  # never a long sympy tree
    assert plots.kernel_label(None) == "K(c)"
    assert plots.kernel_label(" exp(c) ") == "exp(c)"


# --------------------------------------------------------------------------------------------
# threads, bound, depth
# --------------------------------------------------------------------------------------------


def test_labels_under_threads():
    out, errors = {}, []

    def work(i):
        try:
            for j in range(20):
                beta = Fraction(1 + i * 100 + j, 7)
                K = kernels.exponential(beta=beta)
                got = kernels.label_of(K)
                if got != f"exponential(beta={beta})" and got is not None:  # None: evicted (never wrong)
                    errors.append((i, j, got))
            out[i] = kernels.label_of(kernels.arccos(i % 3))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert out == {i: f"arccos({i % 3})" for i in range(8)}


@pytest.fixture
def _registry_restored():
    """The bound test fills the registry; other tests' module-level kernels keep their labels."""
    saved = registry._LABELS.copy()
    yield
    with registry._LABELS_LOCK:
        registry._LABELS.clear()
        registry._LABELS.update(saved)


@pytest.mark.usefixtures("_registry_restored")
def test_registry_is_bounded_and_least_recently_used_goes_first():
    first = kernels.exponential(beta=Fraction(1, 3))
    kept = kernels.exponential(beta=Fraction(2, 3))
    built = [first, kept]
    for k in range(registry.LABELS_MAX - 2):
        built.append(kernels.exponential(beta=Fraction(k + 1, 10_007)))
        if k % 100 == 0:
            assert kernels.label_of(kept) is not None  # a use moves it to the back
    built.append(kernels.exponential(beta=Fraction(5, 3)))  # one over the bound
    assert len(registry._LABELS) <= registry.LABELS_MAX
    assert kernels.label_of(first) is None  # the least recently used entry is gone
    assert kernels.label_of(kept) == "exponential(beta=2/3)"
    assert kernels.label_of(built[-1]) == "exponential(beta=5/3)"


def test_depth_1000_kernel_is_labelled_without_walking_it():
    t0 = time.perf_counter()
    K = kernels.relu_ntk(depth=1000, sigma_b=0.1)
    t1 = time.perf_counter()
    assert kernels.label_of(K) == "relu_ntk(depth=1000, sigma_b=0.1)"
    assert plots.kernel_label(K) == "relu_ntk(depth=1000, sigma_b=0.1)"
    assert "relu_ntk(depth=1000, sigma_b=0.1)" in repr(hr.family.Activation((1, 0.5), kind="ntk", source=K))
    derived = kernels._LAZY.add(K, hr.c)  # unlabelled and deep: named without printing it
    assert kernels.label_of(derived) is None and plots.kernel_label(derived) == "K(c)"
    assert time.perf_counter() - t1 < 0.5 + (t1 - t0)
    K = parse("relu_nngp(depth=1000)", hr.c)
    assert kernels.label_of(K) == "relu_nngp(depth=1000)"


def test_family_taylor_carries_the_family_label():
    fam = hr.reverse(_K(), "ntk", n=5, dps=15, label="the target")
    assert fam.taylor.label == "the target"
    assert _texts(fam.taylor.plot())[0] == "the target"
