"""The report's page (executive summary, contents, the three sections, the methods appendix) and the portfolio's.

Everything on the page is escaped text or nbconvert's rendering of the
executed notebooks (whose tables pandas escapes): no script, no request to the
network, the logo inlined as a ``data:`` URI, the brand colour in the inline
stylesheet, and a print stylesheet so that a browser prints the page cleanly.
The portfolio page of a batch (:func:`portfolio_page`) is self-contained the
same way, and shows the key figures as the summary does.
"""

from __future__ import annotations

import base64
import functools
import html
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import pandas as pd
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from engagekit.tables.client import DEFAULT_PRIMARY_COLOUR, HEX_COLOUR, Branding
from engagekit.analyses.evidence.verdict import effect_unit, verdict_sentences
from engagekit.report.key_figures import SUMMARY_KEYS

__all__ = ["APPENDIX_TAG", "HIDDEN_TAGS", "logo_data_uri", "notebook_html", "page", "portfolio_page", "summary_html"]

#: Cells with one of these tags are left out of the report.
HIDDEN_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell", "hide-in-report"})
#: Cells with this tag leave their section for the methods-and-caveats appendix.
APPENDIX_TAG = "appendix"
_APPENDIX_HEADING = re.compile(r"\A\s*#+\s*methods and caveats\s*\n", re.IGNORECASE)


def logo_data_uri(branding: Branding) -> str | None:
    """The client's logo as a ``data:`` URI (nothing for the page to fetch), or None without a logo."""
    if branding.logo is None:
        return None
    encoded = base64.b64encode(Path(branding.logo).read_bytes()).decode("ascii")
    return f"data:{branding.logo_media_type};base64,{encoded}"


class _SelectCells(Preprocessor):
    """Keep a section's cells or (``resources["appendix"]``) its appendix cells; drop hidden cells and stderr."""

    def preprocess(self, nb, resources):
        appendix = bool(resources.get("appendix"))
        cells = []
        for cell in nb.cells:
            tags = set(cell.get("metadata", {}).get("tags", []))
            if tags & HIDDEN_TAGS or (APPENDIX_TAG in tags) != appendix:
                continue
            if cell.cell_type == "code":
                cell.outputs = [
                    o for o in cell.outputs
                    if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                ]
            elif appendix and cell.cell_type == "markdown":
                cell.source = _APPENDIX_HEADING.sub("", cell.source, count=1)
            cells.append(cell)
        nb.cells = cells
        return nb, resources


@functools.cache
def _exporter() -> HTMLExporter:
    """One exporter for every section and appendix of the process: its templates are compiled once."""
    exporter = HTMLExporter(
        template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
    )
    exporter.register_preprocessor(_SelectCells(), enabled=True)
    return exporter


def notebook_html(notebook: Path, *, appendix: bool = False) -> str:
    """The executed notebook without code: its section cells, or (``appendix=True``) its appendix cells."""
    nb = nbformat.read(notebook, as_version=4)
    if appendix and not any(APPENDIX_TAG in cell.get("metadata", {}).get("tags", []) for cell in nb.cells):
        return ""
    body, _ = _exporter().from_notebook_node(nb, resources={"appendix": appendix})
    return body


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


#: How the summary's numbers are written, on the report and the portfolio alike.
_FIGURE_FORMATS = {
    "kpi_total": ",.0f", "kpi_daily_mean": ",.1f", "kpi_change": "+.0%", "posts": ",d",
    "self_promotional_share_of_posts": ".0%", "self_promotional_share_of_outcomes": ".0%",
}


def _fig(key: str, value: Any) -> str:
    """A key figure as the page shows it, marked with its key in key_figures.json's summary."""
    return f"<span class='figure' data-key='{key}'>{html.escape(format(value, _FIGURE_FORMATS[key]))}</span>"


def _e(value: Any) -> str:
    return html.escape(str(value))


