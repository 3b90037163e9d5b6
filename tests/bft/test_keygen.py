"""Epoch keys from a DKG run over the chain (:mod:`bft.keygen`), in the simulator with real BLS."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from bft.batch import encode_batch
from bft.crypto import ThresholdBLS, weighted_keygen
from bft.keygen import DKG_TX_PREFIX, EpochKeyGen, is_dkg_transaction
from bft.replica import EpochConfig, Replica
from bft.store import MemoryStore
from bft.testing.simnet import SimNet
from bft.types import Block, Committee
from cryptocore.errors import ParameterError
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import Point
from mdkm.bls import verify as bls_verify

SECRETS = {i: hashlib.sha256(b"identity %d" % i).digest() for i in range(6)}
IDENTITIES = {i: Point.base_mul(int.from_bytes(s, "big")).to_bytes() for i, s in SECRETS.items()}


def _setup(
    committees: list[Committee], *, window: int | None = None
) -> tuple[Callable[[int, MemoryStore, float], Replica], dict[int, EpochKeyGen]]:
    c0 = committees[0]
    pkp, kps = weighted_keygen(c0, rng=deterministic_rng(b"genesis"))
    gens: dict[int, EpochKeyGen] = {}

    def make(node: int, store: MemoryStore, now: float) -> Replica:
        gen = EpochKeyGen(node, SECRETS[node], IDENTITIES, committees, window=window)
        gen.replay_store(store)  # a restarted node rebuilds its DKG state from its blocks
        gens[node] = gen
        first = EpochConfig(committee=c0, crypto=ThresholdBLS(c0, pkp, kps.get(node, [])))
        return Replica(node, [first], store, now=now, base_timeout=0.3, epoch_source=gen)

    return make, gens


def _epoch_blocks(net: SimNet, name: str) -> list[Block]:
    inst = net.instances[name]
    assert inst.replica is not None
    out = []
    for h in inst.log:
        b = inst.store.get_block(h)
        assert b is not None
        out.append(b)
    return out


def test_two_epoch_changes_with_keys_from_the_chain_dkg() -> None:
    # epoch 1 changes the weights (W = 5, t = 4), epoch 2 drops node 0
    committees = [
        Committee(epoch=0, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=130),
        Committee(epoch=1, weights={0: 1, 1: 2, 2: 1, 3: 1}, last_height=260),
        Committee(epoch=2, weights={1: 1, 2: 1, 3: 1}),
    ]
    make, gens = _setup(committees)
    net = SimNet(seed=3, min_delay=0.002, max_delay=0.01)
    for i in range(4):
        net.add(f"n{i}", i, make)
    net.run(8.0)
    assert net.check_safety() == []
    for i in (1, 2, 3):
        r = net.instances[f"n{i}"].replica
        assert r is not None and r.epoch == 2, (i, r and r.epoch)
    # every node that took part computed the same group keys, and they are new
    keys = {
        e: {gens[i].configs()[e].crypto._group_key for i in gens if e in gens[i].configs()}  # type: ignore[attr-defined]
        for e in (1, 2)
    }
    assert all(len(v) == 1 for v in keys.values())
    assert keys[1] != keys[2]
    # node 0 is not in epoch 2: no share, but it follows with the key the members announced
    assert gens[0].stats.completed == [1] and gens[0].stats.adopted == [2]
    assert gens[0].configs()[2].crypto._keys == ()  # type: ignore[attr-defined]
    r0 = net.instances["n0"].replica
    assert r0 is not None and r0.epoch == 2
    assert gens[1].stats.completed == [1, 2] and not gens[1].stats.failed
    assert not any(g.stats.blamed for g in gens.values())
    # blocks of epochs 1 and 2 are certified under the keys the DKG produced
    blocks = _epoch_blocks(net, "n1")
    for e in (1, 2):
        qc = next(b.justify for b in blocks if b.justify.epoch == e)
        bls_verify(next(iter(keys[e])), qc.signed_message(), qc.signature)
    # the DKG messages are ordinary transactions of epoch 0 and 1 blocks, before the last one
    from bft.batch import decode_batch

    dkg_heights = [
        b.height for b in blocks for tx in decode_batch(b.payload) if is_dkg_transaction(tx)
    ]
    assert dkg_heights and max(dkg_heights) <= 260
    assert any(h <= 130 for h in dkg_heights) and any(130 < h <= 260 for h in dkg_heights)


def test_a_member_down_during_the_dkg_is_left_out_and_the_epoch_still_changes() -> None:
    committees = [
        Committee(epoch=0, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=130),
        Committee(epoch=1, weights={0: 1, 1: 1, 2: 1, 3: 1}),
    ]
    make, gens = _setup(committees)
    net = SimNet(seed=5, min_delay=0.002, max_delay=0.01)
    for i in range(4):
        net.add(f"n{i}", i, make)
    net.at(0.05, lambda: net.crash("n3"))  # before the DKG starts at height 18
    net.run(55.0)  # a dead leader every fourth view: about 3 blocks a second
    assert net.check_safety() == []
    for i in (0, 1, 2):
        r = net.instances[f"n{i}"].replica
        assert r is not None and r.epoch == 1
        assert r.committed_height > 135
    # unit 4 (node 3) dealt nothing: every participant blamed and disqualified it
    assert all(gens[i].stats.blamed.get(1) == {4} for i in (0, 1, 2))


def test_a_node_restarted_in_the_middle_of_the_dkg_rebuilds_it_from_its_store() -> None:
    committees = [
        Committee(epoch=0, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=150),
        Committee(epoch=1, weights={0: 1, 1: 1, 2: 1, 3: 1}),
    ]
    make, gens = _setup(committees, window=140)
    net = SimNet(seed=9, min_delay=0.002, max_delay=0.01)
    for i in range(4):
        net.add(f"n{i}", i, make)
    # the DKG starts at height 10; node 2 is killed while it runs and restarts from its disk
    state: dict[str, int] = {}

    def crash() -> None:
        r = net.instances["n2"].replica
        assert r is not None
        state["height"] = r.committed_height
        state["running"] = sum(
            s.state.value == "running" for p in gens[2]._plans.values() for s in p.sessions.values()
        )
        net.crash("n2")

    net.at(0.30, crash)
    net.at(0.45, lambda: net.restart("n2"))
    net.run(12.0)
    assert net.check_safety() == []
    assert 10 <= state["height"] <= 150 and state["running"] == 1, state
    r2 = net.instances["n2"].replica
    assert r2 is not None and r2.epoch == 1 and net.instances["n2"].restarts == 1
    keys = {gens[i].configs()[1].crypto._group_key for i in range(4)}  # type: ignore[attr-defined]
    assert len(keys) == 1
    # nobody was blamed: the restarted node's messages were re-derived identically
    assert not any(g.stats.blamed for g in gens.values())


def test_forged_and_malformed_dkg_transactions_are_ignored() -> None:
    committees = [
        Committee(epoch=0, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=130),
        Committee(epoch=1, weights={0: 1, 1: 1, 2: 1, 3: 1}),
    ]
    make, gens = _setup(committees)
    forged = DKG_TX_PREFIX + (1).to_bytes(4, "big") + (2).to_bytes(4, "big") + bytes(64) + b"x"
    junk = [forged, DKG_TX_PREFIX + b"short", DKG_TX_PREFIX + (7).to_bytes(4, "big") + bytes(80)]

    def make_with_junk(node: int, store: MemoryStore, now: float) -> Replica:
        r = make(node, store, now)
        if node == 0:
            r.add_transactions(junk)  # e.g. submitted by a client in a member's name
        return r

    net = SimNet(seed=4, min_delay=0.002, max_delay=0.01)
    for i in range(4):
        net.add(f"n{i}", i, make_with_junk)
    net.run(8.0)
    assert net.check_safety() == []
    assert all(g.stats.bad_transactions == 3 for g in gens.values())
    assert all(g.stats.completed == [1] for g in gens.values())
    assert not any(g.stats.blamed for g in gens.values())


def test_parameters_are_checked() -> None:
    c0 = Committee(epoch=0, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=130)
    c1 = Committee(epoch=1, weights={0: 1, 1: 1, 2: 1, 3: 1})
    with pytest.raises(ParameterError):  # a member without an identity key
        EpochKeyGen(0, SECRETS[0], IDENTITIES, [c0, Committee(epoch=1, weights={9: 1, 0: 1})])
    with pytest.raises(ParameterError):  # epoch too short for the window
        EpochKeyGen(0, SECRETS[0], IDENTITIES, [c0, c1], window=111)
    with pytest.raises(ParameterError):  # epoch shorter than the window
        EpochKeyGen(0, SECRETS[0], IDENTITIES, [c0, c1], window=130)
    with pytest.raises(ParameterError):  # no last height before a later epoch
        EpochKeyGen(0, SECRETS[0], IDENTITIES, [Committee(epoch=0, weights={0: 1}), c1])
    with pytest.raises(ParameterError):  # the secret is not this node's identity
        EpochKeyGen(0, SECRETS[1], IDENTITIES, [c0, c1])
    g = EpochKeyGen(0, SECRETS[0], IDENTITIES, [c0, c1])
    assert "redacted" in repr(g) and SECRETS[0].hex() not in repr(g)
    assert g.expects(1) and not g.expects(0) and g.configs() == {}
    assert not is_dkg_transaction(encode_batch([b"a"]))


def test_a_node_cut_off_across_the_dkg_and_the_epoch_change_catches_up() -> None:
    committees = [
        Committee(epoch=0, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=130),
        Committee(epoch=1, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=300),
        Committee(epoch=2, weights={0: 1, 1: 1, 2: 1, 3: 1}),
    ]
    make, gens = _setup(committees)
    cut = {"on": False, "done": False, "healed_at": 0.0}
    net = SimNet(
        seed=7,
        min_delay=0.002,
        max_delay=0.01,
        partitions=lambda view: [{"n0", "n1", "n2"}, {"n3"}] if cut["on"] else None,
    )
    for i in range(4):
        net.add(f"n{i}", i, make)

    def control() -> None:  # cut n3 off before epoch 2's DKG starts (height 188); heal in epoch 2
        r0 = net.instances["n0"].replica
        assert r0 is not None
        if not cut["done"] and not cut["on"] and r0.committed_height >= 175:
            cut["on"] = True
        elif cut["on"] and r0.epoch == 2:
            cut.update(on=False, done=True, healed_at=net.now)
        if not cut["done"]:
            net.at(net.now + 0.2, control)

    net.at(0.2, control)
    while not cut["done"] and net.now < 120.0:
        net.run(net.now + 1.0)
    assert cut["done"], "the others did not reach epoch 2 without n3"
    net.run(net.now + 3.0)
    assert net.check_safety() == []
    r3 = net.instances["n3"].replica
    r0 = net.instances["n0"].replica
    assert r3 is not None and r0 is not None
    assert r3.epoch == 2 and r3.committed_height >= r0.committed_height - 5
    # n3 dealt nothing in epoch 2's DKG (cut off), yet holds a share of the key: from the chain
    assert gens[3].configs()[2].crypto._group_key == gens[0].configs()[2].crypto._group_key  # type: ignore[attr-defined]
    assert 4 in gens[0].stats.blamed.get(2, set())


def test_a_node_joins_and_a_node_leaves_at_epoch_changes() -> None:
    # node 4 is not in epoch 0: it follows the chain as an observer, takes part in epoch 1's DKG
    # (its messages are forwarded to the leaders) and votes from epoch 1 on; node 0 leaves after
    # epoch 0 and keeps following the chain with the keys the members announce on it
    committees = [
        Committee(epoch=0, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=130),
        Committee(epoch=1, weights={1: 1, 2: 1, 3: 1, 4: 1}, last_height=260),
        Committee(epoch=2, weights={1: 1, 2: 2, 3: 1, 4: 1}),
    ]
    make, gens = _setup(committees)
    net = SimNet(seed=11, min_delay=0.002, max_delay=0.01)
    for i in range(5):
        net.add(f"n{i}", i, make)
    net.run(10.0)
    assert net.check_safety() == []
    heights = {}
    for i in range(5):
        r = net.instances[f"n{i}"].replica
        assert r is not None and r.epoch == 2, (i, r and r.epoch)
        heights[i] = r.committed_height
    assert min(heights.values()) >= max(heights.values()) - 5 and heights[1] > 300
    assert gens[4].stats.completed == [1, 2]  # the joiner holds shares of both new keys
    assert gens[0].stats.adopted == [1, 2] and gens[0].stats.completed == []
    key = {i: gens[i].configs()[2].crypto._group_key for i in range(5)}  # type: ignore[attr-defined]
    assert len(set(key.values())) == 1
    # the joiner votes from epoch 1 on; the member that left never votes again
    voters = {
        e: set().union(*(v for k, v in net.votes_cast.items() if k[0] == e)) for e in (0, 1, 2)
    }
    assert 4 not in voters[0] and 4 in voters[1] and 4 in voters[2]
    assert 0 in voters[0] and 0 not in voters[1] and 0 not in voters[2]
    assert not any(g.stats.conflicting_keys or g.stats.failed for g in gens.values())


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_leaving_rejoining_and_lossy_links(seed: int) -> None:
    # 5 % of messages dropped and 5 % duplicated; node 0 leaves at epoch 1 and rejoins at
    # epoch 2, node 4 joins at epoch 1: safety, and every node reaches epoch 2 with one key
    committees = [
        Committee(epoch=0, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=130),
        Committee(epoch=1, weights={1: 1, 2: 1, 3: 1, 4: 1}, last_height=260),
        Committee(epoch=2, weights={0: 1, 2: 2, 3: 1, 4: 1}),
    ]
    make, gens = _setup(committees)
    net = SimNet(seed=seed, min_delay=0.002, max_delay=0.02, drop=0.05, duplicate=0.05)
    for i in range(5):
        net.add(f"n{i}", i, make)
    net.run(20.0)
    assert net.check_safety() == []
    for i in range(5):
        r = net.instances[f"n{i}"].replica
        assert r is not None and r.epoch == 2 and r.committed_height > 262
    assert len({g.configs()[2].crypto._group_key for g in gens.values()}) == 1  # type: ignore[attr-defined]
    assert gens[0].stats.completed == [2] and gens[0].stats.adopted == [1]
    assert not any(g.stats.failed or g.stats.conflicting_keys for g in gens.values())
