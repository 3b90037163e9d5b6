"""Shared helpers for the ring-signature tests (keys from a deterministic rng)."""

from __future__ import annotations

import ringsig
from cryptocore.rng import deterministic_rng, random_scalar
from cryptocore.secp256k1 import N, Point, hash_to_curve

# A second generator for amounts, as a confidential-amount layer would use (C = z·G + a·H).
AMOUNT_H = hash_to_curve(
    b"amount generator", b"LITHO-CRYPTO-V01-TEST-AMOUNT_secp256k1_XMD:SHA-256_SSWU_RO_"
)


def make_keys(count: int, seed: object = "ringsig-tests") -> list[int]:
    rng = deterministic_rng(str(seed))
    return [random_scalar(N, rng) for _ in range(count)]


def ring_of(secrets: list[int]) -> list[bytes]:
    return [ringsig.public_key(x) for x in secrets]


def commit(z: int, amount: int) -> bytes:
    return (Point.base_mul(z) + AMOUNT_H * amount).to_bytes()


def commitment_setup(
    count: int, signer: int, seed: object = "commitments"
) -> tuple[list[bytes], bytes, int]:
    """Commitments C_i = z_i·G + a_i·H and an offset C_off = z_off·G + a_signer·H.

    Returns (commitments, offset, z) with C_signer − C_off = z·G.
    """
    zs = make_keys(count + 1, ("z", seed))
    amounts = [1000 + i for i in range(count)]
    comms = [commit(z, a) for z, a in zip(zs[:count], amounts, strict=True)]
    z_off = zs[-1]
    offset = commit(z_off, amounts[signer])
    return comms, offset, (zs[signer] - z_off) % N
