"""The user-level event funnel: hand-computed cases, bad input, and a plain-Python reference under hypothesis."""

from __future__ import annotations

import warnings

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

import engagekit
from engagekit.core import schema
from engagekit.analyses.event_funnel import EventFunnel, EventFunnelWarning, FunnelExclusion
from paths import SAMPLE

T0 = pd.Timestamp("2025-03-01 12:00", tz="UTC")


def _events(rows: list[tuple]) -> pd.DataFrame:
    """Canonical events from ``(user_key, minutes after T0, event[, source])`` tuples."""
    frame = pd.DataFrame({
        "user_key": [row[0] for row in rows],
        "occurred_at": [T0 + pd.Timedelta(minutes=row[1]) for row in rows],
        "event": [row[2] for row in rows],
        "source": [row[3] if len(row) > 3 else None for row in rows],
    })
    return schema.conform(frame, "events")


def _counts(result, by: str | None = None) -> list[int] | dict:
    frame = result.counts
    if by is None:
        return frame["count"].astype(int).tolist()
    return {key: part["count"].astype(int).tolist() for key, part in frame.groupby(by, dropna=False)}


# Users where the three orders differ (steps a -> b -> c; x is another event):
#   u1: a, x, b, c     ordered 3, strict 1 (x breaks it), unordered 3
#   u2: a, c, b        ordered 2 (c before b does not count), strict 1, unordered 3
#   u3: b, a           ordered 1, strict 1, unordered 2 (b then a)
#   u4: a, b, c        3 in every order
ORDERS_CASE = [
    ("u1", 0, "a"), ("u1", 1, "x"), ("u1", 2, "b"), ("u1", 3, "c"),
    ("u2", 0, "a"), ("u2", 1, "c"), ("u2", 2, "b"),
    ("u3", 0, "b"), ("u3", 1, "a"),
    ("u4", 0, "a"), ("u4", 1, "b"), ("u4", 2, "c"),
]


def test_ordered_allows_other_events_between_steps():
    result = EventFunnel(steps=["a", "b", "c"], order="ordered", window="1D")(_events(ORDERS_CASE))
    assert _counts(result) == [4, 3, 2]


def test_strict_needs_each_step_to_be_the_next_event():
    result = EventFunnel(steps=["a", "b", "c"], order="strict", window="1D")(_events(ORDERS_CASE))
    assert _counts(result) == [4, 1, 1]


def test_unordered_counts_steps_done_in_any_order():
    result = EventFunnel(steps=["a", "b", "c"], order="unordered", window="1D")(_events(ORDERS_CASE))
    assert _counts(result) == [4, 4, 3]
    assert result.counts["step_name"].tolist() == ["1 of 3 steps", "2 of 3 steps", "3 of 3 steps"]


def test_conversion_rates_and_drop_off():
    counts = EventFunnel(steps=["a", "b", "c"], window="1D")(_events(ORDERS_CASE)).counts
    assert counts["step_conversion"].tolist() == [1.0, 0.75, 2 / 3]
    assert counts["overall_conversion"].tolist() == [1.0, 0.75, 0.5]
    assert counts["drop_off"].tolist() == [0, 1, 1]
    assert set(counts["order"]) == {"ordered"} and set(counts["count_by"]) == {"users"}
    assert set(counts["window"]) == {pd.Timedelta("1D")}


def test_a_step_after_the_window_does_not_count():
    events = _events([("u1", 0, "a"), ("u1", 30, "b"), ("u1", 61, "c"), ("u2", 0, "a"), ("u2", 60, "b")])
    result = EventFunnel(steps=["a", "b", "c"], window="1h")(events)
    # u1's c is 61 minutes after its a; u2's b exactly at the window's end still counts
    assert _counts(result) == [2, 2, 0]


def test_alternatives_count_for_their_step():
    events = _events([("u1", 0, "a"), ("u1", 1, "b2"), ("u2", 0, "a"), ("u2", 1, "b")])
    result = EventFunnel(steps=["a", ["b", "b2"]], window="1D")(events)
    assert _counts(result) == [2, 2]
    assert result.counts["step_name"].tolist() == ["a", "b | b2"]


