"""Adversarial decoding across every package: bad bytes raise a CryptoError, nothing else.

The project's standard: every public value type and wire message has a canonical
``to_bytes``/``from_bytes`` (or ``decode``/``encode``, ``from_json``/``to_json``, ...). For any
input a decoder either

* returns a value whose re-encoding is exactly the input (canonical: one value, one encoding), or
* raises an instance of :class:`cryptocore.errors.CryptoError`

and never leaks ``IndexError``, ``KeyError``, ``struct.error``, ``TypeError``,
``OverflowError``, ``UnicodeDecodeError``, ``RecursionError``, numpy or binding exceptions, or
returns a silent ``False``.

Each decoder below is a :class:`Codec` with valid seed encodings built with the real APIs and a
deterministic rng. Hypothesis feeds (a) random bytes, (b) seeds with one bit flipped, truncated,
extended or with a byte overwritten, (c) seeds with edge values spliced in (scalars n, n+1,
2^256-1, x = p, identity encodings, hybrid 0x06/0x07 and uncompressed 0x04 prefixes, BLS
infinity and flag variants). A deterministic sweep replaces every candidate point position of
every seed with each edge point encoding. The ``slow`` variants run many more examples.

Verification functions that take bytes (BIP340, BLS, FROST, CLSAG, ECDSA) must raise a
CryptoError for garbage: they never return a boolean.
"""

from __future__ import annotations

import functools
import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryptocore.errors import CryptoError, DecryptionError
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import G, N, P, Point

# ------------------------------------------------------------------------------ edge values
_BLS_P = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
    16,
)
_BLS_R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


def _b32(v: int) -> bytes:
    return v.to_bytes(32, "big")


_GX, _GY = G.affine()
#: 32-byte scalar / field-element edges
SCALAR_EDGES: tuple[bytes, ...] = (
    bytes(32),
    _b32(1),
    _b32(N - 1),
    _b32(N),
    _b32(N + 1),
    _b32(P - 1),
    _b32(P),
    _b32(P + 1),
    _b32(2**256 - 1),
    _b32(_BLS_R),
    _b32(_BLS_R - 1),
)
#: 33-byte secp256k1 point edges (compressed length, so that length checks do not catch them)
POINT33_EDGES: tuple[bytes, ...] = (
    bytes(33),  # "identity" as zeros
    b"\x02" + _b32(P),  # x = p
    b"\x03" + _b32(P + 1),
    b"\x02" + _b32(2**256 - 1),
    b"\x03" + bytes(32),  # x = 0 is not on the curve (0^3 + 7 is not a square)
    b"\x02" + _b32(5),  # x = 5: 5^3 + 7 = 132, not a square mod p
    b"\x04" + _b32(_GX),  # compressed x with the uncompressed prefix
    b"\x06" + _b32(_GX),
    b"\x07" + _b32(_GX),
    b"\x05" + _b32(_GX),
    b"\xff" * 33,
)
#: other lengths: identity 0x00, uncompressed, hybrid, BLS infinity and flag variants
OTHER_EDGES: tuple[bytes, ...] = (
    b"",
    b"\x00",
    b"\x04" + _b32(_GX) + _b32(_GY),
    b"\x06" + _b32(_GX) + _b32(_GY),
    b"\x07" + _b32(_GX) + _b32(_GY),
    b"\x04" + bytes(64),
    _b32(_GX),  # x-only
    _b32(P),
    b"\xc0" + bytes(47),  # BLS G1 infinity
    b"\xe0" + bytes(47),  # infinity with the sign bit
    b"\x40" + bytes(47),  # infinity without the compression bit
    b"\xc0" + bytes(46) + b"\x01",  # non-canonical infinity
    b"\x80" + bytes(47),  # x = 0
    bytes([0x80 | (_BLS_P >> 376)]) + (_BLS_P & ((1 << 376) - 1)).to_bytes(47, "big"),  # x = p
    b"\xc0" + bytes(95),  # BLS G2 infinity
    b"\xa0" + bytes(95),
    b"\x80" + bytes(47) + _BLS_P.to_bytes(48, "big"),  # G2 x.c0 = p
    b"\xff" * 48,
    b"\xff" * 96,
    b"\x00" * 4,
    b"\xff" * 4,
    b"\xff" * 8,
    b"\x00\x00\x00\x00\x00\x00\x00\x00",
)
ALL_EDGES: tuple[bytes, ...] = SCALAR_EDGES + POINT33_EDGES + OTHER_EDGES


# ------------------------------------------------------------------------------ codecs
@dataclass(frozen=True)
class Codec:
    """A decoder, its inverse and valid seeds.

    ``canonical(data, value)`` returns what the re-encoding must equal (default: ``data``);
    ``kind`` is "bytes" or "str" (str codecs are fuzzed with text and with latin-1 mutations).
    """

    name: str
    decode: Callable[[Any], Any]
    encode: Callable[[Any], Any]
    seeds: Callable[[], Sequence[Any]]
    kind: str = "bytes"
    canonical: Callable[[Any, Any], Any] | None = None
    max_random: int = 400
    marks: tuple[Any, ...] = field(default=())
    #: reason when the decoder is known to leak a non-library exception for a non-bytes input
    wrong_type_bug: str | None = None


def _rng(label: str) -> Callable[[int], bytes]:
    return deterministic_rng(b"adversarial-decoding/" + label.encode())


# --- shared key material (built once) ----------------------------------------------------
@functools.cache
def _secp_keys() -> tuple[Any, list[Any]]:
    from mdkm.dealer import trusted_dealer_keygen

    return trusted_dealer_keygen(3, 2, "secp256k1", rng=_rng("secp"))


@functools.cache
def _bls_keys() -> tuple[Any, list[Any]]:
    from mdkm.dealer import trusted_dealer_keygen

    return trusted_dealer_keygen(3, 2, "bls12_381", rng=_rng("bls"))


_SID = bytes(range(32))


# --- cryptocore --------------------------------------------------------------------------
def _point_seeds() -> list[bytes]:
    return [G.to_bytes(), (-G).to_bytes(), Point.base_mul(12345).to_bytes()]


def _uncompressed_seeds() -> list[bytes]:
    return [Point.base_mul(k).to_bytes_uncompressed() for k in (1, 7, N - 1)]


def _xonly_seeds() -> list[bytes]:
    return [Point.base_mul(k).xonly() for k in (1, 7, 99)]


def _g1_seeds() -> list[bytes]:
    from cryptocore.bls12_381 import G1Point

    return [G1Point.generator().to_bytes(), (G1Point.generator() * 5).to_bytes()]


def _g2_seeds() -> list[bytes]:
    from cryptocore.bls12_381 import G2Point

    return [G2Point.generator().to_bytes(), (G2Point.generator() * 5).to_bytes()]


def _g1_decode(data: bytes) -> Any:
    from cryptocore.bls12_381 import G1Point

    return G1Point.from_bytes(data)


def _g1_decode_id(data: bytes) -> Any:
    from cryptocore.bls12_381 import G1Point

    return G1Point.from_bytes(data, allow_identity=True)


def _g2_decode(data: bytes) -> Any:
    from cryptocore.bls12_381 import G2Point

    return G2Point.from_bytes(data)


def _g2_decode_id(data: bytes) -> Any:
    from cryptocore.bls12_381 import G2Point

    return G2Point.from_bytes(data, allow_identity=True)


def _scalar_decode(data: bytes) -> int:
    from cryptocore.encoding import decode_scalar

    return decode_scalar(data, N, nonzero=True)


def _field_decode(data: bytes) -> Any:
    from cryptocore.field import PrimeField

    return PrimeField(N).from_bytes(data)


def _bech32_decode(s: str) -> Any:
    from cryptocore.bech32 import bech32_decode

    return bech32_decode(s, limit=1023)


def _bech32_encode(v: Any) -> str:
    from cryptocore.bech32 import bech32_encode

    hrp, data, spec = v
    return bech32_encode(hrp, data, spec, limit=1023)


def _bech32_seeds() -> list[str]:
    from cryptocore.bech32 import Encoding, bech32_encode, convertbits

    data = convertbits(bytes(range(40)), 8, 5, True)
    return [
        bech32_encode("bc", [0, *data[:32]], Encoding.BECH32),
        bech32_encode("tb", [1, *data], Encoding.BECH32M),
    ]


_SEGWIT_HRP = "bc"


def _segwit_decode(s: str) -> Any:
    from cryptocore.bech32 import decode_segwit_address

    return decode_segwit_address(_SEGWIT_HRP, s)


def _segwit_encode(v: Any) -> str:
    from cryptocore.bech32 import encode_segwit_address

    return encode_segwit_address(_SEGWIT_HRP, v[0], v[1])


def _segwit_seeds() -> list[str]:
    from cryptocore.bech32 import encode_segwit_address

    return [
        encode_segwit_address("bc", 0, bytes(range(20))),
        encode_segwit_address("bc", 0, bytes(range(32))),
        encode_segwit_address("bc", 1, G.xonly()),
    ]


# --- mdkm keys ---------------------------------------------------------------------------
def _pkp_seeds() -> list[bytes]:
    return [_secp_keys()[0].to_bytes(), _bls_keys()[0].to_bytes()]


def _pkp_decode(data: bytes) -> Any:
    from mdkm.keys import PublicKeyPackage

    return PublicKeyPackage.from_bytes(data)


def _kp_seeds() -> list[bytes]:
    return [_secp_keys()[1][0].to_bytes(), _bls_keys()[1][1].to_bytes()]


def _kp_decode(data: bytes) -> Any:
    from mdkm.keys import KeyPackage

    return KeyPackage.from_bytes(data)


# --- FROST --------------------------------------------------------------------------------
@functools.cache
def _frost_material() -> dict[str, Any]:
    from mdkm import frost, frost_taproot

    pub, kps = _secp_keys()
    rng = _rng("frost")
    n1, c1 = frost.commit(kps[0], rng)
    n2, c2 = frost.commit(kps[1], rng)
    pkg = frost.SigningPackage(commitments={1: c1, 2: c2}, message=b"adversarial")
    s1 = frost.sign(pkg, n1, kps[0])
    s2 = frost.sign(pkg, n2, kps[1])
    sig = frost.aggregate(pkg, {1: s1, 2: s2}, pub)
    tr_sig = frost_taproot.sign_in_process(kps[:2], b"adversarial", rng=rng)
    _tn, tc = frost_taproot.commit(kps[0], rng)
    return {
        "commitments": [c1.to_bytes(), c2.to_bytes(), tc.to_bytes()],
        "package": [pkg.to_bytes()],
        "share": [s1.to_bytes(), s2.to_bytes()],
        "signature": [sig.to_bytes()],
        "tr_signature": [bytes(tr_sig)],
        "pub": pub,
    }


def _frost_signature_decode(data: bytes) -> Any:
    from mdkm.frost import Signature

    return Signature.from_bytes(data)


def _frost_tr_signature_decode(data: bytes) -> Any:
    from mdkm.frost import Signature
    from mdkm.frost_taproot import FROST_SECP256K1_TR

    return Signature.from_bytes(data, FROST_SECP256K1_TR)


def _frost_msg_seeds() -> list[bytes]:
    from mdkm.frost.ciphersuite import FROST_SECP256K1_SHA256
    from mdkm.frost.session import MessageType, encode_message

    m = _frost_material()
    return [
        encode_message(FROST_SECP256K1_SHA256, MessageType.COMMIT_REQUEST, _SID),
        encode_message(FROST_SECP256K1_SHA256, MessageType.COMMITMENTS, _SID, m["commitments"][0]),
        encode_message(FROST_SECP256K1_SHA256, MessageType.SIGNATURE_SHARE, _SID, m["share"][0]),
    ]


