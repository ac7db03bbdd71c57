r"""Numerical checks of the reverse-engineering theorem, independent of the series path.

Index
-----
quadrature_kernel     NNGP / NTK of an activation by Gauss-Hermite (or split Gauss-Legendre)
                      quadrature, float64 or arbitrary precision; no Taylor series involved
gauss_hermite         nodes and weights of the N(0, 1) Gauss-Hermite rule, float64 or mpmath (cached)
analytic_kernel       the infinite-width kernel of an activation spec (closed form or quadrature)
empirical_kernel      NNGP / NTK of a real finite-width FCN at initialization
width_scaling         fit err(width) ~ width^p of the empirical kernel (p should be -1/2)
kernel_regime_gap     trained net vs kernel gradient descent with the analytic NTK (Jacot et al.)
theorem_report        reverse-engineer K, then series vs quadrature vs finite width, with a figure
choose_member         the sign member a report simulates (fluctuation-best, min-sup, all +) and what it is
width_diagnosis       what the exact finite-width fluctuations predict at each simulated width
MEMBERS               the members ``theorem_report(member=...)`` and ``hermite-rev verify --member`` accept
regime_gap_task       one (width, seed) of kernel_regime_gap: a pure task for hermite_rev.sweep
KernelValues          kernel values on a grid of cosines with their error estimates (a value:
                      immutable, picklable, equal by value)
DEFAULT_CS            the default cosines -1, -0.8, ..., 1

Place in the pipeline: the checks at the end (L7), beside :mod:`hermite_rev.spectrum`; may
import every stage below (``nets``, ``family``, ``hermite``, ``series``, ``activations``,
``sweep``, ``_core``).  Activations of every kind are evaluated through the one type
:class:`hermite_rev.activations.ActivationFunction`.

Modules (import-linter keeps this order: each imports only those below it)::

    _report         theorem_report and its figure
    _finite_width   empirical_kernel, width_scaling, kernel_regime_gap, regime_gap_task
    _analytic       analytic_kernel (closed form, Hermite series, or quadrature)
    _quadrature     the quadrature route: rules, 2-D expectations, quadrature_kernel, KernelValues;
                    imports no Taylor-series stage (a forbidden-import contract)
    _checks         cosines and bounded lists

Conventions.  For an activation phi and standard normal (u, v) with correlation c,

.. math:: \mathrm{NNGP}(c) = E[\phi(u)\phi(v)], \qquad
          \mathrm{NTK}(c) = \mathrm{NNGP}(c) + c\, E[\phi'(u)\phi'(v)]

(one hidden layer, sigma_w = 1, sigma_b = 0, readout Dense(1, 0)); ``depth``, ``sigma_w``,
``sigma_b`` give the deep recursion of :mod:`hermite_rev.kernels` with the same quadrature
at every layer.  The 2-D Gaussian integral is written u = z1, v = c z1 + sqrt(1 - c^2) z2.

Quadrature methods.  ``"gauss-hermite"``: the tensor-product N-node rule, exact for
polynomial activations of degree < N (so for every truncated Hermite series, with N chosen
from the degree) and spectrally accurate for entire activations.  For activations with kinks
(ReLU, abs, step) Gauss-Hermite converges only algebraically (1-hidden-layer ReLU NTK on
c in [-1, 1]: max error 7.6e-3 at N = 20, 4.7e-3 at N = 40, 2.8e-3 at N = 80); ``"split"``
therefore integrates z1 and z2 piecewise between the kinks (the inner kink sits at
z2 = (t - c z1)/sqrt(1 - c^2)) with composite
Gauss-Legendre on [-L, L] (L = 12 in float64, L = sqrt(2 ln 10 (dps + 5)) + 1 at ``dps``
digits, so the dropped Gaussian tail is below the working precision), which is
exponentially accurate (ReLU NTK: 1e-14 in float64 with 40 nodes per piece; 1e-41 at dps 30
with 70 at c = 0.3, more nodes towards c = 1).  ``"auto"`` picks split for activations with known kinks.

Nodes and errors.  A polynomial activation of degree D gets the D + 1 node Gauss-Hermite rule,
exact at every layer (degree <= 179; the error estimate is rounding only).  Otherwise the
number of nodes doubles from a default start (up to 180 for Gauss-Hermite) until the
difference to the previous rule is below 10^-dps relative (1e-13 in float64); the finest rule
is returned, with that difference plus a rounding estimate as its error, and
``KernelValues.converged`` is False where the tolerance could not be reached.  The NTK of an
activation with a jump (step, sign) is infinite at c = +-1 and is refused.

References
----------
A. Jacot, F. Gabriel, C. Hongler, "Neural tangent kernel", NeurIPS 2018, arXiv:1806.07572.
J. Simon, S. Anand, M. DeWeese, "Reverse engineering the neural tangent kernel", ICML 2022,
arXiv:2106.03186.  G. Golub, J. Welsch, "Calculation of Gauss quadrature rules", 1969.

Examples
--------
>>> kv = quadrature_kernel("erf", "nngp", cs=[0.5, 1.0], dps=None)
>>> [round(float(v), 10) for v in kv]      # (2/pi) asin(2c/3)
[0.2163468959, 0.4645590544]
"""

from ._analytic import analytic_kernel
from ._checks import DEFAULT_CS as DEFAULT_CS  # re-exported: the default grid of cosines
from ._finite_width import empirical_kernel, kernel_regime_gap, regime_gap_task, width_scaling
from ._quadrature import KernelValues, gauss_hermite, quadrature_kernel
from ._report import MEMBERS as MEMBERS  # re-exported: the names of the members a report can simulate
from ._report import choose_member, theorem_report, width_diagnosis

__all__ = [
    "KernelValues",
    "quadrature_kernel",
    "gauss_hermite",
    "analytic_kernel",
    "empirical_kernel",
    "width_scaling",
    "kernel_regime_gap",
    "theorem_report",
    "choose_member",
    "width_diagnosis",
]

# the public names print and pickle under the package, where users import them from
for _obj in (
    KernelValues,
    quadrature_kernel,
    gauss_hermite,
    analytic_kernel,
    empirical_kernel,
    width_scaling,
    kernel_regime_gap,
    regime_gap_task,
    theorem_report,
    choose_member,
    width_diagnosis,
):
    _obj.__module__ = __name__
del _obj
