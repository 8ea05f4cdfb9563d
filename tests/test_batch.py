"""Batch reports: each client isolated, failures named, a summary and a portfolio, the local pool and Dask alike."""

import contextlib
import csv
import io
import shutil

import nbformat
import pandas as pd
import pytest

from engagekit import run_batch
from engagekit.cli import main
from engagekit.core.errors import EngagekitError
from engagekit.report.render import NOTEBOOKS

from paths import SAMPLE
from tiny_notebooks import write_tiny_notebooks

BAD_TIMEZONE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    """The sample client; a copy whose KPI its data lacks (stopped by the check); one with an invalid client.yml."""
    root = tmp_path_factory.mktemp("clients")
    broken = root / "broken"
    shutil.copytree(SAMPLE, broken)
    config = (broken / "client.yml").read_text(encoding="utf-8")
    config = config.replace("client: brightpaw", "client: broken").replace("kpi: registration", "kpi: webinar_signup")
    (broken / "client.yml").write_text(config, encoding="utf-8")
    invalid = root / "invalid"
    invalid.mkdir()
    (invalid / "client.yml").write_text(f"client: invalid\ntimezone: '{BAD_TIMEZONE}'\n", encoding="utf-8")
    return {"good": SAMPLE, "broken": broken, "invalid": invalid}


@pytest.fixture(scope="module")
def batch(clients, tmp_path_factory):
    """One batch run through the command line, two clients at a time; its exit code, output and folder."""
    out = tmp_path_factory.mktemp("batch")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main([
            "batch", str(clients["good"]), str(clients["broken"]), str(clients["invalid"]),
            "--out", str(out), "--jobs", "2", "--param", "n_boot=100",
        ])
    summary = pd.read_csv(out / "batch_summary.csv", dtype={"cell": "Int64"}).set_index("client")
    return {"code": code, "printed": printed.getvalue(), "out": out, "summary": summary}


def test_good_client_report_is_written(batch):
    row = batch["summary"].loc["brightpaw"]
    assert row["status"] == "ok"
    assert row["html"] == "brightpaw/report.html"
    assert (batch["out"] / row["html"]).is_file()
    assert (batch["out"] / row["key_figures"]).is_file()


def test_a_client_whose_kpi_the_data_lacks_stops_in_the_check_before_any_notebook(batch):
    row = batch["summary"].loc["broken"]
    assert row["status"] == "failed"
    assert pd.isna(row["notebook"]) and pd.isna(row["cell"])
    assert row["message"].startswith("not ready: client.yml goal.kpis[0].outcome: no outcome 'webinar_signup' in outcomes")
    assert "\n" not in row["message"]
    assert pd.isna(row["html"])
    assert not (batch["out"] / "broken" / "notebooks").exists()


def test_unreadable_config_is_a_failed_client(batch):
    row = batch["summary"].loc["invalid"]
    assert row["status"] == "failed"
    assert "field 'timezone'" in row["message"]
    assert pd.isna(row["notebook"]) and pd.isna(row["cell"])
    assert not (batch["out"] / "invalid").exists()


def test_summary_keeps_the_order_given(batch):
    assert list(batch["summary"].index) == ["brightpaw", "broken", "invalid"]
    assert list(batch["summary"]["status"]) == ["ok", "failed", "failed"]


def test_command_line_prints_the_summary_and_exits_2_when_the_failed_clients_stopped_before_any_notebook(batch):
    assert batch["code"] == 2
    assert "1 of 3 clients rendered; 2 failed" in batch["printed"]
    assert "not ready: client.yml goal.kpis[0].outcome" in batch["printed"]


def test_portfolio_csv_lists_the_good_client_with_its_key_figures(batch):
    portfolio = pd.read_csv(batch["out"] / "portfolio.csv")
    assert list(portfolio["client"]) == ["brightpaw"]
    row = portfolio.iloc[0]
    assert row["display_name"] == "BrightPaw Pet Supply"
    assert row["kpi"] == "registration"
    with open(SAMPLE / "newsletter_signups.csv", newline="", encoding="utf-8") as f:
        signups = sum(1 for _ in csv.DictReader(f))  # every sign-up of the sample falls in 2025
    assert row["kpi_total"] == signups
    assert row["report"] == "brightpaw/report.html"


def test_portfolio_page_links_reports_lists_failures_and_runs_no_script(batch):
    page = (batch["out"] / "portfolio.html").read_text(encoding="utf-8")
    assert '<a href="brightpaw/report.html">BrightPaw Pet Supply</a>' in page
    assert "Failed (2)" in page and "webinar_signup" in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the invalid time zone, shown as text


def _tiny_notebooks(folder):
    """The tiny notebooks, the first of which kills its worker process for a client named crash."""
    write_tiny_notebooks(folder)
    first = folder / NOTEBOOKS[0][0]
    nb = nbformat.read(first, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import os, signal\n"
        "if client.endswith('crash'):\n"
        "    os.kill(os.getppid(), signal.SIGKILL)  # the kernel's parent: the worker process"
    ))
    nbformat.write(nb, first)
    return folder


def _client(folder, name):
    folder.mkdir(parents=True)
    (folder / "client.yml").write_text(f"client: {name}\n", encoding="utf-8")
    return folder


def test_a_worker_process_that_dies_fails_its_client_and_the_batch_goes_on(tmp_path):
    notebooks = _tiny_notebooks(tmp_path / "notebooks")
    calm, crash = _client(tmp_path / "calm", "calm"), _client(tmp_path / "crash", "crash")
    summary = run_batch([crash, calm], out=tmp_path / "out", jobs=2, notebooks=notebooks, progress=False)
    assert list(summary["status"]) == ["failed", "ok"]
    assert "worker process rendering this client died" in summary.loc[0, "message"]
    assert (tmp_path / "out" / "calm" / "report.html").is_file()


def test_scheduler_renders_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    notebooks = _tiny_notebooks(tmp_path / "notebooks")
    calm = _client(tmp_path / "calm", "calm")
    invalid = tmp_path / "invalid"
    invalid.mkdir()
    (invalid / "client.yml").write_text("client: invalid\nperiod: every day\n", encoding="utf-8")
    with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        summary = run_batch([calm, invalid], out=tmp_path / "out", scheduler=cluster.scheduler_address,
                            notebooks=notebooks, progress=False)
    assert list(summary["status"]) == ["ok", "failed"]
    assert "field 'period'" in summary.loc[1, "message"]
    assert (tmp_path / "out" / "calm" / "report.html").is_file()


def test_clients_that_would_share_an_output_folder_are_refused_before_running(tmp_path, capsys):
    first, second = _client(tmp_path / "a", "Acme Co"), _client(tmp_path / "b", "Acme-Co")
    assert main(["batch", str(first), str(second), "--out", str(tmp_path / "out")]) == 2
    assert "would share the output folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_no_clients_is_refused(tmp_path):
    with pytest.raises(EngagekitError, match="at least one client"):
        run_batch([], out=tmp_path / "out")


def test_unknown_parameter_is_refused_before_any_client_runs(tmp_path, capsys):
    assert main(["batch", str(SAMPLE), "--out", str(tmp_path / "out"), "--param", "colour=red"]) == 2
    assert "unknown parameter(s) ['colour']" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
