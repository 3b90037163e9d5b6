"""CryptoNote dual-key one-time accounts: derivation, recognition, spending, bad input."""

from __future__ import annotations

import hashlib
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptocore.errors import EncodingError, ParameterError
from cryptocore.hashing import tagged_hash
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N, Point
from locked_accounts.one_time import (
    TAG_DERIVE,
    TAG_VIEW,
    AccountKeys,
    Announcement,
    MetaAddress,
    OneTimeSecret,
    SpendKey,
    ViewKey,
    derive_spend_key,
    ecdh_sha256,
    is_mine,
    send,
    send_many,
)

seeds = st.integers(min_value=0, max_value=2**32)
scalars = st.integers(min_value=1, max_value=N - 1)


def _keys(seed: int) -> AccountKeys:
    return AccountKeys.generate(deterministic_rng(seed))


def test_derivation_matches_the_formulas() -> None:
    """P = H_s(SHA256(ser_P(r·V)) || i)·G + S, independently recomputed with the shared point."""
    keys = _keys(1)
    meta = keys.meta_address()
    r, i = 0x1234567890ABCDEF, 7
    ann = send(meta, index=i, ephemeral=r)
    shared = meta.view_public * r  # public-scalar path, independent of the ECDH code
    d = hashlib.sha256(shared.to_bytes()).digest()
    assert ecdh_sha256(r, meta.view_public) == d
    h = int.from_bytes(tagged_hash(TAG_DERIVE, d + i.to_bytes(4, "big")), "big") % N
    assert ann.one_time_public == Point.base_mul(h) + meta.spend_public
    assert ann.view_tag == tagged_hash(TAG_VIEW, d + i.to_bytes(4, "big"))[0]
    assert ann.ephemeral_public == Point.base_mul(r)
    # the receiver's view: v·R = r·V
    assert ecdh_sha256(keys.view_key.scalar, ann.ephemeral_public) == d


@given(seed=seeds, index=st.integers(min_value=0, max_value=2**32 - 1))
def test_receiver_recognises_and_controls(seed: int, index: int) -> None:
    keys = _keys(seed)
    meta = keys.meta_address()
    ann = send(meta, index=index, rng=deterministic_rng(seed + 1))
    assert is_mine(ann, keys.view_key, meta.spend_public)
    x = derive_spend_key(ann, keys.view_key, keys.spend_key)
    assert x.public_key() == ann.one_time_public  # the derived secret controls P
    other = _keys(seed + 10**10)
    assert not is_mine(ann, other.view_key, other.meta_address().spend_public)
    with pytest.raises(ParameterError):
        derive_spend_key(ann, other.view_key, other.spend_key)


def test_view_key_alone_with_wrong_spend_public_does_not_match() -> None:
    keys = _keys(3)
    ann = send(keys.meta_address(), rng=deterministic_rng(4))
    assert not is_mine(ann, keys.view_key, Point.base_mul(5))
    # a wrong spend key with the right view key: tag matches, the key check fails
    with pytest.raises(ParameterError):
        derive_spend_key(ann, keys.view_key, SpendKey(5))


def test_tag_matches_but_key_does_not() -> None:
    keys = _keys(5)
    meta = keys.meta_address()
    ann = send(meta, rng=deterministic_rng(6))
    forged = Announcement(
        ephemeral_public=ann.ephemeral_public,
        index=ann.index,
        view_tag=ann.view_tag,
        one_time_public=Point.base_mul(42),
    )
    assert not is_mine(forged, keys.view_key, meta.spend_public)
    with pytest.raises(ParameterError):
        derive_spend_key(forged, keys.view_key, keys.spend_key)


def test_send_many_distinct_keys_for_same_recipient() -> None:
    keys = _keys(7)
    meta = keys.meta_address()
    anns = send_many([meta, meta, meta], rng=deterministic_rng(8))
    assert len({a.ephemeral_public for a in anns}) == 1  # one transaction key
    assert len({a.one_time_public for a in anns}) == 3  # the index separates outputs
    for a in anns:
        assert derive_spend_key(a, keys.view_key, keys.spend_key).public_key() == a.one_time_public


