r"""The layer recursion of a stationary deep net, written once over a number type.

Place: the bottom of :mod:`hermite_rev.deep`; imports :mod:`hermite_rev._core` and
:mod:`hermite_rev.series` only.

Index
-----
layer_recursion   the depth-L NNGP/NTK of a dual kernel g at x: THE recursion, over any numbers
SeriesOps         g and g' of a python-flint series (composition when its constant term is 0)
PointOps          g and g' of a number or a numpy array (Horner: fmpq, arb, mpf, float64)
Jet, JetOps       float64 arrays carrying their Jacobian d/dg (forward mode, for the fit)
deep_forward      public: the first n Taylor coefficients of the depth-L kernel of g
composed_forward  the same with sigma_b = 0 and readout 1, exact or in balls (the root's)
forward_at_one    the depth-L kernel at c = 1
numpy_forward     at float64 points, optionally with its Jacobian in g
mpmath_forward    at one point, in mpmath
fmpq_of, arb_of, ball_of, ball_mpf, mpf_of, coefficients   numbers: rationals, balls, mpmath
sigmas            sigma_w^2, sigma_b^2 and q* = sigma_w^2 + sigma_b^2, exact and checked

The recursion (see :mod:`hermite_rev.deep`): with :math:`A(x) = (\sigma_w^2 x + \sigma_b^2)/q^*`,
:math:`\Sigma_0 = c`, :math:`\Theta_0 = 0`,

.. math:: \rho_l = A(\Sigma_{l-1}), \quad \Sigma_l = g(\rho_l), \quad
          \Theta_l = \frac{\sigma_w^2 \Sigma_{l-1} + \sigma_b^2 + \sigma_w^2 \Theta_{l-1}}{q^*}\, g'(\rho_l),

and the kernel is :math:`s\,\Sigma_L` (NNGP) or :math:`s\,(\Sigma_L + \Theta_L)` (NTK).  It only
adds, multiplies and divides by numbers, so one function serves exact series, ball series, balls,
mpmath numbers, numpy arrays and Jets; an *ops* object supplies :math:`g(\rho), g'(\rho)`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import flint
import mpmath
import numpy as np
import sympy

from .._core.errors import HermiteRevError
from .._core.limits import LIMITS
from .._core.precision import arb_exact, flint_ctx, to_mpf
from .._core.text import short
from .._core.validate import check_kind, exact_number, public
from ..series import evaluate_at

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._core.typing import ArrayLike, FloatArray, Kind, RealLike

__all__ = [
    "layer_recursion",
    "SeriesOps",
    "PointOps",
    "Jet",
    "JetOps",
    "deep_forward",
    "composed_forward",
    "forward_at_one",
    "numpy_forward",
    "mpmath_forward",
    "fmpq_of",
    "arb_of",
    "ball_of",
    "ball_mpf",
    "mpf_of",
    "coefficients",
    "sigmas",
]


# --------------------------------------------------------------------------------------------
# the recursion
# --------------------------------------------------------------------------------------------


def layer_recursion(ops: Any, x: Any, depth: int, kind: str, sw2: Any, sb2: Any, qs: Any, s: Any) -> Any:
    r"""The depth-L NNGP (:math:`s\Sigma_L`) or NTK (:math:`s(\Sigma_L + \Theta_L)`) at ``x``.

    ``x`` is the input correlation c (a series variable, a number, an array or a Jet); ``ops.dual``
    gives :math:`g(\rho), g'(\rho)` for values of its type; ``sw2, sb2, qs, s`` are numbers that
    combine with it (:math:`\sigma_w^2, \sigma_b^2, q^*` and the readout variance).
    """
    identity = sb2 == 0 and sw2 == qs  # A is the identity: rho_l = Sigma_{l-1} (keeps rho(0) = 0 exact)
    S, T = x, x * 0
    for _ in range(depth):
        pre = S * sw2 + sb2
        rho = S if identity else pre / qs
        g0, g1 = ops.dual(rho)
        T = (pre + T * sw2) * g1 / qs
        S = g0
    return S * s if kind == "nngp" else (S + T) * s


def _derivative(g: Sequence[Any] | FloatArray) -> list[Any]:
    return [k * g[k] for k in range(1, len(g))] or [g[0] * 0]


def _horner(g: Sequence[Any], x: Any) -> Any:
    """g(x) = sum_k g_k x^k for numbers, arrays or series x (Horner)."""
    acc = x * 0 + g[-1]
    for gk in reversed(g[:-1]):
        acc = acc * x + gk
    return acc


class PointOps:
    """:math:`g(\\rho), g'(\\rho)` by Horner, for numbers (fmpq, arb, mpf) or numpy arrays."""

    def __init__(self, g: Sequence[Any] | FloatArray) -> None:
        self.g, self.dg = list(g), _derivative(g)

    def dual(self, rho: Any) -> tuple[Any, Any]:
        return _horner(self.g, rho), _horner(self.dg, rho)


class SeriesOps:
    """:math:`g(\\rho), g'(\\rho)` for python-flint series to ``n`` terms (``fmpq_series`` when
    ``exact``, else ``arb_series``): by composition when :math:`\\rho(0) = 0` exactly (then terms of
    g beyond :math:`c^n` cannot contribute), else by Horner."""

    def __init__(self, g: Sequence[Any], n: int, exact: bool) -> None:
        self.n, self.g, self.dg = n, list(g), _derivative(g)
        self.series: Any = flint.fmpq_series if exact else flint.arb_series
        self.G = self.series(self.g[: n + 1], prec=n + 1)
        self.dG = self.G.derivative()

    def variable(self) -> Any:
        """The input correlation c as a series."""
        return self.series([0, 1], prec=self.n)

    def dual(self, rho: Any) -> tuple[Any, Any]:
        cs = rho.coeffs()
        if not cs or cs[0] == 0:
            return self.G(rho), self.dG(rho)
        return _horner(self.g, rho), _horner(self.dg, rho)


class Jet:
    """Values ``v`` (float64, shape (M,)) with their Jacobian ``d`` (shape (M, n)) in the n
    coefficients of g; adds and multiplies with Jets and numbers, divides by numbers."""

    __slots__ = ("d", "v")

    def __init__(self, v: FloatArray, d: FloatArray) -> None:
        self.v, self.d = v, d

    def __add__(self, o: Any) -> Jet:
        return Jet(self.v + o.v, self.d + o.d) if isinstance(o, Jet) else Jet(self.v + o, self.d)

    __radd__ = __add__

    def __mul__(self, o: Any) -> Jet:
        if isinstance(o, Jet):
            return Jet(self.v * o.v, self.d * o.v[:, None] + o.d * self.v[:, None])
        return Jet(self.v * o, self.d * o)

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Jet:
        return Jet(self.v / o, self.d / o)


class JetOps:
    """:math:`g(\\rho), g'(\\rho)` as Jets: :math:`\\partial_{g_k} g(\\rho) = \\rho^k + g'(\\rho)\\,
    \\partial\\rho` and :math:`\\partial_{g_k} g'(\\rho) = k\\rho^{k-1} + g''(\\rho)\\,\\partial\\rho`."""

    def __init__(self, g: ArrayLike) -> None:
        self.g = np.asarray(g, dtype=float)
        n = len(self.g)
        self.dg = np.arange(1, n) * self.g[1:] if n > 1 else np.zeros(1)
        self.ddg = np.arange(1, n - 1) * self.dg[1:] if n > 2 else np.zeros(1)
        self.ks = np.arange(n)

    def dual(self, rho: Jet) -> tuple[Jet, Jet]:
        P = np.polynomial.polynomial
        r, ks = rho.v, self.ks
        powers = r[:, None] ** ks[None, :]
        dpowers = np.zeros_like(powers)
        dpowers[:, 1:] = ks[None, 1:] * r[:, None] ** (ks[None, 1:] - 1)
        g1, g2 = P.polyval(r, self.dg), P.polyval(r, self.ddg)
        return Jet(P.polyval(r, self.g), powers + g1[:, None] * rho.d), Jet(g1, dpowers + g2[:, None] * rho.d)


# --------------------------------------------------------------------------------------------
# the recursion on each number type
# --------------------------------------------------------------------------------------------


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
    stationary variance :math:`q^* = \sigma_w^2 + \sigma_b^2`, see :mod:`hermite_rev.deep`);
    ``readout`` is :math:`s = \sigma_{w,\mathrm{last}}^2`.  Returns python-flint ``fmpq``
    (``exact=True``; needs rational input) or ``arb`` balls.

    Examples
    --------
    >>> from hermite_rev.deep import deep_forward
    >>> [str(x) for x in deep_forward([0, "1/2", "1/2"], 2, "nngp", 5, exact=True)]
    ['0', '1/4', '3/8', '1/4', '1/8']
    """
    with flint_ctx(flint.ctx.prec, max(flint.ctx.cap, n + 8)):
        kind = check_kind(kind)
        sw2, sb2, qs = sigmas(sigma_w, sigma_b)
        coeffs: list[Any]
        nums: list[Any]
        if exact:
            coeffs = [fmpq_of(x) for x in g]
            nums = [fmpq_of(v) for v in (sw2, sb2, qs, readout)]
        else:
            coeffs = [arb_of(sympy.Rational(x) if isinstance(x, (str, int)) else x) for x in g]
            nums = [
                arb_of(sympy.Rational(v)) if isinstance(v, (int, str)) else ball_of(v) for v in (sw2, sb2, qs, readout)
            ]
        ops = SeriesOps(coeffs, n, bool(exact))
        return coefficients(layer_recursion(ops, ops.variable(), depth, kind, *nums), n)


