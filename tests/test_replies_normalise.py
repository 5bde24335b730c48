"""The folded text the compliance rules read, and the way back from it to the agent's words."""

import pytest

from helpdesk.replies.normalise import languages_in, normalised, pattern_fold


@pytest.mark.parametrize(("written", "read"), [
    ("Größe", "grosse"),  # case folding
    ("ＲＥＶＩＥＷ ５つ星", "review 5つ星"),  # NFKC: full width
    ("𝐫𝐞𝐯𝐢𝐞𝐰", "review"),  # NFKC: mathematical bold
    ("rev\u00adi\u200bew\u2060", "review"),  # soft hyphen, zero-width space, word joiner
    ("r\u0435vi\u0435w", "review"),  # Cyrillic е
    ("p\u03bfsitive", "positive"),  # Greek ο
    ("étoiles reseña", "etoiles resena"),  # accents off Latin letters
    ("e\u0301toile", "etoile"),  # a combining accent
    ("ご注文が", "ご注文が"),  # never off kana
    ("5 - s t a r", "5 star"),
    ("r.e.v.i.e.w", "review"),
    ("leave a r e v i e w", "leave a review"),
    ("l e a v e  a  r e v i e w", "leave a review"),
    ("call 0 3 0 1 2 3 4", "call 0 3 0 1 2 3 4"),  # spaced digits stay spaced
    ("hxxps://shop dot com", "https://shop.com"),
    ("http[:]//shop[.]com", "http://shop.com"),
    ("name [at] mail (dot) de", "name@mail.de"),
    ("name at mail dot com", "name@mail.com"),
    ("look at amazon.de", "look at amazon.de"),  # prose stays prose
    ("le point de vue", "le point de vue"),
    ("mugshop punkt de", "mugshop.de"),
    ("⭐⭐⭐ 【重要】", "★★★ [重要]"),
])
def test_what_the_rules_read(written, read):
    assert normalised(written).text == read


def test_every_folded_character_leads_back_to_what_was_written():
    written = "Bitte: info [at] Mügshop dot com oder r e v i e w!"
    folded = normalised(written)
    start = folded.text.index("info@mugshop.com")
    assert folded.quote(start, start + len("info@mugshop.com")) == "info [at] Mügshop dot com"
    start = folded.text.index("review")
    assert folded.quote(start, start + 3) == "r e v"
    assert folded.quote(0, len(folded.text)) == written


def test_a_pattern_is_folded_like_the_text_and_its_syntax_kept():
    assert pattern_fold(r"\bRückerstattung\b|Größe[n]?") == r"\bRuckerstattung\b|Grosse[n]?"
    assert pattern_fold("（x）") == r"\(x\)"  # full-width brackets are literal text, escaped


@pytest.mark.parametrize(("text", "languages"), [
    ("Thank you for your order, we will send it today.", {"en"}),
    ("Vielen Dank für Ihre Bestellung, wir senden sie heute.", {"de"}),
    ("Merci pour votre commande, nous l'envoyons aujourd'hui.", {"fr"}),
    ("Grazie per il suo ordine, lo spediamo oggi.", {"it"}),
    ("Gracias por su pedido, lo enviamos hoy.", {"es"}),
    ("ご注文ありがとうございます。", {"ja"}),
    ("Pay by PayPal.", set()),  # too short to tell
])
def test_the_language_a_text_is_written_in(text, languages):
    assert languages_in(normalised(text).text) == languages
