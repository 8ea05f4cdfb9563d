"""A second, independent world generator for the recovery study: post-level, continuous-time, realistic.

:mod:`engagekit.teaching.sample` plants a simple process (one driver at one exact lag,
a linear trend, Poisson noise, independent metrics). This module draws worlds
that differ from it and from the verdicts' daily distributed-lag model, so
that verdicts are judged on data they were not designed on:

* a client in one of several time zones, 400 to 600 days starting anywhere in
  2022-2025, posting on X and Facebook, each platform with its own posting
  rate, weekly pattern, posting hours and breaks;
* an audience trend ``a(t)`` of one kind (linear or exponential growth or
  decline, a kink, a November bump, flat then growing to 5x, or one of them
  with a November bump on top) and a multiplicative weekly pattern;
* per post: ``reach = a(t) w(t) base lognormal``, an "appeal" and a link or
  not; reactions, comments, shares and link clicks are negative-binomial
  counts whose means rise with reach and appeal (each metric with its own
  elasticity to appeal), so the metrics' daily sums move together;
* the KPI (registrations or orders) per local day is
  ``NegativeBinomial(mean = base k(t) w_kpi(t) + driver part, size)``; each
  driver spreads ``effect_per_unit`` KPI units per unit of its metric over
  continuous time after the post's publish timestamp (nothing for
  ``delay_days``, then exponential decay with ``half_life_days``), integrated
  over each local calendar day of the client.

:func:`random_world` draws a :class:`StudyWorld` from one seed;
:func:`write_world` writes it as a client folder in the platforms' native
export formats (X per-tweet activity files, Facebook post-level exports, a
CRM registration list or a Shopify orders export), with ``client.yml`` and
``truth.yml``. The same seed gives the same world and byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import pathlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import yaml

from engagekit.teaching.sample import (
    SHOPIFY_HEADER,
    X_HEADER,
    X_PROMOTED,
    _csv_text,
    _fb_head,
    _fb_line,
    _fb_metric_cells,
    _write_text,
    _x_cells,
)

__all__ = [
    "DRIVER_METRICS",
    "TREND_KINDS",
    "StudyWorld",
    "WorldBreak",
    "WorldDriver",
    "WorldMetric",
    "WorldPlatform",
    "WorldTrend",
    "WorldTruth",
    "diff_correlations",
    "random_world",
    "write_world",
]

#: The engagement metrics a world may plant as drivers (the rest are noise).
DRIVER_METRICS = ("reactions", "comments", "shares", "link_clicks")
#: The kinds of audience trend; ``random_world`` may also put a November bump on top of the first, third
#: or fifth (e.g. ``"kink+november-bump"``).
TREND_KINDS = ("linear", "exponential", "kink", "november-bump", "flat-then-5x")
#: The KPI's own trend (when it does not share the audience's) may also be flat.
KPI_TREND_KINDS = (*TREND_KINDS, "flat")
BUMP = "november-bump"
#: Client time zones and their currencies.
TIMEZONES = {
    "America/New_York": "USD",
    "America/Los_Angeles": "USD",
    "Europe/London": "GBP",
    "Asia/Tokyo": "JPY",
    "Australia/Sydney": "AUD",
    "Asia/Kolkata": "INR",
    "America/Sao_Paulo": "BRL",
}
PLATFORMS = ("x", "facebook")
#: Posting hours (local): 6:00 to 22:59, clear of every time zone's clock changes.
POST_HOURS = np.arange(6, 23)
#: The KPI's hours of the day (local), registrations and orders alike.
KPI_HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 8, 9, 10, 11, 11, 9, 6, 3], dtype=float)
DAY = 86_400
FIRST_START = dt.date(2022, 1, 1)
LAST_START = dt.date(2025, 12, 31)
#: Days of posts in one Facebook export file.
FB_FILE_DAYS = 92
#: Outcome files and the date format of the CRM list's times (with offset).
REGISTRATIONS_FILE = "registrations.csv"
ORDERS_FILE = "orders_export_1.csv"
OFFSET_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

BRANDS = ["NorthPeak", "LumaLeaf", "Corvid & Co", "Tidewell", "Brightstone", "Moss Lane", "Kiteworks", "Velora",
          "Quillbay", "Harbor Hen", "Solenne", "Pinefold"]
TOPICS = ["how to choose the right size", "five ways to get started", "what our customers asked this month",
          "a guide for beginners", "the behind-the-scenes story", "our most requested feature",
          "tips from our team", "a checklist for the season", "what changed this year", "answers to your questions"]
PLAIN_TEXTS = ["Behind the scenes at {brand} today", "What would you like to see from us next? Tell us below",
               "Thank you for being part of the {brand} community!", "Monday motivation from our team",
               "Our team at work: meet the people behind {brand}", "Which one is your favourite? Vote in the replies",
               "A quiet moment at the {brand} studio", "Weekend plans? Share yours with us"]
PRODUCTS = [("Starter Kit", "SK-01", 29.0), ("Refill Pack", "RF-02", 12.5), ("Premium Set", "PS-03", 64.0),
            ("Gift Card", "GC-04", 25.0), ("Travel Case", "TC-05", 18.0), ("Annual Plan", "AP-06", 99.0)]
PRODUCT_P = np.array([0.3, 0.25, 0.1, 0.1, 0.15, 0.1])
#: Sources of KPI events no post caused: (utm_source, utm_medium, probability).
BASELINE_SOURCES = [("google", "organic", 0.35), ("", "", 0.35), ("newsletter", "email", 0.1), ("google", "cpc", 0.2)]
#: utm_source of a tagged KPI event a platform's post caused.
SOCIAL_SOURCE = {"x": "t.co", "facebook": "facebook"}


# --------------------------------------------------------------------------- truth


@dataclass(frozen=True)
class WorldTrend:
    """A trend over the period: a multiplier of 1 on the first day (before any November bump).

    Parameters
    ----------
    kind : str
        One of :data:`KPI_TREND_KINDS`, or ``"<kind>+november-bump"``.
    params : tuple of (str, float)
        The kind's parameters: ``slope`` (linear and November bump: ``1 + slope u``),
        ``rate`` (exponential: ``exp(rate u)``), ``at`` and ``change`` (kink: flat until ``u = at``,
        then linear to ``change`` at the end), ``at`` and ``factor`` (flat-then-5x: flat until
        ``u = at``, then exponential growth to ``factor``), and for a bump ``bump_height``,
        ``bump_peak`` (day of November) and ``bump_width_days`` (a normal curve's standard
        deviation). ``u`` runs from 0 on the first day to 1 on the last.
    """

    kind: str
    params: tuple[tuple[str, float], ...]

    def param(self, name: str) -> float:
        """One parameter's value."""
        return dict(self.params)[name]

    def values(self, start: dt.date, n_days: int) -> np.ndarray:
        """The trend on each of the ``n_days`` days from ``start``."""
        p = dict(self.params)
        u = np.arange(n_days) / (n_days - 1)
        base, _, bump = self.kind.partition("+")
        if base == "linear" or base == BUMP:
            out = 1.0 + p.get("slope", 0.0) * u
        elif base == "exponential":
            out = np.exp(p["rate"] * u)
        elif base == "kink":
            out = 1.0 + (p["change"] - 1.0) * np.clip((u - p["at"]) / (1.0 - p["at"]), 0.0, None)
        elif base == "flat-then-5x":
            out = p["factor"] ** np.clip((u - p["at"]) / (1.0 - p["at"]), 0.0, None)
        elif base == "flat":
            out = np.ones(n_days)
        else:
            raise ValueError(f"unknown trend kind {self.kind!r}")
        if base == BUMP or bump == BUMP:
            out = out * _bump(start, n_days, p["bump_height"], int(p["bump_peak"]), p["bump_width_days"])
        return out

    def formula(self) -> str:
        """The trend as a formula (``u`` = day / (days - 1), from 0 to 1)."""
        p = dict(self.params)
        base, _, bump = self.kind.partition("+")
        slope = p.get("slope", 0.0)
        text = {
            "linear": f"1 {'-' if slope < 0 else '+'} {abs(slope):g} u",
            BUMP: f"1 {'-' if slope < 0 else '+'} {abs(slope):g} u",
            "exponential": f"exp({p.get('rate', 0):g} u)",
            "kink": f"1 + ({p.get('change', 1):g} - 1) max(0, (u - {p.get('at', 0):g}) / (1 - {p.get('at', 0):g}))",
            "flat-then-5x": f"{p.get('factor', 5):g} ** max(0, (u - {p.get('at', 0):g}) / (1 - {p.get('at', 0):g}))",
            "flat": "1",
        }[base]
        if base == BUMP or bump == BUMP:
            text = (f"({text}) x (1 + {p['bump_height'] - 1:g} exp(-(days from November {int(p['bump_peak'])})^2 / "
                    f"(2 x {p['bump_width_days']:g}^2)))")
        return text

    def as_dict(self) -> dict:
        """The trend as truth.yml writes it."""
        return {"kind": self.kind, "formula": self.formula(), "params": {k: v for k, v in self.params}}


