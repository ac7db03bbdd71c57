"""Figures: kernels, activations, families, width scaling, and the paper-style set.

The public face of the figures (a facade at the top of the pipeline, beside :mod:`hermite_rev.cli`):
the drawing lives in the leaf :mod:`hermite_rev._figures` (numbers in, figures out), the values of
kernels on grids in :mod:`hermite_rev.series` and the paper's figure set beside the experiments.

Index
-----
kernel_label        what a figure calls a kernel: the user's label or text, never a long sympy tree
plot_kernel         K(c) on [-1, 1] and/or its truncated Taylor series, with a residual inset near
                    c = 1 (target minus truncated kernel, and the rigorous tail bound)
plot_activation     an activation next to ReLU
family_signs        which members plot_family draws, and a sentence saying how they were chosen
plot_family         members of a sign family that differ in their low-order signs (seeded)
plot_width_scaling  finite-width error against width, with the fitted exponent and its uncertainty
paper_figures       the figure set of the paper (kernel, mimic activation, family, training curves)

Every function takes an optional matplotlib ``ax`` and returns it; ``paper_figures`` saves
files and returns their paths.  matplotlib's backend is never forced (headless matplotlib falls
back to Agg by itself), so inline plots in Jupyter keep working.
"""

from ._figures import family_signs, kernel_label, net_text, plot_activation, plot_family, plot_width_scaling
from .experiments import paper_figures
from .series._values import plot_kernel

__all__ = [
    "kernel_label",
    "plot_kernel",
    "plot_activation",
    "family_signs",
    "net_text",
    "plot_family",
    "plot_width_scaling",
    "paper_figures",
]
