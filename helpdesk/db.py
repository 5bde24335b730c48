"""Database helpers shared by the apps."""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

from django.db import connection, migrations
from django.db.models import Field, Model
from django.db.models.base import ModelState
from django.utils import timezone

ID_MAX = 2**63 - 1  # the largest id a table holds: a bigger number would overflow the query


def row_id(value: object) -> int | None:
    """The id a typed or posted value names, or None. ASCII digits only: "²" passes
    ``str.isdigit`` and then fails ``int``, and "١٢" would be read as 12."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None


def lock_key(name: str) -> int:
    """The number PostgreSQL's advisory locks know the lock ``name`` by."""
    digest = hashlib.sha256(f"helpdesk {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def transaction_lock(*, name: str) -> None:
    """Wait until no other transaction holds the lock ``name``, then hold it until this one
    ends (taking it again in the same transaction is free). PostgreSQL: a transaction-level
    advisory lock, which every host sharing the database sees and a dead process drops. SQLite
    needs none: its transactions begin IMMEDIATE (settings), holding the database's one write
    lock from their first statement."""
    if not connection.in_atomic_block:
        raise RuntimeError(f"the lock {name!r} is a transaction's: take it inside one")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])


def row_new[M: Model](model: type[M], /, **values: Any) -> M:
    """``model(**values)`` for a new row that will be inserted (``rows_insert``, ``save``),
    without ``Model.__init__``: a quarter of the batch ingest's storing time went into it,
    for rows built by the thousand. Fields not given take their default; a related object
    given by name is cached as ``__init__`` caches it. No ``pre_init``/``post_init`` signals
    are sent (none of these models has receivers)."""
    plan = _PLANS.get(model) or _plan_of(model)
    obj = model.__new__(model)
    obj._state = state = ModelState()
    row = obj.__dict__
    # Every default first (the fixed ones in one copy), then what was given over them.
    row.update(plan.fixed)
    for name, attname, make in plan.made:
        if name not in values and attname not in values:
            row[attname] = make()
    for name, value in values.items():
        field = plan.by_name.get(name)
        if field is None:
            unknown = [n for n in values if n not in plan.by_name]
            raise TypeError(f"{model.__name__} has no field(s) {', '.join(unknown)}")
        attname, relation = field
        if relation and name != attname and (value is None or isinstance(value, Model)):
            state.fields_cache[name] = value
            row[attname] = None if value is None else value.pk
        else:
            row[attname] = value
    return obj


@dataclass(frozen=True)
class _Plan:
    """How ``row_new`` fills a model's row: the defaults that are values, those made anew for
    each row (a callable default: ``timezone.now``, ``dict``), and each field's column name
    and whether it is a relation, by field name and by column name."""

    fixed: dict[str, Any]
    made: list[tuple[str, str, Callable[[], Any]]]
    by_name: dict[str, tuple[str, bool]]


_PLANS: dict[type[Model], _Plan] = {}


def _plan_of(model: type[Model]) -> _Plan:
    fixed, made, by_name = {}, [], {}
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            made.append((f.name, f.attname, f.get_default))
        else:
            # A value default (or none: "" or None) is the same object for every row, as
            # ``Model.__init__`` gives it.
            fixed[f.attname] = f.get_default()
        by_name[f.name] = (f.attname, f.is_relation)
        by_name[f.attname] = (f.attname, f.is_relation)
    plan = _PLANS[model] = _Plan(fixed, made, by_name)
    return plan


def rows_update(objs: list[Model], fields: list[str]) -> None:
    """``save(update_fields=fields)`` for many rows as one executemany: bulk_update's
    CASE WHEN per row costs some 20 times more to build."""
    if not objs:
        return
    meta = objs[0]._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(column.column)} = %s" for column in columns),
        quote(meta.pk.column),
    )
    prepare = [_preparer(column) for column in columns]
    read = attrgetter(*[column.attname for column in columns], "pk")  # the pk comes last
    params = [
        [prep(value) for prep, value in zip(prepare, values, strict=False)] + [values[-1]]
        for values in map(read, objs)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def rows_update_changed(changes: Iterable[tuple[Model, Iterable[str]]]) -> None:
    """Write each row's own changed fields (``(row, field names)``), one ``rows_update`` per
    set of fields: the fields it did not change are left to whoever is editing them."""
    by_fields: dict[frozenset[str], list[Model]] = defaultdict(list)
    for obj, fields in changes:
        by_fields[frozenset(fields)].append(obj)
    for fields, objs in by_fields.items():
        rows_update(objs, sorted(fields))


# Fields whose Python value is already what the driver takes, for the plain types below.
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}
_PLAIN = (str, int, bool, float, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)
# A statement's bound values: SQLite's default limit is 32766, PostgreSQL's 65535.
_MAX_PARAMS = 30_000


def rows_insert(objs: list[Model]) -> None:
    """``bulk_create`` for new rows of one model with a database-made primary key, which it
    sets on each object. Django prepares every value of a bulk insert through its field, a
    third of the batch ingest's time; here plain values (exact str, int, bool) go as they
    are, datetimes through the backend's adapter, and only the rest through the field."""
    if not objs:
        return
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    tail = f" RETURNING {connection.ops.quote_name(meta.pk.column)}"
    with connection.cursor() as cursor:
        for chunk in _inserts(cursor, objs, fields, tail):
            # Both backends return the rows of a multi-row VALUES in its order.
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


