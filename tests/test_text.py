"""Sentences for a notebook's output are wrapped between words, never inside one ("interva l")."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from IPython.lib.pretty import pretty

from engagekit.analyses.audit import ATTRIBUTION, DECOMPOSITION_METHOD, ME_INDEX_DEFINITION
from engagekit.analyses.funnel import AGGREGATE_CAVEAT, DAY_JOIN_CAVEAT
from engagekit.teaching.lesson import Check
from engagekit.core.text import WIDTH, say, wrap_text

#: As describe_impact writes it: long, with signed numbers, dates and parentheses.
IMPACT = ("Placebo test (nothing changed on this day): After 2025-10-03 registration were 4% above the "
          "counterfactual (95% interval -12% to +21%); on average +0.6 a day (-1.9 to +3.1), +17.1 in total over "
          "28 days. The interval includes 0 (tail probability p = 0.640): no evidence of an effect.")


def _words_whole(text: str, wrapped: str) -> bool:
    """Every word of ``text`` is on one line of ``wrapped``, in order, and nothing else is."""
    return [word for line in wrapped.split("\n") for word in line.split()] == text.split()


@pytest.mark.parametrize("text", [IMPACT, ATTRIBUTION, DECOMPOSITION_METHOD, ME_INDEX_DEFINITION,
                                  AGGREGATE_CAVEAT, DAY_JOIN_CAVEAT])
def test_engagekit_sentences_wrap_between_words_within_the_width(text):
    wrapped = wrap_text(text)
    assert all(len(line) <= WIDTH for line in wrapped.split("\n"))
    assert _words_whole(text, wrapped)


def test_interval_stays_one_word_at_every_width():
    for width in range(10, len(IMPACT) + 2):
        wrapped = wrap_text(IMPACT, width=width)
        assert _words_whole(IMPACT, wrapped), width
        assert "interva\n" not in wrapped and "-\n12%" not in wrapped


def test_line_breaks_blank_lines_and_short_lines_are_kept():
    text = "Short line.\n\n" + IMPACT + "\n  indented, short"
    lines = wrap_text(text).split("\n")
    assert lines[:2] == ["Short line.", ""] and lines[-1] == "  indented, short"


def test_list_item_continues_under_its_text():
    lines = wrap_text("- " + IMPACT, width=60).split("\n")
    assert lines[0].startswith("- Placebo")
    assert all(line.startswith("  ") and not line.startswith("   ") for line in lines[1:])


def test_a_word_longer_than_the_width_is_kept_whole_on_its_own_line():
    url = "https://brightpaw.example/newsletter?utm_source=x&utm_medium=social&utm_campaign=xmas20_dec"
    lines = wrap_text(f"Visits from {url} counted as social.", width=40).split("\n")
    assert lines == ["Visits from", url, "counted as social."]


def test_too_narrow_a_width_is_refused():
    with pytest.raises(ValueError, match="too narrow"):
        wrap_text(IMPACT, width=5)


@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz-%()+.0123456789", min_size=1, max_size=30),
                min_size=1, max_size=60),
       st.integers(min_value=10, max_value=120))
def test_wrapping_never_cuts_a_word(words, width):
    text = " ".join(words)
    wrapped = wrap_text(text, width=width)
    assert _words_whole(text, wrapped)
    assert all(len(line) <= width or " " not in line.strip() for line in wrapped.split("\n"))


def test_say_prints_the_parts_wrapped(capsys):
    say("Placebo test (nothing changed on this day):", IMPACT.split(": ", 1)[1])
    printed = capsys.readouterr().out
    assert printed == wrap_text(IMPACT) + "\n"
    assert len(printed.splitlines()) > 1


def test_a_lesson_check_shows_its_message_wrapped_in_a_notebook():
    check = Check("lag", "right", "Right: " + IMPACT)
    assert pretty(check) == wrap_text(check.message)
    assert repr(check) == str(check) == check.message  # one line where it is not shown in a notebook
