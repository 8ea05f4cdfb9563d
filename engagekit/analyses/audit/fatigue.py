"""Follower fatigue: do follower losses follow weeks heavy in self-promotion?"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._common import _check, _classified

__all__ = ["FATIGUE_NOTE", "fatigue_correlation", "follower_fatigue"]


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
