"""Batch scalar-field arithmetic: the numba backend against Python ints and gmpy2.

Run: ``.venv/bin/python -m benches.bench_field`` (about a minute). Every figure is end to end:
Python ints in, Python ints out, conversion to limbs (numba) or to ``mpz`` (gmpy2) included.
numba's compile time is excluded (``warm_up()`` first) and reported separately.

Columns: best of 3 runs, ms of CPU time, for the Python reference backend, a gmpy2 version of
the same algorithm (gmpy2 is a dev dependency: a baseline only), and the numba backend through
its public method (size cutoffs apply, but every size here is above them, except batch multiply,
which the backend keeps on Python ints: its "numba kernel" row calls the kernel path directly).
Ratios are the other's time over numba's (> 1: numba faster). Targets (issue 2): numba >= 5x
faster than Python ints and faster than gmpy2 for polynomial evaluation and batch inverse at
N >= 1,000. The DKG rows evaluate at participant ids 1..n (small points: Python ints are cheaper
there, and numba takes its one-limb Horner kernel).
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Sequence

import gmpy2

from cryptocore._accel import get_backend
from cryptocore.field import BLS12_381_R, SECP256K1_N
from cryptocore.rng import deterministic_rng

P = SECP256K1_N
QUICK = os.environ.get("BENCH_FIELD_QUICK") == "1"


def _ms(fn: Callable[[], object]) -> float:
    """Best of 3 (2 with BENCH_FIELD_QUICK=1) in ms of process CPU time.

    CPU time, not wall time: every implementation here runs on one thread, and on a machine
    shared with other jobs wall time mostly measures waiting for a core.
    """
    runs = []
    for _ in range(2 if QUICK else 3):
        t = time.process_time()
        fn()
        runs.append((time.process_time() - t) * 1e3)
    return min(runs)


# -- gmpy2 baselines: the reference algorithms on mpz, conversion in and out included --------


def g_mul(a: Sequence[int], b: Sequence[int], p: int) -> list[int]:
    gp = gmpy2.mpz(p)
    return [int(gmpy2.mpz(x) * y % gp) for x, y in zip(a, b, strict=True)]


def g_inverse(a: Sequence[int], p: int) -> list[int]:
    gp = gmpy2.mpz(p)
    vals = [gmpy2.mpz(x) % gp for x in a]
    prefix = []
    acc = gmpy2.mpz(1)
    for v in vals:
        acc = acc * v % gp
        prefix.append(acc)
    inv = gmpy2.invert(acc, gp)
    out = [0] * len(vals)
    for i in range(len(vals) - 1, 0, -1):
        out[i] = int(inv * prefix[i - 1] % gp)
        inv = inv * vals[i] % gp
    out[0] = int(inv)
    return out


def g_poly(coeffs: Sequence[int], xs: Sequence[int], p: int) -> list[int]:
    gp = gmpy2.mpz(p)
    cs = [gmpy2.mpz(c) % gp for c in reversed(coeffs)]
    out = []
    for x in xs:
        gx = gmpy2.mpz(x)
        acc = gmpy2.mpz(0)
        for c in cs:
            acc = (acc * gx + c) % gp
        out.append(int(acc))
    return out


def g_lagrange(xs: Sequence[int], p: int) -> list[int]:
    gp = gmpy2.mpz(p)
    pts = [gmpy2.mpz(x) % gp for x in xs]
    nums, dens = [], []
    for i, xi in enumerate(pts):
        num, den = gmpy2.mpz(1), gmpy2.mpz(1)
        for j, xj in enumerate(pts):
            if j != i:
                num = num * (-xj) % gp
                den = den * (xi - xj) % gp
        nums.append(num)
        dens.append(int(den))
    return [int(n * d % gp) for n, d in zip(nums, g_inverse(dens, p), strict=True)]


def main() -> int:
    py = get_backend("python")
    nb = get_backend("numba")
    t = time.perf_counter()
    nb.warm_up()
    warm = time.perf_counter() - t
    rng = deterministic_rng("bench_field")

    def rand(n: int) -> list[int]:
        return [int.from_bytes(rng(32), "big") % P for _ in range(n)]

    a100k, b100k = rand(100_000), rand(100_000)
    a100k_inv, a10k, a1k = rand(100_000), rand(10_000), rand(1_000)
    c101, c667, x1k = rand(101), rand(667), rand(1_000)
    signers = list(range(1, 668))
    dkg_polys = [rand(67) for _ in range(100)]
    x100 = list(range(1, 101))
    dkg300 = [rand(201) for _ in range(300)]
    x300 = list(range(1, 301))

    rows: list[tuple[str, Callable[[], object], Callable[[], object], Callable[[], object], bool]]
    rows = [
        (
            "batch multiply, N=100,000 (backend: Python ints)",
            lambda: py.batch_mul(a100k, b100k, P),
            lambda: g_mul(a100k, b100k, P),
            lambda: nb.batch_mul(a100k, b100k, P),
            False,
        ),
        (
            "batch multiply, N=100,000 (numba kernel)",
            lambda: py.batch_mul(a100k, b100k, P),
            lambda: g_mul(a100k, b100k, P),
            lambda: nb._mul(a100k, b100k, P),  # type: ignore[attr-defined]
            False,
        ),
        (
            "batch inverse, N=1,000",
            lambda: py.batch_inverse(a1k, P),
            lambda: g_inverse(a1k, P),
            lambda: nb.batch_inverse(a1k, P),
            True,
        ),
        (
            "batch inverse, N=10,000",
            lambda: py.batch_inverse(a10k, P),
            lambda: g_inverse(a10k, P),
            lambda: nb.batch_inverse(a10k, P),
            True,
        ),
        (
            "batch inverse, N=100,000",
            lambda: py.batch_inverse(a100k_inv, P),
            lambda: g_inverse(a100k_inv, P),
            lambda: nb.batch_inverse(a100k_inv, P),
            True,
        ),
        (
            "poly eval, degree 100 at 1,000 points",
            lambda: py.poly_eval_many(c101, x1k, P),
            lambda: g_poly(c101, x1k, P),
            lambda: nb.poly_eval_many(c101, x1k, P),
            True,
        ),
        (
            "poly eval, degree 666 at 1,000 points",
            lambda: py.poly_eval_many(c667, x1k, P),
            lambda: g_poly(c667, x1k, P),
            lambda: nb.poly_eval_many(c667, x1k, P),
            True,
        ),
        (
            "DKG matrix: 100 polys of degree 66 at 100 points",
            lambda: py.poly_eval_matrix(dkg_polys, x100, P),
            lambda: [g_poly(f, x100, P) for f in dkg_polys],
            lambda: nb.poly_eval_matrix(dkg_polys, x100, P),
            False,
        ),
        (
            "DKG matrix: 300 polys of degree 200 at 300 points",
            lambda: py.poly_eval_matrix(dkg300, x300, P),
            lambda: [g_poly(f, x300, P) for f in dkg300],
            lambda: nb.poly_eval_matrix(dkg300, x300, P),
            False,
        ),
        (
            "Lagrange coefficients, 667 signers",
            lambda: py.lagrange_coefficients(signers, P),
            lambda: g_lagrange(signers, P),
            lambda: nb.lagrange_coefficients(signers, P),
            False,
        ),
    ]
    # sanity: every implementation gives the same numbers
    assert g_inverse(a1k, P) == nb.batch_inverse(a1k, P) == py.batch_inverse(a1k, P)
    assert nb.batch_inverse(a10k, BLS12_381_R) == py.batch_inverse(a10k, BLS12_381_R)
    assert g_poly(c101, x1k[:50], P) == nb.poly_eval_many(c101, x1k[:50], P)
    assert nb.poly_eval_matrix(dkg_polys, x100, P) == [g_poly(f, x100, P) for f in dkg_polys]
    assert g_lagrange(signers[:50], P) == nb.lagrange_coefficients(signers[:50], P)
    assert nb.lagrange_coefficients(signers, BLS12_381_R) == py.lagrange_coefficients(
        signers, BLS12_381_R
    )

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}; numba warm_up {warm:.2f} s (cache load or compile)"
    )
    print()
    print("| operation | Python ints ms | gmpy2 ms | numba ms | vs Python | vs gmpy2 | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, f_py, f_g, f_nb, targeted in rows:
        t_py, t_g, t_nb = _ms(f_py), _ms(f_g), _ms(f_nb)
        r_py, r_g = t_py / t_nb, t_g / t_nb
        if targeted:
            met = "met" if r_py >= 5 and r_g > 1 else "NOT met"
            target = f"{met} (>= 5x Python, > gmpy2)"
        else:
            target = "-"
        print(
            f"| {name} | {t_py:.2f} | {t_g:.2f} | {t_nb:.2f} | {r_py:.1f}x | {r_g:.2f}x "
            f"| {target} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
