"""FROST threshold Schnorr signatures, RFC 9591 ciphersuite FROST(secp256k1, SHA-256).

Two rounds: every signer ``commit``s (round one) and, given the coordinator's
:class:`SigningPackage`, ``sign``s (round two); the coordinator ``aggregate``s the shares into a
65-byte signature that ``verify`` checks against the group public key. A wrong share is blamed on
its signer (:class:`cryptocore.errors.MisbehaviourError` ``.culprits``). Sans-IO sessions for the
coordinator and participants live in :mod:`mdkm.frost.session`; the BIP340/Taproot variant in
:mod:`mdkm.frost_taproot`.
"""

from __future__ import annotations

from mdkm.frost.aggregate import Signature, aggregate, verify
from mdkm.frost.ciphersuite import CONTEXT_STRING, FROST_SECP256K1_SHA256, Ciphersuite
from mdkm.frost.package import (
    SigningPackage,
    compute_binding_factors,
    compute_group_commitment,
    encode_group_commitment_list,
)
from mdkm.frost.round1 import SigningCommitments, SigningNonces, commit, nonce_generate
from mdkm.frost.round2 import SignatureShare, sign, verify_share
from mdkm.frost.session import (
    CoordinatorSession,
    ParticipantSession,
    SessionState,
    sign_in_process,
)

__all__ = [
    "CONTEXT_STRING",
    "FROST_SECP256K1_SHA256",
    "Ciphersuite",
    "CoordinatorSession",
    "ParticipantSession",
    "SessionState",
    "Signature",
    "SignatureShare",
    "SigningCommitments",
    "SigningNonces",
    "SigningPackage",
    "aggregate",
    "commit",
    "compute_binding_factors",
    "compute_group_commitment",
    "encode_group_commitment_list",
    "nonce_generate",
    "sign",
    "sign_in_process",
    "verify",
    "verify_share",
]
