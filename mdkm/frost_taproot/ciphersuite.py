"""FROST for BIP340/BIP341: ZcashFoundation/frost's ``frost-secp256k1-tr`` ciphersuite.

Differences from RFC 9591 FROST(secp256k1, SHA-256), following the ZF crate's behaviour:

* context string ``FROST-secp256k1-SHA256-TR-v1`` (H1, H3, H4, H5 as in RFC 9591 section 6.5
  with this context string);
* H2 is the BIP340 challenge: ``int(tagged_hash("BIP0340/challenge", x(R) || x(P) || m)) mod n``;
* the group key is made even-Y by negating the key and every share when its Y is odd (Shamir
  sharing is linear, so negating every share negates the key);
* with a tweak, the BIP341 output key ``Q = P + int(hashTapTweak(x(P) || merkle_root))·G`` is
  used: every share gets ``+t`` and every verifying share ``+t·G`` (the Lagrange coefficients sum
  to one), then Q is made even-Y the same way;
* when the group commitment R has odd Y every signer negates its nonces (and the share check
  negates the commitment share), so the signature's R is even, as BIP340 requires;
* signatures are 64 bytes ``x(R) || z`` (BIP340).

Tweak convention (as ZF's ``merkle_root: Option<&[u8]>``): ``tweak=None`` signs under the
untweaked x-only group key; ``tweak=b""`` is the key-path-only tweak with an empty merkle root,
``Q = P + int(hashTapTweak(x(P)))·G`` (BIP341 "no script path", BIP86); a 32-byte merkle root
commits to a script tree.
"""

from __future__ import annotations

from typing import ClassVar, Final

from cryptocore.encoding import decode_scalar, expect_length
from cryptocore.errors import EncodingError, InvalidSignature, ParameterError
from cryptocore.hashing import tagged_hash
from cryptocore.secp256k1 import N, Point
from cryptocore.secp256k1.bip340 import schnorr_verify, taptweak
from mdkm.frost.ciphersuite import Ciphersuite, KeyAdjustment, register_ciphersuite

__all__ = [
    "CONTEXT_STRING_TR",
    "FROST_SECP256K1_TR",
    "TaprootCiphersuite",
    "taproot_tweak",
    "tweaked_public_key",
]

CONTEXT_STRING_TR: Final = b"FROST-secp256k1-SHA256-TR-v1"


def _even(p: Point) -> tuple[Point, int]:
    return (p, 1) if p.has_even_y() else (-p, -1)


def taproot_tweak(internal_key: Point, merkle_root: bytes) -> int:
    """BIP341 taproot_tweak_pubkey's t = int(hashTapTweak(bytes(P) || merkle_root)).

    ``merkle_root`` is empty (key path only) or 32 bytes: this module's tweak convention,
    mapped onto :func:`cryptocore.secp256k1.bip340.taptweak` (where ``None`` is the key path).
    ParameterError when t >= n (BIP341).
    """
    if not isinstance(merkle_root, bytes | bytearray | memoryview):
        raise ParameterError("merkle root must be bytes")
    merkle_root = bytes(merkle_root)
    if len(merkle_root) not in (0, 32):
        raise ParameterError("merkle root must be empty or 32 bytes")
    return taptweak(internal_key.xonly(), merkle_root or None)


