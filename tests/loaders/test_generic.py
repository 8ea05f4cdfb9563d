"""generic: any CSV or Excel file through a column mapping."""

import hashlib

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import ConfigError, MissingColumnError
from engagekit.loaders import detect_format, read_export
from engagekit.core.errors import ExportError, UnknownFormatError
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "generic"
CSV = FIXTURES / "registrations.csv"
COLUMNS = {"occurred_at": "signup date", "customer_key": "E-mail", "campaign": "Campaign", "value": "Amount"}


@pytest.fixture(scope="module")
def result():
    return read_export(
        CSV, columns=COLUMNS, constants={"outcome": "registration"}, table="outcomes",
        tz="Europe/Berlin", salt="pepper",
    )


def test_never_detected():
    with pytest.raises(UnknownFormatError):
        detect_format(CSV)


def test_frame_is_canonical(result):
    assert result.format == "generic"
    assert result.table == "outcomes"
    schema.validate(result.frame, "outcomes")


def test_semicolon_delimiter_and_naive_times_in_tz(result):
    assert result.frame["occurred_at"].tolist() == [
        pd.Timestamp("2026-03-01 08:30", tz="UTC"),
        pd.Timestamp("2026-03-02 17:00", tz="UTC"),
        pd.Timestamp("2026-03-03 06:15", tz="UTC"),
    ]


def test_numbers_and_na(result):
    values = result.frame["value"]
    assert values.iloc[0] == 10.5
    assert values.iloc[1] == 0.0
    assert pd.isna(values.iloc[2])


def test_constants(result):
    assert result.frame["outcome"].tolist() == ["registration"] * 3


def test_customer_key_hashed(result):
    assert result.frame["customer_key"].iloc[0] == hashlib.sha256(b"pepperann@example.com").hexdigest()
    assert pd.isna(result.frame["customer_key"].iloc[2])
    assert "example.com" not in result.frame.astype("str").to_csv()


def test_bad_date_dropped_with_line_and_column(result):
    report = result.report
    assert report.rows_read == 4
    assert report.rows_loaded == 3
    assert dict(report.rows_dropped) == {"not a valid date/time": 1}
    dropped = report.dropped[0]
    assert (dropped.line, dropped.column, dropped.value) == (4, "Signup Date", "not a date")
    assert report.is_balanced()


