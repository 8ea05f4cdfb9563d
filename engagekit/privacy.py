"""Personal identifiers never enter a canonical table: they become salted SHA-256 keys."""

from __future__ import annotations

import hashlib
import re

import pandas as pd

__all__ = ["DEFAULT_SALT", "normalise_identifier", "hash_identifiers"]

#: Used when a client names no salt; a client should set its own in client.yml.
DEFAULT_SALT = "engagekit"


def normalise_identifier(value: str) -> str:
    """Trim and lower-case an email; keep only digits (and a leading +) of a phone number."""
    value = value.strip()
    if "@" in value:
        return value.lower()
    digits = re.sub(r"[^\d+]", "", value)
    return digits if len(digits) >= 6 else value.lower()


def hash_identifiers(values: pd.Series, *, salt: str | None) -> pd.Series:
    """Salted SHA-256 hex digest of each normalised identifier; NA stays NA."""
    salt = DEFAULT_SALT if salt is None else salt
    out = [
        None
        if not isinstance(v, str) or not v.strip()
        else hashlib.sha256((salt + normalise_identifier(v)).encode("utf-8")).hexdigest()
        for v in values
    ]
    return pd.Series(out, dtype="str", index=values.index)
