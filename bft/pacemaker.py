"""View timer with capped exponential backoff, reset after progress.

After ``k`` consecutive views without a commit the timeout is ``base * 2**k`` capped at
``maximum``; a commit resets ``k`` to 0 (HotStuff section 4.4, "Pacemaker": exponential
back-off until a view makes progress, so that honest replicas eventually overlap in a view
for long enough after GST).
"""

from __future__ import annotations

from cryptocore.errors import ParameterError

__all__ = ["Pacemaker"]


class Pacemaker:
    def __init__(self, base: float = 1.0, maximum: float = 60.0) -> None:
        if not 0 < base <= maximum:
            raise ParameterError("timeouts must satisfy 0 < base <= maximum")
        self.base = base
        self.maximum = maximum
        self.failures = 0
        self.deadline: float | None = None

    def duration(self) -> float:
        return float(min(self.maximum, self.base * float(2 ** min(self.failures, 62))))

    def start_view(self, now: float) -> None:
        self.deadline = now + self.duration()

    def on_timeout(self) -> None:
        self.failures += 1

    def on_progress(self) -> None:
        self.failures = 0

    def expired(self, now: float) -> bool:
        return self.deadline is not None and now >= self.deadline
