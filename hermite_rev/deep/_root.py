r"""The formal compositional root: the route of deep_reverse when 0 is a fixed point.

Place: :mod:`hermite_rev.deep`, above ``_problem`` and ``_forward``; imports them and
:mod:`hermite_rev._core`.

Index
-----
compositional_root   public: kappa with kappa(0) = 0 and s kappa^(oL) = K (NNGP) or s N_L[kappa] = K
                     (NTK), order by order, exact (fmpq) or in balls (arb)
root_route           DeepProblem -> Dual: the root (exact when every number is rational, else in
                     balls at rising precision; NTK: the readout variance that minimises the bound),
                     certified non-negative with sum <= 1, its truncated mass put on g_{n-1}
integer_root         p with p**L == m, or None

With :math:`\sigma_b = 0` and :math:`K(0) = 0` the dual kernel must have :math:`\kappa(0) = 0`, and
the root is unique as a formal power series: the coefficient of :math:`c^{p^L + j}` of the depth-L
kernel is affine in :math:`\kappa_{p+j}` with a positive slope and involves no later coefficient
(``proofs/08_compositional_root.md``; Kuczma, Choczewski & Ger, *Iterative Functional Equations*,
ch. 11).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import flint
import mpmath
import numpy as np
import sympy

from .._core.errors import HermiteRevError, NotRealizableError
from .._core.limits import LIMITS
from .._core.precision import flint_ctx
from .._core.validate import check_kind, public
from ..series import taylor
from ._forward import arb_of, ball_of, composed_forward, fmpq_of, forward_at_one, mpf_of
from ._problem import DeepProblem, Dual

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._core.typing import Kind

__all__ = ["compositional_root", "root_route", "integer_root"]


class _Undecided(Exception):
    """A ball is too wide to decide a sign: raise the precision."""


class _NotRational(Exception):
    """The exact root's leading coefficient is irrational: use balls."""


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


def integer_root(m: int, L: int) -> int | None:
    """p with p**L == m, or None."""
    p = round(m ** (1.0 / L))
    for cand in (p - 1, p, p + 1):
        if cand >= 1 and cand**L == m:
            return cand
    return None


def _coeff(xs: Sequence[Any], k: int) -> Any:
    return xs[k] if k < len(xs) else xs[0] * 0


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
    s = fmpq_of(readout) if exact else ball_of(readout)
    target = [x / s for x in a]
    nz = [k for k, x in enumerate(target) if not _is_zero(x)]
    if not nz:
        raise NotRealizableError(
            "the kernel is identically 0 in the coefficients computed; it has no non-trivial compositional root"
        )
    m = nz[0]
    p = integer_root(m, depth)
    if p is None:
        raise NotRealizableError(
            f"the lowest exponent of K is m = {m}, which is not an L-th power for L = {depth}: a dual kernel "
            f"with lowest exponent p gives p^L at depth {depth}, so no activation realises K at this depth"
        )
    N = p**depth + (n - 1 - p) + 1 if n > p else p**depth + 1
    if len(target) < N:
        raise HermiteRevError(f"compositional_root needs {N} Taylor coefficients of K, got {len(target)}")

    def forward(kappa: Sequence[Any], upto: int) -> list[Any]:
        return composed_forward(kappa, depth, kind, upto + 1, exact)

    # leading coefficient: forward of c^p has C c^(p^L); kappa_p^e C = target[m]
    e = (p**depth - 1) // (p - 1) if p > 1 else depth
    unit = [zero] * (p + 1)
    unit[p] = zero + 1
    C = _coeff(forward(unit, m), m)
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
        v0 = _coeff(forward(kappa[: p + j + 1], idx), idx)
        kappa[p + j] = zero + 1
        v1 = _coeff(forward(kappa[: p + j + 1], idx), idx)
        kappa[p + j] = (target[idx] - v0) / (v1 - v0)
    return kappa, p


# --------------------------------------------------------------------------------------------
# the route
# --------------------------------------------------------------------------------------------


def root_route(pb: DeepProblem) -> Dual:
    """The formal root of K, certified, as the members' dual kernel (see the module docstring)."""
    L, kind, n, dps = pb.depth, pb.kind, pb.n, pb.dps
    m = _lowest_exponent(pb)
    p = integer_root(m, L)
    if p is None:
        raise NotRealizableError(
            f"the lowest exponent of K = {pb.expr} is m = {m}, which is not an L-th power for L = {L}: a dual "
            f"kernel with lowest exponent p gives exponent p^L at depth {L}, so no activation realises K at this "
            f"depth"
        )
    N = p**L + max(n - 1 - p, 0) + 1
    if N > LIMITS["deep_terms"]:
        raise HermiteRevError(
            f"the root needs {N} Taylor coefficients of K (lowest exponent {m} = {p}^{L}), "
            f"more than {LIMITS['deep_terms']}; lower n or depth"
        )
    s = pb.s_user
    if kind == "nngp":
        if s is not None and abs(pb.k1 - mpmath.mpf(sympy.N(s, dps + 10))) > pb.k1_err + mpmath.mpf(10) ** (-dps - 5):
            raise NotRealizableError(
                f"with sigma_w_last^2 = {s} a stationary net has NNGP(1) = {s}, but K(1) = "
                f"{mpmath.nstr(pb.k1, 12)}; leave sigma_w_last=None to take sqrt(K(1))"
            )
        s = pb.s_nngp
    if pb.poly is not None and s is not None and s.is_Rational:
        a = pb.kernel_coeffs(N, dps, exact=True)
        try:
            kappa, p = compositional_root(a, L, kind, n, readout=s, exact=True)
            return _root_to_dual(pb, "exact root", kappa, s, p)
        except _NotRational:
            pass
    kappa, s, p, bits = _ball_root(pb, N, s)
    with flint_ctx(bits, LIMITS["deep_terms"] + 8):
        return _root_to_dual(pb, "ball root", kappa, s, p)


