import numpy as np
import sympy

import hermite_rev as hr
import hermite_rev.series._values
from hermite_rev import plots


def test_kernel_values_match_mpmath_including_endpoints():
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    cs = np.array([-1.0, -0.3, 0.0, 0.77, 1.0])
    got = hr.series._values.kernel_values(K, cs)
    want = [float(hr.series.evaluate_at(K, sympy.Rational(x), 30)[0]) for x in ["-1", "-0.3", "0", "0.77", "1"]]
    assert np.allclose(got, want, rtol=1e-12, atol=0)
    assert got[-1] == np.float64(5.07) or abs(got[-1] - 5.07) < 1e-12


def test_series_values_horner():
    assert np.allclose(hr.series._values.series_values([1, 2, 3], np.array([0.0, 0.5, -1.0])), [1, 2.75, 2])


def test_paper_figures_fast(tmp_path):
    paths = plots.paper_figures(str(tmp_path), formats=("png", "svg"), fast=True)
    names = {p.rsplit("/", 1)[-1] for p in paths}
    assert {"kernel.png", "kernel.svg", "mimic_activation.png", "family.png", "training.png"} <= names
    for p in paths:
        assert (tmp_path / p.rsplit("/", 1)[-1]).stat().st_size > 5_000


def test_plot_methods_return_axes(tmp_path):
    fam = hr.reverse(hr.kernels.relu_ntk(2), "ntk", n=6)
    for ax in (fam.plot(limit=4), fam.activation().plot(), fam.taylor.plot(), plots.plot_activation(fam.activation())):
        assert len(ax.lines) >= 1
    ax = fam.taylor.plot()
    y = ax.lines[0].get_ydata()
    assert np.isfinite(y).all()
