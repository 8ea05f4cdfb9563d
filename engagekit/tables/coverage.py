"""Which funnel stages the data can feed: a stage without data says why (the platforms that never report it)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["NOT_REPORTED_BY", "UNKNOWN", "stage_availability"]

#: The platform of a post that names none.
UNKNOWN = "(unknown)"
#: Stage -> the platforms whose exports never report it, by name.
NOT_REPORTED_BY: dict[str, dict[str, str]] = {
    "link_clicks": {"instagram": "Instagram", "tiktok": "TikTok", "youtube": "YouTube"},
    "reach": {"x": "X"},
    "profile_visits": {"youtube": "YouTube", "tiktok": "TikTok"},
}


def stage_availability(posts: pd.DataFrame, traffic: pd.DataFrame, stages: Sequence[str]) -> dict[str, str | None]:
    """Why each non-KPI funnel stage has no data in ``posts``/``traffic`` (``None`` where it has data).

    ``posts`` and ``traffic`` are the rows of the period under review.
    """
    reasons: dict[str, str | None] = {}
    for stage in stages:
        if stage == "social_sessions":
            if traffic.empty:
                reasons[stage] = "no traffic data in the period (no web analytics rows for these days)"
            elif traffic["sessions"].isna().all():
                reasons[stage] = "the traffic data in the period does not report sessions"
            else:
                reasons[stage] = None
            continue
        if stage not in posts.columns:
            reasons[stage] = f"posts have no {stage!r} column"
        elif posts.empty:
            reasons[stage] = "no post in the period"
        elif posts[stage].notna().any():
            reasons[stage] = None
        else:
            counts = posts["platform"].fillna(UNKNOWN).value_counts().sort_index()
            found = ", ".join(f"{p} ({n} posts)" for p, n in counts.items())
            never = sorted({NOT_REPORTED_BY.get(stage, {}).get(p) for p in counts.index} - {None})
            hint = f"; {' and '.join(never)} {'do' if len(never) > 1 else 'does'} not report it" if never else ""
            reasons[stage] = f"no post in the period reports {stage.replace('_', ' ')} (posts in the period: {found}{hint})"
    return reasons
