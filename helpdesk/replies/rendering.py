"""Reply templates rendered in a sandbox.

Jinja2's ``SandboxedEnvironment`` refuses private and internal attributes; on top of that the
context holds only ``Record``s, strings and tuples, never a model instance, so no attribute
chain leads to the ORM, the user table or settings. Anything missing stops the render with a
message in the agent's words: a buyer never gets ``{{ }}``, "None" or an empty greeting.

A template is also bounded in what it may cost: no calls at all, loops that stop after
``MAX_LOOP_ITERATIONS`` passes, and an output cut off at ``MAX_OUTPUT``. Every value a template
builds — by an operator (``~ * + %``), a filter (``join``, ``format``, ``replace``, ``center``,
``indent``, ``wordwrap``, ``list``, ``batch``, ``map``…) or a ``{% set %}`` block — is measured
by its *weight*, the characters it would take written out (a list counts its items, a list of
lists theirs, however often one value is repeated in it), and refused once that passes
``MAX_OUTPUT``; where the size can be told beforehand it is refused before it is built. Eight
``{% set s = s ~ s %}`` lines therefore stop at the first one over the bound, not at 10^9
characters. A template can neither escape nor exhaust the worker (``{{ 'a' * 10**9 }}``).
"""

import inspect
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache, wraps
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import (
    format_currency,
    format_decimal,
    get_territory_currencies,
    is_currency,
)
from jinja2 import (
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    nodes,
    pass_context,
)
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from jinja2.utils import missing
from jinja2.visitor import NodeTransformer

# What a template may name: top-level variables and, for records, their fields.
ALLOWED: dict[str, frozenset[str]] = {
    "buyer": frozenset({"name", "first_name"}),
    "order": frozenset({"id", "items", "asin", "item_title", "purchase_date", "shipped_date",
                        "delivery_date"}),
    "ticket": frozenset({"id", "subject", "kind", "buyer_text"}),
    "agent": frozenset({"name", "signature"}),
    "marketplace": frozenset({"name", "code", "platform"}),
    "today": frozenset(),
}
NOTHING_SENT = " Nothing was sent."
# The missing values an agent meets most, said plainly.
MISSING_HINTS = {
    "buyer.first_name": "The buyer's name is not known, so the greeting would be empty. "
    "Write the greeting yourself or add the buyer's name.",
    "buyer.name": "The buyer's name is not known. Write the name yourself or add it to the "
    "buyer.",
    "order": "This ticket has no order, and the template needs one. Link the order or choose "
    "another template.",
    "order.delivery_date": "The order's delivery date is not known.",
    "order.shipped_date": "The order's shipping date is not known.",
    "order.purchase_date": "The order's purchase date is not known.",
    "order.item_title": "The ordered item's title is not known.",
    "agent.signature": "The reply has no author to sign it.",
    "agent.name": "The reply has no author to sign it.",
}
# Marketplace top-level domain → territory, for locale formats (en_GB dates on amazon.co.uk).
TERRITORY = {"com": "US", "uk": "GB", "ca": "CA", "de": "DE", "fr": "FR", "it": "IT",
             "es": "ES", "jp": "JP", "nl": "NL", "pl": "PL", "se": "SE"}


# A marketplace reply is a few paragraphs; these bound what a template may cost.
MAX_OUTPUT = 20_000  # characters of a rendered field, and of any value built on the way
MAX_LOOP_ITERATIONS = 1_000  # passes of all loops of one render together
MAX_ARGUMENT = 1_000  # a number or text given to a filter (widths, lengths, separators)
MAX_INT_BITS = 4_096  # integers a template computes (10**1000 is more than enough)
MAX_MONEY = Decimal(10) ** 15  # more than any refund; format_currency fails on 10**1000
# Characters of a template's source. Jinja parses and compiles a template in time that grows
# with its tags (1.6 MB of {{ buyer.name }} took 35 s), on saving and again on every render: a
# template longer than the longest reply it may write is a paste gone wrong, and is refused
# before it is parsed.
MAX_SOURCE = MAX_OUTPUT
# Characters all {{ … }} of one render may write together, also into {% set %} blocks that are
# written out later (so each piece may count twice), before the render is refused.
MAX_WRITTEN = 4 * MAX_OUTPUT
# A %-format with a width or precision of five digits or more, or taken from an argument.
_HUGE_FORMAT = re.compile(r"%(\([^)]*\))?[-#0 +]*(\*|\d{5,}|\d*\.(\*|\d{5,}))")


