"""Sigma proof used by threshold ECDSA (mdkm.ecdsa).

Statement (H, U, Z, B, V) over secp256k1 with generator G: the prover knows (u, u', z, z') with

    U = u·G + u'·H      (Pedersen commitment to u)
    Z = z·G + z'·H      (Pedersen commitment to z)
    V = u·B + z·G       (the value it revealed is u·b + z for the public point B = b·G)

i.e. PK{(u, u', z, z'): U = uG + u'H ∧ Z = zG + z'H ∧ V = uB + zG} in Camenisch-Stadler
notation: an AND-composition of Schnorr/Okamoto proofs sharing the witness u, made
non-interactive with Fiat-Shamir (the challenge hashes a context string, every statement point
and every announcement). It is what makes each signer's revealed product share verifiable, so a
cheating signer is named rather than silently corrupting the signature (GJKR'96 reach the same
with error correction and n >= 4t+1; we use proofs to keep 2t+1 signers).

Encoding: c || s_u || s_u' || s_z || s_z' (5 × 32 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptocore.encoding import decode_scalar, expect_length
from cryptocore.errors import InvalidProof
from cryptocore.hashing import hash_to_scalar
from cryptocore.rng import Rng, random_scalar
from cryptocore.secp256k1 import G, N, Point

__all__ = ["ProductProof", "prove_product", "verify_product"]

_DST = b"LITHO-CRYPTO-V01-ECDSA-PRODUCT-PROOF"


def _enc(p: Point) -> bytes:
    return b"\x00" * 33 if p.is_identity else p.to_bytes()


def _challenge(context: bytes, points: tuple[Point, ...]) -> int:
    data = len(context).to_bytes(4, "big") + context + b"".join(_enc(p) for p in points)
    return hash_to_scalar(data, _DST, N)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductProof:
    """Non-interactive proof PK{(u, u', z, z'): U = uG+u'H ∧ Z = zG+z'H ∧ V = uB+zG}."""

    c: int
    s_u: int
    s_ub: int
    s_z: int
    s_zb: int

    def __post_init__(self) -> None:
        for v in (self.c, self.s_u, self.s_ub, self.s_z, self.s_zb):
            if not isinstance(v, int) or not 0 <= v < N:
                raise InvalidProof("proof scalar out of range")

    def to_bytes(self) -> bytes:
        return b"".join(
            v.to_bytes(32, "big") for v in (self.c, self.s_u, self.s_ub, self.s_z, self.s_zb)
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> ProductProof:
        data = expect_length(data, 160, "product proof")
        c, a, b, d, e = (
            decode_scalar(data[i : i + 32], N, what="proof scalar") for i in range(0, 160, 32)
        )
        return cls(c=c, s_u=a, s_ub=b, s_z=d, s_zb=e)


def prove_product(
    context: bytes,
    h: Point,
    statement: tuple[Point, Point, Point, Point],
    witness: tuple[int, int, int, int],
    rng: Rng | None = None,
) -> ProductProof:
    """statement = (U, Z, B, V); witness = (u, u', z, z'). Secrets use constant-time paths."""
    u_pt, z_pt, b, v_pt = statement
    u, ub, z, zb = witness
    k_u, k_ub, k_z, k_zb = (random_scalar(N, rng) for _ in range(4))
    t1 = Point.base_mul(k_u) + h.mul_secret(k_ub)
    t2 = Point.base_mul(k_z) + h.mul_secret(k_zb)
    t3 = b.mul_secret(k_u) + Point.base_mul(k_z)
    c = _challenge(context, (h, u_pt, z_pt, b, v_pt, t1, t2, t3))
    return ProductProof(
        c=c,
        s_u=(k_u + c * u) % N,
        s_ub=(k_ub + c * ub) % N,
        s_z=(k_z + c * z) % N,
        s_zb=(k_zb + c * zb) % N,
    )


def verify_product(
    context: bytes, h: Point, statement: tuple[Point, Point, Point, Point], proof: ProductProof
) -> None:
    """Raise InvalidProof unless the proof verifies (public scalars: variable-time paths)."""
    u_pt, z_pt, b, v_pt = statement
    c = proof.c
    t1 = Point.sum((G * proof.s_u, h * proof.s_ub, -(u_pt * c)))
    t2 = Point.sum((G * proof.s_z, h * proof.s_zb, -(z_pt * c)))
    t3 = Point.sum((b * proof.s_u, G * proof.s_z, -(v_pt * c)))
    if _challenge(context, (h, u_pt, z_pt, b, v_pt, t1, t2, t3)) != c:
        raise InvalidProof("product proof does not verify")
