"""The funnel from exposure to the KPI, from aggregate tables.

Stages: impressions -> engagements -> link clicks (posts, by local publish day)
-> social sessions (traffic in GA4's ``Organic Social`` and ``Paid Social``
default channel groups) -> the KPI (outcomes or traffic). Each row holds a
stage's count, its conversion from the stage before and from the first stage,
and the drop-off.

An aggregate funnel adds up counts from different sources (post exports, web
analytics, orders); it mixes people, so a step's "conversion" is a ratio of
totals, not the share of the same people who went on to the next step.

Breakdowns (platform, campaign, content category) need traffic and outcomes
tied to posts. They are joined, in this order of precision:

1. ``utm_content``: the row's ``content`` tag equals a post's ``utm_content``:
   it is that post's (split equally when several posts share the tag);
2. ``utm_campaign``: else its ``campaign`` tag equals a post's ``utm_campaign``:
   it is split equally over that campaign's posts;
3. ``day``: else, when it came from a social channel or has no source at all,
   it is split equally over the posts published that local day (any platform).
   A day join is a guess: it assumes the day's posts drew the day's visits, in
   equal parts, while older posts, profile links, stories and ads draw visits too.
4. ``none``: what cannot be joined is shown apart, as ``(no post that day)``
   (social, on a day without posts) or ``(not social)`` (outcomes and traffic of
   other channels: search, email, direct...), so that every breakdown adds up to
   the funnel's total.

Post stages are read from the posts themselves (``join`` ``none``). Each row's
``join`` names the joins its count came from (``utm_content+day`` when both),
and ``utm_share`` the share of the count joined by a UTM tag.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from engagekit.core.channels import SOCIAL_CHANNELS, UNASSIGNED, default_channel_group, traffic_channel
from engagekit.tables.coverage import NOT_REPORTED_BY, UNKNOWN, stage_availability
from engagekit.goals.spec import KPI, Goal
from engagekit.tables.series import local_day

__all__ = [
    "SOCIAL_CHANNELS",
    "AGGREGATE_CAVEAT",
    "DAY_JOIN_CAVEAT",
    "UTM_JOIN_CAVEAT",
    "BREAKDOWNS",
    "FunnelWarning",
    "aggregate_funnel",
    "funnel_caveats",
    "stage_availability",
    "traffic_channel",
]

AGGREGATE_CAVEAT = (
    "Built from totals of different exports: each step's rate is a ratio of totals, "
    "not the share of the same people who went on; it cannot tell who converted."
)
DAY_JOIN_CAVEAT = (
    "Rows joined by day split the social sessions and outcomes of a day equally over the posts "
    "published that day: it assumes those posts drew them, while older posts, profile links and ads draw visits too."
)
UTM_JOIN_CAVEAT = (
    "Rows joined by UTM count only the visits and outcomes tagged with a post's utm_campaign or "
    "utm_content; untagged visits from the same posts fall to the day join."
)
BREAKDOWNS = ("platform", "campaign", "category")
FREQUENCIES = ("period", "day", "week", "month")
JOINS = ("utm_content", "utm_campaign", "day", "none")
NOT_SOCIAL = "(not social)"
NO_POST = "(no post that day)"
NO_CAMPAIGN = "(no campaign)"
UNCLASSIFIED = "(unclassified)"
NOT_JOINED_NOTE = "traffic and outcomes not joined to any post: no post stages"
POST_SOURCE = "posts (by publish day)"
SOCIAL_SOURCE = "traffic (Organic/Paid Social channels)"
#: Which platforms' exports never report a post stage (said in the note when the stage has no data).
_UTM_JOINS = ("utm_content", "utm_campaign")


class FunnelWarning(UserWarning):
    """A funnel stage or period has no data; the rows concerned say why in ``note``."""


def _columns(by: Sequence[str]) -> dict[str, str]:
    return {
        "period": "datetime64[us]",
        **{dim: "str" for dim in by},
        "stage": "str",
        "count": "Float64",
        "source": "str",
        "join": "str",
        "step_conversion": "Float64",
        "overall_conversion": "Float64",
        "drop_off": "Float64",
        "utm_share": "Float64",
        "note": "str",
    }


def _empty(by: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame({col: pd.Series(dtype=dtype) for col, dtype in _columns(by).items()})
    frame.attrs["caveat"] = AGGREGATE_CAVEAT
    frame.attrs["caveats"] = [AGGREGATE_CAVEAT]
    return frame


def _outcome_channel(outcomes: pd.DataFrame) -> pd.Series:
    """GA4 channel group of each outcome from its source/medium tags; NA where it has neither."""
    channel = default_channel_group(outcomes["source"], outcomes["medium"], outcomes["campaign"]).astype("str")
    untagged = outcomes["source"].isna() & outcomes["medium"].isna()
    return channel.mask(untagged.to_numpy())


def funnel_caveats(frame: pd.DataFrame) -> list[str]:
    """What a funnel from :func:`aggregate_funnel` cannot tell, for a report: one sentence each.

    Always the aggregate caveat (it mixes people); the UTM and day-join caveats when
    rows were joined that way; and each distinct note of a stage without data.
    """
    caveats = [AGGREGATE_CAVEAT]
    joins = set()
    for value in frame.get("join", pd.Series(dtype="str")).dropna():
        joins.update(str(value).split("+"))
    if joins & set(_UTM_JOINS):
        caveats.append(UTM_JOIN_CAVEAT)
    if "day" in joins:
        caveats.append(DAY_JOIN_CAVEAT)
    if "note" in frame:
        missing = frame.loc[frame["count"].isna() & frame["note"].notna() & (frame["note"] != NOT_JOINED_NOTE), ["stage", "note"]].drop_duplicates()
        caveats += [f"{stage}: {note}" for stage, note in zip(missing["stage"], missing["note"])]
    return list(dict.fromkeys(caveats))


# --------------------------------------------------------------------- input checks

def _timestamp(value: Any, name: str) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise ValueError(f"{name}={value!r} is not a date (YYYY-MM-DD)") from None


def _breakdowns(by: str | Sequence[str] | None) -> tuple[str, ...]:
    if by is None:
        return ()
    dims = (by,) if isinstance(by, str) else tuple(by)
    unknown = [d for d in dims if d not in BREAKDOWNS]
    if unknown:
        raise ValueError(f"by={unknown} is not a breakdown; allowed: {list(BREAKDOWNS)}")
    if len(set(dims)) != len(dims):
        raise ValueError(f"by={list(dims)} names a breakdown twice")
    return dims


def _frequency(freq: str | None) -> str:
    freq = "period" if freq is None else freq
    if freq not in FREQUENCIES:
        raise ValueError(f"freq={freq!r} is not a period; allowed: {list(FREQUENCIES)} (or None: the whole period)")
    return freq


def _pick_kpi(goal: Goal, kpi: int | str | None) -> KPI:
    if kpi is None:
        return goal.kpis[0]
    if isinstance(kpi, int):
        if not 0 <= kpi < len(goal.kpis):
            raise ValueError(f"kpi={kpi} is not a KPI of the goal; it has {len(goal.kpis)} (0 to {len(goal.kpis) - 1})")
        return goal.kpis[kpi]
    for item in goal.kpis:
        if kpi in (item.name, item.column):
            return item
    raise ValueError(f"kpi={kpi!r} is not a KPI of the goal; its KPIs: {[k.name for k in goal.kpis]}")


def _categories(posts: pd.DataFrame, categories: Any) -> pd.Series:
    """The content category of each post (aligned with ``posts``), ``(unclassified)`` where unknown."""
    if categories is None:
        if "category" not in posts.columns:
            raise ValueError(
                "by='category' needs the posts' categories: a 'category' column on posts, or categories= "
                "(a mapping or Series from post_id to category, or the frame of engagekit.analyses.audit.classify_posts)"
            )
        values = posts["category"]
    elif isinstance(categories, pd.DataFrame):
        missing = [c for c in ("post_id", "category") if c not in categories.columns]
        if missing:
            raise ValueError(f"categories is missing the columns {missing}; it has {list(categories.columns)}")
        key = ["platform", "post_id"] if "platform" in categories.columns else ["post_id"]
        table = categories.drop_duplicates(key, keep="last").set_index(key)["category"]
        index = pd.MultiIndex.from_frame(posts[key]) if len(key) > 1 else pd.Index(posts["post_id"])
        values = pd.Series(table.reindex(index).to_numpy(), index=posts.index)
    elif isinstance(categories, (pd.Series, Mapping)):
        mapping = categories if isinstance(categories, pd.Series) else pd.Series(dict(categories), dtype="object")
        values = posts["post_id"].map(mapping)
    else:
        raise ValueError(f"categories must be a DataFrame, Series or mapping from post_id to category, got {type(categories).__name__}")
    return values.astype("str").fillna(UNCLASSIFIED)


def _utm_key(values: pd.Series) -> pd.Series:
    """UTM tags compared trimmed and lower-cased; NA for empty tags and GA4 placeholders such as ``(not set)``."""
    text = values.astype("str").str.strip().str.lower()
    return text.mask(text.isna() | (text == "") | text.str.startswith("(").fillna(False))


# --------------------------------------------------------------------- periods

def _period_of(days: pd.Series, freq: str, first: pd.Timestamp) -> pd.Series:
    if freq == "period":
        return pd.Series(first, index=days.index, dtype="datetime64[us]")
    if freq == "day":
        return days.astype("datetime64[us]")
    if freq == "week":
        return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).astype("datetime64[us]")
    return days.dt.to_period("M").dt.start_time.astype("datetime64[us]")


def _calendar(lo: pd.Timestamp, hi: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    if freq == "period":
        return pd.DatetimeIndex([lo], name="period").astype("datetime64[us]")
    ends = _period_of(pd.Series([lo, hi], dtype="datetime64[us]"), freq, lo)
    step = {"day": "D", "week": "7D", "month": "MS"}[freq]
    return pd.date_range(ends.iloc[0], ends.iloc[1], freq=step, name="period").astype("datetime64[us]")


# --------------------------------------------------------------------- attribution

def _attribute(units: pd.DataFrame, posts: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """Tie each unit (a traffic row or an outcome, with ``q``) to posts: ``period, *by, join, q``.

    ``units``: ``period, day, q, campaign_key, content_key, social, known``;
    ``posts`` (every post, any date): ``day, campaign_key, content_key, *by``.
    """
    columns = ["period", *by, "join", "q"]
    if units.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "q" else "str") for c in columns}).astype({"period": "datetime64[us]"})
    if not by:
        return units.assign(join="none")[columns]
    parts = []
    left = units
    for join, key in (("utm_content", "content_key"), ("utm_campaign", "campaign_key"), ("day", "day")):
        if left.empty:
            break
        candidates = posts.loc[posts[key].notna(), [key, *by]]
        eligible = left[key].notna()
        if join == "day":
            eligible &= left["social"] | ~left["known"]
        if candidates.empty or not eligible.any():
            continue
        weights = candidates.groupby(key)[key].transform("size").rdiv(1.0).rename("_w")
        matched = left.loc[eligible, ["period", key, "q"]].rename_axis("_unit").reset_index().merge(
            candidates.assign(_w=weights), on=key, how="inner"
        )
        if matched.empty:
            continue
        parts.append(matched.assign(q=matched["q"] * matched["_w"], join=join)[columns])
        left = left.drop(index=matched["_unit"].unique())
    if not left.empty:
        rest = left[["period", "q"]].assign(join="none")
        label = np.where((left["social"] | ~left["known"]).to_numpy(), NO_POST, NOT_SOCIAL)
        for dim in by:
            rest[dim] = label
        parts.append(rest[columns])
    return pd.concat(parts, ignore_index=True)


def _summarise(attributed: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum of ``q`` per key, with the joins that fed it and the share joined by UTM."""
    if attributed.empty:
        return pd.DataFrame(columns=[*keys, "count", "join", "utm_share"])
    by_join = attributed.groupby([*keys, "join"], sort=False)["q"].sum().unstack("join", fill_value=0.0)
    order = [j for j in JOINS if j in by_join.columns]
    by_join = by_join[order]
    total = by_join.sum(axis=1)
    present = by_join.to_numpy() > 0
    labels = ["+".join(j for j, used in zip(order, row) if used) or "none" for row in present]
    utm = by_join[[j for j in _UTM_JOINS if j in order]].sum(axis=1)
    out = pd.DataFrame({"count": total, "join": labels, "utm_share": (utm / total.where(total > 0))}, index=by_join.index)
    return out.reset_index()


