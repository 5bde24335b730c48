"""Reading a mail: headers in raw UTF-8 (RFC 6532), and HTML that would cost the HTML
parser minutes kept whole as an attachment and read as text in linear time."""

import base64
import re
import time
from io import StringIO

import pytest
from django.core.management import call_command
from faults_support import Workers, child_env, defaults_install, needs_postgresql, wait_for
from mails import amazon_body, build_mail

from helpdesk.mail import parse
from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.parse import ATTACHMENTS_MAX, TEXT_MAX_CHARS, parse_mail
from helpdesk.mail.services import mail_ingest
from helpdesk.mail.text import (
    HTML_MAX_CHARS,
    HTML_MAX_DEPTH,
    html_to_text,
    html_too_costly,
    sanitise_html,
)
from helpdesk.tickets.models import Message

ORDER = "302-1234567-7654321"
WORDS = "Please stop, the mug arrived broken"


def raw_mail(headers: dict[str, str], body: bytes, content_type: str) -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (head + f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n").encode(
        "utf-8") + body


def buyer_headers(n: int, **extra: str) -> dict[str, str]:
    return {
        "From": '"Jane Doe - Amazon Marketplace" <abc123xyz@marketplace.amazon.de>',
        "To": "service@mugshop.de",
        "Subject": f"Rücksendeanfrage für Bestellung {ORDER}",
        "Message-ID": f"<poison{n}@example.test>",
        "Date": "Mon, 05 Oct 2026 10:00:00 +0000",
        **extra,
    }


# -- RFC 6532: raw UTF-8 in headers ------------------------------------------------------------

def test_raw_utf8_from_name_and_subject_are_read_as_utf8():
    mail = parse_mail(raw_mail(
        {"From": "Jürgen Müller <jm@example.de>", "To": "service@mugshop.de",
         "Subject": "Rücksendeanfrage: Tasse zerbrochen – Größe 450 ml"},
        b"Hallo", "text/plain; charset=utf-8",
    ))
    assert mail.from_name == "Jürgen Müller"
    assert mail.subject == "Rücksendeanfrage: Tasse zerbrochen – Größe 450 ml"
    assert "\ufffd" not in mail.from_name + mail.subject


def test_a_message_id_written_as_encoded_words_names_the_mail_it_answers():
    """Python's email package (policy.default) writes an In-Reply-To too long for a line as
    encoded words: the seller's script's reply named no question and opened a ticket of its
    own, beside the buyer's, whose clock ran on."""
    question = "<0102019df6c478b4-4365b7f7-5b1e-47f2-9706-34df1eccc857-000000@eu-west-1.amazonses.com>"
    raw = build_mail(sender="service@mugshop.de", message_id="<r1@mugshop.de>",
                     headers={"In-Reply-To": question, "References": question})
    assert b"In-Reply-To: =?utf-8?q?" in raw  # as the package writes it
    mail = parse_mail(raw)
    assert (mail.in_reply_to, mail.references) == (question, [question])


def test_a_subject_cut_in_the_middle_of_an_encoded_character_shows_what_it_holds():
    """The sender's program cut the encoded subject one base64 character into a group: the
    whole subject was shown encoded, "=?utf-8?B?wr9Ew7Nu…", in the inbox and to every rule."""
    mail = parse_mail(raw_mail(
        {"From": "Lucía <lucia@example.es>", "To": "service@mugshop.de",
         "Subject": "=?utf-8?B?wr9Ew7NuZGUgZXN0w6EgbWkgcGVkaWRvPyDigJMgw?="},
        b"Hola", "text/plain; charset=utf-8",
    ))
    assert mail.subject == "¿Dónde está mi pedido? –"
    cut_twice = "=?utf-8?B?RGV2b2x1Y2nDs24=?= =?utf-8?B?IGRlbCBwZWRpZG8gw?="
    assert parse_mail(raw_mail({"Subject": cut_twice}, b"x", "text/plain")).subject == \
        "Devolución del pedido"


def test_raw_latin1_headers_of_old_mailers_are_still_readable():
    raw = "From: Jürgen Müller <jm@example.de>\r\nSubject: Rücksendung\r\n\r\nHallo".encode(
        "cp1252")
    mail = parse_mail(raw)
    assert (mail.from_name, mail.subject) == ("Jürgen Müller", "Rücksendung")


def test_a_raw_utf8_attachment_name_is_read_as_utf8():
    mail = parse_mail(raw_mail(
        {"From": "jm@example.de", "Subject": "Foto"},
        b"--b\r\nContent-Type: text/plain\r\n\r\nSiehe Foto\r\n--b\r\n"
        + "Content-Type: image/jpeg\r\nContent-Disposition: attachment; "
          "filename=\"Tasse_Müller.jpg\"\r\n\r\n".encode() + b"JPEG\r\n--b--\r\n",
        'multipart/mixed; boundary="b"',
    ))
    assert [a.filename for a in mail.attachments] == ["Tasse_Müller.jpg"]


