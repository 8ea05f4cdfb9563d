"""X (Twitter) exports.

``x_tweet_activity``: the legacy analytics.twitter.com per-tweet export
(``tweet_activity_metrics_<handle>_<start>_<end>_en.csv``), one row per tweet
with values accumulated up to the export.

NA and zero: every ``promoted ...`` column is ``-`` when the tweet was not
promoted; that is read as NA (not reported), never as 0. ``0``/``0.0`` is a
reported zero. Counts are written as floats (``"1938.0"``) and read as whole
numbers. The 2015 variant says ``favorites`` where later files say ``likes``.

Mapping to ``posts``: ``impressions``, ``engagements``, ``likes`` ->
``reactions``, ``replies`` -> ``comments``, ``retweets`` -> ``shares``, ``url
clicks`` -> ``link_clicks``, ``user profile clicks`` -> ``profile_visits``,
``follows`` -> ``follows``; each is the organic value plus the promoted value
where the tweet was promoted. ``paid`` is True when promoted impressions are
reported and above zero. The link is the first URL of the text (usually a
t.co short link, so UTM tags are found only where the text carries the full URL).

``engagement rate`` (X's own rate, engagements / impressions as a fraction,
sometimes in Java notation ``5.59E-4``) -> ``reported_engagement_rate``. X
writes the organic and the promoted rate separately; for a promoted tweet the
two reported rates are combined as the counts are, each weighted by its own
reported impressions, so that the rate describes the same tweet totals as the
other columns (NA when a promoted tweet's ``promoted engagement rate`` is not
reported). ``NaN`` in a rate cell is NA.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engagekit.core._arrow import as_arrow, constant_str, map_distinct, to_str_series
from engagekit.core.utm import link_columns
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._blocks import open_rows
from ._cells import RowBuilder
from ._records import header_names, match_columns

__all__ = ["TWEET_ACTIVITY"]

_ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("Tweet id",),
    "url": ("Tweet permalink",),
    "text": ("Tweet text",),
    "published_at": ("time",),
    "impressions": ("impressions",),
    "engagements": ("engagements",),
    "reactions": ("likes", "favorites"),
    "comments": ("replies",),
    "shares": ("retweets",),
    "link_clicks": ("url clicks",),
    "profile_visits": ("user profile clicks",),
    "follows": ("follows",),
    "reported_engagement_rate": ("engagement rate",),
}
_METRICS = (
    "impressions", "engagements", "reactions", "comments", "shares",
    "link_clicks", "profile_visits", "follows",
)
_REQUIRED = ("post_id", "published_at", "impressions", "engagements")
_RATE = "reported_engagement_rate"
_PROMOTED = {key: tuple(f"promoted {a}" for a in names) for key, names in _ALIASES.items() if key in (*_METRICS, _RATE)}
_NOT_PROMOTED = ("-",)
_RATE_NA = ("-", "NaN")
_HANDLE = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/([^/]+)$", re.IGNORECASE)


def _handle(prefix: str) -> str | None:
    match = _HANDLE.match(prefix)
    return match.group(1) if match else None


def _handles(permalinks: pd.Series) -> pd.Series:
    """The account handle in each permalink ``https://twitter.com/<handle>/status/<id>`` (NA where none).

    A file holds one or a few accounts: the part before ``/status/`` is parsed once per distinct value.
    """
    links = as_arrow(permalinks)
    common = _common_prefix(links)
    if common is not None:
        # Most files hold one account: the rows that start with its prefix are settled without splitting.
        same = pc.fill_null(pc.starts_with(links, common + _STATUS), False)
        if pc.all(same).as_py():
            return constant_str(_handle(common), len(links))
    prefixes = pc.list_element(pc.split_pattern(links, _STATUS, max_splits=1), 0)
    return to_str_series(map_distinct(prefixes, _handle))


_STATUS = "/status/"


def _common_prefix(links: pa.ChunkedArray) -> str | None:
    """The part before the first ``/status/`` of the first permalink (None when there is none).

    A permalink that starts with it and ``/status/`` splits there too: an earlier ``/status/`` in it would
    lie inside that start, so in the first permalink as well.
    """
    first = next((v for chunk in links.chunks for v in chunk.drop_null()[:1].to_pylist()), None)
    if first is None or _STATUS not in first:
        return None
    return first.split(_STATUS, 1)[0]


def _sniff(head: str, name: str) -> bool:
    return header_names(head)[:4] == ["tweet id", "tweet permalink", "tweet text", "time"]


def _columns(header: list[str], path: Path) -> tuple[dict[str, int], dict[str, int]]:
    cols = match_columns(header, _ALIASES, required=_REQUIRED, file=path, format="x_tweet_activity", line=1)
    return cols, match_columns(header, _PROMOTED, required=(), file=path, format="x_tweet_activity")


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    def select(header: list[str]) -> list[int]:
        cols, promoted = _columns(header, path)
        return [*cols.values(), *promoted.values()]

    header, _, rows = open_rows(path, report, format="x_tweet_activity", select=select)
    cols, promoted = _columns(header.cells, path)
    rows.require("post_id", cols["post_id"])
    rows.text("url", cols.get("url"))
    text = rows.text("text", cols.get("text"))
    # The links are found (in Arrow, which frees the interpreter) while the other columns convert.
    with ThreadPoolExecutor(max_workers=1) as pool:
        links = pool.submit(link_columns, text)
        extra = _metrics_and_account(rows, cols, promoted, path, options)
        extra.update(links.result())
    frame = rows.finish(extra)
    # Overlapping exports repeat a tweet; within one file the newest row (the first) wins.
    return rows.drop_repeated(frame, "post_id", "duplicate Tweet id in this file")


def _metrics_and_account(
    rows: RowBuilder, cols: dict[str, int], promoted: dict[str, int], path: Path, options: LoadOptions
) -> dict[str, pd.Series]:
    """Convert ``published_at`` and the metrics (organic plus promoted) in ``rows``; return the derived
    columns (metric totals, ``paid``, ``account``, ``platform``, ``source_file``)."""
    rows.timestamp("published_at", cols["published_at"], format="%Y-%m-%d %H:%M %z")
    extra: dict[str, pd.Series] = {}
    paid = pd.Series(pd.arrays.BooleanArray(np.zeros(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool)))
    organic_impressions = promoted_impressions = None
    for key in _METRICS:
        organic = rows.number(key, cols.get(key), na=_NOT_PROMOTED)
        if key == "impressions":
            organic_impressions = organic
        if key in promoted:
            paid_part = rows.number(None, promoted[key], na=_NOT_PROMOTED)
            extra[key] = organic + paid_part.fillna(0)
            if key == "impressions":
                paid = (paid_part.fillna(0) > 0).astype("boolean")
                promoted_impressions = paid_part
    extra["paid"] = paid
    extra[_RATE] = _reported_rate(rows, cols, promoted, organic_impressions, promoted_impressions)
    account = _handles(rows.columns["url"])
    if options.account:
        account = account.fillna(options.account)
    extra["account"] = account
    extra["platform"] = constant_str("x", len(rows))
    extra["source_file"] = constant_str(path.name, len(rows))
    return extra


def _reported_rate(
    rows: RowBuilder,
    cols: dict[str, int],
    promoted: dict[str, int],
    organic_impressions: pd.Series,
    promoted_impressions: pd.Series | None,
) -> pd.Series:
    """X's ``engagement rate`` for the whole tweet: the organic rate, or for a promoted tweet the organic and
    promoted rates weighted by their impressions."""
    organic = rows.number(_RATE, cols.get(_RATE), integer=False, na=_RATE_NA)
    if promoted_impressions is None:
        return organic
    paid_rate = rows.number(None, promoted.get(_RATE), integer=False, na=_RATE_NA)
    paid_impressions = promoted_impressions.fillna(0).astype("Float64")
    own = organic_impressions.astype("Float64")
    total = own + paid_impressions
    weighted = (organic * own + paid_rate * paid_impressions) / total.where(total > 0)
    return organic.where(paid_impressions.eq(0), weighted)


TWEET_ACTIVITY = register(
    ExportFormat(
        name="x_tweet_activity",
        table="posts",
        title="X/Twitter legacy per-tweet activity export (tweet_activity_metrics_*.csv)",
        sniff=_sniff,
        parse=_parse,
        example='"Tweet id","Tweet permalink","Tweet text","time","impressions","engagements","engagement rate","retweets","replies","likes","user profile clicks","url clicks",...,"promoted media engagements"',
    )
)
