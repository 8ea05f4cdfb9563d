"""facebook_page_daily: the classic Page-level daily Insights export into account_daily."""

import csv
import time

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import ExportError, MissingColumnError
from engagekit.loaders import FORMATS, _blocks, detect_format, read_export
from engagekit.loaders._decode import head_text
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "facebook_page_daily"
CP1252 = FIXTURES / "Facebook Insights Data Export - Harbour Lane Bakery - 2021-03-01 - 2021-03-08.csv"
UTF8 = FIXTURES / "Facebook Insights Data Export - Northside Florist - 2021-05-01 - 2021-05-05.csv"
NO_DATE = FIXTURES / "no_date_column.csv"
NO_DESCRIPTION = FIXTURES / "no_description_row.csv"
POST_LEVEL = (
    ALL_FIXTURES / "facebook_post_level"
    / "Facebook Insights Data Export (Post Level) - Harbour Lane Bakery - 2021-03-01 - 2021-03-31.csv"
)
NA = pd.NA


@pytest.fixture(scope="module")
def bakery():
    return read_export(CP1252)


@pytest.fixture(scope="module")
def florist():
    return read_export(UTF8)


def _column(result, name):
    return result.frame[name].astype(object).where(result.frame[name].notna(), NA).tolist()


def test_fixture_bytes_are_the_export_format():
    raw = CP1252.read_bytes()
    assert b"Catalu\xf1a" in raw  # cp1252, not UTF-8
    assert raw.count(b"\n") == raw.count(b"\r\n") and raw.endswith(b"\r\n")
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "\ufffdrebro".encode() in UTF8.read_bytes()


@pytest.mark.parametrize("path", [CP1252, UTF8])
def test_detected(path):
    assert detect_format(path).name == "facebook_page_daily"


def test_post_level_export_is_not_taken():
    assert not FORMATS["facebook_page_daily"].sniff(head_text(POST_LEVEL), POST_LEVEL.name)
    assert not FORMATS["facebook_post_level"].sniff(head_text(CP1252), CP1252.name)


def test_cut_header_is_still_detected():
    head = head_text(CP1252)[:300]  # a 2,681-column header is longer than the sniffed head
    assert FORMATS["facebook_page_daily"].sniff(head, CP1252.name)


@pytest.mark.parametrize("name", ["bakery", "florist"])
def test_frame_is_canonical_account_daily(name, request):
    result = request.getfixturevalue(name)
    assert result.table == "account_daily"
    schema.validate(result.frame, "account_daily")


def test_report_balances(bakery):
    report = bakery.report
    assert (report.rows_read, report.rows_loaded, report.n_dropped) == (7, 6, 1)
    assert report.is_balanced()


def test_malformed_cell_dropped_with_line_and_column(bakery):
    assert len(bakery.report.dropped) == 1
    dropped = bakery.report.dropped[0]
    assert (dropped.line, dropped.column, dropped.value) == (8, "Daily Total Reach", "9O")
    assert dropped.reason == "not a number"


def test_dates_platform_and_account(bakery):
    assert bakery.frame["date"].tolist() == [
        pd.Timestamp(f"2021-03-0{day}") for day in (1, 2, 3, 4, 5, 7)
    ]
    assert set(bakery.frame["platform"]) == {"facebook"}
    assert set(bakery.frame["account"]) == {"Harbour Lane Bakery"}


def test_scalar_mapping(bakery):
    frame = bakery.frame.iloc[2:]
    assert frame["followers"].tolist() == [240, 243, 243, 244]
    assert frame["new_followers"].tolist() == [0, 3, 1, 1]
    assert frame["lost_followers"].tolist() == [0, 0, 1, 0]
    assert frame["impressions"].tolist() == [0, 410, 160, 31]
    assert frame["reach"].tolist() == [0, 150, 80, 20]
    assert frame["engagements"].tolist() == [0, 12, 5, 0]


def test_empty_scalar_cell_is_na_and_zero_is_zero(bakery):
    assert _column(bakery, "video_views")[2:] == [NA, 30, NA, 0]


def test_duplicated_names_read_total_count_when_unique_users_come_first(bakery):
    # Unique Users block: like 5, comment 2, link 1; Total Count block: 9, 3, 2.
    row = bakery.frame.iloc[3]
    assert (row["reactions"], row["comments"], row["shares"]) == (9, 3, 2)


