"""A client: its configuration (client.yml) and its data, loaded into the canonical tables."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import yaml

from engagekit.core import schema
from engagekit.core.schema import local_day
from engagekit.tables.labels import LABEL_COLUMNS, check_labels, empty_labels
from engagekit.core.errors import ConfigError
from engagekit.loaders import FORMATS, read_export
from engagekit.loaders._base import LoadReport, LoadResult

__all__ = ["Branding", "ClientConfig", "FileSpec", "LabelsSpec", "Dataset", "assemble", "client_config", "client_files", "load_client", "read_config", "read_file", "read_labels", "rows_in_period"]

CONFIG_NAME = "client.yml"
#: Files in a client folder that are not data.
NOT_DATA = {CONFIG_NAME, "truth.yml", "goal.yml", "README.md"}
_KNOWN_FIELDS = {
    "client", "display_name", "timezone", "currency", "salt", "period", "goal", "data", "files",
    "branding", "labels",
}
_FILE_FIELDS = {"path", "format", "table", "columns", "constants", "options"}
_LABELS_FIELDS = {"path", "columns"}
_PERIOD_FIELDS = {"start", "end"}
_BRANDING_FIELDS = {"logo", "primary_colour", "primary_color"}
#: The report's colour where client.yml names none.
DEFAULT_PRIMARY_COLOUR = "#1f4e79"
#: Logo file types the report can show inline: suffix -> (media type, what the file starts with).
LOGO_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".svg": ("image/svg+xml", ()),
}
#: A CSS hex colour, ``#rgb`` or ``#rrggbb``.
HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


@dataclass(frozen=True)
class FileSpec:
    """One data file named in client.yml, with how to read it."""

    path: Path
    format: str | None = None
    table: str | None = None
    columns: dict[str, str] | None = None
    constants: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LabelsSpec:
    """The user's post categories named under ``labels:`` in client.yml.

    A CSV with the columns ``post_id`` and ``category`` (optional ``platform``),
    or, through ``columns`` (canonical name -> header), any CSV that holds them,
    e.g. the generic posts export whose ``Category`` column a user filled in.
    """

    path: Path
    columns: dict[str, str] | None = None


@dataclass(frozen=True)
class Branding:
    """How a client's report looks: ``branding:`` in client.yml (the name shown is ``display_name``).

    Parameters
    ----------
    logo
        The logo file (PNG, JPEG, GIF or SVG) inside the client's folder, resolved; None: no logo.
    primary_colour
        A CSS hex colour, ``#rgb`` or ``#rrggbb`` (lower case), for headings and accents.
    """

    logo: Path | None = None
    primary_colour: str = DEFAULT_PRIMARY_COLOUR

    @property
    def logo_media_type(self) -> str | None:
        """The logo's media type (``image/png``, ``image/jpeg``, ``image/gif``, ``image/svg+xml``), or None."""
        return None if self.logo is None else LOGO_TYPES[self.logo.suffix.lower()][0]


@dataclass(frozen=True)
class ClientConfig:
    """A validated client.yml.

    Every path in it (``files``, ``labels``, ``branding.logo``, ``data``) is resolved
    and lies inside the client's folder.
    """

    path: Path
    client: str
    display_name: str
    timezone: str
    currency: str | None
    salt: str | None
    period: tuple[pd.Timestamp | None, pd.Timestamp | None]
    goal: dict[str, Any]
    files: tuple[FileSpec, ...]
    labels: LabelsSpec | None = None
    branding: Branding = field(default_factory=Branding)
    #: The sub-folder under ``data:`` that holds the exports (resolved); None: the client's folder.
    data: Path | None = None

    @property
    def folder(self) -> Path:
        """The client's folder: the one client.yml is in."""
        return self.path.parent

    @property
    def data_folder(self) -> Path:
        """The folder whose files are read as exports: ``data:``, or the client's folder."""
        return self.data if self.data is not None else self.folder


