"""Shamir/Feldman properties and trusted-dealer key packages."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptocore.errors import EncodingError, InvalidShare, ParameterError
from cryptocore.group import get_group
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N
from mdkm.dealer import trusted_dealer_keygen
from mdkm.keys import KeyPackage, PublicKeyPackage
from mdkm.vss import feldman_commit, feldman_verify, reconstruct, split

G = get_group("secp256k1")


@given(st.integers(1, N - 1), st.integers(1, 7), st.data())
def test_any_t_shares_reconstruct_and_fewer_are_consistent_with_any_secret(
    secret: int, t: int, data: st.DataObject
) -> None:
    n = data.draw(st.integers(t, 9))
    _coeffs, shares = split(secret, n, t, N, deterministic_rng(secret))
    subset = data.draw(
        st.lists(st.sampled_from(sorted(shares)), min_size=t, max_size=t, unique=True)
    )
    assert reconstruct({i: shares[i] for i in subset}, N) == secret
    if t > 1:
        # t-1 shares plus a chosen value at 0 define a valid polynomial for ANY other secret
        other = data.draw(st.integers(0, N - 1))
        fewer = {i: shares[i] for i in subset[: t - 1]}
        pts = dict(fewer)
        pts[0] = other
        # the interpolated polynomial through (0, other) and the t-1 shares agrees with them
        for i in fewer:
            assert reconstruct(pts, N, x=i) == fewer[i]


def test_feldman_detects_bad_share() -> None:
    coeffs, shares = split(12345, 5, 3, N, deterministic_rng(1))
    com = feldman_commit(coeffs, G)
    for i, s in shares.items():
        feldman_verify(i, s, com, G)
    with pytest.raises(InvalidShare):
        feldman_verify(2, (shares[2] + 1) % N, com, G)
    with pytest.raises(InvalidShare):
        feldman_verify(2, N, com, G)


def test_split_rejects_bad_parameters() -> None:
    with pytest.raises(ParameterError):
        split(1, 3, 4, N)
    with pytest.raises(ParameterError):
        split(1, 3, 2, N, identifiers=[1, 1, 2])
    with pytest.raises(ParameterError):
        split(1, 3, 2, N, identifiers=[0, 1, 2])


def test_dealer_packages_round_trip_and_interpolate() -> None:
    pub, kps = trusted_dealer_keygen(5, 3, rng=deterministic_rng("dealer"), secret=42)
    assert pub.group_public_key == G.base_mul(42)
    for combo in itertools.combinations(kps, 3):
        assert reconstruct({k.identifier: k.signing_share for k in combo}, N) == 42
    assert PublicKeyPackage.from_bytes(pub.to_bytes()) == pub
    for kp in kps:
        assert KeyPackage.from_bytes(kp.to_bytes()) == kp
        assert "redacted" in repr(kp) and str(kp.signing_share) not in repr(kp)
    with pytest.raises(EncodingError):
        KeyPackage.from_bytes(kps[0].to_bytes()[:-1])
    with pytest.raises(EncodingError):
        PublicKeyPackage.from_bytes(pub.to_bytes() + b"\x00")
    with pytest.raises(TypeError):
        hash(kps[0])
