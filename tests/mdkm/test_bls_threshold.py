"""Threshold BLS over trusted-dealer key packages: t-subsets sign, t-1 cannot, cheaters named."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdkm.bls
from cryptocore.bls12_381 import G2Point, R, get_backend
from cryptocore.errors import (
    EncodingError,
    InvalidSignature,
    MisbehaviourError,
    ParameterError,
)
from cryptocore.rng import deterministic_rng
from mdkm.bls import scheme
from mdkm.bls.threshold import (
    SignatureShare,
    combine,
    sign_share,
    threshold_sign_in_process,
    verify,
    verify_share,
)
from mdkm.dealer import trusted_dealer_keygen
from mdkm.keys import KeyPackage, PublicKeyPackage


def _keys(
    n: int, t: int, seed: int = 1, secret: int | None = None
) -> tuple[PublicKeyPackage, list[KeyPackage]]:
    return trusted_dealer_keygen(
        n, t, group="bls12_381", secret=secret, rng=deterministic_rng(seed)
    )


@given(st.integers(1, 5), st.data())
def test_any_t_subset_signs_and_verifies(t: int, data: st.DataObject) -> None:
    n = data.draw(st.integers(t, 6))
    secret = data.draw(st.integers(1, R - 1))
    pub, kps = _keys(n, t, seed=t * 100 + n, secret=secret)
    subset = data.draw(st.lists(st.sampled_from(kps), min_size=t, max_size=n, unique_by=id))
    msg = data.draw(st.binary(max_size=32))
    sig = threshold_sign_in_process(subset, msg)
    # the threshold signature is the ordinary signature of the shared secret
    assert sig == scheme.sign(secret, msg)
    gpk = pub.group_public_key.to_bytes()
    verify(gpk, msg, sig)
    mdkm.bls.verify(gpk, msg, sig)
    with pytest.raises(InvalidSignature):
        verify(gpk, msg + b"x", sig)


@given(st.integers(2, 5), st.data())
def test_fewer_than_t_cannot_sign(t: int, data: st.DataObject) -> None:
    n = data.draw(st.integers(t, 6))
    pub, kps = _keys(n, t, seed=t)
    few = data.draw(st.lists(st.sampled_from(kps), min_size=1, max_size=t - 1, unique_by=id))
    with pytest.raises(ParameterError):
        threshold_sign_in_process(few, b"m")
    shares = [sign_share(kp, b"m") for kp in few]
    with pytest.raises(ParameterError):
        combine(pub, shares, b"m")
    with pytest.raises(ParameterError):
        combine(pub, shares, b"m", verify=False)


@given(st.data())
def test_tampered_shares_are_blamed_by_id(data: st.DataObject) -> None:
    pub, kps = _keys(5, 3, seed=7)
    msg = b"release 10 ETH"
    shares = [sign_share(kp, msg) for kp in kps]
    bad_ids = data.draw(
        st.lists(
            st.sampled_from([kp.identifier for kp in kps]), min_size=1, max_size=5, unique=True
        )
    )
    how = data.draw(st.sampled_from(["other_message", "scaled", "swapped_point"]))
    tampered = []
    for s in shares:
        if s.identifier not in bad_ids:
            tampered.append(s)
            continue
        if how == "other_message":
            kp = next(k for k in kps if k.identifier == s.identifier)
            forged = sign_share(kp, msg + b"!").signature
        elif how == "scaled":
            forged = s.signature * 2
        else:
            forged = s.signature + G2Point.generator()
        tampered.append(SignatureShare(identifier=s.identifier, signature=forged))
    for s in tampered:
        if s.identifier in bad_ids:
            with pytest.raises(InvalidSignature):
                verify_share(pub, s, msg)
        else:
            verify_share(pub, s, msg)
    with pytest.raises(MisbehaviourError) as info:
        combine(pub, tampered, msg)
    assert info.value.culprits == tuple(sorted(bad_ids))


def test_combine_rejects_duplicates_unknown_ids_and_wrong_group() -> None:
    pub, kps = _keys(4, 2)
    shares = [sign_share(kp, b"m") for kp in kps]
    with pytest.raises(ParameterError):
        combine(pub, [shares[0], shares[0]], b"m")
    stranger = SignatureShare(identifier=99, signature=shares[0].signature)
    with pytest.raises(ParameterError):
        combine(pub, [shares[0], stranger], b"m")
    with pytest.raises(ParameterError):
        verify_share(pub, stranger, b"m")
    with pytest.raises(ParameterError):
        threshold_sign_in_process([kps[0], kps[0]], b"m")
    with pytest.raises(ParameterError):
        threshold_sign_in_process([], b"m")
    _, other = _keys(4, 2, seed=2)
    with pytest.raises(ParameterError):
        threshold_sign_in_process([kps[0], other[1]], b"m")
    spub, skps = trusted_dealer_keygen(3, 2, group="secp256k1", rng=deterministic_rng(3))
    with pytest.raises(ParameterError):
        sign_share(skps[0], b"m")
    with pytest.raises(ParameterError):
        combine(spub, shares[:2], b"m")


def test_combine_uses_any_extra_shares_and_checks_the_group_key() -> None:
    pub, kps = _keys(5, 3, seed=11)
    shares = [sign_share(kp, b"m") for kp in kps]
    full = combine(pub, shares, b"m")
    assert full == combine(pub, shares[2:], b"m") == combine(pub, shares[:3], b"m", verify=False)
    # a public key package whose group key does not match its verifying shares
    wrong = PublicKeyPackage(
        group="bls12_381",
        min_signers=3,
        group_public_key=pub.group_public_key * 2,
        verifying_shares=dict(pub.verifying_shares),
    )
    with pytest.raises(InvalidSignature):
        combine(wrong, shares, b"m")


def test_threshold_signature_verifies_with_py_ecc() -> None:
    from py_ecc.bls import G2ProofOfPossession as Pop

    pub, kps = _keys(5, 3, seed=5)
    msg = b"lock-out #42"
    sig = threshold_sign_in_process(kps[1:4], msg)
    gpk = pub.group_public_key.to_bytes()
    assert Pop.Verify(gpk, msg, sig)
    assert not Pop.Verify(gpk, msg + b"?", sig)


def test_threshold_on_the_reference_backend() -> None:
    ref = get_backend("py_ecc")
    pub, kps = _keys(3, 2, seed=9)
    msg = b"reference"
    shares = [sign_share(kp, msg, backend=ref) for kp in kps[:2]]
    sig = combine(pub, shares, msg, verify=False, backend=ref)
    assert sig == threshold_sign_in_process(kps[:2], msg)
    verify(pub.group_public_key.to_bytes(), msg, sig)


@given(st.integers(1, R - 1), st.binary(max_size=8))
def test_signature_share_round_trip_and_strict_decoding(ident: int, msg: bytes) -> None:
    _pub, kps = _keys(3, 2, seed=4)
    share = sign_share(kps[0], msg)
    again = SignatureShare(identifier=ident, signature=share.signature)
    data = again.to_bytes()
    assert len(data) == 129 and data[0] == 1
    assert SignatureShare.from_bytes(data) == again
    with pytest.raises(EncodingError):
        SignatureShare.from_bytes(data[:-1])
    with pytest.raises(EncodingError):
        SignatureShare.from_bytes(b"\x02" + data[1:])
    with pytest.raises(EncodingError):
        SignatureShare.from_bytes(data[:1] + bytes(32) + data[33:])  # identifier 0
    with pytest.raises(EncodingError):
        SignatureShare.from_bytes(data[:1] + R.to_bytes(32, "big") + data[33:])
    with pytest.raises(EncodingError):
        SignatureShare.from_bytes(data[:33] + G2Point.identity().to_bytes())


def test_signature_share_validation() -> None:
    g = G2Point.generator()
    with pytest.raises(ParameterError):
        SignatureShare(identifier=0, signature=g)
    with pytest.raises(ParameterError):
        SignatureShare(identifier=R, signature=g)
    with pytest.raises(ParameterError):
        SignatureShare(identifier=1, signature=G2Point.identity())
    with pytest.raises(ParameterError):
        SignatureShare(identifier=1, signature=b"\x00" * 96)  # type: ignore[arg-type]
    share = SignatureShare(identifier=1, signature=g)
    with pytest.raises(dataclasses.FrozenInstanceError):
        share.identifier = 2  # type: ignore[misc]


def test_key_packages_round_trip_on_bls() -> None:
    pub, kps = _keys(3, 2, seed=8)
    assert PublicKeyPackage.from_bytes(pub.to_bytes()) == pub
    assert KeyPackage.from_bytes(kps[0].to_bytes()) == kps[0]
    assert "redacted" in repr(kps[0])


def test_with_a_dkg_when_available() -> None:
    dkg = pytest.importorskip("mdkm.dkg")
    run = getattr(dkg, "run_in_process", None)
    if run is None:
        pytest.skip("mdkm.dkg.run_in_process not available yet")
    pub, kps = run(5, 3, group="bls12_381", rng=deterministic_rng(21))
    sig = threshold_sign_in_process(kps[:3], b"dkg")
    verify(pub.group_public_key.to_bytes(), b"dkg", sig)


# ----------------------------------------------------------------------------- pre-hashed API
@given(st.integers(1, 4), st.data())
def test_pre_hashed_api_matches_the_message_api(t: int, data: st.DataObject) -> None:
    from mdkm.bls.threshold import sign_share_hashed

    n = data.draw(st.integers(t, 5))
    pub, kps = _keys(n, t, seed=300 + t * 10 + n)
    msg = data.draw(st.binary(max_size=32))
    q = scheme.hash_message(msg)
    # the hash is the ciphersuite's hash_to_point: a plain signature is sk·Q
    sk = 12345
    assert (q * sk).to_bytes() == scheme.sign(sk, msg)
    subset = data.draw(st.lists(st.sampled_from(kps), min_size=t, max_size=n, unique_by=id))
    shares = [sign_share_hashed(kp, q) for kp in subset]
    assert shares == [sign_share(kp, msg) for kp in subset]
    for verify_flag in (True, False):
        sig = combine(pub, shares, msg, hashed=q, verify=verify_flag)
        assert sig == combine(pub, shares, msg)
    gpk = pub.group_public_key.to_bytes()
    scheme.verify_hashed(gpk, q, sig)
    mdkm.bls.verify_hashed(gpk, q, sig)
    with pytest.raises(InvalidSignature):
        scheme.verify_hashed(gpk, scheme.hash_message(msg + b"x"), sig)


def test_pre_hashed_api_rejects_bad_input_and_blames_cheaters() -> None:
    from mdkm.bls.threshold import sign_share_hashed

    pub, kps = _keys(4, 3, seed=11)
    msg = b"vote"
    q = scheme.hash_message(msg)
    gpk = pub.group_public_key.to_bytes()
    for bad in (b"not a point", None, G2Point.identity()):
        with pytest.raises(ParameterError):
            sign_share_hashed(kps[0], bad)  # type: ignore[arg-type]
        with pytest.raises(ParameterError):
            scheme.verify_hashed(gpk, bad, b"\x00" * 96)  # type: ignore[arg-type]
        if bad is not None:  # hashed=None means "hash the message"
            with pytest.raises(ParameterError):
                combine(pub, [sign_share(kp, msg) for kp in kps], msg, hashed=bad)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        scheme.hash_message("text")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        sign_share_hashed(object(), q)  # type: ignore[arg-type]
    shares = [sign_share_hashed(kp, q) for kp in kps]
    forged = SignatureShare(identifier=shares[1].identifier, signature=shares[1].signature * 3)
    with pytest.raises(MisbehaviourError) as info:
        combine(pub, [shares[0], forged, shares[2]], msg, hashed=q)
    assert info.value.culprits == (shares[1].identifier,)
    sig = combine(pub, shares, msg, hashed=q)
    # malformed public key or signature: InvalidSignature, as for verify()
    with pytest.raises(InvalidSignature):
        scheme.verify_hashed(b"\x00" * 48, q, sig)
    with pytest.raises(InvalidSignature):
        scheme.verify_hashed(gpk, q, sig[:-1] + bytes([sig[-1] ^ 1]))
    # a point of another backend is converted, not misread
    ref = get_backend("py_ecc")
    q_ref = scheme.hash_message(msg, backend=ref)
    scheme.verify_hashed(gpk, q_ref, sig)
    assert sign_share_hashed(kps[0], q_ref) == shares[0]
