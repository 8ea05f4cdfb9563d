"""The generator plants the truth it is given, and random truths are drawn deterministically."""

import warnings

import pytest
import yaml

import engagekit as ek
from engagekit.teaching import score_verdicts, write_sample
from engagekit.teaching.sample_truth import (
    DEFAULT_TRUTH,
    DRIVER_METRICS,
    TYPICAL_DAILY,
    Driver,
    Fatigue,
    Launch,
    SampleTruth,
    random_truth,
)


def test_default_truth_is_the_sample_s_model():
    assert DEFAULT_TRUTH.model() == "Poisson(4*g(t)*weekday(t) + 0.05*link_clicks(t-2))"
    assert DEFAULT_TRUTH.noise == ["reactions", "comments", "shares"]


def test_bad_drivers_are_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match="'likes' is not one of reactions, comments, shares, link_clicks"):
        Driver("likes", 1, 0.1)
    with pytest.raises(ValueError, match="must be >= 0"):
        Driver("comments", -1, 0.1)
    with pytest.raises(ValueError, match="planted twice"):
        SampleTruth(drivers=(Driver("comments", 1, 0.1), Driver("comments", 2, 0.1)))


def test_random_truths_repeat_for_a_seed_and_vary_across_seeds():
    assert random_truth(3) == random_truth(3)
    truths = [random_truth(seed) for seed in range(200)]
    counts = [len(t.drivers) for t in truths]
    assert {0, 1, 2} == set(counts)
    assert 0.1 < counts.count(0) / 200 < 0.3  # drawn with probability 0.2
    lags = {d.lag_days for t in truths for d in t.drivers}
    assert lags == set(range(8))
    assert {d.metric for t in truths for d in t.drivers} == set(DRIVER_METRICS)


def test_random_effects_cause_the_drawn_share_of_registrations():
    for seed in range(50):
        truth = random_truth(seed)
        caused = sum(d.effect * TYPICAL_DAILY[d.metric] for d in truth.drivers)
        if truth.drivers:
            share = caused / (caused + truth.registration_base * 1.4)
            assert 0.15 - 0.01 <= share <= 0.6 + 0.01


@pytest.fixture(scope="module")
def comments_client(tmp_path_factory):
    truth = SampleTruth(drivers=(Driver("comments", 1, 0.4),), registration_base=3.0)
    folder = write_sample(tmp_path_factory.mktemp("sample"), seed=11, truth=truth)
    return folder, truth


def test_truth_yml_records_the_planted_model(comments_client):
    folder, truth = comments_client
    written = yaml.safe_load((folder / "truth.yml").read_text())
    assert written["registration_model"] == "Poisson(3*g(t)*weekday(t) + 0.4*comments(t-1))"
    assert written["leads"] == [{"metric": "comments", "outcome": "registration", "lag_days": 1, "effect_per_unit": 0.4}]
    assert written["noise"] == {"registration": ["reactions", "shares", "link_clicks"]}


def test_a_planted_comments_driver_is_recovered_from_the_written_exports(comments_client):
    folder, truth = comments_client
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.GoalDataWarning)
        analysis = ek.open_analysis(str(folder), kpi="registration")
    dataset, goal = analysis.dataset, analysis.goal
    engagement = ek.daily_engagement(dataset.posts, tz=analysis.tz, start=goal.start, end=goal.end)
    evidence = ek.outcome_evidence(engagement[list(DRIVER_METRICS)], ek.kpi_series(dataset, goal), n_boot=100)
    scored = score_verdicts(evidence.verdicts, truth).set_index("metric")
    assert scored["result"].to_dict() == {"comments": "found", "reactions": "rightly no evidence",
                                          "shares": "rightly no evidence", "link_clicks": "rightly no evidence"}
    comments = evidence.verdicts.set_index("metric").loc["comments"]
    assert comments["effect_ci_low"] < 0.4 < comments["effect_ci_high"]


def test_fatigue_and_launch_enter_the_model_line():
    truth = SampleTruth(trend_slope=0.0, fatigue=Fatigue(0.002), launch=Launch("2025-09-01", 1.0))
    assert truth.model() == "Poisson(4*g(t)*weekday(t)*audience(t)*(1 + 1*[t >= 2025-09-01]) + 0.05*link_clicks(t-2))"


def test_bad_trends_mixes_fatigue_and_launches_are_refused():
    with pytest.raises(ValueError, match="launch date must be YYYY-MM-DD, got '1 September'"):
        Launch("1 September", 0.5)
    with pytest.raises(ValueError, match="lift must be above -1"):
        Launch("2025-09-01", -1.0)
    with pytest.raises(ValueError, match="loss_per_share must be >= 0"):
        Fatigue(-0.1)
    with pytest.raises(ValueError, match="self_promotion must be two shares from 0 to 1"):
        SampleTruth(self_promotion=(0.3, 1.2))
    with pytest.raises(ValueError, match="trend_slope must be above -1"):
        SampleTruth(trend_slope=-1.0)


def test_a_launch_outside_the_period_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="launch date 2026-02-01 is not inside the sample's period"):
        write_sample(tmp_path, truth=SampleTruth(launch=Launch("2026-02-01", 0.5)))
    assert list(tmp_path.iterdir()) == []