class RenderError(Exception):
    """A template could not become a reply; the message is for the agent."""


class TemplateRefused(RenderError):
    """The template does what no reply may, whatever the ticket: refused when it is saved."""


class LimitError(TemplateRefused):
    """The template would cost more than a reply may (size, loops, numbers)."""


TOO_LONG = (f"The template would write more than {MAX_OUTPUT:,} characters; no reply needs "
            "that many." + NOTHING_SENT)
TOO_MANY_LOOPS = (f"The template loops more than {MAX_LOOP_ITERATIONS:,} times; no reply needs "
                  "that many." + NOTHING_SENT)
TOO_BIG_NUMBER = "The template computes a number too large for a reply." + NOTHING_SENT
TOO_BIG_ARGUMENT = (f"A filter was given a value over {MAX_ARGUMENT:,} (a width, length or "
                    "text); no reply needs that much." + NOTHING_SENT)
WRITES_NOTHING = ("The template writes nothing, even for a ticket where every value is known; "
                  "a reply needs text.")
NO_CALLS = "Calling functions or methods is not available in replies; use a filter instead."
TOO_LONG_SOURCE = (f"The template is longer than {MAX_SOURCE:,} characters, the most a reply "
                   "may be: was something pasted into it by mistake?")
TOO_BIG_LITERAL = "a number too large to write (no reply needs one past 1e308)"
TOO_DEEP = ("The template nests too deeply (brackets, filters, additions or blocks inside one "
            "another hundreds of times); no reply needs that." + NOTHING_SENT)


class Record:
    """Named values for templates. Unknown values are absent, so using one stops the render;
    there are no methods to reach (a dict's ``.items`` would shadow an ``items`` field)."""

    __slots__ = ("_label", "_values")

    def __init__(self, label: str, **values: object) -> None:
        self._label = label
        self._values = {k: v for k, v in values.items() if v is not None and v != ""}

    def __getattr__(self, name: str) -> object:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> object:
        return self._values[name]

    def __repr__(self) -> str:
        return f"Record({self._label!r})"

    def __str__(self) -> str:
        # '%s' % buyer or '{}'.format(buyer) would write the whole record past _finalize.
        raise TemplateRefused(f"{{{{ {self._label} }}}} is a group of values: name one, e.g. "
                          f"{{{{ {self._label}.name }}}}.")

    def __format__(self, spec: str) -> str:
        return str(self)


