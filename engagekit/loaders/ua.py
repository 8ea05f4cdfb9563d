"""Universal Analytics report downloads.

``ua_report_csv``: the file a Universal Analytics (GA3) report downloads from
the UI (Export -> CSV, or the older "CSV for Excel" / "Excel" flavour, which is
the same content as UTF-16 text with tabs between the cells). Layout::

    # ----------------------------------------
    # All Web Site Data                 <- the view
    # Landing Pages                     <- the report
    # 20150416-20150416                 <- the date range, YYYYMMDD-YYYYMMDD
    # ----------------------------------------

    Landing Page,Device Category,Sessions,% New Sessions,New Users,...
    /spring-sale,mobile,"1,553",96.02%,"1,491",...
    ,,"2,015",95.43%,"1,891",...         <- totals: every dimension cell blank

    Day Index,Sessions                  <- the over-time graph, one row per day
    16/04/2015,"2,015"                  <- dates in the viewer's locale
    ,"2,015"                            <- its totals row

Detection: the first line is a ``# ----`` rule and a comment line of the
preamble is a date range ``YYYYMMDD-YYYYMMDD`` (GA4 downloads write
``# Start date: YYYYMMDD`` instead, so neither sniff takes the other's files).
Preamble lines re-saved by a spreadsheet (``# ----,,,,``) and lines of only
delimiters count as comment and blank lines. The delimiter is a tab when the
first table line holds one, else a comma; the encoding comes from the BOM
(UTF-16 for the Excel flavour).

Sections: blocks of lines separated by blank lines. A block whose header has
two cells and whose first cell names an index (``Day Index``, ``Hour Index``,
``Dagindex``...; any header containing ``index``/``índice``) is the
over-time series; the first other block is the table.

Dates, and what is loaded (``traffic`` is one row per day and source):

- The table has a ``Date`` dimension (``YYYYMMDD``): one row per table row,
  dated by it.
- No ``Date`` dimension and a single-day range: every table row is dated with
  that day.
- In both cases the over-time series only repeats the table's totals per day:
  its rows are counted in ``rows_totals``.
- No ``Date`` dimension and a range of several days: the table rows are totals
  over the whole period, which a daily table cannot hold. They are counted as
  dropped (reason names the range) and a warning says so; the ``Day Index``
  series of ``Sessions`` (or ``Users``) is loaded instead, one row per day with
  ``source``, ``medium``, ``campaign``, ``content`` and ``channel`` NA (the
  site's total traffic). Its dates are read in whichever day-first or
  month-first format makes them the consecutive days of the range. A file
  with neither raises :class:`~engagekit.core.errors.ExportError` telling the user
  to export again with ``Date`` as a secondary dimension (an hourly, weekly or
  other series is counted as dropped, not loaded).
- A report comparing two date ranges raises ExportError.

Mapping to ``traffic`` (headers matched case-insensitively; English, and the
Dutch/German/Spanish/French names where known):

- ``Date`` (``Datum``, ``Fecha``) -> ``date`` (``YYYYMMDD``).
- ``Source / Medium`` (``Bron/medium``...) split on `` / `` into ``source``
  and ``medium``; else ``Source`` and ``Medium``.
- ``Campaign`` -> ``campaign``; ``Ad Content`` -> ``content``.
- ``channel``: computed with :func:`engagekit.core.channels.default_channel_group`
  from source, medium and campaign when the file has them; else the UA
  ``Default Channel Grouping`` as written (with a warning: UA channel names such
  as ``Social`` and ``(Other)`` are not GA4's); else NA.
- ``Sessions`` (``Sessies``...) -> ``sessions`` (required).
- ``Users`` -> ``users``. ``New Users`` is **not** mapped: it counts only
  first-time visitors, so ``users`` stays NA in reports that carry only
  ``New Users`` (the usual acquisition reports).
- ``key_events``: ``Goal Completions`` (all goals); else the sum of the
  ``<goal> (Goal N Completions)`` columns (NA where any of them is empty); else
  ``Transactions``.
- ``revenue``: e-commerce ``Revenue``; else ``Goal Value`` or the sum of the
  ``(Goal N Value)`` columns, with a warning (a goal value is what the site
  owner assigned to a goal, not money received).
- Other columns (``% New Sessions``, ``Bounce Rate``, ``Pages/Session``,
  ``Avg. Session Duration`` in ``HH:MM:SS``, conversion rates, other
  dimensions such as ``Landing Page`` and ``Device Category``) are not
  loaded; extra dimensions give several rows per day and source (sessions,
  key events and revenue add up over them, users do not).

NA and zero: an empty metric cell is NA (not reported); ``0`` is a reported
zero; UA writes no other missing-value token. Currency symbols and codes
before or after an amount (``£0.00``, ``A$0.00``, ``US$ 0,00``, ``12,50 €``)
are removed.

Numbers: the decimal mark is decided once per file (see
:func:`engagekit.loaders._analytics.detect_number_style`): ``"3,215"`` is 3215 in an English export,
``2.546`` is 2546 and ``"1,15"`` is 1.15 in a Dutch one. A metric cell that
does not fit the file's style drops its row with the line and column.

Every row is accounted for: table rows are loaded, dropped (malformed, or
undated as above) or counted as totals; series rows are loaded, counted as
totals or dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from engagekit.core.errors import ExportError
from ._analytics import (
    DIMENSIONS,
    UA_DATE_RANGE,
    NumberStyle,
    channel_from_source,
    comma_decimal_language,
    detect_number_style,
    declare_period,
    preamble_dates,
    read_metric,
    report_dates,
    report_lines,
    source_medium,
    strip_currency_cells,
    warn_number_conflict,
    without_totals,
)
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._cells import RowBuilder
from ._decode import decode
from ._records import Record, match_columns, normalise_header, read_records

__all__ = ["UA_REPORT"]

FORMAT = "ua_report_csv"

# --------------------------------------------------------------------------- the UA file

_SERIES_HEADER = re.compile(r"index|índice|indice")

_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Date", "Datum", "Fecha"),
    "source_medium": (
        "Source / Medium", "Source/Medium", "Bron/medium", "Bron / medium", "Quelle/Medium",
        "Quelle / Medium", "Fuente/Medio", "Fuente / Medio", "Source/Support",
    ),
    "source": ("Source", "Bron", "Quelle", "Fuente"),
    "medium": ("Medium", "Medio", "Support"),
    "campaign": ("Campaign", "Campagne", "Kampagne", "Campaña"),
    "content": ("Ad Content", "Advertentie-inhoud", "Anzeigeninhalt", "Contenido del anuncio"),
    "channel": ("Default Channel Grouping", "Standard-Channelgruppierung", "Standaard kanaalgroepering"),
    "sessions": ("Sessions", "Sessies", "Sitzungen", "Sesiones", "Sessioni", "Sessões"),
    "users": ("Users", "Gebruikers", "Nutzer", "Usuarios", "Utilisateurs", "Utenti", "Usuários"),
    "new_users": ("New Users", "Nieuwe gebruikers", "Neue Nutzer", "Usuarios nuevos", "Nouveaux utilisateurs"),
    "goal_completions": ("Goal Completions", "Behaalde doelen"),
    "goal_value": ("Goal Value", "Doelwaarde"),
    "transactions": ("Transactions", "Transacties", "Transaktionen", "Transacciones"),
    "revenue": ("Revenue", "Opbrengst", "Umsatz", "Ingresos", "Chiffre d'affaires"),
}
_GOAL_COMPLETIONS = re.compile(r"\(goal \d+ completions\)$")
_GOAL_VALUE = re.compile(r"\(goal \d+ value\)$")
# Viewer-locale date formats of the Day Index, day-first and month-first.
_DAY_FORMATS = (
    "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%y", "%m/%d/%y", "%d-%m-%Y", "%d-%m-%y", "%d.%m.%Y",
    "%d.%m.%y", "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d",
)


@dataclass(frozen=True)
class _Block:
    """A table of the file: the records between blank lines, the first being its header."""

    first_line: int
    records: list[Record]

    @property
    def header(self) -> Record:
        return self.records[0]

    @property
    def data(self) -> list[Record]:
        return self.records[1:]


def _comment(line: str) -> str:
    """A preamble line's text without ``#`` and the delimiters a spreadsheet may have added."""
    return line.lstrip("#").strip().rstrip(",\t;").strip()


