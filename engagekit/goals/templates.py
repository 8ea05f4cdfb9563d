"""A commented client.yml for a new client folder: every field, what it means, its allowed values."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from engagekit.core import schema
from engagekit.core.schema import CATEGORIES
from engagekit.tables.client import CONFIG_NAME, DEFAULT_PRIMARY_COLOUR, LOGO_TYPES, NOT_DATA, check_client_name, check_timezone
from engagekit.goals.spec import (
    CHANNEL_GROUPS, DEFAULT_FUNNEL, DEFAULT_METRICS, ENGAGEMENT_METRICS, FUNNEL_STAGES, KPI, OBJECTIVE_KPIS, OBJECTIVES,
    OUTCOME_MEASURES, TARGET_PERIODS, TRAFFIC_MEASURES, Goal, _objective,
)
from engagekit.loaders import FORMATS

__all__ = ["client_template_yaml", "goal_template_yaml", "write_client_template", "write_goal_template"]

#: The first line of the goal template that belongs in client.yml (its header and ``client:`` do not).
_GOAL_START = "# What the business wants."
#: The goal template's own period: client.yml's top-level ``period`` serves the goal.
_GOAL_PERIOD = ("# The period under review", "period:", "  start:", "  end:")


def _wrap(text: str, *, indent: str = "") -> list[str]:
    """``text`` as comment lines of at most 100 characters, indented ``indent`` after the ``#``."""
    return textwrap.wrap(text, width=100, initial_indent=f"# {indent}", subsequent_indent=f"# {indent}  ")


def _value(key: str, value: str) -> str:
    return yaml.safe_dump({key: value}, allow_unicode=True, default_flow_style=False, width=1000).strip()


def _goal_lines(objective: str, client: str) -> list[str]:
    """The goal template's fields, indented under ``goal:`` (without its client and period)."""
    text = goal_template_yaml(objective, client=client).replace("the whole period below", "the whole period under review")
    lines = text.splitlines()
    lines = lines[next(i for i, line in enumerate(lines) if line.startswith(_GOAL_START)):]
    kept: list[str] = []
    for line in lines:
        if not line.startswith(_GOAL_PERIOD) and (line or (kept and kept[-1])):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return [f"  {line}" if line else "" for line in kept]


def client_template_yaml(client: str, *, timezone: str = "UTC", objective: str = "registrations") -> str:
    """A client.yml for ``client`` as YAML, each field explained in a comment with its allowed values.

    Left as written, it reads with :func:`engagekit.read_config`: the client's
    name, the time zone, a goal for ``objective`` (the objective's usual KPIs,
    as :func:`engagekit.goal_template_yaml` writes them) and the default
    branding are set; the optional fields stay comments to fill in.

    Raises
    ------
    ConfigError
        ``client`` is empty, ``timezone`` is not an IANA time zone, or
        ``objective`` is not one of :data:`engagekit.goals.spec.OBJECTIVES`.
    """
    check_client_name(client, None)
    check_timezone(timezone, None)  # an unknown objective is refused by goal_template_yaml
    not_data = ", ".join(sorted(NOT_DATA))
    lines = [
        "# engagekit client configuration: one client's settings, in the client's folder.",
        "# Check it with engagekit.read_config(folder); load the data with engagekit.load_client(folder).",
        "# Every field but `client` is optional: a field left commented out takes the default named here.",
        "# Every path is relative to this folder and must stay inside it (after following symbolic",
        "# links): engagekit reads nothing outside the client's folder on the client's behalf.",
        "",
        "# The client's short name: the name of its report folder and its row in a portfolio. Required.",
        _value("client", client),
        "",
        "# The name the report shows its reader. Default: the client's name.",
        _value("display_name", client),
        "",
        "# The accounts' time zone, an IANA name (e.g. Europe/Berlin, America/New_York): it makes the local",
        "# calendar days, and reads timestamps an export writes without an offset. Default: UTC.",
        _value("timezone", timezone),
        "",
        "# The currency of outcome values, a three-letter ISO 4217 code (e.g. EUR, USD). Default: none.",
        "# currency: EUR",
        "",
        "# The salt for hashing emails and other identifiers into customer keys. Keep it secret, and keep",
        "# it the same from month to month so the keys match. Default: engagekit's built-in salt.",
        "# salt: a-secret-of-your-own",
        "",
        "# The period under review: local dates (YYYY-MM-DD); either end may be left out. Default: all the data.",
        "# period: {start: 2025-01-01, end: 2025-12-31}",
        "",
        "# The sub-folder of this folder that holds the export files (e.g. exports). Default: this folder.",
        *_wrap(f"Every file in it is read, its format detected from its content, except {not_data}, hidden "
               "files, the labels file and the logo."),
        "# data: exports",
        "",
        "# Files that need to be told how to be read; every other file of the data folder is detected.",
        "# A list; each entry is a file name, or a mapping with these fields (all but path optional):",
        "#   path: the file, relative to this folder (a workbook may be listed once per format)",
        *_wrap(f"format: read it as this format, skipping detection: {', '.join(FORMATS)} "
               "(`engagekit formats` describes each)", indent="  "),
        f"#   table: the table a generic file feeds: {', '.join(schema.TABLES)}",
        "#   columns: {canonical column: the file's header}, for the generic format (table required)",
        "#   constants: {canonical column: a value for every row}, e.g. {outcome: registration}",
        "#   options: {format option: value}, e.g. {year: 2025}; each format's docstring lists its options",
        "# files:",
        "#   - path: newsletter_signups.csv",
        "#     format: generic",
        "#     table: outcomes",
        "#     columns: {occurred_at: Signed up at, customer_key: Email, campaign: utm_campaign}",
        "#     constants: {outcome: registration}",
        "",
        "# Your own post categories: a CSV with the columns post_id and category (optional platform), or",
        "# {path: posts.csv, columns: {post_id: Post ID, category: Category}} to take them from an export.",
        *_wrap(f"Categories: {', '.join(CATEGORIES)}. Default: none (the rules classify every post)."),
        "# labels: labels.csv",
        "",
        "# What the business wants: the goal every analysis works back from. Its period is the one above.",
        "goal:",
        *_goal_lines(objective, client),
        "",
        "# How the report looks to the client (the name it shows is display_name above).",
        "branding:",
        f"  # logo: a PNG, JPEG, GIF or SVG file in this folder ({', '.join(LOGO_TYPES)}). Default: no logo.",
        "  # logo: logo.png",
        "  # primary_colour (or primary_color): headings and accents, a CSS hex colour #rgb or #rrggbb,",
        "  # in quotes (YAML reads an unquoted # as the start of a comment).",
        f'  primary_colour: "{DEFAULT_PRIMARY_COLOUR}"',
        "",
    ]
    return "\n".join(lines)


