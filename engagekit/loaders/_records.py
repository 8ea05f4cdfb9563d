"""CSV records that keep their line, header names and their matching to canonical columns."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from engagekit.core.errors import ExportError, MissingColumnError

__all__ = ["Record", "check_header_row", "header_names", "match_columns", "normalise_header", "pick_date_format", "read_records"]


@dataclass(frozen=True)
class Record:
    """One CSV record: its first line in the file (1-based) and its cells."""

    line: int
    cells: list[str]


def read_records(text: str, *, delimiter: str = ",", first_line: int = 1) -> list[Record]:
    """Split CSV ``text`` into records, keeping the line each record starts on.

    Quoted fields may hold delimiters and newlines. Blank lines yield no record.
    ``first_line`` is the file line that ``text`` starts on.
    """
    return [record for record, _ in _iter_records(text, delimiter, first_line)]


def _iter_records(text: str, delimiter: str, first_line: int = 1) -> Iterator[tuple[Record, int]]:
    """Each record of :func:`read_records` with the line it ends on (counted from 1 in ``text``)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    consumed = 0
    for cells in reader:
        start = consumed + 1
        consumed = reader.line_num
        if not cells or (len(cells) == 1 and cells[0] == ""):
            continue
        yield Record(start + first_line - 1, cells), consumed


def header_names(head: str, *, delimiter: str = ",") -> list[str]:
    """The normalised cells of the first record of ``head``, for a format's sniff (empty when there is none).

    The record is parsed as CSV, so a quoted name may hold the delimiter
    (Meta's ``"Reactions, Comments and Shares"``).
    """
    try:
        cells = next(csv.reader(io.StringIO(head.lstrip("\ufeff"), newline=""), delimiter=delimiter), [])
    except csv.Error:
        return []
    return [normalise_header(c) for c in cells]


def pick_date_format(raw: pd.Series, candidates: Sequence[str]) -> str:
    """The candidate ``strptime`` format that parses most of the first 50 filled cells (first on ties)."""
    sample = raw.dropna().head(50)
    scores = [int(pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum()) for fmt in candidates]
    return candidates[scores.index(max(scores))]


def normalise_header(name: str) -> str:
    """Lower-case, trim and collapse spaces, for case-insensitive header matching."""
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().lower()


def match_columns(
    header: Sequence[str],
    aliases: Mapping[str, Iterable[str]],
    *,
    required: Iterable[str],
    file: Path | str,
    format: str,
    line: int | None = None,
) -> dict[str, int]:
    """Find each canonical key's column by its known header aliases, case-insensitively.

    Returns canonical key -> column position for every key found; raises
    :class:`MissingColumnError` (listing the missing and the present columns)
    when a required key has no column. Where a header appears more than once
    the first occurrence is taken.
    """
    positions: dict[str, int] = {}
    for pos, name in enumerate(header):
        positions.setdefault(normalise_header(name), pos)
    found: dict[str, int] = {}
    for key, names in aliases.items():
        for alias in names:
            pos = positions.get(normalise_header(alias))
            if pos is not None:
                found[key] = pos
                break
    missing = [
        next(iter(aliases[key])) for key in required if key not in found
    ]
    if missing:
        raise MissingColumnError(
            file, missing=missing, present=list(header), format=format, line=line
        )
    return found


_FORMAT_WORDS = {
    "%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "HH", "%M": "MM", "%S": "SS",
    "%I": "hh", "%p": "AM/PM", "%z": "+HHMM", "%b": "Mon", "%a": "Ddd",
}


def _describe_format(fmt: str) -> str:
    for code, word in _FORMAT_WORDS.items():
        fmt = fmt.replace(code, word)
    return fmt


def check_header_row(records: Sequence[Record], file: Path, format: str) -> Record:
    """The first record, as the header; raises :class:`ExportError` if the file is empty."""
    if not records:
        raise ExportError(file, f"{format} export has no header row (the file is empty)")
    return records[0]
