"""DkgSession (sans-IO) on bad input: typed errors naming the sender, no state damage."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptocore.errors import (
    DecryptionError,
    EncodingError,
    MisbehaviourError,
    MisuseError,
    ParameterError,
    ReplayError,
)
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N, Point
from mdkm.dkg import (
    BROADCAST,
    DkgMessage,
    DkgParameters,
    DkgSession,
    IdentityKey,
    Kind,
    SessionState,
)
from mdkm.dkg.channel import PairwiseChannel, aead_open, aead_seal, hkdf_sha256
from mdkm.dkg.gjkr import PublicCache
from mdkm.dkg.messages import Reveal, decode_message
from mdkm.vss import reconstruct


def _setup(n: int = 3, t: int = 2, seed: int = 0, timeout: float = 10.0):
    rng = deterministic_rng(seed)
    keys = {i: IdentityKey.generate(rng) for i in range(1, n + 1)}
    params = DkgParameters(
        group="secp256k1",
        threshold=t,
        participants={i: k.public_key for i, k in keys.items()},
        context=b"test",
        phase_timeout=timeout,
    )
    sessions = {
        i: DkgSession(params, i, keys[i], rng=deterministic_rng(seed * 100 + i)) for i in keys
    }
    return params, keys, sessions


def _start(sessions):
    out = {}
    for i, s in sessions.items():
        s.start(0.0)
        out[i] = s.outbox()
    return out


def _deal(outs, i) -> bytes:
    ((recipient, raw),) = outs[i]
    assert recipient == BROADCAST
    return raw


def _run_all(sessions, pending=None, now=0.0):
    """Deliver until quiet, then fire timers until every session stops running."""
    queue = list(pending or [])
    while True:
        while queue:
            sender, raw = queue.pop(0)
            for j, s in sessions.items():
                if j != sender and s.state is SessionState.RUNNING:
                    try:
                        s.receive(sender, raw, now)
                    except (MisbehaviourError, ReplayError):
                        pass
            for j, s in sessions.items():
                queue.extend((j, m) for _, m in s.outbox())
        running = [s for s in sessions.values() if s.state is SessionState.RUNNING]
        if not running:
            return now
        now = min(s.next_deadline() for s in running)
        for j, s in sessions.items():
            s.handle_timer(now)
            queue.extend((j, m) for _, m in s.outbox())


def test_happy_path_and_outputs() -> None:
    _, _, sessions = _setup(4, 3)
    outs = _start(sessions)
    _run_all(sessions, [(i, _deal(outs, i)) for i in outs])
    pubs = {s.result()[1].to_bytes() for s in sessions.values()}
    assert len(pubs) == 1
    kps = [s.result()[0] for s in sessions.values()]
    secret = reconstruct({kp.identifier: kp.signing_share for kp in kps[:3]}, N)
    assert Point.base_mul(secret) == kps[0].group_public_key
    assert all(s.next_deadline() is None for s in sessions.values())
    events = sessions[1].events()
    assert [e.kind for e in events if e.kind != "phase"] == ["completed"]
    assert "redacted" in repr(sessions[1])


def test_rejects_bad_messages_without_state_damage() -> None:
    _, _, sessions = _setup()
    outs = _start(sessions)
    s1 = sessions[1]
    raw2, raw3 = _deal(outs, 2), _deal(outs, 3)
    msg2 = decode_message(raw2)
    # wrong session id
    other = dataclasses.replace(msg2, session_id=bytes(32))
    with pytest.raises(MisbehaviourError) as e:
        s1.receive(2, other.to_bytes(), 0.0)
    assert e.value.culprits == (2,)
    # unknown sender, sender mismatch, garbage, truncated
    with pytest.raises(MisbehaviourError) as e:
        s1.receive(99, raw2, 0.0)
    assert e.value.culprits == (99,)
    with pytest.raises(MisbehaviourError) as e:
        s1.receive(3, raw2, 0.0)
    assert e.value.culprits == (3,)
    for junk in (b"", b"\x01", raw2[:-1], raw2 + b"\x00", bytes(len(raw2))):
        with pytest.raises(MisbehaviourError):
            s1.receive(2, junk, 0.0)
    # own message: local misuse
    with pytest.raises(MisuseError):
        s1.receive(1, raw2, 0.0)
    # commitment of the wrong length (threshold raising)
    longer = dataclasses.replace(msg2, points=(*msg2.points, msg2.points[0]))
    with pytest.raises(MisbehaviourError) as e:
        s1.receive(2, longer.to_bytes(), 0.0)
    assert e.value.culprits == (2,)
    # the genuine message is still accepted, once
    s1.receive(2, raw2, 0.0)
    with pytest.raises(ReplayError, match="replayed"):
        s1.receive(2, raw2, 0.0)
    # a different DEAL from the same sender is equivocation
    forged = dataclasses.replace(msg2, points=(msg2.points[1], msg2.points[0]))
    with pytest.raises(MisbehaviourError, match="equivocation"):
        s1.receive(2, forged.to_bytes(), 0.0)
    s1.receive(3, raw3, 0.0)
    assert s1.phase is Kind.COMPLAINT and s1.state is SessionState.RUNNING
    # the same DEAL again is a replay (no culprit), whatever the phase
    with pytest.raises(ReplayError):
        s1.receive(3, raw3, 0.0)


def test_identity_and_out_of_range_encodings_rejected() -> None:
    _, _, sessions = _setup()
    outs = _start(sessions)
    raw2 = _deal(outs, 2)
    header = 3 + 32 + 32
    # commitment entry replaced by bytes that are not a point (the identity has no encoding)
    bad_point = raw2[: header + 2] + bytes(33) + raw2[header + 2 + 33 :]
    with pytest.raises(MisbehaviourError):
        sessions[1].receive(2, bad_point, 0.0)
    with pytest.raises(EncodingError):
        decode_message(bad_point)
    msg = DkgMessage(
        group="secp256k1",
        kind=Kind.RECONSTRUCT,
        session_id=sessions[1].params.session_id,
        sender=2,
        reveals=(Reveal(who=3, share=1, blinding=2),),
    )
    raw = msg.to_bytes()
    over = raw[:-64] + N.to_bytes(32, "big") + raw[-32:]
    with pytest.raises(EncodingError):
        decode_message(over)
    with pytest.raises(ParameterError):
        DkgMessage(
            group="secp256k1",
            kind=Kind.COMPLAINT,
            session_id=bytes(32),
            sender=1,
            accused=(3, 2),
        )
    with pytest.raises(ParameterError):
        DkgMessage(group="secp256k1", kind=Kind.COMPLAINT, session_id=bytes(32), sender=0)
    with pytest.raises(ParameterError):
        DkgMessage(group="secp256k1", kind=Kind.EXTRACT, session_id=bytes(32), sender=1, points=())
    with pytest.raises(ParameterError):
        DkgMessage(
            group="secp256k1",
            kind=Kind.EXTRACT,
            session_id=bytes(32),
            sender=1,
            points=(Point.identity(),),
        )


def test_future_phase_messages_are_buffered() -> None:
    _, _, sessions = _setup(3, 2)
    outs = _start(sessions)
    # sessions 2 and 3 finish the deal among themselves; 1 gets their complaints first
    for j in (2, 3):
        for i in (1, 2, 3):
            if i != j:
                sessions[j].receive(i, _deal(outs, i), 0.0)
    complaints = {j: sessions[j].outbox() for j in (2, 3)}
    for j in (2, 3):
        for _, raw in complaints[j]:
            sessions[1].receive(j, raw, 0.0)  # buffered: 1 is still in DEAL
    assert sessions[1].phase is Kind.DEAL
    sessions[1].receive(2, _deal(outs, 2), 0.0)
    sessions[1].receive(3, _deal(outs, 3), 0.0)
    pending = [(1, m) for _, m in sessions[1].outbox()]
    # 2 and 3 still need each other's complaint; 1 sees them again as replays (rejected)
    pending += [(j, raw) for j in (2, 3) for _, raw in complaints[j]]
    _run_all(sessions, pending)
    assert {s.result()[1].to_bytes() for s in sessions.values()}.__len__() == 1


def test_tampered_ciphertext_leads_to_complaint_and_justification() -> None:
    _, _, sessions = _setup(4, 3)
    outs = _start(sessions)
    msg2 = decode_message(_deal(outs, 2))
    cts = list(msg2.ciphertexts)
    cts[0] = bytes(len(cts[0]))  # the share sealed to participant 1
    tampered = dataclasses.replace(msg2, ciphertexts=tuple(cts)).to_bytes()
    pending = [(i, _deal(outs, i)) for i in (1, 3, 4)] + [(2, tampered)]
    _run_all(sessions, pending)
    assert all(s.state is SessionState.DONE for s in sessions.values())
    assert sessions[1].qual == (1, 2, 3, 4)
    assert {s.result()[1].to_bytes() for s in sessions.values()}.__len__() == 1


def test_fatal_failure_is_terminal() -> None:
    _, _, sessions = _setup(3, 3)
    outs = _start(sessions)
    live = {i: sessions[i] for i in (1, 2)}  # 3 never delivers anything
    _run_all(live, [(i, _deal(outs, i)) for i in (1, 2)])
    s1 = sessions[1]
    assert s1.state is SessionState.FAILED
    assert isinstance(s1.error, MisbehaviourError) and s1.error.culprits == (3,)
    assert any(e.kind == "failed" for e in s1.events())
    with pytest.raises(MisuseError):
        s1.receive(2, _deal(outs, 2), 100.0)
    s1.handle_timer(1000.0)
    assert s1.state is SessionState.FAILED and s1.next_deadline() is None
    with pytest.raises(MisuseError):
        s1.result()


def test_local_misuse() -> None:
    params, keys, sessions = _setup()
    with pytest.raises(MisuseError):
        sessions[1].result()
    sessions[1].start(0.0)
    with pytest.raises(MisuseError):
        sessions[1].start(0.0)
    with pytest.raises(ParameterError):
        DkgSession(params, 9, keys[1])
    with pytest.raises(ParameterError):
        DkgSession(params, 1, keys[2])


def test_parameters_validation_and_session_id_binding() -> None:
    rng = deterministic_rng(1)
    keys = {i: IdentityKey.generate(rng).public_key for i in (1, 2, 3)}
    base = DkgParameters(group="secp256k1", threshold=2, participants=keys)
    for bad in (
        {"threshold": 0},
        {"threshold": 4},
        {"participants": {0: keys[1], 2: keys[2]}},
        {"participants": {N: keys[1], 2: keys[2]}},
        {"participants": {1: keys[1], 2: keys[1]}},
        {"participants": {1: Point.identity(), 2: keys[2]}},
        {"phase_timeout": 0},
        {"group": "nope"},
    ):
        with pytest.raises(ParameterError):
            dataclasses.replace(base, **bad)
    ids = {base.session_id}
    for change in (
        {"threshold": 3},
        {"context": b"x"},
        {"participants": {1: keys[1], 2: keys[2], 3: keys[1] + keys[2]}},
        {"participants": {1: keys[1], 2: keys[2], 4: keys[3]}},
    ):
        ids.add(dataclasses.replace(base, **change).session_id)
    assert len(ids) == 5


def test_rejected_messages_are_not_memoised() -> None:
    """The decode memo of PublicCache only keeps messages a session let in: another session
    id, a replay, an equivocation or a late message leave it unchanged (no unbounded growth)."""
    params, keys, sessions = _setup()
    outs = _start(sessions)
    s1 = sessions[1]
    cache = s1._cache
    msg2 = decode_message(_deal(outs, 2))
    base = len(cache._decoded)
    for k in range(40):  # another session: always rejected
        forged = dataclasses.replace(msg2, session_id=(k + 1).to_bytes(32, "big")).to_bytes()
        with pytest.raises(MisbehaviourError):
            s1.receive(2, forged, 0.1)
    assert len(cache._decoded) == base
    s1.receive(2, _deal(outs, 2), 0.1)  # accepted: memoised, so a replay decodes nothing
    assert len(cache._decoded) == base + 1
    with pytest.raises(ReplayError, match="replayed"):
        s1.receive(2, _deal(outs, 2), 0.1)
    for k in range(20):  # equivocations: other well-formed DEALs from the same sender
        other = dataclasses.replace(msg2, ciphertexts=(bytes([k]) * 80,) * 2).to_bytes()
        with pytest.raises(MisbehaviourError, match="equivocation"):
            s1.receive(2, other, 0.1)
    assert len(cache._decoded) == base + 1
    # a shared cache serves the decoding to the next session (same object, no second decode)
    shared = PublicCache(shared=True)
    a = DkgSession(params, 1, keys[1], rng=deterministic_rng(5), cache=shared)
    b = DkgSession(params, 3, keys[3], rng=deterministic_rng(6), cache=shared)
    a.start(0.0)
    b.start(0.0)
    a.receive(2, _deal(outs, 2), 0.1)
    b.receive(2, _deal(outs, 2), 0.1)
    assert a._accepted[Kind.DEAL][2] is b._accepted[Kind.DEAL][2]


def test_channel_seal_open_and_tamper() -> None:
    rng = deterministic_rng(2)
    a, b = IdentityKey.generate(rng), IdentityKey.generate(rng)
    sid = bytes(range(32))
    ca = PairwiseChannel(sid, 1, a, {2: b.public_key})
    cb = PairwiseChannel(sid, 2, b, {1: a.public_key})
    ct = ca.seal(2, 1, b"secret share")
    assert cb.open(1, 1, ct) == b"secret share"
    for bad in (ct[:-1] + bytes([ct[-1] ^ 1]), bytes([ct[0] ^ 1]) + ct[1:]):
        with pytest.raises(DecryptionError):
            cb.open(1, 1, bad)
    with pytest.raises(DecryptionError):
        cb.open(1, 2, ct)  # another round
    with pytest.raises(DecryptionError):
        PairwiseChannel(bytes(32), 2, b, {1: a.public_key}).open(1, 1, ct)  # another session
    with pytest.raises(EncodingError):
        cb.open(1, 1, b"short")
    assert "redacted" in repr(a) and "redacted" in repr(ca)
    assert IdentityKey.from_bytes(a.to_bytes()) == a
    with pytest.raises(TypeError):
        hash(a)
    # RFC 5869 test case 1 (SHA-256)
    okm = hkdf_sha256(
        bytes.fromhex("0b" * 22),
        bytes.fromhex("000102030405060708090a0b0c"),
        bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"),
        42,
    )
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def test_channel_keys_nonce_reuse_and_rounds() -> None:
    rng = deterministic_rng(3)
    a, b = IdentityKey.generate(rng), IdentityKey.generate(rng)
    sid = bytes(range(32))
    ca = PairwiseChannel(sid, 1, a, {2: b.public_key})
    cb = PairwiseChannel(sid, 2, b, {1: a.public_key})
    # the directional keys are HKDF-SHA256(Z, salt = sid, info = DST || sender || recipient)
    z = a.ecdh(b.public_key)
    assert z == b.ecdh(a.public_key)
    dst = b"LITHO-CRYPTO-V01-DKG-SHARE-KEY"
    for snd, rcv in ((1, 2), (2, 1)):
        info = dst + snd.to_bytes(32, "big") + rcv.to_bytes(32, "big")
        assert ca._key(snd, rcv) == cb._key(snd, rcv) == hkdf_sha256(z, sid, info)
    assert ca._key(1, 2) != ca._key(2, 1)
    ct = ca.seal(2, 1, b"x" * 64)
    with pytest.raises(MisuseError):  # same key, same nonce: never a second message
        ca.seal(2, 1, b"y" * 64)
    ct2 = ca.seal(2, 2, b"y" * 64)  # another round is another nonce
    assert cb.open(1, 1, ct) == b"x" * 64 and cb.open(1, 2, ct2) == b"y" * 64
    with pytest.raises(DecryptionError):  # the reverse direction has its own key
        ca.open(2, 1, ct)
    for bad_round in (-1, 256):
        with pytest.raises(ParameterError):
            ca.seal(2, bad_round, b"z")
        with pytest.raises(ParameterError):
            cb.open(1, bad_round, ct)
    with pytest.raises(ParameterError):
        ca.seal(3, 1, b"z")  # not a peer
    with pytest.raises(EncodingError):  # a refused plaintext does not use up the nonce
        ca.seal(2, 3, 7)  # type: ignore[arg-type]
    assert cb.open(1, 3, ca.seal(2, 3, b"z")) == b"z"


# RFC 8439 section 2.8.2 (AEAD_CHACHA20_POLY1305 test vector)
_RFC8439_KEY = bytes(range(0x80, 0xA0))
_RFC8439_NONCE = bytes.fromhex("070000004041424344454647")
_RFC8439_AD = bytes.fromhex("50515253c0c1c2c3c4c5c6c7")
_RFC8439_PT = (
    b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
    b"future, sunscreen would be it."
)
_RFC8439_CT = bytes.fromhex(
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69"
    "da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad67594"
    "5585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
)
_RFC8439_TAG = bytes.fromhex("1ae10b594f09e26a7e902ecbd0600691")


def test_aead_rfc8439_vector() -> None:
    sealed = aead_seal(_RFC8439_KEY, _RFC8439_NONCE, _RFC8439_AD, _RFC8439_PT)
    assert sealed == _RFC8439_CT + _RFC8439_TAG
    assert aead_open(_RFC8439_KEY, _RFC8439_NONCE, _RFC8439_AD, sealed) == _RFC8439_PT
    with pytest.raises(ParameterError):
        aead_seal(_RFC8439_KEY[:31], _RFC8439_NONCE, b"", b"")
    with pytest.raises(ParameterError):
        aead_open(_RFC8439_KEY, _RFC8439_NONCE[:8], b"", sealed)
    with pytest.raises(EncodingError):
        aead_open(_RFC8439_KEY, _RFC8439_NONCE, b"", sealed[:15])
    with pytest.raises(ParameterError):
        aead_seal("k" * 32, _RFC8439_NONCE, b"", b"")  # type: ignore[arg-type]
    with pytest.raises(EncodingError):  # bytes(5) would silently be five zero bytes
        aead_seal(_RFC8439_KEY, _RFC8439_NONCE, b"", 5)  # type: ignore[arg-type]
    with pytest.raises(EncodingError):
        aead_open(_RFC8439_KEY, _RFC8439_NONCE, None, sealed)  # type: ignore[arg-type]
    # bytes-like inputs are fine
    assert aead_open(
        bytearray(_RFC8439_KEY), _RFC8439_NONCE, memoryview(_RFC8439_AD), bytearray(sealed)
    ) == bytes(_RFC8439_PT)


@given(
    key=st.binary(min_size=32, max_size=32),
    nonce=st.binary(min_size=12, max_size=12),
    ad=st.binary(max_size=130),
    pt=st.binary(max_size=200),
    flip=st.integers(0, 10_000),
    which=st.sampled_from(["ct", "ad", "nonce", "key"]),
)
def test_aead_equals_pycryptodome_and_rejects_tampering(key, nonce, ad, pt, flip, which) -> None:
    """The composed AEAD is byte for byte pycryptodome's ChaCha20_Poly1305; any change to the
    ciphertext, tag, AD, nonce or key is refused."""
    from Crypto.Cipher import ChaCha20_Poly1305

    ref = ChaCha20_Poly1305.new(key=key, nonce=nonce)
    ref.update(ad)
    ct, tag = ref.encrypt_and_digest(pt)
    sealed = aead_seal(key, nonce, ad, pt)
    assert sealed == ct + tag
    assert aead_open(key, nonce, ad, sealed) == pt

    def bump(b: bytes) -> bytes:
        if not b:
            return b"\x00"
        m = bytearray(b)
        m[flip % len(m)] ^= 1 << (flip % 8)
        return bytes(m)

    args = {"key": key, "nonce": nonce, "ad": ad, "sealed": sealed}
    args["sealed" if which == "ct" else which] = bump(args["sealed" if which == "ct" else which])
    with pytest.raises(DecryptionError):
        aead_open(args["key"], args["nonce"], args["ad"], args["sealed"])


reveals = st.lists(
    st.builds(
        Reveal, who=st.integers(1, 50), share=st.integers(0, N - 1), blinding=st.integers(0, N - 1)
    ),
    max_size=4,
    unique_by=lambda r: r.who,
).map(lambda rs: tuple(sorted(rs, key=lambda r: r.who)))


@given(
    kind=st.sampled_from(list(Kind)),
    sender=st.integers(1, N - 1),
    k=st.integers(1, 4),
    scalars=st.lists(st.integers(1, N - 1), min_size=4, max_size=4),
    rv=reveals,
    accused=st.sets(st.integers(1, 2**40), max_size=4),
    pos=st.integers(0, 10_000),
)
def test_message_round_trip_and_mutants(kind, sender, k, scalars, rv, accused, pos) -> None:
    points = tuple(Point.base_mul(s) for s in scalars[:k])
    fields = {}
    if kind in (Kind.DEAL, Kind.EXTRACT):
        fields["points"] = points
    if kind is Kind.DEAL:
        fields["ciphertexts"] = tuple(bytes([i]) * 80 for i in range(k))
    if kind is Kind.COMPLAINT:
        fields["accused"] = tuple(sorted(accused))
    if kind in (Kind.JUSTIFY, Kind.EXTRACT_COMPLAINT, Kind.RECONSTRUCT):
        fields["reveals"] = rv
    msg = DkgMessage(group="secp256k1", kind=kind, session_id=bytes(32), sender=sender, **fields)
    raw = msg.to_bytes()
    assert decode_message(raw) == msg
    mutated = bytearray(raw)
    mutated[pos % len(raw)] ^= 0x55
    try:
        other = decode_message(bytes(mutated))
    except EncodingError:
        return
    assert other != msg


def test_wrong_types_are_typed_errors() -> None:
    _, _, sessions = _setup()
    outs = _start(sessions)
    s1 = sessions[1]
    for junk in (5, None, "deal", [1, 2]):
        with pytest.raises(MisbehaviourError):
            s1.receive(2, junk, 0.0)  # type: ignore[arg-type]
    for sender in ("2", None, True, [2]):
        with pytest.raises(MisuseError):
            s1.receive(sender, _deal(outs, 2), 0.0)  # type: ignore[arg-type]
    s1.receive(2, bytearray(_deal(outs, 2)), 0.0)  # bytes-like input is fine
    assert 2 in s1._accepted[Kind.DEAL]
