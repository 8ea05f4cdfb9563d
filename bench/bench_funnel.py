"""User-level event funnel speed and memory, and its speed against pandas funnels, in one run.

    python bench/bench_funnel.py [--repeat 3] [--users 500000] [--events 20000000]

Generates ``--events`` events of ``--users`` users (a 4-step shop funnel,
``view_item -> add_to_cart -> begin_checkout -> purchase``, plus noise events) as
parquet files in a temporary folder with a fixed seed, then:

1. times ``EventFunnel(steps, order="ordered", window="7D", count="users")`` with
   time to convert on the parquet glob: the median of ``--repeat`` runs, and the
   peak resident memory (VmHWM) of one run in a fresh process. Goals: under 10 s
   and under 4 GB with DuckDB on ``--threads`` threads (default: every core) and
   ``--memory-limit`` (default 3GB, leaving room for Python, Arrow and the result).
2. on the same in-memory frame of the first 50,000 users (about 2,000,000
   events), times the DuckDB funnel against two pandas funnels of the same
   definition, checking that all count the same: the reference implementation
   the tests check the DuckDB funnel against (``reference_funnel`` in
   tests/test_event_funnel.py: pandas groupby, each user's events in Python; timed
   once, it is slow), and :func:`pandas_funnel`, a vectorised pandas funnel
   (``merge_asof`` per step), the fastest pandas way we know. Goal: DuckDB at
   least 10x faster than the reference; the ratio to the vectorised funnel is
   printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from _timing import median_seconds, run_probe

STEPS = ["view_item", "add_to_cart", "begin_checkout", "purchase"]
NOISE = ["page_view", "scroll", "session_start"]
#: Share of each event name among the generated events (funnel steps first, then noise).
EVENT_SHARES = {"view_item": 0.30, "add_to_cart": 0.10, "begin_checkout": 0.06, "purchase": 0.04,
                "page_view": 0.30, "scroll": 0.15, "session_start": 0.05}
SOURCES = ["google", "facebook", "instagram", "newsletter", "(direct)"]
MEDIUMS = ["organic", "social", "paid_social", "email", "(none)"]
CAMPAIGNS = ["", "spring_sale", "paw_balm_launch", "always_on"]
#: Users per parquet file: the first file holds the first users, the slice of the pandas comparison.
USERS_PER_FILE = 50_000
SPAN_DAYS = 30
START = pd.Timestamp("2025-11-01", tz="UTC")


def _hex_keys(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random 64-character lower-case hex keys (the shape of engagekit's salted SHA-256 user keys)."""
    table = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")
    raw = np.frombuffer(rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32)
    hexes = np.ascontiguousarray(table[raw]).view("S64").ravel()
    return pa.array(hexes, type=pa.binary(64)).cast(pa.binary()).cast(pa.string())


def _dictionary_column(rng: np.random.Generator, names: list[str], n: int) -> pa.Array:
    codes = pa.array(rng.integers(0, len(names), n).astype(np.int32))
    return pa.DictionaryArray.from_arrays(codes, pa.array(names)).cast(pa.string())


