"""Google Analytics 4 exports.

``ga4_report_csv``: the CSV a GA4 report downloads from the UI (Share this
report -> Download file -> CSV). The file starts with a ``#`` comment preamble
(title, account, property, segment, start and end dates), a blank line, the
header and the rows; a report with several tables writes several sections,
each after another ``# ----`` block.

Detection: the first line is a ``# ----`` rule and the first line after the
comments is a header with a sessions column (``Sessions``, ``Sitzungen``,
``Sesiones``, ``Sessies``...). A preamble with a Universal Analytics date
range line (``# 20150416-20150416``) is not GA4 (see ``ua_report_csv``).

Preamble: the title is the first comment that is not a rule. The start and end
dates are the first two comments of the form ``<label>: YYYYMMDD`` in any
language, with or without a space before the colon (``# Start date: 20260101``,
``# Date de début : 20260701``, ``# Startdatum: 20260701``,
``# Fecha de inicio: 20260701``); their labels also tell the language.

Sections: only sections with a ``Date`` column (``Datum``, ``Fecha``,
``Data``; values ``YYYYMMDD``) feed the daily ``traffic`` table; the rows of
every other section are counted as dropped and the section is named in a
warning: "section without a Date column", or "monthly rows" for exploration
tables by ``Month`` (``01``..``12``) or ``Year month`` (``202601``), which
are totals over a month and cannot be dated by day. A file with no dated
section raises :class:`~engagekit.core.errors.MissingColumnError` naming ``Date``
(:class:`~engagekit.core.errors.ExportError` explaining the monthly rows when the
file has only monthly sections) unless its preamble covers a single day: then
its first undated, non-monthly table is loaded with that day and the other
tables' rows are dropped (they break down the same traffic again).

NA and zero: an empty metric cell is read as NA (not reported); ``0`` is a
reported zero. ``(not set)`` in a dimension is kept as written. The ``Grand
total`` row is counted in ``rows_totals`` and not loaded: a first cell reading
``Grand total`` (or ``Total``, ``Total général``, ``Gesamtsumme``,
``Total general``, ``Eindtotaal``), or, in any language, a first data row
whose first cell holds no digit while the other dimension cells are blank.

Numbers: the decimal mark is decided once per file from the metric cells
(:func:`engagekit.loaders._analytics.detect_number_style`): a cell proves the mark
when it holds both marks (the last one is the decimal mark), one mark twice
(thousands), or one mark followed by other than three digits or after a
leading ``0`` (decimal: ``0.6``, ``"0,6149"``, ``"250,5"``). ``1,200`` and
``2.546`` prove nothing; when no cell proves anything the language of the
preamble and headers decides (French, German, Spanish, Dutch... use a
decimal comma), else ``.``. So ``"1,200"`` is 1200 in a file that also writes
``250.5`` and 1.2 in a file that writes ``"0,6149"``. Spaces, non-breaking
spaces and narrow non-breaking spaces between digit groups are ignored
(``1 480``). A metric cell written in the other style drops its row with
its line and column. Currency symbols around revenue are removed.

Mapping to ``traffic`` (English names; French, German, Spanish and Dutch
names where known, see ``_ALIASES``): ``Date`` -> ``date``;
``Session source / medium`` is split on `` / `` into ``source`` and
``medium`` (else ``Session source``, ``Session medium``; the ``First user
...`` and plain variants too; a localised header containing
``source/medium``, ``Quelle/Medium``, ``source/support``, ``fuente/medio``
or ``bron/medium`` also counts); ``Session campaign`` -> ``campaign``;
``Session manual ad content`` -> ``content``; ``channel``: the ``Session
default channel group`` column as written, else computed with
:func:`engagekit.core.channels.default_channel_group` when the file has source
or medium, else a custom channel group column as written (with a warning:
its values are the property's own channel names). A custom channel group is
the column named by ``channel_column=`` or any other header containing
``channel group`` (``groupe de canaux``, ``Channelgruppe``, ``grupo de
canales``, ``kanaalgroep``); it is usually the first column.
``Sessions``; ``Total users``/``Active users``/``Users`` -> ``users``;
``Engaged sessions``; ``Key events``/``Conversions`` -> ``key_events``;
``Total revenue``/``Purchase revenue`` -> ``revenue``.

Options (``read_export(..., channel_column="Session Marketing channels")``):
``channel_column`` names the custom channel group column to read as
``channel`` when the file has no default channel group column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from engagekit.core.errors import ExportError, MissingColumnError
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._cells import RowBuilder
from ._decode import decode
from ._records import Record, match_columns, normalise_header, read_records
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

__all__ = ["GA4_REPORT"]

FORMAT = "ga4_report_csv"

_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Date", "Datum", "Fecha", "Data"),
    "source_medium": (
        "Session source / medium", "First user source / medium", "Source / medium",
        "Source/support de la session", "Source/support",
    ),
    "source": ("Session source", "First user source", "Source", "Source de la session", "Quelle"),
    "medium": ("Session medium", "First user medium", "Medium", "Support de la session"),
    "campaign": (
        "Session campaign", "First user campaign", "Campaign", "Campagne de la session",
        "Sitzungskampagne", "Campaña de la sesión",
    ),
    "content": (
        "Session manual ad content", "First user manual ad content", "Manual ad content",
    ),
    "channel": (
        "Session default channel group", "First user default channel group",
        "Default channel group", "Groupe de canaux par défaut de la session",
        "Standard-Channelgruppe für Sitzung", "Grupo de canales predeterminado de la sesión",
    ),
    "sessions": ("Sessions", "Sitzungen", "Sesiones", "Sessies", "Sessioni", "Sessões"),
    "users": (
        "Total users", "Active users", "Users",
        "Nombre total d'utilisateurs", "Utilisateurs actifs", "Utilisateurs",
        "Nutzer insgesamt", "Aktive Nutzer", "Nutzer",
        "Usuarios totales", "Usuarios activos", "Usuarios",
        "Totaal aantal gebruikers", "Actieve gebruikers", "Gebruikers",
    ),
    "engaged_sessions": (
        "Engaged sessions", "Sessions avec engagement", "Sitzungen mit Interaktion",
        "Sesiones con interacción",
    ),
    "key_events": (
        "Key events", "Conversions", "Événements clés", "Schlüsselereignisse", "Eventos clave",
    ),
    "revenue": (
        "Total revenue", "Purchase revenue", "Revenu total", "Revenus totaux", "Gesamtumsatz",
        "Ingresos totales",
    ),
}
_INTEGERS = ("sessions", "users", "engaged_sessions")
_FLOATS = ("key_events", "revenue")
_TOTALS = frozenset(
    ("grand total", "total", "total général", "gesamtsumme", "summe", "total general", "eindtotaal")
)
_MONTHS = frozenset(("month", "year month", "mois", "monat", "mes", "maand"))
_SOURCE_MEDIUM = re.compile(r"(?:source|quelle|bron|fuente|origen)\s*/\s*-?\s*(?:medium|support|medio)")
_CHANNEL_GROUP = re.compile(r"channel group|groupe de canaux|channelgruppe|kanalgruppe|grupo de canales|kanaalgroep")
_PREAMBLE_DATE = re.compile(r"^(.*?)\s*:\s*(\d{8})$")
_SESSIONS = frozenset(normalise_header(a) for a in _ALIASES["sessions"])
_DATES = frozenset(normalise_header(a) for a in _ALIASES["date"])


@dataclass(frozen=True)
class _Section:
    """One table of the file: its title and comments (from the preamble) and its records."""

    title: str
    first_line: int
    records: list[Record]
    comments: list[str] = field(default_factory=list)


def _sniff(head: str, name: str) -> bool:
    lines = [line.strip() for line in report_lines(head)]
    if not lines or not lines[0].startswith("# ----"):
        return False
    for line in lines:
        if line.startswith("#"):
            if UA_DATE_RANGE.fullmatch(line.lstrip("#").strip().rstrip(",\t").strip()):
                return False  # a Universal Analytics preamble
            continue
        if line:
            cells = [normalise_header(c) for c in line.replace('"', "").split(",")]
            return bool(_SESSIONS.intersection(cells))
    return False


def _sections(text: str) -> list[_Section]:
    """Split the file into its non-comment blocks, each titled by its preamble."""
    sections: list[_Section] = []
    title, block, start, comments = "", [], 0, []
    in_preamble = False

    def close() -> None:
        if any(line.strip() for line in block):
            records = read_records("\n".join(block), first_line=start)
            sections.append(_Section(title or f"section at line {start}", start, records, comments))

    for number, line in enumerate(report_lines(text), start=1):
        if line.startswith("#"):
            if not in_preamble:
                close()
                title, block, comments, in_preamble = "", [], [], True
            comment = line.lstrip("#").strip()
            comments.append(comment)
            if not title and comment and not comment.startswith("----"):
                title = comment
            continue
        if in_preamble:
            in_preamble, start = False, number
        elif not block:
            start = number
        block.append(line)
    close()
    return sections


def _preamble_dates(sections: list[_Section]) -> tuple[date | None, date | None]:
    """The report's start and end dates: the first two ``<label>: YYYYMMDD`` comments of a preamble."""
    for section in sections:
        found = [m.group(2) for m in map(_PREAMBLE_DATE.match, section.comments) if m]
        if len(found) >= 2:
            try:
                return preamble_dates(found[:2])
            except ValueError:
                return None, None
    return None, None


