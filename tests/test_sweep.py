"""The execution layer (hermite_rev.sweep) and the sweeps built on it: every engine gives the serial
result, in task order; a failing task is named; a worker that dies mid-sweep loses nothing.

Dask tests run on one module-scoped ``LocalCluster(processes=True, n_workers=2, threads_per_worker=1)``.
"""

import math
import os
import sys

import numpy as np
import pytest

from hermite_rev._core.errors import HermiteRevError
from hermite_rev.sweep import SweepTaskError, run_tasks

distributed = pytest.importorskip("distributed")


# --- task functions: top level, so worker processes import them by reference ----------------------


def seeded_draw(seed, n):
    """A pure function of its seed: a few standard normals."""
    return np.random.default_rng(seed).standard_normal(n).tolist()


def fails_on_three(i):
    if i == 3:
        raise ZeroDivisionError(f"task number {i} divides by zero")
    return i * i


def dies_once(i, marker_dir):
    """Kills its worker process (os._exit) on the first attempt of task 2; a marker file remembers."""
    if i == 2:
        marker = os.path.join(marker_dir, "died")
        if not os.path.exists(marker):
            with open(marker, "w") as fh:
                fh.write(str(os.getpid()))
            os._exit(13)
    return i, math.factorial(i + 10)


def threads_seen(_):
    import numba

    return os.environ.get("OMP_NUM_THREADS"), numba.get_num_threads()


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    )
    cl = distributed.Client(cluster)
    yield cl
    cl.close()
    cluster.close()


TASKS = [(s, 3) for s in range(7)]


# --- the layer --------------------------------------------------------------------------------------


def test_serial_matches_direct_calls():
    assert run_tasks(seeded_draw, TASKS, workers=1, progress=False) == [seeded_draw(*t) for t in TASKS]
    assert run_tasks(seeded_draw, [{"seed": 1, "n": 2}], workers=1, progress=False) == [seeded_draw(1, 2)]
    assert run_tasks(math.factorial, [5, 6], workers=1, progress=False) == [120, 720]
    assert run_tasks(seeded_draw, [], progress=False) == []


def test_local_pool_equals_serial_in_order():
    serial = run_tasks(seeded_draw, TASKS, workers=1, progress=False)
    assert run_tasks(seeded_draw, TASKS, workers=2, progress=False) == serial


def test_local_pool_workers_get_one_thread():
    seen = run_tasks(threads_seen, [0, 1], workers=2, progress=False)
    assert seen == [("1", 1), ("1", 1)]


def test_dask_equals_serial_in_order(client):
    serial = run_tasks(seeded_draw, TASKS, workers=1, progress=False)
    assert run_tasks(seeded_draw, TASKS, client=client, progress=False) == serial
    # connecting by address gives the same
    addr = client.scheduler.address
    assert run_tasks(seeded_draw, TASKS[:3], scheduler=addr, progress=False) == serial[:3]


@pytest.mark.parametrize("engine", ["serial", "pool", "dask"])
def test_failing_task_is_named(engine, request):
    kw = {"serial": {"workers": 1}, "pool": {"workers": 2}}.get(engine)
    if kw is None:
        kw = {"client": request.getfixturevalue("client"), "retries": 0}
    with pytest.raises(
        SweepTaskError,
        match=r"task 3 of 5 failed: fails_on_three\(3\) raised ZeroDivisionError: "
        r"task number 3 divides by zero",
    ) as info:
        run_tasks(fails_on_three, [(i,) for i in range(5)], progress=False, **kw)
    assert info.value.index == 3 and info.value.task == (3,)


def test_worker_death_local_pool(tmp_path):
    tasks = [(i, str(tmp_path)) for i in range(6)]
    out = run_tasks(dies_once, tasks, workers=2, progress=False)
    assert (tmp_path / "died").exists()  # a worker really died
    assert out == [(i, math.factorial(i + 10)) for i in range(6)]


