"""LinkedIn Page analytics exports.

The Page's content analytics workbook (``<page>_content_<epoch>.xlsx``, from
the Page's Analytics > Content > Export) holds two sheets, each with a
description row above its header (header on row 2):

``linkedin_posts`` (detected): sheet ``All posts`` -> ``posts``, one row per
post with lifetime values up to the export.

``linkedin_metrics`` (chosen with ``format="linkedin_metrics"``, never
detected: the same workbook is detected as ``linkedin_posts``): sheet
``Metrics`` -> ``account_daily``, one row per day.

``read_export`` returns one table, so the table is chosen by the format.

Options (keyword arguments to ``read_export``, or per file in client.yml):

``sheet=``
    The sheet to read (a name, or a 0-based position) where a workbook calls
    it otherwise, e.g. a localised export. Default ``All posts`` / ``Metrics``.
``date_format=``
    The ``strptime`` format of the date cells; default ``%m/%d/%Y``.

Reading: the workbook is read with openpyxl (:func:`sheet_records`). A file
named ``.xls`` whose content is an ``.xlsx`` (zip) workbook is read as such;
an old binary ``.xls`` (or a password-protected workbook) raises an
:class:`~engagekit.core.errors.ExportError` asking to save it as ``.xlsx``. The
header is the first of the top five non-blank rows that holds the sheet's key
column (``Post link`` / ``Date``), else row 2. Line numbers in the report are
sheet row numbers.

Detection: the file name ends in ``.xlsx`` (or ``.xls``) and holds
``_content_<digits>`` or ``linkedin``; an ``.xlsx`` must start with the zip
magic ``PK``. The sheets themselves are compressed, so a missing sheet is
reported (with the workbook's sheets) when the file is read.

Account: ``account=`` where given, else the page name before ``_content_`` in
the file name, else NA (with a warning).

NA and zero, every metric: an empty cell is NA (not reported); ``0`` is a
reported zero. A cell that is not a number drops its row (with its line and
column); numbers written as text may carry ``,`` thousands separators.

Mapping to ``posts``:

- ``Post link`` -> ``url``, and ``post_id``: the ``urn:li:<kind>:<id>`` in the
  link (percent-decoded), else the link itself. Required; an empty link drops
  the row.
- ``Post title`` -> ``text``.
- ``Created date`` -> ``published_at``: a day without a time, read as midnight
  in ``tz`` (UTC, with a warning, when none is given). Required.
- ``Content Type`` -> ``media_type``, lower case.
- ``Post type`` -> ``paid``: ``Sponsored`` True, ``Organic`` False, empty NA;
  another value is NA with a warning.
- ``Impressions`` -> ``impressions``; ``Views`` -> ``video_views``;
  ``Clicks`` -> ``link_clicks`` (LinkedIn counts every click on the post, not
  only on links); ``Likes`` -> ``reactions``; ``Comments`` -> ``comments``;
  ``Reposts`` (older exports: ``Shares``) -> ``shares``; ``Follows`` ->
  ``follows``.
- ``Engagement rate`` (LinkedIn's own rate for the post, a fraction such as
  ``0.0579``; a cell written as a percentage, ``5.79%``, is divided by 100)
  -> ``reported_engagement_rate``.
- Not loaded: ``Campaign name``, ``Campaign start date``, ``Campaign end
  date``, ``Audience``, ``Offsite Views``, ``Click through rate (CTR)``.
  ``Posted by`` (names of persons) is never read.

Mapping to ``account_daily``: ``Date`` -> ``date`` (required), and the
``(total)`` columns (organic plus sponsored): ``Impressions (total)`` ->
``impressions``, ``Clicks (total)`` -> ``link_clicks``, ``Reactions (total)``
-> ``reactions``, ``Comments (total)`` -> ``comments``, ``Reposts (total)``
(older: ``Shares (total)``) -> ``shares``. ``Unique impressions (organic)``
is organic only and is not mapped to ``reach``; the organic and sponsored
columns and the engagement rates are not loaded.

Localised exports: a Portuguese export has been seen (``Impressões
(orgânicas)``), but its full header is not known, so no localised aliases are
claimed; such a workbook raises :class:`~engagekit.core.errors.MissingColumnError`
listing the headers it has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from engagekit.core._arrow import constant_str
from engagekit.core.errors import ExportError
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._cells import RowBuilder
from ._records import Record, match_columns, normalise_header
from ._workbook import is_zip_named, sheet_records

__all__ = ["POSTS", "METRICS"]

_POSTS = "linkedin_posts"
_METRICS = "linkedin_metrics"
_POSTS_SHEET = "All posts"
_METRICS_SHEET = "Metrics"
_DATE_FORMAT = "%m/%d/%Y"

_POST_ALIASES: dict[str, tuple[str, ...]] = {
    "url": ("Post link",),
    "text": ("Post title",),
    "published_at": ("Created date",),
    "media_type": ("Content Type",),
    "paid": ("Post type",),
    "impressions": ("Impressions",),
    "video_views": ("Views",),
    "link_clicks": ("Clicks",),
    "reactions": ("Likes",),
    "comments": ("Comments",),
    "shares": ("Reposts", "Shares"),
    "follows": ("Follows",),
    "reported_engagement_rate": ("Engagement rate",),
}
_POST_REQUIRED = ("url", "published_at")
_POST_METRICS = ("impressions", "video_views", "link_clicks", "reactions", "comments", "shares", "follows")
_PAID = {"sponsored": True, "organic": False}

_DAILY_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Date",),
    "impressions": ("Impressions (total)",),
    "link_clicks": ("Clicks (total)",),
    "reactions": ("Reactions (total)",),
    "comments": ("Comments (total)",),
    "shares": ("Reposts (total)", "Shares (total)"),
}
_DAILY_REQUIRED = ("date",)
_DAILY_METRICS = ("impressions", "link_clicks", "reactions", "comments", "shares")

_URN = re.compile(r"urn:li:[A-Za-z]+:\d+")
_CONTENT_NAME = re.compile(r"(_content_\d+|linkedin)", re.IGNORECASE)
_PAGE_NAME = re.compile(r"^(.+?)_content_\d+", re.IGNORECASE)
_HEADER_SEARCH = 5


def _header_at(records: list[Record], keys: Iterable[str], file: Path, format: str) -> int:
    """Index of the header record: the first of the top rows holding one of ``keys``, else row 2."""
    if not records:
        raise ExportError(file, f"{format}: the sheet is empty (no header row)")
    wanted = {normalise_header(key) for key in keys}
    for i, rec in enumerate(records[:_HEADER_SEARCH]):
        if wanted & {normalise_header(c) for c in rec.cells}:
            return i
    return min(1, len(records) - 1)


def _sniff_posts(head: str, name: str) -> bool:
    if not _CONTENT_NAME.search(name):
        return False
    return is_zip_named(head, name, ".xlsx") or name.lower().endswith(".xls")


def _date_format(options: LoadOptions) -> str:
    """The ``strptime`` format of the date cells: ``date_format=``, else LinkedIn's ``%m/%d/%Y``."""
    return options.extra.get("date_format", _DATE_FORMAT)


