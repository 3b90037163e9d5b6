"""Committee signing and verification of attestations.

A validator (a holder of an MDKM BLS key package for the committee epoch) re-runs the claim's
property check itself and contributes a BLS signature share only when its own verdict equals the
attestation's. Any t shares combine (Lagrange interpolation in G2, :mod:`mdkm.bls.threshold`)
into one ordinary BLS signature under the committee's group key, so verification needs nothing
but that key.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from attestations.properties import Claim
from attestations.receipt import Attestation
from attestations.registry import NonceRegistry
from cryptocore.errors import EncodingError, ExpiredError, MisuseError, ParameterError
from cryptocore.rng import Rng, get_rng
from mdkm import bls
from mdkm.keys import KeyPackage, PublicKeyPackage

__all__ = [
    "DEFAULT_TTL",
    "attest_in_process",
    "make_attestation",
    "sign_attestation_share",
    "verify",
]

DEFAULT_TTL = 3600


def make_attestation(
    claim: Claim,
    *,
    epoch: int = 0,
    now: int | None = None,
    ttl: int = DEFAULT_TTL,
    rng: Rng | None = None,
) -> Attestation:
    """The unsigned attestation of ``claim`` with the proposer's verdict."""
    t = int(time.time()) if now is None else now
    verdict = claim.validate().passed
    return Attestation(
        request_id=claim.request_id,
        model_commitment=claim.model.commitment(),
        input_hash=claim.input_hash,
        output_hash=claim.output_hash,
        check=claim.check,
        verdict=verdict,
        epoch=epoch,
        expiry=t + ttl,
        nonce=get_rng(rng)(32),
    )


def sign_attestation_share(
    key_package: KeyPackage, claim: Claim, attestation: Attestation
) -> bls.SignatureShare:
    """A validator's share, after checking that the attestation describes ``claim`` and that
    its own run of the property check reaches the same verdict."""
    if (
        attestation.request_id != claim.request_id
        or attestation.model_commitment != claim.model.commitment()
        or attestation.input_hash != claim.input_hash
        or attestation.output_hash != claim.output_hash
        or attestation.check != claim.check
    ):
        raise ParameterError("the attestation does not describe this claim")
    if claim.validate().passed != attestation.verdict:
        raise MisuseError("this validator's verdict differs from the attestation's")
    return bls.sign_share(key_package, attestation.signing_message())


def attest_in_process(
    key_packages: Sequence[KeyPackage],
    claim: Claim,
    *,
    epoch: int = 0,
    now: int | None = None,
    ttl: int = DEFAULT_TTL,
    rng: Rng | None = None,
) -> bytes:
    """Every given validator checks ``claim`` and signs; returns the encoded, threshold-signed
    attestation (body || 96-byte signature)."""
    kps = list(key_packages)
    if not kps:
        raise ParameterError("no key packages")
    att = make_attestation(claim, epoch=epoch, now=now, ttl=ttl, rng=rng)
    shares = [sign_attestation_share(kp, claim, att) for kp in kps]
    first = kps[0]
    pub = PublicKeyPackage(
        group=first.group,
        min_signers=first.min_signers,
        group_public_key=first.group_public_key,
        verifying_shares={kp.identifier: kp.verifying_share for kp in kps},
    )
    sig = bls.combine(pub, shares, att.signing_message())
    return Attestation(
        request_id=att.request_id,
        model_commitment=att.model_commitment,
        input_hash=att.input_hash,
        output_hash=att.output_hash,
        check=att.check,
        verdict=att.verdict,
        epoch=att.epoch,
        expiry=att.expiry,
        nonce=att.nonce,
        signature=sig,
    ).to_bytes()


def verify(
    attestation: bytes,
    group_public_key: bytes,
    *,
    now: int | None = None,
    current_epoch: int | None = None,
    registry: NonceRegistry | None = None,
) -> Attestation:
    """Decode and verify an attestation; return it.

    Raises EncodingError (malformed), InvalidSignature (not signed by the committee key),
    ExpiredError (past its expiry, or ``current_epoch`` given and different), ReplayError
    (``registry`` given and the nonce was already accepted in that epoch; on success the nonce
    is recorded, so a second verify of the same attestation with the registry fails).
    """
    att = Attestation.from_bytes(attestation)
    if att.signature is None:  # pragma: no cover - from_bytes(signed=True) always sets it
        raise EncodingError("attestation is not signed")
    bls.verify(group_public_key, att.signing_message(), att.signature)
    t = int(time.time()) if now is None else now
    if t >= att.expiry:
        raise ExpiredError("attestation expired")
    if current_epoch is not None and att.epoch != current_epoch:
        raise ExpiredError("attestation is from another committee epoch")
    if registry is not None:
        registry.accept(att.epoch, att.nonce, att.request_id)
    return att
