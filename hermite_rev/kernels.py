r"""Named dot-product kernels as sympy expressions in ``c``.

Index
-----
arccos             Cho & Saul arc-cosine kernel of order n, k_n(c) = J_n(acos c) / pi
relu_nngp          NNGP of a depth-L ReLU network (neural-tangents conventions)
relu_ntk           NTK of a depth-L ReLU network
erf_nngp, erf_ntk  the same for a*erf(b z)
deep_kernels       (NNGP, NTK) for any activation with a closed-form dual
exponential        exp(beta c)
gaussian           Gaussian kernel on the sphere, exp((c - 1) / l^2)
polynomial         sum_k a_k c^k from a coefficient list
inhomogeneous_polynomial   (c + offset)^degree

Conventions (neural-tangents ``stax``, NTK parameterization): inputs have |x|^2/d = 1, so the
input kernel is ``c`` itself.  A Dense layer maps

.. math:: \Sigma \mapsto \sigma_w^2 \Sigma + \sigma_b^2, \qquad
          \Theta \mapsto \sigma_w^2 \Sigma + \sigma_b^2 + \sigma_w^2 \Theta,

and an activation maps :math:`\Sigma \mapsto E[\phi(u)\phi(v)]`,
:math:`\Theta \mapsto \Theta \, E[\phi'(u)\phi'(v)]`.  A network of ``depth`` hidden layers is
``depth`` times (Dense(sigma_w, sigma_b), activation) followed by a readout
Dense(sigma_w_last, sigma_b_last) (default 1, 0).

Examples
--------
>>> import sympy, hermite_rev as hr
>>> K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
>>> sympy.N(K.subs(hr.c, 1), 6)
5.07000
"""

from __future__ import annotations

import sympy

from ._validate import HermiteRevError, c, check_nonneg_int

__all__ = [
    "arccos",
    "relu_nngp",
    "relu_ntk",
    "erf_nngp",
    "erf_ntk",
    "deep_kernels",
    "exponential",
    "gaussian",
    "polynomial",
    "inhomogeneous_polynomial",
]

_pi = sympy.pi


def _num(value, name, *, positive=False, nonneg=False):
    try:
        x = sympy.sympify(value, strict=True)
    except (sympy.SympifyError, TypeError):
        raise HermiteRevError(f"{name} must be a real number, got {name}={value!r}") from None
    if not (isinstance(x, sympy.Expr) and x.is_number and x.is_real):
        raise HermiteRevError(f"{name} must be a real number, got {name}={value!r}")
    if positive and not x.is_positive:
        raise HermiteRevError(f"{name} must be positive, got {name}={value!r}")
    if nonneg and x.is_negative:
        raise HermiteRevError(f"{name} must be non-negative, got {name}={value!r}")
    return x


def arccos(order=1):
    r"""Arc-cosine kernel of Cho & Saul (2009) on unit vectors.

    .. math:: k_n(c) = \frac{1}{\pi} J_n(\theta), \quad \theta = \arccos c, \quad
              J_n(\theta) = (-1)^n (\sin\theta)^{2n+1}
              \Big(\frac{1}{\sin\theta}\frac{\partial}{\partial\theta}\Big)^n
              \frac{\pi - \theta}{\sin\theta}

    ``k_0 = 1 - theta/pi`` (step function), ``k_1 = (sin theta + (pi - theta) cos theta)/pi``
    (ReLU: E[relu(u) relu(v)] = k_1(c)/2 for standard normal u, v with correlation c).

    References: Y. Cho, L. Saul, "Kernel methods for deep learning", NeurIPS 2009.
    """
    n = check_nonneg_int(order, "order")
    th = sympy.Symbol("theta", positive=True)
    s = sympy.sin(th)
    f = (_pi - th) / s
    for _ in range(n):
        f = sympy.diff(f, th) / s
    J = sympy.expand_trig(sympy.simplify((-1) ** n * s ** (2 * n + 1) * f))
    sin_c = sympy.sqrt(1 - c**2)
    expr = J.subs(sympy.sin(th), sin_c).subs(sympy.cos(th), c).subs(th, sympy.acos(c))
    expr = sympy.expand(expr.subs(sympy.sin(sympy.acos(c)), sin_c)) / _pi
    return sympy.expand(expr)


def _relu_dual(rho, q):
    # E[relu(u) relu(v)], u, v ~ N(0, q) with correlation rho; and E[relu'(u) relu'(v)]
    return (q / (2 * _pi) * (sympy.sqrt(1 - rho**2) + (_pi - sympy.acos(rho)) * rho),
            (_pi - sympy.acos(rho)) / (2 * _pi))


