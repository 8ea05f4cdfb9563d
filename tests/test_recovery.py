"""score_verdicts sets verdicts beside the planted truth."""

import pandas as pd

from engagekit.analyses.evidence.verdict import LEADS, NO_EVIDENCE, NOT_ENOUGH
from engagekit.teaching.recovery import score_verdicts
from engagekit.teaching.sample_truth import Driver, SampleTruth


def verdict_table(*rows):
    return pd.DataFrame(rows, columns=["metric", "verdict", "lag"]).astype({"lag": "Int64"})


TRUTH_YML = {
    "leads": [{"metric": "link_clicks", "outcome": "registration", "lag_days": 2, "effect_per_unit": 0.05},
              {"metric": "reactions", "outcome": "order", "lag_days": 0, "effect_per_unit": 0.01}],
    "noise": {"registration": ["reactions", "comments", "shares"]},
}


def test_each_result_by_hand():
    table = verdict_table(("link_clicks", LEADS, 3), ("reactions", LEADS, 1), ("comments", NO_EVIDENCE, 4),
                          ("shares", NOT_ENOUGH, pd.NA), ("video_views", NO_EVIDENCE, 0))
    scored = score_verdicts(table, TRUTH_YML).set_index("metric")
    assert scored["planted"].to_dict() == {"link_clicks": "driver", "reactions": "noise", "comments": "noise",
                                           "shares": "noise", "video_views": "not planted"}
    assert scored["result"].to_dict() == {"link_clicks": "found", "reactions": "false driver",
                                          "comments": "rightly no evidence", "shares": "not enough data",
                                          "video_views": "rightly no evidence"}
    assert scored["correct"].tolist() == [True, False, True, False, pd.NA]
    assert scored.loc["link_clicks", "planted_lag"] == 2


def test_a_driver_two_days_off_is_found_at_another_lag():
    scored = score_verdicts(verdict_table(("link_clicks", LEADS, 4)), TRUTH_YML)
    assert scored["result"].tolist() == ["found at another lag"]
    assert scored["correct"].tolist() == [False]
    scored = score_verdicts(verdict_table(("link_clicks", LEADS, 4)), TRUTH_YML, lag_tolerance=2)
    assert scored["result"].tolist() == ["found"]


def test_leads_of_another_outcome_do_not_count():
    # reactions drive orders, not registrations: for registrations they are noise
    scored = score_verdicts(verdict_table(("reactions", NO_EVIDENCE, 0)), TRUTH_YML, outcome="registration")
    assert scored["planted"].tolist() == ["noise"]
    scored = score_verdicts(verdict_table(("reactions", NO_EVIDENCE, 0)), TRUTH_YML, outcome="order")
    assert scored["result"].tolist() == ["missed"]


def test_a_sample_truth_object_scores_like_its_yaml():
    truth = SampleTruth(drivers=(Driver("comments", 1, 0.3),))
    table = verdict_table(("comments", LEADS, 1), ("shares", NO_EVIDENCE, 2))
    assert score_verdicts(table, truth)["result"].tolist() == ["found", "rightly no evidence"]
    as_yaml = {"leads": truth.leads(), "noise": {"registration": truth.noise}}
    pd.testing.assert_frame_equal(score_verdicts(table, truth), score_verdicts(table, as_yaml))
