"""Google Analytics 4 BigQuery export, event level.

``ga4_bigquery_events``: the rows of the GA4 BigQuery export tables
``events_YYYYMMDD`` / ``events_intraday_YYYYMMDD`` (one row per event) as
BigQuery writes them with ``bq extract`` or ``EXPORT DATA``:

- newline-delimited JSON (``.json``, ``.jsonl``, ``.ndjson``), optionally
  gzip-compressed (``.gz``). BigQuery writes INT64 values as JSON strings
  (``"event_timestamp":"1709280000123456"``); bare numbers are read too, even
  mixed within a file. Blank lines are skipped.
- parquet. Only the needed leaves of the nested columns are read.

The file is read column-wise in blocks (Arrow's JSON and parquet readers),
never a Python loop per event, so exports of tens of millions of events load
in bounded memory (the input's other fields are never materialised).

Detection: JSON whose first line is an object with ``event_timestamp``,
``event_name`` and ``user_pseudo_id``; a gzip file (magic ``1f 8b``) whose name
ends in ``.json.gz``, ``.jsonl.gz`` or ``.ndjson.gz``; a parquet file (magic
``PAR1``). A format sniffer sees only the file's first bytes and its name, so a
gzip or parquet file cannot be opened there: its columns are checked when it is
read, and a file without ``event_timestamp``/``event_name`` raises
:class:`~engagekit.core.errors.MissingColumnError` listing the columns it has. A
JSON array (``[{...}, ...]``) or pretty-printed JSON raises
:class:`~engagekit.core.errors.ExportError` asking for newline-delimited JSON.

Mapping to ``events``:

- ``occurred_at`` <- ``event_timestamp`` (microseconds since 1970-01-01 UTC).
- ``event`` <- ``event_name``.
- ``user_key`` <- salted SHA-256 of ``user_pseudo_id`` (the browser/app
  instance id GA4 sessions are defined on), exactly the digest of
  :func:`engagekit.core.privacy.hash_identifiers` with the ``salt`` option and
  ``kind="opaque"``: the id is only trimmed, never reduced to its digits or
  lower-cased (``1187654321.1709251200`` is hashed as written, dot included).
  ``user_id`` is never read, unless the option ``user_key="user_id"`` is
  given: then the key is the salted hash of ``user_id`` (also as an opaque id)
  where the event has one, else of ``user_pseudo_id`` (a logged-in user then
  keeps one key across devices, but the events of one session before and after
  the login get different keys). NA where the event has no ``user_pseudo_id``
  (consent mode without analytics storage).
- ``session_key`` <- salted SHA-256 (opaque, as above) of ``user_pseudo_id +
  "." + ga_session_id`` (``event_params`` key ``ga_session_id``,
  ``value.int_value``), the session id GA4 documents; NA where either is
  missing.
- ``source``, ``medium``, ``campaign``, ``content`` <- the event-level UTMs
  ``collected_traffic_source.manual_source`` / ``manual_medium`` /
  ``manual_campaign_name`` / ``manual_content``. On an event without any of
  these four (GA4 collects them only on the events that carried the tags,
  usually the session's first page view), the four come together from the
  session's last-click campaign
  ``session_traffic_source_last_click.manual_campaign.source`` / ``medium`` /
  ``campaign_name`` / ``content`` (in exports since July 2024); the option
  ``session_source=False`` keeps the event-level UTMs only. The tags of one
  row always come from one of the two, never a mix. ``traffic_source`` is the
  user's FIRST acquisition, not the event's source: it is not read. Values
  such as ``(direct)``, ``(none)``, ``(not set)``, ``(data deleted)`` are kept
  as written.
- ``value`` <- ``ecommerce.purchase_revenue`` (the property's currency) where
  present, else ``event_value_in_usd`` (US dollars); the ``events`` table has no
  currency column, so compare values of one kind of event only.

NA and zero: a field that is absent or ``null`` is NA (not reported): a
``value`` of ``0`` is a reported zero. No other token is read as NA.

Dropped rows (``line`` is the line in the JSON file, counting blank lines; for
parquet, the 1-based row number): a line that is not valid JSON or not a JSON
object (``malformed JSON line``), a field of the wrong JSON type
(``unexpected JSON value type``, with the field), an event without
``event_timestamp`` or ``event_name`` (``missing event_timestamp`` /
``missing event_name``), and an ``event_timestamp`` that is not a whole number
(``not a timestamp``).

Events are not de-duplicated: load either the daily table of a day or its
intraday table, not both.

No raw identifier (``user_pseudo_id``, ``user_id``), geo, device, app or item
field enters the table.

Options (``read_export(path, **options)``): ``salt`` (the hashing salt),
``user_key`` (``"user_pseudo_id"`` or ``"user_id"``, see above) and
``session_source`` (bool, default True).
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson
import pyarrow.parquet as pq

from engagekit.core._arrow import to_str_series
from engagekit.core.errors import ExportError, MissingColumnError
from engagekit.core.privacy import salted_sha256
from ._base import ExportFormat, LoadOptions, LoadReport, register

__all__ = ["GA4_BIGQUERY_EVENTS", "salted_sha256"]

FORMAT = "ga4_bigquery_events"

_REQUIRED = ("event_timestamp", "event_name")
_SNIFF_KEYS = ("event_timestamp", "event_name", "user_pseudo_id")
_JSON_NAME = re.compile(r"\.(json|jsonl|ndjson)(\.gz)?$", re.IGNORECASE)
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK_BYTES = 32 << 20

#: The canonical column -> the export field(s) it is read from (for ``report.columns``).
_MAPPING = {
    "occurred_at": "event_timestamp",
    "event": "event_name",
    "user_key": "user_pseudo_id",
    "session_key": "user_pseudo_id + event_params[ga_session_id].int_value",
    "source": "collected_traffic_source.manual_source, else session_traffic_source_last_click.manual_campaign.source",
    "medium": "collected_traffic_source.manual_medium, else session_traffic_source_last_click.manual_campaign.medium",
    "campaign": "collected_traffic_source.manual_campaign_name, else session_traffic_source_last_click.manual_campaign.campaign_name",
    "content": "collected_traffic_source.manual_content, else session_traffic_source_last_click.manual_campaign.content",
    "value": "ecommerce.purchase_revenue, else event_value_in_usd",
}
_EVENT_UTM = ("manual_source", "manual_medium", "manual_campaign_name", "manual_content")
_SESSION_UTM = ("source", "medium", "campaign_name", "content")
_TAGS = ("source", "medium", "campaign", "content")


# --------------------------------------------------------------------------- detection


def _first_line(head: str) -> str:
    return head.lstrip("\ufeff \t\r\n").split("\n", 1)[0].strip()


def _json_keys(line: str) -> set[str] | None:
    """Top-level keys of the JSON object on ``line``; None when it is not one (or is cut off)."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return set(value) if isinstance(value, dict) else None


