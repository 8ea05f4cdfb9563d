"""A client's key figures: the numbers of the report's executive summary, machine-readable, with stable keys.

Each notebook saves its section's figures (``goal``, ``audit``,
``correlation``; see :meth:`engagekit.analyses.context.Analysis.save_key_figures`).
:func:`key_figures` adds the ``summary`` every report and portfolio reads:
the keys of :data:`SUMMARY_KEYS`, always present (``None`` where a section
did not say). :func:`portfolio_row` flattens it to one row per client.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SCHEMA_VERSION", "SUMMARY_KEYS", "key_figures", "portfolio_row"]

#: Bumped when a key of :data:`SUMMARY_KEYS` changes meaning or goes away.
SCHEMA_VERSION = 1

#: The executive summary's keys, in the order the report shows them.
SUMMARY_KEYS = (
    "objective",                          # the business objective (goal.yml)
    "kpi",                                # the KPI's name
    "kpi_total",                          # the KPI over the period
    "kpi_daily_mean",                     # the KPI per day
    "kpi_change",                         # last four weeks' daily mean over the first four weeks', minus 1
    "posts",                              # posts in the period
    "self_promotional_share_of_posts",    # share of posts about the brand itself (offers, products, news)
    "self_promotional_share_of_outcomes", # share of the KPI outcomes traced to posts that came from those posts
    "leading_metrics",                    # [{metric, lag, half_life, effect, effect_ci_low, effect_ci_high, group}]: the total effect of one unit
    "noise_metrics",                      # metrics with no evidence of leading to the KPI
    "headline",                           # "Create content -> get engagement -> KPI? ..." in words
)


def _get(section: dict[str, Any], *path: str) -> Any:
    value: Any = section
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def key_figures(sections: dict[str, dict[str, Any]], *, client: str, display_name: str) -> dict[str, Any]:
    """The client's key figures: each section's figures and the executive ``summary``.

    Parameters
    ----------
    sections
        Section name -> the figures that section's notebook saved
        (:func:`engagekit.analyses.context.read_key_figures`).
    client, display_name
        The client's folder name and the name the report shows.
    """
    goal, audit, correlation = (sections.get(name, {}) for name in ("goal", "audit", "correlation"))
    verdicts = correlation.get("verdicts") or []
    leading = [
        {key: row.get(key) for key in ("metric", "lag", "half_life", "effect", "effect_ci_low", "effect_ci_high", "group")}
        for row in verdicts if row.get("verdict") == "leads to the KPI"
    ]
    noise = [row.get("metric") for row in verdicts if row.get("verdict") == "no evidence"]
    summary = {
        "objective": goal.get("objective"),
        "kpi": goal.get("kpi") or correlation.get("kpi"),
        "kpi_total": _get(goal, "baseline", "total"),
        "kpi_daily_mean": _get(goal, "baseline", "daily_mean"),
        "kpi_change": _get(goal, "baseline", "change"),
        "posts": audit.get("posts"),
        "self_promotional_share_of_posts": audit.get("self_promotional_share_of_posts"),
        "self_promotional_share_of_outcomes": audit.get("self_promotional_share_of_outcomes"),
        "leading_metrics": leading if "verdicts" in correlation else None,
        "noise_metrics": noise if "verdicts" in correlation else None,
        "headline": correlation.get("headline"),
    }
    return {"schema_version": SCHEMA_VERSION, "client": client, "display_name": display_name,
            "summary": summary, **sections}


def portfolio_row(figures: dict[str, Any]) -> dict[str, Any]:
    """One client's summary as a flat row for a portfolio table (lists joined into text)."""
    summary = figures.get("summary", {})
    row: dict[str, Any] = {"client": figures.get("client"), "display_name": figures.get("display_name")}
    for key in SUMMARY_KEYS:
        value = summary.get(key)
        if key == "leading_metrics" and value is not None:
            value = "; ".join(f"{m['metric']} ({m['lag']} d)" for m in value) or "none"
        elif key == "noise_metrics" and value is not None:
            value = ", ".join(value) or "none"
        row[key] = value
    return row
