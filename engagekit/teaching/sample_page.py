"""The sample client's Facebook Page: its followers and its Page-level daily export.

:func:`draw_followers` plants the follower path: the Page starts the year
with :data:`FOLLOWERS_START` followers; new followers arrive at the pace that
makes the audience follow the shared trend ``g(t)``; every day a base share of
followers leaves, and with promotion fatigue a further share that grows with
the self-promotional share of the Page's posts of the days before
(:func:`trailing_share`, the same window :func:`engagekit.follower_fatigue`
measures). :func:`write_page_daily` writes the classic Page Insights daily
export (``Facebook Insights Data Export - <Page> - <first> - <last>.csv``, read
by the ``facebook_page_daily`` loader): followers, new and lost followers, and
the Page's daily reach, impressions, clicks and feedback, the posts' lifetime
metrics spread over the days after each post.

Both draw from a random generator of their own, so that the other files of a
sample do not change with them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import pathlib
from dataclasses import dataclass

import numpy as np

__all__ = ["BASE_LOSS_RATE", "FOLLOWERS_START", "Followers", "PagePost", "draw_followers", "trailing_share",
           "write_page_daily"]

#: Page followers at the start of the year.
FOLLOWERS_START = 8400
#: Share of its followers the Page loses on any day, whatever it posts.
BASE_LOSS_RATE = 0.0006
#: Share of a post's lifetime activity on its publishing day and the three days after.
SPREAD = np.array([0.62, 0.24, 0.09, 0.05])

U, T = "(Unique Users)", "(Total Count)"
WINDOWS = ("Daily", "Weekly", "28 Days")


def _windows(measure: str, description: str, kind: str) -> list[tuple[str, str]]:
    """The daily, weekly and 28-day columns of one measure, described as the export describes them."""
    return [(f"{window} {measure}", f"{window}: {description} {kind}") for window in WINDOWS]


def _group(name: str, keys: tuple[str, ...], description: str, kind: str) -> list[tuple[str, str]]:
    """A breakdown group: only its first column carries the description."""
    return [(f"{name} - {key}", f"Daily: {description} {kind}" if i == 0 else "") for i, key in enumerate(keys)]


FEEDBACK = "given positive feedback to your Page, by type."
#: The export's columns: (header, description); an empty description continues a breakdown group.
COLUMNS: list[tuple[str, str]] = [
    ("Date", ""),
    ("Lifetime Total Likes", f"Lifetime: The total number of people who have liked your Page. {U}"),
    ("Daily New Likes", f"Daily: The number of new people who have liked your Page {U}"),
    ("Daily Unlikes", f"Daily: The number of Unlikes of your Page {U}"),
    *_windows("Page Engaged Users", "The number of people who engaged with your Page.", U),
    *_windows("Total Reach", "The number of people who have seen any content associated with your Page.", U),
    *_windows("Total Impressions", "The number of impressions seen of any content associated with your Page.", T),
    ("Daily Page consumptions", f"Daily: The number of clicks on any of your content. {T}"),
    *_group("Daily Page consumptions by type", ("link clicks", "other clicks", "photo view"),
            "The number of clicks on any of your content, by type.", T),
    *_group("Daily Positive Feedback from Users", ("comment", "like", "link"), f"The number of people who have {FEEDBACK}", U),
    *_group("Daily Positive Feedback from Users", ("comment", "like", "link"), f"The number of times people have {FEEDBACK}", T),
    ("Daily Total Video Views", f"Daily: Total number of times videos have been viewed for more than 3 seconds. {T}"),
]
#: Post metrics spread over the days after each post: export key -> key of the post's metrics.
POST_ACTIVITY = {"impressions": "impressions", "reach": "reach", "like": "like", "comment": "comment",
                 "link": "share", "link clicks": "link clicks", "other clicks": "other clicks",
                 "photo view": "photo view", "video views": "video views"}


@dataclass(frozen=True)
class PagePost:
    """What the Page export needs of one Page post: its local day index, whether it promotes, its metrics."""

    day: int
    self_promotional: bool
    metrics: dict


@dataclass(frozen=True)
class Followers:
    """The Page's planted follower path, one value per local day.

    Attributes
    ----------
    followers
        Followers at the end of each day (``Lifetime Total Likes``).
    new, lost
        Followers gained and lost that day (``Daily New Likes``, ``Daily Unlikes``).
    share
        The self-promotional share of the Page's posts of the window before each day (NaN: none).
    """

    followers: np.ndarray
    new: np.ndarray
    lost: np.ndarray
    share: np.ndarray

    def audience(self, trend: np.ndarray) -> np.ndarray:
        """Followers at the start of each day over those the trend alone would give: the audience kept."""
        start = np.concatenate([[FOLLOWERS_START], self.followers[:-1]])
        return start / (FOLLOWERS_START * np.asarray(trend, dtype=float))


def trailing_share(posts: list[PagePost], *, n_days: int, window: int) -> np.ndarray:
    """Per day, the self-promotional share of the posts of the ``window`` days before it (the day excluded).

    NaN on a day with no post in its window.
    """
    days = np.array([p.day for p in posts], dtype=int)
    promo = np.array([p.self_promotional for p in posts], dtype=float)
    count = np.concatenate([[0.0], np.cumsum(np.bincount(days, minlength=n_days)[:n_days])])
    promoted = np.concatenate([[0.0], np.cumsum(np.bincount(days, weights=promo, minlength=n_days)[:n_days])])
    first = np.maximum(np.arange(n_days) - window, 0)
    n = count[np.arange(n_days)] - count[first]
    k = promoted[np.arange(n_days)] - promoted[first]
    return np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)


def draw_followers(
    rng: np.random.Generator,
    *,
    trend: np.ndarray,
    trend_slope: float,
    share: np.ndarray,
    loss_per_share: float,
) -> Followers:
    """Draw the follower path.

    ``new(t) ~ Poisson(F0 * (trend_slope / 364 + BASE_LOSS_RATE * g(t)))`` (without fatigue the
    followers then follow ``F0 * g(t)``) and ``lost(t) ~ Poisson(followers(t-1) * (BASE_LOSS_RATE +
    loss_per_share * s(t)))``, ``s(t)`` the trailing self-promotional share (0 where NaN).
    """
    n_days = len(trend)
    followers, new, lost = (np.zeros(n_days, dtype=np.int64) for _ in range(3))
    level = FOLLOWERS_START
    for day in range(n_days):
        s = 0.0 if np.isnan(share[day]) else float(share[day])
        new[day] = rng.poisson(max(FOLLOWERS_START * (trend_slope / 364.0 + BASE_LOSS_RATE * trend[day]), 0.0))
        lost[day] = min(rng.poisson(level * (BASE_LOSS_RATE + loss_per_share * s)), level)
        level = int(level + new[day] - lost[day])
        followers[day] = level
    return Followers(followers, new, lost, np.asarray(share, dtype=float))


def _spread(rng: np.random.Generator, posts: list[PagePost], n_days: int) -> dict[str, np.ndarray]:
    """Each post's lifetime metrics spread over its publishing day and the days after (multinomial)."""
    out = {key: np.zeros(n_days + len(SPREAD), dtype=np.int64) for key in POST_ACTIVITY}
    for post in posts:
        for key, name in POST_ACTIVITY.items():
            value = post.metrics.get(name, 0) if name != "video views" else post.metrics.get("video", {}).get("views_t", 0)
            value = int(value)
            if value:
                out[key][post.day: post.day + len(SPREAD)] += rng.multinomial(value, SPREAD)
    return {key: values[:n_days] for key, values in out.items()}


