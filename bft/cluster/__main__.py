"""``python -m bft.cluster --nodes N --seconds S [--kill-leader-at T] [--data-dir D]``.

Prints progress on stderr and, last, one JSON line on stdout; exit status 0 only when all
nodes' committed logs agree.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import SUMMARY_KEYS, run_cluster


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bft.cluster")
    ap.add_argument("--nodes", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--kill-leader-at", type=float, default=None)
    ap.add_argument("--restart-after", type=float, default=None)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--tx-size", type=int, default=100)
    ap.add_argument("--clients-per-node", type=int, default=2)
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--timeout", type=float, default=1.0, help="base view timeout (s)")
    ap.add_argument(
        "--no-fsync", action="store_true", help="turn the safety record's fdatasync off"
    )
    ap.add_argument("--dealer", action="store_true", help="trusted dealer instead of the DKG")
    ap.add_argument(
        "--epoch-length",
        type=int,
        default=None,
        help="blocks per epoch; later epochs' keys come from a DKG run over the chain",
    )
    ap.add_argument(
        "--rotate",
        action="store_true",
        help="with --epoch-length: each epoch leaves one node out (nodes leave and join)",
    )
    args = ap.parse_args(argv)
    res = run_cluster(
        nodes=args.nodes,
        seconds=args.seconds,
        kill_leader_at=args.kill_leader_at,
        restart_after=args.restart_after,
        data_dir=args.data_dir,
        tx_size=args.tx_size,
        clients_per_node=args.clients_per_node,
        batch=args.batch,
        base_timeout=args.timeout,
        fsync=not args.no_fsync,
        use_dkg=not args.dealer,
        epoch_length=args.epoch_length,
        rotate=args.rotate,
    )
    out = {k: res[k] for k in SUMMARY_KEYS}
    for extra in ("leader_kill_to_commit_ms", "killed_leader"):
        if extra in res:
            out[extra] = res[extra]
    if args.epoch_length:
        out["epoch"] = res["epoch"]  # the epoch every live node had reached at the end
    print(json.dumps(out), flush=True)
    return 0 if res["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
