"""Import adapter for leads (shared pipeline, salesdesk.imports). Each row goes through
`lead_create` with `assign="rules"` unless it names an owner: the assignment rules decide the
owner (first matching rule, round robin included), else the lead goes to the importer's lead pool.
Duplicates (an open lead or a customer with the same name, phone or email): skipped under the
"skip" and "update" policies (leads are not updated by import), created under "create"."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.imports.models import DuplicatePolicy
from salesdesk.imports.registry import BatchResult, Column, EntityAdapter, RowIssue, registry
from salesdesk.org.models import User
from salesdesk.org.scoping import visible_to
from salesdesk.pipeline.leads.models import LeadAssignmentRule, LeadSource
from salesdesk.sales.models import Channel, ProductLine

COLUMNS = (
    Column(
        "name",
        gettext_lazy("Company or person"),
        ("公司或个人", "名称", "线索名称"),
        required=True,
        example="杭州云帆网络科技有限公司",
    ),
    Column("contact_name", gettext_lazy("Contact name"), ("联系人",), example="陈经理"),
    Column("phone", gettext_lazy("Phone"), ("电话", "手机"), example="13912345678"),
    Column("email", gettext_lazy("Email"), ("邮箱",)),
    Column("province", gettext_lazy("Province"), ("省份",), example="浙江"),
    Column("city", gettext_lazy("City"), ("城市",), example="杭州"),
    Column("industry", gettext_lazy("Industry"), ("行业",)),
    Column("source", gettext_lazy("Source"), ("来源",), example="website"),
    Column("channel", gettext_lazy("Channel (code)"), ("渠道",)),
    Column("product_line", gettext_lazy("Product line (code)"), ("产品线",)),
    Column("owner", gettext_lazy("Owner (username)"), ("负责人",)),
    Column("notes", gettext_lazy("Notes"), ("备注",)),
)


class LeadImport(EntityAdapter):
    key = "leads"
    label = gettext_lazy("Leads")
    columns = COLUMNS
    batch_size = 500

    def process(self, rows, *, actor, policy, state, dry_run, column_names) -> BatchResult:
        from salesdesk.pipeline.leads import services

        result = BatchResult()
        usernames = {(v.get("owner") or "").strip() for _n, v in rows} - {""}
        owners = {
            u.username: u for u in visible_to(User.objects.filter(username__in=usernames), actor)
        }
        lines = {p.code: p for p in ProductLine.objects.all()}
        channels = {c.code: c for c in Channel.objects.all()}
        sources = {value: value for value in LeadSource.values}
        sources.update({str(label): value for value, label in LeadSource.choices})
        rules = list(LeadAssignmentRule.objects.filter(is_active=True).order_by("order", "id"))
        for number, values in rows:

            def err(field, message, number=number, skipped=False):
                result.issues.append(
                    RowIssue(number, column_names.get(field, field), message, skipped=skipped)
                )

            before = len(result.issues)
            v = {k: (values.get(k) or "").strip() for k in values}
            if not v.get("name"):
                err("name", _("Enter the company or person name."))
            owner = None
            if v.get("owner"):
                owner = owners.get(v["owner"])
                if owner is None:
                    err("owner", _("Unknown user."))
            line = lines.get(v["product_line"]) if v.get("product_line") else None
            if v.get("product_line") and line is None:
                err("product_line", _("Unknown product line."))
            channel = channels.get(v["channel"]) if v.get("channel") else None
            if v.get("channel") and channel is None:
                err("channel", _("Unknown channel."))
            source = sources.get(v.get("source") or "other")
            if source is None:
                err("source", _("Select a valid source."))
            if len(result.issues) > before:
                continue
            fields = {
                k: v.get(k, "")
                for k in ("name", "contact_name", "phone", "email", "province", "city", "industry")
            }
            fields["notes"] = v.get("notes", "")
            try:
                with transaction.atomic():
                    services.lead_create(
                        actor=actor,
                        assign=services.ASSIGN_RULES,
                        owner=owner,
                        allow_duplicate=policy == DuplicatePolicy.CREATE,
                        rules=rules,
                        source=source,
                        channel=channel,
                        product_line=line,
                        **fields,
                    )
                    if dry_run:
                        transaction.set_rollback(True)
            except services.DuplicateLeadError:
                result.skipped += 1
                err("name", _("Skipped: this lead may already exist."), skipped=True)
                continue
            except (ValidationError, PermissionDenied) as exc:
                messages = getattr(exc, "message_dict", None) or {"name": [str(exc)]}
                for field, msgs in messages.items():
                    err(field, " ".join(str(m) for m in msgs))
                continue
            result.created += 1
        return result


registry.register(LeadImport())
