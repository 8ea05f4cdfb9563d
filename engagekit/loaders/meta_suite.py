"""Meta Business Suite post exports (Facebook Pages and Instagram accounts).

``meta_suite_posts``: the per-post export of Meta Business Suite (Insights ->
Content -> Export, 2023+), one row per post with lifetime values up to the
export (the ``Date`` column holds the literal ``Lifetime``). The same export
exists for a Facebook Page and for an Instagram account; only the header
tells them apart::

    "Post ID","Page ID","Page name",Title,Description,"Duration (sec)","Publish time",...,Date,Views,Reach,"Reactions, Comments and Shares",Reactions,Comments,Shares,"Total clicks",...
    Post ID,Account ID,Account username,Account name,Description,Duration (sec),Publish time,Permalink,Post type,Data comment,Date,Views,Reach,Likes,Shares,Follows,Comments,Saves

Files are UTF-8 with a BOM; captions are quoted and may span several lines;
the Instagram file quotes numbers with thousands separators (``"12,400"``).
Older Facebook exports say ``Impressions`` for ``Views`` and split reach into
``Reach from Organic posts`` and ``Reach from Boosted posts``; the capitalisation
of ``Reactions, comments and shares`` varies. Headers are matched without case;
Swedish exports are read through the Swedish names of the columns below
(``Publicerings-id``, ``Sid-id``, ``Sidnamn``, ``Titel``, ``Beskrivning``,
``Publiceringstid``, ``Permalänk``, ``Inläggstyp``, ``Datum``, ``Visningar``,
``Räckvidd``, ``Reaktioner, kommentarer och delningar``, ``Reaktioner``,
``Gilla-markeringar``, ``Kommentarer``, ``Delningar``, ``Länkklick``,
``Sparade objekt``, ``Följer``, ``Konto-id``, ``Kontots användarnamn``,
``Kontonamn``).

Detection: the header (first line) has ``Post ID``, ``Publish time`` or
``Post type``, and ``Page ID``/``Page name`` (Facebook) or ``Account
ID``/``Account username`` (Instagram), in English or Swedish. The classic Page
Insights export (``facebook_post_level``: ``Posted``, a description row) is
not taken.

NA and zero, every metric: an empty cell is NA. Meta leaves low counts empty
(suppressed) in the component columns (``Comments``, ``Shares``, ...) while
filling the totals, so an empty cell is never read as 0; ``0`` is a reported
zero. Suppressed and zero cannot be told apart beyond that. A cell that is not
a number drops its row (with its line and column); ``,`` thousands separators
are accepted.

Lifetime: values are lifetime snapshots as of the export, so the same post in
a later export carries larger numbers. Where ``Date`` is not ``Lifetime``
(``Livstid`` in a Swedish export is taken as the same, an assumption) the
export covers a period only: the rows are loaded and a warning says the values
are for that period. Rows with a ``Data comment`` are loaded with a warning
naming how many there are.

Mapping to ``posts``:

- ``platform``: ``facebook`` for a header with ``Page ID``/``Page name``,
  ``instagram`` for one with ``Account ID``/``Account username``; a row whose
  ``Post type`` starts with ``IG`` is ``instagram`` in either. A header with
  neither raises :class:`~engagekit.core.errors.ExportError` unless ``platform=``
  is given.
- ``account``: ``Page name``, else ``Account username`` (a handle), else
  ``Account name`` (read only as this fallback), else ``account=``.
- ``Post ID`` -> ``post_id`` (required; an empty cell drops the row). A second
  row with the same ``Post ID`` is dropped (the first row is kept).
- ``Publish time`` -> ``published_at``: ``MM/DD/YYYY HH:MM`` without an
  offset, read in ``tz`` (UTC, with a warning, when none is given) and
  converted to UTC; ``YYYY-MM-DD HH:MM[:SS]`` is also accepted. Required; an
  empty or unreadable cell drops the row. In the hour a clock change repeats,
  the earlier instant is taken.
- ``Permalink`` -> ``url``.
- ``Title`` and ``Description`` -> ``text``: the one that is filled; where both
  are and one contains the other, the longer; else both, Title first, joined by
  a blank line (which of the two holds the caption varies with the post type).
- ``link_url``, ``utm_campaign``, ``utm_content``: the first link in the text
  that is not on Facebook's or Instagram's own hosts, and its UTM tags.
- ``Post type`` -> ``media_type``: ``Photos`` -> ``photo``, ``Videos`` ->
  ``video``, ``Links`` -> ``link``, ``Reels`` -> ``reel``, ``IG reel`` ->
  ``reel``, ``IG image`` -> ``image``, ``IG carousel`` -> ``carousel``, ``IG
  story`` -> ``story``; any other value lower-cased (without ``IG``).
- ``Views`` (older: ``Impressions``) -> ``impressions``.
- ``Reach`` -> ``reach``; older exports: ``Reach from Organic posts`` plus
  ``Reach from Boosted posts`` (a part left empty counts as none; NA when
  both are empty). People reached both ways are then counted twice: the sum
  is an upper bound of the reach.
- ``Reactions, Comments and Shares`` -> ``engagements``. Without that column
  (Instagram) ``engagements`` is ``reactions + comments + shares`` (``+
  saves`` where the file has ``Saves``), Meta's "interactions", and NA where
  any part is NA (suppressed).
- ``Reactions`` (Instagram: ``Likes``) -> ``reactions``; ``Comments`` ->
  ``comments``; ``Shares`` -> ``shares``; ``Saves`` -> ``saves``; ``Link
  Clicks`` -> ``link_clicks`` (NA where the export has no such column);
  ``Follows`` -> ``follows``; ``Profile visits`` -> ``profile_visits``.
- ``paid``: from ``Funded content status`` where the cell is filled (True for
  a status naming a boost, promotion, sponsorship, funding or ad; False for
  one saying not boosted / not funded / organic; an unrecognised status is NA
  with a warning); else from ``Reach from Boosted posts`` (True above 0, False
  at 0); else NA.
- Not loaded: ``Page ID``, ``Account ID``, ``Duration (sec)``, ``Caption
  type``, ``Is crosspost``, ``Is share``, ``Languages``, ``Custom labels``,
  ``Total clicks`` and ``Other Clicks`` (no canonical column: they are not
  link clicks), the ``Matched Audience Targeting Consumption`` and
  ``Negative feedback`` columns, ``Seconds viewed``, ``Average Seconds
  viewed``, earnings and ad columns. ``video_views`` is NA (``Views`` counts
  every view of any post type and goes to ``impressions``).

Options (keyword arguments to ``read_export``):

``platform=``
    ``"facebook"`` or ``"instagram"``, for a file whose header names neither a
    Page nor an account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from engagekit.core._arrow import constant_str
from engagekit.core.errors import ExportError
from engagekit.core.schema import BOOL, na_series
from engagekit.core.utm import link_columns
from ._base import ExportFormat, LoadOptions, LoadReport, register
from ._blocks import open_rows
from ._cells import RowBuilder
from ._records import header_names, match_columns, normalise_header

__all__ = ["META_SUITE_POSTS"]

_FORMAT = "meta_suite_posts"

#: Canonical key (or helper key) -> header aliases, English first, then Swedish.
_ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("Post ID", "Publicerings-id"),
    "page_id": ("Page ID", "Sid-id"),
    "page_name": ("Page name", "Sidnamn"),
    "account_id": ("Account ID", "Konto-id"),
    "username": ("Account username", "Kontots användarnamn"),
    "account_name": ("Account name", "Kontonamn"),
    "title": ("Title", "Titel"),
    "description": ("Description", "Beskrivning"),
    "published_at": ("Publish time", "Publiceringstid"),
    "url": ("Permalink", "Permalänk"),
    "post_type": ("Post type", "Inläggstyp"),
    "date": ("Date", "Datum"),
    "data_comment": ("Data comment",),
    "funded": ("Funded content status",),
    "impressions": ("Views", "Impressions", "Visningar"),
    "reach": ("Reach", "Räckvidd"),
    "reach_organic": ("Reach from Organic posts",),
    "reach_boosted": ("Reach from Boosted posts",),
    "engagements": ("Reactions, Comments and Shares", "Reaktioner, kommentarer och delningar"),
    "reactions": ("Reactions", "Likes", "Reaktioner", "Gilla-markeringar"),
    "comments": ("Comments", "Kommentarer"),
    "shares": ("Shares", "Delningar"),
    "saves": ("Saves", "Sparade objekt"),
    "link_clicks": ("Link Clicks", "Länkklick"),
    "follows": ("Follows", "Följer"),
    "profile_visits": ("Profile visits",),
}
_REQUIRED = ("post_id", "published_at")
#: Metrics read straight from one column each.
_DIRECT_METRICS = (
    "impressions", "reactions", "comments", "shares", "saves", "link_clicks", "follows", "profile_visits",
)
_FACEBOOK_KEYS = ("page_id", "page_name")
_INSTAGRAM_KEYS = ("account_id", "username")
_PLATFORMS = ("facebook", "instagram")

_PUBLISH_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
_LIFETIME = ("lifetime", "livstid")
_OWN_HOSTS = ("facebook.com", "fb.com", "fb.me", "fb.watch", "instagram.com", "instagr.am")

#: Post types (lower case) -> media_type; others are lower-cased without a leading ``IG``.
_MEDIA_TYPES: dict[str, str] = {
    "photos": "photo",
    "photo": "photo",
    "videos": "video",
    "video": "video",
    "links": "link",
    "link": "link",
    "reels": "reel",
    "reel": "reel",
    "ig reel": "reel",
    "ig image": "image",
    "ig carousel": "carousel",
    "ig video": "video",
    "ig story": "story",
    "stories": "story",
}
_NOT_FUNDED = re.compile(r"\b(?:not|non|un|no)[\s-]?(?:boost|fund|paid|promot|sponsor)|\borganic\b|^none$")
_FUNDED = re.compile(r"boost|paid|promot|sponsor|fund|advert|\bads?\b")
_NO_STATUS = ("n/a", "-", "--")
_DUPLICATE = "duplicate Post ID in this file (the first row is kept)"


def _has(names: set[str], key: str) -> bool:
    return any(normalise_header(alias) in names for alias in _ALIASES[key])


def _sniff(head: str, name: str) -> bool:
    names = set(header_names(head))
    return (
        _has(names, "post_id")
        and (_has(names, "published_at") or _has(names, "post_type"))
        and any(_has(names, key) for key in (*_FACEBOOK_KEYS, *_INSTAGRAM_KEYS))
    )


def _columns(header: Sequence[str], path: Path) -> dict[str, int]:
    return match_columns(header, _ALIASES, required=_REQUIRED, file=path, format=_FORMAT, line=1)


def _header_platform(cols: Mapping[str, int], options: LoadOptions, path: Path) -> str:
    """``facebook`` or ``instagram`` from the option, else from the columns that name a Page or an account."""
    chosen = options.extra.get("platform")
    if chosen is not None:
        if chosen not in _PLATFORMS:
            raise ExportError(path, f"platform= must be 'facebook' or 'instagram', not {chosen!r}")
        return chosen
    if any(key in cols for key in _FACEBOOK_KEYS):
        return "facebook"
    if any(key in cols for key in _INSTAGRAM_KEYS):
        return "instagram"
    raise ExportError(
        path,
        f"{_FORMAT}: cannot tell a Facebook Page export from an Instagram one: the header has none of "
        "'Page ID', 'Page name', 'Account ID', 'Account username'. Pass platform='facebook' or "
        "platform='instagram'.",
        line=1,
    )


def post_texts(titles: pd.Series, descriptions: pd.Series) -> pd.Series:
    """One text per post from a title and a description (NA where both are empty).

    The filled one; where both are filled and one contains the other, the
    longer; else both, title first, separated by a blank line.
    """
    texts: list[str | None] = []
    for title, description in zip(titles.tolist(), descriptions.tolist()):
        parts = [p for p in (title, description) if isinstance(p, str) and p]
        if len(parts) == 2:
            first, second = parts
            if second in first:
                parts = [first]
            elif first in second:
                parts = [second]
        texts.append("\n\n".join(parts) if parts else None)
    return pd.Series(texts, dtype="str")


def _publish_times(rows: RowBuilder, pos: int, tz: str | None) -> pd.Series:
    """``Publish time`` as UTC: local ``MM/DD/YYYY HH:MM`` (or ISO) read in ``tz``; bad cells fail their row."""
    raw = rows.raw(pos)
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    for fmt in _PUBLISH_FORMATS:
        missing = parsed.isna()
        if not missing.any():
            break
        attempt = pd.to_datetime(raw.where(missing), format=fmt, errors="coerce").astype("datetime64[us]")
        parsed = parsed.where(~missing, attempt)
    local = parsed.dt.tz_localize(
        tz or "UTC", ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="shift_forward"
    )
    empty = raw.isna().to_numpy(dtype=bool)
    bad = local.isna().to_numpy(dtype=bool) & ~empty
    rows.fail(bad, pos, "not a valid date/time (expected MM/DD/YYYY HH:MM)", raw)
    rows.fail(empty, pos, "empty date/time", raw)
    rows.mapping["published_at"] = rows.header[pos]
    return local.dt.tz_convert("UTC").astype("datetime64[us, UTC]")


def media_types(post_types: pd.Series) -> pd.Series:
    """Meta ``Post type`` values as ``media_type`` (``Photos`` -> ``photo``, ``IG reel`` -> ``reel``)."""
    lowered = post_types.str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    known = lowered.map(_MEDIA_TYPES)
    other = lowered.str.replace(r"^ig ", "", regex=True)
    return known.fillna(other).astype("str")


def _platforms(post_types: pd.Series, header_platform: str) -> pd.Series:
    """``instagram`` where the post type starts with ``IG``, else the header's platform."""
    is_instagram = post_types.str.strip().str.lower().str.match(r"ig\b").fillna(False).to_numpy(dtype=bool)
    values = np.where(is_instagram, "instagram", header_platform)
    return pd.Series(values, dtype="str")


