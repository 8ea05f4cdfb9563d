"""The executive summary's key figures: stable keys, filled from the sections, flattened for a portfolio."""

from engagekit.report.key_figures import SCHEMA_VERSION, SUMMARY_KEYS, key_figures, portfolio_row

SECTIONS = {
    "goal": {"objective": "registrations", "kpi": "registration",
             "baseline": {"total": 5029.0, "daily_mean": 13.78, "change": 1.18}},
    "audit": {"posts": 695, "self_promotional_share_of_posts": 0.45, "self_promotional_share_of_outcomes": 0.56},
    "correlation": {"kpi": "registration", "headline": "Create content -> get engagement -> registration? ...",
                    "verdicts": [
                        {"metric": "reactions", "verdict": "no evidence", "lag": 5},
                        {"metric": "link_clicks", "verdict": "leads to the KPI", "lag": 2, "effect": 0.049,
                         "effect_ci_low": 0.046, "effect_ci_high": 0.052, "r": 0.91},
                        {"metric": "shares", "verdict": "not enough data", "lag": None},
                    ]},
}


def test_summary_has_every_key_filled_from_the_sections():
    figures = key_figures(SECTIONS, client="brightpaw", display_name="BrightPaw")
    assert figures["schema_version"] == SCHEMA_VERSION
    assert tuple(figures["summary"]) == SUMMARY_KEYS
    summary = figures["summary"]
    assert (summary["kpi_total"], summary["kpi_daily_mean"], summary["kpi_change"]) == (5029.0, 13.78, 1.18)
    assert summary["leading_metrics"] == [{"metric": "link_clicks", "lag": 2, "half_life": None, "effect": 0.049,
                                           "effect_ci_low": 0.046, "effect_ci_high": 0.052, "group": None}]
    assert summary["noise_metrics"] == ["reactions"]  # "not enough data" is not noise
    assert figures["goal"] is SECTIONS["goal"]


def test_missing_sections_leave_none_not_a_guess():
    summary = key_figures({"goal": SECTIONS["goal"]}, client="c", display_name="C")["summary"]
    assert tuple(summary) == SUMMARY_KEYS
    assert summary["posts"] is None and summary["leading_metrics"] is None and summary["headline"] is None


def test_portfolio_row_is_flat():
    row = portfolio_row(key_figures(SECTIONS, client="brightpaw", display_name="BrightPaw"))
    assert list(row) == ["client", "display_name", *SUMMARY_KEYS]
    assert row["leading_metrics"] == "link_clicks (2 d)"
    assert row["noise_metrics"] == "reactions"
    assert portfolio_row(key_figures({}, client="c", display_name="C"))["leading_metrics"] is None
