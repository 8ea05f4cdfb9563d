"""The goal spec: KPI lists and the single-KPI shorthand, templates, validation naming the field, checks against the data."""

from dataclasses import replace
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from engagekit import Goal, load_client
from engagekit.core import schema
from engagekit.core.errors import ConfigError
from engagekit.goals.spec import KPI, OBJECTIVES, GoalDataWarning
from engagekit.goals.templates import goal_template_yaml, write_goal_template

from paths import SAMPLE


@pytest.fixture(scope="module")
def sample():
    return load_client(SAMPLE)


def _tiny(posts=None, traffic=None, outcomes=None):
    """A Dataset-like object with the canonical tables (empty where not given)."""
    def table(frame, name):
        return schema.empty_frame(name) if frame is None else schema.conform(pd.DataFrame(frame), name)
    return SimpleNamespace(
        posts=table(posts, "posts"), traffic=table(traffic, "traffic"), outcomes=table(outcomes, "outcomes"),
        config=SimpleNamespace(timezone="UTC", path="client.yml"),
    )


# ------------------------------------------------------------------ the spec

def test_objective_template_fills_the_kpi():
    goal = Goal.from_dict({"objective": "sales"}, client="c")
    assert (goal.kpi, goal.kpi_source) == ("order", "outcomes")
    assert Goal.from_dict({"objective": "traffic"}).kpi_source == "traffic"


def test_single_kpi_form_is_shorthand_for_a_one_item_list():
    short = Goal.from_dict({"objective": "registrations", "kpi": "registration", "measure": "count", "target": 900})
    listed = Goal.from_dict({"objective": "registrations", "kpis": [{"outcome": "registration", "target": 900}]})
    assert short == listed
    assert (listed.kpi, listed.kpi_source, listed.measure, listed.target) == ("registration", "outcomes", "count", 900.0)


def test_primary_kpi_fields_describe_the_first_of_several():
    goal = Goal.from_dict({"objective": "traffic", "kpis": [
        {"name": "social sessions", "source": "traffic", "measure": "sessions", "channel": "organic social", "target": 500},
        {"name": "sign-ups", "outcome": "registration"},
    ]})
    assert (goal.kpi, goal.kpi_source, goal.target) == ("sessions", "traffic", 500.0)
    assert goal.kpis[0].channel == "Organic Social"  # spelled as GA4 does
    assert goal.kpis[1] == KPI(source="outcomes", measure="count", outcome="registration", name="sign-ups")


def test_replacing_the_primary_kpi_field_keeps_the_others():
    goal = Goal.template("sales", client="c")
    swapped = replace(goal, kpi="registration")
    assert [(k.outcome, k.measure) for k in swapped.kpis] == [("registration", "count"), ("order", "value")]
    assert swapped.with_kpi("sessions").kpis[0] == KPI(source="traffic", measure="sessions")


def test_sales_template_has_order_count_and_value():
    goal = Goal.template("sales", client="brightpaw")
    assert goal.client == "brightpaw"
    assert [(k.name, k.outcome, k.measure) for k in goal.kpis] == [("orders", "order", "count"), ("revenue", "order", "value")]
    assert goal.funnel[-1] == "kpi" and "link_clicks" in goal.metrics


def test_custom_objective_needs_a_kpi():
    with pytest.raises(ConfigError, match="'kpis'.*required"):
        Goal.template("custom")


# ------------------------------------------------------------------ validation

def test_unknown_objective_names_field_and_choices():
    with pytest.raises(ConfigError) as err:
        Goal.from_dict({"objective": "fame"}, file="goal.yml")
    assert "'objective'" in str(err.value) and "registrations" in str(err.value) and "goal.yml" in str(err.value)


def test_unknown_metric_is_refused_by_its_position():
    with pytest.raises(ConfigError) as err:
        Goal.from_dict({"objective": "sales", "metrics": ["reactions", "vibes"]})
    assert err.value.field == "metrics[1]" and "'vibes'" in err.value.detail and "saves" in err.value.detail


