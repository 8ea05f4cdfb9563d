"""Does engagement precede the KPI? Every test of notebook 03 in one call, one verdict per metric.

:func:`outcome_evidence` runs the lagged cross-correlation
(:class:`engagekit.correlate.LaggedCorrelation`), the Granger tests
(:func:`engagekit.granger.granger_tests`) and the joint fit of the leading
metrics (:func:`engagekit.correlate.verdicts`), and returns them together. The
verdict rests on the correlation and the joint fit; the Granger q-value is
shown beside it as supporting evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from engagekit.correlate import LEADS, LaggedCorrelation, describe_verdict, verdicts
from engagekit.granger import granger_tests

__all__ = ["OutcomeEvidence", "outcome_evidence"]


@dataclass(frozen=True)
class OutcomeEvidence:
    """The evidence for each engagement metric against one KPI.

    Attributes
    ----------
    kpi
        The KPI's name.
    correlations
        One row per metric x lag (:class:`~engagekit.correlate.LaggedCorrelation`).
    granger
        One row per metric (:func:`~engagekit.granger.granger_tests`).
    verdicts
        One row per metric (:func:`~engagekit.correlate.verdicts`), with the Granger q-value.
    """

    kpi: str
    correlations: pd.DataFrame
    granger: pd.DataFrame
    verdicts: pd.DataFrame

    def sentences(self) -> list[str]:
        """Each metric's verdict in plain words."""
        return [describe_verdict(row, kpi=self.kpi) for _, row in self.verdicts.iterrows()]

    def headline(self) -> str:
        """The blank of "Create content -> get engagement -> ____?" filled in with what the data show."""
        start = f"Create content -> get engagement -> {self.kpi}?"
        leads = self.leads()
        if leads.empty:
            return f"{start} No engagement metric was found to precede {self.kpi}."
        return f"{start} " + " ".join(describe_verdict(row, kpi=self.kpi) for _, row in leads.iterrows())

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

    Parameters
    ----------
    metrics
        One column per engagement metric, indexed by day (e.g. from :func:`engagekit.daily_engagement`).
    kpi
        The KPI per day on the same index (e.g. from :func:`engagekit.kpi_series`).
    max_lag
        Largest lag in days tested by the correlation and the Granger tests.
    n_boot, seed
        Bootstrap resamples and seed of the correlation intervals.
    alpha
        False discovery rate of the verdicts.
    weekly
        Remove day-of-week effects along with the trend.
    """
    correlations = LaggedCorrelation(max_lag=max_lag, weekly=weekly, n_boot=n_boot, seed=seed)(metrics, kpi)
    granger = granger_tests(metrics, kpi, max_lag=max_lag, detrend=True, alpha=alpha)
    table = verdicts(correlations, metrics=metrics, kpi=kpi, granger=granger, alpha=alpha, weekly=weekly)
    return OutcomeEvidence(kpi=str(kpi.name), correlations=correlations, granger=granger, verdicts=table)
