"""Fast bulk inserts of plain tuples, shared by the demo builders and the imports.

Django's `bulk_create` builds SQL parameter by parameter through every field (≈45% of an import
of a ~50-column model); here rows are plain tuples written with COPY (PostgreSQL) or one
executemany (SQLite). Values must already be what the driver expects: `Adapter` converts the
few types that need it (datetimes, dates) once per column, not per field call.

- `TupleTable(model, columns)`: add tuples, `flush()` writes them. Columns not given get the
  field default ("" for text fields without one), so fields added to a model later do not break
  the writers.
- `reserve_ids(model, count)`: primary keys that no other transaction can take (a sequence on
  PostgreSQL; on SQLite the write lock is taken first, then `max(id)` is read).
- `insert_objects(model, objs)`: model instances (pks reserved if missing) written as tuples.
- `insert_history(model, objs, ...)`: the django-simple-history rows of freshly created objects
  ("+"), written the same way.
- `insert_rows(model, columns, rows)` and `insert_history_rows(...)`: the same for rows that are
  already tuples (the imports build them without model instances).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from django.db import connections
from django.db.models import DateField, DateTimeField
from django.db.models.base import ModelState


class Adapter:
    """Python values → values for the raw driver cursor of one connection."""

    def __init__(self, connection) -> None:
        self.pg = connection.vendor == "postgresql"
        self._last: tuple[datetime | None, object] = (None, None)

    def ts(self, value: datetime | None):
        """An aware datetime (or a naive one meant as UTC) for a DateTimeField."""
        if value is None:
            return None
        last, converted = self._last
        if value is last:  # rows of one batch share their timestamps: convert once
            return converted
        if self.pg:
            converted = value if value.tzinfo else value.replace(tzinfo=UTC)
        elif value.tzinfo:
            converted = str(value.astimezone(UTC).replace(tzinfo=None))
        else:
            converted = str(value)
        self._last = (value, converted)
        return converted

    def day(self, value: date | None):
        if value is None:
            return None
        return value if self.pg else value.isoformat()

    def for_field(self, field):
        """The converter of one field's values, or None when they pass as they are."""
        if isinstance(field, DateTimeField):
            return self.ts
        if isinstance(field, DateField):
            return self.day
        return None


class TupleTable:
    """Plain-tuple rows for one table, written with COPY (PostgreSQL) or executemany (SQLite)."""

    def __init__(self, model, columns: Sequence[str], using: str = "default") -> None:
        connection = connections[using]
        self.model, self.connection = model, connection
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise RuntimeError(f"{model._meta.label} has no column(s) {unknown}")
        extra_fields = [f for c, f in fields.items() if c not in columns and not f.primary_key]
        defaults = [f.get_default() for f in extra_fields]  # "" for text fields without one
        for f, value in zip(extra_fields, defaults, strict=True):
            if value is None and not f.null:
                raise RuntimeError(f"bulk insert: no value for {model._meta.label}.{f.name}")
        self.extra = tuple(
            f.get_db_prep_save(value, connection) if value is not None else None
            for f, value in zip(extra_fields, defaults, strict=True)
        )
        self.columns = [*columns, *(f.column for f in extra_fields)]
        self.rows: list[tuple] = []

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def extend(self, rows: Iterable[tuple]) -> None:
        self.rows.extend(rows)

    def flush(self) -> int:
        """Write the pending rows; returns how many were written."""
        count = len(self.rows)
        if not count:
            return 0
        qn = self.connection.ops.quote_name
        table = qn(self.model._meta.db_table)
        cols = ", ".join(qn(c) for c in self.columns)
        extra = self.extra
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row + extra)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.cursor.executemany(
                    f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608 - our names
                    [row + extra for row in self.rows] if extra else self.rows,
                )
        self.rows = []
        return count


class Factory:
    """New, unsaved instances of a model without Model.__init__ per object (≈70 µs for a
    ~50-field model): a prototype is built once with `Model(**common)`, each instance is a copy
    of its field values. Only for models whose defaults are immutable values (str, numbers,
    None, dates); set values on the copies by attribute name (`owner_id`, not `owner`)."""

    def __init__(self, model, **common) -> None:
        self.model = model
        proto = model(**common)
        self.base = {k: v for k, v in proto.__dict__.items() if k != "_state"}

    def __call__(self, **values):
        obj = self.model.__new__(self.model)
        obj.__dict__.update(self.base)
        obj.__dict__.update(values)
        obj._state = ModelState()
        return obj