def composed_forward(kappa: Sequence[Any], depth: int, kind: Kind, n: int, exact: bool) -> list[Any]:
    """:func:`deep_forward` with sigma_b = 0 and readout 1 (``fmpq`` or ``arb`` coefficients
    of the dual kernel, ``kappa(0) = 0``): the forward map of the compositional root."""
    one = flint.fmpq(1) if exact else flint.arb(1)
    ops = SeriesOps(kappa, n, exact)
    return coefficients(layer_recursion(ops, ops.variable(), depth, kind, one, one * 0, one, one), n)


def forward_at_one(g: Sequence[Any], depth: int, kind: str, sw2: Any, sb2: Any, qs: Any, s: Any) -> Any:
    """The depth-L kernel at c = 1 (numbers of g's type)."""
    return layer_recursion(PointOps(g), g[0] * 0 + 1, depth, kind, sw2, sb2, qs, s)


def numpy_forward(
    g: ArrayLike,
    cs: FloatArray,
    depth: int,
    kind: str,
    sw2: float,
    sb2: float,
    qs: float,
    s: float,
    jac: bool = False,
) -> Any:
    """The depth-L kernel of the dual kernel ``g`` at the cosines ``cs`` (float64), and with ``jac``
    also its Jacobian in g (shape (len(cs), len(g))).

    ``sw2, sb2, qs, s`` are sigma_w^2, sigma_b^2, q* = sigma_w^2 + sigma_b^2 and the readout
    variance, e.g. those of a :class:`~hermite_rev.deep.DeepReport` (``report.dual`` is g).
    """
    if not jac:
        return layer_recursion(PointOps(np.asarray(g, dtype=float)), cs, depth, kind, sw2, sb2, qs, s)
    x = Jet(np.asarray(cs, dtype=float), np.zeros((len(cs), np.size(g))))
    F = layer_recursion(JetOps(g), x, depth, kind, sw2, sb2, qs, s)
    return F.v, F.d


