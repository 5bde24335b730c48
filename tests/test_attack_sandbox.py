"""Reply templates under attack: escapes from the Jinja2 sandbox and templates that would
exhaust the worker are refused when the admin saves them and again when they render, with a
message that says why, and nothing of the server's internals reaches the page.
(The basic escapes are in test_replies_rendering.py; these are the rest.)"""

import time

import pytest
from replies_support import made_ticket

from helpdesk.replies.context import reply_context
from helpdesk.replies.models import ReplyTemplate
from helpdesk.replies.rendering import (
    MAX_OUTPUT,
    MAX_SOURCE,
    RenderError,
    locale_for,
    template_problems,
    template_render,
)

pytestmark = pytest.mark.django_db

ESCAPES = [
    "{{ self._TemplateReference__context }}",
    "{{ self }}",
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ ''|attr('__class__')|attr('__mro__') }}",
    "{{ buyer|attr('_values') }}",
    "{{ buyer['_values'] }}",
    "{{ '{0._values}'.format(buyer) }}",
    "{{ '%s' % buyer }}",
    "{{ '%r' % (ticket,) }}",
    "{{ '%(x)s'|format(x=ticket) }}",
    "{{ '%s'|format(order.items) }}",  # a list of records, written as Python shows it
    "{{ buyer|pprint }}",
    "{{ ticket.buyer_text.__class__ }}",
    "{{ ticket.id.__class__.__subclasses__() }}",
    "{{ order.items.__class__ }}",
    "{{ (order.items|first)._values }}",
    "{% set x = ''.__class__ %}{{ x }}",
    "{{ ''.join }}",
    "{% macro m() %}{{ caller }}{% endmacro %}{{ m() }}",
    "{% for x in order.items recursive %}{{ loop(x) }}{% endfor %}",
    "{% include 'x' %}",
    "{% import 'x' as y %}",
    "{% extends 'base' %}",
]

# Each would build gigabytes or loop for hours if it were not bounded.
DOS = [
    "{{ 'a' * 10**9 }}",
    "{{ 10**9 * 'a' }}",
    "{{ ticket.buyer_text * 1000000 }}",
    "{{ [1] * 10**8 }}",
    "{{ 'ab' ~ 'c' * 10**8 }}",
    "{{ (2**4000) * (2**4000) }}",
    "{{ 3**100000 }}",
    "{{ range(10**9)|list }}",
    "{% for a in 'x' * 1000 %}{% for b in 'x' * 1000 %}{% endfor %}{% endfor %}",
    "{% for a in ticket.buyer_text %}{% for b in ticket.buyer_text %}{% for c in "
    "ticket.buyer_text %}.{% endfor %}{% endfor %}{% endfor %}",
    "{{ ticket.subject|center(10**9) }}",
    "{{ ticket.subject|indent(10**9) }}",
    "{{ 'x'|truncate(10**12) }}",
    "{{ '%999999999s' % 'x' }}",
    "{{ '%.999999999f' % 1 }}",
    "{{ '%*s'|format(999999999, 'x') }}",
    "{{ 'x'|wordwrap(1)|batch(10**9)|list }}",
    "{{ 'x'|slice(10**9)|list }}",
    "{% set s = 'x' * 1000 %}{% for _ in s %}{{ s }}{% endfor %}",
]

# Harmless on the short text of a trial render when saved; bounded by the buyer's long text.
DOS_BY_BUYER_TEXT = [
    "{{ ticket.buyer_text|replace('', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') }}",
    "{{ ticket.buyer_text|join('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') }}",
    "{{ ticket.buyer_text|indent(999) }}",
    "{% for a in ticket.buyer_text %}{% for b in 'xy' %}{% endfor %}{% endfor %}",
]

# What the internals would look like on the page: a repr, a class, a record's values.
LEAKS = ("<class", "object at", "Record(", "SECRET_KEY", "<function", "<module", "{'",
         "Die Tasse")


@pytest.fixture
def context():
    ticket = made_ticket()
    locale = locale_for("de", "amazon.de")
    ctx = reply_context(ticket=ticket, author=None, locale=locale)
    # The buyer wrote a long mail: loops and filters over it must stay bounded too.
    ctx["ticket"]._values["buyer_text"] = "Die Tasse ist kaputt.\n" * 500
    return ctx, locale


def refused_at_render(source: str, context) -> str:
    ctx, locale = context
    started = time.monotonic()
    with pytest.raises(RenderError) as refused:
        template_render(source, ctx, locale=locale)
    assert time.monotonic() - started < 2, source
    message = str(refused.value)
    assert not any(leak in message for leak in LEAKS), message
    return message


@pytest.mark.parametrize("source", ESCAPES)
def test_a_sandbox_escape_is_refused_on_save_and_at_render(source, context):
    assert template_problems(source), source
    refused_at_render(source, context)


@pytest.mark.parametrize("source", DOS)
def test_a_template_that_would_exhaust_the_worker_is_refused_fast(source, context):
    started = time.monotonic()
    problems = template_problems(source)
    assert problems, source
    assert time.monotonic() - started < 2, source
    message = refused_at_render(source, context)
    assert "Nothing was sent" in message or "not available" in message


