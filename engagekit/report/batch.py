"""Render many clients' reports at once: one process per client, failures recorded, a portfolio across clients.

One code path serves the local pool and a Dask cluster: :func:`run_batch` hands
each client to a :class:`concurrent.futures.Executor` (a
:class:`~concurrent.futures.ProcessPoolExecutor` here, the executor of a
``distributed.Client`` for ``scheduler=``) running :func:`render_client`, which
never raises: every failure of a client comes back as its summary record.

A local worker process renders one client and exits (a fresh process per
client, forked from a server that has imported engagekit once). A worker that
dies breaks the pool: the pool is made anew for the clients left, and a client
that was running beside others when it broke is run again on its own, so that
only the client that brought the process down is marked failed. Clients that
run side by side share the machine's cores: each kernel's numeric libraries get
``cores // jobs`` threads (:data:`THREAD_VARIABLES`, where the user has not set them).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from engagekit.tables.client import read_config
from engagekit.core.errors import ClientNotReady, ConfigError, EngagekitError
from engagekit.report.key_figures import portfolio_row

__all__ = ["SUMMARY_COLUMNS", "THREAD_VARIABLES", "render_client", "run_batch"]

#: Columns of the batch summary (batch_summary.csv); paths are relative to the output folder.
SUMMARY_COLUMNS = (
    "client", "folder", "status", "seconds", "notebook", "cell", "message", "html", "key_figures",
)
SUMMARY_NAME = "batch_summary.csv"
PORTFOLIO_NAME = "portfolio"
#: Thread pools of the numeric libraries a kernel uses, sized for clients that run side by side.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _folder_name(folder: str | Path) -> str:
    """The client's name where its client.yml cannot tell: the folder's name."""
    path = Path(folder).resolve()
    return path.parent.name if path.suffix in {".yml", ".yaml"} else path.name


def _failed_record(folder: str | Path, message: str | None = None) -> dict[str, Any]:
    """A failed client's summary record, named after its folder: where its task returned none, or before it ran."""
    record: dict[str, Any] = dict.fromkeys(SUMMARY_COLUMNS)
    record.update(client=_folder_name(folder), folder=str(folder), status="failed", figures=None, message=message)
    return record


