"""Timing shared by the benchmarks: medians of runs taken in turns."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def median_seconds(fns: Sequence[Callable[[], object]], repeat: int) -> list[float]:
    """The median time of each function of ``fns`` over ``repeat`` rounds, the functions taking turns in each
    round (so that a change in the machine's load falls on all of them alike)."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, spent in zip(fns, times):
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]
