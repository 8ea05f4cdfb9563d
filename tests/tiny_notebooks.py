"""Three tiny notebooks under the report's notebook names, each a parameters cell and one line of text."""

from pathlib import Path

import nbformat

from engagekit.report.render import NOTEBOOKS

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_tiny_notebooks(folder: Path, parameters: dict[str, str] | None = None) -> Path:
    """Write the notebooks into ``folder``; ``parameters`` maps a notebook name to extra parameter lines."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, title in NOTEBOOKS:
        source = 'client = ""\noutput_dir = ""\n' + (parameters or {}).get(name, "")
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]})
        nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell(f"# {title}")],
                                      metadata={"kernelspec": KERNEL})
        nbformat.write(nb, folder / name)
    return folder
