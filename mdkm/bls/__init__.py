"""BLS signatures (ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_), plain and threshold.

* :mod:`mdkm.bls.scheme`: keygen, sk_to_pk, sign, verify, aggregate, aggregate_verify,
  fast_aggregate_verify, batch_verify, pop_prove, pop_verify, hash_message,
  verify_hashed (draft-irtf-cfrg-bls-signature-05).
* :mod:`mdkm.bls.threshold`: t-of-n signing over :class:`mdkm.keys.KeyPackage` (group
  ``"bls12_381"``): sign_share, sign_share_hashed, verify_share, combine (``hashed=`` for a
  pre-hashed message), threshold_sign_in_process.

``mdkm.bls.verify`` verifies plain and threshold signatures alike.
"""

from mdkm.bls.scheme import (
    CIPHERSUITE,
    POP_DST,
    aggregate,
    aggregate_verify,
    batch_verify,
    fast_aggregate_verify,
    hash_message,
    keygen,
    pop_prove,
    pop_verify,
    sign,
    sk_to_pk,
    verify,
    verify_hashed,
)
from mdkm.bls.threshold import (
    SignatureShare,
    combine,
    sign_share,
    sign_share_hashed,
    threshold_sign_in_process,
    verify_share,
)

__all__ = [
    "CIPHERSUITE",
    "POP_DST",
    "SignatureShare",
    "aggregate",
    "aggregate_verify",
    "batch_verify",
    "combine",
    "fast_aggregate_verify",
    "hash_message",
    "keygen",
    "pop_prove",
    "pop_verify",
    "sign",
    "sign_share",
    "sign_share_hashed",
    "sk_to_pk",
    "threshold_sign_in_process",
    "verify",
    "verify_hashed",
    "verify_share",
]