def _accounts(rows: RowBuilder, cols: Mapping[str, int], options: LoadOptions, report: LoadReport) -> pd.Series:
    """Page name, else account username, else account name, else ``account=``."""
    account = na_series(len(rows), "str")
    used = []
    for key in ("page_name", "username", "account_name"):
        if key in cols:
            account = account.fillna(rows.raw(cols[key]))
            used.append(rows.header[cols[key]])
    if options.account:
        account = account.fillna(options.account)
    if used:
        rows.mapping["account"] = ", else ".join(used)
    if len(account) and account.isna().any():
        report.warn("some rows name no Page or account and no account= was given: their account is NA")
    return account.astype("str")


def _reach(rows: RowBuilder, cols: Mapping[str, int]) -> pd.Series:
    """``Reach``, else organic plus boosted reach (an empty part counts as none; NA when both are)."""
    if "reach" in cols or ("reach_organic" not in cols and "reach_boosted" not in cols):
        return rows.number("reach", cols.get("reach"))
    organic = rows.number(None, cols.get("reach_organic"))
    boosted = rows.number(None, cols.get("reach_boosted"))
    reach = (organic.fillna(0) + boosted.fillna(0)).mask(organic.isna() & boosted.isna())
    rows.columns["reach"] = reach
    rows.mapping["reach"] = " + ".join(
        rows.header[cols[key]] for key in ("reach_organic", "reach_boosted") if key in cols
    )
    return reach


