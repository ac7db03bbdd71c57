r"""Activation families: every activation of a one-hidden-layer net with a given kernel.

Index
-----
reverse            kernel -> ActivationFamily (the reverse-engineering theorem; any sigma_w, sigma_b,
                   readout and parameterization: proofs/09_reverse_hyperparameters.md)
ActivationFamily   magnitudes |b_k|, count(), members(), activation(signs), tail()
Activation         signed Hermite coefficients b_k; expr, kernel(), compile(), export()
as_kernel          a kernel given as an expression, a string or Taylor coefficients -> sympy expr
PARAMETERIZATIONS  the parameterizations reverse accepts ("ntk", "standard")

Place: kernels -> series -> hermite -> **family**; imports :mod:`hermite_rev._core`,
:mod:`hermite_rev.series` and :mod:`hermite_rev.hermite` (the one reverse map,
:func:`~hermite_rev.hermite.magnitudes_from_taylor`, serves every path of ``reverse``), and lazily
:mod:`hermite_rev.kernels` (coefficient lists) and, behind the facade methods ``compile``, ``export``,
``best`` and ``plot``, :mod:`hermite_rev.lower`, :mod:`hermite_rev.export`, :mod:`hermite_rev._figures`.

Theorem (Simon, Anand & DeWeese 2022, arXiv:2106.03186).  Let K(c) = sum_k a_k c^k with
a_k >= 0 converge at c = 1.  A one-hidden-layer net with sigma_w = 1, sigma_b = 0 and
activation phi(z) = sum_k b_k h_k(z) has NNGP K iff b_k^2 = a_k for all k, and NTK K iff
(k+1) b_k^2 = a_k.  The signs of the b_k are free and every such activation is of this form,
so the family has 2^m members, m the number of nonzero a_k.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np
import sympy

from ._core.errors import HermiteRevError
from ._core.exprs import c, z
from ._core.limits import check_size
from ._core.registry import kernel_name, label_for
from ._core.text import format_bound, format_value, short
from ._core.validate import as_expr, check_kind, check_positive_int, coefficient_list, exact_number, public
from ._core.values import FrozenDict, Value
from ._figures import plot_family
from ._fluctuation import FiniteWidth, finite_width
from .export import export_activation
from .hermite import (
    HermiteNorm,
    hermite_coeffs,
    hermite_norm,
    hermite_norm_eval,
    hermite_norm_eval_np,
    hermite_rescale,
    kernel_from_hermite,
    magnitudes_from_taylor,
    not_a_kernel,
    rescale_matrix,
)
from .kernels import polynomial
from .lower import best_member, compile_activation
from .series import Tail, TaylorCoeffs, certify_convergence, tail_bound, taylor

if TYPE_CHECKING:
    from ._core.typing import ActivationLike, KernelLike, Kind, RealLike, Signs
    from .lower import BestMember, CompiledActivation

__all__ = ["reverse", "ActivationFamily", "Activation"]


@dataclass(frozen=True, eq=False)
class Activation(Value):
    r"""An activation :math:`\phi(z) = \sum_k b_k h_k(z)` given by its Hermite coefficients.

    Attributes
    ----------
    coeffs : tuple of mpmath.mpf
        Signed b_0 .. b_{n-1}.
    errors : tuple of mpmath.mpf
        Absolute error bound of each b_k.
    dps : int
        Digits the coefficients carry.
    exact : tuple or None
        Exact sympy b_k where known.
    kind, source : str, sympy.Expr or None
        The kernel kind and kernel this activation was reverse-engineered from.
    truncation : Tail or None
        What the truncation to n terms dropped from the kernel, K(1) - sum_{k<n} a_k.

    A value (:class:`hermite_rev._core.values.Value`): immutable, equal by its fields, picklable
    and deep-copyable; what it caches (``expr``, the compiled form) is not part of the value and
    stays behind when it is pickled.
    """

    coeffs: tuple
    errors: tuple = None  # type: ignore[assignment]  # None -> zeros in __post_init__
    dps: int = 30
    exact: tuple | None = None
    kind: Kind | None = None
    source: sympy.Expr | None = None
    truncation: Tail | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False, metadata={"transient": True})

    def __post_init__(self) -> None:

        with mpmath.workdps(self.dps):  # mpf() rounds to the context precision
            coeffs = tuple(
                mpmath.mpf(sympy.N(b, self.dps + 10)) if isinstance(b, sympy.Basic) else mpmath.mpf(b)
                for b in coefficient_list(self.coeffs, "coeffs")
            )
        if not coeffs:
            raise HermiteRevError("an activation needs at least one Hermite coefficient, got coeffs=()")
        object.__setattr__(self, "coeffs", coeffs)
        errs = coefficient_list(self.errors, "errors") if self.errors is not None else (mpmath.mpf(0),) * len(coeffs)
        if len(errs) != len(coeffs):
            raise HermiteRevError(f"errors must have {len(coeffs)} entries, got {len(errs)}")
        object.__setattr__(self, "errors", tuple(mpmath.mpf(e) for e in errs))

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def from_expr(cls, phi: ActivationLike, n: int, dps: int = 30) -> Activation:
        """The first ``n`` Hermite coefficients of a sympy activation ``phi(z)``."""
        hc = hermite_coeffs(phi, n, dps)
        return cls(hc.values, hc.errors, dps, hc.exact)

    # --- views ------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.coeffs)

    @property
    def degree(self) -> int:
        """Highest k with b_k != 0 (-1 for the zero activation)."""
        nz = [k for k, b in enumerate(self.coeffs) if b != 0]
        return nz[-1] if nz else -1

    #: the form of :attr:`expr`: a sum of unexpanded :class:`~hermite_rev.hermite.HermiteNorm` terms
    expr_form = "hermite"

    @property
    def expr(self) -> sympy.Expr:
        r"""sympy expression in z: :math:`\sum_k b_k\, \mathrm{HermiteNorm}(k, z)`, exact where the
        coefficients are.

        The form is :attr:`expr_form` = ``"hermite"``: unexpanded normalized Hermite
        polynomials (:class:`hermite_rev.hermite.HermiteNorm`), which ``lambdify`` evaluates with
        numpy's Clenshaw recurrence (``hermite_e.hermeval``) or mpmath, ``diff`` differentiates
        exactly and ``evalf`` evaluates at any precision.  :attr:`expr_monomial` is the expanded
        polynomial.
        """
        if "expr" not in self._cache:
            bs = list(self.exact) if self.exact is not None else [sympy.Float(b, self.dps) for b in self.coeffs]
            self._cache["expr"] = sympy.Add(*[b * HermiteNorm(k, z) for k, b in enumerate(bs) if b != 0])
        return self._cache["expr"]

    @property
    def expr_monomial(self) -> sympy.Expr:
        """The expanded polynomial sum_k b_k h_k(z) in powers of z.

        Warning: its coefficients are large and alternate in sign, so evaluating it in float64
        (e.g. after ``sympy.lambdify``) cancels catastrophically at high degree (degree ~100 and
        |z| >= 6 gives values wrong in every digit).  Use :attr:`expr`, :meth:`__call__` or
        :meth:`compile` to evaluate.
        """
        if "expr_monomial" not in self._cache:
            bs = list(self.exact) if self.exact is not None else [sympy.Float(b, self.dps) for b in self.coeffs]
            expr = sympy.expand(sympy.Add(*[b * hermite_norm(k) for k, b in enumerate(bs) if b != 0]))
            self._cache["expr_monomial"] = expr if self.exact is not None else expr.evalf(self.dps)
        return self._cache["expr_monomial"]

    @public
    def __call__(self, x: RealLike) -> mpmath.mpf:
        """phi(x) (scalar) at the activation's own precision: ``dps + 10`` digits while summing,
        the result rounded to ``dps`` digits, whatever the global mpmath precision is."""
        with mpmath.workdps(self.dps + 10):
            v = hermite_norm_eval(self.coeffs, mpmath.mpf(x))
        with mpmath.workdps(self.dps):
            return +v

    def derivative(self) -> Activation:
        """phi' as an Activation: h_k' = sqrt(k) h_{k-1}, so b'_k = sqrt(k+1) b_{k+1}."""
        with mpmath.workdps(self.dps):
            co = [mpmath.sqrt(k + 1) * self.coeffs[k + 1] for k in range(self.n - 1)] or [mpmath.mpf(0)]
            er = [mpmath.sqrt(k + 1) * self.errors[k + 1] for k in range(self.n - 1)] or [mpmath.mpf(0)]
        ex = None
        if self.exact is not None:
            ex = tuple(sympy.sqrt(k + 1) * self.exact[k + 1] for k in range(self.n - 1)) or (sympy.Integer(0),)
        return Activation(tuple(co), tuple(er), self.dps, ex)

    @public
    def kernel(self, kind: str = "ntk", n: int | None = None) -> TaylorCoeffs:
        r"""Forward map: Taylor coefficients of the 1HL NNGP (b_k^2) or NTK ((k+1) b_k^2).

        ``n`` defaults to the number of coefficients; beyond it the activation has none, so
        the extra kernel coefficients are exactly 0.
        """
        kind = check_kind(kind)
        n = self.n if n is None else check_size(n, "n", "taylor_n")  # n=10**9 filled 24 GiB with zeros
        b = list(self.coeffs[:n]) + [mpmath.mpf(0)] * max(0, n - self.n)
        e = list(self.errors[:n]) + [mpmath.mpf(0)] * max(0, n - self.n)
        with mpmath.workdps(self.dps):
            vals = kernel_from_hermite(b, kind)
            errs = [
                (1 if kind == "nngp" else k + 1) * (2 * abs(bk) * ek + ek * ek) for k, (bk, ek) in enumerate(zip(b, e))
            ]
        expr = sympy.Symbol(f"{kind.upper()}[{self.short()}]")
        with mpmath.workdps(self.dps):
            total = mpmath.fsum(kernel_from_hermite(self.coeffs, kind))
            dropped = mpmath.fsum(vals)
            tail = Tail(bound=total - dropped + mpmath.fsum(errs), estimate=total - dropped, k1=total, rigorous=True)
        return TaylorCoeffs(
            vals, expr=expr, dps=self.dps, errors=errs, exact=False, rigorous=True, engine="hermite", tail=tail
        )

    @public
    def finite_width(
        self, width: int, kind: str = "ntk", cs: RealLike | Sequence[RealLike] | None = None
    ) -> FiniteWidth:
        r"""Exact fluctuations of the width-``width`` empirical kernel of a one-hidden-layer net.

        The net is :mod:`hermite_rev.nets`' (NTK parameterization, sigma_w = 1, sigma_b = 0,
        readout Dense(1, 0)); its empirical NNGP / NTK is a mean of ``width`` i.i.d. terms, so its
        variance at each cosine is exactly (E[T^2] - K^2) / width, which the Hermite coefficients
        give through the linearization of phi^2, phi phi', phi'^2 and Mehler's formula
        (:mod:`hermite_rev._fluctuation`).  Computed in ball arithmetic (python-flint) from the
        coefficients and their error bounds: every number comes with a proven error bound.

        Parameters
        ----------
        width : int
            Hidden width m (1 .. 2**22).
        kind : {"ntk", "nngp"}
        cs : cosines in [-1, 1], optional
            Default -1, -0.9, ..., 1.

        Returns
        -------
        FiniteWidth
            ``variance`` at each cosine (with ``variance_errors``), ``integrated_variance`` over
            [-1, 1], ``mass_within`` / ``mass_within_grad`` (share of E[phi^2] / E[phi'^2] within
            |z| <= sqrt(2 ln width)), ``flagged`` and ``diagnosis``.

        Examples
        --------
        >>> import sympy, hermite_rev as hr
        >>> act = hr.reverse(sympy.exp(hr.c - 1), kind="nngp", n=8, dps=20).activation()
        >>> fw = act.finite_width(256, kind="nngp", cs=[0, 1])
        >>> [f"{float(v):.3e}" for v in fw.variance], fw.flagged
        (['3.378e-03', '2.005e-01'], False)
        """
        return finite_width(self.coeffs, self.errors, width, kind, cs, self.dps)

    def compile(self) -> CompiledActivation:
        """numba-compiled phi: ``f(x)``, ``f.grad(x)`` (phi'), ``f.hess(x)`` (phi'') on float64 arrays."""

        if "compiled" not in self._cache:
            self._cache["compiled"] = compile_activation(self)
        return self._cache["compiled"]

    def export(self, target: str = "numpy", **options: Any) -> str:
        """Source text of phi (and phi') for ``numpy | torch | jax | c | latex | neural_tangents``; runs without
        hermite_rev."""

        return export_activation(self, target, **options)

    def plot(self, ax: Any = None, xlim: tuple[float, float] = (-3, 3), **kwargs: Any) -> Any:
        """Plot phi on ``xlim`` with matplotlib; returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        xs = np.linspace(*xlim, 401)
        ax.plot(xs, hermite_norm_eval_np([float(b) for b in self.coeffs], xs), **kwargs)
        ax.set_xlabel("z (pre-activation)")
        ax.set_ylabel(r"$\phi(z)$")
        return ax

    def short(self) -> str:

        errors = self.errors if self.errors is not None else [None] * self.n
        shown = ", ".join(format_value(b, e, digits=4) for b, e in zip(self.coeffs[:4], errors))
        more = ", ..." if self.n > 4 else ""
        return f"b=[{shown}{more}]"

    def __repr__(self) -> str:

        src = f", {self.kind} of {short(kernel_name(self.source), 70)}" if self.source is not None else ""

        err = format_bound(max(self.errors), 3)
        trunc = f", truncation <= {format_bound(self.truncation.bound, 3)}" if self.truncation else ""
        return (
            f"Activation(n={self.n}, degree={self.degree}, dps={self.dps}, max coeff error {err}{trunc}, "
            f"{self.short()}{src})"
        )

    def _repr_latex_(self) -> str:

        return "$" + export_activation(self, "latex", digits=6, terms=8) + "$"


@dataclass(frozen=True, eq=False)
class ActivationFamily(Value):
    """All activations whose one-hidden-layer kernel of ``kind`` is ``kernel`` (to n terms).

    Attributes
    ----------
    kernel : sympy.Expr
    kind : "nngp" or "ntk"
    taylor : TaylorCoeffs
        a_0 .. a_{n-1} with their error bounds.
    magnitudes : tuple of mpmath.mpf
        |b_k|: sqrt(a_k) (NNGP) or sqrt(a_k/(k+1)) (NTK).
    errors : tuple of mpmath.mpf
        Error bounds of the magnitudes.
    exact : tuple or None
        Exact magnitudes (``reverse(..., exact=True)``).
    nonzero : tuple of int
        The k with b_k != 0: the positions the signs apply to.
    label : str or None
        What figures and reprs call the kernel: ``reverse(..., label=)``, else the text of a
        kernel given as a string, else :func:`hermite_rev.kernels.label_of` of the kernel.
    scale : sympy number or None
        Pre-activation variance of the hidden layer (see below).
    hyper : FrozenDict or None
        Hyperparameters the family was reverse-engineered for.

    A value (:class:`hermite_rev._core.values.Value`): immutable (sequences are stored as tuples,
    ``hyper`` as a read-only dict), equal by its fields, picklable and deep-copyable.
    """

    kernel: sympy.Expr
    kind: Kind
    taylor: TaylorCoeffs
    magnitudes: Sequence[Any]  # stored as a tuple
    errors: Sequence[Any]  # stored as a tuple
    exact: tuple | None
    nonzero: tuple
    label: str | None = None
    #: pre-activation variance q of the hidden layer (None: 1); magnitudes are then |beta_k|, the
    #: Hermite coefficients of phi(sqrt(q) z), and members are phi(z) = sum_k beta_k h_k(z / sqrt(q))
    scale: object = None
    #: hyperparameters the family was reverse-engineered for (None: the theorem's)
    hyper: dict | None = None

    def __post_init__(self) -> None:
        # sequences and mappings are stored immutable, whatever the caller passed
        for name in ("magnitudes", "errors", "nonzero"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.exact is not None:
            object.__setattr__(self, "exact", tuple(self.exact))
        if self.hyper is not None and not isinstance(self.hyper, FrozenDict):
            object.__setattr__(self, "hyper", FrozenDict(self.hyper))

    @property
    def n(self) -> int:
        return len(self.magnitudes)

    @property
    def dps(self) -> int:
        return self.taylor.dps or 30

    def count(self) -> int:
        """Number of members: 2 ** (number of nonzero magnitudes)."""
        return 2 ** len(self.nonzero)

    @public
    def tail(self) -> Tail:
        """Rigorous bound on K(1) - sum_{k<n} a_k: the largest kernel error on [-1, 1] of any member."""
        return self.taylor.tail

    def _signs_vector(self, signs: Signs | None) -> list[int]:
        m = len(self.nonzero)
        if signs is None:
            return [1] * m
        if isinstance(signs, dict):
            bad = [k for k in signs if k not in self.nonzero]
            if bad:
                raise HermiteRevError(
                    f"signs given for k={bad}, but b_k is zero there; nonzero k: {list(self.nonzero)}"
                )
            vec = [signs.get(k, 1) for k in self.nonzero]
        else:
            try:
                vec = list(signs)
            except TypeError:
                raise HermiteRevError(f"signs must be a sequence of +1/-1, got signs={signs!r}") from None
            if len(vec) != m:
                raise HermiteRevError(
                    f"signs must have one entry per nonzero coefficient ({m}, at k={list(self.nonzero)}), "
                    f"got {len(vec)} entries"
                )
        for i, s in enumerate(vec):
            if s not in (1, -1):
                raise HermiteRevError(f"each sign must be +1 or -1, got signs[{i}]={s!r}")
        return [int(s) for s in vec]

    def activation(self, signs: Sequence[int] | Mapping[int, int] | None = None) -> Activation:
        """One member: ``signs`` is a sequence of +1/-1, one per nonzero magnitude (default all +1),
        or a dict ``{k: sign}`` (unlisted k get +1)."""
        vec = self._signs_vector(signs)
        sign_of = dict(zip(self.nonzero, vec))
        with mpmath.workdps(self.dps):
            coeffs = tuple(sign_of.get(k, 1) * b for k, b in enumerate(self.magnitudes))
        exact = None
        if self.exact is not None:
            exact = tuple(sign_of.get(k, 1) * b for k, b in enumerate(self.exact))
        errors = tuple(self.errors)
        if self.scale is not None:
            with mpmath.workdps(self.dps + 10):
                coeffs, errors, exact = hermite_rescale(coeffs, errors, self.scale, exact)
        return Activation(coeffs, errors, self.dps, exact, self.kind, self.kernel, self.taylor.tail)

    def members(self) -> Iterator[Activation]:
        """Lazy iterator over all ``count()`` members (signs in lexicographic order, + first)."""
        for signs in itertools.product((1, -1), repeat=len(self.nonzero)):
            yield self.activation(signs)

    def signs_of(self, act: Activation) -> list[int]:
        """The sign vector of a member (inverse of :meth:`activation`)."""
        if not isinstance(act, Activation) or len(act.coeffs) != self.n:
            raise HermiteRevError(
                f"act must be an Activation with {self.n} coefficients (a member of this family), got "
                f"act={short(repr(act) if not isinstance(act, Activation) else act.short(), 60)}"
            )
        coeffs: Sequence[Any] = act.coeffs
        if self.scale is not None:  # back to the coefficients of phi(sqrt(q) z)
            with mpmath.workdps(self.dps + 10):
                R = rescale_matrix(self.n, mpmath.sqrt(mpmath.mpf(sympy.N(self.scale, self.dps + 15))))
                coeffs = [mpmath.fsum(act.coeffs[m] * R[m][j] for m in range(self.n)) for j in range(self.n)]
        return [1 if coeffs[k] >= 0 else -1 for k in self.nonzero]

    def best(self, criterion: str | Callable[..., Any] = "sup", **options: Any) -> BestMember:
        """The member minimising ``criterion`` (see :func:`hermite_rev.lower.best_member`; ``client=``,
        ``scheduler=`` or ``workers=`` split the search into tasks, with the same result)."""

        if self.scale is not None:
            raise HermiteRevError(
                "best() searches signs of the theorem's coefficients; for a family with "
                f"sigma_w, sigma_b ({self.hyper}) iterate over members() instead"
            )
        return best_member(self, criterion, **options)

    def plot(self, ax: Any = None, **options: Any) -> Any:
        """Plot up to ``limit`` members that differ in their low-order signs (phi and -phi never
        both; see :func:`hermite_rev.plots.family_signs` for how they are chosen).  ``options`` are
        those of :func:`hermite_rev.plots.plot_family`: ``xlim=(-3, 3)``, ``limit=16``, ``seed=0``,
        ``low=None``, ``label=None``, ``highlight=()``."""

        return plot_family(self, ax=ax, **options)

    def _repr_latex_(self) -> str:
        terms = [rf"{mpmath.nstr(self.magnitudes[k], 6)}\,h_{{{k}}}(z)" for k in self.nonzero[:6]]
        more = r" \pm \dots" if len(self.nonzero) > 6 else ""
        return (
            r"$\phi(z) = \pm "
            + r" \pm ".join(terms)
            + more
            + rf"$ ({self.count()} = $2^{{{len(self.nonzero)}}}$ activations with this {self.kind.upper()})"
        )

    def __iter__(self) -> Iterator[Activation]:
        return self.members()

    def __repr__(self) -> str:

        src = short(kernel_name(self.kernel, self.label), 60)
        return (
            f"ActivationFamily(kind={self.kind!r}, n={self.n}, dps={self.dps}, nonzero={len(self.nonzero)}, "
            f"count=2**{len(self.nonzero)}, tail <= {format_bound(self.tail().bound, 3)}, kernel={src})"
        )


def as_kernel(K: KernelLike | Sequence[Any]) -> sympy.Expr:
    """K as a sympy expression in c: an expression, a string, or Taylor coefficients a_0, a_1, ...
    (a list, tuple or 1-D numpy array)."""

    if isinstance(K, np.ndarray):  # numpy coefficients work like a list (floats: shortest round-trip decimal)
        coefficient_list(K, "K")  # checks shape and values
        K = [sympy.Rational(repr(v)) if isinstance(v, float) else v for v in K.tolist()]
    if isinstance(K, (list, tuple)):
        return polynomial(K)
    return as_expr(K, c, name="kernel")


@public
def reverse(
    K: KernelLike | Sequence[Any],
    kind: Kind = "ntk",
    n: int = 40,
    dps: int = 30,
    *,
    exact: bool = False,
    label: str | None = None,
    sigma_w: Any = 1,
    sigma_b: Any = 0,
    parameterization: str = "ntk",
    sigma_w_last: Any = 1,
    sigma_b_last: Any = 0,
    width: int | None = None,
    d_in: int | None = None,
) -> ActivationFamily:
    r"""Reverse-engineer a dot-product kernel into the family of 1HL activations realising it.

    .. math:: \phi(z) = \sum_k \pm\sqrt{a_k}\, h_k(z) \;(\mathrm{NNGP}), \qquad
              \phi(z) = \sum_k \pm\sqrt{a_k/(k+1)}\, h_k(z) \;(\mathrm{NTK})

    Parameters
    ----------
    K : sympy.Expr, str or sequence of numbers
        Kernel in c (a sequence is taken as Taylor coefficients a_0, a_1, ...).
    kind : {"ntk", "nngp"}
    n : int
        Number of Hermite coefficients (b_0 .. b_{n-1}).
    dps : int
        Digits.
    exact : bool
        Use exact Taylor coefficients (sympy) and exact square roots.
    label : str, optional
        What figures and reprs call the kernel; default: ``K`` itself when it is a string, else
        the constructor call that built it (:func:`hermite_rev.kernels.label_of`), e.g.
        ``relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=0.1)``.
    sigma_w, sigma_b : numbers
        Hidden Dense layer of the one-hidden-layer net (floats become exact rationals).
    parameterization : {"ntk", "standard"}
        neural-tangents' parameterizations; the NNGP is the same for both.
    sigma_w_last, sigma_b_last : numbers
        Readout Dense layer (default 1, 0, as in :mod:`hermite_rev.kernels`).
    width, d_in : int
        Hidden width N and input dimension d; needed (only) for the standard-parameterization
        NTK, which depends on them.

    With other hyperparameters than sigma_w = 1, sigma_b = 0 (NTK parameterization), the
    hidden pre-activations have variance :math:`q = \sigma_w^2 + \sigma_b^2` and correlation
    :math:`\rho = (\sigma_w^2 c + \sigma_b^2)/q`; K is re-expanded exactly in
    :math:`\rho` and, with :math:`\phi(\sqrt q z) = \sum_k \beta_k h_k(z)`,

    .. math:: \mathrm{NNGP} = \sigma_{b,L}^2 + \sigma_{w,L}^2 \sum_k \beta_k^2 \rho^k, \qquad
              \mathrm{NTK} = \sigma_{b,L}^2 + \sigma_{w,L}^2 \sum_k (k+1) \beta_k^2 \rho^k

    (NTK parameterization; the standard one in ``proofs/09_reverse_hyperparameters.md``).
    ``magnitudes`` are then the :math:`|\beta_k|` and each member is
    :math:`\phi(z) = \sum_k \pm\beta_k h_k(z/\sqrt q)`, given by its own Hermite
    coefficients.  A kernel whose re-expanded coefficients are negative (or whose constant
    term is below what the readout bias adds) is not reachable: NotAKernelError names the k.

    Raises
    ------
    NotAKernelError
        Some a_k < 0 (the message names k and a_k).
    DivergentSeriesError
        K is infinite at c = 1, or its series does not converge there.

    Examples
    --------
    >>> import mpmath, sympy, hermite_rev as hr
    >>> fam = hr.reverse(sympy.exp(hr.c), kind="nngp", n=4, dps=15)
    >>> [mpmath.nstr(b, 6) for b in fam.magnitudes]
    ['1.0', '1.0', '0.707107', '0.408248']
    >>> fam.count()
    16
    """
    kind = check_kind(kind)
    n = check_positive_int(n, "n")
    dps = check_positive_int(dps, "dps")
    expr = as_kernel(K)
    label = label_for(K, expr, label)
    hyper = (sigma_w, sigma_b, parameterization, sigma_w_last, sigma_b_last)
    if not all(_equals(v, d) for v, d in zip(hyper, (1, 0, "ntk", 1, 0))):
        return _reverse_hyper(expr, kind, n, dps, exact, hyper, width, d_in, label)
    a, a_exact = _taylor_rounded(expr, n, dps, exact)
    a = a.replace(label=label)  # fam.taylor.plot() names the kernel as the family does
    with mpmath.workdps(dps):
        m = magnitudes_from_taylor(list(a), kind, list(a.errors), exact=a_exact, kernel=expr)
    # the tail proves the signs beyond n (or checks them further): a negative coefficient it sees
    # refuses the target like one among the first n; it raises DivergentSeriesError when the series
    # provably does not converge to K on [0, 1]
    tail = a.tail
    if tail.negative is not None:
        k, ak = tail.negative
        raise not_a_kernel(k, ak, kernel=expr, kind=kind)
    return ActivationFamily(expr, kind, a, list(m.values), list(m.errors), m.exact, m.nonzero, label=label)


def _equals(value: Any, default: Any) -> bool:
    """``value == default`` for a scalar; False for an array (its ``==`` has no truth value)."""
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def _taylor_rounded(expr: sympy.Expr, n: int, dps: int, exact: bool) -> tuple[TaylorCoeffs, list[Any] | None]:
    """Taylor coefficients at ``dps`` digits, and with ``exact`` the exact ones too (the numbers
    are then those rounded once, their errors the rounding: a relative ulp)."""
    if not exact:
        return taylor(expr, n, dps), None
    a_exact = list(taylor(expr, n, exact=True))
    with mpmath.workdps(dps):
        vals = [mpmath.mpf(sympy.N(v, dps + 10)) for v in a_exact]
        errs = [abs(v) * mpmath.mpf(2) ** (1 - mpmath.mp.prec) for v in vals]
    return TaylorCoeffs(vals, expr=expr, dps=dps, errors=errs, exact=False, rigorous=True, engine="sympy"), a_exact


# --------------------------------------------------------------------------------------------
# any sigma_w, sigma_b, readout and parameterization (proofs/09_reverse_hyperparameters.md)
# --------------------------------------------------------------------------------------------

PARAMETERIZATIONS = ("ntk", "standard")


def _reverse_hyper(
    expr: sympy.Expr,
    kind: Kind,
    n: int,
    dps: int,
    exact: bool,
    hyper: tuple[Any, ...],
    width: int | None,
    d_in: int | None,
    label: str | None,
) -> ActivationFamily:
    r"""reverse() for any sigma_w, sigma_b, readout and parameterization.

    For inputs with |x|^2/d = 1 the hidden pre-activations have variance
    :math:`q = \sigma_w^2 + \sigma_b^2` and correlation :math:`\rho = (\sigma_w^2 c + \sigma_b^2)/q`;
    with :math:`\phi(\sqrt q\, z) = \sum_k \beta_k h_k(z)` and a readout Dense(sigma_w_last,
    sigma_b_last) the NNGP is :math:`\sigma_{b,L}^2 + \sigma_{w,L}^2 \sum_k \beta_k^2 \rho^k` and the
    NTK (NTK parameterization) :math:`\sigma_{b,L}^2 + \sigma_{w,L}^2 \sum_k (k+1) \beta_k^2 \rho^k`;
    the standard parameterization of neural-tangents (Sohl-Dickstein et al. 2020, arXiv:2001.07301)
    couples :math:`\beta_k^2` to :math:`\beta_{k+1}^2` (:func:`_solve_squares`).  K is re-expanded
    exactly in rho, the :math:`\beta_k^2` solved for and passed through the one reverse map
    (:func:`hermite_rev.hermite.magnitudes_from_taylor`); members are
    :math:`\phi(z) = \sum_k \pm\beta_k h_k(z/\sqrt q)`.
    """
    sigma_w, sigma_b, parameterization, sigma_w_last, sigma_b_last = hyper
    param, width, d_in = _check_param(parameterization, kind, width, d_in)
    sw, sb = _hyper_number(sigma_w, "sigma_w"), _hyper_number(sigma_b, "sigma_b")
    swl, sbl = _hyper_number(sigma_w_last, "sigma_w_last"), _hyper_number(sigma_b_last, "sigma_b_last")
    sw2, sb2, swl2, sbl2 = sw**2, sb**2, swl**2, sbl**2
    if not sw2.is_positive:
        raise HermiteRevError(f"sigma_w must be nonzero (else the net ignores its input), got sigma_w={sigma_w!r}")
    if not swl2.is_positive:
        raise HermiteRevError(f"sigma_w_last must be nonzero, got sigma_w_last={sigma_w_last!r}")
    q = sw2 + sb2
    target = expr.subs(c, (q * c - sb2) / sw2)  # K in the pre-activation correlation (in the symbol c)
    std_ntk = param == "standard" and kind == "ntk"
    m = 2 * n + 10 if std_ntk else n  # the standard NTK couples beta_k^2 to beta_{k+1}^2
    a, a_exact = _taylor_rounded(target, m, dps, exact and not std_ntk)
    a = _reexpanded_tail(a, expr, sw2, sb2)
    args = (kind, param, q, sw2, sb2, swl2, sbl2, width, d_in, dps)
    s, e = _solve_squares(list(a), list(a.errors), *args)
    if std_ntk:  # truncation of the back substitution: compare with a solve from fewer terms
        s2, _ = _solve_squares(list(a)[: m - 10], list(a.errors)[: m - 10], *args)
        with mpmath.workdps(dps + 10):
            e = [ek + abs(x - y) for ek, x, y in zip(e, s, s2)]
        s, e = s[:n], e[:n]
    s_exact = None
    if a_exact is not None:  # the same solve, exactly
        s_exact = [
            (v - (sbl2 if k == 0 else 0)) / (swl2 * (1 if kind == "nngp" else k + 1)) for k, v in enumerate(a_exact)
        ]
    added = "the readout bias and the derivative terms add" if std_ntk else "the readout bias adds"
    why = (
        f"{short(expr)} is not reachable with these hyperparameters: its Taylor coefficient in the "
        f"pre-activation correlation rho, less what {added}, is negative"
    )
    with mpmath.workdps(dps):  # the beta_k^2 are squares themselves: the NNGP form of the one map
        mags = magnitudes_from_taylor(s, "nngp", e, exact=s_exact, name="beta_{k}^2", why=why)
    # raises DivergentSeriesError when the re-expanded series does not converge at rho = 1; a
    # re-expanded coefficient it sees negative beyond n is a negative beta_k^2 (k >= 1): refused
    tail = a.tail
    if tail.negative is not None and tail.negative[0] >= 1 and not std_ntk:
        k, ak = tail.negative
        raise not_a_kernel(k, ak, name="beta_{k}^2 (re-expanded a_{k} beyond n)", why=why)
    hyper_dict = {
        "sigma_w": sw,
        "sigma_b": sb,
        "parameterization": param,
        "sigma_w_last": swl,
        "sigma_b_last": sbl,
        "width": width,
        "d_in": d_in,
    }
    mags_list, errs_list = list(mags.values), list(mags.errors)
    return ActivationFamily(
        expr, kind, a, mags_list, errs_list, mags.exact, mags.nonzero, label=label, scale=q, hyper=hyper_dict
    )


def _reexpanded_tail(a: TaylorCoeffs, expr: sympy.Expr, sw2: sympy.Expr, sb2: sympy.Expr) -> TaylorCoeffs:
    r"""The re-expanded series with its tail, its convergence at rho = 1 proven through K's own.

    With :math:`\sigma_b^2 < \sigma_w^2` the substitution :math:`c = (q\rho - \sigma_b^2)/\sigma_w^2`
    maps [0, 1] into (-1, 1] (1 to 1).  When K's series converges at c = 1 with non-negative
    coefficients (:func:`~hermite_rev.series.certify_convergence`; they are non-negative whenever
    the re-expanded ones are, since :math:`\rho(c)` has non-negative coefficients), K is analytic on
    the open unit disk and continuous on [-1, 1], so the re-expanded function is real-analytic on
    [0, 1) and continuous at 1: all that Pringsheim's argument needs.  (The interval walk of the
    re-expanded expression itself cannot always decide this near rho = 1, e.g. for deep ReLU
    kernels.)  Otherwise the tail is certified from the re-expanded expression as usual.  Either
    way, where the closure rules cannot prove the re-expanded signs (the substitution has a
    negative constant term), the tail is the sign-free Cauchy bound when the re-expanded
    expression is proven analytic on a disk |rho| <= r with r > 1, else it says the signs are
    assumed (:func:`~hermite_rev.series.tail_bound`).
    """
    if (sw2 - sb2).is_positive is not True:
        return a
    proof = certify_convergence(expr)
    return a.replace(tail=tail_bound(a, convergence=f"re-expansion of K in rho, K certified: {proof}"))


def _hyper_number(value: Any, name: str) -> sympy.Expr:
    x = exact_number(value, name)
    return x.xreplace({f: sympy.Rational(repr(float(f))) for f in x.atoms(sympy.Float)})


def _solve_squares(
    a: Sequence[Any],
    errs: Sequence[Any],
    kind: str,
    param: str,
    q: Any,
    sw2: Any,
    sb2: Any,
    swl2: Any,
    sbl2: Any,
    width: int | None,
    d_in: int | None,
    dps: int,
) -> tuple[list[Any], list[Any]]:
    """beta_k^2 (mpmath) and their error bounds from the re-expanded coefficients ``a``."""
    n = len(a)
    with mpmath.workdps(dps + 10):
        swl2f, sbl2f = mpmath.mpf(sympy.N(swl2, dps + 15)), mpmath.mpf(sympy.N(sbl2, dps + 15))
        if kind == "nngp" or param == "ntk":
            w = [swl2f * (1 if kind == "nngp" else k + 1) for k in range(n)]
            return [(ak - (sbl2f if k == 0 else 0)) / w[k] for k, ak in enumerate(a)], [
                ek / w[k] for k, ek in enumerate(errs)
            ]
        # standard-parameterization NTK: bidiagonal system, back substitution from the top
        N, d = mpmath.mpf(width), mpmath.mpf(d_in)
        sw2f, sb2f, qf = (mpmath.mpf(sympy.N(v, dps + 15)) for v in (sw2, sb2, q))
        s = [mpmath.mpf(0)] * (n + 1)
        e = [mpmath.mpf(0)] * (n + 1)
        for j in range(n - 1, -1, -1):
            alpha = N + swl2f * d * j / sw2f
            gamma = swl2f * (1 - d * sb2f / sw2f) * (j + 1) / qf
            s[j] = (a[j] - (1 if j == 0 else 0) - gamma * s[j + 1]) / alpha
            e[j] = (errs[j] + abs(gamma) * e[j + 1]) / alpha
        return s[:n], e[:n]


def _check_param(
    parameterization: object, kind: str, width: int | None, d_in: int | None
) -> tuple[str, int | None, int | None]:
    if not isinstance(parameterization, str) or parameterization.lower() not in PARAMETERIZATIONS:
        raise HermiteRevError(
            f"parameterization must be one of {PARAMETERIZATIONS}, got parameterization={parameterization!r}"
        )
    p = parameterization.lower()
    if p == "standard" and kind == "ntk":
        if width is None or d_in is None:
            raise HermiteRevError(
                "the standard-parameterization NTK depends on the hidden width N and the input dimension d "
                f"(neural-tangents' convention): pass width= and d_in=, got width={width!r}, d_in={d_in!r}"
            )
        width = check_positive_int(width, "width")
        d_in = check_positive_int(d_in, "d_in")
    return p, width, d_in
