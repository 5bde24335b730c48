"""Amazon order reports (the tab-separated "All Orders" flat file) into Order rows, so the
reports know how many orders there were. Idempotent: an order is found by its id and
updated, an item by (order, ASIN). All or nothing: any bad row and nothing is written."""

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .models import Channel, Order, OrderItem

REQUIRED = ["amazon-order-id", "purchase-date"]
CHUNK = 1000


class OrderImportError(Exception):
    """The file cannot be imported; ``problems`` are (line number, what is wrong)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        shown = "; ".join(f"line {line}: {text}" for line, text in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} bad row(s), nothing imported: {shown}{more}")


@dataclass
class OrderRow:
    order_id: str
    purchased_at: datetime
    shipped_at: datetime | None
    status: str
    fulfilment: str
    channel_id: int | None
    items: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # asin → sku, title, qty


@dataclass(frozen=True)
class ImportResult:
    rows: int
    orders_created: int
    orders_updated: int
    items: int


_EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
_LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)


def _instant(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = parse_datetime(value.replace(" ", "T", 1))
        if parsed is None and (day := parse_date(value)):
            parsed = datetime(day.year, day.month, day.day)
    except ValueError as exc:  # well formed, but no such day, hour or offset
        raise ValueError(f"not a date: {value!r} ({exc})") from None
    if parsed is None:
        raise ValueError(f"not a date: {value!r}")
    try:
        # Stored in UTC and shown in each user's zone: year 9999 west of Greenwich, or year 1
        # east of it, has no UTC date, and one within a day of the calendar's ends has none in
        # some user's zone (the order list would fail for them).
        instant = (timezone.make_aware(parsed, UTC) if timezone.is_naive(parsed)
                   else parsed.astimezone(UTC))
    except OverflowError:
        instant = None
    if instant is None or not _EARLIEST <= instant <= _LATEST:
        raise ValueError(f"not a date the calendar can hold in every time zone: {value!r}")
    return instant


ORDER_ID_MAX = Order._meta.get_field("order_id").max_length
# No order line holds more; the column is a 32-bit integer in the database.
QUANTITY_MAX = 1_000_000


def _quantity(value: str) -> int:
    """A line's quantity: a whole number from 0 (a cancelled line) to QUANTITY_MAX."""
    try:
        quantity = int(value)
    except ValueError:
        raise ValueError(f"quantity is not a whole number: {value!r}") from None
    if not 0 <= quantity <= QUANTITY_MAX:
        raise ValueError(f"quantity must be from 0 to {QUANTITY_MAX:,}, not {value}")
    return quantity


def _text(data: bytes) -> str:
    # A NUL byte is in no text report, and PostgreSQL cannot store one in a text column.
    if (nul := data.find(b"\x00")) >= 0:
        line = data[:nul].count(b"\n") + 1
        raise OrderImportError([(line, "the file holds a NUL byte: it is not a text report")])
    # Seller Central writes UTF-8 on most marketplaces, Windows-1252 on some older ones.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:  # five bytes cp1252 leaves undefined: not a report
        line = data[: exc.start].count(b"\n") + 1
        raise OrderImportError([(line, "the file is neither UTF-8 nor Windows-1252 text")]) \
            from exc


def orders_parse(data: bytes) -> list[OrderRow]:
    """Read and check every row; raises OrderImportError naming each bad line."""
    # newline="": the csv module reads line ends itself (CRLF files, a stray CR).
    reader = csv.DictReader(io.StringIO(_text(data), newline=""), delimiter="\t",
                            quoting=csv.QUOTE_NONE)
    try:
        return _rows_read(reader)
    except csv.Error as exc:
        raise OrderImportError([(reader.line_num, f"not a tab-separated report: {exc}")]) \
            from exc


def _rows_read(reader: csv.DictReader) -> list[OrderRow]:
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise OrderImportError([(1, f"missing column(s): {', '.join(missing)}")])
    reader.fieldnames = header
    channels = {
        d.lower(): pk for pk, d in Channel.objects.exclude(domain="").values_list("pk", "domain")
    }
    orders: dict[str, OrderRow] = {}
    problems = []
    for line, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        try:
            order_id = row["amazon-order-id"]
            if not order_id:
                raise ValueError("amazon-order-id is empty")
            if len(order_id) > ORDER_ID_MAX:
                # Cut short it would be another order's id: refused, not truncated.
                raise ValueError(f"amazon-order-id is longer than {ORDER_ID_MAX} characters")
            purchased = _instant(row["purchase-date"])
            if purchased is None:
                raise ValueError("purchase-date is empty")
            shipped = _instant(row.get("ship-date", ""))
            quantity = _quantity(row.get("quantity") or "1")
        except ValueError as exc:
            problems.append((line, str(exc)))
            continue
        order = orders.setdefault(
            order_id,
            OrderRow(
                order_id=order_id,
                purchased_at=purchased,
                shipped_at=shipped,
                status=row.get("order-status", "")[:40],
                fulfilment=row.get("fulfillment-channel", "")[:20],
                channel_id=channels.get(row.get("sales-channel", "").lower()),
            ),
        )
        order.shipped_at = order.shipped_at or shipped
        if row.get("asin") or row.get("sku"):
            order.items[row.get("asin", "")[:20]] = (
                row.get("sku", "")[:100],
                row.get("product-name", "")[:500],
                quantity,
            )
    if problems:
        raise OrderImportError(problems)
    return list(orders.values())


@transaction.atomic
def orders_import(*, data: bytes) -> ImportResult:
    """Import an order report: orders created or updated, their items upserted."""
    rows = orders_parse(data)
    now = timezone.now()
    created = updated = items = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        known = set(
            Order.objects.filter(order_id__in=[r.order_id for r in chunk]).values_list(
                "order_id", flat=True
            )
        )
        created += len(chunk) - len(known)
        updated += len(known)
        Order.objects.bulk_create(
            [
                Order(
                    order_id=r.order_id,
                    purchased_at=r.purchased_at,
                    shipped_at=r.shipped_at,
                    status=r.status,
                    fulfilment=r.fulfilment,
                    channel_id=r.channel_id,
                    imported_at=now,
                )
                for r in chunk
            ],
            update_conflicts=True,
            unique_fields=["order_id"],
            update_fields=["purchased_at", "shipped_at", "status", "fulfilment", "imported_at"],
        )
        # A channel the mail already set is kept; the report fills it only where missing.
        pks = dict(
            Order.objects.filter(order_id__in=[r.order_id for r in chunk]).values_list(
                "order_id", "pk"
            )
        )
        _channels_fill(chunk, pks)
        new_items = [
            OrderItem(order_id=pks[r.order_id], asin=asin, sku=sku, title=title, quantity=qty)
            for r in chunk
            for asin, (sku, title, qty) in r.items.items()
        ]
        OrderItem.objects.bulk_create(
            new_items,
            update_conflicts=True,
            unique_fields=["order", "asin"],
            update_fields=["sku", "title", "quantity"],
        )
        items += len(new_items)
    return ImportResult(rows=len(rows), orders_created=created, orders_updated=updated, items=items)


def _channels_fill(chunk: list[OrderRow], pks: dict[str, int]) -> None:
    by_channel: dict[int, list[int]] = {}
    for row in chunk:
        if row.channel_id:
            by_channel.setdefault(row.channel_id, []).append(pks[row.order_id])
    for channel_id, order_pks in by_channel.items():
        Order.objects.filter(pk__in=order_pks, channel=None).update(channel_id=channel_id)