@pytest.mark.parametrize("source", DOS_BY_BUYER_TEXT)
def test_a_template_bounded_only_by_a_long_buyer_text_is_refused_at_render(source, context):
    refused_at_render(source, context)


def test_the_limits_name_the_reason():
    assert template_problems("{{ 'a' * 10**9 }}") == [
        f"The template would write more than {MAX_OUTPUT:,} characters; no reply needs that "
        "many."
    ]
    assert template_problems(
        "{% for a in 'x' * 100 %}{% for b in 'x' * 100 %}{% endfor %}{% endfor %}"
    ) == ["The template loops more than 1,000 times; no reply needs that many."]


def test_ordinary_templates_still_work(context):
    ctx, locale = context
    source = (
        "Hallo {{ buyer.first_name|title }},\n{% for item in order.items %}- {{ item.title }}"
        "{% endfor %}\n{{ '%s, %s'|format(order.id, ticket.id) }} {{ 12.5|money('EUR') }}\n"
        "{{ '-' * 40 }}\n{{ ticket.buyer_text|truncate(40) }}"
    )
    assert template_problems(source) == []
    text = template_render(source, ctx, locale=locale)
    assert text.startswith("Hallo Jana,\n- Thermobecher")
    assert "-" * 40 in text and "12,50" in text


def test_a_reply_as_long_as_the_limit_is_fine_one_more_character_is_not(context):
    ctx, locale = context
    assert len(template_render(f"{{{{ 'a' * {MAX_OUTPUT} }}}}", ctx, locale=locale)) == MAX_OUTPUT
    with pytest.raises(RenderError, match="more than 20,000 characters"):
        template_render(f"{{{{ 'a' * {MAX_OUTPUT} }}}}b", ctx, locale=locale)


def variant_post(name: str, body: str) -> dict:
    return {
        "name": name, "default_language": "en", "active": "on",
        "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "1", "variants-MAX_NUM_FORMS": "1000",
        "variants-0-language": "en", "variants-0-subject": "Hello",
        "variants-0-body": body,
    }


@pytest.mark.parametrize("source", [
    "{{ self._TemplateReference__context }}", "{{ cycler.__init__.__globals__ }}",
    "{{ '%s' % buyer }}", "{{ 'a' * 10**9 }}",
    "{% for a in 'x' * 1000 %}{% for b in 'x' * 1000 %}{% endfor %}{% endfor %}",
])
def test_the_admin_refuses_to_save_them_with_the_reason_on_the_field(admin_client, source):
    page = admin_client.post("/admin/replies/replytemplate/add/", variant_post("Evil", source))
    assert page.status_code == 200  # the form comes back
    html = page.content.decode()
    assert 'class="errorlist' in html
    assert not ReplyTemplate.objects.filter(name="Evil").exists()


def test_the_admin_preview_of_a_stored_evil_template_shows_the_refusal_only(admin_client):
    # Stored before the checks existed (or by a data migration): rendering still refuses.
    ticket = made_ticket()
    template = ReplyTemplate.objects.create(name="Old", default_language="de")
    template.variants.create(language="de", subject="Hi",
                             body="{{ 'a' * 10**9 }}{{ self._TemplateReference__context }}")
    url = f"/admin/replies/replytemplate/{template.pk}/preview/"
    started = time.monotonic()
    page = admin_client.get(url, {"ticket": ticket.pk})
    assert time.monotonic() - started < 5
    html = page.content.decode()
    assert page.status_code == 200
    assert "more than 20,000 characters" in html
    assert "a" * 1000 not in html and "SECRET_KEY" not in html


# Each within the longest template (MAX_SOURCE): deeper ones are refused for their length.
DEEP = {
    "brackets": "Hi {{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
    "blocks": "Hi " + "{% if true %}" * 800 + "x" + "{% endif %}" * 800,
    "filters": "Hi {{ 'a'" + "|upper" * 3000 + " }}",
    "additions": "Hi {{ 1" + "+1" * 9000 + " }}",
}


@pytest.mark.parametrize("shape", list(DEEP))
def test_a_template_nested_thousands_deep_is_refused_on_save_and_at_render(
    admin_client, shape
):
    """Jinja reads a template recursively: saving one nested thousands deep was a server
    error; one stored before the check stopped the composer the same way."""
    page = admin_client.post("/admin/replies/replytemplate/add/",
                             variant_post("Deep", DEEP[shape]))
    assert page.status_code == 200
    assert "The template nests too deeply" in page.content.decode()
    assert not ReplyTemplate.objects.filter(name="Deep").exists()

    ticket = made_ticket()
    template = ReplyTemplate.objects.create(name="Old", default_language="de")
    template.variants.create(language="de", subject="Hi", body=DEEP[shape])
    page = admin_client.get(f"/admin/replies/replytemplate/{template.pk}/preview/",
                            {"ticket": ticket.pk})
    assert page.status_code == 200
    assert "The template nests too deeply" in page.content.decode()


