"""x_daily_activity and x_account_overview: the X account-level daily exports into account_daily."""

import csv
import io

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import MissingColumnError
from engagekit.loaders import FORMATS, detect_format, read_export
from engagekit.loaders._decode import head_text
from paths import FIXTURES

DAILY = FIXTURES / "x_daily_activity" / "daily_tweet_activity_metrics_PawTest_20250301_20250306_en.csv"
OVERVIEW = FIXTURES / "x_account_overview" / "account_overview_analytics.csv"
CONTENT = FIXTURES / "x_content" / "account_analytics_content_2025-01-01_2025-01-31.csv"
CONTENT_LATER = FIXTURES / "x_content" / "PawTest_BR_account_analytics_content_2026-07-01_2026-07-31.csv"
TWEETS = FIXTURES / "x_tweet_activity" / "tweet_activity_metrics_PawTest_20250101_20250201_en.csv"
TWEETS_2015 = FIXTURES / "x_tweet_activity" / "twitter_activity_metrics_20150901_20151001.csv"

X_FILES = {
    DAILY: "x_daily_activity",
    OVERVIEW: "x_account_overview",
    CONTENT: "x_content",
    CONTENT_LATER: "x_content",
    TWEETS: "x_tweet_activity",
    TWEETS_2015: "x_tweet_activity",
}


@pytest.fixture(scope="module")
def daily():
    return read_export(DAILY)


@pytest.fixture(scope="module")
def overview():
    return read_export(OVERVIEW, account="PawTest")


def _day(result, text):
    return result.frame.set_index("date").loc[pd.Timestamp(text)]


