"""The trend choice: natural spline basis, weekday indicators, AIC by hand, planted kinks, break spacing."""

import re

import numpy as np
import pandas as pd
import pytest
from scipy.interpolate import CubicSpline

from engagekit.analyses.evidence.trend import BREAK_SPACING_DAYS, TREND_COLUMNS, choose_trend, natural_spline, weekday_columns

DAYS = pd.date_range("2024-01-01", periods=400, freq="D")  # 2024-01-01 is a Monday
N = len(DAYS)


def _lstsq_rss(design: np.ndarray, y: np.ndarray) -> float:
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return float(resid @ resid)


def _weekday_by_hand(dates: pd.DatetimeIndex) -> np.ndarray:
    """Tuesday..Sunday indicators from the calendar names (Monday is all zeros)."""
    names = ["Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    return np.column_stack([(dates.day_name() == name).astype(float) for name in names])


def _breaks(trend_name: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", trend_name)]


def _kink(seed: int, at: int = 250) -> np.ndarray:
    """Flat, then rising 0.1 a day from day ``at``, with N(0, 1) noise."""
    t = np.arange(N)
    return 20 + np.where(t >= at, 0.1 * (t - at), 0.0) + np.random.default_rng(seed).normal(0, 1, N)


# --------------------------------------------------------------------------- natural_spline


def test_natural_spline_has_one_standardised_column_per_knot_interval():
    t = np.linspace(0, 1, 200)
    basis = natural_spline(t, np.linspace(0, 1, 6))
    assert basis.shape == (200, 5)
    np.testing.assert_allclose(basis.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(basis.std(axis=0), 1, atol=1e-12)


def test_natural_spline_spans_scipy_natural_cubic_splines_on_the_same_knots():
    knots = np.array([0.0, 0.15, 0.4, 0.55, 0.8, 1.0])
    t = np.linspace(0, 1, 301)
    design = np.column_stack([np.ones_like(t), natural_spline(t, knots)])
    rng = np.random.default_rng(3)
    for _ in range(3):
        target = CubicSpline(knots, rng.normal(size=len(knots)), bc_type="natural")(t)
        assert np.sqrt(_lstsq_rss(design, target) / len(t)) < 1e-8 * max(1.0, np.abs(target).max())


def test_natural_spline_fits_a_cubic_with_no_curvature_at_the_first_knot_exactly():
    # t**3 - 2t has zero second derivative at 0: on [0, first interior knot] it is a natural spline piece
    t = np.linspace(0, 1, 101)
    design = np.column_stack([np.ones_like(t), natural_spline(t, np.array([0.0, 1.0, 2.0, 3.0]))])
    target = t**3 - 2 * t
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    np.testing.assert_allclose(design @ coef, target, atol=1e-8)


def test_natural_spline_cannot_bend_a_cubic_at_the_last_knot():
    # the same cubic over the whole knot range has curvature 6 at t = 1: a natural spline cannot match it there
    t = np.linspace(0, 1, 101)
    design = np.column_stack([np.ones_like(t), natural_spline(t, np.linspace(0, 1, 4))])
    assert np.sqrt(_lstsq_rss(design, t**3 - 2 * t) / len(t)) > 1e-4


def test_natural_spline_is_linear_beyond_the_boundary_knots():
    t = np.linspace(-0.5, 1.5, 401)  # step 0.005; knots cover [0, 1]
    basis = natural_spline(t, np.array([0.0, 0.3, 0.6, 1.0]))
    second = np.diff(basis, 2, axis=0)  # second[i] is centred on t[i + 1]
    centre = t[1:-1]
    outside = (centre < -0.005) | (centre > 1.005)
    inside = (centre > 0.05) & (centre < 0.95)
    assert np.abs(second[outside]).max() < 1e-12
    assert np.abs(second[inside]).max() > 1e-6  # curved between the knots


# --------------------------------------------------------------------------- weekday_columns


def test_weekday_columns_are_six_indicators_with_monday_as_reference():
    dates = pd.date_range("2024-01-01", periods=14, freq="D")
    out = weekday_columns(dates)
    np.testing.assert_array_equal(out, _weekday_by_hand(dates))
    assert out.shape == (14, 6)
    np.testing.assert_array_equal(out[0], np.zeros(6))  # Monday 2024-01-01
    np.testing.assert_array_equal(out[6], [0, 0, 0, 0, 0, 1])  # Sunday 2024-01-07
    np.testing.assert_array_equal(out[1], [1, 0, 0, 0, 0, 0])  # Tuesday
    np.testing.assert_array_equal(out.sum(axis=1), [0, 1, 1, 1, 1, 1, 1] * 2)


# --------------------------------------------------------------------------- choose_trend


def test_straight_line_with_noise_is_linear():
    y = 10 + 0.05 * np.arange(N) + np.random.default_rng(0).normal(0, 1, N)
    table, basis, name = choose_trend(y, dates=DAYS)
    assert name == "linear"
    assert table.loc[table["chosen"], "kind"].tolist() == ["linear"]
    assert basis.shape == (N, 1)


def test_kink_gives_a_piecewise_linear_trend_breaking_near_it():
    y = _kink(seed=0)
    table, _, name = choose_trend(y, dates=DAYS)
    assert table.loc[table["chosen"], "kind"].item() == "piecewise linear"
    assert min(abs((b - DAYS[250]).days) for b in _breaks(name)) <= 3


def test_one_break_candidate_sits_on_a_planted_kink():
    for seed in range(3):
        table, _, _ = choose_trend(_kink(seed), dates=DAYS)
        one = table.loc[table["trend"].str.contains(r"\b1 break\b"), "trend"].item()
        (b,) = _breaks(one)
        assert abs((b - DAYS[250]).days) <= 3, (seed, one)


def test_exponential_growth_is_not_linear():
    t = np.arange(N)
    y = 10 * np.exp(3 * t / N) + np.random.default_rng(0).normal(0, 1, N)
    table, _, name = choose_trend(y, dates=DAYS)
    assert name != "linear"
    linear = table.loc[table["kind"] == "linear", "aic"].item()
    assert table["aic"].min() < linear - 100


def test_chosen_row_has_the_lowest_aic_and_only_one_is_chosen():
    table, _, name = choose_trend(_kink(seed=1), dates=DAYS)
    assert list(table.columns) == TREND_COLUMNS
    assert table["chosen"].sum() == 1
    chosen = table.loc[table["chosen"]].iloc[0]
    assert chosen["aic"] == table["aic"].min()
    assert chosen["trend"] == name


def test_linear_aic_is_n_log_rss_over_n_plus_twice_the_parameters():
    rng = np.random.default_rng(5)
    y = 30 + 0.02 * np.arange(N) + 3 * (DAYS.day_of_week.to_numpy() == 5) + rng.normal(0, 2, N)
    table, _, _ = choose_trend(y, dates=DAYS)
    design = np.column_stack([np.ones(N), _weekday_by_hand(DAYS), np.arange(N)])
    expected = N * np.log(_lstsq_rss(design, y) / N) + 2 * (1 + 1 + 6)
    assert table.loc[table["kind"] == "linear", "aic"].item() == pytest.approx(expected, rel=1e-10)


def test_aic_counts_covariates_and_drops_weekdays_when_not_weekly():
    rng = np.random.default_rng(6)
    covariates = rng.normal(size=(N, 2))
    y = 5 + 0.01 * np.arange(N) + covariates @ [1.0, -0.5] + rng.normal(0, 1, N)
    table, _, _ = choose_trend(y, dates=DAYS, weekly=False, covariates=covariates)
    design = np.column_stack([np.ones(N), covariates, np.arange(N)])
    expected = N * np.log(_lstsq_rss(design, y) / N) + 2 * (1 + 1 + 2)
    assert table.loc[table["kind"] == "linear", "aic"].item() == pytest.approx(expected, rel=1e-10)


def test_piecewise_aic_counts_two_parameters_per_break():
    y = _kink(seed=2)
    table, _, _ = choose_trend(y, dates=DAYS)
    pieces = table.loc[table["kind"] == "piecewise linear"]
    assert len(pieces) >= 2
    t = np.arange(N, dtype=float)
    for row in pieces.itertuples():
        days = [DAYS.get_loc(b) for b in _breaks(row.trend)]
        hinges = np.column_stack([np.clip(t - d, 0, None) for d in days])
        design = np.column_stack([np.ones(N), _weekday_by_hand(DAYS), t, hinges])
        assert row.parameters == 1 + 2 * len(days)
        expected = N * np.log(_lstsq_rss(design, y) / N) + 2 * (1 + 2 * len(days) + 1 + 6)
        assert row.aic == pytest.approx(expected, rel=1e-9), row.trend


def test_breaks_are_at_least_four_weeks_apart_even_when_the_series_zigzags():
    t = np.arange(N)
    zigzag = np.abs((t % 20) - 10.0)  # a kink every 10 days
    y = zigzag + 0.02 * t + np.random.default_rng(7).normal(0, 0.5, N)
    table, _, _ = choose_trend(y, dates=DAYS)
    pieces = table.loc[table["kind"] == "piecewise linear", "trend"].tolist()
    assert len(pieces) == min(6, N // (2 * BREAK_SPACING_DAYS))
    for name in pieces:
        breaks = _breaks(name)
        gaps = [(b - a).days for a, b in zip(breaks, breaks[1:])]
        assert all(gap >= BREAK_SPACING_DAYS for gap in gaps), name
        assert all(DAYS[int(0.03 * N)] <= b <= DAYS[int(0.97 * N)] for b in breaks), name


def test_smooth_candidates_have_at_most_one_degree_of_freedom_per_month():
    short = DAYS[:200]
    y = np.sin(np.arange(200) / 30) + np.random.default_rng(8).normal(0, 0.1, 200)
    table, _, _ = choose_trend(y, dates=short)
    smooth = table.loc[table["kind"] == "smooth", "parameters"].tolist()
    assert smooth == [3, 4, 6]  # 200 days: at most 200 // 30 = 6
