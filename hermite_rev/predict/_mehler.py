r"""Network kernels of any activation on raw rows: Hermite coefficients per row variance + Mehler.

Index
-----
GenericLayers    the recursion of one activation: coefficients per row variance, Gram, diagonal
RULE_HALF_WIDTH  the quadrature interval [-L, L] (in units of the standard deviation)

Each hidden layer of a network on raw rows is a bivariate Gaussian expectation
:math:`E[\phi(u)\phi(v)]` with :math:`\operatorname{Var} u = q_i`, :math:`\operatorname{Var} v = q_j`,
:math:`\operatorname{Cov}(u, v) = \Sigma_{ij}` (and :math:`E[\phi'(u)\phi'(v)]` for the NTK).  With
:math:`u = \sqrt{q_i}\,X`, :math:`v = \sqrt{q_j}\,Y`, :math:`(X, Y)` standard with correlation
:math:`\rho = \Sigma_{ij}/\sqrt{q_i q_j}`, Mehler's formula gives

.. math:: E[\phi(u)\phi(v)] = \sum_k b_k(q_i)\, b_k(q_j)\, \rho^k, \qquad
          b_k(q) = E[\phi(\sqrt q\, Z)\, h_k(Z)],

and likewise with the coefficients :math:`c_k(q)` of :math:`\phi'(\sqrt q\, Z)`.  The coefficients of
every row are computed at once, in float64, by composite Gauss-Legendre quadrature on
[-L, L] (20 nodes per panel, panel ends at the activation's kinks, :math:`4\sqrt n + 16`
panels so that the Hermite functions up to degree n are resolved), with the Hermite functions
:math:`h_k(x) e^{-x^2/4}` by their stable three-term recurrence.  The number of terms n
doubles (from 128, at most ``LIMITS["hermite_n"]``) until every row's tail
:math:`t_i = E[\phi(\sqrt{q_i} Z)^2] - \sum_{k<n} b_k^2` is at rounding level; a polynomial of
degree D takes n = D + 1 (no tail).  Each entry's sum stops once the Cauchy-Schwarz bound
:math:`|\rho|^{k} \sqrt{t_i(k) t_j(k)}` on the rest is below :math:`2^{-54}\sqrt{E_i E_j}`
(:func:`hermite_rev._numba.gram.mehler_sum`), so well separated rows cost a few terms.  The
diagonal of a symmetric Gram matrix is the one-dimensional expectation itself.

Stated error (an estimate, not a proof): per layer, the largest truncation bound of the
Mehler sums, plus the quadrature's own error (measured as the change of
:math:`E[\phi^2]` and :math:`E[\phi'^2]` under a 1.5 times finer rule), plus the previous layer's
error propagated to first order (Price's theorem: :math:`\partial E[\phi\phi]/\partial\Sigma =
E[\phi'\phi']`), plus float64 rounding.

Place in the pipeline: :mod:`hermite_rev.predict` ``_rows`` -> **_mehler** -> ``_network``.
Imports :mod:`hermite_rev._core`, :mod:`hermite_rev.activations` and, lazily, the numba loop
:func:`hermite_rev._numba.gram.mehler_sum`.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.errors import HermiteRevError
from .._core.limits import LIMITS

if TYPE_CHECKING:
    from .._core.typing import FloatArray
    from ..activations import ActivationFunction

__all__ = ["GenericLayers", "RULE_HALF_WIDTH"]

_Table = tuple["FloatArray", "FloatArray"]

#: the quadrature interval [-L, L] in units of the standard deviation: the integrands carry
#: :math:`e^{-x^2/4}` twice (Hermite function and weight), :math:`e^{-L^2/2} < 10^{-105}`
RULE_HALF_WIDTH = 22.0
_GL_T, _GL_W = np.polynomial.legendre.leggauss(20)
_EPS = float(np.finfo(np.float64).eps)
_STOP = 2.0**-54  # relative size of the dropped part at which an entry's Mehler sum stops
_START_N = 128
_CHUNK = 256  # rows per block of the coefficient products (memory: rows x nodes)


@functools.lru_cache(maxsize=32)
def _rule(panels: int, breaks: tuple[float, ...]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Nodes x, weights w (Gauss-Legendre times the N(0, 1) density) and Hermite-function weights."""
    L = RULE_HALF_WIDTH
    ends = np.union1d(np.linspace(-L, L, panels + 1), [b for b in breaks if -L < b < L])
    half = np.diff(ends) / 2
    mid = (ends[1:] + ends[:-1]) / 2
    x = (mid[:, None] + half[:, None] * _GL_T[None, :]).ravel()
    gw = (half[:, None] * _GL_W[None, :]).ravel()
    root_pdf = (2 * math.pi) ** -0.25 * np.exp(-(x**2) / 4)
    return x, gw * root_pdf**2, gw * root_pdf


