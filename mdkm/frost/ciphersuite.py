"""FROST ciphersuites: RFC 9591 section 6.5 FROST(secp256k1, SHA-256), "FROST-secp256k1-SHA256-v1".

A :class:`Ciphersuite` bundles the context string, the hash functions H1..H5 (RFC 9591
section 6.5), the challenge (section 4.6), the signature encoding and the hooks that the BIP340
variant (:mod:`mdkm.frost_taproot`) overrides, in the way ZcashFoundation/frost's ``Ciphersuite``
trait does:

* ``adjust_key`` turns the group key into the effective signing key (identity here; even-Y and the
  BIP341 tweak for Taproot);
* ``nonce_sign`` says whether the nonces are negated for a given group commitment (never here);
* ``challenge`` / ``encode_signature`` / ``decode_signature`` / ``verify``.

Every serialized FROST package starts with a header: one version byte and the 4-byte ciphersuite
id, the first four bytes of SHA-256(context string) (as ZcashFoundation/frost identifies suites).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from cryptocore.encoding import decode_scalar, expect_length
from cryptocore.errors import EncodingError, InvalidSignature, ParameterError
from cryptocore.secp256k1 import N, Point, mul_add_g

__all__ = [
    "CONTEXT_STRING",
    "FROST_SECP256K1_SHA256",
    "PACKAGE_VERSION",
    "Ciphersuite",
    "KeyAdjustment",
    "ciphersuite_from_header",
    "decode_identifier",
    "encode_identifier",
    "register_ciphersuite",
]

CONTEXT_STRING: Final = b"FROST-secp256k1-SHA256-v1"
PACKAGE_VERSION: Final = 1
_LEN_IN_BYTES: Final = 48  # L = ceil((256 + 128) / 8), RFC 9380 section 5 with k = 128
_Z_PAD: Final = bytes(64)  # SHA-256 block size


def encode_identifier(identifier: int) -> bytes:
    """SerializeScalar(identifier): 32-byte big-endian (RFC 9591 sections 3.1 and 6.5)."""
    if isinstance(identifier, bool) or not isinstance(identifier, int):
        raise ParameterError("identifier must be an integer")
    if not 0 < identifier < N:
        raise ParameterError("identifier must be a nonzero scalar below the group order")
    return identifier.to_bytes(32, "big")


def decode_identifier(data: bytes) -> int:
    """DeserializeScalar for identifiers: canonical, nonzero, below the order."""
    return decode_scalar(data, N, 32, what="identifier", nonzero=True)


class _Xmd48:
    """RFC 9380 section 5.3.1 expand_message_xmd(SHA-256, len_in_bytes = 48) + hash_to_field.

    Specialised for FROST's hash_to_scalar: the DST is fixed, and many inputs can share a prefix
    (the binding-factor input of RFC 9591 section 4.4 is the same 97 bytes for every signer, then
    the signer's identifier), so the SHA-256 state after ``Z_pad || prefix`` is computed once and
    copied for every suffix. Parity with :func:`cryptocore.hashing.hash_to_scalar` is tested.
    """

    __slots__ = ("_b0_tail", "_dst_prime", "_one", "_two")

    def __init__(self, dst: bytes) -> None:
        if len(dst) > 255:
            raise ParameterError("DST too long")  # pragma: no cover - FROST DSTs are short
        self._dst_prime = dst + bytes([len(dst)])
        self._b0_tail = b"\x00\x30\x00" + self._dst_prime  # I2OSP(48, 2) || I2OSP(0, 1) || DST'
        self._one = b"\x01" + self._dst_prime
        self._two = b"\x02" + self._dst_prime

    def prefix_state(self, prefix: bytes) -> hashlib._Hash:
        h = hashlib.sha256(_Z_PAD)
        h.update(prefix)
        return h

    def finish(self, state: hashlib._Hash, suffix: bytes) -> int:
        h = state.copy()
        # b_0 = H(Z_pad || msg || I2OSP(48, 2) || I2OSP(0, 1) || DST_prime)
        h.update(suffix + self._b0_tail)
        b0 = h.digest()
        # b_1 = H(b_0 || I2OSP(1, 1) || DST_prime)
        b1 = hashlib.sha256(b0 + self._one).digest()
        # b_2 = H(strxor(b_0, b_1) || I2OSP(2, 1) || DST_prime)
        x = (int.from_bytes(b0, "big") ^ int.from_bytes(b1, "big")).to_bytes(32, "big")
        b2 = hashlib.sha256(x + self._two).digest()
        # hash_to_field: OS2IP(uniform_bytes[0:48]) mod n
        return int.from_bytes(b1 + b2[:16], "big") % N

    def __call__(self, msg: bytes) -> int:
        return self.finish(self.prefix_state(b""), msg)


@dataclass(frozen=True, slots=True)
class KeyAdjustment:
    """How a ciphersuite maps the group key and the shares to the effective signing key.

    ``s_eff = outer * (inner * s + tweak)`` and ``Y_eff = outer * (inner * Y + tweak·G)``
    (ZcashFoundation/frost ``EvenY``/``Tweak`` for frost-secp256k1-tr). The identity for
    RFC 9591 suites. Shamir sharing is linear, so adjusting every share adjusts the key.
    """

    group_public_key: Point  # effective group key
    inner: int = 1
    tweak: int = 0
    outer: int = 1
    tweak_point: Point | None = None  # tweak·G when known (saves a multiplication per share)

    @property
    def is_identity(self) -> bool:
        return self.inner == 1 and self.tweak == 0 and self.outer == 1

    def secret(self, share: int) -> int:
        return (self.outer * (self.inner * share + self.tweak)) % N

    def point(self, verifying_share: Point) -> Point:
        if self.is_identity:
            return verifying_share
        p = verifying_share if self.inner == 1 else -verifying_share
        if self.tweak:
            tp = self.tweak_point if self.tweak_point is not None else Point.base_mul(self.tweak)
            p = p + tp
        return p if self.outer == 1 else -p


class Ciphersuite:
    """FROST(secp256k1, SHA-256), RFC 9591 section 6.5. Subclassed for the Taproot variant."""

    context: ClassVar[bytes] = CONTEXT_STRING
    name: ClassVar[str] = "FROST(secp256k1, SHA-256)"
    signature_length: ClassVar[int] = 65

    __slots__ = ("_h1", "_h2", "_h3", "id")

    def __init__(self) -> None:
        self.id = hashlib.sha256(self.context).digest()[:4]
        self._h1 = _Xmd48(self.context + b"rho")
        self._h2 = _Xmd48(self.context + b"chal")
        self._h3 = _Xmd48(self.context + b"nonce")

    def __repr__(self) -> str:
        return f"Ciphersuite({self.context.decode()!r})"

    # ------------------------------------------------------------ header
    def header(self) -> bytes:
        """Version byte || 4-byte ciphersuite id."""
        return bytes([PACKAGE_VERSION]) + self.id

    # ------------------------------------------------------------ hashes (RFC 9591 6.5)
    def H1(self, m: bytes) -> int:
        """hash_to_field(m, 1) with DST = contextString || "rho" (binding factors)."""
        return self._h1(m)

    def H1_many(self, prefix: bytes, suffixes: Sequence[bytes]) -> list[int]:
        """H1(prefix || s) for every suffix, hashing the common prefix once."""
        state = self._h1.prefix_state(prefix)
        return [self._h1.finish(state, s) for s in suffixes]

    def H2(self, m: bytes) -> int:
        """hash_to_field(m, 1) with DST = contextString || "chal" (challenge)."""
        return self._h2(m)

    def H3(self, m: bytes) -> int:
        """hash_to_field(m, 1) with DST = contextString || "nonce" (nonce generation)."""
        return self._h3(m)

    def H4(self, m: bytes) -> bytes:
        """SHA-256(contextString || "msg" || m)."""
        return hashlib.sha256(self.context + b"msg" + m).digest()

    def H5(self, m: bytes) -> bytes:
        """SHA-256(contextString || "com" || m)."""
        return hashlib.sha256(self.context + b"com" + m).digest()

    # ------------------------------------------------------------ hooks
    def adjust_key(self, group_public_key: Point, tweak: bytes | None = None) -> KeyAdjustment:
        """The effective key for signing. RFC 9591 suites take no tweak."""
        if tweak is not None:
            raise ParameterError(f"{self.name} does not support key tweaks")
        return KeyAdjustment(group_public_key=group_public_key)

    def nonce_sign(self, group_commitment: Point) -> int:
        """+1, or -1 when the nonces must be negated for this group commitment."""
        return 1

    def signature_point(self, group_commitment: Point) -> Point:
        """The R stored in the signature (the group commitment itself here)."""
        return group_commitment

    def challenge(self, group_commitment: Point, group_public_key: Point, message: bytes) -> int:
        """RFC 9591 section 4.6: H2(SerializeElement(R) || SerializeElement(PK) || msg)."""
        return self.H2(group_commitment.to_bytes() + group_public_key.to_bytes() + message)

    def encode_signature(self, R: Point, z: int) -> bytes:
        """RFC 9591 section 6.5: SerializeElement(R) || SerializeScalar(z) (65 bytes)."""
        return R.to_bytes() + z.to_bytes(32, "big")

    def decode_signature(self, data: bytes) -> tuple[Point, int]:
        data = expect_length(data, self.signature_length, "signature")
        R = Point.from_bytes(data[:33])
        z = decode_scalar(data[33:], N, 32, what="signature scalar")
        return R, z

    def verify(self, public_key: Point, message: bytes, R: Point, z: int) -> None:
        """RFC 9591 section 6.5 / appendix B: z·G == R + c·PK (cofactor 1)."""
        if public_key.is_identity or R.is_identity:
            raise InvalidSignature("signature does not verify")
        c = self.challenge(R, public_key, message)
        # z·G == R + c·PK, checked as z·G - c·PK == R: one two-scalar multiplication
        if mul_add_g(z, -c, public_key) != R:
            raise InvalidSignature("signature does not verify")

    def decode_public_key(self, data: bytes) -> Point:
        return Point.from_bytes(data)


FROST_SECP256K1_SHA256: Final = Ciphersuite()

_REGISTRY: dict[bytes, Ciphersuite] = {FROST_SECP256K1_SHA256.id: FROST_SECP256K1_SHA256}


def register_ciphersuite(suite: Ciphersuite) -> None:
    """Make a ciphersuite known to the package decoders (by its 4-byte id)."""
    _REGISTRY[suite.id] = suite


def ciphersuite_from_header(data: bytes, what: str) -> tuple[Ciphersuite, int]:
    """Read the 5-byte header; return (suite, offset after the header)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EncodingError(f"{what}: expected bytes")
    if len(data) < 5:
        raise EncodingError(f"{what}: truncated header")
    if data[0] != PACKAGE_VERSION:
        raise EncodingError(f"{what}: unsupported version {data[0]}")
    sid = bytes(data[1:5])
    suite = _REGISTRY.get(sid)
    if suite is None:
        import importlib

        importlib.import_module("mdkm.frost_taproot")  # registers the Taproot suite
        suite = _REGISTRY.get(sid)
    if suite is None:
        raise EncodingError(f"{what}: unknown ciphersuite id {sid.hex()}")
    return suite, 5
