r"""The least-squares route of deep_reverse: when 0 is not a fixed point, or when asked for.

Place: :mod:`hermite_rev.deep`, above ``_problem`` and ``_forward``; imports them,
:mod:`hermite_rev._core`, numpy and (lazily) scipy.

Index
-----
fit_route   DeepProblem -> Dual: non-negative least squares for the dual kernel g (a polynomial
            of degree n-1, g(1) = 1) on a Chebyshev grid, refined, rounded to exact rationals

With :math:`K(0) \neq 0` or :math:`\sigma_b \neq 0` the layer map has no fixed point at 0 and no
formal root exists; the fit finds the closest realisable kernel instead, and the family's
``report.sup_error`` says (with a proof) how close it is.  K must still be a kernel: a Taylor
coefficient proven negative is refused first (a network kernel of any depth is positive definite
on every sphere).
"""

from __future__ import annotations

import contextlib
import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import flint
import mpmath
import numpy as np
import sympy

from .._core.errors import HermiteRevError, NotRealizableError
from .._core.exprs import c
from .._core.text import short
from ._forward import numpy_forward
from ._problem import DeepProblem, Dual

if TYPE_CHECKING:
    from .._core.typing import FloatArray

__all__ = ["fit_route"]


def _one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Small dense least squares: BLAS threads only contend (100x slower on a loaded machine)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn installs
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _target_values(pb: DeepProblem, cs: FloatArray) -> FloatArray:
    """K at the points cs (float64; mpmath where numpy overflows or fails)."""
    with np.errstate(all="ignore"):
        Kv = np.asarray(sympy.lambdify(c, pb.expr, "numpy")(cs), dtype=complex).real * np.ones_like(cs)
    if not np.all(np.isfinite(Kv)):
        fK = sympy.lambdify(c, pb.expr, "mpmath")
        with mpmath.workdps(30):
            Kv = np.array([float(mpmath.re(fK(mpmath.mpf(x)))) for x in cs])
    return Kv


def fit_route(pb: DeepProblem) -> Dual:
    """Non-negative least squares for the dual kernel (see the module docstring)."""
    from scipy.optimize import least_squares

    L, kind, n = pb.depth, pb.kind, pb.n
    a = np.array([max(float(v), 0.0) for v in pb.kernel_taylor(n, pb.dps)])  # refuses a negative a_k
    sw2, sb2, qs = (float(v) for v in (pb.sw2, pb.sb2, pb.qs))
    k1 = float(pb.k1)
    M = max(8 * n, 400)
    cs = np.cos(np.pi * (np.arange(M) + 0.5) / M)
    Kv = _target_values(pb, cs)
    if not np.all(np.isfinite(Kv)):
        raise HermiteRevError(
            f"K = {short(pb.expr, 60)} is not a finite float64 number on all of [-1, 1] (largest |K| about "
            f"{mpmath.nstr(pb.k1, 5)}): the least-squares route of deep_reverse works in float64"
        )
    fixed_s = float(pb.s_nngp) if kind == "nngp" else (float(pb.s_user) if pb.s_user is not None else None)
    w = 1e3 * math.sqrt(M) * max(abs(Kv).max(), 1.0)

    def unpack(x: FloatArray) -> tuple[FloatArray, float]:
        return (x[:n], fixed_s if fixed_s is not None else math.exp(x[n]))

    def resid(x: FloatArray) -> FloatArray:
        g, s = unpack(x)
        r = numpy_forward(g, cs, L, kind, sw2, sb2, qs, s) - Kv
        return np.append(r, w * (g.sum() - 1))

    def jac(x: FloatArray) -> FloatArray:
        g, s = unpack(x)
        F, J = numpy_forward(g, cs, L, kind, sw2, sb2, qs, s, jac=True)
        if fixed_s is None:
            J = np.hstack([J, F[:, None]])
        row = np.zeros(len(x))
        row[:n] = w
        return np.vstack([J, row])

    base = a / a.sum() if a.sum() > 0 else np.full(n, 1.0 / n)
    lin = np.zeros(n)
    if n > 1:
        lin[1] = 1.0
    starts = [base, 0.5 * base + 0.5 * lin, np.full(n, 1.0 / n)]
    best = None
    with _one_blas_thread():
        for g0 in starts:
            x0 = g0 if fixed_s is not None else np.append(g0, math.log(k1 / (L + 1)))
            lb = np.zeros_like(x0)
            ub = np.full_like(x0, np.inf)
            if fixed_s is None:
                lb[-1], ub[-1] = math.log(k1) - 20, math.log(k1)
            solve = dict(
                jac=jac, bounds=(lb, ub), method="trf", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=50 * len(x0)
            )
            try:
                res = least_squares(resid, x0, **solve)
                # refine: restart from the solution with the Jacobian scaling
                res = least_squares(resid, res.x, x_scale="jac", **solve)
            except ValueError as exc:  # scipy: "Residuals are not finite ..."
                raise HermiteRevError(
                    f"the least-squares fit of a depth-{L} network kernel to K = {short(pb.expr, 60)} failed: "
                    f"{' '.join(str(exc).split())}"
                ) from None
            if best is None or res.cost < best.cost:
                best = res
    assert best is not None  # at least one start ran
    g, s = unpack(best.x)
    top = float(np.max(g))
    gq = [Fraction(float(x)) if x > 1e-14 * top else Fraction(0) for x in g]  # drop round-off dust
    tot = sum(gq)
    if tot == 0:
        raise NotRealizableError(f"the non-negative fit of a depth-{L} dual kernel to K = {pb.expr} collapsed to 0")
    gq = [x / tot for x in gq]
    if kind == "nngp":
        s_exact = pb.s_nngp
    elif pb.s_user is not None:
        s_exact = pb.s_user
    else:
        s_exact = sympy.Rational(Fraction(s).limit_denominator(10**15))
    return Dual("fit", tuple(flint.fmpq(x.numerator, x.denominator) for x in gq), s_exact)
