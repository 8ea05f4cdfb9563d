"""Engagement rates, each labelled by its definition (peers use several, and they disagree).

Every output names its definition in a ``definition`` column, and
:func:`describe_rate` gives the plain-words sentence a report prints beside a
rate. The definitions (:data:`RATE_DEFINITIONS`):

``engagements / impressions``, ``engagements / reach``
    The platform's engagements (as it counts them) over the times the post was
    shown, or over the people who saw it.
``engagements / followers``
    Engagements over the account's followers on the post's local publishing
    day (the account's time zone), from ``account_daily``. Where that day has
    no follower count, the latest earlier count at most
    :data:`FOLLOWER_TOLERANCE_DAYS` days older is used; else the rate is NA.
``interactions / impressions``, ``interactions / reach``, ``interactions / followers``
    Interactions are reactions + comments + shares: the part of engagement
    every platform counts alike (X's engagements also count clicks and
    detail expands, for instance).
``reported by platform``
    The rate the platform wrote in its export (``posts.reported_engagement_rate``),
    by its own formula; it has no numerator or denominator here.

A rate that cannot be computed is NA with a reason in ``na_reason`` (see
:data:`NA_REASONS`): the denominator was not reported, is zero, there was no
follower count for the day, the numerator was not reported, or the platform
reports no rate.

Over a group of posts both aggregations peers use are given, named in
``aggregation``: ``mean of post rates`` (every post weighs the same) and
``ratio of sums`` (posts weigh by their denominator). They differ whenever the
rate varies with the audience. Posts whose rate is NA are left out and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engagekit.core.schema import na_series
from engagekit.tables.series import local_day

__all__ = [
    "RATE_DEFINITIONS",
    "AGGREGATIONS",
    "NA_REASONS",
    "FOLLOWER_TOLERANCE_DAYS",
    "PERIODS",
    "RateDefinition",
    "describe_rate",
    "post_engagement_rates",
    "period_engagement_rates",
]

#: How many days older than the publishing day a follower count may be (when that day has none).
FOLLOWER_TOLERANCE_DAYS = 3

#: Groupings derived from ``published_at`` in the account's time zone: the first day of the local day,
#: week (Monday) or month of publishing.
PERIODS: tuple[str, ...] = ("day", "week", "month")

#: The counts summed into ``interactions``.
INTERACTIONS: tuple[str, ...] = ("reactions", "comments", "shares")

_TITLE = {"engagements": "Engagement rate", "interactions": "Interaction rate"}
_WORDS = {
    "engagements": "engagements (as the platform counts them)",
    "interactions": "reactions, comments and shares",
    "impressions": "impressions (the times the post was shown)",
    "reach": "the people reached",
    "followers": "the account's followers on the day the post was published",
}
_TOTALS = {
    "engagements": "engagements", "interactions": "reactions, comments and shares",
    "impressions": "impressions", "reach": "people reached",
    "followers": "follower counts on their publishing days",
}
_EQUAL = "every post counts the same"
_WEIGHT = {
    "impressions": "posts shown more often count more",
    "reach": "posts that reach more people count more",
    "followers": "posts published when the account had more followers count more",
}


@dataclass(frozen=True)
class RateDefinition:
    """One way to compute an engagement rate per post.

    Attributes
    ----------
    name
        The stable name used in every output (``definition`` column).
    numerator, denominator
        The quantities divided: ``engagements``/``interactions`` over
        ``impressions``/``reach``/``followers``; both None for the rate the
        platform reports.
    """

    name: str
    numerator: str | None
    denominator: str | None

    @property
    def title(self) -> str:
        """The rate's name in words, e.g. ``Engagement rate by reach``."""
        if self.numerator is None:
            return "Engagement rate as the platform reports it"
        return f"{_TITLE[self.numerator]} by {self.denominator}"

    def sentence(self) -> str:
        """One plain-words sentence saying how the rate of one post is computed."""
        if self.numerator is None:
            return (f"{self.title}: the rate the platform wrote in its export for each post, by its own formula "
                    "(X: engagements divided by impressions), per post.")
        return f"{self.title}: {_WORDS[self.numerator]} divided by {_WORDS[self.denominator]}, per post."


#: Every definition, by its stable name, in the order outputs list them.
RATE_DEFINITIONS: dict[str, RateDefinition] = {
    d.name: d
    for d in (
        RateDefinition("engagements / impressions", "engagements", "impressions"),
        RateDefinition("engagements / reach", "engagements", "reach"),
        RateDefinition("engagements / followers", "engagements", "followers"),
        RateDefinition("interactions / impressions", "interactions", "impressions"),
        RateDefinition("interactions / reach", "interactions", "reach"),
        RateDefinition("interactions / followers", "interactions", "followers"),
        RateDefinition("reported by platform", None, None),
    )
}

