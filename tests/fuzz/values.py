"""Values for the API fuzzer: valid building blocks (kernels, activations, rows) and hostile ones.

Hostile values: NaN, inf, huge and tiny floats, numpy scalars and arrays of every dtype, wrong
shapes, strings and injection attempts, None, negative and enormous sizes, non-kernels,
non-analytic expressions, objects of no accepted type.
"""

from __future__ import annotations

import decimal
import fractions
import functools
import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import hermite_rev as hr

# --------------------------------------------------------------------------------------------
# valid building blocks (objects built once, lazily)
# --------------------------------------------------------------------------------------------


@functools.cache
def family() -> hr.ActivationFamily:
    return hr.reverse("relu_ntk(2)", n=8, dps=15)


@functools.cache
def activation() -> hr.Activation:
    return family().activation()


@functools.cache
def compiled() -> Any:
    return activation().compile()


@functools.cache
def net_kernel() -> Any:
    return hr.network_kernel("relu", depth=2)


def lazy(build: Callable[[], Any]) -> st.SearchStrategy[Any]:
    return st.just(None).map(lambda _: build())


KERNELS = st.one_of(
    st.sampled_from(
        [
            "relu_ntk(2)",
            "relu_nngp(1)",
            "exp(c)",
            "1 + c + c**2/2",
            "erf_nngp(1)",
            "exponential(2)",
            [1, 0.5, 0.25],
            (0.5, 0.5),
        ]
    ),
    st.sampled_from(["relu_ntk", "exponential", "arccos"]).map(lambda name: getattr(hr.kernels, name)()),
    st.just(sympy.exp(hr.c) / 3 + hr.c**2),
)
GRAM_KERNELS = st.one_of(KERNELS, lazy(net_kernel))
PHIS = st.sampled_from(["relu", "tanh", "tanh(z)", "sin(z)", "z**2", "erf(z)", "gelu(z)", "exp(z)", "relu(z)", "z"])
PHIS = st.one_of(PHIS, st.just(sympy.cos(hr.z) + hr.z**3 / 5))
#: activations by name, sympy expression in z, or an Activation (not expression strings)
ACTS = st.one_of(
    st.sampled_from(["relu", "tanh", "erf", "sin", "gelu"]),
    st.sampled_from([sympy.sin(hr.z), hr.z**2, sympy.tanh(hr.z) + hr.z / 3]),
    lazy(activation),
)
NK_ACTS = st.sampled_from(["relu", "erf", "relu(z)", "erf(z)", sympy.erf(hr.z), "ReLU"])
SMALL_N = st.integers(1, 10)
DPS = st.integers(5, 40)
KINDS = st.sampled_from(["ntk", "nngp", "NTK"])
DEPTH = st.integers(1, 3)
SIGMA_W = st.sampled_from([1, 2, 0.5, "sqrt(2)", np.float64(1.5), sympy.sqrt(2), fractions.Fraction(3, 2)])
SIGMA_B = st.sampled_from([0, 0.1, 1, "0.1", np.float32(0.25)])
UNIT_FLOATS = st.floats(-1, 1, allow_nan=False)
COSINES = st.one_of(st.lists(UNIT_FLOATS, min_size=1, max_size=4), UNIT_FLOATS, st.just(np.linspace(-1, 1, 5)))
FINITE = st.floats(-10, 10, allow_nan=False, allow_infinity=False, allow_subnormal=False)
NONZERO = st.one_of(st.floats(0.25, 10), st.floats(-10, -0.25))


def rows(m: int | tuple[int, int] = (1, 5), d: int | tuple[int, int] = (2, 4)) -> st.SearchStrategy[np.ndarray]:
    ms = st.just(m) if isinstance(m, int) else st.integers(*m)
    ds = st.just(d) if isinstance(d, int) else st.integers(*d)
    return st.tuples(ms, ds).flatmap(lambda s: hnp.arrays(np.float64, s, elements=NONZERO))


def train_data(d: int = 3, m: int = 4) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, (m, d), elements=st.floats(0.5, 3)).map(
        lambda a: a * np.sqrt(d) / np.linalg.norm(a, axis=1, keepdims=True)
    )


