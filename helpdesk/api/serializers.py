"""What the API shows of each thing, and what its requests may carry (every field bounded)."""

from datetime import datetime

from django.contrib.auth import get_user_model
from rest_framework import serializers

from helpdesk.inbox.forms import SEARCH_MAX
from helpdesk.marketplaces.models import Buyer, Order, OrderItem
from helpdesk.replies.compliance import CHECK_MAX_CHARS
from helpdesk.replies.models import Outbox
from helpdesk.sla.models import Obligation, Violation
from helpdesk.tickets.actions import NOTE_MAX
from helpdesk.tickets.models import Escalation, Message, Ticket, TimelineEvent

from .models import ApiToken, Scope

User = get_user_model()
ID_MAX = 2**63 - 1


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]

    def get_name(self, user) -> str:
        return user.get_full_name().strip() or user.get_username()


class BuyerSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Buyer
        fields = ["id", "alias", "name", "language", "channel", "created_at"]


class OrderItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = ["asin", "sku", "title", "quantity"]


class OrderSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)
    items = OrderItemSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "order_id", "channel", "buyer", "purchased_at", "shipped_at",
                  "delivered_at", "status", "fulfilment", "items"]


class ClockSerializer(serializers.ModelSerializer):
    """A clock (obligation): a reply owed by ``due_at``."""

    class Meta:
        model = Obligation
        fields = ["id", "ticket", "message", "kind", "state", "is_open", "starts_at",
                  "at_risk_at", "due_at", "satisfied_at", "satisfied_by", "response_seconds",
                  "breached", "claim_risk"]


class ViolationSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Violation
        fields = ["id", "ticket", "obligation", "channel", "kind", "starts_at", "due_at",
                  "occurred_at", "recorded_at", "assignee", "withdrawn_at", "withdrawn_reason"]


class MessageSerializer(serializers.ModelSerializer):
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "ticket", "direction", "kind", "is_auto", "sent_at", "received_at",
                  "message_id", "subject", "from_address", "from_name", "to_address",
                  "language", "buyer_text", "quoted_text", "attachments"]

    def get_attachments(self, message) -> list[dict]:
        return [{"id": a.pk, "filename": a.filename, "content_type": a.content_type,
                 "size": a.size} for a in message.attachments.all()]


class TimelineSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True)

    class Meta:
        model = TimelineEvent
        fields = ["at", "kind", "text", "actor"]


class EscalationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Escalation
        fields = ["id", "case_id", "note", "opened_at", "follow_up_due_at", "closed_at"]


class TicketSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)
    buyer = BuyerSerializer(read_only=True)
    order = serializers.SlugRelatedField(slug_field="order_id", read_only=True)
    assignee = PersonSerializer(read_only=True)
    open_clocks = ClockSerializer(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = ["id", "kind", "status", "subject", "language", "asin", "channel", "buyer",
                  "order", "assignee", "created_at", "last_message_at", "open_clocks"]


class TicketDetailSerializer(TicketSerializer):
    messages = MessageSerializer(many=True, read_only=True, source="message_rows")
    clocks = ClockSerializer(many=True, read_only=True, source="clock_rows")
    escalations = EscalationSerializer(many=True, read_only=True, source="escalation_rows")
    timeline = TimelineSerializer(many=True, read_only=True, source="timeline_rows")

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "messages", "clocks", "escalations",
                  "timeline"]


class TicketListQuery(serializers.Serializer):
    """Documents the list's query string; the inbox's own form checks it."""

    view = serializers.CharField(required=False, help_text="open (default), mine, unassigned, "
                                 "at_risk, overdue, follow_up, returns, claims, waiting, "
                                 "resolved, all")
    channel = serializers.IntegerField(required=False, help_text="A channel id.")
    language = serializers.CharField(required=False, max_length=10)
    assignee = serializers.CharField(required=False, help_text="A user id, or “none”.")
    q = serializers.CharField(required=False, max_length=SEARCH_MAX, help_text="Search words.")


class OutboxSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outbox
        fields = ["id", "ticket", "state", "subject", "body", "language", "template",
                  "to_address", "message_id", "attempts", "last_error", "next_attempt_at",
                  "sent_at", "findings", "created_at"]


# -- Requests ----------------------------------------------------------------------------


class AssignRequest(serializers.Serializer):
    assignee = serializers.IntegerField(min_value=1, max_value=ID_MAX, allow_null=True,
                                        help_text="A user id; null unassigns.")


class NoteRequest(serializers.Serializer):
    text = serializers.CharField(max_length=NOTE_MAX, trim_whitespace=True)


class ClockEndRequest(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True,
                                 default="")


class SellerCentralRequest(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX,
                                 help_text="What was answered in Seller Central.")


class EscalateRequest(serializers.Serializer):
    case_id = serializers.CharField(max_length=100)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True,
                                 default="")


class RenderRequest(serializers.Serializer):
    template = serializers.IntegerField(min_value=1, max_value=ID_MAX)


class CheckRequest(serializers.Serializer):
    subject = serializers.CharField(max_length=500, allow_blank=True, default="")
    body = serializers.CharField(max_length=CHECK_MAX_CHARS, trim_whitespace=False)
    language = serializers.CharField(max_length=10, required=False, allow_blank=True,
                                     default="")


class ReplyRequestSerializer(CheckRequest):
    template = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False,
                                        allow_null=True, default=None)
    override_reason = serializers.CharField(
        max_length=NOTE_MAX, required=False, allow_null=True, default=None,
        help_text="A manager's reason to send a reply the compliance check blocks.")


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    evidence = serializers.CharField()


class DraftSerializer(serializers.Serializer):
    subject = serializers.CharField()
    body = serializers.CharField()
    language = serializers.CharField()
    blocked = serializers.BooleanField()
    findings = FindingSerializer(many=True)


class CheckResultSerializer(serializers.Serializer):
    blocked = serializers.BooleanField()
    findings = FindingSerializer(many=True)


class OrderImportRequest(serializers.Serializer):
    report = serializers.FileField(help_text="Amazon's “All Orders” report (tab-separated).")


class OrderImportResult(serializers.Serializer):
    rows = serializers.IntegerField()
    orders_created = serializers.IntegerField()
    orders_updated = serializers.IntegerField()
    items = serializers.IntegerField()


class InstantField(serializers.DateTimeField):
    """DRF's date-time, where a time without an offset that the calendar cannot hold in UTC
    (year 1 read east of Greenwich) is "out of range" like one with an offset, not a server
    error from DRF's own check of it."""

    def enforce_timezone(self, value: datetime) -> datetime:
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")


class SlaReportQuery(serializers.Serializer):
    since = InstantField()
    until = InstantField()
    channel = serializers.SlugField(required=False, max_length=50)

    def validate(self, data: dict) -> dict:
        if data["since"] >= data["until"]:
            raise serializers.ValidationError({"until": "Must be after “since”."})
        return data


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]


SCOPE_CHOICES = Scope.choices
