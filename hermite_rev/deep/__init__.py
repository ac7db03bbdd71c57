r"""Deep reverse engineering: the activation that gives a target kernel at depth L.

Index
-----
deep_reverse           kernel, depth -> DeepActivationFamily (members give K at that depth)
DeepActivationFamily   an ActivationFamily with ``.report``, ``.depth``, ``.dual``
DeepReport             how the per-layer dual kernel was found and how well it realises K
NotRealizableError     no activation gives K at this depth (the message says why)
compositional_root     the formal L-th compositional root of a series (exact or ball)
deep_forward           Taylor coefficients of the depth-L kernel of a given dual kernel
numpy_forward          the depth-L kernel of a given dual kernel at float64 points (and d/dg)

Place in the pipeline: kernels -> series -> hermite -> family -> **deep**; the package imports
:mod:`hermite_rev._core`, :mod:`hermite_rev.series`, :mod:`hermite_rev.hermite` (the one reverse
map, the one "not a kernel" check, the rescaling of members) and :mod:`hermite_rev.family`.

Modules
-------
::

    _forward   the layer recursion, written once over a number-ops object (exact and ball series,
               balls, mpmath, numpy, Jets); ``deep_forward``; number conversions
    _problem   the checked request (``DeepProblem``) and a route's result (``Dual``)
    _root      the formal compositional root and its route
    _fit       the least-squares route
    _family    ``deep_reverse``, ``DeepActivationFamily``, ``DeepReport``, the certificate

The reduction.  Let an activation :math:`\phi` have unit second moment at the network's
stationary pre-activation variance :math:`q^* = \sigma_w^2 + \sigma_b^2`, i.e.
:math:`\psi(x) = \phi(\sqrt{q^*}x) = \sum_k b_k h_k(x)` with :math:`\kappa(1) = \sum_k b_k^2 = 1`.
Then every layer of a net with inputs :math:`|x|^2/d = 1` sees variance :math:`q^*`, the
per-layer dual kernel is :math:`\kappa(\rho) = \sum_k b_k^2 \rho^k`, the correlations follow

.. math:: \rho_1 = A(c), \quad \rho_{l+1} = A(\kappa(\rho_l)), \qquad
          A(x) = \frac{\sigma_w^2 x + \sigma_b^2}{q^*},

and with a readout of weight variance :math:`s = \sigma_{w,\mathrm{last}}^2` (no bias)

.. math:: \mathrm{NNGP}_L = s\,\kappa(\rho_L), \qquad
          \mathrm{NTK}_L = s\,(\Sigma_L + \Theta_L), \quad
          \Theta_l = \frac{\sigma_w^2 \Sigma_{l-1} + \sigma_b^2 + \sigma_w^2\Theta_{l-1}}{q^*}
                     \kappa'(\rho_l), \quad \Sigma_l = \kappa(\rho_l),

(:math:`\Sigma_0 = c`, :math:`\Theta_0 = 0`).  With :math:`\sigma_b = 0` the map ``A`` is the
identity, so the NNGP is :math:`s\,\kappa^{\circ L}`: the problem is an L-th compositional
root of :math:`K/K(1)` with non-negative coefficients.

Three routes (``DeepReport.method``):

- ``"exact root"`` / ``"ball root"``: :math:`\sigma_b = 0` and :math:`K(0) = 0`.  Then
  :math:`\kappa(0) = 0` is forced, the root is unique as a formal power series and is
  computed order by order (the coefficient of :math:`c^{p^L + j}` of the depth-L kernel is
  affine in :math:`\kappa_{p+j}` with a nonzero slope; see ``proofs/08_compositional_root.md``),
  in exact rationals when every number involved is rational, else in python-flint balls.
- ``"fit"``: :math:`K(0) \neq 0` or :math:`\sigma_b \neq 0` (no fixed point at 0), or asked for:
  non-negative least squares for :math:`\kappa` (a polynomial of degree n-1) on a Chebyshev
  grid with :math:`\kappa(1) = 1`, refined, then rounded to exact rationals summing to 1.

In every route the members realise a *polynomial* dual kernel :math:`g` with non-negative
coefficients and :math:`g(1) = 1` exactly (for a root, the mass :math:`1 - \sum_{k<n-1}\kappa_k`
that truncation drops is put on :math:`g_{n-1}`), so the net is exactly stationary, and the
reported error is a proof: with :math:`F` the depth-L kernel of :math:`g` (non-negative
coefficients) and :math:`K` the target,

.. math:: \sup_{[-1,1]} |F - K| \le \sum_{k<N} |F_k - a_k| + \Big(F(1) - \sum_{k<N} F_k\Big)
          + \Big(K(1) - \sum_{k<N} a_k\Big).

References
----------
J. Simon, S. Anand, M. DeWeese, "Reverse engineering the neural tangent kernel", ICML 2022,
arXiv:2106.03186.  B. Poole et al., "Exponential expressivity in deep neural networks through
transient chaos", arXiv:1606.05340 (the layer map).  J. Martens et al., "Rapid training of deep
neural networks without skip connections or normalization layers using Deep Kernel Shaping",
arXiv:2110.01765.  M. Kuczma, B. Choczewski, R. Ger, *Iterative Functional Equations* (1990),
ch. 11 (formal iterative roots).
"""

from .._core.errors import NotRealizableError
from ._family import DeepActivationFamily, DeepReport, deep_reverse
from ._forward import deep_forward, numpy_forward
from ._root import compositional_root

__all__ = [
    "deep_reverse",
    "DeepActivationFamily",
    "DeepReport",
    "NotRealizableError",
    "compositional_root",
    "deep_forward",
    "numpy_forward",
]

# the public names print and pickle under the package, where users import them from
for _obj in (
    deep_reverse,
    DeepActivationFamily,
    DeepReport,
    NotRealizableError,
    compositional_root,
    deep_forward,
    numpy_forward,
):
    _obj.__module__ = __name__
del _obj
