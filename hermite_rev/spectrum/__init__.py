r"""Mercer spectra of dot-product kernels on the sphere, and their decay.

Place in the pipeline: kernels -> series -> ... -> **spectrum** (beside verify) -> experiments
-> cli.  This package imports :mod:`hermite_rev._core`, :mod:`hermite_rev.kernels`,
:mod:`hermite_rev.series`, :mod:`hermite_rev.family` (the mimics of :func:`plot_compare`) and
the drawing leaf :mod:`hermite_rev._figures`; it prints nothing (``python -m
hermite_rev.spectrum`` and ``hermite-rev spectrum`` print through :mod:`hermite_rev.cli`).

Index
-----
spectrum             eigenvalues mu_0 .. mu_kmax of K on S^{d-1} (uniform probability measure)
Spectrum             the frozen result: eigenvalues, errors, multiplicities, plot(), decay()
multiplicity         N(d, k), the dimension of the degree-k spherical harmonics on S^{d-1}
funk_hecke_power     exact projection of c^j onto degree-k harmonics (a rational number)
power_eigenvalue     exact eigenvalue of (1 - c)^nu (a Gamma-function ratio), the Bietti-Bach atom
gegenbauer           normalised Gegenbauer polynomial P_k(d; t), P_k(d; 1) = 1
eigenvalue_quad      one mu_k by mpmath.quad against the Gegenbauer weight (the cross-check)
endpoint_expansion   Puiseux expansion K(+-1 -+ t) = p(t) + c_1 t^nu + ... from the expression
EndpointExpansion    its result
decay                predicted (Bietti-Bach) and measured decay exponents, side by side
DecayReport          its result, with ``table()``
ByParity             the read-only {0: even k, 1: odd k} mappings a DecayReport holds
plot_compare         figure: spectrum of a deep ReLU NTK and of its shallow (1HL) mimic

Conventions
-----------
``d`` is the ambient dimension: inputs are unit vectors of R^d, the sphere is S^{d-1},
``d >= 2``.  The integral operator is :math:`(Tf)(x) = \int K(\langle x, y\rangle) f(y)\,
d\sigma(y)` with :math:`\sigma` the uniform *probability* measure.  By Funk-Hecke every
spherical harmonic of degree k is an eigenfunction with eigenvalue

.. math:: \mu_k = \frac{\Gamma(d/2)}{\sqrt{\pi}\,\Gamma((d-1)/2)}
          \int_{-1}^{1} K(t)\, P_k(d; t)\, (1 - t^2)^{(d-3)/2}\, dt ,

of multiplicity :math:`N(d, k)`, and Mercer's theorem gives
:math:`K(1) = \sum_k N(d, k) \mu_k`.  For :math:`K(c) = c^j` the integral is the rational

.. math:: \mu_k(c^j) = \frac{j!\,\Gamma(d/2)\,\Gamma(\frac{j-k+1}{2})}
          {2^k\,(j-k)!\,\sqrt{\pi}\,\Gamma(\frac{j+k+d}{2})}
          \quad (j \ge k,\ j - k \text{ even}; \text{ else } 0),

so :math:`\mu_k = \sum_j a_j \mu_k(c^j)` needs every Taylor coefficient with j >= k.  Since
:math:`0 \le \mu_k(c^j)` and :math:`\sum_k N(d,k)\mu_k(c^j) = 1`, truncating after n terms
errs by at most :math:`(K(1) - \sum_{j<n} a_j)\cdot \max_{j \ge n} \mu_k(c^j)`; that maximum
is found in closed form (the sequence in j is unimodal), which makes the series error
rigorous.  The quadrature path integrates the closed-form kernel instead (Gauss-Legendre in
:math:`\theta = \arccos t`, two resolutions give the error estimate).

Decay (Bietti & Bach 2021, Theorem 1): if :math:`K(1 - t) = p_1(t) + c_1 t^\nu + o(t^\nu)`
and :math:`K(-1 + t) = p_{-1}(t) + c_{-1} t^\nu + o(t^\nu)` (p polynomial, nu not an
integer), then :math:`\mu_k \sim C(d, \nu)\,(c_1 + (-1)^k c_{-1})\, k^{-d - 2\nu + 1}`.  Here
every fractional term is transformed exactly (:func:`power_eigenvalue`), so the prediction
is an asymptotic series, not only its leading term.

Modules
-------
_checks       the checks of ``d`` and of the kernel
_funk_hecke   exact building blocks, the series path (rigorous) and the quadrature path
_endpoint     Puiseux expansions at c = +-1
_decay        the decay analysis and DecayReport
_draw         drawing of spectra (numbers in, axes out)
_spectrum     Spectrum, spectrum, decay
_figures      plot_compare (deep vs shallow)
__main__      ``python -m hermite_rev.spectrum [PATH]``

References
----------
A. Bietti, F. Bach, "Deep equals shallow for ReLU networks in kernel regimes", ICLR 2021,
arXiv:2009.14397.  K. Atkinson, W. Han, "Spherical Harmonics and Approximations on the Unit
Sphere", Springer 2012 (Funk-Hecke, Rodrigues' formula).  A. Bietti, J. Mairal, "On the
inductive bias of neural tangent kernels", NeurIPS 2019, arXiv:1905.12173.
"""

from ._decay import ByParity, DecayReport
from ._endpoint import EndpointExpansion, endpoint_expansion
from ._figures import plot_compare
from ._funk_hecke import eigenvalue_quad, funk_hecke_power, gegenbauer, multiplicity, power_eigenvalue
from ._spectrum import Spectrum, decay, spectrum

__all__ = [
    "spectrum",
    "Spectrum",
    "multiplicity",
    "funk_hecke_power",
    "power_eigenvalue",
    "gegenbauer",
    "eigenvalue_quad",
    "endpoint_expansion",
    "EndpointExpansion",
    "decay",
    "DecayReport",
    "ByParity",
    "plot_compare",
]

# the public names print and pickle under the package, where users import them from
for _obj in (
    spectrum,
    Spectrum,
    multiplicity,
    funk_hecke_power,
    power_eigenvalue,
    gegenbauer,
    eigenvalue_quad,
    endpoint_expansion,
    EndpointExpansion,
    decay,
    DecayReport,
    ByParity,
    plot_compare,
):
    _obj.__module__ = __name__
del _obj
