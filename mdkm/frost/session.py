"""Sans-IO FROST signing sessions: one coordinator, t signers, two rounds (RFC 9591 section 5).

No sockets, no clocks: the driver feeds bytes with ``receive(sender, data, now)`` and deadlines
with ``handle_timer(now)``, sends what ``outbox()`` returns (``(recipient, bytes)`` pairs) and reads
``events()``. The coordinator's address is :data:`COORDINATOR` (0, never a valid identifier).

Flow: coordinator -> each signer ``COMMIT_REQUEST``; signer -> coordinator ``COMMITMENTS``;
coordinator (once every selected signer has committed) -> each signer ``SIGNING_PACKAGE``;
signer -> coordinator ``SIGNATURE_SHARE``; coordinator aggregates (and blames on failure).

Every message is ``version || ciphersuite id || type || session id (32 bytes) || payload``.

Errors from ``receive``:

* rejected but harmless, the session goes on (the error is raised, the state is unchanged): a
  message from a sender outside the session (:class:`MisbehaviourError` naming it), a message for
  another session id or an exact replay of a message already accepted (:class:`ReplayError`);
* fatal, the session enters :attr:`SessionState.FAILED` for good and the error is raised: a
  malformed message from a member, a conflicting second message (equivocation), a message of the
  wrong round, a signing package that omits or alters the signer's commitment, includes signers
  outside the allowed set or too few, invalid signature shares (every cheater is named), and a
  deadline that passes (the missing members are named).

A participant's nonces are discarded when its session fails or times out; they are consumed by
signing, so a participant never produces two shares from one commitment.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from cryptocore.encoding import expect_length
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
from cryptocore.sansio import SessionCore, SessionFailed, sender_culprits
from cryptocore.secp256k1 import N
from mdkm.frost.aggregate import aggregate, check_signers
from mdkm.frost.ciphersuite import (
    FROST_SECP256K1_SHA256,
    Ciphersuite,
    ciphersuite_from_header,
)
from mdkm.frost.package import SigningPackage
from mdkm.frost.round1 import SigningCommitments, SigningNonces, _decode_commitment_pair, commit
from mdkm.frost.round2 import SignatureShare, sign
from mdkm.keys import KeyPackage, PublicKeyPackage, check_identifiers

__all__ = [
    "COORDINATOR",
    "CommitmentsSent",
    "CoordinatorSession",
    "MessageType",
    "ParticipantSession",
    "SessionFailed",
    "SessionState",
    "ShareSent",
    "SignatureReady",
    "SigningPackageSent",
    "decode_message",
    "encode_message",
    "run_in_process",
    "sign_in_process",
]

COORDINATOR = 0
DEFAULT_TIMEOUT = 30.0


class MessageType(enum.IntEnum):
    COMMIT_REQUEST = 1
    COMMITMENTS = 2
    SIGNING_PACKAGE = 3
    SIGNATURE_SHARE = 4


class SessionState(enum.Enum):
    AWAITING_REQUEST = "awaiting_request"  # participant, before round one
    AWAITING_COMMITMENTS = "awaiting_commitments"  # coordinator, round one
    AWAITING_PACKAGE = "awaiting_package"  # participant, between the rounds
    AWAITING_SHARES = "awaiting_shares"  # coordinator, round two
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitmentsSent:
    commitments: SigningCommitments


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningPackageSent:
    signing_package: SigningPackage


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareSent:
    share: SignatureShare


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureReady:
    signature: bytes


Event = CommitmentsSent | SigningPackageSent | ShareSent | SignatureReady | SessionFailed


# ---------------------------------------------------------------------------- wire format
def encode_message(
    suite: Ciphersuite, kind: MessageType, session_id: bytes, payload: bytes = b""
) -> bytes:
    """version || ciphersuite id || type || session id || payload."""
    session_id = expect_length(session_id, 32, "session id")
    return suite.header() + bytes([kind]) + session_id + payload


def decode_message(data: bytes) -> tuple[Ciphersuite, MessageType, bytes, bytes]:
    """(suite, type, session id, payload); EncodingError when malformed."""
    suite, off = ciphersuite_from_header(data, "session message")
    data = bytes(data)
    if len(data) < off + 33:
        raise EncodingError("session message: truncated")
    try:
        kind = MessageType(data[off])
    except ValueError:
        raise EncodingError("session message: unknown type") from None
    return suite, kind, data[off + 1 : off + 33], data[off + 33 :]


def _encode_tweak(tweak: bytes | None) -> bytes:
    if tweak is None:
        return b"\x00"
    return b"\x01" + bytes([len(tweak)]) + tweak


def _decode_tweak(data: bytes) -> tuple[bytes | None, int]:
    if not data:
        raise EncodingError("signing package message: truncated")
    if data[0] == 0:
        return None, 1
    if data[0] != 1 or len(data) < 2 or len(data) < 2 + data[1]:
        raise EncodingError("signing package message: bad tweak field")
    return data[2 : 2 + data[1]], 2 + data[1]


# ---------------------------------------------------------------------------- base
class _Session(SessionCore[SessionState, Event, ProtocolError]):
    """Ciphersuite, session id, per-round timeout, replay bookkeeping and outsider refusal
    shared by both roles (outbox, events, deadline and FAILED come from :class:`SessionCore`)."""

    def __init__(
        self,
        suite: Ciphersuite,
        session_id: bytes,
        timeout: float,
        now: float,
        state: SessionState,
    ) -> None:
        if not isinstance(suite, Ciphersuite):
            raise ParameterError("unknown ciphersuite")
        self._suite = suite
        self._sid = expect_length(session_id, 32, "session id")
        if not timeout > 0:
            raise ParameterError("timeout must be positive")
        self._timeout = float(timeout)
        deadline = float(now) + self._timeout
        super().__init__(state, done=SessionState.DONE, failed=SessionState.FAILED)
        self._deadline = deadline
        self._seen: dict[int, dict[MessageType, bytes]] = {}

    @property
    def session_id(self) -> bytes:
        return self._sid

    def _failure_event(self, reason: str, culprits: tuple[int, ...]) -> Event:
        return SessionFailed(reason=reason, culprits=culprits)

    def _open(self, sender: int, data: bytes) -> tuple[MessageType, bytes]:
        """Decode, check the session id, detect exact replays. Non-fatal errors only."""
        self._refuse_if_failed()
        try:
            suite, kind, sid, payload = decode_message(data)
        except EncodingError as e:
            if self._is_member(sender):
                raise self._fail(
                    MisbehaviourError(f"malformed message: {e}", culprits=(sender,))
                ) from None
            raise MisbehaviourError("malformed message", culprits=sender_culprits(sender)) from None
        if suite is not self._suite or sid != self._sid:  # stale, or replayed from elsewhere
            raise ReplayError("message for another session")
        prior = self._seen.get(sender, {}).get(kind)
        if prior is not None and prior == bytes(data):
            raise ReplayError("replayed message")
        if self._state is SessionState.DONE:
            raise MisuseError("session is finished")
        return kind, payload

    def _accept(self, sender: int, kind: MessageType, data: bytes) -> None:
        self._seen.setdefault(sender, {})[kind] = bytes(data)

    def _is_member(self, sender: int) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def _refuse_outsider(self, sender: object, reason: str) -> NoReturn:
        """A message from outside the session: MisuseError once failed, else blame the sender
        (non-fatal: an outsider cannot fail the session)."""
        self._refuse_if_failed()
        raise MisbehaviourError(reason, culprits=sender_culprits(sender))

    def handle_timer(self, now: float) -> None:
        """Fail the session when its deadline has passed (naming whoever is missing)."""
        if self._deadline is None or now < self._deadline:
            return
        self._fail(MisbehaviourError("deadline passed", culprits=self._missing()))

    def _missing(self) -> tuple[int, ...]:  # pragma: no cover - overridden
        return ()


# ---------------------------------------------------------------------------- coordinator
class CoordinatorSession(_Session):
    """The coordinator of one signing (RFC 9591 section 5): collects, packages, aggregates.

    ``signers`` are the identifiers asked to sign (at least ``min_signers``, all in the public
    key package). ``tweak`` is passed to the ciphersuite (Taproot only) and to the signers.
    """

    def __init__(
        self,
        public_key_package: PublicKeyPackage,
        message: bytes,
        signers: Iterable[int],
        session_id: bytes,
        *,
        ciphersuite: Ciphersuite = FROST_SECP256K1_SHA256,
        tweak: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        now: float = 0.0,
    ) -> None:
        super().__init__(ciphersuite, session_id, timeout, now, SessionState.AWAITING_COMMITMENTS)
        if not isinstance(public_key_package, PublicKeyPackage):
            raise ParameterError("expected a PublicKeyPackage")
        if not isinstance(message, bytes | bytearray | memoryview):
            raise ParameterError("message must be bytes")
        ids = check_identifiers(signers, N)
        check_signers(public_key_package, ids)
        ciphersuite.adjust_key(public_key_package.group_public_key, tweak)  # validates tweak
        self._pkp = public_key_package
        self._message = bytes(message)
        self._signers = ids
        self._tweak = tweak
        self._commitments: dict[int, SigningCommitments] = {}
        self._shares: dict[int, SignatureShare] = {}
        self._package: SigningPackage | None = None
        self.signature: bytes | None = None
        request = encode_message(ciphersuite, MessageType.COMMIT_REQUEST, self._sid)
        self._outbox = [(i, request) for i in ids]

    @property
    def signers(self) -> tuple[int, ...]:
        return self._signers

    def _is_member(self, sender: int) -> bool:
        return sender in self._signers

    def _missing(self) -> tuple[int, ...]:
        have = (
            self._commitments
            if self._state is SessionState.AWAITING_COMMITMENTS
            else (self._shares)
        )
        return tuple(i for i in self._signers if i not in have)

    def receive(self, sender: int, data: bytes, now: float) -> None:
        """Feed one message from ``sender`` (see the module docstring for the error rules)."""
        if not self._is_member(sender):
            self._refuse_outsider(sender, "message from outside the signer set")
        kind, payload = self._open(sender, data)
        if kind is MessageType.COMMITMENTS and self._state is SessionState.AWAITING_COMMITMENTS:
            if sender in self._commitments:
                raise self._fail(MisbehaviourError("conflicting commitments", culprits=(sender,)))
            try:
                comm = _decode_commitment_pair(payload, self._suite)
            except CryptoError as e:
                raise self._fail(
                    MisbehaviourError(f"malformed commitments: {e}", culprits=(sender,))
                ) from None
            self._accept(sender, kind, data)
            self._commitments[sender] = comm
            if len(self._commitments) == len(self._signers):
                self._start_round_two(now)
            return
        if kind is MessageType.SIGNATURE_SHARE and self._state is SessionState.AWAITING_SHARES:
            if sender in self._shares:
                raise self._fail(MisbehaviourError("conflicting shares", culprits=(sender,)))
            try:
                share = SignatureShare(share=_decode_share(payload), ciphersuite=self._suite)
            except CryptoError as e:
                raise self._fail(
                    MisbehaviourError(f"malformed share: {e}", culprits=(sender,))
                ) from None
            self._accept(sender, kind, data)
            self._shares[sender] = share
            if len(self._shares) == len(self._signers):
                self._finish()
            return
        if kind is MessageType.COMMITMENTS:
            # a different commitment after round one closed: equivocation
            raise self._fail(MisbehaviourError("conflicting commitments", culprits=(sender,)))
        raise self._fail(MisbehaviourError(f"unexpected {kind.name}", culprits=(sender,)))

    def _start_round_two(self, now: float) -> None:
        pkg = SigningPackage(
            commitments=self._commitments, message=self._message, ciphersuite=self._suite
        )
        self._package = pkg
        msg = encode_message(
            self._suite,
            MessageType.SIGNING_PACKAGE,
            self._sid,
            _encode_tweak(self._tweak) + pkg.to_bytes(),
        )
        self._outbox.extend((i, msg) for i in self._signers)
        self._events.append(SigningPackageSent(signing_package=pkg))
        self._state = SessionState.AWAITING_SHARES
        self._deadline = float(now) + self._timeout

    def _finish(self) -> None:
        assert self._package is not None
        try:
            sig = aggregate(self._package, self._shares, self._pkp, tweak=self._tweak)
        except ProtocolError as e:
            raise self._fail(e) from None
        except CryptoError as e:  # InvalidSignature: key material inconsistent, nobody to blame
            raise self._fail(ProtocolError(f"aggregation failed: {e}")) from None
        self.signature = sig.to_bytes()
        self._done(SignatureReady(signature=self.signature))


def _decode_share(payload: bytes) -> int:
    data = expect_length(payload, 32, "signature share")
    v = int.from_bytes(data, "big")
    if v >= N:
        raise EncodingError("signature share: not below the group order")
    return v


# ---------------------------------------------------------------------------- participant
class ParticipantSession(_Session):
    """One signer's side: commits when asked, signs one acceptable package, once.

    ``allowed_signers`` (default: every identifier of ``public_key_package`` when given, else any)
    bounds who may appear in the signing package; ``approve(message, tweak)`` may refuse to sign.
    """

    def __init__(
        self,
        key_package: KeyPackage,
        session_id: bytes,
        *,
        ciphersuite: Ciphersuite = FROST_SECP256K1_SHA256,
        public_key_package: PublicKeyPackage | None = None,
        allowed_signers: Iterable[int] | None = None,
        approve: Callable[[bytes, bytes | None], bool] | None = None,
        coordinator: int = COORDINATOR,
        rng: Rng | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        now: float = 0.0,
    ) -> None:
        super().__init__(ciphersuite, session_id, timeout, now, SessionState.AWAITING_REQUEST)
        if not isinstance(key_package, KeyPackage) or key_package.group != "secp256k1":
            raise ParameterError("expected a secp256k1 KeyPackage")
        self._kp = key_package
        if allowed_signers is not None:
            self._allowed: frozenset[int] | None = frozenset(check_identifiers(allowed_signers, N))
        elif public_key_package is not None:
            self._allowed = frozenset(public_key_package.verifying_shares)
        else:
            self._allowed = None
        self._approve = approve
        self._coordinator = coordinator
        self._rng = get_rng(rng)
        self._nonces: SigningNonces | None = None

    @property
    def identifier(self) -> int:
        return self._kp.identifier

    def _is_member(self, sender: int) -> bool:
        return sender == self._coordinator

    def _missing(self) -> tuple[int, ...]:
        return (self._coordinator,)

    def _on_fail(self) -> None:
        if self._nonces is not None and not self._nonces.spent:
            self._nonces.discard()

    def receive(self, sender: int, data: bytes, now: float) -> None:
        """Feed one message from the coordinator (see the module docstring)."""
        if not self._is_member(sender):
            self._refuse_outsider(sender, "message from someone other than the coordinator")
        kind, payload = self._open(sender, data)
        if kind is MessageType.COMMIT_REQUEST and self._state is SessionState.AWAITING_REQUEST:
            if payload:
                raise self._fail(MisbehaviourError("malformed request", culprits=(sender,)))
            self._accept(sender, kind, data)
            nonces, comm = commit(self._kp, self._rng, ciphersuite=self._suite)
            self._nonces = nonces
            out = encode_message(
                self._suite,
                MessageType.COMMITMENTS,
                self._sid,
                comm.hiding.to_bytes() + comm.binding.to_bytes(),
            )
            self._outbox.append((self._coordinator, out))
            self._events.append(CommitmentsSent(commitments=comm))
            self._state = SessionState.AWAITING_PACKAGE
            self._deadline = float(now) + self._timeout
            return
        if kind is MessageType.SIGNING_PACKAGE and self._state is SessionState.AWAITING_PACKAGE:
            self._accept(sender, kind, data)
            self._sign(sender, payload)
            return
        raise self._fail(MisbehaviourError(f"unexpected {kind.name}", culprits=(sender,)))

    def _sign(self, sender: int, payload: bytes) -> None:
        assert self._nonces is not None
        try:
            tweak, off = _decode_tweak(payload)
            pkg = SigningPackage.from_bytes(payload[off:])
        except CryptoError as e:
            raise self._fail(
                MisbehaviourError(f"malformed signing package: {e}", culprits=(sender,))
            ) from None
        bad: str | None = None
        if pkg.ciphersuite is not self._suite:
            bad = "signing package of another ciphersuite"
        elif pkg.commitments.get(self.identifier) != self._nonces.commitments:
            bad = "signing package omits or alters our commitment"
        elif len(pkg.commitments) < self._kp.min_signers:
            bad = "signing package has fewer signers than the threshold"
        elif self._allowed is not None and not set(pkg.signers) <= self._allowed:
            bad = "signing package includes signers outside the allowed set"
        elif self._approve is not None and not self._approve(pkg.message, tweak):
            bad = "signing request refused"
        if bad is not None:
            raise self._fail(MisbehaviourError(bad, culprits=(sender,)))
        try:
            share = sign(pkg, self._nonces, self._kp, tweak=tweak)
        except ProtocolError as e:
            raise self._fail(e) from None
        except CryptoError as e:
            raise self._fail(MisbehaviourError(str(e), culprits=(sender,))) from None
        out = encode_message(
            self._suite, MessageType.SIGNATURE_SHARE, self._sid, share.share.to_bytes(32, "big")
        )
        self._outbox.append((self._coordinator, out))
        self._done(ShareSent(share=share))


# ---------------------------------------------------------------------------- in-process
def run_in_process(
    key_packages: Sequence[KeyPackage],
    message: bytes,
    *,
    ciphersuite: Ciphersuite = FROST_SECP256K1_SHA256,
    tweak: bytes | None = None,
    rng: Rng | None = None,
) -> bytes:
    """Drive one coordinator and every given signer through the sessions, in memory."""
    kps = list(key_packages)
    if not kps or not all(isinstance(k, KeyPackage) for k in kps):
        raise ParameterError("need a non-empty list of KeyPackage")
    first = kps[0]
    if first.group != "secp256k1":
        raise ParameterError("FROST(secp256k1) needs secp256k1 key packages")
    for k in kps:
        if (
            k.group != first.group
            or k.group_public_key != first.group_public_key
            or k.min_signers != first.min_signers
        ):
            raise ParameterError("key packages belong to different keys")
    ids = [k.identifier for k in kps]
    if len(set(ids)) != len(ids):
        raise ParameterError("duplicate key packages")
    if len(kps) < first.min_signers:
        raise ParameterError(f"need at least {first.min_signers} signers, got {len(kps)}")
    if not isinstance(message, bytes | bytearray | memoryview):
        raise ParameterError("message must be bytes")
    pkp = PublicKeyPackage(
        group=first.group,
        min_signers=first.min_signers,
        group_public_key=first.group_public_key,
        verifying_shares={k.identifier: k.verifying_share for k in kps},
    )
    r = get_rng(rng)
    sid = r(32)
    coord = CoordinatorSession(pkp, bytes(message), ids, sid, ciphersuite=ciphersuite, tweak=tweak)
    parts = {
        k.identifier: ParticipantSession(
            k, sid, ciphersuite=ciphersuite, public_key_package=pkp, rng=r
        )
        for k in kps
    }
    while True:
        progressed = False
        for to, data in coord.outbox():
            parts[to].receive(COORDINATOR, data, 0.0)
            progressed = True
        for i, p in parts.items():
            for _to, data in p.outbox():
                coord.receive(i, data, 0.0)
                progressed = True
        if coord.state is SessionState.DONE:
            assert coord.signature is not None
            return coord.signature
        if not progressed:  # pragma: no cover - every honest run finishes
            raise MisuseError("in-process signing stalled")


def sign_in_process(
    key_packages: Sequence[KeyPackage], message: bytes, rng: Rng | None = None
) -> bytes:
    """Sign ``message`` with every given key package; returns the 65-byte RFC 9591 signature.

    ParameterError when fewer than ``min_signers`` packages (or packages of different keys)
    are given.
    """
    return run_in_process(key_packages, message, rng=rng)
