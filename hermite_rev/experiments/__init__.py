r"""The paper's experiments (Simon, Anand & DeWeese 2022, arXiv:2106.03186), reproduced with this toolkit.

Place in the pipeline: the experiments stage, above verify / spectrum and every stage below
them, under the plots facade and the command line (which prints what the experiments return:
nothing here prints a table).

Index
-----
parity_kernel        the kernel designed for parity, and its reverse-engineered activation
parity               11-bit parity: 4HL ReLU vs 1HL sin(6z)/2 vs 1HL engineered activation
parity_task          one (trial, network) of parity as a pure function
mimic                wine (or any (X, y)): 1HL ReLU vs 4HL ReLU vs 1HL activations with the 4HL ReLU NTK
mimic_task           one (trial, network) of mimic on the wine data as a pure function
classification_data  any (X, labels) -> split, standardized, on the sphere, one-hot
wine_data            scikit-learn's bundled wine through classification_data
figure1              the paper's Figure 1: targets, Hermite coefficients, empirical kernel checks
estimate_seconds     trials x sum of (epoch cap x calibrated seconds per epoch)
run_experiment       run one by name, hand the result to a report, write the figure
paper_figures        the paper-style figure set (kernel, mimic activation, family, training)
ExperimentResult     what every experiment returns: an immutable dict of networks
FrozenDict           the immutable dict its rows, ``distance`` and ``info`` are
LR, PAPER_LR         the learning rate of every experiment, in this package's and the paper's loss
METRICS              the metrics of every network row

Full runs first calibrate every network for a few epochs and print the estimated time of the
whole run (stderr), then show one tqdm bar over the estimated work of trials x networks; each (trial, network) is a
pure task for :func:`hermite_rev.sweep.run_tasks` (local processes or Dask, same numbers).

Every experiment returns an :class:`ExperimentResult`: an immutable dict ``{network_name:
{"train_mse", "test_mse", "train_acc", "test_acc", "seconds", and "*_std"}}`` (means and
standard deviations over trials, and a row ``"NAME (infinite width)"`` per trained network: its
kernel-regime prediction) whose only keys are the networks; what an experiment reports beyond
them is in attributes (``mimic``: ``.distance`` and ``.info``).  It also writes a figure.
``fast=True`` is a small variant that runs in CI in well under a minute; the numbers of the
full runs are in the README section "training" and ``docs/guide/training.md``.

Training is :func:`hermite_rev.nets.train`: full-batch GD on
:math:`L = \frac{1}{2n}\sum_i \lVert f(x_i) - y_i\rVert^2`; the paper descends twice that loss
at lr 0.1, the same steps as lr :data:`LR` = 0.2 here (:mod:`._trials` says why).  Titles and
tables quote the paper's lr.

Modules
-------
_result    ExperimentResult and FrozenDict (values: immutable, picklable, equal by value)
_trials    the (trial, network) tasks over :mod:`hermite_rev.sweep`, time estimates, summaries
_data      parity on the cube; classification data on the sphere (scikit-learn's bundled wine)
_figures   every figure of the experiments, through :mod:`hermite_rev._figures`
_parity    the parity experiment (and the design of its kernel)
_mimic     the mimic experiment
_figure1   the paper's Figure 1
_run       experiments by name (``run_experiment``) and the paper's figure set
"""

from ._data import classification_data, wine_data
from ._figure1 import figure1
from ._mimic import mimic, mimic_task
from ._parity import parity, parity_kernel, parity_task
from ._result import METRICS, ExperimentResult, FrozenDict
from ._run import paper_figures, run_experiment
from ._trials import LR, PAPER_LR, estimate_seconds

__all__ = [
    "parity_kernel",
    "parity",
    "parity_task",
    "mimic",
    "mimic_task",
    "run_experiment",
    "paper_figures",
    "wine_data",
    "classification_data",
    "estimate_seconds",
    "figure1",
    "ExperimentResult",
    "FrozenDict",
    "LR",
    "PAPER_LR",
    "METRICS",
]

# the public names print and pickle under the package, where users import them from
for _obj in (
    parity_kernel,
    parity,
    parity_task,
    mimic,
    mimic_task,
    run_experiment,
    paper_figures,
    wine_data,
    classification_data,
    estimate_seconds,
    figure1,
    ExperimentResult,
    FrozenDict,
):
    _obj.__module__ = __name__
del _obj
