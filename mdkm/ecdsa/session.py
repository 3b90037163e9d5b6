"""Sans-IO sessions for threshold ECDSA (:mod:`mdkm.ecdsa.protocol`): presign, then sign.

No sockets, no clocks. The driver feeds bytes with ``receive(sender, data, now)`` and deadlines
with ``handle_timer(now)``, sends what ``outbox()`` returns (``(recipient, bytes)`` pairs; every
message of these protocols goes to :data:`BROADCAST`, i.e. to every other signer) and reads
``events()``. The transport authenticates ``sender``; messages are canonical
:class:`~mdkm.ecdsa.messages.EcdsaMessage` bytes.

:class:`EcdsaPresignSession` (one per signer of the set S, |S| >= 2t − 1) runs the four
message-independent rounds of GJKR'96 section 4 as adapted in :mod:`mdkm.ecdsa.protocol`:

1. DEAL: broadcast the commitments and, for every other signer, its shares sealed to that
   signer's long-term identity key (:class:`mdkm.dkg.channel.PairwiseChannel`: static ECDH,
   HKDF-SHA256, ChaCha20-Poly1305 bound to the session, sender, recipient and round);
2. COMPLAINT: every signer broadcasts one complaint message, possibly accusing nobody, with the
   digest of the DEAL round it saw;
3. JUSTIFY: every signer broadcasts one justification message, possibly empty, publishing the
   shares of each signer who accused it, with the digest of the COMPLAINT round;
4. PRODUCT: every signer broadcasts v_j = u_j a_j + z_j with its proof and the digest of the
   JUSTIFY round; the presignature is then combined (:class:`PresignatureReady`).

Round barrier: a round closes when a message of that round has arrived from every signer, so
every honest signer closes each round on the same set of messages and computes the same QUAL
(:func:`~mdkm.ecdsa.protocol.qualified_dealers` is deterministic in public data). The echoed
digests make that hold even when a signer sends different broadcasts to different peers: a
mismatch fails the session ("broadcast with abort", Goldwasser and Lindell 2005). The protocol
needs a message from every signer of S in every round (the product shares interpolate a degree
2d polynomial), so a round that does not close before its deadline fails the session with a
:class:`MisbehaviourError` naming the silent signers. A dealer whose shares or justification do
not verify is excluded from QUAL (a :class:`Blame` event) and the session goes on.

:class:`EcdsaSignSession` is the online round: each signer consumes its presignature and
broadcasts s_j with its proof; any party holding the presignature's public part (a signer, or a
coordinator created without a key package) verifies every share and combines the 65-byte
low-S signature r || s || v (:class:`SignatureReady`).

Errors from ``receive``:

* rejected, the session goes on unchanged (the peer's fault, or harmless): a sender outside the
  signer set, a message for another session id, an exact replay (:class:`ReplayError`),
  undecodable bytes, a header or inner object naming someone else, a second different message
  for a round (equivocation), a message of a round the sender cannot have reached, a shape that
  does not fit the parameters (wrong degree, wrong number of sealed shares, accusing outsiders),
  a signature share for another message hash. Each is a :class:`MisbehaviourError` naming the
  sender (``culprits``).
* fatal, the session becomes FAILED for good and the error is raised (by ``receive``) or recorded
  (by ``handle_timer``), always also in :attr:`error` and a :class:`SessionFailed` event: a
  deadline passes (silent signers named), transcript digests disagree, an invalid product or
  signature share (every cheater named), no qualified dealer, a degenerate presignature.

Local misuse (receiving after FAILED, a message "from" ourselves) raises :class:`MisuseError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from cryptocore.encoding import decode_scalar, expect_length
from cryptocore.errors import (
    CryptoError,
    EncodingError,
    MisbehaviourError,
    MisuseError,
    ParameterError,
    ProtocolError,
    ReplayError,
)
from cryptocore.rng import Rng, get_rng
from cryptocore.sansio import BROADCAST, SessionCore, SessionFailed, sender_culprits
from cryptocore.secp256k1 import N, Point
from mdkm.dkg.channel import IdentityKey, PairwiseChannel
from mdkm.ecdsa.messages import EcdsaMessage, Kind, decode_message, transcript_digest
from mdkm.ecdsa.protocol import (
    _SHARE_FIELDS,
    Complaint,
    Justification,
    Presignature,
    PresignDealing,
    PresignShare,
    PrivateShares,
    ProductShare,
    combine_presign,
    combine_signature,
    finish_presign,
    presign_deal,
    presign_justify,
    presign_product,
    presign_verify,
    qualified_dealers,
    required_signers,
    sign_share,
)
from mdkm.ecdsa.runner import _check_packages, public_package_from
from mdkm.keys import KeyPackage, PublicKeyPackage, check_identifiers

__all__ = [
    "BROADCAST",
    "DEFAULT_TIMEOUT",
    "Blame",
    "EcdsaPresignSession",
    "EcdsaSignSession",
    "Event",
    "PresignatureReady",
    "RoundStarted",
    "SessionFailed",
    "SessionState",
    "SignatureReady",
    "public_presignature",
    "run_sessions_in_process",
]

DEFAULT_TIMEOUT: Final = 30.0
_CHANNEL_DST: Final = b"LITHO-CRYPTO-V01-ECDSA-SHARE-CHANNEL"


class SessionState(Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundStarted:
    """The session entered round ``kind`` (and broadcast its own message of that round)."""

    kind: Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class Blame:
    """``culprits`` misbehaved but the session goes on (e.g. a dealer left out of QUAL)."""

    culprits: tuple[int, ...]
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PresignatureReady:
    """The presign session is DONE; ``presignature`` is this signer's (single use, secret)."""

    presignature: Presignature
    qual: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureReady:
    """The sign session is DONE: the 65-byte low-S signature r || s || v."""

    signature: bytes


