"""``python -m benches`` (``make bench``): run every benches/bench_*.py module in turn.

Each module prints its own markdown table with ratios to a baseline measured in the same run.
``python -m benches NAME ...`` runs only the named areas (e.g. ``field ringsig``).
"""

from __future__ import annotations

import importlib
import pathlib
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    here = pathlib.Path(__file__).resolve().parent
    names = sorted(p.stem.removeprefix("bench_") for p in here.glob("bench_*.py"))
    chosen = argv or names
    unknown = [n for n in chosen if n not in names]
    if unknown:
        print(f"unknown bench(es): {unknown}; available: {names}", file=sys.stderr)
        return 2
    failed = []
    for name in chosen:
        print(f"\n## {name}\n", flush=True)
        t0 = time.perf_counter()
        # a fresh interpreter per area keeps caches and JIT state from leaking between them
        rc = subprocess.call([sys.executable, "-m", f"benches.bench_{name}"])
        print(f"\n({name}: {time.perf_counter() - t0:.1f} s, exit {rc})", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    importlib.invalidate_caches()
    sys.exit(main(sys.argv[1:]))
