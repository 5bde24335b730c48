"""What stops a reply, in words an agent can act on (the tests import these constants)."""

NO_ADDRESS = "The ticket has no buyer address to reply to."
NOTICE_SENDER = (
    "{address} is the marketplace's notice sender, which nobody reads: a claim, chargeback, "
    "feedback or notice is answered in Seller Central (then mark it “Responded in Seller "
    "Central”), and the buyer through their relay alias once the order's buyer is known."
)
NOTE_REQUIRED = ("Say in a few words what you answered in Seller Central: the note stays on the "
                 "ticket, for the next claim on this order.")
NOTE_TOO_LONG = "The note can be at most {n} characters."
UNSENDABLE_ADDRESS = "The reply cannot be sent to {address}: {reason}."
EMPTY_BODY = "The reply is empty."
WRITES_NOTHING_HERE = ("The template '{template}' writes nothing for this ticket: write the "
                       "reply yourself, or pick another template.")
PLACEHOLDER_LEFT = "The reply still contains {placeholder}: fill it in before sending."
NOT_A_MANAGER = "Only a manager may send a reply that the compliance check blocked."
REASON_REQUIRED = "An override needs a reason: it is kept on the ticket's timeline."
NO_VARIANT = "The template '{template}' has no variant in {languages}."
NOT_FAILED = ("That reply is no longer failed (it was sent, retried or replaced meanwhile): "
              "see the ticket's replies.")
NOT_UNCERTAIN = "Only a reply whose delivery is unknown can be confirmed or sent again."


class ReplyError(Exception):
    """A reply that cannot go as it is; the message says why."""


class ComplianceBlocked(ReplyError):
    """The compliance check blocked the reply; ``findings`` says which rules and why."""

    def __init__(self, findings: list) -> None:
        self.findings = findings
        blocking = [f for f in findings if f.severity == "block"]
        super().__init__(
            "Blocked by the compliance check: "
            + "; ".join(f"{f.message} (found: {f.evidence})" for f in blocking)
        )
