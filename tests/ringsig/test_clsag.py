"""CLSAG / bLSAG ring signatures: correctness, tamper-must-fail, linkability, bad input."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import ringsig
from cryptocore.errors import CryptoError, EncodingError, InvalidSignature, ParameterError
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N, Point
from ringsig import _ecops
from ringsig.clsag import RingSignature, SignatureInput

from ._helpers import commitment_setup, make_keys, ring_of

SECRETS = make_keys(40)
RING = ring_of(SECRETS)

scalar = st.integers(min_value=1, max_value=N - 1)


def _sign(msg: bytes, ring: list[bytes], x: int, seed: int = 0) -> RingSignature:
    return ringsig.sign(msg, ring, x, deterministic_rng(seed))


# ------------------------------------------------------------------ correctness


@given(size=st.integers(2, 7), data=st.data(), msg=st.binary(max_size=64))
def test_any_member_can_sign(size: int, data: st.DataObject, msg: bytes) -> None:
    secrets = data.draw(st.lists(scalar, min_size=size, max_size=size, unique=True))
    ring = ring_of(secrets)
    signer = data.draw(st.integers(0, size - 1))
    sig = ringsig.sign(msg, ring, secrets[signer], deterministic_rng(signer))
    ringsig.verify(msg, ring, sig)
    ringsig.verify(msg, ring, sig.to_bytes())
    assert sig.key_image == ringsig.key_image(secrets[signer])
    assert RingSignature.from_bytes(sig.to_bytes()) == sig


@pytest.mark.parametrize("size", [2, 3, 11, 16])
def test_every_position_signs(size: int) -> None:
    ring = RING[:size]
    for j in range(size):
        sig = _sign(b"pos", ring, SECRETS[j], j)
        ringsig.verify(b"pos", ring, sig)


def test_ring_order_does_not_matter_and_position_not_revealed() -> None:
    # The ring is sorted canonically: any input order gives the very same signature (same rng).
    ring = RING[:9]
    sig_a = _sign(b"m", ring, SECRETS[4], 7)
    sig_b = _sign(b"m", list(reversed(ring)), SECRETS[4], 7)
    sig_c = _sign(b"m", ring[3:] + ring[:3], SECRETS[4], 7)
    assert sig_a.to_bytes() == sig_b.to_bytes() == sig_c.to_bytes()
    ringsig.verify(b"m", list(reversed(ring)), sig_a)


def test_sign_accepts_signing_key_object() -> None:
    key = ringsig.SigningKey(secret=SECRETS[0])
    sig = ringsig.sign(b"k", RING[:4], key, deterministic_rng(1))
    ringsig.verify(b"k", RING[:4], sig)
    assert sig.key_image == key.key_image


def test_system_rng_default() -> None:
    sig1 = ringsig.sign(b"r", RING[:3], SECRETS[1])
    sig2 = ringsig.sign(b"r", RING[:3], SECRETS[1])
    ringsig.verify(b"r", RING[:3], sig1)
    assert sig1.to_bytes() != sig2.to_bytes()  # fresh randomness
    assert ringsig.link(sig1, sig2)


# ------------------------------------------------------------------ tamper must fail

REJECT = (InvalidSignature, EncodingError)


def _flip_each_byte(data: bytes) -> list[bytes]:
    out = []
    for i in range(len(data)):
        for mask in (0x01, 0x80):
            m = bytearray(data)
            m[i] ^= mask
            out.append(bytes(m))
    return out


def test_every_single_bit_flip_of_signature_rejected_exhaustive() -> None:
    ring = RING[:2]
    sig = _sign(b"exhaustive", ring, SECRETS[0]).to_bytes()
    for mutant in _flip_each_byte(sig):
        with pytest.raises(REJECT):
            ringsig.verify(b"exhaustive", ring, mutant)


@given(data=st.data())
def test_signature_byte_mutation_rejected(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, 5))
    signer = data.draw(st.integers(0, size - 1))
    ring = RING[:size]
    sig = _sign(b"mutate", ring, SECRETS[signer], signer).to_bytes()
    pos = data.draw(st.integers(0, len(sig) - 1))
    mask = data.draw(st.integers(1, 255))
    mutant = bytearray(sig)
    mutant[pos] ^= mask
    with pytest.raises(REJECT):
        ringsig.verify(b"mutate", ring, bytes(mutant))


@given(msg=st.binary(max_size=40), other=st.binary(max_size=40))
@example(msg=b"", other=b"\x00")
@example(msg=b"a", other=b"a\x00")
def test_message_mutation_rejected(msg: bytes, other: bytes) -> None:
    ring = RING[:3]
    sig = _sign(msg, ring, SECRETS[2])
    ringsig.verify(msg, ring, sig)
    if other != msg:
        with pytest.raises(InvalidSignature):
            ringsig.verify(other, ring, sig)


@given(member=st.integers(0, 3), pos=st.integers(0, 32), mask=st.integers(1, 255))
def test_ring_byte_mutation_rejected(member: int, pos: int, mask: int) -> None:
    ring = RING[:4]
    sig = _sign(b"ring", ring, SECRETS[1])
    mutated = list(ring)
    b = bytearray(mutated[member])
    b[pos] ^= mask
    mutated[member] = bytes(b)
    with pytest.raises(CryptoError) as info:
        ringsig.verify(b"ring", mutated, sig)
    assert isinstance(info.value, (InvalidSignature, EncodingError, ParameterError))


def test_ring_member_substitution_removal_addition_rejected() -> None:
    ring = RING[:5]
    sig = _sign(b"subst", ring, SECRETS[2])
    with pytest.raises(InvalidSignature):
        ringsig.verify(b"subst", [*ring[:4], RING[10]], sig)  # replace a decoy
    with pytest.raises(InvalidSignature):
        ringsig.verify(b"subst", ring[:4], sig)  # drop a decoy
    with pytest.raises(InvalidSignature):
        ringsig.verify(b"subst", [*ring, RING[11]], sig)  # add a member
    negated = (-Point.from_bytes(ring[0])).to_bytes()  # the other y, same x
    with pytest.raises(InvalidSignature):
        ringsig.verify(b"subst", [negated, *ring[1:]], sig)


def test_verification_is_featureless() -> None:
    ring = RING[:4]
    sig = _sign(b"f", ring, SECRETS[0])
    messages = set()
    for idx in range(4):
        resp = list(sig.responses)
        resp[idx] = (resp[idx] + 1) % N
        bad = RingSignature(challenge=sig.challenge, responses=tuple(resp), key_image=sig.key_image)
        with pytest.raises(InvalidSignature) as info:
            ringsig.verify(b"f", ring, bad)
        messages.add(str(info.value))
    assert len(messages) == 1
    assert not any(ch.isdigit() for ch in messages.pop())


def test_key_image_swap_rejected() -> None:
    ring = RING[:3]
    sig = _sign(b"swap", ring, SECRETS[0])
    other_image = ringsig.key_image(SECRETS[1])
    forged = RingSignature(challenge=sig.challenge, responses=sig.responses, key_image=other_image)
    with pytest.raises(InvalidSignature):
        ringsig.verify(b"swap", ring, forged)


# ------------------------------------------------------------------ linkability


@given(x=scalar, y=scalar, seed=st.integers(0, 2**16))
def test_same_key_links_across_rings_different_keys_never(x: int, y: int, seed: int) -> None:
    decoys = RING[seed % 20 : seed % 20 + 3]
    pk_x, pk_y = ringsig.public_key(x), ringsig.public_key(y)
    ring_a = list(dict.fromkeys([pk_x, *decoys[:2]]))
    ring_b = list(dict.fromkeys([pk_x, pk_y, *decoys[1:]]))
    sa = ringsig.sign(b"tx-a", ring_a, x, deterministic_rng(seed))
    sb = ringsig.sign(b"tx-b", ring_b, x, deterministic_rng(seed + 1))
    ringsig.verify(b"tx-a", ring_a, sa)
    ringsig.verify(b"tx-b", ring_b, sb)
    assert ringsig.link(sa, sb)
    assert ringsig.link(sa.to_bytes(), sb.to_bytes())
    sc = ringsig.sign(b"tx-b", ring_b, y, deterministic_rng(seed + 2))
    ringsig.verify(b"tx-b", ring_b, sc)
    assert ringsig.link(sa, sc) == (x == y)


# ------------------------------------------------------------------ two-key (CLSAG) form


@pytest.mark.parametrize("size", [2, 5, 11])
def test_two_key_form_roundtrip(size: int) -> None:
    ring = RING[:size]
    for signer in {0, size // 2, size - 1}:
        comms, offset, z = commitment_setup(size, signer, seed=size)
        sig = ringsig.sign(
            b"tx",
            ring,
            SECRETS[signer],
            deterministic_rng(signer),
            commitments=comms,
            commitment_offset=offset,
            commitment_secret=z,
        )
        assert sig.form == ringsig.FORM_COMMITMENT
        assert sig.aux_image is not None
        ringsig.verify(b"tx", ring, sig, commitments=comms, commitment_offset=offset)
        # Order of the (key, commitment) pairs does not matter; they travel together.
        ringsig.verify(
            b"tx", ring[::-1], sig.to_bytes(), commitments=comms[::-1], commitment_offset=offset
        )
        # I is the same linking tag as in the single-key form.
        assert sig.key_image == ringsig.key_image(SECRETS[signer])


def test_two_key_form_tamper() -> None:
    ring = RING[:4]
    comms, offset, z = commitment_setup(4, 1)
    sig = ringsig.sign(
        b"tx",
        ring,
        SECRETS[1],
        deterministic_rng(3),
        commitments=comms,
        commitment_offset=offset,
        commitment_secret=z,
    )
    raw = sig.to_bytes()
    for mutant in _flip_each_byte(raw):
        with pytest.raises(REJECT):
            ringsig.verify(b"tx", ring, mutant, commitments=comms, commitment_offset=offset)
    with pytest.raises(InvalidSignature):  # commitments swapped between members
        ringsig.verify(
            b"tx", ring, sig, commitments=[comms[1], comms[0], *comms[2:]], commitment_offset=offset
        )
    other_offset = Point.from_bytes(offset) + Point.generator()
    with pytest.raises(InvalidSignature):
        ringsig.verify(
            b"tx", ring, sig, commitments=comms, commitment_offset=other_offset.to_bytes()
        )
    with pytest.raises(InvalidSignature):  # verified as a single-key signature
        ringsig.verify(b"tx", ring, sig)
    single = _sign(b"tx", ring, SECRETS[1])
    with pytest.raises(InvalidSignature):  # single-key signature checked as two-key
        ringsig.verify(b"tx", ring, single, commitments=comms, commitment_offset=offset)
    with pytest.raises(InvalidSignature):
        ringsig.verify(b"tx2", ring, sig, commitments=comms, commitment_offset=offset)


def test_two_key_form_without_offset() -> None:
    ring = RING[:3]
    comms, _, _ = commitment_setup(3, 0)
    zs = make_keys(3, "no-offset")
    comms = [Point.base_mul(z).to_bytes() for z in zs]
    sig = ringsig.sign(b"m", ring, SECRETS[2], commitments=comms, commitment_secret=zs[2])
    ringsig.verify(b"m", ring, sig, commitments=comms)


def test_two_key_form_bad_input() -> None:
    ring = RING[:3]
    comms, offset, z = commitment_setup(3, 0)
    with pytest.raises(ParameterError):  # wrong opening
        ringsig.sign(
            b"m",
            ring,
            SECRETS[0],
            commitments=comms,
            commitment_offset=offset,
            commitment_secret=(z + 1) % N,
        )
    with pytest.raises(ParameterError):
        ringsig.sign(b"m", ring, SECRETS[0], commitments=comms, commitment_offset=offset)
    with pytest.raises(ParameterError):
        ringsig.sign(
            b"m",
            ring,
            SECRETS[0],
            commitments=comms[:2],
            commitment_offset=offset,
            commitment_secret=z,
        )
    with pytest.raises(ParameterError):
        ringsig.sign(b"m", ring, SECRETS[0], commitment_secret=z)
    with pytest.raises(ParameterError):
        ringsig.sign(b"m", ring, SECRETS[0], commitment_offset=offset)
    with pytest.raises(ParameterError):
        ringsig.sign(
            b"m", ring, SECRETS[0], commitments=comms, commitment_offset=offset, commitment_secret=0
        )
    with pytest.raises(EncodingError):
        ringsig.sign(
            b"m",
            ring,
            SECRETS[0],
            commitments=[b"\x02" + b"\xff" * 32] * 3,
            commitment_offset=offset,
            commitment_secret=z,
        )


# ------------------------------------------------------------------ bad input


def test_bad_rings() -> None:
    x = SECRETS[0]
    with pytest.raises(ParameterError):
        ringsig.sign(b"m", [RING[0], RING[1], RING[0]], x)  # duplicate member
    with pytest.raises(ParameterError):
        ringsig.sign(b"m", [RING[0]], x)  # ring of 1
    with pytest.raises(ParameterError):
        ringsig.sign(b"m", [], x)
    with pytest.raises(ParameterError):
        ringsig.sign(b"m", RING[:5], x, max_ring_size=4)  # above the configured maximum
    with pytest.raises(ParameterError):
        ringsig.sign(b"m", RING[1:4], x)  # signer not in the ring
    with pytest.raises(EncodingError):
        ringsig.sign(b"m", [RING[0], Point.from_bytes(RING[1]).to_bytes_uncompressed()], x)
    with pytest.raises(EncodingError):
        ringsig.sign(b"m", [RING[0], b"\x02" + b"\xff" * 32], x)  # x >= p
    with pytest.raises(ParameterError):
        ringsig.sign(b"m", RING[0], x)  # bytes, not a sequence of keys
    sig = _sign(b"m", RING[:5], x)
    with pytest.raises(ParameterError):
        ringsig.verify(b"m", RING[:5], sig, max_ring_size=4)
    with pytest.raises(ParameterError):
        ringsig.verify(b"m", [*RING[:4], RING[0]], sig)


@pytest.mark.parametrize("bad", [0, N, N + 5, -1, True])
def test_bad_secret(bad: int) -> None:
    with pytest.raises(ParameterError):
        ringsig.sign(b"m", RING[:3], bad)
    with pytest.raises(ParameterError):
        ringsig.key_image(bad)


def test_message_must_be_bytes() -> None:
    with pytest.raises(ParameterError):
        ringsig.sign("text", RING[:2], SECRETS[0])  # type: ignore[arg-type]


def _parts(sig: bytes, n: int) -> dict[str, tuple[int, int]]:
    return {"c0": (4, 36), "s0": (36, 68), "image": (36 + 32 * n, 69 + 32 * n)}


def test_decoding_rejects_malformed_signatures() -> None:
    ring = RING[:3]
    sig = _sign(b"m", ring, SECRETS[0]).to_bytes()
    assert len(sig) == 4 + 32 + 3 * 32 + 33
    bad: list[bytes] = [
        sig[:-1],  # truncated
        sig + b"\x00",  # padded
        b"",
        sig[:4],
        b"\x02" + sig[1:],  # unknown version
        sig[:1] + b"\x03" + sig[2:],  # unknown form
        sig[:1] + b"\x02" + sig[2:],  # claims two-key form but has no D (length mismatch)
        sig[:2] + b"\x00\x01" + sig[4:],  # n = 1
        sig[:2] + b"\x00\x04" + sig[4:],  # n mismatch with the length
        sig[:4] + bytes(32) + sig[36:],  # zero challenge
        sig[:4] + N.to_bytes(32, "big") + sig[36:],  # challenge = n
        sig[:36] + N.to_bytes(32, "big") + sig[68:],  # response = n
        sig[:36] + (2**256 - 1).to_bytes(32, "big") + sig[68:],
        sig[:-33] + bytes(33),  # the identity "encoding" as key image
        sig[:-33] + b"\x04" + sig[-32:],  # uncompressed prefix in a compressed slot
        sig[:-33] + b"\x06" + sig[-32:],  # hybrid prefix
        sig[:-33] + b"\x07" + sig[-32:],
        sig[:-33] + b"\x02" + (2**256 - 1).to_bytes(32, "big"),  # x >= p
    ]
    for b in bad:
        with pytest.raises(EncodingError):
            RingSignature.from_bytes(b)
        with pytest.raises(EncodingError):
            ringsig.verify(b"m", ring, b)
    with pytest.raises(EncodingError):
        RingSignature.from_bytes("not bytes")  # type: ignore[arg-type]


def test_signature_value_validation() -> None:
    sig = _sign(b"m", RING[:2], SECRETS[0])
    image_u = Point.from_bytes(sig.key_image).to_bytes_uncompressed()
    hybrid = bytes([6 | (image_u[-1] & 1)]) + image_u[1:]
    for kw in (
        {"challenge": 0},
        {"challenge": N},
        {"responses": (1,)},
        {"responses": (1, N)},
        {"responses": (1, -1)},
        {"key_image": image_u},  # uncompressed encoding of the same image
        {"key_image": hybrid},  # hybrid encoding of the same image
        {"key_image": bytes(33)},
        {"aux_image": b"\x02" * 5},
    ):
        fields = {
            "challenge": sig.challenge,
            "responses": sig.responses,
            "key_image": sig.key_image,
            **kw,
        }
        with pytest.raises(EncodingError):
            RingSignature(**fields)  # type: ignore[arg-type]
    with pytest.raises(EncodingError):
        ringsig.link(sig, sig.to_bytes()[:-1])


def test_intermediate_zero_challenge_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    # A chain that reaches c = 0 is rejected (and signing retries with a fresh alpha).
    ring = RING[:3]
    sig = _sign(b"z", ring, SECRETS[0])
    import ringsig.clsag as mod

    monkeypatch.setattr(mod, "_to_scalar", lambda h: 0)
    with pytest.raises(InvalidSignature):
        ringsig.verify(b"z", ring, sig)


def test_sign_retries_when_a_challenge_is_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    import ringsig.clsag as mod

    real = mod._to_scalar
    calls = {"n": 0}

    def flaky(h: object) -> int:
        calls["n"] += 1
        return 0 if calls["n"] == 2 else real(h)  # type: ignore[arg-type]

    monkeypatch.setattr(mod, "_to_scalar", flaky)
    sig = ringsig.sign(b"retry", RING[:4], SECRETS[0], deterministic_rng(5))
    monkeypatch.setattr(mod, "_to_scalar", real)
    ringsig.verify(b"retry", RING[:4], sig)


# ------------------------------------------------------------------ secret paths


def test_secret_scalars_never_reach_variable_time_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    comms, offset, z = commitment_setup(4, 2)
    x = SECRETS[2]
    seen: list[int] = []
    real_mul, real_g, real_c2, real_add = (
        Point.__mul__,
        _ecops.g_comb,
        _ecops.comb2,
        _ecops.add_scaled,
    )

    def mul(self: Point, k: object) -> Point:
        seen.append(int(k))  # type: ignore[call-overload]
        return real_mul(self, k)

    monkeypatch.setattr(Point, "__mul__", mul)
    monkeypatch.setattr(_ecops, "g_comb", lambda a, b, q: (seen.extend((a, b)), real_g(a, b, q))[1])
    monkeypatch.setattr(
        _ecops, "comb2", lambda a, p, b, q: (seen.extend((a, b)), real_c2(a, p, b, q))[1]
    )
    monkeypatch.setattr(
        _ecops, "add_scaled", lambda p, k, c, t: (seen.append(k), real_add(p, k, c, t))[1]
    )
    secret_calls: list[int] = []
    real_secret = Point.mul_secret
    monkeypatch.setattr(
        Point, "mul_secret", lambda self, k: (secret_calls.append(k), real_secret(self, k))[1]
    )
    ringsig.sign(
        b"ct",
        RING[:4],
        x,
        deterministic_rng(1),
        commitments=comms,
        commitment_offset=offset,
        commitment_secret=z,
    )
    assert seen  # the decoy rounds did go through the variable-time paths
    for secret in (x, z, (-x) % N, (-z) % N):
        assert secret % N not in {s % N for s in seen}
    assert x in secret_calls and z in secret_calls  # I = x·Hp(P), D = z·Hp(P)


# ------------------------------------------------------------------ batch


def test_batch_verify() -> None:
    items = []
    for j in range(6):
        ring = RING[j : j + 4]
        sig = _sign(b"b%d" % j, ring, SECRETS[j + 1], j)
        items.append(SignatureInput(message=b"b%d" % j, ring=tuple(ring), signature=sig))
    ringsig.batch_verify(items)
    ringsig.batch_verify([])
    bad = list(items)
    bad[3] = SignatureInput(message=b"other", ring=items[3].ring, signature=items[3].signature)
    with pytest.raises(InvalidSignature):
        ringsig.batch_verify(bad)
    # Two spends by one key inside one batch.
    dup = _sign(b"again", RING[1:5], SECRETS[1], 99)
    dup_item = SignatureInput(message=b"again", ring=tuple(RING[1:5]), signature=dup.to_bytes())
    with pytest.raises(InvalidSignature):
        ringsig.batch_verify([*items, dup_item])
    ringsig.batch_verify([*items, dup_item], require_unlinked=False)
    with pytest.raises(ParameterError):
        ringsig.batch_verify([("m", RING[:2], dup)])  # type: ignore[list-item]
