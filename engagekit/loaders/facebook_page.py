"""Facebook classic Page-level daily Insights export.

``facebook_page_daily``: the export of Page Insights -> Export Data -> Page data
(``Facebook Insights Data Export - <Page> - <YYYY-MM-DD> - <YYYY-MM-DD>.csv``),
one row per day (``Date`` = ``M/D/YYYY``, the Page's local calendar, oldest
first) into ``account_daily``. Files are cp1252 or UTF-8 (older files' UTF-8
already carries U+FFFD for non-ASCII letters), CRLF, no BOM. Row 1 is the
header, row 2 a description row, data starts on row 3. Exports run to
thousands of columns (per-country, per-city, per-age breakdowns emitted for
every key seen in the period); only the columns mapped below are converted.

Detection: the first header cell is ``Date`` and the header holds at least two
of ``Lifetime Total Likes``, ``Daily New Likes``, ``Daily Unlikes``, ``Daily
Page Engaged Users``, ``Daily Total Reach``, ``Daily Total Impressions`` (the
header can be longer than the 64 KiB sniffed, so a cut header is accepted).

Total Count vs Unique Users: every description ends with ``(Total Count)`` or
``(Unique Users)``; in a breakdown group (same text before `` - ``) only the
first column has one and it is carried forward. The same header name appears
once per kind (``Daily Logged-in Page Views``, ``Daily Positive Feedback from
Users - <type>``: Unique Users block first, Total Count block second), so each
canonical column is looked up by (name, kind), never by position. A column
whose description names no kind is used when it is the only one of its name; a
name found only with the other kind is not used (the column is NA, with a
warning).

Mapping to ``account_daily`` (kind in brackets):

============== ===================================================================
followers      ``Lifetime Total Likes`` (Unique Users; a level, not a daily flow)
new_followers  ``Daily New Likes`` (Unique Users)
lost_followers ``Daily Unlikes`` (Unique Users)
impressions    ``Daily Total Impressions`` (Total Count)
reach          ``Daily Total Reach`` (Unique Users; not additive over days)
engagements    ``Daily Page Engaged Users`` (Unique Users; not additive over days)
reactions      ``Daily Positive Feedback from Users - like`` (Total Count); else
               ``Daily Page Stories by action type - like`` (Total Count, by
               analogy with the post-level export: not seen in real Page files)
comments       ``... - comment`` of the same groups (Total Count)
shares         ``Daily Positive Feedback from Users - link`` (a share of the
               Page's content, Total Count); else ``Daily Page Stories by action
               type - share``
link_clicks    ``Daily Page consumptions by type - link clicks`` (Total Count)
video_views    ``Daily Total Video Views`` (Total Count, 3-second views)
posts_published NA: the export does not report it
platform       ``facebook``; account: the Page name in the file name, else ``account=``
============== ===================================================================

Weekly and 28-day columns are not read (rolling windows cannot be summed).

NA and zero:

- Scalar columns (every row above but the breakdowns): an empty cell is NA
  (not reported: a metric not yet available, e.g. ``Daily Total Video Views``
  empty on every day of early-2014 files); ``0`` is a reported zero.
- Breakdown columns (``Daily Positive Feedback from Users - <type>``, ``Daily
  Page consumptions by type - <type>``): older files write a zero as an empty
  cell (the ``by type`` cells, empty read as 0, add up to ``Daily Page
  consumptions`` on every real day), newer ones write ``0``. An empty cell is
  therefore 0 on a day that reports the group's total (``Daily Page
  consumptions`` for ``link_clicks``; any of the scalar daily metrics for the
  positive feedback groups), and NA on a day that does not. A key missing from
  the header while its group is there (no ``- link`` column: nobody shared in
  the whole period) is 0 on reported days; a group missing from the header is NA.
- Leading placeholder days: before a Page has data the export writes ``0`` in
  every column, then ``Lifetime Total Likes`` jumps from 0 to more than that
  day's ``Daily New Likes`` (0 until 2/11/2014, 107 on 2/12/2014 with 0 new
  likes). Those leading days, on which every mapped metric is 0 or empty, are
  loaded with every metric NA (not reported), and a warning names them.

Rows: a malformed number or date drops its row with its line and column; a
file without the description row or without a ``Date`` column raises.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engagekit.core._arrow import constant_str
from engagekit.core.errors import ExportError
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._blocks import open_rows
from ._cells import RowBuilder
from ._records import match_columns, normalise_header, read_records
from .facebook import (
    TOTAL,
    UNIQUE,
    column_kinds,
    has_group,
    is_description_row,
    page_name,
)

__all__ = ["PAGE_DAILY"]

_FORMAT = "facebook_page_daily"
_DATE_FORMAT = "%m/%d/%Y"
_KIND_WORDS = {TOTAL: "Total Count", UNIQUE: "Unique Users"}

#: Scalar daily metrics: canonical column -> (header, kind).
_SCALARS: dict[str, tuple[str, str]] = {
    "followers": ("Lifetime Total Likes", UNIQUE),
    "new_followers": ("Daily New Likes", UNIQUE),
    "lost_followers": ("Daily Unlikes", UNIQUE),
    "impressions": ("Daily Total Impressions", TOTAL),
    "reach": ("Daily Total Reach", UNIQUE),
    "engagements": ("Daily Page Engaged Users", UNIQUE),
    "video_views": ("Daily Total Video Views", TOTAL),
}


@dataclass(frozen=True)
class _Breakdown:
    """A metric read from one key of a breakdown group; the first group found in the header wins."""

    choices: tuple[tuple[str, str], ...]  # (group header, key)
    kind: str
    anchor: tuple[str, str] | None = None  # (header, kind) of the group's daily total


_FEEDBACK = "Daily Positive Feedback from Users"
_ACTION_STORIES = "Daily Page Stories by action type"
_CONSUMPTIONS = "Daily Page consumptions by type"
_BREAKDOWNS: dict[str, _Breakdown] = {
    "reactions": _Breakdown(((_FEEDBACK, "like"), (_ACTION_STORIES, "like")), TOTAL),
    "comments": _Breakdown(((_FEEDBACK, "comment"), (_ACTION_STORIES, "comment")), TOTAL),
    "shares": _Breakdown(((_FEEDBACK, "link"), (_ACTION_STORIES, "share")), TOTAL),
    "link_clicks": _Breakdown(
        ((_CONSUMPTIONS, "link clicks"),), TOTAL, anchor=("Daily Page consumptions", TOTAL)
    ),
}
_DATE_ALIASES = {"date": ("Date",)}
_SNIFF_NAMES = frozenset(
    normalise_header(name)
    for name in (
        "Lifetime Total Likes", "Daily New Likes", "Daily Unlikes",
        "Daily Page Engaged Users", "Daily Total Reach", "Daily Total Impressions",
    )
)
_PAGE_NAME = re.compile(
    r"^Facebook Insights Data Export - (.+?)(?: - \d{4}-\d{2}-\d{2})+\.csv$", re.IGNORECASE
)

#: normalised header -> [(position, kind)] in header order.
Columns = dict[str, list[tuple[int, str | None]]]


def _wanted_names() -> set[str]:
    """Every normalised header the loader may read (both kinds of a duplicated name)."""
    names = {normalise_header(name) for name, _ in _SCALARS.values()}
    for spec in _BREAKDOWNS.values():
        names.update(normalise_header(f"{group} - {key}") for group, key in spec.choices)
        if spec.anchor is not None:
            names.add(normalise_header(spec.anchor[0]))
    names.add("date")
    return names


_WANTED = frozenset(_wanted_names())


def _sniff(head: str, name: str) -> bool:
    records = read_records(head.split("\n", 1)[0]) if head else []
    if not records:
        return False
    names = [normalise_header(cell) for cell in records[0].cells]
    return bool(names) and names[0] == "date" and len(_SNIFF_NAMES.intersection(names)) >= 2


def _columns_by_name(header: Sequence[str], kinds: Sequence[str | None]) -> Columns:
    columns: Columns = {}
    for pos, (name, kind) in enumerate(zip(header, kinds)):
        columns.setdefault(normalise_header(name), []).append((pos, kind))
    return columns


def _position(
    columns: Columns, name: str, kind: str, report: LoadReport
) -> int | None:
    """The column of ``name`` written as ``kind``; a lone column without a kind; else None."""
    found = columns.get(normalise_header(name), [])
    for pos, column_kind in found:
        if column_kind == kind:
            return pos
    unmarked = [pos for pos, column_kind in found if column_kind is None]
    if len(found) == 1 and unmarked:
        return unmarked[0]
    if found:
        described = sorted({_KIND_WORDS.get(k, "no kind") for _, k in found})
        report.warn(
            f"column {name!r} is described as {' and '.join(described)}, not {_KIND_WORDS[kind]}: "
            "not read (NA)"
        )
    return None


def _description_row(skipped: Sequence, path: Path, header_line: int) -> list[str]:
    if not skipped or not is_description_row(skipped[0].cells):
        raise ExportError(
            path,
            f"{_FORMAT} export has no description row (row 2 should end each metric "
            "description with '(Unique Users)' or '(Total Count)'); export the file again "
            "from Page Insights without editing it",
            line=header_line + 1,
        )
    return skipped[0].cells


def _filled(rows: RowBuilder, positions: Sequence[int]) -> np.ndarray:
    """Per row: any of the cells at ``positions`` is filled."""
    filled = np.zeros(len(rows), dtype=bool)
    for pos in positions:
        filled |= rows.raw(pos).notna().to_numpy(dtype=bool)
    return filled


def _label(rows: RowBuilder, key: str, kind: str) -> None:
    """Name the kind read in the report's column mapping (two columns can share a name)."""
    if key in rows.mapping:
        rows.mapping[key] = f"{rows.mapping[key]} ({_KIND_WORDS[kind]})"


