"""HubSpot CRM exports.

``hubspot_contacts``: the contacts export (Contacts -> Export), header
``Record ID,First Name,Last Name,Email,Phone Number,Lead Status,Create
Date,...``, optionally with ``Lifecycle Stage`` and ``Original Source``.
``hubspot_deals``: the deals export, header ``Record ID,Deal Name,Deal
Stage,Amount,...`` with ``Close Date``, ``Create Date`` and optionally
``Original Source``.

Rows: every contact is an outcome. Only closed-won deals are outcomes: a deal
whose ``Deal Stage`` is not ``Closed Won`` (``closedwon``; compared without
case, spaces or punctuation) is dropped as ``deal not closed won``; the option
``won_stages=[...]`` names the won stages of custom pipelines, and
``all_deals=True`` loads every deal.

NA and zero: an empty ``Amount`` is NA (not reported); ``0`` is a reported zero.
Dates are written without an offset (``2024-03-12 09:14``, seconds optional)
in the portal's time zone: they are read in the ``tz`` option (UTC when not
given) and converted to UTC.

Mapping to ``outcomes``: contacts: ``outcome`` = the ``Lifecycle Stage``
lower-cased with spaces as ``_`` (``Marketing Qualified Lead`` ->
``marketing_qualified_lead``) where the column exists and the cell is filled,
else ``lead``; ``Create Date`` -> ``occurred_at``; ``Record ID`` ->
``record_id``; ``Email`` -> salted hash ``customer_key``; ``value`` NA. Deals:
``outcome`` = ``deal``; ``Amount`` -> ``value``; ``Close Date`` (else ``Create
Date``) -> ``occurred_at``; ``Currency``/``Deal Currency Code`` -> ``currency``
where present; ``customer_key`` NA (a deal export carries no email).
``Original Source`` maps to ``source``/``medium``: ``ORGANIC_SEARCH`` ->
medium ``organic``; ``PAID_SEARCH`` -> ``cpc``; ``EMAIL_MARKETING`` ->
``email``; ``SOCIAL_MEDIA``/``ORGANIC_SOCIAL`` -> ``social``; ``PAID_SOCIAL``
-> ``paid_social``; ``REFERRALS`` -> ``referral``; ``DIRECT_TRAFFIC`` ->
source ``(direct)``, medium ``(none)``; the display labels (``Organic Search``,
``Social Media``, ...) are read the same way; ``OTHER_CAMPAIGNS``,
``OFFLINE`` and anything else leave both NA. Names, emails, phones, companies,
owners and deal names never enter the frame.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from engagekit.core._arrow import constant_str
from engagekit.core.privacy import hash_identifiers
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._blocks import open_rows
from ._cells import RowBuilder
from ._records import header_names, match_columns

__all__ = ["HUBSPOT_CONTACTS", "HUBSPOT_DEALS"]

CONTACTS = "hubspot_contacts"
DEALS = "hubspot_deals"

_CONTACT_ALIASES: dict[str, tuple[str, ...]] = {
    "record_id": ("Record ID",),
    "email": ("Email",),
    "created": ("Create Date",),
    "lifecycle": ("Lifecycle Stage",),
    "original_source": ("Original Source",),
}
_DEAL_ALIASES: dict[str, tuple[str, ...]] = {
    "record_id": ("Record ID",),
    "stage": ("Deal Stage",),
    "amount": ("Amount",),
    "closed": ("Close Date",),
    "created": ("Create Date",),
    "currency": ("Currency", "Deal Currency Code"),
    "original_source": ("Original Source",),
}
#: HubSpot original source (internal value, display labels upper-cased with ``_``) -> (source, medium).
_ORIGINAL_SOURCES: dict[str, tuple[str | None, str]] = {
    "ORGANIC_SEARCH": (None, "organic"),
    "PAID_SEARCH": (None, "cpc"),
    "EMAIL_MARKETING": (None, "email"),
    "SOCIAL_MEDIA": (None, "social"),
    "ORGANIC_SOCIAL": (None, "social"),
    "PAID_SOCIAL": (None, "paid_social"),
    "REFERRALS": (None, "referral"),
    "DIRECT_TRAFFIC": ("(direct)", "(none)"),
}
_WON = ("closedwon",)
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _sniff_contacts(head: str, name: str) -> bool:
    names = set(header_names(head))
    return {"record id", "email", "create date"} <= names and "deal stage" not in names


def _sniff_deals(head: str, name: str) -> bool:
    return {"record id", "deal stage"} <= set(header_names(head))


def _dates(rows: RowBuilder, pos: int | None, tz: str | None) -> pd.Series:
    """Column ``pos`` as UTC timestamps (NaT where empty or unreadable), read in ``tz``."""
    if pos is None:
        return rows._absent("datetime64[us, UTC]")
    raw = rows.raw(pos)
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    for fmt in _DATE_FORMATS:
        parsed = parsed.fillna(pd.to_datetime(raw, format=fmt, errors="coerce").astype("datetime64[us]"))
    local = parsed.dt.tz_localize(tz or "UTC", ambiguous="NaT", nonexistent="shift_forward")
    bad = local.isna().to_numpy(dtype=bool) & raw.notna().to_numpy(dtype=bool)
    rows.fail(bad, pos, "not a valid date/time (expected YYYY-MM-DD HH:MM)", raw)
    return local.dt.tz_convert("UTC").astype("datetime64[us, UTC]")


def source_medium(original: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``source`` and ``medium`` from HubSpot ``Original Source`` values (NA where nothing maps)."""
    key = original.str.strip().str.upper().str.replace(r"[\s-]+", "_", regex=True)
    source = key.map({k: v[0] for k, v in _ORIGINAL_SOURCES.items() if v[0]}).astype("str")
    medium = key.map({k: v[1] for k, v in _ORIGINAL_SOURCES.items()}).astype("str")
    return source, medium


