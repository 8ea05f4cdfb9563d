"""Deterministic fictional sample client ("BrightPaw", an online pet-supplies shop).

:func:`write_sample` writes one year (2025-01-01 to 2025-12-31, Europe/Berlin,
EUR) of fictional exports in the platforms' native formats (``engagekit
formats`` lists them): X per-tweet activity files, Facebook post-level exports, the
Facebook Page-level daily export (:mod:`engagekit.teaching.sample_page`), a GA4
traffic-acquisition CSV, a Shopify orders export, a CRM newsletter sign-up
list and a month of the website's events as GA4 exports them to BigQuery
(:mod:`engagekit.teaching.sample_events`), plus ``client.yml`` and ``truth.yml``.

Planted truth (recorded in ``truth.yml``):

* a shared upward trend ``g(t) = 1 + 0.8 t / 364`` multiplies the posting
  rate, post impressions and engagement, and every outcome's baseline;
* the local-day sum of link clicks (X ``url clicks`` + Facebook
  ``Lifetime Post Consumptions by type - link clicks``, by publication day)
  drives newsletter registrations two days later
  (``Poisson(4 g(t) w(t) + 0.05 clicks(t - 2))``);
* likes, comments and shares are noise with respect to registrations;
* ``truth=`` plants other drivers instead (:class:`engagekit.teaching.sample_truth.SampleTruth`),
  and with them a trend, a content mix moving towards self-promotion, promotion
  fatigue or a dated step change (the named scenarios of :mod:`engagekit.teaching.scenarios`);
* orders follow trend x weekday plus a same-day lift on days with an
  ``offer`` post;
* the Facebook Page's followers follow the trend, less what promotion fatigue
  costs (:mod:`engagekit.teaching.sample_page`, which writes the Page-level daily export).

Only ``numpy.random.default_rng(seed)`` is used, and for the Page-level export
``numpy.random.default_rng([seed, 1])``, so that the other files do not depend
on it; the same seed gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import pathlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import yaml

from engagekit.core.schema import SELF_PROMOTIONAL
from engagekit.teaching.sample_events import write_ga4_events
from engagekit.teaching.sample_page import (
    BASE_LOSS_RATE,
    FOLLOWERS_START,
    Followers,
    PagePost,
    T,
    U,
    draw_followers,
    trailing_share,
    write_page_daily,
)
from engagekit.teaching.sample_truth import Fatigue, SampleTruth
from engagekit.teaching.scenarios import DEFAULT_SCENARIO, Scenario
from engagekit.teaching.scenarios import scenario as named_scenario

__all__ = ["write_sample"]

TZ = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc
START = dt.date(2025, 1, 1)
N_DAYS = 365
HANDLE = "BrightPaw"
PAGE_NAME = "BrightPaw"
PAGE_ID = "104857392018734"
SITE = "https://brightpaw.example"

#: Weekday multipliers (Monday first) for engagement and for outcomes.
WEEKDAY_ENGAGEMENT = np.array([1.00, 1.05, 1.05, 1.00, 0.95, 0.90, 0.95])
WEEKDAY_OUTCOME = np.array([1.10, 1.05, 1.00, 1.00, 0.95, 0.90, 1.00])

CATEGORIES = ["offer", "product", "company_news", "educational", "entertaining", "community"]
CATEGORY_P = np.array([0.20, 0.15, 0.10, 0.25, 0.20, 0.10])
LINK_CATEGORIES = {"offer", "product", "educational"}

#: Posting hours (local) and their weights.
HOURS = np.arange(7, 22)
HOUR_W = np.array([2, 4, 6, 6, 5, 7, 6, 5, 5, 6, 7, 8, 7, 5, 3], dtype=float)

#: Per driver metric, the native field of each platform that counts it (organic values).
METRIC_FIELDS = {
    "reactions": {"x": "likes", "facebook": "like"},
    "comments": {"x": "replies", "facebook": "comment"},
    "shares": {"x": "retweets", "facebook": "share"},
    "link_clicks": {"x": "url clicks", "facebook": "link clicks"},
}
#: The Facebook export column each driver metric is read from.
FACEBOOK_COLUMNS = {
    "reactions": "Lifetime Post Stories by action type - like",
    "comments": "Lifetime Post Stories by action type - comment",
    "shares": "Lifetime Post Stories by action type - share",
    "link_clicks": "Lifetime Post Consumptions by type - link clicks",
}

PRODUCTS = [
    ("Salmon Training Treats 200g", "BP-TRT-200", 6.90, "salmon-training-treats"),
    ("Rope Tug Toy Large", "BP-TOY-ROPE-L", 12.50, "rope-tug-toy"),
    ("Orthopedic Dog Bed M", "BP-BED-ORTHO-M", 64.00, "orthopedic-dog-bed"),
    ("Reflective Leash 2m", "BP-LSH-REF-2", 18.90, "reflective-leash"),
    ("Grain-Free Dry Food 5kg", "BP-FD-GF-5", 34.90, "grain-free-dry-food"),
    ("Cat Scratching Post", "BP-CAT-SCR", 39.00, "cat-scratching-post"),
    ("Dental Chews 14 pcs", "BP-DNT-14", 9.90, "dental-chews"),
    ("Collapsible Travel Bowl", "BP-BWL-TRV", 7.50, "travel-bowl"),
    ("Puppy Starter Kit", "BP-KIT-PUP", 49.00, "puppy-starter-kit"),
    ("Grooming Brush Soft", "BP-BRS-SOFT", 14.90, "grooming-brush"),
    ("Paw Balm 50ml", "BP-BLM-50", 11.90, "paw-balm"),
    ("Rain Coat for Dogs S", "BP-COAT-RN-S", 29.90, "dog-rain-coat"),
]
PRODUCT_P = np.array([14, 10, 3, 6, 9, 3, 12, 6, 3, 6, 8, 4], dtype=float)
PRODUCT_P /= PRODUCT_P.sum()

OFFER_CODES = {
    1: ("PAW15", 15), 2: ("LOVE10", 10), 3: ("SPRING15", 15), 4: ("PAW15", 15),
    5: ("WOOF10", 10), 6: ("SUMMER20", 20), 7: ("SUMMER20", 20), 8: ("SPLASH15", 15),
    9: ("PAW15", 15), 10: ("AUTUMN15", 15), 11: ("BLACKPAW25", 25), 12: ("XMAS20", 20),
}

EDU_TOPICS = [
    ("trim-dog-nails", "How to trim your dog's nails without stress"),
    ("puppy-crate-training", "Crate training your puppy: a calm first week"),
    ("dog-dental-care", "How to keep your dog's teeth clean at home"),
    ("hot-weather-walks", "Hot days: how to protect your dog's paws on walks"),
    ("cat-litter-tips", "5 tips to make your cat's litter box work for you"),
    ("leash-pulling", "Does your dog pull on the leash? Try these 4 steps"),
    ("winter-paw-care", "How to care for your pet's paws in winter"),
    ("choosing-dog-food", "Grain-free or not? How you can choose your dog's food"),
    ("fireworks-anxiety", "How to help your dog through fireworks night"),
    ("senior-dog-exercise", "Your senior dog still needs exercise: here is how"),
]
FUN_TEXTS = [
    "Monday mood: this golden retriever just discovered the sprinkler",
    "Zoomies level: expert. Meet Biscuit, 4 months old",
    "When the treat bag opens &amp; everyone suddenly sits perfectly",
    "Nap time at the BrightPaw office. Shh.",
    "This face when you say \"walk\" but meant \"talk\"",
    "Snow day!\nOur office dog Pepper says hi",
    "Who else has a dog that steals socks? Asking for a friend",
    "Friday feeling: 100% fluff",
]
COMMUNITY_TEXTS = [
    "What's your dog's favourite toy? Tell us in the comments!",
    "Show us your pup! Share a photo from your walk today",
    "Cat people: does your cat prefer the box or the bed inside the box?",
    "Poll time: wet food, dry food or both? Let us know below",
    "Your pet photos made our week. Here are this month's favourites\nThank you all!",
    "Name our new office plant (the dogs keep sniffing it). Ideas?",
]
NEWS_TEXTS = [
    "We just opened our second warehouse in Leipzig, so our deliveries get faster.",
    "Our team grew again! Say hello to our new customer care colleagues.",
    "We now ship to Austria &amp; Switzerland. Our prices stay the same.",
    "Our packaging is now 100% plastic-free. We are proud of our team.",
    "We are closed on public holidays; our support replies the next working day.",
]


@dataclass
class Post:
    """One post of the brand on one platform.

    Attributes
    ----------
    platform : str
        ``"x"`` or ``"facebook"``.
    post_id : str
        Native id (19-digit tweet id or ``<page id>_<post id>``).
    local : datetime.datetime
        Publication time, aware, Europe/Berlin.
    day : int
        Local day index (0 = 2025-01-01).
    category : str
        Content category.
    kind : str
        Facebook ``Type`` (``Link``, ``Photo``, ``Video``, ``Status``).
    slug : str
        Post slug (``utm_content``).
    campaign : str
        UTM campaign (empty for posts without link).
    text : str
        Post text as written in the export.
    metrics : dict
        Native metric values.
    trend : float
        The shared trend ``g`` on the post's day.
    """

    platform: str
    post_id: str
    local: dt.datetime
    day: int
    category: str
    kind: str
    slug: str
    campaign: str
    text: str = ""
    code: str = ""
    metrics: dict = field(default_factory=dict)
    trend: float = 1.0


# --------------------------------------------------------------------------- helpers


def _trend(day: np.ndarray | int, slope: float) -> np.ndarray | float:
    """Return the shared audience trend ``g(t) = 1 + slope * t / 364`` (slope 0.8 in the default sample)."""
    return 1.0 + slope * np.asarray(day, dtype=float) / 364.0


class _ContentMix:
    """Draws each post's category: from the fixed :data:`CATEGORY_P`, or along a planted self-promotional share.

    With ``self_promotion = (start, end)`` the share planted on local day t is
    ``start + (end - start) * t / 364``. Each platform keeps a running count of its self-promotional
    posts within half a post of the planted share summed over its posts (a post is self-promotional
    when the count would otherwise fall behind), so the share seen in any month is the planted one;
    the category within each group is drawn in the proportions of :data:`CATEGORY_P`.
    """

    def __init__(self, self_promotion: tuple[float, float] | None) -> None:
        self.self_promotion = self_promotion
        self.tally: dict[str, list[float]] = {}  # platform -> [planted sum, self-promotional posts]
        promo = np.array([c in SELF_PROMOTIONAL for c in CATEGORIES])
        self.groups = {flag: ([c for c, m in zip(CATEGORIES, promo) if m == flag],
                              CATEGORY_P[promo == flag] / CATEGORY_P[promo == flag].sum()) for flag in (True, False)}

    def share(self, day: int) -> float:
        """The planted self-promotional share of local day ``day`` (needs ``self_promotion``)."""
        start, end = self.self_promotion
        return start + (end - start) * day / 364.0

    def draw(self, rng: np.random.Generator, platform: str, day: int) -> str:
        """The category of the platform's next post, published on local day ``day``."""
        if self.self_promotion is None:
            return str(rng.choice(CATEGORIES, p=CATEGORY_P))
        planted, posted = self.tally.setdefault(platform, [0.0, 0.0])
        planted += self.share(day)
        promotional = posted + 1 <= planted + 0.5
        self.tally[platform] = [planted, posted + promotional]
        names, p = self.groups[promotional]
        return str(rng.choice(names, p=p))


