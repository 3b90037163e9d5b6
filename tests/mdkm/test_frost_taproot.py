"""FROST for BIP340/Taproot: signatures that libsecp256k1 accepts, with and without tweaks."""

from __future__ import annotations

import coincurve
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdkm.frost as frost
import mdkm.frost_taproot as tr
from cryptocore.errors import (
    EncodingError,
    InvalidSignature,
    MisbehaviourError,
    MisuseError,
    ParameterError,
)
from cryptocore.hashing import tagged_hash
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N, Point, taproot_tweak_pubkey
from mdkm.dealer import trusted_dealer_keygen
from mdkm.keys import KeyPackage, PublicKeyPackage

TWEAKS = st.sampled_from([None, b"", bytes(32), bytes(range(32))])


def keys(n: int, t: int, seed: object) -> tuple[PublicKeyPackage, list[KeyPackage]]:
    return trusted_dealer_keygen(n, t, rng=deterministic_rng(f"tr-{n}-{t}-{seed}"))


def sign_all(
    kps: list[KeyPackage], msg: bytes, tweak: bytes | None, seed: object = 0
) -> tuple[frost.SigningPackage, dict[int, frost.SignatureShare]]:
    rng = deterministic_rng(f"tr-r1-{seed}")
    nonces, comms = {}, {}
    for kp in kps:
        nonces[kp.identifier], comms[kp.identifier] = tr.commit(kp, rng)
    pkg = tr.signing_package(comms, msg)
    return pkg, {k.identifier: tr.sign(pkg, nonces[k.identifier], k, tweak) for k in kps}


def reference_tweak(p: Point, root: bytes) -> bytes:
    """BIP341 taproot_tweak_pubkey, written out independently: x(lift_x(x(P)) + t·G)."""
    even = Point.from_xonly(p.xonly())
    t = int.from_bytes(tagged_hash("TapTweak", even.xonly() + root), "big")
    return (even + Point.base_mul(t)).xonly()


@given(st.integers(1, 5), st.data(), TWEAKS, st.binary(min_size=32, max_size=32))
def test_t_subsets_give_bip340_signatures_that_libsecp256k1_accepts(
    t: int, data: st.DataObject, tweak: bytes | None, msg: bytes
) -> None:
    n = data.draw(st.integers(t, 6))
    seed = data.draw(st.integers(0, 3))
    pub, kps = keys(n, t, seed)
    subset = data.draw(st.lists(st.sampled_from(kps), min_size=t, max_size=n, unique_by=id))
    pkg, shares = sign_all(subset, msg, tweak, seed=msg)
    sig = tr.aggregate(pkg, shares, pub, tweak).to_bytes()
    assert len(sig) == 64
    key = tr.tweaked_public_key(pub.group_public_key, tweak)
    if tweak is not None:
        assert key == reference_tweak(pub.group_public_key, tweak)
        # and BIP341 taproot_tweak_pubkey of cryptocore (None is its key-path-only root)
        assert key == taproot_tweak_pubkey(pub.group_public_key.xonly(), tweak or None)[1]
    else:
        assert key == pub.group_public_key.xonly()
    assert coincurve.PublicKeyXOnly(key).verify(sig, msg)
    tr.verify(key, msg, sig)
    # honest shares pass the per-share check under the same tweak
    for i, s in shares.items():
        tr.verify_share(i, pub.verifying_shares[i], s, pkg, pub.group_public_key, tweak)


def test_both_parities_of_key_and_group_commitment_are_exercised() -> None:
    seen_key, seen_r = set(), set()
    for seed in range(12):
        pub, kps = keys(3, 2, seed)
        for tweak in (None, b""):
            pkg, shares = sign_all(kps[:2], bytes(32), tweak, seed=seed)
            adj = tr.FROST_SECP256K1_TR.adjust_key(pub.group_public_key, tweak)
            rho = frost.compute_binding_factors(adj.group_public_key, pkg)
            R = frost.compute_group_commitment(pkg, rho)
            seen_key.add(pub.group_public_key.has_even_y())
            seen_r.add(R.has_even_y())
            sig = tr.aggregate(pkg, shares, pub, tweak).to_bytes()
            key = tr.tweaked_public_key(pub.group_public_key, tweak)
            assert coincurve.PublicKeyXOnly(key).verify(sig, bytes(32))
    assert seen_key == {True, False} and seen_r == {True, False}


