"""Benchmark: a 4096 x 4096 raw Gram matrix of a depth-3 ReLU network kernel (NTK, norms
included) against numpy's ``X @ X.T`` plus one ``np.arccos`` pass on the same shapes.

Standardized-like inputs (|x|^2/d spread around 1), d = 32.  Both timed in the same process,
best of 5 (after one warm-up call, which compiles the numba loop).  The goal (issue 21) is a
ratio within 3x.  ``hr.gram`` runs its numba loop on all threads (``prange``); numpy's
``arccos`` runs on one, so the script also reports the ratio with numba limited to 1 thread.

Run: python benchmarks/bench_network.py
"""

import math
import time

import numba
import numpy as np
import sympy

import hermite_rev as hr

N, D, REPS = 4096, 32, 5


def best_of(fn, reps=REPS):
    t = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def main():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D)) * rng.uniform(0.4, 1.8, (N, 1))
    K = hr.network_kernel("relu", 3, sympy.sqrt(2), sympy.Rational(1, 10), kind="ntk")
    hr.gram(K, X[:64])  # compile

    def reference():
        C = X @ X.T / D
        np.clip(C / np.max(np.abs(C)), -1, 1, out=C)
        return np.arccos(C, out=C)

    t_ref = best_of(reference)
    t_hr = best_of(lambda: hr.gram(K, X))
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    t_hr1 = best_of(lambda: hr.gram(K, X))
    numba.set_num_threads(threads)
    print(f"{N} x {N} raw Gram, d = {D}, relu NTK depth 3 (sigma_w = sqrt 2, sigma_b = 0.1)")
    print(f"  numpy X @ X.T + arccos pass : {t_ref * 1e3:8.1f} ms")
    print(f"  hr.gram(network_kernel)     : {t_hr * 1e3:8.1f} ms  ({threads} numba threads)  ratio {t_hr / t_ref:.2f}")
    print(f"  hr.gram, 1 numba thread     : {t_hr1 * 1e3:8.1f} ms  ratio {t_hr1 / t_ref:.2f}")


if __name__ == "__main__":
    main()
