"""Charset labels as mail programs mean them: a Japanese buyer on amazon.co.jp whose mail
program writes Shift_JIS or ISO-2022-JP with Windows' extensions (①, the 髙 of 髙橋), labels
Python does not know (``x-sjis``), ISO-2022-JP with no label, and Windows' Latin-1."""

import base64
import re

import pytest
from inbox_support import page
from mails import FIXTURE_MAIL

from helpdesk.mail.charsets import charset_decode
from helpdesk.mail.parse import parse_mail
from helpdesk.mail.recognise import Ruleset, recognise
from helpdesk.mail.services import Outcome, mail_ingest
from helpdesk.marketplaces.models import Channel
from helpdesk.tickets.models import Message

# Words Python's own shift_jis, euc_jp and iso2022_jp codecs refuse: NEC's circled number and
# an IBM kanji that Japanese family names are written with.
WORDS = "①の蓋から漏れます。髙橋"
JP_FIXTURE = FIXTURE_MAIL / "amazon-co-jp" / "iso2022jp_shouhin_shitsumon.eml"


def cp50220(text: str) -> bytes:
    """``text`` as ISO-2022-JP with Microsoft's extensions (CP50220), which Python cannot
    write: each double-byte run moved from Shift_JIS (cp932) to JIS."""
    out = bytearray()
    for run in re.split(r"([\x00-\x7f]+)", text):
        if not run:
            continue
        if run.isascii():
            out += run.encode()
            continue
        data = run.encode("cp932")
        out += b"\x1b$B"
        for lead, trail in zip(data[::2], data[1::2], strict=True):
            lead -= 0x40 if lead >= 0xE0 else 0
            first = (lead - 0x81) * 2 + 0x21
            if trail >= 0x9F:
                out += bytes((first + 1, trail - 0x7E))
            else:
                out += bytes((first, trail - 0x1F - (1 if trail >= 0x80 else 0)))
        out += b"\x1b(B"
    return bytes(out)


def japanese_mail(charset: str, encode) -> bytes:
    """The amazon.co.jp buyer fixture with ``WORDS`` added to the buyer's text and subject,
    written in ``charset`` by ``encode``."""
    raw = JP_FIXTURE.read_bytes()
    head, body = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
    text = body.decode("iso2022_jp").replace("田中", f"{WORDS}\n田中", 1)
    subject = base64.b64encode(encode(f"お問い合わせ {WORDS} (注文番号: 503-8812247-3306618)"))
    head = re.sub(rb"Subject: .*?\n(?! )", b"Subject: =?" + charset.encode() + b"?B?" + subject
                  + b"?=\n", head, flags=re.DOTALL)
    head = head.replace(b'charset="iso-2022-jp"', b'charset="' + charset.encode() + b'"')
    head = head.replace(b"Message-ID: <", b"Message-ID: <" + charset.encode() + b".")
    return head + b"\n\n" + encode(text)


@pytest.mark.parametrize(("charset", "encode"), [
    ("Shift_JIS", lambda text: text.encode("cp932")),
    ("x-sjis", lambda text: text.encode("cp932")),
    ("iso-2022-jp", cp50220),
])
def test_a_japanese_buyers_words_and_subject_are_shown_as_written(db, charset, encode):
    raw = japanese_mail(charset, encode)
    result = mail_ingest(raw=raw, source="test")
    assert result.outcome == Outcome.STORED
    message = Message.objects.select_related("ticket__order").get(pk=result.message_pk)
    assert WORDS in message.buyer_text and "\ufffd" not in message.buyer_text
    assert WORDS in message.subject
    # Recognised as the ISO-2022-JP original is: the order, the buyer's name, the language.
    assert message.ticket.order.order_id == "503-8812247-3306618"
    assert message.ticket.buyer.name == "田中 健太"
    assert message.language == "ja"


def test_a_japanese_ticket_page_shows_the_words(db, client, agent, queue):
    queue.channels.add(Channel.objects.get(code="amazon-co-jp"))
    result = mail_ingest(raw=japanese_mail("Shift_JIS", lambda t: t.encode("cp932")),
                         source="test")
    message = Message.objects.get(pk=result.message_pk)
    assert WORDS in page(client, message.ticket)


def test_iso_2022_jp_without_a_label_is_still_read_as_japanese():
    body = "商品が届きません".encode("iso2022_jp")
    raw = b"From: a@marketplace.amazon.co.jp\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\n"
    assert parse_mail(raw + body).text == "商品が届きません"


@pytest.mark.parametrize(("label", "data", "text"), [
    ("euc-jp", "①の商品".encode("euc_jis_2004"), "①の商品"),
    ("x-euc-jp", "商品".encode("euc_jp"), "商品"),
    ("windows-874", "ข้อความ".encode("cp874"), "ข้อความ"),
    ("ks_c_5601-1987", "똠방각하".encode("cp949"), "똠방각하"),
    ("gb2312", "镕".encode("gb18030"), "镕"),
    # Windows writes cp1252 and calls it Latin-1: its curly quotes and € are no controls.
    ("iso-8859-1", b"\x93Gr\xfc\xdfe\x94 \x80", "“Grüße” €"),
    ("iso-8859-1", b"\x81 caf\xe9", "\x81 café"),  # a byte cp1252 lacks: Latin-1 after all
])
def test_charset_labels_are_read_as_mail_programs_mean_them(label, data, text):
    assert charset_decode(data, label) == text


def test_a_french_mail_in_utf8_labelled_latin1_is_read_and_recognised_as_utf8(db):
    """The commonest lie: UTF-8 labelled iso-8859-1. Read as labelled, "Début du message"
    became "DÃ©but du message" and the buyer's words were not found between the markers."""
    raw = (FIXTURE_MAIL / "amazon-fr" / "question_produit.eml").read_bytes()
    lying = raw.replace(b"charset=UTF-8", b"charset=iso-8859-1")
    assert lying != raw
    rules = Ruleset()
    honest, lied = (recognise(parse_mail(r), rules) for r in (raw, lying))
    assert lied.buyer_text == honest.buyer_text
    assert lied.buyer_text.startswith("Bonjour, est-ce que la gourde")
    assert lied.language == "fr" and lied.order_id == "171-3348820-6651907"