def test_a_raw_utf8_name_cut_mid_character_is_still_read_as_utf8():
    cut = "Картинка с очень длинным именем".encode()[:-1]  # the last character cut in two
    mail = parse_mail(b"From: x@example.de\r\nSubject: " + cut + b"\r\n\r\nHallo")
    assert mail.subject.startswith("Картинка с очень длинным имен")


@pytest.mark.parametrize("charset", ["Shift_JIS", "EUC-JP"])
def test_raw_japanese_headers_are_read_in_the_charset_of_the_mails_text(charset):
    """An old Japanese mail program or shop system writes the subject and the sender's name
    as raw bytes in the charset of its text: they were read as cp1252 ("’�•¶”Ô�"), which no
    agent could read and no rule matched."""
    codec = {"Shift_JIS": "cp932", "EUC-JP": "euc_jp"}[charset]
    raw = ("From: 田中 太郎 <tanaka@example.jp>\r\nSubject: 注文番号 "
           f"{ORDER} の商品が破損していました\r\nContent-Type: text/plain; charset={charset}"
           "\r\n\r\n箱が潰れて届きました。\r\n").encode(codec)
    mail = parse_mail(raw)
    assert mail.from_name == "田中 太郎"
    assert mail.subject == f"注文番号 {ORDER} の商品が破損していました"
    assert mail.text.startswith("箱が潰れて届きました。")


def test_a_raw_iso_2022_jp_subject_is_read_as_japanese():
    """ISO-2022-JP is 7-bit: a mail program writing it raw into the subject (no encoded word)
    sent escape sequences that the inbox showed as they were."""
    raw = ("From: tanaka@example.jp\r\nSubject: 注文の件について\r\n"
           "Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n届きません\r\n"
           ).encode("iso2022_jp")
    mail = parse_mail(raw)
    assert mail.subject == "注文の件について" and "\x1b" not in mail.subject


def test_raw_latin1_headers_stay_latin1_beside_a_japanese_text():
    """The text's charset is only tried for bytes that are not UTF-8: a UTF-8 subject in a
    Shift_JIS mail stays UTF-8."""
    raw = ("Subject: Léa Martin – été\r\nContent-Type: text/plain; charset=Shift_JIS\r\n"
           "\r\n").encode() + "届きません".encode("cp932")
    assert parse_mail(raw).subject == "Léa Martin – été"


def test_paragraphs_the_parser_moves_out_of_a_table_keep_their_line_breaks():
    html = "<table><p>Hi Sojan,</p><p>Time to save the world.</p><tr><td>x</td></tr></table>"
    assert html_to_text(html) == "Hi Sojan,\nTime to save the world.\nx"


@pytest.mark.django_db
def test_a_raw_utf8_subject_is_matched_by_the_subject_rules_and_names_the_buyer():
    notice = mail_ingest(raw=raw_mail(
        buyer_headers(1, From='"Amazon.de" <order-update@amazon.de>'),
        f"Bestellnummer: {ORDER}".encode(), "text/plain; charset=utf-8",
    ), source="test")
    message = Message.objects.get(pk=notice.message_pk)
    assert message.kind == "return_request"  # the German subject rule matched
    assert message.subject == f"Rücksendeanfrage für Bestellung {ORDER}"

    buyer = mail_ingest(raw=raw_mail(
        buyer_headers(2, From='"Jürgen Müller - Amazon Marketplace" <jm9@marketplace.amazon.de>',
                      Subject=f"Frage zur Größe (Bestellung: {ORDER})"),
        amazon_body("Die Tasse kam zerbrochen an.", order_id=ORDER).encode("utf-8"),
        "text/plain; charset=utf-8",
    ), source="test")
    message = Message.objects.select_related("ticket__buyer").get(pk=buyer.message_pk)
    assert message.subject == f"Frage zur Größe (Bestellung: {ORDER})"
    assert message.ticket.buyer.name == "Jürgen Müller"


# -- HTML too costly for the HTML parser -------------------------------------------------------

def nested(depth: int, words: str = WORDS) -> str:
    return "<div>" * depth + f"<p>{words}</p>" + "</div>" * depth


