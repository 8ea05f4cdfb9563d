"""Sentences for a notebook's output, wrapped between words and never inside one.

JupyterLab shows printed text and plain-text results in a ``<pre>`` styled
``word-break: break-all`` (so do nbconvert's "lab" and "classic" HTML
exports): a line wider than the output area is broken at whatever character
reaches its edge, "interva" at the end of one line and "l" at the start of
the next. The text engagekit prints or shows in a notebook is therefore
wrapped here, between words, into lines of at most :data:`WIDTH` characters,
narrower than the output area of a JupyterLab window, so the browser never
has to break a line. The report's page styles its ``<pre>`` without
``break-all`` and wraps the same lines between words too.
"""

from __future__ import annotations

import re
import textwrap

__all__ = ["WIDTH", "say", "wrap_text"]

#: The longest line :func:`wrap_text` writes (characters): narrower than a JupyterLab output area.
WIDTH = 80
#: A line's indent and list marker ("- ", "* ", "1. "), repeated as white space on its continuation lines.
_HANGING = re.compile(r"^(\s*(?:[-*\u2022]\s+|\d+[.)]\s+)?)")


def wrap_text(text: str, *, width: int = WIDTH) -> str:
    """``text`` with every line longer than ``width`` wrapped between words.

    Parameters
    ----------
    text
        One sentence or several lines; each line is wrapped on its own, line
        breaks and blank lines are kept, and a line no longer than ``width``
        is kept as it is.
    width
        The longest line, in characters. A single word longer than that (a
        URL, a path) is kept whole on a line of its own: a word is never cut.

    Returns
    -------
    str
        The wrapped text. Continuation lines take the indent of the line they
        continue, and the width of its list marker ("- ", "1. "), so that a
        wrapped list item stays one item. Hyphenated words and signed numbers
        ("2025-10-03", "-12%") are not broken at their hyphens.
    """
    if width < 10:
        raise ValueError(f"width={width} is too narrow for a sentence; use at least 10")
    lines = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        hanging = " " * len(_HANGING.match(line).group(1).expandtabs())
        lines += textwrap.wrap(
            line, width=width, subsequent_indent=hanging,
            break_long_words=False, break_on_hyphens=False,
        ) or [""]
    return "\n".join(lines)


def say(*parts: object, sep: str = " ", width: int = WIDTH) -> None:
    """Print ``parts`` as :func:`print` does, wrapped between words by :func:`wrap_text`.

    Parameters
    ----------
    *parts
        What to print; each is written with :class:`str`.
    sep
        Put between the parts.
    width
        The longest line, in characters.
    """
    print(wrap_text(sep.join(str(part) for part in parts), width=width))
