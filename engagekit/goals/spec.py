"""The business goal comes first: the objective, its KPIs, the funnel to them and the metrics under test.

A goal is a small YAML/dict spec::

    client: brightpaw
    objective: registrations
    kpis:
      - name: newsletter sign-ups
        source: outcomes
        outcome: registration
        measure: count
        target: 900
        per: period
      - name: social sessions
        source: traffic
        measure: sessions
        channel: Organic Social
    period: {start: 2025-01-01, end: 2025-12-31}
    funnel: [impressions, engagements, link_clicks, social_sessions, kpi]
    metrics: [reactions, comments, shares, link_clicks]

The single-KPI form of earlier specs (``kpi:``, ``kpi_source:``, ``measure:``,
``target:``) is shorthand for a one-item ``kpis`` list; ``goal.kpi``,
``goal.kpi_source``, ``goal.measure`` and ``goal.target`` always describe the
primary (first) KPI.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from engagekit.core.errors import ConfigError
from engagekit.tables.client import rows_in_period
from engagekit.tables.series import ENGAGEMENT_METRICS as POST_METRICS
from engagekit.tables.series import local_day

__all__ = [
    "Goal",
    "KPI",
    "GoalDataWarning",
    "OBJECTIVES",
    "TRAFFIC_MEASURES",
    "OUTCOME_MEASURES",
    "CHANNEL_GROUPS",
    "FUNNEL_STAGES",
    "ENGAGEMENT_METRICS",
]

#: Objective -> the KPI that usually measures it, and the table it comes from (the primary KPI of
#: :meth:`Goal.template`).
OBJECTIVES: dict[str, dict[str, str]] = {
    "sales": {"kpi": "order", "source": "outcomes"},
    "registrations": {"kpi": "registration", "source": "outcomes"},
    "leads": {"kpi": "lead", "source": "outcomes"},
    "traffic": {"kpi": "sessions", "source": "traffic"},
    "customer_service": {"kpi": "resolved", "source": "outcomes"},
    "custom": {"kpi": "", "source": "outcomes"},
}
#: The KPIs :meth:`Goal.template` gives each objective (``custom`` has none: the user names it).
OBJECTIVE_KPIS: dict[str, tuple[dict[str, Any], ...]] = {
    "sales": (
        {"name": "orders", "source": "outcomes", "outcome": "order", "measure": "count"},
        {"name": "revenue", "source": "outcomes", "outcome": "order", "measure": "value"},
    ),
    "registrations": ({"name": "registrations", "source": "outcomes", "outcome": "registration", "measure": "count"},),
    "leads": ({"name": "leads", "source": "outcomes", "outcome": "lead", "measure": "count"},),
    "traffic": (
        {"name": "sessions", "source": "traffic", "measure": "sessions"},
        {"name": "social sessions", "source": "traffic", "measure": "sessions", "channel": "Organic Social"},
    ),
    "customer_service": ({"name": "cases resolved", "source": "outcomes", "outcome": "resolved", "measure": "count"},),
    "custom": (),
}
KPI_SOURCES = ("outcomes", "traffic")
OUTCOME_MEASURES = ("count", "value")
TRAFFIC_MEASURES = ("sessions", "users", "engaged_sessions", "key_events", "revenue")
#: What a target counts over: the whole period under review, or each day/week/month/quarter/year of it.
TARGET_PERIODS = ("period", "day", "week", "month", "quarter", "year")
#: GA4's default channel groups (the names :func:`engagekit.core.channels.default_channel_group` and GA4 write).
CHANNEL_GROUPS = (
    "Direct", "Organic Search", "Paid Search", "Organic Social", "Paid Social", "Email", "Affiliates",
    "Referral", "Organic Shopping", "Paid Shopping", "Display", "Organic Video", "Paid Video",
    "Paid Other", "Cross-network", "Audio", "SMS", "Mobile Push Notifications", "Unassigned",
)
#: Engagement metrics a goal may put under test: the numeric post columns.
ENGAGEMENT_METRICS = tuple(POST_METRICS)
#: Funnel stages from exposure to the KPI, each with the data that feeds it.
FUNNEL_STAGES: dict[str, str] = {
    "impressions": "posts.impressions (by publish day)",
    "reach": "posts.reach (by publish day)",
    "video_views": "posts.video_views (by publish day)",
    "engagements": "posts.engagements (by publish day)",
    "link_clicks": "posts.link_clicks (by publish day)",
    "profile_visits": "posts.profile_visits (by publish day)",
    "social_sessions": "traffic.sessions in the Organic Social and Paid Social channels",
    "kpi": "the primary KPI (outcomes or traffic)",
}
DEFAULT_FUNNEL = ("impressions", "engagements", "link_clicks", "social_sessions", "kpi")
DEFAULT_METRICS = ("reactions", "comments", "shares", "link_clicks")

_FIELDS = ("client", "objective", "kpis", "kpi", "kpi_source", "measure", "target", "period", "funnel", "metrics")
_KPI_FIELDS = ("name", "source", "outcome", "measure", "channel", "target", "per")
_PERIOD_FIELDS = ("start", "end")


class GoalDataWarning(UserWarning):
    """The client's data cannot feed part of the goal (a metric or a funnel stage has no data)."""


