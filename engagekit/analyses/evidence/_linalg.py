"""Least-squares pieces shared by the trend choice and the lead model: orthonormal bases and residuals."""

from __future__ import annotations

import numpy as np

__all__ = ["orthonormal", "residualise", "rss"]


def orthonormal(columns: np.ndarray) -> np.ndarray:
    """An orthonormal basis (``n x rank``) of the column space of ``columns``; rank-deficient columns are dropped."""
    if columns.size == 0:
        return np.zeros((columns.shape[0], 0))
    q, r = np.linalg.qr(columns)
    diagonal = np.abs(np.diag(r))
    return q[:, diagonal > 1e-10 * max(1.0, diagonal.max())]


def residualise(basis: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` less their projection on the orthonormal ``basis`` (a vector or the columns of a matrix)."""
    return values - basis @ (basis.T @ values)


def rss(design: np.ndarray, y: np.ndarray) -> float:
    """Residual sum of squares of the least-squares fit of ``y`` on ``design``."""
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return float(resid @ resid)
