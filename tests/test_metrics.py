"""Engagement-rate definitions and aggregations, against values computed by hand from small frames."""

import csv

import pandas as pd
import pytest

from engagekit import read_export
from engagekit.core import schema
from engagekit.goals.rates import (
    AGGREGATIONS,
    NA_REASONS,
    RATE_DEFINITIONS,
    describe_rate,
    period_engagement_rates,
    post_engagement_rates,
)
from paths import FIXTURES

TZ = "Europe/Berlin"
NO_COUNT = "no follower count for that day (or up to 3 days before)"


def _posts():
    frame = pd.DataFrame({
        "platform": ["x", "x", "facebook", "facebook", "facebook"],
        "account": ["paw"] * 5,
        "post_id": ["p1", "p2", "p3", "p4", "p5"],
        "published_at": pd.to_datetime([
            "2025-03-03 10:00",  # Monday 3 March in Berlin
            "2025-03-03 23:30",  # 00:30 on Tuesday 4 March in Berlin
            "2025-03-10 09:00",
            "2025-03-31 22:30",  # 00:30 on 1 April in Berlin (summer time, UTC+2)
            "2025-04-20 12:00",
        ], utc=True),
        "utm_campaign": ["spring", None, "spring", None, None],
        "impressions": [200, 800, 1500, 0, 600],
        "reach": [None, None, 1000, 0, 400],
        "engagements": [20, 40, 50, 0, 30],
        "reactions": [6, 10, 20, 0, None],
        "comments": [2, 4, 5, 0, 3],
        "shares": [2, 6, 5, 0, 1],
        "reported_engagement_rate": [0.1, 0.05, None, None, None],
    })
    return schema.conform(frame, "posts")


def _account_daily():
    frame = pd.DataFrame({
        "platform": ["x", "x", "x", "facebook", "facebook", "facebook", "facebook"],
        "account": ["paw"] * 7,
        "date": pd.to_datetime(["2025-03-02", "2025-03-03", "2025-03-04",
                                "2025-03-07", "2025-03-11", "2025-04-01", "2025-04-10"]),
        # 10 March has no count: 7 March (3 days before) stands in; 11 March is after, never used
        "followers": [1900, 2000, 2100, 5000, 9999, 0, 5200],
    })
    return schema.conform(frame, "account_daily")


@pytest.fixture(scope="module")
def per_post():
    rates = post_engagement_rates(_posts(), account_daily=_account_daily(), tz=TZ)
    return rates.set_index(["definition", "post_id"])


@pytest.fixture(scope="module")
def by_platform():
    rates = period_engagement_rates(_posts(), by=["platform"], account_daily=_account_daily(), tz=TZ)
    return rates.set_index(["platform", "definition", "aggregation"]).sort_index()


def _rates(per_post, definition):
    return per_post.loc[definition, "rate"].tolist()


def _reasons(per_post, definition):
    return [None if pd.isna(r) else r for r in per_post.loc[definition, "na_reason"]]


def _approx(values):
    return [None if v is None else pytest.approx(v) for v in values]


def _na_as_none(values):
    return [None if pd.isna(v) else v for v in values]


# per post


def test_one_row_per_post_and_definition_with_fixed_columns():
    frame = post_engagement_rates(_posts(), account_daily=_account_daily(), tz=TZ)
    assert list(frame.columns) == [
        "platform", "account", "post_id", "published_at", "definition", "numerator", "denominator", "rate", "na_reason",
    ]
    assert len(frame) == 5 * len(RATE_DEFINITIONS)
    assert frame["definition"].unique().tolist() == list(RATE_DEFINITIONS)
    assert frame["post_id"].tolist()[:5] == ["p1", "p2", "p3", "p4", "p5"]


def test_engagements_by_impressions(per_post):
    assert _na_as_none(_rates(per_post, "engagements / impressions")) == _approx([0.1, 0.05, 50 / 1500, None, 0.05])
    assert _reasons(per_post, "engagements / impressions") == [None, None, None, "impressions is zero", None]


def test_engagements_by_reach(per_post):
    assert _na_as_none(_rates(per_post, "engagements / reach")) == _approx([None, None, 0.05, None, 30 / 400])
    assert _reasons(per_post, "engagements / reach") == [
        "reach not reported", "reach not reported", None, "reach is zero", None,
    ]


def test_engagements_by_followers_on_the_local_publishing_day(per_post):
    # p1: 3 March itself; p2: 4 March in Berlin (3 March in UTC would give 2000); p3: 10 March missing,
    # 7 March within three days; p4: zero followers; p5: the last count (10 April) is ten days old
    assert per_post.loc["engagements / followers", "denominator"].tolist()[:4] == [2000, 2100, 5000, 0]
    assert _na_as_none(_rates(per_post, "engagements / followers")) == _approx([0.01, 40 / 2100, 0.01, None, None])
    assert _reasons(per_post, "engagements / followers") == [None, None, None, "followers is zero", NO_COUNT]


