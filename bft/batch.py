"""Block payloads: opaque batches of transactions (``count || (len || tx)*``).

Validators order batches; they never execute the transactions (lazy execution, as the project's
design notes ask).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptocore.encoding import as_bytes
from cryptocore.errors import EncodingError

from .types import MAX_PAYLOAD

__all__ = ["MAX_TX", "count_batch", "decode_batch", "encode_batch"]

MAX_TX = 1024 * 1024


def encode_batch(txs: Sequence[bytes]) -> bytes:
    if not txs:
        return b""
    parts = [len(txs).to_bytes(4, "big")]
    for tx in txs:
        parts.append(len(tx).to_bytes(4, "big"))
        parts.append(tx)
    return b"".join(parts)


def _walk(payload: bytes, keep: bool) -> tuple[int, list[bytes]]:
    if len(payload) > MAX_PAYLOAD:
        raise EncodingError("batch too long")
    if len(payload) < 4:
        raise EncodingError("batch: truncated")
    n = int.from_bytes(payload[:4], "big")
    if n == 0 or n * 4 > len(payload) - 4:
        raise EncodingError("batch: bad count")
    off, end = 4, len(payload)
    out: list[bytes] = []
    for _ in range(n):
        if off + 4 > end:
            raise EncodingError("batch: truncated")
        ln = int.from_bytes(payload[off : off + 4], "big")
        off += 4
        if ln > MAX_TX or off + ln > end:
            raise EncodingError("batch: bad transaction length")
        if keep:
            out.append(payload[off : off + ln])
        off += ln
    if off != end:
        raise EncodingError("batch: trailing bytes")
    return n, out


def count_batch(payload: bytes) -> int:
    """Number of transactions in a payload, checking its structure."""
    return 0 if not payload else _walk(payload, False)[0]


def decode_batch(payload: bytes) -> list[bytes]:
    """The transactions of a payload (the empty payload is the empty batch)."""
    payload = as_bytes(payload, "batch")
    if not payload:
        return []
    return _walk(payload, True)[1]
