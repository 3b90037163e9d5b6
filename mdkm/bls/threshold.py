"""Threshold BLS signatures over MDKM key packages (group ``"bls12_381"``).

Boldyreva, "Threshold Signatures, Multisignatures and Blind Signatures Based on the
Gap-Diffie-Hellman-Group Signature Scheme" (PKC 2003), section 3, with the ciphersuite
BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_ of draft-irtf-cfrg-bls-signature-05:

* participant i holds a Shamir share s_i of the group secret s (from :mod:`mdkm.dealer` or a
  DKG) and publishes its verifying share Y_i = s_i·P1 in G1;
* signature share: sigma_i = s_i·H(m) with H the ciphersuite's hash_to_point into G2;
* share check: e(Y_i, H(m)) == e(P1, sigma_i);
* combining: sigma = sum_{i in S} lambda_i·sigma_i over any t signers S (Lagrange
  interpolation at 0 in the exponent) = s·H(m), an ordinary BLS signature under the group key
  Y = s·P1. Anyone verifies it with :func:`verify` (or any library implementing the
  ciphersuite); the secret s is never reconstructed.

Signing needs no interaction: each signer sends one :class:`SignatureShare`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from cryptocore.bls12_381 import G1Point, G2Point, R, hash_to_g2
from cryptocore.bls12_381.backend import Backend, get_backend
from cryptocore.encoding import decode_scalar, expect_length
from cryptocore.errors import (
    EncodingError,
    InvalidSignature,
    MisbehaviourError,
    ParameterError,
)
from cryptocore.rng import Rng, get_rng
from mdkm.bls import scheme
from mdkm.keys import KeyPackage, PublicKeyPackage
from mdkm.vss import lagrange_coefficient

__all__ = [
    "SignatureShare",
    "combine",
    "sign_share",
    "sign_share_hashed",
    "threshold_sign_in_process",
    "verify",
    "verify_share",
]

GROUP: Final = "bls12_381"
_VERSION: Final = 1
_SHARE_LENGTH: Final = 1 + 32 + 96


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureShare:
    """One signer's share sigma_i = s_i·H(m) (public once sent).

    Encoding: version byte (1) || identifier (32 bytes, big-endian) || sigma_i (96 bytes).
    """

    identifier: int
    signature: G2Point

    def __post_init__(self) -> None:
        if not isinstance(self.identifier, int) or isinstance(self.identifier, bool):
            raise ParameterError("identifier must be an integer")
        if not 0 < self.identifier < R:
            raise ParameterError("identifier must be a nonzero scalar below the group order")
        if not isinstance(self.signature, G2Point):
            raise ParameterError("signature share must be a G2Point")
        if self.signature.is_identity:
            raise ParameterError("signature share is the identity")

    def to_bytes(self) -> bytes:
        return bytes([_VERSION]) + self.identifier.to_bytes(32, "big") + self.signature.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes, *, backend: Backend | str | None = None) -> SignatureShare:
        data = expect_length(data, _SHARE_LENGTH, "signature share")
        if data[0] != _VERSION:
            raise EncodingError("signature share: unknown version")
        ident = decode_scalar(data[1:33], R, 32, what="identifier", nonzero=True)
        return cls(identifier=ident, signature=G2Point.from_bytes(data[33:], backend=backend))


def _check_group(name: str) -> None:
    if name != GROUP:
        raise ParameterError(f"threshold BLS needs key packages of group {GROUP!r}, not {name!r}")


def _h(message: bytes, backend: Backend) -> G2Point:
    if not isinstance(message, bytes | bytearray | memoryview):
        raise ParameterError("message: expected bytes")
    return hash_to_g2(bytes(message), scheme.CIPHERSUITE, backend=backend)


def sign_share(
    key_package: KeyPackage,
    message: bytes,
    *,
    rng: Rng | None = None,
    backend: Backend | str | None = None,
) -> SignatureShare:
    """sigma_i = s_i·H(m) (``mul_secret``: constant time on blst; blinded by ``rng`` elsewhere)."""
    if not isinstance(key_package, KeyPackage):
        raise ParameterError("expected a KeyPackage")
    _check_group(key_package.group)
    b = get_backend(backend)
    sigma = _h(message, b).mul_secret(key_package.signing_share, rng=rng)
    return SignatureShare(identifier=key_package.identifier, signature=sigma)


def sign_share_hashed(
    key_package: KeyPackage,
    hashed: G2Point,
    *,
    rng: Rng | None = None,
    backend: Backend | str | None = None,
) -> SignatureShare:
    """:func:`sign_share` for a message already hashed with :func:`mdkm.bls.scheme.hash_message`:
    sigma_i = s_i·Q with Q = H(m) (Boldyreva 2003, section 3). ``hashed`` must come from
    ``hash_message(message)``; the share is then identical to ``sign_share(kp, message)``.
    Lets a signer reuse Q to check the combined signature (``combine(..., hashed=Q)``,
    :func:`mdkm.bls.scheme.verify_hashed`) without hashing to the curve again.
    """
    if not isinstance(key_package, KeyPackage):
        raise ParameterError("expected a KeyPackage")
    _check_group(key_package.group)
    q = scheme._hashed_point(hashed, get_backend(backend))
    sigma = q.mul_secret(key_package.signing_share, rng=rng)
    return SignatureShare(identifier=key_package.identifier, signature=sigma)


def _verifying_share(pub: PublicKeyPackage, identifier: int) -> G1Point:
    try:
        y: G1Point = pub.verifying_shares[identifier]
    except KeyError:
        raise ParameterError(f"no verifying share for participant {identifier}") from None
    return y


def verify_share(
    public_key_package: PublicKeyPackage,
    share: SignatureShare,
    message: bytes,
    *,
    backend: Backend | str | None = None,
) -> None:
    """Check one share against its signer's verifying share. None or InvalidSignature."""
    _check_group(public_key_package.group)
    if not isinstance(share, SignatureShare):
        raise ParameterError("expected a SignatureShare")
    b = get_backend(backend)
    y = _verifying_share(public_key_package, share.identifier)
    # e(Y_i, H(m)) == e(P1, sigma_i)
    if not scheme.core_verify_hashed(y, _h(message, b), share.signature, b):
        raise InvalidSignature("invalid signature share")


