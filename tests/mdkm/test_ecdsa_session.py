"""Sans-IO threshold-ECDSA sessions: end to end, bad input, cheaters named, random scheduling."""

from __future__ import annotations

import dataclasses
import hashlib

import coincurve
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from cryptocore.errors import (
    CryptoError,
    EncodingError,
    InvalidSignature,
    MisbehaviourError,
    MisuseError,
    ParameterError,
    ProtocolError,
    ReplayError,
)
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N
from mdkm.dealer import trusted_dealer_keygen
from mdkm.dkg.channel import IdentityKey
from mdkm.ecdsa import (
    BROADCAST,
    EcdsaPresignSession,
    EcdsaSignSession,
    PresignatureReady,
    SessionFailed,
    SessionState,
    SignatureReady,
    public_package_from,
    public_presignature,
    run_sessions_in_process,
    sign_in_process,
    verify_ecdsa,
)
from mdkm.ecdsa.messages import EcdsaMessage, Kind, decode_message
from mdkm.ecdsa.proofs import ProductProof
from mdkm.ecdsa.protocol import (
    Complaint,
    Justification,
    PrivateShares,
    ProductShare,
    SignatureShare,
)
from mdkm.ecdsa.session import Blame, RoundStarted

PUB, KPS = trusted_dealer_keygen(5, 2, rng=deterministic_rng("ecdsa-session"))
SIGNERS = KPS[:3]  # t = 2: 2t - 1 = 3 signers
IDS = tuple(k.identifier for k in SIGNERS)
PUBLIC = public_package_from(SIGNERS)
KEYS = {i: IdentityKey.generate(deterministic_rng(f"identity-{i}")) for i in range(1, 6)}
IDENTITIES = {i: k.public_key for i, k in KEYS.items()}
SID = hashlib.sha256(b"ecdsa session test").digest()
HASH = hashlib.sha256(b"release the locked account").digest()
TIMEOUT = 10.0


def recovered(sig: bytes, h: bytes = HASH) -> bytes:
    return coincurve.PublicKey.from_signature_and_message(sig, h, hasher=None).format()


def make_presign(
    kps=SIGNERS, sid: bytes = SID, seed: str = "s", timeout: float = TIMEOUT, cls=None
) -> dict[int, EcdsaPresignSession]:
    ids = [k.identifier for k in kps]
    cls = cls or {}
    return {
        k.identifier: cls.get(k.identifier, EcdsaPresignSession)(
            k,
            ids,
            sid,
            KEYS[k.identifier],
            IDENTITIES,
            rng=deterministic_rng(f"{seed}-{k.identifier}"),
            timeout=timeout,
        )
        for k in kps
    }


def broadcasts(session) -> list[bytes]:
    out = []
    for to, data in session.outbox():
        assert to == BROADCAST
        out.append(data)
    return out


def pump(sessions, now: float = 0.0, tamper=None, skip=lambda s, t, d: False) -> list[Exception]:
    """Deliver every broadcast to every other session until quiet; collect raised errors."""
    queue = [(i, d) for i, s in sessions.items() for d in broadcasts(s)]
    errors: list[Exception] = []
    while queue:
        sender, data = queue.pop(0)
        for j, s in sessions.items():
            if j == sender or s.state is not SessionState.RUNNING or skip(sender, j, data):
                continue
            payload = tamper(sender, j, data) if tamper else data
            try:
                s.receive(sender, payload, now)
            except CryptoError as e:
                errors.append(e)
        queue += [(i, d) for i, s in sessions.items() for d in broadcasts(s)]
    return errors


def presignatures(sessions) -> dict:
    return {i: s.result() for i, s in sessions.items()}


def sign_all(pres, kps=SIGNERS, h: bytes = HASH):
    by_id = {k.identifier: k for k in kps}
    public = public_package_from(kps)
    sessions = {
        i: EcdsaSignSession(
            public, p, h, key_package=by_id[i], rng=deterministic_rng(i), timeout=TIMEOUT
        )
        for i, p in pres.items()
    }
    return sessions


def msg_of(sessions_outbox: list[bytes], kind: Kind) -> bytes:
    (raw,) = [d for d in sessions_outbox if decode_message(d).kind is kind]
    return raw


