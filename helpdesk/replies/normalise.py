"""The text the compliance rules read: evasions folded away, every character traced back to
the agent's own words so that a finding quotes what was written, not what the rules read.

Steps, in order (docs/DECISIONS.md, "Compliance check: languages and evasion"):
1. per character: zero-width and soft-hyphen characters dropped, NFKC, case folding,
   accents taken off Latin, Greek and Cyrillic letters, Cyrillic and Greek look-alikes folded
   to the Latin letter they imitate, dashes to "-", star symbols to "★";
2. obfuscated links and addresses written out: "hxxps://", "example dot com",
   "example . com", "www punto example", "name [at] mail", "name arobase mail";
3. spaced or dotted letters joined: "r e v i e w" → "review", "5 - s t a r" → "5 star".
Every step is a linear scan or a pattern without nested repetition.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import regex

from helpdesk.patterns import pattern_finditer

_DROPPED = regex.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u206f\ufe00-\ufe0f\ufeff]"
)
# Letters of other scripts that look like a Latin one (lower case: folding comes first).
LOOK_ALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "с": "c", "ѕ": "s", "т": "t",
    "у": "y", "ү": "y", "х": "x", "ԝ": "w", "ԁ": "d", "ɡ": "g", "ь": "b",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
    # Armenian and Latin oddities
    "օ": "o", "ս": "u", "ı": "i", "ɩ": "i", "ʟ": "l", "ø": "o", "ł": "l", "đ": "d", "ħ": "h",
    "æ": "ae", "œ": "oe", "ŀ": "l",
    # dashes, and stars that stand for a rating
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    "☆": "★", "⭐": "★", "✩": "★", "✪": "★", "✫": "★", "✬": "★", "✭": "★", "✮": "★",
    "✯": "★", "✰": "★", "🌟": "★",
    # Japanese brackets around a subject tag: 【重要】
    "【": "[", "】": "]", "〔": "[", "〕": "]", "〖": "[", "〗": "]",
}


def _marks_removable(base: str) -> bool:
    # Latin, Greek, Cyrillic (and Latin Extended Additional): "é" → "e". Never kana, whose
    # voicing marks make other words (が is not か).
    code = ord(base)
    return code < 0x0530 or 0x1E00 <= code <= 0x1FFF


@lru_cache(maxsize=8192)
def fold(chars: str) -> str:
    """One character (with its combining marks) as the rules read it."""
    if chars.isascii():
        return chars.lower()
    out = []
    for char in unicodedata.normalize("NFKC", chars).casefold():
        decomposed = unicodedata.normalize("NFD", char)
        if len(decomposed) > 1 and _marks_removable(decomposed[0]):
            char = "".join(c for c in decomposed if not unicodedata.combining(c))
            char = unicodedata.normalize("NFC", char)
        out.append(LOOK_ALIKES.get(char, char))
    return unicodedata.normalize("NFKC", "".join(out))


@dataclass(frozen=True)
class Traced:
    """A folded text; character ``i`` came from ``original[starts[i]:ends[i]]``."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The stretch of the original text that the folded ``text[start:end]`` came from."""
        if end <= start:
            return (self.starts[start], self.starts[start]) if start < len(self.starts) \
                else (len(self.original), len(self.original))
        return min(self.starts[start:end]), max(self.ends[start:end])

    def quote(self, start: int, end: int) -> str:
        first, last = self.span(start, end)
        return self.original[first:last].strip()


def _fold_all(original: str) -> Traced:
    text: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(original)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(original[j]):
            j += 1  # a letter and its combining marks are folded together
        cluster = _DROPPED.sub("", original[i:j])
        for char in fold(cluster) if cluster else "":
            text.append(char)
            starts.append(i)
            ends.append(j)
        i = j
    return Traced(original, "".join(text), tuple(starts), tuple(ends))


def _rewrite(traced: Traced, pattern: regex.Pattern,
             replace: Callable[[regex.Match], str]) -> Traced:
    """Each match replaced; a character of the replacement that is also in the match keeps
    its own origin (so "r e v i e w" → "review" still quotes letter by letter), any other
    takes the whole match's."""
    text: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for m in pattern_finditer(pattern, traced.text):
        text.append(traced.text[last:m.start()])
        starts.extend(traced.starts[last:m.start()])
        ends.extend(traced.ends[last:m.start()])
        whole = traced.span(m.start(), m.end())
        source, pos = m.group(0), 0
        for char in replace(m):
            found = source.find(char, pos)
            if found >= 0:
                at = m.start() + found
                starts.append(traced.starts[at])
                ends.append(traced.ends[at])
                pos = found + 1
            else:
                starts.append(whole[0])
                ends.append(whole[1])
            text.append(char)
        last = m.end()
    text.append(traced.text[last:])
    starts.extend(traced.starts[last:])
    ends.extend(traced.ends[last:])
    return Traced(traced.original, "".join(text), tuple(starts), tuple(ends))


