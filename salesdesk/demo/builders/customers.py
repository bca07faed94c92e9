"""Demo customers (CUS-1, CUS-2, CUS-8): companies and individuals, contacts, tags, follow-ups
and the open tasks their next contact times create.

Sizes (salesdesk/demo/sizes.py): small 2,000 customers / ≈4,000 contacts / ≈20,000 follow-ups;
medium 50,000 / ≈100,000 / ≈250,000; large 1,000,000 / ≈2,000,000 / ≈1,000,000.

What the data looks like:
- Chinese companies (上海星海精密机械有限公司), English-named companies (Northwind Trading Co.,
  Ltd.; most customers of the overseas region) and individuals (about a fifth), in the cities of
  the owner's sales region, with province, district, address, industry, size, revenue, source,
  demographic fields for individuals, psychographic tags, a valid unified social credit code
  (GB 32100 check character) for mainland companies, phones in the formats people type
  (13812345678, +86 138 1234 5678, 021-62345678), emails and websites;
- owners are the active reps and team leads of the demo organisation, the org unit is the
  owner's; customers are created over the two years before today (ids in creation order);
- about 55% have purchases (first/last purchase date, count, value), levels follow value and
  recency (A ≈ 5%, B ≈ 15%); a few levels are locked as set by hand;
- 1–3 contacts per company (exactly one primary, decision roles, some birthdays), one for an
  individual (the person);
- follow-ups (call, WeChat, visit, email, meeting) with short Chinese or English notes; the latest
  follow-up of some customers plans a next contact, with the matching open task;
- a handful of deliberate near-duplicates of earlier customers (the same phone typed with +86 and
  spaces, the same name with another legal-form suffix, an English name in capitals with
  "Limited"), so the duplicate check (CUS-5) has something to find: see
  `CustomersResult.duplicates`.

Speed (decisions D5): rows are generated in chunks as plain tuples and written with one
multi-row statement per chunk (COPY on PostgreSQL, executemany on SQLite) inside the demo's
transaction; ids are reserved up front so related rows point at each other without a second pass.
Normalised keys and pinyin are filled for every row exactly as `salesdesk.customers.normalize`
computes them; pinyin (≈130 µs per name) is cached per word (city, brand, trade, legal form,
surname, given name), which gives the same result as the whole name because every part is a
word of its own (tests/demo/test_customers_builder.py checks generated rows against
`pinyin_keys`). No field-history rows are written for demo records: history starts with the
first real edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connections

from salesdesk.core.bulk import TupleTable
from salesdesk.customers import name_index
from salesdesk.customers.normalize import (
    normalize_credit_code,
    normalize_email,
    normalize_name,
    normalize_phone,
    pinyin_keys,
)
from salesdesk.demo.context import DemoContext
from salesdesk.demo.names import ENGLISH_FIRST, GIVEN_CHARS, SURNAMES
from salesdesk.demo.registry import register

CHUNK = 10_000  # customers generated and written per batch

# ---- geography: every city of the demo organisation (builders/org.py REGIONS) ----------------
# city -> (province, area code, administrative division code for credit codes or "", English
# name, districts)
CITIES: dict[str, tuple[str, str, str, str, tuple[str, ...]]] = {
    "上海": ("上海市", "021", "310115", "Shanghai", ("浦东新区", "闵行区", "徐汇区", "静安区")),
    "杭州": ("浙江省", "0571", "330106", "Hangzhou", ("西湖区", "滨江区", "余杭区")),
    "南京": ("江苏省", "025", "320106", "Nanjing", ("鼓楼区", "江宁区", "建邺区")),
    "苏州": ("江苏省", "0512", "320506", "Suzhou", ("工业园区", "吴中区", "昆山市")),
    "合肥": ("安徽省", "0551", "340104", "Hefei", ("蜀山区", "包河区")),
    "宁波": ("浙江省", "0574", "330212", "Ningbo", ("鄞州区", "北仑区")),
    "北京": ("北京市", "010", "110105", "Beijing", ("朝阳区", "海淀区", "东城区", "丰台区")),
    "天津": ("天津市", "022", "120116", "Tianjin", ("滨海新区", "和平区")),
    "济南": ("山东省", "0531", "370102", "Jinan", ("历下区", "槐荫区")),
    "青岛": ("山东省", "0532", "370202", "Qingdao", ("市南区", "黄岛区")),
    "石家庄": ("河北省", "0311", "130102", "Shijiazhuang", ("长安区", "桥西区")),
    "太原": ("山西省", "0351", "140105", "Taiyuan", ("小店区", "迎泽区")),
    "广州": ("广东省", "020", "440106", "Guangzhou", ("天河区", "越秀区", "番禺区")),
    "深圳": ("广东省", "0755", "440305", "Shenzhen", ("南山区", "福田区", "宝安区")),
    "厦门": ("福建省", "0592", "350203", "Xiamen", ("思明区", "湖里区")),
    "福州": ("福建省", "0591", "350102", "Fuzhou", ("鼓楼区", "仓山区")),
    "南宁": ("广西壮族自治区", "0771", "450103", "Nanning", ("青秀区", "西乡塘区")),
    "海口": ("海南省", "0898", "460106", "Haikou", ("龙华区", "美兰区")),
    "成都": ("四川省", "028", "510107", "Chengdu", ("高新区", "武侯区", "锦江区")),
    "重庆": ("重庆市", "023", "500112", "Chongqing", ("渝北区", "江北区", "渝中区")),
    "昆明": ("云南省", "0871", "530102", "Kunming", ("五华区", "盘龙区")),
    "贵阳": ("贵州省", "0851", "520115", "Guiyang", ("观山湖区", "南明区")),
    "绵阳": ("四川省", "0816", "510703", "Mianyang", ("涪城区", "游仙区")),
    "拉萨": ("西藏自治区", "0891", "540102", "Lhasa", ("城关区", "堆龙德庆区")),
    "武汉": ("湖北省", "027", "420103", "Wuhan", ("江汉区", "洪山区", "武昌区")),
    "长沙": ("湖南省", "0731", "430104", "Changsha", ("岳麓区", "芙蓉区")),
    "郑州": ("河南省", "0371", "410105", "Zhengzhou", ("金水区", "郑东新区")),
    "南昌": ("江西省", "0791", "360102", "Nanchang", ("红谷滩区", "东湖区")),
    "宜昌": ("湖北省", "0717", "420502", "Yichang", ("西陵区", "伍家岗区")),
    "洛阳": ("河南省", "0379", "410311", "Luoyang", ("洛龙区", "西工区")),
    "西安": ("陕西省", "029", "610113", "Xi'an", ("雁塔区", "未央区")),
    "兰州": ("甘肃省", "0931", "620102", "Lanzhou", ("城关区", "七里河区")),
    "银川": ("宁夏回族自治区", "0951", "640106", "Yinchuan", ("金凤区", "兴庆区")),
    "西宁": ("青海省", "0971", "630104", "Xining", ("城西区", "城东区")),
    "乌鲁木齐": ("新疆维吾尔自治区", "0991", "650102", "Urumqi", ("天山区", "沙依巴克区")),
    "宝鸡": ("陕西省", "0917", "610302", "Baoji", ("渭滨区", "金台区")),
    "沈阳": ("辽宁省", "024", "210102", "Shenyang", ("和平区", "浑南区")),
    "大连": ("辽宁省", "0411", "210202", "Dalian", ("中山区", "甘井子区")),
    "长春": ("吉林省", "0431", "220104", "Changchun", ("朝阳区", "南关区")),
    "哈尔滨": ("黑龙江省", "0451", "230103", "Harbin", ("南岗区", "道里区")),
    "鞍山": ("辽宁省", "0412", "210302", "Anshan", ("铁东区", "铁西区")),
    "吉林": ("吉林省", "0432", "220204", "Jilin", ("船营区", "丰满区")),
    "香港": ("香港特别行政区", "+852", "", "Hong Kong", ("中西区", "九龙城区", "湾仔区")),
    "新加坡": ("新加坡", "+65", "", "Singapore", ("",)),
    "吉隆坡": ("马来西亚", "+60 3", "", "Kuala Lumpur", ("",)),
    "曼谷": ("泰国", "+66 2", "", "Bangkok", ("",)),
    "雅加达": ("印度尼西亚", "+62 21", "", "Jakarta", ("",)),
    "胡志明市": ("越南", "+84 28", "", "Ho Chi Minh City", ("",)),
}
ROADS = ("人民路", "中山路", "解放路", "建设路", "科技路", "创新大道", "世纪大道", "长江路",
         "和平路", "文化路", "工业大道", "金融街", "滨江路", "新华路", "东风路",
         "高新大道")  # fmt: skip
EN_ROADS = ("Harbour Road", "Orchard Road", "Queen's Road", "Sukhumvit Road", "Jalan Ampang",
            "Nguyen Hue Blvd", "Sudirman Street", "Robinson Road")  # fmt: skip

# ---- company names ---------------------------------------------------------------------------
# Brand characters: no polyphones, so a brand's pinyin is the same alone and inside a name.
BRAND_CHARS = "星海华信博远恒通瑞丰鑫泰盛达宏源金鼎天宇科创新嘉禾安康德诚力东方汇智联九州光明永佳美润隆兴旺凯启峰云锦腾飞阳益晟蓝图卓越环宁昌顺威"  # noqa: E501
# industry code -> (Chinese trade words, English trade words, weight)
INDUSTRIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], int]] = {
    "manufacturing": (
        ("精密机械", "机电设备", "模具制造", "汽车零部件", "五金制品", "自动化设备", "包装材料"),
        ("Precision Machinery", "Industrial Equipment", "Auto Parts", "Hardware"),
        22,
    ),
    "it": (
        ("科技", "信息技术", "软件", "网络科技", "数据科技", "智能科技", "电子"),
        ("Software", "Technology", "Data Systems", "Electronics"),
        14,
    ),
    "retail": (
        ("商贸", "贸易", "百货", "电子商务", "超市", "食品销售"),
        ("Trading", "Retail", "Commerce", "Import & Export"),
        14,
    ),
    "construction": (
        ("建设工程", "建材", "置业", "装饰工程", "市政工程"),
        ("Construction", "Building Materials", "Properties"),
        9,
    ),
    "logistics": (
        ("物流", "供应链管理", "国际货运代理", "仓储服务"),
        ("Logistics", "Supply Chain", "Freight"),
        7,
    ),
    "healthcare": (
        ("医疗器械", "生物医药", "健康管理", "医药"),
        ("Medical Devices", "Healthcare", "Biotech"),
        7,
    ),
    "finance": (("投资管理", "融资租赁", "保险代理"), ("Capital", "Leasing", "Insurance"), 5),
    "education": (("教育科技", "培训", "文化教育"), ("Education", "Learning"), 5),
    "energy": (("新能源", "光伏科技", "电力设备", "环保科技"), ("Energy", "Solar", "Power"), 5),
    "media": (("文化传媒", "广告", "影视文化"), ("Media", "Advertising", "Studios"), 4),
    "hospitality": (("餐饮管理", "酒店管理", "旅游发展"), ("Hospitality", "Hotels", "Travel"), 4),
    "agriculture": (("农业科技", "生态农业", "食品"), ("Agritech", "Foods", "Farms"), 3),
    "government": (("城市发展", "公用事业", "城市建设投资"), ("Public Services",), 1),
}
LEGAL_CN = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
LEGAL_CN_W = (70, 14, 12, 4)
LEGAL_EN = ("Co., Ltd.", "Ltd.", "Limited", "Inc.", "Pte. Ltd.", "Corporation")
LEGAL_EN_W = (40, 20, 15, 10, 10, 5)
EN_HEADS = ("North", "Blue", "Silver", "Golden", "Green", "Bright", "Red", "Sun", "Star", "Ocean",
            "Pacific", "East", "West", "Summit", "Harbor", "River", "Stone", "Maple", "Pine",
            "Eagle", "Falcon", "Lotus", "Jade", "Dragon", "Crystal", "Swift", "Iron", "Cedar",
            "Prime", "Nova")  # fmt: skip
EN_TAILS = ("wind", "stone", "bridge", "field", "gate", "way", "point", "view", "ridge", "line",
            "star", "wave", "peak", "light", "port", "works", "crest", "brook",
            "stream", "leaf")  # fmt: skip

# ---- people ----------------------------------------------------------------------------------
TITLES_CN = (("总经理", "总经办", "decision_maker"), ("副总经理", "总经办", "decision_maker"),
             ("采购经理", "采购部", "influencer"), ("采购专员", "采购部", "user"),
             ("技术总监", "技术部", "influencer"), ("IT经理", "信息部", "champion"),
             ("财务经理", "财务部", "influencer"), ("行政主管", "行政部", "gatekeeper"),
             ("运营经理", "运营部", "user"), ("销售总监", "销售部", "champion"),
             ("董事长", "董事会", "decision_maker"), ("项目经理", "项目部", "user"))  # fmt: skip
TITLES_EN = (("General Manager", "Management", "decision_maker"),
             ("Purchasing Manager", "Purchasing", "influencer"),
             ("IT Director", "IT", "champion"), ("Finance Manager", "Finance", "influencer"),
             ("Office Manager", "Administration", "gatekeeper"),
             ("Operations Manager", "Operations", "user"),
             ("Managing Director", "Management", "decision_maker"))  # fmt: skip
MAIL_HOSTS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "156", "157", "158", "159", "166", "170", "176", "177", "180",
                   "181", "182", "183", "185", "186", "187", "188", "189", "191",
                   "198", "199")  # fmt: skip

# ---- tags (psychographics) -------------------------------------------------------------------
TAGS: tuple[tuple[str, str], ...] = (
    ("interest", "数字化转型"), ("interest", "智能制造"), ("interest", "跨境电商"),
    ("interest", "绿色低碳"), ("interest", "降本增效"), ("interest", "户外运动"),
    ("interest", "高尔夫"), ("interest", "茶文化"), ("interest", "新品尝鲜"),
    ("value", "价格敏感"), ("value", "重视品质"), ("value", "重视服务"), ("value", "品牌导向"),
    ("value", "长期合作"), ("value", "创新优先"), ("value", "决策谨慎"),
    ("lifestyle", "商务出行频繁"), ("lifestyle", "家庭导向"), ("lifestyle", "健康生活"),
    ("lifestyle", "移动办公"), ("lifestyle", "社交活跃"), ("lifestyle", "注重效率"),
)  # fmt: skip

# ---- follow-ups ------------------------------------------------------------------------------
FOLLOW_UP_KINDS = ("call", "wechat", "visit", "email", "meeting")
FOLLOW_UP_KIND_W = (35, 30, 15, 10, 10)
_TOPICS_CN = ("年度采购计划", "新产品报价", "售后服务问题", "合同续签", "付款进度", "技术方案",
              "试用反馈", "交付时间", "价格调整", "培训安排")  # fmt: skip
_REACTIONS_CN = ("客户表示有兴趣", "需要内部评估", "希望下周再联系", "对价格有顾虑",
                 "已确认需求", "要求补充资料", "决策人出差，待定", "整体满意")  # fmt: skip
_TOPICS_EN = ("annual purchasing plan", "the new quotation", "an after-sales issue",
              "contract renewal", "payment schedule", "the technical proposal",
              "trial feedback", "delivery dates")  # fmt: skip
_REACTIONS_EN = ("interested", "evaluating internally", "asked to talk again next week",
                 "concerned about the price", "confirmed the requirement",
                 "asked for more documents")  # fmt: skip
_FORMS_CN = {
    "call": "电话沟通{t}，{r}。",
    "wechat": "微信沟通{t}，{r}。",
    "visit": "上门拜访，介绍{t}，{r}。",
    "email": "发送邮件说明{t}，{r}。",
    "meeting": "会议讨论{t}，{r}。",
}
_FORMS_EN = {
    "call": "Called about {t}; {r}.",
    "wechat": "WeChat chat about {t}; {r}.",
    "visit": "On-site visit, presented {t}; {r}.",
    "email": "Emailed about {t}; {r}.",
    "meeting": "Meeting on {t}; {r}.",
}
CONTENT_CN = {k: [f.format(t=t, r=r) for t in _TOPICS_CN for r in _REACTIONS_CN]
              for k, f in _FORMS_CN.items()}  # fmt: skip
CONTENT_EN = {k: [f.format(t=t, r=r) for t in _TOPICS_EN for r in _REACTIONS_EN]
              for k, f in _FORMS_EN.items()}  # fmt: skip
NEEDS = ("希望降低采购成本", "需要与现有ERP系统对接", "关注交付周期和售后响应",
         "计划扩大产能，需要设备升级", "希望提供分期付款方案", "需要定制化方案")  # fmt: skip

SOURCES = ("referral", "website", "exhibition", "cold_call", "advertising", "partner", "social",
           "existing", "other")  # fmt: skip
SOURCE_W = (20, 18, 12, 15, 8, 10, 10, 5, 2)
COMPANY_SIZES = ("1-19", "20-99", "100-499", "500-1999", "2000+")
COMPANY_SIZE_W = (25, 35, 25, 10, 5)
# yearly revenue range in 万元 per company size, and the typical order in 元
SIZE_REVENUE = {"1-19": (50, 500), "20-99": (500, 3000), "100-499": (3000, 20000),
                "500-1999": (20000, 100000), "2000+": (100000, 1000000)}  # fmt: skip
SIZE_ORDER = {"1-19": 8_000, "20-99": 20_000, "100-499": 50_000, "500-1999": 120_000,
              "2000+": 300_000, "": 3_000}  # fmt: skip
AGE_BANDS = ("<25", "25-34", "35-44", "45-54", "55+")
AGE_BAND_W = (10, 35, 30, 15, 10)
INCOME_BANDS = ("low", "middle", "upper_middle", "high")
INCOME_BAND_W = (25, 45, 22, 8)

# GB 32100-2015: the 18th character of a unified social credit code is a check character.
_CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_VALUE = {c: i for i, c in enumerate(_CC_ALPHABET)}
_CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(_CC_VALUE[c] * w for c, w in zip(first17, _CC_WEIGHTS, strict=True))
    return _CC_ALPHABET[(31 - total % 31) % 31]


@dataclass
class CustomersResult:
    """What the customers builder made, for later builders (pipeline, contracts …) and tests."""

    first_customer_id: int = 0
    customer_count: int = 0
    contact_count: int = 0
    follow_up_count: int = 0
    task_count: int = 0
    tag_ids: list[int] = field(default_factory=list)
    # (original id, near-duplicate id, what matches: "name" | "phone")
    duplicates: list[tuple[int, int, str]] = field(default_factory=list)


class _Pinyin:
    """pinyin_keys() per word (cached in salesdesk.customers.normalize); a name's keys are the
    concatenation of its words'."""

    def word(self, text: str) -> tuple[str, str]:
        return pinyin_keys(text)

    def join(self, parts: Iterable[str]) -> tuple[str, str]:
        full, initials = zip(*(self.word(p) for p in parts), strict=True)
        return "".join(full)[:300], "".join(initials)[:100]


