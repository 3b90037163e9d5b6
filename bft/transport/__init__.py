"""Asyncio TCP transport for :mod:`bft`: length-prefixed frames with a size limit, an
authenticated handshake (secp256k1 identity keys, BIP340 Schnorr signatures over both sides'
fresh nonces) and a MAC with a counter on every frame afterwards.

Handshake (initiator I, responder R; ids are committee node ids, ``nI``/``nR`` 32-byte nonces):

1. I -> R: ``version || id_I || nI``
2. R -> I: ``id_R || nR || sig_R`` with ``sig_R = Schnorr_R(H("resp" || id_I || id_R || nI || nR))``
3. I -> R: ``sig_I = Schnorr_I(H("init" || id_I || id_R || nI || nR))``

Each side checks the other's signature against the identity key configured for that id; an
unknown id or a bad signature closes the connection. Both then derive
``k = SHA-256(ECDH(static keys) || nI || nR)`` and every later frame carries
``HMAC-SHA256(k, direction || counter || payload)`` truncated to 16 bytes, so frames cannot be
injected, replayed or reordered by someone on the path. Frames are not encrypted (the protocol's
messages are public).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import struct
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from coincurve import PrivateKey, PublicKey, PublicKeyXOnly

from cryptocore.errors import EncodingError, InvalidSignature

__all__ = ["MAX_FRAME", "Peer", "Transport", "read_frame", "write_frame"]

MAX_FRAME = 64 * 1024 * 1024
_VERSION = 1
_TAG = 16
_HS_DST = b"litho-bft/v1/handshake/"


async def read_frame(reader: asyncio.StreamReader, limit: int = MAX_FRAME) -> bytes:
    """One length-prefixed frame (4-byte big-endian length); EncodingError above ``limit``."""
    head = await reader.readexactly(4)
    (n,) = struct.unpack(">I", head)
    if n > limit:
        raise EncodingError("frame too long")
    return await reader.readexactly(n)


def write_frame(writer: asyncio.StreamWriter, data: bytes) -> None:
    if len(data) > MAX_FRAME:
        raise EncodingError("frame too long")
    writer.write(struct.pack(">I", len(data)) + data)


def _transcript(kind: bytes, id_i: int, id_r: int, n_i: bytes, n_r: bytes) -> bytes:
    return hashlib.sha256(_HS_DST + kind + struct.pack(">II", id_i, id_r) + n_i + n_r).digest()


@dataclass(frozen=True, slots=True)
class Peer:
    node_id: int
    host: str
    port: int
    identity: bytes  # 33-byte compressed secp256k1 public key


class _Channel:
    """MAC state of one authenticated connection direction."""

    def __init__(self, key: bytes, direction: bytes) -> None:
        self.key = key
        self.direction = direction
        self.counter = 0

    def seal(self, data: bytes) -> bytes:
        tag = hmac.new(
            self.key, self.direction + struct.pack(">Q", self.counter) + data, hashlib.sha256
        ).digest()[:_TAG]
        self.counter += 1
        return data + tag

    def open(self, frame: bytes) -> bytes:
        if len(frame) < _TAG:
            raise InvalidSignature()
        data, tag = frame[:-_TAG], frame[-_TAG:]
        good = hmac.new(
            self.key, self.direction + struct.pack(">Q", self.counter) + data, hashlib.sha256
        ).digest()[:_TAG]
        if not hmac.compare_digest(good, tag):
            raise InvalidSignature()
        self.counter += 1
        return data


Handler = Callable[[int, bytes], Awaitable[None] | None]


class Transport:
    """Authenticated point-to-point links to every peer; ``on_message(sender, data)`` for input."""

    def __init__(
        self,
        node_id: int,
        identity: PrivateKey,
        peers: Mapping[int, Peer],
        on_message: Callable[[int, bytes], None],
        *,
        max_frame: int = MAX_FRAME,
        queue_limit: int = 10_000,
    ) -> None:
        self.id = node_id
        self._key = identity
        self.peers = dict(peers)
        self._on_message = on_message
        self.max_frame = max_frame
        self._queues: dict[int, asyncio.Queue[bytes]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._server: asyncio.Server | None = None
        self.dropped_frames = 0
        self.rejected_peers = 0
        self._queue_limit = queue_limit

    # ------------------------------------------------------------------------------------
    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._accept, host, port)
        for pid in self.peers:
            if pid == self.id:
                continue
            self._queues[pid] = asyncio.Queue(self._queue_limit)
            self._tasks.append(asyncio.create_task(self._dial(pid)))

    async def close(self) -> None:
        for t in self._tasks:
            t.cancel()
        if self._server is not None:
            self._server.close()

    def send(self, to: int | None, data: bytes) -> None:
        """Queue ``data`` for ``to`` (``None``: every peer). Full queues drop the oldest frame."""
        targets = list(self._queues) if to is None else [to]
        for pid in targets:
            q = self._queues.get(pid)
            if q is None:
                continue
            if q.full():
                q.get_nowait()
                self.dropped_frames += 1
            q.put_nowait(data)

    # ------------------------------------------------------------------------------------
    def _shared(self, peer: Peer, n_i: bytes, n_r: bytes) -> bytes:
        dh = self._key.ecdh(peer.identity)
        return hashlib.sha256(b"litho-bft/v1/session" + dh + n_i + n_r).digest()

    def _sign(self, msg: bytes) -> bytes:
        return bytes(self._key.sign_schnorr(msg))

    @staticmethod
    def _verify(peer: Peer, msg: bytes, sig: bytes) -> None:
        xonly = PublicKeyXOnly(PublicKey(peer.identity).format()[1:])
        if len(sig) != 64 or not xonly.verify(sig, msg):
            raise InvalidSignature()

    async def _dial(self, pid: int) -> None:
        peer = self.peers[pid]
        q = self._queues[pid]
        delay = 0.05
        pending: bytes | None = None
        while True:
            try:
                reader, writer = await asyncio.open_connection(peer.host, peer.port)
            except OSError:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            try:
                n_i = os.urandom(32)
                write_frame(writer, struct.pack(">BI", _VERSION, self.id) + n_i)
                resp = await asyncio.wait_for(read_frame(reader, 1024), 5)
                if len(resp) != 4 + 32 + 64:
                    raise EncodingError("handshake: bad response")
                (rid,) = struct.unpack(">I", resp[:4])
                n_r, sig_r = resp[4:36], resp[36:]
                if rid != pid:
                    raise InvalidSignature()
                self._verify(peer, _transcript(b"resp", self.id, pid, n_i, n_r), sig_r)
                write_frame(writer, self._sign(_transcript(b"init", self.id, pid, n_i, n_r)))
                chan = _Channel(self._shared(peer, n_i, n_r), b"I")
                delay = 0.05
                while True:
                    if pending is None:
                        pending = await q.get()
                    if reader.at_eof() or writer.is_closing():
                        # the peer closed the link: reconnect, then send ``pending``
                        raise ConnectionResetError("peer closed the link")
                    write_frame(writer, chan.seal(pending))
                    pending = None
                    if q.empty():
                        await writer.drain()
            except (
                TimeoutError,
                OSError,
                asyncio.IncompleteReadError,
                EncodingError,
                InvalidSignature,
            ):
                self.rejected_peers += 1
                writer.close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            hello = await asyncio.wait_for(read_frame(reader, 1024), 5)
            if len(hello) != 5 + 32 or hello[0] != _VERSION:
                raise EncodingError("handshake: bad hello")
            (iid,) = struct.unpack(">I", hello[1:5])
            peer = self.peers.get(iid)
            if peer is None or iid == self.id:
                raise InvalidSignature()
            n_i, n_r = hello[5:], os.urandom(32)
            sig = self._sign(_transcript(b"resp", iid, self.id, n_i, n_r))
            write_frame(writer, struct.pack(">I", self.id) + n_r + sig)
            await writer.drain()
            sig_i = await asyncio.wait_for(read_frame(reader, 1024), 5)
            self._verify(peer, _transcript(b"init", iid, self.id, n_i, n_r), sig_i)
            chan = _Channel(self._shared(peer, n_i, n_r), b"I")
            while True:
                frame = await read_frame(reader, self.max_frame + _TAG)
                self._on_message(iid, chan.open(frame))
        except (
            TimeoutError,
            OSError,
            asyncio.IncompleteReadError,
            EncodingError,
            InvalidSignature,
        ):
            self.rejected_peers += 1
        finally:
            writer.close()
