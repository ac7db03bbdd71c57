"""Issue "Trust on every input": the parser executes nothing, floats are exact, bounds hold,
calls are thread-safe, sizes are bounded, and the checks themselves are fast."""

import builtins
import concurrent.futures
import math
import sys
import threading
import time

import flint
import mpmath
import numpy as np
import pytest
import sympy
import sympy.parsing.sympy_parser

import hermite_rev as hr
from hermite_rev._core.errors import HermiteRevError
from hermite_rev._core.limits import LIMITS
from hermite_rev._core.validate import as_number, exact_float, parse

c = hr.c

# --------------------------------------------------------------------------------------------
# 1. strings never execute code
# --------------------------------------------------------------------------------------------

ATTACKS = [
    # string-literal tricks: adjacent literals rebuild a dunder payload
    'exp("_" "_import_" "_(\'os\')" "." "system(\'id\')*0+c")',
    'exp(\'__import__("os").system("id")\')',
    # format strings and attribute walks to globals
    '"{0._" "_globals_" "_}".format(relu)',
    "f'{c}'",
    "relu.__globals__",
    "().__class__.__bases__[0].__subclasses__()",
    "c.__class__",
    "exp.__init__.__globals__",
    "getattr(c, 'func')",
    "__import__('os').system('id')",
    "eval('1')",
    "exec('x=1')",
    "open('/etc/passwd')",
    "Symbol('x')",
    "Float('1e100000000')*c",
    "sympify('c')",
    # lambda, walrus, comprehensions, subscripts, comparisons, conditionals
    "(lambda: 1)()",
    "(x := 3) * c",
    "[i for i in range(10**9)]",
    "{i: i for i in range(3)}",
    "(i for i in range(3))",
    "exp(c)[0]",
    "c if c else 1",
    "c < 1",
    "c and 1",
    "*c",
    "exp(**{'x': c})",
    "exp(*[c])",
    "relu_ntk(**{'depth': 2})",
    "b'abc'",
    "1j*c",
    "True + c",
    "None",
    "...",
    "c @ c",
    "c // 2",
    "c % 2",
    "~c",
    "c << 2",
    # CPU and memory bombs
    "9**9**9",
    "10**10**8*c",
    "c**(10**9)",
    "(10**4000)**(10**4000)",
    "2**2**2**2**2**2",
    "1e100000000*c",
    "Rational(10**30000, 3)",
    "1" * (LIMITS["int_digits"] + 1) + "*c",
    "exp(" * 200 + "c" + ")" * 200,
    "(" * 500 + "c" + ")" * 500,
    "c+" * 20000 + "c",
    "relu_ntk(depth=10**9)",
    "arccos(10**6)",
    "polynomial([1]*10)",
    "inhomogeneous_polynomial(10**9)",
]


@pytest.mark.parametrize("payload", ATTACKS)
def test_attack_payloads_are_refused_quickly_with_one_line_and_run_nothing(payload, monkeypatch):
    ran = []

    def spying(original):
        def spy(*args, **kwargs):  # text handed to anything that runs or parses code
            if any(isinstance(a, (str, bytes)) for a in args):
                ran.append(args)
                raise AssertionError("executed")
            return original(*args, **kwargs)

        return spy

    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, spying(getattr(builtins, name)))
    monkeypatch.setattr(sympy, "sympify", spying(sympy.sympify))
    core = sys.modules["sympy.core.sympify"]
    monkeypatch.setattr(core, "sympify", spying(core.sympify))
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", spying(sympy.parsing.sympy_parser.parse_expr))
    t0 = time.perf_counter()
    with pytest.raises(ValueError) as info:
        parse(payload, c)
    assert time.perf_counter() - t0 < 2.0
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    assert not ran


