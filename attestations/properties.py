"""Property checks that a validator runs on a claimed DNN result (the "A New Hope" paper:
validate "properties of the results instead of their exact values", since training and
inference are not bit-for-bit reproducible across hardware).

Each check is deterministic for the validator given the claim: the validator always re-runs in
float64 with the default summation order, whatever the provider used. Registered checks:

* ``reexecution`` — re-run inference and compare with max absolute / relative error
  (``|claimed − ours| <= atol + rtol·|ours|`` elementwise, all finite). With a layer trace it
  checks each layer from the claimed previous layer output, so errors do not compound and the
  failing layer is named.
* ``topk`` — classification agreement: every claimed top-1 class is within our top-k.
* ``loss_bound`` — a training-step claim: the loss of the claimed (trained) model on a held-out
  batch does not exceed the claimed loss by more than a tolerance.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from attestations.model import Array, Model, array_hash, encode_array
from cryptocore.errors import EncodingError, ParameterError

__all__ = [
    "CHECKS",
    "CheckResult",
    "Claim",
    "LossBound",
    "PropertyCheck",
    "Reexecution",
    "TopKAgreement",
    "check_from_params",
]

_INPUT_DST = b"LITHO-CRYPTO-V01-DNN-INPUT"


@dataclass(frozen=True, slots=True)
class CheckResult:
    passed: bool
    detail: str


class PropertyCheck:
    """A registered check: a name, canonical parameters, and ``run(claim)``."""

    name: ClassVar[str] = ""

    def params(self) -> bytes:
        raise NotImplementedError

    def run(self, claim: Claim) -> CheckResult:
        raise NotImplementedError


def _finite_nonneg(*values: float) -> None:
    for v in values:
        if not isinstance(v, int | float) or not np.isfinite(v) or v < 0:
            raise ParameterError("tolerances must be finite and non-negative")
        if math.copysign(1.0, v) < 0:  # -0.0 == 0.0 but encodes differently: one encoding only
            raise ParameterError("tolerances must not be negative zero")


@dataclass(frozen=True, slots=True)
class Reexecution(PropertyCheck):
    atol: float
    rtol: float
    name: ClassVar[str] = "reexecution"

    def __post_init__(self) -> None:
        _finite_nonneg(self.atol, self.rtol)

    def params(self) -> bytes:
        return struct.pack(">dd", self.atol, self.rtol)

    def _close(self, claimed: Array, ours: Array) -> bool:
        claimed = np.asarray(claimed, dtype=np.float64)
        if claimed.shape != ours.shape or not np.all(np.isfinite(claimed)):
            return False
        return bool(np.all(np.abs(claimed - ours) <= self.atol + self.rtol * np.abs(ours)))

    def run(self, claim: Claim) -> CheckResult:
        if claim.trace is not None:
            if len(claim.trace) != len(claim.model.layers):
                return CheckResult(False, "trace length differs from the number of layers")
            if not np.array_equal(claim.trace[-1], claim.output):
                return CheckResult(False, "trace does not end with the claimed output")
            for b in range(claim.inputs.shape[0]):
                prev: Array = np.asarray(claim.inputs[b], dtype=np.float64)
                for li, layer in enumerate(claim.model.layers):
                    ours = layer.forward(prev, np.float64, "default")
                    if not self._close(claim.trace[li][b], ours):
                        return CheckResult(False, f"layer {li} of sample {b} out of tolerance")
                    prev = np.asarray(claim.trace[li][b], dtype=np.float64)
            return CheckResult(True, "every layer within tolerance")
        ours_all = _forward_batch(claim.model, claim.inputs)
        if not self._close(claim.output, ours_all):
            return CheckResult(False, "output out of tolerance")
        return CheckResult(True, "output within tolerance")


@dataclass(frozen=True, slots=True)
class TopKAgreement(PropertyCheck):
    k: int = 1
    name: ClassVar[str] = "topk"

    def __post_init__(self) -> None:
        if not isinstance(self.k, int) or self.k < 1:
            raise ParameterError("k must be a positive integer")

    def params(self) -> bytes:
        return struct.pack(">I", self.k)

    def run(self, claim: Claim) -> CheckResult:
        ours = _forward_batch(claim.model, claim.inputs)
        claimed = np.asarray(claim.output, dtype=np.float64)
        if claimed.shape != ours.shape or ours.ndim != 2 or not np.all(np.isfinite(claimed)):
            return CheckResult(False, "claimed scores do not match the model's output shape")
        k = min(self.k, ours.shape[1])
        top = np.argsort(-ours, axis=1, kind="stable")[:, :k]
        claimed_top1 = np.argmax(claimed, axis=1)
        for b, c in enumerate(claimed_top1):
            if c not in top[b]:
                return CheckResult(False, f"sample {b}: claimed class {int(c)} not in top-{k}")
        return CheckResult(True, f"all claimed classes within top-{k}")


@dataclass(frozen=True, slots=True)
class LossBound(PropertyCheck):
    tolerance: float
    loss: str = "cross_entropy"  # or "mse"
    name: ClassVar[str] = "loss_bound"

    def __post_init__(self) -> None:
        _finite_nonneg(self.tolerance)
        if self.loss not in ("cross_entropy", "mse"):
            raise ParameterError("loss must be cross_entropy or mse")

    def params(self) -> bytes:
        return struct.pack(">dB", self.tolerance, 0 if self.loss == "cross_entropy" else 1)

    def run(self, claim: Claim) -> CheckResult:
        if claim.labels is None:
            return CheckResult(False, "a loss claim needs held-out labels")
        claimed = np.asarray(claim.output, dtype=np.float64)
        if claimed.shape != () or not np.isfinite(claimed):
            return CheckResult(False, "claimed loss must be one finite number")
        preds = _forward_batch(claim.model, claim.inputs)
        labels = np.asarray(claim.labels, dtype=np.float64)
        if self.loss == "mse":
            if labels.shape != preds.shape:
                return CheckResult(False, "labels do not match the predictions' shape")
            loss = float(np.mean((preds - labels) ** 2))
        else:
            if labels.shape != (preds.shape[0],) or preds.ndim != 2:
                return CheckResult(False, "cross entropy needs class labels and probabilities")
            idx = labels.astype(np.int64)
            if np.any(idx != labels) or np.any(idx < 0) or np.any(idx >= preds.shape[1]):
                return CheckResult(False, "labels are not valid class indices")
            p = np.clip(preds[np.arange(len(idx)), idx], 1e-12, 1.0)
            loss = float(-np.mean(np.log(p)))
        if loss <= float(claimed) + self.tolerance:
            return CheckResult(True, f"held-out loss {loss:.6g} within the bound")
        return CheckResult(False, f"held-out loss {loss:.6g} exceeds the claimed bound")


CHECKS: dict[str, Callable[[bytes], PropertyCheck]] = {}


def _register(name: str, decode: Callable[[bytes], PropertyCheck]) -> None:
    CHECKS[name] = decode


def _dec_reexec(b: bytes) -> PropertyCheck:
    if len(b) != 16:
        raise EncodingError("reexecution params: 16 bytes expected")
    return Reexecution(*struct.unpack(">dd", b))


def _dec_topk(b: bytes) -> PropertyCheck:
    if len(b) != 4:
        raise EncodingError("topk params: 4 bytes expected")
    return TopKAgreement(struct.unpack(">I", b)[0])


def _dec_loss(b: bytes) -> PropertyCheck:
    if len(b) != 9 or b[8] not in (0, 1):
        raise EncodingError("loss_bound params: 9 bytes expected")
    return LossBound(struct.unpack(">d", b[:8])[0], "cross_entropy" if b[8] == 0 else "mse")


_register("reexecution", _dec_reexec)
_register("topk", _dec_topk)
_register("loss_bound", _dec_loss)


def check_from_params(name: str, params: bytes) -> PropertyCheck:
    """Decode a registered check from its name and canonical parameters."""
    try:
        decode = CHECKS[name]
    except KeyError:
        raise EncodingError(f"unknown property check {name!r}") from None
    try:
        return decode(params)
    except ParameterError as exc:
        raise EncodingError(str(exc)) from None


def _forward_batch(model: Model, inputs: Array) -> Array:
    return np.stack([model.forward(np.asarray(x, np.float64)) for x in inputs])


@dataclass(frozen=True, eq=False)
class Claim:
    """What a provider claims: model, input batch (samples along axis 0), the claimed output
    (per-sample outputs, or a scalar loss), the property to check, optional held-out labels and
    an optional layer trace (one array per layer, samples along axis 0)."""

    request_id: bytes
    model: Model
    inputs: Array
    output: Array
    check: PropertyCheck
    labels: Array | None = None
    trace: tuple[Array, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.request_id, bytes) or len(self.request_id) != 32:
            raise ParameterError("request id must be 32 bytes")
        if np.asarray(self.inputs).ndim < 1 or np.asarray(self.inputs).shape[0] < 1:
            raise ParameterError("inputs need a batch axis with at least one sample")

    @property
    def input_hash(self) -> bytes:
        h = hashlib.sha256(_INPUT_DST + encode_array(self.inputs))
        if self.labels is not None:
            h.update(encode_array(np.asarray(self.labels, dtype=np.float64)))
        return h.digest()

    @property
    def output_hash(self) -> bytes:
        out: npt.ArrayLike = self.output
        arr = np.asarray(out)
        if arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
        return array_hash(arr)

    def validate(self) -> CheckResult:
        """Run the claim's property check (deterministic for the validator)."""
        return self.check.run(self)
