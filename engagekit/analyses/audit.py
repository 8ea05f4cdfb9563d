"""Content audit: is a post about the audience, or about "me me me"? And what does each kind earn?

Posts are classified by :mod:`engagekit.analyses.classify` (transparent rules, the
user's labels, a text classifier); this module measures what each kind of
post is and earns. Self-promotional: ``offer`` (coupons, discounts),
``product`` (product ads), ``company_news`` (the company about itself).
Audience-centred: ``educational``, ``entertaining``, ``inspirational``,
``community``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from engagekit.analyses.classify import AUDIENCE_CENTRED, CATEGORIES, SELF_PROMOTIONAL, classify_posts
from engagekit.goals.rates import period_engagement_rates, post_engagement_rates
from engagekit.tables.series import as_float, local_day

__all__ = [
    "AUDIENCE_CENTRED",
    "CATEGORIES",
    "SELF_PROMOTIONAL",
    "classify_posts",
    "content_mix",
    "category_performance",
    "self_promotional_summary",
    "describe_self_promotion",
    "ATTRIBUTION",
    "ENGAGEMENT_RATE_DEFINITION",
    "RULES_OF_THUMB",
    "ME_INDEX_DEFINITION",
    "DECOMPOSITION_METHOD",
    "FATIGUE_NOTE",
    "post_results",
    "self_promotional_share",
    "me_me_me_index",
    "content_variety",
    "posts_per_week",
    "slot_performance",
    "kpi_decomposition",
    "follower_fatigue",
    "fatigue_correlation",
    "ranked_posts",
    "audit_verdicts",
]


def content_mix(posts: pd.DataFrame, classes: pd.DataFrame, *, tz: str, freq: str = "MS") -> pd.DataFrame:
    """Posts per period and category, with each category's share and the self-promotional share.

    Returns ``period, category, posts, share, self_promotional_share``.
    """
    frame = posts[["platform", "post_id", "published_at"]].merge(classes, on=["platform", "post_id"])
    frame["period"] = _period(local_day(frame["published_at"], tz), freq)
    counts = frame.groupby(["period", "category"]).size().rename("posts").reset_index()
    totals = counts.groupby("period")["posts"].transform("sum")
    counts["share"] = counts["posts"] / totals
    promo = frame.groupby("period")["self_promotional"].mean().rename("self_promotional_share")
    return counts.merge(promo, on="period")


#: How outcomes and sessions are credited to posts (printed by the notebook, kept in ``attrs``).
ATTRIBUTION = (
    "UTM match: an outcome (or a traffic row's sessions) is credited to the post whose utm_content equals its "
    "content tag, where the campaigns agree when both carry one; an outcome matching several posts is split "
    "equally between them; posts without UTM tags (e.g. X posts behind t.co links) earn nothing attributed."
)
#: The engagement rate of a group of posts in :func:`category_performance`.
#: The engagement rate of the audit: one of :data:`engagekit.goals.rates.RATE_DEFINITIONS`, as a ratio of sums.
ENGAGEMENT_RATE = "engagements / impressions"
ENGAGEMENT_RATE_DEFINITION = f"{ENGAGEMENT_RATE} (ratio of sums)"


def _check(frame: pd.DataFrame | None, name: str, columns: list[str]) -> None:
    if frame is None:
        return
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the columns {missing} (it has {list(frame.columns)}); "
                         f"pass the canonical {name} table")


def _credit(posts: pd.DataFrame, hits: pd.DataFrame, weight: pd.Series) -> pd.Series:
    """Sum of ``weight`` of the ``hits`` (``campaign, content``) credited to each post, by UTM tags."""
    tags = pd.DataFrame({
        "row": range(len(posts)),
        "content": posts["utm_content"].to_numpy(),
        "post_campaign": posts["utm_campaign"].to_numpy(),
    }).dropna(subset=["content"])
    credit = pd.Series(0.0, index=range(len(posts)), dtype="float64")
    if tags.empty or hits.empty:
        return credit
    found = pd.DataFrame({
        "hit": range(len(hits)),
        "content": hits["content"].to_numpy(),
        "campaign": hits["campaign"].to_numpy(),
        "weight": weight.astype("Float64").fillna(0).astype("float64").to_numpy(),
    }).dropna(subset=["content"])
    if found.empty:
        return credit
    found["content"] = found["content"].astype("str")
    tags["content"] = tags["content"].astype("str")
    pairs = found.merge(tags, on="content")
    clash = pairs["campaign"].notna() & pairs["post_campaign"].notna() & (pairs["campaign"] != pairs["post_campaign"])
    pairs = pairs.loc[~clash.to_numpy()]
    pairs["share"] = pairs["weight"] / pairs.groupby("hit")["row"].transform("size")
    summed = pairs.groupby("row")["share"].sum()
    credit.loc[summed.index] = summed.to_numpy()
    return credit


def post_results(
    posts: pd.DataFrame,
    *,
    outcomes: pd.DataFrame | None = None,
    outcome: str | None = None,
    traffic: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What each post led to through its UTM tags: sessions and KPI outcomes (see :data:`ATTRIBUTION`).

    Parameters
    ----------
    posts
        The canonical posts table.
    outcomes, outcome
        The canonical outcomes table and the outcome to count (e.g. ``"registration"``); None: no outcomes.
    traffic
        The canonical traffic table (its ``campaign``/``content`` tags); None: no sessions.

    Returns
    -------
    pandas.DataFrame
        ``platform, post_id, tagged, sessions, outcomes``, one row per post in the order of ``posts``.
        ``sessions`` and ``outcomes`` are Float64 (a hit shared by several posts is split) and NA when
        the table was not given.
    """
    _check(posts, "posts", ["platform", "post_id", "utm_campaign", "utm_content"])
    _check(outcomes, "outcomes", ["outcome", "campaign", "content"])
    _check(traffic, "traffic", ["campaign", "content", "sessions"])
    posts = posts.reset_index(drop=True)
    out = pd.DataFrame({
        "platform": posts["platform"].astype("str"),
        "post_id": posts["post_id"].astype("str"),
        "tagged": posts["utm_content"].notna().astype("bool"),
        "sessions": pd.Series(pd.NA, index=posts.index, dtype="Float64"),
        "outcomes": pd.Series(pd.NA, index=posts.index, dtype="Float64"),
    })
    if traffic is not None:
        tagged = traffic.loc[traffic["content"].notna() & (traffic["content"] != "(not set)")]
        out["sessions"] = _credit(posts, tagged, tagged["sessions"]).astype("Float64").to_numpy()
    if outcomes is not None and outcome is not None:
        hits = outcomes.loc[outcomes["outcome"] == outcome]
        out["outcomes"] = _credit(posts, hits, pd.Series(1.0, index=hits.index)).astype("Float64").to_numpy()
    out.attrs["attribution"] = ATTRIBUTION
    return out


