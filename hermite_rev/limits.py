"""The sizes a user controls, and their limits: the public face of the one table.

``LIMITS`` maps each size (widths, epochs, numbers of coefficients, cosines, quadrature nodes,
spectrum degrees, trials, expression sizes ...) to its largest allowed value, documented in
``docs/guide/limits.md``; :func:`check_size` checks a value against it.  Both live in
:mod:`hermite_rev._core.limits`, where every stage reads them.
"""

from ._core.limits import LIMITS, check_size

__all__ = ["LIMITS", "check_size"]
