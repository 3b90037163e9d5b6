"""``python -m demo``: filled in as the library's parts land."""

from __future__ import annotations

import sys


def main() -> int:
    from cryptocore.secp256k1 import G

    print("secp256k1 generator:", G.to_bytes().hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
