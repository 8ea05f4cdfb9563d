"""Engagement rates, each labelled by its definition (peers use several, and they disagree)."""

from __future__ import annotations

import pandas as pd

__all__ = ["RATE_DEFINITIONS", "post_engagement_rates", "period_engagement_rates"]

#: Name -> (numerator, denominator) per post.
RATE_DEFINITIONS: dict[str, tuple[str, str]] = {
    "engagements / impressions": ("engagements", "impressions"),
    "engagements / reach": ("engagements", "reach"),
}


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num, den = num.astype("Float64"), den.astype("Float64")
    return (num / den).where(den > 0)


def post_engagement_rates(posts: pd.DataFrame) -> pd.DataFrame:
    """One row per post and rate definition: ``platform, post_id, definition, rate``.

    A rate is NA where its denominator is NA or zero (not reported, or never shown).
    """
    parts = []
    for name, (num, den) in RATE_DEFINITIONS.items():
        parts.append(
            pd.DataFrame(
                {
                    "platform": posts["platform"],
                    "post_id": posts["post_id"],
                    "definition": name,
                    "rate": _ratio(posts[num], posts[den]),
                }
            )
        )
    return pd.concat(parts, ignore_index=True).astype({"definition": "str"})


def period_engagement_rates(posts: pd.DataFrame, *, by: list[str] | None = None) -> pd.DataFrame:
    """Engagement rate over groups of posts, both ways peers compute it, named.

    ``mean of post rates`` weighs every post equally; ``ratio of sums`` weighs
    posts by their denominator. They differ whenever rates vary with reach.
    Returns ``*by, definition, aggregation, rate, posts``.
    """
    by = list(by or ["platform"])
    rows = []
    for name, (num, den) in RATE_DEFINITIONS.items():
        rated = posts.assign(_rate=_ratio(posts[num], posts[den]))
        for keys, group in rated.groupby(by, sort=True):
            keys = keys if isinstance(keys, tuple) else (keys,)
            usable = group.loc[group["_rate"].notna()]
            total_den = usable[den].astype("Float64").sum()
            base = dict(zip(by, keys)) | {"definition": name, "posts": len(usable)}
            rows.append(base | {"aggregation": "mean of post rates", "rate": usable["_rate"].mean() if len(usable) else pd.NA})
            rows.append(base | {"aggregation": "ratio of sums", "rate": usable[num].astype("Float64").sum() / total_den if total_den else pd.NA})
    out = pd.DataFrame(rows, columns=[*by, "definition", "aggregation", "rate", "posts"])
    return out.astype({"rate": "Float64", "posts": "int64"})
