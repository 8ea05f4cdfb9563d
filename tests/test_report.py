"""The client report: three notebooks rendered into one self-contained, branded HTML, and failures named.

One render serves the module: the sample client copied with a logo and a colour in
its client.yml, and three of its posts holding markup as their text.
"""

import base64
import csv
import html
import json
import re
import shutil

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from engagekit import classify_posts, load_client, ranked_posts
from engagekit.report.chromium import dump_dom, find_chromium
from engagekit.cli import main
from engagekit.report.key_figures import SCHEMA_VERSION, SUMMARY_KEYS
from engagekit.teaching.recovery import score_verdicts
from engagekit.report.render import NOTEBOOKS, RenderedReport, ReportError, render_report

from paths import NOTEBOOKS as NOTEBOOK_DIR
from paths import SAMPLE

COLOUR = "#c0392b"
SCRIPT = "<script>document.title='pwned'</script>"
IMAGE = "<img src=x onerror=\"document.title='pwned'\">"
BOLD = "<b>bold claim</b> about dogs"
TITLE = "BrightPaw Pet Supply: engagement report"
needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="no Chromium on PATH (Debian: apt-get install chromium; `make test` installs it when run as root)",
)


def _plant_markup(folder, texts):
    """Give the posts with the most likes among those that led to nothing (the report lists them) ``texts``."""
    dataset = load_client(folder)
    classes = classify_posts(dataset.posts, labels=dataset.labels)
    ranked = ranked_posts(dataset.posts, classes, dataset.outcomes, outcome="registration")
    bottom = ranked.loc[ranked["position"] == "bottom", "post_id"].head(len(texts))
    wanted = dict(zip(bottom, texts, strict=True))
    files = dataset.posts.loc[dataset.posts["post_id"].isin(wanted), "source_file"].unique()
    for name in files:
        path = folder / name
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        ids, text = rows[0].index("Post ID"), rows[0].index("Post Message")
        for row in rows:
            if row[ids] in wanted:
                row[text] = wanted[row[ids]]
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clients") / "brightpaw"
    shutil.copytree(SAMPLE, folder)
    plt.imsave(folder / "logo.png", np.full((4, 8, 3), 0.5))
    with (folder / "client.yml").open("a", encoding="utf-8") as handle:
        handle.write(f'branding:\n  logo: logo.png\n  primary_colour: "{COLOUR}"\n')
    _plant_markup(folder, [SCRIPT, IMAGE, BOLD])
    return folder


@pytest.fixture(scope="module")
def rendered(client, tmp_path_factory):
    return render_report(client, out=tmp_path_factory.mktemp("reports"), parameters={"n_boot": 200})


@pytest.fixture(scope="module")
def page(rendered):
    return rendered.html.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def figures(rendered):
    return json.loads(rendered.key_figures.read_text(encoding="utf-8"))


def _between(page, start, end):
    return page[page.index(start):page.index(end)]


def test_report_is_written_beside_the_executed_notebooks(rendered):
    assert rendered.html.name == "report.html"
    assert rendered.html.parent.name == "brightpaw"
    assert [p.name for p in rendered.notebooks] == [name for name, _ in NOTEBOOKS]


def test_report_is_self_contained_and_shows_no_code(page):
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert page.count("data:image/png;base64,") >= 6
    assert "import engagekit" not in page and "ek.open_analysis" not in page


def test_key_figures_have_the_summary_and_the_sections(figures):
    assert list(figures)[:4] == ["schema_version", "client", "display_name", "summary"]
    assert (figures["schema_version"], figures["client"], figures["display_name"]) == (
        SCHEMA_VERSION, "brightpaw", "BrightPaw Pet Supply")
    assert tuple(figures["summary"]) == SUMMARY_KEYS
    assert {"goal", "audit", "correlation"} <= set(figures)


def test_summary_numbers_on_the_page_are_those_of_key_figures(page, figures):
    s = figures["summary"]
    shown = dict(re.findall(r"data-key='(\w+)'>([^<]*)<", _between(page, "id='summary'", "<nav")))
    assert shown == {
        "kpi_total": f"{s['kpi_total']:,.0f}", "kpi_daily_mean": f"{s['kpi_daily_mean']:,.1f}",
        "kpi_change": f"{s['kpi_change']:+.0%}", "posts": f"{s['posts']:,d}",
        "self_promotional_share_of_posts": f"{s['self_promotional_share_of_posts']:.0%}",
        "self_promotional_share_of_outcomes": f"{s['self_promotional_share_of_outcomes']:.0%}",
    }


def test_summary_comes_first_with_goal_headline_and_verdicts(page, figures):
    summary = _between(page, "id='summary'", "<nav")
    assert page.index("id='summary'") < page.index("<nav") < page.index("id='section-1'")
    assert "The goal: <b>registrations</b>, measured by its KPI, <b>registration</b>." in summary
    assert html.escape(figures["summary"]["headline"]) in summary
    lead = next(v for v in figures["correlation"]["verdicts"] if v["metric"] == "link_clicks")
    assert lead["verdict"] == "leads to the KPI" and 0.01 < lead["effect"] < 0.1  # shown per 100 clicks
    assert (f"<td>link_clicks</td><td>leads to the KPI</td><td>{lead['lag']}</td>"
            f"<td>{100 * lead['effect']:+.1f} registration per 100 link_clicks "
            f"(95% CI {100 * lead['effect_ci_low']:+.1f} to {100 * lead['effect_ci_high']:+.1f})</td>") in summary
    assert summary.count("<tr><td>") == len(figures["correlation"]["verdicts"])


def test_contents_list_the_sections_and_the_appendix(page):
    nav = _between(page, "<nav", "</nav>")
    anchors = re.findall(r"href='#([\w-]+)'", nav)
    assert anchors == ["summary", "section-1", "section-2", "section-3", "appendix"]
    assert all(f"id='{anchor}'" in page for anchor in anchors)