def test_unknown_names_suggest_the_right_one():
    with pytest.raises(ValueError, match="unknown function 'relu_nkt'; did you mean relu_ntk"):
        hr.taylor("relu_nkt(4)", 3)
    with pytest.raises(ValueError, match="no argument 'sigmaw'; did you mean sigma_w"):
        hr.taylor("relu_ntk(4, sigmaw=2)", 3)


def test_parser_accepts_what_people_write():
    K = parse("relu_ntk(depth=4, sigma_w=sqrt(2), sigma_b=0.1) + 1/2*exp(2*c) - c**2/4", c)
    ref = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10)) + sympy.exp(2 * c) / 2 - c**2 / 4
    a, b = hr.taylor(K, 8, dps=25), hr.taylor(ref, 8, dps=25)
    assert all(abs(x - y) <= ex + ey for x, y, ex, ey in zip(a, b, a.errors, b.errors))
    assert parse("polynomial([1, 0.5, 1/3])", c) == 1 + c / 2 + c**2 / 3
    assert parse("gelu(z) + softplus(z) + swish(z) + sigmoid(z) + relu(z)", hr.z).has(sympy.erf)


# --------------------------------------------------------------------------------------------
# 2. floats are exact rationals: the shortest decimal that round-trips
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,exact",
    [
        (0.1, sympy.Rational(1, 10)),
        (np.float64(0.1), sympy.Rational(1, 10)),
        (np.float32(0.1), sympy.Rational(1, 10)),
        (np.sqrt(2), sympy.Rational("1.4142135623730951")),
        (sympy.Float("0.1"), sympy.Rational(1, 10)),
        (sympy.Float("0.1", 30), sympy.Rational(1, 10)),
        (1e-300, sympy.Rational(1, 10**300)),
        (2.5e10, sympy.Integer(25000000000)),
        (-0.0, sympy.Integer(0)),
        (mpmath.mpf(0.5), sympy.Rational(1, 2)),
    ],
)
def test_float_policy(value, exact):
    assert as_number(value) == exact


def test_float_round_trip_property():
    rng = np.random.default_rng(0)
    for x in np.concatenate([rng.standard_normal(200) * 10.0 ** rng.integers(-300, 300, 200), [5e-324, 1.7e308]]):
        q = exact_float(float(x))
        assert float(q) == float(x)  # it reads back as the same float
        assert q == sympy.Rational(repr(float(x)))  # and is the shortest such decimal (Python's repr)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float64("nan"), 1 + 2j, "1e100000000"])
def test_non_finite_and_complex_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        as_number(bad, "sigma_w")


def test_paper_kernel_with_numpy_floats_is_exact_at_one():
    K = hr.kernels.relu_ntk(4, sigma_w=np.sqrt(2), sigma_b=0.1)
    assert not any(isinstance(a, sympy.Float) for a in sympy.preorder_traversal(K))
    value, err = hr.series.evaluate_at(K, 1, 40)
    # with sigma_w = 1.4142135623730951 exactly, K(1) is a rational number: read it off exactly
    sw2, sb2 = sympy.Rational("1.4142135623730951") ** 2, sympy.Rational(1, 100)
    q, theta = 1, 0
    for _ in range(4):  # ReLU: E[relu(u)^2] = q/2, E[step(u)^2] = 1/2, correlation 1 at c = 1
        q = sw2 * q + sb2
        theta = (q + sw2 * theta) / 2
        q = q / 2
    exact = q + theta
    with mpmath.workdps(60):
        assert abs(value - mpmath.mpf(exact.p) / exact.q) <= err + mpmath.mpf(10) ** -39
    a = hr.taylor(K, 10, dps=30)
    b = hr.taylor(
        hr.kernels.relu_ntk(4, sigma_w=sympy.Rational("1.4142135623730951"), sigma_b=sympy.Rational(1, 10)), 10, dps=30
    )
    assert list(a) == list(b)
    fam = hr.reverse(K, kind="ntk", n=20, dps=30)
    assert fam.tail().bound > 0


