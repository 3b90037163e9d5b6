"""Linkable ring signatures of the CLSAG family on secp256k1.

Reference: B. Goodell, S. Noether, RandomRun, "Concise Linkable Ring Signatures and Forgery
Against Adversarial Keys", IACR ePrint 2019/654 (CLSAG), section 3 (the scheme with d key
components, its aggregation coefficients and round hashes); and "Zero to Monero" 2nd ed.,
section 3.4 (bLSAG) and 3.6 (CLSAG).

Two forms share one code path:

* **single-key** (``FORM_SINGLE`` = bLSAG, i.e. CLSAG with d = 1): member i is a public key
  P_i; the signer knows x with P_l = x·G. Key image I = x·Hp(P_l). Round i:
  L_i = s_i·G + c_i·P_i, R_i = s_i·Hp(P_i) + c_i·I.
* **two-key** (``FORM_COMMITMENT`` = CLSAG with d = 2): member i is (P_i, C_i); with the
  commitment offset C_off the signer also knows z with C_l − C_off = z·G, and publishes the
  auxiliary image D = z·Hp(P_l). Aggregation coefficients (CLSAG section 3, "H_agg"):
  mu_P = H_agg(tag_P, ring, C_off, I, D), mu_C = H_agg(tag_C, ring, C_off, I, D);
  W_i = mu_P·P_i + mu_C·(C_i − C_off), W~ = mu_P·I + mu_C·D, w = mu_P·x + mu_C·z. Round i:
  L_i = s_i·G + c_i·W_i, R_i = s_i·Hp(P_i) + c_i·W~. Only I links; D is not a linking tag.

Round hash (CLSAG's H_0, here SHA-512 reduced mod n, bias below 2^-256):
c_{i+1} = H(tag_round || form || n || P_0..P_{n-1} || [C_0..C_{n-1} || C_off] || I || [D]
|| len(m) || m || L_i || R_i). Everything before L_i is hashed once and the hash state copied
for each round (``hashlib`` ``copy()``), so a ring of n costs n short hash updates, not n
hashes of an O(n) input. The ring is sorted canonically (by compressed encoding of P_i);
the signer's index is wherever its key falls.

Secret-dependent multiplications (x·Hp(P_l), alpha·G, alpha·Hp(P_l), z·Hp(P_l)) use
``Point.base_mul`` / ``Point.mul_secret`` (libsecp256k1's constant-time paths). The decoy
rounds of signing and every round of verification use public scalars only and go through the
faster variable-time paths of :mod:`ringsig._ecops`. The scalar arithmetic on x, z and alpha
(s_l = alpha − c_l·w mod n) is CPython integer arithmetic, which is not constant time (see
docs/ringsig.md, "Security notes").

Signature encoding (version 1), all fixed width, big-endian::

    0x01 || form (0x01 single-key, 0x02 two-key) || n (2 bytes) || c_0 (32)
         || s_0 .. s_{n-1} (32 each) || I (33, compressed) || [D (33, compressed)]

Decoding rejects scalars >= n, c_0 = 0, n < 2, non-canonical or off-curve points (including
uncompressed and hybrid forms), and truncated or padded input.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from cryptocore.encoding import decode_scalar, read_exact
from cryptocore.errors import EncodingError, InvalidSignature, ParameterError
from cryptocore.rng import Rng, get_rng, random_scalar
from cryptocore.secp256k1 import N, Point, msm
from ringsig import _ecops
from ringsig.key_image import hash_to_points
from ringsig.keys import (
    DEFAULT_MAX_RING_SIZE,
    SigningKey,
    _check_key,
    _valid_key,
    canonical_ring,
)

__all__ = [
    "FORM_COMMITMENT",
    "FORM_SINGLE",
    "MAX_ENCODED_RING_SIZE",
    "RingSignature",
    "SignatureInput",
    "batch_verify",
    "link",
    "sign",
    "verify",
]

VERSION: Final = 1
FORM_SINGLE: Final = 1
FORM_COMMITMENT: Final = 2
MAX_ENCODED_RING_SIZE: Final = 0xFFFF

_TAG_ROUND: Final = b"LITHO-CRYPTO-V01-RINGSIG-CLSAG-ROUND"
_TAG_AGG_P: Final = b"LITHO-CRYPTO-V01-RINGSIG-CLSAG-AGG-P"
_TAG_AGG_C: Final = b"LITHO-CRYPTO-V01-RINGSIG-CLSAG-AGG-C"
_IDENTITY_ENC: Final = _ecops.IDENTITY_ENC


def _tagged(tag: bytes) -> hashlib._Hash:
    h = hashlib.sha512()
    h.update(len(tag).to_bytes(1, "big") + tag)
    return h


def _to_scalar(h: hashlib._Hash) -> int:
    return int.from_bytes(h.digest(), "big") % N


# ---------------------------------------------------------------------------- signature value


@dataclass(frozen=True, slots=True, kw_only=True)
class RingSignature:
    """A CLSAG/bLSAG signature: first challenge c_0, responses s_i, key image(s).

    ``key_image`` is the 33-byte compressed linking tag I; ``aux_image`` is D (two-key form
    only, else None).
    """

    challenge: int
    responses: tuple[int, ...]
    key_image: bytes
    aux_image: bytes | None = None

    def __post_init__(self) -> None:
        c = self.challenge
        if not isinstance(c, int) or isinstance(c, bool) or not 0 < c < N:
            raise EncodingError("signature: challenge must be in [1, n)")
        resp = tuple(self.responses)
        if not 2 <= len(resp) <= MAX_ENCODED_RING_SIZE:
            raise EncodingError("signature: ring size out of range")
        for s in resp:
            if not isinstance(s, int) or isinstance(s, bool) or not 0 <= s < N:
                raise EncodingError("signature: response must be in [0, n)")
        object.__setattr__(self, "responses", resp)
        object.__setattr__(self, "key_image", _strict_point(self.key_image, "key image"))
        if self.aux_image is not None:
            object.__setattr__(self, "aux_image", _strict_point(self.aux_image, "aux image"))

    @property
    def form(self) -> int:
        return FORM_SINGLE if self.aux_image is None else FORM_COMMITMENT

    @property
    def ring_size(self) -> int:
        return len(self.responses)

    def to_bytes(self) -> bytes:
        out = bytearray([VERSION, self.form])
        out += len(self.responses).to_bytes(2, "big")
        out += self.challenge.to_bytes(32, "big")
        for s in self.responses:
            out += s.to_bytes(32, "big")
        out += self.key_image
        if self.aux_image is not None:
            out += self.aux_image
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> RingSignature:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise EncodingError("signature: expected bytes")
        data = bytes(data)
        head, off = read_exact(data, 0, 4, "signature")
        if head[0] != VERSION:
            raise EncodingError("signature: unknown version")
        form = head[1]
        if form not in (FORM_SINGLE, FORM_COMMITMENT):
            raise EncodingError("signature: unknown form")
        n = int.from_bytes(head[2:4], "big")
        if n < 2:
            raise EncodingError("signature: ring size out of range")
        expected = 4 + 32 + 32 * n + 33 * form
        if len(data) != expected:
            raise EncodingError("signature: wrong length (truncated or padded)")
        c_b, off = read_exact(data, off, 32, "signature")
        c0 = decode_scalar(c_b, N, what="signature challenge", nonzero=True)
        resp = []
        for _ in range(n):
            s_b, off = read_exact(data, off, 32, "signature")
            resp.append(decode_scalar(s_b, N, what="signature response"))
        i_b, off = read_exact(data, off, 33, "signature")
        d_b = None
        if form == FORM_COMMITMENT:
            d_b, off = read_exact(data, off, 33, "signature")
        return cls(challenge=c0, responses=tuple(resp), key_image=i_b, aux_image=d_b)


def _strict_point(value: object, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise EncodingError(f"{what}: expected bytes")
    try:
        return _valid_key(bytes(value))  # strict compressed decoding, cached by encoding
    except EncodingError:
        raise EncodingError(f"{what}: not a canonical compressed point") from None


def _as_signature(signature: RingSignature | bytes) -> RingSignature:
    if isinstance(signature, RingSignature):
        return signature
    return RingSignature.from_bytes(signature)


# ---------------------------------------------------------------------------- shared context


class _Context:
    """Everything a round needs, computed once per (message, ring, images)."""

    __slots__ = ("hp", "mu_c", "n", "prefix", "w_prep", "w_scale", "wt_prep")

    def __init__(
        self,
        form: int,
        message: bytes,
        ring: tuple[bytes, ...],
        commitments: tuple[bytes, ...] | None,
        offset: bytes,
        image: bytes,
        aux: bytes | None,
    ) -> None:
        n = len(ring)
        self.n = n
        hp = hash_to_points(ring)
        self.hp = [_ecops.prepare(h.to_bytes()) for h in hp]
        ring_bytes = b"".join(ring)
        header = bytes([form]) + n.to_bytes(2, "big") + ring_bytes
        if form == FORM_COMMITMENT:
            assert commitments is not None and aux is not None
            header += b"".join(commitments) + offset
            images = image + aux
            # CLSAG section 3: aggregation coefficients over the whole ring and both images.
            agg_p = _tagged(_TAG_AGG_P)
            agg_p.update(header + images)
            agg_c = _tagged(_TAG_AGG_C)
            agg_c.update(header + images)
            mu_p, mu_c = _to_scalar(agg_p), _to_scalar(agg_c)
            if mu_p == 0:  # probability 2^-256; the ratio trick below needs mu_P != 0
                raise InvalidSignature("ring signature does not verify")
            # W_i = mu_P·(P_i + k·C_i − k·C_off) with k = mu_C / mu_P: one tweak_mul per
            # member here, and L_i = s_i·G + (c_i·mu_P)·W'_i in one multiplication per round.
            k = mu_c * pow(mu_p, -1, N) % N
            t_enc = _IDENTITY_ENC
            if offset != _IDENTITY_ENC:
                t = -(Point.from_bytes(offset) * k)
                t_enc = _IDENTITY_ENC if t.is_identity else t.to_bytes()
            t_prep = _ecops.Prepared(t_enc)
            w_prime = [
                _ecops.add_scaled(_ecops.prepare(p_i), k, _ecops.prepare(c_i), t_prep)
                for p_i, c_i in zip(ring, commitments, strict=True)
            ]
            self.w_prep = w_prime
            self.w_scale = mu_p
            self.mu_c = mu_c
            wt = msm((mu_p, mu_c), (Point.from_bytes(image), Point.from_bytes(aux)))
            self.wt_prep = _ecops.Prepared(_IDENTITY_ENC if wt.is_identity else wt.to_bytes())
        else:
            images = image
            self.w_prep = [_ecops.prepare(p) for p in ring]
            self.w_scale = 1
            self.mu_c = 0
            self.wt_prep = _ecops.Prepared(image)
        h = _tagged(_TAG_ROUND)
        h.update(header + images + len(message).to_bytes(8, "big") + message)
        self.prefix = h

    def challenge(self, l_enc: bytes, r_enc: bytes) -> int:
        h = self.prefix.copy()
        h.update(l_enc + r_enc)
        return _to_scalar(h)

    def round(self, i: int, s: int, c: int) -> int:
        """c_{i+1} from (s_i, c_i): L_i = s_i·G + c_i·W_i, R_i = s_i·Hp(P_i) + c_i·W~."""
        l_enc = _ecops.g_comb(s, c * self.w_scale, self.w_prep[i])
        r_enc = _ecops.comb2(s, self.hp[i], c, self.wt_prep)
        return self.challenge(l_enc, r_enc)


def _check_message(message: bytes) -> bytes:
    if not isinstance(message, bytes | bytearray | memoryview):
        raise ParameterError("message must be bytes")
    return bytes(message)


def _prepare_members(
    ring: Sequence[bytes],
    commitments: Sequence[bytes] | None,
    offset: bytes | None,
    max_ring_size: int,
) -> tuple[tuple[bytes, ...], tuple[bytes, ...] | None, bytes]:
    """Canonical order for the ring (and the commitments that travel with their keys)."""
    if isinstance(ring, bytes | bytearray | str):
        raise ParameterError("ring must be a sequence of public keys")
    ring = tuple(ring)
    canon = canonical_ring(ring, max_ring_size=max_ring_size)
    if commitments is None:
        if offset is not None:
            raise ParameterError("a commitment offset needs commitments")
        return canon, None, _IDENTITY_ENC
    if isinstance(commitments, bytes | bytearray | str):
        raise ParameterError("commitments must be a sequence of points")
    comms = [_strict_point(c, "commitment") for c in commitments]
    if len(comms) != len(canon):
        raise ParameterError("one commitment per ring member is required")
    by_key = dict(zip((_check_key(p) for p in ring), comms, strict=True))
    off = _IDENTITY_ENC if offset is None else _strict_point(offset, "commitment offset")
    return canon, tuple(by_key[p] for p in canon), off


# ---------------------------------------------------------------------------- sign


def sign(
    message: bytes,
    ring: Sequence[bytes],
    secret_key: int | SigningKey,
    rng: Rng | None = None,
    *,
    commitments: Sequence[bytes] | None = None,
    commitment_offset: bytes | None = None,
    commitment_secret: int | None = None,
    max_ring_size: int = DEFAULT_MAX_RING_SIZE,
) -> RingSignature:
    """GenerateRingSignature(m, keyset, I, x): sign ``message`` on behalf of ``ring``.

    ``ring`` holds 33-byte compressed public keys, in any order, and must contain x·G. For the
    two-key form pass ``commitments`` (aligned with ``ring``), the ``commitment_offset``
    C_off (default: none, i.e. the identity) and ``commitment_secret`` z with
    C_l − C_off = z·G, z != 0.

    Raises ParameterError (duplicates, size out of [2, max_ring_size], signer not in the ring,
    bad secret) or EncodingError (a member that is not a canonical compressed point).
    """
    message = _check_message(message)
    x = secret_key.secret if isinstance(secret_key, SigningKey) else secret_key
    if not isinstance(x, int) or isinstance(x, bool) or not 0 < x < N:
        raise ParameterError("secret key must be in [1, n)")
    canon, comms, offset = _prepare_members(ring, commitments, commitment_offset, max_ring_size)
    own = Point.base_mul(x).to_bytes()
    try:
        l_idx = canon.index(own)
    except ValueError:
        raise ParameterError("the signer's public key is not in the ring") from None
    n = len(canon)
    r = get_rng(rng)
    hp_l = hash_to_points([own])[0]
    image = hp_l.mul_secret(x).to_bytes()  # I = x·Hp(P_l), constant time
    z = 0
    aux: bytes | None = None
    form = FORM_SINGLE
    if comms is not None:
        if commitment_secret is None:
            raise ParameterError("the two-key form needs the commitment secret z")
        z = commitment_secret
        if not isinstance(z, int) or isinstance(z, bool) or not 0 < z < N:
            raise ParameterError("commitment secret must be in [1, n)")
        c_off = Point.identity() if offset == _IDENTITY_ENC else Point.from_bytes(offset)
        if Point.from_bytes(comms[l_idx]) - c_off != Point.base_mul(z):
            raise ParameterError("commitment secret does not open the signer's commitment")
        aux = hp_l.mul_secret(z).to_bytes()  # D = z·Hp(P_l), constant time
        form = FORM_COMMITMENT
    elif commitment_secret is not None:
        raise ParameterError("a commitment secret needs commitments")

    ctx = _Context(form, message, canon, comms, offset, image, aux)
    if form == FORM_COMMITMENT:
        # w = mu_P·x + mu_C·z, recomputed from the same hashes as the context.
        w = (ctx.w_scale * x + ctx.mu_c * z) % N
    else:
        w = x
    while True:  # repeats only if a challenge is 0 (probability about n·2^-256)
        alpha = random_scalar(N, r)
        l_enc = Point.base_mul(alpha).to_bytes()  # constant time
        r_enc = hp_l.mul_secret(alpha).to_bytes()  # constant time
        c = ctx.challenge(l_enc, r_enc)
        s = [0] * n
        c0 = c if l_idx == n - 1 else 0
        ok = c != 0
        i = (l_idx + 1) % n
        while ok and i != l_idx:
            s[i] = random_scalar(N, r, nonzero=False)
            c = ctx.round(i, s[i], c)
            ok = c != 0
            i = (i + 1) % n
            if i == 0:
                c0 = c
        if not ok:
            continue
        s[l_idx] = (alpha - c * w) % N
        return RingSignature(challenge=c0, responses=tuple(s), key_image=image, aux_image=aux)


# ---------------------------------------------------------------------------- verify


def _verify_one(
    message: bytes,
    ring: Sequence[bytes],
    signature: RingSignature | bytes,
    commitments: Sequence[bytes] | None,
    commitment_offset: bytes | None,
    max_ring_size: int,
) -> None:
    message = _check_message(message)
    sig = _as_signature(signature)
    canon, comms, offset = _prepare_members(ring, commitments, commitment_offset, max_ring_size)
    form = FORM_SINGLE if comms is None else FORM_COMMITMENT
    if sig.form != form or sig.ring_size != len(canon):
        raise InvalidSignature("ring signature does not verify")
    ctx = _Context(form, message, canon, comms, offset, sig.key_image, sig.aux_image)
    c = sig.challenge
    for i, s in enumerate(sig.responses):
        c = ctx.round(i, s, c)
        if c == 0:
            raise InvalidSignature("ring signature does not verify")
    if not hmac.compare_digest(c.to_bytes(32, "big"), sig.challenge.to_bytes(32, "big")):
        raise InvalidSignature("ring signature does not verify")


def verify(
    message: bytes,
    ring: Sequence[bytes],
    signature: RingSignature | bytes,
    *,
    commitments: Sequence[bytes] | None = None,
    commitment_offset: bytes | None = None,
    max_ring_size: int = DEFAULT_MAX_RING_SIZE,
) -> None:
    """VerifyRingSignature: return None or raise InvalidSignature (featureless).

    ``ring`` may be in any order (it is sorted canonically). ``signature`` is a
    :class:`RingSignature` or its bytes. Malformed inputs raise EncodingError (undecodable
    signature bytes or ring members) or ParameterError (duplicates, size out of range); a
    signature that does not verify raises InvalidSignature without saying where it failed.
    """
    _verify_one(message, ring, signature, commitments, commitment_offset, max_ring_size)


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureInput:
    """One item of :func:`batch_verify`: a message, its ring, the signature (and commitments)."""

    message: bytes
    ring: tuple[bytes, ...]
    signature: RingSignature | bytes
    commitments: tuple[bytes, ...] | None = None
    commitment_offset: bytes | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ring", tuple(self.ring))
        if self.commitments is not None:
            object.__setattr__(self, "commitments", tuple(self.commitments))


def batch_verify(
    items: Iterable[SignatureInput],
    *,
    max_ring_size: int = DEFAULT_MAX_RING_SIZE,
    require_unlinked: bool = True,
) -> None:
    """Verify many signatures; None if all verify, else InvalidSignature (featureless).

    A ring signature's challenges form a chain, so there is no algebraic batching as for
    Schnorr; the batch shares the Hp(P) cache and the parsed-point cache. With
    ``require_unlinked`` (default) two signatures in the batch with the same key image (a
    double spend inside one block) also fail. To find the bad item, verify the items one by
    one.
    """
    seen: set[bytes] = set()
    for it in items:
        if not isinstance(it, SignatureInput):
            raise ParameterError("batch_verify takes SignatureInput items")
        sig = _as_signature(it.signature)
        if require_unlinked:
            if sig.key_image in seen:
                raise InvalidSignature("batch does not verify")
            seen.add(sig.key_image)
        try:
            _verify_one(
                it.message, it.ring, sig, it.commitments, it.commitment_offset, max_ring_size
            )
        except InvalidSignature:
            raise InvalidSignature("batch does not verify") from None


# ---------------------------------------------------------------------------- link


def link(signature_a: RingSignature | bytes, signature_b: RingSignature | bytes) -> bool:
    """True when both signatures carry the same key image (one key signed both).

    Only meaningful for signatures that verify; compares canonical encodings in constant time.
    """
    a = _as_signature(signature_a)
    b = _as_signature(signature_b)
    return hmac.compare_digest(a.key_image, b.key_image)
