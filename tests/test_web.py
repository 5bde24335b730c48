"""The plain inbox, the ticket page and the admin: login required, safe rendering."""

import pytest
from django.contrib import admin
from django.urls import reverse
from mails import build_mail

from helpdesk.mail.services import mail_ingest
from helpdesk.replies.models import ReplyTemplate
from helpdesk.tickets.models import Message
from helpdesk.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    result = mail_ingest(raw=build_mail(
        subject="Broken <b>lid</b>",
        body="The lid is broken",
        html='<p>The lid is <i>broken</i></p><script>document.title="pwned"</script>'
             '<img src=x onerror="alert(1)">',
    ), source="test")
    return Message.objects.get(pk=result.message_pk).ticket


def agent_of_every_queue(django_user_model):
    """An agent sees only their queues' tickets (see test_inbox_access.py): one for all."""
    from helpdesk.marketplaces.models import Channel
    from helpdesk.tickets.models import Queue

    user = django_user_model.objects.create_user("agent1", password="x")
    queue = Queue.objects.create(name="Everything")
    queue.channels.set(Channel.objects.all())
    queue.members.add(user)
    return user


@pytest.mark.parametrize("url", ["/inbox/", "/inbox/tickets/1/", "/admin/"])
def test_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_inbox_lists_tickets(client, django_user_model, ticket):
    client.force_login(agent_of_every_queue(django_user_model))
    response = client.get("/inbox/")
    assert response.status_code == 200
    assert "Broken &lt;b&gt;lid&lt;/b&gt;" in response.content.decode()


def test_the_ticket_page_shows_the_buyers_words_and_no_script(client, django_user_model, ticket):
    client.force_login(agent_of_every_queue(django_user_model))
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "The lid is broken" in page
    assert "<script>document.title" not in page and "onerror" not in page


def test_an_html_only_mail_with_a_script_shows_text_and_runs_nothing(
    client, django_user_model, ingest_file
):
    result = ingest_file("amazon-com/html_only_script_injection.eml")
    ticket = Message.objects.get(pk=result.message_pk).ticket
    client.force_login(agent_of_every_queue(django_user_model))
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "<script>alert" not in page and "onerror=" not in page
    assert "javascript:" not in page


def test_login_page_and_logging_in(client, django_user_model):
    django_user_model.objects.create_user("agent1", password="correct horse")
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "agent1", "password": "correct horse"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"


def test_every_admin_list_loads_with_its_filters(admin_client, ticket):
    # The index page loads the URLconf, which imports every app's admin (helpdesk.admin_apps).
    assert admin_client.get(reverse("admin:index")).status_code == 200
    assert ReplyTemplate in admin.site._registry and WebhookEndpoint in admin.site._registry
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
        assert admin_client.get(url, {"q": "lid"}).status_code == 200, url
