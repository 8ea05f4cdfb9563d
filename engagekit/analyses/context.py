"""What every notebook starts from: the client's data, its goal, and where its key figures go."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from engagekit.tables.client import Dataset, load_client
from engagekit.goals.spec import Goal

__all__ = ["Analysis", "open_analysis", "read_key_figures"]

GOAL_FILE = "goal.yml"
FIGURES_DIR = "key_figures"


@dataclass
class Analysis:
    """A client's dataset and goal, and the folder the notebook writes to (None: write nothing)."""

    dataset: Dataset
    goal: Goal
    output_dir: Path | None

    @property
    def tz(self) -> str:
        return self.dataset.config.timezone

    def save_goal(self) -> Path | None:
        """Write the goal spec for the next notebooks (nothing without an output folder)."""
        return None if self.output_dir is None else self.goal.write(self.output_dir / GOAL_FILE)

    def save_key_figures(self, section: str, figures: dict[str, Any]) -> Path | None:
        """Record a section's key figures (machine-readable, stable keys) for the report."""
        if self.output_dir is None:
            return None
        path = self.output_dir / FIGURES_DIR / f"{section}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_plain(figures), indent=2, sort_keys=True), encoding="utf-8")
        return path


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def open_analysis(
    client: str | Path,
    *,
    output_dir: str | Path | None = None,
    period_start: str | None = None,
    period_end: str | None = None,
    kpi: str | None = None,
) -> Analysis:
    """Load the client and its goal: the goal.yml saved by notebook 01 in ``output_dir`` if there
    is one, else the client's client.yml goal; the parameters given here override the period and KPI.
    Empty strings count as "not given" (papermill parameters). An end of the period left open is
    set to what the exports cover (:meth:`Goal.with_data_period`), and the dataset holds the days of
    the period only (:meth:`Dataset.in_period`): every analysis sees the same days."""
    dataset = load_client(client)
    out = Path(output_dir) if output_dir else None
    saved = out / GOAL_FILE if out is not None else None
    goal = Goal.read(saved) if saved is not None and saved.is_file() else Goal.for_client(dataset.config)
    overrides = {
        "start": pd.Timestamp(period_start) if period_start else None,
        "end": pd.Timestamp(period_end) if period_end else None,
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if overrides:
        goal = replace(goal, **overrides)
    if kpi:
        goal = goal.with_kpi(kpi)
    goal = goal.with_data_period(dataset)  # an open end of the period: what the exports cover
    goal.check_data(dataset)
    dataset = dataset.in_period(goal.start, goal.end)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    return Analysis(dataset=dataset, goal=goal, output_dir=out)


def read_key_figures(output_dir: str | Path) -> dict[str, Any]:
    """All sections' key figures written under ``output_dir``, keyed by section."""
    folder = Path(output_dir) / FIGURES_DIR
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}
