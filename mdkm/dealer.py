"""Trusted-dealer key generation (RFC 9591 Appendix C): for tests, vectors and bootstrapping.

A trusted dealer knows the secret; the distributed alternative is :mod:`mdkm.dkg`.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptocore.errors import ParameterError
from cryptocore.group import get_group
from cryptocore.rng import Rng, random_scalar
from mdkm.keys import KeyPackage, PublicKeyPackage
from mdkm.vss import split

__all__ = ["key_packages_from_shares", "trusted_dealer_keygen"]


def key_packages_from_shares(
    group: str, shares: dict[int, int], min_signers: int
) -> tuple[PublicKeyPackage, list[KeyPackage]]:
    """Build packages from Shamir shares (group key by interpolation in the exponent)."""
    from mdkm.vss import lagrange_coefficient

    g = get_group(group)
    if len(shares) < min_signers:
        raise ParameterError("fewer shares than the threshold")
    verifying = {i: g.base_mul(s) for i, s in shares.items()}
    ids = sorted(shares)[:min_signers]
    gpk = g.sum(verifying[i] * lagrange_coefficient(i, ids, g.order) for i in ids)
    pub = PublicKeyPackage(
        group=group, min_signers=min_signers, group_public_key=gpk, verifying_shares=verifying
    )
    kps = [
        KeyPackage(
            group=group,
            identifier=i,
            signing_share=s,
            verifying_share=verifying[i],
            group_public_key=gpk,
            min_signers=min_signers,
        )
        for i, s in sorted(shares.items())
    ]
    return pub, kps


def trusted_dealer_keygen(
    n: int,
    t: int,
    group: str = "secp256k1",
    secret: int | None = None,
    rng: Rng | None = None,
    identifiers: Iterable[int] | None = None,
) -> tuple[PublicKeyPackage, list[KeyPackage]]:
    """Split a (given or random) secret into n key packages with threshold t."""
    g = get_group(group)
    s = random_scalar(g.order, rng) if secret is None else secret
    if not 0 < s < g.order:
        raise ParameterError("secret out of range")
    _coeffs, shares = split(s, n, t, g.order, rng, identifiers)
    if any(v == 0 for v in shares.values()):  # probability ~ n / 2^256
        raise ParameterError("a share is zero; draw again")
    return key_packages_from_shares(group, shares, t)