Event = RoundStarted | Blame | PresignatureReady | SignatureReady | SessionFailed


# ---------------------------------------------------------------------------- round machinery
class _RoundSession(SessionCore[SessionState, Event, ProtocolError]):
    """Per-round deadline, replay / equivocation bookkeeping, round barrier (outbox, events,
    deadline and the terminal states come from :class:`~cryptocore.sansio.SessionCore`).

    Subclasses set ``_rounds`` (the kinds in order) and implement ``_close(kind, now)``, which
    either enters the next round (:meth:`_enter`) or finishes the session.
    """

    _rounds: tuple[Kind, ...] = ()

    def __init__(
        self,
        session_id: bytes,
        signers: tuple[int, ...],
        me: int | None,
        timeout: float,
    ) -> None:
        self._sid = expect_length(session_id, 32, "session id")
        if not (isinstance(timeout, int | float) and timeout > 0):
            raise ParameterError("timeout must be positive")
        self._timeout = float(timeout)
        super().__init__(SessionState.RUNNING, done=SessionState.DONE, failed=SessionState.FAILED)
        self._ids = signers
        self._me = me
        self._senders = frozenset(i for i in signers if i != me)  # whom we receive from
        self._round = self._rounds[0]
        self._msgs: dict[Kind, dict[int, EcdsaMessage]] = {k: {} for k in self._rounds}
        self._raw: dict[Kind, dict[int, bytes]] = {k: {} for k in self._rounds}
        self._pending: dict[Kind, dict[int, tuple[EcdsaMessage, bytes]]] = {
            k: {} for k in self._rounds
        }
        self._digests: dict[Kind, bytes] = {}

    # ------------------------------------------------------------------ driver interface
    @property
    def session_id(self) -> bytes:
        return self._sid

    @property
    def signers(self) -> tuple[int, ...]:
        return self._ids

    @property
    def round(self) -> Kind | None:
        """The round in progress (None once DONE or FAILED)."""
        return self._round if self._state is SessionState.RUNNING else None

    def missing(self) -> tuple[int, ...]:
        """Signers whose message of the current round has not arrived yet."""
        if self._state is not SessionState.RUNNING:
            return ()
        have = self._msgs[self._round]
        return tuple(i for i in self._ids if i in self._senders and i not in have)

    def handle_timer(self, now: float) -> None:
        """Fail the session, naming the silent signers, once the round's deadline has passed."""
        if self._state is not SessionState.RUNNING or self._deadline is None:
            return
        if now >= self._deadline:
            self._fail(
                MisbehaviourError(
                    f"no {self._round.name} message before the deadline", culprits=self.missing()
                )
            )

    def receive(self, sender: int, data: bytes, now: float) -> None:
        """Feed one message from ``sender`` (see the module docstring for the error rules)."""
        self._refuse_if_failed()
        if not isinstance(sender, int) or isinstance(sender, bool):
            raise MisbehaviourError("sender is not an identifier")
        if self._me is not None and sender == self._me:
            raise MisuseError("a session does not receive its own messages")
        if sender not in self._senders:
            raise MisbehaviourError(
                "message from outside the signer set", culprits=sender_culprits(sender)
            )
        if not isinstance(data, bytes | bytearray | memoryview):
            raise MisbehaviourError("message is not bytes", culprits=(sender,))
        raw = bytes(data)
        try:
            msg = decode_message(raw)
        except EncodingError as e:
            raise MisbehaviourError(f"malformed message: {e}", culprits=(sender,)) from None
        if msg.session_id != self._sid:
            raise MisbehaviourError("message for another session", culprits=(sender,))
        if msg.sender != sender:
            raise MisbehaviourError("message header names another sender", culprits=(sender,))
        kind = msg.kind
        if kind not in self._rounds:
            raise MisbehaviourError(f"{kind.name} message in this session", culprits=(sender,))
        prior = self._raw[kind].get(sender)
        if prior is None and sender in self._pending[kind]:
            prior = self._pending[kind][sender][1]
        if prior is not None:
            if prior == raw:
                raise ReplayError("replayed message")
            raise MisbehaviourError(
                f"equivocation: a second, different {kind.name} message", culprits=(sender,)
            )
        if self._state is SessionState.DONE:  # pragma: no cover - every round is full when DONE
            raise MisbehaviourError(f"late {kind.name} message", culprits=(sender,))
        here = self._rounds.index(self._round)
        there = self._rounds.index(kind)
        if there < here:  # pragma: no cover - a round closes only once every sender is in
            raise MisbehaviourError(f"late {kind.name} message", culprits=(sender,))
        if there > here + 1:
            # A signer enters round k+1 only after our round-k message reached it, so no honest
            # signer can be two rounds ahead of us.
            raise MisbehaviourError(
                f"{kind.name} message during {self._round.name}: wrong round", culprits=(sender,)
            )
        self._check_shape(msg)
        if there == here + 1:
            self._pending[kind][sender] = (msg, raw)
            return
        self._guarded(lambda: self._take(msg, raw, now))

    # ------------------------------------------------------------------ internals
    def _guarded(self, step: Callable[[], None]) -> None:
        """Run a step; a fatal protocol error fails the session and is re-raised."""
        try:
            step()
        except ProtocolError as e:
            self._fail(e)
            raise
        except CryptoError as e:  # inconsistent local key material: nobody to blame
            err = ProtocolError(f"{type(e).__name__}: {e}")
            self._fail(err)
            raise err from None

    def _failure_event(self, reason: str, culprits: tuple[int, ...]) -> Event:
        return SessionFailed(reason=reason, culprits=culprits)

    def _check_shape(self, msg: EcdsaMessage) -> None:
        """Checks that need only the session parameters; MisbehaviourError, non-fatal."""

    def _check_in_round(self, msg: EcdsaMessage) -> None:
        """Checks that need the previous rounds (digests); raising here is fatal."""

    def _take(self, msg: EcdsaMessage, raw: bytes, now: float) -> None:
        self._check_in_round(msg)
        self._msgs[msg.kind][msg.sender] = msg
        self._raw[msg.kind][msg.sender] = raw
        self._advance(now)

    def _advance(self, now: float) -> None:
        while self._state is SessionState.RUNNING and not self.missing():
            self._close(self._round, now)

    def _close(self, kind: Kind, now: float) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _enter(self, kind: Kind, own: EcdsaMessage | None, now: float) -> None:
        """Start round ``kind``: broadcast our message, then take the buffered ones."""
        self._round = kind
        self._deadline = float(now) + self._timeout
        self._events.append(RoundStarted(kind=kind))
        if own is not None:
            raw = own.to_bytes()
            self._msgs[kind][own.sender] = own
            self._raw[kind][own.sender] = raw
            self._outbox.append((BROADCAST, raw))
        pending, self._pending[kind] = self._pending[kind], {}
        for sender in sorted(pending):
            msg, raw = pending[sender]
            self._check_in_round(msg)
            self._msgs[kind][sender] = msg
            self._raw[kind][sender] = raw

    def _digest(self, kind: Kind) -> bytes:
        """Digest of a closed round (computed once: a closed round never changes)."""
        d = self._digests.get(kind)
        if d is None:
            d = self._digests[kind] = transcript_digest(kind, self._sid, self._ids, self._raw[kind])
        return d

    def _check_digest(self, msg: EcdsaMessage, previous: Kind) -> None:
        if msg.digest != self._digest(previous):
            raise MisbehaviourError(
                f"signer {msg.sender} saw a different {previous.name} round: the broadcast was "
                "inconsistent (a signer sent different messages to different peers)"
            )