@functools.lru_cache(maxsize=8)
def _hermite_functions(panels: int, breaks: tuple[float, ...], n: int) -> FloatArray:
    r"""Psi[m, k] = h_k(x_m) (2 pi)^{-1/4} e^{-x_m^2/4} (orthonormal in L^2(dx)), shape (nodes, n)."""
    x = _rule(panels, breaks)[0]
    P = np.empty((x.size, n))
    P[:, 0] = (2 * math.pi) ** -0.25 * np.exp(-(x**2) / 4)
    if n > 1:
        P[:, 1] = x * P[:, 0]
    for k in range(1, n - 1):
        P[:, k + 1] = (x * P[:, k] - math.sqrt(k) * P[:, k - 1]) / math.sqrt(k + 1)
    return P


def _panels(n: int) -> int:
    return 4 * math.isqrt(n) + 16


class GenericLayers:
    """The network recursion of one activation through Hermite coefficients and Mehler's formula.

    Parameters
    ----------
    act : ActivationFunction
        The activation (phi and phi' in float64 from ``value_and_grad``).
    ntk : bool
        Whether the derivative's coefficients are needed.
    """

    def __init__(self, act: ActivationFunction, ntk: bool) -> None:
        if ntk and act.jump:
            raise HermiteRevError(
                f"the NTK of an activation with a jump is infinite (phi' has a Dirac delta): {act.name}; "
                f"use kind='nngp'"
            )
        self.act = act
        self.ntk = ntk
        self.kinks = tuple(float(k) for k in act.kinks)
        self.degree = act.degree

    # --- one layer's coefficients ------------------------------------------------------------

    def moments(self, q: FloatArray) -> tuple[FloatArray, FloatArray, float]:
        """E[phi(u)^2] and E[phi'(u)^2] for u ~ N(0, q) per entry of q, and a quadrature error estimate."""
        s = np.sqrt(q)
        E, Ed = self._moments(s, _panels(_START_N))
        E2, Ed2 = self._moments(s, (3 * _panels(_START_N)) // 2)
        scale = max(float(np.max(np.abs(E), initial=0.0)), 1e-300)
        quad = float(np.max(np.abs(E - E2), initial=0.0)) / scale
        if self.ntk:
            dscale = max(float(np.max(np.abs(Ed), initial=0.0)), 1e-300)
            quad = max(quad, float(np.max(np.abs(Ed - Ed2), initial=0.0)) / dscale)
        return E, Ed, quad

    def _moments(self, s: FloatArray, panels: int) -> tuple[FloatArray, FloatArray]:
        E = np.empty(s.size)
        Ed = np.empty(s.size)
        for idx, breaks in self._groups(s):
            x, w, _ = _rule(panels, breaks)
            for lo in range(0, idx.size, _CHUNK):
                rows = idx[lo : lo + _CHUNK]
                F, D = self.act.value_and_grad(np.multiply.outer(s[rows], x))
                E[rows] = (F * F) @ w
                Ed[rows] = (D * D) @ w
        return E, Ed

    def _groups(self, s: FloatArray) -> list[tuple[Any, tuple[float, ...]]]:
        """Rows grouped by the kinks of phi(s x) in x (all rows at once when the kinks are at 0)."""
        if not self.kinks:
            return [(np.arange(s.size), ())]
        keys: dict[tuple[float, ...], list[int]] = {}
        for i, si in enumerate(s.tolist()):
            key = tuple(sorted({k / si for k in self.kinks})) if si > 0 else ()
            keys.setdefault(key, []).append(i)
        if len(keys) > LIMITS["nodes_quadrature"]:
            raise HermiteRevError(
                f"{len(keys)} distinct row variances of an activation with kinks away from 0 need as many "
                f"quadrature rules, more than the limit {LIMITS['nodes_quadrature']}; use fewer rows"
            )
        return [(np.array(v), k) for k, v in keys.items()]

    def coefficients(self, q: FloatArray, E: FloatArray, Ed: FloatArray) -> tuple[_Table, _Table | None, int]:
        """Coefficients of phi(sqrt q z) per row and their tails (:func:`_tails`): ``((B, T), (C, Tc), n)``.

        ``B`` (rows x n), ``T`` (rows x (n + 1)); ``(C, Tc)`` the same for phi' (None for the NNGP).
        """
        s = np.sqrt(q)
        cap = LIMITS["hermite_n"]
        n = min(self.degree + 1, cap) if self.degree is not None else _START_N
        while True:
            B, C = self._coeffs(s, n)
            exact = self.degree is not None and n > self.degree
            T = _tails(B, E, exact)
            Tc = _tails(C, Ed, exact) if C is not None else None
            tail = float(np.max(T[:, -1] ** 2 / np.maximum(E, 1e-300)))
            if Tc is not None:
                tail = max(tail, float(np.max(Tc[:, -1] ** 2 / np.maximum(Ed, 1e-300))))
            if self.degree is not None or tail <= 64 * _EPS or n >= cap:
                return (B, T), (None if C is None or Tc is None else (C, Tc)), n
            n = min(2 * n, cap)

    def _coeffs(self, s: FloatArray, n: int) -> tuple[FloatArray, FloatArray | None]:
        panels = _panels(n)
        B = np.empty((s.size, n))
        C = np.empty((s.size, n)) if self.ntk else None
        for idx, breaks in self._groups(s):
            x, _, wr = _rule(panels, breaks)
            P = _hermite_functions(panels, breaks, n)
            for lo in range(0, idx.size, _CHUNK):
                rows = idx[lo : lo + _CHUNK]
                F, D = self.act.value_and_grad(np.multiply.outer(s[rows], x))
                B[rows] = (F * wr) @ P
                if C is not None:
                    C[rows] = (D * wr) @ P
        return B, C

    # --- the network ---------------------------------------------------------------------------

    def gram(
        self,
        S: FloatArray,
        q1: FloatArray,
        q2: FloatArray,
        symmetric: bool,
        weights: tuple[float, float, float, float],
        depth: int,
    ) -> tuple[FloatArray, float, str]:
        """The Gram matrix from ``S`` = x.x'/d (in place), row variances ``q1``, ``q2`` = |x|^2/d.

        Returns ``(G, error, detail)``.
        """
        from .._numba.gram import mehler_sum

        sw2, sb2, swl2, sbl2 = weights
        Th = np.zeros_like(S) if self.ntk else None
        errS = errT = 0.0
        terms: list[int] = []
        for _ in range(depth):
            S *= sw2
            S += sb2
            q1 = sw2 * q1 + sb2
            q2 = q1 if symmetric else sw2 * q2 + sb2
            if Th is not None:
                Th *= sw2
                Th += S
                errT = sw2 * (errS + errT)
            E1, Ed1, quad1 = self.moments(q1)
            E2, Ed2, quad2 = (E1, Ed1, quad1) if symmetric else self.moments(q2)
            (B1, T1), d1, n = self.coefficients(q1, E1, Ed1)
            (B2, T2), d2, _ = ((B1, T1), d1, n) if symmetric else self.coefficients(q2, E2, Ed2)
            terms.append(n)
            R = _correlations(S, q1, q2, symmetric)
            Rd = R.copy() if Th is not None else None
            err = np.empty(R.shape[0])
            mehler_sum(R, B1, B2, T1, T2, _STOP, symmetric, err)
            trunc = float(np.max(err, initial=0.0))
            lip = math.sqrt(float(np.max(Ed1, initial=0.0)) * float(np.max(Ed2, initial=0.0)))
            scale = math.sqrt(float(np.max(E1, initial=0.0)) * float(np.max(E2, initial=0.0)))
            new_errS = trunc + max(quad1, quad2) * scale + lip * sw2 * errS
            if Th is not None and Rd is not None and d1 is not None and d2 is not None:
                (C1, U1), (C2, U2) = d1, d2
                mehler_sum(Rd, C1, C2, U1, U2, _STOP, symmetric, err)
                if symmetric:
                    np.fill_diagonal(Rd, Ed1)
                dscale = math.sqrt(float(np.max(Ed1, initial=0.0)) * float(np.max(Ed2, initial=0.0)))
                errKd = float(np.max(err, initial=0.0)) + max(quad1, quad2) * dscale
                errT = float(np.max(np.abs(Th), initial=0.0)) * errKd + dscale * errT
                Th *= Rd
            if symmetric:
                np.fill_diagonal(R, E1)
            S, errS = R, new_errS
            q1 = E1
            q2 = q1 if symmetric else E2
        S *= swl2
        S += sbl2
        errS *= swl2
        if Th is not None:
            Th *= swl2
            Th += S
            errT = errS + swl2 * errT
        G = Th if Th is not None else S
        total = (errT if Th is not None else errS) + 64 * (depth + 1) * _EPS * float(np.max(np.abs(G), initial=0.0))
        how = f"Hermite coefficients per row variance + Mehler ({', '.join(map(str, terms)) or 0} terms per layer)"
        return G, total, how

    def diag(self, q: FloatArray, weights: tuple[float, float, float, float], depth: int) -> FloatArray:
        """k(x_i, x_i) from q = |x_i|^2/d."""
        sw2, sb2, swl2, sbl2 = weights
        s, th = q, np.zeros_like(q)
        for _ in range(depth):
            s = sw2 * s + sb2
            th = s + sw2 * th
            E, Ed, _ = self.moments(s)
            s, th = E, th * Ed
        s = swl2 * s + sbl2
        th = s + swl2 * th
        return th if self.ntk else s

    def variances(self, q: FloatArray, weights: tuple[float, float, float, float], depth: int) -> FloatArray:
        """Pre-activation variances of every hidden layer, shape (depth, n)."""
        sw2, sb2, _, _ = weights
        out = np.empty((depth, q.size))
        for layer in range(depth):
            q = sw2 * q + sb2
            out[layer] = q
            q = self.moments(q)[0]
        return out


def _tails(B: FloatArray, E: FloatArray, exact: bool) -> FloatArray:
    r"""T[i, k] = sqrt(sum_{m >= k} b_m^2) with the part beyond n taken as E_i - sum_m b_m^2 (>= 0),
    or as 0 when the n coefficients are the whole expansion (``exact``: a polynomial)."""
    sq = B * B
    rest = np.zeros(B.shape[0]) if exact else np.maximum(E - sq.sum(axis=1), 0.0)
    cum = np.cumsum(sq[:, ::-1], axis=1)[:, ::-1]
    T = np.empty((B.shape[0], B.shape[1] + 1))
    T[:, :-1] = cum + rest[:, None]
    T[:, -1] = rest
    return np.sqrt(T)


def _correlations(S: FloatArray, q1: FloatArray, q2: FloatArray, symmetric: bool) -> FloatArray:
    """rho = S / sqrt(q1 q2), clipped to [-1, 1]; 0 where a variance is 0 (u or v is constant)."""
    r = np.sqrt(np.multiply.outer(q1, q2))
    with np.errstate(divide="ignore", invalid="ignore"):
        R = np.where(r > 0, S / np.where(r > 0, r, 1.0), 0.0)
    np.clip(R, -1.0, 1.0, out=R)
    if symmetric:
        np.fill_diagonal(R, np.where(q1 > 0, 1.0, 0.0))
    return np.ascontiguousarray(R)