def _engagements(rows: RowBuilder, cols: Mapping[str, int]) -> pd.Series:
    """The reported engagements, else reactions + comments + shares (+ saves): NA where a part is NA."""
    if "engagements" in cols or not all(k in cols for k in ("reactions", "comments", "shares")):
        return rows.number("engagements", cols.get("engagements"))
    parts = [k for k in ("reactions", "comments", "shares", "saves") if k in cols]
    total = rows.columns[parts[0]]
    for key in parts[1:]:
        total = total + rows.columns[key]
    rows.columns["engagements"] = total
    rows.mapping["engagements"] = " + ".join(rows.header[cols[k]] for k in parts)
    return total


def paid_from_status(statuses: pd.Series) -> tuple[pd.Series, list[str]]:
    """``Funded content status`` cells as ``paid`` (boolean, NA where empty or not recognised).

    Returns the values and the distinct statuses that were not recognised.
    """
    lowered = statuses.str.strip().str.lower()
    lowered = lowered.mask(lowered.isin(_NO_STATUS))
    paid = na_series(len(lowered), BOOL)
    not_funded = lowered.str.contains(_NOT_FUNDED).fillna(False).to_numpy(dtype=bool)
    funded = lowered.str.contains(_FUNDED).fillna(False).to_numpy(dtype=bool) & ~not_funded
    paid[not_funded] = False
    paid[funded] = True
    unknown = lowered.notna().to_numpy(dtype=bool) & ~funded & ~not_funded
    return paid, sorted(set(statuses[unknown].tolist()))


