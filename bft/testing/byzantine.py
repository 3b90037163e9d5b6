"""Byzantine behaviours as wrappers (subclasses) around the honest replica.

In the style of relab/hotstuff's Byzantine rule sets: each class changes one behaviour and
keeps the rest honest, so a test can check that honest replicas stay safe (and live, with at
most f of them) against it.

* :class:`EquivocatingLeader` — sends two different blocks for its view to two halves;
* :class:`SilentLeader` — never proposes (votes honestly);
* :class:`InvalidQCLeader` — proposes blocks whose justify QC has a corrupted signature;
* :class:`Replayer` — re-sends every message it receives, as its own, to everyone;
* :class:`UnknownBlockVoter` — votes (first) for blocks that do not exist.
"""

from __future__ import annotations

import hashlib

from ..batch import encode_batch
from ..messages import Proposal, Vote, decode
from ..replica import Replica
from ..types import Block, QuorumCert, vote_message

__all__ = [
    "BEHAVIOURS",
    "EquivocatingLeader",
    "InvalidQCLeader",
    "Replayer",
    "SilentLeader",
    "UnknownBlockVoter",
]


def _own_proposals(r: Replica) -> list[tuple[int, Proposal]]:
    """This replica's not yet tampered proposals in its outbox (each is tampered once)."""
    done: set[int] = r.__dict__.setdefault("_tampered", set())
    out = []
    for i, (to, data) in enumerate(r._out):
        if to is None and data[1:2] == b"\x01":
            p = decode(data)
            if isinstance(p, Proposal) and p.block.proposer == r.id and p.block.view not in done:
                done.add(p.block.view)
                out.append((i, p))
    return out


class EquivocatingLeader(Replica):
    def _maybe_propose(self, now: float) -> None:
        super()._maybe_propose(now)
        for i, p in reversed(_own_proposals(self)):
            a = p.block
            b = Block(
                epoch=a.epoch,
                view=a.view,
                height=a.height,
                parent=a.parent,
                proposer=a.proposer,
                justify=a.justify,
                payload=encode_batch([b"equivocation-%d" % a.view]),
            )
            others = [m for m in self.committee(a.epoch).members if m != self.id]
            half = len(others) // 2
            del self._out[i]
            for k, m in enumerate(others):
                blk = a if k < half else b
                self._out.append((m, Proposal(block=blk, tc=p.tc).to_bytes()))


class SilentLeader(Replica):
    def _maybe_propose(self, now: float) -> None:
        return None


class InvalidQCLeader(Replica):
    def _maybe_propose(self, now: float) -> None:
        super()._maybe_propose(now)
        for i, p in reversed(_own_proposals(self)):
            a = p.block
            if a.justify.view == 0:
                continue
            sig = bytearray(a.justify.signature)
            sig[5] ^= 0x40
            bad = QuorumCert(
                epoch=a.justify.epoch,
                view=a.justify.view,
                block_hash=a.justify.block_hash,
                signature=bytes(sig),
            )
            blk = Block(
                epoch=a.epoch,
                view=a.view,
                height=a.height,
                parent=a.parent,
                proposer=a.proposer,
                justify=bad,
                payload=a.payload,
            )
            self._out[i] = (None, Proposal(block=blk, tc=p.tc).to_bytes())


class Replayer(Replica):
    def receive(self, sender: int, message: bytes, now: float) -> None:
        super().receive(sender, message, now)
        if sender != self.id:
            self._out.append((None, message))


class UnknownBlockVoter(Replica):
    def _maybe_vote(self, b: Block, now: float) -> None:
        if b.view == self.view and b.epoch == self.epoch:
            fake = hashlib.sha256(b"no such block" + b.hash).digest()
            share = self._epochs[self.epoch].crypto.sign_vote_share(
                vote_message(b.epoch, b.view, fake)
            )
            v = Vote(epoch=b.epoch, view=b.view, block_hash=fake, share=share)
            self._out.append((self.leader_of(b.view + 1), v.to_bytes()))
        super()._maybe_vote(b, now)


BEHAVIOURS: dict[str, type[Replica]] = {
    "equivocating-leader": EquivocatingLeader,
    "silent-leader": SilentLeader,
    "invalid-qc": InvalidQCLeader,
    "replayer": Replayer,
    "unknown-block-voter": UnknownBlockVoter,
}
