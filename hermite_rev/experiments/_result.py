"""What an experiment returns: an immutable dict of networks, and the frozen dicts it is made of.

Place in the pipeline: the bottom of the experiments stage (every other module of the package
builds or reads these values); imports only numpy and the standard library.

Index
-----
METRICS           the metrics of every network row (each also with its ``*_std`` over trials)
FrozenDict        a ``dict`` whose mutating methods raise: picklable, deep-copyable, hashable,
                  equal by value, and written by ``json.dumps`` as the dict it is
freeze            a value with every dict made a FrozenDict and every list, tuple or array a tuple
ExperimentResult  ``{network_name: metrics}`` (FrozenDict rows), with ``.distance`` and ``.info``
ExperimentRun     a result and the function that draws its figure (what ``run_experiment`` needs
                  to print the table before it writes the figure)

A result is a value, so it crosses process and Dask boundaries, and nothing a user does to the
dict changes what a table or a figure made from it says.  Change a copy: ``dict(result)`` and
``dict(result[name])`` are plain dicts.

>>> r = ExperimentResult({"net": {"test_acc": 0.9, "b": [0.5, 0.25]}}, info={"terms": 3})
>>> r["net"]["b"], type(r["net"]).__name__
((0.5, 0.25), 'FrozenDict')
>>> r["net"]["test_acc"] = 1.0
Traceback (most recent call last):
    ...
TypeError: FrozenDict is immutable: change a copy, dict(...)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from .._core.text import REPR_LIMIT, short
from .._core.values import FrozenDict, freeze

if TYPE_CHECKING:
    import os

__all__ = ["METRICS", "FrozenDict", "freeze", "ExperimentResult", "ExperimentRun"]

METRICS = ("train_mse", "test_mse", "train_acc", "test_acc", "seconds")


class ExperimentResult(FrozenDict):
    """The result of an experiment: a frozen dict ``{network_name: metrics}`` and nothing else.

    Every key is a network (so ``for name, r in result.items()`` sees only networks); what an
    experiment reports beyond the networks is in attributes.  Rows, ``distance`` and ``info``
    are :class:`FrozenDict` values; equality compares the rows and both attributes.

    Attributes
    ----------
    distance : FrozenDict or None
        ``mimic``: ``{network: {"<train|test>_mse vs <reference>": RMS log10 distance}}``;
        None for ``parity``.
    info : FrozenDict or None
        ``mimic``: how the mimic activations were built (``series_terms``, ``tail_bound``,
        ``K1``, and ``fit_sup_error``, ``fit_seconds`` when a fitted form was used); None for
        ``parity``.

    :meth:`to_json` is what ``hermite-rev experiment NAME --json`` prints:
    ``{"networks": {...}, "distance": ..., "info": ...}``.

    >>> r = ExperimentResult({"1HL ReLU": {"test_acc": 0.9}}, distance={"1HL ReLU": {}})
    >>> list(r), r.distance, r.info
    (['1HL ReLU'], {'1HL ReLU': {}}, None)
    >>> sorted(r.to_json())
    ['distance', 'info', 'networks']
    """

    __slots__ = ("distance", "info")
    distance: FrozenDict | None
    info: FrozenDict | None

    def __init__(
        self, networks: Any = (), *, distance: Mapping[str, Any] | None = None, info: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(networks)
        object.__setattr__(self, "distance", None if distance is None else FrozenDict(distance))
        object.__setattr__(self, "info", None if info is None else FrozenDict(info))

    def to_json(self) -> dict[str, Any]:
        """A plain dict for JSON: ``{"networks": {...}, "distance": ..., "info": ...}``."""
        return {"networks": dict(self), "distance": self.distance, "info": self.info}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ExperimentResult):
            return dict.__eq__(self, other) and self.distance == other.distance and self.info == other.info
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:  # type: ignore[override]
        return hash((frozenset(self.items()), self.distance, self.info))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),), (self.distance, self.info))

    def __setstate__(self, state: tuple[Any, Any]) -> None:
        object.__setattr__(self, "distance", state[0])
        object.__setattr__(self, "info", state[1])

    def __repr__(self) -> str:
        text = f"ExperimentResult({dict.__repr__(self)}, distance={self.distance!r}, info={self.info!r})"
        return short(text, REPR_LIMIT)


class ExperimentRun(NamedTuple):
    """An experiment's result and the function that writes its figure to a path.

    What :func:`hermite_rev.experiments.run_experiment` gets from ``parity_run``, ``mimic_run``
    and ``figure1_run``: the figure is drawn after the table is printed, from data (training
    curves, activations) that the result, a value of numbers, does not carry.
    """

    result: ExperimentResult
    draw: Callable[[str | os.PathLike[str]], None]