def _key_numbers(summary: dict[str, Any]) -> list[str]:
    """The summary's numbers in sentences; a sentence whose numbers are missing is left out."""
    kpi = _e(summary.get("kpi") or "the KPI")
    items = []
    if not _missing(summary.get("kpi_total")) and not _missing(summary.get("kpi_daily_mean")):
        items.append(
            f"<b>{kpi}</b>: {_fig('kpi_total', summary['kpi_total'])} over the period, "
            f"{_fig('kpi_daily_mean', summary['kpi_daily_mean'])} a day on average."
        )
    if not _missing(summary.get("kpi_change")):
        change = summary["kpi_change"]
        direction = "higher" if change > 0 else "lower" if change < 0 else "no different"
        items.append(
            f"The daily {kpi} of the last four weeks against the first four weeks: "
            f"{_fig('kpi_change', change)}; the KPI ended the period {direction} than it began."
        )
    shares = ("self_promotional_share_of_posts", "posts", "self_promotional_share_of_outcomes")
    if not any(_missing(summary.get(key)) for key in shares):
        items.append(
            f"{_fig(shares[0], summary[shares[0]])} of the {_fig('posts', summary['posts'])} posts "
            "were about the company itself (offers, products, company news); they brought "
            f"{_fig(shares[2], summary[shares[2]])} of the {kpi} outcomes that could be traced to a post "
            "through its UTM tags."
        )
    return items


def _effect(row: dict[str, Any], value_key: str, kpi: str, *, interval: bool) -> str:
    value = row.get(value_key)
    if _missing(value):
        return "&ndash;"
    per = effect_unit(abs(value))
    text = f"{per * value:+.1f} {kpi} per {per:,} {row['metric']}"
    if interval and not _missing(row.get("effect_ci_low")) and not _missing(row.get("effect_ci_high")):
        text += f" (95% CI {per * row['effect_ci_low']:+.1f} to {per * row['effect_ci_high']:+.1f})"
    return html.escape(text)


def _from_json(row: dict[str, Any]) -> dict[str, Any]:
    """A verdict row read back from JSON as :func:`describe_verdict` takes it (NaN for a missing number, "" for no note)."""
    return {key: ("" if key in ("note", "group", "per_unit") else math.nan) if value is None else value
            for key, value in row.items()}


