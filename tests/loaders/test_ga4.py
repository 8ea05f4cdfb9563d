"""ga4_report_csv: GA4 UI CSV downloads into the traffic table."""

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import ExportError, MissingColumnError
from engagekit.loaders import detect_format, read_export
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "ga4_report"
REPORT = FIXTURES / "traffic_acquisition.csv"


@pytest.fixture(scope="module")
def result():
    return read_export(REPORT)


def test_detected_as_ga4():
    assert detect_format(REPORT).name == "ga4_report_csv"


def test_file_without_sessions_header_is_not_ga4(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("# ----\n# Something\n\nDate,Clicks\n20260101,3\n")
    from engagekit.loaders.ga4 import _sniff

    assert not _sniff(path.read_text(), path.name)


def test_frame_is_canonical_traffic(result):
    assert result.table == "traffic"
    schema.validate(result.frame, "traffic")


def test_dates_read_from_yyyymmdd(result):
    assert result.frame["date"].tolist() == [
        pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-02"),
    ]


def test_source_medium_split(result):
    assert result.frame["source"].tolist() == ["google", "facebook", "(direct)"]
    assert result.frame["medium"].tolist() == ["organic", "paid", "(none)"]
    assert result.frame["campaign"].tolist() == ["(organic)", "spring_sale", "(direct)"]


def test_channel_computed_when_absent(result):
    assert result.frame["channel"].tolist() == ["Organic Search", "Paid Social", "Direct"]


def test_quoted_thousands_read(result):
    assert result.frame["sessions"].tolist() == [1200, 100, 50]
    assert result.frame["users"].tolist() == [1000, 70, 30]
    assert result.frame["engaged_sessions"].tolist() == [600, 60, 40]


def test_empty_revenue_is_na_and_zero_stays_zero(result):
    assert result.frame["revenue"].iloc[0] == 200.5
    assert pd.isna(result.frame["revenue"].iloc[2])
    assert result.frame["key_events"].iloc[2] == 0


def test_report_counts_grand_total_and_the_undated_section(result):
    report = result.report
    assert report.rows_read == 6  # 4 in the dated section (with Grand total), 2 in the undated one
    assert report.rows_totals == 1
    assert report.rows_loaded == 3
    assert dict(report.rows_dropped) == {"section without a Date column (traffic is daily)": 2}
    assert [d.line for d in report.dropped] == [21, 22]
    assert report.is_balanced()


def test_section_without_date_warned(result):
    assert len(result.report.warnings) == 1
    assert "Session default channel group" in result.report.warnings[0]
    assert "no Date column" in result.report.warnings[0]


def test_channel_column_used_when_present(tmp_path):
    path = tmp_path / "channels.csv"
    path.write_text(
        "# ----------------------------------------\n# Traffic\n# ----------------------------------------\n\n"
        "Date,Session default channel group,Sessions,Active users,Conversions,Purchase revenue\n"
        "20260105,Organic Search,10,8,1.5,\n",
        newline="",
    )
    frame = read_export(path).frame
    assert frame["channel"].tolist() == ["Organic Search"]
    assert frame["users"].tolist() == [8]
    assert frame["key_events"].tolist() == [1.5]
    assert frame["source"].isna().all()


def test_bad_date_dropped_with_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "# ----\n# Traffic\n# ----\n\nDate,Session source,Session medium,Sessions\n"
        "20260105,google,organic,10\n2026-01-06,bing,organic,3\n"
    )
    result = read_export(path)
    assert len(result.frame) == 1
    assert result.report.dropped[0].line == 7
    assert result.report.dropped[0].column == "Date"
    assert result.report.is_balanced()


def test_file_without_date_column_raises():
    with pytest.raises(MissingColumnError) as err:
        read_export(FIXTURES / "no_date.csv", format="ga4_report_csv")
    assert "Date" in str(err.value)
    assert "no_date.csv" in str(err.value)


# --------------------------------------------------------------------------- localisation

FRENCH = FIXTURES / "fr_acquisition.csv"
GERMAN = FIXTURES / "de_acquisition.csv"


@pytest.fixture(scope="module")
def french():
    return read_export(FRENCH)


@pytest.fixture(scope="module")
def german():
    return read_export(GERMAN)


def write_ga4(tmp_path, body, *, start="20260105", end="20260106", name="ga4.csv"):
    path = tmp_path / name
    path.write_text(
        "# ----------------------------------------\n# Traffic acquisition\n"
        "# ----------------------------------------\n#\n# All Users\n"
        f"# Start date: {start}\n# End date: {end}\n\n" + body,
        encoding="utf-8",
        newline="",
    )
    return path


@pytest.mark.parametrize("path", [FRENCH, GERMAN], ids=lambda p: p.name)
def test_localised_files_detected_as_ga4(path):
    assert detect_format(path).name == "ga4_report_csv"


@pytest.mark.parametrize("name", ["french", "german"])
def test_localised_frames_are_canonical_and_balanced(name, request):
    result = request.getfixturevalue(name)
    schema.validate(result.frame, "traffic")
    assert result.report.is_balanced()
    assert result.report.rows_totals == 1
    assert result.report.rows_loaded == 3
    assert result.report.warnings == []


def test_localised_preamble_dates_read():
    from engagekit.loaders.ga4 import _preamble_dates, _sections

    for path in (FRENCH, GERMAN):
        sections = _sections(path.read_text(encoding="utf-8"))
        assert _preamble_dates(sections) == (pd.Timestamp("2026-07-01").date(), pd.Timestamp("2026-07-02").date())


