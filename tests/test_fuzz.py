"""Fuzz the Taylor engine against an independent mpmath oracle.

Random expression trees of the supported functions, constants, Floats and Rationals go through
``hr.taylor`` (balls, exact) and the tail bound.  The oracle differentiates the expression with
mpmath alone (its own evaluator of the tree, two independent methods that must agree: finite
differences at high precision and the Cauchy integral on a small circle).  Every returned
coefficient must lie within its claimed error of the oracle; a refusal must be a one-line
``ValueError``; anything else (another exception, a wrong value, a hang) fails.  ``FUZZ_FAST``
examples run in CI; the slow variant runs thousands and prints the counts.
"""

import collections
import signal

import mpmath
import pytest
import sympy
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import hermite_rev as hr

c = hr.c

_UNARY = [
    sympy.exp,
    sympy.sin,
    sympy.cos,
    sympy.atan,
    sympy.erf,
    sympy.sinh,
    sympy.cosh,
    sympy.tanh,
    sympy.asinh,
    sympy.log,
    sympy.sqrt,
    sympy.asin,
    sympy.acos,
    sympy.atanh,
    sympy.tan,
    sympy.erfc,
    lambda x: 1 / x,
]


def _leaf():
    return st.one_of(
        st.just(c),
        st.integers(-5, 5).map(sympy.Integer),
        st.fractions(min_value=-4, max_value=4, max_denominator=12).map(
            lambda f: sympy.Rational(f.numerator, f.denominator)
        ),
        st.floats(-4, 4, allow_nan=False, allow_infinity=False).map(sympy.Float),
        st.sampled_from([sympy.pi, sympy.E]),
    )


def _safe(build):
    def apply(t):
        try:
            return build(t)
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return t[-1]

    return apply


def _tree(children):
    return st.one_of(
        st.tuples(st.sampled_from(_UNARY), children).map(_safe(lambda t: t[0](t[1]))),
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children).map(_safe(_binop)),
        st.tuples(children, st.integers(-3, 4)).map(_safe(lambda t: t[0] ** t[1])),
    )


def _binop(t):
    op, a, b = t
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b != 0 else a}[op]


EXPRESSIONS = st.recursive(_leaf(), _tree, max_leaves=6).filter(
    lambda e: isinstance(e, sympy.Expr) and not e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I)
)

_MP = {
    sympy.exp: mpmath.exp,
    sympy.sin: mpmath.sin,
    sympy.cos: mpmath.cos,
    sympy.atan: mpmath.atan,
    sympy.erf: mpmath.erf,
    sympy.sinh: mpmath.sinh,
    sympy.cosh: mpmath.cosh,
    sympy.tanh: mpmath.tanh,
    sympy.asinh: mpmath.asinh,
    sympy.log: mpmath.log,
    sympy.asin: mpmath.asin,
    sympy.acos: mpmath.acos,
    sympy.atanh: mpmath.atanh,
    sympy.tan: mpmath.tan,
    sympy.erfc: mpmath.erfc,
}


def mp_eval(e, x):
    """The oracle's own evaluator of a sympy tree at an mpmath (complex) point."""
    if e == c:
        return x
    if e.is_Rational:
        return mpmath.mpf(e.p) / e.q
    if e.is_Float:  # the float policy: the shortest decimal that reads back as the same double
        q = sympy.Rational(repr(float(e)))
        return mpmath.mpf(q.p) / q.q
    if e is sympy.pi:
        return +mpmath.pi
    if e is sympy.E:
        return +mpmath.e
    if e.is_Add:
        return mpmath.fsum(mp_eval(a, x) for a in e.args)
    if e.is_Mul:
        return mpmath.fprod(mp_eval(a, x) for a in e.args)
    if e.is_Pow:
        return mpmath.power(mp_eval(e.args[0], x), mp_eval(e.args[1], x))
    fn = _MP.get(type(e))
    if fn is None:
        raise ValueError(f"oracle: unsupported {type(e).__name__}")
    return fn(mp_eval(e.args[0], x))