def test_reused_ephemeral_same_index_collides() -> None:
    """What the scanner's duplicate report exists for."""
    meta = _keys(9).meta_address()
    a = send(meta, ephemeral=99, index=0)
    b = send(meta, ephemeral=99, index=0)
    c = send(meta, ephemeral=99, index=1)
    assert a.one_time_public == b.one_time_public
    assert c.one_time_public != a.one_time_public


@given(seed=seeds)
def test_encodings_round_trip(seed: int) -> None:
    keys = _keys(seed)
    meta = keys.meta_address()
    assert MetaAddress.from_bytes(meta.to_bytes()) == meta
    assert len(meta.to_bytes()) == 66
    ann = send(meta, index=seed % 1000, rng=deterministic_rng(seed))
    assert Announcement.from_bytes(ann.to_bytes()) == ann
    assert ViewKey.from_bytes(keys.view_key.to_bytes()) == keys.view_key


@given(seed=seeds, pos=st.integers(min_value=0, max_value=71), bit=st.integers(0, 7))
def test_tampered_announcement_rejected_or_not_mine(seed: int, pos: int, bit: int) -> None:
    keys = _keys(seed)
    meta = keys.meta_address()
    ann = send(meta, rng=deterministic_rng(seed + 2))
    data = bytearray(ann.to_bytes())
    data[pos] ^= 1 << bit
    try:
        t = Announcement.from_bytes(bytes(data))
    except EncodingError:
        return
    assert not is_mine(t, keys.view_key, meta.spend_public)


def test_bad_inputs() -> None:
    for bad in (0, N, -1, N + 5):
        with pytest.raises(ParameterError):
            ViewKey(bad)
    with pytest.raises(ParameterError):
        SpendKey(True)  # type: ignore[arg-type]
    with pytest.raises(EncodingError):
        ViewKey.from_bytes(bytes(32))
    with pytest.raises(EncodingError):
        ViewKey.from_bytes(N.to_bytes(32, "big"))
    meta = _keys(11).meta_address()
    raw = meta.to_bytes()
    with pytest.raises(EncodingError):
        MetaAddress.from_bytes(raw[:65])
    with pytest.raises(EncodingError):
        MetaAddress.from_bytes(raw + b"\x00")
    with pytest.raises(EncodingError):  # x = 5 has no point on secp256k1
        MetaAddress.from_bytes(b"\x02" + (5).to_bytes(32, "big") + raw[33:])
    with pytest.raises(EncodingError):
        MetaAddress.from_bytes(b"\x04" + raw[1:])
    with pytest.raises(ParameterError):
        MetaAddress(spend_public=Point.identity(), view_public=meta.view_public)
    with pytest.raises(ParameterError):
        send(meta, ephemeral=0)
    with pytest.raises(ParameterError):
        send(meta, ephemeral=N)
    with pytest.raises(ParameterError):
        send(meta, index=2**32)
    with pytest.raises(ParameterError):
        send(meta, index=-1)
    with pytest.raises(ParameterError):
        send_many([])
    ann = send(meta, rng=deterministic_rng(1)).to_bytes()
    with pytest.raises(EncodingError):
        Announcement.from_bytes(b"\x02" + ann[1:])  # unknown version
    with pytest.raises(EncodingError):
        Announcement.from_bytes(ann[:-1])
    with pytest.raises(ParameterError):
        Announcement(
            ephemeral_public=meta.view_public,
            index=0,
            view_tag=256,
            one_time_public=meta.spend_public,
        )


def test_secrets_are_redacted_and_unhashable() -> None:
    keys = _keys(12)
    for s in (keys.view_key, keys.spend_key, OneTimeSecret(3), keys):
        assert "redacted" in repr(s)
        assert str(keys.view_key.scalar) not in repr(s)
        with pytest.raises(TypeError):
            hash(s)
        with pytest.raises(TypeError):
            pickle.dumps(s)
    assert keys.view_key == ViewKey(keys.view_key.scalar)
    assert keys.view_key != ViewKey(1)
    assert keys == AccountKeys(view_key=keys.view_key, spend_key=keys.spend_key)
    with pytest.raises(AttributeError):
        keys.view_key._k = 1  # type: ignore[misc]
