r"""Decay of Mercer eigenvalues: Bietti-Bach's prediction from the endpoint expansions against
the slope measured on the computed eigenvalues.

Place: spectrum stage, above ``._funk_hecke`` (the exact eigenvalues of the atoms
:math:`(1 \mp c)^\nu`) and ``._endpoint``; below ``._spectrum``, whose :func:`decay` computes
the spectrum and the expansions and hands them to :func:`decay_report`.  Imports
:mod:`hermite_rev._core` and those two modules.

Index
-----
DecayReport     the frozen result: predicted and measured exponents per parity, ``table()``
ByParity        an immutable mapping parity (0: even k, 1: odd k) -> value, equal to a dict
decay_report    the analysis of one spectrum and its two endpoint expansions
fit_exponent    least-squares slope of log|mu_k| against log k (what ``measured`` holds)

Prediction (Bietti & Bach 2021, Theorem 1, arXiv:2009.14397): if
:math:`K(1 - t) = p_1(t) + c_1 t^\nu + o(t^\nu)` and :math:`K(-1 + t) = p_{-1}(t) + c_{-1}
t^\nu + o(t^\nu)` (p polynomial, nu not an integer), then
:math:`\mu_k \sim C(d, \nu)\,(c_1 + (-1)^k c_{-1})\, k^{-d - 2\nu + 1}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mpmath
import sympy

from .._core.errors import HermiteRevError
from .._core.registry import kernel_name
from .._core.text import REPR_LIMIT, short
from .._core.validate import check_positive_int
from .._core.values import FrozenDict, Value
from ._funk_hecke import power_eigenvalue

if TYPE_CHECKING:
    from ._endpoint import EndpointExpansion
    from ._spectrum import Spectrum

__all__ = ["DecayReport", "ByParity", "decay_report", "fit_exponent"]


class ByParity(FrozenDict):
    """An immutable mapping parity -> value (0: even k, 1: odd k): a FrozenDict, so equal to a
    dict with the same items, hashable, picklable.

    >>> p = ByParity({0: -3.0, 1: None})
    >>> p[0], p == {0: -3.0, 1: None}, p
    (-3.0, True, {0: -3.0, 1: None})
    """

    __slots__ = ()


def fit_exponent(spec: Spectrum, kmin: int | None, kmax: int | None, parity: int | None) -> float | None:
    """Least-squares slope of log|mu_k| against log k over [kmin, kmax] (see
    :meth:`Spectrum.measured_exponent`); None when fewer than 3 resolved eigenvalues remain."""
    kmax = spec.kmax if kmax is None else min(kmax, spec.kmax)
    kmin = max(1, kmax // 4 if kmin is None else kmin)
    ks = [k for k in range(kmin, kmax + 1) if (parity is None or k % 2 == parity) and spec.resolved(k)]
    if len(ks) < 3:
        return None
    with mpmath.workdps(20):
        xs = [mpmath.log(k) for k in ks]
        ys = [mpmath.log(abs(spec.eigenvalues[k])) for k in ks]
        mx, my = mpmath.fsum(xs) / len(xs), mpmath.fsum(ys) / len(ys)
        sxy = mpmath.fsum((x - mx) * (y - my) for x, y in zip(xs, ys))
        sxx = mpmath.fsum((x - mx) ** 2 for x in xs)
        return float(sxy / sxx)


def _bb_constant(nu: Any, d: int) -> mpmath.mpf:
    """C(d, nu) of Bietti-Bach's Theorem 1 (mpf at the current precision)."""
    return (
        mpmath.mpf(2) ** (nu + d - 2)
        * mpmath.gamma(mpmath.mpf(d) / 2)
        * mpmath.gamma(nu + mpmath.mpf(d - 1) / 2)
        / (mpmath.sqrt(mpmath.pi) * mpmath.gamma(-nu))
    )


