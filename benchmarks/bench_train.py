"""Training speed: hermite_rev.nets vs the same network and GD in PyTorch (CPU), one process.

Same architecture, NTK parameterization, parameters (copied from our net), loss
L = 1/(2n) sum (f - f_0 - y)^2, full-batch GD, float32, same number of epochs.  Prints the
time per epoch of each and the ratio torch / ours (> 1: ours faster), and checks that both
end at the same training loss.

Run:  python benchmarks/bench_train.py [--epochs 200]
Needs torch (pip install torch==2.13.0 gives the CPU wheel).
"""

import argparse
import itertools
import math
import time

import numpy as np

from hermite_rev.nets import FCN, sphere_inputs, train


def torch_train(net, X, Y, lr, epochs, act):
    import torch

    torch.set_num_threads(torch.get_num_threads())
    Xt = torch.tensor(X, dtype=torch.float32)
    Yt = torch.tensor(Y.reshape(len(Y), -1), dtype=torch.float32)
    Ws = [torch.tensor(W, requires_grad=True) for W in net.W]
    bs = [torch.tensor(b, requires_grad=True) for b in net.b]
    scales, bsc = net.scales, net.bias_scales
    phi = {"relu": torch.relu, "sin6": lambda z: torch.sin(6 * z) / 2, "tanh": torch.tanh}[act]

    def f(X):
        A = X
        for l in range(len(Ws)):
            Z = scales[l] * (A @ Ws[l]) + bsc[l] * bs[l]
            A = phi(Z) if l < len(Ws) - 1 else Z
        return A

    with torch.no_grad():
        f0 = f(Xt)
    t0 = time.perf_counter()
    for _ in range(epochs):
        loss = 0.5 * ((f(Xt) - f0 - Yt) ** 2).sum() / len(Xt)
        for p in Ws + bs:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in Ws + bs:
                p -= lr * p.grad
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        mse = float(((f(Xt) - f0 - Yt) ** 2).mean())
    return seconds, mse


def case(name, X, Y, widths, act, sw, sb, lr, epochs):
    net = FCN(X.shape[1], widths, act, sw, sb, seed=0, dtype=np.float32)
    ref = FCN(X.shape[1], widths, act, sw, sb, seed=0, dtype=np.float32)
    train(FCN(X.shape[1], widths, act, sw, sb, seed=0, dtype=np.float32), X, Y, lr, 2, progress=False)  # JIT warm-up
    torch_train(ref, X, Y, lr, 2, act)
    t0 = time.perf_counter()
    h = train(net, X, Y, lr, epochs, progress=False, eval_every=epochs)
    ours = time.perf_counter() - t0
    theirs, mse_t = torch_train(ref, X, Y, lr, epochs, act)
    print(f"{name:34s} ours {ours / epochs * 1e3:7.2f} ms/epoch  torch {theirs / epochs * 1e3:7.2f} ms/epoch  "
          f"ratio torch/ours {theirs / ours:5.2f}  final mse ours {h['train_mse'][-1]:.4g} torch {mse_t:.4g}")
    return theirs / ours


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=200)
    args = ap.parse_args()
    bits = 11
    Xp = np.array(list(itertools.product([-1.0, 1.0], repeat=bits)))[:1024]
    yp = np.prod(Xp, axis=1)
    rng = np.random.default_rng(0)
    Xw = sphere_inputs(rng.standard_normal((89, 13)))
    Yw = np.eye(3)[rng.integers(0, 3, 89)]
    ratios = [
        case("parity 4HL ReLU w128, n=1024", Xp, yp, [128] * 4, "relu", math.sqrt(2), 0.1, 0.1, args.epochs),
        case("parity 1HL sin(6z)/2 w128, n=1024", Xp, yp, [128], "sin6", 1.0, 0.0, 0.1, args.epochs),
        case("wine-sized 1HL ReLU w4096, n=89", Xw, Yw[:, :1], [4096], "relu", math.sqrt(2), 0.1, 0.1, args.epochs),
        case("wine-sized 4HL ReLU w1024, n=89", Xw, Yw[:, :1], [1024] * 4, "relu", math.sqrt(2), 0.1, 0.1,
             max(20, args.epochs // 4)),
    ]
    print(f"geometric mean ratio torch/ours: {math.exp(np.mean(np.log(ratios))):.2f}")


if __name__ == "__main__":
    main()
