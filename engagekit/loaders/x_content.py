"""X (Twitter) content export, 2024+, into ``posts``.

``x_content``: the X (Premium) analytics content export
(``account_analytics_content_<YYYY-MM-DD>_<YYYY-MM-DD>.csv``, sometimes saved
with the handle as a prefix), one row per post with values accumulated up to
the export, newest first. UTF-8, CRLF line endings, ``Post text`` always
quoted; the text may be in any language and carries @mentions (it is kept as
the post's text, never used as a key).

Detection: the header starts with ``Post id`` and has ``Post text`` (the
legacy per-tweet export starts with ``Tweet id``). Two header variants are
read alike (headers match case-insensitively): ``Link``/``Post Link``,
``Share``/``Shares``, ``Url clicks``/``URL Clicks`` and the other
capitalisation changes of the later (2026) variant.

Mapping to ``posts``:

- ``Post id`` -> ``post_id`` (kept as text: 19 digits); ``Post text`` ->
  ``text``; ``Link``/``Post Link`` -> ``url``.
- ``Date`` -> ``published_at``. The export gives the day only
  (``Ddd Mon DD YYYY``, e.g. ``Fri Jan 03 2025``; the later variant
  ``"Ddd, Mon D, YYYY"``): the format is chosen from the file's cells, and
  ``published_at`` is midnight of that day in ``tz`` (UTC, with a warning,
  when no ``tz=`` is given), converted to UTC.
- ``Impressions``; ``Engagements``; ``Likes`` -> ``reactions``; ``Replies`` ->
  ``comments``; ``Reposts`` plus ``Share``/``Shares`` (sends and copied links)
  -> ``shares`` (either alone where the other column is absent); ``Bookmarks``
  -> ``saves``; ``Url clicks`` -> ``link_clicks``; ``Profile visits`` ->
  ``profile_visits``; ``New follows`` -> ``follows``.
- Not loaded: ``Detail expands``, ``Hashtag clicks``, ``Permalink clicks``.
  ``reach``, ``video_views``, ``media_type`` and ``paid`` are not in this
  export: NA (the export does not say whether a post was promoted).
- ``link_url``, ``utm_campaign``, ``utm_content``: the first URL in the text
  and its UTM tags (:func:`engagekit.core.utm.link_columns`; a t.co short link
  carries no tags).
- ``account``: the handle in ``Link`` (``https://x.com/<handle>/status/<id>``);
  else the handle the file name starts with (``<handle>_account_analytics_content_...``);
  else the ``account=`` option; else NA with a warning.

NA and zero: no empty metric cell was seen in real files; an empty cell or
``-`` is read as NA (not reported), ``0`` as a reported zero. Quoted thousands
(``"1,234"``) are read as numbers. A malformed cell drops its row (file, line,
column); a second row for a post id already read is dropped as ``duplicate
Post id in this file``. Required columns: ``Post id``, ``Date``,
``Impressions``, ``Engagements``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from engagekit.core._arrow import constant_str, missing_str
from engagekit.core.utm import link_columns
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._blocks import open_rows
from ._cells import RowBuilder
from ._records import header_names, match_columns, pick_date_format
from .x import _handles
from .x_account import NEW_DATE_FORMATS, shares

__all__ = ["CONTENT"]

FORMAT = "x_content"

_ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("Post id",),
    "published_at": ("Date",),
    "text": ("Post text",),
    "url": ("Link", "Post Link"),
    "impressions": ("Impressions",),
    "engagements": ("Engagements",),
    "reactions": ("Likes",),
    "comments": ("Replies",),
    "reposts": ("Reposts",),
    "share_actions": ("Share", "Shares"),
    "saves": ("Bookmarks",),
    "link_clicks": ("Url clicks",),
    "profile_visits": ("Profile visits",),
    "follows": ("New follows",),
}
_METRICS = (
    "impressions", "engagements", "reactions", "comments", "saves", "link_clicks",
    "profile_visits", "follows",
)
_REQUIRED = ("post_id", "published_at", "impressions", "engagements")
_NOT_REPORTED = ("-",)
#: The content export's own date format first.
_DATE_FORMATS = (NEW_DATE_FORMATS[1], NEW_DATE_FORMATS[0])
_NAME_PREFIX = re.compile(r"^(?P<handle>.+?)_account_analytics_content_", re.IGNORECASE)


def _sniff(head: str, name: str) -> bool:
    names = header_names(head)
    return bool(names) and names[0] == "post id" and "post text" in names


def _columns(header: list[str], path: Path) -> dict[str, int]:
    return match_columns(header, _ALIASES, required=_REQUIRED, file=path, format=FORMAT, line=1)


def _account(urls: pd.Series, path: Path, report: LoadReport, options: LoadOptions) -> pd.Series:
    """The handle in each post's link; else from the file name, else ``account=``, else NA (warned)."""
    account = _handles(urls) if len(urls) else missing_str(0)
    match = _NAME_PREFIX.match(path.name)
    fallback = match.group("handle") if match else options.account
    if fallback is not None:
        account = account.fillna(fallback)
    if account.isna().any():
        report.warn(
            "some posts have no x.com link naming the account and no account= was given: account is NA"
        )
    return account


def _published_at(rows: RowBuilder, pos: int, report: LoadReport, options: LoadOptions) -> None:
    """``Date`` (a day, no time) as midnight of that day in ``tz``, in UTC."""
    fmt = pick_date_format(rows.raw(pos), _DATE_FORMATS)
    if options.tz is None:
        report.warn("'Date' gives the day only and no tz= was given: published_at is midnight UTC of that day")
    rows.timestamp("published_at", pos, format=fmt, tz=options.tz)


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    header, _, rows = open_rows(
        path, report, format=FORMAT, select=lambda cells: _columns(cells, path).values()
    )
    cols = _columns(header.cells, path)
    rows.require("post_id", cols["post_id"])
    urls = rows.text("url", cols.get("url"))
    text = rows.text("text", cols.get("text"))
    _published_at(rows, cols["published_at"], report, options)
    for key in _METRICS:
        rows.number(key, cols.get(key), na=_NOT_REPORTED)
    extra: dict[str, pd.Series] = {
        "shares": shares(rows, cols),
        "account": _account(urls, path, report, options),
        "platform": constant_str("x", len(rows)),
        "source_file": constant_str(path.name, len(rows)),
    }
    extra.update(link_columns(text))
    frame = rows.finish(extra)
    return rows.drop_repeated(frame, "post_id", "duplicate Post id in this file")


CONTENT = register(
    ExportFormat(
        name=FORMAT,
        table="posts",
        title="X content export, 2024+ (account_analytics_content_*.csv)",
        sniff=_sniff,
        parse=_parse,
        example=(
            "Post id,Date,Post text,Link,Impressions,Likes,Engagements,Bookmarks,Share,New follows,"
            "Replies,Reposts,Profile visits,Detail expands,Url clicks,Hashtag clicks,Permalink clicks"
        ),
    )
)