def _sniff(head: str, name: str) -> bool:
    if head.startswith("PAR1"):
        return True
    if head.startswith("\x1f\ufffd"):  # gzip: 1f 8b, 8b decoded as a replacement character
        return bool(_JSON_NAME.search(name)) and name.lower().endswith(".gz")
    line = _first_line(head)
    if line.startswith("["):
        line = line[1:].lstrip()
    if not line.startswith("{"):
        return False
    keys = _json_keys(line.rstrip(","))
    if keys is None:  # a first line longer than the head: look for the keys in what there is
        return all(f'"{key}"' in line for key in _SNIFF_KEYS)
    return set(_SNIFF_KEYS) <= keys


# --------------------------------------------------------------------------- JSON schema


def _json_schema(integers: pa.DataType) -> pa.Schema:
    """The fields the loader reads; ``integers`` is the type of the INT64 fields (string or int64)."""
    string = pa.string()
    return pa.schema(
        [
            ("event_timestamp", integers),
            ("event_name", string),
            ("user_pseudo_id", string),
            ("user_id", string),
            ("event_value_in_usd", pa.float64()),
            (
                "event_params",
                pa.list_(pa.struct([("key", string), ("value", pa.struct([("int_value", integers)]))])),
            ),
            ("collected_traffic_source", pa.struct([(f, string) for f in _EVENT_UTM])),
            (
                "session_traffic_source_last_click",
                pa.struct([("manual_campaign", pa.struct([(f, string) for f in _SESSION_UTM]))]),
            ),
            ("ecommerce", pa.struct([("purchase_revenue", pa.float64())])),
        ]
    )