def _unknown(spec: Mapping[str, Any], allowed: Sequence[str], where: str, file: str | Path | None) -> None:
    unknown = [str(k) for k in spec if k not in allowed]
    if unknown:
        path = f"{where}.{unknown[0]}" if where else unknown[0]
        raise ConfigError(file, path, f"unknown field{'s' if len(unknown) > 1 else ''} {unknown}; allowed: {list(allowed)}")


def _objective(value: Any, file: str | Path | None) -> str:
    if value not in OBJECTIVES:
        raise ConfigError(file, "objective", f"{value!r} is not one of {list(OBJECTIVES)}")
    return value


def _number(value: Any, where: str, file: str | Path | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(file, where, f"{value!r} is not a number")
    if value < 0:
        raise ConfigError(file, where, f"{value!r} is negative; a target is a count or an amount")
    return float(value)


def _date(value: Any, where: str, file: str | Path | None) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(str(value)).normalize()
    except ValueError:
        raise ConfigError(file, where, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _channel(value: Any, where: str, file: str | Path | None) -> str | None:
    if value is None:
        return None
    names = {c.lower(): c for c in CHANNEL_GROUPS}
    if not isinstance(value, str) or value.strip().lower() not in names:
        raise ConfigError(file, where, f"{value!r} is not a GA4 default channel group; allowed: {list(CHANNEL_GROUPS)}")
    return names[value.strip().lower()]


@dataclass(frozen=True)
class KPI:
    """One key performance indicator: an outcome counted or valued, or a traffic measure.

    Parameters
    ----------
    source
        ``outcomes`` or ``traffic``.
    measure
        For outcomes: ``count`` or ``value``; for traffic: one of :data:`TRAFFIC_MEASURES`.
    outcome
        The outcome name in ``outcomes.outcome`` (e.g. ``registration``); outcomes only.
    channel
        Restrict a traffic measure to one GA4 default channel group (e.g. ``Organic Social``).
    name
        A label; by default built from the outcome or measure.
    target
        The target in KPI units, over ``per``.
    per
        What the target counts over: ``period`` (the whole period) or ``day``, ``week``, ``month``,
        ``quarter``, ``year``.
    """

    source: str
    measure: str
    outcome: str | None = None
    channel: str | None = None
    name: str = ""
    target: float | None = None
    per: str = "period"

    def __post_init__(self) -> None:
        _check_kpi(self, "kpi", None)
        if not self.name:
            object.__setattr__(self, "name", self.default_name())

    def default_name(self) -> str:
        """The label built from the outcome or the measure."""
        if self.source == "outcomes":
            return str(self.outcome) if self.measure == "count" else f"{self.outcome} value"
        return self.measure if self.channel is None else f"{self.measure} ({self.channel})"

    @property
    def column(self) -> str:
        """The legacy single-KPI name: the outcome (outcomes) or the traffic measure (traffic)."""
        return str(self.outcome) if self.source == "outcomes" else self.measure

    def describe(self) -> str:
        """The KPI in a few words, e.g. ``daily registration count`` or ``daily sessions (Organic Social)``."""
        if self.source == "outcomes":
            return f"daily {self.outcome} {'value' if self.measure == 'value' else 'count'}"
        return f"daily {self.measure}" + ("" if self.channel is None else f" ({self.channel})")

    def to_dict(self) -> dict[str, Any]:
        """Plain YAML-ready values (fields left at their default are left out)."""
        data: dict[str, Any] = {"name": self.name, "source": self.source}
        if self.outcome is not None:
            data["outcome"] = self.outcome
        data["measure"] = self.measure
        if self.channel is not None:
            data["channel"] = self.channel
        if self.target is not None:
            data["target"] = self.target
        if self.per != "period":
            data["per"] = self.per
        return data

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any] | KPI, *, where: str = "kpi", file: str | Path | None = None) -> KPI:
        """Build a KPI from one item of a spec's ``kpis`` list; ``where`` names it in messages.

        ``source`` may be left out: an item with ``outcome`` is from outcomes, an item whose
        ``measure`` is a traffic measure is from traffic.
        """
        if isinstance(spec, KPI):
            return spec
        if not isinstance(spec, Mapping):
            raise ConfigError(file, where, f"must be a mapping with fields {list(_KPI_FIELDS)}, got {spec!r}")
        _unknown(spec, _KPI_FIELDS, where, file)
        source = spec.get("source")
        measure = spec.get("measure")
        if source is None:
            source = "traffic" if measure in TRAFFIC_MEASURES and "outcome" not in spec else "outcomes"
        if measure is None and source == "outcomes":
            measure = "count"
        kpi = object.__new__(cls)
        values = {
            "source": source, "measure": measure, "outcome": spec.get("outcome"),
            "channel": spec.get("channel"), "name": spec.get("name") or "",
            "target": spec.get("target"), "per": spec.get("per", "period"),
        }
        for key, value in values.items():
            object.__setattr__(kpi, key, value)
        _check_kpi(kpi, where, file)
        if not kpi.name:
            object.__setattr__(kpi, "name", kpi.default_name())
        return kpi