def _bump(start: dt.date, n_days: int, height: float, peak_day: int, width: float) -> np.ndarray:
    """``1 + (height - 1) * exp(-d^2 / (2 width^2))``, ``d`` = days from the nearest November ``peak_day``."""
    days = np.array([start.toordinal() + i for i in range(n_days)], dtype=float)
    years = range(start.year - 1, (start + dt.timedelta(days=n_days)).year + 2)
    peaks = np.array([dt.date(y, 11, peak_day).toordinal() for y in years], dtype=float)
    distance = np.min(np.abs(days[:, None] - peaks[None, :]), axis=1)
    return 1.0 + (height - 1.0) * np.exp(-0.5 * (distance / width) ** 2)


@dataclass(frozen=True)
class WorldDriver:
    """One planted driver of the KPI.

    Parameters
    ----------
    metric : str
        One of :data:`DRIVER_METRICS`.
    delay_days : int
        0 to 7: days from a post's publish time until its effect starts.
    half_life_days : float
        0.3 to 3: the half-life of the effect's exponential decay after the delay.
    effect_per_unit : float
        Total KPI units one unit of the metric causes, summed over all its carryover
        (the part after the period's end is not seen).
    share_caused : float
        The share of the period's expected KPI that this driver causes.
    """

    metric: str
    delay_days: int
    half_life_days: float
    effect_per_unit: float
    share_caused: float


@dataclass(frozen=True)
class WorldMetric:
    """How one engagement metric of one platform's posts is drawn.

    ``count ~ NegativeBinomial(mean = per_reach * reach * appeal ** appeal_elasticity, size = dispersion)``
    (link clicks: 0 on posts without a link).
    """

    metric: str
    per_reach: float
    appeal_elasticity: float
    dispersion: float


@dataclass(frozen=True)
class WorldPlatform:
    """One platform's posting and its posts' engagement.

    Parameters
    ----------
    platform : str
        ``"x"`` or ``"facebook"``.
    posts_per_day : float
        Mean posts a day outside breaks.
    posting_weekly : tuple of float
        Weekday multipliers (Monday first, mean 1) of the posting rate.
    posting_hours : tuple of float
        Weights of the local posting hours 6 to 22.
    base_reach : float
        Median reach of a post when the audience trend and weekly pattern are 1.
    reach_sigma : float
        Sigma of the post's log-normal reach factor.
    link_share : float
        Probability that a post carries a link.
    metrics : tuple of WorldMetric
        How each engagement metric is drawn.
    """

    platform: str
    posts_per_day: float
    posting_weekly: tuple[float, ...]
    posting_hours: tuple[float, ...]
    base_reach: float
    reach_sigma: float
    link_share: float
    metrics: tuple[WorldMetric, ...]

    def as_dict(self) -> dict:
        """The platform's parameters as truth.yml writes them."""
        return {
            "posts_per_day": self.posts_per_day, "posting_weekly": list(self.posting_weekly),
            "posting_hours": {int(h): w for h, w in zip(POST_HOURS, self.posting_hours)},
            "base_reach": self.base_reach, "reach_sigma": self.reach_sigma, "link_share": self.link_share,
            "metrics": {m.metric: {"per_reach": m.per_reach, "appeal_elasticity": m.appeal_elasticity,
                                   "dispersion": m.dispersion} for m in self.metrics},
        }


@dataclass(frozen=True)
class WorldBreak:
    """A posting break: no posts on ``platforms`` for ``days`` local days from ``start``."""

    start: dt.date
    days: int
    platforms: tuple[str, ...]


@dataclass(frozen=True)
class WorldTruth:
    """Everything a world plants.

    Parameters
    ----------
    seed : int
        The seed of :func:`numpy.random.default_rng` it was drawn from.
    timezone, currency : str
        The client's time zone (its local calendar days are the days of every series) and currency.
    start : datetime.date
        The first local day; the period has ``n_days`` days.
    kpi : str
        ``"registration"`` or ``"order"``.
    kpi_source : str
        ``"generic"`` (a CRM list of registrations) or ``"shopify"`` (an orders export).
    drivers : tuple of WorldDriver
        The planted drivers (none, one or two).
    trend : str
        The audience trend's kind.
    trend_shared : bool
        Whether the KPI's baseline follows the audience trend (else its own, ``kpi_trend``).
    audience_trend, kpi_trend : WorldTrend
        The trends of the audience (reach) and of the KPI's baseline.
    audience_weekly, kpi_weekly : tuple of float
        Weekday multipliers (Monday first, mean 1) of reach and of the KPI's baseline.
    kpi_base : float
        The KPI's baseline a day when its trend and weekly pattern are 1.
    kpi_dispersion : float
        The size parameter of the KPI's negative binomial.
    appeal_sigma : float
        Sigma of each post's log-normal appeal.
    platforms : tuple of WorldPlatform
        X and Facebook.
    breaks : tuple of WorldBreak
        Posting breaks.
    kpi_time_format : str
        How the CRM list writes times: ``"offset"`` (ISO 8601 with the UTC offset) or
        ``"local"`` (local wall-clock time); Shopify always writes the offset.
    brand : str
        The fictional client's name (X handle and Facebook Page).
    """

    seed: int
    timezone: str
    currency: str
    start: dt.date
    n_days: int
    kpi: str
    kpi_source: str
    drivers: tuple[WorldDriver, ...]
    trend: str
    trend_shared: bool
    audience_trend: WorldTrend
    kpi_trend: WorldTrend
    audience_weekly: tuple[float, ...]
    kpi_weekly: tuple[float, ...]
    kpi_base: float
    kpi_dispersion: float
    appeal_sigma: float
    platforms: tuple[WorldPlatform, ...]
    breaks: tuple[WorldBreak, ...]
    kpi_time_format: str
    brand: str

    @property
    def end(self) -> dt.date:
        """The last local day."""
        return self.start + dt.timedelta(days=self.n_days - 1)

    @property
    def noise(self) -> list[str]:
        """The engagement metrics not planted as drivers."""
        planted = {d.metric for d in self.drivers}
        return [m for m in DRIVER_METRICS if m not in planted]

    def leads(self) -> list[dict]:
        """The drivers as truth.yml lists them (``lag_days`` is the delay)."""
        return [{"metric": d.metric, "outcome": self.kpi, "lag_days": int(d.delay_days),
                 "effect_per_unit": float(d.effect_per_unit), "half_life_days": float(d.half_life_days),
                 "share_caused": float(d.share_caused)} for d in self.drivers]

    def kpi_model(self) -> str:
        """The KPI's model in words."""
        parts = [f"{self.kpi}s(day) ~ NegativeBinomial(mean = mu(day), size = {self.kpi_dispersion:g})",
                 f"mu = {self.kpi_base:g} x k(day) x kpi_weekly(weekday) (k = kpi_trend)"]
        for d in self.drivers:
            parts.append(f"+ {d.effect_per_unit:.6g} x (each post's {d.metric}, spread from its publish time: "
                         f"nothing for {d.delay_days} days, then exponential decay with half-life "
                         f"{d.half_life_days:g} days, integrated over each local day)")
        return " ".join(parts)


