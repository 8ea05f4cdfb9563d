"""Property-based tests of the cell parsers every loader shares: numbers, dates and durations."""

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engagekit.loaders._base import LoadReport
from engagekit.loaders._cells import RowBuilder
from engagekit.loaders._datetimes import parse_duration
from engagekit.loaders._records import Record

FILE = Path("cells.csv")
settings.register_profile("engagekit", max_examples=150, deadline=None, derandomize=True)
settings.load_profile("engagekit")


def _rows(cells: list[str]) -> tuple[RowBuilder, LoadReport]:
    """A RowBuilder over one column ``value``, one record per cell (data from line 2)."""
    report = LoadReport(file=str(FILE), format="test", table="posts")
    report.rows_read = len(cells)
    records = [Record(i + 2, [cell]) for i, cell in enumerate(cells)]
    return RowBuilder(FILE, ["value"], records, report), report


def _number(cells: list[str], **options) -> tuple[pd.Series, LoadReport]:
    rows, report = _rows(cells)
    values = rows.number("impressions", 0, **options)
    rows.finish()
    return values, report


whole = st.integers(min_value=-(10**15), max_value=10**15)
cents = st.integers(min_value=-(10**12), max_value=10**12)


@given(st.lists(whole, min_size=1, max_size=20))
def test_integers_with_thousands_separators_read_back(numbers):
    values, report = _number([f"{n:,}" for n in numbers])
    assert values.tolist() == numbers
    assert report.n_dropped == 0


@given(st.lists(whole, min_size=1, max_size=20))
def test_plain_integers_read_back(numbers):
    values, _ = _number([str(n) for n in numbers])
    assert values.tolist() == numbers


@given(st.lists(cents, min_size=1, max_size=20))
def test_decimal_commas_with_point_thousands_read_back(amounts):
    # 1234567.89 written the German way: 1.234.567,89
    cells = [f"{c / 100:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") for c in amounts]
    values, report = _number(cells, integer=False, thousands=".", decimal=",")
    assert values.round(2).tolist() == [round(c / 100, 2) for c in amounts]
    assert report.n_dropped == 0


@given(st.lists(st.integers(min_value=-100_000, max_value=100_000), min_size=1, max_size=20))
def test_percent_signs_divide_by_a_hundred(hundredths):
    cells = [f"{h / 100:.2f}%" for h in hundredths]
    values, _ = _number(cells, integer=False, percent=True)
    assert [round(v, 6) for v in values] == [round(h / 10_000, 6) for h in hundredths]


@given(st.lists(st.one_of(whole.map(str), st.sampled_from(["", "-", "  "])), min_size=1, max_size=20))
def test_na_tokens_and_empty_cells_are_na_or_zero_as_the_format_says(cells):
    as_na, _ = _number(cells, na=("-",))
    as_zero, _ = _number(cells, na=("-",), empty="zero")
    for cell, na_value, zero_value in zip(cells, as_na, as_zero):
        if cell == "-":
            assert pd.isna(na_value) and pd.isna(zero_value)
        elif not cell.strip():
            assert pd.isna(na_value) and zero_value == 0
        else:
            assert na_value == zero_value == int(cell)


@given(st.text(alphabet="abcxyz!?", min_size=1, max_size=8))
def test_text_in_a_number_column_drops_the_row_with_line_and_column(junk):
    values, report = _number(["12", junk, "3"])
    assert report.rows_dropped == {"not a number": 1}
    (dropped,) = report.dropped
    assert (dropped.line, dropped.column, dropped.value) == (3, "value", junk)


@given(st.lists(st.integers(min_value=-10, max_value=10).map(lambda n: n + 0.5), min_size=1, max_size=5))
def test_fractions_in_a_count_column_are_not_rounded_away(fractions):
    values, report = _number([str(f) for f in fractions])
    assert report.rows_dropped == {"not a whole number": len(fractions)}


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
FORMATS = ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%a %b %d %Y %H:%M:%S", "%d.%m.%Y %H:%M:%S"]


@given(st.lists(moments, min_size=1, max_size=10), st.sampled_from(FORMATS))
def test_naive_timestamps_in_utc_read_back(moments, fmt):
    rows, report = _rows([m.strftime(fmt) for m in moments])
    parsed = rows.timestamp("published_at", 0, format=fmt)
    assert parsed.tolist() == [pd.Timestamp(m, tz="UTC") for m in moments]
    assert report.n_dropped == 0


@example([datetime(2024, 10, 27, 2, 30), datetime(2024, 3, 31, 2, 30)], "Europe/Berlin")
@given(st.lists(moments, min_size=1, max_size=10), st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Melbourne"]))
def test_naive_timestamps_are_read_in_the_account_zone(moments, tz):
    rows, report = _rows([m.strftime("%Y-%m-%d %H:%M:%S") for m in moments])
    parsed = rows.timestamp("published_at", 0, format="%Y-%m-%d %H:%M:%S", tz=tz)
    rows.finish()
    # Every local time is a moment: an hour the clocks skip moves forward, a repeated hour is read as
    # its first (summer-time) occurrence.
    expected = [
        pd.Timestamp(m).tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")
        for m in moments
    ]
    assert parsed.tolist() == expected
    assert report.n_dropped == 0


@given(st.lists(moments, min_size=1, max_size=10), st.integers(min_value=-12 * 60, max_value=14 * 60))
def test_offsets_are_converted_to_utc(moments, minutes):
    sign = "+" if minutes >= 0 else "-"
    offset = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    rows, _ = _rows([f"{m:%Y-%m-%d %H:%M} {offset}" for m in moments])
    parsed = rows.timestamp("published_at", 0, format="%Y-%m-%d %H:%M %z")
    expected = [pd.Timestamp(m.replace(second=0), tz="UTC") - timedelta(minutes=minutes) for m in moments]
    assert parsed.tolist() == expected


@given(st.lists(st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2035, 12, 31).date()), min_size=1, max_size=10))
def test_calendar_dates_read_back_at_midnight(days):
    rows, _ = _rows([d.strftime("%Y%m%d") for d in days])
    parsed = rows.date("date", 0, format="%Y%m%d")
    assert parsed.tolist() == [pd.Timestamp(d) for d in days]
    assert str(parsed.dtype) == "datetime64[us]"