class TaprootCiphersuite(Ciphersuite):
    """FROST(secp256k1, SHA-256) with BIP340 signatures and BIP341 tweaks (ZF ...-tr)."""

    context: ClassVar[bytes] = CONTEXT_STRING_TR
    name: ClassVar[str] = "FROST(secp256k1, SHA-256, Taproot)"
    signature_length: ClassVar[int] = 64

    __slots__ = ()

    def H2(self, m: bytes) -> int:
        """BIP340 challenge: int(tagged_hash("BIP0340/challenge", m)) mod n."""
        return int.from_bytes(tagged_hash("BIP0340/challenge", m), "big") % N

    def adjust_key(self, group_public_key: Point, tweak: bytes | None = None) -> KeyAdjustment:
        """Even-Y internal key P, then (with a tweak) the even-Y output key Q = P + t·G."""
        if not isinstance(group_public_key, Point) or group_public_key.is_identity:
            raise ParameterError("group public key must be a non-identity point")
        p, inner = _even(group_public_key)
        if tweak is None:
            return KeyAdjustment(group_public_key=p, inner=inner)
        t = taproot_tweak(p, tweak)
        tp = Point.base_mul(t)
        q = p + tp
        if q.is_identity:
            raise ParameterError("tweaked key is the identity")  # pragma: no cover
        q_even, outer = _even(q)
        return KeyAdjustment(
            group_public_key=q_even, inner=inner, tweak=t, outer=outer, tweak_point=tp
        )

    def nonce_sign(self, group_commitment: Point) -> int:
        """-1 when R has odd Y: the signers negate their nonces (BIP340 needs even R)."""
        return 1 if group_commitment.has_even_y() else -1

    def signature_point(self, group_commitment: Point) -> Point:
        return _even(group_commitment)[0]

    def challenge(self, group_commitment: Point, group_public_key: Point, message: bytes) -> int:
        """BIP340: H2(x(R) || x(P) || m)."""
        return self.H2(group_commitment.xonly() + group_public_key.xonly() + message)

    def encode_signature(self, R: Point, z: int) -> bytes:
        """BIP340: bytes(R) || bytes(z) (64 bytes)."""
        return R.xonly() + z.to_bytes(32, "big")

    def decode_signature(self, data: bytes) -> tuple[Point, int]:
        data = expect_length(data, 64, "signature")
        R = Point.from_xonly(data[:32])  # lift_x: even Y
        z = decode_scalar(data[32:], N, 32, what="signature scalar")
        return R, z

    def verify(self, public_key: Point, message: bytes, R: Point, z: int) -> None:
        """BIP340 Verify for any message length, with P = lift_x(x(public_key)).

        Runs libsecp256k1's ``secp256k1_schnorrsig_verify`` through
        :func:`cryptocore.secp256k1.bip340.schnorr_verify` (the BIP340 reference algorithm:
        e = int(hashBIP0340/challenge(r || x(P) || m)), R' = s·G - e·P, accept iff R' is finite
        with even Y and x(R') = r); :func:`verify_reference` is the same check in Python.
        """
        if public_key.is_identity or R.is_identity or not 0 <= z < N:
            raise InvalidSignature("signature does not verify")
        try:
            schnorr_verify(bytes(message), public_key.xonly(), R.xonly() + z.to_bytes(32, "big"))
        except InvalidSignature:
            raise InvalidSignature("signature does not verify") from None

    def verify_reference(self, public_key: Point, message: bytes, R: Point, z: int) -> None:
        """BIP340 Verify written out in Python over :class:`Point` (parity-tested)."""
        if public_key.is_identity or R.is_identity or not 0 <= z < N:
            raise InvalidSignature("signature does not verify")
        p = _even(public_key)[0]
        r_even = _even(R)[0]
        e = self.challenge(r_even, p, message)
        # R' = s·G - e·P; fail if infinite, odd Y, or x(R') != r
        r2 = Point.base_mul(z) + p * (N - e)
        if r2.is_identity or r2 != r_even:
            raise InvalidSignature("signature does not verify")

    def decode_public_key(self, data: bytes) -> Point:
        """32-byte x-only (BIP340) or 33-byte compressed key."""
        data = bytes(data)
        if len(data) == 32:
            return Point.from_xonly(data)
        if len(data) == 33:
            return Point.from_bytes(data)
        raise EncodingError("public key: expected 32 or 33 bytes")


FROST_SECP256K1_TR: Final = TaprootCiphersuite()
register_ciphersuite(FROST_SECP256K1_TR)


def tweaked_public_key(group_public_key: Point, tweak: bytes | None = None) -> bytes:
    """The 32-byte x-only key a Taproot FROST signature verifies under (see module docstring)."""
    return FROST_SECP256K1_TR.adjust_key(group_public_key, tweak).group_public_key.xonly()