# --------------------------------------------------------------------------------------------
# hostile values
# --------------------------------------------------------------------------------------------

INJECTIONS = [
    "__import__('os').system('true')",
    "().__class__.__bases__[0].__subclasses__()",
    "c; import os",
    "lambda: 0",
    "eval('1')",
    "open('/etc/passwd')",
    "{0.__globals__}",
    "c.__class__",
    "(c:=1)",
    "[c for c in ()]",
    "9**9**9",
    "10**10**8*c",
    "c**(10**9)",
    "1e100000000",
    "relu_ntk(depth=10**9)",
    "(" * 200 + "c" + ")" * 200,
    "+".join(["c"] * 150),
    "c" * 30_000,
    "\x00",
    "é",
    "",
    " ",
    "nan",
    "inf",
    "-inf",
    "x",
    "z",
    "c",
    "None",
    "True",
]
NON_KERNELS = [
    "-exp(c)",
    "abs(c)",
    "sign(c)",
    "1/c",
    "log(c)",
    "Heaviside(c)",
    "Max(c, 0)",
    "1/(1/2 - c)",
    "sqrt(c)",
    "c - c**2",
    "x + c",
    "z**2",
    "exp(exp(10*c))",
    "sin(c)",
]
SCALARS = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    1e-308,
    5e-324,
    -0.0,
    0,
    -1,
    2**63,
    10**100,
    -(10**30),
    True,
    False,
    None,
    1 + 2j,
    np.float16(0.5),
    np.float16(np.inf),
    np.float32(np.nan),
    np.int8(-3),
    np.uint64(2**64 - 1),
    np.int64(2**62),
    np.bool_(True),
    np.complex64(1j),
    np.longdouble("0.1"),
    np.datetime64("2020-01-01"),
    np.timedelta64(3, "s"),
    np.str_("1"),
    mpmath.mpf("nan"),
    mpmath.mpf("1e100000"),
    mpmath.mpc(1, 1),
    sympy.nan,
    sympy.zoo,
    sympy.oo,
    sympy.I,
    sympy.Symbol("x"),
    sympy.Float("1e-5000"),
    fractions.Fraction(1, 3),
    decimal.Decimal("NaN"),
    decimal.Decimal("1e999999"),
    b"bytes",
    print,
    Ellipsis,
    object(),
]
CONTAINERS = [
    [],
    [math.nan],
    [1, "a"],
    [[1, 2], [3]],
    {},
    {"a": 1},
    (1, 2, 3),
    set(),
    range(10**12),
    iter([1, 2]),
    np.array([]),
    np.array([np.nan, 1.0]),
    np.zeros((2, 3, 4)),
    np.array([1, 2], dtype=object),
    np.array(["a"]),
    np.array([True, False]),
    np.array([1 + 1j]),
    np.ones(3, dtype=np.int8),
    np.ones(3, dtype=np.float16),
    np.ones((0, 3)),
    np.full((2, 2), np.inf),
    np.array(5.0),
    np.ones((3, 3))[:, ::2],
]

NUMPY_SCALARS = st.one_of(hnp.scalar_dtypes(), st.just(np.dtype(object))).flatmap(
    lambda dt: hnp.arrays(dt, (), elements=st.just(None) if dt.kind == "O" else None).map(lambda a: a[()])
)
NUMPY_ARRAYS = hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
HOSTILE = st.one_of(
    st.sampled_from(SCALARS),
    st.sampled_from(CONTAINERS),
    st.sampled_from(INJECTIONS),
    st.sampled_from(NON_KERNELS),
    st.floats(),
    st.one_of(st.integers(max_value=0), st.integers(min_value=10**9)),
    st.text(max_size=12),
    NUMPY_SCALARS,
    NUMPY_ARRAYS,
)
#: sizes inside the limits but possibly slow (only the long run draws them)
MID_SIZES = st.integers(4, 3000)


def hostile(long: bool = False) -> st.SearchStrategy[Any]:
    # one draw in five a mid size: each slow one costs the whole time budget
    return st.one_of(HOSTILE, HOSTILE, HOSTILE, HOSTILE, MID_SIZES) if long else HOSTILE
