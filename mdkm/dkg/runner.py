"""Run the robust DKG for every participant inside one process (tests, demos, benches).

:func:`run_in_process` is a synchronous driver over :class:`~mdkm.dkg.session.DkgSession`
objects: it delivers every broadcast to every other participant (a reliable broadcast channel),
and when nothing is in flight it advances a simulated clock to the earliest deadline.

Faulty participants (``faults``) are honest sessions with one behaviour replaced — the
"Byzantine behaviour as a wrapper around the honest rules" pattern:

``"silent"``                sends nothing at all;
``"silent_after_deal"``     deals, then never speaks again (its contribution is reconstructed);
``"bad_share"`` / ``"bad_share:<j>"``   seals a wrong share to the smallest other id (or to j),
                            then justifies correctly when accused;
``"bad_share_unjustified"`` seals a wrong share and refuses to justify (disqualified);
``"bad_commitment"``        publishes a Pedersen commitment that matches nobody's share
                            (disqualified);
``"bad_extract"``           publishes wrong Feldman commitments in phase 4 (exposed, reconstructed);
``"false_complaint"``       accuses every other dealer (each justifies; nobody is disqualified).

All sessions of one run share a :class:`~mdkm.dkg.gjkr.PublicCache`: values computed from public
broadcast data only (decoded messages, the batch-aggregated commitments, the group commitment and
verifying shares) are computed once, keyed by the hash of their exact inputs. Nothing secret is
shared: each session decrypts and checks its own shares. Because the aggregates are shared, the
sessions use the batch share checks; with ``share_cache=False`` each session has a private cache
and checks dealer by dealer, as a lone node would.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptocore.errors import MisbehaviourError, ParameterError, ReplayError
from cryptocore.rng import Rng, deterministic_rng, get_rng
from mdkm.dkg.channel import IdentityKey
from mdkm.dkg.gjkr import DkgParameters, PublicCache
from mdkm.dkg.messages import DkgMessage, Kind
from mdkm.dkg.session import BROADCAST, DkgEvent, DkgSession, SessionState
from mdkm.keys import KeyPackage, PublicKeyPackage

__all__ = ["FAULTS", "DkgRun", "run_in_process", "simulate"]

FAULTS = (
    "silent",
    "silent_after_deal",
    "bad_share",
    "bad_share_unjustified",
    "bad_commitment",
    "bad_extract",
    "false_complaint",
)


class _FaultySession(DkgSession):
    """An honest session with some behaviours replaced (for tests and demos only)."""

    def __init__(self, *args: Any, behaviours: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.behaviours = set()
        self.bad_share_to: int | None = None
        for b in behaviours:
            name, _, arg = b.partition(":")
            if name not in FAULTS:
                raise ParameterError(f"unknown fault {b!r}")
            self.behaviours.add(name)
            if arg:
                if not arg.isdigit() or int(arg) not in self._others:
                    raise ParameterError(f"fault {b!r} names no other participant")
                self.bad_share_to = int(arg)
        if self.bad_share_to is None and self._others:
            self.bad_share_to = self._others[0]

    def _shares_to_send(self) -> dict[int, tuple[int, int]]:
        sent = super()._shares_to_send()
        if self.behaviours & {"bad_share", "bad_share_unjustified"} and self.bad_share_to:
            s, s2 = sent[self.bad_share_to]
            self._true_share = (s, s2)
            sent[self.bad_share_to] = ((s + 1) % self._q, s2)
        return sent

    def _commitment(self) -> tuple[Any, ...]:
        c = super()._commitment()
        if "bad_commitment" in self.behaviours:
            c = (c[0] + self._g.generator, *c[1:])
        return c

    def _justify(self, complainers: tuple[int, ...]) -> DkgMessage | None:
        if "bad_share_unjustified" in self.behaviours:
            return None
        if hasattr(self, "_true_share") and self.bad_share_to is not None:
            self._sent[self.bad_share_to] = self._true_share
        return super()._justify(complainers)

    def _extract_points(self) -> tuple[Any, ...]:
        pts = super()._extract_points()
        if "bad_extract" in self.behaviours:
            pts = (*pts[:-1], pts[-1] + self._g.generator)
        return pts

    def _complaints_to_send(self, accused: list[int]) -> list[int]:
        if "false_complaint" in self.behaviours:
            return [i for i in self._dealers if i != self.identifier]
        return accused

    def outbox(self) -> list[tuple[int, bytes]]:
        out = super().outbox()
        if "silent" in self.behaviours:
            return []
        if "silent_after_deal" in self.behaviours:
            return [(r, m) for r, m in out if m[2] == int(Kind.DEAL)]
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class DkgRun:
    """Everything a simulated run produced (public data plus the honest key packages)."""

    public_key_package: PublicKeyPackage
    key_packages: Mapping[int, KeyPackage]
    qual: tuple[int, ...]
    disqualified: tuple[int, ...]
    exposed: tuple[int, ...]
    events: Mapping[int, tuple[DkgEvent, ...]]
    messages: int
    simulated_time: float
    cache_hits: int = 0
    sessions: Mapping[int, DkgSession] = field(default_factory=dict, repr=False)

    @property
    def blamed(self) -> tuple[int, ...]:
        """Every participant an honest session blamed at some point."""
        out: set[int] = set()
        for i, evs in self.events.items():
            if i not in self.key_packages:
                continue
            for e in evs:
                if e.kind == "blame":
                    out.update(e.culprits)
        return tuple(sorted(out))


def simulate(
    n: int,
    t: int,
    group: str = "secp256k1",
    rng: Rng | None = None,
    *,
    faults: Mapping[int, str | Iterable[str]] | None = None,
    identifiers: Iterable[int] | None = None,
    context: bytes = b"in-process",
    share_cache: bool = True,
) -> DkgRun:
    """Run the DKG among ``n`` in-process participants; see :func:`run_in_process`."""
    if not isinstance(n, int) or n < 1:
        raise ParameterError("n must be a positive integer")
    ids = list(identifiers) if identifiers is not None else list(range(1, n + 1))
    if len(ids) != n:
        raise ParameterError("number of identifiers differs from n")
    base = get_rng(rng)
    identities = {i: IdentityKey.generate(base) for i in ids}
    params = DkgParameters(
        group=group,
        threshold=t,
        participants={i: k.public_key for i, k in identities.items()},
        context=context,
    )
    fault_map: dict[int, list[str]] = {}
    for i, b in (faults or {}).items():
        if i not in params.participants:
            raise ParameterError("fault for a non-participant")
        fault_map[i] = [b] if isinstance(b, str) else list(b)
    shared = PublicCache(shared=True) if share_cache else None
    sessions: dict[int, DkgSession] = {}
    for i in params.ids:
        srng = deterministic_rng(base(32)) if rng is not None else None
        cache = shared if shared is not None else PublicCache()
        if i in fault_map:
            sessions[i] = _FaultySession(
                params, i, identities[i], rng=srng, cache=cache, behaviours=fault_map[i]
            )
        else:
            sessions[i] = DkgSession(params, i, identities[i], rng=srng, cache=cache)
    events: dict[int, list[DkgEvent]] = {i: [] for i in params.ids}
    now = 0.0
    queue: deque[tuple[int, int, bytes]] = deque()
    messages = 0

    def drain(i: int) -> None:
        nonlocal messages
        s = sessions[i]
        for recipient, raw in s.outbox():
            messages += 1
            targets = [j for j in params.ids if j != i] if recipient == BROADCAST else [recipient]
            for j in targets:
                queue.append((i, j, raw))
        events[i].extend(s.events())

    for i in params.ids:
        sessions[i].start(now)
        drain(i)
    while True:
        while queue:
            sender, j, raw = queue.popleft()
            if sessions[j].state is SessionState.FAILED:
                continue
            try:
                sessions[j].receive(sender, raw, now)
            except ReplayError:
                pass  # a duplicate delivery: nobody to blame
            except MisbehaviourError as e:
                events[j].append(DkgEvent("blame", sessions[j].phase, e.culprits, str(e)))
            drain(j)
        running = [s for s in sessions.values() if s.state is SessionState.RUNNING]
        if not running:
            break
        deadlines = [d for s in running if (d := s.next_deadline()) is not None]
        if not deadlines:  # pragma: no cover - a running session always has a deadline
            break
        now = max(now, min(deadlines))
        for i in params.ids:
            sessions[i].handle_timer(now)
            drain(i)
    honest = [i for i in params.ids if i not in fault_map]
    for i in honest:
        if sessions[i].state is not SessionState.DONE:
            err = sessions[i].error
            if isinstance(err, MisbehaviourError):
                raise MisbehaviourError("distributed key generation failed", culprits=err.culprits)
            raise MisbehaviourError("distributed key generation failed")
    results = {i: sessions[i].result() for i in honest}
    pubs = {r[1].to_bytes() for r in results.values()}
    if len(pubs) != 1:  # pragma: no cover - honest sessions agree under reliable broadcast
        raise MisbehaviourError("honest participants disagree on the public key package")
    ref = sessions[honest[0]]
    return DkgRun(
        public_key_package=results[honest[0]][1],
        key_packages={i: results[i][0] for i in honest},
        qual=ref.qual,
        disqualified=tuple(sorted(ref.disqualified)),
        exposed=tuple(sorted(ref.exposed)),
        events={i: tuple(e) for i, e in events.items()},
        messages=messages,
        simulated_time=now,
        cache_hits=shared.hits if shared is not None else 0,
        sessions=sessions,
    )


def run_in_process(
    n: int,
    t: int,
    group: str = "secp256k1",
    rng: Rng | None = None,
    *,
    faults: Mapping[int, str | Iterable[str]] | None = None,
) -> tuple[PublicKeyPackage, list[KeyPackage]]:
    """Run the robust GJKR DKG among ``n`` in-process participants with threshold ``t``.

    Deterministic when ``rng`` is given (e.g. :func:`cryptocore.rng.deterministic_rng`).
    Returns the public key package (identical at every honest participant) and the honest
    participants' key packages, sorted by identifier. ``faults`` maps identifiers to behaviours
    from :data:`FAULTS`; the faulty participants' key packages are not returned. Raises
    :class:`MisbehaviourError` (naming the culprits) if the honest participants cannot finish.
    """
    run = simulate(n, t, group, rng, faults=faults)
    return run.public_key_package, [run.key_packages[i] for i in sorted(run.key_packages)]