def mpmath_forward(g: Sequence[Any], x: Any, depth: int, kind: str, sw2: Any, sb2: Any, qs: Any, s: Any) -> Any:
    """The depth-L kernel at one point x, in mpmath at the working precision."""
    return layer_recursion(PointOps(g), x, depth, kind, sw2, sb2, qs, s)


# --------------------------------------------------------------------------------------------
# numbers: exact (fmpq), balls (arb), mpmath
# --------------------------------------------------------------------------------------------


def fmpq_of(x: Any) -> flint.fmpq:
    """An exact rational (fmpq, sympy Rational, int, str "1/2") as an fmpq."""
    if isinstance(x, flint.fmpq):
        return x
    x = sympy.Rational(x)
    return flint.fmpq(int(x.p), int(x.q))


def arb_of(x: Any) -> flint.arb:
    """A ball of an arb, a rational (fmpq, Fraction, int, sympy) or an mpmath number (exact)."""
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
        return arb_exact(x)
    raise TypeError(f"cannot make a ball of {x!r}")


def ball_of(v: Any) -> flint.arb:
    """A ball enclosing a real sympy number (or a ball / fmpq), at python-flint's precision."""
    if isinstance(v, (flint.arb, flint.fmpq)):
        return arb_of(v)
    v = sympy.sympify(v)
    if v.is_Rational:
        return arb_of(v)
    digits = int(flint.ctx.prec / 3.3) + 5
    with mpmath.workdps(digits):
        val, err = evaluate_at(v, 0, digits)
        return ball_mpf(val, err)


