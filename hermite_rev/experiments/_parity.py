r"""The parity experiment: 4HL ReLU vs 1HL sin(6z)/2 vs a 1HL net with an engineered activation.

Place in the pipeline: experiments stage, one of the three experiments (beside :mod:`._mimic`
and :mod:`._figure1`); uses :mod:`._data`, :mod:`._trials` and :mod:`._figures` below it,
:func:`hermite_rev.reverse` and the kernels.  It computes and draws; it prints nothing but the
time estimate and progress bar of a run (stderr).

Index
-----
parity_kernel  the kernel designed for parity, its family, and the bounded member
parity_task    one (trial, network) of parity as a pure function
parity_run     the experiment, returned with the function that draws its figure
parity         11-bit parity (7 with ``fast``): the result, and the figure written to ``out``

Parity design.  Parity on {±1}^11 is odd (11 is odd) and is the degree-11 Walsh character.
On the cube every dot-product kernel with non-negative Taylor coefficients has per-character
eigenvalues that *decrease* with the character's degree (checked numerically for c^k), so no
such kernel prefers parity; what a kernel can do is be odd (K(-c) = -K(c): f(-x) = -f(x) for
free) and put its Taylor mass at high degree (a nearly flat spectrum, no bias towards the
low-degree characters that a ReLU kernel fits first).  We take the NTK
:math:`K(c) = \kappa \sinh(\beta c)/\sinh\beta` (odd, Taylor mass ~ Poisson(beta) on odd
degrees, centred at beta = 36 >> 11, kappa = 4.6 ~ the sin(6z)/2 NTK at c = 1), reverse
engineer it with ``n`` Hermite terms, and pick the member with signs :math:`(-1)^{(k-1)/2}`:
an oscillation of amplitude ~0.5 on |z| < 3 (close to sin(6z)/6-like shapes).  The all-plus
member behaves like :math:`e^{6z - 18}`: below 1e-5 on |z| < 3, so it barely moves at
init, and 7e4 at z = 8.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from .. import kernels
from .._core.errors import HermiteRevError
from .._core.exprs import c
from .._core.limits import check_size
from .._core.validate import as_number, check_positive_int
from ..family import reverse
from ._data import parity_data
from ._figures import parity_figure
from ._result import ExperimentResult, ExperimentRun
from ._trials import LR, collect, infinite_width, run_trials, summarise, train_net

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from numpy.typing import DTypeLike

    from .._core.typing import RealLike
    from ..family import Activation, ActivationFamily

__all__ = ["parity_kernel", "parity_task", "parity_run", "parity"]


def parity_kernel(
    beta: RealLike = 36, kappa: RealLike = 4.6, n: int = 80, dps: int = 30
) -> tuple[sympy.Expr, ActivationFamily, Activation]:
    """The parity NTK ``kappa sinh(beta c)/sinh(beta)``, its family, and the bounded member.

    Returns ``(K, family, activation)``; the activation has signs (-1)^((k-1)/2) on its odd
    Hermite coefficients (see the module docstring).
    """
    b, k = as_number(beta, "beta"), as_number(kappa, "kappa")  # exact (4.6 -> 23/5)
    for name, value, exact in (("beta", beta, b), ("kappa", kappa, k)):
        if exact == 0:
            raise HermiteRevError(f"{name} must be nonzero, got {name}={value!r}")
    K = k * sympy.sinh(b * c) / sympy.sinh(b)
    fam = reverse(K, "ntk", n=n, dps=dps)
    act = fam.activation({k: (-1) ** ((k - 1) // 2) for k in fam.nonzero})
    return K, fam, act


def parity_task(
    bits: int, trial_seed: int, cfg: Mapping[str, Any], dtype: DTypeLike = np.float32, progress: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One (trial, network) of :func:`parity` as a pure function: ``(final metrics, curves)``.

    ``cfg``: widths, activation, sigma_w, sigma_b, lr, epochs (and optionally stop_mse,
    default 1e-3, and eval_every, default 10).  ``progress`` is accepted for compatibility.
    """
    cfg = {"stop_mse": 1e-3, "eval_every": 10, **cfg}
    return train_net("", cfg, parity_data(bits, trial_seed), trial_seed, dtype)


