"""Property checks pass honest numerical variation and fail tampering."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attestations.examples import (
    sample_images,
    sample_sequences,
    tiny_classifier,
    tiny_sequence_model,
)
from attestations.model import Dense, Model, decode_array, encode_array
from attestations.properties import Claim, LossBound, Reexecution, TopKAgreement
from cryptocore.errors import EncodingError, ParameterError

RID = bytes(range(32))
TOL = Reexecution(atol=1e-5, rtol=1e-4)
MODELS = [
    (tiny_classifier(), sample_images(4)),
    (tiny_sequence_model(), sample_sequences(4)),
]


def _outputs(model: Model, xs: np.ndarray, dtype: type, summation: str) -> np.ndarray:
    return np.stack([model.forward(x, dtype, summation) for x in xs])  # type: ignore[arg-type]


@pytest.mark.parametrize("model,xs", MODELS, ids=["conv-dense", "lstm"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("summation", ["default", "reversed", "blocked"])
def test_honest_results_pass(model: Model, xs: np.ndarray, dtype: type, summation: str) -> None:
    out = _outputs(model, xs, dtype, summation)
    assert Claim(RID, model, xs, out, TOL).validate().passed
    assert Claim(RID, model, xs, out, TopKAgreement(1)).validate().passed
    trace = tuple(
        np.stack([model.trace(x, dtype, summation)[i] for x in xs])  # type: ignore[arg-type]
        for i in range(len(model.layers))
    )
    assert Claim(RID, model, xs, out, TOL, trace=trace).validate().passed


def test_float32_differs_bitwise_but_passes() -> None:
    model, xs = MODELS[0]
    a = _outputs(model, xs, np.float32, "reversed")
    b = _outputs(model, xs, np.float64, "default")
    assert not np.array_equal(a.astype(np.float64), b)  # not bit-for-bit reproducible
    assert Claim(RID, model, xs, a, TOL).validate().passed


@pytest.mark.parametrize("model,xs", MODELS, ids=["conv-dense", "lstm"])
def test_tampered_output_fails(model: Model, xs: np.ndarray) -> None:
    out = _outputs(model, xs, np.float64, "default")
    bad = out.copy()
    bad[1, 0] += 1e-2
    assert not Claim(RID, model, xs, bad, TOL).validate().passed
    nan = out.copy()
    nan[0, 0] = np.nan
    assert not Claim(RID, model, xs, nan, TOL).validate().passed
    assert not Claim(RID, model, xs, out[:, ::-1], TopKAgreement(1)).validate().passed


def test_tampered_model_and_input_fail() -> None:
    model, xs = MODELS[0]
    out = _outputs(model, xs, np.float64, "default")
    last = model.layers[-1]
    assert isinstance(last, Dense)
    w = last.weights.copy()
    w[0, 0] += 0.5
    other = model.with_layers([*model.layers[:-1], Dense(w, last.bias, "softmax")])
    assert other.commitment() != model.commitment()
    assert not Claim(RID, other, xs, out, TOL).validate().passed
    xs2 = xs.copy()
    xs2[0] = 255 - xs2[0]  # a different image for sample 0
    assert not Claim(RID, model, xs2, out, TOL).validate().passed
    c1 = Claim(RID, model, xs, out, TOL)
    c2 = Claim(RID, model, xs2, out, TOL)
    assert c1.input_hash != c2.input_hash


def test_layer_trace_names_the_bad_layer() -> None:
    model, xs = MODELS[0]
    trace = [np.stack([model.trace(x)[i] for x in xs]) for i in range(len(model.layers))]
    trace[1] = trace[1] + 0.5  # corrupt the convolution layer's output
    res = Claim(RID, model, xs, trace[-1], TOL, trace=tuple(trace)).validate()
    assert not res.passed and "layer 1" in res.detail


def test_topk_tolerates_ranking_noise_within_k() -> None:
    model, xs = MODELS[0]
    out = _outputs(model, xs, np.float64, "default")
    second = np.argsort(-out, axis=1)[:, 1]
    swapped = np.zeros_like(out)
    swapped[np.arange(len(xs)), second] = 1.0  # claims the runner-up class everywhere
    assert not Claim(RID, model, xs, swapped, TopKAgreement(1)).validate().passed
    assert Claim(RID, model, xs, swapped, TopKAgreement(2)).validate().passed


def test_loss_bound() -> None:
    model, xs = MODELS[0]
    probs = _outputs(model, xs, np.float64, "default")
    labels = np.argmax(probs, axis=1).astype(np.float64)
    true_loss = float(-np.mean(np.log(probs[np.arange(len(xs)), labels.astype(int)])))
    check = LossBound(tolerance=1e-6)
    assert Claim(RID, model, xs, np.float64(true_loss), check, labels=labels).validate().passed
    assert Claim(RID, model, xs, np.float32(true_loss), check, labels=labels).validate().passed
    low = np.float64(true_loss - 0.1)  # a claimed loss better than the truth
    assert not Claim(RID, model, xs, low, check, labels=labels).validate().passed
    assert not Claim(RID, model, xs, np.float64(true_loss), check).validate().passed
    mse = LossBound(tolerance=1e-9, loss="mse")
    err = float(np.mean((probs - 0.5) ** 2))
    assert (
        Claim(RID, model, xs, np.float64(err), mse, labels=np.full_like(probs, 0.5))
        .validate()
        .passed
    )


@settings(max_examples=25)
@given(
    st.lists(st.floats(allow_nan=False, width=32), min_size=1, max_size=12),
    st.sampled_from([np.float32, np.float64]),
)
def test_array_encoding_round_trips(values: list[float], dtype: type) -> None:
    a = np.asarray(values, dtype=dtype).reshape(1, -1)
    b = decode_array(encode_array(a))
    assert b.dtype == a.dtype and np.array_equal(a, b)
    with pytest.raises(EncodingError):
        decode_array(encode_array(a)[:-1])


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError):
        Reexecution(atol=-1, rtol=0)
    with pytest.raises(ParameterError):
        TopKAgreement(0)
    with pytest.raises(ParameterError):
        LossBound(tolerance=float("nan"))
    with pytest.raises(ParameterError):
        Claim(b"short", MODELS[0][0], MODELS[0][1], MODELS[0][1], TOL)