def _frost_msg_decode(data: bytes) -> Any:
    from mdkm.frost.session import decode_message

    return decode_message(data)


def _frost_msg_encode(v: Any) -> bytes:
    from mdkm.frost.session import encode_message

    return encode_message(*v)


# --- DKG ----------------------------------------------------------------------------------
@functools.cache
def _frost_dkg_material() -> dict[str, list[bytes]]:
    from mdkm.dkg import frost_dkg

    out: dict[str, list[bytes]] = {"r1": [], "r2": [], "s1": [], "s2": []}
    for suite in ("secp256k1", "secp256k1-tr"):
        rng = _rng("dkg-" + suite)
        parts = {i: frost_dkg.part1(i, 3, 2, rng, suite=suite) for i in (1, 2, 3)}
        r1 = {i: p[1] for i, p in parts.items()}
        sec2, r2 = frost_dkg.part2(parts[1][0], {j: r1[j] for j in (2, 3)})
        out["r1"].append(r1[1].to_bytes())
        out["r2"].append(r2[2].to_bytes())
        out["s1"].append(parts[1][0].to_bytes())
        out["s2"].append(sec2.to_bytes())
    return out


def _dkg_decoder(name: str) -> Callable[[bytes], Any]:
    def decode(data: bytes) -> Any:
        from mdkm.dkg import frost_dkg

        return getattr(frost_dkg, name).from_bytes(data)

    return decode


@functools.cache
def _gjkr_seeds() -> list[bytes]:
    from cryptocore.group import get_group
    from mdkm.dkg.messages import DkgMessage, Kind, Reveal, ciphertext_length

    out = []
    for group in ("secp256k1", "bls12_381"):
        g = get_group(group)
        pts = (g.base_mul(3), g.base_mul(4))
        clen = ciphertext_length(g)
        rev = (Reveal(who=1, share=5, blinding=6), Reveal(who=3, share=0, blinding=g.order - 1))
        msgs = [
            DkgMessage(
                group=group,
                kind=Kind.DEAL,
                session_id=_SID,
                sender=2,
                points=pts,
                ciphertexts=(bytes(clen), b"\xab" * clen),
            ),
            DkgMessage(group=group, kind=Kind.COMPLAINT, session_id=_SID, sender=1, accused=(2, 3)),
            DkgMessage(group=group, kind=Kind.JUSTIFY, session_id=_SID, sender=2, reveals=rev),
            DkgMessage(group=group, kind=Kind.EXTRACT, session_id=_SID, sender=3, points=pts),
        ]
        out += [m.to_bytes() for m in msgs]
    return out


def _gjkr_decode(data: bytes) -> Any:
    from mdkm.dkg.messages import decode_message

    return decode_message(data)


def _identity_key_decode(data: bytes) -> Any:
    from mdkm.dkg.channel import IdentityKey

    return IdentityKey.from_bytes(data)


# --- threshold ECDSA ------------------------------------------------------------------------
@functools.cache
def _ecdsa_material() -> dict[str, list[bytes]]:
    from mdkm.ecdsa.proofs import ProductProof
    from mdkm.ecdsa.protocol import ProductShare, SignatureShare, presign_deal

    _pub, kps = _secp_keys()
    dealing, shares, _sec = presign_deal(kps[0], [1, 2, 3], _SID, _rng("ecdsa"))
    proof = ProductProof(c=1, s_u=2, s_ub=N - 1, s_z=0, s_zb=12345)
    return {
        "dealing": [dealing.to_bytes()],
        "private": [shares[2].to_bytes(), shares[3].to_bytes()],
        "product": [ProductShare(session_id=_SID, signer=2, value=7, proof=proof).to_bytes()],
        "sigshare": [SignatureShare(session_id=_SID, signer=3, value=0, proof=proof).to_bytes()],
        "proof": [proof.to_bytes()],
    }


@functools.cache
def _ecdsa_message_material() -> dict[str, list[bytes]]:
    from mdkm.ecdsa.messages import SEALED_SHARES_LENGTH, EcdsaMessage, Kind
    from mdkm.ecdsa.proofs import ProductProof
    from mdkm.ecdsa.protocol import (
        Complaint,
        Justification,
        PresignDealing,
        PrivateShares,
        ProductShare,
        SignatureShare,
    )

    m = _ecdsa_material()
    dealing = PresignDealing.from_bytes(m["dealing"][0])
    shares = PrivateShares.from_bytes(m["private"][0])  # dealer 1 -> recipient 2
    proof = ProductProof.from_bytes(m["proof"][0])
    complaint = Complaint(session_id=_SID, complainer=2, accused=(1, 3))
    just = Justification(session_id=_SID, dealer=1, shares=shares)
    digest = bytes(range(100, 132))
    msgs = [
        EcdsaMessage(
            kind=Kind.DEAL,
            session_id=_SID,
            sender=1,
            dealing=dealing,
            sealed=(bytes(SEALED_SHARES_LENGTH), b"\x01" * SEALED_SHARES_LENGTH),
        ),
        EcdsaMessage(
            kind=Kind.COMPLAINT, session_id=_SID, sender=2, digest=digest, complaint=complaint
        ),
        EcdsaMessage(
            kind=Kind.JUSTIFY, session_id=_SID, sender=1, digest=digest, justifications=(just,)
        ),
        EcdsaMessage(
            kind=Kind.PRODUCT,
            session_id=_SID,
            sender=2,
            digest=digest,
            product=ProductShare(session_id=_SID, signer=2, value=9, proof=proof),
        ),
        EcdsaMessage(
            kind=Kind.SIGN,
            session_id=_SID,
            sender=3,
            digest=digest,
            signature_share=SignatureShare(session_id=_SID, signer=3, value=1, proof=proof),
        ),
    ]
    return {
        "complaint": [
            complaint.to_bytes(),
            Complaint(session_id=_SID, complainer=1, accused=()).to_bytes(),
        ],
        "justification": [just.to_bytes()],
        "messages": [x.to_bytes() for x in msgs],
    }


def _ecdsa_msg_decode(data: bytes) -> Any:
    from mdkm.ecdsa.messages import decode_message

    return decode_message(data)


def _ecdsa_decoder(module: str, name: str) -> Callable[[bytes], Any]:
    def decode(data: bytes) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name).from_bytes(data)

    return decode


# --- BLS ----------------------------------------------------------------------------------
def _bls_share_seeds() -> list[bytes]:
    from mdkm.bls.threshold import sign_share

    _pub, kps = _bls_keys()
    return [sign_share(kps[0], b"adversarial", rng=_rng("bls-share")).to_bytes()]


def _bls_share_decode(data: bytes) -> Any:
    from mdkm.bls.threshold import SignatureShare

    return SignatureShare.from_bytes(data)


# --- ring signatures ------------------------------------------------------------------------
@functools.cache
def _ring_material() -> dict[str, Any]:
    from ringsig.clsag import RingSignature, sign
    from ringsig.keys import SigningKey

    rng = _rng("ring")
    keys = [SigningKey.generate(rng) for _ in range(3)]
    ring = [k.public_key for k in keys]
    sig = sign(b"adversarial", ring, keys[1], rng)
    two = RingSignature(
        challenge=5,
        responses=(1, 0),
        key_image=keys[0].key_image,
        aux_image=keys[2].public_key,
    )
    return {
        "ring": ring,
        "sigs": [sig.to_bytes(), two.to_bytes()],
        "images": [k.key_image for k in keys],
    }


def _ring_sig_decode(data: bytes) -> Any:
    from ringsig.clsag import RingSignature

    return RingSignature.from_bytes(data)


def _key_image_decode(data: bytes) -> Any:
    from ringsig.key_image import KeyImage

    return KeyImage.from_bytes(data)


# --- locked accounts ----------------------------------------------------------------------
@functools.cache
def _one_time_material() -> dict[str, list[bytes]]:
    from locked_accounts.one_time import AccountKeys, send

    rng = _rng("one-time")
    keys = AccountKeys.generate(rng)
    meta = keys.meta_address()
    ann = send(meta, index=7, rng=rng)
    ann2 = send(meta, index=2**32 - 1, rng=rng)
    return {
        "meta": [meta.to_bytes()],
        "ann": [ann.to_bytes(), ann2.to_bytes()],
        "secret": [keys.view_key.to_bytes(), keys.spend_key.to_bytes(), _b32(N - 1)],
    }


def _one_time_decoder(name: str) -> Callable[[bytes], Any]:
    def decode(data: bytes) -> Any:
        from locked_accounts import one_time

        return getattr(one_time, name).from_bytes(data)

    return decode


def _stealth_decode(data: bytes) -> Any:
    from locked_accounts.erc5564 import StealthMetaAddress

    return StealthMetaAddress.from_bytes(data)


def _stealth_canonical(data: bytes, value: Any) -> bytes:
    # ERC-5564: a 33-byte meta-address uses one key for both roles (re-encoded as 66 bytes)
    return data + data if len(data) == 33 else data


def _stealth_seeds() -> list[bytes]:
    return [Point.base_mul(5).to_bytes() + Point.base_mul(6).to_bytes(), G.to_bytes()]


def _stealth_uri_decode(s: str) -> Any:
    from locked_accounts.erc5564 import StealthMetaAddress

    return StealthMetaAddress.from_uri(s)


def _stealth_uri_canonical(s: str, value: Any) -> str:
    # hex digits are case-insensitive; the 33-byte form re-encodes as 66 bytes
    prefix, _, keys = s.rpartition(":0x")
    keys = keys.lower()
    if len(keys) == 66:
        keys = keys + keys
    return f"{prefix}:0x{keys}"


def _stealth_uri_seeds() -> list[str]:
    from locked_accounts.erc5564 import stealth_meta_address

    return [stealth_meta_address(5, 6), stealth_meta_address(7, 8, chain="base-sepolia")]


def _sp_decode(s: str) -> Any:
    from locked_accounts.bip352 import SilentPaymentAddress

    return SilentPaymentAddress.decode(s)


def _sp_canonical(s: str, value: Any) -> str | None:
    # BIP352 "Versions": v1..v30 addresses are read as their first 66 bytes (forward
    # compatibility); only v0 has to round-trip.
    return s.lower() if s.lower()[s.lower().rfind("1") + 1] == "q" else None


def _sp_seeds() -> list[str]:
    from locked_accounts.bip352 import SilentPaymentAddress

    a = SilentPaymentAddress(scan_public=Point.base_mul(3), spend_public=Point.base_mul(4))
    b = SilentPaymentAddress(scan_public=Point.base_mul(5), spend_public=G, hrp="tsp")
    return [a.encode(), b.encode()]


def _witness_decode(data: bytes) -> Any:
    from locked_accounts.bip352 import parse_witness

    return parse_witness(data)


def _witness_encode(items: Sequence[bytes]) -> bytes:
    def cs(n: int) -> bytes:
        if n < 0xFD:
            return bytes([n])
        if n <= 0xFFFF:
            return b"\xfd" + n.to_bytes(2, "little")
        if n <= 0xFFFFFFFF:
            return b"\xfe" + n.to_bytes(4, "little")
        return b"\xff" + n.to_bytes(8, "little")

    return cs(len(items)) + b"".join(cs(len(i)) + i for i in items)


def _eth_decode(s: str) -> Any:
    from locked_accounts.addresses import parse_ethereum_address

    return parse_ethereum_address(s)


def _eth_canonical(s: str, value: Any) -> None:
    return None  # lowercase, uppercase and EIP-55 forms are all accepted (EIP-55)