#: The two ways to aggregate post rates over a group of posts, with what each means.
AGGREGATIONS: dict[str, str] = {
    "mean of post rates": "the average of the posts' rates (every post counts the same)",
    "ratio of sums": "the total numerator over the total denominator of the posts (bigger posts count more)",
}

#: Why a rate is NA (``{quantity}``: the quantity named, e.g. reach; ``{days}``: the follower tolerance).
NA_REASONS: dict[str, str] = {
    "not_reported": "{quantity} not reported",
    "zero": "{quantity} is zero",
    "interactions": "reactions, comments or shares not reported",
    "no_followers": "no follower count for that day (or up to {days} days before)",
    "no_account_daily": "no follower counts given (account_daily=)",
    "no_account_followers": "no follower counts for this account",
    "no_date": "no publishing date",
    "no_platform_rate": "not reported by the platform",
    "no_posts": "no post has this rate",
    "only_rate": "the platform reports only the rate, not its numerator and denominator",
}

_POST_KEYS = ("platform", "account", "post_id", "published_at")
_POST_COLUMNS = [*_POST_KEYS, "definition", "numerator", "denominator", "rate", "na_reason"]


def describe_rate(definition: str, *, aggregation: str | None = None) -> str:
    """The plain-words sentence a report prints for a rate ``definition`` (and ``aggregation``).

    Parameters
    ----------
    definition
        A name in :data:`RATE_DEFINITIONS`, e.g. ``"engagements / reach"``.
    aggregation
        None for the rate of one post, else a name in :data:`AGGREGATIONS`.

    Returns
    -------
    str
        E.g. ``"Engagement rate by reach: engagements (as the platform counts
        them) divided by the people reached, per post."``

    Raises
    ------
    ValueError
        Unknown definition or aggregation (the message lists the known ones).
    """
    rate = _definition(definition)
    if aggregation is None:
        return rate.sentence()
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {aggregation!r}; aggregations are: {', '.join(map(repr, AGGREGATIONS))}")
    if rate.numerator is None:
        if aggregation == "ratio of sums":
            return f"{rate.title}: not available as a ratio of sums ({NA_REASONS['only_rate']})."
        return f"{rate.title}: the platform's rate of each post, averaged over the posts ({_EQUAL})."
    num, den = _WORDS[rate.numerator], _WORDS[rate.denominator]
    if aggregation == "mean of post rates":
        return f"{rate.title}: {num} divided by {den} for each post, averaged over the posts ({_EQUAL})."
    return (f"{rate.title}: the posts' {_TOTALS[rate.numerator]} added up, divided by their "
            f"{_TOTALS[rate.denominator]} added up ({_WEIGHT[rate.denominator]}).")


def post_engagement_rates(
    posts: pd.DataFrame,
    *,
    account_daily: pd.DataFrame | None = None,
    tz: str | None = None,
    definitions: Sequence[str] | None = None,
    follower_tolerance_days: int = FOLLOWER_TOLERANCE_DAYS,
) -> pd.DataFrame:
    """Every post's engagement rate under every definition, one row per post and definition.

    Parameters
    ----------
    posts
        The canonical posts table (``Dataset.posts``).
    account_daily
        The canonical account_daily table, for the rates by followers; None:
        those rates are NA (``no follower counts given``).
    tz
        The account's time zone (``dataset.config.timezone``), to find each
        post's local publishing day; needed with ``account_daily``.
    definitions
        Names in :data:`RATE_DEFINITIONS`; default all, in that order.
    follower_tolerance_days
        Where the publishing day has no follower count, use the latest earlier
        one at most this many days older.

    Returns
    -------
    pandas.DataFrame
        ``platform, account, post_id, published_at, definition, numerator,
        denominator, rate, na_reason``. ``numerator`` and ``denominator`` are
        the values divided (NA where not reported; both NA for ``reported by
        platform``); ``rate`` is NA where it cannot be computed, with the reason
        in ``na_reason`` (NA where there is a rate). Rows are grouped by
        definition, posts in their table order.
    """
    names = _definitions(definitions)
    _check_columns(posts, names)
    parts = _quantities(posts, names, account_daily=account_daily, tz=tz, tolerance_days=follower_tolerance_days)
    keys = {col: posts[col].reset_index(drop=True) for col in _POST_KEYS}
    frames = [pd.DataFrame(keys | _rate_columns(RATE_DEFINITIONS[name], posts, parts) | {"definition": name})
              for name in names]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_POST_COLUMNS)
    return out[_POST_COLUMNS].astype({
        "definition": "str", "numerator": "Float64", "denominator": "Float64", "rate": "Float64", "na_reason": "str",
    })


