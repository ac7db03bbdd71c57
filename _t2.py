import mpmath, sympy, hermite_rev as hr
from hermite_rev.series import _MpProgram
for depth in (1,2,3,4):
  K = hr.kernels.relu_ntk(depth, sympy.sqrt(2), sympy.Rational(1,10))
  for dps in (30, 60):
    with mpmath.workdps(dps):
      prog = _MpProgram(K, dps)
      print(depth, dps, prog(mpmath.mpf(0.99999999999999989)), prog(mpmath.mpf(0.5)))
