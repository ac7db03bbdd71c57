"""Benchmark: Hermite coefficients proven by ball arithmetic (``hermite_rev._hermite_balls``).

1. ``kernel_of("tanh", kind="ntk", depth=1, n=40, dps=30)`` (proven, ``rigorous=True``) against a
   plain loop of 40 python-flint ``acb.integral`` calls computing the same integrals
   :math:`b_k = \\int_{-L}^{L} \\tanh(x) h_k(x) \\varphi(x) dx`, k < 40, rigorously at the same
   precision (L = 20: the tail beyond is below 1e-43), as a ratio in the same process.  The first
   call of the process (sympy's symmetry check, compilation, Gauss-Legendre nodes) and the best of
   3 warm calls are both shown; the reference's achieved relative accuracy is printed too (its
   recurrence for h_k on complex balls loses digits at large k).
   Depth 3 with sigma_w = sqrt(2), sigma_b = 0.1 (each layer's variance a ball), as a ratio to
   depth 1 (goal: within 4x).
2. ``hermite_coeffs("tanh", 2000, dps=30)``: time, and that every coefficient is proven.
3. Time per coefficient of ``hermite_coeffs("tanh", n, dps)`` over n and dps (warm).

Run: python benchmarks/bench_hermite_balls.py [--quick]
"""

import math
import sys
import time

import flint
import mpmath
import sympy
from flint import acb, arb

import hermite_rev as hr


def acb_integral_loop(n=40, dps=30, L=20):
    """b_k, k < n, of tanh by n calls of acb.integral at the precision of ``dps`` digits."""
    old = flint.ctx.prec
    flint.ctx.prec = int(dps * math.log2(10)) + 10
    try:
        norm = 1 / (2 * arb.pi()).sqrt()
        sq = [arb(j).sqrt() for j in range(n + 1)]
        out = []
        for k in range(n):

            def f(x, analytic, k=k):
                h0, h1 = acb(1), x
                for j in range(1, k):
                    h0, h1 = h1, (x * h1 - sq[j] * h0) / sq[j + 1]
                return x.tanh() * (h0 if k == 0 else h1) * (-x * x / 2).exp() * norm

            out.append(acb.integral(f, -L, L))
        worst = max(float(b.real.rad()) / max(abs(float(b.real.mid())), 1e-300) for b in out if not b.real.contains(0))
        return out, worst
    finally:
        flint.ctx.prec = old


def best_of(fn, reps=3):
    t = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def main():
    quick = "--quick" in sys.argv
    print("1. kernel_of('tanh', kind='ntk', depth=1, n=40, dps=30) vs 40 acb.integral calls")
    t0 = time.perf_counter()
    K = hr.kernel_of("tanh", kind="ntk", depth=1, n=40, dps=30)
    cold = time.perf_counter() - t0
    warm = best_of(lambda: hr.kernel_of("tanh", kind="ntk", depth=1, n=40, dps=30))
    t0 = time.perf_counter()
    _, worst = acb_integral_loop()
    ref = time.perf_counter() - t0
    print(f"   rigorous={K.rigorous}  tail={K.tail!r}")
    print(f"   {'':28s}{'seconds':>10s}{'ratio':>10s}")
    print(f"   {'kernel_of, first call':28s}{cold:10.3f}{cold / ref:10.3f}")
    print(f"   {'kernel_of, warm (best of 3)':28s}{warm:10.3f}{warm / ref:10.3f}")
    print(f"   {'40 x acb.integral':28s}{ref:10.3f}{1.0:10.3f}   (worst relative radius {worst:.1e})")
    sig = {"sigma_w": sympy.sqrt(2), "sigma_b": sympy.Rational(1, 10), "n": 40, "dps": 30}
    t0 = time.perf_counter()
    K3 = hr.kernel_of("tanh", kind="ntk", depth=3, **sig)
    cold3 = time.perf_counter() - t0
    warm3 = best_of(lambda: hr.kernel_of("tanh", kind="ntk", depth=3, **sig))
    warm1 = best_of(lambda: hr.kernel_of("tanh", kind="ntk", depth=1, **sig))
    print("   sigma_w=sqrt(2), sigma_b=0.1 (each deeper layer's variance a ball):")
    print(f"   depth 3: rigorous={K3.rigorous}, first call {cold3:.3f} s, warm {warm3:.3f} s;", end="")
    print(f" depth 1: warm {warm1:.3f} s; depth 3 / depth 1 = {warm3 / warm1:.2f}x")

    print("\n2. hermite_coeffs('tanh', 2000, dps=30)")
    n_big = 400 if quick else 2000
    t0 = time.perf_counter()
    b = hr.hermite_coeffs("tanh", n_big, dps=30)
    dt = time.perf_counter() - t0
    with mpmath.workdps(30):
        rel = max((e / abs(v) for v, e in zip(b, b.errors) if v != 0), default=0)
    print(f"   n={n_big}: {dt:.2f} s, rigorous={b.rigorous}, worst relative error {mpmath.nstr(rel, 3)}")
    print(f"   {b.detail}")

    print("\n3. hermite_coeffs('tanh', n, dps): milliseconds per coefficient (warm)")
    ns = (10, 40, 160) if quick else (10, 40, 160, 640)
    dpss = (15, 30, 60) if quick else (15, 30, 60, 120)
    label = "n \\ dps"
    print("   " + f"{label:>8s}" + "".join(f"{d:>10d}" for d in dpss))
    for n in ns:
        row = []
        for d in dpss:
            hr.hermite_coeffs("tanh", n, dps=d)
            row.append(best_of(lambda n=n, d=d: hr.hermite_coeffs("tanh", n, dps=d), reps=2) / n * 1e3)
        print("   " + f"{n:>8d}" + "".join(f"{x:10.3f}" for x in row))


if __name__ == "__main__":
    main()
