"""Tests for the fictional BrightPaw sample generator (:mod:`engagekit.teaching.sample`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import pathlib
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml

from engagekit.teaching.sample import write_sample

from paths import SAMPLE

TZ = ZoneInfo("Europe/Berlin")
START = dt.date(2025, 1, 1)
N_DAYS = 365


def _rows(path: pathlib.Path) -> list[list[str]]:
    """Read a CSV file (BOM-aware) into rows."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _day(d: dt.date) -> int:
    """Return the day index of a local date."""
    return (d - START).days


def _x_daily(folder: pathlib.Path, column: str) -> np.ndarray:
    """Sum an X per-tweet column by local (Berlin) publication day."""
    out = np.zeros(N_DAYS)
    for path in sorted(folder.glob("tweet_activity_metrics_*_en.csv")):
        rows = _rows(path)
        i_time, i_col = rows[0].index("time"), rows[0].index(column)
        for r in rows[1:]:
            utc = dt.datetime.strptime(r[i_time], "%Y-%m-%d %H:%M %z")
            out[_day(utc.astimezone(TZ).date())] += float(r[i_col])
    return out


def _fb_daily(folder: pathlib.Path, column: str) -> np.ndarray:
    """Sum a Facebook post-level column by local publication day (empty breakdown cell = 0)."""
    out = np.zeros(N_DAYS)
    for path in sorted(folder.glob("Facebook Insights Data Export (Post Level)*.csv")):
        rows = _rows(path)
        head = rows[0]
        i_type, i_posted, i_col = head.index("Type"), head.index("Posted"), head.index(column)
        for r in rows[2:]:
            if not r[i_type]:  # post by others mentioning the Page: metrics not reported
                continue
            posted = dt.datetime.strptime(r[i_posted], "%m/%d/%Y %I:%M:%S %p").date()
            out[_day(posted)] += float(r[i_col] or 0)
    return out


