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

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._arrow import as_arrow, constant_str, to_str_series
from ..errors import MissingColumnError
from ..privacy import distinct_digests
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._text import RowBuilder, header_names, match_columns, open_rows

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


def _merge_line_items(rows: RowBuilder, cols: dict[str, int]) -> None:
    """Merge each order's later line-item rows into it; an order written twice drops the later copy."""
    names = rows.raw(cols["record_id"])
    money = np.zeros(len(rows), dtype=bool)
    for key in _ORDER_LEVEL:
        if key in cols:
            money |= rows.raw(cols[key]).notna().to_numpy(dtype=bool)
    repeat = _repeated(as_arrow(names))
    rows.fail(repeat & money, cols["record_id"], "duplicate order", names)
    rows.merge(repeat & ~money)


def _repeated(values: pa.ChunkedArray) -> np.ndarray:
    """True for each non-null value seen on an earlier row (pandas' ``duplicated(keep="first")``)."""
    codes = pc.dictionary_encode(values).combine_chunks().indices  # numbered in order of first appearance
    numbers = pc.fill_null(codes, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    seen = np.maximum.accumulate(np.concatenate([[-1], numbers[:-1]])) if len(numbers) else numbers
    return (numbers >= 0) & (numbers <= seen)


def utm_attributes(notes: pd.Series) -> dict[str, pd.Series]:
    """``source``, ``medium``, ``campaign``, ``content`` from ``key: value`` note attribute lines.

    Keys are matched case-insensitively with a space, hyphen or underscore
    after ``utm`` (``UTM source`` is ``utm_source``); NA where absent.
    """
    found, where = _utm_by_distinct(as_arrow(notes))
    return {column: to_str_series(pc.take(tags, where)) for column, tags in found.items()}


def _utm_by_distinct(notes: pa.ChunkedArray) -> tuple[dict[str, pa.Array], pa.Array]:
    """The tags of :func:`utm_attributes` for each distinct note text, and each row's index into them.

    An export repeats a few note texts over many orders: each distinct text is searched once.
    """
    encoded = pc.dictionary_encode(notes).combine_chunks()
    distinct = encoded.dictionary
    found = {}
    for key, column in _UTM_KEYS.items():
        name = key.split("_", 1)[1]
        pattern = rf"(?im)^[ \t]*utm[ _-]+{name}[ \t]*:[ \t]*(?P<v>[^\r\n]*?)[ \t]*\r?$"
        tag = pc.struct_field(pc.extract_regex(distinct, pattern), "v")
        found[column] = pc.if_else(pc.equal(tag, ""), pa.scalar(None, pa.string()), tag)
    return found, encoded.indices


def _cancelled(rows: RowBuilder, cols: dict[str, int]) -> pd.Series:
    """True for orders with ``Cancelled at`` set or ``Financial Status`` ``voided``."""
    status = rows.text(None, cols.get("financial_status"))
    cancelled = rows.raw(cols["cancelled_at"]).notna() if "cancelled_at" in cols else False
    return (status.str.lower() == "voided").fillna(False) | cancelled


def _used_columns(header: list[str]) -> list[int]:
    """The positions of the columns the loader reads (every column when a required one is missing: the
    error is raised, with its line, once the header is read)."""
    try:
        return list(match_columns(header, _ALIASES, required=_REQUIRED, file="", format=FORMAT).values())
    except MissingColumnError:
        return list(range(len(header)))


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    header, _, rows = open_rows(path, report, format=FORMAT, select=_used_columns)
    cols = match_columns(header.cells, _ALIASES, required=_REQUIRED, file=path, format=FORMAT, line=header.line)
    emails = as_arrow(rows.text(None, cols.get("email")))
    notes = as_arrow(rows.text(None, cols.get("note_attributes")))
    # Keys and tags depend on the cells only: each distinct email and note is worked on (in a second thread)
    # while the rows are checked and converted; the columns are built for the orders kept only.
    with ThreadPoolExecutor(max_workers=1) as pool:
        keys = pool.submit(distinct_digests, emails, options.salt)
        tags = pool.submit(_utm_by_distinct, notes)
        del emails, notes
        _merge_line_items(rows, cols)
        rows.timestamp("occurred_at", cols["created_at"], format="%Y-%m-%d %H:%M:%S %z")
        rows.number("value", cols["total"], integer=False, thousands=None)
        rows.text("currency", cols["currency"])
        rows.require("record_id", cols["record_id"])
        if not options.extra.get("include_cancelled"):
            rows.exclude(_cancelled(rows, cols), "cancelled or voided order")
        digests, codes = keys.result()
        found, where = tags.result()

    def kept(values: pa.Array) -> Callable[[np.ndarray], pd.Series]:
        return lambda keep: to_str_series(pc.take(values, where.filter(pa.array(keep))))

    extra: dict[str, pd.Series | Callable[[np.ndarray], pd.Series]] = {
        "outcome": lambda keep: constant_str("order", int(keep.sum())),
        "customer_key": lambda keep: to_str_series(pc.take(digests, codes.filter(pa.array(keep)))),
        **{column: kept(values) for column, values in found.items()},
    }
    return rows.finish(extra)


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
