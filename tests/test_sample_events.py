"""The sample's website events: a post's UTM-tagged link is clicked by people who sign up and by people who do not.

Generated afresh (the committed sample is checked against the generator by
test_sample.py's byte-for-byte test).
"""

import datetime as dt
import gzip
import json
from collections import Counter

import pytest
import yaml

from engagekit.teaching.sample import write_sample
from engagekit.teaching.sample_events import EVENTS_FILE, LINK_DAYS

from paths import SAMPLE


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    folder = write_sample(tmp_path_factory.mktemp("sample"))
    with gzip.open(folder / EVENTS_FILE, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return folder, rows


def _visitors(rows):
    """Visitor -> (first event's UTM tags, signed up, first event's time)."""
    first, signed = {}, set()
    for row in sorted(rows, key=lambda r: int(r["event_timestamp"])):
        tags = row["collected_traffic_source"] or {}
        first.setdefault(row["user_pseudo_id"], (
            (tags.get("manual_source"), tags.get("manual_campaign_name"), tags.get("manual_content")),
            int(row["event_timestamp"]) // 1_000_000,
        ))
        if row["event_name"] == "sign_up":
            signed.add(row["user_pseudo_id"])
    return {visitor: (tags, visitor in signed, when) for visitor, (tags, when) in first.items()}


def test_every_source_and_campaign_has_visitors_who_do_not_sign_up(fresh):
    visitors = _visitors(fresh[1]).values()
    for level, name in ((0, "source"), (1, "campaign")):
        everyone = Counter(tags[level] for tags, _, _ in visitors if tags[level])
        signed = Counter(tags[level] for tags, did, _ in visitors if tags[level] and did)
        for value, n in signed.items():
            assert n < everyone[value], f"every visitor of {name} {value!r} signed up"
    assert signed  # the check above saw campaigns that brought sign-ups


def test_a_tagged_link_is_clicked_within_days_of_a_sign_up_through_it(fresh):
    visitors = list(_visitors(fresh[1]).values())
    signups = {}
    for tags, did, when in visitors:
        if did and tags[1]:
            signups.setdefault(tags, []).append(when)
    first_link = min(signups, key=lambda tags: min(signups[tags]))
    clicked = [(tags, when) for tags, did, when in visitors if not did and tags[1]]
    assert len(clicked) > 100
    slack = 900  # a visit's first event is at most 15 minutes before its last
    for tags, when in clicked:
        recent = [s for s in signups.get(tags, []) if when - LINK_DAYS.total_seconds() <= s <= when + slack]
        assert recent or tags == first_link, tags  # a visit before every tagged sign-up takes the first link


def test_the_tagged_links_leave_the_funnel_counts_of_truth_yml(fresh):
    folder, rows = fresh
    truth = yaml.safe_load((folder / "truth.yml").read_text(encoding="utf-8"))["events_funnel"]
    assert truth == yaml.safe_load((SAMPLE / "truth.yml").read_text(encoding="utf-8"))["events_funnel"]
    reached = Counter(row["event_name"] for row in rows)
    assert [reached[step] for step in truth["steps"]] == truth["users_reaching_step"]
    assert dt.timedelta(days=1) <= LINK_DAYS <= dt.timedelta(days=7)
