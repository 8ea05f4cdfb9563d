"""Did the verdicts find what was planted? Scoring against a sample client's known truth.

A sample client (:mod:`engagekit.teaching.sample`) records in ``truth.yml`` which
engagement metrics drive which outcome, after how many days, and which are
noise. :func:`score_verdicts` sets a verdict table beside that truth, for the
tests, the simulation study in ``bench/`` and the lesson's exercises.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from engagekit.analyses.evidence.verdict import LEADS, NOT_ENOUGH
from engagekit.teaching.sample_truth import SampleTruth

__all__ = ["RECOVERY_COLUMNS", "planted_truth", "score_verdicts"]

RECOVERY_COLUMNS = ["metric", "planted", "planted_lag", "verdict", "lag", "result", "correct"]

FOUND = "found"
WRONG_LAG = "found at another lag"
MISSED = "missed"
FALSE_DRIVER = "false driver"
NO_EVIDENCE_RIGHT = "rightly no evidence"
UNDECIDED = "not enough data"


def planted_truth(truth: Mapping | SampleTruth, *, outcome: str = "registration") -> tuple[dict[str, int], list[str]]:
    """What a truth plants for ``outcome``: its drivers (metric -> lag in days, in truth.yml's order) and its noise metrics.

    ``truth`` is a parsed truth.yml or a :class:`~engagekit.teaching.sample_truth.SampleTruth`; a lead
    that names no outcome counts for every outcome.
    """
    if isinstance(truth, SampleTruth):
        return {d.metric: d.lag_days for d in truth.drivers}, truth.noise
    leads = {lead["metric"]: int(lead["lag_days"]) for lead in truth.get("leads") or []
             if lead.get("outcome", outcome) == outcome}
    return leads, list((truth.get("noise") or {}).get(outcome, []))


def score_verdicts(
    verdicts: pd.DataFrame,
    truth: Mapping | SampleTruth,
    *,
    outcome: str = "registration",
    lag_tolerance: int = 1,
) -> pd.DataFrame:
    """Set each metric's verdict beside the planted truth.

    Parameters
    ----------
    verdicts
        A table from :func:`engagekit.analyses.evidence.verdict.verdicts` (``metric``, ``verdict``, ``lag``).
    truth
        The parsed ``truth.yml`` of a sample client (``leads``: metric, outcome,
        lag_days; ``noise``: outcome -> metrics) or a :class:`~engagekit.teaching.sample_truth.SampleTruth`.
    outcome
        The KPI the verdicts are about.
    lag_tolerance
        A driver found within this many days of its planted lag counts as found.

    Returns
    -------
    pandas.DataFrame
        One row per metric of the verdict table: ``planted`` ("driver", "noise" or
        "not planted"), ``planted_lag``, the ``verdict`` and its ``lag``, ``result``
        ("found", "found at another lag", "missed", "false driver", "rightly no
        evidence", "not enough data") and ``correct`` (found at the lag, or noise
        without a lead; NA for metrics the truth does not mention).
    """
    leads, noise = planted_truth(truth, outcome=outcome)
    rows = []
    for row in verdicts.itertuples():
        lag = row.lag if pd.notna(row.lag) else pd.NA
        if row.metric in leads:
            planted, planted_lag = "driver", leads[row.metric]
            if row.verdict == LEADS:
                result = FOUND if abs(int(lag) - planted_lag) <= lag_tolerance else WRONG_LAG
            else:
                result = UNDECIDED if row.verdict == NOT_ENOUGH else MISSED
            correct = result == FOUND
        else:
            planted, planted_lag = ("noise" if row.metric in noise else "not planted"), pd.NA
            result = FALSE_DRIVER if row.verdict == LEADS else (UNDECIDED if row.verdict == NOT_ENOUGH else NO_EVIDENCE_RIGHT)
            correct = (result == NO_EVIDENCE_RIGHT) if planted == "noise" else pd.NA
        rows.append([row.metric, planted, planted_lag, row.verdict, lag, result, correct])
    out = pd.DataFrame(rows, columns=RECOVERY_COLUMNS)
    return out.astype({"planted_lag": "Int64", "lag": "Int64", "correct": "boolean"})
