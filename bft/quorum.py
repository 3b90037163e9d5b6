"""Collecting signature shares into a certificate.

A :class:`ShareCollector` gathers shares on one statement (a vote or a timeout) from distinct
committee members. When the *distinct* signers hold more than two thirds of the weight it
combines them and checks the result once (one pairing check for BLS); only when that check
fails does it verify the shares one by one to drop the bad ones and name their senders.
"""

from __future__ import annotations

from cryptocore.errors import CryptoError, MisbehaviourError

from .crypto import QuorumCrypto
from .types import ReplayedMessage

__all__ = ["ShareCollector"]


class ShareCollector:
    """Shares from distinct signers on one ``message``."""

    def __init__(self, crypto: QuorumCrypto, message: bytes) -> None:
        self.crypto = crypto
        self.message = message
        self.shares: dict[int, bytes] = {}
        self.done = False

    def add(self, signer: int, share: bytes) -> None:
        """Record a share; a second share from the same signer is a replay."""
        if signer in self.shares:
            raise ReplayedMessage("share already received", culprits=[signer])
        self.shares[signer] = share

    def weight(self) -> int:
        return self.crypto.committee.weight_of(self.shares)

    def ready(self) -> bool:
        return not self.done and self.weight() >= self.crypto.committee.quorum

    def try_combine(self) -> bytes | None:
        """The combined signature once a quorum is in, else None.

        Raises :class:`MisbehaviourError` naming the senders of invalid shares (they are
        removed; more shares may complete the quorum later).
        """
        if not self.ready():
            return None
        try:
            sig = self.crypto.combine(self.shares, self.message)
            self.crypto.verify_qc(self.message, sig)
        except CryptoError:
            bad = []
            for signer, share in list(self.shares.items()):
                try:
                    self.crypto.verify_share(signer, share, self.message)
                except CryptoError:
                    bad.append(signer)
                    del self.shares[signer]
            if bad:
                raise MisbehaviourError("invalid signature shares", culprits=bad) from None
            raise
        self.done = True
        return sig
