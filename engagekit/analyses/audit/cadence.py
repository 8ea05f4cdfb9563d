"""Cadence: posts per week, and the weekday and hour slots that perform."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from engagekit.goals.rates import post_engagement_rates
from engagekit.tables.series import local_day
from ._common import _check
from .performance import ENGAGEMENT_RATE

__all__ = ["SLOT_MEASURES", "WEEKDAY_NAMES", "posts_per_week", "slot_performance"]


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
