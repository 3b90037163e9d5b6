"""Stateful model of the GJKR DKG: a network that reorders, duplicates, drops and tampers.

Participants 1-3 are honest; participant 4 may run a faulty behaviour, and the network may
drop or tamper with its broadcasts (all copies at once: the protocol assumes a reliable
broadcast channel, so one broadcast is either seen by everybody or by nobody). Honest
messages are reordered and duplicated but never lost, and the clock only advances when the
network is empty (GJKR's synchrony). Invariants: receive() only ever raises typed errors,
a failed session stays failed, and at the end every honest session has finished with the same
public key package, whose key any t shares reconstruct.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from cryptocore.errors import MisbehaviourError, MisuseError, ReplayError
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N, Point
from mdkm.dkg import DkgParameters, DkgSession, IdentityKey, SessionState
from mdkm.dkg.runner import FAULTS, _FaultySession
from mdkm.vss import reconstruct

N_PARTIES, T = 4, 3
BYZANTINE = 4


class DkgNetwork(RuleBasedStateMachine):
    @initialize(seed=st.integers(0, 2**32), fault=st.sampled_from((None, *FAULTS)))
    def setup(self, seed: int, fault: str | None) -> None:
        rng = deterministic_rng(seed)
        keys = {i: IdentityKey.generate(rng) for i in range(1, N_PARTIES + 1)}
        params = DkgParameters(
            group="secp256k1",
            threshold=T,
            participants={i: k.public_key for i, k in keys.items()},
            phase_timeout=5.0,
        )
        self.sessions: dict[int, DkgSession] = {}
        for i, k in keys.items():
            srng = deterministic_rng(rng(32))
            if i == BYZANTINE and fault is not None:
                self.sessions[i] = _FaultySession(params, i, k, rng=srng, behaviours=[fault])
            else:
                self.sessions[i] = DkgSession(params, i, k, rng=srng)
        self.now = 0.0
        # in flight: broadcast id -> [sender, bytes, recipients not yet served]
        self.flight: dict[int, list] = {}
        self.next_id = 0
        self.failed_seen: set[int] = set()
        self.delivered: list[tuple[int, bytes, int]] = []
        for s in self.sessions.values():
            s.start(self.now)
        self._collect()

    # ------------------------------------------------------------------ helpers
    def _collect(self) -> None:
        for i, s in self.sessions.items():
            for _, raw in s.outbox():
                self.flight[self.next_id] = [i, raw, {j for j in self.sessions if j != i}]
                self.next_id += 1

    def _deliver(self, sender: int, raw: bytes, j: int) -> None:
        s = self.sessions[j]
        try:
            s.receive(sender, raw, self.now)
        except MisbehaviourError as e:
            assert set(e.culprits) <= {sender}
        except ReplayError:
            pass  # a duplicate: blames nobody, changes nothing
        except MisuseError:
            assert s.state is SessionState.FAILED
        self._collect()

    def _untouched_byzantine(self) -> list[int]:
        return [
            b
            for b, (sender, _, todo) in self.flight.items()
            if sender == BYZANTINE and len(todo) == N_PARTIES - 1
        ]

    # ------------------------------------------------------------------ rules
    @precondition(lambda self: bool(self.flight))
    @rule(data=st.data())
    def deliver(self, data) -> None:
        b = data.draw(st.sampled_from(sorted(self.flight)))
        sender, raw, todo = self.flight[b]
        j = data.draw(st.sampled_from(sorted(todo)))
        todo.discard(j)
        if not todo:
            del self.flight[b]
        self.delivered.append((sender, raw, j))
        self._deliver(sender, raw, j)

    @precondition(lambda self: bool(self.delivered))
    @rule(data=st.data())
    def duplicate(self, data) -> None:
        sender, raw, j = data.draw(st.sampled_from(self.delivered))
        self._deliver(sender, raw, j)  # a replay of a message j already has

    @precondition(lambda self: bool(self._untouched_byzantine()))
    @rule(data=st.data())
    def drop_byzantine_broadcast(self, data) -> None:
        b = data.draw(st.sampled_from(self._untouched_byzantine()))
        del self.flight[b]

    @precondition(lambda self: bool(self._untouched_byzantine()))
    @rule(data=st.data(), pos=st.integers(0, 100_000), flip=st.integers(1, 255))
    def tamper_byzantine_broadcast(self, data, pos: int, flip: int) -> None:
        b = data.draw(st.sampled_from(self._untouched_byzantine()))
        raw = bytearray(self.flight[b][1])
        raw[pos % len(raw)] ^= flip
        self.flight[b][1] = bytes(raw)

    @precondition(lambda self: not self.flight)
    @rule()
    def tick(self) -> None:
        deadlines = [d for s in self.sessions.values() if (d := s.next_deadline()) is not None]
        if not deadlines:
            return
        self.now = max(self.now, min(deadlines))
        for s in self.sessions.values():
            s.handle_timer(self.now)
        self._collect()

    # ------------------------------------------------------------------ invariants
    @invariant()
    def failed_sessions_stay_failed(self) -> None:
        for i, s in self.sessions.items():
            if i in self.failed_seen:
                assert s.state is SessionState.FAILED
            if s.state is SessionState.FAILED:
                self.failed_seen.add(i)
                assert i == BYZANTINE, f"honest session {i} failed: {s.error}"

    def teardown(self) -> None:
        if not hasattr(self, "sessions"):
            return
        # finish the run: deliver everything in order, then let the clock run
        for _ in range(50):
            while self.flight:
                b = min(self.flight)
                sender, raw, todo = self.flight.pop(b)
                for j in sorted(todo):
                    self._deliver(sender, raw, j)
            if all(s.state is not SessionState.RUNNING for s in self.sessions.values()):
                break
            self.tick()
        honest = [self.sessions[i] for i in self.sessions if i != BYZANTINE]
        assert all(s.state is SessionState.DONE for s in honest), [s.error for s in honest]
        pubs = {s.result()[1].to_bytes() for s in honest}
        assert len(pubs) == 1
        assert len({s.qual for s in honest}) == 1
        kps = [s.result()[0] for s in honest]
        secret = reconstruct({kp.identifier: kp.signing_share for kp in kps}, N)
        assert Point.base_mul(secret) == kps[0].group_public_key


DkgNetwork.TestCase.settings = settings(
    DkgNetwork.TestCase.settings, stateful_step_count=30, deadline=None
)
TestDkgNetwork = DkgNetwork.TestCase
