"""engagekit: engagement is a result, not a goal.

Load the platforms' native exports into canonical tables, name the business
goal first, audit the content, and test whether engagement precedes the KPI.
"""

from .audit import category_performance, classify_posts, content_mix, self_promotional_summary
from .client import Dataset, load_client, read_config
from .context import Analysis, open_analysis
from .correlate import LaggedCorrelation, raw_correlation, verdicts
from .errors import ConfigError, EngagekitError, ExportError, MissingColumnError, UnknownFormatError
from .funnel import aggregate_funnel
from .goals import Goal
from .loaders import LoadReport, LoadResult, detect_format, formats, read_export
from .metrics import period_engagement_rates, post_engagement_rates
from .series import daily_engagement, daily_outcomes, daily_traffic, kpi_series

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "ConfigError",
    "Dataset",
    "EngagekitError",
    "ExportError",
    "Goal",
    "LaggedCorrelation",
    "LoadReport",
    "LoadResult",
    "MissingColumnError",
    "UnknownFormatError",
    "aggregate_funnel",
    "category_performance",
    "classify_posts",
    "content_mix",
    "daily_engagement",
    "daily_outcomes",
    "daily_traffic",
    "detect_format",
    "formats",
    "kpi_series",
    "load_client",
    "open_analysis",
    "period_engagement_rates",
    "post_engagement_rates",
    "raw_correlation",
    "read_config",
    "read_export",
    "self_promotional_summary",
    "verdicts",
]
