"""Taylor coefficients of kernels given as sympy expressions in ``c``.

Place in the pipeline: kernels (sympy expressions) -> **series** -> hermite.  This package
imports only :mod:`hermite_rev._core` (and the drawing leaf :mod:`hermite_rev._figures` lazily).

Index
-----
taylor          a_0 .. a_{n-1} of K(c) = sum_k a_k c^k, rigorous to ``dps`` digits, or exact
TaylorCoeffs    the list returned by :func:`taylor`, with error bounds and the tail bound
Tail            rigorous bound on K(1) - sum_{k<n} a_k (what truncation drops)
tail_bound      the Tail of a TaylorCoeffs (``convergence=``: a proof given by the caller)
certify_convergence  Pringsheim's certificate that a series with a_k >= 0 converges at c = 1
evaluate_at     a rigorous value of an expression at a point (ball arithmetic)

The expression DAG is evaluated bottom-up as truncated (Laurent) power series, each distinct
sub-expression once and without recursion, so the kernel of a 1000-layer network costs its
number of distinct nodes.  The numeric engine is python-flint's ``arb_series`` (ball arithmetic:
every coefficient carries a proven error radius); the working precision is raised until each
coefficient is proven correct to ``dps`` significant digits.  ``exact=True`` runs the same walk
with exact sympy coefficients; ``engine="mpmath"`` runs it with plain mpmath numbers (an
independent implementation of every recurrence, used as the oracle in the tests).

Removable singularities (``sin(c)/c``, ``(exp(c) - 1)/c``, ``c/erf(c)``) are supported: a division
by a series whose leading coefficients are *proven* zero (exactly zero balls, or exact sympy
arithmetic) shifts it and carries a Laurent valuation, and the result must come back to a power
series.  ``tanh(log(c))`` and similar are rewritten in exponentials and cancelled first.

Coefficients are ordered from lowest degree to highest.

Modules
-------
_walk      the engine: series arithmetic over balls or a field, the DAG walk, ``evaluate_at``
_sign      the proof that every Taylor coefficient is non-negative (Schoenberg closure rules)
_tail      the tail bound and its convergence certificate
_taylor    ``taylor`` and ``TaylorCoeffs``
_values    kernels and series on grids of cosines, for figures (``plot_kernel``)
"""

from ._sign import SignCertificate, sign_certificate
from ._tail import Tail, certify_convergence, tail_bound
from ._taylor import TaylorCoeffs, taylor
from ._walk import evaluate_at

__all__ = [
    "taylor",
    "TaylorCoeffs",
    "Tail",
    "tail_bound",
    "evaluate_at",
    "certify_convergence",
    "sign_certificate",
    "SignCertificate",
]

# the public names print and pickle under the package, where users import them from
for _obj in (
    Tail,
    TaylorCoeffs,
    taylor,
    tail_bound,
    evaluate_at,
    certify_convergence,
    sign_certificate,
    SignCertificate,
):
    _obj.__module__ = __name__
del _obj
SignCertificate.__module__ = __name__
