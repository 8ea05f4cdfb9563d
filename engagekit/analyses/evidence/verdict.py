"""One verdict per engagement metric, from the joint lead model, and the verdicts in plain words.

A metric **leads to the KPI** when the joint distributed-lag model
(:func:`engagekit.analyses.evidence.distributed_lag.lead_model`) chose it and its q-value is below
``alpha``: the row gives the peak lag, the carryover's half-life and the
**total effect** of one unit with its 95% interval. Two metrics the data
cannot tell apart lead **together**: both rows say so, name each other in
``group`` and carry the group's test and effect. Otherwise a metric has **no
evidence**, with the smallest total effect the data would have detected at
80% power; or **not enough data** (too few days, a series that does not
vary), with the reason and no lag or detectable effect. The lagged
correlation and the Granger q-value stand beside the verdict as description;
they do not decide it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from engagekit.analyses.evidence.distributed_lag import LeadModel
from engagekit.tables.series import as_text

__all__ = [
    "LEADS", "NO_EVIDENCE", "NOT_ENOUGH", "VERDICT_COLUMNS", "describe_verdict", "effect_unit", "format_q",
    "verdict_sentences", "verdicts",
]

LEADS = "leads to the KPI"
NO_EVIDENCE = "no evidence"
NOT_ENOUGH = "not enough data"

VERDICT_COLUMNS = [
    "metric", "verdict", "lag", "half_life", "effect", "effect_ci_low", "effect_ci_high", "per_unit", "group",
    "together_r", "p_value", "q_value", "min_detectable_effect", "r", "r_ci_low", "r_ci_high", "granger_q", "n", "note",
]

_POWER = 0.8


def verdicts(
    model: LeadModel,
    *,
    correlations: pd.DataFrame | None = None,
    granger: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One verdict per metric of ``model``.

    Parameters
    ----------
    model
        The joint lead model (:func:`engagekit.analyses.evidence.distributed_lag.lead_model`).
    correlations
        A :class:`~engagekit.analyses.evidence.correlate.LaggedCorrelation` table: each row gets the detrended
        correlation at its peak lag (``r``, ``r_ci_low``, ``r_ci_high``), as description.
    granger
        Granger tests (:func:`engagekit.analyses.evidence.granger.granger_tests`): each row gets its ``granger_q``.

    Returns
    -------
    pandas.DataFrame
        One row per metric, columns :data:`VERDICT_COLUMNS`. ``lag`` (the peak lag), ``half_life``
        and the effect columns are filled for leads only; ``min_detectable_effect`` (total effect of
        one unit detectable at 80% power) for "no evidence" only; ``note`` gives the reason of "not
        enough data" and, for a group, what the data cannot tell.
    """
    tests = model.tests
    metric_rows = tests.loc[tests["kind"] == "metric"].set_index("metric")
    group_rows = tests.loc[(tests["kind"] == "group") & (tests["q_value"] < model.alpha) & (tests["effect"] > 0)]
    in_group = {member: row for row in group_rows.to_dict(orient="records") for member in row["members"].split(", ")}
    z_power = stats.norm.ppf(_POWER)
    rows = []
    for metric, test in metric_rows.iterrows():
        out = {"metric": metric, "n": int(test["n"]), "p_value": test["p_value"], "q_value": test["q_value"], "note": ""}
        if test["reason"]:
            out.update(verdict=NOT_ENOUGH, note=test["reason"])
        elif metric in in_group:
            group = in_group[metric]
            first, second = group["members"].split(", ")
            partner = second if metric == first else first
            values = _lead_values(group)
            if metric != first:  # the group's effect is per unit of its first member
                ratio = model.spread[partner] / model.spread[metric]
                values.update(effect=values["effect"] * ratio, effect_ci_low=values["effect_ci_low"] * ratio,
                              effect_ci_high=values["effect_ci_high"] * ratio,
                              per_unit=f"{metric} (with the {partner} that moves with it)")
            out.update(verdict=LEADS, group=partner, together_r=group["together_r"], p_value=group["p_value"],
                       q_value=group["q_value"], **values,
                       note=f"moves with {partner} (daily correlation {group['together_r']:.2f}); these data cannot tell "
                            "which of the two leads")
        elif test["selected"] and test["q_value"] < model.alpha and test["effect"] > 0:
            out.update(verdict=LEADS, **_lead_values(test))
        else:
            out.update(verdict=NO_EVIDENCE,
                       min_detectable_effect=(test["critical_t"] + z_power) * test["std_error"])
        rows.append(out)
    table = pd.DataFrame(rows).reindex(columns=VERDICT_COLUMNS)
    if correlations is not None:
        table = _with_correlation(table, correlations)
    if granger is not None:
        table["granger_q"] = table["metric"].map(granger.set_index("metric")["q_value"])
    table["group"] = as_text(table["group"])
    table["per_unit"] = as_text(table["per_unit"])
    table["note"] = as_text(table["note"])
    floats = {c: "float64" for c in VERDICT_COLUMNS if c not in ("metric", "verdict", "lag", "per_unit", "group", "n", "note")}
    return table.astype({"metric": "str", "verdict": "str", "lag": "Int64", "per_unit": "str", "group": "str",
                         "n": "int64", "note": "str", **floats})



