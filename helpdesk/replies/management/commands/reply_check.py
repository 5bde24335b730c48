"""``reply_check``: the composer's compliance check on a text from a file or stdin."""

import json
import re
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.marketplaces.models import Channel
from helpdesk.replies.compliance import (
    CHECK_MAX_CHARS,
    compliance_check,
    findings_report,
    text_facts,
)

LANGUAGE = re.compile(r"^[a-z]{2}$")
ORDER_ID = re.compile(r"^[\w-]{1,40}$")
SUBJECT = re.compile(r"^subject:[ \t]*(.*)\r?\n(?:\r?\n)?", re.IGNORECASE)


class Command(BaseCommand):
    help = (
        "Check a reply text against the compliance rules, as the composer does. The text is "
        "a file (or - for stdin); a first line 'Subject: …' is the subject. Exit code 0 "
        "whatever is found; non-zero only for bad arguments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The reply text, UTF-8; - reads stdin.")
        parser.add_argument("--channel", required=True, help="Marketplace code, e.g. amazon-de.")
        parser.add_argument("--language", default="",
                            help="ISO 639-1 code of the reply's language (default: the "
                                 "marketplace's).")
        parser.add_argument("--seller-initiated", action="store_true",
                            help="The seller starts the conversation (Amazon's stricter rules).")
        parser.add_argument("--order-id", default="", help="The order the message is about.")
        parser.add_argument("--subject", default=None, help="The subject (overrides the file's).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options) -> None:
        channel = Channel.objects.filter(code=options["channel"]).first()
        if channel is None:
            known = ", ".join(Channel.objects.values_list("code", flat=True))
            raise CommandError(f"Unknown channel {options['channel']!r}; known: {known}.")
        language = options["language"].strip().lower()
        if language and not LANGUAGE.match(language):
            raise CommandError(f"--language must be a two-letter code such as de, "
                               f"not {options['language']!r}.")
        if options["order_id"] and not ORDER_ID.match(options["order_id"]):
            raise CommandError(f"{options['order_id']!r} is not an order ID.")
        text = self._read(options["file"])
        subject = ""
        if heading := SUBJECT.match(text):
            subject, text = heading.group(1).strip(), text[heading.end():]
        if options["subject"] is not None:
            subject = options["subject"]
        facts = text_facts(
            subject=subject, body=text, language=language or channel.language,
            seller_initiated=options["seller_initiated"], order_id=options["order_id"],
        )
        report = findings_report(compliance_check(facts=facts, channel=channel))
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        for finding in report["findings"]:
            self.stdout.write(f"{finding['severity'].upper():5}  {finding['rule']}: "
                              f"{finding['quote']}")
        self.stdout.write("Blocked." if report["blocked"] else "Not blocked.")

    def _read(self, name: str) -> str:
        # One character more than the check reads: a longer text is reported as too long.
        limit = CHECK_MAX_CHARS + 1
        try:
            if name == "-":
                return sys.stdin.read(limit)
            with Path(name).open(encoding="utf-8-sig") as file:  # a BOM is not text
                return file.read(limit)
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc.strerror or exc}.") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{name} is not UTF-8 text ({exc.reason} at byte "
                               f"{exc.start}).") from exc
