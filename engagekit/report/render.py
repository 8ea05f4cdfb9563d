"""Render a client's report: run notebooks 01 -> 02 -> 03 with papermill, then one self-contained HTML.

The parameters are checked against each notebook's parameters cell before any
notebook runs, and each notebook is given only the parameters it declares.
The HTML (:mod:`engagekit.report.html`) holds no code and no script, inlines
its figures, logo and stylesheet, and loads nothing from the network;
:func:`write_pdf` prints it with the system's Chromium.
"""

from __future__ import annotations

import ast
import json
import numbers
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import strip_color

from engagekit.report.chromium import print_to_pdf
from engagekit.tables.client import ClientConfig, read_config
from engagekit.analyses.context import read_key_figures
from engagekit.core.errors import ClientNotReady, EngagekitError
from engagekit.report.key_figures import key_figures
from engagekit.report.preflight import check_client
from engagekit.report.html import page

__all__ = [
    "NOTEBOOKS", "RESERVED_PARAMETERS", "RenderedReport", "ReportError", "check_parameters", "notebook_parameters",
    "notebooks_dir", "parse_parameters", "render_report", "safe_name", "write_pdf",
]

NOTEBOOKS: tuple[tuple[str, str], ...] = (
    ("01_goal_definition.ipynb", "The goal and the funnel"),
    ("02_content_audit.ipynb", "Content audit"),
    ("03_outcome_correlation.ipynb", "Does engagement lead to the KPI?"),
)
#: Parameters the report sets itself: the client's folder and the report's folder.
RESERVED_PARAMETERS = ("client", "output_dir")


class ReportError(EngagekitError):
    """A report could not be rendered: names the notebook, the cell and the message.

    Attributes
    ----------
    notebook
        The notebook at fault (file name), where one is.
    cell
        Where a cell failed: its position in the *source* notebook as JupyterLab shows it
        when the notebook is opened, counting from 1 and counting every cell, markdown
        included (:func:`_source_position`); None where no cell failed, or for the
        parameters cell papermill injects (it is not in the source notebook).
    error
        The error alone, as the last line of a traceback gives it (e.g.
        ``"ValueError: the export is empty"``), on one line and cut to
        :data:`MAX_ERROR_CHARS` characters, its start kept; without where it happened.
    cell_source
        The failed cell's first line of code (comments and blank lines skipped), shortened.
    """

    def __init__(self, message: str, *, notebook: str | None = None, cell: int | None = None,
                 error: str | None = None, cell_source: str | None = None):
        super().__init__(message)
        self.notebook, self.cell, self.error = notebook, cell, error
        self.cell_source = cell_source


@dataclass(frozen=True)
class RenderedReport:
    """Paths of what :func:`render_report` wrote."""

    html: Path
    key_figures: Path
    notebooks: tuple[Path, ...]


def notebooks_dir() -> Path:
    """The folder of engagekit's own notebooks (:data:`NOTEBOOKS`), found as package data.

    The notebooks are the package's ``notebooks`` folder, looked up with
    :func:`importlib.resources.files`: in a checkout (an editable install) it is a
    link to the top-level notebooks/, in an installed wheel a copy of them.

    Returns
    -------
    Path
        The folder holding the notebooks (links resolved).

    Raises
    ------
    ReportError
        When engagekit is installed where its files are not on the file system
        (e.g. in a zip archive): papermill reads the notebooks from a folder,
        which ``--notebooks`` (``notebooks=``) then names.
    """
    folder = resources.files("engagekit.report").joinpath("notebooks")
    if not isinstance(folder, Path):
        raise ReportError(f"engagekit's notebooks are not in a folder on disk ({folder}); name one with --notebooks")
    return folder.resolve()


