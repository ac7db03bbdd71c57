"""Side by side with neural-tangents on real data: raw-row network kernels, predictions, time.

On standardized scikit-learn wine (178 x 13) and diabetes (442 x 10), for ReLU and erf at
depth 1-4 and four (sigma_w, sigma_b) settings, and tanh / GELU at depth 1-2 (where
``hr.network_kernel`` supports them), NNGP and NTK:

* the Gram matrix ``hr.gram(hr.network_kernel(...), X)`` against neural-tangents'
  ``kernel_fn(X, X, kind)`` of the same ``stax`` network (its largest elementwise relative
  difference), with an mpmath tiebreak at the worst entry when they differ by more than 1e-12
  (hermite_rev's closed form re-evaluated at 40 digits from the exact recursion);
* predictions: the GP posterior mean (NNGP, ``diag_reg = 1e-3`` relative, as NT) and the
  infinite-time gradient-descent outputs (NTK) of ``hr.predict`` against ``nt.predict`` on a
  2/3 train split (tanh: NT's numerical layer holds rows^2 x deg^2 floats, so its rows use the
  first 60 rows of each data set and ``deg = 100``);
* the time of a 4096 x 4096 raw Gram (relu NTK depth 3, d = 32) against NT's jitted
  ``kernel_fn`` and against numpy's ``X @ X.T`` plus one ``arccos`` pass.

Needs neural-tangents (pyproject's ``nt`` extra, its own venv with the pinned jax).

Run: .venv-nt/bin/python benchmarks/nt_data.py [--quick] [--out out/nt_data.md]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path

import numpy as np
import sympy

import hermite_rev as hr

SETTINGS = (
    (sympy.Integer(1), sympy.Integer(0)),
    (sympy.sqrt(2), sympy.Integer(0)),
    (sympy.sqrt(2), sympy.Rational(1, 10)),
    (sympy.Rational(3, 2), sympy.Rational(1, 2)),
)


def datasets():
    from sklearn.datasets import load_diabetes, load_wine
    from sklearn.preprocessing import StandardScaler

    out = {}
    for name, loader in (("wine", load_wine), ("diabetes", load_diabetes)):
        X, y = loader(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        y = (y - y.mean()) / y.std()
        out[name] = (X, y.reshape(-1, 1))
    return out


def nt_net(stax, act, depth, sw, sb):
    layer = {"relu": stax.Relu, "erf": stax.Erf, "gelu": lambda: stax.Gelu(approximate=False)}.get(act)
    if layer is None:
        import jax.numpy as jnp

        layer = lambda: stax.ElementwiseNumerical(jnp.tanh, deg=100)  # NT has no tanh layer
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(1, W_std=float(sw), b_std=float(sb) if sb else None), layer()]
    return stax.serial(*layers, stax.Dense(1))[2]


def exact_entry(act, depth, sw, sb, x1, x2, kind):
    """The kernel at one pair of raw rows at 40 digits (arc-cosine / erf layer formulas)."""
    import mpmath

    with mpmath.workdps(40):
        d = len(x1)
        sw2, sb2 = mpmath.mpf(sympy.N(sw**2, 50)), mpmath.mpf(sympy.N(sb**2, 50))
        a = [mpmath.mpf(float(v)) for v in x1]
        b = [mpmath.mpf(float(v)) for v in x2]
        dot = lambda u, v: mpmath.fsum(p * q for p, q in zip(u, v)) / d
        q1, q2, q12 = sw2 * dot(a, a) + sb2, sw2 * dot(b, b) + sb2, sw2 * dot(a, b) + sb2
        theta = q12
        for layer in range(depth):
            if act == "relu":
                c = max(-1, min(1, q12 / mpmath.sqrt(q1 * q2)))
                t = mpmath.acos(c)
                e12 = mpmath.sqrt(q1 * q2) / (2 * mpmath.pi) * (mpmath.sin(t) + (mpmath.pi - t) * mpmath.cos(t))
                d12 = (mpmath.pi - t) / (2 * mpmath.pi)
                e11, e22 = q1 / 2, q2 / 2
            else:  # erf
                den = mpmath.sqrt((1 + 2 * q1) * (1 + 2 * q2))
                e12 = 2 / mpmath.pi * mpmath.asin(2 * q12 / den)
                d12 = 4 / mpmath.pi / mpmath.sqrt((1 + 2 * q1) * (1 + 2 * q2) - 4 * q12**2)
                e11 = 2 / mpmath.pi * mpmath.asin(2 * q1 / (1 + 2 * q1))
                e22 = 2 / mpmath.pi * mpmath.asin(2 * q2 / (1 + 2 * q2))
            post = theta * d12
            if layer == depth - 1:
                return e12 if kind == "nngp" else e12 + post
            q1, q2, q12 = sw2 * e11 + sb2, sw2 * e22 + sb2, sw2 * e12 + sb2
            theta = q12 + sw2 * post


def tiebreak(act, depth, sw, sb, X, G_hr, G_nt, kind):
    """Where hr and NT differ by more than 1e-12: the 40-digit value decides who is off."""
    r = np.abs(G_hr - G_nt) / np.maximum(np.abs(G_nt), 1e-300)
    i, j = np.unravel_index(np.argmax(r), r.shape)
    if r[i, j] <= 1e-12 or act not in ("relu", "erf"):
        return ""
    ex = float(exact_entry(act, depth, sw, sb, X[i], X[j], kind))
    e_hr, e_nt = abs(G_hr[i, j] - ex) / abs(ex), abs(G_nt[i, j] - ex) / abs(ex)
    return f" (at [{i},{j}]: hr {e_hr:.0e}, NT {e_nt:.0e} from 40 digits)"


def rel(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="out/nt_data.md")
    ap.add_argument("--acts", default="relu,erf,tanh,gelu", help="comma-separated activations to run")
    ap.add_argument("--data", default="wine,diabetes", help="comma-separated data sets")
    ap.add_argument("--no-timing", action="store_true", help="skip the 4096 x 4096 timing")
    args = ap.parse_args()
    import jax

    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=hr.HermiteRevWarning)
    jax.config.update("jax_enable_x64", True)
    from neural_tangents import predict as nt_predict
    from neural_tangents import stax

    cases = [(a, d, s) for a in ("relu", "erf") for d in (1, 2, 3, 4) for s in SETTINGS]
    cases += [(a, d, SETTINGS[2]) for a in ("tanh", "gelu") for d in (1, 2)]
    if args.quick:
        cases = [cases[0], cases[10], cases[-4]]
    cases = [case for case in cases if case[0] in args.acts.split(",")]
    rows = [
        "| data | activation | depth | sigma_w, sigma_b | Gram NNGP rel. diff | Gram NTK rel. diff"
        " | GP mean rel. diff | GD (t = oo) rel. diff | hr time | NT time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for dname, (X_full, y_full) in datasets().items():
        if dname not in args.data.split(","):
            continue
        for act, depth, (sw, sb) in cases:
            if act == "tanh":  # NT's numerical layer holds (rows^2 x deg^2) floats: 60 rows
                X, y = X_full[:60], y_full[:60]
                ntr = 40
                Xtr, ytr, Xte = X[:ntr], y[:ntr], X[ntr:]
            else:
                X, y = X_full, y_full
                ntr = 2 * len(X) // 3
                Xtr, ytr, Xte = X[:ntr], y[:ntr], X[ntr:]
            try:
                kn = hr.network_kernel(act, depth, sw, sb, kind="nngp")
                kt = hr.network_kernel(act, depth, sw, sb, kind="ntk")
            except (ValueError, NotImplementedError) as exc:
                rows.append(f"| {dname} | {act} | {depth} | {sw}, {sb} | not supported: {exc} | | | | | |")
                continue
            t0 = time.perf_counter()
            Gn, Gt = hr.gram(kn, X), hr.gram(kt, X)
            mean_hr, _ = hr.predict.gp_inference(kn, Xtr, ytr, Xte, diag_reg=1e-3)
            _, gd_hr = hr.predict.gradient_descent_mse(kt, Xtr, ytr, Xte, t=None)
            t_hr = time.perf_counter() - t0
            kernel_fn = nt_net(stax, act, depth, sw, sb)
            t0 = time.perf_counter()
            k = kernel_fn(X, X, ("nngp", "ntk"))
            Nn, Nt = np.asarray(k.nngp), np.asarray(k.ntk)
            ktt = kernel_fn(Xtr, Xtr, ("nngp", "ntk"))
            kte = kernel_fn(Xte, Xtr, ("nngp", "ntk"))
            gp = nt_predict.gp_inference(np.asarray(ktt.nngp), ytr, diag_reg=1e-3)
            mean_nt = np.asarray(gp("nngp", k_test_train=np.asarray(kte.nngp)))
            gd = nt_predict.gradient_descent_mse(np.asarray(ktt.ntk), ytr)
            gd_nt = np.asarray(gd(None, 0.0, 0.0, np.asarray(kte.ntk))[1])
            t_nt = time.perf_counter() - t0
            row = (
                f"| {dname} | {act} | {depth} | {sw}, {sb}"
                f" | {rel(Gn, Nn):.1e}{tiebreak(act, depth, sw, sb, X, Gn, Nn, 'nngp')}"
                f" | {rel(Gt, Nt):.1e}{tiebreak(act, depth, sw, sb, X, Gt, Nt, 'ntk')} |"
                f" {rel(np.asarray(mean_hr), mean_nt):.1e} | {rel(np.asarray(gd_hr), gd_nt):.1e} |"
                f" {t_hr:.2f} s | {t_nt:.2f} s |"
            )
            print(row, flush=True)
            rows.append(row)
    if args.no_timing:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text("\n".join(rows) + "\n")
        return
    # time of a 4096 x 4096 raw Gram
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4096, 32)) * rng.uniform(0.4, 1.8, (4096, 1))
    K = hr.network_kernel("relu", 3, sympy.sqrt(2), sympy.Rational(1, 10), kind="ntk")
    kernel_fn = jax.jit(nt_net(stax, "relu", 3, sympy.sqrt(2), sympy.Rational(1, 10)), static_argnames="get")
    hr.gram(K, X[:64])
    np.asarray(kernel_fn(X[:64], X[:64], get="ntk"))

    def best(fn, reps=3):
        t = math.inf
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            t = min(t, time.perf_counter() - t0)
        return t

    def reference():
        C = X @ X.T / 32
        np.clip(C / np.max(np.abs(C)), -1, 1, out=C)
        return np.arccos(C, out=C)

    t_ref = best(reference)
    t_hr = best(lambda: hr.gram(K, X))
    t_nt = best(lambda: np.asarray(kernel_fn(X, X, get="ntk")))
    rows += [
        "",
        "| 4096 x 4096 raw Gram, relu NTK depth 3, d = 32 | time | ratio to numpy |",
        "|---|---|---|",
        f"| numpy X @ X.T + arccos pass | {t_ref * 1e3:.0f} ms | 1.00 |",
        f"| hr.gram(network_kernel) | {t_hr * 1e3:.0f} ms | {t_hr / t_ref:.2f} |",
        f"| NT jitted kernel_fn | {t_nt * 1e3:.0f} ms | {t_nt / t_ref:.2f} |",
    ]
    print("\n".join(rows[-6:]))
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n")
    print(f"table written to {path}")


if __name__ == "__main__":
    main()
