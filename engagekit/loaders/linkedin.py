"""LinkedIn Page analytics exports.

The Page's content analytics workbook (``<page>_content_<epoch>.xlsx``) holds
two sheets, each with a description row above its header (header on row 2):

``linkedin_posts`` (detected): sheet ``All posts`` -> ``posts``, one row per
post with lifetime values up to the export.

``linkedin_metrics`` (chosen with ``format="linkedin_metrics"``, never
detected: the same workbook is detected as ``linkedin_posts``): sheet
``Metrics`` -> ``account_daily``, one row per day.

``read_export`` returns one table, so the table is chosen by the format; the
option ``sheet=`` names the sheet where a workbook calls it otherwise (e.g. a
localised export). Only ``.xlsx`` is read (openpyxl through
``pandas.read_excel(dtype=str)``); an old binary ``.xls`` must be re-saved as
``.xlsx``. Detection uses the file name (``.xlsx`` and ``_content_<digits>``
or ``linkedin`` in the name) and the zip magic ``PK``: the sheets themselves
are compressed, so a missing sheet is reported when the file is read.

NA and zero: an empty cell is NA (not reported); ``0`` is a reported zero.

Mapping to ``posts``: ``Post link`` -> ``url`` and ``post_id`` (the
``urn:li:...`` in the link, else the link itself), ``Post title`` -> ``text``,
``Created date`` (``MM/DD/YYYY``, a day without a time, read as midnight in
the account's ``tz``) -> ``published_at``, ``Content Type`` -> ``media_type``
(lower case), ``Post type`` ``Sponsored`` -> ``paid``, ``Impressions``,
``Views`` -> ``video_views``, ``Clicks`` -> ``link_clicks`` (LinkedIn counts
every click on the post, not only on links), ``Likes`` -> ``reactions``,
``Comments``, ``Reposts`` (older: ``Shares``) -> ``shares``, ``Follows``.
``Posted by`` (names of persons) is never read.

Mapping to ``account_daily``: ``Date`` (``MM/DD/YYYY``) -> ``date``, and the
``(total)`` columns (organic plus sponsored): ``Impressions`` ->
``impressions``, ``Clicks`` -> ``link_clicks``, ``Reactions``, ``Comments``,
``Reposts``/``Shares`` -> ``shares``. ``Unique impressions (organic)`` is
organic only and is not mapped to ``reach``; engagement rates are not loaded.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import ExportError
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._text import Record, RowBuilder, match_columns, normalise_header

__all__ = ["POSTS", "METRICS", "sheet_records", "is_zip_named"]

_POSTS = "linkedin_posts"
_METRICS = "linkedin_metrics"
_POSTS_SHEET = "All posts"
_METRICS_SHEET = "Metrics"

_POST_ALIASES: dict[str, tuple[str, ...]] = {
    "url": ("Post link", "Update link"),
    "text": ("Post title", "Update title"),
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
}
_POST_REQUIRED = ("url", "published_at")
_POST_METRICS = ("impressions", "video_views", "link_clicks", "reactions", "comments", "shares", "follows")

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


def is_zip_named(head: str, name: str, suffix: str) -> bool:
    """True when ``name`` ends with ``suffix`` and ``head`` starts with the zip magic ``PK``.

    xlsx workbooks are zip files too; their content is compressed, so the
    sniff cannot look further than the name and the magic.
    """
    return name.lower().endswith(suffix) and head.startswith("PK")


def sheet_records(source: Path | object, sheet: str | int, *, file: Path) -> list[Record]:
    """The non-blank rows of one worksheet as records, each with its 1-based sheet row as ``line``.

    Parameters
    ----------
    source
        The workbook: a path or a binary file object (a zip member).
    sheet
        The sheet name, or its position.
    file
        The file named in errors.

    Raises
    ------
    ExportError
        The workbook cannot be read or has no such sheet (the message lists its sheets).
    """
    try:
        with pd.ExcelFile(source, engine="openpyxl") as book:
            names = book.sheet_names
            if isinstance(sheet, str) and sheet not in names:
                raise ExportError(
                    file, f"the workbook has no sheet {sheet!r}; its sheets are: {', '.join(map(repr, names))}"
                )
            frame = book.parse(sheet, header=None, dtype=str, na_filter=False)
    except ExportError:
        raise
    except Exception as err:  # openpyxl raises many types for a damaged workbook
        raise ExportError(file, f"not a readable .xlsx workbook ({err})") from None
    records = []
    for index, row in enumerate(frame.itertuples(index=False, name=None)):
        cells = [str(cell) for cell in row]
        if any(cell.strip() for cell in cells):
            records.append(Record(index + 1, cells))
    return records


def _header_at(records: list[Record], first: str, file: Path, format: str) -> int:
    """Index of the header record: the first of the top rows that holds ``first``, else row 2."""
    if not records:
        raise ExportError(file, f"{format} sheet is empty")
    for i, rec in enumerate(records[:5]):
        if normalise_header(first) in (normalise_header(c) for c in rec.cells):
            return i
    return min(1, len(records) - 1)


def _sniff_posts(head: str, name: str) -> bool:
    return is_zip_named(head, name, ".xlsx") and bool(_CONTENT_NAME.search(name))


def _sheet_rows(path: Path, report: LoadReport, options: LoadOptions, *, sheet: str, first: str, format: str, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> tuple[RowBuilder, dict[str, int]]:
    """Read one sheet: its header (below the description row), columns, and a RowBuilder over the data."""
    records = sheet_records(path, options.extra.get("sheet", sheet), file=path)
    at = _header_at(records, first, path, format)
    header, data = records[at], records[at + 1:]
    report.rows_read = len(data)
    cols = match_columns(header.cells, aliases, required=required, file=path, format=format, line=header.line)
    return RowBuilder(path, header.cells, data, report), cols


def _post_ids(links: pd.Series) -> pd.Series:
    """The ``urn:li:<kind>:<id>`` in each link, else the link itself."""
    urns = links.str.extract(f"({_URN.pattern})", expand=False)
    return urns.fillna(links).astype("str")


def _common(rows: RowBuilder, path: Path, options: LoadOptions) -> dict[str, pd.Series]:
    n = len(rows)
    return {
        "platform": pd.Series(["linkedin"] * n, dtype="str"),
        "account": pd.Series([options.account] * n, dtype="str"),
    }


def _parse_posts(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    rows, cols = _sheet_rows(
        path, report, options, sheet=_POSTS_SHEET, first="Post link", format=_POSTS,
        aliases=_POST_ALIASES, required=_POST_REQUIRED,
    )
    links = rows.require("url", cols["url"])
    rows.text("text", cols.get("text"))
    if options.tz is None:
        report.warn("'Created date' has no time zone and no tz= was given: read as midnight UTC")
    rows.timestamp("published_at", cols["published_at"], tz=options.tz)
    rows.columns["media_type"] = rows.text(None, cols.get("media_type")).str.lower()
    kind = rows.text(None, cols.get("paid"))
    for key in _POST_METRICS:
        rows.number(key, cols.get(key))
    extra = _common(rows, path, options)
    extra["post_id"] = _post_ids(links)
    extra["paid"] = (kind.str.lower() == "sponsored").astype("boolean")
    extra["source_file"] = pd.Series([path.name] * len(rows), dtype="str")
    return rows.finish(extra)


def _parse_metrics(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    rows, cols = _sheet_rows(
        path, report, options, sheet=_METRICS_SHEET, first="Date", format=_METRICS,
        aliases=_DAILY_ALIASES, required=_DAILY_REQUIRED,
    )
    rows.date("date", cols["date"])
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