# ------------------------------------------------------------------ end to end
def test_sessions_sign_and_the_signature_recovers_the_group_key() -> None:
    sessions = make_presign()
    assert pump(sessions) == []
    pres = presignatures(sessions)
    for i, s in sessions.items():
        ready = [e for e in s.events() if isinstance(e, PresignatureReady)]
        assert len(ready) == 1 and ready[0].presignature is pres[i] and ready[0].qual == IDS
    assert len({p.R for p in pres.values()}) == 1
    signs = sign_all(pres)
    assert pump(signs) == []
    sigs = set()
    for s in signs.values():
        assert s.state is SessionState.DONE
        (ready,) = [e for e in s.events() if isinstance(e, SignatureReady)]
        sigs.add(ready.signature)
    (sig,) = sigs
    assert len(sig) == 65 and sig[64] in (0, 1)
    assert int.from_bytes(sig[32:64], "big") <= N // 2  # low-S
    verify_ecdsa(PUB.group_public_key.to_bytes(), HASH, sig)
    assert recovered(sig) == PUB.group_public_key.to_bytes()
    with pytest.raises(InvalidSignature):
        verify_ecdsa(PUB.group_public_key.to_bytes(), hashlib.sha256(b"other").digest(), sig)


@pytest.mark.parametrize(("n", "t", "k"), [(5, 2, 3), (5, 3, 5), (4, 2, 4), (2, 1, 1)])
def test_run_sessions_in_process_matches_sign_in_process(n: int, t: int, k: int) -> None:
    pub, kps = trusted_dealer_keygen(n, t, rng=deterministic_rng(f"keys-{n}-{t}"))
    sig = run_sessions_in_process(kps[:k], HASH, deterministic_rng("run"))
    ref = sign_in_process(kps[:k], HASH, deterministic_rng("run"))
    for s in (sig, ref):  # the same kind of signature: 65 bytes, low-S, v in {0, 1}, recoverable
        assert len(s) == 65 and s[64] in (0, 1)
        assert int.from_bytes(s[32:64], "big") <= N // 2
        assert recovered(s) == pub.group_public_key.to_bytes()
    with pytest.raises(ParameterError):
        run_sessions_in_process(kps[: 2 * t - 2] or kps[:0], HASH)
    with pytest.raises(EncodingError):
        run_sessions_in_process(kps[:k], b"short")


def test_a_coordinator_without_a_key_combines_the_signature() -> None:
    sessions = make_presign()
    pump(sessions)
    pres = presignatures(sessions)
    public_view = public_presignature(pres[IDS[0]])
    assert public_view.consumed and "unused" not in repr(public_view)
    coord = EcdsaSignSession(PUBLIC, public_view, HASH)
    signs = sign_all(pres)
    for i, s in signs.items():
        for data in broadcasts(s):
            coord.receive(i, data, 0.0)
    assert coord.state is SessionState.DONE and coord.signature is not None
    assert recovered(coord.signature) == PUB.group_public_key.to_bytes()
    with pytest.raises(MisuseError):  # a public view cannot sign
        EcdsaSignSession(PUBLIC, public_view, HASH, key_package=SIGNERS[0])


def test_a_presignature_signs_once() -> None:
    sessions = make_presign()
    pump(sessions)
    pres = presignatures(sessions)
    EcdsaSignSession(PUBLIC, pres[IDS[0]], HASH, key_package=SIGNERS[0])
    assert pres[IDS[0]].consumed
    with pytest.raises(MisuseError):
        EcdsaSignSession(
            PUBLIC, pres[IDS[0]], hashlib.sha256(b"x").digest(), key_package=SIGNERS[0]
        )
    with pytest.raises(ParameterError):  # someone else's presignature
        EcdsaSignSession(PUBLIC, pres[IDS[1]], HASH, key_package=SIGNERS[0])


def test_sessions_report_rounds_and_keep_secrets_out_of_repr() -> None:
    sessions = make_presign()
    s = sessions[IDS[0]]
    assert s.round is Kind.DEAL and s.next_deadline() == TIMEOUT
    assert "redacted" in repr(s)
    pump(sessions)
    kinds = [e.kind for e in s.events() if isinstance(e, RoundStarted)]
    assert kinds == [Kind.DEAL, Kind.COMPLAINT, Kind.JUSTIFY, Kind.PRODUCT]
    assert s.round is None and s.next_deadline() is None and s.qual == IDS


