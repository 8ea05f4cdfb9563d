"""The canonical tables every loader writes and every analysis reads.

Each table is an ordered mapping of column name to pandas dtype. Metrics are
nullable (``Int64``/``Float64``): NA means the platform did not report a value,
0 means it reported zero. Ids and free text are ``str``; timestamps of single
events are UTC (``datetime64[us, UTC]``); daily tables carry a local calendar
``date`` (``datetime64[us]``, midnight, no time zone).

``posts.reported_engagement_rate`` is the engagement rate the platform itself
wrote in its export for the post, as a fraction (0..1); NA where the export
has none. engagekit's own rates, each named by its definition, are computed
in :mod:`engagekit.goals.rates`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from engagekit.core._arrow import missing_str

__all__ = [
    "local_day",
    "AUDIENCE_CENTRED",
    "CATEGORIES",
    "MEDIA_TYPES",
    "SELF_PROMOTIONAL",
    "UNCLASSIFIED",
    "normalise_media_type",
    "TABLES",
    "PLATFORMS",
    "METRIC_DTYPES",
    "empty_frame",
    "conform",
    "na_series",
    "validate",
]

STR = "str"
INT = "Int64"
FLOAT = "Float64"
BOOL = "boolean"
UTC = "datetime64[us, UTC]"
DAY = "datetime64[us]"

PLATFORMS: tuple[str, ...] = ("x", "facebook", "instagram", "linkedin", "youtube", "tiktok")

TABLES: dict[str, dict[str, str]] = {
    "posts": {
        "platform": STR,
        "account": STR,
        "post_id": STR,
        "published_at": UTC,
        "text": STR,
        "url": STR,
        "media_type": STR,
        "paid": BOOL,
        "link_url": STR,
        "utm_campaign": STR,
        "utm_content": STR,
        "impressions": INT,
        "reach": INT,
        "engagements": INT,
        "reactions": INT,
        "comments": INT,
        "shares": INT,
        "saves": INT,
        "link_clicks": INT,
        "profile_visits": INT,
        "video_views": INT,
        "follows": INT,
        "reported_engagement_rate": FLOAT,
        "source_file": STR,
    },
    "account_daily": {
        "platform": STR,
        "account": STR,
        "date": DAY,
        "followers": INT,
        "new_followers": INT,
        "lost_followers": INT,
        "impressions": INT,
        "reach": INT,
        "engagements": INT,
        "reactions": INT,
        "comments": INT,
        "shares": INT,
        "link_clicks": INT,
        "video_views": INT,
        "posts_published": INT,
    },
    "traffic": {
        "date": DAY,
        "source": STR,
        "medium": STR,
        "campaign": STR,
        "content": STR,
        "channel": STR,
        "sessions": INT,
        "users": INT,
        "engaged_sessions": INT,
        "key_events": FLOAT,
        "revenue": FLOAT,
    },
    "outcomes": {
        "occurred_at": UTC,
        "outcome": STR,
        "value": FLOAT,
        "currency": STR,
        "customer_key": STR,
        "record_id": STR,
        "source": STR,
        "medium": STR,
        "campaign": STR,
        "content": STR,
    },
    "events": {
        "occurred_at": UTC,
        "user_key": STR,
        "session_key": STR,
        "event": STR,
        "source": STR,
        "medium": STR,
        "campaign": STR,
        "content": STR,
        "value": FLOAT,
    },
}

#: The numeric columns of every table, with their dtype.
METRIC_DTYPES: dict[str, dict[str, str]] = {
    table: {col: dtype for col, dtype in columns.items() if dtype in (INT, FLOAT)}
    for table, columns in TABLES.items()
}


def _columns(table: str) -> dict[str, str]:
    try:
        return TABLES[table]
    except KeyError:
        raise ValueError(f"unknown table {table!r}; tables are: {', '.join(TABLES)}") from None


def empty_frame(table: str) -> pd.DataFrame:
    """Return an empty DataFrame with the canonical columns and dtypes of ``table``."""
    columns = _columns(table)
    return pd.DataFrame({col: pd.Series(dtype=dtype) for col, dtype in columns.items()})


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``frame`` with exactly the canonical columns of ``table``, in order and typed.

    Columns the frame lacks are added as all-NA; columns the table does not
    know are an error (a loader must map or discard them explicitly).

    Parameters
    ----------
    frame
        A frame whose columns are a subset of the table's columns.
    table
        One of :data:`TABLES`.

    Returns
    -------
    pandas.DataFrame
        A new frame with a fresh ``RangeIndex``.
    """
    columns = _columns(table)
    unknown = [col for col in frame.columns if col not in columns]
    if unknown:
        raise ValueError(f"columns not in the {table} table: {unknown}")
    out = {}
    n = len(frame)
    for col, dtype in columns.items():
        if col in frame.columns:
            out[col] = _cast(frame[col].reset_index(drop=True), dtype)
        else:
            out[col] = na_series(n, dtype)
    return pd.DataFrame(out, index=pd.RangeIndex(n), copy=False)  # the columns are new Series already