def _sheet_rows(
    path: Path,
    report: LoadReport,
    options: LoadOptions,
    *,
    sheet: str,
    key: str,
    format: str,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
) -> tuple[RowBuilder, dict[str, int]]:
    """Read one sheet: its header (below the description row), columns, and a RowBuilder over the data."""
    records = sheet_records(path, options.extra.get("sheet", sheet), file=path, date_format=_date_format(options))
    at = _header_at(records, aliases[key], path, format)
    header, data = records[at], records[at + 1:]
    report.rows_read = len(data)
    cols = match_columns(header.cells, aliases, required=required, file=path, format=format, line=header.line)
    return RowBuilder(path, header.cells, data, report), cols


def _post_ids(links: pd.Series) -> pd.Series:
    """The ``urn:li:<kind>:<id>`` in each (percent-decoded) link, else the link itself."""
    decoded = links.map(unquote, na_action="ignore").astype("str")
    urns = decoded.str.extract(f"({_URN.pattern})", expand=False)
    return urns.fillna(links).astype("str")


def _paid(kind: pd.Series, report: LoadReport) -> pd.Series:
    """``Post type`` as a nullable boolean: Sponsored True, Organic False, anything else NA."""
    lowered = kind.str.strip().str.lower()
    paid = pd.Series(pd.array([_PAID.get(v) if isinstance(v, str) else None for v in lowered], dtype="boolean"))
    unknown = sorted(set(kind[lowered.notna() & ~lowered.isin(list(_PAID))]))
    if unknown:
        report.warn(f"'Post type' values {unknown} are neither Sponsored nor Organic: paid is NA for them")
    return paid


