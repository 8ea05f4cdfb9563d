"""Does the verdict recover randomised truths? A simulation study over seeds of two world generators.

    python bench/study_recovery.py [--generator both|sample|study] [--seeds N] [--first 0] [--jobs 2]
                                   [--out PREFIX]

Two generators draw the clients (``--generator both``, the default, runs both):

* ``sample``: for each seed ``s``, :func:`engagekit.teaching.sample_truth.random_truth` draws a truth (no
  driver, one or two among reactions, comments, shares and link clicks; one exact lag of 0 to 7
  days; the drivers cause 15% to 60% of the registrations; a linear trend) and
  :func:`engagekit.teaching.sample.write_sample` writes the client (100 seeds unless ``--seeds``).
* ``study``: :func:`engagekit.teaching.study_world.random_world` draws a post-level, continuous-time world
  (a delay of 0 to 7 days, then exponential decay with a half-life of 0.3 to 3 days; trends that
  bend; registrations or Shopify orders) and :func:`engagekit.teaching.study_world.write_world` writes it
  (200 seeds unless ``--seeds``).

Each client is written in its platforms' native export formats into a fresh temporary folder and
analysed the way notebook 03 does: loaded from its files, daily series by publish day,
``ek.outcome_evidence(engagement[list(DRIVER_METRICS)], ek.kpi_series(dataset, goal), max_lag=7)``;
:func:`engagekit.score_verdicts` sets the verdicts beside the planted truth (``outcome`` = the
client's KPI).

Printed for each generator, with the goals beside them:

* driver recall: a planted driver called "leads to the KPI" within one day of its planted lag
  (the sample's lag, the study world's delay). Overall and by the share of the KPI the driver causes
  (0-5%, 5-10%, 10-20%, 20-40%, 40-60%), by carryover half-life (<=1, 1-2, 2-3 days; study only)
  and by the number of drivers in the world. Goals: at least 90% for drivers causing 10% or more,
  at every half-life up to 3 days and with two drivers; at least 70% for drivers causing 5-10%.
* false-driver rate: noise metrics called a lead, overall, in no-driver worlds and in no-driver
  worlds whose trend bends (a study trend kind other than "linear"), with a count per trend kind.
  Goal: at most 5%.
* interval coverage: among the drivers found, the share whose total-effect interval
  (``effect_ci_low`` to ``effect_ci_high``) covers the planted total effect of one unit (the study's
  ``effect_per_unit``; the sample's one-lag ``effect``, which is also its total). Goal: at least 90%.
* an oracle (study only) on the same worlds: it knows the planted truth and so marks the limit any
  method can reach. Weighted least squares of the daily KPI on the expected baseline and, for each
  planted driver, its exact carryover series per unit (``expected[metric] / effect_per_unit``), rows
  weighted by ``1 / sqrt(mu + mu**2 / kpi_dispersion)`` (the negative binomial's standard deviation,
  ``mu`` the day's expected KPI; inverse-variance weights), Newey-West (HAC) errors. A driver is found
  when its one-sided t exceeds the normal quantile at ``1 - 0.05 / 4`` (Bonferroni over the four
  metrics); its coverage is that of its 95% interval. Recall and coverage are printed as
  "kit vs oracle".
* the Granger tests alone (``evidence.granger["significant"]``): recall and false-driver rate.
* seconds per world (write, load, analyse; median) and the total wall time.
* every missed driver and every false driver.

``--out PREFIX`` writes each generator's scored table (one row per metric and world) to
``PREFIX-sample.csv`` and ``PREFIX-study.csv``.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import statsmodels.api as sm
import yaml
from scipy import stats

import engagekit as ek
from engagekit.analyses.evidence.carryover import newey_west_maxlags
from engagekit.teaching import score_verdicts, write_sample
from engagekit.teaching.sample_truth import TYPICAL_DAILY, SampleTruth, random_truth
from engagekit.teaching.study_world import DRIVER_METRICS, StudyWorld, random_world, write_world

GENERATORS = ("sample", "study")
DEFAULT_SEEDS = {"sample": 100, "study": 200}
MAX_LAG = 7
FOUND = "found"

GOAL_RECALL = 0.90  # drivers causing >= 10% of the KPI, at every half-life up to 3 days, with two drivers
GOAL_RECALL_SMALL = 0.70  # drivers causing 5% to 10%
GOAL_FALSE_DRIVERS = 0.05
GOAL_COVERAGE = 0.90
LARGE_SHARE = 0.10  # the share of the KPI from which the 90% recall goal holds

SHARE_EDGES = (0.0, 0.05, 0.10, 0.20, 0.40, 0.60)
SHARE_LABELS = ("0-5%", "5-10%", "10-20%", "20-40%", "40-60%")
SHARE_GOALS = {"5-10%": GOAL_RECALL_SMALL, "10-20%": GOAL_RECALL, "20-40%": GOAL_RECALL, "40-60%": GOAL_RECALL}
HALF_LIFE_EDGES = (0.0, 1.0, 2.0, 3.0)
HALF_LIFE_LABELS = ("<=1 day", "1-2 days", "2-3 days")

ORACLE_ALPHA = 0.05
ORACLE_TESTS = len(DRIVER_METRICS)  # Bonferroni over the four metrics
ORACLE_LEVEL = 0.95


# --------------------------------------------------------------------------- one world


def _quiet() -> None:
    """Silence warnings in a worker process (the worlds' data notes are not the subject here)."""
    warnings.simplefilter("ignore")


def analyse_client(folder: pathlib.Path, kpi: str) -> ek.OutcomeEvidence:
    """Notebook 03 on a client folder: load it, daily series by publish day, the outcome evidence."""
    analysis = ek.open_analysis(str(folder), kpi=kpi)
    dataset, goal = analysis.dataset, analysis.goal
    engagement = ek.engagement_series(dataset, basis="publish day", metrics=DRIVER_METRICS,
                                      start=goal.start, end=goal.end)
    return ek.outcome_evidence(engagement[list(DRIVER_METRICS)], ek.kpi_series(dataset, goal), max_lag=MAX_LAG)


def scored_table(evidence: ek.OutcomeEvidence, truth: Mapping | SampleTruth, kpi: str) -> pd.DataFrame:
    """The verdicts scored against the truth, with each verdict's effect interval, group and Granger result."""
    scored = score_verdicts(evidence.verdicts, truth, outcome=kpi)
    verdicts = evidence.verdicts.set_index("metric")
    group = verdicts.get("group", pd.Series("", index=verdicts.index)).fillna("").astype(str)
    granger = evidence.granger.drop_duplicates("metric").set_index("metric")["significant"]
    metric = scored["metric"]
    return scored.assign(
        effect=metric.map(verdicts["effect"]).astype(float),
        effect_ci_low=metric.map(verdicts["effect_ci_low"]).astype(float),
        effect_ci_high=metric.map(verdicts["effect_ci_high"]).astype(float),
        group=metric.map(group).fillna(""),
        granger_significant=metric.map(granger).astype("boolean").fillna(False).astype(bool),
    )


def with_planted(scored: pd.DataFrame, planted: Mapping[str, Mapping[str, float]], **world: object) -> pd.DataFrame:
    """Add what was planted and whether it was found.

    ``planted`` maps each driver to its ``half_life``, ``share_caused``, ``planted_effect`` (total KPI
    units of one unit of the metric) and any other value; each becomes a column (NaN for noise metrics).
    ``world`` adds the world's own columns. ``found``: a driver found within a day of its lag;
    ``covered``: a found driver whose effect interval covers ``planted_effect``.
    """
    names = dict.fromkeys(["half_life", "share_caused", "planted_effect"])
    names.update(dict.fromkeys(name for values in planted.values() for name in values))
    columns = {name: scored["metric"].map({m: p.get(name, np.nan) for m, p in planted.items()}).astype(float)
               for name in names}
    out = scored.assign(**world, **columns)
    out["found"] = (out["planted"] == "driver") & (out["result"] == FOUND)
    out["covered"] = out["found"] & _inside(out, "effect_ci_low", "effect_ci_high")
    return out


def _inside(table: pd.DataFrame, low: str, high: str) -> pd.Series:
    """Whether the interval from column ``low`` to ``high`` covers ``planted_effect`` (False where any is missing)."""
    return ((table[low] <= table["planted_effect"]) & (table["planted_effect"] <= table[high])).fillna(False)


def oracle_fit(world: StudyWorld) -> pd.DataFrame:
    """The oracle that knows the planted truth: one row per planted driver.

    Weighted least squares of the daily KPI on the expected baseline and each driver's exact carryover
    series per unit, inverse-variance weights (rows scaled by ``1 / sqrt(mu + mu**2 / dispersion)``),
    Newey-West errors. Columns: ``metric``, ``oracle_estimate``, ``oracle_ci_low``, ``oracle_ci_high``,
    ``oracle_t``, ``oracle_found`` (one-sided t above the Bonferroni normal quantile).
    """
    drivers = world.truth.drivers
    columns = ["metric", "oracle_estimate", "oracle_ci_low", "oracle_ci_high", "oracle_t", "oracle_found"]
    if not drivers:
        return pd.DataFrame(columns=columns)
    expected = world.expected
    design = pd.DataFrame({"baseline": expected["baseline"],
                           **{d.metric: expected[d.metric] / d.effect_per_unit for d in drivers}})
    mu = expected.sum(axis=1).to_numpy()
    variance = mu + mu**2 / world.truth.kpi_dispersion
    y = world.kpi.to_numpy(dtype=float)
    fit = sm.WLS(y, design.to_numpy(), weights=1.0 / variance).fit(
        cov_type="HAC", cov_kwds={"maxlags": newey_west_maxlags(len(y))})
    interval = fit.conf_int(alpha=1 - ORACLE_LEVEL)
    critical = stats.norm.ppf(1 - ORACLE_ALPHA / ORACLE_TESTS)
    rows = [[d.metric, fit.params[i], interval[i, 0], interval[i, 1], fit.tvalues[i], bool(fit.tvalues[i] > critical)]
            for i, d in enumerate(drivers, start=1)]
    return pd.DataFrame(rows, columns=columns)


def with_oracle(scored: pd.DataFrame, oracle: pd.DataFrame) -> pd.DataFrame:
    """Add the oracle's columns to the driver rows; ``oracle_covered``: the oracle found the driver and its
    interval covers the planted effect (NA for noise metrics)."""
    out = scored.merge(oracle, on="metric", how="left")
    out["oracle_found"] = out["oracle_found"].astype("boolean")
    covered = out["oracle_found"].fillna(False) & _inside(out, "oracle_ci_low", "oracle_ci_high")
    out["oracle_covered"] = covered.astype("boolean").where(out["oracle_found"].notna())
    return out


def one_client(seed: int) -> tuple[pd.DataFrame, float]:
    """Write, load and analyse the sample client of one seed; its scored verdicts and the seconds it took."""
    start = time.perf_counter()
    truth = random_truth(seed)
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evidence = analyse_client(write_sample(folder, seed=seed, truth=truth), "registration")
    seconds = time.perf_counter() - start
    per_day = {d.metric: d.effect * TYPICAL_DAILY[d.metric] for d in truth.drivers}
    total = truth.registration_base * truth.mean_trend + sum(per_day.values())
    planted = {d.metric: {"share_caused": per_day[d.metric] / total, "planted_effect": d.effect,
                          "caused_per_day": per_day[d.metric]} for d in truth.drivers}
    scored = with_planted(scored_table(evidence, truth, "registration"), planted, generator="sample", seed=seed,
                          kpi="registration", n_drivers=len(truth.drivers), trend="linear")
    return scored, seconds


def one_world(seed: int) -> tuple[pd.DataFrame, float]:
    """Draw, write, load and analyse the study world of one seed; its scored verdicts (with the
    oracle's columns) and the seconds it took."""
    start = time.perf_counter()
    world = random_world(seed)
    kpi = world.truth.kpi
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = write_world(world, folder)
        evidence = analyse_client(client, kpi)
        truth = yaml.safe_load((client / "truth.yml").read_text(encoding="utf-8"))
    seconds = time.perf_counter() - start
    planted = {d.metric: {"half_life": d.half_life_days, "share_caused": d.share_caused,
                          "planted_effect": d.effect_per_unit} for d in world.truth.drivers}
    scored = with_planted(scored_table(evidence, truth, kpi), planted, generator="study", seed=seed, kpi=kpi,
                          n_drivers=len(world.truth.drivers), trend=world.truth.trend,
                          kpi_trend=world.truth.kpi_trend.kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = oracle_fit(world)
    return with_oracle(scored, oracle), seconds


WORLD_FUNCTIONS: dict[str, Callable[[int], tuple[pd.DataFrame, float]]] = {"sample": one_client, "study": one_world}


# --------------------------------------------------------------------------- the study


def run(generator: str, seeds: Sequence[int], jobs: int) -> tuple[pd.DataFrame, list[float], float]:
    """Every seed's world of ``generator`` in ``jobs`` processes: the scored tables, seconds a world, wall time."""
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs, initializer=_quiet) as pool:
        results = list(pool.map(WORLD_FUNCTIONS[generator], seeds))
    wall = time.perf_counter() - start
    table = pd.concat([scored.assign(seconds=s) for scored, s in results], ignore_index=True)
    return table, [s for _, s in results], wall


def _rate(flags: pd.Series) -> str:
    """``"83.3% (5/6)"``; ``"-"`` without rows."""
    flags = flags.dropna().astype(bool)
    return f"{flags.mean():.1%} ({int(flags.sum())}/{len(flags)})" if len(flags) else "-"


def _verdict(value: float, goal: float, *, at_most: bool = False) -> str:
    """``"met"`` or ``"NOT met"`` (``"-"`` for no value)."""
    if np.isnan(value):
        return "-"
    return "met" if (value <= goal if at_most else value >= goal) else "NOT met"


def _mean(flags: pd.Series) -> float:
    """The share of true flags (NaN without rows)."""
    flags = flags.dropna().astype(bool)
    return float(flags.mean()) if len(flags) else float("nan")


def share_bin(share: pd.Series) -> pd.Series:
    """The share-of-the-KPI bin of each driver (shares above 60% go to the last bin)."""
    return pd.cut(share.clip(upper=SHARE_EDGES[-1]), list(SHARE_EDGES), labels=list(SHARE_LABELS),
                  include_lowest=True)


def half_life_bin(half_life: pd.Series) -> pd.Series:
    """The carryover half-life bin of each driver."""
    return pd.cut(half_life, list(HALF_LIFE_EDGES), labels=list(HALF_LIFE_LABELS), include_lowest=True)


def recall_table(drivers: pd.DataFrame, by: pd.Series, goals: Mapping[str, float] | float | None,
                 *, large_only_goal: bool) -> pd.DataFrame:
    """Recall of the kit, the oracle (if any) and the Granger tests by ``by``, with the goal and whether it is met.

    With ``large_only_goal`` the goal is judged on the drivers causing at least 10% of the KPI
    (their recall is shown beside the recall of all drivers).
    """
    oracle = _has_oracle(drivers)
    rows = []
    for label, part in drivers.groupby(by, observed=True):
        row = {by.name: label, "drivers": len(part), "kit": _rate(part["found"])}
        if oracle:
            row["oracle"] = _rate(part["oracle_found"])
        row["granger"] = _rate(part["granger_significant"])
        judged = part
        if large_only_goal:
            judged = part[part["share_caused"] >= LARGE_SHARE]
            row["kit (>=10%)"] = _rate(judged["found"])
            if oracle:
                row["oracle (>=10%)"] = _rate(judged["oracle_found"])
        goal = goals.get(str(label)) if isinstance(goals, Mapping) else goals
        row["goal"] = f">= {goal:.0%}" if goal is not None else "-"
        row["met"] = _verdict(_mean(judged["found"]), goal) if goal is not None else "-"
        rows.append(row)
    return pd.DataFrame(rows)


def coverage_line(drivers: pd.DataFrame) -> str:
    """Interval coverage among found drivers: the kit's, and the oracle's when there is one."""
    kit = drivers[drivers["found"]]
    text = f"kit {_rate(kit['covered'])}"
    if _has_oracle(drivers):
        found = drivers[drivers["oracle_found"].fillna(False).astype(bool)]
        text += (f"  vs oracle {_rate(found['oracle_covered'])}"
                 f" (oracle over every planted driver: {_rate(_inside(drivers, 'oracle_ci_low', 'oracle_ci_high'))})")
    return f"{text}  goal >= {GOAL_COVERAGE:.0%}  {_verdict(_mean(kit['covered']), GOAL_COVERAGE)}"


def _has_oracle(table: pd.DataFrame) -> bool:
    """Whether the table holds oracle results (the study generator's)."""
    return "oracle_found" in table and bool(table["oracle_found"].notna().any())


def _versus(drivers: pd.DataFrame) -> str:
    """``"kit 80.0% (8/10)  vs oracle 90.0% (9/10)"`` (no oracle part without oracle results)."""
    text = f"kit {_rate(drivers['found'])}"
    return text + (f"  vs oracle {_rate(drivers['oracle_found'])}" if _has_oracle(drivers) else "")


def false_driver_tables(noise: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The noise metrics of no-driver worlds, and their false-driver counts by trend kind."""
    quiet = noise[noise["n_drivers"] == 0]
    by_kind = (quiet.assign(false=quiet["result"] == "false driver")
               .groupby("trend")
               .agg(worlds=("seed", "nunique"), noise_metrics=("metric", "size"), false_drivers=("false", "sum")))
    by_kind["rate"] = (by_kind["false_drivers"] / by_kind["noise_metrics"]).map(lambda v: f"{v:.1%}")
    return quiet, by_kind.reset_index()


def report(generator: str, table: pd.DataFrame, seconds: list[float], wall: float, jobs: int) -> None:
    """Print the study's tables for one generator."""
    drivers = table[table["planted"] == "driver"].copy()
    noise = table[table["planted"] == "noise"]
    drivers["share of the KPI"] = share_bin(drivers["share_caused"])
    drivers["drivers in the world"] = drivers["n_drivers"]
    seeds = sorted(table["seed"].unique())
    large = drivers[drivers["share_caused"] >= LARGE_SHARE]
    oracle = _has_oracle(drivers)
    print(f"=== {generator} generator: {len(seeds)} worlds (seeds {seeds[0]}..{seeds[-1]}), "
          f"{len(drivers)} planted drivers, {len(noise)} noise metrics ===")

    print(f"\ndriver recall (lead within 1 day of the planted lag): {_versus(drivers)}")
    print(f"  drivers causing >= 10% of the KPI: {_versus(large)}  goal >= {GOAL_RECALL:.0%}  "
          f"{_verdict(_mean(large['found']), GOAL_RECALL)}")
    print("\nrecall by the share of the KPI a driver causes:")
    print(recall_table(drivers, drivers["share of the KPI"], SHARE_GOALS, large_only_goal=False).to_string(index=False))
    if drivers["half_life"].notna().any():
        drivers["half-life"] = half_life_bin(drivers["half_life"])
        print("\nrecall by carryover half-life (goal judged on drivers causing >= 10%):")
        print(recall_table(drivers, drivers["half-life"], GOAL_RECALL, large_only_goal=True).to_string(index=False))
    print("\nrecall by the number of drivers in the world (goal with two drivers, judged on drivers causing >= 10%):")
    print(recall_table(drivers, drivers["drivers in the world"], {"2": GOAL_RECALL},
                       large_only_goal=True).to_string(index=False))

    false_rate = _mean(noise["result"] == "false driver")
    quiet, by_kind = false_driver_tables(noise)
    bending = quiet[quiet["trend"] != "linear"]
    print(f"\nfalse-driver rate (noise called a lead): {_rate(noise['result'] == 'false driver')}  "
          f"goal <= {GOAL_FALSE_DRIVERS:.0%}  {_verdict(false_rate, GOAL_FALSE_DRIVERS, at_most=True)}")
    print(f"  in no-driver worlds: {_rate(quiet['result'] == 'false driver')}")
    if bending.empty:
        print("  in no-driver worlds whose trend bends: - (no such world; the sample's trend is linear)")
    else:
        print(f"  in no-driver worlds whose trend bends: {_rate(bending['result'] == 'false driver')}  "
              f"goal <= {GOAL_FALSE_DRIVERS:.0%}  "
              f"{_verdict(_mean(bending['result'] == 'false driver'), GOAL_FALSE_DRIVERS, at_most=True)}")
    if not by_kind.empty:
        print("  no-driver worlds by trend kind:")
        print("    " + by_kind.to_string(index=False).replace("\n", "\n    "))

    print(f"\ninterval coverage (found drivers whose total-effect interval covers the planted effect per unit): "
          f"{coverage_line(drivers)}")
    if "half-life" in drivers:
        found = drivers[drivers["found"]]
        by = found.groupby("half-life", observed=True)
        cover = pd.DataFrame({"found": by.size(), "kit coverage": by["covered"].agg(_rate)})
        if oracle:
            hit = drivers[drivers["oracle_found"].fillna(False).astype(bool)].groupby("half-life", observed=True)
            cover["oracle coverage"] = hit["oracle_covered"].agg(_rate)
        print("  by half-life:")
        print("    " + cover.reset_index().to_string(index=False).replace("\n", "\n    "))

    print(f"\nGranger tests alone: recall {_rate(drivers['granger_significant'])}, "
          f"false-driver rate {_rate(noise['granger_significant'])}")
    print("\nresults:", table.groupby(["planted", "result"]).size().to_dict())
    print(f"\nseconds a world (write, load, analyse): median {statistics.median(seconds):.2f}; "
          f"wall time {wall:.0f} s with {jobs} jobs")

    misses = drivers[~drivers["found"]]
    if not misses.empty:
        print("\nmissed drivers:")
        print(misses.assign(share=misses["share_caused"].map(lambda v: f"{v:.1%}"))[
            ["seed", "metric", "planted_lag", "half_life", "share", "verdict", "lag", "group"]]
              .rename(columns={"lag": "lag found"}).to_string(index=False))
    false = noise[noise["result"] == "false driver"]
    if not false.empty:
        print("\nfalse drivers:")
        print(false[["seed", "metric", "lag", "effect", "n_drivers", "trend", "group"]].to_string(index=False))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", choices=(*GENERATORS, "both"), default="both")
    parser.add_argument("--seeds", type=int, default=None,
                        help=f"worlds per generator (default: {DEFAULT_SEEDS['sample']} sample, "
                             f"{DEFAULT_SEEDS['study']} study)")
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="", help="write PREFIX-<generator>.csv")
    args = parser.parse_args()
    for generator in GENERATORS if args.generator == "both" else (args.generator,):
        count = args.seeds if args.seeds is not None else DEFAULT_SEEDS[generator]
        table, seconds, wall = run(generator, range(args.first, args.first + count), args.jobs)
        if args.out:
            table.to_csv(f"{args.out}-{generator}.csv", index=False)
        report(generator, table, seconds, wall, args.jobs)


if __name__ == "__main__":
    main()
