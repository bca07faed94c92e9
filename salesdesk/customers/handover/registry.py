"""Customer attachments: what follows a customer on handover (CUS-7) and on merge (CUS-5).

An extension point like the timeline and the inbox: each domain registers, from its own module,
one `Attachment` per kind of record that belongs to a customer, with
- `key`, `label`: for the recorded counts and the pages;
- `on_handover(*, customer_ids, from_user, to_user, actor) -> int`: moves what belonged to the
  previous owner to the new owner (e.g. open tasks; later open opportunities, receivables) and
  returns how many records moved or came along;
- `on_merge(*, source, target, actor) -> int`: re-points every row of `source` to `target` and
  returns how many moved;
- `count(customer_ids) -> int`: how many such records the customers have (previews);
- `covers`: the models (app_label.model) with a foreign key to Customer this attachment looks
  after. A test checks that every such model is covered, so a later issue cannot forget to
  register its records (a merge would otherwise leave them on the deleted duplicate).

Callables run inside the handover's or merge's transaction, after the customers are locked, and
must run a constant number of queries per call (bulk updates), whatever the number of customers.
Attachments register from `salesdesk/customers/handover/attachments.py` (the customers app's own)
and from later apps' modules imported by their AppConfig.ready() or their services module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Attachment:
    key: str
    label: Any  # a lazy translated string
    on_handover: Callable[..., int]
    on_merge: Callable[..., int]
    count: Callable[[list[int]], int] | None = None
    covers: tuple[str, ...] = field(default_factory=tuple)


class AttachmentRegistry:
    def __init__(self) -> None:
        self._attachments: dict[str, Attachment] = {}

    def register(self, attachment: Attachment) -> None:
        self._attachments[attachment.key] = attachment

    def unregister(self, key: str) -> None:
        self._attachments.pop(key, None)

    def attachments(self) -> list[Attachment]:
        return list(self._attachments.values())

    def keys(self) -> list[str]:
        return list(self._attachments)

    def label(self, key: str) -> str:
        attachment = self._attachments.get(key)
        return str(attachment.label) if attachment else key

    def covered_models(self) -> set[str]:
        return {label for a in self._attachments.values() for label in a.covers}


customer_attachments = AttachmentRegistry()
