"""The experiments' data: parity on the cube, and classification data on the sphere.

Place in the pipeline: experiments stage, beside :mod:`._trials`; imports numpy,
:func:`hermite_rev.nets.sphere_inputs` and :mod:`hermite_rev._core`.  scikit-learn is imported
when its bundled data set is loaded (only data shipped with scikit-learn: nothing is downloaded).

Index
-----
parity_data          {±1}^bits with the parity label, shuffled by ``seed``, split in halves
classification_data  any (X, labels) -> split, standardized, on the sphere, one-hot
wine_data            scikit-learn's bundled wine through classification_data

Every loader returns ``(X_train, Y_train, X_test, Y_test)``, determined by its ``seed``.

>>> Xtr, ytr, Xte, yte = parity_data(3, seed=0)
>>> Xtr.shape, np.unique(np.concatenate([ytr, yte])).tolist()
((4, 3), [-1.0, 1.0])
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

from .._core.errors import HermiteRevError
from .._core.limits import check_size
from .._core.text import short
from ..nets import sphere_inputs

if TYPE_CHECKING:
    from .._core.typing import ArrayLike, FloatArray

__all__ = ["parity_data", "classification_data", "wine_data"]


def parity_data(bits: int, seed: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """All ``2**bits`` points of {±1}^bits labelled by their parity (the product of the bits),
    shuffled by ``seed``: the first half to train on, the second to test."""
    X = np.array(list(itertools.product([-1.0, 1.0], repeat=bits)))
    y = np.prod(X, axis=1)
    perm = np.random.default_rng(seed).permutation(len(X))
    half = len(X) // 2
    tr, te = perm[:half], perm[half:]
    return X[tr], y[tr], X[te], y[te]


def classification_data(
    X: ArrayLike, y: ArrayLike, seed: int = 0, train_fraction: float = 0.5
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Any (X, labels) as the mimic experiment uses it: split, standardize, sphere, one-hot.

    A stratified random split (``seed``), features standardized with the training statistics,
    rows scaled to |x|^2/d = 1, targets one-hot over the sorted distinct labels.  E.g. the
    paper's UCI wine-quality-red CSV: ``classification_data(df.iloc[:, :-1], df.quality)``.

    Returns
    -------
    (X_train, Y_train, X_test, Y_test)
    """
    seed = check_size(seed, "seed", low=0)
    try:
        X = np.asarray(X, dtype=np.float64)
        fraction = float(train_fraction)
    except (TypeError, ValueError):
        raise HermiteRevError(
            f"X must be an array of real numbers and train_fraction a number, got X={short(repr(X), 40)}, "
            f"train_fraction={short(repr(train_fraction), 40)}"
        ) from None
    labels = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[0] != labels.shape[0]:
        raise HermiteRevError(f"X must be (n, d) with one label per row, got X {X.shape} and y {labels.shape}")
    if not np.all(np.isfinite(X)):
        raise HermiteRevError("X must be finite")
    if not 0 < fraction < 1:
        raise HermiteRevError(f"train_fraction must be in (0, 1), got train_fraction={short(repr(train_fraction), 60)}")
    classes, idx_of = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise HermiteRevError(f"y must have at least 2 classes, got {len(classes)}")
    rng = np.random.default_rng(seed)
    tr_list: list[int] = []
    te_list: list[int] = []
    for k in range(len(classes)):
        idx = rng.permutation(np.flatnonzero(idx_of == k))
        n_tr = int(round(fraction * len(idx)))
        tr_list.extend(idx[:n_tr])
        te_list.extend(idx[n_tr:])
    tr, te = np.array(sorted(tr_list)), np.array(sorted(te_list))
    mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
    sd[sd == 0] = 1.0
    Xs = sphere_inputs((X - mu) / sd)
    Y = np.eye(len(classes))[idx_of]
    return Xs[tr], Y[tr], Xs[te], Y[te]


def wine_data(seed: int = 0, train_fraction: float = 0.5) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """scikit-learn's bundled wine data (178 x 13, 3 classes; no download) via :func:`classification_data`.

    The paper used UCI wine-quality-red (1599 x 11), which no installable package ships;
    pass that CSV to :func:`mimic` as ``dataset=(X, y)`` to run the paper's setting.
    """
    try:
        from sklearn.datasets import load_wine  # lazy: scikit-learn is slow to import
    except ImportError as exc:  # pragma: no cover - scikit-learn is a dependency
        raise HermiteRevError("the mimic experiment needs scikit-learn (pip install scikit-learn)") from exc
    data = load_wine()
    return classification_data(data.data, data.target, seed, train_fraction)
