import zoneinfo
from datetime import time

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from .hours import CALENDAR_WEEKS, business_hours_parse, calendar_weeks_needed
from .models import NO_PLACE_ZONES, Buyer, Channel, Holiday, Order, OrderItem
from .orders_import import OrderImportError, orders_import


class OrderReportForm(forms.Form):
    report = forms.FileField(
        help_text="Amazon's order report (tab-separated flat file, e.g. All Orders). "
        "Importing a file again updates its orders; a bad row stops the whole import."
    )


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
CHANNEL_FIELDS = ["code", "name", "platform", "domain", "relay_domain", "language", "time_zone",
                  "reply_limit_hours", "return_limit_hours", "claim_limit_hours",
                  "chargeback_limit_hours", "escalation_follow_up_hours", "at_risk_share",
                  "is_default"]


def _time_field(label: str) -> forms.TimeField:
    return forms.TimeField(required=False, label=label,
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class _ChannelForm(forms.ModelForm):
    """A channel with its business hours as a form per weekday instead of typed JSON: a
    checkbox for "working hours only", then for each day its opening and closing time or
    "closed". Stored as the JSON the clock reads ({"0": ["09:00", "17:00"], …})."""

    working_hours_only = forms.BooleanField(
        required=False, label="Count working hours only",
        help_text="Unticked: limits are elapsed calendar hours, every day and night (Amazon). "
        "Ticked: only the working hours below count towards a limit, in the channel's time "
        "zone; holidays (below) do not count either.",
    )
    time_zone = forms.ChoiceField(
        choices=[(zone, zone) for zone in sorted(zoneinfo.available_timezones())
                 if zone not in NO_PLACE_ZONES],
        initial="UTC",
    )

    class Meta:
        model = Channel
        fields = CHANNEL_FIELDS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        hours = self.instance.business_hours if isinstance(self.instance.business_hours,
                                                           dict) else {}
        self.fields["working_hours_only"].initial = bool(hours)
        for day in range(7):
            span = hours.get(str(day))
            opening, closing = span if isinstance(span, list) and len(span) == 2 else ("", "")
            self.fields[f"day{day}_closed"].initial = bool(hours) and not span
            self.fields[f"day{day}_opens"].initial = opening or time(9)
            self.fields[f"day{day}_closes"].initial = closing or time(17)

    def clean(self) -> dict:
        data = super().clean()
        defaults = Channel.objects.filter(is_default=True)
        if (not data.get("is_default") and defaults.filter(pk=self.instance.pk).exists()
                and not defaults.exclude(pk=self.instance.pk).exists()):
            # Without a default channel, mail that names no known marketplace is quarantined.
            self.add_error("is_default", "Some channel must take the mail that names no known "
                           "marketplace: tick this on the channel that should take it instead "
                           "(that moves it there).")
        hours: dict[str, list[str]] = {}
        if data.get("working_hours_only"):
            for day, name in enumerate(WEEKDAYS):
                opens, closes = f"day{day}_opens", f"day{day}_closes"
                if data.get(f"day{day}_closed") or opens in self.errors or closes in self.errors:
                    continue
                opening, closing = data.get(opens), data.get(closes)
                if opening is not None and closing is not None:
                    # Stored to the minute: 09:00:10 to 09:00:50 would be no time at all.
                    opening, closing = (t.replace(second=0, microsecond=0)
                                        for t in (opening, closing))
                if opening is None or closing is None:
                    self.add_error(opens, f"Give {name}'s opening and closing time, or tick "
                                   "closed.")
                elif closing <= opening:
                    self.add_error(closes, f"On {name} closing must be after opening.")
                else:
                    hours[str(day)] = [f"{opening:%H:%M}", f"{closing:%H:%M}"]
            if not hours and not self.errors:
                self.add_error("working_hours_only",
                               "Every day is closed: open at least one day, or untick this.")
            self._hours_cover_limits(data, hours)
        self.instance.business_hours = hours
        return data


    def _hours_cover_limits(self, data: dict, hours: dict[str, list[str]]) -> None:
        """The clock looks ten years ahead for working time: a few minutes a week would leave
        a 72-hour limit without a deadline and the channel's mail unfiled."""
        limits = [data.get(f) for f in ("reply_limit_hours", "return_limit_hours",
                                         "claim_limit_hours")]
        if not hours or None in limits:
            return
        limits.append(data.get("chargeback_limit_hours") or 0)
        weeks = calendar_weeks_needed(business_hours_parse(hours), max(limits))
        if weeks > CALENDAR_WEEKS:
            self.add_error("working_hours_only",
                           f"With these hours a {max(limits)}-hour limit would take "
                           f"{weeks:,.0f} working weeks: open longer or lower the limit.")


# The seven days' fields are declared on the class (the admin only shows declared fields).
ChannelForm = type("ChannelForm", (_ChannelForm,), {
    name: field
    for day, weekday in enumerate(WEEKDAYS)
    for name, field in (
        (f"day{day}_closed", forms.BooleanField(required=False, label=f"{weekday}: closed")),
        (f"day{day}_opens", _time_field(f"{weekday}: opens")),
        (f"day{day}_closes", _time_field(f"{weekday}: closes")),
    )
})


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ["code", "name", "platform", "domain", "language", "reply_limit_hours",
                    "return_limit_hours", "claim_limit_hours", "chargeback_limit_hours"]
    inlines = [HolidayInline]

    def get_fieldsets(self, request: HttpRequest, obj: Channel | None = None) -> list:
        days = [(f"day{d}_closed", f"day{d}_opens", f"day{d}_closes") for d in range(7)]
        return [
            (None, {"fields": CHANNEL_FIELDS}),
            ("Business hours", {"fields": ["working_hours_only", *days]}),
        ]
    list_filter = ["platform", "language"]
    search_fields = ["code", "name", "domain"]

    def save_model(self, request: HttpRequest, obj: Channel, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.is_default:
            # One default channel: ticking it here moves it (two left which one took the
            # mail to the order of their codes).
            moved = Channel.objects.filter(is_default=True).exclude(pk=obj.pk)
            names = ", ".join(moved.values_list("name", flat=True))
            if moved.update(is_default=False):
                messages.info(request, f"{obj.name} now takes the mail that names no known "
                              f"marketplace, instead of {names}.")


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
