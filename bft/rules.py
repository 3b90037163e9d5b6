"""Safety rules of chained 3-chain HotStuff, as small overridable methods.

Yin et al., "HotStuff: BFT Consensus with Linearity and Responsiveness", PODC 2019,
Algorithm 3 (chained HotStuff) and Algorithm 4 (event-driven):

* vote rule (``safeNode``): vote once per view, for a block that extends the locked block, or
  whose justify QC is from a later view than the lock;
* lock rule: on a QC for ``b2`` with ``b2.justify`` certifying ``b1``, lock on ``b1``
  (the two-chain);
* commit rule: ``b2 -> b1 -> b0`` with *direct* parents and *consecutive* views, then the QC
  of ``b2`` commits ``b0`` and its ancestors (the three-chain).

Byzantine wrappers and deliberately broken variants (:mod:`bft.testing.mutants`) subclass
:class:`Rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .types import Block, QuorumCert

if TYPE_CHECKING:
    from .store import SafetyState, Store

__all__ = ["Rules"]


class Rules:
    """The honest rule set."""

    def extends(
        self,
        block: Block,
        ancestor_hash: bytes,
        ancestor_height: int,
        get: Callable[[bytes], Block | None],
    ) -> bool:
        """Whether ``block`` descends from (or is) the block ``ancestor_hash``."""
        cur: Block | None = block
        while cur is not None and cur.height > ancestor_height:
            cur = get(cur.parent)
        return cur is not None and cur.hash == ancestor_hash

    def vote_ok(
        self,
        block: Block,
        last_voted_view: int,
        locked_qc: QuorumCert,
        locked_height: int,
        get: Callable[[bytes], Block | None],
    ) -> bool:
        """safeNode: fresh view, and (extends the lock or the justify is newer than the lock)."""
        if block.view <= last_voted_view:
            return False
        if block.justify.view > locked_qc.view:
            return True
        return self.extends(block, locked_qc.block_hash, locked_height, get)

    def lock_candidate(self, b2: Block, locked_qc: QuorumCert) -> QuorumCert | None:
        """On a QC for ``b2``: the new lock (``b2.justify``) if it is newer."""
        if b2.height > 0 and b2.justify.view > locked_qc.view:
            return b2.justify
        return None

    def commit_candidate(self, b2: Block, b1: Block, b0: Block) -> bool:
        """Three-chain with direct parents and consecutive views."""
        return (
            b2.parent == b1.hash
            and b1.parent == b0.hash
            and b2.view == b1.view + 1
            and b1.view == b0.view + 1
        )

    def persist_safety(self, store: Store, state: SafetyState) -> Callable[[], None] | None:
        """Start recording the safety state durably; it must be on disk before a vote or
        timeout share leaves the node.

        Returns None when the state is already durable, else a function that returns once it
        is (and raises :class:`~cryptocore.errors.StorageError` if the write failed). The
        replica computes its signature share in between and calls the function before it
        sends the share, so the fsync overlaps the share's G2 multiplication instead of
        following it.
        """
        begin = getattr(store, "begin_save_safety", None)
        if begin is not None:
            wait: Callable[[], None] = begin(state)
            return wait
        store.save_safety(state)
        return None
