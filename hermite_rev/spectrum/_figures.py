r"""The paper-style figure of spectra: a deep ReLU NTK against its one-hidden-layer mimics.

Place: the top module of the spectrum stage; computes with ``._spectrum`` (spectra, decay),
:mod:`hermite_rev.family` (the mimics' activations) and :mod:`hermite_rev.kernels`, and draws
through ``._draw`` (so through the leaf :mod:`hermite_rev._figures`).  Prints nothing:
``python -m hermite_rev.spectrum`` (:func:`hermite_rev.cli.spectrum_figure`) reports the numbers.

Index
-----
plot_compare   figure: spectrum of a deep ReLU NTK, of its shallow (1HL) mimics and the
               Bietti-Bach asymptote; returns the numbers it drew
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mpmath
import sympy

from .._core.validate import check_positive_int
from ..family import reverse
from ..kernels import relu_ntk
from ._draw import draw_spectra
from ._spectrum import decay, spectrum

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

__all__ = ["plot_compare"]


def plot_compare(
    path: str | os.PathLike[str],
    depth: int = 4,
    sigma_w: sympy.Expr | float | None = None,
    sigma_b: sympy.Expr | float | None = None,
    d: int = 3,
    kmax: int = 120,
    n: Sequence[int] = (40, 400),
    dps: int = 20,
) -> tuple[str | os.PathLike[str], dict[str, Any]]:
    r"""Spectra of a deep ReLU NTK and of its one-hidden-layer mimics, on the same log-log axes.

    A mimic is the 1HL NTK of the truncated Hermite activation from
    ``hr.reverse(K, "ntk", n)``: its kernel is :math:`\sum_{j<n} a_j c^j`, so its
    eigenvalues are exact finite sums (zero for k >= n), below the deep kernel's by at most
    the rigorous truncation bound.  Also drawn: the Bietti-Bach asymptote (all fractional
    terms of the endpoint expansions, transformed exactly).

    Parameters
    ----------
    path : str or path-like
        Where the figure is saved (``python -m hermite_rev.spectrum`` uses
        ``out/spectrum_deep_vs_shallow.png``).
    n : int or tuple of int
        Hermite terms of each mimic.

    Returns
    -------
    (path, dict)
        The saved PNG and the numbers plotted: ``{"deep": Spectrum, "mimics": {n: Spectrum},
        "decay": DecayReport, "gaps": {n: {k: relative gap}}, "first_k_gap_over_1pct": {n: k}}``.
    """
    sigma_w = sympy.sqrt(2) if sigma_w is None else sigma_w
    sigma_b = sympy.Rational(1, 10) if sigma_b is None else sigma_b
    ns = (n,) if isinstance(n, int) else tuple(n)
    ns = tuple(check_positive_int(m, "n") for m in ns)
    K = relu_ntk(depth=depth, sigma_w=sigma_w, sigma_b=sigma_b)
    deep = spectrum(K, d, kmax, dps=dps, method="auto")
    rep = decay(K, d, spectrum=deep)
    ks = [k for k in range(0, kmax + 1) if deep.resolved(k)]
    sw2, sb = sympy.nsimplify(sigma_w**2), sympy.nsimplify(sigma_b)
    deep_label = f"deep: {depth}-hidden-layer ReLU NTK (σ_w² = {sw2}, σ_b = {sb})"
    curves: list[Any] = [(ks, [float(deep[k]) for k in ks], "o", {"ms": 3, "label": deep_label})]
    mimics, gaps, first = {}, {}, {}
    for m, marker in zip(ns, "x+*^v"):
        fam = reverse(K, "ntk", m, dps=dps)
        coeffs = fam.activation().kernel("ntk", m)
        mimic = spectrum(list(coeffs), d, kmax, n_taylor=m, dps=dps, method="series")
        mimics[m] = mimic
        km = [k for k in range(0, kmax + 1) if mimic[k] > 0 and mimic.resolved(k)]
        mimic_label = f"shallow mimic: 1HL NTK, {m} Hermite terms (μ_k = 0 for k ≥ {m})"
        curves.append((km, [float(mimic[k]) for k in km], marker, {"ms": 4, "label": mimic_label}))
        with mpmath.workdps(dps):
            rel = [float(abs(deep[k] - mimic[k]) / deep[k]) for k in range(kmax + 1)]
        gaps[m] = {k: rel[k] for k in (0, 1, 2, 5, 10, 20, 50) if k <= kmax}
        first[m] = next((k for k, g in enumerate(rel) if g > 0.01), None)
    ka = [k for k in ks if k >= 5]  # an asymptote: drawn where it is meant to hold
    asym = [float(abs(rep.asymptotic(k))) for k in ka]
    curves.append((ka, asym, "-", {"lw": 1, "color": "gray", "label": r"Bietti–Bach asymptote $\propto k^{-d}$"}))
    title = (
        f"Mercer spectrum on the sphere $S^{{{d - 1}}}$ (d = {d}) of the {depth}-hidden-layer ReLU NTK\n"
        f"(σ_w² = {sw2}, σ_b = {sb}) and of the NTKs of its 1HL mimics (σ_w = 1, σ_b = 0;\n"
        f"n = {', '.join(map(str, ns))} Hermite terms), NTK parameterization"
    )
    draw_spectra(path, curves, d=d, title=title)
    return path, {"deep": deep, "mimics": mimics, "decay": rep, "gaps": gaps, "first_k_gap_over_1pct": first}
