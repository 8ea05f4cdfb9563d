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


def kpi_series(dataset, goal) -> pd.Series:
    """The goal's KPI per local day over the goal's period (NA outside the data's coverage)."""
    if goal.kpi_source == "outcomes":
        frame = daily_outcomes(dataset.outcomes, outcome=goal.kpi, tz=dataset.config.timezone, start=goal.start, end=goal.end)
        series = frame["count"] if goal.measure == "count" else frame["value"]
    else:
        series = daily_traffic(dataset.traffic, measure=goal.kpi, start=goal.start, end=goal.end)
    return series.rename(goal.kpi)


def kpi_baseline(series: pd.Series) -> dict[str, float | str]:
    """The KPI's level, trend and weekly pattern in a few numbers.

    ``total``, ``daily_mean``, ``first_28_days_mean``, ``last_28_days_mean``,
    ``change`` (last over first, as a fraction), ``busiest_weekday``, ``quietest_weekday``, ``days``.
    """
    values = series.astype("Float64").dropna().astype(float)
    if values.empty:
        return {"days": 0}
    first, last = values.iloc[:28].mean(), values.iloc[-28:].mean()
    by_day = values.groupby(pd.DatetimeIndex(values.index).day_name()).mean()
    return {
        "days": int(len(values)),
        "total": float(values.sum()),
        "daily_mean": float(values.mean()),
        "first_28_days_mean": float(first),
        "last_28_days_mean": float(last),
        "change": float(last / first - 1) if first else float("nan"),
        "busiest_weekday": str(by_day.idxmax()),
        "quietest_weekday": str(by_day.idxmin()),
    }


def describe_baseline(baseline: dict, *, kpi: str) -> str:
    """The baseline in one sentence."""
    if not baseline.get("days"):
        return f"There is no {kpi} data in the period."
    return (
        f"{kpi}: {baseline['total']:,.0f} over {baseline['days']} days, {baseline['daily_mean']:.1f} a day; "
        f"{baseline['first_28_days_mean']:.1f} a day in the first four weeks and {baseline['last_28_days_mean']:.1f} "
        f"in the last ({baseline['change']:+.0%}); busiest on {baseline['busiest_weekday']}s, "
        f"quietest on {baseline['quietest_weekday']}s."
    )