def _attribution(rows: RowBuilder, cols: dict[str, int]) -> dict[str, pd.Series]:
    if "original_source" not in cols:
        return {}
    rows.mapping["source"] = rows.mapping["medium"] = rows.header[cols["original_source"]]
    source, medium = source_medium(rows.raw(cols["original_source"]))
    return {"source": source, "medium": medium}


def _stage_outcome(stages: pd.Series) -> pd.Series:
    """Lifecycle stages as outcome names (``lead`` where empty)."""
    named = stages.str.strip().str.lower().str.replace(r"\s+", "_", regex=True)
    return named.fillna("lead").astype("str")


def _parse_contacts(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    header, _, rows = open_rows(path, report, format=CONTACTS)
    cols = match_columns(header.cells, _CONTACT_ALIASES, required=("record_id", "created"), file=path, format=CONTACTS, line=header.line)
    rows.require("record_id", cols["record_id"])
    occurred = _dates(rows, cols["created"], options.tz)
    rows.fail(occurred.isna().to_numpy(dtype=bool), cols["created"], "empty date/time", rows.raw(cols["created"]))
    rows.mapping["occurred_at"] = rows.header[cols["created"]]
    stages = rows.text(None, cols.get("lifecycle"))
    emails = rows.text(None, cols.get("email"))
    extra = {
        "occurred_at": occurred,
        "outcome": _stage_outcome(stages),
        "customer_key": hash_identifiers(emails, salt=options.salt),
        **_attribution(rows, cols),
    }
    return rows.finish(extra)


def _won(stages: pd.Series, options: LoadOptions) -> np.ndarray:
    """True for deals in a won stage (compared without case, spaces or punctuation)."""
    won = {re.sub(r"[^a-z0-9]", "", s.lower()) for s in options.extra.get("won_stages", _WON)}
    squashed = stages.str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    return squashed.isin(won).to_numpy(dtype=bool)


def _parse_deals(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    header, _, rows = open_rows(path, report, format=DEALS)
    cols = match_columns(header.cells, _DEAL_ALIASES, required=("record_id", "stage", "amount"), file=path, format=DEALS, line=header.line)
    if "closed" not in cols and "created" not in cols:
        match_columns(header.cells, _DEAL_ALIASES, required=("closed",), file=path, format=DEALS, line=header.line)
    rows.require("record_id", cols["record_id"])
    rows.number("value", cols["amount"], integer=False)
    rows.text("currency", cols.get("currency"))
    occurred = _dates(rows, cols.get("closed"), options.tz).fillna(_dates(rows, cols.get("created"), options.tz))
    date_pos = cols.get("closed", cols.get("created"))
    rows.fail(occurred.isna().to_numpy(dtype=bool), date_pos, "no Close Date or Create Date", rows.raw(date_pos))
    rows.mapping["occurred_at"] = "Close Date, else Create Date"
    if not options.extra.get("all_deals"):
        rows.exclude(~_won(rows.raw(cols["stage"]), options), "deal not closed won")
    extra = {
        "occurred_at": occurred,
        "outcome": constant_str("deal", len(rows)),
        **_attribution(rows, cols),
    }
    return rows.finish(extra)


HUBSPOT_CONTACTS = register(
    ExportFormat(
        name=CONTACTS,
        table="outcomes",
        title="HubSpot contacts export, one outcome (lead or lifecycle stage) per contact",
        sniff=_sniff_contacts,
        parse=_parse_contacts,
        example="Record ID,First Name,Last Name,Email,Phone Number,Lead Status,Create Date,Associated Company,Country/Region,Contact owner",
    )
)
HUBSPOT_DEALS = register(
    ExportFormat(
        name=DEALS,
        table="outcomes",
        title="HubSpot deals export, one outcome per closed-won deal",
        sniff=_sniff_deals,
        parse=_parse_deals,
        example="Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner,Associated Company IDs,Associated Contact IDs",
    )
)