def _is_blank(line: str) -> bool:
    return not line.strip(" \t,;\ufeff")


def _sniff(head: str, name: str) -> bool:
    lines = report_lines(head)
    first = next((line for line in lines if not _is_blank(line)), "")
    if not first.startswith("# ----"):
        return False
    for line in lines:
        if _is_blank(line):
            continue
        if not line.startswith("#"):
            return False
        if UA_DATE_RANGE.fullmatch(_comment(line)):
            return True
    return False


def _delimiter(lines: Sequence[str]) -> str:
    """Tab for the Excel flavour, else comma (decided on the first table line)."""
    first = next((line for line in lines if not line.startswith("#") and not _is_blank(line)), "")
    return "\t" if "\t" in first else ","


def _split(text: str) -> tuple[list[str], list[_Block]]:
    """The preamble's comment texts and the blocks of records."""
    lines = report_lines(text)
    delimiter = _delimiter(lines)
    comments: list[str] = []
    blocks: list[_Block] = []
    current: list[str] = []
    start = 0

    def close() -> None:
        if current:
            records = read_records("\n".join(current), delimiter=delimiter, first_line=start)
            if records:
                blocks.append(_Block(start, records))
            current.clear()

    for number, line in enumerate(lines, start=1):
        if line.startswith("#"):
            close()
            comments.append(_comment(line))
        elif _is_blank(line):
            close()
        else:
            if not current:
                start = number
            current.append(line)
    close()
    return comments, blocks