@dataclass(frozen=True)
class StudyWorld:
    """A drawn world: its truth, its posts and its daily series.

    Attributes
    ----------
    truth : WorldTruth
        What was planted.
    posts : pandas.DataFrame
        One row per post: ``platform``, ``post_id``, ``published_at`` (UTC), ``local_day``,
        ``link``, ``media_type``, ``appeal``, ``reach``, ``impressions``, ``reactions``,
        ``comments``, ``shares``, ``link_clicks``, ``text``.
    daily : pandas.DataFrame
        ``reactions``, ``comments``, ``shares``, ``link_clicks`` (``Int64``) summed by local
        publish day, on the local calendar (index ``date``): what
        :func:`engagekit.daily_engagement` computes from the loaded posts.
    kpi : pandas.Series
        The KPI count per local day (``Int64``, named ``truth.kpi``).
    expected : pandas.DataFrame
        Per local day, the KPI's expected ``baseline`` (no post caused it) and the part each
        driver causes (one column per driver metric).
    outcomes : pandas.DataFrame
        One row per registration or order: ``occurred_at`` (UTC), ``local_day``, ``cause``
        (``baseline`` or ``<metric>@<platform>``), ``source``, ``medium``, ``customer``,
        ``record_id``, ``product``, ``quantity``.
    """

    truth: WorldTruth
    posts: pd.DataFrame
    daily: pd.DataFrame
    kpi: pd.Series
    expected: pd.DataFrame
    outcomes: pd.DataFrame


# --------------------------------------------------------------------------- drawing helpers


def _r(x: float, digits: int = 3) -> float:
    """A drawn parameter rounded to ``digits`` significant digits (truth.yml stays readable; the world uses it)."""
    return float(f"{float(x):.{digits}g}")


def _uniform(rng: np.random.Generator, lo: float, hi: float, digits: int = 3) -> float:
    """A uniform draw from ``lo`` to ``hi``, rounded (:func:`_r`)."""
    return _r(rng.uniform(lo, hi), digits)


def _signed(rng: np.random.Generator, down: tuple[float, float], up: tuple[float, float]) -> float:
    """A value from ``down`` or ``up`` (growth more often than decline)."""
    lo, hi = down if rng.random() < 0.35 else up
    return _uniform(rng, lo, hi)


def _weekly(rng: np.random.Generator, sigma: float, weekend: tuple[float, float] = (1.0, 1.0)) -> tuple[float, ...]:
    """Seven weekday multipliers (Monday first) with mean 1: a weekend level times log-normal noise."""
    w = np.exp(rng.normal(0.0, sigma, 7))
    w[5:] *= rng.uniform(*weekend)
    w /= w.mean()
    return tuple(_r(x) for x in w)


def _draw_trend(rng: np.random.Generator, kind: str, *, bump: bool) -> WorldTrend:
    """Draw the parameters of a trend of ``kind`` (with a November bump on top when ``bump``)."""
    if kind == "linear":
        params = {"slope": _signed(rng, (-0.6, -0.3), (0.3, 1.5))}
    elif kind == "exponential":
        params = {"rate": _signed(rng, (-1.2, -0.4), (0.4, 1.4))}
    elif kind == "kink":
        params = {"at": _uniform(rng, 0.25, 0.7), "change": _signed(rng, (0.4, 0.7), (1.5, 3.0))}
    elif kind == BUMP:
        params = {"slope": _uniform(rng, -0.2, 0.4)}
    elif kind == "flat-then-5x":
        params = {"at": _uniform(rng, 0.3, 0.6), "factor": 5.0}
    elif kind == "flat":
        params = {}
    else:
        raise ValueError(f"unknown trend kind {kind!r}; kinds: {', '.join(KPI_TREND_KINDS)}")
    if kind == BUMP or bump:
        params.update({"bump_height": _uniform(rng, 1.3, 1.8), "bump_peak": float(rng.integers(10, 26)),
                       "bump_width_days": _uniform(rng, 7.0, 14.0)})
        if kind != BUMP:
            kind = f"{kind}+{BUMP}"
    return WorldTrend(kind, tuple(params.items()))


def _draw_platform(rng: np.random.Generator, platform: str) -> WorldPlatform:
    """Draw one platform's posting and engagement parameters."""
    peaks = rng.uniform(8, 20, size=int(rng.integers(1, 3)))
    spread = rng.uniform(1.5, 3.5)
    hours = 0.05 + sum(np.exp(-0.5 * ((POST_HOURS - p) / spread) ** 2) for p in peaks)
    metrics = (
        WorldMetric("reactions", _uniform(rng, 0.02, 0.06), _uniform(rng, 0.7, 1.0), _uniform(rng, 4, 12)),
        WorldMetric("comments", _uniform(rng, 0.002, 0.008), _uniform(rng, 0.9, 1.3), _uniform(rng, 3, 8)),
        WorldMetric("shares", _uniform(rng, 0.002, 0.01), _uniform(rng, 1.0, 1.4), _uniform(rng, 3, 8)),
        WorldMetric("link_clicks", _uniform(rng, 0.008, 0.025), _uniform(rng, 0.5, 0.9), _uniform(rng, 4, 12)),
    )
    return WorldPlatform(
        platform=platform,
        posts_per_day=_uniform(rng, 0.4, 3.0),
        posting_weekly=_weekly(rng, 0.15, weekend=(0.2, 1.0)),
        posting_hours=tuple(_r(x) for x in hours / hours.sum()),
        base_reach=_r(np.exp(rng.uniform(np.log(300), np.log(5000)))),
        reach_sigma=_uniform(rng, 0.6, 1.0),
        link_share=_uniform(rng, 0.5, 0.7),
        metrics=metrics,
    )


