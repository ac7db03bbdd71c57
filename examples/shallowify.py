r"""
Shallowify a deep ReLU net
==========================

The one-hidden-layer activation whose NTK is the 4-hidden-layer ReLU NTK, as a net of a given
width realises it::

    python examples/shallowify.py [--n 40] [--dps 30] [--width 4096] [--out out/shallowify.png]

Prints the Hermite coefficients :math:`b_k` of the reverse-engineered activation, the truncation
error (a rigorous bound on :math:`\sup_c |K(c) - K_n(c)|`) and the size of the sign family: all
:math:`2^n` members :math:`\sum_k \pm b_k h_k` have this NTK at infinite width. A net of finite
width does not realise them alike: the all-+ member puts much of :math:`E[\phi'^2]` at
:math:`|z| > \sqrt{2 \ln m}`, where a width-:math:`m` layer rarely samples. The example picks the
member a width-``--width`` net realises best (``fam.best("fluctuation", width=...)``), prints its
signs and the share of :math:`E[\phi^2]`, :math:`E[\phi'^2]` it keeps within reach next to the
all-+ member's, and saves a figure of the kernel and of that activation.
"""

import argparse
import os
import sys
import time

import mpmath
import sympy

import hermite_rev as hr


def main(argv=None):
    p = argparse.ArgumentParser(description=(__doc__ or "").strip().partition("\n")[0])
    p.add_argument("--n", type=int, default=40, help="number of Hermite coefficients")
    p.add_argument("--dps", type=int, default=30, help="decimal digits")
    p.add_argument("--width", type=int, default=4096, help="hidden width the activation is chosen for")
    p.add_argument("--out", default="out/shallowify.png", help="figure path ('' for none)")
    args = p.parse_args(argv)

    K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    t = time.perf_counter()
    fam = hr.reverse(K, kind="ntk", n=args.n, dps=args.dps)
    seconds = time.perf_counter() - t
    tail = fam.tail()
    # every member has this NTK; choose the one a width-`--width` net realises best
    t = time.perf_counter()
    best = fam.best("fluctuation", width=args.width)
    act = best.activation
    search = time.perf_counter() - t
    signs = "".join("+" if s > 0 else "-" for s in best.signs)
    plus = fam.activation().finite_width(args.width, "ntk", cs=[1])
    fw = best.finite_width

    print(
        "4-hidden-layer ReLU NTK (sigma_w^2 = 2, sigma_b = 0.1, NTK parameterization), K(1) =", mpmath.nstr(tail.k1, 12)
    )
    print(f"one-hidden-layer activation phi(z) = sum_k b_k h_k(z), n = {args.n}, {args.dps} digits ({seconds:.2f} s)")
    print("   k   a_k (NTK Taylor coefficient)          b_k = ±sqrt(a_k/(k+1)), the finite-width member's sign")
    with mpmath.workdps(args.dps):
        for k, (ak, bk) in enumerate(zip(fam.taylor, act.coeffs)):
            print(f"{k:4d}   {mpmath.nstr(ak, 20):36s}  {mpmath.nstr(bk, 20)}")
    print(f"max coefficient error bound: {mpmath.nstr(max(act.errors), 3)}")
    print(
        f"truncation: K(1) - sum_k a_k <= {mpmath.nstr(tail.bound, 6)} "
        f"(sup over c in [-1, 1] of the kernel error of the truncated activation)"
    )
    print(f"sign family: {fam.count()} = 2**{len(fam.nonzero)} activations share this NTK")
    print(
        f"member for width {args.width} ({best.method}, {search:.1f} s): signs {signs}\n"
        f"  share of E[phi^2], E[phi'^2] within |z| <= {mpmath.nstr(fw.radius, 3)}: "
        f"{mpmath.nstr(fw.mass_within, 4)}, {mpmath.nstr(fw.mass_within_grad, 4)} "
        f"(all signs +: {mpmath.nstr(plus.mass_within, 4)}, {mpmath.nstr(plus.mass_within_grad, 4)})"
    )

    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.4))
        name = "4HL ReLU NTK (σ_w² = 2, σ_b = 0.1)"
        # the kernel, its n-term series (= the 1HL NTK of phi), and K minus the series near c = 1
        hr.plots.plot_kernel(K, coeffs=fam.taylor, ax=ax1, label=name, kind="ntk")
        ax1.set_title(
            "the target NTK and the NTK of a 1HL net (σ_w = 1, σ_b = 0)\n"
            f"with φ: its Taylor series to n = {args.n} terms",
            fontsize=10,
        )
        hr.plots.plot_activation(act, ax=ax2, label=f"φ, n = {args.n} Hermite terms, member for width {args.width}")
        ax2.set_title(
            f"φ: a 1HL activation (σ_w = 1, σ_b = 0) whose NTK is the\n{name}; "
            f"member: fluctuation-best at width {args.width}",
            fontsize=10,
        )
        fig.tight_layout()
        fig.savefig(args.out, dpi=120)
        print(f"figure: {args.out}")
    return fam


if __name__ == "__main__":
    # in a Jupyter notebook (the gallery's download) sys.argv holds the kernel's own arguments
    main([] if "ipykernel" in sys.argv[0] else None)
