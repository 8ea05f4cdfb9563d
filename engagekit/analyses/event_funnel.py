"""The user-level funnel over the ``events`` table: who went from step 1 to step N, how many, how fast.

Unlike the aggregate funnel (:mod:`engagekit.analyses.funnel`), which divides totals of
different exports, this funnel follows the same people through their own
events, as PostHog and Amplitude do. It runs as DuckDB queries over Arrow data
(a DataFrame, an Arrow table) or over parquet files read by DuckDB directly, so
tens of millions of events never pass through pandas.

Definitions
-----------
**Steps.** A list of at least two steps; a step is an event name or a list of
alternative names (any of them counts for the step). Steps are numbered from 1.

**A user's event sequence and the tie rule.** Each user's events are put in one
sequence ordered by ``occurred_at``; events at the same instant are ordered by
the first step they belong to (step 1 before step 2 ...; events of no step come
last), then by event name, then by the breakdown value (missing last). Every
rule below that speaks of "after", "next" or "first" means this sequence.

**Attempt.** An attempt starts at an event of step 1 (every one of them starts
its own attempt) at time *t1*. Its conversion window ends at *t1 + window*
(inclusive): a later step counts only if it happens at or before that time.

**order**

* ``"ordered"`` (default, PostHog's default): step *k* is the first event of
  step *k* after the event used for step *k - 1*; other events may happen in
  between. The attempt reaches step *k* if that event is within the window.
* ``"strict"``: step *k* must be the user's very next event (of any name, in the
  whole table) after step *k - 1*, within the window; anything in between ends
  the attempt.
* ``"unordered"``: the steps may happen in any order. An attempt starts at every
  event of any step; it reaches level *k* when *k* different steps have an
  event at or after its start within the window. Row *k* of the result counts
  attempts that completed any *k* of the steps (its ``step_name`` says
  "k of N steps"); the "time" of level *k* is that of the *k*-th distinct step
  done. Steps may not share an event name in this order.

**Exclusions.** ``(event, from_step, to_step)``: an attempt that reached
*from_step* is disqualified when the event happens strictly after the time of
*from_step* and strictly before the time of *to_step* (or, when the attempt did
not reach *to_step*, up to the end of its window). A disqualified attempt counts
nowhere, not even at step 1 (as PostHog removes excluded people from the
funnel). An exclusion event may not be a step event.

**count**

* ``"users"`` (default): each user is counted once, by their best qualified
  attempt: the one that reached the furthest step, the earliest (in the
  sequence) among those that reached as far. Users whose every attempt is
  disqualified are not counted.
* ``"totals"``: every qualified attempt is counted (a user who starts step 1
  three times counts three times at step 1).

**breakdown and attribution.** ``breakdown`` names a column of the events
(``source``, ``medium``, ``campaign``, ``content``, ``session_key``, ``value``,
``event`` or any other column present). Each counted attempt takes one value,
by ``attribution``:

* ``"first_touch"`` (default): the value on the attempt's step-1 event;
* ``"last_touch"``: the value on the event of the furthest step it reached;
* ``"step:N"``: the value on its step-*N* event (missing when it did not reach
  step *N*).

A user is counted under one value only, so the groups add up to the total.

**Time to convert.** For each step *k* >= 2, over the counted attempts that
reached it: the seconds since the previous step and since step 1 (n, mean,
quartiles with linear interpolation).

**Period.** ``start``/``end`` keep the events with ``start <= occurred_at < end``
(naive times are UTC); a step after ``end`` does not count.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from engagekit.core._arrow import STR_DTYPE

__all__ = [
    "ORDERS",
    "COUNTS",
    "EventFunnel",
    "EventFunnelWarning",
    "FunnelExclusion",
    "FunnelResult",
    "event_funnel",
]

Order = Literal["ordered", "strict", "unordered"]
CountBy = Literal["users", "totals"]
EventsInput = pd.DataFrame | pa.Table | str | os.PathLike | Sequence[str | os.PathLike]

ORDERS: tuple[str, ...] = ("ordered", "strict", "unordered")
COUNTS: tuple[str, ...] = ("users", "totals")
_ATTRIBUTIONS = ("first_touch", "last_touch", "step:N")
#: Columns the funnel itself reads; every other column present may be a breakdown.
_REQUIRED = ("occurred_at", "user_key", "event")
_SINCE = ("previous_step", "first_step")


class EventFunnelWarning(UserWarning):
    """A step or exclusion event never occurs, or there are no events to count."""


@dataclass(frozen=True)
class FunnelExclusion:
    """An event that disqualifies an attempt when it happens between two of its steps.

    Parameters
    ----------
    event
        The event name.
    from_step, to_step
        The steps (numbered from 1) it must not happen between; ``None`` means
        the first and the last step.
    """

    event: str
    from_step: int | None = None
    to_step: int | None = None


@dataclass(frozen=True)
class FunnelResult:
    """What a funnel run returns.

    Attributes
    ----------
    counts
        One row per (breakdown value,) step: ``step, step_name, count,
        step_conversion, overall_conversion, drop_off`` and the definition used
        (``order, window, count_by``).
    time_to_convert
        One row per (breakdown value,) step from 2 and ``since``
        (``previous_step`` or ``first_step``): ``n, mean_seconds, p25_seconds,
        median_seconds, p75_seconds`` (NA when no attempt reached the step).
    attempts
        One row per counted attempt: ``user_key``, the breakdown value,
        ``reached_step`` and the time of each step reached (``step_1_at`` ...).
    """

    counts: pd.DataFrame
    time_to_convert: pd.DataFrame
    attempts: pd.DataFrame
    breakdown: str | None = None

    def time_to_convert_histogram(
        self, *, step: int, since: Literal["previous_step", "first_step"] = "previous_step", bins: int | Sequence[float] = 20
    ) -> pd.DataFrame:
        """The distribution of the time to reach ``step``, as histogram bins (seconds).

        Parameters
        ----------
        step
            A step from 2 to the last.
        since
            ``"previous_step"`` or ``"first_step"``.
        bins
            A number of equal-width bins over the range of all values, or the bin edges.

        Returns
        -------
        pandas.DataFrame
            One row per (breakdown value,) bin: ``bin, left_seconds, right_seconds,
            count`` (bins are closed on the left, the last one on both sides).
        """
        n_steps = sum(1 for col in self.attempts.columns if col.startswith("step_") and col.endswith("_at"))
        if not 2 <= step <= n_steps:
            raise ValueError(f"step must be from 2 to {n_steps}, got {step!r}")
        if since not in _SINCE:
            raise ValueError(f"since must be one of {_SINCE}, got {since!r}")
        group = [self.breakdown] if self.breakdown else []
        reached = self.attempts.loc[self.attempts["reached_step"] >= step]
        before = f"step_{step - 1}_at" if since == "previous_step" else "step_1_at"
        seconds = (reached[f"step_{step}_at"] - reached[before]).dt.total_seconds().to_numpy(dtype=float)
        columns = {**{col: self.attempts[col].dtype for col in group}, "bin": "int64",
                   "left_seconds": "float64", "right_seconds": "float64", "count": "int64"}
        if len(seconds) == 0:
            warnings.warn(f"no attempt reached step {step}: the histogram is empty", EventFunnelWarning, stacklevel=2)
            return pd.DataFrame({col: pd.Series(dtype=dtype) for col, dtype in columns.items()})
        edges = np.histogram_bin_edges(seconds, bins=bins)
        parts = []
        keys = reached[group[0]] if group else pd.Series(0, index=reached.index)
        for key, values in pd.Series(seconds, index=reached.index).groupby(keys, dropna=False, sort=True):
            counts, _ = np.histogram(values.to_numpy(), bins=edges)
            part = pd.DataFrame({"bin": np.arange(len(counts)), "left_seconds": edges[:-1],
                                 "right_seconds": edges[1:], "count": counts.astype("int64")})
            if group:
                part.insert(0, group[0], pd.Series([key] * len(part), dtype=self.attempts[group[0]].dtype))
            parts.append(part)
        return pd.concat(parts, ignore_index=True).astype(columns)


@dataclass(frozen=True, kw_only=True)
class EventFunnel:
    """A user-level funnel over the ``events`` table, configured by its fields and called on the events.

    See the module documentation for the exact meaning of each option.

    Parameters
    ----------
    steps
        At least two steps; each an event name or a list of alternative names.
    order
        ``"ordered"``, ``"strict"`` or ``"unordered"``.
    window
        The conversion window from step 1 (anything :class:`pandas.Timedelta` takes, e.g. ``"7D"``).
    exclusions
        :class:`FunnelExclusion` items, ``(event, from_step, to_step)`` tuples or
        event names (excluded over the whole funnel).
    count
        ``"users"`` or ``"totals"``.
    breakdown
        A column of the events to break the funnel down by, or ``None``.
    attribution
        ``"first_touch"``, ``"last_touch"`` or ``"step:N"``.
    start, end
        Keep the events with ``start <= occurred_at < end`` (naive times are UTC).
    threads, memory_limit
        DuckDB's settings (default: every core, DuckDB's default limit), e.g. ``memory_limit="3GB"``.

    Examples
    --------
    >>> funnel = EventFunnel(steps=["view_item", "add_to_cart", "purchase"], window="7D")  # doctest: +SKIP
    >>> result = funnel(dataset.events)  # doctest: +SKIP
    >>> result.counts  # doctest: +SKIP
    """

    steps: Sequence[str | Sequence[str]]
    order: Order = "ordered"
    window: str | pd.Timedelta = "14D"
    exclusions: Sequence[FunnelExclusion | tuple[str, int, int] | str] = ()
    count: CountBy = "users"
    breakdown: str | None = None
    attribution: str = "first_touch"
    start: str | pd.Timestamp | None = None
    end: str | pd.Timestamp | None = None
    threads: int | None = None
    memory_limit: str | None = None
    _plan: "_Plan" = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_plan", _Plan.build(self))

    def __call__(self, events: EventsInput) -> FunnelResult:
        """Run the funnel on ``events``: a DataFrame, an Arrow table, or parquet path(s)/glob/folder."""
        return _run(self._plan, events)


def event_funnel(events: EventsInput, *, steps: Sequence[str | Sequence[str]], **options) -> FunnelResult:
    """Run :class:`EventFunnel` ``(steps=steps, **options)`` on ``events`` in one call."""
    return EventFunnel(steps=steps, **options)(events)


# --------------------------------------------------------------------------- the validated plan


@dataclass(frozen=True)
class _Plan:
    steps: tuple[tuple[str, ...], ...]
    order: str
    window_us: int
    window: pd.Timedelta
    exclusions: tuple[tuple[str, int, int], ...]
    count: str
    breakdown: str | None
    attribution: str
    attribution_step: int | None
    start_us: int | None
    end_us: int | None
    threads: int
    memory_limit: str | None
    codes: dict[str, int]  # event name -> code; step events first, in (first step, name) order

    @classmethod
    def build(cls, funnel: EventFunnel) -> _Plan:
        raw_steps = list(funnel.steps) if not isinstance(funnel.steps, str) else [funnel.steps]
        if len(raw_steps) < 2:
            raise ValueError(f"a funnel needs at least 2 steps, got {len(raw_steps)}: {raw_steps!r}")
        steps = []
        for number, step in enumerate(raw_steps, start=1):
            names = (step,) if isinstance(step, str) else tuple(step)
            if not names or not all(isinstance(name, str) and name for name in names):
                raise ValueError(f"step {number} must be an event name or a list of event names, got {step!r}")
            steps.append(tuple(dict.fromkeys(names)))
        if funnel.order not in ORDERS:
            raise ValueError(f"unknown order {funnel.order!r}; allowed: {', '.join(ORDERS)}")
        if funnel.count not in COUNTS:
            raise ValueError(f"unknown count {funnel.count!r}; allowed: {', '.join(COUNTS)}")
        if funnel.order == "unordered":
            seen: dict[str, int] = {}
            for number, names in enumerate(steps, start=1):
                for name in names:
                    if name in seen:
                        raise ValueError(f"in an unordered funnel each event belongs to one step; {name!r} is in steps {seen[name]} and {number}")
                    seen[name] = number
        try:
            window = pd.Timedelta(funnel.window)
        except (TypeError, ValueError) as error:
            raise ValueError(f"window must be a duration such as '7D' or '12h', got {funnel.window!r}") from error
        if pd.isna(window) or window <= pd.Timedelta(0):
            raise ValueError(f"window must be a positive duration, got {funnel.window!r}")
        n = len(steps)
        step_names = {name for names in steps for name in names}
        exclusions = []
        for item in funnel.exclusions:
            if isinstance(item, str):
                item = FunnelExclusion(item)
            elif not isinstance(item, FunnelExclusion):
                item = FunnelExclusion(*item)
            a = 1 if item.from_step is None else item.from_step
            b = n if item.to_step is None else item.to_step
            if not isinstance(item.event, str) or not item.event:
                raise ValueError(f"an exclusion needs an event name, got {item.event!r}")
            if not (isinstance(a, int) and isinstance(b, int) and 1 <= a < b <= n):
                raise ValueError(f"exclusion {item.event!r}: steps must satisfy 1 <= from_step < to_step <= {n}, got {a}, {b}")
            if item.event in step_names:
                raise ValueError(f"exclusion {item.event!r} is a step event; an exclusion must be another event")
            exclusions.append((item.event, a, b))
        attribution = funnel.attribution
        attribution_step = None
        match = re.fullmatch(r"step:(\d+)", attribution or "")
        if match:
            attribution_step = int(match.group(1))
            if not 1 <= attribution_step <= n:
                raise ValueError(f"attribution {attribution!r}: the step must be from 1 to {n}")
        elif attribution not in ("first_touch", "last_touch"):
            raise ValueError(f"unknown attribution {attribution!r}; allowed: {', '.join(_ATTRIBUTIONS)}")
        if funnel.breakdown is not None and (not isinstance(funnel.breakdown, str) or funnel.breakdown in ("occurred_at", "user_key")):
            raise ValueError(f"cannot break down by {funnel.breakdown!r}; choose another column of the events")
        first_step = {}
        for number, names in enumerate(steps):
            for name in names:
                first_step.setdefault(name, number)
        ordered = sorted(first_step, key=lambda name: (first_step[name], name))
        ordered += sorted({event for event, _, _ in exclusions})
        threads = funnel.threads if funnel.threads is not None else (os.cpu_count() or 1)
        return cls(
            steps=tuple(steps), order=funnel.order, window_us=int(window / pd.Timedelta(microseconds=1)), window=window,
            exclusions=tuple(exclusions), count=funnel.count, breakdown=funnel.breakdown, attribution=attribution,
            attribution_step=attribution_step, start_us=_micros(funnel.start, "start"), end_us=_micros(funnel.end, "end"),
            threads=int(threads), memory_limit=funnel.memory_limit, codes={name: code for code, name in enumerate(ordered)},
        )

    @property
    def n(self) -> int:
        return len(self.steps)

    @property
    def n_step_codes(self) -> int:
        return len({name for names in self.steps for name in names})

    def step_codes(self, number: int) -> str:
        """SQL list of the codes of step ``number`` (from 1)."""
        return "(" + ", ".join(str(self.codes[name]) for name in self.steps[number - 1]) + ")"

    def step_name(self, number: int) -> str:
        if self.order == "unordered":
            return f"{number} of {self.n} steps"
        return " | ".join(self.steps[number - 1])


def _micros(value: str | pd.Timestamp | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a date or timestamp, got {value!r}") from error
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int((stamp - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1))


# --------------------------------------------------------------------------- running it


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source(con: duckdb.DuckDBPyConnection, events: EventsInput, plan: _Plan) -> tuple[str, dict[str, str]]:
    """Register ``events`` and return the SQL to read it and its columns' DuckDB types."""
    if isinstance(events, pd.DataFrame):
        # only the columns the funnel reads go to Arrow; the others are listed by name (for the messages)
        wanted = [*_REQUIRED, *([plan.breakdown] if plan.breakdown else [])]
        keep = [col for col in events.columns if col in wanted]
        others = {str(col): "OTHER" for col in events.columns if col not in keep}
        events = pa.Table.from_pandas(events[keep], preserve_index=False)
    else:
        others = {}
    if isinstance(events, pa.Table):
        con.register("events_source", events)
        relation = "events_source"
    else:
        items = [events] if isinstance(events, (str, os.PathLike)) else list(events)
        files = []
        for item in items:
            text = os.fspath(item)
            if os.path.isdir(text):
                text = os.path.join(text, "*.parquet")
            if any(ch in text for ch in "*?["):
                if not glob.glob(text):
                    raise FileNotFoundError(f"no parquet file matches {text!r}")
            elif not os.path.exists(text):
                raise FileNotFoundError(f"no such parquet file: {text!r}")
            files.append(text)
        if not files:
            raise ValueError("no parquet path given")
        relation = "read_parquet([" + ", ".join(_literal(f) for f in files) + "])"
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return relation, {**{row[0]: row[1] for row in described}, **others}


