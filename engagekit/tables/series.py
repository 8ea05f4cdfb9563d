"""Daily series on the account's calendar: engagement by publish day or by activity day, outcomes and traffic by day.

Engagement comes on two bases, named in each frame's ``attrs["basis"]``:
"publish day" (:func:`daily_engagement`, a post's lifetime metrics credited to
the day it was published) and "activity day" (:func:`daily_activity`, what the
account's daily export reports for that day).

A day the exports cover with no activity is 0 (that is true, not missing); a
day an export did not cover is NA, and so is a day only some of the platforms
cover (a partial sum is not the metric).
"""

from __future__ import annotations

import warnings

import pandas as pd

from engagekit.core.schema import local_day

__all__ = ["as_float", "as_text", "calendar", "local_day", "daily_activity", "daily_engagement", "daily_outcomes", "daily_traffic",
           "engagement_series"]

ENGAGEMENT_METRICS = (
    "impressions", "reach", "engagements", "reactions", "comments", "shares",
    "saves", "link_clicks", "profile_visits", "video_views", "follows",
)


def as_float(values: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Nullable or integer values as float64, NA as NaN (what numpy, scipy and statsmodels take)."""
    return values.astype("Float64").astype(float)


def as_text(values: pd.Series) -> pd.Series:
    """Text with missing values as "" (a column that is all missing comes as floats)."""
    return values.astype(object).where(values.notna(), "").astype("str")


def calendar(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Every local day from ``start`` to ``end`` inclusive, named ``date``."""
    return pd.date_range(start, end, freq="D", name="date").astype("datetime64[us]")


def _span(days: pd.Series, start: pd.Timestamp | None, end: pd.Timestamp | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo = start if start is not None else days.min()
    hi = end if end is not None else days.max()
    if pd.isna(lo) or pd.isna(hi):
        raise ValueError("no data and no period to build a calendar from")
    return pd.Timestamp(lo), pd.Timestamp(hi)


def _covered(days: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    if days.empty:
        return pd.Series(False, index=index)
    return pd.Series((index >= days.min()) & (index <= days.max()), index=index)


def _posting_covered(days: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    """The days of ``index`` one platform's posts cover.

    A platform covers the days from its first to its last publish day. An
    empty stretch at either end of the calendar counts as covered (no posts,
    not a missing export) when it is no longer than the longest stretch
    between two consecutive publish days: a platform that once went ten days
    without posting may well have posted nothing in the calendar's first ten
    days, but a month without posts at the edge, longer than any silence in
    between, is a month its export does not hold.
    """
    covered = _covered(days, index)
    if not covered.any():
        return covered
    publish = pd.DatetimeIndex(days.drop_duplicates().sort_values())
    longest = publish.to_series().diff().max()  # NaT for a single publish day
    longest = longest if pd.notna(longest) else pd.Timedelta(0)
    if publish[0] - index[0] <= longest:
        covered |= index <= publish[0]
    if index[-1] - publish[-1] <= longest:
        covered |= index >= publish[-1]
    return covered


def _fully_covered(covered: dict[str, pd.Series], *, index: pd.DatetimeIndex, what: str) -> pd.Series:
    """The days of ``index`` that every platform reporting in it covers.

    ``covered`` maps each platform to its covered days (booleans on ``index``);
    a platform covering none of them is not reporting in the period. Warns,
    naming each platform with its span, when some days are covered by only
    some of the platforms.
    """
    table = pd.DataFrame({name: days for name, days in covered.items() if days.any()}, index=index, dtype=bool)
    if table.columns.empty:
        return pd.Series(False, index=index)
    any_covers = table.any(axis=1)
    short = [name for name in table.columns if (any_covers & ~table[name]).any()]
    if short:
        days = index[any_covers.to_numpy()]
        spans = "; ".join(
            f"{name} {_span_text(index[table[name].to_numpy()])}, {table[name].sum()} of the {len(days)} days"
            for name in short
        )
        warnings.warn(
            f"{what}: the data cover {_span_text(days)}, but not every platform covers every day: {spans}. "
            "Days covered by only some platforms are NA (a partial sum is not the metric); "
            "platform= analyses one platform alone.",
            UserWarning,
            stacklevel=3,
        )
    return table.all(axis=1)


def _span_text(days: pd.DatetimeIndex) -> str:
    return f"{days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}"


def daily_engagement(
    posts: pd.DataFrame,
    *,
    tz: str,
    metrics: tuple[str, ...] = ENGAGEMENT_METRICS,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    platform: str | None = None,
) -> pd.DataFrame:
    """Sum of each post metric by the local day the post was published (basis "publish day").

    Each post's lifetime metrics are credited to the day it was published,
    whenever they accrued. Each platform's posts cover the days from its first
    to its last local publish day, and the calendar's first (last) days before
    (after) them when that stretch is no longer than the platform's longest
    stretch between two publish days (a quiet spell, not a missing export).

    Parameters
    ----------
    posts : DataFrame
        The canonical ``posts`` table.
    tz : str
        The account's time zone; it sets the local publish day.
    metrics : tuple of str
        Post metrics to sum.
    start, end : Timestamp, optional
        The calendar's first and last day; by default the first and last publish day.
    platform : str, optional
        One platform alone; only its posts and its span count.

    Returns
    -------
    DataFrame
        One row per day (``date`` index) with ``posts`` (count) and one
        ``Int64`` column per metric; ``attrs["basis"]`` is "publish day". A
        covered day with no posts is 0; a day whose posts all lack a metric
        (the platform did not report it) is NA for that metric. A day outside
        every platform's span is NA, and so is a day inside the spans of only
        some of the platforms with posts in the period (with a ``UserWarning``
        naming each such platform and its span).
    """
    if platform is not None:
        posts = posts.loc[posts["platform"] == platform]
    day = local_day(posts["published_at"], tz)
    start, end = _span(day, start, end)
    index = calendar(start, end)
    grouped = posts.assign(date=day).groupby("date")
    out = grouped[list(metrics)].sum(min_count=1)
    out.insert(0, "posts", grouped.size().astype("Int64"))
    out = out.reindex(index)
    no_posts = out["posts"].isna()
    out.loc[no_posts] = 0
    out = out.astype({c: "Int64" for c in out.columns})
    covered = {name: _posting_covered(days, index) for name, days in day.groupby(posts["platform"])}
    out = out.where(_fully_covered(covered, index=index, what="daily_engagement"), axis=0)
    out.attrs["basis"] = "publish day"
    return out


def daily_activity(
    account_daily: pd.DataFrame,
    *,
    metrics: tuple[str, ...] = ENGAGEMENT_METRICS,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    platform: str | None = None,
) -> pd.DataFrame:
    """Sum of each account metric by activity day (basis "activity day").

    What the account's daily export reports for each day, summed across
    platforms and accounts. A platform covers the days it has an
    ``account_daily`` row for.

    Parameters
    ----------
    account_daily : DataFrame
        The canonical ``account_daily`` table.
    metrics : tuple of str
        Metrics to sum; those absent from ``account_daily`` are left out.
    start, end : Timestamp, optional
        The calendar's first and last day; by default the first and last date.
    platform : str, optional
        One platform alone; only its rows count.

    Returns
    -------
    DataFrame
        One row per day (``date`` index), one column per metric present, in
        the input's dtype; ``attrs["basis"]`` is "activity day". A day a
        platform reporting in the period has no row for is NA (the export did
        not cover it), with a ``UserWarning`` naming each such platform; a day
        on which every row lacks a metric is NA for that metric.
    """
    rows = account_daily if platform is None else account_daily.loc[account_daily["platform"] == platform]
    columns = [name for name in metrics if name in rows.columns]
    start, end = _span(rows["date"], start, end)
    index = calendar(start, end)
    out = rows.groupby("date")[columns].sum(min_count=1).reindex(index)
    covered = {name: pd.Series(index.isin(dates), index=index) for name, dates in rows.groupby("platform")["date"]}
    out = out.where(_fully_covered(covered, index=index, what="daily_activity"), axis=0)
    out.attrs["basis"] = "activity day"
    return out


BASES = ("publish day", "activity day")


def engagement_series(
    dataset,
    *,
    basis: str = "publish day",
    metrics: tuple[str, ...] = ENGAGEMENT_METRICS,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """A client's daily engagement on either basis: :func:`daily_engagement` or :func:`daily_activity`.

    Parameters
    ----------
    dataset : Dataset
        The client's canonical tables (:func:`engagekit.load_client`).
    basis : {"publish day", "activity day"}
        "publish day": the posts' lifetime metrics by the day each was published;
        "activity day": the account's daily export, day by day.
    metrics, start, end
        As in :func:`daily_engagement`; metrics the chosen table lacks are left out.
    """
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}; allowed: {', '.join(BASES)}")
    if basis == "publish day":
        present = tuple(m for m in metrics if m in dataset.posts.columns)
        return daily_engagement(dataset.posts, tz=dataset.config.timezone, metrics=present, start=start, end=end)
    if dataset.account_daily.empty:
        raise ValueError("basis 'activity day' needs account-level daily exports (account_daily), and this client has none")
    return daily_activity(dataset.account_daily, metrics=metrics, start=start, end=end)


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
