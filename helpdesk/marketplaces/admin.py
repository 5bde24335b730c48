from django.contrib import admin

from .models import Buyer, Channel, Holiday, Order, OrderItem


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
    list_display = ["order_id", "channel", "buyer", "purchased_at", "shipped_at"]
    list_filter = ["channel"]
    search_fields = ["order_id", "buyer__name", "buyer__alias", "items__asin", "items__title"]
    list_select_related = ["channel", "buyer"]
    inlines = [OrderItemInline]
    raw_id_fields = ["buyer"]
