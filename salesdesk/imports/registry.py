"""Entity adapters: what an import of one record type needs (columns, validation, bulk writes).

An app plugs an entity in by subclassing `EntityAdapter` in its `imports` module and calling
`registry.register(adapter)`; `load_adapters()` (run by the imports app's ready()) imports every
installed app's `imports` module. Adapters validate a batch of rows and write the valid ones in
bulk; the pipeline (salesdesk.imports.services) reads files, maps columns, batches, keeps the
transaction (all-or-nothing or per batch), progress and the error report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Column:
    """One importable column. `label` is a lazy English msgid; aliases are extra header names."""

    field: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    # For the template's "allowed values" sheet: a callable returning [(code, label), ...].
    choices: Callable[[], Sequence[tuple[str, Any]]] | None = None
    help: Any = ""


@dataclass
class RowIssue:
    """A problem with one row: an error (the row is not imported) or a note why it was skipped."""

    row: int
    column: str
    message: str
    skipped: bool = False


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    issues: list[RowIssue] = field(default_factory=list)

    @property
    def error_rows(self) -> set[int]:
        return {i.row for i in self.issues if not i.skipped}

    def add(self, other: BatchResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.skipped += other.skipped
        self.issues.extend(other.issues)


class EntityAdapter:
    """Base class of the adapters. Subclasses set `key`, `label`, `columns` and `process`."""

    key: str = ""
    label: Any = ""
    columns: Sequence[Column] = ()
    batch_size: int = 1000

    def can_import(self, user) -> bool:
        return bool(user is not None and user.is_authenticated and user.is_active)

    def column(self, field_name: str) -> Column | None:
        return next((c for c in self.columns if c.field == field_name), None)

    def begin(self, *, actor, policy: str) -> dict:
        """File-wide state shared by the batches of one run (e.g. keys seen in earlier rows)."""
        return {}

    def prepare(self, rows: list[tuple[int, dict[str, str]]], *, column_names: dict[str, str]):
        """Optional: the part of a batch's work that needs no database (parsing, validation,
        normalised keys), returned as a picklable value that `process` gets as `prepared`.
        Large imports run it in a worker process, a batch ahead (salesdesk.imports.parallel).
        The default, None, means the adapter does everything in `process`."""
        return None

    def process(
        self,
        rows: list[tuple[int, dict[str, str]]],
        *,
        actor,
        policy: str,
        state: dict,
        dry_run: bool,
        column_names: dict[str, str],
        prepared=None,
    ) -> BatchResult:
        """Validate and (unless dry_run) write one batch of rows given as {field: text}.
        `column_names` maps fields to the file's header names, for the messages; `prepared` is
        what `prepare` returned for these rows (None when it was not called)."""
        raise NotImplementedError


class Registry:
    def __init__(self) -> None:
        self._adapters: dict[str, EntityAdapter] = {}

    def register(self, adapter: EntityAdapter) -> None:
        self._adapters[adapter.key] = adapter

    def get(self, key: str) -> EntityAdapter:
        from django.core.exceptions import ValidationError

        try:
            return self._adapters[key]
        except KeyError:
            raise ValidationError(_("Unknown record type.")) from None

    def keys(self) -> list[str]:
        return sorted(self._adapters)

    def adapters(self) -> list[EntityAdapter]:
        return [self._adapters[k] for k in self.keys()]


registry = Registry()


def load_adapters() -> None:
    autodiscover_modules("imports")
