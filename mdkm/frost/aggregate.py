"""FROST aggregation (RFC 9591 section 5.3), identifiable abort (5.4) and verification.

``aggregate`` sums the shares and verifies the final signature first (one check, fast path); only
when that fails does it verify every share and raise :class:`MisbehaviourError` naming every
signer whose share is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cryptocore.errors import (
    CryptoError,
    InvalidSignature,
    MisbehaviourError,
    ParameterError,
)
from cryptocore.secp256k1 import N, Point
from mdkm.frost.ciphersuite import FROST_SECP256K1_SHA256, Ciphersuite
from mdkm.frost.package import SigningPackage, compute_binding_factors, compute_group_commitment
from mdkm.frost.round2 import SignatureShare, find_cheaters
from mdkm.keys import PublicKeyPackage

__all__ = ["Signature", "aggregate", "verify"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """A Schnorr signature (R, z). RFC 9591 encoding: SerializeElement(R) || SerializeScalar(z)."""

    R: Point
    z: int
    ciphersuite: Ciphersuite = field(default=FROST_SECP256K1_SHA256, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.R, Point) or self.R.is_identity:
            raise ParameterError("signature R must be a non-identity point")
        if isinstance(self.z, bool) or not isinstance(self.z, int) or not 0 <= self.z < N:
            raise ParameterError("signature z out of range")

    def to_bytes(self) -> bytes:
        """65 bytes R || z (RFC 9591); 64 bytes x(R) || z for the Taproot suite (BIP340)."""
        return self.ciphersuite.encode_signature(self.R, self.z)

    @classmethod
    def from_bytes(
        cls, data: bytes, ciphersuite: Ciphersuite = FROST_SECP256K1_SHA256
    ) -> Signature:
        """Strict decoding (EncodingError on a bad length, point or scalar >= n)."""
        R, z = ciphersuite.decode_signature(data)
        return cls(R=R, z=z, ciphersuite=ciphersuite)


def check_signers(public_key_package: PublicKeyPackage, signers: Sequence[int]) -> None:
    """ParameterError unless every signer holds a verifying share and there are at least
    ``min_signers`` of them (the coordinator's own input: aggregate, CoordinatorSession)."""
    outside = [i for i in signers if i not in public_key_package.verifying_shares]
    if outside:
        raise ParameterError(f"signers outside the key's participant set: {outside}")
    if len(signers) < public_key_package.min_signers:
        raise ParameterError("fewer signers than the threshold")


def aggregate(
    signing_package: SigningPackage,
    signature_shares: Mapping[int, SignatureShare],
    public_key_package: PublicKeyPackage,
    *,
    tweak: bytes | None = None,
) -> Signature:
    """RFC 9591 section 5.3 aggregate, with section 5.4 cheater detection on failure.

    * a share from an identifier outside the signing package: MisbehaviourError naming it;
    * a missing share, a signer outside the public key package, fewer signers than the
      threshold: ParameterError (the coordinator's own input);
    * an invalid signature: MisbehaviourError with every signer whose share fails
      (InvalidSignature when every share checks out but the sum does not, which only
      inconsistent key material can cause).
    """
    if not isinstance(signing_package, SigningPackage):
        raise ParameterError("expected a SigningPackage")
    if not isinstance(public_key_package, PublicKeyPackage):
        raise ParameterError("expected a PublicKeyPackage")
    if public_key_package.group != "secp256k1":
        raise ParameterError("FROST(secp256k1) needs a secp256k1 public key package")
    suite = signing_package.ciphersuite
    signers = signing_package.signers
    unknown = [i for i in signature_shares if i not in signing_package.commitments]
    if unknown:
        raise MisbehaviourError("signature share from an unknown identifier", culprits=unknown)
    missing = [i for i in signers if i not in signature_shares]
    if missing:
        raise ParameterError(f"missing signature shares from {missing}")
    check_signers(public_key_package, signers)
    vs = public_key_package.verifying_shares
    for i in signers:
        sh = signature_shares[i]
        if not isinstance(sh, SignatureShare) or sh.ciphersuite is not suite:
            raise ParameterError("signature shares must be SignatureShare of the same suite")
    adj = suite.adjust_key(public_key_package.group_public_key, tweak)
    rho = compute_binding_factors(adj.group_public_key, signing_package)
    R = compute_group_commitment(signing_package, rho)
    z = sum(signature_shares[i].share for i in signers) % N
    try:
        suite.verify(adj.group_public_key, signing_package.message, R, z)
    except InvalidSignature:
        c = suite.challenge(R, adj.group_public_key, signing_package.message)
        cheaters = find_cheaters(signing_package, signature_shares, vs, adj, rho, R, c)
        if not cheaters:
            # every share is consistent with its verifying share, yet the sum is not a valid
            # signature: the key packages do not reach the group key (e.g. fewer than t shares)
            raise InvalidSignature("signature does not verify") from None
        raise MisbehaviourError("aggregate signature does not verify", culprits=cheaters) from None
    return Signature(R=suite.signature_point(R), z=z, ciphersuite=suite)


def verify(
    public_key: Point | bytes,
    message: bytes,
    signature: Signature | bytes,
    *,
    ciphersuite: Ciphersuite = FROST_SECP256K1_SHA256,
) -> None:
    """Verify a FROST signature; raise InvalidSignature (featureless) for any failure.

    ``public_key`` is a Point or its encoding (33 bytes; 32-byte x-only for Taproot).
    """
    try:
        if not isinstance(message, bytes | bytearray | memoryview):
            raise InvalidSignature("signature does not verify")
        pk = (
            public_key
            if isinstance(public_key, Point)
            else ciphersuite.decode_public_key(public_key)
        )
        if isinstance(signature, Signature):
            if signature.ciphersuite is not ciphersuite:
                raise InvalidSignature("signature does not verify")
            R, z = signature.R, signature.z
        else:
            R, z = ciphersuite.decode_signature(signature)
        ciphersuite.verify(pk, bytes(message), R, z)
    except InvalidSignature:
        raise
    except (CryptoError, TypeError, ValueError):
        raise InvalidSignature("signature does not verify") from None
