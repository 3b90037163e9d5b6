"""Linear-communication BFT consensus (chained 3-chain HotStuff with threshold-BLS certificates).

* :mod:`bft.replica` — the sans-IO :class:`~bft.replica.Replica` (``receive``, ``handle_timer``,
  ``outbox``, ``events``, ``next_deadline``);
* :mod:`bft.types`, :mod:`bft.messages` — blocks, certificates, wire messages;
* :mod:`bft.crypto` — :class:`~bft.crypto.QuorumCrypto` and threshold BLS (:mod:`mdkm.bls`);
* :mod:`bft.store` — SQLite persistence; :mod:`bft.transport` — authenticated asyncio TCP;
* :mod:`bft.node`, :mod:`bft.client`, :mod:`bft.cluster` — processes, client API, local cluster;
* :mod:`bft.testing` — simulator, Twins, Byzantine wrappers, mutants (tests only).

See ``docs/bft.md`` and ``docs/adr/0006-bft-protocol.md``.
"""

from .replica import Committed, EpochConfig, Replica
from .types import Block, Committee, QuorumCert, TimeoutCert

__all__ = [
    "Block",
    "Committed",
    "Committee",
    "EpochConfig",
    "QuorumCert",
    "Replica",
    "TimeoutCert",
]
