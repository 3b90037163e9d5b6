"""ERC-5564 stealth addresses, scheme 1 (secp256k1 with view tags).

ERC-5564 ("Stealth Addresses", section "SECP256k1 with View Tags") specifies:

* stealth meta-address ``st:<chain>:0x<spending public key><viewing public key>`` with 33-byte
  compressed keys; a 33-byte meta-address uses the same key for spending and viewing;
* sender: ephemeral key p_eph, P_eph = p_eph·G, shared secret s = p_eph·P_view, hashed secret
  s_h = h(s), view tag = s_h[0], stealth public key P_stealth = P_spend + s_h·G, address = the
  Ethereum address of P_stealth;
* recipient: s = p_view·P_eph, the same s_h; the view tag is checked first; the stealth private key
  is p_stealth = p_spend + s_h mod n.

The ERC leaves the byte encoding of s open. We follow ScopeLift's ``stealth-address-sdk`` (the
reference SDK for the ERC; ``getSharedSecret`` of @noble/secp256k1 v2 with its default compressed
output, then viem's ``keccak256``): **s_h = Keccak-256 of the 33-byte compressed shared point**.
Implementations that hash the 64-byte or 65-byte uncompressed point are not compatible.

The shared point is computed with libsecp256k1's constant-time ECDH (``Point.mul_secret``).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT
from Crypto.Hash import keccak

from cryptocore.encoding import as_bytes
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.hashing import keccak256
from cryptocore.rng import Rng, random_scalar
from cryptocore.secp256k1 import N, Point
from locked_accounts.addresses import ethereum_address, parse_ethereum_address

__all__ = [
    "SCHEME_ID",
    "AnnouncementScan",
    "StealthAnnouncement",
    "StealthMetaAddress",
    "check_stealth_address",
    "compute_stealth_key",
    "generate_stealth_address",
    "hashed_shared_secret",
    "scan_announcements",
    "stealth_meta_address",
]

SCHEME_ID: Final = 1
_URI = re.compile(r"st:([A-Za-z0-9-]{1,32}):0x([0-9a-fA-F]*)")


@dataclass(frozen=True, slots=True, kw_only=True)
class StealthMetaAddress:
    """An ERC-5564 scheme-1 stealth meta-address (spending key first, then viewing key)."""

    spending_public: Point
    viewing_public: Point
    chain: str = "eth"

    def __post_init__(self) -> None:
        for name in ("spending_public", "viewing_public"):
            p = getattr(self, name)
            if not isinstance(p, Point) or p.is_identity:
                raise ParameterError(f"stealth meta-address: {name} must be a non-identity Point")
        if not isinstance(self.chain, str) or not re.fullmatch(r"[A-Za-z0-9-]{1,32}", self.chain):
            raise ParameterError("stealth meta-address: invalid chain short name")

    def to_bytes(self) -> bytes:
        """66 bytes: compressed spending key || compressed viewing key."""
        return self.spending_public.to_bytes() + self.viewing_public.to_bytes()

    def to_uri(self) -> str:
        return f"st:{self.chain}:0x{self.to_bytes().hex()}"

    @classmethod
    def from_bytes(cls, data: bytes, chain: str = "eth") -> StealthMetaAddress:
        """66 bytes (spending || viewing) or 33 bytes (one key for both, ERC-5564)."""
        data = as_bytes(data, "stealth meta-address")
        if len(data) == 66:
            spend, view = Point.from_bytes(data[:33]), Point.from_bytes(data[33:])
        elif len(data) == 33:
            spend = view = Point.from_bytes(data)
        else:
            raise EncodingError("stealth meta-address: expected 33 or 66 bytes of keys")
        return cls(spending_public=spend, viewing_public=view, chain=chain)

    @classmethod
    def from_uri(cls, uri: str) -> StealthMetaAddress:
        """Parse ``st:<chain>:0x<keys>`` (EncodingError on any malformation)."""
        if not isinstance(uri, str):
            raise EncodingError("stealth meta-address: expected a string")
        m = _URI.fullmatch(uri)
        if m is None or len(m.group(2)) % 2:
            raise EncodingError("stealth meta-address: expected st:<chain>:0x<hex keys>")
        return cls.from_bytes(bytes.fromhex(m.group(2)), chain=m.group(1))


def stealth_meta_address(
    spending_private_key: int, viewing_private_key: int, chain: str = "eth"
) -> str:
    """The meta-address URI of a (spending, viewing) key pair."""
    return StealthMetaAddress(
        spending_public=Point.base_mul(_secret(spending_private_key, "spending private key")),
        viewing_public=Point.base_mul(_secret(viewing_private_key, "viewing private key")),
        chain=chain,
    ).to_uri()


def _secret(k: int, what: str) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 0 < k < N:
        raise ParameterError(f"{what} must be an integer in [1, n)")
    return k


def hashed_shared_secret(secret: int, public: Point) -> bytes:
    """s_h = Keccak-256(ser_P(secret·public)) -- ScopeLift's encoding of ERC-5564's h(s)."""
    shared = public.mul_secret(_secret(secret, "private key"))
    return keccak256(shared.to_bytes())


def _scalar_of(s_h: bytes) -> int:
    # @noble/secp256k1's ProjectivePoint.fromPrivateKey(s_h) rejects 0 and values >= n; so do
    # we (probability about 2^-128).
    h = int.from_bytes(s_h, "big")
    if not 0 < h < N:
        raise ParameterError("hashed shared secret is not a valid scalar")  # pragma: no cover
    return h


def _parse_ephemeral(ephemeral_public_key: bytes) -> Point:
    if not isinstance(ephemeral_public_key, bytes | bytearray | memoryview):
        raise EncodingError("ephemeral public key: expected 33 bytes")
    return Point.from_bytes(bytes(ephemeral_public_key))


def generate_stealth_address(
    stealth_meta_address: str,
    ephemeral_private_key: int | None = None,
    *,
    rng: Rng | None = None,
) -> tuple[str, bytes, int]:
    """ERC-5564 ``generateStealthAddress``: (stealth address, ephemeral public key, view tag).

    The address is EIP-55 checksummed, the ephemeral key is 33 bytes compressed, the view tag
    is the first byte of s_h (publish it as the first byte of the announcement's metadata).
    """
    meta = StealthMetaAddress.from_uri(stealth_meta_address)
    if ephemeral_private_key is None:
        ephemeral_private_key = random_scalar(N, rng)
    p_eph = _secret(ephemeral_private_key, "ephemeral private key")
    s_h = hashed_shared_secret(p_eph, meta.viewing_public)
    stealth_public = meta.spending_public + Point.base_mul(_scalar_of(s_h))
    if stealth_public.is_identity:
        raise ParameterError("stealth public key is the identity")  # pragma: no cover
    return ethereum_address(stealth_public), Point.base_mul(p_eph).to_bytes(), s_h[0]


def check_stealth_address(
    stealth_address: str,
    ephemeral_public_key: bytes,
    viewing_private_key: int,
    spending_public_key: bytes,
    *,
    view_tag: int | None = None,
) -> bool:
    """ERC-5564 ``checkStealthAddress``: whether the announcement is ours (no spending secret).

    With ``view_tag`` (the announcement metadata's first byte) a mismatching tag returns False
    before any point addition. Malformed keys or addresses raise EncodingError.
    """
    target = parse_ethereum_address(stealth_address)
    r_pub = _parse_ephemeral(ephemeral_public_key)
    spend = Point.from_bytes(bytes(spending_public_key))
    if view_tag is not None and not (isinstance(view_tag, int) and 0 <= view_tag <= 255):
        raise ParameterError("view tag must be one byte")
    s_h = hashed_shared_secret(viewing_private_key, r_pub)
    if view_tag is not None and s_h[0] != view_tag:
        return False
    candidate = spend + Point.base_mul(_scalar_of(s_h))
    if candidate.is_identity:
        return False
    return hmac.compare_digest(parse_ethereum_address(ethereum_address(candidate)), target)


def compute_stealth_key(
    stealth_address: str,
    ephemeral_public_key: bytes,
    viewing_private_key: int,
    spending_private_key: int,
) -> int:
    """ERC-5564 ``computeStealthKey``: p_stealth = p_spend + s_h mod n.

    Raises ParameterError when the derived key does not control ``stealth_address``.
    """
    target = parse_ethereum_address(stealth_address)
    r_pub = _parse_ephemeral(ephemeral_public_key)
    p_spend = _secret(spending_private_key, "spending private key")
    s_h = hashed_shared_secret(viewing_private_key, r_pub)
    key = (p_spend + _scalar_of(s_h)) % N
    if key == 0 or not hmac.compare_digest(
        parse_ethereum_address(ethereum_address(Point.base_mul(key))), target
    ):
        raise ParameterError("the derived key does not control this stealth address")
    return key


@dataclass(frozen=True, slots=True, kw_only=True)
class StealthAnnouncement:
    """The scheme-1 fields of an ERC-5564 ``Announcement`` event that a recipient needs.

    ``view_tag`` is the first byte of the event's ``metadata``.
    """

    stealth_address: str
    ephemeral_public_key: bytes
    view_tag: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnouncementScan:
    """Result of :func:`scan_announcements`: positions found, tag-only matches, malformed ones."""

    found: tuple[int, ...]
    false_positives: int
    malformed: tuple[int, ...]


@ffi.callback("int(unsigned char *, const unsigned char *, const unsigned char *, void *)")
def _compressed_point(out, x32, y32, data):  # type: ignore[no-untyped-def]  # cffi callback
    # ECDH "hash" that returns ser_P of the shared point (33 bytes: parity byte || x).
    out[0] = 2 | (y32[31] & 1)
    ffi.memmove(out + 1, x32, 32)
    return 1


def scan_announcements(
    announcements: Sequence[StealthAnnouncement],
    viewing_private_key: int,
    spending_public_key: bytes,
) -> AnnouncementScan:
    """Recipient-side scan of many announcements with the viewing key only (ERC-5564 "Parsing").

    Per announcement: one constant-time ECDH (libsecp256k1, returning the compressed shared
    point), one Keccak-256, the view-tag comparison, and on a tag match the stealth public key
    and its address. Malformed ephemeral keys or addresses are reported, never raised.
    """
    v = _secret(viewing_private_key, "viewing private key").to_bytes(32, "big")
    spend = Point.from_bytes(bytes(spending_public_key))
    ctx = GLOBAL_CONTEXT.ctx
    pk = ffi.new("secp256k1_pubkey *")
    out = ffi.new("unsigned char[33]")
    outbuf = ffi.buffer(out, 33)
    found: list[int] = []
    malformed: list[int] = []
    false_positives = 0
    for pos, ann in enumerate(announcements):
        eph = ann.ephemeral_public_key
        if (
            not isinstance(eph, bytes)
            or len(eph) != 33
            or eph[0] not in (2, 3)
            or not lib.secp256k1_ec_pubkey_parse(ctx, pk, eph, 33)
        ):
            malformed.append(pos)
            continue
        lib.secp256k1_ecdh(ctx, out, pk, v, _compressed_point, ffi.NULL)
        s_h = keccak.new(digest_bits=256, data=outbuf[:]).digest()
        if s_h[0] != ann.view_tag:
            continue
        try:
            target = parse_ethereum_address(ann.stealth_address)
        except EncodingError:
            malformed.append(pos)
            continue
        h = int.from_bytes(s_h, "big")
        candidate = spend + Point.base_mul(h) if 0 < h < N else Point.identity()
        if not candidate.is_identity and hmac.compare_digest(
            parse_ethereum_address(ethereum_address(candidate)), target
        ):
            found.append(pos)
        else:
            false_positives += 1
    return AnnouncementScan(
        found=tuple(found), false_positives=false_positives, malformed=tuple(malformed)
    )
