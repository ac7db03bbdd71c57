"""Training speed of the exported torch and JAX activations, as a ratio to ReLU in the same net.

The paper's mimic shapes (:mod:`hermite_rev.experiments`: the wine data, n = 89 training points,
d = 13 inputs, 3 one-hot outputs, one hidden layer of width 4096, float32): one training step =
forward, MSE loss, backward, SGD update.  In the same process and interleaved, so that a change
in the machine's load hits all of them alike:

- ``relu``: the net with ``torch.nn.ReLU`` (``jax.nn.relu`` for JAX);
- ``after``: the net with the activation ``act.export("torch")`` / ``"jax"`` of this checkout;
- ``before``: the same activation exported by the package at ``--before`` (default: main before
  the fused exports), extracted with ``git archive`` and imported as ``hermite_rev_before``.

Activations: members of ``hr.reverse(hr.kernels.relu_ntk(4, sqrt(2), 1/10), "ntk", n=N)`` (the
default member; N = 40, the mimic experiment's series, and N = 24, its fast run).  Torch runs
under ``torch.set_num_threads(1)`` and the default thread count; ratio = seconds per step /
seconds per ReLU step, each the best of ``--repeats`` rounds of ``--steps`` steps (the minimum
is the least load-distorted estimate on a shared machine).  The first call of the torch
export's compiled kernel (``torch.compile``) is timed apart as ``compile s``.

Run:  python benchmarks/bench_export.py [--quick] [--no-before] [--no-jax] [--terms 40,24]
Needs torch (``pip install torch --index-url https://download.pytorch.org/whl/cpu``) and jax.
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
import sympy

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's package
import hermite_rev as hr

BEFORE_DEFAULT = "b8b273a"  # main before the fused torch / JAX exports
N_TRAIN, D_IN, WIDTH, D_OUT = 89, 13, 4096, 3  # the mimic experiment on the wine data


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


def exported(source):
    ns = {"__name__": "exported"}
    exec(compile(source, "<exported>", "exec"), ns)
    return ns


def data(dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_TRAIN, D_IN))
    X *= np.sqrt(D_IN) / np.linalg.norm(X, axis=1, keepdims=True)  # |x|^2 / d = 1, as the mimic data
    Y = np.eye(D_OUT)[rng.integers(0, D_OUT, N_TRAIN)]
    return X.astype(dtype), Y.astype(dtype)


# ----------------------------------------------------------------------------------------- torch


def torch_step(torch, activation, dtype):
    """One SGD step of the mimic-shaped net with ``activation`` (an nn.Module), as a closure."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(D_IN, WIDTH), activation, torch.nn.Linear(WIDTH, D_OUT)).to(dtype)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    X, Y = (torch.from_numpy(a) for a in data(np.float32 if dtype == torch.float32 else np.float64))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ((net(X) - Y) ** 2).mean()
        loss.backward()
        opt.step()

    return step


def best_per_step(steps_by_name, repeats, steps):
    """{name: (best wall seconds, best CPU seconds) per step}, the closures interleaved round by round.

    On a shared machine the wall time includes the time other processes hold the cores; the CPU
    time of this process does not (with one thread it is the steadier measure; with more it also
    counts the threads' spinning), so both are printed.
    """
    wall = dict.fromkeys(steps_by_name, math.inf)
    cpu = dict.fromkeys(steps_by_name, math.inf)
    for _ in range(repeats):
        for name, fn in steps_by_name.items():
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(steps):
                fn()
            wall[name] = min(wall[name], (time.perf_counter() - t0) / steps)
            cpu[name] = min(cpu[name], (time.process_time() - c0) / steps)
    return {name: (wall[name], cpu[name]) for name in steps_by_name}