def test_follower_tolerance_is_an_option():
    rates = post_engagement_rates(_posts(), account_daily=_account_daily(), tz=TZ,
                                  definitions=["engagements / followers"], follower_tolerance_days=10)
    assert rates["rate"].iloc[4] == pytest.approx(30 / 5200)
    strict = post_engagement_rates(_posts(), account_daily=_account_daily(), tz=TZ,
                                   definitions=["engagements / followers"], follower_tolerance_days=0)
    assert strict["na_reason"].iloc[2] == "no follower count for that day (or up to 0 days before)"


def test_account_without_follower_counts_says_so():
    posts = _posts().assign(account="other")
    rates = post_engagement_rates(posts, account_daily=_account_daily(), tz=TZ, definitions=["engagements / followers"])
    assert rates["na_reason"].tolist() == ["no follower counts for this account"] * 5


def test_without_account_daily_follower_rates_are_na_with_reason():
    rates = post_engagement_rates(_posts(), definitions=["engagements / followers"])
    assert rates["rate"].isna().all()
    assert rates["na_reason"].tolist() == ["no follower counts given (account_daily=)"] * 5


def test_interactions_are_reactions_comments_shares(per_post):
    assert per_post.loc["interactions / impressions", "numerator"].tolist()[:4] == [10, 20, 30, 0]
    assert _na_as_none(_rates(per_post, "interactions / impressions")) == _approx([0.05, 0.025, 0.02, None, None])
    assert _reasons(per_post, "interactions / impressions")[4] == "reactions, comments or shares not reported"
    assert _na_as_none(_rates(per_post, "interactions / reach")) == _approx([None, None, 0.03, None, None])
    assert _na_as_none(_rates(per_post, "interactions / followers")) == _approx([10 / 2000, 20 / 2100, 30 / 5000, None, None])


def test_reported_rate_is_the_platforms(per_post):
    assert _na_as_none(_rates(per_post, "reported by platform")) == _approx([0.1, 0.05, None, None, None])
    assert per_post.loc["reported by platform", "denominator"].isna().all()
    assert _reasons(per_post, "reported by platform")[2:] == ["not reported by the platform"] * 3


# per group


def test_mean_of_post_rates_and_ratio_of_sums(by_platform):
    x = by_platform.loc[("x", "engagements / impressions")]
    assert x.loc["mean of post rates", "rate"] == pytest.approx((0.1 + 0.05) / 2)
    assert x.loc["ratio of sums", "rate"] == pytest.approx(60 / 1000)
    assert (x.loc["ratio of sums", "numerator"], x.loc["ratio of sums", "denominator"]) == (60, 1000)
    fb = by_platform.loc[("facebook", "engagements / reach")]
    assert fb.loc["mean of post rates", "rate"] == pytest.approx((0.05 + 0.075) / 2)
    assert fb.loc["ratio of sums", "rate"] == pytest.approx(80 / 1400)


def test_posts_left_out_are_counted_with_their_reasons(by_platform):
    fb = by_platform.loc[("facebook", "engagements / followers", "ratio of sums")]
    assert (fb["posts"], fb["posts_left_out"]) == (1, 2)
    assert fb["left_out_reasons"] == f"followers is zero: 1; {NO_COUNT}: 1"
    assert fb["rate"] == pytest.approx(50 / 5000)


def test_group_without_any_rate_is_na_with_reason(by_platform):
    x = by_platform.loc[("x", "engagements / reach", "mean of post rates")]
    assert pd.isna(x["rate"])
    assert (x["posts"], x["posts_left_out"]) == (0, 2)
    assert x["na_reason"] == "no post has this rate"
    assert x["left_out_reasons"] == "reach not reported: 2"


def test_reported_rate_has_no_ratio_of_sums(by_platform):
    x = by_platform.loc[("x", "reported by platform")]
    assert x.loc["mean of post rates", "rate"] == pytest.approx(0.075)
    assert pd.isna(x.loc["ratio of sums", "rate"])
    assert "only the rate" in x.loc["ratio of sums", "na_reason"]


def test_month_is_the_local_month_of_publishing():
    rates = period_engagement_rates(_posts(), by=["platform", "month"], tz=TZ, definitions=["engagements / impressions"])
    fb = rates.query("platform == 'facebook' and aggregation == 'ratio of sums'").set_index("month")
    # p4 is published on 31 March in UTC but on 1 April in Berlin
    assert fb.loc[pd.Timestamp("2025-03-01"), ["posts", "posts_left_out"]].tolist() == [1, 0]
    assert fb.loc[pd.Timestamp("2025-04-01"), ["posts", "posts_left_out"]].tolist() == [1, 1]
    assert fb.loc[pd.Timestamp("2025-04-01"), "rate"] == pytest.approx(30 / 600)


