"""Content audit: is a post about the audience, or about "me me me"? And what does each kind earn?

Posts are classified by :mod:`engagekit.analyses.classify` (transparent rules, the
user's labels, a text classifier); these modules measure what each kind of
post is and earns. Self-promotional: ``offer`` (coupons, discounts),
``product`` (product ads), ``company_news`` (the company about itself).
Audience-centred: ``educational``, ``entertaining``, ``inspirational``,
``community``.

The measures live in one module each: mix, performance, cadence, decomposition, fatigue, ranking,
verdicts; this package's face names them all.
"""

from __future__ import annotations

from engagekit.analyses.audit.cadence import posts_per_week, slot_performance
from engagekit.analyses.audit.decomposition import DECOMPOSITION_METHOD, kpi_decomposition
from engagekit.analyses.audit.fatigue import FATIGUE_NOTE, fatigue_correlation, follower_fatigue
from engagekit.analyses.audit.mix import (
    ME_INDEX_DEFINITION, RULES_OF_THUMB, content_mix, content_variety, me_me_me_index, self_promotional_share,
)
from engagekit.analyses.audit.performance import (
    ATTRIBUTION, ENGAGEMENT_RATE_DEFINITION, category_performance, describe_self_promotion, post_results,
    self_promotional_summary,
)
from engagekit.analyses.audit.ranking import ranked_posts
from engagekit.analyses.audit.verdicts import audit_verdicts
from engagekit.analyses.classify import AUDIENCE_CENTRED, CATEGORIES, SELF_PROMOTIONAL, classify_posts

__all__ = [
    "AUDIENCE_CENTRED",
    "CATEGORIES",
    "SELF_PROMOTIONAL",
    "classify_posts",
    "content_mix",
    "category_performance",
    "self_promotional_summary",
    "describe_self_promotion",
    "ATTRIBUTION",
    "ENGAGEMENT_RATE_DEFINITION",
    "RULES_OF_THUMB",
    "ME_INDEX_DEFINITION",
    "DECOMPOSITION_METHOD",
    "FATIGUE_NOTE",
    "post_results",
    "self_promotional_share",
    "me_me_me_index",
    "content_variety",
    "posts_per_week",
    "slot_performance",
    "kpi_decomposition",
    "follower_fatigue",
    "fatigue_correlation",
    "ranked_posts",
    "audit_verdicts",
]
