"""cryptocore: the small shared core of litho-crypto.

Scalar fields (with numba batch kernels), the secp256k1 group, the BLS12-381 groups, RFC 9380
hashing, encodings, injected randomness and the single error hierarchy.
"""

from cryptocore.errors import (
    CryptoError,
    EncodingError,
    InvalidProof,
    InvalidShare,
    InvalidSignature,
    MisbehaviourError,
    MisuseError,
    ParameterError,
    ProtocolError,
    VerificationError,
)

__all__ = [
    "CryptoError",
    "EncodingError",
    "InvalidProof",
    "InvalidShare",
    "InvalidSignature",
    "MisbehaviourError",
    "MisuseError",
    "ParameterError",
    "ProtocolError",
    "VerificationError",
]
