"""Customer import (DAT-1, CUS-5): customers with tags and a primary contact, in bulk.

The same rules as salesdesk.customers.services (required name, lengths, choices, email, credit
code, owner) applied row by row without per-row queries: a batch costs one IN query per key kind
for the duplicate check (credit code, phone, email, name; contacts' mobile and email), one for the
owners, one for the tags, then bulk inserts and updates with field history.

Duplicate policy:
- skip: a row matching any live customer (in scope or not) is skipped and reported;
- update: the match is looked up by credit code, then phone, then name, then email, only among
  the customers the importer may edit; a match outside that scope is an error, never touched;
- create: rows are created even if similar customers exist, except when the unified social
  credit code matches (the same legal entity is never created twice, as in the form).
Within one file, a row repeating the keys of an earlier row is skipped (skip, update).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from simple_history.utils import bulk_update_with_history

from salesdesk.core.bulk import (
    Adapter,
    insert_history,
    insert_history_rows,
    insert_objects,
    insert_rows,
    reserve_ids,
)
from salesdesk.core.changes import record_changes
from salesdesk.customers import name_index
from salesdesk.customers.duplicates import MIN_PHONE_DIGITS, mask_person
from salesdesk.customers.models import (
    AgeBand,
    CompanySize,
    Contact,
    Customer,
    CustomerKind,
    CustomerLevel,
    CustomerSource,
    Gender,
    IncomeBand,
    Industry,
    Tag,
)
from salesdesk.customers.normalize import (
    CREDIT_CODE_RE,
    normalize_credit_code,
    normalize_email,
    normalize_name,
    normalize_phone,
    pinyin_keys,
)
from salesdesk.imports.models import DuplicatePolicy
from salesdesk.imports.registry import BatchResult, Column, EntityAdapter, RowIssue, registry
from salesdesk.org.models import DataScope, User
from salesdesk.org.scoping import editable_by, visible_to

# Extra words people write for choice values, besides codes and the zh/en labels.
CHOICE_ALIASES = {
    "kind": {"公司": "company", "企业": "company", "单位": "company", "个人": "individual"},
    "level": {
        "大客户": "A",
        "重点": "B",
        "重点客户": "B",
        "普通": "C",
        "普通客户": "C",
        "潜在": "D",
        "潜在客户": "D",
    },
    "gender": {"男": "male", "女": "female", "m": "male", "f": "female"},
    "source": {
        "转介绍": "referral",
        "介绍": "referral",
        "推荐": "referral",
        "官网": "website",
        "网站": "website",
        "展会": "exhibition",
        "陌拜": "cold_call",
        "电话": "cold_call",
        "广告": "advertising",
        "合作伙伴": "partner",
        "渠道": "partner",
        "社交媒体": "social",
        "老客户": "existing",
        "其他": "other",
    },
    "industry": {
        "制造": "manufacturing",
        "制造业": "manufacturing",
        "it": "it",
        "软件": "it",
        "互联网": "it",
        "金融": "finance",
        "保险": "finance",
        "零售": "retail",
        "批发": "retail",
        "医疗": "healthcare",
        "教育": "education",
        "建筑": "construction",
        "房地产": "construction",
        "物流": "logistics",
        "能源": "energy",
        "政府": "government",
        "媒体": "media",
        "酒店": "hospitality",
        "餐饮": "hospitality",
        "农业": "agriculture",
        "其他": "other",
    },
}

CHOICES = {
    "kind": CustomerKind,
    "level": CustomerLevel,
    "source": CustomerSource,
    "industry": Industry,
    "company_size": CompanySize,
    "age_band": AgeBand,
    "gender": Gender,
    "income_band": IncomeBand,
}


def _c(field, label, *aliases, required=False, example="", help=""):
    choices = CHOICES.get(field)
    return Column(
        field,
        label,
        tuple(aliases),
        required,
        example,
        (lambda: choices.choices) if choices else None,
        help,
    )


COLUMNS = (
    _c(
        "name",
        _l("Customer name"),
        "客户名称",
        "客户名",
        "名称",
        "公司名称",
        "企业名称",
        "company",
        "company name",
        "customer",
        required=True,
        example="北京星辰科技有限公司",
    ),
    _c("kind", _l("Customer type"), "客户类型", "类型", "type", example="公司"),
    _c("short_name", _l("Short name"), "简称", "客户简称", example="星辰科技"),
    _c("code", _l("Customer number"), "客户编号", "编号", example="C-0001"),
    _c("level", _l("Level"), "客户等级", "等级", "级别", example="B"),
    _c("source", _l("Source"), "客户来源", "来源", example="referral"),
    _c("province", _l("Province"), "省份", "省", example="北京"),
    _c("city", _l("City"), "城市", "市", example="北京"),
    _c("district", _l("District"), "区县", "区", example="海淀区"),
    _c("region", _l("Sales region"), "销售区域", "区域", "region", example="华北"),
    _c("address", _l("Address"), "地址", "详细地址", example="中关村大街1号"),
    _c("industry", _l("Industry"), "行业", "所属行业", example="it"),
    _c("company_size", _l("Company size"), "公司规模", "规模", "人员规模", example="100-499"),
    _c(
        "annual_revenue",
        _l("Annual revenue"),
        "年营业额",
        "年收入",
        "营业额",
        example="5000000",
        help=_l("A number of yuan, zero or more."),
    ),
    _c("age_band", _l("Age band"), "年龄段", "年龄"),
    _c("gender", _l("Gender"), "性别"),
    _c("income_band", _l("Income band"), "收入水平", "收入段"),
    _c(
        "credit_code",
        _l("Unified social credit code"),
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "credit code",
        "uscc",
        example="91110108MA01ABCD2X",
        help=_l("18 characters: digits and capital letters except I, O, S, V and Z."),
    ),
    _c(
        "phone",
        _l("Phone"),
        "电话",
        "联系电话",
        "公司电话",
        "座机",
        "tel",
        "telephone",
        example="010-82345678",
    ),
    _c(
        "email",
        _l("Email"),
        "邮箱",
        "电子邮件",
        "电子邮箱",
        "e-mail",
        "mail",
        example="info@example.com",
    ),
    _c("website", _l("Website"), "网站", "网址", "官网", example="www.example.com"),
    _c(
        "tags",
        _l("Tags"),
        "标签",
        example="华北重点, 展会",
        help=_l("Several tags separated by commas."),
    ),
    _c("needs", _l("Needs and pain points"), "需求", "痛点", "需求与痛点", "需求和痛点"),
    _c("notes", _l("Notes"), "备注", "说明"),
    _c(
        "first_purchase_at",
        _l("First purchase"),
        "首次购买",
        "首次购买日期",
        help=_l("A date: YYYY-MM-DD."),
    ),
    _c(
        "last_purchase_at",
        _l("Last purchase"),
        "最近购买",
        "最近购买日期",
        "最后购买日期",
        help=_l("A date: YYYY-MM-DD."),
    ),
    _c("purchase_count", _l("Purchases"), "购买次数", help=_l("A whole number, zero or more.")),
    _c(
        "purchase_value",
        _l("Purchase value"),
        "购买金额",
        "累计购买金额",
        help=_l("A number of yuan, zero or more."),
    ),
    _c(
        "owner",
        _l("Owner (username)"),
        "负责人",
        "负责人用户名",
        "owner username",
        "所有者",
        help=_l("The username of a colleague you may assign customers to; empty: you."),
    ),
    _c(
        "contact_name",
        _l("Contact name"),
        "联系人",
        "联系人姓名",
        "主要联系人",
        "contact",
        example="张伟",
    ),
    _c(
        "contact_mobile",
        _l("Contact mobile"),
        "联系人手机",
        "手机",
        "手机号",
        "手机号码",
        "mobile",
        example="13800138000",
    ),
    _c(
        "contact_email",
        _l("Contact email"),
        "联系人邮箱",
        "联系人电子邮件",
        example="zhang.wei@example.com",
    ),
    _c(
        "contact_title",
        _l("Contact job title"),
        "联系人职务",
        "职务",
        "职位",
        "title",
        example="采购经理",
    ),
)

TEXT_FIELDS = (
    "short_name",
    "code",
    "province",
    "city",
    "district",
    "region",
    "address",
    "website",
    "needs",
    "notes",
)
CONTACT_FIELDS = ("contact_name", "contact_mobile", "contact_email", "contact_title")
# The fields a row may set on a new customer, and the columns of the tuples it is written as.
DATE_FIELDS = ("first_purchase_at", "last_purchase_at")
CREATE_FIELDS = (
    "name",
    *TEXT_FIELDS,
    *CHOICES,
    "phone",
    "email",
    "credit_code",
    "annual_revenue",
    "purchase_value",
    "purchase_count",
    *DATE_FIELDS,
)
CUSTOMER_COLUMNS = (
    "id",
    "owner_id",
    "org_unit_id",
    "created_at",
    "updated_at",
    "level_locked",
    "name_key",
    "phone_key",
    "email_key",
    "credit_code_key",
    "name_pinyin",
    "name_initials",
    *CREATE_FIELDS,
)
CONTACT_COLUMNS = (
    "id",
    "customer_id",
    "is_primary",
    "created_at",
    "updated_at",
    "name",
    "mobile",
    "email",
    "title",
    "mobile_key",
    "email_key",
    "name_pinyin",
    "name_initials",
)
MATCH_ORDER = ("credit_code", "phone", "name", "email")
# history_change_reason of the field-history rows an import writes.
HISTORY_REASON = "import"
_TAG_SPLIT = re.compile(r"[,，;；、|/\n]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_MONEY_NOISE = re.compile(r"[,，\s¥￥元]|^RMB|^CNY", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    return re.sub(r"[\s_\-·.]+", "", unicodedata.normalize("NFKC", str(text)).lower())


_choice_cache: dict[str, dict[str, str]] = {}


def choice_lookup(field: str) -> dict[str, str]:
    """{normalised code, English label, Chinese label, part of a label: code} for one field
    (the same whatever the active language, as both languages' labels are in it)."""
    cached = _choice_cache.get(field)
    if cached is not None:
        return cached
    lookup: dict[str, str] = {}
    for code, label in CHOICES[field].choices:
        names = {code}
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                text = str(label)
            names.add(text)
            names.update(part for part in re.split(r"\s*·\s*", text) if part)
        for name in names:
            lookup.setdefault(_key(name), code)
    for alias, code in CHOICE_ALIASES.get(field, {}).items():
        lookup.setdefault(_key(alias), code)
    _choice_cache[field] = lookup
    return lookup


def _field_defaults(model, fields) -> list:
    """The default values of `fields`, as a new instance would have them."""
    return [model._meta.get_field(f).get_default() for f in fields]


@lru_cache(maxsize=256)
def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _parse_decimal(text: str) -> Decimal | None:
    cleaned = _MONEY_NOISE.sub("", unicodedata.normalize("NFKC", text))
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return value


def _parse_date(text: str) -> date | None:
    match = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


_in_templates: dict[tuple, str] = {}


def _rows_in(key: tuple, make_queryset, values) -> list[tuple]:
    """The rows of `make_queryset(values)` (a values_list with one `__in` filter), without the
    ORM preparing each of the thousands of values: the SQL the ORM writes for one value is kept
    per (query, database vendor) and its `IN (%s)` widened to all of them (`= ANY(array)` on
    PostgreSQL). Same SQL, same order, same managers (deleted rows excluded) as the queryset
    itself."""
    values = list(values)
    cache_key = (*key, connection.vendor)
    template = _in_templates.get(cache_key)
    if template is None:
        sql, params = make_queryset(["\x00"]).query.sql_with_params()
        if tuple(params) != ("\x00",) or sql.count("IN (%s)") != 1:
            return list(make_queryset(values))  # not the expected shape: let the ORM do it
        template = _in_templates[cache_key] = sql
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter: psycopg splits a query with thousands of placeholders on the
            # client, which cost more than the query itself (D40).
            cursor.execute(template.replace("IN (%s)", "= ANY(%s)"), [values])
        else:
            marks = ", ".join(["%s"] * len(values))
            cursor.execute(template.replace("IN (%s)", f"IN ({marks})"), values)
        return cursor.fetchall()


class CustomerImport(EntityAdapter):
    key = "customers"
    label = _l("Customers")
    columns = COLUMNS
    batch_size = 2000

    # --- validation ---------------------------------------------------------------------------

    def clean_row(self, number: int, values: dict[str, str], names: dict[str, str]):
        """(cleaned values, issues) for one row; no queries."""
        issues: list[RowIssue] = []
        out: dict = {}

        def error(field: str, message: str) -> None:
            issues.append(RowIssue(number, names.get(field, field), message))

        name = values.get("name", "").strip()
        if not name:
            error("name", _("Enter the customer's name."))
        for field in ("name", *TEXT_FIELDS):
            text = values.get(field, "").strip()
            if field in values and text:
                limit = _max_length(Customer, field)
                if limit and len(text) > limit:
                    error(
                        field,
                        _("Ensure this value has at most %(limit)s characters.") % {"limit": limit},
                    )
                out[field] = text
        for field in CHOICES:
            text = values.get(field, "").strip()
            if text:
                code = choice_lookup(field).get(_key(text))
                if code is None:
                    error(
                        field,
                        _(
                            "“%(value)s” is not one of the allowed values; see the "
                            "template's list of allowed values."
                        )
                        % {"value": text[:50]},
                    )
                else:
                    out[field] = code
        phone = values.get("phone", "").strip()
        if phone:
            if len(phone) > _max_length(Customer, "phone"):
                error(
                    "phone",
                    _("Ensure this value has at most %(limit)s characters.")
                    % {"limit": _max_length(Customer, "phone")},
                )
            elif not re.search(r"\d", phone):
                error("phone", _("Enter a valid phone number."))
            out["phone"] = phone
        for field, model, model_field in (
            ("email", Customer, "email"),
            ("contact_email", Contact, "email"),
        ):
            email = values.get(field, "").strip()
            if email:
                try:
                    if len(email) > _max_length(model, model_field):
                        raise ValidationError("")
                    validate_email(email)
                    out[field] = email
                except ValidationError:
                    error(field, _("Enter a valid email address."))
        credit = values.get("credit_code", "").strip()
        if credit:
            credit = normalize_credit_code(credit)
            if not CREDIT_CODE_RE.match(credit):
                error("credit_code", _("Enter a valid unified social credit code (18 characters)."))
            out["credit_code"] = credit
        for field in ("annual_revenue", "purchase_value"):
            text = values.get(field, "").strip()
            if text:
                value = _parse_decimal(text)
                if value is None:
                    error(field, _("Enter a number."))
                elif value < 0:
                    error(field, _("Enter a value of zero or more."))
                elif value >= Decimal("1e14"):
                    error(field, _("The number is too large."))
                else:
                    out[field] = value.quantize(Decimal("0.01"))
        text = values.get("purchase_count", "").strip()
        if text:
            value = _parse_decimal(text)
            if value is None or value != value.to_integral_value():
                error("purchase_count", _("Enter a whole number."))
            elif value < 0 or value > 2_000_000_000:
                error("purchase_count", _("Enter a value of zero or more."))
            else:
                out["purchase_count"] = int(value)
        for field in ("first_purchase_at", "last_purchase_at"):
            text = values.get(field, "").strip()
            if text:
                value = _parse_date(text)
                if value is None:
                    error(field, _("Enter a valid date (YYYY-MM-DD)."))
                else:
                    out[field] = value
        if (
            out.get("first_purchase_at")
            and out.get("last_purchase_at")
            and out["first_purchase_at"] > out["last_purchase_at"]
        ):
            error("last_purchase_at", _("The last purchase is before the first purchase."))
        tags_text = values.get("tags", "").strip()
        if tags_text:
            tags = []
            for tag in _TAG_SPLIT.split(tags_text):
                tag = tag.strip()
                if not tag:
                    continue
                if len(tag) > _max_length(Tag, "name"):
                    error(
                        "tags",
                        _("A tag has at most %(limit)s characters.")
                        % {"limit": _max_length(Tag, "name")},
                    )
                    break
                if tag not in tags:
                    tags.append(tag)
            if len(tags) > 50:
                error("tags", _("At most 50 tags per customer."))
            out["tags"] = tags
        owner = values.get("owner", "").strip()
        if owner:
            out["owner"] = owner
        contact_name = values.get("contact_name", "").strip()
        for field, model_field in (
            ("contact_name", "name"),
            ("contact_mobile", "mobile"),
            ("contact_title", "title"),
        ):
            text = values.get(field, "").strip()
            if text:
                limit = _max_length(Contact, model_field)
                if len(text) > limit:
                    error(
                        field,
                        _("Ensure this value has at most %(limit)s characters.") % {"limit": limit},
                    )
                out[field] = text
        if not contact_name and any(out.get(f) for f in CONTACT_FIELDS):
            error("contact_name", _("Enter the contact's name."))
        if name:
            phone_key = normalize_phone(phone) if phone else ""
            out["keys"] = {
                "credit_code": out.get("credit_code", ""),
                "phone": phone_key if len(phone_key) >= MIN_PHONE_DIGITS else "",
                "email": normalize_email(out.get("email", "")),
                "name": normalize_name(name),
            }
            out["phone_key"] = phone_key
        return out, issues

    def _derive(self, out: dict) -> None:
        """The search keys a created customer and its contact store, computed once per row
        (in `prepare`, possibly in a worker process)."""
        out["name_pinyin"], out["name_initials"] = pinyin_keys(out["name"])
        if out.get("contact_name"):
            out["contact_mobile_key"] = normalize_phone(out.get("contact_mobile", ""))
            out["contact_email_key"] = normalize_email(out.get("contact_email", ""))
            out["contact_pinyin"] = pinyin_keys(out["contact_name"])

    # --- batch --------------------------------------------------------------------------------

    def begin(self, *, actor, policy: str) -> dict:
        return {"seen": {}, "owners": {}, "tags": {}}

    def _owners(self, actor, usernames: set[str], state: dict) -> dict[str, User | str]:
        """username → User, or the translated reason it cannot be used."""
        owners = state["owners"]
        missing = {u for u in usernames if u not in owners}
        if missing:
            found = {u.username: u for u in User.objects.filter(username__in=missing)}
            allowed = set(
                visible_to(
                    User.objects.filter(pk__in=[u.pk for u in found.values()]), actor
                ).values_list("pk", flat=True)
            )
            for username in missing:
                user = found.get(username)
                if user is None or (user.pk not in allowed and user.pk != actor.pk):
                    owners[username] = _(
                        "No user “%(username)s” that you may assign customers to."
                    ) % {"username": username[:50]}
                elif actor.data_scope == DataScope.OWN and user.pk != actor.pk:
                    owners[username] = _("You may only import customers for yourself.")
                elif not user.is_active:
                    owners[username] = _("This user is deactivated.")
                elif user.unit_id is None:
                    owners[username] = _("This user does not belong to an org unit.")
                else:
                    owners[username] = user
        return {u: owners[u] for u in usernames}

    def _existing(self, actor, keys_by_kind: dict[str, set[str]]):
        """Live customers matching the batch's keys: {kind: {key: [customer ids]}}, plus which
        of them the actor may see and edit, and the owner names for masked messages."""
        hits: dict[str, dict[str, list[int]]] = {kind: {} for kind in MATCH_ORDER}
        info: dict[int, tuple[str, str]] = {}
        for kind in MATCH_ORDER:
            keys = keys_by_kind.get(kind)
            if not keys:
                continue
            for pk, key, name, owner in _rows_in(
                (Customer, kind),
                lambda values, kind=kind: Customer.objects.filter(
                    **{f"{kind}_key__in": values}
                ).values_list("pk", f"{kind}_key", "name", "owner__display_name"),
                keys,
            ):
                hits[kind].setdefault(key, []).append(pk)
                info[pk] = (name, owner)
        for kind, contact_field in (("phone", "mobile_key"), ("email", "email_key")):
            keys = keys_by_kind.get(kind)
            if not keys:
                continue
            for pk, key, name, owner in _rows_in(
                (Contact, kind),
                lambda values, field=contact_field: Contact.objects.filter(
                    **{f"{field}__in": values}
                ).values_list(
                    "customer_id", field, "customer__name", "customer__owner__display_name"
                ),
                keys,
            ):
                pks = hits[kind].setdefault(key, [])
                if pk not in pks:
                    pks.append(pk)
                info[pk] = (name, owner)
        ids = list(info)
        visible = editable = set()
        if ids:
            visible = set(
                visible_to(Customer.objects.filter(pk__in=ids), actor).values_list("pk", flat=True)
            )
            editable = set(
                editable_by(Customer.objects.filter(pk__in=ids), actor).values_list("pk", flat=True)
            )
        return hits, info, visible, editable

    def _what(self, kind: str) -> str:
        return {
            "credit_code": _("unified social credit code"),
            "phone": _("phone"),
            "email": _("email"),
            "name": _("name"),
        }[kind]

    def prepare(self, rows, *, column_names):
        """Validation and search keys of a batch, without queries: (cleaned rows, issues)."""
        cleaned: list[tuple[int, dict]] = []
        issues: list[RowIssue] = []
        for number, values in rows:
            out, row_issues = self.clean_row(number, values, column_names)
            if row_issues:
                issues.extend(row_issues)
            else:
                self._derive(out)
                cleaned.append((number, out))
        return cleaned, issues

    def process(
        self, rows, *, actor, policy, state, dry_run, column_names, prepared=None
    ) -> BatchResult:
        result = BatchResult()
        if prepared is None:
            prepared = self.prepare(rows, column_names=column_names)
        cleaned, issues = prepared
        result.issues.extend(issues)
        # Owners
        usernames = {out["owner"] for _n, out in cleaned if out.get("owner")}
        owners = self._owners(actor, usernames, state) if usernames else {}
        ok: list[tuple[int, dict]] = []
        for number, out in cleaned:
            owner = owners.get(out.get("owner")) if out.get("owner") else actor
            if isinstance(owner, str):
                result.issues.append(RowIssue(number, column_names.get("owner", "owner"), owner))
            elif owner.unit_id is None:
                result.issues.append(
                    RowIssue(
                        number,
                        column_names.get("owner", "owner"),
                        _("This user does not belong to an org unit."),
                    )
                )
            else:
                out["owner_user"] = owner
                ok.append((number, out))
        # Duplicates within the file
        seen = state["seen"]
        unique: list[tuple[int, dict]] = []
        for number, out in ok:
            keys = out["keys"]
            earlier = None
            for kind in MATCH_ORDER:
                if policy == DuplicatePolicy.CREATE and kind != "credit_code":
                    continue
                if keys[kind] and (kind, keys[kind]) in seen:
                    earlier = (kind, seen[(kind, keys[kind])])
                    break
            if earlier:
                kind, row = earlier
                message = _("Same %(what)s as row %(row)s of this file.") % {
                    "what": self._what(kind),
                    "row": row,
                }
                if policy == DuplicatePolicy.CREATE:
                    result.issues.append(RowIssue(number, column_names.get(kind, kind), message))
                else:
                    result.skipped += 1
                    result.issues.append(
                        RowIssue(number, column_names.get(kind, kind), message, skipped=True)
                    )
                continue
            for kind in MATCH_ORDER:
                if keys[kind]:
                    seen.setdefault((kind, keys[kind]), number)
            unique.append((number, out))
        # Duplicates in the database
        keys_by_kind: dict[str, set[str]] = {}
        for _n, out in unique:
            for kind in MATCH_ORDER:
                if out["keys"][kind] and (
                    policy != DuplicatePolicy.CREATE or kind == "credit_code"
                ):
                    keys_by_kind.setdefault(kind, set()).add(out["keys"][kind])
        hits, info, visible, editable = self._existing(actor, keys_by_kind)
        creates: list[tuple[int, dict]] = []
        updates: list[tuple[int, dict, int]] = []
        for number, out in unique:
            matches = [
                (kind, hits[kind].get(out["keys"][kind], []))
                for kind in MATCH_ORDER
                if out["keys"][kind]
            ]
            matches = [(kind, pks) for kind, pks in matches if pks]
            if not matches:
                creates.append((number, out))
                continue
            kind, pks = matches[0]
            column = column_names.get(kind, kind)
            if policy == DuplicatePolicy.CREATE:
                if kind == "credit_code":
                    result.issues.append(
                        RowIssue(
                            number,
                            column,
                            _("A customer with this unified social credit code already exists."),
                        )
                    )
                else:
                    creates.append((number, out))
                continue
            if policy == DuplicatePolicy.UPDATE:
                target = next((pk for k, ids in matches for pk in ids if pk in editable), None)
                if target is not None:
                    updates.append((number, out, target))
                    continue
                pk = pks[0]
                result.issues.append(
                    RowIssue(
                        number,
                        column,
                        _(
                            "A customer with the same %(what)s exists (owner: %(owner)s) but is "
                            "not one you may edit; it was not changed."
                        )
                        % {"what": self._what(kind), "owner": mask_person(info[pk][1])},
                    )
                )
                continue
            pk = pks[0]
            if pk in visible:
                message = _("Skipped: customer “%(name)s” has the same %(what)s.") % {
                    "name": info[pk][0][:60],
                    "what": self._what(kind),
                }
            else:
                message = _(
                    "Skipped: a customer with the same %(what)s exists (owner: %(owner)s)."
                ) % {"what": self._what(kind), "owner": mask_person(info[pk][1])}
            result.skipped += 1
            result.issues.append(RowIssue(number, column, message, skipped=True))
        result.created = len(creates)
        result.updated = len(updates)
        if not dry_run:
            self._write(actor, creates, updates, state)
        return result

    # --- writing ------------------------------------------------------------------------------

    def _tags(self, names: set[str], state: dict) -> dict[str, int]:
        cache = state["tags"]
        missing = [n for n in names if n not in cache]
        if missing:
            existing = dict(
                Tag.objects.filter(category=Tag.Category.LABEL, name__in=missing).values_list(
                    "name", "pk"
                )
            )
            new = [Tag(name=n, category=Tag.Category.LABEL) for n in missing if n not in existing]
            if new:
                Tag.objects.bulk_create(new, ignore_conflicts=True)
                existing = dict(
                    Tag.objects.filter(category=Tag.Category.LABEL, name__in=missing).values_list(
                        "name", "pk"
                    )
                )
            cache.update(existing)
        return {n: cache[n] for n in names}

    def _apply(self, customer: Customer, out: dict) -> list[str]:
        changed = []
        for field in (
            "name",
            *TEXT_FIELDS,
            *CHOICES,
            "phone",
            "email",
            "credit_code",
            "annual_revenue",
            "purchase_value",
            "purchase_count",
            "first_purchase_at",
            "last_purchase_at",
        ):
            if field in out:
                setattr(customer, field, out[field])
                changed.append(field)
        if "level" in out:
            customer.level_locked = True
            changed.append("level_locked")
        customer.name_key = normalize_name(customer.name)
        customer.phone_key = normalize_phone(customer.phone)
        customer.email_key = normalize_email(customer.email)
        customer.credit_code_key = normalize_credit_code(customer.credit_code)
        customer.name_pinyin, customer.name_initials = pinyin_keys(customer.name)
        return changed

    def _contact(self, contact: Contact, out: dict) -> None:
        for field, model_field in (
            ("contact_name", "name"),
            ("contact_mobile", "mobile"),
            ("contact_email", "email"),
            ("contact_title", "title"),
        ):
            if field in out:
                setattr(contact, model_field, out[field])
        contact.mobile_key = normalize_phone(contact.mobile)
        contact.email_key = normalize_email(contact.email)
        contact.name_pinyin, contact.name_initials = pinyin_keys(contact.name)

    def _insert_created(self, actor, creates, tag_ids: dict[str, int], now) -> None:
        """New customers, their primary contacts and tags as plain tuples (COPY / executemany,
        salesdesk.core.bulk), with "+" history rows by the importer; ids reserved in this
        transaction, so contacts and tags point at them without a second query. The keys were
        computed in `prepare`."""
        adapter = Adapter(connection)
        at = adapter.ts(now)
        day = adapter.day
        defaults = _field_defaults(Customer, CREATE_FIELDS)
        dates = [f in DATE_FIELDS for f in CREATE_FIELDS]
        ids = reserve_ids(Customer, len(creates))
        customers = []
        for pk, (_number, out) in zip(ids, creates, strict=True):
            owner = out["owner_user"]
            keys = out["keys"]
            values = [
                (day(out[f]) if is_date else out[f]) if f in out else default
                for f, default, is_date in zip(CREATE_FIELDS, defaults, dates, strict=True)
            ]
            customers.append(
                (
                    pk,
                    owner.pk,
                    owner.unit_id,
                    at,
                    at,
                    "level" in out,
                    keys["name"],
                    out["phone_key"],
                    keys["email"],
                    keys["credit_code"],
                    out["name_pinyin"],
                    out["name_initials"],
                    *values,
                )
            )
        insert_rows(Customer, CUSTOMER_COLUMNS, customers)
        name_index.index_names(
            "customer",
            [(pk, out["name"]) for pk, (_n, out) in zip(ids, creates, strict=True)],
            new=True,
        )
        record_changes.created(Customer, ids)  # the metric layer (D43)
        insert_history_rows(
            Customer,
            CUSTOMER_COLUMNS,
            customers,
            user_id=actor.pk,
            date=now,
            change_reason=HISTORY_REASON,
        )
        links = [
            (pk, tag_ids[t])
            for pk, (_n, out) in zip(ids, creates, strict=True)
            for t in out.get("tags", ())
        ]
        insert_rows(Customer.tags.through, ("customer_id", "tag_id"), links)
        with_contact = [
            (pk, out) for pk, (_n, out) in zip(ids, creates, strict=True) if out.get("contact_name")
        ]
        contact_ids = reserve_ids(Contact, len(with_contact))
        contacts = [
            (
                contact_pk,
                pk,
                True,
                at,
                at,
                out["contact_name"],
                out.get("contact_mobile", ""),
                out.get("contact_email", ""),
                out.get("contact_title", ""),
                out["contact_mobile_key"],
                out["contact_email_key"],
                *out["contact_pinyin"],
            )
            for contact_pk, (pk, out) in zip(contact_ids, with_contact, strict=True)
        ]
        insert_rows(Contact, CONTACT_COLUMNS, contacts)
        name_index.index_names("contact", [(row[0], row[5]) for row in contacts], new=True)
        insert_history_rows(
            Contact,
            CONTACT_COLUMNS,
            contacts,
            user_id=actor.pk,
            date=now,
            change_reason=HISTORY_REASON,
        )

    def _write(self, actor, creates, updates, state) -> None:
        now = timezone.now()
        tag_names = {t for _n, out in creates for t in out.get("tags", ())}
        tag_names |= {t for _n, out, _pk in updates for t in out.get("tags", ())}
        tag_ids = self._tags(tag_names, state) if tag_names else {}
        links: list[tuple[int, int]] = []
        contacts_new: list[Contact] = []
        # Creates: plain tuples (COPY / executemany) for the rows and their "+" history rows,
        # with the importer as history user (salesdesk.core.bulk); ids reserved in this
        # transaction, so contacts and tags point at them without a second query.
        if creates:
            self._insert_created(actor, creates, tag_ids, now)
        # Updates
        if updates:
            by_pk = Customer.objects.select_for_update().in_bulk([pk for *_r, pk in updates])
            primaries = {
                c.customer_id: c
                for c in Contact.objects.filter(customer_id__in=list(by_pk), is_primary=True)
            }
            fields: set[str] = set()
            changed_contacts: list[Contact] = []
            done: set[int] = set()
            for _number, out, pk in updates:
                customer = by_pk.get(pk)
                if customer is None:
                    continue
                fields.update(self._apply(customer, out))
                customer.version += 1
                customer.updated_at = now
                done.add(pk)
                links.extend((pk, tag_ids[t]) for t in out.get("tags", ()))
                if out.get("contact_name") or any(f in out for f in CONTACT_FIELDS):
                    contact = primaries.get(pk)
                    if contact is None:
                        if out.get("contact_name"):
                            contact = Contact(
                                customer_id=pk, is_primary=True, created_at=now, updated_at=now
                            )
                            self._contact(contact, out)
                            contacts_new.append(contact)
                    else:
                        self._contact(contact, out)
                        contact.version += 1
                        contact.updated_at = now
                        changed_contacts.append(contact)
            fields |= {
                "version",
                "updated_at",
                "name_key",
                "phone_key",
                "email_key",
                "credit_code_key",
                "name_pinyin",
                "name_initials",
            }
            with record_changes.tracking(Customer, sorted(done)):  # an owner may change (D43)
                bulk_update_with_history(
                    [by_pk[pk] for pk in done],
                    Customer,
                    sorted(fields),
                    batch_size=500,
                    default_user=actor,
                    default_change_reason=HISTORY_REASON,
                    default_date=now,
                )
            if "name" in fields:
                name_index.index_names("customer", [(pk, by_pk[pk].name) for pk in done])
            if changed_contacts:
                name_index.index_names("contact", [(c.pk, c.name) for c in changed_contacts])
                bulk_update_with_history(
                    changed_contacts,
                    Contact,
                    [
                        "name",
                        "mobile",
                        "email",
                        "title",
                        "mobile_key",
                        "email_key",
                        "name_pinyin",
                        "name_initials",
                        "version",
                        "updated_at",
                    ],
                    batch_size=500,
                    default_user=actor,
                    default_change_reason=HISTORY_REASON,
                    default_date=now,
                )
        if contacts_new:
            insert_objects(Contact, contacts_new)
            name_index.index_names("contact", [(c.pk, c.name) for c in contacts_new], new=True)
            insert_history(
                Contact, contacts_new, user_id=actor.pk, date=now, change_reason=HISTORY_REASON
            )
        if links:
            through = Customer.tags.through
            through.objects.bulk_create(
                [through(customer_id=c, tag_id=t) for c, t in set(links)],
                ignore_conflicts=True,
                batch_size=1000,
            )


registry.register(CustomerImport())