def test_worker_death_dask(client, tmp_path):
    before = set(client.scheduler_info()["workers"])
    tasks = [(i, str(tmp_path)) for i in range(6)]
    out = run_tasks(dies_once, tasks, client=client, progress=False)
    assert (tmp_path / "died").exists()
    assert out == [(i, math.factorial(i + 10)) for i in range(6)]  # each exactly once, in order
    client.wait_for_workers(2, timeout=60)
    assert set(client.scheduler_info()["workers"]) != before  # the nanny replaced the dead worker


def test_without_dask_local_works_and_client_says_how(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert run_tasks(seeded_draw, TASKS[:2], workers=1, progress=False) == [seeded_draw(*t) for t in TASKS[:2]]
    with pytest.raises(HermiteRevError, match=r'pip install "hermite_rev\[dask\]"'):
        run_tasks(seeded_draw, TASKS, scheduler="tcp://127.0.0.1:8786", progress=False)
    with pytest.raises(HermiteRevError, match=r'pip install "hermite_rev\[dask\]"'):
        run_tasks(seeded_draw, TASKS, client=object(), progress=False)


def test_bad_arguments():
    with pytest.raises(HermiteRevError, match="workers"):
        run_tasks(seeded_draw, TASKS, workers=0)
    with pytest.raises(HermiteRevError, match="callable"):
        run_tasks(3, TASKS)
    with pytest.raises(HermiteRevError, match="scheduler must be an address"):
        run_tasks(seeded_draw, TASKS, scheduler="localhost")
    with pytest.raises(HermiteRevError, match="not both"):
        run_tasks(seeded_draw, TASKS, scheduler="tcp://a:1", client=object())
    with pytest.raises(HermiteRevError, match="workers= is for the local engine"):
        run_tasks(seeded_draw, TASKS, scheduler="tcp://a:1", workers=2)
    with pytest.raises(HermiteRevError, match="retries"):
        run_tasks(seeded_draw, TASKS, retries=-1)


def test_unreachable_scheduler_is_one_line_error():
    import dask

    where = r"no Dask scheduler at tcp://127.0.0.1:9"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), pytest.raises(HermiteRevError, match=where):
        run_tasks(seeded_draw, TASKS, scheduler="tcp://127.0.0.1:9", progress=False)


def test_size_line(capsys):
    run_tasks(seeded_draw, TASKS[:2], workers=1, progress=True, desc="draws", seconds_per_task=90)
    err = capsys.readouterr().err
    assert "draws: 2 tasks on 1 worker(s) (in this process), estimated 3 min" in err


# --- the users: each sweep gives the serial result on every engine ------------------------------------


@pytest.fixture
def one_thread():
    """The serial reference in this process with one numba / BLAS thread (the test machine is shared;
    the workers of the pool and of the cluster run one thread each)."""
    import numba
    from threadpoolctl import threadpool_limits

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    with threadpool_limits(1):
        yield
    numba.set_num_threads(before)


def _same_numbers(a, b):
    """Experiment results equal except wall-clock seconds."""
    assert list(a) == list(b)
    for name in a:
        ka = {k: v for k, v in a[name].items() if not k.startswith("seconds")}
        kb = {k: v for k, v in b[name].items() if not k.startswith("seconds")}
        assert ka == kb, name


@pytest.fixture(scope="module")
def relu_family():
    import sympy

    import hermite_rev as hr

    K = hr.kernels.relu_ntk(depth=4, sigma_w=sympy.sqrt(2), sigma_b=sympy.Rational(1, 10))
    return hr.reverse(K, "ntk", n=14, dps=20)


@pytest.mark.parametrize("criterion", ["sup", "lipschitz", "nonmonotone"])
def test_best_member_exhaustive_split_equals_serial(relu_family, client, criterion):
    from hermite_rev.lower import best_member

    ref = best_member(relu_family, criterion)  # in-process numba search over all 2**13 members
    assert ref.method == "gray-code" and ref.covered == 2**14
    engines = [{"workers": 1}, {"client": client}] + ([{"workers": 2}] if criterion == "sup" else [])
    for kw in engines:
        got = relu_family.best(criterion, **kw)
        assert (got.signs, got.value, got.refined_value, got.examined, got.covered) == (
            ref.signs,
            ref.value,
            ref.refined_value,
            ref.examined,
            ref.covered,
        ), kw


