"""Taylor coefficients of kernels given as sympy expressions in ``c``.

Index
-----
taylor          a_0 .. a_{n-1} of K(c) = sum_k a_k c^k, rigorous to ``dps`` digits, or exact
TaylorCoeffs    the list returned by :func:`taylor`, with error bounds and the tail bound
Tail            rigorous bound on K(1) - sum_{k<n} a_k (what truncation drops)
evaluate_at     a rigorous value of an expression at a point (ball arithmetic)

The expression tree is evaluated bottom-up as truncated power series, each distinct
sub-expression once.  The numeric engine is python-flint's ``arb_series`` (ball arithmetic:
every coefficient carries a proven error radius); the working precision is raised until each
coefficient is correct to ``dps`` significant digits.  ``exact=True`` runs the same tree walk
with exact sympy coefficients; ``engine="mpmath"`` runs it with plain mpmath numbers (an
independent implementation of every recurrence, used as the oracle in the tests).

Coefficients are ordered from lowest degree to highest.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import flint
import mpmath
import sympy

from . import _powerseries as ps
from ._validate import (
    DivergentSeriesError,
    HermiteRevError,
    NotAnalyticError,
    as_expr,
    c,
    check_positive_int,
)

__all__ = ["taylor", "TaylorCoeffs", "Tail", "evaluate_at", "to_mpf"]

_LOG2_10 = math.log2(10)

# sympy function class -> name understood by the backends
_FUNCS = {
    sympy.exp: "exp", sympy.log: "log", sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan",
    sympy.sinh: "sinh", sympy.cosh: "cosh", sympy.tanh: "tanh", sympy.asin: "asin",
    sympy.acos: "acos", sympy.atan: "atan", sympy.asinh: "asinh", sympy.atanh: "atanh",
    sympy.erf: "erf", sympy.erfc: "erfc",
}
_NOT_ANALYTIC = (sympy.Abs, sympy.Max, sympy.Min, sympy.Heaviside, sympy.sign, sympy.Piecewise,
                 sympy.floor, sympy.ceiling)


class _Undecided(Exception):
    """A sign could not be decided at the current precision."""


# --------------------------------------------------------------------------------------------
# backends
# --------------------------------------------------------------------------------------------


def coeff0(s):
    """Constant term of an arb_series (flint drops trailing zeros, so a zero series has none)."""
    cs = s.coeffs()
    return cs[0] if cs else flint.arb(0)


class _ArbBackend:
    """python-flint balls; series are ``arb_series`` of length n."""

    def __init__(self, n):
        self.n = n

    def number(self, e):
        if e.is_Integer:
            return flint.arb(int(e))
        if e.is_Rational:
            return flint.arb(int(e.p)) / int(e.q)
        if e.is_Float:
            sign, man, exp, _ = e._mpf_
            x = flint.arb(int(man)) * flint.arb(2) ** int(exp)
            return -x if sign else x
        if e is sympy.pi:
            return flint.arb.pi()
        if e is sympy.E:
            return flint.arb(1).exp()
        if e is sympy.EulerGamma:
            return flint.arb.const_euler()
        if e is sympy.Catalan:
            return flint.arb.const_catalan()
        raise HermiteRevError(f"unsupported constant {e} (not a real number)")

    def var(self, x0=None):
        return flint.arb_series([0 if x0 is None else x0, 1], prec=self.n)

    def lift(self, x):
        return flint.arb_series([x], prec=self.n)

    def add(self, s, t):
        return s + t

    def mul(self, s, t):
        return s * t

    def inv(self, s):
        return 1 / s

    def powi(self, s, m):
        return s ** m

    def pow(self, s, alpha):
        if alpha == sympy.Rational(1, 2):
            return s.sqrt()
        if alpha == sympy.Rational(-1, 2):
            return s.rsqrt()
        return s ** self.number_or_const(alpha)

    def spow(self, x, alpha):
        if alpha.is_Integer:
            return x ** int(alpha)
        if alpha == sympy.Rational(1, 2):
            return x.sqrt()
        return x ** self.number_or_const(alpha)

    def number_or_const(self, alpha):
        return _Walker(self, None).scalar(alpha)

    def const0(self, s):
        return coeff0(s)

    def sign(self, x):
        if x.is_zero():
            return 0
        if not x.is_finite():
            raise _Undecided
        if x > 0:
            return 1
        if x < 0:
            return -1
        raise _Undecided

    def sfunc(self, name, x):
        if name == "erfc":
            return x.erfc()
        return getattr(x, name)()

    def func(self, name, s):
        if name in ("exp", "log", "sin", "cos", "tan", "atan", "asin", "acos", "erf"):
            return getattr(s, name)()
        if name == "erfc":
            return 1 - s.erf()
        if name in ("sinh", "cosh"):
            e, em = s.exp(), (-s).exp()
            return (e - em) / 2 if name == "sinh" else (e + em) / 2
        if name == "tanh":
            return 1 - 2 / ((2 * s).exp() + 1)
        if name == "asinh":
            return (s + (s * s + 1).sqrt()).log()
        if name == "atanh":
            return ((1 + s) / (1 - s)).log() / 2
        raise AssertionError(name)


class _ListBackend:
    """Dense coefficient lists over a field from :mod:`hermite_rev._powerseries`."""

    def __init__(self, n, field):
        self.n = n
        self.F = field

    def number(self, e):
        return self.F.coerce(e)

    def var(self, x0=None):
        return ps.ps_var(self.F, self.n, x0)

    def lift(self, x):
        return ps.ps_const(self.F, x, self.n)

    def add(self, s, t):
        return ps.ps_add(self.F, s, t)

    def mul(self, s, t):
        if not isinstance(s, list):
            return ps.ps_scale(self.F, t, s)
        if not isinstance(t, list):
            return ps.ps_scale(self.F, s, t)
        return ps.ps_mul(self.F, s, t, self.n)

    def inv(self, s):
        return ps.ps_inv(self.F, s, self.n)

    def powi(self, s, m):
        return ps.ps_powi(self.F, s, m, self.n)

    def pow(self, s, alpha):
        return ps.ps_pow(self.F, s, self.F.coerce(alpha), self.n)

    def spow(self, x, alpha):
        return self.F.simp(self.F.pow(x, self.F.coerce(alpha)))

    def const0(self, s):
        return s[0]

    def sign(self, x):
        sgn = self.F.sign(x)
        if sgn is None:
            raise _Undecided
        return sgn

    def sfunc(self, name, x):
        F = self.F
        if name in ("sinh", "cosh", "tanh", "asinh", "atanh", "erfc", "tan"):
            if isinstance(F, ps.SympyField):
                return getattr(sympy, name)(x)
            return getattr(mpmath, name)(x)
        return F.simp(getattr(F, name)(x))

    def func(self, name, s):
        F, n = self.F, self.n
        if name == "exp":
            return ps.ps_exp(F, s, n)
        if name == "log":
            return ps.ps_log(F, s, n)
        if name in ("sin", "cos", "tan"):
            sn, cs = ps.ps_sincos(F, s, n)
            return {"sin": sn, "cos": cs}.get(name) or ps.ps_div(F, sn, cs, n)
        if name in ("sinh", "cosh", "tanh"):
            sn, cs = ps.ps_sinhcosh(F, s, n)
            return {"sinh": sn, "cosh": cs}.get(name) or ps.ps_div(F, sn, cs, n)
        if name == "atan":
            return ps.ps_atan(F, s, n)
        if name == "asin":
            return ps.ps_asin(F, s, n)
        if name == "acos":
            return ps.ps_acos(F, s, n)
        if name == "erf":
            return ps.ps_erf(F, s, n)
        if name == "erfc":
            return [F.simp((F.one if k == 0 else F.zero) - x) for k, x in enumerate(ps.ps_erf(F, s, n))]
        if name == "asinh":
            root = ps.ps_pow(F, ps.ps_add(F, ps.ps_mul(F, s, s, n), self.lift(F.one)), F.num(1, 2), n)
            return ps.ps_log(F, ps.ps_add(F, s, root), n)
        if name == "atanh":
            one = self.lift(F.one)
            num = ps.ps_add(F, one, s)
            den = ps.ps_add(F, one, [F.simp(-x) for x in s])
            return ps.ps_scale(F, ps.ps_log(F, ps.ps_div(F, num, den, n), n), F.num(1, 2))
        raise AssertionError(name)


# --------------------------------------------------------------------------------------------
# the tree walk
# --------------------------------------------------------------------------------------------


class _Walker(ps.MemoWalker):
    """Evaluate a sympy expression tree as truncated power series in ``var``.

    Returns ``(is_series, value)``; sub-expressions free of ``var`` stay scalars.  Each
    distinct sub-expression is evaluated once (memoised on the sympy node).
    """

    def __init__(self, backend, var, point=None):
        self.be = backend
        self.var = var
        self.point = point
        self.memo = {}

    def scalar(self, e):
        is_series, value = self(e)
        assert not is_series
        return value


    def _eval(self, e):
        be = self.be
        if self.var is not None and e == self.var:
            return True, be.var(self.point)
        if e.is_Number or e.is_NumberSymbol:
            return False, be.number(e)
        if e.is_Add or e.is_Mul:
            parts = [self(a) for a in e.args]
            scalars = [v for s, v in parts if not s]
            series = [v for s, v in parts if s]
            if e.is_Add:
                acc_s = sum(scalars[1:], scalars[0]) if scalars else None
                if not series:
                    return False, acc_s
                acc = series[0]
                for t in series[1:]:
                    acc = be.add(acc, t)
                if acc_s is not None:
                    acc = be.add(acc, be.lift(acc_s))
                return True, acc
            acc_s = None
            for v in scalars:
                acc_s = v if acc_s is None else acc_s * v
            if not series:
                return False, acc_s
            acc = series[0]
            for t in series[1:]:
                acc = be.mul(acc, t)
            if acc_s is not None:
                acc = be.mul(acc, acc_s)
            return True, acc
        if e.is_Pow:
            base, expo = e.args
            if self.var is not None and expo.has(self.var):
                return self(sympy.exp(expo * sympy.log(base), evaluate=False))
            is_series, b = self(base)
            if not is_series:
                return False, self._scalar_pow(e, b, expo)
            if expo.is_Integer:
                m = int(expo)
                if m >= 0:
                    return True, be.powi(b, m)
                self._require(e, be.const0(b), "nonzero", "a negative power of a series vanishing there")
                return True, be.powi(be.inv(b), -m)
            if not (expo.is_real and expo.is_number):
                raise HermiteRevError(f"unsupported exponent {expo} in {e}")
            self._require(e, be.const0(b), "positive", "a non-integer power of a series that is not positive there")
            return True, be.pow(b, expo)
        if isinstance(e, sympy.Function) and type(e) in _FUNCS and len(e.args) == 1:
            name = _FUNCS[type(e)]
            is_series, x = self(e.args[0])
            if not is_series:
                return False, self._scalar_func(e, name, x)
            x0 = be.const0(x)
            if name == "log":
                self._require(e, x0, "positive", "the logarithm of a series that is not positive there")
            elif name in ("asin", "acos", "atanh"):
                self._require(e, 1 - x0, "positive", f"{name} at an argument with |x| >= 1")
                self._require(e, 1 + x0, "positive", f"{name} at an argument with |x| >= 1")
            elif name == "tan":
                self._require(e, be.sfunc("cos", x0), "nonzero", "tan at a pole")
            return True, be.func(name, x)
        if isinstance(e, _NOT_ANALYTIC):
            raise NotAnalyticError(
                f"{e} is not analytic (piecewise / non-smooth function {type(e).__name__}); "
                f"a kernel must be a power series in {self.var}")
        raise HermiteRevError(f"unsupported function or node {type(e).__name__} in {e}")

    def _where(self):
        if self.var is None:
            return "as a constant"
        return f"at {self.var} = {self.point if self.point is not None else 0}"

    def _require(self, e, x, what, explain):
        sgn = self.be.sign(x)
        ok = sgn == 1 if what == "positive" else sgn != 0
        if not ok:
            raise NotAnalyticError(f"{e} is not analytic {self._where()}: {explain}")

    def _scalar_pow(self, e, b, expo):
        be = self.be
        if expo.is_Integer:
            if int(expo) < 0 and be.sign(b) == 0:
                raise DivergentSeriesError(f"{e} is infinite {self._where()} (division by zero)")
            return be.spow(b, expo)
        sgn = be.sign(b)
        if sgn < 0:
            raise HermiteRevError(f"{e} is not real {self._where()} (non-integer power of {b})")
        if sgn == 0 and not expo.is_positive:
            raise DivergentSeriesError(f"{e} is infinite {self._where()}")
        return be.spow(b, expo)

    def _scalar_func(self, e, name, x):
        be = self.be
        if name == "log":
            sgn = be.sign(x)
            if sgn == 0:
                raise DivergentSeriesError(f"{e} is infinite {self._where()}")
            if sgn < 0:
                raise HermiteRevError(f"{e} is not real {self._where()}")
        elif name in ("asin", "acos") and (be.sign(1 - x) < 0 or be.sign(1 + x) < 0):
            raise HermiteRevError(f"{e} is not real {self._where()} (argument outside [-1, 1])")
        elif name == "atanh" and (be.sign(1 - x) <= 0 or be.sign(1 + x) <= 0):
            raise DivergentSeriesError(f"{e} is not finite {self._where()}")
        return be.sfunc(name, x)


# --------------------------------------------------------------------------------------------
# precision context and conversions
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _flint_ctx(prec_bits, cap):
    old_prec, old_cap = flint.ctx.prec, flint.ctx.cap
    flint.ctx.prec, flint.ctx.cap = prec_bits, cap
    try:
        yield
    finally:
        flint.ctx.prec, flint.ctx.cap = old_prec, old_cap


def to_mpf(x: flint.arb) -> mpmath.mpf:
    """The midpoint of an arb ball as an mpmath number (rounded to mpmath's precision)."""
    man, exp = x.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


def _rad(x: flint.arb) -> mpmath.mpf:
    man, exp = x.rad().man_exp()
    with mpmath.workprec(64):
        return mpmath.mpf((int(man), int(exp)), rounding="u")


def _rel_bits(x: flint.arb):
    """Relative accuracy of a ball in bits (inf for exact, -inf when it contains 0 and isn't 0)."""
    if x.is_exact():
        return math.inf
    if x.contains(0):
        return -math.inf
    return x.rel_accuracy_bits()


# --------------------------------------------------------------------------------------------
# public
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tail:
    """Bound on what truncation drops: ``K(1) - sum_{k<n} a_k``.

    For a kernel with non-negative coefficients this is the largest error of the truncated
    series on [-1, 1].  ``bound`` is an upper bound (rigorous when ``rigorous``), ``estimate``
    the midpoint value, ``k1`` the value K(1).
    """

    bound: mpmath.mpf
    estimate: mpmath.mpf
    k1: mpmath.mpf
    rigorous: bool

    def __float__(self):
        return float(self.bound)

    def __repr__(self):
        tag = "" if self.rigorous else ", not rigorous"
        from ._text import format_bound, format_value

        return f"Tail(<= {format_bound(self.bound, 5)}{tag}; K(1) = {format_value(self.k1, digits=12)})"


class TaylorCoeffs(list):
    """Taylor coefficients ``a_0 .. a_{n-1}`` (a list) that also say how they were obtained.

    Attributes
    ----------
    expr : sympy.Expr
        The kernel.
    dps : int or None
        Digits each coefficient is correct to (None when exact).
    errors : list of mpmath.mpf
        Absolute error bound of each coefficient (zeros when exact).
    exact : bool
        Whether the entries are exact sympy numbers.
    rigorous : bool
        Whether the error bounds are proven (ball arithmetic) rather than estimated.
    tail : Tail
        Bound on K(1) - sum of the coefficients (computed on first access).
    """

    def __init__(self, values, *, expr, dps, errors, exact, rigorous, engine):
        super().__init__(values)
        self.expr = expr
        self.dps = dps
        self.errors = errors
        self.exact = exact
        self.rigorous = rigorous
        self.engine = engine
        self._tail = None

    @property
    def n(self):
        return len(self)

    @property
    def tail(self) -> Tail:
        if self._tail is None:
            self._tail = _tail_bound(self)
        return self._tail

    @property
    def max_error(self):
        return max(self.errors) if self.errors else mpmath.mpf(0)

    def __repr__(self):
        if len(self) <= 12:
            return super().__repr__()
        from ._text import format_bound, format_value

        errs = list(self.errors) if self.errors else [None] * self.n

        def fmt(i):  # the digits each coefficient's error allows, at most 8
            return str(self[i]) if self.exact else format_value(self[i], errs[i], digits=8)

        head = ", ".join(fmt(i) for i in range(6))
        tail = ", ".join(fmt(i) for i in range(self.n - 2, self.n))
        how = "exact" if self.exact else f"dps={self.dps}, max abs error {format_bound(self.max_error, 3)}"
        return f"[{head}, ..., {tail}]  # TaylorCoeffs n={self.n}, {how}"

    def plot(self, ax=None, closed_form=True, label=None, **kwargs):
        """Plot the truncated series on [-1, 1], and the kernel itself with the residual near c = 1
        and the tail bound when it is an expression in c (see :func:`hermite_rev.plots.plot_kernel`)."""
        from .plots import plot_kernel

        K = self.expr if closed_form and self.expr.has(c) else None
        return plot_kernel(K, coeffs=self, ax=ax, label=label, **kwargs)

    def summary(self) -> str:
        how = "exact" if self.exact else f"{self.dps} digits, max abs error {mpmath.nstr(self.max_error, 3)}"
        return f"TaylorCoeffs(n={self.n}, {how}, engine={self.engine}, tail={self.tail!r})"


def _eval_arb(expr, n, prec, var=c, point=None):
    with _flint_ctx(prec, n):
        backend = _ArbBackend(n)
        is_series, value = _Walker(backend, var, point)(expr)
        if not is_series:
            value = backend.lift(value)
        coeffs = value.coeffs()
    coeffs = list(coeffs) + [flint.arb(0)] * (n - len(coeffs))
    return coeffs


def _required_bits(dps):
    return int(math.ceil(dps * _LOG2_10)) + 4


def _taylor_arb(expr, n, dps):
    need = _required_bits(dps)
    prec = need + 32 + int(10 * math.log2(n + 1))
    for _ in range(12):
        try:
            coeffs = _eval_arb(expr, n, prec)
        except _Undecided:
            prec *= 2
            continue
        if not all(x.is_finite() for x in coeffs):
            bad = next(k for k, x in enumerate(coeffs) if not x.is_finite())
            # a non-finite ball at moderate precision means cancellation blew up: retry
            if prec < 16 * need + 4096:
                prec *= 2
                continue
            raise NotAnalyticError(f"{expr}: coefficient {bad} is not finite; not analytic at c = 0?")
        scale = max((abs(to_mpf(x)) for x in coeffs), default=mpmath.mpf(0))
        shortfall = 0
        for x in coeffs:
            bits = _rel_bits(x)
            if bits == -math.inf:
                # contains zero: require an absolute error 2^-need relative to the scale
                if scale == 0:
                    continue
                r = _rad(x)
                if r == 0:
                    continue
                absbits = -mpmath.log(r / scale, 2)
                if absbits < need:
                    shortfall = max(shortfall, int(need - absbits) + 1)
            elif bits < need:
                shortfall = max(shortfall, need - bits)
        if shortfall == 0:
            return coeffs, prec
        prec += max(shortfall + 32, prec // 4)
    raise HermiteRevError(f"could not reach {dps} digits for the Taylor coefficients of {expr} "
                          f"(working precision reached {prec} bits)")


def taylor(K, n, dps=30, *, exact=False, engine="arb"):
    r"""Taylor coefficients of a kernel at c = 0.

    .. math:: K(c) = \sum_{k \ge 0} a_k c^k

    Parameters
    ----------
    K : sympy.Expr or str
        Expression in :data:`hermite_rev.c` (strings are parsed safely).
    n : int
        Number of coefficients, a_0 .. a_{n-1}.
    dps : int
        Decimal digits each coefficient is correct to (ignored when ``exact``).
    exact : bool
        Return exact sympy numbers (rationals, pi, radicals) instead of mpmath numbers.
    engine : {"arb", "mpmath"}
        "arb" (default): python-flint ball arithmetic, proven error bounds.  "mpmath": the
        same recurrences in plain mpmath at ``dps`` + 20 digits (no proof; an oracle).

    Returns
    -------
    TaylorCoeffs
        A list of ``n`` numbers with ``.errors``, ``.tail`` and ``.dps``.

    Raises
    ------
    ValueError
        ``n <= 0``, ``dps <= 0``, a free symbol other than ``c``, or an expression not
        analytic at c = 0 (e.g. ``sqrt(c)``).

    Examples
    --------
    >>> import hermite_rev as hr, sympy
    >>> [mpmath.nstr(a, 10) for a in hr.taylor(sympy.exp(hr.c), 4, dps=10)]
    ['1.0', '1.0', '0.5', '0.1666666667']
    >>> hr.taylor(hr.kernels.arccos(1), 4, exact=True)
    [1/pi, 1/2, 1/(2*pi), 0]
    """
    n = check_positive_int(n, "n")
    expr = as_expr(K, c, name="kernel")
    if exact:
        F = ps.SympyField()
        try:
            is_series, value = _Walker(_ListBackend(n, F), c)(expr)
        except _Undecided:
            raise HermiteRevError(f"cannot decide the sign of a constant term of {expr} exactly") from None
        values = value if is_series else ps.ps_const(F, value, n)
        values = [sympy.nsimplify(v) if v.is_Float else v for v in values]
        return TaylorCoeffs(values, expr=expr, dps=None, errors=[mpmath.mpf(0)] * n, exact=True,
                            rigorous=True, engine="sympy")
    dps = check_positive_int(dps, "dps")
    if engine == "mpmath":
        with mpmath.workdps(dps + 20):
            try:
                is_series, value = _Walker(_ListBackend(n, ps.MpField()), c)(expr)
            except _Undecided:  # pragma: no cover - mpmath decides every sign
                raise
            values = value if is_series else ps.ps_const(ps.MpField(), value, n)
        with mpmath.workdps(dps):
            values = [+v for v in values]
        return TaylorCoeffs(values, expr=expr, dps=dps, errors=[mpmath.mpf(0)] * n, exact=False,
                            rigorous=False, engine="mpmath")
    if engine != "arb":
        raise HermiteRevError(f"engine must be 'arb' or 'mpmath', got engine={engine!r}")
    balls, prec = _taylor_arb(expr, n, dps)
    return _from_balls(balls, expr=expr, dps=dps)


def _from_balls(balls, *, expr, dps):
    with mpmath.workdps(dps):
        values = [to_mpf(x) for x in balls]
        ulp = mpmath.mpf(2) ** (-mpmath.mp.prec)
        errors = [_rad(x) + abs(v) * ulp for x, v in zip(balls, values)]
    out = TaylorCoeffs(values, expr=expr, dps=dps, errors=errors, exact=False, rigorous=True,
                       engine="arb")
    out._balls = balls
    return out


def evaluate_at(expr, point, dps=30):
    """Rigorous value of ``expr`` (in c) at ``c = point`` as ``(value, error_bound)``.

    The substitution is first done exactly in sympy (so boundary values such as
    ``acos(1)`` simplify), then the constant is evaluated in ball arithmetic at increasing
    precision.  Raises :class:`DivergentSeriesError` when the value is infinite.
    """
    expr = as_expr(expr, c, name="kernel")
    # Floats are exact binary numbers: make them Rationals so that sympy's substitution does
    # not round their sum or product at the Floats' precision
    exact_expr = expr.xreplace({f: sympy.Rational(f) for f in expr.atoms(sympy.Float)})
    const = exact_expr.subs(c, point)
    if const.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan):
        raise DivergentSeriesError(f"{expr} is infinite at c = {point}")
    if const.has(sympy.I) and sympy.im(const.evalf(30)) != 0:
        raise DivergentSeriesError(f"{expr} is not real at c = {point} (it is {const}): a branch point lies in "
                                   f"[0, {point}], so its Taylor series at 0 does not converge to it there")
    need = _required_bits(dps)
    prec = need + 32
    for _ in range(8):
        try:
            with _flint_ctx(prec, 1):
                is_series, value = _Walker(_ArbBackend(1), None)(const)
        except _Undecided:
            prec *= 2
            continue
        if value.is_finite() and (value.is_exact() or value.contains(0) and _rad(value) < mpmath.mpf(2) ** -need
                                  or _rel_bits(value) >= need):
            with mpmath.workdps(dps):
                return to_mpf(value), _rad(value)
        prec *= 2
    raise HermiteRevError(f"could not evaluate {expr} at c = {point} to {dps} digits "
                          f"(the value {const} is on the boundary of a function's domain)")


def _tail_bound(tc: TaylorCoeffs) -> Tail:
    dps = tc.dps or 30
    k1, k1_err = evaluate_at(tc.expr, 1, dps + 10)
    with mpmath.workdps(dps + 10):
        values = [mpmath.mpf(sympy.N(a, dps + 10)) for a in tc] if tc.exact else list(tc)
        partial = mpmath.fsum(values)
        err = k1_err + mpmath.fsum(tc.errors) + (abs(k1) + abs(partial)) * mpmath.mpf(2) ** (-mpmath.mp.prec + 2)
        estimate = k1 - partial
        bound = estimate + err
        nonneg = all(a >= -e for a, e in zip(values, tc.errors))
    if nonneg:
        # Non-negative coefficients: K(1) - partial sum is a tail only if the series converges
        # to K on [0, 1].  Two checks that can prove it does not (both are necessary conditions).
        if bound < 0:
            raise DivergentSeriesError(
                f"the first {len(tc)} Taylor coefficients of {tc.expr} are non-negative and sum to more than "
                f"K(1) = {mpmath.nstr(k1, 10)} (by {mpmath.nstr(-estimate, 5)}): its series diverges at c = 1 "
                f"or has negative coefficients beyond those computed")
        _check_increasing(tc.expr, k1)
    return Tail(bound=bound, estimate=estimate, k1=k1, rigorous=tc.rigorous)


class _MpProgram(ps.MemoWalker):
    """An expression in c compiled once into straight-line mpmath code (shared nodes once).

    ``prog(x)`` evaluates it at a point; nodes without an mpmath counterpart fall back to sympy.
    """

    def __init__(self, expr, dps):
        self.dps, self.memo, self.ops = dps, {}, []
        self.out = self(expr)

    def _emit(self, op, *args):
        self.ops.append((op, args))
        return len(self.ops) - 1

    def _eval(self, e):
        if e == c:
            return self._emit("x")
        if not e.has(c):
            v = sympy.N(e, self.dps)
            return self._emit("const", mpmath.mpf(v) if v.is_real else mpmath.mpc(complex(v)))
        if e.is_Add or e.is_Mul or e.is_Pow:
            return self._emit(mpmath.fsum if e.is_Add else mpmath.fprod if e.is_Mul else "pow",
                              *[self(a) for a in e.args])
        fn = getattr(mpmath, type(e).__name__, None) if isinstance(e, sympy.Function) else None
        if fn is None:
            return self._emit("sympy", e)
        return self._emit("fn", fn, *[self(a) for a in e.args])

    def __call__(self, e):
        if isinstance(e, sympy.Basic):
            return super().__call__(e)
        x, vals = e, []
        for op, args in self.ops:
            if op == "x":
                v = x
            elif op == "const":
                v = args[0]
            elif op == "pow":
                v = mpmath.power(vals[args[0]], vals[args[1]])
            elif op == "fn":
                v = args[0](*[vals[a] for a in args[1:]])
            elif op == "sympy":
                v = mpmath.mpmathify(sympy.N(args[0].subs(c, x), self.dps))
            else:
                v = op([vals[a] for a in args])
            vals.append(v)
        return vals[self.out]


def _check_increasing(expr, k1):
    """Raise unless K is real and non-decreasing on a grid of [0, 1].

    A power series with non-negative coefficients that converges at c = 1 is real, finite and
    non-decreasing on [0, 1].  The grid (64 uniform points and 1 - 2^-i, i = 1..48) finds a
    pole or branch point of the expression in (0, 1): past an even-order pole K decreases (two
    grid points there suffice), and a pole at 1 - delta always has a grid point between it and
    1 at less than delta / 2 from it, where |K| exceeds K(1).  Evaluated at 30 digits; at
    c = 1 the value ``k1`` (from :func:`evaluate_at`) is used.
    """
    grid = sorted({i / 64 for i in range(64)} | {1 - 2.0 ** -i for i in range(1, 49)})
    dps = 30
    with mpmath.workdps(dps):
        prog = _MpProgram(expr, dps)
        prev_x, prev = None, None
        for x in grid + [1]:
            try:
                v = prog(mpmath.mpf(x)) if x < 1 else k1
            except (ZeroDivisionError, ValueError, OverflowError):
                v = mpmath.inf
            if isinstance(v, mpmath.mpc):
                if abs(v.imag) > abs(v.real) * mpmath.mpf(10) ** (-dps // 2):
                    raise DivergentSeriesError(
                        f"{expr} is not real at c = {x} (value {mpmath.nstr(v, 8)}): it has a branch point in "
                        f"[0, 1], so its Taylor series at 0 does not converge to it at c = 1")
                v = v.real
            if not mpmath.isfinite(v):
                raise DivergentSeriesError(f"{expr} is infinite at c = {x}: its Taylor series diverges before c = 1")
            if prev is not None and v < prev - (abs(prev) + 1) * mpmath.mpf(10) ** (-dps // 2):
                raise DivergentSeriesError(
                    f"{expr} decreases on [0, 1] (K({prev_x}) = {mpmath.nstr(prev, 8)} > K({x}) = "
                    f"{mpmath.nstr(v, 8)}), which no convergent series with non-negative coefficients does: "
                    f"its series diverges before c = 1 or has negative coefficients beyond those computed")
            prev_x, prev = x, v
