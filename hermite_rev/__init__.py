r"""hermite_rev: reverse-engineer dot-product kernels into one-hidden-layer activations.

Conventions (used everywhere in the package)
--------------------------------------------
- ``c`` is the cosine between two inputs on the sphere; a dot-product kernel is
  ``K(c) = sum_k a_k c^k``.  Coefficient lists are ordered from lowest degree to highest.
- ``z`` is a pre-activation; ``h_k = He_k / sqrt(k!)`` are the *normalized probabilists'*
  Hermite polynomials, orthonormal under N(0, 1).  An activation is
  ``phi(z) = sum_k b_k h_k(z)``.
- A one-hidden-layer net with sigma_w = 1, sigma_b = 0 and unit-variance pre-activations has
  ``NNGP(c) = sum_k b_k^2 c^k`` and ``NTK(c) = sum_k (k+1) b_k^2 c^k``.
- Deep-network kernels use the NTK parameterization with ``sigma_w``, ``sigma_b`` per Dense
  layer and inputs with |x|^2/d = 1 (the conventions of neural-tangents).

Pipeline (one stage per module or subpackage; imports point down only)
-----------------------------------------------------------------------
::

    cli                      the command line: all printing          (top)
    plots                    public figure facade
    experiments/             the paper's experiments (parity, mimic, Figure 1), their figures
    verify/  spectrum/       independent checks (quadrature, finite width); Mercer spectra
    interop                  scikit-learn kernels
    nets  predict/  deep/  fit   training; kernel machines; deep reverse engineering; fits
    family                   sign families of activations (reverse)
    lower  export            numba-compiled activations; source for numpy/torch/jax/C/NT
    hermite                  coefficient maps, both directions
    series/                  Taylor coefficients (ball arithmetic), tail bounds, sign proofs
    kernels  activations     kernels as sympy expressions; activations by name or expression
    _figures  sweep          drawing (numbers in); execution (serial, processes, Dask)
    _numba/                  the numba kernels
    _core/                   errors, limits, symbols, text, registry, parser, precision (bottom)

The layers are checked by import-linter (``lint-imports``, contracts in ``pyproject.toml``).

References
----------
J. Simon, S. Anand, M. DeWeese, "Reverse engineering the neural tangent kernel", ICML 2022,
arXiv:2106.03186.  A. Bietti, F. Bach, "Deep equals shallow for ReLU networks in kernel
regimes", ICLR 2021, arXiv:2009.14397.
"""

import importlib as _importlib
from typing import TYPE_CHECKING

from . import kernels
from ._core.errors import DivergentSeriesError, HermiteRevError, HermiteRevWarning, NotAKernelError, NotAnalyticError
from ._core.exprs import c, z
from ._core.version import __version__ as __version__
from .deep import DeepActivationFamily, NotRealizableError, deep_reverse
from .family import Activation, ActivationFamily, reverse
from .hermite import hermite_coeffs, hermite_norm, kernel_of
from .predict import gram, network_kernel
from .series import Tail, TaylorCoeffs, taylor

if TYPE_CHECKING:  # the lazy stages, for type checkers (at run time they load on first use)
    from types import ModuleType

    from . import cli as cli
    from . import experiments as experiments
    from . import export as export
    from . import fit as fit
    from . import interop as interop
    from . import lower as lower
    from . import nets as nets
    from . import plots as plots
    from . import spectrum as spectrum
    from . import sweep as sweep
    from . import verify as verify


_LAZY = ("verify", "nets", "experiments", "spectrum", "lower", "export", "cli", "fit", "plots", "sweep", "interop")

__all__ = [
    "c",
    "z",
    "kernels",
    "taylor",
    "TaylorCoeffs",
    "Tail",
    "reverse",
    "deep_reverse",
    "DeepActivationFamily",
    "NotRealizableError",
    "ActivationFamily",
    "Activation",
    "hermite_coeffs",
    "hermite_norm",
    "kernel_of",
    "gram",
    "network_kernel",
    "predict",
    "HermiteRevError",
    "NotAKernelError",
    "NotAnalyticError",
    "HermiteRevWarning",
    "DivergentSeriesError",
    *_LAZY,
]


def __getattr__(name: str) -> "ModuleType":
    # heavy stages (numba, matplotlib, training) load on first use
    if name in _LAZY:
        module = _importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'hermite_rev' has no attribute {name!r}")


def __dir__() -> list[str]:
    # the public names, the stages loaded so far and the module's dunders; not the helpers of
    # this file (_importlib, TYPE_CHECKING)
    names = set(globals()) | set(__all__)
    return sorted(n for n in names if n != "TYPE_CHECKING" and (n.startswith("__") or not n.startswith("_")))
