r"""Drawing of spectra: numbers in, matplotlib axes out (log-log in the degree k, k = 0 shown).

Place: the lowest drawing module of the spectrum stage; draws through the leaf
:mod:`hermite_rev._figures` (matplotlib is imported on first use there) and imports nothing
else of the package, so :meth:`Spectrum.plot` and :func:`plot_compare` can both use it.

Index
-----
degree_axes    the axes of a spectrum: log mu_k against k (symlog: log above 1, k = 0 shown)
draw_spectrum  curves of mu_k on given (or new) axes, with a title unless the axes have one
draw_spectra   a saved figure of several spectra with the legend below the axes

A curve is ``(ks, values, fmt, options)``: the degrees, the (positive) eigenvalues as floats,
the matplotlib format string and the keyword options of ``ax.plot``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._figures import pyplot

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping, Sequence

    Curve = tuple[Sequence[int], Sequence[float], str, Mapping[str, Any]]

__all__ = ["degree_axes", "draw_spectrum", "draw_spectra"]


def degree_axes(ax: Any, d: int) -> None:
    r"""Log scale in mu_k, symlog in k (log above 1, with k = 0 shown), labels for S^{d-1}."""
    ax.set_yscale("log")
    ax.set_xscale("symlog", linthresh=1, linscale=0.5)  # log in k, with k = 0 shown
    ax.set_xlim(left=-0.3)
    ax.set_xlabel("degree k (log scale above 1)")
    ax.set_ylabel(rf"Mercer eigenvalue $\mu_k$ on $S^{{{d - 1}}}$")


def draw_spectrum(
    ax: Any,
    curves: Sequence[Curve],
    *,
    d: int,
    title: str,
    path: str | os.PathLike[str] | None = None,
    **kwargs: Any,
) -> Any:
    """Draw ``curves`` on ``ax`` (None: new 6 x 4 axes), ``kwargs`` passed to every ``ax.plot``;
    ``title`` is set only where the axes have none; saved to ``path`` if given.  Returns the axes."""
    if ax is None:
        _, ax = pyplot().subplots(figsize=(6, 4))  # Agg only when no display is configured
    for ks, values, fmt, options in curves:
        ax.plot(ks, values, fmt, **options, **kwargs)
    degree_axes(ax, d)
    ax.legend(fontsize=8)
    if not ax.get_title():
        ax.set_title(title, fontsize=9)
    if path is not None:
        ax.figure.tight_layout()
        ax.figure.savefig(path, dpi=120)
    return ax


def draw_spectra(path: str | os.PathLike[str], curves: Sequence[Curve], *, d: int, title: str) -> None:
    """Save a 6.6 x 5.6 figure of ``curves`` to ``path``, the legend below the axes (it covers
    no point); the figure is closed afterwards."""
    plt = pyplot()  # Agg only when no display is configured (keeps notebooks' inline backend)
    fig, ax = plt.subplots(figsize=(6.6, 5.6))
    for ks, values, fmt, options in curves:
        ax.plot(ks, values, fmt, **options)
    degree_axes(ax, d)
    ax.set_title(title, fontsize=9.5)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))  # below the axes: covers no point
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
