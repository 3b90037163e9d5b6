"""``python -m demo`` (``make demo``): the library's main job end to end.

A committee runs a DKG; a locked account is created and released; a one-time account receives
and spends with a ring signature; a DNN result is validated and attested; all of it is ordered by
a 4-node BFT cluster with one leader killed on the way. It prints a story while it runs and, last,
one JSON line; the exit status is 0 only if every step verified.
"""

from __future__ import annotations

import json
import sys
import time


def say(line: str) -> None:
    print(line, flush=True)


def main() -> int:
    from demo.chain import order_on_chain
    from demo.story import run_story

    t0 = time.perf_counter()
    say("litho-crypto demo")
    try:
        story = run_story(say)
        summary = order_on_chain(story, say)
    except Exception as exc:  # the demo reports any failure and exits non-zero
        say(f"FAILED: {type(exc).__name__}: {exc}")
        return 1
    say(f"every step verified ({time.perf_counter() - t0:.1f} s)")
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
