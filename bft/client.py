"""Client protocol of a :mod:`bft.node` (length-prefixed frames on the node's client port).

Requests (first byte = kind):

* ``0x01 || batch`` — submit transactions (a :func:`bft.batch.encode_batch` batch). The answer
  comes once they are committed: ``0x01 || count (u32) || position (u64)*`` — each
  transaction's position in the committed log (0-based, global, identical at every node).
* ``0x02`` — status; answer ``0x02 || JSON`` (node id, epoch, view, leader, committed height,
  committed transactions).
* ``0x03 || start (u64) || count (u32)`` — committed transactions from position ``start``;
  answer ``0x03 || batch``.

Errors are answered ``0xff || utf-8 reason``. The helpers below are synchronous (one short
connection per call) for scripts and demos; :class:`AsyncClient` keeps a connection open.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Sequence
from typing import Any

from cryptocore.encoding import json_loads
from cryptocore.errors import EncodingError, ProtocolError

from .batch import decode_batch, encode_batch

__all__ = ["AsyncClient", "committed_transactions", "status", "submit", "submit_many"]

MAX_CLIENT_FRAME = 32 * 1024 * 1024


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ProtocolError("connection closed")
        buf += chunk
    return bytes(buf)


def _call(host: str, port: int, request: bytes, timeout: float) -> bytes:
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(struct.pack(">I", len(request)) + request)
        (n,) = struct.unpack(">I", _recv_exact(s, 4))
        if n > MAX_CLIENT_FRAME:
            raise EncodingError("answer too long")
        ans = _recv_exact(s, n)
    if not ans:
        raise EncodingError("empty answer")
    if ans[0] == 0xFF:
        raise ProtocolError(ans[1:].decode(errors="replace"))
    return ans


def _positions(ans: bytes, count: int) -> list[int]:
    if ans[0] != 0x01 or len(ans) != 5 + 8 * count:
        raise EncodingError("bad submit answer")
    (n,) = struct.unpack(">I", ans[1:5])
    if n != count:
        raise EncodingError("bad submit answer")
    return list(struct.unpack(f">{n}Q", ans[5:]))


def submit(host: str, port: int, tx: bytes, *, timeout: float = 30.0) -> int:
    """Submit one transaction and wait until it is committed; returns its log position."""
    return submit_many(host, port, [tx], timeout=timeout)[0]


def submit_many(host: str, port: int, txs: Sequence[bytes], *, timeout: float = 30.0) -> list[int]:
    """Submit transactions (one batch); returns their positions once all are committed."""
    if not txs:
        return []
    ans = _call(host, port, b"\x01" + encode_batch(list(txs)), timeout)
    return _positions(ans, len(txs))


def status(host: str, port: int, *, timeout: float = 5.0) -> dict[str, Any]:
    ans = _call(host, port, b"\x02", timeout)
    if not ans or ans[0] != 0x02:
        raise EncodingError("bad status answer")
    return _status_object(ans[1:])


def _status_object(raw: bytes) -> dict[str, Any]:
    """A node's status answer: bounded JSON (a hostile node cannot exhaust the stack)."""
    out = json_loads(raw, "status answer")
    if not isinstance(out, dict):
        raise EncodingError("status answer: expected a JSON object")
    return out


def committed_transactions(
    host: str, port: int, start: int = 0, count: int = 10_000, *, timeout: float = 10.0
) -> list[bytes]:
    """Committed transactions at positions ``start ..`` (at most ``count``)."""
    ans = _call(host, port, b"\x03" + struct.pack(">QI", start, count), timeout)
    if ans[0] != 0x03:
        raise EncodingError("bad log answer")
    return decode_batch(ans[1:])


class AsyncClient:
    """A persistent asyncio connection to one node's client port (one request at a time)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._r: asyncio.StreamReader | None = None
        self._w: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self._r, self._w = await asyncio.open_connection(self.host, self.port)

    async def _call(self, request: bytes) -> bytes:
        if self._r is None or self._w is None:
            await self.connect()
        assert self._r is not None and self._w is not None
        self._w.write(struct.pack(">I", len(request)) + request)
        await self._w.drain()
        (n,) = struct.unpack(">I", await self._r.readexactly(4))
        if n > MAX_CLIENT_FRAME:
            raise EncodingError("answer too long")
        ans = await self._r.readexactly(n)
        if not ans or ans[0] == 0xFF:
            raise ProtocolError(ans[1:].decode(errors="replace") if ans else "empty answer")
        return ans

    async def submit_many(self, txs: Sequence[bytes]) -> list[int]:
        return _positions(await self._call(b"\x01" + encode_batch(list(txs))), len(txs))

    async def status(self) -> dict[str, Any]:
        return _status_object((await self._call(b"\x02"))[1:])

    async def close(self) -> None:
        if self._w is not None:
            self._w.close()
            self._r = self._w = None