def oracle(expr, n, dps):
    """First n Taylor coefficients at 0 by two independent mpmath methods, or None if undefined."""
    with mpmath.workdps(dps + 40):
        f = lambda x: mp_eval(expr, x)
        try:
            quad = mpmath.taylor(f, 0, n - 1, method="quad", radius=mpmath.mpf(1) / 16)
            step = mpmath.taylor(f, 0, n - 1)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            return None
        out = []
        for q, s in zip(quad, step):
            if isinstance(s, mpmath.mpc) or not mpmath.isfinite(s):
                return None
            scale = max(abs(s), mpmath.mpf(10) ** -(dps // 2))
            if abs(q - s) > scale * mpmath.mpf(10) ** -(dps + 5):
                return None  # the methods disagree: a singularity near 0, the oracle is undefined
            out.append(s)
        return out


class _Hang(Exception):
    pass


def _alarm(seconds):
    def handler(signum, frame):
        raise _Hang

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def check_one(expr, counts, n=5, dps=20, seconds=60):
    counts["tried"] += 1
    _alarm(seconds)
    try:
        try:
            a = hr.taylor(expr, n, dps=dps)
        except ValueError as exc:
            assert "\n" not in str(exc)
            counts["clear error"] += 1
            return
        except _Hang:
            counts["hang"] += 1
            raise AssertionError(f"hang on {expr}") from None
        except Exception as exc:
            counts["crash"] += 1
            raise AssertionError(f"crash on {expr}: {type(exc).__name__}: {exc}") from None
        truth = oracle(expr, n, dps)
        if truth is None:
            counts["oracle undefined"] += 1
            return
        with mpmath.workdps(dps + 20):
            for k, (v, err, t) in enumerate(zip(a, a.errors, truth)):
                if abs(v - t) > err + abs(t) * mpmath.mpf(10) ** -(dps + 10) + mpmath.mpf(10) ** -(dps + 30):
                    counts["wrong"] += 1
                    raise AssertionError(f"wrong a_{k} of {expr}: {v} +- {err}, oracle {t}")
        counts["correct"] += 1
        try:
            exact = hr.taylor(expr, n, exact=True)
        except ValueError:
            counts["exact refused"] += 1
        else:
            with mpmath.workdps(dps + 20):
                for k, (v, t) in enumerate(zip(exact, truth)):
                    ev = mpmath.mpf(sympy.N(v, dps + 20))
                    if abs(ev - t) > abs(t) * mpmath.mpf(10) ** -(dps) + mpmath.mpf(10) ** -(dps + 20):
                        counts["wrong"] += 1
                        raise AssertionError(f"wrong exact a_{k} of {expr}: {v}, oracle {t}")
            counts["exact correct"] += 1
        if all(x >= -e for x, e in zip(a, a.errors)):
            try:
                tail = a.tail
            except ValueError:
                counts["tail refused"] += 1
            else:
                with mpmath.workdps(dps + 20):
                    try:
                        k1 = mp_eval(expr, mpmath.mpf(1))
                    except (ZeroDivisionError, ValueError):
                        k1 = None
                    if k1 is not None and not isinstance(k1, mpmath.mpc):
                        assert abs(tail.k1 - k1) <= abs(k1) * mpmath.mpf(10) ** -dps + mpmath.mpf(10) ** -dps
                if tail.rigorous:
                    worst = sup_error(expr, a, dps + 20)
                    assert worst is None or worst <= tail.bound, f"tail of {expr}: {tail} < {worst}"
                    counts["rigorous tail holds"] += 1
                counts["tail given"] += 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def sup_error(expr, a, dps, points=101):
    """max of |K(c) - sum_{k<n} a_k c^k| over a grid of [-1, 1] (the oracle's evaluator), or None
    where K is not real there."""
    with mpmath.workdps(dps):
        coeffs = [mpmath.mpf(x) for x in a][::-1]
        worst = mpmath.mpf(0)
        for i in range(points):
            x = -1 + mpmath.mpf(2 * i) / (points - 1)
            try:
                v = mp_eval(expr, x)
            except (ZeroDivisionError, ValueError):
                return None
            if isinstance(v, mpmath.mpc) or not mpmath.isfinite(v):
                return None
            worst = max(worst, abs(v - mpmath.polyval(coeffs, x)))
    return worst


FUZZ_FAST = 25
COUNTS = collections.Counter()


@settings(
    max_examples=FUZZ_FAST,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(EXPRESSIONS)
def test_fuzz_fast(expr):
    check_one(expr, COUNTS)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(EXPRESSIONS)
def test_fuzz_long(expr):
    check_one(expr, COUNTS)


def teardown_module(module):
    if COUNTS:
        print("\nfuzz counts:", dict(COUNTS))
    if TAIL_COUNTS:
        print("\ntail fuzz counts:", dict(TAIL_COUNTS))


# --- tails of random non-kernels: a tail labelled rigorous holds whatever the signs ---------------

_BASES = [
    lambda b: sympy.exp(b * c),
    lambda b: sympy.cos(b * c),
    lambda b: 1 / (1 + sympy.Rational(b, 3) - c),
    lambda b: sympy.sin(b * c) + 2,
    lambda b: sympy.atan(c / b) + sympy.exp(c),
    lambda b: sympy.log(1 + sympy.Rational(b, 2) + c) + 2,
    lambda b: (1 + c / (b + 1)) ** sympy.Rational(1, 2) * sympy.cosh(c),
]

NON_KERNELS = st.builds(
    lambda base, b, terms: base(b) + sum(sympy.Rational(t, 10**p) * c**m for t, p, m in terms),
    st.sampled_from(_BASES),
    st.integers(1, 4),
    st.lists(st.tuples(st.integers(-30, 30), st.integers(1, 4), st.integers(1, 60)), max_size=3),
)


def check_tail(expr, n, counts, dps=20):
    """The tail of a random (non-)kernel: rigorous => it bounds the sup error on [-1, 1]; a named
    negative coefficient => reverse refuses the target."""
    counts["tried"] += 1
    a = hr.taylor(expr, n, dps=dps)
    try:
        t = a.tail
    except ValueError as exc:
        assert "\n" not in str(exc)
        counts["refused"] += 1
        return
    if t.rigorous:
        worst = sup_error(expr, a, dps + 20)
        assert worst is not None and worst <= t.bound, f"tail of {expr} at n = {n}: {t}, true sup error {worst}"
        counts[t.method.split(" ")[0] + " holds"] += 1
    else:
        counts["labelled not rigorous"] += 1
    if t.negative is not None:
        with pytest.raises(hr.NotAKernelError):
            hr.reverse(expr, "nngp", n=n, dps=dps)
        counts["negative named, reverse refuses"] += 1


TAIL_COUNTS = collections.Counter()


@settings(
    max_examples=FUZZ_FAST,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(NON_KERNELS, st.integers(1, 12))
def test_fuzz_tails_of_non_kernels(expr, n):
    check_tail(expr, n, TAIL_COUNTS)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NON_KERNELS, st.integers(1, 40))
def test_fuzz_tails_of_non_kernels_long(expr, n):
    check_tail(expr, n, TAIL_COUNTS)
