"""Render a client's report: run notebooks 01 -> 02 -> 03 with papermill, then one self-contained HTML.

The HTML holds no code (nbconvert's no-input export, stderr and parameter
cells removed), inlines its figures and its stylesheet, and loads nothing
from the network: it has no script at all.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from .client import read_config
from .context import read_key_figures
from .errors import EngagekitError

__all__ = ["NOTEBOOKS", "ReportError", "RenderedReport", "render_report", "notebooks_dir", "safe_name"]

NOTEBOOKS: tuple[tuple[str, str], ...] = (
    ("01_goal_definition.ipynb", "The goal and the funnel"),
    ("02_content_audit.ipynb", "Content audit"),
    ("03_outcome_correlation.ipynb", "Does engagement lead to the KPI?"),
)
HIDDEN_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell", "hide-in-report"})


class ReportError(EngagekitError):
    """A notebook failed; names the notebook, the cell and the message, and where the partial notebook is."""


@dataclass(frozen=True)
class RenderedReport:
    """Paths of what :func:`render_report` wrote."""

    html: Path
    key_figures: Path
    notebooks: tuple[Path, ...]


def notebooks_dir() -> Path:
    """The notebooks folder of this checkout of engagekit."""
    return Path(__file__).resolve().parent.parent / "notebooks"


def safe_name(name: str) -> str:
    """A folder name from a client name that cannot leave the output folder."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return cleaned or "client"


class _StripForReport(Preprocessor):
    """Drop parameter cells, cells tagged hide-in-report and stderr streams from the report."""

    def preprocess(self, nb, resources):
        cells = []
        for cell in nb.cells:
            tags = set(cell.get("metadata", {}).get("tags", []))
            if tags & HIDDEN_TAGS:
                continue
            if cell.cell_type == "code":
                cell.outputs = [
                    o for o in cell.outputs
                    if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                ]
            cells.append(cell)
        nb.cells = cells
        return nb, resources


def _body(notebook: Path) -> str:
    exporter = HTMLExporter(
        template_name="basic", exclude_input=True, exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(_StripForReport(), enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    return body


def _run(name: str, source: Path, target: Path, parameters: dict[str, Any], cwd: Path) -> None:
    try:
        papermill.execute_notebook(
            str(source), str(target), parameters=parameters, cwd=str(cwd),
            progress_bar=False, log_output=False, report_mode=True,
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except papermill.PapermillExecutionError as err:
        raise ReportError(
            f"notebook {name} failed in cell {err.cell_index} (execution count {err.exec_count}): "
            f"{err.ename}: {err.evalue}. The partly executed notebook is kept at {target}"
        ) from None


def render_report(
    client: str | Path,
    *,
    out: str | Path,
    notebooks: str | Path | None = None,
    parameters: dict[str, Any] | None = None,
) -> RenderedReport:
    """Run the three notebooks for ``client`` and write ``<out>/<client>/report.html``.

    Parameters
    ----------
    client
        The client folder (or its client.yml).
    out
        The output folder; the report goes to a sub-folder named after the client.
    notebooks
        The folder holding the notebooks (default: this checkout's notebooks/).
    parameters
        Extra notebook parameters (period_start, period_end, kpi, max_lag, seed).

    Returns
    -------
    RenderedReport
        Paths of report.html, key_figures.json and the executed notebooks.

    Raises
    ------
    ReportError
        When a notebook fails: names the notebook and the cell.
    """
    config = read_config(client)
    source_dir = Path(notebooks) if notebooks is not None else notebooks_dir()
    target = Path(out).resolve() / safe_name(config.client)
    executed_dir = target / "notebooks"
    executed_dir.mkdir(parents=True, exist_ok=True)
    params = {"client": str(config.folder.resolve()), "output_dir": str(target)}
    params.update(parameters or {})
    executed = []
    for name, _title in NOTEBOOKS:
        path = executed_dir / name
        _run(name, source_dir / name, path, params, source_dir)
        executed.append(path)
    figures = read_key_figures(target)
    figures_path = target / "key_figures.json"
    figures_path.write_text(json.dumps(figures, indent=2, sort_keys=True), encoding="utf-8")
    html_path = target / "report.html"
    html_path.write_text(_page(config.display_name, figures, executed), encoding="utf-8")
    return RenderedReport(html=html_path, key_figures=figures_path, notebooks=tuple(executed))


def _summary(figures: dict[str, Any]) -> str:
    items = []
    for section in ("goal", "audit", "correlation"):
        for sentence in figures.get(section, {}).get("headlines", []):
            items.append(f"<li>{html.escape(str(sentence))}</li>")
    rows = []
    for verdict in figures.get("correlation", {}).get("verdicts", []):
        cells = [verdict.get("metric"), verdict.get("verdict"), verdict.get("lag"), verdict.get("r")]
        cells = ["" if c is None else (f"{c:.2f}" if isinstance(c, float) else str(c)) for c in cells]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    table = ""
    if rows:
        table = (
            "<table class='verdicts'><thead><tr><th>engagement metric</th><th>verdict</th>"
            "<th>lag (days)</th><th>r</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
    return f"<ul class='headlines'>{''.join(items)}</ul>{table}"


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1050px;margin:2em auto;padding:0 1em;color:#1d1d1f;line-height:1.5}
h1{color:#1f4e79;border-bottom:3px solid #1f4e79;padding-bottom:.2em}
h2{color:#1f4e79;margin-top:2em}
.summary{background:#f2f6fb;border-left:5px solid #1f4e79;padding:.8em 1.2em;margin:1em 0}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #d0d7e2;padding:.3em .6em;text-align:right}
th{background:#e8eef6}
td:first-child,th:first-child{text-align:left}
img{max-width:100%;height:auto}
.anchor-link{display:none}
.jp-OutputArea-output{overflow-x:auto}
nav ol{columns:2}
pre{white-space:pre-wrap;font-size:.85em;background:#fafafa;padding:.5em}
.jp-RenderedHTMLCommon p{margin:.4em 0}
@media print{nav{display:none}section{page-break-before:always}body{max-width:none}}
"""


def _page(title: str, figures: dict[str, Any], notebooks: list[Path]) -> str:
    toc = "".join(f"<li><a href='#section-{i}'>{html.escape(t)}</a></li>" for i, (_, t) in enumerate(NOTEBOOKS, 1))
    sections = "".join(
        f"<section id='section-{i}'>{_body(path)}</section>"
        for i, path in enumerate(notebooks, 1)
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}: engagement report</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}: does engagement lead to results?</h1>"
        f"<div class='summary'><h2>Executive summary</h2>{_summary(figures)}</div>"
        f"<nav><h2>Contents</h2><ol>{toc}</ol></nav>{sections}</body></html>"
    )
