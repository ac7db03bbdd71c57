"""The docstring examples of the core modules are doctests."""

import doctest

import pytest

from hermite_rev import deep, family, hermite, kernels, series


@pytest.mark.parametrize("module", [series, kernels, hermite, family, deep], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
