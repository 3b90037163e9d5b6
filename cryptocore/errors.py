"""One error hierarchy for the whole library.

Every failure caused by bad input or a misbehaving peer is a :class:`CryptoError`.

* :class:`ParameterError` and :class:`EncodingError` are also :class:`ValueError`: a caller passed
  something malformed (wrong length, scalar out of range, point off the curve, duplicate ids ...).
* :class:`VerificationError` is featureless on purpose: it never says *which* part of a signature,
  proof or share failed (``InvalidSignature``, ``InvalidProof``, ``InvalidShare``).
* :class:`ProtocolError` covers interactive protocols: :class:`MisuseError` is a local mistake
  (wrong state, reused nonce); :class:`MisbehaviourError` is a remote peer's fault and names the
  culprits.
* :class:`StorageError` is a persistence failure; nothing already stored is lost by it.

Messages never contain secret values.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CryptoError",
    "DecryptionError",
    "DoubleSpendError",
    "EncodingError",
    "ExpiredError",
    "InvalidProof",
    "InvalidShare",
    "InvalidSignature",
    "MisbehaviourError",
    "MisuseError",
    "ParameterError",
    "ProtocolError",
    "ReplayError",
    "StorageError",
    "VerificationError",
]


class CryptoError(Exception):
    """Root of every error raised by litho-crypto."""


class ParameterError(CryptoError, ValueError):
    """An argument is out of range or inconsistent (ids, thresholds, scalars, sizes)."""


class EncodingError(CryptoError, ValueError):
    """Bytes do not decode to a canonical value (length, flags, off-curve, non-canonical)."""


class VerificationError(CryptoError):
    """A cryptographic check failed. Featureless: it does not say what failed."""


class InvalidSignature(VerificationError):
    """A signature (or signature share) does not verify."""


class InvalidProof(VerificationError):
    """A zero-knowledge proof or proof of possession does not verify."""


class InvalidShare(VerificationError):
    """A secret share does not match its public commitments."""


class ExpiredError(VerificationError):
    """A signed statement is past its expiry or from an epoch that is no longer current."""


class DecryptionError(VerificationError):
    """Authenticated decryption failed (wrong password or key, or tampered ciphertext)."""


class ProtocolError(CryptoError):
    """An interactive protocol cannot go on."""


class MisuseError(ProtocolError):
    """Local misuse: wrong state, reused single-use value, call out of order."""


class MisbehaviourError(ProtocolError):
    """A remote participant misbehaved. ``culprits`` names them (sorted, unique)."""

    def __init__(self, message: str, culprits: Iterable[int] = ()) -> None:
        self.culprits: tuple[int, ...] = tuple(sorted(set(culprits)))
        suffix = f" (culprits: {list(self.culprits)})" if self.culprits else ""
        super().__init__(message + suffix)


class DoubleSpendError(CryptoError):
    """A key image (or nonce) was already recorded: the value is spent."""


class ReplayError(CryptoError):
    """A message or attestation nonce was seen before: refused as a replay."""


class StorageError(CryptoError):
    """Persistent storage failed; previously stored data is untouched."""
