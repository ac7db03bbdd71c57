"""Side by side with neural-tangents: deep NNGP/NTK of smooth activations on the sphere.

For tanh, GELU, swish, softplus, sigmoid, erf and sin, depth 1-4, NNGP and NTK
(sigma_w = 3/2, sigma_b = 1/10, readout Dense(1) with W_std = 1 and no bias, inputs with
|x|^2/d = 1 at 7 cosines), this compares

* hermite_rev's proven value: ``hr.kernel_of(...)`` (n = 80 Taylor terms, 30 digits), summed
  at the cosine with its radius (the coefficients' error bounds plus |c|^n times the tail
  bound: every a_k >= 0); for erf, whose deep kernels have closed forms
  (``hr.kernels.erf_ntk``), the closed form evaluated by ball arithmetic (``evaluate_at``);
* neural-tangents' analytic layer where it has one (``stax.Erf``, ``stax.Gelu``, ``stax.Sin``):
  its largest distance to hermite_rev's value;
* neural-tangents' ``stax.ElementwiseNumerical(fn, deg)`` (Gauss-Hermite quadrature, no error
  bound) at deg = 25 and 100: its largest error against the proven value;
* times: hermite_rev's call (first call: coefficients and composition), NT's ``kernel_fn`` on
  the 7 cosines (first call, which includes tracing).

It needs neural-tangents, which imports only with its pinned jax (pyproject's ``nt`` extra, in
its own venv: ``python3 -m venv .venv-nt && .venv-nt/bin/pip install -e ".[nt]"``).

Run: .venv-nt/bin/python benchmarks/nt_side_by_side.py [--quick] [--out out/nt_activations.md]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path

import mpmath
import numpy as np
import sympy

import hermite_rev as hr

COSINES = (-0.9, -0.6, -0.3, 0.0, 0.3, 0.6, 0.9)
SW, SB = sympy.Rational(3, 2), sympy.Rational(1, 10)
N_TERMS, DPS = 80, 30


def nt_layers():
    import jax.numpy as jnp
    from jax.scipy.special import erf
    from neural_tangents import stax

    fns = {
        "tanh": jnp.tanh,
        "gelu": lambda x: x * (1 + erf(x / jnp.sqrt(2.0))) / 2,
        "swish": lambda x: x / (1 + jnp.exp(-x)),
        "softplus": lambda x: jnp.logaddexp(0.0, x),
        "sigmoid": lambda x: 1 / (1 + jnp.exp(-x)),
        "erf": erf,
        "sin": jnp.sin,
    }
    analytic = {"erf": stax.Erf, "gelu": lambda: stax.Gelu(approximate=False), "sin": stax.Sin}
    return stax, fns, analytic


def inputs(d: int = 2):
    x1 = np.zeros((1, d))
    x1[0, 0] = math.sqrt(d)
    x2 = np.zeros((len(COSINES), d))
    for i, cval in enumerate(COSINES):
        x2[i, 0], x2[i, 1] = cval * math.sqrt(d), math.sqrt(1 - cval * cval) * math.sqrt(d)
    return x1, x2


def hr_values(tc):
    vals, rads = [], []
    with mpmath.workdps(40):
        for cval in COSINES:
            x = mpmath.mpf(sympy.Rational(str(cval)).p) / sympy.Rational(str(cval)).q
            vals.append(mpmath.fsum(a * x**k for k, a in enumerate(tc)))
            r = mpmath.fsum(e * abs(x) ** k for k, e in enumerate(tc.errors)) + tc.tail.bound * abs(x) ** tc.n
            rads.append(r)
    return vals, rads


def nt_kernel(stax, layer, depth, kind, x1, x2):
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(1, W_std=float(SW), b_std=float(SB)), layer]
    _, _, kernel_fn = stax.serial(*layers, stax.Dense(1))
    t0 = time.perf_counter()
    out = np.asarray(kernel_fn(x1, x2, kind))[0]
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="depth 1-2 and three activations")
    ap.add_argument("--out", default="out/nt_activations.md")
    args = ap.parse_args()
    import jax

    warnings.filterwarnings("ignore", category=UserWarning, module="neural_tangents")
    jax.config.update("jax_enable_x64", True)
    stax, fns, analytic = nt_layers()
    names = ["tanh", "gelu", "sin"] if args.quick else list(fns)
    depths = (1, 2) if args.quick else (1, 2, 3, 4)
    x1, x2 = inputs()
    rows = [
        "| activation | depth | kind | hr value at c = 0.6 | hr radius (max over c) | hr time"
        " | NT analytic: max distance | NT numerical deg 25: max error | deg 100 | NT time (numerical 25) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        for depth in depths:
            for kind in ("nngp", "ntk"):
                t0 = time.perf_counter()
                if name == "erf":  # a closed form: its value at each cosine, proven by ball arithmetic
                    K = (hr.kernels.erf_nngp if kind == "nngp" else hr.kernels.erf_ntk)(depth, SW, SB)
                    vals, rads = [], []
                    for cval in COSINES:
                        v, e = hr.series.evaluate_at(K, sympy.Rational(str(cval)), dps=DPS)
                        vals.append(v)
                        rads.append(e)
                else:
                    tc = hr.kernel_of(name, kind, depth=depth, sigma_w=SW, sigma_b=SB, n=N_TERMS, dps=DPS)
                    vals, rads = hr_values(tc)
                t_hr = time.perf_counter() - t0
                ref = np.array([float(v) for v in vals])
                cells = []
                if name in analytic:
                    got, _ = nt_kernel(stax, analytic[name](), depth, kind, x1, x2)
                    cells.append(f"{np.max(np.abs(got - ref)):.1e}")
                else:
                    cells.append("no layer")
                t_nt = 0.0
                for deg in (25, 100):
                    got, t = nt_kernel(stax, stax.ElementwiseNumerical(fns[name], deg=deg), depth, kind, x1, x2)
                    t_nt = t if deg == 25 else t_nt
                    cells.append(f"{np.max(np.abs(got - ref)):.1e}")
                row = (
                    f"| {name} | {depth} | {kind} | {mpmath.nstr(vals[5], 15)} | {mpmath.nstr(max(rads), 2)} |"
                    f" {t_hr:.2f} s | {cells[0]} | {cells[1]} | {cells[2]} | {t_nt:.2f} s |"
                )
                print(row, flush=True)
                rows.append(row)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n")
    print(f"table written to {path}")


if __name__ == "__main__":
    main()
