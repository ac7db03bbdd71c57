"""The symbols of the package and helpers for sympy DAGs (a leaf).

Index
-----
c, z              the cosine between two inputs; a pre-activation
count_nodes       distinct nodes (by identity) of a sympy DAG, up to a cap
postorder         the distinct nodes in post-order, no recursion, bounded by ``LIMITS["nodes"]``
RAW_ASSOC, RAW_POW, RAW_APPLY   sympy's node constructors without its cache (linear-time DAGs)
fresh             an equal expression with an identity of its own
same_expr         ``a == b`` for sympy DAGs in time linear in their distinct nodes
as_built          wrap an expression so that it pickles node by node and unpickles exactly as built
rebuild           the expression of a node table written by ``as_built`` (no evaluation, DAG kept)

Deep kernels are DAGs whose tree form is exponentially long: every walk here tells nodes apart by
identity, never by ``==``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy

from .errors import HermiteRevError
from .limits import LIMITS

__all__ = [
    "c",
    "z",
    "FUNCTION_NAMES",
    "count_nodes",
    "postorder",
    "RAW_ASSOC",
    "RAW_POW",
    "RAW_APPLY",
    "fresh",
    "same_expr",
    "as_built",
    "rebuild",
]

#: The cosine between two inputs on the sphere.
c = sympy.Symbol("c", real=True)
#: A pre-activation.
z = sympy.Symbol("z", real=True)


#: The analytic functions of one argument every numeric engine evaluates: sympy class -> the name
#: of the function in python-flint (arb/acb) and mpmath (the series walk, the interval
#: certificate, the ball quadrature).
FUNCTION_NAMES = {
    sympy.exp: "exp",
    sympy.log: "log",
    sympy.sin: "sin",
    sympy.cos: "cos",
    sympy.tan: "tan",
    sympy.sinh: "sinh",
    sympy.cosh: "cosh",
    sympy.tanh: "tanh",
    sympy.asin: "asin",
    sympy.acos: "acos",
    sympy.atan: "atan",
    sympy.asinh: "asinh",
    sympy.atanh: "atanh",
    sympy.erf: "erf",
    sympy.erfc: "erfc",
}


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


def postorder(expr: sympy.Basic, leaf: Callable[[sympy.Basic], bool] | None = None) -> list[sympy.Basic]:
    """The distinct nodes (by identity) of a sympy DAG in post-order (children first), no recursion.

    Nodes are told apart by identity, never by ``==``: comparing two equal but distinct sub-DAGs
    walks them as trees, which for deep kernels is exponential.  ``leaf(e)`` True: ``e`` is listed
    but its children are not walked.
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
        if leaf is None or not leaf(e):
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


def same_expr(a: Any, b: Any) -> bool:
    """``a == b`` for sympy expressions, walking each pair of distinct nodes once.

    sympy's ``==`` compares two equal DAGs that share no nodes (a deep kernel and its unpickled
    copy) as trees: exponential in the depth.  Here every pair of nodes (by identity) is compared
    once, after a cheap reject by the cached hashes; a node whose content is more than its
    arguments falls back to ``==``.  Anything that is not a sympy object is compared with ``==``.
    """
    if a is b:
        return True
    if not (isinstance(a, sympy.Basic) and isinstance(b, sympy.Basic)):
        return bool(a == b)
    seen: set[tuple[int, int]] = set()
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y or (id(x), id(y)) in seen:
            continue
        seen.add((id(x), id(y)))
        if not x.args or not y.args or x._hashable_content() is not x.args:
            if x != y:
                return False
            continue
        if type(x) is not type(y) or len(x.args) != len(y.args) or hash(x) != hash(y):
            return False
        stack.extend(zip(x.args, y.args))
    return True


# --------------------------------------------------------------------------------------------
# pickling expressions as built
# --------------------------------------------------------------------------------------------


def _construct(func: Any, args: tuple[Any, ...]) -> Any:
    """The node ``func(*args)`` as the kernels build it: without evaluation where sympy allows."""
    if isinstance(func, type):
        if issubclass(func, sympy.core.operations.AssocOp):
            return RAW_ASSOC(func, *args, evaluate=False)
        if issubclass(func, sympy.Pow):
            return RAW_POW(func, *args, evaluate=False)
        if issubclass(func, sympy.core.function.Application):
            return RAW_APPLY(func, *args, evaluate=False)
    return func(*args)


def rebuild(table: tuple[Any, ...]) -> Any:
    """The expression of a node table from :func:`as_built`: the same tree, the same shared nodes.

    Each entry is ``(None, atom)`` or ``(func, indices of its arguments)``, children first.
    """
    built: list[Any] = []
    for func, payload in table:
        built.append(payload if func is None else _construct(func, tuple(built[i] for i in payload)))
    return built[-1]


class _AsBuilt:
    """Pickles as the node table of its expression; unpickles as the expression itself."""

    __slots__ = ("expr",)

    def __init__(self, expr: sympy.Basic) -> None:
        self.expr = expr

    def __reduce__(self) -> tuple[Any, ...]:
        nodes = postorder(self.expr)
        index = {id(e): i for i, e in enumerate(nodes)}
        table = tuple((None, e) if not e.args else (e.func, tuple(index[id(a)] for a in e.args)) for e in nodes)
        return (rebuild, (table,))


def as_built(expr: Any) -> Any:
    """An object that pickles as ``expr`` and unpickles as an expression equal to it node for node.

    sympy pickles a node as ``type(node)(*args)``, which evaluates: the unevaluated products and
    nested sums the kernels build (:data:`RAW_ASSOC`) come back flattened, no longer ``==`` the
    original, and a deep kernel's tree recurses as deep as the network.  ``as_built`` writes the
    distinct nodes (by identity) once each, children first, and :func:`rebuild` puts them together
    with the uncached constructors, without evaluation.  Result types put their expressions
    through it in ``__reduce__``; anything that is not a compound sympy expression is returned
    unchanged.

    Examples
    --------
    >>> import pickle, sympy
    >>> e = RAW_ASSOC(sympy.Mul, RAW_ASSOC(sympy.Mul, 2, c, evaluate=False), c, evaluate=False)
    >>> pickle.loads(pickle.dumps(e)) == e
    False
    >>> pickle.loads(pickle.dumps(as_built(e))) == e
    True
    """
    if isinstance(expr, sympy.Basic) and expr.args:
        return _AsBuilt(expr)
    return expr
