"""The API's endpoints: thin views over the selectors and services the web pages use. Every
ticket is fetched through the user's queues first (``ticket_list``/``tickets_visible``):
another queue's ticket is a 404, as on the pages."""

from django.contrib.auth import get_user_model
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.inbox.filters import list_plan
from helpdesk.inbox.forms import InboxQueryForm
from helpdesk.marketplaces.orders_import import OrderImportError, orders_import
from helpdesk.replies.compliance import compliance_check, reply_facts
from helpdesk.replies.errors import ComplianceBlocked
from helpdesk.replies.models import Outbox, ReplyTemplate, Severity
from helpdesk.replies.seller_central import seller_central_responded
from helpdesk.replies.services import reply_compose
from helpdesk.sla import actions as clock_actions
from helpdesk.sla.report import sla_report
from helpdesk.sla.selectors import ticket_list
from helpdesk.tickets import actions
from helpdesk.tickets.models import Ticket

from . import selectors
from . import serializers as s
from .idempotency import IdempotencyKeyError, key_check, reply_send_once
from .models import Scope
from .permissions import HelpdeskScope, ManagersOnly

# The inbox form's fields the list takes (its page, cursor and selection are the page's).
LIST_FILTERS = ("view", "channel", "language", "assignee", "q")
ID = "[0-9]{1,18}"  # a bigger number is no row of ours, and would overflow the query
ORDER_REPORT_MAX = 50 * 1024 * 1024
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description="Unique per reply (e.g. a UUID); a retry with the same key never sends twice.",
)
Detail = inline_serializer("Detail", {"detail": serializers.CharField()})


def _ticket(request: Request, pk: str) -> Ticket:
    return get_object_or_404(ticket_list(user=request.user), pk=pk)


def _valid(serializer_class: type[serializers.Serializer], data: object) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _findings(findings: list) -> list[dict]:
    return [{"rule": f.rule, "severity": f.severity, "message": f.message,
             "evidence": f.evidence} for f in findings]


