"""The only importers of numba: plain typed loops behind the Python layer.

Index
-----
hermite    normalized Hermite series phi(x), phi'(x) and the sign-member search (``lower``)
gram       Gram matrices of dot-product kernels from their cosines (``predict``)
train      the fused forward/backward passes of one-hidden-layer training (``nets``)

Layer rule: these modules import numpy, numba and llvmlite only; they validate nothing (the
callers check shapes, dtypes and sizes first) and return plain arrays.  Each compiles on first
use; the stages import them inside the functions that need them (numba is heavy to import).
"""