_TLD_NAMES = (r"(?:com|net|org|info|biz|shop|store|online|site|io|eu|co\.uk|uk|de|at|ch|fr|it|"
              r"es|nl|pl|be|ca|jp|co\.jp|us)")
_TLD_ANY = rf"{_TLD_NAMES}(?![\w-])"
_TLD_GENERIC = r"(?:com|net|org|info|biz|shop|store|online|site|io|eu)(?![\w-])"
_DOT_WORDS = r"(?:dot|punkt|point|punto|ドット)"
_BRACKETED_DOT = (rf"\[\s*(?:\.|{_DOT_WORDS})\s*\]|\(\s*(?:\.|{_DOT_WORDS})\s*\)"
                  rf"|\{{\s*(?:\.|{_DOT_WORDS})\s*\}}")
_BRACKETED_AT = (r"\[\s*(?:at|@|ät)\s*\]|\(\s*(?:at|@|ät|a)\s*\)|\{\s*(?:at|@)\s*\}|<\s*at\s*>"
                 r"|アットマーク|あっとまーく")
# "hxxps://", "h**p://", "http[:]//", "https : //"
_SCHEME = regex.compile(
    r"(?<![a-z])h(?:tt|xx|\*\*|\.\.|t\*|\*t|tx|xt)p(s?)\s*(?:\[:\]|\(:\)|:)\s*(?:/\s*/|\[/\]\[/\]"
    r"|\[//\])"
)
# "name at mail dot com": a bare "at" only when a spelled-out dot follows (else "look at
# amazon.de" would become an address).
_AT_SPELLED = regex.compile(
    rf"(?<=[\w.+-])\s+at\s+(?=[\w-]{{1,63}}\s*(?:\s{_DOT_WORDS}\s|{_BRACKETED_DOT})\s*[a-z])"
    # The French, Spanish and Italian names of "@" mean nothing else: a dot of any kind will do.
    rf"|(?<=[\w.+-])\s+(?:arobase|arroba|chiocciola)\s+"
    rf"(?=[\w-]{{1,63}}\s*(?:\s{_DOT_WORDS}\s|{_BRACKETED_DOT}|\.)\s*[a-z])"
)
_AT = regex.compile(rf"(?<=\w)\s*(?:{_BRACKETED_AT})\s*(?=\w)|(?<=\w)\s*@\s*(?=\w)")
_DOT = regex.compile(
    rf"(?<=[\w-])\s*(?:{_BRACKETED_DOT})\s*(?=\w)"
    rf"|(?<=[\w-])\s+(?:dot|punkt|ドット)\s+(?={_TLD_ANY})"
    # French "le point de vue", Spanish "el punto es": only before a generic ending
    rf"|(?<=[\w-])\s+(?:point|punto)\s+(?={_TLD_GENERIC})"
    # ...or after "www." or "@name" (rewritten by the steps before), where no sentence is
    rf"|(?<=(?:@|\bwww\.)[\w-]{{1,63}})\s+(?:point|punto)\s+(?={_TLD_ANY})"
    # "mugshop . com": a space before a full stop is no sentence's end
    rf"|(?<=[\w-])[^\S\n]+\.[^\S\n]*(?={_TLD_ANY})"
    # Japanese writes "mugshop。jp" with its own full stop
    rf"|(?<=[a-z0-9-])[^\S\n]*。[^\S\n]*(?={_TLD_NAMES}(?![a-z0-9_-]))"
)
# "www . mugshop", "www punto tazze", "www[.]mugshop": "www" names nothing but a host.
_WWW = regex.compile(
    rf"(?<![a-z0-9_.])www(?:[^\S\n]*[.。][^\S\n]*|\s+{_DOT_WORDS}\s+|\s*(?:{_BRACKETED_DOT})\s*)"
    rf"(?=[a-z0-9])"
)
# Single letters or digits with one to three separators between them, at least three.
_SEP = r"(?:[^\S\n]{1,3}|[^\S\n]?[.\-_*·•|/+~,][^\S\n]?)"
_SPACED = regex.compile(rf"(?<![a-z0-9★])[a-z0-9★](?:{_SEP}[a-z0-9★](?![a-z0-9★])){{2,}}")
_TOKEN = regex.compile(r"[a-z0-9★]")
# Words of one letter in the shipped languages: "leave a r e v i e w" is "a review".
_ONE_LETTER_WORDS = set("aeioy")
_HOST = regex.compile(rf"(?:[a-z0-9-]{{1,63}}\.)+{_TLD_NAMES}")


