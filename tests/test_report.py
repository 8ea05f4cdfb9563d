"""The client report: three notebooks rendered into one self-contained HTML, and failures named."""

import json
import re
import shutil

import nbformat
import pandas as pd
import pytest
import yaml

from engagekit.cli import main
from engagekit.recovery import score_verdicts
from engagekit.report import NOTEBOOKS, ReportError, render_report, safe_name

from paths import NOTEBOOKS as NOTEBOOK_DIR
from paths import SAMPLE


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return render_report(SAMPLE, out=tmp_path_factory.mktemp("reports"), parameters={"n_boot": 200})


def test_report_is_written_beside_the_executed_notebooks(rendered):
    assert rendered.html.name == "report.html"
    assert rendered.html.parent.name == "brightpaw"
    assert [p.name for p in rendered.notebooks] == [name for name, _ in NOTEBOOKS]


def test_report_is_self_contained_and_shows_no_code(rendered):
    page = rendered.html.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert page.count("data:image/png;base64,") >= 6
    assert "import engagekit" not in page and "ek.open_analysis" not in page
    assert "Executive summary" in page
    for _, title in NOTEBOOKS:
        assert title in page


def test_notebook_03_recovers_the_planted_truth(rendered):
    truth = yaml.safe_load((SAMPLE / "truth.yml").read_text())
    figures = json.loads(rendered.key_figures.read_text())
    assert set(figures) == {"goal", "audit", "correlation"}
    kpi = figures["correlation"]["kpi"]
    verdicts = pd.DataFrame(figures["correlation"]["verdicts"]).astype({"lag": "Int64"})
    scored = score_verdicts(verdicts, truth, outcome=kpi, lag_tolerance=0).set_index("metric")
    planted = scored.loc[scored["planted"] != "not planted"]
    assert planted["correct"].all(), planted.to_string()
    for lead in (t for t in truth["leads"] if t["outcome"] == kpi):
        found = verdicts.set_index("metric").loc[lead["metric"]]
        assert found["effect_ci_low"] < lead["effect_per_unit"] < found["effect_ci_high"]
    # the trending likes correlate in raw weekly levels but are not called a driver
    assert scored.loc["reactions", "result"] == "rightly no evidence"
    assert figures["correlation"]["headline"].startswith(f"Create content -> get engagement -> {kpi}? link_clicks precede")


@pytest.fixture
def broken_notebooks(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, notebooks)
    broken = nbformat.read(notebooks / NOTEBOOKS[0][0], as_version=4)
    broken.cells.insert(3, nbformat.v4.new_code_cell("raise ValueError('the export is empty')"))
    nbformat.write(broken, notebooks / NOTEBOOKS[0][0])
    return notebooks


def test_failing_notebook_names_notebook_and_cell_and_keeps_it(tmp_path, broken_notebooks):
    with pytest.raises(ReportError) as err:
        render_report(SAMPLE, out=tmp_path / "out", notebooks=broken_notebooks)
    message = str(err.value)
    assert "01_goal_definition.ipynb" in message
    assert "cell 4" in message  # the injected parameters cell shifts the inserted cell from 3 to 4
    assert "ValueError: the export is empty" in message
    kept = tmp_path / "out" / "brightpaw" / "notebooks" / NOTEBOOKS[0][0]
    assert kept.is_file()
    assert not (tmp_path / "out" / "brightpaw" / "report.html").exists()


def test_failing_report_exits_non_zero_with_the_message(tmp_path, broken_notebooks, capsys):
    code = main(["report", str(SAMPLE), "--out", str(tmp_path / "out"), "--notebooks", str(broken_notebooks)])
    assert code == 1
    assert "01_goal_definition.ipynb failed in cell 4" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "expected"), [("../../etc", "etc"), ("/abs/path", "abs-path"), ("Acme & Co", "Acme-Co"), ("..", "client")])
def test_client_names_cannot_escape_the_output_folder(name, expected):
    assert safe_name(name) == expected
