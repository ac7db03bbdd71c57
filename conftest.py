"""Shared test setup: every test starts from mpmath's default precision and a headless matplotlib."""

import os

import mpmath
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _reset_mpmath_precision():
    mpmath.mp.dps = 15
    yield
    mpmath.mp.dps = 15
