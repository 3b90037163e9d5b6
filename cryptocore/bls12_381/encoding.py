"""Strict checks of the ZCash compressed encoding of BLS12-381 points.

The format (draft-irtf-cfrg-pairing-friendly-curves-11 Appendix C; ZCash "BLS12-381
serialization"; draft-irtf-cfrg-bls-signature-05 section 1.3 uses it for keys and signatures):

* G1: 48 bytes, the big-endian x coordinate; G2: 96 bytes, x.c1 (imaginary part) then x.c0.
* The three most significant bits of the first byte are flags: C (bit 7, compressed: must be 1),
  I (bit 6, infinity), S (bit 5, sign of y: the larger of y and -y).
* Infinity: C = 1, I = 1, S = 0 and every other bit zero (exactly ``c0 00 .. 00``).
* Otherwise I = 0 and each coordinate, flags masked, must be below p.

This module checks only the bytes; on-curve and subgroup checks are the backend's
(:mod:`cryptocore.bls12_381.backend`).
"""

from __future__ import annotations

from typing import Final

from cryptocore.bls12_381.backend import FIELD_MODULUS
from cryptocore.errors import EncodingError

__all__ = ["G1_LENGTH", "G2_LENGTH", "check_compressed", "infinity_encoding"]

G1_LENGTH: Final = 48
G2_LENGTH: Final = 96
_C_FLAG: Final = 0x80
_I_FLAG: Final = 0x40
_S_FLAG: Final = 0x20
_MASK_381: Final = (1 << 381) - 1


def infinity_encoding(length: int) -> bytes:
    """The canonical encoding of the point at infinity (``0xc0`` then zeros)."""
    return bytes([_C_FLAG | _I_FLAG]) + bytes(length - 1)


def check_compressed(data: object, length: int, what: str) -> tuple[bytes, bool]:
    """Check length, flag bits and coordinate ranges. Returns (bytes, is_infinity).

    Raises :class:`EncodingError` on any deviation from the canonical compressed encoding.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EncodingError(f"{what}: expected bytes, got {type(data).__name__}")
    raw = bytes(data)
    if len(raw) != length:
        raise EncodingError(f"{what}: expected {length} bytes, got {len(raw)}")
    flags = raw[0]
    if not flags & _C_FLAG:
        raise EncodingError(f"{what}: compression flag not set (uncompressed form unsupported)")
    if flags & _I_FLAG:
        if flags & _S_FLAG or flags & 0x1F or any(raw[1:]):
            raise EncodingError(f"{what}: non-canonical encoding of the point at infinity")
        return raw, True
    # Each 48-byte coordinate below p. Only the first carries flags; the second (G2's x.c0)
    # must be < p < 2^381, which also rejects flag bits there.
    if int.from_bytes(raw[:48], "big") & _MASK_381 >= FIELD_MODULUS:
        raise EncodingError(f"{what}: coordinate not below the field prime")
    if length == G2_LENGTH and int.from_bytes(raw[48:], "big") >= FIELD_MODULUS:
        raise EncodingError(f"{what}: coordinate not below the field prime")
    return raw, False