def _date(day: int) -> dt.date:
    """Return the calendar date of local day index ``day``."""
    return START + dt.timedelta(days=int(day))


def _weekday(day: int) -> int:
    """Return the weekday (Monday = 0) of local day index ``day``."""
    return _date(day).weekday()


def _local_time(rng: np.random.Generator, day: int, hours: np.ndarray, weights: np.ndarray) -> dt.datetime:
    """Draw an aware local time on ``day`` from an hourly weight profile."""
    hour = int(rng.choice(hours, p=weights / weights.sum()))
    minute, second = int(rng.integers(0, 60)), int(rng.integers(0, 60))
    d = _date(day)
    return dt.datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=TZ)


def _noise(rng: np.random.Generator, sigma: float = 0.35) -> float:
    """Return a log-normal multiplicative noise factor with median 1."""
    return float(np.exp(rng.normal(0.0, sigma)))


def _poisson(rng: np.random.Generator, lam: float) -> int:
    """Return one Poisson draw as ``int``."""
    return int(rng.poisson(max(lam, 0.0)))


def _java_double(x: float) -> str:
    """Format a float like Java's ``Double.toString`` (scientific below 1e-3)."""
    if x == 0:
        return "0.0"
    if abs(x) < 1e-3:
        mant, exp = np.format_float_scientific(x, unique=True).split("e")
        if "." not in mant:
            mant += ".0"
        elif mant.endswith("."):
            mant += "0"
        return f"{mant}E{int(exp)}"
    return repr(float(x))


