"""Training speed per net: seconds/epoch, GFLOP/s, ratio to the BLAS bound, before/after, PyTorch CPU.

For each net of the paper's experiments (parity: 4HL ReLU, 1HL sin(6z)/2, 1HL engineered,
float32, width 128, n = 1024; mimic: 1HL / 4HL ReLU and the 1HL Hermite mimic, width 4096,
wine n = 89, float64 and float32) one epoch = one full-batch GD step (forward, backward,
update; no test evaluation).  In the same process and interleaved, so that a change in the
machine's load hits all of them alike:

- ``after``: :func:`hermite_rev.nets.train` of this checkout;
- ``before``: the same call on the package at ``--before`` (default: main before the fused
  float32 sin/cos, the float32 Hermite series and the ReLU/readout fusions), extracted with
  ``git archive`` and imported as ``hermite_rev_before``;
- ``BLAS bound``: only the matrix products a step must do (forward, backprop, weight
  gradient, with the same shapes, dtype and BLAS thread count) by ``np.matmul(out=)`` into
  preallocated buffers;
- ``torch``: the same net, parameters, loss and schedule in PyTorch (CPU, autograd, same
  thread count).

Ratio = seconds per step / BLAS-bound seconds per step (1 = as fast as its matrix products).
GFLOP/s counts the products' multiply-adds as 2 flops.

For the Hermite-series nets a second line gives the *element-wise floor*: the recurrence a
step must run (n x width pre-activations x K terms, 4 vector operations per point and term:
one multiply and three FMAs for g_{k+1}, phi and phi'; 3 when phi is odd or even, since each
term then feeds only one of phi, phi') divided by the FMA rate this machine
measures in the same run for that dtype (:func:`hermite_rev._numba.train.fma_rate_kernel`, the
same loop shape), and ``(bound + floor) / bound``: the best ratio any implementation of that
series could reach on this machine.  Each time is the best of
``--repeats`` runs (the minimum is the least load-distorted estimate on a shared machine).

Run:  python benchmarks/bench_train.py [--quick] [--nets parity,mimic] [--only 1HL] [--no-before] [--no-torch]
Needs torch for the PyTorch column (pip install torch; skipped when missing).
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's package
import hermite_rev as hr
from hermite_rev.experiments import parity_kernel, wine_data
from hermite_rev.experiments._data import parity_data
from hermite_rev.nets import FCN, _blas_limiter, train

BEFORE_DEFAULT = "4ca5140"  # main before the element-wise work of the one-hidden-layer nets


def load_before(rev):
    """The package at git revision ``rev`` as the module ``hermite_rev_before`` (or None)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tmp = tempfile.mkdtemp(prefix="hr_before_")
    try:
        tar = subprocess.run(["git", "-C", root, "archive", rev, "hermite_rev"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=tar, check=True)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        print(f"(no 'before' column: cannot extract {rev}: {exc})")
        return None
    os.rename(os.path.join(tmp, "hermite_rev"), os.path.join(tmp, "hermite_rev_before"))
    sys.path.insert(0, tmp)
    return importlib.import_module("hermite_rev_before")


class Best:
    """Least wall-clock and least CPU seconds per step over repeated measurements.

    On a shared machine the wall time includes the time other processes hold the core; the
    CPU time of this (single-threaded: one BLAS thread, serial numba) process does not, so
    ratios of CPU times are the steadier measure under load.  Both are printed.
    """

    def __init__(self):
        self.wall = math.inf
        self.cpu = math.inf

    @staticmethod
    def start():
        return time.perf_counter(), time.process_time()

    def stop(self, t0, steps=1):
        self.wall = min(self.wall, (time.perf_counter() - t0[0]) / steps)
        self.cpu = min(self.cpu, (time.process_time() - t0[1]) / steps)


def gemm_shapes(net, n):
    """(m, k, n) of every matrix product of one GD step (forward, backprop, weight gradient)."""
    dims = [net.d_in] + net.widths + [net.d_out]
    shapes = []
    for l in range(len(dims) - 1):
        shapes.append((n, dims[l], dims[l + 1]))  # forward  A_l W_l
        if l > 0:
            shapes.append((n, dims[l + 1], dims[l]))  # backprop G_{l+1} W_l^T
        shapes.append((dims[l], n, dims[l + 1]))  # weight gradient A_l^T G
    return shapes


def blas_bound(net, n, repeats, steps, best):
    """Best seconds for one step's matrix products (same shapes, dtype, threads as training)."""
    dt = net.dtype
    rng = np.random.default_rng(0)
    ops = []
    for m, k, p in gemm_shapes(net, n):
        ops.append(
            (rng.standard_normal((m, k)).astype(dt), rng.standard_normal((k, p)).astype(dt), np.empty((m, p), dt))
        )
    for _ in range(repeats):
        t0 = best.start()
        for _ in range(steps):
            for a, b, c in ops:
                np.matmul(a, b, out=c)
        best.stop(t0, steps)
    return best


def fma_rate(dtype, repeats):
    """Element FMAs per second of :func:`~hermite_rev._numba.train.fma_rate_kernel` (best of ``repeats``)."""
    from hermite_rev._numba import train as nb

    dt = np.dtype(dtype)
    W = np.ones(512, dt)
    a, b = dt.type(0.999), dt.type(0.001)
    nb.fma_rate_kernel(W, a, b, 1)
    rounds = 2000
    best = math.inf
    for _ in range(max(repeats, 3)):
        t0 = time.perf_counter()
        nb.fma_rate_kernel(W, a, b, rounds)
        best = min(best, time.perf_counter() - t0)
    return 16 * W.size * rounds / best


def series_floor(spec, n, repeats):
    """(floor seconds per step, K, whether any term can be dropped) of a Hermite-series net, else None."""
    from hermite_rev._numba import train as nb

    act = spec["act"]
    if isinstance(act, str):
        return None
    f = act.compile()
    tables = nb.series_tables(f.coeffs, f._d1, spec["dtype"])
    K = tables[1].size
    ops = 3 if tables[-1] else 4  # one accumulation per degree when phi has a parity, else two
    points = n * sum(spec["widths"])
    return ops * points * K / fma_rate(spec["dtype"], repeats), K, tables[-2] >= 0, ops


def time_train(mod, spec, X, Y, repeats, steps, best):
    mse = None
    for _ in range(repeats):
        net = mod.nets.FCN(
            X.shape[1],
            spec["widths"],
            spec["act"],
            spec["sw"],
            spec["sb"],
            seed=0,
            d_out=Y.shape[1],
            dtype=spec["dtype"],
        )
        t0 = best.start()
        h = mod.nets.train(net, X, Y, spec["lr"], steps, progress=False, eval_every=steps)
        best.stop(t0, steps)
        mse = h["train_mse"][-1]
    return best, mse


def torch_phi(spec, torch):
    act = spec["act"]
    if act == "relu":
        return torch.relu
    if act == "sin6":
        return lambda z: torch.sin(6 * z) / 2
    coeffs = [float(b) for b in act.compile().coeffs]  # a Hermite series: phi = sum_k b_k h_k

    def phi(z):
        h_prev, h = torch.zeros_like(z), torch.ones_like(z)
        out = coeffs[0] * h
        for k in range(1, len(coeffs)):
            h_prev, h = h, (z * h - math.sqrt(k - 1) * h_prev) / math.sqrt(k)
            if coeffs[k] != 0.0:
                out = out + coeffs[k] * h
        return out

    return phi


def time_torch(spec, X, Y, repeats, steps, threads, best):
    import torch

    torch.set_num_threads(threads)
    tdt = torch.float32 if spec["dtype"] == np.float32 else torch.float64
    ref = FCN(X.shape[1], spec["widths"], "relu", spec["sw"], spec["sb"], seed=0, d_out=Y.shape[1], dtype=spec["dtype"])
    Xt, Yt = torch.tensor(X, dtype=tdt), torch.tensor(Y, dtype=tdt)
    phi = torch_phi(spec, torch)
    mse = None
    for _ in range(repeats):
        Ws = [torch.tensor(W, requires_grad=True) for W in ref.W]
        bs = [torch.tensor(b, requires_grad=True) for b in ref.b]

        def f(A, Ws=Ws, bs=bs):
            for l in range(len(Ws)):
                Z = ref.scales[l] * (A @ Ws[l]) + ref.bias_scales[l] * bs[l]
                A = phi(Z) if l < len(Ws) - 1 else Z
            return A

        with torch.no_grad():
            f0 = f(Xt)
        t0 = best.start()
        for _ in range(steps):
            loss = 0.5 * ((f(Xt) - f0 - Yt) ** 2).sum() / len(Xt)
            for p in Ws + bs:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in Ws + bs:
                    p -= spec["lr"] * p.grad
        best.stop(t0, steps)
        with torch.no_grad():
            mse = float(((f(Xt) - f0 - Yt) ** 2).mean())
    return best, mse


def nets(which, quick):
    """Yield (label, X, Y, spec, steps) per net (a generator: the first rows print early)."""
    if "parity" in which:
        Xtr, ytr, _, _ = parity_data(11, 0)
        Y = ytr[:, None]
        _, _, eng = parity_kernel()
        steps = 30 if quick else 200
        for name, widths, act, sw, sb in [
            ("parity 4HL ReLU", [128] * 4, "relu", math.sqrt(2), 0.1),
            ("parity 1HL sin(6z)/2", [128], "sin6", 1.0, 0.0),
            ("parity 1HL engineered", [128], eng, 1.0, 0.0),
        ]:
            yield (
                f"{name} w128 n1024 f32",
                Xtr,
                Y,
                dict(widths=widths, act=act, sw=sw, sb=sb, lr=0.1, dtype=np.float32),
                steps,
            )
    if "mimic" in which:
        Xtr, Ytr, _, _ = wine_data(0)
        w = 1024 if quick else 4096
        import sympy

        K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))  # exact: a float sigma_w^2 > 2 breaks K
        mim = hr.reverse(K, "ntk", n=40, dps=30).activation()
        for dt, tag in ((np.float64, "f64"), (np.float32, "f32")):
            for name, widths, act, sw, sb, steps in [
                ("mimic 1HL ReLU", [w], "relu", math.sqrt(2), 0.1, 100),
                ("mimic 4HL ReLU", [w] * 4, "relu", math.sqrt(2), 0.1, 5),
                ("mimic 1HL Hermite-40", [w], mim, 1.0, 0.0, 50),
            ]:
                yield (
                    f"{name} w{w} n89 {tag}",
                    Xtr,
                    Ytr,
                    dict(widths=widths, act=act, sw=sw, sb=sb, lr=0.1, dtype=dt),
                    steps if not quick else 3,
                )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nets", default="parity,mimic")
    ap.add_argument("--quick", action="store_true", help="few steps, mimic width 1024 (a smoke test)")
    ap.add_argument("--only", default="", help="run only the nets whose label contains one of these (comma-separated)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--before", default=BEFORE_DEFAULT, help="git revision for the 'before' column")
    ap.add_argument("--no-before", action="store_true")
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args()
    before = None if args.no_before else load_before(args.before)
    try:
        import torch  # noqa: F401

        has_torch = not args.no_torch
    except ImportError:
        has_torch = False
    print(f"after: {os.path.dirname(hr.__file__)}; before: {args.before}")
    load = os.getloadavg()
    print(
        f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start; "
        f"best of {args.repeats} interleaved; ratio = s/step over the BLAS bound of the same shapes, same run; "
        f"a second row per net from CPU time (steadier under load)"
    )
    head = (
        f"{'net':34s} {'thr':>3s} {'bound ms':>9s} {'after ms':>9s} {'GF/s':>6s} {'ratio':>6s} "
        f"{'before ms':>10s} {'ratio':>6s} {'torch ms':>9s} {'ratio':>6s}  final mse after/before/torch"
    )
    print(head)
    for label, X, Y, spec, steps in nets(args.nets.split(","), args.quick):
        if not any(part in label for part in args.only.split(",")):
            continue
        probe = FCN(
            X.shape[1], spec["widths"], "relu", spec["sw"], spec["sb"], seed=0, d_out=Y.shape[1], dtype=spec["dtype"]
        )
        from threadpoolctl import threadpool_info

        limiter = _blas_limiter(probe, X.shape[0], "auto")
        threads = max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        if limiter is not None:
            limiter.restore_original_limits()
        flops = sum(2 * m * k * p for m, k, p in gemm_shapes(probe, X.shape[0]))
        train(
            FCN(X.shape[1], spec["widths"], spec["act"], spec["sw"], spec["sb"], d_out=Y.shape[1], dtype=spec["dtype"]),
            X,
            Y,
            0.1,
            1,
            progress=False,
        )  # compile
        tb, ta, tp, tt = Best(), Best(), Best(), Best()
        mse_a = mse_b = mse_t = None
        for _ in range(args.repeats):  # interleaved, so that a change of load hits every column alike
            limiter = _blas_limiter(probe, X.shape[0], "auto")  # what train() uses, for the bound and torch
            blas_bound(probe, X.shape[0], 1, steps, tb)
            if has_torch:
                mse_t = time_torch(spec, X, Y, 1, steps, threads, tt)[1]
            if limiter is not None:
                limiter.restore_original_limits()
            mse_a = time_train(hr, spec, X, Y, 1, steps, ta)[1]
            if before is not None:
                mse_b = time_train(before, spec, X, Y, 1, steps, tp)[1]
        floor = series_floor(spec, X.shape[0], args.repeats)
        for clock in ("wall", "cpu"):
            bound, after = getattr(tb, clock), getattr(ta, clock)
            name = label if clock == "wall" else "  (CPU time)"
            row = (
                f"{name:34s} {threads:3d} {bound * 1e3:9.3f} {after * 1e3:9.3f} {flops / after / 1e9:6.1f} "
                f"{after / bound:6.2f}"
            )
            if before is not None:
                b = getattr(tp, clock)
                row += f" {b * 1e3:10.3f} {b / bound:6.2f}"
            else:
                row += f" {'-':>10s} {'-':>6s}"
            if has_torch:
                t = getattr(tt, clock)
                row += f" {t * 1e3:9.3f} {t / bound:6.2f}"
            else:
                row += f" {'-':>9s} {'-':>6s}"
            if clock == "wall":
                row += "  " + " / ".join(f"{m:.5g}" for m in (mse_a, mse_b, mse_t) if m is not None)
            elif floor is not None:
                row += f"  floor {floor[0] * 1e3:.3f} ms, best ratio {(bound + floor[0]) / bound:.2f}"
            print(row, flush=True)
        if floor is not None:
            fl, K, can_drop, ops = floor
            print(
                f"{'':34s}     element-wise floor: {K} terms x {X.shape[0] * sum(spec['widths'])} points x {ops} "
                f"vector "
                f"ops at the measured FMA rate ({'terms may be dropped' if can_drop else 'no term can be dropped'}); "
                f"best ratio = (bound + floor) / bound",
                flush=True,
            )
    load = os.getloadavg()
    print(f"load average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