def test_best_member_split_finds_the_brute_force_minimum(relu_family, client):
    """Independent check: numpy over all 2**14 sign vectors (the criterion is even in phi -> -phi)."""
    from hermite_rev.lower import _basis

    x = np.linspace(-3, 3, 201)
    vals, _ = _basis(relu_family, x)
    m = vals.shape[0]
    codes = np.arange(2**m)
    signs = 1.0 - 2.0 * ((codes[:, None] >> np.arange(m)) & 1)
    sup = np.max(np.abs(signs @ vals), axis=1)
    got = relu_family.best("sup", client=client)
    assert got.value == pytest.approx(sup.min(), rel=1e-12, abs=1e-12)
    assert np.max(np.abs(np.array(got.signs, float) @ vals)) == pytest.approx(sup.min(), rel=1e-12)


def test_best_member_local_search_split_equals_serial(relu_family, client):
    from hermite_rev.lower import best_member

    ref = best_member(relu_family, "sup", exhaustive_limit=8, restarts=12, seed=3)
    assert ref.method == "local-search"
    got = best_member(relu_family, "sup", exhaustive_limit=8, restarts=12, seed=3, client=client)
    assert (got.signs, got.value, got.examined) == (ref.signs, ref.value, ref.examined)


def test_best_member_split_rejects_callable(relu_family):
    with pytest.raises(HermiteRevError, match="callable criterion"):
        relu_family.best(lambda x, y, dy: float(np.max(y)), workers=2)


def test_width_scaling_equals_serial(client, one_thread):
    from hermite_rev import verify

    kw = {"widths": [64, 256, 1024], "seeds": range(3), "cs": [-0.5, 0.0, 0.5, 1.0]}
    ref = verify.width_scaling("relu", "ntk", workers=1, **kw)
    assert verify.width_scaling("relu", "ntk", client=client, **kw) == ref
    assert verify.width_scaling("relu", "ntk", workers=2, **kw) == ref


def test_kernel_regime_gap_equals_serial(client, one_thread):
    from hermite_rev import verify

    kw = {"widths": (64, 512), "epochs": 15, "seeds": range(2)}
    ref = verify.kernel_regime_gap("relu", workers=1, **kw)
    assert verify.kernel_regime_gap("relu", client=client, **kw) == ref


def test_parity_equals_serial(client, one_thread):
    from hermite_rev import experiments

    ref = experiments.parity(trials=1, seed=5, fast=True, out=None, workers=1)
    _same_numbers(experiments.parity(trials=1, seed=5, fast=True, out=None, client=client), ref)


def test_mimic_equals_serial(client, one_thread):
    from hermite_rev import experiments

    ref = experiments.mimic(seed=2, fast=True, out=None, workers=1)
    got = experiments.mimic(seed=2, fast=True, out=None, client=client)
    _same_numbers(got, ref)
    assert got.distance == ref.distance


def test_cli_family_best_on_scheduler(client, capsys):
    import json

    from hermite_rev.cli import main

    argv = ["family", "relu_ntk(depth=2)", "--n", "12", "--best", "sup", "--json"]
    assert main(argv + ["--workers", "1"]) == 0
    ref = json.loads(capsys.readouterr().out)["best"]
    assert main(argv + ["--scheduler", client.scheduler.address]) == 0
    got = json.loads(capsys.readouterr().out)["best"]
    assert (got["signs"], got["value"]) == (ref["signs"], ref["value"])
    assert main(argv + ["--scheduler", "localhost"]) == 2
    assert "scheduler must be an address" in capsys.readouterr().err


