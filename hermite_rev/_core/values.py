"""Result types as values: the base of the frozen results and the helpers they share (a leaf).

Index
-----
Value        mixin for frozen dataclasses: equality and hash by value, pickling, copying
FrozenDict   a dict that cannot change (hashable, picklable, JSON-ready): mapping fields of results
freeze       a value with every mapping a FrozenDict and every list, tuple or array a tuple
same         equality by value of field contents (sympy DAGs in linear time, numpy arrays)
value_hash   a hash consistent with :func:`same`

Every result object of the package is immutable, picklable and deep-copyable, with equality
by value (API.md), so it crosses process and Dask boundaries and a sweep's results can be
compared with a serial run's.  A frozen dataclass gets all of this by deriving from
:class:`Value` (and ``eq=False``, so the dataclass does not replace ``__eq__``/``__hash__``):

- ``==`` compares the fields with ``compare=True`` (:func:`same`: sympy expressions node by
  node, each pair of distinct nodes once; arrays elementwise); ``hash`` agrees with it;
- ``pickle`` writes the fields without ``metadata={"transient": True}`` (caches), sympy
  expressions as built (:func:`~hermite_rev._core.exprs.as_built`: unevaluated kernels come
  back ``==``), and a transient field comes back as its default;
- ``copy.copy`` and ``copy.deepcopy`` return the object itself: it never changes.

Place in the pipeline: a leaf of :mod:`hermite_rev._core`; imports only ``exprs``, numpy and
sympy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, NoReturn

import numpy as np
import sympy

from .exprs import as_built, same_expr

__all__ = ["Value", "FrozenDict", "freeze", "same", "value_hash"]


def same(a: Any, b: Any) -> bool:
    """Equality by value of result fields: sympy DAGs by :func:`~hermite_rev._core.exprs.same_expr`,
    numpy arrays elementwise (and by shape), tuples, lists and mappings item by item, anything
    else by ``==``."""
    if a is b:
        return True
    if isinstance(a, sympy.Basic) or isinstance(b, sympy.Basic):
        return same_expr(a, b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def value_hash(a: Any) -> int:
    """A hash consistent with :func:`same` (arrays by their bytes, lists and mappings by content)."""
    if isinstance(a, np.ndarray):
        return hash((a.shape, a.tobytes()))
    if isinstance(a, (tuple, list)):
        return hash(tuple(value_hash(x) for x in a))
    if isinstance(a, Mapping):
        return hash(frozenset((k, value_hash(v)) for k, v in a.items()))
    return hash(a)


def freeze(value: Any) -> Any:
    """``value`` with every mapping a :class:`FrozenDict` and every list, tuple or array a tuple.

    Numpy scalars become Python numbers; other leaves (numbers, strings, None) are kept.

    >>> freeze({"a": [1, {"b": np.float64(2.0)}]})
    {'a': (1, {'b': 2.0})}
    """
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, Mapping):
        return FrozenDict(value)
    if isinstance(value, np.ndarray):
        return tuple(freeze(v) for v in value.tolist())
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


class FrozenDict(dict[Any, Any]):
    """A ``dict`` that cannot change: its mutating methods raise :class:`TypeError`.

    Built from anything ``dict()`` takes; the values are frozen too (:func:`freeze`).  It is a
    real dict (``isinstance(d, dict)``, ``json.dumps(d)``, ``d == {...}``), hashable when its
    values are, and pickles and deep-copies to an equal FrozenDict.  ``dict(d)`` is a mutable
    copy.

    >>> d = FrozenDict(a=1.0, b=[2, 3])
    >>> d == {"a": 1.0, "b": (2, 3)}, hash(d) == hash(FrozenDict(b=(2, 3), a=1.0))
    (True, True)
    >>> d.update(c=4)
    Traceback (most recent call last):
        ...
    TypeError: FrozenDict is immutable: change a copy, dict(...)
    """

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__((k, freeze(v)) for k, v in dict(*args, **kwargs).items())

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{type(self).__name__} is immutable: change a copy, dict(...)")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")

    def __hash__(self) -> int:  # type: ignore[override]
        return value_hash(self)

    def __reduce__(self) -> tuple[Any, ...]:
        # dict's own reduction refills the dict item by item (the refused __setitem__)
        return (type(self), (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self  # immutable all the way down (freeze): a copy would be equal and as frozen

    @classmethod
    def fromkeys(cls, keys: Any, value: Any = None) -> FrozenDict:
        """A FrozenDict with ``keys``, each mapped to ``value``."""
        return cls((k, value) for k in keys)


class Value:
    """Mixin for frozen dataclasses that are values (see the module docstring)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if type(other) is not type(self):
            return NotImplemented
        return all(
            same(getattr(self, f.name), getattr(other, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if f.compare
        )

    def __hash__(self) -> int:
        return hash(
            tuple(value_hash(getattr(self, f.name)) for f in dataclasses.fields(self) if f.compare)  # type: ignore[arg-type]
        )

    def __getstate__(self) -> dict[str, Any]:
        return {
            f.name: as_built(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if not f.metadata.get("transient")
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.metadata.get("transient"):
                fresh = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
                object.__setattr__(self, f.name, fresh)
        for name, v in state.items():
            object.__setattr__(self, name, v)

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self  # immutable: a copy is the object itself