def bench_torch(acts, before, repeats, steps, threads):
    import torch

    dtype = torch.float32
    rows = []
    default_threads = torch.get_num_threads()
    for n_threads in threads:
        torch.set_num_threads(n_threads or default_threads)
        fns = {"relu": torch_step(torch, torch.nn.ReLU(), dtype)}
        compile_s = {}
        for label, act in acts.items():
            fns[f"{label} after"] = torch_step(torch, exported(act.export("torch"))["HermiteActivation"](), dtype)
            t0 = time.perf_counter()
            fns[f"{label} after"]()  # the first call compiles the fused kernel
            compile_s[label] = time.perf_counter() - t0
            if before is not None:
                src = before.export.export_activation(list(act.coeffs), "torch")
                fns[f"{label} before"] = torch_step(torch, exported(src)["HermiteActivation"](), dtype)
        for fn in fns.values():
            fn()
        best = best_per_step(fns, repeats, steps)
        frame = f"torch, {torch.get_num_threads()} thread(s)"
        relu_wall, relu_cpu = best["relu"]
        for name, (t, c) in best.items():
            rows.append((frame, name, t, t / relu_wall, c / relu_cpu, compile_s.get(name.rsplit(" ", 1)[0])))
    torch.set_num_threads(default_threads)
    return rows


# ------------------------------------------------------------------------------------------- jax


def jax_step(jax, fn):
    """A jitted SGD step of the mimic-shaped net with the element-wise ``fn``; returns a closure."""
    jnp = jax.numpy
    X, Y = (jnp.asarray(a) for a in data(np.float32))
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    params = [
        jax.random.normal(k1, (D_IN, WIDTH), jnp.float32) / math.sqrt(D_IN),
        jnp.zeros(WIDTH, jnp.float32),
        jax.random.normal(k2, (WIDTH, D_OUT), jnp.float32) / math.sqrt(WIDTH),
    ]

    def loss(p):
        return jnp.mean((fn(X @ p[0] + p[1]) @ p[2] - Y) ** 2)

    @jax.jit
    def update(p):
        g = jax.grad(loss)(p)
        return [w - 1e-3 * gw for w, gw in zip(p, g)]

    state = [params]

    def step():
        state[0] = update(state[0])
        jax.block_until_ready(state[0])

    return step


def bench_jax(acts, before, repeats, steps):
    import jax

    fns = {"relu": jax_step(jax, jax.nn.relu)}
    compile_s = {}
    for label, act in acts.items():
        fns[f"{label} after"] = jax_step(jax, exported(act.export("jax"))["phi"])
        t0 = time.perf_counter()
        fns[f"{label} after"]()
        compile_s[label] = time.perf_counter() - t0
        if before is not None:
            src = before.export.export_activation(list(act.coeffs), "jax")
            fns[f"{label} before"] = jax_step(jax, exported(src)["phi"])
    for fn in fns.values():
        fn()
    best = best_per_step(fns, repeats, steps)
    relu_wall, relu_cpu = best["relu"]
    frame = "jax (XLA CPU)"
    return [
        (frame, name, t, t / relu_wall, c / relu_cpu, compile_s.get(name.rsplit(" ", 1)[0]))
        for name, (t, c) in best.items()
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--terms", default="40,24", help="series lengths of the activations (comma separated)")
    ap.add_argument("--before", default=BEFORE_DEFAULT, help="git revision of the 'before' export")
    ap.add_argument("--no-before", action="store_true")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-jax", action="store_true")
    args = ap.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    steps = args.steps or (3 if args.quick else 10)
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    acts = {f"{n} terms": hr.reverse(K, "ntk", n=n, dps=30).activation() for n in map(int, args.terms.split(","))}
    before = None if args.no_before else load_before(args.before)
    rows = []
    if not args.no_torch:
        rows += bench_torch(acts, before, repeats, steps, threads=[1, None])
    if not args.no_jax:
        rows += bench_jax(acts, before, repeats, steps)
    print(f"one SGD step, {N_TRAIN} x {D_IN} -> {WIDTH} -> {D_OUT}, float32; best of {repeats} x {steps} steps")
    print("ratio: seconds per step / seconds per ReLU step (wall clock; CPU time of this process)")
    print(f"{'framework':<24} {'activation':<18} {'ms/step':>9} {'/ relu':>8} {'cpu / relu':>11} {'compile s':>10}")
    for frame, name, t, ratio, cpu_ratio, comp in rows:
        c = f"{comp:10.1f}" if comp is not None and name.endswith("after") else ""
        print(f"{frame:<24} {name:<18} {t * 1e3:9.2f} {ratio:8.2f} {cpu_ratio:11.2f} {c:>10}")
    return rows


if __name__ == "__main__":
    main()
