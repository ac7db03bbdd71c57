"""Benchmark: fit the paper's bounded form a*ReLU(z-b) + c*z + d + e*cos(f*z+g) to the
4-hidden-layer ReLU NTK (sigma_w^2 = 2, sigma_b = 0.1) in kernel space; report the sup kernel
error over c in [-1, 1] and the time.  Also a richer form (ReLU + quadratic + two cosines).

Run: python benchmarks/bench_fit.py
"""

import sympy

import hermite_rev as hr
from hermite_rev import fit


def main():
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    fit.fit_kernel(K, restarts=1, max_nfev=5)  # warm imports
    for label, form in (
        ("paper form", fit.paper_form()),
        ("ReLU + quadratic + 2 cosines", fit.Form((fit.ReLU(), fit.Poly(2), fit.Cos(), fit.Cos()))),
    ):
        res = fit.fit_kernel(K, form, "ntk", restarts=8, seed=0)
        print(
            f"{label}: sup |K_fit - K| = {res.sup_error:.4g} (relative {res.rel_error:.3g}, K(1) = 5.07), "
            f"grid RMS {res.grid_rms:.3g}, {res.seconds:.1f} s for {res.restarts} restarts ({res.nfev} evaluations)"
        )
        print("   ", ", ".join(f"{n}={v:.4g}" for n, v in zip(res.names, res.params)))


if __name__ == "__main__":
    main()
