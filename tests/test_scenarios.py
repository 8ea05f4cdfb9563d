"""The named sample scenarios: deterministic, in the default sample's formats, their truth recorded and recovered.

Each scenario is written once (a module fixture); notebook 03 runs on it with papermill and its saved key
figures are scored against the scenario's truth.yml.
"""

import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import papermill
import pytest
import yaml

import engagekit as ek
from engagekit.teaching import score_verdicts, write_sample
from engagekit.teaching.sample_page import BASE_LOSS_RATE, FOLLOWERS_START
from engagekit.teaching.scenarios import SCENARIOS

from paths import NOTEBOOKS, SAMPLE

SEED = 20250101
WRITTEN = ["comments-drive-sign-ups", "no-effect", "promotion-fatigue", "campaign-launch"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Each scenario but the default written once with the default seed (the default is data/sample)."""
    folders = {"likes-are-noise": SAMPLE}
    for name in WRITTEN:
        folders[name] = write_sample(tmp_path_factory.mktemp(name), scenario=name, seed=SEED)
    return folders


def _truth(folder) -> dict:
    return yaml.safe_load((folder / "truth.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def recovered(written, tmp_path_factory):
    """Notebook 03 on each scenario (the planted launch date as its change date): the saved key figures."""
    figures = {}
    for name, folder in written.items():
        out = tmp_path_factory.mktemp(f"nb03-{name}")
        launch = _truth(folder)["launch"]
        parameters = {"client": str(folder), "output_dir": str(out), "n_boot": 200,
                      "change_date": launch["date"] if launch else ""}
        papermill.execute_notebook(str(NOTEBOOKS / "03_outcome_correlation.ipynb"), str(out / "03.ipynb"),
                                   parameters=parameters, cwd=str(NOTEBOOKS), progress_bar=False, log_output=False,
                                   extra_arguments=["--IPKernelApp.log_level=ERROR"])
        figures[name] = json.loads((out / "key_figures" / "correlation.json").read_text(encoding="utf-8"))
    return figures


def test_every_scenario_is_named_and_told():
    assert list(SCENARIOS) == ["likes-are-noise", "comments-drive-sign-ups", "no-effect", "promotion-fatigue",
                               "campaign-launch"]
    assert all(s.name == name and s.title and len(s.story) > 80 for name, s in SCENARIOS.items())


@pytest.mark.parametrize("name", WRITTEN)
def test_the_same_seed_writes_the_same_bytes(name, written, tmp_path):
    again = write_sample(tmp_path, scenario=name, seed=SEED)
    first = sorted(p.name for p in written[name].iterdir())
    assert sorted(p.name for p in again.iterdir()) == first
    assert [n for n in first if (again / n).read_bytes() != (written[name] / n).read_bytes()] == []


@pytest.mark.parametrize("name", WRITTEN)
def test_a_scenario_writes_the_default_sample_s_files_in_their_formats(name, written):
    folder = written[name]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in SAMPLE.iterdir())
    assert _formats(folder) == _formats(SAMPLE)


def _formats(folder) -> dict[str, str]:
    """Each loaded file's name and the format it was read as."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.GoalDataWarning)
        return {pathlib.Path(r.file).name: r.format for r in ek.load_client(folder).reports}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_truth_yml_records_the_scenario_s_registration_model(name, written):
    scenario, truth = SCENARIOS[name], _truth(written[name])
    assert truth["scenario"] == {"name": name, "title": scenario.title, "story": scenario.story}
    assert truth["registration_model"] == scenario.truth.model()
    assert truth["leads"] == scenario.truth.leads()
    assert truth["noise"] == {"registration": scenario.truth.noise}
    assert truth["trend"].startswith(f"g(t) = 1 + {scenario.truth.trend_slope:g}*t/364")


def test_truth_yml_records_the_rising_self_promotion_and_the_fatigue(written):
    truth = _truth(written["promotion-fatigue"])
    assert truth["self_promotion"]["share_start"] == 0.3 and truth["self_promotion"]["share_end"] == 0.75
    quarters = truth["self_promotion"]["observed_share_by_quarter"]
    # the planted line at each quarter's middle day: 0.3 + 0.45 * (44.5, 135, 226.5, 318.5) / 364, within 0.03
    assert np.allclose(quarters, [0.355, 0.467, 0.580, 0.694], atol=0.03)
    fatigue = truth["fatigue"]
    assert (fatigue["loss_per_self_promotional_share"], fatigue["window_days"]) == (0.002, 14)
    assert fatigue["formula"].startswith(f"lost(t) ~ Poisson(followers(t-1) * ({BASE_LOSS_RATE:g} + 0.002 * s(t)))")
    assert truth["followers"]["start"] == FOLLOWERS_START and truth["followers"]["end"] < 0.8 * FOLLOWERS_START
    assert truth["launch"] is None


def test_truth_yml_records_the_launch_and_the_registrations_it_adds(written):
    truth = _truth(written["campaign-launch"])
    launch = truth["launch"]
    assert (launch["date"], launch["lift"]) == ("2025-09-01", 1.0)
    # 6 * g(t) * weekday(t) * 1.0 over 2025-09-01 (t = 243) .. 2025-09-28: g rises from 1.534 to 1.593
    assert launch["expected_added_registrations_per_day_first_28_days"] == pytest.approx(6 * 1.5637 * 1.0, abs=0.05)
    assert launch["expected_added_registrations_first_28_days"] == pytest.approx(
        28 * launch["expected_added_registrations_per_day_first_28_days"], abs=0.1)
    assert truth["fatigue"] is None and truth["self_promotion"]["share_start"] == 0.45


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_notebook_03_finds_every_planted_driver_at_its_lag(name, written, recovered):
    scored = score_verdicts(pd.DataFrame.from_records(recovered[name]["verdicts"]), _truth(written[name]))
    drivers = scored.loc[scored["planted"] == "driver"]
    assert drivers["metric"].tolist() == [d.metric for d in SCENARIOS[name].truth.drivers]
    assert (drivers["result"] == "found").all()
    assert set(scored.loc[scored["planted"] == "noise", "result"]) <= {"rightly no evidence", "false driver"}


def test_notebook_03_calls_noise_a_lead_no_more_often_than_its_error_rate_allows(written, recovered):
    # 16 noise metrics over the five scenarios (four in no-effect), each tested at a 5% false discovery
    # rate beside a strong driver (or none): under one chance lead is expected, two would be too many.
    scored = pd.concat([score_verdicts(pd.DataFrame.from_records(recovered[name]["verdicts"]), _truth(written[name]))
                        .assign(scenario=name) for name in SCENARIOS])
    noise = scored.loc[scored["planted"] == "noise"]
    assert len(noise) == 16
    assert (noise["result"] == "false driver").sum() <= 1
    assert (scored.loc[scored["scenario"] == "likes-are-noise", "correct"]).all()  # the lesson's default sample


def test_notebook_03_measures_the_planted_launch(written, recovered):
    impact = recovered["campaign-launch"]["impact"]
    planted = _truth(written["campaign-launch"])["launch"]["expected_added_registrations_per_day_first_28_days"]
    average = next(row for row in impact["summary"] if row["measure"] == "average daily effect")
    assert impact["change"] == "2025-09-01" and not impact["placebo"]
    assert 0 < average["ci_low"] <= planted <= average["ci_high"]


def test_notebook_02_s_fatigue_measures_find_the_planted_promotion_fatigue(written):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.GoalDataWarning)
        analysis = ek.open_analysis(str(written["promotion-fatigue"]))
    dataset = analysis.dataset
    classes = ek.classify_posts(dataset.posts, labels=dataset.labels)
    shares = ek.self_promotional_share(dataset.posts, classes, tz=analysis.tz)
    monthly = shares.loc[shares["platform"] == "all", "self_promotional_share"].astype(float).to_numpy()
    assert len(monthly) == 12 and monthly[-3:].mean() > monthly[:3].mean() + 0.25
    fatigue = ek.fatigue_correlation(ek.follower_fatigue(dataset.posts, classes, dataset.account_daily, tz=analysis.tz))
    row = fatigue.set_index("platform").loc["facebook"]
    assert row["loss_source"] == "lost_followers" and row["days"] >= 350
    assert row["spearman_rho"] > 0.15 and row["p_value"] < 0.001


def test_without_fatigue_the_follower_losses_do_not_follow_self_promotion():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.GoalDataWarning)
        analysis = ek.open_analysis(str(SAMPLE))
    dataset = analysis.dataset
    classes = ek.classify_posts(dataset.posts, labels=dataset.labels)
    fatigue = ek.fatigue_correlation(ek.follower_fatigue(dataset.posts, classes, dataset.account_daily, tz=analysis.tz))
    assert fatigue.set_index("platform").loc["facebook", "p_value"] > 0.05


def _quarterly_posts(folder) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.GoalDataWarning)
        posts = ek.load_client(folder).posts
    return posts["published_at"].dt.quarter.value_counts().sort_index().to_numpy()


def test_a_flat_trend_keeps_the_posting_rate_flat(written):
    flat, rising = _quarterly_posts(written["promotion-fatigue"]), _quarterly_posts(SAMPLE)
    # g(t) = 1 + slope * t / 364: the last quarter over the first is 1 with slope 0, (1 + 0.8 * 318.5 / 364) /
    # (1 + 0.8 * 44.5 / 364) = 1.55 with the default 0.8
    assert abs(flat[3] / flat[0] - 1) < 0.15
    assert abs(rising[3] / rising[0] - 1.55) < 0.15