# ---------------------------------------------------------------------------- presign
class EcdsaPresignSession(_RoundSession):
    """One signer's presign session (see the module docstring for the rounds).

    ``signers`` is the set S (every one must take part; at least 2·min_signers − 1 of them);
    ``identity`` is this signer's long-term identity key and ``identities`` maps every signer to
    its registered identity public key (used to seal the private shares). ``session_id`` (32
    bytes) must be agreed by all signers and fresh: it binds every message and proof. The DEAL
    message is in :meth:`outbox` as soon as the session is created.
    """

    _rounds = (Kind.DEAL, Kind.COMPLAINT, Kind.JUSTIFY, Kind.PRODUCT)

    def __init__(
        self,
        key_package: KeyPackage,
        signers: Iterable[int],
        session_id: bytes,
        identity: IdentityKey,
        identities: Mapping[int, Point],
        *,
        rng: Rng | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        now: float = 0.0,
    ) -> None:
        if not isinstance(key_package, KeyPackage) or key_package.group != "secp256k1":
            raise ParameterError("expected a secp256k1 KeyPackage")
        ids = check_identifiers(signers, N)
        me = key_package.identifier
        if me not in ids:
            raise ParameterError("this signer is not in the signer set")
        if len(ids) < required_signers(key_package.min_signers):
            raise ParameterError(
                f"honest-majority ECDSA needs {required_signers(key_package.min_signers)} "
                f"signers for a key of threshold {key_package.min_signers}; got {len(ids)}"
            )
        if not isinstance(identity, IdentityKey):
            raise ParameterError("identity must be an IdentityKey")
        missing = [i for i in ids if not isinstance(identities.get(i), Point)]
        if missing:
            raise ParameterError(f"no identity public key for signers {missing}")
        if any(identities[i].is_identity for i in ids):
            raise ParameterError("an identity public key is the point at infinity")
        if identity.public_key != identities[me]:
            raise ParameterError("identity key does not match the registered public key")
        super().__init__(session_id, ids, me, timeout)
        self._kp = key_package
        self._degree = key_package.min_signers - 1
        self._identity = identity
        self._identities = {i: identities[i] for i in ids}
        self._rng = get_rng(rng)
        self._others = tuple(i for i in ids if i != me)
        self._dealt: dict[int, PrivateShares] = {}
        self._share_state: PresignShare | None = None
        self._complaints: list[Complaint] = []
        self._qual: tuple[int, ...] = ()
        self._presignature: Presignature | None = None
        self._guarded(lambda: self._deal(float(now)))

    @property
    def identifier(self) -> int:
        return self._kp.identifier

    @property
    def qual(self) -> tuple[int, ...]:
        """The qualified dealers, once the JUSTIFY round has closed."""
        return self._qual

    def __repr__(self) -> str:
        return (
            f"EcdsaPresignSession(id={self.identifier}, state={self._state.value}, "
            f"round={self.round.name if self.round else None}, secrets=<redacted>)"
        )

    def _on_fail(self) -> None:
        self._dealt = {}
        self._share_state = None

    def _channel(self, dealing_bytes: bytes) -> PairwiseChannel:
        """The sealing channel of one dealing: keys bound to the session and to the dealing
        itself, so a reused session id never reuses a ChaCha20-Poly1305 key and nonce."""
        salt = hashlib.sha256(
            _CHANNEL_DST + self._sid + hashlib.sha256(dealing_bytes).digest()
        ).digest()
        peers = {i: self._identities[i] for i in self._others}
        return PairwiseChannel(salt, self.identifier, self._identity, peers)

    # ------------------------------------------------------------------ checks
    def _check_shape(self, msg: EcdsaMessage) -> None:
        s = msg.sender
        if msg.kind is Kind.DEAL:
            assert msg.dealing is not None
            if msg.dealing.degree != self._degree:
                raise MisbehaviourError("dealing of the wrong degree", culprits=(s,))
            if len(msg.sealed) != len(self._ids) - 1:
                raise MisbehaviourError("wrong number of sealed share sets", culprits=(s,))
        elif msg.kind is Kind.COMPLAINT:
            assert msg.complaint is not None
            if any(i not in self._ids for i in msg.complaint.accused):
                raise MisbehaviourError("complaint against a non-signer", culprits=(s,))
        elif msg.kind is Kind.JUSTIFY:
            if any(j.shares.recipient not in self._ids for j in msg.justifications):
                raise MisbehaviourError("justification for a non-signer", culprits=(s,))

    def _check_in_round(self, msg: EcdsaMessage) -> None:
        if msg.kind is not Kind.DEAL:  # each later round echoes the previous round's digest
            self._check_digest(msg, Kind(msg.kind - 1))

    # ------------------------------------------------------------------ hooks
    # One method per message a signer computes, so that tests can write a misbehaving signer
    # as a small subclass of the honest one (the hotstuff "Byzantine wrapper" pattern).
    def _seal(
        self, dealing: PresignDealing, shares: Mapping[int, PrivateShares]
    ) -> tuple[bytes, ...]:
        channel = self._channel(dealing.to_bytes())
        return tuple(
            channel.seal(j, int(Kind.DEAL), _share_scalars(shares[j])) for j in self._others
        )

    def _justify(self, complaints: Sequence[Complaint]) -> tuple[Justification, ...]:
        justs = presign_justify(self._dealt, complaints, self.identifier)
        return tuple(sorted(justs, key=lambda j: j.shares.recipient))

    def _product(
        self,
        state: PresignShare,
        qual: tuple[int, ...],
        dealings: Mapping[int, PresignDealing],
        justified: Mapping[tuple[int, int], PrivateShares],
    ) -> ProductShare:
        return presign_product(state, qual, dealings, justified, self._rng)

    # ------------------------------------------------------------------ round 1: deal
    def _deal(self, now: float) -> None:
        dealing, shares, _secret = presign_deal(self._kp, self._ids, self._sid, self._rng)
        self._dealt = shares
        sealed = self._seal(dealing, shares)
        own = EcdsaMessage(
            kind=Kind.DEAL, session_id=self._sid, sender=self.identifier, dealing=dealing,
            sealed=sealed,
        )  # fmt: skip
        self._enter(Kind.DEAL, own, now)
        self._advance(now)

    def _close(self, kind: Kind, now: float) -> None:
        {
            Kind.DEAL: self._close_deal,
            Kind.COMPLAINT: self._close_complaint,
            Kind.JUSTIFY: self._close_justify,
            Kind.PRODUCT: self._close_product,
        }[kind](now)

    def _dealings(self) -> dict[int, PresignDealing]:
        out = {}
        for i, m in self._msgs[Kind.DEAL].items():
            assert m.dealing is not None
            out[i] = m.dealing
        return out

    def _close_deal(self, now: float) -> None:
        me = self.identifier
        received: dict[int, PrivateShares] = {me: self._dealt[me]}
        for i, m in self._msgs[Kind.DEAL].items():
            if i == me:
                continue
            assert m.dealing is not None
            slot = tuple(j for j in self._ids if j != i).index(me)
            try:
                channel = self._channel(self._raw_dealing(i))
                plain = channel.open(i, int(Kind.DEAL), m.sealed[slot])
                received[i] = _shares_from_scalars(self._sid, i, me, plain)
            except CryptoError:
                continue  # presign_verify accuses a dealer whose shares we lack
        state, complaint = presign_verify(
            self._kp, self._ids, self._sid, self._dealings(), received
        )
        self._share_state = state
        accused = complaint.accused if complaint is not None else ()
        if accused:
            self._events.append(
                Blame(culprits=tuple(accused), detail="shares do not match the commitments")
            )
        own = EcdsaMessage(
            kind=Kind.COMPLAINT,
            session_id=self._sid,
            sender=me,
            digest=self._digest(Kind.DEAL),
            complaint=Complaint(session_id=self._sid, complainer=me, accused=tuple(accused)),
        )
        self._enter(Kind.COMPLAINT, own, now)

    def _raw_dealing(self, dealer: int) -> bytes:
        m = self._msgs[Kind.DEAL][dealer]
        assert m.dealing is not None
        return m.dealing.to_bytes()

    # ------------------------------------------------------------------ rounds 2-3
    def _close_complaint(self, now: float) -> None:
        complaints = []
        for i in self._ids:
            c = self._msgs[Kind.COMPLAINT][i].complaint
            assert c is not None
            if c.accused:
                complaints.append(c)
        self._complaints = complaints
        justs = self._justify(complaints)
        own = EcdsaMessage(
            kind=Kind.JUSTIFY,
            session_id=self._sid,
            sender=self.identifier,
            digest=self._digest(Kind.COMPLAINT),
            justifications=justs,
        )
        self._enter(Kind.JUSTIFY, own, now)

    def _close_justify(self, now: float) -> None:
        asked = {(i, c.complainer) for c in self._complaints for i in c.accused}
        justifications: list[Justification] = []
        unasked: list[int] = []
        for i in self._ids:
            for j in self._msgs[Kind.JUSTIFY][i].justifications:
                if (i, j.shares.recipient) in asked:
                    justifications.append(j)
                else:
                    unasked.append(i)
        if unasked:
            self._events.append(
                Blame(culprits=tuple(sorted(set(unasked))), detail="unrequested justification")
            )
        dealings = self._dealings()
        qual, justified = qualified_dealers(self._ids, dealings, self._complaints, justifications)
        self._qual = qual
        out = tuple(i for i in self._ids if i not in qual)
        if out:
            self._events.append(
                Blame(culprits=out, detail="dealer left out of QUAL: complaint not justified")
            )
        if not qual:  # pragma: no cover - an honest signer always qualifies itself
            raise MisbehaviourError("no qualified dealer", culprits=out)
        self._dealt = {}  # justifications are done: the dealt shares are no longer needed
        assert self._share_state is not None
        product = self._product(self._share_state, qual, dealings, justified)
        own = EcdsaMessage(
            kind=Kind.PRODUCT,
            session_id=self._sid,
            sender=self.identifier,
            digest=self._digest(Kind.JUSTIFY),
            product=product,
        )
        self._enter(Kind.PRODUCT, own, now)

    # ------------------------------------------------------------------ round 4: product
    def _close_product(self, now: float) -> None:
        products: dict[int, ProductShare] = {}
        for i, m in self._msgs[Kind.PRODUCT].items():
            assert m.product is not None
            products[i] = m.product
        big_r, r, u_comms, y_comms = combine_presign(
            None, self._ids, self._qual, self._dealings(), products
        )
        assert self._share_state is not None
        pre = finish_presign(self._share_state, big_r, r, u_comms, y_comms)
        self._share_state = None
        self._presignature = pre
        self._done(PresignatureReady(presignature=pre, qual=self._qual))

    def result(self) -> Presignature:
        """This signer's presignature once the session is DONE (single use)."""
        if self._presignature is None:
            raise MisuseError(f"no presignature: session is {self._state.value}")
        return self._presignature


