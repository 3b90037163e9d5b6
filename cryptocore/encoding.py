"""Canonical fixed-width encodings shared by every value type."""

from __future__ import annotations

from cryptocore.errors import EncodingError, ParameterError

__all__ = [
    "as_bytes",
    "decode_scalar",
    "encode_scalar",
    "expect_length",
    "i2osp",
    "os2ip",
    "read_exact",
]


def i2osp(value: int, length: int) -> bytes:
    """Integer to big-endian octet string of exactly ``length`` bytes (RFC 8017 I2OSP)."""
    if value < 0 or value >= 1 << (8 * length):
        raise ParameterError(f"integer does not fit in {length} bytes")
    return value.to_bytes(length, "big")


def os2ip(data: bytes) -> int:
    """Big-endian octet string to integer (RFC 8017 OS2IP)."""
    return int.from_bytes(data, "big")


def as_bytes(data: object, what: str) -> bytes:
    """``data`` as immutable bytes; EncodingError unless it is bytes-like.

    Decoders call this instead of ``bytes(data)``, which would turn an int into that many zero
    bytes (or raise TypeError / MemoryError) instead of rejecting the input.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EncodingError(f"{what}: expected bytes, got {type(data).__name__}")
    return bytes(data)


def expect_length(data: bytes, length: int, what: str) -> bytes:
    """Return ``data`` as bytes if it has exactly ``length`` bytes, else raise EncodingError."""
    data = as_bytes(data, what)
    if len(data) != length:
        raise EncodingError(f"{what}: expected {length} bytes, got {len(data)}")
    return data


def encode_scalar(value: int, order: int, length: int = 32) -> bytes:
    """Canonical big-endian encoding of a scalar in [0, order)."""
    if not 0 <= value < order:
        raise ParameterError("scalar out of range")
    return value.to_bytes(length, "big")


def decode_scalar(
    data: bytes, order: int, length: int = 32, *, what: str = "scalar", nonzero: bool = False
) -> int:
    """Decode a canonical scalar; reject values >= order (and zero when ``nonzero``)."""
    v = int.from_bytes(expect_length(data, length, what), "big")
    if v >= order:
        raise EncodingError(f"{what}: not below the group order")
    if nonzero and v == 0:
        raise EncodingError(f"{what}: zero is not allowed")
    return v


def read_exact(data: bytes, offset: int, length: int, what: str) -> tuple[bytes, int]:
    """Slice ``length`` bytes at ``offset``; raise EncodingError when the input is too short."""
    end = offset + length
    if length < 0 or end > len(data):
        raise EncodingError(f"{what}: truncated input")
    return data[offset:end], end