class Missing(StrictUndefined):
    """StrictUndefined that names the missing value the way the agent knows it."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint or self._undefined_exception is not UndefinedError:
            return super()._undefined_message  # the sandbox refusing something
        obj, name = self._undefined_obj, self._undefined_name
        path = f"{obj._label}.{name}" if isinstance(obj, Record) else str(name)
        if obj is not missing and not isinstance(obj, Record):
            path = f"…{name}"
        hint = MISSING_HINTS.get(path, f"The template needs {path}, which is not known for "
                                       "this ticket.")
        return hint + NOTHING_SENT


def _finalize(value: object) -> object:
    # Runs on every {{ … }} before it is written: the last guard against "None" and blanks.
    if isinstance(value, Missing):
        return value  # raises with its own message when written
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RenderError("A value in the template is empty, so the reply would show a blank "
                          "or 'None'." + NOTHING_SENT)
    if isinstance(value, Record):
        raise TemplateRefused(f"{{{{ {value._label} }}}} is a group of values: name one, e.g. "
                              f"{{{{ {value._label}.name }}}}.")
    if isinstance(value, tuple | list):
        raise TemplateRefused("A list cannot be written as it is: loop over it with "
                              "{% for %}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise LimitError(TOO_BIG_NUMBER)  # 1e308 * 10 would be written as "inf"
    if not isinstance(value, str | int | float | Decimal | date):
        # Anything else (the template itself as `self`, a filter's generator) is no text
        # for a buyer, and its repr would show internals.
        raise TemplateRefused("This value cannot be written in a reply." + NOTHING_SENT)
    # A {% set %} block joins what its {{ … }} write without any operator or filter seeing
    # it: the budget of the whole render bounds those too.
    budget = _written_budget.get(None)
    if budget is not None:
        budget[0] -= len(value) if isinstance(value, str) else 1
        if budget[0] < 0:
            raise LimitError(TOO_LONG)
    return value


def locale_for(language: str, domain: str = "") -> Locale:
    """The buyer's locale: the reply's language in the marketplace's country, if CLDR knows
    that pair (en_GB on amazon.co.uk), else the language alone, else English."""
    territory = TERRITORY.get(domain.rpartition(".")[2].lower(), "")
    for candidate in (f"{language}_{territory}" if territory else "", language, "en"):
        if not candidate:
            continue
        try:
            return Locale.parse(candidate)
        except (ValueError, UnknownLocaleError):
            continue
    return Locale.parse("en")


def currency_for(domain: str) -> str:
    """The currency buyers pay in on the marketplace at ``domain`` (JPY on amazon.co.jp, GBP
    on amazon.co.uk); "" when its country is not known."""
    territory = TERRITORY.get(domain.rpartition(".")[2].lower(), "")
    currencies = get_territory_currencies(territory) if territory else []
    return currencies[0] if currencies else ""


def date_format(value: date | datetime, *, locale: Locale, tz: str = "UTC") -> str:
    """A date as the buyer writes it (de: 24.12.2026); a time is first moved to ``tz``."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date()
    return format_date(value, format="medium", locale=locale)


def money_format(amount: Decimal | float | int | str, currency: str, *, locale: Locale) -> str:
    """Money as the buyer writes it (de: 1.234,56 € with a no-break space). An amount that is
    no finite number, or a currency that is no ISO 4217 code, is the template's mistake
    (``TemplateRefused``, so the admin is told on saving): "4,99" and "12.50 €" were a
    render error naming Python's ``decimal.ConversionSyntax``, and "€" or "eur" were written
    into the reply as they were."""
    try:
        value = Decimal(str(amount).strip()) if not isinstance(amount, bool) else None
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or abs(value) >= MAX_MONEY:
        raise TemplateRefused(
            f"money needs an amount written as a number with a dot for the decimals, e.g. "
            f"{{{{ 4.99|money }}}}: {str(amount)[:40]!r} is not one."
        )
    code = str(currency).strip().upper()
    if not is_currency(code):
        raise TemplateRefused(
            f"money needs a currency code such as EUR, GBP, USD or JPY: {str(currency)[:40]!r} "
            "is not one."
        )
    return format_currency(value, code, locale=locale)


_loop_budget: ContextVar[list[int]] = ContextVar("loop_budget")
_written_budget: ContextVar[list[int]] = ContextVar("written_budget")


def _weight(value: object, limit: int = MAX_OUTPUT) -> int:
    """The characters ``value`` would take written out, counted until ``limit`` is passed (so
    a list holding itself, or a value repeated 2**30 times, costs at most ``limit`` steps).
    Every item counts at least one, as its separator would."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset):
            total += 1
            stack.extend(item)
        elif isinstance(item, Mapping):
            total += 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, int) and not isinstance(item, bool):
            total += 1 + item.bit_length() // 3  # decimal digits, about
        else:
            total += 1  # numbers, records (never written whole), undefined values
    return total


def _too_heavy(value: object) -> bool:
    return _weight(value) > MAX_OUTPUT


def _size(value: object) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _bounded(value: object) -> object:
    """A value a template built: refused when it would write more than a reply may. A lazy
    result (``map``, ``batch``, ``select``…) is taken in here, item by item, so that it cannot
    grow later where no check sees it."""
    if isinstance(value, Iterator):
        items, total = [], 0
        for item in value:
            total += _weight(item) + 1
            if total > MAX_OUTPUT:
                raise LimitError(TOO_LONG)
            items.append(item)
        return tuple(items)
    if _too_heavy(value):
        raise LimitError(TOO_LONG)
    if isinstance(value, int) and not isinstance(value, bool) and (
        value.bit_length() > MAX_INT_BITS
    ):
        raise LimitError(TOO_BIG_NUMBER)
    return value


def _format_checked(text: object) -> None:
    if isinstance(text, str) and _HUGE_FORMAT.search(text):
        raise LimitError(TOO_LONG)


def _no_records(values: object) -> None:
    """'%r' % (buyer,) would write a record's insides, which _finalize never sees."""
    if isinstance(values, dict):
        values = list(values.values())
    for value in values if isinstance(values, list | tuple) else [values]:
        if isinstance(value, Record):
            str(value)  # raises with the message that names the record
        if isinstance(value, list | tuple):
            _no_records(value)  # '%s'|format(order.items): a list of records, written out


