"""Signed attestations that a DNN result was validated (properties checked within tolerances),
threshold-signed by a committee (BLS12-381, keys from MDKM) and ordered by ``bft``."""

from attestations.committee import (
    attest_in_process,
    make_attestation,
    sign_attestation_share,
    verify,
)
from attestations.model import LSTM, Conv2D, Dense, Flatten, Model, Rescale, array_hash
from attestations.properties import Claim, LossBound, Reexecution, TopKAgreement
from attestations.receipt import Attestation
from attestations.registry import NonceRegistry

__all__ = [
    "LSTM",
    "Attestation",
    "Claim",
    "Conv2D",
    "Dense",
    "Flatten",
    "LossBound",
    "Model",
    "NonceRegistry",
    "Reexecution",
    "Rescale",
    "TopKAgreement",
    "array_hash",
    "attest_in_process",
    "make_attestation",
    "sign_attestation_share",
    "verify",
]
