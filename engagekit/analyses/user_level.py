"""People who engaged against people who did not: risk of an outcome event, crude and stratified.

Where the outcome is itself an event of the ``events`` table (``sign_up``,
``purchase``), or the outcomes' customer keys are the events' user keys, the
people who did an engagement event (the *exposed*) can be compared with those
who did not (the *unexposed*) on how often the outcome followed.

Definitions
-----------
**Person.** One ``user_key``. Rows without a user key or a time are dropped.

**Index time.** For an exposed person, the time of their first exposure event;
for an unexposed person, the time of their first event of any name
(``unexposed_index="first_event"``, the default) or of one of their events drawn
at random with ``seed`` (``"random_event"``).

**Outcome.** The person had the outcome if an outcome event happened in the
closed window ``[index time, index time + window]`` (an outcome at the same
instant as the exposure counts). People whose first outcome event is *before*
their index time already had the outcome and are left out (counted in ``note``).

**Prior activity** (``strata="prior_activity"``). The number of the person's
events strictly before the index time, in the bins ``0``, ``1``, ``2-4``,
``5+`` (:data:`PRIOR_ACTIVITY_BINS`); ``"prior_sessions"`` counts distinct
sessions instead, with the same bins. Note that with the first event as the
unexposed's index time, every unexposed person has prior activity 0 by
construction: the stratified estimate then compares the unexposed only with the
exposed whose first event was the exposure, and strata without unexposed people
drop out. ``unexposed_index="random_event"`` gives the unexposed a prior
activity that can be compared (at the cost of leaving out those whose outcome
came before the drawn event).
``strata=<column>`` stratifies on the column's value on the person's first
event (e.g. ``"source"``, ``"medium"``); a missing value is its own stratum.

**Estimates** (rows of the result, see :data:`RESULT_COLUMNS`):

* ``risk ratio``: risk of the exposed / risk of the unexposed, with the
  log-normal (Katz) interval, ``se(log RR) = sqrt(1/a - 1/n1 + 1/c - 1/n0)``,
  and the Wald test of ``log RR = 0``. **Zero cell**: if any of the four cells
  is 0, 0.5 is added to every cell for the ratio's estimate, interval and test
  (the Haldane-Anscombe correction; ``statsmodels``' ``shift_zeros`` shifts the
  zero cells only), and ``note`` says so.
* ``risk difference``: risk of the exposed - risk of the unexposed, with
  Newcombe's hybrid score interval (from two Wilson intervals; defined with
  zero cells, no correction needed), and the Pearson chi-square test's p-value.
* ``Mantel-Haenszel risk ratio``: pooled over the strata, with the
  Greenland-Robins variance of its log; Wald test.
* ``Mantel-Haenszel risk difference``: weights ``n1*n0/N``, Greenland-Robins
  variance; Wald interval and test.
* ``CMH test``: the Cochran-Mantel-Haenszel chi-square statistic (in
  ``estimate``, no continuity correction) that the outcome is independent of
  exposure within strata.

A stratum enters the stratified rows only if it has at least ``min_stratum``
people and both exposed and unexposed people; ``note`` names those dropped.

Inputs the comparison cannot be made on (no exposed or no unexposed people, an
outcome that never happens) give NaN estimates with the reason in ``note`` and
a :class:`UserWarning`, not an exception.

The comparison shows association only: read :data:`SELECTION_BIAS_CAVEAT`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from engagekit.core.channels import SOCIAL_CHANNELS, default_channel_group

__all__ = [
    "SELECTION_BIAS_CAVEAT",
    "PRIOR_ACTIVITY_BINS",
    "RESULT_COLUMNS",
    "people_for_comparison",
    "strata_table",
    "compare_risks",
    "engaged_vs_not",
    "social_visits",
]

SELECTION_BIAS_CAVEAT = (
    "People who engage (comment, click, start a form) differ from people who do not: they are more "
    "interested and often already closer to buying. This comparison shows an association between "
    "engaging and the outcome, not the effect of engaging: making more people comment would not "
    "necessarily raise the outcome by this much. Stratifying on prior activity removes only the part "
    "of that difference that prior activity measures; interest it does not capture remains."
)

#: (label, lowest count, highest count or None) of the prior-activity strata.
PRIOR_ACTIVITY_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2-4", 2, 4),
    ("5+", 5, None),
)

RESULT_COLUMNS: tuple[str, ...] = (
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "n_exposed",
    "n_unexposed",
    "outcomes_exposed",
    "outcomes_unexposed",
    "method",
    "note",
)

_DTYPES = {"measure": "str", "estimate": "float64", "ci_low": "float64", "ci_high": "float64",
           "p_value": "float64", "n_exposed": "int64", "n_unexposed": "int64", "outcomes_exposed": "int64",
           "outcomes_unexposed": "int64", "method": "str", "note": "str"}
_CRUDE = ("risk ratio", "risk difference")
_STRATIFIED = ("Mantel-Haenszel risk ratio", "Mantel-Haenszel risk difference", "CMH test")
_NEEDED = ("occurred_at", "user_key", "event")
_UNEXPOSED_INDEX = ("first_event", "random_event")
_PRIOR = {"prior_activity": "prior_events", "prior_sessions": "prior_sessions"}


def _exposure_rows(events: pd.DataFrame, exposure: str | Sequence[str] | pd.Series, outcome: str) -> np.ndarray:
    """Which rows of ``events`` are engagement: by event name(s), or a boolean mask aligned with ``events``."""
    if isinstance(exposure, pd.Series):
        if exposure.dtype != bool or not exposure.index.equals(events.index):
            raise ValueError("an exposure mask must be a boolean Series on the index of events")
        rows = exposure.to_numpy()
        if (rows & (events["event"] == outcome).to_numpy()).any():
            raise ValueError(f"the exposure mask marks {outcome!r} events, the outcome itself")
        return rows
    names = [exposure] if isinstance(exposure, str) else list(exposure)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"exposure must be an event name, a non-empty list of event names or a boolean mask, got {exposure!r}")
    if outcome in names:
        raise ValueError(f"the outcome {outcome!r} is also an exposure event; exposure was {names}")
    return events["event"].isin(names).to_numpy()


def social_visits(events: pd.DataFrame) -> pd.Series:
    """The events that start a visit from social media: an exposure mask for :func:`engaged_vs_not`.

    A row is a social visit when it is a session's first event (by ``session_key``, else
    the person's first event of the day) and its ``source``/``medium`` fall in GA4's
    "Organic Social" or "Paid Social" channel group: the person clicked through from a post
    or an ad.
    """
    channel = default_channel_group(events["source"], events["medium"])
    social = channel.isin(SOCIAL_CHANNELS).to_numpy()
    visit = events["session_key"] if "session_key" in events.columns and events["session_key"].notna().any() else (
        events["user_key"].astype("str") + events["occurred_at"].dt.strftime("|%Y-%m-%d"))
    first = events["occurred_at"].groupby(visit.to_numpy()).transform("min").to_numpy() == events["occurred_at"].to_numpy()
    return pd.Series(social & first, index=events.index, name="social_visit")


def _prior_bin(counts: pd.Series) -> pd.Series:
    labels = pd.Series(pd.NA, index=counts.index, dtype="str")
    for label, low, high in PRIOR_ACTIVITY_BINS:
        inside = (counts >= low) if high is None else counts.between(low, high)
        labels = labels.mask(inside, label)
    return labels


def people_for_comparison(
    events: pd.DataFrame,
    *,
    exposure: str | Sequence[str] | pd.Series,
    outcome: str,
    window: str | pd.Timedelta = "7D",
    strata: str | None = "prior_activity",
    unexposed_index: str = "first_event",
    seed: int = 0,
) -> pd.DataFrame:
    """One row per person: index time, exposed, outcome in the window, prior activity, stratum.

    Parameters
    ----------
    events
        The ``events`` table (at least ``occurred_at``, ``user_key``, ``event``;
        ``session_key`` for ``strata="prior_sessions"``).
    exposure
        The engagement event name(s), or a boolean mask over the rows of ``events``
        (e.g. :func:`social_visits`).
    outcome
        The outcome event name; must not be one of the exposure events.
    window
        How long after the index time an outcome counts (a pandas Timedelta string).
    strata
        ``"prior_activity"``, ``"prior_sessions"``, a column of ``events``, or None.
    unexposed_index
        ``"first_event"`` or ``"random_event"``: the unexposed person's index time.
    seed
        Seed of the draw for ``unexposed_index="random_event"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``user_key``, ``index_at``, ``exposed``, ``had_outcome``,
        ``outcome_before_index``, ``prior_events``, ``prior_sessions`` (NA without
        ``session_key``), ``follow_up_complete`` (the window ends at or before the
        last event of the table), ``stratum`` (``str``; NA when ``strata`` is None).
        People with ``outcome_before_index`` are kept here; :func:`engaged_vs_not`
        leaves them out.
    """
    if not isinstance(outcome, str) or not outcome:
        raise ValueError(f"outcome must be an event name, got {outcome!r}")
    missing = [c for c in _NEEDED if c not in events.columns]
    if missing:
        raise ValueError(f"events lacks the column(s) {missing}; needed: {list(_NEEDED)}")
    try:
        span = pd.Timedelta(window)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"window must be a positive duration such as '7D' or '1D', got {window!r}") from exc
    if not span > pd.Timedelta(0):
        raise ValueError(f"window must be a positive duration such as '7D' or '1D', got {window!r}")
    if unexposed_index not in _UNEXPOSED_INDEX:
        raise ValueError(f"unknown unexposed_index {unexposed_index!r}; allowed: {list(_UNEXPOSED_INDEX)}")
    if strata is not None and strata not in _PRIOR and strata not in events.columns:
        allowed = list(_PRIOR) + [c for c in events.columns if c not in ("occurred_at", "user_key", "value")]
        raise ValueError(f"unknown strata {strata!r}; allowed: None, {allowed}")
    if strata == "prior_sessions" and "session_key" not in events.columns:
        raise ValueError("strata='prior_sessions' needs a session_key column in events")

    exposed_rows = _exposure_rows(events, exposure, outcome)
    keep = [c for c in dict.fromkeys([*_NEEDED, "session_key", strata]) if c in events.columns]
    ev = events[keep].assign(_exposure=exposed_rows).dropna(subset=["occurred_at", "user_key"])
    ev = ev.sort_values(["user_key", "occurred_at"], kind="stable").reset_index(drop=True)
    firsts = ev.drop_duplicates("user_key", keep="first").set_index("user_key")
    people = pd.DataFrame(index=firsts.index)
    first_exposure = ev.loc[ev["_exposure"]].groupby("user_key")["occurred_at"].min()
    people["exposed"] = people.index.isin(first_exposure.index)
    if unexposed_index == "first_event":
        unexposed_at = firsts["occurred_at"]
    else:
        order = ev.groupby("user_key").cumcount()
        sizes = ev.groupby("user_key").size().reindex(people.index)
        draws = np.random.default_rng(seed).random(len(sizes))
        pick = pd.Series(np.floor(draws * sizes.to_numpy()).astype("int64"), index=people.index)
        picked = ev[["user_key"]].join(pick.rename("pick"), on="user_key")["pick"]
        chosen = ev.loc[order.to_numpy() == picked.to_numpy()]
        unexposed_at = chosen.set_index("user_key")["occurred_at"].reindex(people.index)
    people["index_at"] = first_exposure.reindex(people.index).fillna(unexposed_at)

    at = ev[["user_key"]].join(people["index_at"], on="user_key")["index_at"]
    is_outcome = ev["event"] == outcome
    before = ev["occurred_at"] < at
    inside = ev["occurred_at"].ge(at) & ev["occurred_at"].le(at + span)
    people["had_outcome"] = (is_outcome & inside).groupby(ev["user_key"]).any().reindex(people.index)
    people["outcome_before_index"] = (is_outcome & before).groupby(ev["user_key"]).any().reindex(people.index)
    people["prior_events"] = before.groupby(ev["user_key"]).sum().reindex(people.index).astype("int64")
    if "session_key" in ev.columns:
        prior_sessions = ev.loc[before].groupby("user_key")["session_key"].nunique()
        people["prior_sessions"] = prior_sessions.reindex(people.index, fill_value=0).astype("Int64")
    else:
        people["prior_sessions"] = pd.array([pd.NA] * len(people), dtype="Int64")
    last = ev["occurred_at"].max()
    people["follow_up_complete"] = (people["index_at"] + span) <= last
    if strata is None:
        people["stratum"] = pd.Series(pd.NA, index=people.index, dtype="str")
    elif strata in _PRIOR:
        people["stratum"] = _prior_bin(people[_PRIOR[strata]].astype("int64"))
    else:
        people["stratum"] = firsts[strata].astype("str").fillna("(missing)")
    people = people.reset_index()
    return people[["user_key", "index_at", "exposed", "had_outcome", "outcome_before_index",
                   "prior_events", "prior_sessions", "follow_up_complete", "stratum"]]


def strata_table(people: pd.DataFrame) -> pd.DataFrame:
    """The 2x2 counts of each stratum, and the risks.

    Parameters
    ----------
    people
        One row per person with boolean ``exposed`` and ``had_outcome`` and a
        ``stratum`` (as :func:`people_for_comparison` returns, or built by hand).

    Returns
    -------
    pandas.DataFrame
        One row per stratum: ``stratum``, ``n_exposed``, ``n_unexposed``,
        ``outcomes_exposed``, ``outcomes_unexposed``, ``risk_exposed``,
        ``risk_unexposed`` (NaN where a group is empty).
    """
    p = people.assign(stratum=people["stratum"].astype("str").fillna("(all)"),
                      exposed=people["exposed"].astype(bool), had_outcome=people["had_outcome"].astype(bool))
    g = p.groupby("stratum", sort=True)
    out = pd.DataFrame({
        "n_exposed": g["exposed"].sum(),
        "n_unexposed": g["exposed"].count() - g["exposed"].sum(),
        "outcomes_exposed": (p["exposed"] & p["had_outcome"]).groupby(p["stratum"]).sum(),
        "outcomes_unexposed": (~p["exposed"] & p["had_outcome"]).groupby(p["stratum"]).sum(),
    }).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["risk_exposed"] = out["outcomes_exposed"] / out["n_exposed"].where(out["n_exposed"] > 0)
        out["risk_unexposed"] = out["outcomes_unexposed"] / out["n_unexposed"].where(out["n_unexposed"] > 0)
    return out.reset_index()


def _wilson(x: float, n: float, z: float) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _row(measure: str, estimate: float, low: float, high: float, p: float, counts: tuple[int, int, int, int],
         method: str, note: str) -> dict:
    a, n1, c, n0 = counts
    return dict(zip(RESULT_COLUMNS, [measure, estimate, low, high, p, n1, n0, a, c, method, note]))


def _crude(a: int, n1: int, c: int, n0: int, z: float) -> list[dict]:
    b, d = n1 - a, n0 - c
    counts = (a, n1, c, n0)
    cells = np.array([a, b, c, d], dtype=float)
    note = ""
    if (cells == 0).any():
        cells = cells + 0.5
        note = "a zero cell: 0.5 added to every cell for the ratio's estimate, interval and test"
    aa, bb, cc, dd = cells
    rr = (aa / (aa + bb)) / (cc / (cc + dd))
    se = np.sqrt(1 / aa - 1 / (aa + bb) + 1 / cc - 1 / (cc + dd))
    rr_p = 2 * stats.norm.sf(abs(np.log(rr)) / se)
    rows = [_row("risk ratio", rr, rr * np.exp(-z * se), rr * np.exp(z * se), rr_p, counts,
                 "Katz log-normal interval; Wald test of log RR", note)]
    p1, p0 = a / n1, c / n0
    l1, u1 = _wilson(a, n1, z)
    l0, u0 = _wilson(c, n0, z)
    rd = p1 - p0
    low = rd - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = rd + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    pooled = (a + c) / (n1 + n0)
    if 0 < pooled < 1:
        chi2 = (rd ** 2) / (pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        rd_p = stats.chi2.sf(chi2, 1)
    else:
        rd_p = np.nan
    rows.append(_row("risk difference", rd, low, high, rd_p, counts,
                     "Newcombe hybrid score interval; Pearson chi-square test", ""))
    return rows


def _stratified(tables: pd.DataFrame, z: float, note: str) -> list[dict]:
    a = tables["outcomes_exposed"].to_numpy(float)
    n1 = tables["n_exposed"].to_numpy(float)
    c = tables["outcomes_unexposed"].to_numpy(float)
    n0 = tables["n_unexposed"].to_numpy(float)
    b, d, n = n1 - a, n0 - c, n1 + n0
    counts = (int(a.sum()), int(n1.sum()), int(c.sum()), int(n0.sum()))
    nan = np.nan
    r, s = np.sum(a * n0 / n), np.sum(c * n1 / n)
    if r > 0 and s > 0:
        rr = r / s
        var = np.sum((n1 * n0 * (a + c) - a * c * n) / n ** 2) / (r * s)
        se = np.sqrt(var)
        rr_row = _row("Mantel-Haenszel risk ratio", rr, rr * np.exp(-z * se), rr * np.exp(z * se),
                      2 * stats.norm.sf(abs(np.log(rr)) / se), counts,
                      "Mantel-Haenszel; Greenland-Robins variance of log RR; Wald test", note)
    else:
        rr_row = _row("Mantel-Haenszel risk ratio", nan, nan, nan, nan, counts,
                      "Mantel-Haenszel; Greenland-Robins variance of log RR; Wald test",
                      "; ".join(filter(None, [note, "no outcomes in the exposed or in the unexposed of the strata "
                                                    "used: the pooled ratio is undefined"])))
    w = n1 * n0 / n
    rd = np.sum(w * (a / n1 - c / n0)) / w.sum()
    var = np.sum((a * b * n0 ** 3 + c * d * n1 ** 3) / (n1 * n0 * n ** 2)) / w.sum() ** 2
    se = np.sqrt(var)
    rd_p = 2 * stats.norm.sf(abs(rd) / se) if se > 0 else nan
    rows = [rr_row, _row("Mantel-Haenszel risk difference", rd, rd - z * se, rd + z * se, rd_p, counts,
                         "Mantel-Haenszel weights n1*n0/N; Greenland-Robins variance; Wald test", note)]
    m1 = a + c
    expected = n1 * m1 / n
    variance = np.where(n > 1, n1 * n0 * m1 * (n - m1) / (n ** 2 * (n - 1)), 0.0)
    if variance.sum() > 0:
        cmh = (a.sum() - expected.sum()) ** 2 / variance.sum()
        rows.append(_row("CMH test", cmh, nan, nan, stats.chi2.sf(cmh, 1), counts,
                         "Cochran-Mantel-Haenszel chi-square, 1 df, no continuity correction", note))
    else:
        rows.append(_row("CMH test", nan, nan, nan, nan, counts,
                         "Cochran-Mantel-Haenszel chi-square, 1 df, no continuity correction",
                         "; ".join(filter(None, [note, "no variation in the outcome within the strata used"]))))
    return rows


def _frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=list(RESULT_COLUMNS)).astype(_DTYPES)
    out.attrs["caveat"] = SELECTION_BIAS_CAVEAT
    return out


def _all_nan(measures: list[str], counts: tuple[int, int, int, int], reason: str) -> list[dict]:
    nan = np.nan
    return [_row(m, nan, nan, nan, nan, counts, "", reason) for m in measures]


def compare_risks(
    people: pd.DataFrame,
    *,
    stratified: bool = True,
    min_stratum: int = 10,
    confidence: float = 0.95,
    strata_name: str = "stratum",
) -> pd.DataFrame:
    """Crude (and stratified) risk ratio and risk difference of the exposed against the unexposed.

    Parameters
    ----------
    people
        One row per person: boolean ``exposed``, ``had_outcome``, and ``stratum``
        when ``stratified``.
    stratified
        Add the Mantel-Haenszel rows and the CMH test.
    min_stratum
        Strata with fewer people are left out of the stratified rows.
    confidence
        Level of the intervals.
    strata_name
        What the strata are, for ``note``.

    Returns
    -------
    pandas.DataFrame
        The columns :data:`RESULT_COLUMNS`, one row per measure; ``attrs["caveat"]``
        holds :data:`SELECTION_BIAS_CAVEAT`.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    if min_stratum < 1:
        raise ValueError(f"min_stratum must be at least 1, got {min_stratum!r}")
    z = stats.norm.ppf(0.5 + confidence / 2)
    exposed = people["exposed"].astype(bool)
    had = people["had_outcome"].astype(bool)
    a, n1 = int((exposed & had).sum()), int(exposed.sum())
    c, n0 = int((~exposed & had).sum()), int((~exposed).sum())
    crude_measures, strat_measures = list(_CRUDE), list(_STRATIFIED)
    reason = ""
    if n1 == 0:
        reason = "no exposed people: nobody did the exposure event(s)"
    elif n0 == 0:
        reason = "no unexposed people: everybody did the exposure event(s)"
    elif a + c == 0:
        reason = "the outcome never happens (in the window) for anybody: no risk to compare"
    if reason:
        warnings.warn(f"engaged_vs_not: {reason}", UserWarning, stacklevel=3)
        rows = _all_nan(crude_measures + (strat_measures if stratified else []), (a, n1, c, n0), reason)
    else:
        rows = _crude(a, n1, c, n0, z)
        if stratified:
            tables = strata_table(people)
            small = tables["n_exposed"] + tables["n_unexposed"] < min_stratum
            one_sided = (tables["n_exposed"] == 0) | (tables["n_unexposed"] == 0)
            used = tables.loc[~small & ~one_sided]
            dropped = [f"{s} (fewer than {min_stratum} people)" for s in tables.loc[small, "stratum"]]
            dropped += [f"{s} (no exposed or no unexposed)" for s in tables.loc[~small & one_sided, "stratum"]]
            note = f"strata: {strata_name}, {len(used)} of {len(tables)} used"
            if dropped:
                note += "; left out: " + ", ".join(dropped)
            if used.empty:
                reason = f"no stratum of {strata_name} has both exposed and unexposed people and {min_stratum}+ people"
                warnings.warn(f"engaged_vs_not: {reason}", UserWarning, stacklevel=3)
                rows += _all_nan(strat_measures, (0, 0, 0, 0), "; ".join([note, reason]))
            else:
                rows += _stratified(used, z, note)
    return _frame(rows)


