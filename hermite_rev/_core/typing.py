"""Type aliases used in the annotations of the public API.

Imported only under ``if TYPE_CHECKING:`` (the modules use ``from __future__ import annotations``),
so it costs nothing at run time.  The aliases name what the public boundary accepts:

- ``RealLike``: a real number in any form :func:`hermite_rev._core.validate.as_number` accepts (Python
  and numpy numbers become exact rationals, strings are parsed, sympy constants stay exact);
- ``KernelLike`` / ``ActivationLike``: a sympy expression in ``c`` / ``z``, its text, or a number;
- ``Kind``: ``"nngp"`` or ``"ntk"``;
- ``Signs``: a sign per nonzero term, as a sequence of +1/-1 or a mapping ``{k: +1 or -1}``;
- ``FloatArray``: a float64 numpy array.
"""

from __future__ import annotations

import decimal
import fractions
from collections.abc import Mapping, Sequence
from typing import Literal, TypeAlias

import mpmath
import numpy as np
import sympy
from numpy.typing import ArrayLike, NDArray

__all__ = ["ActivationLike", "ArrayLike", "FloatArray", "KernelLike", "Kind", "RealLike", "Signs"]

Kind: TypeAlias = Literal["nngp", "ntk"]
RealLike: TypeAlias = (
    int | float | str | fractions.Fraction | decimal.Decimal | np.integer | np.floating | mpmath.mpf | sympy.Expr
)
KernelLike: TypeAlias = sympy.Expr | str | int | float | fractions.Fraction
ActivationLike: TypeAlias = sympy.Expr | str | int | float | fractions.Fraction
Signs: TypeAlias = Sequence[int] | Mapping[int, int]
FloatArray: TypeAlias = NDArray[np.float64]
