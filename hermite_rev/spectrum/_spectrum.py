r"""The Mercer spectrum of a kernel on the sphere as a value, and its decay.

Place: spectrum stage, above ``._funk_hecke`` (the two paths), ``._endpoint`` and ``._decay``
(the analysis) and ``._draw``; below ``._figures``.  Imports :mod:`hermite_rev._core`,
:mod:`hermite_rev.series` (the Tail type) and those modules.

Index
-----
spectrum   eigenvalues mu_0 .. mu_kmax of K on S^{d-1} (uniform probability measure)
Spectrum   the frozen result: eigenvalues, errors, multiplicities, plot(), decay()
decay      predicted (Bietti-Bach) and measured decay exponents, side by side (a DecayReport)

The conventions (``d``, the measure, the series and quadrature paths, the decay theorem) are
stated once, in :mod:`hermite_rev.spectrum`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mpmath
import sympy

from .._core.errors import HermiteRevError
from .._core.limits import check_size
from .._core.registry import kernel_name, label_for
from .._core.text import REPR_LIMIT, short
from .._core.validate import public
from .._core.values import Value
from ..series import Tail
from ._checks import check_dimension, check_kernel
from ._decay import DecayReport, decay_report, fit_exponent
from ._draw import draw_spectrum
from ._endpoint import endpoint_expansion
from ._funk_hecke import multiplicity, quadrature_path, series_path

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator

__all__ = ["spectrum", "Spectrum", "decay"]

_METHODS = ("auto", "series", "quadrature")


@dataclass(frozen=True, eq=False)
class Spectrum(Value):
    r"""Mercer eigenvalues :math:`\mu_0 .. \mu_{k_{max}}` of a dot-product kernel on S^{d-1}.

    Attributes
    ----------
    kernel : sympy.Expr
    d : int
        Ambient dimension (the sphere is S^{d-1}).
    eigenvalues : tuple of mpmath.mpf
        mu_k, k = 0 .. kmax (each with multiplicity ``multiplicities[k]``).
    errors : tuple of mpmath.mpf
        Absolute error bound of each mu_k (rigorous on the series path when ``rigorous``;
        an estimate on the quadrature path).
    multiplicities : tuple of int
        N(d, k).
    sources : tuple of str
        "series" or "quadrature" per k.
    method : str
        The method asked for.
    dps : int
    n_taylor : int or None
        Taylor coefficients used by the series path.
    tail : Tail or None
        K(1) - sum_{j < n_taylor} a_j, what the series path dropped.
    exact : tuple or None
        Exact sympy partial sums sum_{j<n} a_j mu_k(c^j) (``exact=True``); equal to mu_k
        when the kernel is a polynomial of degree < n_taylor.
    rigorous : bool
        True when every error bound is proven.
    label : str or None
        What figures call the kernel (``spectrum(..., label=)``, else
        :func:`hermite_rev.kernels.label_of`).
    A value: frozen, picklable, deep-copyable, equal to another Spectrum with the same fields
    (change a copy with :func:`dataclasses.replace`).
    """

    kernel: sympy.Expr
    d: int
    eigenvalues: tuple
    errors: tuple
    multiplicities: tuple
    sources: tuple
    method: str
    dps: int
    n_taylor: int | None = None
    tail: Tail | None = None
    exact: tuple | None = None
    rigorous: bool = False
    label: str | None = None

    # a value (equality and hash by the fields, pickled as built, copies are the object): see Value

    @property
    def kmax(self) -> int:
        return len(self.eigenvalues) - 1

    def __len__(self) -> int:
        return len(self.eigenvalues)

    def __getitem__(self, k: int) -> Any:
        return self.eigenvalues[k]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.eigenvalues)

    def trace(self) -> mpmath.mpf:
        """sum_k N(d, k) mu_k over the computed k (tends to K(1), Mercer)."""
        with mpmath.workdps(self.dps):
            return mpmath.fsum(N * m for N, m in zip(self.multiplicities, self.eigenvalues))

    def relative_errors(self) -> tuple[mpmath.mpf, ...]:
        """errors[k] / |mu_k| (inf where mu_k = 0)."""
        with mpmath.workdps(self.dps):
            return tuple(e / abs(m) if m != 0 else mpmath.inf for m, e in zip(self.eigenvalues, self.errors))

    def resolved(self, k: int) -> bool:
        """Whether mu_k is distinguishable from 0 (|mu_k| > 2 * error)."""
        return abs(self.eigenvalues[k]) > 2 * self.errors[k]

    def measured_exponent(
        self, kmin: int | None = None, kmax: int | None = None, parity: int | None = None
    ) -> float | None:
        """Least-squares slope of log|mu_k| against log k over [kmin, kmax].

        ``parity``: None (all k), 0 (even k) or 1 (odd k).  Eigenvalues not resolved from
        zero are skipped; returns None when fewer than 3 remain.
        """
        return fit_exponent(self, kmin, kmax, parity)

    def decay(self, **options: Any) -> DecayReport:
        """:func:`decay` of this spectrum's kernel, reusing these eigenvalues."""
        return decay(self.kernel, self.d, spectrum=self, **options)

    def summary(self) -> str:
        worst = max((r for r in self.relative_errors() if r != mpmath.inf), default=mpmath.mpf(0))
        return short(
            f"Spectrum(d={self.d}, kmax={self.kmax}, method={self.method}, dps={self.dps}, "
            f"max rel error {mpmath.nstr(worst, 3)}, rigorous={self.rigorous}, "
            f"mu_0={mpmath.nstr(self.eigenvalues[0], 8)}, kernel={kernel_name(self.kernel, self.label, 80)})",
            REPR_LIMIT,
        )

    __repr__ = summary

    def plot(
        self,
        ax: Any = None,
        path: str | os.PathLike[str] | None = None,
        label: str | None = None,
        parity_split: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Log-log plot of mu_k against k (resolved eigenvalues only); saves to ``path`` if given."""
        name = kernel_name(self.kernel, self.label, 40)
        label = label or f"{name}, d = {self.d}"
        groups = [(0, " (even k)"), (1, " (odd k)")] if parity_split else [(None, "")]
        markers = {0: "o", 1: "s", None: "o"}
        curves = []
        for par, suffix in groups:
            ks = [k for k in range(len(self)) if (par is None or k % 2 == par) and self.resolved(k)]
            if ks:
                values = [float(abs(self.eigenvalues[k])) for k in ks]
                curves.append((ks, values, markers[par], {"ms": 3, "label": label + suffix}))
        hidden = sum(1 for k in range(len(self)) if not self.resolved(k))
        note = f"; {hidden} degrees with μ_k not resolved from 0 are not drawn" if hidden else ""
        title = (
            f"Mercer spectrum of {kernel_name(self.kernel, self.label, 60)}\non $S^{{{self.d - 1}}}$ (d = {self.d}), "
            f"k = 0..{self.kmax}{note}"
        )
        return draw_spectrum(ax, curves, d=self.d, title=title, path=path, **kwargs)


@public
def spectrum(
    K: Any,
    d: int,
    kmax: int,
    n_taylor: int | None = None,
    dps: int = 30,
    method: str = "auto",
    *,
    exact: bool = False,
    nodes: int | None = None,
    label: str | None = None,
) -> Spectrum:
    r"""Mercer eigenvalues :math:`\mu_0 .. \mu_{k_{max}}` of a dot-product kernel on S^{d-1}.

    Parameters
    ----------
    K : sympy.Expr, str or sequence of numbers
        Kernel in :data:`hermite_rev.c` (a sequence is taken as Taylor coefficients).
    d : int
        Ambient dimension, >= 2.
    kmax : int
        Highest degree (several hundred is fine).
    n_taylor : int
        Taylor coefficients for the series path (default ``max(2 * kmax + 40, 80)``).
    dps : int
        Digits.
    method : {"auto", "series", "quadrature"}
        "series": exact Funk-Hecke projections of the Taylor coefficients plus a rigorous
        truncation bound (best for smooth kernels, whose mu_k fall below any fixed
        quadrature precision).  "quadrature": Gauss-Legendre in theta = acos t on the
        closed-form kernel (best for kernels with a singularity at c = +-1, whose Taylor
        series converges slowly).  "auto": the series path, and quadrature for every k where
        the series error exceeds ``|mu_k| * 10^(-dps/2)`` and quadrature does better.
    exact : bool
        Also return the exact sympy partial sums (``.exact``).
    nodes : int
        Gauss-Legendre nodes for the coarse quadrature (default ``kmax + 48 + kmax // 4``).
    label : str, optional
        What :meth:`Spectrum.plot` and :meth:`DecayReport.table` call the kernel; default:
        ``K`` itself when it is a string, else the constructor call that built it
        (:func:`hermite_rev.kernels.label_of`).

    Returns
    -------
    Spectrum

    Examples
    --------
    >>> import mpmath, sympy, hermite_rev as hr
    >>> s = hr.spectrum.spectrum(sympy.exp(hr.c), d=3, kmax=3, dps=15)
    >>> [mpmath.nstr(m, 8) for m in s.eigenvalues]
    ['1.1752012', '0.36787944', '0.07156287', '0.010065091']
    """
    d = check_dimension(d)
    kmax = check_size(kmax, "kmax", low=0)
    dps = check_size(dps, "dps")
    n = max(2 * kmax + 40, 80) if n_taylor is None else check_size(n_taylor, "n_taylor")
    if nodes is not None:
        nodes = check_size(nodes, "nodes", "nodes_quadrature")
    expr = check_kernel(K)
    if not isinstance(method, str) or method not in _METHODS:
        raise HermiteRevError(f"method must be one of {_METHODS}, got method={method!r}")
    mult = tuple(multiplicity(d, k) for k in range(kmax + 1))
    tail = exact_vals = None
    rigorous = False
    sources: Any
    if method == "quadrature":
        if exact:
            raise HermiteRevError("exact=True needs the series path, got method='quadrature'")
        values, errors = quadrature_path(expr, d, kmax, dps, nodes)
        sources = ("quadrature",) * (kmax + 1)
    else:
        values, errors, tail, exact_vals, rigorous = series_path(expr, d, kmax, n, dps, exact)
        sources = ["series"] * (kmax + 1)
        if method == "auto":
            with mpmath.workdps(dps):
                target = mpmath.mpf(10) ** (-(dps // 2))
                bad = [k for k in range(kmax + 1) if errors[k] > abs(values[k]) * target]
            if bad:
                qv, qe = quadrature_path(expr, d, max(bad), dps, nodes)
                for k in bad:
                    if qe[k] < errors[k]:
                        values[k], errors[k], sources[k] = qv[k], qe[k], "quadrature"
                rigorous = rigorous and all(s == "series" for s in sources)
        sources = tuple(sources)
    with mpmath.workdps(dps):
        ulp = mpmath.mpf(2) ** (1 - mpmath.mp.prec)
        rounded = tuple(+v for v in values)
        rounded_errors = tuple(+(e + abs(v - r) + abs(r) * ulp) for e, v, r in zip(errors, values, rounded))
    return Spectrum(
        expr,
        d,
        rounded,
        rounded_errors,
        mult,
        sources,
        method,
        dps,
        n if method != "quadrature" else None,
        tail,
        exact_vals,
        bool(rigorous),
        label_for(K, expr, label),
    )


# decay's parameter ``spectrum`` (a precomputed Spectrum) hides the function of that name
_compute_spectrum = spectrum


@public
def decay(
    K: Any,
    d: int,
    kmax: int = 200,
    *,
    order: int = 4,
    fit_range: tuple[int, int] | None = None,
    spectrum: Spectrum | None = None,
    dps: int = 30,
    method: str = "auto",
) -> DecayReport:
    r"""Predicted and measured decay of the Mercer eigenvalues of K on S^{d-1}.

    Prediction (Bietti & Bach 2021, Thm. 1): expand K at both ends,
    :math:`K(1-t) = p_1(t) + \sum_\nu c_1(\nu) t^\nu`, :math:`K(-1+t) = p_{-1}(t) + \sum_\nu
    c_{-1}(\nu) t^\nu` (nu non-integer).  For parity :math:`\epsilon = (-1)^k` the exponent is
    :math:`-(d + 2\nu - 1)` for the smallest nu with :math:`c_1(\nu) + \epsilon c_{-1}(\nu)
    \neq 0`; none up to ``order``: faster than any power seen at that order.  Measured: the
    least-squares slope of log mu_k against log k over ``fit_range`` (default the top three
    quarters of [1, kmax]) per parity.

    Parameters
    ----------
    K, d, kmax, dps, method
        As for :func:`spectrum` (``kmax``, ``dps`` and ``method`` are ignored when
        ``spectrum`` is given).
    order : int
        Order of the endpoint expansions.
    fit_range : (int, int), optional
        ``(lo, hi)`` with ``1 <= lo < hi <= kmax``: the degrees of the measured slope.
    spectrum : Spectrum, optional
        Precomputed eigenvalues of ``K`` on the same sphere (``spectrum.d == d``).

    Returns
    -------
    DecayReport
    """
    d = check_dimension(d)
    if spectrum is None:  # sizes first: kmax=10**12 must not reach the endpoint expansions
        kmax = check_size(kmax, "kmax", low=0)
        dps = check_size(dps, "dps")
    expr = check_kernel(K)
    plus = endpoint_expansion(expr, 1, order)
    minus = endpoint_expansion(expr, -1, order)
    if spectrum is not None:
        if not isinstance(spectrum, Spectrum):
            raise HermiteRevError(f"spectrum must be a Spectrum (from hermite_rev.spectrum.spectrum), got {spectrum!r}")
        if spectrum.d != d:
            raise HermiteRevError(f"spectrum was computed for d={spectrum.d}, but decay was asked for d={d}")
        spec = spectrum
    else:
        spec = _compute_spectrum(expr, d, kmax, dps=dps, method=method, label=label_for(K, expr, None))
    return decay_report(expr, d, plus, minus, spec, fit_range, dps)
