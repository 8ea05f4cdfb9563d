"""TikTok Studio analytics exports (Analytics -> Download data).

The download is a zip named ``<report>_<YYYY-MM-DD>_<id>_<handle>.zip`` (e.g.
``Overview_2025-08-28_1756371234_harbourlane.kitchen.zip``); the date is the
day of the export. The zip is read directly (no extraction). Each format reads
one member, found by its file name (case-insensitive, any folder of the zip;
the option ``member=`` names another), as CSV or as an xlsx workbook; the
member can also be read on its own (``Overview.csv``, ``FollowerHistory.xlsx``).
CSVs are UTF-8 with a BOM, every field quoted.

``tiktok_overview`` -> ``account_daily`` (member ``Overview.csv`` or
``Overview.xlsx``): ``"Date","Video Views","Profile Views","Likes","Comments",
"Shares"[,"New followers"]``, one row per day.

``tiktok_followers`` -> ``account_daily`` (member ``FollowerHistory.csv`` or
``FollowerHistory.xlsx``, in the ``Followers_...zip``): ``"Date","Followers",
"Difference in followers from previous day"``, one row per day.

Detection: a zip (magic ``PK``) named ``Overview_<date>_<id>_<handle>.zip``
(``tiktok_overview``) or ``Follower..._<date>_<id>_<handle>.zip``
(``tiktok_followers``); an xlsx whose name starts with ``Overview`` or
``Follower``; a CSV by its header (``Date`` with ``Video Views`` and ``Profile
Views``; ``Date``, ``Followers`` and ``Difference in followers from previous
day``). A workbook's sheet is the one named like the member (``Overview``,
``FollowerHistory``), else its first sheet; the option ``sheet=`` names another.

Dates have no year (``"September 25"``, ``"28 May"``, also with the month
abbreviated and in Russian, ``"28 апреля"``). The year comes from the export
date in the file's name: a day after the export's month and day belongs to the
year before, so a window across New Year gets the right years. Options:
``export_date="YYYY-MM-DD"`` gives the export date; ``year=YYYY`` gives the
year of the export (keeping the month and day of the name where it has a date;
without one, every day is read in that year, with a warning when the days run
from December into January: pass ``export_date=`` then). No year anywhere
raises an ExportError that names the file. Dates written with a year
(``2025-08-28``, e.g. a date cell of a workbook) are taken as written.

NA and zero: ``undefined`` and an empty cell are NA (not reported); ``"0"`` is
a reported zero. Some series list only the days with non-zero values: a day
that is not in the file is simply not loaded (neither 0 nor NA). Daily values
can be negative (``"-1"`` comments: deleted comments outnumbering new ones):
a negative value is a real value and is kept.

Mapping to ``account_daily``: ``Date`` -> ``date``; Overview: ``Video Views``
-> ``video_views``, ``Likes`` -> ``reactions``, ``Comments`` -> ``comments``,
``Shares`` -> ``shares``, ``New followers`` -> ``new_followers`` where the
column exists; ``Profile Views`` is not loaded (``account_daily`` has no
profile-visit column). FollowerHistory: ``Followers`` -> ``followers``; the
``Difference in followers from previous day`` is the net change (gained minus
lost), which is neither ``new_followers`` nor ``lost_followers``: it is not
loaded (``followers.diff()`` gives it back). ``account`` = the handle in the
file's name, else the ``account=`` option.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engagekit.core._arrow import constant_str
from engagekit.core.errors import ExportError
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._cells import RowBuilder
from ._records import Record, check_header_row, header_names, match_columns
from ._archive import Member, csv_records, open_member
from ._workbook import sheet_records

__all__ = ["OVERVIEW", "FOLLOWERS", "month_day"]

_NA = ("undefined",)
_EXCEL = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class _Spec:
    """What distinguishes one TikTok export from another."""

    format: str
    members: tuple[str, ...]
    sheet: str
    aliases: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    metrics: tuple[str, ...]
    #: How the export is detected: the start of its zip or workbook name (lower case), and the header names
    #: (normalised) a CSV holds after ``Date``.
    name_prefix: str
    sniff_header: frozenset[str]
    example: str


_OVERVIEW_SPEC = _Spec(
    format="tiktok_overview",
    members=("Overview.csv", "Overview.xlsx"),
    sheet="Overview",
    aliases={
        "date": ("Date",),
        "video_views": ("Video Views",),
        "reactions": ("Likes",),
        "comments": ("Comments",),
        "shares": ("Shares",),
        "new_followers": ("New followers",),
    },
    required=("date", "video_views"),
    metrics=("video_views", "reactions", "comments", "shares", "new_followers"),
    name_prefix="overview",
    sniff_header=frozenset(("video views", "profile views")),
    example=(
        '"Date","Video Views","Profile Views","Likes","Comments","Shares","New followers"\n'
        '"28 May","0","0","0","0","0","0"'
    ),
)
_FOLLOWERS_SPEC = _Spec(
    format="tiktok_followers",
    members=("FollowerHistory.csv", "FollowerHistory.xlsx"),
    sheet="FollowerHistory",
    aliases={"date": ("Date",), "followers": ("Followers",)},
    required=("date", "followers"),
    metrics=("followers",),
    name_prefix="follower",
    sniff_header=frozenset(("followers", "difference in followers from previous day")),
    example='"Date","Followers","Difference in followers from previous day"\n"September 25","1204","-3"',
)

#: ``<report>_<YYYY-MM-DD>_<id>_<handle>.<ext>``: the export's own file name.
_EXPORT_NAME = re.compile(
    r"^(?P<report>[A-Za-z]+)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<id>\d+)_(?P<handle>.+)\.(?:zip|csv|xlsx)$",
    re.IGNORECASE,
)
_ANY_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")

# --------------------------------------------------------------------------------------------------
# Dates without a year

_MONTH_WORDS: tuple[tuple[str, ...], ...] = (
    ("january", "jan", "январь", "января", "янв"),
    ("february", "feb", "февраль", "февраля", "фев", "февр"),
    ("march", "mar", "март", "марта", "мар"),
    ("april", "apr", "апрель", "апреля", "апр"),
    ("may", "май", "мая"),
    ("june", "jun", "июнь", "июня", "июн"),
    ("july", "jul", "июль", "июля", "июл"),
    ("august", "aug", "август", "августа", "авг"),
    ("september", "sep", "sept", "сентябрь", "сентября", "сен", "сент"),
    ("october", "oct", "октябрь", "октября", "окт"),
    ("november", "nov", "ноябрь", "ноября", "ноя", "нояб"),
    ("december", "dec", "декабрь", "декабря", "дек"),
)
_MONTHS: dict[str, int] = {word: i + 1 for i, words in enumerate(_MONTH_WORDS) for word in words}
_DAY_MONTH = re.compile(r"^(\d{1,2})\.?\s+([^\W\d_]+)\.?(?:,?\s+(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([^\W\d_]+)\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def month_day(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of ``"September 25"``, ``"28 May"``, ``"28 апреля"``, ``"Sep 25, 2024"``
    or ``"2025-08-28"``; None when the text is none of these (the day is not checked against the month)."""
    text = text.strip()
    iso = _ISO_DAY.match(text)
    if iso:
        return int(iso.group(1)), int(iso.group(2)), int(iso.group(3))
    match = _DAY_MONTH.match(text)
    if match:
        day, word, year = match.groups()
    else:
        match = _MONTH_DAY.match(text)
        if not match:
            return None
        word, day, year = match.groups()
    month = _MONTHS.get(word.lower())
    if month is None or not 1 <= int(day) <= 31:
        return None
    return (int(year) if year else None), month, int(day)