def _eth_seeds() -> list[str]:
    from locked_accounts.addresses import ethereum_address

    return [ethereum_address(Point.base_mul(9)), "0x" + "ab" * 20]


@functools.cache
def _record_seeds() -> list[str]:
    from locked_accounts.locked import AccountRecord

    pub, _ = _secp_keys()
    return [
        AccountRecord(public_key_package=pub, epoch=3, network="testnet").to_json(),
        json.dumps(json.loads(AccountRecord(public_key_package=pub, epoch=0).to_json())),
    ]


def _record_decode(s: str) -> Any:
    from locked_accounts.locked import AccountRecord

    return AccountRecord.from_json(s)


def _record_canonical(s: str, value: Any) -> None:
    return None  # JSON whitespace and key order are free; the value round trip is checked


def _record_encode(v: Any) -> str:
    from locked_accounts.locked import AccountRecord

    text: str = v.to_json()
    assert AccountRecord.from_json(text) == v
    return text


# --- BFT ----------------------------------------------------------------------------------
@functools.cache
def _bft_material() -> dict[str, list[bytes]]:
    from bft.batch import encode_batch
    from bft.messages import Proposal, SyncInfo, SyncRequest, SyncResponse, Timeout, Vote
    from bft.store import SafetyState
    from bft.types import Block, QuorumCert, TimeoutCert, genesis_block

    gen = genesis_block()

    def qc(view: int, h: bytes = b"\x11" * 32) -> QuorumCert:
        return QuorumCert(epoch=0, view=view, block_hash=h, signature=bytes([view % 256]) * 96)

    b = Block(
        epoch=0,
        view=3,
        height=1,
        parent=gen.hash,
        proposer=1,
        justify=qc(2, gen.hash),
        payload=encode_batch([b"a", b"bc"]),
    )
    tc = TimeoutCert(epoch=0, view=1, signature=b"\x05" * 96)
    b2 = Block(epoch=0, view=2, height=1, parent=gen.hash, proposer=2, justify=qc(0, gen.hash))
    msgs = [
        Proposal(block=b),
        Proposal(block=b2, tc=tc),
        Vote(epoch=0, view=3, block_hash=b.hash, share=b"s" * 32),
        Timeout(epoch=1, view=9, high_qc=qc(4), share=b"x" * 96),
        SyncRequest(block_hash=b.hash, count=7),
        SyncResponse(blocks=(b,)),
        SyncInfo(high_qc=qc(5), tc=tc),
    ]
    return {
        "msgs": [m.to_bytes() for m in msgs],
        "qc": [qc(4).to_bytes()],
        "tc": [tc.to_bytes()],
        "block": [b.to_bytes(), b2.to_bytes()],
        "safety": [
            SafetyState(
                epoch=1, view=5, last_voted_view=4, locked_qc=qc(3), high_qc=qc(4)
            ).to_bytes()
        ],
        "batch": [encode_batch([b"a", b"bc", b""]), encode_batch([bytes(40)])],
    }


def _bft_decoder(module: str, name: str) -> Callable[[bytes], Any]:
    def decode(data: bytes) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name).from_bytes(data)

    return decode


def _bft_msg_decode(data: bytes) -> Any:
    from bft.messages import decode

    return decode(data)


def _batch_decode(data: bytes) -> Any:
    from bft.batch import decode_batch

    return decode_batch(data)


def _batch_encode(txs: list[bytes]) -> bytes:
    from bft.batch import encode_batch

    return encode_batch(txs)


# --- attestations -------------------------------------------------------------------------
@functools.cache
def _attestation_seeds() -> list[bytes]:
    from attestations.properties import LossBound, Reexecution, TopKAgreement
    from attestations.receipt import Attestation
    from cryptocore.bls12_381 import G2Point

    sig = G2Point.generator().to_bytes()
    out = []
    for i, check in enumerate((Reexecution(1e-6, 1e-3), TopKAgreement(3), LossBound(0.25, "mse"))):
        att = Attestation(
            request_id=bytes([i]) * 32,
            model_commitment=b"\x01" * 32,
            input_hash=b"\x02" * 32,
            output_hash=b"\x03" * 32,
            check=check,
            verdict=i % 2 == 0,
            epoch=i,
            expiry=2**40,
            nonce=b"\x04" * 32,
            signature=sig,
        )
        out.append(att.to_bytes())
    return out


def _attestation_decode(data: bytes) -> Any:
    from attestations.receipt import Attestation

    return Attestation.from_bytes(data)


def _attestation_unsigned_decode(data: bytes) -> Any:
    from attestations.receipt import Attestation

    return Attestation.from_bytes(data, signed=False)


def _array_decode(data: bytes) -> Any:
    from attestations.model import decode_array

    return decode_array(data)


def _array_encode(a: Any) -> bytes:
    from attestations.model import encode_array

    return encode_array(a)


def _array_seeds() -> list[bytes]:
    import numpy as np

    from attestations.model import encode_array

    return [
        encode_array(np.arange(6, dtype=np.float64).reshape(2, 3)),
        encode_array(np.float32(1.5)),
        encode_array(np.zeros((0, 4), dtype=np.float32)),
    ]


def _to_bytes(v: Any) -> Any:
    return v.to_bytes()


CODECS: tuple[Codec, ...] = (
    # cryptocore
    Codec("secp256k1.Point", Point.from_bytes, _to_bytes, _point_seeds),
    Codec(
        "secp256k1.Point.uncompressed",
        Point.from_bytes_uncompressed,
        lambda p: p.to_bytes_uncompressed(),
        _uncompressed_seeds,
    ),
    Codec("secp256k1.Point.xonly", Point.from_xonly, lambda p: p.xonly(), _xonly_seeds),
    Codec("bls12_381.G1Point", _g1_decode, _to_bytes, _g1_seeds),
    Codec("bls12_381.G1Point.allow_identity", _g1_decode_id, _to_bytes, _g1_seeds),
    Codec("bls12_381.G2Point", _g2_decode, _to_bytes, _g2_seeds),
    Codec("bls12_381.G2Point.allow_identity", _g2_decode_id, _to_bytes, _g2_seeds),
    Codec("encoding.decode_scalar", _scalar_decode, _b32, lambda: [_b32(1), _b32(N - 1)]),
    Codec("field.FieldElement", _field_decode, _to_bytes, lambda: [_b32(0), _b32(5), _b32(N - 1)]),
    Codec("bech32", _bech32_decode, _bech32_encode, _bech32_seeds, "str", lambda s, v: s.lower()),
    Codec(
        "bech32.segwit",
        _segwit_decode,
        _segwit_encode,
        _segwit_seeds,
        "str",
        lambda s, v: s.lower(),
    ),
    # mdkm
    Codec("mdkm.PublicKeyPackage", _pkp_decode, _to_bytes, _pkp_seeds),
    Codec("mdkm.KeyPackage", _kp_decode, _to_bytes, _kp_seeds),
    Codec(
        "frost.SigningCommitments",
        _ecdsa_decoder("mdkm.frost", "SigningCommitments"),
        _to_bytes,
        lambda: _frost_material()["commitments"],
    ),
    Codec(
        "frost.SigningPackage",
        _ecdsa_decoder("mdkm.frost", "SigningPackage"),
        _to_bytes,
        lambda: _frost_material()["package"],
    ),
    Codec(
        "frost.SignatureShare",
        _ecdsa_decoder("mdkm.frost", "SignatureShare"),
        _to_bytes,
        lambda: _frost_material()["share"],
    ),
    Codec(
        "frost.Signature",
        _frost_signature_decode,
        _to_bytes,
        lambda: _frost_material()["signature"],
    ),
    Codec(
        "frost_taproot.Signature",
        _frost_tr_signature_decode,
        _to_bytes,
        lambda: _frost_material()["tr_signature"],
    ),
    Codec("frost.session.message", _frost_msg_decode, _frost_msg_encode, _frost_msg_seeds),
    Codec(
        "dkg.Round1Package",
        _dkg_decoder("Round1Package"),
        _to_bytes,
        lambda: _frost_dkg_material()["r1"],
    ),
    Codec(
        "dkg.Round2Package",
        _dkg_decoder("Round2Package"),
        _to_bytes,
        lambda: _frost_dkg_material()["r2"],
    ),
    Codec(
        "dkg.Round1SecretPackage",
        _dkg_decoder("Round1SecretPackage"),
        _to_bytes,
        lambda: _frost_dkg_material()["s1"],
    ),
    Codec(
        "dkg.Round2SecretPackage",
        _dkg_decoder("Round2SecretPackage"),
        _to_bytes,
        lambda: _frost_dkg_material()["s2"],
    ),
    Codec("dkg.gjkr.DkgMessage", _gjkr_decode, _to_bytes, _gjkr_seeds),
    Codec("dkg.IdentityKey", _identity_key_decode, _to_bytes, lambda: [_b32(7), _b32(N - 1)]),
    Codec(
        "ecdsa.PresignDealing",
        _ecdsa_decoder("mdkm.ecdsa.protocol", "PresignDealing"),
        _to_bytes,
        lambda: _ecdsa_material()["dealing"],
    ),
    Codec(
        "ecdsa.PrivateShares",
        _ecdsa_decoder("mdkm.ecdsa.protocol", "PrivateShares"),
        _to_bytes,
        lambda: _ecdsa_material()["private"],
    ),
    Codec(
        "ecdsa.ProductShare",
        _ecdsa_decoder("mdkm.ecdsa.protocol", "ProductShare"),
        _to_bytes,
        lambda: _ecdsa_material()["product"],
    ),
    Codec(
        "ecdsa.SignatureShare",
        _ecdsa_decoder("mdkm.ecdsa.protocol", "SignatureShare"),
        _to_bytes,
        lambda: _ecdsa_material()["sigshare"],
    ),
    Codec(
        "ecdsa.ProductProof",
        _ecdsa_decoder("mdkm.ecdsa.proofs", "ProductProof"),
        _to_bytes,
        lambda: _ecdsa_material()["proof"],
    ),
    Codec(
        "ecdsa.Complaint",
        _ecdsa_decoder("mdkm.ecdsa.protocol", "Complaint"),
        _to_bytes,
        lambda: _ecdsa_message_material()["complaint"],
    ),
    Codec(
        "ecdsa.Justification",
        _ecdsa_decoder("mdkm.ecdsa.protocol", "Justification"),
        _to_bytes,
        lambda: _ecdsa_message_material()["justification"],
    ),
    Codec(
        "ecdsa.messages",
        _ecdsa_msg_decode,
        _to_bytes,
        lambda: _ecdsa_message_material()["messages"],
    ),
    Codec("bls.threshold.SignatureShare", _bls_share_decode, _to_bytes, _bls_share_seeds),
    # ringsig
    Codec("ringsig.RingSignature", _ring_sig_decode, _to_bytes, lambda: _ring_material()["sigs"]),
    Codec("ringsig.KeyImage", _key_image_decode, _to_bytes, lambda: _ring_material()["images"]),
    # locked accounts
    Codec(
        "one_time.MetaAddress",
        _one_time_decoder("MetaAddress"),
        _to_bytes,
        lambda: _one_time_material()["meta"],
    ),
    Codec(
        "one_time.Announcement",
        _one_time_decoder("Announcement"),
        _to_bytes,
        lambda: _one_time_material()["ann"],
    ),
    Codec(
        "one_time.SpendKey",
        _one_time_decoder("SpendKey"),
        _to_bytes,
        lambda: _one_time_material()["secret"],
    ),
    Codec(
        "one_time.ViewKey",
        _one_time_decoder("ViewKey"),
        _to_bytes,
        lambda: _one_time_material()["secret"],
    ),
    Codec(
        "one_time.OneTimeSecret",
        _one_time_decoder("OneTimeSecret"),
        _to_bytes,
        lambda: _one_time_material()["secret"],
    ),
    Codec(
        "erc5564.StealthMetaAddress",
        _stealth_decode,
        _to_bytes,
        _stealth_seeds,
        canonical=_stealth_canonical,
    ),
    Codec(
        "erc5564.StealthMetaAddress.uri",
        _stealth_uri_decode,
        lambda v: v.to_uri(),
        _stealth_uri_seeds,
        "str",
        _stealth_uri_canonical,
    ),
    Codec(
        "bip352.SilentPaymentAddress",
        _sp_decode,
        lambda v: v.encode(),
        _sp_seeds,
        "str",
        _sp_canonical,
    ),
    Codec(
        "bip352.parse_witness",
        _witness_decode,
        _witness_encode,
        lambda: [_witness_encode([b"\x01" * 71, G.to_bytes()]), _witness_encode([])],
    ),
    Codec("addresses.ethereum", _eth_decode, lambda v: v, _eth_seeds, "str", _eth_canonical),
    Codec(
        "locked.AccountRecord.json",
        _record_decode,
        _record_encode,
        _record_seeds,
        "str",
        _record_canonical,
        max_random=200,
    ),
    # bft
    Codec("bft.messages", _bft_msg_decode, _to_bytes, lambda: _bft_material()["msgs"]),
    Codec(
        "bft.QuorumCert",
        _bft_decoder("bft.types", "QuorumCert"),
        _to_bytes,
        lambda: _bft_material()["qc"],
    ),
    Codec(
        "bft.TimeoutCert",
        _bft_decoder("bft.types", "TimeoutCert"),
        _to_bytes,
        lambda: _bft_material()["tc"],
    ),
    Codec(
        "bft.Block",
        _bft_decoder("bft.types", "Block"),
        _to_bytes,
        lambda: _bft_material()["block"],
    ),
    Codec(
        "bft.SafetyState",
        _bft_decoder("bft.store", "SafetyState"),
        _to_bytes,
        lambda: _bft_material()["safety"],
    ),
    Codec("bft.batch", _batch_decode, _batch_encode, lambda: _bft_material()["batch"]),
    # attestations
    Codec("attestations.Attestation", _attestation_decode, _to_bytes, _attestation_seeds),
    Codec(
        "attestations.Attestation.unsigned",
        _attestation_unsigned_decode,
        lambda a: a.body(),
        lambda: [s[:-96] for s in _attestation_seeds()],
    ),
    Codec("attestations.decode_array", _array_decode, _array_encode, _array_seeds),
)

