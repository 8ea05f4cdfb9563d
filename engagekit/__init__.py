"""engagekit: engagement is a result, not a goal.

Load the platforms' native exports into canonical tables, name the business
goal first, audit the content, and test whether engagement precedes the KPI.
"""

from .audit import category_performance, classify_posts, content_mix, self_promotional_summary
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
    "category_performance",
    "classify_posts",
    "ConfigError",
    "content_mix",
    "daily_engagement",
    "daily_outcomes",
    "daily_traffic",
    "Dataset",
    "describe_rate",
    "detect_format",
    "EngagekitError",
    "event_funnel",
    "EventFunnel",
    "EventFunnelWarning",
    "ExportError",
    "formats",
    "funnel_caveats",
    "FunnelExclusion",
    "FunnelResult",
    "FunnelWarning",
    "Goal",
    "goal_template_yaml",
    "GoalDataWarning",
    "KPI",
    "kpi_series",
    "LaggedCorrelation",
    "load_client",
    "LoadReport",
    "LoadResult",
    "MissingColumnError",
    "open_analysis",
    "period_engagement_rates",
    "post_engagement_rates",
    "RATE_DEFINITIONS",
    "raw_correlation",
    "read_config",
    "read_export",
    "self_promotional_summary",
    "UnknownFormatError",
    "verdicts",
    "write_goal_template",
]
