"""The sample client's website events: one month of a GA4 BigQuery export with a known funnel.

:func:`write_ga4_events` writes ``events_202512-000000000000.json.gz``: the
newline-delimited JSON (gzip) that BigQuery's ``EXPORT DATA`` writes of the
GA4 ``events_*`` tables, for the visitors of BrightPaw's website in December
2025 (Europe/Berlin). It is read into the ``events`` table by the
``ga4_bigquery_events`` loader.

Every visitor has one session. The sign-up funnel planted in it:

* ``session_start``: every visitor;
* ``page_view`` of the newsletter page: a visitor who did not sign up goes on
  with probability :data:`P_PAGE_VIEW`;
* ``form_start``: such a visitor who viewed the page starts the form with
  probability :data:`P_FORM_START`;
* ``sign_up``: never, for them. Every December sign-up of the CRM list
  (``newsletter_signups.csv``) is a visitor who went through all four steps,
  the ``sign_up`` at the CRM's time of sign-up, with the same UTM tags.

A visitor who does not sign up comes from Google, directly, from Facebook or
X without UTM tags (``t.co`` / referral), or through the UTM-tagged link of a
post (:data:`_SOURCES`): the tags of a December sign-up of the
:data:`LINK_DAYS` days before the visit, so that a tagged link is clicked by
people who sign up and by people who do not, as links are. Who comes through
a tagged link and which link it is are drawn from a stream of their own
(``numpy.random.default_rng([seed, 4, 1])``); the tagged links take their
share from the social sources only, so the same visitors come from social
media as without them and the funnel's counts (``truth.yml``) are the same.

A converting visitor's steps are minutes apart (``session_start`` 10 to 20
minutes before the sign-up, the ``page_view`` 5 to 60 seconds after it, the
``form_start`` 30 seconds to 5 minutes before the sign-up). UTM tags travel on
the session's first two events (``collected_traffic_source``), as GA4 collects
them. The exact number of visitors reaching each step is recorded in
``truth.yml`` (``events_funnel``), so a user-level funnel over the file can be
checked against it.

The file has its own random stream (``numpy.random.default_rng([seed, 4])``):
the other sample files do not change with it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gzip
import json
import pathlib
from zoneinfo import ZoneInfo

import numpy as np

__all__ = ["EVENTS_FILE", "FUNNEL_STEPS", "LINK_DAYS", "P_FORM_START", "P_PAGE_VIEW", "write_ga4_events"]

EVENTS_FILE = "events_202512-000000000000.json.gz"
FUNNEL_STEPS = ("session_start", "page_view", "form_start", "sign_up")
#: For a visitor who does not sign up: the chance to view the newsletter page, then to start the form.
P_PAGE_VIEW = 0.55
P_FORM_START = 0.30
#: Visitors who do not sign up, per sign-up of the month.
VISITORS_PER_SIGNUP = 8

_TZ = ZoneInfo("Europe/Berlin")
_MONTH_START = dt.datetime(2025, 12, 1, tzinfo=_TZ)
_MONTH_END = dt.datetime(2026, 1, 1, tzinfo=_TZ)
_PAGE = "https://brightpaw.example/newsletter"
_SOURCES = [  # (source, medium, campaign, content) of visitors who do not sign up, and their weights
    (("google", "organic", "", ""), 0.35),
    (("", "", "", ""), 0.30),
    (("facebook", "social", "", ""), 0.10),
    (None, 0.17),  # the UTM-tagged link of a post (_tagged_link); the social sources stay 0.35 in all
    (("t.co", "referral", "", ""), 0.08),
]
#: A visitor who does not sign up and comes through a tagged link has the tags of a sign-up of these days before.
LINK_DAYS = dt.timedelta(days=3)


def _micros(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _param(key: str, *, string_value: str | None = None, int_value: str | None = None) -> dict:
    """One entry of ``event_params``, as BigQuery exports it (every value field present)."""
    return {"key": key, "value": {"string_value": string_value, "int_value": int_value,
                                  "float_value": None, "double_value": None}}


def _event(name: str, moment: dt.datetime, visitor: str, session: int, tags: tuple[str, str, str, str] | None) -> dict:
    """One row of the GA4 BigQuery export (the fields engagekit reads, and a few it does not)."""
    params = [_param("ga_session_id", int_value=str(session))]
    if name != "session_start":
        params.append(_param("page_location", string_value=_PAGE))
    source = None
    if tags is not None and any(tags):
        source = {"manual_source": tags[0] or None, "manual_medium": tags[1] or None,
                  "manual_campaign_name": tags[2] or None, "manual_content": tags[3] or None}
    return {
        "event_date": moment.astimezone(_TZ).strftime("%Y%m%d"),
        "event_timestamp": str(_micros(moment)),
        "event_name": name,
        "event_params": params,
        "user_pseudo_id": visitor,
        "privacy_info": {"analytics_storage": "Yes", "ads_storage": "No", "uses_transient_token": "No"},
        "platform": "WEB",
        "collected_traffic_source": source,
    }


def _visitor_id(rng: np.random.Generator, first_seen: dt.datetime) -> str:
    """A GA4 client id: a random number and the first visit's epoch seconds."""
    return f"{int(rng.integers(100_000_000, 2_000_000_000))}.{int(first_seen.timestamp())}"