def safe_name(name: str) -> str:
    """A folder name from a client name that cannot leave the output folder.

    Only ASCII letters, digits, ``.``, ``_`` and ``-`` are kept (any other run
    of characters, path separators, NUL and non-ASCII letters included,
    becomes one ``-``); leading and trailing dots and dashes go, so the
    result is never ``.``, ``..`` or hidden. An empty result is ``client``.
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return cleaned or "client"


_TYPE_NAMES = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}


def notebook_parameters(notebook: str | Path) -> dict[str, type | None]:
    """The parameters a notebook's ``parameters`` cell declares, with the type each takes.

    The type is the cell's annotation where it has one, else the type of the
    default value (``7`` -> int, ``""`` -> str); None where neither tells
    (a default of ``None`` or an expression): any value is taken.
    """
    declared = {}
    for name, info in papermill.inspect_notebook(str(notebook)).items():
        kind = _TYPE_NAMES.get(str(info.get("inferred_type_name")))
        if kind is None:
            try:
                default = ast.literal_eval(str(info.get("default")))
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                default = None
            kind = None if default is None else type(default)
        declared[name] = kind
    return declared


def _source_dir(notebooks: str | Path | None) -> Path:
    """The folder holding the notebooks of :data:`NOTEBOOKS`: ``notebooks``, else :func:`notebooks_dir`."""
    return Path(notebooks) if notebooks is not None else notebooks_dir()


def _declared(notebooks: str | Path | None) -> dict[str, dict[str, type | None]]:
    """Notebook file name -> the parameters its parameters cell declares (:func:`notebook_parameters`)."""
    folder = _source_dir(notebooks)
    return {name: notebook_parameters(folder / name) for name, _ in NOTEBOOKS}


def _accepts(kind: type | None, value: Any) -> bool:
    """Whether ``value`` fits a parameter of type ``kind`` (an int fits a float; a bool is no number)."""
    if kind is None:
        return True
    if isinstance(value, bool) or kind is bool:
        return isinstance(value, bool) and kind is bool
    if kind is int:
        return isinstance(value, numbers.Integral)
    if kind is float:
        return isinstance(value, numbers.Real)
    return isinstance(value, kind)


def check_parameters(
    parameters: dict[str, Any] | None, *, notebooks: str | Path | None = None,
) -> dict[str, dict[str, Any]]:
    """Check the report's parameters against each notebook's parameters cell, and split them.

    Parameters
    ----------
    parameters
        Parameter name -> value, for the report as a whole.
    notebooks
        The folder holding the notebooks of :data:`NOTEBOOKS` (default: engagekit's own, :func:`notebooks_dir`).

    Returns
    -------
    dict
        Notebook file name -> the parameters that notebook declares (possibly none).

    Raises
    ------
    ReportError
        A name no notebook declares (listing the notebooks and the names they
        allow), a name the report sets itself (``client``, ``output_dir``), or
        a value of the wrong type (naming the notebook and its default's type).
    """
    parameters = dict(parameters or {})
    declared = _declared(notebooks)
    reserved = sorted(set(parameters) & set(RESERVED_PARAMETERS))
    if reserved:
        raise ReportError(
            f"parameter(s) {reserved} are set by the report itself (the client's folder and the report's "
            "folder); give the client folder and --out instead",
            error=f"reserved parameter(s) {reserved}",
        )
    allowed = sorted({p for names in declared.values() for p in names} - set(RESERVED_PARAMETERS))
    unknown = sorted(set(parameters) - set(allowed))
    if unknown:
        raise ReportError(
            f"unknown parameter(s) {unknown}: not in the parameters cell of {', '.join(declared)}; "
            f"allowed: {allowed}",
            error=f"unknown parameter(s) {unknown}",
        )
    split: dict[str, dict[str, Any]] = {}
    for notebook, names in declared.items():
        split[notebook] = {}
        for name, value in parameters.items():
            if name not in names:
                continue
            if not _accepts(names[name], value):
                kind = names[name].__name__
                raise ReportError(
                    f"parameter {name!r} of {notebook} takes {kind}"
                    f"{' (a whole number or a decimal)' if kind == 'float' else ''}, "
                    f"not {type(value).__name__} {value!r}",
                    notebook=notebook, error=f"parameter {name!r} takes {kind}, not {type(value).__name__}",
                )
            split[notebook][name] = value
    return split


_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def parse_parameters(pairs: list[str], *, notebooks: str | Path | None = None) -> dict[str, Any]:
    """``NAME=VALUE`` pairs (the command line's ``-p``) as parameters of the type each notebook declares.

    A value is converted to the type of the parameter's default (``max_lag=14`` -> 14,
    ``seed=0`` -> 0, ``kpi=registration`` stays text); a name no notebook declares
    stays text, for :func:`check_parameters` to refuse.

    Raises
    ------
    ReportError
        A pair without ``=``, or a value that is not of its parameter's type.
    """
    declared: dict[str, type | None] = {}
    for names in _declared(notebooks).values():
        for parameter, kind in names.items():
            declared.setdefault(parameter, kind)
    parsed: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ReportError(f"a parameter is given as NAME=VALUE, not {pair!r}")
        kind = declared.get(name)
        try:
            if kind is bool:
                parsed[name] = _BOOLS[text.strip().lower()]
            elif kind in (int, float):
                parsed[name] = kind(text)
            else:
                parsed[name] = text
        except (KeyError, ValueError):
            raise ReportError(f"parameter {name!r} takes {kind.__name__}, not {text!r}") from None
    return parsed


#: Longest error text (type and message) a failure message quotes; a longer one is cut, its start kept.
MAX_ERROR_CHARS = 300
#: Longest first line of a failed cell's code a failure message quotes.
MAX_CODE_CHARS = 100
_INJECTED_TAG = "injected-parameters"
_PARAMETERS_TAG = "parameters"
_ERROR_MARKER_TAG = "papermill-error-cell-tag"


def _shorten(text: str, *, limit: int) -> str:
    """``text`` on one line (every run of white space one space), cut to ``limit`` characters with "..."."""
    flat = " ".join(strip_color(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


def _first_code_line(source: str) -> str:
    """A cell's first line of code: the first line that is neither blank nor a comment (else the first non-blank)."""
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    code = next((line for line in lines if not line.startswith("#")), lines[0] if lines else "")
    return _shorten(code, limit=MAX_CODE_CHARS)


def _source_position(source: Path, err: papermill.PapermillExecutionError, *, parameterized: bool) -> int | None:
    """Where the cell papermill reports as failed sits in the source notebook, as JupyterLab shows it.

    papermill's ``cell_index`` counts from 0 over the notebook it ran, which is
    not the source notebook: with parameters given, papermill adds a cell tagged
    ``injected-parameters`` right after the cell tagged ``parameters`` (at the
    top where there is none), or puts it in place of the source's own injected
    cell; then it drops the cells tagged ``papermill-error-cell-tag`` (the
    markers of an earlier failure). The same steps are taken here over the
    source's cells to map the index back.

    Returns
    -------
    int or None
        The position counting from 1, every cell counted (markdown, raw and
        code): the cell number a user counts to in JupyterLab. None for the
        injected cell itself, which the source notebook does not hold.
    """
    try:
        cells = nbformat.read(source, as_version=4).cells
    except (OSError, ValueError):  # the source cannot be read again: no position rather than a wrong one
        return None
    tags = [set(cell.get("metadata", {}).get("tags", [])) for cell in cells]
    positions: list[int | None] = list(range(1, len(cells) + 1))
    if parameterized and not any(_INJECTED_TAG in t for t in tags):
        at = next((i + 1 for i, t in enumerate(tags) if _PARAMETERS_TAG in t), 0)
        positions.insert(at, None)
        tags.insert(at, {_INJECTED_TAG})
    ran = [position for position, t in zip(positions, tags, strict=True) if _ERROR_MARKER_TAG not in t]
    position = ran[err.cell_index] if 0 <= err.cell_index < len(ran) else None
    if position is not None and cells[position - 1].source == err.source:
        return position
    same = [i for i, cell in enumerate(cells, 1) if cell.cell_type == "code" and cell.source == err.source]
    return same[0] if len(same) == 1 else position  # found by its code where papermill added cells otherwise


def _run(name: str, source: Path, target: Path, parameters: dict[str, Any], cwd: Path) -> None:
    """Run one notebook with papermill into ``target``.

    Raises
    ------
    ReportError
        When a cell fails: the notebook, the cell's position in the source notebook
        (counting from 1, every cell counted, markdown included: the number JupyterLab
        users count to when they open ``source``), its first line of code, and the
        error's type and message, the message cut to :data:`MAX_ERROR_CHARS` characters.
    """
    try:
        papermill.execute_notebook(
            str(source), str(target), parameters=parameters, cwd=str(cwd),
            progress_bar=False, log_output=False, report_mode=True,
            # the kernel's own log stays quiet: at shutdown ipykernel logs the interrupt it is sent
            # ("KeyboardInterrupt caught in kernel") at ERROR; a failing cell is reported by papermill
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except papermill.PapermillExecutionError as err:
        cell = _source_position(source, err, parameterized=bool(parameters))
        code = _first_code_line(err.source or "")
        error = _shorten(f"{err.ename}: {err.evalue}" if err.evalue else str(err.ename), limit=MAX_ERROR_CHARS)
        where = f"cell {cell}" if cell is not None else "the parameters cell papermill added"
        raise ReportError(
            f"notebook {name} failed in {where}" + (f" ({code})" if code else "") + f": {error}"
            + ("" if error.endswith(".") else ".") + f" The partly executed notebook is kept at {target}",
            notebook=name, cell=cell, error=error, cell_source=code or None,
        ) from None


def render_report(
    client: str | Path | ClientConfig,
    *,
    out: str | Path,
    notebooks: str | Path | None = None,
    parameters: dict[str, Any] | None = None,
    check: bool | None = None,
) -> RenderedReport:
    """Run the three notebooks for ``client`` and write ``<out>/<client>/report.html``.

    Parameters
    ----------
    client
        The client folder (or its client.yml), or its configuration as :func:`engagekit.read_config` read it.
    out
        The output folder; the report goes to a sub-folder named after the client (:func:`safe_name`).
    notebooks
        The folder holding the notebooks (default: engagekit's own, :func:`notebooks_dir`).
    parameters
        Notebook parameters (e.g. period_start, kpi, max_lag, n_boot, seed): each is checked
        against the notebooks' parameters cells and given only to the notebooks that declare it.
    check
        Check the client's folder before any notebook runs (:func:`engagekit.report.preflight.check_client`).
        Default: when the notebooks are engagekit's own (the check is of what they need).

    Returns
    -------
    RenderedReport
        Paths of report.html, key_figures.json and the executed notebooks.

    Raises
    ------
    ClientNotReady
        Before any notebook runs, when the check of the client's folder
        (:func:`engagekit.report.preflight.check_client`) finds an error; each is one line saying what to fix.
        The check's warnings go into the report's appendix.
    ReportError
        Before any notebook runs, for an unknown parameter or one of the wrong type;
        after, when a notebook fails (naming it and the cell).
    """
    config = client if isinstance(client, ClientConfig) else read_config(client)
    source_dir = _source_dir(notebooks)
    split = check_parameters(parameters, notebooks=source_dir)
    warnings_found: list[str] = []
    if check or (check is None and notebooks is None):
        checked = check_client(config.path if config.path.is_file() else config.folder)
        if not checked.ok:
            raise ClientNotReady(config.folder, checked.errors())
        warnings_found = checked.warnings()
    root = Path(out).resolve()
    target = root / safe_name(config.client)
    if target.parent != root:  # safe_name's promise, checked where the folder is made
        raise ReportError(f"client name {config.client!r} gives no folder inside {root}")
    executed_dir = target / "notebooks"
    executed_dir.mkdir(parents=True, exist_ok=True)
    base = {"client": str(config.folder.resolve()), "output_dir": str(target)}
    executed = []
    for name, _title in NOTEBOOKS:
        path = executed_dir / name
        _run(name, source_dir / name, path, {**base, **split[name]}, source_dir)
        executed.append(path)
    figures = key_figures(read_key_figures(target), client=config.client, display_name=config.display_name)
    figures_path = target / "key_figures.json"
    figures_path.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    sections = [(title, path) for (_, title), path in zip(NOTEBOOKS, executed, strict=True)]
    html_path = target / "report.html"
    html_path.write_text(
        page(figures=figures, sections=sections, display_name=config.display_name, branding=config.branding,
             data_check=warnings_found),
        encoding="utf-8",
    )
    return RenderedReport(html=html_path, key_figures=figures_path, notebooks=tuple(executed))


def write_pdf(rendered: RenderedReport | str | Path, *, browser: str | None = None, timeout: float = 120) -> Path:
    """Print a rendered report to ``report.pdf`` beside its ``report.html`` with the system's Chromium.

    Raises
    ------
    engagekit.report.chromium.ChromiumError
        When no Chromium is found (the message says how to install one), or it fails.
    """
    html = rendered.html if isinstance(rendered, RenderedReport) else Path(rendered)
    return print_to_pdf(html, html.with_name("report.pdf"), browser=browser, timeout=timeout)
