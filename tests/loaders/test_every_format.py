"""Every format `engagekit formats` lists has a fixture in tests/fixtures that loads through it."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engagekit import formats
from engagekit.core import schema
from engagekit.core.errors import EngagekitError
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


def _damaged(data: bytes, how: str, at: float, byte: int) -> bytes:
    """``data`` damaged as a user's file can be: cut short, a byte changed, a line lost or repeated."""
    cut = int(len(data) * at)
    if how == "truncated":
        return data[:cut]
    if how == "byte":
        return data[:cut] + bytes([byte]) + data[cut + 1:]
    lines = data.split(b"\n")
    i = int(len(lines) * at) % len(lines)
    if how == "line lost":
        return b"\n".join(lines[:i] + lines[i + 1:])
    if how == "line repeated":
        return b"\n".join(lines[:i + 1] + lines[i:])
    # a cell written as text
    cells = lines[i].split(b",")
    cells[int(len(cells) * at) % len(cells)] = b"n/a?"
    return b"\n".join(lines[:i] + [b",".join(cells)] + lines[i + 1:])


LOADABLE = sorted((path, name) for name, paths in DETECTED.items() for path in paths)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.sampled_from(LOADABLE),
    st.sampled_from(["truncated", "byte", "line lost", "line repeated", "cell"]),
    st.floats(min_value=0, max_value=0.999),
    st.integers(min_value=0, max_value=255),
)
def test_a_damaged_file_loads_or_is_one_clear_error(tmp_path_factory, case, how, at, byte):
    path, name = case
    damaged = tmp_path_factory.mktemp("damaged") / path.name
    damaged.write_bytes(_damaged(path.read_bytes(), how, at, byte))
    try:
        result = read_export(damaged, format=name, tz="UTC")
    except EngagekitError as err:
        assert damaged.name in str(err)
    else:
        assert result.report.is_balanced()
        schema.validate(result.frame, result.table)