@extend_schema(tags=["tickets"])
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tickets of the user's queues. The list takes the inbox's views and filters."""

    lookup_value_regex = ID
    cursor_ordering = ("-last_message_at", "-pk")
    serializer_class = s.TicketSerializer

    def get_queryset(self):
        return selectors.tickets_shown(user=self.request.user)

    @extend_schema(parameters=[s.TicketListQuery])
    def list(self, request: Request, *args, **kwargs) -> Response:
        params = QueryDict(mutable=True)
        for name in LIST_FILTERS:
            if name in request.query_params:
                params.setlist(name, request.query_params.getlist(name)[:1])
        form = InboxQueryForm(params, user=request.user)
        if not form.is_valid():
            raise ValidationError(form.errors)
        plan = list_plan(query=form.query(), user=request.user, now=timezone.now())
        page = self.paginate_queryset(selectors.ticket_rows(plan.tickets))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=s.TicketDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        ticket = selectors.ticket_detail(user=request.user, pk=int(pk))
        if ticket is None:
            raise Http404
        return Response(s.TicketDetailSerializer(ticket).data)

    # -- Agent actions: each writes the timeline under the request's user ----------------

    def _done(self, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.tickets_shown(user=self.request.user).filter(pk=ticket.pk)
        return Response(s.TicketSerializer(fresh.first() or ticket).data, status=code)

    @extend_schema(tags=["actions"], request=s.AssignRequest, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        ticket = _ticket(request, pk)
        data = _valid(s.AssignRequest, request.data)
        assignee = None
        if data["assignee"] is not None:
            assignee = get_user_model().objects.filter(pk=data["assignee"], is_active=True).first()
            if assignee is None:
                raise ValidationError({"assignee": ["No active user has this id."]})
        actions.ticket_assign(ticket=ticket, assignee=assignee, actor=request.user)
        return self._done(ticket)

    @extend_schema(tags=["actions"], request=s.ClockEndRequest, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="no-response-required")
    def no_response_required(self, request: Request, pk: str) -> Response:
        ticket = _ticket(request, pk)
        data = _valid(s.ClockEndRequest, request.data)
        clock_actions.ticket_clock_end(ticket=ticket, actor=request.user,
                                       kind="no_response_required", note=data["note"])
        return self._done(ticket)

    @extend_schema(tags=["actions"], request=s.SellerCentralRequest,
                   responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="responded-in-seller-central")
    def responded_in_seller_central(self, request: Request, pk: str) -> Response:
        ticket = _ticket(request, pk)
        data = _valid(s.SellerCentralRequest, request.data)
        seller_central_responded(ticket=ticket, actor=request.user, note=data["note"])
        return self._done(ticket)

    @extend_schema(tags=["actions"], request=s.NoteRequest, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str) -> Response:
        ticket = _ticket(request, pk)
        data = _valid(s.NoteRequest, request.data)
        actions.ticket_note_add(ticket=ticket, actor=request.user, text=data["text"])
        return self._done(ticket, status.HTTP_201_CREATED)

    @extend_schema(tags=["actions"], request=None, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        ticket = _ticket(request, pk)
        clock_actions.ticket_resolve(ticket=ticket, actor=request.user)
        return self._done(ticket)

    @extend_schema(tags=["actions"], request=s.EscalateRequest, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str) -> Response:
        ticket = _ticket(request, pk)
        data = _valid(s.EscalateRequest, request.data)
        actions.ticket_escalate(ticket=ticket, actor=request.user, case_id=data["case_id"],
                                note=data["note"])
        return self._done(ticket, status.HTTP_201_CREATED)

    # -- Replies ---------------------------------------------------------------------------

    def _template(self, pk: int | None) -> ReplyTemplate | None:
        if pk is None:
            return None
        template = ReplyTemplate.objects.filter(pk=pk, active=True).first()
        if template is None:
            raise ValidationError({"template": ["No active template has this id."]})
        return template

    @extend_schema(tags=["replies"], request=s.RenderRequest, responses=s.DraftSerializer)
    @action(detail=True, methods=["post"], url_path="replies/render")
    def reply_render(self, request: Request, pk: str) -> Response:
        """The template rendered for this ticket, with the compliance check's findings.
        Nothing is saved or sent."""
        ticket = _ticket(request, pk)
        data = _valid(s.RenderRequest, request.data)
        draft = reply_compose(ticket=ticket, template=self._template(data["template"]),
                              author=request.user)
        return Response({"subject": draft.subject, "body": draft.body,
                         "language": draft.language, "blocked": draft.blocked,
                         "findings": _findings(draft.findings)})

    @extend_schema(tags=["replies"], request=s.CheckRequest, responses=s.CheckResultSerializer)
    @action(detail=True, methods=["post"], url_path="replies/check")
    def reply_check(self, request: Request, pk: str) -> Response:
        """The compliance check of a reply's text. Nothing is saved or sent."""
        ticket = _ticket(request, pk)
        data = _valid(s.CheckRequest, request.data)
        facts = reply_facts(ticket=ticket, subject=data["subject"], body=data["body"],
                            language=data["language"])
        findings = compliance_check(facts=facts, channel=ticket.channel)
        return Response({"blocked": any(f.severity == Severity.BLOCK for f in findings),
                         "findings": _findings(findings)})

    @extend_schema(
        tags=["replies"], request=s.ReplyRequestSerializer, parameters=[IDEMPOTENCY_HEADER],
        responses={202: s.OutboxSerializer, 200: s.OutboxSerializer,
                   422: inline_serializer("Blocked", {
                       "detail": serializers.CharField(),
                       "findings": s.FindingSerializer(many=True)})},
    )
    @action(detail=True, methods=["post", "get"], url_path="replies")
    def replies(self, request: Request, pk: str) -> Response:
        """GET: the ticket's replies, newest first. POST: check a reply and queue it for
        sending (202); the same Idempotency-Key again answers 200 with that reply."""
        ticket = _ticket(request, pk)
        if request.method == "GET":
            rows = Outbox.objects.filter(ticket=ticket).order_by("-pk")[:200]
            return Response(s.OutboxSerializer(rows, many=True).data)
        try:
            key = key_check(request.headers.get("Idempotency-Key"))
        except IdempotencyKeyError as exc:
            raise ValidationError({"Idempotency-Key": [str(exc)]}) from exc
        data = _valid(s.ReplyRequestSerializer, request.data)
        try:
            sent = reply_send_once(
                user=request.user, key=key, ticket=ticket, subject=data["subject"],
                body=data["body"], template=self._template(data["template"]),
                language=data["language"], override_reason=data["override_reason"],
            )
        except IdempotencyKeyError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        except ComplianceBlocked as exc:
            return Response({"detail": str(exc), "findings": _findings(exc.findings)},
                            status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        code = status.HTTP_200_OK if sent.replayed else status.HTTP_202_ACCEPTED
        response = Response(s.OutboxSerializer(sent.outbox).data, status=code)
        response["Idempotent-Replayed"] = "true" if sent.replayed else "false"
        return response


@extend_schema(tags=["tickets"])
class TicketMessages(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A ticket's messages in the order written."""

    serializer_class = s.MessageSerializer
    cursor_ordering = ("sent_at", "pk")

    def get_queryset(self):
        ticket = _ticket(self.request, self.kwargs["ticket_pk"])
        return ticket.messages.prefetch_related("attachments")


@extend_schema(tags=["tickets"])
class MessageViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID
    serializer_class = s.MessageSerializer

    def get_queryset(self):
        return selectors.messages_visible(user=self.request.user)


class _Filtered(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A list with a few exact filters from the query string, each checked (and named in the
    schema: ``filtered``)."""

    lookup_value_regex = ID
    filters: dict[str, tuple[serializers.Field, str]] = {}

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        fields = {name: field for name, (field, _lookup) in self.filters.items()}
        query = _valid(type("Query", (serializers.Serializer,), fields), self.request.query_params)
        for name, value in query.items():
            if value is None:
                continue
            queryset = queryset.filter(**{self.filters[name][1]: value})
        return queryset


def filtered(cls: type[_Filtered]) -> type[_Filtered]:
    """The list's filters as query parameters of the schema."""
    kinds = {serializers.IntegerField: OpenApiTypes.INT,
             serializers.BooleanField: OpenApiTypes.BOOL}
    parameters = [OpenApiParameter(name, kinds.get(type(field), OpenApiTypes.STR))
                  for name, (field, _lookup) in cls.filters.items()]
    return extend_schema_view(list=extend_schema(parameters=parameters))(cls)


def _id_filter() -> serializers.Field:
    return serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)


@extend_schema(tags=["clocks"])
@filtered
class ClockViewSet(_Filtered):
    """Clocks (obligations): a reply owed by a due time, per buyer message, return, claim."""

    serializer_class = s.ClockSerializer
    filters = {
        "ticket": (_id_filter(), "ticket_id"),
        "open": (serializers.BooleanField(required=False, allow_null=True, default=None),
                 "is_open"),
        "state": (serializers.CharField(required=False, max_length=24), "state"),
    }

    def get_queryset(self):
        return selectors.clocks_visible(user=self.request.user)


@extend_schema(tags=["clocks"])
@filtered
class ViolationViewSet(_Filtered):
    """Clocks that ran out: one row per breach."""

    serializer_class = s.ViolationSerializer
    filters = {"ticket": (_id_filter(), "ticket_id")}

    def get_queryset(self):
        return selectors.violations_visible(user=self.request.user)


@extend_schema(tags=["buyers and orders"])
@filtered
class BuyerViewSet(_Filtered):
    serializer_class = s.BuyerSerializer
    filters = {"alias": (serializers.CharField(required=False, max_length=254), "alias")}

    def get_queryset(self):
        return selectors.buyers_visible(user=self.request.user)


@extend_schema(tags=["buyers and orders"])
@filtered
class OrderViewSet(_Filtered):
    serializer_class = s.OrderSerializer
    filters = {"order_id": (serializers.CharField(required=False, max_length=40), "order_id")}

    def get_queryset(self):
        return selectors.orders_visible(user=self.request.user)


@extend_schema(tags=["buyers and orders"])
class OrderImport(APIView):
    """Import Amazon's “All Orders” report: orders created or updated, all or nothing."""

    required_scope = Scope.ADMIN
    parser_classes = [MultiPartParser]

    @extend_schema(request=s.OrderImportRequest, responses=s.OrderImportResult)
    def post(self, request: Request) -> Response:
        report = _valid(s.OrderImportRequest, request.data)["report"]
        if report.size > ORDER_REPORT_MAX:
            raise ValidationError({"report": [
                f"The report is larger than {ORDER_REPORT_MAX // 1024 // 1024} MB."]})
        try:
            result = orders_import(data=report.read())
        except OrderImportError as exc:
            raise ValidationError({"report": [f"line {line}: {text}"
                                              for line, text in exc.problems[:100]]}) from exc
        return Response({"rows": result.rows, "orders_created": result.orders_created,
                         "orders_updated": result.orders_updated, "items": result.items})


@extend_schema(tags=["reports"])
class SlaReport(APIView):
    """Per clock kind, what the reports page and ``manage.py sla_report`` show."""

    permission_classes = [HelpdeskScope, ManagersOnly]

    @extend_schema(parameters=[s.SlaReportQuery], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        query = _valid(s.SlaReportQuery, request.query_params)
        report = sla_report(since=query["since"], until=query["until"], now=timezone.now(),
                            channel_code=query.get("channel") or None)
        return Response({"since": query["since"], "until": query["until"],
                         "channel": query.get("channel", ""), "kinds": report})
