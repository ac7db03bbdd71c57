r"""Kernel expressions as straight-line code: the float64 program and the 40-digit oracle.

Index
-----
generate            straight-line Python code for an expression in c (one statement per DAG node)
Unsupported         raised where an expression has no compiled counterpart
NumpyKernel         apply(C) by ``sympy.lambdify`` (numpy/scipy), for what ``generate`` refuses
oracle              40-digit mpmath values of the exact expression at given cosines

The code walks the expression's DAG, each distinct sub-expression once: ``relu_ntk(depth=12)``
has ~100 distinct nodes but ~10^6 as a tree.  The same code, with its constants bound as
mpmath numbers and ``math.f`` read as ``mpmath.f``, is the oracle every compiled kernel is
measured against (:mod:`hermite_rev.predict._compile`).

Place in the pipeline: the lowest module of :mod:`hermite_rev.predict`; imports only
:mod:`hermite_rev._core`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np
import sympy

from .._core.exprs import c

if TYPE_CHECKING:
    from .._core.typing import FloatArray

__all__ = ["generate", "Unsupported", "NumpyKernel", "oracle"]


_FUNCS = {
    "acos": "_acos",
    "asin": "_asin",
    "atan": "math.atan",
    "exp": "math.exp",
    "log": "math.log",
    "sin": "math.sin",
    "cos": "math.cos",
    "tan": "math.tan",
    "sinh": "math.sinh",
    "cosh": "math.cosh",
    "tanh": "math.tanh",
    "erf": "math.erf",
    "erfc": "math.erfc",
    "Abs": "abs",
    "Heaviside": "_heaviside",
    "sign": "_sign",
    "asinh": "math.asinh",
    "atanh": "math.atanh",
}


class Unsupported(Exception):
    """The expression (or one of its nodes) has no compiled counterpart."""


class _CodeGen:
    """Straight-line Python code for an expression in c, one statement per distinct DAG node.

    Every walk is memoised on the node (never a tree walk): ``relu_ntk(depth=12)`` has ~100
    distinct nodes but ~10^6 as a tree.  ``const`` formats a constant (float64 literal for
    numba, a 40-digit mpf for the mpmath oracle).
    """

    def __init__(self, const: Callable[[Any], str]) -> None:
        self.memo: dict[sympy.Basic, tuple[str, bool]] = {}
        self.lines: list[str] = []
        self.const = const

    def __call__(self, e: sympy.Basic) -> tuple[str, bool]:
        try:
            return self.memo[e]
        except KeyError:
            pass
        out = self._eval(e)
        self.memo[e] = out
        return out

    def _emit(self, code: str) -> tuple[str, bool]:
        name = f"t{len(self.lines)}"
        self.lines.append(f"{name} = {code}")
        return name, True

    def _eval(self, e: sympy.Basic) -> tuple[str, bool]:
        if e == c:
            return "x", True
        if e.is_Symbol:
            raise Unsupported(f"the kernel has a free symbol {e} other than c")
        if e is sympy.true or e is sympy.false:
            return ("True" if e is sympy.true else "False"), False
        if isinstance(e, sympy.Piecewise):  # (e1 if c1 else (e2 if c2 else ... nan))
            acc = "math.nan"
            for piece, cond in reversed(e.args):
                acc = f"({self(piece)[0]} if {self(cond)[0]} else {acc})"
            return self._emit(acc)
        if e.is_Number or e is sympy.pi or e is sympy.E or not e.args:
            return self._constant(e), False
        kids = [self(a) for a in e.args]
        if not any(has for _, has in kids):
            return self._constant(e), False
        code = [k for k, _ in kids]
        if e.is_Add:
            return self._emit(" + ".join(code))
        if e.is_Mul:
            return self._emit(" * ".join(code))
        if e.is_Pow:
            base, p = code[0], e.args[1]
            if p == sympy.Rational(1, 2):
                return self._emit(f"_sqrt({base})")
            if p == -sympy.Rational(1, 2):
                return self._emit(f"1.0 / _sqrt({base})")
            if p.is_Integer:
                k = int(p)
                return self._emit(f"{base} ** {k}" if k > 0 else f"1.0 / {base} ** {-k}")
            if p.is_Rational and p.q == 2:
                return self._emit(f"_sqrt({base}) ** {int(p.p)}")
            return self._emit(f"_pow({base}, {code[1]})")
        if e.is_Relational and e.rel_op in ("<", "<=", ">", ">=", "==", "!="):
            return self._emit(f"{code[0]} {e.rel_op} {code[1]}")
        if isinstance(e, (sympy.And, sympy.Or)):
            return self._emit(f" {'and' if isinstance(e, sympy.And) else 'or'} ".join(f"({k})" for k in code))
        if isinstance(e, sympy.Not):
            return self._emit(f"not ({code[0]})")
        name = type(e).__name__
        if name in ("Max", "Min"):
            acc = code[0]
            for a in code[1:]:
                acc, _ = self._emit(f"{name.lower()}({acc}, {a})")
            return acc, True
        if name in _FUNCS and len(code) == 1:
            return self._emit(f"{_FUNCS[name]}({code[0]})")
        raise Unsupported(f"{name} has no compiled counterpart")

    def _constant(self, e: sympy.Basic) -> str:
        if isinstance(e, sympy.Float):  # a float is the shortest decimal that round-trips (API.md)
            e = sympy.Rational(repr(float(e)))
        v = sympy.N(e, 45)
        if not (v.is_real and v.is_finite):
            raise Unsupported(f"the constant {e} is not a finite real number")
        return self.const(v)


def generate(expr: sympy.Expr, const: Callable[[Any], str] = lambda v: repr(float(v))) -> tuple[str, int]:
    """Straight-line code ``(body, statements)`` of ``expr``: statements reading ``x``, then ``return``.

    Raises :class:`Unsupported` where a node has no counterpart in :mod:`math`.
    """
    gen = _CodeGen(const)
    out, _ = gen(expr)
    return "\n".join(gen.lines + [f"return {out}"]), len(gen.lines)


@functools.lru_cache(maxsize=64)
def _lambdified(expr: sympy.Expr) -> Callable[[FloatArray], Any]:
    return sympy.lambdify(c, expr, modules=["scipy", "numpy"], cse=True)


class NumpyKernel:
    """``apply(C)``: replace the cosines in the float64 array C by K(c), by ``sympy.lambdify``.

    For what :func:`generate` refuses.  Lambdified on first call (once per expression and
    process); pickles by its expression.
    """

    __slots__ = ("expr",)

    def __init__(self, expr: sympy.Expr) -> None:
        self.expr = expr

    def __call__(self, C: FloatArray) -> None:
        f = _lambdified(self.expr)
        np.clip(C, -1.0, 1.0, out=C)
        with np.errstate(all="ignore"):
            C[...] = np.asarray(f(C), dtype=np.float64)

    def __reduce__(self) -> tuple[Any, ...]:
        return (NumpyKernel, (self.expr,))


def _mp_clip(lo: Any, hi: Any, f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    tol = mpmath.mpf(10) ** -25

    def g(v: Any) -> Any:
        if v > hi:
            v = hi if v < hi + tol else mpmath.nan
        elif v < lo:
            v = lo if v > lo - tol else mpmath.nan
        return f(v) if mpmath.isfinite(v) else mpmath.nan

    return g


_MP_NS = {
    "_acos": _mp_clip(-1, 1, mpmath.acos),
    "_asin": _mp_clip(-1, 1, mpmath.asin),
    "_sqrt": _mp_clip(0, mpmath.inf, mpmath.sqrt),
    "_pow": mpmath.power,
    "abs": abs,
    "max": max,
    "min": min,
    "_heaviside": lambda v: mpmath.mpf(1) if v > 0 else (mpmath.mpf(0) if v < 0 else mpmath.mpf(0.5)),
    "_sign": mpmath.sign,
    "mpf": mpmath.mpf,
}


class _MathShim:
    """``math.f`` in generated code -> mpmath.f for the oracle."""

    def __getattr__(self, name: str) -> Any:
        return getattr(mpmath, name)


def oracle(expr: sympy.Expr) -> Callable[[Iterable[float]], list[mpmath.mpf]]:
    """40-digit values of the exact expression at given cosines (a generated mpmath program).

    Domain checks clip arguments that leave [-1, 1] (acos, asin) or [0, oo) (sqrt) by less
    than 1e-25, i.e. by rounding, so K(1) of a deep ReLU kernel is accurate (nested arccos
    at correlation 1 +- rounding would otherwise lose half the digits per layer).
    """
    consts: dict[Any, str] = {}

    def const(v: Any) -> str:  # constants are bound once in the namespace, not parsed on every call
        name = f"_k{len(consts)}"
        with mpmath.workdps(40):
            consts[name] = mpmath.mpf(sympy.sstr(v, full_prec=True))
        return name

    body, _ = generate(expr, const=const)
    ns = dict(_MP_NS, math=_MathShim(), **consts)
    src = "def _k(x):\n" + "".join(f"    {line}\n" for line in body.splitlines())
    with mpmath.workdps(40):
        exec(compile(src, "<hermite_rev generated oracle>", "exec"), ns)  # generated by generate above
    prog = ns["_k"]

    def values(xs: Iterable[float]) -> list[mpmath.mpf]:
        with mpmath.workdps(40):
            out = []
            for x in xs:
                try:
                    v = prog(mpmath.mpf(x))
                except (ValueError, ZeroDivisionError, OverflowError):
                    v = mpmath.nan
                if isinstance(v, mpmath.mpc):
                    v = v.real if abs(v.imag) <= 1e-30 * (1 + abs(v.real)) else mpmath.nan
                out.append(mpmath.mpf(v))
            return out

    return values
