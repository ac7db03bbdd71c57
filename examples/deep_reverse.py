r"""
Deep reverse engineering: one activation, every layer, a given kernel
======================================================================

The activation :math:`\phi` whose depth-:math:`L` net (the same :math:`\phi` in every layer) has a
given NNGP or NTK, or a proof that none exists::

    python examples/deep_reverse.py [--fast] [--out deep_reverse.png]

1. Depth 2, target = the 1HL NNGP of :math:`\sin(6z)/2`, :math:`K(c) = e^{-36}\sinh(36c)/4`. Its
   formal depth-2 root has a negative coefficient, so no activation gives :math:`K` exactly; the
   closest realisable dual kernel is fitted and its sup error proven.
2. Depth 3, target = :math:`e^c` (:math:`K(0) \neq 0`: no fixed point at 0, so a fit with a proven
   error).
3. The table: which of the paper's Figure 1 targets are realisable at depths 2-4.

About 3 minutes (``--fast``: about one, NNGP table only, 12 coefficients).
"""

from __future__ import annotations

import argparse
import sys
import time

import mpmath
import numpy as np
import sympy

import hermite_rev as hr
from hermite_rev.deep import NotRealizableError, numpy_forward

c = hr.c


def targets():
    sw, sb = sympy.sqrt(2), sympy.Rational(1, 10)
    return {
        "4HL ReLU NNGP": hr.kernels.relu_nngp(depth=4, sigma_w=sw, sigma_b=sb),
        "4HL ReLU NTK": hr.kernels.relu_ntk(depth=4, sigma_w=sw, sigma_b=sb),
        "4HL erf NTK": hr.kernels.erf_ntk(depth=4, sigma_w=sw, sigma_b=sb),
        "c^3": c**3,
        "c^4 + c": c**4 + c,
        "sinh(2c)": sympy.sinh(2 * c),
        "cosh(2c)": sympy.cosh(2 * c),
    }


def status(K, depth, kind, n, dps):
    """One table cell: ('exact' | 'root' | 'fit' | 'no', short text, family or None)."""
    try:
        fam = hr.deep_reverse(K, depth, kind, n=n, dps=dps)
    except NotRealizableError as exc:
        msg = str(exc)
        if "not an L-th power" in msg:
            return "no", "lowest exponent not an L-th power", None
        if "negative coefficient:" in msg:
            k = msg.split("kappa_")[1].split(" ")[0]
            return "no", f"root coefficient kappa_{k} < 0", None
        if msg.startswith("scan of the readout variance"):
            return "scan", "no readout variance s found (scan)", None
        if "sum to" in msg:
            return "no", "root sums past kappa(1) = 1", None
        return "no", msg[:60], None
    rep = fam.report
    err = mpmath.nstr(rep.sup_error, 2)
    if rep.method == "fit":
        return "fit", f"closest fit, sup err <= {err}", fam
    return "root", f"{rep.method}, sup err <= {err}", fam


def _tex(name):
    tex = {"c^3": "$c^3$", "c^4 + c": "$c^4 + c$", "sinh(2c)": r"$\sinh(2c)$", "cosh(2c)": r"$\cosh(2c)$"}
    return tex.get(name, name)


def kernel_values(fam, cs):
    rep = fam.report
    sw2, sb2 = float(rep.sigma_w**2), float(rep.sigma_b**2)
    return numpy_forward(
        [float(g) for g in rep.dual], cs, rep.depth, rep.kind, sw2, sb2, sw2 + sb2, float(rep.readout_variance)
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=(__doc__ or "").strip().partition("\n")[0])
    ap.add_argument("--fast", action="store_true", help="fewer coefficients, NNGP table only")
    ap.add_argument("--out", default="deep_reverse.png")
    args = ap.parse_args(argv)
    n = 12 if args.fast else 40
    dps = 20 if args.fast else 30
    kinds = ("nngp",) if args.fast else ("nngp", "ntk")
    print(
        f"deep_reverse with n = {n} Hermite coefficients, dps = {dps}; "
        f"expect {'~30 s' if args.fast else '~2-3 min'} on a quiet machine"
    )
    out = {}

    # 1. depth 2, the 1HL NNGP of sin(6z)/2
    K_sin = sympy.exp(-36) * sympy.sinh(36 * c) / 4
    t = time.time()
    try:
        hr.deep_reverse(K_sin, 2, "nngp", n=n, dps=dps)
        out["sin_exact"] = None
    except NotRealizableError as exc:
        out["sin_exact"] = str(exc)
        print("sin(6z)/2 kernel at depth 2, exactly:", str(exc)[:160], "...")
    fam_sin = hr.deep_reverse(K_sin, 2, "nngp", n=n, dps=dps, method="fit")
    print(f"closest realisable (fit, {time.time() - t:.1f} s):\n{fam_sin.report}\n")
    out["sin_fit"] = fam_sin

    # 2. depth 3, the exponential kernel
    t = time.time()
    fam_exp = hr.deep_reverse(sympy.exp(c), 3, "nngp", n=n, dps=dps)
    print(f"exp(c) at depth 3 ({time.time() - t:.1f} s):\n{fam_exp.report}\n")
    out["exp"] = fam_exp

    # 3. the table
    table = {}
    t = time.time()
    for name, K in targets().items():
        for kind in kinds:
            for depth in (2, 3, 4):
                table[(name, kind, depth)] = status(K, depth, kind, min(n, 20), dps)
    out["table"] = table
    print(
        f"Figure 1 targets at depths 2-4 ({time.time() - t:.0f} s; 'root' = exact formal root, non-negative; "
        f"'fit' = closest non-negative dual with the proven sup error; 'no' = proven unrealisable):"
    )
    for kind in kinds:
        print(f"\n{kind.upper():>16} | " + " | ".join(f"depth {d:<38}" for d in (2, 3, 4)))
        for name in targets():
            cells = [table[(name, kind, d)] for d in (2, 3, 4)]
            print(f"{name:>16} | " + " | ".join(f"{s:>4}: {txt:<38}" for s, txt, _ in cells))

    _figure(fam_sin, fam_exp, K_sin, table, kinds, args.out)
    print(f"\nfigure: {args.out}")
    return out


