"""Finding the complaint keywords in a buyer's words.

A text is split into words once, and each word is looked up among the keywords that start
with it: the cost follows the length of the text, not the number of keywords. (One regular
expression of every keyword as alternatives tries each of them at every position: a few
hundred keywords made categorising the bulk of the ingest's time.)

The matching is that of ``\\b<keyword>\\b`` read left to right, case-insensitive: a phrase
matches its words separated by white space only (a hyphen or other sign between a keyword's
words is needed there in the text too, a hyphen or white space for a hyphen: "non-conforme"
finds "non-conforme" and "non conforme"), a trailing * lets the last word go on, and
where several keywords start at one word the longest wins and the scan goes on after it.

Both the keywords and the text are read folded (``fold``): case folded (ß is ss), accents
taken off Latin letters (a buyer types "endommage", "danado") and German's ä, ö, ü written
out as ae, oe, ue read as a, o, u ("beschaedigt" is "beschädigt"). Japanese and Chinese are
written without spaces: each of their characters is a word of its own, and a keyword's
characters follow each other with nothing between them, so "破損" is found in
"商品が破損していました"."""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from helpdesk.letters import CJK, CJK_FIRST, accents_off

ANY_LANGUAGE = ""
SEEN_MAX = 20_000  # words with keywords remembered per language, some 3 MiB at most
# Kana, the long vowel mark, CJK ideographs and the iteration mark 々: one character a word.
_WORD = re.compile(rf"[{CJK}]|[^\W{CJK}]+(?:'[^\W{CJK}]+)*")
# The same words in text without kana or ideographs, found several times faster (a category
# of characters instead of a set): most mail.
_WORD_LATIN = re.compile(r"\w+(?:'\w+)*")
_KANJI = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def fold(text: str) -> str:
    """``text`` as the keywords are compared with it (see the module's docstring)."""
    text = accents_off(text.casefold().replace("\u2019", "'"))
    # "ae", "oe", "ue" → "a", "o", "u" (as ``([aou])e`` would: no pass makes a pair for
    # another), without a template expanded per match: English is full of "ue" ("question").
    return text.replace("ae", "a").replace("oe", "o").replace("ue", "u")


_SPACES = re.compile(r"\s+")


def _gap_key(gap: str) -> str:
    # White space of any kind and length is one space: "non - conforme" across a line break.
    return _SPACES.sub(" ", gap)


@dataclass(frozen=True)
class Keyword:
    words: tuple[str, ...]
    open_end: bool  # "defect*": the last word may go on ("defective")
    category_id: int
    text: str  # as written, without the *
    # What the keyword has between its words, where that is more than white space: the hyphen
    # of "non-conforme", "Wasser-Schaden", "e-mail", which the text must have there too (or
    # white space, for a hyphen). Empty where the words stand apart by white space (or, in
    # Japanese, by nothing).
    joints: tuple[str, ...] = ()

    def matches(self, words: list[str], gaps: list[str], at: int) -> bool:
        """Whether it is found from ``words[at]`` on; ``gaps[n]`` is what stands between
        ``words[n - 1]`` and ``words[n]``."""
        if at + len(self.words) > len(words):
            return False
        last = len(self.words) - 1
        for n, wanted in enumerate(self.words):
            word = words[at + n]
            if n and (joint := self.joints[n - 1] if self.joints else ""):
                gap = _gap_key(gaps[at + n])
                # Buyers leave a hyphen out as often as not: "non conforme", "e mail".
                if gap != joint and not (joint == "-" and gap == " "):
                    return False
            elif n and gaps[at + n] and not gaps[at + n].isspace():
                return False
            if word != wanted and not (n == last and self.open_end and word.startswith(wanted)):
                return False
        return True


def _precedence(keyword: Keyword) -> tuple[int, bool]:
    """Which of the keywords found at one word counts: the longest; of equal length a whole
    word before an open end ("壊れ" before "壊れ*", which a Japanese keyword of two characters
    is as much as "work*" is); then as written (the sort keeps their order)."""
    return -len(keyword.text), keyword.open_end