# --------------------------------------------------------------------- the funnel

def aggregate_funnel(
    dataset: Any,
    goal: Goal,
    *,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    freq: str | None = None,
    by: str | Sequence[str] | None = None,
    categories: pd.DataFrame | pd.Series | Mapping[str, str] | None = None,
    kpi: int | str | None = None,
) -> pd.DataFrame:
    """Impressions -> engagements -> link clicks -> social sessions -> KPI, per period and breakdown.

    Parameters
    ----------
    dataset
        A :class:`engagekit.tables.client.Dataset` (or any object with ``posts``, ``traffic``,
        ``outcomes`` and ``config.timezone``).
    goal
        The goal: its ``funnel`` stages (``kpi`` always last) and its KPI.
    start, end
        The period (local days, inclusive); default the goal's.
    freq
        ``None`` (the whole period, one ``period`` value: its first day), ``"day"``, ``"week"``
        (weeks from Monday) or ``"month"``, on the client's calendar.
    by
        Breakdown(s): ``"platform"``, ``"campaign"`` (the posts' ``utm_campaign``) and/or
        ``"category"`` (a ``category`` column on posts, or ``categories``).
    categories
        Each post's content category: the frame of :func:`engagekit.analyses.audit.classify_posts`
        (``platform, post_id, category``) or a mapping/Series from ``post_id`` to category.
    kpi
        Which of the goal's KPIs ends the funnel (index or name); default the primary.

    Returns
    -------
    pandas.DataFrame
        One row per (period, breakdown value, stage): ``period, <by...>, stage, count, source,
        join, step_conversion, overall_conversion, drop_off, utm_share, note``. ``count`` is NA
        (with the reason in ``note``) where nothing reported the stage, 0 where it was reported
        as none. ``attrs["caveat"]`` is :data:`AGGREGATE_CAVEAT`; ``attrs["caveats"]`` (and
        :func:`funnel_caveats`) everything the funnel cannot tell. See the module's docstring
        for how traffic and outcomes are joined to posts.

    Warns
    -----
    FunnelWarning
        When a stage has no data in the period (which one and why), or the period has no data
        at all (the frame is then empty, with its columns and dtypes).
    """
    tz = dataset.config.timezone
    start = _timestamp(start, "start") if start is not None else goal.start
    end = _timestamp(end, "end") if end is not None else goal.end
    if start is not None and end is not None and end < start:
        raise ValueError(f"end={end.date()} is before start={start.date()}")
    dims = _breakdowns(by)
    freq = _frequency(freq)
    target = _pick_kpi(goal, kpi)
    stages = [s for s in goal.funnel if s != "kpi"] + ["kpi"]
    post_stages = [s for s in stages if s not in ("social_sessions", "kpi")]
    keep = _period_mask(start, end)

    # posts, every one (UTM joins reach back before the period) and those of the period
    keyed = _post_keys(dataset.posts, tz=tz, dims=dims, categories=categories)
    in_period = keep(keyed["day"])
    posts = dataset.posts.loc[in_period]
    post_keys = keyed.loc[in_period]
    traffic = dataset.traffic.loc[keep(dataset.traffic["date"])]
    outcomes, outcome_days, coverage = _kpi_outcomes(dataset.outcomes, target, tz=tz, keep=keep)
    if posts.empty and traffic.empty and (target.source == "traffic" or outcomes.empty):
        span = f"{'the start' if start is None else start.date()} to {'the end' if end is None else end.date()}"
        what = f"{target.outcome!r} outcomes" if target.source == "outcomes" else "other data"
        warnings.warn(f"no posts, traffic or {what} from {span}: the funnel is empty", FunnelWarning, stacklevel=2)
        return _empty(dims)

    days = [post_keys["day"], traffic["date"]] + ([outcome_days] if target.source == "outcomes" else [])
    known_days = pd.concat([d for d in days if not d.empty])
    lo = start if start is not None else known_days.min()
    hi = end if end is not None else known_days.max()
    calendar = _calendar(lo, hi, freq)
    first = calendar[0]
    post_keys = post_keys.assign(period=_period_of(post_keys["day"], freq, first))
    units, covered, source = _stage_units(
        traffic, outcomes, outcome_days, coverage, target=target, stages=stages, post_stages=post_stages,
        calendar=calendar, freq=freq, span=(lo, hi),
    )

    keys = ["period", *dims]
    # post stages: sums by publish day (NA when no post of the group reports the stage)
    post_frame = posts[post_stages].assign(**{k: post_keys[k] for k in keys})
    grouped = post_frame.groupby(keys, sort=False, dropna=False)
    post_sums = grouped[post_stages].sum(min_count=1) if post_stages else pd.DataFrame(index=grouped.size().index)
    # traffic and KPI stages: joined to posts by UTM or day
    summaries = {stage: _summarise(_attribute(frame, keyed, dims), keys) for stage, frame in units.items()}
    grid, pseudo = _grid(calendar, dims, post_sums, summaries)
    reasons = stage_availability(posts, traffic, [s for s in stages if s != "kpi"])
    typed = {"period": "datetime64[us]", **{d: "str" for d in dims}}
    pieces = []
    for stage in stages:
        piece = grid.assign(stage=stage, source=source[stage])
        if stage in post_stages:
            sums = post_sums[stage].rename("count").reset_index() if len(post_sums) else pd.DataFrame(columns=[*keys, "count"])
            reported = grouped.size().rename("_n").reset_index().astype(typed)
            piece = _post_stage(piece, sums.astype(typed), reported, keys=keys, pseudo=pseudo,
                                why=reasons.get(stage) or f"no post of this {'group and ' if dims else ''}period reports {stage.replace('_', ' ')}")
        else:
            if stage == "kpi":
                what = f"{target.outcome!r} outcomes" if target.source == "outcomes" else f"traffic reporting {target.measure}"
                why = f"no {what} in the data for this period"
            else:
                why = reasons.get(stage) or "no traffic data for this period"
            summary = summaries[stage]
            piece = _joined_stage(piece, summary.astype(typed) if not summary.empty else summary, keys=keys,
                                  covered=covered[stage], why=why, totals=not dims)
        pieces.append(piece)

    frame = pd.concat(pieces, ignore_index=True)
    frame["_order"] = frame["stage"].map({s: i for i, s in enumerate(stages)})
    frame["_group"] = np.tile(np.arange(len(grid)), len(stages))
    frame = frame.sort_values(["_group", "_order"], kind="stable").reset_index(drop=True)
    frame = _rates(frame, len(stages))
    frame = frame[list(_columns(dims))].astype(_columns(dims))
    _warn_empty_stages(frame, stages)
    frame.attrs["caveat"] = AGGREGATE_CAVEAT
    frame.attrs["caveats"] = funnel_caveats(frame)
    frame.attrs["kpi"] = target.name
    return frame


