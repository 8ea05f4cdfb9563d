"""Reading delimited export files without losing a row or the line it came from.

Loaders decode a file with :func:`decode`, split it into records that keep
their line numbers with :func:`read_records`, find their columns by alias with
:func:`match_columns`, and convert cells with a :class:`RowBuilder`, which
drops a malformed row with its reason (file, line, column, value) instead of
raising from inside pandas.
"""

from __future__ import annotations

import array
import copy
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from engagekit.core.errors import ExportError, MissingColumnError
from engagekit.core._arrow import STR_DTYPE, arrow_chunks, as_arrow, release_unused_memory, to_str_series
from engagekit.core.schema import na_series
from ._base import LoadReport

__all__ = [
    "Record",
    "decode",
    "decode_bytes",
    "head_text",
    "read_records",
    "match_columns",
    "normalise_header",
    "header_names",
    "pick_date_format",
    "parse_duration",
    "open_rows",
    "read_blocks",
    "concat_frames",
    "BLOCK_BYTES",
    "read_table",
    "RowBuilder",
    "Table",
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
    return decode_bytes(path.read_bytes(), report)


def decode_bytes(raw: bytes, report: LoadReport | None = None) -> str:
    """Bytes as text by the rules of :func:`decode` (for a zip member or another file not on disk).

    Text that is not valid in its encoding is never an error: UTF-8 (with or
    without a BOM) falls back to cp1252, and UTF-16 with a damaged or cut-off
    unit keeps the rest with U+FFFD in its place; either way the report says
    so, naming the first bad line.
    """
    encoding = _encoding_of(raw) or "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        if encoding == "utf-16":
            if report is not None:
                report.warn(f"not valid UTF-16 (first bad bytes on line {line}): replaced by U+FFFD")
            return raw.decode(encoding, errors="replace")
        if report is not None:
            report.warn(f"not valid UTF-8 (first bad byte on line {line}); read as Windows-1252 (cp1252)")
        return raw.removeprefix(b"\xef\xbb\xbf").decode("cp1252", errors="replace")


def head_text(path: Path, size: int = 65536) -> str:
    """The first ``size`` bytes of ``path`` decoded for format sniffing (never raises on bad bytes)."""
    with open(path, "rb") as fh:
        return _head_of(fh.read(size))


def _head_of(raw: bytes) -> str:
    """The first bytes of a file as :func:`head_text` decodes them."""
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


def _strings(values: Sequence[str]) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(values, type=pa.string())])


