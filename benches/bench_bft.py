"""Linear BFT: message complexity (simulator) and a real local cluster (throughput, latency,
leader kill, cost of fsync).

Run: ``.venv/bin/python -m benches.bench_bft`` (about two minutes). Prints three markdown tables:

1. simulator, steady state: protocol messages per committed block for n = 4 .. 16 against the
   target 2(n-1) (ratio = measured / target), and the size of a QC made with real threshold BLS
   (constant in n: 96-byte signature + view + block hash);
2. real cluster (node processes on 127.0.0.1, threshold BLS, safety record fdatasync'ed before
   every vote, 100-byte transactions, closed-loop clients): committed tx/s and client latency
   for n = 4 (saturated, moderate and light load) and n = 16; the ratio is to the first run;
3. leader kill at n = 4 (time to the next commit, in base timeouts) and the cost of fsync
   (throughput without the safety record's fdatasync; ratio = with / without);
4. the pieces of a view's critical path in one process (hash to G2, share, QC check, safety
   write), with the pre-hashed statement against hashing it each time and the fdatasync'ed
   safety record against the former SQLite ``synchronous=FULL`` write.

``BENCH_BFT_QUICK=1`` shortens the cluster runs.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

from bft.cluster import run_cluster
from bft.crypto import ThresholdBLS, weighted_keygen
from bft.replica import Replica
from bft.store import MemoryStore, SafetyState, SqliteStore
from bft.testing.simnet import SimNet, double_epochs
from bft.types import GENESIS_QC, Committee, QuorumCert, vote_message
from cryptocore.bls12_381 import BACKEND_ENV
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

    print("\n## Real cluster (127.0.0.1, threshold BLS, fdatasync'ed safety record, 100-byte tx)\n")
    print("| run | nodes | committed tx/s | p50 ms | p99 ms | view changes | agree | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    base = None
    runs = (
        ("saturated (2 x 1000 tx in flight per node)", 4, 2, 1000),
        ("moderate (50 tx in flight per node)", 4, 1, 50),
        ("light (1 tx in flight per node)", 4, 1, 1),
        ("high load at low latency (400 tx in flight per node)", 4, 1, 400),
        ("saturated (400 tx in flight per node)", 16, 1, 400),
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
    for _ in range(3):
        on.append(_cluster(4, seconds=SECS / 2)["tx_per_s"])
        off.append(_cluster(4, seconds=SECS / 2, fsync=False)["tx_per_s"])
    a, b = statistics.mean(on), statistics.mean(off)
    print(
        f"| tx/s with the safety fdatasync vs without (mean of 3 alternated runs) | {a:.0f} | "
        f"{b:.0f} | {a / max(b, 1e-9):.2f} |"
    )
    print(f"\nruns with / without: {[round(x) for x in on]} / {[round(x) for x in off]}")
    backends_and_epochs()
    critical_path()
    return 0


def backends_and_epochs() -> None:
    """The BLS backend A/B on the cluster, and the cost of re-keying by the chain DKG."""
    print("\n## BLS backend on the cluster (n = 4, alternated runs)\n")
    print("| run | backend | committed tx/s | p50 ms | p99 ms | p50 ratio to arkworks |")
    print("|---|---|---|---|---|---|")
    for label, clients, batch in (("light", 1, 1), ("moderate", 1, 50)):
        res: dict[str, list[dict[str, object]]] = {"blst": [], "arkworks": []}
        for _ in range(2):
            for name in ("arkworks", "blst"):
                old = os.environ.get(BACKEND_ENV)
                os.environ[BACKEND_ENV] = name  # inherited by the node processes
                try:
                    res[name].append(
                        _cluster(4, seconds=SECS / 2, clients_per_node=clients, batch=batch)
                    )
                finally:
                    if old is None:
                        os.environ.pop(BACKEND_ENV, None)
                    else:
                        os.environ[BACKEND_ENV] = old
        p50 = {k: statistics.median(float(r["p50_latency_ms"]) for r in v) for k, v in res.items()}  # type: ignore[arg-type]
        for name in ("arkworks", "blst"):
            tps = statistics.median(float(r["tx_per_s"]) for r in res[name])  # type: ignore[arg-type]
            p99 = statistics.median(float(r["p99_latency_ms"]) for r in res[name])  # type: ignore[arg-type]
            print(
                f"| {label} ({clients} x {batch} in flight per node) | {name} | {tps:.0f} | "
                f"{p50[name]:.1f} | {p99:.0f} | {p50[name] / p50['arkworks']:.2f} |"
            )
    print("\n## Epoch changes keyed by the DKG over the chain (n = 4, moderate load)\n")
    print("| run | epochs reached | committed tx/s | p50 ms | p99 ms | tx/s ratio |")
    print("|---|---|---|---|---|---|")
    plain = _cluster(4, clients_per_node=1, batch=50)
    keyed = _cluster(4, clients_per_node=1, batch=50, epoch_length=300)
    for label, r in (("one epoch", plain), ("re-key every 300 blocks", keyed)):
        print(
            f"| {label} | {r.get('epoch', 0)} | {r['tx_per_s']:.0f} | "
            f"{r['p50_latency_ms']:.1f} | {r['p99_latency_ms']:.0f} | "
            f"{float(r['tx_per_s']) / float(plain['tx_per_s']):.2f} |"  # type: ignore[arg-type]
        )


def _ms(f: Callable[[int], object], reps: int = 20, rounds: int = 5) -> float:
    """Median over ``rounds`` of the mean time of ``reps`` calls (the box is shared)."""
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        for i in range(reps):
            f(i)
        out.append((time.perf_counter() - t) / reps * 1e3)
    return statistics.median(out)


def critical_path() -> None:
    """Per-view pieces in one process: before (hash every time, SQLite FULL) and after."""
    from mdkm.bls import scheme
    from mdkm.bls import threshold as thr

    com = Committee(epoch=0, weights={i: 1 for i in range(4)})
    pkp, kps = weighted_keygen(com, use_dkg=False, rng=deterministic_rng(4))
    gpk = pkp.group_public_key.to_bytes()
    kp = kps[0][0]
    msgs = [vote_message(0, v, b"\x02" * 32) for v in range(100)]
    sigs = [thr.threshold_sign_in_process([k[0] for k in kps.values()], m) for m in msgs[:40]]
    qs = [scheme.hash_message(m) for m in msgs]
    # a replica per view: sign its share on statement v, later check QC(v) on the same statement
    before = _ms(lambda i: (thr.sign_share(kp, msgs[i]), scheme.verify(gpk, msgs[i], sigs[i])))
    after = _ms(
        lambda i: (
            thr.sign_share_hashed(kp, q := scheme.hash_message(msgs[i])),
            scheme.verify_hashed(gpk, q, sigs[i]),
        )
    )
    h2c = _ms(lambda i: scheme.hash_message(msgs[50 + i]))
    d = tempfile.mkdtemp(prefix="bench-bft-store-")
    st = SafetyState(epoch=0, view=1, last_voted_view=1, locked_qc=GENESIS_QC, high_qc=GENESIS_QC)
    store = SqliteStore(os.path.join(d, "s.db"))
    rec = _ms(lambda i: store.save_safety(st))
    db = sqlite3.connect(os.path.join(d, "old.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
    old = _ms(
        lambda i: db.execute("INSERT OR REPLACE INTO meta VALUES ('safety', ?)", (st.to_bytes(),))
    )
    # the vote path: safety write then share (sequential) against both at once (overlapped)
    seq = _ms(lambda i: (store.save_safety(st), thr.sign_share_hashed(kp, qs[i])))
    ovl = _ms(lambda i: (w := store.begin_save_safety(st), thr.sign_share_hashed(kp, qs[i]), w()))
    store.close()
    db.close()
    print("\n## Critical-path pieces (one process, ms)\n")
    print("| piece | after | before | ratio |")
    print("|---|---|---|---|")
    print(f"| hash a statement to G2 (RFC 9380) | {h2c:.2f} | - | - |")
    print(
        f"| share on statement v + check of QC(v) (pre-hashed vs hashing twice) | {after:.2f} | "
        f"{before:.2f} | {after / before:.2f} |"
    )
    print(
        f"| durable safety write (record + fdatasync vs SQLite FULL) | {rec:.2f} | {old:.2f} | "
        f"{rec / old:.2f} |"
    )
    print(
        f"| vote path: safety write and share (overlapped vs one after the other) | {ovl:.2f} "
        f"| {seq:.2f} | {ovl / seq:.2f} |"
    )


def _cluster(n: int, *, seconds: float | None = None, **kw: object) -> dict[str, object]:
    kw.setdefault("clients_per_node", 2)
    kw.setdefault("batch", 1000)
    d = tempfile.mkdtemp(prefix=f"bench-bft-{n}-")
    return run_cluster(  # type: ignore[arg-type]
        nodes=n, seconds=seconds or SECS, data_dir=d, progress=lambda s: None, **kw
    )


if __name__ == "__main__":
    sys.exit(main())
