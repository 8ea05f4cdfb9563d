"""The ``engagekit`` command line: check, init, report, batch, sample, formats, inspect."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from engagekit.core.errors import EngagekitError

__all__ = ["main"]


def _report(args: argparse.Namespace) -> int:
    """Render the report; with --pdf also print it, and without a Chromium say so on stderr (exit 0: the HTML is there)."""
    from engagekit.report.chromium import ChromiumError, ChromiumNotFound
    from engagekit.report.render import ReportError, parse_parameters, render_report, write_pdf

    parameters = parse_parameters(args.param, notebooks=args.notebooks)
    result = render_report(args.client, out=args.out, notebooks=args.notebooks, parameters=parameters)
    print(result.html)
    if args.pdf:
        try:
            print(write_pdf(result))
        except ChromiumNotFound as err:
            print(f"engagekit: {err}. No PDF was written; the HTML report is at {result.html} "
                  "(a browser's print to PDF lays it out for paper too).", file=sys.stderr)
        except ChromiumError as err:
            raise ReportError(f"{err}; the HTML report is at {result.html}") from None
    return 0


def _batch(args: argparse.Namespace) -> int:
    """Render every client. Exit 0 when all rendered; 1 when a notebook failed; 2 when the clients that failed
    were all stopped before any notebook (a client.yml, export or goal to fix: the check's lines say what), and
    for a usage error (a bad --param, clashing client names) that stops the batch before it starts."""
    from engagekit.report.batch import PORTFOLIO_NAME, SUMMARY_NAME, run_batch
    from engagekit.report.render import ReportError, parse_parameters

    try:
        parameters = parse_parameters(args.param, notebooks=args.notebooks)
    except ReportError as err:
        raise EngagekitError(str(err)) from None
    summary = run_batch(
        args.clients, out=args.out, jobs=args.jobs, scheduler=args.scheduler,
        parameters=parameters, notebooks=args.notebooks,
    )
    shown = summary[["client", "status", "seconds", "notebook", "cell", "message"]].astype(object)
    shown["seconds"] = shown["seconds"].map("{:.1f}".format, na_action="ignore")
    print(shown.fillna("").to_string(index=False))
    failed = int((summary["status"] == "failed").sum())
    print(f"{len(summary) - failed} of {len(summary)} clients rendered; {failed} failed")
    for name in (SUMMARY_NAME, f"{PORTFOLIO_NAME}.csv", f"{PORTFOLIO_NAME}.html"):
        print(f"{args.out}/{name}")
    if not failed:
        return 0
    in_a_notebook = summary["notebook"].notna() & (summary["status"] == "failed")
    return 1 if in_a_notebook.any() else 2


def _check(args: argparse.Namespace) -> int:
    """Check a client before its report: every file read, the goal checked against the days covered.

    Exit 2 when the report cannot be rendered (each error on one line saying what to fix); with
    --strict, exit 1 when rows were dropped.
    """
    from engagekit.report.preflight import check_client

    check = check_client(args.client)
    print(check.text())
    if not check.ok:
        return 2
    return 1 if args.strict and int(check.files["rows_dropped"].fillna(0).sum()) else 0


def _init(args: argparse.Namespace) -> int:
    from engagekit.goals.templates import write_client_template

    try:
        path = write_client_template(
            args.client_dir, client=args.client, timezone=args.timezone, objective=args.objective, force=args.force,
        )
    except FileExistsError:
        raise EngagekitError(f"{args.client_dir}/client.yml exists already; --force overwrites it") from None
    print(path)
    return 0


def _sample(args: argparse.Namespace) -> int:
    from engagekit.teaching.sample import write_sample

    try:
        print(write_sample(args.directory, seed=args.seed, scenario=args.scenario, client=args.client or "brightpaw"))
    except ValueError as err:
        raise EngagekitError(str(err)) from None
    return 0


def _formats(args: argparse.Namespace) -> int:
    from engagekit.loaders import formats

    for row in formats().itertuples():
        print(f"{row.format}  ->  {row.table}\n    {row.export}")
        if row.example:
            print(f"    e.g. {row.example[:160]}{'...' if len(row.example) > 160 else ''}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from engagekit.loaders import read_export

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


def _notebook_options(p: argparse.ArgumentParser, *, param_help: str) -> None:
    """The options ``report`` and ``batch`` share: the notebooks to run and their parameters."""
    p.add_argument("--notebooks", default=None, help="folder with the notebooks to run (default: engagekit's own)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help=param_help)


def _version() -> str:
    """The installed engagekit's version (its distribution's metadata), or ``unknown`` without one."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("engagekit")
    except PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engagekit", description="Engagement is a result, not a goal.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("report", help="render a client's HTML report")
    p.add_argument("client", help="client folder (with client.yml)")
    p.add_argument("--out", required=True, help="output folder")
    _notebook_options(
        p, param_help="a notebook parameter, e.g. --param max_lag=14 (repeatable; converted to and checked "
                      "against the type of the notebooks' parameters)",
    )
    p.add_argument(
        "--pdf", action="store_true",
        help="also write report.pdf with the system's Chromium (headless); without one, the HTML is written, "
             "a message on stderr says how to install Chromium, and the exit status stays 0",
    )
    p.set_defaults(func=_report)
    p = sub.add_parser("batch", help="render many clients' reports in parallel, with a summary and a portfolio")
    p.add_argument("clients", nargs="+", metavar="CLIENT", help="client folders (with client.yml)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--jobs", type=int, default=1, help="clients rendered at once on this machine (default 1)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="render on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786")
    _notebook_options(
        p, param_help="a notebook parameter for every client, e.g. --param max_lag=14 (repeatable; checked "
                      "against the notebooks' parameters before any client runs)",
    )
    p.set_defaults(func=_batch)
    p = sub.add_parser("check", help="load a client and check its goal against its data")
    p.add_argument("client", help="client folder (with client.yml) or its client.yml")
    p.add_argument("--strict", action="store_true", help="fail (exit 1) when any row was dropped")
    p.set_defaults(func=_check)
    p = sub.add_parser("init", help="write a commented client.yml to fill in")
    p.add_argument("client_dir", metavar="CLIENT_DIR", help="the client's folder (made if need be)")
    p.add_argument("--client", default=None, help="the client's name (default: the folder's name)")
    p.add_argument("--timezone", default="UTC", help="the accounts' IANA time zone, e.g. Europe/Berlin (default UTC)")
    p.add_argument("--objective", default="registrations",
                   help="the goal's objective: sales, registrations, leads, traffic, customer_service, custom")
    p.add_argument("--force", action="store_true", help="overwrite an existing client.yml")
    p.set_defaults(func=_init)
    p = sub.add_parser("sample", help="write the sample client")
    p.add_argument("directory")
    p.add_argument("--seed", type=int, default=20250101)
    p.add_argument("--scenario", default="likes-are-noise",
                   help="a sample whose truth is known: likes-are-noise (default), comments-drive-sign-ups, ... "
                        "(see README: The sample client)")
    p.add_argument("--client", default=None, help="the client's folder name (default: brightpaw)")
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
        from engagekit.report.render import ReportError

        return 1 if isinstance(err, ReportError) else 2


if __name__ == "__main__":
    sys.exit(main())
