"""Block payloads: opaque batches of transactions (``count || (len || tx)*``).

Validators order batches; they never execute the transactions (lazy execution, as the project's
design notes ask).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptocore.errors import EncodingError

from .types import MAX_PAYLOAD, Reader, Writer

__all__ = ["MAX_TX", "decode_batch", "encode_batch"]

MAX_TX = 1024 * 1024


def encode_batch(txs: Sequence[bytes]) -> bytes:
    if not txs:
        return b""
    w = Writer().u32(len(txs))
    for tx in txs:
        w.var(tx)
    return w.getvalue()


def decode_batch(payload: bytes) -> list[bytes]:
    """The transactions of a payload (the empty payload is the empty batch)."""
    if not payload:
        return []
    if len(payload) > MAX_PAYLOAD:
        raise EncodingError("batch too long")
    r = Reader(payload, "batch")
    n = r.u32()
    if n == 0 or n * 4 > r.remaining():
        raise EncodingError("batch: bad count")
    out = [r.var(MAX_TX) for _ in range(n)]
    r.done()
    return out
