"""The report's parameters are checked against each notebook's parameters cell before anything runs."""

import pytest

from engagekit.cli import main
from engagekit.report.render import ReportError, check_parameters, notebook_parameters, parse_parameters, render_report

from paths import SAMPLE
from tiny_notebooks import write_tiny_notebooks

GOAL, AUDIT, CORRELATION = "01_goal_definition.ipynb", "02_content_audit.ipynb", "03_outcome_correlation.ipynb"


@pytest.fixture
def typed(tmp_path):
    """01 declares a float, a bool, a str and an int; 02 the same int; 03 nothing of its own."""
    return write_tiny_notebooks(tmp_path / "notebooks", {
        GOAL: 'rate = 0.5\nflag = True\nlabel = "x"\ncount = 3\nanything = None\n',
        AUDIT: "count = 3\n",
    })


def test_declared_types_come_from_the_defaults(typed):
    assert notebook_parameters(typed / GOAL) == {
        "client": str, "output_dir": str, "rate": float, "flag": bool, "label": str, "count": int, "anything": None,
    }


def test_each_notebook_gets_only_the_parameters_it_declares():
    split = check_parameters({"n_boot": 200, "min_slot_posts": 3, "kpi": "registration"})
    assert split == {
        GOAL: {"kpi": "registration"},
        AUDIT: {"min_slot_posts": 3, "kpi": "registration"},
        CORRELATION: {"n_boot": 200, "kpi": "registration"},
    }


def test_unknown_name_is_refused_naming_notebooks_and_allowed_names():
    with pytest.raises(ReportError) as err:
        check_parameters({"max_lags": 3})
    message = str(err.value)
    assert "unknown parameter(s) ['max_lags']" in message
    assert all(name in message for name in (GOAL, AUDIT, CORRELATION))
    assert "'max_lag'" in message and "'min_slot_posts'" in message and "'event_window'" in message


def test_parameters_the_report_sets_are_refused():
    with pytest.raises(ReportError, match=r"\['output_dir'\] are set by the report itself"):
        check_parameters({"output_dir": "/tmp/elsewhere"})


def test_str_parameter_refuses_an_int(typed):
    with pytest.raises(ReportError, match=r"parameter 'label' of 01_goal_definition.ipynb takes str, not int 5"):
        check_parameters({"label": 5}, notebooks=typed)


def test_int_parameter_refuses_a_bool_and_bool_refuses_an_int(typed):
    with pytest.raises(ReportError, match=r"'count' of 01_goal_definition.ipynb takes int, not bool True"):
        check_parameters({"count": True}, notebooks=typed)
    with pytest.raises(ReportError, match=r"'flag' of 01_goal_definition.ipynb takes bool, not int 1"):
        check_parameters({"flag": 1}, notebooks=typed)


def test_int_fits_a_float_parameter_and_none_default_takes_anything(typed):
    split = check_parameters({"rate": 1, "anything": [1, 2]}, notebooks=typed)
    assert split[GOAL] == {"rate": 1, "anything": [1, 2]}
    assert split[AUDIT] == {} and split[CORRELATION] == {}


def test_float_is_refused_by_an_int_parameter():
    with pytest.raises(ReportError, match=r"'max_lag' of 03_outcome_correlation.ipynb takes int, not float 7.5"):
        check_parameters({"max_lag": 7.5})


def test_unknown_parameter_is_refused_before_any_notebook_runs(tmp_path):
    with pytest.raises(ReportError, match="max_lags"):
        render_report(SAMPLE, out=tmp_path / "out", parameters={"max_lags": 3})
    assert not (tmp_path / "out").exists()


def test_wrong_type_is_refused_before_any_notebook_runs(tmp_path):
    with pytest.raises(ReportError) as err:
        render_report(SAMPLE, out=tmp_path / "out", parameters={"max_lag": "7"})
    assert err.value.notebook == CORRELATION
    assert not (tmp_path / "out").exists()


def test_command_line_values_take_the_declared_type():
    parsed = parse_parameters(["max_lag=14", "kpi=registration", "period_start=2025-03-01", "min_slot_posts=3"])
    assert parsed == {"max_lag": 14, "kpi": "registration", "period_start": "2025-03-01", "min_slot_posts": 3}


def test_command_line_value_of_the_wrong_type_is_refused():
    with pytest.raises(ReportError, match=r"parameter 'n_boot' takes int, not 'many'"):
        parse_parameters(["n_boot=many"])


def test_command_line_refuses_an_unknown_parameter_before_running(tmp_path, capsys):
    code = main(["report", str(SAMPLE), "--out", str(tmp_path / "out"), "--param", "max_lags=3"])
    assert code == 1
    assert "unknown parameter(s) ['max_lags']" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
