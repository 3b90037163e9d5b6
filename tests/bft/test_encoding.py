"""Canonical encodings: round trips, tampering and garbage never crash."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bft.batch import decode_batch, encode_batch
from bft.messages import Proposal, SyncInfo, SyncRequest, SyncResponse, Timeout, Vote, decode
from bft.store import SafetyState
from bft.types import Block, Committee, QuorumCert, TimeoutCert, genesis_block, quorum_weight
from cryptocore.errors import EncodingError, ParameterError

G = genesis_block()


def qc(view: int, h: bytes = b"\x11" * 32) -> QuorumCert:
    return QuorumCert(epoch=0, view=view, block_hash=h, signature=bytes([view % 256]) * 96)


def block(view: int = 3, payload: bytes = b"") -> Block:
    return Block(
        epoch=0,
        view=view,
        height=1,
        parent=G.hash,
        proposer=1,
        justify=qc(view - 1, G.hash),
        payload=payload,
    )


def samples() -> list[object]:
    b = block(payload=encode_batch([b"a", b"bc"]))
    tc = TimeoutCert(epoch=0, view=1, signature=b"\x05" * 96)
    b2 = Block(epoch=0, view=2, height=1, parent=G.hash, proposer=2, justify=qc(0, G.hash))
    return [
        Proposal(block=b),
        Proposal(block=b2, tc=tc),
        Vote(epoch=0, view=3, block_hash=b.hash, share=b"s" * 32),
        Timeout(epoch=1, view=9, high_qc=qc(4), share=b"x" * 96),
        SyncRequest(block_hash=b.hash, count=7),
        SyncResponse(blocks=(b,)),
        SyncInfo(high_qc=qc(5)),
        SyncInfo(high_qc=qc(5), tc=tc),
    ]


@pytest.mark.parametrize("msg", samples())
def test_round_trip(msg: object) -> None:
    data = msg.to_bytes()  # type: ignore[attr-defined]
    assert decode(data) == msg
    assert data[0] == 1  # version byte


@pytest.mark.parametrize("msg", samples())
def test_truncation_and_trailing_rejected(msg: object) -> None:
    data = msg.to_bytes()  # type: ignore[attr-defined]
    for cut in range(len(data) - 1, max(0, len(data) - 40), -1):
        with pytest.raises(EncodingError):
            decode(data[:cut])
    with pytest.raises(EncodingError):
        decode(data + b"\x00")
    with pytest.raises(EncodingError):
        decode(b"\x02" + data[1:])


@given(st.binary(max_size=400))
def test_garbage_never_crashes(data: bytes) -> None:
    try:
        decode(data)
    except EncodingError:
        pass


@given(st.integers(0, 10_000), st.integers(0, 255))
def test_bitflip_changes_or_rejects(pos: int, bit: int) -> None:
    msg = samples()[2]
    data = bytearray(msg.to_bytes())  # type: ignore[attr-defined]
    data[pos % len(data)] ^= 1 << (bit % 8)
    try:
        assert decode(bytes(data)) != msg
    except EncodingError:
        pass


def test_qc_constant_size() -> None:
    assert len(qc(7).to_bytes()) == QuorumCert.ENCODED_LEN == 141
    assert QuorumCert.from_bytes(qc(7).to_bytes()) == qc(7)


def test_block_hash_commits_to_everything() -> None:
    b = block(payload=b"")
    assert block(payload=encode_batch([b"x"])).hash != b.hash
    assert block(view=4).hash != b.hash
    assert Block.from_bytes(b.to_bytes()).hash == b.hash


def test_block_must_justify_parent() -> None:
    with pytest.raises(ParameterError):
        Block(epoch=0, view=3, height=1, parent=G.hash, proposer=1, justify=qc(2))
    with pytest.raises(ParameterError):
        Block(epoch=0, view=3, height=1, parent=G.hash, proposer=1, justify=qc(3, G.hash))


def test_proposal_needs_tc_after_view_change() -> None:
    b = Block(epoch=0, view=5, height=1, parent=G.hash, proposer=1, justify=qc(2, G.hash))
    with pytest.raises(ParameterError):
        Proposal(block=b)


@given(st.lists(st.binary(max_size=50), max_size=20))
def test_batch_round_trip(txs: list[bytes]) -> None:
    assert decode_batch(encode_batch(txs)) == txs


def test_batch_rejects_garbage() -> None:
    with pytest.raises(EncodingError):
        decode_batch(b"\x00\x00\x00\x05ab")


def test_safety_state_round_trip() -> None:
    s = SafetyState(epoch=2, view=9, last_voted_view=8, locked_qc=qc(6), high_qc=qc(7))
    assert SafetyState.from_bytes(s.to_bytes()) == s


@pytest.mark.parametrize(("w", "q"), [(1, 1), (3, 3), (4, 3), (7, 5), (10, 7), (100, 67)])
def test_quorum_weight(w: int, q: int) -> None:
    assert quorum_weight(w) == q
    assert 3 * q > 2 * w and 3 * (q - 1) <= 2 * w


def test_committee_validation() -> None:
    with pytest.raises(ParameterError):
        Committee(epoch=0, weights={})
    with pytest.raises(ParameterError):
        Committee(epoch=0, weights={1: 0})
    c = Committee(epoch=0, weights={3: 2, 1: 1})
    assert c.members == (1, 3) and c.total_weight == 3 and c.quorum == 3
    assert c.weight_of([3, 3, 3]) == 2
