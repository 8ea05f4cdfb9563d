"""GA4 default channel grouping from source, medium and campaign.

An approximation of Google's published rules
(https://support.google.com/analytics/answer/9756891) with a small built-in
list of social, search and video sites instead of Google's source-category
spreadsheet. Matching is case-insensitive. Rules are tried in GA4's order;
the first that matches wins:

1. Direct: source ``(direct)`` and medium ``(none)``, ``(not set)`` or empty.
2. Paid Search: a search site and a paid medium (``cp*``, ``ppc``, ``retargeting``, ``paid*``).
3. Paid Social: a social site and a paid medium.
4. Paid Video: a video site and a paid medium.
5. Display: medium ``display``, ``banner``, ``expandable``, ``interstitial`` or ``cpm``.
6. Paid Search: any other source with medium ``cpc``, ``ppc`` or ``paidsearch``.
7. Organic Social: a social site, or medium ``social``, ``social-network``,
   ``social-media``, ``sm``, ``social network`` or ``social media``.
8. Organic Video: a video site, or a medium containing ``video``.
9. Organic Search: a search site, or medium ``organic``.
10. Email: ``email``, ``e-mail``, ``e_mail`` or ``e mail`` as source or medium.
11. Affiliates: medium ``affiliate``.
12. Referral: medium ``referral``, ``app`` or ``link``.
13. Audio: medium ``audio``.
14. SMS: source or medium ``sms``.
15. Otherwise ``Unassigned`` (GA4's current name for the older ``(Other)``).

A site matches with or without subdomains and top-level domain:
``facebook``, ``m.facebook.com`` and ``l.facebook.com`` are all Facebook.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "SOCIAL_CHANNELS",
    "SOCIAL_SOURCES",
    "SEARCH_SOURCES",
    "VIDEO_SOURCES",
    "UNASSIGNED",
    "default_channel_group", "traffic_channel"]

SOCIAL_SOURCES: tuple[str, ...] = (
    "facebook", "fb", "instagram", "ig", "twitter", "x", "t.co", "linkedin",
    "lnkd.in", "pinterest", "reddit", "tiktok", "snapchat", "threads", "tumblr",
    "quora", "whatsapp", "messenger", "bsky", "mastodon",
)
SEARCH_SOURCES: tuple[str, ...] = (
    "google", "bing", "duckduckgo", "yahoo", "baidu", "yandex", "ecosia",
    "ask", "naver", "startpage", "qwant",
)
VIDEO_SOURCES: tuple[str, ...] = ("youtube", "youtu.be", "vimeo", "twitch", "dailymotion")
UNASSIGNED = "Unassigned"
#: The channel groups of visits from social media, organic and paid.
SOCIAL_CHANNELS = ("Organic Social", "Paid Social")

_PAID = r"^(?:.*cp.*|ppc|retargeting|paid.*)$"
_SOCIAL_MEDIUM = r"^(?:social|social-network|social-media|sm|social network|social media)$"
_EMAIL = r"^(?:email|e-mail|e_mail|e mail)$"


def _site_pattern(names: tuple[str, ...]) -> str:
    """A regex matching any of ``names`` with optional subdomains and domain suffix."""
    alternatives = "|".join(re.escape(n) for n in names)
    return rf"^(?:[a-z0-9-]+\.)*(?:{alternatives})(?:\.[a-z]{{2,}})*$"


_SOCIAL_SITE = _site_pattern(SOCIAL_SOURCES)
_SEARCH_SITE = _site_pattern(SEARCH_SOURCES)
_VIDEO_SITE = _site_pattern(VIDEO_SOURCES)


def _clean(values: pd.Series | None, length: int) -> pd.Series:
    """Lower-cased, trimmed text; NA becomes the empty string."""
    if values is None:
        return pd.Series([""] * length, dtype="str")
    text = pd.Series(values, dtype="str").reset_index(drop=True)
    return text.str.strip().str.lower().fillna("")


def _matches(values: pd.Series, pattern: str) -> np.ndarray:
    """Boolean array: which values match ``pattern`` in full."""
    return values.str.match(pattern).fillna(False).to_numpy(dtype=bool)


def default_channel_group(
    source: pd.Series,
    medium: pd.Series,
    campaign: pd.Series | None = None,
) -> pd.Series:
    """The GA4 default channel group of each (source, medium, campaign).

    Parameters
    ----------
    source, medium
        Session (or first-user) source and medium, as tagged (any case; NA allowed).
    campaign
        Campaign names; accepted for the GA4 signature. Only ``cross-network``
        campaigns use it (channel ``Cross-network``).

    Returns
    -------
    pandas.Series
        ``str`` channel names, aligned with ``source`` (same index).
    """
    n = len(source)
    src = _clean(source, n)
    med = _clean(medium, n)
    camp = _clean(campaign, n)
    paid = _matches(med, _PAID)
    social = _matches(src, _SOCIAL_SITE)
    search = _matches(src, _SEARCH_SITE)
    video = _matches(src, _VIDEO_SITE)
    rules: list[tuple[np.ndarray, str]] = [
        ((src == "(direct)").to_numpy() & med.isin(["(none)", "(not set)", ""]).to_numpy(), "Direct"),
        (camp.str.contains("cross-network", regex=False).to_numpy(dtype=bool), "Cross-network"),
        (search & paid, "Paid Search"),
        (social & paid, "Paid Social"),
        (video & paid, "Paid Video"),
        (med.isin(["display", "banner", "expandable", "interstitial", "cpm"]).to_numpy(), "Display"),
        (med.isin(["cpc", "ppc", "paidsearch"]).to_numpy(), "Paid Search"),
        (social | _matches(med, _SOCIAL_MEDIUM), "Organic Social"),
        (video | med.str.contains("video", regex=False).to_numpy(dtype=bool), "Organic Video"),
        (search | (med == "organic").to_numpy(), "Organic Search"),
        (_matches(src, _EMAIL) | _matches(med, _EMAIL), "Email"),
        ((med == "affiliate").to_numpy(), "Affiliates"),
        (med.isin(["referral", "app", "link"]).to_numpy(), "Referral"),
        ((med == "audio").to_numpy(), "Audio"),
        ((src == "sms").to_numpy() | (med == "sms").to_numpy(), "SMS"),
    ]
    conditions = [cond for cond, _ in rules]
    choices = [name for _, name in rules]
    channels = np.select(conditions, choices, default=UNASSIGNED) if n else np.array([], dtype=object)
    return pd.Series(list(channels), dtype="str", index=source.index)


def traffic_channel(traffic: pd.DataFrame) -> pd.Series:
    """Each traffic row's GA4 default channel group: the ``channel`` column, else worked out from source/medium."""
    channel = traffic["channel"].astype("str")
    missing = channel.isna()
    if missing.any():
        rows = traffic.loc[missing]
        channel = channel.copy()
        channel.loc[missing] = default_channel_group(rows["source"], rows["medium"], rows["campaign"]).to_numpy()
    return channel