def _invalid_shares(
    pub: PublicKeyPackage,
    shares: Sequence[SignatureShare],
    q: G2Point,
    backend: Backend,
    rng: Rng | None,
) -> list[int]:
    """Identifiers of the shares that do not verify.

    One batch test first: e(sum c_i·Y_i, H(m)) == e(P1, sum c_i·sigma_i) with random 128-bit c_i
    (small-exponents test, Bellare-Garay-Rabin 1998); only when it fails is each share checked.
    """
    draw = get_rng(rng)
    coeffs = [int.from_bytes(draw(16), "big") | 1 for _ in shares]
    ys = [_verifying_share(pub, s.identifier) for s in shares]
    y_comb = G1Point.multiexp(ys, coeffs, backend=backend)
    s_comb = G2Point.multiexp([s.signature for s in shares], coeffs, backend=backend)
    if scheme.core_verify_hashed(y_comb, q, s_comb, backend):
        return []
    return [
        s.identifier
        for s, y in zip(shares, ys, strict=True)
        if not scheme.core_verify_hashed(y, q, s.signature, backend)
    ]


def combine(
    public_key_package: PublicKeyPackage,
    shares: Iterable[SignatureShare],
    message: bytes,
    *,
    verify: bool = True,
    hashed: G2Point | None = None,
    rng: Rng | None = None,
    backend: Backend | str | None = None,
) -> bytes:
    """Combine at least t shares into the 96-byte signature sum lambda_i·sigma_i.

    ``hashed``, when given, must be ``mdkm.bls.scheme.hash_message(message)``; it replaces the
    hash-to-curve of ``message`` in the checks (the result does not depend on it when
    ``verify`` is False).

    With ``verify`` (the default) every share is checked first; invalid shares raise
    :class:`MisbehaviourError` naming their signers, and the result is checked against the
    group key. Fewer than t shares, duplicate or unknown identifiers raise ParameterError.
    When more than t shares are given, the t with the smallest identifiers are interpolated.
    """
    pub = public_key_package
    _check_group(pub.group)
    items = tuple(shares)
    for s in items:
        if not isinstance(s, SignatureShare):
            raise ParameterError("expected SignatureShare values")
    ids = [s.identifier for s in items]
    if len(set(ids)) != len(ids):
        raise ParameterError("duplicate signer identifiers")
    for i in ids:
        _verifying_share(pub, i)
    if len(items) < pub.min_signers:
        raise ParameterError(f"{len(items)} signature shares, the threshold is {pub.min_signers}")
    b = get_backend(backend)
    if not isinstance(message, bytes | bytearray | memoryview):
        raise ParameterError("message: expected bytes")
    q = None if hashed is None else scheme._hashed_point(hashed, b)
    if verify:
        if q is None:
            q = _h(message, b)
        bad = _invalid_shares(pub, items, q, b, rng)
        if bad:
            raise MisbehaviourError("invalid signature shares", culprits=bad)
    chosen = sorted(items, key=lambda s: s.identifier)[: pub.min_signers]
    chosen_ids = [s.identifier for s in chosen]
    lambdas = [lagrange_coefficient(i, chosen_ids, R) for i in chosen_ids]
    sigma = G2Point.multiexp([s.signature for s in chosen], lambdas, backend=b)
    if q is not None and verify:
        gpk: G1Point = pub.group_public_key
        if not scheme.core_verify_hashed(gpk, q, sigma, b):
            # valid shares that do not interpolate to a signature under the group key:
            # the public key package is inconsistent
            raise InvalidSignature("combined signature does not verify under the group key")
    return sigma.to_bytes()


