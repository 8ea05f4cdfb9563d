"""The ``engagekit`` command line: report, sample, formats, inspect."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import EngagekitError

__all__ = ["main"]


def _report(args: argparse.Namespace) -> int:
    from .report import render_report

    result = render_report(args.client, out=args.out, notebooks=args.notebooks)
    print(result.html)
    return 0


def _sample(args: argparse.Namespace) -> int:
    from .sample import write_sample

    print(write_sample(args.directory, seed=args.seed))
    return 0


def _formats(args: argparse.Namespace) -> int:
    from .loaders import formats

    for row in formats().itertuples():
        print(f"{row.format}  ->  {row.table}\n    {row.export}")
        if row.example:
            print(f"    e.g. {row.example[:160]}{'...' if len(row.example) > 160 else ''}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from .loaders import read_export

    result = read_export(
        args.file, format=args.format, tz=args.tz, account=args.account, salt=args.salt, **_options(args.option)
    )
    print(f"format: {result.format}\ntable:  {result.table}")
    print(result.report.summary())
    if result.report.columns:
        print("columns:")
        for canonical, header in result.report.columns.items():
            print(f"  {canonical:<16} <- {header}")
    for row in result.report.dropped[:20]:
        print("  dropped " + row.describe())
    print(result.frame.head(args.rows).to_string())
    return 0


#: read_export's own arguments, given with inspect's flags rather than as --option.
_FLAGS = {"format": "--format", "tz": "--tz", "account": "--account", "salt": "--salt"}
_NOT_OPTIONS = {"path", "columns", "constants", "table"}


def _options(pairs: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs as format options (numbers stay text; each loader converts its own)."""
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise EngagekitError(f"--option takes KEY=VALUE, not {pair!r}")
        if key in _FLAGS:
            raise EngagekitError(f"give {key} with {_FLAGS[key]}, not --option")
        if key in _NOT_OPTIONS:
            raise EngagekitError(f"{key} is not a format option (a column mapping belongs in client.yml)")
        options[key] = value.strip()
    return options


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engagekit", description="Engagement is a result, not a goal.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("report", help="render a client's HTML report")
    p.add_argument("client", help="client folder (with client.yml)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--notebooks", default=None, help="folder with the notebooks to run (default: engagekit's own)")
    p.set_defaults(func=_report)
    p = sub.add_parser("sample", help="write the sample client")
    p.add_argument("directory")
    p.add_argument("--seed", type=int, default=20250101)
    p.set_defaults(func=_sample)
    p = sub.add_parser("formats", help="list the export formats engagekit reads")
    p.set_defaults(func=_formats)
    p = sub.add_parser("inspect", help="detect and load one export file, and show what was loaded")
    p.add_argument("file")
    p.add_argument("--format", default=None, help="skip detection and read the file as this format")
    p.add_argument("--tz", default=None, help="the account's time zone")
    p.add_argument("--account", default=None, help="the account, where the export does not name it")
    p.add_argument("--salt", default=None, help="salt for hashing personal identifiers")
    p.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE",
        help="a format option, e.g. --option year=2025 (repeatable)",
    )
    p.add_argument("--rows", type=int, default=5)
    p.set_defaults(func=_inspect)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; user mistakes print one clear line and exit 2 (1 for a failed report)."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except EngagekitError as err:
        print(f"engagekit: error: {err}", file=sys.stderr)
        from .report import ReportError

        return 1 if isinstance(err, ReportError) else 2


if __name__ == "__main__":
    sys.exit(main())
