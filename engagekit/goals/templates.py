"""A commented client.yml for a new client folder: every field, what it means, its allowed values."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from engagekit.core import schema
from engagekit.core.schema import CATEGORIES
from engagekit.tables.client import CONFIG_NAME, DEFAULT_PRIMARY_COLOUR, LOGO_TYPES, NOT_DATA, check_client_name, check_timezone
from engagekit.goals.spec import goal_template_yaml
from engagekit.loaders import FORMATS

__all__ = ["client_template_yaml", "write_client_template"]

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
