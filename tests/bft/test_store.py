"""SQLite persistence: round trips, restart from disk, no double vote after a crash."""

from __future__ import annotations

import pathlib
import time

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


def _state(view: int) -> SafetyState:
    return SafetyState(
        epoch=0, view=view + 1, last_voted_view=view, locked_qc=GENESIS_QC, high_qc=GENESIS_QC
    )


def test_safety_record_survives_reopen_and_torn_writes(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "n.db"
    s = SqliteStore(path)
    for v in range(1, 6):
        s.save_safety(_state(v))
    wait = s.begin_save_safety(_state(6))
    wait()  # durable once the waiter returns
    s.close()
    s2 = SqliteStore(path)
    assert s2.load_safety() == _state(6)
    s2.close()
    # a write torn by a power loss (any byte of the newest slot damaged) falls back to the
    # previous state, never to garbage or to nothing
    rec = pathlib.Path(str(path) + ".safety")
    good = rec.read_bytes()
    newest = (6 % 2) * 1024
    for off in (0, 5, 13, 20, 200, 330):
        raw = bytearray(good)
        raw[newest + off] ^= 0x40
        rec.write_bytes(bytes(raw))
        s3 = SqliteStore(path)
        assert s3.load_safety() == _state(5)
        s3.close()
    # and the next write goes on from the highest valid sequence number
    rec.write_bytes(good)
    s4 = SqliteStore(path)
    s4.save_safety(_state(7))
    s4.close()
    assert SqliteStore(path).load_safety() == _state(7)


def test_safety_record_reads_the_legacy_sqlite_row(tmp_path: pathlib.Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    SqliteStore(path).close()
    pathlib.Path(str(path) + ".safety").unlink()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO meta VALUES ('safety', ?)", (_state(9).to_bytes(),))
    db.commit()
    db.close()
    s = SqliteStore(path)
    assert s.load_safety() == _state(9)
    s.save_safety(_state(10))  # from now on the record file wins
    s.close()
    assert SqliteStore(path).load_safety() == _state(10)


def test_vote_leaves_only_after_the_safety_write(tmp_path: pathlib.Path) -> None:
    """The replica's share may be computed during the write but is sent only after it."""
    from bft.crypto import ThresholdBLS, weighted_keygen
    from bft.messages import Proposal, Vote, decode
    from bft.replica import EpochConfig
    from bft.types import Block

    com = committee(4)
    pkp, keys = weighted_keygen(com, use_dkg=False)
    order: list[str] = []

    class Spy(SqliteStore):
        def save_safety(self, state: SafetyState) -> None:
            time.sleep(0.2)  # a slow disk: the vote must still wait for the write
            super().save_safety(state)
            order.append(f"durable {state.last_voted_view}")

    store = Spy(tmp_path / "1.db")
    r = Replica(1, [EpochConfig(committee=com, crypto=ThresholdBLS(com, pkp, keys[1]))], store)
    g = r.genesis
    b = Block(
        epoch=0,
        view=1,
        height=1,
        parent=g.hash,
        proposer=r.leader_of(1),
        justify=r.genesis_qc,
        payload=b"",
    )
    r.receive(r.leader_of(1), Proposal(block=b, tc=None).to_bytes(), 0.0)
    out = r.outbox()
    order.append("sent")
    votes = [decode(d) for _, d in out if isinstance(decode(d), Vote)]
    assert len(votes) == 1 and votes[0].view == 1
    assert order == ["durable 1", "sent"]
    store.close()
    assert SqliteStore(tmp_path / "1.db").load_safety().last_voted_view == 1  # type: ignore[union-attr]
