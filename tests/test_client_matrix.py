"""Any client folder renders, or stops in the check with one named problem: never a traceback.

Each case is the sample client changed the way a new user's folder differs from it (the period
left out, one month, three months, a period longer than the data, posts covering part of the
period, one platform, no traffic export, no outcome in the period, a KPI without events, posts
without links). All are rendered in one batch, as an agency would.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from engagekit.report.batch import run_batch
from paths import SAMPLE

X_PARTS = r"tweet_activity_metrics_BrightPaw_2025(0[1-5]|0[7-9]|1)"


def _without_links(folder: Path) -> None:
    """X's files with no link in any post: url clicks 0, no URL in the text."""
    for path in folder.glob("tweet_activity_metrics_*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        clicks, text = header.index("url clicks"), header.index("Tweet text")
        for row in rows[1:]:
            row[clicks] = "0"
            row[text] = re.sub(r"https?://\S+", "", row[text]).strip()
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(rows)


def _no_signups(folder: Path) -> None:
    """The sign-ups export with its header and no row."""
    path = folder / "newsletter_signups.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


#: case -> (period: "omit", (start, end) or None; files to delete; a change to the files; expected outcome)
CASES = {
    "period-omitted": ("omit", [], None, "ok"),
    "one-month": (("2025-06-01", "2025-06-30"), [], None, "ok"),
    "three-months": (("2025-04-01", "2025-06-30"), [], None, "ok"),
    "longer-than-data": (("2024-07-01", "2026-06-30"), [], None, "ok"),
    "posts-part-of-period": (None, [r"Facebook Insights Data Export \(Post", X_PARTS], None, "ok"),
    "one-platform": (None, [r"^Facebook"], None, "ok"),
    "no-traffic": (None, [r"^ga4_"], None, "ok"),
    "posts-without-links": (None, [r"^Facebook"], _without_links, "ok"),
    "no-outcome-in-period": (("2026-01-01", "2026-03-31"), [], None,
                             "client.yml goal.kpis[0].outcome: no outcome 'registration' from 2026-01-01 to 2026-03-31"),
    "kpi-without-events": (None, [], _no_signups,
                           "client.yml goal.kpis[0].outcome: no outcome 'registration' in outcomes; found: order"),
}


def _make(root: Path, name: str, period, drop, change) -> Path:
    folder = root / name
    shutil.copytree(SAMPLE, folder)
    (folder / "truth.yml").unlink(missing_ok=True)
    for path in list(folder.iterdir()):
        if any(re.search(pattern, path.name) for pattern in drop):
            path.unlink()
    if change is not None:
        change(folder)
    text = (folder / "client.yml").read_text(encoding="utf-8").replace("client: brightpaw", f"client: {name}")
    if period == "omit":
        text = re.sub(r"(?m)^period:.*\n", "", text)
    elif period is not None:
        text = re.sub(r"(?m)^period:.*$", f"period: {{start: {period[0]}, end: {period[1]}}}", text)
    (folder / "client.yml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("matrix")
    folders = [_make(root, name, period, drop, change) for name, (period, drop, change, _) in CASES.items()]
    out = root / "out"
    summary = run_batch([str(f) for f in folders], out=out, jobs=2, progress=False)
    return summary.set_index("client"), out


@pytest.mark.parametrize("case", [c for c, spec in CASES.items() if spec[3] == "ok"])
def test_case_renders_every_notebook_without_an_error(rendered, case):
    summary, out = rendered
    row = summary.loc[case]
    assert row["status"] == "ok", row["message"]
    for path in sorted((out / case / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
        assert not errors, (path.name, errors[:1])
        streams = " ".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                           if o.output_type == "stream")
        assert "Traceback" not in streams


@pytest.mark.parametrize("case", [c for c, spec in CASES.items() if spec[3] != "ok"])
def test_case_stops_in_the_check_with_one_named_problem(rendered, case):
    summary, out = rendered
    row = summary.loc[case]
    assert row["status"] == "failed"
    assert pd.isna(row["notebook"])
    assert row["message"].startswith(f"not ready: {CASES[case][3]}")
    assert row["message"].count("; client.yml") == 0  # one problem
    assert not (out / case / "notebooks").exists()


def _figures(out: Path, case: str) -> dict:
    return json.loads((out / case / "key_figures.json").read_text(encoding="utf-8"))


def test_period_left_out_is_what_the_exports_cover(rendered):
    _, out = rendered
    goal = (out / "period-omitted" / "goal.yml").read_text(encoding="utf-8")
    assert "start: '2025-01-01'" in goal and "end: '2025-12-31'" in goal


@pytest.mark.parametrize("case", ["one-month", "posts-part-of-period"])
def test_too_short_data_says_so_in_the_headline_and_shows_no_lag(rendered, case):
    _, out = rendered
    figures = _figures(out, case)
    assert figures["summary"]["headline"] == (
        "Create content -> get engagement -> registration? Not enough data to tell whether engagement precedes "
        "registration (the engagement and registration data cover 30 days together, and at least 84 are needed: "
        "56 days with registration, each with the 28 days of engagement before it).")
    for verdict in figures["correlation"]["verdicts"]:
        assert verdict["verdict"] == "not enough data"
        assert verdict["lag"] is None and verdict["min_detectable_effect"] is None


def test_one_month_has_no_placebo_test_and_says_why(rendered):
    _, out = rendered
    impact = _figures(out, "one-month")["correlation"]["impact"]
    assert impact["placebo"] is True and impact["change"] is None
    assert impact["sentence"].startswith("Placebo test (nothing changed on this day): the effect on registration "
                                         "could not be estimated: not enough data for a placebo test")


def test_exports_covering_part_of_the_period_are_named_in_the_appendix(rendered):
    _, out = rendered
    html = (out / "posts-part-of-period" / "report.html").read_text(encoding="utf-8")
    appendix = html[html.index("What the data lacks"):]
    assert "posts exports: cover 2025-06-01 to 2025-06-30: 30 of the 365 days of the period" in appendix