def unclosed_html(size: int) -> str:
    """Blocks of 200 <div> that are never closed: the parser's stack only grows."""
    block = "<div>" * 200 + "<span>spam</span>\n"
    return f"<p>{WORDS}</p>" + block * (size // len(block))


POISON = {
    "40k nested div, HTML only": lambda: raw_mail(
        buyer_headers(2), nested(40_000).encode(), "text/html; charset=utf-8"),
    "80k nested div, HTML only": lambda: raw_mail(
        buyer_headers(3), nested(80_000).encode(), "text/html; charset=utf-8"),
    "1.1 MB HTML only": lambda: raw_mail(
        buyer_headers(4), unclosed_html(1_100_000).encode(), "text/html; charset=utf-8"),
    "4.4 MB multipart/alternative": lambda: raw_mail(
        buyer_headers(5),
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + WORDS.encode()
        + b"\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + unclosed_html(4_400_000).encode() + b"\r\n--b--\r\n",
        'multipart/alternative; boundary="b"'),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(POISON))
def test_a_poison_html_mail_is_filed_in_bounded_time_with_its_html_attached(name):
    raw = POISON[name]()
    started = time.monotonic()
    result = mail_ingest(raw=raw, source="test")
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"{name}: {elapsed:.1f} s"
    message = Message.objects.get(pk=result.message_pk)
    # Read whole: a buyer's message (its subject asks for a return; only Amazon's own
    # notice is a return request), with the buyer's words between the markers.
    assert message.ticket.kind == "buyer_message"
    assert WORDS in message.buyer_text
    assert message.body_html == ""  # nothing the parser had to build
    [attachment] = message.attachments.all()
    assert attachment.content_type == "text/html" and attachment.filename == "message.html"
    assert attachment.size > 200_000  # the HTML, kept whole


def test_the_linear_check_passes_ordinary_html_and_sloppy_paragraphs():
    ordinary = ("<html><head><style>p{}</style></head><body><table><tr><td><p>Hi<br>"
                + "<p>para" * 5000 + "<li>x" * 1000 + "</td></tr></table></body></html>")
    assert html_too_costly(ordinary) == ""
    assert html_too_costly(nested(HTML_MAX_DEPTH)) == ""
    assert "deeper" in html_too_costly(nested(HTML_MAX_DEPTH + 1))
    assert "larger" in html_too_costly("<p>" + "x" * HTML_MAX_CHARS)


def test_the_costliest_html_still_given_to_the_parser_takes_a_bounded_time():
    # As deep as allowed, as large as allowed. A <p> (or a stray </p>) makes the parser look
    # through every open element: the costliest shape found, about 2 s here. (html_to_text
    # once removed the block end tags, leaving every block open: 9 s at a quarter the depth.)
    for inner in ("<p>x</p>", "</p>"):
        body = inner * ((HTML_MAX_CHARS - 11 * HTML_MAX_DEPTH) // len(inner))
        worst = "<div>" * HTML_MAX_DEPTH + body + "</div>" * HTML_MAX_DEPTH
        assert html_too_costly(worst) == ""
        started = time.monotonic()
        assert html_to_text(worst).count("x") == body.count("x")
        assert sanitise_html(worst).count("<div>") == HTML_MAX_DEPTH
        assert time.monotonic() - started < 6, inner


def test_a_long_reply_chain_quoting_each_mail_in_a_div_is_still_shown_as_html():
    chain = "".join(f"<div>Reply {n}<br>" for n in range(500)) + "</div>" * 500
    assert html_too_costly(chain) == ""
    assert "Reply 499" in sanitise_html(chain)


def test_too_deep_html_given_to_the_sanitiser_is_shown_as_escaped_text():
    deep = nested(5_000, "<b>bold</b> &amp; <script>alert(1)</script>") + "<img src=x onerror=y>"
    shown = sanitise_html(deep)
    assert shown == "<pre>bold &amp;</pre>"
    assert "<script" not in shown and "<img" not in shown and "alert" not in shown
    assert html_to_text(deep) == "bold &"


def test_the_text_of_huge_html_is_read_in_linear_time():
    hostile = "<script>" * 300_000 + "<" * 500_000 + "<div " * 200_000
    started = time.monotonic()
    assert html_to_text(hostile) == ""
    assert sanitise_html("<style>" + hostile) == "<pre></pre>"
    assert time.monotonic() - started < 2


@needs_postgresql
@pytest.mark.faults
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_poison_html_mails_through_the_worker_hold_back_none_of_the_mail_behind_them(
        own_redis, tmp_path):
    """As it was found: the 4.4 MB mail killed the backlog job at 360 s, again and again, and
    20 mails behind it stayed "received". With a real rqworker, PostgreSQL and Redis, the
    poison mails and the 20 behind them are all filed within a minute."""
    defaults_install()
    workers = Workers(tmp_path, child_env(), count=1)
    try:
        started = time.monotonic()
        for name in POISON:
            mail_ingest(raw=POISON[name](), source="http", defer=True)
        for n in range(20):
            mail_ingest(raw=build_mail(message_id=f"<behind{n}@example.test>",
                                       body=amazon_body(f"Mail {n} behind the poison")),
                        source="http", defer=True)
        wait_for(lambda: not RawMail.objects.filter(status=RawMailStatus.RECEIVED).exists(),
                 timeout=60, what="every mail to be filed", step=0.5)
        took = time.monotonic() - started
    finally:
        workers.stop()
    assert RawMail.objects.filter(status=RawMailStatus.STORED).count() == len(POISON) + 20
    assert Message.objects.filter(attachments__filename="message.html").count() == len(POISON)
    print(f"\n{len(POISON)} poison mails and 20 behind them filed in {took:.1f} s")


# -- NUL bytes ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_buyer_mail_with_stray_nul_bytes_in_its_text_reaches_the_inbox():
    """A broken mailer's NUL in the body (not the header block) is dropped, not taken for a
    binary file: the buyer's words are filed, and PostgreSQL takes them."""
    body = amazon_body(WORDS, order_id=ORDER).replace("Please", "Please\x00").encode()
    html = f"<p>{WORDS}\x00</p>".encode()
    raw = raw_mail(buyer_headers(90), b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                   + body + b"\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
                   + b"\r\n--b--\r\n", 'multipart/alternative; boundary="b"')
    assert raw.index(b"\x00") < 4096
    result = mail_ingest(raw=raw, source="test")
    assert result.outcome == "stored", RawMail.objects.get(pk=result.raw_mail_id).quarantine_reason
    message = Message.objects.get(pk=result.message_pk)
    assert WORDS in message.buyer_text and "\x00" not in message.buyer_text + message.body_html


@pytest.mark.django_db
def test_a_nul_in_the_header_block_is_still_taken_for_binary():
    result = mail_ingest(raw=b"From: a@b.example\r\nSubject: x\x00y\r\n\r\nhello", source="test")
    assert result.outcome == "quarantined"
    assert "binary" in RawMail.objects.get(pk=result.raw_mail_id).quarantine_reason


# -- Bidirectional controls in headers --------------------------------------------------------

@pytest.mark.django_db
def test_a_right_to_left_override_cannot_disguise_an_attachment_or_run_into_the_inbox(
    client, agent
):
    """"invoice\\u202efdp.exe" shows as "invoiceexe.pdf": the file name, the subject and the
    sender's name are kept without bidirectional controls; Arabic letters stay as written."""
    raw = raw_mail(
        buyer_headers(91, From='"\u202eEve علي - Amazon Marketplace" <eve91@marketplace.amazon.de>',
                      Subject=f"Re\u202egnp.exe {ORDER}"),
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + amazon_body(WORDS, order_id=ORDER).encode()
        + "\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: "
          "attachment; filename=\"invoice\u202efdp.exe\"\r\n\r\nMZ\r\n--b--\r\n".encode(),
        'multipart/mixed; boundary="b"')
    message = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk)
    [attachment] = message.attachments.all()
    assert attachment.filename == "invoicefdp.exe"
    assert message.subject == f"Regnp.exe {ORDER}"
    assert message.ticket.buyer.name == "Eve علي"
    inbox, ticket_page = (client.get(url).content.decode()
                          for url in ("/inbox/", f"/inbox/tickets/{message.ticket_id}/"))
    assert "Regnp.exe" in inbox and "invoicefdp.exe" in ticket_page
    assert "\u202e" not in inbox + ticket_page


# -- Attachment file names ---------------------------------------------------------------------

@pytest.mark.django_db
def test_an_attachment_name_is_a_name_and_a_long_one_keeps_its_type():
    """A path ("../../etc/passwd", Outlook's "C:\\...\\photo.jpg") is its last part; a
    10,000-character name is shortened in the middle, keeping ".pdf" for the download."""
    names = ["../../etc/passwd", "C:\\Users\\anna\\photo.jpg", "x" * 10_000 + ".pdf"]
    parts = b"".join(
        b"\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
        + f'filename="{name}"'.encode() + b"\r\n\r\ndata" for name in names)
    raw = raw_mail(buyer_headers(92), b"--b\r\nContent-Type: text/plain\r\n\r\n"
                   + amazon_body(WORDS, order_id=ORDER).encode() + parts + b"\r\n--b--\r\n",
                   'multipart/mixed; boundary="b"')
    message = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk)
    kept = sorted(message.attachments.values_list("filename", flat=True), key=len)
    assert kept[:2] == ["passwd", "photo.jpg"]
    assert len(kept[2]) == 255 and kept[2].endswith("x….pdf")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["..", "../..", "C:\\Users\\..", " . "])
