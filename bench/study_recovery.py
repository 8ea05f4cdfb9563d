"""Does the verdict recover randomised truths? A simulation study over seeds of the sample generator.

    python bench/study_recovery.py [--seeds 100] [--first 0] [--jobs 2] [--out recovery.csv]

For each seed ``s``: :func:`engagekit.sample_truth.random_truth` draws a truth
(no driver, one or two among reactions, comments, shares and link clicks; lags
0 to 7 days; the drivers cause 15% to 60% of the registrations; a baseline of
2 to 8 registrations a day that no post causes), :func:`engagekit.sample.write_sample`
writes a sample client with it (seed ``s``, every export in its native format),
and the client goes the way of notebook 03: loaded from its files, daily series
by publish day, :func:`engagekit.outcome_evidence` with lags 0 to 7.
:func:`engagekit.score_verdicts` sets the verdicts beside the truth.

Printed: driver recall (a planted driver called "leads to the KPI" within one
day of its planted lag; goal at least 90%), the false-driver rate (a noise metric
called a lead; goal at most 5%), both by what each driver causes and, for
comparison, the same rates of the Granger tests alone; the median seconds a client.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

import engagekit as ek
from engagekit.sample import write_sample
from engagekit.sample_truth import DRIVER_METRICS, TYPICAL_DAILY, random_truth

GOAL_RECALL = 0.90
GOAL_FALSE_DRIVERS = 0.05


def one_client(seed: int) -> tuple[pd.DataFrame, float]:
    """Write, load and analyse the client of one seed; its scored verdicts and the seconds it took."""
    start = time.perf_counter()
    truth = random_truth(seed)
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample's funnel-stage notes are not the subject here
        analysis = ek.open_analysis(str(write_sample(folder, seed=seed, truth=truth)), kpi="registration")
        dataset, goal = analysis.dataset, analysis.goal
        engagement = ek.daily_engagement(dataset.posts, tz=analysis.tz, start=goal.start, end=goal.end)
        evidence = ek.outcome_evidence(engagement[list(DRIVER_METRICS)], ek.kpi_series(dataset, goal), max_lag=7)
    scored = ek.score_verdicts(evidence.verdicts, truth)
    granger = evidence.granger.set_index("metric")
    effect = {d.metric: d.effect * TYPICAL_DAILY[d.metric] for d in truth.drivers}
    scored = scored.assign(
        seed=seed,
        caused_per_day=scored["metric"].map(effect),
        share_caused=scored["metric"].map(effect) / (truth.registration_base * truth.mean_trend + sum(effect.values())),
        granger_significant=scored["metric"].map(granger["significant"]).astype(bool),
    )
    return scored, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    seeds = range(args.first, args.first + args.seeds)
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one_client, seeds))
    table = pd.concat([scored for scored, _ in results], ignore_index=True)
    if args.out:
        table.to_csv(args.out, index=False)
    drivers, noise = table[table["planted"] == "driver"], table[table["planted"] == "noise"]
    recall = float((drivers["result"] == "found").mean())
    false_rate = float((noise["result"] == "false driver").mean())
    print(f"{args.seeds} seeds ({seeds.start}..{seeds.stop - 1}), {len(drivers)} planted drivers, {len(noise)} noise metrics")
    print(f"driver recall (lead within 1 day of the planted lag): {recall:.1%}  goal >= {GOAL_RECALL:.0%}  "
          f"{'met' if recall >= GOAL_RECALL else 'NOT met'}")
    print(f"false-driver rate (noise called a lead):             {false_rate:.1%}  goal <= {GOAL_FALSE_DRIVERS:.0%}  "
          f"{'met' if false_rate <= GOAL_FALSE_DRIVERS else 'NOT met'}")
    print(f"Granger tests alone: recall {drivers['granger_significant'].mean():.1%}, "
          f"false-driver rate {noise['granger_significant'].mean():.1%}")
    bins = pd.cut(drivers["share_caused"], [0, 0.1, 0.2, 0.3, 0.6], include_lowest=True)
    by_size = drivers.groupby(bins, observed=True)["result"].agg(drivers="size", recall=lambda r: (r == "found").mean())
    print("\nrecall by the share of registrations a driver causes:")
    print(by_size.to_string(float_format=lambda v: f"{v:.1%}"))
    print("\nresults:", table.groupby(["planted", "result"]).size().to_dict())
    misses = drivers[drivers["result"] != "found"]
    if not misses.empty:
        print("\nmissed drivers:")
        print(misses[["seed", "metric", "planted_lag", "verdict", "lag", "share_caused"]].to_string(index=False))
    print(f"\nseconds a client (write, load, analyse): median {statistics.median(s for _, s in results):.2f}")


if __name__ == "__main__":
    main()
