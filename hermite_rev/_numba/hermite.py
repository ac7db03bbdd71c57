r"""numba kernels: the only module of hermite_rev that imports numba.

Index
-----
recurrence_tables          r_k = 1/sqrt(k+1), s_k = sqrt(k/(k+1)) of the normalized recurrence
hermite_series_value       sum_k c_k h_k(x) for a flat array x (serial, numba-callable)
hermite_series_value_grad  phi and phi' for a flat array x (serial, numba-callable)
hermite_series_scalar      (phi(x), phi'(x)) for one float (numba-callable)
series1_par, series2_par, series3_par
                           1, 2 or 3 Hermite series sharing the same h_k(x), parallel over x
gray_search                exhaustive Gray-code search of a sign family (parallel over chunks)
gray_search_range          a contiguous range of gray_search's tasks, serially (for sweeps)
local_search               steepest single-flip descent from many starts (parallel over starts)

Every kernel is a plain typed loop over float64 arrays.  Coefficients are *arguments*, so
one compiled specialization serves every activation: compiling happens once per signature
(lazily, on first call), never per activation.

Convention: ``h_k = He_k / sqrt(k!)`` (normalized probabilists' Hermite), evaluated by the
forward three-term recurrence

.. math:: h_0 = 1,\quad h_1 = x,\quad h_{k+1} = \frac{x h_k - \sqrt{k}\, h_{k-1}}{\sqrt{k+1}}
          = r_k\, x\, h_k - s_k\, h_{k-1},

which is stable for orthogonal polynomials (the h_k are the dominant solution).  Several
series that share the h_k (phi, phi' = sum_k sqrt(k+1) b_{k+1} h_k, phi'') are accumulated in
the same pass.  Points are processed in blocks of ``BLOCK``: the loop over degrees is outside, the loop over
the points of a block inside, so LLVM vectorizes it (SIMD across points).

``fastmath`` is limited to ``contract`` (fused multiply-add): no reassociation, and infinities
and NaNs keep their IEEE meaning so overflow can be detected by the caller.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "BLOCK",
    "recurrence_tables",
    "hermite_series_value",
    "hermite_series_value_grad",
    "hermite_series_scalar",
    "series1_par",
    "series2_par",
    "series3_par",
    "series1_ser",
    "series2_ser",
    "series3_ser",
    "gray_search",
    "gray_search_range",
    "local_search",
    "CRIT_SUP",
    "CRIT_LIPSCHITZ",
    "CRIT_NONMONOTONE",
]

#: points per SIMD block
BLOCK = 128
#: points per parallel task (a multiple of BLOCK)
CHUNK = 2048

_FM = {"contract"}

CRIT_SUP = 0
CRIT_LIPSCHITZ = 1
CRIT_NONMONOTONE = 2


@njit(cache=True, fastmath=_FM)
def recurrence_tables(n):
    """``r[k] = 1/sqrt(k+1)`` and ``s[k] = sqrt(k/(k+1))`` for k < n (h_{k+1} = r_k x h_k - s_k h_{k-1})."""
    r = np.empty(max(n, 1))
    s = np.empty(max(n, 1))
    for k in range(max(n, 1)):
        r[k] = 1.0 / np.sqrt(k + 1.0)
        s[k] = np.sqrt(k / (k + 1.0))
    return r, s


# ---------------------------------------------------------------------------------------------
# one block of points: shared recurrence, 1-3 accumulated series
# ---------------------------------------------------------------------------------------------


def _make_block(nout):
    """Block kernel for ``nout`` series sharing one recurrence.

    The state of the block lives in one scratch array W (rows: x, h_{k-1}, h_k, then one
    accumulator per series, each BLOCK long) so LLVM sees constant dependence distances and
    vectorizes the loop over the points of the block (SIMD across points).
    """
    B = BLOCK

    if nout == 1:

        @njit(inline="always", fastmath=_FM)
        def block(x, i0, m, c0, r, s, out0, W):
            n = c0.size
            for j in range(B):
                W[j] = x[i0 + j] if j < m else 0.0
                W[B + j] = 0.0
                W[2 * B + j] = 1.0
                W[3 * B + j] = c0[0]
            for k in range(1, n):
                rk = r[k - 1]
                sk = s[k - 1]
                ck = c0[k]
                for j in range(B):
                    hn = W[j] * rk * W[2 * B + j] - sk * W[B + j]
                    W[B + j] = W[2 * B + j]
                    W[2 * B + j] = hn
                    W[3 * B + j] += ck * hn
            for j in range(m):
                out0[i0 + j] = W[3 * B + j]
    elif nout == 2:

        @njit(inline="always", fastmath=_FM)
        def block(x, i0, m, c0, c1, r, s, out0, out1, W):
            n = c0.size
            for j in range(B):
                W[j] = x[i0 + j] if j < m else 0.0
                W[B + j] = 0.0
                W[2 * B + j] = 1.0
                W[3 * B + j] = c0[0]
                W[4 * B + j] = c1[0]
            for k in range(1, n):
                rk = r[k - 1]
                sk = s[k - 1]
                ck = c0[k]
                dk = c1[k]
                for j in range(B):
                    hn = W[j] * rk * W[2 * B + j] - sk * W[B + j]
                    W[B + j] = W[2 * B + j]
                    W[2 * B + j] = hn
                    W[3 * B + j] += ck * hn
                    W[4 * B + j] += dk * hn
            for j in range(m):
                out0[i0 + j] = W[3 * B + j]
                out1[i0 + j] = W[4 * B + j]
    else:

        @njit(inline="always", fastmath=_FM)
        def block(x, i0, m, c0, c1, c2, r, s, out0, out1, out2, W):
            n = c0.size
            for j in range(B):
                W[j] = x[i0 + j] if j < m else 0.0
                W[B + j] = 0.0
                W[2 * B + j] = 1.0
                W[3 * B + j] = c0[0]
                W[4 * B + j] = c1[0]
                W[5 * B + j] = c2[0]
            for k in range(1, n):
                rk = r[k - 1]
                sk = s[k - 1]
                ck = c0[k]
                dk = c1[k]
                ek = c2[k]
                for j in range(B):
                    hn = W[j] * rk * W[2 * B + j] - sk * W[B + j]
                    W[B + j] = W[2 * B + j]
                    W[2 * B + j] = hn
                    W[3 * B + j] += ck * hn
                    W[4 * B + j] += dk * hn
                    W[5 * B + j] += ek * hn
            for j in range(m):
                out0[i0 + j] = W[3 * B + j]
                out1[i0 + j] = W[4 * B + j]
                out2[i0 + j] = W[5 * B + j]

    return block


_block1 = _make_block(1)
_block2 = _make_block(2)
_block3 = _make_block(3)


# ---------------------------------------------------------------------------------------------
# parallel drivers (the Python layer passes flat contiguous float64 arrays)
# ---------------------------------------------------------------------------------------------


@njit(parallel=True, cache=True, fastmath=_FM)
def series1_par(x, c0, r, s, out0):
    """out0[i] = sum_k c0[k] h_k(x[i]), parallel over chunks of x."""
    N = x.size
    nchunks = (N + CHUNK - 1) // CHUNK
    for ic in prange(nchunks):
        W = np.empty(6 * BLOCK)
        stop = min(N, (ic + 1) * CHUNK)
        for i0 in range(ic * CHUNK, stop, BLOCK):
            _block1(x, i0, min(BLOCK, stop - i0), c0, r, s, out0, W)


@njit(parallel=True, cache=True, fastmath=_FM)
def series2_par(x, c0, c1, r, s, out0, out1):
    """Two series over the same h_k(x[i]) (phi and phi'), parallel over chunks of x."""
    N = x.size
    nchunks = (N + CHUNK - 1) // CHUNK
    for ic in prange(nchunks):
        W = np.empty(6 * BLOCK)
        stop = min(N, (ic + 1) * CHUNK)
        for i0 in range(ic * CHUNK, stop, BLOCK):
            _block2(x, i0, min(BLOCK, stop - i0), c0, c1, r, s, out0, out1, W)


@njit(parallel=True, cache=True, fastmath=_FM)
def series3_par(x, c0, c1, c2, r, s, out0, out1, out2):
    """Three series over the same h_k(x[i]) (phi, phi', phi''), parallel over chunks of x."""
    N = x.size
    nchunks = (N + CHUNK - 1) // CHUNK
    for ic in prange(nchunks):
        W = np.empty(6 * BLOCK)
        stop = min(N, (ic + 1) * CHUNK)
        for i0 in range(ic * CHUNK, stop, BLOCK):
            _block3(x, i0, min(BLOCK, stop - i0), c0, c1, c2, r, s, out0, out1, out2, W)


@njit(cache=True, fastmath=_FM)
def series1_ser(x, c0, r, s, out0):
    """Serial :func:`series1_par` (small arrays: no thread launch)."""
    N = x.size
    W = np.empty(6 * BLOCK)
    for i0 in range(0, N, BLOCK):
        _block1(x, i0, min(BLOCK, N - i0), c0, r, s, out0, W)


@njit(cache=True, fastmath=_FM)
def series2_ser(x, c0, c1, r, s, out0, out1):
    """Serial :func:`series2_par`."""
    N = x.size
    W = np.empty(6 * BLOCK)
    for i0 in range(0, N, BLOCK):
        _block2(x, i0, min(BLOCK, N - i0), c0, c1, r, s, out0, out1, W)


@njit(cache=True, fastmath=_FM)
def series3_ser(x, c0, c1, c2, r, s, out0, out1, out2):
    """Serial :func:`series3_par`."""
    N = x.size
    W = np.empty(6 * BLOCK)
    for i0 in range(0, N, BLOCK):
        _block3(x, i0, min(BLOCK, N - i0), c0, c1, c2, r, s, out0, out1, out2, W)


# ---------------------------------------------------------------------------------------------
# serial kernels for use inside other numba code (training loops)
# ---------------------------------------------------------------------------------------------


@njit(cache=True, fastmath=_FM)
def _derivative_coeffs(coeffs):
    """d_k = sqrt(k+1) b_{k+1} (phi' = sum_k d_k h_k), same length as coeffs (last entry 0)."""
    n = coeffs.size
    d = np.zeros(n)
    for k in range(n - 1):
        d[k] = np.sqrt(k + 1.0) * coeffs[k + 1]
    return d


@njit(cache=True, fastmath=_FM)
def hermite_series_value(x_flat, coeffs, out_v):
    """``out_v[i] = sum_k coeffs[k] h_k(x_flat[i])`` (serial; call from numba code)."""
    r, s = recurrence_tables(coeffs.size)
    N = x_flat.size
    W = np.empty(6 * BLOCK)
    for i0 in range(0, N, BLOCK):
        _block1(x_flat, i0, min(BLOCK, N - i0), coeffs, r, s, out_v, W)


@njit(cache=True, fastmath=_FM)
def hermite_series_value_grad(x_flat, coeffs, out_v, out_g):
    """phi and phi' of ``phi = sum_k coeffs[k] h_k`` at every ``x_flat[i]`` (serial; numba-callable).

    Parameters
    ----------
    x_flat : float64[::1]
    coeffs : float64[::1]
        b_0 .. b_{n-1}.
    out_v, out_g : float64[::1]
        Written with phi(x) and phi'(x) = sum_k sqrt(k+1) b_{k+1} h_k(x).
    """
    r, s = recurrence_tables(coeffs.size)
    d = _derivative_coeffs(coeffs)
    N = x_flat.size
    W = np.empty(6 * BLOCK)
    for i0 in range(0, N, BLOCK):
        _block2(x_flat, i0, min(BLOCK, N - i0), coeffs, d, r, s, out_v, out_g, W)


@njit(cache=True, fastmath=_FM)
def hermite_series_scalar(x, coeffs):
    """``(phi(x), phi'(x))`` for one float x (numba-callable; O(n) per call)."""
    n = coeffs.size
    hp = 0.0
    h = 1.0
    v = coeffs[0]
    g = np.sqrt(1.0) * coeffs[1] if n > 1 else 0.0
    for k in range(1, n):
        hn = (x * h - np.sqrt(k - 1.0) * hp) / np.sqrt(float(k))
        hp = h
        h = hn
        v += coeffs[k] * hn
        if k + 1 < n:
            g += np.sqrt(k + 1.0) * coeffs[k + 1] * hn
    return v, g


# ---------------------------------------------------------------------------------------------
# sign-family search
# ---------------------------------------------------------------------------------------------


@njit(inline="always", fastmath=_FM)
def _criterion(crit, y, w):
    """Criterion on one array y over the grid (w: trapezoid weights, used by non-monotonicity)."""
    G = y.size
    if crit == CRIT_NONMONOTONE:
        up = 0.0
        down = 0.0
        for i in range(G):
            t = y[i] * w[i]
            if t > 0.0:
                up += t
            else:
                down -= t
        return min(up, down)
    best = 0.0
    for i in range(G):
        a = abs(y[i])
        if a > best:
            best = a
    return best


@njit(fastmath=_FM)
def _flip_and_score(crit, y, row, sgn, w):
    """y -= 2*sgn*row (a sign flip) and return the criterion of the new y in the same pass."""
    G = y.size
    f = 2.0 * sgn
    if crit == CRIT_NONMONOTONE:
        up = 0.0
        down = 0.0
        for i in range(G):
            v = y[i] - f * row[i]
            y[i] = v
            t = v * w[i]
            if t > 0.0:
                up += t
            else:
                down -= t
        return min(up, down)
    best = 0.0
    for i in range(G):
        v = y[i] - f * row[i]
        y[i] = v
        a = abs(v)
        if a > best:
            best = a
    return best


@njit(fastmath=_FM)
def _fill(y, basis, signs):
    G = y.size
    for i in range(G):
        y[i] = 0.0
    for t in range(basis.shape[0]):
        st = signs[t]
        for i in range(G):
            y[i] += st * basis[t, i]


@njit(fastmath=_FM)
def _gray_task(basis, w, crit, free, high_bits, resync, task):
    """One task of :func:`gray_search`: the top ``high_bits`` free signs fixed by the bits of
    ``task``, the other ``free - high_bits`` enumerated by Gray code.  Returns (value, code)."""
    m, G = basis.shape
    low = free - high_bits
    y = np.empty(G)
    signs = np.ones(m)
    for t in range(high_bits):
        if (task >> t) & 1:
            signs[low + t] = -1.0
    _fill(y, basis, signs)
    code = np.int64(task) << low
    bv = _criterion(crit, y, w)
    bc = code
    nsteps = np.int64(1) << low
    for step in range(1, nsteps):
        # Gray code: flip the lowest set bit of step
        t = 0
        while ((step >> t) & 1) == 0:
            t += 1
        sg = signs[t]
        signs[t] = -sg
        code ^= np.int64(1) << t
        if step % resync == 0:
            _fill(y, basis, signs)
            val = _criterion(crit, y, w)
        else:
            val = _flip_and_score(crit, y, basis[t], sg, w)
        if val < bv:
            bv = val
            bc = code
    return bv, bc


@njit(cache=True, parallel=True, fastmath=_FM)
def gray_search(basis, w, crit, free, high_bits, resync):
    """Exhaustive minimum of ``crit`` over sign vectors, by Gray code (one flip, O(G) per member).

    Parameters
    ----------
    basis : float64[m, G]
        Row t: |b_k| times h_k (or its derivative) of the t-th nonzero term on the grid.
    w : float64[G]
        Trapezoid weights of the grid.
    crit : int
        CRIT_SUP, CRIT_LIPSCHITZ or CRIT_NONMONOTONE.
    free : int
        Number of free signs (the last ``m - free`` rows keep sign +1: criteria symmetric under
        phi -> -phi need only ``free = m - 1``).
    high_bits : int
        The top ``high_bits`` of the free signs are fixed per task: 2**high_bits parallel tasks,
        each enumerating the remaining ``free - high_bits`` signs by Gray code.
    resync : int
        Recompute the running sum from scratch every ``resync`` flips (bounds rounding drift).

    Returns
    -------
    best_value : float64[2**high_bits]
    best_code : int64[2**high_bits]
        Per task, the best criterion and its sign vector as a bit mask (bit t set: row t negative).
    """
    ntasks = 1 << high_bits
    best_value = np.empty(ntasks)
    best_code = np.zeros(ntasks, dtype=np.int64)
    for task in prange(ntasks):
        bv, bc = _gray_task(basis, w, crit, free, high_bits, resync, task)
        best_value[task] = bv
        best_code[task] = bc
    return best_value, best_code


@njit(cache=True, fastmath=_FM)
def gray_search_range(basis, w, crit, free, high_bits, resync, first, count):
    """Tasks ``first .. first + count - 1`` of :func:`gray_search`, serially (one core): the
    same per-task values and codes, for splitting the search over processes or machines."""
    best_value = np.empty(count)
    best_code = np.zeros(count, dtype=np.int64)
    for j in range(count):
        bv, bc = _gray_task(basis, w, crit, free, high_bits, resync, first + j)
        best_value[j] = bv
        best_code[j] = bc
    return best_value, best_code


@njit(cache=True, parallel=True, fastmath=_FM)
def local_search(basis, w, crit, starts, max_rounds):
    """Steepest-descent single-flip local search from each row of ``starts`` (±1, shape [R, m]).

    Returns the final sign vectors [R, m], their criteria [R] and the number of members
    evaluated per start [R].
    """
    R, m = starts.shape
    G = basis.shape[1]
    out_signs = starts.copy()
    out_value = np.empty(R)
    evals = np.zeros(R, dtype=np.int64)
    for r in prange(R):
        signs = out_signs[r]
        y = np.empty(G)
        trial = np.empty(G)
        _fill(y, basis, signs)
        cur = _criterion(crit, y, w)
        evals[r] += 1
        for _ in range(max_rounds):
            best_t = -1
            best_v = cur
            for t in range(m):
                for i in range(G):
                    trial[i] = y[i]
                v = _flip_and_score(crit, trial, basis[t], signs[t], w)
                evals[r] += 1
                if v < best_v:
                    best_v = v
                    best_t = t
            if best_t < 0:
                break
            _flip_and_score(crit, y, basis[best_t], signs[best_t], w)
            signs[best_t] = -signs[best_t]
            cur = best_v
        _fill(y, basis, signs)
        out_value[r] = _criterion(crit, y, w)
    return out_signs, out_value, evals
