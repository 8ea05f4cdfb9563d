"""Daily series, the aggregate funnel and the engagement-rate definitions, against hand-computed values."""

import pandas as pd
import pytest

from engagekit import Goal, aggregate_funnel, daily_engagement, daily_outcomes, load_client, period_engagement_rates, schema

from paths import SAMPLE


def _posts():
    frame = pd.DataFrame({
        "platform": ["x", "x", "facebook"],
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
                             start=pd.Timestamp("2025-01-01"), end=pd.Timestamp("2025-01-05"))
    assert daily["posts"].tolist() == [1, 1, 0, 1, 0]
    assert daily["impressions"].tolist() == [100, 300, 0, 1000, 0]
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


def test_mean_of_rates_and_ratio_of_sums_differ_and_are_named():
    rates = period_engagement_rates(_posts(), by=["platform"])
    x = rates.query("platform == 'x' and definition == 'engagements / impressions'").set_index("aggregation")["rate"]
    assert x["mean of post rates"] == pytest.approx((10 / 100 + 15 / 300) / 2)
    assert x["ratio of sums"] == pytest.approx(25 / 400)
    by_reach = rates.query("platform == 'facebook' and definition == 'engagements / reach'")
    assert by_reach["rate"].iloc[0] == pytest.approx(40 / 800)


def test_funnel_on_the_sample_matches_the_tables():
    data = load_client(SAMPLE)
    goal = Goal.for_client(data.config)
    funnel = aggregate_funnel(data, goal).set_index("stage")
    assert funnel.loc["impressions", "count"] == data.posts["impressions"].sum()
    assert funnel.loc["kpi", "count"] == (data.outcomes["outcome"] == "registration").sum()
    assert funnel.loc["link_clicks", "step_conversion"] == pytest.approx(
        data.posts["link_clicks"].sum() / data.posts["engagements"].sum()
    )
    assert "mixes people" in funnel.attrs["caveat"] or "same people" in funnel.attrs["caveat"]
