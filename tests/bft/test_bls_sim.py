"""End to end in the simulator with real threshold BLS (keys from the MDKM DKG)."""

from __future__ import annotations

import pytest

from bft.crypto import ThresholdBLS, weighted_keygen
from bft.replica import EpochConfig, QCFormed, Replica
from bft.store import MemoryStore
from bft.testing.simnet import SimNet
from bft.types import Committee, vote_message
from cryptocore.errors import InvalidSignature, MisbehaviourError
from cryptocore.rng import deterministic_rng
from mdkm.bls import verify


@pytest.fixture(scope="module")
def keys() -> tuple[Committee, object, dict[int, list[object]]]:
    com = Committee(epoch=0, weights={0: 2, 1: 1, 2: 1, 3: 1})  # W = 5, t = 4
    pkp, kps = weighted_keygen(com, rng=deterministic_rng(b"bft-bls"))
    return com, pkp, kps


def test_weighted_threshold_bls(keys: tuple[Committee, object, dict[int, list[object]]]) -> None:
    com, pkp, kps = keys
    cr = {i: ThresholdBLS(com, pkp, kps[i]) for i in com.members}
    m = vote_message(0, 9, b"\x07" * 32)
    shares = {i: cr[i].sign_vote_share(m) for i in (0, 1, 2)}  # weight 4 of 5
    sig = cr[3].combine(shares, m)
    assert len(sig) == 96
    cr[3].verify_qc(m, sig)
    verify(pkp.group_public_key.to_bytes(), m, sig)  # type: ignore[attr-defined]
    with pytest.raises(InvalidSignature):
        cr[3].verify_qc(vote_message(0, 10, b"\x07" * 32), sig)
    # weight 3 of 5 is not enough
    with pytest.raises(ValueError):
        cr[3].combine({i: shares[i] for i in (1, 2)} | {3: cr[3].sign_vote_share(m)}, m)
    # a share from one signer presented as another's is rejected
    with pytest.raises(ValueError):
        cr[3].verify_share(1, shares[2], m)


def test_bad_share_named_after_failed_combination(
    keys: tuple[Committee, object, dict[int, list[object]]],
) -> None:
    from bft.quorum import ShareCollector

    com, pkp, kps = keys
    cr = {i: ThresholdBLS(com, pkp, kps[i]) for i in com.members}
    m = vote_message(0, 3, b"\x01" * 32)
    col = ShareCollector(cr[0], m)
    col.add(0, cr[0].sign_vote_share(m))
    col.add(1, cr[1].sign_vote_share(vote_message(0, 4, b"\x01" * 32)))  # wrong statement
    col.add(2, cr[2].sign_vote_share(m))
    with pytest.raises(MisbehaviourError) as exc:
        col.try_combine()
    assert exc.value.culprits == (1,)
    col.add(3, cr[3].sign_vote_share(m))
    sig = col.try_combine()
    assert sig is not None
    cr[0].verify_qc(m, sig)


def test_simulated_cluster_with_threshold_bls(
    keys: tuple[Committee, object, dict[int, list[object]]],
) -> None:
    com, pkp, kps = keys

    def make(node: int, store: MemoryStore, now: float) -> Replica:
        epochs = [EpochConfig(committee=com, crypto=ThresholdBLS(com, pkp, kps[node]))]
        txs = [b"bls-%d-%d" % (node, k) for k in range(5)]
        return Replica(node, epochs, store, now=now, base_timeout=0.5, transactions=txs)

    net = SimNet(seed=11, max_delay=0.02)
    for i in com.members:
        net.add(f"n{i}", i, make)
    qcs: list[QCFormed] = []
    orig = net._observe

    def observe(inst: object, ev: object) -> None:
        if isinstance(ev, QCFormed):
            qcs.append(ev)
        orig(inst, ev)  # type: ignore[arg-type]

    net._observe = observe  # type: ignore[method-assign]
    net.at(0.3, lambda: net.crash("n2"))
    net.run(2.0)
    assert net.check_safety() == []
    assert net.min_committed() >= 0
    assert len(net.instances["n0"].log) >= 8
    for ev in qcs:  # every QC is one 96-byte BLS signature valid under the group key
        verify(pkp.group_public_key.to_bytes(), ev.qc.signed_message(), ev.qc.signature)  # type: ignore[attr-defined]
        assert com.weight_of(ev.signers) >= com.quorum


def test_epoch_change_to_a_new_dkg_key() -> None:
    # epoch 0: nodes 0-3; epoch 1: nodes 1-4 with a fresh quorum key from the MDKM DKG
    c0 = Committee(epoch=0, weights={0: 1, 1: 1, 2: 1, 3: 1}, last_height=4)
    c1 = Committee(epoch=1, weights={1: 1, 2: 1, 3: 1, 4: 1})
    k0 = weighted_keygen(c0, rng=deterministic_rng(b"epoch0"))
    k1 = weighted_keygen(c1, rng=deterministic_rng(b"epoch1"))
    assert k0[0].group_public_key != k1[0].group_public_key  # type: ignore[attr-defined]

    def make(node: int, store: MemoryStore, now: float) -> Replica:
        epochs = [
            EpochConfig(committee=c, crypto=ThresholdBLS(c, k[0], k[1].get(node, [])))
            for c, k in ((c0, k0), (c1, k1))
        ]
        return Replica(node, epochs, store, now=now, base_timeout=0.3)

    net = SimNet(seed=12, min_delay=0.01, max_delay=0.03)
    for i in range(5):
        net.add(f"n{i}", i, make)
    net.run(1.0)
    assert net.check_safety() == []
    r4 = net.instances["n4"].replica
    assert r4 is not None and r4.epoch == 1
    log = net.instances["n1"].log
    assert len(log) > 8
    blocks = [r4.get_block(h) for h in log]
    assert [b.epoch for b in blocks if b is not None][-1] == 1
    # a block of epoch 1 is certified under the new key
    last = blocks[-1]
    assert last is not None
    from mdkm.bls import verify as bls_verify

    child_qcs = [b.justify for b in blocks if b is not None and b.justify.epoch == 1]
    assert child_qcs
    bls_verify(
        k1[0].group_public_key.to_bytes(),  # type: ignore[attr-defined]
        child_qcs[-1].signed_message(),
        child_qcs[-1].signature,
    )
