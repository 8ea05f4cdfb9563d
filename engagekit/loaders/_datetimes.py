"""Timestamps and durations as exports write them, with a fast path for fixed-width formats."""

from __future__ import annotations

import array
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["parse_duration"]


_DURATION = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$")


def parse_duration(value: object) -> float | None:
    """Seconds in ``H:MM:SS``, ``MM:SS`` (``1:02:03.5`` too) or a plain number of seconds; None if neither."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _DURATION.match(text)
    if match:
        hours, minutes, secs = match.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number >= 0 and number == number and number != float("inf") else None


def _parse_datetimes(cells: pa.ChunkedArray, raw: pd.Series, *, format: str | None, dayfirst: bool) -> pd.Series:
    """Parse with Arrow's strptime where the format allows, and with pandas where Arrow cannot be trusted.

    Arrow's strptime rolls an impossible day over (``2025-02-30`` becomes 2 March): a cell Arrow
    parsed is taken only where writing the result back in ``format`` gives the cell again (for a
    cell with an offset, written back in that offset); the others (an impossible day, or a number
    written without its leading zero) are parsed by pandas, which refuses impossible days.
    """
    if format is None:
        return pd.to_datetime(raw, errors="coerce", dayfirst=dayfirst, format="mixed")
    layout = _fixed_layout(format)
    if layout is not None and (direct := _parse_fixed(cells, layout)) is not None:
        return pd.Series(direct.to_pandas())
    arrow = None
    if not any(code in format for code in ("%b", "%a", "%B", "%A", "%p", "%I", "%f", "%j")):
        try:
            arrow = pc.strptime(cells, format=format, unit="us", error_is_null=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            arrow = None
    if arrow is None:
        return _pandas_datetimes(raw, format)
    valid = pc.is_valid(cells)
    if pc.sum(pc.and_(pc.is_null(arrow), valid)).as_py() not in (0, None):
        return _pandas_datetimes(raw, format)
    if layout is not None:
        suspect = _np_bool(valid) & ~_written_as_parsed(cells, arrow, layout)
    else:
        written = pc.strftime(pc.cast(arrow, pa.timestamp("s", arrow.type.tz)), format=format)
        suspect = _np_bool(pc.invert(pc.fill_null(pc.equal(written, cells), True)))
    parsed = pd.Series(arrow.to_pandas())
    if suspect.any():
        parsed = parsed.copy(deep=True)  # Arrow's buffer is read-only
        # .array, not .to_numpy(): a numpy array of NaT only would be taken as naive times
        parsed[suspect] = _pandas_datetimes(raw[suspect], format).astype(parsed.dtype).array
    return parsed


#: strptime codes of a fixed width (in characters) that :func:`_written_as_parsed` can write back.
_FIXED_WIDTH = {"%Y": 4, "%m": 2, "%d": 2, "%H": 2, "%M": 2, "%S": 2, "%z": 5}


@dataclass(frozen=True)
class _Layout:
    """A date format whose every cell written canonically has one width: the position of each field
    (code -> character position) and of each literal character."""

    width: int
    fields: dict[str, int]
    literals: dict[int, int]


def _fixed_layout(format: str) -> _Layout | None:
    """The :class:`_Layout` of ``format``; None when a code is not of fixed width, repeats, or a literal is
    not printable ASCII."""
    fields: dict[str, int] = {}
    literals: dict[int, int] = {}
    pos = 0
    for token in re.findall(r"%.|%$|[^%]", format):
        if token.startswith("%"):
            if token not in _FIXED_WIDTH or token in fields:
                return None
            fields[token] = pos
            pos += _FIXED_WIDTH[token]
        else:
            if not " " <= token <= "~":
                return None
            literals[pos] = ord(token)
            pos += 1
    return _Layout(pos, fields, literals)


def _written_as_parsed(cells: pa.ChunkedArray, parsed: pa.ChunkedArray, layout: _Layout) -> np.ndarray:
    """True where a cell is exactly ``parsed`` written back in the format (with the cell's own offset for
    ``%z``): the strftime round trip, computed on the cells' bytes with numpy.

    A cell of another width, with an offset of 24 hours or more (or minutes past 59), or a year
    outside 0-9999 is never taken as written back.
    """
    result = np.zeros(len(cells), dtype=bool)
    fits = _np_bool(pc.and_(pc.equal(pc.binary_length(cells), layout.width), pc.is_valid(parsed)))
    if not fits.any():
        return result
    mask = pa.array(fits)
    matrix = _fixed_width_bytes(pc.filter(cells, mask), layout.width)
    micros = pc.cast(pc.filter(parsed, mask), pa.int64()).to_numpy()
    # In blocks of rows: the working arrays stay small whatever the size of the file.
    result[fits] = np.concatenate([
        _block_written_as_parsed(matrix[start:start + _BLOCK], micros[start:start + _BLOCK], layout)
        for start in range(0, len(micros), _BLOCK)
    ])
    return result


#: Rows per block in :func:`_written_as_parsed`.
_BLOCK = 1 << 16


def _block_written_as_parsed(matrix: np.ndarray, micros: np.ndarray, layout: _Layout) -> np.ndarray:
    """:func:`_written_as_parsed` for cells of the layout's width (``matrix``, a row of bytes per cell) and
    their parsed values (``micros``, microseconds since 1970)."""
    chars, ok = _layout_chars(matrix, layout)
    if "%z" in layout.fields:
        micros = micros + _utc_offset(chars, ok, layout.fields["%z"]) * 1_000_000
    local = micros.astype("datetime64[us]")
    days = local.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    years = months.astype("datetime64[Y]")
    seconds = (local - days).astype("timedelta64[s]").astype(np.int64)
    values = {
        "%Y": lambda: years.astype(np.int64) + 1970,
        "%m": lambda: (months - years).astype(np.int64) + 1,
        "%d": lambda: (days - months).astype(np.int64) + 1,
        "%H": lambda: seconds // 3600,
        "%M": lambda: seconds // 60 % 60,
        "%S": lambda: seconds % 60,
    }
    for code, pos in layout.fields.items():
        if code != "%z":
            ok &= _digit_field(chars, ok, pos, _FIXED_WIDTH[code]) == values[code]()
    return ok


def _layout_chars(matrix: np.ndarray, layout: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """The cells' bytes (``matrix``, a row per cell) as one contiguous row per character position (for fast
    column arithmetic), and where each cell has the layout's literal characters."""
    chars = np.ascontiguousarray(matrix.T)
    ok = np.ones(chars.shape[1], dtype=bool)
    for pos, char in layout.literals.items():
        ok &= chars[pos] == char
    return chars, ok