@dataclass
class KeywordIndex:
    """One language's keywords, by their first word: exactly, or by its first letters for a
    keyword of one open-ended word ("fraud*" under "fraud", found for "fraudulent")."""

    by_first: dict[str, list[Keyword]] = field(default_factory=lambda: defaultdict(list))
    by_stem: dict[str, list[Keyword]] = field(default_factory=lambda: defaultdict(list))
    stem_lengths: set[int] = field(default_factory=set)
    # A buyer's words repeat from mail to mail: each word's candidates are worked out once,
    # and so is that a word starts none (most words), both bounded.
    seen: dict[str, tuple[Keyword, ...]] = field(default_factory=dict)
    none: set[str] = field(default_factory=set)

    def add(self, keyword: Keyword) -> None:
        first = keyword.words[0]
        if keyword.open_end and len(keyword.words) == 1:
            self.by_stem[first].append(keyword)
            self.stem_lengths.add(len(first))
        else:
            self.by_first[first].append(keyword)

    def ready(self) -> None:
        """The longest keyword first where several start alike, as the alternation did."""
        for table in (self.by_first, self.by_stem):
            for keywords in table.values():
                keywords.sort(key=_precedence)

    def candidates(self, word: str) -> tuple[Keyword, ...]:
        known = self.seen.get(word)
        if known is not None:
            return known
        if word in self.none:
            return ()
        found = list(self.by_first.get(word, ()))
        for length in self.stem_lengths:
            if len(word) >= length:
                found += self.by_stem.get(word[:length], ())
        if not found:
            if len(self.none) >= SEEN_MAX:
                self.none.clear()  # order numbers and the like would fill it
            self.none.add(word)
            return ()
        found.sort(key=_precedence)
        if len(self.seen) >= SEEN_MAX:
            self.seen.clear()
        self.seen[word] = known = tuple(found)
        return known


def keyword_problem(written: str) -> str | None:
    """Why a keyword line can find nothing useful, or None. A line of no word ("*", "???")
    is never found; a one-letter stem ("a*") or word ("a") finds nearly every text, putting
    every ticket in its category."""
    text = fold(written.strip())
    words = _WORD.findall(text.rstrip("*"))
    if not words:
        return f"“{written.strip()}” holds no word to find."
    if text.endswith("*") and len(words) == 1 and len(words[0]) < 2:
        return f"“{written.strip()}” would find every word starting with “{words[0]}”."
    if words == [words[0][:1]] and not _KANJI.match(words[0]):
        # "a", Spanish "y", Italian "e", Japanese "の": a word of nearly every text in the
        # language. One kanji is a word of its own ("傷", a scratch).
        return f"“{written.strip()}” is a single letter: nearly every text holds it."
    return None


def keywords_index(rows: list[tuple[str, str, int]]) -> dict[str, KeywordIndex]:
    """(language, keyword as written, category id) rows → an index per language. A line
    ``keyword_problem`` objects to (saved around the admin's form) is left out."""
    indexes: dict[str, KeywordIndex] = defaultdict(KeywordIndex)
    for language, written, category_id in rows:
        if keyword_problem(written):
            continue
        text = fold(written.strip())
        words = tuple(_WORD.findall(text.rstrip("*")))
        inner = _WORD.split(text.rstrip("*"))[1:-1]
        joints = tuple("" if not gap.strip() else _gap_key(gap) for gap in inner)
        indexes[language.lower()].add(
            Keyword(words, text.endswith("*"), category_id, written.strip().rstrip("*"),
                    joints if any(joints) else ())
        )
    for index in indexes.values():
        index.ready()
    return dict(indexes)


def keywords_find(
    indexes: dict[str, KeywordIndex], text: str, language: str, hits: Counter, found: dict
) -> None:
    """Count the keywords of ``language`` (and of every language) in ``text``."""
    text = fold(text)
    word = _WORD if max(text, default="") >= CJK_FIRST else _WORD_LATIN
    words = word.findall(text)
    distinct = set(words)
    gaps: list[str] | None = None  # what stands between the words, once one may match
    for lang in dict.fromkeys([language.lower(), ANY_LANGUAGE]):
        index = indexes.get(lang)
        if index is None:
            continue
        # Most texts hold no word a keyword starts with: they are done after one look at
        # each distinct word, and the others are walked only where a keyword may start.
        starting = {word for word in distinct if index.candidates(word)}
        if not starting:
            continue
        if gaps is None:
            gaps = word.split(text)
        after = 0  # the word after the last keyword found: the scan goes on from there
        for at in [n for n, word in enumerate(words) if word in starting]:
            if at < after:
                continue
            for keyword in index.candidates(words[at]):
                if keyword.matches(words, gaps, at):
                    hits[keyword.category_id] += 1
                    found[keyword.category_id].append(keyword.text)
                    after = at + len(keyword.words)
                    break