def reserve_ids(model, count: int, using: str = "default") -> list[int]:
    """`count` primary keys for rows inserted with explicit ids, safe against concurrent writers.

    PostgreSQL: taken from the table's sequence. SQLite: a write lock is taken first (a no-op
    UPDATE), so `max(id)` cannot move until the transaction ends; the AUTOINCREMENT counter
    follows the explicit ids by itself. Call it inside the transaction that inserts the rows."""
    if count <= 0:
        return []
    connection = connections[using]
    qn = connection.ops.quote_name
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [qn(table), pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids() must run inside a transaction")
        cursor.execute("UPDATE sqlite_sequence SET seq = seq WHERE name = %s", [table])
        cursor.execute(
            f"SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
            f"COALESCE((SELECT max({qn(pk)}) FROM {qn(table)}), 0))",
            [table],
        )
        top = cursor.fetchone()[0] or 0
    return list(range(top + 1, top + 1 + count))


def _object_rows(model, objs, connection) -> tuple[list[str], list[tuple]]:
    """(columns, rows) of model instances: every concrete field, converted for the driver."""
    adapter = Adapter(connection)
    fields = list(model._meta.concrete_fields)
    columns = [f.column for f in fields]
    getters = [(f.attname, adapter.for_field(f)) for f in fields]
    plain = [a for a, conv in getters if conv is None]
    if len(plain) == len(getters):
        rows = [tuple([o.__dict__[a] for a in plain]) for o in objs]
    else:
        rows = [
            tuple([conv(o.__dict__[a]) if conv else o.__dict__[a] for a, conv in getters])
            for o in objs
        ]
    return columns, rows


def insert_objects(model, objs: list, using: str = "default") -> None:
    """Insert new model instances as tuples. Instances without a pk get a reserved one (set on
    them). Field defaults come from the instances; no pre_save, signals or auto_now: set
    timestamps yourself."""
    if not objs:
        return
    connection = connections[using]
    pk_name = model._meta.pk.attname
    missing = [o for o in objs if getattr(o, pk_name) is None]
    for obj, pk in zip(missing, reserve_ids(model, len(missing), using), strict=True):
        setattr(obj, pk_name, pk)
    columns, rows = _object_rows(model, objs, connection)
    table = TupleTable(model, columns, using)
    table.extend(rows)
    table.flush()
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


def insert_rows(model, columns: Sequence[str], rows: list[tuple], using: str = "default") -> int:
    """Insert rows given as tuples of driver-ready values for `columns` (ids included); the
    model's other columns get their defaults. See `Adapter` for the conversions."""
    table = TupleTable(model, columns, using)
    table.extend(rows)
    return table.flush()


def insert_history(
    model,
    objs: list,
    *,
    user_id: int | None,
    date: datetime,
    change_reason: str | None,
    history_type: str = "+",
    using: str = "default",
) -> int:
    """The django-simple-history rows of `objs` (already saved), written as tuples: the tracked
    fields copied from each object, then history date, type, user and change reason."""
    if not objs:
        return 0
    columns, rows = _object_rows(model, objs, connections[using])
    return insert_history_rows(
        model,
        columns,
        rows,
        user_id=user_id,
        date=date,
        change_reason=change_reason,
        history_type=history_type,
        using=using,
    )


def insert_history_rows(
    model,
    columns: Sequence[str],
    rows: list[tuple],
    *,
    user_id: int | None,
    date: datetime,
    change_reason: str | None,
    history_type: str = "+",
    using: str = "default",
) -> int:
    """The history rows of rows just inserted with `insert_rows(model, columns, rows)`: the
    tracked columns copied from each tuple (the others get their defaults, as in the table),
    then history date, type, user and change reason."""
    if not rows:
        return 0
    adapter = Adapter(connections[using])
    history_model = model.history.model
    given = {
        "history_date": adapter.ts(date),
        "history_type": history_type,
        "history_user_id": user_id,
        "history_change_reason": change_reason,
    }
    position = {column: i for i, column in enumerate(columns)}
    copied: list[tuple[str, int]] = []
    constant: list[tuple[str, object]] = []
    for f in history_model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.attname in given:
            constant.append((f.column, given[f.attname]))
        elif f.column in position:
            copied.append((f.column, position[f.column]))
    fixed = tuple(v for _c, v in constant)
    indexes = [i for _c, i in copied]
    table = TupleTable(history_model, [c for c, _i in copied] + [c for c, _v in constant], using)
    table.extend(tuple([row[i] for i in indexes]) + fixed for row in rows)
    return table.flush()


def insert_text_rows(model, columns: Sequence[str], rows: Iterable[tuple], using="default") -> int:
    """Insert rows whose values are ints, decimal text, dates (ISO text) or None, for tables of
    hundreds of thousands of small rows (a goal's decomposition): on PostgreSQL the rows are
    joined into COPY text in Python and written in large chunks (psycopg's per-value dumpers of
    `write_row` cost more than the COPY itself); on SQLite one executemany. Values must not
    contain tabs, newlines or backslashes. Returns how many rows were written."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        rows = list(rows)
        insert_rows(model, columns, rows, using)
        return len(rows)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    cols = ", ".join(qn(c) for c in columns)
    count = 0
    sql = f"COPY {table} ({cols}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        chunk: list[str] = []
        for row in rows:
            chunk.append("\t".join("\\N" if v is None else str(v) for v in row))
            count += 1
            if len(chunk) >= 20000:
                copy.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            copy.write("\n".join(chunk) + "\n")
    return count
