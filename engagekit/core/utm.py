"""Links in post texts and the UTM tags in them."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote_plus, urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engagekit.core._arrow import as_arrow, missing_str, to_str_series

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


def _field(values: pa.ChunkedArray, pattern: str, name: str) -> pa.ChunkedArray:
    return pc.struct_field(pc.extract_regex(values, pattern), name)


def _tag(links: pa.ChunkedArray, tag: str) -> pd.Series:
    if not pc.any(pc.match_substring(links, tag, ignore_case=True)).as_py():
        return missing_str(len(links))
    raw = _field(links, rf"[?&](?i:{tag})=(?P<v>[^&#]*)", "v")
    raw = pc.if_else(pc.equal(raw, ""), pa.scalar(None, pa.string()), raw)
    series = to_str_series(raw)
    decoded = {v: unquote_plus(v) for v in series.dropna().unique()}
    return series.map(decoded).astype("str") if decoded else series


def link_columns(texts: pd.Series, *, skip_hosts: tuple[str, ...] = ()) -> dict[str, pd.Series]:
    """``link_url``, ``utm_campaign`` and ``utm_content`` for each text (NA where absent).

    Vectorised (Arrow regular expressions); a text whose first link is on a
    skipped host is looked at again in Python for a later link.
    """
    arrow = as_arrow(texts)
    links = pc.utf8_rtrim(_field(arrow, r"(?P<url>https?://[^\s<>\"']+)", "url"), characters=_TRAILING)
    if skip_hosts:
        hosts = to_str_series(_field(links, r"^(?i:https?)://(?P<h>[^/:?#]+)", "h")).str.lower()
        skipped = hosts.apply(lambda h: isinstance(h, str) and any(h == s or h.endswith("." + s) for s in skip_hosts))
        if skipped.any():
            values = links.to_pylist()
            for i in np.flatnonzero(skipped.to_numpy()):
                values[i] = first_link(texts.iloc[i], skip_hosts=skip_hosts)
            links = pa.chunked_array([pa.array(values, type=pa.string())])
    columns = {"link_url": to_str_series(links)}
    # A tag is written ``tag=value``: links without any "=" have none (one plain search instead of a
    # case-insensitive one per tag).
    query = pc.any(pc.match_substring(links, "=")).as_py()
    for tag in ("utm_campaign", "utm_content"):
        columns[tag] = _tag(links, tag) if query else missing_str(len(links))
    return columns
