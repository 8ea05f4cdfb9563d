"""Folders made from client names stay inside the output folder, whatever the name holds."""

import pytest

from engagekit.report.render import render_report, safe_name

from tiny_notebooks import write_tiny_notebooks

NAMES = [
    "..", ".", "", "../../etc", "../..", "/etc/passwd", "/", "a/../../b", "~/x", "C:\\Windows\\System32",
    "evil\x00name", "\x00", "..\x00/..", "\u202egnp.exe", "\uff0e\uff0e\uff0fetc", "\u2024\u2024/\u2024\u2024",
    "..\u2215..\u2215etc", "caf\u00e9 & co", "\u200b", "-rf", ".hidden", "name\n../x",
]


@pytest.mark.parametrize(("name", "expected"), [("../../etc", "etc"), ("/abs/path", "abs-path"), ("Acme & Co", "Acme-Co"), ("..", "client")])
def test_safe_name_examples(name, expected):
    assert safe_name(name) == expected


@pytest.mark.parametrize("name", NAMES)
def test_client_folder_stays_one_level_inside_out(tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    folder = safe_name(name)
    target = (out / folder).resolve()
    assert target.parent == out.resolve()
    assert target.is_relative_to(out.resolve())
    assert folder.isascii() and folder[0] not in ".-" and "\x00" not in folder


def test_report_writes_only_inside_its_client_folder(tmp_path):
    client = tmp_path / "clients" / "evil"
    client.mkdir(parents=True)
    (client / "client.yml").write_text('client: "../../../escaped\\0/..\\u2215"\n', encoding="utf-8")
    notebooks = write_tiny_notebooks(tmp_path / "notebooks")
    before = set(tmp_path.rglob("*"))
    rendered = render_report(client, out=tmp_path / "out", notebooks=notebooks)
    written = set(tmp_path.rglob("*")) - before
    folder = (tmp_path / "out" / "escaped").resolve()
    assert rendered.html.parent == folder
    assert written and all(p == tmp_path / "out" or p.resolve().is_relative_to(folder) for p in written)
    assert {"report.html", "key_figures.json", "01_goal_definition.ipynb"} <= {p.name for p in written}