def test_docstring_examples():
    import doctest

    from hermite_rev import sweep

    result = doctest.testmod(sweep, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_cli_sweep_flags_reach_the_experiment(monkeypatch, capsys):
    from hermite_rev import experiments
    from hermite_rev.cli import main

    seen = {}

    def fake_run(name, fast, out, report, **options):
        seen.update(options)

    monkeypatch.setattr(experiments, "run_experiment", fake_run)
    assert main(["experiment", "parity", "--fast", "--scheduler", "tcp://10.0.0.5:8786"]) == 0
    assert seen["scheduler"] == "tcp://10.0.0.5:8786" and "workers" not in seen
    seen.clear()
    assert main(["experiment", "mimic", "--fast", "--workers", "3"]) == 0
    assert seen["workers"] == 3 and "scheduler" not in seen
    with pytest.raises(SystemExit) as exit_:  # a bad size is a usage error, refused while parsing
        main(["experiment", "parity", "--workers", "0"])
    assert exit_.value.code == 2
    assert "--workers" in capsys.readouterr().err
    assert main(["experiment", "parity", "--workers", "2", "--scheduler", "tcp://a:1"]) == 2
    assert "--workers is for local runs" in capsys.readouterr().err


# --- fail fast: scheduler addresses, services that are not Dask, worker counts (issue 22) -----------


@pytest.mark.parametrize(
    "address, why",
    [
        ("notaport", "scheme"),
        ("http://x:1", "scheme 'http'"),
        ("ws://x:1", "scheme 'ws'"),
        ("tcp://x", "port is missing"),
        ("tcp://x:notaport", "port 'notaport'"),
        ("tcp://x:0", "port '0'"),
        ("tcp://x:65536", "port '65536'"),
        ("tcp://:8786", "host ''"),
        ("tcp://a b:1", "whitespace"),
        ("tcp://x:1/path", "path"),
        ("tcp://user@x:1", "user name"),
        ("tcp://::1:8786", "brackets"),
        ("tcp://[nothex]:1", "IPv6"),
        ("inproc://x", "inproc://HOST/PID/N"),
        ("inproc://h/1/1", "this process"),
        (8786, "string"),
    ],
)
def test_scheduler_address_checked_before_connecting(address, why):
    from hermite_rev.sweep import SchedulerError

    with pytest.raises(SchedulerError, match="scheduler must be an address") as err:
        run_tasks(seeded_draw, TASKS, scheduler=address, progress=False)
    assert why in str(err.value) and "scheduler=" in str(err.value) and "\n" not in str(err.value)
    assert isinstance(err.value, HermiteRevError)


def test_scheduler_addresses_that_pass():
    from hermite_rev.sweep import check_scheduler

    assert check_scheduler("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert check_scheduler("TLS://head.example.org:8786") == "tls://head.example.org:8786"
    assert check_scheduler("tcp://[::1]:8786") == "tcp://[::1]:8786"
    assert check_scheduler(f"inproc://10.0.0.1/{os.getpid()}/3") == f"inproc://10.0.0.1/{os.getpid()}/3"


def _fake_service(mode):
    """A TCP server on localhost that is not Dask: it sends junk, or accepts and says nothing."""
    import socket
    import threading
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            if mode == "junk":
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 4)
            elif mode == "short junk":  # a plausible frame length, then garbage
                conn.sendall(b"\x10\x00\x00\x00\x00\x00\x00\x00garbage garbage!")
            threading.Thread(target=lambda c=conn: (time.sleep(30), c.close()), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return server, f"tcp://127.0.0.1:{server.getsockname()[1]}"


def _closed_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"tcp://127.0.0.1:{port}"


@pytest.mark.parametrize("mode", ["junk", "short junk", "silent", "closed port", "unresolvable host"])
def test_not_a_dask_scheduler_fails_fast_in_one_line(mode):
    import time

    from hermite_rev.sweep import SchedulerError

    server = None
    if mode == "closed port":
        address, why = _closed_port(), "cannot connect"
    elif mode == "unresolvable host":
        address, why = "tcp://no-such-host.invalid:8786", "cannot resolve host 'no-such-host.invalid'"
    else:
        server, address = _fake_service(mode)
        why = "no Dask handshake within 5 s" if mode == "silent" else "does not speak the Dask protocol"
    start = time.monotonic()
    try:
        with pytest.raises(SchedulerError) as err:
            run_tasks(seeded_draw, TASKS, scheduler=address, progress=False)
    finally:
        if server is not None:
            server.close()
    assert time.monotonic() - start < 15
    msg = str(err.value)
    assert msg.startswith(f"no Dask scheduler at {address}: ") and why in msg and "\n" not in msg


def test_connect_timeout_is_configurable():
    import time

    from hermite_rev.sweep import SchedulerError, connect_timeout

    server, address = _fake_service("silent")
    try:
        start = time.monotonic()
        with pytest.raises(SchedulerError, match="within 1 s"):
            run_tasks(seeded_draw, TASKS, scheduler=address, progress=False, connect_timeout=1)
        with connect_timeout(1.5), pytest.raises(SchedulerError, match=r"within 1\.5 s"):
            run_tasks(seeded_draw, TASKS, scheduler=address, progress=False)
        assert time.monotonic() - start < 6
    finally:
        server.close()
    for bad in (0, -1, float("inf"), float("nan"), "5", True, 10**6):
        with pytest.raises(HermiteRevError, match="connect_timeout must be a number of seconds"):
            run_tasks(seeded_draw, TASKS, scheduler=address, connect_timeout=bad)


def test_a_dask_worker_is_not_the_scheduler(client):
    from hermite_rev.sweep import SchedulerError

    worker = next(iter(client.scheduler_info()["workers"]))
    with pytest.raises(SchedulerError, match=f"no Dask scheduler at {worker}: it is a Dask Worker"):
        run_tasks(seeded_draw, TASKS, scheduler=worker, progress=False)


def test_worker_and_retry_counts_are_checked():
    with pytest.raises(HermiteRevError, match=r"^workers=1000000000000000000 is too large") as err:
        run_tasks(seeded_draw, TASKS, workers=10**18, progress=False)
    assert "\n" not in str(err.value)
    with pytest.raises(HermiteRevError, match=r"^retries must be a non-negative integer, got retries='x'$"):
        run_tasks(seeded_draw, TASKS, retries="x", progress=False)
    with pytest.raises(HermiteRevError, match="workers must be a positive integer"):
        run_tasks(seeded_draw, TASKS, workers=2.5, progress=False)


def test_local_workers_capped_by_cores_and_tasks():
    from hermite_rev._core.errors import HermiteRevWarning
    from hermite_rev.sweep import local_workers

    many = local_workers() + 3
    with pytest.warns(
        HermiteRevWarning, match=rf"workers={many} capped to 1: this process may use .* and the sweep has 1"
    ):
        assert run_tasks(seeded_draw, TASKS[:1], workers=many, progress=False) == [seeded_draw(*TASKS[0])]


def test_cli_scheduler_fails_fast(capsys):
    from hermite_rev.cli import main

    argv = ["family", "relu_ntk(depth=2)", "--n", "6", "--best", "sup"]
    assert main(argv + ["--scheduler", "http://x:1"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler must be an address" in err and "scheme 'http'" in err
    address = _closed_port()
    assert main(argv + ["--scheduler", address, "--connect-timeout", "2"]) == 2
    assert f"no Dask scheduler at {address}: cannot connect" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(argv + ["--connect-timeout", "-1"])
    assert "--connect-timeout" in capsys.readouterr().err


def test_weights_are_checked_and_count_the_bar(capsys):
    out = run_tasks(math.comb, [(10, k) for k in range(4)], workers=1, progress=True, weights=[1, 2, 3, 4.5])
    assert out == [1, 10, 45, 120]
    assert "10.5/10.5 units" in capsys.readouterr().err
    for bad, message in (([1, 2], "one number per task"), ([1, 2, 0, 1], "positive and finite"), ("abcd", "weights")):
        with pytest.raises(HermiteRevError, match=message):
            run_tasks(math.comb, [(10, k) for k in range(4)], workers=1, progress=False, weights=bad)
