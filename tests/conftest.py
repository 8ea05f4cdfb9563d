"""Shared test locations."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = ROOT / "data" / "sample" / "brightpaw"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
