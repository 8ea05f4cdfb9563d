"""Finding the system's Chromium and the command that runs it headless, without a browser."""

import os
from pathlib import Path

import pytest

from engagekit.report.chromium import BROWSERS, ChromiumNotFound, find_chromium, headless_command, print_to_pdf


def _fake(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_none_of_the_browsers_on_path_finds_nothing(tmp_path):
    _fake(tmp_path, "firefox")
    assert find_chromium(path=str(tmp_path)) is None


def test_first_browser_in_order_is_found(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    _fake(first, "google-chrome")
    found = _fake(second, "chromium-browser")
    assert BROWSERS.index("chromium-browser") < BROWSERS.index("google-chrome")
    assert find_chromium(path=os.pathsep.join([str(first), str(second)])) == str(found)


def test_command_is_headless_with_its_own_profile_and_no_background_requests(tmp_path):
    page = tmp_path / "a b" / "report.html"
    command = headless_command("/usr/bin/chromium", page, "--dump-dom", user_data_dir=tmp_path / "profile")
    assert command[0] == "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--dump-dom"):
        assert flag in command
    assert f"--user-data-dir={tmp_path / 'profile'}" in command
    assert command[-1] == page.resolve().as_uri() and "a%20b" in command[-1]


def test_without_chromium_printing_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    page = tmp_path / "report.html"
    page.write_text("<p>hi</p>")
    with pytest.raises(ChromiumNotFound, match=r"no Chromium found: .*apt-get install chromium"):
        print_to_pdf(page, tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()
