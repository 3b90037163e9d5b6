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
   the round number as nonce (each directional key seals at most one message per round) and
   associated data ``session_id || i || j || round`` so a ciphertext cannot be moved to another
   session, sender, recipient or round.

Static-static ECDH gives no forward secrecy: a later compromise of an identity key exposes the
shares that key received. The session id changes per DKG, so keys never repeat across sessions.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Final

from Crypto.Cipher import ChaCha20_Poly1305

from cryptocore.encoding import decode_scalar
from cryptocore.errors import DecryptionError, EncodingError, ParameterError
from cryptocore.rng import Rng, random_scalar
from cryptocore.secp256k1 import N, Point

__all__ = [
    "CIPHERTEXT_OVERHEAD",
    "IdentityKey",
    "PairwiseChannel",
    "hkdf_sha256",
]

_KEY_DST: Final = b"LITHO-CRYPTO-V01-DKG-SHARE-KEY"
CIPHERTEXT_OVERHEAD: Final = 16  # Poly1305 tag


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """RFC 5869 HKDF with SHA-256 (extract then expand)."""
    if not 0 < length <= 255 * 32:
        raise ParameterError("hkdf: bad output length")
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class IdentityKey:
    """A long-term secp256k1 identity key pair (secret: repr redacted, not hashable)."""

    _secret: int

    def __post_init__(self) -> None:
        if not 0 < self._secret < N:
            raise ParameterError("identity secret out of range")

    __hash__ = None  # type: ignore[assignment]

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

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IdentityKey):
            return NotImplemented
        return hmac.compare_digest(self.to_bytes(), other.to_bytes())


class PairwiseChannel:
    """Seals and opens share payloads for one participant in one session (keys cached per peer)."""

    __slots__ = ("_identity", "_keys", "_me", "_peers", "_session_id", "_shared")

    def __init__(
        self, session_id: bytes, me: int, identity: IdentityKey, peers: dict[int, Point]
    ) -> None:
        self._session_id = bytes(session_id)
        self._me = me
        self._identity = identity
        self._peers = dict(peers)
        self._keys: dict[tuple[int, int], bytes] = {}
        self._shared: dict[int, bytes] = {}  # peer -> ECDH point (one ladder per peer)

    def __repr__(self) -> str:
        return f"PairwiseChannel(me={self._me}, keys=<redacted>)"

    def _key(self, sender: int, recipient: int) -> bytes:
        k = self._keys.get((sender, recipient))
        if k is None:
            peer = recipient if sender == self._me else sender
            if peer not in self._peers or self._me not in (sender, recipient):
                raise ParameterError("unknown peer")
            z = self._shared.get(peer)
            if z is None:
                z = self._identity.ecdh(self._peers[peer])
                self._shared[peer] = z
            info = _KEY_DST + sender.to_bytes(32, "big") + recipient.to_bytes(32, "big")
            k = hkdf_sha256(z, self._session_id, info)
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
        """Encrypt ``plaintext`` from this participant to ``recipient`` for ``round_no``."""
        cipher = ChaCha20_Poly1305.new(
            key=self._key(self._me, recipient), nonce=round_no.to_bytes(12, "big")
        )
        cipher.update(self._ad(self._me, recipient, round_no))
        ct, tag = cipher.encrypt_and_digest(plaintext)
        return bytes(ct) + bytes(tag)

    def open(self, sender: int, round_no: int, ciphertext: bytes) -> bytes:
        """Decrypt a payload ``sender`` sealed for this participant; DecryptionError if forged."""
        if len(ciphertext) < CIPHERTEXT_OVERHEAD:
            raise EncodingError("ciphertext too short")
        cipher = ChaCha20_Poly1305.new(
            key=self._key(sender, self._me), nonce=round_no.to_bytes(12, "big")
        )
        cipher.update(self._ad(sender, self._me, round_no))
        try:
            return bytes(
                cipher.decrypt_and_verify(
                    ciphertext[:-CIPHERTEXT_OVERHEAD], ciphertext[-CIPHERTEXT_OVERHEAD:]
                )
            )
        except ValueError:
            raise DecryptionError("share ciphertext does not authenticate") from None
