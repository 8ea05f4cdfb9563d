"""Shopify exports.

``shopify_orders``: the orders export of the Shopify admin (Orders -> Export,
``orders_export.csv``, ``orders_export_1.csv``), 79 columns (78 in older files,
without ``Payment References``), LF or CRLF line endings, with or without a
final newline.

Rows and orders: the export writes one row per line item. The 2nd and later
rows of an order repeat ``Name`` (some exports also ``Email`` and ``Created
at``) with the order's money fields (``Total``, ``Financial Status``, ...)
empty: that means "same as the order's first row", not NA, so those rows are
merged into the order (``rows_merged``). A ``Name`` whose ``Total`` or
``Financial Status`` is written a second time (overlapping exports) is dropped
as ``duplicate order``. Orders with ``Cancelled at`` set
or ``Financial Status`` ``voided`` are dropped as ``cancelled or voided
order`` unless the option ``include_cancelled=True`` is given.

Reading in blocks: the file is read and converted a block of rows at a time
(about 4 MiB; the option ``block_bytes`` sets another size), so that memory
holds one block's cells and work at a time. An order whose line items go on
in the next block is still merged, and an order written again in a later
block still dropped: the result does not depend on where blocks fall.

NA and zero: ``Total`` ``0.00`` is a reported zero; an empty ``Total`` is NA.
``-`` (unknown zip) is in a column that is not read.

Mapping to ``outcomes`` (one row per order): ``Created at`` (``YYYY-MM-DD
HH:MM:SS +HHMM``) -> ``occurred_at`` in UTC; ``outcome`` = ``order``;
``Total`` -> ``value``; ``Currency`` -> ``currency``; ``Email`` -> salted hash
``customer_key`` (the email itself, names, phones and addresses never enter the
frame); ``Name`` (``#1081``) -> ``record_id``; ``source``, ``medium``,
``campaign``, ``content`` from ``Note Attributes`` lines such as ``utm_source:
facebook`` or ``UTM source: facebook`` (else NA).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engagekit.core._arrow import as_arrow, constant_str, to_str_series
from engagekit.core.errors import MissingColumnError
from engagekit.core.privacy import chunk_digests
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._blocks import BLOCK_BYTES, concat_frames, read_blocks
from ._cells import RowBuilder
from ._records import Record, header_names, match_columns

__all__ = ["SHOPIFY_ORDERS"]

FORMAT = "shopify_orders"

_ALIASES: dict[str, tuple[str, ...]] = {
    "record_id": ("Name",),
    "email": ("Email",),
    "financial_status": ("Financial Status",),
    "currency": ("Currency",),
    "total": ("Total",),
    "created_at": ("Created at",),
    "note_attributes": ("Note Attributes",),
    "cancelled_at": ("Cancelled at",),
}
_REQUIRED = ("record_id", "created_at", "total", "currency")
#: Order-level money fields: written on an order's first row only.
_ORDER_LEVEL = ("financial_status", "total")
_SNIFF = ["name", "email", "financial status", "paid at"]
_UTM_KEYS = {"utm_source": "source", "utm_medium": "medium", "utm_campaign": "campaign", "utm_content": "content"}


def _sniff(head: str, name: str) -> bool:
    return header_names(head)[:4] == _SNIFF


def _merge_line_items(rows: RowBuilder, cols: dict[str, int], seen: pa.ChunkedArray) -> pa.ChunkedArray:
    """Merge each order's later line-item rows into it; an order written twice drops the later copy.

    ``seen`` holds the names of earlier blocks (an order's line items may begin in one block and end in
    the next); returns it with this block's names added.
    """
    names = rows.cells(cols["record_id"])
    money = np.zeros(len(rows), dtype=bool)
    for key in _ORDER_LEVEL:
        if key in cols:
            money |= _filled(rows.cells(cols[key]))
    repeat, distinct = _repeated(names)
    earlier = seen.filter(pc.is_in(seen, value_set=distinct))  # few: the names this block shares with earlier ones
    if len(earlier):
        repeat |= pc.is_in(names, value_set=earlier).to_numpy(zero_copy_only=False)
        distinct = distinct.filter(pc.invert(pc.is_in(distinct, value_set=earlier)))
    if (repeat & money).any():
        rows.fail(repeat & money, cols["record_id"], "duplicate order", rows.raw(cols["record_id"]))
    rows.merge(repeat & ~money)
    return pa.chunked_array([*seen.chunks, distinct], pa.string())


def _filled(cells: pa.ChunkedArray) -> np.ndarray:
    """True where a cell is not null."""
    return cells.is_valid().to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _repeated(values: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """True for each non-null value seen on an earlier row (pandas' ``duplicated(keep="first")``), and the
    distinct non-null values."""
    encoded = pc.dictionary_encode(values).combine_chunks()  # numbered in order of first appearance
    numbers = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    seen = np.maximum.accumulate(np.concatenate([[-1], numbers[:-1]])) if len(numbers) else numbers
    return (numbers >= 0) & (numbers <= seen), encoded.dictionary


def utm_attributes(notes: pd.Series) -> dict[str, pd.Series]:
    """``source``, ``medium``, ``campaign``, ``content`` from ``key: value`` note attribute lines.

    Keys are matched case-insensitively with a space, hyphen or underscore
    after ``utm`` (``UTM source`` is ``utm_source``); NA where absent.
    """
    return {column: to_str_series(tags) for column, tags in _utm_tags(as_arrow(notes)).items()}


def _utm_tags(notes: pa.Array | pa.ChunkedArray) -> dict[str, pa.Array]:
    """The tags of :func:`utm_attributes` as Arrow strings.

    An export repeats a few note texts over many orders: each distinct text is searched once.
    """
    encoded = pc.dictionary_encode(notes)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks() if encoded.num_chunks else pa.array([], pa.dictionary(pa.int32(), pa.string()))
    distinct = encoded.dictionary
    found = {}
    for key, column in _UTM_KEYS.items():
        name = key.split("_", 1)[1]
        pattern = rf"(?im)^[ \t]*utm[ _-]+{name}[ \t]*:[ \t]*(?P<v>[^\r\n]*?)[ \t]*\r?$"
        tag = pc.struct_field(pc.extract_regex(distinct, pattern), "v")
        found[column] = pc.take(pc.if_else(pc.equal(tag, ""), pa.scalar(None, pa.string()), tag), encoded.indices)
    return found


def _cancelled(rows: RowBuilder, cols: dict[str, int]) -> np.ndarray:
    """True for orders with ``Cancelled at`` set or ``Financial Status`` ``voided``."""
    cancelled = _filled(rows.cells(cols["cancelled_at"])) if "cancelled_at" in cols else np.zeros(len(rows), bool)
    if "financial_status" in cols:
        voided = pc.equal(pc.utf8_lower(rows.cells(cols["financial_status"])), "voided")
        cancelled |= pc.fill_null(voided, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)
    return cancelled


def _used_columns(header: list[str]) -> list[int]:
    """The positions of the columns the loader reads (every column when a required one is missing: the
    error is raised, with its line, once the header is read)."""
    try:
        return list(match_columns(header, _ALIASES, required=_REQUIRED, file="", format=FORMAT).values())
    except MissingColumnError:
        return list(range(len(header)))


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    block_bytes = int(options.extra.get("block_bytes", BLOCK_BYTES))

    def convert(header: Record, skipped: list[Record], blocks: Iterator[RowBuilder]) -> pd.DataFrame:
        return _orders(path, header, blocks, options)

    return read_blocks(path, report, convert, format=FORMAT, select=_used_columns, block_bytes=block_bytes)


def _orders(path: Path, header: Record, blocks: Iterator[RowBuilder], options: LoadOptions) -> pd.DataFrame:
    """The orders of every block in one frame.

    What crosses blocks: the order names seen so far (an order's line items may go on in the next block)
    and the emails, each block's distinct ones, hashed at the end (each distinct email once).
    """
    cols = match_columns(header.cells, _ALIASES, required=_REQUIRED, file=path, format=FORMAT, line=header.line)
    seen = pa.chunked_array([], pa.string())
    frames, emails = [], []
    for rows in blocks:
        seen = _merge_line_items(rows, cols, seen)
        _convert_orders(rows, cols, options)
        keep = rows.ok
        emails.append(pc.dictionary_encode(_kept_cells(rows, cols.get("email"), keep)))
        frames.append(rows.finish(_derived_columns(rows, cols, keep)))
        del rows
    frame = concat_frames(frames)
    frame["customer_key"] = to_str_series(chunk_digests(pa.chunked_array(emails), options.salt))
    return frame


def _derived_columns(rows: RowBuilder, cols: dict[str, int], keep: np.ndarray) -> dict[str, Callable[[np.ndarray], pd.Series]]:
    """``outcome`` and the UTM tags of the rows under ``keep`` (the rows kept), for :meth:`RowBuilder.finish`."""
    tags = _utm_tags(_kept_cells(rows, cols.get("note_attributes"), keep))
    columns = {
        "outcome": constant_str("order", int(keep.sum())),
        **{column: to_str_series(values) for column, values in tags.items()},
    }
    return {key: (lambda _, series=series: series) for key, series in columns.items()}


def _convert_orders(rows: RowBuilder, cols: dict[str, int], options: LoadOptions) -> None:
    """Convert the order columns of one block; leave out cancelled and voided orders unless asked for."""
    rows.timestamp("occurred_at", cols["created_at"], format="%Y-%m-%d %H:%M:%S %z")
    rows.number("value", cols["total"], integer=False, thousands=None)
    rows.text("currency", cols["currency"])
    rows.require("record_id", cols["record_id"])
    if not options.extra.get("include_cancelled"):
        rows.exclude(_cancelled(rows, cols), "cancelled or voided order")


def _kept_cells(rows: RowBuilder, pos: int | None, keep: np.ndarray) -> pa.Array:
    """The cells of column ``pos`` (stripped, null where empty or where there is no such column) of the rows
    under ``keep``."""
    if pos is None:
        return pa.nulls(int(keep.sum()), pa.string())
    return rows.cells(pos).filter(pa.array(keep)).combine_chunks()


SHOPIFY_ORDERS = register(
    ExportFormat(
        name=FORMAT,
        table="outcomes",
        title="Shopify orders export (orders_export*.csv), one outcome per order",
        sniff=_sniff,
        parse=_parse,
        example="Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,...,Created at,Lineitem quantity,...",
    )
)