def _preamble_labels(sections: list[_Section]) -> list[str]:
    return [m.group(1) for s in sections for m in map(_PREAMBLE_DATE.match, s.comments) if m]


def _columns(path: Path, header: Record, channel_column: str | None, *, required: tuple[str, ...]) -> dict[str, int]:
    """Canonical key -> position, with the localised source/medium and custom channel group fallbacks."""
    cols = match_columns(header.cells, _ALIASES, required=required, file=path, format=FORMAT, line=header.line)
    names = [normalise_header(c) for c in header.cells]
    if not {"source_medium", "source", "medium"} & cols.keys():
        pos = next((i for i, n in enumerate(names) if _SOURCE_MEDIUM.search(n)), None)
        if pos is not None:
            cols["source_medium"] = pos
    if "channel" not in cols:
        if channel_column is not None:
            if normalise_header(channel_column) not in names:
                raise MissingColumnError(
                    path, missing=[channel_column], present=header.cells, format=FORMAT, line=header.line
                )
            cols["custom_channel"] = names.index(normalise_header(channel_column))
        else:
            pos = next((i for i, n in enumerate(names) if _CHANNEL_GROUP.search(n)), None)
            if pos is not None:
                cols["custom_channel"] = pos
    return cols


def _is_totals(rec: Record, index: int, dimensions: list[int], date_first: bool) -> bool:
    """The ``Grand total`` row: by its word, or structurally as the first data row whose first cell holds
    no digit (so no date) while the other dimension cells are blank (needs a Date first column or
    another dimension column, so that a one-dimension table's first row is never taken)."""
    if not rec.cells:
        return False
    first = rec.cells[0].strip()
    if normalise_header(first) in _TOTALS:
        return True
    others = [p for p in dimensions if 0 < p < len(rec.cells)]
    return (
        index == 0
        and bool(first)
        and not any(ch.isdigit() for ch in first)
        and (date_first or bool(others))
        and all(not rec.cells[p].strip() for p in others)
    )


