"""Addresses on target chains for secp256k1 keys.

* Ethereum: the last 20 bytes of Keccak-256 over the 64-byte uncompressed public key (x || y,
  without the 0x04 prefix) -- Ethereum Yellow Paper, Appendix F (eq. 284, ``A(p_r)``) -- written
  with the EIP-55 mixed-case checksum.
* Bitcoin P2TR: witness version 1 with the 32-byte x-only *output* key, Bech32m-encoded
  (BIP341 "Script validation rules", BIP350), HRP ``bc`` (mainnet) or ``tb`` (testnet/signet).
  :func:`p2tr_address` takes the output key as given; :func:`p2tr_address_from_internal_key`
  applies the BIP341 taproot tweak Q = P + hash_TapTweak(P_x || merkle_root)·G first (BIP86
  key-path-only outputs when there is no script tree).
"""

from __future__ import annotations

from typing import Final

from cryptocore.bech32 import decode_segwit_address, encode_segwit_address
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.hashing import keccak256
from cryptocore.secp256k1 import Point
from cryptocore.secp256k1.bip340 import taproot_tweak_pubkey

__all__ = [
    "BITCOIN_HRPS",
    "ethereum_address",
    "ethereum_address_bytes",
    "p2tr_address",
    "p2tr_address_from_internal_key",
    "p2tr_output_key",
    "parse_ethereum_address",
    "to_checksum_address",
]

BITCOIN_HRPS: Final = {"mainnet": "bc", "testnet": "tb", "signet": "tb"}
_HEX: Final = frozenset("0123456789abcdefABCDEF")


def ethereum_address_bytes(point: Point) -> bytes:
    """The 20-byte Ethereum address of a public key (Yellow Paper Appendix F)."""
    if not isinstance(point, Point):
        raise ParameterError("ethereum address: expected a secp256k1 Point")
    if point.is_identity:
        raise ParameterError("ethereum address: the identity has no address")
    return keccak256(point.to_bytes_uncompressed()[1:])[12:]


def to_checksum_address(address: bytes | str) -> str:
    """EIP-55 checksummed ``0x``-hex form of a 20-byte address (bytes or any-case hex)."""
    if isinstance(address, str):
        raw = _parse_hex_address(address)
    else:
        raw = bytes(address)
        if len(raw) != 20:
            raise EncodingError("ethereum address: expected 20 bytes")
    lower = raw.hex()
    digest = keccak256(lower.encode("ascii")).hex()
    # EIP-55: uppercase the i-th hex letter when the i-th nibble of keccak256(lowercase hex) >= 8.
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(lower)
    )


def ethereum_address(point: Point) -> str:
    """The EIP-55 checksummed Ethereum address of a secp256k1 public key."""
    return to_checksum_address(ethereum_address_bytes(point))


def _parse_hex_address(address: str) -> bytes:
    if not isinstance(address, str):
        raise EncodingError("ethereum address: expected a string")
    body = address[2:] if address[:2] in ("0x", "0X") else address
    if len(body) != 40 or not set(body) <= _HEX:
        raise EncodingError("ethereum address: expected 40 hex digits")
    return bytes.fromhex(body)


def parse_ethereum_address(address: str) -> bytes:
    """Parse a ``0x`` address into 20 bytes.

    All-lowercase and all-uppercase forms carry no checksum and are accepted; a mixed-case form
    must match its EIP-55 checksum exactly (EncodingError otherwise).
    """
    raw = _parse_hex_address(address)
    body = address[2:] if address[:2] in ("0x", "0X") else address
    if body not in (body.lower(), body.upper()) and to_checksum_address(raw)[2:] != body:
        raise EncodingError("ethereum address: EIP-55 checksum mismatch")
    return raw


def _hrp(network: str) -> str:
    if network in BITCOIN_HRPS:
        return BITCOIN_HRPS[network]
    if network in ("bc", "tb", "bcrt"):
        return network
    raise ParameterError(f"unknown bitcoin network {network!r}")


def p2tr_address(output_key: bytes | Point, network: str = "mainnet") -> str:
    """Bech32m P2TR address (witness v1) of a 32-byte x-only output key (BIP341, BIP350).

    ``output_key`` is the x-only key (32 bytes) or a Point (its x coordinate is used, BIP340
    ``bytes(P)``). ``network``: "mainnet", "testnet", "signet" or an HRP ("bc", "tb", "bcrt").
    """
    if isinstance(output_key, Point):
        if output_key.is_identity:
            raise ParameterError("p2tr address: the identity has no x-only encoding")
        xonly = output_key.xonly()
    else:
        xonly = bytes(output_key)
        Point.from_xonly(xonly)  # BIP341: the output key must be a valid x coordinate
    return encode_segwit_address(_hrp(network), 1, xonly)


def p2tr_address_from_internal_key(
    internal_key: bytes | Point, merkle_root: bytes | None = None, network: str = "mainnet"
) -> str:
    """P2TR address of an internal key: BIP341 ``taproot_tweak_pubkey`` then :func:`p2tr_address`.

    ``merkle_root`` is the 32-byte script tree root, or None for a key-path-only output (BIP86).
    """
    if isinstance(internal_key, Point):
        if internal_key.is_identity:
            raise ParameterError("p2tr address: the identity has no x-only encoding")
        internal_key = internal_key.xonly()
    _, output_key = taproot_tweak_pubkey(bytes(internal_key), merkle_root)
    return p2tr_address(output_key, network)


def p2tr_output_key(address: str, network: str = "mainnet") -> bytes:
    """The 32-byte x-only output key of a P2TR address; EncodingError for anything else."""
    version, program = decode_segwit_address(_hrp(network), address)
    if version != 1 or len(program) != 32:
        raise EncodingError("p2tr address: not a witness v1 32-byte program")
    Point.from_xonly(program)
    return program