def _engagement_rate(frame: pd.DataFrame, by: list[str]) -> pd.Series:
    """:data:`ENGAGEMENT_RATE` as a ratio of sums over the posts it can be computed for, per group of ``by``."""
    rates = period_engagement_rates(frame, by=by, definitions=[ENGAGEMENT_RATE])
    ratio = rates.loc[rates["aggregation"] == "ratio of sums"]
    return ratio.set_index(by)["rate"]


def category_performance(
    posts: pd.DataFrame,
    classes: pd.DataFrame,
    outcomes: pd.DataFrame | None = None,
    *,
    outcome: str | None = None,
    traffic: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per category: likes and engagement rate next to what it leads to (link clicks, sessions, KPI outcomes).

    Outcomes and sessions are credited to posts through UTM tags (:data:`ATTRIBUTION`); posts
    without tags earn no attributed outcome, which the ``tagged_posts`` column makes visible.
    The engagement rate is :data:`ENGAGEMENT_RATE_DEFINITION` (named in ``engagement_rate_definition``).

    Parameters
    ----------
    posts, classes
        The canonical posts table and ``classify_posts(posts)``.
    outcomes, outcome
        The canonical outcomes table and the KPI outcome to count; None: ``outcomes`` is 0.
    traffic
        The canonical traffic table, for the sessions; None: ``sessions`` is NA.

    Returns
    -------
    pandas.DataFrame
        ``category, self_promotional, posts, tagged_posts, reactions, link_clicks, sessions,
        outcomes, reactions_per_post, engagement_rate, engagement_rate_definition,
        link_clicks_per_post, share_of_posts, share_of_reactions, share_of_link_clicks,
        share_of_sessions, share_of_outcomes``: one row per category. A share is NA when its total is 0
        or unknown.
    """
    _check(posts, "posts", ["platform", "post_id", "reactions", "engagements", "impressions", "link_clicks"])
    _check(classes, "classes", ["platform", "post_id", "category", "self_promotional"])
    results = post_results(posts, outcomes=outcomes, outcome=outcome, traffic=traffic)
    frame = posts.reset_index(drop=True).assign(
        _sessions=results["sessions"], _outcomes=results["outcomes"].fillna(0), _tagged=results["tagged"]
    ).merge(classes[["platform", "post_id", "category", "self_promotional"]], on=["platform", "post_id"])
    by = ["category", "self_promotional"]
    g = frame.groupby(by)
    out = pd.DataFrame({
        "posts": g.size(),
        "tagged_posts": g["_tagged"].sum(),
        "reactions": g["reactions"].sum(),
        "link_clicks": g["link_clicks"].sum(),
        "sessions": g["_sessions"].sum(min_count=1).astype("Float64"),
        "outcomes": g["_outcomes"].sum(),
        "engagement_rate": _engagement_rate(frame, by),
    }).reset_index()
    out["reactions_per_post"] = (out["reactions"] / out["posts"]).astype("Float64")
    out["engagement_rate"] = out["engagement_rate"].astype("Float64")
    out["engagement_rate_definition"] = pd.Series(ENGAGEMENT_RATE_DEFINITION, index=out.index, dtype="str")
    out["link_clicks_per_post"] = (out["link_clicks"] / out["posts"]).astype("Float64")
    for col in ("posts", "reactions", "link_clicks", "sessions", "outcomes"):
        total = out[col].sum()
        share = out[col].astype("Float64") / total if total and not pd.isna(total) else pd.NA
        out[f"share_of_{col}"] = pd.Series(share, index=out.index, dtype="Float64")
    out = out.astype({"posts": "int64", "tagged_posts": "int64", "category": "str", "self_promotional": "bool"})
    columns = ["category", "self_promotional", "posts", "tagged_posts", "reactions", "link_clicks", "sessions",
               "outcomes", "reactions_per_post", "engagement_rate", "engagement_rate_definition",
               "link_clicks_per_post", "share_of_posts", "share_of_reactions", "share_of_link_clicks",
               "share_of_sessions", "share_of_outcomes"]
    out = out[columns].sort_values("category").reset_index(drop=True)
    out.attrs["attribution"] = ATTRIBUTION
    return out


def self_promotional_summary(classes: pd.DataFrame, performance: pd.DataFrame) -> dict[str, float]:
    """The audit's headline: share of posts about the company, and their share of reactions, clicks, outcomes."""
    promo = performance.loc[performance["self_promotional"]]
    return {
        "self_promotional_share_of_posts": float(classes["self_promotional"].mean()),
        "self_promotional_share_of_reactions": float(promo["share_of_reactions"].sum()),
        "self_promotional_share_of_link_clicks": float(promo["share_of_link_clicks"].sum()),
        "self_promotional_share_of_outcomes": float(promo["share_of_outcomes"].sum()) if performance["outcomes"].sum() else float("nan"),
    }


def describe_self_promotion(summary: dict[str, float], *, kpi: str) -> str:
    """The audit's headline in plain words."""
    text = (
        f"{summary['self_promotional_share_of_posts']:.0%} of your posts were about yourselves (offers, products, company news); "
        f"they earned {summary['self_promotional_share_of_reactions']:.0%} of the likes and "
        f"{summary['self_promotional_share_of_link_clicks']:.0%} of the link clicks"
    )
    outcomes = summary.get("self_promotional_share_of_outcomes")
    if outcomes is not None and outcomes == outcomes:
        text += f", and {outcomes:.0%} of the {kpi} outcomes traced to posts by UTM tags"
    return text + "."


# --------------------------------------------------------------------------- measures of the mix

#: The rules of thumb the self-promotional share is held against: guides, not laws.
RULES_OF_THUMB: dict[str, str] = {
    "80/20 rule": "a rule of thumb, not a law: at most 20% of posts about yourself (offers, products, company "
                  "news), at least 80% serving the audience",
    "rule of thirds": "Hootsuite's rule of thumb, not a law: about a third promoting the business, a third "
                      "sharing others' ideas and stories, a third personal interaction with the audience",
}
_KEY = ["platform", "post_id"]


def _classified(posts: pd.DataFrame, classes: pd.DataFrame, *, tz: str, measure: str) -> pd.DataFrame:
    """Posts joined to their class with the local publishing day; warns when there are no posts."""
    _check(posts, "posts", ["platform", "post_id", "published_at"])
    _check(classes, "classes", ["platform", "post_id", "category", "self_promotional"])
    cols = [c for c in ("category", "self_promotional", "first_person", "second_person") if c in classes.columns]
    frame = posts.reset_index(drop=True).merge(classes[_KEY + cols], on=_KEY, how="inner")
    frame["day"] = local_day(frame["published_at"], tz)
    if frame.empty:
        warnings.warn(f"{measure}: no posts in the period; the result is empty", UserWarning, stacklevel=3)
    return frame


def _period(day: pd.Series, freq: str) -> pd.Series:
    return day.dt.to_period(freq.rstrip("S")).dt.start_time.astype("datetime64[us]")


def self_promotional_share(
    posts: pd.DataFrame,
    classes: pd.DataFrame,
    *,
    tz: str,
    freq: str = "MS",
    max_share: float = 0.2,
) -> pd.DataFrame:
    """Self-promotional posts and their share per period and platform, against two rules of thumb.

    The 80/20 rule (at most ``max_share`` of posts about yourself) and Hootsuite's rule of thirds
    (about a third promotional) are rules of thumb, not laws (:data:`RULES_OF_THUMB`, also in
    ``attrs["rules_of_thumb"]``): they give a reference point, not a verdict on the content.

    Parameters
    ----------
    posts, classes
        The canonical posts table and ``classify_posts(posts)``.
    tz
        The account's time zone (``dataset.config.timezone``): periods are local.
    freq
        ``"MS"`` (months) or another period frequency (``"W"``, ``"QS"``...).
    max_share
        The 80/20 rule's ceiling.

    Returns
    -------
    pandas.DataFrame
        ``period, platform, posts, self_promotional_posts, self_promotional_share, within_80_20,
        gap_to_rule_of_thirds, rules_of_thumb``: one row per period and platform, plus ``platform ==
        "all"`` rows. ``gap_to_rule_of_thirds`` is the share minus 1/3.
    """
    frame = _classified(posts, classes, tz=tz, measure="self_promotional_share")
    frame["period"] = _period(frame["day"], freq)
    both = pd.concat([frame, frame.assign(platform="all")], ignore_index=True)
    g = both.groupby(["period", "platform"])
    out = pd.DataFrame({"posts": g.size(), "self_promotional_posts": g["self_promotional"].sum()}).reset_index()
    out = out.astype({"period": "datetime64[us]", "platform": "str", "posts": "int64", "self_promotional_posts": "int64"})
    out["self_promotional_share"] = (out["self_promotional_posts"] / out["posts"]).astype("Float64")
    out["within_80_20"] = (out["self_promotional_share"] <= max_share).astype("boolean")
    out["gap_to_rule_of_thirds"] = (out["self_promotional_share"] - 1 / 3).astype("Float64")
    out["rules_of_thumb"] = pd.Series("; ".join(f"{k}: {v}" for k, v in RULES_OF_THUMB.items()), index=out.index, dtype="str")
    out.attrs["rules_of_thumb"] = dict(RULES_OF_THUMB)
    return out.reset_index(drop=True)


#: The me-me-me index, in words.
ME_INDEX_DEFINITION = (
    "me-me-me index = (first - second) / (first + second), where first counts the company's first-person "
    "words (we, our, us) and second the audience's second-person words (you, your) over the period's posts; "
    "+1: only about yourselves, -1: only about the audience, 0: balanced; NA when neither occurs"
)


def me_me_me_index(posts: pd.DataFrame, classes: pd.DataFrame, *, tz: str, freq: str = "MS") -> pd.DataFrame:
    """How much the posts speak of the company (we/our/us) against the audience (you/your), per period.

    The index is ``(first - second) / (first + second)`` over the period's posts
    (:data:`ME_INDEX_DEFINITION`): +1 all "we", -1 all "you", NA with a reason when neither occurs.

    Returns
    -------
    pandas.DataFrame
        ``period, posts, first_person, second_person, me_index, na_reason``.
    """
    _check(classes, "classes", ["first_person", "second_person"])
    frame = _classified(posts, classes, tz=tz, measure="me_me_me_index")
    frame["period"] = _period(frame["day"], freq)
    g = frame.groupby("period")
    out = pd.DataFrame({"posts": g.size(), "first_person": g["first_person"].sum(),
                        "second_person": g["second_person"].sum()}).reset_index()
    out = out.astype({"period": "datetime64[us]", "posts": "int64", "first_person": "int64", "second_person": "int64"})
    words = (out["first_person"] + out["second_person"]).astype("Float64")
    out["me_index"] = ((out["first_person"] - out["second_person"]) / words.where(words > 0)).astype("Float64")
    out["na_reason"] = pd.Series("no we/our/us or you/your in the period's posts", index=out.index, dtype="str").where(words.eq(0))
    out.attrs["definition"] = ME_INDEX_DEFINITION
    return out


def content_variety(
    posts: pd.DataFrame,
    classes: pd.DataFrame,
    *,
    tz: str,
    freq: str = "MS",
    categories: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Shannon entropy of the category mix per period: how varied the content is.

    ``entropy_bits = -sum(p * log2 p)`` over the categories' shares of the period's posts;
    ``normalised_entropy`` divides it by ``log2(k)``, k the number of categories (``categories``,
    default every category in ``classes``), so 1 is an even mix and 0 a single category.

    Returns
    -------
    pandas.DataFrame
        ``period, posts, categories_used, categories, entropy_bits, max_bits, normalised_entropy``.
    """
    frame = _classified(posts, classes, tz=tz, measure="content_variety")
    known = tuple(categories) if categories is not None else tuple(sorted(classes["category"].dropna().unique()))
    k = len(known)
    frame["period"] = _period(frame["day"], freq)
    counts = frame.groupby(["period", "category"]).size().rename("n").reset_index()
    counts["p"] = counts["n"] / counts.groupby("period")["n"].transform("sum")
    counts["term"] = -counts["p"] * np.log2(counts["p"])
    g = counts.groupby("period")
    out = pd.DataFrame({"posts": g["n"].sum(), "categories_used": g.size(), "entropy_bits": g["term"].sum()}).reset_index()
    out = out.astype({"period": "datetime64[us]", "posts": "int64", "categories_used": "int64", "entropy_bits": "Float64"})
    out["categories"] = k
    out["max_bits"] = pd.Series(np.log2(k) if k else np.nan, index=out.index, dtype="Float64")
    out["normalised_entropy"] = (out["entropy_bits"] / out["max_bits"].where(out["max_bits"] > 0)).astype("Float64")
    return out[["period", "posts", "categories_used", "categories", "entropy_bits", "max_bits", "normalised_entropy"]]


# --------------------------------------------------------------------------- cadence

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SLOT_MEASURES = ("engagement_rate", "link_clicks", "reactions", "engagements")


def posts_per_week(posts: pd.DataFrame, *, tz: str) -> pd.DataFrame:
    """Posts per local week (starting Monday), weeks without posts included as 0.

    Returns ``week, platform, posts`` with ``platform == "all"`` rows for every platform together.
    """
    _check(posts, "posts", ["platform", "published_at"])
    if posts.empty:
        warnings.warn("posts_per_week: no posts in the period; the result is empty", UserWarning, stacklevel=2)
        return pd.DataFrame({"week": pd.Series(dtype="datetime64[us]"), "platform": pd.Series(dtype="str"),
                             "posts": pd.Series(dtype="int64")})
    day = local_day(posts["published_at"], tz)
    week = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).astype("datetime64[us]")
    weeks = pd.date_range(week.min(), week.max(), freq="7D").astype("datetime64[us]")
    frame = pd.DataFrame({"week": week.to_numpy(), "platform": posts["platform"].astype("str").to_numpy()})
    frame = pd.concat([frame, frame.assign(platform="all")], ignore_index=True)
    counts = frame.groupby(["week", "platform"]).size()
    grid = pd.MultiIndex.from_product([weeks, sorted(frame["platform"].unique())], names=["week", "platform"])
    out = counts.reindex(grid, fill_value=0).rename("posts").reset_index()
    return out.astype({"week": "datetime64[us]", "platform": "str", "posts": "int64"})


def slot_performance(
    posts: pd.DataFrame,
    *,
    tz: str,
    measure: str = "engagement_rate",
    min_posts: int = 5,
) -> pd.DataFrame:
    """Posts and their median result per weekday x hour slot (local time), never ranking thin slots.

    Parameters
    ----------
    posts
        The canonical posts table.
    tz
        The account's time zone: weekday and hour are local.
    measure
        ``engagement_rate`` (engagements / impressions of each post) or a per-post count
        (``link_clicks``, ``reactions``, ``engagements``); the slot's value is the median over its
        posts reporting it.
    min_posts
        A slot with fewer posts has ``median`` NA (reason in ``na_reason``) and no rank.

    Returns
    -------
    pandas.DataFrame
        ``weekday, weekday_name, hour, posts, measure, median, enough_posts, rank, na_reason``:
        all 7 x 24 slots. ``rank`` 1 is the best slot among those with enough posts.
    """
    if measure not in SLOT_MEASURES:
        raise ValueError(f"unknown measure {measure!r}; measures are: {', '.join(SLOT_MEASURES)}")
    if min_posts < 1:
        raise ValueError(f"min_posts must be 1 or more, not {min_posts}")
    needed = ["published_at"] + (["engagements", "impressions"] if measure == "engagement_rate" else [measure])
    _check(posts, "posts", needed)
    if posts.empty:
        warnings.warn("slot_performance: no posts in the period; every slot has 0 posts", UserWarning, stacklevel=2)
    local = posts["published_at"].dt.tz_convert(tz)
    if measure == "engagement_rate":
        value = post_engagement_rates(posts, definitions=[ENGAGEMENT_RATE])["rate"].set_axis(posts.index)
    else:
        value = posts[measure].astype("Float64")
    frame = pd.DataFrame({"weekday": local.dt.day_of_week.astype("int64").to_numpy(),
                          "hour": local.dt.hour.astype("int64").to_numpy(),
                          "value": value.astype("float64").to_numpy()})
    g = frame.groupby(["weekday", "hour"])
    stats = pd.DataFrame({"posts": g.size(), "median": g["value"].median()})
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    out = stats.reindex(grid).reset_index()
    out["posts"] = out["posts"].fillna(0).astype("int64")
    out["enough_posts"] = out["posts"] >= min_posts
    reason = np.where(out["posts"].eq(0), "no posts",
                      np.where(~out["enough_posts"], f"fewer than {min_posts} posts", "no post reports the measure"))
    out["median"] = out["median"].astype("Float64").where(out["enough_posts"])
    out["na_reason"] = pd.Series(reason, index=out.index, dtype="str").where(out["median"].isna())
    out["rank"] = out["median"].astype("float64").rank(ascending=False, method="min").astype("Int64")
    out["measure"] = measure
    out["weekday_name"] = [WEEKDAY_NAMES[d] for d in out["weekday"]]
    out = out.astype({"measure": "str", "weekday_name": "str"})
    return out[["weekday", "weekday_name", "hour", "posts", "measure", "median", "enough_posts", "rank", "na_reason"]]


# --------------------------------------------------------------------------- volume x quality x engagement

DECOMPOSITION_STEPS = ("start", "volume", "engagement per post", "outcomes per engagement", "end")
#: The decomposition, in words.
DECOMPOSITION_METHOD = (
    "KPI = posts x (engagements / post) x (KPI / engagement). Between two periods the change K1 - K0 is split "
    "by the logarithmic mean Divisia index (LMDI-I): the part of factor x is L(K1, K0) * ln(x1 / x0), with "
    "L(a, b) = (a - b) / (ln a - ln b) (and L(a, a) = a); the three parts add up exactly to K1 - K0. Every "
    "factor must be positive in both periods."
)


def _log_mean(a: float, b: float) -> float:
    return a if a == b else (a - b) / (np.log(a) - np.log(b))


def _window(value: tuple | str, name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    if isinstance(value, str):
        value = tuple(part.strip() for part in value.split(","))
    try:
        start, end = (pd.Timestamp(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}= takes (first day, last day), e.g. ('2025-01-01', '2025-03-31'); got {value!r}") from None
    if end < start:
        raise ValueError(f"{name}= ends ({end.date()}) before it starts ({start.date()})")
    return start, end


def kpi_decomposition(
    posts: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    outcome: str,
    tz: str,
    before: tuple | None = None,
    after: tuple | None = None,
    period: tuple | None = None,
    engagement: str = "engagements",
) -> pd.DataFrame:
    """Split the KPI's change between two periods into posting volume, engagement per post and outcomes per engagement.

    See :data:`DECOMPOSITION_METHOD`: ``KPI = posts x engagements/post x KPI/engagement``, decomposed by
    LMDI so that ``start + volume + engagement per post + outcomes per engagement == end`` exactly. The
    KPI is the count of ``outcome`` in each period (all of them, not only those traced to posts), on
    local days.

    Parameters
    ----------
    posts, outcomes
        The canonical posts and outcomes tables.
    outcome
        The KPI outcome, e.g. ``"registration"``.
    tz
        The account's time zone.
    before, after
        The two periods, each ``(first day, last day)`` inclusive, local, or the text
        ``"YYYY-MM-DD,YYYY-MM-DD"``; None or ``""``: the default, the first and
        the last quarter (at least :data:`MIN_WINDOW_DAYS` days each) of the days both the posts and
        the outcomes cover (their first to their last row) inside ``period``.
    period
        ``(first day, last day)`` of the period under review, bounding the default windows.
    engagement
        The posts column counted as engagement (``engagements``, ``reactions``, ``link_clicks``...).

    Returns
    -------
    pandas.DataFrame
        A waterfall: ``step, value, level, factor, factor_before, factor_after, na_reason`` with the steps
        :data:`DECOMPOSITION_STEPS`. ``value`` is the KPI (start, end) or the part of the change;
        ``level`` the running total after the step; ``factor_*`` the factor's value in each period.
        The parts are NA with a reason when a factor is 0 or missing in either period, and every
        value is NA with the reason when the data is too short for two default windows; the
        windows used are in ``attrs["before"]`` and ``attrs["after"]``.
    """
    _check(posts, "posts", ["published_at", engagement])
    _check(outcomes, "outcomes", ["occurred_at", "outcome"])
    post_day = local_day(posts["published_at"], tz)
    hits = outcomes.loc[outcomes["outcome"] == outcome]
    hit_day = local_day(hits["occurred_at"], tz)
    before, after = before or None, after or None
    if before is None or after is None:
        default, short = _default_windows(post_day, hit_day, period)
        if default is None:
            return _no_decomposition(outcome, short)
        before = default[0] if before is None else before
        after = default[1] if after is None else after
    periods = {"before": _window(before, "before"), "after": _window(after, "after")}
    values = {}
    for name, (start, end) in periods.items():
        inside = post_day.between(start, end)
        if not inside.any():
            warnings.warn(f"kpi_decomposition: no posts in the {name} period {start.date()}..{end.date()}", UserWarning, stacklevel=2)
        n = float(inside.sum())
        e = posts.loc[inside.to_numpy(), engagement].astype("Float64").sum()
        k = float(hit_day.between(start, end).sum())
        values[name] = {"posts": n, "engagement": float(e), "kpi": k}
    b, a = values["before"], values["after"]
    factors = {
        "volume": ("posts", b["posts"], a["posts"]),
        "engagement per post": (f"{engagement} per post", b["engagement"] / b["posts"] if b["posts"] else np.nan,
                                a["engagement"] / a["posts"] if a["posts"] else np.nan),
        "outcomes per engagement": (f"{outcome} per {engagement.rstrip('s')}", b["kpi"] / b["engagement"] if b["engagement"] else np.nan,
                                    a["kpi"] / a["engagement"] if a["engagement"] else np.nan),
    }
    ok = all(np.isfinite(x0) and np.isfinite(x1) and x0 > 0 and x1 > 0 for _, x0, x1 in factors.values())
    weight = _log_mean(a["kpi"], b["kpi"]) if ok else np.nan
    reason = pd.NA if ok else "a factor is 0 or missing in a period (the log decomposition needs positive factors)"
    rows = [{"step": "start", "value": b["kpi"], "factor": f"{outcome} (KPI)", "factor_before": b["kpi"],
             "factor_after": a["kpi"], "na_reason": pd.NA}]
    for step, (label, x0, x1) in factors.items():
        rows.append({"step": step, "value": weight * np.log(x1 / x0) if ok else np.nan, "factor": label,
                     "factor_before": x0, "factor_after": x1, "na_reason": reason})
    rows.append({"step": "end", "value": a["kpi"], "factor": f"{outcome} (KPI)", "factor_before": b["kpi"],
                 "factor_after": a["kpi"], "na_reason": pd.NA})
    out = pd.DataFrame(rows)
    level = out["value"].copy()
    level.iloc[1:4] = b["kpi"] + out["value"].iloc[1:4].cumsum()
    out["level"] = level
    out = out.astype({"step": "str", "value": "Float64", "level": "Float64", "factor": "str",
                      "factor_before": "Float64", "factor_after": "Float64", "na_reason": "str"})
    out.attrs["method"] = DECOMPOSITION_METHOD
    out.attrs["before"], out.attrs["after"] = periods["before"], periods["after"]
    return out[list(DECOMPOSITION_COLUMNS)]


#: Fewest days in each default window of :func:`kpi_decomposition`.
MIN_WINDOW_DAYS = 7
DECOMPOSITION_COLUMNS = ("step", "value", "level", "factor", "factor_before", "factor_after", "na_reason")


def _default_windows(post_day: pd.Series, hit_day: pd.Series, period: tuple | None) -> tuple[tuple | None, str]:
    """The first and last quarter of the days both posts and outcomes cover inside ``period``, or
    None and the reason there are too few days."""
    if post_day.dropna().empty or hit_day.dropna().empty:
        return None, "no posts or no outcomes to compare"
    first = max(post_day.min(), hit_day.min())
    last = min(post_day.max(), hit_day.max())
    if period is not None:
        start, end = (pd.Timestamp(v) if v is not None else None for v in period)
        first = max(first, start) if start is not None else first
        last = min(last, end) if end is not None else last
    days = (last - first).days + 1
    if days < 2 * MIN_WINDOW_DAYS:
        return None, (f"the posts and the outcomes cover {max(days, 0)} days together; two periods of at least "
                      f"{MIN_WINDOW_DAYS} days each are needed to compare")
    quarter = pd.Timedelta(days=max(MIN_WINDOW_DAYS, days // 4))
    one = pd.Timedelta(days=1)
    return ((first, first + quarter - one), (last - quarter + one, last)), ""


def _no_decomposition(outcome: str, reason: str) -> pd.DataFrame:
    """The decomposition's frame with every value NA and ``reason``."""
    steps = [("start", f"{outcome} (KPI)"), *((s, "") for s in DECOMPOSITION_STEPS[1:-1]), ("end", f"{outcome} (KPI)")]
    out = pd.DataFrame({"step": [s for s, _ in steps], "value": pd.NA, "level": pd.NA, "factor": [f for _, f in steps],
                        "factor_before": pd.NA, "factor_after": pd.NA, "na_reason": reason})
    out = out.astype({"step": "str", "value": "Float64", "level": "Float64", "factor": "str",
                      "factor_before": "Float64", "factor_after": "Float64", "na_reason": "str"})
    out.attrs["method"] = DECOMPOSITION_METHOD
    out.attrs["before"] = out.attrs["after"] = None
    return out[list(DECOMPOSITION_COLUMNS)]


# --------------------------------------------------------------------------- fatigue

FATIGUE_NOTE = ("a correlation over days, not a cause: weeks heavy in offers may also be weeks of other changes "
                "(season, paid campaigns, news)")


def follower_fatigue(
    posts: pd.DataFrame,
    classes: pd.DataFrame,
    account_daily: pd.DataFrame,
    *,
    tz: str,
    window: int = 14,
) -> pd.DataFrame:
    """Follower losses per day against the share of self-promotional posts in the previous ``window`` days.

    Losses are ``account_daily.lost_followers`` where reported, else the day-on-day fall in ``followers``
    (a fall only: a net gain counts as 0 losses); ``loss_source`` says which. The trailing share counts the
    platform's posts published in the ``window`` local days before the day (the day itself excluded).

    Returns
    -------
    pandas.DataFrame
        ``platform, date, followers_lost, loss_source, trailing_posts, trailing_self_promotional_share``;
        empty (typed) when there is no follower data. Correlate it with :func:`fatigue_correlation`.
    """
    if window < 1:
        raise ValueError(f"window must be 1 day or more, not {window}")
    _check(account_daily, "account_daily", ["platform", "date", "followers", "lost_followers"])
    frame = _classified(posts, classes, tz=tz, measure="follower_fatigue")
    parts = []
    for platform, days in account_daily.groupby("platform"):
        days = days.sort_values("date")
        date = days["date"].astype("datetime64[us]").reset_index(drop=True)
        lost = days["lost_followers"].astype("Float64").reset_index(drop=True)
        followers = days["followers"].astype("Float64").reset_index(drop=True)
        if lost.notna().any():
            loss, source = lost, "lost_followers"
        elif followers.notna().any():
            prev = followers.shift(1).where(date.diff().eq(pd.Timedelta(days=1)))
            loss, source = (prev - followers).clip(lower=0), "day-on-day fall in followers"
        else:
            continue
        mine = frame.loc[frame["platform"] == platform]
        per_day = mine.groupby("day").agg(n=("self_promotional", "size"), promo=("self_promotional", "sum"))
        span = pd.date_range(min(date.min(), per_day.index.min() if len(per_day) else date.min()) - pd.Timedelta(days=window),
                             date.max(), freq="D")
        per_day = per_day.reindex(span, fill_value=0)
        trailing = per_day.rolling(window, min_periods=1).sum().shift(1).fillna(0)
        n = trailing["n"].reindex(date).to_numpy()
        promo = trailing["promo"].reindex(date).to_numpy()
        parts.append(pd.DataFrame({
            "platform": platform, "date": date, "followers_lost": loss, "loss_source": source,
            "trailing_posts": n, "trailing_self_promotional_share": np.where(n > 0, promo / np.where(n > 0, n, 1), np.nan),
        }))
    columns = {"platform": "str", "date": "datetime64[us]", "followers_lost": "Float64", "loss_source": "str",
               "trailing_posts": "int64", "trailing_self_promotional_share": "Float64"}
    if not parts:
        warnings.warn("follower_fatigue: no follower data (account_daily has no followers or lost_followers)",
                      UserWarning, stacklevel=2)
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    return pd.concat(parts, ignore_index=True).astype(columns)


def fatigue_correlation(fatigue: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation of daily follower losses with the trailing self-promotional share, per platform.

    Returns
    -------
    pandas.DataFrame
        ``platform, days, loss_source, spearman_rho, p_value, note, na_reason``; ``note`` says it is
        not causal. NA with a reason when there is no follower data or fewer than 10 usable days.
    """
    from scipy import stats

    rows = []
    if fatigue.empty:
        rows.append({"platform": "all", "days": 0, "loss_source": pd.NA, "spearman_rho": np.nan, "p_value": np.nan,
                     "na_reason": "no follower data (account_daily has no followers or lost_followers)"})
    for platform, group in fatigue.groupby("platform"):
        usable = group.dropna(subset=["followers_lost", "trailing_self_promotional_share"])
        x = usable["trailing_self_promotional_share"].astype(float)
        y = usable["followers_lost"].astype(float)
        row = {"platform": platform, "days": len(usable), "loss_source": group["loss_source"].iloc[0],
               "spearman_rho": np.nan, "p_value": np.nan, "na_reason": pd.NA}
        if len(usable) < 10:
            row["na_reason"] = "fewer than 10 days with both follower losses and posts in the window"
        elif x.nunique() < 2 or y.nunique() < 2:
            row["na_reason"] = "no variation in the losses or in the share"
        else:
            res = stats.spearmanr(x, y)
            row["spearman_rho"], row["p_value"] = float(res.statistic), float(res.pvalue)
        rows.append(row)
    out = pd.DataFrame(rows)
    out["note"] = FATIGUE_NOTE
    return out.astype({"platform": "str", "days": "int64", "loss_source": "str", "spearman_rho": "Float64",
                       "p_value": "Float64", "note": "str", "na_reason": "str"})[
        ["platform", "days", "loss_source", "spearman_rho", "p_value", "note", "na_reason"]]


# --------------------------------------------------------------------------- top and bottom posts


def ranked_posts(
    posts: pd.DataFrame,
    classes: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    outcome: str,
    n: int = 5,
) -> pd.DataFrame:
    """The ``n`` posts contributing most and least to the KPI, next to their rank by likes (reactions).

    Outcomes are credited by UTM tags (:data:`ATTRIBUTION`, also in ``attrs``). Ranks are 1 = most
    (ties share the smaller rank); the bottom posts are those with the fewest outcomes, the most liked
    first among ties: the posts rich in likes and poor in results.

    Returns
    -------
    pandas.DataFrame
        ``position (top/bottom), platform, post_id, category, tagged, outcomes, outcome_rank, reactions,
        reactions_rank, text``.
    """
    if n < 1:
        raise ValueError(f"n must be 1 or more, not {n}")
    _check(posts, "posts", ["platform", "post_id", "reactions", "text"])
    results = post_results(posts, outcomes=outcomes, outcome=outcome)
    frame = posts.reset_index(drop=True)[["platform", "post_id", "reactions", "text"]].assign(
        tagged=results["tagged"], outcomes=results["outcomes"].fillna(0)
    ).merge(classes[_KEY + ["category"]], on=_KEY, how="left")
    if frame.empty:
        warnings.warn("ranked_posts: no posts in the period; the result is empty", UserWarning, stacklevel=2)
    frame["outcome_rank"] = frame["outcomes"].astype(float).rank(ascending=False, method="min").astype("Int64")
    frame["reactions_rank"] = as_float(frame["reactions"]).rank(ascending=False, method="min").astype("Int64")
    likes = frame["reactions"].astype("Float64").fillna(-1)
    order = frame.assign(_likes=likes)
    top = order.sort_values(["outcomes", "_likes"], ascending=[False, False], kind="stable").head(n).assign(position="top")
    rest = order.drop(index=top.index)
    bottom = rest.sort_values(["outcomes", "_likes"], ascending=[True, False], kind="stable").head(n).assign(position="bottom")
    out = pd.concat([top, bottom], ignore_index=True)
    out = out[["position", "platform", "post_id", "category", "tagged", "outcomes", "outcome_rank", "reactions",
               "reactions_rank", "text"]].astype({"position": "str", "category": "str", "outcomes": "Float64"})
    out.attrs["attribution"] = ATTRIBUTION
    return out


# --------------------------------------------------------------------------- plain words


def _pct(x: float) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:.0%}"


def audit_verdicts(
    *,
    classes: pd.DataFrame,
    performance: pd.DataFrame,
    kpi: str,
    shares: pd.DataFrame | None = None,
    me_index: pd.DataFrame | None = None,
    variety: pd.DataFrame | None = None,
    slots: pd.DataFrame | None = None,
    decomposition: pd.DataFrame | None = None,
    fatigue: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The audit's measures as sentences a marketer reads, every number computed from the frames given.

    Parameters
    ----------
    classes, performance
        ``classify_posts(posts)`` and ``category_performance(...)``.
    kpi
        The KPI's name in the sentences (e.g. ``"registration"``).
    shares, me_index, variety, slots, decomposition, fatigue
        Optional outputs of :func:`self_promotional_share`, :func:`me_me_me_index`,
        :func:`content_variety`, :func:`slot_performance`, :func:`kpi_decomposition`,
        :func:`fatigue_correlation`; each adds its sentence.

    Returns
    -------
    pandas.DataFrame
        ``measure, sentence``, one row per verdict.
    """
    rows = [("self-promotion", describe_self_promotion(self_promotional_summary(classes, performance), kpi=kpi))]
    perf = performance.dropna(subset=["share_of_reactions"])
    if "share_of_outcomes" in perf and perf["share_of_outcomes"].notna().any() and not perf.empty:
        gap = (perf["share_of_reactions"] - perf["share_of_outcomes"]).astype(float)
        row = perf.loc[gap.idxmax()]
        if gap.max() > 0:
            rows.append(("likes versus results",
                         f"{row['category'].replace('_', ' ').capitalize()} posts earned {_pct(row['share_of_reactions'])} "
                         f"of the likes but {_pct(row['share_of_outcomes'])} of the {kpi} outcomes traced to posts."))
    if shares is not None and not shares.empty:
        all_rows = shares.loc[shares["platform"] == "all"]
        over = int((~all_rows["within_80_20"].fillna(True).astype(bool)).sum())
        rows.append(("80/20 rule of thumb",
                     f"In {over} of {len(all_rows)} months more than 20% of your posts were about yourselves "
                     f"(the 80/20 rule is a rule of thumb, not a law); the highest monthly share was "
                     f"{_pct(all_rows['self_promotional_share'].max())}."))
    if me_index is not None and not me_index.empty:
        first, second = int(me_index["first_person"].sum()), int(me_index["second_person"].sum())
        index = (first - second) / (first + second) if first + second else float("nan")
        lean = "more about yourselves than about your audience" if index > 0 else (
            "more about your audience than about yourselves" if index < 0 else "balanced between you and your audience")
        rows.append(("me-me-me index",
                     f"Your posts said we/our/us {first} times and you/your {second} times: a me-me-me index of "
                     f"{index:+.2f} (from -1, all about the audience, to +1, all about yourselves), {lean}."
                     if first + second else "Your posts used neither we/our/us nor you/your."))
    if variety is not None and not variety.empty:
        rows.append(("variety",
                     f"A month used on average {variety['categories_used'].mean():.1f} of {int(variety['categories'].iloc[0])} "
                     f"kinds of content (mean normalised entropy {float(variety['normalised_entropy'].mean()):.2f}; "
                     "1 is an even mix)."))
    if slots is not None:
        ranked = slots.dropna(subset=["rank"]).sort_values("rank")
        if ranked.empty:
            rows.append(("best slot", "No weekday and hour had enough posts to rank it."))
        else:
            best = ranked.iloc[0]
            measure = str(best["measure"]).replace("_", " ")
            value = f"{best['median']:.1%}" if best["measure"] == "engagement_rate" else f"{best['median']:.1f}"
            rows.append(("best slot",
                         f"Your best slot was {best['weekday_name']} {int(best['hour']):02d}:00 (median {measure} {value} "
                         f"over {int(best['posts'])} posts); {int((~slots['enough_posts'] & slots['posts'].gt(0)).sum())} "
                         "slots had too few posts to judge."))
    if decomposition is not None and not decomposition.empty:
        d = decomposition.set_index("step")["value"]
        if d.drop(["start", "end"]).isna().any():
            rows.append(("volume, engagement, outcomes",
                         f"The {kpi} count went from {d['start']:.0f} to {d['end']:.0f}; it cannot be split "
                         f"({decomposition['na_reason'].dropna().iloc[0]})."))
        else:
            rows.append(("volume, engagement, outcomes",
                         f"The {kpi} count went from {d['start']:.0f} to {d['end']:.0f}: posting volume accounts for "
                         f"{d['volume']:+.1f}, engagement per post for {d['engagement per post']:+.1f} and {kpi}s per "
                         f"engagement for {d['outcomes per engagement']:+.1f}."))
    if fatigue is not None and not fatigue.empty:
        for _, row in fatigue.iterrows():
            if pd.isna(row["spearman_rho"]):
                rows.append(("fatigue", f"Follower fatigue ({row['platform']}): not measured: {row['na_reason']}."))
            else:
                measured = (f"Spearman rho {row['spearman_rho']:.2f}, p = {row['p_value']:.3f}, "
                            f"{int(row['days'])} days")
                if row["p_value"] < 0.05:
                    finding = (f"days after more self-promotional posts had "
                               f"{'more' if row['spearman_rho'] > 0 else 'fewer'} follower losses")
                else:
                    finding = "no sign that follower losses follow the share of self-promotional posts"
                rows.append(("fatigue", f"Follower fatigue ({row['platform']}): {finding} ({measured}); {row['note']}."))
    return pd.DataFrame(rows, columns=["measure", "sentence"]).astype("str")
