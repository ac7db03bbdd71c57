"""The sizes a user controls, and their limits (checked before any work starts).

Index
-----
LIMITS        name -> largest allowed value (documented in ``docs/guide/limits.md``)
REASONS       name -> why a limit is where it is, when time sets it (said by check_size's error)
check_size    an int in [low, LIMITS[key]] or a one-line ``HermiteRevError``

Every size that sets how long a call runs or how much memory it takes (widths, epochs,
numbers of coefficients, cosines, quadrature nodes, spectrum degrees, trials ...) is checked
against this table at the public boundary, so a typo such as ``kmax=10**12`` is refused at once
instead of hanging.  The limits are far above what the paper's experiments need; raise one
by changing the table if you really need more.
"""

from __future__ import annotations

import numbers

from .errors import HermiteRevError

__all__ = ["LIMITS", "REASONS", "check_size"]

#: Every size a user controls, checked before work starts (the one table; documented in
#: docs/guide/limits.md; :func:`hermite_rev._core.limits.check_size` checks against it).
LIMITS = {
    # expressions (the parser and the sympy input walk)
    "text_length": 20_000,  # characters of an expression string
    "nesting": 100,  # nesting depth of an expression string
    "int_digits": 2_000,  # digits of an integer literal or integer argument
    "decimal_exponent": 4_000,  # |e| of a decimal literal 1.5e-300 or of a float
    "number_digits": 10_000,  # digits of any exact number built while parsing (9**9**9 is refused)
    "symbolic_exponent": 10_000,  # |m| of a power x**m of an expression; degree of inhomogeneous_polynomial
    "nodes": 200_000,  # distinct nodes of an expression (shared sub-expressions count once)
    # Taylor coefficients and kernel constructors
    "taylor_n": 100_000,  # hr.taylor: coefficients
    "taylor_dps": 10_000,  # hr.taylor: decimal digits
    "constructor_depth": 1_000,  # hidden layers of a named deep kernel (relu_ntk, erf_nngp, ...)
    "erf_depth": 5,  # hidden layers of erf_nngp / erf_ntk (see REASONS)
    "arccos_order": 50,  # order of the arc-cosine kernel
    # Hermite maps, checks, training, spectra
    "hermite_n": 2000,  # hermite_coeffs / kernel_of: number of coefficients
    "kernel_depth": 100,  # kernel_of, quadrature_kernel, empirical_kernel: hidden layers
    "dps": 2000,  # digits of hermite_coeffs, kernel_of, quadrature_kernel, spectrum
    "width": 2**22,  # hidden width of a finite net (empirical_kernel, width_scaling, FCN)
    "activation_entries": 2**28,  # empirical_kernel: (cosines + 1) x width x depth activations (2 GiB of float64)
    "epochs": 10**7,  # train, kernel_regime_gap
    "examples": 10**7,  # rows of X in train / kernel_regime_gap n_train
    "quadrature_work": 6000,  # quadrature_kernel with dps: cosines x max(dps, 30) (~0.15-0.5 s a cosine)
    "kernel_sigma": 10**8,  # kernel_of (no closed form): |sigma_w|, |sigma_b| (and _last); see REASONS
    "endpoint_order": 150,  # spectrum.endpoint_expansion: powers of t kept (see REASONS)
    "best_grid": 10**6,  # ActivationFamily.best / lower: points of the search grid (grid=1e9 ran for minutes)
    "cosines": 10**5,  # len(cs) of quadrature_kernel / empirical_kernel / analytic_kernel
    "nodes_quadrature": 5000,  # quadrature nodes per dimension or piece (split rule)
    "seeds": 10**4,  # seeds / trials of a sweep
    "fit_restarts": 64,  # fit.fit_kernel: random starts, one least-squares fit each (see REASONS)
    "fit_grid": 2000,  # fit.fit_kernel: cosines of the fitting grid (every evaluation; see REASONS)
    "fit_check_grid": 20_001,  # fit.fit_kernel: cosines of the check grid (evaluated once)
    "fit_nfev": 10_000,  # fit.fit_kernel: residual evaluations per start (max_nfev)
    "fluctuation_n": 400,  # finite_width / best("fluctuation"): Hermite coefficients (O(n^3) products)
    "funk_hecke_j": 20_000,  # spectrum.funk_hecke_power: the power j of c^j (an exact rational; see REASONS)
    "kmax": 2000,  # spectrum / decay: highest degree (time ~ kmax^2: see REASONS)
    "quad_k": 200,  # spectrum.eigenvalue_quad: the degree k (time ~ k^2: see REASONS)
    "n_taylor": 20000,  # spectrum: Taylor coefficients of the series path
    "d": 10**6,  # spectrum: ambient dimension
    "taylor_work": 20_000_000,  # hr.taylor: coefficients times digits (n * dps) of one call
    "exact_seconds": 10,  # hr.taylor(exact=True): seconds the exact path may spend before it refuses
    "gauss_hermite_nodes": 180,  # quadrature_kernel: the largest Gauss-Hermite rule (adaptive doubling cap)
    "gram_entries": 2**31,  # hr.gram / predict: entries of a Gram matrix built in memory (16 GiB of float64)
    "train_examples": 2**15,  # predict: training rows (one dense O(n^3) eigendecomposition: ~10 min)
    "tasks": 10_000_000,  # sweep.run_tasks: tasks of one call (futures and results live in memory)
    "workers": 10_000,  # sweep.run_tasks / CLI --workers: local processes asked for (capped by the cores)
    "retries": 100,  # sweep.run_tasks: retries of a failing task / rebuilds of a broken pool
    "connect_seconds": 600,  # sweep.run_tasks: seconds to wait for a Dask scheduler to answer
    "deep_depth": 16,  # deep_reverse: hidden layers
    "deep_n": 140,  # deep_reverse: Hermite coefficients (time ~ n^2 x depth: see REASONS)
    "deep_work": 40_000,  # deep_reverse: depth x n^2 (the least-squares route's time: see REASONS)
    "deep_dps": 300,  # deep_reverse: digits
    "deep_terms": 4000,  # deep_reverse: Taylor coefficients of K the compositional root may need (p^L + n)
    "sigma_exponent": 150,  # deep_reverse / deep_forward: 10^-150 <= |sigma_w| <= 10^150, |sigma_b| <= 10^150
    "announce_seconds": 10,  # hr.taylor (and reverse, spectrum through it): longer projected work says so on stderr
    "n": 10000,  # the CLI's --n (Taylor / Hermite coefficients)
    "seed": 2**63 - 1,  # the CLI's --seed
}