def _in_year_before_or_at(reference: date, month: int, day: int) -> int:
    """The year of ``month``/``day`` on or before ``reference`` (within the year up to it)."""
    return reference.year if (month, day) <= (reference.month, reference.day) else reference.year - 1


@dataclass(frozen=True)
class _Reference:
    """Where the year of a date comes from: the export date, or a year given alone."""

    day: date
    year_only: bool


def _export_date(path: Path, options: LoadOptions) -> _Reference | None:
    """The export date from ``export_date=``, else the file's name (its year replaced by ``year=``)."""
    given = options.extra.get("export_date")
    if given is not None:
        return _Reference(_as_date(given, path), year_only=False)
    named = _date_in_name(path.name)
    year = options.extra.get("year")
    if year is None:
        return None if named is None else _Reference(named, year_only=False)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ExportError(path, f"year= must be a year such as 2025, not {year!r}") from None
    if named is None:
        return _Reference(date(year, 12, 31), year_only=True)
    day = min(named.day, 28) if (named.month, named.day) == (2, 29) else named.day
    return _Reference(date(year, named.month, day), year_only=False)


def _as_date(value: Any, path: Path) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ExportError(path, f"export_date= must be a date written YYYY-MM-DD, not {value!r}") from None


def _date_in_name(name: str) -> date | None:
    for match in _ANY_DATE.finditer(name):
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None


