"""The goal spec: templates, validation messages naming the field, checks against the data."""

import pandas as pd
import pytest

from engagekit import Goal, load_client
from engagekit.errors import ConfigError

from paths import SAMPLE


def test_objective_template_fills_the_kpi():
    goal = Goal.from_dict({"objective": "sales"}, client="c")
    assert (goal.kpi, goal.kpi_source) == ("order", "outcomes")
    assert Goal.from_dict({"objective": "traffic"}).kpi_source == "traffic"


def test_unknown_objective_names_field_and_choices():
    with pytest.raises(ConfigError) as err:
        Goal.from_dict({"objective": "fame"}, file="goal.yml")
    assert "'objective'" in str(err.value) and "registrations" in str(err.value) and "goal.yml" in str(err.value)


def test_unknown_metric_is_refused():
    with pytest.raises(ConfigError, match="'metrics'"):
        Goal.from_dict({"objective": "sales", "metrics": ["vibes"]})


def test_round_trip_through_yaml(tmp_path):
    goal = Goal.from_dict({"objective": "registrations", "period": {"start": "2025-01-01", "end": "2025-06-30"}, "target": 900})
    assert Goal.read(goal.write(tmp_path / "goal.yml")) == goal
    assert goal.end == pd.Timestamp("2025-06-30")


def test_kpi_missing_from_data_lists_what_was_found():
    data = load_client(SAMPLE)
    goal = Goal.from_dict({"objective": "custom", "kpi": "signup"})
    with pytest.raises(ConfigError) as err:
        goal.check_data(data)
    assert "no outcome 'signup' in outcomes; found: order, registration" in str(err.value)
