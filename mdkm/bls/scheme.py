"""BLS signatures, ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_.

draft-irtf-cfrg-bls-signature-05 (the Ethereum consensus ciphersuite): public keys in G1
(48-byte compressed), signatures in G2 (96-byte compressed), hash_to_point is RFC 9380
BLS12381G2_XMD:SHA-256_SSWU_RO_, the proof-of-possession scheme (section 3.3) guards against
rogue-key attacks in aggregation.

Secret keys are integers in [1, r). Every ``*verify`` function returns ``None`` or raises
:class:`~cryptocore.errors.InvalidSignature` (:class:`~cryptocore.errors.InvalidProof` for
``pop_verify``); a public key or signature that does not decode (bad flags, off the curve or the
subgroup, identity public key) is an invalid signature there too, without saying which.
Arguments of the wrong type or shape (no keys, lengths that differ) raise
:class:`~cryptocore.errors.ParameterError`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Final

from cryptocore.bls12_381 import G1Point, G2Point, R, hash_to_g2, pairing_check
from cryptocore.bls12_381.backend import Backend, get_backend
from cryptocore.errors import EncodingError, InvalidProof, InvalidSignature, ParameterError
from cryptocore.rng import Rng, get_rng

__all__ = [
    "CIPHERSUITE",
    "POP_DST",
    "PUBLIC_KEY_LENGTH",
    "SIGNATURE_LENGTH",
    "aggregate",
    "aggregate_verify",
    "batch_verify",
    "fast_aggregate_verify",
    "hash_message",
    "keygen",
    "pop_prove",
    "pop_verify",
    "sign",
    "sk_to_pk",
    "verify",
    "verify_hashed",
]

#: the ciphersuite id, also the DST of hash_to_point (draft-05 section 4.2.3)
CIPHERSUITE: Final = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
#: the DST of hash_pubkey_to_point for proofs of possession (draft-05 section 4.2.3)
POP_DST: Final = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
PUBLIC_KEY_LENGTH: Final = 48
SIGNATURE_LENGTH: Final = 96
_KEYGEN_SALT: Final = b"BLS-SIG-KEYGEN-SALT-"
_L: Final = 48  # ceil((3 * ceil(log2(r))) / 16)
_BATCH_BITS: Final = 128  # random multipliers of batch verification


def _as_bytes(value: object, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ParameterError(f"{what}: expected bytes, got {type(value).__name__}")
    return bytes(value)


def _check_sk(sk: object) -> int:
    if not isinstance(sk, int) or isinstance(sk, bool) or not 0 < sk < R:
        raise ParameterError("secret key must be an integer in [1, r)")
    return sk


# ----------------------------------------------------------------------------- key generation
def keygen(ikm: bytes, key_info: bytes = b"") -> int:
    """KeyGen(IKM, key_info), draft-05 section 2.3: HKDF-SHA-256 with a rehashed salt.

    ``ikm`` must be at least 32 bytes of secret randomness.
    """
    ikm = _as_bytes(ikm, "ikm")
    key_info = _as_bytes(key_info, "key_info")
    if len(ikm) < 32:
        raise ParameterError("ikm must be at least 32 bytes")
    salt = _KEYGEN_SALT
    sk = 0
    while sk == 0:
        salt = hashlib.sha256(salt).digest()
        # HKDF-Extract(salt, IKM || I2OSP(0, 1)) (RFC 5869 section 2.2)
        prk = hmac.new(salt, ikm + b"\x00", hashlib.sha256).digest()
        # HKDF-Expand(PRK, key_info || I2OSP(L, 2), L) (RFC 5869 section 2.3)
        info = key_info + _L.to_bytes(2, "big")
        okm, block, counter = b"", b"", 1
        while len(okm) < _L:
            block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
            okm += block
            counter += 1
        sk = int.from_bytes(okm[:_L], "big") % R
    return sk


def sk_to_pk(sk: int, *, backend: Backend | str | None = None) -> bytes:
    """SkToPk (draft-05 section 2.4): the 48-byte compressed G1 point sk·P1."""
    return G1Point.base_mul(_check_sk(sk), backend=backend).to_bytes()


# ----------------------------------------------------------------------------- helpers
def _public_key(pk: object, backend: Backend) -> G1Point:
    """pubkey_to_point + KeyValidate (draft-05 section 2.5): decodes, in G1, not the identity."""
    return G1Point.from_bytes(_as_bytes(pk, "public key"), backend=backend)


def _signature(sig: object, backend: Backend) -> G2Point:
    """signature_to_point + signature_subgroup_check (draft-05 sections 2.7, 2.8)."""
    return G2Point.from_bytes(_as_bytes(sig, "signature"), allow_identity=True, backend=backend)


def _core_sign(sk: int, message: bytes, dst: bytes, backend: Backend, rng: Rng | None) -> bytes:
    q = hash_to_g2(_as_bytes(message, "message"), dst, backend=backend)
    return q.mul_secret(_check_sk(sk), rng=rng).to_bytes()


def core_verify_points(
    pk: G1Point, message: bytes, sig: G2Point, dst: bytes, backend: Backend
) -> bool:
    """CoreVerify on decoded points: e(PK, H(m)) == e(P1, sig)."""
    return core_verify_hashed(pk, hash_to_g2(message, dst, backend=backend), sig, backend)


def core_verify_hashed(pk: G1Point, q: G2Point, sig: G2Point, backend: Backend) -> bool:
    """CoreVerify's equation for a message already hashed to Q = H(m) in G2:
    e(PK, Q) == e(P1, sig), as one pairing check e(PK, Q) * e(-P1, sig) == 1 (draft-05 section
    2.7, step 6; also the threshold share and combination checks)."""
    return pairing_check([(pk, q), (-G1Point.generator(backend), sig)], backend=backend)


# ----------------------------------------------------------------------------- sign / verify
def sign(
    sk: int, message: bytes, *, rng: Rng | None = None, backend: Backend | str | None = None
) -> bytes:
    """Sign (CoreSign, draft-05 section 2.6): sk·hash_to_point(message), 96 bytes.

    ``rng`` only feeds the scalar blinding (backends without a constant-time multiplication);
    the signature itself is deterministic.
    """
    return _core_sign(sk, message, CIPHERSUITE, get_backend(backend), rng)


def verify(
    public_key: bytes,
    message: bytes,
    signature: bytes,
    *,
    backend: Backend | str | None = None,
) -> None:
    """Verify (CoreVerify, draft-05 section 2.7). Returns None or raises InvalidSignature."""
    b = get_backend(backend)
    message = _as_bytes(message, "message")
    try:
        pk = _public_key(public_key, b)
        sig = _signature(signature, b)
    except EncodingError:
        raise InvalidSignature("invalid signature") from None
    if not core_verify_points(pk, message, sig, CIPHERSUITE, b):
        raise InvalidSignature("invalid signature")


def hash_message(message: bytes, *, backend: Backend | str | None = None) -> G2Point:
    """hash_to_point(message) of the ciphersuite (draft-05 section 2.6 step 1; RFC 9380
    BLS12381G2_XMD:SHA-256_SSWU_RO_ with DST :data:`CIPHERSUITE`).

    For callers that sign and verify the same statement several times (a threshold share,
    then the combined signature): hash once, then use :func:`verify_hashed` and
    :func:`mdkm.bls.threshold.sign_share_hashed` / ``combine(..., hashed=...)``.
    """
    return hash_to_g2(_as_bytes(message, "message"), CIPHERSUITE, backend=get_backend(backend))


def _hashed_point(hashed: object, backend: Backend) -> G2Point:
    if not isinstance(hashed, G2Point):
        raise ParameterError("hashed message: expected a G2Point from hash_message")
    if hashed.is_identity:
        raise ParameterError("hashed message is the identity")
    if hashed.backend is not backend:
        return G2Point.from_bytes(hashed.to_bytes(), backend=backend)
    return hashed


def verify_hashed(
    public_key: bytes,
    hashed: G2Point,
    signature: bytes,
    *,
    backend: Backend | str | None = None,
) -> None:
    """:func:`verify` for a message already hashed with :func:`hash_message` (CoreVerify,
    draft-05 section 2.7, from step 5 on). ``hashed`` must be ``hash_message(message)``: a
    point of any other origin makes this a check of a different statement.
    Returns None or raises InvalidSignature.
    """
    b = get_backend(backend)
    q = _hashed_point(hashed, b)
    try:
        pk = _public_key(public_key, b)
        sig = _signature(signature, b)
    except EncodingError:
        raise InvalidSignature("invalid signature") from None
    if not core_verify_hashed(pk, q, sig, b):
        raise InvalidSignature("invalid signature")


def aggregate(signatures: Sequence[bytes], *, backend: Backend | str | None = None) -> bytes:
    """Aggregate (draft-05 section 2.8): the sum of the signatures (each subgroup-checked).

    Raises ParameterError for an empty list and EncodingError for a malformed signature.
    """
    sigs = list(signatures)
    if not sigs:
        raise ParameterError("aggregate: no signatures")
    b = get_backend(backend)
    return G2Point.sum([_signature(s, b) for s in sigs], backend=b).to_bytes()


def aggregate_verify(
    public_keys: Sequence[bytes],
    messages: Sequence[bytes],
    signature: bytes,
    *,
    backend: Backend | str | None = None,
) -> None:
    """AggregateVerify (CoreAggregateVerify, draft-05 section 2.9; the PoP scheme, section 3.3,
    does not require distinct messages). Returns None or raises InvalidSignature.
    """
    pks, msgs = list(public_keys), [_as_bytes(m, "message") for m in messages]
    if len(pks) != len(msgs):
        raise ParameterError("aggregate_verify: as many messages as public keys are needed")
    b = get_backend(backend)
    if not pks:
        raise InvalidSignature("invalid signature")  # n >= 1 (draft-05 section 2.9)
    try:
        points = [_public_key(pk, b) for pk in pks]
        sig = _signature(signature, b)
    except EncodingError:
        raise InvalidSignature("invalid signature") from None
    pairs = [(p, hash_to_g2(m, CIPHERSUITE, backend=b)) for p, m in zip(points, msgs, strict=True)]
    pairs.append((-G1Point.generator(b), sig))
    if not pairing_check(pairs, backend=b):
        raise InvalidSignature("invalid signature")


def fast_aggregate_verify(
    public_keys: Sequence[bytes],
    message: bytes,
    signature: bytes,
    *,
    backend: Backend | str | None = None,
) -> None:
    """FastAggregateVerify (draft-05 section 3.3.4): one message, keys with proven possession.

    Every key must be valid and their sum must be a valid key (CoreVerify's KeyValidate).
    """
    pks = list(public_keys)
    message = _as_bytes(message, "message")
    b = get_backend(backend)
    if not pks:
        raise InvalidSignature("invalid signature")
    try:
        agg = G1Point.sum([_public_key(pk, b) for pk in pks], backend=b)
        sig = _signature(signature, b)
    except EncodingError:
        raise InvalidSignature("invalid signature") from None
    if agg.is_identity or not core_verify_points(agg, message, sig, CIPHERSUITE, b):
        raise InvalidSignature("invalid signature")


def batch_verify(
    public_keys: Sequence[bytes],
    messages: Sequence[bytes],
    signatures: Sequence[bytes],
    *,
    rng: Rng | None = None,
    backend: Backend | str | None = None,
) -> None:
    """Verify n (public key, message, signature) triples at once (random linear combination).

    Checks e(P1, sum c_i·sig_i) == prod e(c_i·PK_i, H(m_i)) with fresh random 128-bit c_i, as
    in Ethereum's batch verification (Bellare-Garay-Rabin 1998, "small exponents test"). A batch
    with an invalid member fails except with probability about 2^-128. Raises InvalidSignature
    without saying which member failed (verify them one by one to find out).
    """
    pks, msgs, sigs = list(public_keys), list(messages), list(signatures)
    if not len(pks) == len(msgs) == len(sigs):
        raise ParameterError("batch_verify: lists of different lengths")
    if not pks:
        raise ParameterError("batch_verify: empty batch")
    msgs = [_as_bytes(m, "message") for m in msgs]
    b = get_backend(backend)
    try:
        pk_points = [_public_key(pk, b) for pk in pks]
        sig_points = [_signature(s, b) for s in sigs]
    except EncodingError:
        raise InvalidSignature("invalid signature") from None
    draw = get_rng(rng)
    coeffs = [int.from_bytes(draw(_BATCH_BITS // 8), "big") | 1 for _ in pks]  # odd, so never zero
    combined = G2Point.multiexp(sig_points, coeffs, backend=b)
    pairs = [
        (pk * c, hash_to_g2(m, CIPHERSUITE, backend=b))
        for pk, m, c in zip(pk_points, msgs, coeffs, strict=True)
    ]
    pairs.append((-G1Point.generator(b), combined))
    if not pairing_check(pairs, backend=b):
        raise InvalidSignature("invalid signature")


# ----------------------------------------------------------------------------- proof of possession
def pop_prove(sk: int, *, rng: Rng | None = None, backend: Backend | str | None = None) -> bytes:
    """PopProve (draft-05 section 3.3.2): sk·hash_pubkey_to_point(SkToPk(sk)), 96 bytes."""
    b = get_backend(backend)
    pk = sk_to_pk(sk, backend=b)
    return _core_sign(sk, pk, POP_DST, b, rng)


def pop_verify(public_key: bytes, proof: bytes, *, backend: Backend | str | None = None) -> None:
    """PopVerify (draft-05 section 3.3.3). Returns None or raises InvalidProof."""
    b = get_backend(backend)
    try:
        pk = _public_key(public_key, b)
        pi = _signature(proof, b)
    except EncodingError:
        raise InvalidProof("invalid proof of possession") from None
    if not core_verify_points(pk, pk.to_bytes(), pi, POP_DST, b):
        raise InvalidProof("invalid proof of possession")
