"""Does an engagement metric precede the KPI? Lagged cross-correlation done honestly.

Two trending series always correlate. So each series is first detrended
(linear trend and day-of-week removed by least squares), then pre-whitened:
an autoregressive filter fitted on the engagement series is applied to both,
so that the engagement series is close to white noise and the
cross-correlation at each lag is not inflated by autocorrelation. Intervals
come from a moving-block bootstrap; p-values from the t distribution of a
correlation; q-values by Benjamini-Hochberg across every metric x lag.
The words are "precedes"/"leads to", never "causes". The correlation
describes; the verdicts come from the joint lead model (:mod:`engagekit.analyses.evidence.verdict`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.tsa.ar_model import ar_select_order

from engagekit.tables.series import as_float
from engagekit.analyses.evidence.trend import weekday_columns

__all__ = ["LaggedCorrelation", "detrend", "minimum_detectable_r", "prewhiten", "raw_correlation"]

RESULT_COLUMNS = ["metric", "lag", "n", "r", "ci_low", "ci_high", "p_value", "q_value", "slope", "sd_ratio", "method"]


def detrend(values: pd.Series, *, weekly: bool = True) -> pd.Series:
    """Residuals of ``values`` after least squares on a linear trend (and day-of-week dummies).

    The index must be daily dates; NA values are left out of the fit and stay NA.
    """
    y = values.astype("float64").to_numpy()
    n = len(y)
    t = np.arange(n, dtype=float)
    columns = [np.ones(n), (t - t.mean()) / max(n, 1)]
    if weekly:
        columns += list(weekday_columns(pd.DatetimeIndex(values.index)).T)
    design = np.column_stack(columns)
    ok = ~np.isnan(y)
    coef, *_ = np.linalg.lstsq(design[ok], y[ok], rcond=None)
    resid = y - design @ coef
    return pd.Series(resid, index=values.index, name=values.name)


def prewhiten(x: pd.Series, y: pd.Series, *, max_order: int = 7) -> tuple[pd.Series, pd.Series, int]:
    """Filter ``x`` and ``y`` with the AR filter that whitens ``x`` (order by AIC up to ``max_order``).

    Returns the filtered ``x``, the filtered ``y`` and the AR order used (0 = no filter).
    """
    xv = np.nan_to_num(x.to_numpy(dtype=float))  # detrended: NA days enter the fit at the mean
    sel = ar_select_order(xv, maxlag=max_order, ic="aic", trend="c")
    lags = sel.ar_lags or []
    if not lags:
        return x, y, 0
    params = sel.model.fit().params
    phi = np.zeros(max(lags) + 1)
    for lag, coef in zip(lags, params[1:]):
        phi[lag] = coef
    order = len(phi) - 1

    def apply(v: pd.Series) -> pd.Series:
        arr = v.to_numpy(dtype=float)
        out = arr.copy()
        for lag in range(1, order + 1):
            out[lag:] -= phi[lag] * arr[:-lag]
        out[:order] = np.nan
        return pd.Series(out, index=v.index, name=v.name)

    return apply(x), apply(y), order


def _pairs(x: np.ndarray, y: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` at t - lag against ``y`` at t, complete pairs only."""
    xs = x[: len(x) - lag] if lag else x
    ys = y[lag:]
    ok = ~(np.isnan(xs) | np.isnan(ys))
    return xs[ok], ys[ok]


