"""The learned layer's shared-trunk network (training/mlp.py) and the weights formats.

Synthetic numbers only; no text from the training data or any evaluation set.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.errors import LearnedUnavailable
from engine.privacy.learned import heads
from engine.privacy.learned.heads import HEADS, WEIGHTS_PATH
from engine.privacy.learned.training import cv, mlp

SMALL = mlp.Settings(hidden=8, decay=1e-3, steps=200, rate=0.05)


def _xor_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(11)
    x = rng.randn(300, 6)
    y = np.stack([(x[:, 0] * x[:, 1]) > 0, x[:, 2] > 0.3], axis=1).astype(float)
    return x, y


def test_the_network_is_deterministic_and_learns_what_a_line_cannot() -> None:
    x, y = _xor_data()
    a = mlp.fit_network(x, y, "seed", SMALL)
    b = mlp.fit_network(x.copy(), y.copy(), "seed", SMALL)
    assert a.hidden_w.tobytes() == b.hidden_w.tobytes() and a.b.tobytes() == b.b.tobytes()
    p = a.proba(x)
    assert cv.roc_auc(y[:, 0] > 0, p[:, 0]) > 0.9  # a product of two features: no line does it
    assert cv.roc_auc(y[:, 1] > 0, p[:, 1]) > 0.95
    other = mlp.fit_network(x, y, "another seed", SMALL)
    assert other.hidden_w.tobytes() != a.hidden_w.tobytes()


def test_the_initial_weights_come_from_the_seed_alone() -> None:
    u = mlp.uniform("abc", 1000)
    assert u.tobytes() == mlp.uniform("abc", 1000).tobytes()
    assert -1.0 <= u.min() and u.max() < 1.0 and abs(u.mean()) < 0.1
    assert mlp.seed_of(["a", "b"]) != mlp.seed_of(["b", "a"])


def test_scaling_maps_each_logit() -> None:
    x, y = _xor_data()
    net = mlp.fit_network(x, y, "seed", SMALL)
    a, c = np.array([2.0, 0.5]), np.array([-1.0, 0.25])
    assert np.allclose(net.scaled(a, c).logits(x), net.logits(x) * a + c)


def test_platt_recovers_a_known_scale() -> None:
    rng = np.random.RandomState(3)
    z = rng.randn(4000) * 2.0
    y = rng.rand(4000) < 1.0 / (1.0 + np.exp(-(0.5 * z + 0.2)))
    a, c = mlp.platt(z, y)
    assert 0.4 < a < 0.6 and abs(c) < 0.3  # c absorbs the class balance too


def test_the_network_needs_both_classes_in_every_head() -> None:
    x, y = _xor_data()
    y[:, 1] = 0.0
    with pytest.raises(ValueError, match="both classes"):
        mlp.fit_network(x, y, "seed", SMALL)


def _doc() -> dict:
    return json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))


def _format_2(tmp_path: Path, units: int = 4, silent: bool = False, linear: bool = True) -> Path:
    """The committed (format 1) heads with a hidden layer added, as ``train --network`` writes."""
    doc = _doc()
    dim = int(doc["embedding"]["dim"])
    doc["format"] = 2
    doc["hidden"] = {"units": units, "activation": "tanh", "b": [0.1] * units,
                     "w": [list(mlp.uniform(f"row{i}", dim)) for i in range(units)]}
    for n, head in doc["heads"].items():
        head["v"] = [0.0 if silent else 0.5] * units
        if not linear:
            del head["w"]
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(doc))
    return path


def _vectors(dim: int) -> np.ndarray:
    x = np.random.RandomState(5).randn(3, dim)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_format_2_with_silent_hidden_units_scores_as_format_1(tmp_path: Path) -> None:
    old = heads.load()
    assert old.hidden_w is None
    new = heads.load(_format_2(tmp_path, silent=True))
    assert new.hidden_w is not None and new.hidden_w.shape == (4, old.dim)
    x = _vectors(old.dim)
    assert np.allclose(new.probabilities(x), old.probabilities(x))


def test_format_2_adds_the_hidden_units_to_each_logit(tmp_path: Path) -> None:
    old = heads.load()
    new = heads.load(_format_2(tmp_path))
    x = _vectors(old.dim)
    assert new.hidden_w is not None and new.hidden_b is not None
    extra = np.tanh(x @ new.hidden_w.T + new.hidden_b) @ np.full((4, len(HEADS)), 0.5)
    assert np.allclose(new.logits(x), old.logits(x) + extra)
    p = new.probabilities(x)
    assert p.shape == (3, len(HEADS)) and np.all((p >= 0) & (p <= 1))


def test_format_2_may_leave_out_the_linear_term(tmp_path: Path) -> None:
    h = heads.load(_format_2(tmp_path, linear=False))
    assert not h.weights.any()


def test_hidden_weights_of_the_wrong_shape_are_unavailable(tmp_path: Path) -> None:
    path = _format_2(tmp_path)
    doc = json.loads(path.read_text())
    doc["heads"]["business"]["v"] = doc["heads"]["business"]["v"][:-1]
    path.write_text(json.dumps(doc))
    with pytest.raises(LearnedUnavailable):
        heads.load(path)


def test_a_format_2_file_renders_each_vector_on_one_line(tmp_path: Path) -> None:
    from engine.privacy.learned import train

    doc = json.loads(_format_2(tmp_path).read_text())
    text = train.render(doc)
    assert json.loads(text) == doc
    assert len(text.splitlines()) < 2000  # one line per hidden unit and per head vector
