"""Key images I = x·Hp(P) with Hp = RFC 9380 hash_to_curve under our DST."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ringsig
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.secp256k1 import N, Point, hash_to_curve

# ``ringsig.key_image`` the function shadows the submodule of the same name.
ki = importlib.import_module("ringsig.key_image")

scalar = st.integers(min_value=1, max_value=N - 1)

# Regression pins (computed by this implementation and cross-checked below against the RFC 9380
# reference map of cryptocore.secp256k1.hash_to_curve and variable-time multiplication).
PINNED = {
    1: "0242cf0936d96f07cd17ebdabff466907dacbf8d4f49e288e0da1a0cb94d1fe3fc",
    2: "03d4a7126a0f7a3f50ace878b750dbad14974d805036784840d2f6685443898244",
    0xC0FFEE: "020a43fc046f244e7496496b4e37f7a45135eb0a28f1de933f75f8035774f73a06",
}


def _hp_reference(pk: bytes) -> Point:
    mod = importlib.import_module("cryptocore.secp256k1.hash_to_curve")
    u0, u1 = mod.hash_to_field(pk, ki.HP_DST, 2)
    return mod._map_to_curve_reference(u0) + mod._map_to_curve_reference(u1)


def test_dst_is_versioned_and_names_the_suite() -> None:
    assert ki.HP_DST == b"LITHO-CRYPTO-V01-RINGSIG-HP_secp256k1_XMD:SHA-256_SSWU_RO_"


@pytest.mark.parametrize("x", sorted(PINNED))
def test_pinned_key_images(x: int) -> None:
    assert ringsig.key_image(x).hex() == PINNED[x]
    pk = Point.base_mul(x).to_bytes()
    assert (_hp_reference(pk) * x).to_bytes().hex() == PINNED[x]


@given(x=scalar)
def test_key_image_is_x_times_hash_to_curve_of_public_key(x: int) -> None:
    pk = ringsig.public_key(x)
    hp = hash_to_curve(pk, ki.HP_DST)
    assert ki.hash_to_point(pk) == hp
    assert ringsig.key_image(x) == (hp * x).to_bytes()  # constant-time path = variable-time
    assert ringsig.SigningKey(secret=x).key_image == ringsig.key_image(x)


@given(xs=st.lists(scalar, min_size=1, max_size=6))
def test_batched_hash_matches_single(xs: list[int]) -> None:
    ki.clear_cache()
    pks = [ringsig.public_key(x) for x in xs]
    batch = ki.hash_to_points(pks + pks[:1])
    assert batch == [hash_to_curve(pk, ki.HP_DST) for pk in pks + pks[:1]]
    assert ki.hash_to_points(pks) == batch[:-1]  # now from the cache


def test_hash_to_point_is_not_a_multiple_of_the_key_by_a_hash() -> None:
    # The older Keccak(P)·P construction is not used: Hp(P) differs from it.
    from cryptocore.hashing import keccak256

    pk = ringsig.public_key(5)
    legacy = Point.from_bytes(pk) * int.from_bytes(keccak256(pk), "big")
    assert ki.hash_to_point(pk) != legacy
    assert ki.hash_to_point(pk) != Point.base_mul(int.from_bytes(keccak256(pk), "big"))


def test_distinct_keys_distinct_images() -> None:
    images = {ringsig.key_image(x) for x in range(1, 60)}
    assert len(images) == 59


def test_hash_to_point_rejects_noncanonical() -> None:
    pk = Point.base_mul(9)
    with pytest.raises(EncodingError):
        ki.hash_to_point(pk.to_bytes_uncompressed())
    with pytest.raises(EncodingError):
        ki.hash_to_point(b"\x02" + b"\xff" * 32)


def test_lru_cache_bounded() -> None:
    cache = ki._LRU(3)
    pts = [Point.base_mul(i) for i in range(1, 6)]
    for i, p in enumerate(pts):
        cache.put(bytes([i]), p)
    assert cache.get(bytes([0])) is None and cache.get(bytes([1])) is None
    assert cache.get(bytes([4])) == pts[4]
    cache.clear()
    assert cache.get(bytes([4])) is None


class TestKeyImageValue:
    def test_roundtrip_and_matches(self) -> None:
        img = ringsig.key_image(3)
        k = ringsig.KeyImage.from_bytes(img)
        assert k.to_bytes() == img
        assert k.point() == Point.from_bytes(img)
        assert k.matches(img) and k.matches(ringsig.KeyImage(value=img))
        assert not k.matches(ringsig.key_image(4))

    def test_other_encodings_rejected(self) -> None:
        img = Point.from_bytes(ringsig.key_image(3))
        u = img.to_bytes_uncompressed()
        hybrid = bytes([6 | (u[-1] & 1)]) + u[1:]
        for bad in (u, hybrid, bytes(33), b"\x00", img.to_bytes()[:-1], img.to_bytes() + b"\x00"):
            with pytest.raises(EncodingError):
                ringsig.KeyImage.from_bytes(bad)
        with pytest.raises(EncodingError):
            ringsig.KeyImage.from_bytes("03ab")  # type: ignore[arg-type]

    def test_bad_secret(self) -> None:
        with pytest.raises(ParameterError):
            ringsig.key_image(N)


def test_precompute_fills_the_cache() -> None:
    ki.clear_cache()
    pks = [ringsig.public_key(x) for x in range(100, 110)]
    assert ringsig.precompute(pks) == 10
    assert all(ki._HP_CACHE.get(pk) == hash_to_curve(pk, ki.HP_DST) for pk in pks)
    with pytest.raises(EncodingError):
        ringsig.precompute([b"\x04" + bytes(64)])