@pytest.mark.parametrize("phrase", [
    "counts each visitor once, at the furthest step reached in order",  # 01
    "earn nothing attributed, so the shares of outcomes describe tagged posts only",  # 02
    "robust to days that resemble their neighbours",  # 03
])
def test_methods_cells_are_in_the_appendix_not_in_the_sections(page, phrase):
    sections, appendix = page[:page.index("id='appendix'")], page[page.index("id='appendix'"):]
    assert phrase in appendix
    assert phrase not in sections


def test_every_notebook_has_one_appendix_cell():
    for name, _ in NOTEBOOKS:
        nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
        tagged = [c for c in nb.cells if "appendix" in c.metadata.get("tags", [])]
        assert [c.cell_type for c in tagged] == ["markdown"], name
        assert tagged[0].source.startswith("## Methods and caveats"), name


def test_logo_is_inlined_and_colour_applied(page, client):
    logo = base64.b64encode((client / "logo.png").read_bytes()).decode("ascii")
    assert f"src='data:image/png;base64,{logo}'" in page
    assert "logo.png" not in page
    style = _between(page, "<style>", "</style>")
    assert f"--brand:{COLOUR}" in style and "h1{color:var(--brand)" in style
    assert "<title>BrightPaw Pet Supply: engagement report</title>" in page


def test_print_stylesheet_hides_navigation_and_keeps_tables_whole(page):
    style = _between(page, "<style>", "</style>")
    print_css = style[style.index("@media print{"):]
    for rule in ("nav.toc{display:none}", "section.part,section.appendix{break-before:page",
                 "table,tr,img,figure,pre,.jp-OutputArea-output,.output_area{break-inside:avoid",
                 "print-color-adjust:exact"):
        assert rule in print_css


def test_audit_headlines_are_not_repeated(figures):
    headlines = figures["audit"]["headlines"]
    assert len(headlines) == len(set(headlines)) >= 2
    assert headlines[0].startswith("45% of your posts were about yourselves")


def test_each_notebook_was_given_only_its_own_parameters(rendered):
    injected = {}
    for path in rendered.notebooks:
        cell = next(c for c in nbformat.read(path, as_version=4).cells
                    if "injected-parameters" in c.metadata.get("tags", []))
        injected[path.name] = cell.source
    assert "n_boot = 200" in injected["03_outcome_correlation.ipynb"]
    assert "n_boot" not in injected["01_goal_definition.ipynb"] and "n_boot" not in injected["02_content_audit.ipynb"]


def test_markup_in_post_text_is_escaped_text(page):
    for text in (SCRIPT, IMAGE, BOLD):
        assert f"<td>{html.escape(text, quote=False)}</td>" in page
        assert text not in page
    assert "<img src=x" not in page and "<b>bold claim" not in page


@needs_chromium
def test_browser_runs_no_script_and_builds_no_element_from_data(rendered):
    dom = dump_dom(rendered.html)
    assert f"<title>{TITLE}</title>" in dom
    assert "pwned</title>" not in dom
    assert "<script" not in dom.lower() and "onerror" not in re.sub(r"&lt;img[^<]*", "", dom)
    assert "<b>bold claim</b>" not in dom and not re.search(r"<img[^>]*src=\"x\"", dom)
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "&lt;b&gt;bold claim&lt;/b&gt; about dogs" in dom


@pytest.fixture
def rendered_copy(rendered, tmp_path, monkeypatch):
    """The CLI's report command, rendering nothing: it returns a copy of the module's report."""
    html_path = tmp_path / "report.html"
    shutil.copy(rendered.html, html_path)
    copy = RenderedReport(html=html_path, key_figures=rendered.key_figures, notebooks=rendered.notebooks)
    monkeypatch.setattr("engagekit.report.render.render_report", lambda *args, **kwargs: copy)
    return copy


@needs_chromium
def test_pdf_flag_prints_the_report_with_chromium(rendered_copy, capsys):
    assert main(["report", "client", "--out", "ignored", "--pdf"]) == 0
    pdf = rendered_copy.html.with_name("report.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert capsys.readouterr().out.splitlines() == [str(rendered_copy.html), str(pdf)]


def test_pdf_flag_without_chromium_keeps_the_html_and_says_so(rendered_copy, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "no-browsers-here"))
    assert main(["report", "client", "--out", "ignored", "--pdf"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [str(rendered_copy.html)]
    assert "no Chromium found" in err and "apt-get install chromium" in err and "No PDF was written" in err
    assert not rendered_copy.html.with_name("report.pdf").exists()


def test_notebook_03_recovers_the_planted_truth(figures):
    truth = yaml.safe_load((SAMPLE / "truth.yml").read_text())
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
    assert "cell 4 (raise ValueError('the export is empty'))" in message  # inserted at index 3: the 4th cell
    assert "ValueError: the export is empty" in message
    assert (err.value.notebook, err.value.cell, err.value.error) == (
        "01_goal_definition.ipynb", 4, "ValueError: the export is empty")
    assert err.value.cell_source == "raise ValueError('the export is empty')"
    kept = tmp_path / "out" / "brightpaw" / "notebooks" / NOTEBOOKS[0][0]
    assert kept.is_file()
    assert not (tmp_path / "out" / "brightpaw" / "report.html").exists()


def test_failing_report_exits_non_zero_with_the_message(tmp_path, broken_notebooks, capsys):
    code = main(["report", str(SAMPLE), "--out", str(tmp_path / "out"), "--notebooks", str(broken_notebooks)])
    assert code == 1
    assert "01_goal_definition.ipynb failed in cell 4" in capsys.readouterr().err