def _write_text(path: pathlib.Path, text: str, *, bom: bool = False) -> None:
    """Write ``text`` as UTF-8 (optionally with BOM) without newline translation."""
    data = text.encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def _csv_text(rows: list[list[str]], *, quoting: int = csv.QUOTE_MINIMAL) -> str:
    """Render rows as CSV text with LF line endings."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=quoting, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def _tco(rng: np.random.Generator) -> str:
    """Return a fictional t.co short link."""
    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    return "https://t.co/" + "".join(rng.choice(alphabet, size=10))


# --------------------------------------------------------------------------- posts


def _draw_post_content(rng: np.random.Generator, category: str, day: int) -> dict:
    """Draw topic, slug stem, campaign, discount code and text parts for one post."""
    month = _date(day).month
    mon = _date(day).strftime("%b").lower()
    if category == "offer":
        code, pct = OFFER_CODES[month]
        return {"stem": f"{code.lower()}-offer", "campaign": f"{code.lower()}_{mon}", "code": code,
                "path": f"sale/{code.lower()}",
                "text": rng.choice([
                    f"Our {pct}% deal is live! Use code {code} at checkout on all our treats &amp; toys.",
                    f"We are giving {pct}% off our whole shop this week with code {code}.",
                    f"Only 48 hours: {pct}% off our best sellers.\nCode: {code}",
                ])}
    if category == "product":
        name, _, _, pslug = PRODUCTS[int(rng.choice(len(PRODUCTS), p=PRODUCT_P))]
        return {"stem": pslug, "campaign": "new_products_2025", "code": "", "path": f"products/{pslug}",
                "text": rng.choice([
                    f"New in our shop: {name}. We tested it with our office dogs.",
                    f"Back in stock at BrightPaw: our {name}.",
                    f"We designed our {name} with vets. Now in our store.",
                ])}
    if category == "educational":
        stem, title = EDU_TOPICS[int(rng.integers(len(EDU_TOPICS)))]
        return {"stem": stem, "campaign": "howto_guides", "code": "", "path": f"blog/{stem}",
                "text": rng.choice([f"{title}.", f"How-to: {title.lower()}", f"{title}: the guide for you"])}
    pool = {"entertaining": FUN_TEXTS, "community": COMMUNITY_TEXTS, "company_news": NEWS_TEXTS}[category]
    idx = int(rng.integers(len(pool)))
    return {"stem": f"{category.replace('_', '-')}-{idx + 1}", "campaign": "", "code": "", "path": "",
            "text": pool[idx]}


def _fb_kind(rng: np.random.Generator, category: str) -> str:
    """Return the Facebook ``Type`` of a post of ``category``."""
    if category in LINK_CATEGORIES:
        return "Link"
    if category == "entertaining":
        return "Video" if rng.random() < 0.3 else "Photo"
    return "Photo" if rng.random() < 0.5 else "Status"


def _tweet_id(rng: np.random.Generator, local: dt.datetime) -> str:
    """Return a snowflake-like 19-digit tweet id for a publication time."""
    ms = int(local.astimezone(UTC).timestamp() * 1000) + int(rng.integers(0, 1000))
    return str(((ms - 1288834974657) << 22) + int(rng.integers(0, 1 << 22)))


def _draw_posts(rng: np.random.Generator, truth: SampleTruth) -> list[Post]:
    """Draw all posts of both platforms, ordered by platform then time."""
    posts: list[Post] = []
    slugs: set[str] = set()
    mix = _ContentMix(truth.self_promotion)
    fb_counter = 1_203_456_789_012_000
    for platform, rate in (("x", 1.2), ("facebook", 0.8)):
        for day in range(N_DAYS):
            g = _trend(day, truth.trend_slope)
            day_rate = rate * g / truth.mean_trend  # posting grows with the audience; mean rate `rate`
            times = sorted(_local_time(rng, day, HOURS, HOUR_W) for _ in range(_poisson(rng, day_rate)))
            for local in times:
                category = mix.draw(rng, platform, day)
                content = _draw_post_content(rng, category, day)
                slug = f"{content['stem']}-{_date(day):%Y%m%d}"
                while slug in slugs:
                    slug += "-b"
                slugs.add(slug)
                if platform == "x":
                    post_id = _tweet_id(rng, local)
                    kind = "Link" if category in LINK_CATEGORIES else ("Photo" if category == "entertaining" else "Status")
                else:
                    fb_counter += int(rng.integers(1_000, 90_000_000))
                    post_id = f"{PAGE_ID}_{fb_counter}"
                    kind = _fb_kind(rng, category)
                post = Post(platform, post_id, local, day, category, kind, slug, content["campaign"],
                            code=content["code"], trend=float(g))
                post.text = _post_text(rng, post, str(content["text"]), content["path"])
                posts.append(post)
    return posts


def _post_text(rng: np.random.Generator, post: Post, text: str, path: str) -> str:
    """Append the platform's link form (t.co or full UTM URL) to a post text."""
    if post.platform == "x":
        if path:
            sep = "\n" if rng.random() < 0.2 else " "
            return f"{text}{sep}{_tco(rng)}"
        return text + (f" {_tco(rng)}" if post.category == "entertaining" else "")
    if not path:
        return text.replace("&amp;", "&")
    url = (f"{SITE}/{path}?utm_source=facebook&utm_medium=social"
           f"&utm_campaign={post.campaign}&utm_content={post.slug}")
    return f"{text.replace('&amp;', '&')}\n{url}"


# --------------------------------------------------------------------------- engagement


def _link_clicks(rng: np.random.Generator, post: Post) -> int:
    """Draw a link post's link clicks (zero for posts without link)."""
    if post.category not in LINK_CATEGORIES:
        return 0
    w = WEEKDAY_ENGAGEMENT[_weekday(post.day)]
    return _poisson(rng, 95.0 * post.trend * w * _noise(rng, 0.4))


def _reaction_means(category: str) -> tuple[float, float, float]:
    """Return mean likes, comments and shares at trend 1 for a category."""
    likes = {"entertaining": 140.0, "community": 30.0}.get(category, 12.0)
    comments = {"community": 28.0, "entertaining": 4.0}.get(category, 1.5)
    shares = {"entertaining": 9.0, "educational": 4.0}.get(category, 1.5)
    return likes, comments, shares


def _x_metrics(rng: np.random.Generator, post: Post, promoted: bool) -> dict:
    """Draw the native metrics of one tweet."""
    g, w = post.trend, WEEKDAY_ENGAGEMENT[_weekday(post.day)]
    scale = g * w
    likes_m, comments_m, shares_m = _reaction_means(post.category)
    m = {
        "impressions": _poisson(rng, 1500 * scale * _noise(rng, 0.3)),
        "retweets": _poisson(rng, 0.5 * shares_m * scale * _noise(rng)),
        "replies": _poisson(rng, 0.5 * comments_m * scale * _noise(rng)),
        "likes": _poisson(rng, 0.4 * likes_m * scale * _noise(rng)),
        "user profile clicks": _poisson(rng, 3 * scale),
        "url clicks": _link_clicks(rng, post),
        "hashtag clicks": _poisson(rng, 0.4),
        "detail expands": _poisson(rng, 8 * scale),
        "permalink clicks": _poisson(rng, 0.8),
        "media views": _poisson(rng, 120 * scale) if post.kind == "Photo" else 0,
    }
    m["media engagements"] = _poisson(rng, 0.1 * m["media views"])
    m["follows"] = _poisson(rng, 0.3)
    m["engagements"] = sum(m[k] for k in ("retweets", "replies", "likes", "user profile clicks", "url clicks",
                                          "hashtag clicks", "detail expands", "permalink clicks",
                                          "media engagements", "follows"))
    m["impressions"] = max(m["impressions"], m["engagements"] * 4)
    if promoted:
        p_imp = _poisson(rng, 4000 * scale)
        p_eng = {"promoted likes": _poisson(rng, 20), "promoted retweets": _poisson(rng, 3),
                 "promoted replies": _poisson(rng, 1), "promoted user profile clicks": _poisson(rng, 6),
                 "promoted url clicks": _poisson(rng, 35), "promoted hashtag clicks": 0,
                 "promoted detail expands": _poisson(rng, 10), "promoted permalink clicks": _poisson(rng, 1)}
        m["promoted"] = {"promoted impressions": p_imp, "promoted engagements": sum(p_eng.values()), **p_eng}
    return m


def _fb_metrics(rng: np.random.Generator, post: Post) -> dict:
    """Draw the native lifetime metrics of one Facebook post."""
    g, w = post.trend, WEEKDAY_ENGAGEMENT[_weekday(post.day)]
    scale = g * w
    likes_m, comments_m, shares_m = _reaction_means(post.category)
    reach = _poisson(rng, 1100 * scale * _noise(rng, 0.3))
    m = {
        "reach": reach,
        "impressions": int(round(reach * rng.uniform(1.3, 1.9))),
        "like": _poisson(rng, likes_m * scale * _noise(rng)),
        "comment": _poisson(rng, comments_m * scale * _noise(rng)),
        "share": _poisson(rng, shares_m * scale * _noise(rng)),
        "link clicks": _link_clicks(rng, post),
        "other clicks": _poisson(rng, 18 * scale),
        "photo view": _poisson(rng, 45 * scale) if post.kind == "Photo" else 0,
        "neg_users": _poisson(rng, 0.6),
    }
    m["neg_total"] = m["neg_users"] + _poisson(rng, 0.3)
    if post.kind == "Video":
        views = _poisson(rng, 600 * scale)
        m["video"] = {"length": int(rng.integers(15_000, 90_000)), "avg": int(rng.integers(5_000, 14_000)),
                      "views_t": views, "views_u": int(round(views * rng.uniform(0.8, 0.95))),
                      "w95_t": int(round(views * 0.2)), "w95_u": int(round(views * 0.17))}
    return m


def _attach_metrics(rng: np.random.Generator, posts: list[Post]) -> None:
    """Draw metrics for every post; a few X offer posts are promoted."""
    x_offers = [p for p in posts if p.platform == "x" and p.category == "offer"]
    promoted_idx = set(rng.choice(len(x_offers), size=min(5, len(x_offers)), replace=False).tolist())
    promoted = {x_offers[i].post_id for i in promoted_idx}
    for post in posts:
        post.metrics = (_x_metrics(rng, post, post.post_id in promoted) if post.platform == "x"
                        else _fb_metrics(rng, post))


