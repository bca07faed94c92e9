"""Writes for the sales funnel (FUN-2, FUN-3); one transaction each.

Rules (as in salesdesk.customers.services): the actor must be active; an opportunity outside the
actor's scope raises `Opportunity.DoesNotExist`, a visible but read-only one PermissionDenied; bad
input raises ValidationError({field: [message]}) and changes nothing; edits, moves, wins, losses
and reopenings are optimistic-locked (a stale `expected_version` raises StaleEditError).

Every change of stage or status goes through `_transition`, which writes the StageEvent and adds
to StageStat in the same transaction (see models.StageStat): the deal's row is locked first, so
concurrent movers queue and each either wins with a fresh version or is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.changes import record_changes
from salesdesk.core.locking import StaleEditError, changes_since, check_version, save_versioned
from salesdesk.core.records import reject_unknown, require_active
from salesdesk.core.recycle import record_restore, record_soft_delete, recycle_bin
from salesdesk.customers.models import Contact, Customer
from salesdesk.org.models import User
from salesdesk.org.permissions import can_configure
from salesdesk.org.scoping import editable_by, visible_to
from salesdesk.pipeline import summaries
from salesdesk.pipeline.models import (
    Opportunity,
    OpportunityProduct,
    OpportunityStatus,
    Pipeline,
    Reason,
    Stage,
    StageEvent,
)
from salesdesk.sales.models import Channel, Partner, Product, ProductLine


def _opportunity_can_restore(instance: Opportunity) -> None:
    if Customer.all_objects.filter(pk=instance.customer_id, deleted_at__isnull=False).exists():
        raise ValidationError(_("Restore the customer first."))


recycle_bin.register(
    Opportunity,
    can_restore=_opportunity_can_restore,
    after_delete=summaries.remove_deal,
    after_restore=summaries.restore_deal,
)

# Fields callers may set on an opportunity (stage and status change through the moves).
OPPORTUNITY_FIELDS = (
    "title",
    "contact",
    "amount",
    "expected_close_date",
    "product_line",
    "competitors",
    "channel",
    "partner",
    "next_step",
    "next_activity_at",
    "lead_created_at",
)


# --- shared checks --------------------------------------------------------------------------


def _require_configure(actor: User) -> None:
    require_active(actor)
    if not can_configure(actor):
        raise PermissionDenied(_("You do not have permission to configure pipelines."))


def _editable_opportunity(actor: User, pk: int) -> Opportunity:
    require_active(actor)
    # No join in the locking query: on PostgreSQL a concurrent move changes stage_id, and the
    # re-check after the lock wait would compare it with the old joined stage row (no match).
    qs = Opportunity.objects.select_for_update()
    instance = editable_by(qs, actor).filter(pk=pk).first()
    if instance is None:
        if visible_to(Opportunity.objects.filter(pk=pk), actor).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        raise Opportunity.DoesNotExist
    return instance


# --- stage events and summaries ---------------------------------------------------------------


def _transition(
    opportunity: Opportunity,
    *,
    kind: str,
    from_stage: Stage | None,
    to_stage: Stage | None,
    actor: User | None,
    at: datetime,
) -> StageEvent:
    """Record a change of stage or status and add it to the summaries (the caller saves the
    opportunity). Reopening a won deal undoes its win in the summaries."""
    if kind == StageEvent.Kind.REOPENED and from_stage is not None:  # a won deal reopened
        summaries.undo_win(opportunity)
    seconds = None
    if from_stage is not None:
        seconds = max(0, int((at - opportunity.stage_entered_at).total_seconds()))
    cycle = total = lead = None
    lead_at = opportunity.lead_created_at
    if kind == StageEvent.Kind.WON:
        cycle = max(0, int((at - opportunity.created_at).total_seconds()))
        total = cycle if lead_at is None else max(0, int((at - lead_at).total_seconds()))
    if kind == StageEvent.Kind.CREATED and lead_at is not None:
        lead = max(0, int((opportunity.created_at - lead_at).total_seconds()))
    event = StageEvent.objects.create(
        opportunity=opportunity,
        kind=kind,
        from_stage=from_stage,
        to_stage=to_stage,
        at=at,
        actor=actor,
        owner_id=opportunity.owner_id,
        org_unit_id=opportunity.org_unit_id,
        seconds_in_stage=seconds,
        cycle_seconds=cycle,
        total_seconds=total,
        lead_seconds=lead,
    )
    summaries.add_event(event, (from_stage, to_stage))
    if to_stage is not None:
        opportunity.stage_entered_at = at
    return event


# --- reasons ---------------------------------------------------------------------------------


def _reason(kind: str, reason: Reason | int | None, note: str) -> Reason | None:
    if reason is None:
        if not note.strip() and Reason.objects.filter(kind=kind, is_active=True).exists():
            raise ValidationError({"reason": [_("Select a reason.")]})
        return None
    pk = reason.pk if isinstance(reason, Reason) else reason
    found = Reason.objects.filter(pk=pk, kind=kind, is_active=True).first()
    if found is None:
        raise ValidationError({"reason": [_("Select a valid reason.")]})
    return found


# --- opportunities ---------------------------------------------------------------------------


def _fk(model, value, field: str, *, qs=None):
    if value is None or value == "":
        return None
    if isinstance(value, model):
        value = value.pk
    qs = qs if qs is not None else model.objects.all()
    found = qs.filter(pk=value).first()
    if found is None:
        raise ValidationError({field: [_("Select a valid choice.")]})
    return found


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if amount < 0:
        raise ValidationError({field: [_("Enter a value of zero or more.")]})
    if amount >= Decimal("1e14"):
        raise ValidationError({field: [_("Enter a smaller amount.")]})
    return amount


def _apply_fields(opp: Opportunity, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name == "contact":
            value = _fk(Contact, value, "contact")
            if value is not None and value.customer_id != opp.customer_id:
                raise ValidationError({"contact": [_("Select a contact of this customer.")]})
        elif name == "product_line":
            value = _fk(ProductLine, value, "product_line")
        elif name == "channel":
            value = _fk(Channel, value, "channel")
        elif name == "partner":
            value = _fk(Partner, value, "partner")
        elif name == "amount":
            value = _money(value if value not in (None, "") else 0, "amount")
        elif isinstance(value, str):
            value = value.strip()
        setattr(opp, name, value)
    if not opp.title:
        raise ValidationError({"title": [_("Enter a title.")]})
    if opp.partner is not None and opp.channel is None:
        opp.channel_id = opp.partner.channel_id
    opp.full_clean(
        exclude=[
            "owner",
            "org_unit",
            "customer",
            "pipeline",
            "stage",
            "contact",
            "product_line",
            "channel",
            "partner",
            "reason",
        ],
        validate_unique=False,
        validate_constraints=False,
    )


def _line_items(products: Iterable[dict[str, Any]]) -> list[OpportunityProduct]:
    items = []
    for index, row in enumerate(products):
        product = _fk(Product, row.get("product"), "products")
        if product is None:
            raise ValidationError({"products": [_("Select a product on line %d.") % (index + 1)]})
        try:
            quantity = Decimal(str(row.get("quantity", 1)))
        except (InvalidOperation, ValueError):
            raise ValidationError({"products": [_("Enter a quantity.")]}) from None
        if quantity <= 0 or quantity >= Decimal("1e10"):
            raise ValidationError({"products": [_("Enter a quantity greater than zero.")]})
        price = row.get("unit_price")
        unit_price = product.list_price if price in (None, "") else _money(price, "products")
        items.append(OpportunityProduct(product=product, quantity=quantity, unit_price=unit_price))
    return items


def _save_line_items(opp: Opportunity, items: list[OpportunityProduct]) -> None:
    OpportunityProduct.objects.filter(opportunity=opp).delete()
    for item in items:
        item.opportunity = opp
    OpportunityProduct.objects.bulk_create(items)


def _default_stage(pipeline: Pipeline) -> Stage:
    stage = (
        Stage.objects.filter(
            pipeline=pipeline, is_archived=False, is_won=False, is_after_sales=False
        )
        .order_by("order", "id")
        .first()
    )
    if stage is None:
        raise ValidationError({"stage": [_("This pipeline has no open stage.")]})
    return stage


def default_pipeline() -> Pipeline | None:
    return (
        Pipeline.objects.filter(is_archived=False)
        .order_by("-is_default", "sort_order", "id")
        .first()
    )


@transaction.atomic
def opportunity_create(
    *,
    actor: User,
    customer: Customer,
    title: str,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    owner: User | None = None,
    products: Iterable[dict[str, Any]] | None = None,
    request=None,
    at: datetime | None = None,
    **fields: Any,
) -> Opportunity:
    """Create an open opportunity for a customer the actor may see, in `stage` (default: the
    pipeline's first open stage) of `pipeline` (default: the default pipeline). `amount` defaults
    to the sum of the product lines."""
    require_active(actor)
    reject_unknown(fields, OPPORTUNITY_FIELDS, "opportunity")
    if customer is None or not visible_to(Customer.objects.filter(pk=customer.pk), actor).exists():
        raise ValidationError({"customer": [_("Select a valid customer.")]})
    owner = owner or actor
    if (
        owner.pk != actor.pk
        and not visible_to(User.objects.filter(pk=owner.pk, is_active=True), actor).exists()
    ):
        raise ValidationError({"owner": [_("Select a valid user.")]})
    if owner.unit_id is None:
        raise ValidationError({"owner": [_("This user does not belong to an org unit.")]})
    if pipeline is None:
        pipeline = stage.pipeline if stage is not None else default_pipeline()
    if pipeline is None or pipeline.is_archived:
        raise ValidationError({"pipeline": [_("Select a valid pipeline.")]})
    if stage is None:
        stage = _default_stage(pipeline)
    if stage.pipeline_id != pipeline.pk or stage.is_archived:
        raise ValidationError({"stage": [_("Select a stage of this pipeline.")]})
    if stage.is_won or stage.is_after_sales:
        raise ValidationError({"stage": [_("A new deal starts in an open stage.")]})
    at = at or timezone.now()
    opp = Opportunity(
        customer=customer,
        owner=owner,
        org_unit_id=owner.unit_id,
        pipeline=pipeline,
        stage=stage,
        title=title,
        created_at=at,
        stage_entered_at=at,
    )
    items = _line_items(products or [])
    if "amount" not in fields or fields["amount"] in (None, ""):
        fields["amount"] = sum((i.line_amount for i in items), Decimal("0"))
    _apply_fields(opp, {"title": title, **fields})
    opp._history_user = actor
    opp.save()
    _save_line_items(opp, items)
    _transition(
        opp, kind=StageEvent.Kind.CREATED, from_stage=None, to_stage=stage, actor=actor, at=at
    )
    return opp


@transaction.atomic
def opportunity_update(
    *,
    actor: User,
    opportunity: Opportunity,
    expected_version: int | None = None,
    products: Iterable[dict[str, Any]] | None = None,
    request=None,
    **changes: Any,
) -> Opportunity:
    """Change fields (and, when given, the product lines) of an opportunity. With the lines, an
    empty `amount` becomes their sum (as on create)."""
    reject_unknown(changes, OPPORTUNITY_FIELDS, "opportunity")
    current = _editable_opportunity(actor, opportunity.pk)
    check_version(current, expected_version)
    items = _line_items(products) if products is not None else None
    if items is not None and "amount" in changes and changes["amount"] in (None, ""):
        changes["amount"] = sum((i.line_amount for i in items), Decimal("0"))
    _apply_fields(current, changes)
    save_versioned(
        current,
        expected_version=expected_version if expected_version is not None else current.version,
        fields=list(changes.keys()),
        actor=actor,
    )
    if items is not None:
        _save_line_items(current, items)
    return current


def _target_stage(opp: Opportunity, stage: Stage | int) -> Stage:
    pk = stage.pk if isinstance(stage, Stage) else stage
    target = Stage.objects.filter(pk=pk, pipeline_id=opp.pipeline_id, is_archived=False).first()
    if target is None:
        raise ValidationError({"stage": [_("Select a stage of this pipeline.")]})
    return target


def _save_move(opp: Opportunity, *, expected_version: int, actor: User, fields: list[str]) -> None:
    """One conditional UPDATE of the moved deal. Stage and status changes are recorded as stage
    events (the typed history of moves), not as field-history rows."""
    names = ["stage", "status", "stage_entered_at", *fields]
    values = {
        Opportunity._meta.get_field(name).attname: getattr(
            opp, Opportunity._meta.get_field(name).attname
        )
        for name in names
    }
    now = timezone.now()
    # The metric layer (D43) counts won and lost deals: only a change of status (which sets or
    # clears `closed_at`) changes its facts.
    tracked = [opp.pk] if "closed_at" in fields else []
    with record_changes.tracking(Opportunity, tracked):
        updated = Opportunity._base_manager.filter(pk=opp.pk, version=expected_version).update(
            version=F("version") + 1, updated_at=now, **values
        )
        if not updated:
            current = Opportunity._base_manager.get(pk=opp.pk)
            raise StaleEditError(current, changes_since(current, expected_version))
    opp.version = expected_version + 1
    opp.updated_at = now


def _locked(actor: User, opportunity: Opportunity, expected_version: int | None) -> Opportunity:
    current = _editable_opportunity(actor, opportunity.pk)
    check_version(current, expected_version)
    return current


@transaction.atomic
def opportunity_move_stage(
    *,
    opportunity: Opportunity,
    stage: Stage | int,
    actor: User,
    expected_version: int | None = None,
    reason: Reason | int | None = None,
    reason_note: str = "",
    request=None,
    at: datetime | None = None,
) -> Opportunity:
    """Move a deal to another stage of its pipeline. Into a won stage it is a win (a reason is
    needed when won reasons are configured); a won deal moved back to an open stage is open again;
    a lost deal must be reopened first; an open deal reaches after-sales only through a win."""
    current = _locked(actor, opportunity, expected_version)
    target = _target_stage(current, stage)
    if current.status == OpportunityStatus.LOST:
        raise ValidationError({"stage": [_("This deal is lost: reopen it first.")]})
    if target.pk == current.stage_id:
        raise ValidationError({"stage": [_("The deal is already in this stage.")]})
    if current.status == OpportunityStatus.OPEN and target.is_won:
        return _win(current, stage=target, actor=actor, reason=reason, note=reason_note, at=at)
    if current.status == OpportunityStatus.OPEN and target.is_after_sales:
        raise ValidationError({"stage": [_("Win the deal before moving it to after-sales.")]})
    at = at or timezone.now()
    from_stage = current.stage
    fields: list[str] = []
    kind = StageEvent.Kind.MOVED
    if current.status == OpportunityStatus.WON and not target.is_closed_stage:
        kind = StageEvent.Kind.REOPENED
        current.status = OpportunityStatus.OPEN
        current.reason = None
        current.reason_note = ""
        current.closed_at = None
        fields = ["reason", "reason_note", "closed_at"]
    _transition(current, kind=kind, from_stage=from_stage, to_stage=target, actor=actor, at=at)
    current.stage = target
    _save_move(current, expected_version=current.version, actor=actor, fields=fields)
    return current


def _won_stage(opp: Opportunity) -> Stage:
    stage = (
        Stage.objects.filter(pipeline_id=opp.pipeline_id, is_won=True, is_archived=False)
        .order_by("order", "id")
        .first()
    )
    if stage is None:
        raise ValidationError({"stage": [_("This pipeline has no won stage.")]})
    return stage


def _win(opp, *, stage, actor, reason, note, at) -> Opportunity:
    found = _reason(Reason.Kind.WON, reason, note)
    at = at or timezone.now()
    from_stage = opp.stage
    _transition(
        opp, kind=StageEvent.Kind.WON, from_stage=from_stage, to_stage=stage, actor=actor, at=at
    )
    opp.stage = stage
    opp.status = OpportunityStatus.WON
    opp.reason = found
    opp.reason_note = note.strip()
    opp.closed_at = at
    _save_move(
        opp,
        expected_version=opp.version,
        actor=actor,
        fields=["reason", "reason_note", "closed_at"],
    )
    return opp


@transaction.atomic
def opportunity_win(
    *,
    actor: User,
    opportunity: Opportunity,
    expected_version: int | None = None,
    reason: Reason | int | None = None,
    reason_note: str = "",
    request=None,
    at: datetime | None = None,
) -> Opportunity:
    """Mark an open deal won: it moves to the pipeline's won stage."""
    current = _locked(actor, opportunity, expected_version)
    if current.status != OpportunityStatus.OPEN:
        raise ValidationError({"status": [_("Only an open deal can be won.")]})
    return _win(
        current, stage=_won_stage(current), actor=actor, reason=reason, note=reason_note, at=at
    )


@transaction.atomic
def opportunity_lose(
    *,
    actor: User,
    opportunity: Opportunity,
    expected_version: int | None = None,
    reason: Reason | int | None = None,
    reason_note: str = "",
    request=None,
    at: datetime | None = None,
) -> Opportunity:
    """Mark an open deal lost: it stays in its stage (where the funnel lost it) with a reason."""
    current = _locked(actor, opportunity, expected_version)
    if current.status != OpportunityStatus.OPEN:
        raise ValidationError({"status": [_("Only an open deal can be lost.")]})
    found = _reason(Reason.Kind.LOST, reason, reason_note)
    at = at or timezone.now()
    _transition(
        current,
        kind=StageEvent.Kind.LOST,
        from_stage=current.stage,
        to_stage=None,
        actor=actor,
        at=at,
    )
    current.status = OpportunityStatus.LOST
    current.reason = found
    current.reason_note = reason_note.strip()
    current.closed_at = at
    _save_move(
        current,
        expected_version=current.version,
        actor=actor,
        fields=["reason", "reason_note", "closed_at"],
    )
    return current


@transaction.atomic
def opportunity_reopen(
    *,
    actor: User,
    opportunity: Opportunity,
    expected_version: int | None = None,
    stage: Stage | int | None = None,
    request=None,
    at: datetime | None = None,
) -> Opportunity:
    """Reopen a won or lost deal, in `stage` (default: the stage it was lost in, or the last
    open stage before the won stage)."""
    current = _locked(actor, opportunity, expected_version)
    if current.status == OpportunityStatus.OPEN:
        raise ValidationError({"status": [_("The deal is already open.")]})
    if stage is not None:
        target = _target_stage(current, stage)
    elif current.status == OpportunityStatus.LOST and not current.stage.is_archived:
        target = current.stage
    else:
        target = (
            Stage.objects.filter(
                pipeline_id=current.pipeline_id,
                is_archived=False,
                is_won=False,
                is_after_sales=False,
                order__lte=current.stage.order,
            )
            .order_by("-order", "-id")
            .first()
        ) or _default_stage(current.pipeline)
    if target.is_closed_stage:
        raise ValidationError({"stage": [_("Select an open stage.")]})
    at = at or timezone.now()
    from_stage = current.stage if current.status == OpportunityStatus.WON else None
    _transition(
        current,
        kind=StageEvent.Kind.REOPENED,
        from_stage=from_stage,
        to_stage=target,
        actor=actor,
        at=at,
    )
    current.stage = target
    current.status = OpportunityStatus.OPEN
    current.reason = None
    current.reason_note = ""
    current.closed_at = None
    _save_move(
        current,
        expected_version=current.version,
        actor=actor,
        fields=["reason", "reason_note", "closed_at"],
    )
    return current


def opportunity_delete(*, actor: User, opportunity: Opportunity, request=None) -> Opportunity:
    """Move an opportunity to the recycle bin (delete permission and write access needed). Its
    stage history leaves the summaries until it is restored (the recycle bin calls
    `summaries.remove_deal` / `restore_deal`)."""
    require_active(actor)
    return record_soft_delete(model=Opportunity, pk=opportunity.pk, actor=actor, request=request)


def opportunity_restore(*, actor: User, opportunity: Opportunity, request=None) -> Opportunity:
    require_active(actor)
    return record_restore(model=Opportunity, pk=opportunity.pk, actor=actor, request=request)


# --- pipelines, stages, reasons (FUN-2; can_configure) ---------------------------------------

PIPELINE_FIELDS = ("name", "name_en", "product_line", "is_default", "sort_order")
STAGE_FIELDS = ("name", "name_en", "probability", "stale_days", "is_won", "is_after_sales")
REASON_FIELDS = ("name", "name_en", "sort_order", "is_active")


def _clean_named(instance, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name == "product_line":
            value = _fk(ProductLine, value, "product_line")
        elif isinstance(value, str):
            value = value.strip()
        setattr(instance, name, value)
    if not instance.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if (
        getattr(instance, "probability", 0) is not None
        and getattr(instance, "probability", 0) > 100
    ):
        raise ValidationError({"probability": [_("Enter a percentage from 0 to 100.")]})


def _one_default(pipeline: Pipeline) -> None:
    if pipeline.is_default:
        Pipeline.objects.exclude(pk=pipeline.pk).filter(is_default=True).update(is_default=False)


@transaction.atomic
def pipeline_create(
    *, actor: User, stages: Iterable[dict[str, Any]] = (), **fields: Any
) -> Pipeline:
    """Create a pipeline, with stages when given (else a won and an after-sales stage only
    would be useless: give at least one open stage and one won stage)."""
    _require_configure(actor)
    reject_unknown(fields, PIPELINE_FIELDS, "pipeline")
    pipeline = Pipeline()
    _clean_named(pipeline, fields)
    if "sort_order" not in fields:
        pipeline.sort_order = (Pipeline.objects.aggregate(m=models.Max("sort_order"))["m"] or 0) + 1
    pipeline.save()
    _one_default(pipeline)
    for row in stages:
        stage_create(actor=actor, pipeline=pipeline, **row)
    return pipeline


@transaction.atomic
def pipeline_update(
    *, actor: User, pipeline: Pipeline, expected_version: int | None = None, **changes: Any
) -> Pipeline:
    _require_configure(actor)
    reject_unknown(changes, PIPELINE_FIELDS, "pipeline")
    current = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    check_version(current, expected_version)
    _clean_named(current, changes)
    save_versioned(current, expected_version=current.version, fields=list(changes))
    _one_default(current)
    return current


@transaction.atomic
def pipeline_archive(*, actor: User, pipeline: Pipeline, archived: bool = True) -> Pipeline:
    """Archive (hide from boards and new deals) or bring back a pipeline. Its deals keep it."""
    _require_configure(actor)
    current = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    if archived and current.is_default:
        raise ValidationError({"pipeline": [_("The default pipeline cannot be archived.")]})
    current.is_archived = archived
    current.version += 1
    current.save(update_fields=["is_archived", "version", "updated_at"])
    return current


def _validate_stage_flags(stage: Stage) -> None:
    if stage.is_won and stage.is_after_sales:
        raise ValidationError({"is_won": [_("A stage is either won or after-sales, not both.")]})
    if stage.is_won:
        stage.probability = 100
        others = Stage.objects.filter(pipeline_id=stage.pipeline_id, is_won=True, is_archived=False)
        if others.exclude(pk=stage.pk).exists():
            raise ValidationError({"is_won": [_("This pipeline already has a won stage.")]})


@transaction.atomic
def stage_create(*, actor: User, pipeline: Pipeline, **fields: Any) -> Stage:
    """Add a stage at the end of the pipeline (before its won and after-sales stages when it is
    an open stage)."""
    _require_configure(actor)
    reject_unknown(fields, STAGE_FIELDS, "stage")
    Pipeline.objects.select_for_update().filter(pk=pipeline.pk).first()
    stage = Stage(pipeline=pipeline)
    _clean_named(stage, fields)
    _validate_stage_flags(stage)
    existing = list(Stage.objects.filter(pipeline=pipeline).order_by("order", "id"))
    if stage.is_closed_stage:
        position = len(existing)
    else:
        position = next((i for i, s in enumerate(existing) if s.is_closed_stage), len(existing))
    stage.order = position
    stage.save()
    ordered = [*existing[:position], stage, *existing[position:]]
    _renumber(ordered)
    return stage


def _renumber(stages: list[Stage]) -> None:
    changed = []
    for index, stage in enumerate(stages):
        if stage.order != index:
            stage.order = index
            changed.append(stage)
    Stage.objects.bulk_update(changed, ["order"])


@transaction.atomic
def stage_update(*, actor: User, stage: Stage, **changes: Any) -> Stage:
    """Rename a stage or change its probability, stale threshold or flags. A stage holding deals
    keeps its won/after-sales flags (changing them would make those deals' status wrong)."""
    _require_configure(actor)
    reject_unknown(changes, STAGE_FIELDS, "stage")
    current = Stage.objects.select_for_update().get(pk=stage.pk)
    flags_before = (current.is_won, current.is_after_sales)
    _clean_named(current, changes)
    if (current.is_won, current.is_after_sales) != flags_before and Opportunity.all_objects.filter(
        stage=current
    ).exists():
        raise ValidationError(
            {"is_won": [_("This stage holds deals: its won and after-sales flags cannot change.")]}
        )
    _validate_stage_flags(current)
    current.save()
    return current


@transaction.atomic
def stage_reorder(*, actor: User, pipeline: Pipeline, stage_ids: list[int]) -> list[Stage]:
    """Put the pipeline's stages in the given order (every stage id once). Open stages come before
    the won stage, which comes before after-sales stages."""
    _require_configure(actor)
    Pipeline.objects.select_for_update().filter(pk=pipeline.pk).first()
    stages = {s.pk: s for s in Stage.objects.filter(pipeline=pipeline)}
    if sorted(stage_ids) != sorted(stages):
        raise ValidationError({"stages": [_("Give every stage of the pipeline once.")]})
    ordered = [stages[pk] for pk in stage_ids]
    rank = [0 if not s.is_closed_stage else (1 if s.is_won else 2) for s in ordered]
    if rank != sorted(rank):
        raise ValidationError(
            {"stages": [_("Open stages come first, then the won stage, then after-sales.")]}
        )
    _renumber(ordered)
    return ordered


@transaction.atomic
def stage_archive(
    *, actor: User, stage: Stage, move_to: Stage | None = None, archived: bool = True
) -> Stage:
    """Archive a stage (hidden from the board and from new moves). Its open deals must move:
    to `move_to` (same pipeline, same kind), each with a stage event, in this transaction; won
    and lost deals keep the stage in their history. Un-archiving (`archived=False`) brings it
    back."""
    _require_configure(actor)
    current = Stage.objects.select_for_update().get(pk=stage.pk)
    if not archived:
        current.is_archived = False
        current.save(update_fields=["is_archived", "updated_at"])
        return current
    open_deals = Opportunity.all_objects.select_for_update().filter(
        stage=current, status=OpportunityStatus.OPEN
    )
    has_open = open_deals.exists()
    if has_open:
        if move_to is None:
            raise ValidationError(
                {"move_to": [_("This stage holds open deals: choose a stage to move them to.")]}
            )
        target = Stage.objects.filter(
            pk=move_to.pk, pipeline_id=current.pipeline_id, is_archived=False
        ).first()
        if target is None or target.pk == current.pk or target.is_closed_stage:
            raise ValidationError({"move_to": [_("Select an open stage of this pipeline.")]})
        at = timezone.now()
        for opp in open_deals:
            _transition(
                opp,
                kind=StageEvent.Kind.MOVED,
                from_stage=current,
                to_stage=target,
                actor=actor,
                at=at,
            )
            opp.stage = target
            opp.version += 1
            opp._history_user = actor
            opp.save(update_fields=["stage", "stage_entered_at", "version", "updated_at"])
    current.is_archived = True
    current.save(update_fields=["is_archived", "updated_at"])
    return current


@transaction.atomic
def stage_delete(*, actor: User, stage: Stage) -> None:
    """Delete a stage that never held a deal; otherwise archive it."""
    _require_configure(actor)
    current = Stage.objects.select_for_update().get(pk=stage.pk)
    used = (
        Opportunity.all_objects.filter(stage=current).exists()
        or StageEvent.objects.filter(
            models.Q(from_stage=current) | models.Q(to_stage=current)
        ).exists()
    )
    if used:
        raise ValidationError(
            {"stage": [_("This stage has deals or history: archive it instead.")]}
        )
    current.delete()


@transaction.atomic
def reason_create(*, actor: User, kind: str, **fields: Any) -> Reason:
    _require_configure(actor)
    reject_unknown(fields, REASON_FIELDS, "reason")
    if kind not in Reason.Kind.values:
        raise ValidationError({"kind": [_("Select a valid choice.")]})
    reason = Reason(kind=kind)
    _clean_named(reason, fields)
    reason.save()
    return reason


@transaction.atomic
def reason_update(*, actor: User, reason: Reason, **changes: Any) -> Reason:
    _require_configure(actor)
    reject_unknown(changes, REASON_FIELDS, "reason")
    current = Reason.objects.select_for_update().get(pk=reason.pk)
    _clean_named(current, changes)
    current.save()
    return current
