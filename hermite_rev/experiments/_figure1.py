r"""The paper's Figure 1: seven target kernels, their activations' Hermite coefficients, and checks.

Place in the pipeline: experiments stage, one of the three experiments (beside :mod:`._parity`
and :mod:`._mimic`); uses :mod:`._figures` below it, :func:`hermite_rev.reverse`, the rigorous
values of :mod:`hermite_rev.series` and the finite-width kernels of :mod:`hermite_rev.verify`.
It computes and draws; it prints nothing but its progress bar (stderr).

Index
-----
figure1_targets      the seven targets: (name, K, kind)
lsq5_coefficients    b_0..b_5 from a degree-5 least-squares fit of K on [-1, 1]
figure1_run          the experiment, returned with the function that draws its figure
figure1              the result, and the figure written to ``out``

References
----------
J. B. Simon, S. Anand, M. R. DeWeese, "Reverse Engineering the Neural Tangent Kernel",
ICML 2022, arXiv:2106.03186, Figure 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sympy
from tqdm.auto import tqdm

from .. import kernels
from .._core.errors import HermiteRevError
from .._core.exprs import c
from .._core.validate import check_positive_int
from ..family import reverse
from ..series import evaluate_at
from ..verify import empirical_kernel
from ._figures import figure1_figure
from ._result import ExperimentResult, ExperimentRun

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from .._core.typing import FloatArray, Kind

__all__ = ["figure1_targets", "lsq5_coefficients", "figure1_run", "figure1"]

#: the cosines at which figure1 compares the empirical kernels with their targets
FIGURE1_CS = (-0.9, -0.6, -0.3, 0.0, 0.3, 0.6, 0.9, 1.0)

#: the members figure1 can simulate: the one a net of the simulated width realises best, or all signs +
FIGURE1_MEMBERS = ("fluctuation", "all-plus")


def figure1_targets() -> list[tuple[str, sympy.Expr, Kind]]:
    """The seven targets of Figure 1 as ``(name, K, kind)``.

    >>> [name for name, _, _ in figure1_targets()][:3]
    ['4HL ReLU NNGP', '4HL ReLU NTK', '4HL erf NTK']
    """
    sw, sb = sympy.sqrt(2), sympy.Rational(1, 10)
    return [
        ("4HL ReLU NNGP", kernels.relu_nngp(4, sw, sb), "nngp"),
        ("4HL ReLU NTK", kernels.relu_ntk(4, sw, sb), "ntk"),
        ("4HL erf NTK", kernels.erf_ntk(4, sw, sb), "ntk"),
        ("c^3", c**3, "ntk"),
        ("c^4 + c", c**4 + c, "ntk"),
        ("sinh(2c)", sympy.sinh(2 * c), "ntk"),
        ("cosh(2c)", sympy.cosh(2 * c), "ntk"),
    ]


def lsq5_coefficients(K: sympy.Expr, kind: str, grid: int = 2001) -> tuple[FloatArray, FloatArray]:
    """b_0..b_5 from a degree-5 least-squares fit of K on [-1, 1] (how a printed table may have been made).

    Returns ``(b, a)``: the Hermite coefficients and the fitted Taylor coefficients a_0..a_5.

    >>> b, a = lsq5_coefficients(c**3, "ntk")
    >>> np.round(b, 6).tolist()
    [0.0, 0.0, 0.0, 0.5, 0.0, 0.0]
    """
    cs = np.linspace(-1.0, 1.0, grid)
    f = sympy.lambdify(c, K, "numpy")
    vals = np.broadcast_to(np.asarray(f(cs), dtype=float), cs.shape)
    a = np.polynomial.polynomial.polyfit(cs, vals, 5)
    k = np.arange(6)
    div = k + 1.0 if kind == "ntk" else np.ones(6)
    return np.sqrt(np.maximum(a, 0.0) / div), a


def figure1_run(
    width: int = 2**14,
    seed: int = 0,
    n: int = 40,
    dps: int = 30,
    *,
    cs: Sequence[float] = FIGURE1_CS,
    targets: Sequence[str] | None = None,
    progress: bool = True,
    member: str = "fluctuation",
) -> ExperimentRun:
    """:func:`figure1` without the figure: its result, and the function that draws the figure to a path."""
    width = check_positive_int(width, "width")
    n = check_positive_int(n, "n")
    if member not in FIGURE1_MEMBERS:
        raise HermiteRevError(f"member must be one of {FIGURE1_MEMBERS}, got member={member!r}")
    known = figure1_targets()
    if targets is not None:
        names = [t[0] for t in known]
        bad = [t for t in targets if t not in names]
        if bad:
            raise HermiteRevError(f"unknown figure1 target {bad[0]!r}; choose from {names}")
        known = [t for t in known if t[0] in targets]
    rows = {}
    acts = {}
    for name, K, kind in tqdm(known, desc="figure1", unit="target", disable=not progress):
        poly = K.is_polynomial(c)
        nn = int(sympy.degree(K, c)) + 1 if poly else n
        fam = reverse(K, kind, n=nn, dps=dps)
        plus = fam.activation()  # |b_k|: the same for every member
        act = plus if member == "all-plus" else fam.best("fluctuation", width=width, progress=False).activation
        fw = act.finite_width(width, kind, cs=[1])
        b = [float(v) for v in plus.coeffs[:6]] + [0.0] * max(0, 6 - len(plus.coeffs))
        a = [float(v) for v in fam.taylor[:6]] + [0.0] * max(0, 6 - len(fam.taylor))
        b_lsq, _ = lsq5_coefficients(K, kind)
        emp = empirical_kernel(act, kind, width=width, cs=list(cs), seed=seed)
        Kc = np.array([float(evaluate_at(K, sympy.Rational(str(v)), dps=20)[0]) for v in cs])  # rigorous values
        err = np.abs(emp - Kc)
        taylor = np.array([float(v) for v in fam.taylor], dtype=float)
        Kn = np.polynomial.polynomial.polyval(np.asarray(cs, dtype=float), taylor)  # the activation's exact kernel
        rows[name] = {
            "kind": kind,
            "b": b,
            "b_lsq5": [float(v) for v in b_lsq],
            "a": a,
            "tail_bound": float(fam.tail().bound),
            "terms": nn,
            "cs": [float(v) for v in cs],
            "K": Kc.tolist(),
            "empirical": emp.tolist(),
            "max_abs_error": float(err.max()),
            "max_rel_error": float(np.max(err / np.maximum(np.abs(Kc), 1e-300))),
            "max_abs_error_vs_truncated": float(np.max(np.abs(emp - Kn))),
            "signs": "".join("+" if v > 0 else "-" if v < 0 else "0" for v in act.coeffs),
            "mass_within": float(fw.mass_within),
            "mass_within_grad": float(fw.mass_within_grad),
        }
        acts[name] = act
    what = f"fluctuation (the member a width-{width} net realises best)" if member == "fluctuation" else "all signs +"
    result = ExperimentResult(
        rows, info={"width": width, "seed": seed, "series_terms": n, "member": member, "signs": what}
    )
    exprs = {name: K for name, K, _ in known}

    def draw(path: str | os.PathLike[str]) -> None:
        figure1_figure(result, acts, exprs, path, width, member=what)

    return ExperimentRun(result, draw)


def figure1(
    width: int = 2**14,
    seed: int = 0,
    n: int = 40,
    dps: int = 30,
    *,
    cs: Sequence[float] = FIGURE1_CS,
    targets: Sequence[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    progress: bool = True,
    member: str = "fluctuation",
) -> ExperimentResult:
    r"""The paper's Figure 1: seven target kernels, their activations' Hermite coefficients, and checks.

    Targets: the 4HL ReLU NNGP and NTK and the 4HL erf NTK (sigma_w^2 = 2, sigma_b = 0.1),
    and c^3, c^4 + c, sinh(2c), cosh(2c) (as NTKs).  For each: :func:`hermite_rev.reverse`
    with ``n`` Taylor terms (exact for the polynomials), the magnitudes of the first six Hermite
    coefficients (b_k = sqrt(a_k) for an NNGP, sqrt(a_k/(k+1)) for an NTK; the same for every
    member of the sign family), the certified tail bound of the dropped Taylor mass, the coefficients a
    degree-5 least-squares fit of K on [-1, 1] would give instead (the paper printed fitted
    values: for the deep ReLU kernels, whose Taylor series converge slowly at c = 1, the fit
    folds the tail into the low coefficients), and the empirical NTK/NNGP of the 1HL net at
    ``width`` against K at the cosines ``cs``.  The net's activation is the member ``member``:
    ``"fluctuation"`` (default), the signs a width-``width`` net realises best
    (``fam.best("fluctuation", width=width)``), or ``"all-plus"``, all signs + (whose
    high-degree terms put much of E[phi'^2] beyond the |z| <= sqrt(2 ln width) a net samples:
    its empirical deep-NTK points fall ~30% below K at c = 1).  ``targets``: a subset of the
    names (default all seven).  The figure is written to ``out`` when a path is given (by default nothing is written).

    Returns
    -------
    ExperimentResult
        ``{target: {"kind", "b" (|b_0|..|b_5|), "b_lsq5", "a" (a_0..a_5), "tail_bound", "terms", "cs",
        "K", "empirical", "max_abs_error", "max_rel_error", "max_abs_error_vs_truncated", "signs"
        (the member's sign of each b_k as +, - or 0), "mass_within", "mass_within_grad"
        (its share of E[phi^2], E[phi'^2] within sqrt(2 ln width))}}`` (the sequences as tuples),
        ``.info["member"]`` and ``.info["signs"]`` say which member was simulated;
        ``max_abs_error_vs_truncated`` is against the exact kernel of the truncated
        activation, sum_{k < terms} a_k c^k, i.e. the finite-width error alone (high-degree
        Hermite terms fluctuate strongly at finite width: h_k(z)^2 has heavy tails).

    References
    ----------
    J. B. Simon, S. Anand, M. R. DeWeese, "Reverse Engineering the Neural Tangent Kernel",
    ICML 2022, arXiv:2106.03186, Figure 1.
    """
    run = figure1_run(width, seed, n, dps, cs=cs, targets=targets, progress=progress, member=member)
    if out is not None:
        run.draw(out)
    return run.result
