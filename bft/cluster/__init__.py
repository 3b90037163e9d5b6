"""A local cluster of :mod:`bft.node` processes with a client load generator.

``python -m bft.cluster --nodes N --seconds S [--kill-leader-at T] [--data-dir D]`` — or, from
Python, :func:`run_cluster` (returns the result dict)::

    from bft.cluster import run_cluster
    from bft.client import submit

    def workload(info):                       # runs in a thread once the nodes are ready
        host, port = info.client_endpoints[0]
        return [submit(host, port, b"demo-%d" % i) for i in range(3)]   # log positions

    res = run_cluster(nodes=4, seconds=5, workload=workload, return_logs=True)
    res["workload_result"]    # [p0, p1, p2]
    res["logs"][0][p0]        # b"demo-0": every node's committed transaction log
    res["agree"]              # True when all honest logs are prefixes of each other

Keys: epoch 0's quorum key comes from the MDKM DKG run in-process by the runner, the genesis
ceremony (weighted: node of weight w gets w shares; threshold floor(2W/3)+1); each node has a
fresh secp256k1 identity key for the transport handshake. With ``epoch_length=H``
(``--epoch-length H``) the committee re-keys every H blocks: each later epoch's key comes from a
DKG the nodes run over the chain itself (:mod:`bft.keygen`), so no process ever holds another
node's share; with ``rotate=True`` (``--rotate``) each epoch leaves one node out, so nodes leave
and join the committee at every change. Nodes listen on free ports of 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from coincurve import PrivateKey

from cryptocore.rng import Rng

from ..batch import decode_batch
from ..client import AsyncClient
from ..crypto import weighted_keygen
from ..types import Block, Committee

__all__ = ["SUMMARY_KEYS", "ClusterInfo", "run_cluster"]

#: The keys of the one-line JSON summary that ``python -m bft.cluster`` prints last.
SUMMARY_KEYS = (
    "nodes",
    "committed_tx",
    "tx_per_s",
    "p50_latency_ms",
    "p99_latency_ms",
    "view_changes",
    "agree",
)

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class ClusterInfo:
    """What a workload callback gets: where the nodes are and how to kill/restart them."""

    client_endpoints: dict[int, tuple[str, int]]
    data_dir: str
    procs: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    configs: dict[int, str] = field(default_factory=dict)
    logs: dict[int, Any] = field(default_factory=dict)
    killed: set[int] = field(default_factory=set)

    def kill(self, node: int) -> None:
        """SIGKILL a node (it loses nothing it acknowledged; restart it with :meth:`restart`)."""
        p = self.procs[node]
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()
        self.killed.add(node)

    def restart(self, node: int) -> None:
        self.procs[node] = _spawn(self.configs[node], self.logs[node])
        self.killed.discard(node)


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def _spawn(config: str, log: Any) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = _ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bft.node", "--config", config],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )


def make_configs(
    n: int,
    data_dir: str,
    *,
    weights: Sequence[int] | None = None,
    base_timeout: float = 1.0,
    fsync: bool = True,
    max_block_txs: int = 4000,
    use_dkg: bool = True,
    rng: Rng | None = None,
    idle_wait_factor: float = 0.25,
    epoch_length: int | None = None,
    epochs: int = 200,
    rotate: bool = False,
) -> tuple[dict[int, str], dict[int, tuple[str, int]]]:
    """Write one config per node (mode 0600); returns (paths, client endpoints).

    ``epoch_length``: blocks per epoch; epochs 1 .. ``epochs - 1`` (the last one open-ended)
    get their keys from the chain DKG. ``rotate``: each epoch's committee leaves one node out
    (epoch e: all but node (e - 1) mod n), so at every change one member leaves and one joins.
    """
    w = list(weights) if weights else [1] * n

    def members(e: int) -> dict[int, int]:
        out = (e - 1) % n if rotate else -1
        return {i: w[i] for i in range(n) if i != out}

    last0 = epoch_length if epoch_length else None
    com = Committee(epoch=0, weights=members(0), last_height=last0)
    pkp, kps = weighted_keygen(com, use_dkg=use_dkg, rng=rng)
    later = []
    for e in range(1, epochs if epoch_length else 1):
        assert epoch_length is not None
        later.append(
            {
                "epoch": e,
                "weights": {str(k): v for k, v in members(e).items()},
                "last_height": (e + 1) * epoch_length if e + 1 < epochs else None,
                "dkg": True,
            }
        )
    ids = [PrivateKey() for _ in range(n)]
    ports = _free_ports(2 * n)
    peers = [
        {
            "node_id": i,
            "host": "127.0.0.1",
            "port": ports[2 * i],
            "identity": ids[i].public_key.format().hex(),
        }
        for i in range(n)
    ]
    paths, endpoints = {}, {}
    for i in range(n):
        cfg = {
            "node_id": i,
            "host": "127.0.0.1",
            "port": ports[2 * i],
            "client_port": ports[2 * i + 1],
            "data_dir": os.path.join(data_dir, f"node{i}"),
            "identity_key": ids[i].secret.hex(),
            "peers": peers,
            "epochs": [
                {
                    "epoch": 0,
                    "weights": {str(k): v for k, v in com.weights.items()},
                    "last_height": last0,
                    "public_key_package": pkp.to_bytes().hex(),
                    "key_packages": [kp.to_bytes().hex() for kp in kps.get(i, [])],
                },
                *later,
            ],
            "base_timeout": base_timeout,
            "max_timeout": max(10.0, 8 * base_timeout),
            "max_block_txs": max_block_txs,
            "fsync": fsync,
            "idle_wait": idle_wait_factor * base_timeout,
        }
        path = os.path.join(data_dir, f"node{i}.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        paths[i] = path
        endpoints[i] = ("127.0.0.1", ports[2 * i + 1])
    return paths, endpoints


def read_log(
    data_dir: str, node: int, *, with_txs: bool = False
) -> tuple[list[bytes], list[bytes]]:
    """(block hashes by height, transactions in order) from a stopped node's database."""
    path = os.path.join(data_dir, f"node{node}", f"node{node}.db")
    if not os.path.exists(path):
        return [], []
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT height, hash FROM committed ORDER BY height").fetchall()
        hashes = [bytes(r[1]) for r in rows]
        txs: list[bytes] = []
        if with_txs:
            for h in hashes:
                row = db.execute("SELECT data FROM blocks WHERE hash=?", (h,)).fetchone()
                txs.extend(decode_batch(Block.from_bytes(bytes(row[0])).payload))
    finally:
        db.close()
    return hashes, txs


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def _run(
    n: int,
    seconds: float,
    *,
    kill_leader_at: float | None,
    restart_after: float | None,
    kill_plan: Sequence[tuple[float, int, float | None]],
    data_dir: str,
    tx_size: int,
    clients_per_node: int,
    batch: int,
    workload: Callable[[ClusterInfo], Any] | None,
    extra_transactions: Sequence[bytes],
    progress: Callable[[str], None],
    config_kw: dict[str, Any],
) -> dict[str, Any]:
    paths, endpoints = make_configs(n, data_dir, **config_kw)
    info = ClusterInfo(client_endpoints=endpoints, data_dir=data_dir, configs=paths)
    for i in range(n):
        info.logs[i] = open(os.path.join(data_dir, f"node{i}.log"), "ab")
        info.procs[i] = _spawn(paths[i], info.logs[i])
    latencies: list[float] = []
    acks: list[tuple[int, bytes]] = []
    acked = 0
    statuses: dict[int, dict[str, Any]] = {}
    result: dict[str, Any] = {}
    try:
        # wait for every node's client port
        t_ready = time.monotonic() + 60
        for i in range(n):
            while True:
                try:
                    c = AsyncClient(*endpoints[i])
                    statuses[i] = await c.status()
                    await c.close()
                    break
                except OSError:
                    if time.monotonic() > t_ready:
                        raise
                    await asyncio.sleep(0.1)
        progress(f"cluster: {n} nodes ready in {data_dir}")
        t0 = time.monotonic()
        stop_at = t0 + seconds
        load_stop = asyncio.Event()

        async def client_loop(node: int, k: int) -> None:
            nonlocal acked
            seq = 0
            c: AsyncClient | None = None
            while not load_stop.is_set():
                try:
                    if c is None:
                        c = AsyncClient(*endpoints[node])
                        await c.connect()
                    txs = []
                    for _ in range(batch):
                        head = f"{node}:{k}:{seq}:".encode()
                        txs.append(head + b"x" * max(0, tx_size - len(head)))
                        seq += 1
                    sent = time.monotonic()
                    positions = await c.submit_many(txs)
                    done = time.monotonic()
                    acks.extend(zip(positions, txs, strict=True))
                    if done <= stop_at:
                        latencies.append((done - sent) * 1000.0)
                        acked += len(txs)
                except (OSError, asyncio.IncompleteReadError, ConnectionError, Exception):
                    c = None
                    await asyncio.sleep(0.2)

        kill_info: dict[str, Any] = {}

        async def monitor() -> None:
            last_print = t0
            while time.monotonic() < stop_at:
                for i in range(n):
                    if i in info.killed:
                        continue
                    try:
                        c = AsyncClient(*endpoints[i])
                        statuses[i] = await asyncio.wait_for(c.status(), 1.0)
                        await c.close()
                    except (TimeoutError, OSError, Exception):  # noqa: S112
                        continue
                if "killed_view" in kill_info and "to_commit_ms" not in kill_info:
                    for i, st in statuses.items():
                        if i not in info.killed and st["committed_view"] > kill_info["killed_view"]:
                            kill_info["to_commit_ms"] = (time.monotonic() - kill_info["t"]) * 1e3
                            break
                now = time.monotonic()
                if now - last_print >= 1.0:
                    last_print = now
                    h = max((s["committed_height"] for s in statuses.values()), default=0)
                    ep = max((s.get("epoch", 0) for s in statuses.values()), default=0)
                    progress(
                        f"t={now - t0:5.1f}s acked_tx={acked} "
                        f"tx/s={acked / max(now - t0, 1e-9):8.0f} height={h} epoch={ep}"
                    )
                # status polls open a connection to every node: poll fast only while a
                # leader kill's time to the next commit is being measured
                measuring = kill_leader_at is not None and "to_commit_ms" not in kill_info
                await asyncio.sleep(0.05 if measuring else 0.5)

        async def killer() -> None:
            events: list[tuple[float, str, int, float | None]] = []
            if kill_leader_at is not None:
                events.append((kill_leader_at, "leader", -1, restart_after))
            for at, node, back in kill_plan:
                events.append((at, "node", node, back))
            for at, kind, node, back in sorted(events):
                await asyncio.sleep(max(0.0, t0 + at - time.monotonic()))
                if kind == "leader":
                    live = [i for i in range(n) if i not in info.killed]
                    st = statuses.get(live[0], {})
                    with contextlib.suppress(Exception):
                        c = AsyncClient(*endpoints[live[0]])
                        st = await c.status()
                        await c.close()
                    node = int(st.get("leader", 0))
                    kill_info.update(node=node, killed_view=int(st.get("view", 0)))
                info.kill(node)
                kill_info.setdefault("t", time.monotonic())
                progress(f"cluster: killed node {node} at t={time.monotonic() - t0:.2f}s")
                if back is not None:
                    asyncio.get_running_loop().call_later(back, _restart, node)

        def _restart(node: int) -> None:
            info.restart(node)
            progress(f"cluster: restarted node {node}")

        tasks = [
            asyncio.create_task(client_loop(i, k))
            for i in range(n)
            for k in range(clients_per_node)
        ]
        tasks.append(asyncio.create_task(killer()))
        extra_positions: list[int] = []
        workload_result: Any = None
        if extra_transactions:
            c = AsyncClient(*endpoints[0])
            extra_positions = await c.submit_many(list(extra_transactions))
            await c.close()
        mon = asyncio.create_task(monitor())
        if workload is not None:
            workload_result = await asyncio.to_thread(workload, info)
        await mon
        load_stop.set()
        await asyncio.sleep(0.3)
        for t in tasks:
            t.cancel()
        elapsed = time.monotonic() - t0
        vcs = max((s.get("view_changes", 0) for s in statuses.values()), default=0)
        result.update(
            nodes=n,
            committed_tx=0,
            tx_per_s=round(acked / max(elapsed, 1e-9), 1),
            p50_latency_ms=round(_pct(latencies, 50), 2),
            p99_latency_ms=round(_pct(latencies, 99), 2),
            view_changes=vcs,
        )
        live = [st for i, st in statuses.items() if i not in info.killed]
        result["epoch"] = min((st.get("epoch", 0) for st in live), default=0)
        result["dkg_epochs"] = {i: st.get("dkg_epochs", []) for i, st in statuses.items()}
        if "to_commit_ms" in kill_info:
            result["leader_kill_to_commit_ms"] = round(kill_info["to_commit_ms"], 1)
        if "node" in kill_info:
            result["killed_leader"] = kill_info["node"]
        result["extra_positions"] = extra_positions
        result["workload_result"] = workload_result
        result["acked_tx"] = acked
        result["_acks"] = acks
    finally:
        for p in info.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in info.procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for f in info.logs.values():
            f.close()
    return result


