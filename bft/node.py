"""A validator process: the sans-IO :class:`bft.replica.Replica` driven by asyncio.

Run one with ``python -m bft.node --config FILE``. The JSON config holds::

    {"node_id": 0, "host": "127.0.0.1", "port": 7000, "client_port": 7100,
     "data_dir": "/path", "identity_key": "<32-byte secp256k1 secret, hex>",
     "peers": [{"node_id": 1, "host": "127.0.0.1", "port": 7001, "identity": "<33-byte hex>"}],
     "epochs": [{"epoch": 0, "weights": {"0": 1, "1": 1}, "last_height": null,
                 "public_key_package": "<hex>", "key_packages": ["<hex>", ...]}],
     "base_timeout": 1.0, "max_timeout": 10.0, "max_block_txs": 4000, "fsync": true,
     "idle_wait": 0.25, "dkg_window": null}

An epoch entry with ``"dkg": true`` and no key packages (``{"epoch": 1, "weights": {...},
"last_height": 2000, "dkg": true}``) gets its quorum key from a DKG that the members run over
the chain during the previous epoch (:mod:`bft.keygen`; ``dkg_window``: blocks before the
previous epoch's last block at which it starts, default the minimum for the committee size).

``idle_wait`` (seconds, below ``base_timeout``; default 0): how long a leader with nothing to
order and nothing left to commit holds its empty block back (it proposes at once when
transactions arrive).

The config contains secrets (identity key, key packages): keep it readable by the node only
(the cluster runner writes it with mode 0600).

The driver decodes frames from the authenticated :class:`bft.transport.Transport`, feeds the
replica, sends its outbox, answers clients (:mod:`bft.client`) once their transactions are
committed, and re-arms one timer at :meth:`Replica.next_deadline`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import struct
import sys
from collections import defaultdict, deque
from typing import Any

from coincurve import PrivateKey

from cryptocore.errors import CryptoError, EncodingError

from .batch import decode_batch, encode_batch
from .client import MAX_CLIENT_FRAME
from .crypto import ThresholdBLS
from .keygen import EpochKeyGen
from .replica import Committed, EpochChanged, EpochConfig, Replica, ViewChanged
from .store import SqliteStore
from .transport import Peer, Transport
from .types import Committee

__all__ = ["Node", "load_config", "main"]

_FORWARD = b"\x01\x10"  # version 1, kind 0x10: a batch for the next leader (not a protocol msg)
_FORWARD_AGAIN = b"\x01\x11"  # the same, passed on once by a leader whose turn was over
_MEMPOOL_LIMIT = 500_000


def load_config(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        cfg: dict[str, Any] = json.load(f)
    return cfg


def _committee(e: dict[str, Any]) -> Committee:
    return Committee(
        epoch=int(e["epoch"]),
        weights={int(k): int(v) for k, v in e["weights"].items()},
        last_height=e.get("last_height"),
    )


def _epochs(cfg: dict[str, Any]) -> list[EpochConfig]:
    from mdkm.keys import KeyPackage, PublicKeyPackage

    out = []
    for e in cfg["epochs"]:
        if e.get("dkg"):
            continue  # key from the chain DKG (bft.keygen)
        com = _committee(e)
        pkp = PublicKeyPackage.from_bytes(bytes.fromhex(e["public_key_package"]))
        kps = [KeyPackage.from_bytes(bytes.fromhex(h)) for h in e.get("key_packages", [])]
        out.append(EpochConfig(committee=com, crypto=ThresholdBLS(com, pkp, kps)))
    return out


class Node:
    """One validator: replica + transport + client server."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.id = int(cfg["node_id"])
        os.makedirs(cfg["data_dir"], exist_ok=True)
        self.store = SqliteStore(
            os.path.join(cfg["data_dir"], f"node{self.id}.db"), fsync=bool(cfg.get("fsync", True))
        )
        self.loop = asyncio.get_event_loop()
        self.keygen: EpochKeyGen | None = None
        if any(e.get("dkg") for e in cfg["epochs"]):
            ident = PrivateKey(bytes.fromhex(cfg["identity_key"]))
            identities = {int(p["node_id"]): bytes.fromhex(p["identity"]) for p in cfg["peers"]}
            identities[self.id] = ident.public_key.format()
            self.keygen = EpochKeyGen(
                self.id,
                ident.secret,
                identities,
                [_committee(e) for e in cfg["epochs"]],
                window=cfg.get("dkg_window"),
            )
            self.keygen.replay_store(self.store)  # after a restart: rebuild the DKG state
        self.replica = Replica(
            self.id,
            _epochs(cfg),
            self.store,
            now=self.loop.time(),
            base_timeout=float(cfg.get("base_timeout", 1.0)),
            max_timeout=float(cfg.get("max_timeout", 10.0)),
            max_block_txs=int(cfg.get("max_block_txs", 4000)),
            idle_wait=float(cfg.get("idle_wait", 0.0)),
            epoch_source=self.keygen,
        )
        peers = {
            int(p["node_id"]): Peer(
                int(p["node_id"]), p["host"], int(p["port"]), bytes.fromhex(p["identity"])
            )
            for p in cfg["peers"]
        }
        self.transport = Transport(
            self.id, PrivateKey(bytes.fromhex(cfg["identity_key"])), peers, self._on_message
        )
        self._timer: asyncio.TimerHandle | None = None
        self._waiting: dict[bytes, deque[asyncio.Future[int]]] = defaultdict(deque)
        self.view_changes = 0
        self.dropped = 0
        self.forward = bool(cfg.get("forward", True))

    # ------------------------------------------------------------------------------------
    def _on_message(self, sender: int, data: bytes) -> None:
        if data[:2] in (_FORWARD, _FORWARD_AGAIN):
            # transactions forwarded by a peer for our next proposal (shared mempool)
            try:
                txs = decode_batch(data[2:])
            except EncodingError:
                return
            r = self.replica
            if data[:2] == _FORWARD and not self._proposing_soon():
                # the sender was behind: our turn is over, so pass them once to the leader of
                # our next view instead of keeping them for a whole leader rotation
                nxt = r.leader_of(r.view + 1)
                if nxt != self.id:
                    self.transport.send(nxt, _FORWARD_AGAIN + data[2:])
                    return
            if len(r.mempool) + len(txs) <= _MEMPOOL_LIMIT:
                r.add_transactions(txs, self.loop.time())
                self._pump()  # a leader holding back an empty block proposes them now
            return
        self.replica.receive(sender, data, self.loop.time())
        self._pump()

    def _proposing_soon(self) -> bool:
        """Whether this node proposes in its current view (not done yet) or the next one."""
        r = self.replica
        if r.leader_of(r.view + 1) == self.id:
            return True
        return r.leader_of(r.view) == self.id and r.proposed_view < r.view

    def _place(self, txs: list[bytes]) -> None:
        """Give client transactions to the leader of the next view (or keep them).

        Forwarding lets the next block carry them instead of waiting for this node's own turn
        (one view instead of up to n). If they are not committed within a few timeouts they
        are proposed by this node too (the client gets the first committed position).
        """
        r = self.replica
        target = r.leader_of(r.view + 1)
        if target == self.id or not self.forward or self._proposing_soon():
            # (a leader holding back an empty block proposes them at once)
            r.add_transactions(txs, self.loop.time())
            return
        self.transport.send(target, _FORWARD + encode_batch(txs))
        self.loop.call_later(4 * r.pacemaker.base, self._fallback, txs)

    def _fallback(self, txs: list[bytes]) -> None:
        left = [tx for tx in txs if tx in self._waiting]
        if left:
            self.replica.add_transactions(left)
            self._pump()

    def _on_timer(self) -> None:
        self._timer = None
        self.replica.handle_timer(self.loop.time())
        self._pump()

    def _pump(self) -> None:
        for to, data in self.replica.outbox():
            if to == self.id:
                self.loop.call_soon(self._on_message, self.id, data)
            else:
                self.transport.send(to, data)
        r = self.replica
        if r.mempool and self.id not in r.committee().weights:
            # not a member of the current epoch (a node joining the next committee): it never
            # proposes, so its queued transactions (its DKG messages) go to the next leader
            txs = list(r.mempool)
            r.mempool.clear()
            self.transport.send(r.leader_of(r.view + 1), _FORWARD_AGAIN + encode_batch(txs))
        for ev in self.replica.events():
            if isinstance(ev, Committed):
                self._on_commit(ev)
            elif isinstance(ev, ViewChanged) and ev.reason in ("timeout", "tc", "join"):
                self.view_changes += 1
            elif isinstance(ev, EpochChanged):
                print(f"node {self.id}: epoch {ev.epoch}", flush=True)
            elif type(ev).__name__ == "MessageDropped":
                self.dropped += 1
            elif type(ev).__name__ == "Failed":
                print(f"node {self.id}: FAILED {ev}", flush=True)
        dl = self.replica.next_deadline()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if dl is not None:
            self._timer = self.loop.call_at(dl, self._on_timer)

    def _on_commit(self, ev: Committed) -> None:
        if not self._waiting or not ev.block.payload:
            return
        for i, tx in enumerate(decode_batch(ev.block.payload)):
            q = self._waiting.get(tx)
            if q:
                fut = q.popleft()
                if not q:
                    del self._waiting[tx]
                if not fut.done():
                    fut.set_result(ev.tx_start + i)

    # ------------------------------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (n,) = struct.unpack(">I", await reader.readexactly(4))
                if n == 0 or n > MAX_CLIENT_FRAME:
                    return
                req = await reader.readexactly(n)
                try:
                    ans = await self._answer(req)
                except (CryptoError, ValueError) as exc:
                    ans = b"\xff" + str(exc).encode()
                writer.write(struct.pack(">I", len(ans)) + ans)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, req: bytes) -> bytes:
        kind = req[0]
        if kind == 0x01:
            txs = decode_batch(req[1:])
            if not txs:
                raise EncodingError("empty batch")
            futs: list[asyncio.Future[int]] = []
            for tx in txs:
                fut: asyncio.Future[int] = self.loop.create_future()
                self._waiting[tx].append(fut)
                futs.append(fut)
            self._place(txs)
            self._pump()
            pos = await asyncio.gather(*futs)
            return b"\x01" + struct.pack(f">I{len(pos)}Q", len(pos), *pos)
        if kind == 0x02:
            r = self.replica
            st = {
                "node_id": self.id,
                "epoch": r.epoch,
                "view": r.view,
                "leader": r.leader_of(r.view),
                "committed_height": r.committed_height,
                "committed_txs": r.committed_txs,
                "committed_view": self._committed_view(),
                "view_changes": self.view_changes,
                "mempool": len(r.mempool),
                "dropped": self.dropped,
                "dkg_epochs": [] if self.keygen is None else list(self.keygen.stats.completed),
            }
            return b"\x02" + json.dumps(st).encode()
        if kind == 0x03 and len(req) == 13:
            start, count = struct.unpack(">QI", req[1:])
            return b"\x03" + encode_batch(self.transactions(start, min(count, 100_000)))
        raise EncodingError("unknown request")

    def _committed_view(self) -> int:
        b = self.replica.get_block(self.replica.committed_hash)
        return 0 if b is None else b.view

    def transactions(self, start: int, count: int) -> list[bytes]:
        """Committed transactions at positions [start, start + count)."""
        out: list[bytes] = []
        for rec in self.store.committed_by_position(start, start + count):
            b = self.replica.get_block(rec.block_hash)
            if b is None:
                break
            txs = decode_batch(b.payload)
            lo = max(0, start - rec.tx_start)
            out.extend(txs[lo : lo + count - len(out)])
        return out

    # ------------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        await self.transport.start(self.cfg["host"], int(self.cfg["port"]))
        server = await asyncio.start_server(
            self._client, self.cfg["host"], int(self.cfg["client_port"])
        )
        self._pump()
        print(f"node {self.id}: ready", flush=True)
        last = -1
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
            r = self.replica
            if r.committed_height != last:
                last = r.committed_height
                print(
                    f"node {self.id}: view {r.view} height {r.committed_height} "
                    f"txs {r.committed_txs}",
                    flush=True,
                )
        server.close()
        await self.transport.close()
        self.store.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bft.node", description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True)
    args = ap.parse_args(argv)
    cfg = load_config(args.config)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        node = Node(cfg)
        await node.run(stop)

    prof_path = os.environ.get("BFT_PROFILE")
    if prof_path:  # developer aid: cProfile of the whole node run ("{node}" -> the node id)
        prof_path = prof_path.replace("{node}", str(cfg["node_id"]))
        import cProfile

        cProfile.runctx("asyncio.run(go())", globals(), {"asyncio": asyncio, "go": go}, prof_path)
    else:
        asyncio.run(go())
    return 0


if __name__ == "__main__":
    sys.exit(main())
