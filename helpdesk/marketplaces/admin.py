from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from .models import Buyer, Channel, Holiday, Order, OrderItem
from .orders_import import OrderImportError, orders_import


class OrderReportForm(forms.Form):
    report = forms.FileField(
        help_text="Amazon's order report (tab-separated flat file, e.g. All Orders). "
        "Importing a file again updates its orders; a bad row stops the whole import."
    )


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "platform", "domain", "language", "reply_limit_hours",
                    "return_limit_hours", "claim_limit_hours"]
    inlines = [HolidayInline]
    list_filter = ["platform", "language"]
    search_fields = ["code", "name", "domain"]


@admin.register(Buyer)
class BuyerAdmin(admin.ModelAdmin):
    list_display = ["alias", "name", "language", "channel", "created_at"]
    list_filter = ["channel", "language"]
    search_fields = ["alias", "name"]


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    change_list_template = "admin/marketplaces/order/change_list.html"
    list_display = ["order_id", "channel", "buyer", "purchased_at", "shipped_at", "status"]
    list_filter = ["channel", "status", "fulfilment"]
    search_fields = ["order_id", "buyer__name", "buyer__alias", "items__asin", "items__title"]
    list_select_related = ["channel", "buyer"]
    inlines = [OrderItemInline]
    raw_id_fields = ["buyer"]

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view),
                 name="marketplaces_order_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return redirect("admin:marketplaces_order_changelist")
        form = OrderReportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            try:
                result = orders_import(data=form.cleaned_data["report"].read())
            except OrderImportError as exc:
                problems = exc.problems
            else:
                messages.success(request, f"{result.rows} orders imported "
                                 f"({result.orders_created} new, {result.orders_updated} "
                                 f"updated), {result.items} items.")
                return redirect("admin:marketplaces_order_changelist")
        return render(request, "admin/marketplaces/order/import.html", {
            **self.admin_site.each_context(request), "form": form, "problems": problems,
            "opts": self.model._meta, "title": "Import an order report",
        })
