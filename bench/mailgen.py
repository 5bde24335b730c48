"""Generate realistic marketplace mail for benchmarks: buyer messages across marketplaces,
seller replies that thread by In-Reply-To, follow-ups by order id, return requests, claims."""

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

MARKETS = [
    ("com", "en", "Begin message", "End message", "Order delivery inquiry from Amazon customer"),
    ("co.uk", "en", "Begin message", "End message", "Product details inquiry from Amazon customer"),
    ("de", "de", "Anfang der Nachricht", "Ende der Nachricht", "Anfrage zur Lieferung von Amazon-Kunde"),
    ("fr", "fr", "Début du message", "Fin du message", "Demande de renseignements du client Amazon"),
    ("it", "it", "Inizio messaggio", "Fine messaggio", "Messaggio dall'acquirente"),
    ("es", "es", "Iniciar mensaje", "Finalizar mensaje", "Consulta del cliente de Amazon"),
]
NAMES = ["Jane Doe", "Max Mustermann", "Marie Dupont", "Luca Rossi", "Ana García", "Tom Smith"]
WORDS = (
    "the mug arrived with a crack in the lid and it leaks when I carry it in my bag "
    "could you please send a replacement or tell me how to return it thanks"
).split()


def _order_id(rng: random.Random) -> str:
    return f"{rng.randint(100, 999)}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}"


def _buyer_mail(rng, n, tld, lang, begin, end, topic, name, alias, order_id, when, reply_to=None):
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 80)))
    headers = [
        f'From: "{name} - Amazon Marketplace" <{alias}>',
        f"Reply-To: {alias}",
        "To: support@example-seller.com",
        f"Subject: {topic} {name} (Order: {order_id})",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <bench-{n}@email.amazonses.com>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "X-AMAZON-MAIL-RELAY-TYPE: notification",
        "X-Space-Notification-Type: BBC_MESSAGE_SENT_TO_MERCHANT",
    ]
    if reply_to:
        headers += [f"In-Reply-To: {reply_to}", f"References: {reply_to}"]
    asin = f"B0{rng.randint(0, 36**8):08X}"[:10]
    body = (
        f"Order ID {order_id}:\n1 of Travel Mug 450 ml [ASIN: {asin}]\n\n"
        f"------------- {begin} -------------\n\n{words}\n\n------------- {end} -------------\n\n"
        "For Your Information: To help protect your privacy, this e-mail was relayed.\n"
        f"[commMgrTok:{rng.getrandbits(64):X}]\n"
    )
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()


def _reply(n, alias, order_id, name, when, in_reply_to):
    return (
        "From: Mug Shop Support <support@example-seller.com>\r\n"
        f"To: {alias}\r\nSubject: Re: Your order {order_id}\r\n"
        f"Date: {format_datetime(when)}\r\nMessage-ID: <bench-{n}@example-seller.com>\r\n"
        f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Dear {name},\r\n\r\nthank you for your message about order {order_id}. "
        "A replacement is on its way.\r\n\r\nKind regards\r\nMug Shop\r\n"
    ).encode()


def mails_generate(count: int, seed: int = 7, tag: str = "") -> Iterator[bytes]:
    """``count`` mails: ~55 % new buyer messages, ~30 % seller replies, ~15 % follow-ups.
    ``tag`` goes into every Message-ID: mails of another tag are other mails."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    open_threads: list[tuple] = []
    for n in range(count):
        when = start + timedelta(seconds=n * 37)
        roll = rng.random()
        if open_threads and roll < 0.30:
            alias, order_id, name, last_id = open_threads.pop(rng.randrange(len(open_threads)))
            yield _reply(f"{tag}{n}", alias, order_id, name, when, last_id)
        elif open_threads and roll < 0.45:
            alias, order_id, name, _ = open_threads[rng.randrange(len(open_threads))]
            tld, lang, begin, end, topic = MARKETS[0]
            yield _buyer_mail(rng, f"{tag}{n}", tld, lang, begin, end, topic, name, alias, order_id,
                              when)
        else:
            tld, lang, begin, end, topic = rng.choice(MARKETS)
            name = rng.choice(NAMES)
            alias = f"{rng.getrandbits(48):012x}@marketplace.amazon.{tld}"
            order_id = _order_id(rng)
            yield _buyer_mail(rng, f"{tag}{n}", tld, lang, begin, end, topic, name, alias, order_id,
                              when)
            open_threads.append((alias, order_id, name, f"<bench-{tag}{n}@email.amazonses.com>"))
            if len(open_threads) > 500:
                open_threads.pop(0)
