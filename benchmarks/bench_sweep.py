"""Benchmark: sweeps on a local Dask cluster (2 worker processes, 1 thread each) vs serial.

1. Exhaustive best-member search (criterion "sup", grid 201 on [-3, 3]) of the sign family of the
   4-hidden-layer ReLU NTK (sigma_w^2 = 2, sigma_b = 0.1) with m nonzero Hermite terms: 2**(m-1)
   members (phi -> -phi symmetry).  Serial reference: ``workers=1`` (the same Gray-code blocks,
   one after the other, in this process on one core).  Also shown: the default in-process search
   (numba threads over all cores).  Every engine must return the same member and value.
2. A parity sweep at the paper's sizes (11 bits, width 128) with the epochs capped at 300 (a
   few seconds per task) over 8 trials x 3 networks, one task each
   (:func:`hermite_rev.experiments.parity_task`).
   Serial reference: the same tasks in this process limited to one numba / BLAS thread
   (``workers=1``); also the same tasks with the process's default threads.

The speedup is serial seconds / cluster seconds (wall clock), measured in the same process; the
machine load (1-minute load average) is printed before and after each measurement because the
machine may be shared.  CPU seconds (this process, or summed over the Dask workers) are printed
too: on a busy machine the wall-clock speedup measures the share of the CPUs the sweep got, while
"CPU efficiency" (serial CPU seconds / cluster CPU seconds) says whether splitting added work.

Run: python benchmarks/bench_sweep.py [m ...] [--no-inprocess] [--no-parity]
(default m = 28 30; m = 32 takes ~8 min serial; the flags skip the in-process threaded search and
the parity sweep)
"""

import math
import os
import sys
import time

import numpy as np
import sympy


def load():
    return os.getloadavg()[0]


def timed(fn, client=None):
    """(result, wall seconds, (load before, after), CPU seconds: of this process, or summed over
    the Dask workers when ``client`` is given)."""
    l0 = load()
    c0 = client.run(time.process_time) if client is not None else time.process_time()
    t0 = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    if client is not None:
        c1 = client.run(time.process_time)
        cpu = sum(c1[w] - c0.get(w, 0.0) for w in c1)
    else:
        cpu = time.process_time() - c0
    return out, wall, (l0, load()), cpu


def family(m):
    import hermite_rev as hr

    K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    fam = hr.reverse(K, "ntk", n=m, dps=20)
    assert len(fam.nonzero) == m
    return fam


def bench_best(ms, client, inprocess=True):
    from hermite_rev.lower import best_member

    small = family(12)
    for kw in ({}, {"workers": 1}, {"client": client}):  # compile everywhere first
        best_member(small, "sup", exhaustive_limit=40, **kw)
    rows = []
    for m in ms:
        fam = family(m)
        members = 2 ** (m - 1)
        print(f"\nm = {m}: {members:,} members", flush=True)
        ser, t_ser, l_ser, c_ser = timed(
            lambda fam=fam: best_member(fam, "sup", exhaustive_limit=40, workers=1, progress=False)
        )
        print(
            f"  serial (1 process, 1 thread) {t_ser:8.1f} s wall {c_ser:8.1f} s CPU  "
            f"{members / t_ser / 1e6:6.2f} M members/s wall, {members / c_ser / 1e6:6.2f} per CPU-s  "
            f"load {l_ser[0]:.1f} -> {l_ser[1]:.1f}",
            flush=True,
        )
        dsk, t_dsk, l_dsk, c_dsk = timed(
            lambda fam=fam: best_member(fam, "sup", exhaustive_limit=40, client=client, progress=False), client
        )
        print(
            f"  Dask LocalCluster 2 x 1      {t_dsk:8.1f} s wall {c_dsk:8.1f} s CPU  "
            f"{members / t_dsk / 1e6:6.2f} M members/s wall, {members / c_dsk / 1e6:6.2f} per CPU-s  "
            f"load {l_dsk[0]:.1f} -> {l_dsk[1]:.1f}  wall speedup {t_ser / t_dsk:.2f}x, "
            f"CPU efficiency {c_ser / c_dsk:.2f}",
            flush=True,
        )
        if not inprocess:
            assert ser.signs == dsk.signs and ser.value == dsk.value
            rows.append((m, members, t_ser, t_dsk, None, c_ser, c_dsk))
            continue
        inp, t_inp, l_inp, c_inp = timed(lambda fam=fam: best_member(fam, "sup", exhaustive_limit=40))
        print(
            f"  in-process numba threads     {t_inp:8.1f} s wall {c_inp:8.1f} s CPU  "
            f"{members / t_inp / 1e6:6.2f} M members/s wall  load {l_inp[0]:.1f} -> {l_inp[1]:.1f}",
            flush=True,
        )
        assert ser.signs == dsk.signs == inp.signs and ser.value == dsk.value == inp.value
        rows.append((m, members, t_ser, t_dsk, t_inp, c_ser, c_dsk))
    return rows