def test_float_power_and_exact_path():
    a = hr.taylor("2.0**c", 3, dps=30)
    with mpmath.workdps(40):
        for k, ak in enumerate(a):
            truth = mpmath.log(2) ** k / mpmath.factorial(k)
            assert abs(ak - truth) <= a.errors[k]
    assert hr.taylor(sympy.Float(1e-300) * sympy.exp(c), 3, exact=True) == [
        sympy.Rational(1, 10**300),
        sympy.Rational(1, 10**300),
        sympy.Rational(1, 2 * 10**300),
    ]
    assert hr.taylor(sympy.exp(c) * 1.0000000001, 3, exact=True)[2] == sympy.Rational(10000000001, 2 * 10**10)


# --------------------------------------------------------------------------------------------
# 3. every reported bound holds
# --------------------------------------------------------------------------------------------


def test_coefficients_whose_balls_contain_zero_at_low_precision():
    a = hr.taylor("cos(c + 10**60)", 6, dps=30)
    with mpmath.workdps(200):
        x0 = mpmath.mpf(10) ** 60
        truth = [
            mpmath.cos(x0),
            -mpmath.sin(x0),
            -mpmath.cos(x0) / 2,
            mpmath.sin(x0) / 6,
            mpmath.cos(x0) / 24,
            -mpmath.sin(x0) / 120,
        ]
        for k, (v, e, t) in enumerate(zip(a, a.errors, truth)):
            assert abs(v - t) <= e, k
            assert abs(v - t) <= abs(t) * mpmath.mpf(10) ** -29
    assert abs(a[0] + mpmath.mpf("0.557")) < 1e-3


def test_tail_certificate_finds_a_pole_the_grid_missed():
    K = 1 / (sympy.Rational(562501, 10**6) - c) + sympy.exp(50 * c)
    a = hr.taylor(K, 40, dps=20)
    assert all(x > 0 for x in a)
    with pytest.raises(hr.DivergentSeriesError, match="0.5625"):
        a.tail


@pytest.mark.parametrize(
    "K",
    [
        hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10)),
        hr.kernels.erf_ntk(3),
        hr.kernels.arccos(1),
        hr.kernels.arccos(2),
        sympy.exp(c) / (2 - c),
        sympy.asin(c / 2) + sympy.atanh(c / 3),
        1 / sympy.sqrt(4 - c**2),
        (sympy.exp(c) - 1) / c,
        hr.kernels.relu_nngp(3) * sympy.exp(c),
    ],
)
def test_tail_certificate_accepts_kernels_and_the_bound_holds(K):
    n = 30
    a = hr.taylor(K, n, dps=20)
    t = a.tail
    assert t.rigorous and t.bound >= 0
    # an independent estimate of what truncation drops: K(1) - sum_{k<n} a_k with mpmath
    with mpmath.workdps(30):
        more = hr.taylor(K, 400, dps=20, engine="mpmath")
        dropped_visible = mpmath.fsum(more[n:])
    assert dropped_visible <= t.bound * (1 + mpmath.mpf(10) ** -15) + mpmath.mpf(10) ** -18


def test_quadrature_hermite_errors_include_rounding():
    pytest.importorskip("scipy")
    b = hr.hermite_coeffs(sympy.tanh(hr.z), 8, dps=20)
    with mpmath.workdps(60):
        for k, (v, err) in enumerate(zip(b, b.errors)):
            basis = [0] * k + [1]
            truth = mpmath.quad(
                lambda x, basis=basis: mpmath.tanh(x) * hr.hermite.hermite_norm_eval(basis, x) * mpmath.npdf(x),
                [-mpmath.inf, 0, mpmath.inf],
            )
            assert abs(v - truth) <= err + mpmath.mpf(10) ** -40, k


# --------------------------------------------------------------------------------------------
# 4. thread safety
# --------------------------------------------------------------------------------------------