def test_an_attachment_named_only_by_a_paths_steps_downloads_as_an_attachment(
    name, client, agent
):
    """".." was kept as the name: the ticket showed "📎 .." and the download was offered as
    "..", a parent directory's name, which a browser or a script saving it may take as one."""
    raw = raw_mail(buyer_headers(109), b"--b\r\nContent-Type: text/plain\r\n\r\n"
                   + amazon_body(WORDS, order_id=ORDER).encode()
                   + b"\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: "
                   + f'attachment; filename="{name}"\r\n\r\n%PDF\r\n--b--\r\n'.encode(),
                   'multipart/mixed; boundary="b"')
    message = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk)
    [attachment] = message.attachments.all()
    assert attachment.filename == "attachment"
    download = client.get(f"/inbox/tickets/{message.ticket_id}/attachments/{attachment.pk}/")
    assert download["Content-Disposition"] == 'attachment; filename="attachment"'


# -- Mails built to exhaust the workers and the agents' pages ---------------------------------

def parts_mail(n: int, parts: bytes) -> bytes:
    return raw_mail(buyer_headers(n), b"--b\r\nContent-Type: text/plain\r\n\r\n"
                    + amazon_body(WORDS, order_id=ORDER).encode() + parts + b"\r\n--b--\r\n",
                    'multipart/mixed; boundary="b"')


