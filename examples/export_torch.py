"""
Export an activation to PyTorch and train there
===============================================

Export a reverse-engineered activation to PyTorch and train a one-hidden-layer net there::

    python examples/export_torch.py [--n 12] [--width 1024] [--epochs 300] [--fast]

The activation is the best-behaved member (smallest sup norm on [-3, 3]) of the family whose
1HL NTK is the 4-hidden-layer ReLU NTK truncated to n Hermite terms.  Its PyTorch source is
written to ``out/phi_torch.py`` and loaded without hermite_rev; the net uses the NTK
parameterization (weights N(0, 1), pre-activations scaled by 1/sqrt(fan_in)) and is trained by
full-batch gradient descent on sklearn's bundled wine data (class 0 vs the rest, inputs
standardised and scaled to :math:`|x|^2/d = 1`).  A figure of the exported activation and the
training curves is saved next to the code (``out/phi_torch.png``).
"""

import argparse
import importlib.util
import os
import sys

import sympy

import hermite_rev as hr


def load_module(path, name="phi_torch"):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wine_binary(seed=0):
    import numpy as np
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    X = X / np.linalg.norm(X, axis=1, keepdims=True) * np.sqrt(X.shape[1])  # |x|^2 / d = 1
    Y = np.where(y == 0, 1.0, -1.0)[:, None]
    idx = np.random.default_rng(seed).permutation(len(X))
    half = len(X) // 2
    return X[idx[:half]], Y[idx[:half]], X[idx[half:]], Y[idx[half:]]


def main(argv=None):
    p = argparse.ArgumentParser(description=(__doc__ or "").strip().partition("\n")[0])
    p.add_argument("--n", type=int, default=12)
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--out", default="out/phi_torch.py")
    p.add_argument("--fast", action="store_true", help="width 256, 40 epochs")
    args = p.parse_args(argv)
    if args.fast:
        args.width, args.epochs = 256, 40
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed (pip install 'hermite_rev[torch]'); nothing to do.")
        return None

    K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    fam = hr.reverse(K, kind="ntk", n=args.n, dps=30)
    best = fam.best("sup", interval=(-3, 3))
    print(
        f"family of 2**{len(fam.nonzero)} activations; best sup-norm member on [-3, 3]: "
        f"{best.value:.4g} ({best.method}, {best.examined} examined)"
    )
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write(best.activation.export("torch"))
    mod = load_module(args.out)
    print(f"exported to {args.out}: {mod.HermiteActivation.__name__}, phi, phi_grad")

    # autograd through the exported series agrees with the exported derivative
    x = torch.linspace(-3, 3, 101, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(mod.phi(x).sum(), x)
    grad_gap = float((g - mod.phi_grad(x.detach())).abs().max())
    print(f"max |autograd phi' - exported phi'| on [-3, 3]: {grad_gap:.2e}")

    torch.manual_seed(0)
    Xtr, Ytr, Xte, Yte = (torch.tensor(a, dtype=torch.float64) for a in wine_binary())
    d = Xtr.shape[1]
    W1 = torch.randn(d, args.width, dtype=torch.float64, requires_grad=True)
    W2 = torch.randn(args.width, 1, dtype=torch.float64, requires_grad=True)
    act = mod.HermiteActivation()

    def f(X):
        return act(X @ W1 / d**0.5) @ W2 / args.width**0.5

    with torch.no_grad():
        f0_tr, f0_te = f(Xtr), f(Xte)  # centre the output at initialisation
    history, train_curve = [], []
    for epoch in range(args.epochs + 1):
        out = f(Xtr) - f0_tr
        loss = 0.5 * ((out - Ytr) ** 2).mean()
        train_curve.append(float(2 * loss.detach()))
        if epoch % max(1, args.epochs // 5) == 0 or epoch == args.epochs:
            with torch.no_grad():
                test = f(Xte) - f0_te
                row = (
                    epoch,
                    float(2 * loss),
                    float(((test - Yte) ** 2).mean()),
                    float((torch.sign(test) == Yte).double().mean()),
                )
            history.append(row)
            print(f"epoch {row[0]:4d}  train mse {row[1]:.4f}  test mse {row[2]:.4f}  test acc {row[3]:.3f}")
        if epoch == args.epochs:
            break
        W1.grad = W2.grad = None
        loss.backward()
        with torch.no_grad():
            W1 -= args.lr * W1.grad
            W2 -= args.lr * W2.grad
    figure = os.path.splitext(args.out)[0] + ".png"
    plot(mod, best, train_curve, history, args, figure)
    print(f"figure: {figure}")
    return {"grad_gap": grad_gap, "history": history, "figure": figure}


def plot(mod, best, train_curve, history, args, path):
    """Left: the exported activation and its exported derivative (evaluated by the generated
    PyTorch code, no hermite_rev); right: the training curves of the PyTorch net."""
    import matplotlib.pyplot as plt
    import numpy as np
    import torch

    xs = torch.linspace(-3, 3, 301, dtype=torch.float64)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax1.plot(xs, mod.phi(xs), label="φ (exported PyTorch code)")
    ax1.plot(xs, mod.phi_grad(xs), "--", label="φ′ (exported PyTorch code)")
    ax1.plot(xs, np.maximum(xs.numpy(), 0), ":", color="gray", label="ReLU")
    _label(
        ax1,
        "z (pre-activation)",
        r"$\phi(z)$, $\phi'(z)$",
        f"smallest-sup-norm member of the {args.n}-term family for the\n"
        f"4HL ReLU NTK (σ_w² = 2, σ_b = 0.1); sup |φ| on [-3, 3] = {best.value:.3g}",
    )
    ax2.semilogy(range(len(train_curve)), train_curve, label="train MSE")
    ax2.semilogy([h[0] for h in history], [h[2] for h in history], "o", label="test MSE")
    _label(
        ax2,
        "epoch (full-batch GD step)",
        r"MSE (mean of $(f - y)^2$)",
        "1HL net in PyTorch (σ_w = 1, σ_b = 0, NTK parameterization),\n"
        f"width {args.width}, lr {args.lr}, wine (class 0 vs rest); final test accuracy {history[-1][3]:.3f}",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def _label(ax, xlabel, ylabel, title):
    """Axis labels, a two-line title and the legend, in the sizes both panels share."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)


if __name__ == "__main__":
    # in a Jupyter notebook (the gallery's download) sys.argv holds the kernel's own arguments
    main([] if "ipykernel" in sys.argv[0] else None)
