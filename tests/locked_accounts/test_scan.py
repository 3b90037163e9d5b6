"""The scanner: finds exactly its own outputs, reports duplicates, false positives, junk."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptocore.errors import ParameterError
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N, Point
from locked_accounts.one_time import (
    AccountKeys,
    Announcement,
    derive_spend_key,
    send,
    send_many,
)
from locked_accounts.scan import PreparedBatch, encode_batch, prepare, scan


def _keys(seed: int) -> AccountKeys:
    return AccountKeys.generate(deterministic_rng(("scan", seed).__repr__()))


@given(
    seed=st.integers(min_value=0, max_value=2**32),
    n_foreign=st.integers(min_value=0, max_value=120),
    n_mine=st.integers(min_value=0, max_value=6),
)
def test_finds_exactly_own_outputs(seed: int, n_foreign: int, n_mine: int) -> None:
    rng = deterministic_rng(seed)
    me, other = _keys(seed), _keys(seed + 1)
    rnd = random.Random(seed)
    items: list[tuple[bool, Announcement]] = []
    for i in range(n_foreign):
        if i % 3 == 2:  # random junk: random R, tag and P that nobody derived
            junk = Announcement(
                ephemeral_public=Point.base_mul(rnd.randrange(1, N)),
                index=rnd.randrange(2**32),
                view_tag=rnd.randrange(256),
                one_time_public=Point.base_mul(rnd.randrange(1, N)),
            )
            items.append((False, junk))
        else:  # real outputs for someone else
            items.append((False, send(other.meta_address(), index=i % 4, rng=rng)))
    items += [(True, send(me.meta_address(), index=i, rng=rng)) for i in range(n_mine)]
    rnd.shuffle(items)
    anns = [a for _, a in items]
    expected = [i for i, (mine, _) in enumerate(items) if mine]
    for source in (anns, encode_batch(anns), prepare(anns)):
        result = scan(source, me.view_key, me.meta_address().spend_public)
        assert [f.position for f in result.found] == expected
        assert result.scanned == len(anns)
        assert result.duplicates == ()
        assert result.malformed == ()
        assert result.false_positives == result.tag_matches - n_mine
        for f in result.found:
            assert f.announcement == anns[f.position]
            x = derive_spend_key(f.announcement, me.view_key, me.spend_key)
            assert x.public_key() == f.announcement.one_time_public


def test_reused_ephemeral_reported_as_duplicate() -> None:
    me = _keys(1)
    meta = me.meta_address()
    a = send(meta, ephemeral=12345, index=0)
    b = send(meta, ephemeral=12345, index=0)  # same r, same index: same one-time key
    c = send(meta, ephemeral=12345, index=1)  # same r, next index: fine
    noise = [send(_keys(2).meta_address(), rng=deterministic_rng(i)) for i in range(5)]
    result = scan([*noise[:2], a, *noise[2:], b, c], me.view_key, meta.spend_public)
    assert [f.position for f in result.found] == [2, 6, 7]
    assert len(result.duplicates) == 1
    dup = result.duplicates[0]
    assert dup.one_time_public == a.one_time_public
    assert dup.positions == (2, 6)


def test_false_positive_counted_not_found() -> None:
    me = _keys(3)
    meta = me.meta_address()
    good = send(meta, rng=deterministic_rng(1))
    forged = Announcement(
        ephemeral_public=good.ephemeral_public,
        index=good.index,
        view_tag=good.view_tag,
        one_time_public=Point.base_mul(77),
    )
    result = scan([forged, good], me.view_key, meta.spend_public)
    assert [f.position for f in result.found] == [1]
    assert result.tag_matches == 2
    assert result.false_positives == 1


def test_malformed_records_reported() -> None:
    me = _keys(4)
    meta = me.meta_address()
    good = send(meta, rng=deterministic_rng(2)).to_bytes()
    off_curve = good[:1] + b"\x02" + (5).to_bytes(32, "big") + good[34:]
    bad_version = b"\x07" + good[1:]
    blob = off_curve + good + bad_version
    result = scan(blob, me.view_key, meta.spend_public)
    assert [f.position for f in result.found] == [1]
    assert result.malformed == (0, 2)
    assert scan(prepare(blob), me.view_key, meta.spend_public) == result
    prepared = prepare(good).data
    hybrid = prepared[:1] + bytes([6 | (prepared[65] & 1)]) + prepared[2:]
    off = prepared[:34] + bytes(32) + prepared[66:]  # y = 0: not on the curve
    result = scan(PreparedBatch(data=hybrid + off + prepared), me.view_key, meta.spend_public)
    assert result.malformed == (0, 1)
    assert [f.position for f in result.found] == [2]
    with pytest.raises(ParameterError):
        PreparedBatch(data=prepared[:-1])
    with pytest.raises(ParameterError):
        prepare(good[:-1])
    with pytest.raises(ParameterError):
        scan(good[:-1], me.view_key, meta.spend_public)


def test_scan_api_takes_no_spend_secret() -> None:
    me = _keys(5)
    with pytest.raises(ParameterError):
        scan([], me.spend_key, me.meta_address().spend_public)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        scan([], me.view_key, Point.identity())
    with pytest.raises(ParameterError):
        scan([], me.view_key, me.meta_address().spend_public, workers=-1)
    empty = scan([], me.view_key, me.meta_address().spend_public)
    assert empty.scanned == 0 and empty.found == ()


@settings(max_examples=1)
@given(st.just(None))
def test_multiprocess_matches_single(_: None) -> None:
    me, other = _keys(6), _keys(7)
    rng = deterministic_rng(8)
    anns = list(send_many([other.meta_address()] * 300, rng=rng))
    mine = send_many([me.meta_address()] * 3, rng=rng)
    anns[10:10] = [mine[0]]
    anns[200:200] = [mine[1]]
    anns.append(mine[2])
    dup = send(me.meta_address(), ephemeral=5, index=0)
    anns[50:50] = [dup]
    anns.append(dup)
    blob = encode_batch(anns)
    one = scan(blob, me.view_key, me.meta_address().spend_public)
    two = scan(blob, me.view_key, me.meta_address().spend_public, workers=2, chunk_size=64)
    assert one == two
    prepared = prepare(blob)
    assert len(prepared) == len(anns)
    assert (
        scan(prepared, me.view_key, me.meta_address().spend_public, workers=2, chunk_size=64) == one
    )
    assert len(one.found) == 5
    assert len(one.duplicates) == 1