def _date_range(path: Path, comments: Sequence[str]) -> tuple[date, date]:
    """The report's date range from its ``# YYYYMMDD-YYYYMMDD`` preamble line."""
    ranges = [m.groups() for m in (UA_DATE_RANGE.fullmatch(c) for c in comments) if m]
    if not ranges:
        raise ExportError(
            path,
            f"{FORMAT} export has no date range line (# YYYYMMDD-YYYYMMDD) in its preamble; "
            "download the report again from Universal Analytics without editing it",
        )
    if len(ranges) > 1:
        raise ExportError(
            path,
            f"{FORMAT} export compares date ranges ({', '.join('-'.join(r) for r in ranges)}); "
            "export each range on its own (turn off Compare to) and load those files",
        )
    try:
        return preamble_dates(ranges[0])
    except ValueError:
        raise ExportError(path, f"{FORMAT} export has an invalid date range {'-'.join(ranges[0])!r}") from None


def _is_series(block: _Block) -> bool:
    cells = block.header.cells
    return len(cells) == 2 and bool(_SERIES_HEADER.search(normalise_header(cells[0])))


def _goal_columns(header: Sequence[str], pattern: re.Pattern[str]) -> list[int]:
    return [pos for pos, name in enumerate(header) if pattern.search(normalise_header(name))]


def _columns(path: Path, block: _Block) -> dict[str, int]:
    return match_columns(
        block.header.cells, _ALIASES, required=("sessions",), file=path, format=FORMAT, line=block.header.line
    )


def _first_metric(header: Sequence[str], cols: dict[str, int]) -> int:
    """Position of the first metric column: dimensions come first in UA tables."""
    metrics = [pos for key, pos in cols.items() if key not in DIMENSIONS]
    metrics += _goal_columns(header, _GOAL_COMPLETIONS) + _goal_columns(header, _GOAL_VALUE)
    return min(metrics) if metrics else 1


def _without_totals(records: Sequence[Record], n_dimensions: int, report: LoadReport) -> list[Record]:
    """The records but the totals rows (every dimension cell blank), which are counted in ``rows_totals``."""

    def is_totals(_: int, rec: Record) -> bool:
        return n_dimensions > 0 and not any(c.strip() for c in rec.cells[:n_dimensions])

    return without_totals(records, is_totals, report)