def period_engagement_rates(
    posts: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    account_daily: pd.DataFrame | None = None,
    tz: str | None = None,
    definitions: Sequence[str] | None = None,
    follower_tolerance_days: int = FOLLOWER_TOLERANCE_DAYS,
) -> pd.DataFrame:
    """Engagement rate over groups of posts, under every definition and both aggregations, named.

    Parameters
    ----------
    posts
        The canonical posts table.
    by
        Columns of ``posts`` to group by (e.g. ``platform``, ``account``,
        ``utm_campaign``, ``paid``) and/or a period of publishing in the local
        time ``tz``: ``day``, ``week`` (starting Monday) or ``month``, each
        given as its first day. Default ``["platform"]``; ``[]``: all posts
        together. Posts with an NA key form their own group.
    account_daily, tz, definitions, follower_tolerance_days
        As in :func:`post_engagement_rates`; ``tz`` is needed with a period in ``by``.

    Returns
    -------
    pandas.DataFrame
        ``*by, definition, aggregation, rate, numerator, denominator, posts,
        posts_left_out, left_out_reasons, na_reason``: one row per group,
        definition and aggregation (``mean of post rates``, ``ratio of sums``).
        ``posts`` counts the posts whose rate is used, ``posts_left_out`` those
        whose rate is NA, with their reasons and counts in
        ``left_out_reasons`` (e.g. ``reach not reported: 3``). ``numerator``
        and ``denominator`` are the sums over the posts used (``ratio of
        sums`` rows only). ``na_reason`` says why ``rate`` is NA.
    """
    by = [by] if isinstance(by, str) else list(by if by is not None else ["platform"])
    names = _definitions(definitions)
    keys = _group_keys(posts, by, tz)
    rates = post_engagement_rates(
        posts, account_daily=account_daily, tz=tz, definitions=names, follower_tolerance_days=follower_tolerance_days
    )
    rows = np.tile(np.arange(len(posts)), len(names))
    rated = pd.concat([keys.iloc[rows].reset_index(drop=True), rates.drop(columns=list(_POST_KEYS))], axis=1)
    parts = [_aggregate(rated.loc[rated["definition"] == name], by, RATE_DEFINITIONS[name]) for name in names]
    columns = [*by, "definition", "aggregation", "rate", "numerator", "denominator", "posts", "posts_left_out",
               "left_out_reasons", "na_reason"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return out[columns].astype({
        "definition": "str", "aggregation": "str", "rate": "Float64", "numerator": "Float64",
        "denominator": "Float64", "posts": "int64", "posts_left_out": "int64", "left_out_reasons": "str",
        "na_reason": "str",
    })


# --------------------------------------------------------------------------- validation


def _definition(name: str) -> RateDefinition:
    try:
        return RATE_DEFINITIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown rate definition {name!r}; definitions are: {', '.join(map(repr, RATE_DEFINITIONS))}"
        ) from None


def _definitions(definitions: Sequence[str] | None) -> list[str]:
    if definitions is None:
        return list(RATE_DEFINITIONS)
    if isinstance(definitions, str):
        definitions = [definitions]
    return [_definition(name).name for name in definitions]


def _needed(names: list[str]) -> list[str]:
    """The posts columns the definitions ``names`` read."""
    needed = list(_POST_KEYS)
    for name in names:
        rate = RATE_DEFINITIONS[name]
        for part in (rate.numerator, rate.denominator) if rate.numerator else ("reported_engagement_rate",):
            cols = INTERACTIONS if part == "interactions" else () if part == "followers" else (part,)
            needed += [c for c in cols if c not in needed]
    return needed


def _check_columns(posts: pd.DataFrame, names: list[str]) -> None:
    missing = [c for c in _needed(names) if c not in posts.columns]
    if missing:
        raise ValueError(
            f"posts lacks the columns {missing} (it has {list(posts.columns)}); "
            "pass the canonical posts table (Dataset.posts, or schema.conform(frame, 'posts'))"
        )


