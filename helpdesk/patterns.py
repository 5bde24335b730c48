"""Patterns a seller or admin can type: compiled with a clear error, matched under a time bound.

Every seller-editable regular expression (recognition rules, extraction patterns, body
markers, compliance rules) goes through here, so that one bad row cannot stop intake or pin
a web worker. The `regex` module is used rather than `re` because it accepts the same syntax
(lookbehinds included, which RE2 refuses) and takes a timeout per match.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import regex
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

log = logging.getLogger(__name__)

# Longer than any rule a person writes by hand; a pasted novel is a mistake.
PATTERN_MAX_LENGTH = 1000
# One match of one rule on one text, in wall-clock time. Far above what a linear match over a
# 1 MB body takes even on a machine too busy to give it a core for a while (a rule skipped
# for being slow changes what a mail is recognised as); short enough that a backtracking
# pattern costs a mail a second, not a worker.
MATCH_TIMEOUT_SECONDS = 1.0
# The worst texts an admin's pattern is tried on when saved: long runs of word characters,
# spaces and digits that end in something the pattern may not expect.
_PROBE_TIMEOUT_SECONDS = 0.05
_PROBES = tuple(
    stem * 40 + tail
    for stem in ("a", "a ", "1", "a.", "aa-", "\t ")
    for tail in ("!", "", "\n", ":")
)

IGNORECASE = regex.IGNORECASE
MULTILINE = regex.MULTILINE
Pattern = regex.Pattern
Match = regex.Match


# Texts with nothing in common: a pattern found in each of them is found in any text.
_ANY_TEXTS = ("x", "7", "?", "日")
ANY_TEXT_PROBLEM = ("This pattern matches any text (“x”, “7” and “?” alike), so every mail "
                    "would be this kind: write the words that tell this kind of mail.")


def pattern_matches_any_text(compiled: Pattern) -> bool:
    """Whether ``compiled`` is found in texts that share nothing (".", "\\S", ".+"): right
    for a pattern that takes a whole field as a value, never for one that tells a kind."""
    try:
        return all(
            pattern_search(compiled, text, timeout=_PROBE_TIMEOUT_SECONDS) is not None
            for text in _ANY_TEXTS
        )
    except PatternTimeout:
        return False  # slow, which ``pattern_problem`` says; not found in every text


SLOW_PROBLEM = ("This pattern can take exponential time on some texts (nested repetition such "
                "as (\\w+\\s?)+); write it without a repeated group inside a repeat.")


class PatternError(ValueError):
    """A pattern that cannot be used, with a message for the admin's field."""


class PatternTimeout(PatternError):
    """A match that ran out of its time budget."""


@lru_cache(maxsize=2048)
def pattern_compile(source: str, flags: int = 0) -> Pattern:
    """The compiled pattern, or PatternError saying what is wrong with it."""
    if not isinstance(source, str):
        raise PatternError("A pattern must be text.")
    if len(source) > PATTERN_MAX_LENGTH:
        raise PatternError(f"A pattern may be at most {PATTERN_MAX_LENGTH} characters long.")
    try:
        return regex.compile(source, flags | regex.V0)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        raise PatternError(f"Not a valid regular expression: {exc}.") from exc


def pattern_search(pattern: Pattern, text: str, *, timeout: float = MATCH_TIMEOUT_SECONDS,
                   at_start: bool = False) -> Match | None:
    """``pattern.search(text)`` (``match`` with ``at_start``) that gives up after ``timeout``
    seconds (PatternTimeout)."""
    try:
        if at_start:
            return pattern.match(text, timeout=timeout)
        return pattern.search(text, timeout=timeout)
    except TimeoutError as exc:
        raise PatternTimeout(
            f"The pattern {pattern.pattern!r} took longer than {timeout:g} s on a text of "
            f"{len(text):,} characters."
        ) from exc


