"""How the product reads letters across the buyers' languages, for matching and search alike.

Kana, the iteration mark and CJK ideographs are written without spaces: each character is a
word of its own. Accents come off ("endommagé" is "endommage"), but not the kana voicing
marks (が is not か)."""

import re
import unicodedata
from collections.abc import Iterable

CJK = "\u3005\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Text with no character from here on holds no kana or ideograph.
CJK_FIRST = "\u3005"
_KANA_MARKS = frozenset("\u3099\u309a")
# A dash between digits that NFKC leaves as it is. A Japanese input method in kana mode types
# the long-vowel mark ー for the "-" key, so buyers write an order ID as ３０２ー１２３４５６７ー…;
# others paste a minus sign, a Unicode hyphen or an en dash from a word processor. Between
# two digits none of them is anything but a dash (ー only follows kana as a vowel mark).
_DIGIT_DASH = re.compile(r"(?<=\d)[\u2010-\u2015\u2212\u30fc\uff70](?=\d)")


def digits_dashed(text: str) -> str:
    """``text`` with every dash between two digits written "-", as order IDs are stored and
    matched (in mail by the recognisers, in the inbox's search box)."""
    return _DIGIT_DASH.sub("-", text)


def name_key(text: str) -> str:
    """How people tell names apart when they pick one from a list: "Refund", "refund " and
    "Réfund" are the same name to them."""
    return accents_off(" ".join(text.split())).casefold()


def name_taken(name: str, others: Iterable[str]) -> str | None:
    """The name among ``others`` that reads as ``name`` (``name_key``), if any."""
    key = name_key(name)
    return next((other for other in others if name_key(other) == key), None)


def accents_off(text: str) -> str:
    """``text`` without accents, full-width letters and digits made plain (NFKD), composed
    again (NFC). ASCII text is returned as it is: it is its own form."""
    if text.isascii():
        return text
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c) or c in _KANA_MARKS)
    return unicodedata.normalize("NFC", text)
