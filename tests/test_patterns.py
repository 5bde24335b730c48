"""Seller-editable patterns: a bad one is refused where it is typed, and bounded where it runs."""

import pytest
from django.core.exceptions import ValidationError

from helpdesk.patterns import (
    PatternError,
    PatternTimeout,
    PatternValidator,
    pattern_compile,
    pattern_problem,
    pattern_search,
)


def test_unclosed_group_is_refused_with_the_reason():
    with pytest.raises(PatternError, match="Not a valid regular expression"):
        pattern_compile("(unclosed")
    with pytest.raises(ValidationError):
        PatternValidator()("(unclosed")


@pytest.mark.parametrize("source", [r"(a|aa)+b", r"(a|aa)+:"])
def test_exponential_pattern_is_refused_on_save(source):
    assert "exponential" in pattern_problem(source)


def test_ordinary_patterns_save():
    for source in (r"^Return authori[sz]ation request", r"(?<!not )\bhappy\b",
                   r"Order(?: ID)?:?\s*#?\s*(\d{3}-\d{7}-\d{7})", r"^(\w+\s?)+:"):
        assert pattern_problem(source) is None, source


def test_a_slow_match_stops_at_its_budget():
    slow = pattern_compile(r"(a|aa)+b")
    with pytest.raises(PatternTimeout):
        pattern_search(slow, "a" * 60, timeout=0.05)


def test_too_long_pattern_is_refused():
    assert "at most" in pattern_problem("a" * 5000)


@pytest.mark.parametrize("source", ["Claim received on order|", "|Return", r"\d*",
                                    ".*", "x?", "(?:)", "^", "$", r"\B"])
def test_a_pattern_that_matches_every_text_is_refused_with_the_likely_typo(source):
    assert "matches an empty text" in pattern_problem(source)
    with pytest.raises(ValidationError, match="stray |"):
        PatternValidator()(source)


def test_patterns_that_need_some_text_still_save():
    for source in (r"\bclaim\b", r"Order: \d+", r"^(?:A-to-z|Claim)", r"x?y"):
        assert pattern_problem(source) is None, source
