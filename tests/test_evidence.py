"""outcome_evidence: the correlation, the Granger tests and the verdicts of notebook 03 in one call."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

import engagekit as ek
from engagekit.analyses.evidence.correlate import LaggedCorrelation
from engagekit.analyses.evidence.granger import granger_tests
from engagekit.analyses.evidence.distributed_lag import lead_model
from engagekit.analyses.evidence.verdict import LEADS, verdicts

from paths import SAMPLE

DAYS = pd.date_range("2025-01-01", periods=365, freq="D")


def planted(effect: float, seed: int = 2) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    trend = 1 + 0.8 * np.arange(len(DAYS)) / 364
    clicks = rng.poisson(200 * trend * rng.lognormal(0, 0.4, len(DAYS)))
    likes = rng.poisson(300 * trend)
    kpi = rng.poisson(4 * trend + effect * np.r_[np.zeros(2), clicks[:-2]])
    return (pd.DataFrame({"link_clicks": clicks, "reactions": likes}, index=DAYS),
            pd.Series(kpi, index=DAYS, name="registration"))


def test_evidence_is_the_three_analyses_run_with_the_same_options():
    metrics, kpi = planted(0.05)
    evidence = ek.outcome_evidence(metrics, kpi, max_lag=5, n_boot=100, seed=4)
    correlations = LaggedCorrelation(max_lag=5, n_boot=100, seed=4)(metrics, kpi)
    pd.testing.assert_frame_equal(evidence.correlations, correlations)
    granger = granger_tests(metrics, kpi, max_lag=5)
    pd.testing.assert_frame_equal(evidence.granger, granger)
    model = lead_model(metrics, kpi, max_lag=5, seed=4)
    pd.testing.assert_frame_equal(evidence.model.tests, model.tests)
    pd.testing.assert_frame_equal(evidence.verdicts, verdicts(model, correlations=correlations, granger=granger))
    assert evidence.kpi == "registration"


def test_headline_fills_the_blank_with_each_lead():
    metrics, kpi = planted(0.05)
    evidence = ek.outcome_evidence(metrics, kpi, n_boot=100)
    assert list(evidence.leads()["metric"]) == ["link_clicks"]
    lead = evidence.leads().iloc[0]
    assert evidence.headline() == (
        "Create content -> get engagement -> registration? " + ek.describe_verdict(lead, kpi="registration"))
    assert evidence.headline().split("? ")[1].startswith("link_clicks precede registration by about 2 days: +100 link_clicks")
    assert len(evidence.sentences()) == 2


def test_headline_without_a_lead_says_so():
    metrics, kpi = planted(0.0)
    evidence = ek.outcome_evidence(metrics[["reactions"]], kpi, n_boot=100)
    assert evidence.verdicts["verdict"].tolist() != [LEADS]
    assert evidence.headline() == (
        "Create content -> get engagement -> registration? No engagement metric was found to precede registration.")


def test_engagement_series_by_basis():
    from engagekit.tables.series import engagement_series

    analysis_dataset = ek.load_client(SAMPLE)
    by_publish = engagement_series(analysis_dataset, metrics=("reactions", "link_clicks"))
    expected = ek.daily_engagement(analysis_dataset.posts, tz=analysis_dataset.config.timezone,
                                   metrics=("reactions", "link_clicks"))
    pd.testing.assert_frame_equal(by_publish, expected)
    assert by_publish.attrs["basis"] == "publish day"
    by_activity = engagement_series(analysis_dataset, basis="activity day", metrics=("reactions", "link_clicks"))
    pd.testing.assert_frame_equal(by_activity, ek.daily_activity(analysis_dataset.account_daily,
                                                                 metrics=("reactions", "link_clicks")))
    assert by_activity.attrs["basis"] == "activity day"
    no_page = dataclasses.replace(analysis_dataset, account_daily=analysis_dataset.account_daily.iloc[:0])
    with pytest.raises(ValueError, match="needs account-level daily exports"):
        engagement_series(no_page, basis="activity day")
    with pytest.raises(ValueError, match="unknown basis 'weekly'; allowed: publish day, activity day"):
        engagement_series(analysis_dataset, basis="weekly")
