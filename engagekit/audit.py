"""Content audit: is a post about the audience, or about "me me me"? And what does each kind earn?

Classification is by transparent rules, checked in order; each post carries
the rule that decided it. Self-promotional: ``offer`` (coupons, discounts),
``product`` (product ads), ``company_news`` (the company about itself).
Audience-centred: ``educational``, ``entertaining``, ``community``.
"""

from __future__ import annotations

import re

import pandas as pd

from .series import local_day
from .utm import URL_PATTERN

__all__ = [
    "CATEGORIES",
    "SELF_PROMOTIONAL",
    "classify_posts",
    "content_mix",
    "category_performance",
]

SELF_PROMOTIONAL = ("offer", "product", "company_news")
AUDIENCE_CENTRED = ("educational", "entertaining", "community")
CATEGORIES = SELF_PROMOTIONAL + AUDIENCE_CENTRED

# (category, rule name, pattern, flags): the first rule that matches decides. Rules see the text
# with its URLs taken out; links are judged by their own rule.
_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (cat, name, re.compile(pattern, flags))
    for cat, name, pattern, flags in (
        ("offer", "discount code", r"\b(?:[Cc]ode|CODE|[Cc]oupon)\s*:?\s*[A-Z0-9]{4,}\b|\b[A-Z]{3,}\d{1,3}\b", 0),
        ("offer", "discount words", r"\b\d{1,2}\s?% off\b|\bdiscount|\bsale\b|\bfree shipping\b|\bdeals?\b|\bsave \d|\bcoupon|\bvoucher", re.I),
        ("educational", "how-to words", r"\bhow[ -]to\b|\btips?\b|\bguide\b|\blearn\b|\bdid you know\b|\bwhy your\b|\bsigns\b|\bchecklist\b|\bmistakes?\b|\bexplained\b|\b\d+ steps\b", re.I),
        ("entertaining", "fun words", r"\bmood\b|\bfeeling\b|\bcaturday\b|\bcute\b|\bfunny\b|\blol\b|\bmeme\b|\bzoomies\b|\bvibes\b|\bphoto of the day\b|\bjust look at\b|\bthis face when\b|\basking for a friend\b|\bnap time\b|\bsnow day\b|\bsays hi\b|\bwhen the\b|😂|😍|🐶|🐱", re.I),
        ("community", "question to the audience", r"\b(?:share|show|tell) us\b|\blet us know\b|\bpoll\b|\bcomment below\b|\bthanks? (?:to|you all)\b|\bshout-?out\b|\bcommunity\b|\byour (?:stories|photos|pet photos)\b|\bideas\?|\b(?:you|your)\b[^.!]*\?", re.I),
        ("company_news", "company about itself", r"\bwe(?:'re| are) (?:hiring|proud|excited|thrilled)\b|\bour (?:team|warehouse|founder|anniversary|award|office)\b|\bannounc|\bwe (?:just )?(?:opened|won|moved|turned|now ship)\b|\bmeet the team\b|\bcolleagues\b", re.I),
        ("product", "product words", r"\bnew in\b|\bshop now\b|\bbuy\b|\bavailable now\b|\bour new (?!colleague|team)|\bin stock\b|\bin our (?:store|shop)\b|\bbestsell|\bcollection\b|\blaunch", re.I),
    )
)
_PRODUCT_LINK = re.compile(r"/(?:products?|shop|collections|store)/", re.I)
# A link to a product page decides before the company-news words do.
_LINK_RULE_BEFORE = "company_news"
_FIRST_PERSON = re.compile(r"\b(?:we|our|us|ours|we're|we've)\b", re.IGNORECASE)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|you're|you've)\b", re.IGNORECASE)


def _classify_text(text: object, media_type: object) -> tuple[str, str]:
    if not isinstance(text, str) or not text.strip():
        media = media_type if isinstance(media_type, str) else "unknown media"
        return ("entertaining" if media in ("photo", "video") else "unclassified", f"no text ({media})")
    links = URL_PATTERN.findall(text)
    words = URL_PATTERN.sub(" ", text)
    for category, rule, pattern in _RULES:
        if category == _LINK_RULE_BEFORE and any(_PRODUCT_LINK.search(link) for link in links):
            return "product", "links to a product page"
        if pattern.search(words):
            return category, rule
    first, second = len(_FIRST_PERSON.findall(words)), len(_SECOND_PERSON.findall(words))
    if first > second:
        return "company_news", "more 'we/our' than 'you/your'"
    if second > first:
        return "educational", "more 'you/your' than 'we/our'"
    return "unclassified", "no rule matched"


