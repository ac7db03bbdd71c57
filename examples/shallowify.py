r"""
Shallowify a deep ReLU net
==========================

The one-hidden-layer activation whose NTK is the 4-hidden-layer ReLU NTK::

    python examples/shallowify.py [--n 40] [--dps 30] [--out out/shallowify.png]

Prints the Hermite coefficients :math:`b_k` of the reverse-engineered activation (all signs +), the
truncation error (a rigorous bound on :math:`\sup_c |K(c) - K_n(c)|`), the size of the sign family, and
saves a figure of the kernel and the activation.
"""

import argparse
import os
import time

import mpmath
import sympy

import hermite_rev as hr


def main(argv=None):
    p = argparse.ArgumentParser(description=(__doc__ or "").strip().partition("\n")[0])
    p.add_argument("--n", type=int, default=40, help="number of Hermite coefficients")
    p.add_argument("--dps", type=int, default=30, help="decimal digits")
    p.add_argument("--out", default="out/shallowify.png", help="figure path ('' for none)")
    args = p.parse_args(argv)

    K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    t = time.perf_counter()
    fam = hr.reverse(K, kind="ntk", n=args.n, dps=args.dps)
    act = fam.activation()
    seconds = time.perf_counter() - t
    tail = fam.tail()

    print("4-hidden-layer ReLU NTK (sigma_w^2 = 2, sigma_b = 0.1, NTK parameterization), K(1) =",
          mpmath.nstr(tail.k1, 12))
    print(f"one-hidden-layer activation phi(z) = sum_k b_k h_k(z), n = {args.n}, {args.dps} digits "
          f"({seconds:.2f} s)")
    print("   k   a_k (NTK Taylor coefficient)          b_k = sqrt(a_k/(k+1))")
    with mpmath.workdps(args.dps):
        for k, (ak, bk) in enumerate(zip(fam.taylor, act.coeffs)):
            print(f"{k:4d}   {mpmath.nstr(ak, 20):36s}  {mpmath.nstr(bk, 20)}")
    print(f"max coefficient error bound: {mpmath.nstr(max(act.errors), 3)}")
    print(f"truncation: K(1) - sum_k a_k <= {mpmath.nstr(tail.bound, 6)} "
          f"(sup over c in [-1, 1] of the kernel error of the truncated activation)")
    print(f"sign family: {fam.count()} = 2**{len(fam.nonzero)} activations share this NTK")

    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np

        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        cs = np.linspace(-1, 1, 201)
        Kf = sympy.lambdify(hr.c, K, "numpy")
        with mpmath.workdps(20):
            series = [float(sum(a * mpmath.mpf(float(x)) ** k for k, a in enumerate(fam.taylor))) for x in cs]
        ax1.plot(cs, Kf(cs), label="4HL ReLU NTK")
        ax1.plot(cs, series, "--", label=f"1HL NTK of phi (n={args.n})")
        ax1.set_xlabel("c")
        ax1.legend()
        act.plot(ax=ax2, label="phi (all signs +)")
        ax2.plot(np.linspace(-3, 3, 201), np.maximum(np.linspace(-3, 3, 201), 0), label="ReLU")
        ax2.legend()
        fig.tight_layout()
        fig.savefig(args.out, dpi=120)
        print(f"figure: {args.out}")
    return fam


if __name__ == "__main__":
    main()
