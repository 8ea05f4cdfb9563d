"""The trend of a daily series, chosen by the data: a straight line, a line that bends, or a smooth curve.

Two series that share a trend always correlate, and a trend removed wrongly
leaves a shared residual that looks like a lead. :func:`choose_trend` lets the
data choose, by AIC, among

* a straight line;
* piecewise linear with 1 to 6 breaks (a kink, a launch, a bump made of
  straight pieces), the breaks placed by least squares at least four weeks
  apart, so that a trend never follows a one- or two-week dip (a posting
  break, whose dip in the KPI is evidence, not trend);
* a smooth natural cubic spline with 3 to 40 degrees of freedom (at most one
  per month of data): growth that accelerates, an annual bump.

The chosen trend is named in words ("piecewise linear, 1 break (2025-03-04)")
so a report can say which it used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engagekit.analyses.evidence._linalg import orthonormal, residualise, rss

__all__ = ["TREND_COLUMNS", "choose_trend", "natural_spline", "weekday_columns"]

TREND_COLUMNS = ["trend", "kind", "parameters", "aic", "chosen"]

MAX_BREAKS = 6
BREAK_SPACING_DAYS = 28
SPLINE_DF = (3, 4, 6, 8, 11, 15, 20, 25, 30, 40)


def natural_spline(t: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Natural cubic spline basis on ``knots`` without the constant: ``len(knots) - 1`` standardised columns."""
    def d(k: int) -> np.ndarray:
        return (np.clip(t - knots[k], 0, None) ** 3 - np.clip(t - knots[-1], 0, None) ** 3) / (knots[-1] - knots[k])

    basis = np.column_stack([t] + [d(k) - d(len(knots) - 2) for k in range(len(knots) - 2)])
    sd = basis.std(axis=0)
    return (basis - basis.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def weekday_columns(dates: pd.DatetimeIndex) -> np.ndarray:
    """Six day-of-week indicators (Tuesday to Sunday; Monday is the reference)."""
    dow = dates.day_of_week.to_numpy()
    return np.column_stack([(dow == d).astype(float) for d in range(1, 7)])


def _hinges(t: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    return np.clip(t[:, None] - t[np.asarray(breaks, dtype=int)][None, :], 0, None)


def _best_breaks(y: np.ndarray, fixed: np.ndarray, t: np.ndarray, most: int, *, spacing: int) -> list[list[int]]:
    """Breakpoints (day indices) of piecewise-linear trends with 1..``most`` breaks, placed by least squares.

    Breaks are added one at a time where they lower the residual sum of squares most (every day
    but the first and last 3% of the period is tried, at least ``spacing`` days from the breaks
    already placed); after each addition every break moves day by day while that lowers it.
    """
    n = len(y)
    days = np.arange(max(2, int(0.03 * n)), min(n - 2, int(0.97 * n)))
    found: list[int] = []
    out = []

    def fit(breaks: list[int]) -> float:
        return rss(np.hstack([fixed, _hinges(t, np.array(breaks))]), y)

    for _ in range(most):
        q = orthonormal(np.hstack([fixed, _hinges(t, np.array(found))]) if found else fixed)
        yr = residualise(q, y)
        h = residualise(q, _hinges(t, days))
        norms = (h * h).sum(axis=0)
        gain = np.where(norms > 1e-9 * norms.max(), (h.T @ yr) ** 2 / np.where(norms > 0, norms, 1.0), 0.0)
        for b in found:
            gain[np.abs(days - b) < spacing] = 0.0
        if not gain.max() > 0:
            break
        found = sorted(found + [int(days[int(np.argmax(gain))])])
        best = fit(found)
        improved = True
        while improved:
            improved = False
            for i in range(len(found)):
                for step in (-1, 1):
                    trial = sorted(found[:i] + [found[i] + step] + found[i + 1:])
                    if not days[0] <= found[i] + step <= days[-1] or np.min(np.diff(trial), initial=spacing) < spacing:
                        continue
                    value = fit(trial)
                    if value < best - 1e-9 * max(best, 1.0):
                        found, best, improved = trial, value, True
        out.append(list(found))
    return out


def choose_trend(
    y: np.ndarray,
    *,
    dates: pd.DatetimeIndex,
    weekly: bool = True,
    covariates: np.ndarray | None = None,
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Choose the trend of the daily series ``y`` by AIC.

    Each candidate (see the module docstring) is fitted by least squares with
    a constant, the weekday pattern (``weekly``) and ``covariates`` (e.g. the
    fast part of the engagement, so that the KPI's dips during posting breaks
    are not taken for trend); the lowest ``n * ln(RSS / n) + 2 * parameters``
    wins, each break counting two parameters (its place and its change of
    slope).

    Parameters
    ----------
    y
        The daily values, consecutive days.
    dates
        Their dates (for the weekday pattern and the breaks' names).
    weekly
        Fit the day-of-week pattern along with each trend.
    covariates
        Further columns fitted along with each trend.

    Returns
    -------
    table : pandas.DataFrame
        One row per candidate, columns :data:`TREND_COLUMNS`, the chosen one flagged.
    basis : numpy.ndarray
        The chosen trend's columns (without the constant).
    name : str
        The chosen trend in words.
    """
    n = len(y)
    t = np.linspace(0.0, 1.0, n)
    fixed = [np.ones((n, 1))] + ([weekday_columns(dates)] if weekly else [])
    if covariates is not None and covariates.size:
        fixed.append(covariates)
    fixed_design = np.hstack(fixed)
    candidates: list[tuple[str, str, int, np.ndarray]] = [("linear", "linear", 1, t[:, None] - 0.5)]
    most = min(MAX_BREAKS, n // (2 * BREAK_SPACING_DAYS))
    for breaks in _best_breaks(y, np.hstack([fixed_design, t[:, None]]), t, most, spacing=BREAK_SPACING_DAYS):
        words = ", ".join(f"{dates[b]:%Y-%m-%d}" for b in breaks)
        candidates.append((f"piecewise linear, {len(breaks)} {'break' if len(breaks) == 1 else 'breaks'} ({words})",
                           "piecewise linear", 1 + 2 * len(breaks), np.column_stack([t - 0.5, _hinges(t, np.array(breaks))])))
    for df in SPLINE_DF:
        if df > max(3, n // 30):
            break
        knots = np.quantile(t, np.linspace(0, 1, df + 1))
        candidates.append((f"smooth (natural spline, {df} degrees of freedom)", "smooth", df, natural_spline(t, knots)))
    rows = [{"trend": name, "kind": kind, "parameters": params,
             "aic": n * np.log(max(rss(np.hstack([fixed_design, basis]), y), 1e-300) / n) + 2 * (params + fixed_design.shape[1])}
            for name, kind, params, basis in candidates]
    table = pd.DataFrame(rows, columns=TREND_COLUMNS[:-1])
    best = int(table["aic"].idxmin())
    table["chosen"] = table.index == best
    return table.astype({"trend": "str", "kind": "str", "parameters": "int64", "aic": "float64"}), candidates[best][3], \
        str(table.loc[best, "trend"])
