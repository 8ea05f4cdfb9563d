"""Facebook exports.

``facebook_post_level``: the classic Page Insights post-level export
(``Facebook Insights Data Export (Post Level) - <Page> - <dates>.csv``) and its
"Video Posts" sibling (``... (Video Posts) - <Page> - <dates>.csv``), one row
per post with lifetime values up to the export. Both are UTF-8 with a BOM; row
1 is the header, row 2 a description row, data starts on row 3.

Total Count vs Unique Users: each description ends with ``(Total Count)`` or
``(Unique Users)``. The same header name can appear once per kind, so columns
are looked up by (name, kind), never by position; in a breakdown group (same
header text before `` - ``) the description is written on the first column
only and is carried forward to the others.

NA and zero: an empty scalar cell is NA (not reported); an empty cell in a
breakdown column (``... by action type - <x>``, ``... by type - <x>``) is 0
when the row reports any metric; a breakdown key missing from the header
(e.g. no ``- share`` column) is 0 for every such post when its group exists,
NA when the whole group is absent. ``0`` is a reported zero. Rows about posts
by others mentioning the Page (``Type`` empty, no metric reported) are dropped.

Mapping to ``posts``: ``Lifetime Post Total Impressions`` -> ``impressions``,
``Lifetime Post Total Reach`` -> ``reach``, ``Lifetime Engaged Users`` ->
``engagements``, ``Lifetime Post Stories by action type - like/comment/share``
(Total Count) -> ``reactions``/``comments``/``shares``, ``Lifetime Post
Consumptions by type - link clicks`` -> ``link_clicks``, ``Lifetime Total Video
Views`` (video files) or Total Count ``Lifetime Organic Video Views`` plus
``Lifetime Paid Video Views`` -> ``video_views``; ``paid`` is True when
``Lifetime Post Paid Impressions`` is above zero. ``Posted`` carries no time
zone: it is read in the account's ``tz`` (UTC, with a warning, when none is
given). The account is the Page name in the file name (else ``account=``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from engagekit.core._arrow import constant_str
from engagekit.core.errors import ExportError
from engagekit.core.utm import link_columns
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._cells import RowBuilder
from ._decode import decode
from ._records import Record, check_header_row, match_columns, normalise_header, read_records

__all__ = [
    "POST_LEVEL", "TOTAL", "UNIQUE", "breakdown_group", "column_kinds", "has_group", "is_description_row", "page_name",
]

_FORMAT = "facebook_post_level"
TOTAL = "total"
UNIQUE = "unique"

#: Descriptive columns (no kind): canonical key -> header aliases.
_ALIASES = {
    "post_id": ("Post ID",),
    "url": ("Permalink",),
    "text": ("Post Message",),
    "media_type": ("Type",),
    "published_at": ("Posted",),
}
_REQUIRED = ("post_id", "published_at")

#: Scalar metrics: canonical key -> (header, kind).
_SCALARS = {
    "impressions": ("Lifetime Post Total Impressions", TOTAL),
    "reach": ("Lifetime Post Total Reach", UNIQUE),
    "engagements": ("Lifetime Engaged Users", UNIQUE),
}
#: Breakdown metrics: canonical key -> (group header, key, kind).
_BREAKDOWNS = {
    "reactions": ("Lifetime Post Stories by action type", "like", TOTAL),
    "comments": ("Lifetime Post Stories by action type", "comment", TOTAL),
    "shares": ("Lifetime Post Stories by action type", "share", TOTAL),
    "link_clicks": ("Lifetime Post Consumptions by type", "link clicks", TOTAL),
}
_PAID_IMPRESSIONS = ("Lifetime Post Paid Impressions", TOTAL)
_TOTAL_VIDEO_VIEWS = ("Lifetime Total Video Views", TOTAL)
_ORGANIC_VIDEO_VIEWS = ("Lifetime Organic Video Views", TOTAL)
_PAID_VIDEO_VIEWS = ("Lifetime Paid Video Views", TOTAL)

_POSTED_FORMAT = "%m/%d/%Y %I:%M:%S %p"
_KIND = re.compile(r"\((Unique Users|Total Count)\)\s*$")
_PAGE_NAME = re.compile(
    r"^Facebook Insights Data Export \((?:Post Level|Video Posts)\) - (.+?)"
    r"(?: - \d{4}-\d{2}-\d{2})+\.csv$",
    re.IGNORECASE,
)
_MENTIONED = "post by another account mentioning the Page"

Columns = dict[tuple[str, str | None], int]


def _kind_of(description: str) -> str | None:
    """``"total"``, ``"unique"`` or None for one description cell."""
    match = _KIND.search(description)
    if match is None:
        return None
    return TOTAL if match.group(1) == "Total Count" else UNIQUE


def is_description_row(cells: Sequence[str]) -> bool:
    return any(_kind_of(cell) for cell in cells)


def breakdown_group(name: str) -> str | None:
    """The breakdown group of a header (text before `` - ``), None for a scalar column."""
    norm = normalise_header(name)
    return norm.rsplit(" - ", 1)[0] if " - " in norm else None


def column_kinds(header: Sequence[str], descriptions: Sequence[str]) -> list[str | None]:
    """The kind of every column, carrying a group's description forward to its other columns."""
    kinds: list[str | None] = []
    group_kind: dict[str, str | None] = {}
    for pos, name in enumerate(header):
        kind = _kind_of(descriptions[pos]) if pos < len(descriptions) else None
        group = breakdown_group(name)
        if group is not None:
            if kind is None:
                kind = group_kind.get(group)
            else:
                group_kind[group] = kind
        kinds.append(kind)
    return kinds


