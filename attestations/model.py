"""A small on-chain-style DNN: Dense, Rescale, Conv2D, Flatten and LSTM layers in numpy,
evaluated layer by layer (the design's companion document builds on-chain models from
Dense, Rescale, Convolution and LSTM layers).

Every model has a canonical encoding (layer type, shapes, IEEE-754 binary64 little-endian
weights), and its commitment is the SHA-256 of that encoding under a domain tag: the
"model hash" of the receipt. Inference can run in float32 or float64 and with different
summation orders, which is exactly the non-reproducibility that property checks tolerate.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from cryptocore.encoding import as_bytes
from cryptocore.errors import EncodingError, ParameterError

__all__ = [
    "LSTM",
    "Conv2D",
    "Dense",
    "Flatten",
    "Layer",
    "Model",
    "Rescale",
    "Summation",
    "array_hash",
    "decode_array",
    "encode_array",
]

Array = npt.NDArray[np.floating]
Summation = Literal["default", "reversed", "blocked"]
_ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid", "softmax")
_MODEL_DST = b"LITHO-CRYPTO-V01-DNN-MODEL"
_ARRAY_DST = b"LITHO-CRYPTO-V01-DNN-ARRAY"


# ------------------------------------------------------------------ canonical arrays


def encode_array(a: npt.ArrayLike) -> bytes:
    """Canonical encoding: dtype code (4 = float32, 8 = float64), ndim, shape (u32 each),
    then the values little-endian in C order."""
    arr = np.asarray(a)
    if arr.dtype == np.float32:
        code, dt = 4, "<f4"
    elif arr.dtype == np.float64:
        code, dt = 8, "<f8"
    else:
        raise ParameterError("arrays must be float32 or float64")
    if arr.ndim > 8:
        raise ParameterError("too many dimensions")
    header = struct.pack(">BB", code, arr.ndim) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return header + np.ascontiguousarray(arr, dtype=dt).tobytes()


def decode_array(data: bytes) -> Array:
    """Inverse of :func:`encode_array` (strict: exact length, known dtype)."""
    data = as_bytes(data, "array")
    if len(data) < 2:
        raise EncodingError("array: truncated header")
    code, ndim = data[0], data[1]
    if code not in (4, 8) or ndim > 8:
        raise EncodingError("array: bad dtype or rank")
    off = 2 + 4 * ndim
    if len(data) < off:
        raise EncodingError("array: truncated shape")
    shape = tuple(struct.unpack(">I", data[2 + 4 * i : 6 + 4 * i])[0] for i in range(ndim))
    # Python integers: np.prod would wrap around at 2^64 (e.g. four dimensions of 2^16 give a
    # count of 0, and reshape then raises a numpy ValueError instead of EncodingError).
    count = math.prod(shape)
    if len(data) != off + code * count:
        raise EncodingError("array: wrong length")
    return np.frombuffer(data[off:], dtype="<f4" if code == 4 else "<f8").reshape(shape).copy()


def array_hash(a: npt.ArrayLike) -> bytes:
    """SHA-256 of the canonical encoding under a domain tag (input and output hashes)."""
    return hashlib.sha256(_ARRAY_DST + encode_array(a)).digest()


# ------------------------------------------------------------------ numerics


def _matvec(w: Array, x: Array, summation: Summation) -> Array:
    """x @ w with a chosen summation order over the contracted axis (last of x, first of w)."""
    if summation == "default":
        return np.asarray(x @ w)
    if summation == "reversed":
        return np.asarray(x[..., ::-1] @ w[::-1, ...])
    # blocked: partial sums over blocks of 3, added in reverse block order
    k = w.shape[0]
    parts = [x[..., i : i + 3] @ w[i : i + 3, ...] for i in range(0, k, 3)]
    acc = np.zeros_like(parts[0])
    for p in reversed(parts):
        acc = acc + p
    return acc


def _activate(name: str, z: Array) -> Array:
    if name == "linear":
        return z
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return np.asarray(1 / (1 + np.exp(-z)))
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))  # softmax
    return np.asarray(e / np.sum(e, axis=-1, keepdims=True))


def _check_act(name: str) -> None:
    if name not in _ACTIVATIONS:
        raise ParameterError(f"unknown activation {name!r}")


# ------------------------------------------------------------------ layers


class Layer:
    """Base class: ``forward(x, dtype, summation)`` and a canonical ``encode()``."""

    code: int = 0

    def forward(self, x: Array, dtype: type[np.floating], summation: Summation) -> Array:
        raise NotImplementedError

    def arrays(self) -> tuple[Array, ...]:
        return ()

    def params(self) -> bytes:
        return b""

    def encode(self) -> bytes:
        body = self.params() + b"".join(
            struct.pack(">I", len(e)) + e
            for e in (encode_array(np.asarray(a, np.float64)) for a in self.arrays())
        )
        return struct.pack(">BI", self.code, len(body)) + body


@dataclass(frozen=True, eq=False)
class Dense(Layer):
    weights: Array  # (in, out)
    bias: Array  # (out,)
    activation: str = "linear"
    code = 1

    def __post_init__(self) -> None:
        _check_act(self.activation)
        if self.weights.ndim != 2 or self.bias.shape != (self.weights.shape[1],):
            raise ParameterError("dense: weights (in, out) and bias (out,) expected")

    def forward(self, x: Array, dtype: type[np.floating], summation: Summation) -> Array:
        w = self.weights.astype(dtype)
        return _activate(
            self.activation, _matvec(w, x.astype(dtype), summation) + self.bias.astype(dtype)
        )

    def arrays(self) -> tuple[Array, ...]:
        return (self.weights, self.bias)

    def params(self) -> bytes:
        return struct.pack(">B", _ACTIVATIONS.index(self.activation))


@dataclass(frozen=True, eq=False)
class Rescale(Layer):
    scale: float
    offset: float = 0.0
    code = 2

    def forward(self, x: Array, dtype: type[np.floating], summation: Summation) -> Array:
        return np.asarray(x.astype(dtype) * dtype(self.scale) + dtype(self.offset))

    def params(self) -> bytes:
        return struct.pack(">dd", self.scale, self.offset)


@dataclass(frozen=True, eq=False)
class Conv2D(Layer):
    """'valid' 2-D convolution (cross-correlation, as in Keras), stride 1, input (H, W, C)."""

    kernel: Array  # (kh, kw, cin, cout)
    bias: Array  # (cout,)
    activation: str = "linear"
    code = 3

    def __post_init__(self) -> None:
        _check_act(self.activation)
        if self.kernel.ndim != 4 or self.bias.shape != (self.kernel.shape[3],):
            raise ParameterError("conv2d: kernel (kh, kw, cin, cout) and bias (cout,) expected")

    def forward(self, x: Array, dtype: type[np.floating], summation: Summation) -> Array:
        kh, kw, cin, cout = self.kernel.shape
        if x.ndim != 3 or x.shape[2] != cin or x.shape[0] < kh or x.shape[1] < kw:
            raise ParameterError("conv2d: input shape does not fit the kernel")
        xs = x.astype(dtype)
        patches = np.lib.stride_tricks.sliding_window_view(xs, (kh, kw), axis=(0, 1))
        # patches: (H', W', cin, kh, kw) -> (H', W', kh*kw*cin) in kernel order
        cols = patches.transpose(0, 1, 3, 4, 2).reshape(patches.shape[0], patches.shape[1], -1)
        w = self.kernel.astype(dtype).reshape(kh * kw * cin, cout)
        return _activate(self.activation, _matvec(w, cols, summation) + self.bias.astype(dtype))

    def arrays(self) -> tuple[Array, ...]:
        return (self.kernel, self.bias)

    def params(self) -> bytes:
        return struct.pack(">B", _ACTIVATIONS.index(self.activation))


@dataclass(frozen=True, eq=False)
class Flatten(Layer):
    code = 4

    def forward(self, x: Array, dtype: type[np.floating], summation: Summation) -> Array:
        return x.astype(dtype).reshape(-1)


@dataclass(frozen=True, eq=False)
class LSTM(Layer):
    """LSTM over a sequence (T, in) returning the last hidden state (units,).

    Gates in Keras order i, f, c, o: z = x_t W + h_{t-1} U + b; i, f, o = sigmoid, c~ = tanh;
    c_t = f c_{t-1} + i c~; h_t = o tanh(c_t).
    """

    w: Array  # (in, 4u)
    u: Array  # (u, 4u)
    b: Array  # (4u,)
    code = 5

    def __post_init__(self) -> None:
        units = self.u.shape[0]
        if (
            self.w.ndim != 2
            or self.w.shape[1] != 4 * units
            or self.u.shape != (units, 4 * units)
            or self.b.shape != (4 * units,)
        ):
            raise ParameterError("lstm: w (in, 4u), u (u, 4u), b (4u,) expected")

    def forward(self, x: Array, dtype: type[np.floating], summation: Summation) -> Array:
        units = self.u.shape[0]
        w, u, b = self.w.astype(dtype), self.u.astype(dtype), self.b.astype(dtype)
        h = np.zeros(units, dtype=dtype)
        c = np.zeros(units, dtype=dtype)
        for xt in x.astype(dtype):
            z = _matvec(w, xt, summation) + _matvec(u, h, summation) + b
            i = _activate("sigmoid", z[:units])
            f = _activate("sigmoid", z[units : 2 * units])
            g = np.tanh(z[2 * units : 3 * units])
            o = _activate("sigmoid", z[3 * units :])
            c = f * c + i * g
            h = o * np.tanh(c)
        return h

    def arrays(self) -> tuple[Array, ...]:
        return (self.w, self.u, self.b)


@dataclass(frozen=True, eq=False)
class Model:
    """A sequential model evaluated layer by layer."""

    layers: tuple[Layer, ...]

    def __post_init__(self) -> None:
        if not self.layers:
            raise ParameterError("a model needs at least one layer")

    def forward(
        self,
        x: npt.ArrayLike,
        dtype: type[np.floating] = np.float64,
        summation: Summation = "default",
    ) -> Array:
        return self.trace(x, dtype, summation)[-1]

    def trace(
        self,
        x: npt.ArrayLike,
        dtype: type[np.floating] = np.float64,
        summation: Summation = "default",
    ) -> list[Array]:
        """Outputs of every layer, in order."""
        out: list[Array] = []
        cur = np.asarray(x)
        for layer in self.layers:
            cur = layer.forward(cur, dtype, summation)
            out.append(cur)
        return out

    def encode(self) -> bytes:
        return struct.pack(">BI", 1, len(self.layers)) + b"".join(la.encode() for la in self.layers)

    def commitment(self) -> bytes:
        """The model hash: SHA-256 of the canonical weights under a domain tag."""
        return hashlib.sha256(_MODEL_DST + self.encode()).digest()

    def with_layers(self, layers: Sequence[Layer]) -> Model:
        return Model(tuple(layers))
