"""Property tests: hostile inputs never crash a replica; random networks never break safety."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bft.replica import MessageDropped

from .helpers import network


def _valid_messages() -> list[bytes]:
    net = network(4, seed=99)
    out: list[bytes] = []
    orig = net._flush

    def grab(inst: object) -> None:
        r = inst.replica  # type: ignore[attr-defined]
        if r is not None:
            out.extend(d for _, d in r._out)
        orig(inst)  # type: ignore[arg-type]

    net._flush = grab  # type: ignore[method-assign]
    net.run(0.3)
    return out


MESSAGES = _valid_messages()


@given(
    st.integers(0, len(MESSAGES) - 1),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4),
    st.integers(0, 3),
)
def test_mutated_messages_are_dropped_not_crashing(
    idx: int, flips: list[tuple[int, int]], sender: int
) -> None:
    net = network(4, seed=7)
    net.run(0.2)
    r = net.instances["n0"].replica
    assert r is not None
    data = bytearray(MESSAGES[idx])
    for pos, val in flips:
        data[pos % len(data)] = val
    r.events()
    r.receive(sender, bytes(data), net.now)  # must not raise
    r.receive(sender, bytes(data), net.now)  # nor on a replay
    assert r.failed is None
    for ev in r.events():
        if isinstance(ev, MessageDropped):
            assert ev.error is not None


@settings(max_examples=15)
@given(
    st.integers(0, 2**32),
    st.floats(0.0, 0.3),
    st.floats(0.0, 0.3),
    st.floats(0.001, 0.3),
)
def test_random_networks_stay_safe(seed: int, drop: float, dup: float, max_delay: float) -> None:
    net = network(4, seed=seed, drop=drop, duplicate=dup, min_delay=0.0005, max_delay=max_delay)
    net.run(4.0)
    assert net.check_safety() == []