def _post_value(post: Post, metric: str) -> int:
    """One post's organic value of a driver metric (see :data:`METRIC_FIELDS`)."""
    return post.metrics[METRIC_FIELDS[metric][post.platform]]


def _daily_metric(posts: list[Post], metric: str, platform: str | None = None) -> np.ndarray:
    """Sum a driver metric per local publication day."""
    out = np.zeros(N_DAYS)
    for p in posts:
        if platform in (None, p.platform):
            out[p.day] += _post_value(p, metric)
    return out


# --------------------------------------------------------------------------- outcomes


#: Days after a launch over which truth.yml gives its expected effect (notebook 03's ``change_days``).
LAUNCH_WINDOW = 28
#: The follower model of a truth without fatigue: no loss beyond the base rate (the share's window is the default).
NO_FATIGUE = Fatigue(loss_per_share=0.0)


def _launch_day(truth: SampleTruth) -> int | None:
    """The local day index of the truth's launch (None without one); a ValueError outside the period."""
    if truth.launch is None:
        return None
    day = (truth.launch.day - START).days
    if not 0 < day < N_DAYS:
        raise ValueError(f"launch date {truth.launch.date} is not inside the sample's period "
                         f"({_date(1)} to {_date(N_DAYS - 1)})")
    return day


def _registration_baseline(truth: SampleTruth, audience: np.ndarray) -> np.ndarray:
    """Expected registrations a day that no post causes: ``base * g(t) * w(t)``, times the audience
    kept under promotion fatigue and ``1 + lift`` from a launch on."""
    launch = _launch_day(truth)
    out = np.zeros(N_DAYS)
    for day in range(N_DAYS):
        base = truth.registration_base * _trend(day, truth.trend_slope) * WEEKDAY_OUTCOME[_weekday(day)]
        if truth.fatigue is not None:
            base *= audience[day]
        if launch is not None and day >= launch:
            base *= 1.0 + truth.launch.lift
        out[day] = base
    return out


def _draw_signups(rng: np.random.Generator, posts: list[Post], truth: SampleTruth,
                  baseline: np.ndarray) -> list[dict]:
    """Draw newsletter registrations: organic baseline plus the ones each planted driver causes.

    ``baseline`` is the expected organic registrations of each day (:func:`_registration_baseline`).
    A registration caused by a driver is credited to one of the posts published on the
    driver's source day, drawn in proportion to the post's value of the metric; it carries
    the post's UTM tags when the post has a link.
    """
    daily = {d.metric: _daily_metric(posts, d.metric) for d in truth.drivers}
    by_day: dict[int, list[Post]] = {}
    for p in posts:
        by_day.setdefault(p.day, []).append(p)
    signup_hours = np.arange(0, 24)
    signup_w = np.array([1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 8, 9, 10, 11, 11, 9, 6, 3], dtype=float)
    rows: list[dict] = []
    for day in range(N_DAYS):
        base = baseline[day]
        caused = []
        for driver in truth.drivers:
            src = day - driver.lag_days
            caused.append((driver.metric, src, _poisson(rng, driver.effect * daily[driver.metric][src]) if src >= 0 else 0))
        sources: list[tuple[str, str, str, str]] = []
        for _ in range(_poisson(rng, base)):
            sources.append(("google", "organic", "", "") if rng.random() < 0.4 else ("", "", "", ""))
        for metric, src, count in caused:
            if not count:
                continue
            cands = [p for p in by_day.get(src, []) if _post_value(p, metric) > 0]
            weights = np.array([_post_value(p, metric) for p in cands], dtype=float)
            for i in rng.choice(len(cands), size=count, p=weights / weights.sum()):
                p = cands[int(i)]
                sources.append((p.platform, "social", p.campaign, p.slug if p.campaign else ""))
        times = [_local_time(rng, day, signup_hours, signup_w) for _ in sources]
        for when, s in sorted(zip(times, sources), key=lambda x: x[0]):
            rows.append({"when": when, "day": day, "source": s[0], "medium": s[1], "campaign": s[2], "content": s[3]})
    for n, row in enumerate(rows, start=1):
        row["email"] = f"customer{n:04d}@example.com"
    return rows


@dataclass
class Order:
    """One Shopify order with its line items and attribution."""

    number: int
    created: dt.datetime
    day: int
    email: str
    items: list[tuple[int, int]]
    channel: str
    post: Post | None
    voided: bool
    accepts: bool
    zip_city: tuple[str, str]
    name: str
    payment: str


CITIES = [("10115", "Berlin"), ("20095", "Hamburg"), ("80331", "München"), ("50667", "Köln"),
          ("60311", "Frankfurt am Main"), ("04109", "Leipzig"), ("70173", "Stuttgart"), ("01067", "Dresden")]
FIRST = ["Anna", "Jonas", "Lena", "Felix", "Marie", "Paul", "Sophie", "Lukas", "Mia", "Leon"]
LAST = ["Muster", "Beispiel", "Probe", "Fiktiv", "Testmann", "Demo"]


def _draw_orders(rng: np.random.Generator, posts: list[Post], slope: float) -> list[Order]:
    """Draw orders: trend x weekday baseline plus a same-day lift on offer-post days."""
    offers: dict[int, list[Post]] = {}
    for p in posts:
        if p.category == "offer":
            offers.setdefault(p.day, []).append(p)
    order_w = np.array([1, 1, 0, 0, 0, 1, 2, 4, 6, 7, 7, 7, 8, 7, 7, 7, 7, 8, 9, 10, 10, 8, 5, 2], dtype=float)
    drafts: list[tuple[dt.datetime, int, str, Post | None]] = []
    for day in range(N_DAYS):
        base = _poisson(rng, 2.6 * _trend(day, slope) * WEEKDAY_OUTCOME[_weekday(day)])
        lift = _poisson(rng, 2.0 * _trend(day, slope)) if day in offers else 0
        for _ in range(base):
            ch = str(rng.choice(["google/organic", "(direct)/(none)", "newsletter/email"], p=[0.5, 0.35, 0.15]))
            drafts.append((_local_time(rng, day, np.arange(24), order_w), day, ch, None))
        for _ in range(lift):
            post = offers[day][int(rng.integers(len(offers[day])))]
            earliest = post.local
            when = earliest + dt.timedelta(minutes=int(rng.integers(5, 600)))
            if when.date() != earliest.date():
                when = earliest + dt.timedelta(minutes=int(rng.integers(1, 30)))
            ch = "facebook/social" if post.platform == "facebook" else "t.co/referral"
            drafts.append((when.replace(tzinfo=TZ), day, ch, post))
    drafts.sort(key=lambda d: d[0])
    orders = []
    for n, (when, day, ch, post) in enumerate(drafts):
        k = 1 + _poisson(rng, 0.4)
        idx = rng.choice(len(PRODUCTS), size=k, replace=False, p=PRODUCT_P)
        items = [(int(i), 1 + _poisson(rng, 0.3)) for i in idx]
        orders.append(Order(1001 + n, when, day, f"customer{int(rng.integers(1, 9999)):04d}@example.com", items,
                            ch, post, bool(rng.random() < 0.015), bool(rng.random() < 0.6),
                            CITIES[int(rng.integers(len(CITIES)))],
                            f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}",
                            str(rng.choice(["Shopify Payments", "PayPal Express Checkout"], p=[0.7, 0.3]))))
    return orders


def _order_amounts(order: Order) -> dict[str, float]:
    """Return subtotal, discount, shipping, taxes (19 % VAT included) and total of an order."""
    gross = sum(PRODUCTS[i][2] * q for i, q in order.items)
    pct = OFFER_CODES[_date(order.day).month][1] if order.post is not None else 0
    discount = round(gross * pct / 100.0, 2)
    subtotal = round(gross - discount, 2)
    shipping = 0.0 if subtotal >= 49 else 4.90
    total = round(subtotal + shipping, 2)
    return {"gross": gross, "discount": discount, "subtotal": subtotal, "shipping": shipping,
            "taxes": round(total - total / 1.19, 2), "total": total}


