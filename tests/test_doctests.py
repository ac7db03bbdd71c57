"""Every docstring example of the package is a doctest: each module's examples run here."""

import doctest
import importlib
import pkgutil

import pytest

import hermite_rev

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(hermite_rev.__path__, "hermite_rev.")
    if not m.name.startswith("hermite_rev._numba") and m.name != "hermite_rev.__main__"
)

#: modules whose docstrings must carry examples (the pipeline's public stages)
WITH_EXAMPLES = {"hermite_rev.kernels", "hermite_rev.series", "hermite_rev.hermite", "hermite_rev.family"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if name in WITH_EXAMPLES:
        assert result.attempted > 0
