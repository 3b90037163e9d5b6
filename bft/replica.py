"""The sans-IO replica: chained 3-chain HotStuff with threshold-signed QCs and TCs.

Like h11 or aioquic, :class:`Replica` never touches sockets or clocks. The driver calls
:meth:`Replica.receive` with ``(sender, message_bytes, now)`` and :meth:`Replica.handle_timer`
with ``now``; it then sends everything from :meth:`Replica.outbox` (``(recipient, bytes)``,
recipient ``None`` = every other committee member; a message addressed to the replica itself
must be fed back to its ``receive``), reads :meth:`Replica.events` and re-arms one
timer at :meth:`Replica.next_deadline`.

Protocol (Yin et al., PODC 2019, Algorithms 3 and 4; pacemaker of section 4.4):

* view ``v`` has leader ``leader(v)`` (round robin). It proposes a block extending its highest
  QC; the proposal carries the QC of its parent and, after a failed view, the TC of ``v - 1``.
* a replica votes at most once per view, by the rule of :class:`bft.rules.Rules`, and sends its
  share to ``leader(v + 1)`` only; that leader combines a quorum of shares into one threshold
  signature (the QC) and proposes in ``v + 1``: 2(n-1) messages per block in the steady state.
* on a timeout a replica signs ``(epoch, v)`` and sends the share with its highest QC to
  ``leader(v + 1)`` only; a quorum combines into a TC: the view change stays linear.
* the safety state is durable (one fdatasync'ed record, :mod:`bft.store`) before any vote or
  timeout share leaves the replica.
* epochs: the epoch's last block (``Committee.last_height``) is followed by empty blocks only;
  once it is committed the replica switches to the next committee and key and starts the first
  view of the new epoch with a timeout certificate.

Malformed, replayed, stale or unauthorised messages are dropped and reported as
:class:`MessageDropped` events carrying a typed :mod:`cryptocore.errors` exception.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptocore.errors import (
    CryptoError,
    EncodingError,
    MisbehaviourError,
    ParameterError,
    ProtocolError,
)

from .batch import count_batch, encode_batch
from .crypto import QuorumCrypto
from .leader import leader
from .messages import (
    MAX_SYNC_BLOCKS,
    Proposal,
    SyncInfo,
    SyncRequest,
    SyncResponse,
    Timeout,
    Vote,
    decode,
)
from .pacemaker import Pacemaker
from .quorum import ShareCollector
from .rules import Rules
from .store import CommitRecord, MemoryStore, SafetyState, Store
from .types import (
    SIG_LEN,
    Block,
    Committee,
    QuorumCert,
    ReplayedMessage,
    StaleMessage,
    TimeoutCert,
    UnknownSender,
    genesis_block,
    timeout_message,
    vote_message,
)

__all__ = [
    "Committed",
    "EpochChanged",
    "EpochConfig",
    "EpochSource",
    "Event",
    "Failed",
    "MessageDropped",
    "Proposed",
    "QCFormed",
    "Replica",
    "TCFormed",
    "ViewChanged",
    "Voted",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class EpochConfig:
    """An epoch: its committee and the quorum crypto (this node's key shares, if a member)."""

    committee: Committee
    crypto: QuorumCrypto


class EpochSource(Protocol):
    """Where later epochs' keys come from when they are not known at start (:mod:`bft.keygen`).

    The replica calls :meth:`on_commit` for every committed block, in height order, before it
    looks for the next epoch's configuration; transactions the source wants ordered (its DKG
    messages) are queued at the front of this node's mempool.
    """

    def on_commit(self, block: Block) -> None: ...

    def take_transactions(self) -> list[bytes]: ...

    def configs(self) -> Mapping[int, EpochConfig]: ...

    def expects(self, epoch: int) -> bool: ...


# ------------------------------------------------------------------------------------------
# events


@dataclass(frozen=True, slots=True)
class Committed:
    block: Block
    height: int
    tx_start: int


@dataclass(frozen=True, slots=True)
class ViewChanged:
    view: int
    reason: str


@dataclass(frozen=True, slots=True)
class Voted:
    epoch: int
    view: int
    block_hash: bytes


@dataclass(frozen=True, slots=True)
class Proposed:
    block: Block


@dataclass(frozen=True, slots=True)
class QCFormed:
    qc: QuorumCert
    signers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TCFormed:
    tc: TimeoutCert
    signers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class EpochChanged:
    epoch: int


@dataclass(frozen=True, slots=True)
class MessageDropped:
    sender: int
    error: CryptoError


@dataclass(frozen=True, slots=True)
class Failed:
    error: CryptoError


Event = (
    Committed
    | ViewChanged
    | Voted
    | Proposed
    | QCFormed
    | TCFormed
    | EpochChanged
    | MessageDropped
    | Failed
)

_KEEP_BLOCKS = 64  # committed blocks kept in memory below the committed tip
_MAX_PENDING = 4096
_VOTE_WINDOW = 1000  # accept votes/timeouts at most this many views ahead


class Replica:
    """One validator (see the module docstring)."""

    def __init__(
        self,
        node_id: int,
        epochs: Sequence[EpochConfig],
        store: Store | None = None,
        *,
        now: float = 0.0,
        rules: Rules | None = None,
        base_timeout: float = 1.0,
        max_timeout: float = 60.0,
        max_block_bytes: int = 1 << 20,
        max_block_txs: int = 10_000,
        chain_id: bytes = b"litho",
        collector: type[ShareCollector] = ShareCollector,
        leader_fn: Callable[[Committee, int], int] = leader,
        transactions: Iterable[bytes] = (),
        idle_wait: float = 0.0,
        epoch_source: EpochSource | None = None,
    ) -> None:
        if not epochs:
            raise ParameterError("at least one epoch is needed")
        self.id = node_id
        self._epochs = {e.committee.epoch: e for e in epochs}
        if len(self._epochs) != len(epochs):
            raise ParameterError("duplicate epochs")
        self.store: Store = store if store is not None else MemoryStore()
        self.rules = rules or Rules()
        self._collector_cls = collector
        self._leader = leader_fn
        self.pacemaker = Pacemaker(base_timeout, max_timeout)
        self.max_block_bytes = max_block_bytes
        self.max_block_txs = max_block_txs
        self.genesis = genesis_block(chain_id)
        self.genesis_qc = QuorumCert(
            epoch=0, view=0, block_hash=self.genesis.hash, signature=bytes(SIG_LEN)
        )
        self.failed: CryptoError | None = None
        self._out: list[tuple[int | None, bytes]] = []
        self._events: list[Event] = []
        self._blocks: dict[bytes, Block] = {self.genesis.hash: self.genesis}
        self._verified: set[bytes] = set()
        self._pending: dict[bytes, list[tuple[int, Proposal]]] = {}
        self._n_pending = 0
        self._chains: dict[bytes, tuple[int, list[Block]]] = {}
        self._requested: dict[bytes, float] = {}
        self._votes: dict[tuple[int, int, bytes], ShareCollector] = {}
        self._vote_seen: dict[tuple[int, int], dict[int, bytes]] = {}
        self._timeouts: dict[tuple[int, int], tuple[ShareCollector, QuorumCert]] = {}
        self._proposals_seen: dict[tuple[int, int], bytes] = {}
        self._last_tc: TimeoutCert | None = None
        self._proposed_view = 0
        self._timed_out_view = 0
        self._last_vote: Vote | None = None
        self.mempool: deque[bytes] = deque(transactions)
        if not 0.0 <= idle_wait < base_timeout:
            raise ParameterError("idle_wait must be in [0, base_timeout)")
        self.idle_wait = idle_wait
        self._idle_until: float | None = None
        self._forced = False
        self._idle_view = -1
        self._tx_counts: dict[bytes, int] = {}  # checked blocks: transactions in the payload
        self._now = now
        self._inflight: dict[bytes, tuple[int, list[bytes]]] = {}
        self._source = epoch_source

        first_epoch = min(self._epochs)
        st = self.store.load_safety()
        if st is None:
            st = SafetyState(
                epoch=first_epoch,
                view=1,
                last_voted_view=0,
                locked_qc=self.genesis_qc,
                high_qc=self.genesis_qc,
            )
        self.epoch = st.epoch
        self.last_voted_view = st.last_voted_view
        self.locked_qc = st.locked_qc
        self.high_qc = st.high_qc
        self.view = max(st.view, st.high_qc.view + 1, st.last_voted_view)
        tip = self.store.committed_tip()
        self.committed_height = tip.height if tip else 0
        self.committed_hash = tip.block_hash if tip else self.genesis.hash
        self.committed_txs = tip.tx_start + tip.tx_count if tip else 0
        if tip is not None:
            b = self.store.get_block(tip.block_hash)
            if b is None:
                raise ProtocolError("store: committed tip block missing")
            self._blocks[b.hash] = b
        for b in self.store.blocks_above(self.committed_height):
            self._blocks[b.hash] = b
        self._from_source()
        self._enter_view(self.view, now, "start", force=True)

    # --------------------------------------------------------------------------------------
    # public driver API

    def receive(self, sender: int, message: bytes, now: float) -> None:
        """Process one message from authenticated ``sender``; bad messages are dropped."""
        if self.failed is not None:
            return
        self._now = now
        try:
            msg = decode(message)
            # catch-up requests are served to any authenticated peer (a node joining the next
            # committee follows the chain before it is a member); everything else must come
            # from a member of a known committee
            if not self._known_sender(sender) and not isinstance(msg, SyncRequest):
                raise UnknownSender("sender is not a committee member", culprits=[sender])
            if isinstance(msg, Proposal):
                self._on_proposal(sender, msg, now)
            elif isinstance(msg, Vote):
                self._on_vote(sender, msg, now)
            elif isinstance(msg, Timeout):
                self._on_timeout_msg(sender, msg, now)
            elif isinstance(msg, SyncRequest):
                self._on_sync_request(sender, msg)
            elif isinstance(msg, SyncInfo):
                self._on_sync_info(sender, msg, now)
            else:
                self._on_sync_response(sender, msg, now)
        except CryptoError as exc:
            self._events.append(MessageDropped(sender, exc))

    def handle_timer(self, now: float) -> None:
        """Fire the view timeout if its deadline has passed."""
        if self.failed is not None:
            return
        self._now = now
        if self._idle_until is not None and now >= self._idle_until:
            self._propose_now(now)
            self._idle_until = None
        if not self.pacemaker.expired(now):
            return
        try:
            self.pacemaker.on_timeout()
            self._local_timeout(now, "timeout")
        except CryptoError as exc:
            self._fail(exc)

    def next_deadline(self) -> float | None:
        if self.failed is not None:
            return None
        dl = self.pacemaker.deadline
        if self._idle_until is not None and (dl is None or self._idle_until < dl):
            return self._idle_until
        return dl

    def outbox(self) -> list[tuple[int | None, bytes]]:
        out, self._out = self._out, []
        return out

    def events(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def add_transactions(self, txs: Iterable[bytes], now: float | None = None) -> None:
        """Queue transactions for this node's next proposals.

        A leader that was holding back an empty proposal (``idle_wait``) proposes them at once.
        """
        self.mempool.extend(txs)
        if self._idle_until is not None and self.mempool and self.failed is None:
            self._propose_now(self._now if now is None else now)

    @property
    def proposed_view(self) -> int:
        """The last view this replica proposed in (0 before its first proposal)."""
        return self._proposed_view

    def committee(self, epoch: int | None = None) -> Committee:
        return self._epochs[self.epoch if epoch is None else epoch].committee

    def leader_of(self, view: int) -> int:
        return self._leader(self.committee(), view)

    def get_block(self, block_hash: bytes) -> Block | None:
        b = self._blocks.get(block_hash)
        return b if b is not None else self.store.get_block(block_hash)

    # --------------------------------------------------------------------------------------
    # helpers

    def _fail(self, exc: CryptoError) -> None:
        self.failed = exc
        self._events.append(Failed(exc))

    def _known_sender(self, sender: int) -> bool:
        return any(sender in e.committee.weights for e in self._epochs.values())

    def _crypto(self, epoch: int) -> QuorumCrypto:
        cfg = self._epochs.get(epoch)
        if cfg is None:
            raise StaleMessage("unknown epoch")
        return cfg.crypto

    def _send(self, to: int | None, data: bytes, now: float) -> None:
        if to == self.id:
            self.receive(self.id, data, now)
        else:
            self._out.append((to, data))

    def _verify_qc(self, qc: QuorumCert) -> None:
        if qc.view == 0:
            if qc != self.genesis_qc:
                raise MisbehaviourError("forged genesis certificate")
            return
        key = b"Q" + qc.to_bytes()
        if key in self._verified:
            return
        self._crypto(qc.epoch).verify_qc(qc.signed_message(), qc.signature)
        self._remember(key)

    def _verify_tc(self, tc: TimeoutCert) -> None:
        key = b"T" + tc.to_bytes()
        if key in self._verified:
            return
        self._crypto(tc.epoch).verify_qc(tc.signed_message(), tc.signature)
        self._remember(key)

    def _remember(self, key: bytes) -> None:
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified.add(key)

    def _height_of(self, block_hash: bytes) -> int | None:
        b = self.get_block(block_hash)
        return None if b is None else b.height

    def _safety_state(self) -> SafetyState:
        return SafetyState(
            epoch=self.epoch,
            view=self.view,
            last_voted_view=self.last_voted_view,
            locked_qc=self.locked_qc,
            high_qc=self.high_qc,
        )

    def _request(
        self, to: int, block_hash: bytes, now: float, count: int = MAX_SYNC_BLOCKS
    ) -> None:
        last = self._requested.get(block_hash)
        if last is not None and now - last < 0.5 * self.pacemaker.base:
            return
        if len(self._requested) > 10_000:
            self._requested.clear()
        self._requested[block_hash] = now
        if to != self.id:
            self._out.append((to, SyncRequest(block_hash=block_hash, count=count).to_bytes()))

    # --------------------------------------------------------------------------------------
    # views

    def _enter_view(self, view: int, now: float, reason: str, *, force: bool = False) -> None:
        if view <= self.view and not force:
            return
        self.view = view
        self.pacemaker.start_view(now)
        self._events.append(ViewChanged(view, reason))
        for key in [k for k in self._votes if k[1] + 2 < view]:
            del self._votes[key]
        for key2 in [k for k in self._vote_seen if k[1] + 2 < view]:
            del self._vote_seen[key2]
        for key3 in [k for k in self._timeouts if k[1] + 2 < view]:
            del self._timeouts[key3]
        self._maybe_propose(now)

    def _local_timeout(self, now: float, reason: str) -> None:
        """Sign a timeout for the current view, persist, send it and move to the next view.

        The first timeout after progress goes to the next two leaders only (linear view change).
        After consecutive failed views the share is broadcast, and replicas that see timeouts
        for a later view from more than a third of the weight join that view (Bracha-style
        amplification, as in the DiemBFT/Jolteon pacemaker): this re-synchronises views that
        drifted apart, at quadratic cost only while views keep failing.
        """
        cfg = self._epochs[self.epoch]
        view = self.view
        if self.id in cfg.committee.weights and view > self._timed_out_view:
            self._timed_out_view = view
            self.view = view + 1
            # the write runs while the share is computed; it is on disk before the share leaves
            wait = self.rules.persist_safety(self.store, self._safety_state())
            self.view = view
            share = cfg.crypto.sign_vote_share(timeout_message(self.epoch, view))
            if wait is not None:
                wait()
            lv = self._last_vote
            if lv is not None and (lv.epoch != self.epoch or lv.view + 2 < view):
                lv = None
            msg = Timeout(
                epoch=self.epoch, view=view, high_qc=self.high_qc, share=share, last_vote=lv
            )
            self.view = view
            broadcast = self.pacemaker.failures > 1 or reason == "join"
            self._enter_view(view + 1, now, reason)
            data = msg.to_bytes()
            if broadcast:
                self._out.append((None, data))
                self.receive(self.id, data, now)
            else:
                # the next two leaders (2 messages per replica: still linear). If the next
                # leader is down, the one after it still combines the votes carried in the
                # timeouts into a QC, so a crashed leader does not stop commits
                nxt = self._leader(cfg.committee, view + 1)
                after = self._leader(cfg.committee, view + 2)
                self._send(nxt, data, now)
                if after != nxt:
                    self._send(after, data, now)
        else:
            self._enter_view(view + 1, now, reason)

    # --------------------------------------------------------------------------------------
    # proposals

    def _propose_now(self, now: float) -> None:
        """Propose without holding back an empty block (idle wait over or transactions in)."""
        self._forced = True
        try:
            self._maybe_propose(now)
        finally:
            self._forced = False

    def _maybe_propose(self, now: float) -> None:
        cfg = self._epochs[self.epoch]
        v = self.view
        if self._idle_view != v:
            self._idle_until = None
        if self._leader(cfg.committee, v) != self.id or v <= self._proposed_view:
            return
        if v <= self.last_voted_view:
            return
        tc: TimeoutCert | None = None
        if self.high_qc.view + 1 != v:
            if self._last_tc is None or self._last_tc.view + 1 != v:
                return
            tc = self._last_tc
        parent = self.get_block(self.high_qc.block_hash)
        if parent is None:
            return
        if parent.epoch != self.epoch and not self._epoch_finalised_by(parent):
            return
        end = cfg.committee.last_height
        if (
            self.idle_wait > 0
            and not self._forced
            and tc is None
            and not self.mempool
            and end is None
            and self._chain_is_idle(parent)
        ):
            # nothing to order and nothing left to commit: hold the empty block back for up to
            # idle_wait (less than a view timeout) and propose as soon as transactions arrive
            # (as Aptos' proposal generator waits for payload); saves the CPU of empty views
            if self._idle_until is None:
                self._idle_until, self._idle_view = now + self.idle_wait, v
            return
        self._idle_until = None
        self._proposed_view = v
        txs: list[bytes] = []
        if end is None or parent.height + 1 <= end:
            size = 0
            while self.mempool and len(txs) < self.max_block_txs:
                tx = self.mempool[0]
                if size + len(tx) + 4 > self.max_block_bytes and txs:
                    break
                txs.append(self.mempool.popleft())
                size += len(tx) + 4
        block = Block(
            epoch=self.epoch,
            view=v,
            height=parent.height + 1,
            parent=parent.hash,
            proposer=self.id,
            justify=self.high_qc,
            payload=encode_batch(txs),
        )
        if txs:
            self._inflight[block.hash] = (block.height, txs)
        self._events.append(Proposed(block))
        data = Proposal(block=block, tc=tc).to_bytes()
        self._out.append((None, data))
        # the leader's own copy goes through the outbox too, so the driver sends the proposal
        # before the leader spends time signing and persisting its own vote
        self._out.append((self.id, data))

    def _chain_is_idle(self, tip: Block) -> bool:
        """Whether ``tip`` and its two parents carry no transactions.

        The QC of the block proposed on ``tip`` commits tip's grandparent; while any of the
        three carries transactions, the leader must propose at once so that every replica
        learns the commit.
        """
        cur: Block | None = tip
        for _ in range(3):
            if cur is None or cur.height == 0:
                return True
            if cur.payload:  # a non-empty payload holds at least one transaction
                return False
            cur = self.get_block(cur.parent)
        return True

    def _epoch_finalised_by(self, parent: Block) -> bool:
        """Whether ``parent`` (from an earlier epoch) is where the current epoch may start."""
        return parent.epoch < self.epoch

    def _on_proposal(self, sender: int, p: Proposal, now: float) -> None:
        b = p.block
        cfg = self._epochs.get(b.epoch)
        if cfg is None:
            self._behind_epoch(sender, b.epoch, b.parent, now)
            raise StaleMessage("proposal for an unknown epoch")
        if b.height == 0 or sender != self._leader(cfg.committee, b.view) or b.proposer != sender:
            raise UnknownSender("proposal not from the view's leader", culprits=[sender])
        seen = self._proposals_seen.get((b.epoch, b.view))
        if seen is not None:
            if seen == b.hash:
                raise ReplayedMessage("proposal already received")
            raise MisbehaviourError("leader equivocated", culprits=[sender])
        self._verify_qc(b.justify)
        if p.tc is not None:
            if p.tc.epoch != b.epoch:
                raise MisbehaviourError("TC from another epoch", culprits=[sender])
            self._verify_tc(p.tc)
        if b.hash in self._blocks:
            self._proposals_seen[(b.epoch, b.view)] = b.hash
            if p.tc is not None:
                self._process_tc(p.tc, now)
            self._maybe_vote(b, now)
            return
        if self.get_block(b.parent) is None:
            if self._n_pending < _MAX_PENDING:
                self._pending.setdefault(b.parent, []).append((sender, p))
                self._n_pending += 1
            self._request(sender, b.parent, now)
            return
        self._proposals_seen[(b.epoch, b.view)] = b.hash
        if len(self._proposals_seen) > 10_000:
            cut = self.view - 100
            self._proposals_seen = {k: v for k, v in self._proposals_seen.items() if k[1] > cut}
        self._accept_block(b, now)
        if p.tc is not None:
            self._process_tc(p.tc, now)
        self._maybe_vote(b, now)
        self._release_pending(b.hash, now)

    def _release_pending(self, block_hash: bytes, now: float) -> None:
        waiting = self._pending.pop(block_hash, [])
        self._n_pending -= len(waiting)
        for sender, q in waiting:
            try:
                self._on_proposal(sender, q, now)
            except CryptoError as exc:
                self._events.append(MessageDropped(sender, exc))

    def _check_block(self, b: Block, parent: Block) -> None:
        if b.height != parent.height + 1 or b.view <= parent.view:
            raise MisbehaviourError("block does not follow its parent", culprits=[b.proposer])
        if b.epoch != parent.epoch:
            pc = self._epochs.get(parent.epoch)
            if (
                b.epoch < parent.epoch
                or b.epoch not in self._epochs
                or pc is None
                or pc.committee.last_height is None
                or parent.height < pc.committee.last_height
            ):
                raise MisbehaviourError("bad epoch transition", culprits=[b.proposer])
        end = self._epochs[b.epoch].committee.last_height
        if end is not None and b.height > end and b.payload:
            raise MisbehaviourError("payload after the epoch's last block", culprits=[b.proposer])
        try:
            self._tx_counts[b.hash] = count_batch(b.payload)
        except EncodingError:
            raise MisbehaviourError("malformed batch", culprits=[b.proposer]) from None

    def _accept_block(self, b: Block, now: float) -> None:
        """Store a block whose parent is known and whose justify QC verified."""
        parent = self.get_block(b.parent)
        if parent is None:  # pragma: no cover - callers check
            raise ProtocolError("parent missing")
        self._check_block(b, parent)
        self._blocks[b.hash] = b
        self.store.put_block(b)
        self._process_qc(b.justify, now)

    def _maybe_vote(self, b: Block, now: float) -> None:
        if b.view != self.view or b.epoch != self.epoch:
            return
        cfg = self._epochs[self.epoch]
        if self.id not in cfg.committee.weights:
            return
        locked_height = self._height_of(self.locked_qc.block_hash)
        if locked_height is None:
            return
        if not self.rules.vote_ok(
            b, self.last_voted_view, self.locked_qc, locked_height, self.get_block
        ):
            return
        self.last_voted_view = b.view
        # persist before the share leaves the replica (no double vote after a crash); the
        # write (one fsync) runs while the share is computed and is waited for before sending
        wait = self.rules.persist_safety(self.store, self._safety_state())
        share = cfg.crypto.sign_vote_share(vote_message(b.epoch, b.view, b.hash))
        if wait is not None:
            wait()
        self._events.append(Voted(b.epoch, b.view, b.hash))
        vote = Vote(epoch=b.epoch, view=b.view, block_hash=b.hash, share=share)
        self._last_vote = vote
        # the replica stays in view b.view until it sees QC(b.view) or TC(b.view): if the
        # next leader cannot certify the block, everyone times out on b.view and the next
        # leader still gets its turn with TC(b.view) (DiemBFT-style view advance)
        self._send(self._leader(cfg.committee, b.view + 1), vote.to_bytes(), now)

    # --------------------------------------------------------------------------------------
    # certificates

    def _process_qc(self, qc: QuorumCert, now: float) -> None:
        """A verified QC: update the high QC and lock, try the commit rule, advance the view."""
        if qc.epoch < self.epoch and qc.view > 0:
            b2o = self.get_block(qc.block_hash)
            if b2o is not None:
                self._try_commit(b2o, now)
            return
        if qc.view > self.high_qc.view:
            self.high_qc = qc
            self.pacemaker.on_progress()  # a new QC is progress: reset the backoff
        b2 = self.get_block(qc.block_hash)
        if b2 is None:
            self._request(self._leader(self.committee(qc.epoch), qc.view), qc.block_hash, now)
        else:
            lock = self.rules.lock_candidate(b2, self.locked_qc)
            if lock is not None and lock.epoch >= self.locked_qc.epoch:
                self.locked_qc = lock
            self._try_commit(b2, now)
        if qc.epoch == self.epoch and qc.view >= self.view:
            self._enter_view(qc.view + 1, now, "qc")
        elif qc.epoch == self.epoch:
            self._maybe_propose(now)

    def _process_tc(self, tc: TimeoutCert, now: float) -> None:
        if tc.epoch != self.epoch:
            return
        if self._last_tc is None or tc.view > self._last_tc.view:
            self._last_tc = tc
        if tc.view >= self.view:
            self._enter_view(tc.view + 1, now, "tc")
        else:
            self._maybe_propose(now)

    def _behind_epoch(self, sender: int, epoch: int, block_hash: bytes, now: float) -> None:
        """A message of a later epoch whose key this replica does not hold yet.

        With keys from the chain DKG (:mod:`bft.keygen`) a replica that missed the end of an
        epoch learns the next key only by committing the blocks that carry the DKG. It fetches
        the chain behind the message; the fetched blocks are checked against the keys it has,
        oldest first, and committing them installs the next epoch's key.
        """
        if self._source is not None and epoch > self.epoch:
            self._request(sender, block_hash, now)

    def _on_sync_info(self, sender: int, info: SyncInfo, now: float) -> None:
        if info.high_qc.epoch not in self._epochs:
            self._behind_epoch(sender, info.high_qc.epoch, info.high_qc.block_hash, now)
        self._verify_qc(info.high_qc)
        if info.tc is not None:
            self._verify_tc(info.tc)
        self._process_qc(info.high_qc, now)
        if info.tc is not None:
            self._process_tc(info.tc, now)

    def _try_commit(self, b2: Block, now: float) -> None:
        if b2.height < 2:
            return
        b1 = self.get_block(b2.parent)
        if b1 is None or b1.height < 1:
            return
        b0 = self.get_block(b1.parent)
        if b0 is None or b0.height <= self.committed_height:
            return
        if not self.rules.commit_candidate(b2, b1, b0):
            return
        self._commit(b0, b1.justify, now)

    def _commit(self, b0: Block, qc0: QuorumCert, now: float) -> None:
        end = self._epochs[b0.epoch].committee.last_height
        if end is not None and b0.height > end:
            # empty suffix of an epoch: commit up to the epoch's last block only
            cur: Block | None = b0
            while cur is not None and cur.height > end:
                cur = self.get_block(cur.parent)
            if cur is None or cur.height <= self.committed_height:
                return
            b0 = cur
        chain: list[Block] = []
        cur = b0
        while cur is not None and cur.height > self.committed_height:
            chain.append(cur)
            cur = self.get_block(cur.parent)
        if cur is None:
            self._request(b0.proposer, chain[-1].parent, now)
            return
        if cur.hash != self.committed_hash:
            self._fail(ProtocolError("safety violation: commit conflicts with the committed log"))
            return
        records = []
        pos = self.committed_txs
        chain.reverse()
        for b in chain:
            n = self._tx_counts.pop(b.hash, None)
            if n is None:
                n = count_batch(b.payload)
            records.append(
                CommitRecord(height=b.height, block_hash=b.hash, tx_start=pos, tx_count=n)
            )
            pos += n
        self.store.commit(records)
        for b, rec in zip(chain, records, strict=True):
            self._events.append(Committed(b, b.height, rec.tx_start))
            if self._source is not None:
                self._source.on_commit(b)
        self.committed_height = b0.height
        self.committed_hash = b0.hash
        self.committed_txs = pos
        self.pacemaker.on_progress()
        self._reclaim()
        self._prune()
        self._from_source()
        if end is not None and b0.height == end:
            if b0.epoch + 1 in self._epochs:
                self._switch_epoch(b0.epoch + 1, now)
            elif self._source is not None and self._source.expects(b0.epoch + 1):
                self._fail(
                    ProtocolError(
                        f"no quorum key for epoch {b0.epoch + 1}: its DKG did not complete "
                        "by the epoch's last block"
                    )
                )

    def _from_source(self) -> None:
        """Queue the epoch source's transactions first; install keys it has produced."""
        if self._source is None:
            return
        txs = self._source.take_transactions()
        if txs:
            self.mempool.extendleft(reversed(txs))
        for epoch, cfg in self._source.configs().items():
            if epoch not in self._epochs:
                self._epochs[epoch] = cfg

    def _switch_epoch(self, epoch: int, now: float) -> None:
        """The previous epoch's last block is committed: new committee, new key, new view.

        The QC that completed the commit may exist only here (a leader that has just combined
        it proposes nothing more in the old epoch), so it goes to every node once, as a
        ``SyncInfo``: the others commit the epoch's last block and switch too, instead of
        waiting for a view timeout. n − 1 messages per epoch change.
        """
        self.epoch = epoch
        self._last_tc = None
        self._events.append(EpochChanged(epoch))
        self._out.append((None, SyncInfo(high_qc=self.high_qc).to_bytes()))
        self._local_timeout(now, "epoch")

    def _reclaim(self) -> None:
        """Put back transactions of own proposals that lost their height to another block."""
        back: list[bytes] = []
        for h, (height, txs) in list(self._inflight.items()):
            if height <= self.committed_height:
                del self._inflight[h]
                rec = self.store.committed(height, height)
                if not rec or rec[0].block_hash != h:
                    back.extend(txs)
        if back:
            self.mempool.extendleft(reversed(back))

    def _prune(self) -> None:
        floor = self.committed_height - _KEEP_BLOCKS
        if floor <= 0 or len(self._blocks) < 4 * _KEEP_BLOCKS:
            return
        self._blocks = {h: b for h, b in self._blocks.items() if b.height >= floor or b.height == 0}
        self._tx_counts = {h: n for h, n in self._tx_counts.items() if h in self._blocks}

    # --------------------------------------------------------------------------------------
    # votes and timeouts

    def _on_vote(self, sender: int, v: Vote, now: float) -> None:
        cfg = self._epochs.get(v.epoch)
        if cfg is None or sender not in cfg.committee.weights:
            raise UnknownSender("vote from a non-member", culprits=[sender])
        if self._leader(cfg.committee, v.view + 1) != self.id:
            raise MisbehaviourError("vote sent to the wrong leader", culprits=[sender])
        self._collect_vote(sender, v, now)

    def _collect_vote(self, sender: int, v: Vote, now: float) -> None:
        cfg = self._epochs[v.epoch]
        if v.epoch != self.epoch or v.view + 1 < self.view - 1:
            raise StaleMessage("vote for a past view")
        if v.view > self.view + _VOTE_WINDOW:
            raise StaleMessage("vote too far ahead")
        seen = self._vote_seen.setdefault((v.epoch, v.view), {})
        prev = seen.get(sender)
        if prev is not None and prev != v.block_hash:
            raise MisbehaviourError("double vote", culprits=[sender])
        seen[sender] = v.block_hash
        key = (v.epoch, v.view, v.block_hash)
        col = self._votes.get(key)
        if col is None:
            col = self._collector_cls(cfg.crypto, vote_message(v.epoch, v.view, v.block_hash))
            self._votes[key] = col
        if col.done:
            return
        col.add(sender, v.share)
        sig = col.try_combine()
        if sig is None:
            return
        qc = QuorumCert(epoch=v.epoch, view=v.view, block_hash=v.block_hash, signature=sig)
        self._remember(b"Q" + qc.to_bytes())
        self._events.append(QCFormed(qc, tuple(sorted(col.shares))))
        self._process_qc(qc, now)

    def _on_timeout_msg(self, sender: int, t: Timeout, now: float) -> None:
        cfg = self._epochs.get(t.epoch)
        if cfg is None or sender not in cfg.committee.weights:
            raise UnknownSender("timeout from a non-member", culprits=[sender])
        if t.epoch != self.epoch or t.view + 1 < self.view:
            # help a lagging replica: tell it where we are (one message, linear)
            if sender != self.id:
                info = SyncInfo(high_qc=self.high_qc, tc=self._last_tc)
                self._out.append((sender, info.to_bytes()))
            raise StaleMessage("timeout for a past view")
        if t.view > self.view + _VOTE_WINDOW:
            raise StaleMessage("timeout too far ahead")
        self._verify_qc(t.high_qc)
        key = (t.epoch, t.view)
        entry = self._timeouts.get(key)
        if entry is None:
            entry = (self._collector_cls(cfg.crypto, timeout_message(t.epoch, t.view)), t.high_qc)
        col, best = entry
        if col.done:
            return
        col.add(sender, t.share)
        if t.high_qc.view > best.view:
            best = t.high_qc
        self._timeouts[key] = (col, best)
        # the highest QC seen in timeouts is a QC like any other
        self._process_qc(t.high_qc, now)
        if t.last_vote is not None and t.last_vote.view + 1 >= self.view - 1:
            try:
                self._collect_vote(sender, t.last_vote, now)
            except (ReplayedMessage, StaleMessage):
                pass
        if (
            t.view >= self.view
            and t.view > self._timed_out_view
            and 3 * col.weight() > cfg.committee.total_weight
        ):
            # more than a third of the weight (so at least one honest member) gave up on
            # t.view: join it (view synchronisation)
            self.view = t.view
            self._local_timeout(now, "join")
        sig = col.try_combine()
        if sig is None:
            return
        tc = TimeoutCert(epoch=t.epoch, view=t.view, signature=sig)
        self._remember(b"T" + tc.to_bytes())
        self._events.append(TCFormed(tc, tuple(sorted(col.shares))))
        self._process_tc(tc, now)

    # --------------------------------------------------------------------------------------
    # catch-up

    def _on_sync_request(self, sender: int, req: SyncRequest) -> None:
        out: list[Block] = []
        h = req.block_hash
        while len(out) < req.count:
            b = self.get_block(h)
            if b is None or b.height == 0:
                break
            out.append(b)
            h = b.parent
        if out:
            self._out.append((sender, SyncResponse(blocks=tuple(out)).to_bytes()))

    def _on_sync_response(self, sender: int, resp: SyncResponse, now: float) -> None:
        blocks = list(reversed(resp.blocks))  # oldest first
        oldest = blocks[0]
        if self.get_block(oldest.parent) is None:
            # keep the chain and fetch further back
            self._stash_chain(sender, blocks)
            self._request(sender, oldest.parent, now)
            return
        for b in blocks:  # oldest first: committing them may install a later epoch's key
            if b.hash in self._blocks:
                continue
            self._verify_qc(b.justify)
            self._accept_block(b, now)
            self._release_pending(b.hash, now)
            self._release_chain(b.hash, now)

    def _stash_chain(self, sender: int, blocks: list[Block]) -> None:
        if self._n_pending + len(blocks) > _MAX_PENDING:
            return
        self._chains[blocks[0].parent] = (sender, blocks)
        self._n_pending += len(blocks)

    def _release_chain(self, block_hash: bytes, now: float) -> None:
        entry = self._chains.pop(block_hash, None)
        if entry is None:
            return
        sender, blocks = entry
        self._n_pending -= len(blocks)
        self._on_sync_response(sender, SyncResponse(blocks=tuple(reversed(blocks))), now)
