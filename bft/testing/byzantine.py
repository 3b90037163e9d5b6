"""Byzantine behaviours as wrappers (subclasses) around the honest replica.

In the style of relab/hotstuff's Byzantine rule sets: each class changes one behaviour and
keeps the rest honest, so a test can check that honest replicas stay safe (and live, with at
most f of them) against it.

* :class:`EquivocatingLeader` — sends two different blocks for its view to two halves;
* :class:`SilentLeader` — never proposes (votes honestly);
* :class:`ForkingLeader` — after a failed view, extends an old certified block (not the
  highest), so only the lock rule protects the committed chain;
* :class:`InvalidQCLeader` — proposes blocks whose justify QC has a corrupted signature;
* :class:`Replayer` — re-sends every message it receives, as its own, to everyone;
* :class:`UnknownBlockVoter` — votes (first) for blocks that do not exist.
"""

from __future__ import annotations

import hashlib

from cryptocore.errors import CryptoError

from ..batch import encode_batch
from ..messages import Proposal, Timeout, Vote, decode
from ..replica import Replica, Voted
from ..types import Block, QuorumCert, TimeoutCert, vote_message

__all__ = [
    "BEHAVIOURS",
    "EquivocatingLeader",
    "ForkingLeader",
    "InvalidQCLeader",
    "Replayer",
    "ScriptedForkLeader",
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


class ForkingLeader(Replica):
    """When it leads after a failed view (it holds a TC), extends an *old* certified block
    instead of the highest one: a fork that only the lock rule stops."""

    def _maybe_propose(self, now: float) -> None:
        v = self.view
        cfg = self._epochs[self.epoch]
        tc = self._last_tc
        if (
            self._leader(cfg.committee, v) == self.id
            and v > self._proposed_view
            and v > self.last_voted_view
            and tc is not None
            and tc.view + 1 == v
        ):
            certs = sorted(
                {b.justify.view: b.justify for b in self._blocks.values() if b.height > 0}.items()
            )
            if len(certs) > 3:
                # an old certificate, chosen by the view number (deterministic)
                qc = certs[(v * 7) % max(1, len(certs) - 2)][1]
                parent = self.get_block(qc.block_hash)
                if parent is not None and parent.epoch == self.epoch:
                    self._proposed_view = v
                    blk = Block(
                        epoch=self.epoch,
                        view=v,
                        height=parent.height + 1,
                        parent=parent.hash,
                        proposer=self.id,
                        justify=qc,
                        payload=encode_batch([b"fork-%d" % v]),
                    )
                    self._out.append((None, Proposal(block=blk, tc=tc).to_bytes()))
                    return
        super()._maybe_propose(now)


class ScriptedForkLeader(Replica):
    """Leads every view of a scripted window (a leader schedule a Twins scenario may choose) and
    grows two branches from genesis, using only votes and timeouts honest replicas really send:
    b0@1, f@2, b1@3, f2@4, b2@5, then b3@6 (with QC(b2)) to node 0 only and f3@6, f4@7, f5@8,
    f6@9 to nodes 1 and 2. The ``b`` chain is a three-chain with direct parents but *gaps* in
    the views; the ``f`` chain ends in three consecutive views. Honest rules commit only the
    ``f`` chain; a commit rule without the consecutive-view check also commits ``b0`` at node 0.
    """

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self._step = 0
        self._named: dict[str, Block] = {}
        self._qcs: dict[bytes, QuorumCert] = {}
        self._tcs: dict[int, TimeoutCert] = {}
        self._drive(float(kw.get("now", 0.0)))  # type: ignore[arg-type]

    def _maybe_propose(self, now: float) -> None:
        return None

    def _on_vote(self, sender: int, v: Vote, now: float) -> None:
        self.view = min(self.view, v.view + 1)  # it collects every view's votes
        super()._on_vote(sender, v, now)

    def _on_timeout_msg(self, sender: int, t: Timeout, now: float) -> None:
        self.view = min(self.view, t.view)
        super()._on_timeout_msg(sender, t, now)

    def _process_qc(self, qc: QuorumCert, now: float) -> None:
        self._qcs[qc.block_hash] = qc
        super()._process_qc(qc, now)

    def _process_tc(self, tc: TimeoutCert, now: float) -> None:
        self._tcs[tc.view] = tc
        super()._process_tc(tc, now)

    def receive(self, sender: int, message: bytes, now: float) -> None:
        super().receive(sender, message, now)
        self._drive(now)

    def handle_timer(self, now: float) -> None:
        self.pacemaker.start_view(now)  # it never times out itself
        self._drive(now)

    # (name, view, parent name or None for genesis, recipients)
    _SCRIPT: tuple[tuple[tuple[str, int, str | None, tuple[int, ...]], ...], ...] = (
        (("b0", 1, None, (0, 1, 2)),),
        (("f", 2, None, (0, 1, 2)),),
        (("b1", 3, "b0", (0, 1, 2)),),
        (("f2", 4, "f", (0, 1, 2)),),
        (("b2", 5, "b1", (0, 1, 2)),),
        (("b3", 6, "b2", (0,)), ("f3", 6, "f2", (1, 2))),
        (("f4", 7, "f3", (1, 2)),),
        (("f5", 8, "f4", (1, 2)),),
        (("f6", 9, "f5", (1, 2)),),
    )

    def _drive(self, now: float) -> None:
        while self._step < len(self._SCRIPT):
            items = self._SCRIPT[self._step]
            plans = []
            for name, view, parent_name, to in items:
                parent = self.genesis if parent_name is None else self._named[parent_name]
                qc = self.genesis_qc if parent_name is None else self._qcs.get(parent.hash)
                tc = self._tcs.get(view - 1)
                if qc is None or (qc.view + 1 != view and tc is None):
                    return
                plans.append((name, view, parent, qc, None if qc.view + 1 == view else tc, to))
            for name, view, parent, qc, tc, to in plans:
                blk = Block(
                    epoch=0,
                    view=view,
                    height=parent.height + 1,
                    parent=parent.hash,
                    proposer=self.id,
                    justify=qc,
                    payload=encode_batch([name.encode()]),
                )
                self._named[name] = blk
                self._blocks[blk.hash] = blk
                data = Proposal(block=blk, tc=tc).to_bytes()
                for m in to:
                    self._out.append((m, data))
                if len(to) > 1 or name.startswith("f"):
                    share = self._epochs[0].crypto.sign_vote_share(vote_message(0, view, blk.hash))
                    vote = Vote(epoch=0, view=view, block_hash=blk.hash, share=share)
                    self._events.append(Voted(0, view, blk.hash))
                    try:
                        self._collect_vote(self.id, vote, now)
                    except CryptoError:
                        pass
            self._step += 1


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
    "forking-leader": ForkingLeader,
    "scripted-fork": ScriptedForkLeader,
    "silent-leader": SilentLeader,
    "invalid-qc": InvalidQCLeader,
    "replayer": Replayer,
    "unknown-block-voter": UnknownBlockVoter,
}