def test_same_timestamp_is_ordered_by_step():
    # b is written first but shares a's instant: the tie rule puts step 1 first
    events = _events([("u1", 0, "b"), ("u1", 0, "a")])
    assert _counts(EventFunnel(steps=["a", "b"], window="1D")(events)) == [1, 1]


def test_an_exclusion_between_the_steps_disqualifies_the_attempt():
    events = _events([
        ("u1", 0, "a"), ("u1", 1, "x"), ("u1", 2, "b"),  # x between a and b: u1 drops out entirely
        ("u2", 0, "a"), ("u2", 1, "b"), ("u2", 2, "x"),  # x after b: no effect
    ])
    result = EventFunnel(steps=["a", "b"], window="1D", exclusions=[FunnelExclusion("x", 1, 2)])(events)
    assert _counts(result) == [1, 1]
    assert result.attempts["user_key"].tolist() == ["u2"]


def test_an_exclusion_at_the_instant_of_a_step_is_not_between_them():
    events = _events([("u1", 0, "a"), ("u1", 1, "x"), ("u1", 1, "b"), ("u2", 0, "x"), ("u2", 0, "a"), ("u2", 1, "b")])
    result = EventFunnel(steps=["a", "b"], window="1D", exclusions=[FunnelExclusion("x", 1, 2)])(events)
    assert _counts(result) == [2, 2]


def test_an_exclusion_after_the_last_step_reached_counts_within_the_window():
    # nobody reaches b: u1's x within the hour after a excludes it, u2's x after the window does not
    events = _events([("u1", 0, "a"), ("u1", 5, "x"), ("u2", 0, "a"), ("u2", 90, "x"), ("u3", 0, "b")])
    result = EventFunnel(steps=["a", "b"], window="1h", exclusions=[FunnelExclusion("x", 1, 2)])(events)
    assert result.attempts["user_key"].tolist() == ["u2"]


def test_a_user_counts_once_and_every_attempt_counts_in_totals():
    events = _events([("u1", 0, "a"), ("u1", 1, "a"), ("u1", 2, "b"), ("u2", 0, "a")])
    users = EventFunnel(steps=["a", "b"], window="1D", count="users")(events)
    totals = EventFunnel(steps=["a", "b"], window="1D", count="totals")(events)
    assert _counts(users) == [2, 1]
    assert _counts(totals) == [3, 2]


def test_the_best_attempt_is_the_furthest_then_the_earliest():
    # the first a's window ends before b; the second a reaches b: the user counts at step 2, from the second a
    events = _events([("u1", 0, "a", "early"), ("u1", 100, "a", "late"), ("u1", 110, "b", "late")])
    result = EventFunnel(steps=["a", "b"], window="1h", breakdown="source")(events)
    assert _counts(result, "source") == {"late": [1, 1]}


def test_first_and_last_touch_attribution():
    events = _events([("u1", 0, "a", "facebook"), ("u1", 1, "b", "google"), ("u2", 0, "a", "facebook")])
    first = EventFunnel(steps=["a", "b"], window="1D", breakdown="source", attribution="first_touch")(events)
    last = EventFunnel(steps=["a", "b"], window="1D", breakdown="source", attribution="last_touch")(events)
    assert _counts(first, "source") == {"facebook": [2, 1]}
    assert _counts(last, "source") == {"facebook": [1, 0], "google": [1, 1]}


def test_step_attribution_leaves_users_short_of_the_step_without_a_value():
    events = _events([("u1", 0, "a", "facebook"), ("u1", 1, "b", "google"), ("u2", 0, "a", "facebook")])
    result = EventFunnel(steps=["a", "b"], window="1D", breakdown="source", attribution="step:2")(events)
    counts = result.counts
    assert counts.loc[counts["source"] == "google", "count"].tolist() == [1, 1]
    assert counts.loc[counts["source"].isna(), "count"].tolist() == [1, 0]