def _lookup(header: Sequence[str], kinds: Sequence[str | None]) -> Columns:
    """(normalised name, kind) -> position; the first column wins within one (name, kind)."""
    columns: Columns = {}
    for pos, (name, kind) in enumerate(zip(header, kinds)):
        columns.setdefault((normalise_header(name), kind), pos)
    return columns


def _find(columns: Columns, name: str, kind: str) -> int | None:
    return columns.get((normalise_header(name), kind))


def has_group(columns: Iterable[tuple[str, str | None]], group: str, kind: str) -> bool:
    """Whether any of the (header, kind) pairs ``columns`` is a column of breakdown ``group`` written as ``kind``."""
    target = normalise_header(group)
    return any(k == kind and breakdown_group(n) == target for n, k in columns)


def _sniff(head: str, name: str) -> bool:
    records = read_records(head)
    if len(records) < 2:
        return False
    names = [normalise_header(c) for c in records[0].cells]
    return (
        bool(names)
        and names[0] == "post id"
        and "permalink" in names
        and "posted" in names
        and is_description_row(records[1].cells)
    )


def page_name(path: Path, pattern: re.Pattern[str], report: LoadReport, options: LoadOptions) -> str | None:
    """The Page named in a classic export's file name (group 1 of ``pattern``), else ``account=``, else None."""
    match = pattern.match(path.name)
    if match:
        return match.group(1)
    if options.account:
        return options.account
    report.warn("the file name does not name the Page and no account= was given: account is NA")
    return None


def _breakdown(
    rows: RowBuilder, key: str, columns: Columns, reported: pd.Series
) -> pd.Series:
    """A breakdown metric: empty cell or absent key = 0 on rows reporting metrics; NA without the group."""
    group, item, kind = _BREAKDOWNS[key]
    pos = _find(columns, f"{group} - {item}", kind)
    if pos is not None:
        values = rows.number(key, pos, empty="zero")
    elif has_group(columns, group, kind):
        values = pd.Series(pd.array([0] * len(rows), dtype="Int64"))
    else:
        values = rows.number(key, None)
    values = values.mask(~reported)
    rows.columns[key] = values
    return values


