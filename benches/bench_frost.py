"""FROST(secp256k1, SHA-256) signing: round one, round two, aggregation, 2-of-3 and 667-of-1000.

Run: ``.venv/bin/python -m benches.bench_frost`` (about a minute; the 1000-share trusted-dealer
setup is done once). Compares with ZcashFoundation/frost's published secp256k1 figures and with
one coincurve (libsecp256k1) BIP340 signature measured in the same run.

Columns:

* ``in memory`` — the signing package object already exists with its points decompressed
  (what ZF's benchmark measures: its packages hold projective points);
* ``from bytes`` — what a real party does: round two decodes the signing package from bytes
  and signs; aggregation builds the package from the collected commitments and aggregates
  (every commitment is decompressed once, a field square root each).

``ratio vs ZF`` is our ``in memory`` time over ZF's figure (target: at most 2). The last rows
run the Taproot ciphersuite (BIP341 key-path tweak; ZF publishes no figures for it).
Medians of 3 runs. ``BENCH_FROST_QUICK=1`` reduces repetitions.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

import coincurve

import mdkm.frost as frost
from cryptocore.rng import deterministic_rng
from mdkm.dealer import trusted_dealer_keygen
from mdkm.frost.round1 import SigningNonces
from mdkm.frost_taproot import FROST_SECP256K1_TR
from mdkm.keys import KeyPackage, PublicKeyPackage

QUICK = os.environ.get("BENCH_FROST_QUICK") == "1"
MSG = b"litho-crypto bench: release 10 ETH to 0xabc"

# ZcashFoundation/frost README / benchmark figures for frost-secp256k1 (ms)
ZF = {
    (2, 3): {"round1": 0.09, "round2": 0.15, "aggregate": 0.25},
    (667, 1000): {"round2": 46.0, "aggregate": 37.0},
}


def _ms(fn: Callable[[], object], n: int) -> float:
    """Median over 3 runs of the mean time of ``n`` calls, in ms."""
    n = max(1, n // 3) if QUICK else n
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - t) / n * 1000)
    return statistics.median(runs)


def _scenario(
    pub: PublicKeyPackage,
    kps: list[KeyPackage],
    t: int,
    reps: int,
    suite: frost.Ciphersuite = frost.FROST_SECP256K1_SHA256,
    tweak: bytes | None = None,
) -> dict[str, tuple[float, float | None]]:
    signers = kps[:t]
    rng = deterministic_rng(f"bench-{t}")
    round1 = [frost.commit(k, rng, ciphersuite=suite) for k in signers]
    comms = {k.identifier: c for k, (_n, c) in zip(signers, round1, strict=True)}
    pkg = frost.SigningPackage(commitments=comms, message=MSG, ciphersuite=suite)
    pkg_bytes = pkg.to_bytes()
    me = signers[0]
    h, b = round1[0][0].take()
    my_comm = round1[0][1]
    shares = {
        k.identifier: frost.sign(pkg, n, k, tweak=tweak)
        for k, (n, _c) in zip(signers[1:], round1[1:], strict=True)
    }
    shares[me.identifier] = frost.sign(pkg, SigningNonces(h, b, my_comm), me, tweak=tweak)
    key = suite.adjust_key(pub.group_public_key, tweak).group_public_key
    sig = frost.aggregate(pkg, shares, pub, tweak=tweak)
    frost.verify(key, MSG, sig, ciphersuite=suite)

    # fresh single-use nonce objects (same scalars) so that timing excludes round one
    def nonce_pool(k: int) -> list[SigningNonces]:
        return [SigningNonces(h, b, my_comm) for _ in range(k)]

    n2 = max(3, reps)
    pool = nonce_pool(n2 * 3)
    r2_mem = _ms(lambda: frost.sign(pkg, pool.pop(), me, tweak=tweak), n2)
    pool = nonce_pool(n2 * 3)
    r2_bytes = _ms(
        lambda: frost.sign(frost.SigningPackage.from_bytes(pkg_bytes), pool.pop(), me, tweak=tweak),
        n2,
    )
    agg_mem = _ms(lambda: frost.aggregate(pkg, shares, pub, tweak=tweak), n2)
    agg_fresh = _ms(
        lambda: frost.aggregate(
            frost.SigningPackage(commitments=comms, message=MSG, ciphersuite=suite),
            shares,
            pub,
            tweak=tweak,
        ),
        n2,
    )
    r1 = _ms(lambda: frost.commit(me, rng, ciphersuite=suite), max(50, reps * 10))
    return {
        "round1 (commit)": (r1, r1),
        "round2 (sign)": (r2_mem, r2_bytes),
        "aggregate": (agg_mem, agg_fresh),
    }


def main() -> None:
    sk = coincurve.PrivateKey(bytes(31) + b"\x07")
    m32 = bytes(range(32))
    bip340 = _ms(lambda: sk.sign_schnorr(m32, b"\x00" * 32), 500)

    t0 = time.perf_counter()
    pub3, kps3 = trusted_dealer_keygen(3, 2, rng=deterministic_rng("bench-3"))
    small = _scenario(pub3, kps3, 2, 300)
    taproot = _scenario(pub3, kps3, 2, 300, FROST_SECP256K1_TR, b"")
    pub1000, kps1000 = trusted_dealer_keygen(1000, 667, rng=deterministic_rng("bench-1000"))
    setup = time.perf_counter() - t0
    large = _scenario(pub1000, kps1000, 667, 5)

    print(
        f"# FROST(secp256k1, SHA-256) — {platform.processor() or platform.machine()}, "
        f"Python {sys.version.split()[0]}"
    )
    print()
    print(
        f"Baseline: one coincurve BIP340 signature = {bip340:.3f} ms (same run). "
        f"Trusted-dealer setup for 2-of-3 and 667-of-1000: {setup:.1f} s (once)."
    )
    print()
    print(
        "| signers | operation | in memory (ms) | from bytes (ms) | ZF frost (ms) "
        "| ratio vs ZF | x BIP340 sign |"
    )
    print("|---|---|---|---|---|---|---|")
    rows = (("2-of-3", (2, 3), small), ("667-of-1000", (667, 1000), large))
    rows += (("2-of-3 Taproot, key-path tweak", None, taproot),)
    for label, tn, res in rows:
        for op, (mem, fresh) in res.items():
            key = op.split(" ")[0]
            zf = ZF[tn].get(key) if tn is not None else None
            zf_s = f"{zf:.2f}" if zf is not None else "—"
            ratio = f"{mem / zf:.2f}" if zf is not None else "—"
            fresh_s = f"{fresh:.3f}" if fresh is not None else "—"
            print(
                f"| {label} | {op} | {mem:.3f} | {fresh_s} | {zf_s} | {ratio} "
                f"| {mem / bip340:.1f} |"
            )


if __name__ == "__main__":
    main()
