"""Personal identifiers never enter a canonical table: they become salted SHA-256 keys.

A key is ``sha256(salt + normalised identifier)`` as lower-case hex. How an
identifier is normalised depends on its kind:

- ``"contact"`` (the default): an email or a phone number. Trimmed; an email
  (a value with ``@``) is lower-cased; otherwise a value with six or more
  digits keeps only its digits (and ``+``), so ``+44 7700 900123`` and
  ``+447700900123`` give one key; anything else is lower-cased.
- ``"opaque"``: a pseudonymous id such as GA4's ``user_pseudo_id``
  (``1187654321.1709251200``) or a CRM id. Only trimmed: the id is hashed as
  written, dots, letters and case included.

Blank values and NA give NA. Each distinct value is normalised and hashed
once (a column of a million rows usually holds far fewer customers).
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engagekit.core._arrow import as_arrow, release_unused_memory, to_str_series

__all__ = ["DEFAULT_SALT", "KINDS", "normalise_identifier", "hash_identifiers", "salted_sha256", "distinct_digests", "chunk_digests"]

#: Used when a client names no salt; a client should set its own in client.yml.
DEFAULT_SALT = "engagekit"

Kind = Literal["contact", "opaque"]
#: The kinds of identifier :func:`normalise_identifier` knows.
KINDS: tuple[str, ...] = ("contact", "opaque")

#: Above this many distinct values the digests are computed by DuckDB (vectorised) rather than hashlib.
DUCKDB_FROM = 500_000

_NOT_PHONE_CHARS = re.compile(r"[^\d+]")
# Python's str.strip() also strips \v and \x1c-\x1f, and str.lower() and \d know all of Unicode: a value
# with any non-ASCII or control character (or a space) is normalised in Python, the others with Arrow.
_NEEDS_PYTHON = r"[^\x21-\x7e]|^$"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, not {kind!r}")


def normalise_identifier(value: str, *, kind: Kind = "contact") -> str:
    """The identifier as it is hashed.

    Parameters
    ----------
    value
        The identifier as written.
    kind
        ``"contact"`` (default): trim; lower-case an email; keep only the digits
        (and a leading ``+``) of a phone number (six or more digits); lower-case
        anything else. ``"opaque"``: trim only.
    """
    _check_kind(kind)
    value = value.strip()
    if kind == "opaque":
        return value
    if "@" in value:
        return value.lower()
    digits = _NOT_PHONE_CHARS.sub("", value)
    return digits if len(digits) >= 6 else value.lower()


def _normalised_plain(values: pa.Array, kind: Kind) -> pa.Array:
    """:func:`normalise_identifier` for values of printable ASCII only (no space), with Arrow."""
    if kind == "opaque":
        return values
    lowered = pc.utf8_lower(values)
    email = pc.match_substring(values, "@")
    if pc.all(email).as_py() is not False:  # every value an email (or none at all)
        return lowered
    digits = pc.replace_substring_regex(values, r"[^0-9+]", "")
    return pc.if_else(email, lowered, pc.if_else(pc.greater_equal(pc.utf8_length(digits), 6), digits, lowered))


def _hexdigests(salted: pa.Array) -> pa.Array:
    """SHA-256 hex digest of each string (null stays null)."""
    if len(salted) >= DUCKDB_FROM:
        import duckdb

        with duckdb.connect() as con:
            con.register("salted", pa.table({"v": salted}))
            digests = con.sql("SELECT sha256(v) AS h FROM salted").to_arrow_table()
        return digests.column("h").combine_chunks().cast(pa.string())
    filled = salted.drop_null()
    hexes = _hex_strings(_sha256_hex(filled.cast(pa.binary())), len(filled))
    if len(filled) == len(salted):
        return hexes
    valid = salted.is_valid().to_numpy(zero_copy_only=False)
    return pc.take(hexes, pa.array(np.cumsum(valid) - 1, mask=~valid))  # nulls back in their places


#: The two lower-case hex digits of each byte value.
_HEX_PAIRS = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), dtype=np.uint16)


#: Values hashed at a time by :func:`_sha256_hex` (the Python objects of a slice only are alive at once).
_HASH_SLICE = 1 << 13


def _sha256_hex(values: pa.Array) -> np.ndarray:
    """The lower-case hex SHA-256 digest of each (non-null) binary value, 64 bytes each, one after the other."""
    text = np.empty(64 * len(values), dtype=np.uint8)
    sha256 = hashlib.sha256
    for start in range(0, len(values), _HASH_SLICE):
        part = values.slice(start, _HASH_SLICE).to_pylist()
        digests = b"".join([sha256(v).digest() for v in part])
        text[64 * start:64 * (start + len(part))] = _HEX_PAIRS[np.frombuffer(digests, dtype=np.uint8)].view(np.uint8)
    return text


def _hex_strings(text: np.ndarray, n: int) -> pa.Array:
    """``n`` 64-character hex digests written one after the other in ``text`` as Arrow strings."""
    kind, width = (pa.string(), np.int32) if 64 * n < 2**31 else (pa.large_string(), np.int64)
    offsets = np.arange(0, 64 * (n + 1), 64, dtype=width)
    return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(offsets), pa.py_buffer(text)])


def salted_sha256(
    values: pa.Array | pa.ChunkedArray, salt: str | None, *, kind: Kind = "contact"
) -> pa.Array:
    """Salted SHA-256 hex digest of each normalised identifier, computed once per distinct value.

    Parameters
    ----------
    values
        The identifiers, one per row (Arrow strings).
    salt
        The salt (``None``: :data:`DEFAULT_SALT`).
    kind
        How identifiers are normalised: see :func:`normalise_identifier`.

    Returns
    -------
    pyarrow.Array
        Lower-case hex digests aligned with ``values``; null where a value is
        null or blank.
    """
    digests, codes = distinct_digests(values, salt, kind=kind)
    return pc.take(digests, codes)


def distinct_digests(
    values: pa.Array | pa.ChunkedArray, salt: str | None, *, kind: Kind = "contact"
) -> tuple[pa.Array, pa.Array]:
    """The digests of :func:`salted_sha256`, as the digest of each distinct value and each row's index.

    ``pc.take(digests, codes)`` gives the digest of every row, and
    ``pc.take(digests, codes.filter(mask))`` that of some rows only, without
    building the others.

    Parameters
    ----------
    values, salt, kind
        As for :func:`salted_sha256`.

    Returns
    -------
    tuple of pyarrow.Array
        ``digests`` (one per distinct value; null for a blank one) and
        ``codes`` (each row's index into ``digests``; null for a null value).
    """
    _check_kind(kind)
    salt = DEFAULT_SALT if salt is None else salt
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    if values.type != pa.string():
        values = values.cast(pa.string())
    encoded = pc.dictionary_encode(values)  # each distinct value once; nulls are null indices
    return _digests_of_distinct(encoded.dictionary, salt, kind), encoded.indices


def _digests_of_distinct(distinct: pa.Array, salt: str, kind: Kind) -> pa.Array:
    """The digest of each of the ``distinct`` (non-null) values; null for a blank one."""
    python = pc.match_substring_regex(distinct, _NEEDS_PYTHON)  # also true for ""
    normalised = _normalised_plain(distinct, kind)
    if pc.any(python).as_py():
        other = [normalise_identifier(v, kind=kind) if v.strip() else None for v in distinct.filter(python).to_pylist()]
        normalised = pc.replace_with_mask(normalised, python, pa.array(other, pa.string()))
    return _hexdigests(pc.binary_join_element_wise(salt, normalised, ""))


def chunk_digests(values: pa.ChunkedArray, salt: str | None, *, kind: Kind = "contact") -> pa.ChunkedArray:
    """The digests of :func:`salted_sha256` for identifiers gathered a chunk at a time (the blocks of one
    file), each distinct value normalised and hashed once whichever chunks it is in.

    Parameters
    ----------
    values
        The identifiers, dictionary-encoded chunk by chunk (``pc.dictionary_encode`` of each block keeps
        a block's distinct values only, while the file is read).
    salt, kind
        As for :func:`salted_sha256`.

    Returns
    -------
    pyarrow.ChunkedArray
        The digests, chunked as ``values``; null where a value is null or blank.
    """
    _check_kind(kind)
    salt = DEFAULT_SALT if salt is None else salt
    if not values.num_chunks:
        return pa.chunked_array([], pa.string())
    unified = values.unify_dictionaries()  # one dictionary for every chunk, each distinct value once
    digests = _digests_of_distinct(unified.chunk(0).dictionary.cast(pa.string()), salt, kind)
    release_unused_memory()  # the hashing's temporary arrays, before the digest of every row is built
    return pa.chunked_array([pc.take(digests, chunk.indices) for chunk in unified.chunks], pa.string())


def _as_strings(values: pd.Series) -> pa.ChunkedArray:
    """The text values of ``values`` as Arrow strings; anything that is not a string is null."""
    if isinstance(values.dtype, pd.StringDtype):
        return as_arrow(values)
    return pa.chunked_array([pa.array([v if isinstance(v, str) else None for v in values], pa.string())])


def hash_identifiers(values: pd.Series, *, salt: str | None, kind: Kind = "contact") -> pd.Series:
    """Salted SHA-256 hex digest of each normalised identifier; NA (and blank) stays NA.

    Parameters
    ----------
    values
        The identifiers (emails, phone numbers, ids), one per row.
    salt
        The salt (``None``: :data:`DEFAULT_SALT`).
    kind
        ``"contact"`` (default) or ``"opaque"``: see :func:`normalise_identifier`.

    Returns
    -------
    pandas.Series
        ``str`` digests with the index of ``values``.
    """
    digests = to_str_series(salted_sha256(_as_strings(values), salt, kind=kind))
    digests.index = values.index
    return digests