def write_events(folder: Path, *, users: int, events: int, seed: int = 7) -> list[Path]:
    """Write ``events`` events of ``users`` users as parquet files of :data:`USERS_PER_FILE` users each.

    Every file is generated on its own (memory stays that of one file). A user's
    events fall within :data:`SPAN_DAYS` days from a random start, at whole seconds
    (so some share a timestamp), with names drawn by :data:`EVENT_SHARES`; a file's
    rows are in time order, as exports are.
    """
    rng = np.random.default_rng(seed)
    names = list(EVENT_SHARES)
    shares = np.array(list(EVENT_SHARES.values()))
    paths = []
    files = -(-users // USERS_PER_FILE)
    for index in range(files):
        n_users = min(USERS_PER_FILE, users - index * USERS_PER_FILE)
        n_events = events * n_users // users
        keys = _hex_keys(rng, n_users)
        per_user = rng.multinomial(n_events, np.full(n_users, 1 / n_users))
        owner = np.repeat(np.arange(n_users), per_user)
        first = rng.integers(0, 60 * 86400, n_users)
        seconds = first[owner] + rng.integers(0, SPAN_DAYS * 86400, n_events)
        order = np.argsort(seconds, kind="stable")
        owner, seconds = owner[order], seconds[order]
        event_codes = rng.choice(len(names), n_events, p=shares).astype(np.int32)
        micros = START.value // 1000 + seconds * 1_000_000
        value = np.where(event_codes == names.index("purchase"), np.round(rng.uniform(5, 120, n_events), 2), np.nan)
        table = pa.table({
            "occurred_at": pa.array(micros, type=pa.timestamp("us", tz="UTC")),
            "user_key": keys.take(pa.array(owner)),
            "session_key": pa.array(np.char.add("s", (owner * 8 + seconds // 86400 % 8).astype(str))),
            "event": pa.DictionaryArray.from_arrays(pa.array(event_codes), pa.array(names)).cast(pa.string()),
            "source": _dictionary_column(rng, SOURCES, n_events),
            "medium": _dictionary_column(rng, MEDIUMS, n_events),
            "campaign": _dictionary_column(rng, CAMPAIGNS, n_events),
            "content": pa.nulls(n_events, pa.string()),
            "value": pa.array(value, from_pandas=True),
        })
        path = folder / f"events_{index:03d}.parquet"
        pq.write_table(table, path)
        paths.append(path)
    return paths


def pandas_funnel(events: pd.DataFrame, *, steps: list[str], window: str) -> tuple[list[int], pd.DataFrame]:
    """An ordered, user-counted funnel in vectorised pandas: the same definition as engagekit's
    (ties by step order; each step the first of its events after the previous step, within the window
    from step 1; each user by the attempt that went furthest, the earliest on ties).

    Returns the users reaching each step and the time-to-convert quartiles (seconds) per step.
    """
    n = len(steps)
    w = pd.Timedelta(window) // pd.Timedelta(microseconds=1)
    frame = events.loc[events["event"].isin(steps), ["user_key", "occurred_at", "event"]]
    frame = pd.DataFrame({
        "user": pd.factorize(frame["user_key"])[0],
        "t": frame["occurred_at"].dt.tz_localize(None).to_numpy("datetime64[us]").view(np.int64),
        "step": frame["event"].map({name: i for i, name in enumerate(steps)}).to_numpy(np.int8),
    })
    frame = frame.sort_values(["user", "t", "step"], kind="stable", ignore_index=True)
    frame["pos"] = np.arange(len(frame))
    attempts = frame.loc[frame["step"] == 0, ["user", "pos", "t"]].rename(columns={"pos": "p1", "t": "t1"})
    for k in range(2, n + 1):
        alive = attempts[f"p{k - 1}"].notna()
        left = attempts.loc[alive].assign(key=lambda f: f[f"p{k - 1}"].astype(np.int64)).sort_values("key")
        right = frame.loc[frame["step"] == k - 1, ["user", "pos", "t"]].rename(columns={"pos": "key", "t": f"t{k}"})
        right[f"p{k}"] = right["key"]
        merged = pd.merge_asof(left, right, on="key", by="user", direction="forward", allow_exact_matches=False)
        late = merged[f"t{k}"] > merged["t1"] + w
        merged.loc[late, [f"p{k}", f"t{k}"]] = np.nan
        attempts = pd.concat([merged.drop(columns="key"), attempts.loc[~alive]], ignore_index=True)
    level = 1 + sum(attempts[f"p{k}"].notna().astype(int) for k in range(2, n + 1))
    attempts["rank"] = level * 2**32 - attempts["p1"]
    best = attempts.loc[attempts.groupby("user")["rank"].idxmax()]
    best_level = 1 + sum(best[f"p{k}"].notna().astype(int) for k in range(2, n + 1))
    counts = [int((best_level >= k).sum()) for k in range(1, n + 1)]
    rows = []
    for k in range(2, n + 1):
        reached = best.loc[best_level >= k]
        for since, before in (("previous_step", f"t{k - 1}"), ("first_step", "t1")):
            seconds = (reached[f"t{k}"] - reached[before]) / 1e6
            rows.append({"step": k, "since": since, "n": len(seconds), "mean": seconds.mean(),
                         **dict(zip(("p25", "median", "p75"), seconds.quantile([0.25, 0.5, 0.75]).tolist()))})
    return counts, pd.DataFrame(rows)


_MEMORY_PROBE = """
import json, sys
from engagekit.analyses.event_funnel import EventFunnel
funnel = EventFunnel(steps=json.loads(sys.argv[2]), window="7D", threads=int(sys.argv[3]), memory_limit=sys.argv[4])
funnel(sys.argv[1])
print(json.dumps({"peak": peak()}))
"""


def peak_memory(path: str, threads: int, memory_limit: str) -> int:
    """Peak resident memory (VmHWM, bytes) of one funnel run in a fresh process."""
    return run_probe(_MEMORY_PROBE, path, json.dumps(STEPS), str(threads), memory_limit)["peak"]



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--users", type=int, default=500_000)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--memory-limit", default="3GB")
    args = parser.parse_args()
    from engagekit.analyses.event_funnel import EventFunnel

    funnel = EventFunnel(steps=STEPS, window="7D", threads=args.threads, memory_limit=args.memory_limit)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        paths = write_events(Path(folder), users=args.users, events=args.events)
        print(f"generated {args.events:,} events of {args.users:,} users in {time.perf_counter() - start:.1f} s "
              f"({len(paths)} parquet files); DuckDB threads={args.threads}, memory_limit={args.memory_limit}")
        glob_path = str(Path(folder) / "*.parquet")
        result = funnel(glob_path)
        full = median_seconds([lambda: funnel(glob_path)], args.repeat)[0]
        peak = peak_memory(glob_path, args.threads, args.memory_limit)
        print(result.counts[["step", "step_name", "count", "step_conversion"]].to_string(index=False))
        print(f"\n{'case':<34}{'events':>12}{'seconds':>10}{'goal':>8}{'peak GB':>9}{'goal':>6}")
        print(f"{'DuckDB funnel, parquet':<34}{args.events:>12,}{full:>10.2f}{'<10':>8}{peak / 1e9:>9.2f}{'<4':>6}")

        frame = pq.read_table(paths[0]).to_pandas()
        ours = funnel(frame)
        base_counts, _ = pandas_funnel(frame, steps=STEPS, window="7D")
        assert ours.counts["count"].astype(int).tolist() == base_counts, (ours.counts, base_counts)
        duck, base = median_seconds([lambda: funnel(frame), lambda: pandas_funnel(frame, steps=STEPS, window="7D")], args.repeat)
        print(f"{'DuckDB funnel, frame slice':<34}{len(frame):>12,}{duck:>10.2f}")
        print(f"{'vectorised pandas, frame slice':<34}{len(frame):>12,}{base:>10.2f}")
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from test_event_funnel import reference_funnel

        start = time.perf_counter()
        reference, _ = reference_funnel(frame, steps=STEPS, order="ordered", window="7D")
        slow = time.perf_counter() - start
        assert [reference[(None, k)] for k in range(1, len(STEPS) + 1)] == base_counts
        print(f"{'test reference (pandas), slice':<34}{len(frame):>12,}{slow:>10.2f}")
        print(f"speed ratio, reference / DuckDB: {slow / duck:.1f}x (goal: at least 10x)")
        print(f"speed ratio, vectorised pandas / DuckDB: {base / duck:.1f}x")


if __name__ == "__main__":
    main()