# ------------------------------------------------------------------ parameters
def test_parameter_checks() -> None:
    ids = list(IDS)
    with pytest.raises(ParameterError):  # too few signers for t = 2
        EcdsaPresignSession(SIGNERS[0], ids[:2], SID, KEYS[ids[0]], IDENTITIES)
    with pytest.raises(ParameterError):  # not a member
        EcdsaPresignSession(KPS[4], ids, SID, KEYS[5], IDENTITIES)
    with pytest.raises(ParameterError):  # identity key not the registered one
        EcdsaPresignSession(SIGNERS[0], ids, SID, KEYS[ids[1]], IDENTITIES)
    with pytest.raises(ParameterError):  # missing identity
        EcdsaPresignSession(SIGNERS[0], ids, SID, KEYS[ids[0]], {ids[0]: IDENTITIES[ids[0]]})
    with pytest.raises(EncodingError):
        EcdsaPresignSession(SIGNERS[0], ids, b"short", KEYS[ids[0]], IDENTITIES)
    with pytest.raises(ParameterError):
        EcdsaPresignSession(SIGNERS[0], ids, SID, KEYS[ids[0]], IDENTITIES, timeout=0)
    with pytest.raises(ParameterError):  # duplicate ids
        EcdsaPresignSession(SIGNERS[0], [*ids, ids[0]], SID, KEYS[ids[0]], IDENTITIES)


# ------------------------------------------------------------------ rejected input
def test_unknown_sender_wrong_session_and_malformed_bytes_are_rejected_without_harm() -> None:
    sessions = make_presign()
    a, b, c = (sessions[i] for i in IDS)
    deal_b, deal_c = broadcasts(b)[0], broadcasts(c)[0]
    # an outsider (a key-holder who is not in this signer set), and the session's own id
    with pytest.raises(MisbehaviourError) as e:
        a.receive(KPS[4].identifier, deal_b, 0.0)
    assert e.value.culprits == (KPS[4].identifier,)
    with pytest.raises(MisuseError):
        a.receive(IDS[0], deal_b, 0.0)
    for odd in ("2", [2], None, True, 0, N):
        with pytest.raises(MisbehaviourError):
            a.receive(odd, deal_b, 0.0)  # type: ignore[arg-type]
    with pytest.raises(MisbehaviourError, match="not bytes"):
        a.receive(IDS[1], "text", 0.0)  # type: ignore[arg-type]
    # a well-formed DEAL of another session (same sender and keys)
    other = make_presign(sid=hashlib.sha256(b"other").digest())[IDS[1]]
    with pytest.raises(MisbehaviourError, match="another session") as e:
        a.receive(IDS[1], broadcasts(other)[0], 0.0)
    assert e.value.culprits == (IDS[1],)
    # a message relayed under another sender's name
    with pytest.raises(MisbehaviourError, match="another sender") as e:
        a.receive(IDS[2], deal_b, 0.0)
    assert e.value.culprits == (IDS[2],)
    for junk in (b"", b"\x01", deal_b[:-1], deal_b + b"\x00", b"\x02" + deal_b[1:]):
        with pytest.raises(MisbehaviourError, match="malformed") as e:
            a.receive(IDS[1], junk, 0.0)
        assert e.value.culprits == (IDS[1],)
    assert a.state is SessionState.RUNNING and a.round is Kind.DEAL
    # the genuine messages are still taken
    a.receive(IDS[1], deal_b, 0.0)
    a.receive(IDS[2], deal_c, 0.0)
    assert a.round is Kind.COMPLAINT


def test_replays_are_rejected_and_the_session_goes_on() -> None:
    sessions = make_presign()
    a, b = sessions[IDS[0]], sessions[IDS[1]]
    deal_b = broadcasts(b)[0]
    a.receive(IDS[1], deal_b, 0.0)
    with pytest.raises(ReplayError):
        a.receive(IDS[1], deal_b, 0.0)
    assert a.state is SessionState.RUNNING
    pump(sessions)  # deal_b was drained already: deliver it by hand to the third signer
    sessions[IDS[2]].receive(IDS[1], deal_b, 0.0)
    errors = pump(sessions)
    assert errors == []
    for s in sessions.values():
        assert s.state is SessionState.DONE
    with pytest.raises(ReplayError):  # still a replay once DONE
        a.receive(IDS[1], deal_b, 0.0)


