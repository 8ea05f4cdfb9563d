"""The content mix: what share of posts is self-promotional, the me-me-me index, the variety of kinds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engagekit.tables.series import local_day
from ._common import _check, _classified, _period

__all__ = ["ME_INDEX_DEFINITION", "RULES_OF_THUMB", "content_mix", "content_variety", "me_me_me_index", "self_promotional_share"]


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
# --------------------------------------------------------------------------- measures of the mix

#: The rules of thumb the self-promotional share is held against: guides, not laws.
RULES_OF_THUMB: dict[str, str] = {
    "80/20 rule": "a rule of thumb, not a law: at most 20% of posts about yourself (offers, products, company "
                  "news), at least 80% serving the audience",
    "rule of thirds": "Hootsuite's rule of thumb, not a law: about a third promoting the business, a third "
                      "sharing others' ideas and stories, a third personal interaction with the audience",
}
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
