"""
Design an activation for parity
===============================

Design a kernel for 11-bit parity, reverse-engineer its activation, and train it against deep ReLU::

    python examples/design_parity.py [--fast] [--trials 30] [--out out/parity.png]

Parity on {+-1}^11 is an odd function and the degree-11 Walsh character.  A ReLU network's NTK puts
most of its Taylor mass on low degrees, so it fits the low-degree characters first and fails on
parity.  We design the NTK ``K(c) = kappa sinh(beta c)/sinh(beta)``: odd, with its Taylor mass on
odd degrees around beta >> 11 (see hermite_rev.experiments.parity_kernel), reverse-engineer it
into a one-hidden-layer activation (choosing a bounded member of the sign family), and train it
next to the paper's nets.
"""

import argparse
import sys

import mpmath

import hermite_rev as hr


def main(argv=None):
    p = argparse.ArgumentParser(description=(__doc__ or "").strip().partition("\n")[0])
    p.add_argument("--fast", action="store_true", help="few trials, short training (CI)")
    p.add_argument("--trials", type=int, default=30)
    p.add_argument("--out", default="out/parity.png")
    args = p.parse_args(argv)

    K, fam, act = hr.experiments.parity_kernel()
    a = fam.taylor
    with mpmath.workdps(30):
        total = a.tail.k1
        odd = mpmath.fsum(a[k] for k in range(1, a.n, 2))
        low = mpmath.fsum(a[k] for k in range(0, min(a.n, 11)))
    print(f"designed NTK: K(c) = {K}")
    print(
        f"  K(1) = {mpmath.nstr(total, 6)}; share of Taylor mass on odd degrees: {mpmath.nstr(odd / total, 6)}; "
        f"on degrees < 11: {mpmath.nstr(low / total, 3)}"
    )
    print(
        f"  reverse-engineered with n = {fam.n} Hermite terms: a family of 2**{len(fam.nonzero)} activations; "
        f"truncation <= {mpmath.nstr(fam.tail().bound, 3)}"
    )
    print(f"  chosen member: signs (-1)^((k-1)/2) on the odd k (bounded); {act!r}"[:300])

    res = hr.experiments.parity(trials=2 if args.fast else args.trials, fast=args.fast, out=args.out)
    print(f"\n{'network':32s} {'test acc':>16s} {'test mse':>16s} {'seconds':>8s}")
    for name, r in res.items():
        print(
            f"{name:32s} {r['test_acc']:8.3f} ± {r.get('test_acc_std', 0):.3f} "
            f"{r['test_mse']:8.3f} ± {r.get('test_mse_std', 0):.3f} {r['seconds']:8.1f}"
        )
    print(f"figure: {args.out}")
    return res


if __name__ == "__main__":
    # in a Jupyter notebook (the gallery's download) sys.argv holds the kernel's own arguments
    main([] if "ipykernel" in sys.argv[0] else None)
