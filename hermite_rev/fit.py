r"""Bounded trainable activations fitted to a target kernel in kernel space.

Index
-----
ReLU, Cos, Sin, Erf, Poly    basis functions with closed-form Hermite coefficients
Form                         a sum of bases: Hermite coefficients, exact 1HL kernel, Jacobians
paper_form                   a*ReLU(z - b) + c*z + d + e*cos(f*z + g) (Simon et al. 2022)
fit_kernel                   least squares in kernel space (analytic Jacobian, restarts) -> FitResult
FitResult                    parameters, sup kernel error on [-1, 1], seconds, .activation(n)

Why.  Hermite-series activations grow like polynomials; the paper instead trained the bounded
form ``a*ReLU(z - b) + c*z + d + e*cos(f*z + g)`` by Nelder-Mead on empirical NTKs.  Every basis
here has closed-form Hermite coefficients :math:`b_k(\theta) = E[\phi_\theta(Z) h_k(Z)]`:

- ``ReLU(z - t)``: :math:`b_0 = \varphi(t) - t\Phi(-t)`, :math:`b_1 = \Phi(-t)`,
  :math:`b_k = \varphi(t)\,\mathrm{He}_{k-2}(t)/\sqrt{k!}` (k >= 2);
- ``cos(f z + g)``: :math:`b_k = e^{-f^2/2} f^k \cos(g + k\pi/2)/\sqrt{k!}`;
- ``erf(s z + t)``: with :math:`\sigma = \sqrt{1+2s^2}`, :math:`u = t/\sigma`:
  :math:`b_0 = \mathrm{erf}(u)`, :math:`b_k = \frac{2}{\sqrt{\pi}}(-1)^{k-1}
  (\sqrt2 s/\sigma)^k\, h_{k-1}(\sqrt2 u)\, e^{-u^2} / \sqrt{2k}` (k >= 1);
- polynomials: the exact change of basis z^j -> h_k,

(Stein's identity :math:`E[f(Z)\mathrm{He}_k(Z)] = E[f^{(k)}(Z)]`, with
:math:`\varphi, \Phi` the standard normal pdf and cdf).  The one-hidden-layer kernel of a form
(sigma_w = 1, sigma_b = 0, the convention of :func:`hermite_rev.reverse`) is then analytic in
the parameters.  Its power-law part (a ReLU's :math:`b_k^2 \sim k^{-5/2}` gives a
:math:`\sqrt{1-c}` singularity that no truncated series resolves) is evaluated in closed form:

.. math:: E[(u-t)_+(v-t)_+] = (t^2+\rho)L - 2t\varphi(t)\Phi(-\delta)
          + \frac{\sqrt{1-\rho^2}}{\sqrt{2\pi}}\varphi\!\left(t\sqrt{2/(1+\rho)}\right),
          \quad L = P(u>t, v>t) = \Phi(-t) - 2T\!\left(t, \sqrt{\tfrac{1-\rho}{1+\rho}}\right),

:math:`\delta = t\sqrt{(1-\rho)/(1+\rho)}`, T Owen's function, and the NTK adds
:math:`\rho\, E[\phi'(u)\phi'(v)]` with :math:`E[1_{u>t}1_{v>t}] = L`.  Cross terms with the
smooth bases (whose coefficients decay super-geometrically) are summed as series.  So the fit
minimises the *exact* kernel mismatch on a grid of c in [-1, 1], with the exact Jacobian
(closed forms, and complex-step derivatives of the analytic Hermite coefficients), using
``scipy.optimize.least_squares`` from several random starts.  At most one ReLU basis per form.

The target kernel is fitted as given (no output scale is added: the form's amplitudes carry
the scale).  For the 4-hidden-layer ReLU NTK (sigma_w^2 = 2, sigma_b = 0.1, K(1) = 5.07) see the
README section "lower" for the measured error and time.

References: J. Simon, S. Anand, M. DeWeese, arXiv:2106.03186 (the bounded form);
D. B. Owen, "Tables for computing bivariate normal probabilities", Ann. Math. Stat. 1956.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

import mpmath
import numpy as np
import scipy.optimize
import scipy.special as sp
import sympy
from numpy.polynomial import hermite_e

from ._core.errors import HermiteRevError
from ._core.exprs import c as c_symbol
from ._core.exprs import z
from ._core.limits import check_size
from ._core.text import short
from ._core.validate import as_expr, check_kind, public
from ._core.values import Value
from .family import Activation
from .series import Tail, evaluate_at

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from ._core.typing import ArrayLike, FloatArray, KernelLike, Kind
    from .family import Activation

__all__ = ["ReLU", "Cos", "Sin", "Erf", "Poly", "Form", "paper_form", "fit_kernel", "FitResult"]

_SQRT2PI = math.sqrt(2 * math.pi)
_CSTEP = 1e-30  # complex-step size (derivatives exact to rounding)


def _npdf(t: Any) -> Any:
    return np.exp(-t * t / 2) / _SQRT2PI


def _upper_cdf(t: Any) -> Any:
    """Phi(-t) (complex-step safe)."""
    return sp.erfc(t / math.sqrt(2)) / 2


def _hnorm(x: Any, n: int) -> NDArray[Any]:
    """[h_0(x), ..., h_{n-1}(x)] (complex-safe recurrence)."""
    out = np.empty(max(n, 1), dtype=np.result_type(x, float))
    out[0] = 1.0
    if n > 1:
        out[1] = x
    for k in range(1, n - 1):
        out[k + 1] = (x * out[k] - math.sqrt(k) * out[k - 1]) / math.sqrt(k + 1)
    return out[:n]


# ---------------------------------------------------------------------------------------------
# bases
# ---------------------------------------------------------------------------------------------


class _Basis:
    """A parametric function of z with closed-form Hermite coefficients."""

    names: tuple = ()
    bounds: tuple = ()  # ((lo, hi), ...) for each parameter

    def coeffs(self, p: Sequence[Any] | NDArray[Any], n: int) -> NDArray[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def expr(self, p: Sequence[float] | NDArray[Any]) -> sympy.Expr:  # pragma: no cover - abstract
        raise NotImplementedError

    def jacobian(self, p: ArrayLike, n: int) -> FloatArray:
        """d b_k / d p_j, shape (n, len(p)), by complex steps (b_k is analytic in p)."""
        p = np.asarray(p, dtype=float)
        J = np.empty((n, p.size))
        for j in range(p.size):
            q = p.astype(complex)
            q[j] += 1j * _CSTEP
            J[:, j] = self.coeffs(q, n).imag / _CSTEP
        return J

    @property
    def nparams(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # a basis is a value, equal by its type and parameters (which its repr shows: ``Poly(3)``), so a
    # Form and a FitResult survive a pickle round trip equal
    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))


class ReLU(_Basis):
    """``a * ReLU(z - t)``; parameters (a, t)."""

    names = ("a", "t")
    bounds = ((-10.0, 10.0), (-4.0, 4.0))

    def coeffs(self, p: Sequence[Any] | NDArray[Any], n: int) -> NDArray[Any]:
        a, t = p[0], p[1]
        out = np.zeros(n, dtype=np.result_type(a, t, float))
        pdf = _npdf(t)
        out[0] = a * (pdf - t * _upper_cdf(t))
        if n > 1:
            out[1] = a * _upper_cdf(t)
        if n > 2:
            k = np.arange(2, n)
            out[2:] = a * pdf * _hnorm(t, n - 2) / np.sqrt(k * (k - 1.0))
        return out

    def expr(self, p: Sequence[float] | NDArray[Any]) -> sympy.Expr:
        return sympy.Float(p[0]) * sympy.Max(0, z - sympy.Float(p[1]))


class Cos(_Basis):
    """``e * cos(f z + g)``; parameters (e, f, g)."""

    names = ("e", "f", "g")
    bounds = ((-10.0, 10.0), (-8.0, 8.0), (-math.pi, math.pi))

    def coeffs(self, p: Sequence[Any] | NDArray[Any], n: int) -> NDArray[Any]:
        e, f, g = p[0], p[1], p[2]
        dt = np.result_type(e, f, g, float)
        powk = np.empty(n, dtype=dt)  # f^k / sqrt(k!)
        powk[0] = 1.0
        for k in range(1, n):
            powk[k] = powk[k - 1] * f / math.sqrt(k)
        ks = np.arange(n)
        return e * np.exp(-f * f / 2) * powk * np.cos(g + ks * math.pi / 2)

    def expr(self, p: Sequence[float] | NDArray[Any]) -> sympy.Expr:
        return sympy.Float(p[0]) * sympy.cos(sympy.Float(p[1]) * z + sympy.Float(p[2]))


class Sin(Cos):
    """``e * sin(f z + g)`` = ``e * cos(f z + g - pi/2)``; parameters (e, f, g)."""

    def coeffs(self, p: Sequence[Any] | NDArray[Any], n: int) -> NDArray[Any]:
        return super().coeffs((p[0], p[1], p[2] - math.pi / 2), n)

    def expr(self, p: Sequence[float] | NDArray[Any]) -> sympy.Expr:
        return sympy.Float(p[0]) * sympy.sin(sympy.Float(p[1]) * z + sympy.Float(p[2]))


class Erf(_Basis):
    """``e * erf(s z + t)``; parameters (e, s, t)."""

    names = ("e", "s", "t")
    bounds = ((-10.0, 10.0), (-3.0, 3.0), (-4.0, 4.0))

    def coeffs(self, p: Sequence[Any] | NDArray[Any], n: int) -> NDArray[Any]:
        e, s, t = p[0], p[1], p[2]
        sigma = np.sqrt(1 + 2 * s * s)
        u = t / sigma
        out = np.zeros(n, dtype=np.result_type(e, s, t, float))
        out[0] = e * sp.erf(u)
        if n > 1:
            k = np.arange(1, n)
            ratio = math.sqrt(2) * s / sigma
            powk = np.cumprod(np.full(n - 1, ratio, dtype=out.dtype))
            out[1:] = (
                e
                * 2
                / math.sqrt(math.pi)
                * (-1.0) ** (k - 1)
                * powk
                * _hnorm(math.sqrt(2) * u, n - 1)
                * np.exp(-u * u)
                / np.sqrt(2.0 * k)
            )
        return out

    def expr(self, p: Sequence[float] | NDArray[Any]) -> sympy.Expr:
        return sympy.Float(p[0]) * sympy.erf(sympy.Float(p[1]) * z + sympy.Float(p[2]))


class Poly(_Basis):
    """``sum_j p_j z^j`` (j <= degree); parameters p_0 .. p_degree (linear)."""

    def __init__(self, degree: int = 1) -> None:
        self.degree = int(degree)
        if self.degree < 0:
            raise HermiteRevError(f"polynomial degree must be >= 0, got degree={degree!r}")
        self.names = tuple(f"p{j}" for j in range(self.degree + 1))
        self.bounds = ((-10.0, 10.0),) * (self.degree + 1)
        # z^j = sum_k M[k, j] h_k(z), exact (numpy's hermite_e basis change, times sqrt(k!))

        M = np.zeros((self.degree + 1, self.degree + 1))
        for j in range(self.degree + 1):
            e = np.zeros(j + 1)
            e[j] = 1.0
            he = hermite_e.poly2herme(e)
            M[: he.size, j] = he * np.sqrt([float(math.factorial(k)) for k in range(he.size)])
        self._M = M

    def coeffs(self, p: Sequence[Any] | NDArray[Any], n: int) -> NDArray[Any]:
        p = np.asarray(p)
        b = self._M @ p
        out = np.zeros(n, dtype=b.dtype)
        m = min(n, b.size)
        out[:m] = b[:m]
        return out

    def expr(self, p: Sequence[float] | NDArray[Any]) -> sympy.Expr:
        return sympy.Add(*[sympy.Float(v) * z**j for j, v in enumerate(p)])

    def __repr__(self) -> str:
        return f"Poly({self.degree})"


# ---------------------------------------------------------------------------------------------
# forms and their exact kernels
# ---------------------------------------------------------------------------------------------


def _relu_pair(t: Any, rho: FloatArray) -> tuple[Any, Any, Any, Any]:
    """Unit ReLU(z - t): (E[(u-t)+(v-t)+], P(u>t, v>t)) and their t-derivatives, corr(u, v) = rho."""
    rho = np.clip(rho, -1.0, 1.0)
    s = np.sqrt(np.maximum(1 - rho * rho, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(rho > -1, np.sqrt(np.maximum(1 - rho, 0) / np.maximum(1 + rho, 1e-300)), np.inf)
        delta = np.where(t == 0, 0.0, t * a)
        two_over = np.where(rho > -1, 2.0 / np.maximum(1 + rho, 1e-300), np.inf)
        gauss = np.where(rho > -1, _npdf(np.where(t == 0, 0.0, t * np.sqrt(two_over))), 0.0)
    L = _upper_cdf(t) - 2 * sp.owens_t(t, a)
    up = sp.ndtr(-delta)
    pdf = _npdf(t)
    I = (t * t + rho) * L - 2 * t * pdf * up + s / _SQRT2PI * gauss
    dL = -2 * pdf * up
    dI = -2 * ((1 + rho) * pdf * up - t * L)
    return I, L, dI, dL


@dataclass(frozen=True)
class Form:
    """A trainable activation: the sum of ``bases`` (at most one :class:`ReLU`).

    Parameters are one flat vector, basis after basis, in the order of ``names``.
    """

    bases: tuple
    n_series: int = 512

    def __post_init__(self) -> None:
        bases = tuple(self.bases)
        if not bases or not all(isinstance(b, _Basis) for b in bases):
            raise HermiteRevError(f"a Form needs a sequence of bases (ReLU, Cos, Sin, Erf, Poly), got {self.bases!r}")
        if sum(isinstance(b, ReLU) for b in bases) > 1:
            raise HermiteRevError("a Form may contain at most one ReLU basis (its kernel is evaluated in closed form)")
        object.__setattr__(self, "bases", bases)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f"{type(b).__name__.lower()}{i}.{nm}" for i, b in enumerate(self.bases) for nm in b.names)

    @property
    def nparams(self) -> int:
        return sum(b.nparams for b in self.bases)

    @property
    def bounds(self) -> tuple[FloatArray, FloatArray]:
        bs = [bd for b in self.bases for bd in b.bounds]
        return np.array([lo for lo, _ in bs]), np.array([hi for _, hi in bs])

    def _split(self, params: ArrayLike) -> list[FloatArray]:
        params = np.asarray(params, dtype=float)
        if params.shape != (self.nparams,):
            raise HermiteRevError(f"this form has {self.nparams} parameters {self.names}, got {params.shape}")
        out, i = [], 0
        for b in self.bases:
            out.append(params[i : i + b.nparams])
            i += b.nparams
        return out

    def hermite(self, params: ArrayLike, n: int) -> FloatArray:
        """b_0 .. b_{n-1} of the whole form (float64)."""
        n = check_size(n, "n", "taylor_n")  # closed forms: cheap, but n=10**9 is gigabytes
        return sum(b.coeffs(p, n) for b, p in zip(self.bases, self._split(params)))

    def hermite_jacobian(self, params: ArrayLike, n: int) -> FloatArray:
        """d b_k / d params, shape (n, nparams)."""
        return np.concatenate([b.jacobian(p, n) for b, p in zip(self.bases, self._split(params))], axis=1)

    def expr(self, params: ArrayLike) -> sympy.Expr:
        """The form as a sympy expression in z."""
        return sympy.Add(*[b.expr(p) for b, p in zip(self.bases, self._split(params))])

    def __call__(self, params: ArrayLike, x: ArrayLike) -> FloatArray:
        """phi(x) with numpy (for plots and checks)."""
        f = sympy.lambdify(z, self.expr(params), modules=["numpy", {"erf": sp.erf}])
        return np.broadcast_to(f(np.asarray(x, dtype=float)), np.shape(x)).astype(float)

    @overload
    def kernel(
        self, params: ArrayLike, cs: ArrayLike, kind: Kind = "ntk", jacobian: Literal[False] = False
    ) -> FloatArray: ...

    @overload
    def kernel(
        self, params: ArrayLike, cs: ArrayLike, kind: Kind = "ntk", *, jacobian: Literal[True]
    ) -> tuple[FloatArray, FloatArray]: ...

    @overload
    def kernel(
        self, params: ArrayLike, cs: ArrayLike, kind: Kind, jacobian: Literal[True]
    ) -> tuple[FloatArray, FloatArray]: ...

    def kernel(
        self, params: ArrayLike, cs: ArrayLike, kind: Kind = "ntk", jacobian: bool = False
    ) -> FloatArray | tuple[FloatArray, FloatArray]:
        """Exact one-hidden-layer kernel at the cosines ``cs`` (and its Jacobian, shape (len(cs), nparams))."""
        kind = check_kind(kind)
        cs = np.asarray(cs, dtype=float)
        if np.any(np.abs(cs) > 1):
            raise HermiteRevError(f"cosines must lie in [-1, 1], got max |c| = {np.abs(cs).max()}")
        N = self.n_series
        parts = self._split(params)
        k = np.arange(N)
        w = (k + 1.0) if kind == "ntk" else np.ones(N)
        with np.errstate(under="ignore"):
            V = w[None, :] * cs[:, None] ** k[None, :]
        relu_i = next((i for i, b in enumerate(self.bases) if isinstance(b, ReLU)), None)
        smooth = [(i, b, p) for i, (b, p) in enumerate(zip(self.bases, parts)) if i != relu_i]
        psi = sum((b.coeffs(p, N) for _, b, p in smooth), np.zeros(N))
        K = V @ (psi * psi)
        offsets = np.cumsum([0] + [b.nparams for b in self.bases])
        J: Any = np.zeros((cs.size, self.nparams)) if jacobian else None
        if jacobian:
            for i, b, p in smooth:
                J[:, offsets[i] : offsets[i + 1]] = V @ (2 * psi[:, None] * b.jacobian(p, N))
        if relu_i is not None:
            a, t = parts[relu_i]
            r = ReLU().coeffs((1.0, t), N)  # unit ReLU(z - t)
            I, L, dI, dL = _relu_pair(t, cs)
            closed = I + cs * L if kind == "ntk" else I
            K = K + a * a * closed + V @ (2 * a * r * psi)
            if jacobian:
                rj = ReLU().jacobian((1.0, t), N)[:, 1]
                dclosed = dI + cs * dL if kind == "ntk" else dI
                o = offsets[relu_i]
                J[:, o] = 2 * a * closed + V @ (2 * r * psi)
                J[:, o + 1] = a * a * dclosed + V @ (2 * a * rj * psi)
                for i, b, p in smooth:
                    J[:, offsets[i] : offsets[i + 1]] += V @ (2 * a * r[:, None] * b.jacobian(p, N))
        return (K, J) if jacobian else K


def paper_form() -> Form:
    """``a*ReLU(z - b) + c*z + d + e*cos(f*z + g)`` (Simon, Anand & DeWeese 2022)."""
    return Form((ReLU(), Poly(1), Cos()))


# ---------------------------------------------------------------------------------------------
# fitting
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FitResult(Value):
    """Result of :func:`fit_kernel`.

    Attributes
    ----------
    form : Form
    params : numpy.ndarray
    names : tuple of str
    kind : str
    sup_error : float
        max |K_fit(c) - K_target(c)| on 2001 Chebyshev-Lobatto plus 2001 uniform cosines in [-1, 1].
    rel_error : float
        sup_error / max |K_target|.
    grid_rms : float
        RMS residual on the fitting grid.
    seconds : float
        Wall time of the whole fit (target evaluation, restarts, check).
    restarts : int
    nfev : int
        Residual evaluations, summed over restarts.
    """

    form: Form
    params: np.ndarray
    names: tuple
    kind: Kind
    sup_error: float
    rel_error: float
    grid_rms: float
    seconds: float
    restarts: int
    nfev: int
    target: sympy.Expr

    def expr(self) -> sympy.Expr:
        """The fitted activation as a sympy expression in z."""
        return self.form.expr(self.params)

    def kernel(self, cs: ArrayLike) -> FloatArray:
        """The fitted form's exact 1HL kernel at ``cs``."""
        return self.form.kernel(self.params, cs, self.kind)

    def activation(self, n: int = 64) -> Activation:
        """The fitted form as an :class:`~hermite_rev.Activation` of its first ``n`` Hermite coefficients.

        The coefficients are float64 closed forms (errors ~1e-16 relative).  The activation is
        *not* an exact realisation of the target kernel, and it says so: its ``source`` is a
        label ``fit (kernel sup error E) to K`` rather than the target ``K``, and its
        ``truncation`` (a :class:`~hermite_rev.series.Tail`, not rigorous) bounds the distance
        of its kernel to the target, ``bound = sup_error + dropped``: the fit's sup error on
        the check grid plus what the ``n`` terms drop from the form's kernel at c = 1
        (``K_form(1) - sum_{k<n} w_k b_k^2``, which bounds that truncation on all of
        [-1, 1]); ``k1`` is the target's K(1) and ``estimate`` is K(1) - sum_{k<n} w_k b_k^2.

        >>> import sympy, hermite_rev as hr
        >>> res = hr.fit.fit_kernel(sympy.exp(hr.c), hr.fit.Form((hr.fit.Poly(3),)), "nngp", restarts=2)
        >>> act = res.activation(8)
        >>> str(act.source).startswith("fit (kernel sup error")
        True
        >>> float(act.truncation.bound) >= res.sup_error > 0
        True
        """

        n = check_size(n, "n", "taylor_n")  # n=10**9: gigabytes of float64 coefficients
        b = self.form.hermite(self.params, n)
        w = np.arange(1, n + 1) if self.kind == "ntk" else np.ones(n)
        partial = float(np.sum(w * b * b))
        dropped = abs(float(self.kernel(np.array([1.0]))[0]) - partial)
        k1 = float(_target_values(self.target, np.array([1.0]))[0])
        tail = Tail(
            bound=mpmath.mpf(self.sup_error) + mpmath.mpf(dropped),
            estimate=mpmath.mpf(k1 - partial),
            k1=mpmath.mpf(k1),
            rigorous=False,
        )
        label = sympy.Symbol(f"fit (kernel sup error {self.sup_error:.3g}) to {self.target}")
        errors = tuple(abs(v) * 4e-16 + 1e-300 for v in b)
        return Activation(tuple(float(v) for v in b), errors, 16, None, self.kind, label, tail)

    def __repr__(self) -> str:
        ps = ", ".join(f"{nm}={v:.6g}" for nm, v in zip(self.names, self.params))
        return (
            f"FitResult({self.kind}, sup error {self.sup_error:.3g} (relative {self.rel_error:.3g}), "
            f"{self.seconds:.2f} s, {self.restarts} restarts; {ps})"
        )


