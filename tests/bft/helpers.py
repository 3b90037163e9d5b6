"""Shared helpers for the BFT tests."""

from __future__ import annotations

from collections.abc import Callable

from bft.replica import Replica
from bft.rules import Rules
from bft.store import MemoryStore
from bft.testing.simnet import SimNet, double_epochs
from bft.types import Committee


def committee(n: int, weights: list[int] | None = None, epoch: int = 0) -> Committee:
    w = weights or [1] * n
    return Committee(epoch=epoch, weights={i: w[i] for i in range(n)})


def factory(
    committees: list[Committee],
    *,
    txs: int = 20,
    base_timeout: float = 0.5,
    rules: Callable[[], Rules] | None = None,
    **kw: object,
) -> Callable[[int, MemoryStore, float], Replica]:
    def make(node: int, store: MemoryStore, now: float) -> Replica:
        r = Replica(
            node,
            double_epochs(node, committees),
            store,
            now=now,
            base_timeout=base_timeout,
            rules=rules() if rules else None,
            transactions=[b"tx-%d-%d" % (node, k) for k in range(txs)]
            if store.safety is None
            else [],
            **kw,  # type: ignore[arg-type]
        )
        return r

    return make


def network(n: int, seed: int = 0, **kw: object) -> SimNet:
    net = SimNet(seed=seed, **kw)  # type: ignore[arg-type]
    f = factory([committee(n)])
    for i in range(n):
        net.add(f"n{i}", i, f)
    return net
