"""Multi-scalar multiplication on secp256k1 for *public* scalars (variable time).

``msm(scalars, points)`` returns sum(k_i * P_i). ``FixedBaseTable`` precomputes multiples of a
fixed list of bases (ring members, Feldman commitments, key sets verified again and again) and
then answers MSMs over those bases much faster. ``mul_add_g(a, b, P)`` returns a*G + b*P in one
libsecp256k1 call (ECDSA public-key recovery), the shape of every Schnorr verification equation;
``mul_add_g_into`` is the same on raw structs for callers that keep parsed points (ringsig).

libsecp256k1 (through coincurve) exposes no multi-scalar multiplication; it offers a single
variable-time scalar multiplication (``secp256k1_ec_pubkey_tweak_mul``, about 22 µs for a
256-bit scalar) and the sum of many points in one call (``secp256k1_ec_pubkey_combine``, about
2.4 µs per call plus 0.2 µs per point). Python-level curve arithmetic is 20-50x slower, so every
algorithm here is written in terms of those two calls, on raw ``secp256k1_pubkey`` structs (each
input point is decompressed once), with the bookkeeping vectorised in numpy:

* small n: one ``tweak_mul`` per distinct point and one ``combine`` (what the naive sum does,
  minus per-point serialisation, re-parsing and object creation);
* large n: Pippenger's bucket method (Bernstein et al., "Faster batch forgery identification",
  INDOCRYPT 2012; Pippenger 1976) with signed digits, where every bucket is one ``combine``
  call, the bucket weighting sum_j j*B_j is done bit by bit (c + 1 calls) and the windows are
  joined by Horner's rule with ``tweak_mul`` by 2^c;
* fixed bases (:class:`FixedBaseTable`): a Lim-Lee comb (Lim and Lee, "More flexible
  exponentiation with precomputation", CRYPTO 1994) with 2^t precomputed points per base, so
  an MSM is ceil(256/t) ``combine`` calls in total, whatever n is.

None of this is constant time: never pass secret scalars (use ``Point.mul_secret``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from coincurve._libsecp256k1 import ffi, lib

from cryptocore.errors import ParameterError
from cryptocore.secp256k1.point import _CTX, _G_ENC, N, Point, _serialize

__all__ = ["FixedBaseTable", "msm", "mul_add_g", "mul_add_g_into", "recovery_params"]

_STRUCT: Final = 64  # sizeof(secp256k1_pubkey)
_PIPPENGER_MIN: Final = 400  # measured crossover (benches/bench_secp256k1.py)

_NpArray = Any  # numpy arrays (numpy's typing of uint64 arithmetic is too loose to help here)


def _addr(ptr: Any) -> int:
    return int(ffi.cast("uintptr_t", ptr))


def _combine_into(out: Any, ptrs: Any, count: int) -> bool:
    """out = sum of ``count`` structs behind the pointer array; False if the sum is infinity.

    libsecp256k1's combine refuses (returns 0) only when the total is the point at infinity.
    Partial sums may pass through infinity (the addition formula is complete), so the only
    failure is a zero total, which the callers treat as "no point".
    """
    return bool(lib.secp256k1_ec_pubkey_combine(_CTX, out, ptrs, count))


def _normalise(
    scalars: Sequence[int], points: Sequence[Point]
) -> tuple[list[int], list[bytes], list[tuple[Point, bool]]]:
    """Validate and merge the terms: identity points and zero scalars drop out, equal points
    (and opposite points, via the even-y representative) are merged by adding scalars.

    Returns the scalars, the even-y encodings and, for each, a source Point whose cached
    libsecp256k1 struct gives the term's point (negated when the flag is set).
    """
    if len(scalars) != len(points):
        raise ParameterError("msm: scalars and points differ in length")
    merged: dict[bytes, int] = {}
    sources: dict[bytes, tuple[Point, bool]] = {}
    for k, p in zip(scalars, points, strict=True):
        if not isinstance(k, int) or isinstance(k, bool):
            raise ParameterError("msm: scalars must be ints")
        if not isinstance(p, Point):
            raise ParameterError("msm: points must be Point instances")
        if p.is_identity:
            continue
        enc = p.to_bytes()
        k %= N
        odd = enc[0] == 3
        if odd:  # -P has the same x; fold it into P's term with the scalar negated
            enc = b"\x02" + enc[1:]
            k = N - k
        merged[enc] = (merged.get(enc, 0) + k) % N
        sources.setdefault(enc, (p, odd))
    ks: list[int] = []
    encs: list[bytes] = []
    srcs: list[tuple[Point, bool]] = []
    for enc, k in merged.items():
        if k:
            ks.append(k)
            encs.append(enc)
            srcs.append(sources[enc])
    return ks, encs, srcs


def _load_all(srcs: Sequence[tuple[Point, bool]], arr: Any) -> None:
    """Copy each term's cached struct (Points decompress once in their life) into ``arr``."""
    for i, (p, negate) in enumerate(srcs):
        ffi.memmove(arr + i, p._struct(), _STRUCT)
        if negate:
            lib.secp256k1_ec_pubkey_negate(_CTX, arr + i)


