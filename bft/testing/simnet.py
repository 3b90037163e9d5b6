"""A deterministic simulated network that drives sans-IO replicas without sockets or real time.

Seeded (``random.Random(seed)``): per-message delay (uniform in ``[min_delay, max_delay]``, so
messages reorder), drop and duplicate probabilities, partitions chosen per view (Twins,
Bano et al., "Twins: BFT Systems Made Robust", OPODIS 2021), crashes and restarts of replicas
whose store survives (a disk). Several *instances* may share one node id (twins): a message
addressed to the id reaches every instance of it that is in the sender's partition.

The network observes every message and every event to check invariants
(:meth:`SimNet.check_safety`): honest committed logs are prefixes of each other (so no two
honest replicas commit different blocks at a height), no honest replica votes twice in a view,
and every certificate an honest replica forms is backed by votes actually cast by distinct
members holding more than two thirds of the weight.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cryptocore.errors import CryptoError

from ..crypto import QuorumCrypto
from ..messages import Vote, decode
from ..replica import (
    Committed,
    EpochConfig,
    Failed,
    QCFormed,
    Replica,
    TCFormed,
    Voted,
)
from ..store import MemoryStore
from ..types import Committee

__all__ = ["Instance", "SimNet", "double_epochs", "make_epochs"]

ReplicaFactory = Callable[[int, MemoryStore, float], Replica]


@dataclass
class Instance:
    name: str
    node_id: int
    factory: ReplicaFactory
    honest: bool = True
    store: MemoryStore = field(default_factory=MemoryStore)
    replica: Replica | None = None
    log: list[bytes] = field(default_factory=list)
    tx_log: list[bytes] = field(default_factory=list)
    restarts: int = 0
    last_deadline: float | None = None


def make_epochs(
    committees: Sequence[Committee], crypto: Callable[[Committee], QuorumCrypto]
) -> list[EpochConfig]:
    return [EpochConfig(committee=c, crypto=crypto(c)) for c in committees]


def double_epochs(
    node: int, committees: Sequence[Committee], seed: bytes = b"t"
) -> list[EpochConfig]:
    """Epoch configs with the insecure test double (simulation only)."""
    from .testcrypto import InsecureTestCrypto

    return make_epochs(committees, lambda c: InsecureTestCrypto(c, node, seed))


class SimNet:
    """Discrete-event simulator (see module docstring)."""

    def __init__(
        self,
        seed: int = 0,
        *,
        min_delay: float = 0.001,
        max_delay: float = 0.01,
        drop: float = 0.0,
        duplicate: float = 0.0,
        partitions: Callable[[int], Sequence[set[str]] | None] | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.now = 0.0
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.drop = drop
        self.duplicate = duplicate
        self.partitions = partitions
        self.instances: dict[str, Instance] = {}
        self._q: list[tuple[float, int, str, Any]] = []
        self._seq = 0
        self.sent: Counter[str] = Counter()
        self.sent_bytes: Counter[str] = Counter()
        self.votes_cast: dict[tuple[int, int, bytes], set[int]] = {}
        self.violations: list[str] = []
        self._votes_by: dict[tuple[str, int, int], bytes] = {}
        self.certs: list[tuple[str, int, int, bytes, tuple[int, ...]]] = []
        self.committee_of: dict[int, Committee] = {}
        self.failed: dict[str, CryptoError] = {}
        self._started = False

    # ------------------------------------------------------------------------------------
    def add(
        self, name: str, node_id: int, factory: ReplicaFactory, *, honest: bool = True
    ) -> Instance:
        """Register an instance; replicas start together when :meth:`run` is first called."""
        inst = Instance(name=name, node_id=node_id, factory=factory, honest=honest)
        self.instances[name] = inst
        if self._started:
            self._start(inst)
        return inst

    def _start(self, inst: Instance) -> None:
        inst.replica = inst.factory(inst.node_id, inst.store, self.now)
        inst.last_deadline = None
        for e in inst.replica._epochs.values():
            self.committee_of[e.committee.epoch] = e.committee
        self._flush(inst)

    def crash(self, name: str) -> None:
        self.instances[name].replica = None

    def restart(self, name: str) -> None:
        inst = self.instances[name]
        inst.restarts += 1
        self._start(inst)

    def at(self, t: float, action: Callable[[], None]) -> None:
        self._push(t, "call", action)

    def _push(self, t: float, kind: str, payload: object) -> None:
        self._seq += 1
        heapq.heappush(self._q, (t, self._seq, kind, payload))

    # ------------------------------------------------------------------------------------
    def _partition_ok(self, src: str, dst: str, view: int) -> bool:
        if self.partitions is None:
            return True
        parts = self.partitions(view)
        if parts is None:
            return True
        return any(src in p and dst in p for p in parts)

    _KINDS: ClassVar[dict[int, str]] = {
        1: "proposal",
        2: "vote",
        3: "timeout",
        4: "syncrequest",
        5: "syncresponse",
        6: "syncinfo",
    }

    def _msg_view(self, inst: Instance, data: bytes) -> tuple[str, int]:
        """Kind and view of a message from its fixed header (no full decode)."""
        kind = self._KINDS.get(data[1], "garbage") if len(data) > 16 else "garbage"
        if kind == "proposal":
            return kind, int.from_bytes(data[7:15], "big")
        if kind in ("vote", "timeout"):
            if kind == "vote" and not inst.honest:
                try:
                    m = decode(data)
                except CryptoError:
                    return "garbage", 0
                if isinstance(m, Vote):
                    key = (m.epoch, m.view, m.block_hash)
                    self.votes_cast.setdefault(key, set()).add(inst.node_id)
            return kind, int.from_bytes(data[6:14], "big")
        view = inst.replica.view if inst.replica is not None else 0
        return kind, view

    def _flush(self, inst: Instance) -> None:
        r = inst.replica
        if r is None:
            return
        for ev in r.events():
            self._observe(inst, ev)
        for to, data in r.outbox():
            kind, view = self._msg_view(inst, data)
            targets = [
                o
                for o in self.instances.values()
                if (o.node_id == to if to is not None else o.node_id != inst.node_id)
            ]
            for o in targets:
                if o is inst:  # to itself: local, not a network message
                    self._push(self.now, "msg", (o.name, inst.node_id, data))
                    continue
                self.sent[kind] += 1
                self.sent_bytes[kind] += len(data)
                if not self._partition_ok(inst.name, o.name, view):
                    continue
                if self.rng.random() < self.drop:
                    continue
                copies = 2 if self.rng.random() < self.duplicate else 1
                for _ in range(copies):
                    d = self.rng.uniform(self.min_delay, self.max_delay)
                    self._push(self.now + d, "msg", (o.name, inst.node_id, data))
        if r.mempool and inst.node_id not in r.committee().weights:
            # as bft.node does: a node outside the current committee (joining the next one)
            # never proposes, so its queued transactions go to the next leader
            txs = list(r.mempool)
            r.mempool.clear()
            to = r.leader_of(r.view + 1)
            d = self.rng.uniform(self.min_delay, self.max_delay)
            for o in self.instances.values():
                if o.node_id == to and self._partition_ok(inst.name, o.name, r.view):
                    self._push(self.now + d, "call", lambda o=o, txs=txs: self._hand(o, txs))
        dl = r.next_deadline()
        if dl is not None and dl != inst.last_deadline:
            inst.last_deadline = dl
            self._push(max(dl, self.now), "timer", (inst.name, r))

    def _hand(self, inst: Instance, txs: list[bytes]) -> None:
        if inst.replica is not None:
            inst.replica.add_transactions(txs, self.now)

    def _observe(self, inst: Instance, ev: object) -> None:
        if isinstance(ev, Committed):
            if len(inst.log) + 1 != ev.height:
                if inst.honest:
                    self.violations.append(f"{inst.name}: commit height gap")
            inst.log.append(ev.block.hash)
        elif isinstance(ev, Voted):
            self.votes_cast.setdefault((ev.epoch, ev.view, ev.block_hash), set()).add(inst.node_id)
            if not inst.honest:
                return
            prev = self._votes_by.get((str(inst.node_id), ev.epoch, ev.view))
            if prev is not None and prev != ev.block_hash:
                self.violations.append(f"{inst.name}: double vote in view {ev.view}")
            self._votes_by[(str(inst.node_id), ev.epoch, ev.view)] = ev.block_hash
        elif isinstance(ev, QCFormed) and inst.honest:
            self.certs.append((inst.name, ev.qc.epoch, ev.qc.view, ev.qc.block_hash, ev.signers))
        elif isinstance(ev, TCFormed):
            pass
        elif isinstance(ev, Failed) and inst.honest:
            self.failed[inst.name] = ev.error

    # ------------------------------------------------------------------------------------
    def run(self, until: float, *, max_events: int = 2_000_000) -> None:
        if not self._started:
            self._started = True
            for inst in self.instances.values():
                inst.replica = inst.factory(inst.node_id, inst.store, self.now)
                for e in inst.replica._epochs.values():
                    self.committee_of[e.committee.epoch] = e.committee
            for inst in self.instances.values():
                self._flush(inst)
        n = 0
        while self._q and self._q[0][0] <= until and n < max_events:
            t, _, kind, payload = heapq.heappop(self._q)
            name: str
            self.now = max(self.now, t)
            n += 1
            if kind == "call":
                payload()
                for inst in self.instances.values():
                    self._flush(inst)
            elif kind == "msg":
                name, sender, data = payload
                inst = self.instances[name]
                if inst.replica is None:
                    continue
                inst.replica.receive(sender, data, self.now)
                self._flush(inst)
            else:
                name, rep = payload
                inst = self.instances[name]
                if inst.replica is not rep or rep is None:
                    continue
                dl = rep.next_deadline()
                if dl is None or dl > self.now + 1e-12:
                    continue
                rep.handle_timer(self.now)
                self._flush(inst)
        self.now = max(self.now, until)

    # ------------------------------------------------------------------------------------
    def honest_logs(self) -> dict[str, list[bytes]]:
        return {n: i.log for n, i in self.instances.items() if i.honest}

    def check_safety(self) -> list[str]:
        """Violated invariants (empty when all hold)."""
        out = list(self.violations)
        for inst in self.instances.values():  # epochs whose keys arrived during the run
            if inst.replica is not None:
                for e in inst.replica._epochs.values():
                    self.committee_of.setdefault(e.committee.epoch, e.committee)
        logs = list(self.honest_logs().items())
        for i, (na, la) in enumerate(logs):
            for nb, lb in logs[i + 1 :]:
                k = min(len(la), len(lb))
                if la[:k] != lb[:k]:
                    out.append(f"logs of {na} and {nb} diverge")
        for name, epoch, view, h, _signers in self.certs:
            voters = self.votes_cast.get((epoch, view, h), set())
            com = self.committee_of[epoch]
            if com.weight_of(voters) < com.quorum:
                out.append(f"{name}: QC for view {view} without a quorum of votes")
        for name, err in self.failed.items():
            out.append(f"{name} failed: {err}")
        return out

    def min_committed(self) -> int:
        return min((len(i.log) for i in self.instances.values() if i.honest), default=0)
