"""BIP352 silent payments against every case of the published send/receive vectors."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from coincurve import PrivateKey, PublicKeyXOnly
from hypothesis import given
from hypothesis import strategies as st

from cryptocore.errors import EncodingError, InvalidSignature, ParameterError
from cryptocore.secp256k1 import N, Point
from cryptocore.secp256k1.bip340 import schnorr_sign, schnorr_verify
from locked_accounts.bip352 import (
    K_MAX,
    FoundOutput,
    SilentPaymentAddress,
    TxInput,
    create_outputs,
    input_public_key,
    label_tweak,
    labelled_address,
    public_tweak_data,
    receive,
    spend_secret,
)
from tests.conftest import vectors_dir

CASES: list[dict[str, Any]] = json.loads(
    (vectors_dir() / "bip352" / "send_and_receive_test_vectors.json").read_text()
)
MSG = hashlib.sha256(b"message").digest()
AUX = hashlib.sha256(b"random auxiliary data").digest()


def _vin(d: dict[str, Any]) -> TxInput:
    return TxInput.from_display(
        d["txid"], d["vout"], d["scriptSig"], d["txinwitness"], d["prevout"]["scriptPubKey"]["hex"]
    )


def _ids(kind: str) -> list[Any]:
    return [
        pytest.param(c, t, id=f"{i}-{kind}{j}-{c['comment'][:60]}")
        for i, c in enumerate(CASES)
        for j, t in enumerate(c[kind])
    ]


def test_all_cases_present() -> None:
    assert len(CASES) == 28


@pytest.mark.parametrize(("case", "test"), _ids("sending"))
def test_sending(case: dict[str, Any], test: dict[str, Any]) -> None:
    given_, expected = test["given"], test["expected"]
    inputs = [_vin(d) for d in given_["vin"]]
    secrets = [int(d["private_key"], 16) for d in given_["vin"]]
    # input public keys the sender sees
    pubs = [input_public_key(i) for i in inputs]
    assert [p.to_bytes().hex() for p in pubs if p is not None] == expected["input_pub_keys"]
    recipients: list[str] = []
    for r in given_["recipients"]:
        addr = SilentPaymentAddress.decode(r["address"])
        assert addr.scan_public.to_bytes().hex() == r["scan_pub_key"]
        assert addr.spend_public.to_bytes().hex() == r["spend_pub_key"]
        recipients += [r["address"]] * r.get("count", 1)
    if expected["outputs"] == [[]]:
        with pytest.raises(ParameterError):
            create_outputs(inputs, secrets, recipients)
        return
    outputs = sorted(o.hex() for o in create_outputs(inputs, secrets, recipients))
    # "contains all possible output sets": ours must be one of them
    assert outputs in [sorted(s) for s in expected["outputs"]]


@pytest.mark.parametrize(("case", "test"), _ids("receiving"))
def test_receiving(case: dict[str, Any], test: dict[str, Any]) -> None:
    given_, expected = test["given"], test["expected"]
    inputs = [_vin(d) for d in given_["vin"]]
    b_scan = int(given_["key_material"]["scan_priv_key"], 16)
    b_spend = int(given_["key_material"]["spend_priv_key"], 16)
    spend_pub = Point.base_mul(b_spend)
    labels = given_["labels"]
    addresses = [labelled_address(b_scan, spend_pub).encode()] + [
        labelled_address(b_scan, spend_pub, m).encode() for m in labels
    ]
    assert addresses == expected["addresses"]
    for a in addresses:
        assert SilentPaymentAddress.decode(a).encode() == a
    tweak = public_tweak_data(inputs)
    if expected.get("tweak"):
        assert tweak is not None and tweak.to_bytes().hex() == expected["tweak"]
        ecdh = tweak.mul_secret(b_scan)
        assert ecdh.to_bytes().hex() == expected["shared_secret"]
    else:
        assert tweak is None
    outputs = [bytes.fromhex(o) for o in given_["outputs"]]
    found = receive(b_scan, spend_pub, inputs, outputs, labels)
    if "n_outputs" in expected:
        assert len(found) == expected["n_outputs"]
    else:
        assert len(found) == len(expected["outputs"])
        by_key = {o["pub_key"]: o for o in expected["outputs"]}
        for f in found:
            exp = by_key[f.pub_key.hex()]
            assert f.tweak.to_bytes(32, "big").hex() == exp["priv_key_tweak"]
            d = spend_secret(b_spend, f)
            # the produced private key controls the output: x-only key and the vector's signature
            assert Point.base_mul(d).xonly() == f.pub_key
            sig = bytes.fromhex(exp["signature"])
            schnorr_verify(MSG, f.pub_key, sig)
            assert schnorr_sign(MSG, d, AUX) == sig  # byte for byte, with the library's BIP340
            assert PublicKeyXOnly(f.pub_key).verify(sig, MSG)  # and coincurve's, independently
            assert PrivateKey(d.to_bytes(32, "big")).sign_schnorr(MSG, AUX) == sig
            with pytest.raises(InvalidSignature):
                schnorr_verify(MSG[::-1], f.pub_key, sig)


def test_change_label_found_with_m0() -> None:
    case = next(c for c in CASES if "sender change" in c["comment"])
    rec = case["receiving"][0]["given"]
    assert rec["labels"] == [0]
    inputs = [_vin(d) for d in rec["vin"]]
    b_scan = int(rec["key_material"]["scan_priv_key"], 16)
    b_spend = int(rec["key_material"]["spend_priv_key"], 16)
    found = receive(
        b_scan, Point.base_mul(b_spend), inputs, [bytes.fromhex(o) for o in rec["outputs"]], [0]
    )
    assert [f.label for f in found] == [0]


@given(
    scan=st.integers(min_value=1, max_value=N - 1),
    spend=st.integers(min_value=1, max_value=N - 1),
    hrp=st.sampled_from(["sp", "tsp"]),
)
def test_address_round_trip(scan: int, spend: int, hrp: str) -> None:
    addr = labelled_address(scan, Point.base_mul(spend), hrp=hrp)
    s = addr.encode()
    assert s.startswith(hrp + "1q")
    assert SilentPaymentAddress.decode(s) == addr
    assert SilentPaymentAddress.decode(s.upper()) == addr


def test_address_rejects() -> None:
    good = CASES[0]["receiving"][0]["expected"]["addresses"][0]
    with pytest.raises(EncodingError):
        SilentPaymentAddress.decode(good[:-1] + ("q" if good[-1] != "q" else "p"))
    with pytest.raises(EncodingError):
        SilentPaymentAddress.decode(
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
        )
    from cryptocore.bech32 import Encoding, bech32_encode, convertbits

    payload = SilentPaymentAddress.decode(good).to_bytes()
    v31 = bech32_encode("sp", [31, *convertbits(payload, 8, 5, True)], Encoding.BECH32M, 1023)
    with pytest.raises(EncodingError):
        SilentPaymentAddress.decode(v31)
    v0_long = bech32_encode(
        "sp", [0, *convertbits(payload + b"\x00", 8, 5, True)], Encoding.BECH32M, 1023
    )
    with pytest.raises(EncodingError):
        SilentPaymentAddress.decode(v0_long)
    # v1 with extra data: first 66 bytes are read (BIP352 "Versions")
    v1 = bech32_encode(
        "sp", [1, *convertbits(payload + b"\x01" * 10, 8, 5, True)], Encoding.BECH32M, 1023
    )
    assert SilentPaymentAddress.decode(v1).to_bytes() == payload
    bech32_v0 = bech32_encode("sp", [0, *convertbits(payload, 8, 5, True)], Encoding.BECH32, 1023)
    with pytest.raises(EncodingError):
        SilentPaymentAddress.decode(bech32_v0)
    too_long = bech32_encode(
        "sp", [1, *convertbits(payload + bytes(600), 8, 5, True)], Encoding.BECH32M, 2000
    )
    with pytest.raises(EncodingError):
        SilentPaymentAddress.decode(too_long)


def test_sender_rejects_wrong_keys_and_bad_input() -> None:
    case = CASES[0]["sending"][0]["given"]
    inputs = [_vin(d) for d in case["vin"]]
    secrets = [int(d["private_key"], 16) for d in case["vin"]]
    recips = [case["recipients"][0]["address"]]
    with pytest.raises(ParameterError):
        create_outputs(inputs, [secrets[0] + 1, secrets[1]], recips)
    with pytest.raises(ParameterError):
        create_outputs(inputs, [0, secrets[1]], recips)
    with pytest.raises(ParameterError):
        create_outputs(inputs, secrets[:1], recips)
    with pytest.raises(EncodingError):
        create_outputs(inputs, secrets, ["sp1qqqqqq"])
    with pytest.raises(ParameterError):
        create_outputs(inputs, secrets, [recips[0]] * (K_MAX + 1))
    # spending a segwit v2 output makes the transaction ineligible
    v2 = TxInput(txid=b"\x11" * 32, vout=0, prevout_script=b"\x52\x20" + b"\x22" * 32)
    with pytest.raises(ParameterError):
        create_outputs([*inputs, v2], [*secrets, None], recips)
    assert public_tweak_data([*inputs, v2]) is None
    with pytest.raises(EncodingError):
        TxInput.from_display("zz", 0)
    with pytest.raises(EncodingError):
        TxInput(txid=b"\x00" * 31, vout=0)
    with pytest.raises(ParameterError):
        TxInput(txid=b"\x00" * 32, vout=-1)
    with pytest.raises(ParameterError):
        label_tweak(0, 1)
    with pytest.raises(ParameterError):
        spend_secret(1, FoundOutput(pub_key=Point.base_mul(5).xonly(), tweak=1))


@given(flip=st.integers(min_value=0, max_value=255))
def test_tampered_output_not_found(flip: int) -> None:
    case = CASES[0]["receiving"][0]["given"]
    inputs = [_vin(d) for d in case["vin"]]
    b_scan = int(case["key_material"]["scan_priv_key"], 16)
    spend_pub = Point.base_mul(int(case["key_material"]["spend_priv_key"], 16))
    out = bytearray.fromhex(case["outputs"][0])
    out[flip % 32] ^= 1 << (flip // 32)
    assert receive(b_scan, spend_pub, inputs, [bytes(out)]) == []
    # a changed input (other outpoint) changes input_hash: nothing found either
    moved = [
        TxInput(
            txid=inputs[0].txid,
            vout=5,
            script_sig=inputs[0].script_sig,
            witness=inputs[0].witness,
            prevout_script=inputs[0].prevout_script,
        ),
        *inputs[1:],
    ]
    assert receive(b_scan, spend_pub, moved, [bytes.fromhex(case["outputs"][0])]) == []