def test_wrong_measure_names_the_kpi_by_dotted_path():
    spec = {"objective": "traffic", "kpis": [{"source": "traffic", "measure": "sessions"}, {"source": "traffic", "measure": "pageviews"}]}
    with pytest.raises(ConfigError) as err:
        Goal.from_dict(spec, file="goal.yml")
    assert err.value.field == "kpis[1].measure"
    assert "'pageviews'" in err.value.detail and "engaged_sessions" in err.value.detail


def test_unknown_fields_are_listed_with_the_allowed_ones():
    with pytest.raises(ConfigError) as err:
        Goal.from_dict({"objective": "sales", "kpis": [{"outcome": "order", "colour": "red", "size": 2}]})
    assert err.value.field == "kpis[0].colour"
    assert "['colour', 'size']" in err.value.detail and "'channel'" in err.value.detail
    with pytest.raises(ConfigError) as top:
        Goal.from_dict({"objective": "sales", "budget": 10})
    assert top.value.field == "budget" and "'kpis'" in top.value.detail


def test_channel_must_be_a_ga4_channel_group_and_only_for_traffic():
    with pytest.raises(ConfigError) as err:
        Goal.from_dict({"objective": "traffic", "kpis": [{"source": "traffic", "measure": "users", "channel": "Socials"}]})
    assert err.value.field == "kpis[0].channel" and "Paid Social" in err.value.detail
    with pytest.raises(ConfigError, match="kpis\\[0\\].channel"):
        Goal.from_dict({"objective": "sales", "kpis": [{"outcome": "order", "channel": "Organic Social"}]})


def test_funnel_stages_are_checked_by_position():
    with pytest.raises(ConfigError) as err:
        Goal.from_dict({"objective": "sales", "funnel": ["impressions", "clicks", "kpi"]})
    assert err.value.field == "funnel[1]" and "link_clicks" in err.value.detail
    with pytest.raises(ConfigError, match="last stage"):
        Goal.from_dict({"objective": "sales", "funnel": ["kpi", "impressions"]})


def test_both_kpi_forms_at_once_are_refused():
    with pytest.raises(ConfigError, match="either 'kpis'"):
        Goal.from_dict({"objective": "sales", "kpi": "order", "kpis": [{"outcome": "order"}]})


# ------------------------------------------------------------------ round trip and template

def test_round_trip_through_yaml(tmp_path):
    goal = Goal.from_dict({"objective": "registrations", "period": {"start": "2025-01-01", "end": "2025-06-30"}, "target": 900})
    assert Goal.read(goal.write(tmp_path / "goal.yml")) == goal
    assert goal.end == pd.Timestamp("2025-06-30")


def test_round_trip_of_several_kpis_is_plain_yaml(tmp_path):
    goal = Goal.from_dict({
        "client": "c", "objective": "sales",
        "kpis": [{"outcome": "order", "measure": "value", "target": 12000, "per": "month"},
                 {"source": "traffic", "measure": "sessions", "channel": "Paid Social"}],
        "period": {"start": "2025-01-01", "end": "2025-03-31"}, "funnel": ["impressions", "link_clicks", "kpi"],
    })
    # plain YAML: safe_dump refuses anything but builtin types
    assert yaml.safe_load(yaml.safe_dump(goal.to_dict())) == goal.to_dict()
    assert Goal.read(goal.write(tmp_path / "goal.yml")) == goal


@pytest.mark.parametrize("objective", [o for o in OBJECTIVES if o != "custom"])
def test_commented_template_reads_back_as_the_objective_template(tmp_path, objective):
    path = write_goal_template(tmp_path / "goal.yml", objective, client="brightpaw")
    assert Goal.read(path) == Goal.template(objective, client="brightpaw")