def _check_kpi(kpi: KPI, where: str, file: str | Path | None) -> None:
    """Validate (and canonicalise in place) a KPI's fields; messages name ``where.field``."""
    if kpi.source not in KPI_SOURCES:
        raise ConfigError(file, f"{where}.source", f"{kpi.source!r} is not one of {list(KPI_SOURCES)}")
    if kpi.source == "outcomes":
        if not isinstance(kpi.outcome, str) or not kpi.outcome.strip():
            raise ConfigError(file, f"{where}.outcome", "is required for an outcomes KPI (the outcome's name, such as 'order')")
        if kpi.measure not in OUTCOME_MEASURES:
            raise ConfigError(file, f"{where}.measure", f"{kpi.measure!r} is not an outcome measure; allowed: {list(OUTCOME_MEASURES)}")
        if kpi.channel is not None:
            raise ConfigError(file, f"{where}.channel", "applies to traffic KPIs only (outcomes carry their own source and medium)")
    else:
        if kpi.outcome is not None:
            raise ConfigError(file, f"{where}.outcome", "applies to outcomes KPIs only; a traffic KPI names its measure")
        if kpi.measure not in TRAFFIC_MEASURES:
            raise ConfigError(file, f"{where}.measure", f"{kpi.measure!r} is not a traffic measure; allowed: {list(TRAFFIC_MEASURES)}")
        object.__setattr__(kpi, "channel", _channel(kpi.channel, f"{where}.channel", file))
    if not isinstance(kpi.name, str):
        raise ConfigError(file, f"{where}.name", f"{kpi.name!r} is not text")
    object.__setattr__(kpi, "target", _number(kpi.target, f"{where}.target", file))
    if kpi.per not in TARGET_PERIODS:
        raise ConfigError(file, f"{where}.per", f"{kpi.per!r} is not one of {list(TARGET_PERIODS)}")


def _legacy(kpi: KPI) -> tuple[str, str, str]:
    """(kpi, kpi_source, measure) of the single-KPI form."""
    return kpi.column, kpi.source, kpi.measure if kpi.source == "outcomes" else "count"


