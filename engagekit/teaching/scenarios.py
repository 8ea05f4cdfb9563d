"""Sample clients whose truth is known, for teaching: one named scenario each.

``engagekit sample DIR --scenario NAME`` (or ``write_sample(DIR, scenario=NAME)``)
writes a client in the same native formats as the default sample, its truth
recorded in ``truth.yml``. Each scenario is a :class:`~engagekit.teaching.sample_truth.SampleTruth`
with a title and a one-paragraph story a lesson can tell: likes are noise (the
default), comments drive sign-ups, no effect at all, promotion fatigue and a
campaign launch.
"""

from __future__ import annotations

from dataclasses import dataclass

from engagekit.teaching.sample_truth import DEFAULT_TRUTH, Driver, Fatigue, Launch, SampleTruth

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
        Scenario(
            "promotion-fatigue",
            "Promotion fatigue",
            "The brand posts more and more about itself: offers, products and company news rise from 30 % of "
            "the posts in January to 75 % in December, and the audience does not grow by itself. Every day the "
            "Facebook Page loses 0.06 % of its followers, and 0.2 % more for each unit of the self-promotional "
            "share of its posts of the 14 days before, so its followers fall by more than a quarter over the "
            "year; the sign-ups that no post causes fall with the audience. Link clicks still lead sign-ups by "
            "two days; likes, comments and shares are noise.",
            SampleTruth(trend_slope=0.0, self_promotion=(0.3, 0.75), fatigue=Fatigue(loss_per_share=0.002)),
        ),
        Scenario(
            "campaign-launch",
            "Campaign launch",
            "On 1 September 2025 the shop starts a sign-up campaign on its website (a welcome discount for "
            "newsletter subscribers) that has nothing to do with the posts: from that day on the sign-ups that "
            "no post causes double, about nine more a day in September. Link clicks still lead sign-ups by two "
            "days; likes, comments and shares are noise; the posts go on as before.",
            SampleTruth(registration_base=6.0, launch=Launch("2025-09-01", 1.0)),
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
