"""Decoding export files: byte-order marks, UTF-16, UTF-8 or cp1252, and the head of a file for sniffing."""

from __future__ import annotations

from pathlib import Path

from ._base import LoadReport

__all__ = ["decode", "decode_bytes", "head_text"]


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _encoding_of(raw: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    return None


def decode(path: Path, report: LoadReport | None = None) -> str:
    """Read ``path`` as text: BOM-aware, UTF-8 first, cp1252 as the fallback.

    A cp1252 fallback is noted in the report's warnings. Line endings are kept
    as written; :func:`read_records` handles LF, CRLF and CR.
    """
    return decode_bytes(path.read_bytes(), report)


def decode_bytes(raw: bytes, report: LoadReport | None = None) -> str:
    """Bytes as text by the rules of :func:`decode` (for a zip member or another file not on disk).

    Text that is not valid in its encoding is never an error: UTF-8 (with or
    without a BOM) falls back to cp1252, and UTF-16 with a damaged or cut-off
    unit keeps the rest with U+FFFD in its place; either way the report says
    so, naming the first bad line.
    """
    encoding = _encoding_of(raw) or "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        if encoding == "utf-16":
            if report is not None:
                report.warn(f"not valid UTF-16 (first bad bytes on line {line}): replaced by U+FFFD")
            return raw.decode(encoding, errors="replace")
        if report is not None:
            report.warn(f"not valid UTF-8 (first bad byte on line {line}); read as Windows-1252 (cp1252)")
        return raw.removeprefix(b"\xef\xbb\xbf").decode("cp1252", errors="replace")


def head_text(path: Path, size: int = 65536) -> str:
    """The first ``size`` bytes of ``path`` decoded for format sniffing (never raises on bad bytes)."""
    with open(path, "rb") as fh:
        return _head_of(fh.read(size))


def _head_of(raw: bytes) -> str:
    """The first bytes of a file as :func:`head_text` decodes them."""
    encoding = _encoding_of(raw)
    if encoding == "utf-16":
        raw = raw[: len(raw) // 2 * 2]
    return raw.decode(encoding or "utf-8", errors="replace").lstrip("\ufeff")