# Pasted by mistake, or many pages of placeholders: Jinja's parse and compile of such a template
# took half a minute, on saving and on every render of it.
HUGE = {
    "a megabyte of placeholders": "Hello {{ buyer.name }}\n" * 50_000,
    "one character over": "{{ buyer.name }}" + "x" * (MAX_SOURCE - 15),
}


@pytest.mark.parametrize("shape", list(HUGE))
def test_a_template_longer_than_any_reply_is_refused_at_once_on_save_and_at_render(
    admin_client, context, shape
):
    started = time.monotonic()
    page = admin_client.post("/admin/replies/replytemplate/add/",
                             variant_post("Huge", HUGE[shape]))
    assert time.monotonic() - started < 2
    assert page.status_code == 200
    assert "The template is longer than 20,000 characters" in page.content.decode()
    assert not ReplyTemplate.objects.filter(name="Huge").exists()
    # Stored around the form (a script, a data migration): the composer refuses it as fast.
    assert "longer than 20,000 characters" in refused_at_render(HUGE[shape], context)


def test_a_template_as_long_as_the_limit_is_saved(context):
    source = "{{ buyer.name }}" + "x" * (MAX_SOURCE - 16)
    assert template_problems(source) == []


# Each line doubles what the one before built; eight or more of them would reach 10**9
# characters through an operator or filter that builds values. Each must stop at the first
# value over the bound, with little memory, when saved and at render.
SEED = "{% set s = 'abcdefghij' * 1000 %}"
DOUBLINGS = {
    "~": "{% set s = s ~ s %}",
    "~ three parts": "{% set s = s ~ '-' ~ s %}",
    "+ strings": "{% set s = s + s %}",
    "+ lists": "{% set s = [s] + [s] %}",
    "* strings": "{% set s = s * 2 %}",
    "* lists": "{% set s = [s] * 2 %}",
    "list literal then join": "{% set s = [s, s]|join %}",
    "join with a separator": "{% set s = [s, s]|join(s[:1000]) %}",
    "format": "{% set s = '%s%s'|format(s, s) %}",
    "% operator": "{% set s = '%s%s' % (s, s) %}",
    "replace": "{% set s = s|replace('a', 'aa') %}",
    "center": "{% set s = (s|center(999)) ~ s %}",
    "indent": "{% set s = s|wordwrap(1)|indent(999) %}",
    "wordwrap": "{% set s = s|wordwrap(1, wrapstring='\n\n\n') %}",
    "list": "{% set s = (s|list) + (s|list) %}",
    "batch": "{% set s = s|batch(999, s) %}",
    "slice": "{% set s = s|slice(999, s) %}",
    "map": "{% set s = [s, s]|map('string')|join %}",
    "string of nested lists": "{% set s = [s, s] %}{% set t = s|string %}",
    "set block": "{% set s %}{{ s }}{{ s }}{% endset %}",
}


@pytest.mark.parametrize("line", DOUBLINGS.values(), ids=DOUBLINGS.keys())
def test_doubling_a_value_line_after_line_is_refused_before_it_grows(line, context):
    import tracemalloc

    source = SEED + line * 30 + "{{ s|length }}"
    tracemalloc.start()
    try:
        message = refused_at_render(source, context)
        problems = template_problems(source)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Refused by the size bound, or earlier by the bound on a filter's argument.
    assert "more than 20,000 characters" in message or "over 1,000" in message, message
    assert problems == [message.removesuffix(" Nothing was sent.")]
    assert peak < 20_000_000, peak


def test_the_eight_doubling_lines_of_the_report_stop_at_the_bound(context):
    source = "{% set s = 'x' * 4000 %}" + "{% set s = s ~ s %}" * 8 + "{{ s }}"
    message = refused_at_render(source, context)
    assert message == (f"The template would write more than {MAX_OUTPUT:,} characters; no "
                       "reply needs that many. Nothing was sent.")


@pytest.mark.parametrize("source,expected", [
    ("{{ order.id ~ ' / ' ~ ticket.id }}", "-"),
    ("{{ ['a', 'b']|join(', ') }}", "a, b"),
    ("{{ 'x'|center(5) }}|", "x  |"),
    ("{{ 'a b c'|wordwrap(1) }}", "a\nb\nc"),
    ("{{ 'abc'|list|join('.') }}", "a.b.c"),
    ("{{ 'abcd'|batch(3, '-')|map('join')|join('/') }}", "abc/d--"),
    ("{{ 'a%sc'|format('b') }}", "abc"),
    ("{{ ticket.buyer_text|replace('Tasse', 'Kanne')|truncate(20) }}", "Die Kanne ist..."),
    ("{% set t %}{{ buyer.first_name }}!{% endset %}{{ t ~ t }}", "Jana!Jana!"),
])
def test_the_bounded_operators_and_filters_still_build_ordinary_text(source, expected,
                                                                      context):
    ctx, locale = context
    assert template_problems(source) == []
    text = template_render(source, ctx, locale=locale)
    assert expected in text, text