def _figure(fam_sin, fam_exp, K_sin, table, kinds, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cs = np.linspace(-1, 1, 801)
    ks = sympy.lambdify(c, K_sin, "numpy")(cs)
    ke = np.exp(cs)
    fs, fe = kernel_values(fam_sin, cs), kernel_values(fam_exp, cs)
    fig, ax = plt.subplots(1, 4, figsize=(19, 4.3), gridspec_kw={"width_ratios": [1, 1, 1, 1.25]})
    ax[0].plot(cs, ks, "k", lw=2.5, label=r"target: 1HL NNGP of $\sin(6z)/2$")
    ax[0].plot(cs, fs, "C1--", lw=1.5, label="depth-2 net, fitted activation")
    ax[0].plot(cs, ke / np.e * 0.125, "0.6", lw=2.5, label=r"target: $e^c$ (scaled to $K(1) = 1/8$)")
    ax[0].plot(cs, fe / np.e * 0.125, "C0--", lw=1.5, label="depth-3 net (scaled alike)")
    ax[0].set(xlabel="cosine c", ylabel="kernel K(c)", title="Target kernels and the deep nets' NNGPs")
    ax[0].legend(fontsize=7.5, loc="upper left")
    ax[1].semilogy(cs, np.abs(fs - ks) + 1e-18, "C1", label=r"$\sin(6z)/2$ target, depth 2")
    ax[1].semilogy(cs, np.abs(fe - ke) + 1e-18, "C0", label=r"$e^c$ target, depth 3")
    ax[1].axhline(float(fam_sin.report.sup_error), color="C1", ls=":", label="proven sup bound (depth 2)")
    ax[1].axhline(float(fam_exp.report.sup_error), color="C0", ls=":", label="proven sup bound (depth 3)")
    ax[1].set(xlabel="cosine c", ylabel="|NNGP of net - K|", title="Error of the realised kernel", ylim=(1e-9, 1e1))
    ax[1].legend(fontsize=7.5, loc="upper center", ncol=2)
    zs = np.linspace(-3, 3, 601)
    for fam, col, lab in (
        (fam_sin, "C1", r"depth 2, $\approx$ NNGP of $\sin(6z)/2$"),
        (fam_exp, "C0", r"depth 3, NNGP $\approx e^c$"),
    ):
        b = [float(x) for x in fam.activation().coeffs]
        ax[2].plot(zs, hr.hermite.hermite_norm_eval_np(b, zs), col, label=lab)
    ax[2].set(
        xlabel="pre-activation z",
        ylabel=r"$\phi(z)$ (all signs +)",
        title="The activation used in every layer",
        ylim=(-4, 6),
    )
    ax[2].legend(fontsize=8)
    names = list(targets())
    cols = [(k, d) for k in kinds for d in (2, 3, 4)]
    code = {"root": 3, "fit": 2, "scan": 1, "no": 0}
    grid = np.array([[code[table[(nm, k, d)][0]] for k, d in cols] for nm in names])
    from matplotlib.colors import ListedColormap

    ax[3].imshow(grid, cmap=ListedColormap(["#e8a0a0", "#f0c0a0", "#f3dc8c", "#9fd49f"]), vmin=0, vmax=3, aspect="auto")
    for i, nm in enumerate(names):
        for j, (k, d) in enumerate(cols):
            s, txt, fam = table[(nm, k, d)]
            label = {"root": "root", "scan": "none\n(s scan)", "no": "none"}.get(s)
            if s in ("fit", "root") and fam is not None:
                label = f"{s}\n{mpmath.nstr(fam.report.sup_error / fam.report.k1, 1)}"
            ax[3].text(j, i, label, ha="center", va="center", fontsize=7)
    ax[3].set_xticks(range(len(cols)), [f"{k.upper()}\nL={d}" for k, d in cols], fontsize=8)
    ax[3].set_yticks(range(len(names)), [_tex(nm) for nm in names], fontsize=8)
    ax[3].set_title(
        "Figure 1 targets at depth L: root / closest fit ($K(0) \\neq 0$)\n"
        "with proven sup error / K(1), or proven none",
        fontsize=9.5,
    )
    ax[3].set_xlabel("kernel kind and depth L of the net", fontsize=8.5)
    ax[3].set_ylabel("target (4HL: σ_w² = 2, σ_b = 0.1)", fontsize=8.5)
    fig.suptitle(
        "One activation φ in every layer of a depth-L net (hidden layers σ_w = 1, σ_b = 0; readout "
        "weight scale set from K(1); NTK parameterization) whose NNGP is the target",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    # in a Jupyter notebook (the gallery's download) sys.argv holds the kernel's own arguments
    main([] if "ipykernel" in sys.argv[0] else None)
