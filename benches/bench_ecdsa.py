"""Threshold ECDSA: presign and online sign for 3-of-5 (t = 2) and 11-of-16 (t = 6) signers,
against one coincurve (libsecp256k1) ECDSA signature measured in the same run.

"k-of-n" here counts signers: the honest-majority protocol signs with 2t − 1 = k validators.
"""

from __future__ import annotations

import hashlib
import platform
import statistics
import time
from collections.abc import Callable

import coincurve

from cryptocore.rng import deterministic_rng
from mdkm.dealer import trusted_dealer_keygen
from mdkm.ecdsa import presign_in_process, sign_with_presignatures


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    h = hashlib.sha256(b"bench").digest()
    sk = coincurve.PrivateKey()
    base = _median_ms(lambda: sk.sign_recoverable(h, hasher=None), 2000)
    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}; coincurve single-signer ECDSA sign: {base * 1000:.1f} µs")
    print()
    print("| signers (n) | t | presign (all signers, in-process) | online sign + combine | "
          "online / coincurve |")
    print("|---|---|---|---|---|")
    for k, n, reps in ((3, 5, 30), (11, 16, 5)):
        t = (k + 1) // 2
        _pub, kps = trusted_dealer_keygen(n, t, rng=deterministic_rng(k))
        signers = kps[:k]
        rng = deterministic_rng("bench")
        pres_ms = _median_ms(lambda signers=signers: presign_in_process(signers, rng), reps)
        pool = [presign_in_process(signers, rng) for _ in range(reps)]
        it = iter(pool)
        sign_ms = _median_ms(
            lambda signers=signers, it=it: sign_with_presignatures(signers, next(it), h, rng),
            reps,
        )
        print(f"| {k} of {n} | {t} | {pres_ms:.1f} ms | {sign_ms:.1f} ms | "
              f"{sign_ms / base:.0f}x |")
    print()
    print("In-process figures: one process computes every signer's work, so per-signer cost is "
          "about the figure divided by the signer count (plus the combiner's proof checks).")


if __name__ == "__main__":
    main()