def threshold_sign_in_process(
    key_packages: Sequence[KeyPackage],
    message: bytes,
    *,
    rng: Rng | None = None,
    backend: Backend | str | None = None,
) -> bytes:
    """Every given participant signs ``message``; the shares are combined (96 bytes).

    For tests, demos and single-process committees. All packages must share the group key and
    threshold; at least t of them are needed.
    """
    kps = list(key_packages)
    if not kps:
        raise ParameterError("no key packages")
    for kp in kps:
        if not isinstance(kp, KeyPackage):
            raise ParameterError("expected KeyPackage values")
        _check_group(kp.group)
    first = kps[0]
    for kp in kps[1:]:
        if kp.group_public_key != first.group_public_key or kp.min_signers != first.min_signers:
            raise ParameterError("key packages belong to different keys")
    ids = [kp.identifier for kp in kps]
    if len(set(ids)) != len(ids):
        raise ParameterError("duplicate signer identifiers")
    if len(kps) < first.min_signers:
        raise ParameterError(f"{len(kps)} signers, the threshold is {first.min_signers}")
    pub = PublicKeyPackage(
        group=GROUP,
        min_signers=first.min_signers,
        group_public_key=first.group_public_key,
        verifying_shares={kp.identifier: kp.verifying_share for kp in kps},
    )
    shares = [sign_share(kp, message, rng=rng, backend=backend) for kp in kps]
    return combine(pub, shares, message, rng=rng, backend=backend)


#: Verify a (threshold or ordinary) BLS signature under the POP ciphersuite: a combined
#: signature is an ordinary BLS signature under the group key, so this is
#: :func:`mdkm.bls.scheme.verify` itself (None or InvalidSignature).
verify = scheme.verify
