"""BIP340 Schnorr (all published vectors, any message length) and BIP341 key tweaking."""

from __future__ import annotations

import csv
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cryptocore.errors import EncodingError, InvalidSignature, ParameterError
from cryptocore.hashing import tagged_hash
from cryptocore.secp256k1 import G, N, Point
from cryptocore.secp256k1.bip340 import (
    _sign_reference,
    _verify_reference,
    challenge,
    lift_x,
    normalize_secret,
    pubkey_gen,
    schnorr_sign,
    schnorr_verify,
    taproot_tweak_pubkey,
    taproot_tweak_seckey,
    taptweak,
)
from tests.conftest import vectors_dir


def _rows() -> list[dict[str, Any]]:
    with (vectors_dir() / "bip340" / "test-vectors.csv").open() as f:
        return list(csv.DictReader(f))


ROWS = _rows()


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['index']}-{r['comment'][:30]}")
def test_bip340_vectors(row: dict[str, Any]) -> None:
    pub = bytes.fromhex(row["public key"])
    msg = bytes.fromhex(row["message"])
    sig = bytes.fromhex(row["signature"])
    ok = row["verification result"] == "TRUE"
    if row["secret key"]:
        sk = int(row["secret key"], 16)
        aux = bytes.fromhex(row["aux_rand"])
        assert pubkey_gen(sk) == pub
        assert schnorr_sign(msg, sk, aux) == sig
        assert _sign_reference(msg, sk, aux) == sig
    if ok:
        schnorr_verify(msg, pub, sig)
        _verify_reference(msg, pub, sig)
    else:
        with pytest.raises((InvalidSignature, EncodingError)):
            schnorr_verify(msg, pub, sig)
        with pytest.raises((InvalidSignature, EncodingError)):
            _verify_reference(msg, pub, sig)


def test_bad_public_keys_are_encoding_errors() -> None:
    sig = bytes(64)
    for row in ROWS:
        if "public key" in row["comment"]:  # "public key not on the curve" / "exceeds field size"
            with pytest.raises(EncodingError):
                schnorr_verify(b"", bytes.fromhex(row["public key"]), sig)
    with pytest.raises(EncodingError):
        schnorr_verify(b"", bytes(31), sig)
    with pytest.raises(EncodingError):
        schnorr_verify(b"", "00" * 32, sig)  # type: ignore[arg-type]


secrets_ = st.integers(min_value=1, max_value=N - 1)
messages = st.binary(max_size=100)
aux_bytes = st.binary(min_size=32, max_size=32)


@given(secrets_, messages, aux_bytes)
@example(1, b"", bytes(32))
@example(N - 1, b"\x00" * 32, b"\xff" * 32)
def test_sign_verify_any_length_matches_reference(sk: int, msg: bytes, aux: bytes) -> None:
    sig = schnorr_sign(msg, sk, aux)
    assert sig == _sign_reference(msg, sk, aux)
    pub = pubkey_gen(sk)
    schnorr_verify(msg, pub, sig)
    _verify_reference(msg, pub, sig)
    # the signature equation, from its parts: s*G == R + e*P
    r = lift_x(sig[:32])
    e = challenge(sig[:32], pub, msg)
    assert G * int.from_bytes(sig[32:], "big") == r + lift_x(pub) * e


@given(secrets_, messages, st.integers(min_value=0, max_value=63), st.integers(1, 255))
@example((N - 1) // 2, b"", 0, 1)
def test_any_tampering_is_rejected(sk: int, msg: bytes, pos: int, flip: int) -> None:
    sig = schnorr_sign(msg, sk, bytes(32))
    bad = bytearray(sig)
    bad[pos] ^= flip
    with pytest.raises((InvalidSignature, EncodingError)):
        schnorr_verify(msg, pubkey_gen(sk), bytes(bad))
    with pytest.raises(InvalidSignature):
        schnorr_verify(msg + b"x", pubkey_gen(sk), sig)
    other = pubkey_gen(sk % (N - 1) + 1)
    if other != pubkey_gen(sk):  # sk + 1 = n - sk gives the same x-only key
        with pytest.raises((InvalidSignature, EncodingError)):
            schnorr_verify(msg, other, sig)


def test_signature_length_and_input_errors() -> None:
    pub = pubkey_gen(3)
    sig = schnorr_sign(b"m", 3, bytes(32))
    for bad in (sig[:63], sig + b"\x00", b""):
        with pytest.raises(InvalidSignature):
            schnorr_verify(b"m", pub, bad)
    for bad_sk in (0, N, -1, True):
        with pytest.raises(ParameterError):
            schnorr_sign(b"m", bad_sk, bytes(32))
    with pytest.raises(ParameterError):
        schnorr_sign(b"m", 3, bytes(31))
    with pytest.raises(ParameterError):
        schnorr_sign("m", 3, bytes(32))  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        challenge(bytes(31), bytes(32), b"")


@given(secrets_)
def test_normalize_secret_gives_even_y(sk: int) -> None:
    d, pub = normalize_secret(sk)
    assert pub.has_even_y()
    assert Point.base_mul(d) == pub
    assert pub.xonly() == pubkey_gen(sk)


# BIP341 wallet-test-vectors.json, "scriptPubKey" case 0 (key path only, merkle root null).
BIP341_INTERNAL = bytes.fromhex("d6889cb081036e0faefa3a35157ad71086b123b2b144b649798b494c300a961d")
BIP341_TWEAK = "b86e7be8f39bab32a6f2c0443abbc210f0edac0e2c53d501b36b64437d9c6c70"
BIP341_OUTPUT = "53a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343"


def test_bip341_published_key_path_vector() -> None:
    assert taptweak(BIP341_INTERNAL, None).to_bytes(32, "big").hex() == BIP341_TWEAK
    _, out = taproot_tweak_pubkey(BIP341_INTERNAL, None)
    assert out.hex() == BIP341_OUTPUT


@given(secrets_, st.one_of(st.none(), st.binary(min_size=32, max_size=32)))
def test_taproot_tweaks_agree(sk: int, root: bytes | None) -> None:
    internal = pubkey_gen(sk)
    parity, out = taproot_tweak_pubkey(internal, root)
    # BIP341 definition on Point: Q = lift_x(P) + t*G
    h = b"" if root is None else root
    t = int.from_bytes(tagged_hash(b"TapTweak", internal + h), "big")
    q = lift_x(internal) + Point.base_mul(t)
    assert (parity, out) == (0 if q.has_even_y() else 1, q.xonly())
    tweaked = taproot_tweak_seckey(sk, root)
    d, _ = normalize_secret(sk)
    assert tweaked == (d + t) % N
    assert pubkey_gen(tweaked) == out
    # a key-path spend verifies against the output key
    sig = schnorr_sign(b"spend", tweaked, bytes(32))
    schnorr_verify(b"spend", out, sig)


def test_taproot_input_errors() -> None:
    with pytest.raises(ParameterError):
        taproot_tweak_pubkey(bytes(31), None)
    with pytest.raises(ParameterError):
        taproot_tweak_pubkey(pubkey_gen(5), bytes(31))
    with pytest.raises(EncodingError):
        taproot_tweak_pubkey(b"\xff" * 32, None)
    with pytest.raises(ParameterError):
        taproot_tweak_seckey(0, None)