def _check_columns(plan: _Plan, columns: dict[str, str]) -> None:
    missing = [col for col in _REQUIRED if col not in columns]
    if missing:
        raise ValueError(f"the events lack column(s) {missing}; they have: {list(columns)}")
    if not columns["occurred_at"].startswith("TIMESTAMP"):
        raise ValueError(f"occurred_at must be a timestamp (UTC), got {columns['occurred_at']}")
    if plan.breakdown is not None and plan.breakdown not in columns:
        allowed = [col for col in columns if col not in ("occurred_at", "user_key")]
        raise ValueError(f"unknown breakdown column {plan.breakdown!r}; allowed: {', '.join(allowed)}")


def _connect(plan: _Plan, scratch: str) -> duckdb.DuckDBPyConnection:
    config = {"threads": plan.threads, "preserve_insertion_order": False, "temp_directory": scratch}
    if plan.memory_limit:
        config["memory_limit"] = plan.memory_limit
    con = duckdb.connect(":memory:", config=config)
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:  # inside Jupyter without ipywidgets DuckDB refuses the setting (and shows no bar)
        pass
    return con


def _run(plan: _Plan, events: EventsInput) -> FunnelResult:
    scratch = tempfile.mkdtemp(prefix="engagekit_funnel_")
    try:
        con = _connect(plan, scratch)
        try:
            relation, columns = _source(con, events, plan)
            _check_columns(plan, columns)
            breakdown_type = columns.get(plan.breakdown) if plan.breakdown else None
            return _funnel(con, plan, relation, breakdown_type)
        finally:
            con.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _funnel(con: duckdb.DuckDBPyConnection, plan: _Plan, relation: str, breakdown_type: str | None) -> FunnelResult:
    n = plan.n
    w = plan.window_us
    has_bk = plan.breakdown is not None
    code_case = "CASE event " + " ".join(f"WHEN {_literal(name)} THEN {code}" for name, code in plan.codes.items()) + " END"
    in_period = []
    if plan.start_us is not None:
        in_period.append(f"epoch_us(occurred_at) >= {plan.start_us}")
    if plan.end_us is not None:
        in_period.append(f"epoch_us(occurred_at) < {plan.end_us}")
    funnel_events = [] if plan.order == "strict" else ["event IN (" + ", ".join(_literal(name) for name in plan.codes) + ")"]
    where = funnel_events + in_period
    bk = f", {_ident(plan.breakdown)} AS bk" if has_bk else ""
    con.execute(
        f"CREATE TEMP TABLE raw AS SELECT user_key, epoch_us(occurred_at) AS t, ({code_case})::INTEGER AS code{bk} "
        f"FROM {relation}" + (" WHERE " + " AND ".join(where) if where else "")
    )
    stats = dict(con.execute("SELECT code, count(*) FROM raw GROUP BY code").fetchall())
    unusable = con.execute("SELECT count(*) FROM raw WHERE user_key IS NULL OR t IS NULL").fetchone()[0]
    if unusable:
        warnings.warn(f"{unusable} event(s) without user_key or occurred_at are left out of the funnel", EventFunnelWarning, stacklevel=3)
        con.execute("DELETE FROM raw WHERE user_key IS NULL OR t IS NULL")
    period = "" if plan.start_us is None and plan.end_us is None else " in the period"
    if sum(stats.values()) - unusable <= 0:
        period_only = " WHERE " + " AND ".join(in_period) if in_period else ""
        if not con.execute(f"SELECT count(*) FROM {relation}{period_only}").fetchone()[0]:
            warnings.warn(f"there are no events{period}: the funnel is empty", EventFunnelWarning, stacklevel=3)
            return _empty_result(plan, breakdown_type)
    for number, names in enumerate(plan.steps, start=1):
        for name in names:
            if not stats.get(plan.codes[name]):
                warnings.warn(f"step {number} event {name!r} does not occur in the events{period}; it counts 0",
                              EventFunnelWarning, stacklevel=3)
    for event, _, _ in plan.exclusions:
        if not stats.get(plan.codes[event]):
            warnings.warn(f"exclusion event {event!r} does not occur in the events{period}; it excludes nothing",
                          EventFunnelWarning, stacklevel=3)

    con.execute("CREATE TEMP TABLE users AS SELECT user_key, (row_number() OVER ())::UINTEGER AS uid "
                "FROM (SELECT DISTINCT user_key FROM raw)")
    bk_sel = ", r.bk" if has_bk else ""
    bk_order = ", r.bk NULLS LAST" if has_bk else ""
    order_by = f"r.t, r.code NULLS LAST{bk_order}"
    steps_only = f"r.code < {plan.n_step_codes}"
    bk1 = ", bk AS b1" if has_bk else ""
    tw = lambda col: f"{col} <= t1 + {w}"  # noqa: E731  within the window of the attempt
    if plan.order == "strict":
        leads = ", ".join(f"lead(r.code, {j}) OVER w AS c{j + 1}, lead(r.t, {j}) OVER w AS lt{j + 1}" for j in range(1, n))
        con.execute(
            f"CREATE TEMP TABLE seq AS SELECT u.uid, r.t, r.code{bk_sel}, row_number() OVER w AS pos, {leads} "
            f"FROM raw r JOIN users u USING (user_key) WINDOW w AS (PARTITION BY u.uid ORDER BY {order_by})"
        )
        cond = "TRUE"
        parts = []
        for k in range(2, n + 1):
            cond = f"{cond} AND c{k} IN {plan.step_codes(k)} AND lt{k} <= t + {w}"
            parts.append(f"CASE WHEN {cond} THEN pos + {k - 1} END AS p{k}, CASE WHEN {cond} THEN lt{k} END AS t{k}")
        con.execute(
            f"CREATE TEMP TABLE att AS SELECT uid, pos AS p1, t AS t1{bk1}, {', '.join(parts)} "
            f"FROM seq WHERE code IN {plan.step_codes(1)}"
        )
    else:
        con.execute(
            f"CREATE TEMP TABLE seq AS SELECT u.uid, r.t, r.code{bk_sel}, row_number() OVER "
            f"(PARTITION BY u.uid ORDER BY {order_by}) AS pos FROM raw r JOIN users u USING (user_key) WHERE {steps_only}"
        )
        if plan.order == "ordered":
            nexts = _firsts(plan, range(2, n + 1))
            con.execute(
                f"CREATE TEMP TABLE ev AS SELECT *, {nexts} FROM seq "
                "WINDOW w AS (PARTITION BY uid ORDER BY pos ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)"
            )
            ctes = [
                f"a2 AS (SELECT uid, pos AS p1, t AS t1{bk1}, CASE WHEN n2t <= t + {w} THEN n2 END AS p2, "
                f"CASE WHEN n2t <= t + {w} THEN n2t END AS t2 FROM ev WHERE code IN {plan.step_codes(1)})"
            ]
            for k in range(3, n + 1):
                ctes.append(
                    f"a{k} AS (SELECT a.*, CASE WHEN {tw(f'e.n{k}t')} THEN e.n{k} END AS p{k}, "
                    f"CASE WHEN {tw(f'e.n{k}t')} THEN e.n{k}t END AS t{k} FROM a{k - 1} a "
                    f"LEFT JOIN (SELECT uid, pos, n{k}, n{k}t FROM ev WHERE code IN {plan.step_codes(k - 1)}) e "
                    f"ON e.uid = a.uid AND e.pos = a.p{k - 1})"
                )
            con.execute(f"CREATE TEMP TABLE att AS WITH {', '.join(ctes)} SELECT * FROM a{n}")
            con.execute("DROP TABLE ev")
        else:  # unordered
            firsts = _firsts(plan, range(1, n + 1))
            found_p = ", ".join(f"CASE WHEN n{k}t <= t + {w} THEN n{k} END" for k in range(1, n + 1))
            found_t = ", ".join(f"CASE WHEN n{k}t <= t + {w} THEN n{k}t END" for k in range(1, n + 1))
            con.execute(
                f"CREATE TEMP TABLE att0 AS SELECT uid, pos AS p1{bk1}, "
                f"list_sort([{found_p}], 'ASC', 'NULLS LAST') AS ps, "
                f"list_sort([{found_t}], 'ASC', 'NULLS LAST') AS ts FROM "
                f"(SELECT *, {firsts} FROM seq WINDOW w AS (PARTITION BY uid ORDER BY pos ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING))"
            )
            cols = ", ".join(f"ps[{k}] AS p{k}, ts[{k}] AS t{k}" for k in range(2, n + 1))
            con.execute(f"CREATE TEMP TABLE att AS SELECT uid, p1, ts[1] AS t1{', b1' if has_bk else ''}, {cols} FROM att0")
            con.execute("DROP TABLE att0")
    level = "1 + " + " + ".join(f"(p{k} IS NOT NULL)::INTEGER" for k in range(2, n + 1))

    # exclusions: the first exclusion event strictly after the time of from_step
    current = "att"
    for j, (event, a, b) in enumerate(plan.exclusions):
        con.execute(
            f"CREATE TEMP TABLE x{j} AS SELECT u.uid, r.t FROM raw r JOIN users u USING (user_key) "
            f"WHERE r.code = {plan.codes[event]}"
        )
        until = f"CASE WHEN p{b} IS NOT NULL THEN x.t < a.t{b} ELSE x.t <= a.t1 + {w} END"
        con.execute(
            f"CREATE TEMP TABLE att_x{j} AS SELECT a.* FROM {current} a ASOF LEFT JOIN x{j} x "
            f"ON a.uid = x.uid AND a.t{a} < x.t WHERE a.t{a} IS NULL OR x.t IS NULL OR NOT ({until})"
        )
        current = f"att_x{j}"

    cols = ["uid", "p1", *(f"p{k}" for k in range(2, n + 1)), *(f"t{k}" for k in range(1, n + 1))]
    if has_bk:
        cols.append("b1")
    if plan.count == "users":
        packed = ", ".join(f"'{col}': {col}" for col in cols[1:])
        con.execute(
            f"CREATE TEMP TABLE counted AS SELECT uid, {', '.join(f'b.{col} AS {col}' for col in cols[1:])} FROM "
            f"(SELECT uid, arg_max({{{packed}}}, ({level}) * 4294967296 - p1) AS b FROM {current} GROUP BY uid)"
        )
    else:
        con.execute(f"CREATE TEMP TABLE counted AS SELECT {', '.join(cols)} FROM {current}")
    con.execute(f"ALTER TABLE counted ADD COLUMN level INTEGER; UPDATE counted SET level = {level}")

    if has_bk:
        if plan.attribution == "first_touch":
            group_sql = "SELECT c.*, c.b1 AS g FROM counted c"
        else:
            if plan.attribution == "last_touch":
                at = "CASE c.level " + " ".join(f"WHEN {k} THEN c.p{k}" for k in range(1, n + 1)) + " END"
            else:
                at = f"c.p{plan.attribution_step}"
            group_sql = f"SELECT c.*, s.bk AS g FROM counted c LEFT JOIN seq s ON s.uid = c.uid AND s.pos = {at}"
    else:
        group_sql = "SELECT c.*, NULL::INTEGER AS g FROM counted c"
    con.execute(f"CREATE TEMP TABLE grouped AS {group_sql}")

    by_level = _fetch(con, "SELECT g, level, count(*) AS n FROM grouped GROUP BY ALL")
    times = []
    for k in range(2, n + 1):
        for since, before in (("previous_step", f"t{k - 1}"), ("first_step", "t1")):
            times.append(
                f"SELECT g, {k} AS step, '{since}' AS since, count(*) AS n, avg(d) AS mean, "
                f"quantile_cont(d, [0.25, 0.5, 0.75]) AS q FROM "
                f"(SELECT g, (t{k} - {before}) / 1e6 AS d FROM grouped WHERE level >= {k}) GROUP BY g"
            )
    time_stats = _fetch(con, " UNION ALL ".join(times))
    step_times = ", ".join(f"make_timestamptz(t{k}) AS step_{k}_at" for k in range(1, n + 1))
    attempts = _fetch(
        con,
        f"SELECT u.user_key, g, level AS reached_step, {step_times} FROM grouped JOIN users u USING (uid) "
        f"ORDER BY u.user_key, p1",
    )
    return _assemble(plan, by_level, time_stats, attempts, breakdown_type)


