"""An INSECURE, fast test double of :class:`bft.crypto.QuorumCrypto` for the simulator.

Shares are HMAC tags under per-unit keys derived from a public seed; the "threshold signature"
is a tag under an epoch key every instance knows. Anyone can forge everything: it exists only so
that thousands of simulated scenarios run in seconds. Like a real BLS combination, ``combine``
does not check the weight itself — counting the quorum is :mod:`bft.quorum`'s job — and the
scenario checker audits every certificate against the votes actually cast. Never use it outside
tests; the real cluster uses :class:`bft.crypto.ThresholdBLS`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from cryptocore.errors import InvalidSignature, MisuseError, ParameterError

from ..types import SIG_LEN, Committee

__all__ = ["InsecureTestCrypto"]


class InsecureTestCrypto:
    """Test double; ``node`` is the local signer (``None`` for a verifier)."""

    def __init__(self, committee: Committee, node: int | None, seed: bytes = b"test") -> None:
        self.committee = committee
        self._node = node
        self._seed = seed + committee.epoch.to_bytes(4, "big")

    def _unit_key(self, node: int) -> bytes:
        return hashlib.sha256(b"unit" + self._seed + node.to_bytes(4, "big")).digest()

    def sign_vote_share(self, message: bytes) -> bytes:
        if self._node is None or self._node not in self.committee.weights:
            raise MisuseError("no key share")
        return hmac.new(self._unit_key(self._node), message, hashlib.sha256).digest()

    def verify_share(self, signer: int, share: bytes, message: bytes) -> None:
        if signer not in self.committee.weights:
            raise ParameterError("share from a non-member")
        good = hmac.new(self._unit_key(signer), message, hashlib.sha256).digest()
        if not hmac.compare_digest(good, share):
            raise InvalidSignature()

    def combine(self, shares: Mapping[int, bytes], message: bytes) -> bytes:
        for signer, share in shares.items():
            self.verify_share(signer, share, message)
        return self._tag(message)

    def _tag(self, message: bytes) -> bytes:
        out = b""
        ctr = 0
        while len(out) < SIG_LEN:
            out += hmac.new(self._seed + bytes([ctr]), message, hashlib.sha256).digest()
            ctr += 1
        return out[:SIG_LEN]

    def verify_qc(self, message: bytes, signature: bytes) -> None:
        if not hmac.compare_digest(self._tag(message), signature):
            raise InvalidSignature()
