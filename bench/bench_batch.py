"""Batch rendering: 20 sample-sized clients with one process at a time and with two, in one run.

    python bench/bench_batch.py [--clients 20] [--jobs 2] [--n-boot 1000] [--keep DIR]

Writes ``--clients`` sample clients (``engagekit.teaching.sample.write_sample`` with seeds
1..N, named client01..clientNN) into a temporary folder, then renders all of them
with ``engagekit.run_batch`` twice: ``jobs=1``, then ``jobs=--jobs``, each into its
own output folder, timing the wall clock of each run. Prints the parallel/serial
ratio against the goal (at most 0.65 on this 2-core machine).

Per client (from the serial run's summary, ``seconds``: the whole render in its
own worker process) it prints the median time and where it goes, read from the
executed notebooks each client keeps in ``<client>/notebooks/``: papermill stores
each notebook's total run time (``metadata.papermill.duration``, from before the
kernel starts to after it shuts down) and each cell's run time (the cells'
``metadata.papermill.duration``). A notebook's total minus the sum of its cells is
the time spent starting and stopping its kernel (papermill's own bookkeeping
included); what the client's time holds beyond its notebooks' totals is the
rest of the render (the HTML page, the key figures). Imports a notebook's first
cell makes count as cell time, not start-up. As a cross-check, papermill runs a
notebook of one empty cell three times (median): a kernel's bare start and stop.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from engagekit import run_batch
from engagekit.teaching.sample import write_sample

from _timing import median_seconds

GOAL_RATIO = 0.65


def notebook_times(client_dir: Path) -> tuple[float, float]:
    """Sum over a client's executed notebooks of (notebook total, sum of cell durations), in seconds."""
    total = cells = 0.0
    for path in sorted((client_dir / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        total += nb.metadata["papermill"]["duration"]
        cells += sum(c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells)
    return total, cells


def empty_notebook_seconds(folder: Path, *, repeat: int = 3) -> float:
    """Median time papermill takes to run a notebook of one empty cell: a kernel's start and shutdown."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = folder / "empty.ipynb"
    nbformat.write(nb, source)
    run = lambda: papermill.execute_notebook(  # noqa: E731
        str(source), str(folder / "empty_out.ipynb"), progress_bar=False,
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    )
    return median_seconds([run], repeat)[0]


def timed_batch(clients: list[Path], out: Path, *, jobs: int, n_boot: int):
    start = time.perf_counter()
    summary = run_batch(clients, out=out, jobs=jobs, parameters={"n_boot": n_boot}, progress=False)
    return time.perf_counter() - start, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--n-boot", type=int, default=1000, help="notebook 03's bootstrap resamples (its default)")
    parser.add_argument("--keep", default=None, help="write the clients and reports here and keep them")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        clients = [write_sample(root / "clients", client=f"client{i:02d}", seed=i) for i in range(1, args.clients + 1)]
        serial_s, serial = timed_batch(clients, root / "jobs1", jobs=1, n_boot=args.n_boot)
        parallel_s, parallel = timed_batch(clients, root / f"jobs{args.jobs}", jobs=args.jobs, n_boot=args.n_boot)
        for summary in (serial, parallel):
            failed = summary.loc[summary["status"] != "ok"]
            if len(failed):
                raise SystemExit(f"{len(failed)} client(s) failed:\n{failed.to_string()}")
        ratio = parallel_s / serial_s
        times = [notebook_times(root / "jobs1" / name) for name in serial["client"]]
        per_client = statistics.median(serial["seconds"])
        notebooks = statistics.median(t for t, _ in times)
        cells = statistics.median(c for _, c in times)
        kernels = statistics.median(t - c for t, c in times)
        empty = empty_notebook_seconds(root)

    print(f"{args.clients} sample-sized clients, 3 notebooks each, n_boot={args.n_boot}, {os.cpu_count()} CPUs")
    print(f"jobs=1:  {serial_s:7.1f} s wall ({serial_s / args.clients:.1f} s a client)")
    print(f"jobs={args.jobs}:  {parallel_s:7.1f} s wall ({parallel_s / args.clients:.1f} s a client)")
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(f"parallel/serial: {ratio:.2f} (goal <= {GOAL_RATIO}: {verdict}); speed-up {serial_s / parallel_s:.2f}x")
    print(f"per client, serial run (medians): {per_client:.1f} s in its process; its 3 notebooks {notebooks:.1f} s, "
          f"of which cells {cells:.1f} s and kernel start-up and shutdown {kernels:.1f} s "
          f"({kernels / per_client:.0%} of the client's time); the rest of the render (HTML, key figures) "
          f"{per_client - notebooks:.1f} s")
    print(f"per client, jobs={args.jobs} run (median): {statistics.median(parallel['seconds']):.1f} s in its process")
    print(f"cross-check: an empty notebook under papermill (kernel start and shutdown), median of 3: {empty:.2f} s; "
          f"x3 notebooks = {3 * empty:.1f} s ({3 * empty / per_client:.0%} of the client's time)")


if __name__ == "__main__":
    main()
