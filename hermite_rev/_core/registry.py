"""Registries keyed by identity: labels of kernels, kernels known by construction, and the
kernel constructors the parser may call (a leaf: imports only the other leaves).

Index
-----
constructor          decorator: register a kernel constructor with the parser (mpmath's ``@defun``)
CONSTRUCTORS         name -> constructor, filled by :mod:`hermite_rev.kernels` when it is imported
remember, label_of   the display label of a kernel (the call as the user wrote it)
kernel_name          what a figure, table or repr calls a kernel
label_for            the label a result keeps for its kernel
register_kernel      record that an expression is a kernel by construction (non-negative
                     coefficients, convergent at c = 1)
is_known_kernel      whether an expression was registered so, or is a positive rational multiple
                     of a registered sum (sympy distributes ``2*(a + b)`` into ``2*a + 2*b``)

The stages register into these tables; the parser (:mod:`hermite_rev._core.validate`) and the
tail certificate read them, so the boundary module imports no stage.  Expressions are matched by
identity, never structurally: a deep kernel is a DAG whose tree form is exponentially long.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import sympy

from .exprs import count_nodes
from .text import short

__all__ = [
    "CONSTRUCTORS",
    "constructor",
    "remember",
    "label_of",
    "kernel_name",
    "label_for",
    "register_kernel",
    "is_known_kernel",
]

_C = TypeVar("_C", bound=Callable[..., Any])

#: Kernel constructors an expression string may call: name -> function (keyword arguments too).
CONSTRUCTORS: dict[str, Callable[..., Any]] = {}


def constructor(fn: _C) -> _C:
    """Register ``fn`` as a kernel constructor the parser may call by its name."""
    CONSTRUCTORS[fn.__name__] = fn
    return fn


#: Most labels kept (least recently used dropped first).
LABELS_MAX = 1024
#: Longest label kept (longer ones are abbreviated by :func:`hermite_rev._core.text.short`).
LABEL_LENGTH = 160

# id(expr) -> (expr, label).  The entry holds the expression, so its id cannot be reused by
# another object while the entry lives (sympy objects take no weak references).  Identity
# only: hashing or comparing a deep kernel structurally would walk its DAG as a tree.
_LABELS: OrderedDict[int, tuple[Any, str]] = OrderedDict()
_LABELS_LOCK = threading.Lock()


def remember(expr: Any, text: str) -> Any:
    """Record ``text`` as the display label of ``expr`` (by identity) and return ``expr``.

    Atoms (``c``, numbers) are never labelled: they are shared by every expression that
    contains them, and their own text is already short.
    """
    if isinstance(expr, sympy.Basic) and not expr.is_Atom and text:
        text = short(text, LABEL_LENGTH)
        with _LABELS_LOCK:
            _LABELS[id(expr)] = (expr, text)
            _LABELS.move_to_end(id(expr))
            while len(_LABELS) > LABELS_MAX:
                _LABELS.popitem(last=False)
    return expr


def label_of(expr: Any) -> str | None:
    """The display label of a kernel built by a constructor of this module or by the parser.

    The label is the call as it was written: parameters print exactly as given (``sqrt(2)``,
    ``1/10``; a float as the decimal that was typed, ``0.1``); a kernel parsed from text is
    labelled with that text.  Expressions are matched by identity, never structurally (a
    depth-1000 kernel is looked up in constant time): an expression derived from a labelled
    one (``2 * K``, ``K.subs(...)``) has no label.  The most recent :data:`LABELS_MAX`
    (1024) labels are kept.  Figures and reprs name a kernel by an explicit ``label=`` first,
    then by this label, then by the short text of the expression.

    Parameters
    ----------
    expr : object
        Usually a sympy expression returned by a constructor.

    Returns
    -------
    str or None
        None when ``expr`` was not built here (or its label was dropped).

    Examples
    --------
    >>> import hermite_rev as hr
    >>> label_of(hr.kernels.relu_ntk(depth=4, sigma_w=2**0.5, sigma_b=0.1))
    'relu_ntk(depth=4, sigma_w=1.4142135623730951, sigma_b=0.1)'
    >>> label_of(hr.kernels.arccos(2))
    'arccos(2)'
    >>> label_of(hr.c**2) is None
    True
    """
    with _LABELS_LOCK:
        entry = _LABELS.get(id(expr))
        if entry is None or entry[0] is not expr:
            return None
        _LABELS.move_to_end(id(expr))
        return entry[1]


def kernel_name(K: Any, label: str | None = None, limit: int = 60) -> str:
    """What a figure, table or repr calls the kernel ``K``.

    An explicit ``label`` first, then the text of a kernel given as a string, then
    :func:`label_of`, then the expression's own text when it is short enough to read (at
    most ``limit`` characters), else ``"K(c)"``.  Never prints a large expression: a deep
    kernel's DAG would be exponentially long as a tree.
    """
    if label:
        return str(label)
    if K is None:
        return "K(c)"
    if isinstance(K, str):
        return short(K, max(limit, LABEL_LENGTH))
    named = label_of(K)
    if named:
        return named
    if isinstance(K, sympy.Basic) and count_nodes(K, 400) >= 400:
        return "K(c)"
    text = " ".join(str(K).split())
    return text if len(text) <= limit else "K(c)"


def label_for(K: Any, expr: Any, label: Any) -> str | None:
    """The display label a result keeps for its kernel: ``label=`` if given, the text of a
    string kernel, or the constructor call that built ``K`` (or ``expr``, what ``K`` became
    at the boundary), else None."""
    if label is not None:
        return str(label)
    if isinstance(K, str):
        return " ".join(K.split())
    return label_of(K) or label_of(expr)


#: Sub-expressions that are kernels by construction (id -> (node, reason)): deep kernels of
#: activations with a Mehler dual (ReLU, erf) and their layer correlations.  Each has non-negative
#: Taylor coefficients and converges at c = 1 (Mehler's formula, proofs/01 and proofs/06).
_KNOWN_KERNELS: dict = {}
_KNOWN_LIMIT = 20_000


#: Registered sums by the shapes of their terms (see :func:`_term_shape`): frozenset of shapes ->
#: (the sum, reason, shape -> rational coefficient of that term).  ``2*K`` for a sum ``K = a + b``
#: is the new sum ``2*a + 2*b`` of new products (sympy distributes a number over a sum), but its
#: terms keep the factors of ``a`` and ``b``: it is found here and recognised as 2 times ``K``.
_KNOWN_SUMS: dict = {}


def register_kernel(expr: sympy.Expr, reason: str) -> None:
    """Record that ``expr`` is a kernel by construction (non-negative coefficients, convergent at 1).

    A product of positive numbers and one other factor registers that factor too (it is the
    kernel divided by a positive constant), since sympy flattens such products into larger ones.
    A sum is also recorded by the shapes of its terms, so that a positive rational multiple of
    it, which sympy distributes over the terms, is known too (:func:`is_known_kernel`).
    """
    while True:
        if len(_KNOWN_KERNELS) >= _KNOWN_LIMIT:
            _KNOWN_KERNELS.pop(next(iter(_KNOWN_KERNELS)))
        _KNOWN_KERNELS[id(expr)] = (expr, reason)
        if expr.is_Add:
            shapes = dict(_term_shape(t) for t in expr.args)
            if len(shapes) == len(expr.args):
                if len(_KNOWN_SUMS) >= _KNOWN_LIMIT:
                    _KNOWN_SUMS.pop(next(iter(_KNOWN_SUMS)))
                _KNOWN_SUMS[frozenset(shapes)] = (expr, reason, shapes)
        if not expr.is_Mul:
            return
        rest = [a for a in expr.args if not _small_positive_constant(a)]
        if len(rest) != 1 or rest[0] is expr:
            return
        expr = rest[0]


def _small_number(a: sympy.Basic) -> bool:
    return count_nodes(a, 16) < 16 and bool(a.is_number)


def _small_positive_constant(a: sympy.Basic) -> bool:
    return _small_number(a) and a.is_positive is True


def _term_shape(t: sympy.Basic) -> tuple[tuple[Any, ...], sympy.Rational]:
    """(shape, q) with ``t = q * (the factors the shape names)``: q rational, small numeric factors
    by value, every other factor by identity (never walked: a deep kernel is a DAG)."""
    q, rest = t.as_coeff_Mul(rational=True)
    factors = rest.args if rest.is_Mul else (rest,)
    numbers = [a for a in factors if _small_number(a)]
    others = sorted(id(a) for a in factors if not any(a is b for b in numbers))
    return (tuple(sorted(numbers, key=sympy.default_sort_key)), tuple(others)), q


def _known_multiple(e: sympy.Basic) -> str | None:
    """The reason of the registered sum K when ``e`` is ``lam * K`` for a rational ``lam > 0``."""
    shapes = dict(_term_shape(t) for t in e.args)
    hit = _KNOWN_SUMS.get(frozenset(shapes)) if len(shapes) == len(e.args) else None
    if hit is None:
        return None
    _, reason, known = hit  # the entry holds K, so the ids in its shapes are of K's live factors
    ratios = {q / known[shape] for shape, q in shapes.items()}
    if len(ratios) != 1 or not next(iter(ratios)) > 0:
        return None
    return f"{next(iter(ratios))} times a kernel by construction ({reason})"


def is_known_kernel(e: sympy.Basic) -> bool:
    """Whether ``e`` was registered as a kernel by construction (by identity), or is a positive
    rational multiple of a registered sum (then it is registered too, for the next call)."""
    hit = _KNOWN_KERNELS.get(id(e))
    if hit is not None and hit[0] is e:
        return True
    if not (_KNOWN_SUMS and isinstance(e, sympy.Add)):
        return False
    reason = _known_multiple(e)
    if reason is None:
        return False
    register_kernel(e, reason)
    return True