def test_date_format_option(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("day,src,sessions\n05/01/2026,google,7\n", newline="")
    result = read_export(
        path, columns={"date": "day", "source": "src", "sessions": "sessions"},
        table="traffic", date_format="%d/%m/%Y",
    )
    assert result.frame["date"].tolist() == [pd.Timestamp("2026-01-05")]
    assert result.frame["sessions"].tolist() == [7]
    schema.validate(result.frame, "traffic")


def test_not_a_whole_number_dropped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("day\tsessions\n2026-01-05\t7\n2026-01-06\t7.5\n", newline="")
    result = read_export(path, columns={"date": "day", "sessions": "sessions"}, table="traffic")
    assert result.frame["sessions"].tolist() == [7]
    assert result.report.dropped[0].line == 3
    assert result.report.dropped[0].reason == "not a whole number"


def test_unknown_canonical_column_is_config_error():
    with pytest.raises(ConfigError, match="revenue_total"):
        read_export(CSV, columns={"revenue_total": "Amount"}, table="outcomes")


def test_missing_header_lists_missing_and_present():
    with pytest.raises(MissingColumnError) as err:
        read_export(CSV, columns={"occurred_at": "Signup Date", "value": "Price"}, table="outcomes")
    assert err.value.missing == ["Price"]
    assert "Signup Date" in err.value.present


def test_xlsx_first_sheet_and_named_sheet(tmp_path):
    path = tmp_path / "leads.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="notes", index=False)
        pd.DataFrame(
            {"When": ["2026-02-01 10:00"], "Email": ["x@y.org"], "Worth": [12.5]}
        ).to_excel(writer, sheet_name="leads", index=False)
    result = read_export(
        path, columns={"occurred_at": "when", "customer_key": "email", "value": "worth"},
        constants={"outcome": "lead"}, table="outcomes", sheet="leads",
    )
    assert result.frame["value"].tolist() == [12.5]
    assert result.frame["occurred_at"].tolist() == [pd.Timestamp("2026-02-01 10:00", tz="UTC")]
    schema.validate(result.frame, "outcomes")
    with pytest.raises(MissingColumnError):
        read_export(path, columns={"occurred_at": "when"}, table="outcomes")


# Excel workbooks: tests/fixtures/generic/registrations.xlsx (written by make_fixtures.py there)

XLSX = FIXTURES / "registrations.xlsx"


@pytest.fixture(scope="module")
def xlsx_result():
    return read_export(
        XLSX, columns=COLUMNS, constants={"outcome": "registration"}, table="outcomes",
        tz="Europe/Berlin", salt="pepper",
    )


def test_xlsx_never_detected():
    with pytest.raises(UnknownFormatError):
        detect_format(XLSX)


def test_xlsx_frame_is_canonical(xlsx_result):
    assert xlsx_result.format == "generic"
    schema.validate(xlsx_result.frame, "outcomes")


def test_xlsx_date_cells_and_text_dates_in_tz(xlsx_result):
    # Excel date cells (rows 2 and 6) and text dates (row 3) alike, read in Berlin time (UTC+1)
    assert xlsx_result.frame["occurred_at"].tolist() == [
        pd.Timestamp("2026-03-01 08:30", tz="UTC"),
        pd.Timestamp("2026-03-02 17:00", tz="UTC"),
        pd.Timestamp("2026-03-03 06:15", tz="UTC"),
    ]


def test_xlsx_mapping_numbers_and_na(xlsx_result):
    frame = xlsx_result.frame
    assert frame["value"].iloc[0] == 10.5
    assert frame["value"].iloc[1] == 0.0
    assert pd.isna(frame["value"].iloc[2])
    assert frame["campaign"].iloc[0] == "spring"
    assert pd.isna(frame["campaign"].iloc[1])
    assert xlsx_result.report.columns["campaign"] == "Campaign"


def test_xlsx_constants_and_hashed_key(xlsx_result):
    frame = xlsx_result.frame
    assert frame["outcome"].tolist() == ["registration"] * 3
    assert frame["customer_key"].iloc[0] == hashlib.sha256(b"pepperann@example.com").hexdigest()
    assert pd.isna(frame["customer_key"].iloc[2])
    assert "example.com" not in frame.astype("str").to_csv()


def test_xlsx_malformed_cells_dropped_with_sheet_row(xlsx_result):
    report = xlsx_result.report
    assert report.rows_read == 5  # the blank row 4 is not a data row
    assert report.rows_loaded == 3
    assert [(d.line, d.column, d.value, d.reason) for d in report.dropped] == [
        (5, "Signup Date", "not a date", "not a valid date/time"),
        (7, "Amount", "12,50", "not a number"),
    ]
    assert report.is_balanced()


def test_xlsx_decimal_option():
    result = read_export(
        XLSX, columns={"occurred_at": "Signup Date", "value": "Amount"}, table="outcomes", decimal=",",
    )
    assert result.frame["value"].tolist()[-1] == 12.5


def test_xlsx_missing_header_lists_missing_and_present():
    with pytest.raises(MissingColumnError) as err:
        read_export(XLSX, columns={"occurred_at": "Signup Date", "value": "Price"}, table="outcomes")
    assert err.value.missing == ["Price"]
    assert err.value.present == ["Signup Date", "E-mail", "Campaign", "Amount"]
    assert err.value.line == 1
    assert str(XLSX) in str(err.value)


def test_xlsx_sheet_option_by_name_and_position():
    for sheet in ("notes", 1):
        with pytest.raises(MissingColumnError) as err:
            read_export(XLSX, columns={"occurred_at": "Signup Date"}, table="outcomes", sheet=sheet)
        assert err.value.present == ["Note"]


def test_xlsx_unknown_sheet_lists_the_sheets():
    with pytest.raises(ExportError, match="its sheets are: 'Signups', 'Notes'"):
        read_export(XLSX, columns={"occurred_at": "Signup Date"}, table="outcomes", sheet="Leads")


def test_xlsx_header_below_blank_rows(tmp_path):
    path = tmp_path / "late.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"day": ["2026-01-05", "2026-01-06"], "sessions": [7, "x"]}).to_excel(
            writer, sheet_name="t", index=False, startrow=2,
        )
    result = read_export(path, columns={"date": "day", "sessions": "sessions"}, table="traffic")
    assert result.frame["sessions"].tolist() == [7]
    assert [(d.line, d.column) for d in result.report.dropped] == [(5, "sessions")]


def test_workbook_named_csv_is_read_as_workbook(tmp_path):
    path = tmp_path / "registrations.csv"
    path.write_bytes(XLSX.read_bytes())
    result = read_export(path, columns=COLUMNS, table="outcomes", tz="Europe/Berlin")
    assert result.report.rows_loaded == 3


def test_old_binary_xls_is_a_clear_error(tmp_path):
    path = tmp_path / "signups.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(ExportError, match=r"save it as an Excel Workbook \(\.xlsx\)"):
        read_export(path, columns={"occurred_at": "Signup Date"}, table="outcomes")


def test_text_named_xls_is_read_as_delimited_text(tmp_path):
    path = tmp_path / "report.xls"
    path.write_text("day\tsessions\n2026-01-05\t7\n", newline="")
    result = read_export(path, columns={"date": "day", "sessions": "sessions"}, table="traffic")
    assert result.frame["sessions"].tolist() == [7]