def test_numbers_without_leading_zeros_are_read():
    rows, report = _rows(["2025-1-5 7:03:09", "2025-12-31 23:59:59"])
    parsed = rows.timestamp("published_at", 0, format="%Y-%m-%d %H:%M:%S")
    assert parsed.tolist() == [pd.Timestamp("2025-01-05 07:03:09", tz="UTC"), pd.Timestamp("2025-12-31 23:59:59", tz="UTC")]


@given(st.sampled_from(["2025-02-30 10:00:00", "2025-13-01 10:00:00", "yesterday", "2025-01-01 25:00:00"]))
def test_impossible_dates_drop_the_row_naming_the_expected_form(cell):
    rows, report = _rows(["2025-01-01 10:00:00", cell])
    rows.timestamp("published_at", 0, format="%Y-%m-%d %H:%M:%S")
    rows.finish()
    (dropped,) = report.dropped
    assert dropped.line == 3 and dropped.column == "value"
    assert dropped.reason == "not a valid date/time (expected YYYY-MM-DD HH:MM:SS)"


written_fields = st.tuples(
    st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=13), st.integers(min_value=0, max_value=32),
    st.integers(min_value=0, max_value=24), st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60),
    st.integers(min_value=-2400, max_value=2400),
)


def _written(fields: tuple[int, ...]) -> str:
    year, month, day, hour, minute, second, offset = fields
    sign = "-" if offset < 0 else "+"
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d} {sign}{abs(offset):04d}"


@example([(2024, 2, 29, 23, 59, 59, -530), (2023, 2, 29, 0, 0, 0, 0), (1900, 2, 29, 0, 0, 0, 0), (2000, 2, 29, 0, 0, 0, 100)])
@example([(2023, 2, 29, 0, 0, 0, 0)])
@example([(1900, 2, 29, 12, 0, 0, 0)])
@example([(2024, 4, 31, 12, 0, 0, 0)])
@example([(2024, 12, 31, 23, 59, 60, 0)])
@example([(2024, 2, 29, 0, 0, 0, -2359), (2000, 2, 29, 23, 59, 59, 1400)])
@given(st.lists(written_fields, min_size=1, max_size=10))
def test_fixed_width_timestamps_read_as_pandas_reads_them(cells):
    """Cells written in a fixed-width format are read from their digits: the same moments as pandas gives,
    and a row dropped exactly where pandas finds no such moment (2023-02-29, 24:00, second 60, month 13)."""
    texts = [_written(fields) for fields in cells]
    fmt = "%Y-%m-%d %H:%M:%S %z"
    expected = pd.to_datetime(pd.Series(texts), format=fmt, errors="coerce", utc=True)
    rows, report = _rows(texts)
    parsed = rows.timestamp("occurred_at", 0, format=fmt)
    rows.finish()
    assert [line - 2 for line in sorted(d.line for d in report.dropped)] == [i for i, v in enumerate(expected) if pd.isna(v)]
    assert parsed[expected.notna()].tolist() == expected.dropna().tolist()


hours = st.integers(min_value=0, max_value=999)
minutes = st.integers(min_value=0, max_value=59)
seconds = st.integers(min_value=0, max_value=59)


@given(hours, minutes, seconds)
def test_h_mm_ss_durations(h, m, s):
    assert parse_duration(f"{h}:{m:02d}:{s:02d}") == h * 3600 + m * 60 + s


@given(minutes, seconds)
def test_mm_ss_durations(m, s):
    assert parse_duration(f"{m:02d}:{s:02d}") == m * 60 + s


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False))
def test_plain_seconds(value):
    assert parse_duration(repr(value)) == value


@given(hours, st.integers(min_value=60, max_value=99), seconds)
def test_minutes_past_59_are_not_a_duration(h, m, s):
    assert parse_duration(f"{h}:{m}:{s:02d}") is None


@given(st.text(alphabet="abc:-", min_size=1, max_size=6))
def test_text_is_not_a_duration(text):
    assert parse_duration(text) is None


def test_bad_duration_cell_drops_the_row():
    rows, report = _rows(["0:04:04", "", "4 minutes", "-"])
    seconds = rows.duration("watch", 0, na=("-",))
    rows.finish()
    assert seconds.iloc[0] == 244
    assert seconds.isna().tolist() == [False, True, True, True]
    (dropped,) = report.dropped
    assert (dropped.line, dropped.column, dropped.value) == (4, "value", "4 minutes")


@given(st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S %z"]))
def test_a_column_of_impossible_dates_drops_every_row(fmt):
    cells = ["2026-02-30 09:00:00", "2025-04-31 10:00:00"]
    rows, report = _rows([c + " +0000" if "%z" in fmt else c for c in cells])
    parsed = rows.timestamp("published_at", 0, format=fmt)
    rows.finish()
    assert parsed.isna().all()
    assert [d.line for d in report.dropped] == [2, 3]