def _text_of(value: object) -> str:
    """``value`` as the text an operator or filter would make of it, built only when that
    is small: a string as it is, anything else written out after its weight is checked."""
    if isinstance(value, str):
        return value
    if _too_heavy(value):
        raise LimitError(TOO_LONG)
    _no_records(value)
    return str(value)


def _bounded_binop(op: str, left: object, right: object) -> object:
    """The operators that can build large values, checked before they build them."""
    if op == "*":
        count, seq = (right, left) if isinstance(right, int) else (left, right)
        if isinstance(count, int) and isinstance(seq, str | bytes | list | tuple) and (
            _weight(seq) * max(count, 0) > MAX_OUTPUT
        ):
            raise LimitError(TOO_LONG)
        if isinstance(left, int) and isinstance(right, int) and (
            left.bit_length() + right.bit_length() > MAX_INT_BITS
        ):
            raise LimitError(TOO_BIG_NUMBER)
    elif op == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and (
        abs(left) > 1 and max(left.bit_length() - 1, 1) * right > MAX_INT_BITS
    ):
        raise LimitError(TOO_BIG_NUMBER)
    elif op == "+" and not isinstance(left, int | float) and (
        _weight(left) + _weight(right) > MAX_OUTPUT
    ):
        raise LimitError(TOO_LONG)
    elif op == "%":
        _format_checked(left)
        _no_records(right)
        if _weight(left) + _weight(right) > MAX_OUTPUT:
            raise LimitError(TOO_LONG)
    return _bounded(SandboxedEnvironment.default_binop_table[op](left, right))


@pass_context
def _concat(context: Context, parts: list[object]) -> str:
    """``a ~ b ~ c``: Jinja joins the parts without asking the environment, so every ``~``
    is rewritten to come here (``ReplyEnvironment._parse``). The size is known before the
    join. (Taking the context keeps Jinja from running it at compile time.)"""
    texts, total = [], 0
    for part in parts:
        text = _text_of(part)
        total += len(text)
        if total > MAX_OUTPUT:
            raise LimitError(TOO_LONG)
        texts.append(text)
    return "".join(texts)


def _filter_bounded(name: str, func: Callable) -> Callable:
    """A filter that refuses huge arguments before it runs and huge results after."""
    skip = 1 if getattr(func, "jinja_pass_arg", None) else 0  # the context/environment
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        signature = None

    @wraps(func)
    def bounded(*args: object, **kwargs: object) -> object:
        value, arguments = args[skip] if len(args) > skip else "", [*args[skip + 1:],
                                                                     *kwargs.values()]
        for arg in arguments:
            if isinstance(arg, int | float | str) and not isinstance(arg, bool) and (
                (len(arg) if isinstance(arg, str) else abs(arg)) > MAX_ARGUMENT
            ):
                raise LimitError(TOO_BIG_ARGUMENT)
        # A string from the ticket may be long (the buyer's text, truncated by a filter);
        # a list or a built value over the bound is never written out whole.
        if any(not isinstance(v, str) and _too_heavy(v) for v in (value, *arguments)):
            raise LimitError(TOO_LONG)
        if name == "format":
            _format_checked(value)
            _no_records(arguments)
        named = _named_arguments(signature, args, kwargs)
        if _growth(name, value, named) > MAX_OUTPUT:
            raise LimitError(TOO_LONG)
        return _bounded(func(*args, **kwargs))

    return bounded


