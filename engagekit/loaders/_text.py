"""Reading delimited export files without losing a row or the line it came from.

Loaders decode a file with :func:`decode`, split it into records that keep
their line numbers with :func:`read_records`, find their columns by alias with
:func:`match_columns`, and convert cells with a :class:`RowBuilder`, which
drops a malformed row with its reason (file, line, column, value) instead of
raising from inside pandas.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ExportError, MissingColumnError
from ._base import LoadReport

__all__ = [
    "Record",
    "decode",
    "head_text",
    "read_records",
    "match_columns",
    "normalise_header",
    "RowBuilder",
]

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _encoding_of(raw: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    return None


def decode(path: Path, report: LoadReport | None = None) -> str:
    """Read ``path`` as text: BOM-aware, UTF-8 first, cp1252 as the fallback.

    A cp1252 fallback is noted in the report's warnings. Line endings are kept
    as written; :func:`read_records` handles LF, CRLF and CR.
    """
    raw = path.read_bytes()
    encoding = _encoding_of(raw)
    if encoding is not None:
        return raw.decode(encoding)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        if report is not None:
            line = raw[: err.start].count(b"\n") + 1
            report.warn(
                f"not valid UTF-8 (first bad byte on line {line}); read as Windows-1252 (cp1252)"
            )
        return raw.decode("cp1252", errors="replace")


def head_text(path: Path, size: int = 65536) -> str:
    """The first ``size`` bytes of ``path`` decoded for format sniffing (never raises on bad bytes)."""
    with open(path, "rb") as fh:
        raw = fh.read(size)
    encoding = _encoding_of(raw)
    if encoding == "utf-16":
        raw = raw[: len(raw) // 2 * 2]
    return raw.decode(encoding or "utf-8", errors="replace").lstrip("\ufeff")


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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records = []
    consumed = 0
    for cells in reader:
        start = consumed + 1
        consumed = reader.line_num
        if not cells or (len(cells) == 1 and cells[0] == ""):
            continue
        records.append(Record(start + first_line - 1, cells))
    return records


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


_NUMBER_JUNK = re.compile(r"[\s\u00a0\u202f]")


class RowBuilder:
    """Convert the cells of records into typed columns, dropping malformed rows with their reason.

    Parameters
    ----------
    file
        The file being read (for messages).
    header
        The header cells as written in the file.
    records
        The data records.
    report
        Where dropped rows are counted.

    Notes
    -----
    Each conversion returns a Series aligned with ``records``; a cell that
    cannot be converted marks its row as failed with the first reason found.
    :meth:`finish` records the failed rows as dropped and returns the frame of
    the rows that survived.
    """

    def __init__(
        self,
        file: Path,
        header: Sequence[str],
        records: Sequence[Record],
        report: LoadReport,
    ) -> None:
        self.file = file
        self.header = list(header)
        self.report = report
        width = len(self.header)
        kept: list[Record] = []
        for rec in records:
            cells = rec.cells
            if len(cells) > width and not any(c.strip() for c in cells[width:]):
                cells = cells[:width]
            if len(cells) != width:
                report.drop(
                    rec.line,
                    "wrong number of cells",
                    value=f"{len(cells)} cells, header has {width}",
                )
                continue
            kept.append(Record(rec.line, cells))
        self.records = kept
        self.lines = np.array([r.line for r in kept], dtype=np.int64)
        self._failed: dict[int, tuple[str, str, str]] = {}
        self.columns: dict[str, pd.Series] = {}

    def __len__(self) -> int:
        return len(self.records)

    def raw(self, pos: int) -> pd.Series:
        """The cells of column ``pos`` as ``str``, stripped; empty cells are NA."""
        values = [r.cells[pos] for r in self.records]
        series = pd.Series(values, dtype="str").str.strip()
        return series.mask(series == "")

    def fail(self, mask: pd.Series | np.ndarray, pos: int, reason: str, values: pd.Series) -> None:
        """Mark the rows under ``mask`` as malformed in column ``pos``."""
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            self._failed.setdefault(int(i), (reason, self.header[pos], values.iloc[i]))

    def _keep(self, key: str | None, series: pd.Series) -> pd.Series:
        """Store ``series`` as output column ``key`` (None: a value used only to derive others)."""
        if key is not None:
            self.columns[key] = series
        return series

    def text(self, key: str | None, pos: int | None) -> pd.Series:
        """Column ``pos`` as text (NA where empty or where the column is absent)."""
        return self._keep(key, self._absent() if pos is None else self.raw(pos))

    def _absent(self) -> pd.Series:
        return pd.Series([pd.NA] * len(self.records), dtype="str")

    def number(
        self,
        key: str | None,
        pos: int | None,
        *,
        integer: bool = True,
        na: Iterable[str] = (),
        empty: str = "na",
        percent: bool = False,
        thousands: str | None = ",",
        decimal: str = ".",
    ) -> pd.Series:
        """Column ``pos`` as ``Int64`` (or ``Float64``), kept as output column ``key`` unless it is None.

        Parameters
        ----------
        na
            Tokens that mean "not reported" (NA), e.g. ``("-",)``.
        empty
            What an empty cell means in this format: ``"na"`` or ``"zero"``.
        percent
            Accept a trailing ``%`` and divide by 100.
        thousands, decimal
            Separators used by the export.
        """
        dtype = "Int64" if integer else "Float64"
        if pos is None:
            return self._keep(key, pd.Series(pd.array([pd.NA] * len(self.records), dtype=dtype)))
        raw = self.raw(pos)
        na_mask = raw.isin(list(na)).to_numpy(dtype=bool)
        empty_mask = raw.isna().to_numpy(dtype=bool)
        cleaned = raw.str.replace(_NUMBER_JUNK, "", regex=True)
        if thousands:
            cleaned = cleaned.str.replace(thousands, "", regex=False)
        if decimal != ".":
            cleaned = cleaned.str.replace(decimal, ".", regex=False)
        is_pct = cleaned.str.endswith("%").fillna(False).to_numpy(dtype=bool)
        if percent:
            cleaned = cleaned.str.rstrip("%")
        values = pd.to_numeric(cleaned.mask(na_mask | empty_mask), errors="coerce")
        values = values.astype("Float64")
        if percent:
            values = values.where(~is_pct, values / 100)
        bad = values.isna().to_numpy(dtype=bool) & ~na_mask & ~empty_mask
        self.fail(bad, pos, "not a number", raw)
        if integer:
            whole = (values.fillna(0) % 1 == 0).to_numpy(dtype=bool)
            not_whole = ~whole & ~bad
            self.fail(not_whole, pos, "not a whole number", raw)
            bad |= not_whole
        if empty == "zero":
            values = values.mask(empty_mask, 0.0)
        elif empty != "na":
            raise ValueError(f"empty must be 'na' or 'zero', not {empty!r}")
        values = values.mask(bad)
        return self._keep(key, values.round().astype(dtype) if integer else values)

    def timestamp(
        self,
        key: str,
        pos: int,
        *,
        format: str | None = None,
        tz: str | None = None,
        required: bool = True,
        dayfirst: bool = False,
    ) -> pd.Series:
        """Column ``pos`` as UTC timestamps.

        Cells that carry an offset (``%z``) are converted to UTC; naive cells
        are read in ``tz`` (UTC when ``tz`` is None). An empty cell drops the row
        when ``required``, else it is NA.
        """
        raw = self.raw(pos)
        parsed = _parse_datetimes(raw, format=format, dayfirst=dayfirst)
        if parsed.dt.tz is None:
            parsed = parsed.dt.tz_localize(
                tz or "UTC", ambiguous="NaT", nonexistent="shift_forward"
            )
        parsed = parsed.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
        empty = raw.isna().to_numpy(dtype=bool)
        bad = parsed.isna().to_numpy(dtype=bool) & ~empty
        expected = f" (expected {_describe_format(format)})" if format else ""
        self.fail(bad, pos, f"not a valid date/time{expected}", raw)
        if required:
            self.fail(empty, pos, "empty date/time", raw)
        return self._keep(key, parsed)

    def date(self, key: str, pos: int, *, format: str | None = None, dayfirst: bool = False) -> pd.Series:
        """Column ``pos`` as a calendar date (``datetime64[us]`` at midnight); empty cells drop the row."""
        raw = self.raw(pos)
        parsed = _parse_datetimes(raw, format=format, dayfirst=dayfirst)
        if parsed.dt.tz is not None:
            parsed = parsed.dt.tz_localize(None)
        parsed = parsed.dt.normalize().astype("datetime64[us]")
        empty = raw.isna().to_numpy(dtype=bool)
        bad = parsed.isna().to_numpy(dtype=bool) & ~empty
        expected = f" (expected {_describe_format(format)})" if format else ""
        self.fail(bad, pos, f"not a valid date{expected}", raw)
        self.fail(empty, pos, "empty date", raw)
        return self._keep(key, parsed)

    def duration(self, key: str | None, pos: int | None, *, na: Iterable[str] = ()) -> pd.Series:
        """Column ``pos`` as seconds (``Float64``) from ``H:MM:SS``, ``MM:SS`` or plain seconds.

        Tokens in ``na`` and empty cells are NA; anything else that is not a duration drops the row.
        """
        if pos is None:
            return self._keep(key, pd.Series(pd.array([pd.NA] * len(self.records), dtype="Float64")))
        raw = self.raw(pos)
        na_mask = raw.isin(list(na)).to_numpy(dtype=bool) | raw.isna().to_numpy(dtype=bool)
        seconds = pd.Series([parse_duration(v) for v in raw.mask(na_mask)], dtype="Float64")
        bad = seconds.isna().to_numpy(dtype=bool) & ~na_mask
        self.fail(bad, pos, "not a duration (expected H:MM:SS)", raw)
        return self._keep(key, seconds.mask(bad))

    def require(self, key: str, pos: int) -> pd.Series:
        """Column ``pos`` as text; an empty cell drops the row."""
        series = self.text(key, pos)
        self.fail(series.isna().to_numpy(dtype=bool), pos, "empty required value", series)
        return series

    def exclude(self, mask: pd.Series | np.ndarray, reason: str) -> None:
        """Drop the rows under ``mask`` for ``reason`` (not malformed: e.g. rows about another account)."""
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            self._failed.setdefault(int(i), (reason, None, None))

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of the rows not marked as failed so far."""
        mask = np.ones(len(self.records), dtype=bool)
        if self._failed:
            mask[list(self._failed)] = False
        return mask

    def finish(self, columns: Mapping[str, pd.Series] | None = None) -> pd.DataFrame:
        """Record the failed rows in the report and return the surviving rows' columns.

        ``columns`` may add derived columns aligned with the records.
        """
        for i in sorted(self._failed):
            reason, column, value = self._failed[i]
            self.report.drop(int(self.lines[i]), reason, column=column, value=value)
        data = dict(self.columns)
        if columns:
            data.update(columns)
        frame = pd.DataFrame({k: v.reset_index(drop=True) for k, v in data.items()})
        keep = self.ok
        frame = frame.loc[keep].reset_index(drop=True)
        frame.attrs["lines"] = self.lines[keep]
        return frame


_DURATION = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$")


def parse_duration(value: object) -> float | None:
    """Seconds in ``H:MM:SS``, ``MM:SS`` (``1:02:03.5`` too) or a plain number of seconds; None if neither."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _DURATION.match(text)
    if match:
        hours, minutes, secs = match.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number >= 0 and number == number and number != float("inf") else None


def _parse_datetimes(raw: pd.Series, *, format: str | None, dayfirst: bool) -> pd.Series:
    if format is None:
        return pd.to_datetime(raw, errors="coerce", dayfirst=dayfirst, format="mixed")
    if "%z" in format:
        return pd.to_datetime(raw, errors="coerce", format=format, utc=True)
    return pd.to_datetime(raw, errors="coerce", format=format)


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
