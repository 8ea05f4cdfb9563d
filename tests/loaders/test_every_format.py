"""Every format `engagekit formats` lists has a fixture in tests/fixtures that loads through it."""

import pytest

from engagekit import formats, schema
from engagekit.errors import EngagekitError
from engagekit.loaders import FORMATS, detect_format, read_export
from paths import FIXTURES

#: Formats never detected (chosen by name): the fixture and the options that select them.
CHOSEN = {
    "generic": (
        FIXTURES / "generic" / "registrations.csv",
        {
            "format": "generic",
            "table": "outcomes",
            "columns": {"occurred_at": "Signup Date", "customer_key": "E-mail"},
            "constants": {"outcome": "registration"},
        },
    ),
    "linkedin_metrics": (
        FIXTURES / "linkedin" / "brightpaw_content_1735689600000.xlsx", {"format": "linkedin_metrics"},
    ),
}

LISTED = list(formats()["format"])


def _fixture_files():
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix != ".py")


def _detected() -> dict[str, list]:
    found: dict[str, list] = {}
    for path in _fixture_files():
        try:
            found.setdefault(detect_format(path).name, []).append(path)
        except EngagekitError:
            continue
    return found


DETECTED = _detected()


def test_formats_lists_the_registry():
    assert LISTED == list(FORMATS)


@pytest.mark.parametrize("name", LISTED)
def test_format_has_a_fixture_that_loads(name):
    if FORMATS[name].detectable:
        paths = DETECTED.get(name, [])
        assert paths, f"no fixture in tests/fixtures is detected as {name}"
        loaded = []
        for path in paths:
            try:
                loaded.append(read_export(path))
            except EngagekitError:
                continue  # a fixture of a user mistake
    else:
        assert name in CHOSEN, f"{name} is not detected: name its fixture and options in CHOSEN"
        path, options = CHOSEN[name]
        loaded = [read_export(path, **options)]
    good = [r for r in loaded if r.format == name and r.report.rows_loaded > 0]
    assert good, f"no fixture loads rows through {name}"
    for result in good:
        schema.validate(result.frame, result.table)
        assert result.report.is_balanced()


EMAIL = r"[\w.+-]+@[\w-]+\.[\w.-]+"
IPV4 = r"\b\d{1,3}(?:\.\d{1,3}){3}\b"
#: Text the account itself published (a post may give the shop's own address).
PUBLISHED_TEXT = {"text", "url", "link_url"}


def _loaded_fixtures():
    for paths in DETECTED.values():
        for path in paths:
            try:
                yield path, read_export(path)
            except EngagekitError:
                continue


def test_no_fixture_puts_personal_data_in_a_table():
    leaks = []
    for path, result in _loaded_fixtures():
        for column in result.frame.select_dtypes("str"):
            if column in PUBLISHED_TEXT:
                continue
            values = result.frame[column].dropna()
            if values.str.contains(EMAIL).any() or values.str.contains(IPV4).any():
                leaks.append(f"{path.name}: {column}")
    assert leaks == []