_BY_NAME = {c.name: c for c in CODECS}

#: decoders (in files this review may not edit) that leak TypeError/ValueError/MemoryError or
#: accept a non-bytes argument: ``bytes(data)`` on an int allocates that many zero bytes.
_BYTES_CALL = "bytes(data) on a non-bytes argument leaks TypeError/ValueError (or allocates)"
WRONG_TYPE_BUGS: dict[str, str] = {}
assert len(_BY_NAME) == len(CODECS)


def _params(names: Sequence[str] | None = None) -> list[Any]:
    out = []
    for c in CODECS:
        if names is not None and c.name not in names:
            continue
        out.append(pytest.param(c.name, id=c.name, marks=c.marks))
    return out


# ------------------------------------------------------------------------------ the check
def check_decoder(codec: Codec, data: Any) -> None:
    """Either a CryptoError or a value whose re-encoding is canonical; anything else fails."""
    try:
        value = codec.decode(data)
    except CryptoError:
        return
    except Exception as exc:  # the defect this file hunts: a non-library exception leaked
        pytest.fail(
            f"{codec.name}: {type(exc).__name__} leaked from the decoder: {exc!r} "
            f"(input {data!r:.200})"
        )
    assert value is not None and value is not False, f"{codec.name}: silent {value!r}"
    expected = data if codec.canonical is None else codec.canonical(data, value)
    if expected is None:
        codec.encode(value)  # must at least re-encode without error
        return
    again = codec.encode(value)
    assert again == expected, f"{codec.name}: non-canonical encoding accepted: {data!r:.200}"


def _as_kind(codec: Codec, raw: bytes) -> Any:
    return raw.decode("latin-1") if codec.kind == "str" else raw


def _seed_bytes(codec: Codec, seed: Any) -> bytes:
    return seed.encode("latin-1") if codec.kind == "str" else seed


@st.composite
def _mutated(draw: st.DrawFn, codec: Codec) -> bytes:
    seeds = codec.seeds()
    seed = _seed_bytes(codec, draw(st.sampled_from(list(seeds))))
    op = draw(st.sampled_from(("flip", "set", "truncate", "extend", "splice", "insert", "drop")))
    n = len(seed)
    if op == "flip" and n:
        i = draw(st.integers(0, n - 1))
        bit = draw(st.integers(0, 7))
        return seed[:i] + bytes([seed[i] ^ (1 << bit)]) + seed[i + 1 :]
    if op == "set" and n:
        i = draw(st.integers(0, n - 1))
        v = draw(st.sampled_from((0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x07, 0x7F, 0x80, 0xFF)))
        return seed[:i] + bytes([v]) + seed[i + 1 :]
    if op == "truncate":
        return seed[: draw(st.integers(0, max(n - 1, 0)))]
    if op == "extend":
        return seed + draw(st.binary(min_size=1, max_size=40))
    if op == "drop" and n:
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i + 1, min(n, i + 40)))
        return seed[:i] + seed[j:]
    edge = draw(st.sampled_from(ALL_EDGES))
    # candidate field starts: point prefixes, BLS flag bytes, header offsets, tail offsets
    starts = sorted(
        {i for i, b in enumerate(seed) if b in (2, 3) or b & 0xE0 in (0x80, 0xA0)}
        | set(range(min(n, 8)))
        | {max(n - k, 0) for k in (32, 33, 48, 64, 65, 96, 128, 160)}
    )
    i = draw(st.sampled_from(starts)) if starts and draw(st.booleans()) else draw(st.integers(0, n))
    if op == "insert":
        return seed[:i] + edge + seed[i:]
    return seed[:i] + edge + seed[i + len(edge) :]  # splice (overwrite in place)


def _random_input(codec: Codec) -> st.SearchStrategy[Any]:
    if codec.kind == "str":
        return st.one_of(
            st.text(max_size=codec.max_random),
            st.text(alphabet="qpzry9x8gf2tvdw0s3jn54khce6mua7l1spbtQP0xabcdef:-", max_size=120),
        )
    return st.binary(max_size=codec.max_random)


# ------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("name", _params())
def test_seeds_round_trip(name: str) -> None:
    """Sanity: every seed decodes and re-encodes canonically (so mutations start valid)."""
    codec = _BY_NAME[name]
    seeds = codec.seeds()
    assert seeds
    for seed in seeds:
        value = codec.decode(seed)
        expected = seed if codec.canonical is None else codec.canonical(seed, value)
        if expected is not None:
            assert codec.encode(value) == expected


_FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # profile decides
_SLOW = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("name", _params())
@_FAST
@given(data=st.data())
def test_random_input(name: str, data: st.DataObject) -> None:
    codec = _BY_NAME[name]
    check_decoder(codec, data.draw(_random_input(codec)))


@pytest.mark.parametrize("name", _params())
@_FAST
@given(data=st.data())
def test_mutated_seed(name: str, data: st.DataObject) -> None:
    codec = _BY_NAME[name]
    check_decoder(codec, _as_kind(codec, data.draw(_mutated(codec))))


@pytest.mark.parametrize("name", _params())
def test_edge_values_alone_and_at_every_point_position(name: str) -> None:
    """Each edge value alone; and each 33-byte edge over every 0x02/0x03-prefixed 33-byte window
    and each 32-byte scalar edge over the last 32 bytes of every such window and the tail."""
    codec = _BY_NAME[name]
    for edge in ALL_EDGES:
        check_decoder(codec, _as_kind(codec, edge))
    for seed in codec.seeds():
        s = _seed_bytes(codec, seed)
        if codec.kind == "str":
            continue
        windows = [i for i in range(len(s) - 32) if s[i] in (2, 3)]
        for i in windows[:24]:
            for edge in POINT33_EDGES:
                check_decoder(codec, s[:i] + edge + s[i + 33 :])
        for i in [*(w + 1 for w in windows[:8]), len(s) - 32]:
            if i < 0:
                continue
            for edge in SCALAR_EDGES:
                check_decoder(codec, s[:i] + edge + s[i + 32 :])


@pytest.mark.slow
@pytest.mark.parametrize("name", _params())
@_SLOW
@given(data=st.data())
def test_mutated_seed_slow(name: str, data: st.DataObject) -> None:
    codec = _BY_NAME[name]
    check_decoder(codec, _as_kind(codec, data.draw(_mutated(codec))))


@pytest.mark.slow
@pytest.mark.parametrize("name", _params())
@_SLOW
@given(data=st.data())
def test_random_input_slow(name: str, data: st.DataObject) -> None:
    codec = _BY_NAME[name]
    check_decoder(codec, data.draw(_random_input(codec)))


@pytest.mark.slow
@pytest.mark.parametrize("name", _params())
def test_every_single_bit_flip_slow(name: str) -> None:
    codec = _BY_NAME[name]
    for seed in codec.seeds()[:2]:
        s = _seed_bytes(codec, seed)
        for i in range(min(len(s), 400)):
            for bit in range(8):
                check_decoder(codec, _as_kind(codec, s[:i] + bytes([s[i] ^ 1 << bit]) + s[i + 1 :]))


# ------------------------------------------------------------------------------ regressions
def test_public_key_package_rejects_unsorted_identifiers() -> None:
    """to_bytes writes identifiers ascending; a permuted encoding is a second encoding of the
    same package and must not decode (it used to be accepted and re-sorted)."""
    from cryptocore.errors import EncodingError
    from mdkm.keys import PublicKeyPackage

    pub = _secp_keys()[0]
    data = pub.to_bytes()
    head, entries = data[: 2 + 4 + 33 + 4], data[2 + 4 + 33 + 4 :]
    e = [entries[k : k + 65] for k in range(0, len(entries), 65)]
    assert PublicKeyPackage.from_bytes(head + b"".join(e)) == pub
    with pytest.raises(EncodingError):
        PublicKeyPackage.from_bytes(head + e[1] + e[0] + e[2])
    with pytest.raises(EncodingError):
        PublicKeyPackage.from_bytes(head + e[0] + e[0] + e[2])


_WRONG_TYPES: dict[str, tuple[Any, ...]] = {
    "bytes": (None, 5, -1, 1.5, "02" * 33, [2, 3], {"a": 1}),
    "str": (None, 5, b"sp1q", ["x"], 1.5),
}


def _wrong_type_params() -> list[Any]:
    out = []
    for c in CODECS:
        marks = []
        if c.name in WRONG_TYPE_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=WRONG_TYPE_BUGS[c.name]))
        out.append(pytest.param(c.name, id=c.name, marks=marks))
    return out


@pytest.mark.parametrize("name", _wrong_type_params())
def test_wrong_type_input_raises_encoding_error(name: str) -> None:
    """A decoder given something that is not bytes (or not a str) raises a CryptoError; it never
    leaks TypeError from deep inside, and never reads an int as ``bytes(n)`` zero bytes."""
    codec = _BY_NAME[name]
    for v in _WRONG_TYPES[codec.kind]:
        try:
            codec.decode(v)
        except CryptoError:
            continue
        except Exception as exc:
            pytest.fail(f"{name}({v!r}): {type(exc).__name__} leaked: {exc}")
        pytest.fail(f"{name}({v!r}) was accepted")


