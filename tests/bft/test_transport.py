"""Authenticated TCP transport: known peers talk; impostors and oversize frames are dropped."""

from __future__ import annotations

import asyncio
import socket

from coincurve import PrivateKey

from bft.transport import Peer, Transport


def _ports(n: int) -> list[int]:
    out = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        out.append(s.getsockname()[1])
        s.close()
    return out


async def _scenario() -> tuple[list[tuple[int, bytes]], list[tuple[int, bytes]], Transport]:
    keys = {0: PrivateKey(), 1: PrivateKey()}
    ports = _ports(2)
    peers = {i: Peer(i, "127.0.0.1", ports[i], keys[i].public_key.format()) for i in (0, 1)}
    got0: list[tuple[int, bytes]] = []
    got1: list[tuple[int, bytes]] = []
    t0 = Transport(0, keys[0], peers, lambda s, d: got0.append((s, d)), max_frame=1000)
    t1 = Transport(1, keys[1], peers, lambda s, d: got1.append((s, d)), max_frame=1000)
    await t0.start("127.0.0.1", ports[0])
    await t1.start("127.0.0.1", ports[1])
    # an impostor claims to be node 1 with another key
    fake_peers = dict(peers)
    fake_peers[1] = Peer(1, "127.0.0.1", ports[1], PrivateKey().public_key.format())
    fake = Transport(1, PrivateKey(), {0: peers[0], 1: fake_peers[1]}, lambda s, d: None)
    await fake.start("127.0.0.1", _ports(1)[0])
    fake.send(0, b"forged")
    t0.send(1, b"hello from 0")
    t1.send(None, b"hello from 1")
    t0.send(1, b"x" * 5000)  # above the receiver's frame limit: the link is dropped
    await asyncio.sleep(1.0)
    t0.send(1, b"after reconnect")
    await asyncio.sleep(1.5)
    for t in (t0, t1, fake):
        await t.close()
    return got0, got1, t1


def test_transport_authenticates_and_limits() -> None:
    got0, got1, t1 = asyncio.run(_scenario())
    assert (1, b"hello from 1") in got0
    assert (0, b"forged") not in got0 and all(d != b"forged" for _, d in got0)
    assert (0, b"hello from 0") in got1
    assert all(len(d) <= 1000 for _, d in got1)
    assert (0, b"after reconnect") in got1
    assert t1.rejected_peers >= 1