def parity_tasks(trials):
    from hermite_rev.experiments import parity_kernel

    _, _, eng = parity_kernel()
    common = {"lr": 0.2, "epochs": 300, "stop_mse": None}
    nets = [
        {"widths": [128] * 4, "activation": "relu", "sigma_w": math.sqrt(2), "sigma_b": 0.1, **common},
        {"widths": [128], "activation": "sin6", "sigma_w": 1.0, "sigma_b": 0.0, **common},
        {"widths": [128], "activation": eng, "sigma_w": 1.0, "sigma_b": 0.0, **common},
    ]
    return [(11, trial, cfg, np.float32, False) for trial in range(trials) for cfg in nets]


def bench_parity(client, trials):
    import numba
    from threadpoolctl import threadpool_limits

    from hermite_rev.experiments import parity_task
    from hermite_rev.sweep import run_tasks

    tasks = parity_tasks(trials)
    run_tasks(parity_task, tasks[:3], workers=1, progress=False)  # compile here
    run_tasks(parity_task, tasks[:3], client=client, progress=False)  # and on the workers
    print(
        f"\nparity sweep, 11 bits, width 128, 300 epochs: {trials} trials x 3 networks = {len(tasks)} tasks", flush=True
    )
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    with threadpool_limits(1):
        ser, t_ser, l_ser, c_ser = timed(lambda: run_tasks(parity_task, tasks, workers=1, progress=False))
    numba.set_num_threads(before)
    print(
        f"  serial (1 process, 1 thread)     {t_ser:7.1f} s wall {c_ser:7.1f} s CPU  "
        f"load {l_ser[0]:.1f} -> {l_ser[1]:.1f}",
        flush=True,
    )
    thr, t_thr, l_thr, c_thr = timed(lambda: run_tasks(parity_task, tasks, workers=1, progress=False))
    print(
        f"  serial (default threads: {before})      {t_thr:7.1f} s wall {c_thr:7.1f} s CPU  "
        f"load {l_thr[0]:.1f} -> {l_thr[1]:.1f}",
        flush=True,
    )
    dsk, t_dsk, l_dsk, c_dsk = timed(lambda: run_tasks(parity_task, tasks, client=client, progress=False), client)
    print(
        f"  Dask LocalCluster 2 x 1          {t_dsk:7.1f} s wall {c_dsk:7.1f} s CPU  "
        f"load {l_dsk[0]:.1f} -> {l_dsk[1]:.1f}  wall speedup {t_ser / t_dsk:.2f}x vs 1 thread, "
        f"{t_thr / t_dsk:.2f}x vs default threads; CPU efficiency {c_ser / c_dsk:.2f}",
        flush=True,
    )
    for a, b, c in zip(ser, thr, dsk):
        for key in ("train_mse", "test_mse", "train_acc", "test_acc"):
            assert a[0][key] == b[0][key] == c[0][key]
    return t_ser, t_thr, t_dsk


def main():
    import distributed

    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    ms = [int(a) for a in sys.argv[1:] if not a.startswith("--")] or [28, 30]
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()}")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        rows = bench_best(ms, client, inprocess="--no-inprocess" not in flags)
        if "--no-parity" not in flags:
            bench_parity(client, trials=8)
    m, members, _, _, _, c_ser, _ = rows[-1]
    per_worker = members / c_ser
    print(f"\nper-worker rate (serial, m = {m}, per CPU second): {per_worker / 1e6:.2f} M members/s")
    for big in (32, 40):
        n = 2 ** (big - 1)
        print(
            f"  m = {big}: {n / per_worker / 3600:8.2f} h on 1 worker; on N workers ~ that / N "
            f"(N = 64: {n / per_worker / 64 / 60:.1f} min)"
        )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
