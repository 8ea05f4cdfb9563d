"""Any other CSV or Excel file, through a column mapping.

``generic``: never detected; chosen by ``read_export(path, columns=...,
table=...)`` or ``format: generic`` in client.yml. ``columns`` maps canonical
column -> header in the file (matched case-insensitively), ``constants`` gives
a fixed value for every row (e.g. ``outcome: registration``), ``table`` names
the canonical table.

Files: a workbook (``.xlsx``/``.xlsm``, or any file whose content is a zip
workbook) is read with openpyxl through :func:`._workbook.sheet_records`: the
first sheet, or the option ``sheet=`` (a name, matched case-insensitively, or
a 0-based position; a missing sheet is an error listing the workbook's
sheets). An old binary ``.xls`` raises an error asking to save it as
``.xlsx``; an ``.xls`` that holds delimited text (some tools write that) is
read as text. Cells Excel holds as numbers or dates are read as their text
(``12.5``, ``2026-03-01 09:30:00``; dates are written with ``date_format=``
where given, so that they parse like the text cells of the same column).
Anything else is read as delimited text, the delimiter being the most
frequent of ``,``, ``;`` and tab in the header line.

The header is the first non-blank row (of the sheet, or line of the text);
blank rows are skipped and not counted. Line numbers in the report are the
file's lines, or the sheet's row numbers for a workbook.

Conversion follows the canonical dtype: text; whole numbers (``Int64``) and
decimals (``Float64``) with ``.`` as decimal separator and no thousands
separator unless the options ``decimal=`` / ``thousands=`` say otherwise;
timestamps (naive values read in ``tz``, option ``date_format=``); calendar
dates; booleans (``true/false``, ``yes/no``, ``1/0``). ``customer_key`` and
``user_key`` are hashed (salted SHA-256): the raw identifier is never kept.

NA and zero: an empty cell is NA, ``0`` is a reported zero; no other token is
read as NA. A cell that cannot be converted drops its row, with the line,
column and value in the report; an empty timestamp or date drops the row too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from engagekit.core import schema
from engagekit.core.errors import ConfigError
from engagekit.core.privacy import hash_identifiers
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._cells import RowBuilder
from ._decode import decode
from ._records import Record, check_header_row, match_columns, read_records
from ._workbook import sheet_records

__all__ = ["GENERIC"]

FORMAT = "generic"
_DELIMITERS = (",", ";", "\t")
_EXCEL = (".xlsx", ".xlsm")
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # zip (xlsx), OLE2 (old xls)
_HASHED = ("customer_key", "user_key")
_TRUE = ("true", "yes", "1", "y")
_FALSE = ("false", "no", "0", "n")


def _sniff(head: str, name: str) -> bool:
    return False


def _validate(path: Path, options: LoadOptions, table: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The mapping and constants, checked against the table's columns."""
    if table not in schema.TABLES:
        raise ConfigError(path, "table", f"unknown table {table!r}; tables are: {', '.join(schema.TABLES)}")
    columns = dict(options.columns or {})
    constants = dict(options.constants or {})
    if not columns:
        raise ConfigError(path, "columns", "the generic format needs a column mapping (canonical column -> header)")
    known = schema.TABLES[table]
    for field, names in (("columns", columns), ("constants", constants)):
        unknown = [c for c in names if c not in known]
        if unknown:
            raise ConfigError(
                path, field,
                f"{unknown} are not columns of the {table} table; its columns are: {', '.join(known)}",
            )
    both = sorted(set(columns) & set(constants))
    if both:
        raise ConfigError(path, "constants", f"{both} are given both a column and a constant")
    return columns, constants


def _delimiter(text: str) -> str:
    """The most frequent of ``,``, ``;`` and tab in the first non-blank line."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(_DELIMITERS, key=first.count)


def _is_workbook(path: Path) -> bool:
    """True for a workbook by name (``.xlsx``, ``.xlsm``) or by content (zip or OLE2 magic).

    An ``.xls`` is judged by its content: some tools write delimited text under that name.
    """
    if path.suffix.lower() in _EXCEL:
        return True
    with open(path, "rb") as fh:
        start = fh.read(8)
    return start.startswith(_WORKBOOK_MAGIC)


def _records(path: Path, report: LoadReport, options: LoadOptions) -> list[Record]:
    """The file's non-blank records: a workbook's sheet rows, or the delimited text's records."""
    if _is_workbook(path):
        return sheet_records(
            path, options.extra.get("sheet", 0), file=path, date_format=options.extra.get("date_format"),
        )
    text = decode(path, report).lstrip("\ufeff")
    return read_records(text, delimiter=_delimiter(text))


def _positions(header: Record, columns: Mapping[str, str], path: Path) -> dict[str, int]:
    """Canonical column -> position of its mapped header; every mapped header must exist."""
    aliases = {key: (name,) for key, name in columns.items()}
    return match_columns(header.cells, aliases, required=columns, file=path, format=FORMAT, line=header.line)


def _boolean(rows: RowBuilder, key: str, pos: int) -> None:
    """Column ``pos`` as nullable booleans; other tokens drop the row."""
    raw = rows.raw(pos)
    lowered = raw.str.lower()
    values = pd.Series(pd.array([pd.NA] * len(rows), dtype="boolean"))
    values = values.mask(lowered.isin(_TRUE).to_numpy(dtype=bool), True)
    values = values.mask(lowered.isin(_FALSE).to_numpy(dtype=bool), False)
    bad = raw.notna().to_numpy(dtype=bool) & values.isna().to_numpy(dtype=bool)
    rows.fail(bad, pos, "not true/false", raw)
    rows.columns[key] = values


def _convert(rows: RowBuilder, key: str, pos: int, dtype: str, options: LoadOptions) -> None:
    """Convert one mapped column by its canonical dtype."""
    fmt = options.extra.get("date_format")
    numbers = {"thousands": options.extra.get("thousands"), "decimal": options.extra.get("decimal", ".")}
    if key in _HASHED:
        rows.columns[key] = hash_identifiers(rows.raw(pos), salt=options.salt)
    elif dtype == schema.INT:
        rows.number(key, pos, **numbers)
    elif dtype == schema.FLOAT:
        rows.number(key, pos, integer=False, **numbers)
    elif dtype == schema.UTC:
        rows.timestamp(key, pos, format=fmt, tz=options.tz)
    elif dtype == schema.DAY:
        rows.date(key, pos, format=fmt)
    elif dtype == schema.BOOL:
        _boolean(rows, key, pos)
    else:
        rows.text(key, pos)


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    table = report.table
    columns, constants = _validate(path, options, table)
    records = _records(path, report, options)
    header = check_header_row(records, path, FORMAT)
    data = records[1:]
    report.rows_read = len(data)
    positions = _positions(header, columns, path)
    rows = RowBuilder(path, header.cells, data, report)
    dtypes = schema.TABLES[table]
    for key, pos in positions.items():
        _convert(rows, key, pos, dtypes[key], options)
    extra = {key: pd.Series([value] * len(rows), dtype="object") for key, value in constants.items()}
    return rows.finish(extra)


GENERIC = register(
    ExportFormat(
        name=FORMAT,
        table=None,
        title="any CSV or Excel file with a column mapping (columns=, constants=, table=)",
        sniff=_sniff,
        parse=_parse,
        detectable=False,
        example="any header; client.yml maps canonical columns to it (columns: {occurred_at: Signed up at, customer_key: Email})",
    )
)
