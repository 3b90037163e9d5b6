"""Threshold ECDSA: stock verification, recovery, t-subsets, blame, single-use presignatures."""

from __future__ import annotations

import hashlib
import itertools

import coincurve
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptocore.errors import (
    EncodingError,
    InvalidSignature,
    MisbehaviourError,
    MisuseError,
    ParameterError,
)
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N
from mdkm.dealer import trusted_dealer_keygen
from mdkm.ecdsa import (
    presign_in_process,
    required_signers,
    sign_in_process,
    sign_with_presignatures,
    verify_ecdsa,
)
from mdkm.ecdsa.protocol import PresignDealing, ProductShare, SignatureShare

PUB, KPS = trusted_dealer_keygen(5, 2, rng=deterministic_rng("ecdsa-3-of-5"))
MSG = hashlib.sha256(b"release 1 ETH").digest()


def _recover(sig: bytes, h: bytes) -> bytes:
    return coincurve.PublicKey.from_signature_and_message(sig, h, hasher=None).format()


@settings(max_examples=10)
@given(st.data(), st.binary(min_size=32, max_size=32))
def test_any_2t_minus_1_subset_signs_a_stock_ecdsa_signature(data: st.DataObject, h: bytes) -> None:
    subset = data.draw(st.sampled_from(list(itertools.combinations(KPS, 3))))
    sig = sign_in_process(list(subset), h, rng=deterministic_rng(h))
    assert len(sig) == 65 and sig[64] in (0, 1)
    s = int.from_bytes(sig[32:64], "big")
    assert s <= N // 2  # low-S
    verify_ecdsa(PUB.group_public_key.to_bytes(), h, sig)
    # libsecp256k1 verifies the DER form and recovers exactly the group key
    assert _recover(sig, h) == PUB.group_public_key.to_bytes()


def test_larger_committee_11_of_16() -> None:
    pub, kps = trusted_dealer_keygen(16, 6, rng=deterministic_rng("ecdsa-11-of-16"))
    assert required_signers(6) == 11
    sig = sign_in_process(kps[:11], MSG, rng=deterministic_rng(3))
    assert _recover(sig, MSG) == pub.group_public_key.to_bytes()


def test_too_few_signers_refused() -> None:
    with pytest.raises(ParameterError):
        sign_in_process(KPS[:2], MSG)


def test_message_hash_must_be_32_bytes() -> None:
    pres = presign_in_process(KPS[:3], rng=deterministic_rng(4))
    with pytest.raises(EncodingError):
        sign_with_presignatures(KPS[:3], pres, MSG[:31])


def test_presignature_is_single_use() -> None:
    pres = presign_in_process(KPS[:3], rng=deterministic_rng(5))
    sign_with_presignatures(KPS[:3], pres, MSG, rng=deterministic_rng(6))
    assert all(p.consumed for p in pres.values())
    with pytest.raises(MisuseError):
        sign_with_presignatures(KPS[:3], pres, MSG)
    assert str(KPS[0].signing_share) not in repr(pres[KPS[0].identifier])


def test_bad_dealer_is_excluded_and_signing_still_works() -> None:
    ids = [kp.identifier for kp in KPS[:3]]
    pres = presign_in_process(KPS[:3], rng=deterministic_rng(7), faults={ids[0]: "bad_share"})
    sig = sign_with_presignatures(KPS[:3], pres, MSG, rng=deterministic_rng(8))
    assert _recover(sig, MSG) == PUB.group_public_key.to_bytes()


def test_bad_product_share_is_blamed() -> None:
    ids = [kp.identifier for kp in KPS[:3]]
    with pytest.raises(MisbehaviourError) as exc:
        presign_in_process(KPS[:3], rng=deterministic_rng(9), faults={ids[1]: "bad_product"})
    assert exc.value.culprits == (ids[1],)


def test_bad_signature_shares_are_all_blamed() -> None:
    ids = [kp.identifier for kp in KPS[:3]]
    pres = presign_in_process(KPS[:3], rng=deterministic_rng(10))
    with pytest.raises(MisbehaviourError) as exc:
        sign_with_presignatures(
            KPS[:3],
            pres,
            MSG,
            faults={ids[0]: "bad_signature_share", ids[2]: "bad_signature_share"},
        )
    assert exc.value.culprits == (ids[0], ids[2])


def test_tampered_signature_rejected() -> None:
    sig = sign_in_process(KPS[:3], MSG, rng=deterministic_rng(11))
    pk = PUB.group_public_key.to_bytes()
    for i in range(65):
        bad = bytearray(sig)
        bad[i] ^= 0x01
        with pytest.raises((InvalidSignature, EncodingError)):
            verify_ecdsa(pk, MSG, bytes(bad))
    high_s = sig[:32] + (N - int.from_bytes(sig[32:64], "big")).to_bytes(32, "big") + sig[64:]
    with pytest.raises(InvalidSignature):
        verify_ecdsa(pk, MSG, high_s)


def test_messages_round_trip_and_reject_garbage() -> None:
    from mdkm.ecdsa.protocol import presign_deal

    ids = tuple(kp.identifier for kp in KPS[:3])
    sid = bytes(32)
    dealing, shares, _ = presign_deal(KPS[0], ids, sid, deterministic_rng(12))
    assert PresignDealing.from_bytes(dealing.to_bytes()) == dealing
    for blob in (dealing.to_bytes()[:-1], dealing.to_bytes() + b"\x00", b"", b"\x09" * 40):
        with pytest.raises(EncodingError):
            PresignDealing.from_bytes(blob)
    s = shares[ids[1]]
    assert "redacted" in repr(s) and str(s.u) not in repr(s)
    with pytest.raises(EncodingError):
        ProductShare.from_bytes(b"\x01\x03" + bytes(10))
    with pytest.raises(EncodingError):
        SignatureShare.from_bytes(b"\x01\x04" + b"\xff" * 256)