def _period_mask(start: pd.Timestamp | None, end: pd.Timestamp | None):
    """A function: which of some local days lie in ``start``..``end`` (a bool array; NA days do not)."""
    def keep(days: pd.Series) -> np.ndarray:
        mask = days.notna()
        if start is not None:
            mask &= days >= start
        if end is not None:
            mask &= days <= end
        return mask.to_numpy(dtype=bool)
    return keep


def _post_keys(all_posts: pd.DataFrame, *, tz: str, dims: tuple[str, ...], categories: Any) -> pd.DataFrame:
    """Every post's local day, UTM keys and breakdown values."""
    keyed = pd.DataFrame({"day": local_day(all_posts["published_at"], tz)}, index=all_posts.index)
    keyed["content_key"] = _utm_key(all_posts["utm_content"])
    keyed["campaign_key"] = _utm_key(all_posts["utm_campaign"])
    if "platform" in dims:
        keyed["platform"] = all_posts["platform"].astype("str").fillna(UNKNOWN)
    if "campaign" in dims:
        campaign = all_posts["utm_campaign"].astype("str").str.strip()
        keyed["campaign"] = campaign.mask(campaign == "").fillna(NO_CAMPAIGN)
    if "category" in dims:
        keyed["category"] = _categories(all_posts, categories)
    return keyed