def engaged_vs_not(
    events: pd.DataFrame,
    *,
    exposure: str | Sequence[str] | pd.Series,
    outcome: str,
    window: str | pd.Timedelta = "7D",
    strata: str | None = "prior_activity",
    min_stratum: int = 10,
    confidence: float = 0.95,
    unexposed_index: str = "first_event",
    seed: int = 0,
) -> pd.DataFrame:
    """Risk of an outcome event among people who engaged against people who did not.

    See the module's docstring for the definitions (index time, window, strata,
    zero cells). People who had the outcome before their index time are left out.

    Parameters
    ----------
    events
        The ``events`` table.
    exposure
        The engagement event name(s), e.g. ``"comment"`` or ``["click", "form_start"]``,
        or a boolean mask over the rows of ``events`` (e.g. :func:`social_visits`).
    outcome
        The outcome event name, e.g. ``"sign_up"``.
    window
        An outcome counts if it happens within this long after the index time.
    strata
        ``"prior_activity"`` (events before the index time, binned 0/1/2-4/5+),
        ``"prior_sessions"``, a column of ``events`` (its value on the person's
        first event), or None for the crude rows only.
    min_stratum
        Strata with fewer people are left out of the stratified rows.
    confidence
        Level of the intervals.
    unexposed_index
        The unexposed person's index time: ``"first_event"`` (default) or
        ``"random_event"`` (one of their events drawn at random with ``seed``,
        so that their prior activity is not 0 by construction).
    seed
        Seed of that draw.

    Returns
    -------
    pandas.DataFrame
        One row per measure with the columns :data:`RESULT_COLUMNS`: the crude
        ``risk ratio`` and ``risk difference``, then (with strata) the
        ``Mantel-Haenszel risk ratio``, ``Mantel-Haenszel risk difference`` and
        ``CMH test`` side by side. ``attrs["caveat"]`` holds
        :data:`SELECTION_BIAS_CAVEAT`. The crude rows' ``note`` counts the people
        left out for having the outcome before their index time, and those whose
        window ends after the last event of the table (their outcome may be missed).
    """
    people = people_for_comparison(events, exposure=exposure, outcome=outcome, window=window, strata=strata,
                                   unexposed_index=unexposed_index, seed=seed)
    prior = people["outcome_before_index"].astype(bool)
    if not events["event"].eq(outcome).any():
        reason = f"the outcome event {outcome!r} never occurs in events"
        warnings.warn(f"engaged_vs_not: {reason}", UserWarning, stacklevel=2)
        measures = list(_CRUDE) + (list(_STRATIFIED) if strata is not None else [])
        n1 = int(people["exposed"].sum())
        return _frame(_all_nan(measures, (0, n1, 0, len(people) - n1), reason))
    result = compare_risks(people.loc[~prior], stratified=strata is not None, min_stratum=min_stratum,
                           confidence=confidence, strata_name=str(strata))
    extras = []
    if prior.any():
        extras.append(f"{int(prior.sum())} people left out: outcome before their index time")
    incomplete = int((~people.loc[~prior, "follow_up_complete"]).sum())
    if incomplete:
        extras.append(f"{incomplete} people's window ends after the last event in the data")
    if extras:
        crude = result["measure"].isin(_CRUDE)
        result.loc[crude, "note"] = [
            "; ".join(filter(None, [n, *extras])) for n in result.loc[crude, "note"]
        ]
    result.attrs["caveat"] = SELECTION_BIAS_CAVEAT
    return result
