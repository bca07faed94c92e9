"""Preparing import batches in a worker process, while the importing process writes (DAT-1).

An import spends about half its time on work that needs no database: cell length checks,
parsing and validating values, normalised duplicate keys, pinyin. An adapter that puts that work
in `prepare()` lets a large import run it in one worker process, a batch ahead of the process that
checks duplicates and writes, so the two halves overlap on two CPUs.

The worker is a fresh interpreter ("spawn": no copy of the importing process's threads, locks or
database connections) that sets up Django with the same settings module and the job's language.
It never opens a database connection. Files below `SALESDESK_IMPORT_PARALLEL_MIN_ROWS` rows
(default 10,000), `SALESDESK_IMPORT_WORKERS = 0`, or a process that may not start children (a
daemon process) prepare their batches inline: the results are the same either way.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator, Sequence

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from salesdesk.imports.readers import max_cell_chars
from salesdesk.imports.registry import EntityAdapter, RowIssue

logger = logging.getLogger(__name__)

Rows = list[tuple[int, dict[str, str]]]
Prepared = tuple[Rows, list[RowIssue], object]


def too_long(rows: Rows, names: dict[str, str], limit: int) -> list[RowIssue]:
    """An issue for every cell longer than `limit` characters."""
    return [
        RowIssue(
            number,
            names.get(f, f),
            _("The cell is too long (%(length)s characters; at most %(limit)s).")
            % {"length": len(v), "limit": limit},
        )
        for number, values in rows
        for f, v in values.items()
        if len(v) > limit
    ]


def prepare_batch(
    adapter: EntityAdapter, rows: Rows, names: dict[str, str], limit: int
) -> Prepared:
    """(rows without over-long cells, the issues for those cells, the adapter's prepared value)."""
    long_cells = too_long(rows, names, limit)
    if long_cells:
        bad = {issue.row for issue in long_cells}
        rows = [row for row in rows if row[0] not in bad]
    return rows, long_cells, adapter.prepare(rows, column_names=names)


def _worker_init(settings_module: str, language: str | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    if language:
        translation.activate(language)


def _worker_prepare(task: tuple[str, Rows, dict[str, str], int]) -> Prepared:
    from salesdesk.imports.registry import registry

    key, rows, names, limit = task
    return prepare_batch(registry.get(key), rows, names, limit)


def _worker_count(adapter: EntityAdapter, total_rows: int) -> int:
    if type(adapter).prepare is EntityAdapter.prepare:
        return 0
    if total_rows < int(getattr(settings, "SALESDESK_IMPORT_PARALLEL_MIN_ROWS", 10_000)):
        return 0
    if multiprocessing.current_process().daemon:
        return 0
    return max(0, int(getattr(settings, "SALESDESK_IMPORT_WORKERS", 1)))


def prepared_batches(
    adapter: EntityAdapter, batches: Sequence[Rows], names: dict[str, str]
) -> Iterator[Prepared]:
    """The batches, prepared in order: in a worker process when that pays, inline otherwise."""
    limit = max_cell_chars()
    workers = _worker_count(adapter, sum(len(b) for b in batches))
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE")
    if workers and settings_module:
        try:
            pool = multiprocessing.get_context("spawn").Pool(
                workers,
                initializer=_worker_init,
                initargs=(settings_module, translation.get_language()),
            )
        except OSError:
            logger.warning("Import: no worker process could be started; preparing inline.")
        else:
            with pool:  # terminates the worker however the loop ends
                tasks = ((adapter.key, rows, names, limit) for rows in batches)
                yield from pool.imap(_worker_prepare, tasks)
            return
    for rows in batches:
        yield prepare_batch(adapter, rows, names, limit)
