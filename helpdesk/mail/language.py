"""The language a buyer wrote in, told by their own short words.

Amazon's marker lines are in the language of the marketplace's template, not the buyer's: an
English-speaking buyer on amazon.de writes English between German markers. The reply (its
template variant) and the complaint keywords should follow the buyer's words, so those words
decide when they say clearly which language they are in; otherwise the markers, the subject
and the marketplace decide as before."""

import re
import unicodedata
from collections import Counter

# Short words buyers write, each in one shipped language only ("la", "non", "il", "mi", "was"
# and the like belong to two and are left out).
_STOPWORDS = {
    "en": {"the", "and", "my", "is", "it", "i", "you", "have", "not", "of", "to", "with",
           "this", "please", "thanks", "thank", "hello", "where", "when", "what", "did", "still",
           "order", "received", "can", "but", "just"},
    "de": {"ich", "und", "mein", "meine", "meinen", "nicht", "ist", "das", "der", "die", "bitte",
           "danke", "hallo", "mit", "wann", "wo", "bestellung", "habe", "eine", "ein", "noch",
           "auf", "sie", "leider", "paket", "erhalten", "aber", "kann"},
    "fr": {"je", "et", "mon", "mes", "est", "pas", "les", "des", "une", "vous", "bonjour",
           "merci", "avec", "pour", "commande", "ai", "recu", "colis", "toujours", "mais", "ou",
           "j", "n", "c"},
    "it": {"ho", "mio", "mia", "sono", "della", "grazie", "buongiorno", "salve", "ordine",
           "ancora", "per", "che", "ricevuto", "pacco", "gli", "dov", "perche", "questo"},
    "es": {"el", "y", "pedido", "gracias", "hola", "por", "para", "los", "las", "he",
           "recibido", "todavia", "esta", "paquete", "donde", "pero", "muy", "mis"},
}
_WORD = re.compile(r"[a-z]+")
_KANA = re.compile(r"[\u3040-\u30ff]")
# The marks NFKD takes off the Latin letters of the shipped languages (é → e + U+0301).
_ACCENT = re.compile(r"[\u0300-\u036f]")
# Each stop word's language (a word is in one language's list only).
_LANGUAGE_OF = {word: language for language, words in _STOPWORDS.items() for word in words}
# How much more often the most found language's words must appear than the next one's.
CLEAR_LEAD = 2
CLEAR_MIN = 2


def language_written(text: str) -> str:
    """The language ``text`` is clearly written in ("" when it does not say clearly: a
    "Thanks!", or words of two languages alike). Japanese is told by its kana."""
    kana = _KANA.finditer(text)
    if next(kana, None) and next(kana, None):
        return "ja"
    folded = text.casefold()
    if not folded.isascii():  # most mail is not: only then are accents taken off
        folded = _ACCENT.sub("", unicodedata.normalize("NFKD", folded))
    found = Counter(_LANGUAGE_OF[w] for w in _WORD.findall(folded) if w in _LANGUAGE_OF)
    (language, top), (_, second) = (found.most_common(2) + [("", 0), ("", 0)])[:2]
    return language if top >= CLEAR_MIN and top >= CLEAR_LEAD * second else ""
