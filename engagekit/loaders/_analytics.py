"""What the Google Analytics report loaders (GA4 and Universal Analytics) share.

Localised numbers: the decimal mark is decided once per file from its number
cells (:func:`detect_number_style`), the language of its headers breaking a
tie; currency symbols and codes are stripped from amounts; and the
``Source / Medium`` dimension is split into source and medium.

Report layout: the lines of a report (:func:`report_lines`), its ``YYYYMMDD``
preamble dates (:func:`preamble_dates`, :data:`UA_DATE_RANGE`), its totals
rows (:func:`without_totals`) and the default channel group computed from
source and medium (:func:`channel_from_source`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from engagekit.core.channels import default_channel_group
from ._base import LoadReport
from ._cells import RowBuilder
from ._records import Record, normalise_header

__all__ = [
    "NumberStyle",
    "detect_number_style",
    "comma_decimal_language",
    "read_metric",
    "strip_currency_cells",
    "warn_number_conflict",
    "source_medium",
    "report_dates",
    "DIMENSIONS",
    "UA_DATE_RANGE",
    "report_lines",
    "preamble_dates",
    "without_totals",
    "channel_from_source",
]

#: The canonical keys of the traffic dimensions (``source_medium`` is the combined column).
DIMENSIONS = ("date", "source_medium", "source", "medium", "campaign", "content", "channel")
_SOURCE_KEYS = ("source_medium", "source", "medium")
#: A Universal Analytics preamble's date range, ``YYYYMMDD-YYYYMMDD`` (groups: start, end).
UA_DATE_RANGE = re.compile(r"(\d{8})\s*-\s*(\d{8})")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

_GAPS = re.compile(r"[\s\u00a0\u202f]")
_NUMBER_SHAPE = re.compile(r"[+-]?\d[\d.,]*")
# A currency symbol with an optional country prefix (US$, A$, R$), a three-letter code, or a local abbreviation.
_CURRENCY = r"(?:(?:[A-Z]{1,3})?[$£€¥₹₩₽¤฿₺₫₪₱]|[A-Z]{3}|kr\.?|zł|Kč|Ft|lei)"
_MONEY = re.compile(
    rf"^([+-]?)\s*(?:{_CURRENCY}\s*)?([+-]?\d[\d.,\s\u00a0\u202f]*?)\s*(?:{_CURRENCY})?$"
)
_STYLE_PATTERNS = {
    ".": re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?"),
    ",": re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"),
}

# Header and preamble words of exports written in a language whose numbers use a decimal comma.
_COMMA_DECIMAL_WORDS = frozenset(
    normalise_header(w)
    for w in (
        # Dutch
        "Sessies", "Gebruikers", "Nieuwe gebruikers", "Bron/medium", "Bouncepercentage",
        "Behaalde doelen", "Doelwaarde", "Startdatum", "Einddatum", "Datum",
        # German
        "Sitzungen", "Nutzer", "Neue Nutzer", "Aktive Nutzer", "Nutzer insgesamt", "Gesamtumsatz",
        "Sitzungen mit Interaktion", "Schlüsselereignisse", "Enddatum",
        # French
        "Utilisateurs", "Nouveaux utilisateurs", "Utilisateurs actifs", "Nombre total d'utilisateurs",
        "Date de début", "Date de fin", "Sessions avec engagement", "Événements clés", "Revenu total",
        # Spanish
        "Sesiones", "Usuarios", "Usuarios nuevos", "Usuarios activos", "Fecha", "Fecha de inicio",
        "Fecha de finalización", "Ingresos totales",
        # Italian, Portuguese
        "Sessioni", "Utenti", "Sessões", "Usuários",
    )
)


@dataclass(frozen=True)
class NumberStyle:
    """How one export writes its numbers: the decimal mark (``.`` or ``,``) and why it was chosen.

    The thousands separator is the other mark; spaces, non-breaking spaces and
    narrow non-breaking spaces between digit groups are accepted in either style.
    """

    decimal: str = "."
    reason: str = "default"
    conflict: str | None = None

    @property
    def thousands(self) -> str:
        """The thousands separator that goes with :attr:`decimal`."""
        return "," if self.decimal == "." else "."

    def describe(self) -> str:
        """For messages: ``decimal ',' and thousands '.'``."""
        return f"decimal {self.decimal!r} and thousands {self.thousands!r}"

    def fits(self, cell: str) -> bool:
        """True when ``cell`` (currency removed) is a number written in this style."""
        return bool(_STYLE_PATTERNS[self.decimal].fullmatch(_GAPS.sub("", cell)))


def _strip_money(cell: str) -> str:
    """``cell`` without a currency symbol or code around the amount (unchanged if it is not an amount)."""
    match = _MONEY.match(cell)
    if match is None:
        return cell
    sign, number = match.groups()
    return f"{sign}{number.strip()}"


def _decimal_vote(cell: str) -> str | None:
    """The decimal mark ``cell`` proves (``.`` or ``,``), or None when it proves nothing.

    Proof: both marks in one cell (the last is the decimal mark); one mark used
    twice (it separates thousands); one mark followed by other than three
    digits, or after a leading ``0`` or more than three digits (it is the
    decimal mark). ``1,200`` and ``2.546`` prove nothing.
    """
    core = _GAPS.sub("", _strip_money(cell.strip())).rstrip("%")
    if not _NUMBER_SHAPE.fullmatch(core):
        return None
    core = core.lstrip("+-")
    dot, comma = core.rfind("."), core.rfind(",")
    if dot >= 0 and comma >= 0:
        return "." if dot > comma else ","
    mark = "." if dot >= 0 else "," if comma >= 0 else None
    if mark is None:
        return None
    if core.count(mark) > 1:
        return "," if mark == "." else "."
    head, tail = core.split(mark)
    if len(tail) != 3 or not 1 <= len(head) <= 3 or head.startswith("0"):
        return mark
    return None


def comma_decimal_language(words: Iterable[str]) -> bool:
    """True when any of ``words`` (headers, preamble labels) is from a language written with a decimal comma."""
    return any(normalise_header(w) in _COMMA_DECIMAL_WORDS for w in words)


def detect_number_style(cells: Iterable[str], *, comma_language: bool = False) -> NumberStyle:
    """Decide a file's decimal mark from its metric cells.

    Each cell votes when it proves a mark (:func:`_decimal_vote`); the mark with
    more votes wins (a tie goes to the language's mark). Rates, averages and
    money nearly always give proof (``0.6``, ``"85,98%"``, ``"1,15"``). When no
    cell proves anything (only ``1,200``-like or whole numbers), the language
    of the headers decides (``comma_language``), else ``.``.
    ``NumberStyle.conflict`` holds a cell that voted for the other mark.
    """
    votes: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for cell in cells:
        if not cell:
            continue
        mark = _decimal_vote(cell)
        if mark is not None:
            votes[mark] += 1
            examples.setdefault(mark, cell)
    preferred = "," if comma_language else "."
    if not votes:
        if comma_language:
            return NumberStyle(",", "the headers are in a language written with a decimal comma")
        return NumberStyle(".", "no cell shows the decimal mark; '.' assumed")
    decimal = max(votes, key=lambda mark: (votes[mark], mark == preferred))
    other = "," if decimal == "." else "."
    return NumberStyle(
        decimal,
        f"cells such as {examples[decimal]!r} use {decimal!r} as the decimal mark",
        examples.get(other),
    )


def warn_number_conflict(style: NumberStyle, report: LoadReport) -> None:
    """Warn when some cells of the file disagree with the decimal mark chosen."""
    if style.conflict is not None:
        report.warn(
            f"numbers are written two ways: {style.reason}, but {style.conflict!r} does not; "
            f"read with {style.describe()}, cells written otherwise drop their row"
        )


def strip_currency_cells(records: Sequence[Record], positions: Iterable[int]) -> list[Record]:
    """The records with currency symbols removed from the cells at ``positions`` (amounts only)."""
    positions = [p for p in positions if p is not None]
    if not positions:
        return list(records)
    cleaned = []
    for rec in records:
        cells = list(rec.cells)
        for pos in positions:
            if pos < len(cells) and cells[pos]:
                cells[pos] = _strip_money(cells[pos].strip())
        cleaned.append(Record(rec.line, cells))
    return cleaned


def read_metric(
    rows: RowBuilder,
    key: str | None,
    pos: int | None,
    style: NumberStyle,
    *,
    integer: bool = True,
) -> pd.Series:
    """Column ``pos`` as a number in the file's style; a cell written otherwise drops its row.

    Empty cells are NA. ``key`` None returns the values without keeping them as an output column.
    """
    if pos is not None:
        raw = rows.raw(pos)
        cells = raw.to_numpy(dtype=object, na_value=None)
        bad = np.fromiter((c is not None and not style.fits(c) for c in cells), dtype=bool, count=len(cells))
        if bad.any():
            rows.fail(bad, pos, f"not a number written with {style.describe()} like the rest of the file", raw)
    return rows.number(key, pos, integer=integer, thousands=style.thousands, decimal=style.decimal)


def source_medium(rows: RowBuilder, cols: dict[str, int]) -> tuple[pd.Series, pd.Series]:
    """Source and medium, from the combined ``Source / Medium`` column (split on `` / ``) or the separate ones."""
    if "source_medium" in cols:
        pos = cols["source_medium"]
        parts = rows.raw(pos).str.split(" / ", n=1, expand=False)
        source = parts.str[0].str.strip().astype("str")
        medium = parts.str[1].str.strip().astype("str")
        rows.columns["source"], rows.columns["medium"] = source, medium
        rows.mapping["source"] = rows.mapping["medium"] = rows.header[pos]
        return source, medium
    return rows.text("source", cols.get("source")), rows.text("medium", cols.get("medium"))


def report_dates(rows: RowBuilder, pos: int | None, day: date | None, *, note: str) -> None:
    """Output column ``date``: the ``YYYYMMDD`` Date column at ``pos``, or ``day`` for every row.

    A report whose range is a single day needs no Date dimension: ``note``, a
    template of ``{day}`` saying how the preamble gave the day, is then the
    mapping shown for ``date``.
    """
    if day is None:
        rows.date("date", pos, format="%Y%m%d")
        return
    rows.columns["date"] = pd.Series([pd.Timestamp(day)] * len(rows), dtype="datetime64[us]")
    rows.mapping["date"] = note.format(day=day)


def report_lines(text: str) -> list[str]:
    """The lines of a report's text (or head), BOM removed, split at any line break."""
    return _LINE_BREAK.split(text.lstrip("\ufeff"))


def preamble_dates(values: Sequence[str]) -> tuple[date, date]:
    """The start and end dates written ``YYYYMMDD`` in a preamble; ValueError when one is not a date."""
    start, end = (datetime.strptime(v, "%Y%m%d").date() for v in values)
    return start, end


def declare_period(report: LoadReport, start: date | None, end: date | None) -> None:
    """Record the period a report's preamble declares (nothing when a date is missing or the two are reversed)."""
    if start is not None and end is not None and start <= end:
        report.declared = (pd.Timestamp(start).as_unit("us"), pd.Timestamp(end).as_unit("us"))


def without_totals(
    records: Sequence[Record], is_totals: Callable[[int, Record], bool], report: LoadReport
) -> list[Record]:
    """The records but the totals rows (``is_totals(index, record)``), which are counted in ``rows_totals``."""
    kept = []
    for index, rec in enumerate(records):
        if is_totals(index, rec):
            report.rows_totals += 1
        else:
            kept.append(rec)
    return kept


def channel_from_source(
    rows: RowBuilder, cols: dict[str, int], source: pd.Series, medium: pd.Series, campaign: pd.Series
) -> bool:
    """Output column ``channel``: GA4's default channel group computed from source, medium and campaign.

    False, and nothing done, when the report has neither a source nor a medium column.
    """
    if not any(key in cols for key in _SOURCE_KEYS):
        return False
    rows.columns["channel"] = default_channel_group(source, medium, campaign).reset_index(drop=True)
    return True