# --------------------------------------------------------------------------- writers: X


X_HEADER = ["Tweet id", "Tweet permalink", "Tweet text", "time", "impressions", "engagements", "engagement rate",
            "retweets", "replies", "likes", "user profile clicks", "url clicks", "hashtag clicks",
            "detail expands", "permalink clicks", "app opens", "app installs", "follows", "email tweet",
            "dial phone", "media views", "media engagements"]
X_FLOATS = ["impressions", "engagements", "retweets", "replies", "likes", "user profile clicks", "url clicks",
            "hashtag clicks", "detail expands", "permalink clicks"]
X_INTS = ["app opens", "app installs", "follows", "email tweet", "dial phone", "media views", "media engagements"]
X_PROMOTED = ["promoted " + c for c in X_HEADER[4:]]


def _x_row(post: Post) -> list[str]:
    """Return the 40 cells of one tweet row."""
    return _x_cells(post.post_id, HANDLE, post.text, post.local, post.metrics)


def _x_cells(post_id: str, handle: str, text: str, published: dt.datetime, m: dict) -> list[str]:
    """Return the 40 cells of one tweet of account ``handle`` (``published`` aware, written in UTC).

    ``m`` holds the native values: ``impressions``, ``engagements``, the other
    :data:`X_FLOATS` and :data:`X_INTS` (absent ones are 0) and, for a promoted
    tweet, ``promoted`` (a dict of the ``promoted ...`` values).
    """
    utc = published.astimezone(UTC)
    rate = m["engagements"] / m["impressions"] if m["impressions"] else 0.0
    cells = [post_id, f"https://twitter.com/{handle}/status/{post_id}", text,
             utc.strftime("%Y-%m-%d %H:%M +0000"), f"{m['impressions']}.0", f"{m['engagements']}.0",
             _java_double(rate)]
    cells += [f"{m[c]}.0" for c in X_FLOATS[2:]]
    cells += [str(m.get(c, 0)) for c in X_INTS]
    promo = m.get("promoted")
    if promo is None:
        return cells + ["-"] * len(X_PROMOTED)
    for c in X_PROMOTED:
        if c == "promoted engagement rate":
            cells.append(_java_double(promo["promoted engagements"] / max(promo["promoted impressions"], 1)))
        elif c.removeprefix("promoted ") in X_FLOATS:
            cells.append(f"{promo.get(c, 0)}.0")
        else:
            cells.append(str(promo.get(c, 0)))
    return cells


