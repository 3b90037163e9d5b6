"""FROST threshold signatures that are BIP340 Schnorr signatures (Taproot key-path spends).

The ciphersuite of ZcashFoundation/frost's ``frost-secp256k1-tr`` (see
:mod:`mdkm.frost_taproot.ciphersuite` for what differs from RFC 9591). The rounds, packages and
sessions are those of :mod:`mdkm.frost`, run with :data:`FROST_SECP256K1_TR`.

Tweak convention: ``tweak=None`` signs under the x-only group key; ``tweak=b""`` under the BIP341
output key with an empty merkle root (key-path only, ``Q = P + int(hashTapTweak(x(P)))·G``);
a 32-byte merkle root under ``Q = P + int(hashTapTweak(x(P) || root))·G``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cryptocore.rng import Rng
from cryptocore.secp256k1 import Point
from mdkm.frost.aggregate import Signature
from mdkm.frost.aggregate import aggregate as _aggregate
from mdkm.frost.aggregate import verify as _verify
from mdkm.frost.package import SigningPackage
from mdkm.frost.round1 import SigningCommitments, SigningNonces
from mdkm.frost.round1 import commit as _commit
from mdkm.frost.round2 import SignatureShare
from mdkm.frost.round2 import sign as _sign
from mdkm.frost.round2 import verify_share as _verify_share
from mdkm.frost.session import run_in_process
from mdkm.frost_taproot.ciphersuite import (
    CONTEXT_STRING_TR,
    FROST_SECP256K1_TR,
    TaprootCiphersuite,
    taproot_tweak,
    tweaked_public_key,
)
from mdkm.keys import KeyPackage, PublicKeyPackage

__all__ = [
    "CONTEXT_STRING_TR",
    "FROST_SECP256K1_TR",
    "Signature",
    "SignatureShare",
    "SigningCommitments",
    "SigningNonces",
    "SigningPackage",
    "TaprootCiphersuite",
    "aggregate",
    "commit",
    "sign",
    "sign_in_process",
    "signing_package",
    "taproot_tweak",
    "tweaked_public_key",
    "verify",
    "verify_share",
]


def commit(
    secret: KeyPackage | int, rng: Rng | None = None
) -> tuple[SigningNonces, SigningCommitments]:
    """Round one (RFC 9591 section 5.1) for the Taproot ciphersuite."""
    return _commit(secret, rng, ciphersuite=FROST_SECP256K1_TR)


def signing_package(
    commitments: Mapping[int, SigningCommitments], message: bytes
) -> SigningPackage:
    """A Taproot-suite signing package (the commitments must come from :func:`commit`)."""
    return SigningPackage(commitments=commitments, message=message, ciphersuite=FROST_SECP256K1_TR)


def sign(
    signing_package: SigningPackage,
    signer_nonces: SigningNonces,
    key_package: KeyPackage,
    tweak: bytes | None = None,
) -> SignatureShare:
    """Round two; consumes the nonces. ``tweak`` as in the module docstring."""
    return _sign(signing_package, signer_nonces, key_package, tweak=tweak)


def verify_share(
    identifier: int,
    verifying_share: Point,
    signature_share: SignatureShare,
    signing_package: SigningPackage,
    group_public_key: Point,
    tweak: bytes | None = None,
) -> None:
    """RFC 9591 section 5.4 with the Taproot adjustments; MisbehaviourError names the signer."""
    _verify_share(
        identifier,
        verifying_share,
        signature_share,
        signing_package,
        group_public_key,
        tweak=tweak,
    )


def aggregate(
    signing_package: SigningPackage,
    signature_shares: Mapping[int, SignatureShare],
    public_key_package: PublicKeyPackage,
    tweak: bytes | None = None,
) -> Signature:
    """Aggregate into a BIP340 signature (``.to_bytes()`` is 64 bytes); blames on failure."""
    return _aggregate(signing_package, signature_shares, public_key_package, tweak=tweak)


def verify(public_key: Point | bytes, message: bytes, signature: Signature | bytes) -> None:
    """BIP340 verification (any message length); ``public_key`` x-only (32) or 33 bytes."""
    _verify(public_key, message, signature, ciphersuite=FROST_SECP256K1_TR)


def sign_in_process(
    key_packages: Sequence[KeyPackage],
    message: bytes,
    tweak: bytes | None = None,
    rng: Rng | None = None,
) -> bytes:
    """64-byte BIP340 signature by every given key package, through the sans-IO sessions.

    Verifies under :func:`tweaked_public_key` (group key, tweak). ParameterError when fewer
    than ``min_signers`` packages are given.
    """
    return run_in_process(
        key_packages, message, ciphersuite=FROST_SECP256K1_TR, tweak=tweak, rng=rng
    )
