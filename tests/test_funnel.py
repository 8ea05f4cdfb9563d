"""The aggregate funnel: hand-computed counts and rates, UTM and day joins, breakdowns, periods, missing data."""

from types import SimpleNamespace

import pandas as pd
import pytest

from engagekit import Goal, load_client
from engagekit.core import schema
from engagekit.analyses.audit import classify_posts
from engagekit.analyses.funnel import AGGREGATE_CAVEAT, DAY_JOIN_CAVEAT, FunnelWarning, aggregate_funnel, funnel_caveats
from engagekit.tables.series import local_day

from paths import SAMPLE

TZ = "Europe/Berlin"
NA = None


def _utc(*stamps):
    return pd.to_datetime(list(stamps), utc=True)


def _data(*, traffic=True):
    """Four posts, seven traffic rows, four outcomes (local days in Berlin, UTC+1 in March).

    posts: 1 x 03-03 spring/spring-a; 2 facebook 03-03 untagged; 3 facebook 03-05 local (04 23:30 UTC)
    spring/spring-b; 4 instagram 03-10 local (09 23:30 UTC), no link clicks reported.
    """
    posts = schema.conform(pd.DataFrame({
        "platform": ["x", "facebook", "facebook", "instagram"],
        "post_id": ["1", "2", "3", "4"],
        "published_at": _utc("2025-03-03 09:00", "2025-03-03 12:00", "2025-03-04 23:30", "2025-03-09 23:30"),
        "utm_campaign": ["spring", NA, "spring", NA],
        "utm_content": ["spring-a", NA, "spring-b", NA],
        "impressions": [1000, 500, 200, 300],
        "engagements": [100, 50, 40, 30],
        "link_clicks": [20, 10, 4, NA],
    }), "posts")
    rows = schema.conform(pd.DataFrame({
        "date": pd.to_datetime(["2025-03-03", "2025-03-03", "2025-03-05", "2025-03-03", "2025-03-06", "2025-03-10", "2025-03-04"]),
        "source": ["facebook", "facebook", "t.co", "google", "facebook", "ig", "newsletter"],
        "medium": ["social", "social", "referral", "organic", "social", "paid", "email"],
        "campaign": ["spring", "(not set)", "spring", "(organic)", NA, NA, NA],
        "content": ["spring-a", "(not set)", "(not set)", "(not set)", NA, NA, NA],
        # t.co, ig/paid and the newsletter have no channel: the GA4 rules give Organic Social, Paid Social, Email
        "channel": ["Organic Social", "Organic Social", NA, "Organic Search", "Organic Social", NA, NA],
        "sessions": [8, 6, 4, 100, 5, 3, 50],
    }), "traffic")
    outcomes = schema.conform(pd.DataFrame({
        "occurred_at": _utc("2025-03-03 10:00", "2025-03-03 15:00", "2025-03-05 10:00", "2025-03-12 10:00"),
        "outcome": ["registration", "registration", "registration", "order"],
        "value": [NA, NA, NA, 20.0],
        "source": ["facebook", NA, "google", "facebook"],
        "medium": ["social", NA, "organic", "social"],
        "campaign": ["spring", NA, NA, NA],
        "content": ["spring-a", NA, NA, NA],
    }), "outcomes")
    return SimpleNamespace(
        posts=posts, traffic=rows if traffic else schema.empty_frame("traffic"), outcomes=outcomes,
        config=SimpleNamespace(timezone=TZ, path="client.yml"),
    )


def _goal(end="2025-03-31", **spec):
    return Goal.from_dict({"objective": "registrations", "period": {"start": "2025-03-01", "end": end}, **spec})


def _cell(frame, stage, column="count", **where):
    rows = frame.loc[frame["stage"] == stage]
    for key, value in where.items():
        rows = rows.loc[rows[key] == value]
    assert len(rows) == 1, rows
    return rows[column].iloc[0]


# ------------------------------------------------------------------ totals

def test_totals_and_rates_by_hand():
    funnel = aggregate_funnel(_data(), _goal())
    assert funnel["stage"].tolist() == ["impressions", "engagements", "link_clicks", "social_sessions", "kpi"]
    # link clicks: instagram's post did not report them, the others add up; sessions: the four social rows
    assert funnel["count"].tolist() == [2000, 220, 34, 26, 3]
    assert funnel["step_conversion"].tolist()[1:] == pytest.approx([220 / 2000, 34 / 220, 26 / 34, 3 / 26])
    assert funnel["overall_conversion"].tolist() == pytest.approx([1, 220 / 2000, 34 / 2000, 26 / 2000, 3 / 2000])
    assert funnel["drop_off"].iloc[4] == pytest.approx(1 - 3 / 26)
    assert pd.isna(funnel["step_conversion"].iloc[0])
    assert set(funnel["join"]) == {"none"}