def _block_starts(n: int, *, n_boot: int, block: int, rng: np.random.Generator) -> np.ndarray:
    """Block starts of ``n_boot`` moving-block resamples of ``n`` pairs: an ``(n_boot, ceil(n / block))`` array.

    One draw per call, row by row: resample ``b`` is the blocks starting at ``starts[b, 0]``,
    ``starts[b, 1]``, ... laid end to end and cut to ``n`` pairs (the last block keeps only
    its first ``n - (ceil(n / block) - 1) * block`` pairs).
    """
    return rng.integers(0, n - block + 1, size=(n_boot, -(-n // block)))


def _resample_r(x: np.ndarray, y: np.ndarray, starts: np.ndarray, *, block: int) -> np.ndarray:
    """Correlation of ``x`` and ``y`` in each moving-block resample given by the rows of ``starts``.

    A resample's correlation needs only five sums (x, y, x², y², xy) over its pairs,
    and each block adds a window sum that does not depend on the resample. So the
    window sums for every possible start are taken once from cumulative sums, and
    each resample adds up its blocks' window sums: work grows with the number of
    blocks, not of pairs. The series are centred first so the sums of squares do
    not cancel.
    """
    n = len(x)
    xc, yc = x - x.mean(), y - y.mean()
    products = np.stack([xc, yc, xc * xc, yc * yc, xc * yc])
    cumulative = np.zeros((5, n + 1))
    np.cumsum(products, axis=1, out=cumulative[:, 1:])
    n_starts = n - block + 1
    tail = n - (starts.shape[1] - 1) * block  # pairs kept from the last block
    # window sums of a whole block at each start, then of the cut last block at each start
    windows = np.concatenate(
        [cumulative[:, block : block + n_starts] - cumulative[:, :n_starts],
         cumulative[:, tail : tail + n_starts] - cumulative[:, :n_starts]],
        axis=1,
    )
    picks = starts.T.copy()  # (blocks, resamples): the sum over blocks then runs over contiguous rows
    picks[-1] += n_starts
    sx, sy, sxx, syy, sxy = windows[:, picks].sum(axis=1)
    cov = sxy - sx * sy / n
    var_x, var_y = sxx - sx * sx / n, syy - sy * sy / n
    # a resample with one repeated value has no correlation (NaN), not a quotient of rounding errors
    var_x[var_x <= 1e-12 * sxx] = np.nan
    var_y[var_y <= 1e-12 * syy] = np.nan
    return cov / np.sqrt(var_x * var_y)


def _block_bootstrap_r(x: np.ndarray, y: np.ndarray, *, n_boot: int, block: int, rng: np.random.Generator) -> np.ndarray:
    """Correlations of ``n_boot`` moving-block resamples of the pairs ``(x, y)`` (blocks drawn by :func:`_block_starts`)."""
    starts = _block_starts(len(x), n_boot=n_boot, block=block, rng=rng)
    return _resample_r(x, y, starts, block=block)


def minimum_detectable_r(n: int, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest correlation a two-sided test at ``alpha`` detects with ``power`` on ``n`` pairs (Fisher z)."""
    if n <= 4:
        return float("nan")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(np.tanh(z / np.sqrt(n - 3)))


@dataclass(frozen=True)
class LaggedCorrelation:
    """Cross-correlation of each engagement metric at lags 0..``max_lag`` with a KPI.

    Parameters
    ----------
    max_lag
        Largest lag in days (the metric on day t - lag against the KPI on day t).
    weekly
        Remove day-of-week effects along with the linear trend.
    prewhiten
        Apply the AR filter fitted on each metric to both series.
    n_boot
        Bootstrap resamples for the intervals.
    block
        Block length in days for the moving-block bootstrap (default: n ** (1/3), at least 3).
    level
        Confidence level of the intervals.
    seed
        Seed of the bootstrap. The block starts are drawn metric by metric (in column
        order), lag by lag, one ``(n_boot, ceil(n / block))`` array each.

    Call it with a frame of daily series (one column per metric) and the KPI
    series; it returns one row per metric x lag with ``r``, its interval,
    ``p_value``, ``q_value`` (Benjamini-Hochberg over every row), ``n``,
    ``slope`` (KPI units per metric unit on the filtered series) and
    ``sd_ratio`` (the filtered KPI's standard deviation over the metric's:
    what turns a correlation into KPI units per metric unit).
    """

    max_lag: int = 7
    weekly: bool = True
    prewhiten: bool = True
    n_boot: int = 1000
    block: int | None = None
    level: float = 0.95
    seed: int = 0

    @property
    def method(self) -> str:
        steps = ["trend + day of week removed" if self.weekly else "trend removed"]
        if self.prewhiten:
            steps.append("pre-whitened (AR filter of the metric)")
        steps.append(f"moving-block bootstrap {self.level:.0%} CI")
        return "; ".join(steps)

    def __call__(self, metrics: pd.DataFrame, kpi: pd.Series) -> pd.DataFrame:
        rng = np.random.default_rng(self.seed)
        rows = []
        y_raw = as_float(kpi)
        for name in metrics.columns:
            x_raw = as_float(metrics[name])
            both = (x_raw.notna() & y_raw.notna()).to_numpy()
            span = slice(both.argmax(), len(both) - both[::-1].argmax()) if both.any() else slice(0, 0)
            rows += self._one_metric(name, x_raw.iloc[span], y_raw.iloc[span], rng)
        table = pd.DataFrame(rows, columns=RESULT_COLUMNS)
        valid = table["p_value"].notna()
        table["q_value"] = np.nan
        if valid.any():
            table.loc[valid, "q_value"] = stats.false_discovery_control(table.loc[valid, "p_value"], method="bh")
        return table.astype({"lag": "int64", "n": "int64"})

    def _one_metric(self, name: str, x: pd.Series, y: pd.Series, rng: np.random.Generator) -> list[list]:
        days = int((x.notna() & y.notna()).sum())
        if days < 10 or not x.std() > 0 or not y.std() > 0:
            reason = ("too few days" if days < 10
                      else f"constant series: {'the KPI' if not y.std() > 0 else name} does not vary")
            return [[name, lag, days, *[np.nan] * 7, reason] for lag in range(self.max_lag + 1)]
        xd, yd = detrend(x, weekly=self.weekly), detrend(y, weekly=self.weekly)
        order = 0
        if self.prewhiten:
            xd, yd, order = prewhiten(xd, yd)
        method = self.method + (f"; AR({order})" if self.prewhiten else "")
        xa, ya = xd.to_numpy(), yd.to_numpy()
        alpha = 1 - self.level
        out = []
        for lag in range(self.max_lag + 1):
            xs, ys = _pairs(xa, ya, lag)
            n = len(xs)
            r, p = stats.pearsonr(xs, ys)
            block = self.block or max(3, int(round(n ** (1 / 3))))
            boot = _block_bootstrap_r(xs, ys, n_boot=self.n_boot, block=block, rng=rng)
            lo, hi = np.nanquantile(boot, [alpha / 2, 1 - alpha / 2])
            sd_ratio = ys.std() / xs.std()
            out.append([name, lag, n, float(r), float(lo), float(hi), float(p), np.nan, float(r * sd_ratio), float(sd_ratio), method])
        return out


def raw_correlation(x: pd.Series, y: pd.Series, *, freq: str | None = None) -> pd.DataFrame:
    """Pearson correlation of the raw levels: shown only as the cautionary example, never as evidence.

    ``freq`` (e.g. ``"W"``) sums both series per period first; weekly sums show a shared trend
    that day-to-day noise hides.
    """
    if freq is not None:
        x, y = x.resample(freq).sum(min_count=1), y.resample(freq).sum(min_count=1)
    ok = x.notna() & y.notna()
    xs, ys = x[ok].astype(float), y[ok].astype(float)
    res = stats.pearsonr(xs, ys)
    ci = res.confidence_interval(0.95)
    return pd.DataFrame(
        {"r": [float(res.statistic)], "ci_low": [ci.low], "ci_high": [ci.high],
         "p_value": [float(res.pvalue)], "n": [int(ok.sum())],
         "method": [f"raw levels{' per ' + freq if freq else ''} (trending series: misleading)"]}
    )