def _registrations(folder: pathlib.Path) -> np.ndarray:
    """Count newsletter registrations per local day."""
    out = np.zeros(N_DAYS)
    for r in _rows(folder / "newsletter_signups.csv")[1:]:
        out[_day(dt.datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S").date())] += 1
    return out


def _lag_corr(x: np.ndarray, y: np.ndarray, lag: int) -> float:
    """Correlation of first differences of ``x(t - lag)`` and ``y(t)``."""
    dx, dy = np.diff(x), np.diff(y)
    if lag:
        dx, dy = dx[:-lag], dy[lag:]
    return float(np.corrcoef(dx, dy)[0, 1])


def test_regeneration_is_byte_identical(tmp_path: pathlib.Path) -> None:
    """The committed sample equals a fresh generation with the default seed."""
    fresh = write_sample(tmp_path)
    committed = sorted(p.name for p in SAMPLE.iterdir())
    assert sorted(p.name for p in fresh.iterdir()) == committed
    assert len(committed) == 21
    for name in committed:
        assert (fresh / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_planted_link_clicks_lead_registrations_by_two_days() -> None:
    """Link clicks lead registrations at lag 2; reactions do not."""
    clicks = _x_daily(SAMPLE, "url clicks") + _fb_daily(SAMPLE, "Lifetime Post Consumptions by type - link clicks")
    reactions = _x_daily(SAMPLE, "likes") + _fb_daily(SAMPLE, "Lifetime Post Stories by action type - like")
    regs = _registrations(SAMPLE)
    assert 100 <= clicks.mean() <= 300
    r = {lag: _lag_corr(clicks, regs, lag) for lag in (0, 1, 2, 5)}
    assert r[2] > 0.3
    assert r[2] > max(r[0], r[1], r[5])
    assert abs(_lag_corr(reactions, regs, 2)) < 0.15
    # the shared trend makes raw (undifferenced) weekly correlations positive
    weekly = lambda x: x[:364].reshape(52, 7).sum(axis=1)  # noqa: E731
    assert np.corrcoef(weekly(reactions), weekly(regs))[0, 1] > 0.2


def test_truth_lists_category_of_every_post() -> None:
    """truth.yml has a category for every tweet id and every Page post id."""
    truth = yaml.safe_load((SAMPLE / "truth.yml").read_text(encoding="utf-8"))
    cats = truth["post_categories"]
    ids: list[str] = []
    for path in SAMPLE.glob("tweet_activity_metrics_*_en.csv"):
        ids += [r[0] for r in _rows(path)[1:]]
    for path in SAMPLE.glob("Facebook Insights Data Export (Post Level)*.csv"):
        ids += [r[0] for r in _rows(path)[2:] if r[3]]
    assert ids and len(ids) == len(set(ids))
    missing = [i for i in ids if str(i) not in cats]
    assert not missing
    assert set(cats.values()) <= {"offer", "product", "company_news", "educational", "entertaining", "community"}
    assert truth["leads"] == [{"metric": "link_clicks", "outcome": "registration", "lag_days": 2,
                               "effect_per_unit": 0.05}]


@pytest.mark.parametrize("name", ["tweet_activity_metrics_BrightPaw_20250101_20250201_en.csv"])
def test_x_file_has_forty_quoted_columns(name: str) -> None:
    """Every X row has 40 fields and every field is quoted."""
    text = (SAMPLE / name).read_text(encoding="utf-8")
    rows = _rows(SAMPLE / name)
    assert all(len(r) == 40 for r in rows)
    assert text.startswith('"Tweet id","Tweet permalink"')
    assert "\r" not in text


def _sample_events() -> list[dict]:
    """The rows of the sample's GA4 BigQuery export, read with the standard library."""
    import gzip
    import json

    with gzip.open(SAMPLE / "events_202512-000000000000.json.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_events_funnel_truth_counts_the_visitors_of_each_step() -> None:
    """truth.yml's events_funnel counts, for each step, the visitors who reached it; each visitor has one
    session and reaches the steps in their order, the earlier step first."""
    truth = yaml.safe_load((SAMPLE / "truth.yml").read_text(encoding="utf-8"))["events_funnel"]
    rows = _sample_events()
    assert truth["events"] == len(rows)
    steps: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        steps.setdefault(row["user_pseudo_id"], []).append((int(row["event_timestamp"]), row["event_name"]))
    reached = [0] * len(truth["steps"])
    for events in steps.values():
        names = [name for _, name in sorted(events)]
        assert names == truth["steps"][: len(names)]
        for i in range(len(names)):
            reached[i] += 1
    assert reached == truth["users_reaching_step"]


def test_events_sign_ups_are_the_crm_sign_ups_of_december() -> None:
    """Every December sign-up of the CRM list is a sign_up event at the same moment, with its UTM source."""
    signups = _rows(SAMPLE / "newsletter_signups.csv")[1:]
    december = sorted(
        (int(dt.datetime.fromisoformat(r[0]).replace(tzinfo=TZ).timestamp()), r[2] or None)
        for r in signups if r[0].startswith("2025-12")
    )
    rows = _sample_events()
    first_source = {}
    for row in sorted(rows, key=lambda r: int(r["event_timestamp"])):
        tags = row["collected_traffic_source"]
        first_source.setdefault(row["user_pseudo_id"], tags["manual_source"] if tags else None)
    found = sorted(
        (int(row["event_timestamp"]) // 1_000_000, first_source[row["user_pseudo_id"]])
        for row in rows if row["event_name"] == "sign_up"
    )
    assert found == december and len(december) > 100


PAGE_EXPORT = "Facebook Insights Data Export - BrightPaw - 2025-01-01 - 2025-12-31.csv"


def test_page_export_is_the_classic_daily_layout() -> None:
    """The Page-level export: CRLF, no BOM, a description row, one M/D/YYYY row per day, oldest first."""
    raw = (SAMPLE / PAGE_EXPORT).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n") and raw.count(b"\n") == raw.count(b"\r\n")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[0][:4] == ["Date", "Lifetime Total Likes", "Daily New Likes", "Daily Unlikes"]
    assert rows[1][0] == "" and rows[1][1].endswith("(Unique Users)")
    assert [r[0] for r in rows[2:4]] + [rows[-1][0]] == ["1/1/2025", "1/2/2025", "12/31/2025"] and len(rows) == 2 + N_DAYS


def test_page_followers_add_up_day_by_day_and_match_truth() -> None:
    """Followers at the end of each day are the day before's plus new minus lost, from 8,400 on 1 January."""
    rows = _rows(SAMPLE / PAGE_EXPORT)[2:]
    followers, new, lost = (np.array([int(r[i]) for r in rows]) for i in (1, 2, 3))
    before = np.concatenate([[8400], followers[:-1]])
    assert (followers == before + new - lost).all()
    truth = yaml.safe_load((SAMPLE / "truth.yml").read_text(encoding="utf-8"))
    assert truth["followers"]["end"] == followers[-1] and truth["fatigue"] is None
    # without fatigue the followers follow 8400 * g(t), g rising 1 -> 1.8 over the year
    assert abs(followers[-1] / (8400 * 1.8) - 1) < 0.05


def test_page_daily_clicks_are_the_posts_clicks_spread_over_their_first_days() -> None:
    """The Page's daily link clicks sum to the posts' lifetime link clicks, less what falls after 31 December."""
    rows = _rows(SAMPLE / PAGE_EXPORT)
    i = rows[0].index("Daily Page consumptions by type - link clicks")
    page = np.array([int(r[i] or 0) for r in rows[2:]])
    posts = _fb_daily(SAMPLE, "Lifetime Post Consumptions by type - link clicks")
    assert posts[:N_DAYS - 3].sum() <= page.sum() <= posts.sum()
    # a post's clicks come 62 % on its day: the daily series follow the posts' by publish day
    assert np.corrcoef(page, posts)[0, 1] > 0.8
