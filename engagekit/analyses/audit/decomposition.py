"""The KPI's change split into posting volume, engagement per post and outcomes per engagement."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from engagekit.tables.series import local_day
from ._common import _check

__all__ = ["DECOMPOSITION_COLUMNS", "DECOMPOSITION_METHOD", "DECOMPOSITION_STEPS", "MIN_WINDOW_DAYS", "kpi_decomposition"]


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