def test_social_sessions_follow_the_ga4_channel_rules():
    funnel = aggregate_funnel(_data(), _goal(funnel=["social_sessions", "kpi"]))
    # not the search (100) or email (50) sessions; t.co/referral counts as Organic Social, ig/paid as Paid Social
    assert _cell(funnel, "social_sessions") == 8 + 6 + 4 + 5 + 3


def test_kpi_value_and_traffic_kpi_with_a_channel():
    value = aggregate_funnel(_data(), _goal(kpis=[{"outcome": "order", "measure": "value"}]))
    assert _cell(value, "kpi") == 20.0 and _cell(value, "kpi", "source") == "outcomes (order, value)"
    organic = aggregate_funnel(_data(), _goal(kpis=[{"source": "traffic", "measure": "sessions", "channel": "Organic Social"}]))
    assert _cell(organic, "kpi") == 8 + 6 + 4 + 5  # not the Paid Social 3


def test_kpi_is_picked_by_name():
    goal = _goal(kpis=[{"outcome": "registration"}, {"name": "orders", "outcome": "order"}])
    assert _cell(aggregate_funnel(_data(), goal, kpi="orders"), "kpi") == 1


# ------------------------------------------------------------------ joins and breakdowns

def test_utm_content_join_gives_a_tagged_session_to_its_post():
    funnel = aggregate_funnel(_data(), _goal(), by="platform")
    # x: 8 tagged spring-a (its post) + 2 of the 4 spring-campaign sessions (split over posts 1 and 3)
    #    + 3 of the 6 untagged sessions of 3 March (split over posts 1 and 2)
    assert _cell(funnel, "social_sessions", platform="x") == 13
    assert _cell(funnel, "social_sessions", "join", platform="x") == "utm_content+utm_campaign+day"
    assert _cell(funnel, "social_sessions", "utm_share", platform="x") == pytest.approx(10 / 13)


def test_day_join_splits_a_day_equally_over_its_posts():
    funnel = aggregate_funnel(_data(), _goal(), by="platform")
    assert _cell(funnel, "social_sessions", platform="facebook") == 3 + 2
    assert _cell(funnel, "social_sessions", "join", platform="facebook") == "utm_campaign+day"
    # the untagged registration of 3 March: half to x's post, half to facebook's
    assert _cell(funnel, "kpi", platform="facebook") == 0.5
    assert _cell(funnel, "kpi", "join", platform="facebook") == "day"
    assert _cell(funnel, "kpi", platform="x") == 1.5
    assert _cell(funnel, "social_sessions", "join", platform="instagram") == "day"


def test_what_cannot_be_joined_is_shown_apart_and_breakdowns_add_up():
    funnel = aggregate_funnel(_data(), _goal(), by="platform")
    # 6 March: social sessions on a day without posts; the Google registration is not social
    assert _cell(funnel, "social_sessions", platform="(no post that day)") == 5
    assert _cell(funnel, "kpi", platform="(not social)") == 1
    assert pd.isna(_cell(funnel, "impressions", platform="(not social)"))
    totals = funnel.groupby("stage")["count"].sum()
    assert totals["social_sessions"] == 26 and totals["kpi"] == 3 and totals["impressions"] == 2000


def test_campaign_breakdown_uses_the_posts_utm_campaign():
    funnel = aggregate_funnel(_data(), _goal(), by="campaign")
    assert _cell(funnel, "impressions", campaign="spring") == 1200
    assert _cell(funnel, "social_sessions", campaign="spring") == 8 + 4 + 3
    assert _cell(funnel, "social_sessions", campaign="(no campaign)") == 3 + 3
    assert _cell(funnel, "kpi", campaign="spring") == 1.5


def test_category_breakdown_from_classify_posts_or_a_mapping():
    data = _data()
    classes = classify_posts(data.posts).assign(category=["offer", "educational", "offer", "entertaining"])
    from_frame = aggregate_funnel(data, _goal(), by="category", categories=classes)
    from_mapping = aggregate_funnel(data, _goal(), by="category", categories={"1": "offer", "2": "educational", "3": "offer"})
    assert _cell(from_frame, "impressions", category="offer") == 1200
    assert _cell(from_frame, "social_sessions", category="offer") == 15
    assert _cell(from_mapping, "impressions", category="(unclassified)") == 300
    assert _cell(from_mapping, "social_sessions", category="offer") == 15


def test_two_breakdowns_give_one_row_per_value_pair_and_stage():
    funnel = aggregate_funnel(_data(), _goal(), by=["platform", "campaign"])
    assert not funnel.duplicated(["period", "platform", "campaign", "stage"]).any()
    assert _cell(funnel, "impressions", platform="facebook", campaign="spring") == 200


# ------------------------------------------------------------------ periods

