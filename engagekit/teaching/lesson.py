"""The lesson "Engagement is a result, not a goal": demonstrations and answer checks.

Notebook ``00_engagement_is_a_result.ipynb`` teaches why vanity metrics mislead,
for readers who know spreadsheets but not statistics. What it shows that needs
more than one call into engagekit lives here, each a small function returning a
tidy frame:

* :func:`trend_trap_table`: the raw weekly correlation of two trending series
  beside the same-day correlation once trend and weekday are removed;
* :func:`chance_findings`, :func:`chance_summary` (drawn by :func:`engagekit.report.plots.chance_findings`):
  20 metrics of pure noise tested at 15 lags each against a KPI of pure noise,
  with and without the Benjamini-Hochberg correction;
* :func:`simulate_commenters`, :func:`comment_risk_ratios`: people whose hidden
  interest makes them both comment and buy, while commenting itself does nothing;
* :func:`check_answer`: the exercises' checks, right or wrong with a hint (never
  the answer), or "not answered yet".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from engagekit.analyses.evidence.correlate import LaggedCorrelation, raw_correlation
from engagekit.teaching.recovery import planted_truth
from engagekit.teaching.sample_truth import DRIVER_METRICS
from engagekit.core.text import wrap_text
from engagekit.analyses.user_level import engaged_vs_not

__all__ = [
    "chance_findings",
    "chance_summary",
    "Check",
    "check_answer",
    "comment_risk_ratios",
    "EXERCISES",
    "INTEREST",
    "planted_leads",
    "read_truth",
    "simulate_commenters",
    "trend_trap_table",
    "TRUE_RISK_RATIO",
]

#: The risk ratio of buying for commenters against the others that commenting itself causes in
#: :func:`simulate_commenters`: none (1 means the same risk).
TRUE_RISK_RATIO = 1.0

#: What each exercise asks, by the name :func:`check_answer` takes.
EXERCISES: dict[str, str] = {
    "trend_trap": "Is the raw weekly correlation of likes and sign-ups evidence that likes bring sign-ups? (a, b, c or d)",
    "lag": 'Which metric leads sign-ups, and after how many days? ("metric", days), or "none"',
    "chance_findings": "Of the 300 tests of pure noise, how many have p < 0.05, and how many q < 0.05? (two numbers)",
    "selection_bias": "What is the risk ratio of buying, commenters against the others, once interest is accounted for?",
}


# --------------------------------------------------------------------------- the trend trap


def trend_trap_table(metric: pd.Series, kpi: pd.Series, *, freq: str = "W", seed: int = 0) -> pd.DataFrame:
    """The raw correlation of two series next to the honest one.

    Parameters
    ----------
    metric, kpi
        Daily series on the same date index (e.g. likes and sign-ups).
    freq
        The period the raw correlation sums both series over (``"W"``: weekly totals).
    seed
        Seed of the bootstrap interval of the honest correlation.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``comparison`` "raw weekly totals" (:func:`engagekit.raw_correlation`) and
        "daily, trend and weekday removed, same day" (:class:`engagekit.LaggedCorrelation`
        at lag 0), with ``r``, ``ci_low``, ``ci_high``, ``p_value`` and ``n`` (weeks or days).
    """
    raw = raw_correlation(metric, kpi, freq=freq)
    honest = LaggedCorrelation(max_lag=0, seed=seed)(metric.to_frame(metric.name or "metric"), kpi)
    label = {"W": "raw weekly totals", "D": "raw daily values"}.get(freq, f"raw totals per {freq}")
    rows = [
        [label, *raw.loc[0, ["r", "ci_low", "ci_high", "p_value", "n"]]],
        ["daily, trend and weekday removed, same day", *honest.loc[0, ["r", "ci_low", "ci_high", "p_value", "n"]]],
    ]
    frame = pd.DataFrame(rows, columns=["comparison", "r", "ci_low", "ci_high", "p_value", "n"])
    return frame.astype({"comparison": "str", "r": "float64", "ci_low": "float64", "ci_high": "float64",
                         "p_value": "float64", "n": "int64"})


# --------------------------------------------------------------------------- many metrics x many lags


def chance_findings(
    n_metrics: int = 20,
    *,
    max_lag: int = 14,
    days: int = 365,
    seed: int = 0,
    alpha: float = 0.05,
    n_boot: int = 200,
) -> pd.DataFrame:
    """Test metrics of pure noise against a KPI of pure noise at every lag: the findings are all chance.

    Each metric is a Poisson count with mean 50 a day, the KPI a Poisson count with mean
    10 a day, all independent: nothing leads anything. Every metric is tested at lags
    0..``max_lag`` as notebook 03 tests real metrics (:class:`engagekit.LaggedCorrelation`:
    detrended, pre-whitened, Benjamini-Hochberg q-values over all the tests).

    Parameters
    ----------
    n_metrics
        How many noise metrics (named ``metric_01``, ``metric_02``, ...).
    max_lag
        Largest lag in days; each metric gets ``max_lag + 1`` tests.
    days
        Length of the daily series (from 2025-01-01).
    seed
        Seed of :func:`numpy.random.default_rng` and of the bootstrap.
    alpha
        The significance level and the false discovery rate.
    n_boot
        Bootstrap resamples of the intervals (not used by the counts).

    Returns
    -------
    pandas.DataFrame
        One row per test: ``metric``, ``lag``, ``r``, ``p_value``, ``q_value``,
        ``significant`` (p < ``alpha``: a finding without correction) and ``survives``
        (q < ``alpha``: a finding after the correction).
    """
    if n_metrics < 1 or max_lag < 0 or days < 10:
        raise ValueError(f"need n_metrics >= 1, max_lag >= 0 and days >= 10, got {n_metrics}, {max_lag}, {days}")
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-01-01", periods=days, freq="D")
    width = len(str(n_metrics))
    metrics = pd.DataFrame(rng.poisson(50.0, size=(days, n_metrics)), index=index,
                           columns=[f"metric_{i + 1:0{max(width, 2)}d}" for i in range(n_metrics)])
    kpi = pd.Series(rng.poisson(10.0, size=days), index=index, name="kpi")
    table = LaggedCorrelation(max_lag=max_lag, n_boot=n_boot, seed=seed)(metrics, kpi)
    out = table[["metric", "lag", "r", "p_value", "q_value"]].copy()
    out["significant"] = out["p_value"] < alpha
    out["survives"] = out["q_value"] < alpha
    return out


def chance_summary(findings: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """How many of the tests in ``findings`` (from :func:`chance_findings`) are findings, by rule.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``rule`` "without correction (p < alpha)" and "Benjamini-Hochberg
        (q < alpha)", with ``tests``, ``findings`` and ``expected_by_chance`` (the share
        ``alpha`` of the tests for the first rule; for the second, the correction keeps
        the chance of even one false finding among pure noise at ``alpha``, so about 0).
    """
    tests = len(findings)
    rows = [
        [f"without correction (p < {alpha:g})", tests, int((findings["p_value"] < alpha).sum()), alpha * tests],
        [f"Benjamini-Hochberg (q < {alpha:g})", tests, int((findings["q_value"] < alpha).sum()), 0.0],
    ]
    return pd.DataFrame(rows, columns=["rule", "tests", "findings", "expected_by_chance"]).astype(
        {"rule": "str", "tests": "int64", "findings": "int64", "expected_by_chance": "float64"})


# --------------------------------------------------------------------------- people who comment buy more

#: Hidden interest levels of :func:`simulate_commenters`: share of people, chance to comment, chance to
#: buy, mean visits in the 90 days before.
INTEREST = pd.DataFrame(
    {"share": [0.6, 0.3, 0.1], "comment": [0.03, 0.10, 0.30], "buy": [0.02, 0.06, 0.18], "visits": [0.5, 2.0, 5.0]},
    index=pd.Index(["low", "medium", "high"], name="interest"),
)


def _visit_bins(visits: np.ndarray) -> np.ndarray:
    return np.select([visits == 0, visits == 1, visits <= 4], ["0", "1", "2-4"], "5+")


def simulate_commenters(n_people: int = 50_000, *, seed: int = 0) -> pd.DataFrame:
    """Website events of people whose interest drives both commenting and buying; commenting does nothing.

    Each person has a hidden ``interest`` (low 60%, medium 30%, high 10%). The more
    interested comment more (3%, 10%, 30%), buy more (2%, 6%, 18%) and visited more in
    the 90 days before (Poisson means 0.5, 2, 5; :data:`INTEREST`). Whether a person
    buys does not depend on whether they comment: the true risk ratio is
    :data:`TRUE_RISK_RATIO`.

    Each person has a ``page_view`` at a time in June 2025, a ``comment`` 10 minutes
    later if they comment, and a ``purchase`` 1 to 20 hours after the page view if they buy.

    Parameters
    ----------
    n_people
        How many people.
    seed
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    pandas.DataFrame
        The canonical ``events`` columns (``occurred_at`` UTC, ``user_key``,
        ``session_key``, ``event``, ``source``, ``medium``, ``campaign``, ``content``,
        ``value``) and two columns a real export would not have: ``prior_visits`` (the
        measured visits before, binned ``0``, ``1``, ``2-4``, ``5+``) and ``interest``
        (hidden: only a simulation knows it).
    """
    if n_people < 1:
        raise ValueError(f"n_people must be at least 1, got {n_people}")
    rng = np.random.default_rng(seed)
    level = rng.choice(len(INTEREST), size=n_people, p=INTEREST["share"].to_numpy())
    visits = rng.poisson(INTEREST["visits"].to_numpy()[level])
    comments = rng.random(n_people) < INTEREST["comment"].to_numpy()[level]
    buys = rng.random(n_people) < INTEREST["buy"].to_numpy()[level]
    start = pd.Timestamp("2025-06-01", tz="UTC")
    seen = start + pd.to_timedelta(rng.integers(0, 30 * 24 * 60, size=n_people), unit="min")
    bought = seen + pd.to_timedelta(rng.integers(60, 20 * 60 + 1, size=n_people), unit="min")
    people = pd.DataFrame({"user_key": [f"person_{i:06d}" for i in range(n_people)],
                           "prior_visits": _visit_bins(visits), "interest": INTEREST.index.to_numpy()[level]})
    parts = [
        people.assign(occurred_at=seen, event="page_view", value=np.nan),
        people.loc[comments].assign(occurred_at=seen[comments] + pd.Timedelta(minutes=10), event="comment", value=np.nan),
        people.loc[buys].assign(occurred_at=bought[buys], event="purchase", value=30.0),
    ]
    events = pd.concat(parts, ignore_index=True).sort_values(["occurred_at", "user_key"], kind="stable")
    events["session_key"] = events["user_key"] + "_1"
    events["source"], events["medium"] = "brightpaw.example", "referral"
    events["campaign"] = pd.Series(pd.NA, index=events.index, dtype="str")
    events["content"] = pd.Series(pd.NA, index=events.index, dtype="str")
    events["occurred_at"] = events["occurred_at"].astype("datetime64[us, UTC]")
    columns = ["occurred_at", "user_key", "session_key", "event", "source", "medium", "campaign", "content", "value",
               "prior_visits", "interest"]
    return events[columns].reset_index(drop=True).astype(
        {"user_key": "str", "session_key": "str", "event": "str", "source": "str", "medium": "str",
         "value": "Float64", "prior_visits": "str", "interest": "str"})


_STRATA_LABELS = {"prior_visits": "the same prior visits (measured)",
                  "interest": "the same interest (hidden: only a simulation knows it)"}


def comment_risk_ratios(events: pd.DataFrame, *, strata: Sequence[str] = ("prior_visits",)) -> pd.DataFrame:
    """Risk ratio of buying, people who commented against those who did not: everyone, then within groups.

    Calls :func:`engagekit.engaged_vs_not` (exposure ``comment``, outcome ``purchase``,
    within a day) once for the crude ratio and once per column of ``strata`` (its
    Mantel-Haenszel ratio compares people within the same group only).

    Parameters
    ----------
    events
        Events as :func:`simulate_commenters` returns them.
    strata
        Columns of ``events`` to compare within (``"prior_visits"``, ``"interest"``).

    Returns
    -------
    pandas.DataFrame
        One row per comparison: ``comparison`` ("everyone", "within groups of ..."),
        ``risk_ratio`` (1: the same chance to buy; 2: twice the chance), ``ci_low``,
        ``ci_high`` (95% interval), ``commenters``, ``commenters_who_bought``,
        ``others``, ``others_who_bought``.
    """
    def one(frame: pd.DataFrame, measure: str, label: str) -> list:
        row = frame.set_index("measure").loc[measure]
        return [label, row["estimate"], row["ci_low"], row["ci_high"], row["n_exposed"], row["outcomes_exposed"],
                row["n_unexposed"], row["outcomes_unexposed"]]

    options = {"exposure": "comment", "outcome": "purchase", "window": "1D"}
    rows = [one(engaged_vs_not(events, strata=None, **options), "risk ratio", "everyone")]
    for column in strata:
        result = engaged_vs_not(events, strata=column, **options)
        rows.append(one(result, "Mantel-Haenszel risk ratio", f"within groups of {_STRATA_LABELS.get(column, column)}"))
    frame = pd.DataFrame(rows, columns=["comparison", "risk_ratio", "ci_low", "ci_high", "commenters",
                                        "commenters_who_bought", "others", "others_who_bought"])
    return frame.astype({"comparison": "str", "risk_ratio": "float64", "ci_low": "float64", "ci_high": "float64",
                         "commenters": "int64", "commenters_who_bought": "int64", "others": "int64",
                         "others_who_bought": "int64"})


# --------------------------------------------------------------------------- a sample client's truth


def read_truth(truth: str | Path | Mapping) -> Mapping:
    """A sample client's parsed ``truth.yml``, from the client folder, the file, or the mapping itself."""
    if isinstance(truth, Mapping):
        return truth
    path = Path(truth)
    path = path / "truth.yml" if path.is_dir() else path
    if not path.is_file():
        raise FileNotFoundError(f"no truth.yml at {path}: only a sample client (engagekit sample) has one")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def planted_leads(truth: str | Path | Mapping, *, outcome: str = "registration") -> list[tuple[str, int]]:
    """The ``(metric, lag_days)`` pairs truth.yml plants as leading ``outcome``, in its order (empty: none)."""
    return list(planted_truth(read_truth(truth), outcome=outcome)[0].items())


# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True, repr=False)
class Check:
    """The result of checking an answer: ``status`` is "right", "wrong" or "not answered"; ``message`` says why.

    Shown in a notebook, it is its message, wrapped between words (:func:`engagekit.core.text.wrap_text`).
    """

    exercise: str
    status: str
    message: str

    @property
    def right(self) -> bool:
        return self.status == "right"

    def __repr__(self) -> str:
        return self.message

    __str__ = __repr__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How IPython shows the result of a notebook cell: the message in lines that break between words."""
        printer.text(wrap_text(self.message))


_ALIASES = {
    "like": "reactions", "likes": "reactions", "reaction": "reactions",
    "comment": "comments", "replies": "comments", "reply": "comments",
    "share": "shares", "retweets": "shares", "retweet": "shares", "reposts": "shares",
    "click": "link_clicks", "clicks": "link_clicks", "link_click": "link_clicks", "url_clicks": "link_clicks",
}
_NONE_WORDS = {"none", "no", "nothing", "no metric", "no_metric"}


def _metric_name(text: str) -> str:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(key, key)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    return int(value) if float(value).is_integer() else None


def _lag_pairs(answer: Any) -> list[tuple[str, int]] | None:
    """The answer as (metric, days) pairs ([] for "none"), or None when it has another shape."""
    if isinstance(answer, str):
        return [] if answer.strip().lower() in _NONE_WORDS else None
    if isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[0], str):
        answer = [answer]
    if not isinstance(answer, (list, tuple)):
        return None
    pairs = []
    for item in answer:
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str)):
            return None
        days = _whole_number(item[1])
        if days is None:
            return None
        pairs.append((_metric_name(item[0]), days))
    return pairs


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _check_trend_trap(answer: Any, context: Mapping) -> tuple[bool, str]:
    choice = str(answer).strip().lower().rstrip(")").strip()
    hints = {
        "a": "p < 0.05 only says the correlation is unlikely to be exactly zero; it does not say why the two move "
             "together. Look at the left panel again: what do both series do over the year?",
        "c": "The size of r is not the problem. Ask where the correlation comes from, and what is left of it in the "
             "right panel, once the trend is removed.",
        "d": "Too strong: a correlation of series with the trend removed, with the metric coming first, is evidence "
             "(of timing) and the next section uses one.",
    }
    if choice == "b":
        return True, ("Right: both series grow with the audience over the year, and any two growing series correlate. "
                      "Only what is left after removing the trend can be evidence.")
    return False, hints.get(choice, 'Answer with one letter: "a", "b", "c" or "d".')


def _check_lag(answer: Any, context: Mapping) -> tuple[bool, str]:
    truth = context.get("truth")
    if truth is None:
        raise ValueError('check_answer("lag", ...) needs truth= (the sample client folder or its truth.yml)')
    expected = set(planted_leads(truth, outcome=context.get("outcome", "registration")))
    pairs = _lag_pairs(answer)
    if pairs is None:
        return False, ('Write the answer as ("metric", days), e.g. ("shares", 3), a list of such pairs if several '
                       'metrics lead, or "none" if no metric leads.')
    unknown = sorted({m for m, _ in pairs} - set(DRIVER_METRICS))
    if unknown:
        return False, f"Unknown metric {', '.join(map(repr, unknown))}: the metrics are {', '.join(DRIVER_METRICS)}."
    given = set(pairs)
    if given == expected:
        if not expected:
            return True, "Right: no metric leads sign-ups here; every raw correlation was the shared trend."
        found = "; ".join(f"{m} lead sign-ups by {_days(d)}" for m, d in sorted(expected))
        return True, f"Right: {found} (this is what truth.yml planted)."
    if not expected:
        return False, ("Hint: a metric leads only where its correlation stands clearly above zero and is circled "
                       "(q < 0.05) in the lagged correlation plot. Is any?")
    if not given:
        return False, "Hint: look again at the lagged correlation plot: one line rises far above the others and is circled."
    right_metrics = {m for m, _ in given} & {m for m, _ in expected}
    if given < expected:
        return False, ("What you wrote is right, but more than one metric leads: look for another line that is "
                       "circled in the lagged correlation plot.")
    if right_metrics and all((m, d) not in expected for m, d in given if m in right_metrics):
        return False, ("The metric is right, the number of days is not: read the lag (the x axis) where its line "
                       "is highest.")
    return False, ("Hint: look for the line that rises far above zero and is circled (q < 0.05); the number of days "
                   "is the lag (the x axis) where it is highest.")


def _check_chance_findings(answer: Any, context: Mapping) -> tuple[bool, str]:
    findings = context.get("findings")
    if findings is None:
        raise ValueError('check_answer("chance_findings", ...) needs findings= (the frame of lesson.chance_findings)')
    alpha = context.get("alpha", 0.05)
    counts = [_whole_number(v) for v in answer] if isinstance(answer, (list, tuple)) and len(answer) == 2 else None
    if counts is None or None in counts:
        return False, "Write two whole numbers: (tests with p < 0.05, tests with q < 0.05), e.g. (7, 2)."
    tests = len(findings)
    uncorrected = int((findings["p_value"] < alpha).sum())
    corrected = int((findings["q_value"] < alpha).sum())
    if counts == [uncorrected, corrected]:
        return True, (f"Right: {uncorrected} of {tests} tests have p < {alpha:g} although every metric is noise (chance "
                      f"alone gives about {alpha:.0%} of {tests} = {alpha * tests:g}); {corrected} "
                      f"{'survives' if corrected == 1 else 'survive'} the Benjamini-Hochberg correction.")
    hints = []
    if counts[0] != uncorrected:
        hints.append(f"the first number is off: count the red dots, those under the dashed line at p = {alpha:g} "
                     "(or run (findings[\"p_value\"] < 0.05).sum())")
    if counts[1] != corrected:
        hints.append("the second number is off: count the dots under the green Benjamini-Hochberg line "
                     "(or run (findings[\"q_value\"] < 0.05).sum())")
    text = "; ".join(hints)
    return False, text[0].upper() + text[1:] + "."


def _check_selection_bias(answer: Any, context: Mapping) -> tuple[bool, str]:
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)) or math.isnan(answer):
        return False, "Write one number, the risk ratio, e.g. 1.7."
    tolerance = context.get("tolerance", 0.2)
    if abs(float(answer) - TRUE_RISK_RATIO) <= tolerance:
        return True, ("Right: about 1. People with the same interest buy equally often whether they comment or not: "
                      "in this simulation commenting does nothing, and the whole gap came from who comments.")
    if float(answer) > TRUE_RISK_RATIO:
        return False, ("Still too high: that gap mixes commenting with interest. Compare people of the same interest, "
                       'e.g. ek.engaged_vs_not(events, exposure="comment", outcome="purchase", window="1D", '
                       'strata="interest"), and read the Mantel-Haenszel risk ratio.')
    return False, ("Too low: below 1 would mean commenting makes people buy less. Compare people of the same interest "
                   "and read the Mantel-Haenszel risk ratio.")


_CHECKS: dict[str, Callable[[Any, Mapping], tuple[bool, str]]] = {
    "trend_trap": _check_trend_trap,
    "lag": _check_lag,
    "chance_findings": _check_chance_findings,
    "selection_bias": _check_selection_bias,
}


def check_answer(
    exercise: str,
    answer: Any,
    *,
    truth: str | Path | Mapping | None = None,
    findings: pd.DataFrame | None = None,
    outcome: str = "registration",
    alpha: float = 0.05,
    tolerance: float = 0.2,
) -> Check:
    """Check a student's answer to one of the lesson's exercises (:data:`EXERCISES`).

    Parameters
    ----------
    exercise
        ``"trend_trap"`` (a letter: is the raw correlation evidence?), ``"lag"`` (``("metric",
        days)``, a list of such pairs, or ``"none"``; checked against the sample client's
        truth.yml, so it holds for any scenario), ``"chance_findings"`` (two counts: p < ``alpha``
        and q < ``alpha``), ``"selection_bias"`` (the risk ratio once interest is accounted for:
        right within ``tolerance`` of :data:`TRUE_RISK_RATIO`).
    answer
        The student's answer; None means not answered yet.
    truth
        For ``"lag"``: the sample client's folder, its truth.yml, or the parsed mapping.
    findings
        For ``"chance_findings"``: the frame of :func:`chance_findings`.
    outcome
        For ``"lag"``: the KPI whose leads count.
    alpha
        For ``"chance_findings"``: the level both counts use.
    tolerance
        For ``"selection_bias"``: how far from the true ratio an answer may be.

    Returns
    -------
    Check
        ``status`` "right", "wrong" (the message gives a hint, never the answer) or
        "not answered"; displayed in a notebook as its message.
    """
    if exercise not in _CHECKS:
        raise ValueError(f"unknown exercise {exercise!r}; the exercises are: {', '.join(_CHECKS)}")
    if answer is None:
        return Check(exercise, "not answered", "Not answered yet: write your answer in the cell above (replace None) "
                                               "and run this cell again.")
    context = {"truth": truth, "findings": findings, "outcome": outcome, "alpha": alpha, "tolerance": tolerance}
    right, message = _CHECKS[exercise](answer, context)
    return Check(exercise, "right" if right else "wrong", message if right else "Not yet. " + message)