def _rewrite(path, target, edit):
    """Copy the CSV ``path`` to ``target`` with ``edit(rows)`` applied, keeping full quoting."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(edit(rows))
    target.write_text(out.getvalue(), encoding="utf-8", newline="")
    return target


# --- detection ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(X_FILES), ids=lambda p: p.name)
def test_each_x_file_is_detected_as_its_own_format(path):
    assert detect_format(path).name == X_FILES[path]


@pytest.mark.parametrize("fmt", ["x_tweet_activity", "x_daily_activity", "x_account_overview", "x_content"])
def test_no_x_sniff_takes_a_sibling_formats_file(fmt):
    taken = [p.name for p in X_FILES if FORMATS[fmt].sniff(head_text(p), p.name)]
    assert taken == [p.name for p, name in X_FILES.items() if name == fmt]


def test_account_loaders_come_before_content_in_detection_order():
    names = list(FORMATS)
    assert names.index("x_tweet_activity") < names.index("x_daily_activity") < names.index("x_content")
    assert names.index("x_account_overview") < names.index("x_content")


# --- x_daily_activity -----------------------------------------------------------------------


def test_daily_fixture_is_the_native_encoding():
    raw = DAILY.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b'"-"\n') and b"\r" not in raw
    assert raw.startswith(b'"Date","Tweets published","impressions"')


def test_daily_frame_is_canonical_account_daily(daily):
    assert daily.format == "x_daily_activity"
    assert daily.table == "account_daily"
    schema.validate(daily.frame, "account_daily")


def test_daily_report_balances(daily):
    report = daily.report
    assert report.rows_read == 5
    assert report.rows_loaded == 4
    assert dict(report.rows_dropped) == {"not a number": 1}
    assert report.is_balanced()


def test_daily_malformed_cell_drops_row_with_line_and_column(daily):
    (dropped,) = daily.report.dropped
    assert (dropped.line, dropped.column, dropped.value) == (5, "url clicks", "7x")
    assert pd.Timestamp("2025-03-04") not in daily.frame["date"].tolist()


def test_daily_column_mapping(daily):
    day = _day(daily, "2025-03-02")
    assert day["platform"] == "x"
    assert day["posts_published"] == 1
    assert day["impressions"] == 2640
    assert day["engagements"] == 34
    assert day["reactions"] == 6  # likes
    assert day["comments"] == 1  # replies
    assert day["shares"] == 2  # retweets
    assert day["link_clicks"] == 5  # url clicks
    assert day["new_followers"] == 1  # follows
    assert daily.report.columns["reactions"] == "likes"


def test_daily_dates_are_local_calendar_days_in_file_order(daily):
    assert daily.frame["date"].tolist() == [
        pd.Timestamp(d) for d in ("2025-03-01", "2025-03-02", "2025-03-03", "2025-03-05")
    ]


def test_daily_promoted_values_are_added(daily):
    day = _day(daily, "2025-03-03")
    assert day["impressions"] == 1500 + 5000
    assert day["engagements"] == 40 + 120
    assert day["reactions"] == 10 + 30
    assert day["shares"] == 3 + 4
    assert day["link_clicks"] == 12 + 70
    assert day["new_followers"] == 2 + 3


def test_daily_unpromoted_dash_adds_nothing_and_zero_stays_zero(daily):
    quiet = _day(daily, "2025-03-01")
    # no tweet that day, but older tweets still earned impressions
    assert quiet["posts_published"] == 0
    assert quiet["impressions"] == 343
    assert quiet["engagements"] == 0 and not pd.isna(quiet["engagements"])
    assert quiet["reactions"] == 0 and not pd.isna(quiet["reactions"])


def test_daily_metrics_the_export_lacks_are_na(daily):
    frame = daily.frame
    for column in ("followers", "lost_followers", "reach", "video_views"):
        assert frame[column].isna().all(), column


def test_daily_account_is_the_handle_in_the_file_name(daily):
    assert daily.frame["account"].unique().tolist() == ["PawTest"]
    assert daily.report.warnings == []


def test_daily_account_option_when_the_name_has_no_handle(tmp_path):
    renamed = tmp_path / "daily_export.csv"
    renamed.write_bytes(DAILY.read_bytes())
    result = read_export(renamed, account="BrightPaw")
    assert result.format == "x_daily_activity"
    assert result.frame["account"].unique().tolist() == ["BrightPaw"]


def test_daily_without_any_account_warns_and_leaves_na(tmp_path):
    renamed = tmp_path / "daily_export.csv"
    renamed.write_bytes(DAILY.read_bytes())
    result = read_export(renamed)
    assert result.frame["account"].isna().all()
    assert any("account is NA" in w for w in result.report.warnings)


def test_daily_2015_style_favorites_header(tmp_path):
    text = DAILY.read_text().replace('"likes"', '"favorites"')
    variant = tmp_path / "daily_tweet_activity_metrics_PawTest_20150901_20151001_en.csv"
    variant.write_text(text)
    result = read_export(variant)
    assert _day(result, "2025-03-03")["reactions"] == 10 + 30
    assert result.report.columns["reactions"] == "favorites"


def test_daily_without_tweets_published_leaves_posts_published_na(tmp_path):
    def drop_second_column(rows):
        return [[r[0], *r[2:]] for r in rows]

    variant = _rewrite(DAILY, tmp_path / DAILY.name, drop_second_column)
    result = read_export(variant)
    assert result.frame["posts_published"].isna().all()
    assert _day(result, "2025-03-02")["impressions"] == 2640


def test_daily_duplicate_date_is_dropped_with_its_line(tmp_path):
    variant = _rewrite(DAILY, tmp_path / DAILY.name, lambda rows: [*rows, rows[1]])
    result = read_export(variant)
    assert result.report.rows_read == 6
    assert result.report.rows_dropped["duplicate Date in this file"] == 1
    (dup,) = [d for d in result.report.dropped if d.reason == "duplicate Date in this file"]
    assert dup.line == 7
    assert result.frame["date"].is_unique
    assert result.report.is_balanced()


def test_daily_missing_required_column_names_file(tmp_path):
    broken = tmp_path / DAILY.name
    broken.write_text(DAILY.read_text().replace('"impressions",', '"views",', 1))
    with pytest.raises(MissingColumnError) as err:
        read_export(broken)
    assert err.value.missing == ["impressions"]
    assert str(broken) in str(err.value)


# --- x_account_overview ---------------------------------------------------------------------


def test_overview_fixture_has_no_final_newline():
    raw = OVERVIEW.read_bytes()
    assert not raw.endswith(b"\n") and b"\r" not in raw
    assert raw.splitlines()[1].startswith(b'"Sat, Mar 8, 2025",')


def test_overview_frame_is_canonical_account_daily(overview):
    assert overview.format == "x_account_overview"
    assert overview.table == "account_daily"
    schema.validate(overview.frame, "account_daily")


def test_overview_report_balances(overview):
    report = overview.report
    assert report.rows_read == 5
    assert report.rows_loaded == 4
    assert dict(report.rows_dropped) == {"not a number": 1}
    assert report.is_balanced()


def test_overview_malformed_cell_drops_row_with_line_and_column(overview):
    (dropped,) = overview.report.dropped
    assert (dropped.line, dropped.column, dropped.value) == (5, "Engagements", "3O")


def test_overview_unpadded_dates_newest_first(overview):
    assert overview.frame["date"].tolist() == [
        pd.Timestamp(d) for d in ("2025-03-08", "2025-03-07", "2025-03-06", "2025-03-04")
    ]


def test_overview_column_mapping(overview):
    day = _day(overview, "2025-03-08")
    assert day["impressions"] == 1540
    assert day["reactions"] == 22  # Likes
    assert day["engagements"] == 61
    assert day["comments"] == 5  # Replies
    assert day["shares"] == 6 + 2  # Reposts + Shares
    assert day["new_followers"] == 4  # New follows
    assert day["lost_followers"] == 1  # Unfollows
    assert day["posts_published"] == 1  # Create Post
    assert day["video_views"] == 120  # Video views, not Media views (300)
    assert overview.report.columns["shares"] == "Reposts + Shares"


def test_overview_zero_is_zero_and_unreported_is_na(overview):
    quiet = _day(overview, "2025-03-06")
    assert quiet["reactions"] == 0 and not pd.isna(quiet["reactions"])
    assert quiet["posts_published"] == 0
    for column in ("followers", "reach", "link_clicks"):
        assert overview.frame[column].isna().all(), column


def test_overview_empty_cell_is_na_not_zero(tmp_path):
    variant = tmp_path / OVERVIEW.name
    variant.write_bytes(OVERVIEW.read_bytes().replace(b'"Fri, Mar 7, 2025",980,10,', b'"Fri, Mar 7, 2025",980,,'))
    day = _day(read_export(variant, account="PawTest"), "2025-03-07")
    assert pd.isna(day["reactions"])
    assert day["impressions"] == 980


def test_overview_account_from_option(overview):
    assert overview.frame["account"].unique().tolist() == ["PawTest"]
    assert overview.report.warnings == []


def test_overview_without_account_warns_and_leaves_na():
    result = read_export(OVERVIEW)
    assert result.frame["account"].isna().all()
    assert any("account is NA" in w for w in result.report.warnings)


def test_overview_duplicate_date_is_dropped(tmp_path):
    variant = tmp_path / OVERVIEW.name
    lines = OVERVIEW.read_bytes().split(b"\n")
    variant.write_bytes(b"\n".join([*lines, lines[2]]))
    result = read_export(variant, account="PawTest")
    assert result.report.rows_dropped["duplicate Date in this file"] == 1
    assert [d.line for d in result.report.dropped if d.reason.startswith("duplicate")] == [7]
    assert _day(result, "2025-03-07")["impressions"] == 980


def test_overview_missing_required_column_names_file(tmp_path):
    broken = tmp_path / OVERVIEW.name
    broken.write_bytes(OVERVIEW.read_bytes().replace(b"Date,Impressions,", b"Date,Views,", 1))
    with pytest.raises(MissingColumnError) as err:
        read_export(broken)
    assert err.value.missing == ["Impressions"]
    assert str(broken) in str(err.value)
