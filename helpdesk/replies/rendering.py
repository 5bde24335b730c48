"""Reply templates rendered in a sandbox.

Jinja2's ``SandboxedEnvironment`` refuses private and internal attributes; on top of that the
context holds only ``Record``s, strings and tuples, never a model instance, so no attribute
chain leads to the ORM, the user table or settings. Anything missing stops the render with a
message in the agent's words: a buyer never gets ``{{ }}``, "None" or an empty greeting.
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import StrictUndefined, TemplateError, UndefinedError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from jinja2.utils import missing

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


class RenderError(Exception):
    """A template could not become a reply; the message is for the agent."""


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
        return f"Record({self._label!r}, {self._values!r})"


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
        raise RenderError(f"{{{{ {value._label} }}}} is a group of values: name one, e.g. "
                          f"{{{{ {value._label}.name }}}}.")
    if isinstance(value, tuple):
        raise RenderError("A list cannot be written as it is: loop over it with {% for %}.")
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


def date_format(value: date | datetime, *, locale: Locale, tz: str = "UTC") -> str:
    """A date as the buyer writes it (de: 24.12.2026); a time is first moved to ``tz``."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date()
    return format_date(value, format="medium", locale=locale)


def money_format(amount: Decimal | float | int | str, currency: str, *, locale: Locale) -> str:
    """Money as the buyer writes it (de: 1.234,56 € with a no-break space)."""
    return format_currency(Decimal(str(amount)), currency, locale=locale)


@lru_cache(maxsize=32)
def environment(locale_id: str = "en") -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=Missing, finalize=_finalize, autoescape=False, trim_blocks=True,
        lstrip_blocks=True,
    )
    # No globals (range, lipsum, cycler…): a template needs none, and each is a way out.
    env.globals.clear()
    locale = Locale.parse(locale_id)
    env.filters["money"] = lambda amount, currency="EUR": money_format(
        amount, currency, locale=locale
    )
    return env


def template_problems(source: str) -> list[str]:
    """What is wrong with a template, for the field's error: syntax, unknown variables or
    fields, private attributes. Empty when it is fine."""
    env = environment()
    try:
        tree = env.parse(source)
        env.compile(tree)  # unknown filters and tests are found here
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        return [f"Line {line}: {exc.message}" if line else str(exc)]
    problems = [
        f"Unknown variable '{name}'. Available: {', '.join(sorted(ALLOWED))}."
        for name in sorted(meta.find_undeclared_variables(tree) - ALLOWED.keys())
    ]
    problems += [
        f"Line {node.lineno}: calling functions or methods is not available in replies; "
        "use a filter instead, e.g. {{ buyer.name|upper }}."
        for node in tree.find_all(nodes.Call)
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
    return problems


def _attribute_uses(tree: nodes.Template) -> Iterable[tuple[nodes.Node, str]]:
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            yield node, node.attr
        elif isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                yield node, node.arg.value
        elif node.name == "attr" and node.args and isinstance(node.args[0], nodes.Const):
            yield node, str(node.args[0].value)


def template_render(source: str, context: dict, *, locale: Locale) -> str:
    """Render a template; every failure becomes a ``RenderError`` the agent can act on."""
    try:
        return environment(str(locale)).from_string(source).render(context).strip()
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
