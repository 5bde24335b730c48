"""The development mail catcher: mail sent over SMTP to the catcher ``make run`` starts
(aiosmtpd's Maildir handler) is listed and readable at /dev/mail/, for staff, with DEBUG
only; on a real server the page does not exist."""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, mailers
from inbox_support import user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def catcher(settings, tmp_path) -> Iterator[Path]:
    """The runner's catcher on a free port, and the settings the runner gives its children."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    directory = tmp_path / "mail"
    controller = Controller(Mailbox(directory), hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
    settings.DEBUG = True
    settings.MAIL_CATCHER_DIR = str(directory)
    try:
        yield directory
    finally:
        controller.stop()


def send(subject: str, body: str, to: str) -> None:
    mailers.default.send_messages([EmailMessage(
        subject=subject, body=body, from_email="support@example-seller.com", to=[to])])


def staff() -> User:
    user = user_make("boss", role="admin")
    User.objects.filter(pk=user.pk).update(is_staff=True)
    return user


def test_sent_mail_is_listed_newest_first_and_readable(client, catcher):
    send("Re: Where is my order?", "Hello Jane, your parcel is on its way. Grüße",
         "abc123@marketplace.amazon.com")
    send("[Helpdesk] 2 reply clock(s) need attention", "These clocks need attention now",
         "manager@example-seller.com")
    client.force_login(staff())
    listing = client.get("/dev/mail/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "2 mails sent by this development server" in text
    assert text.index("[Helpdesk] 2 reply clock(s)") < text.index("Re: Where is my order?")
    assert "abc123@marketplace.amazon.com" in text

    [key] = [p.name for p in (catcher / "new").iterdir()
             if "Where is my order" in p.read_text()]
    mail = client.get("/dev/mail/mail/", {"key": key})
    assert mail.status_code == 200
    assert "Hello Jane, your parcel is on its way. Grüße" in mail.content.decode()


def test_a_buyers_html_in_a_caught_mail_is_shown_as_text(client, catcher):
    message = EmailMessage(subject="html", body="<script>alert(1)</script>",
                           from_email="a@example.test", to=["b@example.test"])
    message.content_subtype = "html"
    mailers.default.send_messages([message])
    client.force_login(staff())
    [key] = [p.name for p in (catcher / "new").iterdir()]
    page = client.get("/dev/mail/mail/", {"key": key}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_agents_and_a_server_without_debug_get_no_page(client, catcher, settings):
    send("Re: order", "Hello", "abc123@marketplace.amazon.com")
    client.force_login(user_make("anna"))
    assert client.get("/dev/mail/").status_code == 404
    client.force_login(staff())
    assert client.get("/dev/mail/").status_code == 200
    assert client.get("/dev/mail/mail/", {"key": "../../secret_key"}).status_code == 404
    assert client.get("/dev/mail/mail/", {"key": "no-such-mail"}).status_code == 404
    assert client.get("/dev/mail/mail/").status_code == 404
    settings.DEBUG = False
    assert client.get("/dev/mail/").status_code == 404