def _digit_field(chars: np.ndarray, ok: np.ndarray, pos: int, width: int) -> np.ndarray:
    """The number written in the ``width`` characters from ``pos`` of each cell (``chars`` as
    :func:`_layout_chars` gives them); ``ok`` is set False in place where one of them is not a digit."""
    value = np.zeros(chars.shape[1], dtype=np.int64)
    for i in range(pos, pos + width):
        digit = chars[i] - np.uint8(ord("0"))  # wraps: a byte that is not a digit becomes > 9
        np.logical_and(ok, digit <= 9, out=ok)
        value = value * 10 + digit
    return value


def _utc_offset(chars: np.ndarray, ok: np.ndarray, at: int) -> np.ndarray:
    """The ``%z`` offset written from ``at`` (``+HHMM`` or ``-HHMM``) in seconds east of UTC; ``ok`` is set
    False in place where it is not a valid offset (under 24 hours, minutes 0-59)."""
    sign = chars[at]
    hours, minutes = _digit_field(chars, ok, at + 1, 2), _digit_field(chars, ok, at + 3, 2)
    ok &= ((sign == ord("+")) | (sign == ord("-"))) & (hours <= 23) & (minutes <= 59)
    return np.where(sign == ord("-"), -1, 1) * (hours * 3600 + minutes * 60)


def _parse_fixed(cells: pa.ChunkedArray, layout: _Layout) -> pa.Array | None:
    """The cells as timestamps (microseconds; UTC when the layout has ``%z``) read straight from their
    digits, when every cell is written canonically in ``layout`` and is a real date and time; None
    otherwise (the caller then parses them the slower, general way).

    The same values as strptime followed by the written-back check of :func:`_written_as_parsed`, in
    one pass over the bytes: fields are read at their fixed positions, checked against the calendar
    (month 1-12, the days of that month, 23:59:59 at most, an offset under 24 hours) and combined.
    """
    n = len(cells)
    valid = _np_bool(pc.is_valid(cells))
    filled = cells.filter(pa.array(valid)) if not valid.all() else cells
    if not len(filled) or not _np_bool(pc.equal(pc.binary_length(filled), layout.width)).all():
        return None
    chars, ok = _layout_chars(_fixed_width_bytes(filled, layout.width), layout)

    def field(code: str, default: int) -> np.ndarray:
        if code not in layout.fields:
            return np.full(len(filled), default, dtype=np.int64)
        return _digit_field(chars, ok, layout.fields[code], _FIXED_WIDTH[code])

    year, month, day = field("%Y", 1970), field("%m", 1), field("%d", 1)
    hour, minute, second = field("%H", 0), field("%M", 0), field("%S", 0)
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & (minute <= 59) & (second <= 59)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    ok &= day <= _DAYS_IN_MONTH[np.clip(month, 1, 12)] + (leap & (month == 2))
    seconds = ((_days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second
    tz = None
    if "%z" in layout.fields:
        seconds -= _utc_offset(chars, ok, layout.fields["%z"])
        tz = "UTC"
    if not ok.all():
        return None
    micros = np.zeros(n, dtype=np.int64)
    micros[valid] = seconds * 1_000_000
    return pa.array(micros, type=pa.timestamp("us", tz), mask=~valid)


#: The days of each month (index 1-12) in a common year.
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's ``days_from_civil``), for years >= 1."""
    year = year - (month <= 2)
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    return era * 146_097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719_468


def _fixed_width_bytes(cells: pa.ChunkedArray, width: int) -> np.ndarray:
    """Non-null cells of ``width`` bytes each as a (rows, width) uint8 matrix (a view where possible)."""
    array = cells.combine_chunks() if cells.num_chunks != 1 else cells.chunk(0)
    if array.type != pa.string():
        array = array.cast(pa.string())
    _, offsets, data = array.buffers()
    first = int(np.frombuffer(offsets, dtype=np.int32, count=1, offset=4 * array.offset)[0])
    if data is None:
        return np.zeros((len(array), width), dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8, count=len(array) * width, offset=first).reshape(len(array), width)


def _pandas_datetimes(raw: pd.Series, format: str) -> pd.Series:
    return pd.to_datetime(raw, errors="coerce", format=format, utc="%z" in format)


def _np_bool(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)
