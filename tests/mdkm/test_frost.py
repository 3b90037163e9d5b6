"""FROST(secp256k1, SHA-256) properties: threshold, blame, tamper, single-use nonces, bad input."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import mdkm.frost as frost
from cryptocore.errors import (
    EncodingError,
    InvalidSignature,
    MisbehaviourError,
    MisuseError,
    ParameterError,
)
from cryptocore.hashing import hash_to_scalar
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N, Point
from mdkm.dealer import trusted_dealer_keygen
from mdkm.frost._fast import all_lagrange_at_zero, lagrange_at_zero, weighted_sum
from mdkm.keys import KeyPackage, PublicKeyPackage
from mdkm.vss import lagrange_coefficient

_KEYS: dict[tuple[int, int, int], tuple[PublicKeyPackage, list[KeyPackage]]] = {}


def keys(n: int, t: int, seed: int = 0) -> tuple[PublicKeyPackage, list[KeyPackage]]:
    if (n, t, seed) not in _KEYS:
        _KEYS[(n, t, seed)] = trusted_dealer_keygen(n, t, rng=deterministic_rng(f"k{n}{t}{seed}"))
    return _KEYS[(n, t, seed)]


def run_round1(
    kps: list[KeyPackage], seed: Any = 0
) -> tuple[dict[int, frost.SigningNonces], dict[int, frost.SigningCommitments]]:
    rng = deterministic_rng(f"r1-{seed}")
    nonces, comms = {}, {}
    for kp in kps:
        nonces[kp.identifier], comms[kp.identifier] = frost.commit(kp, rng)
    return nonces, comms


def sign_all(
    kps: list[KeyPackage], msg: bytes, seed: Any = 0
) -> tuple[frost.SigningPackage, dict[int, frost.SignatureShare]]:
    nonces, comms = run_round1(kps, seed)
    pkg = frost.SigningPackage(commitments=comms, message=msg)
    return pkg, {kp.identifier: frost.sign(pkg, nonces[kp.identifier], kp) for kp in kps}


# ------------------------------------------------------------------ threshold
@given(st.integers(1, 7), st.data(), st.binary(max_size=80))
def test_any_t_subset_signs_and_the_signature_verifies(
    t: int, data: st.DataObject, msg: bytes
) -> None:
    n = data.draw(st.integers(t, 7))
    pub, kps = keys(n, t)
    subset = data.draw(st.lists(st.sampled_from(kps), min_size=t, max_size=n, unique_by=id))
    pkg, shares = sign_all(subset, msg, seed=msg)
    sig = frost.aggregate(pkg, shares, pub)
    frost.verify(pub.group_public_key, msg, sig)
    frost.verify(pub.group_public_key.to_bytes(), msg, sig.to_bytes())
    assert len(sig.to_bytes()) == 65
    assert frost.Signature.from_bytes(sig.to_bytes()) == sig
    with pytest.raises(InvalidSignature):
        frost.verify(pub.group_public_key, msg + b"!", sig)


@given(st.integers(2, 7), st.data())
def test_fewer_than_t_signers_cannot_sign(t: int, data: st.DataObject) -> None:
    n = data.draw(st.integers(t, 7))
    pub, kps = keys(n, t)
    few = data.draw(st.lists(st.sampled_from(kps), min_size=1, max_size=t - 1, unique_by=id))
    msg = b"too few"
    with pytest.raises(ParameterError):
        frost.sign_in_process(few, msg)
    nonces, comms = run_round1(few)
    pkg = frost.SigningPackage(commitments=comms, message=msg)
    with pytest.raises(ParameterError):
        frost.sign(pkg, nonces[few[0].identifier], few[0])
    # even lying about the threshold does not help: the shares interpolate the wrong key
    liars = [
        KeyPackage(
            group="secp256k1",
            identifier=k.identifier,
            signing_share=k.signing_share,
            verifying_share=k.verifying_share,
            group_public_key=k.group_public_key,
            min_signers=len(few),
        )
        for k in few
    ]
    liar_pub = PublicKeyPackage(
        group="secp256k1",
        min_signers=len(few),
        group_public_key=pub.group_public_key,
        verifying_shares=dict(pub.verifying_shares),
    )
    nonces, comms = run_round1(liars, seed=1)
    pkg = frost.SigningPackage(commitments=comms, message=msg)
    shares = {k.identifier: frost.sign(pkg, nonces[k.identifier], k) for k in liars}
    with pytest.raises(InvalidSignature):
        frost.aggregate(pkg, shares, liar_pub)
    with pytest.raises(InvalidSignature):
        z = sum(s.share for s in shares.values()) % N
        rho = frost.compute_binding_factors(pub.group_public_key, pkg)
        R = frost.compute_group_commitment(pkg, rho)
        frost.verify(pub.group_public_key, msg, frost.Signature(R=R, z=z))


# ------------------------------------------------------------------ blame
@given(st.integers(2, 7), st.data())
def test_every_cheater_is_named(t: int, data: st.DataObject) -> None:
    n = data.draw(st.integers(t, 7))
    pub, kps = keys(n, t)
    subset = data.draw(st.lists(st.sampled_from(kps), min_size=t, max_size=n, unique_by=id))
    ids = [k.identifier for k in subset]
    cheaters = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    deltas = data.draw(st.lists(st.integers(1, N - 1), min_size=len(cheaters)))
    pkg, shares = sign_all(subset, b"blame", seed=(t, n))
    for i, d in zip(cheaters, deltas + [1] * len(cheaters), strict=False):
        shares[i] = frost.SignatureShare(share=(shares[i].share + d) % N)
    with pytest.raises(MisbehaviourError) as exc:
        frost.aggregate(pkg, shares, pub)
    assert exc.value.culprits == tuple(sorted(cheaters))
    for i in ids:
        if i in cheaters:
            with pytest.raises(MisbehaviourError) as one:
                frost.verify_share(i, pub.verifying_shares[i], shares[i], pkg, pub.group_public_key)
            assert one.value.culprits == (i,)
        else:
            frost.verify_share(i, pub.verifying_shares[i], shares[i], pkg, pub.group_public_key)


def test_share_from_unknown_identifier_is_blamed_and_missing_share_refused() -> None:
    pub, kps = keys(5, 3)
    pkg, shares = sign_all(kps[:3], b"m")
    extra = dict(shares)
    extra[kps[4].identifier] = frost.SignatureShare(share=5)
    with pytest.raises(MisbehaviourError) as exc:
        frost.aggregate(pkg, extra, pub)
    assert exc.value.culprits == (kps[4].identifier,)
    missing = dict(shares)
    del missing[kps[0].identifier]
    with pytest.raises(ParameterError):
        frost.aggregate(pkg, missing, pub)


# ------------------------------------------------------------------ tamper
@given(st.data())
def test_byte_mutations_of_the_signature_are_rejected(data: st.DataObject) -> None:
    pub, kps = keys(3, 2)
    pkg, shares = sign_all(kps[:2], b"mutate me")
    sig = frost.aggregate(pkg, shares, pub).to_bytes()
    idx = data.draw(st.integers(0, len(sig) - 1))
    flip = data.draw(st.integers(1, 255))
    bad = bytearray(sig)
    bad[idx] ^= flip
    with pytest.raises(InvalidSignature):
        frost.verify(pub.group_public_key, b"mutate me", bytes(bad))
    # truncations and extensions too
    cut = data.draw(st.integers(0, len(sig) - 1))
    with pytest.raises(InvalidSignature):
        frost.verify(pub.group_public_key, b"mutate me", sig[:cut])
    with pytest.raises(InvalidSignature):
        frost.verify(pub.group_public_key, b"mutate me", sig + b"\x00")


def test_verify_rejects_wrong_key_and_garbage_types() -> None:
    pub, kps = keys(3, 2)
    pkg, shares = sign_all(kps[:2], b"x")
    sig = frost.aggregate(pkg, shares, pub)
    with pytest.raises(InvalidSignature):
        frost.verify(Point.base_mul(7), b"x", sig)
    with pytest.raises(InvalidSignature):
        frost.verify(b"\x02" + bytes(32), b"x", sig)
    with pytest.raises(InvalidSignature):
        frost.verify(pub.group_public_key, "x", sig)  # type: ignore[arg-type]
    z_big = sig.R.to_bytes() + N.to_bytes(32, "big")
    with pytest.raises(InvalidSignature):
        frost.verify(pub.group_public_key, b"x", z_big)
    with pytest.raises(EncodingError):
        frost.Signature.from_bytes(z_big)


# ------------------------------------------------------------------ nonces
def test_a_reused_nonce_is_refused() -> None:
    _pub, kps = keys(3, 2)
    nonces, comms = run_round1(kps[:2])
    pkg = frost.SigningPackage(commitments=comms, message=b"one")
    kp = kps[0]
    n0 = nonces[kp.identifier]
    assert not n0.spent
    frost.sign(pkg, n0, kp)
    assert n0.spent
    with pytest.raises(MisuseError):
        frost.sign(pkg, n0, kp)
    other = frost.SigningPackage(commitments=comms, message=b"two")
    with pytest.raises(MisuseError):
        frost.sign(other, n0, kp)
    with pytest.raises(MisuseError):
        n0.take()


def test_nonces_are_secret_single_objects() -> None:
    _pub, kps = keys(3, 2)
    n, c = frost.commit(kps[0], deterministic_rng(1))
    assert "redacted" in repr(n)
    assert str(n.take()[0]) not in repr(n)
    n2, _ = frost.commit(kps[0], deterministic_rng(2))
    with pytest.raises(TypeError):
        hash(n2)
    with pytest.raises(TypeError):
        pickle.dumps(n2)
    with pytest.raises(TypeError):
        copy.copy(n2)
    with pytest.raises(AttributeError):
        n2._hiding = 1  # type: ignore[misc]
    assert c == frost.SigningCommitments.from_bytes(c.to_bytes())


def test_commitment_mismatch_is_refused_and_nonces_are_burnt() -> None:
    _pub, kps = keys(3, 2)
    nonces, comms = run_round1(kps[:2])
    other_n, other_c = frost.commit(kps[0], deterministic_rng(99))
    forged = dict(comms)
    forged[kps[0].identifier] = other_c
    pkg = frost.SigningPackage(commitments=forged, message=b"m")
    with pytest.raises(MisbehaviourError):
        frost.sign(pkg, nonces[kps[0].identifier], kps[0])
    assert nonces[kps[0].identifier].spent
    # our own identifier absent from the package
    nonces, comms = run_round1(kps[:3], seed=5)
    pkg = frost.SigningPackage(commitments={i: comms[i] for i in list(comms)[1:]}, message=b"m")
    with pytest.raises(ParameterError):
        frost.sign(pkg, nonces[kps[0].identifier], kps[0])
    del other_n


def test_commit_accepts_a_signing_share_and_rejects_bad_secrets() -> None:
    _pub, kps = keys(3, 2)
    n1, c1 = frost.commit(kps[0].signing_share, deterministic_rng(3))
    n2, c2 = frost.commit(kps[0], deterministic_rng(3))
    assert c1 == c2 and n1 == n2
    for bad in (0, N, -1, "x", True):
        with pytest.raises(ParameterError):
            frost.commit(bad)  # type: ignore[arg-type]


# ------------------------------------------------------------------ identifiers
@given(st.lists(st.integers(1, N - 1), min_size=3, max_size=5, unique=True), st.data())
@example(ids=[1, N - 1, 2**255], data=None)
def test_identifiers_are_any_nonzero_scalars(ids: list[int], data: Any) -> None:
    t = 2 if data is None else data.draw(st.integers(1, len(ids)))
    pub, kps = trusted_dealer_keygen(len(ids), t, rng=deterministic_rng(str(ids)), identifiers=ids)
    pkg, shares = sign_all(kps[-t:], b"ids")
    frost.verify(pub.group_public_key, b"ids", frost.aggregate(pkg, shares, pub))
    back = frost.SigningPackage.from_bytes(pkg.to_bytes())
    assert back == pkg and back.signers == pkg.signers


# ------------------------------------------------------------------ bad input
def test_signing_package_rejects_bad_commitments() -> None:
    _pub, kps = keys(3, 2)
    _n, comms = run_round1(kps)
    with pytest.raises(ParameterError):
        frost.SigningPackage(commitments={}, message=b"m")
    with pytest.raises(ParameterError):
        frost.SigningPackage(commitments={0: comms[1]}, message=b"m")
    with pytest.raises(ParameterError):
        frost.SigningPackage(commitments={N: comms[1]}, message=b"m")
    with pytest.raises(ParameterError):
        frost.SigningPackage(commitments={1: comms[1]}, message="m")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        frost.SigningPackage(commitments={1: (1, 2)}, message=b"m")  # type: ignore[dict-item]
    with pytest.raises(ParameterError):
        frost.SigningCommitments(hiding=Point.identity(), binding=comms[1].binding)
    with pytest.raises(ParameterError):
        frost.SigningCommitments(hiding=comms[1].hiding, binding=Point.identity())


def _pkg_bytes() -> tuple[bytes, frost.SigningPackage]:
    _pub, kps = keys(3, 2)
    _n, comms = run_round1(kps)
    pkg = frost.SigningPackage(commitments=comms, message=b"msg")
    return pkg.to_bytes(), pkg


def test_signing_package_decoding_is_strict() -> None:
    raw, pkg = _pkg_bytes()
    assert frost.SigningPackage.from_bytes(raw) == pkg
    entry = 98
    body = raw[9 : 9 + 3 * entry]
    e1, e2, e3 = body[:entry], body[entry : 2 * entry], body[2 * entry :]
    tail = raw[9 + 3 * entry :]
    head = raw[:5]

    def build(entries: list[bytes], t: bytes = tail) -> bytes:
        return head + len(entries).to_bytes(4, "big") + b"".join(entries) + t

    assert build([e1, e2, e3]) == raw
    bad = {
        "duplicate": build([e1, e1, e3]),
        "unsorted": build([e2, e1, e3]),
        "count too big": head + (4).to_bytes(4, "big") + body + tail,
        "zero count": head + bytes(4) + tail,
        "trailing": raw + b"\x00",
        "truncated": raw[:-1],
        "version": b"\x09" + raw[1:],
        "suite": raw[:1] + b"\x00\x00\x00\x00" + raw[5:],
        "zero id": build([bytes(32) + e1[32:], e2, e3]),
        "id >= n": build([N.to_bytes(32, "big") + e1[32:], e2, e3]),
        "identity point": build([e1[:32] + bytes(33) + e1[65:], e2, e3]),
        "off curve": build([e1[:32] + b"\x02" + b"\xff" * 32 + e1[65:], e2, e3]),
        "bad prefix": build([e1[:32] + b"\x04" + e1[33:], e2, e3]),
        "header only": head,
        "empty": b"",
    }
    for name, data in bad.items():
        with pytest.raises(EncodingError):
            frost.SigningPackage.from_bytes(data)
        assert name


@given(st.binary(max_size=300))
def test_random_bytes_never_crash_the_decoders(data: bytes) -> None:
    for dec in (
        frost.SigningPackage.from_bytes,
        frost.SigningCommitments.from_bytes,
        frost.SignatureShare.from_bytes,
        frost.Signature.from_bytes,
    ):
        try:
            dec(data)
        except EncodingError:
            pass
        except ParameterError:
            pass


def test_share_and_signature_scalar_ranges() -> None:
    hdr = frost.FROST_SECP256K1_SHA256.header()
    with pytest.raises(EncodingError):
        frost.SignatureShare.from_bytes(hdr + N.to_bytes(32, "big"))
    with pytest.raises(EncodingError):
        frost.SignatureShare.from_bytes(hdr + bytes(31))
    assert frost.SignatureShare.from_bytes(hdr + (N - 1).to_bytes(32, "big")).share == N - 1
    for bad in (-1, N, "1", 1.0):
        with pytest.raises(ParameterError):
            frost.SignatureShare(share=bad)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        frost.Signature(R=Point.identity(), z=1)
    with pytest.raises(EncodingError):
        frost.Signature.from_bytes(bytes(65))  # R = identity / bad prefix


def test_aggregate_rejects_signers_outside_the_key_and_wrong_types() -> None:
    pub, kps = keys(5, 2)
    pkg, shares = sign_all(kps[:3], b"m")
    small = PublicKeyPackage(
        group="secp256k1",
        min_signers=2,
        group_public_key=pub.group_public_key,
        verifying_shares={i: pub.verifying_shares[i] for i in list(pub.verifying_shares)[:2]},
    )
    with pytest.raises(ParameterError):
        frost.aggregate(pkg, shares, small)
    with pytest.raises(ParameterError):
        frost.aggregate(pkg, {i: s.share for i, s in shares.items()}, pub)  # type: ignore[misc]
    with pytest.raises(ParameterError):
        frost.aggregate(pkg, shares, kps[0])  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        frost.sign(pkg, frost.commit(kps[0])[0], kps[0], tweak=b"")
    big = PublicKeyPackage(
        group="secp256k1",
        min_signers=4,
        group_public_key=pub.group_public_key,
        verifying_shares=dict(pub.verifying_shares),
    )
    with pytest.raises(ParameterError):
        frost.aggregate(pkg, shares, big)


def test_round_trips_of_every_package() -> None:
    pub, kps = keys(4, 3)
    pkg, shares = sign_all(kps[1:], b"round trip")
    for s in shares.values():
        assert frost.SignatureShare.from_bytes(s.to_bytes()) == s
        assert s.to_bytes()[:5] == b"\x01" + frost.FROST_SECP256K1_SHA256.id
    for c in pkg.commitments.values():
        assert frost.SigningCommitments.from_bytes(c.to_bytes()) == c
    assert frost.SigningPackage.from_bytes(pkg.to_bytes()) == pkg
    sig = frost.aggregate(pkg, shares, pub)
    assert frost.Signature.from_bytes(sig.to_bytes()) == sig


# ------------------------------------------------------------------ fast paths = references
@given(st.binary(max_size=120), st.lists(st.binary(max_size=40), max_size=4))
def test_h1_many_matches_rfc9380_hash_to_field(prefix: bytes, suffixes: list[bytes]) -> None:
    s = frost.FROST_SECP256K1_SHA256
    got = s.H1_many(prefix, suffixes)
    assert got == [hash_to_scalar(prefix + x, s.context + b"rho", N) for x in suffixes]


@given(st.lists(st.integers(1, N - 1), min_size=1, max_size=12, unique=True))
@example([1, 2, 3])
@example([N - 1, 1])
def test_lagrange_fast_paths_match_vss(ids: list[int]) -> None:
    every = all_lagrange_at_zero(ids)
    for i in ids:
        ref = lagrange_coefficient(i, ids, N)
        assert lagrange_at_zero(i, ids) == ref == every[i]
    assert sum(every.values()) % N == 1


@given(st.lists(st.tuples(st.integers(1, 50), st.integers(0, N - 1)), max_size=6))
def test_weighted_sum_matches_naive(terms: list[tuple[int, int]]) -> None:
    pts = [Point.base_mul(a) for a, _ in terms]
    ks = [k for _, k in terms]
    plain = pts[:2]
    naive = Point.sum([*plain, *(p * k for p, k in zip(pts, ks, strict=True))])
    assert weighted_sum(plain, pts, ks) == naive
    # cancelling terms sum to the identity
    assert weighted_sum([Point.base_mul(5)], [Point.base_mul(5)], [N - 1]).is_identity


def test_sign_in_process_rejects_mixed_and_bad_packages() -> None:
    pub, kps = keys(3, 2)
    _pub2, kps2 = keys(3, 2, seed=1)
    with pytest.raises(ParameterError):
        frost.sign_in_process([kps[0], kps2[1]], b"m")
    with pytest.raises(ParameterError):
        frost.sign_in_process([kps[0], kps[0]], b"m")
    with pytest.raises(ParameterError):
        frost.sign_in_process([], b"m")
    with pytest.raises(ParameterError):
        frost.sign_in_process(kps, "m")  # type: ignore[arg-type]
    sig = frost.sign_in_process(kps, b"m", rng=deterministic_rng(1))
    assert sig == frost.sign_in_process(kps, b"m", rng=deterministic_rng(1))
    frost.verify(pub.group_public_key, b"m", sig)


# ------------------------------------------------------------------ larger sets
def test_34_of_50_blames_exactly_the_cheaters() -> None:
    pub, kps = trusted_dealer_keygen(50, 34, rng=deterministic_rng("34-of-50"))
    signers = kps[3:37]
    pkg, shares = sign_all(signers, b"larger", seed="34")
    frost.verify(pub.group_public_key, b"larger", frost.aggregate(pkg, shares, pub))
    cheaters = [signers[0].identifier, signers[17].identifier, signers[33].identifier]
    for i in cheaters:
        shares[i] = frost.SignatureShare(share=(shares[i].share * 2 + 1) % N)
    with pytest.raises(MisbehaviourError) as exc:
        frost.aggregate(pkg, shares, pub)
    assert exc.value.culprits == tuple(sorted(cheaters))


@pytest.mark.slow
def test_667_of_1000_through_the_sessions() -> None:
    pub, kps = trusted_dealer_keygen(1000, 667, rng=deterministic_rng("667-of-1000"))
    sig = frost.sign_in_process(kps[333:], b"big committee", rng=deterministic_rng(1))
    frost.verify(pub.group_public_key, b"big committee", sig)
    with pytest.raises(ParameterError):
        frost.sign_in_process(kps[:666], b"big committee")