class _Table(TupleTable):
    """Plain-tuple rows for one table (salesdesk.core.bulk.TupleTable), counted for the demo's
    summary and reset."""

    def __init__(self, ctx: DemoContext, model, columns: Sequence[str]) -> None:
        super().__init__(model, columns, using=ctx.using)
        self.ctx = ctx

    def flush(self) -> int:
        count = super().flush()
        if count:
            label = self.model._meta.label
            self.ctx.counts[label] = self.ctx.counts.get(label, 0) + count
            if self.model not in self.ctx.touched:
                self.ctx.touched.append(self.model)
        return count


class _Ids:
    """Consecutive primary keys for rows whose number is only known while generating."""

    def __init__(self, ctx: DemoContext, model) -> None:
        self.ctx, self.model = ctx, model
        self.start = self.next = ctx.allocate_ids(model, 0).start

    def take(self) -> int:
        pk = self.next
        self.next += 1
        return pk

    def commit(self) -> None:
        reserved = self.ctx.allocate_ids(self.model, self.next - self.start)
        assert reserved.start == self.start, "ids of the demo customers were taken meanwhile"


def reset_customers(ctx: DemoContext) -> None:
    """Delete every customer, contact, follow-up, task and tag (and their field history)."""
    from salesdesk.customers.models import Contact, Customer, FollowUp, Tag, Task

    db = ctx.using
    for model in (
        FollowUp.contacts.through,
        Task,
        FollowUp,
        Customer.tags.through,
        Contact.history.model,
        Contact,
        Customer.history.model,
        Customer,
        Tag,
    ):
        model._base_manager.using(db).all()._raw_delete(db)
    name_index.clear(using=db)  # the ids start again after a reset