def _kpi_outcomes(outcomes: pd.DataFrame, target: KPI, *, tz: str, keep) -> tuple[pd.DataFrame, pd.Series | None, tuple]:
    """The KPI's outcomes in the period, their local days and the first and last day the data has them."""
    if target.source != "outcomes":
        return outcomes, None, (pd.NaT, pd.NaT)
    outcomes = outcomes.loc[(outcomes["outcome"] == target.outcome).fillna(False).to_numpy(dtype=bool)]
    outcome_days = local_day(outcomes["occurred_at"], tz)
    coverage = (outcome_days.min(), outcome_days.max())
    outcomes = outcomes.loc[keep(outcome_days)]
    return outcomes, outcome_days.loc[outcomes.index], coverage


def _stage_units(
    traffic: pd.DataFrame, outcomes: pd.DataFrame, outcome_days: pd.Series | None, coverage: tuple, *, target: KPI,
    stages: list[str], post_stages: list[str], calendar: pd.DatetimeIndex, freq: str, span: tuple,
) -> tuple[dict[str, pd.DataFrame], dict[str, set], dict[str, str]]:
    """The units of the traffic and KPI stages (a row each, quantity ``q``), the periods each stage's data
    covers, and each stage's source in words."""
    first = calendar[0]
    lo, hi = span
    channels = traffic_channel(traffic)
    traffic_units = pd.DataFrame({
        "day": traffic["date"],
        "period": _period_of(traffic["date"], freq, first),
        "content_key": _utm_key(traffic["content"]),
        "campaign_key": _utm_key(traffic["campaign"]),
        "social": channels.isin(SOCIAL_CHANNELS).to_numpy(),
        "known": (channels.notna() & (channels != UNASSIGNED)).to_numpy(),
        "channel": channels.to_numpy(),
    }, index=traffic.index)
    units: dict[str, pd.DataFrame] = {}
    covered: dict[str, set] = {}
    source: dict[str, str] = {s: POST_SOURCE for s in post_stages}
    if "social_sessions" in stages:
        social = traffic_units.loc[traffic_units["social"]]
        social = social.assign(q=traffic.loc[social.index, "sessions"].astype("float64"))
        units["social_sessions"] = social.loc[social["q"].notna()]
        covered["social_sessions"] = set(traffic_units["period"])
        source["social_sessions"] = SOCIAL_SOURCE
    if target.source == "outcomes":
        channel = _outcome_channel(outcomes)
        q = outcomes["value"].astype("float64") if target.measure == "value" else pd.Series(1.0, index=outcomes.index)
        kpi_units = pd.DataFrame({
            "day": outcome_days,
            "period": _period_of(outcome_days, freq, first),
            "content_key": _utm_key(outcomes["content"]),
            "campaign_key": _utm_key(outcomes["campaign"]),
            "social": channel.isin(SOCIAL_CHANNELS).to_numpy(),
            "known": (channel.notna() & (channel != UNASSIGNED)).to_numpy(),
            "q": q,
        }, index=outcomes.index)
        covered["kpi"] = set() if pd.isna(coverage[0]) else set(
            _calendar_periods(calendar, freq, max(coverage[0], lo), min(coverage[1], hi))
        )
        source["kpi"] = f"outcomes ({target.outcome}{', value' if target.measure == 'value' else ''})"
    else:
        rows = traffic_units if target.channel is None else traffic_units.loc[traffic_units["channel"] == target.channel]
        kpi_units = rows.assign(q=traffic.loc[rows.index, target.measure].astype("float64"))
        covered["kpi"] = set(traffic.loc[traffic[target.measure].notna(), "date"].pipe(_period_of, freq, first))
        source["kpi"] = f"traffic ({target.measure}{'' if target.channel is None else ', ' + target.channel})"
    units["kpi"] = kpi_units.loc[kpi_units["q"].notna()]
    return units, covered, source