def test_time_to_convert_by_hand():
    events = _events([
        ("u1", 0, "a"), ("u1", 1, "b"), ("u1", 3, "c"),
        ("u2", 0, "a"), ("u2", 2, "b"),
        ("u3", 0, "a"), ("u3", 5, "b"), ("u3", 10, "c"),
    ])
    times = EventFunnel(steps=["a", "b", "c"], window="1D")(events).time_to_convert.set_index(["step", "since"])
    # step 2 from step 1: 60, 120, 300 s; step 3 from step 2: 120, 300 s; step 3 from step 1: 180, 600 s
    assert times.loc[(2, "previous_step"), ["n", "median_seconds", "mean_seconds"]].tolist() == [3, 120.0, 160.0]
    assert times.loc[(2, "previous_step"), ["p25_seconds", "p75_seconds"]].tolist() == [90.0, 210.0]
    assert times.loc[(3, "previous_step"), ["n", "median_seconds", "mean_seconds"]].tolist() == [2, 210.0, 210.0]
    assert times.loc[(3, "first_step"), ["n", "median_seconds", "mean_seconds"]].tolist() == [2, 390.0, 390.0]


def test_time_to_convert_histogram():
    events = _events([("u1", 0, "a"), ("u1", 1, "b"), ("u2", 0, "a"), ("u2", 2, "b"), ("u3", 0, "a"), ("u3", 4, "b")])
    hist = EventFunnel(steps=["a", "b"], window="1D")(events).time_to_convert_histogram(step=2, bins=[0, 100, 200, 300])
    assert hist["count"].tolist() == [1, 1, 1]
    assert hist["left_seconds"].tolist() == [0.0, 100.0, 200.0]


def test_a_missing_step_warns_by_name_and_counts_zero():
    events = _events([("u1", 0, "a"), ("u1", 1, "b")])
    with pytest.warns(EventFunnelWarning, match="step 3 event 'purchase'"):
        result = EventFunnel(steps=["a", "b", "purchase"], window="1D")(events)
    assert _counts(result) == [1, 1, 0]


def test_a_missing_exclusion_event_warns_by_name():
    events = _events([("u1", 0, "a"), ("u1", 1, "b")])
    with pytest.warns(EventFunnelWarning, match="exclusion event 'refund'"):
        result = EventFunnel(steps=["a", "b"], window="1D", exclusions=["refund"])(events)
    assert _counts(result) == [1, 1]


def test_unknown_breakdown_lists_the_allowed_columns():
    with pytest.raises(ValueError, match="unknown breakdown column 'country'.*source.*campaign"):
        EventFunnel(steps=["a", "b"], breakdown="country")(_events(ORDERS_CASE))


@pytest.mark.parametrize("options, message", [
    ({"steps": ["a"]}, "at least 2 steps"),
    ({"steps": ["a", "b"], "order": "sequential"}, "unknown order 'sequential'; allowed: ordered, strict, unordered"),
    ({"steps": ["a", "b"], "count": "sessions"}, "unknown count 'sessions'; allowed: users, totals"),
    ({"steps": ["a", "b"], "window": "-1D"}, "positive duration"),
    ({"steps": ["a", "b"], "exclusions": [("a", 1, 2)]}, "is a step event"),
    ({"steps": ["a", "b"], "exclusions": [("x", 2, 2)]}, "from_step < to_step"),
    ({"steps": ["a", "b"], "attribution": "step:3"}, "from 1 to 2"),
    ({"steps": ["a", ["a", "b"]], "order": "unordered"}, "one step"),
])
def test_bad_options_are_rejected_up_front(options, message):
    with pytest.raises(ValueError, match=message):
        EventFunnel(**options)


def test_empty_events_give_empty_typed_frames_and_a_warning():
    with pytest.warns(EventFunnelWarning, match="no events"):
        result = EventFunnel(steps=["a", "b"], breakdown="source")(schema.empty_frame("events"))
    assert result.counts.empty and result.time_to_convert.empty and result.attempts.empty
    assert list(result.counts.columns) == ["source", "step", "step_name", "count", "step_conversion",
                                           "overall_conversion", "drop_off", "order", "window", "count_by"]
    assert result.counts["count"].dtype == "Int64" and result.counts["step_conversion"].dtype == "Float64"
    assert result.time_to_convert["median_seconds"].dtype == "Float64"


