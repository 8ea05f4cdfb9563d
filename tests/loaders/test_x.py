"""The X legacy per-tweet activity loader, on a fixture in the native format."""


import pandas as pd
import pytest

from engagekit import read_export
from engagekit.core import schema
from paths import FIXTURES
from engagekit.core.errors import MissingColumnError

FILE = FIXTURES / "x_tweet_activity" / "tweet_activity_metrics_PawTest_20250101_20250201_en.csv"


@pytest.fixture(scope="module")
def result():
    return read_export(FILE)


def test_detected_as_tweet_activity(result):
    assert result.format == "x_tweet_activity"
    assert result.table == "posts"
    schema.validate(result.frame, "posts")


def test_every_row_accounted_for(result):
    report = result.report
    assert report.rows_read == 4
    assert report.rows_loaded == 3
    assert dict(report.rows_dropped) == {"not a valid date/time (expected YYYY-MM-DD HH:MM +HHMM)": 1}
    (dropped,) = report.dropped
    # header on line 1, tweet 1 on line 2, tweet 2 spans lines 3-4 (embedded newline), tweet 3 on 5
    assert dropped.column == "time"
    assert dropped.value == "yesterday"
    assert dropped.line == 6


def test_organic_values_and_text(result):
    row = result.frame.set_index("post_id").loc["1884000000000000004"]
    assert row["published_at"] == pd.Timestamp("2025-01-30 17:05", tz="UTC")
    assert row["impressions"] == 1200
    assert row["reactions"] == 12
    assert row["comments"] == 3
    assert row["shares"] == 2
    assert row["link_clicks"] == 9
    assert row["profile_visits"] == 1
    assert row["account"] == "PawTest"
    assert not row["paid"]
    assert row["text"].startswith("Tips for muddy paws &amp;")


def test_embedded_newline_and_utm_tags(result):
    row = result.frame.set_index("post_id").loc["1884000000000000003"]
    assert row["text"].startswith("Two lines\nand a link")
    assert row["utm_campaign"] == "winter"
    assert row["utm_content"] == "tips-01"


def test_promoted_values_are_added_and_unpromoted_are_not_zero(result):
    frame = result.frame.set_index("post_id")
    promoted = frame.loc["1884000000000000002"]
    assert promoted["paid"]
    assert promoted["impressions"] == 800 + 1000
    assert promoted["reactions"] == 10 + 20
    assert promoted["link_clicks"] == 8 + 15
    # metrics this export never reports stay NA, never 0
    assert pd.isna(frame.loc["1884000000000000004", "reach"])
    assert pd.isna(frame.loc["1884000000000000004", "saves"])


def test_missing_required_column_names_file_and_column(tmp_path):
    text = FILE.read_text().replace('"impressions",', '"views",', 1)
    broken = tmp_path / "tweet_activity_metrics_x_20250101_20250201_en.csv"
    broken.write_text(text)
    with pytest.raises(MissingColumnError) as err:
        read_export(broken)
    assert err.value.missing == ["impressions"]
    assert str(broken) in str(err.value)
    assert "'impressions'" in str(err.value)


# --- 2015 variant: "favorites" / "promoted favorites" in place of "likes" ---------------------

FILE_2015 = FIXTURES / "x_tweet_activity" / "twitter_activity_metrics_20150901_20151001.csv"


@pytest.fixture(scope="module")
def result_2015():
    return read_export(FILE_2015)


def test_2015_variant_header_says_favorites():
    header = FILE_2015.read_text().splitlines()[0]
    assert '"favorites"' in header and '"promoted favorites"' in header
    assert '"likes"' not in header


def test_2015_variant_detected_and_canonical(result_2015):
    assert result_2015.format == "x_tweet_activity"
    schema.validate(result_2015.frame, "posts")
    assert result_2015.report.rows_read == result_2015.report.rows_loaded == 2
    assert result_2015.report.is_balanced()


def test_2015_variant_favorites_are_reactions(result_2015):
    row = result_2015.frame.set_index("post_id").loc["645000000000000001"]
    assert row["reactions"] == 4
    assert not row["paid"]
    assert result_2015.report.columns["reactions"] == "favorites"


def test_2015_variant_promoted_favorites_are_added(result_2015):
    row = result_2015.frame.set_index("post_id").loc["648000000000000002"]
    assert row["paid"]
    assert row["reactions"] == 18 + 40
    assert row["impressions"] == 2200 + 3000
    assert row["follows"] == 1 + 2


def test_2015_variant_account_from_permalink_without_handle_in_file_name(result_2015):
    assert result_2015.frame["account"].unique().tolist() == ["PawTest"]
    row = result_2015.frame.set_index("post_id").loc["645000000000000001"]
    assert row["published_at"] == pd.Timestamp("2015-09-18 09:05", tz="UTC")
    assert row["utm_campaign"] == "sept15"


# --- the rate X reports: "engagement rate" -> reported_engagement_rate ------------------------


def test_reported_engagement_rate_as_written(result):
    rates = result.frame.set_index("post_id")["reported_engagement_rate"]
    assert rates["1884000000000000004"] == 0.025
    assert rates["1884000000000000003"] == 5.595970900951316e-4  # Java notation in the file
    assert result.report.columns["reported_engagement_rate"] == "engagement rate"


def test_promoted_tweet_rate_weighs_organic_and_promoted_rates_by_impressions(result):
    # organic 0.025 on 800 impressions, promoted 0.04 on 1000 impressions
    rate = result.frame.set_index("post_id").loc["1884000000000000002", "reported_engagement_rate"]
    assert rate == pytest.approx((0.025 * 800 + 0.04 * 1000) / 1800)


def test_promoted_rate_not_reported_leaves_the_rate_na(tmp_path):
    text = FILE.read_text().replace('"1000","40","0.04"', '"1000","40","-"', 1)
    assert text != FILE.read_text()
    path = tmp_path / FILE.name
    path.write_text(text)
    frame = read_export(path).frame.set_index("post_id")
    assert pd.isna(frame.loc["1884000000000000002", "reported_engagement_rate"])
    assert frame.loc["1884000000000000004", "reported_engagement_rate"] == 0.025