def _journey(rng: np.random.Generator, steps: int, end: dt.datetime, tags: tuple[str, str, str, str]) -> list[dict]:
    """The events of one visitor who reached ``steps`` funnel steps, the last one at ``end``."""
    second = dt.timedelta(seconds=1)
    if steps == 4:
        start = end - int(rng.integers(600, 1200)) * second
        moments = [start, start + int(rng.integers(5, 60)) * second, end - int(rng.integers(30, 300)) * second, end]
    elif steps == 3:
        start = end - int(rng.integers(60, 900)) * second
        moments = [start, start + int(rng.integers(5, 50)) * second, end]
    elif steps == 2:
        moments = [end - int(rng.integers(5, 60)) * second, end]
    else:
        moments = [end]
    visitor = _visitor_id(rng, moments[0])
    session = int(moments[0].timestamp())
    return [
        _event(name, moment, visitor, session, tags if i < 2 else None)
        for i, (name, moment) in enumerate(zip(FUNNEL_STEPS, moments))
    ]


def _tagged_link(rng: np.random.Generator, links: list[tuple[dt.datetime, tuple[str, str, str, str]]],
                 end: dt.datetime) -> tuple[str, str, str, str]:
    """The UTM tags of the post link a visitor who does not sign up clicked, for a visit ending at ``end``.

    One of the tagged links of ``links`` (the December sign-ups', oldest first) that brought a sign-up in
    the :data:`LINK_DAYS` before the visit, at random; the latest one before it where none did (the
    first for a visit before them all); untagged Facebook where the month has no tagged sign-up.
    """
    if not links:
        return _SOURCES[2][0]
    times = [when for when, _ in links]
    stop = bisect.bisect_right(times, end)
    start = bisect.bisect_left(times, end - LINK_DAYS)
    if start < stop:
        return links[int(rng.integers(start, stop))][1]
    return links[max(stop - 1, 0)][1]


def write_ga4_events(folder: pathlib.Path, signups: list[dict], *, seed: int) -> tuple[pathlib.Path, dict]:
    """Write the December 2025 GA4 BigQuery export of the sample's website.

    Parameters
    ----------
    folder
        The client folder.
    signups
        The CRM sign-ups (``when``: aware local time; ``source``, ``medium``,
        ``campaign``, ``content``), of which December's become full journeys.
    seed
        The sample's seed.

    Returns
    -------
    tuple
        The file written, and the truth of its funnel for ``truth.yml``.
    """
    rng = np.random.default_rng([seed, 4])
    december = [s for s in signups if _MONTH_START <= s["when"] < _MONTH_END]
    events: list[dict] = []
    reached = [len(december)] * len(FUNNEL_STEPS)
    links = []
    for signup in december:
        tags = (signup["source"], signup["medium"], signup["campaign"], signup["content"])
        events += _journey(rng, 4, signup["when"], tags)
        if signup["campaign"]:
            links.append((signup["when"], tags))
    links.sort(key=lambda link: link[0])
    link_rng = np.random.default_rng([seed, 4, 1])  # its own stream: the visitors' steps and times do not change
    seconds_in_month = int((_MONTH_END - _MONTH_START).total_seconds())
    weights = np.array([w for _, w in _SOURCES])
    weights = weights / weights.sum()
    for _ in range(VISITORS_PER_SIGNUP * len(december)):
        steps = 1 + int(rng.random() < P_PAGE_VIEW)
        steps += int(steps == 2 and rng.random() < P_FORM_START)
        end = _MONTH_START + dt.timedelta(seconds=int(rng.integers(1200, seconds_in_month)))
        tags = _SOURCES[int(rng.choice(len(_SOURCES), p=weights))][0]
        events += _journey(rng, steps, end, tags or _tagged_link(link_rng, links, end))
        for step in range(steps):
            reached[step] += 1
    rows = sorted(events,
                  key=lambda e: (int(e["event_timestamp"]), e["user_pseudo_id"], FUNNEL_STEPS.index(e["event_name"])))
    text = "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows).encode("utf-8")
    path = folder / EVENTS_FILE
    with open(path, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
        gz.write(text)
    truth = {
        "file": EVENTS_FILE,
        "steps": list(FUNNEL_STEPS),
        "users_reaching_step": reached,
        "events": len(rows),
        "p_page_view_if_no_sign_up": P_PAGE_VIEW,
        "p_form_start_if_page_view_and_no_sign_up": P_FORM_START,
        "note": "one session per visitor; every December sign-up of newsletter_signups.csv went through all four "
                "steps in one session, minutes apart, with the CRM list's UTM tags",
    }
    return path, truth
