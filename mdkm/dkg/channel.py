"""Confidential, authenticated delivery of DKG shares between long-term identity keys.

Each participant owns a long-term secp256k1 identity key (:class:`IdentityKey`). For a pair of
participants ``(i, j)`` in one DKG session:

1. ``Z = sk_i · PK_j`` by static-static ECDH (SEC 1 v2 section 3.3.1), computed with
   :meth:`Point.mul_secret` (libsecp256k1's constant-time ECDH ladder);
2. a directional key ``K_{i->j} = HKDF-SHA256(IKM = Z, salt = session_id,
   info = DST || i || j)``
   (RFC 5869);
3. the share ``(s_ij || s'_ij)`` is sealed with ChaCha20-Poly1305 (RFC 8439) under
   ``K_{i->j}``, with
   the round number as nonce (each directional key seals at most one message per round, which
   :class:`PairwiseChannel` enforces) and associated data ``session_id || i || j || round`` so a
   ciphertext cannot be moved to another session, sender, recipient or round.

The AEAD is RFC 8439 section 2.8 composed from pycryptodome's ChaCha20 and Poly1305 primitives
(:func:`aead_seal`, :func:`aead_open`): one ChaCha20 call produces the one-time Poly1305 key
(block 0, section 2.6) and the ciphertext (blocks 1.., section 2.4), one Poly1305 call
authenticates ``AD || pad || C || pad || len(AD) || len(C)``, and the tag is compared in constant
time. Its output is byte for byte that of ``Crypto.Cipher.ChaCha20_Poly1305`` (tested, together
with the RFC 8439 section 2.8.2 vector); it does the same work with a third of the Python
wrapper calls, which matters with n(n-1) sealed shares per DKG.

Static-static ECDH gives no forward secrecy: a later compromise of an identity key exposes the
shares that key received. The session id changes per DKG, so keys never repeat across sessions.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Final

from Crypto.Cipher import ChaCha20_Poly1305

from cryptocore.encoding import as_bytes, decode_scalar
from cryptocore.errors import DecryptionError, EncodingError, MisuseError, ParameterError
from cryptocore.rng import Rng, random_scalar
from cryptocore.secp256k1 import N, Point
from cryptocore.secret import SecretValue

__all__ = [
    "CIPHERTEXT_OVERHEAD",
    "IdentityKey",
    "PairwiseChannel",
    "aead_open",
    "aead_seal",
    "hkdf_sha256",
]

_KEY_DST: Final = b"LITHO-CRYPTO-V01-DKG-SHARE-KEY"
CIPHERTEXT_OVERHEAD: Final = 16  # Poly1305 tag


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """RFC 5869 HKDF with SHA-256 (extract then expand)."""
    if not 0 < length <= 255 * 32:
        raise ParameterError("hkdf: bad output length")
    return _hkdf_expand(hmac.digest(salt, ikm, "sha256"), info, length)


def _hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 section 2.3 (HKDF-Expand with HMAC-SHA256)."""
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.digest(prk, block + info + bytes([counter]), "sha256")
        out += block
        counter += 1
    return out[:length]


