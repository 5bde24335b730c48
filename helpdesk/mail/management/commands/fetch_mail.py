import json

from django.core.management.base import CommandError

from helpdesk.commands import UnattendedCommand
from helpdesk.mail.models import Mailbox
from helpdesk.mail.sources.imap import COUNTS, MailboxError, mailbox_fetch
from helpdesk.sla.periodic import periodic_run


class Command(UnattendedCommand):
    help = (
        "Fetch new mail from every active IMAP mailbox, or from the one named. Fails only "
        "when a mailbox cannot be reached or logged into; bad mail is quarantined instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--mailbox", metavar="NAME", help="Only this mailbox (also when it is inactive)."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object keyed by mailbox name."
        )

    def handle(self, *args, **options) -> None:
        mailboxes = self._mailboxes(options["mailbox"])
        unreachable: list[str] = []
        # Under the job's lock: a run that overran its minute, or a second cron host, skips
        # instead of fetching the same mail again (which would only find duplicates).
        summary = periodic_run(name="fetch_mail",
                               work=lambda: self._fetch(mailboxes, unreachable))
        if summary is None:
            self.stdout.write(json.dumps({"skipped": True}) if options["json"]
                              else "Another fetch_mail is running; skipped.")
            return
        self._print(summary, as_json=options["json"])
        if unreachable:
            raise CommandError("could not fetch mail from: " + "; ".join(unreachable))

    def _fetch(self, mailboxes: list[Mailbox], unreachable: list[str]) -> dict[str, dict]:
        summary: dict[str, dict] = {}
        for box in mailboxes:
            try:
                counts = mailbox_fetch(mailbox=box)
            except MailboxError as exc:
                unreachable.append(f"{box.name} ({exc})")
                summary[box.name] = {"reached": False, **dict.fromkeys(COUNTS, 0)}
            else:
                summary[box.name] = {"reached": True, **counts}
            # Folder errors (mail that could not be kept) are in last_error; not a failure
            # of the command, since the next run picks up where this one stopped.
            summary[box.name]["error"] = box.last_error
        return summary

    def _mailboxes(self, name: str | None) -> list[Mailbox]:
        if name is None:
            return list(Mailbox.objects.filter(active=True).order_by("name"))
        try:
            return [Mailbox.objects.get(name=name)]
        except Mailbox.DoesNotExist as exc:
            raise CommandError(f"no mailbox named {name!r}") from exc

    def _print(self, summary: dict[str, dict], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(summary, sort_keys=True))
            return
        if not summary:
            self.stdout.write("no active mailboxes")
        for name, result in summary.items():
            if not result["reached"]:
                self.stdout.write(f"{name}: not fetched: {result['error']}")
                continue
            self.stdout.write(
                "{name}: fetched {fetched} (stored {stored}, queued {queued}, duplicates "
                "{duplicates}, quarantined {quarantined}), errors {errors}".format(
                    name=name, **result
                )
            )
            for line in result["error"].splitlines():
                self.stdout.write(f"  {line}")