def _firsts(plan: _Plan, numbers: range) -> str:
    """SQL columns ``n{k}, n{k}t``: position and time of the first event of step k in the window frame ``w``."""
    return ", ".join(
        f"min(CASE WHEN code IN {plan.step_codes(k)} THEN pos END) OVER w AS n{k}, "
        f"min(CASE WHEN code IN {plan.step_codes(k)} THEN t END) OVER w AS n{k}t"
        for k in numbers
    )


# --------------------------------------------------------------------------- tidy frames


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """A query's result as a DataFrame, through Arrow (text as ``str``)."""
    table = con.sql(sql).to_arrow_table()
    return table.to_pandas(types_mapper={pa.string(): STR_DTYPE, pa.large_string(): STR_DTYPE}.get)


def _definition(plan: _Plan) -> dict[str, object]:
    return {"order": plan.order, "window": plan.window, "count_by": plan.count}


def _group(plan: _Plan, value) -> dict[str, object]:
    return {plan.breakdown: value} if plan.breakdown else {}


def _counts_columns(plan: _Plan, breakdown_dtype) -> dict[str, object]:
    return {**_group(plan, breakdown_dtype), "step": "int64", "step_name": "str", "count": "Int64", "step_conversion": "Float64",
            "overall_conversion": "Float64", "drop_off": "Int64", "order": "str", "window": "timedelta64[us]",
            "count_by": "str"}