def _verdict_table(correlation: dict[str, Any], kpi: str) -> str:
    verdicts = correlation.get("verdicts") or []
    if not verdicts:
        return "<p>The outcome analysis gave no verdicts.</p>"
    rows = []
    for row in verdicts:
        lag = row.get("lag")
        cells = [
            _e(row.get("metric")), _e(row.get("verdict")), "&ndash;" if _missing(lag) else f"{int(lag)}",
            _effect(row, "effect", kpi, interval=True), _effect(row, "min_detectable_effect", kpi, interval=False),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    sentences = "".join(f"<li>{_e(s)}</li>" for s in verdict_sentences([_from_json(row) for row in verdicts], kpi=kpi))
    return (
        "<table class='verdicts'><thead><tr><th>engagement metric</th><th>verdict</th><th>leads by (days)</th>"
        f"<th>total effect on {_e(kpi)} (95% CI)</th><th>smallest total effect the data could detect</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        "<p class='legend'>How to read the table: <b>leads by</b> is the number of days after which the metric's "
        f"effect on {_e(kpi)} is largest; the <b>total effect</b> is how much more {_e(kpi)} followed that many "
        "more units of the metric, over all the days its effect lasts, with the range that holds the true effect "
        "with 95% confidence; the <b>smallest total effect the data could detect</b> is the size an effect would "
        "have needed to be found (at 80% power): a metric with no evidence may still have a smaller effect. "
        "\"Precedes\" is timing, not proof of cause."
        + (f" The model took out a trend chosen by the data: {_e(correlation['trend'])}." if correlation.get("trend") else "")
        + "</p>"
        f"<ul class='verdict-sentences'>{sentences}</ul>"
    )


def summary_html(figures: dict[str, Any]) -> str:
    """The executive summary: the goal, the key numbers in words, the headline and the verdict table."""
    summary = figures.get("summary") or dict.fromkeys(SUMMARY_KEYS)
    kpi = str(summary.get("kpi") or "the KPI")
    objective = summary.get("objective")
    if objective:
        goal = f"The goal: <b>{_e(objective)}</b>, measured by its KPI, <b>{_e(kpi)}</b>."
    else:
        goal = f"The KPI: <b>{_e(kpi)}</b>." if summary.get("kpi") else "The notebooks recorded no goal."
    numbers = "".join(f"<li>{item}</li>" for item in _key_numbers(summary))
    headline = summary.get("headline")
    return (
        "<section id='summary' class='summary'><h2>Executive summary</h2>"
        f"<p class='goal'>{goal}</p><ul class='key-numbers'>{numbers}</ul>"
        + (f"<p class='headline'>{_e(headline)}</p>" if headline else "")
        + _verdict_table(figures.get("correlation") or {}, kpi)
        + "</section>"
    )


_CSS = """
:root{--brand:%(colour)s}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1050px;margin:2em auto;padding:0 1em;color:#1d1d1f;line-height:1.5}
header{display:flex;align-items:center;gap:1em;border-bottom:3px solid var(--brand);margin-bottom:1em}
header img.logo{max-height:64px;max-width:200px}
h1{color:var(--brand);margin:.3em 0}
h2,h3{color:var(--brand)}
h2{margin-top:2em}
section.part h1,section.appendix>h2{border-bottom:2px solid var(--brand);padding-bottom:.2em}
.summary{background:#f5f7fa;border-left:5px solid var(--brand);padding:.8em 1.2em;margin:1em 0}
.summary h2{margin-top:.2em}
.figure{font-weight:700;color:var(--brand)}
.headline{font-weight:600}
.legend{font-size:.9em;color:#444}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #d0d7e2;padding:.3em .6em;text-align:right}
th{background:#e8eef6}
td:first-child,th:first-child{text-align:left}
table.verdicts td,table.verdicts th{text-align:left}
img{max-width:100%%;height:auto}
.anchor-link{display:none}
.jp-OutputArea-output{overflow-x:auto}
nav.toc ol{columns:2}
pre{white-space:pre-wrap;font-size:.85em;background:#fafafa;padding:.5em}
.jp-RenderedHTMLCommon p{margin:.4em 0}
@page{margin:15mm}
@media print{
 nav.toc{display:none}
 body{max-width:none;margin:0;padding:0;font-size:10.5pt}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 section.part,section.appendix{break-before:page;page-break-before:always}
 table,tr,img,figure,pre,.jp-OutputArea-output,.output_area{break-inside:avoid;page-break-inside:avoid}
 h1,h2,h3,h4{break-after:avoid;page-break-after:avoid}
 .jp-OutputArea-output{overflow:visible}
 table{font-size:7.5pt;max-width:100%%}
 th{overflow-wrap:anywhere}
 a{color:inherit;text-decoration:none}
}
"""


def page(
    *, figures: dict[str, Any], sections: Sequence[tuple[str, Path]], display_name: str, branding: Branding,
    data_check: Sequence[str] = (),
) -> str:
    """The report's HTML.

    Parameters
    ----------
    figures
        The client's key figures (:func:`engagekit.report.key_figures.key_figures`).
    sections
        (title, executed notebook) per section, in order.
    display_name
        The client's name as the title shows it.
    branding
        The client's logo (inlined) and primary colour (headings, borders, key numbers).
    data_check
        The warnings of the check before the report (:func:`engagekit.report.preflight.check_client`), one
        sentence each: the appendix lists them first.
    """
    if not HEX_COLOUR.fullmatch(branding.primary_colour):
        raise ValueError(f"primary colour must be #rgb or #rrggbb, not {branding.primary_colour!r}")
    name = _e(display_name)
    parts, appendix = [], []
    for i, (title, notebook) in enumerate(sections, 1):
        parts.append(f"<section class='part' id='section-{i}'>{notebook_html(notebook)}</section>")
        methods = notebook_html(notebook, appendix=True)
        if methods:
            appendix.append(f"<div class='appendix-part'><h3>{i}. {_e(title)}</h3>{methods}</div>")
    if data_check:
        items = "".join(f"<li>{_e(line)}</li>" for line in data_check)
        appendix.insert(0, "<div class='appendix-part'><h3>What the data lacks</h3><p>The check of the client's exports "
                        f"before this report found:</p><ul>{items}</ul></div>")
    toc = [("summary", "Executive summary")]
    toc += [(f"section-{i}", f"{i}. {title}") for i, (title, _) in enumerate(sections, 1)]
    toc.append(("appendix", "Appendix: methods and caveats"))
    toc_html = "".join(f"<li><a href='#{anchor}'>{_e(text)}</a></li>" for anchor, text in toc)
    uri = logo_data_uri(branding)
    logo = f"<img class='logo' alt='{name} logo' src='{uri}'>" if uri else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{name}: engagement report</title><style>{_CSS % {'colour': branding.primary_colour}}</style>"
        f"</head><body><header>{logo}<h1>{name}: does engagement lead to results?</h1></header>"
        f"{summary_html(figures)}"
        f"<nav class='toc'><h2>Contents</h2><ol>{toc_html}</ol></nav>"
        f"{''.join(parts)}"
        "<section class='appendix' id='appendix'><h2>Appendix: methods and caveats</h2>"
        f"{''.join(appendix) or '<p>No notebook noted methods or caveats.</p>'}</section>"
        "</body></html>"
    )


