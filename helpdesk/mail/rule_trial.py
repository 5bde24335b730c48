"""The admin's dry run of one rule on one stored mail: what the rule matches, and what the
mail would become with the rule in the tables. Reads only: nothing is stored, no rule row is
noted, the mail is not filed again."""

from dataclasses import dataclass, field

from helpdesk.patterns import PatternError, pattern_compile, pattern_search
from helpdesk.tickets.models import MessageKind

from .models import (
    RULE_FLAGS,
    ExtractionPattern,
    RawMail,
    RecognitionRule,
    SellerPattern,
)
from .parse import ParsedMail, ParseError, parse_mail
from .raw_store import blob_get
from .recognise import Recognised, Ruleset, mail_fields, recognise, relay_mail_passes_over

# Enough of a field's text to see where a match sits; a body can be 20,000 characters.
SHOWN_CHARACTERS = 2_000

FIELD_LABELS = {
    "from": "Sender address",
    "from_name": "Sender name",
    "subject": "Subject",
    "body": "Body text",
    "notification_type": "X-Space-Notification-Type header",
}


@dataclass
class Hit:
    """One pattern of the rule on one text of the mail."""

    label: str
    text: str
    matched: str = ""
    value: str = ""
    problem: str = ""


@dataclass
class Trial:
    hits: list[Hit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why the rule did or did not decide
    outcome: Recognised | None = None
    problem: str = ""  # the mail could not be read at all

    @property
    def kind_label(self) -> str:
        kind = self.outcome.kind if self.outcome else ""
        return f"{MessageKind(kind).label} ({kind})" if kind in MessageKind.values else kind


def _search(source: str, text: str) -> tuple[str, str, str, int]:
    """(matched text, its ``value`` group, problem, where it starts) of ``source`` on
    ``text``."""
    try:
        found = pattern_search(pattern_compile(source, RULE_FLAGS), text)
    except PatternError as exc:
        return "", "", str(exc), -1
    if found is None:
        return "", "", "", -1
    value = found.groupdict().get("value") or ""
    return found.group(0) or "(an empty match)", " ".join(value.split()), "", found.start()


def _hits(rule: SellerPattern, mail: ParsedMail) -> list[Hit]:
    fields = mail_fields(mail)
    if isinstance(rule, RecognitionRule | ExtractionPattern):
        text = fields.get(rule.field, "")
        matched, value, problem, _start = _search(rule.pattern, text)
        return [Hit(FIELD_LABELS[rule.field], text[:SHOWN_CHARACTERS], matched, value, problem)]
    hits = []
    lines = [line.strip() for line in mail.text.splitlines()]
    for label, source in (("Begin line", rule.begin), ("End line", rule.end)):
        if not source:
            continue
        hit = Hit(label, "")
        for number, line in enumerate(lines, start=1):
            matched, _value, hit.problem, start = _search(source, line)
            if hit.problem:
                break
            if matched and start == 0:  # a marker is a line that starts with it
                hit.text, hit.matched = f"line {number}: {line[:SHOWN_CHARACTERS]}", matched
                break
        hits.append(hit)
    return hits


def rule_trial(*, rule: SellerPattern, raw_mail: RawMail) -> Trial:
    """What ``rule`` (saved or not) matches in ``raw_mail`` and what the mail would become."""
    try:
        mail = parse_mail(blob_get(raw_mail.sha256))
    except (ParseError, OSError) as exc:
        return Trial(problem=f"This mail cannot be read: {exc}")
    trial = Trial(hits=_hits(rule, mail))
    outcome = trial.outcome = recognise(mail, Ruleset(also=rule, note_problems=False))
    if not rule.active:
        trial.notes.append("This rule is inactive: it is tried here as if it were active.")
    if rule.platform and rule.platform != outcome.channel.platform:
        trial.notes.append(
            f"This rule is for {rule.get_platform_display()}; the mail is from "
            f"{outcome.channel}, so the rule is not used on it."
        )
    elif (isinstance(rule, RecognitionRule) and any(hit.matched for hit in trial.hits)
          and outcome.kind != rule.message_kind
          and outcome.buyer_alias == mail.from_address
          and relay_mail_passes_over(kind=rule.message_kind, field=rule.field)):
        trial.notes.append(
            f"The rule matches, but the mail comes through the buyer's relay address: only "
            f"the marketplace itself sends a {rule.get_message_kind_display().lower()}, so "
            f"words in a buyer's subject or body never make their message one. A rule on "
            f"the sender's address still can."
        )
    elif (isinstance(rule, RecognitionRule) and any(hit.matched for hit in trial.hits)
          and outcome.kind != rule.message_kind):
        trial.notes.append(
            "The rule matches, but the mail's kind is decided otherwise: it comes from a "
            "seller address, is an auto-reply, or a rule with a lower priority number "
            "matched first."
        )
    return trial
