"""Speed of LaggedCorrelation (moving-block bootstrap intervals) against the former bootstrap, in one run.

    python bench/bench_correlate.py [--repeat 5] [--metrics 50] [--days 730] [--max-lag 28] [--n-boot 1000]

Builds ``--days`` days of ``--metrics`` random engagement metrics (AR(1) noise
+ linear trend + weekly pattern, fixed seed) and a KPI, then times
``LaggedCorrelation(max_lag=..., n_boot=...)`` as it is and with the former
bootstrap (one gather of every resampled pair, kept below as the baseline),
each the median of ``--repeat`` runs taken in turns. Both draw the same block
starts, so their tables must agree to rounding; the script checks that. Goal:
50 metrics x lags 0..28 x 1,000 resamples on 730 days in under 5 s.
"""

from __future__ import annotations

import argparse
from unittest import mock

import numpy as np
import pandas as pd

import engagekit.analyses.evidence.correlate as correlate
from engagekit.analyses.evidence.correlate import LaggedCorrelation

from _timing import median_seconds

GOAL_SECONDS = 5.0


def baseline_block_bootstrap_r(x: np.ndarray, y: np.ndarray, *, n_boot: int, block: int, rng: np.random.Generator) -> np.ndarray:
    """The former bootstrap: gathers all ``n_boot x n`` resampled pairs, then correlates them."""
    n = len(x)
    starts = rng.integers(0, n - block + 1, size=(n_boot, -(-n // block)))
    idx = (starts[:, :, None] + np.arange(block)).reshape(n_boot, -1)[:, :n]
    xb, yb = x[idx], y[idx]
    xb = xb - xb.mean(axis=1, keepdims=True)
    yb = yb - yb.mean(axis=1, keepdims=True)
    den = np.sqrt((xb**2).sum(axis=1) * (yb**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (xb * yb).sum(axis=1) / den


def make_data(metrics: int, days: int, seed: int = 11) -> tuple[pd.DataFrame, pd.Series]:
    """``metrics`` daily series (AR(1) noise + trend + weekly pattern) and a KPI, on ``days`` days."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=days, freq="D")
    t = np.arange(days)
    weekly = np.sin(2 * np.pi * t / 7)
    columns = {}
    for i in range(metrics):
        noise = np.zeros(days)
        shocks = rng.normal(size=days)
        phi = rng.uniform(0.2, 0.8)
        for day in range(1, days):
            noise[day] = phi * noise[day - 1] + shocks[day]
        columns[f"metric_{i:02d}"] = 100 + rng.uniform(0, 0.1) * t + rng.uniform(0, 10) * weekly + 10 * noise
    frame = pd.DataFrame(columns, index=index)
    kpi = 20 + 0.01 * t + 2 * weekly + 0.05 * frame.iloc[:, 0].shift(3, fill_value=100).to_numpy() + rng.normal(size=days)
    return frame, pd.Series(kpi, index=index, name="kpi")



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--metrics", type=int, default=50)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--max-lag", type=int, default=28)
    parser.add_argument("--n-boot", type=int, default=1000)
    args = parser.parse_args()

    metrics, kpi = make_data(args.metrics, args.days)
    analysis = LaggedCorrelation(max_lag=args.max_lag, n_boot=args.n_boot, seed=0)

    def baseline() -> pd.DataFrame:
        with mock.patch.object(correlate, "_block_bootstrap_r", baseline_block_bootstrap_r):
            return analysis(metrics, kpi)

    ours_table, base_table = analysis(metrics, kpi), baseline()
    pd.testing.assert_frame_equal(ours_table, base_table, check_exact=False, rtol=1e-9, atol=1e-12)
    ours, base = median_seconds([lambda: analysis(metrics, kpi), baseline], args.repeat)
    rows = len(ours_table)
    print(f"{args.metrics} metrics x lags 0..{args.max_lag} x {args.n_boot} resamples on {args.days} days "
          f"({rows} rows), median of {args.repeat} runs")
    print(f"{'implementation':<16}{'seconds':>9}{'vs goal':>9}")
    print(f"{'engagekit':<16}{ours:>9.3f}{ours / GOAL_SECONDS:>9.2f}")
    print(f"{'baseline':<16}{base:>9.3f}{base / GOAL_SECONDS:>9.2f}")
    print(f"speed-up {base / ours:.1f}x; goal {GOAL_SECONDS:.0f} s: {'met' if ours < GOAL_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
