"""L2-regularised logistic regression by Newton's method (numpy only).

Newton on a strictly convex objective converges to the one optimum to machine precision in a
few steps, whatever the starting point or the BLAS underneath: that is what lets the training
script rebuild the committed weights bit-for-bit after rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Linear:
    w: np.ndarray  # (dim,) over raw (unstandardised) features
    b: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        return x @ self.w + self.b

    def proba(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -40.0, 40.0)))


def balanced_weights(y: np.ndarray) -> np.ndarray:
    """Each class gets half the total weight, so rare positives are not ignored."""
    pos = float(y.sum())
    neg = float(len(y) - pos)
    if pos == 0 or neg == 0:
        raise ValueError("both classes are needed to fit a classifier")
    return np.where(y > 0, 0.5 * len(y) / pos, 0.5 * len(y) / neg)


def _objective(z: np.ndarray, y: np.ndarray, s: np.ndarray, theta: np.ndarray,
               lam: float) -> float:
    # log(1 + e^z) - y z, computed without overflow
    loss = np.logaddexp(0.0, z) - y * z
    return float(s @ loss) / float(s.sum()) + 0.5 * lam * float(theta[:-1] @ theta[:-1])


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float, sample_weight: np.ndarray | None = None,
                 max_iter: int = 60) -> Linear:
    """Minimise mean weighted log-loss + ||w||² / (2·c·n) on standardised features.

    ``c`` plays the role of scikit-learn's C (larger = weaker penalty). Features are centred
    and scaled here and the scaling is folded back into the returned weights.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    s = balanced_weights(y) if sample_weight is None else np.asarray(sample_weight, np.float64)
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd < 1e-12] = 1.0
    xs = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    n, d = xs.shape
    lam = 1.0 / (c * n)
    total = float(s.sum())
    theta = np.zeros(d)
    ridge = np.full(d, lam)
    ridge[-1] = 1e-10  # the bias is not penalised; a tiny ridge keeps the system solvable
    z = xs @ theta
    f = _objective(z, y, s, theta, lam)
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-z))
        grad = xs.T @ (s * (p - y)) / total
        grad[:-1] += lam * theta[:-1]
        hess = (xs.T * (s * p * (1.0 - p) / total)) @ xs + np.diag(ridge)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while True:  # backtracking keeps each step a descent step far from the optimum
            cand = theta - t * step
            zc = xs @ cand
            fc = _objective(zc, y, s, cand, lam)
            if fc <= f - 1e-4 * t * float(grad @ step) or t < 1e-8:
                break
            t *= 0.5
        theta, z, f = cand, zc, fc
        if float(np.max(np.abs(t * step))) < 1e-13:
            break
    w = theta[:-1] / sd
    return Linear(w=w, b=float(theta[-1] - w @ mu))
