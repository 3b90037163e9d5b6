"""Distributed key generation.

* :mod:`mdkm.dkg.frost_dkg` — FROST's DKG (Komlo-Goldberg; ZcashFoundation/frost ``keys::dkg``):
  ``part1``/``part2``/``part3``, interoperable with ZF's vectors; aborts naming a culprit.
* :mod:`mdkm.dkg.gjkr` and :mod:`mdkm.dkg.session` — the robust DKG of Gennaro, Jarecki,
  Krawczyk and Rabin (J. Cryptology 2007) as a sans-IO state machine (:class:`DkgSession`);
  shares travel sealed to their recipient (:mod:`mdkm.dkg.channel`).
* :func:`run_in_process` — drive every participant in one process (tests, demos, benches).
"""

from mdkm.dkg.channel import IdentityKey
from mdkm.dkg.frost_dkg import (
    Round1Package,
    Round1SecretPackage,
    Round2Package,
    Round2SecretPackage,
    part1,
    part2,
    part3,
)
from mdkm.dkg.gjkr import DkgParameters, PublicCache
from mdkm.dkg.messages import DkgMessage, Kind
from mdkm.dkg.runner import FAULTS, DkgRun, run_in_process, simulate
from mdkm.dkg.session import BROADCAST, DkgEvent, DkgSession, SessionState

__all__ = [
    "BROADCAST",
    "FAULTS",
    "DkgEvent",
    "DkgMessage",
    "DkgParameters",
    "DkgRun",
    "DkgSession",
    "IdentityKey",
    "Kind",
    "PublicCache",
    "Round1Package",
    "Round1SecretPackage",
    "Round2Package",
    "Round2SecretPackage",
    "SessionState",
    "part1",
    "part2",
    "part3",
    "run_in_process",
    "simulate",
]
