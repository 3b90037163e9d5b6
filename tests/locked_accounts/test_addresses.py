"""Bech32/Bech32m (BIP173/BIP350 vectors), segwit and P2TR addresses, Ethereum addresses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptocore.bech32 import (
    Encoding,
    bech32_decode,
    bech32_encode,
    convertbits,
    decode_segwit_address,
    encode_segwit_address,
)
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.secp256k1 import N, Point
from locked_accounts.addresses import (
    ethereum_address,
    ethereum_address_bytes,
    p2tr_address,
    p2tr_address_from_internal_key,
    p2tr_output_key,
    parse_ethereum_address,
    to_checksum_address,
)

# BIP173 "Test vectors": valid Bech32 strings.
BECH32_VALID = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11" + "q" * 82 + "c8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]
# BIP350 "Test vectors for Bech32m": valid Bech32m strings.
BECH32M_VALID = [
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]
BECH32M_INVALID = [
    "\x201xj0phk",
    "\x7f1g6xzxy",
    "\x801vctc34",
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "qyrz8wqd2c9m",
    "1qyrz8wqd2c9m",
    "y1b0jsk6g",
    "lt1igcx5c0",
    "in1muywd",
    "mm1crxm3i",
    "au1s5cgom",
    "M1VUXWEZ",
    "16plkw9",
    "1p2gdwpf",
]
# BIP350 "Test vectors for v0-v16 native segregated witness addresses".
SEGWIT_VALID = [
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
    (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
    ),
    (
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
    ),
    ("BC1SW50QGDZ25J", "6002751e"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"),
    (
        "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
        "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
    ),
    (
        "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
        "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
    ),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    ),
]
SEGWIT_INVALID = [
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
    "bc1pw5dgrnzv",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
    "bc1gmk9yu",
]


@pytest.mark.parametrize("s", BECH32_VALID)
def test_bech32_valid(s: str) -> None:
    hrp, data, spec = bech32_decode(s)
    assert spec is Encoding.BECH32
    assert bech32_encode(hrp, data, spec) == s.lower()
    flipped = s[:-1] + ("q" if s[-1].lower() != "q" else "p")
    with pytest.raises(EncodingError):
        bech32_decode(flipped)


@pytest.mark.parametrize("s", BECH32M_VALID)
def test_bech32m_valid(s: str) -> None:
    hrp, data, spec = bech32_decode(s)
    assert spec is Encoding.BECH32M  # and so never valid Bech32
    assert bech32_encode(hrp, data, spec) == s.lower()


@pytest.mark.parametrize("s", BECH32M_INVALID)
def test_bech32m_invalid(s: str) -> None:
    with pytest.raises(EncodingError):
        bech32_decode(s)


def _spk(version: int, program: bytes) -> str:
    return (bytes([version + 0x50 if version else 0, len(program)]) + program).hex()


@pytest.mark.parametrize(("addr", "spk"), SEGWIT_VALID)
def test_segwit_valid(addr: str, spk: str) -> None:
    hrp = addr[:2].lower()
    version, program = decode_segwit_address(hrp, addr)
    assert _spk(version, program) == spk
    assert encode_segwit_address(hrp, version, program) == addr.lower()


@pytest.mark.parametrize("addr", SEGWIT_INVALID)
def test_segwit_invalid(addr: str) -> None:
    for hrp in ("bc", "tb"):
        with pytest.raises(EncodingError):
            decode_segwit_address(hrp, addr)


@given(st.binary(max_size=60))
def test_convertbits_round_trip(data: bytes) -> None:
    five = convertbits(data, 8, 5, True)
    assert bytes(convertbits(five, 5, 8, False)) == data


def test_p2tr_vectors() -> None:
    # BIP350 vector: witness v1 program = x(G).
    g = Point.generator()
    addr = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
    assert p2tr_address(g) == addr
    assert p2tr_address(g.xonly()) == addr
    assert p2tr_output_key(addr) == g.xonly()
    # BIP86 first receive address (m/86'/0'/0'/0/0) and its output key.
    key = bytes.fromhex("a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c")
    bip86 = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"
    assert p2tr_address(key) == bip86
    assert p2tr_output_key(bip86) == key
    # BIP86 internal key of the same path: the BIP341 tweak gives the output key above.
    internal = bytes.fromhex("cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115")
    assert p2tr_address_from_internal_key(internal) == bip86
    assert p2tr_address_from_internal_key(Point.from_xonly(internal)) == bip86
    assert p2tr_address_from_internal_key(internal, bytes(32)) != bip86
    # testnet HRP
    tb = p2tr_address(key, "testnet")
    assert tb.startswith("tb1p") and p2tr_output_key(tb, "testnet") == key


def test_p2tr_rejects() -> None:
    with pytest.raises(EncodingError):
        p2tr_output_key("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")  # v0, not taproot
    with pytest.raises(EncodingError):
        p2tr_address(bytes(32))  # x = 0 is not on the curve
    with pytest.raises(EncodingError):
        p2tr_address(b"\x01" * 31)
    with pytest.raises(ParameterError):
        p2tr_address(Point.identity())
    with pytest.raises(ParameterError):
        p2tr_address(Point.generator(), "dogecoin")


@given(st.integers(min_value=1, max_value=N - 1))
def test_p2tr_round_trip(k: int) -> None:
    p = Point.base_mul(k)
    assert p2tr_output_key(p2tr_address(p)) == p.xonly()


def test_ethereum_known_keys() -> None:
    # private key 1 and 2: widely published addresses.
    assert ethereum_address(Point.base_mul(1)) == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    assert ethereum_address(Point.base_mul(2)) == "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"


# EIP-55 "Test Cases".
EIP55 = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("addr", EIP55)
def test_eip55(addr: str) -> None:
    assert to_checksum_address(addr.lower()) == addr
    assert parse_ethereum_address(addr) == bytes.fromhex(addr[2:])


def test_eip55_rejects_bad_checksum() -> None:
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    bad = good[:3] + good[3].swapcase() + good[4:]
    with pytest.raises(EncodingError):
        parse_ethereum_address(bad)
    for junk in ("0x1234", "0x" + "g" * 40, "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"):
        with pytest.raises(EncodingError):
            parse_ethereum_address(junk)
    with pytest.raises(ParameterError):
        ethereum_address(Point.identity())


@given(st.integers(min_value=1, max_value=N - 1))
def test_ethereum_round_trip(k: int) -> None:
    p = Point.base_mul(k)
    a = ethereum_address(p)
    assert parse_ethereum_address(a) == ethereum_address_bytes(p)
    assert parse_ethereum_address(a.lower()) == ethereum_address_bytes(p)
    assert to_checksum_address(a.lower()) == a
