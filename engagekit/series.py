"""Daily series on the account's calendar: engagement by publish day, outcomes and traffic by day.

A day with no posts has zero engagement by publish day (that is true, not
missing); a day outside what an export covers is NA.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["calendar", "local_day", "daily_engagement", "daily_outcomes", "daily_traffic"]

ENGAGEMENT_METRICS = (
    "impressions", "reach", "engagements", "reactions", "comments", "shares",
    "saves", "link_clicks", "profile_visits", "video_views", "follows",
)


def calendar(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Every local day from ``start`` to ``end`` inclusive, named ``date``."""
    return pd.date_range(start, end, freq="D", name="date").astype("datetime64[us]")


def local_day(timestamps: pd.Series, tz: str) -> pd.Series:
    """The local calendar day (midnight, no zone) of UTC ``timestamps`` in ``tz``."""
    return timestamps.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize().astype("datetime64[us]")


def _span(days: pd.Series, start: pd.Timestamp | None, end: pd.Timestamp | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo = start if start is not None else days.min()
    hi = end if end is not None else days.max()
    if pd.isna(lo) or pd.isna(hi):
        raise ValueError("no data and no period to build a calendar from")
    return pd.Timestamp(lo), pd.Timestamp(hi)


def daily_engagement(
    posts: pd.DataFrame,
    *,
    tz: str,
    metrics: tuple[str, ...] = ENGAGEMENT_METRICS,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    platform: str | None = None,
) -> pd.DataFrame:
    """Sum of each post metric by the local day the post was published.

    Returns one row per day (``date`` index) with ``posts`` (count) and one
    column per metric. Days with no posts are 0; a day whose posts all lack a
    metric (the platform did not report it) is NA for that metric.
    """
    if platform is not None:
        posts = posts.loc[posts["platform"] == platform]
    day = local_day(posts["published_at"], tz)
    start, end = _span(day, start, end)
    grouped = posts.assign(date=day).groupby("date")
    out = grouped[list(metrics)].sum(min_count=1)
    out.insert(0, "posts", grouped.size().astype("Int64"))
    out = out.reindex(calendar(start, end))
    no_posts = out["posts"].isna()
    out.loc[no_posts] = 0
    return out.astype({c: "Int64" for c in out.columns})


def _covered(days: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    if days.empty:
        return pd.Series(False, index=index)
    return pd.Series((index >= days.min()) & (index <= days.max()), index=index)


def daily_outcomes(
    outcomes: pd.DataFrame,
    *,
    outcome: str,
    tz: str,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Count and value of ``outcome`` per local day; NA outside the days the data covers."""
    rows = outcomes.loc[outcomes["outcome"] == outcome]
    day = local_day(rows["occurred_at"], tz)
    start, end = _span(day, start, end)
    index = calendar(start, end)
    grouped = rows.assign(date=day).groupby("date")
    out = pd.DataFrame(
        {"count": grouped.size(), "value": grouped["value"].sum(min_count=1)}
    ).reindex(index)
    covered = _covered(day, index)
    out["count"] = out["count"].fillna(0).where(covered).astype("Int64")
    out["value"] = out["value"].astype("Float64").where(covered | out["value"].notna())
    return out


def daily_traffic(
    traffic: pd.DataFrame,
    *,
    measure: str = "sessions",
    channels: tuple[str, ...] | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.Series:
    """One traffic measure per day, optionally for some channels only; NA outside the data's days."""
    rows = traffic if channels is None else traffic.loc[traffic["channel"].isin(channels)]
    start, end = _span(traffic["date"], start, end)
    index = calendar(start, end)
    values = rows.groupby("date")[measure].sum(min_count=1).reindex(index)
    covered = _covered(traffic["date"], index)
    return values.fillna(0).where(covered).rename(measure)
