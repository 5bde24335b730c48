"""The language a buyer wrote in, told by their own short words.

Amazon's marker lines are in the language of the marketplace's template, not the buyer's: an
English-speaking buyer on amazon.de writes English between German markers. The reply (its
template variant) and the complaint keywords should follow the buyer's words, so those words
decide when they say clearly which language they are in; otherwise the markers, the subject
and the marketplace decide as before."""

import re
import unicodedata

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
# How much more often the most found language's words must appear than the next one's.
CLEAR_LEAD = 2
CLEAR_MIN = 2


def language_written(text: str) -> str:
    """The language ``text`` is clearly written in ("" when it does not say clearly: a
    "Thanks!", or words of two languages alike). Japanese is told by its kana."""
    if len(_KANA.findall(text)) >= 2:
        return "ja"
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.casefold())
                     if not unicodedata.combining(c))
    words = _WORD.findall(folded)
    hits = sorted(((sum(w in stop for w in words), lang) for lang, stop in _STOPWORDS.items()),
                  reverse=True)
    (top, language), (second, _) = hits[0], hits[1]
    return language if top >= CLEAR_MIN and top >= CLEAR_LEAD * second else ""