@given(st.binary(max_size=100), TWEAKS)
def test_any_message_length_signs_and_verifies(msg: bytes, tweak: bytes | None) -> None:
    pub, kps = keys(3, 2, 0)
    sig = tr.sign_in_process(kps[1:], msg, tweak=tweak, rng=deterministic_rng(msg))
    key = tr.tweaked_public_key(pub.group_public_key, tweak)
    tr.verify(key, msg, sig)
    with pytest.raises(InvalidSignature):
        tr.verify(key, msg + b"x", sig)
    if tweak is not None:  # the tweaked and untweaked keys are different keys
        with pytest.raises(InvalidSignature):
            tr.verify(pub.group_public_key.xonly(), msg, sig)


@given(st.data(), TWEAKS)
def test_every_cheater_is_named_with_taproot_adjustments(
    data: st.DataObject, tweak: bytes | None
) -> None:
    seed = data.draw(st.integers(0, 5))
    pub, kps = keys(5, 3, seed)
    subset = kps[: data.draw(st.integers(3, 5))]
    ids = [k.identifier for k in subset]
    cheaters = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    pkg, shares = sign_all(subset, b"tr blame", tweak, seed=seed)
    for i in cheaters:
        shares[i] = frost.SignatureShare(
            share=(shares[i].share + 1) % N, ciphersuite=tr.FROST_SECP256K1_TR
        )
    with pytest.raises(MisbehaviourError) as exc:
        tr.aggregate(pkg, shares, pub, tweak)
    assert exc.value.culprits == tuple(sorted(cheaters))


@given(st.data())
def test_byte_mutations_of_bip340_signatures_are_rejected(data: st.DataObject) -> None:
    pub, kps = keys(3, 2, 0)
    msg = bytes(range(32))
    sig = tr.sign_in_process(kps[:2], msg, tweak=b"", rng=deterministic_rng(0))
    key = tr.tweaked_public_key(pub.group_public_key, b"")
    bad = bytearray(sig)
    bad[data.draw(st.integers(0, 63))] ^= data.draw(st.integers(1, 255))
    with pytest.raises(InvalidSignature):
        tr.verify(key, msg, bytes(bad))
    assert not coincurve.PublicKeyXOnly(key).verify(bytes(bad), msg)


def test_reused_nonce_refused_and_tweak_validated() -> None:
    pub, kps = keys(3, 2, 0)
    n0, c0 = tr.commit(kps[0], deterministic_rng(1))
    _n1, c1 = tr.commit(kps[1], deterministic_rng(2))
    pkg = tr.signing_package({kps[0].identifier: c0, kps[1].identifier: c1}, b"m")
    tr.sign(pkg, n0, kps[0], b"")
    with pytest.raises(MisuseError):
        tr.sign(pkg, n0, kps[0], b"")
    with pytest.raises(ParameterError):
        tr.sign(pkg, tr.commit(kps[0])[0], kps[0], b"short")
    with pytest.raises(ParameterError):
        tr.tweaked_public_key(pub.group_public_key, bytes(33))
    with pytest.raises(ParameterError):
        tr.sign_in_process(kps[:1], b"m")