def _write_x(folder: pathlib.Path, posts: list[Post]) -> list[pathlib.Path]:
    """Write twelve monthly ``tweet_activity_metrics`` files (newest tweet first)."""
    paths = []
    tweets = [p for p in posts if p.platform == "x"]
    for month in range(1, 13):
        start = dt.date(2025, month, 1)
        end = dt.date(2025 + month // 12, month % 12 + 1, 1)
        rows = [p for p in tweets if start <= p.local.astimezone(UTC).date() < end]
        rows.sort(key=lambda p: p.local, reverse=True)
        path = folder / f"tweet_activity_metrics_{HANDLE}_{start:%Y%m%d}_{end:%Y%m%d}_en.csv"
        _write_text(path, _csv_text([X_HEADER + X_PROMOTED] + [_x_row(p) for p in rows], quoting=csv.QUOTE_ALL))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- writers: Facebook

#: (header, description or None for a continued breakdown group)
FB_COLUMNS: list[tuple[str, str | None]] = [
    ("Lifetime Post Total Reach", f"Lifetime: People your Page post was shown to. {U}"),
    ("Lifetime Post organic reach", f"Lifetime: People who saw your Page post without paid distribution. {U}"),
    ("Lifetime Post Paid Reach", f"Lifetime: People your promoted Page post was shown to. {U}"),
    ("Lifetime Post Total Impressions", f"Lifetime: Times your Page post was shown. {T}"),
    ("Lifetime Post Organic Impressions", f"Lifetime: Times your Page post was shown without paid distribution. {T}"),
    ("Lifetime Post Paid Impressions", f"Lifetime: Times your promoted Page post was shown. {T}"),
    ("Lifetime Engaged Users", f"Lifetime: People who clicked anywhere in your post. {U}"),
    ("Lifetime Post Consumers", f"Lifetime: People who clicked anywhere in your post. {U}"),
    ("Lifetime Post Consumptions", f"Lifetime: Clicks anywhere in your post. {T}"),
    ("Lifetime Negative feedback", f"Lifetime: People who gave negative feedback on your post. {U}"),
    ("Lifetime Negative Feedback from Users", f"Lifetime: Times people gave negative feedback on your post. {T}"),
    ("Lifetime Post Impressions by people who have liked your Page", f"Lifetime: Times your post was shown to people who like your Page. {T}"),
    ("Lifetime Post reach by people who like your Page", f"Lifetime: People who like your Page and saw your post. {U}"),
    ("Lifetime Post Paid Impressions by people who have liked your Page", f"Lifetime: Paid impressions of your post to people who like your Page. {T}"),
    ("Lifetime Paid reach of a post by people who like your Page", f"Lifetime: People who like your Page and saw your post as an ad. {U}"),
    ("Lifetime People who have liked your Page and engaged with your post", f"Lifetime: People who like your Page and clicked in your post. {U}"),
    ("Lifetime Average time video viewed", f"Lifetime: Average time your video was watched. {T}"),
    ("Lifetime Organic watches at 95%", f"Lifetime: Times your video was watched to 95% of its length without paid promotion. {T}"),
    ("Lifetime Organic watches at 95%", f"Lifetime: Times your video was watched to 95% of its length without paid promotion. {U}"),
    ("Lifetime Paid watches at 95%", f"Lifetime: Times your video was watched to 95% of its length after paid promotion. {T}"),
    ("Lifetime Paid watches at 95%", f"Lifetime: Times your video was watched to 95% of its length after paid promotion. {U}"),
    ("Lifetime Video length", f"Lifetime: Length of the video post. {T}"),
    ("Lifetime Organic Video Views", f"Lifetime: Times your video was watched for 3 seconds or more without paid promotion. {T}"),
    ("Lifetime Organic Video Views", f"Lifetime: Times your video was watched for 3 seconds or more without paid promotion. {U}"),
    ("Lifetime Paid Video Views", f"Lifetime: Times your video was watched for 3 seconds or more after paid promotion. {T}"),
    ("Lifetime Paid Video Views", f"Lifetime: Times your video was watched for 3 seconds or more after paid promotion. {U}"),
    ("Lifetime Talking About This (Post) by action type - comment", f"Lifetime: People who created a story about your post, by action type. {U}"),
    ("Lifetime Talking About This (Post) by action type - like", None),
    ("Lifetime Talking About This (Post) by action type - share", None),
    ("Lifetime Post Stories by action type - comment", f"Lifetime: Stories created about your post, by action type. {T}"),
    ("Lifetime Post Stories by action type - like", None),
    ("Lifetime Post Stories by action type - share", None),
    ("Lifetime Post consumers by type - link clicks", f"Lifetime: People who clicked anywhere in your post, by type. {U}"),
    ("Lifetime Post consumers by type - other clicks", None),
    ("Lifetime Post consumers by type - photo view", None),
    ("Lifetime Post Consumptions by type - link clicks", f"Lifetime: Clicks anywhere in your post, by type. {T}"),
    ("Lifetime Post Consumptions by type - other clicks", None),
    ("Lifetime Post Consumptions by type - photo view", None),
]
FB_META = ["Post ID", "Permalink", "Post Message", "Type", "Countries", "Languages", "Posted", "Audience Targeting"]


def _q(text: str) -> str:
    """Quote a CSV field unconditionally (doubling inner quotes)."""
    return '"' + text.replace('"', '""') + '"'


def _fb_header_cell(name: str) -> str:
    """Quote a Facebook header name only when it contains a space."""
    return _q(name) if " " in name else name


def _fb_values(post: Post, rng_fracs: dict[str, float]) -> list[str]:
    """Return the metric cells of one Facebook post row (breakdown zeros empty)."""
    return _fb_metric_cells(post.metrics, rng_fracs)


def _fb_metric_cells(m: dict, rng_fracs: dict[str, float]) -> list[str]:
    """Return the :data:`FB_COLUMNS` cells of one post's native lifetime values ``m`` (breakdown zeros empty).

    ``m`` holds ``reach``, ``impressions``, ``like``, ``comment``, ``share``, ``link clicks``,
    ``other clicks``, ``photo view``, ``neg_users``, ``neg_total`` and, for a video, ``video``;
    ``rng_fracs`` gives, per breakdown key, the share of its Total Count that are Unique Users.
    """
    consumptions = m["link clicks"] + m["other clicks"] + m["photo view"]
    u = {k: int(round(m[k] * rng_fracs[k])) for k in ("link clicks", "other clicks", "photo view")}
    consumers = int(round(sum(u.values()) * 0.9))
    talk = {k: int(round(m[k] * rng_fracs[k])) for k in ("comment", "like", "share")}
    engaged = min(m["reach"], consumers + int(round(sum(talk.values()) * 0.8)))
    v = m.get("video", {})
    scalars = [m["reach"], m["reach"], 0, m["impressions"], m["impressions"], 0, engaged, consumers, consumptions,
               m["neg_users"], m["neg_total"], int(m["impressions"] * 0.6), int(m["reach"] * 0.55), 0, 0,
               int(engaged * 0.5), v.get("avg", 0), v.get("w95_t", 0), v.get("w95_u", 0), 0, 0,
               v.get("length", 0), v.get("views_t", 0), v.get("views_u", 0), 0, 0]
    breakdown = [talk["comment"], talk["like"], talk["share"], m["comment"], m["like"], m["share"],
                 u["link clicks"], u["other clicks"], u["photo view"],
                 m["link clicks"], m["other clicks"], m["photo view"]]
    return [str(x) for x in scalars] + [str(x) if x else "" for x in breakdown]


def _fb_head() -> tuple[str, str]:
    """Return the header line and the description line of a post-level export."""
    header = ",".join(_fb_header_cell(h) for h in FB_META + [c for c, _ in FB_COLUMNS])
    desc = ",".join([""] * len(FB_META) + [_q(d) if d else "" for _, d in FB_COLUMNS])
    return header, desc


def _fb_posted(local: dt.datetime) -> str:
    """Format a local time as ``MM/DD/YYYY hh:mm:ss AM``."""
    return local.strftime("%m/%d/%Y %I:%M:%S %p")


def _fb_row(post: Post, fracs: dict[str, float]) -> str:
    """Return one Facebook data line."""
    return _fb_line(post.post_id, PAGE_NAME, post.text, post.kind, post.local, _fb_values(post, fracs))


def _fb_line(post_id: str, page: str, text: str, kind: str, local: dt.datetime, cells: list[str]) -> str:
    """Return one data line of Page ``page``'s post-level export (``Posted`` is ``local``'s wall-clock time)."""
    oid = post_id.split("_")[1]
    meta = [post_id, f"https://www.facebook.com/{page}/posts/{oid}", _q(text), kind, "", "",
            _q(_fb_posted(local)), _q(" ")]
    return ",".join(meta + cells)


def _mention_row(rng: np.random.Generator, day: int) -> tuple[dt.datetime, str]:
    """Return a row for a post by someone else mentioning the Page (all metrics empty)."""
    local = _local_time(rng, day, HOURS, HOUR_W)
    oid = str(int(rng.integers(10**15, 10**16)))
    meta = [f"{PAGE_ID}_{oid}", f"https://www.facebook.com/{PAGE_NAME}/posts/{oid}",
            _q(f"{PAGE_NAME} was mentioned in a post."), "", "", "", _q(_fb_posted(local)), _q(" ")]
    return local, ",".join(meta + [""] * len(FB_COLUMNS))


def _write_facebook(rng: np.random.Generator, folder: pathlib.Path, posts: list[Post]) -> list[pathlib.Path]:
    """Write two half-year Facebook post-level exports (UTF-8 BOM, description row)."""
    header, desc = _fb_head()
    paths = []
    for first, last in ((dt.date(2025, 1, 1), dt.date(2025, 6, 30)), (dt.date(2025, 7, 1), dt.date(2025, 12, 31))):
        rows: list[tuple[dt.datetime, str]] = []
        for p in posts:
            if p.platform == "facebook" and first <= p.local.date() <= last:
                fracs = {k: float(rng.uniform(0.75, 0.95)) for k in
                         ("link clicks", "other clicks", "photo view", "comment", "like", "share")}
                rows.append((p.local, _fb_row(p, fracs)))
        n_mentions = 1 + int(rng.integers(0, 2))
        lo, hi = (first - START).days, (last - START).days
        rows += [_mention_row(rng, int(rng.integers(lo, hi + 1))) for _ in range(n_mentions)]
        rows.sort(key=lambda r: r[0], reverse=True)
        path = folder / f"Facebook Insights Data Export (Post Level) - {PAGE_NAME} - {first} - {last}.csv"
        _write_text(path, "\n".join([header, desc] + [r for _, r in rows]) + "\n", bom=True)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- writers: GA4

GA4_SOURCES = [("google", "organic", "(organic)", 170.0), ("(direct)", "(none)", "(direct)", 85.0),
               ("facebook", "social", None, None), ("t.co", "referral", "(referral)", None),
               ("newsletter", "email", "weekly_newsletter", 22.0)]


def _ga4_num(x: float) -> str:
    """Format a GA4 number, quoting values above 999 with thousand separators."""
    if float(x).is_integer():
        s = f"{int(x):,}"
    else:
        s = f"{x:,.2f}".rstrip("0").rstrip(".")
    return _q(s) if "," in s else s


def _top_post(posts: list[Post], day: int, platform: str) -> Post | None:
    """Return the post with most link clicks of a platform on a day."""
    cands = [p for p in posts if p.day == day and p.platform == platform and p.category in LINK_CATEGORIES]
    return max(cands, key=lambda p: _post_value(p, "link_clicks"), default=None)


def _write_ga4(rng: np.random.Generator, folder: pathlib.Path, posts: list[Post], signups: list[dict],
               orders: list[Order], slope: float) -> pathlib.Path:
    """Write the GA4 traffic-acquisition CSV (one row per day x source/medium)."""
    clicks = {"facebook": _daily_metric(posts, "link_clicks", "facebook"), "x": _daily_metric(posts, "link_clicks", "x")}
    key_events: dict[tuple[int, str], int] = {}
    for s in signups:
        ch = {"facebook": "facebook/social", "x": "t.co/referral", "google": "google/organic"}.get(s["source"],
                                                                                                  "(direct)/(none)")
        key_events[(s["day"], ch)] = key_events.get((s["day"], ch), 0) + 1
    revenue: dict[tuple[int, str], float] = {}
    for o in orders:
        if not o.voided:
            revenue[(o.day, o.channel)] = revenue.get((o.day, o.channel), 0.0) + _order_amounts(o)["total"]
    rows, totals = [], np.zeros(5)
    for day in range(N_DAYS):
        gw = _trend(day, slope) * WEEKDAY_OUTCOME[_weekday(day)]
        for source, medium, campaign, base in GA4_SOURCES:
            ch = f"{source}/{medium}"
            content = "(not set)"
            if source == "facebook":
                sessions = _poisson(rng, 0.7 * clicks["facebook"][day])
                top = _top_post(posts, day, "facebook")
                campaign, content = (top.campaign, top.slug) if top else ("(not set)", "(not set)")
            elif source == "t.co":
                sessions = _poisson(rng, 0.7 * clicks["x"][day])
            else:
                sessions = _poisson(rng, base * gw)
            if sessions == 0:
                continue
            users = int(round(sessions * rng.uniform(0.8, 0.92)))
            engaged = int(rng.binomial(sessions, 0.62))
            kev = key_events.get((day, ch), 0)
            rev = round(revenue.get((day, ch), 0.0), 2)
            vals = np.array([sessions, users, engaged, kev, rev])
            totals += vals
            rows.append(",".join([f"{_date(day):%Y%m%d}", source, medium, campaign, content]
                                 + [_ga4_num(v) for v in vals[:4]] + [_ga4_num(rev)]))
    grand = ",".join(["Grand total", "", "", "", ""] + [_ga4_num(v) for v in totals[:4]]
                     + [_ga4_num(round(float(totals[4]), 2))])
    pre = ["# ----------------------------------------", "# Traffic acquisition: Session source / medium",
           "# Account: BrightPaw", "# Property: BrightPaw Web Shop", "# ----------------------------------------",
           "#", "# All Users", "# Start date: 20250101", "# End date: 20251231", ""]
    header = ("Date,Session source,Session medium,Session campaign,Session manual ad content,"
              "Sessions,Total users,Engaged sessions,Key events,Total revenue")
    path = folder / "ga4_traffic_acquisition_20250101_20251231.csv"
    _write_text(path, "\n".join(pre + [header, grand] + rows) + "\n")
    return path


# --------------------------------------------------------------------------- writers: Shopify

SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,"
    "Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,"
    "Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,"
    "Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,"
    "Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,"
    "Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,"
    "Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,"
    "Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,"
    "Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,"
    "Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References"
).split(",")


