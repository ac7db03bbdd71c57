"""The symbols of the package and helpers for sympy DAGs (a leaf).

Index
-----
c, z              the cosine between two inputs; a pre-activation
count_nodes       distinct nodes (by identity) of a sympy DAG, up to a cap
postorder         the distinct nodes in post-order, no recursion, bounded by ``LIMITS["nodes"]``
RAW_ASSOC, RAW_POW, RAW_APPLY   sympy's node constructors without its cache (linear-time DAGs)
fresh             an equal expression with an identity of its own

Deep kernels are DAGs whose tree form is exponentially long: every walk here tells nodes apart by
identity, never by ``==``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy

from .errors import HermiteRevError
from .limits import LIMITS

__all__ = ["c", "z", "count_nodes", "postorder", "RAW_ASSOC", "RAW_POW", "RAW_APPLY", "fresh"]

#: The cosine between two inputs on the sphere.
c = sympy.Symbol("c", real=True)
#: A pre-activation.
z = sympy.Symbol("z", real=True)


def count_nodes(expr: sympy.Basic, cap: int) -> int:
    """Distinct nodes (by identity) of a sympy DAG; counting stops at ``cap``."""
    seen: set[int] = set()
    stack = [expr]
    while stack and len(seen) < cap:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        stack.extend(e.args)
    return len(seen)


def postorder(expr: sympy.Basic) -> list[sympy.Basic]:
    """The distinct nodes (by identity) of a sympy DAG in post-order (children first), no recursion.

    Nodes are told apart by identity, never by ``==``: comparing two equal but distinct sub-DAGs
    walks them as trees, which for deep kernels is exponential.
    """
    order, seen = [], set()
    stack = [(expr, False)]
    while stack:
        e, expanded = stack.pop()
        if expanded:
            order.append(e)
            continue
        if id(e) in seen:
            continue
        seen.add(id(e))
        if len(seen) > LIMITS["nodes"]:
            raise HermiteRevError(f"expression has more than {LIMITS['nodes']} distinct nodes")
        stack.append((e, True))
        stack.extend((a, False) for a in e.args if id(a) not in seen)
    return order


def _uncached(constructor: Callable[..., Any]) -> Callable[..., Any]:
    # sympy's constructors are wrapped by its cache (functools.lru_cache keeps ``__wrapped__``)
    raw = getattr(constructor, "__wrapped__", None)
    if raw is None:  # pragma: no cover - a sympy without the cache wrapper
        return lambda cls, *args, evaluate=False: cls(*args, evaluate=evaluate)
    return raw


RAW_ASSOC = _uncached(sympy.core.operations.AssocOp.__new__)
RAW_POW = _uncached(sympy.Pow.__new__)
RAW_APPLY = _uncached(sympy.core.function.Application.__new__)


def fresh(expr: Any) -> Any:
    """A new object equal to ``expr`` whose top node is outside sympy's constructor cache.

    sympy interns evaluated expressions: ``exponential()`` and a later ``sympy.exp(c)`` would be
    one object, and a label given to one would name the other.  A fresh top node gives the
    constructor's result an identity of its own (equal, same hash, same arguments).
    """
    if not isinstance(expr, sympy.Basic) or expr.is_Atom:
        return expr
    if isinstance(expr, sympy.core.operations.AssocOp):
        return RAW_ASSOC(type(expr), *expr.args, evaluate=False)
    if isinstance(expr, sympy.Pow):
        return RAW_POW(sympy.Pow, *expr.args, evaluate=False)
    if isinstance(expr, sympy.core.function.Application):
        return RAW_APPLY(expr.func, *expr.args, evaluate=False)
    return expr  # pragma: no cover - constructors return sums, products, powers or functions
