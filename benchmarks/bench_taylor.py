"""Taylor engine speed: hr.taylor vs a raw python-flint arb_series loop doing the same recursion.

Goal (issue 2): 1000 coefficients of the 4-hidden-layer ReLU NTK (sigma_w^2 = 2, sigma_b = 0.1)
at 100 digits within 3x the raw loop.  Both are measured in this process; the raw loop runs at
the working precision hr.taylor settled on, so both deliver the same digits.  sympy's own
``series()`` is timed on a much smaller problem for scale.

Run: python benchmarks/bench_taylor.py [n] [dps]
"""

import sys
import time

import flint
import sympy

import hermite_rev as hr
from hermite_rev._core.precision import flint_ctx
from hermite_rev.series._walk import _taylor_arb


def raw_relu_ntk(n, prec, depth=4, sw2=2, sb2=(1, 100)):
    """The NTK of a depth-``depth`` ReLU net straight in arb_series (sigma_b^2 = sb2[0] / sb2[1])."""
    with flint_ctx(prec, n):
        arb, pi = flint.arb, flint.arb.pi()
        x = flint.arb_series([0, 1], prec=n)
        sw2, sb2 = arb(sw2), arb(sb2[0]) / sb2[1]
        S, T, q = x, flint.arb_series([0], prec=n), arb(1)
        for _ in range(depth):
            S = S * sw2 + sb2
            T = S + T * sw2
            q = sw2 * q + sb2
            rho = S / q
            theta = rho.acos()
            S_new = ((1 - rho * rho).sqrt() + (pi - theta) * rho) * (q / (2 * pi))
            T = T * (pi - theta) / (2 * pi)
            S, q = S_new, q / 2
        return (S + T).coeffs()


def best_of(f, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(n=1000, dps=100):
    K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    t_ours, coeffs = best_of(lambda: hr.taylor(K, n, dps=dps))
    _, prec = _taylor_arb(K, n, dps)
    t_raw, raw = best_of(lambda: raw_relu_ntk(n, prec))
    worst = max(abs(float((a - b).mid())) for a, b in zip(coeffs.balls, raw))
    print(f"4HL ReLU NTK, n={n}, dps={dps}, working precision {prec} bits")
    print(f"  hr.taylor            {t_ours:8.3f} s   (max coeff error bound {float(coeffs.max_error):.2e})")
    print(f"  raw arb_series loop  {t_raw:8.3f} s   (max |difference| {worst:.1e})")
    print(f"  ratio hr.taylor / raw = {t_ours / t_raw:.2f}   (goal <= 3)")
    # sympy's series() for scale, on depth 2 and 6 terms
    K2 = hr.kernels.relu_ntk(depth=2, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    t = time.perf_counter()
    sympy.series(K2, hr.c, 0, 4)
    t_sympy = time.perf_counter() - t
    t_ours2, _ = best_of(lambda: hr.taylor(K2, 4, dps=30))
    print(
        f"  depth 2, 4 terms: sympy.series {t_sympy:.2f} s vs hr.taylor {t_ours2 * 1e3:.1f} ms "
        f"(ratio {t_sympy / t_ours2:.0f}x)"
    )
    return t_ours / t_raw


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