def _shopify_time(t: dt.datetime) -> str:
    """Format an aware time as ``YYYY-MM-DD HH:MM:SS +0100``."""
    return t.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S %z")


def _note_attributes(order: Order) -> str:
    """Return the multi-line UTM note attributes of an order (empty if untracked)."""
    if order.post is not None:
        p = order.post
        return (f"utm_source: {p.platform}\nutm_medium: social\nutm_campaign: {p.campaign}\n"
                f"utm_content: {p.slug}")
    if order.channel == "newsletter/email":
        return "utm_source: newsletter\nutm_medium: email\nutm_campaign: weekly_newsletter"
    return ""


def _shopify_rows(order: Order) -> list[list[str]]:
    """Return the line-item rows of one order (order-level cells only on the first)."""
    a = _order_amounts(order)
    created = order.created
    paid = created + dt.timedelta(seconds=1)
    fulfilled = created + dt.timedelta(hours=20)
    code = order.post.code if order.post is not None else ""
    rows = []
    for n, (i, qty) in enumerate(order.items):
        name, sku, price, _ = PRODUCTS[i]
        r = dict.fromkeys(SHOPIFY_HEADER, "")
        r.update({"Name": f"#{order.number}", "Email": order.email, "Created at": _shopify_time(created),
                  "Lineitem quantity": str(qty), "Lineitem name": name, "Lineitem price": f"{price:.2f}",
                  "Lineitem sku": sku, "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                  "Lineitem fulfillment status": "pending" if order.voided else "fulfilled",
                  "Vendor": "BrightPaw", "Lineitem discount": "0.00"})
        if n == 0:
            zip_code, city = order.zip_city
            r.update({
                "Financial Status": "voided" if order.voided else "paid",
                "Paid at": "" if order.voided else _shopify_time(paid),
                "Fulfillment Status": "unfulfilled" if order.voided else "fulfilled",
                "Fulfilled at": "" if order.voided else _shopify_time(fulfilled),
                "Accepts Marketing": "yes" if order.accepts else "no", "Currency": "EUR",
                "Subtotal": f"{a['subtotal']:.2f}", "Shipping": f"{a['shipping']:.2f}", "Taxes": f"{a['taxes']:.2f}",
                "Total": f"{a['total']:.2f}", "Discount Code": code, "Discount Amount": f"{a['discount']:.2f}",
                "Shipping Method": "DHL Paket", "Billing Name": order.name, "Billing City": city,
                "Billing Zip": zip_code, "Billing Country": "DE", "Shipping Name": order.name,
                "Shipping City": city, "Shipping Zip": zip_code, "Shipping Country": "DE",
                "Note Attributes": _note_attributes(order),
                "Cancelled at": _shopify_time(created + dt.timedelta(hours=2)) if order.voided else "",
                "Payment Method": order.payment, "Payment Reference": f"c{24000000000 + order.number}.1",
                "Refunded Amount": "0.00", "Outstanding Balance": "0.00",
                "Id": str(6100000000000 + order.number * 37), "Risk Level": "Low", "Source": "web",
                "Tax 1 Name": "DE MwSt 19%", "Tax 1 Value": f"{a['taxes']:.2f}",
                "Payment ID": f"p{order.number:06d}", "Payment References": f"c{24000000000 + order.number}.1"})
        rows.append([r[c] for c in SHOPIFY_HEADER])
    return rows


def _write_shopify(folder: pathlib.Path, orders: list[Order]) -> pathlib.Path:
    """Write ``orders_export_1.csv`` (one row per line item, newest order first)."""
    rows = [SHOPIFY_HEADER]
    for order in sorted(orders, key=lambda o: o.number, reverse=True):
        rows += _shopify_rows(order)
    path = folder / "orders_export_1.csv"
    _write_text(path, _csv_text(rows))
    return path


# --------------------------------------------------------------------------- writers: CRM, YAML


def _write_signups(folder: pathlib.Path, signups: list[dict]) -> pathlib.Path:
    """Write the generic CRM newsletter sign-up list."""
    rows = [["Signed up at", "Email", "utm_source", "utm_medium", "utm_campaign", "utm_content"]]
    rows += [[s["when"].strftime("%Y-%m-%d %H:%M:%S"), s["email"], s["source"], s["medium"], s["campaign"],
              s["content"]] for s in signups]
    path = folder / "newsletter_signups.csv"
    _write_text(path, _csv_text(rows))
    return path


CLIENT_YML = """\
client: {client}
display_name: BrightPaw Pet Supply
timezone: Europe/Berlin
currency: EUR
salt: brightpaw-sample-salt
period: {{start: 2025-01-01, end: 2025-12-31}}
goal:
  objective: registrations
  kpi: registration
files:
  - path: newsletter_signups.csv
    format: generic
    table: outcomes
    columns: {{occurred_at: Signed up at, customer_key: Email, source: utm_source, medium: utm_medium, campaign: utm_campaign, content: utm_content}}
    constants: {{outcome: registration}}
"""


def _write_client(folder: pathlib.Path, client: str) -> pathlib.Path:
    """Write ``client.yml``."""
    path = folder / "client.yml"
    _write_text(path, CLIENT_YML.format(client=client))
    return path


