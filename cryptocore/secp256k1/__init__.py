"""secp256k1: the group, its strict encodings, BIP340 helpers and RFC 9380 hash-to-curve."""

from cryptocore.secp256k1.hash_to_curve import (
    encode_to_curve,
    hash_to_curve,
    hash_to_curve_many,
    hash_to_field,
    map_to_curve,
)
from cryptocore.secp256k1.msm import FixedBaseTable, msm
from cryptocore.secp256k1.point import B, G, N, P, Point

__all__ = [
    "B",
    "FixedBaseTable",
    "G",
    "N",
    "P",
    "Point",
    "encode_to_curve",
    "hash_to_curve",
    "hash_to_curve_many",
    "hash_to_field",
    "map_to_curve",
    "msm",
]