def _signed_digits(scalars: Sequence[int], c: int, windows: int) -> _NpArray:
    """Signed base-2^c digits in [-2^(c-1), 2^(c-1)) of each scalar, shape (n, windows).

    Adding OFFSET = sum_w 2^(c-1) * 2^(c*w) and reading plain base-2^c digits of k + OFFSET,
    each minus 2^(c-1), is a recoding of k (the offsets cancel). Vectorised with unpackbits.
    """
    offset = sum(1 << (c * w + c - 1) for w in range(windows))
    nbytes = (c * windows + 7) // 8
    raw = b"".join((k + offset).to_bytes(nbytes, "little") for k in scalars)
    bits = np.unpackbits(
        np.frombuffer(raw, dtype=np.uint8).reshape(len(scalars), nbytes), axis=1, bitorder="little"
    )[:, : c * windows]
    weights = (1 << np.arange(c, dtype=np.int64)).astype(np.int64)
    digits = bits.reshape(len(scalars), windows, c).astype(np.int64) @ weights
    return digits - (1 << (c - 1))


def _windows_for(c: int) -> int:
    # k < N < 2^256 must fit: k + OFFSET < 2^(c*windows) holds when c*windows >= 257.
    return -(-257 // c)


class _Buckets:
    """Σ_j j * B_j where B_j is the sum of the struct pointers whose |digit| is j."""

    def __init__(self, c: int) -> None:
        self.c = c
        self.half = 1 << (c - 1)
        self.out = ffi.new(f"secp256k1_pubkey[{self.half + 1}]")
        self.bits = ffi.new(f"secp256k1_pubkey[{c}]")

    def run(self, addrs: _NpArray, digits: _NpArray, extra: Sequence[Any]) -> Any | None:
        """Sum of digit_i * point_i (addrs already point at ±P) plus the ``extra`` structs.

        Returns a new ``secp256k1_pubkey *`` or None for the identity.
        """
        digits = digits.astype(np.uint16)
        order = np.argsort(digits, kind="stable")  # radix sort for small integer keys
        sorted_addrs = np.ascontiguousarray(addrs[order], dtype=np.uint64)
        counts = np.bincount(digits, minlength=self.half + 1).tolist()
        base = ffi.cast("secp256k1_pubkey **", ffi.from_buffer(sorted_addrs))
        bucket: list[Any] = [None] * (self.half + 1)
        pos = counts[0]
        for j in range(1, self.half + 1):
            cnt = counts[j]
            if cnt == 1:
                bucket[j] = ffi.cast("secp256k1_pubkey *", int(sorted_addrs[pos]))
            elif cnt > 1 and _combine_into(self.out + j, base + pos, cnt):
                bucket[j] = self.out + j
            pos += cnt
        # Σ_j j B_j = Σ_b 2^b T_b with T_b = Σ_{j: bit b of j set} B_j (c calls), then one
        # call over T_b repeated 2^b times (2^c - 1 additions).
        final: list[Any] = list(extra)
        for b in range(self.c):
            members = [bucket[j] for j in range(1 << b, self.half + 1) if j >> b & 1 and bucket[j]]
            if not members:
                continue
            if len(members) == 1:
                tb = members[0]
            else:
                arr = ffi.new("secp256k1_pubkey *[]", members)
                if not _combine_into(self.bits + b, arr, len(members)):
                    continue
                tb = self.bits + b
            final += [tb] * (1 << b)
        if not final:
            return None
        res = ffi.new("secp256k1_pubkey *")
        if len(final) == 1:
            ffi.memmove(res, final[0], _STRUCT)
            return res
        arr = ffi.new("secp256k1_pubkey *[]", final)
        if not _combine_into(res, arr, len(final)):
            return None
        return res


def recovery_params(enc: bytes) -> tuple[int, int]:
    """(r, recid) that make R (given by its compressed encoding) an ECDSA recovery input.

    r = x(R) mod n and the recovery id's bit 0 is the parity of y, bit 1 whether x(R) >= n
    (SEC 1 v2, section 4.1.6; libsecp256k1's ``recid``). r = 0 (x(R) = n, a point on the curve)
    is no ECDSA signature: then :func:`mul_add_g_into` cannot be used.
    """
    x = int.from_bytes(enc[1:], "big")
    return x % N, (enc[0] & 1) | (2 if x >= N else 0)


def mul_add_g_into(out: Any, a: int, b: int, r: int, recid: int) -> bool:
    """out = a*G + b*R in ONE libsecp256k1 call (low level: raw ``secp256k1_pubkey *``).

    ``r, recid = recovery_params(R)`` with r != 0, b in [1, n), a in [0, n); public scalars only
    (variable time). ECDSA public-key recovery (SEC 1 v2, section 4.1.6;
    ``secp256k1_ecdsa_recover``) returns Q = r^-1 (s R - e G) for the point R with x(R) = r
    (+ n if recid >= 2) and y parity recid & 1. With s = b r and e = -a r (mod n) that is
    Q = a G + b R, computed by libsecp256k1's two-scalar Strauss multiplication with its
    precomputed G table (~25 µs instead of ~21 + 13 µs for two separate multiplications).
    False when the result is the identity; libsecp256k1 then clears ``out`` (no point).
    """
    sig = ffi.new("secp256k1_ecdsa_recoverable_signature *")
    compact = r.to_bytes(32, "big") + (b * r % N).to_bytes(32, "big")
    if not lib.secp256k1_ecdsa_recoverable_signature_parse_compact(_CTX, sig, compact, recid):
        return False  # pragma: no cover - r, s in [1, n)
    return bool(lib.secp256k1_ecdsa_recover(_CTX, out, sig, (-a * r % N).to_bytes(32, "big")))


def mul_add_g(a: int, b: int, point: Point) -> Point:
    """a*G + b*point for *public* scalars (variable time), in one libsecp256k1 multiplication.

    The shape of every Schnorr verification equation (s*G - e*P). Scalars are reduced mod n;
    zero scalars, the identity point and an identity result are all fine. The rare point with
    x = n (no ECDSA r, see :func:`mul_add_g_into`) takes two separate multiplications.
    Raises ParameterError when a scalar is not an int or ``point`` is not a Point.
    """
    for k in (a, b):
        if not isinstance(k, int) or isinstance(k, bool):
            raise ParameterError("mul_add_g: scalars must be ints")
    if not isinstance(point, Point):
        raise ParameterError("mul_add_g: point must be a Point")
    a %= N
    b %= N
    if b == 0 or point.is_identity:
        return Point.base_mul(a)
    r, recid = recovery_params(point.to_bytes())
    if r == 0:
        return Point.base_mul(a) + point * b
    out = ffi.new("secp256k1_pubkey *")
    if not mul_add_g_into(out, a, b, r, recid):
        return Point.identity()
    return Point(_serialize(out))


def _msm_direct(
    ks: Sequence[int], encs: Sequence[bytes], srcs: Sequence[tuple[Point, bool]]
) -> Point:
    """One multiplication per term on raw structs, then one combine.

    A term on G is folded with another term into one two-scalar multiplication
    (:func:`mul_add_g_into`), or alone uses the generator multiplication (13 µs instead of
    21 µs).
    """
    n = len(ks)
    arr = ffi.new(f"secp256k1_pubkey[{n}]")
    _load_all(srcs, arr)
    todo = list(range(n))  # terms still to multiply
    summed = list(range(n))  # structs in the final sum
    if n >= 2 and _G_ENC in encs:
        gi = encs.index(_G_ENC)
        j = 1 if gi == 0 else 0
        r, recid = recovery_params(encs[j])
        folded = ffi.new("secp256k1_pubkey *")  # slot j stays intact when the fold fails
        if r and mul_add_g_into(folded, ks[gi], ks[j], r, recid):  # k_G G + k_j P_j
            ffi.memmove(arr + j, folded, _STRUCT)
            todo = [i for i in todo if i not in (gi, j)]
            summed = [i for i in summed if i != gi]
    for i in todo:
        if encs[i] == _G_ENC:  # generator multiplication: 13 µs instead of 21 µs
            lib.secp256k1_ec_pubkey_create(_CTX, arr + i, ks[i].to_bytes(32, "big"))
        else:
            lib.secp256k1_ec_pubkey_tweak_mul(_CTX, arr + i, ks[i].to_bytes(32, "big"))
    return _sum_structs(arr, summed)


def _sum_structs(arr: Any, indices: Sequence[int]) -> Point:
    if len(indices) == 1:
        return Point(_serialize(arr + indices[0]))
    ptrs = ffi.new("secp256k1_pubkey *[]", [arr + i for i in indices])
    out = ffi.new("secp256k1_pubkey *")
    if _combine_into(out, ptrs, len(indices)):
        return Point(_serialize(out))
    return Point.identity()


def _window_size(n: int) -> int:
    # Cost per window ~ 2^(c-1) calls (2.4 µs) + n additions (0.2 µs); Horner ~ 5 µs/window.
    best, best_cost = 2, float("inf")
    for c in range(2, 11):
        w = _windows_for(c)
        cost = w * ((1 << (c - 1)) * 2.4 + n * 0.2 + c * 2.4 + 5.0)
        if cost < best_cost:
            best, best_cost = c, cost
    return best


def _msm_pippenger(
    ks: Sequence[int],
    encs: Sequence[bytes],
    srcs: Sequence[tuple[Point, bool]],
    c: int | None = None,
) -> Point:
    n = len(ks)
    c = c or _window_size(n)
    windows = _windows_for(c)
    arr = ffi.new(f"secp256k1_pubkey[{2 * n}]")  # P_i then -P_i
    _load_all(srcs, arr)
    ffi.memmove(arr + n, arr, n * _STRUCT)
    for i in range(n, 2 * n):
        lib.secp256k1_ec_pubkey_negate(_CTX, arr + i)
    pos = _addr(arr) + _STRUCT * np.arange(n, dtype=np.uint64)
    neg = pos + np.uint64(n * _STRUCT)
    digits = _signed_digits(ks, c, windows)
    buckets = _Buckets(c)
    shift = (1 << c).to_bytes(32, "big")
    acc: Any | None = None
    for w in range(windows - 1, -1, -1):  # Horner: acc = 2^c acc + window sum
        if acc is not None:
            lib.secp256k1_ec_pubkey_tweak_mul(_CTX, acc, shift)
        col = digits[:, w]
        nz = col != 0
        addrs = np.where(col[nz] < 0, neg[nz], pos[nz])
        acc = buckets.run(addrs, np.abs(col[nz]), [acc] if acc is not None else [])
    return Point.identity() if acc is None else Point(_serialize(acc))


def msm(scalars: Sequence[int], points: Sequence[Point]) -> Point:
    """sum(k_i * P_i) for *public* scalars (variable time).

    Identity points, zero scalars, repeated and opposite points and n = 0 are all fine; the
    result may be the identity. Raises ParameterError when the lengths differ or an element
    has the wrong type.
    """
    ks, encs, srcs = _normalise(scalars, points)
    if not ks:
        return Point.identity()
    if len(ks) < _PIPPENGER_MIN:
        return _msm_direct(ks, encs, srcs)
    return _msm_pippenger(ks, encs, srcs)


class FixedBaseTable:
    """Precomputed multiples of fixed bases for fast repeated MSMs: ``table.msm(scalars)``.

    Lim-Lee comb (Lim and Lee, "More flexible exponentiation with precomputation",
    CRYPTO 1994): with ``teeth`` = t and d = ceil(256 / t), each base P_i gets the 2^t points
    T_i[v] = sum_b bit_b(v) * 2^(b d) * P_i. Then k_i P_i = sum_j 2^j T_i[idx_ij] where idx_ij
    gathers bits j, j + d, ..., j + (t-1) d of k_i, and the MSM is Horner's rule over the d
    columns: acc = 2 acc + sum_i T_i[idx_ij] -- ONE libsecp256k1 ``combine`` call per column
    (d calls in all, about n*d point additions).

    Memory: 2^t * 64 bytes per base (16 KiB at the default t = 8). Building costs about
    2^t ``combine`` calls per base (~0.6 ms per base at t = 8). Reuse the table: ring
    members, Feldman commitments, validator keys.
    """

    __slots__ = ("_arr", "_d", "_n", "_t", "points")

    def __init__(self, points: Sequence[Point], teeth: int = 8) -> None:
        if not isinstance(teeth, int) or not 2 <= teeth <= 10:
            raise ParameterError("FixedBaseTable: teeth must be in [2, 10]")
        pts = tuple(points)
        for p in pts:
            if not isinstance(p, Point):
                raise ParameterError("FixedBaseTable: points must be Point instances")
        self.points = pts
        self._t = teeth
        self._d = -(-256 // teeth)
        n = len(pts)
        self._n = n
        size = 1 << teeth
        self._arr = ffi.new(f"secp256k1_pubkey[{max(n * size, 1)}]")
        shift = (1 << self._d).to_bytes(32, "big")
        pair = ffi.new("secp256k1_pubkey *[2]")
        for i, p in enumerate(pts):
            if p.is_identity:  # its row stays zeroed; msm() never reads it
                continue
            row = self._arr + i * size
            if not lib.secp256k1_ec_pubkey_parse(_CTX, row + 1, p.to_bytes(), 33):
                raise ParameterError("FixedBaseTable: invalid point")  # pragma: no cover
            for b in range(1, teeth):  # T[2^b] = 2^d * T[2^(b-1)]
                ffi.memmove(row + (1 << b), row + (1 << (b - 1)), _STRUCT)
                lib.secp256k1_ec_pubkey_tweak_mul(_CTX, row + (1 << b), shift)
            for v in range(3, size):
                low = v & -v
                if low == v:
                    continue
                pair[0] = row + low
                pair[1] = row + (v - low)
                # distinct multiples 2^(bd) P of a prime-order point never cancel
                lib.secp256k1_ec_pubkey_combine(_CTX, row + v, pair, 2)

    def __len__(self) -> int:
        return self._n

    def msm(self, scalars: Sequence[int]) -> Point:
        """sum(k_i * P_i) over the table's bases, for *public* scalars (variable time)."""
        if len(scalars) != self._n:
            raise ParameterError("FixedBaseTable.msm: expected one scalar per base")
        ks = []
        for k, p in zip(scalars, self.points, strict=True):
            if not isinstance(k, int) or isinstance(k, bool):
                raise ParameterError("msm: scalars must be ints")
            ks.append(0 if p.is_identity else k % N)
        n, t, d = self._n, self._t, self._d
        if n == 0:
            return Point.identity()
        raw = b"".join(k.to_bytes(32, "little") for k in ks)
        bits = np.unpackbits(
            np.frombuffer(raw, dtype=np.uint8).reshape(n, 32), axis=1, bitorder="little"
        )
        if t * d > 256:
            bits = np.concatenate([bits, np.zeros((n, t * d - 256), dtype=np.uint8)], axis=1)
        weights = (1 << np.arange(t, dtype=np.int64)).reshape(1, t, 1)
        idx = (bits.reshape(n, t, d).astype(np.int64) * weights).sum(axis=1)  # (n, d)
        rows = np.arange(n, dtype=np.uint64).reshape(n, 1) << np.uint64(t)
        addrs = np.uint64(_addr(self._arr)) + np.uint64(_STRUCT) * (rows + idx.astype(np.uint64))
        # Column j's pointer list: [acc, acc, T_i[idx_ij] for idx_ij != 0], built for all
        # columns at once (nonzero entries first, then a fixed row stride).
        nonzero = idx != 0
        counts = nonzero.sum(axis=0).tolist()
        order = np.argsort(~nonzero, axis=0, kind="stable")
        stride = n + 2
        table = np.empty((d, stride), dtype=np.uint64)
        table[:, 2:] = np.take_along_axis(addrs, order, axis=0).T
        # combine() clears its output first, so the accumulator is double-buffered: step s
        # (column j = d - 1 - s) writes bufs[s % 2] and reads the previous step's buffer.
        bufs = ffi.new("secp256k1_pubkey[2]")
        buf_addr = np.array([_addr(bufs), _addr(bufs + 1)], dtype=np.uint64)
        steps = np.arange(d - 1, -1, -1) % 2  # the step number's parity for column j
        table[:, 0] = table[:, 1] = buf_addr[1 - steps]
        ptrs = ffi.cast("secp256k1_pubkey **", ffi.from_buffer(table))
        have_acc = False
        cur = 0
        for s in range(d):  # Horner over the comb columns: acc = 2 acc + column sum
            j = d - 1 - s
            cnt = counts[j]
            if have_acc:
                have_acc = _combine_into(bufs + (s & 1), ptrs + j * stride, cnt + 2)
            elif cnt:
                have_acc = _combine_into(bufs + (s & 1), ptrs + j * stride + 2, cnt)
            else:
                continue
            cur = s & 1
        acc = bufs + cur
        return Point(_serialize(acc)) if have_acc else Point.identity()
