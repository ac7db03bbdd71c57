r"""Mercer spectra of dot-product kernels on the sphere, and their decay.

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

References
----------
A. Bietti, F. Bach, "Deep equals shallow for ReLU networks in kernel regimes", ICLR 2021,
arXiv:2009.14397.  K. Atkinson, W. Han, "Spherical Harmonics and Approximations on the Unit
Sphere", Springer 2012 (Funk-Hecke, Rodrigues' formula).  A. Bietti, J. Mairal, "On the
inductive bias of neural tangent kernels", NeurIPS 2019, arXiv:1905.12173.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

import flint
import mpmath
import sympy

from ._core import powerseries as ps
from ._core.errors import HermiteRevError, NotAKernelError, NotAnalyticError
from ._core.exprs import c
from ._core.precision import flint_ctx, rad, to_mpf
from ._core.registry import kernel_name, label_for
from ._core.validate import as_expr, check_nonneg_int, check_positive_int, public
from .series import Tail

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterator, Sequence

    from ._core.typing import KernelLike, RealLike

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
    "plot_compare",
]

_METHODS = ("auto", "series", "quadrature")


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------


def _check_d(d: int) -> int:
    from ._core.limits import check_size

    d = check_size(d, "d")
    if d < 2:
        raise HermiteRevError(f"d (the ambient dimension, sphere S^(d-1)) must be >= 2, got d={d}")
    return d


def _check_kernel(K: KernelLike | Sequence[RealLike]) -> sympy.Expr:
    if isinstance(K, (list, tuple)):
        from .kernels import polynomial

        return polynomial(K)
    return as_expr(K, c, name="kernel")


# --------------------------------------------------------------------------------------------
# exact building blocks
# --------------------------------------------------------------------------------------------


def multiplicity(d: int, k: int) -> int:
    """N(d, k): dimension of the space of degree-k spherical harmonics on S^{d-1}.

    ``N(d, 0) = 1`` and ``N(d, k) = (2k + d - 2)/k * binom(k + d - 3, k - 1)``; 2 for d = 2
    and ``2k + 1`` for d = 3.

    >>> [multiplicity(3, k) for k in range(4)]
    [1, 3, 5, 7]
    """
    d = _check_d(d)
    k = check_nonneg_int(k, "k")
    if k == 0:
        return 1
    return (2 * k + d - 2) * math.comb(k + d - 3, k - 1) // k


def _fh_diag(k: int, d: int) -> Fraction:
    """mu_k(c^k) = prod_{i<k} (i+1)/(2i+d) as a Fraction."""
    out = Fraction(1)
    for i in range(k):
        out *= Fraction(i + 1, 2 * i + d)
    return out


def _fh_ratio(j: int, k: int, d: int) -> Fraction:
    """mu_k(c^{j+2}) / mu_k(c^j)."""
    return Fraction((j + 2) * (j + 1), (j - k + 2) * (j + k + d))


def funk_hecke_power(j: int, k: int, d: int) -> sympy.Expr:
    r"""Exact eigenvalue :math:`\mu_k(c^j)` of the kernel :math:`c^j` on S^{d-1} (a Rational).

    Zero unless j >= k and j - k is even.  Always rational: for even d the Gammas are
    integers and :math:`\Gamma(m + 1/2)/\sqrt\pi` is rational; for odd d the half-integer
    Gammas pair up.

    >>> funk_hecke_power(2, 0, 3), funk_hecke_power(2, 2, 3)
    (1/3, 2/15)
    """
    j = check_nonneg_int(j, "j")
    k = check_nonneg_int(k, "k")
    d = _check_d(d)
    if j < k or (j - k) % 2:
        return sympy.Integer(0)
    val = _fh_diag(k, d)
    for i in range(k, j, 2):
        val *= _fh_ratio(i, k, d)
    return sympy.Rational(val.numerator, val.denominator)


def _fh_arb(j: int, k: int, d: int) -> flint.arb:
    """mu_k(c^j) as an arb ball via log-Gamma (any size j, k)."""
    if j < k or (j - k) % 2:
        return flint.arb(0)
    m = (j - k) // 2
    A = flint.arb
    lg = (
        (A(d) / 2).lgamma()
        + A(j + 1).lgamma()
        + (A(m) + A(1) / 2).lgamma()
        - A(j - k + 1).lgamma()
        - (A(m + k) + A(d) / 2).lgamma()
        - A(k) * A(2).log()
        - A.pi().log() / 2
    )
    return lg.exp()


def _fh_max_beyond(n: int, k: int, d: int) -> flint.arb:
    """max_{j >= n, j = k mod 2} mu_k(c^j) as an arb ball (closed form: the sequence is unimodal).

    mu_k(c^{j+2}) >= mu_k(c^j)  iff  j (d - 1) <= k^2 + k (d - 2) - 2 d + 2.
    """
    j0 = max(n, k)
    if (j0 - k) % 2:
        j0 += 1
    R = k * k + k * (d - 2) - 2 * d + 2
    # first j >= j0 (same parity) with j (d-1) > R: the sequence decreases from there on
    jstar = j0
    if jstar * (d - 1) <= R:
        jstar = R // (d - 1) + 1
        if (jstar - k) % 2:
            jstar += 1
    return _fh_arb(jstar, k, d)


def power_eigenvalue(nu: RealLike, k: int, d: int, dps: int = 30) -> mpmath.mpf:
    r"""Exact eigenvalue of the kernel :math:`(1 - c)^\nu` on S^{d-1}, :math:`\nu > -(d-1)/2`.

    .. math:: \mu_k = \frac{2^{\nu+d-2}\,\Gamma(d/2)\,\Gamma(\nu + \frac{d-1}{2})}{\sqrt{\pi}}
              \,\frac{(-\nu)_k}{\Gamma(\nu + k + d - 1)}
              \;\sim\; C(d,\nu)\, k^{-d-2\nu+1},\quad
              C(d, \nu) = \frac{2^{\nu+d-2}\,\Gamma(d/2)\,\Gamma(\nu+\frac{d-1}{2})}{\sqrt\pi\,\Gamma(-\nu)}

    (Rodrigues' formula and k integrations by parts).  The kernel :math:`(1 + c)^\nu` has
    :math:`(-1)^k` times this.  Zero for integer nu < k.
    """
    k = check_nonneg_int(k, "k")
    d = _check_d(d)
    dps = check_positive_int(dps, "dps")
    with mpmath.workdps(dps + 10):
        nu = mpmath.mpf(nu) if not isinstance(nu, sympy.Basic) else mpmath.mpf(sympy.N(nu, dps + 15))
        if nu <= -mpmath.mpf(d - 1) / 2:
            raise HermiteRevError(f"nu must be > -(d-1)/2 for (1-c)^nu to be integrable, got nu={nu}")
        out = (
            mpmath.mpf(2) ** (nu + d - 2)
            * mpmath.gamma(mpmath.mpf(d) / 2)
            * mpmath.gamma(nu + mpmath.mpf(d - 1) / 2)
            / mpmath.sqrt(mpmath.pi)
            * mpmath.rf(-nu, k)
            / mpmath.gamma(nu + k + d - 1)
        )
    with mpmath.workdps(dps):
        return +out


def _bb_constant(nu: Any, d: int) -> mpmath.mpf:
    """C(d, nu) of Bietti-Bach's Theorem 1 (mpf at the current precision)."""
    return (
        mpmath.mpf(2) ** (nu + d - 2)
        * mpmath.gamma(mpmath.mpf(d) / 2)
        * mpmath.gamma(nu + mpmath.mpf(d - 1) / 2)
        / (mpmath.sqrt(mpmath.pi) * mpmath.gamma(-nu))
    )


def gegenbauer(k: int, d: int, t: Any) -> Any:
    """Normalised Gegenbauer (Legendre in dimension d) polynomial P_k(d; t), P_k(d; 1) = 1.

    Three-term recurrence ``P_{k+1} = ((2k + d - 2) t P_k - k P_{k-1}) / (k + d - 2)``;
    Chebyshev T_k for d = 2, Legendre for d = 3.  Works for mpmath numbers, floats, arb.
    """
    k = check_nonneg_int(k, "k")
    d = _check_d(d)
    return _gegenbauer_all(k, d, t)[k]


def _gegenbauer_all(kmax: int, d: int, t: Any) -> list[Any]:
    out = [t * 0 + 1]
    if kmax >= 1:
        out.append(t)
    for k in range(1, kmax):
        out.append(((2 * k + d - 2) * t * out[k] - k * out[k - 1]) / (k + d - 2))
    return out


def _fh_const(d: int) -> mpmath.mpf:
    """Gamma(d/2) / (sqrt(pi) Gamma((d-1)/2)) at the current mpmath precision."""
    return mpmath.gamma(mpmath.mpf(d) / 2) / (mpmath.sqrt(mpmath.pi) * mpmath.gamma(mpmath.mpf(d - 1) / 2))


def eigenvalue_quad(K: KernelLike, d: int, k: int, dps: int = 20) -> tuple[mpmath.mpf, mpmath.mpf]:
    """One Mercer eigenvalue by ``mpmath.quad`` with the Gegenbauer weight (independent check).

    Integrates ``K(t) P_k(d; t) (1 - t^2)^((d-3)/2)`` over [-1, 1] in the variable t, split
    into ``k + 2`` pieces at equally spaced angles, using mpmath's own ``gegenbauer`` (or
    ``chebyt`` for d = 2).  Returns ``(value, error_estimate)``.
    """
    K = _check_kernel(K)
    d = _check_d(d)
    k = check_nonneg_int(k, "k")
    dps = check_positive_int(dps, "dps")
    with mpmath.workdps(dps + 10):
        f = sympy.lambdify(c, K, modules=["mpmath"])
        lam = mpmath.mpf(d - 2) / 2
        if d == 2:
            P = lambda t: mpmath.chebyt(k, t)
        else:
            norm = mpmath.gegenbauer(k, lam, 1)
            P = lambda t: mpmath.gegenbauer(k, lam, t) / norm
        w = mpmath.mpf(d - 3) / 2

        def integrand(t: Any) -> Any:
            return mpmath.re(f(t)) * P(t) * (1 - t * t) ** w

        pieces = k + 2
        pts = sorted(mpmath.cos(mpmath.pi * i / pieces) for i in range(pieces + 1))
        pts[0], pts[-1] = mpmath.mpf(-1), mpmath.mpf(1)
        val, err = mpmath.quad(integrand, pts, error=True)
        const = _fh_const(d)
        val, err = val * const, abs(err) * const
    with mpmath.workdps(dps):
        return +val, +err


# --------------------------------------------------------------------------------------------
# the spectrum
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Spectrum:
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
        return _fit_exponent(self, kmin, kmax, parity)

    def decay(self, **options: Any) -> DecayReport:
        """:func:`decay` of this spectrum's kernel, reusing these eigenvalues."""
        return decay(self.kernel, self.d, spectrum=self, **options)

    def summary(self) -> str:
        worst = max((r for r in self.relative_errors() if r != mpmath.inf), default=mpmath.mpf(0))
        return (
            f"Spectrum(d={self.d}, kmax={self.kmax}, method={self.method}, dps={self.dps}, "
            f"max rel error {mpmath.nstr(worst, 3)}, rigorous={self.rigorous}, "
            f"mu_0={mpmath.nstr(self.eigenvalues[0], 8)})"
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
        if ax is None:
            from ._figures import pyplot as _plt

            _, ax = _plt().subplots(figsize=(6, 4))  # Agg only when no display is configured
        label = label or f"{_short(self.kernel, label=self.label)}, d = {self.d}"
        groups = [(0, " (even k)"), (1, " (odd k)")] if parity_split else [(None, "")]
        markers = {0: "o", 1: "s", None: "o"}
        for par, suffix in groups:
            ks = [k for k in range(len(self)) if (par is None or k % 2 == par) and self.resolved(k)]
            if not ks:
                continue
            ax.plot(
                ks, [float(abs(self.eigenvalues[k])) for k in ks], markers[par], ms=3, label=label + suffix, **kwargs
            )
        ax.set_yscale("log")
        ax.set_xscale("symlog", linthresh=1, linscale=0.5)  # log in k, with k = 0 shown
        ax.set_xlim(left=-0.3)
        ax.set_xlabel("degree k (log scale above 1)")
        ax.set_ylabel(rf"Mercer eigenvalue $\mu_k$ on $S^{{{self.d - 1}}}$")
        ax.legend(fontsize=8)
        if not ax.get_title():
            hidden = sum(1 for k in range(len(self)) if not self.resolved(k))
            note = f"; {hidden} degrees with μ_k not resolved from 0 are not drawn" if hidden else ""
            ax.set_title(
                f"Mercer spectrum of {_short(self.kernel, 60, self.label)}\non $S^{{{self.d - 1}}}$ (d = {self.d}), "
                f"k = 0..{self.kmax}{note}",
                fontsize=9,
            )
        if path is not None:
            ax.figure.tight_layout()
            ax.figure.savefig(path, dpi=120)
        return ax


def _short(expr: object, n: int = 40, label: str | None = None) -> str:
    """What a figure or table calls the kernel: ``label``, else :func:`hermite_rev.kernels.label_of`,
    else its text when at most ``n`` characters (never a long sympy tree)."""
    return kernel_name(expr, label, n)


def _arb_of(x: Any) -> flint.arb:
    """An mpmath number as an exact arb."""
    x = mpmath.mpf(x)
    sign, man, exp, _ = x._mpf_
    if not man:
        return flint.arb(0)
    out = flint.arb(int(man)) * flint.arb(2) ** int(exp)
    return -out if sign else out


def _series_path(
    K: sympy.Expr, d: int, kmax: int, n: int, dps: int, exact: bool
) -> tuple[list[mpmath.mpf], list[mpmath.mpf], Tail | None, tuple[sympy.Expr, ...] | None, bool]:
    """mu_k from Taylor coefficients with rigorous truncation bounds (arb)."""
    from .series import taylor

    tc = taylor(K, n, dps + 5)
    with mpmath.workdps(dps + 5):
        for j, (a, e) in enumerate(zip(tc, tc.errors)):
            if a < -e:
                raise NotAKernelError(
                    f"Taylor coefficient a_{j} = {mpmath.nstr(a, 8)} is negative: {K} is not a positive-definite "
                    f"dot-product kernel, so the series path cannot bound its truncation (use method='quadrature')"
                )
        tail = tc.tail
    prec = int((dps + 20) * 3.33) + 2 * int(math.log2(n + 2))
    values, errors = [], []
    with flint_ctx(prec, n):
        balls = tc._memo.get("balls") or [flint.arb(_arb_of(a), _arb_of(e)) for a, e in zip(tc, tc.errors)]
        tail_ball = _arb_of(max(tail.bound, mpmath.mpf(0)))
        # sum_{j>=n} a_j <= K(r) r^-n / (1 - r^-2) on one parity class (Cauchy; Pringsheim)
        for r, Kr in _cauchy_radii(K):
            geo = Kr * flint.arb(r) ** (-n) / (1 - flint.arb(r) ** (-2))
            if geo.upper() < tail_ball.upper():
                tail_ball = geo
        for k in range(kmax + 1):
            acc = flint.arb(0)
            if k < n:
                p = _fh_arb(k, k, d)
                for j in range(k, n, 2):
                    acc += balls[j] * p
                    p = p * (j + 2) * (j + 1) / ((j - k + 2) * (j + k + d))
            trunc = tail_ball * _fh_max_beyond(n, k, d)
            # the true mu_k lies in [acc, acc + trunc]: report the midpoint of that interval
            total = acc + trunc / 2
            with mpmath.workdps(dps + 5):
                values.append(to_mpf(total))
                errors.append(rad(total) + _rad_upper(trunc) / 2)
    exact_vals = None
    if exact:
        from .series import taylor as _taylor

        a = _taylor(K, n, exact=True)
        exact_list = []
        for k in range(kmax + 1):
            terms = [a[j] * funk_hecke_power(j, k, d) for j in range(k, n, 2)]
            exact_list.append(sympy.nsimplify(sympy.Add(*terms)) if terms else sympy.Integer(0))
        exact_vals = tuple(exact_list)
    return values, errors, tail, exact_vals, tc.rigorous


def _cauchy_radii(
    K: sympy.Expr, radii: Sequence[float] = (256, 64, 16, 8, 4, 2, 1.5, 1.25, 1.1)
) -> list[tuple[Any, mpmath.mpf]]:
    """[(r, upper bound of K(r))] for the r with K provably analytic on a neighbourhood of [0, r].

    K is evaluated in ball arithmetic on the ball [0, r]; every operation checks its
    argument (log / non-integer powers of positive balls only, acos / asin inside (-1, 1)),
    so success proves K real-analytic near [0, r].  With non-negative Taylor coefficients
    the radius of convergence R is a singular point (Pringsheim), hence R > r and
    a_j <= max_{|c|=r} |K| r^-j = K(r) r^-j (Cauchy).
    """
    from .series._walk import ArbBackend, Undecided, Walker

    out = []
    with flint_ctx(128, 1):
        for r in radii:
            rr = flint.arb(r)
            ball = flint.arb(rr / 2, rr / 2)
            try:
                is_series, v = Walker(ArbBackend(1), c, ball)(K)
            except (Undecided, HermiteRevError, ZeroDivisionError, ValueError):
                continue
            v = v.coeffs()[0] if is_series else v
            if v.is_finite():
                out.append((r, flint.arb(v.upper())))
    return out


def _rad_upper(x: flint.arb) -> mpmath.mpf:
    """Upper bound of |x| for an arb ball."""
    return rad(x) + abs(to_mpf(x))


def _gl_theta_nodes(N: int, prec: int) -> list[tuple[flint.arb, flint.arb]]:
    """Gauss-Legendre nodes/weights mapped to theta in [0, pi] (arb)."""
    with flint_ctx(prec, 1):
        half = flint.arb.pi() / 2
        nodes = []
        for i in range((N + 1) // 2):
            x, w = flint.arb.legendre_p_root(N, i, weight=True)
            nodes.append((half * (1 + x), half * w))
            if 2 * i + 1 != N:
                nodes.append((half * (1 - x), half * w))
    return nodes


def _quad_once(f: Callable[[Any], Any], d: int, kmax: int, N: int, wp: int) -> list[mpmath.mpf]:
    prec = int(wp * 3.33) + 16
    nodes = _gl_theta_nodes(N, prec)
    acc = [flint.arb(0)] * (kmax + 1)
    with flint_ctx(prec, 1), mpmath.workdps(wp):
        for theta, w in nodes:
            t, s = theta.cos(), theta.sin()
            Kt = _arb_of(mpmath.re(f(to_mpf(t))))
            g = Kt * w * s ** (d - 2) if d > 2 else Kt * w
            P = _gegenbauer_all(kmax, d, t)
            acc = [a + g * p for a, p in zip(acc, P)]
        const = _arb_of(_fh_const(d))
        return [to_mpf(a * const) for a in acc]


def _quadrature_path(
    K: sympy.Expr, d: int, kmax: int, dps: int, nodes: int | None = None
) -> tuple[list[mpmath.mpf], list[mpmath.mpf]]:
    """mu_k by Gauss-Legendre in theta at two resolutions; error = their difference."""
    wp = dps + 20
    with mpmath.workdps(wp):
        f = sympy.lambdify(c, K, modules=["mpmath"], cse=True)
    N1 = nodes or (kmax + 48 + kmax // 4)
    N2 = N1 + N1 // 2 + 8
    q1 = _quad_once(f, d, kmax, N1, wp)
    q2 = _quad_once(f, d, kmax, N2, wp)
    with mpmath.workdps(wp):
        scale = max(abs(v) for v in q2)
        values = [+v for v in q2]
        errors = [abs(a - b) + scale * mpmath.mpf(10) ** (-(wp - 5)) for a, b in zip(q1, q2)]
    return values, errors


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
    >>> import sympy, hermite_rev as hr
    >>> s = hr.spectrum.spectrum(sympy.exp(hr.c), d=3, kmax=3, dps=15)
    >>> [mpmath.nstr(m, 8) for m in s.eigenvalues]
    ['1.1752012', '0.36787944', '0.07156287', '0.010065091']
    """
    from ._core.limits import check_size

    d = _check_d(d)
    kmax = check_size(kmax, "kmax", low=0)
    dps = check_size(dps, "dps")
    n = max(2 * kmax + 40, 80) if n_taylor is None else check_size(n_taylor, "n_taylor")
    if nodes is not None:
        nodes = check_size(nodes, "nodes", "nodes_quadrature")
    expr = _check_kernel(K)
    if not isinstance(method, str) or method not in _METHODS:
        raise HermiteRevError(f"method must be one of {_METHODS}, got method={method!r}")
    mult = tuple(multiplicity(d, k) for k in range(kmax + 1))
    tail = exact_vals = None
    rigorous = False
    sources: Any
    if method == "quadrature":
        if exact:
            raise HermiteRevError("exact=True needs the series path, got method='quadrature'")
        values, errors = _quadrature_path(expr, d, kmax, dps, nodes)
        sources = ("quadrature",) * (kmax + 1)
    else:
        values, errors, tail, exact_vals, rigorous = _series_path(expr, d, kmax, n, dps, exact)
        sources = ["series"] * (kmax + 1)
        if method == "auto":
            with mpmath.workdps(dps):
                target = mpmath.mpf(10) ** (-(dps // 2))
                bad = [k for k in range(kmax + 1) if errors[k] > abs(values[k]) * target]
            if bad:
                qv, qe = _quadrature_path(expr, d, max(bad), dps, nodes)
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


# --------------------------------------------------------------------------------------------
# Puiseux expansion at c = +-1
# --------------------------------------------------------------------------------------------


class _Finer(Exception):
    """A branch needs a finer grid t = s^q (q times ``factor``)."""

    def __init__(self, factor: int) -> None:
        super().__init__(factor)
        self.factor = factor


_FUNCS = {
    sympy.exp: "exp",
    sympy.log: "log",
    sympy.sin: "sin",
    sympy.cos: "cos",
    sympy.atan: "atan",
    sympy.asin: "asin",
    sympy.acos: "acos",
    sympy.erf: "erf",
    sympy.sinh: "sinh",
    sympy.cosh: "cosh",
    sympy.tanh: "tanh",
}


class _PuiseuxWalker(ps.MemoWalker):
    """Evaluate an expression in c at c = x0 + sgn * s^q as a truncated power series in s.

    Series are coefficient lists whose length is the number of *known* coefficients.  At a
    branch point (sqrt of a series vanishing at s = 0, acos at +-1) the leading power is
    split off, which is where fractional powers of t = s^q appear.
    """

    def __init__(self, F: Any, N: int, q: int, x0: Any, sgn: int, tol: Any) -> None:
        self.F, self.N, self.q, self.tol = F, N, q, tol
        self.var = [F.zero] * N
        self.var[0] = F.coerce(x0)
        if q < N:
            self.var[q] = F.coerce(sgn)
        self.memo: dict[int, Any] = {}

    # -- helpers ---------------------------------------------------------------------------
    def _is_zero(self, x: Any, scale: Any = 1) -> bool:
        if isinstance(self.F, ps.SympyField):
            sgn = self.F.sign(x)
            if sgn is None:
                return abs(sympy.N(x, 50)) < 1e-40
            return sgn == 0
        return abs(x) <= self.tol * max(1, scale)

    def order(self, a: Sequence[Any]) -> int:
        scale = max((abs(x) for x in a), default=0) if not isinstance(self.F, ps.SympyField) else 1
        for i, x in enumerate(a):
            if not self._is_zero(x, scale):
                return i
        return len(a)

    def snap(self, a: list[Any]) -> list[Any]:
        if isinstance(self.F, ps.SympyField):
            return a
        scale = max((abs(x) for x in a), default=0)
        return [self.F.zero if self._is_zero(x, scale) else x for x in a]

    def positive(self, x: Any) -> bool:
        if isinstance(self.F, ps.SympyField):
            sgn = self.F.sign(x)
            return sgn == 1 if sgn is not None else sympy.N(x, 50) > 0
        return x > 0

    def const(self, v: Any, n: int | None = None) -> list[Any]:
        return ps.ps_const(self.F, v, n or self.N)

    # -- arithmetic ------------------------------------------------------------------------
    def add(self, a: list[Any], b: list[Any]) -> list[Any]:
        n = min(len(a), len(b))
        return self.snap(ps.ps_add(self.F, a[:n], b[:n]))

    def mul(self, a: list[Any], b: list[Any]) -> list[Any]:
        oa, ob = self.order(a), self.order(b)
        n = min(len(a) + ob, len(b) + oa, self.N)
        a2 = (a + [self.F.zero] * n)[:n]
        b2 = (b + [self.F.zero] * n)[:n]
        return self.snap(ps.ps_mul(self.F, a2, b2, n))

    def scale(self, a: list[Any], s: Any) -> list[Any]:
        return self.snap(ps.ps_scale(self.F, a, s))

    def inv(self, a: list[Any], e: sympy.Basic) -> list[Any]:
        if self.order(a) > 0:
            raise NotAnalyticError(f"{e} has a pole at the endpoint")
        return self.snap(ps.ps_inv(self.F, a, len(a)))

    def fpow(self, a: list[Any], alpha: Any, e: sympy.Basic) -> list[Any]:
        alpha = sympy.Rational(alpha) if isinstance(alpha, (int, sympy.Integer, sympy.Rational)) else alpha
        if alpha.is_Integer:
            m = int(alpha)
            if m < 0:
                return self.fpow(self.inv(a, e), -m, e)
            out = self.const(self.F.one, len(a))
            for _ in range(m):
                out = self.mul(out, a)
            return out
        m = self.order(a)
        if m >= len(a):
            raise NotAnalyticError(f"{e}: the base vanishes to every computed order at the endpoint")
        w = a[m:]
        if not self.positive(w[0]):
            raise HermiteRevError(f"{e} is not real near the endpoint (non-integer power of a negative number)")
        shift = alpha * m
        if not shift.is_Integer:
            raise _Finer(sympy.Rational(shift).q)
        if shift < 0:
            raise NotAnalyticError(f"{e} is infinite at the endpoint")
        body = ps.ps_pow(self.F, w, self.F.coerce(alpha), len(w))
        return self.snap([self.F.zero] * int(shift) + body)

    def acos(self, a: list[Any], e: sympy.Basic) -> list[Any]:
        F = self.F
        x0 = a[0]
        one_minus = F.simp(F.one - x0)
        one_plus = F.simp(F.one + x0)
        if self._is_zero(one_minus):
            u = self.snap([F.zero] + [F.simp(-x) for x in a[1:]])  # 1 - a
            return self._acos_one_minus(u, e)
        if self._is_zero(one_plus):
            u = self.snap([F.zero] + [x for x in a[1:]])  # 1 + a = 1 - (-a)
            r = self._acos_one_minus(u, e)
            return self.snap([F.simp((F.pi if k == 0 else F.zero) - x) for k, x in enumerate(r)])
        if not (self.positive(one_minus) and self.positive(one_plus)):
            raise HermiteRevError(f"{e} is not real near the endpoint (acos/asin of |x| > 1)")
        return self.snap(ps.ps_acos(F, a, len(a)))

    def _acos_one_minus(self, u: list[Any], e: sympy.Basic) -> list[Any]:
        """acos(1 - u) = sqrt(2u) * sum_n (1/2)_n^2 / ((3/2)_n n!) (u/2)^n for u(0) = 0."""
        F = self.F
        root = self.fpow(self.scale(u, F.num(2)), sympy.Rational(1, 2), e)
        n = len(u)
        coeffs, term = [], sympy.Integer(1)
        for i in range(n):
            coeffs.append(F.coerce(term / sympy.Integer(2) ** i))
            term = term * sympy.Rational(2 * i + 1, 2) ** 2 / (sympy.Rational(2 * i + 3, 2) * (i + 1))
        series = ps.ps_compose(F, coeffs, u, n)
        return self.mul(root, series)

    # -- the walk --------------------------------------------------------------------------

    def _eval(self, e: sympy.Basic) -> list[Any]:
        F = self.F
        if e == c:
            return list(self.var)
        if not e.has(c):
            return self.const(F.coerce(e))
        if e.is_Add:
            parts = [self(a) for a in e.args]
            acc = parts[0]
            for p in parts[1:]:
                acc = self.add(acc, p)
            return acc
        if e.is_Mul:
            acc = None
            for a in e.args:
                if not a.has(c):
                    continue
                p = self(a)
                acc = p if acc is None else self.mul(acc, p)
            coeff = sympy.Mul(*[a for a in e.args if not a.has(c)])
            return self.scale(acc, F.coerce(coeff)) if coeff != 1 else acc
        if e.is_Pow:
            base, expo = e.args
            if expo.has(c):
                return self(sympy.exp(expo * sympy.log(base), evaluate=False))
            return self.fpow(self(base), expo, e)
        if isinstance(e, sympy.Function) and type(e) in _FUNCS and len(e.args) == 1:
            name = _FUNCS[type(e)]
            a = self(e.args[0])
            n = len(a)
            if name == "acos":
                return self.acos(a, e)
            if name == "asin":
                r = self.acos(a, e)
                return self.snap([F.simp((F.pi / 2 if k == 0 else F.zero) - x) for k, x in enumerate(r)])
            if name == "log":
                if self.order(a) > 0 or not self.positive(a[0]):
                    raise NotAnalyticError(f"{e}: logarithm of a series not positive at the endpoint")
                return self.snap(ps.ps_log(F, a, n))
            if name == "exp":
                return self.snap(ps.ps_exp(F, a, n))
            if name in ("sin", "cos"):
                return self.snap(ps.ps_sincos(F, a, n)[0 if name == "sin" else 1])
            if name in ("sinh", "cosh", "tanh"):
                sh, ch = ps.ps_sinhcosh(F, a, n)
                return self.snap({"sinh": sh, "cosh": ch}.get(name) or ps.ps_div(F, sh, ch, n))
            if name == "atan":
                return self.snap(ps.ps_atan(F, a, n))
            if name == "erf":
                return self.snap(ps.ps_erf(F, a, n))
        raise NotAnalyticError(
            f"cannot expand {type(e).__name__} in {e} at the endpoint "
            f"(supported: + * powers exp log sin cos sinh cosh tanh atan asin acos erf)"
        )


@dataclass(frozen=True)
class EndpointExpansion:
    r"""``K(point - sign * t) = sum_i coeffs[i] * t^(i/q)`` near t = 0 (point = +1: c = 1 - t).

    Attributes
    ----------
    point : int
        +1 or -1.
    q : int
        Denominator of the powers of t.
    coeffs : tuple
        Coefficients of t^(i/q), i = 0 .. len - 1 (mpmath, or sympy when exact).
    nu : sympy.Rational or None
        The smallest non-integer power with a nonzero coefficient (None: none up to ``order``).
    coefficient
        Its coefficient (c_1 at +1, c_{-1} at -1 in Bietti-Bach's notation).
    order : sympy.Rational
        Powers of t below this are all known.
    """

    point: int
    q: int
    coeffs: tuple
    nu: sympy.Rational | None
    coefficient: object
    order: sympy.Rational

    def fractional_terms(self) -> list[tuple[sympy.Rational, Any]]:
        """[(nu, coefficient)] for every non-integer power with a nonzero coefficient."""
        out = []
        for i, a in enumerate(self.coeffs):
            if i % self.q and a != 0:
                out.append((sympy.Rational(i, self.q), a))
        return out

    def expr(self, t: sympy.Expr | None = None) -> sympy.Expr:
        """The truncated expansion as a sympy expression in ``t``."""
        t = t if t is not None else sympy.Symbol("t", positive=True)
        terms = []
        for i, a in enumerate(self.coeffs):
            if a != 0:
                coef = a if isinstance(a, sympy.Basic) else sympy.Float(a, 30)
                terms.append(coef * t ** sympy.Rational(i, self.q))
        return sympy.Add(*terms)

    def __repr__(self) -> str:
        where = "K(1 - t)" if self.point == 1 else "K(-1 + t)"
        return f"EndpointExpansion({where} = {sympy.N(self.expr(), 6)} + O(t^{self.order}))"


def endpoint_expansion(
    K: KernelLike | Sequence[RealLike],
    point: Literal[1, -1] = 1,
    order: RealLike = 4,
    *,
    exact: bool = False,
    dps: int = 50,
) -> EndpointExpansion:
    r"""Puiseux expansion of K at c = +1 (``K(1 - t)``) or c = -1 (``K(-1 + t)``).

    The expression tree is evaluated as a power series in :math:`s = t^{1/q}` (q = 2 first;
    a branch that needs a finer grid restarts with a larger q).  Square roots and ``acos``
    at +-1 split off their leading power, which is where the fractional powers come from:
    :math:`\arccos(1 - u) = \sqrt{2u}\, {}_2F_1(\tfrac12, \tfrac12; \tfrac32; u/2)`.  sympy's
    own ``series`` takes minutes on a 2-layer ReLU NTK; this takes milliseconds.

    Parameters
    ----------
    K : sympy.Expr or str
    point : {1, -1}
    order : int
        Keep powers of t below ``order``.
    exact : bool
        Exact sympy coefficients (slow for deep kernels); default mpmath at ``dps`` digits
        with coefficients below ``10^-(dps-15)`` (relative) taken as zero.

    Returns
    -------
    EndpointExpansion

    Examples
    --------
    >>> import hermite_rev as hr
    >>> e = endpoint_expansion(hr.kernels.arccos(0), 1, order=2, exact=True)
    >>> e.nu, e.coefficient
    (1/2, -sqrt(2)/pi)
    """
    expr = _check_kernel(K)
    if point not in (1, -1):
        raise HermiteRevError(f"point must be 1 or -1, got point={point!r}")
    order = check_positive_int(order, "order")
    dps = check_positive_int(dps, "dps")
    q = 2
    for _ in range(6):
        N = q * order + 2 * q + 2
        try:
            with mpmath.workdps(dps):
                F = ps.SympyField() if exact else ps.MpField()
                tol = 0 if exact else mpmath.mpf(10) ** (-(dps - 15))
                walker = _PuiseuxWalker(F, N, q, point, -point, tol)
                series = walker(expr)
                if not exact:
                    series = [+x for x in series]
        except _Finer as need:
            q = q * int(need.factor)
            continue
        known = min(len(series), q * order)
        coeffs = tuple(
            sympy.nsimplify(x) if exact and isinstance(x, sympy.Basic) and x.is_Float else x for x in series[:known]
        )
        nu = coef = None
        for i, a in enumerate(coeffs):
            if i % q and a != 0:
                nu, coef = sympy.Rational(i, q), a
                break
        return EndpointExpansion(point, q, coeffs, nu, coef, sympy.Rational(known, q))
    raise NotAnalyticError(f"{expr}: no Puiseux expansion in powers of t^(1/q) found up to q={q}")


# --------------------------------------------------------------------------------------------
# decay analysis
# --------------------------------------------------------------------------------------------


def _fit_exponent(spec: Spectrum, kmin: int | None, kmax: int | None, parity: int | None) -> float | None:
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


@dataclass(frozen=True, eq=False)
class DecayReport:
    """Predicted (Bietti-Bach) against measured eigenvalue decay of one kernel on S^{d-1}.

    Attributes
    ----------
    kernel, d
    plus, minus : EndpointExpansion
        Expansions at c = +1 and c = -1.
    predicted : dict
        parity (0 even, 1 odd) -> predicted exponent of k (None: faster than any power
        up to the expansion order).
    leading : dict
        parity -> (nu, C(d, nu) * (c_1 +- c_{-1})): the leading term mu_k ~ const * k^exponent.
    measured : dict
        parity -> fitted slope of log mu_k vs log k over ``fit_range`` (None: too few
        resolved eigenvalues, e.g. they vanish).
    ratios : dict
        parity -> mu_k / (asymptotic series of all fractional terms) at the largest k of
        that parity (tends to 1).
    fit_range : tuple
    spectrum : Spectrum
    """

    kernel: sympy.Expr
    d: int
    plus: EndpointExpansion
    minus: EndpointExpansion
    predicted: dict
    leading: dict
    measured: dict
    ratios: dict
    fit_range: tuple
    spectrum: Spectrum

    def asymptotic(self, k: int) -> mpmath.mpf:
        """sum over fractional terms of c_+ mu_k((1-c)^nu) + c_- mu_k((1+c)^nu)."""
        return _asymptotic(self.plus, self.minus, k, self.d)

    def table(self, name: str | None = None) -> str:
        """A Markdown table row per parity: predicted exponent, measured exponent, ratio."""
        name = name or _short(self.kernel, 30, getattr(self.spectrum, "label", None))
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
        return (
            f"DecayReport(d={self.d}, nu(+1)={self.plus.nu}, nu(-1)={self.minus.nu}, "
            f"predicted={ {p: (None if v is None else float(v)) for p, v in self.predicted.items()} }, "
            f"measured={self.measured}, "
            f"ratios={ {p: (None if r is None else float(r)) for p, r in self.ratios.items()} })"
        )


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
    from ._core.limits import check_size

    d = _check_d(d)
    if spectrum is None:  # sizes first: kmax=10**12 must not reach the endpoint expansions
        kmax = check_size(kmax, "kmax", low=0)
        dps = check_size(dps, "dps")
    expr = _check_kernel(K)
    plus = endpoint_expansion(expr, 1, order)
    minus = endpoint_expansion(expr, -1, order)
    if spectrum is not None:
        if not isinstance(spectrum, Spectrum):
            raise HermiteRevError(f"spectrum must be a Spectrum (from hermite_rev.spectrum.spectrum), got {spectrum!r}")
        if spectrum.d != d:
            raise HermiteRevError(f"spectrum was computed for d={spectrum.d}, but decay was asked for d={d}")
        spec = spectrum
    else:
        spec = globals()["spectrum"](expr, d, kmax, dps=dps, method=method, label=label_for(K, expr, None))
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
            measured[par] = _fit_exponent(spec, lo, hi, par)
            kk = hi if hi % 2 == par else hi - 1
            ratios[par] = None
            if found is not None and spec.resolved(kk):
                ratios[par] = spec.eigenvalues[kk] / _asymptotic(plus, minus, kk, d)
    return DecayReport(expr, d, plus, minus, predicted, leading, measured, ratios, (lo, hi), spec)


# --------------------------------------------------------------------------------------------
# figure: deep vs shallow
# --------------------------------------------------------------------------------------------


def plot_compare(
    path: str | os.PathLike[str] = "spectrum_deep_vs_shallow.png",
    depth: int = 4,
    sigma_w: sympy.Expr | float | None = None,
    sigma_b: sympy.Expr | float | None = None,
    d: int = 3,
    kmax: int = 120,
    n: Sequence[int] = (40, 400),
    dps: int = 20,
) -> tuple[str | os.PathLike[str], dict[str, Any]]:
    r"""Spectra of a deep ReLU NTK and of its one-hidden-layer mimics, on the same log-log axes.

    A mimic is the 1HL NTK of the truncated Hermite activation from
    ``hr.reverse(K, "ntk", n)``: its kernel is :math:`\sum_{j<n} a_j c^j`, so its
    eigenvalues are exact finite sums (zero for k >= n), below the deep kernel's by at most
    the rigorous truncation bound.  Also drawn: the Bietti-Bach asymptote (all fractional
    terms of the endpoint expansions, transformed exactly).

    Parameters
    ----------
    n : int or tuple of int
        Hermite terms of each mimic.

    Returns
    -------
    (path, dict)
        The saved PNG and the numbers plotted: ``{"deep": Spectrum, "mimics": {n: Spectrum},
        "decay": DecayReport, "gaps": {n: {k: relative gap}}, "first_k_gap_over_1pct": {n: k}}``.
    """
    from ._figures import pyplot as _plt
    from .family import reverse
    from .kernels import relu_ntk

    plt = _plt()  # Agg only when no display is configured (keeps notebooks' inline backend)

    sigma_w = sympy.sqrt(2) if sigma_w is None else sigma_w
    sigma_b = sympy.Rational(1, 10) if sigma_b is None else sigma_b
    ns = (n,) if isinstance(n, int) else tuple(n)
    ns = tuple(check_positive_int(m, "n") for m in ns)
    K = relu_ntk(depth=depth, sigma_w=sigma_w, sigma_b=sigma_b)
    deep = spectrum(K, d, kmax, dps=dps, method="auto")
    rep = decay(K, d, spectrum=deep)
    fig, ax = plt.subplots(figsize=(6.6, 5.6))
    ks = [k for k in range(0, kmax + 1) if deep.resolved(k)]
    sw2, sb = sympy.nsimplify(sigma_w**2), sympy.nsimplify(sigma_b)
    ax.plot(
        ks,
        [float(deep[k]) for k in ks],
        "o",
        ms=3,
        label=f"deep: {depth}-hidden-layer ReLU NTK (σ_w² = {sw2}, σ_b = {sb})",
    )
    mimics, gaps, first = {}, {}, {}
    for m, marker in zip(ns, "x+*^v"):
        fam = reverse(K, "ntk", m, dps=dps)
        coeffs = fam.activation().kernel("ntk", m)
        mimic = spectrum(list(coeffs), d, kmax, n_taylor=m, dps=dps, method="series")
        mimics[m] = mimic
        km = [k for k in range(0, kmax + 1) if mimic[k] > 0 and mimic.resolved(k)]
        ax.plot(
            km,
            [float(mimic[k]) for k in km],
            marker,
            ms=4,
            label=f"shallow mimic: 1HL NTK, {m} Hermite terms (μ_k = 0 for k ≥ {m})",
        )
        with mpmath.workdps(dps):
            rel = [float(abs(deep[k] - mimic[k]) / deep[k]) for k in range(kmax + 1)]
        gaps[m] = {k: rel[k] for k in (0, 1, 2, 5, 10, 20, 50) if k <= kmax}
        first[m] = next((k for k, g in enumerate(rel) if g > 0.01), None)
    ka = [k for k in ks if k >= 5]  # an asymptote: drawn where it is meant to hold
    asym = [float(abs(rep.asymptotic(k))) for k in ka]
    ax.plot(ka, asym, "-", lw=1, color="gray", label=r"Bietti–Bach asymptote $\propto k^{-d}$")
    ax.set_yscale("log")
    ax.set_xscale("symlog", linthresh=1, linscale=0.5)  # log in k, with k = 0 shown
    ax.set_xlim(left=-0.3)
    ax.set_xlabel("degree k (log scale above 1)")
    ax.set_ylabel(rf"Mercer eigenvalue $\mu_k$ on $S^{{{d - 1}}}$")
    ax.set_title(
        f"Mercer spectrum on the sphere $S^{{{d - 1}}}$ (d = {d}) of the {depth}-hidden-layer ReLU NTK\n"
        f"(σ_w² = {sw2}, σ_b = {sb}) and of the NTKs of its 1HL mimics (σ_w = 1, σ_b = 0;\n"
        f"n = {', '.join(map(str, ns))} Hermite terms), NTK parameterization",
        fontsize=9.5,
    )
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))  # below the axes: covers no point
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path, {"deep": deep, "mimics": mimics, "decay": rep, "gaps": gaps, "first_k_gap_over_1pct": first}


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m hermite_rev.spectrum [PATH]``: draw the deep-vs-shallow figure and print the decay table."""
    import sys

    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else "spectrum_deep_vs_shallow.png"
    out, info = plot_compare(path)
    print(f"saved {out}")
    print(info["deep"].summary())
    for m, gap in info["gaps"].items():
        shown = ", ".join(f"k={k}: {g:.2e}" for k, g in gap.items())
        print(
            f"mimic with {m} Hermite terms: relative gap {shown}; first k with gap > 1%: "
            f"{info['first_k_gap_over_1pct'][m]}"
        )
    print("| kernel | d | parity | predicted exponent | measured exponent | mu_k / asymptotic at kmax |")
    print("|---|---|---|---|---|---|")
    print(info["decay"].table())  # the kernel named by its constructor call (hermite_rev.kernels.label_of)


if __name__ == "__main__":
    main()