def _paid(rows: RowBuilder, cols: Mapping[str, int], report: LoadReport) -> pd.Series:
    """From the funded content status where filled, else from boosted reach, else NA."""
    paid = na_series(len(rows), BOOL)
    if "funded" in cols:
        paid, unknown = paid_from_status(rows.raw(cols["funded"]))
        if unknown:
            report.warn(
                "'Funded content status' values not recognised, paid left NA for them: "
                + ", ".join(repr(v) for v in unknown[:5])
            )
        rows.mapping["paid"] = rows.header[cols["funded"]]
    if "reach_boosted" in cols:
        boosted = rows.number(None, cols["reach_boosted"])
        paid = paid.where(paid.notna(), (boosted > 0).astype("boolean"))
        rows.mapping["paid"] = ", else ".join(
            rows.header[cols[k]] for k in ("funded", "reach_boosted") if k in cols
        )
    return paid


def _warn_period(rows: RowBuilder, cols: Mapping[str, int], report: LoadReport) -> None:
    """Warn where ``Date`` is not ``Lifetime``: the values then cover that period only."""
    if "date" not in cols:
        return
    dates = rows.raw(cols["date"])
    period = dates.notna() & ~dates.str.lower().isin(_LIFETIME)
    if period.any():
        values = list(dict.fromkeys(dates[period].tolist()))
        report.warn(
            f"'{rows.header[cols['date']]}' is not 'Lifetime' on {int(period.sum())} row(s) "
            f"({', '.join(repr(v) for v in values[:3])}): their values cover that period only, "
            "not the post's lifetime up to the export"
        )


