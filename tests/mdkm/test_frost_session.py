"""Sans-IO FROST sessions: honest runs in any order, rejections, FAILED after fatal errors."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import mdkm.frost as frost
from cryptocore.errors import (
    EncodingError,
    MisbehaviourError,
    MisuseError,
    ParameterError,
    ProtocolError,
    ReplayError,
)
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N
from mdkm.dealer import trusted_dealer_keygen
from mdkm.frost.session import (
    COORDINATOR,
    MessageType,
    SessionFailed,
    SignatureReady,
    decode_message,
    encode_message,
)
from mdkm.keys import KeyPackage, PublicKeyPackage

SUITE = frost.FROST_SECP256K1_SHA256
SID = bytes(range(32))
PUB, KPS = trusted_dealer_keygen(5, 3, rng=deterministic_rng("session-keys"))
SIGNERS = [k.identifier for k in KPS[:3]]


def make(
    signers: list[int] | None = None, timeout: float = 10.0
) -> tuple[frost.CoordinatorSession, dict[int, frost.ParticipantSession]]:
    ids = SIGNERS if signers is None else signers
    coord = frost.CoordinatorSession(PUB, b"session msg", ids, SID, timeout=timeout)
    kp = {k.identifier: k for k in KPS}
    parts = {
        i: frost.ParticipantSession(
            kp[i], SID, public_key_package=PUB, rng=deterministic_rng(i), timeout=timeout
        )
        for i in ids
    }
    return coord, parts


def pump(
    coord: frost.CoordinatorSession, parts: dict[int, frost.ParticipantSession]
) -> list[tuple[int, int, bytes]]:
    """Deliver coordinator -> participants; return participant messages (sender, to, data)."""
    for to, data in coord.outbox():
        parts[to].receive(COORDINATOR, data, 0.0)
    out = []
    for i, p in parts.items():
        for to, data in p.outbox():
            out.append((i, to, data))
    return out


def run_round1(
    coord: frost.CoordinatorSession, parts: dict[int, frost.ParticipantSession]
) -> list[tuple[int, int, bytes]]:
    msgs = pump(coord, parts)
    assert all(decode_message(d)[1] is MessageType.COMMITMENTS for _, _, d in msgs)
    return msgs


def test_honest_run_produces_a_valid_signature() -> None:
    coord, parts = make()
    for i, _to, data in run_round1(coord, parts):
        coord.receive(i, data, 1.0)
    assert coord.state is frost.SessionState.AWAITING_SHARES
    shares = pump(coord, parts)
    for i, _to, data in shares:
        coord.receive(i, data, 2.0)
    assert coord.state is frost.SessionState.DONE
    ev = [e for e in coord.events() if isinstance(e, SignatureReady)]
    assert len(ev) == 1 and ev[0].signature == coord.signature
    assert coord.signature is not None
    frost.verify(PUB.group_public_key, b"session msg", coord.signature)
    assert coord.next_deadline() is None
    assert all(p.state is frost.SessionState.DONE for p in parts.values())


@given(st.randoms(use_true_random=False))
def test_any_delivery_order_finishes(rnd: random.Random) -> None:
    coord, parts = make(signers=[k.identifier for k in KPS])
    pending: list[tuple[int, int, bytes]] = [(COORDINATOR, to, d) for to, d in coord.outbox()]
    while pending:
        sender, to, data = pending.pop(rnd.randrange(len(pending)))
        if to == COORDINATOR:
            coord.receive(sender, data, 0.0)
            pending += [(COORDINATOR, t, d) for t, d in coord.outbox()]
        else:
            parts[to].receive(sender, data, 0.0)
            pending += [(to, t, d) for t, d in parts[to].outbox()]
    assert coord.state is frost.SessionState.DONE
    assert coord.signature is not None
    frost.verify(PUB.group_public_key, b"session msg", coord.signature)


def test_outsider_and_other_session_messages_are_rejected_without_harm() -> None:
    coord, parts = make()
    msgs = run_round1(coord, parts)
    outsider = KPS[4].identifier
    with pytest.raises(MisbehaviourError) as exc:
        coord.receive(outsider, msgs[0][2], 0.0)
    assert exc.value.culprits == (outsider,)
    foreign = encode_message(
        SUITE, MessageType.COMMITMENTS, bytes(32), decode_message(msgs[0][2])[3]
    )
    with pytest.raises(ReplayError):
        coord.receive(msgs[0][0], foreign, 0.0)
    for i, _to, data in msgs:
        coord.receive(i, data, 0.0)
    # replay of an accepted commitment: rejected, not fatal
    with pytest.raises(ReplayError):
        coord.receive(msgs[0][0], msgs[0][2], 0.0)
    # a share from an unknown id is refused, the session goes on
    with pytest.raises(MisbehaviourError):
        coord.receive(
            outsider, encode_message(SUITE, MessageType.SIGNATURE_SHARE, SID, bytes(32)), 0.0
        )
    for i, _to, data in pump(coord, parts):
        coord.receive(i, data, 0.0)
    assert coord.state is frost.SessionState.DONE


def test_conflicting_commitments_fail_the_session_and_name_the_sender() -> None:
    coord, parts = make()
    msgs = run_round1(coord, parts)
    i, _to, data = msgs[0]
    coord.receive(i, data, 0.0)
    other = frost.commit(KPS[0], deterministic_rng(77))[1]
    dup = encode_message(
        SUITE, MessageType.COMMITMENTS, SID, other.hiding.to_bytes() + other.binding.to_bytes()
    )
    with pytest.raises(MisbehaviourError) as exc:
        coord.receive(i, dup, 0.0)
    assert exc.value.culprits == (i,)
    assert coord.state is frost.SessionState.FAILED
    fails = [e for e in coord.events() if isinstance(e, SessionFailed)]
    assert fails and fails[0].culprits == (i,)
    with pytest.raises(MisuseError):
        coord.receive(msgs[1][0], msgs[1][2], 0.0)
    assert coord.state is frost.SessionState.FAILED


def test_malformed_messages_from_members_are_fatal() -> None:
    for payload in (b"", b"\x00" * 66, b"\x02" + b"\xff" * 65):
        coord, parts = make()
        msgs = run_round1(coord, parts)
        bad = encode_message(SUITE, MessageType.COMMITMENTS, SID, payload)
        with pytest.raises(MisbehaviourError) as exc:
            coord.receive(msgs[0][0], bad, 0.0)
        assert exc.value.culprits == (msgs[0][0],)
        assert coord.state is frost.SessionState.FAILED
    coord, parts = make()
    with pytest.raises(MisbehaviourError):
        coord.receive(SIGNERS[0], b"\x01garbage", 0.0)
    assert coord.state is frost.SessionState.FAILED


def test_wrong_round_message_is_fatal() -> None:
    coord, _parts = make()
    share = encode_message(SUITE, MessageType.SIGNATURE_SHARE, SID, bytes(32))
    with pytest.raises(MisbehaviourError):
        coord.receive(SIGNERS[1], share, 0.0)
    assert coord.state is frost.SessionState.FAILED


def test_missing_commitments_time_out_naming_the_silent() -> None:
    coord, parts = make(timeout=5.0)
    msgs = run_round1(coord, parts)
    assert coord.next_deadline() == 5.0
    coord.receive(msgs[0][0], msgs[0][2], 1.0)
    coord.handle_timer(4.9)
    assert coord.state is frost.SessionState.AWAITING_COMMITMENTS
    coord.handle_timer(5.0)
    assert coord.state is frost.SessionState.FAILED
    err = coord.error
    assert isinstance(err, MisbehaviourError)
    assert err.culprits == tuple(sorted(i for i, _, _ in msgs[1:]))


def test_participant_times_out_and_discards_nonces() -> None:
    coord, parts = make(timeout=3.0)
    run_round1(coord, parts)
    p = parts[SIGNERS[0]]
    assert p.state is frost.SessionState.AWAITING_PACKAGE
    p.handle_timer(10.0)
    assert p.state is frost.SessionState.FAILED
    assert p._nonces is not None and p._nonces.spent


def test_bad_shares_fail_the_session_with_every_cheater_named() -> None:
    coord, parts = make()
    for i, _to, data in run_round1(coord, parts):
        coord.receive(i, data, 0.0)
    shares = pump(coord, parts)
    cheaters = {shares[0][0], shares[2][0]}
    with pytest.raises(MisbehaviourError) as exc:
        for i, _to, data in shares:
            if i in cheaters:
                kind = decode_message(data)
                z = (int.from_bytes(kind[3], "big") + 1) % N
                data = encode_message(
                    SUITE, MessageType.SIGNATURE_SHARE, SID, z.to_bytes(32, "big")
                )
            coord.receive(i, data, 0.0)
    assert exc.value.culprits == tuple(sorted(cheaters))
    assert coord.state is frost.SessionState.FAILED
    share_ge_n = encode_message(SUITE, MessageType.SIGNATURE_SHARE, SID, N.to_bytes(32, "big"))
    coord2, parts2 = make()
    for i, _to, data in run_round1(coord2, parts2):
        coord2.receive(i, data, 0.0)
    pump(coord2, parts2)
    with pytest.raises(MisbehaviourError):
        coord2.receive(SIGNERS[0], share_ge_n, 0.0)
    assert coord2.state is frost.SessionState.FAILED


def _package_msg(pkg: frost.SigningPackage, tweak: bytes = b"\x00") -> bytes:
    return encode_message(SUITE, MessageType.SIGNING_PACKAGE, SID, tweak + pkg.to_bytes())


def _participant_after_round1(
    i: int,
) -> tuple[frost.ParticipantSession, frost.SigningCommitments, dict[int, frost.SigningCommitments]]:
    coord, parts = make()
    msgs = run_round1(coord, parts)
    comms = {
        s: frost.SigningCommitments.from_bytes(SUITE.header() + decode_message(d)[3])
        for s, _, d in msgs
    }
    return parts[i], comms[i], comms


def test_participant_refuses_bad_signing_packages() -> None:
    me = SIGNERS[0]
    outsider = KPS[4].identifier
    cases = {}
    p, mine, comms = _participant_after_round1(me)
    cases["missing own"] = {s: c for s, c in comms.items() if s != me}
    cases["altered own"] = {**comms, me: frost.commit(KPS[0], deterministic_rng(5))[1]}
    cases["too few"] = {me: mine, SIGNERS[1]: comms[SIGNERS[1]]}
    cases["outside the set"] = {**comms, 12345: comms[SIGNERS[1]]}
    for name, cm in cases.items():
        p, _mine, _comms = _participant_after_round1(me)  # same rng: same commitments
        pkg = frost.SigningPackage(commitments=cm, message=b"m")
        with pytest.raises(MisbehaviourError) as exc:
            p.receive(COORDINATOR, _package_msg(pkg), 0.0)
        assert exc.value.culprits == (COORDINATOR,), name
        assert p.state is frost.SessionState.FAILED, name
        assert p._nonces is not None and p._nonces.spent, name
        assert p.outbox() == [], name
    # malformed package bytes and messages from others than the coordinator
    p, mine, comms = _participant_after_round1(me)
    with pytest.raises(MisbehaviourError):
        p.receive(outsider, _package_msg(frost.SigningPackage(commitments=comms, message=b"m")), 0)
    assert p.state is frost.SessionState.AWAITING_PACKAGE
    with pytest.raises(MisbehaviourError):
        p.receive(COORDINATOR, encode_message(SUITE, MessageType.SIGNING_PACKAGE, SID, b"\x00"), 0)
    assert p.state is frost.SessionState.FAILED


def test_participant_signs_once_and_rejects_replays() -> None:
    me = SIGNERS[0]
    p, _mine, comms = _participant_after_round1(me)
    msg = _package_msg(frost.SigningPackage(commitments=comms, message=b"m"))
    p.receive(COORDINATOR, msg, 0.0)
    assert p.state is frost.SessionState.DONE
    assert len(p.outbox()) == 1
    with pytest.raises(ReplayError):
        p.receive(COORDINATOR, msg, 0.0)
    other = _package_msg(frost.SigningPackage(commitments=comms, message=b"other"))
    with pytest.raises(MisuseError):
        p.receive(COORDINATOR, other, 0.0)
    assert p.outbox() == []


def test_participant_approval_callback_can_refuse() -> None:
    kp = KPS[0]
    p = frost.ParticipantSession(kp, SID, approve=lambda m, t: m == b"ok", rng=deterministic_rng(1))
    p.receive(COORDINATOR, encode_message(SUITE, MessageType.COMMIT_REQUEST, SID), 0.0)
    ((_to, data),) = p.outbox()
    comm = frost.SigningCommitments.from_bytes(SUITE.header() + decode_message(data)[3])
    others = {k.identifier: frost.commit(k, deterministic_rng(2))[1] for k in KPS[1:3]}
    pkg = frost.SigningPackage(commitments={kp.identifier: comm, **others}, message=b"no")
    with pytest.raises(MisbehaviourError):
        p.receive(COORDINATOR, _package_msg(pkg), 0.0)


def test_coordinator_parameter_checks() -> None:
    with pytest.raises(ParameterError):
        frost.CoordinatorSession(PUB, b"m", SIGNERS[:2], SID)  # below threshold
    with pytest.raises(ParameterError):
        frost.CoordinatorSession(PUB, b"m", [*SIGNERS, 999], SID)  # outside the key
    with pytest.raises(ParameterError):
        frost.CoordinatorSession(PUB, b"m", [SIGNERS[0], SIGNERS[0], SIGNERS[1]], SID)
    with pytest.raises(ParameterError):
        frost.CoordinatorSession(PUB, b"m", SIGNERS, SID, tweak=b"")  # RFC suite: no tweak
    with pytest.raises(ParameterError):
        frost.CoordinatorSession(PUB, b"m", SIGNERS, SID, timeout=0)
    with pytest.raises(EncodingError):
        frost.CoordinatorSession(PUB, b"m", SIGNERS, b"short")


# ------------------------------------------------------------------ stateful model
class FrostSessionMachine(RuleBasedStateMachine):
    """Random scheduling with replays and outsider noise: the honest run still completes."""

    def __init__(self) -> None:
        super().__init__()
        ids = [k.identifier for k in KPS[:4]]
        self.coord, self.parts = make(signers=ids, timeout=1e9)
        self.pending: list[tuple[int, int, bytes]] = [
            (COORDINATOR, to, d) for to, d in self.coord.outbox()
        ]
        self.delivered: list[tuple[int, int, bytes]] = []
        self.now = 0.0

    def _route(self, sender: int, to: int, data: bytes) -> None:
        if to == COORDINATOR:
            self.coord.receive(sender, data, self.now)
            self.pending += [(COORDINATOR, t, d) for t, d in self.coord.outbox()]
        else:
            self.parts[to].receive(sender, data, self.now)
            self.pending += [(to, t, d) for t, d in self.parts[to].outbox()]

    @precondition(lambda self: bool(self.pending))
    @rule(pick=st.integers(0, 1000))
    def deliver(self, pick: int) -> None:
        msg = self.pending.pop(pick % len(self.pending))
        self._route(*msg)
        self.delivered.append(msg)

    @precondition(lambda self: bool(self.delivered))
    @rule(pick=st.integers(0, 1000))
    def replay(self, pick: int) -> None:
        sender, to, data = self.delivered[pick % len(self.delivered)]
        with pytest.raises((ReplayError, MisuseError)):
            self._route(sender, to, data)

    @rule(noise=st.binary(max_size=120), who=st.integers(1000, 2000))
    def outsider_noise(self, noise: bytes, who: int) -> None:
        with pytest.raises(ProtocolError):
            self.coord.receive(who, noise, self.now)
        target = next(iter(self.parts.values()))
        with pytest.raises(ProtocolError):
            target.receive(who, noise, self.now)

    @rule(dt=st.floats(0, 1))
    def tick(self, dt: float) -> None:
        self.now += dt
        self.coord.handle_timer(self.now)
        for p in self.parts.values():
            p.handle_timer(self.now)

    @invariant()
    def never_failed(self) -> None:
        assert self.coord.state is not frost.SessionState.FAILED
        for p in self.parts.values():
            assert p.state is not frost.SessionState.FAILED

    def teardown(self) -> None:
        while self.pending:
            self._route(*self.pending.pop(0))
        assert self.coord.state is frost.SessionState.DONE
        assert self.coord.signature is not None
        frost.verify(PUB.group_public_key, b"session msg", self.coord.signature)


FrostSessionMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=30)
TestFrostSessionMachine = FrostSessionMachine.TestCase


def test_sign_in_process_needs_threshold() -> None:
    with pytest.raises(ParameterError):
        frost.sign_in_process(KPS[:2], b"m")
    sig = frost.sign_in_process(KPS[1:4], b"m")
    frost.verify(PUB.group_public_key, b"m", sig)
    lone = KeyPackage(
        group="secp256k1",
        identifier=KPS[0].identifier,
        signing_share=KPS[0].signing_share,
        verifying_share=KPS[0].verifying_share,
        group_public_key=KPS[0].group_public_key,
        min_signers=1,
    )
    assert isinstance(PUB, PublicKeyPackage)
    with pytest.raises(ProtocolError):  # one share of a 3-of-5 key does not make a signature
        frost.sign_in_process([lone], b"m")


def test_outsiders_after_a_failure_get_misuse_in_both_roles() -> None:
    outsider = KPS[4].identifier
    coord, parts = make()
    msgs = run_round1(coord, parts)
    with pytest.raises(MisbehaviourError):  # a member's malformed commitments: fatal
        coord.receive(msgs[0][0], encode_message(SUITE, MessageType.COMMITMENTS, SID, b""), 0.0)
    assert coord.state is frost.SessionState.FAILED
    with pytest.raises(MisuseError):
        coord.receive(outsider, msgs[1][2], 0.0)
    p, _mine, comms = _participant_after_round1(SIGNERS[0])
    with pytest.raises(MisbehaviourError):
        p.receive(COORDINATOR, encode_message(SUITE, MessageType.SIGNING_PACKAGE, SID, b"\x00"), 0)
    assert p.state is frost.SessionState.FAILED
    with pytest.raises(MisuseError):
        p.receive(outsider, _package_msg(frost.SigningPackage(commitments=comms, message=b"m")), 0)
