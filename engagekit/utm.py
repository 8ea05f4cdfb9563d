"""Links in post texts and the UTM tags in them."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pandas as pd

__all__ = ["URL_PATTERN", "first_link", "utm_tags", "link_columns"]

URL_PATTERN = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def first_link(text: str | None, *, skip_hosts: tuple[str, ...] = ()) -> str | None:
    """The first URL in ``text`` whose host is not in ``skip_hosts``; None if there is none."""
    if not isinstance(text, str):
        return None
    for match in URL_PATTERN.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        host = urlsplit(url).hostname or ""
        if not any(host == h or host.endswith("." + h) for h in skip_hosts):
            return url
    return None


def utm_tags(url: str | None) -> dict[str, str]:
    """The ``utm_*`` query parameters of ``url``, lower-cased keys (values as written)."""
    if not isinstance(url, str):
        return {}
    query = parse_qs(urlsplit(url).query, keep_blank_values=False)
    return {k.lower(): v[0] for k, v in query.items() if k.lower().startswith("utm_") and v}


def link_columns(texts: pd.Series, *, skip_hosts: tuple[str, ...] = ()) -> dict[str, pd.Series]:
    """``link_url``, ``utm_campaign`` and ``utm_content`` for each text (NA where absent)."""
    links = [first_link(t, skip_hosts=skip_hosts) for t in texts]
    tags = [utm_tags(u) for u in links]
    return {
        "link_url": pd.Series(links, dtype="str"),
        "utm_campaign": pd.Series([t.get("utm_campaign") for t in tags], dtype="str"),
        "utm_content": pd.Series([t.get("utm_content") for t in tags], dtype="str"),
    }
