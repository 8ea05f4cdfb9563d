"""Reading big files in blocks (Arrow's CSV reader, threads) with their line numbers kept."""

from __future__ import annotations

import array
import copy
import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from engagekit.core._arrow import STR_DTYPE, arrow_chunks, release_unused_memory, to_str_series
from ._base import LoadReport
from ._cells import RowBuilder, _stripped_cells
from ._decode import _encoding_of, _head_of, decode
from ._records import Record, _iter_records, check_header_row, read_records

__all__ = ["BLOCK_BYTES", "Table", "concat_frames", "open_rows", "read_blocks", "read_table"]


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
