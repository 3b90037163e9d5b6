"""Small models and claims that tests and the demo build themselves (no download).

* :func:`tiny_classifier` — Rescale → Conv2D(relu) → Flatten → Dense(relu) → Dense(softmax)
  over 6×6×1 "images", 3 classes.
* :func:`tiny_sequence_model` — LSTM(4 units) → Dense(softmax) over sequences of length 5.
Weights come from a seeded numpy generator, so every run builds the same model (same hash).
"""

from __future__ import annotations

import numpy as np

from attestations.model import LSTM, Array, Conv2D, Dense, Flatten, Model, Rescale

__all__ = ["sample_images", "sample_sequences", "tiny_classifier", "tiny_sequence_model"]


def tiny_classifier(seed: int = 7) -> Model:
    g = np.random.default_rng(seed)
    return Model(
        (
            Rescale(scale=1 / 255, offset=0.0),
            Conv2D(
                kernel=g.normal(0, 0.5, (3, 3, 1, 4)), bias=g.normal(0, 0.1, 4), activation="relu"
            ),
            Flatten(),
            Dense(weights=g.normal(0, 0.3, (64, 16)), bias=g.normal(0, 0.1, 16), activation="relu"),
            Dense(
                weights=g.normal(0, 0.5, (16, 3)), bias=g.normal(0, 0.1, 3), activation="softmax"
            ),
        )
    )


def tiny_sequence_model(seed: int = 11) -> Model:
    g = np.random.default_rng(seed)
    units, dim = 4, 3
    return Model(
        (
            LSTM(
                w=g.normal(0, 0.5, (dim, 4 * units)),
                u=g.normal(0, 0.5, (units, 4 * units)),
                b=g.normal(0, 0.1, 4 * units),
            ),
            Dense(weights=g.normal(0, 0.8, (units, 2)), bias=np.zeros(2), activation="softmax"),
        )
    )


def sample_images(count: int, seed: int = 1) -> Array:
    return np.random.default_rng(seed).integers(0, 256, (count, 6, 6, 1)).astype(np.float64)


def sample_sequences(count: int, seed: int = 2) -> Array:
    return np.random.default_rng(seed).normal(0, 1, (count, 5, 3))
