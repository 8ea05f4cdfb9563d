"""Adstock, decay recovery, HAC regression against statsmodels, collinearity, and the sample's planted lead."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import engagekit as ek
from engagekit.analyses.evidence.carryover import (
    CARRYOVER_COLUMNS,
    adstock,
    carryover_regression,
    collinearity,
    fit_adstock,
    half_life,
    newey_west_maxlags,
)
from paths import SAMPLE

DAYS = pd.date_range("2025-01-06", periods=300, freq="D")  # starts on a Monday


def carried(decay: float = 0.6, effect: float = 0.1, seed: int = 11) -> tuple[pd.Series, pd.Series]:
    """A KPI driven by the geometric adstock of a bursty metric, plus trend and noise."""
    rng = np.random.default_rng(seed)
    metric = pd.Series(rng.poisson(50 * rng.lognormal(0, 0.8, len(DAYS))).astype(float), index=DAYS, name="link_clicks")
    stock = np.zeros(len(DAYS))
    for t in range(len(DAYS)):
        stock[t] = metric.iloc[t] + (decay * stock[t - 1] if t else 0.0)
    kpi = pd.Series(5 + 0.01 * np.arange(len(DAYS)) + effect * stock + rng.normal(0, 2, len(DAYS)), index=DAYS)
    return metric, kpi


def test_adstock_by_hand_and_missing_days_add_nothing():
    x = pd.Series([1.0, 0.0, 0.0, 2.0, np.nan, 1.0], index=DAYS[:6], name="m")
    out = adstock(x, 0.5)
    np.testing.assert_allclose(out.to_numpy(), [1.0, 0.5, 0.25, 2.125, np.nan, 1 + 0.25 * 2.125])
    assert out.name == "m" and out.index.equals(x.index)
    np.testing.assert_allclose(adstock(np.array([3.0, 1.0]), 0.0), [3.0, 1.0])


def test_adstock_refuses_a_decay_outside_zero_one():
    with pytest.raises(ValueError, match=r"decay must lie in \[0, 1\)"):
        adstock(np.ones(3), 1.0)


def test_half_life_is_ln_half_over_ln_decay():
    assert half_life(0.5) == pytest.approx(1.0)
    assert half_life(0.8) == pytest.approx(np.log(0.5) / np.log(0.8))
    assert half_life(0.0) == 0.0


def test_fit_adstock_recovers_a_known_decay_and_its_interval_covers_it():
    metric, kpi = carried(decay=0.6)
    row = fit_adstock(metric, kpi, decays=np.linspace(0, 0.95, 96)).iloc[0]
    assert row["decay"] == pytest.approx(0.6, abs=0.03)
    assert row["decay_ci_low"] <= 0.6 <= row["decay_ci_high"]
    assert row["estimate"] == pytest.approx(0.1, rel=0.1)
    assert row["half_life"] == pytest.approx(half_life(row["decay"]))
    assert row["reason"] == ""


def test_fit_adstock_picks_the_smallest_residual_sum_of_squares_on_the_grid():
    metric, kpi = carried(decay=0.3)
    grid = [0.0, 0.3, 0.7]
    t = np.arange(len(DAYS), dtype=float)
    dummies = [(DAYS.day_of_week == d).astype(float) for d in range(1, 7)]
    rss = [sm.OLS(kpi.to_numpy(), np.column_stack([np.ones(len(t)), t, *dummies, adstock(metric, d).to_numpy()])).fit().ssr
           for d in grid]
    assert fit_adstock(metric, kpi, decays=grid).iloc[0]["decay"] == grid[int(np.argmin(rss))]


def test_fit_adstock_constant_metric_gives_nan_with_reason():
    metric, kpi = carried()
    row = fit_adstock(metric * 0 + 3, kpi).iloc[0]
    assert np.isnan(row["decay"]) and row["reason"] == "constant series: link_clicks does not vary"


def test_hac_standard_errors_equal_statsmodels_directly():
    metric, kpi = carried(decay=0.0)
    other = pd.Series(np.random.default_rng(5).normal(size=len(DAYS)), index=DAYS)
    metrics = pd.DataFrame({"link_clicks": metric, "reactions": other})
    table = carryover_regression(metrics, kpi, lags={"link_clicks": 1}, controls=("trend",), maxlags=4).set_index("term")
    design = pd.DataFrame({"const": 1.0, "link_clicks": metric.shift(1), "reactions": other,
                           "trend": np.arange(len(DAYS), dtype=float)}).iloc[1:]
    fit = sm.OLS(kpi.iloc[1:], design).fit(cov_type="HAC", cov_kwds={"maxlags": 4})
    for term in design.columns:
        assert table.loc[term, "estimate"] == pytest.approx(fit.params[term], rel=1e-9)
        assert table.loc[term, "std_error"] == pytest.approx(fit.bse[term], rel=1e-9)
        assert table.loc[term, "p_value"] == pytest.approx(fit.pvalues[term], rel=1e-9)
    assert table.loc["link_clicks", "ci_low"] == pytest.approx(fit.conf_int().loc["link_clicks", 0], rel=1e-9)
    assert (table["n"] == len(DAYS) - 1).all()


def test_default_hac_lags_follow_the_newey_west_rule():
    assert newey_west_maxlags(363) == 5  # floor(4 * 3.63 ** (2/9)) = floor(5.32)
    assert newey_west_maxlags(100) == 4
    metric, kpi = carried(decay=0.0)
    table = carryover_regression(metric.to_frame(), kpi, controls=()).set_index("term")
    fit = sm.OLS(kpi, sm.add_constant(metric)).fit(cov_type="HAC", cov_kwds={"maxlags": newey_west_maxlags(len(DAYS))})
    assert table.loc["link_clicks", "std_error"] == pytest.approx(fit.bse["link_clicks"], rel=1e-9)


def test_extra_controls_enter_the_regression_and_columns_are_fixed():
    metric, kpi = carried(decay=0.0)
    promo = pd.DataFrame({"promotion": (np.arange(len(DAYS)) % 30 < 3).astype(float)}, index=DAYS)
    table = carryover_regression(metric.to_frame(), kpi + 10 * promo["promotion"], extra_controls=promo)
    assert list(table.columns) == CARRYOVER_COLUMNS
    row = table.set_index("term").loc["promotion"]
    assert row["role"] == "control" and row["ci_low"] <= 10 <= row["ci_high"]


def test_constant_metric_row_is_nan_with_reason_and_unknown_control_is_refused():
    metric, kpi = carried(decay=0.0)
    metrics = pd.DataFrame({"link_clicks": metric, "comments": 0.0})
    table = carryover_regression(metrics, kpi).set_index("term")
    assert np.isnan(table.loc["comments", "estimate"])
    assert table.loc["comments", "reason"] == "constant series: comments does not vary on the 300 days used"
    assert table.loc["link_clicks", "reason"] == ""
    with pytest.raises(ValueError, match="unknown controls"):
        carryover_regression(metrics, kpi, controls=("season",))


def test_near_copies_have_a_large_vif_and_are_named_together():
    rng = np.random.default_rng(2)
    likes = rng.poisson(100, 200).astype(float)
    metrics = pd.DataFrame({"likes": likes, "reactions": likes + rng.normal(0, 1, 200),
                            "comments": rng.poisson(10, 200).astype(float)})
    report = collinearity(metrics)
    vif = report.vif.set_index("metric")["vif"]
    r2 = sm.OLS(metrics["likes"], sm.add_constant(metrics[["reactions", "comments"]])).fit().rsquared
    assert vif["likes"] == pytest.approx(1 / (1 - r2), rel=1e-9)
    assert vif["likes"] > 50 and vif["comments"] < 2
    assert report.pairs[["metric_a", "metric_b"]].values.tolist() == [["likes", "reactions"]]
    assert "likes and reactions move together" in report.note


def test_sample_link_clicks_at_lag_two_cover_the_planted_effect_and_reactions_do_not_matter():
    analysis = ek.open_analysis(str(SAMPLE))
    dataset, goal = analysis.dataset, analysis.goal
    engagement = ek.daily_engagement(dataset.posts, tz=analysis.tz, start=goal.start, end=goal.end)[list(goal.metrics)]
    table = carryover_regression(engagement, ek.kpi_series(dataset, goal), lags={"link_clicks": 2}).set_index("term")
    clicks = table.loc["link_clicks"]
    assert clicks["estimate"] > 0 and clicks["ci_low"] <= 0.05 <= clicks["ci_high"]
    assert table.loc["reactions", "p_value"] > 0.05


def test_metric_rows_get_benjamini_hochberg_q_values_and_controls_none():
    from scipy import stats as scipy_stats

    rng = np.random.default_rng(12)
    days = pd.date_range("2025-01-01", periods=200, freq="D")
    metrics = pd.DataFrame({name: rng.poisson(50, len(days)) for name in ("a", "b", "c")}, index=days)
    kpi = pd.Series(rng.poisson(5 + 0.05 * metrics["a"].to_numpy()), index=days)
    table = carryover_regression(metrics, kpi)
    rows = table.loc[table["role"] == "metric"]
    expected = scipy_stats.false_discovery_control(rows["p_value"], method="bh")
    np.testing.assert_allclose(rows["q_value"], expected)
    assert table.loc[table["role"] != "metric", "q_value"].isna().all()