def _lead_values(test: pd.Series | dict) -> dict:
    """A lead's verdict values from its test row (a metric's or its group's)."""
    return {"lag": test["delay"], "half_life": test["half_life"], "effect": test["effect"],
            "effect_ci_low": test["ci_low"], "effect_ci_high": test["ci_high"], "per_unit": test["per_unit"]}


def _with_correlation(table: pd.DataFrame, correlations: pd.DataFrame) -> pd.DataFrame:
    """The detrended correlation of each lead at its peak lag (description beside the verdict)."""
    keyed = correlations.set_index(["metric", "lag"])
    for i, row in table.iterrows():
        key = (row["metric"], int(row["lag"])) if pd.notna(row["lag"]) else None
        if key is not None and key in keyed.index:
            table.loc[i, ["r", "r_ci_low", "r_ci_high"]] = keyed.loc[key, ["r", "ci_low", "ci_high"]].to_numpy(dtype=float)
    return table


def effect_unit(effect: float) -> int:
    """A round number of metric units that moves the KPI by about one or more (10 for 0.13, 100 for 0.05).

    Effects are worded per this many units ("+10 comments ~ +1.3 registrations"); 1 for an
    effect that is not positive.
    """
    if not effect > 0:
        return 1
    return int(10 ** max(0, int(np.ceil(np.log10(1 / effect)))))


def format_q(q: float) -> str:
    """A q-value for a sentence: "q < 0.001" below a thousandth, else two significant digits."""
    if pd.isna(q):
        return "q not computed"
    return "q < 0.001" if q < 0.001 else f"q = {q:.2g}"


def verdict_sentences(rows, *, kpi: str) -> list[str]:
    """Each verdict of ``rows`` (mappings, e.g. a verdict table's records) in plain words, a group once,
    and the metrics without enough data for the same reason in one sentence."""
    said: set[str] = set()
    out = []
    short: dict[str, list[str]] = {}  # reason -> metrics without enough data for it
    for row in rows:
        if row["metric"] in said:
            continue
        said |= {row["metric"], row.get("group") or ""}
        if row["verdict"] == NOT_ENOUGH:
            short.setdefault(row.get("note") or "", []).append(row["metric"])
            continue
        out.append(describe_verdict(row, kpi=kpi))
    for note, metrics in short.items():
        out.append(describe_verdict({"metric": ", ".join(metrics), "verdict": NOT_ENOUGH, "note": note}, kpi=kpi))
    return out


def _verb(metric: str) -> str:
    return "precede" if metric.endswith("s") else "precedes"


def _days(lag: int) -> str:
    return "within the same day" if lag == 0 else f"by about {lag} day{'s' if lag != 1 else ''}"


def describe_verdict(row: pd.Series | dict, *, kpi: str) -> str:
    """A verdict in plain words ("precedes", never "causes")."""
    metric, verdict = row["metric"], row["verdict"]
    note = row.get("note") or ""
    if verdict == LEADS:
        effect, lo, hi = row["effect"], row["effect_ci_low"], row["effect_ci_high"]
        per = effect_unit(effect)
        group = row.get("group") or ""
        subject = f"{metric} and {group} together precede" if group else f"{metric} {_verb(metric)}"
        units = f"+{per:,} {metric}" + (f" (with the {group} that move with them)" if group else "")
        sentence = (f"{subject} {kpi} {_days(int(row['lag']))}: {units} ~ {per * effect:+.1f} {kpi} in total "
                    f"(95% CI {per * lo:+.1f} to {per * hi:+.1f}); {format_q(row['q_value'])}.")
        if group:
            sentence += f" These data cannot tell which of the two leads (daily correlation {row['together_r']:.2f})."
        return sentence
    if verdict == NO_EVIDENCE:
        mde = row.get("min_detectable_effect", np.nan)
        text = f"{metric}: no evidence that it precedes {kpi} at any delay tested"
        if pd.notna(mde) and mde > 0:
            per = effect_unit(mde)
            text += f"; the data would have detected a total effect of +{per:,} {metric} ~ +{per * mde:.1f} {kpi} or more"
        return text + "."
    return f"{metric}: not enough data to tell ({note})." if note else f"{metric}: not enough data to tell."
