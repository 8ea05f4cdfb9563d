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

import re
from pathlib import Path

import pandas as pd

from ..privacy import hash_identifiers
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._text import Record, RowBuilder, check_header_row, decode, match_columns, normalise_header, read_records

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
_ATTRIBUTE = re.compile(r"^\s*([^:]+?)\s*:\s*(.*?)\s*$")


def _sniff(head: str, name: str) -> bool:
    first = head.lstrip("\ufeff").splitlines()[0] if head else ""
    names = [normalise_header(c) for c in first.replace('"', "").split(",")]
    return names[:4] == _SNIFF


def _cell(record: Record, pos: int | None) -> str:
    """The stripped cell at ``pos`` ('' where the row is short or the column absent)."""
    if pos is None or pos >= len(record.cells):
        return ""
    return record.cells[pos].strip()


def _first_rows(data: list[Record], cols: dict[str, int], report: LoadReport) -> list[Record]:
    """Each order's first row; line-item rows are merged, repeated orders dropped."""
    order_level = [cols[k] for k in _ORDER_LEVEL if k in cols]
    seen: set[str] = set()
    firsts = []
    for rec in data:
        name = _cell(rec, cols["record_id"])
        filled = any(_cell(rec, pos) for pos in order_level)
        if name and name in seen:
            if filled:
                report.drop(rec.line, "duplicate order", column="Name", value=name)
            else:
                report.rows_merged += 1
            continue
        if name:
            seen.add(name)
        firsts.append(rec)
    return firsts


def utm_attributes(notes: pd.Series) -> dict[str, pd.Series]:
    """``source``, ``medium``, ``campaign``, ``content`` from ``key: value`` note attribute lines.

    Keys are matched case-insensitively with spaces or hyphens read as
    underscores (``UTM source`` is ``utm_source``); NA where absent.
    """
    found: dict[str, list[str | None]] = {col: [] for col in _UTM_KEYS.values()}
    for note in notes:
        tags: dict[str, str] = {}
        if isinstance(note, str):
            for line in note.splitlines():
                match = _ATTRIBUTE.match(line)
                if match and match.group(2):
                    key = re.sub(r"[\s-]+", "_", match.group(1).lower())
                    if key in _UTM_KEYS:
                        tags.setdefault(_UTM_KEYS[key], match.group(2))
        for col in found:
            found[col].append(tags.get(col))
    return {col: pd.Series(values, dtype="str") for col, values in found.items()}


def _cancelled(rows: RowBuilder, cols: dict[str, int]) -> pd.Series:
    """True for orders with ``Cancelled at`` set or ``Financial Status`` ``voided``."""
    status = rows.raw(cols["financial_status"]) if "financial_status" in cols else rows._absent()
    cancelled = rows.raw(cols["cancelled_at"]).notna() if "cancelled_at" in cols else False
    return (status.str.lower() == "voided").fillna(False) | cancelled


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    records = read_records(decode(path, report))
    header = check_header_row(records, path, FORMAT)
    data = records[1:]
    report.rows_read = len(data)
    cols = match_columns(header.cells, _ALIASES, required=_REQUIRED, file=path, format=FORMAT, line=header.line)
    rows = RowBuilder(path, header.cells, _first_rows(data, cols, report), report)
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
    )
)
