"""Customers and relationships (CUS-1, CUS-2, CUS-8): customers, contacts, tags, follow-ups,
tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel
from salesdesk.org.models import BusinessAllManager, BusinessManager, ScopedModel

MONEY = {"max_digits": 16, "decimal_places": 2}


class CustomerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    INDIVIDUAL = "individual", _("Individual")


class CustomerLevel(models.TextChoices):
    """Customer classification (CUS-2): 大客户 / 重点 / 普通 / 潜在, shown as A/B/C/D."""

    A = "A", _("A · Key account")
    B = "B", _("B · Important")
    C = "C", _("C · Regular")
    D = "D", _("D · Potential")


class CustomerSource(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website")
    EXHIBITION = "exhibition", _("Exhibition")
    COLD_CALL = "cold_call", _("Cold call")
    ADVERTISING = "advertising", _("Advertising")
    PARTNER = "partner", _("Partner")
    SOCIAL = "social", _("Social media")
    EXISTING = "existing", _("Existing customer")
    OTHER = "other", _("Other")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    IT = "it", _("IT and software")
    FINANCE = "finance", _("Finance and insurance")
    RETAIL = "retail", _("Retail and wholesale")
    HEALTHCARE = "healthcare", _("Healthcare")
    EDUCATION = "education", _("Education")
    CONSTRUCTION = "construction", _("Construction and real estate")
    LOGISTICS = "logistics", _("Logistics")
    ENERGY = "energy", _("Energy")
    GOVERNMENT = "government", _("Government and public sector")
    MEDIA = "media", _("Media and entertainment")
    HOSPITALITY = "hospitality", _("Hospitality and catering")
    AGRICULTURE = "agriculture", _("Agriculture")
    OTHER = "other", _("Other")


class CompanySize(models.TextChoices):
    MICRO = "1-19", _("1–19 employees")
    SMALL = "20-99", _("20–99 employees")
    MEDIUM = "100-499", _("100–499 employees")
    LARGE = "500-1999", _("500–1,999 employees")
    ENTERPRISE = "2000+", _("2,000+ employees")


class AgeBand(models.TextChoices):
    UNDER_25 = "<25", _("Under 25")
    AGE_25_34 = "25-34", _("25–34")
    AGE_35_44 = "35-44", _("35–44")
    AGE_45_54 = "45-54", _("45–54")
    AGE_55_PLUS = "55+", _("55 and over")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class IncomeBand(models.TextChoices):
    LOW = "low", _("Under ¥100k a year")
    MIDDLE = "middle", _("¥100k–300k a year")
    UPPER_MIDDLE = "upper_middle", _("¥300k–1m a year")
    HIGH = "high", _("Over ¥1m a year")


class Tag(TimeStampedModel):
    """A psychographic tag (interests, values, lifestyle) or a free label on customers."""

    class Category(models.TextChoices):
        INTEREST = "interest", _("Interest")
        VALUE = "value", _("Value")
        LIFESTYLE = "lifestyle", _("Lifestyle")
        LABEL = "label", _("Label")

    name = models.CharField(_("name"), max_length=40)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.LABEL
    )

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="customers_tag_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Customer(ScopedModel):
    """A company or individual customer with the four kinds of segmentation fields (CUS-1).

    A customer in a public pool (CUS-6) has no owner (`owner` NULL, `pool` set) and keeps its
    org unit; see salesdesk.customers.pool."""

    # The owner, unit and pool columns lead composite indexes (Meta.indexes), which serve the
    # lookups a single-column index would: no separate index to maintain on every insert.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=CustomerKind.choices, default=CustomerKind.COMPANY
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    code = models.CharField(_("customer number"), max_length=40, blank=True)
    level = models.CharField(
        _("level"), max_length=1, choices=CustomerLevel.choices, default=CustomerLevel.D
    )
    level_locked = models.BooleanField(
        _("level set by hand"),
        default=False,
        help_text=_("When set, the periodic RFM classification does not change the level."),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=CustomerSource.choices, blank=True
    )
    # Geography
    province = models.CharField(_("province"), max_length=30, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    district = models.CharField(_("district"), max_length=30, blank=True)
    region = models.CharField(_("sales region"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Firmographics (companies) and demographics (individuals)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    company_size = models.CharField(
        _("company size"), max_length=10, choices=CompanySize.choices, blank=True
    )
    annual_revenue = models.DecimalField(_("annual revenue"), null=True, blank=True, **MONEY)
    age_band = models.CharField(_("age band"), max_length=6, choices=AgeBand.choices, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    income_band = models.CharField(
        _("income band"), max_length=14, choices=IncomeBand.choices, blank=True
    )
    # Identity and contact channels
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    # Psychographics
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    needs = models.TextField(_("needs and pain points"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Behaviour: imported or entered by hand, or computed from the sales records by the daily job
    # (salesdesk.customers.purchase_facts; D42), which then sets purchases_from_contracts.
    first_purchase_at = models.DateField(_("first purchase"), null=True, blank=True)
    last_purchase_at = models.DateField(_("last purchase"), null=True, blank=True)
    purchase_count = models.PositiveIntegerField(_("purchases"), default=0)
    purchase_value = models.DecimalField(_("purchase value"), default=0, **MONEY)
    paid_value = models.DecimalField(_("payments received"), default=0, **MONEY)
    purchases_from_contracts = models.BooleanField(
        _("purchases from contracts"),
        default=False,
        help_text=_(
            "Set by the daily job when the purchase figures come from the customer's contracts."
        ),
    )
    rfm_recency = models.PositiveSmallIntegerField(_("R score"), null=True, blank=True)
    rfm_frequency = models.PositiveSmallIntegerField(_("F score"), null=True, blank=True)
    rfm_monetary = models.PositiveSmallIntegerField(_("M score"), null=True, blank=True)
    rfm_scored_at = models.DateTimeField(_("RFM computed at"), null=True, blank=True)
    # Follow-up rhythm
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    # Return-visit rhythm (CUS-9; see salesdesk.customers.visits.services)
    last_visit_at = models.DateTimeField(_("last return visit"), null=True, blank=True)
    next_visit_due = models.DateField(_("next return visit due"), null=True, blank=True)
    # Public pool (CUS-6): auto-return clocks start at max(owned_since, last follow-up).
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    pool = models.ForeignKey(
        "customers.Pool",
        verbose_name=_("public pool"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        db_index=False,
    )
    pooled_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Normalised keys for duplicate checks (CUS-5) and search (pinyin, initials)
    name_key = models.CharField(max_length=200, editable=False, db_index=True, default="")
    phone_key = models.CharField(max_length=40, editable=False, db_index=True, default="")
    email_key = models.CharField(max_length=254, editable=False, db_index=True, default="")
    credit_code_key = models.CharField(max_length=18, editable=False, db_index=True, default="")
    name_pinyin = models.CharField(max_length=300, editable=False, db_index=True, default="")
    name_initials = models.CharField(max_length=100, editable=False, db_index=True, default="")

    history = HistoricalRecords(
        excluded_fields=[
            "name_key",
            "phone_key",
            "email_key",
            "credit_code_key",
            "name_pinyin",
            "name_initials",
            "updated_at",
            "last_follow_up_at",
            "rfm_scored_at",
            "paid_value",
            "purchases_from_contracts",
            "last_visit_at",
            "next_visit_due",
        ],
        # History is read per customer (id) and by date; indexes on its other foreign keys
        # would only slow down every write.
        no_db_index=["owner", "org_unit", "previous_owner", "pool", "deleted_by", "deleted_at"],
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="cust_owner_created"),
            models.Index(fields=["org_unit", "-created_at"], name="cust_unit_created"),
            models.Index(fields=["owner", "next_follow_up_at"], name="cust_owner_next_fu"),
            models.Index(fields=["level", "-created_at"], name="cust_level_created"),
            # scoped lists filtered by level: a director's unit list, a rep's own list
            models.Index(fields=["org_unit", "level", "-created_at"], name="cust_unit_level"),
            models.Index(fields=["owner", "level", "-created_at"], name="cust_owner_level"),
            # due and overdue return visits (CUS-9)
            models.Index(fields=["owner", "next_visit_due"], name="cust_owner_visit_due"),
            models.Index(fields=["org_unit", "next_visit_due"], name="cust_unit_visit_due"),
            models.Index(fields=["next_visit_due"], name="cust_visit_due"),
            models.Index(fields=["pool", "-pooled_at"], name="cust_pool_pooled"),
        ]

    def __str__(self) -> str:
        return self.name


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    CHAMPION = "champion", _("Champion")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    OTHER = "other", _("Other")


class Contact(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A person at a customer. Visibility follows the customer (and shares of the customer)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=80)
    title = models.CharField(_("job title"), max_length=80, blank=True)
    department = models.CharField(_("department"), max_length=80, blank=True)
    decision_role = models.CharField(
        _("decision role"), max_length=20, choices=DecisionRole.choices, blank=True
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    phone = models.CharField(_("office phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    mobile_key = models.CharField(max_length=40, editable=False, db_index=True, default="")
    email_key = models.CharField(max_length=254, editable=False, db_index=True, default="")
    name_pinyin = models.CharField(max_length=300, editable=False, db_index=True, default="")
    name_initials = models.CharField(max_length=100, editable=False, db_index=True, default="")

    objects = BusinessManager()
    all_objects = BusinessAllManager()
    history = HistoricalRecords(
        excluded_fields=["mobile_key", "email_key", "name_pinyin", "name_initials", "updated_at"],
        no_db_index=["deleted_by", "deleted_at"],
    )

    # Scoping through the customer: its owner, unit and shares decide who sees the contact.
    scope_owner_field = "customer__owner"
    scope_unit_field = "customer__org_unit"
    scope_share_via = "customer"

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_primary=True, deleted_at__isnull=True),
                name="contact_one_primary_per_customer",
            )
        ]

    def __str__(self) -> str:
        return self.name


class FollowUpKind(models.TextChoices):
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class FollowUp(TimeStampedModel, SoftDeleteModel):
    """A follow-up record (跟进记录, CUS-8): what happened with a customer, and what comes next."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("type"), max_length=12, choices=FollowUpKind.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    content = models.TextField(_("content"))
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("contacts"), blank=True, related_name="follow_ups"
    )
    next_contact_at = models.DateTimeField(_("next contact"), null=True, blank=True)

    objects = BusinessManager()
    all_objects = BusinessAllManager()

    scope_owner_field = "customer__owner"
    scope_unit_field = "customer__org_unit"
    scope_share_via = "customer"

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="followup_customer_time"),
            models.Index(fields=["author", "-occurred_at"], name="followup_author_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class Task(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A to-do of one user (the to-do inbox), e.g. the next contact planned in a follow-up."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Added by hand")
        FOLLOW_UP = "follow_up", _("Next contact from a follow-up")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    title = models.CharField(_("title"), max_length=200)
    due_at = models.DateTimeField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=12, choices=Source.choices, default=Source.MANUAL
    )

    objects = BusinessManager()
    all_objects = BusinessAllManager()

    scope_owner_field = "owner"
    scope_unit_field = "org_unit"

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        base_manager_name = "all_objects"
        indexes = [models.Index(fields=["owner", "done_at", "due_at"], name="task_owner_open_due")]

    def __str__(self) -> str:
        return self.title


# Sub-domains of the customers app (their models belong to this app).
from salesdesk.customers.care import models as _care_models  # noqa: E402,F401
from salesdesk.customers.feedback import models as _feedback_models  # noqa: E402,F401
from salesdesk.customers.handover.models import *  # noqa: E402,F403 - registers the models
from salesdesk.customers.pool.models import *  # noqa: E402, F403 - registers the public pool models
from salesdesk.customers.segments.models import Segment  # noqa: E402, F401 - segments (CUS-3)
from salesdesk.customers.visits import models as _visit_models  # noqa: E402,F401