@pytest.mark.django_db
def test_a_mail_of_thousands_of_attachments_keeps_a_hundred_and_the_whole_mail(client, agent):
    """5,000 one-line attachments are a 0.3 MB mail, far under the webhook's limit; 25 MB of
    them made 400,000 files and rows, and a ticket page that took over a minute to draw."""
    raw = parts_mail(93, b"".join(
        b"\r\n--b\r\nContent-Disposition: attachment; filename=%d.pdf\r\n\r\n%d" % (i, i)
        for i in range(5000)))
    result = mail_ingest(raw=raw, source="test")
    message = Message.objects.get(pk=result.message_pk)
    assert WORDS in message.buyer_text
    html = client.get(f"/inbox/tickets/{message.ticket_id}/").content.decode()
    links = re.findall(rf'href="(/inbox/tickets/{message.ticket_id}/attachments/\d+/)"', html)
    assert len(links) == ATTACHMENTS_MAX + 1
    assert "📎 0.pdf<" in html and "📎 99.pdf<" in html and "📎 100.pdf<" not in html
    whole = message.attachments.get(content_type="message/rfc822")
    assert whole.filename == "whole mail (4,900 more attachments).eml"
    assert client.get(links[-1]).content == raw  # every part of it, for a mail program


@pytest.mark.django_db
def test_a_buyer_text_of_megabytes_is_shown_cut_and_kept_whole_as_a_file(client, agent):
    """A 24 MB text body made a 25 MB ticket page (5 MB here); its first 512 KiB are shown,
    the part is a download."""
    words = WORDS + "\n" + "spam " * 1_000_000
    raw = raw_mail(buyer_headers(94), amazon_body(words, order_id=ORDER).encode(),
                   "text/plain; charset=utf-8")
    message = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk)
    assert message.buyer_text.startswith(WORDS)
    assert len(message.buyer_text) + len(message.quoted_text) <= TEXT_MAX_CHARS
    [attachment] = message.attachments.all()
    assert (attachment.filename, attachment.content_type) == ("message.txt", "text/plain")
    page = client.get(f"/inbox/tickets/{message.ticket_id}/")
    assert len(page.content) < 2 * TEXT_MAX_CHARS
    download = client.get(f"/inbox/tickets/{message.ticket_id}/attachments/{attachment.pk}/")
    assert download.content.decode().count("spam") == 1_000_000


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Message-ID", "In-Reply-To", "References"])
def test_an_id_longer_than_a_header_line_is_no_id_and_the_mail_is_filed(header):
    """An id of 1,200 characters (RFC 5322 lines end at 998) was refused by PostgreSQL's
    column: the buyer's mail was quarantined there, and filed on SQLite."""
    long_id = f"<{'a' * 1200}@example.test>"
    headers = buyer_headers(95)
    headers[header] = long_id
    raw = raw_mail(headers, amazon_body(WORDS, order_id=ORDER).encode(), "text/plain")
    result = mail_ingest(raw=raw, source="test")
    assert result.outcome == "stored", result.reason
    message = Message.objects.get(pk=result.message_pk)
    assert WORDS in message.buyer_text
    assert long_id not in (message.message_id, message.in_reply_to)
    assert not message.references.filter(referenced_id=long_id).exists()