_RECORD_BAD_EPOCHS = ("Infinity", "-Infinity", "NaN", "1e400", "3.0", "3.7", '"3"', "true", "null")


@pytest.mark.parametrize("epoch", _RECORD_BAD_EPOCHS)
def test_account_record_epoch_must_be_a_json_integer(epoch: str) -> None:
    """json.loads reads Infinity/1e400 as float('inf'): int() raised OverflowError; 3.7, "3" and
    true were silently read as 3, 3 and 1 (several documents for one record)."""
    from cryptocore.errors import EncodingError

    text = _record_seeds()[0]
    assert '"epoch": 3' in text
    with pytest.raises(EncodingError):
        _record_decode(text.replace('"epoch": 3', '"epoch": ' + epoch))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"version": 1', '"version": true'),
        ('"version": 1', '"version": 1.0'),
        ('"threshold": 2', '"threshold": 3'),
        ('"threshold": 2', '"threshold": 2.0'),
        ('"network": "testnet"', '"network": "testnet", "extra": 1'),
        ('"committee": [', '"committee": [4, '),
    ],
)
def test_account_record_rejects_inconsistent_or_retyped_fields(old: str, new: str) -> None:
    from cryptocore.errors import EncodingError

    text = _record_seeds()[0]
    assert old in text
    with pytest.raises(EncodingError):
        _record_decode(text.replace(old, new, 1))


_DEEP_JSON_SCRIPT = """
import sys
sys.setrecursionlimit(100_000)  # what importing py_ecc does (py_ecc/__init__.py)
from cryptocore.errors import CryptoError
{setup}
for text in ("[" * 200_000, '{{"a": ' * 200_000, '[{{"a": [' * 70_000):
    try:
        {call}
    except CryptoError:
        pass
    else:
        raise SystemExit("accepted")
print("ok")
"""


