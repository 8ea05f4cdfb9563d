"""The business goal comes first: the objective, its KPI, the funnel to it and the metrics under test."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import ConfigError

__all__ = ["Goal", "OBJECTIVES", "TRAFFIC_MEASURES"]

#: Objective -> the KPI that usually measures it, and the table it comes from.
OBJECTIVES: dict[str, dict[str, str]] = {
    "sales": {"kpi": "order", "source": "outcomes"},
    "registrations": {"kpi": "registration", "source": "outcomes"},
    "leads": {"kpi": "lead", "source": "outcomes"},
    "traffic": {"kpi": "sessions", "source": "traffic"},
    "customer_service": {"kpi": "resolved", "source": "outcomes"},
    "custom": {"kpi": "", "source": "outcomes"},
}
TRAFFIC_MEASURES = ("sessions", "users", "engaged_sessions", "key_events", "revenue")
ENGAGEMENT_METRICS = ("reactions", "comments", "shares", "link_clicks", "engagements", "impressions")
FUNNEL_STAGES = ("impressions", "engagements", "link_clicks", "social_sessions", "kpi")
_FIELDS = {"client", "objective", "kpi", "kpi_source", "measure", "target", "period", "funnel", "metrics"}


@dataclass(frozen=True)
class Goal:
    """What the business wants, named before any like is looked at.

    Parameters
    ----------
    client
        The client's name.
    objective
        One of :data:`OBJECTIVES`.
    kpi
        The outcome name in ``outcomes`` (e.g. ``registration``) or a traffic
        measure (e.g. ``sessions``).
    kpi_source
        ``outcomes`` or ``traffic``.
    measure
        For outcomes: ``count`` or ``value`` per day.
    target
        The target for the period, in KPI units (optional).
    start, end
        The period under review (local dates).
    funnel
        The stages from exposure to the KPI.
    metrics
        The engagement metrics under test against the KPI.
    """

    client: str
    objective: str
    kpi: str
    kpi_source: str = "outcomes"
    measure: str = "count"
    target: float | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    funnel: tuple[str, ...] = FUNNEL_STAGES
    metrics: tuple[str, ...] = ("reactions", "comments", "shares", "link_clicks")

    def __post_init__(self) -> None:
        self.check()

    def check(self, file: str | Path | None = None) -> None:
        """Validate every field; raise :class:`ConfigError` naming the field and what is allowed."""
        if self.objective not in OBJECTIVES:
            raise ConfigError(file, "objective", f"{self.objective!r} is not one of {list(OBJECTIVES)}")
        if not self.kpi:
            raise ConfigError(file, "kpi", "is required (an outcome name such as 'order', or a traffic measure)")
        if self.kpi_source not in ("outcomes", "traffic"):
            raise ConfigError(file, "kpi_source", f"{self.kpi_source!r} is not 'outcomes' or 'traffic'")
        if self.kpi_source == "traffic" and self.kpi not in TRAFFIC_MEASURES:
            raise ConfigError(file, "kpi", f"{self.kpi!r} is not a traffic measure; allowed: {list(TRAFFIC_MEASURES)}")
        if self.measure not in ("count", "value"):
            raise ConfigError(file, "measure", f"{self.measure!r} is not 'count' or 'value'")
        unknown = [m for m in self.metrics if m not in ENGAGEMENT_METRICS]
        if unknown:
            raise ConfigError(file, "metrics", f"{unknown} are not engagement metrics; allowed: {list(ENGAGEMENT_METRICS)}")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ConfigError(file, "period.end", "is before period.start")

    @classmethod
    def from_dict(cls, spec: dict[str, Any], *, client: str | None = None, file: str | Path | None = None) -> Goal:
        """Build a goal from a spec (client.yml's ``goal`` or a goal.yml), filling the objective's defaults."""
        unknown = set(spec) - _FIELDS
        if unknown:
            raise ConfigError(file, sorted(unknown)[0], f"unknown field; allowed: {sorted(_FIELDS)}")
        objective = spec.get("objective")
        if objective not in OBJECTIVES:
            raise ConfigError(file, "objective", f"{objective!r} is not one of {list(OBJECTIVES)}")
        template = OBJECTIVES[objective]
        period = spec.get("period") or {}
        kwargs: dict[str, Any] = {
            "client": spec.get("client", client or ""),
            "objective": objective,
            "kpi": str(spec.get("kpi", template["kpi"])),
            "kpi_source": spec.get("kpi_source", template["source"]),
            "measure": spec.get("measure", "count"),
            "target": spec.get("target"),
            "start": pd.Timestamp(str(period["start"])) if period.get("start") else None,
            "end": pd.Timestamp(str(period["end"])) if period.get("end") else None,
        }
        for key in ("funnel", "metrics"):
            if key in spec:
                kwargs[key] = tuple(spec[key])
        try:
            return cls(**kwargs)
        except ConfigError as err:
            raise ConfigError(file, err.field, err.detail) from None

    @classmethod
    def for_client(cls, config: Any, **overrides: Any) -> Goal:
        """The goal in a client's config (a :class:`engagekit.client.ClientConfig`), with overrides."""
        spec = dict(config.goal)
        spec.setdefault("period", {"start": config.period[0], "end": config.period[1]})
        goal = cls.from_dict(spec, client=config.client, file=config.path)
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return replace(goal, **overrides) if overrides else goal

    @classmethod
    def read(cls, path: str | Path) -> Goal:
        """Read a goal spec written by :meth:`write`."""
        path = Path(path)
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls.from_dict(spec, file=path)

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain YAML-ready values."""
        data = asdict(self)
        start, end = data.pop("start"), data.pop("end")
        data["period"] = {
            "start": None if start is None else start.date().isoformat(),
            "end": None if end is None else end.date().isoformat(),
        }
        data["funnel"], data["metrics"] = list(self.funnel), list(self.metrics)
        return data

    def write(self, path: str | Path) -> Path:
        """Save the spec as YAML (for notebooks 02 and 03)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), encoding="utf-8")
        return path

    def check_data(self, dataset: Any) -> None:
        """Check that the client's data has the KPI; the message lists what was found instead."""
        if self.kpi_source == "outcomes":
            found = sorted(dataset.outcomes["outcome"].dropna().unique())
            if self.kpi not in found:
                raise ConfigError(dataset.config.path, "goal.kpi", f"no outcome {self.kpi!r} in outcomes; found: {', '.join(found) or 'none'}")
        elif dataset.traffic.empty:
            raise ConfigError(dataset.config.path, "goal.kpi", f"the KPI {self.kpi!r} needs traffic data and the client has none")

    def describe(self) -> str:
        """The goal in one sentence."""
        unit = f"{self.kpi} {'value' if self.measure == 'value' else 'count'}" if self.kpi_source == "outcomes" else self.kpi
        target = f", target {self.target:g}" if self.target is not None else ""
        period = ""
        if self.start is not None and self.end is not None:
            period = f" from {self.start.date()} to {self.end.date()}"
        return f"Objective: {self.objective}. KPI: daily {unit}{target}{period}."