#: Why a limit is where it is, for the limits that time sets (measured on 2 shared cores); the
#: error of :func:`check_size` says it.
REASONS = {
    "erf_depth": "building erf_nngp / erf_ntk grows about 8x a layer (sympy evaluates each layer's exact "
    "variance, an asin of the previous ones, numerically at rising precision): with sigma_w=3/2, "
    "sigma_b=1/10, b=2, 0.2 s at depth 4, 1.8 s at 5, 16 s at 6; erf_nngp(8) took 82 s",
    "kmax": "spectrum/decay time grows like kmax^2 (relu_ntk(depth=4): 6 s at kmax=1000, 24 s at 2000, "
    "over 2 min at 5000)",
    "quad_k": "eigenvalue_quad integrates over k + 2 pieces with a degree-k Gegenbauer polynomial at every "
    "node, so its time grows like k^2 (exp(c), d=5, dps=20: 1.3 s at k=100, 3.2 s at 200, 18 s at 400, 66 s at 800)",
    "quadrature_work": "an arbitrary-precision quadrature costs 0.15-0.5 s a cosine at dps=30 and more at "
    "higher dps (tanh: 10 cosines 5 s at dps=30, 8 s at dps=100): 200 cosines at dps=30 take about a minute",
    "kernel_sigma": "the proven Hermite coefficients of a saturated layer (tanh at variance q ~ sigma^2) "
    "take longer as sigma grows: sigma_b=1e8 5.5 s, 1e12 88 s",
    "endpoint_order": "the endpoint series' time grows fast with the order (relu_ntk(depth=2): 3 s at 100, "
    "over 90 s at 1000; order=4e15 was a MemoryError)",
    "fit_restarts": "fit_kernel runs one least-squares fit per start: 64 starts take 6 s at grid=31, "
    "max_nfev=20 (512 took over 35 s); at the defaults (grid=161, max_nfev=400) a start takes 0.6-5 s",
    "fit_grid": "every residual evaluation of fit_kernel covers the whole grid: 0.3 s an evaluation at "
    "grid=2000 (20 evaluations 5.8 s), 9 s for 5 evaluations at 20000",
    "funk_hecke_j": "funk_hecke_power(j, k, d) is an exact rational of up to ~j log2(d) bits and its time "
    "grows faster than j: 0.1 s at j=20000 (k=j, d=10^6), 3.7 s at j=2*10^5, 18 s at 10^6 (k=0, d=3); "
    "j=4e11 would need about 50 GB",
    "deep_n": "deep_reverse's least-squares route takes time ~ depth x n^2 and more (relu_nngp(2), depth 2: "
    "10 s at n=100, 31 s at 140, over 150 s at 200)",
    "deep_work": "deep_reverse's least-squares route takes time ~ depth x n^2 (relu_ntk(2), kind='ntk': "
    "27 s at depth 16, n=40 (25600); 31 s at depth 2, n=140 (39200); over 90 s at depth 6, n=100 (60000))",
}


def _what(low: int) -> str:
    return {0: "a non-negative integer", 1: "a positive integer"}.get(low, f"an integer >= {low}")


def _one_line(value: object) -> str:
    # a leaf below _core.text: its own shortening (an array's repr spans lines)
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:45] + f"... [{len(text)} chars]"


def check_size(value: object, name: str, key: str | None = None, low: int = 1) -> int:
    """``value`` as an int with ``low <= value <= LIMITS[key]``; else a one-line error naming
    ``name``, the value and the limit.

    Examples
    --------
    >>> check_size(30, "kmax")
    30
    >>> try:
    ...     check_size(10**12, "kmax")
    ... except ValueError as exc:
    ...     print(str(exc)[:48])
    kmax=1000000000000 is too large: at most 2000 is
    """
    key = key or name
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
            value = int(float(value))
        else:
            raise HermiteRevError(f"{name} must be {_what(low)}, got {name}={_one_line(value)}")
    try:
        value = int(value)
    except (TypeError, ValueError, OverflowError):  # numpy's NaT is an Integral that int() refuses
        raise HermiteRevError(f"{name} must be {_what(low)}, got {name}={_one_line(value)}") from None
    if value < low:
        raise HermiteRevError(f"{name} must be {_what(low)}, got {name}={value}")
    hi = LIMITS[key]
    if value > hi:
        shown = str(value) if len(str(value)) <= 30 else f"{str(value)[:12]}...({len(str(value))} digits)"
        why = f": {REASONS[key]}" if key in REASONS else ""
        raise HermiteRevError(f"{name}={shown} is too large: at most {hi} is supported{why} (see docs/guide/limits.md)")
    return value