def _text(value: Any, spec: str = "") -> str:
    """A portfolio cell's text: a number in ``spec``, "n/a" where missing."""
    if _missing(value):
        return "n/a"
    if isinstance(value, (int, float)):
        return format(value, spec)
    return str(value)


_PORTFOLIO_CSS = f"""
body{{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em;color:#1d1d1f;line-height:1.4}}
h1,h2{{color:{DEFAULT_PRIMARY_COLOUR}}}
table{{border-collapse:collapse;font-size:.9em}}
th,td{{border:1px solid #d0d7e2;padding:.3em .6em;vertical-align:top}}
th{{background:#e8eef6;text-align:left}}
td.n{{text-align:right;white-space:nowrap}}
"""
#: The portfolio's number columns, in order (written as :data:`_FIGURE_FORMATS` says).
_PORTFOLIO_FIGURES = (
    "kpi_total", "kpi_daily_mean", "kpi_change", "self_promotional_share_of_posts", "self_promotional_share_of_outcomes",
)


def portfolio_page(frame: pd.DataFrame, failed: Sequence[dict[str, Any]]) -> str:
    """The batch's portfolio: a self-contained page (no script, nothing fetched) with every text escaped.

    Parameters
    ----------
    frame
        One row per client that succeeded: :func:`engagekit.report.key_figures.portfolio_row`
        and ``report``, the path of its report.html relative to the page.
    failed
        The summary records of the clients that failed (``client``, ``notebook``, ``cell``, ``message``).
    """
    head = ("<tr><th>client</th><th>KPI</th><th>KPI total</th><th>KPI per day</th><th>KPI change</th>"
            "<th>self-promotional share: posts</th><th>self-promotional share: outcomes</th>"
            "<th>metrics that lead to the KPI</th><th>headline</th></tr>")
    rows = []
    for row in frame.to_dict("records"):
        cells = [
            f"<td><a href=\"{_e(quote(row['report']))}\">{_e(row['display_name'])}</a></td>",
            f"<td>{_e(_text(row['kpi']))}</td>",
            *(f"<td class='n'>{_e(_text(row[key], _FIGURE_FORMATS[key]))}</td>" for key in _PORTFOLIO_FIGURES),
            f"<td>{_e(_text(row['leading_metrics']))}</td>",
            f"<td>{_e(_text(row['headline']))}</td>",
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    failures = ""
    if failed:
        items = "".join(
            "<tr>" + "".join(f"<td>{_e(_text(r[key]))}</td>" for key in ("client", "notebook", "cell", "message"))
            + "</tr>"
            for r in failed
        )
        failures = (f"<h2>Failed ({len(failed)})</h2><table><thead><tr><th>client</th><th>notebook</th>"
                    f"<th>cell</th><th>message</th></tr></thead><tbody>{items}</tbody></table>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Portfolio: engagement reports</title>"
        f"<style>{_PORTFOLIO_CSS}</style></head><body><h1>Portfolio: does engagement lead to results?</h1>"
        f"<p>{len(frame)} client report(s); the client's name opens its report.</p>"
        f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>{failures}</body></html>"
    )
