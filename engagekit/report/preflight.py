"""The check before a report: can this client folder be rendered, and what will it lack?

:func:`check_client` reads client.yml, detects and loads every file, and checks
the goal against the days the exports cover, in a few seconds and without a
notebook. It never stops at the first problem: every file is read, and every
problem is one line that says what to do. ``engagekit check``, ``engagekit
report`` and ``engagekit batch`` run it first; a client with an error is not
rendered (exit code 2), and the warnings go into the report's appendix.

Levels: an **error** stops the report (client.yml invalid, a file that cannot
be read, a KPI the data cannot give); a **warning** leaves a part of the report
with less to show (a metric without data, too few days for the outcome
evidence, exports that cover part of the period, rows dropped).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from engagekit.analyses.evidence.distributed_lag import TAIL_DAYS
from engagekit.core.errors import ConfigError, EngagekitError
from engagekit.goals.spec import Goal
from engagekit.loaders import LoadReport
from engagekit.tables.client import ClientConfig, Dataset, assemble, client_config, client_files, read_file

__all__ = ["FILE_COLUMNS", "PROBLEM_COLUMNS", "ClientCheck", "check_client", "needed_days"]

FILE_COLUMNS = ["file", "format", "table", "rows_read", "rows_loaded", "rows_dropped", "first_day", "last_day", "problem"]
PROBLEM_COLUMNS = ["level", "where", "message"]


def needed_days(*, max_lag: int = 7, min_days: int = 56) -> int:
    """Days of posts and KPI together that the outcome evidence needs: ``min_days`` days, each with
    the ``max_lag`` + :data:`~engagekit.analyses.evidence.distributed_lag.TAIL_DAYS` days of engagement before it."""
    return min_days + max_lag + TAIL_DAYS


@dataclass(frozen=True)
class ClientCheck:
    """What :func:`check_client` found.

    Attributes
    ----------
    client
        The client folder.
    files
        One row per source file (:data:`FILE_COLUMNS`): its format and table, rows read, loaded and
        dropped, the first and last day it covers, and the problem that kept it from loading.
    problems
        One row per problem (:data:`PROBLEM_COLUMNS`): ``level`` (error, warning), ``where`` (a file
        or a goal field) and ``message`` (what is wrong and what to do).
    goal
        The goal, its period set from the data where client.yml leaves it open (None when
        client.yml could not be read).
    dataset
        The data of the files that loaded (None when client.yml could not be read).
    """

    client: Path
    files: pd.DataFrame
    problems: pd.DataFrame
    goal: Goal | None = None
    dataset: Dataset | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when nothing stops the report (warnings allowed)."""
        return not (self.problems["level"] == "error").any()

    def errors(self) -> list[str]:
        """The errors, one line each."""
        return self._lines("error")

    def warnings(self) -> list[str]:
        """The warnings, one line each."""
        return self._lines("warning")

    def _lines(self, level: str) -> list[str]:
        rows = self.problems.loc[self.problems["level"] == level]
        return [f"{row.where}: {row.message}" for row in rows.itertuples()]

    def files_table(self) -> str:
        """The files as a plain-text table (dates as YYYY-MM-DD)."""
        shown = self.files.drop(columns="problem").astype(object)
        for column in ("first_day", "last_day"):
            shown[column] = self.files[column].dt.strftime("%Y-%m-%d").astype(object).where(self.files[column].notna(), "")
        shown["format"] = shown["format"].where(self.files["problem"].isna(), "not read")
        return shown.fillna("").to_string(index=False)

    def text(self) -> str:
        """What ``engagekit check`` prints: the files, the goal, then every problem on one line."""
        parts = [f"{self.client}", self.files_table() if len(self.files) else "no export files"]
        if self.goal is not None:
            parts.append(self.goal.describe())
        if len(self.files):
            counts = self.files[["rows_read", "rows_loaded", "rows_dropped"]].fillna(0).sum()
            reports = [] if self.dataset is None else self.dataset.reports
            merged = sum(r.rows_merged for r in reports)
            totals = sum(r.rows_totals for r in reports)
            parts.append(f"{int(counts['rows_read']):,} rows read = {int(counts['rows_loaded']):,} loaded + {merged:,} merged "
                         f"into another row (an order's line items) + {totals:,} totals rows + "
                         f"{int(counts['rows_dropped']):,} dropped")
        lines = [f"error: {line}" for line in self.errors()] + [f"warning: {line}" for line in self.warnings()]
        verdict = ("ready: the report can be rendered" if self.ok else
                   f"not ready: fix the {len(self.errors())} error(s) below, then run engagekit check again")
        if self.files["rows_dropped"].fillna(0).gt(0).any():
            lines.append("(engagekit inspect FILE lists a file's dropped rows with their lines)")
        return "\n".join([*parts, verdict, *lines])


def _file_row(name: str, report: LoadReport | None = None, problem: str | None = None) -> dict:
    if report is None:
        return {"file": name, "problem": problem}
    return {"file": name, "format": report.format, "table": report.table, "rows_read": report.rows_read,
            "rows_loaded": report.rows_loaded, "rows_dropped": report.n_dropped,
            "first_day": report.covers[0] if report.covers else pd.NaT,
            "last_day": report.covers[1] if report.covers else pd.NaT, "problem": problem}


def _files_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FILE_COLUMNS)
    return frame.astype({"file": "str", "format": "str", "table": "str", "rows_read": "Int64", "rows_loaded": "Int64",
                         "rows_dropped": "Int64", "first_day": "datetime64[us]", "last_day": "datetime64[us]",
                         "problem": "str"})


