"""The forward map's two non-ball paths: closed forms by exact integration, and mpmath quadrature.

Place: hermite stage, below :mod:`hermite_rev.hermite` (which chooses the path: exact where sympy
integrates, proven balls (:mod:`hermite_rev._hermite_balls`) otherwise, and this module's
quadrature with error *estimates* only where no proof can be built); imports ``_core`` and
``activations``.

Index
-----
NoClosedForm               the exact path does not apply
exact_hermite              b_0 .. b_{n-1} exactly, for sums of polynomial x exp / erf / step pieces
quad_hermite               b_k by mpmath's tanh-sinh quadrature (values and error estimates)
real_number                an exact real as an mpmath number
check_gaussian_integrable  refuse what quadrature would turn into finite garbage
hermite_values             h_0(x) .. h_{n-1}(x) in mpmath (the three-term recurrence)
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import sympy

from ._core.errors import HermiteRevError
from ._core.exprs import z
from ._core.text import short
from .activations import NotPiecewise, kinks, pieces

# --------------------------------------------------------------------------------------------
# exact Gaussian integrals of piecewise (polynomial x exp(linear)) functions
# --------------------------------------------------------------------------------------------


class NoClosedForm(Exception):
    """The exact path does not apply to this activation."""


def _he_values(s: sympy.Expr, n: int) -> list[sympy.Expr]:
    """[He_0(s), ..., He_{n-1}(s)] (exact)."""
    out = [sympy.Integer(1), s][:n]
    for k in range(1, n - 1):
        out.append(sympy.expand(s * out[k] - k * out[k - 1]))
    return out


def _exp_he_integrals(a: sympy.Expr, s: sympy.Expr, n: int) -> list[sympy.Expr]:
    r"""[J_k(s) = \int_s^\infty e^{a x} He_k(x) \varphi(x) dx for k < n] (exact).

    Integration by parts with He_k \varphi = -(He_{k-1} \varphi)':
    J_k(s) = e^{a s} \varphi(s) He_{k-1}(s) + a J_{k-1}(s), and
    J_0(s) = e^{a^2/2} erfc((s - a)/sqrt 2) / 2.  At s = -oo, J_k = a^k e^{a^2/2}.
    """
    if s == sympy.oo:
        return [sympy.Integer(0)] * n
    if s == -sympy.oo:
        return [a**k * sympy.exp(a**2 / 2) for k in range(n)]
    boundary = sympy.exp(a * s - s**2 / 2) / sqrt2pi
    he = _he_values(s, n)
    out = [sympy.exp(a**2 / 2) * sympy.erfc((s - a) / sympy.sqrt(2)) / 2]
    for k in range(1, n):
        out.append(boundary * he[k - 1] + a * out[k - 1])
    return out


sqrt2pi = sympy.sqrt(2 * sympy.pi)


def _terms(expr: sympy.Expr) -> list[tuple[sympy.Expr, int, sympy.Expr]]:
    """Split ``expr`` into [(coeff, m, a)] meaning coeff * z^m * exp(a z) (a, coeff constants)."""
    expr = sympy.expand(expr.rewrite(sympy.exp), power_exp=True)
    out = []
    for term in sympy.Add.make_args(expr):
        coeff, m, a = sympy.Integer(1), 0, sympy.Integer(0)
        for f in sympy.Mul.make_args(term):
            if not f.has(z):
                coeff *= f
            elif f == z:
                m += 1
            elif f.is_Pow and f.base == z and f.exp.is_Integer and f.exp > 0:
                m += int(f.exp)
            elif isinstance(f, sympy.exp) or (f.is_Pow and isinstance(f.base, sympy.exp)):
                arg = f.args[0] if isinstance(f, sympy.exp) else f.base.args[0] * f.exp
                poly = sympy.Poly(sympy.expand(arg), z) if arg.is_polynomial(z) else None
                if poly is None or poly.degree() > 1:
                    raise NoClosedForm
                lin, const = (poly.all_coeffs() + [0])[:2] if poly.degree() == 1 else (0, poly.all_coeffs()[0])
                a += lin
                coeff *= sympy.exp(const)
            else:
                raise NoClosedForm
        out.append((coeff, m, a))
    return out


def exact_hermite(phi: sympy.Expr, n: int) -> list[sympy.Expr]:
    """Exact b_0 .. b_{n-1}; raises NoClosedForm when phi is outside the supported class.

    phi is split into pieces on intervals, each a sum of coeff * z^m * exp(a z); powers of z
    are removed with z He_k = He_{k+1} + k He_{k-1}, leaving the integrals of
    :func:`_exp_he_integrals`.
    """
    totals = [sympy.Integer(0)] * n
    try:
        parts = pieces(phi)
    except NotPiecewise:
        raise NoClosedForm from None
    for expr, lo, hi in parts:
        for coeff, m, a in _terms(expr):
            if coeff == 0:
                continue
            size = n + m
            J = [u - v for u, v in zip(_exp_he_integrals(a, lo, size), _exp_he_integrals(a, hi, size))]
            # G[k] = E[1{lo<Z<hi} Z^j e^{aZ} He_k(Z)], raised from j = 0 to j = m
            G = J
            for j in range(m):
                G = [G[k + 1] + (k * G[k - 1] if k else 0) for k in range(size - j - 1)]
            for k in range(n):
                totals[k] += coeff * G[k]
    out = []
    for k, total in enumerate(totals):
        val = sympy.expand(total / sympy.sqrt(sympy.factorial(k)))
        if val.has(sympy.I):
            re, im = sympy.expand_complex(val).as_real_imag()
            if im != 0 and sympy.simplify(im) != 0:
                raise NoClosedForm
            val = sympy.expand(re)
        out.append(val)
    return out


# --------------------------------------------------------------------------------------------
# numeric quadrature (fallback)
# --------------------------------------------------------------------------------------------


#: guard digits of the quadrature's working precision
_GUARD = 15


def quad_hermite(phi: sympy.Expr, n: int, dps: int) -> tuple[list[mpmath.mpf], list[mpmath.mpf]]:
    """b_k by mpmath quadrature; returns (values, error estimates).

    The integrals run at ``dps + 15`` digits.  Each error is the quadrature's own estimate
    (difference of the last two tanh-sinh levels) plus a rounding term for the working
    precision (``10^3`` units in the last place of ``sqrt(E[phi^2])``, which bounds the
    integral of ``|phi h_k|`` that the nodes sum) plus half a unit in the
    last place of the value rounded to ``dps`` digits, which is what is returned.  The last
    term dominates for smooth activations: at dps = 30 it is about ``|b_k| * 1e-31``.
    """
    with mpmath.workdps(dps + _GUARD):
        f = sympy.lambdify(z, phi, modules=["mpmath"])
        norm = 1 / mpmath.sqrt(2 * mpmath.pi)
        cache: dict[Any, Any] = {}

        def vals(x: Any) -> list[Any]:
            v = cache.get(x)
            if v is None:
                w = mpmath.mpf(f(x)) * mpmath.exp(-x * x / 2) * norm
                v = [w * h for h in hermite_values(x, n)]
                cache[x] = v
            return v

        pts = [-mpmath.inf] + [mpmath.mpf(sympy.N(p, dps + 20)) for p in kinks(phi)] + [mpmath.inf]
        if len(pts) == 2:
            pts = [-mpmath.inf, mpmath.mpf(0), mpmath.inf]
        values, errors = [], []
        # rounding at the working precision scales with the integral of |phi h_k|, which is at most
        # sqrt(E[phi^2]) (Cauchy-Schwarz, E[h_k^2] = 1), not with |b_k| (cancellation)
        m2 = mpmath.quad(lambda x: vals(x)[0] ** 2 / (mpmath.exp(-x * x / 2) * norm), pts)
        rounding = 1000 * mpmath.eps * (1 + mpmath.sqrt(abs(m2)))
        for k in range(n):
            v, e = mpmath.quad(lambda x, k=k: vals(x)[k], pts, error=True)
            values.append(v)
            errors.append(abs(e) + rounding)
    with mpmath.workdps(dps):
        out_v = [+v for v in values]
        half_ulp = mpmath.mpf(2) ** (1 - mpmath.mp.prec)
        out_e = [mpmath.mpf(e, rounding="u") + abs(v) * half_ulp for v, e in zip(out_v, errors)]
        return out_v, out_e


def real_number(v: sympy.Expr, dps: int) -> mpmath.mpf:
    """An exact real number to ``dps + 10`` digits (its imaginary part is proven zero by
    :func:`exact_hermite`; evaluating erfc at complex points may leave a rounding residue)."""
    x = sympy.N(v, dps + 10)
    if not x.is_real:
        x = sympy.re(x)
    return mpmath.mpf(x)


def check_gaussian_integrable(phi: sympy.Expr, n: int) -> None:
    """Raise unless ``E|phi(Z) h_k(Z)|``, k < n, plausibly exist and phi is real (before quadrature).

    Three checks, each of which *proves* a problem when it fires (up to the sampling): phi is
    complex somewhere on the line; phi has a real singular point s where |phi(z)| |z - s| does
    not go to 0 (not integrable there: 1/z, log-free poles); or
    log|phi(z)| - z^2/2 + (n + 1) log|z| stays >= 0 at |z| = Z and 2Z, Z = max(20, 4 sqrt(n + 1))
    (far enough that bounded and polynomially growing phi pass at every n; the Gaussian does not
    tame the growth of phi h_{n-1}: exp(z^2), exp(z^3), exp(z^2/2)/(1+z^2) for n >= 2, ...).
    Quadrature would return finite garbage instead.
    """
    zr = sympy.Symbol("z_r", real=True)
    f = sympy.lambdify(z, phi, modules="mpmath")

    def value(x: Any) -> Any:
        try:
            v = mpmath.mpmathify(f(mpmath.mpf(x)))
        except (ZeroDivisionError, ValueError, OverflowError):
            return mpmath.inf
        if isinstance(v, mpmath.mpc):
            if abs(v.imag) > mpmath.mpf(10) ** (-20) * (1 + abs(v.real)):
                raise HermiteRevError(
                    f"activation {short(phi)} is not real at z = {mpmath.nstr(x, 5)} (value {mpmath.nstr(v, 6)})"
                )
            v = v.real
        return abs(v)

    with mpmath.workdps(40):
        for x in (-20, -3, -0.5, 0.5, 3, 20):
            value(x)
        try:
            sing = sympy.singularities(phi.subs(z, zr), zr, sympy.S.Reals)
        except Exception:  # sympy cannot say: rely on the quadrature's error estimate
            sing = sympy.S.EmptySet
        if isinstance(sing, sympy.FiniteSet):
            for s0 in sing:
                s0 = mpmath.mpf(sympy.N(s0, 40))
                for eps in (mpmath.mpf(10) ** -30, -(mpmath.mpf(10) ** -30)):
                    if value(s0 + eps) * abs(eps) > mpmath.mpf(10) ** -6:
                        raise HermiteRevError(
                            f"activation {short(phi)} is not integrable against the Gaussian: it blows up like "
                            f"1/|z - s| or faster at z = {mpmath.nstr(s0, 8)}"
                        )
        elif sing != sympy.S.EmptySet:
            raise HermiteRevError(
                f"activation {short(phi)} has infinitely many real singular points "
                f"({short(sing, 80)}); "
                f"its Gaussian integrability cannot be checked"
            )
        far = max(20, 4 * math.isqrt(n + 1) + 4)  # beyond it z^2/2 > 4 (n + 1) log z: polynomials pass
        for sgn in (1, -1):
            r = [
                mpmath.log(value(sgn * x)) - mpmath.mpf(x) ** 2 / 2 + (n + 1) * mpmath.log(x)
                if value(sgn * x) > 0
                else -mpmath.inf
                for x in (far, 2 * far)
            ]
            if r[0] >= 0 and r[1] >= r[0]:
                raise HermiteRevError(
                    f"activation {short(phi)} grows too fast as z -> {'+' if sgn > 0 else '-'}oo: "
                    f"|phi(z)| exp(-z^2/2) "
                    f"does not decay faster than |z|^-{n + 1}, so E[phi(Z) h_k(Z)] does not exist for all k < {n}"
                )


def hermite_values(x: Any, n: int) -> list[mpmath.mpf]:
    """[h_0(x), ..., h_{n-1}(x)] (mpmath)."""
    out = [mpmath.mpf(1)]
    if n > 1:
        out.append(mpmath.mpf(x))
    for k in range(1, n - 1):
        out.append((x * out[k] - mpmath.sqrt(k) * out[k - 1]) / mpmath.sqrt(k + 1))
    return out[:n]
