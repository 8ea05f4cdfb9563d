"""The audit in plain words."""

from __future__ import annotations

import pandas as pd

from .performance import describe_self_promotion, self_promotional_summary

__all__ = ["audit_verdicts"]


# --------------------------------------------------------------------------- plain words


def _pct(x: float) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:.0%}"


def audit_verdicts(
    *,
    classes: pd.DataFrame,
    performance: pd.DataFrame,
    kpi: str,
    shares: pd.DataFrame | None = None,
    me_index: pd.DataFrame | None = None,
    variety: pd.DataFrame | None = None,
    slots: pd.DataFrame | None = None,
    decomposition: pd.DataFrame | None = None,
    fatigue: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The audit's measures as sentences a marketer reads, every number computed from the frames given.

    Parameters
    ----------
    classes, performance
        ``classify_posts(posts)`` and ``category_performance(...)``.
    kpi
        The KPI's name in the sentences (e.g. ``"registration"``).
    shares, me_index, variety, slots, decomposition, fatigue
        Optional outputs of :func:`self_promotional_share`, :func:`me_me_me_index`,
        :func:`content_variety`, :func:`slot_performance`, :func:`kpi_decomposition`,
        :func:`fatigue_correlation`; each adds its sentence.

    Returns
    -------
    pandas.DataFrame
        ``measure, sentence``, one row per verdict.
    """
    rows = [("self-promotion", describe_self_promotion(self_promotional_summary(classes, performance), kpi=kpi))]
    perf = performance.dropna(subset=["share_of_reactions"])
    if "share_of_outcomes" in perf and perf["share_of_outcomes"].notna().any() and not perf.empty:
        gap = (perf["share_of_reactions"] - perf["share_of_outcomes"]).astype(float)
        row = perf.loc[gap.idxmax()]
        if gap.max() > 0:
            rows.append(("likes versus results",
                         f"{row['category'].replace('_', ' ').capitalize()} posts earned {_pct(row['share_of_reactions'])} "
                         f"of the likes but {_pct(row['share_of_outcomes'])} of the {kpi} outcomes traced to posts."))
    if shares is not None and not shares.empty:
        all_rows = shares.loc[shares["platform"] == "all"]
        over = int((~all_rows["within_80_20"].fillna(True).astype(bool)).sum())
        rows.append(("80/20 rule of thumb",
                     f"In {over} of {len(all_rows)} months more than 20% of your posts were about yourselves "
                     f"(the 80/20 rule is a rule of thumb, not a law); the highest monthly share was "
                     f"{_pct(all_rows['self_promotional_share'].max())}."))
    if me_index is not None and not me_index.empty:
        first, second = int(me_index["first_person"].sum()), int(me_index["second_person"].sum())
        index = (first - second) / (first + second) if first + second else float("nan")
        lean = "more about yourselves than about your audience" if index > 0 else (
            "more about your audience than about yourselves" if index < 0 else "balanced between you and your audience")
        rows.append(("me-me-me index",
                     f"Your posts said we/our/us {first} times and you/your {second} times: a me-me-me index of "
                     f"{index:+.2f} (from -1, all about the audience, to +1, all about yourselves), {lean}."
                     if first + second else "Your posts used neither we/our/us nor you/your."))
    if variety is not None and not variety.empty:
        rows.append(("variety",
                     f"A month used on average {variety['categories_used'].mean():.1f} of {int(variety['categories'].iloc[0])} "
                     f"kinds of content (mean normalised entropy {float(variety['normalised_entropy'].mean()):.2f}; "
                     "1 is an even mix)."))
    if slots is not None:
        ranked = slots.dropna(subset=["rank"]).sort_values("rank")
        if ranked.empty:
            rows.append(("best slot", "No weekday and hour had enough posts to rank it."))
        else:
            best = ranked.iloc[0]
            measure = str(best["measure"]).replace("_", " ")
            value = f"{best['median']:.1%}" if best["measure"] == "engagement_rate" else f"{best['median']:.1f}"
            rows.append(("best slot",
                         f"Your best slot was {best['weekday_name']} {int(best['hour']):02d}:00 (median {measure} {value} "
                         f"over {int(best['posts'])} posts); {int((~slots['enough_posts'] & slots['posts'].gt(0)).sum())} "
                         "slots had too few posts to judge."))
    if decomposition is not None and not decomposition.empty:
        d = decomposition.set_index("step")["value"]
        if d.drop(["start", "end"]).isna().any():
            rows.append(("volume, engagement, outcomes",
                         f"The {kpi} count went from {d['start']:.0f} to {d['end']:.0f}; it cannot be split "
                         f"({decomposition['na_reason'].dropna().iloc[0]})."))
        else:
            rows.append(("volume, engagement, outcomes",
                         f"The {kpi} count went from {d['start']:.0f} to {d['end']:.0f}: posting volume accounts for "
                         f"{d['volume']:+.1f}, engagement per post for {d['engagement per post']:+.1f} and {kpi}s per "
                         f"engagement for {d['outcomes per engagement']:+.1f}."))
    if fatigue is not None and not fatigue.empty:
        for _, row in fatigue.iterrows():
            if pd.isna(row["spearman_rho"]):
                rows.append(("fatigue", f"Follower fatigue ({row['platform']}): not measured: {row['na_reason']}."))
            else:
                measured = (f"Spearman rho {row['spearman_rho']:.2f}, p = {row['p_value']:.3f}, "
                            f"{int(row['days'])} days")
                if row["p_value"] < 0.05:
                    finding = (f"days after more self-promotional posts had "
                               f"{'more' if row['spearman_rho'] > 0 else 'fewer'} follower losses")
                else:
                    finding = "no sign that follower losses follow the share of self-promotional posts"
                rows.append(("fatigue", f"Follower fatigue ({row['platform']}): {finding} ({measured}); {row['note']}."))
    return pd.DataFrame(rows, columns=["measure", "sentence"]).astype("str")