def _group_keys(posts: pd.DataFrame, by: list[str], tz: str | None) -> pd.DataFrame:
    """The grouping columns of every post (periods derived from ``published_at`` in ``tz``)."""
    unknown = [k for k in by if k not in posts.columns and k not in PERIODS]
    if unknown:
        raise ValueError(
            f"cannot group by {unknown}: by= takes columns of posts ({', '.join(posts.columns)}) "
            f"or a period of publishing ({', '.join(PERIODS)})"
        )
    if len(set(by)) < len(by):
        raise ValueError(f"by= names a column twice: {by}")
    derived = [k for k in by if k not in posts.columns]
    if derived and tz is None:
        raise ValueError(
            f"grouping by {derived} needs tz= (the account's time zone, dataset.config.timezone) "
            "to find each post's local publishing day"
        )
    keys = {}
    if derived:
        day = local_day(posts["published_at"].reset_index(drop=True), tz)
        starts = {"day": day, "week": day - pd.to_timedelta(day.dt.day_of_week, unit="D"),
                  "month": day - pd.to_timedelta(day.dt.day - 1, unit="D")}
    for key in by:
        keys[key] = posts[key].reset_index(drop=True) if key in posts.columns else starts[key].astype("datetime64[us]")
    if not by:
        keys["_all"] = pd.Series(np.zeros(len(posts), dtype=np.int64))
    return pd.DataFrame(keys, index=pd.RangeIndex(len(posts)))


# --------------------------------------------------------------------------- per post


def _reported(values: pd.Series, quantity: str) -> tuple[pd.Series, pd.Series]:
    """A quantity as Float64, with the reason where it is NA (not reported)."""
    values = values.reset_index(drop=True).astype("Float64")
    reason = pd.Series(NA_REASONS["not_reported"].format(quantity=quantity), index=values.index, dtype="str")
    return values, reason.where(values.isna())


def _quantities(
    posts: pd.DataFrame, names: list[str], *, account_daily: pd.DataFrame | None, tz: str | None, tolerance_days: int
) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Each quantity the definitions ``names`` divide, per post: (values, reason where NA)."""
    rates = [RATE_DEFINITIONS[name] for name in names]
    used = {rate.numerator for rate in rates} | {rate.denominator for rate in rates}
    out = {}
    for quantity in ("engagements", "impressions", "reach"):
        if quantity in used:
            out[quantity] = _reported(posts[quantity], quantity)
    if "interactions" in used:
        total = sum(posts[c].reset_index(drop=True).astype("Float64") for c in INTERACTIONS)
        reason = pd.Series(NA_REASONS["interactions"], index=total.index, dtype="str")
        out["interactions"] = total, reason.where(total.isna())
    if "followers" in used:
        out["followers"] = _followers_on_publishing_day(posts, account_daily, tz=tz, tolerance_days=tolerance_days)
    return out


def _followers_on_publishing_day(
    posts: pd.DataFrame, account_daily: pd.DataFrame | None, *, tz: str | None, tolerance_days: int
) -> tuple[pd.Series, pd.Series]:
    """The account's follower count on each post's local publishing day (or the latest earlier one within
    ``tolerance_days``), with the reason where there is none."""
    n = len(posts)
    values = na_series(n, "Float64")
    if account_daily is None:
        return values, pd.Series(NA_REASONS["no_account_daily"], index=values.index, dtype="str")
    if tz is None:
        raise ValueError("the rates by followers need tz= (the account's time zone, dataset.config.timezone) "
                         "to find each post's local publishing day")
    if tolerance_days < 0:
        raise ValueError(f"follower_tolerance_days must be 0 or more, not {tolerance_days}")
    missing = [c for c in ("platform", "account", "date", "followers") if c not in account_daily.columns]
    if missing:
        raise ValueError(f"account_daily lacks the columns {missing} (it has {list(account_daily.columns)})")
    day = local_day(posts["published_at"].reset_index(drop=True), tz)
    no_count = NA_REASONS["no_followers"].format(days=tolerance_days)
    reason = pd.Series(no_count, index=values.index, dtype="str").mask(day.isna(), NA_REASONS["no_date"])
    left = pd.DataFrame({
        "platform": posts["platform"].astype("str").to_numpy(), "account": posts["account"].astype("str").to_numpy(),
        "day": day, "row": np.arange(n),
    }).dropna(subset=["platform", "account", "day"]).sort_values("day", kind="stable")
    columns = ["platform", "account", "date", "followers"]
    known = account_daily.loc[account_daily[columns].notna().all(axis=1), columns]
    known = known.astype({"date": "datetime64[us]", "platform": "str", "account": "str"}).sort_values("date", kind="stable")
    pairs = pd.MultiIndex.from_frame(known[["platform", "account"]])
    has_counts = pd.MultiIndex.from_arrays([posts["platform"].astype("str"), posts["account"].astype("str")]).isin(pairs)
    reason = reason.mask(day.notna().to_numpy() & ~has_counts, NA_REASONS["no_account_followers"])
    if left.empty or known.empty:
        return values, reason
    found = pd.merge_asof(
        left, known, left_on="day", right_on="date",
        by=["platform", "account"], direction="backward", tolerance=pd.Timedelta(days=tolerance_days),
    ).dropna(subset=["followers"])
    rows = found["row"].to_numpy()
    values.iloc[rows] = found["followers"].astype("Float64").to_numpy()
    reason.iloc[rows] = pd.NA
    return values, reason


def _rate_columns(rate: RateDefinition, posts: pd.DataFrame, parts: dict[str, tuple[pd.Series, pd.Series]]) -> dict:
    """``numerator, denominator, rate, na_reason`` of one definition, per post."""
    if rate.numerator is None:
        reported = posts["reported_engagement_rate"].reset_index(drop=True).astype("Float64")
        empty = na_series(len(reported), "Float64")
        reason = pd.Series(NA_REASONS["no_platform_rate"], index=reported.index, dtype="str").where(reported.isna())
        return {"numerator": empty, "denominator": empty, "rate": reported, "na_reason": reason}
    num, num_reason = parts[rate.numerator]
    den, den_reason = parts[rate.denominator]
    zero = pd.Series(NA_REASONS["zero"].format(quantity=rate.denominator), index=den.index, dtype="str")
    # the denominator's problem first (not reported, zero), then the numerator's
    reason = den_reason.fillna(zero.where(den.eq(0).fillna(False))).fillna(num_reason)
    ok = reason.isna()
    ratio = (num / den.where(ok)).where(ok)
    return {"numerator": num, "denominator": den, "rate": ratio, "na_reason": reason}


# --------------------------------------------------------------------------- per group


def _reasons_text(counts: pd.Series) -> str:
    """``reason: n; ...``, most frequent first (ties by name)."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "; ".join(f"{reason}: {count}" for reason, count in ordered)


