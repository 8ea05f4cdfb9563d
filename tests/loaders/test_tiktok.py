"""tiktok_overview / tiktok_followers: TikTok Studio downloads (zip, CSV, xlsx) into account_daily."""

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import ExportError, MissingColumnError
from engagekit.loaders import detect_format, read_export
from engagekit.loaders.tiktok import month_day
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "tiktok"
HANDLE = "harbourlane.kitchen"
OVERVIEW_ZIP = FIXTURES / f"Overview_2025-08-28_1756371234_{HANDLE}.zip"
OVERVIEW_XLSX = FIXTURES / f"Overview_2025-08-28_1756371234_{HANDLE}.xlsx"
FOLLOWERS_ZIP = FIXTURES / f"Followers_2025-08-28_1756371240_{HANDLE}.zip"
NEW_YEAR_ZIP = FIXTURES / f"Overview_2025-01-03_1735896000_{HANDLE}.zip"
RUSSIAN_ZIP = FIXTURES / f"Overview_2025-05-02_1746172800_{HANDLE}.zip"
OVERVIEW_CSV = FIXTURES / "Overview.csv"
FOLLOWERS_CSV = FIXTURES / "FollowerHistory.csv"


def _days(*texts):
    return [pd.Timestamp(t) for t in texts]


@pytest.fixture(scope="module")
def overview():
    return read_export(OVERVIEW_ZIP)


@pytest.fixture(scope="module")
def followers():
    return read_export(FOLLOWERS_ZIP)


def test_fixture_csv_has_bom_and_quotes():
    assert OVERVIEW_CSV.read_bytes().startswith(b'\xef\xbb\xbf"Date","Video Views"')


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (OVERVIEW_ZIP, "tiktok_overview"),
        (OVERVIEW_XLSX, "tiktok_overview"),
        (OVERVIEW_CSV, "tiktok_overview"),
        (FOLLOWERS_ZIP, "tiktok_followers"),
        (FOLLOWERS_CSV, "tiktok_followers"),
    ],
)
def test_detected(path, name):
    assert detect_format(path).name == name


def test_youtube_zip_is_not_taken():
    youtube = ALL_FIXTURES / "youtube_studio" / "Content 2024-09-01_2024-09-30 Harbour Lane Kitchen.zip"
    assert not detect_format(youtube).name.startswith("tiktok")


def test_frames_validate(overview, followers):
    schema.validate(overview.frame, "account_daily")
    schema.validate(followers.frame, "account_daily")


def test_report_balances(overview):
    report = overview.report
    assert (report.rows_read, report.rows_loaded, report.n_dropped) == (5, 4, 1)
    assert report.is_balanced()


def test_overview_mapping(overview):
    row = overview.frame.iloc[0]
    assert (row["platform"], row["account"], row["date"]) == ("tiktok", HANDLE, pd.Timestamp("2025-08-24"))
    assert (row["video_views"], row["reactions"], row["comments"], row["shares"], row["new_followers"]) == (
        1520, 210, 12, 5, 9,
    )
    assert overview.report.columns["reactions"] == "Likes"
    assert "Profile Views" not in overview.report.columns.values()


def test_year_from_zip_name(overview):
    assert overview.frame["date"].tolist() == _days("2025-08-24", "2025-08-25", "2025-08-26", "2025-08-28")


def test_undefined_is_na_and_zero_is_zero(overview):
    frame = overview.frame.set_index("date")
    day = frame.loc[pd.Timestamp("2025-08-26")]
    assert pd.isna(day["video_views"]) and pd.isna(day["new_followers"])
    assert day["shares"] == 0
    assert frame.loc[pd.Timestamp("2025-08-28"), "video_views"] == 0


def test_negative_daily_value_kept(overview):
    assert overview.frame.set_index("date").loc[pd.Timestamp("2025-08-25"), "comments"] == -1