#: Ways to read a block: INT64 fields as JSON strings (as BigQuery writes them), as numbers, or
#: as numbers after unquoting (a file that mixes both).
_QUOTED_INT = re.compile(rb'("(?:event_timestamp|int_value)"\s*:\s*)"(-?\d+)"')
_READS = (
    ("strings", _json_schema(pa.string()), False),
    ("numbers", _json_schema(pa.int64()), False),
    ("mixed", _json_schema(pa.int64()), True),
)


# --------------------------------------------------------------------------- slim rows


@dataclass
class _Slim:
    """The fields the loader needs, one Arrow column each, for the rows of one block."""

    columns: dict[str, pa.Array]

    @property
    def n(self) -> int:
        return len(self.columns["line"])


def _child(values: pa.Array | None, *path: str) -> pa.Array | None:
    """The nested struct field at ``path`` (nulls where a parent is null); None if absent."""
    for name in path:
        if values is None or not pa.types.is_struct(values.type) or values.type.get_field_index(name) < 0:
            return None
        values = pc.struct_field(values, name)
    return values


def _column(table: pa.Table, name: str) -> pa.Array | None:
    if name not in table.column_names:
        return None
    column = table.column(name)
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _as(values: pa.Array | None, type_: pa.DataType, n: int) -> pa.Array:
    if values is None:
        return pa.nulls(n, type_)
    return values if values.type == type_ else pc.cast(values, type_)


def _session_ids(params: pa.Array | None, n: int) -> pa.Array:
    """``event_params`` value ``int_value`` of key ``ga_session_id``, as text, per row (null where none)."""
    if params is None or not pa.types.is_list(params.type) and not pa.types.is_large_list(params.type):
        return pa.nulls(n, pa.string())
    flat = params.flatten()
    keys, ints = _child(flat, "key"), _child(flat, "value", "int_value")
    if keys is None or ints is None:
        return pa.nulls(n, pa.string())
    found = pc.fill_null(pc.equal(keys, "ga_session_id"), False)
    rows = pc.list_parent_indices(params).filter(found).to_numpy()
    ids = _as(ints.filter(found), pa.string(), len(rows))
    where = np.full(n, -1, dtype=np.int64)
    where[rows] = np.arange(len(rows))
    return pc.take(ids, pa.array(where, mask=where < 0))


def _tags(table: pa.Table, n: int, session_source: bool) -> dict[str, pa.Array]:
    """source, medium, campaign, content: the event's UTMs, else (as a group) the session's last click."""
    event = [_as(_child(_column(table, "collected_traffic_source"), f), pa.string(), n) for f in _EVENT_UTM]
    if not session_source:
        return dict(zip(_TAGS, event))
    last_click = _child(_column(table, "session_traffic_source_last_click"), "manual_campaign")
    session = [_as(_child(last_click, f), pa.string(), n) for f in _SESSION_UTM]
    has_event = pc.or_(pc.or_(pc.is_valid(event[0]), pc.is_valid(event[1])), pc.or_(pc.is_valid(event[2]), pc.is_valid(event[3])))
    return {tag: pc.if_else(has_event, e, s) for tag, e, s in zip(_TAGS, event, session)}