# The email package decodes a header's encoded words, and reads a MIME header's parameters, in
# time that grows with the square of their number: a few MB of either under the webhook's
# 25 MB took it from seconds (below) to hours, with the backlog run that held the mail.
POISON_HEADERS = {
    "a subject of 100,000 encoded words": lambda: raw_mail(
        buyer_headers(96, Subject=f"Rücksendeanfrage {ORDER} " + "=?utf-8?b?YQ==?= " * 100_000),
        amazon_body(WORDS, order_id=ORDER).encode(), "text/plain"),
    "a multipart boundary among 150,000 parameters": lambda: raw_mail(
        buyer_headers(97),
        b"--b\r\nContent-Type: text/plain\r\n\r\n" + amazon_body(WORDS, order_id=ORDER).encode()
        + b"\r\n--b--\r\n",
        'multipart/mixed; boundary="b"' + "".join(f'; p{i}="v"' for i in range(150_000))),
    "a file name among 150,000 parameters": lambda: parts_mail(98, (
        "\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        'filename="label.pdf"' + "".join(f'; p{i}="v"' for i in range(150_000))
        + "\r\n\r\n%PDF").encode()),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(POISON_HEADERS))
def test_a_mail_of_monstrous_headers_is_filed_in_bounded_time(name, client, agent):
    raw = POISON_HEADERS[name]()
    started = time.monotonic()
    result = mail_ingest(raw=raw, source="test")
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"{name}: {elapsed:.1f} s"
    message = Message.objects.get(pk=result.message_pk)
    assert WORDS in message.buyer_text
    assert message.subject.startswith("Rücksendeanfrage")
    assert WORDS in client.get(f"/inbox/tickets/{message.ticket_id}/").content.decode()


def test_addresses_read_again_are_read_alike_and_a_huge_one_is_not_remembered():
    body = amazon_body(WORDS, order_id=ORDER).encode()
    first, again = (parse_mail(raw_mail(buyer_headers(1), body, "text/plain")) for _ in "ab")
    expected = ("Jane Doe - Amazon Marketplace", "abc123xyz@marketplace.amazon.de",
                ["service@mugshop.de"])
    assert (first.from_name, first.from_address, first.to_addresses) == expected
    assert (again.from_name, again.from_address, again.to_addresses) == expected
    first.to_addresses.append("someone@else.de")  # each mail's list is its own
    assert again.to_addresses == ["service@mugshop.de"]
    # A header longer than any address is read, and not kept in memory after its mail.
    remembered = (parse._address_remembered.cache_info().currsize,
                  parse._recipients_remembered.cache_info().currsize)
    huge = parse_mail(raw_mail(buyer_headers(
        2, From='"' + "Jane " * 200 + '" <jane@marketplace.amazon.de>',
        To=", ".join(f"desk{n}@mugshop.de" for n in range(3000))), body, "text/plain"))
    assert huge.from_address == "jane@marketplace.amazon.de"
    assert huge.to_addresses[-1] == "desk2999@mugshop.de"
    assert (parse._address_remembered.cache_info().currsize,
            parse._recipients_remembered.cache_info().currsize) == remembered


@pytest.mark.django_db
def test_a_csv_sent_inline_and_a_calendar_invite_are_downloads_not_lost(client, agent):
    """Apple Mail sends files inline; a text file other than plain text or HTML was neither
    the buyer's words nor an attachment: the agent never saw the buyer's CSV or invite."""
    raw = parts_mail(99, (
        b"\r\n--b\r\nContent-Type: text/csv; name=orders.csv\r\n"
        b"Content-Disposition: inline; filename=orders.csv\r\n\r\norder,amount\r\n1,2"
        b"\r\n--b\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n"
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR"))
    message = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk)
    assert message.buyer_text == WORDS
    html = client.get(f"/inbox/tickets/{message.ticket_id}/").content.decode()
    assert "📎 orders.csv<" in html and "📎 attachment.ics<" in html
    csv = message.attachments.get(filename="orders.csv")
    download = client.get(f"/inbox/tickets/{message.ticket_id}/attachments/{csv.pk}/")
    assert download.content == b"order,amount\r\n1,2"


# -- Addresses ---------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("written", "name"), [
    # "Surname, Given name" with an umlaut: encoded, and its comma is no syntax once decoded
    ("=?utf-8?q?M=C3=BCller=2C_Jana_-_Amazon_Marketplace?=", "Müller, Jana"),
    ("=?utf-8?q?Jana_=3C3_-_Amazon_Marketplace?=", "Jana <3"),
    ("=?utf-8?q?Jana_=3Cabc=40example=2Ecom=3E_-_Amazon_Marketplace?=",
     "Jana <abc@example.com>"),
])
def test_an_encoded_name_holding_a_comma_or_brackets_still_names_its_sender(
    written, name, client, agent
):
    """Decoded before the address was read, "Müller, Jana <…>" was two addresses and the
    mail had no sender: a ticket of no buyer, nobody to reply to."""
    raw = raw_mail(buyer_headers(100, From=f"{written} <abc123xyz@marketplace.amazon.de>"),
                   amazon_body(WORDS, order_id=ORDER).encode(), "text/plain")
    message = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk)
    assert message.from_address == "abc123xyz@marketplace.amazon.de"
    assert message.ticket.buyer.alias == "abc123xyz@marketplace.amazon.de"
    assert message.ticket.buyer.name == name


