"""Gram-matrix speed: hr.gram vs numpy's (X1 @ X2.T + one arccos pass), one process.

The kernel is the 4HL ReLU NTK, relu_ntk(4, sqrt(2), 1/10), on n x n matrices of random
inputs.  The reference is what any arc-cosine kernel needs at least: the cosines by one
BLAS product of the (pre-normalized) rows, and one elementwise ``np.arccos`` over the
matrix.  Prints the median wall time of each (after a warm-up run that compiles), the ratio
ours / reference (the goal is <= 3), the same for the straight-line compiled expression
(method="compiled"), the largest difference between the two methods, and, when
neural_tangents imports (its own venv, see pyproject's ``nt`` extra), its ``kernel_fn`` on
the same net and data (float64).

Run:  python benchmarks/bench_gram.py [--n 4096] [--d 64] [--repeat 3]
"""

import argparse
import os
import time

import numpy as np
import sympy

import hermite_rev as hr


def median_time(f, repeat):
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def reference(X1, X2):
    C = X1 @ X2.T
    np.clip(C, -1.0, 1.0, out=C)
    return np.arccos(C)


def neural_tangents_time(X, repeat):
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        from neural_tangents import stax
    except Exception:
        return None
    layers = []
    for _ in range(4):
        layers += [stax.Dense(1, W_std=2**0.5, b_std=0.1), stax.Relu()]
    _, _, kernel_fn = stax.serial(*layers, stax.Dense(1, W_std=1.0, b_std=0.0))
    kernel_fn = jax.jit(kernel_fn, static_argnames="get")
    Xs = X * np.sqrt(X.shape[1])  # |x|^2/d = 1
    kernel_fn(Xs, Xs, get="ntk").block_until_ready()
    return median_time(lambda: kernel_fn(Xs, Xs, get="ntk").block_until_ready(), repeat)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.n, args.d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    t0 = time.perf_counter()
    f = hr.predict.compile_kernel(K)
    g = hr.predict.compile_kernel(K, method="compiled")
    t_compile = time.perf_counter() - t0
    hr.gram(f, X[:64])  # numba warm-up
    hr.gram(g, X[:64])
    print(
        f"{args.n} x {args.n} Gram matrix of relu_ntk(4, sqrt(2), 1/10), d = {args.d}, "
        f"cores visible: {os.cpu_count()}, numba threads: {os.environ.get('NUMBA_NUM_THREADS', 'default')}"
    )
    print(f"compile both methods (once per kernel, cached): {t_compile:.2f} s")
    t_ref = median_time(lambda: reference(X, X), args.repeat)
    t_ours = median_time(lambda: hr.gram(f, X), args.repeat)
    t_comp = median_time(lambda: hr.gram(g, X), args.repeat)
    G1, G2 = hr.gram(f, X), hr.gram(g, X)
    print(f"numpy X @ X.T + arccos : {t_ref:.3f} s")
    print(
        f"hr.gram  ({f.method:8s})    : {t_ours:.3f} s   ratio {t_ours / t_ref:.2f}x  "
        f"(error {f.error:.2g}, {f.error_kind}; {f.detail})"
    )
    print(
        f"hr.gram  ({g.method:8s})    : {t_comp:.3f} s   ratio {t_comp / t_ref:.2f}x  "
        f"(error {g.error:.2g}, {g.error_kind})"
    )
    print(f"max |theta - compiled| over the matrix: {float(np.max(np.abs(G1 - G2))):.2g}")
    t_nt = neural_tangents_time(X, args.repeat)
    if t_nt is None:
        print("neural_tangents: not importable here (see pyproject's nt extra)")
    else:
        print(f"neural_tangents kernel_fn (jit, float64): {t_nt:.3f} s   ratio ours / nt {t_ours / t_nt:.2f}x")


if __name__ == "__main__":
    main()
