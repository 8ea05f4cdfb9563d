"""ua_report_csv: Universal Analytics report downloads (CSV and the UTF-16 Excel flavour) into traffic."""

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import ExportError, MissingColumnError
from engagekit.loaders import detect_format, read_export
from engagekit.loaders import ga4, ua
from engagekit.loaders._analytics import detect_number_style, strip_currency_cells
from engagekit.loaders._decode import head_text
from paths import FIXTURES as ALL_FIXTURES, SAMPLE

FIXTURES = ALL_FIXTURES / "ua_report"
LANDING = FIXTURES / "landing_pages_day.csv"
DATED = FIXTURES / "source_medium_date.csv"
DUTCH = FIXTURES / "nl_bron_medium.csv"
EXCEL = FIXTURES / "excel_source_medium_3days.tsv"
ALL = [LANDING, DATED, DUTCH, EXCEL]
PREAMBLE = (
    "# ----------------------------------------\n# All Web Site Data\n# Source/Medium\n"
    "# {range}\n# ----------------------------------------\n\n"
)


def write(tmp_path, body, *, range="20150401-20150401", name="report.csv"):
    path = tmp_path / name
    path.write_text(PREAMBLE.format(range=range) + body, encoding="utf-8", newline="")
    return path


@pytest.fixture(scope="module")
def landing():
    return read_export(LANDING)


@pytest.fixture(scope="module")
def dated():
    return read_export(DATED)


@pytest.fixture(scope="module")
def dutch():
    return read_export(DUTCH)


@pytest.fixture(scope="module")
def excel():
    return read_export(EXCEL)


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_detected_as_ua(path):
    assert detect_format(path).name == "ua_report_csv"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_ga4_sniff_does_not_take_ua_files(path):
    assert not ga4._sniff(head_text(path), path.name)


@pytest.mark.parametrize(
    "path",
    [*sorted((ALL_FIXTURES / "ga4_report").glob("*.csv")), SAMPLE / "ga4_traffic_acquisition_20250101_20251231.csv"],
    ids=lambda p: p.name,
)
def test_ua_sniff_does_not_take_ga4_files(path):
    assert not ua._sniff(head_text(path), path.name)


def test_spreadsheet_resaved_preamble_still_read(tmp_path):
    path = tmp_path / "resaved.csv"
    path.write_text(
        "# ----------------------------------------,,,\n# All Web Site Data,,,\n# Source/Medium,,,\n"
        "# 20150401-20150401,,,\n# ----------------------------------------,,,\n,,,\n"
        "Source / Medium,Sessions,Users,Goal Completions\ngoogle / organic,12,10,1\n,12,10,1\n",
        newline="",
    )
    result = read_export(path)
    assert result.format == "ua_report_csv"
    assert result.frame["sessions"].tolist() == [12]
    assert result.report.rows_totals == 1


# --------------------------------------------------------------------------- canonical frames


@pytest.mark.parametrize("name", ["landing", "dated", "dutch", "excel"])
def test_frames_are_canonical_traffic_and_balanced(name, request):
    result = request.getfixturevalue(name)
    assert result.table == "traffic"
    schema.validate(result.frame, "traffic")
    assert result.report.is_balanced()


# --------------------------------------------------------------------------- single day, no Date dimension


def test_single_day_range_dates_every_row(landing):
    assert landing.frame["date"].tolist() == [pd.Timestamp("2015-04-16")] * 3


def test_quoted_thousands_read(landing):
    assert landing.frame["sessions"].tolist() == [1553, 402, 60]


def test_new_users_is_not_users(landing):
    assert landing.frame["users"].isna().all()
    assert "users" not in landing.report.columns


def test_goal_completions_are_key_events_and_zero_stays_zero(landing):
    assert landing.frame["key_events"].tolist() == [9.0, 5.0, 0.0]
    assert landing.report.columns["key_events"] == "Puppy Guide Sign-ups (Goal 1 Completions)"


def test_pound_goal_value_is_revenue_with_warning(landing):
    assert landing.frame["revenue"].tolist() == [45.0, 25.0, 0.0]
    assert any("goal value" in w for w in landing.report.warnings)


def test_no_source_no_channel(landing):
    assert landing.frame["source"].isna().all()
    assert landing.frame["channel"].isna().all()


def test_totals_row_and_day_index_counted_as_totals(landing):
    report = landing.report
    assert report.rows_read == 6  # 4 table rows (1 totals) + 2 Day Index rows (1 totals)
    assert report.rows_totals == 3
    assert report.rows_loaded == 3
    assert report.n_dropped == 0


# --------------------------------------------------------------------------- Date dimension


def test_date_dimension_gives_daily_rows(dated):
    assert dated.frame["date"].tolist() == [pd.Timestamp("2015-04-01")] * 3 + [pd.Timestamp("2015-04-02")] * 2