@register("customers", after=("org",), reset=reset_customers)
def build_customers(ctx: DemoContext) -> None:
    """Customers, contacts, tags, follow-ups and open tasks (CUS-1, CUS-2, CUS-8)."""
    _CustomerFactory(ctx).build()


class _CustomerFactory:
    def __init__(self, ctx: DemoContext) -> None:
        from salesdesk.customers.models import Contact, Customer, FollowUp, Tag, Task
        from salesdesk.org.models import OrgUnit

        self.ctx = ctx
        self.rng = ctx.rng_for("customers")
        self.py = _Pinyin()
        self.pg = connections[ctx.using].vendor == "postgresql"
        self.now = ctx.now.astimezone(UTC).replace(tzinfo=None, microsecond=0)
        self.today = ctx.today
        org = ctx.results["org"]
        units = {
            pk: (name, kind)
            for pk, name, kind in OrgUnit.all_objects.using(ctx.using).values_list(
                "pk", "name", "kind"
            )
        }
        # owners: active reps (weight 1) and team leads (weight 0.4), with their city and region
        owners, weights = [], []
        for user_id, weight in [(u, 1.0) for u in org.rep_ids] + [(u, 0.4) for u in org.lead_ids]:
            unit_id = org.user_unit[user_id]
            path = [int(p) for p in org.unit_path[unit_id].strip("/").split("/")]
            region = units[path[1]][0] if len(path) > 1 else ""
            dept = units[path[2]][0] if len(path) > 2 else ""
            city = dept.removesuffix("销售部")
            if city not in CITIES:
                city = "上海"
            owners.append((user_id, unit_id, city, region))
            weights.append(weight)
        if not owners:
            raise RuntimeError("the customers demo needs the org builder's reps")
        self.owners = owners
        self.owner_cw = _cumulative(weights)
        # cities of each region, from the owners' departments
        self.region_cities: dict[str, list[str]] = {}
        for _u, _unit, city, region in owners:
            cities = self.region_cities.setdefault(region, [])
            if city not in cities:
                cities.append(city)
        self.ind_codes = list(INDUSTRIES)
        self.ind_cw = _cumulative([INDUSTRIES[c][2] for c in self.ind_codes])
        self.seen_names: set[str] = set()
        self.seen_mobiles: set[int] = set()
        self.samples: list[dict] = []  # earlier customers to copy into near-duplicates
        self.result = CustomersResult()
        ctx.results["customers"] = self.result

        self.customers = _Table(ctx, Customer, CUSTOMER_COLUMNS)
        self.contacts = _Table(ctx, Contact, CONTACT_COLUMNS)
        self.follow_ups = _Table(ctx, FollowUp, FOLLOW_UP_COLUMNS)
        self.tasks = _Table(ctx, Task, TASK_COLUMNS)
        self.customer_tags = _Table(ctx, Customer.tags.through, ("customer_id", "tag_id"))
        self.follow_up_contacts = _Table(
            ctx, FollowUp.contacts.through, ("followup_id", "contact_id")
        )
        self.contact_ids = _Ids(ctx, Contact)
        self.follow_up_ids = _Ids(ctx, FollowUp)
        self.task_ids = _Ids(ctx, Task)
        self.models = (Customer, Contact, FollowUp, Task, Tag)

    # ---- value helpers ----------------------------------------------------------------
    def ts(self, value: datetime | None):
        """A naive UTC datetime as the database driver wants it (None stays None)."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if self.pg else str(value)

    def day(self, value: date | None):
        if value is None:
            return None
        return value if self.pg else value.isoformat()

    def mobile(self) -> str:
        rng = self.rng
        while True:
            number = int(rng.choice(MOBILE_PREFIXES)) * 10**8 + rng.randrange(10**8)
            if number not in self.seen_mobiles:
                self.seen_mobiles.add(number)
                return str(number)

    def typed_mobile(self, digits: str) -> str:
        """A mobile number as people type it: mostly bare, some with +86 and spaces or dashes."""
        r = self.rng.random()
        if r < 0.7:
            return digits
        if r < 0.85:
            return f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
        if r < 0.95:
            return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
        return f"+86{digits}"

    def landline(self, city: str) -> str:
        area = CITIES[city][1]
        if area.startswith("+"):
            return f"{area} {self.rng.randrange(10**7, 10**8)}"
        digits = 8 if len(area) == 3 else self.rng.choice((7, 8))
        return f"{area}-{self.rng.randrange(2 * 10 ** (digits - 1), 10**digits)}"

    def credit_code(self, city: str) -> str:
        division = CITIES[city][2]
        body = "91" + division + "".join(self.rng.choices(_CC_ALPHABET, k=9))
        return body + credit_code_check_char(body)

    def person_name(self, english: bool) -> tuple[str, tuple[str, ...], str]:
        """(display name, pinyin parts, gender)."""
        rng = self.rng
        surname, surname_py = rng.choices(SURNAMES, cum_weights=_SURNAME_CW, k=1)[0]
        gender = "female" if rng.random() < 0.45 else "male"
        if english:
            first = rng.choice(ENGLISH_FIRST)
            last = surname_py.capitalize()
            return f"{first} {last}", (first, " ", last), gender
        given = "".join(c for c, _ in rng.sample(GIVEN_CHARS, 1 if rng.random() < 0.3 else 2))
        if surname + given[0] in _JOINED_WORDS:  # read differently together: one word
            return surname + given, (surname + given,), gender
        return surname + given, (surname, given), gender

    # ---- customers ----------------------------------------------------------------------
    def company_name(self, city: str, english: bool, industry: str) -> dict:
        rng = self.rng
        cn_words, en_words, _w = INDUSTRIES[industry]
        for _attempt in range(12):
            if english:
                stem = rng.choice(EN_HEADS) + rng.choice(EN_TAILS)
                trade = rng.choice(en_words)
                legal = rng.choices(LEGAL_EN, weights=LEGAL_EN_W, k=1)[0]
                place = f" ({CITIES[city][3]})" if rng.random() < 0.5 else ""
                parts = (stem, " ", trade, place, " ", legal)
                domain = f"{stem.lower()}{self.py.word(trade)[1]}.com"
                short = stem
            else:
                brand = "".join(rng.sample(BRAND_CHARS, 2))
                trade = rng.choice(cn_words)
                legal = rng.choices(LEGAL_CN, weights=LEGAL_CN_W, k=1)[0]
                parts = (city, brand, trade, legal)
                domain = (
                    f"{self.py.word(brand)[0]}{self.py.word(trade)[1]}"
                    f"{self.py.word(city)[1]}.com.cn"
                )
                short = brand + trade[:2]
            name = "".join(parts)
            key = normalize_name(name)
            if key not in self.seen_names:
                break
        self.seen_names.add(key)
        return {"name": name, "parts": parts, "key": key, "domain": domain, "short": short}

    def build(self) -> None:
        from salesdesk.customers.models import Customer, Tag

        ctx, size = self.ctx, self.ctx.size
        total = size.customers
        if total <= 0:
            return
        tag_ids = list(ctx.allocate_ids(Tag, len(TAGS)))
        now_ts = self.ts(self.now)
        tags = _Table(ctx, Tag, ("id", "created_at", "updated_at", "category", "name"))
        for pk, (category, name) in zip(tag_ids, TAGS, strict=True):
            tags.add((pk, now_ts, now_ts, category, name))
        tags.flush()
        self.tag_ids = tag_ids
        self.result.tag_ids = tag_ids

        n_dups = min(40, max(6, total // 250))
        n_main = max(1, total - n_dups)
        ids = ctx.allocate_ids(Customer, n_main + n_dups)
        self.result.first_customer_id = ids.start
        self.fu_mean = size.follow_ups / total
        span = timedelta(days=730).total_seconds()
        start = self.now - timedelta(days=730)
        for i, pk in enumerate(ids[:n_main]):
            created = start + timedelta(seconds=span * (i + self.rng.random()) / n_main)
            self.customer(pk, created)
            if len(self.customers.rows) >= CHUNK:
                self.flush()
        for k, pk in enumerate(ids[n_main:]):
            self.near_duplicate(pk, by_phone=k % 2 == 0)
        self.flush()
        for counter in (self.contact_ids, self.follow_up_ids, self.task_ids):
            counter.commit()
        self.result.customer_count = n_main + n_dups
        self.result.contact_count = self.contact_ids.next - self.contact_ids.start
        self.result.follow_up_count = self.follow_up_ids.next - self.follow_up_ids.start
        self.result.task_count = self.task_ids.next - self.task_ids.start

    def flush(self) -> None:
        for table, kind in ((self.customers, "customer"), (self.contacts, "contact")):
            col = table.columns.index("name")
            name_index.index_names(
                kind, [(row[0], row[col]) for row in table.rows], new=True, using=self.ctx.using
            )
        for table in (
            self.customers,
            self.customer_tags,
            self.contacts,
            self.follow_ups,
            self.follow_up_contacts,
            self.tasks,
        ):
            table.flush()

    def near_duplicate(self, pk: int, *, by_phone: bool) -> None:
        """A customer entered again: same phone typed with +86, or the same name with another
        legal form (English: in capitals with "Limited")."""
        rng = self.rng
        pool = [s for s in self.samples if s["mobile"]] if by_phone else self.samples
        original = pool[rng.randrange(len(pool))] if pool else None
        if original is None:
            return self.customer(pk, self.now - timedelta(days=1))
        created = self.now - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600))
        if by_phone:
            d = original["mobile"]
            self.customer(pk, created, city=original["city"], phone=f"+86 {d[:3]} {d[3:7]} {d[7:]}")
            self.result.duplicates.append((original["id"], pk, "phone"))
        else:
            parts = original["parts"]
            if parts[0] in CITIES:  # Chinese: another legal form
                legal = next(s for s in LEGAL_CN[1:] + LEGAL_CN[:1] if s != parts[-1])
                parts = (*parts[:-1], legal)
            else:
                parts = (*tuple(p.upper() for p in parts[:-1]), "LIMITED")
            self.customer(pk, created, city=original["city"], name_parts=parts)
            self.result.duplicates.append((original["id"], pk, "name"))
        return None

    def customer(
        self,
        pk: int,
        created: datetime,
        *,
        city: str | None = None,
        phone: str | None = None,
        name_parts: tuple[str, ...] | None = None,
    ) -> None:
        rng, ts, day = self.rng, self.ts, self.day
        owner_id, unit_id, home_city, region = rng.choices(self.owners, cum_weights=self.owner_cw)[
            0
        ]
        if city is None:
            cities = self.region_cities[region]
            city = home_city if rng.random() < 0.7 else rng.choice(cities)
        province, _area, division, city_en, districts = CITIES[city]
        overseas = not division
        individual = name_parts is None and rng.random() < (0.05 if overseas else 0.2)
        english = rng.random() < (0.85 if overseas else 0.06)
        created = created.replace(hour=rng.randint(1, 10), minute=rng.randint(0, 59))
        mobile = ""
        industry = company_size = age_band = gender = income_band = ""
        credit_code = email = website = short_name = needs = ""
        revenue = None
        if individual:
            name, parts, gender = self.person_name(english)
            mobile = self.mobile()
            phone = phone or self.typed_mobile(mobile)
            age_band = rng.choices(AGE_BANDS, weights=AGE_BAND_W, k=1)[0]
            income_band = rng.choices(INCOME_BANDS, weights=INCOME_BAND_W, k=1)[0]
            if rng.random() < 0.6:
                email = f"{self.py.join(parts)[0]}{rng.randint(1, 9999)}@{rng.choice(MAIL_HOSTS)}"
            domain = ""
            key = normalize_name(name)
        else:
            industry = self.ind_codes[_pick(rng, self.ind_cw)]
            if name_parts is not None:
                english = name_parts[0] not in CITIES
                parts = name_parts
                name = "".join(parts)
                key = normalize_name(name)
                domain = f"{key[:12]}.com"
                short_name = parts[0] if english else parts[1] + parts[2][:2]
            else:
                made = self.company_name(city, english, industry)
                name, parts, key, domain = made["name"], made["parts"], made["key"], made["domain"]
                short_name = made["short"]
            company_size = rng.choices(COMPANY_SIZES, weights=COMPANY_SIZE_W, k=1)[0]
            if rng.random() < 0.7:
                lo, hi = SIZE_REVENUE[company_size]
                revenue = Decimal(rng.randint(lo, hi) * 10_000)
            if not overseas and not english and rng.random() < 0.9:
                credit_code = self.credit_code(city)
            if phone is None:
                if rng.random() < 0.5:
                    phone = self.landline(city)
                else:
                    mobile = self.mobile()
                    phone = self.typed_mobile(mobile)
            if rng.random() < 0.7:
                email = f"{rng.choice(('info', 'sales', 'contact', 'service'))}@{domain}"
            if rng.random() < 0.4:
                website = f"https://www.{domain}"
            if rng.random() < 0.3:
                needs = rng.choice(NEEDS)
        name_pinyin, name_initials = self.py.join(parts)
        district = rng.choice(districts)
        if overseas:
            address = f"{rng.randint(1, 300)} {rng.choice(EN_ROADS)}, {city_en}"
        else:
            address = f"{province}{city}{district}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
        source = rng.choices(SOURCES, weights=SOURCE_W, k=1)[0]

        # behaviour: purchases for a little over half of the customers
        first_p = last_p = None
        count, value = 0, Decimal(0)
        age_days = max(1, (self.now - created).days)
        level = "D"
        if rng.random() < 0.55 and age_days > 7:
            count = min(200, 1 + int(rng.paretovariate(1.4)) - 1 + rng.randint(0, 3))
            order = SIZE_ORDER[company_size] * rng.lognormvariate(0, 0.7)
            value = Decimal(f"{count * order:.2f}")
            first_p = created.date() + timedelta(days=rng.randint(1, min(age_days, 120)))
            first_p = min(first_p, self.today)
            last_p = first_p
            if count > 1:
                gap = (self.today - first_p).days
                last_p = first_p + timedelta(days=int(gap * rng.random() ** 0.3))
            recent = (self.today - last_p).days < 180
            if value >= 700_000 and recent:
                level = "A"
            elif value >= 200_000 or (value >= 100_000 and recent):
                level = "B"
            else:
                level = "C"
        elif rng.random() < 0.1:
            level = "C"
        level_locked = rng.random() < 0.03
        if level_locked and rng.random() < 0.5:
            level = rng.choice("AB")

        # contacts
        n_contacts = 1 if individual else rng.choices((1, 2, 3), cum_weights=(20, 55, 100))[0]
        contact_ids = []
        for c in range(n_contacts):
            contact_ids.append(
                self.contact(pk, c == 0, created, individual, english, domain, name, mobile, parts)
            )

        # follow-ups, the latest may plan the next contact (and an open task)
        n_fu = min(60, int(rng.expovariate(1 / self.fu_mean) + 0.5)) if self.fu_mean else 0
        last_fu = next_fu = None
        if n_fu:
            window = (self.now - created).total_seconds()
            times = sorted(
                min(
                    self.now,
                    (created + timedelta(seconds=window * rng.random())).replace(
                        hour=rng.randint(1, 10)
                    ),
                )
                for _ in range(n_fu)
            )
            content = CONTENT_EN if english else CONTENT_CN
            for k, when in enumerate(times):
                fu_id = self.follow_up_ids.take()
                kind = rng.choices(FOLLOW_UP_KINDS, weights=FOLLOW_UP_KIND_W, k=1)[0]
                planned = None
                if k == n_fu - 1 and rng.random() < (0.6 if (self.now - when).days < 90 else 0.15):
                    planned = (self.now + timedelta(days=rng.randint(-7, 21))).replace(
                        hour=rng.choice((1, 2, 3, 6, 7, 8)), minute=rng.choice((0, 30)), second=0
                    )
                    next_fu = planned
                self.follow_ups.add(
                    (
                        fu_id,
                        ts(when),
                        ts(when),
                        pk,
                        owner_id,
                        kind,
                        ts(when),
                        rng.choice(content[kind]),
                        ts(planned),
                    )
                )
                if rng.random() < 0.6:
                    self.follow_up_contacts.add((fu_id, rng.choice(contact_ids)))
                if planned is not None:
                    title = f"Follow up: {name}" if english else f"跟进：{short_name or name}"
                    self.tasks.add(
                        (
                            self.task_ids.take(),
                            ts(when),
                            ts(when),
                            1,
                            owner_id,
                            unit_id,
                            pk,
                            fu_id,
                            title[:200],
                            ts(planned),
                            None,
                            "follow_up",
                        )
                    )
            last_fu = times[-1]

        for tag_id in rng.sample(
            self.tag_ids, rng.choices((0, 1, 2, 3), cum_weights=(30, 65, 90, 100))[0]
        ):
            self.customer_tags.add((pk, tag_id))

        updated = max(created, last_fu) if last_fu else created
        self.customers.add(
            (
                pk,
                ts(created),
                ts(updated),
                1,
                owner_id,
                unit_id,
                "individual" if individual else "company",
                name,
                short_name,
                f"KH{pk:08d}",
                level,
                level_locked,
                source,
                province,
                city,
                district,
                region,
                address,
                industry,
                company_size,
                revenue,
                age_band,
                gender,
                income_band,
                credit_code,
                phone or "",
                email,
                website,
                needs,
                "",
                day(first_p),
                day(last_p),
                count,
                value,
                ts(last_fu),
                ts(next_fu),
                key,
                normalize_phone(phone or ""),
                normalize_email(email),
                normalize_credit_code(credit_code),
                name_pinyin,
                name_initials,
            )
        )
        if len(self.samples) < 500 and not individual and rng.random() < 0.3:
            self.samples.append({"id": pk, "parts": parts, "city": city, "mobile": mobile})

    def contact(
        self,
        customer_id: int,
        primary: bool,
        created: datetime,
        individual: bool,
        english: bool,
        domain: str,
        customer_name: str,
        customer_mobile: str,
        customer_parts: tuple[str, ...],
    ) -> int:
        rng = self.rng
        pk = self.contact_ids.take()
        birthday = None
        if individual:
            name, parts = customer_name, customer_parts
            gender = ""
            title = department = ""
            role = "decision_maker"
            mobile = customer_mobile or self.mobile()
            email = ""
        else:
            name, parts, gender = self.person_name(english)
            title, department, role = rng.choice(TITLES_EN if english else TITLES_CN)
            if primary and rng.random() < 0.6:
                role = "decision_maker"
            mobile = self.mobile()
            email = ""
            if rng.random() < 0.7:
                local = self.py.join(parts)[0] if not english else name.lower().replace(" ", ".")
                email = f"{local}@{domain}"
        if rng.random() < 0.35:
            birthday = date(rng.randint(1962, 2000), rng.randint(1, 12), rng.randint(1, 28))
        typed = mobile if not mobile or rng.random() < 0.8 else self.typed_mobile(mobile)
        wechat = (
            f"wx_{self.py.join(parts)[1]}{rng.randint(100, 99999)}" if rng.random() < 0.4 else ""
        )
        name_pinyin, name_initials = self.py.join(parts)
        self.contacts.add(
            (
                pk,
                self.ts(created),
                self.ts(created),
                1,
                customer_id,
                name,
                title,
                department,
                role,
                primary,
                typed,
                "",
                email,
                wechat,
                gender,
                self.day(birthday),
                "",
                normalize_phone(typed),
                normalize_email(email),
                name_pinyin,
                name_initials,
            )
        )
        return pk


CUSTOMER_COLUMNS = (
    "id", "created_at", "updated_at", "version", "owner_id", "org_unit_id", "kind", "name",
    "short_name", "code", "level", "level_locked", "source", "province", "city", "district",
    "region", "address", "industry", "company_size", "annual_revenue", "age_band", "gender",
    "income_band", "credit_code", "phone", "email", "website", "needs", "notes",
    "first_purchase_at", "last_purchase_at", "purchase_count", "purchase_value",
    "last_follow_up_at", "next_follow_up_at", "name_key", "phone_key", "email_key",
    "credit_code_key", "name_pinyin", "name_initials",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "created_at", "updated_at", "version", "customer_id", "name", "title", "department",
    "decision_role", "is_primary", "mobile", "phone", "email", "wechat", "gender", "birthday",
    "notes", "mobile_key", "email_key", "name_pinyin", "name_initials",
)  # fmt: skip
FOLLOW_UP_COLUMNS = (
    "id", "created_at", "updated_at", "customer_id", "author_id", "kind", "occurred_at",
    "content", "next_contact_at",
)  # fmt: skip
TASK_COLUMNS = (
    "id", "created_at", "updated_at", "version", "owner_id", "org_unit_id", "customer_id",
    "follow_up_id", "title", "due_at", "done_at", "source",
)  # fmt: skip


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng, cum_weights: list[float]) -> int:
    """Index drawn by cumulative weights (what random.choices does, returning the index)."""
    import bisect

    return bisect.bisect(cum_weights, rng.random() * cum_weights[-1])


# Surname + first given character that pypinyin reads as one phrase ("于思" is yú sāi, a beard):
# names starting with one are cached whole. Found by checking every surname × given name of
# names.py against pinyin_keys of the whole name (city × brand × trade × legal form: no case).
_JOINED_WORDS = frozenset({"于思"})
_SURNAME_CW = _cumulative([1.0 / (i + 4) for i in range(len(SURNAMES))])