def _named_arguments(signature: inspect.Signature | None, args: tuple, kwargs: dict) -> dict:
    if signature is None:
        return dict(kwargs)
    try:
        return dict(signature.bind_partial(*args, **kwargs).arguments)
    except TypeError:
        return dict(kwargs)  # the filter itself will say what is wrong with its arguments


def _growth(name: str, value: object, named: dict) -> int:
    """The size of what the filters whose output grows with input × argument would build,
    told before they build it (the others are bounded by their input, checked after)."""
    if name == "replace":
        text, old, new = _text_of(value), named.get("old"), named.get("new")
        if not isinstance(old, str) or not isinstance(new, str):
            return 0
        hits = len(text) + 1 if old == "" else text.count(old)
        count = named.get("count")
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        return len(text) + hits * len(new)
    if name == "join":
        separator = named.get("d", "")
        items = value if isinstance(value, str | list | tuple) else ()
        width = len(separator) if isinstance(separator, str) else 0
        return _weight(value) + max(len(items) - 1, 0) * width
    if name == "indent":
        text, width = _text_of(value), named.get("width", 4)
        width = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        return len(text) + (text.count("\n") + 1) * max(width, 0)
    if name == "center":
        width = named.get("width", 80)
        return max(len(_text_of(value)), width if isinstance(width, int) else 0)
    if name == "wordwrap":
        text, width = _text_of(value), named.get("width", 79)
        wrap = named.get("wrapstring") or "\n"
        breaks = len(text) // max(width if isinstance(width, int) else 1, 1)
        breaks += text.count(" ") + text.count("\n") + 1
        return len(text) + min(breaks, len(text) + 1) * len(wrap if isinstance(wrap, str) else "")
    if name == "format":
        return _weight(value) + sum(_weight(v) for v in named.values()
                                     if v is not value) * 10  # a %r writes escapes
    if name in ("batch", "slice"):
        fill = named.get("fill_with")
        count = named.get("linecount", named.get("slices", 0))
        return _weight(value) + (count if isinstance(count, int) else 0) * (_weight(fill) + 1)
    return 0


@pass_context
def _loop_items(context: Context, iterable: object) -> Iterator[object]:
    """Every ``{% for %}`` iterates through this: all loops of a render share one budget.
    (Taking the context keeps Jinja from running it at compile time.)"""
    budget = _loop_budget.get(None)
    if budget is None:  # rendered outside template_render (e.g. a trial in a shell)
        budget = [MAX_LOOP_ITERATIONS]
    for item in iterable:
        budget[0] -= 1
        if budget[0] < 0:
            raise LimitError(TOO_MANY_LOOPS)
        yield item


class ReplyEnvironment(SandboxedEnvironment):
    """The sandbox, plus: no calls, and operators that cannot build huge values. Intercepted
    operators are also never folded at compile time, so saving a template costs nothing."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call(__self, __context: Context, __obj: object, *args: object,  # noqa: N805
             **kwargs: object) -> object:
        raise SecurityError(NO_CALLS)

    def call_binop(self, context: Context, op: str, left: object, right: object) -> object:
        return _bounded_binop(op, left, right)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = _ConcatBounded().visit(super()._parse(source, name, filename))
        for const in tree.find_all(nodes.Const):
            # 1e400 is read as infinity, which Jinja then writes into the compiled template as
            # the bare name ``inf``: a NameError, a server error when saving or replying.
            if isinstance(const.value, float) and not math.isfinite(const.value):
                raise TemplateSyntaxError(TOO_BIG_LITERAL, const.lineno, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "_loop_items", [], [], None, None,
                                     lineno=loop.lineno)
        return tree


class _ConcatBounded(NodeTransformer):
    """``a ~ b`` becomes ``[a, b]|_concat``: measured before it is joined."""

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802 - Jinja's name
        self.generic_visit(node)
        return nodes.Filter(nodes.List(node.nodes, lineno=node.lineno), "_concat", [], [],
                            None, None, lineno=node.lineno)


def number_format(value: object, *, locale: Locale) -> str:
    """A number as the buyer writes it (de: 1.234,5; fr: 1 234,5). Not a number: the
    template's mistake, as for ``money``."""
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or abs(number) >= MAX_MONEY:
        raise TemplateRefused(f"number needs a number, e.g. {{{{ 1234.5|number }}}}: "
                              f"{str(value)[:40]!r} is not one.")
    return format_decimal(number, locale=locale)