def _grid(calendar: pd.DatetimeIndex, dims: tuple[str, ...], post_sums: pd.DataFrame,
          summaries: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, np.ndarray]:
    """Every period of the calendar x every breakdown value seen, and which rows are the not-joined groups."""
    if dims:
        combos = [post_sums.index.to_frame(index=False)[list(dims)]]
        combos += [s[list(dims)] for s in summaries.values() if not s.empty]
        combos_frame = pd.concat(combos, ignore_index=True).drop_duplicates().sort_values(list(dims), key=_pseudo_last)
        grid = pd.DataFrame({"period": np.repeat(calendar.to_numpy(), len(combos_frame))})
        for dim in dims:
            grid[dim] = np.tile(combos_frame[dim].to_numpy(), len(calendar))
    else:
        grid = pd.DataFrame({"period": calendar.to_numpy()})
    grid = grid.astype({"period": "datetime64[us]", **{d: "str" for d in dims}})
    pseudo = np.zeros(len(grid), dtype=bool)
    for dim in dims:
        pseudo |= grid[dim].isin([NOT_SOCIAL, NO_POST]).to_numpy()
    return grid, pseudo


def _post_stage(piece: pd.DataFrame, sums: pd.DataFrame, reported: pd.DataFrame, *, keys: list[str],
                pseudo: np.ndarray, why: str) -> pd.DataFrame:
    """A post stage's rows of the grid: its sums, 0 where no post was published, NA (with ``why``) where none reports it."""
    piece = piece.merge(sums, on=keys, how="left")
    n_posts = piece.merge(reported, on=keys, how="left")["_n"]
    count = piece["count"].astype("Float64")
    count = count.mask(n_posts.isna().to_numpy() & ~pseudo, 0.0)
    note = pd.Series(pd.NA, index=piece.index, dtype="str")
    note = note.mask(count.isna().to_numpy() & ~pseudo, why).mask(pseudo, NOT_JOINED_NOTE)
    return piece.assign(count=count, note=note, join="none", utm_share=pd.NA)


