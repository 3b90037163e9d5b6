"""The GJKR session over a totally ordered broadcast (``self_delivery=True``), as on a ledger.

Every participant, the sender included, sees each message when the ledger delivers it, with the
ledger's position as the clock: all participants then decide each phase identically, even when
a participant's own message arrives after the deadline (it disqualifies itself like the others
do).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptocore.errors import MisbehaviourError
from cryptocore.rng import deterministic_rng, keyed_rng
from mdkm.dkg import DkgParameters, DkgSession, IdentityKey
from mdkm.dkg.session import SessionState


def _ledger_run(
    n: int, t: int, delays: dict[int, int], *, timeout: int = 5, seed: int = 0
) -> dict[int, DkgSession]:
    """Messages of participant i reach the ledger ``delays.get(i, 1)`` blocks after they are
    produced; each block delivers its messages to every session in ledger order."""
    rng = deterministic_rng(seed)
    keys = {i: IdentityKey.generate(rng) for i in range(1, n + 1)}
    params = DkgParameters(
        group="secp256k1",
        threshold=t,
        participants={i: k.public_key for i, k in keys.items()},
        context=b"ledger test",
        phase_timeout=float(timeout),
    )
    sessions = {
        i: DkgSession(params, i, keys[i], rng=deterministic_rng(f"{seed}/{i}"), self_delivery=True)
        for i in keys
    }
    queue: list[tuple[int, int, bytes]] = []  # (block it lands in, sender, message)
    for s in sessions.values():
        s.start(0.0)
    for height in range(1, 200):
        for i, s in sessions.items():
            for _, m in s.outbox():
                queue.append((height + delays.get(i, 1) - 1, i, m))
        block = [(i, m) for h, i, m in queue if h == height]
        queue = [q for q in queue if q[0] != height]
        for sender, m in block:
            for s in sessions.values():
                if s.state is SessionState.RUNNING:
                    try:
                        s.receive(sender, m, float(height))
                    except MisbehaviourError:
                        pass  # late messages: every session refuses them alike
        for s in sessions.values():
            s.handle_timer(float(height))
        if all(s.state is not SessionState.RUNNING for s in sessions.values()):
            break
    return sessions


def _same_outcome(sessions: dict[int, DkgSession]) -> tuple[int, ...]:
    assert all(s.state is SessionState.DONE for s in sessions.values())
    quals = {s.qual for s in sessions.values()}
    pubs = {s.result()[1].group_public_key.to_bytes() for s in sessions.values()}
    assert len(quals) == 1 and len(pubs) == 1
    return next(iter(quals))


def test_all_on_time() -> None:
    assert _same_outcome(_ledger_run(4, 3, {})) == (1, 2, 3, 4)


def test_own_late_deal_disqualifies_the_sender_everywhere_including_itself() -> None:
    sessions = _ledger_run(4, 2, {3: 7})  # 3's messages land 7 blocks late (deadline: 5)
    assert _same_outcome(sessions) == (1, 2, 4)
    # 3 still receives a valid share of the key dealt by the others
    kp3, pub = sessions[3].result()
    assert pub.verifying_shares[3] == kp3.verifying_share


@settings(max_examples=8, deadline=None)
@given(st.dictionaries(st.integers(1, 5), st.integers(1, 9), max_size=5), st.integers(0, 3))
def test_any_delays_give_one_outcome_or_one_failure(delays: dict[int, int], seed: int) -> None:
    sessions = _ledger_run(5, 3, delays, seed=seed)
    states = {s.state for s in sessions.values()}
    assert len(states) == 1  # everybody finishes, or everybody fails (too few dealers)
    if states == {SessionState.DONE}:
        qual = _same_outcome(sessions)
        assert all(delays.get(i, 1) <= 5 for i in qual)


def test_keyed_rng_rebuilds_the_same_dealing() -> None:
    # the chain DKG relies on this: a restarted participant re-derives its dealing byte for byte
    keys = {i: IdentityKey.generate(deterministic_rng(i)) for i in (1, 2, 3)}
    params = DkgParameters(
        group="secp256k1", threshold=2, participants={i: k.public_key for i, k in keys.items()}
    )
    outs = []
    for _ in range(2):
        s = DkgSession(params, 1, keys[1], rng=keyed_rng(b"k" * 32, b"unit 1"), self_delivery=True)
        s.start(0.0)
        outs.append(s.outbox())
    assert outs[0] == outs[1]
    with pytest.raises(ValueError):
        keyed_rng(b"short", b"x")


@pytest.mark.parametrize("group", ["secp256k1", "bls12_381"])
def test_messages_longer_than_any_valid_one_are_refused_before_decoding(group: str) -> None:
    from mdkm.dkg import DkgMessage
    from mdkm.dkg.messages import Kind, Reveal

    rng = deterministic_rng(group)
    keys = {i: IdentityKey.generate(rng) for i in range(1, 8)}
    params = DkgParameters(
        group=group, threshold=5, participants={i: k.public_key for i, k in keys.items()}
    )
    s1 = DkgSession(params, 1, keys[1], rng=rng)
    s2 = DkgSession(params, 2, keys[2], rng=rng)
    s1.start(0.0)
    s2.start(0.0)
    deal = s2.outbox()[0][1]
    biggest_reveals = DkgMessage(
        group=group,
        kind=Kind.RECONSTRUCT,
        session_id=params.session_id,
        sender=2,
        reveals=tuple(Reveal(who=i, share=2**200 + i, blinding=2**201 + i) for i in range(1, 8)),
    ).to_bytes()
    bound = s1._max_len
    assert len(deal) <= bound and len(biggest_reveals) <= bound
    with pytest.raises(MisbehaviourError, match="longer") as e:
        s1.receive(2, deal + bytes(bound + 1 - len(deal)), 0.0)
    assert e.value.culprits == (2,)
    s1.receive(2, deal, 0.0)  # state untouched: the genuine DEAL is still accepted
