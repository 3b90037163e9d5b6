"""BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_: every ethereum/bls12-381-tests vector on both
backends, py_ecc cross-checks, tamper tests."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptocore.bls12_381 import R, get_backend
from cryptocore.errors import EncodingError, InvalidProof, InvalidSignature, ParameterError
from cryptocore.rng import deterministic_rng
from mdkm.bls import scheme
from tests.conftest import vectors_dir

ETH = vectors_dir() / "bls_eth"
# every vector on every backend; the py_ecc runs take about 20 s in all
BACKENDS = ["blst", "arkworks", "py_ecc"]


def _b(h: str) -> bytes:
    return bytes.fromhex(h.removeprefix("0x"))


def _files(kind: str) -> list[pathlib.Path]:
    return sorted((ETH / kind).glob("*.json"))


def _load(path: pathlib.Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _accepts(fn: Callable[[], None]) -> bool:
    try:
        fn()
    except (InvalidSignature, InvalidProof):
        return False
    return True


def test_vector_counts() -> None:
    counts = {d: len(_files(d)) for d in ("sign", "verify", "aggregate", "aggregate_verify")}
    counts |= {d: len(_files(d)) for d in ("fast_aggregate_verify", "batch_verify")}
    assert counts == {
        "sign": 10,
        "verify": 29,
        "aggregate": 6,
        "aggregate_verify": 5,
        "fast_aggregate_verify": 12,
        "batch_verify": 4,
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_sign_vectors(backend: str) -> None:
    b = get_backend(backend)
    for f in _files("sign"):
        v = _load(f)
        sk = int(v["input"]["privkey"], 16)
        msg = _b(v["input"]["message"])
        if v["output"] is None:
            with pytest.raises(ParameterError):
                scheme.sign(sk, msg, backend=b)
            continue
        assert scheme.sign(sk, msg, backend=b) == _b(v["output"]), f.name
        scheme.verify(scheme.sk_to_pk(sk, backend=b), msg, _b(v["output"]), backend=b)


@pytest.mark.parametrize("backend", BACKENDS)
def test_verify_vectors(backend: str) -> None:
    b = get_backend(backend)
    for f in _files("verify"):
        v = _load(f)["input"], _load(f)["output"]
        inp, out = v
        ok = _accepts(
            lambda inp=inp: scheme.verify(
                _b(inp["pubkey"]), _b(inp["message"]), _b(inp["signature"]), backend=b
            )
        )
        assert ok is out, f.name


@pytest.mark.parametrize("backend", BACKENDS)
def test_aggregate_vectors(backend: str) -> None:
    b = get_backend(backend)
    for f in _files("aggregate"):
        v = _load(f)
        sigs = [_b(s) for s in v["input"]]
        if v["output"] is None:
            with pytest.raises((ParameterError, EncodingError)):
                scheme.aggregate(sigs, backend=b)
            continue
        assert scheme.aggregate(sigs, backend=b) == _b(v["output"]), f.name


@pytest.mark.parametrize("backend", BACKENDS)
def test_aggregate_verify_vectors(backend: str) -> None:
    b = get_backend(backend)
    for f in _files("aggregate_verify"):
        v = _load(f)
        inp = v["input"]
        ok = _accepts(
            lambda inp=inp: scheme.aggregate_verify(
                [_b(p) for p in inp["pubkeys"]],
                [_b(m) for m in inp["messages"]],
                _b(inp["signature"]),
                backend=b,
            )
        )
        assert ok is v["output"], f.name


@pytest.mark.parametrize("backend", BACKENDS)
def test_fast_aggregate_verify_vectors(backend: str) -> None:
    b = get_backend(backend)
    for f in _files("fast_aggregate_verify"):
        v = _load(f)
        inp = v["input"]
        ok = _accepts(
            lambda inp=inp: scheme.fast_aggregate_verify(
                [_b(p) for p in inp["pubkeys"]], _b(inp["message"]), _b(inp["signature"]), backend=b
            )
        )
        assert ok is v["output"], f.name


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_verify_vectors(backend: str) -> None:
    b = get_backend(backend)
    for f in _files("batch_verify"):
        v = _load(f)
        inp = v["input"]
        ok = _accepts(
            lambda inp=inp: scheme.batch_verify(
                [_b(p) for p in inp["pubkeys"]],
                [_b(m) for m in inp["messages"]],
                [_b(s) for s in inp["signatures"]],
                rng=deterministic_rng(f.name),
                backend=b,
            )
        )
        assert ok is v["output"], f.name


@pytest.mark.parametrize("backend", BACKENDS)
def test_hash_to_g2_vectors_through_the_backend(backend: str) -> None:
    from cryptocore.bls12_381 import hash_to_g2

    dst = b"QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_"
    for f in _files("hash_to_G2"):
        v = _load(f)
        expected = tuple(
            int(c, 16) for c in v["output"]["x"].split(",") + v["output"]["y"].split(",")
        )
        assert hash_to_g2(v["input"]["msg"].encode(), dst, backend=backend).affine() == expected


# ------------------------------------------------------------------------------ py_ecc cross-check
def test_matches_py_ecc_pop_ciphersuite() -> None:
    from py_ecc.bls import G2ProofOfPossession as Pop

    ikm = bytes(range(32))
    sk = scheme.keygen(ikm)
    assert sk == Pop.KeyGen(ikm)
    assert scheme.keygen(ikm, b"info") == Pop.KeyGen(ikm, b"info")
    pk = scheme.sk_to_pk(sk)
    assert pk == Pop.SkToPk(sk)
    sig = scheme.sign(sk, b"litho")
    assert sig == Pop.Sign(sk, b"litho")
    proof = scheme.pop_prove(sk)
    assert proof == Pop.PopProve(sk)
    scheme.pop_verify(pk, proof)


def test_keygen_rejects_short_ikm() -> None:
    with pytest.raises(ParameterError):
        scheme.keygen(b"\x00" * 31)
    with pytest.raises(ParameterError):
        scheme.keygen("x" * 32)  # type: ignore[arg-type]
    assert 0 < scheme.keygen(b"\x00" * 32) < R


# ------------------------------------------------------------------------------ properties
sks = st.integers(min_value=1, max_value=R - 1)


@given(sk=sks, msg=st.binary(max_size=40), pos=st.integers(min_value=0, max_value=95))
def test_sign_verify_and_tamper(sk: int, msg: bytes, pos: int) -> None:
    pk = scheme.sk_to_pk(sk)
    sig = scheme.sign(sk, msg, rng=deterministic_rng(sk))
    assert sig == scheme.sign(sk, msg)  # blinding does not change the signature
    scheme.verify(pk, msg, sig)
    mutated = bytearray(sig)
    mutated[pos] ^= 1
    with pytest.raises(InvalidSignature):
        scheme.verify(pk, msg, bytes(mutated))
    with pytest.raises(InvalidSignature):
        scheme.verify(pk, msg + b"!", sig)
    with pytest.raises(InvalidSignature):
        scheme.verify(scheme.sk_to_pk(sk % (R - 1) + 1), msg, sig)


@given(st.lists(sks, min_size=1, max_size=4, unique=True), st.binary(max_size=16))
def test_aggregation_properties(keys: list[int], msg: bytes) -> None:
    pks = [scheme.sk_to_pk(k) for k in keys]
    msgs = [msg + bytes([i]) for i in range(len(keys))]
    sigs = [scheme.sign(k, m) for k, m in zip(keys, msgs, strict=True)]
    agg = scheme.aggregate(sigs)
    scheme.aggregate_verify(pks, msgs, agg)
    scheme.batch_verify(pks, msgs, sigs)
    with pytest.raises(InvalidSignature):
        scheme.aggregate_verify(pks, list(reversed(msgs)) if len(msgs) > 1 else [b"x"], agg)
    same = scheme.aggregate([scheme.sign(k, msg) for k in keys])
    scheme.fast_aggregate_verify(pks, msg, same)
    with pytest.raises(InvalidSignature):
        scheme.fast_aggregate_verify(pks, msg + b"?", same)
    if len(keys) > 1:
        swapped = [sigs[1], sigs[0], *sigs[2:]]
        with pytest.raises(InvalidSignature):
            scheme.batch_verify(pks, msgs, swapped)


def test_pop_rejects_tampering() -> None:
    sk = scheme.keygen(b"\x07" * 32)
    pk = scheme.sk_to_pk(sk)
    proof = scheme.pop_prove(sk)
    other = scheme.sk_to_pk(sk + 1)
    with pytest.raises(InvalidProof):
        scheme.pop_verify(other, proof)
    with pytest.raises(InvalidProof):
        scheme.pop_verify(pk, scheme.sign(sk, pk))  # signature DST, not the PoP DST
    with pytest.raises(InvalidProof):
        scheme.pop_verify(pk, b"\x00" * 96)


def test_shape_errors() -> None:
    sk = 12345
    pk = scheme.sk_to_pk(sk)
    sig = scheme.sign(sk, b"m")
    with pytest.raises(ParameterError):
        scheme.sign(0, b"m")
    with pytest.raises(ParameterError):
        scheme.sign(R, b"m")
    with pytest.raises(ParameterError):
        scheme.sign(sk, "m")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        scheme.aggregate([])
    with pytest.raises(ParameterError):
        scheme.aggregate_verify([pk], [], sig)
    with pytest.raises(ParameterError):
        scheme.batch_verify([], [], [])
    with pytest.raises(ParameterError):
        scheme.batch_verify([pk], [b"m"], [])
    with pytest.raises(InvalidSignature):
        scheme.aggregate_verify([], [], sig)
    with pytest.raises(InvalidSignature):
        scheme.fast_aggregate_verify([], b"m", sig)
    with pytest.raises(InvalidSignature):
        scheme.verify(pk[:-1], b"m", sig)
    with pytest.raises(InvalidSignature):
        scheme.verify(pk, b"m", sig + b"\x00")
    # a key and its negation sum to the identity: FastAggregateVerify must refuse
    neg = bytearray(pk)
    neg[0] ^= 0x20
    with pytest.raises(InvalidSignature):
        scheme.fast_aggregate_verify([pk, bytes(neg)], b"m", scheme.aggregate([sig]))