def test_a_second_different_message_is_equivocation_and_is_rejected() -> None:
    sessions = make_presign()
    a = sessions[IDS[0]]
    deal_b = broadcasts(sessions[IDS[1]])[0]
    twin = make_presign(seed="twin")[IDS[1]]  # same signer, same session, other randomness
    a.receive(IDS[1], deal_b, 0.0)
    with pytest.raises(MisbehaviourError, match="equivocation") as e:
        a.receive(IDS[1], broadcasts(twin)[0], 0.0)
    assert e.value.culprits == (IDS[1],)
    assert a.state is SessionState.RUNNING


def test_messages_of_the_wrong_round_are_rejected() -> None:
    sessions = make_presign()
    a = sessions[IDS[0]]
    # two rounds ahead of DEAL: no honest signer can have sent it yet
    justify = EcdsaMessage(
        kind=Kind.JUSTIFY, session_id=SID, sender=IDS[1], digest=bytes(32)
    ).to_bytes()
    with pytest.raises(MisbehaviourError, match="wrong round") as e:
        a.receive(IDS[1], justify, 0.0)
    assert e.value.culprits == (IDS[1],)
    # a signing-round message in a presign session
    sig_share = EcdsaMessage(
        kind=Kind.SIGN,
        session_id=SID,
        sender=IDS[1],
        digest=HASH,
        signature_share=SignatureShare(
            session_id=SID,
            signer=IDS[1],
            value=1,
            proof=_ZERO_PROOF,
        ),
    ).to_bytes()
    with pytest.raises(MisbehaviourError, match="SIGN message"):
        a.receive(IDS[1], sig_share, 0.0)
    # one round ahead is buffered, not rejected: a COMPLAINT before our DEAL round closed
    b, c = sessions[IDS[1]], sessions[IDS[2]]
    deal_a, deal_b, deal_c = broadcasts(a)[0], broadcasts(b)[0], broadcasts(c)[0]
    b.receive(IDS[0], deal_a, 0.0)
    b.receive(IDS[2], deal_c, 0.0)
    complaint_b = msg_of(broadcasts(b), Kind.COMPLAINT)
    a.receive(IDS[1], complaint_b, 0.0)
    assert a.round is Kind.DEAL
    a.receive(IDS[1], deal_b, 0.0)
    a.receive(IDS[2], deal_c, 0.0)
    assert a.round is Kind.COMPLAINT and a.missing() == (IDS[2],)
    # a DEAL after the DEAL round closed is a replay or equivocation
    with pytest.raises(ReplayError):
        a.receive(IDS[1], deal_b, 0.0)
    assert a.state is SessionState.RUNNING


@settings(max_examples=40)
@given(data=st.data())
def test_mutated_messages_never_crash_a_session(data: st.DataObject) -> None:
    """A bit-flipped message of any round is rejected with a typed error that leaves no trace
    (the genuine message then completes the run), or fails the session with a typed error, or
    is taken; nothing else (no crash). Noise is rejected without harm."""
    kind = data.draw(st.sampled_from([Kind.DEAL, Kind.COMPLAINT, Kind.JUSTIFY, Kind.PRODUCT]))
    sessions = make_presign(seed="mutants")
    a = sessions[IDS[0]]
    held: list[bytes] = []

    def hold(sender: int, to: int, d: bytes) -> bool:
        if sender == IDS[1] and to == IDS[0] and decode_message(d).kind is kind:
            held.append(d)
            return True
        return False

    assert pump(sessions, skip=hold) == []
    (genuine,) = held
    assert a.round is kind and a.missing() == (IDS[1],)
    noise = data.draw(st.binary(max_size=300))
    with pytest.raises(MisbehaviourError):
        a.receive(IDS[2], noise, 0.0)
    pos = data.draw(st.integers(0, len(genuine) - 1))
    mutant = bytearray(genuine)
    mutant[pos] ^= 1 << data.draw(st.integers(0, 7))
    try:
        a.receive(IDS[1], bytes(mutant), 0.0)
    except ProtocolError as e:
        if a.state is SessionState.FAILED:
            assert a.error is e
            return
        assert isinstance(e, MisbehaviourError) and e.culprits == (IDS[1],)
        assert a.state is SessionState.RUNNING and a.missing() == (IDS[1],)
        a.receive(IDS[1], genuine, 0.0)  # the rejected mutant left no trace
        assert pump(sessions) == []
        assert all(s.state is SessionState.DONE for s in sessions.values())
        return
    pump(sessions)  # the mutant was taken: only typed errors may follow


