"""youtube_table / youtube_chart / youtube_totals: the YouTube Studio advanced-mode export, zip or CSVs."""

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import ExportError, MissingColumnError
from engagekit.loaders import detect_format, read_export
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "youtube_studio"
ZIP = FIXTURES / "Content 2024-09-01_2024-09-30 Harbour Lane Kitchen.zip"
TOTALS_ONLY_ZIP = FIXTURES / "Content 2024-10-01_2024-10-31 Harbour Lane Kitchen.zip"
TABLE = FIXTURES / "Table data.csv"
CHART = FIXTURES / "Chart data.csv"
TOTALS = FIXTURES / "Totals.csv"
NO_CONTENT = FIXTURES / "no_content_column.csv"
TZ = "Europe/London"


@pytest.fixture(scope="module")
def videos():
    return read_export(ZIP, tz=TZ)


@pytest.fixture(scope="module")
def chart():
    return read_export(ZIP, format="youtube_chart")


@pytest.fixture(scope="module")
def totals():
    return read_export(ZIP, format="youtube_totals")


def _video(result, post_id):
    frame = result.frame
    return frame.loc[frame["post_id"] == post_id].iloc[0]


@pytest.mark.parametrize(
    ("path", "name"),
    [(ZIP, "youtube_table"), (TABLE, "youtube_table"), (CHART, "youtube_chart"), (TOTALS, "youtube_totals")],
)
def test_detected(path, name):
    assert detect_format(path).name == name


def test_tiktok_zip_is_not_taken():
    tiktok = ALL_FIXTURES / "tiktok" / "Overview_2025-08-28_1756371234_harbourlane.kitchen.zip"
    assert not detect_format(tiktok).name.startswith("youtube")


def test_tiktok_overview_csv_is_not_taken_as_totals():
    assert detect_format(ALL_FIXTURES / "tiktok" / "Overview.csv").name == "tiktok_overview"


def test_frames_validate(videos, chart, totals):
    schema.validate(videos.frame, "posts")
    schema.validate(chart.frame, "account_daily")
    schema.validate(totals.frame, "account_daily")


def test_table_report_balances_with_total_row(videos):
    report = videos.report
    assert (report.rows_read, report.rows_loaded, report.rows_totals, report.n_dropped) == (7, 5, 1, 1)
    assert report.is_balanced()
    assert "Total" not in videos.frame["post_id"].tolist()


def test_zip_and_csv_give_the_same_posts(videos):
    from_csv = read_export(TABLE, tz=TZ, account="Harbour Lane Kitchen").frame
    pd.testing.assert_frame_equal(
        videos.frame.drop(columns="source_file"), from_csv.drop(columns="source_file")
    )
    assert videos.frame["source_file"].iloc[0] == f"{ZIP.name}:Table data.csv"
    assert from_csv["source_file"].iloc[0] == "Table data.csv"


def test_leading_space_stripped_from_id(videos):
    assert videos.frame["post_id"].tolist() == [
        "aB3dE5gH7jK", "-Qx2Lm9Np0R", "Zz9Yy8Xx7Ww", "Pq4Rs5Tu6Vw", "Mn1Op2Qr3St",
    ]
    assert _video(videos, "-Qx2Lm9Np0R")["url"] == "https://www.youtube.com/watch?v=-Qx2Lm9Np0R"


def test_mapping(videos):
    row = _video(videos, "aB3dE5gH7jK")
    assert row["platform"] == "youtube"
    assert row["account"] == "Harbour Lane Kitchen"  # from the zip's name
    assert row["text"] == "Sourdough, step by step"
    assert row["media_type"] == "video"
    assert (row["video_views"], row["impressions"], row["follows"]) == (9950, 150200, 71)
    assert _video(videos, "-Qx2Lm9Np0R")["text"] == 'Knife skills: the "claw" grip'


def test_publish_day_is_local_midnight(videos):
    # "Sep 3, 2024" at midnight in London (BST, UTC+1)
    assert _video(videos, "aB3dE5gH7jK")["published_at"] == pd.Timestamp("2024-09-02 23:00", tz="UTC")


def test_video_without_publish_time_is_kept(videos):
    row = _video(videos, "Zz9Yy8Xx7Ww")
    assert pd.isna(row["published_at"])
    assert row["video_views"] == 42
    assert any("1 video(s) have no 'Video publish time'" in w for w in videos.report.warnings)