def _account(path: Path, report: LoadReport, options: LoadOptions) -> str | None:
    """``account=``, else the page name in ``<page>_content_<epoch>.xlsx``, else None (with a warning)."""
    if options.account:
        return options.account
    match = _PAGE_NAME.match(path.name)
    if match:
        return match.group(1)
    report.warn("the file name does not name the Page and no account= was given: account is NA")
    return None


def _common(rows: RowBuilder, path: Path, options: LoadOptions) -> dict[str, pd.Series]:
    n = len(rows)
    return {
        "platform": constant_str("linkedin", n),
        "account": constant_str(_account(path, rows.report, options), n),
    }


def _parse_posts(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    rows, cols = _sheet_rows(
        path, report, options, sheet=_POSTS_SHEET, key="url", format=_POSTS,
        aliases=_POST_ALIASES, required=_POST_REQUIRED,
    )
    links = rows.require("url", cols["url"])
    rows.text("text", cols.get("text"))
    if options.tz is None:
        report.warn("'Created date' has no time zone and no tz= was given: read as midnight UTC")
    rows.timestamp("published_at", cols["published_at"], format=_date_format(options), tz=options.tz)
    rows.columns["media_type"] = rows.text("media_type", cols.get("media_type")).str.lower()
    kind = rows.text("paid", cols.get("paid"))
    for key in _POST_METRICS:
        rows.number(key, cols.get(key))
    rows.number("reported_engagement_rate", cols.get("reported_engagement_rate"), integer=False, percent=True)
    extra = _common(rows, path, options)
    extra["post_id"] = _post_ids(links)
    extra["paid"] = _paid(kind, report)
    extra["source_file"] = constant_str(path.name, len(rows))
    return rows.finish(extra)


def _parse_metrics(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    rows, cols = _sheet_rows(
        path, report, options, sheet=_METRICS_SHEET, key="date", format=_METRICS,
        aliases=_DAILY_ALIASES, required=_DAILY_REQUIRED,
    )
    rows.date("date", cols["date"], format=_date_format(options))
    for key in _DAILY_METRICS:
        rows.number(key, cols.get(key))
    return rows.finish(_common(rows, path, options))


_WORKBOOK = "LinkedIn Page content analytics workbook (<page>_content_<epoch>.xlsx)"

POSTS = register(
    ExportFormat(
        name=_POSTS,
        table="posts",
        title=f"{_WORKBOOK}, sheet 'All posts'",
        sniff=_sniff_posts,
        parse=_parse_posts,
        example=(
            "Post title,Post link,Post type,Campaign name,Posted by,Created date,Campaign start date,"
            "Campaign end date,Audience,Impressions,Views,Offsite Views,Clicks,Click through rate (CTR),"
            "Likes,Comments,Reposts,Follows,Engagement rate,Content Type (row 2; row 1 is a description)"
        ),
    )
)

METRICS = register(
    ExportFormat(
        name=_METRICS,
        table="account_daily",
        title=f"{_WORKBOOK}, sheet 'Metrics' (choose with format='linkedin_metrics')",
        sniff=_sniff_posts,
        parse=_parse_metrics,
        detectable=False,
        example=(
            "Date,Impressions (organic),Impressions (sponsored),Impressions (total),Unique impressions (organic),"
            "Clicks (organic),Clicks (sponsored),Clicks (total),Reactions (organic),...,Engagement rate (total) "
            "(row 2; row 1 is a description)"
        ),
    )
)
