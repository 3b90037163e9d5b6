"""RFC 9380 hash-to-curve for secp256k1: published vectors, fast path == RFC reference path."""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cryptocore.errors import ParameterError
from cryptocore.secp256k1 import P, Point, encode_to_curve, hash_to_curve, map_to_curve
from cryptocore.secp256k1 import hash_to_curve as h2c_module_fn
from cryptocore.secp256k1.hash_to_curve import (
    _map_to_curve_reference,
    _sswu_reference,
    hash_to_curve_many,
    hash_to_field,
)
from tests.conftest import vectors_dir

_A = 0x3F8731ABDD661ADCA08A5558F0F5D272E953D363CB6F0E5D405447C01A444533


def _load(suite: str) -> dict[str, Any]:
    path = vectors_dir() / "hash_to_curve" / f"secp256k1_XMD-SHA-256_SSWU_{suite}_.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _pt(d: dict[str, str]) -> Point:
    return Point.from_affine(int(d["x"], 16), int(d["y"], 16))


RO = _load("RO")
NU = _load("NU")


@pytest.mark.parametrize("vec", RO["vectors"], ids=lambda v: repr(v["msg"][:16]))
def test_ro_vectors(vec: dict[str, Any]) -> None:
    dst = RO["dst"].encode()
    msg = vec["msg"].encode()
    us = [int(u, 16) for u in vec["u"]]
    assert list(hash_to_field(msg, dst, 2)) == us
    assert map_to_curve(us[0]) == _pt(vec["Q0"])
    assert map_to_curve(us[1]) == _pt(vec["Q1"])
    assert _map_to_curve_reference(us[0]) == _pt(vec["Q0"])
    assert _map_to_curve_reference(us[1]) == _pt(vec["Q1"])
    assert hash_to_curve(msg, dst) == _pt(vec["P"])
    assert h2c_module_fn is hash_to_curve


@pytest.mark.parametrize("vec", NU["vectors"], ids=lambda v: repr(v["msg"][:16]))
def test_nu_vectors(vec: dict[str, Any]) -> None:
    dst = NU["dst"].encode()
    msg = vec["msg"].encode()
    (u,) = (int(x, 16) for x in vec["u"])
    assert hash_to_field(msg, dst, 1) == (u,)
    assert map_to_curve(u) == _pt(vec["Q"])
    assert _map_to_curve_reference(u) == _pt(vec["Q"])
    assert encode_to_curve(msg, dst) == _pt(vec["P"])


def test_many_matches_single() -> None:
    dst = RO["dst"].encode()
    msgs = [v["msg"].encode() for v in RO["vectors"]] + [b"x" * i for i in range(5)]
    assert hash_to_curve_many(msgs, dst) == [hash_to_curve(m, dst) for m in msgs]
    assert hash_to_curve_many([], dst) == []


field = st.integers(min_value=0, max_value=P - 1)


# Z u^2 = -1: the exceptional case of SSWU (tv2 = 0, RFC 9380 section 6.6.2 / F.2 step 7)
U_EXCEPTIONAL = 0x331716177EC001CF0B2A4B9BF5C63274440235BA3DC0AF713237EC866179D785


@given(field)
@example(0)
@example(1)
@example(P - 1)
@example(U_EXCEPTIONAL)
@example(P - U_EXCEPTIONAL)
def test_fast_map_equals_reference(u: int) -> None:
    q = map_to_curve(u)
    assert q == _map_to_curve_reference(u)
    assert Point.from_bytes(q.to_bytes()) == q  # a valid canonical point


@given(field)
def test_sswu_output_is_on_the_isogenous_curve(u: int) -> None:
    x, y = _sswu_reference(u)
    assert (y * y - (x * x * x + _A * x + 1771)) % P == 0
    assert y & 1 == u & 1  # sgn0(y) == sgn0(u)


@given(st.binary(max_size=64), st.binary(min_size=1, max_size=40))
def test_ro_is_sum_of_two_maps(msg: bytes, dst: bytes) -> None:
    u0, u1 = hash_to_field(msg, dst, 2)
    assert hash_to_curve(msg, dst) == map_to_curve(u0) + map_to_curve(u1)
    assert encode_to_curve(msg, dst) == map_to_curve(hash_to_field(msg, dst, 1)[0])


def test_exceptional_u_is_really_exceptional() -> None:
    z = P - 11
    assert (z * U_EXCEPTIONAL * U_EXCEPTIONAL + 1) % P == 0


def test_oversize_dst_is_hashed_first() -> None:
    long_dst = b"D" * 300  # RFC 9380 section 5.3.3
    short = hashlib.sha256(b"H2C-OVERSIZE-DST-" + long_dst).digest()
    assert hash_to_curve(b"m", long_dst) == hash_to_curve(b"m", short)


def test_distinct_dst_separates() -> None:
    assert hash_to_curve(b"m", b"A") != hash_to_curve(b"m", b"B")
    assert hash_to_curve(b"m", b"A") != encode_to_curve(b"m", b"A")


def test_exceptional_path_falls_back_to_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    # the package attribute ``hash_to_curve`` is the function; the module is in sys.modules
    mod = sys.modules["cryptocore.secp256k1.hash_to_curve"]
    expected = hash_to_curve(b"abc", b"T")
    expected_nu = encode_to_curve(b"abc", b"T")
    monkeypatch.setattr(mod, "_batch_invert", lambda values: None)
    assert hash_to_curve(b"abc", b"T") == expected
    assert encode_to_curve(b"abc", b"T") == expected_nu
    assert hash_to_curve_many([b"abc"], b"T") == [expected]


def test_bad_inputs() -> None:
    with pytest.raises(ParameterError):
        hash_to_curve(b"m", b"")
    with pytest.raises(ParameterError):
        hash_to_curve("m", b"T")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        encode_to_curve(b"m", "T")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        map_to_curve(b"\x01")  # type: ignore[arg-type]


def test_pure_python_inversion_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without gmpy2 the fast path inverts with pow(x, -1, p): same outputs on every vector."""
    mod = sys.modules["cryptocore.secp256k1.hash_to_curve"]
    monkeypatch.setattr(mod, "_inv", mod._inv_python)
    for vec in RO["vectors"]:
        assert hash_to_curve(vec["msg"].encode(), RO["dst"].encode()) == _pt(vec["P"])
    for vec in NU["vectors"]:
        assert encode_to_curve(vec["msg"].encode(), NU["dst"].encode()) == _pt(vec["P"])
    msgs = [v["msg"].encode() for v in RO["vectors"]] + [bytes([i]) for i in range(20)]
    assert hash_to_curve_many(msgs, RO["dst"].encode())[: len(RO["vectors"])] == [
        _pt(v["P"]) for v in RO["vectors"]
    ]


@given(st.integers(min_value=1, max_value=P - 1))
def test_inverses_agree(a: int) -> None:
    mod = sys.modules["cryptocore.secp256k1.hash_to_curve"]
    assert mod._inv(a) == mod._inv_python(a)
    assert a * mod._inv_python(a) % P == 1