def _lowest_exponent(pb: DeepProblem) -> int:
    """Lowest k with a_k != 0, decided exactly (K(0) = 0 is known)."""
    if pb.poly is not None:
        terms = [k for (k,), co in pb.poly.terms() if co != 0]
        if not terms:
            raise NotRealizableError(f"K = {pb.expr} is identically 0")
        return min(terms)
    try:
        vals = taylor(pb.expr, 12, exact=True)
        nz = [k for k, v in enumerate(vals) if v != 0]
        if nz:
            return nz[0]
    except Exception:  # no exact series: decide with balls below
        pass
    tc = taylor(pb.expr, 2, pb.dps)
    if abs(tc[1]) > tc.errors[1]:
        return 1
    raise HermiteRevError(
        f"cannot decide exactly which low-order Taylor coefficients of {pb.expr} vanish "
        f"(a_1 = {mpmath.nstr(tc[1], 5)} +- {mpmath.nstr(tc.errors[1], 3)}); use method='fit'"
    )


def _ball_root(pb: DeepProblem, N: int, s: Any) -> tuple[list[Any], Any, int, int]:
    """Formal root in balls; raises precision until the coefficients carry dps digits."""
    L, kind, n, dps = pb.depth, pb.kind, pb.n, pb.dps
    work = dps + 10
    for _attempt in range(6):
        bits = int(work * 3.33) + 64
        try:
            with flint_ctx(bits, LIMITS["deep_terms"] + 8):
                a = pb.kernel_coeffs(N, work, exact=False)
                if s is None:
                    s, kappa, p = _best_readout(pb, a)
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


def _best_readout(pb: DeepProblem, a: Sequence[Any]) -> tuple[Any, list[Any], int]:
    """NTK: the readout variance s minimising the proven error bound (golden section on log s)."""
    L, n = pb.depth, pb.n
    k1 = float(pb.k1)
    hi = k1 / (L + 1)  # kappa'(1) >= kappa(1) = 1, so NTK(1) = s (1 + mu + .. + mu^L) >= s (L+1)
    one = flint.arb(1)

    def score(logs: float) -> tuple[float, Any]:
        s = arb_of(mpmath.mpf(math.exp(logs)))
        try:
            kappa, p = compositional_root(a, L, "ntk", n, readout=s, exact=False)
        except (NotRealizableError, _Undecided):
            return math.inf, None
        if any(x < 0 for x in kappa):
            return math.inf, None
        total = sum(kappa[:-1], flint.arb(0))
        if not total + kappa[-1] <= 1:
            return math.inf, None
        g = list(kappa[:-1]) + [1 - total]
        F1 = forward_at_one(g, L, "ntk", one, one * 0, one, s)
        Fs = composed_forward(g, L, "ntk", len(a), False)
        partial = sum((x * s for x in Fs[: len(a)]), flint.arb(0))
        diff = sum((abs(x * s - y) for x, y in zip(Fs, a)), flint.arb(0))
        b = diff + F1 - partial
        return float(b.mid()) if b.is_finite() else math.inf, (kappa, p)

    grid = np.linspace(math.log(hi) - 8, math.log(hi), 33)
    vals = [score(x)[0] for x in grid]
    best = int(np.argmin(vals))
    if not np.isfinite(vals[best]):
        raise NotRealizableError(
            f"scan of the readout variance: for none of {len(grid)} values of s on a log grid in "
            f"[{hi * math.exp(-8):.3g}, {hi:.3g}] (s <= K(1)/(L+1) is necessary) is the formal depth-{L} NTK root "
            f"of K = {pb.expr} non-negative with its first {n} coefficients summing to <= 1 = kappa(1); "
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


def _root_to_dual(pb: DeepProblem, method: str, kappa: Sequence[Any], s: Any, p: int) -> Dual:
    """Certify the root (non-negative, sum <= 1) and make the member dual g (sum exactly 1)."""
    L, kind, n, dps = pb.depth, pb.kind, pb.n, pb.dps
    exact = method == "exact root"
    for k, x in enumerate(kappa):
        if x < 0:
            val = str(x) if exact else mpmath.nstr(mpf_of(x, dps), 8)
            raise NotRealizableError(
                f"the formal depth-{L} {kind.upper()} root of K = {pb.expr} has a negative coefficient: "
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
            f"the first {n} coefficients of the formal depth-{L} {kind.upper()} root of K = {pb.expr} are "
            f"non-negative but sum to {full if exact else mpmath.nstr(mpf_of(full, dps), 12)} > 1 = kappa(1): "
            + why.format(k=n - 1, L=L, s=s)
        )
    g = list(kappa[:-1]) + [1 - total] if n > 1 else [kappa[0] * 0 + 1]
    return Dual(method, tuple(g), s, p, tuple(kappa), 1 - full)