def _draw_breaks(rng: np.random.Generator, start: dt.date, n_days: int) -> tuple[WorldBreak, ...]:
    """0 to 2 posting breaks of 7 to 14 days inside the period, of every platform or one."""
    breaks = []
    for _ in range(int(rng.integers(0, 3))):
        days = int(rng.integers(7, 15))
        first = int(rng.integers(21, n_days - 21 - days))
        which = PLATFORMS if rng.random() < 0.5 else (PLATFORMS[int(rng.integers(2))],)
        breaks.append(WorldBreak(start + dt.timedelta(days=first), days, tuple(which)))
    return tuple(sorted(breaks, key=lambda b: b.start))


def _midnights(start: dt.date, n: int, tz: str) -> np.ndarray:
    """UTC seconds of the first instant of each of ``n`` local days from ``start``."""
    naive = pd.date_range(pd.Timestamp(start), periods=n, freq="D")
    local = naive.tz_localize(tz, ambiguous=np.ones(n, dtype=bool), nonexistent="shift_forward")
    return local.tz_convert("UTC").as_unit("s").asi8


def _local_to_utc(day: np.ndarray, seconds: np.ndarray, start: dt.date, tz: str) -> np.ndarray:
    """UTC seconds of local wall-clock ``seconds`` after midnight of local day index ``day``.

    Posting hours keep clear of clock changes, so every wall-clock time is unambiguous.
    """
    naive = pd.to_datetime(np.datetime64(start, "s") + (day * DAY + seconds).astype("timedelta64[s]"))
    return pd.DatetimeIndex(naive).tz_localize(tz, ambiguous="raise", nonexistent="raise").as_unit("s").asi8


def _covered_edges(counts: np.ndarray) -> np.ndarray:
    """``counts`` with one post added on the first (last) day where the posts would not cover it.

    The kit counts a calendar's edge without posts as covered when it is no longer than the
    platform's longest stretch between two publish days (:func:`engagekit.tables.series.daily_engagement`).
    """
    counts = counts.copy()
    for _ in range(2):
        days = np.flatnonzero(counts)
        longest = int(np.diff(days).max()) if len(days) > 1 else 0
        if len(days) == 0 or days[0] > longest:
            counts[0] = max(counts[0], 1)
        elif len(counts) - 1 - days[-1] > longest:
            counts[-1] = max(counts[-1], 1)
    return counts


def _nb(rng: np.random.Generator, mean: np.ndarray, size: float | np.ndarray) -> np.ndarray:
    """Negative-binomial counts with the given means and size parameter(s)."""
    mean = np.asarray(mean, dtype=float)
    return rng.negative_binomial(size, size / (size + mean)).astype(np.int64)


def _tweet_id(rng: np.random.Generator, utc_seconds: np.ndarray) -> list[str]:
    """Snowflake-like 19-digit tweet ids for publication times."""
    ms = utc_seconds * 1000 + rng.integers(0, 1000, size=len(utc_seconds))
    low = rng.integers(0, 1 << 22, size=len(utc_seconds))
    return [str(((int(m) - 1288834974657) << 22) + int(x)) for m, x in zip(ms, low)]


def _tco(rng: np.random.Generator, n: int) -> list[str]:
    """Fictional t.co short links."""
    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    letters = alphabet[rng.integers(0, len(alphabet), size=(n, 10))]
    return ["https://t.co/" + "".join(row) for row in letters]


def _texts(rng: np.random.Generator, platform: str, link: np.ndarray, day: np.ndarray, brand: str,
           start: dt.date) -> list[str]:
    """Post texts: links as t.co short links on X and full UTM URLs on Facebook."""
    n = len(link)
    topics = rng.integers(0, len(TOPICS), size=n)
    plain = rng.integers(0, len(PLAIN_TEXTS), size=n)
    tco = _tco(rng, n) if platform == "x" else None
    site = "https://" + brand.lower().replace(" & ", "and").replace(" ", "") + ".example"
    out = []
    for i in range(n):
        if not link[i]:
            out.append(PLAIN_TEXTS[plain[i]].format(brand=brand))
            continue
        topic = TOPICS[topics[i]]
        text = f"New on our blog: {topic}"
        if platform == "x":
            out.append(f"{text} {tco[i]}")
        else:
            date = start + dt.timedelta(days=int(day[i]))
            slug = f"{topic.replace(' ', '-').replace(':', '')}-{date:%Y%m%d}"
            out.append(f"{text}\n{site}/blog/{slug}?utm_source=facebook&utm_medium=social"
                       f"&utm_campaign=blog_{date:%Y_%m}&utm_content={slug}")
    return out


# --------------------------------------------------------------------------- drawing the world


def _draw_posts(rng: np.random.Generator, plat: WorldPlatform, *, start: dt.date, n_days: int, tz: str,
                breaks: tuple[WorldBreak, ...], audience: np.ndarray, audience_weekly: np.ndarray,
                appeal_sigma: float, brand: str) -> pd.DataFrame:
    """Draw one platform's posts: times, reach, appeal, link, engagement."""
    weekday = (np.arange(n_days) + start.weekday()) % 7
    on = np.ones(n_days)
    for b in breaks:
        if plat.platform in b.platforms:
            first = (b.start - start).days
            on[first:first + b.days] = 0.0
    rate = plat.posts_per_day * np.asarray(plat.posting_weekly)[weekday] * on
    counts = _covered_edges(rng.poisson(rate))
    day = np.repeat(np.arange(n_days), counts)
    n = len(day)
    hours = POST_HOURS[rng.choice(len(POST_HOURS), size=n, p=np.asarray(plat.posting_hours) / sum(plat.posting_hours))]
    seconds = hours * 3600 + rng.integers(0, 60, size=n) * 60
    if plat.platform == "facebook":
        seconds += rng.integers(0, 60, size=n)  # X writes minutes only
    order = np.lexsort((seconds, day))
    day, seconds = day[order], seconds[order]
    utc = _local_to_utc(day, seconds, start, tz)
    reach_mean = audience[day] * audience_weekly[weekday[day]] * plat.base_reach
    reach = np.maximum(1, np.rint(reach_mean * np.exp(rng.normal(0.0, plat.reach_sigma, n)))).astype(np.int64)
    appeal = np.exp(rng.normal(0.0, appeal_sigma, n))
    link = rng.random(n) < plat.link_share
    frame = {"platform": plat.platform, "day": day, "utc": utc, "link": link, "appeal": appeal, "reach": reach}
    for m in plat.metrics:
        mean = m.per_reach * reach * appeal ** m.appeal_elasticity
        if m.metric == "link_clicks":
            mean = np.where(link, mean, 0.0)
        frame[m.metric] = _nb(rng, mean, m.dispersion)
    frame["impressions"] = np.rint(reach * rng.uniform(1.1, 1.8, n)).astype(np.int64)
    if plat.platform == "x":
        frame["post_id"] = _tweet_id(rng, utc)
        frame["media_type"] = np.where(link, "link", "status")
    else:
        step = rng.integers(1_000, 90_000_000, size=n)
        page_id = 100_000_000_000_000 + int(rng.integers(0, 10**13))
        frame["post_id"] = [f"{page_id}_{1_100_000_000_000_000 + int(c)}" for c in np.cumsum(step)]
        kind = rng.choice(["photo", "status", "video"], size=n, p=[0.6, 0.25, 0.15])
        frame["media_type"] = np.where(link, "link", kind)
    frame["text"] = _texts(rng, plat.platform, link, day, brand, start)
    return pd.DataFrame(frame)


