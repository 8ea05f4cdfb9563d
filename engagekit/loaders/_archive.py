"""Reading one file of an export delivered as a zip archive (YouTube Studio, TikTok Studio), in memory."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from engagekit.core.errors import ExportError
from ._base import LoadReport
from ._decode import decode_bytes
from ._records import Record, check_header_row, read_records

__all__ = ["Member", "is_zip", "open_member", "csv_records"]


@dataclass(frozen=True)
class Member:
    """One file read from an export: a zip member, or the file itself.

    ``label`` names it in messages (``<zip>:<member>`` for a member), ``name``
    is its own file name, ``data`` its bytes.
    """

    label: str
    name: str
    data: bytes
    in_zip: bool


def is_zip(path: Path) -> bool:
    """A zip archive that is not an Excel workbook (xlsx files are zips too)."""
    return path.suffix.lower() not in (".xlsx", ".xlsm") and zipfile.is_zipfile(path)


def _members_text(names: Sequence[str]) -> str:
    """The member names of a zip for a message (at most 20)."""
    shown = ", ".join(repr(n) for n in names[:20])
    return shown + (f", ... ({len(names)} files)" if len(names) > 20 else "") if names else "no files"


def open_member(path: Path, names: Sequence[str], *, format: str, hint: str = "") -> Member:
    """The first of ``names`` found in the zip ``path`` (by file name, any folder, any case); ``path`` itself
    when it is not a zip.

    Parameters
    ----------
    path
        The export: a zip archive, or a single file.
    names
        Member file names to look for, in order of preference.
    format
        The format being read (for messages).
    hint
        Appended to the message when no member matches (e.g. which format reads the other members).

    Raises
    ------
    ExportError
        The zip cannot be read, or holds none of ``names`` (the message lists what it holds and
        says how to name another member).
    """
    if not is_zip(path):
        return Member(str(path), path.name, path.read_bytes(), False)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            by_name: dict[str, zipfile.ZipInfo] = {}
            for info in infos:
                by_name.setdefault(PurePosixPath(info.filename).name.lower(), info)
            for wanted in names:
                info = by_name.get(wanted.lower())
                if info is not None:
                    data = archive.read(info)
                    return Member(f"{path}:{info.filename}", PurePosixPath(info.filename).name, data, True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, OSError,
            RuntimeError) as err:
        raise ExportError(path, f"not a readable zip archive, damaged or incomplete ({err})") from None
    wanted_text = " or ".join(repr(n) for n in names)
    held = _members_text([info.filename for info in infos])
    raise ExportError(
        path,
        f"{format}: the zip holds no {wanted_text}; it holds {held}. "
        f"Name the file to read with member='<name>'{hint}.",
    )


def csv_records(member: Member, report: LoadReport, format: str) -> tuple[Record, list[Record]]:
    """The header and data records of a CSV member."""
    records = read_records(decode_bytes(member.data, report))
    header = check_header_row(records, Path(member.label), format)
    return header, records[1:]