def test_taylor_under_threads_with_different_precisions():
    K = hr.kernels.relu_ntk(3, sympy.sqrt(2), sympy.Rational(1, 10))
    dpss = [15, 40, 80, 150, 25, 60, 110, 150] * 2
    serial = {d: hr.taylor(K, 12, dps=d) for d in set(dpss)}
    before = (mpmath.mp.prec, flint.ctx.prec, flint.ctx.cap)
    barrier = threading.Barrier(8)

    def job(d):
        barrier.wait(timeout=30) if threading.current_thread() is not threading.main_thread() else None
        return d, hr.taylor(K, 12, dps=d)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(job, dpss))
    for d, a in results:
        assert list(a) == list(serial[d])
        with mpmath.workdps(d + 10):
            ref = serial[150]
            for x, e, r in zip(a, a.errors, ref):
                assert abs(x - r) <= e + ref.errors[0] * 0 + mpmath.mpf(10) ** -140
    assert (mpmath.mp.prec, flint.ctx.prec, flint.ctx.cap) == before


# --------------------------------------------------------------------------------------------
# 5. limits: clear errors, not crashes or hangs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call,needle",
    [
        (lambda: hr.taylor("exp(c)", 10**20), "n must be at most"),
        (lambda: hr.taylor("exp(c)", 10**8), "n must be at most"),
        (lambda: hr.taylor("exp(c)", 5, dps=10**10), "dps must be at most"),
        (lambda: hr.taylor("exp(c)", 50_000, dps=5_000), "n \\* dps"),
        (lambda: hr.kernels.relu_ntk(depth=10**6), "depth must be at most"),
        (lambda: hr.kernels.arccos(10**6), "order must be at most"),
        (lambda: hr.taylor(2.5, "x"), "n must be"),
    ],
)
def test_sizes_are_bounded_before_work(call, needle):
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=needle):
        call()
    assert time.perf_counter() - t0 < 2


def test_deep_kernels_are_fine():
    K = hr.kernels.relu_ntk(depth=200)
    a = hr.taylor(K, 5, dps=20)
    assert all(x > 0 for x in a)
    assert a.tail.bound >= 0


# --------------------------------------------------------------------------------------------
# 6. the checks are DAG-aware; the exact path answers or refuses in time
# --------------------------------------------------------------------------------------------


def test_validation_is_linear_in_depth():
    times = {}
    for d in (12, 24, 48):
        K = hr.kernels.relu_ntk(depth=d)
        t0 = time.perf_counter()
        hr.taylor(K, 5, dps=20)
        times[d] = time.perf_counter() - t0
    # 3^depth before (37 s at depth 12); linear now: depth 48 in well under a few seconds
    assert times[48] < 10


def test_exact_answers_or_refuses_within_ten_seconds():
    K = hr.kernels.relu_ntk(4, sympy.sqrt(2), sympy.Rational(1, 10))
    t0 = time.perf_counter()
    try:
        a = hr.taylor(K, 10, exact=True)
    except ValueError as exc:
        elapsed = time.perf_counter() - t0
        assert "dps" in str(exc)
    else:
        elapsed = time.perf_counter() - t0
        balls = hr.taylor(K, 10, dps=30)
        for x, y, e in zip(a, balls, balls.errors):
            assert abs(mpmath.mpf(sympy.N(x, 40)) - y) <= e + mpmath.mpf(10) ** -35
    assert elapsed < 20  # a 10 s budget, on a machine shared with other work