# ------------------------------------------------------------------ deadlines
def test_a_silent_signer_is_named_when_the_deadline_passes() -> None:
    sessions = make_presign()
    silent = IDS[2]
    pump(sessions, skip=lambda s, t, d: s == silent)
    a = sessions[IDS[0]]
    assert a.round is Kind.DEAL and a.missing() == (silent,)
    a.handle_timer(TIMEOUT - 0.5)
    assert a.state is SessionState.RUNNING
    a.handle_timer(TIMEOUT)
    assert a.state is SessionState.FAILED and a.next_deadline() is None
    assert isinstance(a.error, MisbehaviourError) and a.error.culprits == (silent,)
    failed = [e for e in a.events() if isinstance(e, SessionFailed)]
    assert failed and failed[0].culprits == (silent,)
    with pytest.raises(MisuseError):
        a.receive(IDS[1], b"", TIMEOUT)
    a.handle_timer(2 * TIMEOUT)  # no effect once failed
    assert a.state is SessionState.FAILED


def test_the_deadline_restarts_each_round_and_names_a_signer_silent_later() -> None:
    sessions = make_presign()
    late = IDS[1]
    now = 4.0
    # every DEAL is delivered at t = 4; signer `late` then stops talking
    pump(
        sessions,
        now=now,
        skip=lambda s, t, d: s == late and decode_message(d).kind is not Kind.DEAL,
    )
    a = sessions[IDS[0]]
    assert a.round is Kind.COMPLAINT and a.next_deadline() == now + TIMEOUT
    a.handle_timer(TIMEOUT + 1)
    assert a.state is SessionState.RUNNING
    a.handle_timer(now + TIMEOUT)
    assert a.state is SessionState.FAILED and a.error.culprits == (late,)


def test_sign_session_times_out_naming_missing_shares() -> None:
    sessions = make_presign()
    pump(sessions)
    pres = presignatures(sessions)
    signs = sign_all(pres)
    pump(signs, skip=lambda s, t, d: s == IDS[1])
    a = signs[IDS[0]]
    a.handle_timer(TIMEOUT)
    assert a.state is SessionState.FAILED and a.error.culprits == (IDS[1],)


# ------------------------------------------------------------------ cheaters
class BadSealer(EcdsaPresignSession):
    """Seals garbage for the next signer but justifies honestly when accused."""

    def _seal(self, dealing, shares):
        sealed = list(super()._seal(dealing, shares))
        sealed[0] = bytes(len(sealed[0]))
        return tuple(sealed)


class NoJustify(BadSealer):
    """Seals garbage for the next signer and never justifies it (GJKR: disqualified)."""

    def _justify(self, complaints):
        return ()


class WrongJustify(BadSealer):
    """Answers the complaint with shares that do not match its commitments."""

    def _justify(self, complaints):
        out = []
        for j in super()._justify(complaints):
            s = j.shares
            bad = PrivateShares.from_bytes(
                s.to_bytes()[:-32] + ((s.y_blind + 1) % N).to_bytes(32, "big")
            )
            out.append(dataclasses.replace(j, shares=bad))
        return tuple(out)


class BadProduct(EcdsaPresignSession):
    def _product(self, state, qual, dealings, justified):
        p = super()._product(state, qual, dealings, justified)
        return dataclasses.replace(p, value=(p.value + 1) % N)


def test_bad_shares_answered_by_a_justification_keep_the_dealer_in_qual() -> None:
    cheat = IDS[1]
    sessions = make_presign(cls={cheat: BadSealer})
    assert pump(sessions) == []
    victim = IDS[0] if cheat != IDS[0] else IDS[1]
    blames = [e for e in sessions[victim].events() if isinstance(e, Blame)]
    assert any(b.culprits == (cheat,) for b in blames)
    for s in sessions.values():
        assert s.state is SessionState.DONE and s.qual == IDS
    signs = sign_all(presignatures(sessions))
    pump(signs)
    sig = signs[IDS[0]].signature
    assert sig is not None and recovered(sig) == PUB.group_public_key.to_bytes()


