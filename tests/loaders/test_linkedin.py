"""linkedin_posts and linkedin_metrics: the LinkedIn Page content analytics workbook."""

import datetime as dt

import pandas as pd
import pytest
from openpyxl import Workbook

from engagekit.core import schema
from engagekit.core.errors import ExportError, MissingColumnError, UnknownFormatError
from engagekit.loaders import detect_format, read_export
from engagekit.loaders._workbook import sheet_records
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "linkedin"
CURRENT = FIXTURES / "brightpaw_content_1735689600000.xlsx"
OLDER = FIXTURES / "brightpaw_content_1704067200000.xlsx"
GENERIC_XLSX = ALL_FIXTURES / "generic" / "registrations.xlsx"


@pytest.fixture(scope="module")
def posts():
    return read_export(CURRENT, tz="Europe/Berlin")


@pytest.fixture(scope="module")
def metrics():
    return read_export(CURRENT, format="linkedin_metrics")


@pytest.fixture(scope="module")
def older_posts():
    return read_export(OLDER, tz="Europe/Berlin")


@pytest.fixture(scope="module")
def older_metrics():
    return read_export(OLDER, format="linkedin_metrics")


def _workbook(path, sheets):
    """Write ``sheets`` (title -> rows) as a workbook at ``path``."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


# detection


@pytest.mark.parametrize("path", [CURRENT, OLDER])
def test_workbook_detected_as_posts(path):
    assert detect_format(path).name == "linkedin_posts"


def test_other_workbook_not_taken():
    with pytest.raises(UnknownFormatError):
        detect_format(GENERIC_XLSX)


def test_content_named_csv_not_taken(tmp_path):
    path = tmp_path / "brightpaw_content_1735689600000.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(UnknownFormatError):
        detect_format(path)


# the All posts sheet


@pytest.mark.parametrize("name", ["posts", "older_posts"])
def test_posts_frame_is_canonical(name, request):
    result = request.getfixturevalue(name)
    assert result.table == "posts"
    schema.validate(result.frame, "posts")


def test_post_id_from_urn(posts):
    assert posts.frame["post_id"].tolist() == [
        "urn:li:activity:7280000000000000001",
        "urn:li:ugcPost:7280000000000000002",
        "urn:li:share:7280000000000000004",  # percent-encoded in the link
        "https://www.linkedin.com/pulse/how-we-test-chew-toys-brightpaw",  # no urn: the link itself
    ]
    assert posts.frame["url"].iloc[2] == "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7280000000000000004"


def test_created_date_is_midnight_in_tz(posts):
    # Berlin is UTC+1 in January
    assert posts.frame["published_at"].tolist() == [
        pd.Timestamp("2025-01-01 23:00", tz="UTC"),
        pd.Timestamp("2025-01-04 23:00", tz="UTC"),
        pd.Timestamp("2025-01-13 23:00", tz="UTC"),
        pd.Timestamp("2025-01-19 23:00", tz="UTC"),
    ]
    assert posts.report.warnings == []


def test_no_tz_reads_utc_with_warning():
    result = read_export(CURRENT)
    assert result.frame["published_at"].iloc[0] == pd.Timestamp("2025-01-02", tz="UTC")
    assert any("tz=" in w for w in result.report.warnings)


def test_post_columns_mapped(posts):
    frame = posts.frame
    assert frame["platform"].tolist() == ["linkedin"] * 4
    assert frame["account"].tolist() == ["brightpaw"] * 4
    assert frame["text"].iloc[0] == "Five signs your dog needs a new harness"
    assert frame["media_type"].tolist() == ["image", "video", "text", "article"]
    assert frame["impressions"].tolist() == [1520, 12000, 0, 640]
    assert frame["link_clicks"].tolist() == [48, 310, 0, 19]
    assert frame["comments"].tolist() == [4, 0, 0, 3]
    assert frame["shares"].tolist() == [2, 5, 0, 1]
    assert frame["follows"].tolist() == [1, 12, 0, 2]
    assert frame["source_file"].tolist() == [CURRENT.name] * 4
    assert posts.report.columns["shares"] == "Reposts"
    assert posts.report.columns["reactions"] == "Likes"


def test_sponsored_post_is_paid(posts):
    assert posts.frame["paid"].tolist() == [False, True, False, False]


def test_post_type_other_value_is_na_with_warning(tmp_path):
    path = _workbook(tmp_path / "page_content_1.xlsx", {"All posts": [
        ["description"],
        ["Post link", "Created date", "Post type"],
        ["https://www.linkedin.com/feed/update/urn:li:activity:1", "01/02/2025", "Boosted"],
        ["https://www.linkedin.com/feed/update/urn:li:activity:2", "01/03/2025", None],
    ]})
    result = read_export(path, tz="UTC")
    assert result.frame["paid"].isna().tolist() == [True, True]
    assert any("'Boosted'" in w for w in result.report.warnings)


def test_empty_cell_is_na_and_zero_is_zero(posts):
    frame = posts.frame
    assert pd.isna(frame["text"].iloc[2])
    assert pd.isna(frame["reactions"].iloc[2])  # Likes empty: not reported
    assert frame["impressions"].iloc[2] == 0  # reported zero
    assert frame["video_views"].isna().tolist() == [True, False, True, True]
    assert frame["comments"].iloc[1] == 0


def test_malformed_number_drops_row_with_sheet_row(posts):
    report = posts.report
    assert (report.rows_read, report.rows_loaded) == (5, 4)
    assert dict(report.rows_dropped) == {"not a number": 1}
    dropped = report.dropped[0]
    # sheet row 5: description row 1, header row 2, then the third post
    assert (dropped.line, dropped.column, dropped.value) == (5, "Impressions", "1.2k")
    assert report.is_balanced()


def test_posted_by_never_enters_the_frame(posts):
    text = posts.frame.astype("str").to_csv()
    for name in ("Jane Fictional", "Tom Invented"):
        assert name not in text
    assert "Posted by" not in posts.report.columns.values()


def test_older_export_shares_column(older_posts, older_metrics):
    assert older_posts.frame["shares"].tolist() == [3]
    assert older_posts.report.columns["shares"] == "Shares"
    assert older_posts.frame["post_id"].tolist() == ["urn:li:activity:7146000000000000001"]
    assert older_metrics.frame["shares"].tolist() == [1, 0]
    assert older_metrics.report.columns["shares"] == "Shares (total)"


# the Metrics sheet


@pytest.mark.parametrize("name", ["metrics", "older_metrics"])
def test_metrics_frame_is_canonical(name, request):
    result = request.getfixturevalue(name)
    assert result.table == "account_daily"
    assert result.format == "linkedin_metrics"
    schema.validate(result.frame, "account_daily")


def test_metrics_totals_mapped(metrics):
    frame = metrics.frame
    assert frame["date"].tolist() == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-02"), pd.Timestamp("2025-01-03")]
    assert frame["impressions"].tolist() == [120, 810, 95]
    assert frame["link_clicks"].tolist() == [4, 30, 2]
    assert frame["comments"].tolist() == [1, 3, 0]
    assert frame["shares"].tolist() == [0, 1, 0]
    assert frame["reach"].isna().all()  # Unique impressions are organic only
    assert frame["account"].tolist() == ["brightpaw"] * 3


def test_metrics_empty_is_na_zero_is_zero(metrics):
    reactions = metrics.frame["reactions"]
    assert reactions.iloc[1] == 20
    assert pd.isna(reactions.iloc[2])
    assert metrics.frame["comments"].iloc[2] == 0


def test_metrics_malformed_number_dropped(metrics):
    report = metrics.report
    assert (report.rows_read, report.rows_loaded) == (4, 3)
    assert [(d.line, d.column, d.value, d.reason) for d in report.dropped] == [
        (6, "Impressions (total)", "15O", "not a number")
    ]
    assert report.is_balanced()


def test_metrics_never_detected():
    assert detect_format(CURRENT).name != "linkedin_metrics"


# sheets, options and errors


def test_missing_sheet_lists_the_sheets(tmp_path):
    path = _workbook(tmp_path / "brightpaw_content_1.xlsx", {"Metrics": [["d"], ["Date"]], "Notes": [["x"]]})
    with pytest.raises(ExportError) as err:
        read_export(path)
    message = str(err.value)
    assert str(path) in message
    assert "'All posts'" in message
    assert "'Metrics', 'Notes'" in message


def test_sheet_option(tmp_path):
    path = _workbook(tmp_path / "brightpaw_content_2.xlsx", {"Publicações": [
        ["description"],
        ["Post link", "Created date", "Impressions"],
        ["https://www.linkedin.com/feed/update/urn:li:activity:9", "02/01/2025", 7],
    ]})
    result = read_export(path, sheet="Publicações", tz="UTC")
    assert result.frame["post_id"].tolist() == ["urn:li:activity:9"]
    assert result.frame["published_at"].tolist() == [pd.Timestamp("2025-02-01", tz="UTC")]
    assert result.frame["impressions"].tolist() == [7]
    by_position = read_export(path, sheet=0, tz="UTC")
    assert by_position.frame["post_id"].tolist() == ["urn:li:activity:9"]


def test_missing_required_column_names_file(tmp_path):
    path = _workbook(tmp_path / "brightpaw_content_3.xlsx", {"Metrics": [
        ["Métricas agregadas"],
        ["Data", "Impressões (orgânicas)"],
        ["01/02/2025", 5],
    ]})
    with pytest.raises(MissingColumnError) as err:
        read_export(path, format="linkedin_metrics")
    assert err.value.missing == ["Date"]
    assert "Impressões (orgânicas)" in err.value.present
    assert err.value.line == 2
    assert str(path) in str(err.value)


def test_empty_created_date_drops_row(tmp_path):
    path = _workbook(tmp_path / "brightpaw_content_4.xlsx", {"All posts": [
        ["description"],
        ["Post link", "Created date"],
        ["https://www.linkedin.com/feed/update/urn:li:activity:1", None],
        [None, "01/02/2025"],
    ]})
    report = read_export(path, tz="UTC").report
    assert [(d.line, d.reason) for d in report.dropped] == [(3, "empty date/time"), (4, "empty required value")]
    assert report.rows_loaded == 0 and report.is_balanced()


def test_excel_date_cells_read_like_text_dates(tmp_path):
    path = _workbook(tmp_path / "brightpaw_content_5.xlsx", {"Metrics": [
        ["description"],
        ["Date", "Impressions (total)"],
        [dt.datetime(2025, 3, 4), 10],
        ["03/05/2025", 11.0],
    ]})
    result = read_export(path, format="linkedin_metrics")
    assert result.frame["date"].tolist() == [pd.Timestamp("2025-03-04"), pd.Timestamp("2025-03-05")]
    assert result.frame["impressions"].tolist() == [10, 11]


def test_date_format_option(tmp_path):
    path = _workbook(tmp_path / "brightpaw_content_6.xlsx", {"Metrics": [
        ["description"], ["Date"], ["31/01/2025"],
    ]})
    result = read_export(path, format="linkedin_metrics", date_format="%d/%m/%Y")
    assert result.frame["date"].tolist() == [pd.Timestamp("2025-01-31")]
    dropped = read_export(path, format="linkedin_metrics").report.dropped
    assert [(d.line, d.column) for d in dropped] == [(3, "Date")]


def test_old_binary_xls_is_a_clear_error(tmp_path):
    path = tmp_path / "brightpaw_content_1735689600000.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert detect_format(path).name == "linkedin_posts"
    with pytest.raises(ExportError, match=r"save it as an Excel Workbook \(\.xlsx\)") as err:
        read_export(path)
    assert str(path) in str(err.value)


def test_not_a_workbook_is_a_clear_error(tmp_path):
    path = tmp_path / "brightpaw_content_1735689600000.xlsx"
    path.write_text("Date,Impressions\n01/01/2025,3\n")
    with pytest.raises(ExportError, match="not an .xlsx workbook"):
        read_export(path, format="linkedin_posts")


def test_damaged_zip_is_a_clear_error(tmp_path):
    path = tmp_path / "brightpaw_content_1735689600000.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    with pytest.raises(ExportError, match="not a readable .xlsx workbook"):
        read_export(path)


def test_xlsx_content_named_xls_is_read(tmp_path):
    path = tmp_path / "brightpaw_content_1735689600000.xls"
    path.write_bytes(CURRENT.read_bytes())
    result = read_export(path, tz="Europe/Berlin")
    assert result.format == "linkedin_posts"
    assert result.report.rows_loaded == 4


def test_sheet_records_lines_are_sheet_rows(tmp_path):
    path = _workbook(tmp_path / "rows.xlsx", {"S": [[None], ["a", "b"], [None, None], [1.5, None], [None, "x"]]})
    records = sheet_records(path, "s", file=path)
    assert [(r.line, r.cells) for r in records] == [(2, ["a", "b"]), (4, ["1.5", ""]), (5, ["", "x"])]


def test_engagement_rate_is_the_reported_rate(posts):
    assert posts.frame["reported_engagement_rate"].tolist() == [0.0579, 0.0363, 0.0, 0.0656]
    assert posts.report.columns["reported_engagement_rate"] == "Engagement rate"


def test_engagement_rate_written_as_percentage(tmp_path):
    path = _workbook(tmp_path / "page_content_1.xlsx", {"All posts": [
        ["description"],
        ["Post link", "Created date", "Impressions", "Engagement rate"],
        ["https://www.linkedin.com/feed/update/urn:li:activity:1", "01/02/2025", 1000, "5.79%"],
        ["https://www.linkedin.com/feed/update/urn:li:activity:2", "01/03/2025", 500, None],
    ]})
    frame = read_export(path, tz="UTC").frame
    assert frame["reported_engagement_rate"].iloc[0] == pytest.approx(0.0579)
    assert pd.isna(frame["reported_engagement_rate"].iloc[1])
