"""A small shared-trunk network over the embedding (numpy only, deterministic).

One hidden layer of tanh units shared by all heads, and per head a logit that adds the
units' output weights to a linear term over the embedding (so a head is never forced through
the bottleneck). Fitted full-batch: class-balanced log-loss per head (each head's positives and
negatives weigh half of it, as in :mod:`fit`), L2 weight decay, Adam with a cosine schedule
for a fixed number of steps. Nothing is random: the initial weights come from SHA-256 of a
seed string derived from the training texts, the batch is the whole set in file order, and
with one BLAS thread each step is the same sum in the same order — so the training script
rebuilds the same weights. After the fit, each head's logit gets a Platt scale (a, c) fitted
on the out-of-fold logits, so a probability of the network means what a probability of the
earlier logistic heads meant and the policy's thresholds keep their sense.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from engine.privacy.learned.training.fit import fit_logistic


@dataclass(frozen=True)
class Settings:
    hidden: int = 64
    decay: float = 1e-3  # L2 on all weights (not biases), per unit of the mean loss
    steps: int = 300
    rate: float = 0.01  # Adam's step size at the start of the cosine schedule
    linear: bool = False  # per-head linear term over the embedding beside the hidden units


@dataclass(frozen=True)
class Network:
    """Weights over the raw embedding (standardisation folded in)."""

    hidden_w: np.ndarray  # (units, dim)
    hidden_b: np.ndarray  # (units,)
    out_w: np.ndarray  # (heads, units)
    w: np.ndarray  # (heads, dim) linear term (zeros without one)
    b: np.ndarray  # (heads,)

    def logits(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return np.tanh(x @ self.hidden_w.T + self.hidden_b) @ self.out_w.T + x @ self.w.T + self.b

    def proba(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -40.0, 40.0)))

    def scaled(self, a: np.ndarray, c: np.ndarray) -> "Network":
        """The same network with each head's logit mapped to a·logit + c."""
        return Network(self.hidden_w, self.hidden_b, self.out_w * a[:, None], self.w * a[:, None],
                       self.b * a + c)


def seed_of(texts: list[str]) -> str:
    """A seed string from the training texts themselves (no clock, no generator state)."""
    digest = hashlib.sha256()
    for t in texts:
        digest.update(hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest())
    return digest.hexdigest()


def uniform(seed: str, n: int) -> np.ndarray:
    """n numbers in [-1, 1) from SHA-256 in counter mode: the same on every machine."""
    out = bytearray()
    i = 0
    while len(out) < 4 * n:
        out += hashlib.sha256(f"{seed}:{i}".encode()).digest()
        i += 1
    return np.frombuffer(bytes(out[:4 * n]), dtype="<u4").astype(np.float64) / 2.0 ** 31 - 1.0


def _balanced(y: np.ndarray) -> np.ndarray:
    """(n, heads) sample weights: each head's classes weigh half of that head's mean loss."""
    n = len(y)
    pos = y.sum(axis=0)
    neg = n - pos
    if np.any(pos == 0) or np.any(neg == 0):
        raise ValueError("both classes are needed for every head")
    return np.where(y > 0, 0.5 / pos, 0.5 / neg)


def fit_network(x: np.ndarray, y: np.ndarray, seed: str, s: Settings = Settings()) -> Network:
    """Fit on (n, dim) embeddings and (n, heads) 0/1 labels."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = x.shape
    k = y.shape[1]
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd < 1e-12] = 1.0
    xs = (x - mu) / sd
    weight = _balanced(y)
    params = [uniform(seed + "/hidden", d * s.hidden).reshape(d, s.hidden) * np.sqrt(3.0 / d),
              np.zeros(s.hidden),
              uniform(seed + "/out", s.hidden * k).reshape(s.hidden, k) * np.sqrt(3.0 / s.hidden),
              np.zeros(k),
              np.zeros((d, k))]
    decayed = (True, False, True, False, True)
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    beta1, beta2 = 0.9, 0.999
    for t in range(1, s.steps + 1):
        w1, b1, w2, b2, lin = params
        h = np.tanh(xs @ w1 + b1)
        z = h @ w2 + b2
        if s.linear:
            z = z + xs @ lin
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))
        gz = weight * (p - y)
        ga = (gz @ w2.T) * (1.0 - h * h)
        grads = [xs.T @ ga, ga.sum(axis=0), h.T @ gz, gz.sum(axis=0),
                 xs.T @ gz if s.linear else np.zeros_like(lin)]
        rate = s.rate * 0.5 * (1.0 + np.cos(np.pi * (t - 1) / s.steps))
        for i, g in enumerate(grads):
            if decayed[i]:
                g = g + s.decay * params[i]
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            params[i] = params[i] - rate * (m[i] / (1.0 - beta1 ** t)) / (
                np.sqrt(v[i] / (1.0 - beta2 ** t)) + 1e-8)
    w1, b1, w2, b2, lin = params
    hidden_w = (w1 / sd[:, None]).T
    linear_w = (lin / sd[:, None]).T
    return Network(hidden_w=hidden_w, hidden_b=b1 - mu @ hidden_w.T, out_w=w2.T.copy(),
                   w=linear_w, b=b2 - linear_w @ mu)


def platt(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, c) so that sigmoid(a·logit + c) is a class-balanced probability, fitted by the same
    Newton logistic regression as the linear heads (almost unpenalised: two numbers)."""
    model = fit_logistic(np.asarray(logits, dtype=np.float64)[:, None], y, c=1e4)
    return float(model.w[0]), float(model.b)
