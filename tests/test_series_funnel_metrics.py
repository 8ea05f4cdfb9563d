"""Daily series against hand-computed values (engagement rates: test_metrics.py; the funnel: test_funnel.py)."""

import warnings

import pandas as pd
import pytest

from engagekit import daily_activity, daily_engagement, daily_outcomes
from engagekit.core import schema

DAYS = pd.date_range("2025-01-01", "2025-01-04", freq="D", name="date").astype("datetime64[us]")
TEN_DAYS = pd.date_range("2025-01-01", "2025-01-10", freq="D", name="date").astype("datetime64[us]")


def _posts():
    frame = pd.DataFrame({
        "platform": ["x", "x", "x"],
        "post_id": ["1", "2", "3"],
        # 23:30 UTC on 1 Jan is 00:30 on 2 Jan in Berlin
        "published_at": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 23:30", "2025-01-04 09:00"], utc=True),
        "impressions": [100, 300, 1000],
        "reach": [None, None, 800],
        "engagements": [10, 15, 40],
        "reactions": [5, None, 20],
    })
    return schema.conform(frame, "posts")


def test_engagement_by_local_publish_day_with_zero_and_na_days():
    daily = daily_engagement(_posts(), tz="Europe/Berlin", metrics=("impressions", "reactions", "reach"),
                             start=pd.Timestamp("2025-01-01"), end=pd.Timestamp("2025-01-04"))
    assert daily["posts"].tolist() == [1, 1, 0, 1]
    assert daily["impressions"].tolist() == [100, 300, 0, 1000]
    # the only post of 2 Jan did not report reactions: NA, not 0; days without posts: 0
    assert pd.isna(daily.loc["2025-01-02", "reactions"])
    assert daily.loc["2025-01-03", "reactions"] == 0
    assert pd.isna(daily.loc["2025-01-01", "reach"])


def test_outcomes_outside_the_data_are_na():
    outcomes = schema.conform(pd.DataFrame({
        "occurred_at": pd.to_datetime(["2025-01-02 12:00", "2025-01-02 13:00", "2025-01-04 08:00"], utc=True),
        "outcome": ["order"] * 3, "value": [10.0, 5.0, 1.0],
    }), "outcomes")
    daily = daily_outcomes(outcomes, outcome="order", tz="UTC", start=pd.Timestamp("2025-01-01"), end=pd.Timestamp("2025-01-05"))
    assert daily["count"].tolist()[1:4] == [2, 0, 1]
    assert pd.isna(daily["count"].iloc[0]) and pd.isna(daily["count"].iloc[4])


def _posts_on(*posts: tuple[str, str, int]) -> pd.DataFrame:
    """Posts as (platform, UTC publish time, impressions)."""
    platform, published, impressions = zip(*posts)
    return schema.conform(pd.DataFrame({
        "platform": list(platform), "post_id": [str(i) for i in range(len(posts))],
        "published_at": pd.to_datetime(list(published), utc=True), "impressions": list(impressions),
    }), "posts")


def _engagement(posts: pd.DataFrame, **options) -> pd.DataFrame:
    return daily_engagement(posts, tz="UTC", metrics=("impressions",), start=DAYS[0], end=DAYS[-1], **options)


def test_engagement_day_inside_coverage_without_posts_is_zero():
    daily = _engagement(_posts_on(("x", "2025-01-01 09:00", 10), ("x", "2025-01-04 09:00", 30)))
    assert daily.loc["2025-01-02"].tolist() == [0, 0]
    assert daily.loc["2025-01-03"].tolist() == [0, 0]


def test_engagement_edges_longer_than_any_quiet_spell_are_na():
    # posts on 5, 6 and 7 Jan: never a day without a post, so 1-4 and 8-10 Jan are outside the export
    posts = _posts_on(("x", "2025-01-05 09:00", 10), ("x", "2025-01-06 09:00", 20), ("x", "2025-01-07 09:00", 30))
    daily = daily_engagement(posts, tz="UTC", metrics=("impressions",), start=TEN_DAYS[0], end=TEN_DAYS[-1])
    assert daily["impressions"].iloc[4:7].tolist() == [10, 20, 30]
    assert daily.iloc[[0, 1, 2, 3, 7, 8, 9]].isna().all().all()


def test_engagement_edges_no_longer_than_a_quiet_spell_are_zero():
    # posts on 3 and 6 Jan: a three-day silence happens, so two quiet days at the start and three at the end
    # of the calendar are quiet days, not a missing export; four at the end would not be
    posts = _posts_on(("x", "2025-01-03 09:00", 10), ("x", "2025-01-06 09:00", 30))
    daily = daily_engagement(posts, tz="UTC", metrics=("impressions",), start=TEN_DAYS[0], end=TEN_DAYS[8])
    assert daily["impressions"].tolist() == [0, 0, 10, 0, 0, 30, 0, 0, 0]
    longer = daily_engagement(posts, tz="UTC", metrics=("impressions",), start=TEN_DAYS[0], end=TEN_DAYS[9])
    assert longer["impressions"].iloc[6:].isna().all()


