"""Reading Excel workbooks (.xlsx) into records, as the delimited-text loaders read CSV.

Used by every format a platform delivers as a workbook (LinkedIn, TikTok, the
generic mapped loader). Only ``.xlsx`` is read (openpyxl); an old binary
``.xls`` gets a message saying to save it as ``.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import IO

from engagekit.core.errors import ExportError
from ._records import Record, normalise_header

__all__ = ["is_zip_named", "workbook_bytes", "sheet_records"]

_ZIP_MAGIC = b"PK"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RESAVE = "open it in Excel or LibreOffice Calc and save it as an Excel Workbook (.xlsx)"


def is_zip_named(head: str, name: str, suffix: str) -> bool:
    """True when ``name`` ends with ``suffix`` and ``head`` starts with the zip magic ``PK``.

    xlsx workbooks are zip files too; their content is compressed, so the
    sniff cannot look further than the name and the magic.
    """
    return name.lower().endswith(suffix) and head.startswith("PK")


def workbook_bytes(source: Path | IO[bytes], *, file: Path) -> io.BytesIO:
    """The bytes of an ``.xlsx`` workbook, checked to be one, whatever the file is named.

    Raises
    ------
    ExportError
        The file is an old binary ``.xls`` (or password-protected) workbook, or
        not a workbook at all; the message says to save it as ``.xlsx``.
    """
    try:
        raw = source.read_bytes() if isinstance(source, Path) else source.read()
    except OSError as err:
        raise ExportError(file, f"cannot read the workbook ({err.strerror or err})") from None
    if raw.startswith(_OLE2_MAGIC):
        raise ExportError(
            file,
            "this is an old binary Excel workbook (.xls) or a password-protected one, which engagekit "
            f"cannot read: {_RESAVE} (without a password)",
        )
    if not raw.startswith(_ZIP_MAGIC):
        raise ExportError(file, f"not an .xlsx workbook (an .xlsx file is a zip archive): {_RESAVE}")
    return io.BytesIO(raw)


def _cell_text(value: object, date_format: str | None) -> str:
    """A cell's value as the text a CSV export would hold.

    Whole floats lose their ``.0`` (so that integer columns accept them);
    dates are written with ``date_format``, else ISO (``YYYY-MM-DD``, with
    ``HH:MM:SS`` when the time is not midnight); booleans are ``true``/``false``.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, dt.datetime):
        if date_format:
            return value.strftime(date_format)
        return value.strftime("%Y-%m-%d" if value.time() == dt.time() else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime(date_format or "%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def _pick_sheet(book, sheet: str | int, file: Path, fallback: str | int | None = None):
    """The worksheet named ``sheet`` (matched case-insensitively) or at position ``sheet``; ``fallback`` (picked
    the same way) when there is no such sheet."""
    names = list(book.sheetnames)
    listing = ", ".join(map(repr, names))
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return book[names[sheet]]
        if fallback is not None:
            return _pick_sheet(book, fallback, file)
        raise ExportError(file, f"the workbook has no sheet at position {sheet}; its sheets are: {listing}")
    wanted = normalise_header(str(sheet))
    for name in names:
        if normalise_header(name) == wanted:
            return book[name]
    if fallback is not None:
        return _pick_sheet(book, fallback, file)
    raise ExportError(
        file, f"the workbook has no sheet {sheet!r}; its sheets are: {listing} (choose one with sheet=)"
    )


def sheet_records(
    source: Path | IO[bytes],
    sheet: str | int,
    *,
    file: Path,
    date_format: str | None = None,
    fallback: str | int | None = None,
) -> list[Record]:
    """The non-blank rows of one worksheet as records, each with its 1-based sheet row as ``line``.

    Parameters
    ----------
    source
        The workbook: a path or a binary file object (a zip member). Its
        content decides, not its name: an ``.xlsx`` saved as ``.xls`` is read.
    sheet
        The sheet name (matched case-insensitively), or its 0-based position.
    file
        The file named in errors.
    date_format
        ``strftime`` format for cells Excel holds as dates; default ISO.
    fallback
        The sheet to read (a name or a position) when the workbook has no ``sheet``; None: that is an error.

    Returns
    -------
    list of Record
        Cells as text (see :func:`_cell_text`), every row as wide as the widest.

    Raises
    ------
    ExportError
        The workbook cannot be read, is an old ``.xls``, or has no such sheet
        and no ``fallback`` (the message lists its sheets).
    """
    data = workbook_bytes(source, file=file)
    from openpyxl import load_workbook  # imported here: only workbook formats need it

    try:
        book = load_workbook(data, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a damaged workbook
        raise ExportError(file, f"not a readable .xlsx workbook ({type(err).__name__}: {err}): {_RESAVE}") from None
    try:
        worksheet = _pick_sheet(book, sheet, file, fallback)
        worksheet.reset_dimensions()  # some writers record a wrong sheet size
        rows = [
            (number, [_cell_text(value, date_format) for value in values])
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
        ]
    except ExportError:
        raise
    except Exception as err:
        raise ExportError(file, f"not a readable .xlsx workbook ({type(err).__name__}: {err}): {_RESAVE}") from None
    finally:
        book.close()
    width = max((len(cells) for _, cells in rows), default=0)
    return [
        Record(number, cells + [""] * (width - len(cells)))
        for number, cells in rows
        if any(cell.strip() for cell in cells)
    ]
