"""Variable-time two-term combinations on secp256k1 for ring-signature rounds (internal).

Only *public* scalars go through this module: verification, and the decoy rounds of signing
(whose responses are published in the signature). Secret multiplications use
``Point.base_mul`` / ``Point.mul_secret`` in :mod:`ringsig.clsag`.

Two operations dominate a CLSAG/bLSAG round (Goodell, Noether, RandomRun 2019, section 3):

* ``L = a·G + b·W`` computed in ONE libsecp256k1 ``secp256k1_ecmult`` call (Strauss-wNAF
  with the precomputed generator table) through public-key recovery:
  :func:`cryptocore.secp256k1.msm.mul_add_g_into` (SEC 1 v2, section 4.1.6, with ``R = W``,
  ``s = b·r`` and ``z = −a·r``; the "ecrecover trick" long used to verify Schnorr signatures
  on Ethereum). :class:`Prepared` keeps W's ``(r, recid)`` so each round only builds the
  signature.
* ``R = a·H + b·V`` for two arbitrary points: two in-place ``secp256k1_ec_pubkey_tweak_mul``
  on cached parsed copies plus one ``secp256k1_ec_pubkey_combine``.

Results are 33-byte compressed encodings; the identity is encoded as 33 zero bytes, which is
what the round hash consumes (SEC 1 would use a single 0x00; a fixed width keeps the hash
input unambiguous). Parsed points are cached by encoding (an LRU), so a ring's keys and their
hash-to-curve images are decompressed once per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from cryptocore.secp256k1 import N, Point
from cryptocore.secp256k1.msm import mul_add_g_into, recovery_params

__all__ = ["IDENTITY_ENC", "Prepared", "add_scaled", "comb2", "g_comb", "prepare"]

_CTX = GLOBAL_CONTEXT.ctx
_COMPRESSED: Final = lib.SECP256K1_EC_COMPRESSED
IDENTITY_ENC: Final = bytes(33)
_CACHE_SIZE: Final = 1 << 16


class Prepared:
    """A public point decompressed once: its libsecp256k1 struct and ECDSA-recovery data."""

    __slots__ = ("enc", "pk", "r", "recid")
    pk: Any  # cffi ``secp256k1_pubkey *`` or None for the identity

    def __init__(self, enc: bytes, pk: Any = None) -> None:
        self.enc = enc
        if enc == IDENTITY_ENC:
            self.pk = None
            self.r = 0
            self.recid = -1
            return
        if pk is None:  # parse (decompress) unless the caller already has the struct
            pk = ffi.new("secp256k1_pubkey *")
            if not lib.secp256k1_ec_pubkey_parse(_CTX, pk, enc, 33):  # pragma: no cover
                raise ValueError("not a point")  # callers validate with Point.from_bytes first
        self.pk = pk
        self.r, self.recid = recovery_params(enc)  # r = 0 when x = n (no recovery)


@lru_cache(maxsize=_CACHE_SIZE)
def prepare(enc: bytes) -> Prepared:
    """Prepared form of a canonical 33-byte encoding (or IDENTITY_ENC). Cached."""
    return Prepared(enc)


def _serialize(pk: object) -> bytes:
    out = ffi.new("unsigned char[33]")
    outlen = ffi.new("size_t *", 33)
    lib.secp256k1_ec_pubkey_serialize(_CTX, out, outlen, pk, _COMPRESSED)
    return bytes(ffi.buffer(out, 33))


def _mul(a: int, q: Prepared) -> bytes:
    if a == 0 or q.pk is None:
        return IDENTITY_ENC
    pk = ffi.new("secp256k1_pubkey *", q.pk[0])
    lib.secp256k1_ec_pubkey_tweak_mul(_CTX, pk, a.to_bytes(32, "big"))
    return _serialize(pk)


def _base(a: int) -> bytes:
    return IDENTITY_ENC if a == 0 else Point.base_mul(a).to_bytes()


def g_comb(a: int, b: int, q: Prepared) -> bytes:
    """a·G + b·Q for public scalars, in one libsecp256k1 multiplication (see module doc)."""
    a %= N
    b %= N
    if b == 0 or q.pk is None:
        return _base(a)
    if not q.r:  # x(Q) ≡ 0 (mod n): unreachable for real points; generic path
        return _add(_base(a), _mul(b, q))  # pragma: no cover
    pk = ffi.new("secp256k1_pubkey *")
    if not mul_add_g_into(pk, a, b, q.r, q.recid):
        return IDENTITY_ENC  # the combination is the point at infinity
    return _serialize(pk)


def _add(e1: bytes, e2: bytes) -> bytes:
    if e1 == IDENTITY_ENC:
        return e2
    if e2 == IDENTITY_ENC:
        return e1
    s = Point.sum((Point.from_bytes(e1), Point.from_bytes(e2)))
    return IDENTITY_ENC if s.is_identity else s.to_bytes()


def comb2(a: int, p: Prepared, b: int, q: Prepared) -> bytes:
    """a·P + b·Q for public scalars: two tweak_mul on cached copies and one combine."""
    a %= N
    b %= N
    if a == 0 or p.pk is None:
        return _mul(b, q)
    if b == 0 or q.pk is None:
        return _mul(a, p)
    pk1 = ffi.new("secp256k1_pubkey *", p.pk[0])
    lib.secp256k1_ec_pubkey_tweak_mul(_CTX, pk1, a.to_bytes(32, "big"))
    pk2 = ffi.new("secp256k1_pubkey *", q.pk[0])
    lib.secp256k1_ec_pubkey_tweak_mul(_CTX, pk2, b.to_bytes(32, "big"))
    out = ffi.new("secp256k1_pubkey *")
    arr = ffi.new("secp256k1_pubkey *[]", [pk1, pk2])
    if not lib.secp256k1_ec_pubkey_combine(_CTX, out, arr, 2):
        return IDENTITY_ENC  # a·P = −b·Q
    return _serialize(out)


def add_scaled(p: Prepared, k: int, c: Prepared, t: Prepared) -> Prepared:
    """P + k·C + T for a public scalar k: one tweak_mul and one combine (not cached)."""
    k %= N
    parts = [x.pk for x in (p, t) if x.pk is not None]
    if k != 0 and c.pk is not None:
        kc = ffi.new("secp256k1_pubkey *", c.pk[0])
        lib.secp256k1_ec_pubkey_tweak_mul(_CTX, kc, k.to_bytes(32, "big"))
        parts.append(kc)
    if not parts:
        return Prepared(IDENTITY_ENC)
    out = ffi.new("secp256k1_pubkey *")
    arr = ffi.new("secp256k1_pubkey *[]", parts)
    if not lib.secp256k1_ec_pubkey_combine(_CTX, out, arr, len(parts)):
        return Prepared(IDENTITY_ENC)  # combine fails only when the total is the identity
    return Prepared(_serialize(out), out)
