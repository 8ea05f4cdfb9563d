"""Daily series against hand-computed values (engagement rates: test_metrics.py; the funnel: test_funnel.py)."""

import pandas as pd

from engagekit import daily_engagement, daily_outcomes, schema


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
