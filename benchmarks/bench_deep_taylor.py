"""Speed of the checks themselves: hr.taylor on very deep kernels vs a raw python-flint loop.

Goal (issue "Trust on every input", item 6): ``hr.taylor(relu_ntk(depth=100), 50)`` within 3x of a
raw python-flint ``arb_series`` loop doing the same layer recursion at the same working precision.
Input validation, the DAG walk and the precision proof are all inside the measured ``hr.taylor``;
building the sympy expression is timed separately.  Both run in this process.

Run: python benchmarks/bench_deep_taylor.py [depth] [n] [dps]
"""

import os
import sys
import time

import hermite_rev as hr
from hermite_rev.series._walk import _taylor_arb

sys.path.insert(0, os.path.dirname(__file__))
from bench_taylor import best_of, raw_relu_ntk


def main(depth=100, n=50, dps=30):
    t0 = time.perf_counter()
    K = hr.kernels.relu_ntk(depth=depth)
    t_build = time.perf_counter() - t0
    t_ours, coeffs = best_of(lambda: hr.taylor(K, n, dps=dps))
    _, prec = _taylor_arb(K, n, dps)
    t_raw, raw = best_of(lambda: raw_relu_ntk(n, prec, depth=depth, sw2=1, sb2=(0, 1)))
    worst = max(abs(float((a - b).mid())) for a, b in zip(coeffs.balls, raw))
    print(f"ReLU NTK depth {depth}, n={n}, dps={dps}, working precision {prec} bits")
    print(f"  build the sympy DAG   {t_build:8.3f} s")
    print(f"  hr.taylor             {t_ours:8.3f} s   (max coefficient error bound {float(coeffs.max_error):.1e})")
    print(f"  raw arb_series loop   {t_raw:8.3f} s   (max |difference| {worst:.1e})")
    print(f"  ratio hr.taylor / raw = {t_ours / t_raw:.2f}   (goal <= 3)")
    return t_ours / t_raw


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:4]])
