"""Twins-style scenario generator (Bano, Sonnino, Chursin, Perelman, Li, Ching, Malkhi,
"Twins: BFT Systems Made Robust", OPODIS 2021).

One node is run as two *twins* — two replicas with the same id and key, so together they can
equivocate exactly as a Byzantine node would, using only honest code. Each scenario chooses,
for each of the first ``views`` views, the leader and a partition of the instances; the
network is then healed so the run can also show progress. Honest crashes and restarts (with the
store surviving) and message duplication are mixed in. Each run is checked with
:meth:`bft.testing.simnet.SimNet.check_safety`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..leader import leader as round_robin
from ..quorum import ShareCollector
from ..replica import Replica
from ..rules import Rules
from ..store import MemoryStore
from ..types import Committee
from .simnet import SimNet, double_epochs

__all__ = ["Scenario", "generate", "run_adversary", "run_scenario"]


@dataclass(frozen=True)
class Scenario:
    seed: int
    n: int
    twin: int
    leaders: tuple[int, ...]
    partitions: tuple[tuple[frozenset[str], ...], ...]
    restarts: tuple[tuple[float, str, float], ...] = ()
    duplicate: float = 0.0
    duration: float = 1.2
    timeout: float = 0.05
    names: tuple[str, ...] = field(default=())


def _names(n: int, twin: int) -> list[str]:
    return [f"n{i}" for i in range(n)] + [f"n{twin}'"]


def generate(seed: int, *, n: int = 4, views: int = 8, restarts: bool = True) -> Scenario:
    """A random scenario (reproducible from ``seed``)."""
    rng = random.Random(seed)
    twin = rng.randrange(n)
    names = _names(n, twin)
    # the twin leads often and the twins are often split: that is what lets it equivocate
    leaders = tuple(twin if rng.random() < 0.5 else rng.randrange(n) for _ in range(views))
    parts = []
    for _ in range(views):
        r = rng.random()
        if r < 0.6:
            a, b = {names[twin]}, {names[-1]}
            for nm in names[:n]:
                if nm != names[twin]:
                    (a if rng.random() < 0.5 else b).add(nm)
            groups = [a, b]
        elif r < 0.8:
            groups = [set(names)]
        else:
            k = rng.choice((2, 3))
            groups = [set() for _ in range(k)]
            for nm in names:
                groups[rng.randrange(k)].add(nm)
        parts.append(tuple(frozenset(g) for g in groups if g))
    rs: list[tuple[float, str, float]] = []
    if restarts and rng.random() < 0.7:
        honest = [nm for nm in names[:n] if nm != f"n{twin}"]
        for _ in range(rng.randint(1, 3)):
            rs.append((rng.uniform(0.02, 1.0), rng.choice(honest), rng.uniform(0.001, 0.05)))
    return Scenario(
        seed=seed,
        n=n,
        twin=twin,
        leaders=leaders,
        partitions=tuple(parts),
        restarts=tuple(sorted(rs)),
        duplicate=rng.choice((0.0, 0.1, 0.3)),
        names=tuple(names),
    )


def run_scenario(
    sc: Scenario,
    *,
    rules: type[Rules] = Rules,
    collector: type[ShareCollector] = ShareCollector,
) -> tuple[list[str], SimNet]:
    """Run one scenario; returns (violated invariants, the network for inspection)."""
    com = Committee(epoch=0, weights={i: 1 for i in range(sc.n)})
    schedule = sc.leaders

    def leader_fn(c: Committee, view: int) -> int:
        if 1 <= view <= len(schedule):
            return schedule[view - 1]
        return round_robin(c, view)

    def parts(view: int) -> Sequence[set[str]] | None:
        if 1 <= view <= len(sc.partitions):
            return [set(p) for p in sc.partitions[view - 1]]
        return None

    def make(node: int, store: MemoryStore, now: float) -> Replica:
        return Replica(
            node,
            double_epochs(node, [com]),
            store,
            now=now,
            rules=rules(),
            collector=collector,
            base_timeout=sc.timeout,
            max_timeout=8 * sc.timeout,
            leader_fn=leader_fn,
            transactions=[b"%d-%d" % (node, k) for k in range(3)] if store.safety is None else (),
        )

    net = SimNet(sc.seed, min_delay=0.001, max_delay=0.01, duplicate=sc.duplicate, partitions=parts)
    twin_names = {f"n{sc.twin}", f"n{sc.twin}'"}
    for nm in sc.names:
        node = int(nm[1:].rstrip("'"))
        net.add(nm, node, make, honest=nm not in twin_names)
    for at, nm, down in sc.restarts:
        net.at(at, lambda nm=nm: net.crash(nm))  # type: ignore[misc]
        net.at(at + down, lambda nm=nm: net.restart(nm))  # type: ignore[misc]
    net.run(sc.duration, max_events=200_000)
    return net.check_safety(), net


def run_adversary(
    seed: int,
    behaviour: str = "forking-leader",
    *,
    rules: type[Rules] = Rules,
    collector: type[ShareCollector] = ShareCollector,
    drop: float = 0.15,
    duration: float = 3.0,
    leader_window: int = 0,
) -> tuple[list[str], SimNet]:
    """Four replicas, node 3 running a Byzantine wrapper, on a lossy network (timeouts happen,
    so a forking leader gets the TCs it needs); returns (violations, network)."""
    from .byzantine import BEHAVIOURS

    com = Committee(epoch=0, weights={i: 1 for i in range(4)})
    cls = BEHAVIOURS[behaviour]

    def leader_fn(c: Committee, view: int) -> int:
        # a leader schedule (as Twins scenarios choose them) giving node 3 the first views
        return 3 if 1 <= view <= leader_window else round_robin(c, view)

    def make(node: int, store: MemoryStore, now: float) -> Replica:
        kind = cls if node == 3 else Replica
        return kind(
            node,
            double_epochs(node, [com]),
            store,
            now=now,
            base_timeout=0.05,
            max_timeout=0.4,
            rules=rules(),
            collector=collector,
            leader_fn=leader_fn,
        )
        return kind(
            node,
            double_epochs(node, [com]),
            store,
            now=now,
            base_timeout=0.05,
            max_timeout=0.4,
            rules=rules(),
            collector=collector,
        )

    net = SimNet(seed, max_delay=0.01, drop=drop)
    for i in range(4):
        net.add(f"n{i}", i, make, honest=i != 3)
    net.run(duration, max_events=300_000)
    return net.check_safety(), net
