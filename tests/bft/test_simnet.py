"""The sans-IO replicas on the deterministic simulated network."""

from __future__ import annotations

import pytest

from bft.batch import decode_batch
from bft.replica import MessageDropped, Replica
from bft.store import MemoryStore
from bft.testing.simnet import SimNet, double_epochs
from bft.types import Committee, UnknownSender

from .helpers import committee, factory, network


def test_steady_state_commits_and_agrees() -> None:
    net = network(4, seed=1)
    net.run(3.0)
    assert net.check_safety() == []
    assert net.min_committed() > 100
    # every submitted transaction is committed exactly once
    r = net.instances["n0"].replica
    assert r is not None
    txs = []
    for rec in r.store.committed():
        b = r.get_block(rec.block_hash)
        assert b is not None
        txs.extend(decode_batch(b.payload))
    assert sorted(txs) == sorted(b"tx-%d-%d" % (i, k) for i in range(4) for k in range(20))


def test_linear_messages_per_block() -> None:
    n = 7
    net = network(n, seed=2)
    net.run(3.0)
    blocks = net.min_committed()
    msgs = net.sent["proposal"] + net.sent["vote"]
    assert net.sent["timeout"] == 0
    # 2(n-1) per view in the steady state, plus a few views in the pipeline
    assert 2 * (n - 1) * blocks <= msgs <= 2 * (n - 1) * (blocks + 10)


@pytest.mark.parametrize("seed", range(6))
def test_hostile_network_is_safe_and_live(seed: int) -> None:
    net = network(4, seed=seed, drop=0.1, duplicate=0.1, min_delay=0.001, max_delay=0.2)
    net.run(30.0)
    assert net.check_safety() == []
    assert net.min_committed() > 5


def test_partition_heals() -> None:
    def parts(view: int) -> list[set[str]] | None:
        return [{"n0", "n1"}, {"n2", "n3"}] if view < 4 else None

    net = network(4, seed=3, partitions=parts)
    net.run(25.0)
    assert net.check_safety() == []
    assert net.min_committed() > 5


def test_one_node_down_permanently() -> None:
    net = network(4, seed=4)
    net.at(0.5, lambda: net.crash("n2"))
    before: list[int] = []
    net.at(0.6, lambda: before.append(len(net.instances["n0"].log)))
    net.run(20.0)
    assert net.check_safety() == []
    alive = [len(net.instances[f"n{i}"].log) for i in (0, 1, 3)]
    # commits go on without node 2 (it leads every 4th view and collects every 4th QC)
    assert min(alive) > before[0] + 15


def test_crash_restart_catches_up() -> None:
    net = network(4, seed=5)
    net.at(0.3, lambda: net.crash("n1"))
    net.at(3.0, lambda: net.restart("n1"))
    net.run(10.0)
    assert net.check_safety() == []
    logs = net.honest_logs()
    assert len(logs["n1"]) >= len(logs["n0"]) - 5
    assert len(logs["n1"]) > 30


def test_all_restart_keeps_log() -> None:
    net = network(4, seed=6)
    for i in range(4):
        net.at(1.0 + 0.01 * i, lambda i=i: net.crash(f"n{i}"))  # type: ignore[misc]
        net.at(2.0 + 0.3 * i, lambda i=i: net.restart(f"n{i}"))  # type: ignore[misc]
    net.run(10.0)
    assert net.check_safety() == []
    assert net.min_committed() > 30


def test_weighted_committee() -> None:
    com = committee(4, weights=[3, 1, 1, 1])  # W=6, quorum 5: node 0 is needed
    net = SimNet(seed=7)
    f = factory([com])
    for i in range(4):
        net.add(f"n{i}", i, f)
    net.at(1.0, lambda: net.crash("n1"))
    net.run(10.0)
    assert net.check_safety() == []
    assert len(net.instances["n0"].log) > 30
    net2 = SimNet(seed=7)
    for i in range(4):
        net2.add(f"n{i}", i, f)
    net2.at(1.0, lambda: net2.crash("n0"))
    before = 0

    def mark() -> None:
        nonlocal before
        before = len(net2.instances["n1"].log)

    net2.at(2.0, mark)
    net2.run(10.0)
    assert net2.check_safety() == []
    assert len(net2.instances["n1"].log) == before  # 3 of 6 weight cannot commit


