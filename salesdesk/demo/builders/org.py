"""Demo organisation: one company, regions, city departments, teams and ~60/600/5,000 people.

Tree (size small): 星辰科技有限公司 → 4 regions (华东/华北/华南/西南大区) → one city sales
department each → two teams each, plus 财务部 (finance) and 信息技术部 (IT) under the company.
Reporting: rep → team lead → department manager → region director → sales VP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from salesdesk.demo.context import DemoContext, DemoLogin
from salesdesk.demo.names import NamePicker
from salesdesk.demo.registry import register

COMPANY = ("星辰科技有限公司", "XC")
REGIONS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "华东大区",
        "EAST",
        [
            ("上海", "SH"),
            ("杭州", "HZ"),
            ("南京", "NJ"),
            ("苏州", "SZ"),
            ("合肥", "HF"),
            ("宁波", "NB"),
        ],
    ),
    (
        "华北大区",
        "NORTH",
        [
            ("北京", "BJ"),
            ("天津", "TJ"),
            ("济南", "JN"),
            ("青岛", "QD"),
            ("石家庄", "SJZ"),
            ("太原", "TY"),
        ],
    ),
    (
        "华南大区",
        "SOUTH",
        [
            ("广州", "GZ"),
            ("深圳", "SZN"),
            ("厦门", "XM"),
            ("福州", "FZ"),
            ("南宁", "NN"),
            ("海口", "HK"),
        ],
    ),
    (
        "西南大区",
        "SW",
        [
            ("成都", "CD"),
            ("重庆", "CQ"),
            ("昆明", "KM"),
            ("贵阳", "GY"),
            ("绵阳", "MY"),
            ("拉萨", "LS"),
        ],
    ),
    (
        "华中大区",
        "CENTRAL",
        [
            ("武汉", "WH"),
            ("长沙", "CS"),
            ("郑州", "ZZ"),
            ("南昌", "NC"),
            ("宜昌", "YC"),
            ("洛阳", "LY"),
        ],
    ),
    (
        "西北大区",
        "NW",
        [
            ("西安", "XA"),
            ("兰州", "LZ"),
            ("银川", "YCH"),
            ("西宁", "XN"),
            ("乌鲁木齐", "WLMQ"),
            ("宝鸡", "BJI"),
        ],
    ),
    (
        "东北大区",
        "NE",
        [
            ("沈阳", "SY"),
            ("大连", "DL"),
            ("长春", "CC"),
            ("哈尔滨", "HEB"),
            ("鞍山", "AS"),
            ("吉林", "JL"),
        ],
    ),
    (
        "海外大区",
        "INTL",
        [
            ("香港", "HKG"),
            ("新加坡", "SG"),
            ("吉隆坡", "KL"),
            ("曼谷", "BKK"),
            ("雅加达", "JKT"),
            ("胡志明市", "HCM"),
        ],
    ),
]
TEAMS = [
    ("大客户组", "KA"),
    ("行业一组", "IND1"),
    ("行业二组", "IND2"),
    ("渠道组", "CH"),
    ("电销组", "TEL"),
    ("中小企业组", "SMB"),
    ("新客户拓展组", "NEW"),
    ("续约组", "REN"),
    ("政企组", "GOV"),
]

DEMO_PASSWORD = "SalesDesk-Demo-2026"  # noqa: S105 - documented demo password, demo data only
# Fixed usernames of the demo logins, the role each has, and what they show.
DEMO_LOGINS = [
    ("admin", "admin", "Administrator: settings, users, org units, everything"),
    ("director", "director", "Sales director of 华东大区 (East China): the whole region"),
    ("manager", "manager", "Sales manager of the 上海 sales department"),
    ("lead", "team_lead", "Team lead of 上海·大客户组: own and subordinates' records"),
    ("rep", "rep", "Sales rep in 上海·大客户组 (reports to lead): own records"),
    ("rep2", "rep", "Sales rep in another team (上海·行业一组)"),
    ("finance", "finance", "Finance: all records, approvals, no configuration"),
]
TITLES = {
    "vp": "销售副总裁",
    "director": "区域总监",
    "manager": "销售经理",
    "team_lead": "销售主管",
    "rep": "销售代表",
    "senior_rep": "高级销售代表",
    "finance_head": "财务经理",
    "finance": "会计",
    "admin": "系统管理员",
}


@dataclass
class OrgResult:
    """What the org builder made, for later builders (customers, pipeline …)."""

    company_id: int
    region_ids: list[int] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    team_ids: list[int] = field(default_factory=list)
    unit_path: dict[int, str] = field(default_factory=dict)
    # user id -> unit id, for every user.
    user_unit: dict[int, int] = field(default_factory=dict)
    rep_ids: list[int] = field(default_factory=list)  # active reps
    inactive_rep_ids: list[int] = field(default_factory=list)
    lead_ids: list[int] = field(default_factory=list)
    manager_ids: list[int] = field(default_factory=list)
    director_ids: list[int] = field(default_factory=list)
    finance_ids: list[int] = field(default_factory=list)
    admin_ids: list[int] = field(default_factory=list)
    # team id -> its active reps
    team_reps: dict[int, list[int]] = field(default_factory=dict)


def reset_org(ctx: DemoContext) -> None:
    """Delete every user and org unit (and what hangs off them: sessions, tokens, history)."""
    from django.contrib.sessions.models import Session

    from salesdesk.core.models import AuditEvent, Notification
    from salesdesk.org.models import ApiToken, OrgUnit, RecoveryCode, Share, User

    db = ctx.using
    Session.objects.using(db).all().delete()
    for model in (Notification, Share, ApiToken, RecoveryCode, AuditEvent):
        model._base_manager.using(db).all()._raw_delete(db)
    User.objects.using(db).update(reports_to=None, unit=None)
    OrgUnit.all_objects.using(db).update(parent=None, manager=None)
    User.history.model.objects.using(db).all()._raw_delete(db)
    OrgUnit.history.model.objects.using(db).all()._raw_delete(db)
    User.objects.using(db).all().delete()
    OrgUnit.all_objects.using(db).all()._raw_delete(db)


@register("org", reset=reset_org)
def build_org(ctx: DemoContext) -> None:
    """Company, regions, departments, teams; users of every role with reports-to chains."""
    from salesdesk.org.models import OrgUnit, Role, User

    rng = ctx.rng_for("org")
    size = ctx.size
    names = NamePicker(rng)
    for username, _role, _desc in DEMO_LOGINS:
        names.reserve(username)
    roles = {r.code: r.pk for r in Role.objects.using(ctx.using).all()}
    missing = {code for _u, code, _d in DEMO_LOGINS} - set(roles)
    if missing:
        raise RuntimeError(f"roles missing (run migrations first): {sorted(missing)}")

    # ---- units: plan the tree, allocate ids, compute paths ------------------------------
    plan: list[dict] = []  # in tree order, parents before children

    def add_unit(name: str, code: str, kind: str, parent: dict | None, order: int) -> dict:
        node = {"name": name, "code": code, "kind": kind, "parent": parent, "order": order}
        plan.append(node)
        return node

    company = add_unit(*COMPANY, "company", None, 0)
    regions = []
    for r, (region_name, region_code, cities) in enumerate(REGIONS[: size.regions]):
        region = add_unit(region_name, region_code, "region", company, r)
        region["departments"] = []
        for d, (city, city_code) in enumerate(cities[: size.departments_per_region]):
            dept = add_unit(f"{city}销售部", f"{region_code}-{city_code}", "department", region, d)
            dept["teams"] = []
            for t, (team, team_code) in enumerate(TEAMS[: size.teams_per_department]):
                dept["teams"].append(
                    add_unit(
                        f"{city}·{team}", f"{region_code}-{city_code}-{team_code}", "team", dept, t
                    )
                )
            region["departments"].append(dept)
        regions.append(region)
    finance_unit = add_unit("财务部", "FIN", "department", company, 90)
    it_unit = add_unit("信息技术部", "IT", "department", company, 91)

    for node, pk in zip(plan, ctx.allocate_ids(OrgUnit, len(plan)), strict=True):
        node["id"] = pk
        parent = node["parent"]
        node["path"] = f"{parent['path']}{pk}/" if parent else f"/{pk}/"
        node["depth"] = parent["depth"] + 1 if parent else 0

    # ---- people: plan everyone, then allocate ids in one go -----------------------------
    people: list[dict] = []

    def add_person(
        role: str, unit: dict, boss: dict | None, title: str, username: str = "", **extra
    ) -> dict:
        person = names.person()
        if username:
            person["username"] = username
        person.update(role=role, unit=unit, boss=boss, title=title, **extra)
        people.append(person)
        return person

    fixed = {u: (role, desc) for u, role, desc in DEMO_LOGINS}
    admin = add_person("admin", it_unit, None, TITLES["admin"], "admin")
    for _ in range(size.admins - 1):
        add_person("admin", it_unit, admin, TITLES["admin"])
    it_unit["head"] = admin
    vp = add_person("director", company, None, TITLES["vp"])
    company["head"] = vp
    finance_head = add_person("finance", finance_unit, vp, TITLES["finance_head"], "finance")
    finance_unit["head"] = finance_head
    for _ in range(size.finance_staff - 1):
        add_person("finance", finance_unit, finance_head, TITLES["finance"])

    first = True
    for region in regions:
        director = add_person(
            "director", region, vp, TITLES["director"], "director" if first else ""
        )
        region["head"] = director
        for dept in region["departments"]:
            manager = add_person(
                "manager", dept, director, TITLES["manager"], "manager" if first else ""
            )
            dept["head"] = manager
            for t, team in enumerate(dept["teams"]):
                lead = add_person(
                    "team_lead",
                    team,
                    manager,
                    TITLES["team_lead"],
                    "lead" if first and t == 0 else "",
                )
                team["head"] = lead
                for i in range(rng.randint(*size.reps_per_team)):
                    username = ""
                    if first and t == 0 and i == 0:
                        username = "rep"
                    elif first and t == 1 and i == 0:
                        username = "rep2"
                    senior = rng.random() < 0.25
                    add_person(
                        "rep", team, lead, TITLES["senior_rep" if senior else "rep"], username
                    )
            first = False

    # A few reps have left: deactivated, records kept (ORG-1). Never a demo login.
    candidates = [p for p in people if p["role"] == "rep" and p["username"] not in fixed]
    leavers = rng.sample(candidates, max(2, len(candidates) // 30))
    for person in leavers:
        person["inactive"] = True

    user_ids = ctx.allocate_ids(User, len(people))
    for person, pk in zip(people, user_ids, strict=True):
        person["id"] = pk

    # ---- insert ------------------------------------------------------------------------
    now = ctx.now
    units = [
        OrgUnit(
            id=node["id"],
            name=node["name"],
            code=node["code"],
            kind=node["kind"],
            parent_id=node["parent"]["id"] if node["parent"] else None,
            path=node["path"],
            depth=node["depth"],
            manager_id=node["head"]["id"] if "head" in node else None,
            sort_order=node["order"],
            created_at=now,
            updated_at=now,
        )
        for node in plan
    ]
    ctx.bulk_insert(OrgUnit, units)

    users = []
    for person in people:
        joined = now - timedelta(days=rng.randint(30, 2400), minutes=rng.randint(0, 1439))
        inactive = person.get("inactive", False)
        users.append(
            User(
                id=person["id"],
                username=person["username"],
                password=ctx.password_hash,
                first_name=person["first_name"],
                last_name=person["last_name"],
                display_name=person["display_name"],
                email=f"{person['username']}@xingchen.example.com",
                phone=f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}",
                title=person["title"],
                unit_id=person["unit"]["id"],
                reports_to_id=person["boss"]["id"] if person["boss"] else None,
                role_id=roles[person["role"]],
                is_staff=person["role"] == "admin",
                # The demo admin, like one made by `salesdesk createadmin`, may use Django admin.
                is_superuser=person["username"] == "admin",
                is_active=not inactive,
                deactivated_at=(now - timedelta(days=rng.randint(1, 20))) if inactive else None,
                date_joined=joined,
            )
        )
    ctx.bulk_insert(User, users)

    # ---- results for later builders and for the printed logins ---------------------------
    result = OrgResult(company_id=company["id"])
    result.unit_path = {node["id"]: node["path"] for node in plan}
    by_kind = {
        "region": result.region_ids,
        "department": result.department_ids,
        "team": result.team_ids,
    }
    for node in plan:
        if node["kind"] in by_kind and node is not finance_unit and node is not it_unit:
            by_kind[node["kind"]].append(node["id"])
    lists = {
        "team_lead": result.lead_ids,
        "manager": result.manager_ids,
        "director": result.director_ids,
        "finance": result.finance_ids,
        "admin": result.admin_ids,
    }
    for person in people:
        result.user_unit[person["id"]] = person["unit"]["id"]
        if person["role"] == "rep":
            if person.get("inactive"):
                result.inactive_rep_ids.append(person["id"])
            else:
                result.rep_ids.append(person["id"])
                result.team_reps.setdefault(person["unit"]["id"], []).append(person["id"])
        else:
            lists[person["role"]].append(person["id"])
    ctx.results["org"] = result
    for username, role, description in DEMO_LOGINS:
        ctx.logins.append(DemoLogin(username=username, role=role, description=description))
