"""Does engagement precede the KPI? Every test of notebook 03 in one call, one verdict per metric.

:func:`outcome_evidence` fits the joint distributed-lag model of the KPI on
every metric (:func:`engagekit.analyses.evidence.distributed_lag.lead_model`), which decides the
verdicts (:func:`engagekit.analyses.evidence.verdict.verdicts`), and runs beside it the lagged
cross-correlation (:class:`engagekit.analyses.evidence.correlate.LaggedCorrelation`) and the
Granger tests (:func:`engagekit.analyses.evidence.granger.granger_tests`) as description.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from engagekit.analyses.evidence.correlate import LaggedCorrelation
from engagekit.analyses.evidence.distributed_lag import LeadModel, lead_model
from engagekit.analyses.evidence.granger import granger_tests
from engagekit.analyses.evidence.verdict import LEADS, NOT_ENOUGH, verdict_sentences, verdicts

__all__ = ["OutcomeEvidence", "outcome_evidence"]


@dataclass(frozen=True)
class OutcomeEvidence:
    """The evidence for each engagement metric against one KPI.

    Attributes
    ----------
    kpi
        The KPI's name.
    correlations
        One row per metric x lag (:class:`~engagekit.analyses.evidence.correlate.LaggedCorrelation`).
    granger
        One row per metric (:func:`~engagekit.analyses.evidence.granger.granger_tests`).
    verdicts
        One row per metric (:func:`~engagekit.analyses.evidence.verdict.verdicts`), with the Granger q-value.
    model
        The joint lead model that decided the verdicts (its tests, lag profiles and trend).
    """

    kpi: str
    correlations: pd.DataFrame
    granger: pd.DataFrame
    verdicts: pd.DataFrame
    model: LeadModel

    def sentences(self) -> list[str]:
        """Each verdict in plain words; a group of metrics that lead together is one sentence."""
        return verdict_sentences(self.verdicts.to_dict(orient="records"), kpi=self.kpi)

    def headline(self) -> str:
        """The blank of "Create content -> get engagement -> ____?" filled in with what the data show."""
        start = f"Create content -> get engagement -> {self.kpi}?"
        leads = self.leads()
        if not leads.empty:
            return f"{start} " + " ".join(verdict_sentences(leads.to_dict(orient="records"), kpi=self.kpi))
        if (self.verdicts["verdict"] == NOT_ENOUGH).all():
            reasons = sorted(set(self.verdicts["note"]) - {""})
            return (f"{start} Not enough data to tell whether engagement precedes {self.kpi}"
                    + (f" ({'; '.join(reasons)})." if reasons else "."))
        return f"{start} No engagement metric was found to precede {self.kpi}."

    def lag_profiles(self) -> pd.DataFrame:
        """The lag profiles of the leads (a group's once, under "a + b"), for :func:`engagekit.report.plots.lag_profile`."""
        leads = set(self.leads()["metric"])
        grouped = set(self.verdicts.loc[self.verdicts["group"] != "", "metric"])
        keys = [t.metric for t in self.model.tests.itertuples()
                if (t.kind == "metric" and t.metric in leads and t.metric not in grouped)
                or (t.kind == "group" and set(t.members.split(", ")) <= leads)]
        return self.model.profiles.loc[self.model.profiles["metric"].isin(keys)].reset_index(drop=True)

    def leads(self) -> pd.DataFrame:
        """The verdict rows of the metrics that lead to the KPI."""
        return self.verdicts.loc[self.verdicts["verdict"] == LEADS]


def outcome_evidence(
    metrics: pd.DataFrame,
    kpi: pd.Series,
    *,
    max_lag: int = 7,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    weekly: bool = True,
) -> OutcomeEvidence:
    """Test every engagement metric against the KPI and give one verdict each.

    The verdicts come from one distributed-lag model of the KPI on every metric
    together (:func:`engagekit.analyses.evidence.distributed_lag.lead_model`: delays 0 to ``max_lag``
    days with carryover, a trend chosen by the data, the weekday pattern): each
    lead's peak lag and the total effect of one unit with its 95% interval.

    Parameters
    ----------
    metrics
        One column per engagement metric, indexed by day (e.g. from :func:`engagekit.daily_engagement`).
    kpi
        The KPI per day on the same index (e.g. from :func:`engagekit.kpi_series`).
    max_lag
        Largest delay in days before a metric's effect starts (the model), and largest lag of the
        correlation and the Granger tests.
    n_boot, seed
        Bootstrap resamples and seed of the correlation intervals; the seed also seeds the
        model's simulated null distributions.
    alpha
        False discovery rate of the verdicts.
    weekly
        Remove day-of-week effects along with the trend.
    """
    correlations = LaggedCorrelation(max_lag=max_lag, weekly=weekly, n_boot=n_boot, seed=seed)(metrics, kpi)
    granger = granger_tests(metrics, kpi, max_lag=max_lag, detrend=True, alpha=alpha)
    model = lead_model(metrics, kpi, max_lag=max_lag, weekly=weekly, alpha=alpha, seed=seed)
    table = verdicts(model, correlations=correlations, granger=granger)
    return OutcomeEvidence(kpi=str(kpi.name), correlations=correlations, granger=granger, verdicts=table, model=model)
