"""The top and bottom posts by what they led to."""

from __future__ import annotations

import warnings

import pandas as pd

from engagekit.tables.series import as_float
from ._common import _KEY, _check
from .performance import ATTRIBUTION, post_results

__all__ = ["ranked_posts"]


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
