"""Plumbing shared by the sans-IO protocol sessions (FROST signing, threshold ECDSA, GJKR DKG).

A session never touches sockets or clocks (the h11 / aioquic pattern; docs/adr/0008). The
driver feeds it ``receive(sender, data, now)`` and ``handle_timer(now)``, sends what
:meth:`SessionCore.outbox` returns (``(recipient or BROADCAST, bytes)``), reads
:meth:`SessionCore.events` and re-arms one timer at :meth:`SessionCore.next_deadline`.

:class:`SessionCore` holds only what every session does the same way: the outbox and event
queues (drained by reading them), the deadline (None once the session is DONE or FAILED), the
move to the terminal FAILED state (:meth:`SessionCore._fail`: records the error and a failure
event, drops secret round state, and stays there), the move to DONE, and the refusal of input
after FAILED. Message decoding, who may send, replay and equivocation rules, round barriers,
deadlines per round and the error policy (raise or record) stay in each protocol: they differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final, Generic, Protocol, TypeVar, runtime_checkable

from cryptocore.errors import CryptoError, MisbehaviourError, MisuseError

__all__ = ["BROADCAST", "SansIOSession", "SessionCore", "SessionFailed", "sender_culprits"]

BROADCAST: Final = 0
"""Recipient of a message meant for every other participant (0 is never an identifier)."""

StateT = TypeVar("StateT", bound=Enum)
EventT = TypeVar("EventT")
ErrorT = TypeVar("ErrorT", bound=CryptoError)


@runtime_checkable
class SansIOSession(Protocol):
    """The driver's view of every session (parameter names differ between protocols, so the
    arguments are positional)."""

    def receive(self, sender: int, data: bytes, now: float, /) -> None:
        """Feed one message from ``sender`` (authenticated by the transport)."""

    def handle_timer(self, now: float, /) -> None:
        """Tell the session the time; it acts on a deadline that has passed."""

    def outbox(self) -> list[tuple[int, bytes]]:
        """Messages to send, as ``(recipient or BROADCAST, bytes)``; drained by the call."""

    def events(self) -> list[object]:
        """What happened since the last call; drained by the call."""

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` must next be called (None when there is nothing to wait
        for, always once DONE or FAILED)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionFailed:
    """The event of a session entering FAILED: ``reason`` is ``str(error)``; ``culprits`` are
    the peers the error names (empty for a local or unattributable failure)."""

    reason: str
    culprits: tuple[int, ...] = ()


def sender_culprits(sender: object) -> tuple[int, ...]:
    """``(sender,)`` when ``sender`` is an int identifier (not a bool), else ``()``: what a
    :class:`MisbehaviourError` may name when the sender itself is malformed."""
    return (sender,) if isinstance(sender, int) and not isinstance(sender, bool) else ()


class SessionCore(Generic[StateT, EventT, ErrorT]):
    """Outbox, events, deadline and the terminal states of one sans-IO session.

    ``state`` is the initial member of the protocol's own state enum; ``done`` and ``failed`` are
    its terminal members. Subclasses provide :meth:`_failure_event` (the protocol's event for a
    failure) and may override :meth:`_on_fail` (drop secret round state).
    """

    def __init__(self, state: StateT, *, done: StateT, failed: StateT) -> None:
        self._state: StateT = state
        self._done_state: Final = done
        self._failed_state: Final = failed
        self._deadline: float | None = None
        self._outbox: list[tuple[int, bytes]] = []
        self._events: list[EventT] = []
        self._error: ErrorT | None = None

    # ------------------------------------------------------------------ driver interface
    @property
    def state(self) -> StateT:
        return self._state

    @property
    def error(self) -> ErrorT | None:
        """The fatal error that failed the session, if any."""
        return self._error

    def outbox(self) -> list[tuple[int, bytes]]:
        """Messages to send, as ``(recipient or BROADCAST, bytes)``; drained by the call."""
        out, self._outbox = self._outbox, []
        return out

    def events(self) -> list[EventT]:
        """What happened since the last call; drained by the call."""
        out, self._events = self._events, []
        return out

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` must next be called (None once DONE or FAILED)."""
        return None if self._terminal else self._deadline

    # ------------------------------------------------------------------ transitions
    @property
    def _terminal(self) -> bool:
        return self._state is self._done_state or self._state is self._failed_state

    def _refuse_if_failed(self) -> None:
        """Input after a fatal error is local misuse: the session stays FAILED for good."""
        if self._state is self._failed_state:
            raise MisuseError("session has failed")

    def _fail(self, err: ErrorT) -> ErrorT:
        """Enter FAILED for good: clear the deadline, record ``err`` and a failure event naming
        its culprits, drop secret state. Returns ``err`` (``raise self._fail(e)``); a second
        call leaves the first error in place."""
        if self._state is self._failed_state:
            return err
        culprits = err.culprits if isinstance(err, MisbehaviourError) else ()
        self._state = self._failed_state
        self._deadline = None
        self._error = err
        self._events.append(self._failure_event(str(err), culprits))
        self._on_fail()
        return err

    def _done(self, event: EventT) -> None:
        """Enter DONE: clear the deadline and report ``event``."""
        self._state = self._done_state
        self._deadline = None
        self._events.append(event)

    def _failure_event(
        self, reason: str, culprits: tuple[int, ...]
    ) -> EventT:  # pragma: no cover - overridden
        raise NotImplementedError

    def _on_fail(self) -> None:
        """Drop secret round state (protocol-specific)."""
