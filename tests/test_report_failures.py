"""A notebook that fails names the notebook, the cell as JupyterLab numbers it, its first line and a short error.

Each fixture is a small notebook put in place of notebook 01 among the tiny
notebooks, rendered through :func:`render_report` (and :func:`run_batch`) with
``notebooks=``, as the report renders the real ones.
"""

import nbformat
import pandas as pd
import pytest

from engagekit import run_batch
from engagekit.report.render import MAX_ERROR_CHARS, NOTEBOOKS, ReportError, render_report

from paths import SAMPLE
from tiny_notebooks import KERNEL, write_tiny_notebooks

FIRST = NOTEBOOKS[0][0]
PARAMETERS = 'client = ""\noutput_dir = ""'
#: An error whose message lists many things: 2,000 column names after the part that says what to fix.
LONG_START = "the export lacks the column 'Post ID'; columns present: "
LONG_RAISE = "raise KeyError(" + repr(LONG_START) + " + ', '.join(f'column_{i:04d}' for i in range(2000)))"


def _code(source, *, tags=()):
    return nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


def _notebooks(folder, cells):
    """The tiny notebooks, notebook 01 replaced by ``cells``."""
    write_tiny_notebooks(folder)
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": KERNEL}), folder / FIRST)
    return folder


def _failure(tmp_path, cells):
    notebooks = _notebooks(tmp_path / "notebooks", cells)
    with pytest.raises(ReportError) as err:
        render_report(SAMPLE, out=tmp_path / "out", notebooks=notebooks)  # a client the check before lets through
    return err.value


def test_cell_after_the_parameters_and_a_markdown_cell_is_the_third(tmp_path):
    err = _failure(tmp_path, [
        _code(PARAMETERS, tags=["parameters"]),
        nbformat.v4.new_markdown_cell("## Checks"),
        _code("rows = 0\nraise ValueError('the export is empty')"),
    ])
    assert (err.notebook, err.cell, err.cell_source, err.error) == (
        FIRST, 3, "rows = 0", "ValueError: the export is empty")
    assert str(err).startswith(f"notebook {FIRST} failed in cell 3 (rows = 0): ValueError: the export is empty. ")
    assert (tmp_path / "out" / "brightpaw" / "notebooks" / FIRST).is_file()  # kept, as the message says


def test_cell_before_the_parameters_cell_is_counted_as_shown(tmp_path):
    # papermill puts its parameters after the parameters cell: nothing shifts the cells above it
    err = _failure(tmp_path, [
        nbformat.v4.new_markdown_cell("# Title"),
        _code("import math\nmath.sqrt(-1)"),
        _code(PARAMETERS, tags=["parameters"]),
    ])
    assert (err.cell, err.cell_source) == (2, "import math")
    assert err.error == "ValueError: math domain error"


def test_first_line_of_code_skips_comments_and_blank_lines(tmp_path):
    err = _failure(tmp_path, [
        _code(PARAMETERS, tags=["parameters"]),
        _code("# NBVAL_CHECK_OUTPUT\n\n  # the share of posts\nshare = 1 / 0"),
    ])
    assert (err.cell, err.cell_source) == (2, "share = 1 / 0")
    assert err.error == "ZeroDivisionError: division by zero"


def test_a_source_run_before_by_papermill_counts_its_injected_cell(tmp_path):
    # a notebook saved by an earlier papermill run holds an injected-parameters cell, which papermill replaces
    err = _failure(tmp_path, [
        _code(PARAMETERS, tags=["parameters"]),
        _code('client = "old"', tags=["injected-parameters"]),
        nbformat.v4.new_markdown_cell("text"),
        _code("raise RuntimeError('stop')"),
    ])
    assert (err.cell, err.error) == (4, "RuntimeError: stop")


def test_a_very_long_error_message_is_cut_keeping_its_start(tmp_path):
    err = _failure(tmp_path, [
        _code(PARAMETERS, tags=["parameters"]),
        nbformat.v4.new_markdown_cell("text"),
        _code(LONG_RAISE),
    ])
    assert err.cell == 3
    assert err.cell_source.startswith("raise KeyError(") and len(err.cell_source) <= 100
    assert err.error.startswith(f'KeyError: "{LONG_START}column_0000, column_0001')
    assert err.error.endswith("...") and len(err.error) <= MAX_ERROR_CHARS
    message = str(err)
    assert "\n" not in message
    assert len(message) <= len(str(tmp_path)) + 600  # never the thousands of characters of the error


def test_a_multi_line_error_message_is_one_line(tmp_path):
    err = _failure(tmp_path, [
        _code(PARAMETERS, tags=["parameters"]),
        _code("raise ValueError('first line\\n\\n   second line')"),
    ])
    assert err.error == "ValueError: first line second line"
    assert "\n" not in str(err)


def test_batch_summary_holds_the_same_cell_and_the_short_message(tmp_path):
    notebooks = _notebooks(tmp_path / "notebooks", [
        _code(PARAMETERS, tags=["parameters"]),
        nbformat.v4.new_markdown_cell("text"),
        _code(LONG_RAISE),
    ])
    summary = run_batch([SAMPLE], out=tmp_path / "out", notebooks=notebooks, progress=False)
    row = summary.iloc[0]
    assert (row["status"], row["notebook"], row["cell"]) == ("failed", FIRST, 3)
    assert row["message"].startswith(f'KeyError: "{LONG_START}') and len(row["message"]) <= MAX_ERROR_CHARS
    written = pd.read_csv(tmp_path / "out" / "batch_summary.csv", dtype={"cell": "Int64"})
    assert written.loc[0, "cell"] == 3 and written.loc[0, "message"] == row["message"]


def test_batch_command_exits_1_when_a_notebook_failed(tmp_path, capsys):
    from engagekit.cli import main

    notebooks = _notebooks(tmp_path / "notebooks", [_code(PARAMETERS, tags=["parameters"]), _code("1 / 0")])
    code = main(["batch", str(SAMPLE), "--out", str(tmp_path / "out"), "--notebooks", str(notebooks)])
    assert code == 1
    assert "ZeroDivisionError: division by zero" in capsys.readouterr().out