def test_no_events_in_the_period_warns():
    with pytest.warns(EventFunnelWarning, match="no events in the period"):
        result = EventFunnel(steps=["a", "b"], start="2026-01-01")(_events(ORDERS_CASE))
    assert result.counts.empty


def test_period_keeps_events_from_start_to_before_end():
    events = _events([("u1", 0, "a"), ("u1", 10, "b"), ("u2", 20, "a"), ("u2", 21, "b")])
    with pytest.warns(EventFunnelWarning, match="step 2 event 'b' does not occur in the events in the period"):
        result = EventFunnel(steps=["a", "b"], window="1D", start=T0, end=T0 + pd.Timedelta(minutes=10))(events)
    assert _counts(result) == [1, 0]


def test_parquet_path_gives_the_same_result_as_the_frame(tmp_path):
    events = _events([(row[0], row[1], row[2], "s" + row[0][-1]) for row in ORDERS_CASE])
    path = tmp_path / "events.parquet"
    pq.write_table(pa.Table.from_pandas(events, preserve_index=False), path)
    funnel = EventFunnel(steps=["a", "b", "c"], window="1D", breakdown="source")
    from_frame, from_file = funnel(events), funnel(path)
    pd.testing.assert_frame_equal(from_file.counts, from_frame.counts)
    pd.testing.assert_frame_equal(from_file.time_to_convert, from_frame.time_to_convert)
    pd.testing.assert_frame_equal(from_file.attempts, from_frame.attempts)


def test_sample_client_funnel_matches_what_was_planted():
    truth = yaml.safe_load((SAMPLE / "truth.yml").read_text())["events_funnel"]
    events = engagekit.read_export(SAMPLE / truth["file"]).frame
    result = EventFunnel(steps=truth["steps"], window="1D")(events)
    assert _counts(result) == truth["users_reaching_step"]


# --------------------------------------------------------------------------- reference implementation


def reference_funnel(events: pd.DataFrame, *, steps, order, window, exclusions=(), count="users",
                     breakdown=None, attribution="first_touch") -> tuple[dict, dict]:
    """The funnel of the module's definitions, user by user in plain Python.

    Returns ``{(group, step): count}`` and ``{(group, step, since): [seconds, ...]}``.
    """
    steps = [(s,) if isinstance(s, str) else tuple(s) for s in steps]
    n = len(steps)
    window = pd.Timedelta(window)
    first_step: dict[str, int] = {}
    for number, names in enumerate(steps):
        for name in names:
            first_step.setdefault(name, number)
    counted = []  # (group, [event records of the steps reached])
    for _, user in events.groupby("user_key"):
        recs = [
            {"t": row.occurred_at, "event": row.event, "bk": None if breakdown is None or pd.isna(getattr(row, breakdown)) else getattr(row, breakdown)}
            for row in user.itertuples()
        ]
        recs.sort(key=lambda r: (r["t"], first_step.get(r["event"], n), r["event"], (r["bk"] is None, r["bk"] or "")))
        in_step = lambda r, k: r["event"] in steps[k]  # noqa: E731
        attempts = []
        for i, start in enumerate(recs):
            if order == "unordered":
                if not any(in_step(start, k) for k in range(n)):
                    continue
                found = []
                for k in range(n):
                    j = next((j for j in range(i, len(recs)) if in_step(recs[j], k)), None)
                    if j is not None and recs[j]["t"] - start["t"] <= window:
                        found.append(j)
                chain = sorted(found)
            else:
                if not in_step(start, 0):
                    continue
                chain = [i]
                for k in range(1, n):
                    if order == "ordered":
                        j = next((j for j in range(chain[-1] + 1, len(recs)) if in_step(recs[j], k)), None)
                    else:
                        j = chain[-1] + 1 if chain[-1] + 1 < len(recs) and in_step(recs[chain[-1] + 1], k) else None
                    if j is None or recs[j]["t"] - start["t"] > window:
                        break
                    chain.append(j)
            times = [recs[j]["t"] for j in chain]
            qualified = True
            for event, a, b in exclusions:
                if len(times) < a:
                    continue
                for r in recs:
                    if r["event"] != event or not r["t"] > times[a - 1]:
                        continue
                    if (r["t"] < times[b - 1]) if len(times) >= b else (r["t"] <= times[0] + window):
                        qualified = False
            if qualified:
                attempts.append((i, chain))
        if count == "users" and attempts:
            attempts = [max(attempts, key=lambda item: (len(item[1]), -item[0]))]
        for _, chain in attempts:
            if attribution == "first_touch":
                group = recs[chain[0]]["bk"]
            elif attribution == "last_touch":
                group = recs[chain[-1]]["bk"]
            else:
                step = int(attribution.split(":")[1])
                group = recs[chain[step - 1]]["bk"] if len(chain) >= step else None
            counted.append((group, [recs[j]["t"] for j in chain]))
    counts, seconds = {}, {}
    # without a breakdown the funnel always has its N rows, zeros when nobody started it
    for group in {g for g, _ in counted} | ({None} if breakdown is None else set()):
        mine = [times for g, times in counted if g == group]
        for k in range(1, n + 1):
            counts[(group, k)] = sum(len(times) >= k for times in mine)
        for k in range(2, n + 1):
            seconds[(group, k, "previous_step")] = [(t[k - 1] - t[k - 2]).total_seconds() for t in mine if len(t) >= k]
            seconds[(group, k, "first_step")] = [(t[k - 1] - t[0]).total_seconds() for t in mine if len(t) >= k]
    return counts, seconds


