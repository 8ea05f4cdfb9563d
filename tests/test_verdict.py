"""Verdicts from the joint lead model: planted carryover, a metric riding on the driver, short and constant series, words."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import engagekit as ek
from engagekit.analyses.evidence.distributed_lag import kernel_grid
from engagekit.analyses.evidence.verdict import LEADS, NO_EVIDENCE, NOT_ENOUGH, describe_verdict, effect_unit, format_q, verdicts

DAYS = pd.date_range("2024-01-01", periods=500, freq="D")
EFFECT = 0.06  # registrations per click, in total over the carryover


def carryover(x: np.ndarray, *, delay: int, half_life: float) -> np.ndarray:
    """``x`` spread over a delayed geometric kernel summing to one (what the model assumes, written out by hand)."""
    decay = 0.5 ** (1 / half_life)
    kernel = np.r_[np.zeros(delay), (1 - decay) * decay ** np.arange(60)]
    return np.convolve(x, kernel)[: len(x)]


def planted(seed: int = 5, effect: float = EFFECT) -> tuple[pd.DataFrame, pd.Series]:
    """Clicks lead registrations (delay 2 days, half-life 1 day); likes share only the trend."""
    rng = np.random.default_rng(seed)
    trend = 1 + 0.8 * np.arange(len(DAYS)) / len(DAYS)
    clicks = rng.poisson(150 * trend * rng.lognormal(0, 0.5, len(DAYS)))
    likes = rng.poisson(300 * trend * rng.lognormal(0, 0.3, len(DAYS)))
    kpi = rng.poisson(6 * trend + effect * carryover(clicks, delay=2, half_life=1.0))
    return (pd.DataFrame({"link_clicks": clicks, "reactions": likes}, index=DAYS),
            pd.Series(kpi, index=DAYS, name="registration"))


def test_the_kernel_written_by_hand_is_one_of_the_models_kernels():
    shapes, weights = kernel_grid(7)
    k = shapes.index[(shapes["delay"] == 2) & (shapes["half_life"] == 1.0)][0]
    x = np.r_[1.0, np.zeros(40)]
    np.testing.assert_allclose(carryover(x, delay=2, half_life=1.0)[:29] / weights[k].sum(), weights[k], atol=2e-8)


def test_a_planted_carryover_lead_is_found_with_its_total_effect():
    metrics, kpi = planted()
    table = verdicts(ek.lead_model(metrics, kpi)).set_index("metric")
    lead = table.loc["link_clicks"]
    assert lead["verdict"] == LEADS
    assert abs(int(lead["lag"]) - 2) <= 1
    assert lead["effect_ci_low"] < EFFECT < lead["effect_ci_high"]
    assert lead["q_value"] < 0.05
    assert pd.isna(lead["min_detectable_effect"])
    assert table.loc["reactions", "verdict"] == NO_EVIDENCE
    evidence = ek.outcome_evidence(metrics, kpi, n_boot=50)
    profile = evidence.lag_profiles()
    assert set(profile["metric"]) == {"link_clicks"}  # only leads are drawn
    assert profile["effect"].sum() == pytest.approx(evidence.verdicts.set_index("metric").loc["link_clicks", "effect"])


def test_no_evidence_gives_the_smallest_detectable_total_effect_and_no_lag():
    metrics, kpi = planted()
    model = ek.lead_model(metrics, kpi)
    row = verdicts(model).set_index("metric").loc["reactions"]
    test = model.tests.set_index("metric").loc["reactions"]
    assert row["min_detectable_effect"] == pytest.approx((test["critical_t"] + stats.norm.ppf(0.8)) * test["std_error"])
    assert pd.isna(row["lag"]) and pd.isna(row["effect"])


def test_a_metric_riding_on_the_driver_is_not_a_lead():
    metrics, kpi = planted(effect=0.1)
    rng = np.random.default_rng(3)
    metrics["shares"] = (0.05 * metrics["link_clicks"] + rng.poisson(3, len(metrics))).astype("int64")
    table = verdicts(ek.lead_model(metrics, kpi)).set_index("metric")
    assert table.loc["link_clicks", "verdict"] == LEADS
    assert table.loc["shares", "verdict"] == NO_EVIDENCE
    assert all(metric not in note for metric, note in table["note"].items())


def test_two_metrics_the_data_cannot_separate_lead_together():
    rng = np.random.default_rng(11)
    likes = rng.poisson(rng.poisson(2, len(DAYS)) * rng.lognormal(3, 0.6, len(DAYS)))
    shares = np.round(0.2 * likes) + rng.poisson(0.3, len(DAYS))  # shares move with likes almost exactly
    kpi = rng.poisson(5 + 0.03 * carryover(likes, delay=3, half_life=1.0))
    metrics = pd.DataFrame({"reactions": likes, "shares": shares}, index=DAYS)
    model = ek.lead_model(metrics, pd.Series(kpi, index=DAYS, name="registration"))
    assert model.correlations.loc["reactions", "shares"] > 0.95
    table = verdicts(model).set_index("metric")
    assert (table["verdict"] == LEADS).all()
    assert table.loc["reactions", "group"] == "shares" and table.loc["shares", "group"] == "reactions"
    group = model.tests.loc[model.tests["kind"] == "group"].iloc[0]
    assert table.loc["reactions", "q_value"] == table.loc["shares", "q_value"] == group["q_value"]
    assert abs(int(table.loc["reactions", "lag"]) - 3) <= 1
    # one unit of shares comes with about five likes: its effect per unit is about five times larger
    ratio = table.loc["shares", "effect"] / table.loc["reactions", "effect"]
    assert ratio == pytest.approx(model.spread["reactions"] / model.spread["shares"])
    sentence = describe_verdict(table.loc["reactions"].rename(None).to_dict() | {"metric": "reactions"}, kpi="registration")
    assert sentence.startswith("reactions and shares together precede registration by about")
    together = model.correlations.loc["reactions", "shares"]
    assert sentence.endswith(f"These data cannot tell which of the two leads (daily correlation {together:.2f}).")
    assert table.loc["reactions", "effect_ci_low"] < 0.03 < table.loc["reactions", "effect_ci_high"]
    evidence = ek.outcome_evidence(metrics, pd.Series(kpi, index=DAYS, name="registration"), n_boot=50)
    assert len([s for s in evidence.sentences() if "together" in s]) == 1  # the group is said once
    assert set(evidence.lag_profiles()["metric"]) == {group["metric"]}  # and drawn once


def test_granger_q_values_and_the_correlation_are_shown_beside_the_verdict():
    metrics, kpi = planted()
    model = ek.lead_model(metrics, kpi)
    granger = pd.DataFrame({"metric": ["link_clicks", "reactions"], "q_value": [0.001, 0.7]})
    correlations = ek.LaggedCorrelation(max_lag=7, n_boot=50)(metrics, kpi)
    table = verdicts(model, correlations=correlations, granger=granger).set_index("metric")
    assert table["granger_q"].to_dict() == {"link_clicks": 0.001, "reactions": 0.7}
    lag = int(table.loc["link_clicks", "lag"])
    at_lag = correlations.loc[(correlations["metric"] == "link_clicks") & (correlations["lag"] == lag)].iloc[0]
    assert table.loc["link_clicks", ["r", "r_ci_low", "r_ci_high"]].tolist() == at_lag[["r", "ci_low", "ci_high"]].tolist()
    assert pd.isna(table.loc["reactions", "r"])


def test_a_short_kpi_is_not_enough_data_with_no_lag_or_detectable_effect():
    metrics, kpi = planted()
    table = verdicts(ek.lead_model(metrics.iloc[:60], kpi.iloc[:60])).set_index("metric")
    assert (table["verdict"] == NOT_ENOUGH).all()
    note = ("the engagement and registration data cover 60 days together, and at least 84 are needed: "
            "56 days with registration, each with the 28 days of engagement before it")
    assert table.loc["reactions", "note"] == note
    assert table[["lag", "effect", "min_detectable_effect"]].isna().all().all()
    row = table.loc["reactions"].rename(None).to_dict() | {"metric": "reactions"}
    assert describe_verdict(row, kpi="registration") == f"reactions: not enough data to tell ({note})."
    evidence = ek.outcome_evidence(metrics.iloc[:60], kpi.iloc[:60], n_boot=50)
    assert evidence.headline() == ("Create content -> get engagement -> registration? Not enough data to tell whether "
                                   f"engagement precedes registration ({note}).")
    assert "No engagement metric was found" not in evidence.headline()


def test_a_constant_metric_and_a_constant_kpi_are_named():
    metrics, kpi = planted()
    metrics["shares"] = 4
    table = verdicts(ek.lead_model(metrics, kpi)).set_index("metric")
    assert table.loc["shares", "verdict"] == NOT_ENOUGH
    assert table.loc["shares", "note"].startswith("constant series: shares does not vary")
    assert table.loc["link_clicks", "verdict"] == LEADS
    flat = verdicts(ek.lead_model(metrics, kpi * 0 + 3))
    assert set(flat["note"]) == {"constant series: registration does not vary"}


@pytest.mark.parametrize("effect, per", [(0.05, 100), (0.13, 10), (1.4, 1), (0.0049, 1000)])
def test_effects_are_worded_per_a_round_number_of_units(effect, per):
    assert effect_unit(effect) == per


@pytest.mark.parametrize("q, text", [(0.0004, "q < 0.001"), (0.012, "q = 0.012"), (0.2, "q = 0.2"), (np.nan, "q not computed")])
def test_q_values_in_sentences(q, text):
    assert format_q(q) == text


def test_verdicts_in_words():
    lead = {"metric": "comments", "verdict": LEADS, "lag": 2, "q_value": 0.0004, "effect": 0.13,
            "effect_ci_low": 0.09, "effect_ci_high": 0.17, "group": "", "note": ""}
    assert describe_verdict(lead, kpi="registrations") == (
        "comments precede registrations by about 2 days: +10 comments ~ +1.3 registrations in total "
        "(95% CI +0.9 to +1.7); q < 0.001.")
    group = lead | {"metric": "reactions", "group": "shares", "together_r": 0.83, "lag": 3, "effect": 0.04,
                    "effect_ci_low": 0.03, "effect_ci_high": 0.05, "q_value": 0.02}
    assert describe_verdict(group, kpi="registrations") == (
        "reactions and shares together precede registrations by about 3 days: +100 reactions (with the shares that "
        "move with them) ~ +4.0 registrations in total (95% CI +3.0 to +5.0); q = 0.02. These data cannot tell "
        "which of the two leads (daily correlation 0.83).")
    noise = {"metric": "reactions", "verdict": NO_EVIDENCE, "note": "", "min_detectable_effect": 0.012}
    assert describe_verdict(noise, kpi="registrations") == (
        "reactions: no evidence that it precedes registrations at any delay tested; the data would have detected "
        "a total effect of +100 reactions ~ +1.2 registrations or more.")
    same_day = lead | {"lag": 0}
    assert describe_verdict(same_day, kpi="orders").startswith("comments precede orders within the same day: +10 comments")
