"""Errors engagekit raises for user mistakes: each names the file, and the line and column where known."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ClientNotReady",
    "EngagekitError",
    "ExportError",
    "UnknownFormatError",
    "MissingColumnError",
    "ConfigError",
]


class EngagekitError(Exception):
    """Base class of every error engagekit raises on purpose."""


class ExportError(EngagekitError):
    """A problem with an export file, located by file, line and column.

    Parameters
    ----------
    file
        The file the problem is in.
    message
        What is wrong, in words a user can act on.
    line
        1-based line number in the file, where known.
    column
        The column's header as written in the file, where known.
    """

    def __init__(
        self,
        file: str | Path,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = str(file)
        self.line = line
        self.column = column
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class UnknownFormatError(ExportError):
    """No loader recognises the file."""


class MissingColumnError(ExportError):
    """A recognised export lacks a column its loader needs.

    ``missing`` lists the columns not found, ``present`` the columns the file has.
    """

    def __init__(
        self,
        file: str | Path,
        *,
        missing: list[str],
        present: list[str],
        format: str,
        line: int | None = None,
    ) -> None:
        self.missing = list(missing)
        self.present = list(present)
        self.format = format
        names = ", ".join(repr(m) for m in missing)
        have = ", ".join(repr(p) for p in present[:40])
        if len(present) > 40:
            have += f", ... ({len(present)} columns)"
        super().__init__(
            file,
            f"{format} export is missing required column(s) {names}; the header has: {have}",
            line=line,
            column=missing[0] if len(missing) == 1 else None,
        )


class ConfigError(EngagekitError):
    """A client configuration (client.yml) or goal spec is invalid; names the file and the field."""

    def __init__(self, file: str | Path | None, field: str, message: str) -> None:
        self.file = None if file is None else str(file)
        self.field = field
        self.detail = message
        prefix = f"{self.file}: " if self.file else ""
        super().__init__(f"{prefix}field {field!r}: {message}")


class ClientNotReady(EngagekitError):
    """A client's folder cannot be rendered: the check before the report found errors.

    ``problems`` holds one line per error, each saying what to fix.
    """

    def __init__(self, client: str | Path, problems: list[str]) -> None:
        self.client = str(client)
        self.problems = list(problems)
        lines = "\n".join(f"  - {line}" for line in self.problems)
        super().__init__(f"{self.client} cannot be rendered; fix these, then run engagekit check {self.client}:\n{lines}")
