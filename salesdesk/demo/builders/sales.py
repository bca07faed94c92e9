"""Demo sales catalogue, price lists, approval chains and contracts (SAL-1, SAL-2, SAL-5).

At size small: 4 product lines with 24 products, the five channel types with six partners, three
price lists (standard, A-level customers, online), three approval chains (≥50,000 the owner's
manager; ≥200,000 then the director; ≥1,000,000 then finance) and about 1,500 contracts over the
last two years in every status, with their lines and a consistent approval history (events and
approval rounds: rejections and resubmissions included; the pending ones wait on the right
approver, so the to-do inboxes have approvals). Deterministic (the builder's own generator),
bulk-inserted with ids reserved up front (D5); the number counters match the numbers used.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register

LINES = (
    (
        "SW",
        "软件产品",
        (
            ("CRM", "销售管理系统", 28000),
            ("ERP", "企业资源计划", 96000),
            ("HR", "人力资源系统", 18000),
            ("BI", "数据分析平台", 45000),
            ("OA", "协同办公", 9800),
            ("MOB", "移动销售 App", 6800),
        ),
    ),
    (
        "HW",
        "硬件设备",
        (
            ("SRV", "机架服务器", 52000),
            ("NAS", "网络存储", 23000),
            ("TAB", "销售平板", 3600),
            ("PRN", "标签打印机", 2400),
            ("SCN", "扫码枪", 680),
            ("KSK", "自助终端", 15800),
        ),
    ),
    (
        "SV",
        "服务",
        (
            ("IMP", "实施服务（人天）", 2500),
            ("TRN", "培训服务（人天）", 1800),
            ("SUP", "年度技术支持", 12000),
            ("CON", "咨询服务（人天）", 3500),
            ("MIG", "数据迁移", 8000),
            ("INT", "系统集成", 30000),
        ),
    ),
    (
        "CL",
        "云订阅",
        (
            ("CRM-C", "云 CRM（用户/年）", 1200),
            ("BI-C", "云 BI（用户/年）", 1500),
            ("STO", "云存储（TB/年）", 900),
            ("SEC", "安全服务（年）", 16000),
            ("API", "开放平台调用包", 5000),
            ("SMS", "短信包（万条）", 450),
        ),
    ),
)
CHANNELS = (
    ("DIRECT", "直销", "direct"),
    ("ONLINE", "线上商城", "online"),
    ("DIST", "分销", "distributor"),
    ("AGENT", "代理", "agent"),
    ("EC", "电商平台", "ecommerce"),
)
PARTNERS = (
    ("华东分销有限公司", "DIST", "华东"),
    ("华南渠道科技", "DIST", "华南"),
    ("北方代理服务中心", "AGENT", "华北"),
    ("西部信息代理", "AGENT", "西南"),
    ("天猫旗舰店运营商", "EC", "全国"),
    ("京东自营合作方", "EC", "全国"),
)
TITLES = ("年度采购合同", "系统建设项目", "设备采购订单", "服务续约", "云订阅合同", "扩容订单")
REASONS = ("折扣超出权限，请调整", "付款条件需要修改", "请补充客户资质材料")
STATUSES = ("draft", "in_approval", "active", "completed", "void")
STATUS_WEIGHTS = (8, 7, 45, 35, 5)
CENT = Decimal("0.01")


def reset_sales(ctx: DemoContext) -> None:
    """Delete contracts (with lines, approvals, events, history, counters), approval chains,
    price lists, products, product lines, partners and channels."""
    from salesdesk.sales.models import (
        ApprovalChain,
        ApprovalStep,
        Channel,
        Contract,
        ContractApproval,
        ContractCounter,
        ContractEvent,
        ContractLine,
        Partner,
        PriceList,
        PriceListItem,
        Product,
        ProductLine,
    )

    db = ctx.using
    from salesdesk.sales.models import Instalment, Payment, PaymentPlan, SalesReturn

    for model in (
        SalesReturn,
        Payment,
        Instalment,
        PaymentPlan,
        ContractEvent,
        ContractApproval,
        ContractLine,
        Contract.history.model,
        Contract,
        ContractCounter,
        ApprovalStep,
        ApprovalChain.history.model,
        ApprovalChain,
        PriceListItem,
        PriceList.history.model,
        PriceList,
        Product.history.model,
        Product,
        ProductLine,
        Partner.history.model,
        Partner,
        Channel,
    ):
        model._base_manager.using(db).all()._raw_delete(db)


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@register("sales", after=("customers",), reset=reset_sales)
def build_sales(ctx: DemoContext) -> None:
    """Products, price lists, channels and partners, approval chains and contracts."""
    from django.utils import timezone

    from salesdesk.customers.models import Customer
    from salesdesk.org.models import Role, User
    from salesdesk.sales.models import (
        ApprovalChain,
        ApprovalStep,
        Channel,
        Contract,
        ContractApproval,
        ContractCounter,
        ContractEvent,
        ContractLine,
        Partner,
        PriceList,
        PriceListItem,
        Product,
        ProductLine,
    )

    rng = ctx.rng_for("sales")
    db = ctx.using
    now = ctx.now
    org = ctx.results.get("org")

    # --- catalogue ------------------------------------------------------------------------
    lines, products = [], []
    line_ids = ctx.allocate_ids(ProductLine, len(LINES))
    for order, ((code, name, items), lid) in enumerate(zip(LINES, line_ids, strict=True)):
        lines.append(ProductLine(pk=lid, code=code, name=name, sort_order=order, created_at=now))
        for pcode, pname, price in items:
            products.append(
                Product(
                    product_line_id=lid,
                    code=f"{code}-{pcode}",
                    name=pname,
                    unit="套" if code != "SV" else "项",
                    list_price=Decimal(price),
                    created_at=now,
                )
            )
    for product, pid in zip(products, ctx.allocate_ids(Product, len(products)), strict=True):
        product.pk = pid
    channels = [
        Channel(pk=cid, code=code, name=name, type=kind, created_at=now)
        for (code, name, kind), cid in zip(
            CHANNELS, ctx.allocate_ids(Channel, len(CHANNELS)), strict=True
        )
    ]
    by_code = {c.code: c for c in channels}
    partners = [
        Partner(pk=pid, name=name, channel_id=by_code[ch].pk, region=region, created_at=now)
        for (name, ch, region), pid in zip(
            PARTNERS, ctx.allocate_ids(Partner, len(PARTNERS)), strict=True
        )
    ]
    ctx.bulk_insert(ProductLine, lines)
    ctx.bulk_insert(Product, products)
    ctx.bulk_insert(Channel, channels)
    ctx.bulk_insert(Partner, partners)

    start = ctx.today.replace(month=1, day=1) - timedelta(days=365)
    lists = [
        PriceList(name=f"{start.year + 1} 标准价", valid_from=start, created_at=now),
        PriceList(name="A 级客户价", valid_from=start, customer_level="A", created_at=now),
        PriceList(
            name="线上渠道价", valid_from=start, channel_id=by_code["ONLINE"].pk, created_at=now
        ),
    ]
    factors = (Decimal("0.95"), Decimal("0.88"), Decimal("0.92"))
    items = []
    for pl, pid in zip(lists, ctx.allocate_ids(PriceList, len(lists)), strict=True):
        pl.pk = pid
    for pl, factor in zip(lists, factors, strict=True):
        for product in products:
            items.append(
                PriceListItem(
                    price_list_id=pl.pk,
                    product_id=product.pk,
                    price=_money(product.list_price * factor),
                )
            )
    ctx.bulk_insert(PriceList, lists)
    ctx.bulk_insert(PriceListItem, items)

    # Prices as contract lines will get them: (level, channel) -> factor; channel beats level.
    def factor_for(level: str, channel_id: int | None) -> Decimal:
        if channel_id == by_code["ONLINE"].pk:
            return factors[2]
        return factors[1] if level == "A" else factors[0]

    # --- approval chains ------------------------------------------------------------------------
    roles = dict(Role.objects.using(db).values_list("code", "pk"))
    chain_defs = (
        ("5 万元以上：主管审批", Decimal(50_000), ("manager",)),
        ("20 万元以上：主管 + 总监", Decimal(200_000), ("manager", "director")),
        (
            "100 万元以上：主管 + 总监 + 财务",
            Decimal(1_000_000),
            ("manager", "director", "finance"),
        ),
    )
    chains, steps = [], []
    for (name, amount, kinds), cid in zip(
        chain_defs, ctx.allocate_ids(ApprovalChain, len(chain_defs)), strict=True
    ):
        chains.append(ApprovalChain(pk=cid, name=name, min_amount=amount, created_at=now))
        for position, kind in enumerate(kinds, start=1):
            steps.append(
                ApprovalStep(
                    chain_id=cid,
                    position=position,
                    kind="manager" if kind == "manager" else "role",
                    role_id=None if kind == "manager" else roles[kind],
                )
            )
    ctx.bulk_insert(ApprovalChain, chains)
    ctx.bulk_insert(ApprovalStep, steps)

    # --- contracts --------------------------------------------------------------------------------
    customers = list(
        Customer.all_objects.using(db)
        .filter(deleted_at__isnull=True, owner__isnull=False)
        .order_by("pk")
        .values_list("pk", "owner_id", "org_unit_id", "level")
    )
    if not customers:
        return
    users = {
        pk: (reports_to, role_id, active, name)
        for pk, reports_to, role_id, active, name in User.objects.using(db).values_list(
            "pk", "reports_to_id", "role_id", "is_active", "display_name"
        )
    }
    directors = list(getattr(org, "director_ids", []) or [])
    finance = list(getattr(org, "finance_ids", []) or [])
    role_names = {"director": "销售总监", "finance": "财务"}

    def approvers_for(owner_id: int, chain_index: int) -> list[dict]:
        manager = users[owner_id][0]
        if manager is None or not users[manager][2]:
            return []
        out = [
            {
                "kind": "manager",
                "role_id": None,
                "role_name": "",
                "approver_id": manager,
                "approver_name": users[manager][3],
                "_actor": manager,
            }
        ]
        for kind in chain_defs[chain_index][2][1:]:
            pool = directors if kind == "director" else finance
            if not pool:
                return []
            out.append(
                {
                    "kind": "role",
                    "role_id": roles[kind],
                    "role_name": role_names[kind],
                    "approver_id": None,
                    "approver_name": "",
                    "_actor": rng.choice(pool),
                }
            )
        return out

    count = ctx.size.scale(1500)
    contracts, contract_lines, approvals, events = [], [], [], []
    counters: dict = defaultdict(int)
    horizon = 730
    picks = sorted(
        (now - timedelta(days=rng.randint(8, horizon), minutes=rng.randint(0, 600)), rng.random())
        for _ in range(count)
    )
    local = timezone.get_current_timezone()
    for created, _r in picks:
        pk_c, owner_id, unit_id, level = rng.choice(customers)
        channel = rng.choices(channels, weights=(60, 15, 12, 8, 5))[0]
        partner_id = None
        if channel.type in ("distributor", "agent", "ecommerce"):
            partner_id = rng.choice([p.pk for p in partners if p.channel_id == channel.pk])
        day = created.astimezone(local).date()
        counters[day] += 1
        number = f"HT-{day:%Y%m%d}-{counters[day]:04d}"
        factor = factor_for(level, channel.pk)
        total = Decimal(0)
        rows = []
        big = rng.random() < 0.25
        for position in range(1, rng.randint(1, 4) + 1):
            product = rng.choice(products)
            quantity = Decimal(rng.choice((1, 1, 2, 3, 5, 10, 20) if not big else (10, 20, 50)))
            price = _money(product.list_price * factor)
            discount = Decimal(rng.choice((0, 0, 0, 5, 10, 15)))
            amount = _money(quantity * price * (100 - discount) / 100)
            total += amount
            rows.append((position, product.pk, quantity, price, discount, amount))
        status = rng.choices(STATUSES, weights=STATUS_WEIGHTS)[0]
        chain_index = max(
            (i for i, (_n, amount, _k) in enumerate(chain_defs) if total >= amount), default=None
        )
        steps_for = approvers_for(owner_id, chain_index) if chain_index is not None else []
        if chain_index is not None and not steps_for:
            status = "draft"  # nobody could approve it: it stays a draft
        if chain_index is None and status == "in_approval":
            status = "active"
        contract = Contract(
            customer_id=pk_c,
            owner_id=owner_id,
            org_unit_id=unit_id,
            number=number,
            title=f"{rng.choice(TITLES)} {day:%Y%m}",
            status=status,
            signed_on=day if status in ("active", "completed") else None,
            start_on=day + timedelta(days=7),
            end_on=day + timedelta(days=372),
            channel_id=channel.pk,
            partner_id=partner_id,
            total_amount=total,
            created_at=created,
        )
        contracts.append((contract, rows, chain_index, steps_for))

    def event(cid, kind, from_s, to_s, actor, when, approval=None, step=None, comment=""):
        events.append(
            ContractEvent(
                contract_id=cid,
                approval_id=approval,
                kind=kind,
                step=step,
                from_status=from_s,
                to_status=to_s,
                actor_id=actor,
                at=when,
                comment=comment,
            )
        )

    ids = ctx.allocate_ids(Contract, len(contracts))
    approval_ids = iter(ctx.allocate_ids(ContractApproval, 3 * len(contracts)))
    for (contract, rows, chain_index, steps_for), cid in zip(contracts, ids, strict=True):
        contract.pk = cid
        for position, product_id, quantity, price, discount, amount in rows:
            contract_lines.append(
                ContractLine(
                    contract_id=cid,
                    position=position,
                    product_id=product_id,
                    quantity=quantity,
                    unit_price=price,
                    discount_percent=discount,
                    amount=amount,
                )
            )
        at = contract.created_at
        owner = contract.owner_id

        event(cid, "created", "draft", "draft", owner, at)
        status = contract.status
        if status == "draft" and (chain_index is None or rng.random() < 0.6):
            continue
        when = at + timedelta(hours=rng.randint(1, 48))
        resubmit = False
        if chain_index is not None and rng.random() < 0.15:
            # A first round rejected at its first step, then (unless still a draft) resubmitted.
            aid = next(approval_ids)
            approvals.append(
                ContractApproval(
                    pk=aid,
                    contract_id=cid,
                    chain_id=chains[chain_index].pk,
                    chain_name=chains[chain_index].name,
                    steps=[{k: v for k, v in s.items() if k != "_actor"} for s in steps_for],
                    status="rejected",
                    current_step=0,
                    submitted_by_id=owner,
                    submitted_at=when,
                    decided_at=when + timedelta(hours=5),
                )
            )
            event(cid, "submitted", "draft", "in_approval", owner, when, aid, 1)
            event(
                cid,
                "rejected",
                "in_approval",
                "draft",
                steps_for[0]["_actor"],
                when + timedelta(hours=5),
                aid,
                1,
                rng.choice(REASONS),
            )
            when += timedelta(days=1)
            resubmit = True
        if status == "draft":
            continue
        kind = "resubmitted" if resubmit else "submitted"
        contract.submitted_at = when
        if chain_index is None:
            event(cid, kind, "draft", "active", owner, when)
            event(
                cid,
                "activated",
                "active",
                "active",
                owner,
                when,
                comment="No approval needed for this amount.",
            )
        else:
            aid = next(approval_ids)
            pending_at = len(steps_for)
            if status == "in_approval":
                pending_at = rng.randrange(len(steps_for))
            approval = ContractApproval(
                pk=aid,
                contract_id=cid,
                chain_id=chains[chain_index].pk,
                chain_name=chains[chain_index].name,
                steps=[{k: v for k, v in s.items() if k != "_actor"} for s in steps_for],
                status="approved",
                current_step=len(steps_for) - 1,
                submitted_by_id=owner,
                submitted_at=when,
            )
            event(cid, kind, "draft", "in_approval", owner, when, aid, 1)
            for index, step in enumerate(steps_for[:pending_at]):
                when += timedelta(hours=rng.randint(1, 30))
                last = index == len(steps_for) - 1
                event(
                    cid,
                    "approved",
                    "in_approval",
                    "active" if last else "in_approval",
                    step["_actor"],
                    when,
                    aid,
                    index + 1,
                )
            if status == "in_approval":
                approval.status = "pending"
                approval.current_step = pending_at
                approval.current_role_id = steps_for[pending_at]["role_id"]
                approval.current_approver_id = steps_for[pending_at]["approver_id"]
            else:
                approval.decided_at = when
            approvals.append(approval)
        if status in ("active", "completed", "void"):
            contract.activated_at = when
        if status == "completed":
            when += timedelta(days=rng.randint(30, 300))
            event(
                cid,
                "completed",
                "active",
                "completed",
                owner if not directors else rng.choice(directors),
                min(when, now),
            )
            contract.closed_at = min(when, now)
        elif status == "void":
            when += timedelta(days=rng.randint(1, 30))
            event(
                cid,
                "voided",
                "active",
                "void",
                rng.choice(directors) if directors else owner,
                min(when, now),
                comment="客户取消采购",
            )
            contract.closed_at = min(when, now)
    for line, lid in zip(
        contract_lines, ctx.allocate_ids(ContractLine, len(contract_lines)), strict=True
    ):
        line.pk = lid
    ctx.bulk_insert(Contract, [c for c, *_ in contracts])
    ctx.bulk_insert(ContractLine, contract_lines)
    ctx.bulk_insert(ContractApproval, approvals)
    ctx.bulk_insert(ContractEvent, events)
    ctx.bulk_insert(
        ContractCounter,
        [
            ContractCounter(prefix="HT", day=day, last=last)
            for day, last in sorted(counters.items())
        ],
    )
    _build_receivables_and_returns(ctx, rng, [c for c, *_ in contracts], contract_lines)


RETURN_REASONS = ("包装破损", "型号发错", "质量问题", "客户需求变更")


def _build_receivables_and_returns(ctx: DemoContext, rng, contracts, contract_lines) -> None:
    """Payment plans for active and completed contracts (1–4 instalments, monthly from the
    activation; completed ones fully paid, active ones paid up to a point, some overdue) and
    returns on about 4% of the completed contracts' lines."""
    from salesdesk.sales.models import Instalment, Payment, PaymentPlan, SalesReturn
    from salesdesk.sales.receivables.services import equal_instalments

    local_today = ctx.today
    plans, instalments, payments, returns = [], [], [], []
    contract_index = {c.pk: c for c in contracts}
    lines_by_contract: dict = defaultdict(list)
    for line in contract_lines:
        lines_by_contract[line.contract_id].append(line)
    sold = [c for c in contracts if c.status in ("active", "completed") and c.activated_at]
    plan_ids = iter(ctx.allocate_ids(PaymentPlan, len(sold)))
    for contract in sold:
        pid = next(plan_ids)
        plans.append(PaymentPlan(pk=pid, contract_id=contract.pk, created_at=contract.activated_at))
        first = contract.activated_at.date() + timedelta(days=30)
        rows = equal_instalments(
            contract.total_amount, count=rng.choice((1, 1, 2, 3, 4)), first_due=first
        )
        for position, row in enumerate(rows, start=1):
            due = row["due_on"]
            paid = Decimal(0)
            if contract.status == "completed" or (due <= local_today and rng.random() < 0.8):
                paid = row["amount"]
            instalments.append(
                Instalment(
                    plan_id=pid,
                    contract_id=contract.pk,
                    position=position,
                    due_on=due,
                    amount=row["amount"],
                    paid_amount=paid,
                )
            )
    instalment_ids = ctx.allocate_ids(Instalment, len(instalments))
    for instalment, iid in zip(instalments, instalment_ids, strict=True):
        instalment.pk = iid
        if instalment.paid_amount:
            owner_id = contract_index[instalment.contract_id].owner_id
            received = min(instalment.due_on + timedelta(days=rng.randint(-10, 15)), local_today)
            payments.append(
                Payment(
                    contract_id=instalment.contract_id,
                    instalment_id=iid,
                    received_on=received,
                    amount=instalment.paid_amount,
                    method=rng.choice(("transfer", "transfer", "acceptance", "online")),
                    reference=f"回单{iid:06d}",
                    recorded_by_id=owner_id,
                    created_at=ctx.now,
                )
            )
    for contract in sold:
        if contract.status != "completed" or rng.random() > 0.12:
            continue
        line = rng.choice(lines_by_contract[contract.pk])
        quantity = min(line.quantity, Decimal(rng.choice((1, 1, 2))))
        amount = (line.amount * quantity / line.quantity).quantize(CENT, rounding=ROUND_HALF_UP)
        returns.append(
            SalesReturn(
                contract_id=contract.pk,
                line_id=line.pk,
                product_id=line.product_id,
                quantity=quantity,
                amount=amount,
                returned_on=min(
                    contract.activated_at.date() + timedelta(days=rng.randint(5, 60)), local_today
                ),
                reason=rng.choice(RETURN_REASONS),
                recorded_by_id=contract.owner_id,
                created_at=ctx.now,
            )
        )
    ctx.bulk_insert(PaymentPlan, plans)
    ctx.bulk_insert(Instalment, instalments)
    ctx.bulk_insert(Payment, payments)
    ctx.bulk_insert(SalesReturn, returns)