def test_commented_template_explains_fields_and_lists_allowed_values():
    text = goal_template_yaml("custom")
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    for allowed in ("customer_service", "engaged_sessions", "Organic Social", "social_sessions", "profile_visits", "quarter"):
        assert allowed in comments
    assert Goal.from_dict(yaml.safe_load(text)).kpi == "my_outcome"


# ------------------------------------------------------------------ against the data

def test_kpi_missing_from_data_lists_what_was_found(sample):
    goal = Goal.from_dict({"objective": "custom", "kpi": "signup"})
    with pytest.raises(ConfigError) as err:
        goal.check_data(sample)
    assert "no outcome 'signup' in outcomes; found: order, registration" in str(err.value)
    assert err.value.field == "goal.kpis[0].outcome"


def test_every_kpi_is_checked_and_traffic_channels_are_listed(sample):
    goal = Goal.from_dict({"objective": "custom", "kpis": [
        {"outcome": "registration"}, {"outcome": "signup"}, {"source": "traffic", "measure": "sessions", "channel": "Paid Social"},
    ]})
    with pytest.raises(ConfigError) as err:
        goal.check_data(sample)
    text = str(err.value)
    assert err.value.field == "goal.kpis[1].outcome"
    assert "goal.kpis[2].channel: no traffic in the channel 'Paid Social'" in text
    assert "channels found: Direct, Email, Organic Search, Organic Social" in text


def test_sample_goal_passes_its_data_checks(sample):
    checks = Goal.for_client(sample.config).check_data(sample)
    assert set(checks["level"]) == {"ok"}
    assert checks["field"].tolist()[:2] == ["kpis[0]", "metrics[0]"]


def test_traffic_kpi_without_traffic_data():
    data = _tiny(outcomes={"occurred_at": pd.to_datetime(["2025-01-02"], utc=True), "outcome": ["order"]})
    goal = Goal.from_dict({"objective": "traffic"})
    with pytest.raises(ConfigError, match="needs traffic data and the client has none"):
        goal.check_data(data)


def test_metric_and_stage_without_data_warn_with_the_reason():
    data = _tiny(
        posts={"platform": ["instagram"] * 2, "post_id": ["1", "2"], "published_at": pd.to_datetime(["2025-01-02", "2025-01-03"], utc=True),
               "impressions": [100, 200], "engagements": [5, 9], "reactions": [4, 8], "comments": [1, 1], "shares": [0, 0]},
        outcomes={"occurred_at": pd.to_datetime(["2025-01-02"], utc=True), "outcome": ["order"]},
    )
    goal = Goal.from_dict({"objective": "sales", "kpis": [{"outcome": "order"}]})
    with pytest.warns(GoalDataWarning) as caught:
        checks = goal.check_data(data)
    messages = [str(w.message) for w in caught]
    assert any("metrics[3] 'link_clicks'" in m and "reactions" in m for m in messages)
    link = checks.set_index("field").loc["funnel[2]"]
    assert link["level"] == "warning" and "instagram (2 posts)" in link["detail"] and "Instagram does not report it" in link["detail"]
    assert checks.set_index("field").loc["funnel[3]", "detail"].startswith("no traffic data")


def test_outcome_outside_the_period_says_when_the_data_has_it(sample):
    goal = Goal.from_dict({"objective": "registrations", "period": {"start": "2024-01-01", "end": "2024-03-31"}})
    with pytest.raises(ConfigError, match="no outcome 'registration' from 2024-01-01 to 2024-03-31; the data has it from 2025-01-01"):
        goal.check_data(sample)


def test_describe_keeps_the_one_kpi_sentence_and_adds_the_others():
    one = Goal.from_dict({"objective": "registrations", "target": 900, "period": {"start": "2025-01-01", "end": "2025-12-31"}})
    assert one.describe() == "Objective: registrations. KPI: daily registration count, target 900 from 2025-01-01 to 2025-12-31."
    assert Goal.template("sales").describe() == "Objective: sales. KPI: daily order count. Also: daily order value."