def _breakdown(
    rows: RowBuilder,
    key: str,
    columns: Columns,
    report: LoadReport,
    day_reported: np.ndarray,
) -> pd.Series:
    """One breakdown key: empty or absent key = 0 on a reported day, NA otherwise or without the group."""
    spec = _BREAKDOWNS[key]
    reported = day_reported
    if spec.anchor is not None:
        anchor = _position(columns, *spec.anchor, report)
        if anchor is not None:
            reported = _filled(rows, [anchor])
    for group, item in spec.choices:
        pos = _position(columns, f"{group} - {item}", spec.kind, report)
        if pos is not None:
            values = rows.number(key, pos, empty="zero")
            _label(rows, key, spec.kind)
            break
        pairs = ((name, k) for name, entries in columns.items() for _, k in entries)
        if has_group(pairs, group, spec.kind):
            values = pd.Series(pd.array(np.zeros(len(rows), dtype=np.int64), dtype="Int64"))
            rows.mapping[key] = f"{group} - {item} (absent from the header: 0)"
            break
    else:
        return rows.number(key, None)
    values = values.mask(~reported)
    rows.columns[key] = values
    return values


def _placeholder_days(rows: RowBuilder, metrics: dict[str, pd.Series]) -> np.ndarray:
    """The leading days written as 0 before the Page had data (see the module notes)."""
    n = len(rows)
    none = np.zeros(n, dtype=bool)
    followers, new = metrics.get("followers"), metrics.get("new_followers")
    if followers is None or n == 0:
        return none
    nonzero = np.zeros(n, dtype=bool)
    for values in metrics.values():
        nonzero |= values.fillna(0).to_numpy(dtype=np.int64) != 0
    nonzero |= ~rows.ok  # a malformed row ends the run: nothing is known about it
    first = int(np.argmax(nonzero)) if nonzero.any() else n
    if first == 0 or first == n:
        return none
    jump = followers.iloc[first]
    gained = 0 if new is None or pd.isna(new.iloc[first]) else int(new.iloc[first])
    if pd.isna(jump) or int(jump) <= gained:
        return none
    none[:first] = True
    return none


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    def select(header: list[str]) -> list[int]:
        return [pos for pos, name in enumerate(header) if normalise_header(name) in _WANTED]

    header, skipped, rows = open_rows(path, report, format=_FORMAT, skip=1, select=select)
    descriptions = _description_row(skipped, path, header.line)
    cols = match_columns(
        header.cells, _DATE_ALIASES, required=("date",), file=path, format=_FORMAT, line=header.line
    )
    columns = _columns_by_name(header.cells, column_kinds(header.cells, descriptions))
    rows.date("date", cols["date"], format=_DATE_FORMAT)
    metrics: dict[str, pd.Series] = {}
    scalar_positions: list[int] = []
    for key, (name, kind) in _SCALARS.items():
        pos = _position(columns, name, kind, report)
        metrics[key] = rows.number(key, pos)
        _label(rows, key, kind)
        if pos is not None:
            scalar_positions.append(pos)
    if not scalar_positions:
        raise ExportError(
            path,
            f"{_FORMAT} export has none of the daily metric columns "
            f"({', '.join(repr(name) for name, _ in _SCALARS.values())})",
            line=header.line,
        )
    day_reported = _filled(rows, scalar_positions)
    for key in _BREAKDOWNS:
        metrics[key] = _breakdown(rows, key, columns, report, day_reported)
    placeholder = _placeholder_days(rows, {k: v for k, v in metrics.items() if k in _SCALARS})
    if placeholder.any():
        dates = rows.columns["date"][placeholder]
        report.warn(
            f"{int(placeholder.sum())} leading days ({dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}) "
            "write 0 in every metric before 'Lifetime Total Likes' starts: read as not reported (NA)"
        )
        for key, values in metrics.items():
            rows.columns[key] = values.mask(placeholder)
    n = len(rows)
    account = page_name(path, _PAGE_NAME, report, options)
    extra = {
        "platform": constant_str("facebook", n),
        "account": constant_str(account, n),
    }
    return rows.finish(extra)


PAGE_DAILY = register(
    ExportFormat(
        name=_FORMAT,
        table="account_daily",
        title=(
            "Facebook classic Page Insights daily Page data export "
            "(Facebook Insights Data Export - <Page> - <dates>.csv)"
        ),
        sniff=_sniff,
        parse=_parse,
        example=(
            "Date,Lifetime Total Likes,Daily New Likes,Daily Unlikes,Daily Page Engaged Users,"
            "Weekly Page Engaged Users,28 Days Page Engaged Users,Daily Like Sources - page_profile,"
            "Daily Total Reach,... (row 2: descriptions ending \"(Unique Users)\" or \"(Total Count)\")"
        ),
    )
)