def _require(raw: dict, key: str, path: Path, kind: type) -> Any:
    if key not in raw:
        raise ConfigError(path, key, "is required")
    value = raw[key]
    if not isinstance(value, kind):
        raise ConfigError(path, key, f"must be a {kind.__name__}, got {type(value).__name__}")
    return value


def _date(value: Any, path: Path, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(str(value)).normalize()
    except ValueError:
        raise ConfigError(path, name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _inside(value: Any, path: Path, name: str) -> Path:
    """``value`` (a path in client.yml) resolved against the client's folder; refused if it leads out of it.

    Symbolic links are followed first, so a link that points out of the folder is refused too.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, name, f"must be a path inside the client's folder, got {value!r}")
    root = path.parent.resolve()
    resolved = (root / value).resolve()
    if not resolved.is_relative_to(root):
        raise ConfigError(
            path, name,
            f"{value!r} resolves to {resolved}, outside the client's folder {root}; "
            "paths must stay inside the client's folder",
        )
    return resolved


def check_client_name(client: str, path: Path | None) -> str:
    """``client`` as a client's name (client.yml's ``client``); a ConfigError when it is empty."""
    if not client.strip():
        raise ConfigError(path, "client", "is empty; name the client (e.g. the folder's name)")
    return client


def check_timezone(timezone: Any, path: Path | None) -> str:
    """``timezone`` as an IANA time zone name (client.yml's ``timezone``); a ConfigError when it is not one."""
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(path, "timezone", f"{timezone!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
    return str(timezone)


def _file_spec(entry: Any, index: int, path: Path) -> FileSpec:
    where = f"files[{index}]"
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict) or "path" not in entry:
        raise ConfigError(path, where, "must be a file name or a mapping with 'path'")
    unknown = set(entry) - _FILE_FIELDS
    if unknown:
        raise ConfigError(path, f"{where}.{sorted(unknown)[0]}", f"unknown field; allowed: {sorted(_FILE_FIELDS)}")
    fmt = entry.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise ConfigError(path, f"{where}.format", f"{fmt!r} is not a format; formats: {list(FORMATS)}")
    for key in ("columns", "constants", "options"):
        if entry.get(key) is not None and not isinstance(entry[key], dict):
            raise ConfigError(path, f"{where}.{key}", f"must be a mapping, got {type(entry[key]).__name__}")
    table = entry.get("table")
    if table is not None and table not in schema.TABLES:
        raise ConfigError(path, f"{where}.table", f"{table!r} is not a table; tables: {list(schema.TABLES)}")
    columns = entry.get("columns")
    if columns is not None:
        if table is None:
            raise ConfigError(path, f"{where}.table", "is required with 'columns'")
        unknown_cols = [c for c in columns if c not in schema.TABLES[table]]
        if unknown_cols:
            raise ConfigError(
                path, f"{where}.columns",
                f"{unknown_cols} are not columns of {table}; its columns: {list(schema.TABLES[table])}",
            )
    file = _inside(entry["path"], path, f"{where}.path")
    return FileSpec(
        path=file, format=fmt, table=table, columns=columns,
        constants=entry.get("constants"), options=dict(entry.get("options") or {}),
    )


def _labels_spec(entry: Any, path: Path) -> LabelsSpec | None:
    if entry is None:
        return None
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict) or "path" not in entry:
        raise ConfigError(path, "labels", "must be a file name or a mapping with 'path' (and optional 'columns')")
    unknown = set(entry) - _LABELS_FIELDS
    if unknown:
        raise ConfigError(path, f"labels.{sorted(unknown)[0]}", f"unknown field; allowed: {sorted(_LABELS_FIELDS)}")
    columns = entry.get("columns")
    if columns is not None:
        if not isinstance(columns, dict):
            raise ConfigError(path, "labels.columns", "must map post_id, category (and platform) to the file's headers")
        unknown_cols = [c for c in columns if c not in LABEL_COLUMNS]
        if unknown_cols:
            raise ConfigError(path, "labels.columns", f"{unknown_cols} are not label columns; allowed: {list(LABEL_COLUMNS)}")
    file = _inside(entry["path"], path, "labels.path")
    return LabelsSpec(path=file, columns=dict(columns) if columns else None)


def _branding(entry: Any, path: Path) -> Branding:
    if entry is None:
        return Branding()
    if not isinstance(entry, dict):
        raise ConfigError(path, "branding", f"must be a mapping with fields {sorted(_BRANDING_FIELDS)}")
    if "display_name" in entry:
        raise ConfigError(path, "branding.display_name", "is a top-level field: write display_name beside client")
    unknown = set(entry) - _BRANDING_FIELDS
    if unknown:
        raise ConfigError(path, f"branding.{sorted(unknown)[0]}", f"unknown field; allowed: {sorted(_BRANDING_FIELDS)}")
    if "primary_colour" in entry and "primary_color" in entry:
        raise ConfigError(path, "branding.primary_color", "give primary_colour or primary_color, not both")
    colour = entry.get("primary_colour", entry.get("primary_color", DEFAULT_PRIMARY_COLOUR))
    if colour is None:
        raise ConfigError(
            path, "branding.primary_colour",
            "is empty; quote a colour in YAML (an unquoted # starts a comment): primary_colour: \"#1f4e79\"",
        )
    if not isinstance(colour, str) or not HEX_COLOUR.fullmatch(colour.strip()):
        raise ConfigError(path, "branding.primary_colour", f"{colour!r} is not a CSS hex colour (#rgb or #rrggbb, e.g. \"#1f4e79\")")
    logo = entry.get("logo")
    if logo is not None:
        logo = _inside(logo, path, "branding.logo")
        kind = LOGO_TYPES.get(logo.suffix.lower())
        if kind is None:
            raise ConfigError(path, "branding.logo", f"{logo.name} is not a logo file; allowed: {', '.join(LOGO_TYPES)}")
        if not logo.is_file():
            raise ConfigError(path, "branding.logo", f"{entry['logo']!r}: no such file in {path.parent.resolve()}")
        with logo.open("rb") as handle:
            head = handle.read(4096)
        starts = kind[1]
        if (starts and not head.startswith(starts)) or (not starts and b"<svg" not in head.lower()):
            raise ConfigError(path, "branding.logo", f"{logo.name} is not a {logo.suffix.lower()[1:].upper()} file (its content says otherwise)")
    return Branding(logo=logo, primary_colour=colour.strip().lower())


def _data_folder(value: Any, path: Path) -> Path | None:
    if value is None:
        return None
    folder = _inside(value, path, "data")
    if not folder.is_dir():
        raise ConfigError(path, "data", f"{value!r}: no such folder in {path.parent.resolve()}")
    return folder


def _text(raw: dict, key: str, path: Path) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(path, key, f"must be text, got {type(value).__name__}")
    return str(value)


def read_labels(spec: LabelsSpec, posts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The user's labels from a labels CSV: ``platform, post_id, category`` (``str``), one row per post.

    Headers are matched case-insensitively (``Post ID`` is ``post_id``); blank
    categories are skipped. Labels of post ids that are not in ``posts`` (a labels
    file made for an earlier export is common) are dropped with one warning
    listing them; they are not an error.

    Raises
    ------
    ConfigError
        Naming the labels file: it is missing or unreadable, lacks a column,
        or names unknown categories (listed with the allowed ones) or platforms.
    """
    if not spec.path.is_file():
        raise ConfigError(spec.path, "labels", "no such file")
    try:
        raw = pd.read_csv(spec.path, dtype="str", keep_default_na=False, skipinitialspace=True)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ConfigError(spec.path, "labels", f"not a readable CSV: {err}") from None
    wanted = spec.columns or {name: name for name in LABEL_COLUMNS}
    by_header = {str(h).strip().lower().replace(" ", "_"): h for h in raw.columns}
    picked = {}
    for name, header in wanted.items():
        found = by_header.get(str(header).strip().lower().replace(" ", "_"))
        if found is not None:
            picked[name] = raw[found]
        elif name != "platform" or spec.columns:
            raise ConfigError(spec.path, str(header), f"column not found; the header has: {list(raw.columns)}")
    missing = [c for c in ("post_id", "category") if c not in picked]
    if missing:
        raise ConfigError(spec.path, missing[0], f"column not found; the header has: {list(raw.columns)}")
    try:
        labels = check_labels(pd.DataFrame(picked), source=str(spec.path))
    except ValueError as err:
        raise ConfigError(spec.path, "category", str(err).split(": ", 1)[1]) from None
    bad_platforms = sorted(set(labels["platform"].dropna()) - set(schema.PLATFORMS))
    if bad_platforms:
        raise ConfigError(spec.path, "platform", f"unknown platforms {bad_platforms}; allowed: {list(schema.PLATFORMS)}")
    if posts is not None:
        known = labels["post_id"].isin(posts["post_id"])
        with_platform = labels["platform"].notna()
        if with_platform.any():
            pairs = set(zip(posts["platform"], posts["post_id"]))
            known[with_platform] = [p in pairs for p in zip(labels.loc[with_platform, "platform"],
                                                            labels.loc[with_platform, "post_id"])]
        if not known.all():
            unknown = labels.loc[~known, "post_id"].tolist()
            shown = ", ".join(unknown[:20]) + (f", ... ({len(unknown)} in all)" if len(unknown) > 20 else "")
            warnings.warn(
                f"{spec.path}: {len(unknown)} labelled post ids are not among the client's posts and are "
                f"ignored: {shown}", UserWarning, stacklevel=3,
            )
            labels = labels.loc[known].reset_index(drop=True)
    return labels


def read_config(path: str | Path) -> ClientConfig:
    """Read and validate a client.yml (or the one in a client folder).

    Raises
    ------
    ConfigError
        Naming the file and the field at fault.
    """
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(path, "client.yml", "no such file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "yaml"
        raise ConfigError(path, where, f"not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise ConfigError(path, "client.yml", "must be a mapping of fields")
    unknown = set(raw) - _KNOWN_FIELDS
    if unknown:
        raise ConfigError(path, sorted(unknown)[0], f"unknown field; allowed: {sorted(_KNOWN_FIELDS)}")
    client = check_client_name(_require(raw, "client", path, str), path)
    timezone = check_timezone(raw.get("timezone", "UTC"), path)
    period = raw.get("period") or {}
    if not isinstance(period, dict):
        raise ConfigError(path, "period", "must be a mapping with start and end")
    unknown = set(period) - _PERIOD_FIELDS
    if unknown:
        raise ConfigError(path, f"period.{sorted(unknown)[0]}", f"unknown field; allowed: {sorted(_PERIOD_FIELDS)}")
    start, end = _date(period.get("start"), path, "period.start"), _date(period.get("end"), path, "period.end")
    if start is not None and end is not None and end < start:
        raise ConfigError(path, "period.end", "is before period.start")
    currency = _text(raw, "currency", path)
    if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise ConfigError(path, "currency", f"{currency!r} is not a three-letter currency code (ISO 4217, e.g. EUR)")
    goal = raw.get("goal") or {}
    if not isinstance(goal, dict):
        raise ConfigError(path, "goal", "must be a mapping (objective, kpis, ...; see engagekit.goal_template_yaml)")
    files = raw.get("files") or []
    if not isinstance(files, list):
        raise ConfigError(path, "files", "must be a list")
    return ClientConfig(
        path=path,
        client=client,
        display_name=_text(raw, "display_name", path) or client,
        timezone=timezone,
        currency=None if currency is None else currency.upper(),
        salt=_text(raw, "salt", path),
        period=(start, end),
        goal=dict(goal),
        files=tuple(_file_spec(entry, i, path) for i, entry in enumerate(files)),
        labels=_labels_spec(raw.get("labels"), path),
        branding=_branding(raw.get("branding"), path),
        data=_data_folder(raw.get("data"), path),
    )


@dataclass
class Dataset:
    """A client's data in the canonical tables, with the load report of every file."""

    config: ClientConfig
    posts: pd.DataFrame
    account_daily: pd.DataFrame
    traffic: pd.DataFrame
    outcomes: pd.DataFrame
    events: pd.DataFrame
    reports: list[LoadReport]
    #: The user's post categories (``platform, post_id, category``) from the file under ``labels:``
    #: in client.yml; empty when there is none. Pass it to ``classify_posts(..., labels=)``.
    labels: pd.DataFrame = field(default_factory=empty_labels)

    def table(self, name: str) -> pd.DataFrame:
        """The canonical table ``name``."""
        if name not in schema.TABLES:
            raise ValueError(f"unknown table {name!r}")
        return getattr(self, name)

    def load_summary(self) -> pd.DataFrame:
        """One row per file: format, table, rows read, loaded, merged, totals, dropped, and replaced by a later file."""
        return pd.DataFrame(
            {
                "file": [Path(r.file).name for r in self.reports],
                "format": [r.format for r in self.reports],
                "table": [r.table for r in self.reports],
                "rows_read": [r.rows_read for r in self.reports],
                "rows_loaded": [r.rows_loaded for r in self.reports],
                "rows_merged": [r.rows_merged for r in self.reports],
                "rows_totals": [r.rows_totals for r in self.reports],
                "rows_dropped": [r.n_dropped for r in self.reports],
                "rows_replaced": [r.replaced for r in self.reports],
                "drop_reasons": ["; ".join(f"{k}: {v}" for k, v in sorted(r.rows_dropped.items())) for r in self.reports],
                "first_day": pd.Series([r.covers[0] if r.covers else pd.NaT for r in self.reports], dtype="datetime64[us]"),
                "last_day": pd.Series([r.covers[1] if r.covers else pd.NaT for r in self.reports], dtype="datetime64[us]"),
            }
        )

    def in_period(self, start: pd.Timestamp | None, end: pd.Timestamp | None) -> Dataset:
        """The data of the local days ``start`` to ``end`` (inclusive; None: open): posts by their publish
        day, outcomes and events by the day they happened, daily tables by their date. The load reports
        (what each file gave) and the labels stay whole."""
        def keep(frame: pd.DataFrame, column: str) -> pd.DataFrame:
            return rows_in_period(frame, column, tz=self.config.timezone, start=start, end=end)

        return replace(self, posts=keep(self.posts, "published_at"), outcomes=keep(self.outcomes, "occurred_at"),
                       events=keep(self.events, "occurred_at"), traffic=keep(self.traffic, "date"),
                       account_daily=keep(self.account_daily, "date"))

    def coverage(self, table: str, *, start: pd.Timestamp | None = None,
                 end: pd.Timestamp | None = None) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """The local days the exports of ``table`` cover, as separate spans (first and last day,
        inclusive; overlapping or adjacent files joined), in order, cut to ``start``..``end`` where
        given. Empty without such files."""
        spans = sorted(r.covers for r in self.reports if r.table == table and r.covers is not None)
        joined: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        for first, last in spans:
            if joined and first <= joined[-1][1] + pd.Timedelta(days=1):
                joined[-1] = (joined[-1][0], max(joined[-1][1], last))
            else:
                joined.append((first, last))
        cut = [(max(a, start) if start is not None else a, min(b, end) if end is not None else b) for a, b in joined]
        return [(a, b) for a, b in cut if a <= b]


#: One row per key: a later file's row replaces an earlier one (an order's latest snapshot).
_REPLACE_KEYS = {
    "outcomes": ["outcome", "record_id"],
}
#: One row per key, merged column by column: a later file's reported values win, and the columns it
#: does not report (NA) keep an earlier file's values. A later snapshot of the same export reports
#: every column, so its values win; exports that complement each other (Facebook's post-level and
#: video-posts files, Meta's one chart export per metric) add up to one row. An export that names
#: no account (NA) is one account with the client's other unnamed exports.
_MERGE_KEYS = {
    "posts": ["platform", "post_id"],
    "account_daily": ["platform", "account", "date"],
}
#: Key columns that may be NA and still identify a row.
_MAY_BE_NA = {"account"}


def _default_config(folder: Path) -> ClientConfig:
    """The settings of a folder of exports without a client.yml: named after the folder, in UTC."""
    return ClientConfig(
        path=folder / CONFIG_NAME, client=folder.name, display_name=folder.name, timezone="UTC",
        currency=None, salt=None, period=(None, None), goal={}, files=(),
    )


def rows_in_period(frame: pd.DataFrame, column: str, *, tz: str, start: pd.Timestamp | None,
                   end: pd.Timestamp | None) -> pd.DataFrame:
    """The rows of ``frame`` whose local day (of its time ``column``, read in ``tz``) is in ``start``..``end``
    (inclusive; None: open); a row without a day is left out."""
    days = local_day(frame[column], tz)
    mask = days.notna()
    if start is not None:
        mask &= days >= start
    if end is not None:
        mask &= days <= end
    return frame.loc[mask.fillna(False).astype(bool)]


def load_client(path: str | Path) -> Dataset:
    """Load a client folder (or its client.yml) into a :class:`Dataset`.

    A folder without a client.yml (an analyst's folder of exports) is read
    with every file's format detected, local times read as UTC and the default
    salt; a client.yml sets the time zone, the salt and the files' options.

    Files named in client.yml are read with their options; every other file
    in the data folder (``data:`` in client.yml, or the client's folder; not
    client.yml, truth.yml, goal.yml, README.md, hidden files, the labels file
    nor the logo) is read with format detection. Nothing outside the client's
    folder is read: a file there that is a symbolic link pointing out of it is
    refused with a :class:`ConfigError`. The labels file named under ``labels:``
    (the user's post categories, see :func:`read_labels`) becomes
    ``Dataset.labels``. A file listed twice (e.g. a LinkedIn workbook, once per sheet:
    ``linkedin_posts`` and ``linkedin_metrics``) is read once per entry. The same post or order in two overlapping exports is kept once
    (the later file wins); the same account day is merged column by column
    (the later file's reported values win). Each row that gave way is counted
    in its file's report (``replaced``).
    """
    config = client_config(path)
    return assemble(config, [read_file(spec, config) for spec in client_files(config)])


def client_config(path: str | Path) -> ClientConfig:
    """The settings of a client folder or its client.yml: :func:`read_config`, or for a folder of
    exports without a client.yml, the defaults (named after the folder, in UTC)."""
    path = Path(path)
    return _default_config(path) if path.is_dir() and not (path / CONFIG_NAME).exists() else read_config(path)


def client_files(config: ClientConfig) -> list[FileSpec]:
    """The client's export files to read, in name order: those named in client.yml with their options,
    and every other file of the data folder (to detect).

    Raises
    ------
    ConfigError
        A file named in client.yml (or the labels file) does not exist, or a file of the data folder
        links outside the client's folder.
    """
    specs = list(config.files)
    for spec in specs:
        if not spec.path.is_file():
            raise ConfigError(config.path, "files", f"{spec.path.name} does not exist in {config.folder}")
    named = {spec.path for spec in specs}
    if config.labels is not None:
        if not config.labels.path.is_file():
            raise ConfigError(config.path, "labels", f"{config.labels.path.name} does not exist in {config.folder}")
        named.add(config.labels.path)  # not an export to detect; read as labels below
    if config.branding.logo is not None:
        named.add(config.branding.logo)  # an image for the report, not an export
    specs += [FileSpec(path=file) for file in _data_files(config) if file not in named]
    return sorted(specs, key=lambda s: s.path.name)


def read_file(spec: FileSpec, config: ClientConfig) -> LoadResult:
    """Read one of the client's files with its options and the client's time zone and salt."""
    return read_export(
        spec.path, format=spec.format, tz=config.timezone, salt=config.salt,
        columns=spec.columns, constants=spec.constants, table=spec.table, **spec.options,
    )


def assemble(config: ClientConfig, results: list[LoadResult]) -> Dataset:
    """The client's :class:`Dataset` from its files' load results (in name order)."""
    frames: dict[str, list[tuple[LoadReport, pd.DataFrame]]] = {name: [] for name in schema.TABLES}
    for result in results:
        frames[result.table].append((result.report, result.frame))
    tables = {name: _combine(name, parts) for name, parts in frames.items()}
    labels = read_labels(config.labels, tables["posts"]) if config.labels is not None else empty_labels()
    return Dataset(config=config, reports=[r.report for r in results], labels=labels, **tables)


def _data_files(config: ClientConfig) -> list[Path]:
    """The files of the data folder to read as exports, resolved (not client.yml and the like, nor hidden files).

    Raises
    ------
    ConfigError
        A file is a symbolic link that points outside the client's folder:
        nothing outside it is read on the client's behalf.
    """
    root = config.folder.resolve()
    files = []
    for file in sorted(config.data_folder.iterdir()):
        if not file.is_file() or file.name in NOT_DATA or file.name.startswith("."):
            continue
        resolved = file.resolve()
        if not resolved.is_relative_to(root):
            raise ConfigError(
                config.path if config.path.is_file() else config.folder, "data",
                f"{file.name} links to {resolved}, outside the client's folder {root}; "
                "copy the file into the folder or remove the link",
            )
        files.append(resolved)
    return files


def _combine(table: str, parts: list[tuple[LoadReport, pd.DataFrame]]) -> pd.DataFrame:
    """One table from every file's frame; a row whose key is in a later file gives way to it.

    Files are read in name order, which for dated export names is the order of
    their periods: the later copy is the latest snapshot. Orders are replaced
    whole; posts and account days are merged column by column (the later
    file's reported values win, NA leaves an earlier value in place). Each row
    that gave way is counted in ``replaced`` of the report of the file it came from.
    """
    if not parts:
        return schema.empty_frame(table)
    if len(parts) == 1:
        return parts[0][1]
    frame = pd.concat([f for _, f in parts], ignore_index=True)
    keys = _REPLACE_KEYS.get(table) or _MERGE_KEYS.get(table)
    if not keys:
        return frame
    source = np.repeat(np.arange(len(parts)), [len(f) for _, f in parts])
    complete = frame[[k for k in keys if k not in _MAY_BE_NA]].notna().all(axis=1).to_numpy()
    dup = frame.duplicated(keys, keep="last").to_numpy() & complete
    if not dup.any():
        return frame
    how = "kept" if table in _REPLACE_KEYS else "merged in, the later file's values winning where it reports them"
    for index, count in zip(*np.unique(source[dup], return_counts=True)):
        report = parts[index][0]
        report.replaced += int(count)
        report.warn(f"{count} {table} rows also appear in a later file; the later file's values are {how}")
    if table in _REPLACE_KEYS:
        return frame.loc[~dup].reset_index(drop=True)
    merged = frame.loc[complete].groupby(keys, sort=False, dropna=False).last().reset_index()
    return schema.conform(pd.concat([merged, frame.loc[~complete]], ignore_index=True), table)