def ball_mpf(v: Any, e: Any) -> flint.arb:
    """The arb ball [v +- e] for mpmath numbers (v exact in binary, e rounded up)."""
    mid = arb_exact(v)
    err = arb_exact(mpmath.mpf(e))
    return flint.arb(mid, mid.rad() + err.mid() + err.rad())


def mpf_of(x: Any, dps: int) -> mpmath.mpf:
    """An fmpq (exactly, then rounded) or the midpoint of an arb as an mpmath number."""
    if isinstance(x, flint.fmpq):
        return mpmath.mpf(int(x.p)) / int(x.q)
    with mpmath.workdps(dps + 10):
        return to_mpf(x)


def coefficients(series: Any, n: int) -> list[Any]:
    """The first n coefficients of a python-flint series (it drops trailing zeros: put them back)."""
    cs = list(series.coeffs())[:n]
    zero = flint.fmpq(0) if isinstance(series, flint.fmpq_series) else flint.arb(0)
    return cs + [zero] * (n - len(cs))


def sigmas(sigma_w: RealLike, sigma_b: RealLike) -> tuple[sympy.Expr, sympy.Expr, sympy.Expr]:
    """sigma_w^2, sigma_b^2 and q* = sigma_w^2 + sigma_b^2, exactly (sigma_w must be nonzero).

    Both must lie within ``10^-e <= |sigma_w| <= 10^e``, ``|sigma_b| <= 10^e`` with
    ``e = LIMITS["sigma_exponent"]`` (150): their squares are then normal float64 numbers, which
    the fit route and the float checks compute with (before, ``sigma_w=1e300`` ended in a scipy
    error and ``sigma_w=1e-300`` was called zero).
    """
    sw = exact_number(sigma_w, "sigma_w")
    sb = exact_number(sigma_b, "sigma_b")
    e = LIMITS["sigma_exponent"]
    big = sympy.Integer(10) ** e
    why = f"supported: 1e-{e} <= |sigma_w| <= 1e{e} and |sigma_b| <= 1e{e}, whose squares are float64 numbers"
    if sw == 0:
        raise HermiteRevError(
            f"sigma_w must be nonzero (with sigma_w = 0 every layer forgets its input), got sigma_w={sigma_w!r}"
        )
    for name, value, given in (("sigma_w", sw, sigma_w), ("sigma_b", sb, sigma_b)):
        size = abs(value)
        if size > big:
            raise HermiteRevError(f"{name}={short(given, 40)} is too large: {name}**2 overflows float64 ({why})")
        if name == "sigma_w" and size * big < 1:
            raise HermiteRevError(f"{name}={short(given, 40)} is too small: {name}**2 underflows float64 ({why})")
    # nsimplify simplifies radicals (sqrt(2)**2) but rounds a rational below its tolerance to 0
    sw2, sb2 = (v**2 if (v**2).is_Rational else sympy.nsimplify(v**2) for v in (sw, sb))
    if not sw2.is_positive:
        raise HermiteRevError(
            f"sigma_w must be nonzero (with sigma_w = 0 every layer forgets its input), got sigma_w={sigma_w!r}"
        )
    return sw2, sb2, sw2 + sb2