def test_negative_subscribers_kept_as_follows(videos):
    assert _video(videos, "Zz9Yy8Xx7Ww")["follows"] == -3


def test_empty_is_na_and_zero_is_zero(videos):
    empty = _video(videos, "Mn1Op2Qr3St")
    assert pd.isna(empty["video_views"]) and pd.isna(empty["follows"])
    assert empty["impressions"] == 0
    assert _video(videos, "Pq4Rs5Tu6Vw")["follows"] == 0


def test_malformed_views_drops_row_with_line(videos):
    (bad,) = videos.report.dropped
    assert (bad.line, bad.column, bad.value, bad.reason) == (8, "Views", "12x", "not a number")


def test_account_option_wins_over_zip_name():
    assert read_export(ZIP, account="hlk").frame["account"].unique().tolist() == ["hlk"]


def test_no_tz_warns():
    result = read_export(TABLE)
    assert any("no time zone" in w for w in result.report.warnings)
    assert result.frame["published_at"].iloc[0] == pd.Timestamp("2024-09-03", tz="UTC")


def test_chart_sums_videos_per_day(chart):
    frame = chart.frame
    assert frame["date"].tolist() == [pd.Timestamp(d) for d in ("2024-09-16", "2024-09-17", "2024-09-18", "2024-09-19")]
    # 09-16: 120 + 45 + NA; 09-17: 98 + 40 + 310; 09-18: 101 + NA + 205; 09-19: only NA
    assert frame["video_views"].tolist()[:3] == [165, 448, 306]
    assert pd.isna(frame["video_views"].iloc[3])
    assert frame["platform"].unique().tolist() == ["youtube"]


def test_chart_report_counts_merged_rows(chart):
    report = chart.report
    assert (report.rows_read, report.rows_loaded, report.rows_merged, report.n_dropped) == (11, 4, 6, 1)
    assert report.is_balanced()


def test_chart_malformed_row_dropped_not_summed(chart):
    (bad,) = chart.report.dropped
    assert (bad.line, bad.column, bad.value) == (12, "Views", "n/a")


def test_chart_csv_read_directly():
    result = read_export(CHART)
    assert result.frame["video_views"].tolist()[:3] == [165, 448, 306]
    assert result.frame["account"].isna().all()


def test_totals_one_row_per_day(totals):
    frame = totals.frame
    assert len(frame) == 4 and totals.report.is_balanced()
    assert frame["video_views"].iloc[1] == 448
    assert pd.isna(frame["video_views"].iloc[2])  # empty: not reported
    assert frame["video_views"].iloc[3] == 0


def test_member_option_names_another_file():
    result = read_export(ZIP, format="youtube_chart", member="Totals.csv")
    assert len(result.frame) == 4 and result.report.rows_merged == 0


def test_zip_without_member_names_it():
    with pytest.raises(ExportError, match=r"holds no 'Table data.csv'; it holds 'Totals.csv'") as err:
        read_export(TOTALS_ONLY_ZIP)
    assert TOTALS_ONLY_ZIP.name in str(err.value)
    assert "format='youtube_totals'" in str(err.value)


def test_missing_content_column():
    with pytest.raises(MissingColumnError, match="'Content'") as err:
        read_export(NO_CONTENT, format="youtube_table")
    assert err.value.file.endswith("no_content_column.csv")


def test_unmapped_chart_metric_warns(tmp_path):
    path = tmp_path / "Chart data.csv"
    path.write_text("Date,Content,Video title,Video publish time,Duration,Stayed to watch (%)\n"
                    "2024-09-16,aB3dE5gH7jK,Sourdough,\"Sep 3, 2024\",612,71\n")
    result = read_export(path)
    assert result.frame["video_views"].isna().all()
    assert any("'Stayed to watch (%)'" in w for w in result.report.warnings)


def test_a_damaged_zip_is_one_clear_error(tmp_path):
    source = FIXTURES / "Content 2024-09-01_2024-09-30 Harbour Lane Kitchen.zip"
    damaged = tmp_path / source.name
    data = bytearray(source.read_bytes())
    start = data.index(b"Table data.csv") + len(b"Table data.csv") + 20  # inside the first member's data
    data[start:start + 40] = bytes(40)
    damaged.write_bytes(bytes(data))
    with pytest.raises(ExportError, match="not a readable zip archive"):
        read_export(damaged)
