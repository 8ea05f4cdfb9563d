"""engagekit: engagement is a result, not a goal.

Load the platforms' native exports into canonical tables, name the business
goal first, audit the content, and test whether engagement precedes the KPI.
"""

from engagekit.analyses.audit import (
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
from engagekit.report.batch import run_batch
from engagekit.analyses.evidence.carryover import adstock, carryover_regression, collinearity, fit_adstock, half_life
from engagekit.analyses.classify import describe_classifier
from engagekit.tables.client import Dataset, load_client, read_config
from engagekit.goals.templates import client_template_yaml, goal_template_yaml, write_client_template, write_goal_template
from engagekit.analyses.context import Analysis, open_analysis
from engagekit.analyses.evidence.correlate import LaggedCorrelation, raw_correlation
from engagekit.analyses.evidence.distributed_lag import LeadModel, lead_model
from engagekit.core.errors import ClientNotReady, ConfigError, EngagekitError, ExportError, MissingColumnError, UnknownFormatError
from engagekit.analyses.event_funnel import EventFunnel, EventFunnelWarning, FunnelExclusion, FunnelResult, event_funnel
from engagekit.analyses.evidence.outcome import OutcomeEvidence, outcome_evidence
from engagekit.analyses.funnel import FunnelWarning, aggregate_funnel, funnel_caveats
from engagekit.goals.spec import KPI, Goal, GoalDataWarning
from engagekit.analyses.evidence.granger import granger_tests
from engagekit.analyses.impact import campaign_impact, describe_impact
from engagekit.loaders import LoadReport, LoadResult, detect_format, formats, read_export
from engagekit.goals.rates import AGGREGATIONS, RATE_DEFINITIONS, describe_rate, period_engagement_rates, post_engagement_rates
from engagekit.report.preflight import ClientCheck, check_client
from engagekit.core.text import say, wrap_text
from engagekit.tables.series import daily_activity, daily_engagement, daily_outcomes, daily_traffic, engagement_series, kpi_series
from engagekit.analyses.user_level import engaged_vs_not, social_visits
from engagekit.analyses.evidence.verdict import describe_verdict, verdicts


__version__ = "0.1.0"

__all__ = [
    "say",
    "wrap_text",
    "ClientCheck",
    "ClientNotReady",
    "check_client",
    "adstock",
    "aggregate_funnel",
    "AGGREGATIONS",
    "Analysis",
    "audit_verdicts",
    "campaign_impact",
    "carryover_regression",
    "category_performance",
    "classify_posts",
    "client_template_yaml",
    "collinearity",
    "ConfigError",
    "content_mix",
    "content_variety",
    "daily_activity",
    "daily_engagement",
    "daily_outcomes",
    "daily_traffic",
    "Dataset",
    "describe_classifier",
    "describe_impact",
    "describe_rate",
    "describe_verdict",
    "detect_format",
    "engaged_vs_not",
    "EngagekitError",
    "engagement_series",
    "event_funnel",
    "EventFunnel",
    "EventFunnelWarning",
    "ExportError",
    "fatigue_correlation",
    "fit_adstock",
    "follower_fatigue",
    "formats",
    "funnel_caveats",
    "FunnelExclusion",
    "FunnelResult",
    "FunnelWarning",
    "Goal",
    "goal_template_yaml",
    "GoalDataWarning",
    "granger_tests",
    "half_life",
    "KPI",
    "kpi_decomposition",
    "kpi_series",
    "LaggedCorrelation",
    "lead_model",
    "LeadModel",
    "load_client",
    "LoadReport",
    "LoadResult",
    "me_me_me_index",
    "MissingColumnError",
    "open_analysis",
    "outcome_evidence",
    "OutcomeEvidence",
    "period_engagement_rates",
    "post_engagement_rates",
    "post_results",
    "posts_per_week",
    "ranked_posts",
    "RATE_DEFINITIONS",
    "raw_correlation",
    "read_config",
    "read_export",
    "run_batch",
    "self_promotional_share",
    "self_promotional_summary",
    "slot_performance",
    "social_visits",
    "UnknownFormatError",
    "verdicts",
    "write_client_template",
    "write_goal_template",
]
