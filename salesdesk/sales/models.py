"""Sales catalogue shared by the funnel and the sales records: product lines and products (SAL-1),
channels and partners (SAL-5). Contracts, approvals, receivables and returns build on these."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel
from salesdesk.org.models import ScopedModel

MONEY = {"max_digits": 16, "decimal_places": 2}


class ProductLine(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A family of products (产品线); pipelines, goals and commission rules can be per line."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    # Recycle bin scope: what people in the viewer's scope deleted (no owner on catalogue rows).
    scope_owner_field = "deleted_by"
    scope_unit_field = "deleted_by__unit"

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A product or service that opportunities quote and contracts sell."""

    product_line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit of measure"), max_length=20, default="件")
    list_price = models.DecimalField(_("list price"), default=0, **MONEY)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    # Recycle bin scope: what people in the viewer's scope deleted (no owner on catalogue rows).
    scope_owner_field = "deleted_by"
    scope_unit_field = "deleted_by__unit"

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["product_line__sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class ChannelType(models.TextChoices):
    DIRECT = "direct", _("Direct sales")
    ONLINE = "online", _("Online")
    DISTRIBUTOR = "distributor", _("Distributor")
    AGENT = "agent", _("Agent")
    ECOMMERCE = "ecommerce", _("E-commerce")


class Channel(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A sales channel (渠道): how a lead, opportunity or contract reached us."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    type = models.CharField(_("channel type"), max_length=20, choices=ChannelType.choices)
    is_active = models.BooleanField(_("active"), default=True)

    scope_owner_field = "deleted_by"
    scope_unit_field = "deleted_by__unit"

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["type", "name"]

    def __str__(self) -> str:
        return self.name


class Partner(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A channel partner (distributor, agent, reseller) that brings or closes business."""

    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="partners"
    )
    name = models.CharField(_("name"), max_length=200)
    region = models.CharField(_("region"), max_length=60, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("partner manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    scope_owner_field = "deleted_by"
    scope_unit_field = "deleted_by__unit"

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- price lists (SAL-1) ----------------------------------------------------------------------


class PriceList(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """Prices valid for a period, optionally only for one channel or one customer level.

    `salesdesk.sales.selectors.price_for` picks the most specific list that applies to a sale.
    """

    name = models.CharField(_("name"), max_length=120)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="price_lists",
    )
    customer_level = models.CharField(
        _("customer level"),
        max_length=1,
        blank=True,
        help_text=_("Empty: every customer level."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    # The recycle bin lists what people in the viewer's scope deleted (catalogue records have
    # no owner): see docs/decisions.md, sales catalogue in the recycle bin.
    scope_owner_field = "deleted_by"
    scope_unit_field = "deleted_by__unit"

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["-valid_from", "name", "id"]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    price = models.DecimalField(_("price"), **MONEY)

    class Meta:
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        ordering = ["product__code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "price_list"], name="sales_pricelistitem_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.price_list_id}:{self.product_id} {self.price}"


# --- contracts (SAL-2) ------------------------------------------------------------------------


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_APPROVAL = "in_approval", _("In approval")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    VOID = "void", _("Void")


class Contract(ScopedModel):
    """A contract or order (合同/订单) with a customer; its lines make its total."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    number = models.CharField(_("contract number"), max_length=40, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        db_index=True,
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_on = models.DateField(_("start date"), null=True, blank=True)
    end_on = models.DateField(_("end date"), null=True, blank=True)
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
    )
    # The won opportunity the contract was created from (FUN-3 → SAL-2), if any.
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
    )
    total_amount = models.DecimalField(_("total amount"), default=0, **MONEY)
    notes = models.TextField(_("notes"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("completed or voided at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="sales_contract_owner_created"),
            models.Index(fields=["org_unit", "-created_at"], name="sales_contract_unit_created"),
            models.Index(fields=["customer", "-created_at"], name="sales_contract_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"

    @property
    def is_locked(self) -> bool:
        """No edits and no line changes while in approval (or once closed)."""
        return self.status in (
            ContractStatus.IN_APPROVAL,
            ContractStatus.COMPLETED,
            ContractStatus.VOID,
        )


class ContractLine(models.Model):
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=0
    )
    amount = models.DecimalField(_("line amount"), **MONEY)

    class Meta:
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        ordering = ["contract", "position", "id"]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class ContractCounter(models.Model):
    """The last sequence number used per prefix and day; locked by the numbering service."""

    prefix = models.CharField(max_length=20)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "day"], name="sales_counter_prefix_day")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.day:%Y%m%d}: {self.last}"


# --- approval chains --------------------------------------------------------------------------


class ApprovalChain(TimeStampedModel, VersionedModel):
    """Contracts whose total is at least `min_amount` need these steps approved, in order.
    The applicable chain is the active one with the highest threshold not above the total."""

    name = models.CharField(_("name"), max_length=120)
    min_amount = models.DecimalField(_("from amount"), **MONEY)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("approval chain")
        verbose_name_plural = _("approval chains")
        ordering = ["min_amount", "id"]

    def __str__(self) -> str:
        return self.name


class ApproverKind(models.TextChoices):
    ROLE = "role", _("A user with this role")
    MANAGER = "manager", _("The owner's manager")


class ApprovalStep(models.Model):
    chain = models.ForeignKey(
        ApprovalChain,
        verbose_name=_("approval chain"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(
        _("approver"), max_length=10, choices=ApproverKind.choices, default=ApproverKind.ROLE
    )
    role = models.ForeignKey(
        "org.Role",
        verbose_name=_("role"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["chain", "position"]

    def __str__(self) -> str:
        return f"{self.chain_id}#{self.position}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RECALLED = "recalled", _("Recalled")


class ContractApproval(models.Model):
    """One submission of a contract for approval, with the chain's steps as they were then.

    `current_role` / `current_approver` name who must act on the pending step (the inbox reads
    them); `steps` is a snapshot: [{"kind", "role_id", "role_name", "approver_id"}, …]."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="approvals"
    )
    chain = models.ForeignKey(
        ApprovalChain,
        verbose_name=_("approval chain"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    chain_name = models.CharField(_("approval chain"), max_length=120, blank=True)
    steps = models.JSONField(default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    current_step = models.PositiveIntegerField(_("current step"), default=0)
    current_role = models.ForeignKey(
        "org.Role", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    current_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope_owner_field = "contract__owner"
    scope_unit_field = "contract__org_unit"

    class Meta:
        verbose_name = _("contract approval")
        verbose_name_plural = _("contract approvals")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["status", "current_role"], name="sales_approval_role"),
            models.Index(fields=["status", "current_approver"], name="sales_approval_user"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.status}"


class ContractEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    SUBMITTED = "submitted", _("Submitted for approval")
    RESUBMITTED = "resubmitted", _("Resubmitted for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RECALLED = "recalled", _("Recalled")
    ACTIVATED = "activated", _("Activated")
    COMPLETED = "completed", _("Completed")
    VOIDED = "voided", _("Voided")


class ContractEvent(models.Model):
    """The status history of a contract: who did what, when, with which comment."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="events"
    )
    approval = models.ForeignKey(
        ContractApproval, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=20, choices=ContractEventKind.choices)
    step = models.PositiveIntegerField(_("step"), null=True, blank=True)
    from_status = models.CharField(_("from"), max_length=20, choices=ContractStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=ContractStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))
    comment = models.TextField(_("comment"), blank=True)

    scope_owner_field = "contract__owner"
    scope_unit_field = "contract__org_unit"

    class Meta:
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")
        ordering = ["contract", "at", "id"]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.kind}"


# --- receivables (SAL-3) ----------------------------------------------------------------------


class PaymentPlan(TimeStampedModel, VersionedModel):
    """How a contract's total is to be paid: instalments whose amounts sum to the total."""

    contract = models.OneToOneField(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="payment_plan"
    )
    notes = models.TextField(_("notes"), blank=True)

    scope_owner_field = "contract__owner"
    scope_unit_field = "contract__org_unit"

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")

    def __str__(self) -> str:
        return f"{self.contract_id}"


class Instalment(models.Model):
    plan = models.ForeignKey(
        PaymentPlan,
        verbose_name=_("payment plan"),
        on_delete=models.CASCADE,
        related_name="instalments",
    )
    # Denormalised from the plan, so receivable lists filter and scope without a join chain.
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="instalments"
    )
    position = models.PositiveIntegerField(_("instalment"))
    due_on = models.DateField(_("due on"), db_index=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_amount = models.DecimalField(_("received"), default=0, **MONEY)

    scope_owner_field = "contract__owner"
    scope_unit_field = "contract__org_unit"

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["due_on", "contract", "position"]
        indexes = [models.Index(fields=["contract", "position"], name="sales_instalment_pos")]

    def __str__(self) -> str:
        return f"{self.contract_id}#{self.position}"

    @property
    def outstanding(self):
        return self.amount - self.paid_amount


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    ACCEPTANCE = "acceptance", _("Bank acceptance bill")
    ONLINE = "online", _("Online payment")


class Payment(TimeStampedModel):
    """Money received against one instalment of a contract's payment plan (回款)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="payments"
    )
    instalment = models.ForeignKey(
        Instalment,
        verbose_name=_("instalment"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(
        _("method"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_owner_field = "contract__owner"
    scope_unit_field = "contract__org_unit"

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.amount}"


# --- returns (SAL-4) --------------------------------------------------------------------------


class SalesReturn(TimeStampedModel):
    """Goods returned against one contract line (退货): quantity and its share of the amount."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="returns"
    )
    line = models.ForeignKey(
        ContractLine,
        verbose_name=_("contract line"),
        on_delete=models.PROTECT,
        related_name="returns",
    )
    # Denormalised for the return-rate aggregates (by product, customer and rep).
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("amount"), **MONEY)
    returned_on = models.DateField(_("returned on"))
    reason = models.CharField(_("reason"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_owner_field = "contract__owner"
    scope_unit_field = "contract__org_unit"

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-returned_on", "-id"]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.product_id} × {self.quantity}"
