"""The keyword matcher against its definition: each keyword read as the regular expression
``\\b<keyword>\\b``, every keyword of a language as alternatives (the longest first), found
left to right without overlapping; a phrase's words apart by white space only, a trailing *
letting the last word go on. Text and keywords are read folded, and each Japanese or Chinese
character is a word, which nothing needs to separate from the next."""

import re
from collections import Counter, defaultdict

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpdesk.complaints.matching import ANY_LANGUAGE, fold, keywords_find, keywords_index

# Few words, several of which start others, so that keywords meet, overlap and nest.
VOCABULARY = ["not", "work", "working", "defect", "defective", "ça", "pas", "壊れ", "beschädigt",
              "non-conforme", "non"]
SEPARATORS = [" ", " ", "  ", "\n", "\t ", ", ", "-", ""]

keyword_texts = st.builds(
    lambda words, open_end: " ".join(words) + ("*" if open_end else ""),
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=3), st.booleans(),
)
rules = st.lists(
    st.tuples(st.sampled_from(["fr", ANY_LANGUAGE]), keyword_texts, st.integers(1, 3)),
    min_size=1, max_size=8,
)
texts = st.lists(
    st.tuples(st.sampled_from(VOCABULARY + ["NOT", "Working", "x1", "BESCHAEDIGT", "Ça"]),
              st.sampled_from(SEPARATORS)),
    max_size=25,
).map(lambda parts: "".join(word + separator for word, separator in parts))


def _spaced(text: str) -> str:
    """Each kana or ideograph a word of its own: written with spaces around it."""
    return re.sub(r"([\u3040-\u30ff\u4e00-\u9fff])", r" \1 ", text)


def _reference(rows: list[tuple[str, str, int]], text: str, language: str) -> Counter:
    """The definition, with Python's regular expressions."""
    hits: Counter = Counter()
    text = _spaced(fold(text))
    for lang in dict.fromkeys([language, ANY_LANGUAGE]):
        keywords = [(_spaced(fold(written.rstrip("*"))).strip() + written[len(written.rstrip("*")):],
                     category) for rule_lang, written, category in rows if rule_lang == lang]
        if not keywords:
            continue
        # The longest first; of equal length, a whole word before an open end, then as written.
        ordered = sorted(enumerate(keywords),
                         key=lambda k: (-len(k[1][0].rstrip("*")), k[1][0].endswith("*"), k[0]))
        alternatives = []
        for _, (written, _category) in ordered:
            open_end = written.endswith("*")
            # A hyphen inside a keyword's word stands for a hyphen or white space.
            words = [re.escape(w).replace(r"\-", r"(?:-|\s+)")
                     for w in written.rstrip("*").split()]
            alternatives.append(r"\b" + r"\s+".join(words) + (r"\w*" if open_end else "") + r"\b")
        pattern = re.compile("|".join(f"({a})" for a in alternatives))
        for match in pattern.finditer(text):
            which = next(n for n, group in enumerate(match.groups()) if group is not None)
            hits[ordered[which][1][1]] += 1
    return hits


@settings(max_examples=400, deadline=None)
@given(rules, texts)
@example([("fr", "not work*", 1), ("fr", "working", 2)], "not working working")
def test_the_matcher_finds_what_the_regular_expressions_define(rows, text):
    hits: Counter = Counter()
    keywords_find(keywords_index(rows), text, "fr", hits, defaultdict(list))
    assert hits == _reference(rows, text, "fr")


@pytest.mark.parametrize(("keyword", "language", "text"), [
    ("non-conforme", "fr", "Le produit reçu est non-conforme à la description."),
    ("non-conforme", "fr", "Le produit reçu est NON CONFORME."),
    ("Wasser-Schaden*", "de", "Der Karton hatte einen Wasser-Schaden."),
    ("e-mail", "en", "I never got a confirmation e-mail."),
    ("a-bis-z", "de", "Ich habe einen A-bis-Z-Antrag gestellt."),
])
def test_a_keyword_written_with_a_hyphen_is_found_as_buyers_write_it(keyword, language, text):
    """A seller types the word as buyers write it, hyphen and all; it was never found, with
    the hyphen or without it."""
    hits: Counter = Counter()
    keywords_find(keywords_index([(language, keyword, 1)]), text, language, hits,
                  defaultdict(list))
    assert hits == Counter({1: 1})


def test_a_text_without_a_keyword_start_finds_nothing_and_a_phrase_needs_its_spaces():
    index = keywords_index([("fr", "ne marche pas", 1), ("fr", "défect*", 2)])
    hits: Counter = Counter()
    found: dict = defaultdict(list)
    keywords_find(index, "Il marche bien, merci", "fr", hits, found)
    keywords_find(index, "ne marche-pas; DÉFECTUEUX et ne  marche\npas", "fr", hits, found)
    assert hits == Counter({1: 1, 2: 1}) and found == {2: ["défect"], 1: ["ne marche pas"]}


def test_a_keyword_saved_around_the_form_that_would_find_every_word_is_left_out():
    index = keywords_index([("en", "a*", 1), ("en", "*", 1), ("en", "broken", 2)])
    hits: Counter = Counter()
    keywords_find(index, "A mug arrived broken and angry", "en", hits, defaultdict(list))
    assert hits == Counter({2: 1})