def test_malformed_cell_dropped_with_line(overview):
    (bad,) = overview.report.dropped
    assert (bad.line, bad.column, bad.value, bad.reason) == (5, "Video Views", "12o4", "not a number")


def test_window_across_new_year():
    frame = read_export(NEW_YEAR_ZIP).frame
    assert frame["date"].tolist() == _days("2024-12-30", "2024-12-31", "2025-01-01", "2025-01-02", "2025-01-03")


def test_russian_month_names():
    frame = read_export(RUSSIAN_ZIP).frame
    assert frame["date"].tolist() == _days("2025-04-29", "2025-04-30", "2025-05-01", "2025-05-02")
    assert frame["video_views"].tolist() == [640, 512, 701, 455]


def test_xlsx_same_as_csv(overview):
    pd.testing.assert_frame_equal(read_export(OVERVIEW_XLSX).frame, overview.frame)


def test_no_year_raises_naming_file():
    with pytest.raises(ExportError, match=r"pass year=YYYY") as err:
        read_export(OVERVIEW_CSV)
    assert err.value.file.endswith("Overview.csv")
    assert (err.value.line, err.value.column) == (2, "Date")


def test_year_option():
    result = read_export(OVERVIEW_CSV, year=2024, account="hlk")
    assert result.frame["date"].iloc[0] == pd.Timestamp("2024-08-24")
    assert result.frame["account"].unique().tolist() == ["hlk"]


def test_year_option_overrides_name():
    assert read_export(OVERVIEW_ZIP, year=2023).frame["date"].iloc[0] == pd.Timestamp("2023-08-24")


def test_export_date_option():
    frame = read_export(OVERVIEW_CSV, export_date="2025-08-25").frame
    # 24 and 25 August are on or before the export day; 26 and 28 August fall in the year before
    assert frame["date"].tolist() == _days("2025-08-24", "2025-08-25", "2024-08-26", "2024-08-28")


def test_year_alone_across_new_year_warns(tmp_path):
    path = tmp_path / "Overview.csv"
    path.write_bytes(
        b'\xef\xbb\xbf"Date","Video Views","Profile Views"\n"31 December","5","1"\n"1 January","6","2"\n'
    )
    result = read_export(path, year=2025)
    assert result.frame["date"].tolist() == _days("2025-12-31", "2025-01-01")
    assert any("December into January" in w for w in result.report.warnings)


def test_followers_mapping(followers):
    frame = followers.frame
    assert frame["date"].tolist() == _days("2025-08-25", "2025-08-26", "2025-08-27", "2025-08-28")
    assert frame["followers"].tolist()[:2] == [1200, 1197]
    assert pd.isna(frame["followers"].iloc[2])
    assert frame["account"].unique().tolist() == [HANDLE]
    assert frame["new_followers"].isna().all()  # the net difference is not new followers
    assert followers.report.is_balanced()


def test_missing_column_names_file(tmp_path):
    path = tmp_path / "FollowerHistory.csv"
    path.write_bytes(b'\xef\xbb\xbf"Date","Difference in followers from previous day"\n"28 May","3"\n')
    with pytest.raises(MissingColumnError, match="'Followers'") as err:
        read_export(path, format="tiktok_followers", year=2025)
    assert err.value.file.endswith("FollowerHistory.csv")


def test_zip_without_member():
    with pytest.raises(ExportError, match="holds no 'FollowerHistory.csv'"):
        read_export(OVERVIEW_ZIP, format="tiktok_followers")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("September 25", (None, 9, 25)),
        ("28 May", (None, 5, 28)),
        ("28 апреля", (None, 4, 28)),
        ("1 мая", (None, 5, 1)),
        ("Sep 25, 2024", (2024, 9, 25)),
        ("2025-08-28 00:00:00", (2025, 8, 28)),
        ("Smarch 3", None),
        ("40 May", None),
    ],
)
def test_month_day(text, parts):
    assert month_day(text) == parts
