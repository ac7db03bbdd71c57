r"""Deep reverse engineering: the activation that gives a target kernel at depth L.

Index
-----
deep_reverse           kernel, depth -> DeepActivationFamily (members give K at that depth)
DeepActivationFamily   an ActivationFamily with ``.report``, ``.depth``, ``.dual``
DeepReport             how the per-layer dual kernel was found and how well it realises K
NotRealizableError     no activation gives K at this depth (the message says why)
compositional_root     the formal L-th compositional root of a series (exact or ball)
deep_forward           Taylor coefficients of the depth-L kernel of a given dual kernel

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

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

import flint
import mpmath
import numpy as np
import sympy

from ._core.errors import HermiteRevError, NotAKernelError
from ._core.exprs import c
from ._core.limits import LIMITS
from ._core.precision import flint_ctx, sqrt_err
from ._core.registry import kernel_name, label_for
from ._core.validate import check_kind, check_positive_int, public
from .family import Activation, ActivationFamily, _as_kernel
from .series import Tail, TaylorCoeffs, evaluate_at, taylor

if TYPE_CHECKING:
    import contextlib
    from collections.abc import Sequence

    from ._core.typing import ArrayLike, FloatArray, KernelLike, Kind, RealLike, Signs

__all__ = [
    "deep_reverse",
    "DeepActivationFamily",
    "DeepReport",
    "NotRealizableError",
    "compositional_root",
    "deep_forward",
]

_ONE = sympy.Integer(1)
METHODS = ("auto", "series", "fit")


class NotRealizableError(HermiteRevError):
    """No activation realises the kernel at this depth (the message says why)."""


# --------------------------------------------------------------------------------------------
# numbers: exact (fmpq) or balls (arb)
# --------------------------------------------------------------------------------------------


def _fmpq(x: Any) -> flint.fmpq:
    if isinstance(x, flint.fmpq):
        return x
    x = sympy.Rational(x)
    return flint.fmpq(int(x.p), int(x.q))


def _arb(x: Any) -> flint.arb:
    if isinstance(x, flint.arb):
        return x
    if isinstance(x, flint.fmpq):
        return flint.arb(x.p) / x.q
    if isinstance(x, Fraction):
        return flint.arb(x.numerator) / x.denominator
    if isinstance(x, (int, sympy.Integer)):
        return flint.arb(int(x))
    if isinstance(x, sympy.Rational):
        return flint.arb(int(x.p)) / int(x.q)
    if isinstance(x, mpmath.mpf):
        return _arb_exact(x)
    raise TypeError(f"cannot make a ball of {x!r}")


def _series(kind: str, coeffs: Sequence[Any], n: int) -> Any:
    if kind == "exact":
        return flint.fmpq_series([_fmpq(x) for x in coeffs], prec=n)
    return flint.arb_series([_arb(x) for x in coeffs], prec=n)


def _coeff(s: Any, k: int) -> Any:
    cs = s.coeffs()
    if k < len(cs):
        return cs[k]
    return flint.fmpq(0) if isinstance(s, flint.fmpq_series) else flint.arb(0)


def _horner(g: Sequence[Any], x: Any, n: int, kind: str) -> Any:
    """g(x) for a coefficient list g and a series x (any constant term), to n terms."""
    acc = _series(kind, [g[-1]], n)
    for gk in reversed(g[:-1]):
        acc = acc * x + _series(kind, [gk], n)
    return acc


@public
def deep_forward(
    g: Sequence[Any],
    depth: int,
    kind: Kind = "nngp",
    n: int = 40,
    *,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    readout: RealLike = 1,
    exact: bool | None = None,
) -> list[Any]:
    r"""Taylor coefficients (to n terms) of the depth-L kernel of a net with dual kernel ``g``.

    ``g`` lists :math:`\kappa_0, \kappa_1, \dots` (the dual kernel of the activation at the
    stationary variance :math:`q^* = \sigma_w^2 + \sigma_b^2`, see the module docstring);
    ``readout`` is :math:`s = \sigma_{w,\mathrm{last}}^2`.  Returns python-flint ``fmpq``
    (``exact=True``; needs rational input) or ``arb`` balls.

    Examples
    --------
    >>> from hermite_rev.deep import deep_forward
    >>> [str(x) for x in deep_forward([0, "1/2", "1/2"], 2, "nngp", 5, exact=True)]
    ['0', '1/4', '3/8', '1/4', '1/8']
    """
    with flint_ctx(flint.ctx.prec, max(flint.ctx.cap, n + 8)):
        return _deep_forward(g, depth, kind, n, sigma_w, sigma_b, readout, exact)


def _deep_forward(
    g: Sequence[Any],
    depth: int,
    kind: str,
    n: int,
    sigma_w: RealLike,
    sigma_b: RealLike,
    readout: RealLike,
    exact: bool | None,
) -> list[Any]:
    kind = check_kind(kind)
    sw2, sb2, qs = _sigmas(sigma_w, sigma_b)
    num = "exact" if exact else "ball"
    s: Any  # the readout variance, fmpq or arb like g
    if exact:
        g = [_fmpq(x) for x in g]
        sw2, sb2, qs, s = _fmpq(sw2), _fmpq(sb2), _fmpq(qs), _fmpq(readout)
    else:
        g = [_arb(sympy.Rational(x) if isinstance(x, (str, int)) else x) for x in g]
        sw2, sb2, qs, s = (
            _arb(sympy.Rational(v) if isinstance(v, (int, str)) else _ball_of(v)) for v in (sw2, sb2, qs, readout)
        )
    dg = [k * g[k] for k in range(1, len(g))] or [g[0] * 0]
    S = _series(num, [0, 1], n)
    T = _series(num, [0], n)
    for _ in range(depth):
        pre = S * sw2 + sb2
        T = pre + T * sw2
        rho = pre / qs if sb2 != 0 or sw2 != qs else S
        T = T * _horner(dg, rho, n, num) / qs
        S = _horner(g, rho, n, num)
    out = S * s if kind == "nngp" else (S + T) * s
    return [_coeff(out, k) for k in range(n)]


def _forward_at_one(g: Sequence[Any], depth: int, kind: str, sw2: Any, sb2: Any, qs: Any, s: Any) -> Any:
    """The depth-L kernel at c = 1 (numbers of g's type)."""
    one = g[0] * 0 + 1
    dg1 = sum((k * g[k] for k in range(1, len(g))), one * 0)
    S, T = one, one * 0
    for _ in range(depth):
        pre = S * sw2 + sb2
        T = (pre + T * sw2) * dg1 / qs
        S = sum(g, one * 0)
    return S * s if kind == "nngp" else (S + T) * s


def _ball_of(v: Any) -> flint.arb:
    if isinstance(v, (flint.arb, flint.fmpq)):
        return _arb(v)
    v = sympy.sympify(v)
    if v.is_Rational:
        return _arb(v)
    with mpmath.workdps(int(flint.ctx.prec / 3.3) + 5):
        val, err = evaluate_at(v, 0, int(flint.ctx.prec / 3.3) + 5)
        return _ball_mpf(val, err)


def _sigmas(sigma_w: RealLike, sigma_b: RealLike) -> tuple[Any, Any, Any]:
    from ._core.validate import exact_number

    sw = exact_number(sigma_w, "sigma_w")
    sb = exact_number(sigma_b, "sigma_b")
    sw2, sb2 = sympy.nsimplify(sw**2), sympy.nsimplify(sb**2)
    if not sw2.is_positive:
        raise HermiteRevError(
            f"sigma_w must be nonzero (with sigma_w = 0 every layer forgets its input), got sigma_w={sigma_w!r}"
        )
    return sw2, sb2, sw2 + sb2


# --------------------------------------------------------------------------------------------
# the formal compositional root (order by order)
# --------------------------------------------------------------------------------------------


def _is_zero(x: Any) -> bool:
    return x == 0 if isinstance(x, flint.fmpq) else (x.is_exact() and x == 0)


def _exact_root(x: flint.fmpq, e: int) -> flint.fmpq | None:
    """x^(1/e) as fmpq when it is rational, else None."""
    x = sympy.Rational(int(x.p), int(x.q))
    if x < 0:
        return None
    p, okp = sympy.integer_nthroot(int(x.p), e)
    q, okq = sympy.integer_nthroot(int(x.q), e)
    return flint.fmpq(int(p), int(q)) if okp and okq else None


def _nth_root_ball(x: Any, e: int) -> flint.arb:
    if not (x > 0):
        raise _Undecided(f"cannot decide that {x} > 0")
    return (x.log() / e).exp()


class _Undecided(Exception):
    pass


def _integer_root(m: int, L: int) -> int | None:
    """p with p**L == m, or None."""
    p = round(m ** (1.0 / L))
    for cand in (p - 1, p, p + 1):
        if cand >= 1 and cand**L == m:
            return cand
    return None


@public
def compositional_root(
    a: Sequence[Any], depth: int, kind: Kind = "nngp", n: int = 40, *, readout: Any = 1, exact: bool = False
) -> tuple[list[Any], int]:
    r"""The formal depth-L root: :math:`\kappa` with :math:`\kappa(0)=0` and
    :math:`s\,\kappa^{\circ L} = K` (NNGP) or :math:`s\,N_L[\kappa] = K` (NTK), first ``n`` terms.

    ``a`` are the Taylor coefficients of K (``fmpq`` or ``arb``; enough of them: the lowest
    exponent :math:`m = p^L` of K needs :math:`p^L + n - p` of them); ``a[0]`` must be 0.
    Uniqueness and the order-by-order construction are ``proofs/08_compositional_root.md``:
    the coefficient of :math:`c^{p^L + j}` of the depth-L kernel is affine in
    :math:`\kappa_{p+j}` with a positive slope, and does not involve :math:`\kappa_{p+i}`, i > j.

    Returns
    -------
    (kappa, p) : list of n numbers (``fmpq`` exact, ``arb`` balls), lowest exponent p.

    Raises
    ------
    NotRealizableError
        The lowest exponent of K is not an L-th power, or its leading coefficient has no real
        positive root of the needed order (exact case: reported as not rational, use balls).
    """
    with flint_ctx(flint.ctx.prec, max(flint.ctx.cap, len(a) + n + 8)):
        return _compositional_root(a, depth, kind, n, readout, exact)


def _compositional_root(
    a: Sequence[Any], depth: int, kind: str, n: int, readout: Any, exact: bool
) -> tuple[list[Any], int]:
    kind = check_kind(kind)
    zero = flint.fmpq(0) if exact else flint.arb(0)
    s = _fmpq(readout) if exact else _ball_of(readout)
    target = [x / s for x in a]
    nz = [k for k, x in enumerate(target) if not _is_zero(x)]
    if not nz:
        raise NotRealizableError(
            "the kernel is identically 0 in the coefficients computed; it has no non-trivial compositional root"
        )
    m = nz[0]
    p = _integer_root(m, depth)
    if p is None:
        raise NotRealizableError(
            f"the lowest exponent of K is m = {m}, which is not an L-th power for L = {depth}: a dual kernel "
            f"with lowest exponent p gives p^L at depth {depth}, so no activation realises K at this depth"
        )
    N = p**depth + (n - 1 - p) + 1 if n > p else p**depth + 1
    if len(target) < N:
        raise HermiteRevError(f"compositional_root needs {N} Taylor coefficients of K, got {len(target)}")

    def forward(kappa: Sequence[Any], upto: int) -> list[Any]:
        return _forward_compose(kappa, depth, kind, upto + 1, exact)

    # leading coefficient: forward of c^p has C c^(p^L); kappa_p^e C = target[m]
    e = (p**depth - 1) // (p - 1) if p > 1 else depth
    unit = [zero] * (p + 1)
    unit[p] = zero + 1
    C = _coeff_list(forward(unit, m), m)
    ratio = target[m] / C
    if exact:
        lead = _exact_root(ratio, e) if e > 1 else ratio
        if lead is None:
            raise _NotRational()
    else:
        lead = _nth_root_ball(ratio, e)
    kappa = [zero] * n
    if p < n:
        kappa[p] = lead
    for j in range(1, n - p):
        idx = p**depth + j
        kappa[p + j] = zero
        v0 = _coeff_list(forward(kappa[: p + j + 1], idx), idx)
        kappa[p + j] = zero + 1
        v1 = _coeff_list(forward(kappa[: p + j + 1], idx), idx)
        kappa[p + j] = (target[idx] - v0) / (v1 - v0)
    return kappa, p


class _NotRational(Exception):
    pass


def _coeff_list(xs: Sequence[Any], k: int) -> Any:
    return xs[k] if k < len(xs) else xs[0] * 0


def _forward_ball(kappa: Sequence[Any], depth: int, kind: str, n: int) -> list[Any]:
    return _forward_compose(kappa, depth, kind, n, False)


def _forward_compose(kappa: Sequence[Any], depth: int, kind: str, n: int, exact: bool) -> list[Any]:
    """deep_forward for sigma_b = 0 (A = identity), readout 1, kappa(0) = 0, by composition."""
    Ser: Any = flint.fmpq_series if exact else flint.arb_series
    f = Ser(list(kappa), prec=n + 1)
    df = f.derivative()
    S = Ser([0, 1], prec=n)
    T = Ser([0], prec=n)
    for _ in range(depth):
        T = (S + T) * df(S)
        S = f(S)
    out = S if kind == "nngp" else S + T
    cs = out.coeffs()
    return list(cs) + [flint.fmpq(0) if exact else flint.arb(0)] * (n - len(cs))


# --------------------------------------------------------------------------------------------
# report and family
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeepReport:
    r"""How a deep dual kernel was found and how well the members realise K.

    Attributes
    ----------
    method : str
        ``"exact root"`` (formal root in rationals), ``"ball root"`` (formal root in
        python-flint balls) or ``"fit"`` (non-negative least squares, then exact rationals).
    depth, kind, n, dps : the request.
    sigma_w, sigma_b : sympy numbers of the hidden layers.
    readout_variance : sympy number or mpmath.mpf
        :math:`s = \sigma_{w,\mathrm{last}}^2` (readout bias 0) of the net whose kernel is K.
    dual : tuple of mpmath.mpf
        The per-layer dual kernel :math:`g_0..g_{n-1}` of the members (sum exactly 1).
    dual_exact : tuple of sympy.Rational or None
        The same, exact (routes "exact root" and "fit").
    root : tuple of mpmath.mpf or None
        The formal root's first n coefficients (root routes).
    root_tail : mpmath.mpf or None
        :math:`1 - \sum_{k<n}\kappa_k`, the mass truncation drops, added to :math:`g_{n-1}`.
    lowest_exponent : int or None
        p, the lowest exponent of the root (K's lowest exponent is :math:`p^L`).
    sup_error : mpmath.mpf
        Proven bound on :math:`\sup_{c\in[-1,1]} |F(c) - K(c)|`, F the members' depth-L kernel.
    grid_error : mpmath.mpf
        :math:`\max |F - K|` on a grid of 101 points (an estimate, a lower bound on the sup).
    reached : bool
        Whether ``sup_error <= 10**-dps * K(1)``.
    k1 : mpmath.mpf
        K(1).
    notes : str
    """

    method: str
    depth: int
    kind: str
    n: int
    dps: int
    sigma_w: sympy.Expr
    sigma_b: sympy.Expr
    readout_variance: object
    dual: tuple
    dual_exact: tuple | None
    root: tuple | None
    root_tail: mpmath.mpf | None
    lowest_exponent: int | None
    sup_error: mpmath.mpf
    grid_error: mpmath.mpf
    reached: bool
    k1: mpmath.mpf
    notes: str = ""

    @property
    def sigma_w_last(self) -> Any:
        """Readout weight scale sqrt(s) to pass to ``kernel_of`` / ``FCN``."""
        s = self.readout_variance
        return sympy.sqrt(s) if isinstance(s, sympy.Basic) else mpmath.sqrt(s)

    def __str__(self) -> str:
        s = self.readout_variance
        s = str(s) if isinstance(s, sympy.Basic) else mpmath.nstr(s, 12)
        lines = [
            f"deep {self.kind.upper()} reverse engineering, depth {self.depth}, sigma_w = {self.sigma_w}, "
            f"sigma_b = {self.sigma_b}, readout variance s = {s}",
            f"  method: {self.method}"
            + (f" (root lowest exponent p = {self.lowest_exponent})" if self.lowest_exponent else ""),
            "  dual kernel g(rho) = "
            + " + ".join([f"{mpmath.nstr(g, 6)} rho^{k}" for k, g in enumerate(self.dual) if g != 0][:5])
            + (" + ..." if sum(1 for g in self.dual if g != 0) > 5 else ""),
            f"  sup_[-1,1] |kernel of members - K| <= {mpmath.nstr(self.sup_error, 4)} (proven); "
            f"on a grid {mpmath.nstr(self.grid_error, 4)}; K(1) = {mpmath.nstr(self.k1, 10)}",
            f"  requested precision 1e-{self.dps} * K(1) " + ("reached" if self.reached else "NOT reached"),
        ]
        if self.root_tail is not None:
            lines.append(
                f"  mass dropped by truncation 1 - sum_(k<n) kappa_k = {mpmath.nstr(self.root_tail, 4)}"
                f" (added to g_{self.n - 1})"
            )
        if self.notes:
            lines.append(f"  {self.notes}")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class DeepActivationFamily(ActivationFamily):
    """An :class:`~hermite_rev.ActivationFamily` whose members give K at ``depth`` hidden layers.

    ``magnitudes`` are :math:`\\sqrt{g_k}`, the Hermite coefficients of the activation at the
    stationary variance :math:`q^* = \\sigma_w^2 + \\sigma_b^2`; a member is
    :math:`\\phi(z) = \\psi(z/\\sqrt{q^*})` with :math:`\\psi = \\sum_k \\pm\\sqrt{g_k} h_k`, and its
    ``coeffs`` are the Hermite coefficients of :math:`\\phi` itself (equal to the signed
    magnitudes when :math:`q^* = 1`).  ``tail()`` is the proven sup error of the members'
    depth-L kernel against K (``report.sup_error``).
    """

    depth: int = 1
    report: DeepReport | None = None
    qstar: sympy.Expr = _ONE

    @property
    def dual(self) -> tuple[mpmath.mpf, ...]:
        """The per-layer dual kernel g_0..g_{n-1} (mpmath)."""
        assert self.report is not None  # deep_reverse always sets it
        return self.report.dual

    def activation(self, signs: Signs | None = None) -> Activation:
        psi = super().activation(signs)
        if self.qstar == 1:
            return psi
        return _rescale(psi, self.qstar)

    def check(self, act: Activation | None = None, n: int | None = None) -> TaylorCoeffs:
        """Forward map of one member through ``kernel_of`` at this depth (TaylorCoeffs)."""
        from .hermite import kernel_of

        act = self.activation() if act is None else act
        assert self.report is not None  # deep_reverse always sets it
        return kernel_of(
            act.expr,
            self.kind,
            depth=self.depth,
            sigma_w=self.report.sigma_w,
            sigma_b=self.report.sigma_b,
            n=n or self.n,
            dps=self.dps,
            sigma_w_last=self.report.sigma_w_last,
        )

    def __repr__(self) -> str:
        assert self.report is not None  # deep_reverse always sets it
        return (
            f"DeepActivationFamily(kind={self.kind!r}, depth={self.depth}, n={self.n}, "
            f"method={self.report.method!r}, count=2**{len(self.nonzero)}, "
            f"sup error <= {mpmath.nstr(self.report.sup_error, 3)}, kernel={kernel_name(self.kernel, self.label)})"
        )


def _rescale(psi: Activation, qstar: Any) -> Activation:
    r"""Hermite coefficients of phi(z) = psi(z / sqrt(q*)).

    .. math:: h_k(a x) = \sum_{i \le k/2} \frac{\sqrt{k!/(k-2i)!}}{i!} a^{k-2i}
              \Big(\frac{a^2 - 1}{2}\Big)^i h_{k-2i}(x)
    """
    n = psi.n
    a2 = 1 / sympy.sympify(qstar)

    def transform(b: Sequence[Any], exact: bool) -> list[Any]:
        out = [0] * n
        for k in range(n):
            if b[k] == 0:
                continue
            for i in range(k // 2 + 1):
                if exact:
                    w = (
                        sympy.sqrt(sympy.factorial(k) / sympy.factorial(k - 2 * i))
                        / sympy.factorial(i)
                        * sympy.sqrt(a2) ** (k - 2 * i)
                        * ((a2 - 1) / 2) ** i
                    )
                else:
                    a2f = mpmath.mpf(sympy.N(a2, psi.dps + 10))
                    w = (
                        mpmath.sqrt(mpmath.factorial(k) / mpmath.factorial(k - 2 * i))
                        / mpmath.factorial(i)
                        * mpmath.sqrt(a2f) ** (k - 2 * i)
                        * ((a2f - 1) / 2) ** i
                    )
                out[k - 2 * i] += w * b[k]
        return out

    with mpmath.workdps(psi.dps + 10):
        coeffs = transform(list(psi.coeffs), False)
        errs = transform([abs(e) for e in psi.errors], False)
        errs = [abs(e) for e in errs]
    exact = None
    if psi.exact is not None:
        exact = tuple(
            sympy.nsimplify(sympy.expand(x)) if x != 0 else sympy.Integer(0) for x in transform(list(psi.exact), True)
        )
    return Activation(tuple(coeffs), tuple(errs), psi.dps, exact, psi.kind, psi.source, psi.truncation)


# --------------------------------------------------------------------------------------------
# the public function
# --------------------------------------------------------------------------------------------


@public
def deep_reverse(
    K: KernelLike | Sequence[RealLike],
    depth: int,
    kind: Kind = "nngp",
    n: int = 40,
    dps: int = 30,
    *,
    sigma_w: RealLike = 1,
    sigma_b: RealLike = 0,
    sigma_w_last: RealLike | None = None,
    method: Literal["auto", "series", "fit"] = "auto",
    label: str | None = None,
) -> DeepActivationFamily:
    r"""The activations whose depth-L network has kernel K (NNGP or NTK), or why none has.

    Parameters
    ----------
    K : sympy.Expr, str or sequence of numbers
        Target kernel in c (a sequence is taken as Taylor coefficients).
    depth : int
        Hidden layers L (1 .. 16), the same activation in every layer.
    kind : {"nngp", "ntk"}
    n : int
        Hermite coefficients per member (1 .. 200).
    dps : int
        Digits of the computation; ``report.reached`` says whether the members' kernel is
        within ``10**-dps * K(1)`` of K.
    sigma_w, sigma_b : numbers
        Hidden Dense layers (NTK parameterization, neural-tangents conventions).
    sigma_w_last : number or None
        Readout weight scale (readout bias 0).  None: NNGP takes ``sqrt(K(1))``; NTK chooses
        it to minimise the proven error bound.
    method : {"auto", "series", "fit"}
        ``"series"``: the formal root (needs sigma_b = 0 and K(0) = 0); ``"fit"``: non-negative
        least squares (the closest realisable kernel, with its error); ``"auto"``: series when
        it applies, else fit.
    label : str, optional
        What figures and reprs call K; default: ``K`` itself when it is a string, else the
        constructor call that built it (:func:`hermite_rev.kernels.label_of`).

    Returns
    -------
    DeepActivationFamily
        ``.report`` (:class:`DeepReport`) says how and how well; ``tail()`` is the proven
        sup error against K.

    Raises
    ------
    NotRealizableError
        The formal root has a negative coefficient (the message names the first), its first
        coefficients sum to more than :math:`\kappa(1) = 1`, or K's lowest exponent is not an
        L-th power (``K = c^3`` at depth 2).
    NotAKernelError
        K has a negative Taylor coefficient.

    Examples
    --------
    >>> import sympy, hermite_rev as hr
    >>> fam = hr.deep_reverse((hr.c + hr.c**2) / 2, depth=1, n=3)
    >>> fam.report.method, fam.report.dual_exact
    ('exact root', (0, 1/2, 1/2))
    >>> fam = hr.deep_reverse(hr.c**4, depth=2, n=4)          # kappa = c^2: phi = h_2
    >>> fam.report.dual_exact
    (0, 0, 1, 0)
    """
    kind = check_kind(kind)
    depth = check_positive_int(depth, "depth")
    n = check_positive_int(n, "n")
    dps = check_positive_int(dps, "dps")
    if depth > LIMITS["deep_depth"]:
        raise HermiteRevError(f"depth must be at most {LIMITS['deep_depth']}, got depth={depth}")
    if n > LIMITS["deep_n"]:
        raise HermiteRevError(f"n must be at most {LIMITS['deep_n']}, got n={n}")
    if dps > LIMITS["deep_dps"]:
        raise HermiteRevError(f"dps must be at most {LIMITS['deep_dps']}, got dps={dps}")
    if method not in METHODS:
        raise HermiteRevError(f"method must be one of {', '.join(METHODS)}, got method={method!r}")
    sw2, sb2, qs = _sigmas(sigma_w, sigma_b)
    expr = _as_kernel(K)
    k1, k1_err = evaluate_at(expr, 1, dps + 10)
    if not k1 > k1_err:
        raise NotRealizableError(f"K(1) = {mpmath.nstr(k1, 10)} is not positive: no network kernel has it")
    s_user = None
    if sigma_w_last is not None:
        from ._core.validate import exact_number

        s_user = sympy.nsimplify(exact_number(sigma_w_last, "sigma_w_last") ** 2)
        if not s_user.is_positive:
            raise HermiteRevError(f"sigma_w_last must be nonzero, got sigma_w_last={sigma_w_last!r}")
    k0 = _k_at_zero(expr, dps) if sb2 == 0 else None
    series_ok = sb2 == 0 and k0 == 0
    if method == "series" and not series_ok:
        why = (
            f"sigma_b = {sympy.sqrt(sb2)} != 0 moves the fixed point of the layer map away from 0"
            if sb2 != 0
            else f"K(0) = {k0} != 0, so 0 is not a fixed point"
        )
        raise HermiteRevError(f"method='series' needs sigma_b = 0 and K(0) = 0: {why}; use method='fit'")
    use_series = series_ok and method != "fit"
    ctx = dict(
        expr=expr,
        depth=depth,
        kind=kind,
        n=n,
        dps=dps,
        sw2=sw2,
        sb2=sb2,
        qs=qs,
        k1=k1,
        k1_err=k1_err,
        s_user=s_user,
        sigma_w=sympy.sqrt(sw2),
        sigma_b=sympy.sqrt(sb2),
    )
    ctx["s_nngp"] = s_user if s_user is not None else _rational_k1(expr, k1, dps)
    ctx["label"] = label_for(K, expr, label)
    res = _via_root(ctx) if use_series else _via_fit(ctx)
    return _family(ctx, res)


def _k_at_zero(expr: sympy.Expr, dps: int) -> Any:
    """K(0), exactly 0 or a number that provably is not 0."""
    a0 = taylor(expr, 1, dps)
    val, err = a0[0], a0.errors[0]
    if abs(val) > err:
        return val
    v = expr.subs(c, 0)
    v = sympy.simplify(v)
    if v == 0:
        return v
    raise HermiteRevError(
        f"cannot decide whether K(0) = {v} is 0 (it is {mpmath.nstr(val, 5)} +- "
        f"{mpmath.nstr(err, 3)}); use method='fit'"
    )


def _rational_k1(expr: sympy.Expr, k1: Any, dps: int) -> sympy.Expr:
    """K(1) as the readout variance: exact when rational, else a rational with dps + 10 digits."""
    v = sympy.nsimplify(expr.subs(c, 1)) if expr.is_polynomial(c) else None
    if v is not None and v.is_Rational:
        return v
    with mpmath.workdps(dps + 12):
        return sympy.Rational(mpmath.nstr(k1, dps + 10, strip_zeros=False))


def _kernel_coeffs(expr: sympy.Expr, N: int, dps: int, exact: bool) -> list[Any]:
    """Taylor coefficients of K: fmpq (exact) or arb balls, and the tail bound; checks a_k >= 0."""
    if exact:
        vals = taylor(expr, N, exact=True)
        a = [_fmpq(v) for v in vals]
        for k, v in enumerate(vals):
            if v < 0:
                raise NotAKernelError(
                    f"Taylor coefficient a_{k} = {v} is negative: {expr} is not a "
                    f"positive-definite dot-product kernel, so no network has it"
                )
        return a
    tc = taylor(expr, N, dps)
    with mpmath.workdps(dps + 5):
        balls = [_ball_mpf(v, e) for v, e in zip(tc, tc.errors)]
    for k, (v, e) in enumerate(zip(tc, tc.errors)):
        if v < -e:
            raise NotAKernelError(
                f"Taylor coefficient a_{k} = {mpmath.nstr(v, 8)} is negative: {expr} is not a "
                f"positive-definite dot-product kernel, so no network has it"
            )
    return balls


def _exact_polynomial(expr: sympy.Expr) -> sympy.Poly | None:
    """Rational coefficients of a polynomial kernel, or None."""
    try:
        poly = sympy.Poly(expr, c)
    except sympy.PolynomialError:
        return None
    if not all(co.is_Rational for co in poly.all_coeffs()):
        return None
    return poly


def _via_root(ctx: dict[str, Any]) -> dict[str, Any]:
    expr, L, kind, n, dps = ctx["expr"], ctx["depth"], ctx["kind"], ctx["n"], ctx["dps"]
    poly = _exact_polynomial(expr)
    m = _lowest_exponent(expr, poly, dps)
    p = _integer_root(m, L)
    if p is None:
        raise NotRealizableError(
            f"the lowest exponent of K = {expr} is m = {m}, which is not an L-th power for L = {L}: a dual kernel "
            f"with lowest exponent p gives exponent p^L at depth {L}, so no activation realises K at this depth"
        )
    N = p**L + max(n - 1 - p, 0) + 1
    if N > LIMITS["deep_terms"]:
        raise HermiteRevError(
            f"the root needs {N} Taylor coefficients of K (lowest exponent {m} = {p}^{L}), "
            f"more than {LIMITS['deep_terms']}; lower n or depth"
        )
    if kind == "nngp":
        if ctx["s_user"] is not None:
            k1s = ctx["s_user"]
            if abs(ctx["k1"] - mpmath.mpf(sympy.N(k1s, dps + 10))) > ctx["k1_err"] + mpmath.mpf(10) ** (-dps - 5):
                raise NotRealizableError(
                    f"with sigma_w_last^2 = {k1s} a stationary net has NNGP(1) = {k1s}, but K(1) = "
                    f"{mpmath.nstr(ctx['k1'], 12)}; leave sigma_w_last=None to take sqrt(K(1))"
                )
        s = ctx["s_nngp"]
    else:
        s = ctx["s_user"]
    if poly is not None and s is not None and s.is_Rational:
        a = _kernel_coeffs(expr, N, dps, True)
        try:
            kappa, p = compositional_root(a, L, kind, n, readout=s, exact=True)
            return _root_to_dual(ctx, "exact root", kappa, s, p)
        except _NotRational:
            pass
    kappa, s, p, bits = _ball_root(ctx, N, s)
    with flint_ctx(bits, LIMITS["deep_terms"] + 8):
        return _root_to_dual(ctx, "ball root", kappa, s, p)


def _lowest_exponent(expr: sympy.Expr, poly: sympy.Poly | None, dps: int) -> int:
    """Lowest k with a_k != 0, decided exactly (K(0) = 0 is known)."""
    if poly is not None:
        terms = [k for (k,), co in poly.terms() if co != 0]
        if not terms:
            raise NotRealizableError(f"K = {expr} is identically 0")
        return min(terms)
    try:
        vals = taylor(expr, 12, exact=True)
        nz = [k for k, v in enumerate(vals) if v != 0]
        if nz:
            return nz[0]
    except Exception:  # no exact series: decide with balls below
        pass
    tc = taylor(expr, 2, dps)
    if abs(tc[1]) > tc.errors[1]:
        return 1
    raise HermiteRevError(
        f"cannot decide exactly which low-order Taylor coefficients of {expr} vanish "
        f"(a_1 = {mpmath.nstr(tc[1], 5)} +- {mpmath.nstr(tc.errors[1], 3)}); use method='fit'"
    )


def _ball_root(ctx: dict[str, Any], N: int, s: Any) -> tuple[list[Any], Any, int, int]:
    """Formal root in balls; raises precision until the coefficients carry dps digits."""
    expr, L, kind, n, dps = ctx["expr"], ctx["depth"], ctx["kind"], ctx["n"], ctx["dps"]
    work = dps + 10
    for _attempt in range(6):
        bits = int(work * 3.33) + 64
        try:
            with flint_ctx(bits, LIMITS["deep_terms"] + 8):
                a = _kernel_coeffs(expr, N, work, False)
                if s is None:
                    s, kappa, p = _best_readout(ctx, a)
                else:
                    kappa, p = compositional_root(a, L, kind, n, readout=s, exact=False)
        except _Undecided as exc:
            work *= 2
            if work > 8 * LIMITS["deep_dps"]:
                raise HermiteRevError(f"could not decide the root's leading coefficient: {exc}") from None
            continue
        ok = all(
            x.is_finite()
            and (x.rad() <= abs(x.mid()) * flint.arb(10) ** (-dps) or x.rad() < flint.arb(10) ** (-dps - 5))
            for x in kappa
        )
        if ok:
            return kappa, s, p, bits
        work *= 2
    raise HermiteRevError(
        "the formal root lost all precision (ill-conditioned: K's linear coefficient is tiny?); "
        "lower n or use method='fit'"
    )


def _best_readout(ctx: dict[str, Any], a: Sequence[Any]) -> tuple[Any, list[Any], int]:
    """NTK: the readout variance s minimising the proven error bound (golden section on log s)."""
    L, n = ctx["depth"], ctx["n"]
    k1 = float(ctx["k1"])
    hi = k1 / (L + 1)  # kappa'(1) >= kappa(1) = 1, so NTK(1) = s (1 + mu + .. + mu^L) >= s (L+1)

    def score(logs: float) -> tuple[float, Any]:
        s = mpmath.mpf(math.exp(logs))
        try:
            kappa, p = compositional_root(a, L, "ntk", n, readout=_arb(s), exact=False)
        except (NotRealizableError, _Undecided):
            return math.inf, None
        if any(x < 0 for x in kappa):
            return math.inf, None
        total = sum(kappa[:-1], flint.arb(0))
        if not total + kappa[-1] <= 1:
            return math.inf, None
        g = list(kappa[:-1]) + [1 - total]
        F1 = _forward_at_one(g, L, "ntk", flint.arb(1), flint.arb(0), flint.arb(1), _arb(s))
        Fs = _forward_ball(g, L, "ntk", len(a))
        partial = sum((x * _arb(s) for x in Fs[: len(a)]), flint.arb(0))
        diff = sum((abs(x * _arb(s) - y) for x, y in zip(Fs, a)), flint.arb(0))
        b = diff + F1 - partial
        return float(b.mid()) if b.is_finite() else math.inf, (kappa, p)

    grid = np.linspace(math.log(hi) - 8, math.log(hi), 33)
    vals = [score(x)[0] for x in grid]
    best = int(np.argmin(vals))
    if not np.isfinite(vals[best]):
        raise NotRealizableError(
            f"scan of the readout variance: for none of {len(grid)} values of s on a log grid in "
            f"[{hi * math.exp(-8):.3g}, {hi:.3g}] (s <= K(1)/(L+1) is necessary) is the formal depth-{L} NTK root "
            f"of K = {ctx['expr']} non-negative with its first {n} coefficients summing to <= 1 = kappa(1); "
            f"each such s is excluded, the scan is not a proof for every s (give sigma_w_last to test one)"
        )
    lo_x, hi_x = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    phi = (math.sqrt(5) - 1) / 2
    x1, x2 = hi_x - phi * (hi_x - lo_x), lo_x + phi * (hi_x - lo_x)
    f1, f2 = score(x1)[0], score(x2)[0]
    for _ in range(30):
        if f1 <= f2:
            hi_x, x2, f2 = x2, x1, f1
            x1 = hi_x - phi * (hi_x - lo_x)
            f1 = score(x1)[0]
        else:
            lo_x, x1, f1 = x1, x2, f2
            x2 = lo_x + phi * (hi_x - lo_x)
            f2 = score(x2)[0]
    cands = [(vals[best], grid[best]), (f1, x1), (f2, x2)]
    _, xbest = min(cands)
    for nudge in range(8):  # a rational s at or just above the optimum (larger s: smaller root)
        s = sympy.Rational(Fraction(math.exp(xbest) * (1 + 1e-9 * (4**nudge - 1))).limit_denominator(10**15))
        kappa, p = compositional_root(a, L, "ntk", n, readout=s, exact=False)
        if all(not x < 0 for x in kappa) and not sum(kappa, flint.arb(0)) > 1:
            break
    return s, kappa, p


def _root_to_dual(ctx: dict[str, Any], method: str, kappa: Sequence[Any], s: Any, p: int) -> dict[str, Any]:
    """Certify the root (non-negative, sum <= 1) and make the member dual g (sum exactly 1)."""
    L, kind, n, dps = ctx["depth"], ctx["kind"], ctx["n"], ctx["dps"]
    exact = method == "exact root"
    for k, x in enumerate(kappa):
        if x < 0:
            val = str(x) if exact else mpmath.nstr(_to_mpf(x, dps), 8)
            raise NotRealizableError(
                f"the formal depth-{L} {kind.upper()} root of K = {ctx['expr']} has a negative coefficient: "
                f"kappa_{k} = {val} (the first; kappa_0..kappa_{k - 1} >= 0).  The root is unique, and a dual kernel "
                f"sum_k b_k^2 rho^k has no negative coefficients, so no activation realises K at depth {L}"
            )
    total = sum(kappa[:-1], kappa[0] * 0)
    full = total + kappa[-1]
    if full > 1:
        why = (
            "the root has a negative coefficient beyond k = {k} or diverges at 1, so no activation realises K "
            "at depth {L}"
            if kind == "nngp"
            else "so no stationary net with readout variance s = {s} realises K at depth {L}"
        )
        raise NotRealizableError(
            f"the first {n} coefficients of the formal depth-{L} {kind.upper()} root of K = {ctx['expr']} are "
            f"non-negative but sum to {full if exact else mpmath.nstr(_to_mpf(full, dps), 12)} > 1 = kappa(1): "
            + why.format(k=n - 1, L=L, s=s)
        )
    g = list(kappa[:-1]) + [1 - total] if n > 1 else [kappa[0] * 0 + 1]
    return dict(method=method, g=g, s=s, p=p, root=kappa, root_tail=1 - full)


def _to_mpf(x: Any, dps: int) -> mpmath.mpf:
    from ._core.precision import to_mpf

    if isinstance(x, flint.fmpq):
        return mpmath.mpf(int(x.p)) / int(x.q)
    with mpmath.workdps(dps + 10):
        return to_mpf(x)


# --------------------------------------------------------------------------------------------
# numerical route
# --------------------------------------------------------------------------------------------


def _np_forward(
    g: ArrayLike, cs: FloatArray, L: int, kind: str, sw2: float, sb2: float, qs: float, s: float, jac: bool = False
) -> Any:
    """The depth-L kernel of dual g at the points cs (float64), and optionally d/dg (forward mode)."""
    P = np.polynomial.polynomial
    g = np.asarray(g, dtype=float)
    n = len(g)
    dg = np.arange(1, n) * g[1:]
    ddg = np.arange(1, n - 1) * dg[1:] if n > 2 else np.zeros(1)
    S, T = cs.copy(), np.zeros_like(cs)
    dS, dT = np.zeros((len(cs), n)), np.zeros((len(cs), n))
    ks = np.arange(n)
    for _ in range(L):
        pre = sw2 * S + sb2
        rho = pre / qs
        g1 = P.polyval(rho, dg) if len(dg) else 0 * rho
        if jac:
            powers = rho[:, None] ** ks[None, :]
            dpowers = np.zeros_like(powers)
            dpowers[:, 1:] = ks[None, 1:] * rho[:, None] ** (ks[None, 1:] - 1)
            g2 = P.polyval(rho, ddg) if len(ddg) else 0 * rho
            drho = sw2 / qs * dS
            dT = ((sw2 * dS + sw2 * dT) * g1[:, None] + (pre + sw2 * T)[:, None] * (dpowers + g2[:, None] * drho)) / qs
            dS = powers + g1[:, None] * drho
        T = (pre + sw2 * T) * g1 / qs
        S = P.polyval(rho, g)
    F = s * S if kind == "nngp" else s * (S + T)
    if not jac:
        return F
    J = s * dS if kind == "nngp" else s * (dS + dT)
    return F, J


def _one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Small dense least squares: BLAS threads only contend (100x slower on a loaded machine)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn installs
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _via_fit(ctx: dict[str, Any]) -> dict[str, Any]:
    from scipy.optimize import least_squares

    expr, L, kind, n = ctx["expr"], ctx["depth"], ctx["kind"], ctx["n"]
    sw2, sb2, qs = (float(v) for v in (ctx["sw2"], ctx["sb2"], ctx["qs"]))
    k1 = float(ctx["k1"])
    M = max(8 * n, 400)
    cs = np.cos(np.pi * (np.arange(M) + 0.5) / M)
    with np.errstate(all="ignore"):
        Kv = np.asarray(sympy.lambdify(c, expr, "numpy")(cs), dtype=complex).real * np.ones_like(cs)
    if not np.all(np.isfinite(Kv)):
        fK = sympy.lambdify(c, expr, "mpmath")
        with mpmath.workdps(30):
            Kv = np.array([float(mpmath.re(fK(mpmath.mpf(x)))) for x in cs])
    a = np.array([max(float(v), 0.0) for v in taylor(expr, n, 20)])
    fixed_s = None
    if kind == "nngp":
        fixed_s = float(ctx["s_nngp"])
    elif ctx["s_user"] is not None:
        fixed_s = float(ctx["s_user"])
    w = 1e3 * math.sqrt(M) * max(abs(Kv).max(), 1.0)

    def unpack(x: FloatArray) -> tuple[FloatArray, float]:
        return (x[:n], fixed_s if fixed_s is not None else math.exp(x[n]))

    def resid(x: FloatArray) -> FloatArray:
        g, s = unpack(x)
        r = _np_forward(g, cs, L, kind, sw2, sb2, qs, s) - Kv
        return np.append(r, w * (g.sum() - 1))

    def jac(x: FloatArray) -> FloatArray:
        g, s = unpack(x)
        F, J = _np_forward(g, cs, L, kind, sw2, sb2, qs, s, jac=True)
        if fixed_s is None:
            J = np.hstack([J, F[:, None]])
        row = np.zeros(len(x))
        row[:n] = w
        return np.vstack([J, row])

    starts = []
    base = a / a.sum() if a.sum() > 0 else np.full(n, 1.0 / n)
    starts.append(base)
    lin = np.zeros(n)
    if n > 1:
        lin[1] = 1.0
    starts.append(0.5 * base + 0.5 * lin)
    starts.append(np.full(n, 1.0 / n))
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
            res = least_squares(resid, x0, **solve)
            # refine: restart from the solution with the Jacobian scaling
            res = least_squares(resid, res.x, x_scale="jac", **solve)
            if best is None or res.cost < best.cost:
                best = res
    assert best is not None  # at least one start ran
    g, s = unpack(best.x)
    top = float(np.max(g))
    gq = [Fraction(float(x)) if x > 1e-14 * top else Fraction(0) for x in g]  # drop round-off dust
    tot = sum(gq)
    if tot == 0:
        raise NotRealizableError(f"the non-negative fit of a depth-{L} dual kernel to K = {expr} collapsed to 0")
    gq = [x / tot for x in gq]
    s_exact = (
        ctx["s_nngp"]
        if kind == "nngp"
        else ctx["s_user"]
        if ctx["s_user"] is not None
        else sympy.Rational(Fraction(s).limit_denominator(10**15))
    )
    return dict(
        method="fit",
        g=[flint.fmpq(x.numerator, x.denominator) for x in gq],
        s=s_exact,
        p=None,
        root=None,
        root_tail=None,
    )


# --------------------------------------------------------------------------------------------
# certification and assembly
# --------------------------------------------------------------------------------------------


def _certify(ctx: dict[str, Any], g: Sequence[Any], s: Any) -> tuple[flint.arb, float]:
    """Proven sup_[-1,1] |F - K| (F = depth-L kernel of g, readout s) and a grid estimate."""
    expr, L, kind, n, dps = ctx["expr"], ctx["depth"], ctx["kind"], ctx["n"], ctx["dps"]
    N = max(2 * n, 100)
    poly = _exact_polynomial(expr)
    if poly is not None:  # a polynomial target: compare every coefficient, so both tails vanish
        N = max(N, min(poly.degree() + 1, LIMITS["deep_terms"]))
    work = dps + 10
    with flint_ctx(int(work * 3.33) + 64, LIMITS["deep_terms"] + 8):
        sw2, sb2, qs = (_arb(v) if v.is_Rational else _ball_of(v) for v in (ctx["sw2"], ctx["sb2"], ctx["qs"]))
        gb = [_arb(x) for x in g]
        sb = _ball_of(s) if not isinstance(s, flint.arb) else s
        F = deep_forward(gb, L, kind, N, sigma_w=ctx["sigma_w"], sigma_b=ctx["sigma_b"], readout=sb)
        F1 = _forward_at_one(gb, L, kind, sw2, sb2, qs, sb)
        tc = taylor(expr, N, work)
        with mpmath.workdps(work):
            a = [_ball_mpf(v, e) for v, e in zip(tc, tc.errors)]
            ktail = tc.tail
        diffs = [x - y for x, y in zip(F, a)]
        l1 = sum((abs(d) for d in diffs), flint.arb(0))
        ftail = F1 - sum(F, flint.arb(0))
        with mpmath.workdps(work):
            l1 = _to_mpf(l1, work) + _rad_mpf(l1)
            ftail = _to_mpf(ftail, work) + _rad_mpf(ftail)
            # sup|P| for P = sum_k (F_k - a_k) c^k: max on a grid of spacing 2h plus h sup|P'|
            mids = np.array([float(_to_mpf(d, work)) for d in diffs])
            rads = mpmath.fsum(_rad_mpf(d) for d in diffs)
            G = 20000
            h = 1.0 / G
            xs = -1 + (2 * np.arange(G) + 1) * h
            vals = np.polynomial.polynomial.polyval(xs, mids)
            absum = float(np.abs(mids).sum())
            rounding = (2 * len(mids) + 4) * 2.0**-52 * absum * 1.01 + 1e-300
            slope = float(np.abs(np.arange(len(mids)) * mids).sum()) * (1 + 1e-12)
            grid_bound = mpmath.mpf(float(np.abs(vals).max())) + mpmath.mpf(h * slope) + mpmath.mpf(rounding) + rads
            b = min(l1, grid_bound) * (1 + mpmath.mpf(2) ** -50) + ftail + ktail.bound
            b = max(b, mpmath.mpf(0))
    # grid estimate in mpmath
    grid = [mpmath.mpf(k) / 50 - 1 for k in range(101)]
    fK = sympy.lambdify(c, expr, "mpmath")
    with mpmath.workdps(work + 10):  # rounding here must stay far below the proven bound
        gm = [_to_mpf(x, work + 10) if not isinstance(x, (sympy.Basic,)) else mpmath.mpf(sympy.N(x, work)) for x in g]
        sm = mpmath.mpf(sympy.N(s, work + 10)) if isinstance(s, sympy.Basic) else _to_mpf(s, work + 10)
        ge = max(abs(_mp_forward(gm, x, L, kind, ctx, sm) - mpmath.re(fK(x))) for x in grid)
    return b, ge


def _mp_forward(g: Sequence[Any], x: Any, L: int, kind: str, ctx: dict[str, Any], s: Any) -> Any:
    sw2, sb2, qs = (mpmath.mpf(sympy.N(v, mpmath.mp.dps)) for v in (ctx["sw2"], ctx["sb2"], ctx["qs"]))
    dg = [k * g[k] for k in range(1, len(g))]
    S, T = x, mpmath.mpf(0)
    for _ in range(L):
        pre = sw2 * S + sb2
        rho = pre / qs
        T = (pre + sw2 * T) * (mpmath.polyval(dg[::-1], rho) if dg else 0) / qs
        S = mpmath.polyval(g[::-1], rho)
    return s * S if kind == "nngp" else s * (S + T)


def _family(ctx: dict[str, Any], res: dict[str, Any]) -> DeepActivationFamily:
    expr, L, kind, n, dps = ctx["expr"], ctx["depth"], ctx["kind"], ctx["n"], ctx["dps"]
    g, s = res["g"], res["s"]
    exact = all(isinstance(x, flint.fmpq) for x in g)
    bound, grid_err = _certify(ctx, g, s)
    with mpmath.workdps(dps):
        gm = tuple(+_to_mpf(x, dps) for x in g)
        gerr = [mpmath.mpf(0) if exact else _rad_mpf(x) + abs(v) * mpmath.mpf(10) ** (-dps) for x, v in zip(g, gm)]
        nonzero, mags, errs = [], [], []
        for k, (v, e) in enumerate(zip(gm, gerr)):
            if (g[k] == 0) if exact else abs(v) <= e:
                mags.append(mpmath.mpf(0))
                errs.append(mpmath.sqrt(e))
            else:
                nonzero.append(k)
                mags.append(mpmath.sqrt(v))
                errs.append(sqrt_err(v, e, 1))
        k1 = +ctx["k1"]
        reached = bound <= mpmath.mpf(10) ** (-dps) * k1
        root = None if res["root"] is None else tuple(+_to_mpf(x, dps) for x in res["root"])
        root_tail = None if res["root_tail"] is None else +_to_mpf(res["root_tail"], dps)
    g_exact = tuple(sympy.Rational(int(x.p), int(x.q)) for x in g) if exact else None
    notes = {
        "exact root": "the formal root is exact (rational arithmetic); members carry exact coefficients",
        "ball root": "the formal root is in ball arithmetic (every coefficient with a proven radius)",
        "fit": (
            "no fixed point at 0 (K(0) != 0 or sigma_b != 0) or method='fit': non-negative least squares on a "
            "Chebyshev grid, rounded to exact rationals with g(1) = 1; the error bound is for these rationals"
        ),
    }[res["method"]]
    report = DeepReport(
        res["method"],
        L,
        kind,
        n,
        dps,
        ctx["sigma_w"],
        ctx["sigma_b"],
        s,
        gm,
        g_exact,
        root,
        root_tail,
        res["p"],
        bound,
        grid_err,
        bool(reached),
        k1,
        notes,
    )
    tc = TaylorCoeffs(
        list(gm),
        expr=sympy.Symbol(f"dual[{kernel_name(expr, ctx.get('label'), 200)}; depth={L}]"),
        dps=dps,
        errors=gerr,
        exact=False,
        rigorous=True,
        engine="deep",
        tail=Tail(bound=bound, estimate=grid_err, k1=k1, rigorous=True),
    )
    exact_mags = tuple(sympy.sqrt(x) for x in g_exact) if g_exact is not None else None
    return DeepActivationFamily(
        expr,
        kind,
        tc,
        mags,
        errs,
        exact_mags,
        tuple(nonzero),
        label=ctx.get("label"),
        depth=L,
        report=report,
        qstar=ctx["qs"],
    )


def _ball_mpf(v: Any, e: Any) -> flint.arb:
    """The arb ball [v +- e] for mpmath numbers (v exact in binary, e rounded up)."""
    mid = _arb_exact(v)
    err = _arb_exact(mpmath.mpf(e))
    return flint.arb(mid, mid.rad() + err.mid() + err.rad())


def _arb_exact(v: mpmath.mpf) -> flint.arb:
    """An mpmath.mpf as an arb, exactly (a binary number)."""
    sign, man, exp, _ = mpmath.mpf(v)._mpf_
    x = flint.arb(int(man)) * flint.arb(2) ** int(exp) if man else flint.arb(0)
    return -x if sign else x


def _rad_mpf(x: Any) -> mpmath.mpf:
    from ._core.precision import rad

    return rad(x)
