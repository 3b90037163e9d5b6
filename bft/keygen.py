"""The next epoch's quorum key from a DKG that the committee runs over the chain itself.

Issue 7 asks that "the new key comes from an MDKM DKG/reshare run by the members". GJKR's DKG
(:mod:`mdkm.dkg.session`) needs a broadcast channel on which every honest participant sees the
same messages and the same deadlines. The BFT chain is exactly that: :class:`EpochKeyGen` sends
each DKG message as a transaction of the member's own proposals and feeds every participant's
session from the **committed** log, in log order, with block heights as the session clock. All
honest members therefore decide every phase (complaints, justifications, QUAL, reconstruction)
on the same messages at the same height and end with the same public key package. This is how
on-chain DKGs work in production systems (Dfinity's NiDKG, Aptos' validator transactions).

Schedule, for each epoch ``e`` followed by a committee ``e + 1``:

* the DKG starts when block ``last_height(e) - window`` is committed; each phase waits at most
  ``window // 7`` blocks for missing messages (six phases at most), so the result is known
  before the epoch's last block is committed and the replica switches to epoch ``e + 1`` with
  the new key (the replica reads :meth:`configs`). A member puts its DKG messages in its own
  proposals (it leads every n-th view; a block commits three views later), so a phase must
  last at least ``2n + 8`` blocks and the window at least seven times that (the default);
* weights: a node of weight ``w`` in epoch ``e + 1`` plays ``w`` DKG participants (its weight
  units, :func:`bft.crypto.assign_units`), each with a secp256k1 identity derived from the
  node's identity key by a public tweak (``P_u = P + H(P, epoch, u)·G``), so no extra key
  registration round is needed;
* a DKG transaction is ``"\\x00LDKG\\x01" || epoch u32 || unit u32 || BIP340 signature || body``;
  the signature (by the unit's node identity key, over a tagged hash of chain id, epoch, unit and
  body) keeps clients from injecting messages in a member's name. Transactions that do not
  verify are ignored (and counted);
* crash safety: each unit's randomness is :func:`cryptocore.rng.keyed_rng` under the node's
  identity key, so a restarted node that replays the committed blocks (:meth:`replay`)
  rebuilds its sessions byte for byte and re-sends only what was not committed yet;
* the new public key package goes on the chain: every participant that finishes announces it
  in a signed transaction (``"\x00LDKG\x02" || epoch u32 || node u32 || signature || package``)
  before the epoch's last block. A node outside the next committee (a member that leaves, an
  observer) adopts the package once members holding more than a third of the next committee's
  weight announced the same one (so at least one honest member vouches for it), and follows
  the next epoch's chain as a verifier;
* joining members: a node of epoch ``e + 1`` that is not in epoch ``e`` follows epoch ``e``'s
  chain as an observer (the replica verifies and commits blocks it does not vote on), takes
  part in the DKG, and has its DKG transactions proposed by the current members (the node
  forwards them to the next leader and again if they are not committed in time). A joiner must
  know the key of the epoch it follows: epoch 0's from its configuration, later ones from the
  announcements it has observed since.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptocore.errors import CryptoError, EncodingError, ParameterError
from cryptocore.hashing import tagged_hash
from cryptocore.rng import keyed_rng
from cryptocore.secp256k1 import N, Point, schnorr_sign, schnorr_verify
from mdkm.dkg import DkgParameters, DkgSession, IdentityKey
from mdkm.dkg.gjkr import PublicCache
from mdkm.dkg.session import SessionState
from mdkm.keys import PublicKeyPackage

from .batch import decode_batch
from .crypto import ThresholdBLS, assign_units
from .replica import EpochConfig
from .store import Store
from .types import Block, Committee, quorum_weight

__all__ = [
    "DKG_TX_PREFIX",
    "KEY_TX_PREFIX",
    "EpochKeyGen",
    "KeygenStats",
    "is_dkg_transaction",
    "min_window",
]

DKG_TX_PREFIX = b"\x00LDKG\x01"
KEY_TX_PREFIX = b"\x00LDKG\x02"  # a participant announces the new public key package
_HEAD = len(DKG_TX_PREFIX) + 4 + 4 + 64
_MAX_BODY = 1 << 20


def min_window(members: int) -> int:
    """Blocks a chain DKG needs in the worst case: six phases of ``2n + 8`` blocks, plus one."""
    return 7 * (2 * members + 8)


def is_dkg_transaction(tx: bytes) -> bool:
    """A DKG message or a key announcement (both are ordered like any transaction)."""
    return tx[: len(DKG_TX_PREFIX)] in (DKG_TX_PREFIX, KEY_TX_PREFIX)


def _unit_tweak(node_key: Point, epoch: int, unit: int) -> int:
    data = node_key.to_bytes() + epoch.to_bytes(4, "big") + unit.to_bytes(4, "big")
    return int.from_bytes(tagged_hash("LITHO/bft/dkg-unit-key", data), "big") % N


_TAGS = {DKG_TX_PREFIX: "LITHO/bft/dkg-tx", KEY_TX_PREFIX: "LITHO/bft/epoch-key"}


def _signed_digest(chain_id: bytes, epoch: int, unit: int, body: bytes, tag: str) -> bytes:
    return tagged_hash(
        tag,
        len(chain_id).to_bytes(2, "big")
        + chain_id
        + epoch.to_bytes(4, "big")
        + unit.to_bytes(4, "big")
        + hashlib.sha256(body).digest(),
    )


@dataclass
class KeygenStats:
    """Counters for operators and tests (no secrets)."""

    started: list[int] = field(default_factory=list)  # epochs whose DKG this node started
    completed: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    blamed: dict[int, set[int]] = field(default_factory=dict)  # epoch -> units blamed
    bad_transactions: int = 0  # DKG transactions whose signature or header did not verify
    sent: int = 0  # own DKG messages and key announcements signed for the chain
    adopted: list[int] = field(default_factory=list)  # epochs followed from announced keys
    conflicting_keys: int = 0  # announcements of a package other than the one computed here


@dataclass
class _Plan:
    epoch: int  # the epoch whose key is generated
    committee: Committee
    start: int  # height whose commit starts the DKG
    params: DkgParameters
    owner: dict[int, int]  # unit -> node
    sessions: dict[int, DkgSession] = field(default_factory=dict)  # own units
    config: EpochConfig | None = None
    announced: dict[int, bytes] = field(default_factory=dict)  # node -> package digest
    own_digest: bytes = b""


class EpochKeyGen:
    """Sans-IO driver of the chain DKGs of one node (see the module docstring).

    ``committees`` lists every epoch's committee in order (epoch 0 first); each but the last
    must have a ``last_height``. ``identities`` maps node ids to 33-byte compressed secp256k1
    identity keys (the transport's); ``identity_secret`` is this node's 32-byte secret.
    """

    def __init__(
        self,
        node_id: int,
        identity_secret: bytes,
        identities: Mapping[int, bytes],
        committees: Sequence[Committee],
        *,
        window: int | None = None,
        chain_id: bytes = b"litho",
    ) -> None:
        if window is not None and (not isinstance(window, int) or isinstance(window, bool)):
            raise ParameterError("the DKG window must be an integer number of blocks")
        self.id = node_id
        self._key = IdentityKey.from_bytes(identity_secret)
        self._secret = int.from_bytes(identity_secret, "big")
        self._rng_key = hmac.new(identity_secret, b"litho/bft/dkg-rng", hashlib.sha256).digest()
        self._ids = {int(k): Point.from_bytes(v) for k, v in identities.items()}
        if self._ids.get(node_id) != self._key.public_key:
            raise ParameterError("identity secret does not match this node's identity key")
        self._chain_id = bytes(chain_id)
        self.stats = KeygenStats()
        self._cache = PublicCache()
        self._pending: dict[bytes, bytes] = {}  # body digest -> signed tx, not yet committed
        self._handed: dict[bytes, int] = {}  # body digest -> height when last handed out
        self._resend_after = 2 * max(len(c.members) for c in committees) + 8
        self._height = 0
        self._plans: dict[int, _Plan] = {}
        self._configs: dict[int, EpochConfig] = {}
        by_epoch = {c.epoch: c for c in committees}
        if len(by_epoch) != len(committees):
            raise ParameterError("duplicate epochs")
        prev_end = 0
        for e in sorted(by_epoch):
            cur, nxt = by_epoch[e], by_epoch.get(e + 1)
            if nxt is None:
                break
            end = cur.last_height
            if end is None:
                raise ParameterError(f"epoch {e} is followed by another but has no last height")
            least = min_window(len(cur.members))
            win = least if window is None else window
            if win < least:
                raise ParameterError(
                    f"a DKG window of {win} blocks is too short for {len(cur.members)} members "
                    f"(at least {least})"
                )
            start = end - win
            if start <= prev_end:
                raise ParameterError(f"epoch {e} is shorter than the DKG window")
            prev_end = end
            missing = [m for m in nxt.members if m not in self._ids]
            if missing:
                raise ParameterError(f"members {missing} of epoch {e + 1} have no identity key")
            units = assign_units(nxt)
            owner = {u: node for node, us in units.items() for u in us}
            participants = {u: self._unit_public(owner[u], e + 1, u) for u in owner}
            params = DkgParameters(
                group="bls12_381",
                threshold=quorum_weight(nxt.total_weight),
                participants=participants,
                context=b"litho/bft/epoch-key" + self._chain_id + (e + 1).to_bytes(4, "big"),
                phase_timeout=float(win // 7),
            )
            self._plans[e + 1] = _Plan(e + 1, nxt, start, params, owner)

    def __repr__(self) -> str:
        return f"EpochKeyGen(node={self.id}, epochs={sorted(self._plans)}, key=<redacted>)"

    # ------------------------------------------------------------------ public API
    def expects(self, epoch: int) -> bool:
        """Whether this node needs ``epoch``'s key: as a member (its shares) or to follow it."""
        return epoch in self._plans

    def configs(self) -> Mapping[int, EpochConfig]:
        """Every epoch whose key this node has obtained so far (read on every commit)."""
        return self._configs

    def on_commit(self, block: Block) -> None:
        """Feed one committed block (in height order, each exactly once)."""
        if block.height <= self._height:
            return
        self._height = block.height
        h = block.height
        for plan in self._plans.values():
            if plan.start == h and self.id in plan.committee.weights and not plan.sessions:
                self._start(plan, h)
        if block.payload:
            try:
                txs = decode_batch(block.payload)
            except EncodingError:  # pragma: no cover - replicas check batches before voting
                txs = []
            for tx in txs:
                if tx[: len(DKG_TX_PREFIX)] == DKG_TX_PREFIX:
                    self._deliver(tx, h)
                elif tx[: len(KEY_TX_PREFIX)] == KEY_TX_PREFIX:
                    self._deliver_key(tx)
        for plan in self._plans.values():
            if plan.sessions and plan.config is None:
                for s in plan.sessions.values():
                    s.handle_timer(float(h))
                self._collect(plan)

    def replay_store(self, store: Store) -> None:
        """Rebuild the DKG state of a restarted node from its committed blocks.

        The keys needed from now on are those of the committed tip's epoch and later ones: the
        blocks from the start of that epoch's DKG (in the previous epoch) to the tip are fed
        again. Sessions are rebuilt byte for byte (keyed randomness); their messages already on
        the chain are not sent again.
        """
        tip = store.committed_tip()
        if tip is None:
            return
        tip_block = store.get_block(tip.block_hash)
        if tip_block is None:  # pragma: no cover - the store commits blocks it holds
            return
        starts = [p.start for p in self._plans.values() if p.epoch >= tip_block.epoch]
        if not starts:
            return
        for rec in store.committed(min(starts), tip.height):
            b = store.get_block(rec.block_hash)
            if b is None:  # pragma: no cover - as above
                return
            self.on_commit(b)

    def take_transactions(self) -> list[bytes]:
        """Own DKG transactions to queue for proposal: new ones, and those handed out a while
        ago (``2n + 8`` blocks) that are still not committed (a lost forward or proposal)."""
        out = []
        for d, tx in self._pending.items():
            last = self._handed.get(d)
            if last is None or self._height - last >= self._resend_after:
                out.append(tx)
                self._handed[d] = self._height
        return out

    # ------------------------------------------------------------------ internals
    def _queue_signed(self, prefix: bytes, epoch: int, sender: int, body: bytes) -> None:
        """Sign ``prefix || epoch || sender || sig || body`` and queue it until it is committed
        (keyed by the hash of everything but the signature)."""
        head = prefix + epoch.to_bytes(4, "big") + sender.to_bytes(4, "big")
        digest = _signed_digest(self._chain_id, epoch, sender, body, _TAGS[prefix])
        sig = schnorr_sign(digest, self._secret, hashlib.sha256(b"aux" + digest).digest())
        self._pending[hashlib.sha256(head + body).digest()] = head + sig + body
        self.stats.sent += 1

    def _open_signed(
        self, tx: bytes, signer_of: Callable[[_Plan, int], int | None]
    ) -> tuple[_Plan, int, bytes] | None:
        """(plan, sender, body) of a transaction whose signature verifies, else
        None (counted). ``signer_of(plan, sender)`` names the node whose key must have signed."""
        if len(tx) < _HEAD or len(tx) > _HEAD + _MAX_BODY:
            self.stats.bad_transactions += 1
            return None
        p = len(DKG_TX_PREFIX)
        epoch = int.from_bytes(tx[p : p + 4], "big")
        sender = int.from_bytes(tx[p + 4 : p + 8], "big")
        sig, body = tx[p + 8 : _HEAD], tx[_HEAD:]
        plan = self._plans.get(epoch)
        node = None if plan is None else signer_of(plan, sender)
        if plan is None or node is None:
            self.stats.bad_transactions += 1
            return None
        try:
            digest = _signed_digest(self._chain_id, epoch, sender, body, _TAGS[tx[:p]])
            schnorr_verify(digest, self._ids[node].to_bytes()[1:], sig)
        except CryptoError:
            self.stats.bad_transactions += 1
            return None
        if node == self.id:  # own message committed: stop (re)sending it
            key = hashlib.sha256(tx[: _HEAD - 64] + body).digest()
            self._pending.pop(key, None)
            self._handed.pop(key, None)
        return plan, sender, body

    def _unit_public(self, node: int, epoch: int, unit: int) -> Point:
        base = self._ids[node]
        return base + Point.base_mul(_unit_tweak(base, epoch, unit))

    def _unit_key(self, epoch: int, unit: int) -> IdentityKey:
        tweak = _unit_tweak(self._key.public_key, epoch, unit)
        return IdentityKey((self._secret + tweak) % N)

    def _start(self, plan: _Plan, height: int) -> None:
        self.stats.started.append(plan.epoch)
        for u, node in sorted(plan.owner.items()):
            if node != self.id:
                continue
            rng = keyed_rng(self._rng_key, plan.params.session_id + u.to_bytes(4, "big"))
            s = DkgSession(
                plan.params,
                u,
                self._unit_key(plan.epoch, u),
                rng=rng,
                cache=self._cache,
                self_delivery=True,
            )
            plan.sessions[u] = s
            s.start(float(height))
        self._collect(plan)

    def _deliver(self, tx: bytes, height: int) -> None:
        opened = self._open_signed(tx, lambda plan, unit: plan.owner.get(unit))
        if opened is None:
            return
        plan, unit, body = opened
        epoch = plan.epoch
        if not plan.sessions or plan.config is not None:
            return
        for s in plan.sessions.values():
            if s.state is not SessionState.RUNNING:
                continue
            try:
                s.receive(unit, body, float(height))
            except CryptoError as exc:
                # late, replayed or invalid: the session keeps its state; GJKR's rules handle
                # missing messages at the phase deadline
                culprits: Any = getattr(exc, "culprits", ())
                self.stats.blamed.setdefault(epoch, set()).update(int(c) for c in culprits)

    def _collect(self, plan: _Plan) -> None:
        for u, s in sorted(plan.sessions.items()):
            for _, body in s.outbox():
                self._queue_signed(DKG_TX_PREFIX, plan.epoch, u, body)
            for ev in s.events():
                if ev.kind == "blame":
                    self.stats.blamed.setdefault(plan.epoch, set()).update(ev.culprits)
        states = {s.state for s in plan.sessions.values()}
        if SessionState.FAILED in states and plan.epoch not in self.stats.failed:
            reason = next(
                repr(s.error) for s in plan.sessions.values() if s.state is SessionState.FAILED
            )
            self.stats.failed[plan.epoch] = reason
        elif states == {SessionState.DONE} and plan.config is None:
            results = [plan.sessions[u].result() for u in sorted(plan.sessions)]
            pub = results[0][1]
            if any(r[1] != pub for r in results):  # pragma: no cover - same transcript
                self.stats.failed[plan.epoch] = "own units disagree on the public key package"
                return
            plan.config = self._configs[plan.epoch] = EpochConfig(
                committee=plan.committee,
                crypto=ThresholdBLS(plan.committee, pub, [r[0] for r in results]),
            )
            self.stats.completed.append(plan.epoch)
            self._cache = PublicCache()  # the transcript's public values are not needed again
            body = pub.to_bytes()  # announced on the chain for the nodes outside the committee
            plan.own_digest = hashlib.sha256(body).digest()
            self._queue_signed(KEY_TX_PREFIX, plan.epoch, self.id, body)

    def _deliver_key(self, tx: bytes) -> None:
        """A participant's announcement of the new public key package (see module docstring)."""
        opened = self._open_signed(
            tx, lambda plan, node: node if node in plan.committee.weights else None
        )
        if opened is None:
            return
        plan, node, body = opened
        epoch = plan.epoch
        try:
            pub = PublicKeyPackage.from_bytes(body)
        except CryptoError:
            self.stats.bad_transactions += 1
            return
        com = plan.committee
        if (
            pub.group != "bls12_381"
            or pub.min_signers != com.quorum
            or sorted(pub.verifying_shares) != list(range(1, com.total_weight + 1))
        ):
            self.stats.bad_transactions += 1
            return
        if node in plan.announced:  # one announcement per member counts
            return
        digest = hashlib.sha256(body).digest()
        plan.announced[node] = digest
        if plan.config is not None:
            if plan.sessions and digest != plan.own_digest:
                self.stats.conflicting_keys += 1  # a member announced another package
            return
        support = com.weight_of(n for n, d in plan.announced.items() if d == digest)
        if 3 * support > com.total_weight and self.id not in com.weights:
            # more than a third of the weight: at least one honest member computed it
            plan.config = self._configs[epoch] = EpochConfig(
                committee=com, crypto=ThresholdBLS(com, pub, [])
            )
            self.stats.adopted.append(epoch)