def _carryover(posts: pd.DataFrame, metric: str, delay: int, half_life: float, bounds: np.ndarray) -> pd.DataFrame:
    """Per platform, the KPI each local day receives from one unit of effect per unit of ``metric``.

    A post's effect starts ``delay`` days after its publish timestamp and then decays
    exponentially with ``half_life`` days; its density is integrated over each local day
    (``bounds``: UTC seconds of the local midnights, one more than days).
    """
    lam = math.log(2.0) / half_life
    out = {}
    for platform in PLATFORMS:
        rows = posts.loc[(posts["platform"] == platform) & (posts[metric] > 0)]
        value = rows[metric].to_numpy(dtype=float)
        since = (bounds[None, :] - rows["utc"].to_numpy()[:, None]) / DAY - delay
        cdf = np.where(since > 0, -np.expm1(-lam * np.clip(since, 0, None)), 0.0)
        out[platform] = value @ np.diff(cdf, axis=1)
    return pd.DataFrame(out)


def _daily_index(start: dt.date, n_days: int) -> pd.DatetimeIndex:
    """The local calendar as the kit's daily series index it."""
    return pd.date_range(pd.Timestamp(start), periods=n_days, freq="D", name="date").astype("datetime64[us]")


def random_world(seed: int, *, drivers: int | None = None, trend: str | None = None,
                 trend_shared: bool | None = None) -> StudyWorld:
    """Draw a world from ``numpy.random.default_rng(seed)``.

    Parameters
    ----------
    seed : int
        The seed; the same seed gives the same world.
    drivers : {0, 1, 2}, optional
        Force the number of drivers (drawn with probabilities 0.25, 0.45, 0.30 otherwise).
    trend : str, optional
        Force the audience trend's kind (one of :data:`TREND_KINDS`, or ``"<kind>+november-bump"``);
        the KPI then shares it unless ``trend_shared=False``.
    trend_shared : bool, optional
        Force whether the KPI's baseline follows the audience trend (drawn, 75% yes, otherwise).

    Returns
    -------
    StudyWorld
        Every draw is taken whatever is forced, so that forcing a value changes only what
        depends on it (forcing the number of drivers that would have been drawn gives the
        same world).

    Raises
    ------
    ValueError
        ``drivers`` or ``trend`` is not one of the values above.
    """
    if drivers is not None and drivers not in (0, 1, 2):
        raise ValueError(f"drivers must be 0, 1 or 2, not {drivers!r}")
    if trend is not None:
        base, plus, extra = trend.partition("+")
        if base not in TREND_KINDS or (plus and (extra != BUMP or base == BUMP)):
            raise ValueError(f"unknown trend {trend!r}; kinds: {', '.join(TREND_KINDS)}, "
                             f"or one of them but {BUMP} followed by '+{BUMP}'")
    rng = np.random.default_rng(seed)
    n_days = int(rng.integers(400, 601))
    start = FIRST_START + dt.timedelta(days=int(rng.integers(0, (LAST_START - FIRST_START).days + 1)))
    tz = str(rng.choice(list(TIMEZONES)))
    brand = str(rng.choice(BRANDS))
    kpi_source = str(rng.choice(["generic", "shopify"]))
    kpi = "registration" if kpi_source == "generic" else "order"
    time_format = str(rng.choice(["offset", "local"])) if kpi_source == "generic" else "offset"

    kind = str(rng.choice(TREND_KINDS))
    bump = bool(rng.random() < 0.25) and kind != BUMP
    shared = bool(rng.random() < 0.75)
    if trend is not None:
        kind, _, extra = trend.partition("+")
        bump = extra == BUMP
        shared = True
    if trend_shared is not None:
        shared = trend_shared
    audience_trend = _draw_trend(rng, kind, bump=bump)
    own_kind = str(rng.choice(KPI_TREND_KINDS))
    own_trend = _draw_trend(rng, own_kind, bump=bool(rng.random() < 0.2) and own_kind != BUMP)
    kpi_trend = audience_trend if shared else own_trend
    audience_weekly = _weekly(rng, 0.1)
    kpi_weekly = _weekly(rng, 0.12)
    kpi_base = _r(np.exp(rng.uniform(np.log(2.0), np.log(40.0))))
    kpi_dispersion = _uniform(rng, 5.0, 40.0)
    appeal_sigma = _uniform(rng, 0.25, 0.5)
    platforms = tuple(_draw_platform(rng, p) for p in PLATFORMS)
    breaks = _draw_breaks(rng, start, n_days)

    audience = audience_trend.values(start, n_days)
    posts = pd.concat(
        [_draw_posts(rng, plat, start=start, n_days=n_days, tz=tz, breaks=breaks, audience=audience,
                     audience_weekly=np.asarray(audience_weekly), appeal_sigma=appeal_sigma, brand=brand)
         for plat in platforms],
        ignore_index=True,
    )

    n_drivers = int(rng.choice(3, p=[0.25, 0.45, 0.30]))
    n_drivers = n_drivers if drivers is None else drivers
    metrics = [str(m) for m in rng.choice(DRIVER_METRICS, size=n_drivers, replace=False)]
    total_share = _uniform(rng, 0.05, 0.6)  # of the expected KPI, all drivers together
    first_share = _r(total_share * rng.uniform(0.2, 0.8))
    shares = {0: [], 1: [total_share], 2: [first_share, _r(total_share - first_share, 6)]}[n_drivers]
    delays = [int(rng.integers(0, 8)) for _ in metrics]
    half_lives = [_uniform(rng, 0.3, 3.0, 2) for _ in metrics]

    weekday = (np.arange(n_days) + start.weekday()) % 7
    baseline = kpi_base * kpi_trend.values(start, n_days) * np.asarray(kpi_weekly)[weekday]
    bounds = _midnights(start, n_days + 1, tz)
    caused_total = baseline.sum() / (1.0 - sum(shares)) if metrics else 0.0
    world_drivers, parts = [], {}
    for metric, share, delay, half_life in zip(metrics, shares, delays, half_lives):
        unit = _carryover(posts, metric, delay, half_life, bounds)
        effect = share * caused_total / float(unit.to_numpy().sum())
        for platform in PLATFORMS:
            parts[f"{metric}@{platform}"] = effect * unit[platform].to_numpy()
        world_drivers.append(WorldDriver(metric, delay, half_life, effect, share))
    mean = baseline + sum(parts.values(), np.zeros(n_days))
    counts = _nb(rng, mean, kpi_dispersion)
    for edge in (0, n_days - 1):  # the outcome data cover the whole period: a first and a last event
        while counts[edge] == 0:
            counts[edge] = _nb(rng, mean[edge:edge + 1], kpi_dispersion)[0]

    truth = WorldTruth(
        seed=int(seed), timezone=tz, currency=TIMEZONES[tz], start=start, n_days=n_days, kpi=kpi,
        kpi_source=kpi_source, drivers=tuple(world_drivers), trend=audience_trend.kind, trend_shared=shared,
        audience_trend=audience_trend, kpi_trend=kpi_trend, audience_weekly=audience_weekly, kpi_weekly=kpi_weekly,
        kpi_base=kpi_base, kpi_dispersion=kpi_dispersion, appeal_sigma=appeal_sigma, platforms=platforms,
        breaks=breaks, kpi_time_format=time_format, brand=brand,
    )
    outcomes = _draw_outcomes(rng, truth, counts, baseline, parts, bounds)
    index = _daily_index(start, n_days)
    posts = _finish_posts(posts, start)
    daily = pd.DataFrame(
        {m: np.bincount(posts["day"], weights=posts[m], minlength=n_days).astype(np.int64) for m in DRIVER_METRICS},
        index=index,
    ).astype("Int64")
    expected = pd.DataFrame({"baseline": baseline, **{d.metric: sum(v for k, v in parts.items()
                                                                    if k.startswith(d.metric + "@"))
                                                      for d in world_drivers}}, index=index)
    kpi_series = pd.Series(pd.array(counts, dtype="Int64"), index=index, name=kpi)
    return StudyWorld(truth=truth, posts=posts.drop(columns=["day", "utc"]), daily=daily, kpi=kpi_series,
                      expected=expected, outcomes=outcomes)


