"""campaign_impact: counterfactual forecast from the pre-period, effects with simulated intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.statespace.structural import UnobservedComponents

from engagekit.analyses.impact import (
    DAILY_COLUMNS,
    SUMMARY_COLUMNS,
    campaign_impact,
    describe_impact,
    minimum_pre_days,
)

N_DAYS = 150
CHANGE_AT = 110
STEP = 20.0
WEEKLY = np.array([5.0, 3.0, 0.0, -2.0, -4.0, -6.0, 4.0])


def _series(*, step: float, seed: int, n: int = N_DAYS, start: str = "2025-01-01") -> pd.Series:
    """Local level (random walk) + weekly pattern + noise, with ``step`` added from day CHANGE_AT."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, periods=n, freq="D")
    level = 100 + np.cumsum(rng.normal(0, 0.5, n))
    values = level + WEEKLY[days.day_of_week] + rng.normal(0, 2, n)
    values[CHANGE_AT:] += step
    return pd.Series(values, index=days, name="registrations")


@pytest.fixture(scope="module")
def stepped() -> pd.Series:
    return _series(step=STEP, seed=1)


@pytest.fixture(scope="module")
def stepped_result(stepped):
    return campaign_impact(stepped, change=stepped.index[CHANGE_AT], seed=3)


def _row(summary: pd.DataFrame, measure: str) -> pd.Series:
    return summary.set_index("measure").loc[measure]


def test_step_change_interval_covers_truth_and_excludes_zero(stepped_result):
    avg = _row(stepped_result.summary, "average daily effect")
    assert avg["ci_low"] <= STEP <= avg["ci_high"]
    assert avg["ci_low"] > 0
    assert avg["p_value"] < 0.01


def test_no_change_interval_covers_zero_and_p_is_large():
    flat = _series(step=0.0, seed=2)
    summary = campaign_impact(flat, change=flat.index[CHANGE_AT], seed=3).summary
    for measure in ("average daily effect", "cumulative effect", "relative effect"):
        row = _row(summary, measure)
        assert row["ci_low"] < 0 < row["ci_high"], measure
    assert _row(summary, "cumulative effect")["p_value"] > 0.1


def test_counterfactual_equals_statsmodels_forecast(stepped, stepped_result):
    pre = stepped.iloc[:CHANGE_AT].to_numpy()
    fitted = UnobservedComponents(pre, level="local linear trend", seasonal=7).fit(method="lbfgs", maxiter=200, disp=False)
    expected = fitted.get_forecast(N_DAYS - CHANGE_AT).summary_frame(alpha=0.05)
    post = stepped_result.daily[stepped_result.daily["period"] == "post"]
    np.testing.assert_allclose(post["predicted"], expected["mean"], rtol=1e-6)
    np.testing.assert_allclose(post["predicted_low"], expected["mean_ci_lower"], rtol=1e-6)
    np.testing.assert_allclose(post["predicted_high"], expected["mean_ci_upper"], rtol=1e-6)


def test_effects_are_actual_minus_counterfactual(stepped, stepped_result):
    daily, summary = stepped_result
    assert list(daily.columns) == DAILY_COLUMNS and list(summary.columns) == SUMMARY_COLUMNS
    post = daily[daily["period"] == "post"]
    effect = stepped.iloc[CHANGE_AT:].to_numpy() - post["predicted"].to_numpy()
    np.testing.assert_allclose(post["point_effect"], effect)
    np.testing.assert_allclose(post["cumulative_effect"], np.cumsum(effect))
    assert _row(summary, "cumulative effect")["estimate"] == pytest.approx(effect.sum())
    assert _row(summary, "average daily effect")["estimate"] == pytest.approx(effect.mean())
    relative = stepped.iloc[CHANGE_AT:].sum() / post["predicted"].sum() - 1
    assert _row(summary, "relative effect")["estimate"] == pytest.approx(relative)
    assert (summary["n_pre"] == CHANGE_AT).all() and (summary["n_post"] == N_DAYS - CHANGE_AT).all()