def test_week_starts_on_monday():
    rates = period_engagement_rates(_posts(), by="week", tz=TZ, definitions=["engagements / impressions"])
    ratio = rates.loc[rates["aggregation"] == "ratio of sums"].set_index("week")
    assert ratio.index.tolist() == pd.to_datetime(["2025-03-03", "2025-03-10", "2025-03-31", "2025-04-14"]).tolist()
    assert ratio.loc[pd.Timestamp("2025-03-03"), "rate"] == pytest.approx(60 / 1000)


def test_missing_group_key_is_its_own_group_and_nothing_is_dropped():
    rates = period_engagement_rates(_posts(), by=["utm_campaign"], account_daily=_account_daily(), tz=TZ)
    assert rates["utm_campaign"].isna().any()
    counted = rates.groupby(["definition", "aggregation"])[["posts", "posts_left_out"]].sum().sum(axis=1)
    assert (counted == 5).all()


def test_all_posts_together():
    rates = period_engagement_rates(_posts(), by=[], definitions=["engagements / impressions"])
    assert list(rates.columns[:2]) == ["definition", "aggregation"]
    assert rates.set_index("aggregation").loc["ratio of sums", "rate"] == pytest.approx(140 / 3100)


# definitions in words, bad input


def test_every_definition_and_aggregation_has_a_sentence():
    for name, rate in RATE_DEFINITIONS.items():
        assert describe_rate(name).startswith(rate.title + ": ")
        for aggregation in AGGREGATIONS:
            assert describe_rate(name, aggregation=aggregation).startswith(rate.title + ": ")
    assert "people reached" in describe_rate("engagements / reach")
    assert "averaged" in describe_rate("engagements / reach", aggregation="mean of post rates")


def test_unknown_definition_lists_the_known_ones():
    with pytest.raises(ValueError, match="'engagements / reach'"):
        describe_rate("likes / views")
    with pytest.raises(ValueError, match="likes / views"):
        post_engagement_rates(_posts(), definitions=["likes / views"])


def test_unknown_group_names_what_is_allowed():
    with pytest.raises(ValueError, match=r"\['campaign'\].*utm_campaign.*month"):
        period_engagement_rates(_posts(), by=["campaign"])


def test_period_and_followers_need_the_time_zone():
    with pytest.raises(ValueError, match="tz="):
        period_engagement_rates(_posts(), by=["month"])
    with pytest.raises(ValueError, match="tz="):
        post_engagement_rates(_posts(), account_daily=_account_daily())


def test_posts_without_canonical_columns_is_a_clear_error():
    with pytest.raises(ValueError, match="reported_engagement_rate"):
        post_engagement_rates(_posts().drop(columns="reported_engagement_rate"))


def test_na_reasons_used_are_documented(per_post):
    known = {
        template.format(quantity=quantity, days=3)
        for template in NA_REASONS.values()
        for quantity in ("impressions", "reach", "followers", "engagements")
    }
    assert set(per_post["na_reason"].dropna()) <= known


# cross-check with the rate X writes in its export


def _x_reported(path):
    """X's rate per tweet with impressions, read straight from the file: the organic rate, or for a promoted
    tweet the organic and promoted rates weighted by their impressions."""
    out = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            organic = float(row["impressions"])
            promoted = 0.0 if row["promoted impressions"] == "-" else float(row["promoted impressions"])
            if organic + promoted == 0:
                continue
            paid_rate = 0.0 if promoted == 0 else float(row["promoted engagement rate"])
            out[row["Tweet id"]] = (float(row["engagement rate"]) * organic + paid_rate * promoted) / (organic + promoted)
    return out


@pytest.mark.parametrize("name", [
    "tweet_activity_metrics_PawTest_20250101_20250201_en.csv",
    "twitter_activity_metrics_20150901_20151001.csv",
])
def test_engagements_by_impressions_equals_the_rate_x_reports(name):
    path = FIXTURES / "x_tweet_activity" / name
    posts = read_export(path).frame
    rates = post_engagement_rates(posts, definitions=["engagements / impressions", "reported by platform"])
    computed = rates.loc[rates["definition"] == "engagements / impressions"].set_index("post_id")["rate"]
    reported = rates.loc[rates["definition"] == "reported by platform"].set_index("post_id")["rate"]
    expected = _x_reported(path)
    loaded = posts.loc[posts["impressions"] > 0, "post_id"].tolist()
    assert loaded and set(loaded) <= set(expected)
    for post_id in loaded:
        # X writes its rate as a full double (e.g. 5.595970900951316E-4): equal to about 15 digits
        assert computed[post_id] == pytest.approx(expected[post_id], rel=1e-12), post_id
        assert reported[post_id] == pytest.approx(expected[post_id], rel=1e-12), post_id


def test_post_without_publishing_date_has_no_follower_rate():
    posts = _posts()
    posts.loc[0, "published_at"] = pd.NaT
    rates = post_engagement_rates(posts, account_daily=_account_daily(), tz=TZ, definitions=["engagements / followers"])
    assert rates["na_reason"].iloc[0] == "no publishing date"
    assert rates["rate"].iloc[1] == pytest.approx(40 / 2100)