def test_suites_do_not_mix() -> None:
    _pub, kps = keys(3, 2, 0)
    n_rfc, c_rfc = frost.commit(kps[0], deterministic_rng(1))
    n_tr, c_tr = tr.commit(kps[1], deterministic_rng(2))
    with pytest.raises(ParameterError):
        frost.SigningPackage(
            commitments={kps[0].identifier: c_rfc, kps[1].identifier: c_tr}, message=b"m"
        )
    pkg = tr.signing_package({kps[1].identifier: c_tr, kps[2].identifier: c_tr}, b"m")
    with pytest.raises(ParameterError):
        frost.sign(pkg, n_rfc, kps[0])
    # a Taproot package decodes as a Taproot package from its header
    back = frost.SigningPackage.from_bytes(pkg.to_bytes())
    assert back.ciphersuite is tr.FROST_SECP256K1_TR and back == pkg
    assert frost.SigningCommitments.from_bytes(c_tr.to_bytes()).ciphersuite is tr.FROST_SECP256K1_TR
    assert c_tr.to_bytes()[1:5] != c_rfc.to_bytes()[1:5]
    del n_tr


def test_signature_decoding_is_strict() -> None:
    pub, kps = keys(3, 2, 0)
    sig = tr.sign_in_process(kps[:2], b"m", rng=deterministic_rng(3))
    s = frost.Signature.from_bytes(sig, tr.FROST_SECP256K1_TR)
    assert s.R.has_even_y() and s.to_bytes() == sig
    with pytest.raises(EncodingError):
        frost.Signature.from_bytes(sig[:32] + N.to_bytes(32, "big"), tr.FROST_SECP256K1_TR)
    with pytest.raises(EncodingError):
        frost.Signature.from_bytes(b"\xff" * 32 + sig[32:], tr.FROST_SECP256K1_TR)
    with pytest.raises(EncodingError):
        frost.Signature.from_bytes(sig + b"\x00", tr.FROST_SECP256K1_TR)
    with pytest.raises(InvalidSignature):
        tr.verify(bytes(31), b"m", sig)
    tr.verify(pub.group_public_key, b"m", sig)  # a 33-byte key of either parity works too
    tr.verify(-pub.group_public_key, b"m", sig)


@given(st.data(), st.binary(max_size=70))
def test_libsecp256k1_bip340_verify_matches_the_python_reference(
    data: st.DataObject, msg: bytes
) -> None:
    pub, kps = keys(3, 2, data.draw(st.integers(0, 3)))
    sig = bytearray(tr.sign_in_process(kps[:2], msg, rng=deterministic_rng(msg)))
    if data.draw(st.booleans()):
        sig[data.draw(st.integers(0, 63))] ^= data.draw(st.integers(1, 255))
    suite = tr.FROST_SECP256K1_TR
    outcomes = []
    for check in (suite.verify, suite.verify_reference):
        try:
            R, z = suite.decode_signature(bytes(sig))
            check(pub.group_public_key, msg, R, z)
            outcomes.append(True)
        except (InvalidSignature, EncodingError):
            outcomes.append(False)
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("suite", ["secp256k1", "secp256k1-tr"])
def test_keys_from_the_frost_dkg_sign(suite: str) -> None:
    """Interop with mdkm.dkg.frost_dkg (ZF keys::dkg): its packages sign with both suites.

    For the Taproot suite the DKG already applied ZF's ``post_dkg`` key-path tweak, so the group
    key is the output key and signing uses ``tweak=None``.
    """
    from mdkm.dkg import part1, part2, part3

    rng = deterministic_rng(f"dkg-{suite}")
    ids = [1, 2, 3]
    r1 = {i: part1(i, 3, 2, rng, suite=suite) for i in ids}
    r2 = {i: part2(r1[i][0], {j: r1[j][1] for j in ids if j != i}) for i in ids}
    out = {
        i: part3(
            r2[i][0],
            {j: r1[j][1] for j in ids if j != i},
            {j: r2[j][1][i] for j in ids if j != i},
        )
        for i in ids
    }
    kps = [out[i][0] for i in ids]
    pub = out[1][1]
    msg = bytes(range(32))
    if suite == "secp256k1":
        frost.verify(pub.group_public_key, msg, frost.sign_in_process(kps[:2], msg))
    else:
        sig = tr.sign_in_process(kps[1:], msg)
        assert coincurve.PublicKeyXOnly(pub.group_public_key.xonly()).verify(sig, msg)
