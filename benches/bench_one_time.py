"""One-time accounts: scanning throughput and the cost of each profile's operations.

Run: ``.venv/bin/python -m benches.bench_one_time`` (about a minute). Prints a markdown table;
ratios are to the baseline measured in the same run: the bare libsecp256k1 work one announcement
needs (parse R + constant-time ECDH, called from a tight Python loop), i.e. the floor for a
single core.
"""

from __future__ import annotations

import hashlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import Point
from locked_accounts import bip352, erc5564
from locked_accounts.one_time import AccountKeys, derive_spend_key, is_mine, send, send_many
from locked_accounts.scan import encode_batch, prepare, scan

N_ANN = int(os.environ.get("BENCH_ONE_TIME_N", "40000"))
REPEAT = 3


def _median(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    """Median CPU time of this process (robust to other processes on a shared machine)."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def _wall(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    """Best wall-clock time (for multi-process runs, where CPU time of the parent says nothing)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    rng = deterministic_rng("bench-one-time")
    me, other = AccountKeys.generate(rng), AccountKeys.generate(rng)
    meta_me, meta_other = me.meta_address(), other.meta_address()
    print(f"building {N_ANN} announcements ...", file=sys.stderr)
    anns = []
    while len(anns) < N_ANN:
        anns.extend(send_many([meta_other] * 16, rng=rng))
    anns = anns[:N_ANN]
    for i in range(0, N_ANN, 1000):  # 0.1 % of the outputs are ours
        anns[i] = send(meta_me, index=i % 7, rng=rng)
    blob = encode_batch(anns)
    spend_pub = meta_me.spend_public
    mine = N_ANN // 1000 + (1 if N_ANN % 1000 else 0)

    # baseline: parse + ECDH per announcement, nothing else
    ctx = GLOBAL_CONTEXT.ctx
    pk = ffi.new("secp256k1_pubkey *")
    out = ffi.new("unsigned char[32]")
    v = me.view_key.to_bytes()
    rs = [a.ephemeral_public.to_bytes() for a in anns]

    def floor() -> None:
        for r in rs:
            lib.secp256k1_ec_pubkey_parse(ctx, pk, r, 33)
            lib.secp256k1_ecdh(ctx, out, pk, v, ffi.NULL, ffi.NULL)

    rows: list[tuple[str, float, int]] = []  # (name, seconds per item, items per run)
    base = _median(floor) / N_ANN
    rows.append(("baseline: parse R + libsecp256k1 ECDH (floor)", base, N_ANN))

    res = scan(blob, me.view_key, spend_pub)
    assert len(res.found) == mine, (len(res.found), mine)
    rows.append(
        (
            "scan, 1 process, 72-byte records",
            _median(lambda: scan(blob, me.view_key, spend_pub)) / N_ANN,
            N_ANN,
        )
    )
    prepared = prepare(blob)
    assert scan(prepared, me.view_key, spend_pub) == res
    rows.append(
        (
            "scan, 1 process, prepared records (R uncompressed)",
            _median(lambda: scan(prepared, me.view_key, spend_pub)) / N_ANN,
            N_ANN,
        )
    )
    rows.append(
        ("prepare (indexer, once for all wallets)", _median(lambda: prepare(blob)) / N_ANN, N_ANN)
    )
    rows.append(
        (
            "scan, 1 process, Announcement objects",
            _median(lambda: scan(anns, me.view_key, spend_pub)) / N_ANN,
            N_ANN,
        )
    )
    res2 = scan(blob, me.view_key, spend_pub, workers=2, chunk_size=4096)
    assert res2 == res
    wall_rows: list[tuple[str, float]] = []
    for label, data in (("72-byte records", blob), ("prepared records", prepared)):
        w1 = _wall(lambda d=data: scan(d, me.view_key, spend_pub)) / N_ANN
        w2 = (
            _wall(lambda d=data: scan(d, me.view_key, spend_pub, workers=2, chunk_size=4096))
            / N_ANN
        )
        wall_rows.append((f"scan, 1 process, {label} (wall)", w1))
        wall_rows.append((f"scan, 2 processes incl. pool start, {label} (wall)", w2))
    few = anns[:3000]
    rows.append(
        (
            "is_mine per announcement (object API, no fast path)",
            _median(lambda: [is_mine(a, me.view_key, spend_pub) for a in few]) / len(few),
            len(few),
        )
    )
    own = [a for a in anns if is_mine(a, me.view_key, spend_pub)][:20]
    rows.append(
        (
            "derive_spend_key (one-time secret, checked)",
            _median(lambda: [derive_spend_key(a, me.view_key, me.spend_key) for a in own])
            / len(own),
            len(own),
        )
    )
    rows.append(
        (
            "send (sender: one output)",
            _median(lambda: [send(meta_me, rng=rng) for _ in range(500)]) / 500,
            500,
        )
    )

    # ERC-5564
    uri = erc5564.stealth_meta_address(0x1111, 0x2222)
    gen = [erc5564.generate_stealth_address(uri, 1000 + i) for i in range(300)]
    spend_b = Point.base_mul(0x1111).to_bytes()
    rows.append(
        (
            "ERC-5564 generate_stealth_address",
            _median(lambda: [erc5564.generate_stealth_address(uri, 7) for _ in range(300)]) / 300,
            300,
        )
    )
    rows.append(
        (
            "ERC-5564 check_stealth_address, view tag mismatch",
            _median(
                lambda: [
                    erc5564.check_stealth_address(a, e, 0x2222, spend_b, view_tag=(t + 1) % 256)
                    for a, e, t in gen
                ]
            )
            / len(gen),
            len(gen),
        )
    )
    rows.append(
        (
            "ERC-5564 check_stealth_address, full check",
            _median(
                lambda: [erc5564.check_stealth_address(a, e, 0x2222, spend_b) for a, e, _ in gen]
            )
            / len(gen),
            len(gen),
        )
    )

    sa = [
        erc5564.StealthAnnouncement(stealth_address=a, ephemeral_public_key=e, view_tag=t)
        for a, e, t in gen
    ] * 10
    rows.append(
        (
            "ERC-5564 scan_announcements (bulk, viewing key)",
            _median(lambda: erc5564.scan_announcements(sa, 0x3333, spend_b)) / len(sa),
            len(sa),
        )
    )

    # BIP352: one 2-input transaction, receive with the change label
    scan_sk, spend_sk = 0x3333, 0x4444
    addr = bip352.labelled_address(scan_sk, Point.base_mul(spend_sk))
    tx_in = [
        bip352.TxInput(
            txid=hashlib.sha256(bytes([i])).digest(),
            vout=i,
            witness=(b"\x00" * 71, Point.base_mul(10 + i).to_bytes()),
            prevout_script=b"\x00\x14" + bip352.hash160(Point.base_mul(10 + i).to_bytes()),
        )
        for i in range(2)
    ]
    outs = bip352.create_outputs(tx_in, [10, 11], [addr])
    assert bip352.receive(scan_sk, Point.base_mul(spend_sk), tx_in, outs, [0])
    rows.append(
        (
            "BIP352 create_outputs (2 inputs, 1 recipient)",
            _median(lambda: [bip352.create_outputs(tx_in, [10, 11], [addr]) for _ in range(100)])
            / 100,
            100,
        )
    )
    spend_pt = Point.base_mul(spend_sk)
    rows.append(
        (
            "BIP352 receive (2 inputs, 1 output, change label)",
            _median(
                lambda: [bip352.receive(scan_sk, spend_pt, tx_in, outs, [0]) for _ in range(100)]
            )
            / 100,
            100,
        )
    )

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# One-time accounts ({N_ANN} announcements, 0.1 % ours)\n")
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}\n"
    )
    print(f"Load average (1 min) at the end of the run: {load:.2f}\n")
    print(f"CPU time of one process, median of {REPEAT}:\n")
    print("| operation | µs per item | items per second | ratio to baseline |")
    print("|---|---:|---:|---:|")
    for name, sec, _ in rows:
        print(f"| {name} | {sec * 1e6:,.1f} | {1 / sec:,.0f} | {sec / base:.2f} |")
    print(f"\nWall clock, best of {REPEAT} (one vs two worker processes):\n")
    print("| operation | µs per item | items per second | speed-up over 1 process |")
    print("|---|---:|---:|---:|")
    for k, (name, sec) in enumerate(wall_rows):
        ref = wall_rows[k - k % 2][1]
        print(f"| {name} | {sec * 1e6:,.1f} | {1 / sec:,.0f} | {ref / sec:.2f} |")


if __name__ == "__main__":
    main()
