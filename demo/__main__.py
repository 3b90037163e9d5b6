"""``python -m demo`` (``make demo``): the library's main job end to end.

A committee runs a DKG; a locked account is created and released; a one-time account receives
and spends with a ring signature; a DNN result is validated and attested; all of it is ordered by
a 4-node BFT cluster with one leader killed on the way. Exit status 0 only if every step verified.
"""

from __future__ import annotations

import sys
import time


def say(line: str) -> None:
    print(line, flush=True)


def main() -> int:
    from demo.story import run_story

    t0 = time.perf_counter()
    say("litho-crypto demo")
    try:
        story = run_story(say)
    except Exception as exc:
        say(f"FAILED: {type(exc).__name__}: {exc}")
        return 1
    say(
        f"{len(story.transactions)} transactions ready for the chain "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