def _dates(rows: RowBuilder, pos: int, reference: _Reference | None, label: str, first_line: int) -> pd.Series:
    """Column ``pos`` as calendar dates, each year found from ``reference``; bad cells drop their row."""
    raw = rows.raw(pos)
    cells = raw.to_numpy(dtype=object, na_value=None)
    parts = [month_day(cell) if cell is not None else None for cell in cells]
    yearless = [cell for cell, part in zip(cells, parts) if part is not None and part[0] is None]
    if reference is None and yearless:
        raise ExportError(
            label,
            f"the dates have no year (e.g. {yearless[0]!r}) "
            "and the file name holds no export date: pass year=YYYY (the year of the export) or "
            "export_date='YYYY-MM-DD', or keep the export's own name (e.g. "
            "Overview_2025-08-28_<id>_<handle>.zip)",
            line=first_line,
            column=rows.header[pos],
        )
    values = np.full(len(cells), np.datetime64("NaT", "us"))
    bad = np.zeros(len(cells), dtype=bool)
    for i, part in enumerate(parts):
        if part is None:
            bad[i] = cells[i] is not None
            continue
        year, month, day = part
        if year is None:
            year = _in_year_before_or_at(reference.day, month, day)
        try:
            values[i] = np.datetime64(date(year, month, day), "us")
        except ValueError:
            bad[i] = True
    rows.fail(bad, pos, "not a valid date (expected a day and a month, e.g. 'September 25' or '28 May')", raw)
    rows.fail(np.array([c is None for c in cells], dtype=bool), pos, "empty date", raw)
    if reference is not None and reference.year_only:
        months = {p[1] for p in parts if p is not None and p[0] is None}
        if {1, 12} <= months:
            rows.report.warn(
                f"the days run from December into January but only year= was given: all were read in "
                f"{reference.day.year}; pass export_date='YYYY-MM-DD' to place them in their years"
            )
    series = pd.Series(values, dtype="datetime64[us]")
    rows.columns["date"] = series
    rows.mapping["date"] = rows.header[pos]
    return series


# --------------------------------------------------------------------------------------------------
# Reading


def _records(path: Path, report: LoadReport, options: LoadOptions, spec: _Spec) -> tuple[Member, Record, list[Record]]:
    """The member read, its header and its data records (CSV or workbook)."""
    wanted = options.extra.get("member")
    member = open_member(path, [wanted] if wanted else spec.members, format=spec.format)
    if member.name.lower().endswith(_EXCEL):
        # The sheet: ``sheet=``, else the one named like the member, else the first.
        sheet = options.extra.get("sheet")
        records = sheet_records(
            io.BytesIO(member.data), spec.sheet if sheet is None else sheet, file=Path(member.label),
            fallback=0 if sheet is None else None,
        )
        header = check_header_row(records, Path(member.label), spec.format)
        return member, header, records[1:]
    header, data = csv_records(member, report, spec.format)
    return member, header, data


def _account(path: Path, options: LoadOptions) -> str | None:
    match = _EXPORT_NAME.match(path.name)
    return match.group("handle") if match else options.account


def _parse(path: Path, report: LoadReport, options: LoadOptions, spec: _Spec) -> pd.DataFrame:
    member, header, data = _records(path, report, options, spec)
    cols = match_columns(header.cells, spec.aliases, required=spec.required, file=member.label,
                         format=spec.format, line=header.line)
    report.rows_read = len(data)
    rows = RowBuilder(path, header.cells, data, report)
    first_line = data[0].line if data else header.line
    _dates(rows, cols["date"], _export_date(path, options), member.label, first_line)
    for key in spec.metrics:
        rows.number(key, cols.get(key), na=_NA)
    n = len(rows)
    return rows.finish({
        "platform": constant_str("tiktok", n),
        "account": constant_str(_account(path, options), n),
    })


# --------------------------------------------------------------------------------------------------
# Detection


def _named(head: str, name: str, prefix: str) -> bool:
    """A zip or workbook (magic ``PK``) named like TikTok's export of ``prefix``."""
    if not head.startswith("PK"):
        return False
    lower = name.lower()
    if lower.endswith(".zip"):
        match = _EXPORT_NAME.match(name)
        return bool(match) and match.group("report").lower().startswith(prefix)
    return lower.endswith(_EXCEL) and lower.startswith(prefix)


def _sniff(spec: _Spec, head: str, name: str) -> bool:
    """The export's zip or workbook by its name, else a CSV by its header."""
    if _named(head, name, spec.name_prefix):
        return True
    names = header_names(head)
    return bool(names) and names[0] == "date" and spec.sniff_header <= set(names)


_DOWNLOAD = "TikTok Studio analytics download (<report>_<YYYY-MM-DD>_<id>_<handle>.zip, or its CSV/xlsx)"


def _register(spec: _Spec) -> ExportFormat:
    return register(
        ExportFormat(
            name=spec.format,
            table="account_daily",
            title=f"{_DOWNLOAD}, '{spec.sheet}' (one row per day)",
            sniff=partial(_sniff, spec),
            parse=partial(_parse, spec=spec),
            example=spec.example,
        )
    )


OVERVIEW = _register(_OVERVIEW_SPEC)
FOLLOWERS = _register(_FOLLOWERS_SPEC)
