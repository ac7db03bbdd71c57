"""The leaves of hermite_rev: what every stage may import, and what imports no stage.

Index
-----
errors      the exception and warning classes
limits      the one table of user-controlled sizes (``LIMITS``) and ``check_size``
exprs       the symbols ``c`` and ``z``; sympy DAG helpers (distinct-node walks, uncached nodes,
            linear-time equality, pickling as built)
values      result types as values: the ``Value`` mixin of frozen results, ``FrozenDict``
text        text for people: ``short``, ``format_value``, ``format_bound``, JSON-ready values
registry    labels of kernels, kernels known by construction, the parser's constructor table
validate    the trust boundary: the allow-list parser, exact numbers, ``public``, ``check_*``
precision   python-flint / mpmath contexts and ball radii
powerseries power-series arithmetic over a field (the exact and the mpmath paths)
typing      type aliases of the public signatures

Layer rule: modules here import the standard library, sympy, mpmath, numpy and python-flint, and
each other in the order above; never a stage of the pipeline.
"""
