"""SQLite persistence: round trips, restart from disk, no double vote after a crash."""

from __future__ import annotations

import pathlib

from bft.replica import Replica, Voted
from bft.store import CommitRecord, SafetyState, SqliteStore
from bft.testing.simnet import SimNet, double_epochs
from bft.types import GENESIS_QC, genesis_block

from .helpers import committee


def test_sqlite_round_trip(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "n.db"
    s = SqliteStore(path)
    assert s.load_safety() is None and s.committed_tip() is None
    st = SafetyState(epoch=0, view=4, last_voted_view=3, locked_qc=GENESIS_QC, high_qc=GENESIS_QC)
    s.save_safety(st)
    g = genesis_block()
    s.put_block(g)
    s.commit([CommitRecord(height=1, block_hash=g.hash, tx_start=0, tx_count=0)])
    s.close()
    s2 = SqliteStore(path)
    assert s2.load_safety() == st
    assert s2.get_block(g.hash) == g
    assert s2.committed_tip() == CommitRecord(height=1, block_hash=g.hash, tx_start=0, tx_count=0)
    assert s2.blocks_above(-1) == [g]
    assert s2.get_block(b"\x00" * 32) is None


def test_sqlite_cluster_restart_from_disk(tmp_path: pathlib.Path) -> None:
    com = committee(4)
    stores: dict[int, SqliteStore] = {}

    def make(node: int, _mem: object, now: float) -> Replica:
        if node in stores:
            stores[node].close()
        stores[node] = SqliteStore(tmp_path / f"{node}.db")
        return Replica(
            node,
            double_epochs(node, [com]),
            stores[node],
            now=now,
            base_timeout=0.5,
            transactions=[b"t%d" % node] * 3,
        )

    net = SimNet(seed=21)
    for i in range(4):
        net.add(f"n{i}", i, make)  # type: ignore[arg-type]
    votes: dict[tuple[int, int], bytes] = {}
    orig = net._observe

    def observe(inst: object, ev: object) -> None:
        if isinstance(ev, Voted):
            key = (inst.node_id, ev.view)  # type: ignore[attr-defined]
            assert votes.setdefault(key, ev.block_hash) == ev.block_hash
        orig(inst, ev)  # type: ignore[arg-type]

    net._observe = observe  # type: ignore[method-assign]
    net.at(0.5, lambda: net.crash("n3"))
    net.at(1.0, lambda: net.restart("n3"))
    net.at(1.5, lambda: net.crash("n0"))
    net.at(1.52, lambda: net.restart("n0"))
    net.run(4.0)
    assert net.check_safety() == []
    # the restarted nodes' logs (read back from their databases) agree with the others
    logs = {i: [r.block_hash for r in stores[i].committed()] for i in range(4)}
    ref = max(logs.values(), key=len)
    for lg in logs.values():
        assert lg == ref[: len(lg)]
        assert len(lg) > 50
    for s in stores.values():
        s.close()
