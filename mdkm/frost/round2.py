"""FROST round two (RFC 9591 section 5.2) and signature-share verification (section 5.4).

``sign`` consumes the signer's :class:`SigningNonces` (a second call with the same nonces raises
:class:`MisuseError`) and returns ``z_i = d_i + e_i·rho_i + lambda_i·s_i·c``.
``verify_share`` checks ``z_i·G == D_i + rho_i·E_i + (c·lambda_i)·Y_i`` and names the signer in a
:class:`MisbehaviourError` when it fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptocore.encoding import decode_scalar, expect_length
from cryptocore.errors import MisbehaviourError, ParameterError
from cryptocore.secp256k1 import N, Point, mul_add_g
from mdkm.frost._fast import lagrange_at_zero
from mdkm.frost.ciphersuite import (
    FROST_SECP256K1_SHA256,
    Ciphersuite,
    KeyAdjustment,
    ciphersuite_from_header,
)
from mdkm.frost.package import (
    SigningPackage,
    compute_binding_factors,
    compute_group_commitment,
    group_commitment_share,
)
from mdkm.frost.round1 import SigningNonces
from mdkm.keys import KeyPackage

__all__ = ["SignatureShare", "sign", "verify_share"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureShare:
    """A signer's round-two output z_i (a public scalar in [0, n))."""

    share: int
    ciphersuite: Ciphersuite = field(default=FROST_SECP256K1_SHA256, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.share, bool) or not isinstance(self.share, int):
            raise ParameterError("signature share must be an integer")
        if not 0 <= self.share < N:
            raise ParameterError("signature share out of range")

    def to_bytes(self) -> bytes:
        """header || SerializeScalar(z_i) (37 bytes)."""
        return self.ciphersuite.header() + self.share.to_bytes(32, "big")

    @classmethod
    def from_bytes(cls, data: bytes) -> SignatureShare:
        suite, off = ciphersuite_from_header(data, "signature share")
        data = expect_length(data, off + 32, "signature share")
        return cls(
            share=decode_scalar(data[off:], N, 32, what="signature share"), ciphersuite=suite
        )


def _check_key_package(kp: KeyPackage) -> None:
    if not isinstance(kp, KeyPackage):
        raise ParameterError("expected a KeyPackage")
    if kp.group != "secp256k1":
        raise ParameterError("FROST(secp256k1) needs a secp256k1 key package")


def sign(
    signing_package: SigningPackage,
    signer_nonces: SigningNonces,
    key_package: KeyPackage,
    *,
    tweak: bytes | None = None,
) -> SignatureShare:
    """RFC 9591 section 5.2 sign(identifier, sk_i, group_public_key, nonce_i, msg, commitments).

    Once the arguments' types and the tweak are checked, the nonces are marked spent before the
    package is even looked at, whatever happens next: a signer never answers two packages with
    the same nonces. ``tweak`` is for ciphersuites that support one (Taproot).
    """
    if not isinstance(signing_package, SigningPackage):
        raise ParameterError("expected a SigningPackage")
    if not isinstance(signer_nonces, SigningNonces):
        raise ParameterError("expected SigningNonces")
    _check_key_package(key_package)
    suite = signing_package.ciphersuite
    if signer_nonces.ciphersuite is not suite:
        raise ParameterError("nonces and signing package use different ciphersuites")
    adj = suite.adjust_key(key_package.group_public_key, tweak)  # local input: checked first
    hiding, binding = signer_nonces.take()  # single use: raises MisuseError when spent
    me = key_package.identifier
    own = signing_package.commitments.get(me)
    if own is None:
        raise ParameterError("this signer is not in the signing package")
    if own != signer_nonces.commitments:
        raise MisbehaviourError("the signing package carries a different commitment for us")
    if len(signing_package.commitments) < key_package.min_signers:
        raise ParameterError("fewer commitments than the threshold")
    rho = compute_binding_factors(adj.group_public_key, signing_package)
    R = compute_group_commitment(signing_package, rho)
    lam = lagrange_at_zero(me, signing_package.signers)
    c = suite.challenge(R, adj.group_public_key, signing_package.message)
    s_eff = adj.secret(key_package.signing_share)
    k = suite.nonce_sign(R) * (hiding + binding * rho[me])
    # sig_share = hiding_nonce + binding_nonce·binding_factor + lambda_i·sk_i·c  (section 5.2)
    return SignatureShare(share=(k + lam * s_eff * c) % N, ciphersuite=suite)


def _share_ok(
    suite: Ciphersuite,
    share: SignatureShare,
    commitment_share: Point,
    verifying_share: Point,
    lam: int,
    c: int,
    R: Point,
) -> bool:
    # RFC 9591 section 5.4: l = z_i·G, r = comm_share + PK_i·(c·lambda_i); the Taproot suite
    # negates comm_share when R has odd y (the signer negated its nonces). l == r is checked
    # as z_i·G - (c·lambda_i)·PK_i == comm_share: one two-scalar multiplication.
    comm = commitment_share if suite.nonce_sign(R) == 1 else -commitment_share
    return mul_add_g(share.share, -c * lam, verifying_share) == comm


def verify_share(
    identifier: int,
    verifying_share: Point,
    signature_share: SignatureShare,
    signing_package: SigningPackage,
    group_public_key: Point,
    *,
    tweak: bytes | None = None,
) -> None:
    """RFC 9591 section 5.4 verify_signature_share; MisbehaviourError naming ``identifier``.

    ``verifying_share`` and ``group_public_key`` are the untweaked values from the
    :class:`PublicKeyPackage`; the ciphersuite applies its own adjustment.
    """
    if not isinstance(signing_package, SigningPackage):
        raise ParameterError("expected a SigningPackage")
    if not isinstance(signature_share, SignatureShare):
        raise ParameterError("expected a SignatureShare")
    suite = signing_package.ciphersuite
    if signature_share.ciphersuite is not suite:
        raise ParameterError("signature share from another ciphersuite")
    if identifier not in signing_package.commitments:
        raise MisbehaviourError("share from a signer outside the package", culprits=(identifier,))
    adj = suite.adjust_key(group_public_key, tweak)
    rho = compute_binding_factors(adj.group_public_key, signing_package)
    R = compute_group_commitment(signing_package, rho)
    c = suite.challenge(R, adj.group_public_key, signing_package.message)
    lam = lagrange_at_zero(identifier, signing_package.signers)
    cs = group_commitment_share(signing_package.commitments[identifier], rho[identifier])
    if not _share_ok(suite, signature_share, cs, adj.point(verifying_share), lam, c, R):
        raise MisbehaviourError("signature share does not verify", culprits=(identifier,))


def find_cheaters(
    signing_package: SigningPackage,
    shares: Mapping[int, SignatureShare],
    verifying_shares: Mapping[int, Point],
    adj: KeyAdjustment,
    rho: Mapping[int, int],
    R: Point,
    c: int,
) -> list[int]:
    """Every signer whose share fails section 5.4 (used by aggregate on failure only)."""
    from mdkm.frost._fast import all_lagrange_at_zero

    suite = signing_package.ciphersuite
    lams = all_lagrange_at_zero(signing_package.signers)
    out = []
    for i in signing_package.signers:
        cs = group_commitment_share(signing_package.commitments[i], rho[i])
        if not _share_ok(suite, shares[i], cs, adj.point(verifying_shares[i]), lams[i], c, R):
            out.append(i)
    return out