def test_cumulative_interval_and_p_value_come_from_seeded_simulation(stepped, stepped_result):
    pre = stepped.iloc[:CHANGE_AT].to_numpy()
    actual = stepped.iloc[CHANGE_AT:].to_numpy()
    fitted = UnobservedComponents(pre, level="local linear trend", seasonal=7).fit(method="lbfgs", maxiter=200, disp=False)
    paths = fitted.simulate(len(actual), anchor="end", repetitions=1000, rng=np.random.default_rng(3)).reshape(len(actual), 1000)
    cumulative = np.cumsum(actual[:, None] - paths, axis=0)
    total = cumulative[-1]
    p = min((total <= 0).sum() + 1, (total >= 0).sum() + 1) / 1001
    row = _row(stepped_result.summary, "cumulative effect")
    assert row["ci_low"] == pytest.approx(np.quantile(total, 0.025), rel=1e-6)
    assert row["ci_high"] == pytest.approx(np.quantile(total, 0.975), rel=1e-6)
    assert row["p_value"] == pytest.approx(p)
    post = stepped_result.daily[stepped_result.daily["period"] == "post"]
    np.testing.assert_allclose(post["cumulative_effect_low"], np.quantile(cumulative, 0.025, axis=1), rtol=1e-6)


def test_same_seed_same_tables(stepped, stepped_result):
    again = campaign_impact(stepped, change=stepped.index[CHANGE_AT], seed=3)
    pd.testing.assert_frame_equal(again.summary, stepped_result.summary)
    pd.testing.assert_frame_equal(again.daily, stepped_result.daily)


def test_pre_and_post_days_select_the_windows(stepped):
    result = campaign_impact(stepped, change=stepped.index[CHANGE_AT], pre=("2025-02-01", "2025-04-15"), post_days=14)
    daily = result.daily
    pre = daily[daily["period"] == "pre"]["date"]
    post = daily[daily["period"] == "post"]["date"]
    assert pre.min() == pd.Timestamp("2025-02-01") and pre.max() == pd.Timestamp("2025-04-15")
    assert post.min() == stepped.index[CHANGE_AT] and len(post) == 14
    assert (result.summary["n_pre"] == len(pre)).all()


def test_local_level_fits_without_trend(stepped):
    result = campaign_impact(stepped, change=stepped.index[CHANGE_AT], level="local level")
    assert "local level" in result.summary["method"].iloc[0]
    pre = stepped.iloc[:CHANGE_AT].to_numpy()
    fitted = UnobservedComponents(pre, level="local level", seasonal=7).fit(method="lbfgs", maxiter=200, disp=False)
    post = result.daily[result.daily["period"] == "post"]
    np.testing.assert_allclose(post["predicted"], fitted.forecast(N_DAYS - CHANGE_AT), rtol=1e-6)


def test_covariates_enter_as_exog():
    rng = np.random.default_rng(5)
    days = pd.date_range("2025-01-01", periods=130, freq="D")
    control = pd.DataFrame({"control": 50 + np.cumsum(rng.normal(0, 2, 130))}, index=days)
    kpi = pd.Series(10 + 2 * control["control"].to_numpy() + rng.normal(0, 1, 130), index=days)
    kpi.iloc[100:] += 15
    result = campaign_impact(kpi, change=days[100], covariates=control, level="local level", seasonal=None)
    fitted = UnobservedComponents(kpi.iloc[:100].to_numpy(), level="local level", exog=control.iloc[:100].to_numpy()).fit(
        method="lbfgs", maxiter=200, disp=False
    )
    post = result.daily[result.daily["period"] == "post"]
    np.testing.assert_allclose(post["predicted"], fitted.forecast(30, exog=control.iloc[100:].to_numpy()), rtol=1e-6)
    avg = _row(result.summary, "average daily effect")
    assert avg["ci_low"] <= 15 <= avg["ci_high"]