@pytest.mark.parametrize("cheater_cls", [NoJustify, WrongJustify])
def test_a_dealer_that_cannot_justify_is_left_out_of_qual(cheater_cls) -> None:
    cheat = IDS[2]
    sessions = make_presign(cls={cheat: cheater_cls})
    assert pump(sessions) == []
    expected_qual = tuple(i for i in IDS if i != cheat)
    for i, s in sessions.items():
        assert s.state is SessionState.DONE
        assert s.qual == expected_qual
        if i != cheat:
            outs = [e for e in s.events() if isinstance(e, Blame) and "QUAL" in e.detail]
            assert outs and outs[0].culprits == (cheat,)
    signs = sign_all(presignatures(sessions))
    pump(signs)
    sig = signs[IDS[0]].signature
    assert sig is not None and recovered(sig) == PUB.group_public_key.to_bytes()


def test_a_bad_product_share_fails_the_presign_naming_the_cheater() -> None:
    cheat = IDS[1]
    sessions = make_presign(cls={cheat: BadProduct})
    errors = pump(sessions)
    assert errors and all(isinstance(e, MisbehaviourError) for e in errors)
    for i, s in sessions.items():
        if i != cheat:
            assert s.state is SessionState.FAILED
            assert s.error is not None and s.error.culprits == (cheat,)
            with pytest.raises(MisuseError):
                s.result()


def test_a_bad_signature_share_is_named() -> None:
    sessions = make_presign()
    pump(sessions)
    signs = sign_all(presignatures(sessions))
    cheat = IDS[2]

    def tamper(sender: int, to: int, data: bytes) -> bytes:
        if sender != cheat:
            return data
        m = decode_message(data)
        sh = m.signature_share
        bad = dataclasses.replace(sh, value=(sh.value + 1) % N)
        return dataclasses.replace(m, signature_share=bad).to_bytes()

    errors = pump(signs, tamper=tamper)
    assert errors
    for i in IDS[:2]:
        assert signs[i].state is SessionState.FAILED and signs[i].error.culprits == (cheat,)


def test_a_share_for_another_message_is_rejected() -> None:
    sessions = make_presign()
    pump(sessions)
    pres = presignatures(sessions)
    a = EcdsaSignSession(PUBLIC, pres[IDS[0]], HASH, key_package=SIGNERS[0])
    other = EcdsaSignSession(
        PUBLIC, pres[IDS[1]], hashlib.sha256(b"other").digest(), key_package=SIGNERS[1]
    )
    with pytest.raises(MisbehaviourError, match="another message") as e:
        a.receive(IDS[1], broadcasts(other)[0], 0.0)
    assert e.value.culprits == (IDS[1],) and a.state is SessionState.RUNNING
    # a presign message (same session id) is of the wrong protocol round here
    product = ProductShare(session_id=SID, signer=IDS[1], value=1, proof=_ZERO_PROOF)
    raw = EcdsaMessage(
        kind=Kind.PRODUCT, session_id=SID, sender=IDS[1], digest=bytes(32), product=product
    ).to_bytes()
    with pytest.raises(MisbehaviourError, match="PRODUCT message"):
        a.receive(IDS[1], raw, 0.0)
    assert a.state is SessionState.RUNNING and a.missing() == (IDS[1], IDS[2])


_ZERO_PROOF = ProductProof(c=0, s_u=0, s_ub=0, s_z=0, s_zb=0)


def test_an_equivocating_dealer_fails_the_session_instead_of_splitting_qual() -> None:
    """Signer 2 sends one dealing to signer 1 and another to signer 3: the echoed DEAL digests
    disagree, so the honest signers stop instead of computing different presignatures (or
    blaming each other for proofs that cannot verify)."""
    sessions = make_presign()
    twin = make_presign(seed="twin")[IDS[1]]
    twin_deal = broadcasts(twin)[0]

    def tamper(sender: int, to: int, data: bytes) -> bytes:
        if sender == IDS[1] and to == IDS[2] and decode_message(data).kind is Kind.DEAL:
            return twin_deal
        return data

    errors = pump(sessions, tamper=tamper)
    assert any("different DEAL round" in str(e) for e in errors)
    for i in (IDS[0], IDS[2]):
        assert sessions[i].state is SessionState.FAILED
        assert "inconsistent" in str(sessions[i].error)