def classify_posts(posts: pd.DataFrame, *, labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """Category of each post and the rule that decided it.

    Parameters
    ----------
    posts
        The canonical posts table.
    labels
        Optional user labels (``platform``, ``post_id``, ``category``); they win over the rules.

    Returns
    -------
    pandas.DataFrame
        ``platform, post_id, category, self_promotional, rule, first_person, second_person``.
    """
    decided = [_classify_text(t, m) for t, m in zip(posts["text"], posts["media_type"])]
    out = pd.DataFrame(
        {
            "platform": posts["platform"].to_numpy(),
            "post_id": posts["post_id"].to_numpy(),
            "category": [c for c, _ in decided],
            "rule": [r for _, r in decided],
            "first_person": [len(_FIRST_PERSON.findall(t)) if isinstance(t, str) else 0 for t in posts["text"]],
            "second_person": [len(_SECOND_PERSON.findall(t)) if isinstance(t, str) else 0 for t in posts["text"]],
        }
    )
    if labels is not None and not labels.empty:
        key = ["platform", "post_id"]
        merged = out.merge(labels[key + ["category"]].rename(columns={"category": "_label"}), on=key, how="left")
        has = merged["_label"].notna()
        out.loc[has.to_numpy(), "category"] = merged.loc[has, "_label"].to_numpy()
        out.loc[has.to_numpy(), "rule"] = "user label"
    out["self_promotional"] = out["category"].isin(SELF_PROMOTIONAL)
    out = out.astype({"platform": "str", "post_id": "str", "category": "str", "rule": "str",
                      "first_person": "int64", "second_person": "int64"})
    return out[["platform", "post_id", "category", "self_promotional", "rule", "first_person", "second_person"]]


def content_mix(posts: pd.DataFrame, classes: pd.DataFrame, *, tz: str, freq: str = "MS") -> pd.DataFrame:
    """Posts per period and category, with each category's share and the self-promotional share.

    Returns ``period, category, posts, share, self_promotional_share``.
    """
    frame = posts[["platform", "post_id", "published_at"]].merge(classes, on=["platform", "post_id"])
    frame["period"] = local_day(frame["published_at"], tz).dt.to_period(freq.rstrip("S")).dt.start_time
    counts = frame.groupby(["period", "category"]).size().rename("posts").reset_index()
    totals = counts.groupby("period")["posts"].transform("sum")
    counts["share"] = counts["posts"] / totals
    promo = frame.groupby("period")["self_promotional"].mean().rename("self_promotional_share")
    return counts.merge(promo, on="period")


def category_performance(posts: pd.DataFrame, classes: pd.DataFrame, outcomes: pd.DataFrame | None = None, *, outcome: str | None = None) -> pd.DataFrame:
    """Per category: likes and engagement rate next to what it leads to.

    Outcomes are joined to posts through UTM tags (``utm_campaign`` and
    ``utm_content``) where both sides carry them; posts without tags earn no
    attributed outcome, which the ``tagged_posts`` column makes visible.

    Returns ``category, self_promotional, posts, tagged_posts, reactions_per_post,
    engagement_rate (ratio of sums, engagements / impressions), link_clicks_per_post,
    share_of_reactions, share_of_link_clicks, outcomes, share_of_outcomes``.
    """
    frame = posts.merge(classes[["platform", "post_id", "category", "self_promotional"]], on=["platform", "post_id"])
    frame["tagged"] = frame["utm_content"].notna()
    frame["outcomes"] = 0
    if outcomes is not None and outcome is not None:
        hits = outcomes.loc[outcomes["outcome"] == outcome].dropna(subset=["content"])
        per_content = hits.groupby("content").size()
        frame["outcomes"] = frame["utm_content"].map(per_content).fillna(0).astype("int64")
    g = frame.groupby(["category", "self_promotional"])
    out = pd.DataFrame(
        {
            "posts": g.size(),
            "tagged_posts": g["tagged"].sum(),
            "reactions": g["reactions"].sum(),
            "engagements": g["engagements"].sum(),
            "impressions": g["impressions"].sum(),
            "link_clicks": g["link_clicks"].sum(),
            "outcomes": g["outcomes"].sum(),
        }
    ).reset_index()
    out["reactions_per_post"] = (out["reactions"] / out["posts"]).astype("Float64")
    out["engagement_rate"] = (out["engagements"] / out["impressions"]).astype("Float64")
    out["link_clicks_per_post"] = (out["link_clicks"] / out["posts"]).astype("Float64")
    for col in ("reactions", "link_clicks", "outcomes"):
        total = out[col].sum()
        out[f"share_of_{col}"] = (out[col] / total).astype("Float64") if total else pd.NA
    return out.drop(columns=["engagements", "impressions"]).sort_values("category").reset_index(drop=True)


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
