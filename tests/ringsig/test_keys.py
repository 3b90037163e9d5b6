"""Signing keys, canonical rings and GeneratePublicKeySet."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ringsig
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N, Point

from ._helpers import make_keys, ring_of

SECRETS = make_keys(30, "keys")
POOL = ring_of(SECRETS)


def test_signing_key_is_a_secret() -> None:
    k = ringsig.SigningKey(secret=SECRETS[0])
    assert "redacted" in repr(k) and str(SECRETS[0]) not in repr(k)
    assert hex(SECRETS[0])[2:] not in repr(k)
    with pytest.raises(TypeError):
        hash(k)
    assert k == ringsig.SigningKey(secret=SECRETS[0])
    assert k != ringsig.SigningKey(secret=SECRETS[1])
    assert k.__eq__(5) is NotImplemented
    assert k.public_key == Point.base_mul(SECRETS[0]).to_bytes() == ringsig.public_key(k)
    for bad in (0, N, -3, True):
        with pytest.raises(ParameterError):
            ringsig.SigningKey(secret=bad)
    with pytest.raises(ParameterError):
        ringsig.public_key(0)


def test_generate_is_reproducible_with_injected_rng() -> None:
    a = ringsig.SigningKey.generate(deterministic_rng("k"))
    b = ringsig.SigningKey.generate(deterministic_rng("k"))
    assert a == b
    assert ringsig.SigningKey.generate() != ringsig.SigningKey.generate()


def test_canonical_ring_sorts_and_validates() -> None:
    ring = POOL[:6]
    canon = ringsig.canonical_ring(ring)
    assert list(canon) == sorted(ring)
    assert ringsig.canonical_ring(ring[::-1]) == canon
    with pytest.raises(ParameterError):
        ringsig.canonical_ring([*ring, ring[0]])
    with pytest.raises(ParameterError):
        ringsig.canonical_ring(ring, max_ring_size=5)
    with pytest.raises(ParameterError):
        ringsig.canonical_ring(ring, max_ring_size=1)
    with pytest.raises(EncodingError):
        ringsig.canonical_ring([ring[0], "02" * 33])  # type: ignore[list-item]


@given(size=st.integers(2, 12), seed=st.integers(0, 1000), own=st.integers(0, 29))
def test_generate_public_key_set(size: int, seed: int, own: int) -> None:
    ring = ringsig.generate_public_key_set(POOL[own], POOL, size, deterministic_rng(seed))
    assert len(ring) == size and len(set(ring)) == size
    assert POOL[own] in ring
    assert set(ring) <= set(POOL)
    assert list(ring) == sorted(ring)
    again = ringsig.generate_public_key_set(POOL[own], POOL, size, deterministic_rng(seed))
    assert again == ring
    sig = ringsig.sign(b"set", ring, SECRETS[own], deterministic_rng(seed))
    ringsig.verify(b"set", ring, sig)


def test_generate_public_key_set_draws_every_decoy() -> None:
    seen: set[bytes] = set()
    rng = deterministic_rng("cover")
    for _ in range(60):
        seen.update(ringsig.generate_public_key_set(POOL[0], POOL[:10], 3, rng))
    assert seen == set(POOL[:10])


def test_generate_public_key_set_bad_input() -> None:
    with pytest.raises(ParameterError):
        ringsig.generate_public_key_set(POOL[0], POOL[:3], 5)  # not enough decoys
    with pytest.raises(ParameterError):
        ringsig.generate_public_key_set(POOL[0], [POOL[1], POOL[1], POOL[2]], 2)
    with pytest.raises(ParameterError):
        ringsig.generate_public_key_set(POOL[0], POOL, 1)
    with pytest.raises(ParameterError):
        ringsig.generate_public_key_set(POOL[0], POOL, 20, max_ring_size=16)
    with pytest.raises(ParameterError):
        ringsig.generate_public_key_set(POOL[0], POOL, "3")  # type: ignore[arg-type]
    with pytest.raises(EncodingError):
        ringsig.generate_public_key_set(b"\x05" + POOL[0][1:], POOL, 3)
