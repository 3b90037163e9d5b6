"""Sans-IO state machine of one participant in the robust (GJKR) DKG of :mod:`mdkm.dkg.gjkr`.

The session never touches sockets or clocks. The driver feeds it:

* :meth:`DkgSession.start` once, then :meth:`receive` for each delivered message and
  :meth:`handle_timer` when :meth:`next_deadline` passes;
* it drains :meth:`outbox` (``(recipient, bytes)``; every message of this protocol goes to
  :data:`BROADCAST`) and :meth:`events` (phases, blame, completion, failure).

Over a totally ordered broadcast channel (a ledger whose committed log every participant reads in
the same order, as :mod:`bft.keygen` uses the BFT chain), pass ``self_delivery=True``: the
session's own broadcasts then count only when they come back through :meth:`receive` like
everybody else's, so every participant decides each phase on exactly the same messages. Deadlines
may be measured in any unit the driver chooses (block heights there).

Bad input never crashes the session: a message with a wrong session id, from an unknown
sender, undecodable, equivocating, late, or not allowed in its phase raises
:class:`MisbehaviourError` naming the sender and leaves the state untouched; a byte-identical
copy of a message already received raises :class:`ReplayError` (no culprit: networks and
ledgers duplicate messages); local misuse raises
:class:`MisuseError`. Messages of a later phase are buffered until that phase starts. After a
fatal error (fewer than ``t`` dealers qualify, a dealer's polynomial cannot be reconstructed) the
session is FAILED for good.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from cryptocore.encoding import as_bytes, decode_scalar
from cryptocore.errors import (
    CryptoError,
    EncodingError,
    MisbehaviourError,
    MisuseError,
    ParameterError,
    ReplayError,
)
from cryptocore.rng import Rng, random_scalar
from cryptocore.sansio import BROADCAST, SessionCore, sender_culprits
from mdkm.dkg.channel import IdentityKey, PairwiseChannel
from mdkm.dkg.gjkr import (
    CommitmentEvaluator,
    DkgParameters,
    PublicCache,
    derive_weights,
    evaluate_at_many,
    horner,
    interpolate,
    weighted_commitment,
)
from mdkm.dkg.messages import DkgMessage, Kind, Reveal, decode_message
from mdkm.keys import KeyPackage, PublicKeyPackage
from mdkm.pedersen import pedersen_generator

__all__ = ["BROADCAST", "DkgEvent", "DkgSession", "SessionState"]


class SessionState(Enum):
    CREATED = "created"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DkgEvent:
    """Something the driver may log or act on.

    ``kind`` is one of ``"phase"`` (a phase started), ``"blame"`` (``culprits`` misbehaved; the
    protocol went on), ``"completed"``, ``"failed"``.
    """

    kind: str
    phase: Kind | None = None
    culprits: tuple[int, ...] = ()
    detail: str = ""


class DkgSession(SessionCore[SessionState, DkgEvent, CryptoError]):
    """One participant of a GJKR DKG (see :mod:`mdkm.dkg.gjkr` for the phases)."""

    def __init__(
        self,
        params: DkgParameters,
        identifier: int,
        identity: IdentityKey,
        *,
        rng: Rng | None = None,
        cache: PublicCache | None = None,
        self_delivery: bool = False,
    ) -> None:
        if not isinstance(params, DkgParameters):
            raise ParameterError("params must be DkgParameters")
        if identifier not in params.participants:
            raise ParameterError("identifier is not a participant")
        if identity.public_key != params.participants[identifier]:
            raise ParameterError("identity key does not match the registered public key")
        self.params = params
        self.identifier = identifier
        self._g = params.group_obj
        self._q = self._g.order
        self._t = params.threshold
        self._ids = params.ids
        self._others = tuple(i for i in self._ids if i != identifier)
        self._sid = params.session_id
        self._rng = rng
        self._self_delivery = bool(self_delivery)
        sl, el, n = self._g.scalar_length, self._g.element_length, len(self._ids)
        # header + the largest body: t commitments and n - 1 sealed pairs, or n reveals
        self._max_len = 3 + 32 + sl + 4 + self._t * el + n * (3 * sl + 16)
        self._cache = cache if cache is not None else PublicCache()
        self._h = pedersen_generator(self._g)
        self._channel = PairwiseChannel(
            self._sid, identifier, identity, {j: params.participants[j] for j in self._others}
        )
        super().__init__(SessionState.CREATED, done=SessionState.DONE, failed=SessionState.FAILED)
        self.phase: Kind | None = None
        self._accepted: dict[Kind, dict[int, DkgMessage]] = {k: {} for k in Kind}
        self._raw: dict[Kind, dict[int, bytes]] = {k: {} for k in Kind}
        self._pending: dict[Kind, dict[int, tuple[DkgMessage, bytes]]] = {k: {} for k in Kind}
        self._expected: set[int] = set()
        self._got = 0
        # protocol state
        self._poly: list[int] = []
        self._blind: list[int] = []
        self._own_feldman: tuple[Any, ...] = ()  # a_k·G, made with the commitment, sent in phase 4
        self._shares: dict[int, tuple[int, int]] = {}  # dealer -> (s_ij, s'_ij) for me
        self._sent: dict[int, tuple[int, int]] = {}  # recipient -> (s_ij, s'_ij) I dealt
        self._dealers: tuple[int, ...] = ()
        self._complaints: dict[int, set[int]] = {}
        self._to_justify: dict[int, tuple[int, ...]] = {}
        self.disqualified: set[int] = set()
        self.qual: tuple[int, ...] = ()
        self.exposed: set[int] = set()
        self._feldman: dict[int, tuple[Any, ...]] = {}
        self._extract_senders: tuple[int, ...] = ()
        self._result: tuple[KeyPackage, PublicKeyPackage] | None = None

    def __repr__(self) -> str:
        return (
            f"DkgSession(id={self.identifier}, state={self.state.value}, "
            f"phase={self.phase.name if self.phase else None}, secrets=<redacted>)"
        )

    # ------------------------------------------------------------------ driver interface
    def start(self, now: float) -> None:
        """Deal (phase 1) and arm the first deadline."""
        if self.state is not SessionState.CREATED:
            raise MisuseError("session already started")
        self._state = SessionState.RUNNING
        self._run_guarded(lambda: self._enter_deal(now), now)

    def receive(self, sender: int, message: bytes, now: float) -> None:
        """Accept one message from ``sender`` (authenticated by the transport)."""
        self._refuse_if_failed()
        if not isinstance(sender, int) or isinstance(sender, bool):
            raise MisuseError("sender must be an integer identifier")
        if sender == self.identifier and not self._self_delivery:
            raise MisuseError("a session does not receive its own messages")
        if sender not in self.params.participants:
            raise MisbehaviourError(
                "message from a non-participant", culprits=sender_culprits(sender)
            )
        try:
            message = as_bytes(message, "dkg message")
        except EncodingError:
            raise MisbehaviourError("malformed message", culprits=(sender,)) from None
        if len(message) > self._max_len:
            # longer than any well-formed message for these parameters: refuse it before the
            # (costly) point decoding, so a member cannot make everybody decode megabytes
            raise MisbehaviourError("message longer than any valid one", culprits=(sender,))
        try:
            msg = self._cache.known(message)
            fresh = msg is None
            if msg is None:
                msg = decode_message(message)
        except EncodingError:
            raise MisbehaviourError("malformed message", culprits=(sender,)) from None
        if msg.session_id != self._sid:
            raise MisbehaviourError("message for another session", culprits=(sender,))
        if msg.sender != sender or msg.group != self._g.name:
            raise MisbehaviourError("message header does not match its sender", culprits=(sender,))
        kind = msg.kind
        if sender in self._accepted[kind] or sender in self._pending[kind]:
            old = self._raw[kind].get(sender)
            if old is None:
                old = self._pending[kind][sender][1]
            if old == message:  # a network or ledger duplicate: nobody to blame
                raise ReplayError("replayed message")
            raise MisbehaviourError("equivocation", culprits=(sender,))
        self._check_shape(msg)
        if self.state is SessionState.DONE or (self.phase is not None and kind < self.phase):
            raise MisbehaviourError(f"late {kind.name} message", culprits=(sender,))
        if self.phase is None or kind > self.phase:
            self._pending[kind][sender] = (msg, message)
            if fresh:  # only messages a session lets in are memoised (bounded)
                self._cache.remember(message, msg)
            return
        if sender not in self._expected:
            raise MisbehaviourError(f"unexpected {kind.name} message", culprits=(sender,))
        if fresh:
            self._cache.remember(message, msg)
        self._accept(msg, message)
        self._run_guarded(lambda: self._advance(now), now)

    def handle_timer(self, now: float) -> None:
        """Close the current phase if its deadline has passed (missing senders are handled by
        the protocol rules: no deal = disqualified, no extraction = reconstructed, ...)."""
        if self.state is not SessionState.RUNNING:
            return
        self._run_guarded(lambda: self._advance(now), now)

    def result(self) -> tuple[KeyPackage, PublicKeyPackage]:
        """The key packages once the session is DONE."""
        if self._result is None:
            raise MisuseError(f"no result: session is {self.state.value}")
        return self._result

    # ------------------------------------------------------------------ plumbing
    def _run_guarded(self, step: Callable[[], None], now: float) -> None:
        try:
            step()
        except (MisbehaviourError, MisuseError, ParameterError) as e:
            # fatal: reported through events() and error; the session stays FAILED
            self._fail(e)

    def _failure_event(self, reason: str, culprits: tuple[int, ...]) -> DkgEvent:
        return DkgEvent("failed", self.phase, culprits, reason)

    def _on_fail(self) -> None:
        self._poly, self._blind, self._sent, self._shares = [], [], {}, {}
        self._own_feldman = ()

    def _blame(self, culprits: tuple[int, ...] | list[int], detail: str) -> None:
        if culprits:
            self._events.append(DkgEvent("blame", self.phase, tuple(sorted(culprits)), detail))

    def _check_shape(self, msg: DkgMessage) -> None:
        """Checks that need only the parameters (identical at every participant)."""
        s = msg.sender
        if msg.kind in (Kind.DEAL, Kind.EXTRACT) and len(msg.points) != self._t:
            raise MisbehaviourError("commitment of the wrong length", culprits=(s,))
        if msg.kind is Kind.DEAL and len(msg.ciphertexts) != len(self._ids) - 1:
            raise MisbehaviourError("wrong number of sealed shares", culprits=(s,))
        if msg.kind is Kind.COMPLAINT and any(
            i == s or i not in self.params.participants for i in msg.accused
        ):
            raise MisbehaviourError("complaint against a non-dealer", culprits=(s,))
        if msg.kind in (Kind.JUSTIFY, Kind.EXTRACT_COMPLAINT, Kind.RECONSTRUCT) and any(
            (r.who == s and msg.kind is not Kind.RECONSTRUCT)
            or r.who not in self.params.participants
            for r in msg.reveals
        ):
            raise MisbehaviourError("revealed share names a non-participant", culprits=(s,))

    def _accept(self, msg: DkgMessage, raw: bytes) -> None:
        self._accepted[msg.kind][msg.sender] = msg
        self._raw[msg.kind][msg.sender] = raw
        if msg.kind is self.phase and msg.sender in self._expected:
            self._got += 1

    def _broadcast(self, msg: DkgMessage) -> None:
        raw = msg.to_bytes()
        if not self._self_delivery:  # otherwise it counts once the channel delivers it back
            self._accept(msg, raw)
        self._outbox.append((BROADCAST, raw))

    def _message(self, kind: Kind, **fields: Any) -> DkgMessage:
        return DkgMessage(
            group=self._g.name, kind=kind, session_id=self._sid, sender=self.identifier, **fields
        )

    def _enter(self, kind: Kind, expected: set[int], now: float) -> None:
        self.phase = kind
        self._expected = expected if self._self_delivery else expected - {self.identifier}
        self._got = 0
        self._deadline = now + self.params.phase_timeout
        self._events.append(DkgEvent("phase", kind))
        for sender, (msg, raw) in sorted(self._pending[kind].items()):
            if sender in self._expected:
                self._accept(msg, raw)
            else:
                self._blame((sender,), f"unexpected {kind.name} message")
        self._pending[kind].clear()

    def _phase_complete(self, now: float) -> bool:
        assert self.phase is not None
        if self._got >= len(self._expected):
            return True
        return self._deadline is not None and now >= self._deadline

    def _advance(self, now: float) -> None:
        while self.state is SessionState.RUNNING and self._phase_complete(now):
            assert self.phase is not None
            missing = sorted(i for i in self._expected if i not in self._accepted[self.phase])
            if missing:
                self._blame(missing, f"no {self.phase.name} message before the deadline")
            closer = {
                Kind.DEAL: self._close_deal,
                Kind.COMPLAINT: self._close_complaint,
                Kind.JUSTIFY: self._close_justify,
                Kind.EXTRACT: self._close_extract,
                Kind.EXTRACT_COMPLAINT: self._close_extract_complaint,
                Kind.RECONSTRUCT: self._close_reconstruct,
            }[self.phase]
            closer(now)

    def _digest(self, kind: Kind) -> bytes:
        h = hashlib.sha256(bytes([int(kind)]))
        for i in sorted(self._raw[kind]):
            h.update(self._cache.digest(self._raw[kind][i]))
        return h.digest()

    def _evaluator(self, label: bytes, points: tuple[Any, ...]) -> CommitmentEvaluator:
        """A (possibly shared) evaluator for a public commitment, keyed by its exact bytes."""
        key = hashlib.sha256(
            b"gjkr/evaluator/" + label + b"".join(p.to_bytes() for p in points)
        ).digest()
        return self._cache.get(key, lambda: CommitmentEvaluator(points, self._g))

    def _batch_checks(self) -> bool:
        """Batch (one shared aggregate) or dealer-by-dealer share checks; see PublicCache."""
        return self._cache.shared or not 0 < self.identifier < CommitmentEvaluator.SMALL_X

    def _pedersen_ok(self, j: int, s: int, s2: int, commitment: tuple[Any, ...]) -> bool:
        lhs = self._g.base_mul(s) + self._h.mul_secret(s2)
        return bool(lhs == horner(commitment, j, self._q))

    def _feldman_ok(self, j: int, s: int, commitment: tuple[Any, ...]) -> bool:
        return bool(self._g.base_mul(s) == horner(commitment, j, self._q))

    # ------------------------------------------------------------------ hooks (faults override)
    def _make_polynomials(self) -> tuple[list[int], list[int]]:
        t, q = self._t, self._q
        f = [random_scalar(q, self._rng)] + [
            random_scalar(q, self._rng, nonzero=False) for _ in range(t - 1)
        ]
        f2 = [random_scalar(q, self._rng, nonzero=False) for _ in range(t)]
        return f, f2

    def _commitment(self) -> tuple[Any, ...]:
        # C_k = a_k·G + b_k·H, both products on the constant-time paths. The a_k·G are kept
        # (privately, until phase 4 publishes them as the Feldman commitment A_k = a_k·G): the
        # same constant-time multiplication is not done twice.
        feldman = tuple(self._g.base_mul(a) for a in self._poly)
        self._own_feldman = feldman
        return tuple(
            a_g + self._h.mul_secret(b) for a_g, b in zip(feldman, self._blind, strict=True)
        )

    def _shares_to_send(self) -> dict[int, tuple[int, int]]:
        rows = evaluate_at_many([self._poly, self._blind], self._ids, self._q)
        return {i: (rows[0][k], rows[1][k]) for k, i in enumerate(self._ids)}

    def _extract_points(self) -> tuple[Any, ...]:
        if len(self._own_feldman) != len(self._poly):  # pragma: no cover - set in phase 1
            self._own_feldman = tuple(self._g.base_mul(a) for a in self._poly)
        return self._own_feldman

    def _justify(self, complainers: tuple[int, ...]) -> DkgMessage | None:
        return self._message(
            Kind.JUSTIFY,
            reveals=tuple(
                Reveal(who=j, share=self._sent[j][0], blinding=self._sent[j][1])
                for j in complainers
            ),
        )

    def _complaints_to_send(self, accused: list[int]) -> list[int]:
        return accused

    # ------------------------------------------------------------------ phase 1: deal
    def _enter_deal(self, now: float) -> None:
        self._poly, self._blind = self._make_polynomials()
        commitment = self._commitment()
        sent = self._shares_to_send()
        self._sent = sent
        sl = self._g.scalar_length
        cts = tuple(
            self._channel.seal(
                j, int(Kind.DEAL), sent[j][0].to_bytes(sl, "big") + sent[j][1].to_bytes(sl, "big")
            )
            for j in self._others
        )
        self._shares[self.identifier] = sent[self.identifier]
        self._enter(Kind.DEAL, set(self._ids), now)
        self._broadcast(self._message(Kind.DEAL, points=commitment, ciphertexts=cts))
        self._advance(now)

    def _close_deal(self, now: float) -> None:
        deals = self._accepted[Kind.DEAL]
        self._dealers = tuple(sorted(deals))
        silent = [i for i in self._ids if i not in deals]
        self.disqualified.update(silent)
        me, q, sl = self.identifier, self._q, self._g.scalar_length
        accused: list[int] = []
        my_index = self._ids.index(me)
        for i in self._dealers:
            if i == me:
                continue
            ct = deals[i].ciphertexts[my_index - (1 if i < me else 0)]
            try:
                pt = self._channel.open(i, int(Kind.DEAL), ct)
                if len(pt) != 2 * sl:
                    raise EncodingError("bad share length")
                self._shares[i] = (
                    decode_scalar(pt[:sl], q, sl, what="share"),
                    decode_scalar(pt[sl:], q, sl, what="share"),
                )
            except CryptoError:
                accused.append(i)
        ok = [i for i in self._dealers if i in self._shares]
        bad_decrypt = [i for i in self._dealers if i not in self._shares]
        batch_ok = False
        if self._batch_checks():
            # batch check of Eq. (4) over every dealer, one aggregated commitment (public)
            digest = self._digest(Kind.DEAL)
            weights = derive_weights(self._sid, b"pedersen", digest, self._dealers)
            key = hashlib.sha256(b"gjkr/pedersen-aggregate" + self._sid + digest).digest()
            agg = self._cache.get(
                key,
                lambda: weighted_commitment(
                    [deals[i].points for i in self._dealers],
                    [weights[i] for i in self._dealers],
                    self._g,
                ),
            )
            s_sum = sum(weights[i] * self._shares[i][0] for i in ok) % q
            b_sum = sum(weights[i] * self._shares[i][1] for i in ok) % q
            rhs = self._evaluator(b"pedersen", agg).at(me)
            if bad_decrypt:
                rhs = rhs - self._g.sum(
                    horner(deals[i].points, me, q) * weights[i] for i in bad_decrypt
                )
            batch_ok = self._g.base_mul(s_sum) + self._h.mul_secret(b_sum) == rhs
        if not batch_ok:
            for i in ok:  # per-dealer checks (or the batch's fallback) name the culprits
                if i != me and not self._pedersen_ok(me, *self._shares[i], deals[i].points):
                    accused.append(i)
                    del self._shares[i]
        accused = sorted(set(accused))
        self._blame(accused, "share does not match the Pedersen commitment")
        self._enter(Kind.COMPLAINT, set(self._ids), now)
        self._broadcast(
            self._message(Kind.COMPLAINT, accused=tuple(sorted(self._complaints_to_send(accused))))
        )

    # ------------------------------------------------------------------ phase 2-3: complaints
    def _close_complaint(self, now: float) -> None:
        complaints: dict[int, set[int]] = {i: set() for i in self._dealers}
        for j, msg in self._accepted[Kind.COMPLAINT].items():
            for i in msg.accused:
                if i in complaints:
                    complaints[i].add(j)
        self._complaints = complaints
        too_many = [i for i, c in complaints.items() if len(c) >= self._t]
        self.disqualified.update(too_many)
        self._blame(too_many, "at least t complaints")
        self._to_justify = {
            i: tuple(sorted(c)) for i, c in complaints.items() if c and i not in self.disqualified
        }
        if not self._to_justify:
            self._decide_qual(now)
            return
        self._enter(Kind.JUSTIFY, set(self._to_justify), now)
        if self.identifier in self._to_justify:
            justification = self._justify(self._to_justify[self.identifier])
            if justification is not None:
                self._broadcast(justification)

    def _close_justify(self, now: float) -> None:
        deals = self._accepted[Kind.DEAL]
        for i, complainers in sorted(self._to_justify.items()):
            msg = self._accepted[Kind.JUSTIFY].get(i)
            if msg is None:
                self.disqualified.add(i)
                continue
            revealed = {r.who: r for r in msg.reveals}
            good = all(
                j in revealed
                and self._pedersen_ok(j, revealed[j].share, revealed[j].blinding, deals[i].points)
                for j in complainers
            )
            if not good:
                self.disqualified.add(i)
                self._blame((i,), "false justification")
            elif self.identifier in complainers:
                r = revealed[self.identifier]
                self._shares[i] = (r.share, r.blinding)
        self._decide_qual(now)

    def _decide_qual(self, now: float) -> None:
        self.qual = tuple(i for i in self._dealers if i not in self.disqualified)
        if len(self.qual) < self._t:
            raise MisbehaviourError(
                "fewer than t dealers qualified", culprits=sorted(self.disqualified)
            )
        if self.identifier in self.qual:
            self._enter(Kind.EXTRACT, set(self.qual), now)
            self._broadcast(self._message(Kind.EXTRACT, points=self._extract_points()))
        else:
            self._enter(Kind.EXTRACT, set(self.qual), now)

    # ------------------------------------------------------------------ phase 4-5: extraction
    def _my_share(self, i: int) -> tuple[int, int]:
        try:
            return self._shares[i]
        except KeyError:  # only reachable by a participant that broke the protocol itself
            raise MisuseError("no valid share from a qualified dealer") from None

    def _close_extract(self, now: float) -> None:
        me, q = self.identifier, self._q
        extracts = self._accepted[Kind.EXTRACT]
        senders = tuple(i for i in self.qual if i in extracts)
        self._extract_senders = senders
        self.exposed = {i for i in self.qual if i not in extracts}
        for i in senders:
            self._feldman[i] = extracts[i].points
        reveals: list[Reveal] = []
        batch_ok = not senders
        if senders and self._batch_checks():
            digest = self._digest(Kind.EXTRACT)
            weights = derive_weights(self._sid, b"feldman", digest, senders)
            key = hashlib.sha256(b"gjkr/feldman-aggregate" + self._sid + digest).digest()
            agg = self._cache.get(
                key,
                lambda: weighted_commitment(
                    [extracts[i].points for i in senders], [weights[i] for i in senders], self._g
                ),
            )
            s_sum = sum(weights[i] * self._my_share(i)[0] for i in senders) % q
            batch_ok = self._g.base_mul(s_sum) == self._evaluator(b"feldman", agg).at(me)
        if not batch_ok:
            for i in senders:
                if i != me and not self._feldman_ok(me, self._my_share(i)[0], extracts[i].points):
                    s, s2 = self._my_share(i)
                    reveals.append(Reveal(who=i, share=s, blinding=s2))
        self._blame([r.who for r in reveals], "share does not match the Feldman commitment")
        self._enter(Kind.EXTRACT_COMPLAINT, set(self._ids), now)
        self._broadcast(self._message(Kind.EXTRACT_COMPLAINT, reveals=tuple(reveals)))

    def _close_extract_complaint(self, now: float) -> None:
        deals = self._accepted[Kind.DEAL]
        for j, msg in sorted(self._accepted[Kind.EXTRACT_COMPLAINT].items()):
            for r in msg.reveals:
                i = r.who
                if i in self.exposed:
                    continue
                valid = (
                    i in self._feldman
                    and self._pedersen_ok(j, r.share, r.blinding, deals[i].points)
                    and not self._feldman_ok(j, r.share, self._feldman[i])
                )
                if valid:
                    self.exposed.add(i)
                    self._blame((i,), "Feldman commitment inconsistent with Pedersen commitment")
                else:
                    self._blame((j,), "invalid extraction complaint")
        if not self.exposed:
            self._finish()
            return
        for i in self.exposed:
            self._feldman.pop(i, None)
        self._enter(Kind.RECONSTRUCT, set(self._ids), now)
        self._broadcast(
            self._message(
                Kind.RECONSTRUCT,
                reveals=tuple(
                    Reveal(who=i, share=self._my_share(i)[0], blinding=self._my_share(i)[1])
                    for i in sorted(self.exposed)
                ),
            )
        )

    # ------------------------------------------------------------------ phase 6: reconstruction
    def _close_reconstruct(self, now: float) -> None:
        deals = self._accepted[Kind.DEAL]
        for i in sorted(self.exposed):
            points: dict[int, int] = {}
            for j, msg in sorted(self._accepted[Kind.RECONSTRUCT].items()):
                if len(points) == self._t:
                    break
                r = next((r for r in msg.reveals if r.who == i), None)
                if r is None:
                    continue
                if self._pedersen_ok(j, r.share, r.blinding, deals[i].points):
                    points[j] = r.share
                else:
                    self._blame((j,), "revealed share does not match the Pedersen commitment")
            if len(points) < self._t:
                raise MisbehaviourError("cannot reconstruct an exposed dealer", culprits=(i,))
            coeffs = interpolate(points, self._q)
            self._feldman[i] = tuple(self._g.base_mul(a) for a in coeffs)
        self._finish()

    # ------------------------------------------------------------------ output
    def _finish(self) -> None:
        g, q = self._g, self._q
        qual = self.qual
        # Every input of this public computation: the broadcast transcript of the phases that
        # determine the Feldman commitments of QUAL (the reconstructed ones included).
        key = hashlib.sha256(
            b"gjkr/output"
            + self._sid
            + b"".join(self._digest(k) for k in Kind)
            + b"".join(i.to_bytes(g.scalar_length, "big") for i in qual)
            + b"|"
            + b"".join(i.to_bytes(g.scalar_length, "big") for i in sorted(self.exposed))
        ).digest()

        def compute() -> tuple[tuple[Any, ...], dict[int, Any]]:
            group_commitment = tuple(
                g.sum(self._feldman[i][k] for i in qual) for k in range(self._t)
            )
            ev = CommitmentEvaluator(group_commitment, g)
            return group_commitment, {j: ev.at(j) for j in self._ids}

        group_commitment, verifying = self._cache.get(key, compute)
        share = sum(self._my_share(i)[0] for i in qual) % q
        y = group_commitment[0]
        if y.is_identity or share == 0:  # pragma: no cover - probability 2^-255
            raise MisbehaviourError("degenerate output", culprits=())
        own = g.base_mul(share)
        if own != verifying[self.identifier]:  # pragma: no cover - excluded by the checks
            raise MisbehaviourError("own share inconsistent with the group commitment")
        kp = KeyPackage(
            group=g.name,
            identifier=self.identifier,
            signing_share=share,
            verifying_share=own,
            group_public_key=y,
            min_signers=self._t,
        )
        pub = PublicKeyPackage(
            group=g.name, min_signers=self._t, group_public_key=y, verifying_shares=verifying
        )
        self._result = (kp, pub)
        self.phase = None
        self._poly, self._blind, self._sent, self._own_feldman = [], [], {}, ()
        self._done(DkgEvent("completed", None, (), pub.group_public_key.to_bytes().hex()))