def write_client_template(
    folder: str | Path,
    *,
    client: str | None = None,
    timezone: str = "UTC",
    objective: str = "registrations",
    force: bool = False,
) -> Path:
    """Write :func:`client_template_yaml` to ``folder/client.yml`` (the folder made if need be); returns its path.

    Parameters
    ----------
    folder
        The client's folder.
    client
        The client's name; default: the folder's name.
    timezone, objective
        As in :func:`client_template_yaml`.
    force
        Overwrite an existing client.yml.

    Raises
    ------
    FileExistsError
        client.yml exists already and ``force`` is not set.
    ConfigError
        As :func:`client_template_yaml`.
    """
    folder = Path(folder)
    path = folder / CONFIG_NAME
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists already; force=True overwrites it")
    name = client if client is not None else folder.resolve().name
    text = client_template_yaml(name, timezone=timezone, objective=objective)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------- the commented template

def goal_template_yaml(objective: str = "registrations", *, client: str = "my_client") -> str:
    """A goal spec for ``objective`` as YAML, each field explained in a comment with its allowed values.

    The text parses back to :meth:`Goal.template` (for ``custom``: with a placeholder
    outcome ``my_outcome`` to rename). Edit it, then read it with :meth:`Goal.read`.
    """
    _objective(objective, None)
    kpis = OBJECTIVE_KPIS[objective] or ({"name": "my outcome", "source": "outcomes", "outcome": "my_outcome", "measure": "count"},)
    lines = [
        "# engagekit goal spec: name what the business wants before looking at any like.",
        "# Read it with engagekit.Goal.read(path); check it against the data with goal.check_data(dataset).",
        "",
        "# The client's name (as in client.yml).",
        yaml.safe_dump({"client": client}, allow_unicode=True).strip(),
        "",
        f"# What the business wants. Allowed: {', '.join(OBJECTIVES)}.",
        f"objective: {objective}",
        "",
        "# The KPIs, the primary one first. Each KPI is either",
        "#   an outcome:  source: outcomes, outcome: <name in the outcomes table, e.g. order, registration,",
        f"#                lead>, measure: {' or '.join(OUTCOME_MEASURES)} (the number of outcomes, or the sum of their value)",
        f"#   or traffic:  source: traffic, measure: one of {', '.join(TRAFFIC_MEASURES)},",
        "#                optionally channel: one GA4 default channel group, e.g. Organic Social",
        *textwrap.wrap(f"(allowed: {', '.join(CHANNEL_GROUPS)})", width=100, initial_indent="#                ", subsequent_indent="#                 "),
        "# name: a label for reports (default: the outcome or measure).",
        "# target: the number to reach (optional), over per: "
        f"{', '.join(TARGET_PERIODS)} (period = the whole period below).",
        "kpis:",
    ]
    for kpi in kpis:
        item = KPI.from_dict(kpi).to_dict()
        first = True
        for key, value in item.items():
            text = yaml.safe_dump({key: value}, default_flow_style=False, allow_unicode=True).strip()
            comment = "  # rename to the outcome's name in your data" if objective == "custom" and key == "outcome" else ""
            lines.append(f"  {'- ' if first else '  '}{text}{comment}")
            first = False
        lines.append("    # target: 1000")
        lines.append("    # per: period")
    lines += [
        "",
        "# The period under review (local dates in the client's time zone, YYYY-MM-DD); empty: all the data.",
        "period:",
        "  start:",
        "  end:",
        "",
        "# The funnel from exposure to the KPI, in order; 'kpi' (the primary KPI) comes last.",
        "# Allowed stages, with the data that feeds them:",
        *[f"#   {name}: {feed}" for name, feed in FUNNEL_STAGES.items()],
        f"funnel: [{', '.join(DEFAULT_FUNNEL)}]",
        "",
        "# The engagement metrics under test: does each lead to the KPI?",
        *textwrap.wrap(f"Allowed: {', '.join(ENGAGEMENT_METRICS)}.", width=100, initial_indent="# ", subsequent_indent="#   "),
        f"metrics: [{', '.join(DEFAULT_METRICS)}]",
        "",
    ]
    return "\n".join(lines)


def write_goal_template(path: str | Path, objective: str = "registrations", *, client: str = "my_client") -> Path:
    """Write :func:`goal_template_yaml` to ``path`` for a user to edit; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(goal_template_yaml(objective, client=client), encoding="utf-8")
    return path
