"""Shared test configuration: hypothesis profiles by HYPOTHESIS_PROFILE (dev, ci, thorough)."""

from __future__ import annotations

import os
import pathlib

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = pathlib.Path(__file__).resolve().parent.parent


def vectors_dir() -> pathlib.Path:
    """The published vectors: ../shared/vectors beside the checkout, or tests/vectors."""
    for cand in (ROOT.parent / "shared" / "vectors", ROOT / "tests" / "vectors"):
        if cand.is_dir():
            return cand
    raise FileNotFoundError("published test vectors not found (../shared/vectors)")
