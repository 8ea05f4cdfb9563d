"""What every loader shares: the load report, the result, the options and the format registry."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "DroppedRow",
    "LoadReport",
    "LoadResult",
    "LoadOptions",
    "ExportFormat",
    "FORMATS",
    "register",
]


@dataclass(frozen=True)
class DroppedRow:
    """One row that was read but not loaded, and why."""

    line: int
    reason: str
    column: str | None = None
    value: str | None = None

    def describe(self) -> str:
        where = f"line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.reason}{value}"


@dataclass
class LoadReport:
    """An account of every row a loader read.

    Every data row read is loaded, merged into another row (a Shopify line
    item into its order), counted as a totals row, or dropped with a reason:
    ``rows_read == rows_loaded + rows_merged + rows_totals + sum(rows_dropped.values())``.
    ``columns`` maps each canonical column to the header it was read from;
    ``replaced`` counts rows a later export of the same post or order replaced
    when a client folder was loaded. ``declared`` is the period the export says
    it holds (in its file name or its preamble; first and last local day), where
    the format says one; ``covers`` the local days the file covers: from its
    first row (or the declared start, if earlier) to its last row (or the
    declared end, if later), None for a file with neither.
    """

    file: str
    format: str
    table: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_merged: int = 0
    rows_totals: int = 0
    rows_dropped: Counter[str] = field(default_factory=Counter)
    dropped: list[DroppedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    replaced: int = 0
    declared: tuple[pd.Timestamp, pd.Timestamp] | None = None
    covers: tuple[pd.Timestamp, pd.Timestamp] | None = None

    def drop(self, line: int, reason: str, *, column: str | None = None, value: Any = None) -> None:
        """Record one dropped row under ``reason``."""
        self.rows_dropped[reason] += 1
        self.dropped.append(
            DroppedRow(line, reason, column, None if value is None else str(value))
        )

    def warn(self, message: str) -> None:
        """Record a warning about the file as a whole."""
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def n_dropped(self) -> int:
        """Total number of dropped rows."""
        return sum(self.rows_dropped.values())

    def is_balanced(self) -> bool:
        """True when every row read is accounted for."""
        return self.rows_read == (
            self.rows_loaded + self.rows_merged + self.rows_totals + self.n_dropped
        )

    def summary(self) -> str:
        """One paragraph a user can read: counts, drop reasons and warnings."""
        parts = [
            f"{Path(self.file).name} [{self.format} -> {self.table}]: "
            f"{self.rows_read} rows read, {self.rows_loaded} loaded"
        ]
        if self.rows_merged:
            parts.append(f"{self.rows_merged} merged")
        if self.rows_totals:
            parts.append(f"{self.rows_totals} totals rows skipped")
        for reason, count in sorted(self.rows_dropped.items()):
            parts.append(f"{count} dropped: {reason}")
        text = ", ".join(parts)
        if self.covers is not None:
            text += f"; covers {self.covers[0].date()} to {self.covers[1].date()}"
        for message in self.warnings:
            text += f"\n  warning: {message}"
        return text

    def to_frame(self) -> pd.DataFrame:
        """The dropped rows as a tidy frame (line, column, value, reason)."""
        return pd.DataFrame(
            {
                "file": [self.file] * len(self.dropped),
                "line": pd.array([d.line for d in self.dropped], dtype="Int64"),
                "column": pd.array([d.column for d in self.dropped], dtype="str"),
                "value": pd.array([d.value for d in self.dropped], dtype="str"),
                "reason": pd.array([d.reason for d in self.dropped], dtype="str"),
            }
        )


@dataclass(frozen=True)
class LoadResult:
    """What :func:`engagekit.read_export` returns."""

    table: str
    format: str
    frame: pd.DataFrame
    report: LoadReport

    def __repr__(self) -> str:
        return f"LoadResult(format={self.format!r}, table={self.table!r}, rows={len(self.frame)})"


@dataclass(frozen=True)
class LoadOptions:
    """Options a loader may use.

    Parameters
    ----------
    tz
        The account's IANA time zone. Used for timestamps an export writes
        without an offset, and for the local ``date`` of daily tables.
    salt
        Salt for hashing personal identifiers into ``customer_key``/``user_key``.
    account
        Account name to use where the export does not name one.
    columns
        Generic loader only: canonical column -> header in the file.
    constants
        Generic loader only: canonical column -> value for every row.
    table
        Generic loader only: the canonical table the file feeds.
    extra
        Format-specific options, documented by each format.
    """

    tz: str | None = None
    salt: str | None = None
    account: str | None = None
    columns: Mapping[str, str] | None = None
    constants: Mapping[str, Any] | None = None
    table: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportFormat:
    """A native export format engagekit can read.

    Parameters
    ----------
    name
        Stable id, e.g. ``x_tweet_activity``.
    table
        The canonical table it feeds (``None`` where the options decide).
    title
        One line naming the export as a user knows it.
    sniff
        Given the file's first decoded text and its name, True if the file is this format.
    parse
        Reads the file into a canonical frame, recording every row in the report.
    detectable
        False for formats chosen only by name (the generic mapped CSV).
    example
        An example header (or first lines) of the export, shown by ``engagekit formats``.
    """

    name: str
    table: str | None
    title: str
    sniff: Callable[[str, str], bool]
    parse: Callable[[Path, LoadReport, LoadOptions], pd.DataFrame]
    detectable: bool = True
    example: str = ""


FORMATS: dict[str, ExportFormat] = {}


def register(fmt: ExportFormat) -> ExportFormat:
    """Add ``fmt`` to the registry (format names are unique)."""
    if fmt.name in FORMATS:
        raise ValueError(f"format {fmt.name!r} is registered twice")
    FORMATS[fmt.name] = fmt
    return fmt