@dataclass(frozen=True, eq=False)
class DecayReport(Value):
    """Predicted (Bietti-Bach) against measured eigenvalue decay of one kernel on S^{d-1}.

    A value: frozen, picklable, deep-copyable, equal to another report with the same fields.
    The four per-parity fields are :class:`ByParity` mappings (read-only dicts; plain dicts
    given to the constructor are converted).

    Attributes
    ----------
    kernel, d
    plus, minus : EndpointExpansion
        Expansions at c = +1 and c = -1.
    predicted : ByParity
        parity (0 even, 1 odd) -> predicted exponent of k (None: faster than any power
        up to the expansion order).
    leading : ByParity
        parity -> (nu, C(d, nu) * (c_1 +- c_{-1})): the leading term mu_k ~ const * k^exponent.
    measured : ByParity
        parity -> fitted slope of log mu_k vs log k over ``fit_range`` (None: too few
        resolved eigenvalues, e.g. they vanish).
    ratios : ByParity
        parity -> mu_k / (asymptotic series of all fractional terms) at the largest k of
        that parity (tends to 1).
    fit_range : tuple
        ``(lo, hi)``: the degrees of the measured slope.
    spectrum : Spectrum
    """

    kernel: sympy.Expr
    d: int
    plus: EndpointExpansion
    minus: EndpointExpansion
    predicted: Mapping[int, Any]
    leading: Mapping[int, Any]
    measured: Mapping[int, Any]
    ratios: Mapping[int, Any]
    fit_range: tuple
    spectrum: Spectrum

    def __post_init__(self) -> None:
        for name in ("predicted", "leading", "measured", "ratios"):
            object.__setattr__(self, name, ByParity(getattr(self, name)))
        object.__setattr__(self, "fit_range", tuple(self.fit_range))

    # a value (equality and hash by the fields, pickled as built, copies are the object): see Value

    def asymptotic(self, k: int) -> mpmath.mpf:
        """sum over fractional terms of c_+ mu_k((1-c)^nu) + c_- mu_k((1+c)^nu)."""
        return _asymptotic(self.plus, self.minus, k, self.d)

    def table(self, name: str | None = None) -> str:
        """A Markdown table row per parity: predicted exponent, measured exponent, ratio."""
        name = name or kernel_name(self.kernel, getattr(self.spectrum, "label", None), 30)
        rows = []
        for par, label in ((0, "even"), (1, "odd")):
            pred = self.predicted[par]
            pred_s = "faster than any power" if pred is None else f"{float(pred):.3f}"
            meas = self.measured[par]
            meas_s = "vanish" if meas is None else f"{meas:.3f}"
            ratio = self.ratios[par]
            ratio_s = "-" if ratio is None else f"{float(ratio):.4f}"
            rows.append(f"| {name} | {self.d} | {label} | {pred_s} | {meas_s} | {ratio_s} |")
        return "\n".join(rows)

    def __repr__(self) -> str:
        text = (
            f"DecayReport(d={self.d}, nu(+1)={self.plus.nu}, nu(-1)={self.minus.nu}, "
            f"predicted={ {p: (None if v is None else float(v)) for p, v in self.predicted.items()} }, "
            f"measured={self.measured}, "
            f"ratios={ {p: (None if r is None else float(r)) for p, r in self.ratios.items()} })"
        )
        return short(text, REPR_LIMIT)


def _asymptotic(plus: EndpointExpansion, minus: EndpointExpansion, k: int, d: int) -> mpmath.mpf:
    total = mpmath.mpf(0)
    for exp_, sign in ((plus, 1), (minus, (-1) ** k)):
        for nu, coef in exp_.fractional_terms():
            total += (
                sign
                * mpmath.mpf(sympy.N(coef, 30) if isinstance(coef, sympy.Basic) else coef)
                * power_eigenvalue(nu, k, d, dps=mpmath.mp.dps)
            )
    return total


def _check_fit_range(fit_range: Any, kmax: int) -> tuple[int, int]:
    """``(lo, hi)`` as ints with ``1 <= lo < hi <= kmax``."""
    try:
        lo, hi = fit_range
    except (TypeError, ValueError):
        raise HermiteRevError(f"fit_range must be a pair (lo, hi) of degrees, got fit_range={fit_range!r}") from None
    lo, hi = check_positive_int(lo, "fit_range[0]"), check_positive_int(hi, "fit_range[1]")
    if not lo < hi <= kmax:
        raise HermiteRevError(
            f"fit_range must satisfy 1 <= lo < hi <= kmax = {kmax} (the highest computed degree), "
            f"got fit_range={fit_range!r}"
        )
    return lo, hi


def decay_report(
    expr: sympy.Expr,
    d: int,
    plus: EndpointExpansion,
    minus: EndpointExpansion,
    spec: Spectrum,
    fit_range: Any,
    dps: int,
) -> DecayReport:
    """The :class:`DecayReport` of the kernel ``expr`` from its spectrum and its expansions at
    c = +1 (``plus``) and c = -1 (``minus``); ``fit_range`` None: the top three quarters of
    [1, spec.kmax] (see :func:`hermite_rev.spectrum.decay`)."""
    kmax = spec.kmax
    lo, hi = _check_fit_range(fit_range, kmax) if fit_range is not None else (max(2, kmax // 4), kmax)
    predicted: dict[int, Any] = {}
    leading: dict[int, Any] = {}
    measured: dict[int, Any] = {}
    ratios: dict[int, Any] = {}
    cp = dict(plus.fractional_terms())
    cm = dict(minus.fractional_terms())
    with mpmath.workdps(dps):
        for par in (0, 1):
            eps = 1 if par == 0 else -1
            nus = sorted(set(cp) | set(cm))
            found: tuple[Any, Any] | None = None
            for nu in nus:
                amp = mpmath.mpf(sympy.N(cp.get(nu, 0), dps)) + eps * mpmath.mpf(sympy.N(cm.get(nu, 0), dps))
                if abs(amp) > mpmath.mpf(10) ** (-(dps // 2)):
                    found = (nu, amp)
                    break
            if found is None:
                predicted[par] = None
                leading[par] = None
            else:
                nu, amp = found
                predicted[par] = -(d + 2 * nu - 1)
                leading[par] = (nu, _bb_constant(mpmath.mpf(sympy.N(nu, dps)), d) * amp)
            measured[par] = fit_exponent(spec, lo, hi, par)
            kk = hi if hi % 2 == par else hi - 1
            ratios[par] = None
            if found is not None and spec.resolved(kk):
                ratios[par] = spec.eigenvalues[kk] / _asymptotic(plus, minus, kk, d)
    return DecayReport(expr, d, plus, minus, predicted, leading, measured, ratios, (lo, hi), spec)
