"""Stripe exports.

``stripe_charges``: the Stripe Dashboard payments export ("unified payments",
Payments -> Export), one row per charge, header starting ``id,Description,Seller
Message,Created (UTC),Amount,Amount Refunded,Currency,...``.

Rows: only successful payments are outcomes. A row whose ``Status`` is not
``Paid`` or ``succeeded`` (case-insensitive; e.g. ``Failed``, ``Refunded``,
``Canceled``) is dropped with the reason ``status '<Status>': not a successful
payment``. A row with ``Mode`` ``Test`` is dropped as ``test mode charge``
unless the option ``include_test=True`` is given.

NA and zero: an empty ``Amount`` is NA (not reported) and makes ``value`` NA;
``0.00`` is a reported zero. An empty ``Amount Refunded`` is read as 0 (the
charge was not refunded). Amounts are in the charge's currency units as
written (``12.50``), with ``,`` read as a thousands separator.

Mapping to ``outcomes``: ``outcome`` = ``charge``; ``Created (UTC)`` ->
``occurred_at`` (written ``YYYY-MM-DD HH:MM:SS``, ``YYYY-MM-DD HH:MM`` or
``DD/MM/YYYY HH:MM``, always UTC); ``value`` = ``Amount`` - ``Amount
Refunded`` (the money kept, so a partly refunded charge counts its remainder);
``Currency`` (written lower-case, ``usd``) -> upper-case ``currency``;
``id`` -> ``record_id``; ``customer_key`` = salted hash of ``Customer Email``,
or of ``Customer ID`` where the email is empty; ``utm_source (metadata)``,
``utm_medium (metadata)``, ``utm_campaign (metadata)``, ``utm_content
(metadata)`` -> ``source``, ``medium``, ``campaign``, ``content`` when the
export carries those metadata columns (else NA).

Personal and card data (``Customer Email`` itself, ``Customer Description``,
``Description``, every ``Card ...`` column) never enter the frame.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from engagekit.core._arrow import constant_str
from engagekit.core.privacy import hash_identifiers
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._blocks import open_rows
from ._cells import RowBuilder
from ._records import header_names, match_columns

__all__ = ["STRIPE_CHARGES"]

FORMAT = "stripe_charges"

_ALIASES: dict[str, tuple[str, ...]] = {
    "record_id": ("id",),
    "created": ("Created (UTC)", "Created date (UTC)"),
    "amount": ("Amount",),
    "refunded": ("Amount Refunded",),
    "currency": ("Currency",),
    "status": ("Status",),
    "mode": ("Mode",),
    "customer_id": ("Customer ID",),
    "email": ("Customer Email",),
    "source": ("utm_source (metadata)",),
    "medium": ("utm_medium (metadata)",),
    "campaign": ("utm_campaign (metadata)",),
    "content": ("utm_content (metadata)",),
}
_REQUIRED = ("record_id", "created", "amount", "currency", "status")
_PAID = ("paid", "succeeded")
_CREATED_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M")
_SNIFF = {"id", "created (utc)", "amount refunded", "status"}


def _sniff(head: str, name: str) -> bool:
    return _SNIFF <= set(header_names(head))


def _created(rows: RowBuilder, pos: int) -> pd.Series:
    """``Created (UTC)`` as UTC timestamps, trying each known format cell by cell."""
    raw = rows.raw(pos)
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    for fmt in _CREATED_FORMATS:
        attempt = pd.to_datetime(raw, format=fmt, errors="coerce").astype("datetime64[us]")
        parsed = parsed.fillna(attempt)
    empty = raw.isna().to_numpy(dtype=bool)
    bad = parsed.isna().to_numpy(dtype=bool) & ~empty
    rows.fail(bad, pos, "not a valid date/time (expected YYYY-MM-DD HH:MM:SS or DD/MM/YYYY HH:MM)", raw)
    rows.fail(empty, pos, "empty date/time", raw)
    rows.mapping["occurred_at"] = rows.header[pos]
    return parsed.dt.tz_localize("UTC")


def _exclude_unpaid(rows: RowBuilder, status: pd.Series) -> None:
    """Drop each row whose status is not a successful payment, with the status in the reason."""
    written = status.fillna("")
    unpaid = ~written.str.lower().isin(_PAID).to_numpy(dtype=bool)
    for value in pd.unique(written[unpaid]):
        rows.exclude(unpaid & (written == value).to_numpy(dtype=bool), f"status {value!r}: not a successful payment")


def _customer_keys(rows: RowBuilder, cols: dict[str, int], salt: str | None) -> pd.Series:
    """Hash of the customer email, else of the Stripe customer id."""
    emails = rows.text(None, cols.get("email"))
    ids = rows.text(None, cols.get("customer_id"))
    return hash_identifiers(emails.fillna(ids), salt=salt)


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    header, _, rows = open_rows(path, report, format=FORMAT)
    cols = match_columns(header.cells, _ALIASES, required=_REQUIRED, file=path, format=FORMAT, line=header.line)
    rows.require("record_id", cols["record_id"])
    occurred = _created(rows, cols["created"])
    amount = rows.number(None, cols["amount"], integer=False)
    refunded = rows.number(None, cols.get("refunded"), integer=False, empty="zero").fillna(0)
    rows.mapping["value"] = f"{rows.header[cols['amount']]} - Amount Refunded"
    currency = rows.text(None, cols["currency"]).str.upper()
    rows.mapping["currency"] = rows.header[cols["currency"]]
    for key in ("source", "medium", "campaign", "content"):
        rows.text(key, cols.get(key))
    status = rows.raw(cols["status"])
    _exclude_unpaid(rows, status)
    if "mode" in cols and not options.extra.get("include_test"):
        test = (rows.raw(cols["mode"]).str.lower() == "test").fillna(False).to_numpy(dtype=bool)
        rows.exclude(test, "test mode charge")
    extra = {
        "occurred_at": occurred,
        "outcome": constant_str("charge", len(rows)),
        "value": amount - refunded,
        "currency": currency,
        "customer_key": _customer_keys(rows, cols, options.salt),
    }
    return rows.finish(extra)


STRIPE_CHARGES = register(
    ExportFormat(
        name=FORMAT,
        table="outcomes",
        title="Stripe payments export (unified payments CSV), one outcome per successful charge",
        sniff=_sniff,
        parse=_parse,
        example="id,Description,Seller Message,Created (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Amount Refunded,Fee,Tax,Converted Currency,Mode,Status,Statement Descriptor,Customer ID,Customer Description,Customer Email,Captured,Card ID,Card Last4,...,PaymentIntent ID",
    )
)