def _video_views(rows: RowBuilder, columns: Columns) -> pd.Series:
    """Total video views, or organic plus paid (paid not reported counts as none)."""
    total = _find(columns, *_TOTAL_VIDEO_VIEWS)
    if total is not None:
        return rows.number("video_views", total)
    organic = rows.number(None, _find(columns, *_ORGANIC_VIDEO_VIEWS))
    paid = rows.number(None, _find(columns, *_PAID_VIDEO_VIEWS))
    views = organic + paid.fillna(0)
    rows.columns["video_views"] = views
    return views


def _metric_positions(kinds: Sequence[str | None]) -> list[int]:
    return [pos for pos, kind in enumerate(kinds) if kind is not None]


def _reported(rows: RowBuilder, positions: Sequence[int]) -> tuple[pd.Series, pd.Series]:
    """Per row: any metric cell filled, and any metric cell filled with a non-zero value."""
    filled = pd.Series([False] * len(rows))
    nonzero = pd.Series([False] * len(rows))
    for pos in positions:
        raw = rows.raw(pos)
        filled |= raw.notna().to_numpy(dtype=bool)
        nonzero |= (raw.notna() & (raw != "0")).to_numpy(dtype=bool)
    return filled, nonzero


def _media_type(rows: RowBuilder, pos: int | None) -> pd.Series:
    kind = rows.text("media_type", pos).str.lower()
    kind = kind.replace("sharedvideo", "video")
    rows.columns["media_type"] = kind
    return kind


def _header_and_kinds(
    records: Sequence[Record], path: Path
) -> tuple[Record, list[str | None]]:
    header = check_header_row(records, path, _FORMAT)
    if len(records) < 2 or not is_description_row(records[1].cells):
        raise ExportError(
            path,
            f"{_FORMAT} export has no description row (row 2 should end each metric "
            "description with '(Unique Users)' or '(Total Count)')",
            line=header.line + 1,
        )
    return header, column_kinds(header.cells, records[1].cells)


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    records = read_records(decode(path, report))
    header, kinds = _header_and_kinds(records, path)
    data = records[2:]
    report.rows_read = len(data)
    cols = match_columns(
        header.cells, _ALIASES, required=_REQUIRED, file=path, format=_FORMAT, line=header.line
    )
    columns = _lookup(header.cells, kinds)
    rows = RowBuilder(path, header.cells, data, report)
    filled, nonzero = _reported(rows, _metric_positions(kinds))
    media_type = _media_type(rows, cols.get("media_type"))
    rows.exclude(media_type.isna().to_numpy(dtype=bool) & ~nonzero.to_numpy(), _MENTIONED)
    rows.require("post_id", cols["post_id"])
    rows.text("url", cols.get("url"))
    text = rows.text("text", cols.get("text"))
    if options.tz is None:
        report.warn("'Posted' has no time zone and no tz= was given: read as UTC")
    rows.timestamp(
        "published_at", cols["published_at"], format=_POSTED_FORMAT, tz=options.tz
    )
    for key, (name, kind) in _SCALARS.items():
        rows.number(key, _find(columns, name, kind))
    for key in _BREAKDOWNS:
        _breakdown(rows, key, columns, filled)
    _video_views(rows, columns)
    paid_impressions = rows.number(None, _find(columns, *_PAID_IMPRESSIONS))
    n = len(rows)
    extra: dict[str, pd.Series] = {
        "paid": (paid_impressions > 0).astype("boolean"),
        "platform": constant_str("facebook", n),
        "account": constant_str(page_name(path, _PAGE_NAME, report, options), n),
        "source_file": constant_str(path.name, n),
    }
    extra.update(link_columns(text, skip_hosts=("facebook.com",)))
    return rows.finish(extra)


POST_LEVEL = register(
    ExportFormat(
        name=_FORMAT,
        table="posts",
        title=(
            "Facebook classic Page Insights post-level and video-posts exports "
            "(Facebook Insights Data Export (Post Level|Video Posts) - <Page> - <dates>.csv)"
        ),
        sniff=_sniff,
        parse=_parse,
        example='"Post ID",Permalink,"Post Message",Type,Countries,Languages,Posted,"Audience Targeting","Lifetime Post Total Reach",... (row 2: descriptions ending "(Unique Users)" or "(Total Count)")',
    )
)
