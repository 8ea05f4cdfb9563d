"""The executive summary from key figures alone: numbers in words, missing ones left out, never a crash."""

import re

from engagekit.report.key_figures import key_figures
from engagekit.report.html import summary_html

SECTIONS = {
    "goal": {"objective": "sales", "kpi": "order", "baseline": {"total": 1234.0, "daily_mean": 3.3808, "change": -0.25}},
    "correlation": {"kpi": "order", "verdicts": [
        {"metric": "shares", "verdict": "not enough data", "lag": None, "n": 12, "min_detectable_r": 0.61,
         "min_detectable_effect": None, "effect": None, "note": None},
        {"metric": "link_clicks", "verdict": "leads to the KPI", "lag": 3, "effect": 0.2, "effect_ci_low": 0.1,
         "effect_ci_high": 0.3, "r": 0.4, "ci_low": 0.3, "ci_high": 0.5, "q_value": 0.001,
         "min_detectable_effect": 0.05},
    ]},
}


def test_summary_shows_the_numbers_it_has_and_leaves_out_the_rest():
    page = summary_html(key_figures(SECTIONS, client="c", display_name="C"))
    assert dict(re.findall(r"data-key='(\w+)'>([^<]*)<", page)) == {
        "kpi_total": "1,234", "kpi_daily_mean": "3.4", "kpi_change": "-25%"}
    assert "the KPI ended the period lower than it began" in page
    assert "posts were about the company itself" not in page  # no audit section


def test_verdict_rows_without_numbers_show_dashes_and_effects_are_scaled():
    page = summary_html(key_figures(SECTIONS, client="c", display_name="C"))
    assert "<tr><td>shares</td><td>not enough data</td><td>&ndash;</td><td>&ndash;</td><td>&ndash;</td></tr>" in page
    assert "<td>+2.0 order per 10 link_clicks (95% CI +1.0 to +3.0)</td><td>+5.0 order per 100 link_clicks</td>" in page
    assert "<li>shares: not enough data to tell.</li>" in page  # no lag and no detectable effect for such a row


def test_summary_without_any_section_says_there_is_no_goal():
    page = summary_html(key_figures({}, client="c", display_name="C"))
    assert "The notebooks recorded no goal." in page
    assert "data-key" not in page and "The outcome analysis gave no verdicts." in page
