"""Proactive refresh, resharing to a new committee, stake weights."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptocore.errors import InvalidShare, MisbehaviourError, ParameterError
from cryptocore.group import get_group
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N
from mdkm.dealer import trusted_dealer_keygen
from mdkm.keys import PublicKeyPackage
from mdkm.refresh import (
    check_public_package,
    refresh_in_process,
    reshare_deal,
    reshare_in_process,
    reshare_receive,
    weighted_identifiers,
    weighted_threshold,
)
from mdkm.vss import reconstruct

G = get_group("secp256k1")
SECRET = 0xC0FFEE


def _secret(kps) -> int:  # type: ignore[no-untyped-def]
    return reconstruct({k.identifier: k.signing_share for k in kps}, N)


@settings(max_examples=10)
@given(st.integers(2, 5), st.data())
def test_refresh_keeps_key_and_old_new_mixture_reconstructs_nothing(t: int, data) -> None:  # type: ignore[no-untyped-def]
    n = data.draw(st.integers(t, 6))
    pub, kps = trusted_dealer_keygen(n, t, secret=SECRET, rng=deterministic_rng(n * 10 + t))
    new_pub, new_kps = refresh_in_process(pub, kps, rng=deterministic_rng(t))
    assert new_pub.group_public_key == pub.group_public_key
    for combo in itertools.combinations(new_kps, t):
        assert _secret(combo) == SECRET
    assert all(a.signing_share != b.signing_share for a, b in zip(kps, new_kps, strict=True))
    mixed = [kps[0], *new_kps[1:t]]
    assert _secret(mixed) != SECRET
    check_public_package(new_pub)
    for kp in new_kps:
        assert G.base_mul(kp.signing_share) == new_pub.verifying_shares[kp.identifier]


@settings(max_examples=10)
@given(st.integers(1, 4), st.integers(1, 5), st.data())
def test_reshare_to_new_committee_keeps_key(t: int, t_new: int, data) -> None:  # type: ignore[no-untyped-def]
    n = data.draw(st.integers(t, 5))
    n_new = data.draw(st.integers(t_new, 6))
    pub, kps = trusted_dealer_keygen(n, t, secret=SECRET, rng=deterministic_rng(7 * n + t))
    old = data.draw(st.sampled_from(list(itertools.combinations(kps, t))))
    new_ids = [100 + k for k in range(n_new)]
    new_pub, new_kps = reshare_in_process(pub, list(old), new_ids, t_new, deterministic_rng(3))
    assert new_pub.group_public_key == pub.group_public_key
    assert new_pub.min_signers == t_new
    for combo in itertools.combinations(new_kps, t_new):
        assert _secret(combo) == SECRET
    if t_new > 1:
        assert _secret(new_kps[: t_new - 1]) != SECRET


def test_reshare_rejects_threshold_change_and_key_change() -> None:
    pub, kps = trusted_dealer_keygen(4, 2, secret=SECRET, rng=deterministic_rng("r"))
    new_ids = [11, 12, 13]
    dealt = {
        kp.identifier: reshare_deal(kp, new_ids, 2, deterministic_rng(kp.identifier))
        for kp in kps[:2]
    }
    dealings = {i: d for i, (d, _s) in dealt.items()}
    shares = {i: s[11] for i, (_d, s) in dealt.items()}
    reshare_receive(11, pub, new_ids, 2, dealings, shares)  # honest: fine
    # a dealer who raises the threshold (longer commitment) is named
    d0 = kps[0].identifier
    longer, longer_shares = reshare_deal(kps[0], new_ids, 3, deterministic_rng(99))
    with pytest.raises(MisbehaviourError) as exc:
        reshare_receive(
            11, pub, new_ids, 2, {**dealings, d0: longer}, {**shares, d0: longer_shares[11]}
        )
    assert exc.value.culprits == (d0,)
    # a dealer who deals another secret (constant commitment != its verifying share) is named
    fake_kp = replace(
        kps[0],
        signing_share=(kps[0].signing_share + 1) % N,
        verifying_share=G.base_mul((kps[0].signing_share + 1) % N),
    )
    fake, fake_shares = reshare_deal(fake_kp, new_ids, 2, deterministic_rng(5))
    with pytest.raises(MisbehaviourError) as exc:
        reshare_receive(
            11, pub, new_ids, 2, {**dealings, d0: fake}, {**shares, d0: fake_shares[11]}
        )
    assert exc.value.culprits == (d0,)
    # a wrong share is named
    with pytest.raises(MisbehaviourError) as exc:
        reshare_receive(11, pub, new_ids, 2, dealings, {**shares, d0: (shares[d0] + 1) % N})
    assert exc.value.culprits == (d0,)
    # too few old holders
    with pytest.raises(ParameterError):
        reshare_receive(11, pub, new_ids, 2, {d0: dealings[d0]}, {d0: shares[d0]})


def test_old_package_with_lying_threshold_is_detected() -> None:
    pub, _kps = trusted_dealer_keygen(4, 3, secret=SECRET, rng=deterministic_rng("lie"))
    lying = PublicKeyPackage(
        group="secp256k1",
        min_signers=2,
        group_public_key=pub.group_public_key,
        verifying_shares=pub.verifying_shares,
    )
    with pytest.raises(InvalidShare):
        check_public_package(lying)


def test_weights() -> None:
    ids = weighted_identifiers({"alice": 3, "bob": 1, "carol": 2})
    assert ids == {"alice": (1, 2, 3), "bob": (4,), "carol": (5, 6)}
    assert weighted_threshold(6) == 5  # more than 2/3 of 6
    assert weighted_threshold(3) == 3
    with pytest.raises(ParameterError):
        weighted_identifiers({"a": -1})
    with pytest.raises(ParameterError):
        weighted_identifiers({"a": 0})
    # a weighted committee: alice (3 units) and carol (2 units) together reach t = 5
    _pub, kps = trusted_dealer_keygen(
        6, weighted_threshold(6), secret=SECRET, rng=deterministic_rng("w")
    )
    by_id = {kp.identifier: kp for kp in kps}
    alice_carol = [by_id[i] for i in ids["alice"] + ids["carol"]]
    assert _secret(alice_carol) == SECRET
    alice_bob = [by_id[i] for i in ids["alice"] + ids["bob"]]
    assert len(alice_bob) < weighted_threshold(6)


@pytest.mark.parametrize("group", ["secp256k1", "bls12_381"])
def test_dealings_have_canonical_encodings(group: str) -> None:
    from cryptocore.errors import EncodingError
    from mdkm.refresh import RefreshDealing, ReshareDealing, refresh_deal

    _pub, kps = trusted_dealer_keygen(4, 3, group=group, rng=deterministic_rng("enc-" + group))
    ids = [kp.identifier for kp in kps]
    ref, _ = refresh_deal(kps[0], ids, deterministic_rng(1))
    res, _ = reshare_deal(kps[0], [7, 8, 9], 2, deterministic_rng(2))
    for cls, d in ((RefreshDealing, ref), (ReshareDealing, res)):
        blob = d.to_bytes()
        assert cls.from_bytes(blob, group) == d
        for bad in (blob[:-1], blob + b"\x00", b"", blob[:1] + b"\x09" + blob[2:]):
            with pytest.raises(EncodingError):
                cls.from_bytes(bad, group)
    with pytest.raises(EncodingError):  # a refresh dealing is not a reshare dealing
        ReshareDealing.from_bytes(ref.to_bytes(), group)
