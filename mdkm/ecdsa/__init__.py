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

__all__ = [
    "Presignature",
    "SignatureShare",
    "combine_signature",
    "presign_in_process",
    "public_package_from",
    "required_signers",
    "sign_in_process",
    "sign_share",
    "sign_with_presignatures",
    "verify_ecdsa",
]