def rows_upsert(objs: list[Model], *, unique: list[str], update: list[str]) -> None:
    """``bulk_create(update_conflicts=True)`` for rows whose primary key is known: each row
    is inserted, or where one with the same ``unique`` fields exists its ``update`` fields
    are set, with the values prepared as ``rows_insert`` prepares them."""
    if not objs:
        return
    meta = objs[0]._meta
    quote = connection.ops.quote_name
    columns = [quote(meta.get_field(name).column) for name in update]
    tail = " ON CONFLICT ({}) DO UPDATE SET {}".format(
        ", ".join(quote(meta.get_field(name).column) for name in unique),
        ", ".join(f"{column} = excluded.{column}" for column in columns),
    )
    with connection.cursor() as cursor:
        for _chunk in _inserts(cursor, objs, list(meta.concrete_fields), tail):
            pass


def _inserts(
    cursor: Any, objs: list[Model], fields: list[Field], tail: str
) -> Iterator[list[Model]]:
    """Insert ``objs`` in as few statements as the database allows; yields each statement's
    objects after it ran (its rows are on the cursor, in the order given)."""
    ops = connection.ops
    prepare = [_preparer(field) for field in fields]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    relations = [f for f in fields if f.is_relation]
    for obj in objs:
        for field in stamped:
            field.pre_save(obj, add=True)
        for field in relations:
            _related_pk_take(obj, field)
    rows = _rows_prepared(objs, fields, prepare)
    head = "INSERT INTO {} ({}) ".format(
        ops.quote_name(objs[0]._meta.db_table), ", ".join(ops.quote_name(f.column) for f in fields)
    )
    if connection.vendor == "postgresql" and len(rows) > 1:
        # One array per column, as Django's own bulk_create does on PostgreSQL: the
        # statement stays short whatever the number of rows. Thousands of placeholders
        # cost more to bind, on the client, than the insert itself.
        arrays = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields)
        columns = [list(column) for column in zip(*rows, strict=True)]
        cursor.execute(f"{head}SELECT * FROM UNNEST({arrays}){tail}", columns)
        yield objs
        return
    # Elsewhere multi-row VALUES, as many rows a statement as its parameter limit allows.
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per = max(1, _MAX_PARAMS // len(fields))
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        cursor.execute(
            head + "VALUES " + ", ".join([row_sql] * len(chunk)) + tail,
            list(chain.from_iterable(chunk)),
        )
        yield objs[start : start + per]


def _rows_prepared(
    objs: list[Model], fields: list[Field], prepare: list[Callable[[Any], Any]]
) -> list[list[Any]]:
    """Each object's values for ``fields``, as the driver takes them. The values are read
    together, and those of plain kinds (text, numbers, keys) are checked together: where they
    are all of plain types they go as they are, and only a row with something else there (an
    expression, a Decimal) has them prepared one by one by their fields."""
    read = attrgetter(*[f.attname for f in fields])
    own, as_is = [], []
    for n, (field, prep) in enumerate(zip(fields, prepare, strict=True)):
        (as_is if field.get_internal_type() in _AS_IS else own).append((n, prep))
    pick = itemgetter(*[n for n, _ in as_is]) if as_is else None
    rows = []
    for obj in objs:
        row = list(read(obj)) if len(fields) > 1 else [read(obj)]
        for n, prep in own:
            row[n] = prep(row[n])
        if pick is not None:
            picked = pick(row)
            if not _PLAIN_TYPES.issuperset(map(type, picked if len(as_is) > 1 else (picked,))):
                for n, prep in as_is:
                    row[n] = prep(row[n])
        rows.append(row)
    return rows


def _related_pk_take(obj: Model, field: Field) -> None:
    """A row built with a related object saved since (``ticket.buyer = Buyer(...)``) takes
    its primary key, as ``save`` would."""
    if obj.__dict__.get(field.attname) is not None or not field.is_cached(obj):
        return
    related = field.get_cached_value(obj)
    if related is None:
        return
    if related.pk is None:
        raise ValueError(f"{field.name} of {obj!r} is not saved yet")
    # Straight into __dict__: setattr would drop the cached object, which is the right one.
    obj.__dict__[field.attname] = related.pk


def _preparer(field: Field) -> Callable[[Any], Any]:
    kind = field.get_internal_type()
    slow = partial(field.get_db_prep_save, connection=connection)
    if kind in _AS_IS:
        return lambda value: value if type(value) in _PLAIN else slow(value)
    if kind == "DateTimeField":
        return _datetime_preparer(slow)
    return slow


def _datetime_preparer(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    if connection.vendor != "sqlite" or connection.timezone != UTC:
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: (
            adapt(value) if value is None or timezone.is_aware(value) else slow(value)
        )

    # SQLite keeps naive UTC text; the backend's adapter gets there by way of make_naive,
    # four times slower.
    def utc_text(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not datetime or value.tzinfo is None:
            return slow(value)
        return str(value.astimezone(UTC).replace(tzinfo=None))

    return utc_text


def sqlite_indexes(indexes: list[tuple[str, str, str]]) -> migrations.RunPython:
    """A migration step creating ``(name, table, "(columns)")`` indexes on SQLite only, and
    dropping them when unapplied: the SQLite forms of indexes PostgreSQL gets with INCLUDE
    and WHERE, which SQLite lacks or its planner will not use with bound parameters."""

    def create(apps: object, schema_editor: object) -> None:
        if schema_editor.connection.vendor == "sqlite":
            for name, table, definition in indexes:
                schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")

    def drop(apps: object, schema_editor: object) -> None:
        if schema_editor.connection.vendor == "sqlite":
            for name, _table, _definition in indexes:
                schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)
