"""Reference values of the infinite-width kernel: closed form, Hermite series or quadrature.

Place: the verify stage, above :mod:`._quadrature` (its fallback); imports
:mod:`hermite_rev._core`, :mod:`hermite_rev.activations`, :mod:`hermite_rev.hermite` (the closed
forms of ``kernel_of``) and :mod:`hermite_rev.family` (an Activation's own series).

Index
-----
analytic_kernel   the infinite-width NNGP / NTK of an activation at cosines (float64 array)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mpmath
import numpy as np
import sympy

from .._core.exprs import c as csym
from .._core.validate import check_kind, public
from ..activations import activation_expr
from ..family import Activation
from ..hermite import closed_form_kernel
from ._checks import DEFAULT_CS, check_cs, check_finite_kernel
from ._quadrature import quadrature_kernel

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .._core.typing import ActivationLike, FloatArray, Kind, RealLike
    from ..activations import ActivationFunction

__all__ = ["analytic_kernel"]


def _closed_form(
    name: str,
    kind: str,
    depth: int,
    sigma_w: RealLike,
    sigma_b: RealLike,
    sigma_w_last: RealLike,
    sigma_b_last: RealLike,
) -> sympy.Expr | None:
    """The exact kernel of the named activation "relu" or "erf" (``kernel_of``'s closed form); else None."""
    if name not in ("relu", "erf"):
        return None
    return closed_form_kernel(activation_expr(name), kind, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)


@public
def analytic_kernel(
    act: ActivationLike | Activation | ActivationFunction,
    kind: Kind = "ntk",
    cs: RealLike | Iterable[RealLike] = DEFAULT_CS,
    *,
    depth: int = 1,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    sigma_w_last: RealLike = 1,
    sigma_b_last: RealLike = 0,
) -> FloatArray:
    """Infinite-width NNGP/NTK of an activation at the cosines ``cs`` (float64 array).

    Closed forms of :mod:`hermite_rev.kernels` for ``"relu"`` and ``"erf"``; the Hermite
    series sum_k a_k c^k for an :class:`~hermite_rev.family.Activation` (depth 1, sigma_w = 1,
    sigma_b = 0); float64 quadrature (:func:`quadrature_kernel`) for everything else.
    """
    kind = check_kind(kind)
    cs = np.asarray([float(v) for v in check_cs(cs)])
    if isinstance(act, str):
        key = act.strip().lower()
        expr = _closed_form(key, kind, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)
        if expr is not None:
            f = sympy.lambdify(csym, expr, "mpmath")
            with mpmath.workdps(30):
                values = np.array([float(mpmath.re(f(mpmath.mpf(v)))) for v in cs])
            return check_finite_kernel(values, key, kind, "analytic_kernel")
    if (
        isinstance(act, Activation)
        and depth == 1
        and float(sigma_w) == 1
        and float(sigma_b) == 0
        and float(sigma_w_last) == 1
        and float(sigma_b_last) == 0
    ):
        a = [float(v) for v in act.kernel(kind)]
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused by the check
            values = np.polynomial.polynomial.polyval(cs, a)
        return check_finite_kernel(values, repr(act), kind, "analytic_kernel")
    return np.asarray(
        quadrature_kernel(
            act,
            kind,
            list(cs),
            dps=None,
            depth=depth,
            sigma_w=sigma_w,
            sigma_b=sigma_b,
            sigma_w_last=sigma_w_last,
            sigma_b_last=sigma_b_last,
        )
    )
