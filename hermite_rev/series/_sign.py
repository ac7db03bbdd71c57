"""The proof that a target is a kernel: every Taylor coefficient at 0 is non-negative.

Place: series stage, above ``._walk`` (uses ``evaluate_at`` for proven values at c = 0); imports
only :mod:`hermite_rev._core` and ``._walk``.

Index
-----
SignCertificate     what is proven about the signs of the Taylor coefficients, and how
sign_certificate    the certificate of an expression in c

The tail bound ``K(1) - sum_{k<n} a_k`` bounds ``sup |K - K_n|`` on [-1, 1] only when every
coefficient beyond ``n`` is non-negative, and Pringsheim's convergence certificate needs the same
condition.  It is proven here, without computing any coefficient beyond those asked for, by:

- **polynomials**: every coefficient is known exactly (a negative one is reported with its k);
- **kernels by construction**: the registry of deep ReLU / erf / arc-cosine kernels
  (:func:`hermite_rev._core.registry.register_kernel`);
- **Schoenberg's closure rules** on the expression tree.  Each node gets a sign class of its
  Taylor coefficients: ``P`` (all >= 0), ``N`` (all <= 0), ``Q+`` / ``Q-`` (those of degree >= 1
  are >= 0 / <= 0).  ``c`` and non-negative constants are ``P``; sums and products of ``P`` are
  ``P``; ``f(g)`` is ``P`` when ``g`` has non-negative coefficients of degree >= 1 and ``f`` is
  absolutely monotone at ``g(0)`` (all derivatives >= 0: ``exp``; ``sinh``, ``cosh`` for
  ``g(0) >= 0``; ``tan`` for ``0 <= g(0) < pi/2``; ``asin``, ``atanh`` for ``0 <= g(0) < 1``)
  with ``f(g(0)) >= 0``, because ``f(g(0) + h) = sum_j f^(j)(g(0)) h^j / j!`` and powers of a
  series with non-negative coefficients have non-negative coefficients; ``(b - h)^(-p)`` for
  ``p > 0`` is ``P`` (the binomial series of ``(1 - x)^(-p)``), ``(b - h)^q`` for ``0 < q < 1``
  and ``log(b - h)`` are ``Q-`` (so ``-log(1 - c)`` is ``P``), ``acos(g)`` is ``Q-`` where
  ``asin(g)`` is ``P``.  Values ``g(0)`` are proven by ball arithmetic.

What is not proven this way is not assumed: the tail then says so (``rigorous=False``).

References
----------
I. J. Schoenberg, "Positive definite functions on spheres", Duke Math. J. 9 (1942).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import sympy

from .._core.errors import HermiteRevError
from .._core.exprs import c, count_nodes, postorder
from .._core.registry import is_known_kernel
from .._core.validate import as_expr
from ._walk import evaluate_at

__all__ = ["SignCertificate", "sign_certificate"]

#: sympy DAGs larger than this are not expanded as polynomials (the closure rules still apply)
_POLY_NODES = 2000
#: highest degree of a polynomial whose coefficients are read exactly
_POLY_DEGREE = 20_000


@dataclass(frozen=True)
class SignCertificate:
    """What is proven about the signs of a kernel's Taylor coefficients.

    Attributes
    ----------
    proven : bool
        Every coefficient is proven non-negative.
    reason : str
        How (``"polynomial"``, ``"kernel by construction"``, ``"Schoenberg closure"``), or why not.
    negative : tuple (k, a_k) or None
        A coefficient proven negative (the target is not a kernel on all spheres).
    degree : int or None
        The degree, when the target is a polynomial (its coefficients beyond it are 0); 0 for the
        zero kernel (as numpy's ``Polynomial([0]).degree()``; sympy's -oo is no int).
    """

    proven: bool
    reason: str
    negative: tuple[int, Any] | None = None
    degree: int | None = None


_P, _N, _QP, _QM = "P", "N", "Q+", "Q-"


class _Rules:
    """Sign classes of the nodes of one expression (memoised by identity)."""

    def __init__(self) -> None:
        self.cls: dict[int, frozenset[str]] = {}

    def at0(self, e: sympy.Expr) -> tuple[mpmath.mpf, mpmath.mpf]:
        return evaluate_at(e, 0, 30)

    def positive_at0(self, e: sympy.Expr, below: Any = None) -> bool:
        """``e(0) > 0`` (and ``e(0) < below``), proven."""
        try:
            v, r = self.at0(e)
        except HermiteRevError:
            return False
        if v - r <= 0:
            return False
        return below is None or v + r < below

    def nonneg_at0(self, e: sympy.Expr, below: Any = None) -> bool:
        try:
            v, r = self.at0(e)
        except HermiteRevError:
            return False
        if r == 0 and v == 0:
            ok = True
        else:
            ok = v - r >= 0
        return ok and (below is None or v + r < below)

    def of(self, e: sympy.Basic) -> frozenset[str]:
        got = self.cls.get(id(e))
        return got if got is not None else frozenset()

    def node(self, e: sympy.Basic) -> frozenset[str]:
        if is_known_kernel(e):
            return frozenset({_P, _QP})
        if e is c or (e.is_Symbol and e == c):
            return frozenset({_P, _QP})
        if e.is_number:
            if e.is_extended_real is not True:
                return frozenset()
            if e.is_nonnegative:
                return frozenset({_P, _QP, _QM})
            if e.is_nonpositive:
                return frozenset({_N, _QP, _QM})
            return frozenset({_QP, _QM})
        args = [self.of(a) for a in e.args]
        out: set[str] = set()
        if e.is_Add:
            for k in (_P, _N, _QP, _QM):
                if all(k in a for a in args):
                    out.add(k)
        elif e.is_Mul:
            shifts = [a for a in e.args if a.is_Pow and a.args[0] is c and a.args[1].is_Integer and a.args[1] < 0]
            rest = [self.of(a) for a in e.args if not any(a is s for s in shifts)]
            if shifts and len(rest) == 1 and _QP in rest[0]:
                # R / c^m analytic at 0: R's coefficients below m vanish, the others shift down
                out |= {_P}
            elif shifts and rest and all(_P in a for a in rest):
                out |= {_P}
            if all(_P in a or _N in a for a in args):
                negatives = sum(1 for a in args if _P not in a)
                out |= {_P, _QP} if negatives % 2 == 0 else {_N, _QM}
        elif e.is_Pow:
            out |= self.power(e, args[0])
        elif isinstance(e, sympy.Function):
            out |= self.function(e, args[0] if args else frozenset())
        if _QP in out and _P not in out and self.nonneg_at0(e):
            out.add(_P)
        if _QM in out and _N not in out and self.nonneg_at0(-e):
            out.add(_N)
        if _P in out:
            out.add(_QP)
        if _N in out:
            out.add(_QM)
        return frozenset(out)

    def power(self, e: sympy.Pow, base: frozenset[str]) -> set[str]:
        b, q = e.args
        if not q.is_Rational:
            return set()
        if q.is_Integer and q > 0:
            if _P in base:
                return {_P}
            if _N in base:
                return {_P} if q % 2 == 0 else {_N}
            return set()
        # (b0 - h)^q with h >= 0 of degree >= 1: binomial series of (1 - x)^q
        if _QM in base and self.positive_at0(b):
            if q < 0:
                return {_P}
            if 0 < q < 1:
                return {_QM}
        return set()

    def function(self, e: sympy.Function, arg: frozenset[str]) -> set[str]:
        g = e.args[0] if len(e.args) == 1 else None
        if g is None:
            return set()
        f = e.func
        if f is sympy.exp and _QP in arg:
            return {_P}
        if _P not in arg:  # the others need g(0) >= 0 too
            if f is sympy.log and _QM in arg and self.positive_at0(g):
                return {_QM}
            return set()
        if f in (sympy.sinh, sympy.cosh):
            return {_P}
        if f is sympy.tan and self.nonneg_at0(g, mpmath.pi / 2):
            return {_P}
        if f in (sympy.asin, sympy.atanh) and self.nonneg_at0(g, 1):
            return {_P}
        if f is sympy.acos and self.nonneg_at0(g, 1):
            return {_QM}
        if f is sympy.log and self.positive_at0(g):
            return set()  # log(b + h): alternating
        return set()


def _polynomial(expr: sympy.Expr) -> sympy.Poly | None:
    if count_nodes(expr, _POLY_NODES) >= _POLY_NODES:
        return None
    try:
        if not expr.is_polynomial(c):
            return None
        poly = sympy.Poly(expr, c)
    except (sympy.PolynomialError, sympy.GeneratorsNeeded, TypeError, ValueError):
        return None
    if poly.degree() > _POLY_DEGREE or not all(a.is_number and a.is_extended_real for a in poly.all_coeffs()):
        return None
    return poly


def sign_certificate(expr: sympy.Expr) -> SignCertificate:
    """Prove that every Taylor coefficient of ``expr`` (in c) at 0 is non-negative, or say why not.

    ``expr`` is analytic at 0 (as :func:`taylor` proves before it asks): a factor ``1/c^m`` is then a
    removable singularity, which shifts the coefficients of the rest.

    Examples
    --------
    >>> import hermite_rev as hr, sympy
    >>> from hermite_rev.series import sign_certificate
    >>> sign_certificate(hr.kernels.relu_ntk(depth=3)).reason
    'kernel by construction'
    >>> sign_certificate(hr.c / (2 - hr.c) + sympy.exp(3 * hr.c)).reason
    'Schoenberg closure'
    >>> sign_certificate(1 + hr.c + hr.c**5 / 10 - 9 * hr.c**6 / 100).negative
    (6, -9/100)
    >>> sign_certificate(sympy.exp(hr.c) - hr.c**7 / 1000).proven
    False
    """
    if not isinstance(expr, sympy.Expr):
        expr = as_expr(expr, c, name="expr")
    if is_known_kernel(expr):
        return SignCertificate(True, "kernel by construction")
    poly = _polynomial(expr)
    if poly is not None:
        coeffs = poly.all_coeffs()[::-1]
        degree = 0 if poly.is_zero else int(poly.degree())  # the zero polynomial's degree is -oo
        for k, a in enumerate(coeffs):
            if a.is_negative or (a.is_negative is None and sympy.N(a, 30) < 0):
                return SignCertificate(False, f"a_{k} < 0", negative=(k, a), degree=degree)
        return SignCertificate(True, "polynomial", degree=degree)
    rules = _Rules()
    for e in postorder(expr, leaf=is_known_kernel):  # kernels by construction are not walked into
        rules.cls[id(e)] = rules.node(e)
    if _P in rules.of(expr):
        return SignCertificate(True, "Schoenberg closure")
    return SignCertificate(False, "not proven by the closure rules")