def _erf_dual(a, b):
    def dual(rho, q):
        g = 2 * b**2 * q
        nngp = a**2 * 2 / _pi * sympy.asin(g * rho / (1 + g))
        deriv = a**2 * 4 * b**2 / _pi / sympy.sqrt((1 + g) ** 2 - (g * rho) ** 2)
        return nngp, deriv
    return dual


def deep_kernels(dual, depth, sigma_w=1, sigma_b=0, sigma_w_last=1, sigma_b_last=0):
    """(NNGP, NTK) of a fully-connected network whose activation has the dual ``dual``.

    ``dual(rho, q) -> (E[phi(u)phi(v)], E[phi'(u)phi'(v)])`` for u, v ~ N(0, q) with
    correlation ``rho`` (sympy expressions).  Layers as in the module docstring.
    """
    depth = check_nonneg_int(depth, "depth")
    sw2 = _num(sigma_w, "sigma_w") ** 2
    sb2 = _num(sigma_b, "sigma_b") ** 2
    swl2 = _num(sigma_w_last, "sigma_w_last") ** 2
    sbl2 = _num(sigma_b_last, "sigma_b_last") ** 2
    if not (sw2 + sb2).is_positive:
        raise HermiteRevError(f"sigma_w and sigma_b cannot both be 0, got sigma_w={sigma_w!r}, sigma_b={sigma_b!r}")
    nngp, ntk, q = c, sympy.Integer(0), sympy.Integer(1)
    for _ in range(depth):
        nngp = sw2 * nngp + sb2
        ntk = nngp + sw2 * ntk
        q = sw2 * q + sb2
        rho = nngp / q
        new_nngp, deriv = dual(rho, q)
        ntk = ntk * deriv
        q = dual(sympy.Integer(1), q)[0]
        nngp = new_nngp
    nngp = swl2 * nngp + sbl2
    ntk = nngp + swl2 * ntk
    return nngp, ntk


def relu_nngp(depth=1, sigma_w=1, sigma_b=0, sigma_w_last=1, sigma_b_last=0):
    """NNGP kernel of a ReLU network with ``depth`` hidden layers (see module docstring)."""
    return deep_kernels(_relu_dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[0]


def relu_ntk(depth=1, sigma_w=1, sigma_b=0, sigma_w_last=1, sigma_b_last=0):
    """NTK of a ReLU network with ``depth`` hidden layers (see module docstring).

    With ``sigma_w = sqrt(2)``, ``sigma_b = 0.1`` and depth 4 its value at c = 1 is 5.07.
    """
    return deep_kernels(_relu_dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[1]


def erf_nngp(depth=1, sigma_w=1, sigma_b=0, sigma_w_last=1, sigma_b_last=0, a=1, b=1):
    """NNGP kernel of a network with activation ``a * erf(b z)`` (Williams 1997)."""
    dual = _erf_dual(_num(a, "a"), _num(b, "b", positive=True))
    return deep_kernels(dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[0]


def erf_ntk(depth=1, sigma_w=1, sigma_b=0, sigma_w_last=1, sigma_b_last=0, a=1, b=1):
    """NTK of a network with activation ``a * erf(b z)``."""
    dual = _erf_dual(_num(a, "a"), _num(b, "b", positive=True))
    return deep_kernels(dual, depth, sigma_w, sigma_b, sigma_w_last, sigma_b_last)[1]


def exponential(beta=1):
    """``exp(beta * c)``: all Taylor coefficients beta^k / k! are positive."""
    return sympy.exp(_num(beta, "beta", positive=True) * c)


def gaussian(lengthscale=1):
    """Gaussian (RBF) kernel restricted to the unit sphere: exp(-|x-y|^2 / (2 l^2)) = exp((c-1)/l^2)."""
    ell = _num(lengthscale, "lengthscale", positive=True)
    return sympy.exp((c - 1) / ell**2)


def polynomial(coeffs):
    """``sum_k coeffs[k] c^k`` (coefficients lowest degree first)."""
    if isinstance(coeffs, (str, bytes)) or not hasattr(coeffs, "__iter__"):
        raise HermiteRevError(f"coeffs must be a sequence of numbers, got coeffs={coeffs!r}")
    terms = [_num(a, f"coeffs[{k}]") * c**k for k, a in enumerate(coeffs)]
    if not terms:
        raise HermiteRevError("coeffs must not be empty, got coeffs=[]")
    return sympy.Add(*terms)


def inhomogeneous_polynomial(degree, offset=1):
    """``(c + offset)^degree``, the polynomial kernel."""
    d = check_nonneg_int(degree, "degree")
    return (c + _num(offset, "offset", nonneg=True)) ** d
