"""ga4_report_csv: GA4 UI CSV downloads into the traffic table."""

import pandas as pd
import pytest

from engagekit import schema
from engagekit.errors import MissingColumnError
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
