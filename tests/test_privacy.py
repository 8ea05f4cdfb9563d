"""privacy: salted SHA-256 keys of personal identifiers, per kind, hashed once per distinct value."""

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from engagekit.core import privacy
from engagekit.core.privacy import DEFAULT_SALT, hash_identifiers, normalise_identifier, salted_sha256

SALT = "pepper"


def sha(text: str, salt: str = SALT) -> str:
    return hashlib.sha256((salt + text).encode("utf-8")).hexdigest()


def per_row(values, kind="contact", salt=SALT):
    """The digests computed one row at a time (the reference the vectorised path must equal)."""
    return [
        None if not isinstance(v, str) or not v.strip() else sha(normalise_identifier(v, kind=kind), salt)
        for v in values
    ]


# Values that take every branch: ASCII (Arrow) and non-ASCII/control/space (Python) normalisation.
MIXED = [
    "Ada@Example.com", " ada@example.COM ", "+44 7700 900123", "+447700900123", "(030) 1234-5678",
    "ABC", "abc", "12345", "1187654321.1709251200", "Zoë.123", "ZOË@Example.com", "a\x1cb", "\x0b123456",
    "İstanbul@example.com", "٠١٢٣٤٥٦٧", "crm-4411", "  ", "", None,
]


def test_contact_email_is_trimmed_and_lower_cased():
    got = hash_identifiers(pd.Series([" Ada@Example.COM "], dtype="str"), salt=SALT)
    assert got.iloc[0] == sha("ada@example.com")


def test_contact_phone_keeps_digits_and_plus():
    got = hash_identifiers(pd.Series(["+44 7700 900123", "+447700900123"], dtype="str"), salt=SALT)
    assert got.tolist() == [sha("+447700900123")] * 2


def test_contact_short_digits_and_other_text_lower_cased():
    got = hash_identifiers(pd.Series(["CRM-4411", "1187654321.1709251200"], dtype="str"), salt=SALT)
    assert got.tolist() == [sha("crm-4411"), sha("11876543211709251200")]


def test_opaque_only_trimmed_dot_and_case_kept():
    values = pd.Series([" 1187654321.1709251200 ", "AbC-12.34", "Ada@Example.com"], dtype="str")
    got = hash_identifiers(values, salt=SALT, kind="opaque")
    assert got.tolist() == [sha("1187654321.1709251200"), sha("AbC-12.34"), sha("Ada@Example.com")]


def test_normalise_identifier_kinds():
    assert normalise_identifier(" +44 (0) 7700-900123 ") == "+4407700900123"
    assert normalise_identifier("1187654321.1709251200", kind="opaque") == "1187654321.1709251200"
    assert normalise_identifier("\tAbC ", kind="opaque") == "AbC"
    with pytest.raises(ValueError, match="kind"):
        normalise_identifier("x", kind="email")
    with pytest.raises(ValueError, match="kind"):
        hash_identifiers(pd.Series(["x"], dtype="str"), salt=SALT, kind="email")


def test_default_salt_when_none():
    got = hash_identifiers(pd.Series(["ada@example.com"], dtype="str"), salt=None)
    assert got.iloc[0] == sha("ada@example.com", DEFAULT_SALT)


def test_na_and_blank_stay_na_and_index_kept():
    values = pd.Series(["ada@example.com", None, "", "   ", "ada@example.com"], dtype="str", index=[10, 11, 12, 13, 14])
    got = hash_identifiers(values, salt=SALT)
    assert str(got.dtype) == "str"
    assert got.index.tolist() == [10, 11, 12, 13, 14]
    assert got.isna().tolist() == [False, True, True, True, False]
    assert got.iloc[0] == got.iloc[4] == sha("ada@example.com")


def test_values_that_are_not_text_are_na():
    got = hash_identifiers(pd.Series(["ada@example.com", 12345678, np.nan, None], dtype=object), salt=SALT)
    assert got.iloc[0] == sha("ada@example.com")
    assert got.iloc[1:].isna().all()


@pytest.mark.parametrize("kind", ["contact", "opaque"])
def test_distinct_value_hashing_equals_per_row_hashing(kind):
    rng = np.random.default_rng(7)
    values = pd.Series(np.array(MIXED, dtype=object)[rng.integers(0, len(MIXED), 500)], dtype="str")
    assert values.duplicated().sum() > 400  # many repeats
    got = hash_identifiers(values, salt=SALT, kind=kind)
    assert [None if pd.isna(v) else v for v in got] == per_row(values, kind)


@pytest.mark.parametrize("kind", ["contact", "opaque"])
def test_duckdb_digests_equal_hashlib_digests(kind, monkeypatch):
    values = pa.array(MIXED * 3, pa.string())
    by_hashlib = salted_sha256(values, SALT, kind=kind).to_pylist()
    monkeypatch.setattr(privacy, "DUCKDB_FROM", 0)
    assert salted_sha256(values, SALT, kind=kind).to_pylist() == by_hashlib == per_row(MIXED * 3, kind)


def test_salted_sha256_takes_chunked_arrays_and_empty_input():
    chunked = pa.chunked_array([pa.array(["A@x.com", None], pa.string()), pa.array(["a@x.com"], pa.string())])
    assert salted_sha256(chunked, SALT).to_pylist() == [sha("a@x.com"), None, sha("a@x.com")]
    assert salted_sha256(pa.chunked_array([], pa.string()), SALT).to_pylist() == []
    assert hash_identifiers(pd.Series([], dtype="str"), salt=SALT).tolist() == []
