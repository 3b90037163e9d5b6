"""Leader rotation: a new leader every view, round robin over the epoch's committee."""

from __future__ import annotations

from .types import Committee

__all__ = ["leader"]


def leader(committee: Committee, view: int) -> int:
    """The leader of ``view``: members (sorted by id) in turn (HotStuff's rotating leader)."""
    members = committee.members
    return members[view % len(members)]
