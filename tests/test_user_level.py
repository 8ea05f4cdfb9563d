"""Engaged against not engaged: hand-computed 2x2 and stratified tables, statsmodels, bad input, the sample."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep

import engagekit
from engagekit.core import schema
from engagekit.analyses.user_level import (
    RESULT_COLUMNS,
    SELECTION_BIAS_CAVEAT,
    compare_risks,
    engaged_vs_not,
    people_for_comparison,
    strata_table,
)
from paths import SAMPLE

T0 = pd.Timestamp("2025-03-01 12:00", tz="UTC")
Z95 = stats.norm.ppf(0.975)


def _events(rows: list[tuple]) -> pd.DataFrame:
    """Canonical events from ``(user_key, minutes after T0, event[, source])`` tuples."""
    frame = pd.DataFrame({
        "user_key": [row[0] for row in rows],
        "session_key": [f"{row[0]}-s" for row in rows],
        "occurred_at": [T0 + pd.Timedelta(minutes=row[1]) for row in rows],
        "event": [row[2] for row in rows],
        "source": [row[3] if len(row) > 3 else None for row in rows],
    })
    return schema.conform(frame, "events")


def _people(a: int, n1: int, c: int, n0: int, stratum: str = "s") -> pd.DataFrame:
    """People with ``a`` of ``n1`` exposed and ``c`` of ``n0`` unexposed having the outcome."""
    exposed = [True] * n1 + [False] * n0
    had = [True] * a + [False] * (n1 - a) + [True] * c + [False] * (n0 - c)
    return pd.DataFrame({"exposed": exposed, "had_outcome": had, "stratum": stratum})


def _journeys(stratum: str, a: int, n1: int, c: int, n0: int) -> list[tuple]:
    """Events of people in one stratum (``source`` on their first event): exposure ``click``, outcome ``buy``."""
    rows = []
    for i in range(n1):
        user = f"{stratum}-e{i}"
        rows += [(user, 0, "visit", stratum), (user, 1, "click")]
        if i < a:
            rows.append((user, 30, "buy"))
    for i in range(n0):
        user = f"{stratum}-u{i}"
        rows.append((user, 0, "visit", stratum))
        if i < c:
            rows.append((user, 30, "buy"))
    return rows


def _row(result: pd.DataFrame, measure: str) -> pd.Series:
    return result.loc[result["measure"] == measure].iloc[0]


def test_risk_ratio_matches_hand_katz_interval_and_statsmodels():
    result = compare_risks(_people(20, 100, 10, 200), stratified=False)
    row = _row(result, "risk ratio")
    se = np.sqrt(1 / 20 - 1 / 100 + 1 / 10 - 1 / 200)
    assert row["estimate"] == pytest.approx(4.0)
    assert row["ci_low"] == pytest.approx(4.0 * np.exp(-Z95 * se))
    assert row["ci_high"] == pytest.approx(4.0 * np.exp(Z95 * se))
    table = Table2x2(np.array([[20, 80], [10, 190]]))
    assert row["estimate"] == pytest.approx(table.riskratio)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(table.riskratio_confint())
    assert row["p_value"] == pytest.approx(table.riskratio_pvalue())
    counts = row[["n_exposed", "n_unexposed", "outcomes_exposed", "outcomes_unexposed"]].tolist()
    assert counts == [100, 200, 20, 10]


def test_risk_difference_matches_newcombe_and_pearson_chi_square():
    result = compare_risks(_people(20, 100, 10, 200), stratified=False)
    row = _row(result, "risk difference")
    assert row["estimate"] == pytest.approx(0.2 - 0.05)
    low, high = confint_proportions_2indep(20, 100, 10, 200, method="newcomb", compare="diff")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    chi2 = Table2x2(np.array([[20, 80], [10, 190]])).test_nominal_association()
    assert row["p_value"] == pytest.approx(chi2.pvalue)


def test_zero_cell_adds_half_to_every_cell_of_the_ratio():
    result = compare_risks(_people(12, 40, 0, 60), stratified=False)
    row = _row(result, "risk ratio")
    assert row["estimate"] == pytest.approx((12.5 / 41) / (0.5 / 61))
    table = Table2x2(np.array([[12, 28], [0, 60]]) + 0.5)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(table.riskratio_confint())
    assert "0.5 added" in row["note"]
    rd = _row(result, "risk difference")
    assert rd["estimate"] == pytest.approx(12 / 40)
    assert (rd["ci_low"], rd["ci_high"]) == pytest.approx(
        confint_proportions_2indep(12, 40, 0, 60, method="newcomb", compare="diff"))


# Simpson's paradox: engagers are mostly in the high-risk stratum A; within each stratum the risk is equal.
#   A: exposed 40/80, unexposed 10/20   (risk 0.5 both)
#   B: exposed  1/20, unexposed  4/80   (risk 0.05 both)
#   crude: exposed 41/100, unexposed 14/100 -> RR 41/14
SIMPSON = [("A", 40, 80, 10, 20), ("B", 1, 20, 4, 80)]


def _simpson() -> pd.DataFrame:
    events = _events([row for stratum in SIMPSON for row in _journeys(*stratum)])
    return engaged_vs_not(events, exposure="click", outcome="buy", window="1D", strata="source")


def test_simpson_crude_ratio_is_large_and_stratified_is_one():
    result = _simpson()
    assert _row(result, "risk ratio")["estimate"] == pytest.approx(41 / 14)
    assert _row(result, "risk ratio")["ci_low"] > 1.5
    mh = _row(result, "Mantel-Haenszel risk ratio")
    # R = 40*20/100 + 1*80/100 = 8.8, S = 10*80/100 + 4*20/100 = 8.8
    assert mh["estimate"] == pytest.approx(1.0)
    assert mh["ci_low"] < 1 < mh["ci_high"]
    assert _row(result, "Mantel-Haenszel risk difference")["estimate"] == pytest.approx(0.0, abs=1e-12)


def test_stratified_rows_match_hand_greenland_robins_and_statsmodels():
    strata = [("A", 30, 60, 10, 40), ("B", 5, 50, 3, 70)]
    events = _events([row for stratum in strata for row in _journeys(*stratum)])
    result = engaged_vs_not(events, exposure="click", outcome="buy", window="1D", strata="source")
    a, n1, c, n0 = (np.array([s[i] for s in strata], dtype=float) for i in (1, 2, 3, 4))
    n = n1 + n0
    r, s = np.sum(a * n0 / n), np.sum(c * n1 / n)
    var_log = np.sum((n1 * n0 * (a + c) - a * c * n) / n**2) / (r * s)
    mh = _row(result, "Mantel-Haenszel risk ratio")
    assert mh["estimate"] == pytest.approx(r / s)
    assert mh["ci_low"] == pytest.approx(r / s * np.exp(-Z95 * np.sqrt(var_log)))
    tables = np.stack([np.array([[ai, n1i - ai], [ci, n0i - ci]]) for ai, n1i, ci, n0i in zip(a, n1, c, n0)], axis=2)
    reference = StratifiedTable(tables)
    assert mh["estimate"] == pytest.approx(reference.riskratio_pooled)
    cmh = _row(result, "CMH test")
    null = reference.test_null_odds(correction=False)
    assert cmh["estimate"] == pytest.approx(null.statistic)
    assert cmh["p_value"] == pytest.approx(null.pvalue)
    w = n1 * n0 / n
    b, d = n1 - a, n0 - c
    rd = np.sum(w * (a / n1 - c / n0)) / w.sum()
    rd_var = np.sum((a * b * n0**3 + c * d * n1**3) / (n1 * n0 * n**2)) / w.sum() ** 2
    mh_rd = _row(result, "Mantel-Haenszel risk difference")
    assert mh_rd["estimate"] == pytest.approx(rd)
    assert mh_rd["ci_high"] == pytest.approx(rd + Z95 * np.sqrt(rd_var))


def test_small_and_one_sided_strata_are_left_out_and_named():
    strata = [("A", 30, 60, 10, 40), ("B", 5, 50, 3, 70), ("C", 1, 3, 0, 2), ("D", 2, 20, 0, 0)]
    events = _events([row for stratum in strata for row in _journeys(*stratum)])
    result = engaged_vs_not(events, exposure="click", outcome="buy", window="1D", strata="source", min_stratum=10)
    mh = _row(result, "Mantel-Haenszel risk ratio")
    assert (mh["n_exposed"], mh["n_unexposed"]) == (110, 110)
    assert "C (fewer than 10 people)" in mh["note"] and "D (no exposed or no unexposed)" in mh["note"]
    assert _row(result, "risk ratio")["n_exposed"] == 133


def test_person_table_index_window_and_prior_activity():
    events = _events([
        ("e", 0, "visit"), ("e", 5, "visit"), ("e", 10, "click"), ("e", 10 + 60, "buy"),   # exposed, buys 1 h later
        ("late", 0, "click"), ("late", 60 * 24 + 1, "buy"),                                 # buys 1 min after 1 D
        ("edge", 0, "click"), ("edge", 60 * 24, "buy"),                                     # buys exactly at 1 D
        ("before", 0, "buy"), ("before", 5, "click"),                                       # bought before clicking
        ("u", 0, "visit"), ("u", 3, "visit"), ("u", 20, "buy"),                             # unexposed, buys
    ])
    people = people_for_comparison(events, exposure="click", outcome="buy", window="1D").set_index("user_key")
    assert people.loc["e", "index_at"] == T0 + pd.Timedelta(minutes=10)
    assert people.loc["u", "index_at"] == T0
    assert people["exposed"].to_dict() == {"before": True, "e": True, "edge": True, "late": True, "u": False}
    assert people["had_outcome"].to_dict() == {"before": False, "e": True, "edge": True, "late": False, "u": True}
    before = {"before": True, "e": False, "edge": False, "late": False, "u": False}
    assert people["outcome_before_index"].to_dict() == before
    assert people["prior_events"].to_dict() == {"before": 1, "e": 2, "edge": 0, "late": 0, "u": 0}
    assert people["stratum"].to_dict() == {"before": "1", "e": "2-4", "edge": "0", "late": "0", "u": "0"}


def test_outcome_before_index_is_left_out_and_counted():
    events = _events([
        ("a", 0, "click"), ("a", 5, "buy"), ("b", 0, "click"), ("c", 0, "buy"), ("c", 5, "click"),
        ("d", 0, "visit"), ("e", 0, "visit"), ("e", 5, "buy"),
    ])
    result = engaged_vs_not(events, exposure="click", outcome="buy", window="1D", strata=None)
    row = _row(result, "risk ratio")
    assert (row["n_exposed"], row["outcomes_exposed"], row["n_unexposed"], row["outcomes_unexposed"]) == (2, 1, 2, 1)
    assert "1 people left out: outcome before their index time" in row["note"]


def test_prior_activity_bins():
    rows = [("p5", m, "visit") for m in range(5)] + [("p5", 10, "click")]
    rows += [("p4", m, "visit") for m in range(4)] + [("p4", 10, "click")]
    rows += [("p1", 0, "visit"), ("p1", 10, "click"), ("p0", 0, "click")]
    people = people_for_comparison(_events(rows), exposure="click", outcome="buy").set_index("user_key")
    assert people["stratum"].to_dict() == {"p0": "0", "p1": "1", "p4": "2-4", "p5": "5+"}


def test_random_event_index_gives_the_unexposed_prior_activity_reproducibly():
    rows = [(f"u{i}", m, "visit") for i in range(30) for m in range(6)] + [("e", 0, "click")]
    events = _events(rows)
    first = people_for_comparison(events, exposure="click", outcome="buy", unexposed_index="random_event", seed=3)
    again = people_for_comparison(events, exposure="click", outcome="buy", unexposed_index="random_event", seed=3)
    pd.testing.assert_frame_equal(first, again)
    unexposed = first.loc[~first["exposed"]]
    assert unexposed["prior_events"].between(0, 5).all() and unexposed["prior_events"].nunique() > 1
    minutes = (unexposed["index_at"] - T0) / pd.Timedelta(minutes=1)
    assert (minutes == unexposed["prior_events"]).all()


def test_caveat_is_attached():
    result = _simpson()
    assert result.attrs["caveat"] == SELECTION_BIAS_CAVEAT
    assert "association" in SELECTION_BIAS_CAVEAT and "prior activity" in SELECTION_BIAS_CAVEAT
    assert list(result.columns) == list(RESULT_COLUMNS)


def test_no_exposed_people_gives_nan_note_and_warning():
    events = _events([("a", 0, "visit"), ("a", 5, "buy"), ("b", 0, "visit")])
    with pytest.warns(UserWarning, match="no exposed people"):
        result = engaged_vs_not(events, exposure="click", outcome="buy", strata=None)
    assert result["estimate"].isna().all()
    assert result["note"].str.contains("no exposed people").all()


def test_no_unexposed_people_gives_nan_note_and_warning():
    events = _events([("a", 0, "click"), ("a", 5, "buy"), ("b", 0, "click")])
    with pytest.warns(UserWarning, match="no unexposed people"):
        result = engaged_vs_not(events, exposure="click", outcome="buy")
    assert result["estimate"].isna().all() and len(result) == 5


def test_outcome_that_never_occurs_gives_nan_note_and_warning():
    events = _events([("a", 0, "click"), ("b", 0, "visit")])
    with pytest.warns(UserWarning, match="never occurs"):
        result = engaged_vs_not(events, exposure="click", outcome="buy", strata=None)
    assert result["estimate"].isna().all()
    assert result["note"].str.contains("'buy' never occurs").all()


def test_empty_events_give_nan_and_warning():
    with pytest.warns(UserWarning, match="never occurs"):
        result = engaged_vs_not(schema.empty_frame("events"), exposure=["click", "like"], outcome="buy")
    assert result["estimate"].isna().all() and (result["n_exposed"] == 0).all()


def test_bad_arguments_raise_up_front():
    events = _events([("a", 0, "click"), ("b", 0, "visit")])
    with pytest.raises(ValueError, match="unknown strata 'nope'"):
        engaged_vs_not(events, exposure="click", outcome="buy", strata="nope")
    with pytest.raises(ValueError, match="also an exposure event"):
        engaged_vs_not(events, exposure=["click", "buy"], outcome="buy")
    with pytest.raises(ValueError, match="window must be a positive duration"):
        engaged_vs_not(events, exposure="click", outcome="buy", window="soon")
    with pytest.raises(ValueError, match="lacks the column"):
        engaged_vs_not(events.drop(columns="user_key"), exposure="click", outcome="buy")


def test_strata_table_counts():
    table = strata_table(pd.concat([_people(3, 5, 1, 4, "x"), _people(0, 2, 2, 2, "y")])).set_index("stratum")
    counts = table.loc["x", ["n_exposed", "n_unexposed", "outcomes_exposed", "outcomes_unexposed"]].tolist()
    assert counts == [5, 4, 3, 1]
    assert table.loc["y", "risk_unexposed"] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def sample_events() -> pd.DataFrame:
    return engagekit.load_client(SAMPLE).events


def test_sample_form_start_vs_not_on_sign_up_within_a_day(sample_events):
    truth = yaml.safe_load((SAMPLE / "truth.yml").read_text())["events_funnel"]
    visitors, _, form_starts, sign_ups = truth["users_reaching_step"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = engaged_vs_not(sample_events, exposure="form_start", outcome="sign_up", window="1D", strata=None)
    row = _row(result, "risk ratio")
    # Every sign-up went through form_start minutes before; nobody else signs up: a zero cell among the unexposed.
    assert (row["n_exposed"], row["outcomes_exposed"]) == (form_starts, sign_ups)
    assert (row["n_unexposed"], row["outcomes_unexposed"]) == (visitors - form_starts, 0)
    expected = ((sign_ups + 0.5) / (form_starts + 1)) / (0.5 / (visitors - form_starts + 1))
    assert row["estimate"] == pytest.approx(expected)
    assert row["ci_low"] > 100
    assert _row(result, "risk difference")["estimate"] == pytest.approx(sign_ups / form_starts)


def test_sample_prior_activity_strata_have_no_unexposed_with_first_event_index(sample_events):
    # Form starters had a session_start and a page_view first (stratum 2-4); the unexposed' index is their
    # first event, so their prior activity is 0: no stratum holds both, and the stratified rows are NaN.
    with pytest.warns(UserWarning, match="no stratum of prior_activity"):
        result = engaged_vs_not(sample_events, exposure="form_start", outcome="sign_up", window="1D")
    mh = _row(result, "Mantel-Haenszel risk ratio")
    assert np.isnan(mh["estimate"])
    assert "0 (no exposed or no unexposed)" in mh["note"] and "2-4 (no exposed or no unexposed)" in mh["note"]


def _visits() -> pd.DataFrame:
    """Three people, one session each: u1 arrives from facebook/social, u2 from google/organic, u3 from t.co."""
    frame = pd.DataFrame({
        "user_key": ["u1", "u1", "u1", "u2", "u2", "u3", "u3"],
        "session_key": ["s1", "s1", "s1", "s2", "s2", "s3", "s3"],
        "occurred_at": [T0 + pd.Timedelta(minutes=m) for m in (0, 1, 5, 0, 2, 3, 4)],
        "event": ["session_start", "page_view", "sign_up", "session_start", "sign_up", "session_start", "page_view"],
        "source": ["facebook", "facebook", "facebook", "google", "google", "t.co", "t.co"],
        "medium": ["social", "social", "social", "organic", "organic", "referral", "referral"],
    })
    return schema.conform(frame, "events")


def test_social_visits_mark_the_first_event_of_sessions_from_social_channels():
    # t.co / referral is Organic Social by GA4's source list; google / organic is Organic Search
    mask = engagekit.analyses.user_level.social_visits(_visits())
    assert mask.tolist() == [True, False, False, False, False, True, False]


def test_an_exposure_mask_chooses_the_exposed_people():
    events = _visits()
    people = people_for_comparison(events, exposure=engagekit.analyses.user_level.social_visits(events), outcome="sign_up",
                                   strata=None).set_index("user_key")
    assert people["exposed"].to_dict() == {"u1": True, "u2": False, "u3": True}
    assert people["had_outcome"].to_dict() == {"u1": True, "u2": True, "u3": False}


def test_an_exposure_mask_must_fit_the_events_and_not_mark_the_outcome():
    events = _visits()
    with pytest.raises(ValueError, match="boolean Series on the index of events"):
        engaged_vs_not(events, exposure=pd.Series([True, False]), outcome="sign_up")
    with pytest.raises(ValueError, match="marks 'sign_up' events"):
        engaged_vs_not(events, exposure=events["event"].isin(["page_view", "sign_up"]), outcome="sign_up")
