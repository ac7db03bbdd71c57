"""Kernels and truncated series on grids of cosines, for figures (series stage).

Place: series stage, beside ``._taylor``; draws through the leaf :mod:`hermite_rev._figures`.

Index
-----
kernel_values     K at each cosine, in float64 where that is accurate, else in mpmath
series_values     sum_k a_k c^k by Horner in float64
residual_values   K(c) - sum_k a_k c^k in mpmath (float64 would lose a small residual)
plot_kernel       K(c) on [-1, 1] and/or its truncated Taylor series, with a residual inset
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np
import sympy

from .._core.errors import HermiteRevError
from .._core.exprs import c
from .._core.validate import as_expr
from .._figures import draw_kernel, kernel_label
from ._walk import evaluate_at

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._core.typing import FloatArray

__all__ = ["kernel_values", "series_values", "residual_values", "plot_kernel"]


def _safe_sqrt(x: FloatArray) -> FloatArray:
    x = np.asarray(x, dtype=float)
    return np.where(x > -1e-12, np.sqrt(np.maximum(x, 0.0)), np.nan)


def _safe_arc(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def g(x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        return np.where(np.abs(x) <= 1 + 1e-12, f(np.clip(x, -1.0, 1.0)), np.nan)

    return g


_SAFE = {"sqrt": _safe_sqrt, "acos": _safe_arc(np.arccos), "asin": _safe_arc(np.arcsin)}


def kernel_values(K: sympy.Expr, cs: FloatArray, dps: int = 20) -> FloatArray:
    """K at each c: float64 with common sub-expressions shared (rounding just outside acos's
    domain at c = +-1 is clipped); points that still fail are redone in mpmath."""

    expr = as_expr(K, c, name="kernel")
    cs = np.asarray(cs, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = sympy.lambdify(c, expr, modules=[_SAFE, "numpy", {"erf": _erf}], cse=True)
        out = np.broadcast_to(np.asarray(f(cs), dtype=float), cs.shape).copy()
    # float64 loses digits where nested sqrt(1 - rho^2) / acos(rho) approach their branch points
    # (|c| near 1): redo those points in mpmath, and c = +-1 exactly (acos(1) = 0 symbolically)
    bad = ~np.isfinite(out) | (np.abs(cs) > 0.999)
    if bad.any():
        g = sympy.lambdify(c, expr, modules="mpmath")
        with mpmath.workdps(dps):
            for i in np.flatnonzero(bad):
                x = float(cs[i])
                out[i] = float(evaluate_at(expr, int(x), dps)[0]) if abs(x) == 1 else float(mpmath.re(g(mpmath.mpf(x))))
    return out


def _erf(x: Any) -> Any:
    from scipy.special import erf

    return erf(x)


def series_values(coeffs: Sequence[Any], cs: FloatArray) -> FloatArray:
    """sum_k a_k c^k by Horner in float64."""
    a = np.array([float(x) for x in coeffs])
    out = np.zeros_like(cs, dtype=float)
    for ak in a[::-1]:
        out = out * cs + ak
    return out


def residual_values(K: sympy.Expr, coeffs: Sequence[Any], cs: FloatArray, dps: int = 30) -> FloatArray:
    """K(c) - sum_k a_k c^k at each c, in mpmath at ``dps`` digits (float64 would lose a small
    residual to cancellation)."""
    expr = as_expr(K, c, name="kernel")
    f = sympy.lambdify(c, expr, modules="mpmath")
    out = []
    with mpmath.workdps(dps):
        a = [mpmath.mpf(x) if not isinstance(x, sympy.Basic) else mpmath.mpf(sympy.N(x, dps + 5)) for x in coeffs]
        for x in cs:
            xm = mpmath.mpf(float(x))
            out.append(float(mpmath.re(f(xm)) - mpmath.polyval(a[::-1], xm)))
    return np.array(out)


def _tail_bound(coeffs: Any) -> float | None:
    """The rigorous tail bound of a TaylorCoeffs list, or None (a plain list, or a series whose
    tail could not be certified)."""
    try:
        return float(coeffs.tail.bound)
    except (AttributeError, HermiteRevError):
        return None


def plot_kernel(
    K: Any = None,
    coeffs: Sequence[Any] | None = None,
    ax: Any = None,
    label: str | None = None,
    points: int = 201,
    residual: bool = True,
    kind: str | None = None,
    **kwargs: Any,
) -> Any:
    """Plot a kernel on c in [-1, 1]: its closed form ``K`` and/or a coefficient list ``coeffs``.

    With both, an inset near c = 1 shows the residual K(c) - sum_{k<n} a_k c^k (computed in
    mpmath) and, for a :class:`~hermite_rev.series.TaylorCoeffs`, the rigorous tail bound
    K(1) - sum a_k that bounds it on the whole interval: the truncation error is concentrated at
    c = 1, where the main panel cannot show it.

    Parameters
    ----------
    K : sympy.Expr or str, optional
        The kernel in c.
    coeffs : sequence of numbers, optional
        Taylor coefficients a_0, a_1, ... (a ``TaylorCoeffs`` carries its tail bound).
    ax : matplotlib Axes, optional
    label : str, optional
        Name of the kernel in the legend and title (default:
        :func:`hermite_rev._figures.kernel_label`).
    residual : bool
        Draw the residual inset (needs both ``K`` and ``coeffs``).
    kind : {"ntk", "nngp"}, optional
        Only for the y-axis label.

    Returns
    -------
    matplotlib Axes
    """

    name = kernel_label(K if K is not None else getattr(coeffs, "expr", None), label)
    cs = np.linspace(-1, 1, points)
    values = kernel_values(K, cs) if K is not None else None
    series = series_values(coeffs, cs) if coeffs is not None else None
    bound = _tail_bound(coeffs) if coeffs is not None else None
    residuals = None
    if residual and K is not None and coeffs is not None:
        near = np.sort(1 - 0.2 * np.linspace(0, 1, 61) ** 2)  # denser near c = 1, where the error lives
        residuals = (near, residual_values(K, coeffs, near))
    return draw_kernel(
        cs,
        values,
        series,
        name=name,
        n_terms=len(coeffs) if coeffs is not None else 0,
        bound=bound,
        residuals=residuals,
        ax=ax,
        kind=kind,
        **kwargs,
    )
