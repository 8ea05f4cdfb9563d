"""X (Twitter) account-level daily exports into ``account_daily``.

Two formats, one row per account and day. Their values are activity on that
day over all of the account's posts, older ones included: a day with no post
published still has impressions.

``x_daily_activity``: the legacy analytics.twitter.com "by day" export
(``daily_tweet_activity_metrics_<handle>_<YYYYMMDD>_<YYYYMMDD>_en.csv``; the
end date is exclusive). UTF-8, every field quoted, one row per calendar day,
oldest first.

- Detected by its header: first column ``Date``, with ``retweets`` and
  ``engagement rate`` or ``Tweets published`` (the per-tweet export starts
  with ``Tweet id``; the 2024+ overview has ``Reposts``, no ``retweets``).
- ``Date`` (``YYYY-MM-DD``) -> ``date``; ``Tweets published`` ->
  ``posts_published`` (optional column); ``impressions``; ``engagements``;
  ``likes`` (``favorites`` in 2015-style files) -> ``reactions``; ``replies``
  -> ``comments``; ``retweets`` -> ``shares``; ``url clicks`` ->
  ``link_clicks``; ``follows`` -> ``new_followers``. Each is the organic value
  plus the matching ``promoted ...`` value on days with promoted activity.
- Not loaded: ``engagement rate`` (derivable), ``user profile clicks``,
  ``hashtag clicks``, ``detail expands``, ``permalink clicks``, ``app opens``,
  ``app installs``, ``email tweet``, ``dial phone``, and ``media views`` /
  ``media engagements`` (views of all media, photos included: not
  ``video_views``). ``followers``, ``lost_followers``, ``reach`` and
  ``video_views`` are not in this export: NA.
- NA and zero: ``-`` (every ``promoted ...`` column on a day without promoted
  activity, or anywhere else) is NA, not reported; a promoted ``-`` adds
  nothing to the organic value. ``0`` is a reported zero; ``engagement rate`` is
  ``0.0`` on days without engagements. An empty cell is NA.
- ``account``: the handle in the file name; else the ``account=`` option; else
  NA with a warning.

``x_account_overview``: the 2024+ X (Premium) analytics account overview
export (``account_overview_analytics.csv``; no dates in the name). UTF-8, no
final newline, ``Date`` quoted, newest day first.

- Detected by its header: first column ``Date``, with ``Reposts`` and two of
  ``Impressions``, ``Engagements``, ``Create Post``, ``New follows``,
  ``Unfollows``, ``Profile visits``; no ``Post id``, no ``retweets``.
- ``Date`` (``"Ddd, Mon D, YYYY"``, day not zero-padded; ``Ddd Mon DD YYYY``
  is accepted too) -> ``date``; ``Impressions``; ``Engagements``; ``Likes`` ->
  ``reactions``; ``Replies`` -> ``comments``; ``Reposts`` plus ``Shares``
  (sends and copied links; ``Share`` accepted) -> ``shares`` (either alone
  where the other column is absent; NA where either cell is empty); ``New
  follows`` -> ``new_followers``; ``Unfollows`` -> ``lost_followers``;
  ``Create Post`` -> ``posts_published``; ``Video views`` -> ``video_views``.
- Not loaded: ``Bookmarks``, ``Profile visits``, ``Media views`` (no such
  ``account_daily`` columns). ``followers``, ``reach`` and ``link_clicks``
  are not in this export: NA.
- NA and zero: no empty cell was seen in real files; an empty cell (or ``-``)
  is read as NA (not reported), ``0`` as a reported zero. Quoted thousands
  (``"1,234"``) are read as numbers.
- ``account``: the file does not name it: the ``account=`` option, else NA
  with a warning.

Both: the ``Date`` is the account's local calendar day as X shows it. A
malformed cell drops its row (file, line, column); a second row for a date
already read is dropped as ``duplicate Date in this file``. Required columns:
``Date``, ``impressions``, ``engagements``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from engagekit.core._arrow import constant_str
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._blocks import open_rows
from ._cells import RowBuilder
from ._records import header_names, match_columns, pick_date_format

__all__ = ["DAILY_ACTIVITY", "ACCOUNT_OVERVIEW", "NEW_DATE_FORMATS", "shares"]

DAILY = "x_daily_activity"
OVERVIEW = "x_account_overview"

_NOT_REPORTED = ("-",)
_REQUIRED = ("date", "impressions", "engagements")

_DAILY_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Date",),
    "posts_published": ("Tweets published",),
    "impressions": ("impressions",),
    "engagements": ("engagements",),
    "reactions": ("likes", "favorites"),
    "comments": ("replies",),
    "shares": ("retweets",),
    "link_clicks": ("url clicks",),
    "new_followers": ("follows",),
}
_DAILY_METRICS = (
    "impressions", "engagements", "reactions", "comments", "shares", "link_clicks", "new_followers",
)
_DAILY_PROMOTED: dict[str, tuple[str, ...]] = {
    key: tuple(f"promoted {alias}" for alias in _DAILY_ALIASES[key]) for key in _DAILY_METRICS
}
_DAILY_NAME = re.compile(
    r"^daily_tweet_activity_metrics_(?P<handle>.+)_(?P<start>\d{8})_(?P<end>\d{8})_[A-Za-z-]+"
    r"(?: ?\(\d+\))?\.csv$",
    re.IGNORECASE,
)

_OVERVIEW_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Date",),
    "impressions": ("Impressions",),
    "engagements": ("Engagements",),
    "reactions": ("Likes",),
    "comments": ("Replies",),
    "reposts": ("Reposts",),
    "share_actions": ("Shares", "Share"),
    "new_followers": ("New follows",),
    "lost_followers": ("Unfollows",),
    "posts_published": ("Create Post",),
    "video_views": ("Video views",),
}
_OVERVIEW_METRICS = (
    "impressions", "engagements", "reactions", "comments", "new_followers", "lost_followers",
    "posts_published", "video_views",
)
_OVERVIEW_MARKERS = {"impressions", "engagements", "create post", "new follows", "unfollows", "profile visits"}
#: Date formats of the 2024+ X exports: the overview's, then the content export's.
NEW_DATE_FORMATS = ("%a, %b %d, %Y", "%a %b %d %Y")


def _sniff_daily(head: str, name: str) -> bool:
    names = header_names(head)
    return (
        bool(names)
        and names[0] == "date"
        and "retweets" in names
        and bool({"engagement rate", "tweets published"} & set(names))
    )


def _sniff_overview(head: str, name: str) -> bool:
    names = header_names(head)
    return (
        bool(names)
        and names[0] == "date"
        and "reposts" in names
        and len(_OVERVIEW_MARKERS & set(names)) >= 2
        and "post id" not in names
        and "retweets" not in names
    )


def _match(header: list[str], aliases: Mapping[str, Iterable[str]], path: Path, fmt: str,
           required: Iterable[str] = _REQUIRED, line: int | None = 1) -> dict[str, int]:
    return match_columns(header, aliases, required=required, file=path, format=fmt, line=line)


def _account(handle: str | None, report: LoadReport, options: LoadOptions, n: int) -> pd.Series:
    """The account for every row: ``handle`` (from the file name), else ``account=``, else NA with a warning."""
    account = handle or options.account
    if account is None:
        report.warn("the file does not name the account and no account= was given: account is NA")
    return constant_str(account, n)


def _daily_columns(header: list[str], path: Path) -> tuple[dict[str, int], dict[str, int]]:
    cols = _match(header, _DAILY_ALIASES, path, DAILY)
    promoted = _match(header, _DAILY_PROMOTED, path, DAILY, required=(), line=None)
    return cols, promoted


def _parse_daily(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    def select(header: list[str]) -> list[int]:
        cols, promoted = _daily_columns(header, path)
        return [*cols.values(), *promoted.values()]

    header, _, rows = open_rows(path, report, format=DAILY, select=select)
    cols, promoted = _daily_columns(header.cells, path)
    rows.date("date", cols["date"], format="%Y-%m-%d")
    rows.number("posts_published", cols.get("posts_published"), na=_NOT_REPORTED)
    extra: dict[str, pd.Series] = {}
    for key in _DAILY_METRICS:
        organic = rows.number(key, cols.get(key), na=_NOT_REPORTED)
        if key in promoted:
            paid = rows.number(None, promoted[key], na=_NOT_REPORTED)
            extra[key] = organic + paid.fillna(0)
    match = _DAILY_NAME.match(path.name)
    extra["account"] = _account(match.group("handle") if match else None, report, options, len(rows))
    extra["platform"] = constant_str("x", len(rows))
    frame = rows.finish(extra)
    return rows.drop_repeated(frame, "date", "duplicate Date in this file")


def shares(rows: RowBuilder, cols: Mapping[str, int]) -> pd.Series:
    """``Reposts`` plus ``Shares`` (sends, copied links; keys ``reposts`` and ``share_actions`` of ``cols``),
    either alone where the other column is absent; ``-`` is NA (the 2024+ overview and content exports)."""
    present = [cols[key] for key in ("reposts", "share_actions") if key in cols]
    if not present:
        return rows.number(None, None)
    parts = [rows.number(None, pos, na=_NOT_REPORTED) for pos in present]
    rows.mapping["shares"] = " + ".join(rows.header[pos] for pos in present)
    return parts[0] if len(parts) == 1 else parts[0] + parts[1]


def _parse_overview(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    header, _, rows = open_rows(
        path, report, format=OVERVIEW,
        select=lambda cells: _match(cells, _OVERVIEW_ALIASES, path, OVERVIEW).values(),
    )
    cols = _match(header.cells, _OVERVIEW_ALIASES, path, OVERVIEW)
    fmt = pick_date_format(rows.raw(cols["date"]), NEW_DATE_FORMATS)
    rows.date("date", cols["date"], format=fmt)
    for key in _OVERVIEW_METRICS:
        rows.number(key, cols.get(key), na=_NOT_REPORTED)
    extra = {
        "shares": shares(rows, cols),
        "account": _account(None, report, options, len(rows)),
        "platform": constant_str("x", len(rows)),
    }
    frame = rows.finish(extra)
    return rows.drop_repeated(frame, "date", "duplicate Date in this file")


DAILY_ACTIVITY = register(
    ExportFormat(
        name=DAILY,
        table="account_daily",
        title="X/Twitter legacy daily activity export (daily_tweet_activity_metrics_*.csv)",
        sniff=_sniff_daily,
        parse=_parse_daily,
        example='"Date","Tweets published","impressions","engagements","engagement rate","retweets","replies","likes","user profile clicks","url clicks",...,"promoted media engagements"',
    )
)

ACCOUNT_OVERVIEW = register(
    ExportFormat(
        name=OVERVIEW,
        table="account_daily",
        title="X account overview export, 2024+ (account_overview_analytics.csv)",
        sniff=_sniff_overview,
        parse=_parse_overview,
        example=(
            "Date,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Unfollows,Replies,"
            'Reposts,Profile visits,Create Post,Video views,Media views\n"Tue, Feb 18, 2025",62,0,3,0,0,1,0,0,0,1,0,0,0'
        ),
    )
)