def _aggregate(rated: pd.DataFrame, by: list[str], rate: RateDefinition) -> pd.DataFrame:
    """Both aggregations of one definition's post rates for each group of ``rated``."""
    group_by = by or ["_all"]
    used = rated["rate"].notna()
    frame = rated.assign(
        _used=used.astype("int64"),
        _num=rated["numerator"].where(used),
        _den=rated["denominator"].where(used),
    )
    grouped = frame.groupby(group_by, sort=True, dropna=False)
    summary = pd.DataFrame({
        "posts": grouped["_used"].sum(),
        "size": grouped.size(),
        "mean": grouped["rate"].mean(),
        "numerator": grouped["_num"].sum(min_count=1),
        "denominator": grouped["_den"].sum(min_count=1),
    }).reset_index()
    left = frame.loc[~used]
    reasons = {}
    if not left.empty:
        counts = left.groupby([*group_by, "na_reason"], sort=True, dropna=False).size()
        for key, per_group in counts.groupby(level=list(range(len(group_by))), dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            reasons[_key(key)] = _reasons_text(per_group.droplevel(list(range(len(group_by)))))
    summary["posts_left_out"] = summary["size"] - summary["posts"]
    summary["left_out_reasons"] = pd.Series(
        [reasons.get(_key(tuple(k)), pd.NA) for k in summary[group_by].itertuples(index=False, name=None)],
        index=summary.index, dtype="str",
    )
    none = summary["posts"].eq(0)
    mean = summary.assign(
        aggregation="mean of post rates", rate=summary["mean"].astype("Float64"),
        numerator=pd.NA, denominator=pd.NA,
        na_reason=pd.Series(NA_REASONS["no_posts"], index=summary.index, dtype="str").where(none),
    )
    if rate.numerator is None:
        ratio = summary.assign(aggregation="ratio of sums", rate=pd.NA, numerator=pd.NA, denominator=pd.NA,
                               na_reason=NA_REASONS["only_rate"])
    else:
        total = summary["denominator"].astype("Float64")
        ratio = summary.assign(
            aggregation="ratio of sums",
            rate=(summary["numerator"].astype("Float64") / total.where(total > 0)),
            na_reason=pd.Series(NA_REASONS["no_posts"], index=summary.index, dtype="str").where(none),
        )
    out = pd.concat([mean, ratio]).sort_index(kind="stable").reset_index(drop=True)
    return out.assign(definition=rate.name).drop(columns=["mean", "size"])


def _key(values: tuple) -> tuple:
    """A group key that treats NA as equal to NA (for looking groups up)."""
    return tuple("\0NA" if pd.isna(v) else v for v in values)
