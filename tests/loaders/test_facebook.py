"""facebook_post_level: the classic Page Insights post-level and video-posts exports into posts."""

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import MissingColumnError
from engagekit.loaders import detect_format, read_export
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "facebook_post_level"
POSTS = FIXTURES / (
    "Facebook Insights Data Export (Post Level) - Harbour Lane Bakery - 2021-03-01 - 2021-03-31.csv"
)
VIDEOS = FIXTURES / (
    "Facebook Insights Data Export (Video Posts) - Harbour Lane Bakery - 2021-03-01 - 2021-03-31.csv"
)
NO_VIDEOS = FIXTURES / (
    "Facebook Insights Data Export (Video Posts) - Harbour Lane Bakery - 2021-02-01 - 2021-02-28.csv"
)
NO_POSTED = FIXTURES / "no_posted_column.csv"
TZ = "Australia/Melbourne"


@pytest.fixture(scope="module")
def posts():
    return read_export(POSTS, tz=TZ)


@pytest.fixture(scope="module")
def videos():
    return read_export(VIDEOS, tz=TZ)


def _utc(text):
    return pd.Timestamp(text, tz="UTC")


def test_fixture_has_bom():
    assert POSTS.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("path", [POSTS, VIDEOS, NO_VIDEOS])
def test_detected(path):
    assert detect_format(path).name == "facebook_post_level"


def test_frame_is_canonical_posts(posts):
    assert posts.table == "posts"
    schema.validate(posts.frame, "posts")


def test_report_counts(posts):
    report = posts.report
    assert report.rows_read == 5
    assert report.rows_loaded == 3
    assert report.n_dropped == 2
    assert report.is_balanced()


def test_mentioned_row_is_dropped(posts):
    assert posts.report.rows_dropped["post by another account mentioning the Page"] == 1
    mentioned = [d for d in posts.report.dropped if d.reason.startswith("post by another")]
    assert [d.line for d in mentioned] == [6]
    assert "900000000000001_900000000000103" not in posts.frame["post_id"].tolist()


def test_malformed_posted_drops_row_with_line(posts):
    bad = [d for d in posts.report.dropped if d.column == "Posted"]
    assert len(bad) == 1
    assert bad[0].line == 7
    assert bad[0].value == "2021-03-17 10:00"
    assert bad[0].reason.startswith("not a valid date/time")


def test_ids_urls_and_account(posts):
    frame = posts.frame
    assert frame["post_id"].tolist() == [
        "900000000000001_900000000000101",
        "900000000000001_900000000000102",
        "900000000000001_900000000000105",
    ]
    assert frame["url"].iloc[2] == (
        "https://www.facebook.com/HarbourLaneBakery/posts/900000000000105:0"
    )
    assert set(frame["platform"]) == {"facebook"}
    assert set(frame["account"]) == {"Harbour Lane Bakery"}
    assert set(frame["source_file"]) == {POSTS.name}


def test_embedded_newline_kept_in_text(posts):
    assert posts.frame["text"].iloc[0] == (
        "Fresh sourdough every Saturday!\n"
        "Order ahead: https://harbourlane.example/order?utm_campaign=spring&utm_content=sourdough"
    )


def test_published_at_read_in_tz(posts):
    assert posts.frame["published_at"].tolist() == [
        _utc("2021-03-13 22:05:00"),
        _utc("2021-03-15 07:30:00"),
        _utc("2021-03-17 13:15:00"),
    ]
    assert posts.report.warnings == []


def test_published_at_utc_with_warning_without_tz():
    result = read_export(POSTS)
    assert result.frame["published_at"].iloc[0] == _utc("2021-03-14 09:05:00")
    assert any("time zone" in w for w in result.report.warnings)


def test_media_type_lower_case_sharedvideo_is_video(posts):
    assert posts.frame["media_type"].tolist() == ["link", "video", "photo"]


def test_scalar_metrics(posts):
    frame = posts.frame
    assert frame["impressions"].tolist() == [200, 450, 95]
    assert frame["reach"].tolist() == [120, 300, 80]


def test_empty_scalar_cell_is_na(posts):
    assert posts.frame["engagements"].iloc[:2].tolist() == [15, 40]
    assert posts.frame["engagements"].isna().tolist() == [False, False, True]


def test_breakdowns_read_total_count_group(posts):
    assert posts.frame["reactions"].tolist() == [10, 25, 5]
    assert posts.frame["comments"].iloc[0] == 3


def test_empty_breakdown_cell_is_zero(posts):
    assert posts.frame["comments"].tolist() == [3, 0, 1]
    assert posts.frame["link_clicks"].tolist() == [4, 0, 0]


def test_breakdown_key_absent_from_header_is_zero(posts):
    assert posts.frame["shares"].tolist() == [0, 0, 0]


def test_duplicated_headers_keep_total_count(posts):
    # Organic pair: Total Count 90 first, Unique Users 70 second; paid pair
    # written Unique Users 8 first, Total Count 11 second: 90 + 11.
    views = posts.frame["video_views"]
    assert views.isna().tolist() == [True, False, False]
    assert views.iloc[1:].tolist() == [101, 0]


def test_paid_from_paid_impressions(posts):
    assert posts.frame["paid"].tolist() == [False, True, False]


def test_link_and_utm_skip_facebook_links(posts):
    frame = posts.frame
    assert frame["link_url"].iloc[0] == (
        "https://harbourlane.example/order?utm_campaign=spring&utm_content=sourdough"
    )
    assert frame["utm_campaign"].iloc[0] == "spring"
    assert frame["utm_content"].iloc[0] == "sourdough"
    assert frame["link_url"].iloc[1:].isna().all()


def test_metrics_not_in_export_are_na(posts):
    for column in ("saves", "profile_visits", "follows"):
        assert posts.frame[column].isna().all()


def test_video_posts_file(videos):
    schema.validate(videos.frame, "posts")
    row = videos.frame.iloc[0]
    assert videos.report.rows_read == 1 and videos.report.rows_loaded == 1
    assert row["published_at"] == _utc("2021-03-20 06:00:00")
    assert row["media_type"] == "video"
    assert (row["impressions"], row["reach"], row["video_views"]) == (500, 260, 140)
    assert (row["reactions"], row["shares"], row["comments"]) == (30, 0, 0)


def test_video_posts_absent_groups_are_na(videos):
    row = videos.frame.iloc[0]
    assert pd.isna(row["link_clicks"])
    assert pd.isna(row["engagements"])


def test_empty_video_posts_file():
    result = read_export(NO_VIDEOS, tz=TZ)
    assert len(result.frame) == 0
    schema.validate(result.frame, "posts")
    assert result.report.rows_read == 0
    assert result.report.is_balanced()


def test_missing_posted_raises():
    with pytest.raises(MissingColumnError) as info:
        read_export(NO_POSTED, format="facebook_post_level", tz=TZ)
    assert info.value.missing == ["Posted"]
    assert str(NO_POSTED) in str(info.value)
    assert "'Posted'" in str(info.value)
