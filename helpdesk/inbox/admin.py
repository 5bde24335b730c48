"""Admin for the agents' side: queues (who works which channels and kinds), profiles,
seller support escalations."""

from django import forms
from django.contrib import admin

from helpdesk.tickets.models import AgentProfile, Escalation, Queue, TicketKind


class QueueForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        choices=TicketKind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="The ticket kinds this queue takes; none ticked: every kind.",
    )

    class Meta:
        model = Queue
        fields = ["name", "channels", "kinds", "members"]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    form = QueueForm
    list_display = ["name", "channel_list", "kinds", "member_count"]
    search_fields = ["name", "members__username"]
    filter_horizontal = ["channels", "members"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("channels", "members")

    @admin.display(description="Channels")
    def channel_list(self, queue: Queue) -> str:
        return ", ".join(c.name for c in queue.channels.all())

    @admin.display(description="Members")
    def member_count(self, queue: Queue) -> int:
        return len(queue.members.all())


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "time_zone"]
    search_fields = ["user__username", "time_zone"]
    raw_id_fields = ["user"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["case_id", "ticket", "opened_at", "opened_by", "follow_up_due_at",
                    "closed_at"]
    list_filter = [("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["case_id", "note"]
    list_select_related = ["ticket", "opened_by"]
    raw_id_fields = ["ticket", "opened_by", "closed_by"]
    date_hierarchy = "opened_at"
