"""The content audit's measures against hand-computed values on small frames, and a planted fact of the sample."""

import math
import warnings

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from engagekit import load_client
from engagekit.report import plots
from engagekit.core import schema
from engagekit.analyses import audit

from paths import SAMPLE

TZ = "Europe/Berlin"


def _posts(rows):
    """rows: (platform, post_id, UTC time, engagements, impressions, reactions, link_clicks, utm_campaign, utm_content)."""
    cols = ["platform", "post_id", "published_at", "engagements", "impressions", "reactions", "link_clicks",
            "utm_campaign", "utm_content"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    frame["text"] = "text"
    return schema.conform(frame, "posts")


def _classes(posts, categories, first=None, second=None):
    n = len(posts)
    return pd.DataFrame({
        "platform": posts["platform"], "post_id": posts["post_id"], "category": categories,
        "self_promotional": [c in audit.SELF_PROMOTIONAL for c in categories], "rule": "test",
        "first_person": first or [0] * n, "second_person": second or [0] * n,
    })


def _simple(times, platform="x"):
    return _posts([(platform, str(i), t, 10, 100, 5, 0, None, None) for i, t in enumerate(times)])


def test_self_promotional_share_per_month_and_platform():
    posts = _posts([("x", "1", "2025-01-05 10:00", 1, 1, 1, 0, None, None),
                    ("x", "2", "2025-01-06 10:00", 1, 1, 1, 0, None, None),
                    ("facebook", "3", "2025-01-07 10:00", 1, 1, 1, 0, None, None),
                    # 23:30 UTC on 31 Jan is 00:30 on 1 Feb in Berlin
                    ("x", "4", "2025-01-31 23:30", 1, 1, 1, 0, None, None)])
    classes = _classes(posts, ["offer", "educational", "product", "community"])
    out = audit.self_promotional_share(posts, classes, tz=TZ).set_index(["period", "platform"])
    jan, feb = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")
    assert out.loc[(jan, "all"), "self_promotional_share"] == pytest.approx(2 / 3)
    assert out.loc[(jan, "x"), "self_promotional_share"] == pytest.approx(1 / 2)
    assert out.loc[(feb, "x"), "posts"] == 1 and out.loc[(feb, "x"), "self_promotional_posts"] == 0
    assert not out.loc[(jan, "all"), "within_80_20"] and out.loc[(feb, "all"), "within_80_20"]
    assert out.loc[(jan, "all"), "gap_to_rule_of_thirds"] == pytest.approx(1 / 3)


def test_rules_of_thumb_are_named_as_such():
    posts = _simple(["2025-01-05 10:00"])
    out = audit.self_promotional_share(posts, _classes(posts, ["offer"]), tz=TZ)
    assert set(out.attrs["rules_of_thumb"]) == {"80/20 rule", "rule of thirds"}
    assert all("rule of thumb, not a law" in text for text in out.attrs["rules_of_thumb"].values())
    assert "Hootsuite" in out["rules_of_thumb"].iloc[0]


def test_me_me_me_index_per_month():
    posts = _simple(["2025-01-05 10:00", "2025-01-06 10:00", "2025-02-06 10:00"])
    classes = _classes(posts, ["offer", "community", "community"], first=[3, 1, 0], second=[0, 2, 0])
    out = audit.me_me_me_index(posts, classes, tz=TZ)
    jan, feb = out.iloc[0], out.iloc[1]
    assert (jan["first_person"], jan["second_person"]) == (4, 2)
    assert jan["me_index"] == pytest.approx((4 - 2) / (4 + 2))
    assert pd.isna(feb["me_index"]) and "no we/our/us" in feb["na_reason"]


def test_variety_is_shannon_entropy_in_bits():
    # shares 1/2, 1/4, 1/4: H = 0.5*1 + 0.25*2 + 0.25*2 = 1.5 bits; 4 categories known: max 2 bits
    posts = _simple(["2025-03-0%d 10:00" % d for d in range(1, 5)] + ["2025-04-01 10:00"])
    classes = _classes(posts, ["offer", "offer", "educational", "community", "entertaining"])
    out = audit.content_variety(posts, classes, tz=TZ)
    march = out.iloc[0]
    assert march["posts"] == 4 and march["categories_used"] == 3 and march["categories"] == 4
    assert march["entropy_bits"] == pytest.approx(1.5)
    assert march["normalised_entropy"] == pytest.approx(1.5 / 2)
    assert out.iloc[1]["entropy_bits"] == pytest.approx(0.0)


def test_posts_per_week_counts_empty_weeks_as_zero():
    # Mon 6 Jan, Sun 12 Jan (same week), then Tue 21 Jan: the week of 13 Jan has none
    posts = _simple(["2025-01-06 10:00", "2025-01-12 10:00", "2025-01-21 10:00"])
    out = audit.posts_per_week(posts, tz=TZ)
    all_ = out.loc[out["platform"] == "all"]
    assert all_["week"].dt.strftime("%m-%d").tolist() == ["01-06", "01-13", "01-20"]
    assert all_["posts"].tolist() == [2, 0, 1]


def test_slot_with_fewer_than_min_posts_is_not_ranked():
    # Mondays 09:00 UTC = 10:00 Berlin in winter: 5 posts; Tuesday 10:00 Berlin: 3 posts with higher rates
    monday = pd.Timestamp("2025-01-06 09:00")
    mondays = [("x", f"m{i}", monday + pd.Timedelta(weeks=i), e, 100, 1, 0, None, None)
               for i, e in enumerate([1, 2, 3, 4, 5])]
    tuesdays = [("x", f"t{i}", monday + pd.Timedelta(days=1, weeks=i), 50, 100, 1, 0, None, None) for i in range(3)]
    out = audit.slot_performance(_posts(mondays + tuesdays), tz=TZ, min_posts=5).set_index(["weekday", "hour"])
    assert len(out) == 7 * 24
    mon, tue = out.loc[(0, 10)], out.loc[(1, 10)]
    assert mon["posts"] == 5 and mon["median"] == pytest.approx(0.03) and mon["rank"] == 1
    assert tue["posts"] == 3 and pd.isna(tue["median"]) and pd.isna(tue["rank"])
    assert tue["na_reason"] == "fewer than 5 posts"
    assert out.loc[(2, 10), "posts"] == 0


def test_slot_rejects_an_unknown_measure():
    with pytest.raises(ValueError, match="measures are"):
        audit.slot_performance(_simple(["2025-01-06 10:00"]), tz=TZ, measure="likes")


def _outcomes(days_counts, outcome="registration"):
    times = [f"{day} 12:00" for day, n in days_counts for _ in range(n)]
    return schema.conform(pd.DataFrame({"occurred_at": pd.to_datetime(times, utc=True), "outcome": outcome}), "outcomes")


def test_lmdi_parts_add_up_to_the_change():
    # before (Jan): 2 posts, 100 engagements, 10 outcomes; after (Feb): 4 posts, 150 engagements, 30 outcomes
    posts = _posts([("x", "1", "2025-01-05 10:00", 60, 1, 1, 0, None, None),
                    ("x", "2", "2025-01-06 10:00", 40, 1, 1, 0, None, None)]
                   + [("x", f"f{i}", f"2025-02-0{i + 1} 10:00", e, 1, 1, 0, None, None)
                      for i, e in enumerate([30, 30, 40, 50])])
    out = audit.kpi_decomposition(posts, _outcomes([("2025-01-10", 10), ("2025-02-10", 30)]), outcome="registration",
                                  tz=TZ, before=("2025-01-01", "2025-01-31"), after=("2025-02-01", "2025-02-28"))
    parts = out.set_index("step")["value"]
    weight = (30 - 10) / (math.log(30) - math.log(10))
    assert parts["start"] == 10 and parts["end"] == 30
    assert parts["volume"] == pytest.approx(weight * math.log(4 / 2))
    assert parts["engagement per post"] == pytest.approx(weight * math.log((150 / 4) / (100 / 2)))
    assert parts["outcomes per engagement"] == pytest.approx(weight * math.log((30 / 150) / (10 / 100)))
    assert parts[["volume", "engagement per post", "outcomes per engagement"]].sum() == pytest.approx(20)
    assert out["level"].iloc[-2] == pytest.approx(30)


def test_decomposition_with_a_zero_factor_is_na_with_reason():
    posts = _simple(["2025-01-05 10:00", "2025-02-05 10:00"])
    out = audit.kpi_decomposition(posts, _outcomes([("2025-02-10", 3)]), outcome="registration", tz=TZ,
                                  before=("2025-01-01", "2025-01-31"), after=("2025-02-01", "2025-02-28"))
    assert out.loc[out["step"] == "volume", "value"].isna().all()
    assert out["na_reason"].str.contains("positive").any()


def test_utm_attribution_matches_content_and_campaign_and_splits_shared_hits():
    posts = _posts([("facebook", "a", "2025-01-05 10:00", 10, 100, 50, 5, "spring", "slug-a"),
                    ("facebook", "b", "2025-01-06 10:00", 10, 100, 1, 9, "spring", "slug-b"),
                    ("facebook", "c", "2025-01-07 10:00", 10, 100, 1, 9, "other", "slug-b"),
                    ("x", "d", "2025-01-08 10:00", 10, 100, 99, 0, None, None)])
    outcomes = schema.conform(pd.DataFrame({
        "occurred_at": pd.to_datetime(["2025-01-09"] * 5, utc=True),
        "outcome": ["registration"] * 4 + ["order"],
        # slug-a once; slug-b without a campaign: shared by b and c; slug-b of campaign spring: b only; order ignored
        "campaign": ["spring", None, "spring", "autumn", "spring"],
        "content": ["slug-a", "slug-b", "slug-b", "slug-a", "slug-a"],
    }), "outcomes")
    traffic = schema.conform(pd.DataFrame({
        "date": pd.to_datetime(["2025-01-09", "2025-01-09", "2025-01-10"]),
        "campaign": ["spring", "spring", "(direct)"], "content": ["slug-a", "slug-b", "(not set)"],
        "sessions": [7, 4, 100],
    }), "traffic")
    out = audit.post_results(posts, outcomes=outcomes, outcome="registration", traffic=traffic)
    assert out["outcomes"].tolist() == [1.0, 1.5, 0.5, 0.0]
    assert out["sessions"].tolist() == [7.0, 4.0, 0.0, 0.0]
    assert out["tagged"].tolist() == [True, True, True, False]


def test_category_performance_shares_and_rate_definition():
    posts = _posts([("facebook", "a", "2025-01-05 10:00", 10, 100, 50, 5, "s", "slug-a"),
                    ("facebook", "b", "2025-01-06 10:00", 30, 100, 10, 15, "s", "slug-b"),
                    ("x", "c", "2025-01-07 10:00", 20, 400, 40, 0, None, None)])
    classes = _classes(posts, ["offer", "educational", "entertaining"])
    outcomes = _outcomes([("2025-01-08", 0)])
    outcomes = schema.conform(pd.DataFrame({"occurred_at": pd.to_datetime(["2025-01-08"] * 4, utc=True),
                                            "outcome": "registration", "content": ["slug-a", "slug-b", "slug-b", "slug-b"]}),
                              "outcomes")
    perf = audit.category_performance(posts, classes, outcomes, outcome="registration").set_index("category")
    assert perf.loc["entertaining", "engagement_rate"] == pytest.approx(20 / 400)
    assert perf["engagement_rate_definition"].eq("engagements / impressions (ratio of sums)").all()
    assert perf.loc["entertaining", "share_of_reactions"] == pytest.approx(0.4)
    assert perf.loc["entertaining", "share_of_outcomes"] == 0
    assert perf.loc["educational", "share_of_outcomes"] == pytest.approx(0.75)
    assert perf.loc["educational", "share_of_link_clicks"] == pytest.approx(0.75)
    assert perf["sessions"].isna().all()


def _daily(platform, followers, lost=None, start="2025-01-01"):
    n = len(followers)
    return schema.conform(pd.DataFrame({
        "platform": platform, "account": "acc", "date": pd.date_range(start, periods=n, freq="D"),
        "followers": followers, "lost_followers": lost if lost is not None else [None] * n,
    }), "account_daily")


def test_fatigue_trailing_share_excludes_the_day_and_uses_the_window():
    # posts on local 1, 2 and 4 Jan; offers on 1 and 4
    posts = _simple(["2025-01-01 10:00", "2025-01-02 10:00", "2025-01-04 10:00"])
    classes = _classes(posts, ["offer", "educational", "offer"])
    daily = _daily("x", [100, 98, 99, 95, 95], lost=[1, 2, 0, 4, 0])
    out = audit.follower_fatigue(posts, classes, daily, tz=TZ, window=2).set_index("date")
    assert out["loss_source"].eq("lost_followers").all()
    # 1 Jan: nothing before; 2 Jan: {1}; 3 Jan: {1, 2}; 4 Jan: {2, 3}; 5 Jan: {3, 4}
    assert out["trailing_posts"].tolist() == [0, 1, 2, 1, 1]
    share = out["trailing_self_promotional_share"]
    assert pd.isna(share.iloc[0])
    assert share.iloc[1:].tolist() == [1.0, 0.5, 0.0, 1.0]
    assert out["followers_lost"].tolist() == [1, 2, 0, 4, 0]


def test_fatigue_falls_back_on_the_day_on_day_fall_in_followers():
    posts = _simple(["2025-01-01 10:00"])
    out = audit.follower_fatigue(posts, _classes(posts, ["offer"]), _daily("x", [100, 97, 99, 99]), tz=TZ)
    assert out["loss_source"].eq("day-on-day fall in followers").all()
    assert pd.isna(out["followers_lost"].iloc[0])
    assert out["followers_lost"].iloc[1:].tolist() == [3, 0, 0]


def test_fatigue_without_follower_data_is_na_with_reason():
    posts = _simple(["2025-01-01 10:00"])
    with pytest.warns(UserWarning, match="no follower data"):
        fatigue = audit.follower_fatigue(posts, _classes(posts, ["offer"]), schema.empty_frame("account_daily"), tz=TZ)
    corr = audit.fatigue_correlation(fatigue)
    assert fatigue.empty and list(fatigue.columns)[:2] == ["platform", "date"]
    assert pd.isna(corr["spearman_rho"].iloc[0]) and "no follower data" in corr["na_reason"].iloc[0]
    assert "not a cause" in corr["note"].iloc[0]


def test_fatigue_correlation_is_spearman_of_losses_and_share():
    rng = np.random.default_rng(1)
    fatigue = pd.DataFrame({"platform": "x", "date": pd.date_range("2025-01-01", periods=30, freq="D"),
                            "followers_lost": rng.integers(0, 9, 30).astype(float), "loss_source": "lost_followers",
                            "trailing_posts": 3, "trailing_self_promotional_share": rng.random(30)})
    from scipy import stats
    expected = stats.spearmanr(fatigue["trailing_self_promotional_share"], fatigue["followers_lost"]).statistic
    assert audit.fatigue_correlation(fatigue)["spearman_rho"].iloc[0] == pytest.approx(expected)


def test_ranked_posts_put_outcomes_next_to_likes():
    posts = _posts([("facebook", "a", "2025-01-05 10:00", 1, 1, 5, 0, "s", "slug-a"),
                    ("facebook", "b", "2025-01-06 10:00", 1, 1, 80, 0, None, None),
                    ("facebook", "c", "2025-01-07 10:00", 1, 1, 20, 0, "s", "slug-c")])
    outcomes = schema.conform(pd.DataFrame({"occurred_at": pd.to_datetime(["2025-01-08"] * 3, utc=True),
                                            "outcome": "order", "content": ["slug-a", "slug-a", "slug-c"]}), "outcomes")
    out = audit.ranked_posts(posts, _classes(posts, ["offer", "entertaining", "educational"]), outcomes,
                             outcome="order", n=1)
    top, bottom = out.iloc[0], out.iloc[1]
    assert (top["post_id"], top["outcomes"], top["outcome_rank"], top["reactions_rank"]) == ("a", 2, 1, 3)
    assert (bottom["post_id"], bottom["outcomes"], bottom["outcome_rank"], bottom["reactions_rank"]) == ("b", 0, 3, 1)
    assert "utm_content" in out.attrs["attribution"]


def test_empty_period_gives_empty_typed_frames_and_a_warning():
    posts = schema.empty_frame("posts")
    classes = _classes(posts, [])
    for measure in (audit.self_promotional_share, audit.me_me_me_index, audit.content_variety):
        with pytest.warns(UserWarning, match="no posts"):
            out = measure(posts, classes, tz=TZ)
        assert out.empty and out["period"].dtype == "datetime64[us]"
    with pytest.warns(UserWarning, match="no posts"):
        assert audit.posts_per_week(posts, tz=TZ).empty


def test_verdicts_are_computed_from_the_measures():
    posts = _posts([("facebook", "a", "2025-01-05 10:00", 10, 100, 10, 30, "s", "slug-a"),
                    ("facebook", "b", "2025-01-06 10:00", 30, 100, 90, 0, None, None),
                    ("x", "c", "2025-01-07 10:00", 20, 400, 0, 10, "s", "slug-c")])
    classes = _classes(posts, ["offer", "entertaining", "educational"])
    outcomes = schema.conform(pd.DataFrame({"occurred_at": pd.to_datetime(["2025-01-08"] * 4, utc=True),
                                            "outcome": "order", "content": ["slug-a"] * 3 + ["slug-c"]}), "outcomes")
    perf = audit.category_performance(posts, classes, outcomes, outcome="order")
    verdicts = audit.audit_verdicts(classes=classes, performance=perf, kpi="order").set_index("measure")["sentence"]
    # 1 post in 3 is an offer; it earned 10/100 likes, 30/40 link clicks, 3/4 orders
    assert verdicts["self-promotion"].startswith("33% of your posts were about yourselves")
    assert "10% of the likes" in verdicts["self-promotion"] and "75% of the link clicks" in verdicts["self-promotion"]
    assert "75% of the order outcomes" in verdicts["self-promotion"]
    assert verdicts["likes versus results"].startswith("Entertaining posts earned 90% of the likes but 0%")


def test_one_platform_client_gets_every_measure():
    posts = _simple(["2025-01-0%d 10:00" % d for d in range(1, 8)], platform="facebook")
    classes = _classes(posts, ["offer", "educational"] * 3 + ["community"], first=[1] * 7, second=[2] * 7)
    assert set(audit.self_promotional_share(posts, classes, tz=TZ)["platform"]) == {"all", "facebook"}
    assert audit.me_me_me_index(posts, classes, tz=TZ)["me_index"].iloc[0] == pytest.approx(-1 / 3)
    assert audit.content_variety(posts, classes, tz=TZ)["posts"].iloc[0] == 7
    assert audit.slot_performance(posts, tz=TZ, min_posts=1)["posts"].sum() == 7


# --------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample():
    data = load_client(SAMPLE)
    return data, audit.classify_posts(data.posts)


def test_sample_link_categories_earn_the_registrations(sample):
    # truth: only offer, product and educational posts carry links (sample.LINK_CATEGORIES); registrations follow clicks
    from engagekit.teaching.sample import LINK_CATEGORIES

    data, classes = sample
    perf = audit.category_performance(data.posts, classes, data.outcomes, outcome="registration",
                                      traffic=data.traffic).set_index("category")
    linked = perf.index.isin(sorted(LINK_CATEGORIES))
    assert perf.loc[linked, "share_of_outcomes"].sum() > 0.95
    assert perf.loc[linked, "share_of_sessions"].sum() > 0.95
    assert perf.loc[~linked, "share_of_reactions"].sum() > 0.5


def test_sample_decomposition_adds_up(sample):
    data, _ = sample
    out = audit.kpi_decomposition(data.posts, data.outcomes, outcome="registration", tz=data.config.timezone,
                                  before=("2025-01-01", "2025-03-31"), after=("2025-10-01", "2025-12-31"))
    parts = out.set_index("step")["value"]
    assert parts["start"] + parts[["volume", "engagement per post", "outcomes per engagement"]].sum() == pytest.approx(parts["end"])
    # the planted trend (g(t) = 1 + 0.8 t/364) makes the year end with more registrations than it began
    assert parts["end"] > parts["start"]


def test_plots_draw_the_new_figures(sample):
    import matplotlib.pyplot as plt

    data, classes = sample
    tz = data.config.timezone
    decomposition = audit.kpi_decomposition(data.posts, data.outcomes, outcome="registration", tz=tz,
                                            before=("2025-01-01", "2025-03-31"), after=("2025-10-01", "2025-12-31"))
    ax = plots.kpi_waterfall(decomposition)
    assert len(ax.patches) == 5
    perf = audit.category_performance(data.posts, classes, data.outcomes, outcome="registration")
    assert len(plots.likes_versus_results(perf).texts) == len(perf)
    slots = audit.slot_performance(data.posts, tz=tz)
    ax = plots.slot_heatmap(slots)
    assert len(ax.texts) == 7 * 24
    plots.self_promotional_share(audit.self_promotional_share(data.posts, classes, tz=tz))
    plt.close("all")


def test_a_client_with_one_platform_gets_the_whole_audit(sample):
    data, _ = sample
    posts = data.posts.loc[data.posts["platform"] == "facebook"].reset_index(drop=True)
    classes = audit.classify_posts(posts)
    tz = data.config.timezone
    shares = audit.self_promotional_share(posts, classes, tz=tz)
    me_index = audit.me_me_me_index(posts, classes, tz=tz)
    variety = audit.content_variety(posts, classes, tz=tz)
    slots = audit.slot_performance(posts, tz=tz)
    performance = audit.category_performance(posts, classes, data.outcomes, outcome="registration", traffic=data.traffic)
    decomposition = audit.kpi_decomposition(posts, data.outcomes, outcome="registration", tz=tz,
                                            before=("2025-01-01", "2025-03-31"), after=("2025-10-01", "2025-12-31"))
    ranked = audit.ranked_posts(posts, classes, data.outcomes, outcome="registration")
    verdicts = audit.audit_verdicts(classes=classes, performance=performance, kpi="registration", shares=shares,
                                    me_index=me_index, variety=variety, slots=slots, decomposition=decomposition)
    assert set(shares["platform"]) <= {"facebook", "all"} and len(shares) > 0
    assert performance["posts"].sum() == len(posts)
    assert len(me_index) == len(variety) == 12
    assert slots["posts"].sum() == len(posts)
    assert len(ranked) > 0 and len(verdicts) >= 3
    assert ranked["post_id"].isin(posts["post_id"]).all()


@pytest.mark.parametrize("rho, p_value, words", [
    (0.31, 0.001, "days after more self-promotional posts had more follower losses"),
    (-0.25, 0.01, "days after more self-promotional posts had fewer follower losses"),
    (-0.004, 0.98, "no sign that follower losses follow the share of self-promotional posts"),
])
def test_fatigue_sentence_claims_a_direction_only_when_significant(sample, rho, p_value, words):
    data, _ = sample
    classes = audit.classify_posts(data.posts)
    performance = audit.category_performance(data.posts, classes, data.outcomes, outcome="registration",
                                             traffic=data.traffic)
    fatigue = pd.DataFrame({"platform": ["facebook"], "days": [300], "loss_source": ["lost_followers"],
                            "spearman_rho": [rho], "p_value": [p_value], "note": ["a correlation, not a cause"],
                            "na_reason": [""]})
    verdicts = audit.audit_verdicts(classes=classes, performance=performance, kpi="registration", fatigue=fatigue)
    sentence = verdicts.loc[verdicts["measure"] == "fatigue", "sentence"].iloc[0]
    assert sentence == (f"Follower fatigue (facebook): {words} (Spearman rho {rho:.2f}, p = {p_value:.3f}, 300 days); "
                        "a correlation, not a cause.")
