"""Timing and memory shared by the benchmarks: medians of runs taken in turns, peak memory in a fresh process."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
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


#: Source of ``peak()`` for a probe run in a fresh process: peak resident memory (VmHWM, bytes) from
#: /proc. VmHWM starts afresh with the new process; ru_maxrss would carry the parent's peak across
#: exec on Linux.
PEAK_SOURCE = """
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
"""


def run_probe(source: str, *args: str) -> dict:
    """Run ``source`` (with :data:`PEAK_SOURCE` before it) in a fresh Python process with ``args`` as
    ``sys.argv[1:]``; return the JSON object it prints last."""
    done = subprocess.run([sys.executable, "-c", PEAK_SOURCE + source, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
