"""Canonical fixed-width encodings shared by every value type."""

from __future__ import annotations

import json
from typing import Any

from cryptocore.errors import EncodingError, ParameterError

__all__ = [
    "as_bytes",
    "decode_scalar",
    "encode_scalar",
    "expect_length",
    "i2osp",
    "json_loads",
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


def _reject_constant(name: str) -> Any:
    raise EncodingError(f"JSON: non-standard constant {name} (RFC 8259 has no NaN or Infinity)")


def json_loads(
    text: str | bytes, what: str, *, max_depth: int = 32, max_length: int = 1 << 20
) -> Any:
    """``json.loads`` for untrusted input: EncodingError for anything but bounded RFC 8259 JSON.

    * longer than ``max_length`` characters, or not UTF-8: EncodingError;
    * nesting deeper than ``max_depth``: EncodingError, checked *before* parsing. CPython's JSON
      scanner recurses once per level; with the default recursion limit a deep document raises
      RecursionError, and with a raised limit (py_ecc sets 100000 when it is imported) it
      overflows the C stack and kills the process;
    * ``NaN``, ``Infinity``, ``-Infinity`` (which ``json.loads`` accepts): EncodingError.
    """
    if isinstance(text, bytes | bytearray | memoryview):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise EncodingError(f"{what}: not UTF-8") from None
    if not isinstance(text, str):
        raise EncodingError(f"{what}: expected a JSON string, got {type(text).__name__}")
    if len(text) > max_length:
        raise EncodingError(f"{what}: longer than {max_length} characters")
    if text.count("[") + text.count("{") > max_depth:  # only then can the depth exceed it
        depth, in_string, escaped = 0, False, False
        for ch in text:
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch in "[{":
                depth += 1
                if depth > max_depth:
                    raise EncodingError(f"{what}: JSON nested deeper than {max_depth}")
            elif ch in "]}":
                depth -= 1
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except EncodingError:
        raise
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise EncodingError(f"{what}: malformed JSON") from None