def test_french_decimal_commas_and_narrow_space_thousands(french):
    frame = french.frame
    assert frame["sessions"].tolist() == [1020, 300, 160]
    assert frame["users"].tolist() == [850, 240, 140]
    assert frame["key_events"].tolist() == [10.0, 2.5, 2.0]
    assert frame["revenue"].tolist() == [1250.5, 50.25, 12.0]


def test_french_headers_mapped(french):
    columns = french.report.columns
    assert columns["source"] == "Source/support de la session"
    assert columns["users"] == "Nombre total d'utilisateurs"
    assert columns["key_events"] == "Événements clés"
    assert french.frame["channel"].tolist() == ["Organic Search", "Paid Social", "Direct"]


def test_german_dot_thousands_and_decimal_comma(german):
    frame = german.frame
    assert frame["date"].tolist() == [pd.Timestamp("2026-07-01")] * 2 + [pd.Timestamp("2026-07-02")]
    assert frame["sessions"].tolist() == [1500, 350, 500]
    assert frame["engaged_sessions"].tolist() == [900, 220, 290]
    assert frame["revenue"].iloc[0] == 845.8
    assert pd.isna(frame["revenue"].iloc[2])
    assert frame["key_events"].iloc[2] == 0


def test_german_source_medium_header_with_prefix(german):
    assert german.report.columns["source"] == "Sitzung – Quelle/Medium"
    assert german.frame["source"].tolist() == ["google", "newsletter", "instagram"]


def test_1200_is_thousands_where_the_file_writes_decimal_points(tmp_path):
    header = "Date,Session source,Sessions,Engagement rate,Total revenue\n"
    path = write_ga4(tmp_path, header + '20260105,google,10,0.5,"1,200"\n')
    assert read_export(path).frame["revenue"].tolist() == [1200.0]


def test_1200_is_decimal_where_the_file_writes_decimal_commas(tmp_path):
    header = "Date,Session source,Sessions,Engagement rate,Total revenue\n"
    path = write_ga4(tmp_path, header + '20260105,google,10,"0,5","1,200"\n')
    assert read_export(path).frame["revenue"].tolist() == [1.2]


def test_number_in_the_other_style_dropped_with_line_and_column(tmp_path):
    path = write_ga4(
        tmp_path,
        'Date,Session source,Sessions,Engagement rate,Total revenue\n'
        '20260105,google,10,"0,5","1,5"\n20260106,bing,4,"0,25",2.5\n',
    )
    result = read_export(path)
    assert result.frame["sessions"].tolist() == [10]
    [dropped] = result.report.dropped
    assert (dropped.line, dropped.column, dropped.value) == (11, "Total revenue", "2.5")
    assert any("written two ways" in w for w in result.report.warnings)


def test_year_month_section_dropped_with_reason(tmp_path):
    path = write_ga4(
        tmp_path,
        "Date,Session source,Sessions\n20260105,google,10\n"
        "# ----------------------------------------\n# Exploration\n# ----------------------------------------\n\n"
        "Year month,Sessions\n202601,300\n202602,280\n",
    )
    result = read_export(path)
    assert result.report.rows_dropped == {"monthly rows (Month / Year month; traffic is daily)": 2}
    assert any("'Year month'" in w for w in result.report.warnings)
    assert result.report.is_balanced()


def test_only_monthly_rows_raise(tmp_path):
    path = write_ga4(tmp_path, "Month,Sessions\n10,300\n01,280\n", start="20251001", end="20260131")
    with pytest.raises(ExportError) as err:
        read_export(path, format="ga4_report_csv")
    assert "'Month'" in str(err.value)
    assert "ga4.csv" in str(err.value)


def test_single_day_report_without_date_column_uses_the_preamble_day(tmp_path):
    path = write_ga4(
        tmp_path,
        "Session default channel group,Sessions\nGrand total,15\nOrganic Search,10\nDirect,5\n"
        "# ----------------------------------------\n# Other table\n# ----------------------------------------\n\n"
        "Session source,Sessions\ngoogle,10\n",
        start="20260105", end="20260105",
    )
    result = read_export(path)
    assert result.frame["date"].tolist() == [pd.Timestamp("2026-01-05")] * 2
    assert result.frame["channel"].tolist() == ["Organic Search", "Direct"]
    assert result.report.rows_totals == 1
    assert sum(result.report.rows_dropped.values()) == 1
    assert result.report.is_balanced()


def test_custom_channel_group_first_column(tmp_path):
    path = write_ga4(
        tmp_path,
        "Session custom channel group,Date,Sessions\nGrand total,,12\nMeta ads,20260105,7\nSEO,20260105,5\n",
    )
    result = read_export(path)
    assert result.frame["channel"].tolist() == ["Meta ads", "SEO"]
    assert result.report.rows_totals == 1
    assert any("custom channel group" in w for w in result.report.warnings)


def test_custom_channel_group_named_by_option(tmp_path):
    path = write_ga4(tmp_path, "Session Marketing buckets,Date,Sessions\nPaid social,20260105,7\n")
    result = read_export(path, channel_column="Session Marketing buckets")
    assert result.frame["channel"].tolist() == ["Paid social"]
    assert result.report.columns["channel"] == "Session Marketing buckets"


def test_first_row_of_a_one_dimension_table_is_not_taken_for_totals(tmp_path):
    body = "Session default channel group,Sessions\nOrganic Search,10\n"
    path = write_ga4(tmp_path, body, start="20260105", end="20260105")
    assert read_export(path).frame["sessions"].tolist() == [10]
