"""Linkable ring signatures (CLSAG family) on secp256k1, key images and a double-spend registry.

The design's four calls: :func:`generate_public_key_set` (GeneratePublicKeySet),
:func:`key_image` (GenerateKeyImage), :func:`sign` (GenerateRingSignature) and :func:`verify`
(VerifyRingSignature); plus :func:`link`, :func:`batch_verify` and the persistent
:class:`KeyImageRegistry`. See docs/ringsig.md.
"""

from cryptocore.errors import DoubleSpendError, EncodingError, InvalidSignature, ParameterError
from ringsig.clsag import (
    FORM_COMMITMENT,
    FORM_SINGLE,
    RingSignature,
    SignatureInput,
    batch_verify,
    link,
    sign,
    verify,
)
from ringsig.key_image import HP_DST, KeyImage, hash_to_point, key_image, precompute
from ringsig.keys import (
    DEFAULT_MAX_RING_SIZE,
    SigningKey,
    canonical_ring,
    generate_public_key_set,
    public_key,
)
from ringsig.registry import KeyImageRegistry

__all__ = [
    "DEFAULT_MAX_RING_SIZE",
    "FORM_COMMITMENT",
    "FORM_SINGLE",
    "HP_DST",
    "DoubleSpendError",
    "EncodingError",
    "InvalidSignature",
    "KeyImage",
    "KeyImageRegistry",
    "ParameterError",
    "RingSignature",
    "SignatureInput",
    "SigningKey",
    "batch_verify",
    "canonical_ring",
    "generate_public_key_set",
    "hash_to_point",
    "key_image",
    "link",
    "precompute",
    "public_key",
    "sign",
    "verify",
]
