"""Google Analytics 4 exports.

``ga4_report_csv``: the CSV a GA4 report downloads from the UI (Share this
report -> Download file -> CSV). The file starts with a ``#`` comment preamble
(title, account, property, segment, start and end dates), a blank line, the
header and the rows; a report with several tables writes several sections,
each after another ``# ----`` block.

Sections: only sections with a ``Date`` column (``YYYYMMDD``) feed the daily
``traffic`` table; the rows of every other section are counted as dropped
("section without a Date column") and the section is named in a warning. A file with no dated section raises
:class:`~engagekit.errors.MissingColumnError` naming ``Date``.

NA and zero: an empty metric cell is read as NA (not reported); ``0`` is a
reported zero. ``(not set)`` in a dimension is kept as written. Quoted
thousands (``"1,200"``) are read as numbers. The ``Grand total`` row is
counted in ``rows_totals`` and not loaded.

Mapping to ``traffic``: ``Date`` -> ``date``; ``Session source / medium`` is
split on `` / `` into ``source`` and ``medium`` (else ``Session source``,
``Session medium``; the ``First user ...`` and plain variants too);
``Session campaign`` -> ``campaign``; ``Session manual ad content`` ->
``content``; ``Session default channel group`` -> ``channel`` (computed with
:func:`engagekit.channels.default_channel_group` when the file has source or
medium but no channel); ``Sessions``; ``Total users``/``Active users``/``Users``
-> ``users``; ``Engaged sessions``; ``Key events``/``Conversions`` ->
``key_events``; ``Total revenue``/``Purchase revenue`` -> ``revenue``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..channels import default_channel_group
from ..errors import MissingColumnError
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._text import Record, RowBuilder, decode, match_columns, normalise_header, read_records

__all__ = ["GA4_REPORT"]

FORMAT = "ga4_report_csv"

_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Date",),
    "source_medium": (
        "Session source / medium", "First user source / medium", "Source / medium",
    ),
    "source": ("Session source", "First user source", "Source"),
    "medium": ("Session medium", "First user medium", "Medium"),
    "campaign": ("Session campaign", "First user campaign", "Campaign"),
    "content": (
        "Session manual ad content", "First user manual ad content", "Manual ad content",
    ),
    "channel": (
        "Session default channel group", "First user default channel group",
        "Default channel group",
    ),
    "sessions": ("Sessions",),
    "users": ("Total users", "Active users", "Users"),
    "engaged_sessions": ("Engaged sessions",),
    "key_events": ("Key events", "Conversions"),
    "revenue": ("Total revenue", "Purchase revenue"),
}
_INTEGERS = ("sessions", "users", "engaged_sessions")
_FLOATS = ("key_events", "revenue")
_TOTALS = ("grand total",)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class _Section:
    """One table of the file: its title (from the preamble) and its records."""

    title: str
    first_line: int
    records: list[Record]


def _sniff(head: str, name: str) -> bool:
    lines = [line.strip() for line in _LINE_BREAK.split(head.lstrip("\ufeff"))]
    if not lines or not lines[0].startswith("# ----"):
        return False
    for line in lines:
        if line and not line.startswith("#"):
            cells = [normalise_header(c) for c in line.replace('"', "").split(",")]
            return "sessions" in cells
    return False


def _sections(text: str) -> list[_Section]:
    """Split the file into its non-comment blocks, each titled by its preamble."""
    sections: list[_Section] = []
    title, block, start = "", [], 0
    in_preamble = False

    def close() -> None:
        if any(line.strip() for line in block):
            records = read_records("\n".join(block), first_line=start)
            sections.append(_Section(title or f"section at line {start}", start, records))

    for number, line in enumerate(_LINE_BREAK.split(text.lstrip("\ufeff")), start=1):
        if line.startswith("#"):
            if not in_preamble:
                close()
                title, block, in_preamble = "", [], True
            comment = line.lstrip("#").strip()
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


def _split_totals(records: list[Record], report: LoadReport) -> list[Record]:
    """The data records without the ``Grand total`` row(s), which are counted as totals."""
    kept = []
    for rec in records:
        if rec.cells and normalise_header(rec.cells[0]) in _TOTALS:
            report.rows_totals += 1
        else:
            kept.append(rec)
    return kept


def _source_medium(rows: RowBuilder, cols: dict[str, int]) -> tuple[pd.Series, pd.Series]:
    """Source and medium, from the combined ``source / medium`` column or the separate ones."""
    if "source_medium" in cols:
        combined = rows.raw(cols["source_medium"])
        parts = combined.str.split(" / ", n=1, expand=False)
        source = parts.str[0].str.strip().astype("str")
        medium = parts.str[1].str.strip().astype("str")
        rows.columns["source"], rows.columns["medium"] = source, medium
        return source, medium
    return rows.text("source", cols.get("source")), rows.text("medium", cols.get("medium"))


def _parse_section(path: Path, section: _Section, report: LoadReport) -> pd.DataFrame:
    """One dated section as ``traffic`` rows."""
    header, data = section.records[0], _split_totals(section.records[1:], report)
    report.rows_read += len(section.records) - 1
    cols = match_columns(header.cells, _ALIASES, required=("date",), file=path, format=FORMAT, line=header.line)
    rows = RowBuilder(path, header.cells, data, report)
    rows.date("date", cols["date"], format="%Y%m%d")
    source, medium = _source_medium(rows, cols)
    campaign = rows.text("campaign", cols.get("campaign"))
    rows.text("content", cols.get("content"))
    if "channel" in cols:
        rows.text("channel", cols["channel"])
    elif "source_medium" in cols or "source" in cols or "medium" in cols:
        rows.columns["channel"] = default_channel_group(
            source, medium, campaign
        ).reset_index(drop=True)
    for key in _INTEGERS:
        rows.number(key, cols.get(key))
    for key in _FLOATS:
        rows.number(key, cols.get(key), integer=False)
    return rows.finish()


def _has_date(section: _Section) -> bool:
    header = section.records[0].cells
    return "date" in {normalise_header(c) for c in header}


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    sections = [s for s in _sections(decode(path, report)) if s.records]
    dated = [s for s in sections if _has_date(s)]
    if not dated:
        first = sections[0].records[0] if sections else Record(1, [])
        raise MissingColumnError(
            path, missing=["Date"], present=first.cells, format=FORMAT, line=first.line
        )
    for section in sections:
        if section not in dated:
            report.warn(
                f"section {section.title!r} (line {section.first_line}) has no Date column; "
                "it is not loaded (traffic is daily)"
            )
            report.rows_read += len(section.records) - 1
            for rec in section.records[1:]:
                report.drop(rec.line, "section without a Date column (traffic is daily)")
    frames = [_parse_section(path, s, report) for s in dated]
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
