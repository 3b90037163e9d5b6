"""Deliberately broken rule sets: each must be caught by the scenario tests.

They are test fixtures (mutation testing of the safety checks), never for use:

* :class:`NoConsecutiveViewCheck` commits on any three-chain, consecutive views or not;
* :class:`NoLockCheck` votes for anything in a fresh view, ignoring the lock;
* :class:`DoubleCountingCollector` counts every share it receives, so one signer (or two twins
  sharing a key, or a duplicated message) can be counted twice towards the quorum;
* :class:`NoPersistence` sends votes without writing the safety state first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..quorum import ShareCollector
from ..rules import Rules
from ..types import Block, QuorumCert

if TYPE_CHECKING:
    from ..store import SafetyState, Store

__all__ = [
    "MUTANTS",
    "DoubleCountingCollector",
    "NoConsecutiveViewCheck",
    "NoLockCheck",
    "NoPersistence",
]


class NoConsecutiveViewCheck(Rules):
    def commit_candidate(self, b2: Block, b1: Block, b0: Block) -> bool:
        return b2.parent == b1.hash and b1.parent == b0.hash


class NoLockCheck(Rules):
    def vote_ok(
        self,
        block: Block,
        last_voted_view: int,
        locked_qc: QuorumCert,
        locked_height: int,
        get: Callable[[bytes], Block | None],
    ) -> bool:
        return block.view > last_voted_view


class NoPersistence(Rules):
    def persist_safety(self, store: Store, state: SafetyState) -> None:
        return None


class DoubleCountingCollector(ShareCollector):
    """Counts messages, not distinct signers."""

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.count = 0

    def add(self, signer: int, share: bytes) -> None:
        self.count += self.crypto.committee.weights.get(signer, 0)
        self.shares[signer] = share

    def weight(self) -> int:
        return self.count


MUTANTS: dict[str, dict[str, object]] = {
    "no-consecutive-view-check": {"rules": NoConsecutiveViewCheck},
    "no-lock-check": {"rules": NoLockCheck},
    "double-count-signer": {"collector": DoubleCountingCollector},
    "no-persistence": {"rules": NoPersistence},
}