def _style(
    comments: Sequence[str], table: _Block | None, series: Sequence[_Block], cols: dict[str, int]
) -> NumberStyle:
    """The file's number style, from the metric cells of the table and of the series."""
    cells: list[str] = []
    words = list(comments)
    if table is not None:
        first = _first_metric(table.header.cells, cols)
        words += table.header.cells
        cells += [c for rec in table.data for c in rec.cells[first:]]
    for block in series:
        words += block.header.cells
        cells += [rec.cells[1] for rec in block.data if len(rec.cells) > 1]
    return detect_number_style(cells, comma_language=comma_decimal_language(words))


def _summed(rows: RowBuilder, key: str, positions: list[int], style: NumberStyle) -> None:
    """Output column ``key`` as the sum of the columns at ``positions`` (NA where any is empty)."""
    parts = [read_metric(rows, None, pos, style, integer=False) for pos in positions]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    rows.columns[key] = total
    rows.mapping[key] = " + ".join(rows.header[pos] for pos in positions)


def _key_events_and_revenue(
    rows: RowBuilder, cols: dict[str, int], style: NumberStyle, report: LoadReport
) -> None:
    header = rows.header
    per_goal = _goal_columns(header, _GOAL_COMPLETIONS)
    if "goal_completions" in cols:
        read_metric(rows, "key_events", cols["goal_completions"], style, integer=False)
    elif per_goal:
        _summed(rows, "key_events", per_goal, style)
    else:
        read_metric(rows, "key_events", cols.get("transactions"), style, integer=False)
    goal_values = [cols["goal_value"]] if "goal_value" in cols else _goal_columns(header, _GOAL_VALUE)
    if "revenue" in cols or not goal_values:
        read_metric(rows, "revenue", cols.get("revenue"), style, integer=False)
        return
    _summed(rows, "revenue", goal_values, style)
    report.warn(
        f"revenue holds goal value ({rows.mapping['revenue']}): the value assigned to goal "
        "completions, not money received (the report has no e-commerce Revenue column)"
    )


def _channel(rows: RowBuilder, cols: dict[str, int], source: pd.Series, medium: pd.Series,
             campaign: pd.Series, report: LoadReport) -> None:
    if not channel_from_source(rows, cols, source, medium, campaign) and "channel" in cols:
        rows.text("channel", cols["channel"])
        report.warn(
            f"channel holds Universal Analytics channel names from {rows.header[cols['channel']]!r} "
            "(e.g. Social, (Other)), which differ from GA4's default channel group"
        )


def _load_table(
    path: Path, table: _Block, cols: dict[str, int], style: NumberStyle, report: LoadReport, day: date | None
) -> pd.DataFrame:
    """The table's rows as ``traffic`` rows, dated by the Date dimension or with ``day``."""
    header = table.header.cells
    data = _without_totals(table.data, _first_metric(header, cols), report)
    money = [cols.get("revenue"), cols.get("goal_value"), *_goal_columns(header, _GOAL_VALUE)]
    rows = RowBuilder(path, header, strip_currency_cells(data, money), report)
    report_dates(rows, cols.get("date"), day, note="# {day:%Y%m%d}-{day:%Y%m%d} (single-day range of the preamble)")
    source, medium = source_medium(rows, cols)
    campaign = rows.text("campaign", cols.get("campaign"))
    rows.text("content", cols.get("content"))
    _channel(rows, cols, source, medium, campaign, report)
    read_metric(rows, "sessions", cols["sessions"], style)
    read_metric(rows, "users", cols.get("users"), style)
    _key_events_and_revenue(rows, cols, style, report)
    return rows.finish()


def _day_format(values: Sequence[str], start: date, end: date) -> str | None:
    """The format that reads ``values`` as the consecutive days from ``start`` (best fit), or None."""
    best, best_score = None, (0, 0)
    for fmt in _DAY_FORMATS:
        exact = in_range = 0
        for i, value in enumerate(values):
            try:
                day = datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
            exact += day == start + timedelta(days=i)
            in_range += start <= day <= end
        if (exact, in_range) > best_score:
            best, best_score = fmt, (exact, in_range)
    return best


def _series_measure(block: _Block) -> str | None:
    """``sessions`` or ``users`` when the series counts them, else None."""
    name = normalise_header(block.header.cells[1])
    for key in ("sessions", "users"):
        if name in {normalise_header(a) for a in _ALIASES[key]}:
            return key
    return None