def test_engagement_sums_platforms_covering_the_same_days_without_warning():
    posts = _posts_on(("x", "2025-01-01 09:00", 10), ("x", "2025-01-04 09:00", 30),
                      ("facebook", "2025-01-01 12:00", 5), ("facebook", "2025-01-04 12:00", 7))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        daily = _engagement(posts)
    assert daily["impressions"].tolist() == [15, 0, 0, 37]


def _two_spans() -> pd.DataFrame:
    # x posts every other day from 1 to 9 Jan; facebook daily from 4 to 6 Jan only
    return _posts_on(*[("x", f"2025-01-0{d} 09:00", 10 * d) for d in (1, 3, 5, 7, 9)],
                     ("facebook", "2025-01-04 12:00", 5), ("facebook", "2025-01-05 12:00", 6),
                     ("facebook", "2025-01-06 12:00", 7))


def _two_span_engagement(**options) -> pd.DataFrame:
    return daily_engagement(_two_spans(), tz="UTC", metrics=("impressions",), start=TEN_DAYS[0], end=TEN_DAYS[8],
                            **options)


def test_engagement_days_covered_by_only_some_platforms_are_na():
    with pytest.warns(UserWarning):
        daily = _two_span_engagement()
    assert daily["impressions"].iloc[3:6].tolist() == [5, 56, 7]
    assert daily.iloc[[0, 1, 2, 6, 7, 8]].isna().all().all()


def test_engagement_warning_names_the_short_platform_and_its_span():
    with pytest.warns(UserWarning) as caught:
        _two_span_engagement()
    message = str(caught[0].message)
    assert "facebook 2025-01-04 to 2025-01-06, 3 of the 9 days" in message
    assert "x 2025-01" not in message
    assert "platform= analyses one platform alone" in message


def test_engagement_of_one_platform_uses_only_its_span():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        daily = _two_span_engagement(platform="x")
    assert daily["impressions"].tolist() == [10, 0, 30, 0, 50, 0, 70, 0, 90]


def test_engagement_basis_is_publish_day():
    daily = _engagement(_posts_on(("x", "2025-01-01 09:00", 10)))
    assert daily.attrs["basis"] == "publish day"


def _account_daily(*rows: tuple[str, str, str, int | None, int | None]) -> pd.DataFrame:
    """account_daily rows as (platform, account, date, impressions, reach)."""
    return schema.conform(pd.DataFrame(
        rows, columns=["platform", "account", "date", "impressions", "reach"]
    ).astype({"date": "datetime64[us]", "impressions": "Int64", "reach": "Int64"}), "account_daily")


def _activity(account_daily: pd.DataFrame, **options) -> pd.DataFrame:
    return daily_activity(account_daily, metrics=("impressions", "reach"), start=DAYS[0], end=DAYS[-1], **options)


def test_activity_sums_accounts_and_platforms_per_date():
    rows = [(platform, account, day, impressions, 1)
            for day in ("2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04")
            for platform, account, impressions in (("x", "a", 10), ("x", "b", 20), ("facebook", "c", 5))]
    daily = _activity(_account_daily(*rows))
    assert daily.index.equals(DAYS)
    assert daily["impressions"].tolist() == [35, 35, 35, 35]
    assert daily["reach"].tolist() == [3, 3, 3, 3]


def test_activity_date_without_a_row_is_na():
    daily = _activity(_account_daily(("x", "a", "2025-01-01", 10, 1), ("x", "a", "2025-01-03", 30, 3)))
    assert daily["impressions"].iloc[[0, 2]].tolist() == [10, 30]
    assert daily.iloc[[1, 3]].isna().all().all()


def test_activity_date_missing_for_one_platform_is_na_and_warns():
    rows = [("x", "a", day, 10, 1) for day in ("2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04")]
    rows += [("facebook", "c", day, 5, 1) for day in ("2025-01-01", "2025-01-02", "2025-01-04")]
    with pytest.warns(UserWarning, match="facebook 2025-01-01 to 2025-01-04, 3 of the 4 days"):
        daily = _activity(_account_daily(*rows))
    assert daily["impressions"].tolist()[:2] == [15, 15]
    assert pd.isna(daily["impressions"].iloc[2])
    assert daily["impressions"].iloc[3] == 15


def test_activity_metric_all_rows_lack_stays_na():
    daily = _activity(_account_daily(("x", "a", "2025-01-01", 10, None), ("x", "b", "2025-01-01", 20, None),
                                     ("x", "a", "2025-01-02", 10, 4)), platform="x")
    assert daily["impressions"].iloc[0] == 30
    assert pd.isna(daily["reach"].iloc[0])
    assert daily["reach"].iloc[1] == 4


def test_activity_leaves_out_metrics_account_daily_lacks_and_keeps_dtypes():
    daily = daily_activity(_account_daily(("x", "a", "2025-01-01", 10, 1)))
    assert list(daily.columns) == ["impressions", "reach", "engagements", "reactions", "comments", "shares",
                                   "link_clicks", "video_views"]
    assert set(daily.dtypes.astype(str)) == {"Int64"}


def test_activity_basis_is_activity_day():
    daily = _activity(_account_daily(("x", "a", "2025-01-01", 10, 1)))
    assert daily.attrs["basis"] == "activity day"