def _time_columns(plan: _Plan, breakdown_dtype) -> dict[str, object]:
    return {**_group(plan, breakdown_dtype), "step": "int64", "step_name": "str", "since": "str", "n": "Int64", "mean_seconds": "Float64",
            "p25_seconds": "Float64", "median_seconds": "Float64", "p75_seconds": "Float64"}


def _attempt_columns(plan: _Plan, breakdown_dtype) -> dict[str, object]:
    return {"user_key": "str", **_group(plan, breakdown_dtype), "reached_step": "int64",
            **{f"step_{k}_at": "datetime64[us, UTC]" for k in range(1, plan.n + 1)}}


def _pandas_dtype(duckdb_type: str | None):
    if duckdb_type is None:
        return "str"
    if duckdb_type in ("VARCHAR",):
        return "str"
    if duckdb_type in ("DOUBLE", "FLOAT") or duckdb_type.startswith("DECIMAL"):
        return "Float64"
    if duckdb_type in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT", "HUGEINT"):
        return "Int64"
    if duckdb_type == "BOOLEAN":
        return "boolean"
    return "object"


def _typed(frame: pd.DataFrame, columns: dict[str, object]) -> pd.DataFrame:
    out = pd.DataFrame({col: frame[col] if col in frame else pd.Series(dtype="object") for col in columns})
    for col, dtype in columns.items():
        if dtype == "datetime64[us, UTC]":
            values = out[col]
            if not isinstance(values.dtype, pd.DatetimeTZDtype):
                values = pd.to_datetime(values, utc=True)
            out[col] = values.dt.tz_convert("UTC").astype(dtype)
        elif dtype == "timedelta64[us]":
            out[col] = pd.to_timedelta(out[col]).astype(dtype)
        else:
            out[col] = out[col].astype(dtype)
    return out


