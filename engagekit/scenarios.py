"""Sample clients whose truth is known, for teaching: one named scenario each.

``engagekit sample DIR --scenario NAME`` (or ``write_sample(DIR, scenario=NAME)``)
writes a client in the same native formats as the default sample, its truth
recorded in ``truth.yml``. Each scenario is a :class:`~engagekit.sample_truth.SampleTruth`
with a title and a one-paragraph story a lesson can tell.
"""

from __future__ import annotations

from dataclasses import dataclass

from engagekit.sample_truth import DEFAULT_TRUTH, Driver, SampleTruth

__all__ = ["DEFAULT_SCENARIO", "SCENARIOS", "Scenario", "scenario"]


@dataclass(frozen=True)
class Scenario:
    """A named sample client: its truth, a title and what it teaches."""

    name: str
    title: str
    story: str
    truth: SampleTruth


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "likes-are-noise",
            "Likes are noise",
            "Link clicks lead newsletter sign-ups by two days; likes, comments and shares only share the "
            "audience's growth. Raw likes correlate with sign-ups all the same.",
            DEFAULT_TRUTH,
        ),
        Scenario(
            "comments-drive-sign-ups",
            "Comments drive sign-ups",
            "Conversations under the posts lead sign-ups by two days; likes, shares and link clicks do not.",
            SampleTruth(drivers=(Driver("comments", 2, 0.3),)),
        ),
        Scenario(
            "no-effect",
            "No effect at all",
            "Engagement and sign-ups both grow with the audience, and neither moves the other: every raw "
            "correlation is the shared trend.",
            SampleTruth(drivers=()),
        ),
    )
}

DEFAULT_SCENARIO = "likes-are-noise"


def scenario(name: str) -> Scenario:
    """The scenario called ``name``; a ValueError lists the names there are."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; the scenarios are: {', '.join(SCENARIOS)}") from None
