"""YouTube Studio advanced-mode exports (Analytics -> Advanced mode -> Export current view -> CSV).

The download is a zip named ``<report> <start>_<end> <channel>.zip`` (e.g.
``Content 2024-09-01_2024-09-30 Harbour Lane Kitchen.zip``) holding
``Table data.csv``, ``Chart data.csv`` and ``Totals.csv``. The zip is read
directly (no extraction); each format reads one member, found by its file name
(case-insensitive, in any folder of the zip); the option ``member=`` names
another member. The unzipped CSVs can be read one by one too.

``youtube_table`` -> ``posts`` (member ``Table data.csv``): one row per video,
totals over the chosen period (not lifetime). The first data row, ``Total``,
is counted as a totals row (``report.rows_totals``) and not loaded.

``youtube_chart`` -> ``account_daily`` (member ``Chart data.csv``): one row per
video per day, summed per date into the channel's day. The first row of a
date carries the sums; the other rows of that date are counted as merged
(``report.rows_merged``). A sum is NA only where no row of the day reports the
metric. Only the videos listed in the file are summed: for the channel's own
daily figures read ``Totals.csv`` with ``youtube_totals``.

``youtube_totals`` -> ``account_daily`` (member ``Totals.csv``): one row per
day for the whole channel. ``All.csv`` (``Date,Monthly audience``) is read by
this format too, but none of its columns maps (see below).

Detection: a zip (magic ``PK``) whose name holds the export's date range
``YYYY-MM-DD_YYYY-MM-DD`` is ``youtube_table`` (the
member list is only known once the zip is opened: a zip without the member
raises an ExportError that lists what it holds). Read the same zip with
``format="youtube_chart"`` or ``format="youtube_totals"`` for the daily table.
The CSVs are detected by their header: ``Content,Video title,...``
(``youtube_table``), ``Date,Content,Video title,...`` (``youtube_chart``),
``Date`` followed only by YouTube metric names (``youtube_totals``).

NA and zero: an empty cell is NA (not reported: e.g. ``Estimated revenue
(USD)`` on some videos, ``Impressions click-through rate (%)`` where there
were no impressions); ``0`` is a reported zero. The ``Total`` row writes ``0``
for audience columns it does not report; it is never loaded.

Mapping to ``posts`` (``youtube_table``): ``Content`` (leading spaces
stripped: ids starting with ``-`` are sometimes written `` -HHGH-TTqYM``) ->
``post_id``, ``url`` = ``https://www.youtube.com/watch?v=<id>``, ``Video
title`` -> ``text``, ``Video publish time`` (``"Sep 27, 2024"``, a day without
a time) -> ``published_at`` at midnight in the account's ``tz`` (UTC with a
warning when none is given); it is empty for unlisted and private videos:
those rows are loaded with ``published_at`` NA (their period metrics are real)
and a warning counts them. ``Views`` -> ``video_views``, ``Impressions`` ->
``impressions``, ``Subscribers gained`` where the column exists, else
``Subscribers`` -> ``follows``: ``Subscribers`` is the net change (gained
minus lost) attributed to the video and can be negative (``-2``); a negative
value is kept as reported, never clipped or made NA. Optional metric columns:
``Likes`` -> ``reactions``, ``Comments added`` -> ``comments``, ``Shares`` ->
``shares``. ``media_type`` = ``video``; ``paid`` is NA (not reported).
``account`` = the ``account=`` option, else the channel name in the zip's
name. Not loaded (no canonical column): ``Duration`` (seconds), ``Average
view duration`` (``H:MM:SS``), ``Watch time (hours)``, percentages, viewer
counts, revenue.

Mapping to ``account_daily`` (``youtube_chart``, ``youtube_totals``): ``Date``
(``YYYY-MM-DD``) -> ``date``; ``Views`` -> ``video_views``, ``Impressions`` ->
``impressions``, ``Likes`` -> ``reactions``, ``Comments added`` ->
``comments``, ``Shares`` -> ``shares``, ``Subscribers gained`` ->
``new_followers``, ``Subscribers lost`` -> ``lost_followers``, wherever the
export has the column (the chart's columns are the metrics chosen in Studio).
Net ``Subscribers`` is not loaded (it is neither gained nor lost); averages
and percentages (``Stayed to watch (%)``) cannot be summed and are not
loaded. A file with none of these columns loads its days with every metric
NA and a warning. A ``Total`` row in ``Chart data.csv`` is counted as a
totals row, not summed; a date repeated in ``Totals.csv`` drops its later rows.

Options (keyword arguments to ``read_export``): ``member=`` the zip member to
read; ``account=`` the channel.

Rows dropped are located by their line in the member read (the report's file
is the zip).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from engagekit.core._arrow import constant_str
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._archive import Member, csv_records, open_member
from ._workbook import is_zip_named
from ._cells import RowBuilder
from ._records import Record, header_names, match_columns, normalise_header

__all__ = ["TABLE", "CHART", "TOTALS"]

_TABLE = "youtube_table"
_CHART = "youtube_chart"
_TOTALS = "youtube_totals"

_TABLE_MEMBER = "Table data.csv"
_CHART_MEMBER = "Chart data.csv"
_TOTALS_MEMBER = "Totals.csv"

_MEMBERS = {_TABLE: _TABLE_MEMBER, _CHART: _CHART_MEMBER, _TOTALS: _TOTALS_MEMBER}

_WATCH_URL = "https://www.youtube.com/watch?v="
_TOTAL_ROW = "total"
_PUBLISHED_FORMAT = "%b %d, %Y"
_DATE_FORMAT = "%Y-%m-%d"

_TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("Content",),
    "text": ("Video title",),
    "published_at": ("Video publish time",),
    "video_views": ("Views",),
    "impressions": ("Impressions",),
    "follows": ("Subscribers gained", "Subscribers"),
    "reactions": ("Likes",),
    "comments": ("Comments added",),
    "shares": ("Shares",),
}
_TABLE_REQUIRED = ("post_id",)
_TABLE_METRICS = ("video_views", "impressions", "follows", "reactions", "comments", "shares")

_DAILY_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Date",),
    "content": ("Content",),
    "video_views": ("Views",),
    "impressions": ("Impressions",),
    "reactions": ("Likes",),
    "comments": ("Comments added",),
    "shares": ("Shares",),
    "new_followers": ("Subscribers gained",),
    "lost_followers": ("Subscribers lost",),
}
_DAILY_METRICS = ("video_views", "impressions", "reactions", "comments", "shares", "new_followers", "lost_followers")

#: The columns of ``Chart data.csv`` that name the day and the video (lower case).
_DIMENSIONS = frozenset(("date", "content", "video title", "video publish time", "duration"))

#: Metric names YouTube Studio writes (lower case), for recognising ``Totals.csv`` by its header.
_YOUTUBE_METRICS = frozenset(
    normalise_header(name)
    for name in (
        "Views", "Watch time (hours)", "Subscribers", "Subscribers gained", "Subscribers lost",
        "Impressions", "Impressions click-through rate (%)", "Average view duration",
        "Average percentage viewed (%)", "Stayed to watch (%)", "Engaged views", "Unique viewers",
        "Average views per viewer", "New viewers", "Returning viewers", "Casual viewers",
        "Regular viewers", "Estimated revenue (USD)", "Likes", "Dislikes", "Likes (vs. dislikes) (%)",
        "Comments added", "Shares", "Monthly audience", "RPM (USD)", "Playback-based CPM (USD)",
        "Your estimated revenue (USD)", "Videos added", "Videos published",
    )
)

_DATE_RANGE = re.compile(r"\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}")
_CHANNEL_IN_NAME = re.compile(r"\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2} (?P<channel>.+)\.zip$", re.IGNORECASE)


# --------------------------------------------------------------------------------------------------
# Detection


def _sniff_zip(head: str, name: str) -> bool:
    return is_zip_named(head, name, ".zip") and bool(_DATE_RANGE.search(name))


def _sniff_table(head: str, name: str) -> bool:
    if _sniff_zip(head, name):
        return True
    names = header_names(head)
    return names[:2] == ["content", "video title"]


def _sniff_chart(head: str, name: str) -> bool:
    names = header_names(head)
    return names[:3] == ["date", "content", "video title"]


def _sniff_totals(head: str, name: str) -> bool:
    names = header_names(head)
    return len(names) >= 2 and names[0] == "date" and all(n in _YOUTUBE_METRICS for n in names[1:])


# --------------------------------------------------------------------------------------------------
# Parsing


def _member(path: Path, options: LoadOptions, format: str) -> Member:
    """The ``member=`` option, else the format's own member (``_MEMBERS``)."""
    wanted = options.extra.get("member")
    others = [f"format='{name}' ({file})" for name, file in _MEMBERS.items() if name != format]
    hint = ", or read another member with " + " or ".join(others)
    return open_member(path, [wanted or _MEMBERS[format]], format=format, hint=hint)


