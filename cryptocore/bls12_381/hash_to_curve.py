"""RFC 9380 hashing to BLS12-381 G1 and G2 (suites BLS12381G1/G2_XMD:SHA-256_SSWU_RO_ / _NU_).

* :func:`hash_to_g1`, :func:`hash_to_g2`: ``hash_to_curve`` (RFC 9380 section 3, random oracle:
  two field elements, two SSWU maps through the 11- / 3-isogeny, add, clear the cofactor;
  suites in sections 8.8.1 and 8.8.2).
* :func:`encode_to_g1`, :func:`encode_to_g2`: ``encode_to_curve`` (nonuniform, one field
  element). The field element is computed here with :func:`cryptocore.hashing.hash_to_field`
  and mapped by the backend (arkworks ``map_from_fp(2)``, also used by the blst backend; py_ecc
  ``map_to_curve`` and ``clear_cofactor``).
"""

from __future__ import annotations

import hashlib

from cryptocore.bls12_381.backend import FIELD_MODULUS, Backend, get_backend
from cryptocore.bls12_381.point import G1Point, G2Point
from cryptocore.errors import ParameterError
from cryptocore.hashing import hash_to_field

__all__ = ["encode_to_g1", "encode_to_g2", "hash_to_g1", "hash_to_g2"]


def _check(msg: bytes, dst: bytes) -> tuple[bytes, bytes]:
    if not isinstance(msg, bytes | bytearray | memoryview):
        raise ParameterError("msg: expected bytes")
    if not isinstance(dst, bytes | bytearray | memoryview):
        raise ParameterError("dst: expected bytes")
    msg, dst = bytes(msg), bytes(dst)
    if not dst:
        raise ParameterError("dst must not be empty (RFC 9380 section 3.1)")
    if len(dst) > 255:
        # RFC 9380 section 5.3.3: DST = H("H2C-OVERSIZE-DST-" || a_very_long_DST)
        dst = hashlib.sha256(b"H2C-OVERSIZE-DST-" + dst).digest()
    return msg, dst


def hash_to_g1(msg: bytes, dst: bytes, *, backend: Backend | str | None = None) -> G1Point:
    """BLS12381G1_XMD:SHA-256_SSWU_RO_ hash_to_curve(msg) with domain separation tag ``dst``."""
    msg, dst = _check(msg, dst)
    b = get_backend(backend)
    return G1Point(b, b.g1.hash_to_curve(msg, dst))


def hash_to_g2(msg: bytes, dst: bytes, *, backend: Backend | str | None = None) -> G2Point:
    """BLS12381G2_XMD:SHA-256_SSWU_RO_ hash_to_curve(msg) with domain separation tag ``dst``."""
    msg, dst = _check(msg, dst)
    b = get_backend(backend)
    return G2Point(b, b.g2.hash_to_curve(msg, dst))


def encode_to_g1(msg: bytes, dst: bytes, *, backend: Backend | str | None = None) -> G1Point:
    """BLS12381G1_XMD:SHA-256_SSWU_NU_ encode_to_curve (not a random oracle; RFC 9380 s. 3)."""
    msg, dst = _check(msg, dst)
    b = get_backend(backend)
    u = hash_to_field(msg, dst, 1, FIELD_MODULUS, degree=1)[0]
    return G1Point(b, b.g1.encode_from_field(u))


def encode_to_g2(msg: bytes, dst: bytes, *, backend: Backend | str | None = None) -> G2Point:
    """BLS12381G2_XMD:SHA-256_SSWU_NU_ encode_to_curve (not a random oracle; RFC 9380 s. 3)."""
    msg, dst = _check(msg, dst)
    b = get_backend(backend)
    u = hash_to_field(msg, dst, 1, FIELD_MODULUS, degree=2)[0]
    return G2Point(b, b.g2.encode_from_field(u))
