"""engagekit: engagement is a result, not a goal.

Load the platforms' native exports into canonical tables, name the business
goal first, audit the content, and test whether engagement precedes the KPI.
"""

from .audit import (
    audit_verdicts,
    category_performance,
    classify_posts,
    content_mix,
    content_variety,
    fatigue_correlation,
    follower_fatigue,
    kpi_decomposition,
    me_me_me_index,
    post_results,
    posts_per_week,
    ranked_posts,
    self_promotional_share,
    self_promotional_summary,
    slot_performance,
)
from .classify import describe_classifier
from .client import Dataset, load_client, read_config
from .context import Analysis, open_analysis
from .correlate import LaggedCorrelation, raw_correlation, verdicts
from .event_funnel import EventFunnel, EventFunnelWarning, FunnelExclusion, FunnelResult, event_funnel
from .errors import ConfigError, EngagekitError, ExportError, MissingColumnError, UnknownFormatError
from .funnel import FunnelWarning, aggregate_funnel, funnel_caveats
from .goals import KPI, Goal, GoalDataWarning, goal_template_yaml, write_goal_template
from .loaders import LoadReport, LoadResult, detect_format, formats, read_export
from .metrics import AGGREGATIONS, RATE_DEFINITIONS, describe_rate, period_engagement_rates, post_engagement_rates
from .series import daily_engagement, daily_outcomes, daily_traffic, kpi_series

__version__ = "0.1.0"

__all__ = [
    "aggregate_funnel",
    "AGGREGATIONS",
    "Analysis",
    "audit_verdicts",
    "category_performance",
    "classify_posts",
    "ConfigError",
    "content_mix",
    "content_variety",
    "daily_engagement",
    "daily_outcomes",
    "daily_traffic",
    "Dataset",
    "describe_classifier",
    "describe_rate",
    "detect_format",
    "EngagekitError",
    "event_funnel",
    "EventFunnel",
    "EventFunnelWarning",
    "ExportError",
    "fatigue_correlation",
    "follower_fatigue",
    "formats",
    "funnel_caveats",
    "FunnelExclusion",
    "FunnelResult",
    "FunnelWarning",
    "Goal",
    "goal_template_yaml",
    "GoalDataWarning",
    "KPI",
    "kpi_decomposition",
    "kpi_series",
    "LaggedCorrelation",
    "load_client",
    "LoadReport",
    "LoadResult",
    "me_me_me_index",
    "MissingColumnError",
    "open_analysis",
    "period_engagement_rates",
    "post_engagement_rates",
    "post_results",
    "posts_per_week",
    "ranked_posts",
    "RATE_DEFINITIONS",
    "raw_correlation",
    "read_config",
    "read_export",
    "self_promotional_share",
    "self_promotional_summary",
    "slot_performance",
    "UnknownFormatError",
    "verdicts",
    "write_goal_template",
]
