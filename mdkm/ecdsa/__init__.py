"""Threshold ECDSA on secp256k1 (honest majority, presignatures; GJKR'96 adapted to ECDSA).

A key of threshold t (Shamir degree d = t − 1, from ``mdkm.dkg`` or a dealer) signs with
2t − 1 = 2d + 1 signers; t colluders could learn the key. The output is an ordinary low-S
ECDSA signature r || s || v that libsecp256k1 verifies and from which the group key is recovered.
"""

from mdkm.ecdsa.protocol import (
    Presignature,
    SignatureShare,
    combine_signature,
    required_signers,
    sign_share,
    verify_ecdsa,
)
from mdkm.ecdsa.runner import (
    presign_in_process,
    public_package_from,
    sign_in_process,
    sign_with_presignatures,
)
from mdkm.ecdsa.session import (
    BROADCAST,
    EcdsaPresignSession,
    EcdsaSignSession,
    PresignatureReady,
    SessionFailed,
    SessionState,
    SignatureReady,
    public_presignature,
    run_sessions_in_process,
)

__all__ = [
    "BROADCAST",
    "EcdsaPresignSession",
    "EcdsaSignSession",
    "Presignature",
    "PresignatureReady",
    "SessionFailed",
    "SessionState",
    "SignatureReady",
    "SignatureShare",
    "combine_signature",
    "presign_in_process",
    "public_package_from",
    "public_presignature",
    "required_signers",
    "run_sessions_in_process",
    "sign_in_process",
    "sign_share",
    "sign_with_presignatures",
    "verify_ecdsa",
]