def test_weeks_follow_the_clients_time_zone():
    funnel = aggregate_funnel(_data(), _goal(end="2025-03-16"), freq="week")
    weeks = sorted(funnel["period"].unique())
    assert [str(w.date()) for w in weeks] == ["2025-02-24", "2025-03-03", "2025-03-10"]
    # post 4 is 9 March in UTC but Monday 10 March in Berlin
    assert _cell(funnel, "impressions", period=pd.Timestamp("2025-03-10")) == 300
    assert _cell(funnel, "impressions", period=pd.Timestamp("2025-03-03")) == 1700
    assert _cell(funnel, "impressions", period=pd.Timestamp("2025-02-24")) == 0  # no post: zero, not missing


def test_periods_outside_the_kpi_data_are_na_with_a_note():
    funnel = aggregate_funnel(_data(), _goal(end="2025-03-16"), freq="week")
    week = pd.Timestamp("2025-03-10")  # registrations are known from 3 to 5 March only
    assert pd.isna(_cell(funnel, "kpi", period=week))
    assert _cell(funnel, "kpi", "note", period=week) == "no 'registration' outcomes in the data for this period"
    assert _cell(funnel, "kpi", period=pd.Timestamp("2025-03-03")) == 3


def test_empty_period_gives_an_empty_typed_frame_and_a_warning():
    with pytest.warns(FunnelWarning, match="no posts, traffic or 'registration' outcomes"):
        funnel = aggregate_funnel(_data(), _goal(), start="2024-01-01", end="2024-01-31", by="platform")
    assert funnel.empty
    assert funnel.dtypes.astype(str).to_dict() == {
        "period": "datetime64[us]", "platform": "str", "stage": "str", "count": "Float64", "source": "str", "join": "str",
        "step_conversion": "Float64", "overall_conversion": "Float64", "drop_off": "Float64", "utm_share": "Float64", "note": "str",
    }


# ------------------------------------------------------------------ stages without data

def test_stage_nobody_reported_is_na_with_the_reason():
    with pytest.warns(FunnelWarning) as caught:
        funnel = aggregate_funnel(_data(), _goal(), start="2025-03-10", end="2025-03-16")
    assert pd.isna(_cell(funnel, "link_clicks"))
    note = _cell(funnel, "link_clicks", "note")
    assert "no post in the period reports link clicks" in note and "instagram (1 posts)" in note and "Instagram does not report it" in note
    assert any(str(w.message).startswith("link_clicks: no post in the period reports link clicks") for w in caught)
    assert pd.isna(_cell(funnel, "social_sessions", "step_conversion"))  # nothing to convert from


def test_no_traffic_data_makes_social_sessions_na():
    with pytest.warns(FunnelWarning, match="social_sessions: no traffic data"):
        funnel = aggregate_funnel(_data(traffic=False), _goal())
    assert pd.isna(_cell(funnel, "social_sessions"))
    assert _cell(funnel, "kpi") == 3


def test_bad_options_are_refused_up_front():
    data, goal = _data(), _goal()
    with pytest.raises(ValueError, match=r"by=\['colour'\].*allowed: \['platform', 'campaign', 'category'\]"):
        aggregate_funnel(data, goal, by="colour")
    with pytest.raises(ValueError, match="freq='fortnight'.*'week'"):
        aggregate_funnel(data, goal, freq="fortnight")
    with pytest.raises(ValueError, match="before start"):
        aggregate_funnel(data, goal, start="2025-03-10", end="2025-03-01")
    with pytest.raises(ValueError, match="classify_posts"):
        aggregate_funnel(data, goal, by="category")
    with pytest.raises(ValueError, match="its KPIs: \\['registrations'\\]"):
        aggregate_funnel(data, goal, kpi="orders")


def test_caveats_say_what_an_aggregate_funnel_cannot_tell():
    totals = aggregate_funnel(_data(), _goal())
    assert totals.attrs["caveat"] == AGGREGATE_CAVEAT and "same people" in AGGREGATE_CAVEAT
    assert funnel_caveats(totals) == [AGGREGATE_CAVEAT]
    assert DAY_JOIN_CAVEAT in funnel_caveats(aggregate_funnel(_data(), _goal(), by="platform"))


# ------------------------------------------------------------------ the sample client

@pytest.fixture(scope="module")
def sample():
    return load_client(SAMPLE)


def test_sample_kpi_equals_the_outcomes_counted_directly(sample):
    goal = Goal.for_client(sample.config)
    day = local_day(sample.outcomes["occurred_at"], sample.config.timezone)
    direct = ((sample.outcomes["outcome"] == "registration") & (day >= goal.start) & (day <= goal.end)).sum()
    funnel = aggregate_funnel(sample, goal)
    assert _cell(funnel, "kpi") == direct
    assert _cell(funnel, "impressions") == sample.posts["impressions"].sum()
    assert _cell(funnel, "link_clicks", "step_conversion") == pytest.approx(
        sample.posts["link_clicks"].sum() / sample.posts["engagements"].sum()
    )
    monthly = aggregate_funnel(sample, goal, freq="month", by="platform")
    assert monthly.loc[monthly["stage"] == "kpi", "count"].sum() == direct