def _cos_grid(m: int) -> FloatArray:
    """Chebyshev-Lobatto points (dense near c = +-1 where kernels are least smooth)."""
    return np.cos(np.linspace(np.pi, 0, m))


def _target_values(K: sympy.Expr, cs: FloatArray, dps: int = 20, mp_beyond: float = 0.999) -> FloatArray:
    """K at the cosines: numpy, except near |c| = 1 (and wherever numpy fails) where mpmath is used
    (nested acos / sqrt(1 - c^2) lose digits there in float64)."""
    cs = np.asarray(cs, dtype=float)
    f_np = sympy.lambdify(c_symbol, K, modules="numpy")
    with np.errstate(all="ignore"):
        out = np.broadcast_to(np.asarray(f_np(cs), dtype=float), cs.shape).copy()
    redo = np.flatnonzero((np.abs(cs) > mp_beyond) | ~np.isfinite(out))
    if redo.size:
        f_mp = sympy.lambdify(c_symbol, K, modules="mpmath")
        with mpmath.workdps(dps):
            for i in redo:
                x = float(cs[i])
                # at c = +-1 exactly: exact substitution (acos(1) = 0), not rounding past the domain
                out[i] = float(evaluate_at(K, int(x), dps)[0]) if abs(x) == 1 else float(mpmath.re(f_mp(mpmath.mpf(x))))
    return out