# -- Multiparts whose boundary is lost -----------------------------------------------------------

LOST_BOUNDARY = {
    # A gateway rewrote the boundary in the header and not in the body.
    "another boundary in the body": (
        'multipart/mixed; boundary="REWRITTEN"',
        b"--ORIGINAL\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + amazon_body(WORDS, order_id=ORDER).encode()
        + b"\r\n--ORIGINAL\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename=label.pdf\r\n\r\n%PDF\r\n--ORIGINAL--\r\n"),
    # A script that writes the type and forgets the boundary parameter.
    "no boundary at all": (
        "multipart/mixed",
        b"--b1\r\ncontent-type: text/plain\r\n\r\n" + amazon_body(WORDS, order_id=ORDER).encode()
        + b"\r\n--b1\r\ncontent-type: application/pdf; name=label.pdf\r\n\r\n%PDF\r\n--b1--\r\n"),
    # No part written at all: the body is the text.
    "no part in the body": ("multipart/alternative; boundary=zz",
                            amazon_body(WORDS, order_id=ORDER).encode()),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(LOST_BOUNDARY))
def test_a_multipart_whose_boundary_is_lost_still_shows_the_buyers_words(name, client, agent):
    """The parser leaves such a multipart as one string, and the ticket showed an empty
    message: the clock ran on a question the agent could not read."""
    content_type, body = LOST_BOUNDARY[name]
    result = mail_ingest(raw=raw_mail(buyer_headers(101), body, content_type), source="test")
    message = Message.objects.get(pk=result.message_pk)
    assert message.buyer_text == WORDS
    html = client.get(f"/inbox/tickets/{message.ticket_id}/").content.decode()
    assert WORDS in html
    if b"%PDF" in body:
        [attachment] = message.attachments.all()
        assert attachment.filename == "label.pdf"


def test_a_rule_or_a_marker_line_in_a_multipart_without_parts_is_no_boundary():
    """Only a "--token" line followed by a part's header is a delimiter: Amazon's marker
    lines and a signature's rule stay the buyer's text."""
    body = amazon_body(WORDS, order_id=ORDER).encode() + b"\r\n-- \r\n----------\r\nJane\r\n"
    parsed = parse_mail(raw_mail(buyer_headers(102), body, "multipart/mixed; boundary=q"))
    assert "------------- Begin message -------------" in parsed.text
    assert parsed.text.rstrip().endswith("Jane")


# -- Base64 that is not base64 ------------------------------------------------------------------

DISCLAIMER = "-- \r\nThis message was scanned by MailGuard. No virus was found.\r\n"
NOT_BASE64 = {
    # A web form's mailer labels every part base64 and sends the text as it is.
    "text labelled base64": amazon_body(WORDS, order_id=ORDER).encode(),
    # A gateway appends its disclaimer in plain text below the encoded body.
    "base64 and a disclaimer below it": base64.encodebytes(
        amazon_body(WORDS, order_id=ORDER).encode()) + b"\r\n" + DISCLAIMER.encode(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(NOT_BASE64))
def test_text_labelled_base64_that_is_not_shows_the_buyers_words(name, client, agent):
    """Decoded leniently (the characters outside base64's alphabet skipped), such a body was
    noise on the ticket page: the agent could not read the question whose clock ran, nor
    the gateway's note below it."""
    raw = raw_mail(buyer_headers(103) | {"Content-Transfer-Encoding": "base64"},
                   NOT_BASE64[name], "text/plain; charset=utf-8")
    message = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk)
    assert message.buyer_text == WORDS
    html = client.get(f"/inbox/tickets/{message.ticket_id}/").content.decode()
    assert WORDS in html
    if DISCLAIMER.encode() in NOT_BASE64[name]:
        assert "This message was scanned by MailGuard. No virus was found." in html


def test_base64_broken_by_a_stray_character_is_still_read_as_base64():
    encoded = base64.encodebytes(("Wo ist meine Tasse? " * 10).encode())
    raw = raw_mail(buyer_headers(104) | {"Content-Transfer-Encoding": "base64"},
                   b"!" + encoded, "text/plain; charset=utf-8")
    assert parse_mail(raw).text.startswith("Wo ist meine Tasse?")


# -- HTML that would load from elsewhere --------------------------------------------------------

