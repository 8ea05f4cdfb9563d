"""engagekit installed from its wheel, away from the checkout: the command line, a report from the packaged notebooks.

The wheel is built from a copy of the checkout (``pip wheel --no-build-isolation``,
no index) and installed into a fresh virtual environment that takes the
dependencies (pandas, papermill, ...) from this interpreter's site-packages
through a ``.pth`` file, and their Jupyter data (nbconvert's templates, the
kernel spec) through ``JUPYTER_PATH``, so nothing is downloaded; engagekit
itself is the wheel's, and every command runs in a folder outside the checkout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engagekit.report.render import NOTEBOOKS

from paths import ROOT

#: Left out of the copy the wheel is built from: history, environments and earlier builds.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
    ".ipynb_checkpoints", "reports",
)


@dataclass(frozen=True)
class Installed:
    """A virtual environment holding engagekit from its wheel, and how to run commands in it."""

    venv: Path
    site_packages: Path
    work: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run ``args`` (the first one a program of the environment's bin/) in the work folder; fail on an error."""
        done = subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]], cwd=self.work, env=self.env,
            capture_output=True, text=True, timeout=timeout, check=False,
        )
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done


def _checked(command: list[str], what: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run ``command`` (``what`` names it in the failure message, with its output); fail on an error."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, f"{what} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """engagekit's wheel, built from a copy of the checkout, installed into a fresh environment."""
    base = tmp_path_factory.mktemp("wheel")
    source, wheels, venv, work = base / "source", base / "wheels", base / "venv", base / "work"
    work.mkdir()
    # engagekit/report/notebooks is a link to notebooks/; the copy keeps it a link, as a clone of the repository has it.
    shutil.copytree(ROOT, source, symlinks=True, ignore=_NOT_SOURCE)
    _checked([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
              "--disable-pip-version-check", "-w", str(wheels), str(source)], "building the wheel", cwd=work)
    wheel, = wheels.glob("engagekit-*.whl")
    _checked([sys.executable, "-m", "venv", "--without-pip", str(venv)], "making the virtual environment")
    python = venv / "bin" / "python"
    site_packages = Path(_checked(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], "finding site-packages",
    ).stdout.strip())
    # The dependencies: this interpreter's site-packages, added as plain paths (their own .pth files, an
    # editable engagekit's among them, are not run), after the new environment's own site-packages.
    (site_packages / "engagekit-dependencies.pth").write_text(
        "\n".join(dict.fromkeys(site.getsitepackages())) + "\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items()
           if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR"}}
    env.update(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"), JUPYTER_DATA_DIR=str(base / "jupyter"),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    _checked([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", str(wheel)],
             "installing the wheel", cwd=work, env=env)
    return Installed(venv=venv, site_packages=site_packages, work=work, env=env)


def test_the_installed_engagekit_is_the_wheels_with_its_notebooks(installed):
    done = installed.run("python", "-c", (
        "import engagekit, json; from engagekit.report.render import notebooks_dir; "
        "from jupyter_client.manager import KernelManager as K; "
        "print(json.dumps([engagekit.__file__, str(notebooks_dir()), K(kernel_name='python3').format_kernel_cmd()[0]]))"
    ))
    module, notebooks, kernel = json.loads(done.stdout)
    package = installed.site_packages / "engagekit"
    assert Path(module) == package / "__init__.py"
    assert not Path(module).resolve().is_relative_to(ROOT)
    assert Path(notebooks) == package / "report" / "notebooks" and not (package / "report" / "notebooks").is_symlink()
    assert {name for name, _ in NOTEBOOKS} <= {p.name for p in Path(notebooks).glob("*.ipynb")}
    # The notebooks' kernel is the environment's own Python, so they import the wheel's engagekit too.
    assert kernel == str(installed.venv / "bin" / "python")


def test_version_is_the_installed_distributions(installed):
    done = installed.run("engagekit", "--version")
    assert re.fullmatch(r"engagekit \d+\.\d+\.\d+\S*\n", done.stdout), done.stdout


def test_report_renders_the_sample_client_from_the_packaged_notebooks(installed):
    samples, out = installed.work / "samples", installed.work / "reports"
    client = Path(installed.run("engagekit", "sample", str(samples)).stdout.strip())
    assert client == samples / "brightpaw" and (client / "client.yml").is_file()
    done = installed.run("engagekit", "report", str(client), "--out", str(out), timeout=900)
    html = out / "brightpaw" / "report.html"
    assert Path(done.stdout.strip()) == html
    page = html.read_text(encoding="utf-8")
    assert len(page) > 50_000 and page.count("data:image/png;base64,") >= 6
    assert all(title in page for _, title in NOTEBOOKS)
    for name, _ in NOTEBOOKS:
        executed = json.loads((out / "brightpaw" / "notebooks" / name).read_text(encoding="utf-8"))
        source = Path(executed["metadata"]["papermill"]["input_path"])
        assert source == installed.site_packages / "engagekit" / "report" / "notebooks" / name
