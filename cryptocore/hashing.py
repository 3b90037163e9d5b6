"""Hashing primitives: RFC 9380 expand_message_xmd and hash_to_field, BIP340 tagged hashes.

Curve-specific hash-to-curve lives with each curve (``cryptocore.secp256k1.hash_to_curve``,
``cryptocore.bls12_381.hash_to_g2``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

from cryptocore.errors import ParameterError

__all__ = [
    "expand_message_xmd",
    "hash_to_field",
    "hash_to_scalar",
    "keccak256",
    "tagged_hash",
]


@lru_cache(maxsize=8)
def _hash_constructor(hash_name: str) -> Callable[..., hashlib._Hash]:
    """hashlib's direct constructor (faster than hashlib.new per call)."""
    ctor = getattr(hashlib, hash_name, None) if isinstance(hash_name, str) else None
    if ctor is None or hash_name not in hashlib.algorithms_guaranteed:
        raise ParameterError(f"unknown hash {hash_name!r}")
    # RFC 9380 section 5.3.1: a fixed-length hash with b >= 2k (k = 128 here); this rules out
    # md5 and sha1 (b = 128 and 160 bits) and the SHAKE XOFs (no fixed digest size).
    if ctor().digest_size < 32:
        raise ParameterError(f"hash {hash_name!r} is unsuitable for expand_message_xmd")
    return ctor  # type: ignore[no-any-return]


def _check_int(value: object, lowest: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise ParameterError(f"{what} must be an integer >= {lowest}")
    return value


def _as_bytes(value: bytes, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ParameterError(f"{what}: expected bytes, got {type(value).__name__}")
    return bytes(value)


def expand_message_xmd(msg: bytes, dst: bytes, length: int, hash_name: str = "sha256") -> bytes:
    """RFC 9380 section 5.3.1 expand_message_xmd.

    ``hash_name`` is a hashlib name of a Merkle-Damgard hash (sha256, sha512).
    DSTs longer than 255 bytes are first hashed (section 5.3.3).
    """
    msg = _as_bytes(msg, "msg")
    dst = _as_bytes(dst, "dst")
    if not dst:
        raise ParameterError("dst must not be empty (RFC 9380 section 3.1)")
    _check_int(length, 1, "expand_message_xmd: length")
    hf = _hash_constructor(hash_name)
    h = hf()
    b_in_bytes = h.digest_size
    s_in_bytes = h.block_size
    if len(dst) > 255:  # 5.3.3: DST = H("H2C-OVERSIZE-DST-" || a_very_long_DST)
        dst = hf(b"H2C-OVERSIZE-DST-" + dst).digest()
    ell = -(-length // b_in_bytes)
    if ell > 255 or length > 65535 or length <= 0:
        raise ParameterError("expand_message_xmd: requested length out of range")
    dst_prime = dst + len(dst).to_bytes(1, "big")
    z_pad = bytes(s_in_bytes)
    l_i_b_str = length.to_bytes(2, "big")
    # steps 6-7: b_0 = H(Z_pad || msg || l_i_b_str || I2OSP(0, 1) || DST_prime)
    b0 = hf(z_pad + msg + l_i_b_str + b"\x00" + dst_prime).digest()
    # step 8: b_1 = H(b_0 || I2OSP(1, 1) || DST_prime)
    bi = hf(b0 + b"\x01" + dst_prime).digest()
    out = [bi]
    b0_int = int.from_bytes(b0, "big")
    # steps 9-10: b_i = H(strxor(b_0, b_(i-1)) || I2OSP(i, 1) || DST_prime)
    for i in range(2, ell + 1):
        x = (b0_int ^ int.from_bytes(bi, "big")).to_bytes(b_in_bytes, "big")
        bi = hf(x + i.to_bytes(1, "big") + dst_prime).digest()
        out.append(bi)
    return b"".join(out)[:length]


def hash_to_field(
    msg: bytes,
    dst: bytes,
    count: int,
    modulus: int,
    degree: int = 1,
    security_bits: int = 128,
    hash_name: str = "sha256",
) -> list[list[int]]:
    """RFC 9380 section 5.2 hash_to_field with expand_message_xmd.

    Returns ``count`` field elements, each a list of ``degree`` integers mod ``modulus``.
    """
    _check_int(modulus, 2, "hash_to_field: modulus")
    _check_int(count, 1, "hash_to_field: count")
    _check_int(degree, 1, "hash_to_field: degree")
    _check_int(security_bits, 1, "hash_to_field: security_bits")
    ell = _l_param(modulus, security_bits)
    uniform = expand_message_xmd(msg, dst, count * degree * ell, hash_name)
    out: list[list[int]] = []
    for i in range(count):
        e = []
        for j in range(degree):
            off = ell * (j + i * degree)
            e.append(int.from_bytes(uniform[off : off + ell], "big") % modulus)
        out.append(e)
    return out


@lru_cache(maxsize=16)
def _l_param(modulus: int, security_bits: int) -> int:
    # L = ceil((ceil(log2(p)) + k) / 8)
    return -(-(modulus.bit_length() + security_bits) // 8)


def hash_to_scalar(msg: bytes, dst: bytes, order: int) -> int:
    """One scalar mod ``order`` by hash_to_field (SHA-256, k = 128)."""
    return hash_to_field(msg, dst, 1, order)[0][0]


@lru_cache(maxsize=64)
def _tag_prefix(tag: bytes) -> bytes:
    t = hashlib.sha256(tag).digest()
    return t + t


def tagged_hash(tag: bytes | str, msg: bytes) -> bytes:
    """BIP340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || msg)."""
    tag_b = tag.encode() if isinstance(tag, str) else _as_bytes(tag, "tag")
    return hashlib.sha256(_tag_prefix(tag_b) + _as_bytes(msg, "msg")).digest()


def keccak256(data: bytes) -> bytes:
    """Keccak-256 (the Ethereum hash, not SHA3-256), from pycryptodome."""
    from Crypto.Hash import keccak

    return keccak.new(digest_bits=256, data=_as_bytes(data, "data")).digest()
