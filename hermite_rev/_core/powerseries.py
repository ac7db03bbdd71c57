"""Truncated power series on dense coefficient lists, generic over the coefficient field.

Coefficients are ordered from lowest degree to highest; every function takes the number of
terms ``n`` to keep.  The field object ``F`` supplies the scalar operations, so the same
recurrences run exactly (sympy numbers, :class:`SympyField`) and at arbitrary precision
(mpmath, :class:`MpField`).  The fast rigorous engine (python-flint ``arb_series``) lives in
:mod:`hermite_rev.series`; this module is its exact counterpart and its independent oracle.

All recurrences are the classical O(n^2) ones obtained from a first-order ODE satisfied by
the composed series (J. C. P. Miller's for powers; ``g' = f' g`` for ``exp``, ...), see
Knuth, TAOCP vol. 2, sec. 4.7.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import mpmath
import sympy

if TYPE_CHECKING:
    from collections.abc import Sequence


class Timeout(Exception):
    """An exact computation ran past its deadline."""


class MemoWalker:
    """Base of the expression-tree walkers: each distinct node is evaluated once, children first.

    Subclasses set ``self.memo = {}`` and implement ``_eval(e)``, which may call ``self(a)`` on
    the arguments of ``e`` (already evaluated, a dictionary look-up) or on new nodes.  The walk is
    iterative (no Python recursion, so deep networks' kernels are fine) and memoised on the
    identity of the node: a DAG with shared sub-expressions costs its number of distinct nodes,
    never the size of the tree, and no structural comparison of large sub-trees is made.
    ``descend(e)`` says whether the arguments of ``e`` are evaluated before it (default: always).
    """

    memo: dict[int, Any]  # id(node) -> (node, value), set by the subclass

    def _eval(self, e: sympy.Basic) -> Any:  # pragma: no cover - every subclass implements it
        raise NotImplementedError

    def descend(self, e: sympy.Basic) -> bool:
        return True

    def __call__(self, e: sympy.Basic) -> Any:
        hit = self.memo.get(id(e))
        if hit is not None:
            return hit[1]
        memo = self.memo
        stack = [(e, False)]
        while stack:
            node, ready = stack.pop()
            if id(node) in memo:
                continue
            if ready or not node.args or not self.descend(node):
                memo[id(node)] = (node, self._eval(node))
                continue
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if id(a) not in memo)
        return memo[id(e)][1]


class MpField:
    """mpmath numbers at the context's working precision (not rigorous: an oracle)."""

    zero = mpmath.mpf(0)
    one = mpmath.mpf(1)

    def num(self, p: int, q: int = 1) -> mpmath.mpf:
        return mpmath.mpf(p) / q

    def coerce(self, expr: Any) -> mpmath.mpf:
        expr = sympy.sympify(expr)
        return mpmath.mpf(sympy.N(expr, mpmath.mp.dps + 15))

    def dot(self, xs: Sequence[Any], ys: Sequence[Any]) -> mpmath.mpf:
        return mpmath.fdot(xs, ys)

    def simp(self, x: mpmath.mpf) -> mpmath.mpf:
        return x

    def sign(self, x: Any) -> int | None:
        return 0 if x == 0 else (1 if x > 0 else -1)

    pi = property(lambda self: +mpmath.pi)
    exp = staticmethod(mpmath.exp)
    log = staticmethod(mpmath.log)
    sin = staticmethod(mpmath.sin)
    cos = staticmethod(mpmath.cos)
    atan = staticmethod(mpmath.atan)
    asin = staticmethod(mpmath.asin)
    acos = staticmethod(mpmath.acos)
    erf = staticmethod(mpmath.erf)
    sqrt = staticmethod(mpmath.sqrt)

    def pow(self, x: Any, alpha: Any) -> mpmath.mpf:
        return mpmath.power(x, alpha)


class SympyField:
    """Exact sympy numbers; every result is expanded so that zeros are recognised.

    ``deadline`` (a ``time.monotonic()`` value) makes every operation raise :class:`Timeout` once
    it has passed, so that an exact computation whose expressions grow too fast stops in time.
    """

    zero = sympy.Integer(0)
    one = sympy.Integer(1)

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline

    def _tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise Timeout

    def num(self, p: int, q: int = 1) -> sympy.Expr:
        return sympy.Rational(p, q)

    def coerce(self, expr: Any) -> sympy.Expr:
        return sympy.sympify(expr)

    #: an expanded coefficient with more terms than this counts as running out of time: expanding
    #: products of such sums is what makes one step of the exact walk take arbitrarily long
    max_terms = 2000

    def _bounded(self, r: sympy.Expr) -> sympy.Expr:
        if self.deadline is not None and r.is_Add and len(r.args) > self.max_terms:
            raise Timeout
        self._tick()
        return r

    def dot(self, xs: Sequence[Any], ys: Sequence[Any]) -> sympy.Expr:
        self._tick()
        return self._bounded(sympy.expand(sympy.Add(*[x * y for x, y in zip(xs, ys)])))

    def simp(self, x: Any) -> sympy.Expr:
        self._tick()
        return self._bounded(sympy.expand(x))

    def sign(self, x: sympy.Expr) -> int | None:
        x = sympy.sympify(x)
        if x.is_zero:
            return 0
        if x.is_positive:
            return 1
        if x.is_negative:
            return -1
        return None

    pi = sympy.pi
    exp = staticmethod(sympy.exp)
    log = staticmethod(sympy.log)
    sin = staticmethod(sympy.sin)
    cos = staticmethod(sympy.cos)
    atan = staticmethod(sympy.atan)
    asin = staticmethod(sympy.asin)
    acos = staticmethod(sympy.acos)
    erf = staticmethod(sympy.erf)
    sqrt = staticmethod(sympy.sqrt)

    def pow(self, x: Any, alpha: Any) -> sympy.Expr:
        return x**alpha


def ps_var(F: Any, n: int, x0: Any = None) -> list[Any]:
    """The series of the variable itself, ``x0 + t``."""
    out = [F.zero] * n
    if x0 is not None:
        out[0] = x0
    if n > 1:
        out[1] = F.one
    return out


def ps_const(F: Any, value: Any, n: int) -> list[Any]:
    return [value] + [F.zero] * (n - 1)


def ps_add(F: Any, a: Sequence[Any], b: Sequence[Any]) -> list[Any]:
    return [F.simp(x + y) for x, y in zip(a, b)]


def ps_scale(F: Any, a: Sequence[Any], s: Any) -> list[Any]:
    return [F.simp(x * s) for x in a]


def ps_mul(F: Any, a: Sequence[Any], b: Sequence[Any], n: int) -> list[Any]:
    return [F.dot(a[: k + 1], b[k::-1]) for k in range(n)]


def ps_inv(F: Any, a: Sequence[Any], n: int) -> list[Any]:
    """1/a, needs a[0] != 0."""
    inv0 = F.simp(F.one / a[0])
    out = [inv0]
    for k in range(1, n):
        out.append(F.simp(-inv0 * F.dot(a[1 : k + 1], out[k - 1 :: -1])))
    return out


def ps_div(F: Any, a: Sequence[Any], b: Sequence[Any], n: int) -> list[Any]:
    return ps_mul(F, a, ps_inv(F, b, n), n)


def ps_deriv(F: Any, a: Sequence[Any]) -> list[Any]:
    return [F.simp(k * a[k]) for k in range(1, len(a))] + [F.zero]


def ps_integ(F: Any, a: Sequence[Any], const: Any, n: int) -> list[Any]:
    """Antiderivative with value ``const`` at 0, truncated to n terms."""
    return [const] + [F.simp(a[k - 1] / k) for k in range(1, n)]


def ps_pow(F: Any, a: Sequence[Any], alpha: Any, n: int) -> list[Any]:
    """a**alpha for a[0] != 0 (J. C. P. Miller's recurrence).

    From a g' = alpha a' g:  g_k = 1/(k a_0) * sum_{j=1..k} ((alpha+1) j - k) a_j g_{k-j}.
    """
    g = [F.simp(F.pow(a[0], alpha))]
    inv0 = F.one / a[0]
    for k in range(1, n):
        w = [((alpha + 1) * j - k) * a[j] for j in range(1, k + 1)]
        g.append(F.simp(inv0 / k * F.dot(w, g[k - 1 :: -1])))
    return g


def ps_powi(F: Any, a: Sequence[Any], m: int, n: int) -> list[Any]:
    """a**m for an integer m >= 0 by binary powering."""
    result = ps_const(F, F.one, n)
    base = list(a)
    while m:
        if m & 1:
            result = ps_mul(F, result, base, n)
        m >>= 1
        if m:
            base = ps_mul(F, base, base, n)
    return result


def ps_exp(F: Any, a: Sequence[Any], n: int) -> list[Any]:
    """exp(a): k g_k = sum_{j=1..k} j a_j g_{k-j}."""
    g = [F.simp(F.exp(a[0]))]
    for k in range(1, n):
        w = [j * a[j] for j in range(1, k + 1)]
        g.append(F.simp(F.dot(w, g[k - 1 :: -1]) / k))
    return g


def ps_log(F: Any, a: Sequence[Any], n: int) -> list[Any]:
    return ps_integ(F, ps_div(F, ps_deriv(F, a), a, n), F.simp(F.log(a[0])), n)


def ps_sincos(F: Any, a: Sequence[Any], n: int) -> tuple[list[Any], list[Any]]:
    """(sin a, cos a): k s_k = sum j a_j c_{k-j}, k c_k = -sum j a_j s_{k-j}."""
    s = [F.simp(F.sin(a[0]))]
    co = [F.simp(F.cos(a[0]))]
    for k in range(1, n):
        w = [j * a[j] for j in range(1, k + 1)]
        s.append(F.simp(F.dot(w, co[k - 1 :: -1]) / k))
        co.append(F.simp(-F.dot(w, s[k - 1 :: -1]) / k))
    return s, co


def ps_sinhcosh(F: Any, a: Sequence[Any], n: int) -> tuple[list[Any], list[Any]]:
    e = ps_exp(F, a, n)
    em = ps_exp(F, [-x for x in a], n)
    half = F.num(1, 2)
    return ([F.simp((x - y) * half) for x, y in zip(e, em)], [F.simp((x + y) * half) for x, y in zip(e, em)])


def _one_minus_square(F: Any, a: Sequence[Any], n: int) -> list[Any]:
    sq = ps_mul(F, a, a, n)
    return [F.simp((F.one if k == 0 else F.zero) - x) for k, x in enumerate(sq)]


def ps_atan(F: Any, a: Sequence[Any], n: int) -> list[Any]:
    one_plus = ps_mul(F, a, a, n)
    one_plus[0] = F.simp(one_plus[0] + F.one)
    return ps_integ(F, ps_div(F, ps_deriv(F, a), one_plus, n), F.simp(F.atan(a[0])), n)


def _arc_integrand(F: Any, a: Sequence[Any], n: int) -> list[Any]:
    return ps_mul(F, ps_deriv(F, a), ps_pow(F, _one_minus_square(F, a, n), F.num(-1, 2), n), n)


def ps_asin(F: Any, a: Sequence[Any], n: int) -> list[Any]:
    return ps_integ(F, _arc_integrand(F, a, n), F.simp(F.asin(a[0])), n)


def ps_acos(F: Any, a: Sequence[Any], n: int) -> list[Any]:
    d = _arc_integrand(F, a, n)
    return ps_integ(F, [F.simp(-x) for x in d], F.simp(F.acos(a[0])), n)


def ps_erf(F: Any, a: Sequence[Any], n: int) -> list[Any]:
    minus_sq = [F.simp(-x) for x in ps_mul(F, a, a, n)]
    integrand = ps_scale(F, ps_mul(F, ps_deriv(F, a), ps_exp(F, minus_sq, n), n), F.simp(2 / F.sqrt(F.pi)))
    return ps_integ(F, integrand, F.simp(F.erf(a[0])), n)


def ps_compose(F: Any, outer: Sequence[Any], inner: Sequence[Any], n: int) -> list[Any]:
    """outer(inner) for inner[0] == 0 (Horner in the series ring)."""
    m = min(len(outer), n)
    result = ps_const(F, outer[m - 1], n)
    for k in range(m - 2, -1, -1):
        result = ps_mul(F, result, inner, n)
        result[0] = F.simp(result[0] + outer[k])
    return result