def _finalize_for(locale: Locale) -> Callable[[object], object]:
    def finalize(value: object) -> object:
        value = _finalize(value)
        # A number with decimals is written as the buyer writes it: "12.5" in a German reply
        # is no German. Whole numbers stay as they are: most are ids and counts (#1234).
        if isinstance(value, float | Decimal):
            return format_decimal(value, locale=locale)
        return value

    return finalize


@lru_cache(maxsize=32)
def environment(locale_id: str = "en", currency: str = "") -> SandboxedEnvironment:
    """The sandbox a template runs in; ``money`` without a currency writes the marketplace's
    (``currency``), else euros."""
    locale = Locale.parse(locale_id)
    env = ReplyEnvironment(
        undefined=Missing, finalize=_finalize_for(locale), autoescape=False, trim_blocks=True,
        lstrip_blocks=True,
    )
    # No globals (range, lipsum, cycler…): a template needs none, and each is a way out.
    env.globals.clear()
    # pprint writes a value as Python shows it ("Record('buyer')"), never text for a buyer.
    del env.filters["pprint"]
    default_currency = currency or "EUR"
    env.filters["money"] = lambda amount, currency=default_currency: money_format(
        amount, currency, locale=locale
    )
    env.filters["number"] = lambda value: number_format(value, locale=locale)
    env.filters = {name: _filter_bounded(name, func) for name, func in env.filters.items()}
    env.filters["_loop_items"] = _loop_items
    env.filters["_concat"] = _concat
    return env


def template_problems(source: str) -> list[str]:
    """What is wrong with a template, for the field's error: syntax, unknown variables or
    fields, private attributes. Empty when it is fine."""
    if len(source) > MAX_SOURCE:
        return [TOO_LONG_SOURCE]
    try:
        return _template_problems(source)
    except RecursionError:
        # Jinja parses, compiles and walks a template recursively: thousands of nested
        # brackets or filters were a server error on saving.
        return [TOO_DEEP]


def _template_problems(source: str) -> list[str]:
    env = environment()
    try:
        tree = env.parse(source)
        env.compile(tree)  # unknown filters and tests are found here
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        return [f"Line {line}: {exc.message}" if line else str(exc)]
    # `self` (the template itself) is never reported undeclared by Jinja: named here.
    names = meta.find_undeclared_variables(tree) | {
        node.name for node in tree.find_all(nodes.Name) if node.name == "self"
    }
    problems = [
        f"Unknown variable '{name}'. Available: {', '.join(sorted(ALLOWED))}."
        for name in sorted(names - ALLOWED.keys())
    ]
    problems += [
        f"Line {node.lineno}: calling functions or methods is not available in replies; "
        "use a filter instead, e.g. {{ buyer.name|upper }}."
        for node in tree.find_all(nodes.Call)
    ]
    problems += [
        f"Line {node.lineno}: a reply cannot include, import or extend other templates."
        for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends))
    ]
    for node, name in _attribute_uses(tree):
        if name.startswith("_"):
            problems.append(f"Line {node.lineno}: '{name}' is not available (names starting "
                            "with _ never are).")
        elif (isinstance(node.node, nodes.Name) and ALLOWED.get(node.node.name)
              and name not in ALLOWED[node.node.name]):
            known = ", ".join(sorted(ALLOWED[node.node.name]))
            problems.append(f"Line {node.lineno}: {node.node.name} has no '{name}'. "
                            f"Available: {known}.")
    if not problems:
        problems += _trial_problems(source)
    return problems