def _split_totals(records: list[Record], cols: dict[str, int], report: LoadReport) -> list[Record]:
    """The data records without the ``Grand total`` row(s), which are counted as totals."""
    dimensions = [pos for key, pos in cols.items() if key in DIMENSIONS or key == "custom_channel"]
    date_first = cols.get("date") == 0
    return without_totals(records, lambda index, rec: _is_totals(rec, index, dimensions, date_first), report)


def _channel(rows: RowBuilder, cols: dict[str, int], source: pd.Series, medium: pd.Series,
             campaign: pd.Series, report: LoadReport) -> None:
    custom = rows.header[cols["custom_channel"]] if "custom_channel" in cols else None
    if "channel" in cols:
        rows.text("channel", cols["channel"])
    elif channel_from_source(rows, cols, source, medium, campaign):
        if custom is not None:
            report.warn(
                f"channel is GA4's default channel group computed from source and medium; "
                f"the custom channel group column {custom!r} is not loaded"
            )
    elif custom is not None:
        rows.text("channel", cols["custom_channel"])
        report.warn(
            f"channel holds the custom channel group {custom!r}: the property's own channel names, "
            "not GA4's default channel group"
        )


def _parse_section(
    path: Path, section: _Section, report: LoadReport, style: NumberStyle,
    channel_column: str | None, day: date | None,
) -> pd.DataFrame:
    """One dated section (or the table of a single-day report, dated ``day``) as ``traffic`` rows."""
    header = section.records[0]
    report.rows_read += len(section.records) - 1
    cols = _columns(path, header, channel_column, required=("date",) if day is None else ())
    data = _split_totals(section.records[1:], cols, report)
    data = strip_currency_cells(data, [cols.get("revenue")])
    rows = RowBuilder(path, header.cells, data, report)
    report_dates(rows, cols.get("date"), day, note="{day:%Y%m%d} (single-day range of the preamble)")
    source, medium = source_medium(rows, cols)
    campaign = rows.text("campaign", cols.get("campaign"))
    rows.text("content", cols.get("content"))
    _channel(rows, cols, source, medium, campaign, report)
    for key in _INTEGERS:
        read_metric(rows, key, cols.get(key), style)
    for key in _FLOATS:
        read_metric(rows, key, cols.get(key), style, integer=False)
    return rows.finish()