def _micros(stamps: pa.Array | None) -> pa.Array | None:
    """A timestamp-typed ``event_timestamp`` (a re-typed parquet copy) as microseconds since 1970."""
    if stamps is not None and pa.types.is_timestamp(stamps.type):
        return pc.cast(pc.cast(stamps, pa.timestamp("us", stamps.type.tz)), pa.int64())
    return stamps


def _slim(table: pa.Table, lines: np.ndarray, options: LoadOptions) -> _Slim:
    """The columns the loader needs from a block of the export (any of the read variants)."""
    n = table.num_rows
    revenue = _as(_child(_column(table, "ecommerce"), "purchase_revenue"), pa.float64(), n)
    in_usd = _as(_column(table, "event_value_in_usd"), pa.float64(), n)
    columns = {
        "line": pa.array(lines, pa.int64()),
        "timestamp": _as(_micros(_column(table, "event_timestamp")), pa.string(), n),
        "event": _as(_column(table, "event_name"), pa.string(), n),
        "pseudo_id": _as(_column(table, "user_pseudo_id"), pa.string(), n),
        "session_id": _session_ids(_column(table, "event_params"), n),
        "value": pc.coalesce(revenue, in_usd),
        **_tags(table, n, options.extra.get("session_source", True)),
    }
    if options.extra.get("user_key", "user_pseudo_id") == "user_id":
        columns["user_id"] = _as(_column(table, "user_id"), pa.string(), n)
    return _Slim(columns)


# --------------------------------------------------------------------------- reading JSON


def _open(path: Path, gzipped: bool):
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _blocks(path: Path, gzipped: bool) -> Iterator[tuple[int, memoryview, int]]:
    """The file as blocks of whole lines: (line number of the first line, bytes, number of line breaks).

    Blocks are views of what was read (no copy), except the line that
    straddles two reads, which comes as a small block of its own.
    """
    line, rest = 1, b""
    with _open(path, gzipped) as fh:
        while True:
            try:
                chunk = fh.read(_CHUNK_BYTES)
            except (OSError, EOFError, zlib.error) as err:
                raise ExportError(
                    path, f"the gzip file is corrupt or cut short after line {line} ({err}); export it again",
                ) from None
            if not chunk:
                break
            if line == 1 and not rest and chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
            first = chunk.find(b"\n") + 1
            if first == 0:  # no line break in this read: part of a long line
                rest += chunk
                continue
            if rest:
                yield line, memoryview(rest + chunk[:first]), 1
                line, rest = line + 1, b""
            else:
                first = 0
            cut = chunk.rfind(b"\n") + 1
            if cut > first:
                breaks = chunk.count(b"\n", first, cut)
                yield line, memoryview(chunk)[first:cut], breaks
                line += breaks
            rest = chunk[cut:]
    if rest.strip():
        yield line, memoryview(rest), 0