def test_reference_agrees_with_the_hand_computed_orders():
    counts, _ = reference_funnel(_events(ORDERS_CASE), steps=["a", "b", "c"], order="strict", window="1D")
    assert [counts[(None, k)] for k in (1, 2, 3)] == [4, 1, 1]


_ROW = st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.integers(0, 12), st.sampled_from(["a", "b", "c", "x"]),
                 st.sampled_from(["s1", "s2", None]))
_STEPS = {
    "ordered": [["a", "b", "c"], ["a", "b"], ["a", ["b", "c"]], ["a", "b", "a"]],
    "strict": [["a", "b", "c"], ["a", "b"], ["a", ["b", "c"]], ["a", "b", "a"]],
    "unordered": [["a", "b", "c"], ["a", "b"], ["a", ["b", "c"]]],
}


@st.composite
def _funnels(draw):
    order = draw(st.sampled_from(["ordered", "strict", "unordered"]))
    steps = draw(st.sampled_from(_STEPS[order]))
    n = len(steps)
    exclusions = draw(st.sampled_from([(), (("x", 1, 2),), (("x", 1, n),)]))
    breakdown = draw(st.sampled_from([None, "source"]))
    attribution = draw(st.sampled_from(["first_touch", "last_touch", f"step:{n}"]))
    return {"steps": steps, "order": order, "window": draw(st.sampled_from(["3min", "10min", "1D"])),
            "exclusions": exclusions, "count": draw(st.sampled_from(["users", "totals"])),
            "breakdown": breakdown, "attribution": attribution}


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_ROW, min_size=1, max_size=25), options=_funnels())
def test_duckdb_funnel_matches_the_reference(rows, options):
    events = _events(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventFunnelWarning)
        result = EventFunnel(**options)(events)
    expected_counts, expected_seconds = reference_funnel(events, **options)
    by = options["breakdown"]
    got = {
        (None if by is None or pd.isna(row[by]) else row[by], int(row["step"])): int(row["count"])
        for _, row in result.counts.iterrows()
    }
    assert got == expected_counts
    for _, row in result.time_to_convert.iterrows():
        values = expected_seconds[(None if by is None or pd.isna(row[by]) else row[by], int(row["step"]), row["since"])]
        assert int(row["n"]) == len(values)
        if values:
            assert row["median_seconds"] == pytest.approx(pd.Series(values).median())
            assert row["mean_seconds"] == pytest.approx(sum(values) / len(values))
