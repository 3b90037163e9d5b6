"""cryptocore.sansio: the plumbing every sans-IO session shares (docs/adr/0008)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptocore.errors import (
    CryptoError,
    MisbehaviourError,
    MisuseError,
    ParameterError,
    ProtocolError,
)
from cryptocore.sansio import BROADCAST, SansIOSession, SessionCore, sender_culprits


class State(enum.Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Failed:
    reason: str
    culprits: tuple[int, ...]


@dataclass(frozen=True)
class Note:
    n: int


class Toy(SessionCore[State, Failed | Note, CryptoError]):
    """A minimal session: echoes every message to BROADCAST, one deadline."""

    def __init__(self, now: float) -> None:
        super().__init__(State.RUNNING, done=State.DONE, failed=State.FAILED)
        self._deadline = now + 10.0
        self.secret: list[int] | None = [1, 2, 3]
        self.wiped = 0

    def receive(self, sender: int, data: bytes, now: float) -> None:
        self._refuse_if_failed()
        if self._state is State.DONE:
            raise MisuseError("session is finished")
        if data == b"bad":
            raise self._fail(MisbehaviourError("bad", culprits=(sender,)))
        if data == b"end":
            self._done(Note(n=-1))
            return
        self._outbox.append((BROADCAST, data))
        self._events.append(Note(n=sender))

    def handle_timer(self, now: float) -> None:
        if self._deadline is not None and now >= self._deadline:
            self._fail(ProtocolError("deadline passed"))

    def _failure_event(self, reason: str, culprits: tuple[int, ...]) -> Failed | Note:
        return Failed(reason=reason, culprits=culprits)

    def _on_fail(self) -> None:
        self.secret = None
        self.wiped += 1


def test_outbox_and_events_are_drained_in_order() -> None:
    s = Toy(0.0)
    assert s.outbox() == [] and s.events() == []
    s.receive(3, b"a", 0.0)
    s.receive(5, b"b", 0.0)
    assert s.outbox() == [(BROADCAST, b"a"), (BROADCAST, b"b")]
    assert s.outbox() == []
    assert s.events() == [Note(n=3), Note(n=5)]
    assert s.events() == []


def test_fail_is_terminal_records_error_event_and_wipes() -> None:
    s = Toy(0.0)
    assert s.next_deadline() == 10.0
    with pytest.raises(MisbehaviourError) as e:
        s.receive(7, b"bad", 1.0)
    assert e.value.culprits == (7,)
    assert s.state is State.FAILED
    assert s.error is e.value
    assert s.next_deadline() is None
    assert s.events() == [Failed(reason=str(e.value), culprits=(7,))]
    assert s.secret is None and s.wiped == 1
    # input after FAILED is local misuse; the session stays FAILED with its first error
    with pytest.raises(MisuseError, match="session has failed"):
        s.receive(7, b"a", 2.0)
    second = ProtocolError("later")
    assert s._fail(second) is second
    assert s.error is e.value and s.wiped == 1 and s.events() == []
    s.handle_timer(100.0)
    assert s.state is State.FAILED and s.error is e.value and s.events() == []


def test_deadline_failure_without_culprits() -> None:
    s = Toy(5.0)
    s.handle_timer(14.9)
    assert s.state is State.RUNNING and s.events() == []
    s.handle_timer(15.0)
    assert s.state is State.FAILED
    assert s.events() == [Failed(reason="deadline passed", culprits=())]
    assert isinstance(s.error, ProtocolError)


def test_done_clears_the_deadline_and_reports() -> None:
    s = Toy(0.0)
    s.receive(1, b"end", 0.0)
    assert s.state is State.DONE and s.next_deadline() is None and s.error is None
    assert s.events() == [Note(n=-1)]
    with pytest.raises(MisuseError, match="finished"):
        s.receive(1, b"a", 0.0)
    s.handle_timer(1e9)  # DONE: the deadline is gone, nothing happens
    assert s.state is State.DONE and s.events() == []


def test_non_misbehaviour_errors_name_nobody() -> None:
    s = Toy(0.0)
    s._fail(ParameterError("local"))
    assert s.events() == [Failed(reason="local", culprits=())]


@given(
    st.lists(
        st.one_of(
            st.tuples(st.integers(1, 9), st.sampled_from([b"a", b"b", b"bad", b"end"])),
            st.floats(0, 30, allow_nan=False),
        ),
        max_size=20,
    )
)
def test_terminal_states_are_final(ops: list[tuple[int, bytes] | float]) -> None:
    """Whatever happens, DONE and FAILED never change again, a terminal session has no
    deadline, and exactly one terminal event is reported."""
    s = Toy(0.0)
    events: list[Failed | Note] = []
    terminal: State | None = None
    for op in ops:
        try:
            if isinstance(op, float):
                s.handle_timer(op)
            else:
                s.receive(op[0], op[1], 0.0)
        except CryptoError:
            pass
        events += s.events()
        if terminal is not None:
            assert s.state is terminal
        elif s.state is not State.RUNNING:
            terminal = s.state
        if terminal is not None:
            assert s.next_deadline() is None
    ends = [e for e in events if isinstance(e, Failed) or e == Note(n=-1)]
    assert len(ends) == (0 if terminal is None else 1)
    assert (s.error is not None) == (terminal is State.FAILED)


@pytest.mark.parametrize(
    ("sender", "expected"), [(3, (3,)), (0, (0,)), (True, ()), ("3", ()), (None, ()), (3.0, ())]
)
def test_sender_culprits(sender: object, expected: tuple[int, ...]) -> None:
    assert sender_culprits(sender) == expected


def test_every_protocol_session_meets_the_contract() -> None:
    from cryptocore.rng import deterministic_rng
    from mdkm.dealer import trusted_dealer_keygen
    from mdkm.dkg.channel import IdentityKey
    from mdkm.dkg.gjkr import DkgParameters
    from mdkm.dkg.session import DkgSession
    from mdkm.ecdsa.session import EcdsaPresignSession
    from mdkm.frost.session import CoordinatorSession, ParticipantSession

    rng = deterministic_rng(b"sansio-contract")
    pub, kps = trusted_dealer_keygen(3, 2, "secp256k1", rng=rng)
    sid = rng(32)
    keys = {i: IdentityKey.generate(rng) for i in (1, 2, 3)}
    idents = {i: k.public_key for i, k in keys.items()}
    sessions: list[object] = [
        CoordinatorSession(pub, b"m", [1, 2], sid),
        ParticipantSession(kps[0], sid, rng=rng),
        EcdsaPresignSession(kps[0], [1, 2, 3], sid, keys[1], idents, rng=rng),
        DkgSession(
            DkgParameters(group="secp256k1", threshold=2, participants=idents),
            1,
            keys[1],
            rng=rng,
        ),
    ]
    for s in sessions:
        assert isinstance(s, SansIOSession)
        assert isinstance(s, SessionCore)
        assert s.next_deadline() is not None or s.state.name == "CREATED"
        assert s.error is None


def test_failure_event_is_shared() -> None:
    from cryptocore import sansio
    from mdkm.ecdsa.session import SessionFailed as EcdsaFailed
    from mdkm.frost.session import SessionFailed as FrostFailed

    assert FrostFailed is EcdsaFailed is sansio.SessionFailed
    ev = sansio.SessionFailed(reason="r", culprits=(2,))
    assert repr(ev) == "SessionFailed(reason='r', culprits=(2,))"
    assert sansio.SessionFailed(reason="r").culprits == ()