def _share_scalars(s: PrivateShares) -> bytes:
    return b"".join(getattr(s, f).to_bytes(32, "big") for f in _SHARE_FIELDS)


def _shares_from_scalars(sid: bytes, dealer: int, recipient: int, plain: bytes) -> PrivateShares:
    plain = expect_length(plain, 32 * len(_SHARE_FIELDS), "sealed shares")
    vals = [decode_scalar(plain[k : k + 32], N) for k in range(0, len(plain), 32)]
    return PrivateShares(
        session_id=sid,
        dealer=dealer,
        recipient=recipient,
        **dict(zip(_SHARE_FIELDS, vals, strict=True)),
    )


# ---------------------------------------------------------------------------- sign
def public_presignature(presignature: Presignature) -> Presignature:
    """A copy of a presignature without its secret: enough for a coordinator to verify and
    combine signature shares (:class:`EcdsaSignSession` without a key package), never to sign."""
    return Presignature(
        session_id=presignature.session_id,
        identifier=presignature.identifier,
        signers=presignature.signers,
        R=presignature.R,
        r=presignature.r,
        u_commitments=dict(presignature.u_commitments),
        y_commitments=dict(presignature.y_commitments),
        _secret=None,
    )


class EcdsaSignSession(_RoundSession):
    """The online signing round for one presignature (session id = the presign session's).

    With ``key_package`` the session is a signer: it consumes ``presignature`` at once
    (:func:`~mdkm.ecdsa.protocol.sign_share`; a presignature signs once, a second session over
    it raises :class:`MisuseError`) and broadcasts its share. Without one it is a coordinator
    that only collects; give it :func:`public_presignature`. Every session verifies each share
    against the presignature's public commitments and combines the signature.
    """

    _rounds = (Kind.SIGN,)

    def __init__(
        self,
        public_key_package: PublicKeyPackage,
        presignature: Presignature,
        message_hash: bytes,
        *,
        key_package: KeyPackage | None = None,
        rng: Rng | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        now: float = 0.0,
    ) -> None:
        if not isinstance(public_key_package, PublicKeyPackage):
            raise ParameterError("expected a PublicKeyPackage")
        if not isinstance(presignature, Presignature):
            raise ParameterError("expected a Presignature")
        self._hash = expect_length(message_hash, 32, "message hash")
        ids = presignature.signers
        outside = [i for i in ids if i not in public_key_package.verifying_shares]
        if outside:
            raise ParameterError(f"presignature signers without a verifying share: {outside}")
        me = None
        if key_package is not None:
            if not isinstance(key_package, KeyPackage):
                raise ParameterError("expected a KeyPackage")
            if key_package.group_public_key != public_key_package.group_public_key:
                raise ParameterError("key package and public key package differ")
            me = key_package.identifier
        super().__init__(presignature.session_id, ids, me, timeout)
        self._pkp = public_key_package
        self._pre = presignature
        self._rng = get_rng(rng)
        self.signature: bytes | None = None
        own = None
        if key_package is not None:
            share = sign_share(presignature, key_package, self._hash, self._rng)  # consumes
            own = EcdsaMessage(
                kind=Kind.SIGN,
                session_id=self._sid,
                sender=key_package.identifier,
                digest=self._hash,
                signature_share=share,
            )
        self._enter(Kind.SIGN, own, now)
        self._guarded(lambda: self._advance(float(now)))

    def __repr__(self) -> str:
        return f"EcdsaSignSession(id={self._me}, state={self._state.value})"

    def _check_shape(self, msg: EcdsaMessage) -> None:
        if msg.digest != self._hash:
            raise MisbehaviourError("signature share for another message", culprits=(msg.sender,))

    def _close(self, kind: Kind, now: float) -> None:
        shares = {}
        for i, m in self._msgs[Kind.SIGN].items():
            assert m.signature_share is not None
            shares[i] = m.signature_share
        sig = combine_signature(self._pkp, self._pre, shares, self._hash)
        self.signature = sig
        self._done(SignatureReady(signature=sig))