def _check_key_nonce(key: bytes, nonce: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or not isinstance(nonce, bytes | bytearray):
        raise ParameterError("ChaCha20-Poly1305 key and nonce must be bytes")
    if len(key) != 32 or len(nonce) != 12:
        raise ParameterError("ChaCha20-Poly1305 needs a 32-byte key and a 12-byte nonce")


def aead_seal(key: bytes, nonce: bytes, ad: bytes, plaintext: bytes) -> bytes:
    """ChaCha20-Poly1305 (RFC 8439 section 2.8) encryption: ``ciphertext || tag``.

    pycryptodome's AEAD. Never seal two messages under the same (key, nonce).
    """
    _check_key_nonce(key, nonce)
    ad = as_bytes(ad, "associated data")
    plaintext = as_bytes(plaintext, "plaintext")
    cipher = ChaCha20_Poly1305.new(key=bytes(key), nonce=bytes(nonce))
    cipher.update(ad)
    ct, tag = cipher.encrypt_and_digest(plaintext)
    return ct + tag


def aead_open(key: bytes, nonce: bytes, ad: bytes, sealed: bytes) -> bytes:
    """ChaCha20-Poly1305 (RFC 8439 section 2.8) decryption; DecryptionError if forged.

    The plaintext is released only after the tag verified (pycryptodome compares in constant
    time).
    """
    _check_key_nonce(key, nonce)
    ad = as_bytes(ad, "associated data")
    sealed = as_bytes(sealed, "ciphertext")
    if len(sealed) < CIPHERTEXT_OVERHEAD:
        raise EncodingError("ciphertext too short")
    ct, tag = sealed[:-CIPHERTEXT_OVERHEAD], sealed[-CIPHERTEXT_OVERHEAD:]
    cipher = ChaCha20_Poly1305.new(key=bytes(key), nonce=bytes(nonce))
    cipher.update(ad)
    try:
        return cipher.decrypt_and_verify(ct, tag)
    except ValueError:
        raise DecryptionError("share ciphertext does not authenticate") from None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class IdentityKey(SecretValue):
    """A long-term secp256k1 identity key pair (secret: repr redacted, not hashable)."""

    _secret: int

    def __post_init__(self) -> None:
        if not 0 < self._secret < N:
            raise ParameterError("identity secret out of range")

    @classmethod
    def generate(cls, rng: Rng | None = None) -> IdentityKey:
        return cls(random_scalar(N, rng))

    @classmethod
    def from_bytes(cls, data: bytes) -> IdentityKey:
        return cls(decode_scalar(data, N, what="identity key", nonzero=True))

    def to_bytes(self) -> bytes:
        """Secret encoding (store only encrypted)."""
        return self._secret.to_bytes(32, "big")

    @property
    def public_key(self) -> Point:
        return Point.base_mul(self._secret)

    def ecdh(self, peer: Point) -> bytes:
        """The shared point ``sk · peer`` (compressed), on libsecp256k1's constant-time path."""
        if not isinstance(peer, Point) or peer.is_identity:
            raise ParameterError("peer identity key must be a non-identity point")
        return peer.mul_secret(self._secret).to_bytes()

    def __repr__(self) -> str:
        return "IdentityKey(<redacted>)"


class PairwiseChannel:
    """Seals and opens share payloads for one participant in one session (keys cached per peer).

    One ECDH ladder and one HKDF-Extract per peer (``PRK = HMAC(session_id, Z)``, shared by both
    directions), one HKDF-Expand per direction; the keys are exactly
    ``hkdf_sha256(Z, session_id, DST || sender || recipient)``. Sealing twice to the same
    recipient in the same round (the same key and nonce) raises :class:`MisuseError`.
    """

    __slots__ = ("_identity", "_keys", "_me", "_peers", "_prks", "_sealed", "_session_id")

    def __init__(
        self, session_id: bytes, me: int, identity: IdentityKey, peers: dict[int, Point]
    ) -> None:
        self._session_id = bytes(session_id)
        self._me = me
        self._identity = identity
        self._peers = dict(peers)
        self._keys: dict[tuple[int, int], bytes] = {}
        self._prks: dict[int, bytes] = {}  # peer -> HKDF PRK of the ECDH point (one ladder)
        self._sealed: set[tuple[int, int]] = set()  # (recipient, round) already used

    def __repr__(self) -> str:
        return f"PairwiseChannel(me={self._me}, keys=<redacted>)"

    def _key(self, sender: int, recipient: int) -> bytes:
        k = self._keys.get((sender, recipient))
        if k is None:
            peer = recipient if sender == self._me else sender
            if peer not in self._peers or self._me not in (sender, recipient):
                raise ParameterError("unknown peer")
            prk = self._prks.get(peer)
            if prk is None:  # RFC 5869 HKDF-Extract(salt = session id, IKM = Z)
                z = self._identity.ecdh(self._peers[peer])
                prk = hmac.digest(self._session_id, z, "sha256")
                self._prks[peer] = prk
            info = _KEY_DST + sender.to_bytes(32, "big") + recipient.to_bytes(32, "big")
            k = _hkdf_expand(prk, info, 32)
            self._keys[(sender, recipient)] = k
        return k

    def _ad(self, sender: int, recipient: int, round_no: int) -> bytes:
        return (
            self._session_id
            + sender.to_bytes(32, "big")
            + recipient.to_bytes(32, "big")
            + round_no.to_bytes(1, "big")
        )

    def seal(self, recipient: int, round_no: int, plaintext: bytes) -> bytes:
        """Encrypt ``plaintext`` from this participant to ``recipient`` for ``round_no``.

        The nonce is the round number, so each (recipient, round) may be sealed once only.
        """
        key = self._key(self._me, recipient)
        if not 0 <= round_no < 256:
            raise ParameterError("round number must fit one byte")
        if (recipient, round_no) in self._sealed:
            raise MisuseError("already sealed a message to this recipient in this round")
        sealed = aead_seal(
            key, round_no.to_bytes(12, "big"), self._ad(self._me, recipient, round_no), plaintext
        )
        self._sealed.add((recipient, round_no))
        return sealed

    def open(self, sender: int, round_no: int, ciphertext: bytes) -> bytes:
        """Decrypt a payload ``sender`` sealed for this participant; DecryptionError if forged."""
        if len(ciphertext) < CIPHERTEXT_OVERHEAD:
            raise EncodingError("ciphertext too short")
        if not 0 <= round_no < 256:
            raise ParameterError("round number must fit one byte")
        return aead_open(
            self._key(sender, self._me),
            round_no.to_bytes(12, "big"),
            self._ad(sender, self._me, round_no),
            ciphertext,
        )
