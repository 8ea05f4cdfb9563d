"""The system's Chromium, run headless: print a report to PDF, or read the page a browser builds.

engagekit ships no browser. It looks for ``chromium``, ``chromium-browser`` or
``google-chrome`` on ``PATH`` and runs it with a fresh, throw-away profile,
no GPU, no sandbox (so it runs as root in a container), and every background
request it can switch off (component updates, sync, QUIC), so that printing a
self-contained page sends nothing to the network.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from engagekit.core.errors import EngagekitError

__all__ = [
    "BROWSERS", "INSTALL_HINT", "ChromiumError", "ChromiumNotFound", "dump_dom", "find_chromium", "headless_command",
    "print_to_pdf",
]

#: The executables looked for on PATH, in this order.
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: What to tell a user who has none of them.
INSTALL_HINT = (
    "install Chromium from your system's packages (Debian/Ubuntu: apt-get install chromium) "
    "so that one of " + ", ".join(BROWSERS) + " is on PATH"
)
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)


class ChromiumError(EngagekitError):
    """Chromium failed or timed out, or (:class:`ChromiumNotFound`) none was found."""


class ChromiumNotFound(ChromiumError):
    """None of :data:`BROWSERS` is on PATH; the message says how to install one."""


def find_chromium(*, path: str | None = None) -> str | None:
    """The first of :data:`BROWSERS` on ``path`` (default: the ``PATH`` of this process), or None."""
    for name in BROWSERS:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def headless_command(browser: str, page: Path, *args: str, user_data_dir: Path) -> list[str]:
    """The command line that opens ``page`` headless with a fresh profile in ``user_data_dir``."""
    return [browser, *FLAGS, f"--user-data-dir={user_data_dir}", *args, Path(page).resolve().as_uri()]


def _run(page: Path, args: Sequence[str], *, browser: str | None, timeout: float) -> subprocess.CompletedProcess:
    browser = browser or find_chromium()
    if browser is None:
        raise ChromiumNotFound(f"no Chromium found: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="engagekit-chromium-") as profile:
        command = headless_command(browser, page, *args, user_data_dir=Path(profile))
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ChromiumError(f"{browser} did not finish {page.name} within {timeout:g} s") from None
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise ChromiumError(f"{browser} failed on {page.name} (exit status {done.returncode}): {tail}")
    return done


def print_to_pdf(page: str | Path, pdf: str | Path, *, browser: str | None = None, timeout: float = 120) -> Path:
    """Print ``page`` (a local HTML file) to ``pdf`` with headless Chromium, without header or footer.

    Raises
    ------
    ChromiumNotFound
        When no Chromium is found (the message says how to install it).
    ChromiumError
        When it fails or times out.
    """
    page, pdf = Path(page), Path(pdf).resolve()
    pdf.unlink(missing_ok=True)
    _run(page, ["--no-pdf-header-footer", f"--print-to-pdf={pdf}"], browser=browser, timeout=timeout)
    if not pdf.is_file():
        raise ChromiumError(f"Chromium ran but wrote no PDF at {pdf}")
    return pdf


def dump_dom(
    page: str | Path, *, browser: str | None = None, timeout: float = 60, virtual_time_budget: int = 2000
) -> str:
    """The page's DOM as Chromium serialises it after loading ``page`` and running its scripts, if any.

    ``virtual_time_budget`` (milliseconds of virtual time) lets timers and
    image errors fire before the DOM is read.
    """
    return _run(
        Path(page), ["--dump-dom", f"--virtual-time-budget={virtual_time_budget}"],
        browser=browser, timeout=timeout,
    ).stdout
