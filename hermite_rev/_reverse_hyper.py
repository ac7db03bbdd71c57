r"""Reverse engineering with any sigma_w, sigma_b and either parameterization (one hidden layer).

Used by :func:`hermite_rev.family.reverse` when the hyperparameters are not the theorem's
(sigma_w = 1, sigma_b = 0, NTK parameterization).  The derivation is in
``proofs/09_reverse_hyperparameters.md``; in short, for inputs with |x|^2/d = 1 the hidden
pre-activations have variance :math:`q = \sigma_w^2 + \sigma_b^2` and correlation
:math:`\rho = (\sigma_w^2 c + \sigma_b^2)/q`, and with :math:`\phi(\sqrt q\, z) = \sum_k
\beta_k h_k(z)` and a readout Dense(sigma_w_last, sigma_b_last):

.. math::
    \mathrm{NNGP} = \sigma_{b,L}^2 + \sigma_{w,L}^2 \sum_k \beta_k^2 \rho^k, \qquad
    \mathrm{NTK}_{ntk} = \sigma_{b,L}^2 + \sigma_{w,L}^2 \sum_k (k+1) \beta_k^2 \rho^k,

.. math::
    \mathrm{NTK}_{std} = 1 + N \sum_k \beta_k^2 \rho^k + \frac{\sigma_{w,L}^2}{q}
        \Big(\frac{d\,(q\rho - \sigma_b^2)}{\sigma_w^2} + 1\Big) \sum_k (k+1) \beta_{k+1}^2 \rho^k

(standard parameterization of neural-tangents, Sohl-Dickstein et al. 2020, arXiv:2001.07301:
N the hidden width, d the input dimension, every bias trained).  The target K(c) is
re-expanded exactly in rho (the substitution :math:`c = (q\rho - \sigma_b^2)/\sigma_w^2`,
then the Taylor engine), the :math:`\beta_k^2` solved for, and the activation's own Hermite
coefficients are those of :math:`\phi(z) = \sum_k \beta_k h_k(z/\sqrt q)`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import mpmath
import sympy

from ._core.errors import HermiteRevError, NotAKernelError
from ._core.exprs import c
from ._core.validate import check_positive_int

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._core.typing import RealLike

PARAMETERIZATIONS = ("ntk", "standard")


def hyper_number(value: RealLike, name: str, *, nonneg: bool = False) -> sympy.Expr:
    from ._core.validate import exact_number

    x = exact_number(value, name)
    x = x.xreplace({f: sympy.Rational(repr(float(f))) for f in x.atoms(sympy.Float)})
    if nonneg and x.is_negative:
        raise HermiteRevError(f"{name} must be non-negative, got {name}={value!r}")
    return x


def rescale_matrix(n: int, s: Any, exact: bool = False) -> list[list[Any]]:
    r"""R with :math:`h_m(s z) = \sum_j R_{m j} h_j(z)` for m < n.

    .. math:: h_m(s z) = \sum_{i \le m/2} \frac{s^{m-2i} (s^2-1)^i}{i!\, 2^i}
              \sqrt{\frac{m!}{(m-2i)!}}\; h_{m-2i}(z)
    """
    if exact:
        one, sq, fact = sympy.Integer(1), sympy.sqrt, sympy.factorial
    else:
        one, sq, fact = mpmath.mpf(1), mpmath.sqrt, mpmath.factorial
    R = [[0 * one] * n for _ in range(n)]
    for m in range(n):
        for i in range(m // 2 + 1):
            j = m - 2 * i
            R[m][j] = s**j * (s * s - 1) ** i / (fact(i) * 2**i) * sq(fact(m) / fact(j))
    return R


def reexpand(expr: sympy.Expr, sw2: sympy.Expr, sb2: sympy.Expr) -> sympy.Expr:
    """K as an expression in the pre-activation correlation (returned in the symbol c)."""
    q = sw2 + sb2
    return expr.subs(c, (q * c - sb2) / sw2)


def solve_squares(
    a: Sequence[Any],
    errs: Sequence[Any],
    kind: str,
    param: str,
    q: Any,
    sw2: Any,
    sb2: Any,
    swl2: Any,
    sbl2: Any,
    width: int | None,
    d_in: int | None,
    dps: int,
) -> tuple[list[Any], list[Any], Any]:
    """beta_k^2 (mpmath) and their error bounds from the re-expanded coefficients ``a``.

    Raises NotAKernelError naming the first negative beta_k^2 (unreachable kernel).
    """
    n = len(a)
    with mpmath.workdps(dps + 10):
        swl2f, sbl2f = mpmath.mpf(sympy.N(swl2, dps + 15)), mpmath.mpf(sympy.N(sbl2, dps + 15))
        if kind == "nngp" or param == "ntk":
            s, e = [], []
            for k, (ak, ek) in enumerate(zip(a, errs)):
                w = swl2f * (1 if kind == "nngp" else k + 1)
                v = ak - (sbl2f if k == 0 else 0)
                s.append(v / w)
                e.append(ek / w)
            return s, e, None
        # standard-parameterization NTK: bidiagonal system, back substitution from the top
        N, d = mpmath.mpf(width), mpmath.mpf(d_in)
        sw2f, sb2f, qf = (mpmath.mpf(sympy.N(v, dps + 15)) for v in (sw2, sb2, q))

        def alpha(j: int) -> Any:
            return N + swl2f * d * j / sw2f

        def gamma(j: int) -> Any:
            return swl2f * (1 - d * sb2f / sw2f) * (j + 1) / qf

        s = [mpmath.mpf(0)] * n
        e = [mpmath.mpf(0)] * n
        for j in range(n - 1, -1, -1):
            above = s[j + 1] if j + 1 < n else mpmath.mpf(0)
            above_e = e[j + 1] if j + 1 < n else mpmath.mpf(0)
            s[j] = (a[j] - (1 if j == 0 else 0) - gamma(j) * above) / alpha(j)
            e[j] = (errs[j] + abs(gamma(j)) * above_e) / alpha(j)
        return s, e, (alpha, gamma)


def check_reachable(s: Sequence[Any], e: Sequence[Any], kind: str, param: str, dps: int, K: sympy.Expr) -> None:
    for k, (v, ek) in enumerate(zip(s, e)):
        if v < -ek:
            what = "the readout bias sigma_b_last^2" if k == 0 else "nothing"
            raise NotAKernelError(
                f"K is not reachable with these hyperparameters: beta_{k}^2 = {mpmath.nstr(v, 8)} < 0 "
                f"(re-expanded in the pre-activation correlation, coefficient {k} is negative after what "
                f"{what if param == 'ntk' or kind == 'nngp' else 'the bias and derivative terms'} contribute"
                f"{'' if k else 's'}); kernel {K}"
            )


def member_coeffs(
    betas: Sequence[Any], beta_errs: Sequence[Any], q: Any, exact_betas: Sequence[Any] | None = None
) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...] | None]:
    """Hermite coefficients of phi(z) = sum_k beta_k h_k(z / sqrt(q)), with error bounds."""
    n = len(betas)
    qf = mpmath.mpf(sympy.N(q, mpmath.mp.dps + 10))
    R = rescale_matrix(n, 1 / mpmath.sqrt(qf))
    coeffs = [mpmath.fsum(betas[m] * R[m][j] for m in range(n)) for j in range(n)]
    errs = [mpmath.fsum(beta_errs[m] * abs(R[m][j]) for m in range(n)) for j in range(n)]
    exact = None
    if exact_betas is not None:
        Rx = rescale_matrix(n, 1 / sympy.sqrt(q), exact=True)
        exact = tuple(sympy.expand(sum(exact_betas[m] * Rx[m][j] for m in range(n))) for j in range(n))
    return tuple(coeffs), tuple(errs), exact


def check_param(
    parameterization: object, kind: str, width: int | None, d_in: int | None
) -> tuple[str, int | None, int | None]:
    if not isinstance(parameterization, str) or parameterization.lower() not in PARAMETERIZATIONS:
        raise HermiteRevError(
            f"parameterization must be one of {PARAMETERIZATIONS}, got parameterization={parameterization!r}"
        )
    p = parameterization.lower()
    if p == "standard" and kind == "ntk":
        if width is None or d_in is None:
            raise HermiteRevError(
                "the standard-parameterization NTK depends on the hidden width N and the input dimension d "
                f"(neural-tangents' convention): pass width= and d_in=, got width={width!r}, d_in={d_in!r}"
            )
        width = check_positive_int(width, "width")
        d_in = check_positive_int(d_in, "d_in")
    return p, width, d_in


def float_or_none(x: Any) -> float | None:
    return None if x is None else float(x)


__all__ = [
    "rescale_matrix",
    "reexpand",
    "solve_squares",
    "member_coeffs",
    "check_param",
    "hyper_number",
    "check_reachable",
    "PARAMETERIZATIONS",
    "math",
]
