"""BLS12-381: G1 and G2 points, the pairing check and RFC 9380 hashing, over a swappable backend.

``group()`` describes G1 as a :class:`cryptocore.group.Group` named ``"bls12_381"`` so that the
MDKM code (VSS, DKG, key packages) runs on it. Backends: ``blst`` (default), ``arkworks`` and
``py_ecc`` (reference), chosen by ``$LITHO_BLS_BACKEND`` or passed explicitly (see
:mod:`cryptocore.bls12_381.backend`).
"""

from __future__ import annotations

from cryptocore.bls12_381.backend import (
    BACKEND_ENV,
    ArkworksBackend,
    Backend,
    PyEccBackend,
    backend_names,
    get_backend,
)
from cryptocore.bls12_381.hash_to_curve import encode_to_g1, encode_to_g2, hash_to_g1, hash_to_g2
from cryptocore.bls12_381.point import G1Point, G2Point, P, R, pairing_check
from cryptocore.group import Group

__all__ = [
    "BACKEND_ENV",
    "ArkworksBackend",
    "Backend",
    "G1Point",
    "G2Point",
    "P",
    "PyEccBackend",
    "R",
    "backend_names",
    "encode_to_g1",
    "encode_to_g2",
    "get_backend",
    "group",
    "hash_to_g1",
    "hash_to_g2",
    "pairing_check",
]


def _decode_g1(data: bytes) -> G1Point:
    return G1Point.from_bytes(data)


def _base_mul_g1(k: int) -> G1Point:
    return G1Point.base_mul(k)


def _sum_g1(points: object) -> G1Point:
    return G1Point.sum(points)  # type: ignore[arg-type]


def group() -> Group:
    """G1 of BLS12-381 as the group ``"bls12_381"`` (48-byte elements, 32-byte scalars, order r).

    Uses the default backend at the time of the call (``$LITHO_BLS_BACKEND``).
    """
    return Group(
        name="bls12_381",
        order=R,
        element_length=48,
        scalar_length=32,
        _generator=G1Point.generator(),
        _identity=G1Point.identity(),
        _decode=_decode_g1,
        _base_mul=_base_mul_g1,
        _sum=_sum_g1,
    )