def _joined_stage(piece: pd.DataFrame, summary: pd.DataFrame, *, keys: list[str], covered: set, why: str,
                  totals: bool) -> pd.DataFrame:
    """A traffic or KPI stage's rows of the grid: its joined sums, 0 inside the data's coverage, NA (with ``why``) outside."""
    if not summary.empty:
        piece = piece.merge(summary, on=keys, how="left")
    else:
        piece = piece.assign(count=np.nan, join=pd.NA, utm_share=np.nan)
    in_coverage = piece["period"].isin(covered).to_numpy()
    count = piece["count"].astype("Float64")
    count = count.mask(in_coverage & count.isna().to_numpy(), 0.0).mask(~in_coverage)
    note = pd.Series(pd.NA, index=piece.index, dtype="str").mask(~in_coverage, why)
    piece = piece.assign(count=count, note=note, join=piece["join"].astype("str").fillna("none"))
    if totals:  # nothing was joined
        piece["utm_share"] = pd.NA
    return piece


def _warn_empty_stages(frame: pd.DataFrame, stages: list[str]) -> None:
    """A :class:`FunnelWarning` for each stage without a count anywhere, with its first reason."""
    for stage in stages:
        counts = frame.loc[frame["stage"] == stage, "count"]
        if counts.isna().all():
            notes = frame.loc[(frame["stage"] == stage) & frame["note"].notna(), "note"]
            why = notes.iloc[0] if len(notes) else "no data"
            warnings.warn(f"{stage}: {why}", FunnelWarning, stacklevel=3)