def _run_deep_json(setup: str, call: str) -> Any:
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = _DEEP_JSON_SCRIPT.format(setup=setup, call=call)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_account_record_deeply_nested_json_is_an_encoding_error() -> None:
    """Deep JSON must be refused before parsing: with py_ecc imported (recursion limit 100000)
    json.loads overflowed the C stack and the process died (SIGSEGV); run in a subprocess."""
    proc = _run_deep_json(
        "from locked_accounts.locked import AccountRecord", "AccountRecord.from_json(text)"
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", (proc.returncode, proc.stderr)


def test_json_loads_bounds() -> None:
    from cryptocore.encoding import json_loads
    from cryptocore.errors import EncodingError

    nested_in_string = '{"a": "' + "[" * 48 + '"}'
    assert json_loads(nested_in_string, "t") == {"a": "[" * 48}
    assert json_loads('{"a": "\\\\\\"["}', "t") == {"a": '\\"['}
    assert json_loads(b'[[1], {"b": [2]}]', "t") == [[1], {"b": [2]}]
    assert json_loads("[" * 32 + "]" * 32, "t") is not None
    for bad in ("[" * 33 + "]" * 33, "NaN", "[Infinity]", '{"a": -Infinity}', "{", b"\xff[]", 5):
        with pytest.raises(EncodingError):
            json_loads(bad, "t")  # type: ignore[arg-type]
    with pytest.raises(EncodingError):
        json_loads("[]" + " " * (1 << 20), "t")


def test_keystore_load_deeply_nested_json(tmp_path: Any) -> None:
    p = tmp_path / "deep.json"
    proc = _run_deep_json(
        f"from mdkm import keystore\nfrom pathlib import Path\np = Path({str(p)!r})",
        "p.write_text(text); keystore.load(p)",
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", (proc.returncode, proc.stderr)


@pytest.mark.parametrize(
    "shape",
    [(65536, 65536, 65536, 65536), (256,) * 8, (2**32 - 1, 2**32 - 1, 2**32 - 1), (0, 2**32 - 1)],
)
def test_decode_array_shape_product_does_not_wrap(shape: tuple[int, ...]) -> None:
    """np.prod wrapped at 2^64 (count 0), so an empty body passed the length check and reshape
    raised a numpy ValueError."""
    from cryptocore.errors import EncodingError

    header = bytes([8, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape)
    if 0 in shape:
        assert _array_decode(header).shape == shape  # a genuinely empty array still decodes
        return
    with pytest.raises(EncodingError):
        _array_decode(header)
    with pytest.raises(EncodingError):
        _array_decode(header + bytes(8))


# ------------------------------------------------------------------------------ verifiers
def _garbage(max_size: int = 200) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=max_size), st.sampled_from(ALL_EDGES))


def _must_raise(what: str, fn: Callable[[], Any]) -> None:
    try:
        result = fn()
    except CryptoError:
        return
    except Exception as exc:
        pytest.fail(f"{what}: {type(exc).__name__} leaked: {exc!r}")
    pytest.fail(f"{what}: garbage was accepted (returned {result!r})")


@_FAST
@given(pk=_garbage(), sig=_garbage())
def test_verifiers_reject_garbage_with_a_crypto_error(pk: bytes, sig: bytes) -> None:
    """Every bytes-taking verifier raises a CryptoError on garbage; none returns False."""
    from cryptocore.secp256k1.bip340 import schnorr_verify
    from mdkm import frost, frost_taproot
    from mdkm.bls import scheme
    from mdkm.bls import threshold as bls_threshold
    from mdkm.ecdsa.protocol import verify_ecdsa
    from ringsig.clsag import link
    from ringsig.clsag import verify as ring_verify

    msg = b"adversarial"
    real_pk = _frost_material()["pub"].group_public_key
    _must_raise("bip340", lambda: schnorr_verify(msg, pk, sig))
    _must_raise("bip340/real key", lambda: schnorr_verify(msg, real_pk.xonly(), sig))
    _must_raise("bls", lambda: scheme.verify(pk, msg, sig))
    _must_raise("bls pop", lambda: scheme.pop_verify(pk, sig))
    _must_raise("bls threshold", lambda: bls_threshold.verify(pk, msg, sig))
    _must_raise("frost", lambda: frost.verify(real_pk, msg, sig))
    _must_raise("frost/pk bytes", lambda: frost.verify(pk, msg, sig))
    _must_raise("frost_taproot", lambda: frost_taproot.verify(real_pk, msg, sig))
    _must_raise("ecdsa", lambda: verify_ecdsa(pk, bytes(32), sig))
    _must_raise("ecdsa/real key", lambda: verify_ecdsa(real_pk.to_bytes(), bytes(32), sig))
    _must_raise("clsag", lambda: ring_verify(msg, _ring_material()["ring"], sig))
    ring_sig = _ring_material()["sigs"][0]
    _must_raise(
        "clsag/garbage member", lambda: ring_verify(msg, [pk, *_ring_material()["ring"]], ring_sig)
    )
    _must_raise("clsag link", lambda: link(sig, ring_sig))
    bls_sig = _bls_share_seeds()[0][33:]
    bls_pk = _bls_keys()[0].group_public_key.to_bytes()
    try:
        _g2_decode_id(sig)  # a valid point (the identity included, as draft-05 allows) aggregates
    except CryptoError:
        _must_raise("bls aggregate", lambda: scheme.aggregate([bls_sig, sig]))
    _must_raise(
        "bls aggregate_verify", lambda: scheme.aggregate_verify([pk, bls_pk], [msg, b"x"], sig)
    )
    _must_raise(
        "bls fast_aggregate_verify",
        lambda: scheme.fast_aggregate_verify([bls_pk, pk], msg, bls_sig),
    )
    _must_raise("bls batch_verify", lambda: scheme.batch_verify([pk], [msg], [sig]))


# ------------------------------------------------------------------------------ sessions
_SENDERS = (0, 1, 2, 3, 99, -1, N, True, None, "1", 1.0)


@functools.cache
def _frost_session_messages() -> dict[str, bytes]:
    from mdkm.frost.session import CoordinatorSession, ParticipantSession

    pub, kps = _secp_keys()
    coord = CoordinatorSession(pub, b"session fuzz", [1, 2], _SID)
    parts = {i: ParticipantSession(kps[i - 1], _SID, rng=_rng(f"p{i}")) for i in (1, 2)}
    out: dict[str, bytes] = {}
    for to, m in coord.outbox():
        out["request"] = m
        parts[to].receive(0, m, 0.0)
    for i, p in parts.items():
        ((_, m),) = p.outbox()
        out[f"commitments{i}"] = m
        coord.receive(i, m, 0.0)
    for to, m in coord.outbox():
        out["package"] = m
        parts[to].receive(0, m, 0.0)
    for i, p in parts.items():
        ((_, m),) = p.outbox()
        out[f"share{i}"] = m
        coord.receive(i, m, 0.0)
    assert coord.signature is not None
    return out


@st.composite
def _message_from(draw: st.DrawFn, valid: Sequence[bytes]) -> bytes:
    seed = draw(st.sampled_from(list(valid)))
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return seed  # valid (possibly replayed)
    if choice == 1:
        return draw(st.binary(max_size=300))
    n = len(seed)
    i = draw(st.integers(0, max(n - 1, 0)))
    if choice == 2 and n:
        return seed[:i] + bytes([seed[i] ^ 1 << draw(st.integers(0, 7))]) + seed[i + 1 :]
    edge = draw(st.sampled_from(ALL_EDGES))
    return seed[:i] + edge + seed[i + len(edge) :]


def _feed(session: Any, steps: Sequence[tuple[Any, bytes]]) -> None:
    failed_before = False
    for sender, data in steps:
        try:
            session.receive(sender, data, 1.0)
        except CryptoError:
            pass
        except Exception as exc:
            pytest.fail(f"{type(session).__name__}.receive({sender!r}, {data!r:.80}): {exc!r}")
        state = getattr(session, "state", None)
        failed_now = getattr(state, "name", "") == "FAILED"
        assert not (failed_before and not failed_now), "a FAILED session came back to life"
        failed_before = failed_now


@_FAST
@given(data=st.data())
def test_frost_coordinator_survives_adversarial_messages(data: st.DataObject) -> None:
    from mdkm.frost.session import CoordinatorSession

    msgs = _frost_session_messages()
    coord = CoordinatorSession(_secp_keys()[0], b"session fuzz", [1, 2], _SID)
    coord.outbox()
    valid = [msgs[k] for k in ("commitments1", "commitments2", "share1", "share2")]
    steps = data.draw(
        st.lists(st.tuples(st.sampled_from(_SENDERS), _message_from(valid)), max_size=8)
    )
    _feed(coord, steps)


@_FAST
@given(data=st.data())
def test_frost_participant_survives_adversarial_messages(data: st.DataObject) -> None:
    from mdkm.frost.session import ParticipantSession

    msgs = _frost_session_messages()
    part = ParticipantSession(_secp_keys()[1][0], _SID, rng=_rng("p1"))
    valid = [msgs["request"], msgs["package"]]
    steps = data.draw(
        st.lists(st.tuples(st.sampled_from(_SENDERS), _message_from(valid)), max_size=6)
    )
    _feed(part, steps)


def test_frost_replayed_message_is_refused() -> None:
    from cryptocore.errors import ReplayError
    from mdkm.frost.session import CoordinatorSession

    msgs = _frost_session_messages()
    coord = CoordinatorSession(_secp_keys()[0], b"session fuzz", [1, 2], _SID)
    coord.receive(1, msgs["commitments1"], 0.0)
    with pytest.raises(ReplayError):
        coord.receive(1, msgs["commitments1"], 0.0)


@functools.cache
def _dkg_setup_messages() -> tuple[Any, dict[int, Any], list[tuple[int, bytes]]]:
    from mdkm.dkg import DkgParameters, IdentityKey

    rng = _rng("dkg-session")
    keys = {i: IdentityKey.generate(rng) for i in (1, 2, 3)}
    params = DkgParameters(
        group="secp256k1",
        threshold=2,
        participants={i: k.public_key for i, k in keys.items()},
        context=b"adversarial",
    )
    from mdkm.dkg import DkgSession

    msgs = []
    for i in (2, 3):
        s = DkgSession(params, i, keys[i], rng=_rng(f"dkg{i}"))
        s.start(0.0)
        msgs += [(i, m) for _, m in s.outbox()]
    return params, keys, msgs


@_FAST
@given(data=st.data())
def test_dkg_session_survives_adversarial_messages(data: st.DataObject) -> None:
    from mdkm.dkg import DkgSession

    params, keys, msgs = _dkg_setup_messages()
    s = DkgSession(params, 1, keys[1], rng=_rng("dkg1"))
    s.start(0.0)
    valid = [m for _, m in msgs]
    steps = data.draw(
        st.lists(st.tuples(st.sampled_from(_SENDERS), _message_from(valid)), max_size=6)
    )
    _feed(s, steps)


@_FAST
@given(data=st.data())
def test_bft_replica_drops_adversarial_messages(data: st.DataObject) -> None:
    """A replica never raises on receive: bad messages become MessageDropped events."""
    from bft.replica import Replica
    from bft.store import MemoryStore
    from bft.testing.simnet import double_epochs
    from bft.types import Committee

    committee = Committee(epoch=0, weights={i: 1 for i in range(4)})
    r = Replica(1, double_epochs(1, [committee]), MemoryStore(), now=0.0)
    r.outbox()
    valid = _bft_material()["msgs"]
    steps = data.draw(
        st.lists(st.tuples(st.sampled_from(_SENDERS), _message_from(valid)), max_size=8)
    )
    for sender, msg in steps:
        try:
            r.receive(sender, msg, 1.0)
        except Exception as exc:
            pytest.fail(f"Replica.receive({sender!r}, {msg!r:.80}) raised {exc!r}")


# ------------------------------------------------------------------------------ keystores
_KS_SECRET = 0x1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF1


@functools.cache
def _keystores() -> tuple[dict[str, Any], ...]:
    from mdkm import keystore

    return (
        keystore.encrypt(_KS_SECRET, "pässword", "pbkdf2", kdf_params={"c": 2}, rng=_rng("ks1")),
        keystore.encrypt(_KS_SECRET, "pässword", "scrypt", kdf_params={"n": 4}, rng=_rng("ks2")),
    )


#: JSON values that stay cheap for the KDF whatever field they land in (no large costs)
_JSON_ODD = (
    None,
    0,
    -1,
    1,
    2,
    3,
    2**64,
    1.5,
    float("nan"),
    True,
    "",
    "00",
    "zz",
    [],
    {},
    [1],
    {"a": 1},
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    return out


def _mutate_json(obj: Any, path: tuple[Any, ...], op: str, value: Any) -> Any:
    if not path:
        return value if op == "set" else obj
    obj = dict(obj)
    head, rest = path[0], path[1:]
    if not rest and op == "delete":
        del obj[head]
    elif not rest and op == "add":
        obj[head] = obj[head]
        obj["unexpected"] = value
    else:
        obj[head] = _mutate_json(obj[head], rest, op, value)
    return obj


@_FAST
@given(data=st.data())
def test_keystore_decrypt_malformed_dicts(data: st.DataObject) -> None:
    """decrypt on a keystore with one field deleted, retyped or added: the secret or a
    CryptoError, never KeyError/TypeError/AttributeError from inside."""
    from mdkm import keystore

    ks = data.draw(st.sampled_from(_keystores()))
    path = data.draw(st.sampled_from(_paths(ks)))
    op = data.draw(st.sampled_from(("set", "delete", "add")))
    value = data.draw(st.sampled_from(_JSON_ODD))
    bad = _mutate_json(ks, path, op, value)
    try:
        secret = keystore.decrypt(bad, "pässword")
    except CryptoError:
        return
    except Exception as exc:
        pytest.fail(f"decrypt with {op} {path!r} = {value!r}: {type(exc).__name__}: {exc}")
    assert secret == _KS_SECRET


@_FAST
@given(data=st.data())
def test_keystore_decrypt_tampered_hex(data: st.DataObject) -> None:
    """One flipped hex digit anywhere in the crypto section: EncodingError or DecryptionError."""
    from cryptocore.errors import DecryptionError, EncodingError
    from mdkm import keystore

    ks = data.draw(st.sampled_from(_keystores()))
    field_path = data.draw(
        st.sampled_from(
            (
                ("crypto", "checksum", "message"),
                ("crypto", "cipher", "message"),
                ("crypto", "kdf", "params", "salt"),
            )
        )
    )
    node: Any = ks
    for k in field_path:
        node = node[k]
    i = data.draw(st.integers(0, len(node) - 1))
    repl = data.draw(st.sampled_from("0123456789abcdefABCDEF g"))
    new = node[:i] + repl + node[i + 1 :]
    bad = _mutate_json(ks, field_path, "set", new)
    if new.lower() == node.lower():  # EIP-2335 hex is case-insensitive
        assert keystore.decrypt(bad, "pässword") == _KS_SECRET
        return
    with pytest.raises((DecryptionError, EncodingError)):
        keystore.decrypt(bad, "pässword")


def test_keystore_refuses_scrypt_costs_far_beyond_eip_2335(monkeypatch: Any) -> None:
    """128·r·n bytes of scrypt memory must stay bounded (EIP-2335's own params use 256 MiB);
    the KDF is replaced by a tripwire so this test never runs the hostile parameters."""
    from mdkm import keystore

    def tripwire(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("the KDF ran with hostile parameters")

    ks = _keystores()[1]
    params = {**ks["crypto"]["kdf"]["params"], "n": 1 << 20, "r": 64, "p": 64}
    bad = _mutate_json(ks, ("crypto", "kdf", "params"), "set", params)
    monkeypatch.setattr(keystore, "_kdf", tripwire)
    with pytest.raises(CryptoError):
        keystore.decrypt(bad, "pässword")


def test_keystore_tampered_iv_is_detected_when_the_pubkey_is_named() -> None:
    """EIP-2335's checksum does not cover the IV; a keystore that names its public key (as
    EIP-2335 keystores do) lets decrypt check the result, so a changed IV is caught."""
    from mdkm import keystore
    from mdkm.bls.scheme import sk_to_pk

    for pubkey in (sk_to_pk(_KS_SECRET), (G * _KS_SECRET).to_bytes()):
        ks = keystore.encrypt(
            _KS_SECRET, "pässword", "pbkdf2", kdf_params={"c": 2}, pubkey=pubkey, rng=_rng("ks-iv")
        )
        assert keystore.decrypt(ks, "pässword") == _KS_SECRET
        iv = ks["crypto"]["cipher"]["params"]["iv"]
        bad_iv = ("1" if iv[0] == "0" else "0") + iv[1:]
        bad = _mutate_json(ks, ("crypto", "cipher", "params", "iv"), "set", bad_iv)
        with pytest.raises(DecryptionError):
            keystore.decrypt(bad, "pässword")


def test_keystore_without_pubkey_cannot_detect_a_changed_iv() -> None:
    """Documented limit of the EIP-2335 format (docs/keystore.md): with no public key in the
    keystore, a changed IV yields another secret and no error."""
    from mdkm import keystore

    ks = _keystores()[0]
    assert ks["pubkey"] == ""
    iv = ks["crypto"]["cipher"]["params"]["iv"]
    bad_iv = ("1" if iv[0] == "0" else "0") + iv[1:]
    bad = _mutate_json(ks, ("crypto", "cipher", "params", "iv"), "set", bad_iv)
    assert keystore.decrypt(bad, "pässword") != _KS_SECRET


# ------------------------------------------------------------------------------ participant ids
_BAD_ID_CALLS: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("lagrange with id n+1", lambda: _vss().lagrange_coefficient(2, [2, N + 1], N)),
    ("lagrange with id -1", lambda: _vss().lagrange_coefficient(1, [1, -1], N)),
    ("lagrange with a bool id", lambda: _vss().lagrange_coefficient(1, [1, True], N)),
    ("reconstruct with a str id", lambda: _vss().reconstruct({"1": 5, 2: 6}, N)),
    ("feldman_verify at id 0", lambda: _vss().feldman_verify(0, 5, (G * 5,), _secp_group())),
    (
        "feldman_verify at id n+1",
        lambda: _vss().feldman_verify(N + 1, 5, (G * 5,), _secp_group()),
    ),
    ("feldman_expected at id n", lambda: _vss().feldman_expected((G * 5, G), N, _secp_group())),
    ("split with n = True", lambda: _vss().split(5, True, 1, N)),
    ("split with n = '3'", lambda: _vss().split(5, "3", 2, N)),
    ("dealer with n = '3'", lambda: _dealer().trusted_dealer_keygen("3", 2)),
    ("weighted_threshold 1/0", lambda: _refresh().weighted_threshold(3, 1, 0)),
    ("weighted_threshold 3/2", lambda: _refresh().weighted_threshold(3, 3, 2)),
    ("weighted_threshold -1/3", lambda: _refresh().weighted_threshold(3, -1, 3)),
)


@pytest.mark.parametrize(("what", "call"), _BAD_ID_CALLS, ids=[w for w, _ in _BAD_ID_CALLS])
def test_zero_duplicate_or_malformed_participant_ids_raise(what: str, call: Any) -> None:
    """Identifier 0 is where the secret lives (f(0)): no Feldman share check may accept it, and no
    interpolation identifiers that only collide modulo the order (0 itself stays a legitimate
    interpolation abscissa); counts and fractions of the wrong type or range are
    ParameterErrors, not TypeError/ZeroDivisionError."""
    from cryptocore.errors import ParameterError

    try:
        result = call()
    except ParameterError:
        return
    except Exception as exc:
        pytest.fail(f"{what}: {type(exc).__name__} leaked: {exc}")
    pytest.fail(f"{what}: accepted ({result!r:.80})")


def _vss() -> Any:
    from mdkm import vss

    return vss


def _dealer() -> Any:
    from mdkm import dealer

    return dealer


def _refresh() -> Any:
    from mdkm import refresh

    return refresh


def _secp_group() -> Any:
    from cryptocore.group import get_group

    return get_group("secp256k1")


# ------------------------------------------------------------------------------ scanners
@_FAST
@given(data=st.data())
def test_one_time_scan_reports_malformed_records(data: st.DataObject) -> None:
    """A batch of 72-byte records with corrupted ones: a ScanResult naming them, no crash."""
    from locked_accounts.one_time import AccountKeys, send
    from locked_accounts.scan import scan

    rng = _rng("scan")
    keys = AccountKeys.generate(rng)
    anns = [send(keys.meta_address(), index=i, rng=rng) for i in range(3)]
    records = [a.to_bytes() for a in anns]
    k = data.draw(st.integers(0, 2))
    records[k] = data.draw(_message_from([records[k]]).filter(lambda b: len(b) == 72))
    result = scan(b"".join(records), keys.view_key, keys.spend_key.public_key())
    assert result.scanned == 3
    found = {f.position for f in result.found}
    assert found | set(result.malformed) >= {i for i in range(3) if i != k}
    if records[k] == anns[k].to_bytes():
        assert k in found


@_FAST
@given(
    eph=st.one_of(_garbage(80), st.none(), st.integers(), st.text(max_size=40)),
    address=st.one_of(st.text(max_size=50), st.none(), st.binary(max_size=30)),
    tag=st.one_of(st.integers(-1, 300), st.none(), st.text(max_size=3)),
)
def test_erc5564_scan_reports_malformed_announcements(eph: Any, address: Any, tag: Any) -> None:
    from locked_accounts.erc5564 import (
        StealthAnnouncement,
        generate_stealth_address,
        scan_announcements,
        stealth_meta_address,
    )

    good = generate_stealth_address(stealth_meta_address(5, 6), ephemeral_private_key=7)
    anns = [
        StealthAnnouncement(stealth_address=address, ephemeral_public_key=eph, view_tag=tag),
        StealthAnnouncement(
            stealth_address=good[0], ephemeral_public_key=good[1], view_tag=good[2]
        ),
    ]
    try:
        result = scan_announcements(anns, 6, Point.base_mul(5).to_bytes())
    except CryptoError:
        return
    assert 1 in result.found


@_FAST
@given(
    script_sig=_garbage(60),
    witness=st.lists(_garbage(80), max_size=4),
    prevout=_garbage(40),
    outputs=st.lists(_garbage(40), max_size=3),
)
def test_bip352_receive_on_garbage_transactions(
    script_sig: bytes, witness: list[bytes], prevout: bytes, outputs: list[bytes]
) -> None:
    """Garbage inputs/outputs: no output found or a CryptoError, never an internal crash."""
    from locked_accounts.bip352 import TxInput, receive

    tx_in = TxInput(
        txid=bytes(32),
        vout=0,
        script_sig=script_sig,
        witness=tuple(witness),
        prevout_script=prevout,
    )
    try:
        found = receive(3, Point.base_mul(4), [tx_in], outputs, labels=(0,))
    except CryptoError:
        return
    assert isinstance(found, list)


@_FAST
@given(blob=_garbage(400), key=_garbage(100))
def test_attestation_verify_garbage(blob: bytes, key: bytes) -> None:
    from attestations.committee import verify

    seed = _attestation_seeds()[0]
    _must_raise("attestation verify", lambda: verify(blob, key))
    _must_raise("attestation verify (real body)", lambda: verify(seed, key))


@_FAST
@given(image=st.one_of(_garbage(70), st.none(), st.integers(), st.text(max_size=10)))
def test_key_image_registry_rejects_garbage(image: Any, tmp_path_factory: Any) -> None:
    from ringsig.registry import KeyImageRegistry

    try:
        _key_image_decode(image)
    except CryptoError:
        pass
    else:
        return  # a valid image by chance
    path = tmp_path_factory.mktemp("reg") / "images.sqlite"
    with KeyImageRegistry(path) as reg:
        _must_raise("registry accept", lambda: reg.accept(image))
        try:
            assert reg.is_spent(image) is False
        except CryptoError:
            pass
        assert len(reg) == 0


# ------------------------------------------------------------------------------ randomness
def _stuck_zero_rng(n: int) -> bytes:
    return bytes(n)


@pytest.mark.parametrize(
    ("what", "call"),
    [
        ("order 1 (no nonzero scalar exists)", lambda: _random_scalar(1)),
        ("order 0", lambda: _random_scalar(0, nonzero=False)),
        ("order -5", lambda: _random_scalar(-5)),
        ("order 2.5", lambda: _random_scalar(2.5)),
        ("rng returning too few bytes", lambda: _random_scalar(N, lambda n: b"\x01")),
        ("rng returning too many bytes", lambda: _random_scalar(N, lambda n: b"\x01" * (n + 1))),
        ("rng returning None", lambda: _random_scalar(N, lambda n: None)),
        ("rng returning str", lambda: _random_scalar(N, lambda n: "x" * n)),
        ("rng stuck at zero", lambda: _random_scalar(N, _stuck_zero_rng)),
        ("deterministic_rng(1.5)", lambda: _det_rng_call(1.5)),
        ("deterministic_rng(None)", lambda: _det_rng_call(None)),
        ("deterministic_rng(b'x')(1.5)", lambda: deterministic_rng(b"x")(1.5)),
    ],
    ids=lambda v: v if isinstance(v, str) else "call",
)
def test_random_scalar_refuses_impossible_orders_and_broken_rngs(what: str, call: Any) -> None:
    """random_scalar(1) looped forever, a stuck or short rng was silently accepted (a weak
    scalar from 1 byte of randomness), and wrong types leaked TypeError/ZeroDivisionError.
    Runs in a thread with a timeout so that a regression cannot hang the suite."""
    import threading

    from cryptocore.errors import ParameterError

    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(("ok", call()))
        except BaseException as exc:
            outcome.append(("raised", exc))

    worker = threading.Thread(target=run, daemon=True)  # a daemon never blocks the exit
    worker.start()
    worker.join(timeout=10)
    if not outcome:
        pytest.fail(f"{what}: did not return within 10 s (an endless loop)")
    kind, value = outcome[0]
    if kind == "ok":
        pytest.fail(f"{what}: accepted ({value!r:.60})")
    if not isinstance(value, ParameterError):
        pytest.fail(f"{what}: {type(value).__name__} leaked: {value}")


def _random_scalar(order: Any, rng: Any = None, *, nonzero: bool = True) -> int:
    from cryptocore.rng import random_scalar

    return random_scalar(order, rng, nonzero=nonzero)


def _det_rng_call(seed: Any) -> bytes:
    return deterministic_rng(seed)(32)


# ------------------------------------------------------------------------------ hashing
def _hashing() -> Any:
    from cryptocore import hashing

    return hashing


_BAD_HASH_CALLS: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("xmd with md5 (b < 2k)", lambda: _hashing().expand_message_xmd(b"m", b"dst", 32, "md5")),
    ("xmd with sha1 (b < 2k)", lambda: _hashing().expand_message_xmd(b"m", b"dst", 32, "sha1")),
    ("xmd with shake_128", lambda: _hashing().expand_message_xmd(b"m", b"dst", 32, "shake_128")),
    ("xmd with a float length", lambda: _hashing().expand_message_xmd(b"m", b"dst", 32.0)),
    ("xmd with a bool length", lambda: _hashing().expand_message_xmd(b"m", b"dst", True)),
    ("hash_to_field modulus 0", lambda: _hashing().hash_to_field(b"m", b"dst", 1, 0)),
    ("hash_to_field modulus -7", lambda: _hashing().hash_to_field(b"m", b"dst", 1, -7)),
    ("hash_to_field count 1.5", lambda: _hashing().hash_to_field(b"m", b"dst", 1.5, N)),
    ("hash_to_scalar order 0", lambda: _hashing().hash_to_scalar(b"m", b"dst", 0)),
    ("hash_to_scalar order None", lambda: _hashing().hash_to_scalar(b"m", b"dst", None)),
    ("tagged_hash of a str message", lambda: _hashing().tagged_hash("tag", "msg")),
    ("tagged_hash with an int tag", lambda: _hashing().tagged_hash(5, b"msg")),
    ("tagged_hash with a None tag", lambda: _hashing().tagged_hash(None, b"msg")),
    ("keccak256 of a str", lambda: _hashing().keccak256("abc")),
    ("keccak256 of an int", lambda: _hashing().keccak256(5)),
    ("keccak256 of None", lambda: _hashing().keccak256(None)),
)


@pytest.mark.parametrize(("what", "call"), _BAD_HASH_CALLS, ids=[w for w, _ in _BAD_HASH_CALLS])
def test_hashing_rejects_bad_parameters(what: str, call: Callable[[], Any]) -> None:
    """RFC 9380 section 5.3.1 needs b >= 2k (32 bytes for k = 128) and a fixed-length hash;
    ints must not be read as ``bytes(n)`` zero strings; wrong types raise ParameterError."""
    from cryptocore.errors import ParameterError

    try:
        result = call()
    except ParameterError:
        return
    except Exception as exc:
        pytest.fail(f"{what}: {type(exc).__name__} leaked: {exc}")
    pytest.fail(f"{what}: accepted ({result!r:.60})")


def test_hashing_still_accepts_rfc_9380_hashes() -> None:
    h = _hashing()
    for name in ("sha256", "sha384", "sha512", "sha3_256", "sha3_512"):
        assert len(h.expand_message_xmd(b"m", b"dst", 96, name)) == 96
    assert h.tagged_hash("BIP0340/challenge", bytearray(b"x")) == h.tagged_hash(
        b"BIP0340/challenge", b"x"
    )
    assert len(h.keccak256(memoryview(b"abc"))) == 32


# ------------------------------------------------------------------------------ group elements
def _g1() -> Any:
    from cryptocore.bls12_381 import G1Point

    return G1Point


_BAD_POINT_CALLS: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("Point.base_mul(1.5)", lambda: Point.base_mul(1.5)),  # type: ignore[arg-type]
    ("Point.base_mul('5')", lambda: Point.base_mul("5")),  # type: ignore[arg-type]
    ("Point.base_mul(None)", lambda: Point.base_mul(None)),  # type: ignore[arg-type]
    ("G.mul_secret(1.5)", lambda: G.mul_secret(1.5)),  # type: ignore[arg-type]
    ("(5G).mul_secret('5')", lambda: (G * 5).mul_secret("5")),  # type: ignore[arg-type]
    ("Point.from_affine('1', 2)", lambda: Point.from_affine("1", 2)),  # type: ignore[arg-type]
    ("Point.from_affine(1.5, 2.0)", lambda: Point.from_affine(1.5, 2.0)),  # type: ignore[arg-type]
    ("Point.sum with a G1 point", lambda: Point.sum([G, _g1().generator()])),
    ("Point.sum with None", lambda: Point.sum([G, None])),  # type: ignore[list-item]
    ("G1Point.from_affine(5)", lambda: _g1().from_affine(5)),
    ("G1Point.from_affine(('1', 2))", lambda: _g1().from_affine(("1", 2))),
)