def _refused(folder: Path, problems: list[tuple[str, str, str]]) -> ClientCheck:
    """The check of a client whose client.yml (or folder) could not be read: no file read, the problems."""
    return ClientCheck(client=folder, files=_files_frame([]),
                       problems=pd.DataFrame(problems, columns=PROBLEM_COLUMNS).astype("str"))


def _error_text(err: EngagekitError) -> str:
    """An error's message without the file's path in front (the row names the file)."""
    return getattr(err, "message", None) or getattr(err, "detail", None) or str(err)


def _days(spans: list[tuple[pd.Timestamp, pd.Timestamp]]) -> set:
    """Every day of ``spans``."""
    return {day for first, last in spans for day in pd.date_range(first, last, freq="D")}


def _span_words(spans: list[tuple[pd.Timestamp, pd.Timestamp]]) -> str:
    return ", ".join(f"{a.date()} to {b.date()}" for a, b in spans) or "no days"


def check_client(path: str | Path, *, max_lag: int = 7) -> ClientCheck:
    """Check a client folder (or its client.yml) before rendering its report.

    Reads client.yml, reads every file (each one's format detected or as client.yml says), and
    checks the goal against the days the exports cover: the KPI in the period, each metric under
    test on enough days for the outcome evidence (:func:`needed_days`), the funnel stages with data,
    and exports that cover only part of the period.

    Parameters
    ----------
    path
        The client folder or its client.yml.
    max_lag
        The outcome evidence's largest lag (days), for the days it needs.

    Returns
    -------
    ClientCheck
        ``ok`` is False when the report cannot be rendered; ``text()`` says why, a line a problem.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    problems: list[tuple[str, str, str]] = []
    if not path.exists():
        problems.append(("error", str(path), "no such folder: give the client's folder (engagekit init FOLDER writes one)"))
        return _refused(folder, problems)
    try:
        config: ClientConfig = client_config(path)
        specs = client_files(config)
    except ConfigError as err:
        where = Path(err.file).name if err.file else str(path)
        problems.append(("error", where, f"field {err.field!r}: {err.detail}"))
        return _refused(folder, problems)
    rows, results = [], []
    for spec in specs:
        try:
            result = read_file(spec, config)
        except EngagekitError as err:
            rows.append(_file_row(spec.path.name, problem=_error_text(err)))
            problems.append(("error", spec.path.name, _error_text(err)))
            continue
        results.append(result)
        report = result.report
        rows.append(_file_row(spec.path.name, report))
        if report.n_dropped:
            reasons = "; ".join(f"{n} {reason}" for reason, n in sorted(report.rows_dropped.items()))
            problems.append(("warning", spec.path.name, f"{report.n_dropped} of {report.rows_read} rows dropped ({reasons})"))
        for message in report.warnings:
            problems.append(("warning", spec.path.name, message))
    try:
        dataset = assemble(config, results)
    except EngagekitError as err:
        problems.append(("error", "labels", _error_text(err)))
        dataset = None
    goal = None
    if dataset is not None:
        try:
            goal = Goal.for_client(config).with_data_period(dataset)
        except ConfigError as err:
            problems.append(("error", f"client.yml {err.field}", err.detail))
    if goal is not None and dataset is not None:
        problems += _goal_problems(goal, dataset, config, unread=len(results) < len(specs), max_lag=max_lag)
    return ClientCheck(client=folder, files=_files_frame(rows),
                       problems=pd.DataFrame(problems, columns=PROBLEM_COLUMNS).astype("str"),
                       goal=goal, dataset=dataset)


def _goal_problems(goal: Goal, dataset: Dataset, config: ClientConfig, *, unread: bool, max_lag: int) -> list[tuple[str, str, str]]:
    """The goal checked against the data and the days its exports cover."""
    problems = []
    if goal.start is None or goal.end is None:
        problems.append(("error", "data", "no export with posts or the KPI was read: add the exports of the client's "
                         "posts and of its KPI (outcomes or website traffic) to the folder"))
        return problems
    if dataset.posts.empty:
        problems.append(("error", "posts", "no export with posts was read: add the posts exports of at least one "
                         "platform (e.g. X's tweet activity, Facebook's post-level export; engagekit formats lists them)"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        checks = goal.data_checks(dataset)
    hint = " (a file that could not be read, above, may hold it)" if unread else ""
    for row in checks.loc[checks["level"] != "ok"].itertuples():
        problems.append((row.level, f"client.yml goal.{row.field}", f"{row.detail}{hint if row.level == 'error' else ''}"))
    period_days = (goal.end - goal.start).days + 1
    kpi_table = goal.kpis[0].source
    covered = {}
    for table in ("posts", kpi_table):
        spans = dataset.coverage(table)
        covered[table] = _days(dataset.coverage(table, start=goal.start, end=goal.end))
        if spans and len(covered[table]) < period_days:
            problems.append(("warning", f"{table} exports",
                             f"cover {_span_words(spans)}: {len(covered[table])} of the {period_days} days of the period "
                             f"{goal.start.date()} to {goal.end.date()}; the report shows those days only (add the exports "
                             "of the other days, or set period: in client.yml to the days covered)"))
    both = len(covered["posts"] & covered[kpi_table])
    need = needed_days(max_lag=max_lag)
    if dataset.coverage("posts") and both < need:
        problems.append(("warning", "outcome evidence",
                         f"the posts and {goal.kpi} exports cover {both} days together in the period; at least {need} are "
                         f"needed to tell whether engagement precedes {goal.kpi} (the verdicts will say not enough data): "
                         "add exports covering more days"))
    return problems
