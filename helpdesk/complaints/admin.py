from django.contrib import admin

from .models import ComplaintCategory, ComplaintRule, TicketComplaint

MAX_ID = 2**63 - 1


class ComplaintRuleInline(admin.TabularInline):
    model = ComplaintRule
    extra = 0


@admin.register(ComplaintCategory)
class ComplaintCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    inlines = [ComplaintRuleInline]


@admin.register(ComplaintRule)
class ComplaintRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "language", "is_active"]
    list_filter = ["category", "language", "is_active"]
    search_fields = ["keywords"]


@admin.register(TicketComplaint)
class TicketComplaintAdmin(admin.ModelAdmin):
    list_display = ["ticket", "category", "source", "matched", "corrected_by", "updated_at"]
    list_filter = ["category", "source"]
    raw_id_fields = ["ticket"]
    list_select_related = ["ticket", "category", "corrected_by"]

    def get_object(self, request, object_id: str, from_field: str | None = None):
        # The key is the ticket's: an id past any row's range (typed in the address bar) is
        # "not found", never a database overflow.
        if not object_id.isdigit() or int(object_id) > MAX_ID:
            return None
        return super().get_object(request, object_id, from_field)