def test_covariates_with_gaps_are_rejected(stepped):
    control = pd.DataFrame({"control": np.ones(N_DAYS)}, index=stepped.index).drop(stepped.index[CHANGE_AT + 3])
    with pytest.raises(ValueError, match=r"control.*post-period"):
        campaign_impact(stepped, change=stepped.index[CHANGE_AT], covariates=control)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")  # the reference fit below
def test_missing_days_are_kept_as_nan(stepped):
    dropped = [stepped.index[40], stepped.index[41], stepped.index[CHANGE_AT + 5]]
    gappy = stepped.drop(dropped)
    result = campaign_impact(gappy, change=stepped.index[CHANGE_AT], seed=3)
    daily = result.daily.set_index("date")
    assert daily.loc[dropped, "actual"].isna().all()
    assert np.isnan(daily.loc[dropped[2], "point_effect"])
    assert "2 before the change" in result.summary["note"].iloc[0] and "1 after" in result.summary["note"].iloc[0]
    assert (result.summary["n_pre"] == CHANGE_AT - 2).all() and (result.summary["n_post"] == N_DAYS - CHANGE_AT - 1).all()
    # the filter skips NaN observations: same forecast as statsmodels fitted on the series with NaN
    pre = stepped.iloc[:CHANGE_AT].to_numpy().copy()
    pre[[40, 41]] = np.nan
    fitted = UnobservedComponents(pre, level="local linear trend", seasonal=7).fit(method="lbfgs", maxiter=200, disp=False)
    np.testing.assert_allclose(daily.loc[daily["period"] == "post", "predicted"], fitted.forecast(N_DAYS - CHANGE_AT), rtol=1e-6)
    post = daily[daily["period"] == "post"]
    expected_total = (post["actual"] - post["predicted"]).sum()  # NaN day left out
    assert _row(result.summary, "cumulative effect")["estimate"] == pytest.approx(expected_total)


def test_short_pre_period_gives_nan_with_reason(stepped):
    needed = minimum_pre_days(level="local linear trend", seasonal=7)
    assert needed == 2 * 7 + 4
    short = stepped.iloc[CHANGE_AT - (needed - 1) :]
    result = campaign_impact(short, change=stepped.index[CHANGE_AT])
    assert result.summary[["estimate", "ci_low", "ci_high", "p_value"]].isna().all().all()
    assert result.summary["note"].iloc[0] == f"not enough data: needs {needed} days before the change, has {needed - 1}"
    assert "not enough data: needs 18 days" in describe_impact(result, kpi="registrations")


def test_constant_pre_period_gives_nan_with_reason(stepped):
    flat = stepped.copy()
    flat.iloc[:CHANGE_AT] = 42.0
    result = campaign_impact(flat, change=stepped.index[CHANGE_AT])
    assert result.summary["estimate"].isna().all()
    assert result.summary["note"].iloc[0].startswith("constant pre-period")


@pytest.mark.parametrize("change", ["2024-12-01", "2025-01-01", "2025-12-31"])
def test_change_outside_series_is_rejected(stepped, change):
    with pytest.raises(ValueError, match="outside the series"):
        campaign_impact(stepped, change=change)


def test_pre_ending_after_change_is_rejected(stepped):
    with pytest.raises(ValueError, match="on or after the change"):
        campaign_impact(stepped, change=stepped.index[CHANGE_AT], pre=("2025-01-01", stepped.index[CHANGE_AT]))


def test_unknown_level_is_rejected(stepped):
    with pytest.raises(ValueError, match="allowed: 'local linear trend', 'local level'"):
        campaign_impact(stepped, change=stepped.index[CHANGE_AT], level="trend")


def test_description_states_relative_effect_and_interval(stepped_result):
    rel = _row(stepped_result.summary, "relative effect")
    text = describe_impact(stepped_result, kpi="registrations")
    assert text.startswith(f"After 2025-04-21 registrations were {rel['estimate']:.0%} above the counterfactual")
    assert f"95% interval {rel['ci_low']:+.0%} to {rel['ci_high']:+.0%}" in text
    assert "excludes 0" in text