def _load_series(
    path: Path, block: _Block, style: NumberStyle, start: date, end: date, report: LoadReport
) -> pd.DataFrame | None:
    """A daily ``Day Index`` series of sessions or users as ``traffic`` rows (None if it is not one)."""
    measure = _series_measure(block)
    data = [rec for rec in block.data if rec.cells and rec.cells[0].strip()]
    fmt = _day_format([rec.cells[0] for rec in data], start, end)
    if measure is None or fmt is None:
        return None
    report.rows_totals += len(block.data) - len(data)
    rows = RowBuilder(path, block.header.cells, data, report)
    rows.date("date", 0, format=fmt)
    read_metric(rows, measure, 1, style)
    return rows.finish()


def _drop_block(block: _Block, report: LoadReport, reason: str, n_dimensions: int = 1) -> None:
    """Count the block's rows: totals rows as totals, the others dropped for ``reason``."""
    for rec in _without_totals(block.data, n_dimensions, report):
        report.drop(rec.line, reason)


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    comments, blocks = _split(decode(path, report))
    start, end = _date_range(path, comments)
    declare_period(report, start, end)
    report.rows_read = sum(len(b.data) for b in blocks)
    tables = [b for b in blocks if not _is_series(b)]
    series = [b for b in blocks if _is_series(b)]
    table = tables[0] if tables else None
    cols = _columns(path, table) if table is not None else {}
    style = _style(comments, table, series, cols)
    warn_number_conflict(style, report)
    for extra in tables[1:]:
        report.warn(f"the table at line {extra.first_line} is a second table; only the first is loaded")
        _drop_block(extra, report, "second table in the file (only the first table is loaded)")
    if table is not None and ("date" in cols or start == end):
        for block in series:
            report.rows_totals += len(block.data)  # per-day totals of the table just loaded
        return _load_table(path, table, cols, style, report, None if "date" in cols else start)
    return _load_daily_series(path, table, cols, series, style, start, end, report)


def _load_daily_series(
    path: Path, table: _Block | None, cols: dict[str, int], series: list[_Block], style: NumberStyle,
    start: date, end: date, report: LoadReport,
) -> pd.DataFrame:
    """A report over several days without a Date dimension: its daily series, the table dropped."""
    days = (end - start).days + 1
    span = f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
    frames = []
    for block in series:
        frame = _load_series(path, block, style, start, end, report) if not frames else None
        if frame is None:
            what = "a second daily series" if frames else "not a daily series of sessions or users"
            _drop_block(block, report, f"over-time series {block.header.cells[0]!r} of "
                        f"{block.header.cells[1]!r} not loaded ({what})")
        else:
            frames.append(frame)
    if not frames:
        raise ExportError(
            path,
            f"{FORMAT} export covers {span} ({days} days) with no Date dimension, so its rows are totals "
            "over the whole period and cannot feed the daily traffic table, and it has no Day Index "
            "series of sessions to load instead. Export the report again with Date as a secondary "
            "dimension (or one day per file)",
        )
    if table is not None:
        _drop_block(
            table, report,
            f"no Date dimension: totals over {span} cannot be dated (the Day Index series is loaded instead)",
            _first_metric(table.header.cells, cols),
        )
        report.warn(
            f"the table has no Date dimension and covers {span} ({days} days): its rows are not loaded; "
            "the daily totals of the Day Index series are loaded instead, with source, medium, campaign, "
            "content and channel NA. Add Date as a secondary dimension to load traffic by source"
        )
    return frames[0]


UA_REPORT = register(
    ExportFormat(
        name=FORMAT,
        table="traffic",
        title="Universal Analytics report CSV/Excel download (# preamble with YYYYMMDD-YYYYMMDD range)",
        sniff=_sniff,
        parse=_parse,
        example=(
            "# ---------------------------------------- / # All Web Site Data / # Landing Pages / "
            "# 20150416-20150416 / Landing Page,Device Category,Sessions,% New Sessions,New Users,"
            "Bounce Rate,Pages/Session,Avg. Session Duration,Sign-ups (Goal 1 Conversion Rate),"
            "Sign-ups (Goal 1 Completions),Sign-ups (Goal 1 Value)"
        ),
    )
)