def render_client(
    folder: str,
    *,
    out: str,
    parameters: dict[str, Any] | None = None,
    notebooks: str | None = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """Render one client's report and return its summary record; never raises for the client's faults.

    The task each batch worker runs (module-level, so that a process pool or a
    Dask worker can import it).

    Parameters
    ----------
    folder
        The client folder (or its client.yml).
    out
        The batch's output folder; the report goes to ``<out>/<safe_name(client)>/``.
    parameters, notebooks
        As for :func:`engagekit.report.render.render_report`.
    threads
        Threads for the numeric libraries of the client's kernels (the variables of
        :data:`THREAD_VARIABLES` the user has not set): with several clients per
        machine, their thread pools would otherwise ask for every core each. Set in
        this process's environment, which the kernels inherit; only for a process
        that renders this one client.

    Returns
    -------
    dict
        The keys of :data:`SUMMARY_COLUMNS` (``status`` "ok" or "failed"; on
        failure the notebook, the cell and the message, where known: the cell's
        position in the source notebook, counting from 1 and every cell, markdown
        included, as JupyterLab shows it, and the error's type and message on one
        line, cut to :data:`engagekit.report.render.MAX_ERROR_CHARS` characters) and
        ``figures``: the key figures of a client that succeeded, else None.
    """
    from engagekit.report.render import ReportError, render_report  # papermill and nbconvert: only where reports are rendered

    if threads is not None:
        for name in THREAD_VARIABLES:
            os.environ.setdefault(name, str(threads))
    start = time.perf_counter()
    record = _failed_record(folder)
    try:
        config = read_config(folder)
        record["client"] = config.client
        rendered = render_report(config, out=out, notebooks=notebooks, parameters=parameters)
        root = Path(out).resolve()
        record.update(
            status="ok",
            html=rendered.html.relative_to(root).as_posix(),
            key_figures=rendered.key_figures.relative_to(root).as_posix(),
            figures=json.loads(rendered.key_figures.read_text(encoding="utf-8")),
        )
    except ReportError as err:
        record.update(notebook=err.notebook, cell=err.cell, message=err.error or str(err))
    except ClientNotReady as err:  # stopped by the check before any notebook: its errors on one line
        record["message"] = "not ready: " + "; ".join(err.problems)
    except EngagekitError as err:
        record["message"] = str(err)
    except Exception as err:  # noqa: BLE001 - a client's failure is recorded, the batch goes on
        record["message"] = f"{type(err).__name__}: {err}"
    record["seconds"] = time.perf_counter() - start
    return record


@dataclass(frozen=True)
class _Job:
    folder: str
    alone: bool = False  # run with nothing beside it: it was running when a worker process died


def _drain(
    executor: Executor,
    queue: deque[_Job],
    *,
    window: int | None,
    submit: Callable[[Executor, _Job], Future],
    done: Callable[[_Job, dict[str, Any]], None],
) -> list[_Job]:
    """Run the jobs of ``queue`` on ``executor``, at most ``window`` at once, reporting each to ``done``.

    Returns the jobs that were running when the executor broke (``queue`` then
    holds those never submitted); empty when all ran.
    """
    running: dict[Future, _Job] = {}
    lost: list[_Job] = []
    while queue or running:
        while queue and not lost and (window is None or len(running) < window):
            if running and (queue[0].alone or any(j.alone for j in running.values())):
                break
            job = queue.popleft()
            try:
                running[submit(executor, job)] = job
            except BrokenExecutor:
                queue.appendleft(job)
                break
        if not running:
            break
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            job = running.pop(future)
            try:
                record = future.result()
            except BrokenExecutor:
                lost.append(job)
                continue
            except Exception as err:  # noqa: BLE001 - e.g. Dask gave up on the client (KilledWorker)
                record = _failed_record(job.folder, f"{type(err).__name__}: {err}")
            done(job, record)
        if lost and not running:
            break
    return lost


def _execute(
    make_executor: Callable[[], Any],
    folders: Sequence[str],
    *,
    window: int | None,
    submit: Callable[[Executor, _Job], Future],
    done: Callable[[_Job, dict[str, Any]], None],
) -> None:
    """Run every folder's job, making a new executor whenever one breaks (a worker process died)."""
    queue = deque(_Job(folder) for folder in folders)
    while queue:
        with make_executor() as executor:
            lost = _drain(executor, queue, window=window, submit=submit, done=done)
        suspects = []
        for job in lost:
            if job.alone or len(lost) == 1:
                done(job, _failed_record(job.folder, "the worker process rendering this client died"))
            else:
                suspects.append(_Job(job.folder, alone=True))
        queue.extendleft(reversed(suspects))


def _local_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` processes, one process per client.

    Processes are forked from a fork server that imported engagekit.report.render once
    (a clean, single-threaded parent: forking the batch's own process, which runs
    threads, is unsafe), or spawned where there is no fork server.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["engagekit.report.render"])
    else:
        context = multiprocessing.get_context("spawn")
    # one task per process: max_tasks_per_child above 1 can hang on Python 3.11 (CPython gh-115634)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, max_tasks_per_child=1)


@contextmanager
def _dask_executor(address: str) -> Iterator[Executor]:
    from distributed import Client

    with Client(address) as client:
        executor = client.get_executor(pure=False)
        try:
            yield executor
        finally:
            executor.shutdown(wait=True)


def _check_clients(clients: Sequence[str | Path], out: Path) -> list[str]:
    """The client folders as text, refusing none and two that would write into the same output folder."""
    from engagekit.report.render import safe_name

    if not clients:
        raise EngagekitError("batch needs at least one client folder")
    folders: dict[Path, str] = {}
    names: dict[str, str] = {}
    for client in clients:
        folder = Path(client).resolve()
        if folder in folders:
            raise EngagekitError(f"client {client} is given twice ({folders[folder]} and {client})")
        folders[folder] = str(client)
        try:
            name = safe_name(read_config(client).client)
        except ConfigError:
            continue  # its task records the error; it writes nothing
        if name in names:
            raise EngagekitError(
                f"clients {names[name]} and {client} would share the output folder {out / name}; "
                "give each client its own name in client.yml"
            )
        names[name] = str(client)
    return [str(client) for client in clients]


def run_batch(
    clients: Sequence[str | Path],
    *,
    out: str | Path,
    jobs: int = 1,
    scheduler: str | None = None,
    parameters: dict[str, Any] | None = None,
    progress: bool = True,
    notebooks: str | Path | None = None,
) -> pd.DataFrame:
    """Render each client's report in its own process; write the summary and the portfolio.

    Parameters
    ----------
    clients
        Client folders (or their client.yml files).
    out
        Output folder: each client's report goes to ``<out>/<safe_name(client)>/``,
        and ``batch_summary.csv``, ``portfolio.csv`` and ``portfolio.html`` to ``out``.
    jobs
        Clients rendered at once on this machine (ignored with ``scheduler``).
    scheduler
        Address of a Dask distributed scheduler (e.g. ``tcp://10.0.0.5:8786``):
        the clients are rendered on its workers, which must see the client
        folders and ``out`` at the same paths (a shared file system).
    parameters
        Notebook parameters for every client (as for :func:`engagekit.report.render.render_report`).
    progress
        Show a progress bar on stderr (where stderr is a terminal).
    notebooks
        Folder with the notebooks to run (default: engagekit's own).

    Returns
    -------
    pandas.DataFrame
        One row per client, in the order given, with the columns of
        :data:`SUMMARY_COLUMNS`: ``status`` "ok" or "failed", ``seconds``, and on
        failure the ``notebook``, the ``cell`` (its position in the source
        notebook, counting from 1 and every cell, markdown included, as JupyterLab
        shows it; the partly executed notebook is kept in ``<client>/notebooks/``)
        and the ``message`` (the error's type and message, shortened).

    Raises
    ------
    EngagekitError
        Before anything runs: no clients, ``jobs`` below 1, two clients that
        would share an output folder, or parameters the notebooks refuse.
    """
    from engagekit.report.render import ReportError, check_parameters

    out = Path(out)
    folders = _check_clients(clients, out)
    if jobs < 1:
        raise EngagekitError(f"jobs must be at least 1, not {jobs}")
    try:
        check_parameters(parameters, notebooks=notebooks)  # the same for every client: refuse once, up front
    except ReportError as err:
        raise EngagekitError(str(err)) from None
    out.mkdir(parents=True, exist_ok=True)
    task = {"out": str(out.resolve()), "parameters": dict(parameters or {}),
            "notebooks": None if notebooks is None else str(Path(notebooks).resolve())}
    records: dict[str, dict[str, Any]] = {}
    bar = tqdm(total=len(folders), desc="clients", unit="client", file=sys.stderr,
               disable=None if progress else True)
    # the local processes share this machine's cores (a Dask worker's own settings rule on a cluster)
    threads = max(1, (os.cpu_count() or 1) // jobs) if scheduler is None else None

    def submit(executor: Executor, job: _Job) -> Future:
        return executor.submit(render_client, job.folder, **task, threads=threads)

    def done(job: _Job, record: dict[str, Any]) -> None:
        records[job.folder] = record
        bar.update(1)
        bar.set_postfix(failed=sum(r["status"] == "failed" for r in records.values()))

    with bar:
        if scheduler is None:
            _execute(lambda: _local_pool(jobs), folders, window=jobs, submit=submit, done=done)
        else:
            _execute(lambda: _dask_executor(scheduler), folders, window=None, submit=submit, done=done)
    ordered = [records[folder] for folder in folders]
    text = {name: "str" for name in SUMMARY_COLUMNS if name not in ("seconds", "cell")}
    summary = pd.DataFrame(ordered, columns=list(SUMMARY_COLUMNS)).astype(text | {"seconds": "Float64", "cell": "Int64"})
    summary.to_csv(out / SUMMARY_NAME, index=False)
    _write_portfolio(ordered, out)
    return summary


def _portfolio_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for record in (r for r in records if r["status"] == "ok"):
        row = portfolio_row(record["figures"])
        row["client"] = row["client"] or record["client"]
        row["display_name"] = row["display_name"] or row["client"]
        rows.append(row | {"report": record["html"]})
    columns = list(portfolio_row({})) + ["report"]
    return pd.DataFrame(rows, columns=columns)


def _write_portfolio(records: list[dict[str, Any]], out: Path) -> None:
    """Write ``portfolio.csv`` (one row per client that succeeded) and ``portfolio.html``."""
    from engagekit.report.html import portfolio_page  # nbconvert: only where reports are rendered

    frame = _portfolio_frame(records)
    frame.to_csv(out / f"{PORTFOLIO_NAME}.csv", index=False)
    failed = [r for r in records if r["status"] == "failed"]
    (out / f"{PORTFOLIO_NAME}.html").write_text(portfolio_page(frame, failed), encoding="utf-8")
