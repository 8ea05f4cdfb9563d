"""What to say about a file no loader recognises: the fix first, then the closest formats.

The closest formats are those whose example header shares the most column
names with the file's header (compared case-insensitively, quotes and spaces
trimmed); at most three, each with the columns that matched. The fix is a
``format: generic`` entry for client.yml with a guessed column mapping, ready
to paste and correct.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from ._base import ExportFormat

__all__ = ["file_header", "closest_formats", "guess_mapping", "unrecognised_message"]

_DELIMITERS = (",", ";", "\t")

#: Canonical column of the outcomes table -> header words that usually name it (checked in this order).
_GUESSES: dict[str, tuple[str, ...]] = {
    "occurred_at": ("signed up at", "created at", "created", "timestamp", "date", "time", " at"),
    "customer_key": ("email", "e-mail", "customer", "contact", "user id"),
    "value": ("amount", "revenue", "value", "total", "price"),
    "source": ("utm_source", "source"),
    "medium": ("utm_medium", "medium"),
    "campaign": ("utm_campaign", "campaign"),
    "content": ("utm_content", "content"),
}


def _cells(line: str) -> list[str]:
    """The cells of one header line, split on its most frequent delimiter."""
    delimiter = max(_DELIMITERS, key=line.count)
    row = next(csv.reader([line], delimiter=delimiter), [])
    return [cell.strip().strip('"').strip() for cell in row if cell.strip().strip('"').strip()]


def file_header(head: str) -> list[str]:
    """The column names of a text file's header: its first line that is neither blank nor a ``#`` comment."""
    for line in head.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return _cells(line)
    return []


def _example_columns(fmt: ExportFormat) -> set[str]:
    """The column names a format's example header shows (lower case; not ``...`` nor values)."""
    names = set()
    for line in fmt.example.splitlines():
        for cell in _cells(line.replace(" / ", ",")):
            name = cell.lower()
            if name and "..." not in name and not re.fullmatch(r"[\d.,:\-T ]+", name) and not name.startswith(("#", "(", "{")):
                names.add(name)
    return names


def closest_formats(header: Iterable[str], formats: Mapping[str, ExportFormat], *, limit: int = 3) -> list[tuple[str, list[str]]]:
    """The formats whose example header shares most columns with ``header``: ``(format, matched columns)``.

    At most ``limit``, best first (ties by the share of the format's columns matched); formats
    sharing no column are left out.
    """
    columns = list(header)
    scored = []
    for fmt in formats.values():
        known = _example_columns(fmt)
        matched = [c for c in columns if c.lower() in known]
        if matched and known:
            scored.append((-len(matched), -len(matched) / len(known), fmt.name, matched))
    return [(name, matched) for *_, name, matched in sorted(scored)[:limit]]


def guess_mapping(header: Iterable[str]) -> dict[str, str]:
    """A first guess of a generic mapping of ``header`` to the outcomes table's columns (to be checked)."""
    columns = list(header)
    mapping: dict[str, str] = {}
    for canonical, words in _GUESSES.items():
        for word in words:
            found = [c for c in columns if c not in mapping.values()
                     and (c.lower() == word.strip() or word in f" {c.lower()}")]
            if found:
                mapping[canonical] = found[0]
                break
    return mapping


def _yaml_text(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z_][\w ./-]*", value) and value.strip() == value else repr(value)


def unrecognised_message(path: str | Path, head: str, formats: Mapping[str, ExportFormat]) -> str:
    """The message for a file no loader recognises: the fix (a client.yml entry), the file's columns, the closest formats."""
    name = Path(path).name
    header = file_header(head)
    mapping = guess_mapping(header)
    columns = ", ".join(f"{k}: {_yaml_text(v)}" for k, v in mapping.items()) or "occurred_at: <date column>"
    text = (f"not an export engagekit recognises. Fix: add to client.yml under files: - {{path: {_yaml_text(name)}, "
            f"format: generic, table: outcomes, columns: {{{columns}}}, constants: {{outcome: registration}}}} "
            "(check the guessed columns and the outcome's name), or move the file out of the folder.")
    if header and not mapping:
        shown = ", ".join(header[:8]) + (f", ... ({len(header)} columns)" if len(header) > 8 else "")
        text += f" Its columns: {shown}."
    closest = closest_formats(header, {k: f for k, f in formats.items() if f.detectable})
    if closest:
        text += " Closest formats: " + "; ".join(
            f"{fmt} (matches {', '.join(m[:4])}{', ...' if len(m) > 4 else ''})" for fmt, m in closest) + "."
    return text