def _joined(m: regex.Match) -> str:
    run = m.group(0)
    tokens = list(_TOKEN.finditer(run))
    if sum(t.group(0).isalpha() for t in tokens) < 3:
        return run  # spaced digits are the phone check's business
    words = [t.group(0) for t in tokens]
    gaps = [run[a.end():b.start()] for a, b in zip(tokens, tokens[1:], strict=False)]
    narrow = min(len(g) for g in gaps)
    # "w w w . m u g s h o p . c o m": words ended by dots that spell a host name are one.
    dotted = [words[0]]
    for word, gap in zip(words[1:], gaps, strict=True):
        dotted += ["" if len(gap) == narrow else "." if "." in gap else " ", word]
    if _HOST.fullmatch("".join(dotted)):
        return "".join(dotted)
    out: list[str] = []
    if words[0] in _ONE_LETTER_WORDS and len(words) > 3:
        out += [words.pop(0), " "]
        gaps.pop(0)
    # The narrowest gap is the one inside a word; a wider one ends it.
    narrow = min(len(g) for g in gaps)
    out.append(words[0])
    for word, gap in zip(words[1:], gaps, strict=True):
        out += ["" if len(gap) == narrow else " ", word]
    return "".join(out)


def _scheme(m: regex.Match) -> str:
    return f"http{m.group(1)}://"


# The long-vowel mark between digits is a dash: a Japanese input method in kana mode types it
# for the "-" key (０９０ー１２３４ー５６７８, an order ID ３０２ー…). After a kana it is part of
# the word, and stays.
_DIGIT_DASH = regex.compile(r"(?<=[0-9])ー(?=[0-9])")


def normalised(original: str) -> Traced:
    """``original`` as the rules read it, traced back character by character."""
    traced = _fold_all(original)
    traced = _rewrite(traced, _DIGIT_DASH, lambda m: "-")
    traced = _rewrite(traced, _SCHEME, _scheme)
    traced = _rewrite(traced, _AT_SPELLED, lambda m: "@")
    traced = _rewrite(traced, _AT, lambda m: "@")
    traced = _rewrite(traced, _WWW, lambda m: "www.")
    traced = _rewrite(traced, _DOT, lambda m: ".")
    return _rewrite(traced, _SPACED, _joined)


@lru_cache(maxsize=4096)
def pattern_fold(source: str) -> str:
    """A rule's pattern made to read folded text: its letters folded like the text's
    ("Rückerstattung" → "ruckerstattung", "ß" → "ss"); the syntax (all ASCII) untouched."""
    out = []
    for char in unicodedata.normalize("NFC", source):
        if char.isascii():
            out.append(char)
        elif not _DROPPED.match(char):
            out.append("".join(c if c.isalnum() or not c.isascii() else regex.escape(c)
                               for c in fold(char)))
    return "".join(out)


# Short words that only a text in that language is full of (folded: no accents). Words two
# languages share ("la", "un", "con", "que", "il", "su", "se", "del", "una") are left out.
_STOPWORDS = {
    "en": {"the", "and", "you", "your", "we", "our", "please", "thank", "thanks", "with", "for",
           "this", "that", "have", "will", "would", "is", "are", "us", "leave", "if", "order"},
    "de": {"und", "sie", "ihr", "ihre", "ihnen", "wir", "uns", "bitte", "danke", "mit", "fur",
           "der", "die", "das", "ist", "nicht", "eine", "einen", "vielen", "wenn", "auf", "dank"},
    "fr": {"vous", "votre", "nous", "notre", "merci", "avec", "pour", "les", "des", "est", "pas",
           "et", "sur", "avis", "au", "aux", "du", "commande", "cordialement"},
    "it": {"grazie", "della", "per", "sono", "vostro", "vostra", "suo", "sua", "noi", "ci", "che",
           "gli", "di", "lei", "ordine", "saluti", "abbiamo", "nel"},
    "es": {"usted", "gracias", "por", "para", "los", "las", "nosotros", "el", "y", "nos", "sus",
           "pedido", "muy", "puede", "hemos", "saludos"},
}
_WORD = regex.compile(r"[a-z]++")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")


def languages_in(folded: str) -> set[str]:
    """The languages a folded text is written in, by its short words (Japanese by its kana):
    every language with at least two such words and a third of the most frequent one's."""
    words = _WORD.findall(folded)
    hits = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    top = max(hits.values())
    seen = {lang for lang, count in hits.items() if count >= 2 and count * 3 >= top}
    if _KANA.search(folded):
        seen.add("ja")
    return seen
