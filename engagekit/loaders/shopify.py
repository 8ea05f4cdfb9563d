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

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._arrow import as_arrow, to_str_series
from ..privacy import hash_identifiers
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._text import RowBuilder, match_columns, normalise_header, open_rows

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
    first = head.lstrip("\ufeff").splitlines()[0] if head else ""
    names = [normalise_header(c) for c in first.replace('"', "").split(",")]
    return names[:4] == _SNIFF


def _merge_line_items(rows: RowBuilder, cols: dict[str, int]) -> None:
    """Merge each order's later line-item rows into it; an order written twice drops the later copy."""
    names = rows.raw(cols["record_id"])
    money = np.zeros(len(rows), dtype=bool)
    for key in _ORDER_LEVEL:
        if key in cols:
            money |= rows.raw(cols[key]).notna().to_numpy(dtype=bool)
    repeat = (names.notna() & names.duplicated(keep="first")).to_numpy(dtype=bool)
    rows.fail(repeat & money, cols["record_id"], "duplicate order", names)
    rows.merge(repeat & ~money)


def utm_attributes(notes: pd.Series) -> dict[str, pd.Series]:
    """``source``, ``medium``, ``campaign``, ``content`` from ``key: value`` note attribute lines.

    Keys are matched case-insensitively with a space, hyphen or underscore
    after ``utm`` (``UTM source`` is ``utm_source``); NA where absent.
    """
    values = as_arrow(notes)
    found = {}
    for key, column in _UTM_KEYS.items():
        name = key.split("_", 1)[1]
        pattern = rf"(?im)^[ \t]*utm[ _-]+{name}[ \t]*:[ \t]*(?P<v>[^\r\n]*?)[ \t]*\r?$"
        tag = pc.struct_field(pc.extract_regex(values, pattern), "v")
        tag = pc.if_else(pc.equal(tag, ""), pa.scalar(None, pa.string()), tag)
        found[column] = to_str_series(tag)
    return found


def _cancelled(rows: RowBuilder, cols: dict[str, int]) -> pd.Series:
    """True for orders with ``Cancelled at`` set or ``Financial Status`` ``voided``."""
    status = rows.raw(cols["financial_status"]) if "financial_status" in cols else rows._absent()
    cancelled = rows.raw(cols["cancelled_at"]).notna() if "cancelled_at" in cols else False
    return (status.str.lower() == "voided").fillna(False) | cancelled


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    header, _, rows = open_rows(path, report, format=FORMAT)
    cols = match_columns(header.cells, _ALIASES, required=_REQUIRED, file=path, format=FORMAT, line=header.line)
    _merge_line_items(rows, cols)
    rows.timestamp("occurred_at", cols["created_at"], format="%Y-%m-%d %H:%M:%S %z")
    rows.number("value", cols["total"], integer=False, thousands=None)
    rows.text("currency", cols["currency"])
    rows.require("record_id", cols["record_id"])
    emails = rows.raw(cols["email"]) if "email" in cols else rows._absent()
    notes = rows.raw(cols["note_attributes"]) if "note_attributes" in cols else rows._absent()
    if not options.extra.get("include_cancelled"):
        rows.exclude(_cancelled(rows, cols), "cancelled or voided order")
    extra = {
        "outcome": pd.Series(["order"] * len(rows), dtype="str"),
        "customer_key": hash_identifiers(emails, salt=options.salt),
        **utm_attributes(notes),
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