def _nonblank_lines(data: bytes, first_line: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Line numbers, start and end offsets of the lines of ``data`` that hold more than whitespace."""
    raw = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(raw == 10)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(raw)]))
    filled = ~np.isin(raw, np.frombuffer(b" \t\r\n", dtype=np.uint8))
    count = np.concatenate(([0], np.cumsum(filled)))
    keep = count[ends] - count[starts] > 0
    return first_line + np.flatnonzero(keep), starts[keep], ends[keep]


class _JsonReader:
    """Reads NDJSON blocks with Arrow, isolating the lines Arrow cannot read."""

    def __init__(self, path: Path, report: LoadReport, options: LoadOptions) -> None:
        self.path, self.report, self.options = path, report, options
        self.order = list(_READS)

    def _arrow(self, data: bytes | memoryview) -> pa.Table | None:
        """``data`` read by the first read variant that accepts it (None if none does)."""
        for i, (_, schema, unquote) in enumerate(self.order):
            try:
                table = pajson.read_json(
                    pa.BufferReader(_QUOTED_INT.sub(rb"\1\2", bytes(data)) if unquote else pa.py_buffer(data)),
                    parse_options=pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
                )
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                continue
            if i:  # the next block most likely reads the same way
                self.order.insert(0, self.order.pop(i))
            return table
        return None

    def block(self, first_line: int, data: memoryview, breaks: int) -> list[_Slim]:
        """The rows of one block, every unreadable line dropped with its reason."""
        table = self._arrow(data)
        newlines = breaks + (0 if data[-1:] == b"\n" else 1)
        if table is not None and table.num_rows == newlines:
            return [_slim(table, np.arange(first_line, first_line + newlines), self.options)]
        lines, starts, ends = _nonblank_lines(data, first_line)
        if table is not None and table.num_rows == len(lines):
            return [_slim(table, lines, self.options)]
        pieces = [data[s:e].tobytes() for s, e in zip(starts.tolist(), ends.tolist())]
        return self._bisect(lines, pieces)

    def _bisect(self, lines: np.ndarray, pieces: list[bytes]) -> list[_Slim]:
        table = self._arrow(b"\n".join(pieces))
        if table is not None and table.num_rows == len(pieces):
            return [_slim(table, lines, self.options)]
        if len(pieces) == 1:
            self._drop_line(int(lines[0]), pieces[0])
            return []
        mid = len(pieces) // 2
        return self._bisect(lines[:mid], pieces[:mid]) + self._bisect(lines[mid:], pieces[mid:])

    def _drop_line(self, line: int, text: bytes) -> None:
        """Drop one line Arrow could not read, with the reason JSON gives."""
        try:
            value = json.loads(text)
        except UnicodeDecodeError:
            self.report.drop(line, "malformed JSON line", value="not valid UTF-8")
            return
        except ValueError as err:
            self.report.drop(line, "malformed JSON line", value=str(err))
            return
        if not isinstance(value, dict):
            self.report.drop(line, "malformed JSON line", value=f"a JSON {type(value).__name__}, not an object")
            return
        column, found = _wrong_type(value)
        self.report.drop(line, "unexpected JSON value type", column=column, value=found)


def _wrong_type(event: dict) -> tuple[str | None, str | None]:
    """The first field of ``event`` whose JSON type the loader cannot read, and what it holds."""
    checks = {
        "event_timestamp": (str, int), "event_name": (str,), "user_pseudo_id": (str,), "user_id": (str,),
        "event_value_in_usd": (int, float), "event_params": (list,), "collected_traffic_source": (dict,),
        "session_traffic_source_last_click": (dict,), "ecommerce": (dict,),
    }
    for name, types in checks.items():
        value = event.get(name)
        if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
            return name, json.dumps(value)[:80]
    return None, None


def _check_json_start(path: Path, gzipped: bool) -> None:
    """Raise a user-facing error unless the file is newline-delimited JSON with the required fields.

    The first of the first 20 lines that is a JSON object is checked (a
    malformed first line is dropped later, like any other).
    """
    with _open(path, gzipped) as fh:
        try:
            head = fh.read(1 << 20)
        except (OSError, EOFError, zlib.error) as err:
            raise ExportError(path, f"the gzip file is corrupt ({err}); export it again") from None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        raise ExportError(path, "the file is empty: no events to load")
    if text.lstrip().startswith("["):
        raise ExportError(
            path, "is a JSON array; export the events as newline-delimited JSON "
            "(bq extract --destination_format NEWLINE_DELIMITED_JSON, or EXPORT DATA with format JSON)",
        )
    lines = text.split("\n")
    complete = lines if len(head) < (1 << 20) else lines[:-1]
    if not complete:
        return  # a first line longer than 1 MiB: nothing to check up front
    for number, line in enumerate(complete[:20], start=1):
        keys = _json_keys(line.strip())
        if keys is not None:
            missing = [key for key in _REQUIRED if key not in keys]
            if missing:
                raise MissingColumnError(path, missing=missing, present=sorted(keys), format=FORMAT, line=number)
            return
    raise ExportError(
        path, "no JSON object on a line of its own: the export must be newline-delimited JSON "
        "(one event per line, as bq extract writes it)", line=1,
    )


def _read_json(path: Path, report: LoadReport, options: LoadOptions, *, gzipped: bool) -> list[_Slim]:
    _check_json_start(path, gzipped)
    reader = _JsonReader(path, report, options)
    slims: list[_Slim] = []
    read = 0
    for first_line, data, breaks in _blocks(path, gzipped):
        before = report.n_dropped
        block = reader.block(first_line, data, breaks)
        read += sum(s.n for s in block) + report.n_dropped - before
        slims.extend(block)
    report.rows_read = read
    return slims


# --------------------------------------------------------------------------- reading parquet


def _parquet_leaves(schema: pq.ParquetSchema, options: LoadOptions) -> list[str]:
    """The parquet leaf paths the loader reads (the rest of each nested column is skipped)."""
    wanted = {
        "event_timestamp": None, "event_name": None, "user_pseudo_id": None, "event_value_in_usd": None,
        "event_params": {"key", "int_value"},
        "collected_traffic_source": set(_EVENT_UTM),
        "session_traffic_source_last_click": set(),  # manual_campaign.<tag>, picked below
        "ecommerce": {"purchase_revenue"},
    }
    if options.extra.get("user_key", "user_pseudo_id") == "user_id":
        wanted["user_id"] = None
    leaves = []
    for i in range(len(schema)):
        path = schema.column(i).path
        parts = path.split(".")
        if parts[0] not in wanted:
            continue
        inner = wanted[parts[0]]
        if parts[0] == "session_traffic_source_last_click":
            if len(parts) == 3 and parts[1] == "manual_campaign" and parts[2] in _SESSION_UTM:
                leaves.append(path)
        elif inner is None or parts[-1] in inner:
            leaves.append(path)
    return leaves


def _read_parquet(path: Path, report: LoadReport, options: LoadOptions) -> list[_Slim]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise ExportError(path, f"is not a readable parquet file ({err})") from None
    names = parquet.schema_arrow.names
    missing = [key for key in _REQUIRED if key not in names]
    if missing:
        raise MissingColumnError(path, missing=missing, present=names, format=FORMAT)
    leaves = _parquet_leaves(parquet.schema, options)
    slims, first = [], 1
    for group in range(parquet.num_row_groups):
        try:
            table = parquet.read_row_group(group, columns=leaves)
        except (pa.ArrowInvalid, OSError) as err:
            raise ExportError(
                path, f"row group {group + 1} (from row {first}) is damaged ({err}); export the table again",
                line=first,
            ) from None
        slims.append(_slim(table, np.arange(first, first + table.num_rows), options))
        first += table.num_rows
    report.rows_read = first - 1
    return slims


# --------------------------------------------------------------------------- frame


def _drop(report: LoadReport, lines: np.ndarray, reason: str, column: str, values: pa.Array | None = None) -> None:
    texts = values.to_pylist() if values is not None else [None] * len(lines)
    for line, text in zip(lines.tolist(), texts):
        report.drop(line, reason, column=column, value=text)


def _valid_rows(rows: pa.Table, report: LoadReport) -> tuple[pa.Table, np.ndarray]:
    """The rows with an event name and a whole-number timestamp, and their timestamps (µs); drops the rest."""
    lines = rows.column("line").to_numpy()
    stamp = pc.utf8_trim_whitespace(rows.column("timestamp"))
    event = rows.column("event")
    no_stamp = pc.fill_null(pc.equal(stamp, ""), True).to_numpy(zero_copy_only=False)
    no_event = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(event), ""), True).to_numpy(zero_copy_only=False)
    whole = pc.fill_null(pc.match_substring_regex(stamp, r"^-?[0-9]{1,18}$"), False).to_numpy(zero_copy_only=False)
    bad_stamp = ~no_stamp & ~whole
    _drop(report, lines[no_stamp], "missing event_timestamp", "event_timestamp")
    _drop(report, lines[bad_stamp], "not a timestamp (microseconds since 1970 UTC)", "event_timestamp",
          stamp.filter(pa.array(bad_stamp)).combine_chunks())
    _drop(report, lines[no_event & whole], "missing event_name", "event_name")
    keep = whole & ~no_event
    kept = rows.filter(pa.array(keep))
    micros = pc.cast(pc.utf8_trim_whitespace(kept.column("timestamp")), pa.int64()).to_numpy()
    return kept, micros


def _order_dropped(report: LoadReport) -> None:
    report.dropped.sort(key=lambda d: d.line)


def _frame(slims: list[_Slim], report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    batches = [pa.RecordBatch.from_pydict(s.columns) for s in slims if s.n]
    if not batches:
        _order_dropped(report)
        return pd.DataFrame()
    rows, micros = _valid_rows(pa.Table.from_batches(batches), report)
    _order_dropped(report)
    if len(micros) and np.median(micros) < 10**15:  # before 2001-09-09 in microseconds
        report.warn("event_timestamp values look too small for microseconds since 1970: check the export")
    pseudo = rows.column("pseudo_id")
    session = pc.binary_join_element_wise(pseudo, rows.column("session_id"), ".")
    identity = pseudo
    if "user_id" in rows.column_names:
        identity = pc.coalesce(rows.column("user_id"), pseudo)
    return pd.DataFrame(
        {
            "occurred_at": pd.Series(micros.astype("datetime64[us]")).dt.tz_localize("UTC"),
            "user_key": to_str_series(salted_sha256(identity, options.salt, kind="opaque")),
            "session_key": to_str_series(salted_sha256(session, options.salt, kind="opaque")),
            "event": to_str_series(rows.column("event")),
            **{tag: to_str_series(rows.column(tag)) for tag in _TAGS},
            "value": pd.Series(rows.column("value").to_pandas(types_mapper={pa.float64(): pd.Float64Dtype()}.get)),
        }
    )


_YES, _NO = ("true", "yes", "1"), ("false", "no", "0")


def _session_source(path: Path, options: LoadOptions) -> bool:
    """The ``session_source`` option as a bool (``engagekit inspect --option`` gives it as text)."""
    value = options.extra.get("session_source", True)
    if isinstance(value, str) and value.strip().lower() in _YES + _NO:
        return value.strip().lower() in _YES
    if isinstance(value, (bool, int)):
        return bool(value)
    raise ExportError(path, f"session_source= must be true or false, not {value!r}")


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    user_key = options.extra.get("user_key", "user_pseudo_id")
    if user_key not in ("user_pseudo_id", "user_id"):
        raise ExportError(path, f"option user_key must be 'user_pseudo_id' or 'user_id', not {user_key!r}")
    options = replace(options, extra={**options.extra, "session_source": _session_source(path, options)})
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1":
        slims = _read_parquet(path, report, options)
    else:
        slims = _read_json(path, report, options, gzipped=magic[:2] == _GZIP_MAGIC)
    report.columns.update(_MAPPING)
    if user_key == "user_id":
        report.columns["user_key"] = "user_id, else user_pseudo_id"
    if not options.extra["session_source"]:
        for tag, name in zip(_TAGS, _EVENT_UTM):
            report.columns[tag] = f"collected_traffic_source.{name}"
    return _frame(slims, report, options)


GA4_BIGQUERY_EVENTS = register(
    ExportFormat(
        name=FORMAT,
        table="events",
        title="Google Analytics 4 BigQuery export, event level (events_YYYYMMDD as NDJSON, .json.gz or parquet)",
        sniff=_sniff,
        parse=_parse,
        example='{"event_date":"20240301","event_timestamp":"1709280000123456","event_name":"page_view",'
        '"event_params":[{"key":"ga_session_id","value":{"int_value":"1709280000"}}],'
        '"user_pseudo_id":"1234567890.1709280000","collected_traffic_source":{"manual_source":"facebook",...},...}',
    )
)