REMOTE_HTML = (
    '<html><head><base href="https://tracker.example/">'
    '<meta http-equiv="refresh" content="0;url=https://tracker.example/go">'
    '<link rel="stylesheet" href="https://tracker.example/s.css">'
    "<style>body{background:url(https://tracker.example/bg.png)}</style></head><body>"
    f"<p>{WORDS}</p>"
    '<img src="https://tracker.example/open.gif?buyer=1" width="1" height="1">'
    '<img src="//tracker.example/photo.jpg" alt="photo of the mug">'
    '<img srcset="https://tracker.example/s.png 2x"><video poster="https://tracker.example/p.png">'
    '</video><div style="background-image:url(https://tracker.example/d.png)">x</div>'
    '<table background="https://tracker.example/t.png"><tr><td>y</td></tr></table>'
    '<svg><image href="https://tracker.example/i.svg"/></svg>'
    '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">'
    '<object data="https://tracker.example/o"></object></body></html>'
)


@pytest.mark.django_db
def test_a_buyers_html_names_no_address_the_ticket_page_would_load(client, agent):
    """The frame's policy refused to load the tracking pixel and the remote picture, but
    their addresses were still on the page, in the agent's browser: only links remain (a
    click is the agent's choice), and an image shows as its alt text."""
    raw = raw_mail(buyer_headers(105), REMOTE_HTML.encode(), "text/html; charset=utf-8")
    message = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk)
    assert WORDS in message.buyer_text
    page = client.get(f"/inbox/tickets/{message.ticket_id}/").content.decode()
    assert WORDS in page and "photo of the mug" in page
    assert "tracker.example" not in page


# -- What comes before the headers -------------------------------------------------------------

BEFORE_THE_HEADERS = {
    # procmail and Postfix's pipe(8) (flag F) hand a mail on with its mbox envelope line.
    "an mbox envelope line": b"From abc123xyz@marketplace.amazon.de Mon Oct  5 10:00:01 2026\n",
    # Windows tools save .eml files with a byte order mark.
    "a byte order mark": b"\xef\xbb\xbf",
    "a blank line": b"\r\n",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(BEFORE_THE_HEADERS))
def test_a_mail_with_something_before_its_headers_is_filed_as_the_same_mail(
    name, client, agent, run_jobs
):
    """Each was "no header block: the data does not start with mail headers", quarantined:
    a webhook fed by procmail lost every mail so."""
    plain = raw_mail(buyer_headers(106), amazon_body(WORDS, order_id=ORDER).encode(),
                     "text/plain; charset=utf-8")
    received = mail_ingest(raw=BEFORE_THE_HEADERS[name] + plain, source="http", defer=True,
                           trusted=False)
    run_jobs()
    message = RawMail.objects.get(pk=received.raw_mail_id).message
    assert message.buyer_text == WORDS
    assert WORDS in client.get(f"/inbox/tickets/{message.ticket_id}/").content.decode()
    # The same mail from the operator's file is the same mail.
    assert mail_ingest(raw=plain, source="file:x").outcome == "duplicate"


# -- Control characters in headers ----------------------------------------------------------------

@pytest.mark.django_db
def test_control_characters_in_a_subject_never_reach_the_operators_terminal(client, agent):
    """ESC sequences in a subject (encoded, or raw) were stored as written, and ``sla_status``
    prints the most overdue subjects: the operator's terminal was retitled and cleared."""
    subject = f"=?utf-8?q?Lid_broken_=1B]0;pwned=07=1B[2J=C2=9B1m?= {ORDER}\x1b[31m"
    raw = raw_mail(buyer_headers(107, Subject=subject,
                                 From='"Jane\x07 Doe - Amazon Marketplace" '
                                      "<abc123xyz@marketplace.amazon.de>"),
                   amazon_body(WORDS, order_id=ORDER).encode(), "text/plain; charset=utf-8")
    message = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk)
    assert message.subject == f"Lid broken ]0;pwned[2J1m {ORDER}[31m"
    assert message.ticket.buyer.name == "Jane Doe"
    out = StringIO()
    call_command("sla_status", stdout=out)
    assert f"Lid broken ]0;pwned[2J1m {ORDER}" in out.getvalue()
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", out.getvalue())


@pytest.mark.django_db
def test_an_encoded_word_beside_raw_utf8_in_a_subject_is_decoded(client, agent):
    """A gateway's raw UTF-8 prefix before an encoded subject left the whole subject with its
    encoded words as written: the inbox showed "=?utf-8?q?M=C3=BCller?=" to the agent."""
    subject = f"[Käufer] =?utf-8?q?Gr=C3=B6=C3=9Fe_passt_nicht?= =?utf-8?b?44K144Kk44K6?= {ORDER}"
    raw = raw_mail(buyer_headers(108, Subject=subject), amazon_body(WORDS, order_id=ORDER).encode(),
                   "text/plain; charset=utf-8")
    message = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk)
    assert message.subject == f"[Käufer] Größe passt nichtサイズ {ORDER}"
    assert f"[Käufer] Größe passt nichtサイズ {ORDER}" in client.get("/inbox/").content.decode()
