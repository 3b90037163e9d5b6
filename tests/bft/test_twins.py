"""Twins scenarios (safety invariants) and the mutation check of the safety rules."""

from __future__ import annotations

import pytest

from bft.testing.mutants import MUTANTS
from bft.testing.twins import generate, run_adversary, run_scenario

DEFAULT_SCENARIOS = 400


def test_twins_scenarios_default() -> None:
    progress = 0
    for seed in range(DEFAULT_SCENARIOS):
        violations, net = run_scenario(generate(seed))
        assert violations == [], (seed, violations)
        progress += net.min_committed() > 0
    assert progress > DEFAULT_SCENARIOS // 2  # the scenarios also make progress


@pytest.mark.slow
def test_twins_scenarios_many() -> None:
    for seed in range(DEFAULT_SCENARIOS, DEFAULT_SCENARIOS + 2000):
        violations, _ = run_scenario(generate(seed))
        assert violations == [], (seed, violations)


@pytest.mark.parametrize("seed", range(10))
def test_forking_leader_stopped_by_locks(seed: int) -> None:
    violations, net = run_adversary(seed)
    assert violations == []
    assert net.min_committed() > 5


@pytest.mark.parametrize("seed", range(3))
def test_scripted_fork_leader_cannot_split_honest_rules(seed: int) -> None:
    # a Byzantine leader of a whole window of views grows two branches from genesis; the
    # honest rules commit only one of them
    violations, net = run_adversary(seed, "scripted-fork", drop=0.0, leader_window=12)
    assert violations == []
    assert net.min_committed() > 5


# scenarios found by the searches below, pinned so the default run catches every mutant fast
PINNED = {
    "double-count-signer": ("twins", [1, 3]),
    "no-persistence": ("twins", [130, 138]),
    "no-lock-check": ("forking", [2, 3]),
    "no-consecutive-view-check": ("scripted", [0, 1]),
}


def _run(kind: str, seed: int, mutant: str) -> list[str]:
    kw = MUTANTS[mutant]
    if kind == "twins":
        return run_scenario(generate(seed), **kw)[0]  # type: ignore[arg-type]
    if kind == "scripted":
        return run_adversary(seed, "scripted-fork", drop=0.0, leader_window=12, **kw)[0]  # type: ignore[arg-type]
    return run_adversary(seed, **kw)[0]  # type: ignore[arg-type]


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_mutant_caught_by_pinned_scenarios(mutant: str) -> None:
    kind, seeds = PINNED[mutant]
    for seed in seeds:
        assert _run(kind, seed, mutant), (mutant, seed)


@pytest.mark.slow
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_mutant_found_by_search(mutant: str) -> None:
    kind, _ = PINNED[mutant]
    for seed in range(1000, 1400):
        if _run(kind, seed, mutant):
            return
    pytest.fail(f"mutant {mutant} survived 400 scenarios")
