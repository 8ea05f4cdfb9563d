"""Loaders: the platforms' native export files into engagekit's canonical tables.

Each module registers one or more :class:`ExportFormat` objects; :func:`read_export`
detects a file's format from its content and runs the matching loader.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from engagekit.core import schema
from engagekit.core.errors import ExportError, UnknownFormatError
from ._base import FORMATS, ExportFormat, LoadOptions, LoadReport, LoadResult
from ._closest import unrecognised_message
from ._coverage import declared_by_name, file_coverage
from ._decode import head_text

# Registration order is detection order: more specific formats first.
from . import (  # noqa: E402,F401  (each module registers its formats)
    x,
    x_account,
    x_content,
    facebook,
    facebook_page,
    meta_suite,
    meta_chart,
    linkedin,
    youtube,
    tiktok,
    ua,
    ga4,
    ga4_bigquery,
    shopify,
    hubspot,
    stripe,
    generic,
)

__all__ = [
    "read_export",
    "detect_format",
    "formats",
    "FORMATS",
    "LoadOptions",
    "LoadReport",
    "LoadResult",
]


def formats() -> pd.DataFrame:
    """The supported formats: name, table, what export each is, and the first line of an example."""
    return pd.DataFrame(
        {
            "format": [f.name for f in FORMATS.values()],
            "table": [f.table or "(from mapping)" for f in FORMATS.values()],
            "export": [f.title for f in FORMATS.values()],
            "example": [f.example.splitlines()[0] if f.example else "" for f in FORMATS.values()],
        }
    ).astype("str")


def _supported() -> str:
    return "; ".join(f"{f.name} ({f.title})" for f in FORMATS.values())


def detect_format(path: str | Path) -> ExportFormat:
    """The format of ``path``, detected from its content (and name where the content allows two).

    Raises
    ------
    UnknownFormatError
        No loader recognises the file; the message gives the fix first (a ``format: generic``
        entry for client.yml with a guessed column mapping), then the file's columns and the
        closest formats by header (at most three, with the columns that matched).
    """
    path = Path(path)
    if not path.is_file():
        raise ExportError(path, "no such file")
    head = head_text(path)
    for fmt in FORMATS.values():
        if fmt.detectable and fmt.sniff(head, path.name):
            return fmt
    raise UnknownFormatError(path, unrecognised_message(path, head, FORMATS))


def read_export(
    path: str | Path,
    *,
    format: str | None = None,
    tz: str | None = None,
    salt: str | None = None,
    account: str | None = None,
    columns: Mapping[str, str] | None = None,
    constants: Mapping[str, Any] | None = None,
    table: str | None = None,
    **extra: Any,
) -> LoadResult:
    """Load one native export file into its canonical table.

    Parameters
    ----------
    path
        The export file.
    format
        Skip detection and use this format (see :func:`formats`). Passing
        ``columns`` without a format selects the ``generic`` loader.
    tz
        The account's IANA time zone, for timestamps written without an offset.
    salt
        Salt for hashing personal identifiers (emails) into keys.
    account
        Account name where the export does not carry one.
    columns, constants, table
        Generic loader: canonical column -> file header, fixed values, and the target table.
    **extra
        Format-specific options.

    Returns
    -------
    LoadResult
        ``.table``, ``.format``, ``.frame`` (canonical columns and dtypes) and
        ``.report`` (rows read, loaded, merged, totals, dropped by reason).
    """
    path = Path(path)
    if format is None and columns is not None:
        format = "generic"
    if format is None:
        fmt = detect_format(path)
    else:
        try:
            fmt = FORMATS[format]
        except KeyError:
            raise UnknownFormatError(
                path, f"unknown format {format!r}. Supported formats: {_supported()}"
            ) from None
        if not path.is_file():
            raise ExportError(path, "no such file")
    options = LoadOptions(
        tz=tz, salt=salt, account=account, columns=columns, constants=constants,
        table=table, extra=extra,
    )
    target = fmt.table or table
    if target is None:
        raise ExportError(path, f"format {fmt.name!r} needs table= (one of {', '.join(schema.TABLES)})")
    report = LoadReport(file=str(path), format=fmt.name, table=target)
    frame = fmt.parse(path, report, options)
    frame = schema.conform(frame, target)
    report.rows_loaded = len(frame)
    if report.declared is None:
        report.declared = declared_by_name(path, fmt.name)
    report.covers = file_coverage(frame, target, tz=tz, declared=report.declared)
    if not report.is_balanced():
        raise AssertionError(f"loader {fmt.name} lost rows: {report.summary()}")
    return LoadResult(table=target, format=fmt.name, frame=frame, report=report)
