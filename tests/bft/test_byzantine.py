"""Honest replicas stay safe and live against one Byzantine replica out of four."""

from __future__ import annotations

import pytest

from bft.replica import MessageDropped, Replica
from bft.store import MemoryStore
from bft.testing.byzantine import BEHAVIOURS
from bft.testing.simnet import SimNet, double_epochs

from .helpers import committee


@pytest.mark.parametrize("behaviour", sorted(BEHAVIOURS))
def test_one_byzantine_of_four(behaviour: str) -> None:
    com = committee(4)
    cls = BEHAVIOURS[behaviour]
    drops: list[MessageDropped] = []

    def make(node: int, store: MemoryStore, now: float) -> Replica:
        kind = cls if node == 3 else Replica
        return kind(
            node,
            double_epochs(node, [com]),
            store,
            now=now,
            base_timeout=0.2,
            transactions=[b"%d-%d" % (node, k) for k in range(10)],
        )

    net = SimNet(seed=5, max_delay=0.01)
    for i in range(4):
        net.add(f"n{i}", i, make, honest=i != 3)
    orig = net._observe

    def observe(inst: object, ev: object) -> None:
        if isinstance(ev, MessageDropped) and inst.honest:  # type: ignore[attr-defined]
            drops.append(ev)
        orig(inst, ev)  # type: ignore[arg-type]

    net._observe = observe  # type: ignore[method-assign]
    net.run(8.0)
    assert net.check_safety() == []
    assert net.min_committed() > 20
    # every honest transaction gets committed despite the Byzantine node
    r0 = net.instances["n0"].replica
    assert r0 is not None
    from bft.batch import decode_batch

    txs = set()
    for rec in r0.store.committed():
        b = r0.get_block(rec.block_hash)
        assert b is not None
        txs.update(decode_batch(b.payload))
    assert {b"%d-%d" % (i, k) for i in range(3) for k in range(10)} <= txs
    if behaviour not in ("silent-leader", "equivocating-leader", "forking-leader", "scripted-fork"):
        # the misbehaviour was noticed and dropped with a typed error, not a crash
        assert drops
        assert all(net.instances[f"n{i}"].replica.failed is None for i in range(3))  # type: ignore[union-attr]
