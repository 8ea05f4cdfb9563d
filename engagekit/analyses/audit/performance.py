"""What each kind of post earns: likes and engagement rate beside link clicks, sessions and KPI outcomes."""

from __future__ import annotations

import pandas as pd

from engagekit.goals.rates import period_engagement_rates
from ._common import _check

__all__ = ["ATTRIBUTION", "ENGAGEMENT_RATE", "ENGAGEMENT_RATE_DEFINITION", "category_performance", "describe_self_promotion", "post_results", "self_promotional_summary"]


ATTRIBUTION = (
    "UTM match: an outcome (or a traffic row's sessions) is credited to the post whose utm_content equals its "
    "content tag, where the campaigns agree when both carry one; an outcome matching several posts is split "
    "equally between them; posts without UTM tags (e.g. X posts behind t.co links) earn nothing attributed."
)
#: The engagement rate of a group of posts in :func:`category_performance`.
#: The engagement rate of the audit: one of :data:`engagekit.goals.rates.RATE_DEFINITIONS`, as a ratio of sums.
ENGAGEMENT_RATE = "engagements / impressions"
ENGAGEMENT_RATE_DEFINITION = f"{ENGAGEMENT_RATE} (ratio of sums)"


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
