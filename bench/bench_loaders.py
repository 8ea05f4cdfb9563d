"""Loader speed against plain pandas.read_csv on the same files, measured in the same run.

    python bench/bench_loaders.py [--repeat 5]

Prints, per format, the median seconds of engagekit.read_export and of
pandas.read_csv (the baseline: parsing only, no validation, no accounting)
and their ratio. A ratio is what to compare between machines, not seconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd

import engagekit

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "brightpaw"


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    groups: dict[str, list[Path]] = {}
    for path in sorted(SAMPLE.iterdir()):
        if path.suffix == ".csv" and path.name != "newsletter_signups.csv":
            groups.setdefault(engagekit.detect_format(path).name, []).append(path)
    print(f"{'format':<22}{'files':>6}{'rows':>8}{'engagekit s':>13}{'read_csv s':>12}{'ratio':>8}")
    for name, paths in groups.items():
        rows = sum(engagekit.read_export(p, tz="Europe/Berlin").report.rows_read for p in paths)
        ours = _median_seconds(lambda paths=paths: [engagekit.read_export(p, tz="Europe/Berlin") for p in paths], args.repeat)
        base = _median_seconds(lambda paths=paths, name=name: [_baseline(p, name) for p in paths], args.repeat)
        print(f"{name:<22}{len(paths):>6}{rows:>8}{ours:>13.4f}{base:>12.4f}{ours / base:>8.1f}")


def _baseline(path: Path, name: str) -> pd.DataFrame:
    if name == "facebook_post_level":
        return pd.read_csv(path, encoding="utf-8-sig", skiprows=[1])
    if name == "ga4_report_csv":
        return pd.read_csv(path, comment="#", thousands=",")
    return pd.read_csv(path)


if __name__ == "__main__":
    main()
