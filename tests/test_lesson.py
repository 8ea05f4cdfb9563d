"""The lesson: its demonstrations, its answer checks, and the notebook in its teacher and student versions."""

import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from engagekit.report import plots
from engagekit.teaching import lesson
from engagekit.teaching.scenarios import SCENARIOS

from paths import NOTEBOOKS

LESSON = NOTEBOOKS / "00_engagement_is_a_result.ipynb"
BIN = Path(sys.executable).parent

LINK_CLICKS_TRUTH = {
    "leads": [{"metric": "link_clicks", "outcome": "registration", "lag_days": 2, "effect_per_unit": 0.05},
              {"metric": "reactions", "outcome": "order", "lag_days": 0, "effect_per_unit": 0.01}],
    "noise": {"registration": ["reactions", "comments", "shares"]},
}
NO_LEADS_TRUTH = {"leads": [], "noise": {"registration": ["reactions", "comments", "shares", "link_clicks"]}}
TWO_LEADS_TRUTH = {"leads": [{"metric": "comments", "outcome": "registration", "lag_days": 1, "effect_per_unit": 0.3},
                             {"metric": "shares", "outcome": "registration", "lag_days": 4, "effect_per_unit": 0.2}]}


# --------------------------------------------------------------------------- the trend trap


def trending_pair(seed=0, days=364):
    """Two series that share a linear trend and nothing else."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-01-06", periods=days, freq="D")  # a Monday: 52 whole weeks
    trend = np.linspace(10, 50, days)
    return (pd.Series(trend + rng.normal(0, 5, days), index=index, name="likes"),
            pd.Series(trend + rng.normal(0, 5, days), index=index, name="sign_ups"))


def test_trend_trap_raw_row_is_the_correlation_of_weekly_totals():
    likes, sign_ups = trending_pair()
    table = lesson.trend_trap_table(likes, sign_ups)
    weekly_likes = likes.to_numpy().reshape(52, 7).sum(axis=1)
    weekly_sign_ups = sign_ups.to_numpy().reshape(52, 7).sum(axis=1)
    assert table.loc[0, "comparison"] == "raw weekly totals"
    assert table.loc[0, "n"] == 52
    assert table.loc[0, "r"] == pytest.approx(np.corrcoef(weekly_likes, weekly_sign_ups)[0, 1])
    assert table.loc[0, "r"] > 0.9


def test_trend_trap_correlation_is_gone_once_the_trend_is_removed():
    likes, sign_ups = trending_pair()
    honest = lesson.trend_trap_table(likes, sign_ups).loc[1]
    assert honest["comparison"] == "daily, trend and weekday removed, same day"
    assert honest["n"] == 364
    assert abs(honest["r"]) < 0.15
    assert honest["ci_low"] < 0 < honest["ci_high"]


# --------------------------------------------------------------------------- chance findings


def test_chance_findings_has_one_row_per_metric_and_lag():
    findings = lesson.chance_findings(n_metrics=3, max_lag=4, days=120, seed=0, n_boot=10)
    assert len(findings) == 15
    assert findings.groupby("metric")["lag"].apply(list).to_dict() == {
        "metric_01": [0, 1, 2, 3, 4], "metric_02": [0, 1, 2, 3, 4], "metric_03": [0, 1, 2, 3, 4]}
    assert (findings["significant"] == (findings["p_value"] < 0.05)).all()
    assert (findings["survives"] == (findings["q_value"] < 0.05)).all()


def test_about_five_percent_of_tests_of_pure_noise_are_significant_without_correction():
    findings = lesson.chance_findings(n_metrics=100, max_lag=9, seed=1, n_boot=10)
    # 1000 tests: 50 expected, binomial sd 6.9; three sd either side
    assert len(findings) == 1000
    assert 30 <= findings["significant"].sum() <= 70


def test_the_correction_leaves_about_none_of_the_chance_findings():
    runs = [lesson.chance_findings(seed=seed, n_boot=10) for seed in range(5)]
    assert min(run["significant"].sum() for run in runs) >= 5
    assert sum(run["survives"].sum() for run in runs) <= 1


def test_chance_summary_counts_by_hand():
    findings = pd.DataFrame({"p_value": [0.01, 0.04, 0.2, 0.5], "q_value": [0.04, 0.08, 0.27, 0.5]})
    summary = lesson.chance_summary(findings)
    assert summary["rule"].tolist() == ["without correction (p < 0.05)", "Benjamini-Hochberg (q < 0.05)"]
    assert summary["tests"].tolist() == [4, 4]
    assert summary["findings"].tolist() == [2, 1]
    assert summary["expected_by_chance"].tolist() == [pytest.approx(0.2), 0.0]


def test_chance_findings_plot_draws_every_test():
    findings = pd.DataFrame({"p_value": [0.01, 0.04, 0.2, 0.5], "q_value": [0.04, 0.08, 0.27, 0.5]})
    ax = plots.chance_findings(findings)
    assert sum(len(c.get_offsets()) for c in ax.collections) == 4
    assert ax.get_yscale() == "log"


# --------------------------------------------------------------------------- people who comment buy more


@pytest.fixture(scope="module")
def people():
    return lesson.simulate_commenters(seed=20250101)


@pytest.fixture(scope="module")
def ratios(people):
    return lesson.comment_risk_ratios(people, strata=("prior_visits", "interest")).set_index("comparison")


def test_simulated_events_have_the_canonical_columns_and_one_page_view_each(people):
    assert list(people.columns[:9]) == ["occurred_at", "user_key", "session_key", "event", "source", "medium",
                                        "campaign", "content", "value"]
    assert str(people["occurred_at"].dtype) == "datetime64[us, UTC]"
    assert people.loc[people["event"] == "page_view", "user_key"].nunique() == 50_000
    assert (people.groupby(["user_key", "event"]).size() == 1).all()
    assert set(people["prior_visits"]) == {"0", "1", "2-4", "5+"}


def test_crude_risk_ratio_is_the_ratio_of_buyers_shares_by_hand(people, ratios):
    by_person = pd.crosstab(people["user_key"], people["event"])
    commented, bought = by_person["comment"] > 0, by_person["purchase"] > 0
    by_hand = bought[commented].mean() / bought[~commented].mean()
    assert ratios.loc["everyone", "risk_ratio"] == pytest.approx(by_hand)
    assert ratios.loc["everyone", "commenters"] == commented.sum()


def test_commenters_look_far_more_likely_to_buy(ratios):
    assert ratios.loc["everyone", "risk_ratio"] > 1.5


def test_comparing_people_with_the_same_prior_visits_shrinks_the_ratio_but_not_to_one(ratios):
    crude = ratios.loc["everyone", "risk_ratio"]
    stratified = ratios.loc["within groups of the same prior visits (measured)"]
    assert 1 < stratified["ci_low"] and stratified["risk_ratio"] < crude - 0.5


def test_within_the_same_interest_the_ratio_is_the_truth_one(ratios):
    hidden = ratios.loc["within groups of the same interest (hidden: only a simulation knows it)"]
    assert lesson.TRUE_RISK_RATIO == 1.0
    assert hidden["ci_low"] < lesson.TRUE_RISK_RATIO < hidden["ci_high"]
    assert abs(hidden["risk_ratio"] - 1) < 0.15


def test_commenting_does_not_change_buying_within_an_interest_level():
    people = lesson.simulate_commenters(n_people=200_000, seed=3)
    by_person = pd.crosstab(people["user_key"], people["event"])
    interest = people.drop_duplicates("user_key").set_index("user_key")["interest"].reindex(by_person.index)
    person = pd.DataFrame({"interest": interest, "commented": by_person["comment"] > 0,
                           "bought": by_person["purchase"] > 0})
    shares = person.groupby(["interest", "commented"])["bought"].mean().unstack()
    expected = lesson.INTEREST["buy"]
    for level in ("low", "medium", "high"):
        assert shares.loc[level, True] == pytest.approx(expected[level], abs=0.02)
        assert shares.loc[level, False] == pytest.approx(expected[level], abs=0.01)


# --------------------------------------------------------------------------- the checks


@pytest.mark.parametrize("exercise", sorted(lesson.EXERCISES))
def test_an_unanswered_exercise_says_so(exercise):
    check = lesson.check_answer(exercise, None)
    assert check.status == "not answered"
    assert repr(check).startswith("Not answered yet")


def test_an_unknown_exercise_is_refused_naming_the_exercises():
    with pytest.raises(ValueError, match="unknown exercise 'lags'.*trend_trap, lag, chance_findings, selection_bias"):
        lesson.check_answer("lags", 3)


@pytest.mark.parametrize("answer", ["b", "B", " b) "])
def test_trend_trap_right(answer):
    assert lesson.check_answer("trend_trap", answer).status == "right"


@pytest.mark.parametrize("answer", ["a", "c", "d", "yes"])
def test_trend_trap_wrong_gives_a_hint_without_the_letter(answer):
    check = lesson.check_answer("trend_trap", answer)
    assert check.status == "wrong"
    assert check.message.startswith("Not yet.")
    if answer != "yes":
        assert '"b"' not in check.message


@pytest.mark.parametrize("answer", [("link_clicks", 2), ("link clicks", 2.0), [("Clicks", 2)], ("link_clicks", np.int64(2))])
def test_lag_right_in_any_spelling(answer):
    check = lesson.check_answer("lag", answer, truth=LINK_CLICKS_TRUTH)
    assert check.status == "right"
    assert check.message == "Right: link_clicks lead sign-ups by 2 days (this is what truth.yml planted)."


@pytest.mark.parametrize("answer", [("reactions", 2), ("link_clicks", 3), "none", ("shares", 0)])
def test_lag_wrong_never_names_the_answer(answer):
    check = lesson.check_answer("lag", answer, truth=LINK_CLICKS_TRUTH)
    assert check.status == "wrong"
    assert "link_clicks" not in check.message and "2 days" not in check.message


def test_lag_right_metric_wrong_days_says_which_part_is_off():
    check = lesson.check_answer("lag", ("likes", 0), truth={"leads": [{"metric": "reactions", "outcome": "registration",
                                                                        "lag_days": 3}]})
    assert "The metric is right, the number of days is not" in check.message


def test_lag_none_is_right_when_nothing_was_planted():
    assert lesson.check_answer("lag", "none", truth=NO_LEADS_TRUTH).status == "right"
    assert lesson.check_answer("lag", ("comments", 1), truth=NO_LEADS_TRUTH).status == "wrong"


def test_lag_with_two_leads_needs_both():
    half = lesson.check_answer("lag", ("comments", 1), truth=TWO_LEADS_TRUTH)
    assert half.status == "wrong" and "more than one metric leads" in half.message
    assert lesson.check_answer("lag", [("shares", 4), ("comments", 1)], truth=TWO_LEADS_TRUTH).status == "right"


def test_lag_answer_of_another_shape_is_told_the_format():
    for answer in ("link_clicks", 2, ("link_clicks", "two"), ("link_clicks", 2.5)):
        check = lesson.check_answer("lag", answer, truth=LINK_CLICKS_TRUTH)
        assert check.status == "wrong" and 'Write the answer as ("metric", days)' in check.message


def test_lag_check_reads_truth_yml_from_the_client_folder(tmp_path):
    truth = {"leads": SCENARIOS["comments-drive-sign-ups"].truth.leads()}
    (tmp_path / "truth.yml").write_text(yaml.safe_dump(truth), encoding="utf-8")
    assert lesson.planted_leads(tmp_path) == [("comments", 2)]
    assert lesson.check_answer("lag", ("comments", 2), truth=tmp_path).status == "right"
    assert lesson.check_answer("lag", ("comments", 2), truth=tmp_path / "truth.yml").status == "right"


def test_lag_check_needs_the_truth():
    with pytest.raises(ValueError, match="needs truth="):
        lesson.check_answer("lag", ("comments", 2))
    with pytest.raises(FileNotFoundError, match="no truth.yml"):
        lesson.check_answer("lag", ("comments", 2), truth=NOTEBOOKS)


FINDINGS = pd.DataFrame({"p_value": [0.001, 0.02, 0.04, 0.3], "q_value": [0.004, 0.053, 0.053, 0.3]})


def test_chance_findings_right():
    check = lesson.check_answer("chance_findings", (3, 1), findings=FINDINGS)
    assert check.status == "right"
    assert "3 of 4 tests have p < 0.05" in check.message and "1 survives" in check.message


def test_chance_findings_wrong_says_which_count_is_off():
    check = lesson.check_answer("chance_findings", [3, 0], findings=FINDINGS)
    assert check.status == "wrong"
    assert "second number is off" in check.message and "first number" not in check.message


def test_chance_findings_answer_of_another_shape_is_told_the_format():
    assert "two whole numbers" in lesson.check_answer("chance_findings", 3, findings=FINDINGS).message
    with pytest.raises(ValueError, match="needs findings="):
        lesson.check_answer("chance_findings", (3, 1))


@pytest.mark.parametrize("answer,status", [(1, "right"), (1.06, "right"), (0.85, "right"), (2.34, "wrong"),
                                           (1.47, "wrong"), (0.5, "wrong"), ("one", "wrong"), (float("nan"), "wrong")])
def test_selection_bias_within_tolerance_of_one(answer, status):
    assert lesson.check_answer("selection_bias", answer).status == status


# --------------------------------------------------------------------------- the notebook, teacher and student


def run(*command):
    subprocess.run([str(c) for c in command], check=True, capture_output=True, text=True, timeout=300)


def check_outputs(notebook):
    """The text each check cell printed, by exercise."""
    outputs = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and "lesson.check_answer(" in cell.source:
            exercise = cell.source.split('"')[1]
            outputs[exercise] = "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in cell.outputs)
    return outputs


def tagged(notebook, tag):
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


def test_the_notebook_has_a_parameters_cell_and_an_answer_after_every_exercise():
    notebook = nbformat.read(LESSON, as_version=4)
    parameters = tagged(notebook, "parameters")
    assert len(parameters) == 1
    assert 'scenario = "likes-are-noise"' in parameters[0].source and "seed = 20250101" in parameters[0].source
    assert len(tagged(notebook, "answer")) == len(lesson.EXERCISES)
    assert sorted(check_outputs(notebook)) == sorted(lesson.EXERCISES)


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson") / "teacher.ipynb"
    run(BIN / "papermill", "--no-progress-bar", LESSON, out, "-p", "scenario", "comments-drive-sign-ups")
    return nbformat.read(out, as_version=4)


def test_teacher_version_with_another_scenario_passes_every_check(teacher):
    checks = check_outputs(teacher)
    assert checks["lag"].strip() == "Right: comments lead sign-ups by 2 days (this is what truth.yml planted)."
    assert all(text.startswith("Right") for text in checks.values())
    assert len(tagged(teacher, "answer")) == len(lesson.EXERCISES)


def test_teacher_version_shows_that_the_method_finds_the_planted_lead(teacher):
    answer = next(cell for cell in tagged(teacher, "answer") if "lag_answer" in cell.source)
    printed = " ".join("".join(o.get("text", "") for o in answer.outputs).split())  # the sentences are wrapped
    assert "What the method found: Create content -> get engagement -> registration? comments precede registration by about 2 days" in printed


def test_student_version_has_no_answers_and_runs_top_to_bottom(tmp_path):
    run(BIN / "jupyter", "nbconvert", LESSON, "--to", "notebook", "--output-dir", tmp_path, "--output", "student",
        "--TagRemovePreprocessor.enabled=True", "--TagRemovePreprocessor.remove_cell_tags=answer",
        "--ClearOutputPreprocessor.enabled=True")
    student = nbformat.read(tmp_path / "student.ipynb", as_version=4)
    assert tagged(student, "answer") == []
    assert all(not cell.get("outputs") for cell in student.cells if cell.cell_type == "code")
    run(BIN / "papermill", "--no-progress-bar", tmp_path / "student.ipynb", tmp_path / "ran.ipynb",
        "-p", "scenario", "comments-drive-sign-ups")
    checks = check_outputs(nbformat.read(tmp_path / "ran.ipynb", as_version=4))
    assert sorted(checks) == sorted(lesson.EXERCISES)
    assert all(text.startswith("Not answered yet") for text in checks.values())