def _rolling(values: np.ndarray, days: int, factor: float) -> np.ndarray:
    """Sum over the ``days`` days up to each day, times ``factor`` (people counted once across days)."""
    total = np.convolve(values, np.ones(days))[: len(values)]
    return np.round(total * factor).astype(np.int64)


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def write_page_daily(
    rng: np.random.Generator,
    folder: pathlib.Path,
    *,
    page_name: str,
    start: dt.date,
    trend: np.ndarray,
    followers: Followers,
    posts: list[PagePost],
) -> pathlib.Path:
    """Write the Page-level daily export of the year (CRLF, no BOM, description row, oldest day first).

    The Page's daily likes, comments, shares and clicks are its posts' lifetime metrics spread over
    each post's first days (:data:`SPREAD`); reach and impressions add views of the Page itself.
    Breakdown cells that are zero are written empty, as the export does.
    """
    n_days = len(trend)
    act = _spread(rng, posts, n_days)
    trend = np.asarray(trend, dtype=float)
    impressions = act["impressions"] + rng.poisson(240.0 * trend)
    reach = np.minimum(np.round(0.8 * act["reach"]).astype(np.int64) + rng.poisson(170.0 * trend), impressions)
    unique = {key: np.round(act[key] * rng.uniform(0.8, 0.95, n_days)).astype(np.int64)
              for key in ("comment", "like", "link")}
    consumptions = act["link clicks"] + act["other clicks"] + act["photo view"]
    engaged = np.minimum(np.round(0.75 * consumptions + 0.8 * sum(unique.values())).astype(np.int64), reach)
    columns = [
        followers.followers, followers.new, followers.lost,
        engaged, _rolling(engaged, 7, 0.8), _rolling(engaged, 28, 0.6),
        reach, _rolling(reach, 7, 0.7), _rolling(reach, 28, 0.45),
        impressions, _rolling(impressions, 7, 1.0), _rolling(impressions, 28, 1.0),
        consumptions,
    ]
    breakdowns = [act["link clicks"], act["other clicks"], act["photo view"],
                  unique["comment"], unique["like"], unique["link"], act["comment"], act["like"], act["link"]]
    rows = [[name for name, _ in COLUMNS], [text for _, text in COLUMNS]]
    for day in range(n_days):
        date = start + dt.timedelta(days=day)
        rows.append([f"{date.month}/{date.day}/{date.year}"] + [str(int(c[day])) for c in columns]
                    + [str(int(b[day])) if b[day] else "" for b in breakdowns] + [str(int(act["video views"][day]))])
    last = start + dt.timedelta(days=n_days - 1)
    path = folder / f"Facebook Insights Data Export - {page_name} - {start} - {last}.csv"
    path.write_bytes(_csv(rows).encode("utf-8"))
    return path
