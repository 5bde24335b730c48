"""What the outbox announces (see ``tickets.signals`` for how these are meant)."""

from django.dispatch import Signal

# A reply was accepted by the mail server (or its copy proved it): ``outbox``.
reply_sent = Signal()
# An attempt to send a reply failed, or its delivery is unknown: ``outbox`` (its state,
# last_error and next_attempt_at say which, and whether it is tried again).
reply_failed = Signal()