def _pseudo_last(values: pd.Series) -> pd.Series:
    """Sort key: real breakdown values first, in order; the not-joined groups last."""
    rank = values.map({NO_POST: "\uffff1", NOT_SOCIAL: "\uffff2"})
    return rank.fillna(values.astype("str"))


def _calendar_periods(calendar: pd.DatetimeIndex, freq: str, lo: pd.Timestamp, hi: pd.Timestamp) -> list[pd.Timestamp]:
    """The periods of ``calendar`` that overlap the days ``lo`` to ``hi``."""
    if hi < lo:
        return []
    if freq == "period":
        return [calendar[0]]
    ends = _period_of(pd.Series([lo, hi], dtype="datetime64[us]"), freq, calendar[0])
    return [p for p in calendar if ends.iloc[0] <= p <= ends.iloc[1]]


def _rates(frame: pd.DataFrame, n_stages: int) -> pd.DataFrame:
    """Step and overall conversion and drop-off within each group of ``n_stages`` consecutive rows."""
    counts = frame["count"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan).reshape(-1, n_stages)
    previous = np.full_like(counts, np.nan)
    previous[:, 1:] = counts[:, :-1]
    first = np.repeat(counts[:, :1], n_stages, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(previous > 0, counts / previous, np.nan)
        overall = np.where(first > 0, counts / first, np.nan)
    frame["step_conversion"] = pd.array(step.ravel(), dtype="Float64")
    frame["overall_conversion"] = pd.array(overall.ravel(), dtype="Float64")
    frame["drop_off"] = 1 - frame["step_conversion"]
    return frame