def _check_x0(x0: ArrayLike, form: Form) -> FloatArray:
    """``x0`` as a float vector with one finite entry per parameter of ``form``."""
    try:
        v = np.asarray(x0, dtype=float)
    except (TypeError, ValueError):
        raise HermiteRevError(f"x0 must be a sequence of {form.nparams} numbers {form.names}, got x0={x0!r}") from None
    if v.shape != (form.nparams,):
        raise HermiteRevError(
            f"x0 must have one entry per parameter of the form ({form.nparams}: {form.names}), "
            f"got {v.size} entries (shape {v.shape}): x0={x0!r}"
        )
    if not np.all(np.isfinite(v)):
        raise HermiteRevError(f"x0 must be finite, got x0={x0!r}")
    return v


@public
def fit_kernel(
    K: KernelLike,
    form: Form | None = None,
    kind: Kind = "ntk",
    *,
    grid: int = 161,
    restarts: int = 8,
    seed: int = 0,
    x0: ArrayLike | None = None,
    check_grid: int = 2001,
    max_nfev: int = 400,
) -> FitResult:
    r"""Fit a form's exact one-hidden-layer kernel to a target kernel by least squares.

    Minimises :math:`\sum_i (K_\theta(c_i) - K(c_i))^2` over Chebyshev-Lobatto cosines
    :math:`c_i \in [-1, 1]` with ``scipy.optimize.least_squares`` (trust-region reflective,
    box bounds from the bases, analytic Jacobian), from ``restarts`` random starts; keeps the
    best, then reports the sup error on ``check_grid`` cosines.

    Parameters
    ----------
    K : sympy.Expr or str
        Target kernel in c (e.g. ``hr.kernels.relu_ntk(4, sqrt(2), 1/10)``).
    form : Form, optional
        Default :func:`paper_form`.
    kind : {"ntk", "nngp"}
        Which 1HL kernel of the form is matched to K.
    grid, restarts, seed, x0, check_grid, max_nfev
        Fitting grid size, number of random starts, their seed, an extra start (one value
        per parameter of ``form``, in the order of ``form.names``; clipped to the bounds), the
        size of the check grid, evaluation budget per start.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> import hermite_rev as hr
    >>> res = hr.fit.fit_kernel(hr.kernels.arccos(1) * 2, hr.fit.Form((hr.fit.ReLU(),)), "nngp", restarts=2)
    >>> res.sup_error < 1e-10
    True
    """
    t0 = time.perf_counter()
    kind = check_kind(kind)
    K = as_expr(K, c_symbol, name="kernel")
    form = paper_form() if form is None else form
    if not isinstance(form, Form):
        raise HermiteRevError(f"form must be a hermite_rev.fit.Form, got {form!r}")
    grid = check_size(grid, "grid", "fit_grid")
    restarts = check_size(restarts, "restarts", "fit_restarts")  # restarts=512 ran past 10 s
    check_grid = check_size(check_grid, "check_grid", "fit_check_grid")
    max_nfev = check_size(max_nfev, "max_nfev", "fit_nfev")
    if x0 is not None:
        x0 = _check_x0(x0, form)
    cs = _cos_grid(grid)
    target = _target_values(K, cs)
    if not np.all(np.isfinite(target)):
        raise HermiteRevError(f"target kernel {K} is not finite on [-1, 1]")
    if not np.any(target):  # before: a ZeroDivisionError in the relative error
        raise HermiteRevError(f"target kernel {short(str(K), 60)} is 0 on [-1, 1]: the zero activation realises it")
    if np.max(np.abs(target)) > 1e150:  # K = -1.7e305: the squared residuals overflowed to inf
        raise HermiteRevError(
            f"target kernel {short(str(K), 60)} reaches |K| = {np.max(np.abs(target)):.3g} on [-1, 1]: too large for "
            f"a float64 least-squares fit (its squares overflow); scale K down"
        )
    lo, hi = form.bounds

    def resid(p: FloatArray) -> FloatArray:
        return form.kernel(p, cs, kind) - target

    def jac(p: FloatArray) -> FloatArray:
        return form.kernel(p, cs, kind, jacobian=True)[1]

    rng = np.random.default_rng(seed)
    starts = [rng.uniform(lo / 4, hi / 4) for _ in range(restarts)]
    if x0 is not None:
        starts.insert(0, np.clip(x0, lo, hi))
    best, nfev = None, 0
    for p0 in starts:
        sol = scipy.optimize.least_squares(
            resid, p0, jac=jac, bounds=(lo, hi), method="trf", x_scale="jac", max_nfev=max_nfev
        )
        nfev += sol.nfev
        if best is None or sol.cost < best.cost:
            best = sol
    assert best is not None  # restarts >= 1
    fine = np.union1d(_cos_grid(check_grid), np.linspace(-1, 1, check_grid))
    tf = _target_values(K, fine)
    err = np.abs(form.kernel(best.x, fine, kind) - tf)
    sup = float(err.max())
    rms = float(np.sqrt(np.mean(best.fun**2)))
    return FitResult(
        form,
        best.x.copy(),
        form.names,
        kind,
        sup,
        sup / float(np.abs(tf).max()),
        rms,
        time.perf_counter() - t0,
        len(starts),
        nfev,
        K,
    )