def na_series(n: int, dtype: str) -> pd.Series:
    """``n`` missing values of a canonical ``dtype``, built without a Python object per value."""
    if dtype == INT:
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)))
    if dtype == FLOAT:
        return pd.Series(pd.arrays.FloatingArray(np.zeros(n), np.ones(n, dtype=bool)))
    if dtype == BOOL:
        return pd.Series(pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool)))
    if dtype == STR:
        return missing_str(n)
    naive = pd.Series(np.full(n, np.datetime64("NaT", "us")))
    return naive.dt.tz_localize("UTC") if dtype == UTC else naive


def _cast(series: pd.Series, dtype: str) -> pd.Series:
    if str(series.dtype) == dtype:
        return series
    if dtype == UTC:
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            return series.dt.tz_convert("UTC").astype(UTC)
        return pd.to_datetime(series, utc=True).astype(UTC)
    if dtype == DAY:
        return pd.to_datetime(series).astype(DAY)
    return series.astype(dtype)


def validate(frame: pd.DataFrame, table: str) -> None:
    """Raise ``ValueError`` unless ``frame`` has exactly the canonical columns and dtypes."""
    columns = _columns(table)
    missing = [col for col in columns if col not in frame.columns]
    extra = [col for col in frame.columns if col not in columns]
    if missing or extra:
        raise ValueError(
            f"{table}: missing columns {missing}, unexpected columns {extra}"
        )
    wrong = {
        col: str(frame[col].dtype)
        for col, dtype in columns.items()
        if str(frame[col].dtype) != dtype
    }
    if wrong:
        expected = {col: columns[col] for col in wrong}
        raise ValueError(f"{table}: wrong dtypes {wrong}, expected {expected}")


def column_order(table: str) -> list[str]:
    """The canonical column names of ``table``, in order."""
    return list(_columns(table))


def dtypes(table: str) -> Mapping[str, str]:
    """The canonical dtype of each column of ``table``."""
    return dict(_columns(table))


# --------------------------------------------------------------------------- content categories

#: The content categories of posts: self-promotional ones (about the company) and audience-centred ones.
SELF_PROMOTIONAL: tuple[str, ...] = ("offer", "product", "company_news")
AUDIENCE_CENTRED: tuple[str, ...] = ("educational", "entertaining", "inspirational", "community")
CATEGORIES: tuple[str, ...] = SELF_PROMOTIONAL + AUDIENCE_CENTRED
UNCLASSIFIED = "unclassified"
MEDIA_TYPES: tuple[str, ...] = ("photo", "video", "carousel", "link", "text", "unknown")
#: The platforms' media type words -> engagekit's media type.
_MEDIA_ALIASES: dict[str, str] = {
    **dict.fromkeys(("photo", "image", "picture", "photos", "images", "gif", "animated_gif"), "photo"),
    **dict.fromkeys(("video", "videos", "reel", "reels", "short", "shorts", "live", "live_video", "igtv"), "video"),
    **dict.fromkeys(("carousel", "carousel_album", "album", "multi_photo", "document", "slideshow"), "carousel"),
    **dict.fromkeys(("link", "links", "article", "share", "shared_story", "url"), "link"),
    **dict.fromkeys(("text", "status", "note", "post", "tweet", "poll"), "text"),
}


def normalise_media_type(media_type: pd.Series) -> pd.Series:
    """The platforms' media type words as one of :data:`MEDIA_TYPES` (``unknown`` where NA or unrecognised)."""
    words = media_type.astype("str").str.strip().str.lower().str.replace(r"[\s-]+", "_", regex=True)
    return words.map(_MEDIA_ALIASES).fillna("unknown").astype("str")


def local_day(values: pd.Series, tz: str) -> pd.Series:
    """The local calendar day (midnight, no zone) of a canonical time column: UTC timestamps are read
    in ``tz``; dates (no zone) are local already."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(tz).dt.tz_localize(None)
    return values.dt.normalize().astype("datetime64[us]")