# --------------------------------------------------------------------------------------------
# 7. removable singularities
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,f",
    [
        ("sin(c)/c", lambda x: mpmath.sin(x) / x),
        ("c/erf(c)", lambda x: x / mpmath.erf(x)),
        ("(exp(c) - 1)/c", lambda x: mpmath.expm1(x) / x),
        ("tanh(log(c))", lambda x: mpmath.tanh(mpmath.log(x))),
        ("(1 - cos(c))/c**2", lambda x: (1 - mpmath.cos(x)) / x**2),
        ("(acos(c) - pi/2)/c", lambda x: (mpmath.acos(x) - mpmath.pi / 2) / x),
    ],
)
def test_removable_singularities(text, f):
    a = hr.taylor(text, 8, dps=25)
    exact = hr.taylor(text, 8, exact=True)
    with mpmath.workdps(60):
        truth = mpmath.taylor(f, 0, 7, method="quad", radius=mpmath.mpf(1) / 2)  # Cauchy: never evaluates at 0
        truth = [mpmath.re(t) for t in truth]
        for k in range(8):
            assert abs(a[k] - truth[k]) <= a.errors[k] + mpmath.mpf(10) ** -20
            assert abs(mpmath.mpf(sympy.N(exact[k], 40)) - truth[k]) < mpmath.mpf(10) ** -20


def test_removable_singularity_tail():
    t = hr.taylor("(exp(c) - 1)/c", 10, dps=20).tail
    assert t.rigorous
    with mpmath.workdps(30):
        assert abs(t.k1 - (mpmath.e - 1)) < 1e-25


def test_erfc_is_not_one_minus_erf():
    # erfc(6) = 2.15e-17: 1 - erf(6) at 20 digits keeps about 3 of them
    with mpmath.workdps(60):
        truth = [mpmath.erfc(6), -2 * mpmath.exp(-36) / mpmath.sqrt(mpmath.pi)]
    for engine in ("arb", "mpmath"):
        a = hr.taylor("erfc(c + 6)", 2, dps=20, engine=engine)
        for x, t in zip(a, truth):
            assert abs(x - t) <= abs(t) * mpmath.mpf(10) ** -19
    assert hr.taylor("erfc(c + 6)", 1, exact=True)[0] == sympy.erfc(6)


# --- a flat sum is not deep (issue 22) ---------------------------------------------------------------


@pytest.mark.parametrize("op, n", [("+", 101), ("+", 500), ("-", 500), ("*", 500), ("+", 2500)])
def test_a_long_flat_sum_or_product_parses(op, n):
    # before: "+".join(["c"] * 500) was refused as "nested deeper than 100 levels"
    text = op.join(["c"] * n)
    expected = {"+": n * c, "-": (2 - n) * c, "*": c**n}[op]
    assert parse(text, c) == expected
    terms = "+".join(f"{k}*c**{k}" for k in range(300))
    assert parse(terms, c) == sum(k * c**k for k in range(300))
    want = 1 - c / 2 + c**2 / 3 - sympy.Rational(1, 6) + sympy.exp(c)
    assert parse("1 - c/2 + c*c/3 - 2/3/4 + exp(c)*c/c", c) == want


@pytest.mark.parametrize(
    "text",
    [
        "c+(" * 101 + "c" + ")" * 101,  # right-nested: real nesting
        "-" * 102 + "c",
        "exp(" * 101 + "c" + ")" * 101,
        "(c+c)*(" * 101 + "c" + ")" * 101,
    ],
)
def test_real_nesting_stays_bounded(text):
    with pytest.raises(HermiteRevError, match="nested deeper than 100 levels") as err:
        parse(text, c)
    assert "\n" not in str(err.value)


def test_sums_too_long_for_pythons_parser_say_what_to_do():
    with pytest.raises(HermiteRevError, match=r"too long a chain of operators.*polynomial\(\[a_0, a_1, \.\.\.\]\)"):
        parse("+".join(["c"] * 9000), c)


def test_chains_still_bound_their_numbers():
    with pytest.raises(HermiteRevError, match="more than 10000 digits"):
        parse("+".join(f"1/{p}**999" for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47)), c)
    with pytest.raises(HermiteRevError, match="more than 10000 digits"):
        parse("*".join(["9**5000"] * 3) + "*c", c)
    with pytest.raises(HermiteRevError, match="division by zero"):
        parse("c/2/(c-c)", c)
