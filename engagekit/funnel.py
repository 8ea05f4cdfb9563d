"""The funnel from exposure to the KPI, from aggregate tables.

An aggregate funnel adds up counts from different sources (post exports, web
analytics, orders); it mixes people, so a step's "conversion" is a ratio of
totals, not the share of the same people who went on to the next step.
"""

from __future__ import annotations

import pandas as pd

from .series import local_day

__all__ = ["SOCIAL_CHANNELS", "AGGREGATE_CAVEAT", "aggregate_funnel"]

SOCIAL_CHANNELS = ("Organic Social", "Paid Social")
AGGREGATE_CAVEAT = (
    "Built from totals of different exports: each step's rate is a ratio of totals, "
    "not the share of the same people who went on; it cannot tell who converted."
)


def _in_period(days: pd.Series, start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.Series:
    keep = pd.Series(True, index=days.index)
    if start is not None:
        keep &= days >= start
    if end is not None:
        keep &= days <= end
    return keep


def aggregate_funnel(dataset, goal, *, start=None, end=None) -> pd.DataFrame:
    """Impressions -> engagements -> link clicks -> social sessions -> KPI, for the goal's period.

    Returns one row per stage: ``stage, count, source, step_conversion,
    overall_conversion, drop_off``. ``source`` names the table each count came from.
    """
    tz = dataset.config.timezone
    start = start if start is not None else goal.start
    end = end if end is not None else goal.end
    posts = dataset.posts
    posts = posts.loc[_in_period(local_day(posts["published_at"], tz), start, end)]
    traffic = dataset.traffic
    traffic = traffic.loc[_in_period(traffic["date"], start, end)]
    social = traffic.loc[traffic["channel"].isin(SOCIAL_CHANNELS), "sessions"].sum()
    if goal.kpi_source == "outcomes":
        out = dataset.outcomes
        out = out.loc[(out["outcome"] == goal.kpi) & _in_period(local_day(out["occurred_at"], tz), start, end)]
        kpi = out["value"].sum() if goal.measure == "value" else len(out)
        kpi_source = f"outcomes ({goal.kpi})"
    else:
        kpi = traffic[goal.kpi].sum()
        kpi_source = f"traffic ({goal.kpi})"
    stages = [
        ("impressions", posts["impressions"].sum(), "posts (by publish day)"),
        ("engagements", posts["engagements"].sum(), "posts (by publish day)"),
        ("link_clicks", posts["link_clicks"].sum(), "posts (by publish day)"),
        ("social_sessions", social, "traffic (Organic/Paid Social channels)"),
        ("kpi", kpi, kpi_source),
    ]
    stages = [s for s in stages if s[0] in goal.funnel or s[0] == "kpi"]
    frame = pd.DataFrame(stages, columns=["stage", "count", "source"])
    frame["count"] = frame["count"].astype("Float64")
    first = frame["count"].iloc[0]
    frame["step_conversion"] = (frame["count"] / frame["count"].shift(1)).astype("Float64")
    frame["overall_conversion"] = (frame["count"] / first).astype("Float64") if first else pd.NA
    frame["drop_off"] = (1 - frame["step_conversion"]).astype("Float64")
    frame.attrs["caveat"] = AGGREGATE_CAVEAT
    return frame
