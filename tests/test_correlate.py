"""Lagged correlation checked against scipy/statsmodels, hand-computed values and a planted lag."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from engagekit.analyses.evidence.correlate import (
    LaggedCorrelation,
    detrend,
    minimum_detectable_r,
    prewhiten,
    raw_correlation,
)

DAYS = pd.date_range("2025-01-01", periods=365, freq="D")


def planted(seed: int = 7, effect: float = 0.05, lag: int = 2) -> tuple[pd.DataFrame, pd.Series]:
    """Clicks drive the KPI ``lag`` days later; likes share only the trend."""
    rng = np.random.default_rng(seed)
    trend = 1 + 0.8 * np.arange(len(DAYS)) / 364
    clicks = rng.poisson(200 * trend)
    likes = rng.poisson(300 * trend)
    kpi = rng.poisson(4 * trend + effect * np.r_[np.zeros(lag), clicks[:-lag]])
    return pd.DataFrame({"link_clicks": clicks, "reactions": likes}, index=DAYS), pd.Series(kpi, index=DAYS)


def test_detrend_removes_trend_and_weekday_exactly():
    weekday = np.array([0, 1, 2, 3, 4, 9, 7])[DAYS.day_of_week]
    series = pd.Series(5 + 0.3 * np.arange(365) + weekday, index=DAYS, dtype=float)
    assert np.abs(detrend(series)).max() < 1e-9


def test_detrend_matches_numpy_polyfit_without_weekday():
    rng = np.random.default_rng(1)
    series = pd.Series(rng.normal(size=365) + 0.1 * np.arange(365), index=DAYS)
    t = np.arange(365)
    expected = series.to_numpy() - np.polyval(np.polyfit(t, series.to_numpy(), 1), t)
    np.testing.assert_allclose(detrend(series, weekly=False).to_numpy(), expected, atol=1e-9)


def test_prewhiten_whitens_an_ar1_series():
    rng = np.random.default_rng(3)
    e = rng.normal(size=2000)
    x = np.zeros(2000)
    for t in range(1, 2000):
        x[t] = 0.7 * x[t - 1] + e[t]
    xs = pd.Series(x)
    fx, fy, order = prewhiten(xs, xs.copy())
    assert order >= 1
    assert abs(np.corrcoef(x[1:], x[:-1])[0, 1]) > 0.6
    filtered = fx.dropna().to_numpy()
    assert abs(np.corrcoef(filtered[1:], filtered[:-1])[0, 1]) < 0.06
    np.testing.assert_allclose(fx.to_numpy(), fy.to_numpy(), equal_nan=True)


def test_r_and_p_match_scipy_on_detrended_pairs():
    metrics, kpi = planted()
    table = LaggedCorrelation(max_lag=3, weekly=False, prewhiten=False, n_boot=50)(metrics, kpi)
    t = np.arange(365)
    resid = lambda v: v - np.polyval(np.polyfit(t, v, 1), t)  # noqa: E731
    x, y = resid(metrics["link_clicks"].to_numpy(float)), resid(kpi.to_numpy(float))
    for lag in range(4):
        expected = stats.pearsonr(x[: 365 - lag], y[lag:])
        row = table.query("metric == 'link_clicks' and lag == @lag").iloc[0]
        assert row["r"] == pytest.approx(expected.statistic, abs=1e-10)
        assert row["p_value"] == pytest.approx(expected.pvalue, rel=1e-8)
        assert row["n"] == 365 - lag


def test_q_values_are_benjamini_hochberg_over_every_metric_and_lag():
    metrics, kpi = planted()
    table = LaggedCorrelation(max_lag=5, n_boot=50)(metrics, kpi)
    expected = multipletests(table["p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(table["q_value"], expected, rtol=1e-10)


def test_bootstrap_interval_contains_estimate_and_is_seeded():
    metrics, kpi = planted()
    a = LaggedCorrelation(max_lag=2, n_boot=300, seed=5)(metrics, kpi)
    b = LaggedCorrelation(max_lag=2, n_boot=300, seed=5)(metrics, kpi)
    pd.testing.assert_frame_equal(a, b)
    assert ((a["ci_low"] <= a["r"]) & (a["r"] <= a["ci_high"])).all()


def test_planted_lag_and_effect_are_recovered():
    metrics, kpi = planted()
    table = LaggedCorrelation(max_lag=7, n_boot=500)(metrics, kpi)
    best = table.loc[table["metric"] == "link_clicks"].sort_values("q_value").iloc[0]
    assert best["lag"] == 2 and best["q_value"] < 0.05
    # the slope on the filtered series estimates the planted 0.05 KPI per click
    assert best["slope"] == pytest.approx(0.05, abs=0.02)


def test_false_discoveries_stay_rare_and_the_planted_lag_is_found_across_seeds():
    found, false_leads = 0, 0
    runs = 60
    for seed in range(runs):
        metrics, kpi = planted(seed=seed, effect=0.12)  # r about 0.35 on a year: power near 1
        table = LaggedCorrelation(max_lag=7, n_boot=20)(metrics, kpi)
        clicks = table.loc[table["metric"] == "link_clicks"].sort_values("q_value").iloc[0]
        found += clicks["q_value"] < 0.05 and clicks["lag"] == 2
        false_leads += (table.loc[table["metric"] == "reactions", "q_value"] < 0.05).any()
    assert found >= 0.95 * runs
    # eight null tests per run under BH at 5%: a chance lead in well under a fifth of the runs
    assert false_leads <= 0.15 * runs


def test_raw_levels_correlate_though_likes_do_nothing():
    metrics, kpi = planted()
    raw = raw_correlation(metrics["reactions"], kpi)
    assert raw["r"].iloc[0] > 0.4  # the shared trend alone
    honest = LaggedCorrelation(max_lag=0, n_boot=50)(metrics[["reactions"]], kpi)
    assert abs(honest["r"].iloc[0]) < 0.15


def test_minimum_detectable_r_by_hand():
    # tanh((1.959964 + 0.841621) / sqrt(97)) = tanh(0.284458) = 0.27709
    assert minimum_detectable_r(100) == pytest.approx(0.27709, abs=1e-4)


def test_too_few_days_gives_nan_rows_and_not_enough_data():
    metrics, kpi = planted()
    table = LaggedCorrelation(max_lag=2, n_boot=50)(metrics.iloc[:8], kpi.iloc[:8])
    assert table["r"].isna().all()
    assert (table["method"] == "too few days").all()


def test_missing_kpi_days_are_left_out_not_zero():
    metrics, kpi = planted()
    kpi = kpi.astype("Float64")
    kpi.iloc[:30] = pd.NA  # the KPI export starts a month later
    table = LaggedCorrelation(max_lag=1, n_boot=50)(metrics, kpi)
    assert table.loc[table["lag"] == 0, "n"].iloc[0] <= 335


def reference_resample_r(x: np.ndarray, y: np.ndarray, starts: np.ndarray, block: int) -> np.ndarray:
    """A loop per resample: lay the drawn blocks end to end, cut to n pairs, correlate with numpy."""
    n = len(x)
    out = []
    for row in starts:
        idx = np.concatenate([np.arange(s, s + block) for s in row])[:n]
        out.append(np.corrcoef(x[idx], y[idx])[0, 1])
    return np.array(out)


@pytest.mark.parametrize("n, block", [(120, 5), (121, 5), (97, 7)])  # n a multiple of the block, or a cut last block
def test_block_bootstrap_matches_a_loop_per_resample_on_the_same_draws(n, block):
    from engagekit.analyses.evidence.correlate import _block_bootstrap_r, _block_starts, _resample_r

    rng = np.random.default_rng(4)
    x = rng.normal(size=n).cumsum() + 50  # autocorrelated and far from zero: the sums must not cancel
    y = 0.5 * x + rng.normal(size=n)
    starts = _block_starts(n, n_boot=200, block=block, rng=np.random.default_rng(9))
    assert starts.shape == (200, -(-n // block)) and starts.min() >= 0 and starts.max() <= n - block
    expected = reference_resample_r(x, y, starts, block)
    np.testing.assert_allclose(_resample_r(x, y, starts, block=block), expected, rtol=1e-9)
    # the seeded helper draws exactly these starts, so its interval is the reference interval
    boot = _block_bootstrap_r(x, y, n_boot=200, block=block, rng=np.random.default_rng(9))
    np.testing.assert_allclose(np.quantile(boot, [0.025, 0.975]), np.quantile(expected, [0.025, 0.975]), rtol=1e-9)


def test_resample_with_one_repeated_value_gives_nan_not_noise():
    from engagekit.analyses.evidence.correlate import _resample_r

    x = np.r_[np.full(5, 3.0), np.arange(5.0)]
    y = np.arange(10.0) ** 1.5
    starts = np.array([[0, 0], [5, 5]])  # first resample: x constant; second: the last five pairs twice
    r = _resample_r(x, y, starts, block=5)
    assert np.isnan(r[0])
    assert r[1] == pytest.approx(np.corrcoef(np.arange(5.0), y[5:])[0, 1], rel=1e-12)


def test_block_bootstrap_interval_covers_the_true_correlation_about_95_percent():
    from engagekit.analyses.evidence.correlate import _block_bootstrap_r

    rng = np.random.default_rng(21)
    rho, phi, n, pairs = 0.5, 0.5, 300, 200
    covered = 0
    for _ in range(pairs):
        shocks = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n + 50)
        series = np.zeros((n + 50, 2))
        for t in range(1, n + 50):  # the same AR(1) on both: corr(x_t, y_t) = rho exactly
            series[t] = phi * series[t - 1] + shocks[t]
        x, y = series[50:, 0], series[50:, 1]
        boot = _block_bootstrap_r(x, y, n_boot=400, block=7, rng=rng)
        low, high = np.nanquantile(boot, [0.025, 0.975])
        covered += low <= rho <= high
    # 200 intervals: the standard error of a 95% coverage is 1.5 points
    assert 0.90 <= covered / pairs <= 0.99







def test_a_constant_metric_gets_nan_estimates_and_the_reason():
    metrics, kpi = planted()
    metrics["shares"] = 4
    table = LaggedCorrelation(max_lag=2, n_boot=50)(metrics, kpi)
    shares = table.loc[table["metric"] == "shares"]
    assert shares["r"].isna().all() and (shares["method"] == "constant series: shares does not vary").all()


def test_a_constant_kpi_is_named_as_the_series_that_does_not_vary():
    metrics, kpi = planted()
    table = LaggedCorrelation(max_lag=1, n_boot=50)(metrics, kpi * 0 + 3)
    assert set(table["method"]) == {"constant series: the KPI does not vary"}
