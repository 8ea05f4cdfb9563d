"""Figures for the notebooks and the report. Each function takes ``ax=None`` and returns the Axes."""

from __future__ import annotations

import textwrap

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from engagekit.tables.series import as_float

__all__ = [
    "chance_findings",
    "kpi_baseline",
    "weekly_pattern",
    "funnel",
    "content_mix",
    "category_results",
    "lagged_correlation",
    "trend_trap",
    "kpi_waterfall",
    "likes_versus_results",
    "slot_heatmap",
    "self_promotional_share",
    "campaign_impact",
]

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _ax(ax: Axes | None, size: tuple[float, float] = (9, 3.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _date_axis(ax: Axes, *, max_ticks: int = 8) -> Axes:
    """Date ticks on the x axis whose labels do not overlap, for a week of days to several years.

    matplotlib's :class:`~matplotlib.dates.AutoDateLocator` picks days, months or
    years to suit the span, with at most ``max_ticks`` ticks, and
    :class:`~matplotlib.dates.ConciseDateFormatter` writes each label as short as
    it can ("Mar", "08", "2025"), the year or month once in the axis's offset.
    Day ticks fall on day 1, 8, 15 and 22 of each month (or every day over a
    week or so): the default multiples of three or four days put day 29 or 31
    one or two days before the next month's first, their labels on top of each other.
    """
    locator = mdates.AutoDateLocator(minticks=3, maxticks=max_ticks)
    locator.intervald[mdates.DAILY] = [1, 7, 14]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return ax


def _labels(ax: Axes, *, title: str, xlabel: str = "", ylabel: str | None = None) -> Axes:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    return ax


def _nothing_to_show(ax: Axes, message: str) -> Axes:
    """An empty chart that says, wrapped between words, why there is nothing to draw."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, textwrap.fill(message, width=70, break_long_words=False), ha="center", va="center",
            transform=ax.transAxes, fontsize=10, color="#555555")
    return ax


def kpi_baseline(series: pd.Series, *, label: str, ax: Axes | None = None) -> Axes:
    """The KPI per day with its 28-day rolling mean: its level and trend."""
    ax = _ax(ax)
    frame = pd.DataFrame({"date": series.index, "daily": as_float(series).to_numpy()})
    frame["28-day mean"] = frame["daily"].rolling(28, min_periods=7).mean()
    long = frame.melt("date", var_name="series", value_name=label)
    sns.lineplot(data=long, x="date", y=label, hue="series", ax=ax, palette=["#b8c4d6", "#1f4e79"])
    return _labels(ax, title=f"{label}: daily level and trend")


def weekly_pattern(series: pd.Series, *, label: str, ax: Axes | None = None) -> Axes:
    """Mean KPI per weekday."""
    ax = _ax(ax, (5, 3))
    frame = pd.DataFrame({"weekday": pd.DatetimeIndex(series.index).day_of_week, label: series.astype(float).to_numpy()})
    frame["weekday"] = pd.Categorical([WEEKDAYS[d] for d in frame["weekday"]], categories=WEEKDAYS)
    sns.barplot(data=frame, x="weekday", y=label, ax=ax, color="#1f4e79", errorbar=("ci", 95), seed=0)
    return _labels(ax, title=f"{label}: mean per weekday (95% CI)")


def funnel(stages: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Counts at each funnel stage (log scale) labelled with the step conversion."""
    ax = _ax(ax, (8, 3))
    data = stages.assign(count=stages["count"].astype(float))
    sns.barplot(data=data, y="stage", x="count", ax=ax, color="#1f4e79", orient="h")
    ax.set_xscale("log")
    for i, (count, step) in enumerate(zip(data["count"], stages["step_conversion"])):
        text = f"{count:,.0f}" + ("" if pd.isna(step) else f"  ({step:.2%} of previous)")
        ax.text(count, i, "  " + text, va="center", fontsize=8)
    return _labels(ax, title="Funnel from impressions to the KPI (aggregate totals)", xlabel="count (log scale)", ylabel="")


def content_mix(mix: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of posts per category and month, with the self-promotional share as a line."""
    ax = _ax(ax)
    wide = mix.pivot_table(index="period", columns="category", values="share", fill_value=0)
    wide.index = wide.index.strftime("%Y-%m")
    colors = sns.color_palette("Set2", n_colors=len(wide.columns))
    wide.plot(kind="bar", stacked=True, ax=ax, color=colors, width=0.85)
    promo = mix.drop_duplicates("period").set_index("period")["self_promotional_share"]
    ax.plot(range(len(promo)), promo.to_numpy(), color="black", marker="o", label="self-promotional share")
    ax.axhline(0.2, color="crimson", linestyle="--", linewidth=1, label="80/20 rule of thumb")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
    return _labels(ax, title="Content mix per month", ylabel="share of posts")


def category_results(performance: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Each category's share of likes, of link clicks and of outcomes, side by side."""
    ax = _ax(ax)
    shares = [c for c in ("share_of_reactions", "share_of_link_clicks", "share_of_outcomes") if c in performance]
    long = performance.melt(id_vars="category", value_vars=shares, var_name="measure", value_name="share")
    long["measure"] = long["measure"].str.replace("share_of_", "", regex=False)
    long["share"] = long["share"].astype(float)
    sns.barplot(data=long, x="category", y="share", hue="measure", ax=ax, palette="colorblind")
    return _labels(ax, title="What each kind of content earns: likes are not outcomes", ylabel="share of the total")


def lagged_correlation(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Cross-correlation by lag for each metric, with its bootstrap interval; circled where q < 0.05."""
    ax = _ax(ax)
    palette = dict(zip(table["metric"].unique(), sns.color_palette("colorblind")))
    sns.lineplot(data=table, x="lag", y="r", hue="metric", palette=palette, ax=ax, marker="o")
    for metric, group in table.groupby("metric"):
        ax.fill_between(group["lag"], group["ci_low"], group["ci_high"], color=palette[metric], alpha=0.12)
        sig = group.loc[group["q_value"] < 0.05]
        ax.scatter(sig["lag"], sig["r"], s=120, facecolors="none", edgecolors=palette[metric], linewidths=2)
    ax.axhline(0, color="grey", linewidth=0.8)
    return _labels(ax, title="Does the metric precede the KPI? (circles: q < 0.05)",
                   xlabel="lag (days the metric precedes the KPI)", ylabel="correlation (detrended, pre-whitened)")


def lag_profile(profiles: pd.DataFrame, *, kpi: str, ax: Axes | None = None) -> Axes:
    """Each lead's lag profile (its total effect spread over the days after it) with the 95% band."""
    ax = _ax(ax)
    if profiles.empty:
        ax.text(0.5, 0.5, f"No engagement metric leads {kpi}", ha="center", va="center", transform=ax.transAxes)
        return _labels(ax, title="Lag profiles of the leads", xlabel="days after the engagement")
    palette = dict(zip(profiles["metric"].unique(), sns.color_palette("colorblind")))
    for metric, group in profiles.groupby("metric", sort=False):
        ax.plot(group["lag"], group["effect"], marker="o", color=palette[metric], label=metric)
        ax.fill_between(group["lag"], group["ci_low"], group["ci_high"], color=palette[metric], alpha=0.15)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.legend()
    return _labels(ax, title=f"When the effect arrives: {kpi} per unit of the metric, day by day",
                   xlabel="days after the engagement", ylabel=f"{kpi} per unit")


def trend_trap(x: pd.Series, y: pd.Series, *, x_label: str, y_label: str, freq: str = "W", axes: tuple[Axes, Axes] | None = None) -> tuple[Axes, Axes]:
    """Two panels of per-``freq`` sums: raw levels (trending, correlated) and detrended values (the honest picture)."""
    from engagekit.analyses.evidence.correlate import detrend

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    raw = pd.DataFrame({x_label: x.astype(float).resample(freq).sum(), y_label: y.astype(float).resample(freq).sum()}).dropna()
    det = pd.DataFrame({x_label: detrend(raw[x_label], weekly=False), y_label: detrend(raw[y_label], weekly=False)})
    for ax, data, title in ((axes[0], raw, "weekly totals"), (axes[1], det, "trend removed")):
        sns.regplot(data=data, x=x_label, y=y_label, ax=ax, scatter_kws={"s": 12, "alpha": 0.6}, line_kws={"color": "crimson"}, seed=0)
        r = np.corrcoef(data[x_label], data[y_label])[0, 1]
        ax.set_title(f"{title}: r = {r:.2f}")
    return axes


def kpi_waterfall(decomposition: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """The KPI's change between two periods as a waterfall: start, volume, engagement per post, outcomes per engagement, end."""
    ax = _ax(ax, (7, 3.5))
    if decomposition["value"].isna().all():
        reason = decomposition["na_reason"].dropna()
        return _nothing_to_show(ax, "No decomposition: " + (str(reason.iloc[0]) if len(reason) else "no data"))
    steps = decomposition["step"].tolist()
    value = decomposition["value"].astype("Float64").fillna(0).astype(float).to_numpy()
    level = decomposition["level"].astype("Float64").fillna(0).astype(float).to_numpy()
    ends = np.isin(steps, ["start", "end"])
    bottom = np.where(ends, 0.0, np.where(value >= 0, level - value, level))
    height = np.where(ends, value, np.abs(value))
    colors = np.where(ends, "#1f4e79", np.where(value >= 0, "#4c9a2a", "#c0392b"))
    ax.bar(range(len(steps)), height, bottom=bottom, color=colors)
    for i, (v, top) in enumerate(zip(value, bottom + height)):
        ax.text(i, top, f"{v:+.0f}" if not ends[i] else f"{v:.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(steps)), steps, rotation=15)
    return _labels(ax, title="What moved the KPI: volume, engagement per post, outcomes per engagement",
                   ylabel=str(decomposition["factor"].iloc[0]))


def likes_versus_results(performance: pd.DataFrame, *, result: str = "share_of_outcomes", ax: Axes | None = None) -> Axes:
    """Each category's share of likes against its share of results: above the diagonal, rich in likes and poor in results."""
    ax = _ax(ax, (5, 4.5))
    data = performance.assign(likes=performance["share_of_reactions"].astype(float),
                              results=performance[result].astype(float))
    sns.scatterplot(data=data, x="results", y="likes", hue="self_promotional", size="posts", sizes=(40, 300),
                    ax=ax, palette={True: "#c0392b", False: "#1f4e79"})
    for _, row in data.iterrows():
        ax.annotate(row["category"], (row["results"], row["likes"]), textcoords="offset points", xytext=(6, 4), fontsize=8)
    top = float(np.nanmax([data["likes"].max(), data["results"].max(), 0.05])) * 1.1
    ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(-0.02, top)
    ax.set_ylim(-0.02, top)
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
    what = result.replace("share_of_", "").replace("_", " ")
    return _labels(ax, title="Likes are not results", xlabel=f"share of {what}", ylabel="share of likes")


def slot_heatmap(slots: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Median result per weekday x hour; slots with too few posts are blank, every cell shows its number of posts."""
    ax = _ax(ax, (11, 3.6))
    values = slots.pivot(index="weekday", columns="hour", values="median").astype(float)
    counts = slots.pivot(index="weekday", columns="hour", values="posts")
    values.index = [WEEKDAYS[d] for d in values.index]
    sns.heatmap(values, cmap="Blues", ax=ax, linewidths=0.3, linecolor="white",
                cbar_kws={"label": f"median {slots['measure'].iloc[0].replace('_', ' ')}"})
    # every cell carries its number of posts, blank (too few posts) cells included
    for (row, col), n in np.ndenumerate(counts.to_numpy()):
        ax.text(col + 0.5, row + 0.5, str(n), ha="center", va="center", fontsize=6, color="dimgrey")
    return _labels(ax, title="Results by weekday and local hour (numbers: posts; blank: too few posts to judge)",
                   xlabel="hour (local)", ylabel="")


def self_promotional_share(shares: pd.DataFrame, *, max_share: float = 0.2, ax: Axes | None = None) -> Axes:
    """Self-promotional share per month and platform, with the 80/20 and rule-of-thirds rules of thumb."""
    ax = _ax(ax)
    data = shares.assign(share=shares["self_promotional_share"].astype(float))
    sns.lineplot(data=data, x="period", y="share", hue="platform", marker="o", ax=ax)
    ax.axhline(max_share, color="crimson", linestyle="--", linewidth=1, label="80/20 rule of thumb")
    ax.axhline(1 / 3, color="darkorange", linestyle=":", linewidth=1, label="rule of thirds (rule of thumb)")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
    return _labels(ax, title="Posts about yourselves per month (rules of thumb, not laws)", ylabel="self-promotional share")


def campaign_impact(daily: pd.DataFrame, *, label: str, ax: Axes | None = None) -> Axes:
    """The KPI against the counterfactual forecast (with its interval) before and after a dated change."""
    ax = _ax(ax)
    if daily.empty:
        return _nothing_to_show(ax, f"No {label} to compare before and after the change.")
    data = daily.assign(actual=daily["actual"].astype(float))
    sns.lineplot(data=data, x="date", y="actual", ax=ax, color="#1f4e79", label="actual", linewidth=0.9)
    post = data.loc[data["period"] == "post"]
    ax.plot(post["date"], post["predicted"], color="crimson", linestyle="--", label="without the change (forecast)")
    ax.fill_between(post["date"], post["predicted_low"], post["predicted_high"], color="crimson", alpha=0.15)
    if len(post):
        ax.axvline(post["date"].iloc[0], color="grey", linewidth=0.8)
    ax.legend(loc="upper left", fontsize=8)
    _date_axis(ax)
    return _labels(ax, title=f"{label}: actual against the forecast without the change", ylabel=label)


def chance_findings(findings: pd.DataFrame, *, alpha: float = 0.05, ax: Axes | None = None) -> Axes:
    """Every test's p-value, smallest first, against the two rules that call it a finding.

    A dot under the flat line (p < ``alpha``) is a finding without correction; a dot
    under the rising Benjamini-Hochberg line (rank / tests x ``alpha``) survives the
    correction.
    """
    ax = _ax(ax)
    p = np.sort(findings["p_value"].to_numpy(dtype=float))
    rank = np.arange(1, len(p) + 1)
    below = p < alpha
    ax.scatter(rank[~below], p[~below], s=10, color="#9aa5b1", label="not significant")
    ax.scatter(rank[below], p[below], s=16, color="crimson", label=f"p < {alpha:g}: a chance finding")
    ax.axhline(alpha, color="crimson", linewidth=1, linestyle="--", label=f"p = {alpha:g} (no correction)")
    ax.plot(rank, rank / len(p) * alpha, color="#1a7f37", linewidth=1.5, label="Benjamini-Hochberg line")
    ax.set_yscale("log")
    ax.set_xlabel(f"the {len(p)} tests, smallest p-value first")
    ax.set_ylabel("p-value (log scale)")
    ax.set_title("Pure noise, tested many times: findings by chance, and what the correction leaves")
    ax.legend(loc="lower right", fontsize="small")
    return ax