def _has_date(section: _Section) -> bool:
    return bool(_DATES.intersection(normalise_header(c) for c in section.records[0].cells))


def _month_column(section: _Section) -> str | None:
    """The ``Month``/``Year month`` header of an exploration table by month, if it has one."""
    return next((c for c in section.records[0].cells if normalise_header(c) in _MONTHS), None)


def _number_style(sections: list[_Section]) -> NumberStyle:
    """The file's number style, from its metric cells (every column but the dimensions)."""
    cells: list[str] = []
    words = _preamble_labels(sections)
    dimension_names = {normalise_header(a) for key in DIMENSIONS for a in _ALIASES[key]} | _MONTHS
    for section in sections:
        header = section.records[0].cells
        words += header
        metrics = [
            pos for pos, name in enumerate(map(normalise_header, header))
            if pos > 0 and name not in dimension_names
            and not _SOURCE_MEDIUM.search(name) and not _CHANNEL_GROUP.search(name)
        ]
        for rec in section.records[1:2001]:
            cells += [rec.cells[p] for p in metrics if p < len(rec.cells)]
    return detect_number_style(cells, comma_language=comma_decimal_language(words))


def _drop_section(section: _Section, report: LoadReport, reason: str, message: str) -> None:
    report.warn(message)
    report.rows_read += len(section.records) - 1
    for rec in section.records[1:]:
        report.drop(rec.line, reason)


def _no_dated_section(path: Path, sections: list[_Section]) -> ExportError:
    """The error for a file none of whose sections has a Date column."""
    monthly = [(s, column) for s in sections if (column := _month_column(s))]
    if monthly and len(monthly) == len(sections):
        section, column = monthly[0]
        return ExportError(
            path,
            f"{FORMAT} export has monthly rows (column {column!r}) and no Date column; traffic is daily: "
            "add the Date dimension to the exploration (or report) and download it again",
            line=section.records[0].line,
            column=column,
        )
    first = sections[0].records[0] if sections else Record(1, [])
    return MissingColumnError(path, missing=["Date"], present=first.cells, format=FORMAT, line=first.line)


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    sections = [s for s in _sections(decode(path, report)) if s.records]
    channel_column = options.extra.get("channel_column")
    start, end = _preamble_dates(sections)
    declare_period(report, start, end)
    dated = [s for s in sections if _has_date(s)]
    day = None
    if not dated:
        tables = [s for s in sections if not _month_column(s)]
        if start is None or start != end or not tables:
            raise _no_dated_section(path, sections)
        dated, day = tables[:1], start
    style = _number_style(sections)
    warn_number_conflict(style, report)
    loaded = {id(s) for s in dated}
    for section in sections:
        if id(section) in loaded:
            continue
        where = f"section {section.title!r} (line {section.first_line})"
        column = _month_column(section)
        if column is not None:
            _drop_section(
                section, report, "monthly rows (Month / Year month; traffic is daily)",
                f"{where} has monthly rows ({column!r}) and no Date column; it is not loaded (traffic is daily)",
            )
        elif day is not None:
            _drop_section(
                section, report, "another table of the same single-day report (only the first is loaded)",
                f"{where} breaks down the same day's traffic again; only the first table is loaded",
            )
        else:
            _drop_section(
                section, report, "section without a Date column (traffic is daily)",
                f"{where} has no Date column; it is not loaded (traffic is daily)",
            )
    frames = [_parse_section(path, s, report, style, channel_column, day) for s in dated]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


GA4_REPORT = register(
    ExportFormat(
        name=FORMAT,
        table="traffic",
        title="Google Analytics 4 report CSV download (# preamble, one or more sections)",
        sniff=_sniff,
        parse=_parse,
        example="# ---------------------------------------- / # Traffic acquisition: Session source / medium / ... / Date,Session source / medium,Session campaign,Sessions,Engaged sessions,Total users,Key events,Total revenue",
    )
)