def pattern_finditer(pattern: Pattern, text: str, *,
                     timeout: float = MATCH_TIMEOUT_SECONDS) -> list[Match]:
    """Every match of ``pattern`` in ``text``, within one time budget for them all."""
    try:
        return list(pattern.finditer(text, timeout=timeout))
    except TimeoutError as exc:
        raise PatternTimeout(
            f"The pattern {pattern.pattern!r} took longer than {timeout:g} s on a text of "
            f"{len(text):,} characters."
        ) from exc


def pattern_problem(source: str, flags: int = 0) -> str | None:
    """Why ``source`` cannot be saved as a rule (invalid, matching every text, or slow on a
    hostile text), or None."""
    try:
        compiled = pattern_compile(source, flags)
    except PatternError as exc:
        return str(exc)
    # A pattern that matches no text at all matches at the start of every text: a stray |
    # (``Claim received|``) or a * for a + would make every mail that rule's kind, or block
    # every reply. No rule is meant that way. Out of time even on no text (recursion into
    # the whole pattern, ``(?R)``) it is as slow as a pattern can be.
    for probe in ("", *_PROBES):
        try:
            found = pattern_search(compiled, probe, timeout=_PROBE_TIMEOUT_SECONDS)
        except PatternTimeout:
            return SLOW_PROBLEM
        if not probe and found is not None:
            return ("This pattern matches an empty text, so it matches every text (a stray | "
                    "at either end, or * or ? where + was meant?).")
    return None


@deconstructible
class PatternValidator:
    """A model/form field validator that refuses a pattern ``pattern_problem`` objects to."""

    def __init__(self, flags: int = 0) -> None:
        self.flags = flags

    def __call__(self, value: str) -> None:
        if value and (problem := pattern_problem(value, self.flags)):
            raise ValidationError(problem, code="pattern")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PatternValidator) and other.flags == self.flags


def pattern_usable(source: str, flags: int = 0, *, what: str) -> Pattern | None:
    """The compiled pattern of a stored row, or None (logged) when it cannot be used: a row
    saved around the admin's validation is skipped, never allowed to stop the caller."""
    try:
        return pattern_compile(source, flags)
    except PatternError as exc:
        log.error("Skipping %s: %s", what, exc)
        return None


# A repeat bound above this counts as unbounded when it holds a repeat itself.
_MAX_OUTER_REPEAT = 10
_QUANTIFIER = regex.compile(r"[*+]|\{(\d*),(\d*)\}|\{(\d+)\}|\?")
def pattern_nests_repeats(source: str) -> bool:
    """Whether a group that repeats (unbounded, or more than 10 times) holds a repeat itself:
    ``(\\w+\\s?)+``. The regex module happens to match some of these fast; a caller that
    runs a pattern on every keystroke (the compliance check) refuses the shape outright."""
    stack = [False]  # per open group: does it hold an unbounded repeat?
    closed: bool | None = None  # the group just closed, if the last atom was one
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char == "\\":
            i, closed = i + 2, None
            continue
        if char == "[":
            j = i + 1 + (source[i + 1:i + 2] == "^")
            j += source[j:j + 1] == "]"
            while j < n and source[j] != "]":
                j += 2 if source[j] == "\\" else 1
            i, closed = j + 1, None
            continue
        if char == "(":
            stack.append(False)
            i, closed = i + 1 + (source[i + 1:i + 2] == "?"), None
            continue
        if char == ")":
            inner = stack.pop() if len(stack) > 1 else False
            stack[-1] = stack[-1] or inner
            i, closed = i + 1, inner
            continue
        quantifier = _QUANTIFIER.match(source, i)
        if quantifier and quantifier.group(0) != "?":
            low, high, exact = quantifier.groups()
            unbounded = quantifier.group(0) in "*+" or (low is not None and not high)
            big = unbounded or int(high or exact or 0) > _MAX_OUTER_REPEAT
            if closed and big:
                return True
            stack[-1] = stack[-1] or unbounded
            i, closed = quantifier.end(), None
            continue
        i, closed = i + 1, None
    return False
