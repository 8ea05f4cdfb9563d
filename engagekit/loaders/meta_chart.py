"""Meta Business Suite per-metric chart export.

``meta_chart``: the CSV that Meta Business Suite (Insights -> a chart ->
Export) writes for one metric of a Facebook Page or an Instagram account, one
row per day, into ``account_daily``. The file is UTF-16LE with a BOM::

    sep=,
    "Facebook follows"
    "Date","Primary"
    "2025-08-01T00:00:00","20"

Line 1 is Excel's separator hint, line 2 the metric's name, line 3 the header;
every cell is quoted. ``Date`` is the day in the account's calendar
(``YYYY-MM-DDT00:00:00``); ``Primary`` the metric's value that day (columns
after ``Primary`` are not read). The file name is usually the metric's name
(``Views.csv``, ``Facebook follows.csv``); a file without the metric line
takes its metric name from the file name.

Detection: line 1 is ``sep=<delimiter>`` and one of the next two records is
the header ``Date``, ``Primary``.

The metric name decides the one canonical column the file fills (case is
ignored; a ``Facebook ``/``Instagram `` prefix names the platform):

============================== ============== ===================================
metric name                    column         meaning
============================== ============== ===================================
Views, Impressions             impressions    times content was on screen (Meta's
                                              2024 "Views" replaces impressions)
Reach, Viewers                 reach          accounts reached (Meta's 2025
                                              "Viewers" replaces reach)
Follows, New follows           new_followers  follows gained that day (a flow)
Followers                      followers      the follower count (a level)
Content interactions,          engagements    reactions, comments, shares, saves
Interactions                                  and replies on content
Link clicks                    link_clicks    clicks on links in content
============================== ============== ===================================

"Follows" is an action: the series counts follows gained per day (Meta lists
only the days with a follow), so it is ``new_followers``. "Followers" names
the people who follow: the series is read as the follower count that day
(``followers``); when such a series skips days (which a count cannot do, and
a series of daily follows does), a warning suggests ``metric="new_followers"``.

Any other metric name raises :class:`~engagekit.core.errors.ExportError` listing
the known names.

Options (keyword arguments to :func:`engagekit.read_export`):

``metric``
    The ``account_daily`` column the file fills (e.g. ``metric="lost_followers"``),
    whatever its metric name says.
``platform``
    ``facebook`` or ``instagram``; otherwise ``instagram`` when the metric name
    or the file name says Instagram, else ``facebook``.

The account is ``account=`` (the export does not name it; NA with a warning
when not given).

NA and zero: ``"0"`` is a reported zero; an empty ``Primary`` cell is NA (Meta
leaves low counts it suppresses empty). Some series list only the days with a
non-zero value: a day missing from such a series means 0. The loader does not
invent rows for those days (every row loaded is a row read); it warns with the
number of days missing between the first and the last listed day, and for a
flow metric (every column but ``followers``) those days are to be read as 0
when a complete calendar is needed. A date listed twice keeps its first row
(the other is dropped with its line). A malformed date or value drops its row
with its line and column.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from engagekit.core._arrow import constant_str
from engagekit.core.errors import ExportError
from engagekit.core.schema import METRIC_DTYPES, PLATFORMS
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._cells import RowBuilder
from ._decode import decode
from ._records import Record, match_columns, normalise_header, read_records

__all__ = ["META_CHART"]

_FORMAT = "meta_chart"
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
_ALIASES = {"date": ("Date",), "value": ("Primary",)}
_PLATFORM_WORDS = ("facebook", "instagram")

#: Metric name (lower case, without a platform prefix) -> account_daily column.
_METRICS: dict[str, str] = {
    "views": "impressions",
    "impressions": "impressions",
    "reach": "reach",
    "viewers": "reach",
    "follows": "new_followers",
    "new follows": "new_followers",
    "followers": "followers",
    "content interactions": "engagements",
    "interactions": "engagements",
    "link clicks": "link_clicks",
}
#: Columns a metric may fill (metric= option).
_COLUMNS = tuple(
    column for column in METRIC_DTYPES["account_daily"] if column != "posts_published"
)
_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")


def _sniff(head: str, name: str) -> bool:
    first, _, rest = head.partition("\n")
    if not first.strip().lower().startswith("sep="):
        return False
    delimiter = _delimiter(first)
    for record in read_records(rest[:4096], delimiter=delimiter)[:2]:
        names = [normalise_header(cell) for cell in record.cells]
        if names[:2] == ["date", "primary"]:
            return True
    return False


def _delimiter(sep_line: str) -> str:
    """The delimiter a ``sep=<x>`` line names (``,`` when it names none)."""
    value = sep_line.strip()[4:]
    return value[:1] or ","


def _known_names() -> str:
    return ", ".join(sorted({f"'{name.capitalize()}'" for name in _METRICS}))


def _split_platform(metric: str) -> tuple[str | None, str]:
    """(platform named by a ``Facebook ``/``Instagram `` prefix, the rest of the name in lower case)."""
    words = normalise_header(metric)
    for platform in _PLATFORM_WORDS:
        if words.startswith(platform + " "):
            return platform, words[len(platform) + 1:]
    return None, words


def _column(metric: str, path: Path, options: LoadOptions) -> str:
    """The account_daily column the file fills: ``metric=`` first, else the metric name."""
    chosen = options.extra.get("metric")
    if chosen is not None:
        if chosen not in _COLUMNS:
            raise ExportError(
                path,
                f"metric={chosen!r} is not an account_daily metric; use one of: {', '.join(_COLUMNS)}",
            )
        return chosen
    _, base = _split_platform(metric)
    try:
        return _METRICS[base]
    except KeyError:
        raise ExportError(
            path,
            f"unknown metric {metric!r}: the known metric names are {_known_names()} "
            "(each may start with 'Facebook' or 'Instagram'); to load this file, name the "
            f"account_daily column it fills with metric=<column> (one of: {', '.join(_COLUMNS)})",
            line=2,
        ) from None


def _platform(metric: str, path: Path, options: LoadOptions) -> str:
    chosen = options.extra.get("platform")
    if chosen is not None:
        if chosen not in PLATFORMS:
            raise ExportError(path, f"platform={chosen!r} is not one of: {', '.join(PLATFORMS)}")
        return chosen
    named, _ = _split_platform(metric)
    if named is not None:
        return named
    return "instagram" if "instagram" in path.name.lower() else "facebook"


def _preamble(text: str, path: Path) -> tuple[str, str | None, Record, list[Record]]:
    """(delimiter, metric name or None, header, data records) of a decoded export."""
    text = text.lstrip("\ufeff")
    first, _, rest = text.partition("\n")
    if not first.strip().lower().startswith("sep="):
        raise ExportError(path, f"{_FORMAT} export does not start with a 'sep=,' line", line=1)
    delimiter = _delimiter(first)
    records = read_records(rest, delimiter=delimiter, first_line=2)
    if not records:
        raise ExportError(path, f"{_FORMAT} export has no header row after 'sep='", line=2)
    metric = None
    if normalise_header(records[0].cells[0]) != "date":
        metric = records[0].cells[0].strip()
        records = records[1:]
    if not records:
        raise ExportError(path, f"{_FORMAT} export has no 'Date','Primary' header row", line=3)
    return delimiter, metric, records[0], records[1:]


def _metric_from_name(path: Path) -> str:
    """The metric name a file name gives (``Views (1).csv`` -> ``Views``)."""
    return _COPY_SUFFIX.sub("", path.stem).strip()


def _drop_repeated_dates(rows: RowBuilder, dates: pd.Series) -> None:
    repeated = dates.duplicated(keep="first").to_numpy(dtype=bool) & dates.notna().to_numpy(dtype=bool)
    rows.exclude(repeated & rows.ok, "date listed twice (the first row is kept)")


def _warn_missing_days(report: LoadReport, dates: pd.Series, column: str) -> None:
    """Name the days missing between the first and last listed day (see the module notes)."""
    listed = dates.dropna().drop_duplicates()
    if len(listed) < 2:
        return
    span = (listed.max() - listed.min()).days + 1
    missing = span - len(listed)
    if missing <= 0:
        return
    days = f"{missing} day{'s' if missing > 1 else ''}"
    if column == "followers":
        report.warn(
            f"{days} between {listed.min():%Y-%m-%d} and {listed.max():%Y-%m-%d} not "
            "listed: a follower count lists every day, so this looks like a series of daily "
            "follows; if so, load it with metric='new_followers'"
        )
    else:
        report.warn(
            f"{days} between {listed.min():%Y-%m-%d} and {listed.max():%Y-%m-%d} not "
            f"listed: Meta leaves out days with no {column}, so they are 0 (no rows are added for them)"
        )


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    delimiter, metric, header, data = _preamble(decode(path, report), path)
    report.rows_read = len(data)
    cols = match_columns(
        header.cells, _ALIASES, required=("date", "value"), file=path, format=_FORMAT, line=header.line
    )
    if metric is None:
        metric = _metric_from_name(path)
        report.warn(f"no metric name on line 2: the file name gives it ({metric!r})")
    column = _column(metric, path, options)
    platform = _platform(metric, path, options)
    rows = RowBuilder(path, header.cells, data, report)
    dates = rows.date("date", cols["date"], format=_DATE_FORMAT)
    rows.number(column, cols["value"])
    rows.mapping[column] = f"{header.cells[cols['value']]} ({metric})"
    _drop_repeated_dates(rows, dates.where(rows.ok))
    _warn_missing_days(report, dates[rows.ok], column)
    n = len(rows)
    account = options.account
    if account is None:
        report.warn("the export does not name the account and no account= was given: account is NA")
    extra = {
        "platform": constant_str(platform, n),
        "account": constant_str(account, n),
    }
    return rows.finish(extra)


META_CHART = register(
    ExportFormat(
        name=_FORMAT,
        table="account_daily",
        title=(
            "Meta Business Suite per-metric chart export, Facebook or Instagram "
            "(UTF-16: sep=, / \"<metric>\" / \"Date\",\"Primary\")"
        ),
        sniff=_sniff,
        parse=_parse,
        example='sep=,\n"Facebook follows"\n"Date","Primary"\n"2025-08-01T00:00:00","20"',
    )
)
