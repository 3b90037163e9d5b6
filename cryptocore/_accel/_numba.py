"""numba kernels for batch arithmetic modulo an odd modulus p < 2^256.

Representation
--------------
An element is eight 32-bit limbs, least significant first. A batch of N elements is a C-contiguous
``uint32`` array of shape ``(8, N)``: *limb-major*, so limb ``k`` of every element is contiguous.
Every kernel loops over limbs on the outside and over elements on the inside; the innermost loop
has a branch-free body, which LLVM turns into SIMD code (measured: see ``benches/results/field.md``
and ``docs/adr/0002-numba-field-backend.md``). Kernels run on one thread; some work through the
elements in blocks of ``BLOCK`` columns.

Arithmetic
----------
Montgomery multiplication, CIOS variant (Koç, Acar, Kaliski, "Analyzing and Comparing Montgomery
Multiplication Algorithms", IEEE Micro 1996, section 4), with R = 2^256 and
``pinv = -p^-1 mod 2^32``: ``montmul(a, b) = a·b·R^-1 mod p``, fully reduced, for any
``a < 2^256`` and ``b < p`` (then ``a·b < p·R`` and the CIOS result is below 2p before the final
conditional subtraction). Values enter Montgomery form by ``montmul(x, R^2 mod p)`` — which also
reduces any ``x < 2^256`` — and leave it by ``montmul(x, 1)``.

The kernels are plain Python in numba's subset; :mod:`cryptocore._accel._python` is the reference
that the parity tests compare them with. Every kernel is compiled with ``cache=True``.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from numba import njit

from cryptocore._accel._montgomery import (
    M32,
    ONE,
    S32,
    ZERO,
    addmod,
    montmul,
    mulsmall,
    select,
    submod,
)
from cryptocore._accel._python import PythonBackend, check_modulus
from cryptocore.errors import ParameterError

__all__ = [
    "BLOCK",
    "LIMBS",
    "NumbaBackend",
    "from_limbs",
    "k_horner",
    "k_horner_small",
    "k_inverse",
    "k_lagrange",
    "k_lagrange_small",
    "k_mul",
    "to_limbs",
]

LIMBS = 8
BLOCK = 256  # columns per block (Horner, Lagrange)


@njit(cache=True, inline="always")
def _ld(a, e):  # type: ignore[no-untyped-def]
    """Column ``e`` of a limb-major array as eight uint64 limbs."""
    return (
        np.uint64(a[0, e]),
        np.uint64(a[1, e]),
        np.uint64(a[2, e]),
        np.uint64(a[3, e]),
        np.uint64(a[4, e]),
        np.uint64(a[5, e]),
        np.uint64(a[6, e]),
        np.uint64(a[7, e]),
    )


@njit(cache=True, inline="always")
def _st(out, e, r):  # type: ignore[no-untyped-def]
    """Store eight limbs into column ``e``."""
    out[0, e] = np.uint32(r[0])
    out[1, e] = np.uint32(r[1])
    out[2, e] = np.uint32(r[2])
    out[3, e] = np.uint32(r[3])
    out[4, e] = np.uint32(r[4])
    out[5, e] = np.uint32(r[5])
    out[6, e] = np.uint32(r[6])
    out[7, e] = np.uint32(r[7])


@njit(cache=True)
def k_mul(a, b, p, pinv):  # type: ignore[no-untyped-def]
    """montmul(a_i, b_i) = a_i·b_i·R^-1 mod p for every column (needs a_i·b_i < p·R).

    With b_i = R^2 mod p this brings any a_i < 2^256 into Montgomery form (reducing it); with
    b_i = 1 it leaves Montgomery form; a Montgomery form times a plain value is a plain product.
    Each loop touches two arrays only: with more, LLVM's run-time alias checks exceed its limit
    and it does not vectorise.
    """
    out = a.copy()
    pp = _ld(p, 0)
    for e in range(ZERO, np.uint64(a.shape[1])):
        _st(out, e, montmul(_ld(out, e), _ld(b, e), pp, pinv))
    return out


@njit(cache=True)
def k_horner(cm, degree_plus_one, xm, p, pinv):  # type: ignore[no-untyped-def]
    """Many polynomials at many points by Horner's rule, all in Montgomery form.

    ``cm`` is ``(8, P·D)``: polynomial ``q`` has its k-th coefficient in column ``q·D + k``
    (D = ``degree_plus_one``). ``xm`` is ``(8, N)``. Returns ``(8, P·N)``: f_q at the N points in
    columns ``q·N .. q·N + N - 1``. Tasks are (polynomial, block of points) pairs; inside a task
    the innermost loop runs over points with a branch-free body.
    """
    npoints = xm.shape[1]
    dd = degree_plus_one
    npolys = cm.shape[1] // dd
    out = np.empty((LIMBS, npolys * npoints), dtype=np.uint32)
    pp = _ld(p, 0)
    nxb = (npoints + BLOCK - 1) // BLOCK
    for task in range(npolys * nxb):
        q = task // nxb
        lo = (task % nxb) * BLOCK
        hi = min(lo + BLOCK, npoints)
        base = q * npoints
        # unsigned indices: numba emits no negative-index wraparound code, so LLVM vectorises
        ulo, uhi, ubase = np.uint64(lo), np.uint64(hi), np.uint64(base)
        top = _ld(cm, q * dd + dd - 1)
        for e in range(ulo, uhi):
            _st(out, ubase + e, top)
        for i in range(dd - 2, -1, -1):
            ci = _ld(cm, q * dd + i)
            for e in range(ulo, uhi):
                r = montmul(_ld(out, ubase + e), _ld(xm, e), pp, pinv)
                _st(out, ubase + e, addmod(r, ci, pp))
    return out


@njit(cache=True)
def k_horner_small(cw, degree_plus_one, xl, p, pinv):  # type: ignore[no-untyped-def]
    """Horner's rule for points below 2^32 (participant identifiers), on plain values.

    A step is acc = acc·x·2^-32 + c'_k (``mulsmall``: 8 + 8 limb products instead of montmul's
    136). With c'_k = c_k·2^(32k) mod p (``cw``, prepared by the caller) the result is
    sum_k c_k·x^k exactly: by induction acc_k = 2^(32k)·sum_{j>=k} c_j·x^(j-k).
    ``xl`` is ``(8, N)`` with only limb 0 nonzero. Layout as in :func:`k_horner`.
    """
    npoints = xl.shape[1]
    dd = degree_plus_one
    npolys = cw.shape[1] // dd
    out = np.empty((LIMBS, npolys * npoints), dtype=np.uint32)
    pp = _ld(p, 0)
    nxb = (npoints + BLOCK - 1) // BLOCK
    for task in range(npolys * nxb):
        q = task // nxb
        lo = (task % nxb) * BLOCK
        hi = min(lo + BLOCK, npoints)
        ulo, uhi, ubase = np.uint64(lo), np.uint64(hi), np.uint64(q * npoints)
        top = _ld(cw, q * dd + dd - 1)
        for e in range(ulo, uhi):
            _st(out, ubase + e, top)
        for i in range(dd - 2, -1, -1):
            ci = _ld(cw, q * dd + i)
            for e in range(ulo, uhi):
                r = mulsmall(_ld(out, ubase + e), np.uint64(xl[0, e]), pp, pinv)
                _st(out, ubase + e, addmod(r, ci, pp))
    return out


@njit(cache=True)
def k_lagrange(xm, atm, onem, p, pinv):  # type: ignore[no-untyped-def]
    """q_i = (at - x_i) · prod_{j != i} (x_i - x_j), Montgomery forms in and out.

    ``atm`` and ``onem`` are ``(8, 1)``: ``at`` and 1 in Montgomery form. Subtraction commutes
    with the Montgomery map. The factor j = i is replaced by one with a branch-free select.
    """
    size = xm.shape[1]
    out = np.empty((LIMBS, size), dtype=np.uint32)
    pp = _ld(p, 0)
    at = _ld(atm, 0)
    one = _ld(onem, 0)
    nblocks = (size + BLOCK - 1) // BLOCK
    for blk in range(nblocks):
        # unsigned indices: numba emits no negative-index wraparound code, so LLVM vectorises
        lo = np.uint64(blk * BLOCK)
        hi = np.uint64(min(blk * BLOCK + BLOCK, size))
        for e in range(lo, hi):
            _st(out, e, submod(at, _ld(xm, e), pp))
        for j in range(np.uint64(size)):
            xj = _ld(xm, j)
            for e in range(lo, hi):
                d = submod(_ld(xm, e), xj, pp)
                d = select(ZERO - np.uint64(e == j), one, d)
                _st(out, e, montmul(_ld(out, e), d, pp, pinv))
    return out


@njit(cache=True)
def k_lagrange_small(xl, p, pinv):  # type: ignore[no-untyped-def]
    """D_i = prod_{j != i} |x_i - x_j| · 2^(-32·n) mod p for distinct points below 2^32.

    ``xl`` is ``(8, n)`` with only limb 0 nonzero (participant identifiers). Each factor fits one
    limb, so a step is ``mulsmall`` (one REDC round, a factor 2^-32) instead of a full montmul;
    the caller puts back the signs and 2^(32·n). The factor j = i is 1 (branch-free).
    """
    size = xl.shape[1]
    out = np.empty((LIMBS, size), dtype=np.uint32)
    pp = _ld(p, 0)
    one = (np.uint64(1), ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
    usize = np.uint64(size)
    for e in range(ZERO, usize):
        _st(out, e, one)
    for j in range(ZERO, usize):
        xj = np.uint64(xl[0, j])
        for e in range(ZERO, usize):
            d = np.uint64(xl[0, e]) - xj  # wraps when negative; bit 63 is the sign
            neg = d >> np.uint64(63)
            mag = (d ^ (ZERO - neg)) + neg + np.uint64(e == j)  # |x_e - x_j|, or 1 when e = j
            _st(out, e, mulsmall(_ld(out, e), mag, pp, pinv))
    return out


# -- Montgomery's trick, lane-parallel (k_inverse and its parts) ------------------------------
#
# Batch inversion by Montgomery's trick (Montgomery, "Speeding the Pollard and elliptic curve
# methods of factorization", Math. Comp. 48(177), 1987, §10.3.1): one inversion and about three
# products per element. The chain of prefix products is sequential, so the elements are split
# into ``lanes`` interleaved chains (element ``s·lanes + l`` is step s of chain l) whose steps run
# together in one vectorised loop; the chain totals are chained once more (serially), and the one
# remaining value is inverted in the kernel with Kaliski's almost inverse.
#
# Every product is a montmul and carries a factor R^-1 that nothing undoes, because the
# backward pass cancels it exactly: for a chain ``acc_s = montmul(acc_{s-1}, a_s)`` with
# ``acc_{-1} = R mod p``, start ``x_{S-1} = c · acc_{S-1}^-1`` and step ``x_{s-1} =
# montmul(x_s, a_s)``; then ``x_s · acc_s = c`` (mod p) at every step, so ``montmul(acc_{s-1},
# x_s) = acc_{s-1} · x_s · R^-1 = c · acc_{s-1} / (acc_s · R) = c / a_s``, and ``x_0 = c / a_0``.
# So the values stay plain (no Montgomery-form conversion in or out), and they need not be
# reduced: montmul(acc, a) is exact for acc < p and any a < 2^256.

# Kaliski's almost inverse on four 64-bit limbs (five for r and s, which reach 2p < 2^257), in
# tuples: after inlining they live in registers. Carries and borrows come from comparisons.
S64 = np.uint64(64)


@njit(cache=True, inline="always")
def _q_sub(a, b):  # type: ignore[no-untyped-def]
    """a - b for 4-limb a >= b."""
    d0 = a[0] - b[0]
    br = np.uint64(a[0] < b[0])
    t = a[1] - b[1]
    d1 = t - br
    br = np.uint64(a[1] < b[1]) | np.uint64(t < br)
    t = a[2] - b[2]
    d2 = t - br
    br = np.uint64(a[2] < b[2]) | np.uint64(t < br)
    d3 = a[3] - b[3] - br
    return (d0, d1, d2, d3)


@njit(cache=True, inline="always")
def _q_add5(a, b):  # type: ignore[no-untyped-def]
    """a + b for 5-limb values whose sum stays below 2^320."""
    s0 = a[0] + b[0]
    c = np.uint64(s0 < a[0])
    t = a[1] + b[1]
    s1 = t + c
    c = np.uint64(t < a[1]) | np.uint64(s1 < t)
    t = a[2] + b[2]
    s2 = t + c
    c = np.uint64(t < a[2]) | np.uint64(s2 < t)
    t = a[3] + b[3]
    s3 = t + c
    c = np.uint64(t < a[3]) | np.uint64(s3 < t)
    s4 = a[4] + b[4] + c
    return (s0, s1, s2, s3, s4)


@njit(cache=True, inline="always")
def _q_gt(a, b):  # type: ignore[no-untyped-def]
    """a > b for 4-limb values."""
    if a[3] != b[3]:
        return a[3] > b[3]
    if a[2] != b[2]:
        return a[2] > b[2]
    if a[1] != b[1]:
        return a[1] > b[1]
    return a[0] > b[0]


@njit(cache=True, inline="always")
def _q_strip(x, y):  # type: ignore[no-untyped-def]
    """Shift the factors 2 out of the 4-limb x (nonzero) into the 5-limb y: (x, y, count)."""
    total = 0
    while x[0] & ONE == ZERO:
        lo = x[0]
        t = 63
        if lo != ZERO:  # count trailing zeros, by halves
            t = 0
            if lo & np.uint64(0xFFFFFFFF) == ZERO:
                t += 32
                lo >>= np.uint64(32)
            if lo & np.uint64(0xFFFF) == ZERO:
                t += 16
                lo >>= np.uint64(16)
            if lo & np.uint64(0xFF) == ZERO:
                t += 8
                lo >>= np.uint64(8)
            if lo & np.uint64(0xF) == ZERO:
                t += 4
                lo >>= np.uint64(4)
            if lo & np.uint64(0x3) == ZERO:
                t += 2
                lo >>= np.uint64(2)
            if lo & ONE == ZERO:
                t += 1
        ut = np.uint64(t)
        back = S64 - ut
        x = (
            (x[0] >> ut) | (x[1] << back),
            (x[1] >> ut) | (x[2] << back),
            (x[2] >> ut) | (x[3] << back),
            x[3] >> ut,
        )
        y = (
            y[0] << ut,
            (y[1] << ut) | (y[0] >> back),
            (y[2] << ut) | (y[1] >> back),
            (y[3] << ut) | (y[2] >> back),
            (y[4] << ut) | (y[3] >> back),
        )
        total += t
    return x, y, total


@njit(cache=True)
def _almost_inverse(a, p):  # type: ignore[no-untyped-def]
    """``(a^-1 · 2^k mod p, k, ok)`` for 0 <= a < p, p odd: Kaliski's almost inverse.

    B. S. Kaliski Jr., "The Montgomery inverse and its applications", IEEE Trans. Computers
    44(8), 1995, Phase I: a binary extended Euclid keeping ``p = u·s + v·r`` (so r, s < 2p)
    with ``n <= k <= 2n`` halvings (n the bit length of p) and none of them modulo p. Here a
    subtraction and the halvings after it are one step (``_q_strip`` shifts out all factors 2
    at once), which gives the same r and k as the one-bit-per-step original. ``a``, ``p`` and
    the result are 8-tuples of 32-bit limbs. ``ok`` is False when gcd(a, p) != 1 (a = 0
    included); the value is then meaningless. Variable time, like the CPython
    ``pow(a, -1, p)`` it replaces; its input is the product of all the values being inverted.
    """
    u = (
        p[0] | (p[1] << S32),
        p[2] | (p[3] << S32),
        p[4] | (p[5] << S32),
        p[6] | (p[7] << S32),
    )
    p4 = u
    v = (
        a[0] | (a[1] << S32),
        a[2] | (a[3] << S32),
        a[4] | (a[5] << S32),
        a[6] | (a[7] << S32),
    )
    r = (ZERO, ZERO, ZERO, ZERO, ZERO)
    s = (ONE, ZERO, ZERO, ZERO, ZERO)
    ok = False
    k = 0
    if (v[0] | v[1] | v[2] | v[3]) != ZERO:
        v, r, k = _q_strip(v, r)  # u = p is odd; now v is odd too
        for _ in range(4 * 32 * LIMBS):  # a bound, never reached (each step halves u or v)
            if _q_gt(u, v):
                u = _q_sub(u, v)
                r = _q_add5(r, s)
                u, s, t = _q_strip(u, s)
                k += t
            elif _q_gt(v, u):
                v = _q_sub(v, u)
                s = _q_add5(s, r)
                v, r, t = _q_strip(v, r)
                k += t
            else:  # u = v = gcd(a, p); the original's last step: v = 0, s += r, r *= 2
                ok = (u[0] == ONE) and (u[1] | u[2] | u[3]) == ZERO
                s = _q_add5(s, r)
                r = _q_add5(r, r)
                k += 1
                break
    # r < 2p: one subtraction reduces it; then p - r = a^-1 · 2^k (mod p)
    r4 = (r[0], r[1], r[2], r[3])
    if r[4] != ZERO or not _q_gt(p4, r4):
        r4 = _q_sub(r4, p4)  # wraps modulo 2^256 when r >= 2^256: still the exact r - p
    x = _q_sub(p4, r4)
    return (
        (
            x[0] & M32,
            x[0] >> S32,
            x[1] & M32,
            x[1] >> S32,
            x[2] & M32,
            x[2] >> S32,
            x[3] & M32,
            x[3] >> S32,
        ),
        k,
        ok,
    )


@njit(cache=True)
def _chains_forward(am, lanes, consts, pinv):  # type: ignore[no-untyped-def]
    """Forward pass on all chains: ``out`` column ``s·lanes + l`` := chain l's ``acc_{s-1}``
    (s >= 1; step 0 is left for the backward pass) and ``acc`` := the chain totals."""
    p = _ld(consts, 0)
    one = _ld(consts, 1)
    steps = am.shape[1] // lanes
    ulanes = np.uint64(lanes)
    out = np.empty_like(am)
    # the running products live in a separate (8, lanes) array: a loop that reads and writes
    # different columns of one array defeats LLVM's alias checks, and it would not vectorise
    acc = np.empty((LIMBS, lanes), dtype=np.uint32)
    for e in range(ZERO, ulanes):
        _st(acc, e, one)
    for s in range(steps):
        col = np.uint64(s) * ulanes
        for e in range(ZERO, ulanes):
            _st(acc, e, montmul(_ld(acc, e), _ld(am, col + e), p, pinv))
        if s + 1 < steps:
            nxt = col + ulanes
            for e in range(ZERO, ulanes):
                _st(out, nxt + e, _ld(acc, e))
    return out, acc


@njit(cache=True)
def _chains_backward(am, out, x, consts, pinv):  # type: ignore[no-untyped-def]
    """Backward pass on all chains, from ``x`` = ``c / t_l`` per chain: ``out`` := ``c / a_i``.

    Step s's columns are copied into two scratch arrays and the products run there: with the
    column offset inside the product loops, which here count down, LLVM's run-time alias check
    sent every step to the scalar loop (measured 3.5x slower). Each loop touches two arrays.
    """
    p = _ld(consts, 0)
    lanes = x.shape[1]
    steps = am.shape[1] // lanes
    ulanes = np.uint64(lanes)
    a_s = np.empty((LIMBS, lanes), dtype=np.uint32)
    o_s = np.empty((LIMBS, lanes), dtype=np.uint32)
    for s in range(steps - 1, 0, -1):
        col = np.uint64(s) * ulanes
        for e in range(ZERO, ulanes):
            _st(a_s, e, _ld(am, col + e))
        for e in range(ZERO, ulanes):
            _st(o_s, e, _ld(out, col + e))
        for e in range(ZERO, ulanes):
            _st(o_s, e, montmul(_ld(o_s, e), _ld(x, e), p, pinv))
        for e in range(ZERO, ulanes):
            _st(x, e, montmul(_ld(x, e), _ld(a_s, e), p, pinv))
        for e in range(ZERO, ulanes):
            _st(out, col + e, _ld(o_s, e))
    for e in range(ZERO, ulanes):
        _st(out, e, _ld(x, e))
    return out


@njit(cache=True)
def _mm(a, b, p, pinv):  # type: ignore[no-untyped-def]
    """montmul as a called function, for serial code: one inlined copy instead of one per use
    (each inlined copy costs numba about a second of compile time)."""
    return montmul(a, b, p, pinv)


@njit(cache=True)
def _totals(acc, one, cm, p, pinv):  # type: ignore[no-untyped-def]
    """The chain over the chain totals, serially: ``(x, ok)`` with ``x[:, l] = c / t_l``.

    Separate from the vectorised passes: inlined into one function with them, this serial loop
    kept LLVM from vectorising theirs.
    """
    lanes = acc.shape[1]
    cp = np.empty((LIMBS, lanes), dtype=np.uint32)
    u = one
    for lane in range(lanes):
        u = _mm(u, _ld(acc, lane), p, pinv)
        _st(cp, lane, u)
    inv, k, ok = _almost_inverse(u, p)  # u^-1 · 2^k
    # y = c / u: montmul(inv, 2^(512-k)) = u^-1 · 2^256, then _mm(., c) = c / u
    j = 2 * 32 * LIMBS - k
    if j < 32 * LIMBS:
        w = np.zeros(LIMBS, dtype=np.uint64)
        w[j // 32] = ONE << np.uint64(j % 32)
        two_j = (w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
    else:  # 2^j = (R mod p) · 2^(j - 256)
        two_j = one
        for _ in range(j - 32 * LIMBS):
            two_j = addmod(two_j, two_j, p)
    y = _mm(_mm(inv, two_j, p, pinv), _ld(cm, 0), p, pinv)
    x = np.empty((LIMBS, lanes), dtype=np.uint32)
    for lane in range(lanes - 1, 0, -1):
        _st(x, lane, _mm(_ld(cp, lane - 1), y, p, pinv))
        y = _mm(y, _ld(acc, lane), p, pinv)
    _st(x, 0, y)
    return x, ok


B8 = np.uint32(8)
B24 = np.uint32(24)
MB = np.uint32(0xFF00)


@njit(cache=True, inline="always")
def _bswap(v):  # type: ignore[no-untyped-def]
    """Byte-swap a uint32 (LLVM emits one ``bswap``)."""
    return (v << B24) | ((v & MB) << B8) | ((v >> B8) & MB) | (v >> B24)


@njit(cache=True)
def k_inverse(words, size, lanes, consts, cm, pinv):  # type: ignore[no-untyped-def]
    """``c · a_i^-1 mod p`` for ``size`` values: Montgomery's trick on ``lanes`` chains.

    ``words`` is a ``uint32`` view of the values as 32-byte big-endian strings, one after the
    other (``int.to_bytes(32)`` joined), padded with ones to a multiple of ``lanes`` values;
    they are below 2^256, not necessarily reduced. ``consts`` is ``(8, 2)``: p and R mod p;
    ``cm`` is ``(8, 1)``: c < p. Returns ``(res, ok)``: ``res`` holds the ``size`` results in
    the same big-endian layout (``struct.unpack`` splits it); ``ok`` is False when some value
    is not invertible modulo p, and then ``res`` is meaningless. The byte swaps and the
    transposition to limb-major order and back run here: cheaper than numpy's copies.
    """
    total = words.shape[0] // LIMBS
    am = np.empty((LIMBS, total), dtype=np.uint32)
    for e in range(total):
        for j in range(LIMBS):  # big-endian word j is limb 7 - j
            am[LIMBS - 1 - j, e] = _bswap(words[e * LIMBS + j])
    p = _ld(consts, 0)
    one = _ld(consts, 1)
    out, acc = _chains_forward(am, lanes, consts, pinv)
    x, ok = _totals(acc, one, cm, p, pinv)
    res = np.empty(size * LIMBS, dtype=np.uint32)
    if ok:
        _chains_backward(am, out, x, consts, pinv)
        for e in range(size):
            for j in range(LIMBS):
                res[e * LIMBS + j] = _bswap(out[LIMBS - 1 - j, e])
    return res, ok


# ---------------------------------------------------------------------------------------------
# The backend object: conversion between Python ints and limbs, size cutoffs, the glue.
# ---------------------------------------------------------------------------------------------

_R = 1 << 256
_SMALL = 1 << 32  # points below this take the one-limb Horner kernel
_ONE_BYTES = (1).to_bytes(32)


def _bytes_to_limbs(buf: bytes, n: int) -> npt.NDArray[np.uint32]:
    """``(8, n)`` limb-major array from n concatenated 32-byte big-endian values (one copy)."""
    big = np.frombuffer(buf, dtype=">u4").reshape(n, LIMBS)
    # limb k (least significant first) is big-endian word 7 - k
    return np.ascontiguousarray(big.T[::-1], dtype=np.uint32)


# Conversions run in chunks of _CHUNK values: the temporary 32-byte strings of a chunk are freed
# (and their memory reused, still in cache) before the next; in one piece, at N = 100,000 the
# conversions cost ~1.5x more per value (measured: to_bytes+join 100 -> 72 ns, unpack+from_bytes
# 97 -> 68 ns).
_CHUNK = 1024
# Batch inversion works on blocks of at most this many values, each with its own inversion
# (~3 µs, 0.2 ns per value): its four 32-byte-per-value buffers then fit in the cache (measured
# at N = 100,000: ~5% faster than in one piece).
_INVERSE_BLOCK = 16384


def _join_be(values: Sequence[int], tail: bytes = b"") -> bytes:
    """The values as 32-byte big-endian strings, concatenated, then ``tail``; OverflowError if
    one is outside [0, 2^256). Big-endian ``to_bytes(32)`` (3.11's default byte order) is ~8%
    cheaper per value than passing ``"little"``."""
    n = len(values)
    if n <= _CHUNK:
        parts = [x.to_bytes(32) for x in values]
    else:
        parts = [
            b"".join([x.to_bytes(32) for x in values[i : i + _CHUNK]]) for i in range(0, n, _CHUNK)
        ]
    parts.append(tail)
    return b"".join(parts)


@functools.lru_cache(maxsize=64)
def _splitter(count: int) -> struct.Struct:
    return struct.Struct("32s" * count)


def _ints_be(buf: bytes | memoryview, count: int) -> list[int]:
    """The first ``count`` 32-byte big-endian values in ``buf`` as Python ints."""
    out: list[int] = []
    # one struct call splitting a chunk into 32-byte strings beats slicing in a Python loop by
    # ~20%, and big-endian from_bytes (the default byte order) is ~7% cheaper than "little"
    for start in range(0, count, _CHUNK):
        m = min(_CHUNK, count - start)
        out += map(int.from_bytes, _splitter(m).unpack_from(buf, 32 * start))
    return out


def to_limbs(values: Sequence[int]) -> npt.NDArray[np.uint32] | None:
    """``(8, N)`` limb-major array of values in [0, 2^256); None if one is outside that range."""
    try:
        buf = _join_be(values)
    except OverflowError:  # negative or >= 2^256: the caller reduces and retries
        return None
    return _bytes_to_limbs(buf, len(values))


def from_limbs(arr: npt.NDArray[np.uint32]) -> list[int]:
    """The Python ints of an ``(8, N)`` limb-major array."""
    return _ints_be(np.ascontiguousarray(arr[::-1].T, dtype=">u4").data, arr.shape[1])


def _limbs_reduced(values: Sequence[int], p: int) -> npt.NDArray[np.uint32]:
    arr = to_limbs(values)
    if arr is None:
        arr = to_limbs([x % p for x in values])
        assert arr is not None  # reduced values are in [0, p) and p < 2^256
    return arr


@dataclass(frozen=True, slots=True)
class _ModulusConstants:
    p: npt.NDArray[np.uint32]  # (8, 1) limbs of p
    pinv: np.uint64  # -p^-1 mod 2^32
    r2: npt.NDArray[np.uint32]  # (8, 1): R^2 mod p
    one: npt.NDArray[np.uint32]  # (8, 1): 1
    one_m: npt.NDArray[np.uint32]  # (8, 1): R mod p, the Montgomery form of 1
    p_one_m: npt.NDArray[np.uint32]  # (8, 2): p and R mod p (k_inverse's constants)
    r2_mod_p: int


def _column(v: int) -> npt.NDArray[np.uint32]:
    arr = to_limbs([v])
    assert arr is not None
    return arr


@functools.lru_cache(maxsize=16)
def _constants(p: int) -> _ModulusConstants:
    pinv = np.uint64((-pow(p, -1, 1 << 32)) % (1 << 32))
    r2 = _R * _R % p
    return _ModulusConstants(
        p=_column(p),
        pinv=pinv,
        r2=_column(r2),
        one=_column(1),
        one_m=_column(_R % p),
        p_one_m=np.ascontiguousarray(np.concatenate([_column(p), _column(_R % p)], axis=1)),
        r2_mod_p=r2,
    )


def _scale(
    a: npt.NDArray[np.uint32], s: npt.NDArray[np.uint32], p: npt.NDArray[np.uint32], pinv: np.uint64
) -> npt.NDArray[np.uint32]:
    """montmul(a_i, s) for every column, by k_mul on a broadcast copy of the column ``s``."""
    out: npt.NDArray[np.uint32] = k_mul(a, np.repeat(s, a.shape[1], axis=1), p, pinv)
    return out


def _lanes_for(size: int) -> int:
    """Chains for Montgomery's trick: 8 below 1,024 elements, else 64.

    More chains make every step's loops longer (64: the backward pass ~15% faster per element
    than with 8) but add serial work over the chain totals (three scalar products per chain,
    ~0.17 µs); measured with ``k_inverse`` at N = 1,000, 2,000 and 10,000.
    """
    return 8 if size < 1024 else 64


class NumbaBackend:
    """Batch operations in numba kernels above a per-operation size cutoff.

    Below the cutoff (and for moduli the kernels do not handle: even or >= 2^256) an operation
    runs on the Python reference, because converting ints to limbs and back costs ~130 ns per
    element. The cutoffs are measured crossovers, for random values and for small ids
    (ADR 0002).
    """

    name = "numba"

    #: smallest input size (elements; for polynomial evaluation: coefficients x points) routed
    #: to the kernels. ``None``: never (the Python reference wins end to end at every size).
    cutoffs: ClassVar[dict[str, int | None]] = {
        "batch_mul": None,
        "batch_inverse": 24,
        "poly_eval": 192,
        "lagrange": 16,
        "inner_product": None,
    }

    def __init__(self) -> None:
        self._ref = PythonBackend()

    @staticmethod
    def handles(p: int) -> bool:
        """Whether the kernels support modulus ``p`` (odd, 2 < p < 2^256)."""
        return p & 1 == 1 and 2 < p < _R

    def _routed(self, op: str, size: int, p: int) -> bool:
        cut = self.cutoffs[op]
        return cut is not None and size >= cut and self.handles(p)

    def warm_up(self) -> None:
        """Compile the kernels, or load them from numba's cache (NUMBA_CACHE_DIR)."""
        p = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
        xs = list(range(1, 11))
        self._mul(xs, xs, p)
        self._inverse(xs, p)
        self._eval_matrix([xs, xs], xs, p)  # small points: k_horner_small
        self._eval_matrix([xs, xs], [x << 200 for x in xs], p)  # k_horner
        self._lagrange(xs, p, 0)  # small points: k_lagrange_small
        self._lagrange([x << 200 for x in xs], p, 0)  # k_lagrange

    # -- public operations ---------------------------------------------------------------------

    def batch_mul(self, a: Sequence[int], b: Sequence[int], p: int) -> list[int]:
        """[a_i · b_i mod p]."""
        check_modulus(p)
        if len(a) != len(b):
            raise ParameterError("batch_mul: sequences differ in length")
        if not self._routed("batch_mul", len(a), p):
            return self._ref.batch_mul(a, b, p)
        return self._mul(a, b, p)

    def batch_inverse(self, a: Sequence[int], p: int) -> list[int]:
        """[a_i^-1 mod p] by Montgomery's trick; ParameterError if some a_i is not invertible."""
        check_modulus(p)
        if not self._routed("batch_inverse", len(a), p):
            return self._ref.batch_inverse(a, p)
        return self._inverse(a, p)

    def poly_eval_many(self, coeffs: Sequence[int], xs: Sequence[int], p: int) -> list[int]:
        """[f(x) mod p for x in xs] with f(x) = sum_k coeffs[k]·x^k."""
        check_modulus(p)
        if not self._routed("poly_eval", len(coeffs) * len(xs), p) or not coeffs:
            return self._ref.poly_eval_many(coeffs, xs, p)
        return self._eval_matrix([coeffs], xs, p)[0]

    def poly_eval_matrix(
        self, polys: Sequence[Sequence[int]], xs: Sequence[int], p: int
    ) -> list[list[int]]:
        """[[f_q(x) for x in xs] for f_q in polys] (one kernel call for all of them)."""
        check_modulus(p)
        work = sum(len(f) for f in polys) * len(xs)
        if not self._routed("poly_eval", work, p) or not xs or not polys:
            return self._ref.poly_eval_matrix(polys, xs, p)
        return self._eval_matrix(polys, xs, p)

    def lagrange_coefficients(self, xs: Sequence[int], p: int, at: int = 0) -> list[int]:
        """lambda_i(at) over the distinct points xs (p prime)."""
        check_modulus(p)
        if not self._routed("lagrange", len(xs), p):
            return self._ref.lagrange_coefficients(xs, p, at)
        return self._lagrange(xs, p, at)

    def inner_product(self, a: Sequence[int], b: Sequence[int], p: int) -> int:
        """sum_i a_i · b_i mod p (Python ints: one multiply-add per element beats conversion)."""
        return self._ref.inner_product(a, b, p)

    # -- kernel glue (no cutoffs) ----------------------------------------------------------------

    def _mul(self, a: Sequence[int], b: Sequence[int], p: int) -> list[int]:
        if not a:
            return []
        k = _constants(p)
        am = _scale(_limbs_reduced(a, p), k.r2, k.p, k.pinv)  # a·R mod p
        return from_limbs(k_mul(am, _limbs_reduced(b, p), k.p, k.pinv))  # a·R·b·R^-1

    def _invert(self, buf: bytes, size: int, factor: int, p: int) -> list[int]:
        """factor · x^-1 mod p (plain ints) for the first ``size`` values x in ``buf``.

        ``buf``: 32-byte big-endian values below 2^256 (not necessarily reduced), padded with
        ones to a multiple of ``_lanes_for(size)`` values. ParameterError if some value is not
        invertible modulo p (the reference reports it, on the same values).
        """
        k = _constants(p)
        cm = k.one if factor == 1 else _column(factor % p)
        words = np.frombuffer(buf, dtype=np.uint32)
        res, ok = k_inverse(words, size, _lanes_for(size), k.p_one_m, cm, k.pinv)
        if not ok:
            vals = _ints_be(buf, size)
            return [factor * v % p for v in self._ref.batch_inverse(vals, p)]
        return _ints_be(res.data, size)

    def _inverse(self, a: Sequence[int], p: int) -> list[int]:
        size = len(a)
        if not size:
            return []
        if size > _INVERSE_BLOCK:  # independent blocks: each one's buffers stay in cache
            out: list[int] = []
            for start in range(0, size, _INVERSE_BLOCK):
                out += self._inverse(a[start : start + _INVERSE_BLOCK], p)
            return out
        pad = _ONE_BYTES * (-size % _lanes_for(size))  # fill the last step with ones
        try:
            buf = _join_be(a, pad)
        except OverflowError:  # negative or >= 2^256
            buf = _join_be([x % p for x in a], pad)
        return self._invert(buf, size, 1, p)

    def _eval_matrix(
        self, polys: Sequence[Sequence[int]], xs: Sequence[int], p: int
    ) -> list[list[int]]:
        npoints = len(xs)
        if npoints == 0:
            return [[] for _ in polys]
        width = max((len(f) for f in polys), default=0)
        if width == 0:
            return [[0] * npoints for _ in polys]
        flat: list[int] = []
        for f in polys:  # high zero coefficients do not change a polynomial
            flat.extend(f)
            flat.extend([0] * (width - len(f)))
        k = _constants(p)
        # pad the points to a multiple of 8 (one AVX-512 vector) so that no point falls into the
        # scalar remainder loop, which is several times slower per element
        padded = -(-npoints // 8) * 8
        pts = list(xs) + [0] * (padded - npoints)
        cl = _limbs_reduced(flat, p)
        if min(pts) >= 0 and max(pts) < _SMALL:
            # small points (participant ids): c'_k = c_k·2^(32k), then one REDC round per step
            table = [0] * width
            v = _R % p  # montmul(c, 2^(32k)·R) = c·2^(32k)
            for i in range(width):
                table[i] = v
                v = v * _SMALL % p
            tl = to_limbs(table)
            assert tl is not None
            cw = k_mul(cl, np.tile(tl, (1, len(polys))), k.p, k.pinv)
            xl = to_limbs(pts)
            assert xl is not None
            out = k_horner_small(cw, width, xl, k.p, k.pinv)
        else:
            cm = _scale(cl, k.r2, k.p, k.pinv)
            xm = _scale(_limbs_reduced(pts, p), k.r2, k.p, k.pinv)
            out = _scale(k_horner(cm, width, xm, k.p, k.pinv), k.one, k.p, k.pinv)
        if padded != npoints:
            out = np.concatenate(
                [out[:, q * padded : q * padded + npoints] for q in range(len(polys))], axis=1
            )
        vals = from_limbs(out)
        return [vals[q * npoints : (q + 1) * npoints] for q in range(len(polys))]

    def _lagrange(self, xs: Sequence[int], p: int, at: int) -> list[int]:
        pts = [x % p for x in xs]
        if len(set(pts)) != len(pts):
            raise ParameterError("interpolation points must be distinct modulo p")
        at %= p
        if at in pts:  # interpolating at a known point: the indicator vector
            return [1 if x == at else 0 for x in pts]
        if not pts:
            return []
        k = _constants(p)
        # Barycentric form: lambda_i = L / ((at - x_i) · prod_{j != i} (x_i - x_j)),
        # L = prod_j (at - x_j) (Berrut and Trefethen, SIAM Review 46(3), 2004, section 3).
        big_l = 1
        for x in pts:
            big_l = big_l * (at - x) % p
        xl = to_limbs(pts)
        assert xl is not None
        if max(pts) < _SMALL < p:
            # small points: magnitudes in one limb; the sign of prod_{j != i} (x_i - x_j) is
            # (-1)^(number of x_j above x_i). q_i·R = D_i · (at - x_i)·sign·2^(32n)·R^2 · R^-1.
            d = k_lagrange_small(xl, k.p, k.pinv)
            n = len(pts)
            scale = pow(_SMALL, n, p) * k.r2_mod_p % p
            rank = {x: r for r, x in enumerate(sorted(pts))}
            f = [
                scale * (at - x) % p if (n - 1 - rank[x]) % 2 == 0 else scale * (x - at) % p
                for x in pts
            ]
            fl = to_limbs(f)
            assert fl is not None
            q = k_mul(d, fl, k.p, k.pinv)
        else:
            xm = _scale(xl, k.r2, k.p, k.pinv)
            atm = _scale(_column(at), k.r2, k.p, k.pinv)
            q = k_lagrange(xm, atm, k.one_m, k.p, k.pinv)
        # q_i = y_i·R (Montgomery forms); lambda_i = L / y_i = (L·R) · q_i^-1
        pad = _ONE_BYTES * (-len(pts) % _lanes_for(len(pts)))
        buf = np.ascontiguousarray(q[::-1].T, dtype=">u4").tobytes() + pad
        return self._invert(buf, len(pts), big_l * _R % p, p)
