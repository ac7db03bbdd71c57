"""What the figures show: residual insets with the tail bound, family members chosen to differ in
low-order signs (never phi and -phi), labelled kernels, honest width-scaling fits, k = 0 in spectra."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import sympy

import hermite_rev as hr
from hermite_rev import plots

K4 = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))


@pytest.fixture(scope="module")
def fam12():
    return hr.reverse(K4, "ntk", n=12, dps=20)


def test_family_signs_span_low_orders_and_never_a_negated_pair(fam12):
    signs, how, varied = plots.family_signs(fam12, limit=16, seed=0)
    assert len(signs) == 16 and varied == 4
    as_tuples = {tuple(v) for v in signs}
    assert len(as_tuples) == 16  # distinct members
    assert not any(tuple(-x for x in v) in as_tuples for v in signs)  # never phi and -phi
    assert all(v[0] == 1 for v in signs)
    assert {v[1] for v in signs} == {1, -1}  # the low orders vary ...
    assert all(v[1 + varied :] == [1] * (len(v) - 1 - varied) for v in signs)  # ... the high ones do not
    assert "all patterns" in how and "b_1..b_4" in how
    # more patterns than shown: a seeded draw, reproducible, and the text says so
    a, how_a, _ = plots.family_signs(fam12, limit=5, seed=3, low=6)
    b, _, _ = plots.family_signs(fam12, limit=5, seed=3, low=6)
    assert a == b and len({tuple(v) for v in a}) == 5 and "seed 3" in how_a


def test_family_plot_says_how_members_were_chosen(fam12):
    ax = fam12.plot(limit=8)
    assert len(ax.lines) == 8
    texts = [t.get_text() for t in ax.texts]
    assert any("−φ has the same kernel" in t for t in texts)
    assert "8 of 4096" in ax.get_title() and "n = 12" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    ys = [tuple(np.round(line.get_ydata(), 9)) for line in ax.lines]
    assert not any(tuple(-y for y in a) in set(ys) for a in ys)  # no curve is another's negative


def test_kernel_plot_residual_inset_shows_the_tail_bound(fam12):
    ax = fam12.taylor.plot(label="4HL ReLU NTK")
    assert ax.get_title() == "4HL ReLU NTK" and "4HL ReLU NTK" in [t.get_text() for t in ax.get_legend().texts]
    (inset,) = ax.child_axes
    residual, bound = inset.lines[0], inset.lines[1]
    tail = fam12.tail()
    r = residual.get_ydata()
    assert np.all(r >= -1e-12)  # non-negative coefficients
    assert r.max() <= float(tail.bound) * (1 + 1e-9)  # the bound holds ...
    assert r.max() >= 0.999 * float(tail.estimate)  # ... and is reached at c = 1
    assert bound.get_ydata()[0] == pytest.approx(float(tail.bound))
    assert residual.get_xdata().max() == 1.0


def test_kernel_labels():
    assert plots.kernel_label("relu_ntk(depth=4)") == "relu_ntk(depth=4)"
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    assert plots.kernel_label(K) == "relu_ntk(4, sqrt(2), 1/10)"  # the constructor call (kernels.label_of)
    assert plots.kernel_label(K4 + hr.c**3) == "K(c)"  # a long unlabelled sympy tree is never shown
    assert plots.kernel_label(sympy.exp(hr.c)) == "exp(c)"
    assert plots.kernel_label(K4, "deep ReLU") == "deep ReLU"
    fam = hr.reverse("relu_ntk(depth=2)", "ntk", n=4)
    assert fam.label == "relu_ntk(depth=2)" and "relu_ntk(depth=2)" in repr(fam)
    assert hr.reverse(K4, "ntk", n=4, label="mine").label == "mine"


def test_width_scaling_fit_reports_uncertainty_or_refuses():
    w = np.array([64, 256, 1024, 4096, 16384])
    rng = np.random.default_rng(0)
    clean = 3.0 * w**-0.5 * np.exp(rng.normal(0, 0.02, w.size))
    ax, info = plots.plot_width_scaling(w, clean)
    assert info["fit"] and abs(info["exponent"] + 0.5) < 3 * info["stderr"] + 0.02
    assert "±" in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    noisy = 3.0 * np.exp(rng.normal(0, 1.0, w.size))
    ax, info = plots.plot_width_scaling(w, noisy)
    assert not info["fit"] and "too noisy" in ax.get_title()
    ax, info = plots.plot_width_scaling(w[:2], clean[:2])
    assert not info["fit"] and "needs 3" in ax.get_title()


def test_spectrum_plots_show_k0():
    from hermite_rev import spectrum

    sp = spectrum.spectrum(hr.kernels.arccos(1), d=5, kmax=10)
    ax = sp.plot()
    assert min(min(line.get_xdata()) for line in ax.lines) == 0
    assert "S^{4}" in ax.get_ylabel()
