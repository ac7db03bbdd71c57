r"""deep_reverse and its result: the family of activations that give K at depth L, with a report.

Place: the top of :mod:`hermite_rev.deep`; imports its routes (``_root``, ``_fit``), ``_problem``,
``_forward``, and :mod:`hermite_rev._core`, :mod:`hermite_rev.series`, :mod:`hermite_rev.hermite`
(the one reverse map) and :mod:`hermite_rev.family`.

Index
-----
deep_reverse           kernel, depth -> DeepActivationFamily (members give K at that depth)
DeepActivationFamily   an ActivationFamily with ``.report``, ``.depth``, ``.dual``, ``.qstar``
DeepReport             how the per-layer dual kernel was found and how well it realises K
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import flint
import mpmath
import numpy as np
import sympy

from .._core.errors import HermiteRevError
from .._core.exprs import c
from .._core.limits import LIMITS
from .._core.precision import flint_ctx, rad
from .._core.registry import kernel_name
from .._core.text import REPR_LIMIT, short
from .._core.validate import public
from ..family import Activation, ActivationFamily
from ..hermite import hermite_rescale, kernel_of, magnitudes_from_taylor
from ..series import Tail, TaylorCoeffs
from ._fit import fit_route
from ._forward import arb_of, ball_mpf, ball_of, deep_forward, forward_at_one, mpf_of, mpmath_forward
from ._problem import DeepProblem, Dual, is_exact, k_at_zero, make_problem
from ._root import root_route

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._core.typing import KernelLike, Kind, RealLike, Signs

__all__ = ["deep_reverse", "DeepActivationFamily", "DeepReport"]

_ONE = sympy.Integer(1)


@dataclass(frozen=True)
class DeepReport:
    r"""How a deep dual kernel was found and how well the members realise K (a value: frozen,
    picklable, equal by value).

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

    def __repr__(self) -> str:
        return short(
            f"DeepReport(method={self.method!r}, depth={self.depth}, kind={self.kind!r}, n={self.n}, "
            f"dps={self.dps}, sigma_w={short(self.sigma_w, 40)}, sigma_b={short(self.sigma_b, 40)}, "
            f"sup error <= {mpmath.nstr(self.sup_error, 3)}, reached={self.reached})",
            REPR_LIMIT,
        )

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
    depth-L kernel against K (``report.sup_error``).  A value: frozen, picklable, deep-copyable,
    equal by value.
    """

    depth: int = 1
    report: DeepReport | None = None
    qstar: sympy.Expr = _ONE

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, DeepActivationFamily)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.kernel, self.kind, self.depth, tuple(self.magnitudes), self.report, self.qstar))

    @property
    def dual(self) -> tuple[mpmath.mpf, ...]:
        """The per-layer dual kernel g_0..g_{n-1} (mpmath)."""
        assert self.report is not None  # deep_reverse always sets it
        return self.report.dual

    def activation(self, signs: Signs | None = None) -> Activation:
        psi = super().activation(signs)
        if self.qstar == 1:
            return psi
        with mpmath.workdps(psi.dps + 10):
            coeffs, errors, exact = hermite_rescale(psi.coeffs, psi.errors, self.qstar, psi.exact)
        return Activation(coeffs, errors, psi.dps, exact, psi.kind, psi.source, psi.truncation)

    def check(self, act: Activation | None = None, n: int | None = None) -> TaylorCoeffs:
        """Forward map of one member through ``kernel_of`` at this depth (TaylorCoeffs)."""
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
        return short(
            f"DeepActivationFamily(kind={self.kind!r}, depth={self.depth}, n={self.n}, "
            f"method={self.report.method!r}, count=2**{len(self.nonzero)}, "
            f"sup error <= {mpmath.nstr(self.report.sup_error, 3)}, kernel={kernel_name(self.kernel, self.label)})",
            REPR_LIMIT,
        )


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
        K has a Taylor coefficient proven negative (the message names k and a_k), whatever the
        route: the kernel of a network of any depth is positive definite on every sphere.

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
    pb = make_problem(K, depth, kind, n, dps, sigma_w, sigma_b, sigma_w_last, method, label)
    k0 = k_at_zero(pb.expr, pb.dps) if pb.sb2 == 0 else None
    series_ok = pb.sb2 == 0 and k0 == 0
    if method == "series" and not series_ok:
        why = (
            f"sigma_b = {pb.sigma_b} != 0 moves the fixed point of the layer map away from 0"
            if pb.sb2 != 0
            else f"K(0) = {k0} != 0, so 0 is not a fixed point"
        )
        raise HermiteRevError(f"method='series' needs sigma_b = 0 and K(0) = 0: {why}; use method='fit'")
    res = root_route(pb) if series_ok and method != "fit" else fit_route(pb)
    return _assemble(pb, res)


# --------------------------------------------------------------------------------------------
# certification and assembly
# --------------------------------------------------------------------------------------------


def _certify(pb: DeepProblem, g: Sequence[Any], s: Any) -> tuple[mpmath.mpf, mpmath.mpf]:
    """Proven sup_[-1,1] |F - K| (F = depth-L kernel of g, readout s) and a grid estimate.

    .. math:: \\sup_{[-1,1]} |F - K| \\le \\sum_{k<N} |F_k - a_k| + \\Big(F(1) - \\sum_{k<N} F_k\\Big)
              + \\Big(K(1) - \\sum_{k<N} a_k\\Big)

    (F and K have non-negative coefficients: K's first N are checked here once more).
    """
    L, kind, n, dps = pb.depth, pb.kind, pb.n, pb.dps
    N = max(2 * n, 100)
    if pb.poly is not None:  # a polynomial target: compare every coefficient, so both tails vanish
        N = max(N, min(pb.poly.degree() + 1, LIMITS["deep_terms"]))
    work = dps + 10
    with flint_ctx(int(work * 3.33) + 64, LIMITS["deep_terms"] + 8):
        sw2, sb2, qs = (ball_of(v) for v in (pb.sw2, pb.sb2, pb.qs))
        gb = [arb_of(x) for x in g]
        sb = ball_of(s)
        F = deep_forward(gb, L, kind, N, sigma_w=pb.sigma_w, sigma_b=pb.sigma_b, readout=sb)
        F1 = forward_at_one(gb, L, kind, sw2, sb2, qs, sb)
        tc = pb.kernel_taylor(N, work)
        with mpmath.workdps(work):
            a = [ball_mpf(v, e) for v, e in zip(tc, tc.errors)]
            ktail = tc.tail
        diffs = [x - y for x, y in zip(F, a)]
        l1 = sum((abs(d) for d in diffs), flint.arb(0))
        ftail = F1 - sum(F, flint.arb(0))
        with mpmath.workdps(work):
            l1 = mpf_of(l1, work) + rad(l1)
            ftail = mpf_of(ftail, work) + rad(ftail)
            # sup|P| for P = sum_k (F_k - a_k) c^k: max on a grid of spacing 2h plus h sup|P'|
            mids = np.array([float(mpf_of(d, work)) for d in diffs])
            rads = mpmath.fsum(rad(d) for d in diffs)
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
    fK = sympy.lambdify(c, pb.expr, "mpmath")
    with mpmath.workdps(work + 10):  # rounding here must stay far below the proven bound
        gm = [mpf_of(x, work + 10) for x in g]
        sm = mpmath.mpf(sympy.N(s, work + 10)) if isinstance(s, sympy.Basic) else mpf_of(s, work + 10)
        sw2m, sb2m, qsm = (mpmath.mpf(sympy.N(v, mpmath.mp.dps)) for v in (pb.sw2, pb.sb2, pb.qs))
        ge = max(abs(mpmath_forward(gm, x, L, kind, sw2m, sb2m, qsm, sm) - mpmath.re(fK(x))) for x in grid)
    return b, ge


_NOTES = {
    "exact root": "the formal root is exact (rational arithmetic); members carry exact coefficients",
    "ball root": "the formal root is in ball arithmetic (every coefficient with a proven radius)",
    "fit": (
        "no fixed point at 0 (K(0) != 0 or sigma_b != 0) or method='fit': non-negative least squares on a "
        "Chebyshev grid, rounded to exact rationals with g(1) = 1; the error bound is for these rationals"
    ),
}


def _assemble(pb: DeepProblem, res: Dual) -> DeepActivationFamily:
    """The family of a route's dual kernel, with its certified report."""
    L, kind, n, dps = pb.depth, pb.kind, pb.n, pb.dps
    g, s = res.g, res.s
    exact = is_exact(g)
    bound, grid_err = _certify(pb, g, s)
    g_exact = tuple(sympy.Rational(int(x.p), int(x.q)) for x in g) if exact else None
    with mpmath.workdps(dps):
        gm = tuple(+mpf_of(x, dps) for x in g)
        gerr = [mpmath.mpf(0) if exact else rad(x) + abs(v) * mpmath.mpf(10) ** (-dps) for x, v in zip(g, gm)]
        # g_k = b_k^2: the one reverse map, in its NNGP form
        mags = magnitudes_from_taylor(gm, "nngp", gerr, exact=g_exact, name="dual kernel coefficient g_{k}")
        k1 = +pb.k1
        reached = bound <= mpmath.mpf(10) ** (-dps) * k1
        root = None if res.root is None else tuple(+mpf_of(x, dps) for x in res.root)
        root_tail = None if res.root_tail is None else +mpf_of(res.root_tail, dps)
    report = DeepReport(
        res.method,
        L,
        kind,
        n,
        dps,
        pb.sigma_w,
        pb.sigma_b,
        s,
        gm,
        g_exact,
        root,
        root_tail,
        res.p,
        bound,
        grid_err,
        bool(reached),
        k1,
        _NOTES[res.method],
    )
    tc = TaylorCoeffs(
        list(gm),
        expr=sympy.Symbol(f"dual[{kernel_name(pb.expr, pb.label, 200)}; depth={L}]"),
        dps=dps,
        errors=gerr,
        exact=False,
        rigorous=True,
        engine="deep",
        tail=Tail(bound=bound, estimate=grid_err, k1=k1, rigorous=True),
    )
    return DeepActivationFamily(
        pb.expr,
        kind,
        tc,
        list(mags.values),
        list(mags.errors),
        mags.exact,
        mags.nonzero,
        label=pb.label,
        depth=L,
        report=report,
        qstar=pb.qs,
    )