def _finish_posts(posts: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """The posts frame with ``published_at`` (UTC) and ``local_day``, in the documented column order."""
    posts = posts.assign(
        published_at=pd.to_datetime(posts["utc"], unit="s", utc=True).astype("datetime64[us, UTC]"),
        local_day=(pd.Timestamp(start) + pd.to_timedelta(posts["day"], unit="D")).astype("datetime64[us]"),
    )
    columns = ["platform", "post_id", "published_at", "local_day", "link", "media_type", "appeal", "reach",
               "impressions", *DRIVER_METRICS, "text", "day", "utc"]
    return posts[columns]


def _draw_outcomes(rng: np.random.Generator, truth: WorldTruth, counts: np.ndarray, baseline: np.ndarray,
                   parts: dict[str, np.ndarray], bounds: np.ndarray) -> pd.DataFrame:
    """One row per KPI event: its time within its local day, its cause, its tags, its customer and items.

    Each event is caused by the baseline or by one driver's posts on one platform, in
    proportion to their expected share of the day; a fifth to a half of the caused ones
    carry the platform's UTM tags.
    """
    n = int(counts.sum())
    day = np.repeat(np.arange(len(counts)), counts)
    hour = rng.choice(24, size=n, p=KPI_HOUR_WEIGHTS / KPI_HOUR_WEIGHTS.sum())
    clock = (hour * 3600 + rng.integers(0, 3600, size=n)) / DAY  # share of the local day gone
    length = np.diff(bounds)
    utc = bounds[day] + np.floor(clock * length[day]).astype(np.int64)
    order = np.argsort(utc, kind="stable")
    day, utc = day[order], utc[order]
    names = ["baseline", *parts]
    table = np.column_stack([baseline, *parts.values()]) if parts else baseline[:, None]
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    draw = rng.random(n)
    cause_idx = np.minimum((draw[:, None] > cum[day]).sum(axis=1), len(names) - 1)
    cause = np.array(names, dtype=object)[cause_idx]
    src_idx = rng.choice(len(BASELINE_SOURCES), size=n, p=[p for *_, p in BASELINE_SOURCES])
    source = np.array([s for s, _, _ in BASELINE_SOURCES], dtype=object)[src_idx]
    medium = np.array([m for _, m, _ in BASELINE_SOURCES], dtype=object)[src_idx]
    tagged = rng.random(n) < _uniform(rng, 0.2, 0.5)
    for platform in PLATFORMS:
        mine = np.array([c.endswith("@" + platform) for c in cause])
        source[mine] = np.where(tagged[mine], SOCIAL_SOURCE[platform], "")
        medium[mine] = np.where(tagged[mine], "social" if platform == "facebook" else "referral", "")
    customers = rng.integers(0, max(1, int(n * 0.7)), size=n)
    record = rng.integers(0, 1 << 62, size=n)
    while len(np.unique(record)) < n:  # ids are unique: a repeated id would be read as one record
        record = rng.integers(0, 1 << 62, size=n)
    product = rng.choice(len(PRODUCTS), size=n, p=PRODUCT_P)
    quantity = 1 + rng.poisson(0.3, size=n)
    return pd.DataFrame({
        "occurred_at": pd.to_datetime(utc, unit="s", utc=True).astype("datetime64[us, UTC]"),
        "local_day": (pd.Timestamp(truth.start) + pd.to_timedelta(day, unit="D")).astype("datetime64[us]"),
        "cause": pd.array(cause, dtype="str"),
        "source": pd.array(source, dtype="str"),
        "medium": pd.array(medium, dtype="str"),
        "customer": customers,
        "record_id": record,
        "product": product,
        "quantity": quantity,
    })


def diff_correlations(daily: pd.DataFrame, metrics: tuple[str, ...] = DRIVER_METRICS) -> pd.DataFrame:
    """Pearson correlations of the first-differenced daily series of each pair of metrics.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``metric_a``, ``metric_b``, ``r``.
    """
    diffs = daily[list(metrics)].astype("Float64").astype(float).diff()
    rows = []
    for i, a in enumerate(metrics):
        for b in metrics[i + 1:]:
            rows.append((a, b, float(diffs[a].corr(diffs[b]))))
    return pd.DataFrame(rows, columns=["metric_a", "metric_b", "r"])


# --------------------------------------------------------------------------- writing


def _handle(brand: str) -> str:
    """The X handle of a brand: its letters and digits."""
    return "".join(ch for ch in brand if ch.isalnum())


def _offset_text(seconds: np.ndarray, *, colon: bool) -> list[str]:
    """``+HHMM`` (or ``+HH:MM``) for UTC offsets in seconds."""
    out = {}
    for s in np.unique(seconds):
        sign = "-" if s < 0 else "+"
        h, m = divmod(abs(int(s)) // 60, 60)
        out[s] = f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"
    return [out[s] for s in seconds]


def _local_texts(utc: pd.Series, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Local wall-clock times ``YYYY-MM-DDTHH:MM:SS`` and UTC offsets (seconds) of UTC timestamps."""
    index = pd.DatetimeIndex(utc).tz_convert(tz)
    naive = index.tz_localize(None).as_unit("s")
    offsets = (naive.asi8 - index.tz_convert("UTC").tz_localize(None).as_unit("s").asi8)
    return np.datetime_as_string(naive.to_numpy(), unit="s"), offsets


def _write_x(folder: pathlib.Path, world: StudyWorld, rng: np.random.Generator) -> list[pathlib.Path]:
    """Monthly per-tweet activity files (UTC months, newest tweet first)."""
    tweets = world.posts.loc[world.posts["platform"] == "x"]
    handle = _handle(world.truth.brand)
    n = len(tweets)
    extra = {
        "user profile clicks": rng.poisson(0.004 * tweets["reach"].to_numpy()),
        "detail expands": rng.poisson(0.01 * tweets["reach"].to_numpy()),
        "hashtag clicks": rng.poisson(0.3, n),
        "permalink clicks": rng.poisson(0.6, n),
        "follows": rng.poisson(0.2, n),
    }
    rows_by_month: dict[tuple[int, int], list[tuple[pd.Timestamp, list[str]]]] = {}
    for i, post in enumerate(tweets.itertuples(index=False)):
        m = {"retweets": post.shares, "replies": post.comments, "likes": post.reactions, "url clicks": post.link_clicks}
        m.update({k: int(v[i]) for k, v in extra.items()})
        m["engagements"] = sum(m[k] for k in ("retweets", "replies", "likes", "url clicks", "user profile clicks",
                                              "detail expands", "hashtag clicks", "permalink clicks", "follows"))
        m["impressions"] = max(int(post.impressions), 3 * m["engagements"])
        published = post.published_at.to_pydatetime()
        cells = _x_cells(post.post_id, handle, post.text, published, m)
        rows_by_month.setdefault((published.year, published.month), []).append((post.published_at, cells))
    paths = []
    for (year, month), rows in sorted(rows_by_month.items()):
        first = dt.date(year, month, 1)
        end = dt.date(year + month // 12, month % 12 + 1, 1)
        rows.sort(key=lambda r: r[0], reverse=True)
        path = folder / f"tweet_activity_metrics_{handle}_{first:%Y%m%d}_{end:%Y%m%d}_en.csv"
        _write_text(path, _csv_text([X_HEADER + X_PROMOTED] + [c for _, c in rows], quoting=csv.QUOTE_ALL))
        paths.append(path)
    return paths


def _write_facebook(folder: pathlib.Path, world: StudyWorld, rng: np.random.Generator) -> list[pathlib.Path]:
    """Post-level exports of :data:`FB_FILE_DAYS` local days each (UTF-8 BOM, description row, newest first).

    ``Posted`` is the local wall-clock time in the client's time zone, which the loader reads it in.
    """
    truth = world.truth
    page = truth.brand
    header, desc = _fb_head()
    fb = world.posts.loc[world.posts["platform"] == "facebook"]
    local = pd.DatetimeIndex(fb["published_at"]).tz_convert(truth.timezone)
    paths = []
    for first_day in range(0, truth.n_days, FB_FILE_DAYS):
        first = truth.start + dt.timedelta(days=first_day)
        last = min(first + dt.timedelta(days=FB_FILE_DAYS - 1), truth.end)
        mine = ((fb["local_day"] >= pd.Timestamp(first)) & (fb["local_day"] <= pd.Timestamp(last))).to_numpy()
        lines = []
        for post, when in zip(fb.loc[mine].itertuples(index=False), local[mine]):
            other = int(rng.poisson(0.02 * post.reach))
            photo = int(rng.poisson(0.03 * post.reach)) if post.media_type == "photo" else 0
            m = {"reach": int(post.reach), "impressions": int(post.impressions), "like": int(post.reactions),
                 "comment": int(post.comments), "share": int(post.shares), "link clicks": int(post.link_clicks),
                 "other clicks": other, "photo view": photo, "neg_users": int(rng.poisson(0.4))}
            m["neg_total"] = m["neg_users"] + int(rng.poisson(0.2))
            if post.media_type == "video":
                views = int(rng.poisson(0.4 * post.reach))
                m["video"] = {"length": int(rng.integers(15_000, 90_000)), "avg": int(rng.integers(5_000, 14_000)),
                              "views_t": views, "views_u": int(round(views * 0.9)), "w95_t": int(round(views * 0.2)),
                              "w95_u": int(round(views * 0.17))}
            fracs = {k: float(rng.uniform(0.75, 0.95)) for k in
                     ("link clicks", "other clicks", "photo view", "comment", "like", "share")}
            cells = _fb_metric_cells(m, fracs)
            lines.append((when, _fb_line(post.post_id, page, post.text, post.media_type.capitalize(),
                                         when.to_pydatetime(), cells)))
        lines.sort(key=lambda r: r[0], reverse=True)
        path = folder / f"Facebook Insights Data Export (Post Level) - {page} - {first} - {last}.csv"
        _write_text(path, "\n".join([header, desc] + [line for _, line in lines]) + "\n", bom=True)
        paths.append(path)
    return paths


def _hex_ids(values: np.ndarray, width: int) -> list[str]:
    """Integers as zero-padded lower-case hex ids."""
    return [f"{int(v):0{width}x}" for v in values]


def _write_registrations(folder: pathlib.Path, world: StudyWorld) -> pathlib.Path:
    """The CRM's registration list: one row per registration, oldest first, a contact id and a hashed email."""
    o = world.outcomes
    local, offsets = _local_texts(o["occurred_at"], world.truth.timezone)
    if world.truth.kpi_time_format == "offset":
        times = [t + z for t, z in zip(local, _offset_text(offsets, colon=True))]
    else:
        times = [t.replace("T", " ") for t in local]
    ids = _hex_ids(o["record_id"].to_numpy(), 16)
    # The CRM stores a digest of each customer's email, never the address.
    digests = {c: hashlib.sha256(f"customer{c}@example.com".encode()).hexdigest()
               for c in np.unique(o["customer"]).tolist()}
    lines = ["created_at,contact_id,email_sha256,utm_source,utm_medium"]
    lines += [f"{t},{i},{digests[c]},{s},{m}" for t, i, c, s, m in
              zip(times, ids, o["customer"].to_numpy(), o["source"].to_numpy(), o["medium"].to_numpy())]
    path = folder / REGISTRATIONS_FILE
    _write_text(path, "\n".join(lines) + "\n")
    return path


#: The cells of an order line that vary, in the order :func:`_shopify_template` takes them.
SHOPIFY_FIELDS = {
    "Name": "#%s", "Email": "customer%s@example.com", "Paid at": "%s", "Fulfilled at": "%s",
    "Accepts Marketing": "%s", "Currency": "%s", "Subtotal": "%s", "Shipping": "%s", "Total": "%s",
    "Created at": "%s", "Lineitem quantity": "%s", "Lineitem name": "%s", "Lineitem price": "%s",
    "Lineitem sku": "%s", "Vendor": "%s", "Note Attributes": "%s", "Payment Reference": "c%s.1", "Id": "%s",
    "Payment ID": "p%s", "Payment References": "c%s.1",
}
#: The cells every order line shares.
SHOPIFY_CONSTANTS = {
    "Financial Status": "paid", "Fulfillment Status": "fulfilled", "Taxes": "0.00", "Discount Amount": "0.00",
    "Shipping Method": "Standard", "Lineitem requires shipping": "true", "Lineitem taxable": "true",
    "Lineitem fulfillment status": "fulfilled", "Payment Method": "Shopify Payments", "Refunded Amount": "0.00",
    "Outstanding Balance": "0.00", "Risk Level": "Low", "Source": "web", "Lineitem discount": "0.00",
}


def _shopify_template() -> str:
    """One order line of :data:`SHOPIFY_HEADER` as a ``%`` format taking the :data:`SHOPIFY_FIELDS` in header order."""
    return ",".join(SHOPIFY_FIELDS.get(c, SHOPIFY_CONSTANTS.get(c, "")) for c in SHOPIFY_HEADER)


def _write_orders(folder: pathlib.Path, world: StudyWorld) -> pathlib.Path:
    """The Shopify orders export: one line item per order, newest order first, local times with offset."""
    o = world.outcomes.iloc[::-1]
    tz = world.truth.timezone

    def shopify_times(utc: pd.Series) -> list[str]:
        local, offsets = _local_texts(utc, tz)
        return [f"{t.replace('T', ' ')} {z}" for t, z in zip(local, _offset_text(offsets, colon=False))]

    number = np.arange(len(o))[::-1]
    product = o["product"].to_numpy()
    quantity = o["quantity"].to_numpy()
    price = np.array([p for *_, p in PRODUCTS])[product]
    subtotal = price * quantity
    shipping = np.where(subtotal >= 50, 0.0, 4.9)
    customer = o["customer"].to_numpy()
    money = [[f"{x:.2f}" for x in column] for column in (subtotal, shipping, subtotal + shipping, price)]
    notes = [f'"utm_source: {s}\nutm_medium: {m}"' if s else "" for s, m in zip(o["source"].tolist(),
                                                                                          o["medium"].tolist())]
    n = len(o)
    values = {
        "Name": (1001 + number).tolist(), "Email": customer.tolist(),
        "Paid at": shopify_times(o["occurred_at"] + pd.Timedelta(seconds=1)),
        "Fulfilled at": shopify_times(o["occurred_at"] + pd.Timedelta(hours=20)),
        "Accepts Marketing": np.where(customer % 3 > 0, "yes", "no").tolist(),
        "Currency": [world.truth.currency] * n, "Subtotal": money[0], "Shipping": money[1], "Total": money[2],
        "Created at": shopify_times(o["occurred_at"]), "Lineitem quantity": quantity.tolist(),
        "Lineitem name": [PRODUCTS[i][0] for i in product], "Lineitem price": money[3],
        "Lineitem sku": [PRODUCTS[i][1] for i in product], "Vendor": [world.truth.brand.replace(",", "")] * n,
        "Note Attributes": notes, "Payment Reference": (24_000_000_000 + number).tolist(),
        "Id": (6_100_000_000_000 + 37 * number).tolist(), "Payment ID": number.tolist(),
        "Payment References": (24_000_000_000 + number).tolist(),
    }
    template = _shopify_template()
    columns = [values[c] for c in SHOPIFY_HEADER if c in SHOPIFY_FIELDS]
    lines = [",".join(SHOPIFY_HEADER)] + [template % row for row in zip(*columns)]
    path = folder / ORDERS_FILE
    _write_text(path, "\n".join(lines) + "\n")
    return path


def _client_yml(world: StudyWorld, client: str) -> str:
    """client.yml: time zone, period, goal and the CRM list's column mapping (other files are detected)."""
    t = world.truth
    config = {
        "client": client,
        "display_name": t.brand,
        "timezone": t.timezone,
        "currency": t.currency,
        "salt": f"study-world-{t.seed}",
        "period": {"start": t.start.isoformat(), "end": t.end.isoformat()},
        "goal": {"objective": "registrations" if t.kpi == "registration" else "sales", "kpi": t.kpi,
                 "funnel": ["impressions", "reach", "engagements", "link_clicks", "kpi"]},
    }
    if t.kpi_source == "generic":
        spec = {"path": REGISTRATIONS_FILE, "format": "generic", "table": "outcomes",
                "columns": {"occurred_at": "created_at", "record_id": "contact_id", "customer_key": "email_sha256",
                            "source": "utm_source", "medium": "utm_medium"},
                "constants": {"outcome": "registration"}}
        if t.kpi_time_format == "offset":
            spec["options"] = {"date_format": OFFSET_FORMAT}
        config["files"] = [spec]
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=120)


def _truth_yml(world: StudyWorld) -> str:
    """truth.yml: every planted parameter, the leads and noise as :func:`engagekit.teaching.recovery.planted_truth` reads
    them, and what the draw realised."""
    t = world.truth
    corr = diff_correlations(world.daily)
    caused = world.expected.drop(columns="baseline").to_numpy().sum()
    truth = {
        "seed": t.seed,
        "generator": "engagekit.teaching.study_world",
        "timezone": t.timezone,
        "currency": t.currency,
        "period": {"start": t.start.isoformat(), "end": t.end.isoformat()},
        "n_days": t.n_days,
        "brand": t.brand,
        "kpi": t.kpi,
        "kpi_source": t.kpi_source,
        "trend": t.trend,
        "trend_shared": t.trend_shared,
        "leads": t.leads(),
        "noise": {t.kpi: t.noise},
        "kpi_model": t.kpi_model(),
        "audience_trend": t.audience_trend.as_dict(),
        "kpi_trend": t.kpi_trend.as_dict(),
        "audience_weekly": list(t.audience_weekly),
        "kpi_weekly": list(t.kpi_weekly),
        "kpi_base": t.kpi_base,
        "kpi_dispersion": t.kpi_dispersion,
        "kpi_time_format": t.kpi_time_format,
        "appeal_sigma": t.appeal_sigma,
        "post_model": ("reach = audience_trend(day) x audience_weekly(weekday) x base_reach x "
                       "lognormal(0, reach_sigma); appeal = lognormal(0, appeal_sigma); link ~ Bernoulli(link_share); "
                       "each metric ~ "
                       "NegativeBinomial(mean = per_reach x reach x appeal ** appeal_elasticity, size = dispersion), "
                       "link_clicks 0 without a link; daily series sum posts by local publish day"),
        "platforms": {p.platform: p.as_dict() for p in t.platforms},
        "breaks": [{"start": b.start.isoformat(), "days": b.days, "platforms": list(b.platforms)} for b in t.breaks],
        "realised": {
            "posts": {p: int((world.posts["platform"] == p).sum()) for p in PLATFORMS},
            "kpi_total": int(world.kpi.sum()),
            "kpi_mean_per_day": round(float(world.kpi.mean()), 3),
            "kpi_expected_total": round(float(world.expected.to_numpy().sum()), 2),
            "share_caused": round(float(caused / world.expected.to_numpy().sum()), 4),
            "metric_diff_correlations": {f"{a}~{b}": round(r, 3) for a, b, r in corr.itertuples(index=False)},
        },
    }
    return yaml.safe_dump(truth, sort_keys=False, allow_unicode=True, width=120)


def write_world(world: StudyWorld, directory: str | pathlib.Path, *, client: str = "world") -> pathlib.Path:
    """Write a world as a client folder ``<directory>/<client>/`` in the platforms' native export formats.

    Written: monthly X per-tweet activity files, Facebook post-level exports of
    :data:`FB_FILE_DAYS` days, the KPI as a CRM registration list (``registrations.csv``,
    mapped in client.yml) or a Shopify orders export (``orders_export_1.csv``), ``client.yml``
    and ``truth.yml``. Counts the kit does not read (profile clicks, other clicks, video views,
    unique users) are drawn from ``numpy.random.default_rng([seed, 1])``.

    Parameters
    ----------
    world : StudyWorld
        From :func:`random_world`.
    directory : str or pathlib.Path
        Parent folder; created if missing.
    client : str, default "world"
        The client's folder name (and ``client`` in client.yml).

    Returns
    -------
    pathlib.Path
        The client folder.

    Raises
    ------
    FileExistsError
        The client folder exists and is not empty (another world's files would be read with it).
    """
    folder = pathlib.Path(directory) / client
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty; write a world into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([world.truth.seed, 1])
    _write_x(folder, world, rng)
    _write_facebook(folder, world, rng)
    if world.truth.kpi_source == "generic":
        _write_registrations(folder, world)
    else:
        _write_orders(folder, world)
    _write_text(folder / "client.yml", _client_yml(world, client))
    _write_text(folder / "truth.yml", _truth_yml(world))
    return folder