# ------------------------------------------------------------------ encodings
def test_complaint_and_justification_round_trip_and_reject_bad_encodings() -> None:
    c = Complaint(session_id=SID, complainer=2, accused=(1, 3))
    assert Complaint.from_bytes(c.to_bytes()) == c
    empty = Complaint(session_id=SID, complainer=2, accused=())
    assert Complaint.from_bytes(empty.to_bytes()) == empty
    for bad in (
        Complaint(session_id=SID, complainer=2, accused=(3, 1)).to_bytes(),
        Complaint(session_id=SID, complainer=2, accused=(1, 1)).to_bytes(),
        Complaint(session_id=SID, complainer=2, accused=(2,)).to_bytes(),
        c.to_bytes() + b"\x00",
        c.to_bytes()[:-1],
        b"\x01\x06" + c.to_bytes()[2:],
    ):
        with pytest.raises(EncodingError):
            Complaint.from_bytes(bad)
    s = PrivateShares(
        session_id=SID, dealer=3, recipient=1, u=1, u_blind=2, a=3, z=4, z_blind=5, y=6, y_blind=7
    )
    j = Justification(session_id=SID, dealer=3, shares=s)
    again = Justification.from_bytes(j.to_bytes())
    assert again.dealer == 3 and again.shares == s
    other = PrivateShares.from_bytes(
        s.to_bytes()[:34] + (4).to_bytes(32, "big") + s.to_bytes()[66:]
    )
    for bad in (
        Justification(session_id=SID, dealer=3, shares=other).to_bytes(),
        j.to_bytes()[:-1],
        j.to_bytes() + b"\x00",
    ):
        with pytest.raises(EncodingError):
            Justification.from_bytes(bad)


def test_every_session_message_round_trips() -> None:
    sessions = make_presign(cls={IDS[1]: BadSealer})  # so that JUSTIFY carries a justification
    seen: dict[Kind, int] = {}
    queue = [(i, d) for i, s in sessions.items() for d in broadcasts(s)]
    while queue:
        sender, data = queue.pop(0)
        m = decode_message(data)
        assert m.to_bytes() == data and EcdsaMessage.from_bytes(data) == m
        seen[m.kind] = max(seen.get(m.kind, 0), len(m.justifications))
        for j, s in sessions.items():
            if j != sender and s.state is SessionState.RUNNING:
                s.receive(sender, data, 0.0)
        queue += [(i, d) for i, s in sessions.items() for d in broadcasts(s)]
    assert set(seen) == {Kind.DEAL, Kind.COMPLAINT, Kind.JUSTIFY, Kind.PRODUCT}
    assert seen[Kind.JUSTIFY] == 1
    with pytest.raises(ParameterError):  # a DEAL kind without a dealing
        EcdsaMessage(kind=Kind.DEAL, session_id=SID, sender=1)
    with pytest.raises(ParameterError):  # digest on a DEAL
        EcdsaMessage(kind=Kind.COMPLAINT, session_id=SID, sender=1, digest=b"")