def run_cluster(
    nodes: int = 4,
    seconds: float = 10.0,
    *,
    kill_leader_at: float | None = None,
    restart_after: float | None = None,
    kill_plan: Sequence[tuple[float, int, float | None]] = (),
    data_dir: str | None = None,
    tx_size: int = 100,
    clients_per_node: int = 2,
    batch: int = 250,
    base_timeout: float = 1.0,
    fsync: bool = True,
    max_block_txs: int = 4000,
    weights: Sequence[int] | None = None,
    use_dkg: bool = True,
    epoch_length: int | None = None,
    rotate: bool = False,
    workload: Callable[[ClusterInfo], Any] | None = None,
    extra_transactions: Sequence[bytes] = (),
    return_logs: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Start ``nodes`` node processes, load them for ``seconds``, stop; return the result.

    ``kill_plan`` is ``[(at_seconds, node, restart_after_seconds | None), ...]`` (SIGKILL).
    ``workload(info)`` runs in a thread once the nodes are ready (use :mod:`bft.client` with
    ``info.client_endpoints``); its return value is ``result["workload_result"]``.
    ``extra_transactions`` are submitted to node 0 at the start; their log positions are in
    ``result["extra_positions"]``. With ``return_logs`` the result has ``logs``: each node's
    committed transactions in order (read from its database after the stop).
    ``result["agree"]`` is True when every node's committed log is a prefix of another's.
    """
    say = progress or (lambda s: print(s, file=sys.stderr, flush=True))
    ddir = data_dir or tempfile.mkdtemp(prefix="bft-cluster-")
    os.makedirs(ddir, exist_ok=True)
    res = asyncio.run(
        _run(
            nodes,
            seconds,
            kill_leader_at=kill_leader_at,
            restart_after=restart_after,
            kill_plan=kill_plan,
            data_dir=ddir,
            tx_size=tx_size,
            clients_per_node=clients_per_node,
            batch=batch,
            workload=workload,
            extra_transactions=extra_transactions,
            progress=say,
            config_kw={
                "weights": weights,
                "base_timeout": base_timeout,
                "fsync": fsync,
                "max_block_txs": max_block_txs,
                "use_dkg": use_dkg,
                "epoch_length": epoch_length,
                "rotate": rotate,
            },
        )
    )
    hashes: dict[int, list[bytes]] = {}
    txlogs: dict[int, list[bytes]] = {}
    for i in range(nodes):
        hashes[i], txlogs[i] = read_log(ddir, i, with_txs=True)
    agree = True
    ids = list(hashes)
    for a in ids:
        for b in ids:
            k = min(len(hashes[a]), len(hashes[b]))
            if hashes[a][:k] != hashes[b][:k]:
                agree = False
    res["committed_tx"] = max((len(t) for t in txlogs.values()), default=0)
    # every acknowledged transaction is in every log that reaches its position
    acks = res.pop("_acks", [])
    longest = max(txlogs.values(), key=len, default=[])
    res["acks_ok"] = all(pos < len(longest) and longest[pos] == tx for pos, tx in acks)
    res["committed_blocks"] = {i: len(h) for i, h in hashes.items()}
    res["agree"] = agree
    res["data_dir"] = ddir
    if return_logs:
        res["logs"] = txlogs
    return res