def test_source_medium_campaign_content(dated):
    frame = dated.frame
    assert frame["source"].tolist() == ["google", "facebook", "(direct)", "google", "newsletter"]
    assert frame["medium"].tolist() == ["organic", "cpc", "(none)", "organic", "email"]
    assert frame["campaign"].tolist() == ["(not set)", "spring_treats", "(not set)", "(not set)", "april_digest"]
    assert frame["content"].tolist() == ["(not set)", "carousel_a", "(not set)", "(not set)", "header_link"]


def test_channel_computed_from_source_medium(dated):
    assert dated.frame["channel"].tolist() == ["Organic Search", "Paid Social", "Direct", "Organic Search", "Email"]


def test_users_column_is_users(dated):
    assert dated.frame["users"].tolist() == [1010, 295, 131, 940, 88]


def test_goal_completions_preferred_over_transactions(dated):
    assert dated.frame["key_events"].tolist() == [31.0, 6.0, 4.0, 27.0, 8.0]
    assert dated.report.columns["key_events"] == "Goal Completions"


def test_dollar_revenue_with_thousands(dated):
    assert dated.frame["revenue"].tolist() == [1234.5, 89.9, 45.0, 987.65, 0.0]
    assert not any("goal value" in w for w in dated.report.warnings)


def test_dated_report_counts(dated):
    assert dated.report.rows_read == 9
    assert dated.report.rows_totals == 4  # table totals + 2 Day Index rows + Day Index totals
    assert dated.report.rows_loaded == 5


# --------------------------------------------------------------------------- Dutch locale


def test_dutch_dot_thousands(dutch):
    assert dutch.frame["sessions"].tolist() == [3182, 512, 377]


def test_dutch_currency_with_decimal_comma(dutch):
    assert dutch.frame["revenue"].tolist() == [0.0, 1234.5, 12.25]
    assert dutch.report.columns["revenue"] == "Doelwaarde"


def test_dutch_headers_mapped(dutch):
    assert dutch.report.columns["sessions"] == "Sessies"
    assert dutch.report.columns["key_events"] == "Behaalde doelen"
    assert dutch.frame["key_events"].tolist() == [0.0, 7.0, 2.0]
    assert dutch.frame["channel"].tolist() == ["Organic Search", "Organic Social", "Direct"]


def test_dutch_dagindex_counted_as_totals(dutch):
    assert dutch.report.rows_read == 6
    assert dutch.report.rows_totals == 3


# --------------------------------------------------------------------------- several days, no Date dimension


def test_excel_flavour_is_utf16_with_tabs():
    raw = EXCEL.read_bytes()
    assert raw.startswith(b"\xff\xfe")
    assert "\t" in raw.decode("utf-16")


def test_multi_day_without_date_loads_day_index(excel):
    frame = excel.frame
    assert frame["date"].tolist() == [pd.Timestamp(d) for d in ("2015-04-01", "2015-04-02", "2015-04-03")]
    assert frame["sessions"].tolist() == [1402, 1187, 1311]
    assert frame[["source", "medium", "campaign", "content", "channel"]].isna().all().all()
    assert frame["users"].isna().all()


def test_multi_day_table_rows_dropped_with_reason(excel):
    report = excel.report
    assert report.rows_read == 8
    assert report.rows_totals == 2
    assert report.rows_loaded == 3
    [(reason, count)] = report.rows_dropped.items()
    assert count == 3
    assert "no Date dimension" in reason and "2015-04-01 to 2015-04-03" in reason
    assert [d.line for d in report.dropped] == [8, 9, 10]
    assert any("Date as a secondary dimension" in w for w in report.warnings)


def test_multi_day_without_date_or_day_index_raises(tmp_path):
    path = write(tmp_path, "Source / Medium,Sessions\ngoogle / organic,40\n,40\n", range="20150401-20150430")
    with pytest.raises(ExportError) as err:
        read_export(path)
    assert "report.csv" in str(err.value)
    assert "Date as a secondary dimension" in str(err.value)


def test_day_index_only_report_loads_daily_sessions(tmp_path):
    path = write(tmp_path, "Day Index,Sessions\n3/30/15,5\n3/31/15,7\n4/1/15,0\n,12\n", range="20150330-20150401")
    result = read_export(path)
    assert result.frame["date"].tolist() == [pd.Timestamp(d) for d in ("2015-03-30", "2015-03-31", "2015-04-01")]
    assert result.frame["sessions"].tolist() == [5, 7, 0]
    assert result.report.rows_totals == 1


def test_day_index_read_day_first_when_that_makes_consecutive_days(tmp_path):
    path = write(tmp_path, "Day Index,Sessions\n01/02/2015,5\n02/02/2015,7\n,12\n", range="20150201-20150202")
    result = read_export(path)
    assert result.frame["date"].tolist() == [pd.Timestamp("2015-02-01"), pd.Timestamp("2015-02-02")]


def test_hour_index_is_not_a_daily_series(tmp_path):
    path = write(tmp_path, "Source / Medium,Sessions\ngoogle / organic,4\n,4\n\nHour Index,Sessions\n0,1\n1,3\n,4\n",
                 range="20150401-20150402")
    with pytest.raises(ExportError, match="no Day Index"):
        read_export(path)