_NULL_STRING = pa.scalar(None, pa.string())


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
    The cells are held column by column (Arrow strings); :meth:`from_table`
    builds a RowBuilder straight from a file read by :func:`read_table`
    without a Python object per cell. Each conversion returns a Series aligned
    with the rows; a cell that cannot be converted marks its row as failed
    with the first reason found. :meth:`finish` records the failed rows as
    dropped (with their line, found only then) and returns the frame of the
    rows that survived.
    """

    def __init__(
        self,
        file: Path,
        header: Sequence[str],
        records: Sequence[Record],
        report: LoadReport,
    ) -> None:
        width = len(header)
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
        arrays = [_strings([r.cells[pos] for r in kept]) for pos in range(width)]
        lines = np.array([r.line for r in kept], dtype=np.int64)
        self._setup(file, header, arrays, len(kept), report, lambda: lines)

    @classmethod
    def from_table(cls, table: Table, report: LoadReport) -> RowBuilder:
        """A RowBuilder over a file read column-wise by :func:`read_table`."""
        rows = cls.__new__(cls)
        rows._setup(table.file, table.header.cells, table.columns, table.n_rows, report, table.lines)
        rows._stripped.update(table.stripped)
        return rows

    def _setup(self, file, header, arrays, n, report, lines) -> None:
        self.file = file
        self.header = list(header)
        self.report = report
        self._arrays: list[pa.ChunkedArray] = list(arrays)
        self._n = n
        self._lines_fn = lines
        self._lines: np.ndarray | None = None
        self._stripped: dict[int, pa.ChunkedArray] = {}
        self._released = False
        self._failed: dict[int, tuple[str, str | None, str | None]] = {}
        self._failed_mask = np.zeros(n, dtype=bool)
        self._merged_mask = np.zeros(n, dtype=bool)
        self.columns: dict[str, pd.Series] = {}
        self.mapping: dict[str, str] = {}

    def __len__(self) -> int:
        return self._n

    @property
    def lines(self) -> np.ndarray:
        """The line each row starts on (computed on first use: a fast read does not track lines)."""
        if self._lines is None:
            self._lines = np.asarray(self._lines_fn(), dtype=np.int64)
        return self._lines

    def _cells(self, pos: int) -> pa.ChunkedArray:
        """Column ``pos`` stripped, empty cells null."""
        if self._arrays[pos] is None:
            if self._released:
                raise ValueError("the cells were released by finish(): convert every column before finishing")
            raise ValueError(f"column {self.header[pos]!r} was not selected when the file was read")
        if pos not in self._stripped:
            self._stripped[pos] = _stripped_cells(self._arrays[pos])
        return self._stripped[pos]

    def cells(self, pos: int) -> pa.ChunkedArray:
        """The cells of column ``pos`` as Arrow strings, stripped; empty cells are null (what :meth:`raw` holds,
        for work done in Arrow)."""
        return self._cells(pos)

    def raw(self, pos: int) -> pd.Series:
        """The cells of column ``pos`` as ``str``, stripped; empty cells are NA."""
        return to_str_series(self._cells(pos))

    def _plain_numbers(self, pos: int, na_tokens: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Column ``pos`` as float64 (NaN for empty and ``na`` cells) when every other cell is a plain
        number as written, with the masks of the empty and of the ``na`` cells; None when any cell
        needs cleaning (spaces, separators, percent signs)."""
        cells = self._arrays[pos]
        if cells is None:
            self._cells(pos)
        lengths = _byte_lengths(cells)
        empty = _empty_cells(cells, lengths)
        na_mask = _cells_equal_to(cells, na_tokens, lengths)
        blank = empty | na_mask
        if blank.all():
            return np.full(self._n, np.nan), empty, na_mask
        values = _cast_float(pc.if_else(pa.array(blank), _NULL_STRING, cells) if blank.any() else cells)
        return None if values is None else (values, empty, na_mask)

    def _map(self, key: str | None, pos: int | None) -> None:
        if key is not None and pos is not None:
            self.mapping[key] = self.header[pos]

    def fail(self, mask: pd.Series | np.ndarray, pos: int, reason: str, values: pd.Series) -> None:
        """Mark the rows under ``mask`` as malformed in column ``pos``."""
        mask = np.asarray(mask, dtype=bool) & ~self._merged_mask
        for i in np.flatnonzero(mask & ~self._failed_mask):
            value = values.iloc[i]
            self._failed[int(i)] = (reason, self.header[pos], None if pd.isna(value) else str(value))
        self._failed_mask |= mask

    def _keep(self, key: str | None, series: pd.Series) -> pd.Series:
        """Store ``series`` as output column ``key`` (None: a value used only to derive others)."""
        if key is not None:
            self.columns[key] = series
        return series

    def _absent(self, dtype: str = "str") -> pd.Series:
        return na_series(self._n, dtype)

    def text(self, key: str | None, pos: int | None) -> pd.Series:
        """Column ``pos`` as text (NA where empty or where the column is absent)."""
        self._map(key, pos)
        return self._keep(key, self._absent() if pos is None else self.raw(pos))

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
        if empty not in ("na", "zero"):
            raise ValueError(f"empty must be 'na' or 'zero', not {empty!r}")
        dtype = "Int64" if integer else "Float64"
        if pos is None:
            return self._keep(key, self._absent(dtype))
        self._map(key, pos)
        na_tokens = list(na)
        # Where every cell casts as written, the raw cells tell empty from "not reported" exactly.
        plain = self._plain_numbers(pos, na_tokens) if decimal == "." and not percent else None
        if plain is not None:
            values, empty_mask, na_mask = plain
        else:
            cells = self._cells(pos)
            empty_mask = _np_bool(pc.or_kleene(pc.is_null(cells), pc.equal(cells, "")))
            na_mask = (
                _np_bool(pc.is_in(cells, value_set=pa.array(na_tokens, pa.string())))
                if na_tokens else np.zeros(self._n, bool)
            )
            usable = pc.if_else(pa.array(na_mask), _NULL_STRING, cells) if na_tokens else cells
            cleaned = _clean_number_text(usable, thousands=thousands, decimal=decimal)
            is_pct = np.zeros(self._n, dtype=bool)
            if percent:
                is_pct = _np_bool(pc.fill_null(pc.ends_with(cleaned, "%"), False))
                cleaned = pc.utf8_rtrim(cleaned, characters="%")
            values = _to_float(cleaned)
            if percent:
                values = np.where(is_pct, values / 100, values)
        nan = np.isnan(values)
        bad = nan & ~na_mask & ~empty_mask
        if bad.any():
            self.fail(bad, pos, "not a number", self.raw(pos))
        if integer:
            # not a whole number: a fraction, or infinite
            not_whole = ~nan & ((values != np.trunc(values)) | np.isinf(values))
            if not_whole.any():
                self.fail(not_whole, pos, "not a whole number", self.raw(pos))
                bad |= not_whole
        unset = nan | bad
        filled = values.copy()
        filled[unset] = 0.0
        # An empty cell is NaN: NA, or a reported zero where the format says so.
        missing = unset & ~empty_mask if empty == "zero" else unset
        if integer:
            series = pd.Series(pd.arrays.IntegerArray(filled.astype(np.int64), missing))  # whole numbers, checked
        else:
            series = pd.Series(pd.arrays.FloatingArray(filled, missing))
        return self._keep(key, series)

    def timestamp(
        self,
        key: str | None,
        pos: int,
        *,
        format: str | None = None,
        tz: str | None = None,
        required: bool = True,
        dayfirst: bool = False,
    ) -> pd.Series:
        """Column ``pos`` as UTC timestamps.

        Cells that carry an offset (``%z``) are converted to UTC; naive cells
        are read in ``tz`` (UTC when ``tz`` is None): a local time the clocks
        repeat is read as its first (summer-time) occurrence, one they skip
        moves forward to the next valid time. An empty cell drops the row
        when ``required``, else it is NA.
        """
        self._map(key, pos)
        raw = self.raw(pos)
        parsed = _parse_datetimes(self._cells(pos), raw, format=format, dayfirst=dayfirst)
        if parsed.dt.tz is None:
            parsed = parsed.dt.tz_localize(
                tz or "UTC", ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="shift_forward"
            )
        parsed = parsed.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
        empty = raw.isna().to_numpy(dtype=bool)
        bad = parsed.isna().to_numpy(dtype=bool) & ~empty
        expected = f" (expected {_describe_format(format)})" if format else ""
        if bad.any():
            self.fail(bad, pos, f"not a valid date/time{expected}", raw)
        if required and empty.any():
            self.fail(empty, pos, "empty date/time", raw)
        return self._keep(key, parsed)

    def date(self, key: str | None, pos: int, *, format: str | None = None, dayfirst: bool = False) -> pd.Series:
        """Column ``pos`` as a calendar date (``datetime64[us]`` at midnight); empty cells drop the row."""
        self._map(key, pos)
        raw = self.raw(pos)
        parsed = _parse_datetimes(self._cells(pos), raw, format=format, dayfirst=dayfirst)
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
            return self._keep(key, self._absent("Float64"))
        self._map(key, pos)
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
        mask = np.asarray(mask, dtype=bool) & ~self._merged_mask
        for i in np.flatnonzero(mask & ~self._failed_mask):
            self._failed[int(i)] = (reason, None, None)
        self._failed_mask |= mask

    def merge(self, mask: pd.Series | np.ndarray) -> None:
        """Leave out the rows under ``mask`` as merged into another row (counted in ``rows_merged``).

        Call it before converting: merged rows are not checked for malformed cells.
        """
        self._merged_mask |= np.asarray(mask, dtype=bool) & ~self._failed_mask

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of the rows neither failed nor merged so far."""
        return ~(self._failed_mask | self._merged_mask)

    def line_of(self, rows: np.ndarray) -> np.ndarray:
        """The file line of each row index in ``rows``."""
        return self.lines[np.asarray(rows, dtype=np.int64)]

    def finish(self, columns: Mapping[str, pd.Series | Callable[[np.ndarray], pd.Series]] | None = None) -> pd.DataFrame:
        """Record the failed rows in the report and return the surviving rows' columns.

        ``columns`` may add derived columns aligned with the records, or
        callables that, given the boolean mask of the surviving rows, return a
        column of those rows only (so a large derived column is never built for
        rows that are left out). :attr:`kept` then holds each surviving row's
        index, for :meth:`line_of`; the column mapping goes to the report. The
        cells read from the file are released: convert every column first.
        """
        if self._failed:
            lines = self.lines
            for i in sorted(self._failed):
                reason, column, value = self._failed[i]
                self.report.drop(int(lines[i]), reason, column=column, value=value)
        self.report.columns.update(self.mapping)
        self.report.rows_merged += int((self._merged_mask & ~self._failed_mask).sum())
        data: dict[str, pd.Series | Callable[[np.ndarray], pd.Series]] = dict(self.columns)
        if columns:
            data.update(columns)
        keep = self.ok
        every = bool(keep.all())
        self._release_cells()
        out = {}
        for key in list(data):
            value = data.pop(key)
            if callable(value):
                out[key] = value(keep).reset_index(drop=True)
            else:
                out[key] = value.reset_index(drop=True) if every else _rows_of(value, keep)
        self.kept = np.flatnonzero(keep)
        return pd.DataFrame(out, copy=False)

    def _release_cells(self) -> None:
        """Let go of the cells read from the file (the converted columns keep what they share with them)."""
        self._arrays = [None] * len(self._arrays)
        self._stripped.clear()
        self._released = True

    def drop_repeated(self, frame: pd.DataFrame, key: str | list[str], reason: str) -> pd.DataFrame:
        """``frame`` (from :meth:`finish`) without the second and later rows of each ``key``.

        Each left-out row is dropped in the report with its line and ``reason``.
        """
        if isinstance(key, str) and _all_distinct(frame[key]):
            return frame
        repeated = frame.duplicated(key, keep="first")
        if not repeated.any():
            return frame
        for line in self.line_of(self.kept[repeated.to_numpy()]):
            self.report.drop(int(line), reason)
        return frame.loc[~repeated].reset_index(drop=True)


def _all_distinct(values: pd.Series) -> bool:
    """Whether no two values are equal (at most one NA).

    Ids written as numbers in a sorted file (X's ids, newest first) are checked
    as integers without hashing: distinct numbers are distinct texts.
    """
    if not len(values):
        return True
    if values.dtype == STR_DTYPE and not values.hasnans:
        try:
            numbers = pc.cast(as_arrow(values), pa.int64()).to_numpy()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            numbers = None
        if numbers is not None:
            steps = np.diff(numbers)
            if (steps > 0).all() or (steps < 0).all():
                return True
    return len(pc.unique(as_arrow(values))) == len(values)


#: The bytes of RE2's ``\s`` (tab, newline, form feed, carriage return, space).
_EDGE_SPACE = np.zeros(256, dtype=bool)
_EDGE_SPACE[[9, 10, 12, 13, 32]] = True


def _any_edge_space(cells: pa.ChunkedArray) -> bool:
    """Whether any cell starts or ends with a tab, newline, form feed, carriage return or space.

    The regular expression ``^\\s|\\s$`` without a regular expression: the first and last byte of each
    cell, read from the Arrow buffers (in UTF-8 an ASCII byte is always a whole character).
    """
    for chunk in cells.chunks:
        if chunk.type not in (pa.string(), pa.large_string()):
            return pc.any(pc.match_substring_regex(cells, r"^\s|\s$")).as_py() or False
        _, offsets, data = chunk.buffers()
        if data is None or len(chunk) == 0:
            continue
        width = np.int64 if chunk.type == pa.large_string() else np.int32
        ends = np.frombuffer(offsets, dtype=width, count=len(chunk) + 1, offset=chunk.offset * np.dtype(width).itemsize)
        text = np.frombuffer(data, dtype=np.uint8)
        if not len(text):
            continue
        # An empty cell reads a neighbour's byte (or, last, a clipped one): only filled cells count.
        first = _EDGE_SPACE[text.take(ends[:-1], mode="clip")]
        last = _EDGE_SPACE[text.take(ends[1:] - 1, mode="clip")]
        edge = first | last
        if not edge.any():
            continue
        edge &= ends[1:] > ends[:-1]
        if chunk.null_count:
            edge &= _np_bool(chunk.is_valid())
        if edge.any():
            return True
    return False


def _stripped_cells(cells: pa.ChunkedArray) -> pa.ChunkedArray:
    """``cells`` stripped of surrounding white space, empty cells null (what :meth:`RowBuilder.raw` holds)."""
    if _any_edge_space(cells):
        cells = pc.utf8_trim_whitespace(cells)
    if pc.any(pc.equal(cells, "")).as_py():
        cells = pa.chunked_array([_null_where_empty(chunk) for chunk in cells.chunks], cells.type)
    return cells


def _byte_lengths(cells: pa.ChunkedArray) -> np.ndarray:
    """The length in bytes of each cell (0 for a null)."""
    lengths = pc.binary_length(cells)
    if lengths.null_count:
        lengths = pc.fill_null(lengths, 0)
    return lengths.to_numpy()


def _empty_cells(cells: pa.ChunkedArray, lengths: np.ndarray | None = None) -> np.ndarray:
    """True where a cell is null or empty."""
    lengths = _byte_lengths(cells) if lengths is None else lengths
    empty = lengths == 0
    if cells.null_count:
        empty |= _np_bool(pc.is_null(cells))
    return empty


def _cells_equal_to(cells: pa.ChunkedArray, tokens: Sequence[str], lengths: np.ndarray | None = None) -> np.ndarray:
    """True where a cell is one of ``tokens`` (a few: compared one by one, only where the length fits)."""
    mask = np.zeros(len(cells), dtype=bool)
    lengths = _byte_lengths(cells) if tokens and lengths is None else lengths
    for token in tokens:
        fits = lengths == len(token.encode("utf-8"))
        if fits.any():
            mask |= fits & _np_bool(pc.equal(cells, token))
    return mask


def _rows_of(series: pd.Series, keep: np.ndarray) -> pd.Series:
    """The values of ``series`` under the boolean mask ``keep``, with a fresh RangeIndex (Arrow text is
    filtered by Arrow, which is faster than pandas' take)."""
    if series.dtype == STR_DTYPE:
        return to_str_series(pc.filter(as_arrow(series), pa.array(keep)))
    return series[keep].reset_index(drop=True)


def _null_where_empty(chunk: pa.Array) -> pa.Array:
    """``chunk`` with its empty strings made null, sharing its offsets and bytes (only a new validity bitmap)."""
    if chunk.type not in (pa.string(), pa.large_string()):
        return pc.if_else(pc.equal(chunk, ""), pa.scalar(None, chunk.type), chunk)
    valid = pc.binary_length(chunk).to_numpy(zero_copy_only=False) > 0
    if chunk.null_count:
        valid &= _np_bool(chunk.is_valid())
    if valid.all():
        return chunk
    bits = np.concatenate([np.zeros(chunk.offset, dtype=bool), valid]) if chunk.offset else valid
    _, offsets, data = chunk.buffers()
    return pa.Array.from_buffers(
        chunk.type, len(chunk), [pa.array(bits).buffers()[1], offsets, data],
        null_count=int(len(valid) - valid.sum()), offset=chunk.offset,
    )


def _np_bool(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


_NUMBER_JUNK_RE = r"[\s\x{00a0}\x{202f}]"


def _clean_number_text(cells: pa.ChunkedArray, *, thousands: str | None, decimal: str) -> pa.ChunkedArray:
    if pc.any(pc.match_substring_regex(cells, _NUMBER_JUNK_RE)).as_py():
        cells = pc.replace_substring_regex(cells, _NUMBER_JUNK_RE, "")
    if thousands:
        cells = pc.replace_substring(cells, thousands, "")
    if decimal != ".":
        cells = pc.replace_substring(cells, decimal, ".")
    return cells


def _cast_float(cells: pa.ChunkedArray) -> np.ndarray | None:
    """Cells as float64 (NaN for nulls) when every cell is a plain number, else None."""
    try:
        return pc.cast(cells, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _to_float(cells: pa.ChunkedArray) -> np.ndarray:
    """Cells as float64 with NaN for nulls and for text that is not a number."""
    values = _cast_float(cells)
    if values is None:
        values = pd.to_numeric(to_str_series(cells), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return values


def open_rows(
    path: Path,
    report: LoadReport,
    *,
    format: str,
    skip: int = 0,
    delimiter: str = ",",
    select: Callable[[list[str]], Iterable[int]] | None = None,
) -> tuple[Record, list[Record], RowBuilder]:
    """The header, the ``skip`` records after it, and a RowBuilder over the data rows of a delimited file.

    Reads column-wise with Arrow when it can (:func:`read_table`), else record by
    record; either way ``report.rows_read`` is set to the number of data rows.
    ``select``, given the header, names the column positions the loader will
    use: the fast read converts only those (the others are still parsed, so a
    row with the wrong number of cells is still found).
    """
    table = read_table(path, report, skip=skip, delimiter=delimiter, select=select)
    if table is not None:
        report.rows_read = table.n_rows
        return table.header, table.skipped, RowBuilder.from_table(table, report)
    records = read_records(decode(path, report), delimiter=delimiter)
    header = check_header_row(records, path, format)
    data = records[1 + skip:]
    report.rows_read = len(data)
    return header, records[1:1 + skip], RowBuilder(path, header.cells, data, report)


def read_table(
    path: Path,
    report: LoadReport,
    *,
    skip: int = 0,
    delimiter: str = ",",
    select: Callable[[list[str]], Iterable[int]] | None = None,
) -> Table | None:
    """Read a UTF-8 CSV column-wise with Arrow: the header, ``skip`` records after it, then the data.

    Returns None when the fast read does not apply (not UTF-8, or a row whose
    number of cells differs from the header's): the caller then reads records
    with :func:`read_records`, which locates every problem by line.
    """
    start = _data_start(path, skip, delimiter, select)
    if start is None:
        return None
    # A quoted newline inside a cell makes Arrow parse serially: try the parallel parse first. A row
    # whose number of cells differs (or text that is not UTF-8) fails both: the caller reads records.
    table = None
    for newlines_in_values in (False, True):
        with open(path, "rb") as fh:
            fh.seek(start.offset)
            table = _arrow_csv(fh, start, delimiter, newlines_in_values)
        if table is not None:
            break
    if table is None:
        return None

    def lines() -> np.ndarray:
        text = decode(path)
        records = read_records(text, delimiter=delimiter)
        return np.array([r.line for r in records[1 + skip:]], dtype=np.int64)

    return _as_table(path, start, table, lines)


@dataclass(frozen=True)
class _DataStart:
    """Where the data of a delimited file starts: the header and the skipped records before it, the byte
    ``offset`` of the first data row, and the columns to convert (``wanted`` of ``width``)."""

    header: Record
    skipped: list[Record]
    offset: int
    width: int
    wanted: list[int]


def _data_start(
    path: Path, skip: int, delimiter: str, select: Callable[[list[str]], Iterable[int]] | None
) -> _DataStart | None:
    """The :class:`_DataStart` of a UTF-8 file; None when the file is not UTF-8 or has too few records."""
    with open(path, "rb") as fh:
        raw = fh.read(1 << 20)
    encoding = _encoding_of(raw)
    if encoding not in (None, "utf-8-sig"):
        return None
    bom = 3 if encoding == "utf-8-sig" else 0
    lead, data_line = _lead(_head_of(raw), 1 + skip, delimiter)
    if data_line is None:
        return None
    header, skipped = lead[0], lead[1:]
    width = len(header.cells)
    wanted = sorted(set(select(header.cells))) if select is not None else list(range(width))
    offset = max(_byte_offset_of_line(path, data_line), bom)
    return _DataStart(header, skipped, offset, width, wanted)


def _as_table(
    path: Path,
    start: _DataStart,
    table: pa.Table,
    lines: Callable[[], np.ndarray],
    stripped: dict[int, pa.ChunkedArray] | None = None,
) -> Table:
    """The rows Arrow read (``table``) as a :class:`Table` (None for each column not wanted)."""
    columns = [table.column(f"c{i}") if i in start.wanted else None for i in range(start.width)]
    return Table(path, start.header, start.skipped, columns, table.num_rows, lines, stripped or {})


def _arrow_csv(
    source: object, start: _DataStart, delimiter: str, newlines_in_values: bool, *, use_threads: bool = True
) -> pa.Table | None:
    """The data rows in ``source`` (a file positioned at the data, or a buffer) read by Arrow as text columns
    (only the ``wanted`` ones converted); None when a row does not parse (wrong number of cells, a quoted
    newline while ``newlines_in_values`` is off, text that is not UTF-8)."""
    try:
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(start.width)], use_threads=use_threads),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines_in_values),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in start.wanted},
                include_columns=[f"c{i}" for i in start.wanted],
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None


#: About how many bytes of the file make a block of :func:`read_blocks`.
BLOCK_BYTES = 1 << 22

_Result = TypeVar("_Result")
_Item = TypeVar("_Item")


class _NotArrowReadable(Exception):
    """A block Arrow cannot read: :func:`read_blocks` starts again another way."""


def read_blocks(
    path: Path,
    report: LoadReport,
    convert: Callable[[Record, list[Record], Iterator[RowBuilder]], _Result],
    *,
    format: str,
    skip: int = 0,
    delimiter: str = ",",
    select: Callable[[list[str]], Iterable[int]] | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> _Result:
    """Read a delimited file a block of rows at a time, letting go of each block's cells once it is converted.

    Parameters
    ----------
    path
        The file.
    report
        Where rows are counted; ``report.rows_read`` grows by each block's rows as it is read.
    convert
        ``convert(header, skipped, blocks)`` gets the header, the ``skip``
        records after it and an iterator of RowBuilders over consecutive
        blocks of rows (at least one block, maybe empty), and returns what the
        read gives (typically the blocks' frames joined by
        :func:`concat_frames`). It takes the blocks one at a time, finishing
        each (:meth:`RowBuilder.finish`) before asking for the next. State
        that crosses blocks (say, keys seen in earlier blocks) is its own.
    format
        The format's name, for messages.
    skip, delimiter, select
        As for :func:`open_rows`.
    block_bytes
        About how many bytes of the file make a block (a block holds whole rows, at least one).

    Returns
    -------
    object
        What ``convert`` returns.

    Notes
    -----
    Each block is parsed by Arrow (only the columns ``select`` names are
    converted) in a second thread while ``convert`` works on the block before
    it. A block's rows are numbered from 0; a dropped row gets its line in the
    file (the file is read again for the lines, only when a row is dropped).
    After each block the memory Arrow's allocator holds unused is given back
    (:func:`~engagekit.core._arrow.release_unused_memory`), so that the peak stays
    near one block's work plus what ``convert`` keeps.

    When Arrow cannot read a block (a quoted newline, which it is then asked
    to allow; a row with the wrong number of cells; text that is not UTF-8),
    the report is put back as it was and ``convert`` runs again from the
    start, at last on one block of every record of the file, read as
    :func:`open_rows` reads it: the result never depends on where blocks fall.
    """
    start = _data_start(path, skip, delimiter, select)
    if start is not None:
        saved = copy.deepcopy(report)
        for newlines_in_values in (False, True):
            blocks = _arrow_blocks(path, report, start, delimiter, newlines_in_values, block_bytes)
            try:
                return convert(start.header, start.skipped, blocks)
            except _NotArrowReadable:
                blocks.close()
                vars(report).update(copy.deepcopy(vars(saved)))
    records = read_records(decode(path, report), delimiter=delimiter)
    header = check_header_row(records, path, format)
    data = records[1 + skip:]
    report.rows_read = len(data)
    return convert(header, records[1:1 + skip], iter([RowBuilder(path, header.cells, data, report)]))


def _arrow_blocks(
    path: Path, report: LoadReport, start: _DataStart, delimiter: str, newlines_in_values: bool, block_bytes: int
) -> Iterator[RowBuilder]:
    """RowBuilders over the data rows of ``path`` read by Arrow, about ``block_bytes`` at a time (at least one,
    maybe empty), each next block parsed while the caller converts this one; raises
    :class:`_NotArrowReadable` where a block does not parse."""
    report.rows_read = 0
    lines = _RecordLines(path, delimiter, 1 + len(start.skipped))
    with ThreadPoolExecutor(max_workers=1) as ahead:
        blocks = _parsed_blocks(path, start, delimiter, newlines_in_values, block_bytes)
        for table, stripped in _read_ahead(ahead, blocks):
            first, n = report.rows_read, table.num_rows
            report.rows_read += n
            block = _as_table(path, start, table, lines.of_rows(first, n), stripped)
            del table
            yield RowBuilder.from_table(block, report)
            del stripped, block
            release_unused_memory()


def _read_ahead(pool: ThreadPoolExecutor, items: Iterator[_Item]) -> Iterator[_Item]:
    """The items of ``items``, each next one made in ``pool`` while the caller works on the one before."""
    done = object()
    coming = pool.submit(next, items, done)
    while (item := coming.result()) is not done:
        coming = pool.submit(next, items, done)
        yield item
        del item


def _parsed_blocks(
    path: Path, start: _DataStart, delimiter: str, newlines_in_values: bool, block_bytes: int
) -> Iterator[tuple[pa.Table, dict[int, pa.ChunkedArray]]]:
    """The data rows of ``path`` parsed by Arrow, the whole rows in about ``block_bytes`` at a time (at least
    one table, maybe empty), each with its wanted columns stripped (:func:`_stripped_cells`, by position);
    raises :class:`_NotArrowReadable` where a block does not parse.

    A block is parsed on one thread (Arrow's own threads would each keep memory of their own).
    """
    found = False
    offset = start.offset
    with open(path, "rb") as fh:
        while True:
            data, end = _whole_rows_at(fh, offset, block_bytes, quoted_newlines=newlines_in_values)
            if end == 0:
                break
            block = pa.BufferReader(pa.py_buffer(memoryview(data)[:end]))
            table = _arrow_csv(block, start, delimiter, newlines_in_values, use_threads=False)
            if table is None and data[:end].strip(b"\r\n"):
                raise _NotArrowReadable(path)
            del block, data
            offset += end
            if table is not None:
                found = True
                table = table.combine_chunks()  # one chunk a column: fewer, larger steps for the caller
                yield table, {i: _stripped_cells(table.column(f"c{i}")) for i in start.wanted}
                del table
                release_unused_memory()  # what parsing left in this thread's part of the allocator
    if not found:  # a header without data rows
        yield pa.table({f"c{i}": pa.array([], pa.string()) for i in start.wanted}), {}


def _whole_rows_at(fh: BinaryIO, offset: int, size: int, *, quoted_newlines: bool) -> tuple[bytes, int]:
    """The bytes from ``offset`` (about ``size``, more when a row is longer) and where the whole rows in them
    end (0: none, at the end of the file)."""
    while True:
        fh.seek(offset)
        data = fh.read(size)
        if len(data) < size:  # the rest of the file: it ends with a whole row
            return data, len(data)
        end = _whole_rows_end(data, quoted_newlines=quoted_newlines)
        if end:
            return data, end
        size *= 2


def _whole_rows_end(data: bytes, *, quoted_newlines: bool) -> int:
    """Where the whole rows at the start of ``data`` end: after its last line break (0: none), outside quotes
    when a quoted cell may hold a line break.

    A line break is outside quotes when an even number of quote characters come before it (``""`` inside
    a quoted cell counts two). A quote inside an unquoted cell can mislead this; a block cut inside a row
    then has a row with the wrong number of cells on each side of the cut, which Arrow refuses.
    """
    end = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
    if not quoted_newlines:  # a line break in a cell makes Arrow refuse the block
        return end
    quotes = data.count(b'"', 0, end)
    while end and quotes % 2:
        before = max(data.rfind(b"\n", 0, end - 1), data.rfind(b"\r", 0, end - 1)) + 1
        quotes -= data.count(b'"', before, end)
        end = before
    return end


class _RecordLines:
    """The line each data record of a file starts on (as :func:`read_records` numbers them), found by reading
    the file again, once, only when a line is asked for."""

    def __init__(self, path: Path, delimiter: str, before: int) -> None:
        self._path, self._delimiter, self._before = path, delimiter, before
        self._lines: np.ndarray | None = None

    def of_rows(self, first: int, n: int) -> Callable[[], np.ndarray]:
        """A function giving the lines of the ``n`` data records from the ``first`` (numbered from 0)."""
        return lambda: self._all()[first:first + n]

    def _all(self) -> np.ndarray:
        if self._lines is None:
            with open(self._path, encoding="utf-8-sig", errors="replace", newline="") as fh:
                self._lines = _record_lines(fh, self._delimiter)[self._before:]
        return self._lines


def _record_lines(text: Iterable[str], delimiter: str) -> np.ndarray:
    """The line each record of CSV ``text`` (lines read with ``newline=""``) starts on, blank lines skipped."""
    reader = csv.reader(text, delimiter=delimiter, strict=False)
    starts = array.array("q")
    consumed = 0
    for cells in reader:
        start = consumed + 1
        consumed = reader.line_num
        if cells and not (len(cells) == 1 and cells[0] == ""):
            starts.append(start)
    return np.frombuffer(starts, dtype=np.int64) if starts else np.zeros(0, dtype=np.int64)


def concat_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Frames with the same columns (the blocks of one file) one after the other, with a fresh RangeIndex.

    Text columns are joined as the chunks of one Arrow array, without copying their text or offsets; the
    others are concatenated by pandas.
    """
    if len(frames) == 1:
        return frames[0]
    columns: dict[str, pd.Series] = {}
    for key in frames[0].columns:
        parts = [frame[key] for frame in frames]
        if all(part.dtype == STR_DTYPE for part in parts):
            chunks = [chunk for part in parts for chunk in arrow_chunks(part)]
            columns[key] = to_str_series(pa.chunked_array(chunks, chunks[0].type if chunks else pa.large_string()))
        else:
            columns[key] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(columns, copy=False)


def _lead(text: str, n_records: int, delimiter: str) -> tuple[list[Record], int | None]:
    """The first ``n_records`` records of ``text`` as :func:`read_records` gives them, without parsing the
    rest, and the line after them (1-based); None for the line when they are not all there."""
    records: list[Record] = []
    for record, last in _iter_records(text, delimiter):
        records.append(record)
        if len(records) == n_records:
            return records, last + 1
    return records, None


def _byte_offset_of_line(path: Path, line: int) -> int:
    """Byte offset where 1-based ``line`` starts."""
    offset = 0
    with open(path, "rb") as fh:
        for _ in range(line - 1):
            chunk = fh.readline()
            if not chunk:
                break
            offset += len(chunk)
    return offset


@dataclass(frozen=True)
class Table:
    """A delimited file read column-wise: header, skipped records, and the data columns as Arrow strings
    (None for a column the loader did not select)."""

    file: Path
    header: Record
    skipped: list[Record]
    columns: list[pa.ChunkedArray | None]
    n_rows: int
    lines: Callable[[], np.ndarray]
    #: Columns already stripped as :meth:`RowBuilder.raw` holds them, by position (done while the
    #: block before was being converted).
    stripped: dict[int, pa.ChunkedArray] = field(default_factory=dict)


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


def _parse_datetimes(cells: pa.ChunkedArray, raw: pd.Series, *, format: str | None, dayfirst: bool) -> pd.Series:
    """Parse with Arrow's strptime where the format allows, and with pandas where Arrow cannot be trusted.

    Arrow's strptime rolls an impossible day over (``2025-02-30`` becomes 2 March): a cell Arrow
    parsed is taken only where writing the result back in ``format`` gives the cell again (for a
    cell with an offset, written back in that offset); the others (an impossible day, or a number
    written without its leading zero) are parsed by pandas, which refuses impossible days.
    """
    if format is None:
        return pd.to_datetime(raw, errors="coerce", dayfirst=dayfirst, format="mixed")
    layout = _fixed_layout(format)
    if layout is not None and (direct := _parse_fixed(cells, layout)) is not None:
        return pd.Series(direct.to_pandas())
    arrow = None
    if not any(code in format for code in ("%b", "%a", "%B", "%A", "%p", "%I", "%f", "%j")):
        try:
            arrow = pc.strptime(cells, format=format, unit="us", error_is_null=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            arrow = None
    if arrow is None:
        return _pandas_datetimes(raw, format)
    valid = pc.is_valid(cells)
    if pc.sum(pc.and_(pc.is_null(arrow), valid)).as_py() not in (0, None):
        return _pandas_datetimes(raw, format)
    if layout is not None:
        suspect = _np_bool(valid) & ~_written_as_parsed(cells, arrow, layout)
    else:
        written = pc.strftime(pc.cast(arrow, pa.timestamp("s", arrow.type.tz)), format=format)
        suspect = _np_bool(pc.invert(pc.fill_null(pc.equal(written, cells), True)))
    parsed = pd.Series(arrow.to_pandas())
    if suspect.any():
        parsed = parsed.copy(deep=True)  # Arrow's buffer is read-only
        # .array, not .to_numpy(): a numpy array of NaT only would be taken as naive times
        parsed[suspect] = _pandas_datetimes(raw[suspect], format).astype(parsed.dtype).array
    return parsed


#: strptime codes of a fixed width (in characters) that :func:`_written_as_parsed` can write back.
_FIXED_WIDTH = {"%Y": 4, "%m": 2, "%d": 2, "%H": 2, "%M": 2, "%S": 2, "%z": 5}


@dataclass(frozen=True)
class _Layout:
    """A date format whose every cell written canonically has one width: the position of each field
    (code -> character position) and of each literal character."""

    width: int
    fields: dict[str, int]
    literals: dict[int, int]


def _fixed_layout(format: str) -> _Layout | None:
    """The :class:`_Layout` of ``format``; None when a code is not of fixed width, repeats, or a literal is
    not printable ASCII."""
    fields: dict[str, int] = {}
    literals: dict[int, int] = {}
    pos = 0
    for token in re.findall(r"%.|%$|[^%]", format):
        if token.startswith("%"):
            if token not in _FIXED_WIDTH or token in fields:
                return None
            fields[token] = pos
            pos += _FIXED_WIDTH[token]
        else:
            if not " " <= token <= "~":
                return None
            literals[pos] = ord(token)
            pos += 1
    return _Layout(pos, fields, literals)


def _written_as_parsed(cells: pa.ChunkedArray, parsed: pa.ChunkedArray, layout: _Layout) -> np.ndarray:
    """True where a cell is exactly ``parsed`` written back in the format (with the cell's own offset for
    ``%z``): the strftime round trip, computed on the cells' bytes with numpy.

    A cell of another width, with an offset of 24 hours or more (or minutes past 59), or a year
    outside 0-9999 is never taken as written back.
    """
    result = np.zeros(len(cells), dtype=bool)
    fits = _np_bool(pc.and_(pc.equal(pc.binary_length(cells), layout.width), pc.is_valid(parsed)))
    if not fits.any():
        return result
    mask = pa.array(fits)
    matrix = _fixed_width_bytes(pc.filter(cells, mask), layout.width)
    micros = pc.cast(pc.filter(parsed, mask), pa.int64()).to_numpy()
    # In blocks of rows: the working arrays stay small whatever the size of the file.
    result[fits] = np.concatenate([
        _block_written_as_parsed(matrix[start:start + _BLOCK], micros[start:start + _BLOCK], layout)
        for start in range(0, len(micros), _BLOCK)
    ])
    return result


#: Rows per block in :func:`_written_as_parsed`.
_BLOCK = 1 << 16


def _block_written_as_parsed(matrix: np.ndarray, micros: np.ndarray, layout: _Layout) -> np.ndarray:
    """:func:`_written_as_parsed` for cells of the layout's width (``matrix``, a row of bytes per cell) and
    their parsed values (``micros``, microseconds since 1970)."""
    chars, ok = _layout_chars(matrix, layout)
    if "%z" in layout.fields:
        micros = micros + _utc_offset(chars, ok, layout.fields["%z"]) * 1_000_000
    local = micros.astype("datetime64[us]")
    days = local.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    years = months.astype("datetime64[Y]")
    seconds = (local - days).astype("timedelta64[s]").astype(np.int64)
    values = {
        "%Y": lambda: years.astype(np.int64) + 1970,
        "%m": lambda: (months - years).astype(np.int64) + 1,
        "%d": lambda: (days - months).astype(np.int64) + 1,
        "%H": lambda: seconds // 3600,
        "%M": lambda: seconds // 60 % 60,
        "%S": lambda: seconds % 60,
    }
    for code, pos in layout.fields.items():
        if code != "%z":
            ok &= _digit_field(chars, ok, pos, _FIXED_WIDTH[code]) == values[code]()
    return ok


def _layout_chars(matrix: np.ndarray, layout: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """The cells' bytes (``matrix``, a row per cell) as one contiguous row per character position (for fast
    column arithmetic), and where each cell has the layout's literal characters."""
    chars = np.ascontiguousarray(matrix.T)
    ok = np.ones(chars.shape[1], dtype=bool)
    for pos, char in layout.literals.items():
        ok &= chars[pos] == char
    return chars, ok


def _digit_field(chars: np.ndarray, ok: np.ndarray, pos: int, width: int) -> np.ndarray:
    """The number written in the ``width`` characters from ``pos`` of each cell (``chars`` as
    :func:`_layout_chars` gives them); ``ok`` is set False in place where one of them is not a digit."""
    value = np.zeros(chars.shape[1], dtype=np.int64)
    for i in range(pos, pos + width):
        digit = chars[i] - np.uint8(ord("0"))  # wraps: a byte that is not a digit becomes > 9
        np.logical_and(ok, digit <= 9, out=ok)
        value = value * 10 + digit
    return value


def _utc_offset(chars: np.ndarray, ok: np.ndarray, at: int) -> np.ndarray:
    """The ``%z`` offset written from ``at`` (``+HHMM`` or ``-HHMM``) in seconds east of UTC; ``ok`` is set
    False in place where it is not a valid offset (under 24 hours, minutes 0-59)."""
    sign = chars[at]
    hours, minutes = _digit_field(chars, ok, at + 1, 2), _digit_field(chars, ok, at + 3, 2)
    ok &= ((sign == ord("+")) | (sign == ord("-"))) & (hours <= 23) & (minutes <= 59)
    return np.where(sign == ord("-"), -1, 1) * (hours * 3600 + minutes * 60)


def _parse_fixed(cells: pa.ChunkedArray, layout: _Layout) -> pa.Array | None:
    """The cells as timestamps (microseconds; UTC when the layout has ``%z``) read straight from their
    digits, when every cell is written canonically in ``layout`` and is a real date and time; None
    otherwise (the caller then parses them the slower, general way).

    The same values as strptime followed by the written-back check of :func:`_written_as_parsed`, in
    one pass over the bytes: fields are read at their fixed positions, checked against the calendar
    (month 1-12, the days of that month, 23:59:59 at most, an offset under 24 hours) and combined.
    """
    n = len(cells)
    valid = _np_bool(pc.is_valid(cells))
    filled = cells.filter(pa.array(valid)) if not valid.all() else cells
    if not len(filled) or not _np_bool(pc.equal(pc.binary_length(filled), layout.width)).all():
        return None
    chars, ok = _layout_chars(_fixed_width_bytes(filled, layout.width), layout)

    def field(code: str, default: int) -> np.ndarray:
        if code not in layout.fields:
            return np.full(len(filled), default, dtype=np.int64)
        return _digit_field(chars, ok, layout.fields[code], _FIXED_WIDTH[code])

    year, month, day = field("%Y", 1970), field("%m", 1), field("%d", 1)
    hour, minute, second = field("%H", 0), field("%M", 0), field("%S", 0)
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & (minute <= 59) & (second <= 59)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    ok &= day <= _DAYS_IN_MONTH[np.clip(month, 1, 12)] + (leap & (month == 2))
    seconds = ((_days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second
    tz = None
    if "%z" in layout.fields:
        seconds -= _utc_offset(chars, ok, layout.fields["%z"])
        tz = "UTC"
    if not ok.all():
        return None
    micros = np.zeros(n, dtype=np.int64)
    micros[valid] = seconds * 1_000_000
    return pa.array(micros, type=pa.timestamp("us", tz), mask=~valid)


#: The days of each month (index 1-12) in a common year.
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's ``days_from_civil``), for years >= 1."""
    year = year - (month <= 2)
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    return era * 146_097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719_468


def _fixed_width_bytes(cells: pa.ChunkedArray, width: int) -> np.ndarray:
    """Non-null cells of ``width`` bytes each as a (rows, width) uint8 matrix (a view where possible)."""
    array = cells.combine_chunks() if cells.num_chunks != 1 else cells.chunk(0)
    if array.type != pa.string():
        array = array.cast(pa.string())
    _, offsets, data = array.buffers()
    first = int(np.frombuffer(offsets, dtype=np.int32, count=1, offset=4 * array.offset)[0])
    if data is None:
        return np.zeros((len(array), width), dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8, count=len(array) * width, offset=first).reshape(len(array), width)


def _pandas_datetimes(raw: pd.Series, format: str) -> pd.Series:
    return pd.to_datetime(raw, errors="coerce", format=format, utc="%z" in format)


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