def parity_run(
    trials: int = 30,
    seed: int = 0,
    fast: bool = False,
    *,
    progress: bool = True,
    dtype: DTypeLike = np.float32,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> ExperimentRun:
    """:func:`parity` without the figure: its result, and the function that draws the figure to a path."""
    trials = check_positive_int(trials, "trials")
    seed = check_size(seed, "seed", low=0)
    bits, width, epochs = (7, 64, (400, 300, 300)) if fast else (11, 128, (10000, 4000, 4000))
    if fast:
        trials = min(trials, 2)
    _, fam, eng = parity_kernel()
    common = dict(lr=LR, stop_mse=1e-3, eval_every=10)
    nets = {
        "4HL ReLU": dict(
            widths=[width] * 4, activation="relu", sigma_w=math.sqrt(2), sigma_b=0.1, epochs=epochs[0], **common
        ),
        "1HL sin(6z)/2": dict(widths=[width], activation="sin6", sigma_w=1.0, sigma_b=0.0, epochs=epochs[1], **common),
        "1HL engineered": dict(widths=[width], activation=eng, sigma_w=1.0, sigma_b=0.0, epochs=epochs[2], **common),
    }
    tasks = [
        {"data": parity_data(bits, seed + t), "seed": seed + t, "dtype": dtype, "nets": nets} for t in range(trials)
    ]
    what = (
        f"parity ({'fast' if fast else 'full'} run: {bits} bits, width {width}, {trials} trial(s), "
        f"seeds {seed}..{seed + trials - 1})"
    )
    results = run_trials(tasks, progress, what, 0 if fast else 20, client, scheduler, workers)
    runs, curves = collect(results, nets)
    ntks = {
        "4HL ReLU": kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10)),
        # sin(6z)/2, sigma_w = 1, sigma_b = 0: E[phi phi] + c E[phi' phi'] in closed form
        "1HL sin(6z)/2": (sympy.sinh(36 * c) / 4 + 9 * c * sympy.cosh(36 * c)) * sympy.exp(-36),
        "1HL engineered": [float(a) for a in fam.taylor],
    }  # the truncated series' exact NTK
    rows = {name: summarise(r) for name, r in runs.items()}
    rows.update(infinite_width(ntks, tasks, results, nets))
    result = ExperimentResult(rows)

    def draw(path: str | os.PathLike[str]) -> None:
        parity_figure(result, curves, path, bits, width=width, trials=trials)

    return ExperimentRun(result, draw)


def parity(
    trials: int = 30,
    seed: int = 0,
    fast: bool = False,
    *,
    out: str | os.PathLike[str] | None = None,
    progress: bool = True,
    dtype: DTypeLike = np.float32,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> ExperimentResult:
    r"""The paper's parity experiment.

    Full: n = 11 bits, all 2048 points shuffled (``seed + trial``), 1024 train / 1024 test,
    label = parity (±1), width 128, full-batch GD, stop at train MSE 1e-3.  Networks:

    - ``4HL ReLU``: sigma_w^2 = 2, sigma_b = 0.1, up to 10000 epochs;
    - ``1HL sin(6z)/2``: sigma_w = 1, sigma_b = 0, up to 4000 epochs;
    - ``1HL engineered``: :func:`parity_kernel`'s activation, sigma_w = 1, sigma_b = 0,
      up to 4000 epochs.

    All at the paper's lr 0.1 on its loss mean |f - y|^2, i.e. :data:`LR` = 0.2 here.

    Fast: 7 bits (64 / 64), width 64, 400 / 300 / 300 epochs, ``min(trials, 2)`` trials.

    With ``progress=True`` (default) the full run first prints (stderr) the estimated time
    from a short calibration, then shows a tqdm bar over the estimated work of trials x networks.

    Every (trial, network) pair is one pure task (seeded by ``seed + trial``), run by
    :func:`hermite_rev.sweep.run_tasks` on a Dask ``client`` / ``scheduler`` address, or
    locally on ``workers`` processes (None: one per core; 1: serially in this process).  The
    numbers do not depend on where the tasks run (``seconds`` aside).  The figure (training
    curves of every trial) is written to ``out`` when a path is given (by default nothing is written).

    Returns
    -------
    ExperimentResult
        ``{network_name: {"train_mse", "test_mse", "train_acc", "test_acc", "seconds", "*_std", ...}}``
        and a row ``"NAME (infinite width)"`` per network (``.distance`` and ``.info`` are None).
    """
    run = parity_run(
        trials, seed, fast, progress=progress, dtype=dtype, client=client, scheduler=scheduler, workers=workers
    )
    if out is not None:
        run.draw(out)
    return run.result