# ---------------------------------------------------------------------------- in-process
_Session = EcdsaPresignSession | EcdsaSignSession


def _pump(sessions: Mapping[int, _Session], now: float = 0.0) -> None:
    """Deliver every outbox message (BROADCAST = every other session) until all are quiet."""
    queue: list[tuple[int, int, bytes]] = []

    def drain() -> None:
        for i, s in sessions.items():
            for to, data in s.outbox():
                targets = [j for j in sessions if j != i] if to == BROADCAST else [to]
                queue.extend((i, j, data) for j in targets)

    drain()
    while queue:
        sender, to, data = queue.pop(0)
        if sessions[to].state is SessionState.RUNNING:
            sessions[to].receive(sender, data, now)
        drain()


def _raise_failure(sessions: Iterable[_Session]) -> None:
    for s in sessions:
        if s.error is not None:
            raise s.error
        if s.state is not SessionState.DONE:  # pragma: no cover - a quiet honest run is done
            raise MisuseError("in-process session stalled")


def run_sessions_in_process(
    key_packages: Sequence[KeyPackage], message_hash: bytes, rng: Rng | None = None
) -> bytes:
    """Presign and sign through the sans-IO sessions, every message as wire bytes, in memory.

    Every given package takes part (at least 2·min_signers − 1). Identity keys and the session
    id are drawn from ``rng``. Returns the 65-byte low-S signature r || s || v (v in {0, 1}),
    the same kind as :func:`mdkm.ecdsa.sign_in_process`.
    """
    ids = _check_packages(key_packages)
    expect_length(message_hash, 32, "message hash")
    r = get_rng(rng)
    by_id = {kp.identifier: kp for kp in key_packages}
    keys = {i: IdentityKey.generate(r) for i in ids}
    identities = {i: k.public_key for i, k in keys.items()}
    sid = r(32)
    presign = {i: EcdsaPresignSession(by_id[i], ids, sid, keys[i], identities, rng=r) for i in ids}
    _pump(presign)
    _raise_failure(presign.values())
    public = public_package_from(key_packages)
    sign = {
        i: EcdsaSignSession(public, s.result(), message_hash, key_package=by_id[i], rng=r)
        for i, s in presign.items()
    }
    _pump(sign)
    _raise_failure(sign.values())
    sigs = {s.signature for s in sign.values()}
    if len(sigs) != 1:  # pragma: no cover - combine_signature is deterministic
        raise ProtocolError("signers combined different signatures")
    (sig,) = sigs
    assert sig is not None
    return sig