def test_duplicated_names_read_total_count_when_it_comes_first(florist):
    # Total Count block first (like 11, comment 4), Unique Users second (8, 3).
    assert florist.frame["reactions"].tolist() == [11, 2, 0, 3]
    assert florist.frame["comments"].tolist() == [4, 0, 0, 1]


def test_empty_breakdown_cell_is_zero_on_a_reported_day(bakery):
    assert bakery.frame["comments"].iloc[4] == 0
    assert bakery.frame["link_clicks"].iloc[2:].tolist() == [0, 4, 0, 0]


def test_breakdown_key_absent_from_header_is_zero(florist):
    assert florist.frame["shares"].tolist() == [0, 0, 0, 0]


def test_breakdown_is_na_when_its_total_is_not_reported(florist):
    assert _column(florist, "link_clicks") == [5, NA, 0, 3]


def test_leading_placeholder_days_are_na(bakery):
    metrics = [c for c in schema.METRIC_DTYPES["account_daily"]]
    assert bakery.frame.loc[:1, metrics].isna().all().all()
    assert any("2 leading days (2021-03-01 to 2021-03-02)" in w for w in bakery.report.warnings)


def test_zero_followers_with_data_are_kept(florist):
    assert not any("leading days" in w for w in florist.report.warnings)


def test_metrics_not_in_export_are_na(florist):
    assert florist.frame["video_views"].isna().all()
    assert florist.frame["posts_published"].isna().all()


def test_report_names_the_kind_read(bakery):
    assert bakery.report.columns["reactions"] == "Daily Positive Feedback from Users - like (Total Count)"
    assert bakery.report.columns["reach"] == "Daily Total Reach (Unique Users)"


def test_record_by_record_read_gives_the_same_frame(bakery, monkeypatch):
    monkeypatch.setattr(_blocks, "read_table", lambda *args, **kwargs: None)
    result = read_export(CP1252)
    pd.testing.assert_frame_equal(result.frame, bakery.frame)
    assert [d.line for d in result.report.dropped] == [8]


def test_account_from_option_when_file_name_has_no_page(tmp_path):
    path = tmp_path / "page_insights.csv"
    path.write_bytes(CP1252.read_bytes())
    result = read_export(path, account="Harbour Lane")
    assert set(result.frame["account"]) == {"Harbour Lane"}


def test_missing_date_column_raises():
    with pytest.raises(MissingColumnError) as info:
        read_export(NO_DATE, format="facebook_page_daily")
    assert info.value.missing == ["Date"]
    assert str(NO_DATE) in str(info.value)


def test_missing_description_row_raises():
    with pytest.raises(ExportError) as info:
        read_export(NO_DESCRIPTION)
    assert str(NO_DESCRIPTION) in str(info.value)
    assert info.value.line == 2
    assert "description row" in str(info.value)


def test_wide_export_loads_quickly(tmp_path):
    # 3,000 breakdown columns around the mapped ones, as in real exports of a busy Page.
    header = ["Date", "Lifetime Total Likes", "Daily New Likes", "Daily Total Reach"]
    header += [f"Lifetime Likes by City - City {i}, Region, Country" for i in range(3000)]
    descriptions = [
        "", "Lifetime: likes. (Unique Users)", "Daily: new likes (Unique Users)",
        "Daily: reach. (Unique Users)", "Lifetime: by city. (Unique Users)",
    ] + [""] * 2999
    rows = [[f"1/{d}/2022", str(100 + d), "1", str(10 * d)] + [str(d)] * 3000 for d in range(1, 32)]
    path = tmp_path / "Facebook Insights Data Export - Wide Page - 2022-01-01 - 2022-01-31.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([header, descriptions, *rows])
    start = time.perf_counter()
    result = read_export(path)
    assert time.perf_counter() - start < 3
    assert result.frame["followers"].tolist() == [100 + d for d in range(1, 32)]
    assert result.frame["reach"].iloc[-1] == 310


def test_column_of_the_wrong_kind_is_not_read(tmp_path):
    path = tmp_path / "Facebook Insights Data Export - Kind Page - 2022-01-01 - 2022-01-01.csv"
    path.write_bytes(
        b"Date,Lifetime Total Likes,Daily Total Impressions\r\n"
        b",Lifetime: likes. (Unique Users),Daily: impressions. (Unique Users)\r\n"
        b"1/1/2022,5,7\r\n"
    )
    result = read_export(path)
    assert result.frame["followers"].tolist() == [5]
    assert result.frame["impressions"].isna().all()
    assert any("'Daily Total Impressions' is described as Unique Users" in w for w in result.report.warnings)
