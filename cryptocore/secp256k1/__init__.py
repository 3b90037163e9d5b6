"""secp256k1: the group, its strict encodings, BIP340 helpers and RFC 9380 hash-to-curve."""

from cryptocore.secp256k1.bip340 import (
    challenge,
    lift_x,
    pubkey_gen,
    schnorr_sign,
    schnorr_verify,
    taproot_tweak_pubkey,
    taproot_tweak_seckey,
)
from cryptocore.secp256k1.hash_to_curve import (
    encode_to_curve,
    hash_to_curve,
    hash_to_curve_many,
    hash_to_field,
    map_to_curve,
)
from cryptocore.secp256k1.msm import FixedBaseTable, msm, mul_add_g
from cryptocore.secp256k1.point import B, G, N, P, Point

__all__ = [
    "B",
    "FixedBaseTable",
    "G",
    "N",
    "P",
    "Point",
    "challenge",
    "encode_to_curve",
    "hash_to_curve",
    "hash_to_curve_many",
    "hash_to_field",
    "lift_x",
    "map_to_curve",
    "msm",
    "mul_add_g",
    "pubkey_gen",
    "schnorr_sign",
    "schnorr_verify",
    "taproot_tweak_pubkey",
    "taproot_tweak_seckey",
]