def _self_promotion_truth(truth: SampleTruth, posts: list[Post]) -> dict:
    """truth.yml's ``self_promotion``: the planted shares, and the shares the posts show by quarter."""
    if truth.self_promotion is None:
        start = end = round(float(CATEGORY_P[[c in SELF_PROMOTIONAL for c in CATEGORIES]].sum()), 4)
        rule = ("each post's category is drawn from a fixed mix: "
                + ", ".join(f"{c} {p:g}" for c, p in zip(CATEGORIES, CATEGORY_P)))
    else:
        start, end = (float(x) for x in truth.self_promotion)
        rule = (f"the self-promotional share of posts moves linearly from {start:g} on {_date(0)} to {end:g} on "
                f"{_date(N_DAYS - 1)}; within each group the categories keep the proportions of the default mix")
    quarters = []
    for q in range(4):
        mine = [p.category in SELF_PROMOTIONAL for p in posts if (_date(p.day).month - 1) // 3 == q]
        quarters.append(round(float(np.mean(mine)), 3))
    return {"categories": list(SELF_PROMOTIONAL), "share_start": start, "share_end": end, "rule": rule,
            "observed_share_by_quarter": quarters}


def _followers_truth(truth: SampleTruth, followers: Followers, page: pathlib.Path) -> tuple[dict, dict | None]:
    """truth.yml's ``followers`` (the Page's follower model) and ``fatigue`` (None without fatigue)."""
    fatigue = truth.fatigue
    loss = (f"lost(t) ~ Poisson(followers(t-1) * ({BASE_LOSS_RATE:g} + {fatigue.loss_per_share:g} * s(t))), s(t) = "
            f"self-promotional share of the Page's posts of the {fatigue.window} days before t" if fatigue is not None
            else f"lost(t) ~ Poisson(followers(t-1) * {BASE_LOSS_RATE:g}): losses do not depend on the content")
    block = {
        "export": page.name,
        "start": FOLLOWERS_START,
        "end": int(followers.followers[-1]),
        "new_model": f"new(t) ~ Poisson({FOLLOWERS_START} * ({truth.trend_slope:g}/364 + {BASE_LOSS_RATE:g} * g(t))): "
                     f"without fatigue followers follow {FOLLOWERS_START} * g(t)",
        "loss_model": loss,
    }
    if fatigue is None:
        return block, None
    return block, {
        "loss_per_self_promotional_share": float(fatigue.loss_per_share),
        "window_days": int(fatigue.window),
        "base_loss_rate": BASE_LOSS_RATE,
        "formula": loss,
        "registration_baseline": f"multiplied by audience(t) = followers(t-1) / ({FOLLOWERS_START} * g(t)), the "
                                 "audience the Page kept",
        "audience_end": round(float(followers.audience(_trend(np.arange(N_DAYS), truth.trend_slope))[-1]), 3),
        "followers_lost_in_the_year": int(followers.lost.sum()),
    }


def _launch_truth(truth: SampleTruth, baseline: np.ndarray) -> dict | None:
    """truth.yml's ``launch``: date, lift and the registrations a day it adds (None without a launch)."""
    day = _launch_day(truth)
    if day is None:
        return None
    lift = truth.launch.lift
    added = baseline[day:] * lift / (1.0 + lift)  # the baseline holds the lift from the launch on
    first = added[:LAUNCH_WINDOW]
    return {
        "date": truth.launch.date,
        "lift": float(lift),
        "formula": f"from {truth.launch.date} on (local days) the registration baseline is multiplied by 1 + {lift:g}",
        f"expected_added_registrations_per_day_first_{LAUNCH_WINDOW}_days": round(float(first.mean()), 3),
        f"expected_added_registrations_first_{LAUNCH_WINDOW}_days": round(float(first.sum()), 2),
        "expected_added_registrations_per_day_to_period_end": round(float(added.mean()), 3),
    }


def _write_truth(folder: pathlib.Path, seed: int, truth: SampleTruth, posts: list[Post], events_funnel: dict, *,
                 scenario: Scenario | None, followers: Followers, page: pathlib.Path,
                 baseline: np.ndarray) -> pathlib.Path:
    """Write ``truth.yml`` with the planted effects and every post's category."""
    follower_block, fatigue_block = _followers_truth(truth, followers, page)
    truth_yml = {
        "seed": int(seed),
        "scenario": None if scenario is None else {"name": scenario.name, "title": scenario.title,
                                                   "story": scenario.story},
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "timezone": "Europe/Berlin",
        "trend": f"g(t) = 1 + {truth.trend_slope:g}*t/364 (t = local day index from 0) multiplies post impressions "
                 "and every outcome's baseline",
        "weekday_engagement": [float(x) for x in WEEKDAY_ENGAGEMENT],
        "weekday_outcome": [float(x) for x in WEEKDAY_OUTCOME],
        "metric_definitions": {
            metric: f"X `{fields['x']}` + Facebook `{FACEBOOK_COLUMNS[metric]}`, summed by local publication day "
                    "(Europe/Berlin), organic values"
            for metric, fields in METRIC_FIELDS.items()
        },
        "registration_model": truth.model(),
        "leads": truth.leads(),
        "noise": {"registration": truth.noise},
        "self_promotion": _self_promotion_truth(truth, posts),
        "followers": follower_block,
        "fatigue": fatigue_block,
        "launch": _launch_truth(truth, baseline),
        "orders_driver": "offer posts (same day)",
        "events_funnel": events_funnel,
        "post_categories": {p.post_id: p.category for p in sorted(posts, key=lambda p: (p.platform, p.local))},
    }
    path = folder / "truth.yml"
    _write_text(path, yaml.safe_dump(truth_yml, sort_keys=False, allow_unicode=True, width=120))
    return path


# --------------------------------------------------------------------------- entry point


def write_sample(
    directory: str | pathlib.Path,
    *,
    client: str = "brightpaw",
    seed: int = 20250101,
    truth: SampleTruth | None = None,
    scenario: str | None = None,
) -> pathlib.Path:
    """Write the fictional BrightPaw sample client into ``<directory>/<client>/``.

    Parameters
    ----------
    directory : str or pathlib.Path
        Parent folder; created if missing.
    client : str, default "brightpaw"
        Client folder name (also written to ``client.yml``).
    seed : int, default 20250101
        Seed for :func:`numpy.random.default_rng`; the same seed gives
        byte-identical files.
    truth : SampleTruth, optional
        Which engagement metrics drive registrations, after how many days and by how much
        (:mod:`engagekit.teaching.sample_truth`); written to ``truth.yml``. Default: the scenario's truth.
    scenario : str, optional
        A named scenario of :data:`engagekit.teaching.scenarios.SCENARIOS` (default "likes-are-noise");
        not together with ``truth``.

    Returns
    -------
    pathlib.Path
        The client folder.
    """
    if truth is not None and scenario is not None:
        raise ValueError("give a truth or a scenario, not both")
    named = None
    if truth is None:
        named = named_scenario(scenario or DEFAULT_SCENARIO)
        truth = named.truth
    _launch_day(truth)  # a launch outside the period is refused before anything is written
    folder = pathlib.Path(directory) / client
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    page_rng = np.random.default_rng([seed, 1])  # the Page's followers and daily export only
    posts = _draw_posts(rng, truth)
    _attach_metrics(rng, posts)
    trend = _trend(np.arange(N_DAYS), truth.trend_slope)
    page_posts = [PagePost(p.day, p.category in SELF_PROMOTIONAL, p.metrics) for p in posts if p.platform == "facebook"]
    fatigue = truth.fatigue or NO_FATIGUE
    followers = draw_followers(page_rng, trend=trend, trend_slope=truth.trend_slope,
                               share=trailing_share(page_posts, n_days=N_DAYS, window=fatigue.window),
                               loss_per_share=fatigue.loss_per_share)
    baseline = _registration_baseline(truth, followers.audience(trend))
    signups = _draw_signups(rng, posts, truth, baseline)
    orders = _draw_orders(rng, posts, truth.trend_slope)
    _write_x(folder, posts)
    _write_facebook(rng, folder, posts)
    _write_ga4(rng, folder, posts, signups, orders, truth.trend_slope)
    _write_shopify(folder, orders)
    _write_signups(folder, signups)
    _, events_funnel = write_ga4_events(folder, signups, seed=seed)
    page = write_page_daily(page_rng, folder, page_name=PAGE_NAME, start=START, trend=trend, followers=followers,
                            posts=page_posts)
    _write_client(folder, client)
    _write_truth(folder, seed, truth, posts, events_funnel, scenario=named, followers=followers, page=page,
                 baseline=baseline)
    return folder