def _empty_result(plan: _Plan, breakdown_type: str | None) -> FunnelResult:
    dtype = _pandas_dtype(breakdown_type)
    make = lambda columns: pd.DataFrame({col: pd.Series(dtype=d) for col, d in columns.items()})  # noqa: E731
    counts = make(_counts_columns(plan, dtype))
    counts.attrs["definition"] = _describe(plan)
    return FunnelResult(counts=counts, time_to_convert=make(_time_columns(plan, dtype)),
                        attempts=make(_attempt_columns(plan, dtype)), breakdown=plan.breakdown)


def _describe(plan: _Plan) -> str:
    text = (f"{plan.order} funnel of {plan.n} steps, {plan.window} conversion window from step 1, "
            f"counting {'unique users (best attempt each)' if plan.count == 'users' else 'every attempt'}")
    if plan.exclusions:
        text += "; excluding " + ", ".join(f"{event} between steps {a} and {b}" for event, a, b in plan.exclusions)
    if plan.breakdown:
        text += f"; broken down by {plan.breakdown} ({plan.attribution})"
    return text


def _assemble(plan: _Plan, by_level: pd.DataFrame, time_stats: pd.DataFrame, attempts: pd.DataFrame,
              breakdown_type: str | None) -> FunnelResult:
    n = plan.n
    dtype = _pandas_dtype(breakdown_type)
    group_values = by_level["g"].astype(dtype) if plan.breakdown else pd.Series([pd.NA] * len(by_level), dtype="object")
    by_level = by_level.assign(g=group_values.astype("object").where(group_values.notna(), None))
    groups = list(dict.fromkeys(by_level["g"].tolist())) if plan.breakdown else [None]
    groups = sorted([g for g in groups if g is not None]) + ([None] if None in groups else [])
    definition = _definition(plan)
    rows = []
    for g in groups:
        part = by_level.loc[by_level["g"].isna()] if g is None else by_level.loc[by_level["g"] == g]
        reached = dict(zip(part["level"].astype(int), part["n"].astype(int)))
        counts = [sum(v for lvl, v in reached.items() if lvl >= k) for k in range(1, n + 1)]
        for k in range(1, n + 1):
            prev = counts[k - 2] if k > 1 else counts[0]
            rows.append({
                **_group(plan, g), "step": k, "step_name": plan.step_name(k),
                "count": counts[k - 1],
                "step_conversion": (counts[k - 1] / prev) if prev else pd.NA,
                "overall_conversion": (counts[k - 1] / counts[0]) if counts[0] else pd.NA,
                "drop_off": (prev - counts[k - 1]) if k > 1 else 0, **definition,
            })
    counts_frame = _typed(pd.DataFrame(rows), _counts_columns(plan, dtype))
    counts_frame.attrs["definition"] = _describe(plan)

    stats = {}
    for row in time_stats.itertuples(index=False):
        g = None if pd.isna(row.g) else row.g
        q = row.q if row.q is not None else [None] * 3
        stats[(g, int(row.step), row.since)] = (int(row.n), row.mean, *q)
    trows = []
    for g in groups:
        for k in range(2, n + 1):
            for since in _SINCE:
                count, mean, p25, p50, p75 = stats.get((g, k, since), (0, None, None, None, None))
                trows.append({
                    **_group(plan, g), "step": k, "step_name": plan.step_name(k),
                    "since": since, "n": count, "mean_seconds": _na(mean), "p25_seconds": _na(p25),
                    "median_seconds": _na(p50), "p75_seconds": _na(p75),
                })
    time_frame = _typed(pd.DataFrame(trows, columns=list(_time_columns(plan, dtype))), _time_columns(plan, dtype))
    attempts = attempts.rename(columns={"g": plan.breakdown}) if plan.breakdown else attempts.drop(columns="g")
    attempt_frame = _typed(attempts, _attempt_columns(plan, dtype))
    return FunnelResult(counts=counts_frame, time_to_convert=time_frame, attempts=attempt_frame, breakdown=plan.breakdown)


def _na(value):
    return pd.NA if value is None or (isinstance(value, float) and np.isnan(value)) else value