def test_epoch_change_new_committee() -> None:
    c0 = Committee(epoch=0, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=20)
    c1 = Committee(epoch=1, weights={1: 1, 2: 1, 3: 1, 4: 1, 5: 1})
    net = SimNet(seed=8)
    f = factory([c0, c1])
    for i in range(6):
        net.add(f"n{i}", i, f)
    net.run(20.0)
    assert net.check_safety() == []
    r = net.instances["n5"].replica
    assert r is not None and r.epoch == 1
    assert net.min_committed() > 40
    log = net.instances["n1"].log
    r1 = net.instances["n1"].replica
    assert r1 is not None
    blocks = [r1.get_block(h) for h in log]
    epochs = [b.epoch for b in blocks if b is not None]
    assert len(epochs) == len(log) and epochs == sorted(epochs) and epochs[-1] == 1
    # blocks of epoch 0 above its last height are empty (the reconfiguration suffix)
    assert all(not b.payload for b in blocks[20:] if b is not None and b.epoch == 0)
    assert net.instances["n5"].log == log[: len(net.instances["n5"].log)]


def test_unknown_sender_and_garbage_dropped() -> None:
    com = committee(4)
    r = Replica(0, double_epochs(0, [com]), MemoryStore())
    r.receive(9, b"\x01\x02garbage", 0.1)
    r.receive(9, b"", 0.1)
    evs = [e for e in r.events() if isinstance(e, MessageDropped)]
    assert len(evs) == 2
    assert r.failed is None


def test_stranger_message_rejected() -> None:
    net = network(4, seed=9)
    net.run(0.2)
    r1 = net.instances["n1"].replica
    assert r1 is not None
    r1.outbox()
    r1.events()
    # a valid-looking vote from a node outside the committee
    from bft.messages import Vote

    v = Vote(epoch=0, view=r1.view, block_hash=b"\x00" * 32, share=b"\x01" * 32)
    r1.receive(77, v.to_bytes(), net.now)
    dropped = [e for e in r1.events() if isinstance(e, MessageDropped)]
    assert dropped and isinstance(dropped[0].error, UnknownSender)


def _idle_net(idle_wait: float, seed: int = 5) -> tuple[SimNet, list[tuple[float, int]], dict]:
    from bft.replica import Committed, Proposed, ViewChanged

    net = SimNet(seed=seed)
    f = factory([committee(4)], txs=0, idle_wait=idle_wait)
    for i in range(4):
        net.add(f"n{i}", i, f)
    proposals: list[tuple[float, int]] = []
    seen: dict[str, object] = {"timeouts": 0, "commits": {}}
    orig = net._observe

    def observe(inst: object, ev: object) -> None:
        if isinstance(ev, Proposed):
            proposals.append((net.now, ev.block.view))
        if isinstance(ev, ViewChanged) and ev.reason == "timeout":
            seen["timeouts"] += 1  # type: ignore[operator]
        if isinstance(ev, Committed) and b"late-tx" in ev.block.payload:
            seen["commits"][inst.name] = net.now  # type: ignore[attr-defined, index]
        orig(inst, ev)  # type: ignore[arg-type]

    net._observe = observe  # type: ignore[method-assign]
    return net, proposals, seen


def test_idle_leader_holds_back_empty_blocks_and_proposes_on_arrival() -> None:
    busy, busy_props, _ = _idle_net(0.0)
    busy.run(2.0)
    net, props, seen = _idle_net(0.2)
    net.run(2.0)
    # an empty chain without the wait runs a view every few network delays; with it, about
    # one view per idle_wait, and no view times out
    assert len(busy_props) > 100
    assert len(props) <= 2.0 / 0.2 + 4
    assert seen["timeouts"] == 0

    def add() -> None:
        waiting = [i for i in net.instances.values() if i.replica._idle_until is not None]  # type: ignore[union-attr]
        assert len(waiting) == 1
        waiting[0].replica.add_transactions([b"late-tx"], net.now)  # type: ignore[union-attr]

    net.at(2.05, add)
    net.run(3.0)
    commits = seen["commits"]
    assert sorted(commits) == ["n0", "n1", "n2", "n3"]  # type: ignore[call-overload]
    # proposed at once, then three views of network delays (<= 10 ms each way) to commit:
    # well under one idle_wait
    assert max(commits.values()) - 2.05 < 0.15  # type: ignore[attr-defined]
    assert net.check_safety() == []
    assert seen["timeouts"] == 0


def test_idle_wait_must_be_below_the_view_timeout() -> None:
    from cryptocore.errors import ParameterError

    with pytest.raises(ParameterError):
        factory([committee(4)], idle_wait=0.5)(0, MemoryStore(), 0.0)
    with pytest.raises(ParameterError):
        factory([committee(4)], idle_wait=-0.1)(0, MemoryStore(), 0.0)