# ------------------------------------------------------------------ stateful model
class PresignScheduleMachine(RuleBasedStateMachine):
    """Random delivery order, duplicates and drops. Without drops every signer finishes with
    the same presignature and the signature recovers the group key; with drops, once the
    deadlines pass, no signer is still running, and a failed signer names only signers whose
    message to it was dropped, was still in flight at its deadline, or who never reached its
    round (nobody whose messages all arrived is blamed)."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions = make_presign(seed="machine")
        self.pending: list[tuple[int, int, bytes]] = []
        self.delivered: list[tuple[int, int, bytes]] = []
        self.dropped: set[tuple[int, int]] = set()
        self.late: dict[int, set[int]] = {}
        self.now = 0.0
        self._collect()

    def _collect(self) -> None:
        for i, s in self.sessions.items():
            for to, data in s.outbox():
                assert to == BROADCAST
                self.pending += [(i, j, data) for j in self.sessions if j != i]

    def _route(self, sender: int, to: int, data: bytes) -> None:
        target = self.sessions[to]
        if target.state is SessionState.FAILED:
            with pytest.raises(MisuseError):
                target.receive(sender, data, self.now)
            return
        target.receive(sender, data, self.now)
        self._collect()

    @precondition(lambda self: bool(self.pending))
    @rule(pick=st.integers(0, 10_000))
    def deliver(self, pick: int) -> None:
        msg = self.pending.pop(pick % len(self.pending))
        self._route(*msg)
        self.delivered.append(msg)

    @precondition(lambda self: bool(self.delivered))
    @rule(pick=st.integers(0, 10_000))
    def duplicate(self, pick: int) -> None:
        sender, to, data = self.delivered[pick % len(self.delivered)]
        with pytest.raises((ReplayError, MisuseError)):
            self.sessions[to].receive(sender, data, self.now)

    @precondition(lambda self: bool(self.pending))
    @rule(pick=st.integers(0, 10_000))
    def drop(self, pick: int) -> None:
        sender, to, _ = self.pending.pop(pick % len(self.pending))
        self.dropped.add((sender, to))

    def _timers(self) -> None:
        for i, s in self.sessions.items():
            was_running = s.state is SessionState.RUNNING
            s.handle_timer(self.now)
            if was_running and s.state is SessionState.FAILED:
                # messages still in flight to i when its deadline passed count as silence
                self.late[i] = {sender for sender, to, _ in self.pending if to == i}

    @precondition(lambda self: bool(self.dropped))
    @rule(dt=st.floats(0, 2 * TIMEOUT))
    def tick(self, dt: float) -> None:
        self.now += dt
        self._timers()

    @invariant()
    def no_failure_without_a_drop(self) -> None:
        if not self.dropped:
            for s in self.sessions.values():
                assert s.state is not SessionState.FAILED

    def teardown(self) -> None:
        while self.pending:
            self._route(*self.pending.pop(0))
        if not self.dropped:
            for s in self.sessions.values():
                assert s.state is SessionState.DONE
            pres = presignatures(self.sessions)
            assert len({p.R for p in pres.values()}) == 1
            signs = sign_all(pres)
            assert pump(signs) == []
            sig = signs[IDS[0]].signature
            assert sig is not None and recovered(sig) == PUB.group_public_key.to_bytes()
            return
        for _ in range(5):  # at most four rounds, each with its own deadline
            self.now += TIMEOUT
            self._timers()
        # the round each signer was in when it stopped (DONE counts as past every round)
        reached = {}
        for i, s in self.sessions.items():
            assert s.state is not SessionState.RUNNING
            kinds = [e.kind for e in s.events() if isinstance(e, RoundStarted)]
            reached[i] = kinds[-1] if s.state is SessionState.FAILED else Kind.SIGN
        for i, s in self.sessions.items():
            if s.state is SessionState.FAILED:
                assert isinstance(s.error, MisbehaviourError) and s.error.culprits
                for c in s.error.culprits:
                    # c's message to i was dropped or late, or c never got to i's round
                    assert (c, i) in self.dropped or c in self.late[i] or reached[c] < reached[i]


PresignScheduleMachine.TestCase.settings = settings(max_examples=12, stateful_step_count=40)
TestPresignScheduleMachine = PresignScheduleMachine.TestCase


@pytest.mark.slow
def test_eleven_signers_through_sessions_with_a_disqualified_dealer() -> None:
    pub, kps = trusted_dealer_keygen(16, 6, rng=deterministic_rng("eleven"))
    signers = kps[:11]
    ids = [k.identifier for k in signers]
    keys = {i: IdentityKey.generate(deterministic_rng(f"id11-{i}")) for i in ids}
    identities = {i: k.public_key for i, k in keys.items()}
    sessions = {
        k.identifier: (NoJustify if k.identifier == ids[4] else EcdsaPresignSession)(
            k, ids, SID, keys[k.identifier], identities, rng=deterministic_rng(k.identifier)
        )
        for k in signers
    }
    assert pump(sessions) == []
    for s in sessions.values():
        assert s.qual == tuple(i for i in ids if i != ids[4])
    signs = sign_all(presignatures(sessions), kps=signers)
    assert pump(signs) == []
    sig = signs[ids[0]].signature
    assert sig is not None and recovered(sig) == pub.group_public_key.to_bytes()