def _trial_problems(source: str) -> list[str]:
    """A trial render against a ticket that knows everything: finds what only shows when the
    template runs (a value too large to build, a loop without end). Other errors depend on
    the ticket and are the agent's to see."""
    try:
        text = template_render(source, _trial_context(), locale=Locale.parse("en"))
    except TemplateRefused as exc:
        return [str(exc).removesuffix(NOTHING_SENT)]
    except RenderError as exc:
        # Besides the sandbox's refusals, a division by zero or a filter given the wrong
        # kind of value ({{ 1/0 }}, {{ 'abc'|round }}) fails for every ticket alike: the
        # trial's values have the types a real ticket's have.
        if isinstance(exc.__cause__, SecurityError | TypeError | ArithmeticError):
            return [str(exc).removesuffix(NOTHING_SENT)]
        return []
    # Nothing written even for a ticket that knows everything: nothing for any ticket either
    # (a comment only, a condition never true); the agent would get an empty reply.
    return [] if text else [WRITES_NOTHING]


def _trial_context() -> dict:
    item = Record("item", title="Travel Mug 450 ml", asin="B01FCAWEYM", sku="MUG-450",
                  quantity=1)
    values = {name: {field: f"sample {field}" for field in fields}
              for name, fields in ALLOWED.items()}
    values["order"].update(items=(item,), id="111-7366207-0755439")
    values["ticket"]["id"] = 1
    context: dict[str, object] = {
        name: Record(name, **fields) for name, fields in values.items() if fields
    }
    context["today"] = "24 Dec 2026"
    return context


def _attribute_uses(tree: nodes.Template) -> Iterable[tuple[nodes.Node, str]]:
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            yield node, node.attr
        elif isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                yield node, node.arg.value
        elif node.name == "attr" and node.args and isinstance(node.args[0], nodes.Const):
            yield node, str(node.args[0].value)


def template_render(source: str, context: dict, *, locale: Locale, currency: str = "") -> str:
    """Render a template; every failure becomes a ``RenderError`` the agent can act on.
    ``currency``: what ``money`` writes when the template names none (the marketplace's)."""
    if len(source) > MAX_SOURCE:
        # Saved around the form's check: refused before the costly parse, not on every render.
        raise LimitError(TOO_LONG_SOURCE + NOTHING_SENT)
    budget = _loop_budget.set([MAX_LOOP_ITERATIONS])
    written = _written_budget.set([MAX_WRITTEN])
    try:
        return _render_bounded(environment(str(locale), currency).from_string(source),
                               context).strip()
    except RenderError:
        raise
    except SecurityError as exc:
        raise RenderError(f"The template tried to reach something it may not ({exc})."
                          + NOTHING_SENT) from exc
    except UndefinedError as exc:
        raise RenderError(exc.message or str(exc)) from exc
    except TemplateError as exc:
        raise RenderError(f"The template could not be rendered: {exc}." + NOTHING_SENT) from exc
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise RenderError(f"The template could not be rendered: {exc}." + NOTHING_SENT) from exc
    except AssertionError as exc:
        # Jinja's own filters check some arguments with assert: truncate(-1).
        raise TemplateRefused(f"A filter was given a value it cannot use ({exc})."
                              + NOTHING_SENT) from exc
    except AttributeError as exc:
        # A filter used on a group of values (``ticket|dictsort``) asks it for what it has
        # not: a template's mistake whatever the ticket, never a server error.
        raise TemplateRefused(
            f"A filter was used on something it cannot read ({exc})." + NOTHING_SENT
        ) from exc
    except MemoryError as exc:
        raise LimitError(TOO_LONG) from exc
    except RecursionError as exc:
        raise LimitError(TOO_DEEP) from exc
    finally:
        _loop_budget.reset(budget)
        _written_budget.reset(written)


def _render_bounded(template: object, context: dict) -> str:
    # Written piece by piece, so a template cannot build a huge reply before it is refused.
    out: list[str] = []
    written = 0
    for piece in template.generate(context):
        written += len(piece)
        if written > MAX_OUTPUT:
            raise LimitError(TOO_LONG)
        out.append(piece)
    return "".join(out)
