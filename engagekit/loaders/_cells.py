"""Cells into canonical columns: the RowBuilder, which drops a malformed row with its file, line, column and value.

Over 500 lines because it is one class and the vectorised cell tests it alone uses (edge spaces,
empty cells, number text); split, they would be a module of private helpers for one caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engagekit.core._arrow import STR_DTYPE, as_arrow, to_str_series
from engagekit.core.schema import na_series
from ._base import LoadReport
from ._datetimes import _np_bool, _parse_datetimes, parse_duration
from ._records import Record, _describe_format

if TYPE_CHECKING:
    from ._blocks import Table

__all__ = ["RowBuilder"]


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