@pytest.mark.parametrize(("what", "call"), _BAD_POINT_CALLS, ids=[w for w, _ in _BAD_POINT_CALLS])
def test_group_operations_reject_wrong_types(what: str, call: Callable[[], Any]) -> None:
    """Scalars must be ints and points of the right group: a ParameterError/EncodingError,
    never AttributeError ('float' has no to_bytes) or TypeError from inside."""
    try:
        result = call()
    except CryptoError:
        return
    except Exception as exc:
        pytest.fail(f"{what}: {type(exc).__name__} leaked: {exc}")
    pytest.fail(f"{what}: accepted ({result!r:.60})")


# ------------------------------------------------------------------------------ key packages
def _pkp(**kw: Any) -> Any:
    from mdkm.keys import PublicKeyPackage

    args: dict[str, Any] = {
        "group": "secp256k1",
        "min_signers": 1,
        "group_public_key": G,
        "verifying_shares": {1: G * 3, 2: G * 4},
    }
    return PublicKeyPackage(**{**args, **kw})


def _kp(**kw: Any) -> Any:
    from mdkm.keys import KeyPackage

    args: dict[str, Any] = {
        "group": "secp256k1",
        "identifier": 1,
        "signing_share": 5,
        "verifying_share": G * 5,
        "group_public_key": G,
        "min_signers": 1,
    }
    return KeyPackage(**{**args, **kw})


