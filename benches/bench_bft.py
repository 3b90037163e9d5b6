"""Linear BFT: message complexity (simulator) and a real local cluster (throughput, latency,
leader kill, cost of fsync).

Run: ``.venv/bin/python -m benches.bench_bft`` (about two minutes). Prints three markdown tables:

1. simulator, steady state: protocol messages per committed block for n = 4 .. 16 against the
   target 2(n-1) (ratio = measured / target), and the size of a QC made with real threshold BLS
   (constant in n: 96-byte signature + view + block hash);
2. real cluster (node processes on 127.0.0.1, threshold BLS, SQLite with FULL safety writes,
   100-byte transactions): committed tx/s and client latency for n = 4 and n = 16; the ratio is
   to the n = 4 run;
3. leader kill at n = 4 (time to the next commit, in base timeouts) and the cost of fsync
   (throughput without the FULL safety write; ratio = with / without).

``BENCH_BFT_QUICK=1`` shortens the cluster runs.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time

from bft.cluster import run_cluster
from bft.crypto import ThresholdBLS, weighted_keygen
from bft.replica import Replica
from bft.store import MemoryStore
from bft.testing.simnet import SimNet, double_epochs
from bft.types import Committee, QuorumCert, vote_message
from cryptocore.rng import deterministic_rng

QUICK = os.environ.get("BENCH_BFT_QUICK") == "1"
SECS = 5.0 if QUICK else 10.0


def messages_per_block(n: int) -> tuple[float, int]:
    com = Committee(epoch=0, weights={i: 1 for i in range(n)})

    def make(node: int, store: MemoryStore, now: float) -> Replica:
        return Replica(node, double_epochs(node, [com]), store, now=now, base_timeout=1.0)

    net = SimNet(seed=n, min_delay=0.001, max_delay=0.002)
    for i in range(n):
        net.add(f"n{i}", i, make)
    net.run(0.5)  # warm-up: fill the pipeline
    c0, m0 = net.min_committed(), net.sent["proposal"] + net.sent["vote"]
    t0 = sum(net.sent.values())
    net.run(2.5)
    blocks = net.min_committed() - c0
    msgs = net.sent["proposal"] + net.sent["vote"] - m0
    other = sum(net.sent.values()) - t0 - msgs
    return msgs / max(blocks, 1), other


def qc_bytes(n: int) -> int:
    com = Committee(epoch=0, weights={i: 1 for i in range(n)})
    pkp, kps = weighted_keygen(com, use_dkg=False, rng=deterministic_rng(n))
    cr = {i: ThresholdBLS(com, pkp, kps[i]) for i in range(n)}
    m = vote_message(0, 7, b"\x01" * 32)
    shares = {i: cr[i].sign_vote_share(m) for i in range(com.quorum)}
    sig = cr[0].combine(shares, m)
    cr[0].verify_qc(m, sig)
    qc = QuorumCert(epoch=0, view=7, block_hash=b"\x01" * 32, signature=sig)
    return len(qc.to_bytes())


def main() -> int:
    print(
        f"# bench_bft — {platform.processor() or platform.machine()}, Python "
        f"{sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}\n"
    )
    print("## Simulator: messages per committed block (steady state)\n")
    print(
        "| n | proposal+vote msgs / block | target 2(n-1) | ratio | other msgs | QC bytes (BLS) |"
    )
    print("|---|---|---|---|---|---|")
    for n in (4, 7, 10, 13, 16):
        per, other = messages_per_block(n)
        target = 2 * (n - 1)
        print(f"| {n} | {per:.2f} | {target} | {per / target:.3f} | {other} | {qc_bytes(n)} |")

    print("\n## Real cluster (127.0.0.1, threshold BLS, SQLite FULL safety writes, 100-byte tx)\n")
    print("| run | nodes | committed tx/s | p50 ms | p99 ms | view changes | agree | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    base = None
    runs = (
        ("saturated", 4, 2, 1000),
        ("saturated", 16, 1, 400),
        ("light (1 tx in flight per node)", 4, 1, 1),
    )
    for label, n, clients, batch in runs:
        r = _cluster(n, clients_per_node=clients, batch=batch)
        base = base or r["tx_per_s"]
        print(
            f"| {label} | {n} | {r['tx_per_s']:.0f} | {r['p50_latency_ms']:.0f} | "
            f"{r['p99_latency_ms']:.0f} | {r['view_changes']} | {r['agree']} | "
            f"{r['tx_per_s'] / base:.2f} |"
        )

    print("\n## Leader kill and fsync (n = 4)\n")
    print("| measurement | value | baseline | ratio |")
    print("|---|---|---|---|")
    timeout = 1.0
    r = _cluster(4, kill_leader_at=SECS / 2, base_timeout=timeout)
    ms = r.get("leader_kill_to_commit_ms", float("nan"))
    print(
        f"| leader kill -> next commit of a later view (ms) | {ms:.0f} | base timeout "
        f"{timeout * 1000:.0f} ms | {ms / (timeout * 1000):.2f} timeouts |"
    )
    # fsync on/off alternated (the machine is shared: interleaving evens out the noise)
    on, off = [], []
    for _ in range(2):
        on.append(_cluster(4, seconds=SECS / 2)["tx_per_s"])
        off.append(_cluster(4, seconds=SECS / 2, fsync=False)["tx_per_s"])
    a, b = statistics.mean(on), statistics.mean(off)
    print(
        f"| tx/s with FULL safety writes vs without (mean of 2 alternated runs) | {a:.0f} | "
        f"{b:.0f} | {a / max(b, 1e-9):.2f} |"
    )
    return 0


def _cluster(n: int, *, seconds: float | None = None, **kw: object) -> dict[str, object]:
    kw.setdefault("clients_per_node", 2)
    kw.setdefault("batch", 1000)
    d = tempfile.mkdtemp(prefix=f"bench-bft-{n}-")
    return run_cluster(  # type: ignore[arg-type]
        nodes=n, seconds=seconds or SECS, data_dir=d, progress=lambda s: None, **kw
    )


if __name__ == "__main__":
    sys.exit(main())
