"""Benchmark: compiled activation (value + derivative) vs numpy.polynomial.hermite_e, and the
best-member search rate.

2 million points, degree 40.  Reference (same process): ``hermeval(x, c)`` plus
``hermeval(x, hermeder(c))``.  The floating-point-operation bound uses a numba FMA loop
(independent chains, SIMD, all threads) as the machine's measured peak.

Run: python benchmarks/bench_compile.py
"""

import math
import time

import numpy as np
import sympy
from numba import njit, prange
from numpy.polynomial import hermite_e as He

import hermite_rev as hr
from hermite_rev.lower import best_member, compile_activation

N, DEG, REPS = 2_000_000, 40, 5


def best_of(fn, reps=REPS):
    t = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


@njit(parallel=True, fastmath=True)
def _fma_peak(a, iters):
    # 16 independent FMA chains per lane block: throughput-bound, vectorized
    out = 0.0
    for blk in prange(a.shape[0]):
        acc = a[blk].copy()
        for _ in range(iters):
            for j in range(acc.size):
                acc[j] = acc[j] * 0.999999 + 1e-7
        out += acc.sum()
    return out


def peak_flops():
    import numba

    a = np.ones((numba.get_num_threads() * 4, 64))
    _fma_peak(a, 10)
    iters = 200_000
    t = best_of(lambda: _fma_peak(a, iters), 3)
    return 2.0 * a.size * iters / t


def main():
    rng = np.random.default_rng(0)
    b = rng.standard_normal(DEG + 1) / np.arange(1, DEG + 2)
    x = rng.uniform(-3, 3, N)
    f = compile_activation(b)
    f.value_and_grad(x[:10_000])  # compile (cached on disk after the first run)

    t_ours = best_of(lambda: f.value_and_grad(x))
    he = b / np.sqrt([float(math.factorial(k)) for k in range(DEG + 1)])
    dhe = He.hermeder(he)
    t_np = best_of(lambda: (He.hermeval(x, he), He.hermeval(x, dhe)), 3)
    v, g = f.value_and_grad(x)
    err = max(np.abs(v - He.hermeval(x, he)).max(), np.abs(g - He.hermeval(x, dhe)).max())

    # flops per point per degree step: x*r_k (1), *h (1), - s_k*h_prev (FMA, 2), two FMA accumulations (4)
    flops = N * DEG * 8
    peak = peak_flops()
    print(f"points {N:,}, degree {DEG}, value + derivative")
    print(f"  compiled (numba)       {t_ours * 1e3:8.1f} ms   {N / t_ours / 1e6:8.1f} Mpoints/s")
    print(f"  numpy hermeval x2      {t_np * 1e3:8.1f} ms   {N / t_np / 1e6:8.1f} Mpoints/s")
    print(f"  throughput ratio       {t_np / t_ours:8.1f} x   (goal >= 10x); max |diff| {err:.2e}")
    print(
        f"  achieved {flops / t_ours / 1e9:.2f} GFLOP/s of measured FMA peak {peak / 1e9:.2f} GFLOP/s "
        f"= {flops / t_ours / peak:.1%} of the flop bound"
    )

    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    for n in (16, 24):
        fam = hr.reverse(K, "ntk", n=n, dps=20)
        best_member(fam, "sup", grid=201)  # compile
        res = best_member(fam, "sup", grid=201)
        print(
            f"best member (sup on [-3, 3], grid 201), m = {len(fam.nonzero)}: {res.examined:,} members in "
            f"{res.seconds:.2f} s = {res.members_per_second / 1e6:.2f} M members/s, best sup {res.refined_value:.4f}"
        )


if __name__ == "__main__":
    main()