def _warn_data_comments(rows: RowBuilder, cols: Mapping[str, int], report: LoadReport) -> None:
    if "data_comment" not in cols:
        return
    comments = rows.raw(cols["data_comment"]).dropna()
    if len(comments):
        report.warn(
            f"{len(comments)} row(s) carry a Meta 'Data comment' (e.g. {comments.iloc[0]!r}): "
            "their values may be incomplete"
        )


def _parse(path: Path, report: LoadReport, options: LoadOptions) -> pd.DataFrame:
    def select(header: list[str]) -> list[int]:
        return list(_columns(header, path).values())

    header, _, rows = open_rows(path, report, format=_FORMAT, select=select)
    cols = _columns(header.cells, path)
    header_platform = _header_platform(cols, options, path)
    n = len(rows)
    rows.require("post_id", cols["post_id"])
    rows.text("url", cols.get("url"))
    if options.tz is None:
        report.warn("'Publish time' has no time zone and no tz= was given: read as UTC")
    published = _publish_times(rows, cols["published_at"], options.tz)
    text = post_texts(rows.text(None, cols.get("title")), rows.text(None, cols.get("description")))
    text_columns = [rows.header[cols[k]] for k in ("title", "description") if k in cols]
    if text_columns:
        rows.mapping["text"] = ", ".join(text_columns)
    post_types = rows.text(None, cols.get("post_type"))
    if "post_type" in cols:
        rows.mapping["media_type"] = rows.header[cols["post_type"]]
    for key in _DIRECT_METRICS:
        rows.number(key, cols.get(key))
    _reach(rows, cols)
    _engagements(rows, cols)
    _warn_period(rows, cols, report)
    _warn_data_comments(rows, cols, report)
    extra: dict[str, pd.Series] = {
        "platform": _platforms(post_types, header_platform),
        "account": _accounts(rows, cols, options, report),
        "published_at": published,
        "text": text,
        "media_type": media_types(post_types),
        "paid": _paid(rows, cols, report),
        "source_file": constant_str(path.name, n),
    }
    extra.update(link_columns(text, skip_hosts=_OWN_HOSTS))
    frame = rows.finish(extra)
    return rows.drop_repeated(frame, "post_id", _DUPLICATE)


META_SUITE_POSTS = register(
    ExportFormat(
        name=_FORMAT,
        table="posts",
        title="Meta Business Suite post export, Facebook Page or Instagram account (one row per post, Lifetime)",
        sniff=_sniff,
        parse=_parse,
        example=(
            '"Post ID","Page ID","Page name",Title,Description,"Duration (sec)","Publish time","Caption type",'
            'Permalink,"Is crosspost","Is share","Post type",Languages,"Custom labels","Funded content status",'
            '"Data comment",Date,Views,Reach,"Reactions, Comments and Shares",Reactions,Comments,Shares,'
            '"Total clicks","Other Clicks","Matched Audience Targeting Consumption (Photo Click)","Link Clicks"\n'
            "Post ID,Account ID,Account username,Account name,Description,Duration (sec),Publish time,Permalink,"
            "Post type,Data comment,Date,Views,Reach,Likes,Shares,Follows,Comments,Saves"
        ),
    )
)