def test_comparison_of_two_ranges_raises(tmp_path):
    path = tmp_path / "compare.csv"
    path.write_text(
        "# ----------------------------------------\n# All Web Site Data\n# Source/Medium\n"
        "# 20150401-20150430\n# 20150301-20150331\n# ----------------------------------------\n\n"
        "Source / Medium,Sessions\ngoogle / organic,4\n"
    )
    with pytest.raises(ExportError, match="compares date ranges"):
        read_export(path)


# --------------------------------------------------------------------------- mapping variants


def test_transactions_are_key_events_without_goals(tmp_path):
    path = write(tmp_path, "Source / Medium,Sessions,Transactions,Revenue\ngoogle / organic,10,2,€19.90\n")
    frame = read_export(path).frame
    assert frame["key_events"].tolist() == [2.0]
    assert frame["revenue"].tolist() == [19.9]


def test_per_goal_completions_summed_and_empty_is_na(tmp_path):
    path = write(
        tmp_path,
        "Source / Medium,Sessions,A (Goal 1 Completions),B (Goal 2 Completions)\n"
        "google / organic,10,2,3\nbing / organic,4,1,\n",
    )
    result = read_export(path)
    assert result.frame["key_events"].iloc[0] == 5.0
    assert pd.isna(result.frame["key_events"].iloc[1])
    assert result.report.columns["key_events"] == "A (Goal 1 Completions) + B (Goal 2 Completions)"


def test_ua_channel_grouping_kept_with_warning(tmp_path):
    path = write(tmp_path, "Default Channel Grouping,Sessions\nSocial,10\n(Other),2\n,12\n")
    result = read_export(path)
    assert result.frame["channel"].tolist() == ["Social", "(Other)"]
    assert any("Universal Analytics channel names" in w for w in result.report.warnings)


# --------------------------------------------------------------------------- malformed input


def test_malformed_cell_dropped_with_line_and_column(tmp_path):
    path = write(tmp_path, "Source / Medium,Sessions\ngoogle / organic,12x\nbing / organic,3\n,15\n")
    result = read_export(path)
    assert result.frame["sessions"].tolist() == [3]
    [dropped] = result.report.dropped
    assert (dropped.line, dropped.column, dropped.value) == (8, "Sessions", "12x")
    assert result.report.is_balanced()


def test_cell_in_the_other_number_style_dropped(tmp_path):
    path = write(tmp_path, "Source / Medium,Sessions,Pages / Session,Revenue\n"
                           "google / organic,12,1.50,$3.25\nbing / organic,3,2.00,\"$1,5\"\n")
    result = read_export(path)
    assert result.frame["sessions"].tolist() == [12]
    [dropped] = result.report.dropped
    assert (dropped.line, dropped.column) == (9, "Revenue")
    assert "decimal '.'" in dropped.reason


def test_missing_sessions_column_raises(tmp_path):
    path = write(tmp_path, "Page,Pageviews\n/,10\n")
    with pytest.raises(MissingColumnError) as err:
        read_export(path, format="ua_report_csv")
    assert "Sessions" in str(err.value)
    assert "report.csv" in str(err.value)


# --------------------------------------------------------------------------- number style rule


@pytest.mark.parametrize(
    ("cells", "comma_language", "decimal"),
    [
        (["1,200"], False, "."),  # proves nothing: English default
        (["2.546"], True, ","),  # proves nothing: the language decides
        (["1,200", "0,5"], False, ","),  # 0,5 proves the decimal comma, so 1,200 is 1.2
        (["1,200", "250.5"], True, "."),  # 250.5 proves the decimal point
        (["1.234,56"], False, ","),  # both marks: the last is the decimal mark
        (["1,234,567"], True, "."),  # one mark twice: thousands
        (["0,125"], False, ","),  # a thousands group never follows a leading 0
        (["1234,567"], False, ","),  # nor more than three digits
        (['"99,88%"'.strip('"'), "US$ 0,00"], False, ","),
        (["00:00:31", "(not set)"], False, "."),  # not numbers: no vote
    ],
)
def test_decimal_mark_rule(cells, comma_language, decimal):
    assert detect_number_style(cells, comma_language=comma_language).decimal == decimal


def test_conflicting_cells_are_reported():
    style = detect_number_style(["0,5", "1,25", "2.5"])
    assert style.decimal == ","
    assert style.conflict == "2.5"


@pytest.mark.parametrize(
    ("cell", "cleaned"),
    [("£0.00", "0.00"), ("US$ 0,00", "0,00"), ("A$0.00", "0.00"), ("-£5.00", "-5.00"),
     ("12,50 €", "12,50"), ("CHF 12.50", "12.50"), ("x12", "x12"), ("96.02%", "96.02%")],
)
def test_currency_removed_from_amounts_only(cell, cleaned):
    from engagekit.loaders._records import Record

    [record] = strip_currency_cells([Record(1, ["a", cell])], [1])
    assert record.cells == ["a", cleaned]