_BAD_PACKAGES: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("pkp: identity verifying share", lambda: _pkp(verifying_shares={1: Point.identity()})),
    ("pkp: G1 verifying share", lambda: _pkp(verifying_shares={1: _g1().generator()})),
    ("pkp: G1 group key", lambda: _pkp(group_public_key=_g1().generator())),
    ("pkp: group key as bytes", lambda: _pkp(group_public_key=G.to_bytes())),
    ("pkp: verifying shares as a list", lambda: _pkp(verifying_shares=[(1, G)])),
    ("pkp: min_signers True", lambda: _pkp(min_signers=True)),
    ("pkp: min_signers 2^32", lambda: _pkp(min_signers=2**32, verifying_shares={})),
    ("kp: identity verifying share", lambda: _kp(verifying_share=Point.identity())),
    ("kp: G1 group key", lambda: _kp(group_public_key=_g1().generator())),
    ("kp: float signing share", lambda: _kp(signing_share=5.0)),
    ("kp: bool signing share", lambda: _kp(signing_share=True, verifying_share=G)),
    ("kp: min_signers 2^32", lambda: _kp(min_signers=2**32)),
    ("kp: verifying share as bytes", lambda: _kp(verifying_share=(G * 5).to_bytes())),
)


@pytest.mark.parametrize(("what", "call"), _BAD_PACKAGES, ids=[w for w, _ in _BAD_PACKAGES])
def test_key_packages_validate_on_construction(what: str, call: Callable[[], Any]) -> None:
    """Value types are validated in __post_init__: an identity or wrong-group element, a
    non-integer share or a threshold that does not fit its 4-byte encoding is a ParameterError
    at construction, not an AttributeError/OverflowError later in to_bytes."""
    from cryptocore.errors import ParameterError

    try:
        value = call()
    except ParameterError:
        return
    except Exception as exc:
        pytest.fail(f"{what}: {type(exc).__name__} leaked: {exc}")
    pytest.fail(f"{what}: accepted ({value!r:.80})")


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("reexecution", struct.pack(">dd", -0.0, 1e-3)),
        ("reexecution", struct.pack(">dd", 1e-6, -0.0)),
        ("loss_bound", struct.pack(">dB", -0.0, 0)),
    ],
)
def test_property_check_negative_zero_is_not_a_second_encoding(name: str, params: bytes) -> None:
    """-0.0 == 0.0, so a tolerance of -0.0 would be a second encoding (a second signing message)
    of an equal check; only +0.0 decodes."""
    from attestations.properties import check_from_params
    from cryptocore.errors import EncodingError

    positive = params.replace(struct.pack(">d", -0.0), struct.pack(">d", 0.0))
    assert check_from_params(name, positive).params() == positive
    with pytest.raises(EncodingError):
        check_from_params(name, params)


# ------------------------------------------------------------------------------ refresh dealings
@functools.cache
def _refresh_setup() -> tuple[Any, list[Any], dict[int, Any], dict[int, dict[int, int]]]:
    from mdkm import refresh

    pub, kps = _secp_keys()
    deals: dict[int, Any] = {}
    shares: dict[int, dict[int, int]] = {k.identifier: {} for k in kps}
    for k in kps:
        d, sh = refresh.refresh_deal(k, [1, 2, 3], _rng(f"refresh{k.identifier}"))
        deals[k.identifier] = d
        for j, s in sh.items():
            shares[j][k.identifier] = s
    return pub, kps, deals, shares


@pytest.mark.parametrize(
    "bad",
    [(b"junk",), (None,), (5,), ("G",)],
    ids=["bytes", "None", "int", "str"],
)
def test_refresh_apply_blames_malformed_commitments(bad: tuple[Any, ...]) -> None:
    """A dealing whose commitment holds non-points names its dealer (MisbehaviourError) instead
    of leaking AttributeError from ``c.is_identity``."""
    from cryptocore.errors import MisbehaviourError
    from mdkm import refresh

    pub, kps, deals, shares = _refresh_setup()
    forged = {**deals, 2: refresh.RefreshDealing(dealer=2, commitment=bad)}
    with pytest.raises(MisbehaviourError) as info:
        refresh.refresh_apply(kps[0], pub, forged, shares[1])
    assert info.value.culprits == (2,)


@pytest.mark.parametrize("bad", ["5", 1.5, True, b"\x05", -1, N], ids=repr)
def test_refresh_and_reshare_blame_malformed_shares(bad: Any) -> None:
    from cryptocore.errors import MisbehaviourError
    from mdkm import refresh

    pub, kps, deals, shares = _refresh_setup()
    with pytest.raises(MisbehaviourError) as info:
        refresh.refresh_apply(kps[0], pub, deals, {**shares[1], 2: bad})
    assert info.value.culprits == (2,)
    rd: dict[int, Any] = {}
    rs: dict[int, int] = {}
    for k in kps[:2]:
        d, sh = refresh.reshare_deal(k, [4, 5, 6], 2, _rng(f"reshare{k.identifier}"))
        rd[k.identifier] = d
        rs[k.identifier] = sh[4]
    assert refresh.reshare_receive(4, pub, [4, 5, 6], 2, rd, rs)[0].identifier == 4
    with pytest.raises(MisbehaviourError) as info:
        refresh.reshare_receive(4, pub, [4, 5, 6], 2, rd, {**rs, 2: bad})
    assert info.value.culprits == (2,)


@functools.cache
def _ecdsa_session_setup() -> tuple[Any, dict[int, Any], list[bytes]]:
    from mdkm.dkg.channel import IdentityKey
    from mdkm.ecdsa.session import EcdsaPresignSession

    _pub, kps = _secp_keys()
    keys = {i: IdentityKey.generate(_rng(f"ecdsa-id{i}")) for i in (1, 2, 3)}
    ids = {i: k.public_key for i, k in keys.items()}
    msgs: list[bytes] = []
    for i in (2, 3):
        s = EcdsaPresignSession(kps[i - 1], [1, 2, 3], _SID, keys[i], ids, rng=_rng(f"es{i}"))
        msgs += [m for _, m in s.outbox()]
    return kps, keys, [*msgs, *_ecdsa_message_material()["messages"]]


@_FAST
@given(data=st.data())
def test_ecdsa_presign_session_survives_adversarial_messages(data: st.DataObject) -> None:
    from mdkm.ecdsa.session import EcdsaPresignSession

    kps, keys, valid = _ecdsa_session_setup()
    ids = {i: k.public_key for i, k in keys.items()}
    s = EcdsaPresignSession(kps[0], [1, 2, 3], _SID, keys[1], ids, rng=_rng("es1"))
    s.outbox()
    steps = data.draw(
        st.lists(st.tuples(st.sampled_from(_SENDERS), _message_from(valid)), max_size=6)
    )
    _feed(s, steps)


@pytest.mark.parametrize("content", [b"\xff\xfe{}", b"", b"[" * 100, b"{}", b"\x00" * 10], ids=repr)
def test_account_record_load_of_a_bad_file_is_an_encoding_error(
    content: bytes, tmp_path: Any
) -> None:
    """A record file that is not UTF-8 leaked UnicodeDecodeError from ``.decode()``."""
    from cryptocore.errors import EncodingError
    from locked_accounts.locked import AccountRecord

    p = tmp_path / "record.json"
    p.write_bytes(content)
    with pytest.raises(EncodingError):
        AccountRecord.load(p)
    good = _record_seeds()[0]
    p.write_text(good)
    assert AccountRecord.load(p) == _record_decode(good)


def _open_ringsig_registry(p: Any) -> Any:
    from ringsig.registry import KeyImageRegistry

    return len(KeyImageRegistry(p))


def _open_nonce_registry(p: Any) -> Any:
    from attestations.registry import NonceRegistry

    return NonceRegistry(p)


def _open_bft_store(p: Any) -> Any:
    from bft.store import SqliteStore

    return SqliteStore(p)


@pytest.mark.parametrize(
    "opener",
    [_open_ringsig_registry, _open_nonce_registry, _open_bft_store],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize(
    "content", [b"this is not a database" * 50, b"SQLite format 3\x00" + b"\xff" * 200]
)
def test_stores_refuse_corrupted_files_with_storage_error(
    opener: Callable[[Any], Any], content: bytes, tmp_path: Any
) -> None:
    """A corrupted database file (or a directory) is a StorageError, not sqlite3.DatabaseError."""
    from cryptocore.errors import StorageError

    p = tmp_path / "store.db"
    p.write_bytes(content)
    with pytest.raises(StorageError):
        opener(p)
    with pytest.raises(StorageError):
        opener(tmp_path)


def test_atomic_write_failures_are_storage_errors(tmp_path: Any) -> None:
    """mkstemp in a missing directory leaked FileNotFoundError; non-bytes data leaked
    TypeError from memoryview."""
    from cryptocore.errors import ParameterError, StorageError
    from cryptocore.storage import atomic_write, read_file

    with pytest.raises(StorageError):
        atomic_write(tmp_path / "missing" / "file", b"x")
    with pytest.raises(StorageError):
        atomic_write(tmp_path, b"x")
    with pytest.raises(ParameterError):
        atomic_write(tmp_path / "f", "text")  # type: ignore[arg-type]
    atomic_write(tmp_path / "f", bytearray(b"ok"))
    assert read_file(tmp_path / "f") == b"ok"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_expand_message_xmd_refuses_an_empty_dst() -> None:
    """RFC 9380 section 3.1: tags MUST have nonzero length (the BLS hash-to-curve already
    refused it; the shared expand_message_xmd did not)."""
    from cryptocore.errors import ParameterError

    with pytest.raises(ParameterError):
        _hashing().expand_message_xmd(b"m", b"", 32)
    with pytest.raises(ParameterError):
        _hashing().hash_to_scalar(b"m", b"", N)


@_FAST
@given(data=st.data())
def test_prepared_scan_reports_malformed_records(data: st.DataObject) -> None:
    """A PreparedBatch is served by an untrusted indexer: corrupted records (bad uncompressed
    R, hybrid prefixes, garbage P) are reported as malformed, never raised or crashed on."""
    from locked_accounts.one_time import AccountKeys, send
    from locked_accounts.scan import PreparedBatch, prepare, scan

    rng = _rng("prepared-scan")
    keys = AccountKeys.generate(rng)
    anns = [send(keys.meta_address(), index=i, rng=rng) for i in range(3)]
    prepared = prepare(anns).data
    size = len(prepared) // 3
    records = [prepared[i * size : (i + 1) * size] for i in range(3)]
    k = data.draw(st.integers(0, 2))
    records[k] = data.draw(_message_from([records[k]]).filter(lambda b: len(b) == size))
    result = scan(PreparedBatch(data=b"".join(records)), keys.view_key, keys.spend_key.public_key())
    assert result.scanned == 3
    found = {f.position for f in result.found}
    assert found | set(result.malformed) >= {i for i in range(3) if i != k}
    for f in result.found:  # whatever is reported found is a real, well-formed output of ours
        assert f.announcement.to_bytes() in [a.to_bytes() for a in anns]


def test_dkg_rejected_messages_do_not_accumulate_in_memory() -> None:
    """Rejected messages (another session id) must not be memoised: a participant could grow
    the decode memo without bound (found by this review; fixed in 9dd8e58)."""
    from mdkm.dkg import DkgSession
    from mdkm.dkg.gjkr import PublicCache
    from mdkm.dkg.messages import DkgMessage, Kind

    params, keys, _msgs = _dkg_setup_messages()
    cache = PublicCache()
    s = DkgSession(params, 1, keys[1], rng=_rng("dkg-mem"), cache=cache)
    s.start(0.0)
    for k in range(300):
        forged = DkgMessage(
            group="secp256k1",
            kind=Kind.COMPLAINT,
            session_id=(k + 1).to_bytes(32, "big"),  # another session: always rejected
            sender=2,
            accused=(3,),
        ).to_bytes()
        with pytest.raises(CryptoError):
            s.receive(2, forged, 0.1)
    assert len(cache._decoded) < 50  # rejected messages must not be retained
