"""Granger tests checked against statsmodels' grangercausalitytests, BH by statsmodels and planted leads."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.tsa.api import VAR
from statsmodels.tsa.stattools import grangercausalitytests

import engagekit as ek
from engagekit.analyses.evidence.correlate import detrend
from engagekit.analyses.evidence.granger import GRANGER_COLUMNS, granger_min_days, granger_tests
from paths import SAMPLE

DAYS = pd.date_range("2025-01-01", periods=365, freq="D")


def planted(seed: int = 3, lag: int = 2, effect: float = 0.05) -> tuple[pd.DataFrame, pd.Series]:
    """Clicks lead the KPI by ``lag`` days; shares copy clicks; likes share only the trend."""
    rng = np.random.default_rng(seed)
    trend = 1 + 0.8 * np.arange(len(DAYS)) / 364
    clicks = rng.poisson(200 * trend * rng.lognormal(0, 0.5, len(DAYS)))  # bursty, like real posting
    shares = clicks / 10 + rng.normal(0, 10, len(DAYS))  # a noisy copy of clicks
    likes = rng.poisson(300 * trend)
    kpi = rng.poisson(4 * trend + effect * np.r_[np.zeros(lag), clicks[:-lag]])
    metrics = pd.DataFrame({"link_clicks": clicks, "shares": shares, "reactions": likes}, index=DAYS)
    return metrics, pd.Series(kpi, index=DAYS, name="registration")


def _statsmodels_ssr_f(y: np.ndarray, x: np.ndarray, lag: int) -> tuple[float, float, int, int]:
    result = grangercausalitytests(np.column_stack([y, x]), maxlag=[lag])
    f_stat, p_value, df_denom, df_num = result[lag][0]["ssr_ftest"]
    return f_stat, p_value, int(df_num), int(df_denom)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_pairwise_f_and_p_equal_statsmodels_on_detrended_series():
    metrics, kpi = planted()
    table = granger_tests(metrics, kpi, max_lag=7, conditional=False)
    for row in table.itertuples():
        y, x = detrend(kpi.astype(float)).to_numpy(), detrend(metrics[row.metric].astype(float)).to_numpy()
        f_stat, p_value, df_num, df_denom = _statsmodels_ssr_f(y, x, int(row.lag))
        assert row.f_stat == pytest.approx(f_stat, rel=1e-8)
        assert row.p_value == pytest.approx(p_value, rel=1e-6, abs=1e-300)
        assert (row.df_num, row.df_denom) == (df_num, df_denom)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_first_differences_equal_statsmodels_on_differenced_series():
    metrics, kpi = planted()
    row = granger_tests(metrics[["reactions"]], kpi, max_lag=5, detrend=False, conditional=False).iloc[0]
    y, x = np.diff(kpi.to_numpy(float)), np.diff(metrics["reactions"].to_numpy(float))
    f_stat, p_value, _, _ = _statsmodels_ssr_f(y, x, int(row["lag"]))
    assert row["f_stat"] == pytest.approx(f_stat, rel=1e-8)
    assert row["p_value"] == pytest.approx(p_value, rel=1e-8)


def test_lag_is_the_information_criterion_minimum_over_one_to_max_lag():
    metrics, kpi = planted()
    y, x = detrend(kpi.astype(float)).to_numpy(), detrend(metrics["link_clicks"].astype(float)).to_numpy()
    bic = np.asarray(VAR(np.column_stack([y, x])).select_order(maxlags=10, trend="c").ics["bic"])
    row = granger_tests(metrics[["link_clicks"]], kpi, max_lag=10, ic="bic").iloc[0]
    assert row["lag"] == int(np.argmin(bic[1:]) + 1)
    assert row["lag"] >= 2  # the planted lead needs at least two lags


def test_q_values_are_benjamini_hochberg_across_metrics():
    metrics, kpi = planted()
    table = granger_tests(metrics, kpi, max_lag=7)
    expected = multipletests(table["p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(table["q_value"], expected)
    assert list(table.columns) == GRANGER_COLUMNS


def test_conditional_test_drops_a_metric_that_only_copies_the_driver():
    metrics, kpi = planted()
    pairwise = granger_tests(metrics, kpi, max_lag=7, conditional=False).set_index("metric")
    conditional = granger_tests(metrics, kpi, max_lag=7).set_index("metric")
    assert pairwise.loc["shares", "significant"]
    assert not conditional.loc["shares", "significant"]
    assert conditional.loc["link_clicks", "significant"]


def test_too_short_series_gives_nan_row_with_the_days_needed():
    metrics, kpi = planted()
    short_metrics, short_kpi = metrics.iloc[:25], kpi.iloc[:25]
    table = granger_tests(short_metrics[["reactions"]], short_kpi, max_lag=5)
    # (1 metric + 2) * 5 lags + 11 = 26 days
    assert granger_min_days(5) == 26
    assert table["reason"].iloc[0] == "not enough data: needs at least 26 complete consecutive days, has 25"
    assert np.isnan(table["p_value"].iloc[0]) and np.isnan(table["q_value"].iloc[0])
    assert not table["significant"].iloc[0]


def test_constant_metric_gives_nan_row_and_others_are_still_tested():
    metrics, kpi = planted()
    metrics = metrics.assign(comments=7)
    table = granger_tests(metrics, kpi, max_lag=7).set_index("metric")
    assert table.loc["comments", "reason"] == "constant series: comments does not vary"
    assert np.isnan(table.loc["comments", "p_value"])
    assert table.loc["link_clicks", "significant"]
    # BH runs over the three metrics tested only
    tested = table["p_value"].dropna()
    np.testing.assert_allclose(table.loc[tested.index, "q_value"], multipletests(tested, method="fdr_bh")[1])


def test_bad_options_are_refused_up_front():
    metrics, kpi = planted()
    with pytest.raises(ValueError, match="ic must be one of"):
        granger_tests(metrics, kpi, ic="hqic2")
    with pytest.raises(ValueError, match="max_lag"):
        granger_tests(metrics, kpi, max_lag=0)


def test_sample_link_clicks_precede_registrations_and_likes_comments_do_not():
    analysis = ek.open_analysis(str(SAMPLE))
    dataset, goal = analysis.dataset, analysis.goal
    engagement = ek.daily_engagement(dataset.posts, tz=analysis.tz, start=goal.start, end=goal.end)[list(goal.metrics)]
    table = granger_tests(engagement, ek.kpi_series(dataset, goal)).set_index("metric")
    assert table.loc["link_clicks", "q_value"] < 0.05
    assert table.loc["link_clicks", "lag"] == 2
    assert table.loc["reactions", "q_value"] > 0.05
    assert table.loc["comments", "q_value"] > 0.05


def test_false_positive_rate_of_a_trend_only_metric_stays_near_alpha_across_seeds():
    rejected = [
        granger_tests(*planted(seed=seed), max_lag=7).set_index("metric").loc["reactions", "p_value"] < 0.05
        for seed in range(40)
    ]
    # Binomial(40, 0.05): 7 or more rejections has probability below 0.5%
    assert sum(rejected) <= 6
