"""The days an export covers: its rows, and the period its file name (or preamble) declares.

An export of June with posts on three days still covers June: the days without
posts are days without posts, not days without data. Where a format names its
period in the file name (X, Facebook, Meta Business Suite) that period counts;
GA4 and Universal Analytics reports declare it in their preamble, which their
loaders record in :attr:`LoadReport.declared`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from engagekit.core.schema import local_day

__all__ = ["declared_by_name", "file_coverage", "row_days"]

_YMD = r"(\d{4})-?(\d{2})-?(\d{2})"

#: Format -> (pattern of the file name, whether its end date is exclusive).
_NAMED_PERIODS: dict[str, tuple[re.Pattern[str], bool]] = {
    # tweet_activity_metrics_<handle>_<YYYYMMDD>_<YYYYMMDD>_en.csv: the end date is exclusive
    "x_tweet_activity": (re.compile(r"_(\d{8})_(\d{8})(?:_[A-Za-z-]+)?\.csv$"), True),
    "x_daily_activity": (re.compile(r"_(\d{8})_(\d{8})(?:_[A-Za-z-]+)?\.csv$"), True),
    # account_analytics_content_<YYYY-MM-DD>_<YYYY-MM-DD>.csv
    "x_content": (re.compile(r"(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.csv$"), False),
    # Facebook Insights Data Export (Post Level) - <Page> - <YYYY-MM-DD> - <YYYY-MM-DD>.csv
    "facebook_post_level": (re.compile(r" - (\d{4}-\d{2}-\d{2}) - (\d{4}-\d{2}-\d{2})\.csv$"), False),
    "facebook_page_daily": (re.compile(r" - (\d{4}-\d{2}-\d{2}) - (\d{4}-\d{2}-\d{2})\.csv$"), False),
    # <YYYY-MM-DD>-to-<YYYY-MM-DD>-<id>.xlsx
    "meta_suite_posts": (re.compile(r"^(\d{4}-\d{2}-\d{2})-to-(\d{4}-\d{2}-\d{2})"), False),
}

#: The column that dates each table's rows (timestamps are UTC; dates are local already).
_DAY_COLUMN = {"posts": "published_at", "outcomes": "occurred_at", "events": "occurred_at",
               "traffic": "date", "account_daily": "date"}


def declared_by_name(path: str | Path, format: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last day the file name of an export of ``format`` declares, or None.

    Names that do not follow the platform's pattern (a renamed file), and a start after the end,
    declare nothing.
    """
    known = _NAMED_PERIODS.get(format)
    if known is None:
        return None
    pattern, end_exclusive = known
    match = pattern.search(Path(path).name)
    if match is None:
        return None
    try:
        start, end = (pd.Timestamp(re.sub(r"\D", "", g)).as_unit("us") for g in match.groups())
    except ValueError:
        return None
    if end_exclusive:
        end -= pd.Timedelta(days=1)
    return (start, end) if start <= end else None


def row_days(frame: pd.DataFrame, table: str, tz: str | None) -> pd.Series:
    """The local calendar day of each row of a canonical ``table`` (timestamps read in ``tz``, default UTC)."""
    return local_day(frame[_DAY_COLUMN[table]], tz or "UTC")


def file_coverage(
    frame: pd.DataFrame, table: str, *, tz: str | None, declared: tuple[pd.Timestamp, pd.Timestamp] | None
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The days a file covers: the span of its rows' days joined with the period it declares."""
    days = row_days(frame, table, tz).dropna()
    ends = [] if days.empty else [days.min(), days.max()]
    if declared is not None:
        ends += list(declared)
    if not ends:
        return None
    return pd.Timestamp(min(ends)).as_unit("us"), pd.Timestamp(max(ends)).as_unit("us")