def _account(path: Path, options: LoadOptions) -> str | None:
    """The ``account=`` option, else the channel name in the zip's name."""
    if options.account:
        return options.account
    match = _CHANNEL_IN_NAME.search(path.name)
    return match.group("channel").strip() if match else None


def _split_totals(data: list[Record], pos: int, report: LoadReport) -> list[Record]:
    """The records that are not a ``Total`` row (those are counted in ``report.rows_totals``)."""
    kept = []
    for rec in data:
        if pos < len(rec.cells) and rec.cells[pos].strip().lower() == _TOTAL_ROW:
            report.rows_totals += 1
        else:
            kept.append(rec)
    return kept


def _parse_table(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    member = _member(path, options, _TABLE)
    header, data = csv_records(member, report, _TABLE)
    cols = match_columns(
        header.cells, _TABLE_ALIASES, required=_TABLE_REQUIRED, file=member.label, format=_TABLE, line=header.line
    )
    report.rows_read = len(data)
    rows = RowBuilder(path, header.cells, _split_totals(data, cols["post_id"], report), report)
    ids = rows.require("post_id", cols["post_id"])  # RowBuilder strips the leading space of " -HHGH-TTqYM"
    rows.text("text", cols.get("text"))
    published_pos = cols.get("published_at")
    unpublished = 0
    if published_pos is not None:
        if options.tz is None:
            report.warn("'Video publish time' has no time zone and no tz= was given: read as midnight UTC")
        rows.timestamp("published_at", published_pos, format=_PUBLISHED_FORMAT, tz=options.tz, required=False)
        unpublished = int((rows.raw(published_pos).isna().to_numpy(dtype=bool) & rows.ok).sum())
    for key in _TABLE_METRICS:
        rows.number(key, cols.get(key))
    n = len(rows)
    extra = {
        "platform": constant_str("youtube", n),
        "account": constant_str(_account(path, options), n),
        "url": (_WATCH_URL + ids).astype("str"),
        "media_type": constant_str("video", n),
        "source_file": constant_str(f"{path.name}:{member.name}" if member.in_zip else path.name, n),
    }
    frame = rows.finish(extra)
    if unpublished:
        report.warn(
            f"{unpublished} video(s) have no 'Video publish time' (unlisted or private): "
            "loaded with published_at empty"
        )
    return frame


def _daily_rows(path: Path, report: LoadReport, options: LoadOptions, format: str
                ) -> tuple[RowBuilder, dict[str, int], pd.Series]:
    """The data rows of a daily member (``Total`` rows counted apart), its columns, and its dates (converted
    first)."""
    member = _member(path, options, format)
    header, data = csv_records(member, report, format)
    cols = match_columns(header.cells, _DAILY_ALIASES, required=("date",), file=member.label, format=format,
                         line=header.line)
    report.rows_read = len(data)
    if "content" in cols:
        data = _split_totals(data, cols["content"], report)
    if not any(key in cols for key in _DAILY_METRICS):
        shown = [c for c in header.cells if normalise_header(c) not in _DIMENSIONS]
        report.warn(
            f"no metric of this export maps to account_daily (its metrics: {', '.join(map(repr, shown))}): "
            "days are loaded with every metric empty. Export the chart with Views, Impressions, Likes, "
            "Comments added, Shares or Subscribers gained/lost"
        )
    rows = RowBuilder(path, header.cells, data, report)
    return rows, cols, rows.date("date", cols["date"], format=_DATE_FORMAT)


def _daily_extra(path: Path, options: LoadOptions, n: int) -> dict[str, pd.Series]:
    return {
        "platform": constant_str("youtube", n),
        "account": constant_str(_account(path, options), n),
    }


def _parse_chart(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    rows, cols, dates = _daily_rows(path, report, options, _CHART)
    metrics = {key: rows.number(key, cols.get(key)) for key in _DAILY_METRICS if key in cols}
    ok = rows.ok
    sums = pd.DataFrame({"date": dates, **metrics}).loc[ok].groupby("date").sum(min_count=1)
    rows.merge(_ok_dates_duplicated(dates, ok))  # the day's first usable row carries the sums
    frame = rows.finish(_daily_extra(path, options, len(rows)))
    for key in metrics:
        frame[key] = pd.array(sums[key].reindex(frame["date"]).to_numpy(), dtype="Int64")
    return frame


def _ok_dates_duplicated(dates: pd.Series, ok: np.ndarray) -> np.ndarray:
    """True for the rows whose date already appeared on an earlier usable row."""
    usable = pd.Series(dates).where(pd.Series(ok))
    return (usable.duplicated(keep="first") & usable.notna()).to_numpy()


def _parse_totals(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    rows, cols, dates = _daily_rows(path, report, options, _TOTALS)
    for key in _DAILY_METRICS:
        rows.number(key, cols.get(key))
    again = _ok_dates_duplicated(dates, rows.ok)
    if again.any():
        rows.exclude(again, "date repeated (the first row of the date is kept)")
    return rows.finish(_daily_extra(path, options, len(rows)))


_ZIP = "YouTube Studio advanced-mode export (<report> <start>_<end> <channel>.zip)"

TABLE = register(
    ExportFormat(
        name=_TABLE,
        table="posts",
        title=f"{_ZIP}, 'Table data.csv' (one row per video)",
        sniff=_sniff_table,
        parse=_parse_table,
        example=(
            "Content,Video title,Video publish time,Duration,Stayed to watch (%),Unique viewers,"
            "Average views per viewer,New viewers,Returning viewers,Casual viewers,Engaged views,"
            "Average view duration,Average percentage viewed (%),Views,Watch time (hours),Subscribers,"
            "Estimated revenue (USD),Impressions,Impressions click-through rate (%)\n"
            "Total,,,,71.07,0,0,0,0,0,1177357,0:04:04,10.73,1179894,80048.665,17334,2177.191,12894063,5.02"
        ),
    )
)

CHART = register(
    ExportFormat(
        name=_CHART,
        table="account_daily",
        title=f"{_ZIP}, 'Chart data.csv' (one row per video per day, summed per day)",
        sniff=_sniff_chart,
        parse=_parse_chart,
        example="Date,Content,Video title,Video publish time,Duration,Views",
    )
)

TOTALS = register(
    ExportFormat(
        name=_TOTALS,
        table="account_daily",
        title=f"{_ZIP}, 'Totals.csv' (one row per day)",
        sniff=_sniff_totals,
        parse=_parse_totals,
        example="Date,Views",
    )
)