@dataclass(frozen=True)
class Goal:
    """What the business wants, named before any like is looked at.

    Parameters
    ----------
    client
        The client's name.
    objective
        One of :data:`OBJECTIVES`.
    kpi, kpi_source, measure, target
        The primary KPI in the single-KPI form: the outcome name (e.g. ``registration``)
        or traffic measure (e.g. ``sessions``), its table (``outcomes`` or ``traffic``),
        ``count`` or ``value`` for outcomes, and its target. Left empty, they are
        filled from ``kpis[0]``; given, they replace ``kpis[0]`` (so
        ``dataclasses.replace(goal, kpi="order")`` changes the primary KPI).
    start, end
        The period under review (local dates).
    funnel
        The stages from exposure to the KPI (names in :data:`FUNNEL_STAGES`).
    metrics
        The engagement metrics under test against the KPI (:data:`ENGAGEMENT_METRICS`).
    kpis
        Every KPI (:class:`KPI` or its dict form), the primary first. Empty: the
        single-KPI fields, or the objective's template.
    """

    client: str
    objective: str
    kpi: str = ""
    kpi_source: str = ""
    measure: str = ""
    target: float | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    funnel: tuple[str, ...] = DEFAULT_FUNNEL
    metrics: tuple[str, ...] = DEFAULT_METRICS
    kpis: tuple[KPI, ...] = field(default=())

    def __post_init__(self) -> None:
        self._normalise(None)
        self.check()

    def _normalise(self, file: str | Path | None) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        _objective(self.objective, file)
        kpis = tuple(KPI.from_dict(k, where=f"kpis[{i}]", file=file) for i, k in enumerate(self.kpis or ()))
        if not kpis and not self.kpi:
            kpis = tuple(KPI.from_dict(k, where=f"kpis[{i}]", file=file) for i, k in enumerate(OBJECTIVE_KPIS[self.objective]))
            if not kpis:
                raise ConfigError(file, "kpis", f"is required for the objective {self.objective!r} (an outcome such as 'order', or a traffic measure)")
        if kpis:
            primary = kpis[0]
            old = (*_legacy(primary), primary.target)
            new = (self.kpi or old[0], self.kpi_source or old[1], self.measure or old[2],
                   self.target if self.target is not None else old[3])
            if new != old:  # the single-KPI fields were changed (e.g. by dataclasses.replace)
                kpis = (self._primary_from_fields(*new, keep=primary, file=file), *kpis[1:])
        else:
            source = self.kpi_source or ("traffic" if self.kpi in TRAFFIC_MEASURES and self.objective == "traffic" else OBJECTIVES[self.objective]["source"])
            kpis = (self._primary_from_fields(self.kpi, source, self.measure or "count", self.target, keep=None, file=file),)
        set_("kpis", kpis)
        kpi, source, measure = _legacy(kpis[0])
        set_("kpi", kpi)
        set_("kpi_source", source)
        set_("measure", measure)
        set_("target", kpis[0].target)
        for name, value in (("start", self.start), ("end", self.end)):
            set_(name, _date(value, f"period.{name}", file))
        set_("funnel", tuple(self.funnel))
        set_("metrics", tuple(self.metrics))

    @staticmethod
    def _primary_from_fields(kpi: str, source: str, measure: str, target: float | None, *, keep: KPI | None, file: str | Path | None) -> KPI:
        if source not in KPI_SOURCES:
            raise ConfigError(file, "kpi_source", f"{source!r} is not one of {list(KPI_SOURCES)}")
        if not kpi:
            raise ConfigError(file, "kpi", "is required (an outcome name such as 'order', or a traffic measure)")
        if measure not in OUTCOME_MEASURES:
            raise ConfigError(file, "measure", f"{measure!r} is not one of {list(OUTCOME_MEASURES)}")
        if source == "traffic" and kpi not in TRAFFIC_MEASURES:
            raise ConfigError(file, "kpi", f"{kpi!r} is not a traffic measure; allowed: {list(TRAFFIC_MEASURES)}")
        spec: dict[str, Any] = {"source": source, "target": target}
        spec.update({"outcome": kpi, "measure": measure} if source == "outcomes" else {"measure": kpi})
        if keep is not None and _legacy(keep) == _legacy(KPI.from_dict(spec, where="kpi", file=file)):
            return replace(keep, target=target)
        return KPI.from_dict(spec, where="kpi", file=file)

    # ----------------------------------------------------------------- validation
    def check(self, file: str | Path | None = None) -> None:
        """Validate every field; raise :class:`ConfigError` naming the field (dotted path) and what is allowed."""
        names: dict[str, int] = {}
        for i, kpi in enumerate(self.kpis):
            if kpi.name in names:
                raise ConfigError(file, f"kpis[{i}].name", f"{kpi.name!r} is already the name of kpis[{names[kpi.name]}]; names must differ")
            names[kpi.name] = i
        for i, stage in enumerate(self.funnel):
            if stage not in FUNNEL_STAGES:
                raise ConfigError(file, f"funnel[{i}]", f"{stage!r} is not a funnel stage; allowed: {list(FUNNEL_STAGES)}")
            if stage in self.funnel[:i]:
                raise ConfigError(file, f"funnel[{i}]", f"{stage!r} is listed twice")
        if "kpi" in self.funnel and self.funnel[-1] != "kpi":
            raise ConfigError(file, f"funnel[{self.funnel.index('kpi')}]", "'kpi' is the last stage of a funnel")
        if not [s for s in self.funnel if s != "kpi"]:
            raise ConfigError(file, "funnel", f"needs at least one stage before the KPI; allowed: {list(FUNNEL_STAGES)}")
        for i, metric in enumerate(self.metrics):
            if metric not in ENGAGEMENT_METRICS:
                raise ConfigError(file, f"metrics[{i}]", f"{metric!r} is not an engagement metric; allowed: {list(ENGAGEMENT_METRICS)}")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ConfigError(file, "period.end", f"{self.end.date()} is before period.start {self.start.date()}")

    # ----------------------------------------------------------------- building
    @classmethod
    def from_dict(cls, spec: Mapping[str, Any], *, client: str | None = None, file: str | Path | None = None) -> Goal:
        """Build a goal from a spec (client.yml's ``goal`` or a goal.yml), filling the objective's defaults.

        Raises
        ------
        ConfigError
            Naming the field by its dotted path (``kpis[1].measure``) and what is allowed.
        """
        if not isinstance(spec, Mapping):
            raise ConfigError(file, "goal", f"must be a mapping of fields {list(_FIELDS)}")
        _unknown(spec, _FIELDS, "", file)
        objective = _objective(spec.get("objective"), file)
        single = [k for k in ("kpi", "kpi_source", "measure") if k in spec]
        if "kpis" in spec and single:
            raise ConfigError(file, single[0], "give either 'kpis' (a list) or the single-KPI fields kpi/kpi_source/measure, not both")
        kpis: tuple[KPI, ...] = ()
        if "kpis" in spec:
            raw = spec["kpis"]
            if not isinstance(raw, list) or not raw:
                raise ConfigError(file, "kpis", f"must be a non-empty list of KPIs, each with fields {list(_KPI_FIELDS)}")
            kpis = tuple(KPI.from_dict(item, where=f"kpis[{i}]", file=file) for i, item in enumerate(raw))
            if "target" in spec:
                raise ConfigError(file, "target", "with 'kpis', give each KPI its own target (kpis[0].target)")
        elif single:
            kpi = str(spec.get("kpi", OBJECTIVES[objective]["kpi"]))
            source = spec.get("kpi_source") or (
                "traffic" if kpi in TRAFFIC_MEASURES and "kpi" in spec and objective in ("traffic", "custom") else OBJECTIVES[objective]["source"]
            )
            item = {"source": source, "target": spec.get("target")}
            item.update({"outcome": kpi, "measure": spec.get("measure", "count")} if source == "outcomes" else {"measure": kpi})
            if source == "traffic" and spec.get("measure", "count") not in OUTCOME_MEASURES:
                raise ConfigError(file, "measure", f"{spec['measure']!r} is not one of {list(OUTCOME_MEASURES)}")
            field_of = {"outcome": "kpi", "source": "kpi_source", "target": "target", "measure": "measure" if source == "outcomes" else "kpi"}
            try:
                kpis = (KPI.from_dict(item, where="kpi", file=file),)
            except ConfigError as err:
                raise ConfigError(file, field_of.get(err.field.split(".")[-1], err.field), err.detail) from None
        else:
            kpis = tuple(KPI.from_dict(k, where=f"kpis[{i}]", file=file) for i, k in enumerate(OBJECTIVE_KPIS[objective]))
            if not kpis:
                raise ConfigError(file, "kpis", f"is required for the objective {objective!r}: a list of KPIs, each with fields {list(_KPI_FIELDS)}")
            if spec.get("target") is not None:
                kpis = (replace(kpis[0], target=_number(spec["target"], "target", file)), *kpis[1:])
        period = spec.get("period") or {}
        if not isinstance(period, Mapping):
            raise ConfigError(file, "period", "must be a mapping with start and end (YYYY-MM-DD)")
        _unknown(period, _PERIOD_FIELDS, "period", file)
        kwargs: dict[str, Any] = {
            "client": str(spec.get("client") or client or ""),
            "objective": objective,
            "kpis": kpis,
            "start": _date(period.get("start"), "period.start", file),
            "end": _date(period.get("end"), "period.end", file),
        }
        for key in ("funnel", "metrics"):
            if key in spec:
                value = spec[key]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(file, key, f"must be a list of names; allowed: {list(FUNNEL_STAGES if key == 'funnel' else ENGAGEMENT_METRICS)}")
                kwargs[key] = tuple(value)
        try:
            return cls(**kwargs)
        except ConfigError as err:
            raise ConfigError(file, err.field, err.detail) from None

    @classmethod
    def template(cls, objective: str, *, client: str = "", **overrides: Any) -> Goal:
        """A goal with the objective's sensible defaults (its usual KPIs, the default funnel and metrics).

        ``overrides`` are any of the goal's fields (``kpis``, ``start``, ``end``, ``funnel``, ``metrics``).
        The ``custom`` objective has no default KPI: pass ``kpis``.

        Examples
        --------
        >>> Goal.template("sales", client="brightpaw").kpis[1].measure
        'value'
        """
        _objective(objective, None)
        kwargs: dict[str, Any] = {"client": client, "objective": objective, "kpis": OBJECTIVE_KPIS[objective]}
        kwargs.update(overrides)
        return cls(**kwargs)

    @classmethod
    def for_client(cls, config: Any, **overrides: Any) -> Goal:
        """The goal in a client's config (a :class:`engagekit.tables.client.ClientConfig`), with overrides."""
        spec = dict(config.goal)
        spec.setdefault("period", {"start": config.period[0], "end": config.period[1]})
        goal = cls.from_dict(spec, client=config.client, file=config.path)
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return replace(goal, **overrides) if overrides else goal

    def with_kpi(self, kpi: str | KPI | Mapping[str, Any]) -> Goal:
        """This goal with another primary KPI: a :class:`KPI`, its dict form, or a name.

        A name that is a traffic measure (``sessions``) gives a traffic KPI, any other
        name an outcome count (``order``). The other KPIs are kept.
        """
        if isinstance(kpi, str):
            spec: Mapping[str, Any] = {"source": "traffic", "measure": kpi} if kpi in TRAFFIC_MEASURES else {"outcome": kpi}
            kpi = KPI.from_dict(spec, where="kpi")
        new = KPI.from_dict(kpi, where="kpi")
        rest = tuple(k for k in self.kpis[1:] if k.name != new.name)
        return replace(self, kpi="", kpi_source="", measure="", target=None, kpis=(new, *rest))

    # ----------------------------------------------------------------- reading and writing
    @classmethod
    def read(cls, path: str | Path) -> Goal:
        """Read a goal spec written by :meth:`write` (or by hand, e.g. from :func:`engagekit.goals.templates.write_goal_template`)."""
        path = Path(path)
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as err:
            raise ConfigError(path, "goal", f"not valid YAML: {err}") from None
        return cls.from_dict(spec, file=path)

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain YAML-ready values (the ``kpis`` list form)."""
        return {
            "client": self.client,
            "objective": self.objective,
            "kpis": [k.to_dict() for k in self.kpis],
            "period": {
                "start": None if self.start is None else self.start.date().isoformat(),
                "end": None if self.end is None else self.end.date().isoformat(),
            },
            "funnel": list(self.funnel),
            "metrics": list(self.metrics),
        }

    def write(self, path: str | Path) -> Path:
        """Save the spec as YAML (for notebooks 02 and 03); :meth:`read` gives an equal goal back."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    # ----------------------------------------------------------------- against the data
    def data_checks(self, dataset: Any) -> pd.DataFrame:
        """Check every KPI, metric and funnel stage against the client's data in the goal's period.

        Returns
        -------
        pandas.DataFrame
            One row per item: ``field`` (dotted path, e.g. ``kpis[0].outcome``), ``item``
            (its value), ``level`` (``ok``, ``warning``: the analysis runs with NA there,
            ``error``: it cannot run), ``detail``.
        """
        from engagekit.core.channels import traffic_channel
        from engagekit.tables.coverage import stage_availability

        tz = dataset.config.timezone
        posts, traffic, outcomes = (rows_in_period(getattr(dataset, table), column, tz=tz, start=self.start, end=self.end)
                                    for table, column in (("posts", "published_at"), ("traffic", "date"),
                                                          ("outcomes", "occurred_at")))
        span = _span_text(self.start, self.end)
        rows: list[tuple[str, str, str, str]] = []
        all_outcomes = dataset.outcomes["outcome"].dropna()
        for i, kpi in enumerate(self.kpis):
            where = f"kpis[{i}]"
            if kpi.source == "outcomes":
                found = sorted(all_outcomes.unique())
                if kpi.outcome not in found:
                    rows.append((f"{where}.outcome", kpi.outcome, "error", f"no outcome {kpi.outcome!r} in outcomes; found: {', '.join(found) or 'none'}"))
                    continue
                mine = outcomes.loc[outcomes["outcome"] == kpi.outcome]
                if mine.empty:
                    days = local_day(dataset.outcomes.loc[dataset.outcomes["outcome"] == kpi.outcome, "occurred_at"], tz)
                    rows.append((f"{where}.outcome", kpi.outcome, "error", f"no outcome {kpi.outcome!r} {span}; the data has it from {days.min().date()} to {days.max().date()}"))
                elif kpi.measure == "value" and mine["value"].isna().all():
                    rows.append((f"{where}.measure", kpi.measure, "error", f"no {kpi.outcome!r} outcome {span} has a value; use measure 'count'"))
                else:
                    rows.append((where, kpi.name, "ok", f"{len(mine)} {kpi.outcome!r} outcomes {span}"))
                continue
            if dataset.traffic.empty:
                rows.append((f"{where}.source", kpi.source, "error", f"the KPI {kpi.name!r} needs traffic data and the client has none (load a GA4 or Universal Analytics export)"))
                continue
            if traffic.empty:
                rows.append((f"{where}.source", kpi.source, "error", f"no traffic {span}; the traffic data covers {dataset.traffic['date'].min().date()} to {dataset.traffic['date'].max().date()}"))
                continue
            rows_kpi = traffic
            if kpi.channel is not None:
                channels = traffic_channel(traffic)
                rows_kpi = traffic.loc[(channels == kpi.channel).to_numpy()]
                if rows_kpi.empty:
                    found = sorted(channels.dropna().unique())
                    rows.append((f"{where}.channel", kpi.channel, "error", f"no traffic in the channel {kpi.channel!r} {span}; channels found: {', '.join(found) or 'none'}"))
                    continue
            if rows_kpi[kpi.measure].isna().all():
                reported = [m for m in TRAFFIC_MEASURES if traffic[m].notna().any()]
                rows.append((f"{where}.measure", kpi.measure, "error", f"the traffic data does not report {kpi.measure!r} {span}; it reports: {', '.join(reported) or 'nothing'}"))
            else:
                rows.append((where, kpi.name, "ok", f"{len(rows_kpi)} traffic rows {span}"))
        with_data = [c for c in ENGAGEMENT_METRICS if posts[c].notna().any()]
        covers = _covers_text(dataset, "posts", self.start, self.end)
        for i, metric in enumerate(self.metrics):
            if metric in with_data:
                rows.append((f"metrics[{i}]", metric, "ok", f"{int(posts[metric].notna().sum())} posts report it {span}{covers}"))
            else:
                rows.append((f"metrics[{i}]", metric, "warning", f"no post {span} reports {metric!r}; posts columns with data: {', '.join(with_data) or 'none'}"))
        availability = stage_availability(posts, traffic, [s for s in self.funnel if s != "kpi"])
        for i, stage in enumerate(self.funnel):
            if stage == "kpi":
                continue
            why = availability.get(stage)
            rows.append((f"funnel[{i}]", stage, "ok" if why is None else "warning", "has data" if why is None else why))
        return pd.DataFrame(rows, columns=["field", "item", "level", "detail"]).astype("str")

    def check_data(self, dataset: Any) -> pd.DataFrame:
        """Check the goal against the client's data: raise for a KPI the data cannot give, warn for the rest.

        Every KPI is checked against outcomes or traffic (``no outcome 'signup' in outcomes;
        found: order, registration``), the metrics against the posts columns that hold
        data, and each funnel stage against the data that feeds it.

        Returns
        -------
        pandas.DataFrame
            :meth:`data_checks`.

        Raises
        ------
        ConfigError
            When a KPI cannot be computed from the data (every such KPI is named; nothing is warned then).

        Warns
        -----
        GoalDataWarning
            For each metric or funnel stage without data (the analyses show NA there).
        """
        checks = self.data_checks(dataset)
        errors = checks.loc[checks["level"] == "error"]
        if not errors.empty:
            first = errors.iloc[0]
            more = "; ".join(f"goal.{f}: {d}" for f, d in zip(errors["field"].iloc[1:], errors["detail"].iloc[1:]))
            raise ConfigError(dataset.config.path, f"goal.{first['field']}", first["detail"] + (f" (and {more})" if more else ""))
        for row in checks.loc[checks["level"] == "warning"].itertuples():
            warnings.warn(f"goal {row.field} {row.item!r}: {row.detail}", GoalDataWarning, stacklevel=2)
        return checks

    def with_data_period(self, dataset: Any) -> Goal:
        """The goal with the open ends of its period set to what the data covers.

        An end left out (``period`` omitted or half given in client.yml) becomes the first or last
        day the exports of the posts and of the primary KPI's table cover
        (:meth:`engagekit.Dataset.coverage`: their rows, or the period their file names declare).
        A goal whose period is given, or a client without such exports, is returned as it is.
        """
        if self.start is not None and self.end is not None:
            return self
        spans = [span for table in ("posts", self.kpis[0].source) for span in dataset.coverage(table)]
        if not spans:
            return self
        start = self.start if self.start is not None else min(first for first, _ in spans)
        end = self.end if self.end is not None else max(last for _, last in spans)
        return replace(self, start=start, end=max(end, start))

    def describe(self) -> str:
        """The goal in a sentence or two."""
        target = f", target {self.target:g}" if self.target is not None else ""
        if self.target is not None and self.kpis[0].per != "period":
            target += f" per {self.kpis[0].per}"
        period = ""
        if self.start is not None and self.end is not None:
            period = f" from {self.start.date()} to {self.end.date()}"
        text = f"Objective: {self.objective}. KPI: {self.kpis[0].describe()}{target}{period}."
        if len(self.kpis) > 1:
            others = ", ".join(
                k.describe() + ("" if k.target is None else f" (target {k.target:g}" + ("" if k.per == "period" else f" per {k.per}") + ")")
                for k in self.kpis[1:]
            )
            text += f" Also: {others}."
        return text


def _covers_text(dataset: Any, table: str, start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    """``"; the posts exports cover only 2025-06-01 to 2025-06-30"`` where the exports of ``table`` miss days of
    the period (nothing when they cover all of it, or the dataset does not say)."""
    coverage = getattr(dataset, "coverage", None)
    if coverage is None or start is None or end is None or not coverage(table):
        return ""
    inside = coverage(table, start=start, end=end)
    if len(inside) == 1 and inside[0] == (start, end):
        return ""
    days = sum((b - a).days + 1 for a, b in inside)
    where = ", ".join(f"{a.date()} to {b.date()}" for a, b in inside) or "none of it"
    return f"; the {table} exports cover only {where} ({days} of the period's {(end - start).days + 1} days)"


def _span_text(start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    if start is None and end is None:
        return "in the data"
    if start is None:
        return f"up to {end.date()}"
    if end is None:
        return f"from {start.date()}"
    return f"from {start.date()} to {end.date()}"
