"""Substring search index over customer and contact names (decision D46).

A name such as 北京华信科技 is indexed by its overlapping character pairs (北京, 京华, 华信, 信科,
科技), lower-cased. A query of two characters or more is answered by the records holding all of
the query's pairs, read from the index, and then checked against the name itself (the pairs may
sit apart in the name), so the index only ever narrows the candidates and a stale entry can hide
nothing: a record whose name no longer matches is dropped by the check.

Storage, one row per record in a table per kind:
- SQLite: an FTS5 table (`detail=none`, ascii tokenizer) whose rowid is the record's id and whose
  text is the pairs as hexadecimal tokens; a query is an AND of the tokens.
- PostgreSQL: `(id bigint primary key, grams bigint[])` with a GIN index; a query is
  `grams @> ARRAY[…]`.

Every ORM save of a customer or contact that creates it or may change its name re-indexes it
(post_save receivers below, so services, the merge tool and tests alike keep it current); bulk
writers that insert tuples (imports, the demo) call `index_names(kind, [(id, name), …])` in their
transaction; `rebuild()` (command `salesdesk manage
rebuild_name_index`, and the migration that creates the tables) recomputes everything from the
names. Queries of one character use no index (callers scan with a LIMIT).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise

from django.db import connection, connections

TABLES = {
    "customer": ("customers_customer", "customers_customer_name_index"),
    "contact": ("customers_contact", "customers_contact_name_index"),
}
_BASE = 0x110000  # one past the largest code point: a pair as one integer
BATCH = 5_000


def gram_codes(text: str) -> list[int]:
    """The distinct character pairs of `text` (lower-cased), each as one integer."""
    text = (text or "").lower()
    return sorted({ord(a) * _BASE + ord(b) for a, b in pairwise(text)})


def _tokens(codes: Iterable[int]) -> str:
    return " ".join(f"g{code:x}" for code in codes)


def create_tables(schema_editor) -> None:
    """DDL of both index tables (used by the migration)."""
    for _source, table in TABLES.values():
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY, grams bigint[])")
            schema_editor.execute(f"CREATE INDEX {table}_grams ON {table} USING gin (grams)")
        else:
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5(grams, detail=none, tokenize='ascii')"
            )


def drop_tables(schema_editor) -> None:
    for _source, table in TABLES.values():
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


def _rows(pairs: Iterable[tuple[int, str]]) -> Iterator[tuple[int, list[int]]]:
    for pk, name in pairs:
        yield pk, gram_codes(name)


def index_names(
    kind: str, pairs: Iterable[tuple[int, str]], *, new: bool = False, using: str = "default"
) -> None:
    """Index (or re-index: an existing entry is replaced) the names of records `(id, name)` of
    `kind` ("customer" or "contact"). `new=True` promises that the ids are fresh (reserved in
    this transaction: ids are never reused), so PostgreSQL appends them with COPY."""
    table = TABLES[kind][1]
    rows = list(_rows(pairs))
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and new:
            with cursor.cursor.copy(f"COPY {table} (id, grams) FROM STDIN") as copy:
                copy.set_types(["int8", "int8[]"])
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            if connection.vendor == "postgresql":
                # One statement per batch: the ids and the arrays (as text) side by side.
                cursor.execute(
                    f"INSERT INTO {table} (id, grams) "  # noqa: S608 - our table
                    "SELECT i, g::bigint[] FROM unnest(%s::bigint[], %s::text[]) AS t (i, g) "
                    "ON CONFLICT (id) DO UPDATE SET grams = excluded.grams",
                    [
                        [pk for pk, _ in chunk],
                        ["{" + ",".join(map(str, codes)) + "}" for _, codes in chunk],
                    ],
                )
            else:
                cursor.executemany(
                    f"INSERT OR REPLACE INTO {table} (rowid, grams) VALUES (%s, %s)",  # noqa: S608
                    [(pk, _tokens(codes)) for pk, codes in chunk],
                )


def candidates(kind: str, query: str, limit: int) -> list[int] | None:
    """Up to `limit` ids of `kind` whose indexed name holds every character pair of `query`
    (ascending ids); None when the query has no pair (one character): the index cannot help."""
    codes = gram_codes(query)
    if not codes:
        return None
    table = TABLES[kind][1]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT id FROM {table} WHERE grams @> %s::bigint[] LIMIT %s",  # noqa: S608
                [codes, limit],
            )
        else:
            match = " AND ".join(f'"g{code:x}"' for code in codes)
            cursor.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH %s LIMIT %s",  # noqa: S608
                [match, limit],
            )
        return [row[0] for row in cursor.fetchall()]


def clear(kinds: Iterable[str] = ("customer", "contact"), *, using: str = "default") -> None:
    """Empty the index (the records were deleted)."""
    with connections[using].cursor() as cursor:
        for kind in kinds:
            cursor.execute(f"DELETE FROM {TABLES[kind][1]}")  # noqa: S608 - our table


def rebuild(kinds: Iterable[str] = ("customer", "contact")) -> dict[str, int]:
    """Recompute the index from the names (deleted records included: the recycle bin can restore
    them). Returns the number of records indexed per kind."""
    counts = {}
    for kind in kinds:
        source, _table = TABLES[kind]
        clear([kind])
        counts[kind] = 0
        last = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, name FROM {source} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                    [last, BATCH * 4],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            index_names(kind, rows, new=True)
            counts[kind] += len(rows)
            last = rows[-1][0]
    return counts


def _reindex(kind: str):
    def receiver(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
        if raw:  # fixtures: `rebuild()` afterwards
            return
        if created or update_fields is None or "name" in update_fields:
            index_names(kind, [(instance.pk, instance.name)])

    return receiver


_on_customer_save = _reindex("customer")
_on_contact_save = _reindex("contact")


def connect() -> None:
    """Called from the app's ready(): keep the index current on every ORM save."""
    from django.db.models.signals import post_save

    from salesdesk.customers.models import Contact, Customer

    post_save.connect(_on_customer_save, sender=Customer, dispatch_uid="name_index_customer")
    post_save.connect(_on_contact_save, sender=Contact, dispatch_uid="name_index_contact")


def entries(kind: str) -> dict[int, list[int]]:
    """Every entry of the index of `kind`: id → pair codes (for checks and tests)."""
    table = TABLES[kind][1]
    key = "id" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, grams FROM {table}")  # noqa: S608 - our table
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return {pk: sorted(grams) for pk, grams in rows}
    return {pk: sorted(int(t[1:], 16) for t in grams.split()) for pk, grams in rows}
